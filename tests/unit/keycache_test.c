/* The key cache (src/rules/keycache.c): one decode per SPKI, the same key
 * back, undecodable bytes remembered, and eviction when full. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "rules/keycache.h"
#include "testutil.h"
#include "x509/x509.h"

int main(void)
{
    size_t len = 0;
    uint8_t *der = cg_test_read_der("le2023/good/final.pem", &len);
    cg_cert cert;
    cg_der_error err;
    CHECK(der != NULL);
    if (der == NULL)
        return cg_test_done();
    CHECK(cg_cert_parse(&cert, der, len, &err));

    cg_keycache *kc = cg_keycache_new(2);
    CHECK(kc != NULL);
    EVP_PKEY *a = cg_keycache_get(kc, cert.spki.data, cert.spki.len);
    EVP_PKEY *b = cg_keycache_get(kc, cert.spki.data, cert.spki.len);
    CHECK(a != NULL && a == b);
    CHECK(cg_keycache_decodes(kc) == 1);
    /* Asked with the SPKI's hash given (a prepared context's CA): the same
     * key, no new decode. */
    uint8_t h[32];
    CHECK(SHA256(cert.spki.data, cert.spki.len, h) != NULL);
    EVP_PKEY *ah = cg_keycache_get_hashed(kc, cert.spki.data, cert.spki.len, h);
    CHECK(ah == a && cg_keycache_decodes(kc) == 1);
    EVP_PKEY_free(ah);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);

    /* Bytes that are not a key: NULL, and not decoded again. */
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    CHECK(cg_keycache_get(kc, junk, sizeof(junk)) == NULL);
    CHECK(cg_keycache_get(kc, junk, sizeof(junk)) == NULL);
    CHECK(cg_keycache_decodes(kc) == 2);

    /* A third key in a cache of two pushes the oldest (the good key) out:
     * asked again, it is decoded again, and a key handed out earlier stays
     * valid (the caller holds its own reference). */
    EVP_PKEY *held = cg_keycache_get(kc, cert.spki.data, cert.spki.len);
    static const uint8_t junk2[] = {0x30, 0x00};
    CHECK(cg_keycache_get(kc, junk2, sizeof(junk2)) == NULL);
    CHECK(cg_keycache_decodes(kc) == 3);
    EVP_PKEY *c = cg_keycache_get(kc, cert.spki.data, cert.spki.len);
    CHECK(c != NULL && cg_keycache_decodes(kc) == 4);
    CHECK(held != NULL && EVP_PKEY_eq(held, c) == 1);
    EVP_PKEY_free(c);
    cg_keycache_free(kc);
    CHECK(EVP_PKEY_get_bits(held) == 2048);
    EVP_PKEY_free(held);
    free(der);
    return cg_test_done();
}
