/* ECDSA P-256 with a precomputed key (x509/ecdsa.h) against OpenSSL's
 * EVP_PKEY_verify on arbitrary input: the two verdicts must be the same.
 * The input is a digest (its first 32 bytes, zero-padded) and then either
 * a signature as it stands (first byte even) or, so that valid signatures
 * are reached, a fresh signature of the digest with every byte of the rest
 * of the input XORed into it (first byte odd). */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "x509/ecdsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct keys {
    EVP_PKEY *priv;
    cg_ecdsa_key *fast;
} keys;

/* One fixed key pair (d = 0x0102...20), made on the first call. */
static keys *the_keys(void)
{
    static keys k;
    static int made;
    if (made)
        return k.priv != NULL && k.fast != NULL ? &k : NULL;
    made = 1;
    uint8_t d[32], pub[65];
    for (size_t i = 0; i < 32; i++)
        d[i] = (uint8_t)(i + 1);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *q = g != NULL ? EC_POINT_new(g) : NULL;
    BIGNUM *bd = BN_bin2bn(d, 32, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (q != NULL && bd != NULL && b != NULL && c != NULL &&
        EC_POINT_mul(g, q, bd, NULL, NULL, NULL) == 1 &&
        EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL) ==
            sizeof(pub) &&
        OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, bd) &&
        (params = OSSL_PARAM_BLD_to_param(b)) != NULL && EVP_PKEY_fromdata_init(c) == 1)
        EVP_PKEY_fromdata(c, &k.priv, EVP_PKEY_KEYPAIR, params);
    k.fast = cg_ecdsa_key_new(k.priv);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(c);
    BN_free(bd);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    return k.priv != NULL && k.fast != NULL ? &k : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys *k = the_keys();
    uint8_t dg[32] = {0}, sig[256];
    size_t sig_len = 0;
    if (k == NULL)
        __builtin_trap();
    if (size == 0)
        return 0;
    int sign = data[0] & 1;
    data++;
    size--;
    size_t n = size < 32 ? size : 32;
    memcpy(dg, data, n);
    data += n;
    size -= n;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->priv, NULL);
    if (c == NULL)
        return 0;
    if (sign) {
        sig_len = sizeof(sig);
        if (EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_sign(c, sig, &sig_len, dg, 32) != 1) {
            EVP_PKEY_CTX_free(c);
            return 0;
        }
        for (size_t i = 0; i < size && i < sig_len; i++)
            sig[i] ^= data[i];
    } else {
        sig_len = size < sizeof(sig) ? size : sizeof(sig);
        memcpy(sig, data, sig_len);
    }
    int want = EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_verify(c, sig, sig_len, dg, 32) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    int got = cg_ecdsa_verify(k->fast, sig, sig_len, dg);
    if (got != (want ? CG_ECDSA_VALID : CG_ECDSA_INVALID))
        __builtin_trap();
    return 0;
}
