/* RFC 6962 §3.2 SCT signature verification: rebuilding the TBSCertificate a
 * log signs for a precert entry, and a verifier that keeps each log's key
 * decoded and ready for the next SCT.
 *
 * Ownership: a cg_sct_verifier borrows its cg_loglist (which must outlive
 * it) and owns the decoded keys. A verifier is not thread-safe: use one per
 * thread. */
#ifndef CAGUARD_CT_SCT_VERIFY_H
#define CAGUARD_CT_SCT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "ct/loglist.h"
#include "ct/sct.h"
#include "der/cbs.h"
#include "x509/x509.h"

/* Which extensions cg_ct_entry_tbs_ex drops (every occurrence, wherever it
 * stands; the others keep their order). */
#define CG_CT_REMOVE_POISON 0x1u   /* 1.3.6.1.4.1.11129.2.4.3 */
#define CG_CT_REMOVE_SCT_LIST 0x2u /* 1.3.6.1.4.1.11129.2.4.2 */
/* The other way round: the critical poison extension (value NULL) added
 * after the others, which turns the TBSCertificate of a precert_entry back
 * into a precertificate's (where the poison stood is not logged). */
#define CG_CT_ADD_POISON 0x4u

/* Rebuilds the TBSCertificate of a precert_entry from cert's raw DER slices:
 * every field is copied byte for byte, only the enclosing lengths are
 * written anew. The [3] wrapper goes when no extension is left.
 *
 * new_issuer (a Name element) replaces the issuer and new_aki (an Extension
 * element, new_aki->raw) every AuthorityKeyIdentifier, for a precertificate
 * issued by a Precertificate Signing Certificate (RFC 6962 §3.1): pass the
 * final issuer's subject and an AKI naming the final issuer's key. NULL
 * keeps the field. new_aki adds nothing to a TBS that has no AKI.
 *
 * cg_ct_entry_tbs picks the mask from cert->is_precert, which is what a log
 * signs: a precertificate loses only its poison (a precertificate that
 * wrongly carries an SCT list was logged with it), a final certificate its
 * SCT list. Use _ex with an explicit mask to ask another question, e.g.
 * CG_CT_REMOVE_POISON | CG_CT_REMOVE_SCT_LIST to compare a precertificate
 * with its final certificate.
 *
 * out must not overlap cert's DER; cg_ct_entry_tbs_max_len() bytes always
 * suffice. Returns 1 and *out_len, or 0 when out is too small or new_issuer
 * / new_aki is not one DER SEQUENCE element. */
int cg_ct_entry_tbs(const cg_cert *cert, const cg_cbs *new_issuer, const cg_ext *new_aki,
                    uint8_t *out, size_t cap, size_t *out_len);
int cg_ct_entry_tbs_ex(const cg_cert *cert, const cg_cbs *new_issuer, const cg_ext *new_aki,
                       unsigned remove, uint8_t *out, size_t cap, size_t *out_len);
size_t cg_ct_entry_tbs_max_len(const cg_cert *cert, const cg_cbs *new_issuer,
                               const cg_ext *new_aki);

/* issuer_key_hash of a precert_entry: SHA-256 over the issuer's raw
 * SubjectPublicKeyInfo element. Returns 1, or 0 if hashing failed. */
int cg_ct_issuer_key_hash(const cg_cert *issuer, uint8_t out[32]);

typedef struct cg_sct_verifier cg_sct_verifier;

/* ll may be NULL (keys then come only from cg_sct_verifier_add_key). A log
 * list key is decoded the first time one of its SCTs is verified. */
cg_sct_verifier *cg_sct_verifier_new(const cg_loglist *ll);
void cg_sct_verifier_free(cg_sct_verifier *v);

/* A P-256 log key has its multiples precomputed (x509/ecdsa.h: the same
 * verdict in about half the time) once it has verified this many SCTs;
 * 0 never, 1 at its first SCT. */
#define CG_SCT_FAST_AFTER 256
void cg_sct_verifier_set_fast_after(cg_sct_verifier *v, unsigned n);

/* Adds a log key (DER SubjectPublicKeyInfo, copied) under log ID
 * SHA-256(spki_der); it takes precedence over the log list. Returns 1, or 0
 * when the key does not decode, is not RSA, EC P-256 or EC P-384, or memory
 * ran out. Adding a key twice is harmless. */
int cg_sct_verifier_add_key(cg_sct_verifier *v, const uint8_t *spki_der, size_t len);

typedef enum {
    CG_SCT_VALID,
    CG_SCT_INVALID,     /* the signature or the SCT's claims are wrong */
    CG_SCT_UNKNOWN_LOG, /* no key for the SCT's log ID */
    CG_SCT_UNSUPPORTED  /* SCT version, algorithm or log key caguard cannot check */
} cg_sct_status;

/* "valid", "invalid", "unknown log", "unsupported". */
const char *cg_sct_status_name(cg_sct_status status);

/* Both verifiers write a one-line reason to why (when non-NULL) for every
 * status but CG_SCT_VALID, which leaves it empty. Accepted: SHA-256 (hash
 * 4) with ECDSA (3) on a P-256 or P-384 key, or with RSA PKCS#1 v1.5 (1).
 *
 * precert_entry (SCTs embedded in a certificate): the signed data is
 * version | certificate_timestamp | timestamp | precert_entry |
 * issuer_key_hash | TBSCertificate<1..2^24-1> | CtExtensions<0..2^16-1>,
 * tbs being what cg_ct_entry_tbs rebuilds. */
cg_sct_status cg_sct_verify_precert(cg_sct_verifier *v, const cg_sct *sct,
                                    const uint8_t issuer_key_hash[32], const uint8_t *tbs,
                                    size_t tbs_len, char *why, size_t whycap);
/* x509_entry (SCTs delivered by TLS or OCSP for a final certificate): the
 * signed entry is the whole certificate, ASN.1Cert<1..2^24-1>. */
cg_sct_status cg_sct_verify_x509(cg_sct_verifier *v, const cg_sct *sct, const uint8_t *cert_der,
                                 size_t cert_len, char *why, size_t whycap);

#endif
