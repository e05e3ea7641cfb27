/* ECDSA P-256 verification under one public key many times over: the
 * multiples of the key's point are computed once (as OpenSSL keeps them
 * for the curve's generator), so a verification costs two multiplications
 * by precomputed points instead of one of them and one windowed
 * multiplication of an arbitrary point, which is most of OpenSSL's own
 * EVP_PKEY_verify for ECDSA (measured in docs/performance.md, "caguard
 * serve and the library context"). The verdict is the one OpenSSL gives:
 * the same DER strictness for the signature, the same range checks; the
 * tests compare the two on NIST's vectors and on mutated signatures, and
 * fuzz/ecdsa_fuzz.c compares them on arbitrary input.
 *
 * Building the table costs about 250 verifications' worth of time and 150
 * KiB: callers prepare a key only once it has been used often (the SCT
 * verifier's key cache does). A prepared key is used by one thread at a
 * time (it holds scratch numbers). */
#ifndef CAGUARD_X509_ECDSA_H
#define CAGUARD_X509_ECDSA_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cg_ecdsa_key cg_ecdsa_key;

/* The key prepared, or NULL when it is not an EC key on P-256 or OpenSSL
 * cannot prepare it (the caller then verifies with EVP_PKEY_verify). The
 * key is not kept: pkey may be freed after. */
cg_ecdsa_key *cg_ecdsa_key_new(const EVP_PKEY *pkey);
void cg_ecdsa_key_free(cg_ecdsa_key *k);

enum { CG_ECDSA_ERROR = -1, CG_ECDSA_INVALID = 0, CG_ECDSA_VALID = 1 };

/* Verifies sig, a DER ECDSA-Sig-Value, over a 32-byte digest (SHA-256).
 * CG_ECDSA_ERROR when OpenSSL failed (out of memory): no verdict, the
 * caller asks EVP_PKEY_verify instead. */
int cg_ecdsa_verify(cg_ecdsa_key *k, const uint8_t *sig, size_t sig_len,
                    const uint8_t digest[32]);

/* A key verified under again and again, prepared at its after-th
 * verification (the SCT verifier's log keys, a kept issuer key). Its
 * owner zero-initialises it and clears it with cg_ecdsa_warm_clear; one
 * thread at a time. */
typedef struct cg_ecdsa_warm {
    unsigned uses;      /* verifications, up to after */
    cg_ecdsa_key *fast; /* prepared, or NULL: not yet, or not on P-256 */
} cg_ecdsa_warm;

/* Counts one verification under pkey and, with the key prepared, verifies
 * sig over digest as cg_ecdsa_verify; CG_ECDSA_ERROR while it is not (or
 * cannot be) prepared: the caller then verifies with EVP_PKEY_verify. */
int cg_ecdsa_warm_verify(cg_ecdsa_warm *w, const EVP_PKEY *pkey, unsigned after,
                         const uint8_t *sig, size_t sig_len, const uint8_t digest[32]);
void cg_ecdsa_warm_clear(cg_ecdsa_warm *w);

/* out = a^-1 mod m, all three 32 bytes big-endian: m odd, 0 < a < m.
 * 0 when a has no inverse (a shares a factor with m) or the input is out
 * of those bounds. Variable time: for public numbers only (the s of a
 * signature being verified). */
int cg_ecdsa_inv_mod(const uint8_t m[32], const uint8_t a[32], uint8_t out[32]);

/* out = a b mod m, all four 32 bytes big-endian, by the Montgomery
 * products the verification computes u1, u2 and its comparison with: m odd
 * and above 2^255 (P-256's order and field prime are), b < m, a any. 0
 * when m or b is out of those bounds. */
int cg_ecdsa_mul_mod(const uint8_t m[32], const uint8_t a[32], const uint8_t b[32],
                     uint8_t out[32]);

#endif
