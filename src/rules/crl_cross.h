/* CRLs held against what else was given: the issuing CA (found by AKI/SKI
 * or by Name, confirmed by the CRL's signature), the certificates a CRL
 * covers (issuer Name bytes, CRL distribution point against the IDP,
 * revocation status) and the other CRLs of the same issuer and scope
 * (cRLNumber order, backdated revocations, serials dropped before expiry).
 *
 * Pass 1 (the checker's on_object) records about 160 bytes a certificate
 * and 110 a CRL; nothing is kept of a CRL's entries. Pass 2 reads each CRL
 * again from its file, one scope at a time, and streams its entries; only
 * the CRL before it in the same scope is kept (a copy and a serial set over
 * it), so memory follows the two largest CRLs of one scope, not the run. */
#ifndef CAGUARD_RULES_CRL_CROSS_H
#define CAGUARD_RULES_CRL_CROSS_H

#include <openssl/types.h>
#include <stddef.h>

#include "rules/engine.h"
#include "rules/rules.h"

typedef struct cg_crl_cross cg_crl_cross;

/* A CA certificate among the inputs; borrowed for cg_crl_cross_finish. */
typedef struct cg_crl_ca {
    const cg_cert *cert;
    EVP_PKEY *key; /* NULL when OpenSSL cannot read its public key */
} cg_crl_ca;

/* Sets ctx->crl_cross, so the single-CRL rules leave to pass 2 what needs
 * the issuer. reload and release are as for cg_checker_new. */
cg_crl_cross *cg_crl_cross_new(cg_ctx *ctx, cg_reload_fn reload, cg_release_fn release, void *arg);
void cg_crl_cross_free(cg_crl_cross *xc);

/* Pass 1, for every CRL and certificate that decoded. ref->file must stay
 * valid until cg_crl_cross_free; the rest is copied. is_ca: basicConstraints
 * cA (for IDP onlyContainsUserCerts / onlyContainsCACerts); self_issued:
 * cg_crl_cross_self_issued(cert), which a caller that sees the same
 * certificate in every run (a prepared context's CA) computes once. */
void cg_crl_cross_add_crl(cg_crl_cross *xc, size_t file_no, const cg_objref *ref,
                          const cg_crl *crl);
void cg_crl_cross_add_cert(cg_crl_cross *xc, size_t file_no, const cg_objref *ref,
                           const cg_cert *cert, int is_ca, int self_issued);
/* Whether cert's subject and issuer are the same Name (RFC 5280 §6.1). */
int cg_crl_cross_self_issued(const cg_cert *cert);

/* Pass 2: every CRL rule that needs another object, then, when any CRL was
 * given, one revocation.status finding per certificate. */
void cg_crl_cross_finish(cg_crl_cross *xc, const cg_crl_ca *cas, size_t n_cas);

#endif
