/* The TLS BR certificate profile: which profile a certificate falls under,
 * the TBSCertificate fields (version, serial, validity, times, unique IDs,
 * signature algorithm agreement) and the extensions as a set (duplicates,
 * an empty Extensions SEQUENCE); the families in cert_exts.c, cert_names.c
 * and cert_keys.c do the rest. Precertificates are held to the profile of
 * the certificate they announce (TLS BRs §7.1.2.9), as a bare TBSCertificate
 * is to the certificate it will become.
 *
 * Invariant: the certificate is decoded once into a cg_profile here; the
 * families never reparse what it holds. Nothing allocates but the key a
 * self-issued CA certificate's signature is checked under (classify). */
#include "rules/cert_profile.h"

#include <openssl/x509.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "x509/oid.h"
#include "x509/sig.h"
#include "x509/time.h"

/* The bit string of a BIT STRING's contents (unused-bits octet first) as
 * bits numbered from 0 (the first 32); 0 when the encoding is not a valid
 * BIT STRING. */
static int prof_bits(const cg_cbs *contents, unsigned *bits, int *trailing_zero)
{
    *bits = 0;
    *trailing_zero = 0;
    if (contents->len == 0 || contents->data[0] > 7 || (contents->len == 1 && contents->data[0]))
        return 0;
    size_t n = contents->len - 1;
    for (size_t i = 0; i < n && i < 4; i++) {
        unsigned b = contents->data[1 + i]; /* its bits reversed: bit 0 first */
        b = (b & 0xf0u) >> 4 | (b & 0x0fu) << 4;
        b = (b & 0xccu) >> 2 | (b & 0x33u) << 2;
        b = (b & 0xaau) >> 1 | (b & 0x55u) << 1;
        *bits |= b << (i * 8);
    }
    /* DER (X.690 §11.2.2): a named bit list ends with a 1 bit. */
    *trailing_zero = n > 0 && (contents->data[n] & (1u << contents->data[0])) == 0;
    return 1;
}

uint64_t cg_prof_table_set(_Atomic uint64_t *memo, const void *table, size_t n, size_t stride)
{
    uint64_t set = atomic_load_explicit(memo, memory_order_relaxed);
    if (set != 0)
        return set;
    for (size_t k = 0; k < n; k++) {
        const cg_prof_oid *o = (const cg_prof_oid *)((const char *)table + k * stride);
        set |= cg_prof_ce_bit(o->oid, o->len);
    }
    atomic_store_explicit(memo, set, memory_order_relaxed);
    return set;
}

/* ---- decoding ---- */

/* The third octet of id-ce (2.5.29.x, contents 55 1d x) when the OID is one,
 * else -1: most extensions are, and one octet tells them apart. */
static int id_ce(const cg_cbs *oid)
{
    return oid->len == 3 && oid->data[0] == 0x55 && oid->data[1] == 0x1d ? oid->data[2] : -1;
}

/* Where ext_indexes puts an id-ce extension (55 1d x, x < 64) the profile
 * names: its slot in pos[] there (1..9), 0 (the spare slot) for the others. */
static const uint8_t ce_slot[64] = {
    [0x13] = 1, /* basicConstraints */
    [0x0f] = 2, /* keyUsage */
    [0x25] = 3, /* extKeyUsage */
    [0x11] = 4, /* subjectAltName */
    [0x20] = 5, /* certificatePolicies */
    [0x1f] = 6, /* cRLDistributionPoints */
    [0x23] = 7, /* authorityKeyIdentifier */
    [0x0e] = 8, /* subjectKeyIdentifier */
    [0x1e] = 9, /* nameConstraints */
};

/* p->ce, p->ce_set and the first position of each extension the profile
 * names, in one pass over the extensions (cg_prof_exts; -1 when absent). */
static void ext_indexes(cg_profile *p)
{
    const cg_cert *c = p->cert;
    cg_prof_exts *x = &p->x;
    int pos[10] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    unsigned known = 0;
    x->aia = -1;
    for (size_t i = c->n_ext; i-- > 0;) { /* backwards: the first occurrence stays */
        int ce = id_ce(&c->ext[i].oid);
        p->ce[i] = (int16_t)ce;
        if (ce >= 0 && ce < 64) {
            uint64_t bit = UINT64_C(1) << ce;
            p->ce_repeated |= (p->ce_set & bit) != 0;
            p->ce_set |= bit;
        } else {
            /* the SCT list 1, the poison 2, AIA 4, any other 0 */
            const cg_cbs *oid = &c->ext[i].oid;
            unsigned k = ce >= 0 ? 0
                         : cg_prof_oid_is(oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST)) ? 1
                         : cg_prof_oid_is(oid, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON))     ? 2
                         : cg_prof_oid_is(oid, CG_OID_AIA, sizeof(CG_OID_AIA))                 ? 4
                                                                                               : 0;
            p->n_other += k == 0;
            p->ce_repeated |= (known & k) != 0;
            known |= k;
            if (k == 4)
                x->aia = (int)i;
        }
        /* one store by table, without a branch on which extension it is
         * (that branch mispredicts on every certificate) */
        pos[(unsigned)ce < 64 ? ce_slot[ce] : 0] = (int)i;
    }
    x->bc = pos[1];
    x->ku = pos[2];
    x->eku = pos[3];
    x->san = pos[4];
    x->cp = pos[5];
    x->crldp = pos[6];
    x->aki = pos[7];
    x->ski = pos[8];
    x->nc = pos[9];
}

static void decode_bc(cg_profile *p)
{
    cg_cbs v = p->cert->ext[p->x.bc].value, seq;
    int present;
    cg_cbs ca, len;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0)
        return;
    if (!cg_cbs_get_optional_asn1_element(&seq, &ca, &present, CG_ASN1_BOOLEAN))
        return;
    if (present && !cg_cbs_get_asn1_bool(&ca, &p->bc_ca))
        return;
    if (!cg_cbs_get_optional_asn1(&seq, &len, &p->bc_has_pathlen, CG_ASN1_INTEGER) || seq.len != 0)
        return;
    p->bc_pathlen_negative = p->bc_has_pathlen && len.len > 0 && (len.data[0] & 0x80);
    p->bc_ok = 1;
}

static void decode_ku(cg_profile *p)
{
    cg_cbs v = p->cert->ext[p->x.ku].value, bits;
    if (cg_cbs_get_asn1(&v, &bits, CG_ASN1_BITSTRING) && v.len == 0 &&
        prof_bits(&bits, &p->ku_bits, &p->ku_trailing_zero)) {
        p->ku_ok = 1;
        p->ku_octets = bits.len;
    }
}

static void decode_eku(cg_profile *p)
{
    cg_cbs v = p->cert->ext[p->x.eku].value, seq, oid;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0)
        return;
    while (seq.len > 0) {
        if (!cg_cbs_get_asn1(&seq, &oid, CG_ASN1_OBJECT))
            return;
        p->eku_count++;
        /* id-kp-x (1.3.6.1.5.5.7.3.x): the purposes below differ only in
         * their last octet, so one comparison of the prefix serves them all
         * (kp 0: not id-kp or a longer arc) */
        unsigned kp = oid.len == sizeof(CG_OID_KP_SERVER_AUTH) &&
                              memcmp(oid.data, CG_OID_KP_SERVER_AUTH, oid.len - 1) == 0 &&
                              oid.data[oid.len - 1] < 0x80
                          ? oid.data[oid.len - 1]
                          : 0;
        int server = kp == CG_OID_KP_SERVER_AUTH[7], client = kp == CG_OID_KP_CLIENT_AUTH[7];
        int email = kp == CG_OID_KP_EMAIL[7];
        p->eku_server |= server;
        p->eku_client |= client;
        p->eku_email |= email;
        p->eku_beyond += !server && !client && !email;
        if (server || client)
            continue;
        if (cg_oid_equal(&oid, CG_OID_ANY_EKU, sizeof(CG_OID_ANY_EKU)))
            p->eku_any = 1;
        else if (kp == CG_OID_KP_OCSP_SIGNING[7])
            p->eku_ocsp = 1;
        else if (cg_oid_equal(&oid, CG_OID_CT_PRECERT_SIGNING, sizeof(CG_OID_CT_PRECERT_SIGNING)))
            p->eku_precert = 1;
        else if (email || kp == CG_OID_KP_CODE_SIGNING[7] || kp == CG_OID_KP_TIME_STAMPING[7])
            p->eku_forbidden = 1;
        else
            p->eku_unknown++;
    }
    p->eku_ok = p->eku_count > 0;
}

static void decode_key(cg_profile *p)
{
    cg_cbs in = p->cert->spki, spki, alg, oid, bits;
    cg_cbs_init(&p->key_alg, NULL, 0);
    cg_cbs_init(&p->key_bits, NULL, 0);
    if (!cg_cbs_get_asn1(&in, &spki, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1_element(&spki, &p->key_alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&spki, &bits, CG_ASN1_BITSTRING) || bits.len < 1 || bits.data[0] != 0)
        return;
    p->key_bits.data = bits.data + 1;
    p->key_bits.len = bits.len - 1;
    alg = p->key_alg;
    if (!cg_cbs_get_asn1(&alg, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        return;
    if (cg_prof_oid_is(&oid, CG_OID_RSA_ENCRYPTION, sizeof(CG_OID_RSA_ENCRYPTION)))
        p->key_type = CG_KEY_RSA;
    else if (cg_prof_oid_is(&oid, CG_OID_EC_PUBLIC_KEY, sizeof(CG_OID_EC_PUBLIC_KEY)))
        p->key_type = CG_KEY_EC;
}

/* Whether a self-issued certificate's signature fails under its own key: a
 * CA certificate whose subject and issuer are one Name but which another
 * key signed is a subordinate CA (a CA's new certificate for itself, RFC
 * 5280 §3.2), not a root (TLS BRs §1.6.1: a Root CA Certificate is
 * self-signed). An unsigned TBSCertificate (the gate before signing), a
 * key or algorithm caguard cannot use leave the Names' judgement. */
static int self_signature_fails(const cg_cert *c)
{
    if (c->signature.len <= 1)
        return 0;
    const uint8_t *k = c->spki.data;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &k, (long)c->spki.len);
    if (key == NULL)
        return 0;
    cg_sig s;
    cg_sig_prepare(&s, "certificate", &c->tbs, &c->sig_alg, &c->signature);
    int bad = cg_sig_verify(&s, key, NULL, 0) == CG_SIG_BAD;
    EVP_PKEY_free(key);
    return bad;
}

/* The profile: a CA by basicConstraints cA; a root when its subject and
 * issuer are the same bytes, its AKI, if any, names its own key and its
 * signature does not fail under that key. */
static cg_prof_kind classify(const cg_profile *p)
{
    const cg_cert *c = p->cert;
    if (p->bc_ok && p->bc_ca) {
        cg_cbs aki, ski;
        int self = cg_cbs_equal(&c->subject, &c->issuer);
        if (self && p->x.aki >= 0 && p->x.ski >= 0 && cg_ext_aki_keyid(&c->ext[p->x.aki], &aki) &&
            cg_ext_ski(&c->ext[p->x.ski], &ski) && !cg_cbs_equal(&aki, &ski))
            self = 0;
        if (self && self_signature_fails(c))
            self = 0;
        return self ? CG_PROF_ROOT : CG_PROF_SUBCA;
    }
    if (p->eku_ok && p->eku_ocsp && p->eku_count == 1)
        return CG_PROF_OCSP;
    return CG_PROF_SUBSCRIBER;
}

/* t's UTC date as YYYYMMDD: t is at or after 00:00:00 UTC of a date D
 * exactly when its own date is D or later, so the rules' dates compare as
 * numbers (0 for years before 0; the largest value after 99999). */
static uint32_t date_ymd(int64_t t)
{
    int64_t y;
    unsigned m, d;
    cg_civil_from_days(t / 86400 - (t % 86400 < 0), &y, &m, &d);
    if (y < 0)
        return 0;
    if (y > 99999)
        return UINT32_MAX;
    return (uint32_t)y * 10000 + m * 100 + d;
}

static void decode(cg_profile *p, const cg_objref *obj, const cg_cert *cert)
{
    /* Not the whole struct (x and ce, 168 octets, are written where they
     * are read, the key's views in decode_key), and in two clears of at
     * most 80 octets: GCC (-O2) clears more by rep stosq, whose start-up
     * cost was a fifth of this function's own samples (perf annotate);
     * below that it stores 16 octets at a time. */
    char *z = (char *)p;
    memset(z + offsetof(cg_profile, ce_set), 0,
           offsetof(cg_profile, eku_ok) - offsetof(cg_profile, ce_set));
    memset(z + offsetof(cg_profile, eku_ok), 0,
           offsetof(cg_profile, key_alg) - offsetof(cg_profile, eku_ok));
    p->cert = cert;
    p->obj = obj;
    p->issued = obj->has_issued ? obj->issued : cert->not_before_t;
    p->issued_ymd = date_ymd(p->issued);
    cg_prof_exts *x = &p->x;
    ext_indexes(p);
    if (x->bc >= 0)
        decode_bc(p);
    if (x->ku >= 0)
        decode_ku(p);
    if (x->eku >= 0)
        decode_eku(p);
    p->subject_empty = cert->subject.len == 2;
    decode_key(p);
    p->kind = classify(p);
}

/* ---- the TBSCertificate fields ---- */

static void check_version(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    if (c->version_num == 2)
        return;
    const char *why = c->extensions.len > 0 ? "; it carries extensions, which need v3"
                      : c->issuer_uid.len > 0 || c->subject_uid.len > 0
                          ? "; it carries unique identifiers"
                          : "";
    cg_report(ctx, CG_R_CERT_VERSION_INVALID, p->obj,
              "version is v%u; the TLS BRs allow X.509 v3 certificates only%s",
              (unsigned)c->version_num + 1, why);
}

/* Bits in the magnitude of a positive INTEGER's contents. */
static size_t int_bits(const cg_cbs *v)
{
    size_t i = 0;
    while (i < v->len && v->data[i] == 0)
        i++;
    if (i == v->len)
        return 0;
    size_t bits = (v->len - i) * 8;
    for (uint8_t b = v->data[i]; (b & 0x80) == 0; b <<= 1)
        bits--;
    return bits;
}

static void check_serial(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cbs *s = &p->cert->serial;
    int negative = s->len > 0 && (s->data[0] & 0x80) != 0;
    size_t bits = negative ? 0 : int_bits(s);
    if (negative || bits == 0) {
        cg_report(ctx, CG_R_CERT_SERIAL_NOT_POSITIVE, p->obj,
                  "serialNumber is %s; it must be a positive integer",
                  negative ? "negative" : "zero");
        return;
    }
    if (s->len > 20)
        cg_report(ctx, CG_R_CERT_SERIAL_TOO_LONG, p->obj,
                  "serialNumber is %zu octets long; at most 20 are allowed", s->len);
    /* 64 random bits can come out shorter (leading zero bits): below 56
     * bits happens once in 512 serials, and says the serial is not random. */
    if (bits < 56)
        cg_report(ctx, CG_R_CERT_SERIAL_TOO_SHORT, p->obj,
                  "serialNumber has %zu significant bits; a serial with 64 bits of CSPRNG "
                  "output has fewer than 56 once in 512 certificates, so this one cannot be "
                  "taken for one (use more than 64 random bits)",
                  bits);
}

/* notBefore plus months, the day of month kept (clamped to the month's end). */
static int64_t add_months(int64_t t, int months)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400;
    /* civil from days (H. Hinnant's algorithm) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    int64_t mm = m - 1 + months;
    y += mm / 12;
    m = mm % 12 + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t last = mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
    if (d > last)
        d = last;
    return cg_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + secs;
}

/* TLS BRs §6.3.2 (SC-081) and its predecessors: the longest validity a
 * subscriber certificate issued at p->issued may have (cert.validity_too_long)
 * and, from 2020-09-01, the longest it SHOULD have (cert.validity_near_limit:
 * one day less, reported only when the maximum is kept). */
static void check_validity(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    char nb[32], na[32];
    if (c->not_after_t < c->not_before_t) {
        cg_time_format(c->not_before_t, nb, sizeof(nb));
        cg_time_format(c->not_after_t, na, sizeof(na));
        cg_report(ctx, CG_R_CERT_VALIDITY_NEGATIVE, p->obj, "notAfter %s is before notBefore %s",
                  na, nb);
        return;
    }
    /* From 2020-09-01 the Validity Period includes both ends (RFC 5280
     * §4.1.2.5): a day is 86,400 seconds and anything beyond counts as
     * another day (TLS BRs §6.3.2). Before, it was "measured from the date
     * when the Certificate is issued until the Expiry Date" (TLS BRs 1.7.1
     * §1.6.1 kept that for certificates issued before 2020-09-01). */
    int inclusive = cg_prof_since(p, 20200901);
    int64_t period = c->not_after_t - c->not_before_t + inclusive;
    if (p->kind == CG_PROF_ROOT) {
        const cg_field at = {"milestone", CG_FIELD_STRING, "2023-09-15", 0};
        if (cg_prof_since(p, 20230915) && period > INT64_C(9132) * 86400)
            cg_report_fields(
                ctx, CG_R_CERT_VALIDITY_TOO_LONG, p->obj, &at, 1,
                "a root CA certificate issued from 2023-09-15 may be valid at most 9132 "
                "days; this one is valid %lld days and %lld seconds",
                (long long)(period / 86400), (long long)(period % 86400));
        return;
    }
    if (p->kind != CG_PROF_SUBSCRIBER)
        return;
    /* should: the SHOULD NOT of §6.3.2 (0: none) */
    static const struct {
        uint32_t from;
        int days, months, should;
    } limits[] = {
        {20290315, 47, 0, 46}, {20270315, 100, 0, 99}, {20260315, 200, 0, 199},
        {20200901, 398, 0, 397}, {20180302, 825, 0, 0}, {20160701, 0, 39, 0},
        {20120701, 0, 60, 0},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        if (!cg_prof_since(p, limits[i].from))
            continue;
        char since[16]; /* formatted only for a finding: most certificates have none */
        int too_long =
            limits[i].days > 0
                ? period > (int64_t)limits[i].days * 86400
                : c->not_after_t + inclusive > add_months(c->not_before_t, limits[i].months);
        int over_should = limits[i].should > 0 && period > (int64_t)limits[i].should * 86400;
        if (!too_long && !over_should)
            return;
        cg_rule_date_format(limits[i].from, since, sizeof(since));
        /* the milestone of the schedule the period is judged by */
        const cg_field at = {"milestone", CG_FIELD_STRING, since, 0};
        if (too_long && limits[i].days > 0)
            cg_report_fields(ctx, CG_R_CERT_VALIDITY_TOO_LONG, p->obj, &at, 1,
                             "validity period is %lld days and %lld seconds; a subscriber "
                             "certificate issued from %s may be valid at most %d days",
                             (long long)(period / 86400), (long long)(period % 86400), since,
                             limits[i].days);
        else if (too_long)
            cg_report_fields(ctx, CG_R_CERT_VALIDITY_TOO_LONG, p->obj, &at, 1,
                             "validity period is %lld days; a subscriber certificate issued "
                             "from %s may be valid at most %d months",
                             (long long)(period / 86400), since, limits[i].months);
        else
            cg_report_fields(
                ctx, CG_R_CERT_VALIDITY_NEAR_LIMIT, p->obj, &at, 1,
                "validity period is %lld days and %lld seconds; a subscriber certificate "
                "issued from %s should be valid at most %d days (%d is the maximum, "
                "kept only with no second to spare)",
                (long long)(period / 86400), (long long)(period % 86400), since, limits[i].should,
                limits[i].days);
        return;
    }
}

static void check_times(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    const struct {
        const char *name;
        unsigned flags;
        int64_t t;
    } times[] = {{"notBefore", c->not_before_flags, c->not_before_t},
                 {"notAfter", c->not_after_flags, c->not_after_t}};
    for (size_t i = 0; i < 2; i++) {
        unsigned f = times[i].flags;
        const char *what =
            (f & CG_TIME_NO_SECONDS) ? "has no seconds"
            : (f & CG_TIME_NOT_ZULU) ? "is not in UTC (Z)"
            : (f & CG_TIME_FRACTION) ? "has fractional seconds"
            : (f & CG_TIME_GEN_BEFORE_2050)
                ? "is a GeneralizedTime for a year before 2050 (UTCTime is required)"
                : NULL;
        if (what != NULL)
            cg_report(ctx, CG_R_CERT_TIME_ENCODING, p->obj,
                      "%s %s; RFC 5280 requires YYMMDDHHMMSSZ (UTCTime) through 2049 and "
                      "YYYYMMDDHHMMSSZ (GeneralizedTime) from 2050",
                      times[i].name, what);
    }
}

static void check_fields(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    if (c->issuer_uid.len > 0 || c->subject_uid.len > 0)
        cg_report(ctx, CG_R_CERT_UNIQUE_ID_PRESENT, p->obj,
                  "the TBSCertificate carries %s; conforming CAs must not generate unique "
                  "identifiers",
                  c->issuer_uid.len > 0 && c->subject_uid.len > 0 ? "issuerUniqueID and "
                                                                    "subjectUniqueID"
                  : c->issuer_uid.len > 0                         ? "issuerUniqueID"
                                                                  : "subjectUniqueID");
    /* A bare TBSCertificate is wrapped with its own algorithm: nothing to
     * compare there, and the wrapper never differs. */
    if (!cg_cbs_equal(&c->tbs_sig_alg, &c->sig_alg))
        cg_report(ctx, CG_R_CERT_SIGNATURE_ALGORITHM_MISMATCH, p->obj,
                  "the outer signatureAlgorithm (%zu bytes) is not byte-identical to "
                  "tbsCertificate.signature (%zu bytes)",
                  c->sig_alg.len, c->tbs_sig_alg.len);
    /* An empty extensions SEQUENCE: reported by the engine, with or without
     * the profile (cert.extensions_empty). */
    if (c->issuer.len == 2)
        cg_report(ctx, CG_R_CERT_NAME_EMPTY, p->obj,
                  "the issuer Name is empty; it must name the issuing CA");
    if (p->subject_empty && p->kind != CG_PROF_SUBSCRIBER)
        cg_report(ctx, CG_R_CERT_NAME_EMPTY, p->obj,
                  "the subject Name of a %s is empty; a CA's subject must be populated",
                  cg_prof_kind_name(p));
}

/* An extension twice (RFC 5280 §4.2). The poison and SCT list extensions
 * have their own rules. */
static void check_duplicates(cg_ctx *ctx, const cg_profile *p)
{
    const cg_cert *c = p->cert;
    /* The common case first: every id-ce OID below 64, AIA, the SCT list
     * and the poison once (ext_indexes) and no other extension (n_other),
     * or the others distinct; only then is there nothing to say. */
    int maybe = p->ce_repeated;
    for (size_t i = 0; i < c->n_ext && !maybe && p->n_other > 0; i++) {
        if (p->ce[i] >= 0 && p->ce[i] < 64)
            continue;
        /* two OIDs that are the same have the same p->ce: only those are
         * compared */
        for (size_t j = 0; j < i && !maybe; j++)
            maybe = p->ce[j] == p->ce[i] && cg_cbs_equal(&c->ext[j].oid, &c->ext[i].oid);
    }
    if (!maybe)
        return;
    for (size_t i = 1; i < c->n_ext; i++) {
        const cg_cbs *oid = &c->ext[i].oid;
        if (cg_oid_equal(oid, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON)) ||
            cg_oid_equal(oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST)))
            continue;
        size_t first = i;
        for (size_t j = 0; j < i && first == i; j++) {
            if (cg_cbs_equal(&c->ext[j].oid, oid))
                first = j;
        }
        if (first == i)
            continue;
        /* Report each OID once, at its second occurrence. */
        int earlier_dup = 0;
        for (size_t j = first + 1; j < i && !earlier_dup; j++)
            earlier_dup = cg_cbs_equal(&c->ext[j].oid, oid);
        if (earlier_dup)
            continue;
        char name[96];
        cg_oid_to_string(oid, name, sizeof(name));
        cg_report(ctx, CG_R_CERT_EXTENSION_DUPLICATE, p->obj,
                  "extension %s appears at positions %zu and %zu; an extension may appear once",
                  name, first + 1, i + 1);
    }
}

/* The extensions whose value is a SEQUENCE SIZE (1..MAX) OF and that no
 * family reads (subjectAltName, certificatePolicies, AIA, CRL distribution
 * points and extKeyUsage have their own rules): RFC 5280 §4.2.1.5, §4.2.1.7,
 * §4.2.1.8, §4.2.1.15, §4.2.2.2; an empty SEQUENCE is no value (TLS BRs
 * §7.1.2.11.5: DER encoded according to the extension's ASN.1 module). */
static void check_empty_values(cg_ctx *ctx, const cg_profile *p)
{
    static const struct {
        cg_prof_oid id;
        const char *name;
    } seq_of[] = {
        {{{0x55, 0x1d, 0x09}, 3}, "subjectDirectoryAttributes"},
        {{{0x55, 0x1d, 0x12}, 3}, "issuerAltName"},
        {{{0x55, 0x1d, 0x21}, 3}, "policyMappings"},
        {{{0x55, 0x1d, 0x2e}, 3}, "freshestCRL"},
        {{{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b}, 8}, "subjectInfoAccess"},
    };
    const cg_cert *c = p->cert;
    static _Atomic uint64_t table_set;
    uint64_t ce =
        cg_prof_table_set(&table_set, seq_of, sizeof(seq_of) / sizeof(seq_of[0]), sizeof(seq_of[0]));
    if (cg_prof_table_skip(p, ce))
        return;
    for (size_t i = 0; i < c->n_ext; i++) {
        if (cg_prof_ce_skip(p, i, ce))
            continue;
        for (size_t k = 0; k < sizeof(seq_of) / sizeof(seq_of[0]); k++) {
            cg_cbs v = c->ext[i].value, seq;
            if (!cg_prof_ext_is(p, i, seq_of[k].id.oid, seq_of[k].id.len))
                continue;
            if (cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) && v.len == 0 && seq.len == 0)
                cg_report(ctx, CG_R_CERT_EXTENSION_VALUE_EMPTY, p->obj,
                          "%s at position %zu is an empty SEQUENCE; its ASN.1 requires at least "
                          "one element (SIZE (1..MAX))",
                          seq_of[k].name, i + 1);
        }
    }
}

void cg_check_cert_profile(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert)
{
    cg_profile p;
    decode(&p, obj, cert);
    check_version(ctx, &p);
    check_serial(ctx, &p);
    check_validity(ctx, &p);
    check_times(ctx, &p);
    check_fields(ctx, &p);
    check_duplicates(ctx, &p);
    check_empty_values(ctx, &p);
    cg_prof_check_exts(ctx, &p);
    cg_prof_check_names(ctx, &p);
    cg_prof_check_keys(ctx, &p);
}
