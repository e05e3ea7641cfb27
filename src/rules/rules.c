#include "rules/rules.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "ct/sct.h"
#include "x509/oid.h"
#include "x509/time.h"

static const cg_rule rule_table[CG_RULE_COUNT] = {
#define CG_RULE(sym, id, sev, ref, eff, ends, desc, seed)                                         \
    [sym] = {id, sev, ref, desc, seed, eff, ends},
#include "rules/rules.def"
#undef CG_RULE
};

const cg_rule *cg_rule_get(cg_rule_id rule)
{
    if ((unsigned)rule >= CG_RULE_COUNT)
        return NULL;
    return &rule_table[rule];
}

cg_severity cg_finding_severity(const cg_finding *f)
{
    return f->has_severity ? f->severity : cg_rule_get(f->rule)->severity;
}

/* The ASN.1 path a rule family speaks of, by ID prefix (the longest
 * prefix that matches wins); rules about the whole object have none. */
static const struct {
    const char *prefix, *field;
} rule_fields[] = {
    {"cert.version", "tbsCertificate.version"},
    {"cert.serial", "tbsCertificate.serialNumber"},
    {"cert.validity", "tbsCertificate.validity"},
    {"cert.signature_algorithm", "signatureAlgorithm"},
    {"cert.spki", "tbsCertificate.subjectPublicKeyInfo"},
    {"cert.key_weak", "tbsCertificate.subjectPublicKeyInfo"},
    {"cert.san", "tbsCertificate.extensions.subjectAltName"},
    {"cert.cn_not_in_san", "tbsCertificate.subject.commonName"},
    {"cert.eku", "tbsCertificate.extensions.extKeyUsage"},
    {"cert.basic_constraints", "tbsCertificate.extensions.basicConstraints"},
    {"cert.key_usage", "tbsCertificate.extensions.keyUsage"},
    {"cert.policies", "tbsCertificate.extensions.certificatePolicies"},
    {"cert.crldp", "tbsCertificate.extensions.cRLDistributionPoints"},
    {"cert.aia", "tbsCertificate.extensions.authorityInfoAccess"},
    {"cert.aki", "tbsCertificate.extensions.authorityKeyIdentifier"},
    {"cert.extension", "tbsCertificate.extensions"},
    {"ct.precert.poison", "tbsCertificate.extensions.ctPoison"},
    {"ct.precert.sct_list_present", "tbsCertificate.extensions.ctSCTList"},
    {"ct.precert.signing_ca", "tbsCertificate.issuer"},
    {"ct.cert.ocsp_sct_ext", "tbsCertificate.extensions.ctOCSPSCTList"},
    {"ct.cert.sct_list", "tbsCertificate.extensions.ctSCTList"},
    {"ct.cert.notbefore_backdated", "tbsCertificate.validity.notBefore"},
    {"ct.cert.duplicate_serial", "tbsCertificate.serialNumber"},
    {"ct.precert.duplicate_serial", "tbsCertificate.serialNumber"},
    {"ct.sct", "tbsCertificate.extensions.ctSCTList"},
    {"ct.policy", "tbsCertificate.extensions.ctSCTList"},
    {"ct.pair.validity", "tbsCertificate.validity"},
    {"ct.pair", "tbsCertificate"},
    {"gate.", "tbsCertificate"},
    {"crl.issuer", "tbsCertList.issuer"},
    {"crl.signature_algorithm", "signatureAlgorithm"},
    {"crl.algorithm", "signatureAlgorithm"},
    {"crl.signature", "signatureValue"},
    {"crl.version", "tbsCertList.version"},
    {"crl.aki", "tbsCertList.crlExtensions.authorityKeyIdentifier"},
    {"crl.number", "tbsCertList.crlExtensions.cRLNumber"},
    {"crl.next_update", "tbsCertList.nextUpdate"},
    {"crl.validity", "tbsCertList.nextUpdate"},
    {"crl.stale", "tbsCertList.nextUpdate"},
    {"crl.this_update", "tbsCertList.thisUpdate"},
    {"crl.time_encoding", "tbsCertList"},
    {"crl.revoked_list", "tbsCertList.revokedCertificates"},
    {"crl.entry", "tbsCertList.revokedCertificates"},
    {"crl.extension", "tbsCertList.crlExtensions"},
    {"crl.idp", "tbsCertList.crlExtensions.issuingDistributionPoint"},
};

const char *cg_rule_field(cg_rule_id rule)
{
    const char *id = rule_table[rule].id;
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof(rule_fields) / sizeof(rule_fields[0]); i++) {
        size_t n = strlen(rule_fields[i].prefix);
        if (n > best_len && strncmp(id, rule_fields[i].prefix, n) == 0) {
            best = rule_fields[i].field;
            best_len = n;
        }
    }
    return best;
}

const char *cg_finding_value(const cg_finding *f, const char *key)
{
    for (size_t i = 0; i < f->n_fields; i++) {
        if (f->fields[i].type == CG_FIELD_STRING && strcmp(f->fields[i].key, key) == 0)
            return f->fields[i].str;
    }
    return NULL;
}

const char *cg_finding_field(const cg_finding *f)
{
    const char *own = cg_finding_value(f, "field");
    return own != NULL ? own : cg_rule_field(f->rule);
}

int cg_rule_lookup(const char *id, cg_rule_id *out)
{
    for (size_t i = 0; i < CG_RULE_COUNT; i++) {
        if (strcmp(rule_table[i].id, id) == 0) {
            *out = (cg_rule_id)i;
            return 1;
        }
    }
    return 0;
}

const char *cg_severity_name(cg_severity sev)
{
    switch (sev) {
    case CG_SEV_ERROR: return "error";
    case CG_SEV_WARNING: return "warning";
    default: return "notice";
    }
}

/* 2013-01-01T00:00:00Z: the first CT logs started in March 2013. */
#define CT_FIRST_LOG INT64_C(1356998400)

int64_t cg_rule_date_time(uint32_t d)
{
    return cg_days_from_civil(d / 10000, (d / 100) % 100, d % 100) * 86400;
}

void cg_rule_date_format(uint32_t d, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04u-%02u-%02u", d / 10000, (d / 100) % 100, d % 100);
}

int cg_rule_in_force(cg_rule_id rule, int64_t issued)
{
    const cg_rule *r = &rule_table[rule];
    if (r->effective != 0 && issued < cg_rule_date_time(r->effective))
        return 0;
    return r->ends == 0 || issued < cg_rule_date_time(r->ends);
}

void cg_objref_set_issued_cert(cg_objref *obj, const cg_cert *cert)
{
    int64_t t = cert->not_before_t;
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    /* Only SCTs that parse count (a malformed list is its own finding), and
     * only from the time CT logs have existed: an SCT stamped earlier is not
     * evidence of an earlier issuance, and would take the object out of
     * every dated rule. */
    for (size_t i = 0; i < cert->n_ext; i++) {
        const cg_ext *e = &cert->ext[i];
        if (!cg_oid_equal(&e->oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST)) ||
            !cg_sct_list_open(&list, &e->value, &err))
            continue;
        while (cg_sct_list_next(&list, &sct, &err)) {
            int64_t at = (int64_t)(sct.timestamp / 1000);
            if (at >= CT_FIRST_LOG && at < t)
                t = at;
        }
    }
    obj->has_issued = 1;
    obj->issued = t;
}

void cg_objref_set_issued_crl(cg_objref *obj, const cg_crl *crl)
{
    obj->has_issued = 1;
    obj->issued = crl->this_update_t;
}

int cg_rule_matches(const char *pattern, const char *id)
{
    size_t n = strlen(pattern);
    if (n == 0)
        return 0;
    if (strcmp(pattern, id) == 0)
        return 1;
    if (strncmp(pattern, id, n) != 0)
        return 0;
    return pattern[n - 1] == '.' || id[n] == '.';
}

int cg_severity_parse(const char *name, cg_severity *sev)
{
    for (int i = CG_SEV_ERROR; i <= CG_SEV_NOTICE; i++) {
        if (strcmp(name, cg_severity_name((cg_severity)i)) == 0) {
            *sev = (cg_severity)i;
            return 1;
        }
    }
    return 0;
}

static int names_a_rule(const char *pattern)
{
    for (size_t r = 0; r < CG_RULE_COUNT; r++) {
        if (cg_rule_matches(pattern, rule_table[r].id))
            return 1;
    }
    return 0;
}

int cg_rule_select(uint8_t *skip, const char *const *include, size_t n_include,
                   const char *const *exclude, size_t n_exclude, cg_severity min_sev,
                   const char **bad)
{
    *bad = NULL;
    for (size_t i = 0; i < n_include + n_exclude; i++) {
        const char *p = i < n_include ? include[i] : exclude[i - n_include];
        if (!names_a_rule(p)) {
            *bad = p;
            return 0;
        }
    }
    for (size_t r = 0; r < CG_RULE_COUNT; r++) {
        int in = n_include == 0;
        for (size_t i = 0; i < n_include && !in; i++)
            in = cg_rule_matches(include[i], rule_table[r].id);
        for (size_t i = 0; i < n_exclude && in; i++)
            in = !cg_rule_matches(exclude[i], rule_table[r].id);
        skip[r] = !in || rule_table[r].severity > min_sev;
    }
    return 1;
}

void cg_ctx_init(cg_ctx *ctx, int64_t at, cg_sink_fn sink, void *sink_arg)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->at = at;
    ctx->sink = sink;
    ctx->sink_arg = sink_arg;
    ctx->br_profile = 1;
}

int cg_ctx_sha256(const cg_ctx *ctx, const uint8_t *data, size_t len, uint8_t out[32])
{
    if (ctx->sha256 == NULL)
        return SHA256(data, len, out) != NULL;
    if (EVP_Digest(data, len, out, NULL, ctx->sha256, NULL) != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

static void vreport(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const cg_field *fields,
                    size_t n_fields, int64_t incident, const char *fmt, va_list ap)
{
    char msg[1024];
    ctx->reports_asked++;
    if (obj != NULL && obj->has_issued && !cg_rule_in_force(rule, obj->issued))
        return;
    if (ctx->skip != NULL && ctx->skip[rule])
        return;
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n >= (int)sizeof(msg)) {
        /* Cut on a UTF-8 character boundary: a split character would make
         * the JSON writer drop the whole message. */
        size_t len = sizeof(msg) - 1, start = len;
        while (start > 0 && ((unsigned char)msg[start - 1] & 0xc0) == 0x80)
            start--;
        if (start > 0) {
            unsigned char lead = (unsigned char)msg[start - 1];
            size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
            if (start - 1 + need > len)
                msg[start - 1] = '\0';
        }
    }
    cg_finding f = {.rule = rule,
                    .obj = obj,
                    .message = msg,
                    .fields = fields,
                    .n_fields = n_fields,
                    .incident = incident};
    ctx->count[rule_table[rule].severity]++;
    if (ctx->sink != NULL)
        ctx->sink(ctx->sink_arg, &f);
}

void cg_report(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, rule, obj, NULL, 0, 0, fmt, ap);
    va_end(ap);
}

void cg_report_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj,
                      const cg_field *fields, size_t n_fields, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, rule, obj, fields, n_fields, 0, fmt, ap);
    va_end(ap);
}

void cg_report_at(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *field,
                  const char *fmt, ...)
{
    cg_field fl = {"field", CG_FIELD_STRING, field, 0};
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, rule, obj, &fl, 1, 0, fmt, ap);
    va_end(ap);
}

void cg_report_req(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *field,
                   const char *requirement, const char *fmt, ...)
{
    cg_field fl[2] = {{"requirement", CG_FIELD_STRING, requirement, 0},
                      {"field", CG_FIELD_STRING, field, 0}};
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, rule, obj, fl, field != NULL ? 2 : 1, 0, fmt, ap);
    va_end(ap);
}

void cg_report_incident(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, int64_t incident,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, rule, obj, NULL, 0, incident, fmt, ap);
    va_end(ap);
}

void cg_serial_hex(const cg_cbs *serial, char *buf, size_t cap)
{
    size_t i = 0;
    /* Drop the sign octet DER adds before a high bit, keep one digit. */
    while (i + 1 < serial->len && serial->data[i] == 0)
        i++;
    cg_hex_fit(serial->data + i, serial->len - i, buf, cap);
}
