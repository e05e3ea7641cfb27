/* ECDSA P-256 verification with the key's multiples precomputed (ecdsa.h).
 *
 * The verification is SEC 1 §4.1.4 as OpenSSL writes it
 * (ossl_ecdsa_simple_verify_sig): r and s in [1, n-1]; e the digest as an
 * integer (256 bits, so nothing is cut for P-256); w = s^-1 mod n; u1 = e w,
 * u2 = r w; R = u1 G + u2 Q, not the point at infinity; valid when the x of
 * R mod n is r. The one difference is where u2 Q comes from: Q is the
 * generator of a second copy of the curve's group whose multiples were
 * precomputed (EC_GROUP_precompute_mult), so OpenSSL's P-256 code
 * multiplies it with a table, as it does G.
 *
 * The signature must be what OpenSSL's ECDSA_verify accepts: one DER
 * SEQUENCE of two INTEGERs and nothing after it, each INTEGER minimally
 * encoded (OpenSSL re-encodes what it read and compares). A negative or
 * zero INTEGER is well-formed DER but out of range.
 *
 * The other difference is s^-1 mod n: BN_mod_inverse runs the binary
 * algorithm one BIGNUM call a bit (BN_rshift1, BN_uadd, BN_is_bit_set...),
 * 15.8% of caguard serve's samples under /lintcert, as much as both
 * multiplications; cg_ecdsa_inv_mod is the same algorithm on four 64-bit
 * words, its steps decided 31 at a time on 64-bit stand-ins of the two
 * numbers and applied to them once per 31 (s is part of a public
 * signature: nothing needs constant time). And the last step compares
 * in R's Jacobian coordinates, without the inversion mod p that R's
 * affine x costs.
 *
 * Invariants: g and gq are the same curve, gq's generator is Q and gq
 * holds its table, nb is g's order as 32 big-endian bytes; the BIGNUMs and
 * points are scratch, so a key is used by one thread at a time. */

/* EC_GROUP_precompute_mult is deprecated in OpenSSL 3.0 (with the rest of
 * the low-level EC interface) but kept and working: no other interface
 * precomputes the multiples of a point that is not the curve's generator;
 * nor gives a point's Jacobian coordinates
 * (EC_POINT_get_Jprojective_coordinates_GFp). */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "x509/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <stdlib.h>
#include <string.h>

#include "der/cbs.h"

struct cg_ecdsa_key {
    EC_GROUP *g;  /* P-256 */
    EC_GROUP *gq; /* P-256 with Q as its generator, Q's multiples precomputed */
    BN_CTX *bn;
    BIGNUM *r, *s, *e, *w, *u1, *u2, *x, *z;
    EC_POINT *p, *pq; /* u1 G in g, u2 Q in gq */
    uint8_t nb[32];   /* the order n, big-endian */
};

/* ---- a^-1 mod m on 256-bit numbers: four 64-bit words, least first ---- */

static void w_load(uint64_t x[4], const uint8_t be[32])
{
    for (size_t i = 0; i < 4; i++) {
        x[i] = 0;
        for (size_t j = 0; j < 8; j++)
            x[i] = x[i] << 8 | be[32 - 8 * (i + 1) + j];
    }
}

static void w_store(uint8_t be[32], const uint64_t x[4])
{
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < 8; j++)
            be[31 - 8 * i - j] = (uint8_t)(x[i] >> (8 * j));
    }
}

static int w_is_zero(const uint64_t x[4])
{
    return (x[0] | x[1] | x[2] | x[3]) == 0;
}

static int w_is_one(const uint64_t x[4])
{
    return x[0] == 1 && (x[1] | x[2] | x[3]) == 0;
}

/* -1, 0, 1 as a <, =, > b. */
static int w_cmp(const uint64_t a[4], const uint64_t b[4])
{
    for (size_t i = 4; i-- > 0;) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* r = a - b mod 2^256; the borrow out. r may be a or b (each word is read
 * before it is written). */
static uint64_t w_diff(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < 4; i++) {
        uint64_t t = a[i] - b[i];
        uint64_t b1 = a[i] < b[i];
        r[i] = t - borrow;
        borrow = b1 | (t < borrow);
    }
    return borrow;
}

/* r -= a; the borrow out. */
static uint64_t w_sub(uint64_t r[4], const uint64_t a[4])
{
    return w_diff(r, r, a);
}

/* r = m - a mod 2^256. */
static void w_neg_mod(uint64_t r[4], const uint64_t a[4], const uint64_t m[4])
{
    (void)w_diff(r, m, a);
}

static unsigned w_bits(const uint64_t x[4])
{
    for (size_t i = 4; i-- > 0;) {
        if (x[i] != 0)
            return (unsigned)(64 * i + 64) - (unsigned)__builtin_clzll(x[i]);
    }
    return 0;
}

/* The low 64 bits of x >> s (s < 256). */
static uint64_t w_shr64(const uint64_t x[4], unsigned s)
{
    size_t w = s / 64;
    unsigned b = s % 64;
    uint64_t hi = w + 1 < 4 ? x[w + 1] : 0;
    return b == 0 ? x[w] : x[w] >> b | hi << (64 - b);
}

/* x's 64-bit stand-in for a round of STEPS steps when the larger of the
 * two numbers has len bits (len >= 64): x's low STEPS bits, which decide
 * the parities exactly, under its top 33 bits, which decide the
 * comparisons nearly. With len = 64 it is x itself. */
enum { STEPS = 31 };

static uint64_t w_approx(const uint64_t x[4], unsigned len)
{
    return (x[0] & ((UINT64_C(1) << STEPS) - 1)) | w_shr64(x, len - 33) << STEPS;
}

/* out = |x f + y g| / 2^STEPS, 1 when x f + y g is negative; -1 when the
 * sum is not a multiple of 2^STEPS or its quotient does not fit in 256
 * bits (neither happens: the caller then falls back to OpenSSL). |f|,
 * |g| <= 2^STEPS. */
static int w_combine(uint64_t out[4], const uint64_t x[4], const uint64_t y[4], int64_t f,
                     int64_t g)
{
    uint64_t t[5];
    __int128 c = 0; /* signed: |c| < 2^97; >> is arithmetic in GCC and Clang */
    for (size_t i = 0; i < 4; i++) {
        c += (__int128)x[i] * f + (__int128)y[i] * g;
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    t[4] = (uint64_t)c;
    int64_t top = (int64_t)t[4] >> STEPS;
    if ((t[0] & ((UINT64_C(1) << STEPS) - 1)) != 0 || (top != 0 && top != -1))
        return -1;
    for (size_t i = 0; i < 4; i++)
        out[i] = t[i] >> STEPS | t[i + 1] << (64 - STEPS);
    if (top == 0)
        return 0;
    /* negative, above -2^256: its absolute value is 2^256 - out */
    static const uint64_t zero[4] = {0, 0, 0, 0};
    w_neg_mod(out, out, zero);
    return 1;
}

/* out = (x f + y g) / 2^STEPS mod m (x, y < m; |f| + |g| <= 2^STEPS;
 * minv = -m^-1 mod 2^64). x f is taken as (m - x)(-f) when f < 0: every
 * term is then positive and the sum below 2^STEPS m; the multiple q m of
 * m that clears its low STEPS bits is below that too, so the quotient is
 * below 2m: one subtraction at most. */
static void w_combine_mod(uint64_t out[4], const uint64_t x[4], const uint64_t y[4], int64_t f,
                          int64_t g, const uint64_t m[4], uint64_t minv)
{
    uint64_t xa[4], ya[4], t[5];
    memcpy(xa, x, sizeof(xa));
    memcpy(ya, y, sizeof(ya));
    if (f < 0) {
        w_neg_mod(xa, x, m);
        f = -f;
    }
    if (g < 0) {
        w_neg_mod(ya, y, m);
        g = -g;
    }
    unsigned __int128 c = 0;
    for (size_t i = 0; i < 4; i++) {
        c += (unsigned __int128)xa[i] * (uint64_t)f + (unsigned __int128)ya[i] * (uint64_t)g;
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    t[4] = (uint64_t)c;
    uint64_t q = (t[0] * minv) & ((UINT64_C(1) << STEPS) - 1);
    c = 0;
    for (size_t i = 0; i < 4; i++) {
        c += (unsigned __int128)q * m[i] + t[i];
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    t[4] += (uint64_t)c;
    for (size_t i = 0; i < 4; i++)
        out[i] = t[i] >> STEPS | t[i + 1] << (64 - STEPS);
    if ((t[4] >> STEPS) != 0 || w_cmp(out, m) >= 0)
        w_sub(out, m); /* the borrow is the bit above out */
}

int cg_ecdsa_inv_mod(const uint8_t m_be[32], const uint8_t a_be[32], uint8_t out[32])
{
    uint64_t m[4], a[4], b[4], u[4] = {1, 0, 0, 0}, v[4] = {0, 0, 0, 0};

    w_load(m, m_be);
    w_load(a, a_be);
    if ((m[0] & 1) == 0 || w_is_zero(a) || w_cmp(a, m) >= 0)
        return 0;
    memcpy(b, m, sizeof(b));
    /* m^-1 mod 2^64 by Newton's iteration (each step doubles the correct
     * low bits: m is its own inverse mod 8), negated. */
    uint64_t inv = m[0];
    for (int i = 0; i < 5; i++)
        inv *= 2 - m[0] * inv;
    uint64_t minv = (uint64_t)0 - inv;
    /* The binary extended Euclid (a odd: a - b, halved, where b is the
     * smaller; a even: halved), with a = u y and b = v y (mod m)
     * throughout, y the number to invert: a reaches 0 and b gcd(y, m).
     * Its steps are taken STEPS at a time on 64-bit stand-ins of a and b
     * (T. Pornin, "Optimized Binary GCD for Modular Inversion", 2020):
     * their low bits are exact, so the parities are; the top bits make
     * the comparisons, where a wrong guess turns a negative, which is
     * negated; the steps made are a matrix (f0 g0; f1 g1) applied to the
     * full numbers and to u and v once a round. The paper bounds the
     * rounds at (2 * 256 - 1) / STEPS; one past twice that falls back. */
    for (int round = 0; !w_is_zero(a); round++) {
        if (round > 2 * (2 * 256 - 1) / STEPS + 1)
            return 0;
        unsigned la = w_bits(a), lb = w_bits(b), len = la > lb ? la : lb;
        if (len < 64)
            len = 64;
        uint64_t xa = w_approx(a, len), xb = w_approx(b, len);
        int64_t f0 = 1, g0 = 0, f1 = 0, g1 = 1;
        for (int j = 0; j < STEPS; j++) {
            if ((xa & 1) != 0) {
                if (xa < xb) {
                    uint64_t tx = xa;
                    int64_t tf = f0, tg = g0;
                    xa = xb;
                    xb = tx;
                    f0 = f1;
                    g0 = g1;
                    f1 = tf;
                    g1 = tg;
                }
                xa -= xb;
                f0 -= f1;
                g0 -= g1;
            }
            xa >>= 1;
            f1 *= 2;
            g1 *= 2;
        }
        uint64_t na[4], nb[4];
        int nega = w_combine(na, a, b, f0, g0);
        int negb = w_combine(nb, a, b, f1, g1);
        if (nega < 0 || negb < 0)
            return 0;
        if (nega) {
            f0 = -f0;
            g0 = -g0;
        }
        if (negb) {
            f1 = -f1;
            g1 = -g1;
        }
        uint64_t nu[4], nv[4];
        w_combine_mod(nu, u, v, f0, g0, m, minv);
        w_combine_mod(nv, u, v, f1, g1, m, minv);
        memcpy(a, na, sizeof(a));
        memcpy(b, nb, sizeof(b));
        memcpy(u, nu, sizeof(u));
        memcpy(v, nv, sizeof(v));
    }
    if (!w_is_one(b))
        return 0; /* gcd(y, m) = b > 1 */
    w_store(out, v);
    return 1;
}

int cg_ecdsa_warm_verify(cg_ecdsa_warm *w, const EVP_PKEY *pkey, unsigned after,
                         const uint8_t *sig, size_t sig_len, const uint8_t digest[32])
{
    if (w->fast == NULL && w->uses < after && ++w->uses == after)
        w->fast = cg_ecdsa_key_new(pkey); /* NULL: not P-256 */
    if (w->fast == NULL)
        return CG_ECDSA_ERROR;
    return cg_ecdsa_verify(w->fast, sig, sig_len, digest);
}

void cg_ecdsa_warm_clear(cg_ecdsa_warm *w)
{
    cg_ecdsa_key_free(w->fast);
    w->fast = NULL;
    w->uses = 0;
}

void cg_ecdsa_key_free(cg_ecdsa_key *k)
{
    if (k == NULL)
        return;
    EC_POINT_free(k->p);
    EC_POINT_free(k->pq);
    BN_free(k->r);
    BN_free(k->s);
    BN_free(k->e);
    BN_free(k->w);
    BN_free(k->u1);
    BN_free(k->u2);
    BN_free(k->x);
    BN_free(k->z);
    BN_CTX_free(k->bn);
    EC_GROUP_free(k->gq);
    EC_GROUP_free(k->g);
    free(k);
}

cg_ecdsa_key *cg_ecdsa_key_new(const EVP_PKEY *pkey)
{
    char group[64] = "";
    uint8_t pub[133];
    size_t pub_len = 0;
    EC_POINT *q = NULL;
    cg_ecdsa_key *k = NULL;

    if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL) ||
        strcmp(group, SN_X9_62_prime256v1) != 0 ||
        !EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub),
                                         &pub_len))
        goto err;
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        goto err;
    k->g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    k->gq = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    k->bn = BN_CTX_new();
    k->r = BN_new();
    k->s = BN_new();
    k->e = BN_new();
    k->w = BN_new();
    k->u1 = BN_new();
    k->u2 = BN_new();
    k->x = BN_new();
    k->z = BN_new();
    if (k->g == NULL || k->gq == NULL || k->bn == NULL || k->r == NULL || k->s == NULL ||
        k->e == NULL || k->w == NULL || k->u1 == NULL || k->u2 == NULL || k->x == NULL ||
        k->z == NULL)
        goto err;
    k->p = EC_POINT_new(k->g);
    k->pq = EC_POINT_new(k->gq);
    q = EC_POINT_new(k->gq);
    if (k->p == NULL || k->pq == NULL || q == NULL ||
        EC_POINT_oct2point(k->gq, q, pub, pub_len, k->bn) != 1 ||
        EC_POINT_is_at_infinity(k->gq, q) || EC_POINT_is_on_curve(k->gq, q, k->bn) != 1 ||
        EC_GROUP_set_generator(k->gq, q, EC_GROUP_get0_order(k->g), BN_value_one()) != 1 ||
        EC_GROUP_precompute_mult(k->gq, k->bn) != 1 ||
        BN_bn2binpad(EC_GROUP_get0_order(k->g), k->nb, sizeof(k->nb)) != (int)sizeof(k->nb))
        goto err;
    EC_POINT_free(q);
    return k;
err:
    ERR_clear_error();
    EC_POINT_free(q);
    cg_ecdsa_key_free(k);
    return NULL;
}

/* A DER INTEGER's contents read as a positive number: 0 when the encoding
 * is not minimal (OpenSSL's re-encoding would differ) or the number is
 * negative or zero (out of range for r and s). */
static int positive_integer(cg_cbs *in, BIGNUM *out)
{
    cg_cbs v;
    if (!cg_cbs_get_asn1(in, &v, CG_ASN1_INTEGER) || v.len == 0 || (v.data[0] & 0x80) != 0)
        return 0;
    if (v.len > 1 && v.data[0] == 0 && (v.data[1] & 0x80) == 0)
        return 0; /* a leading zero not needed for the sign */
    return BN_bin2bn(v.data, (int)v.len, out) != NULL && !BN_is_zero(out);
}

int cg_ecdsa_verify(cg_ecdsa_key *k, const uint8_t *sig, size_t sig_len,
                    const uint8_t digest[32])
{
    const BIGNUM *n = EC_GROUP_get0_order(k->g);
    uint8_t sb[32], wb[32];
    cg_cbs in, seq;
    int ok;

    cg_cbs_init(&in, sig, sig_len);
    if (sig_len > 256 || !cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0 ||
        !positive_integer(&seq, k->r) || !positive_integer(&seq, k->s) || seq.len != 0)
        return CG_ECDSA_INVALID;
    if (BN_cmp(k->r, n) >= 0 || BN_cmp(k->s, n) >= 0)
        return CG_ECDSA_INVALID;
    /* n is prime and 0 < s < n: the inverse exists; OpenSSL's should ours
     * ever say otherwise. */
    ok = BN_bn2binpad(k->s, sb, sizeof(sb)) == (int)sizeof(sb) &&
         (cg_ecdsa_inv_mod(k->nb, sb, wb) ? BN_bin2bn(wb, sizeof(wb), k->w) != NULL
                                          : BN_mod_inverse(k->w, k->s, n, k->bn) != NULL) &&
         BN_bin2bn(digest, 32, k->e) != NULL &&
         BN_mod_mul(k->u1, k->e, k->w, n, k->bn) == 1 &&
         BN_mod_mul(k->u2, k->r, k->w, n, k->bn) == 1 &&
         EC_POINT_mul(k->g, k->p, k->u1, NULL, NULL, k->bn) == 1 &&
         EC_POINT_mul(k->gq, k->pq, k->u2, NULL, NULL, k->bn) == 1 &&
         EC_POINT_add(k->g, k->p, k->p, k->pq, k->bn) == 1;
    if (!ok) {
        ERR_clear_error();
        return CG_ECDSA_ERROR;
    }
    if (EC_POINT_is_at_infinity(k->g, k->p))
        return CG_ECDSA_INVALID;
    /* R's affine x mod n against r without the affine x, which costs an
     * inversion mod p: R is (X, Y, Z) in Jacobian coordinates, x = X / Z^2
     * in [0, p), and r < n < p; so x mod n = r when x = r, or x = r + n
     * where r + n < p: when X = r Z^2, or X = (r + n) Z^2 (mod p). */
    const BIGNUM *p = EC_GROUP_get0_field(k->g);
    ok = p != NULL &&
         EC_POINT_get_Jprojective_coordinates_GFp(k->g, k->p, k->x, NULL, k->z, k->bn) == 1 &&
         BN_nnmod(k->x, k->x, p, k->bn) == 1 && BN_mod_sqr(k->z, k->z, p, k->bn) == 1 &&
         BN_mod_mul(k->w, k->r, k->z, p, k->bn) == 1;
    if (ok && BN_cmp(k->w, k->x) == 0)
        return CG_ECDSA_VALID;
    ok = ok && BN_add(k->w, k->r, n) == 1;
    if (ok && BN_cmp(k->w, p) >= 0)
        return CG_ECDSA_INVALID;
    ok = ok && BN_mod_mul(k->w, k->w, k->z, p, k->bn) == 1;
    if (!ok) {
        ERR_clear_error();
        return CG_ECDSA_ERROR;
    }
    return BN_cmp(k->w, k->x) == 0 ? CG_ECDSA_VALID : CG_ECDSA_INVALID;
}
