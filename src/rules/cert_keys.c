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
 * ballot SC-062) only the exact encodings listed in §7.1.3 remain.
 *
 * The key checks (the small-factor test is the costly part: 38 remainders
 * of the modulus, by multiplication, not division) are kept per key in the
 * run's ctx: a precertificate and its certificate share one. */
#include <openssl/bn.h>
#include <stdio.h>
#include <string.h>

#include "rules/cert_profile.h"

/* §7.1.3.2: the exact encodings, hex. */
static const struct {
    const char *name;
    const char *hex;
} sig_exact[] = {
    {"sha256WithRSAEncryption", "300d06092a864886f70d01010b0500"},
    {"sha384WithRSAEncryption", "300d06092a864886f70d01010c0500"},
    {"sha512WithRSAEncryption", "300d06092a864886f70d01010d0500"},
    {"RSASSA-PSS/SHA-256", "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c"
                           "301a06092a864886f70d010108300d06096086480165030402010500a203020120"},
    {"RSASSA-PSS/SHA-384", "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c"
                           "301a06092a864886f70d010108300d06096086480165030402020500a203020130"},
    {"RSASSA-PSS/SHA-512", "304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c"
                           "301a06092a864886f70d010108300d06096086480165030402030500a203020140"},
    {"ecdsa-with-SHA256", "300a06082a8648ce3d040302"},
    {"ecdsa-with-SHA384", "300a06082a8648ce3d040303"},
    {"ecdsa-with-SHA512", "300a06082a8648ce3d040304"},
};
static const char sha1_rsa_hex[] = "300d06092a864886f70d0101050500";

static const struct {
    const char *name;
    const char *hex;
    int bits; /* field size, EC */
} spki_exact[] = {
    {"rsaEncryption", "300d06092a864886f70d0101010500", 0},
    {"P-256", "301306072a8648ce3d020106082a8648ce3d030107", 256},
    {"P-384", "301006072a8648ce3d020106052b81040022", 384},
    {"P-521", "301006072a8648ce3d020106052b81040023", 521},
};

static unsigned nibble(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

static int hex_equal(const cg_cbs *v, const char *hex)
{
    size_t n = strlen(hex) / 2;
    if (v->len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v->data[i] != (nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1])))
            return 0;
    }
    return 1;
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

const char *cg_sig_alg_defect(const cg_cbs *elem, int64_t issued, int sha1_ok)
{
    for (size_t i = 0; i < sizeof(sig_exact) / sizeof(sig_exact[0]); i++) {
        if (hex_equal(elem, sig_exact[i].hex))
            return NULL;
    }
    if (hex_equal(elem, sha1_rsa_hex))
        return sha1_ok || issued < cg_rule_date_time(20160101)
                   ? NULL
                   : "is sha1WithRSAEncryption: SHA-1 signatures ended 2016-01-01";
    cg_cbs in = *elem, alg, oid;
    if (!cg_cbs_get_asn1(&in, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        return "does not decode";
    int after_exact = issued >= cg_rule_date_time(20200101);
    if (has_prefix(&oid, PKCS1, sizeof(PKCS1)) && oid.len == sizeof(PKCS1) + 1) {
        uint8_t x = oid.data[sizeof(PKCS1)];
        if (x == 2 || x == 3 || x == 4)
            return "uses MD2, MD4 or MD5, which the TLS BRs never allowed";
        if (x == 5 || (x >= 11 && x <= 13)) {
            if (alg.len != 2 || alg.data[0] != CG_ASN1_NULL || alg.data[1] != 0)
                return "is RSA PKCS#1 v1.5 without the NULL parameters RFC 4055 §5 requires";
            return NULL; /* SHA-1 with NULL is the exact encoding above */
        }
        if (x == 10)
            return after_exact ? "is RSASSA-PSS with parameters other than the three the TLS "
                                 "BRs list (SHA-256/32, SHA-384/48, SHA-512/64 salt, MGF1 "
                                 "with the same hash)"
                               : NULL;
        return "is an RSA signature algorithm the TLS BRs do not allow (SHA-224, ...)";
    }
    if (has_prefix(&oid, ECDSA_SIG, sizeof(ECDSA_SIG))) {
        int sha1 = oid.len == sizeof(ECDSA_SIG) + 1 && oid.data[sizeof(ECDSA_SIG)] == 1;
        if (sha1)
            return !sha1_ok && issued >= cg_rule_date_time(20160101)
                       ? "is ecdsa-with-SHA1: SHA-1 signatures ended 2016-01-01"
                       : NULL;
        if (alg.len != 0)
            return "is ECDSA with parameters; RFC 5758 §3.2 requires them absent";
        return "is ECDSA with a hash the TLS BRs do not allow (SHA-224, ...)";
    }
    if (cg_oid_equal(&oid, DSA_SHA1, sizeof(DSA_SHA1)) || has_prefix(&oid, DSA_SHA2, 8))
        return after_exact ? "is DSA, which the TLS BRs no longer allow" : NULL;
    return "is not a signature algorithm the TLS BRs allow (RSA PKCS#1 v1.5 or RSASSA-PSS "
           "with SHA-256/384/512, ECDSA with SHA-256/384/512)";
}

static void check_sig_alg(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    /* A root's self-signature is not relied upon: SHA-1 stays allowed there. */
    int sha1_ok = p->kind == CG_PROF_ROOT;
    const char *d = cg_sig_alg_defect(&c->tbs_sig_alg, p->issued, sha1_ok);
    if (d != NULL)
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                  "the signature AlgorithmIdentifier %s", d);
    else if (!cg_cbs_equal(&c->tbs_sig_alg, &c->sig_alg) &&
             (d = cg_sig_alg_defect(&c->sig_alg, p->issued, sha1_ok)) != NULL)
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                  "the outer signatureAlgorithm %s", d);
}

/* ---- SubjectPublicKeyInfo ---- */

static const uint8_t RSA_PSS_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t DSA_OID[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};

/* The index into spki_exact[] the key matches, or -1 with why. */
static int check_spki_alg(cg_ctx *ctx, const cg_profile *p)
{
    for (size_t i = 0; i < sizeof(spki_exact) / sizeof(spki_exact[0]); i++) {
        if (hex_equal(&p->key_alg, spki_exact[i].hex))
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

/* Odd primes below 752 (TLS BRs §6.1.6, NIST SP 800-89 §5.3.3), multiplied
 * in order into groups whose products q stay below 2^32, each with
 * m = floor((2^64 - 1) / q) for mod_barrett. */
static const struct {
    uint32_t q;
    uint64_t m;
} prime_groups[] = {
    {0xc0cfd797u, 0x153e5645cu}, {0x5aa381fu, 0x2d30bea6e9u}, {0x361592b7u, 0x4bbbd17deu},
    {0xf64d985du, 0x10a1422f2u}, {0x73b5a0du, 0x236624d447u}, {0xf5a0395u, 0x10acff1afdu},
    {0x1d43ffddu, 0x8bf59d6cbu}, {0x323e7003u, 0x5185b80a1u}, {0x4e5884b7u, 0x3447f3688u},
    {0x7eb0f0b1u, 0x2054a15c2u}, {0xb72efc93u, 0x165c2eb04u}, {0x102deddu, 0xfd294913d5u},
    {0x1341effu, 0xd4b21356bcu}, {0x163888fu, 0xb854db306du}, {0x1c7ff8du, 0x8fb8482ccau},
    {0x21b8e8fu, 0x79766f5b3au}, {0x28c4dafu, 0x6477f4b529u}, {0x2ede03du, 0x5765528c59u},
    {0x35d9a99u, 0x4c101349acu}, {0x3e18615u, 0x41f693db3bu}, {0x4881841u, 0x387defa2c5u},
    {0x504eb9du, 0x33010226f5u}, {0x5a363b5u, 0x2d677c2a03u}, {0x62c59c3u, 0x2978229db9u},
    {0x71cab57u, 0x23fedca0c6u}, {0x7f35ef3u, 0x2032d471f0u}, {0x939999du, 0x1bc02c5c73u},
    {0xaa2acffu, 0x1812084483u}, {0xb870189u, 0x163540cb5du}, {0xcb96fefu, 0x141e6f2458u},
    {0xdaf1d73u, 0x12b53a52a7u}, {0xeec4e3du, 0x1127970b18u}, {0x10313a91u, 0xfcf5b1a0eu},
    {0x11793cefu, 0xea6934656u}, {0x130b5e75u, 0xd71384191u}, {0x154cb85fu, 0xc04da401cu},
    {0x17790271u, 0xae8029d5bu}, {0x883a9u, 0x1e112baa41a0u}};

/* The same primes one by one, in order, each with the group it is in, its
 * inverse modulo 2^32 and floor((2^32 - 1) / p): r is a multiple of p when
 * r * inverse (mod 2^32) is at most that bound (the exact-division test of
 * Granlund and Montgomery, "Division by invariant integers using
 * multiplication", 1994): a multiplication where r % p would divide. */
static const struct {
    uint16_t p;
    uint8_t group;
    uint32_t inverse, bound;
} primes[] = {
    {3, 0, 0xaaaaaaabu, 0x55555555u}, {5, 0, 0xcccccccdu, 0x33333333u},
    {7, 0, 0xb6db6db7u, 0x24924924u}, {11, 0, 0xba2e8ba3u, 0x1745d174u},
    {13, 0, 0xc4ec4ec5u, 0x13b13b13u}, {17, 0, 0xf0f0f0f1u, 0x0f0f0f0fu},
    {19, 0, 0x286bca1bu, 0x0d79435eu}, {23, 0, 0xe9bd37a7u, 0x0b21642cu},
    {29, 0, 0x4f72c235u, 0x08d3dcb0u}, {31, 1, 0xbdef7bdfu, 0x08421084u},
    {37, 1, 0x914c1badu, 0x06eb3e45u}, {41, 1, 0xc18f9c19u, 0x063e7063u},
    {43, 1, 0x2fa0be83u, 0x05f417d0u}, {47, 1, 0x677d46cfu, 0x0572620au},
    {53, 2, 0x8c13521du, 0x04d4873eu}, {59, 2, 0xa08ad8f3u, 0x0456c797u},
    {61, 2, 0xc10c9715u, 0x04325c53u}, {67, 2, 0x07a44c6bu, 0x03d22635u},
    {71, 2, 0xe327a977u, 0x039b0ad1u}, {73, 3, 0xc7e3f1f9u, 0x0381c0e0u},
    {79, 3, 0x613716afu, 0x033d91d2u}, {83, 3, 0x2b2e43dbu, 0x03159721u},
    {89, 3, 0xfa3f47e9u, 0x02e05c0bu}, {97, 3, 0x5f02a3a1u, 0x02a3a0fdu},
    {101, 4, 0x7c32b16du, 0x0288df0cu}, {103, 4, 0xd3431b57u, 0x027c4597u},
    {107, 4, 0x8d28ac43u, 0x02647c69u}, {109, 4, 0xda6c0965u, 0x02593f69u},
    {113, 5, 0x0fdbc091u, 0x0243f6f0u}, {127, 5, 0xefdfbf7fu, 0x02040810u},
    {131, 5, 0xc9484e2bu, 0x01f44659u}, {137, 5, 0x077975b9u, 0x01de5d6eu},
    {139, 6, 0x70586723u, 0x01d77b65u}, {149, 6, 0x8ce2cabdu, 0x01b7d6c3u},
    {151, 6, 0xbf937f27u, 0x01b20364u}, {157, 6, 0x2c0685b5u, 0x01a16d3fu},
    {163, 7, 0x451ab30bu, 0x01920fb4u}, {167, 7, 0xdb35a717u, 0x01886e5fu},
    {173, 7, 0x0d516325u, 0x017ad220u}, {179, 7, 0xd962ae7bu, 0x016e1f76u},
    {181, 8, 0x10f8ed9du, 0x016a13cdu}, {191, 8, 0xee936f3fu, 0x01571ed3u},
    {193, 8, 0x90948f41u, 0x01539094u}, {197, 8, 0x3d137e0du, 0x014cab88u},
    {199, 9, 0xef46c0f7u, 0x0149539eu}, {211, 9, 0x6e68575bu, 0x013698dfu},
    {223, 9, 0xdb43bb1fu, 0x0125e227u}, {227, 9, 0x9ba144cbu, 0x0120b470u},
    {229, 10, 0x478bbcedu, 0x011e2ef3u}, {233, 10, 0x1fdcd759u, 0x01194538u},
    {239, 10, 0x437b2e0fu, 0x0112358eu}, {241, 10, 0x10fef011u, 0x010fef01u},
    {251, 11, 0x9a020a33u, 0x0105197fu}, {257, 11, 0xff00ff01u, 0x00ff00ffu},
    {263, 11, 0x70e99cb7u, 0x00f92fb2u}, {269, 12, 0x6205b5c5u, 0x00f3a0d5u},
    {271, 12, 0xa27acdefu, 0x00f1d48bu}, {277, 12, 0x25e4463du, 0x00ec9791u},
    {281, 13, 0x0749cb29u, 0x00e93965u}, {283, 13, 0xc9b97113u, 0x00e79372u},
    {293, 13, 0x84ce32adu, 0x00dfac1fu}, {307, 14, 0xc74be1fbu, 0x00d578e9u},
    {311, 14, 0xa7198487u, 0x00d2ba08u}, {313, 14, 0x39409d09u, 0x00d16154u},
    {317, 15, 0x6f71de15u, 0x00cebcf8u}, {331, 15, 0xbfce8063u, 0x00c5fe74u},
    {337, 15, 0xf61fe7b1u, 0x00c27806u}, {347, 16, 0x70e046d3u, 0x00bcdd53u},
    {349, 16, 0xf1545af5u, 0x00bbc840u}, {353, 16, 0x9a7862a1u, 0x00b9a786u},
    {359, 17, 0x2a128a57u, 0x00b68d31u}, {367, 17, 0xb7747d8fu, 0x00b2927cu},
    {373, 17, 0xbb5e06ddu, 0x00afb321u}, {379, 18, 0x12e9b5b3u, 0x00aceb0fu},
    {383, 18, 0xec9dbe7fu, 0x00ab1cbdu}, {389, 18, 0xec41cf4du, 0x00a87917u},
    {397, 19, 0xaec02945u, 0x00a513fdu}, {401, 19, 0x8382df71u, 0x00a36e71u},
    {409, 19, 0x84b1c2a9u, 0x00a03c16u}, {419, 20, 0x75eb3a0bu, 0x009c6916u},
    {421, 20, 0xfa86fe2du, 0x009baadeu}, {431, 20, 0x3f8df54fu, 0x00980e41u},
    {433, 21, 0x0975a751u, 0x00975a75u}, {439, 21, 0xc3efac07u, 0x009548e4u},
    {443, 21, 0xa8299b73u, 0x0093efd1u}, {449, 22, 0x9ba70e41u, 0x0091f5bcu},
    {457, 22, 0x23d9e879u, 0x008f67a1u}, {461, 22, 0xc494d305u, 0x008e2917u},
    {463, 23, 0xab67652fu, 0x008d8be3u}, {467, 23, 0xfb10fe5bu, 0x008c5584u},
    {479, 23, 0xbf54fa1fu, 0x0088d180u}, {487, 24, 0xb98f81d7u, 0x00869222u},
    {491, 24, 0xe90f1ec3u, 0x0085797bu}, {499, 24, 0xbed87f3bu, 0x008355acu},
    {503, 25, 0x16e70fc7u, 0x00824a4eu}, {509, 25, 0x9dece355u, 0x0080c121u},
    {521, 25, 0x73f62c39u, 0x007dc9f3u}, {523, 26, 0xad46f9a3u, 0x007d4eceu},
    {541, 26, 0x24e8d035u, 0x0079237du}, {547, 26, 0x2319bd8bu, 0x0077cf53u},
    {557, 27, 0xc7ed9da5u, 0x0075a8acu}, {563, 27, 0xfea2c8fbu, 0x007467acu},
    {569, 27, 0xce0f4c09u, 0x00732d70u}, {571, 28, 0x544986f3u, 0x0072c62au},
    {577, 28, 0x55a10dc1u, 0x007194a1u}, {587, 28, 0x85e33763u, 0x006fa549u},
    {593, 29, 0xd84886b1u, 0x006e8419u}, {599, 29, 0x31260967u, 0x006d68b5u},
    {601, 29, 0xd1ff25e9u, 0x006d0b80u}, {607, 30, 0x5b84d99fu, 0x006bf790u},
    {613, 30, 0x1335df6du, 0x006ae907u}, {617, 30, 0x75d5add9u, 0x006a3799u},
    {619, 31, 0x3c619a43u, 0x0069dfbdu}, {631, 31, 0x04767747u, 0x0067dc4cu},
    {641, 31, 0x00663d81u, 0x00663d80u}, {643, 32, 0x671ddc2bu, 0x0065ec17u},
    {647, 32, 0xc1e12337u, 0x00654ac8u}, {653, 32, 0x9cd09045u, 0x00645c85u},
    {659, 33, 0x91496b9bu, 0x00637299u}, {661, 33, 0xc7d7b8bdu, 0x00632591u},
    {673, 33, 0x9f006161u, 0x006160ffu}, {677, 34, 0x5e28152du, 0x0060cdb5u},
    {683, 34, 0x00bfe803u, 0x005ff401u}, {691, 34, 0x9e907c7bu, 0x005ed79eu},
    {701, 35, 0x76528895u, 0x005d7d42u}, {709, 35, 0x01ce2c0du, 0x005c6f35u},
    {719, 35, 0xbed7c42fu, 0x005b2618u}, {727, 36, 0xd4b010e7u, 0x005a2553u},
    {733, 36, 0x1ebbe575u, 0x0059686cu}, {739, 36, 0xb47b52cbu, 0x0058ae97u},
    {743, 37, 0x64f3f0d7u, 0x0058345fu}, {751, 37, 0x316d6c0fu, 0x005743d5u}
};

/* x mod q for x < 2^64 and q < 2^32, with m = floor((2^64 - 1) / q): the
 * estimate floor(x * m / 2^64) is the quotient or one less (Barrett), so a
 * multiplication and one correction replace a 64-bit division, which costs
 * ten times as much. */
static inline uint64_t mod_barrett(uint64_t x, uint64_t q, uint64_t m)
{
    uint64_t r = x - (uint64_t)(((unsigned __int128)x * m) >> 64) * q;
    return r >= q ? r - q : r;
}

unsigned cg_rsa_small_factor(const uint8_t *m, size_t n)
{
    uint32_t words[128];
    size_t nw = (n + 3) / 4;
    if (nw > 128)
        return 0;
    /* big-endian 32-bit words, the first one padded on the left */
    for (size_t w = 0; w < nw; w++) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            size_t idx = w * 4 + k, shift = nw * 4 - n;
            v = v << 8 | (idx >= shift ? m[idx - shift] : 0);
        }
        words[w] = v;
    }
    const size_t ng = sizeof(prime_groups) / sizeof(prime_groups[0]);
    uint32_t rem[sizeof(prime_groups) / sizeof(prime_groups[0])];
    for (size_t g = 0; g < ng; g += 4) {
        uint64_t r[4] = {0, 0, 0, 0}, q[4], inv[4];
        size_t k = ng - g < 4 ? ng - g : 4;
        for (size_t j = 0; j < 4; j++) {
            q[j] = j < k ? prime_groups[g + j].q : 3;
            inv[j] = j < k ? prime_groups[g + j].m : UINT64_MAX / 3;
        }
        /* four independent remainders at once: the multiplications overlap */
        for (size_t w = 0; w < nw; w++) {
            r[0] = mod_barrett(r[0] << 32 | words[w], q[0], inv[0]);
            r[1] = mod_barrett(r[1] << 32 | words[w], q[1], inv[1]);
            r[2] = mod_barrett(r[2] << 32 | words[w], q[2], inv[2]);
            r[3] = mod_barrett(r[3] << 32 | words[w], q[3], inv[3]);
        }
        for (size_t j = 0; j < k; j++)
            rem[g + j] = (uint32_t)r[j];
    }
    for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
        if ((uint32_t)(rem[primes[i].group] * primes[i].inverse) <= primes[i].bound)
            return primes[i].p;
    }
    return 0;
}

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
        !cg_cbs_get_asn1(&seq, &e, CG_ASN1_INTEGER) || seq.len != 0 || n.len == 0 ||
        e.len == 0) {
        snprintf(why, cap, "the RSA public key does not decode as SEQUENCE { modulus, "
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
        snprintf(why, cap, "the RSA public exponent is %u; it must be odd and at least 3",
                 elast);
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
        snprintf(why, cap, "the RSA modulus is divisible by %u (no factor below 752 is "
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
                 spki_exact[curve].name, k->len);
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
        snprintf(why, cap, "the EC public key is not a point on %s", spki_exact[curve].name);
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
        defect = memo->defect;
        snprintf(why, sizeof(why), "%s", memo->why);
    } else {
        defect = p->key_type == CG_KEY_RSA ? rsa_defect(p, why, sizeof(why))
                                           : ec_defect(p, curve, why, sizeof(why));
        if (p->key_bits.len <= sizeof(memo->key)) {
            memcpy(memo->key, p->key_bits.data, p->key_bits.len);
            memo->len = p->key_bits.len;
            memo->issued = p->issued;
            memo->defect = defect;
            snprintf(memo->why, sizeof(memo->why), "%s", defect ? why : "");
        }
    }
    if (defect)
        cg_report(ctx, CG_R_CERT_KEY_WEAK, p->obj, "%s", why);
}
