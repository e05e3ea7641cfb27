/* Single-object RFC 6962 rules: the poison extension, the SCT list and OCSP
 * SCT list extensions, and what can be said about embedded SCTs without
 * their issuer or a log list (encoding, version, timestamp).
 *
 * Extension positions in messages count from 1, as they appear in a dump. */
#include "ct/sct.h"
#include "rules/rules.h"
#include "util/hex.h"
#include "x509/oid.h"
#include "x509/time.h"

#include <stdio.h>
#include <string.h>

/* At most this many octets of a bad value are quoted in a message. */
#define QUOTE_MAX 16

static const char *cert_word(const cg_cert *cert)
{
    return cert->is_precert ? "precertificate" : "certificate";
}

/* "4", "4 and 9", "4, 7 and 9": where the extensions with this OID sit. */
static size_t ext_positions(const cg_cert *cert, const uint8_t *oid, size_t oid_len, char *buf,
                            size_t cap)
{
    size_t n = 0, total = 0, used = 0;
    cg_cert_find_ext(cert, oid, oid_len, &total);
    buf[0] = '\0';
    for (size_t i = 0; i < cert->n_ext; i++) {
        if (!cg_oid_equal(&cert->ext[i].oid, oid, oid_len))
            continue;
        n++;
        const char *sep = n == 1 ? "" : n == total ? " and " : ", ";
        int w = snprintf(buf + used, cap - used, "%s%zu", sep, i + 1);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
    return total;
}

/* "04 02 00 00" for a short value, the first QUOTE_MAX octets and "..." for a
 * long one, "nothing" for an empty one. */
static void quote_bytes(const cg_cbs *v, char *buf, size_t cap)
{
    if (v->len == 0)
        snprintf(buf, cap, "nothing");
    else
        cg_hex_quote(v->data, v->len, QUOTE_MAX, 1, buf, cap);
}

static void check_poison(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert)
{
    static const uint8_t asn1_null[] = {CG_ASN1_NULL, 0x00};
    char where[256], quoted[QUOTE_MAX * 3 + 8];
    size_t n =
        ext_positions(cert, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON), where, sizeof(where));
    for (size_t i = 0; i < cert->n_ext; i++) {
        const cg_ext *e = &cert->ext[i];
        if (!cg_oid_equal(&e->oid, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON)))
            continue;
        if (!e->critical)
            cg_report(ctx, CG_R_CT_PRECERT_POISON_NOT_CRITICAL, obj,
                      "poison extension at position %zu is not marked critical", i + 1);
        if (!cg_cbs_mem_equal(&e->value, asn1_null, sizeof(asn1_null))) {
            quote_bytes(&e->value, quoted, sizeof(quoted));
            cg_report(ctx, CG_R_CT_PRECERT_POISON_BAD_VALUE, obj,
                      "poison extension at position %zu holds %s (%zu byte%s), not ASN.1 NULL "
                      "(05 00)",
                      i + 1, quoted, e->value.len, e->value.len == 1 ? "" : "s");
        }
    }
    if (n > 1)
        cg_report(ctx, CG_R_CT_PRECERT_POISON_DUPLICATE, obj,
                  "%zu poison extensions, at positions %s; an extension may appear once", n,
                  where);
}

static void check_ocsp_sct_ext(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert)
{
    for (size_t i = 0; i < cert->n_ext; i++) {
        if (!cg_oid_equal(&cert->ext[i].oid, CG_OID_CT_OCSP_SCT_LIST,
                          sizeof(CG_OID_CT_OCSP_SCT_LIST)))
            continue;
        cg_report(ctx, CG_R_CT_CERT_OCSP_SCT_EXT_PRESENT, obj,
                  "%s carries the OCSP SCT list extension 1.3.6.1.4.1.11129.2.4.5 at position "
                  "%zu; it belongs in OCSP responses only",
                  cert_word(cert), i + 1);
    }
}

/* Milliseconds-since-epoch as RFC 3339 with milliseconds. */
static void format_ms(uint64_t ms, char *buf, size_t cap)
{
    char secs[48];
    cg_time_format((int64_t)(ms / 1000), secs, sizeof(secs));
    size_t n = strlen(secs);
    if (n > 0 && secs[n - 1] == 'Z')
        secs[n - 1] = '\0';
    snprintf(buf, cap, "%s.%03uZ", secs, (unsigned)(ms % 1000));
}

/* Whether ms (since the epoch) is later than t (seconds since the epoch). */
static int ms_after(uint64_t ms, int64_t t)
{
    if (t < 0)
        return 1;
    uint64_t s = ms / 1000;
    return s > (uint64_t)t || (s == (uint64_t)t && ms % 1000 != 0);
}

/* One SCT of a list; label is "SCT 2 of 3" or the like. */
static void check_sct(cg_ctx *ctx, const cg_objref *obj, const char *prefix, const char *label,
                      const cg_sct *sct)
{
    char ts[64], at[32];
    if (sct->version != CG_SCT_V1) {
        cg_report(ctx, CG_R_CT_SCT_VERSION_UNKNOWN, obj, "%s%s: version %u is not v1 (0)", prefix,
                  label, sct->version);
        return;
    }
    if (ms_after(sct->timestamp, ctx->at)) {
        format_ms(sct->timestamp, ts, sizeof(ts));
        cg_time_format(ctx->at, at, sizeof(at));
        cg_report(ctx, CG_R_CT_SCT_TIMESTAMP_FUTURE, obj,
                  "%s%s (log ID %02x%02x%02x%02x...): timestamp %s is later than the evaluation "
                  "time %s",
                  prefix, label, sct->log_id.data[0], sct->log_id.data[1], sct->log_id.data[2],
                  sct->log_id.data[3], ts, at);
    }
}

static void check_sct_list(cg_ctx *ctx, const cg_objref *obj, const cg_ext *ext, size_t pos,
                           size_t n_lists)
{
    char prefix[64] = "", label[64];
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    size_t total = 0;
    int well_formed = 0;

    /* With several SCT list extensions a reader needs to know which one. */
    if (n_lists > 1)
        snprintf(prefix, sizeof(prefix), "SCT list extension at position %zu: ", pos);
    if (!cg_sct_list_open(&list, &ext->value, &err)) {
        cg_report(ctx, CG_R_CT_SCT_LIST_MALFORMED, obj, "%s%s at offset %zu", prefix, err.what,
                  err.offset);
        return;
    }
    /* First pass: count, so each SCT can be named "i of n", and find the
     * first encoding error. */
    while (cg_sct_list_next(&list, &sct, &err))
        total++;
    if (err.what[0] != '\0')
        cg_report(ctx, CG_R_CT_SCT_LIST_MALFORMED, obj, "%s%s at offset %zu", prefix, err.what,
                  err.offset);
    else
        well_formed = 1;
    if (well_formed && total == 0)
        cg_report(ctx, CG_R_CT_SCT_LIST_EMPTY, obj,
                  "%sSCT list holds no SCT (list length 0); RFC 6962 requires at least one",
                  prefix);
    /* Second pass: the SCTs that parsed are still worth judging. */
    cg_sct_list_open(&list, &ext->value, &err);
    for (size_t i = 1; i <= total; i++) {
        cg_sct_list_next(&list, &sct, &err);
        if (well_formed)
            snprintf(label, sizeof(label), "SCT %zu of %zu", i, total);
        else
            snprintf(label, sizeof(label), "SCT %zu of a malformed list", i);
        check_sct(ctx, obj, prefix, label, &sct);
    }
}

static void check_sct_list_exts(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert)
{
    char where[256], poison_where[256];
    size_t n =
        ext_positions(cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), where, sizeof(where));
    if (n == 0)
        return;
    if (cert->is_precert) {
        ext_positions(cert, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON), poison_where,
                      sizeof(poison_where));
        cg_report(ctx, CG_R_CT_PRECERT_SCT_LIST_PRESENT, obj,
                  "precertificate carries the SCT list extension (position %s) besides the "
                  "poison extension (position %s); SCTs go only into the final certificate",
                  where, poison_where);
    }
    if (n > 1)
        cg_report(ctx, CG_R_CT_CERT_SCT_LIST_DUPLICATE, obj,
                  "%zu SCT list extensions, at positions %s; an extension may appear once", n,
                  where);
    for (size_t i = 0; i < cert->n_ext; i++) {
        const cg_ext *e = &cert->ext[i];
        if (!cg_oid_equal(&e->oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST)))
            continue;
        if (e->critical)
            cg_report(ctx, CG_R_CT_CERT_SCT_LIST_CRITICAL, obj,
                      "SCT list extension at position %zu is marked critical", i + 1);
        check_sct_list(ctx, obj, e, i + 1, n);
    }
}

void cg_check_cert_single(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert)
{
    check_poison(ctx, obj, cert);
    check_sct_list_exts(ctx, obj, cert);
    check_ocsp_sct_ext(ctx, obj, cert);
}
