/* ECDSA P-256 with a precomputed key (src/x509/ecdsa.c) against OpenSSL's
 * own verification (EVP_PKEY_verify), which must give the same verdict on
 * everything: NIST's FIPS 186-3 SigVer vectors for P-256 with SHA-256
 * (Debian's python3-cryptography-vectors, with NIST's expected results),
 * then signatures made here and mutated in every way a signature can be
 * wrong (bits flipped, r and s out of range, zero, negative, non-minimal
 * DER, trailing bytes, (r, n - s), another digest). */
#include "x509/ecdsa.h"

#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGVER                                                                                  \
    "/usr/lib/python3/dist-packages/cryptography_vectors/asymmetric/ECDSA/FIPS_186-3/"        \
    "SigVer.rsp"

static int n_compared;

/* OpenSSL's verdict: 1 valid, 0 not. */
static int oracle(EVP_PKEY *key, const uint8_t *sig, size_t sig_len, const uint8_t dg[32])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    int ok = c != NULL && EVP_PKEY_verify_init(c) == 1 &&
             EVP_PKEY_verify(c, sig, sig_len, dg, 32) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok;
}

/* Both verdicts, which must agree; returns the verdict. */
static int both(cg_ecdsa_key *k, EVP_PKEY *key, const uint8_t *sig, size_t sig_len,
                const uint8_t dg[32], const char *what)
{
    int want = oracle(key, sig, sig_len, dg);
    int got = cg_ecdsa_verify(k, sig, sig_len, dg);
    n_compared++;
    if (got != (want ? CG_ECDSA_VALID : CG_ECDSA_INVALID)) {
        fprintf(stderr, "  %s: cg_ecdsa_verify %d, OpenSSL %d\n", what, got, want);
        CHECK(!"verdicts differ");
    }
    return want;
}

/* An ECDSA-Sig-Value from raw r and s bytes, each INTEGER written as
 * given (so non-minimal and negative forms can be made). */
static size_t sig_der(const uint8_t *r, size_t rl, const uint8_t *s, size_t sl, uint8_t *out)
{
    size_t n = 0;
    out[n++] = 0x30;
    out[n++] = (uint8_t)(4 + rl + sl);
    out[n++] = 0x02;
    out[n++] = (uint8_t)rl;
    memcpy(out + n, r, rl);
    n += rl;
    out[n++] = 0x02;
    out[n++] = (uint8_t)sl;
    memcpy(out + n, s, sl);
    return n + sl;
}

/* A positive number's minimal INTEGER contents. */
static size_t int_bytes(const BIGNUM *v, uint8_t out[40])
{
    int n = BN_num_bytes(v);
    size_t off = 0;
    if (n == 0) {
        out[0] = 0;
        return 1;
    }
    BN_bn2bin(v, out + 1);
    if ((out[1] & 0x80) != 0) {
        out[0] = 0;
        off = 1;
    } else {
        memmove(out, out + 1, (size_t)n);
    }
    return (size_t)n + off;
}

static EVP_PKEY *key_from_point(const uint8_t *pub, size_t len)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    if (b != NULL && c != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, len) &&
        (params = OSSL_PARAM_BLD_to_param(b)) != NULL && EVP_PKEY_fromdata_init(c) == 1)
        EVP_PKEY_fromdata(c, &key, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return key;
}

/* NIST's vectors: Msg, Qx, Qy, R, S, Result of the [P-256,SHA-256] block. */
static void test_sigver(void)
{
    size_t len = 0;
    char *text = (char *)cg_test_read(SIGVER, &len);
    int pass = 0, fail = 0;
    CHECK(text != NULL);
    if (text == NULL) {
        fprintf(stderr, "  %s not found (Debian: python3-cryptography-vectors)\n", SIGVER);
        return;
    }
    char *block = strstr(text, "[P-256,SHA-256]");
    char *end = block != NULL ? strstr(block + 1, "\n[") : NULL;
    CHECK(block != NULL);
    if (block == NULL)
        goto out;
    if (end != NULL)
        *end = '\0';
    char *p = block;
    static char msg_hex[1024], qx[80], qy[80], r_hex[80], s_hex[80], result[8];
    while ((p = strstr(p, "Msg = ")) != NULL) {
        if (sscanf(p, "Msg = %1023s\nQx = %79s\nQy = %79s\nR = %79s\nS = %79s\nResult = %7s",
                   msg_hex, qx, qy, r_hex, s_hex, result) != 6) {
            CHECK(!"a SigVer entry does not read");
            break;
        }
        p++;
        uint8_t msg[512], pub[65], rb[40], sb[40], dg[32], sig[100];
        size_t mlen = cg_test_unhex(msg_hex, msg, sizeof(msg));
        pub[0] = 0x04;
        CHECK(cg_test_unhex(qx, pub + 1, 32) == 32 && cg_test_unhex(qy, pub + 33, 32) == 32);
        BIGNUM *r = NULL, *s = NULL;
        CHECK(BN_hex2bn(&r, r_hex) > 0 && BN_hex2bn(&s, s_hex) > 0);
        size_t sl = sig_der(rb, int_bytes(r, rb), sb, int_bytes(s, sb), sig);
        BN_free(r);
        BN_free(s);
        CHECK(EVP_Digest(msg, mlen, dg, NULL, EVP_sha256(), NULL) == 1);
        EVP_PKEY *key = key_from_point(pub, sizeof(pub));
        cg_ecdsa_key *k = cg_ecdsa_key_new(key);
        CHECK(key != NULL && k != NULL);
        if (key != NULL && k != NULL) {
            int v = both(k, key, sig, sl, dg, "NIST SigVer");
            CHECK(v == (result[0] == 'P'));
            pass += v;
            fail += !v;
        }
        cg_ecdsa_key_free(k);
        EVP_PKEY_free(key);
    }
    /* The block has 15 entries, some valid, some not. */
    CHECK(pass + fail == 15 && pass > 0 && fail > 0);
out:
    free(text);
}

/* Signatures made here, each mutated. */
static void test_mutations(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    cg_ecdsa_key *k = cg_ecdsa_key_new(key);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    CHECK(key != NULL && k != NULL && g != NULL);
    if (key == NULL || k == NULL || g == NULL)
        goto out;
    const BIGNUM *n = EC_GROUP_get0_order(g);
    for (int round = 0; round < 40; round++) {
        uint8_t dg[32], sig[100], m[120];
        size_t sl = sizeof(sig);
        CHECK(RAND_bytes(dg, sizeof(dg)) == 1);
        if (round == 0)
            memset(dg, 0xff, sizeof(dg)); /* a digest above n */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
        CHECK(c != NULL && EVP_PKEY_sign_init(c) == 1 &&
              EVP_PKEY_sign(c, sig, &sl, dg, sizeof(dg)) == 1);
        EVP_PKEY_CTX_free(c);
        CHECK(both(k, key, sig, sl, dg, "good") == 1);

        /* Every bit of the signature, and bits of the digest. */
        for (size_t bit = 0; bit < sl * 8; bit += (round == 0 ? 1 : 7)) {
            memcpy(m, sig, sl);
            m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            both(k, key, m, sl, dg, "bit flipped");
        }
        uint8_t dg2[32];
        memcpy(dg2, dg, 32);
        dg2[round % 32] ^= 1;
        CHECK(both(k, key, sig, sl, dg2, "another digest") == 0);
        /* Truncated, and with a byte after. */
        both(k, key, sig, sl - 1, dg, "truncated");
        memcpy(m, sig, sl);
        m[sl] = 0;
        CHECK(both(k, key, m, sl + 1, dg, "trailing byte") == 0);

        /* r and s read back, then rewritten. */
        ECDSA_SIG *es = NULL;
        const uint8_t *pp = sig;
        CHECK((es = d2i_ECDSA_SIG(NULL, &pp, (long)sl)) != NULL);
        if (es == NULL)
            continue;
        const BIGNUM *r, *s;
        ECDSA_SIG_get0(es, &r, &s);
        BIGNUM *t = BN_new(), *z = BN_new();
        uint8_t rb[40], sb[40], tb[40];
        size_t rl = int_bytes(r, rb), sbl = int_bytes(s, sb), tl, ml;
        CHECK(both(k, key, m, sig_der(rb, rl, sb, sbl, m), dg, "re-encoded") == 1);
        /* (r, n - s) is the other valid signature of the same pair. */
        BN_sub(t, n, s);
        tl = int_bytes(t, tb);
        CHECK(both(k, key, m, sig_der(rb, rl, tb, tl, m), dg, "(r, n - s)") == 1);
        /* r + n, s + n: the same residues, out of range. */
        BN_add(t, r, n);
        tl = int_bytes(t, tb);
        CHECK(both(k, key, m, sig_der(tb, tl, sb, sbl, m), dg, "r + n") == 0);
        BN_add(t, s, n);
        tl = int_bytes(t, tb);
        CHECK(both(k, key, m, sig_der(rb, rl, tb, tl, m), dg, "s + n") == 0);
        /* n itself, zero. */
        tl = int_bytes(n, tb);
        CHECK(both(k, key, m, sig_der(tb, tl, sb, sbl, m), dg, "r = n") == 0);
        CHECK(both(k, key, m, sig_der(rb, rl, tb, tl, m), dg, "s = n") == 0);
        BN_zero(z);
        tl = int_bytes(z, tb);
        CHECK(both(k, key, m, sig_der(tb, tl, sb, sbl, m), dg, "r = 0") == 0);
        CHECK(both(k, key, m, sig_der(rb, rl, tb, tl, m), dg, "s = 0") == 0);
        CHECK(both(k, key, m, sig_der(rb, rl, tb, 0, m), dg, "s empty") == 0);
        /* A needless leading zero; a negative r (its sign byte dropped). */
        tb[0] = 0;
        memcpy(tb + 1, rb, rl);
        CHECK(both(k, key, m, sig_der(tb, rl + 1, sb, sbl, m), dg, "r with a leading 0") == 0);
        if (rb[0] == 0) {
            CHECK(both(k, key, m, sig_der(rb + 1, rl - 1, sb, sbl, m), dg, "negative r") == 0);
        }
        /* The SEQUENCE's length in the long form. */
        uint8_t lf[120];
        ml = sig_der(rb, rl, sb, sbl, lf);
        m[0] = 0x30;
        m[1] = 0x81;
        memcpy(m + 2, lf + 1, ml - 1);
        CHECK(both(k, key, m, ml + 1, dg, "long-form length") == 0);
        /* Verdicts for r and s swapped (a different signature). */
        CHECK(both(k, key, m, sig_der(sb, sbl, rb, rl, m), dg, "r and s swapped") == 0 ||
              BN_cmp(r, s) == 0);
        BN_free(t);
        BN_free(z);
        ECDSA_SIG_free(es);
    }
out:
    EC_GROUP_free(g);
    cg_ecdsa_key_free(k);
    EVP_PKEY_free(key);
}

/* One inverse against BN_mod_inverse: the same number, or no inverse for
 * both. m odd, 0 < a < m. */
static int n_inverses;

static void inverse_vs_openssl(const BIGNUM *m, const BIGNUM *a, BN_CTX *bn)
{
    uint8_t mb[32], ab[32], got[32], want[32];
    BIGNUM *w = BN_new();
    CHECK(w != NULL && BN_bn2binpad(m, mb, 32) == 32 && BN_bn2binpad(a, ab, 32) == 32);
    int have = BN_mod_inverse(w, a, m, bn) != NULL;
    ERR_clear_error();
    int ours = cg_ecdsa_inv_mod(mb, ab, got);
    n_inverses++;
    CHECK(ours == have);
    if (ours && have) {
        CHECK(BN_bn2binpad(w, want, 32) == 32);
        CHECK(memcmp(got, want, 32) == 0);
    }
    BN_free(w);
}

/* cg_ecdsa_inv_mod against OpenSSL's BN_mod_inverse: modulo P-256's order
 * (what verification uses) for the edge values and random numbers of every
 * size, then modulo random odd moduli, prime or not (a sharing a factor
 * with m has no inverse), and out-of-bounds inputs refused. */
static void test_inverse(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *m = BN_new(), *a = BN_new();
    CHECK(g != NULL && bn != NULL && m != NULL && a != NULL);
    if (g == NULL || bn == NULL || m == NULL || a == NULL)
        goto out;
    const BIGNUM *n = EC_GROUP_get0_order(g);
    /* 1, 2, n - 1, n - 2, (n + 1) / 2, 2^k and 2^k - 1 below n */
    BN_one(a);
    inverse_vs_openssl(n, a, bn);
    BN_set_word(a, 2);
    inverse_vs_openssl(n, a, bn);
    BN_sub(a, n, BN_value_one());
    inverse_vs_openssl(n, a, bn);
    BN_sub_word(a, 1);
    inverse_vs_openssl(n, a, bn);
    BN_add(a, n, BN_value_one());
    BN_rshift1(a, a);
    inverse_vs_openssl(n, a, bn);
    for (int k = 1; k < 256; k++) {
        BN_zero(a);
        BN_set_bit(a, k);
        inverse_vs_openssl(n, a, bn);
        BN_sub_word(a, 1);
        inverse_vs_openssl(n, a, bn);
    }
    for (int i = 0; i < 20000; i++) {
        int bits = 1 + i % 256;
        CHECK(BN_rand(a, bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1);
        if (BN_is_zero(a) || BN_cmp(a, n) >= 0)
            continue;
        inverse_vs_openssl(n, a, bn);
    }
    for (int i = 0; i < 5000; i++) {
        int bits = 2 + i % 255;
        CHECK(BN_rand(m, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) == 1);
        /* small factors shared now and then: a = m's factor 3, 5, ... */
        if (i % 7 == 0 && BN_mod_word(m, 3) == 0)
            BN_set_word(a, 3);
        else
            CHECK(BN_rand_range(a, m) == 1);
        if (BN_is_zero(a))
            continue;
        inverse_vs_openssl(m, a, bn);
    }
    /* moduli of 256 bits whose top bits are set (the sums of a round come
     * close to 2^257 before they are reduced), P-256's field prime among
     * them */
    for (int i = 0; i < 3000; i++) {
        if (i == 0)
            CHECK(EC_GROUP_get_curve(g, m, NULL, NULL, bn) == 1);
        else
            CHECK(BN_rand(m, 256, i % 2 ? BN_RAND_TOP_TWO : BN_RAND_TOP_ONE,
                          BN_RAND_BOTTOM_ODD) == 1);
        for (int j = 0; j < (i == 0 ? 2000 : 2); j++) {
            CHECK(BN_rand_range(a, m) == 1);
            if (!BN_is_zero(a))
                inverse_vs_openssl(m, a, bn);
        }
    }
    /* refused: a = 0, a = m, a > m, m even */
    {
        uint8_t mb[32], ab[32], out[32];
        CHECK(BN_bn2binpad(n, mb, 32) == 32);
        memset(ab, 0, 32);
        CHECK(cg_ecdsa_inv_mod(mb, ab, out) == 0);
        CHECK(cg_ecdsa_inv_mod(mb, mb, out) == 0);
        memset(ab, 0xff, 32);
        CHECK(cg_ecdsa_inv_mod(mb, ab, out) == 0);
        memcpy(ab, mb, 32);
        ab[31] ^= 1; /* n - 1 as a modulus: even */
        memset(out, 0, 32);
        out[31] = 3;
        CHECK(cg_ecdsa_inv_mod(ab, out, out) == 0);
    }
    fprintf(stderr, "  %d inverses compared with BN_mod_inverse\n", n_inverses);
    CHECK(n_inverses > 30000);
out:
    BN_free(a);
    BN_free(m);
    BN_CTX_free(bn);
    EC_GROUP_free(g);
}

/* One product against BN_mod_mul: m odd above 2^255, b < m, a any. */
static int n_products;

static void product_vs_openssl(const BIGNUM *m, const BIGNUM *a, const BIGNUM *b, BN_CTX *bn)
{
    uint8_t mb[32], ab[32], bb[32], got[32], want[32];
    BIGNUM *w = BN_new();
    CHECK(w != NULL && BN_bn2binpad(m, mb, 32) == 32 && BN_bn2binpad(a, ab, 32) == 32 &&
          BN_bn2binpad(b, bb, 32) == 32);
    CHECK(BN_mod_mul(w, a, b, m, bn) == 1 && BN_bn2binpad(w, want, 32) == 32);
    CHECK(cg_ecdsa_mul_mod(mb, ab, bb, got) == 1);
    CHECK(memcmp(got, want, 32) == 0);
    n_products++;
    BN_free(w);
}

/* cg_ecdsa_mul_mod (the Montgomery products of the verification) against
 * BN_mod_mul: modulo P-256's order and field prime and random 256-bit odd
 * moduli with the top bit set, on the edge values (0, 1, m - 1, m - 2,
 * 2^k, 2^k - 1, and for a 2^256 - 1 and numbers at or above m) and random
 * ones; out-of-bounds moduli and b refused. */
static void test_products(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *m = BN_new(), *a = BN_new(), *b = BN_new();
    BIGNUM *ea[8], *eb[6];
    CHECK(g != NULL && bn != NULL && m != NULL && a != NULL && b != NULL);
    if (g == NULL || bn == NULL || m == NULL || a == NULL || b == NULL)
        goto out;
    for (int i = 0; i < 8; i++)
        ea[i] = BN_new();
    for (int i = 0; i < 6; i++)
        eb[i] = BN_new();
    for (int i = 0; i < 202; i++) {
        if (i == 0)
            CHECK(BN_copy(m, EC_GROUP_get0_order(g)) != NULL);
        else if (i == 1)
            CHECK(EC_GROUP_get_curve(g, m, NULL, NULL, bn) == 1);
        else
            CHECK(BN_rand(m, 256, i % 2 ? BN_RAND_TOP_TWO : BN_RAND_TOP_ONE,
                          BN_RAND_BOTTOM_ODD) == 1);
        /* b's edges: 0, 1, m - 1, m - 2, (m + 1) / 2, a random one */
        BN_zero(eb[0]);
        BN_one(eb[1]);
        BN_sub(eb[2], m, BN_value_one());
        BN_sub(eb[3], eb[2], BN_value_one());
        BN_add(eb[4], m, BN_value_one());
        BN_rshift1(eb[4], eb[4]);
        BN_rand_range(eb[5], m);
        /* a's: the same, and 2^256 - 1, m, m + 1 */
        for (int j = 0; j < 6; j++)
            BN_copy(ea[j], eb[j]);
        BN_zero(ea[6]);
        BN_set_bit(ea[6], 256);
        BN_sub(ea[6], ea[6], BN_value_one());
        BN_copy(ea[7], m);
        for (int x = 0; x < 8; x++) {
            for (int y = 0; y < 6; y++)
                product_vs_openssl(m, ea[x], eb[y], bn);
        }
        BN_add(a, m, BN_value_one());
        product_vs_openssl(m, a, eb[2], bn);
        for (int k = 0; k < 256; k += i < 2 ? 1 : 37) {
            BN_zero(a);
            BN_set_bit(a, k);
            product_vs_openssl(m, a, eb[2], bn);
            product_vs_openssl(m, eb[2], a, bn);
            BN_sub_word(a, 1);
            product_vs_openssl(m, a, eb[3], bn);
            product_vs_openssl(m, eb[3], a, bn);
        }
        for (int j = 0; j < (i < 2 ? 10000 : 50); j++) {
            CHECK(BN_rand(a, 1 + j % 256, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1);
            CHECK(BN_rand_range(b, m) == 1);
            product_vs_openssl(m, a, b, bn);
        }
    }
    /* refused: b = m, m even, m below 2^255 */
    {
        uint8_t mb[32], ab[32], out[32];
        CHECK(BN_bn2binpad(EC_GROUP_get0_order(g), mb, 32) == 32);
        memset(ab, 1, 32);
        CHECK(cg_ecdsa_mul_mod(mb, ab, mb, out) == 0);
        mb[31] ^= 1;
        memset(ab, 0, 32);
        CHECK(cg_ecdsa_mul_mod(mb, ab, ab, out) == 0);
        mb[31] ^= 1;
        mb[0] = 0x7f;
        CHECK(cg_ecdsa_mul_mod(mb, ab, ab, out) == 0);
    }
    for (int i = 0; i < 8; i++)
        BN_free(ea[i]);
    for (int i = 0; i < 6; i++)
        BN_free(eb[i]);
    fprintf(stderr, "  %d products compared with BN_mod_mul\n", n_products);
    CHECK(n_products > 40000);
out:
    BN_free(b);
    BN_free(a);
    BN_free(m);
    BN_CTX_free(bn);
    EC_GROUP_free(g);
}

/* Keys that are not P-256 are refused (the caller verifies with OpenSSL). */
static void test_other_keys(void)
{
    EVP_PKEY *p384 = EVP_EC_gen("P-384"), *rsa = EVP_RSA_gen(2048);
    CHECK(p384 != NULL && rsa != NULL);
    CHECK(cg_ecdsa_key_new(p384) == NULL);
    CHECK(cg_ecdsa_key_new(rsa) == NULL);
    CHECK(cg_ecdsa_key_new(NULL) == NULL);
    cg_ecdsa_key_free(NULL);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(rsa);
}

int main(void)
{
    test_sigver();
    test_mutations();
    test_other_keys();
    test_inverse();
    test_products();
    fprintf(stderr, "  %d verdicts compared with OpenSSL's\n", n_compared);
    return cg_test_done();
}
