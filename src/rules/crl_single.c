/* Single-CRL rules: every CRL check of RULES.md that needs only the CRL
 * itself, not its issuing CA and not an earlier CRL.
 *
 * revokedCertificates is streamed once. A CRL of a million entries costs one
 * allocation (the duplicate-serial table, about a third of the list's size)
 * and no formatting unless a finding is reported. Each per-entry rule reports
 * its first ENTRY_REPORT_MAX entries one by one and then one summary, so a
 * problem shared by every entry stays readable.
 *
 * Entries are numbered from 1, in list order; offsets count from the first
 * byte of the CRL's DER, as `openssl asn1parse` shows them. */
#include "rules/cert_profile.h"
#include "rules/crl_util.h"
#include "rules/rules.h"
#include "util/errf.h"
#include "util/hex.h"
#include "x509/oid.h"
#include "x509/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_REPORT_MAX 10

#define DAY ((int64_t)86400)
/* TLS BRs §4.9.7; RULES.md counts the CA limit as 365 days. */
#define SUBSCRIBER_CRL_MAX_SPAN (10 * DAY)
#define CA_CRL_MAX_SPAN (365 * DAY)
/* RFC 5280 §5.2.3; the TLS BRs' "less than 2^159" is the same bound. */
#define CRL_NUMBER_MAX_OCTETS 20

/* Longest serial, URI or value quoted in a message, in octets. */
#define SERIAL_QUOTE_MAX 32
#define URI_QUOTE_MAX 120
#define HEX_QUOTE_MAX 24

/* Duplicate extensions are looked for among an entry's first this many. */
#define ENTRY_EXT_MAX 16

static const uint8_t OID_ISSUER_ALT_NAME[] = {0x55, 0x1d, 0x12};
static const uint8_t OID_EXPIRED_CERTS_ON_CRL[] = {0x55, 0x1d, 0x3c};

typedef struct oid_name {
    const uint8_t *oid;
    size_t len;
    const char *name;
} oid_name;

static const oid_name ext_names[] = {
    {CG_OID_AKI, sizeof(CG_OID_AKI), "authorityKeyIdentifier"},
    {CG_OID_CRL_NUMBER, sizeof(CG_OID_CRL_NUMBER), "cRLNumber"},
    {CG_OID_IDP, sizeof(CG_OID_IDP), "issuingDistributionPoint"},
    {CG_OID_DELTA_CRL_INDICATOR, sizeof(CG_OID_DELTA_CRL_INDICATOR), "deltaCRLIndicator"},
    {CG_OID_FRESHEST_CRL, sizeof(CG_OID_FRESHEST_CRL), "freshestCRL"},
    {CG_OID_AIA, sizeof(CG_OID_AIA), "authorityInfoAccess"},
    {OID_ISSUER_ALT_NAME, sizeof(OID_ISSUER_ALT_NAME), "issuerAltName"},
    {OID_EXPIRED_CERTS_ON_CRL, sizeof(OID_EXPIRED_CERTS_ON_CRL), "expiredCertsOnCRL"},
    {CG_OID_REASON_CODE, sizeof(CG_OID_REASON_CODE), "reasonCode"},
    {CG_OID_INVALIDITY_DATE, sizeof(CG_OID_INVALIDITY_DATE), "invalidityDate"},
    {CG_OID_CERTIFICATE_ISSUER, sizeof(CG_OID_CERTIFICATE_ISSUER), "certificateIssuer"},
};

/* ReasonFlags (onlySomeReasons) by bit number. */
static const char *const reason_flag_names[] = {
    "unused",       "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",   "cessationOfOperation", "certificateHold", "privilegeWithdrawn",
    "aACompromise",
};

/* GeneralName CHOICE alternatives by tag number (RFC 5280 §4.2.1.6). */
static const char *const general_name_types[] = {
    "otherName",
    "rfc822Name",
    "dNSName",
    "x400Address",
    "directoryName",
    "ediPartyName",
    "uniformResourceIdentifier",
    "iPAddress",
    "registeredID",
};

typedef struct crl_run {
    cg_ctx *ctx;
    const cg_objref *obj;
    const cg_crl *crl;
    int ca_scope;
    size_t entry_no; /* the entry being checked, from 1 */
    const cg_crl_entry *entry;
    size_t seen[CG_RULE_COUNT]; /* entries with a finding, by rule */
    size_t last[CG_RULE_COUNT]; /* entry_no of the last one counted */
} crl_run;

/* --- formatting, only ever called for a finding that is reported --- */

static void ext_name(const cg_cbs *oid, char *buf, size_t cap)
{
    char dotted[96];
    cg_oid_to_string(oid, dotted, sizeof(dotted));
    for (size_t i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++) {
        if (cg_oid_equal(oid, ext_names[i].oid, ext_names[i].len)) {
            snprintf(buf, cap, "%s (%s)", ext_names[i].name, dotted);
            return;
        }
    }
    snprintf(buf, cap, "%s", dotted);
}

static void hex_quote(const cg_cbs *v, char *buf, size_t cap)
{
    if (v->len == 0)
        snprintf(buf, cap, "(empty)");
    else
        cg_hex_quote(v->data, v->len, HEX_QUOTE_MAX, 0, buf, cap);
}

static void serial_text(const cg_cbs *serial, char *buf, size_t cap)
{
    cg_cbs head = *serial;
    if (head.len > SERIAL_QUOTE_MAX)
        head.len = SERIAL_QUOTE_MAX;
    cg_serial_hex(&head, buf, cap);
    if (serial->len > SERIAL_QUOTE_MAX && strlen(buf) + 4 <= cap)
        strcat(buf, "...");
}

/* Printable ASCII only: a URI in a message must not carry control bytes. */
static void text_quote(const cg_cbs *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v->len && i < URI_QUOTE_MAX && n + 1 < cap; i++) {
        uint8_t c = v->data[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[n] = '\0';
    if (v->len > URI_QUOTE_MAX && n + 4 <= cap)
        strcat(buf, "...");
}

/* "1,000,000" */
static void count_text(size_t v, char *buf, size_t cap)
{
    char digits[32];
    size_t nd = (size_t)snprintf(digits, sizeof(digits), "%zu", v), n = 0;
    for (size_t i = 0; i < nd && n + 2 < cap; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[n++] = ',';
        buf[n++] = digits[i];
    }
    buf[n] = '\0';
}

/* "12 days 3 hours", "1 second": the non-zero units of a non-negative span. */
static void span_text(int64_t s, char *buf, size_t cap)
{
    static const struct {
        int64_t secs;
        const char *unit;
    } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
    size_t n = 0;
    buf[0] = '\0';
    if (s <= 0) {
        snprintf(buf, cap, "0 seconds");
        return;
    }
    for (size_t i = 0; i < 4; i++) {
        int64_t q = s / units[i].secs;
        s %= units[i].secs;
        if (q == 0)
            continue;
        int w = snprintf(buf + n, cap - n, "%s%lld %s%s", n > 0 ? " " : "", (long long)q,
                         units[i].unit, q == 1 ? "" : "s");
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
}

/* "UTCTime 2207151643Z": the type and the characters as encoded. The time
 * parser accepted them, so they are digits, '.', ',', 'Z', '+' or '-'. */
static void time_text(const cg_cbs *elem, char *buf, size_t cap)
{
    cg_cbs in = *elem, all;
    uint8_t tag = 0;
    size_t hdr = 0;
    if (!cg_cbs_get_any_asn1_element(&in, &all, &tag, &hdr)) {
        snprintf(buf, cap, "(unreadable time)");
        return;
    }
    snprintf(buf, cap, "%s %.*s", tag == CG_ASN1_UTCTIME ? "UTCTime" : "GeneralizedTime",
             (int)(all.len - hdr > 32 ? 32 : all.len - hdr), (const char *)all.data + hdr);
}

/* What RFC 5280 §4.1.2.5 / §5.1.2.4 find wrong with a time, "" if nothing. */
static void time_problems(unsigned flags, char *buf, size_t cap)
{
    static const struct {
        unsigned flag;
        const char *text;
    } problems[] = {
        {CG_TIME_GEN_BEFORE_2050, "a date before 2050 must be encoded as UTCTime"},
        {CG_TIME_NO_SECONDS, "seconds must be present"},
        {CG_TIME_FRACTION, "fractional seconds are not allowed"},
        {CG_TIME_NOT_ZULU, "it must be in UTC and end in Z"},
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(problems) / sizeof(problems[0]); i++) {
        if (!(flags & problems[i].flag))
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? "; " : "", problems[i].text);
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
}

/* --- per-entry reporting with the cap --- */

/* Counts an entry under rule (once per entry) and says whether to report it
 * one by one. Cheap: it runs for every problem of every entry. */
static int entry_hit(crl_run *run, cg_rule_id rule)
{
    if (run->last[rule] == run->entry_no)
        return 0;
    run->last[rule] = run->entry_no;
    return ++run->seen[rule] <= ENTRY_REPORT_MAX;
}

static void entry_emit(crl_run *run, cg_rule_id rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void entry_emit(crl_run *run, cg_rule_id rule, const char *fmt, ...)
{
    char serial[2 * SERIAL_QUOTE_MAX + 4], msg[768];
    serial_text(&run->entry->serial, serial, sizeof(serial));
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    cg_report(run->ctx, rule, run->obj, "entry %zu (serial %s): %s", run->entry_no, serial, msg);
}

static void entry_summaries(crl_run *run)
{
    char more[32], all[32];
    for (size_t r = 0; r < CG_RULE_COUNT; r++) {
        if (run->seen[r] <= ENTRY_REPORT_MAX)
            continue;
        count_text(run->seen[r] - ENTRY_REPORT_MAX, more, sizeof(more));
        count_text(run->seen[r], all, sizeof(all));
        cg_report(run->ctx, (cg_rule_id)r, run->obj,
                  "... and %s more entries with this problem (%s in all; only the first %d "
                  "are reported one by one)",
                  more, all, ENTRY_REPORT_MAX);
    }
}

/* --- issuingDistributionPoint --- */

static void reason_flags_text(const cg_cbs *flags, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t bit = 0; bit + 8 < 8 * flags->len; bit++) {
        if (!(flags->data[1 + bit / 8] & (0x80 >> (bit % 8))))
            continue;
        char other[32];
        const char *name = other;
        if (bit < sizeof(reason_flag_names) / sizeof(reason_flag_names[0]))
            name = reason_flag_names[bit];
        else
            snprintf(other, sizeof(other), "bit %zu", bit);
        int w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", name);
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, cap, "no reason");
}

static void check_idp_names(crl_run *run, const cg_crl_idp *idp)
{
    cg_cbs names = idp->full_name, gn;
    uint8_t tag;
    size_t hdr, count = 0;
    char quoted[URI_QUOTE_MAX + 8];
    while (names.len > 0) {
        if (!cg_cbs_get_any_asn1_element(&names, &gn, &tag, &hdr)) {
            cg_report(run->ctx, CG_R_CRL_EXTENSION_MALFORMED, run->obj,
                      "issuingDistributionPoint fullName: expected a GeneralName element "
                      "after %zu name(s)",
                      count);
            return;
        }
        count++;
        cg_cbs_skip(&gn, hdr);
        unsigned num = tag & 0x1f;
        if (tag != CG_ASN1_CTX(6)) {
            cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                      "issuingDistributionPoint fullName name %zu is a %s, not a "
                      "uniformResourceIdentifier; only http URLs may appear there (TLS BRs "
                      "§7.2.2.1)",
                      count,
                      num < sizeof(general_name_types) / sizeof(general_name_types[0])
                          ? general_name_types[num]
                          : "GeneralName of unknown type");
            continue;
        }
        size_t colon = 0;
        while (colon < gn.len && gn.data[colon] != ':')
            colon++;
        if (colon == 4 && (gn.data[0] | 0x20) == 'h' && (gn.data[1] | 0x20) == 't' &&
            (gn.data[2] | 0x20) == 't' && (gn.data[3] | 0x20) == 'p')
            continue;
        text_quote(&gn, quoted, sizeof(quoted));
        if (colon == gn.len) {
            cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                      "issuingDistributionPoint fullName URI \"%s\" has no scheme; it must be "
                      "the http:// URL the CRL is published at (TLS BRs §7.2.2.1)",
                      quoted);
            continue;
        }
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint fullName URI \"%s\" uses scheme \"%.*s\"; only "
                  "http URLs are allowed (https neither): the IDP repeats the certificates' "
                  "CRL distribution point URLs byte for byte, and those must be http (TLS BRs "
                  "§7.2.2.1, §7.1.2.11.2)",
                  quoted, (int)(colon > 16 ? 16 : colon), quoted);
    }
    if (count == 0)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint fullName holds no name; it must list the http URL "
                  "the CRL is published at (TLS BRs §7.2.2.1)");
}

static void check_idp(crl_run *run)
{
    const cg_ext *ext = cg_crl_find_ext(run->crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    cg_crl_idp idp;
    const char *what;
    char text[256];

    if (ext == NULL) {
        cg_report(run->ctx, CG_R_CRL_IDP_MISSING, run->obj,
                  "no issuingDistributionPoint: fine for a full and complete CRL, but a "
                  "partitioned (sharded) CRL must carry one naming its URL (TLS BRs "
                  "§7.2.2.1, Mozilla RSP §6.1.2)");
        return;
    }
    if (!ext->critical)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint is not marked critical; RFC 5280 §5.2.5 and the "
                  "TLS BRs §7.2.2 require it critical so that relying parties which cannot "
                  "process it reject the CRL instead of misreading its scope");
    if (!cg_crl_idp_decode(&ext->value, &idp, &what)) {
        hex_quote(&ext->value, text, sizeof(text));
        cg_report(run->ctx, CG_R_CRL_EXTENSION_MALFORMED, run->obj,
                  "issuingDistributionPoint does not decode: expected %s (extnValue %s)", what,
                  text);
        return;
    }
    if (idp.explicit_default)
        cg_report(run->ctx, CG_R_DER_NONCANONICAL, run->obj,
                  "issuingDistributionPoint encodes a BOOLEAN field as FALSE; DER omits a "
                  "field equal to its DEFAULT (X.690 §11.5)");
    /* BR §7.2.2.1 wants distributionPoint in every partitioned CRL. A CRL
     * scoped to CA certificates alone (a root's, which issues nothing else)
     * is accepted without one: it covers all the issuer's certificates of
     * its kind, and such CRLs are commonly published this way. */
    if (!idp.has_dp && !(idp.only_ca && !idp.only_user))
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint has no distributionPoint; a partitioned CRL must "
                  "name the http URL it is published at in distributionPoint.fullName (TLS "
                  "BRs §7.2.2.1)");
    if (idp.has_dp && !idp.has_full_name)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint's distributionPoint %s; the TLS BRs §7.2.2.1 "
                  "require a fullName holding the CRL's http URL",
                  idp.has_relative_name ? "uses nameRelativeToCRLIssuer, not fullName"
                                        : "is empty, with no fullName");
    if (idp.has_full_name)
        check_idp_names(run, &idp);
    if (idp.only_user && idp.only_ca)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint asserts both onlyContainsUserCerts and "
                  "onlyContainsCACerts, so the CRL's scope is empty (RFC 5280 §5.2.5, TLS "
                  "BRs §7.2.2.1)");
    if (idp.indirect)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint asserts indirectCRL; TLS CRLs must list only "
                  "certificates of their own issuer (TLS BRs §7.2.2.1)");
    if (idp.only_attr)
        cg_report(run->ctx, CG_R_CRL_IDP_INVALID, run->obj,
                  "issuingDistributionPoint asserts onlyContainsAttributeCerts; it must not "
                  "be set (TLS BRs §7.2.2.1)");
    if (idp.has_some_reasons) {
        if (idp.some_reasons_bad) {
            hex_quote(&idp.some_reasons, text, sizeof(text));
            cg_report(run->ctx, CG_R_CRL_EXTENSION_MALFORMED, run->obj,
                      "issuingDistributionPoint onlySomeReasons is not a ReasonFlags BIT "
                      "STRING ([3] IMPLICIT, primitive; contents %s)",
                      text);
            snprintf(text, sizeof(text), "unreadable reasons");
        } else {
            reason_flags_text(&idp.some_reasons, text, sizeof(text));
        }
        cg_report(run->ctx, CG_R_CRL_IDP_ONLY_SOME_REASONS, run->obj,
                  "issuingDistributionPoint limits this CRL to some reasons (onlySomeReasons: "
                  "%s); the TLS BRs §7.2.2.1 say it SHOULD NOT, and the CA MUST then also "
                  "publish a CRL covering revocations for every reason",
                  text);
    }
}

/* --- CRL-level fields and extensions --- */

static void check_version(crl_run *run)
{
    const cg_crl *crl = run->crl;
    if (!crl->has_version)
        cg_report(run->ctx, CG_R_CRL_VERSION_NOT_V2, run->obj,
                  "version is absent, which makes this a v1 CRL; TLS CRLs must be v2 "
                  "(version INTEGER 1) (TLS BRs §7.2)");
    else if (crl->version_num != 1)
        cg_report(run->ctx, CG_R_CRL_VERSION_NOT_V2, run->obj,
                  "version is %llu; a v2 CRL carries version INTEGER 1 (TLS BRs §7.2, RFC "
                  "5280 §5.1.2.1)",
                  (unsigned long long)crl->version_num);
}

static void check_issuer(crl_run *run)
{
    cg_cbs name = run->crl->issuer, rdns;
    if (cg_cbs_get_asn1(&name, &rdns, CG_ASN1_SEQUENCE) && rdns.len == 0)
        cg_report(run->ctx, CG_R_CRL_ISSUER_EMPTY, run->obj,
                  "issuer Name is empty; a CRL must name the CA that issued it, exactly as "
                  "that CA's subject (RFC 5280 §5.1.2.3)");
}

static const struct {
    const char *dotted;
    const char *name;
} sig_alg_names[] = {
    {"1.2.840.10045.4.3.2", "ecdsa-with-SHA256"},
    {"1.2.840.10045.4.3.3", "ecdsa-with-SHA384"},
    {"1.2.840.10045.4.3.4", "ecdsa-with-SHA512"},
    {"1.2.840.113549.1.1.5", "sha1WithRSAEncryption"},
    {"1.2.840.113549.1.1.10", "RSASSA-PSS"},
    {"1.2.840.113549.1.1.11", "sha256WithRSAEncryption"},
    {"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"},
    {"1.2.840.113549.1.1.13", "sha512WithRSAEncryption"},
    {"1.3.101.112", "Ed25519"},
};

static void alg_text(const cg_cbs *alg_id, char *buf, size_t cap)
{
    cg_cbs in = *alg_id, seq, oid;
    char dotted[96];
    if (!cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&seq, &oid, CG_ASN1_OBJECT)) {
        snprintf(buf, cap, "(no algorithm OID)");
        return;
    }
    cg_oid_to_string(&oid, dotted, sizeof(dotted));
    for (size_t i = 0; i < sizeof(sig_alg_names) / sizeof(sig_alg_names[0]); i++) {
        if (strcmp(dotted, sig_alg_names[i].dotted) == 0) {
            snprintf(buf, cap, "%s (%s)", sig_alg_names[i].name, dotted);
            return;
        }
    }
    snprintf(buf, cap, "%s", dotted);
}

static void check_sig_alg(crl_run *run)
{
    const cg_crl *crl = run->crl;
    char outer[128], inner[128], outer_hex[64], inner_hex[64];
    /* The encodings of TLS BRs §7.1.3.2 (shared with the certificate
     * profile); SHA-1 may still sign some CA CRLs until 2026-09-15. */
    if (run->ctx->br_profile &&
        !cg_sig_alg_report(run->ctx, CG_R_CRL_ALGORITHM_INVALID, run->obj,
                           "the signature AlgorithmIdentifier (tbsCertList.signature)",
                           &crl->tbs_sig_alg, crl->this_update_t, 1) &&
        !cg_cbs_equal(&crl->sig_alg, &crl->tbs_sig_alg))
        cg_sig_alg_report(run->ctx, CG_R_CRL_ALGORITHM_INVALID, run->obj,
                          "the outer signatureAlgorithm", &crl->sig_alg, crl->this_update_t, 1);
    if (cg_cbs_equal(&crl->sig_alg, &crl->tbs_sig_alg))
        return;
    alg_text(&crl->sig_alg, outer, sizeof(outer));
    alg_text(&crl->tbs_sig_alg, inner, sizeof(inner));
    if (strcmp(outer, inner) != 0) {
        cg_report(run->ctx, CG_R_CRL_SIGNATURE_ALGORITHM_MISMATCH, run->obj,
                  "outer signatureAlgorithm is %s but tbsCertList.signature is %s; the two "
                  "must be byte-identical (TLS BRs §7.2, RFC 5280 §5.1.1.2)",
                  outer, inner);
        return;
    }
    hex_quote(&crl->sig_alg, outer_hex, sizeof(outer_hex));
    hex_quote(&crl->tbs_sig_alg, inner_hex, sizeof(inner_hex));
    cg_report(run->ctx, CG_R_CRL_SIGNATURE_ALGORITHM_MISMATCH, run->obj,
              "outer signatureAlgorithm and tbsCertList.signature both name %s but are "
              "encoded differently (%s vs %s); they must be byte-identical (TLS BRs §7.2)",
              outer, outer_hex, inner_hex);
}

/* The AKI's fields are told apart by tag number. An authorityCertIssuer
 * tagged primitive (some encoders get GeneralNames' IMPLICIT tag wrong) is
 * still recognized, so the finding names the real problem: it is there. */
static void check_aki(crl_run *run)
{
    size_t hdr;
    const cg_ext *ext = cg_crl_find_ext(run->crl, CG_OID_AKI, sizeof(CG_OID_AKI), NULL);
    cg_cbs in, seq, field, keyid = {NULL, 0};
    int has_keyid = 0, has_issuer = 0, has_serial = 0, issuer_primitive = 0;
    unsigned next = 0;
    uint8_t tag;
    char text[128];

    if (ext == NULL) {
        cg_report(run->ctx, CG_R_CRL_AKI_MISSING, run->obj,
                  "no authorityKeyIdentifier; RFC 5280 §5.2.1 and the TLS BRs §7.2.2 require "
                  "it so relying parties can tell which CA key signed the CRL");
        return;
    }
    if (ext->critical)
        cg_report(run->ctx, CG_R_CRL_AKI_CRITICAL, run->obj,
                  "authorityKeyIdentifier is marked critical; it must not be (RFC 5280 §5.2.1, "
                  "TLS BRs §7.2.2)");
    in = ext->value;
    int ok = cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) && in.len == 0;
    while (ok && seq.len > 0) {
        ok = cg_cbs_get_any_asn1_element(&seq, &field, &tag, &hdr) &&
             (tag & 0xc0) == CG_ASN1_CONTEXT && (tag & 0x1f) <= 2 && (tag & 0x1f) >= next;
        if (!ok)
            break;
        next = (tag & 0x1f) + 1u;
        cg_cbs_skip(&field, hdr);
        if ((tag & 0x1f) == 0) {
            ok = tag == CG_ASN1_CTX(0);
            has_keyid = 1;
            keyid = field;
        } else if ((tag & 0x1f) == 1) {
            has_issuer = 1;
            issuer_primitive = tag == CG_ASN1_CTX(1);
        } else {
            ok = tag == CG_ASN1_CTX(2);
            has_serial = 1;
        }
    }
    if (!ok) {
        hex_quote(&ext->value, text, sizeof(text));
        cg_report(run->ctx, CG_R_CRL_EXTENSION_MALFORMED, run->obj,
                  "authorityKeyIdentifier does not decode: expected SEQUENCE { "
                  "keyIdentifier [0] OPTIONAL, authorityCertIssuer [1] OPTIONAL, "
                  "authorityCertSerialNumber [2] OPTIONAL } (extnValue %s)",
                  text);
        return;
    }
    if (has_issuer || has_serial) {
        cg_report(run->ctx, CG_R_CRL_AKI_NOT_KEYID, run->obj,
                  "authorityKeyIdentifier carries %s%s; the TLS BRs §7.2.2 (§7.1.2.11.1) "
                  "allow keyIdentifier only%s",
                  has_issuer && has_serial ? "authorityCertIssuer and authorityCertSerialNumber"
                  : has_issuer             ? "authorityCertIssuer"
                                           : "authorityCertSerialNumber",
                  has_keyid ? "" : " and no keyIdentifier",
                  issuer_primitive ? " (and its authorityCertIssuer [1] is encoded primitive, "
                                     "though GeneralNames is a constructed SEQUENCE)"
                                   : "");
        return;
    }
    if (!has_keyid || keyid.len == 0)
        cg_report(run->ctx, CG_R_CRL_AKI_NOT_KEYID, run->obj,
                  "authorityKeyIdentifier has %s; it must hold the issuing CA's subject key "
                  "identifier (TLS BRs §7.1.2.11.1)",
                  has_keyid ? "an empty keyIdentifier" : "no keyIdentifier");
}

static void check_number(crl_run *run)
{
    const cg_ext *ext =
        cg_crl_find_ext(run->crl, CG_OID_CRL_NUMBER, sizeof(CG_OID_CRL_NUMBER), NULL);
    cg_cbs in, num;
    char text[128];

    if (ext == NULL) {
        cg_report(run->ctx, CG_R_CRL_NUMBER_MISSING, run->obj,
                  "no cRLNumber; RFC 5280 §5.2.3 and the TLS BRs §7.2.2 require a CRL number "
                  "that increases with every CRL of the same scope");
        return;
    }
    if (ext->critical)
        cg_report(run->ctx, CG_R_CRL_NUMBER_CRITICAL, run->obj,
                  "cRLNumber is marked critical; RFC 5280 §5.2.3 and the TLS BRs §7.2.2 "
                  "require it non-critical");
    in = ext->value;
    if (!cg_cbs_get_asn1(&in, &num, CG_ASN1_INTEGER) || in.len != 0 || num.len == 0) {
        hex_quote(&ext->value, text, sizeof(text));
        cg_report(run->ctx, CG_R_CRL_EXTENSION_MALFORMED, run->obj,
                  "cRLNumber does not decode: expected one INTEGER (extnValue %s)", text);
        return;
    }
    hex_quote(&num, text, sizeof(text));
    if (num.len > 1 && ((num.data[0] == 0x00 && !(num.data[1] & 0x80)) ||
                        (num.data[0] == 0xff && (num.data[1] & 0x80))))
        cg_report(run->ctx, CG_R_DER_NONCANONICAL, run->obj,
                  "cRLNumber INTEGER %s is not minimally encoded (X.690 §8.3.2)", text);
    if (num.data[0] & 0x80)
        cg_report(run->ctx, CG_R_CRL_NUMBER_OUT_OF_RANGE, run->obj,
                  "cRLNumber is negative (INTEGER %s); it must be a non-negative integer "
                  "(RFC 5280 §5.2.3, TLS BRs §7.2.2)",
                  text);
    else if (num.len > CRL_NUMBER_MAX_OCTETS)
        cg_report(run->ctx, CG_R_CRL_NUMBER_OUT_OF_RANGE, run->obj,
                  "cRLNumber is %zu octets long (INTEGER %s); RFC 5280 §5.2.3 allows at most "
                  "%d octets, i.e. values below 2^159 (TLS BRs §7.2.2)",
                  num.len, text, CRL_NUMBER_MAX_OCTETS);
}

static void check_time_encoding(crl_run *run, const char *field, const cg_cbs *elem,
                                unsigned flags)
{
    char value[64], problems[192];
    if (flags == 0)
        return;
    time_text(elem, value, sizeof(value));
    time_problems(flags, problems, sizeof(problems));
    cg_report(run->ctx, CG_R_CRL_TIME_ENCODING, run->obj, "%s %s: %s (RFC 5280 §5.1.2.4)", field,
              value, problems);
}

static void check_times(crl_run *run)
{
    const cg_crl *crl = run->crl;
    char a[32], b[32], span[96];

    check_time_encoding(run, "thisUpdate", &crl->this_update, crl->this_update_flags);
    if (crl->this_update_t > run->ctx->at) {
        cg_time_format(crl->this_update_t, a, sizeof(a));
        cg_time_format(run->ctx->at, b, sizeof(b));
        span_text(crl->this_update_t - run->ctx->at, span, sizeof(span));
        cg_report(run->ctx, CG_R_CRL_THIS_UPDATE_FUTURE, run->obj,
                  "thisUpdate %s is %s after the evaluation time %s; a CRL cannot be issued "
                  "in the future (clock skew or a pre-generated CRL?)",
                  a, span, b);
    }
    if (!crl->has_next_update) {
        cg_report(run->ctx, CG_R_CRL_NEXT_UPDATE_MISSING, run->obj,
                  "no nextUpdate; the TLS BRs §7.2 require it, and without it relying parties "
                  "cannot tell when the CRL has gone stale");
        return;
    }
    check_time_encoding(run, "nextUpdate", &crl->next_update, crl->next_update_flags);

    int64_t validity = crl->next_update_t - crl->this_update_t;
    cg_time_format(crl->this_update_t, a, sizeof(a));
    cg_time_format(crl->next_update_t, b, sizeof(b));
    if (validity <= 0) {
        span_text(-validity, span, sizeof(span));
        cg_report(run->ctx, CG_R_CRL_VALIDITY_NEGATIVE, run->obj,
                  "nextUpdate %s is %s%s thisUpdate %s; it must be later (RFC 5280 §5.1.2.5)", b,
                  validity == 0 ? "" : span, validity == 0 ? "equal to" : " before", a);
    }
    /* Whether a CRL with no IDP scope is a root's needs the CA: when the
     * cross-object pass will look for it (ctx->crl_cross), it decides. */
    cg_crl_span cls = cg_crl_span_class(crl);
    if (cls == CG_CRL_SPAN_TOO_LONG || (cls == CG_CRL_SPAN_UNLESS_ROOT && !run->ctx->crl_cross))
        cg_crl_report_validity_too_long(
            run->ctx, run->obj, crl,
            run->ca_scope ? "a CRL scoped to CA certificates may span at most 365 days"
                          : "a subscriber CRL may span at most 10 days (365 days only for CRLs "
                            "scoped to CA certificates by IDP onlyContainsCACerts, or issued by "
                            "a root)");
    if (run->ctx->at > crl->next_update_t) {
        cg_time_format(run->ctx->at, a, sizeof(a));
        span_text(run->ctx->at - crl->next_update_t, span, sizeof(span));
        cg_report(run->ctx, CG_R_CRL_STALE, run->obj,
                  "CRL is stale: nextUpdate %s is before the evaluation time %s (by %s); a "
                  "newer CRL should have replaced it",
                  b, a, span);
    }
}

cg_crl_span cg_crl_span_class(const cg_crl *crl)
{
    const cg_ext *ext = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    cg_crl_idp idp;
    const char *what;
    int64_t validity = crl->next_update_t - crl->this_update_t;
    if (!crl->has_next_update || validity <= SUBSCRIBER_CRL_MAX_SPAN)
        return CG_CRL_SPAN_OK;
    if (validity > CA_CRL_MAX_SPAN)
        return CG_CRL_SPAN_TOO_LONG;
    if (ext == NULL || !cg_crl_idp_decode(&ext->value, &idp, &what) ||
        idp.only_user == idp.only_ca)
        return CG_CRL_SPAN_UNLESS_ROOT;
    return idp.only_ca ? CG_CRL_SPAN_OK : CG_CRL_SPAN_TOO_LONG;
}

void cg_crl_report_validity_too_long(cg_ctx *ctx, const cg_objref *obj, const cg_crl *crl,
                                     const char *why)
{
    char a[32], b[32], span[96];
    cg_time_format(crl->this_update_t, a, sizeof(a));
    cg_time_format(crl->next_update_t, b, sizeof(b));
    span_text(crl->next_update_t - crl->this_update_t, span, sizeof(span));
    cg_report(ctx, CG_R_CRL_VALIDITY_TOO_LONG, obj,
              "nextUpdate is %s after thisUpdate (%s to %s); %s (TLS BRs §4.9.7)", span, a, b,
              why);
}

static int is_expected_crl_ext(const cg_cbs *oid)
{
    return cg_oid_equal(oid, CG_OID_AKI, sizeof(CG_OID_AKI)) ||
           cg_oid_equal(oid, CG_OID_CRL_NUMBER, sizeof(CG_OID_CRL_NUMBER)) ||
           cg_oid_equal(oid, CG_OID_IDP, sizeof(CG_OID_IDP));
}

static void check_extensions(crl_run *run)
{
    const cg_crl *crl = run->crl;
    char name[128];
    for (size_t i = 0; i < crl->n_ext; i++) {
        const cg_ext *ext = &crl->ext[i];
        size_t n;
        /* Each OID is looked at once, at its first occurrence. */
        if (cg_crl_find_ext(crl, ext->oid.data, ext->oid.len, &n) != ext)
            continue;
        if (n > 1) {
            ext_name(&ext->oid, name, sizeof(name));
            cg_report(run->ctx, CG_R_CRL_DUPLICATE_EXTENSION, run->obj,
                      "extension %s appears %zu times; an extension may appear at most once "
                      "(RFC 5280 §4.2); only the first is checked",
                      name, n);
        }
        if (is_expected_crl_ext(&ext->oid))
            continue;
        ext_name(&ext->oid, name, sizeof(name));
        cg_report(
            run->ctx, CG_R_CRL_EXTENSION_DISCOURAGED, run->obj,
            "CRL extension %s%s is not recommended: TLS CRLs should carry only "
            "authorityKeyIdentifier, cRLNumber and issuingDistributionPoint (TLS BRs "
            "§7.2.2)%s",
            name, ext->critical ? ", marked critical," : "",
            cg_oid_equal(&ext->oid, CG_OID_DELTA_CRL_INDICATOR, sizeof(CG_OID_DELTA_CRL_INDICATOR))
                ? "; this is a delta CRL, and relying parties expect complete CRLs"
                : "");
    }
}

/* --- revokedCertificates --- */

static void check_reason(crl_run *run, const cg_ext *ext)
{
    unsigned code;
    const char *what;
    char value[64];
    if (ext->critical && entry_hit(run, CG_R_CRL_ENTRY_REASON_CRITICAL))
        entry_emit(run, CG_R_CRL_ENTRY_REASON_CRITICAL,
                   "reasonCode is marked critical; the TLS BRs §7.2.2 require it "
                   "non-critical");
    if (!cg_crl_reason_decode(&ext->value, &code, &what)) {
        if (entry_hit(run, CG_R_CRL_ENTRY_EXTENSION_MALFORMED)) {
            hex_quote(&ext->value, value, sizeof(value));
            entry_emit(run, CG_R_CRL_ENTRY_EXTENSION_MALFORMED,
                       "reasonCode does not decode: expected %s (extnValue %s)", what, value);
        }
        return;
    }
    /* TLS BRs §7.2.2 CRLReasons table; Mozilla RSP §6.1.1. */
    if (code == 1 || code == 3 || code == 4 || code == 5 || code == 9 ||
        (code == 2 && run->ca_scope))
        return;
    if (code == 0) {
        if (entry_hit(run, CG_R_CRL_ENTRY_REASON_UNSPECIFIED_PRESENT))
            entry_emit(run, CG_R_CRL_ENTRY_REASON_UNSPECIFIED_PRESENT,
                       "reasonCode unspecified (0) is present; an unspecified reason is "
                       "expressed by omitting the reasonCode extension (TLS BRs §7.2.2, "
                       "Mozilla RSP §6.1.1)");
        return;
    }
    if (!entry_hit(run, CG_R_CRL_ENTRY_REASON_NOT_ALLOWED))
        return;
    if (code == 2) {
        entry_emit(run, CG_R_CRL_ENTRY_REASON_NOT_ALLOWED,
                   "reasonCode cACompromise (2) is allowed only on a CRL scoped to CA "
                   "certificates (IDP onlyContainsCACerts); for a subscriber certificate use "
                   "keyCompromise, affiliationChanged, superseded, cessationOfOperation or "
                   "privilegeWithdrawn");
        return;
    }
    if (cg_crl_reason_name(code) != NULL)
        snprintf(value, sizeof(value), "%s (%u)", cg_crl_reason_name(code), code);
    else
        snprintf(value, sizeof(value), "%u, which is no CRLReason of RFC 5280,", code);
    entry_emit(run, CG_R_CRL_ENTRY_REASON_NOT_ALLOWED,
               "reasonCode %s is not allowed in TLS CRLs; use one of keyCompromise, "
               "affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn%s",
               value, run->ca_scope ? ", cACompromise" : "");
}

/* Returns 0 when an extension does not parse: the entry is malformed. */
static int check_entry_exts(crl_run *run)
{
    const cg_crl_entry *e = run->entry;
    cg_cbs iter = e->extensions, oids[ENTRY_EXT_MAX];
    size_t n_oids = 0, n_other = 0;
    cg_ext ext, first_other;
    char name[128];

    if (iter.len == 0 && entry_hit(run, CG_R_CRL_ENTRY_EXTENSION_MALFORMED))
        entry_emit(run, CG_R_CRL_ENTRY_EXTENSION_MALFORMED,
                   "crlEntryExtensions is present but empty; RFC 5280 defines it as SIZE "
                   "(1..MAX), so omit it instead");
    while (iter.len > 0) {
        size_t off = cg_cbs_offset(&iter, run->crl->der.data);
        if (!cg_ext_next(&iter, &ext)) {
            char serial[2 * SERIAL_QUOTE_MAX + 4];
            serial_text(&e->serial, serial, sizeof(serial));
            cg_report(run->ctx, CG_R_INPUT_MALFORMED, run->obj,
                      "revokedCertificates entry %zu (serial %s, byte offset %zu of the CRL) "
                      "does not parse: at offset %zu, expected an Extension SEQUENCE { OID, "
                      "BOOLEAN DEFAULT FALSE, OCTET STRING }; entries from here on were not "
                      "checked",
                      run->entry_no, serial, cg_cbs_offset(&e->raw, run->crl->der.data), off);
            return 0;
        }
        int dup = 0;
        for (size_t i = 0; i < n_oids && !dup; i++)
            dup = cg_cbs_equal(&oids[i], &ext.oid);
        if (dup) {
            if (entry_hit(run, CG_R_CRL_ENTRY_DUPLICATE_EXTENSION)) {
                ext_name(&ext.oid, name, sizeof(name));
                entry_emit(run, CG_R_CRL_ENTRY_DUPLICATE_EXTENSION,
                           "extension %s appears more than once; an extension may appear at "
                           "most once (RFC 5280 §4.2); only the first is checked",
                           name);
            }
            continue;
        }
        if (n_oids < ENTRY_EXT_MAX)
            oids[n_oids++] = ext.oid;
        if (cg_oid_equal(&ext.oid, CG_OID_REASON_CODE, sizeof(CG_OID_REASON_CODE))) {
            check_reason(run, &ext);
        } else if (cg_oid_equal(&ext.oid, CG_OID_CERTIFICATE_ISSUER,
                                sizeof(CG_OID_CERTIFICATE_ISSUER))) {
            if (entry_hit(run, CG_R_CRL_ENTRY_CERTIFICATE_ISSUER_PRESENT))
                entry_emit(run, CG_R_CRL_ENTRY_CERTIFICATE_ISSUER_PRESENT,
                           "carries a certificateIssuer extension, which makes this an "
                           "indirect CRL; a TLS CRL lists only its own issuer's certificates "
                           "(TLS BRs §7.2.2)");
        } else {
            if (n_other == 0)
                first_other = ext;
            n_other++;
        }
    }
    if (n_other > 0 && entry_hit(run, CG_R_CRL_ENTRY_EXTENSION_DISCOURAGED)) {
        ext_name(&first_other.oid, name, sizeof(name));
        entry_emit(run, CG_R_CRL_ENTRY_EXTENSION_DISCOURAGED,
                   "carries %s%s%s; the TLS BRs §7.2.2 recommend no entry extension other "
                   "than reasonCode",
                   name, first_other.critical ? " (critical)" : "",
                   n_other > 1 ? " and other extensions" : "");
    }
    return 1;
}

/* Returns 0 when the entry turns out to be malformed. */
static int check_entry(crl_run *run, cg_crl_serial_set *set)
{
    const cg_crl_entry *e = run->entry;
    const cg_crl *crl = run->crl;
    char value[64], problems[192], a[32], b[32], span[96];

    if (e->revocation_flags != 0 && entry_hit(run, CG_R_CRL_TIME_ENCODING)) {
        time_text(&e->revocation_date, value, sizeof(value));
        time_problems(e->revocation_flags, problems, sizeof(problems));
        entry_emit(run, CG_R_CRL_TIME_ENCODING, "revocationDate %s: %s (RFC 5280 §5.1.2.6)", value,
                   problems);
    }
    if (e->revocation_t > crl->this_update_t &&
        entry_hit(run, CG_R_CRL_ENTRY_REVOKED_AFTER_THIS_UPDATE)) {
        cg_time_format(e->revocation_t, a, sizeof(a));
        cg_time_format(crl->this_update_t, b, sizeof(b));
        span_text(e->revocation_t - crl->this_update_t, span, sizeof(span));
        entry_emit(run, CG_R_CRL_ENTRY_REVOKED_AFTER_THIS_UPDATE,
                   "revocationDate %s is %s after the CRL's thisUpdate %s; a CRL cannot "
                   "record a revocation that had not happened when it was issued",
                   a, span, b);
    }
    uint32_t earlier = cg_crl_serial_set_add(set, e);
    if (earlier != 0 && entry_hit(run, CG_R_CRL_ENTRY_DUPLICATE_SERIAL))
        entry_emit(run, CG_R_CRL_ENTRY_DUPLICATE_SERIAL,
                   "serial already listed by the entry at byte offset %u; each revoked "
                   "certificate must be listed once (RFC 5280 §5.1.2.6)",
                   (unsigned)earlier);
    if (e->has_extensions)
        return check_entry_exts(run);
    return 1;
}

static void check_entries(crl_run *run)
{
    const cg_crl *crl = run->crl;
    cg_cbs iter = crl->revoked;
    cg_crl_entry entry;
    cg_der_error err;
    cg_crl_serial_set set;

    if (crl->has_revoked && crl->revoked.len == 0) {
        cg_report(run->ctx, CG_R_CRL_REVOKED_LIST_EMPTY, run->obj,
                  "revokedCertificates is present but empty; when no certificate is revoked "
                  "the field must be omitted (RFC 5280 §5.1.2.6)");
        return;
    }
    cg_crl_serial_set_init(&set, crl);
    run->entry = &entry;
    while (cg_crl_next_entry(&iter, &entry, crl->der.data, &err)) {
        run->entry_no++;
        if (!check_entry(run, &set))
            break;
    }
    /* On failure iter still points at the entry that did not parse. */
    if (err.what[0] != '\0')
        cg_report(run->ctx, CG_R_INPUT_MALFORMED, run->obj,
                  "revokedCertificates entry %zu (byte offset %zu of the CRL) does not parse: "
                  "at offset %zu, expected %s; entries from here on were not checked",
                  run->entry_no + 1, cg_cbs_offset(&iter, crl->der.data), err.offset, err.what);
    entry_summaries(run);
    cg_crl_serial_set_free(&set);
}

void cg_check_crl_single(cg_ctx *ctx, const cg_objref *obj, const cg_crl *crl)
{
    /* The per-rule counters (two words a rule) stay on the stack: the
     * serial table is the only allocation. */
    crl_run run;
    memset(&run, 0, sizeof(run));
    run.ctx = ctx;
    run.obj = obj;
    run.crl = crl;
    run.ca_scope = cg_crl_is_ca_scope(crl);

    check_version(&run);
    check_issuer(&run);
    check_sig_alg(&run);
    check_times(&run);
    check_aki(&run);
    check_number(&run);
    check_extensions(&run);
    check_idp(&run);
    check_entries(&run);
}
