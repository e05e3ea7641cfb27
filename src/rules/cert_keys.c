/* Algorithms and keys of the certificate profile: the signature
 * AlgorithmIdentifier (TLS BRs §7.1.3.2), the SubjectPublicKeyInfo's
 * (§7.1.3.1) and the key itself (§6.1.5, §6.1.6): RSA modulus size, parity
 * and small factors, exponent; EC point on its curve.
 *
 * Dates inside the rules: BR 1.0 (2012-07-01, the rules' date) allowed
 * SHA-1 and SHA-2 with RSA, DSA or ECDSA on P-256/384/521; SHA-1 ended
 * 2016-01-01 (except a root's self-signature); RSA under 2048 bits
 * 2014-01-01; a modulus size not a multiple of 8 2017-02-28 (Mozilla RSP
 * 2.4); from 2020-01-01 (Mozilla RSP 2.7 §5.1, then TLS BRs §7.1.3 from
 * ballot SC-062) only the exact encodings listed in §7.1.3 remain, and an
 * ECDSA signature's hash follows the signing key's curve (P-256 with
 * SHA-256, P-384 with SHA-384, P-521 with SHA-512; §7.1.3.2.2, Mozilla RSP
 * §5.1.2). The curve is read from the signature itself: r and s are below
 * the curve's order, so their octets tell P-256 (32 at most), P-384 (48)
 * and P-521 (66) apart; a larger curve's r and s both fit in fewer octets
 * with a chance of 2^-256 or less.
 *
 * The key checks (the small-factor test, rsa_factor.c, is the costly part)
 * are kept per key in the run's ctx: a precertificate and its certificate
 * share one. */
#include <openssl/bn.h>
#include <stdio.h>
#include <string.h>

#include "rules/cert_profile.h"

/* An AlgorithmIdentifier element as its exact DER octets. */
typedef struct alg_der {
    const char *name;
    size_t len;
    uint8_t der[67];
} alg_der;

/* RSASSA-PSS as §7.1.3.2 allows it: the same SHA-2 hash for the message
 * and MGF1 (its id-sha2 arc, h: 1 SHA-256, 2 SHA-384, 3 SHA-512) and a salt
 * of the hash's length in octets; the three encodings differ only there. */
#define PSS_DER(h, salt)                                                                          \
    {0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,          \
     0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,          \
     0x02, (h),  0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,          \
     0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,          \
     0x03, 0x04, 0x02, (h),  0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, (salt)}

/* §7.1.3.2: the exact encodings. */
static const alg_der sig_exact[] = {
    {"sha256WithRSAEncryption",
     15,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}},
    {"sha384WithRSAEncryption",
     15,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00}},
    {"sha512WithRSAEncryption",
     15,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00}},
    {"RSASSA-PSS/SHA-256", 67, PSS_DER(0x01, 0x20)},
    {"RSASSA-PSS/SHA-384", 67, PSS_DER(0x02, 0x30)},
    {"RSASSA-PSS/SHA-512", 67, PSS_DER(0x03, 0x40)},
    {"ecdsa-with-SHA256",
     12,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}},
    {"ecdsa-with-SHA384",
     12,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}},
    {"ecdsa-with-SHA512",
     12,
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}},
};
static const alg_der sha1_rsa = {
    "sha1WithRSAEncryption",
    15,
    {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00}};

/* §7.1.3.1: the SubjectPublicKeyInfo's; field size in bits for EC. */
static const struct {
    alg_der alg;
    int bits;
} spki_exact[] = {
    {{"rsaEncryption",
      15,
      {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00}},
     0},
    {{"P-256", 21, {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}},
     256},
    {{"P-384",
      18,
      {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
       0x04, 0x00, 0x22}},
     384},
    {{"P-521",
      18,
      {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
       0x04, 0x00, 0x23}},
     521},
};

/* Whether the element v is the encoding e, octet for octet (most candidates
 * differ in length). */
static int alg_is(const cg_cbs *v, const alg_der *e)
{
    return cg_cbs_mem_equal(v, e->der, e->len);
}

/* ---- signature AlgorithmIdentifier ---- */

/* OID arcs (contents): 1.2.840.113549.1.1.x, 1.2.840.10045.4.x, DSA. */
static const uint8_t PKCS1[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
static const uint8_t ECDSA_SIG[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04};
static const uint8_t DSA_SHA1[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03};
static const uint8_t DSA_SHA2[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03};

static int has_prefix(const cg_cbs *oid, const uint8_t *pre, size_t n)
{
    return oid->len > n && memcmp(oid->data, pre, n) == 0;
}

/* An RSA PKCS#1 v1.5 signature OID (MD2, MD4, MD5, SHA-1, SHA-224/256/384/512)
 * whose parameters are not the NULL RFC 3279 §2.2.1 and RFC 4055 §5
 * require; x its last arc, alg what follows the OID. */
static int rsa_params_not_null(uint8_t x, const cg_cbs *alg)
{
    return (x == 2 || x == 3 || x == 4 || x == 5 || (x >= 11 && x <= 14)) &&
           (alg->len != 2 || alg->data[0] != CG_ASN1_NULL || alg->data[1] != 0);
}

#define RSA_NULL_TEXT "is RSA PKCS#1 v1.5 without the NULL parameters RFC 4055 §5 requires"

/* The defect of a signature AlgorithmIdentifier element (TLS BRs §7.1.3.2)
 * for an object issued at issued, as a phrase ("is ..."), or NULL when it is
 * allowed; *req gets the requirement it breaks. *also: 1 when an RSA hash the
 * BRs do not allow also lacks its NULL parameters (a second defect). */
static const char *sig_alg_defect(const cg_cbs *elem, int64_t issued, int sha1_ok,
                                  const char **req, int *also)
{
/* the requirement and the phrase of a defect */
#define DEFECT(code, text) (*req = (code), (text))
    *also = 0;
    for (size_t i = 0; i < sizeof(sig_exact) / sizeof(sig_exact[0]); i++) {
        if (alg_is(elem, &sig_exact[i]))
            return NULL;
    }
    if (alg_is(elem, &sha1_rsa))
        return sha1_ok || issued < cg_rule_date_time(20160101)
                   ? NULL
                   : DEFECT("sha1", "is sha1WithRSAEncryption: SHA-1 signatures ended 2016-01-01");
    cg_cbs in = *elem, alg, oid;
    if (!cg_cbs_get_asn1(&in, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        return DEFECT("encoding", "does not decode");
    int after_exact = issued >= cg_rule_date_time(20200101);
    if (has_prefix(&oid, PKCS1, sizeof(PKCS1)) && oid.len == sizeof(PKCS1) + 1) {
        uint8_t x = oid.data[sizeof(PKCS1)];
        int no_null = rsa_params_not_null(x, &alg);
        if (x == 5 || (x >= 11 && x <= 13))
            /* SHA-1 with NULL is the exact encoding above */
            return no_null ? DEFECT("rsa_params_not_null", RSA_NULL_TEXT) : NULL;
        if (x == 10)
            return after_exact ? DEFECT("rsa_pss_params",
                                        "is RSASSA-PSS with parameters other than the three "
                                        "the TLS BRs list (SHA-256/32, SHA-384/48, SHA-512/64 "
                                        "salt, MGF1 with the same hash)")
                               : NULL;
        *also = no_null;
        if (x == 2 || x == 3 || x == 4)
            return DEFECT("hash_not_allowed",
                          "uses MD2, MD4 or MD5, which the TLS BRs never allowed");
        return DEFECT("hash_not_allowed",
                      "is an RSA signature algorithm the TLS BRs do not allow (SHA-224, ...)");
    }
    if (has_prefix(&oid, ECDSA_SIG, sizeof(ECDSA_SIG))) {
        int sha1 = oid.len == sizeof(ECDSA_SIG) + 1 && oid.data[sizeof(ECDSA_SIG)] == 1;
        if (sha1)
            return !sha1_ok && issued >= cg_rule_date_time(20160101)
                       ? DEFECT("sha1", "is ecdsa-with-SHA1: SHA-1 signatures ended 2016-01-01")
                       : NULL;
        if (alg.len != 0)
            return DEFECT("ecdsa_params_present",
                          "is ECDSA with parameters; RFC 5758 §3.2 requires them absent");
        return DEFECT("hash_not_allowed",
                      "is ECDSA with a hash the TLS BRs do not allow (SHA-224, ...)");
    }
    if (cg_oid_equal(&oid, DSA_SHA1, sizeof(DSA_SHA1)) || has_prefix(&oid, DSA_SHA2, 8))
        return after_exact
                   ? DEFECT("algorithm_not_allowed", "is DSA, which the TLS BRs no longer allow")
                   : NULL;
    return DEFECT("algorithm_not_allowed",
                  "is not a signature algorithm the TLS BRs allow (RSA PKCS#1 v1.5 or "
                  "RSASSA-PSS with SHA-256/384/512, ECDSA with SHA-256/384/512)");
#undef DEFECT
}

int cg_sig_alg_report(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *what,
                      const cg_cbs *elem, int64_t issued, int sha1_ok)
{
    const char *req = NULL;
    int also = 0;
    const char *d = sig_alg_defect(elem, issued, sha1_ok, &req, &also);
    if (d == NULL)
        return 0;
    cg_report_req(ctx, rule, obj, NULL, req, "%s %s", what, d);
    if (also)
        cg_report_req(ctx, rule, obj, NULL, "rsa_params_not_null", "%s %s", what, RSA_NULL_TEXT);
    return 1;
}

/* The octets of the larger of an ECDSA-Sig-Value's r and s (without a
 * leading zero), from the signature BIT STRING's contents; 0 when it does
 * not decode as one (a bare TBSCertificate has no signature). */
static size_t ecdsa_sig_octets(const cg_cbs *bits)
{
    cg_cbs in = *bits, seq, v;
    size_t most = 0;
    if (in.len < 1 || in.data[0] != 0 || !cg_cbs_skip(&in, 1) ||
        !cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0)
        return 0;
    for (int i = 0; i < 2; i++) {
        if (!cg_cbs_get_asn1(&seq, &v, CG_ASN1_INTEGER) || v.len == 0)
            return 0;
        size_t n = v.len - (v.len > 1 && v.data[0] == 0);
        most = n > most ? n : most;
    }
    return seq.len == 0 ? most : 0;
}

/* An exact ECDSA encoding whose hash is not the one the signing key's curve
 * takes, or NULL. */
static const char *ecdsa_hash_defect(const cg_cert *c, char *buf, size_t cap)
{
    static const struct {
        size_t sig; /* index in sig_exact[] */
        size_t octets;
        const char *curve;
    } curves[] = {{6, 32, "P-256"}, {7, 48, "P-384"}, {8, 66, "P-521"}};
    size_t alg = 3, m, k = 0;
    for (size_t i = 0; i < 3; i++) {
        if (alg_is(&c->tbs_sig_alg, &sig_exact[curves[i].sig]))
            alg = i;
    }
    /* the signature is read only under an ECDSA algorithm: most are RSA */
    if (alg == 3)
        return NULL;
    m = ecdsa_sig_octets(&c->signature);
    if (m == 0 || m > 66)
        return NULL;
    while (m > curves[k].octets)
        k++;
    if (k == alg)
        return NULL;
    snprintf(buf, cap,
             "is %s, but the signature's integers take %zu octets, which only a %s key gives: "
             "a %s key signs with %s (TLS BRs §7.1.3.2.2, Mozilla RSP §5.1.2)",
             sig_exact[curves[alg].sig].name, m, curves[k].curve, curves[k].curve,
             sig_exact[curves[k].sig].name);
    return buf;
}

static void check_sig_alg(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    /* A root's self-signature is not relied upon: SHA-1 stays allowed there. */
    int sha1_ok = p->kind == CG_PROF_ROOT;
    int bad = cg_sig_alg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                                "the signature AlgorithmIdentifier", &c->tbs_sig_alg, p->issued,
                                sha1_ok) ||
              (!cg_cbs_equal(&c->tbs_sig_alg, &c->sig_alg) &&
               cg_sig_alg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                                 "the outer signatureAlgorithm", &c->sig_alg, p->issued, sha1_ok));
    if (bad || !cg_prof_since(p, 20200101))
        return;
    char buf[256];
    const char *d = ecdsa_hash_defect(c, buf, sizeof(buf));
    if (d != NULL)
        cg_report_req(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj, NULL,
                      "ecdsa_hash_not_key_size", "the signature AlgorithmIdentifier %s", d);
}

/* ---- SubjectPublicKeyInfo ---- */

static const uint8_t RSA_PSS_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t DSA_OID[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};

/* The index into spki_exact[] the key matches, or -1 with why. */
static int check_spki_alg(cg_ctx *ctx, const cg_profile *p)
{
    for (size_t i = 0; i < sizeof(spki_exact) / sizeof(spki_exact[0]); i++) {
        if (alg_is(&p->key_alg, &spki_exact[i].alg))
            return (int)i;
    }
    cg_cbs in = p->key_alg, alg, oid;
    const char *why;
    if (!cg_cbs_get_asn1(&in, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        why = "does not decode";
    else if (p->key_type == CG_KEY_RSA)
        why = "is rsaEncryption without NULL parameters (RFC 3279 §2.3.1)";
    else if (p->key_type == CG_KEY_EC)
        why = alg.len > 0 && alg.data[0] == CG_ASN1_OBJECT
                  ? "is id-ecPublicKey on a curve other than P-256, P-384 or P-521"
                  : "is id-ecPublicKey without a namedCurve (explicit or implicit parameters)";
    else if (cg_oid_equal(&oid, RSA_PSS_OID, sizeof(RSA_PSS_OID)))
        why = cg_prof_since(p, 20200101) ? "is id-RSASSA-PSS; an RSA key must be rsaEncryption"
                                         : NULL;
    else if (cg_oid_equal(&oid, DSA_OID, sizeof(DSA_OID)))
        why = cg_prof_since(p, 20200101) ? "is DSA, which the TLS BRs no longer allow" : NULL;
    else
        why = "is not RSA or ECDSA (P-256, P-384, P-521), the only keys the TLS BRs allow";
    if (why != NULL)
        cg_report(ctx, CG_R_CERT_SPKI_ALGORITHM_INVALID, p->obj,
                  "the SubjectPublicKeyInfo AlgorithmIdentifier %s", why);
    return -1;
}

/* ---- the key ---- */

static size_t mag_bits(const uint8_t *m, size_t n)
{
    size_t i = 0;
    while (i < n && m[i] == 0)
        i++;
    if (i == n)
        return 0;
    size_t bits = (n - i) * 8;
    for (uint8_t b = m[i]; (b & 0x80) == 0; b <<= 1)
        bits--;
    return bits;
}

/* The defect of an RSAPublicKey, written into why; 0 when sound. */
static int rsa_defect(const cg_profile *p, char *why, size_t cap)
{
    cg_cbs in = p->key_bits, seq, n, e;
    if (!cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0 ||
        !cg_cbs_get_asn1(&seq, &n, CG_ASN1_INTEGER) ||
        !cg_cbs_get_asn1(&seq, &e, CG_ASN1_INTEGER) || seq.len != 0 || n.len == 0 || e.len == 0) {
        snprintf(why, cap,
                 "the RSA public key does not decode as SEQUENCE { modulus, "
                 "publicExponent }");
        return 1;
    }
    if ((n.data[0] & 0x80) || mag_bits(n.data, n.len) == 0) {
        snprintf(why, cap, "the RSA modulus is not positive");
        return 1;
    }
    if (e.data[0] & 0x80) {
        snprintf(why, cap, "the RSA public exponent is negative");
        return 1;
    }
    size_t bits = mag_bits(n.data, n.len), ebits = mag_bits(e.data, e.len);
    uint8_t elast = e.data[e.len - 1];
    if (ebits <= 2 && elast < 3) {
        snprintf(why, cap, "the RSA public exponent is %u; it must be odd and at least 3", elast);
        return 1;
    }
    if ((elast & 1) == 0) {
        snprintf(why, cap, "the RSA public exponent is even; it must be odd");
        return 1;
    }
    if ((n.data[n.len - 1] & 1) == 0) {
        snprintf(why, cap, "the RSA modulus is even (divisible by 2)");
        return 1;
    }
    if (bits < 1024 || (bits < 2048 && cg_prof_since(p, 20140101))) {
        snprintf(why, cap, "the RSA modulus has %zu bits; at least 2048 are required", bits);
        return 1;
    }
    if (bits % 8 != 0 && cg_prof_since(p, 20170228)) {
        snprintf(why, cap, "the RSA modulus has %zu bits, not a multiple of 8", bits);
        return 1;
    }
    unsigned f = cg_rsa_small_factor(n.data, n.len);
    if (f != 0) {
        snprintf(why, cap,
                 "the RSA modulus is divisible by %u (no factor below 752 is "
                 "allowed)",
                 f);
        return 1;
    }
    return 0;
}

/* P-256/384/521: y^2 = x^3 - 3x + b (mod p) for an uncompressed point. */
static int ec_defect(const cg_profile *p, int curve, char *why, size_t cap)
{
    static const char *const pr[] = {
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000"
        "000000ffffffff",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "ffffffffffffffffffffffffffffffffffffffffffff"};
    static const char *const bb[] = {
        "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8"
        "edd3ec2aef",
        "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b16"
        "52c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00"};
    static const size_t flen[] = {32, 48, 66};
    int ci = curve - 1; /* spki_exact index 1..3 */
    const cg_cbs *k = &p->key_bits;
    size_t fl = flen[ci];
    if (k->len == fl + 1 && (k->data[0] == 2 || k->data[0] == 3))
        return 0; /* compressed: decompression would find y, nothing to check */
    if (k->len != 2 * fl + 1 || k->data[0] != 4) {
        snprintf(why, cap, "the EC public key is not an uncompressed point of %s (%zu octets)",
                 spki_exact[curve].alg.name, k->len);
        return 1;
    }
    int bad = 1;
    BN_CTX *bctx = BN_CTX_new();
    BIGNUM *P = NULL, *B = NULL, *x, *y, *l, *r;
    if (bctx == NULL)
        return 0;
    BN_CTX_start(bctx);
    x = BN_CTX_get(bctx);
    y = BN_CTX_get(bctx);
    l = BN_CTX_get(bctx);
    r = BN_CTX_get(bctx);
    if (r != NULL && BN_hex2bn(&P, pr[ci]) && BN_hex2bn(&B, bb[ci]) &&
        BN_bin2bn(k->data + 1, (int)fl, x) && BN_bin2bn(k->data + 1 + fl, (int)fl, y) &&
        BN_cmp(x, P) < 0 && BN_cmp(y, P) < 0 && BN_mod_sqr(l, y, P, bctx) &&
        BN_mod_sqr(r, x, P, bctx) && BN_sub_word(r, 3) && BN_mod_mul(r, r, x, P, bctx) &&
        BN_mod_add(r, r, B, P, bctx))
        bad = BN_cmp(l, r) != 0;
    else
        bad = BN_cmp(x, P) >= 0 || BN_cmp(y, P) >= 0;
    BN_free(P);
    BN_free(B);
    BN_CTX_end(bctx);
    BN_CTX_free(bctx);
    if (bad)
        snprintf(why, cap, "the EC public key is not a point on %s", spki_exact[curve].alg.name);
    return bad;
}

void cg_prof_check_keys(cg_ctx *ctx, const cg_profile *p)
{
    char why[200];
    check_sig_alg(ctx, p);
    int curve = check_spki_alg(ctx, p);
    if (p->key_bits.data == NULL || (p->key_type != CG_KEY_RSA && curve < 1))
        return;
    /* The verdict on the last key checked is kept in ctx: a precertificate
     * and its certificate (and many certificates of one CA) share a key. */
    cg_key_memo *memo = &ctx->key_memo;
    int defect;
    if (memo->len > 0 && memo->len == p->key_bits.len &&
        memcmp(memo->key, p->key_bits.data, memo->len) == 0 && memo->issued == p->issued) {
        if (memo->defect)
            cg_report(ctx, CG_R_CERT_KEY_WEAK, p->obj, "%s", memo->why);
        return;
    }
    defect = p->key_type == CG_KEY_RSA ? rsa_defect(p, why, sizeof(why))
                                       : ec_defect(p, curve, why, sizeof(why));
    if (p->key_bits.len <= sizeof(memo->key)) {
        memcpy(memo->key, p->key_bits.data, p->key_bits.len);
        memo->len = p->key_bits.len;
        memo->issued = p->issued;
        memo->defect = defect;
        if (defect) /* the message only when there is one: no formatting per key */
            snprintf(memo->why, sizeof(memo->why), "%s", why);
    }
    if (defect)
        cg_report(ctx, CG_R_CERT_KEY_WEAK, p->obj, "%s", why);
}
