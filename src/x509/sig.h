/* A signature over raw TBS bytes, verified without building OpenSSL's
 * certificate or CRL objects: the signatureAlgorithm read once (RSA PKCS#1
 * v1.5 and RSASSA-PSS with SHA-1 or SHA-2, ECDSA with SHA-2, Ed25519,
 * Ed448), the TBS hashed at most once whichever keys it is tried under.
 * The checker confirms a certificate's issuer with it, the CRL rules a
 * CRL's CA. */
#ifndef CAGUARD_X509_SIG_H
#define CAGUARD_X509_SIG_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"
#include "x509/ecdsa.h"

enum { CG_SIG_OK, CG_SIG_BAD, CG_SIG_UNSUPPORTED };

typedef struct cg_sig_alg cg_sig_alg;

typedef struct cg_sig {
    const char *what; /* "CRL", "certificate": in the messages */
    cg_cbs tbs;
    const cg_sig_alg *alg;
    const EVP_MD *md, *mgf1;
    int salt;
    const uint8_t *sig;
    size_t sig_len;
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_len;
    int hashed;
    const char *unsupported; /* why it cannot be checked, or NULL */
    int damaged; /* unsupported because the object's own signature fields are broken (not an
                  * algorithm caguard lacks): it cannot verify under any key */
} cg_sig;

/* Reads sig_alg (the outer AlgorithmIdentifier element) and signature (the
 * BIT STRING contents, unused-bits octet first) of the object whose TBS
 * element is tbs; the views must outlive s. */
void cg_sig_prepare(cg_sig *s, const char *what, const cg_cbs *tbs, const cg_cbs *sig_alg,
                    const cg_cbs *signature);

/* Hands s the SHA-256 of its TBS that the caller has already made: when s's
 * hash is SHA-256 it is taken as s's digest, and the TBS is not hashed
 * again. The caller answers for it being the TBS's. */
void cg_sig_tbs_sha256(cg_sig *s, const uint8_t sha256[32]);

/* Verifies s under key: CG_SIG_OK, CG_SIG_BAD (with why: a key of another
 * type, or a signature that does not verify) or CG_SIG_UNSUPPORTED (why:
 * s->unsupported, or no key). why may be NULL. */
int cg_sig_verify(cg_sig *s, EVP_PKEY *key, char *why, size_t cap);

/* A verification context kept between signatures under one key (RSA
 * PKCS#1 v1.5 and ECDSA): OpenSSL 3 fetches the algorithm and sets a new
 * context up for every signature otherwise, about a third of the time of
 * an RSA-2048 verification. Its owner zero-initialises it and clears it
 * with cg_sig_keep_clear; one thread at a time. Only the context is kept,
 * never a verdict. */
typedef struct cg_sig_keep {
    EVP_PKEY *key; /* a reference: while kept, the pointer names this key */
    const EVP_MD *md;
    const cg_sig_alg *alg;
    EVP_PKEY_CTX *ctx;
    /* ECDSA P-256 with SHA-256: after CG_SIG_FAST_AFTER verifications
     * under the key, its multiples are prepared (x509/ecdsa.h) and give
     * OpenSSL's verdict faster (none before, or for another curve). */
    cg_ecdsa_warm fast;
} cg_sig_keep;

/* Verifications under one kept ECDSA key before its multiples are
 * prepared (preparing costs about 250 verifications' worth). */
#define CG_SIG_FAST_AFTER 256

void cg_sig_keep_clear(cg_sig_keep *keep);

/* cg_sig_verify with the context for key kept in *keep (NULL: none). */
int cg_sig_verify_kept(cg_sig *s, EVP_PKEY *key, cg_sig_keep *keep, char *why, size_t cap);

#endif
