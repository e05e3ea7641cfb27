/* What the files of the checker share (checker.h is their face): pass 1's
 * index, the CA certificates and pass 2's loaded objects, and the
 * functions one file calls in the other. Private to src/rules/checker*.c.
 *
 *   checker.c      pass 1 (the index, the CAs kept whole); pass 2: the
 *                  groups of one effective issuer and serial loaded, each
 *                  distinct object once, duplicate serials, precertificate
 *                  against final certificate, the Precertificate Signing
 *                  sunset; then the CRL cross-checks
 *   checker_sct.c  the issuing CA of a certificate (Name and AKI/SKI,
 *                  confirmed by signature), the precertificate entry a log
 *                  signed rebuilt, each embedded SCT verified and, when it
 *                  fails, attributed to the precertificate it was issued
 *                  for; the CT policies */
#ifndef CAGUARD_RULES_CHECKER_INTERNAL_H
#define CAGUARD_RULES_CHECKER_INTERNAL_H

#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

#include "ct/sct_verify.h"
#include "rules/checker.h"
#include "rules/crl_cross.h"
#include "x509/x509.h"

#define SERIAL_MAX 24

/* One certificate or precertificate seen in pass 1. */
typedef struct entry {
    uint32_t file_no;
    uint32_t index;
    uint64_t offset; /* of its PEM block in the file, for pass 2 */
    uint8_t kind;
    uint8_t has_scts;
    uint8_t serial_len;
    uint8_t needed;       /* pass 2 must look at it */
    uint64_t issuer_hash; /* of the issuer Name bytes */
    uint64_t group_hash;  /* of the effective issuer and the serial */
    uint8_t serial[SERIAL_MAX];
    uint8_t sha256[32];
} entry;

/* A CA certificate (basicConstraints cA, or a Precertificate Signing
 * Certificate), kept whole: few of them, needed by everything. */
typedef struct ca_cert {
    uint8_t *der; /* a copy, or NULL for a known object (cert views its owner's bytes) */
    size_t len;
    cg_cert cert; /* view into der */
    uint8_t spki_hash[32];
    uint8_t sha256[32];
    int precert_signing; /* EKU 1.3.6.1.4.1.11129.2.4.4 */
    EVP_PKEY *key;
} ca_cert;

/* An object copied out in pass 2 because it belongs to a group: one per
 * distinct object, however many byte-identical copies the input holds
 * (they are loaded once). */
typedef struct held {
    const entry *e; /* its first copy in input order */
    uint8_t *der;
    size_t len;
    cg_cert cert;
    cg_objref ref;   /* of that first copy */
    uint8_t key[32]; /* certificate: SHA-256 of the TBS; precertificate: cg_corr_key */
    int has_key;     /* key is made (mark_same: only in a group of two or more) */
    int via_signing; /* a precertificate from a Precertificate Signing CA */
    size_t same_as;  /* 1 + the earlier object with the same TBS; 0 when distinct */
} held;

/* The precertificates an SCT that does not verify is tried against, to say
 * which one it was issued for: a bound, so a serial shared by thousands of
 * precertificates costs a constant per SCT, not one signature each. */
#define OTHER_PRECERTS_MAX 32

struct cg_checker {
    cg_ctx *ctx;
    cg_reload_fn reload;
    cg_release_fn release;
    void *arg;
    const char **names; /* by file_no */
    size_t n_names, cap_names;
    entry *entries;
    size_t n_entries, cap_entries;
    ca_cert *cas;
    size_t n_cas, cap_cas;
    cg_sct_verifier *verifier;
    int own_verifier;        /* 0 when borrowed from the ctx */
    cg_crl_cross *crl_cross; /* the CRL rules that need other objects */
    size_t cur_file;
    int known; /* on_object is given a known object: its view outlives the checker */
    const uint8_t *known_spki_hash; /* and its SPKI's SHA-256, or NULL */
    int known_self_issued;          /* and cg_crl_cross_self_issued of it */
    int inputs_held; /* reload gives back the bytes pass 1 read (cg_checker_inputs_held) */
};

/* ---- checker_sct.c ---- */

/* The CA that issued cert: same subject bytes (or an equal Name), AKI/SKI
 * agreeing when both are there, confirmed by the signature; NULL when none
 * of the CAs given is. tbs_sha256: the SHA-256 of cert's TBS when the
 * caller has it (the signature's hash, when that is SHA-256), or NULL. */
const ca_cert *cg_ck_find_issuer(const cg_checker *ck, const cg_cert *cert,
                                 const uint8_t *tbs_sha256);
/* The Precertificate Signing CA that issued a precertificate, if any. */
const ca_cert *cg_ck_signing_ca_of(const cg_checker *ck, const cg_cert *pre);
/* Verifies every embedded SCT of a final certificate against the issuer,
 * reports the SCT and policy rules; pres holds distinct precertificates of
 * the same issuer and serial (OTHER_PRECERTS_MAX at most, in input order)
 * that an SCT may belong to. */
void cg_ck_check_scts(cg_checker *ck, const cg_objref *ref, const cg_cert *cert,
                      const uint8_t *tbs_sha256, const held *const *pres, size_t n_pres);

#endif
