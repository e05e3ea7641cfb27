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
 * The key checks (the small-factor test is the costly part: 18 remainders
 * of the modulus, by Montgomery reduction, not division) are kept per key in
 * the run's ctx: a precertificate and its certificate share one. */
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

/* Whether v is the bytes the hex string spells; stops at the first octet
 * that differs (most candidates differ in their second, the length). */
static int hex_equal(const cg_cbs *v, const char *hex)
{
    size_t i = 0;
    for (; i < v->len; i++) {
        if (hex[2 * i] == '\0' || v->data[i] != (nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1])))
            return 0;
    }
    return hex[2 * i] == '\0';
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
    size_t alg = 3, m = ecdsa_sig_octets(&c->signature), k = 0;
    for (size_t i = 0; i < 3; i++) {
        if (hex_equal(&c->tbs_sig_alg, sig_exact[curves[i].sig].hex))
            alg = i;
    }
    if (alg == 3 || m == 0 || m > 66)
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
    const char *d = cg_sig_alg_defect(&c->tbs_sig_alg, p->issued, sha1_ok);
    if (d != NULL)
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                  "the signature AlgorithmIdentifier %s", d);
    else if (!cg_cbs_equal(&c->tbs_sig_alg, &c->sig_alg) &&
             (d = cg_sig_alg_defect(&c->sig_alg, p->issued, sha1_ok)) != NULL)
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                  "the outer signatureAlgorithm %s", d);
    if (d != NULL || !cg_prof_since(p, 20200101))
        return;
    char buf[256];
    d = ecdsa_hash_defect(c, buf, sizeof(buf));
    if (d != NULL)
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_INVALID, p->obj,
                  "the signature AlgorithmIdentifier %s", d);
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
 * in order into 18 groups whose products q stay below 2^64, each with its
 * inverse modulo 2^64 (q is odd) for the Montgomery reduction below. */
static const struct {
    uint64_t q, inverse;
} prime_groups[] = {
    {0xe221f97c30e94e1du, 0x79a964b0f8d5e435u}, {0x6329899ea9f2714bu, 0xb0b4904c80c9063u},
    {0x58edcb4c9ed39c8bu, 0x67dbbd296edaeb23u}, {0x9966ff94fd516fbu, 0x88b1810397a98433u},
    {0x3bd7632c1f36eb51u, 0x9d2329d01e653db1u}, {0xfd14b3c90d88a9u, 0xb959bb5dbfb39b99u},
    {0x2ad3dbe0cca85ffu, 0x701e227b5d1179ffu},  {0x787f9a02c3388a7u, 0xa45152195f699f17u},
    {0x1113c5cc6d101657u, 0xbbe47ee20ef13567u}, {0x2456c94f936bdb15u, 0xa56249c5519c9c3du},
    {0x4236a30b85ffe139u, 0x19f475aab88abd09u}, {0x805437b38eada69du, 0xdd930c4f576e0fb5u},
    {0x723e97bddcd2afu, 0x665332af883c44fu},    {0xa5a792ee239667u, 0xd3344709d09d2557u},
    {0xe451352ebca269u, 0xfbadf7669da30dd9u},   {0x13a7955f14b7805u, 0x1d7f71665dd694cdu},
    {0x1d37cbd653b06ffu, 0xd594f9dd0993f8ffu},  {0x189410dbu, 0x6ab711fe8bc96b53u},
};

/* The same primes one by one, in order, each with the group it is in, its
 * inverse modulo 2^64 and floor((2^64 - 1) / p): r is a multiple of p when
 * r * inverse (mod 2^64) is at most that bound (the exact-division test of
 * Granlund and Montgomery, "Division by invariant integers using
 * multiplication", 1994): a multiplication where r % p would divide. */
static const struct {
    uint16_t p;
    uint8_t group;
    uint64_t inverse, bound;
} primes[] = {
    {3, 0, 0xaaaaaaaaaaaaaaabu, 0x5555555555555555u},
    {5, 0, 0xcccccccccccccccdu, 0x3333333333333333u},
    {7, 0, 0x6db6db6db6db6db7u, 0x2492492492492492u},
    {11, 0, 0x2e8ba2e8ba2e8ba3u, 0x1745d1745d1745d1u},
    {13, 0, 0x4ec4ec4ec4ec4ec5u, 0x13b13b13b13b13b1u},
    {17, 0, 0xf0f0f0f0f0f0f0f1u, 0x0f0f0f0f0f0f0f0fu},
    {19, 0, 0x86bca1af286bca1bu, 0x0d79435e50d79435u},
    {23, 0, 0xd37a6f4de9bd37a7u, 0x0b21642c8590b216u},
    {29, 0, 0x34f72c234f72c235u, 0x08d3dcb08d3dcb08u},
    {31, 0, 0xef7bdef7bdef7bdfu, 0x0842108421084210u},
    {37, 0, 0x14c1bacf914c1badu, 0x06eb3e45306eb3e4u},
    {41, 0, 0x8f9c18f9c18f9c19u, 0x063e7063e7063e70u},
    {43, 0, 0x82fa0be82fa0be83u, 0x05f417d05f417d05u},
    {47, 0, 0x51b3bea3677d46cfu, 0x0572620ae4c415c9u},
    {53, 0, 0x21cfb2b78c13521du, 0x04d4873ecade304du},
    {59, 1, 0xcbeea4e1a08ad8f3u, 0x0456c797dd49c341u},
    {61, 1, 0x4fbcda3ac10c9715u, 0x04325c53ef368eb0u},
    {67, 1, 0xf0b7672a07a44c6bu, 0x03d226357e16ece5u},
    {71, 1, 0x193d4bb7e327a977u, 0x039b0ad12073615au},
    {73, 1, 0x7e3f1f8fc7e3f1f9u, 0x0381c0e070381c0eu},
    {79, 1, 0x9b8b577e613716afu, 0x033d91d2a2067b23u},
    {83, 1, 0xa3784a062b2e43dbu, 0x03159721ed7e7534u},
    {89, 1, 0xf47e8fd1fa3f47e9u, 0x02e05c0b81702e05u},
    {97, 1, 0xa3a0fd5c5f02a3a1u, 0x02a3a0fd5c5f02a3u},
    {101, 1, 0x3a4c0a237c32b16du, 0x0288df0cac5b3f5du},
    {103, 2, 0xdab7ec1dd3431b57u, 0x027c45979c95204fu},
    {107, 2, 0x77a04c8f8d28ac43u, 0x02647c69456217ecu},
    {109, 2, 0xa6c0964fda6c0965u, 0x02593f69b02593f6u},
    {113, 2, 0x90fdbc090fdbc091u, 0x0243f6f0243f6f02u},
    {127, 2, 0x7efdfbf7efdfbf7fu, 0x0204081020408102u},
    {131, 2, 0x03e88cb3c9484e2bu, 0x01f44659e4a42715u},
    {137, 2, 0xe21a291c077975b9u, 0x01de5d6e3f8868a4u},
    {139, 2, 0x3aef6ca970586723u, 0x01d77b654b82c339u},
    {149, 2, 0xdf5b0f768ce2cabdu, 0x01b7d6c3dda338b2u},
    {151, 3, 0x6fe4dfc9bf937f27u, 0x01b2036406c80d90u},
    {157, 3, 0x5b4fe5e92c0685b5u, 0x01a16d3f97a4b01au},
    {163, 3, 0x1f693a1c451ab30bu, 0x01920fb49d0e228du},
    {167, 3, 0x8d07aa27db35a717u, 0x01886e5f0abb0499u},
    {173, 3, 0x882383b30d516325u, 0x017ad2208e0ecc35u},
    {179, 3, 0xed6866f8d962ae7bu, 0x016e1f76b4337c6cu},
    {181, 3, 0x3454dca410f8ed9du, 0x016a13cd15372904u},
    {191, 3, 0x1d7ca632ee936f3fu, 0x01571ed3c506b39au},
    {193, 4, 0x70bf015390948f41u, 0x015390948f40feacu},
    {197, 4, 0xc96bdb9d3d137e0du, 0x014cab88725af6e7u},
    {199, 4, 0x2697cc8aef46c0f7u, 0x0149539e3b2d066eu},
    {211, 4, 0xc0e8f2a76e68575bu, 0x013698df3de07479u},
    {223, 4, 0x687763dfdb43bb1fu, 0x0125e22708092f11u},
    {227, 4, 0x1b10ea929ba144cbu, 0x0120b470c67c0d88u},
    {229, 4, 0x1d10c4c0478bbcedu, 0x011e2ef3b3fb8744u},
    {233, 4, 0x63fb9aeb1fdcd759u, 0x0119453808ca29c0u},
    {239, 5, 0x64afaa4f437b2e0fu, 0x0112358e75d30336u},
    {241, 5, 0xf010fef010fef011u, 0x010fef010fef010fu},
    {251, 5, 0x28cbfbeb9a020a33u, 0x0105197f7d734041u},
    {257, 5, 0xff00ff00ff00ff01u, 0x00ff00ff00ff00ffu},
    {263, 5, 0xd624fd1470e99cb7u, 0x00f92fb2211855a8u},
    {269, 5, 0x8fb3ddbd6205b5c5u, 0x00f3a0d52cba8723u},
    {271, 5, 0xd57da36ca27acdefu, 0x00f1d48bcee0d399u},
    {277, 6, 0xee70c03b25e4463du, 0x00ec979118f3fc4du},
    {281, 6, 0xc5b1a6b80749cb29u, 0x00e939651fe2d8d3u},
    {283, 6, 0x47768073c9b97113u, 0x00e79372e225fe30u},
    {293, 6, 0x2591e94884ce32adu, 0x00dfac1f74346c57u},
    {307, 6, 0xf02806abc74be1fbu, 0x00d578e97c3f5fe5u},
    {311, 6, 0x7ec3e8f3a7198487u, 0x00d2ba083b445250u},
    {313, 6, 0x58550f8a39409d09u, 0x00d161543e28e502u},
    {317, 7, 0xec9e48ae6f71de15u, 0x00cebcf8bb5b4169u},
    {331, 7, 0x2ff3a018bfce8063u, 0x00c5fe740317f9d0u},
    {337, 7, 0x7f9ec3fcf61fe7b1u, 0x00c2780613c0309eu},
    {347, 7, 0x89f5abe570e046d3u, 0x00bcdd535db1cc5bu},
    {349, 7, 0xda971b23f1545af5u, 0x00bbc8408cd63069u},
    {353, 7, 0x79d5f00b9a7862a1u, 0x00b9a7862a0ff465u},
    {359, 7, 0x4dba1df32a128a57u, 0x00b68d31340e4307u},
    {367, 8, 0x87530217b7747d8fu, 0x00b2927c29da5519u},
    {373, 8, 0x30baae53bb5e06ddu, 0x00afb321a1496fdfu},
    {379, 8, 0xee70206c12e9b5b3u, 0x00aceb0f891e6551u},
    {383, 8, 0xcdde9462ec9dbe7fu, 0x00ab1cbdd3e2970fu},
    {389, 8, 0xafb64b05ec41cf4du, 0x00a87917088e262bu},
    {397, 8, 0x02944ff5aec02945u, 0x00a513fd6bb00a51u},
    {401, 8, 0x2cb033128382df71u, 0x00a36e71a2cb0331u},
    {409, 9, 0x1ccacc0c84b1c2a9u, 0x00a03c1688732b30u},
    {419, 9, 0x19a93db575eb3a0bu, 0x009c69169b30446du},
    {421, 9, 0xcebeef94fa86fe2du, 0x009baade8e4a2f6eu},
    {431, 9, 0x6faa77fb3f8df54fu, 0x00980e4156201301u},
    {433, 9, 0x68a58af00975a751u, 0x00975a750ff68a58u},
    {439, 9, 0xd56e36d0c3efac07u, 0x009548e4979e0829u},
    {443, 9, 0xd8b44c47a8299b73u, 0x0093efd1c50e726bu},
    {449, 10, 0x02d9ccaf9ba70e41u, 0x0091f5bcb8bb02d9u},
    {457, 10, 0x0985e1c023d9e879u, 0x008f67a1e3fdc261u},
    {461, 10, 0x2a343316c494d305u, 0x008e2917e0e702c6u},
    {463, 10, 0x70cb7916ab67652fu, 0x008d8be33f95d715u},
    {467, 10, 0xd398f132fb10fe5bu, 0x008c55841c815ed5u},
    {479, 10, 0x6f2a38a6bf54fa1fu, 0x0088d180cd3a4133u},
    {487, 10, 0x211df689b98f81d7u, 0x00869222b1acf1ceu},
    {491, 11, 0x0e994983e90f1ec3u, 0x0085797b917765abu},
    {499, 11, 0xad671e44bed87f3bu, 0x008355ace3c897dbu},
    {503, 11, 0xf9623a0516e70fc7u, 0x00824a4e60b3262bu},
    {509, 11, 0x4b7129be9dece355u, 0x0080c121b28bd1bau},
    {521, 11, 0x190f3b7473f62c39u, 0x007dc9f3397d4c29u},
    {523, 11, 0x63dacc9aad46f9a3u, 0x007d4ece8fe88139u},
    {541, 11, 0xc1108fda24e8d035u, 0x0079237d65bcce50u},
    {547, 12, 0xb77578472319bd8bu, 0x0077cf53c5f7936cu},
    {557, 12, 0x473d20a1c7ed9da5u, 0x0075a8accfbdd11eu},
    {563, 12, 0xfbe85af0fea2c8fbu, 0x007467ac557c228eu},
    {569, 12, 0x58a1f7e6ce0f4c09u, 0x00732d70ed8db8e9u},
    {571, 12, 0x1a00e58c544986f3u, 0x0072c62a24c3797fu},
    {577, 12, 0x7194a17f55a10dc1u, 0x007194a17f55a10du},
    {587, 13, 0x7084944785e33763u, 0x006fa549b41da7e7u},
    {593, 13, 0xba10679bd84886b1u, 0x006e8419e6f61221u},
    {599, 13, 0xebe9c6bb31260967u, 0x006d68b5356c207bu},
    {601, 13, 0x97a3fe4bd1ff25e9u, 0x006d0b803685c01bu},
    {607, 13, 0x6c6388395b84d99fu, 0x006bf790a8b2d207u},
    {613, 13, 0x8c51da6a1335df6du, 0x006ae907ef4b96c2u},
    {617, 14, 0x46f3234475d5add9u, 0x006a37991a23aeadu},
    {619, 14, 0x905605ca3c619a43u, 0x0069dfbdd4295b66u},
    {631, 14, 0xcee8dff304767747u, 0x0067dc4c45c8033eu},
    {641, 14, 0xff99c27f00663d81u, 0x00663d80ff99c27fu},
    {643, 14, 0xacca407f671ddc2bu, 0x0065ec17e3559948u},
    {647, 14, 0xe71298bac1e12337u, 0x00654ac835cfba5cu},
    {653, 15, 0xfa1e94309cd09045u, 0x00645c854ae10772u},
    {659, 15, 0xbebccb8e91496b9bu, 0x006372990e5f901fu},
    {661, 15, 0x312fa30cc7d7b8bdu, 0x006325913c07beefu},
    {673, 15, 0x6160ff9e9f006161u, 0x006160ff9e9f0061u},
    {677, 15, 0x6b03673b5e28152du, 0x0060cdb520e5e88eu},
    {683, 15, 0xfe802ffa00bfe803u, 0x005ff4017fd005ffu},
    {691, 16, 0xe66fe25c9e907c7bu, 0x005ed79e31a4dccdu},
    {701, 16, 0x3f8b236c76528895u, 0x005d7d42d48ac5efu},
    {709, 16, 0xf6f923bf01ce2c0du, 0x005c6f35ccba5028u},
    {719, 16, 0x6c3d3d98bed7c42fu, 0x005b2618ec6ad0a5u},
    {727, 16, 0x30981efcd4b010e7u, 0x005a2553748e42e7u},
    {733, 16, 0x6f691fc81ebbe575u, 0x0059686cf744cd5bu},
    {739, 17, 0xb10480ddb47b52cbu, 0x0058ae97bab79976u},
    {743, 17, 0x74cd59ed64f3f0d7u, 0x0058345f1876865fu},
    {751, 17, 0x0105cb81316d6c0fu, 0x005743d5bb24795au},
};

/* One step of Montgomery's reduction (REDC) by an odd q < 2^64, for
 * t = hi * 2^64 + lo: a value congruent to t * 2^-64 modulo q, below 2^64
 * (not always below q, which the tests need not). m = lo * q^-1 makes
 * m * q end in the same 64 bits as t, so t - m * q is a multiple of 2^64 and
 * (t - m * q) / 2^64 = hi - floor(m * q / 2^64) exactly, plus q when that
 * is negative: two multiplications, no division. */
static inline uint64_t redc(uint64_t hi, uint64_t lo, uint64_t q, uint64_t inverse)
{
    uint64_t m = lo * inverse;
    uint64_t mq = (uint64_t)(((unsigned __int128)m * q) >> 64);
    return hi >= mq ? hi - mq : hi - mq + q;
}

unsigned cg_rsa_small_factor(const uint8_t *m, size_t n)
{
    uint64_t words[64];
    size_t nw = (n + 7) / 8;
    if (nw > 64 || n == 0)
        return 0;
    /* little-endian order of big-endian 64-bit words: words[0] is the least
     * significant, the last one padded on the left */
    for (size_t w = 0; w < nw; w++) {
        uint64_t v = 0;
        for (size_t k = 0; k < 8; k++) {
            size_t idx = n - 1 - (w * 8 + 7 - k); /* byte 7 - k of word w, from the end */
            v = v << 8 | (w * 8 + 7 - k < n ? m[idx] : 0);
        }
        words[w] = v;
    }
    /* From the least significant word up, r = REDC(w * 2^64 + r) = w + r * 2^-64
     * (mod q): at the end r = N * 2^(-64 (nw - 1)) (mod q), and since 2 is
     * invertible modulo every odd prime, p divides r exactly when it divides
     * the modulus N. Four groups at a time: the chains overlap. */
    const size_t ng = sizeof(prime_groups) / sizeof(prime_groups[0]);
    uint64_t rem[sizeof(prime_groups) / sizeof(prime_groups[0])];
    for (size_t g = 0; g < ng; g += 4) {
        uint64_t q[4], inv[4], r[4];
        size_t k = ng - g < 4 ? ng - g : 4;
        for (size_t j = 0; j < 4; j++) {
            q[j] = prime_groups[j < k ? g + j : g].q;
            inv[j] = prime_groups[j < k ? g + j : g].inverse;
            r[j] = words[0];
        }
        for (size_t w = 1; w < nw; w++) {
            r[0] = redc(words[w], r[0], q[0], inv[0]);
            r[1] = redc(words[w], r[1], q[1], inv[1]);
            r[2] = redc(words[w], r[2], q[2], inv[2]);
            r[3] = redc(words[w], r[3], q[3], inv[3]);
        }
        for (size_t j = 0; j < k; j++)
            rem[g + j] = r[j];
    }
    for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
        if (rem[primes[i].group] * primes[i].inverse <= primes[i].bound)
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
