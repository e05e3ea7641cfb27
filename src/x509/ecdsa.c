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
 * signature: nothing needs constant time). The products mod n (u1, u2)
 * and mod p (the comparison) are Montgomery's on the same four words,
 * not BN_mod_mul's multiplication and division through BIGNUMs. And the
 * last step compares in R's Jacobian coordinates, without the inversion
 * mod p that R's affine x costs.
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
    BIGNUM *s, *w, *u1, *u2, *x, *z;
    EC_POINT *p, *pq; /* u1 G in g, u2 Q in gq */
    uint8_t nb[32];   /* the order n, big-endian */
    /* n and the field prime p as words, with -n^-1 and -p^-1 mod 2^64 and
     * 2^512 mod n: the products mod n and mod p are Montgomery's */
    uint64_t n[4], pw[4], nminv, pminv, nrr[4];
};

/* ---- a^-1 mod m on 256-bit numbers: four 64-bit words, least first ---- */

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static void w_load(uint64_t x[4], const uint8_t be[32])
{
    for (size_t i = 0; i < 4; i++)
        x[i] = be64(be + 32 - 8 * (i + 1));
}

static void w_store(uint8_t be[32], const uint64_t x[4])
{
    for (size_t i = 0; i < 4; i++) {
        uint8_t *p = be + 32 - 8 * (i + 1);
        for (size_t j = 0; j < 8; j++)
            p[j] = (uint8_t)(x[i] >> (56 - 8 * j));
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

/* -m^-1 mod 2^64 (m odd): m^-1 by Newton's iteration (each step doubles
 * the correct low bits: m is its own inverse mod 8), negated. */
static uint64_t w_minv(const uint64_t m[4])
{
    uint64_t inv = m[0];
    for (int i = 0; i < 5; i++)
        inv *= 2 - m[0] * inv;
    return (uint64_t)0 - inv;
}

/* out = a b / 2^256 mod m, reduced (below m): Montgomery's product, the
 * words of b taken one at a time (CIOS). a < 2^256, b < m, m odd; minv =
 * -m^-1 mod 2^64. t stays below 2m, so one subtraction at the end. out
 * may be a or b. */
static void w_mont_mul(uint64_t out[4], const uint64_t a[4], const uint64_t b[4],
                       const uint64_t m[4], uint64_t minv)
{
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < 4; i++) {
        unsigned __int128 c = 0;
        for (size_t j = 0; j < 4; j++) {
            c += (unsigned __int128)a[j] * b[i] + t[j];
            t[j] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[4] = (uint64_t)c;
        t[5] = (uint64_t)(c >> 64);
        uint64_t q = t[0] * minv; /* t + q m is a multiple of 2^64 */
        c = ((unsigned __int128)q * m[0] + t[0]) >> 64;
        for (size_t j = 1; j < 4; j++) {
            c += (unsigned __int128)q * m[j] + t[j];
            t[j - 1] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[3] = (uint64_t)c;
        t[4] = t[5] + (uint64_t)(c >> 64);
    }
    if (t[4] != 0 || w_cmp(t, m) >= 0)
        w_sub(t, m); /* the borrow is t[4] */
    memcpy(out, t, 4 * sizeof(t[0]));
}

/* rr = 2^512 mod m, for m odd above 2^255: 2^256 mod m is 2^256 - m, then
 * doubled 256 times mod m. */
static void w_rr(uint64_t rr[4], const uint64_t m[4])
{
    static const uint64_t zero[4] = {0, 0, 0, 0};
    w_neg_mod(rr, m, zero); /* 0 - m mod 2^256 */
    for (int i = 0; i < 256; i++) {
        uint64_t top = rr[3] >> 63;
        for (size_t j = 4; j-- > 1;)
            rr[j] = rr[j] << 1 | rr[j - 1] >> 63;
        rr[0] <<= 1;
        if (top != 0 || w_cmp(rr, m) >= 0)
            w_sub(rr, m);
    }
}

/* a^-1 mod m in words (see cg_ecdsa_inv_mod); 0 as there. */
static int w_inv_mod(uint64_t out[4], const uint64_t m[4], const uint64_t a_in[4])
{
    uint64_t a[4], b[4], u[4] = {1, 0, 0, 0}, v[4] = {0, 0, 0, 0};

    memcpy(a, a_in, sizeof(a));
    if ((m[0] & 1) == 0 || w_is_zero(a) || w_cmp(a, m) >= 0)
        return 0;
    memcpy(b, m, sizeof(b));
    uint64_t minv = w_minv(m);
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
    memcpy(out, v, sizeof(v));
    return 1;
}

int cg_ecdsa_inv_mod(const uint8_t m_be[32], const uint8_t a_be[32], uint8_t out[32])
{
    uint64_t m[4], a[4], v[4];
    w_load(m, m_be);
    w_load(a, a_be);
    if (!w_inv_mod(v, m, a))
        return 0;
    w_store(out, v);
    return 1;
}

int cg_ecdsa_mul_mod(const uint8_t m_be[32], const uint8_t a_be[32], const uint8_t b_be[32],
                     uint8_t out[32])
{
    uint64_t m[4], a[4], b[4], rr[4];
    w_load(m, m_be);
    w_load(a, a_be);
    w_load(b, b_be);
    if ((m[0] & 1) == 0 || (m[3] >> 63) == 0 || w_cmp(b, m) >= 0)
        return 0;
    uint64_t minv = w_minv(m);
    w_rr(rr, m);
    w_mont_mul(a, a, b, m, minv);  /* a b / 2^256 */
    w_mont_mul(a, a, rr, m, minv); /* a b */
    w_store(out, a);
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
    BN_free(k->s);
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
    uint8_t pub[133], field[32];
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
    k->s = BN_new();
    k->w = BN_new();
    k->u1 = BN_new();
    k->u2 = BN_new();
    k->x = BN_new();
    k->z = BN_new();
    if (k->g == NULL || k->gq == NULL || k->bn == NULL || k->s == NULL ||
        k->w == NULL || k->u1 == NULL || k->u2 == NULL || k->x == NULL ||
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
        BN_bn2binpad(EC_GROUP_get0_order(k->g), k->nb, sizeof(k->nb)) != (int)sizeof(k->nb) ||
        EC_GROUP_get0_field(k->g) == NULL ||
        BN_bn2binpad(EC_GROUP_get0_field(k->g), field, sizeof(field)) != (int)sizeof(field))
        goto err;
    w_load(k->n, k->nb);
    w_load(k->pw, field);
    k->nminv = w_minv(k->n);
    k->pminv = w_minv(k->pw);
    w_rr(k->nrr, k->n);
    EC_POINT_free(q);
    return k;
err:
    ERR_clear_error();
    EC_POINT_free(q);
    cg_ecdsa_key_free(k);
    return NULL;
}

/* A DER INTEGER's contents read as a positive number below 2^256, as 32
 * big-endian bytes: 0 when the encoding is not minimal (OpenSSL's
 * re-encoding would differ), the number negative or zero, or 2^256 or
 * more (out of range for r and s, as they must be below n). */
static int positive_integer(cg_cbs *in, uint8_t out[32])
{
    cg_cbs v;
    if (!cg_cbs_get_asn1(in, &v, CG_ASN1_INTEGER) || v.len == 0 || (v.data[0] & 0x80) != 0)
        return 0;
    if (v.len > 1 && v.data[0] == 0 && (v.data[1] & 0x80) == 0)
        return 0; /* a leading zero not needed for the sign */
    if (v.data[0] == 0) {
        v.data++;
        v.len--;
    }
    if (v.len > 32)
        return 0;
    memset(out, 0, 32 - v.len);
    memcpy(out + 32 - v.len, v.data, v.len);
    static const uint8_t zero[32];
    return memcmp(out, zero, 32) != 0;
}

int cg_ecdsa_verify(cg_ecdsa_key *k, const uint8_t *sig, size_t sig_len,
                    const uint8_t digest[32])
{
    uint8_t b[32], sb[32];
    uint64_t r[4], s[4], w[4], e[4], u[4], x[4], z[4], t[4];
    cg_cbs in, seq;
    int ok;

    cg_cbs_init(&in, sig, sig_len);
    if (sig_len > 256 || !cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0 ||
        !positive_integer(&seq, b) || !positive_integer(&seq, sb) || seq.len != 0)
        return CG_ECDSA_INVALID;
    w_load(r, b);
    w_load(s, sb);
    if (w_cmp(r, k->n) >= 0 || w_cmp(s, k->n) >= 0)
        return CG_ECDSA_INVALID;
    /* w = s^-1 mod n: n is prime and 0 < s < n, so the inverse exists;
     * OpenSSL's should ours ever say otherwise. Then u1 = e w and u2 = r w
     * mod n as Montgomery's products with w 2^256 mod n. */
    if (!w_inv_mod(w, k->n, s)) {
        if (BN_bin2bn(sb, sizeof(sb), k->s) == NULL ||
            BN_mod_inverse(k->w, k->s, EC_GROUP_get0_order(k->g), k->bn) == NULL ||
            BN_bn2binpad(k->w, b, sizeof(b)) != (int)sizeof(b))
            goto error;
        w_load(w, b);
    }
    w_mont_mul(w, w, k->nrr, k->n, k->nminv); /* w 2^256 mod n */
    w_load(e, digest);
    w_mont_mul(u, e, w, k->n, k->nminv);
    w_store(b, u);
    ok = BN_bin2bn(b, sizeof(b), k->u1) != NULL;
    w_mont_mul(u, r, w, k->n, k->nminv);
    w_store(b, u);
    ok = ok && BN_bin2bn(b, sizeof(b), k->u2) != NULL &&
         EC_POINT_mul(k->g, k->p, k->u1, NULL, NULL, k->bn) == 1 &&
         EC_POINT_mul(k->gq, k->pq, k->u2, NULL, NULL, k->bn) == 1 &&
         EC_POINT_add(k->g, k->p, k->p, k->pq, k->bn) == 1;
    if (!ok)
        goto error;
    if (EC_POINT_is_at_infinity(k->g, k->p))
        return CG_ECDSA_INVALID;
    /* R's affine x mod n against r without the affine x, which costs an
     * inversion mod p: R is (X, Y, Z) in Jacobian coordinates, x = X / Z^2
     * in [0, p), and r < n < p; so x mod n = r when x = r, or x = r + n
     * where r + n < p: when X = r Z^2, or X = (r + n) Z^2 (mod p). Both
     * sides are compared times 2^-512 mod p (Montgomery's products), which
     * keeps equal numbers equal and unequal ones unequal. */
    if (EC_POINT_get_Jprojective_coordinates_GFp(k->g, k->p, k->x, NULL, k->z, k->bn) != 1 ||
        BN_bn2binpad(k->x, b, sizeof(b)) != (int)sizeof(b))
        goto error;
    w_load(x, b);
    if (BN_bn2binpad(k->z, b, sizeof(b)) != (int)sizeof(b))
        goto error;
    w_load(z, b);
    if (w_cmp(z, k->pw) >= 0)
        w_sub(z, k->pw); /* OpenSSL's are reduced; w_mont_mul's b must be */
    static const uint64_t one[4] = {1, 0, 0, 0};
    w_mont_mul(x, x, one, k->pw, k->pminv);
    w_mont_mul(x, x, one, k->pw, k->pminv);   /* X 2^-512 */
    w_mont_mul(z, z, z, k->pw, k->pminv);     /* Z^2 2^-256 */
    w_mont_mul(t, z, r, k->pw, k->pminv);     /* r Z^2 2^-512 */
    if (w_cmp(t, x) == 0)
        return CG_ECDSA_VALID;
    /* r + n: below 2^257; at or above p, x cannot be it */
    uint64_t c = 0;
    for (size_t i = 0; i < 4; i++) {
        unsigned __int128 sum = (unsigned __int128)r[i] + k->n[i] + c;
        t[i] = (uint64_t)sum;
        c = (uint64_t)(sum >> 64);
    }
    if (c != 0 || w_cmp(t, k->pw) >= 0)
        return CG_ECDSA_INVALID;
    w_mont_mul(t, z, t, k->pw, k->pminv);
    return w_cmp(t, x) == 0 ? CG_ECDSA_VALID : CG_ECDSA_INVALID;
error:
    ERR_clear_error();
    return CG_ECDSA_ERROR;
}
