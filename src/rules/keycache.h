/* Decoded public keys kept across checks.
 *
 * OpenSSL 3 decodes a SubjectPublicKeyInfo through its provider decoders,
 * which costs more than verifying one ECDSA signature. A process that checks
 * one object at a time against the same CAs (the monitor's ingest) keeps the
 * CA keys here, keyed by the SHA-256 of the SPKI bytes, and decodes each
 * once.
 *
 * Ownership: the cache owns one reference to each key; cg_keycache_get
 * returns a new reference (free it with EVP_PKEY_free). Each key also keeps
 * the context its signatures were last verified with (x509/sig.h). Bounded:
 * when full, the oldest entry goes. Not thread-safe: one per thread. */
#ifndef CAGUARD_RULES_KEYCACHE_H
#define CAGUARD_RULES_KEYCACHE_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/sig.h"

typedef struct cg_keycache cg_keycache;

/* capacity 0 picks the default (256 keys). */
cg_keycache *cg_keycache_new(size_t capacity);
void cg_keycache_free(cg_keycache *kc);

/* The key of a DER SubjectPublicKeyInfo, decoded on the first call for
 * these bytes. Returns a new reference, or NULL when the bytes do not
 * decode (remembered too, so a bad key is not decoded again). */
EVP_PKEY *cg_keycache_get(cg_keycache *kc, const uint8_t *spki, size_t len);
/* The same, for a caller that has the SHA-256 of the bytes already. */
EVP_PKEY *cg_keycache_get_hashed(cg_keycache *kc, const uint8_t *spki, size_t len,
                                 const uint8_t sha256[32]);

/* The verification context kept with key (a key this cache returned, while
 * it holds it), for cg_sig_verify_kept; NULL when the cache does not hold
 * key. */
cg_sig_keep *cg_keycache_sig_keep(cg_keycache *kc, const EVP_PKEY *key);

/* Decodes so far (the number of misses), for tests and benchmarks. */
size_t cg_keycache_decodes(const cg_keycache *kc);

#endif
