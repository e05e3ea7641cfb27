/* The answers of caguard serve (answer.h). pkimetal's shapes follow its
 * doc/openapi.yaml and request/post.go: a JSON array compact on one line
 * with a line feed, findings sorted most severe first then by text, a
 * "meta" finding first; text lines "LINTER\tSEVERITY\tFinding [Field]".
 * Field (cg_finding_field) and Code are left out of a JSON finding when
 * empty, as pkimetal does. */
#include "serve/answer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/grow.h"
#include "util/sbuf.h"
#include "report/output.h"

#define LINTER "caguard"

static const char *const pki_severities[] = {"meta",    "debug", "info", "notice",
                                             "warning", "error", "bug",  "fatal"};

/* caguard's severity on pkimetal's scale. */
static int pki_level(cg_severity s)
{
    return s == CG_SEV_ERROR ? 5 : s == CG_SEV_WARNING ? 4 : 3;
}

void cg_serve_findings_sink(void *arg, const cg_finding *f)
{
    cg_serve_findings *fs = arg;
    fs->count[cg_rule_get(f->rule)->severity]++;
    if (fs->failed || !cg_grow((void **)&fs->f, &fs->cap, fs->n + 1, sizeof(*fs->f))) {
        fs->failed = 1;
        return;
    }
    cg_serve_finding *o = &fs->f[fs->n];
    o->rule = f->rule;
    const char *own = cg_finding_value(f, "field");
    o->message = strdup(f->message != NULL ? f->message : "");
    o->field = own != NULL ? strdup(own) : NULL;
    o->json = fs->keep_json ? cg_out_finding_json(f) : NULL;
    if (o->message == NULL || (own != NULL && o->field == NULL) ||
        (fs->keep_json && o->json == NULL)) {
        free(o->message);
        free(o->field);
        free(o->json);
        fs->failed = 1;
        return;
    }
    fs->n++;
}

void cg_serve_findings_clear(cg_serve_findings *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->f[i].message);
        free(fs->f[i].field);
        free(fs->f[i].json);
    }
    free(fs->f);
    int keep = fs->keep_json;
    memset(fs, 0, sizeof(*fs));
    fs->keep_json = keep;
}

size_t cg_serve_findings_count_rule(const cg_serve_findings *fs, cg_rule_id rule)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += fs->f[i].rule == rule;
    return n;
}

int cg_pki_severity_parse(const char *s, int *level)
{
    if (s == NULL || s[0] == '\0') {
        *level = 0; /* pkimetal's default: meta, everything */
        return 1;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(s, pki_severities[i]) == 0) {
            *level = i;
            return 1;
        }
    }
    return 0;
}

int cg_pki_format_parse(const char *s, cg_pki_format *fmt)
{
    if (strcmp(s, "json") == 0)
        *fmt = CG_PKI_JSON;
    else if (strcmp(s, "text") == 0)
        *fmt = CG_PKI_TEXT;
    else if (strcmp(s, "html") == 0)
        *fmt = CG_PKI_HTML;
    else
        return 0;
    return 1;
}

const char *cg_pki_content_type(cg_pki_format fmt)
{
    return fmt == CG_PKI_JSON   ? "application/json; charset=UTF-8"
           : fmt == CG_PKI_TEXT ? "text/plain; charset=UTF-8"
                                : "text/html; charset=UTF-8";
}

/* ---- profiles ---- */

typedef struct pki_profile {
    const char *name, *source, *description;
} pki_profile;

/* pkimetal's names for the certificate and CRL types caguard's rules
 * cover: the TLS BRs (and their EV leaves), RFC 5280 CRLs. caguard runs
 * every rule whatever the profile: the kind of object is read from it. */
static const pki_profile profiles[] = {
    {"autodetect", "", "AUTO-DETECT"},
    {"rfc5280_crl", "RFC5280", "Certificate Revocation List"},
    {"rfc5280_arl", "RFC5280", "Authority Revocation List"},
    {"rfc5280_leaf_tlsserver", "RFC5280", "TLS Server Certificate"},
    {"tbr_root_tlsserver", "TLS BRs", "TLS Server Root CA Certificate"},
    {"tbr_subordinate_tlsserver", "TLS BRs", "TLS Server Subordinate CA Certificate"},
    {"tbr_subordinate_precertsigning", "TLS BRs",
     "Precertificate Signing Subordinate CA Certificate"},
    {"tbr_leaf_tlsserver_dv", "TLS BRs", "TLS Server Certificate: Domain Validated"},
    {"tbr_leaf_tlsserver_dv_precertificate", "TLS BRs",
     "TLS Server Precertificate: Domain Validated"},
    {"tbr_leaf_tlsserver_ov", "TLS BRs", "TLS Server Certificate: Organization Validated"},
    {"tbr_leaf_tlsserver_ov_precertificate", "TLS BRs",
     "TLS Server Precertificate: Organization Validated"},
    {"tbr_leaf_tlsserver_iv", "TLS BRs", "TLS Server Certificate: Individual Validated"},
    {"tbr_leaf_tlsserver_iv_precertificate", "TLS BRs",
     "TLS Server Precertificate: Individual Validated"},
    {"tbr_crl", "TLS BRs", "Certificate Revocation List"},
    {"tbr_arl", "TLS BRs", "Authority Revocation List"},
    {"tevg_leaf_tlsserver_ev", "TLS EVGs", "TLS Server Certificate: Extended Validation"},
    {"tevg_leaf_tlsserver_ev_precertificate", "TLS EVGs",
     "TLS Server Precertificate: Extended Validation"},
};

int cg_pki_profile_known(const char *name)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        if (strcmp(profiles[i].name, name) == 0)
            return 1;
    }
    return 0;
}

/* ---- pkimetal's answers ---- */

typedef struct row {
    const char *finding, *code, *field;
    int level;
} row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->level != y->level)
        return y->level - x->level;
    return strcmp(x->finding, y->finding);
}

static void put_html(cg_sbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<':
            cg_sbuf_puts(b, "&lt;");
            break;
        case '>':
            cg_sbuf_puts(b, "&gt;");
            break;
        case '&':
            cg_sbuf_puts(b, "&amp;");
            break;
        case '"':
            cg_sbuf_puts(b, "&quot;");
            break;
        case '\'':
            cg_sbuf_puts(b, "&#39;");
            break;
        default:
            cg_sbuf_append(b, s, 1);
        }
    }
}

static char *json_text(json_t *j, size_t *len)
{
    if (j == NULL)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *out = realloc(s, n + 2);
    if (out == NULL) {
        free(s);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    *len = n + 1;
    return out;
}

/* ,"key":"value" (value as a JSON string); nothing when value is not
 * UTF-8. */
static void json_member(cg_sbuf *b, const char *key, const char *value)
{
    size_t mark = b->len;
    cg_sbuf_puts(b, ",\"");
    cg_sbuf_puts(b, key);
    cg_sbuf_puts(b, "\":");
    if (!cg_esc_json_string(b, value) && !b->failed) {
        b->len = mark;
        b->data[mark] = '\0';
    }
}

static char *render(const row *rows, size_t n, cg_pki_format fmt, size_t *len)
{
    static const char *const styles[] = {
        "color:#015258",
        "background-color:#FAFAFA;color:#AAAAAA",
        "background-color:#EFEFEF;color:#222222",
        "background-color:#FFFFDF;color:#606000",
        "background-color:#FFEFDF;color:#DF6000",
        "background-color:#FFDFDF;color:#CC0000;font-weight:bold",
        "background-color:#0000AA;color:#FFFFFF;font-weight:bold",
        "background-color:#0000AA;color:#FFFFFF;font-weight:bold",
    };
    cg_sbuf b = CG_SBUF_INIT;
    if (fmt == CG_PKI_JSON) {
        /* Written as jansson's json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII)
         * wrote the same array of objects, keys in this order, byte for byte:
         * a value that is not UTF-8 leaves its key out, as json_string's
         * NULL did. */
        cg_sbuf_puts(&b, "[");
        for (size_t i = 0; i < n; i++) {
            cg_sbuf_puts(&b, i == 0 ? "{\"Linter\":\"" LINTER "\""
                                    : ",{\"Linter\":\"" LINTER "\"");
            json_member(&b, "Finding", rows[i].finding);
            if (rows[i].field != NULL && rows[i].field[0] != '\0')
                json_member(&b, "Field", rows[i].field);
            if (rows[i].code != NULL && rows[i].code[0] != '\0')
                json_member(&b, "Code", rows[i].code);
            json_member(&b, "Severity", pki_severities[rows[i].level]);
            cg_sbuf_puts(&b, "}");
        }
        cg_sbuf_puts(&b, "]\n");
        return cg_sbuf_take(&b, len);
    }
    if (fmt == CG_PKI_TEXT) {
        for (size_t i = 0; i < n; i++) {
            char sev[16];
            size_t k = 0;
            for (const char *s = pki_severities[rows[i].level]; *s != '\0' && k < 15; s++)
                sev[k++] = (char)(*s - ('a' <= *s && *s <= 'z' ? 32 : 0));
            sev[k] = '\0';
            cg_sbuf_puts(&b, LINTER "\t");
            cg_sbuf_puts(&b, sev);
            cg_sbuf_puts(&b, "\t");
            cg_sbuf_puts(&b, rows[i].finding);
            if (rows[i].field != NULL && rows[i].field[0] != '\0') {
                cg_sbuf_puts(&b, " [");
                cg_sbuf_puts(&b, rows[i].field);
                cg_sbuf_puts(&b, "]");
            }
            cg_sbuf_puts(&b, "\n");
        }
        return cg_sbuf_take(&b, len);
    }
    cg_sbuf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>caguard | "
                     "lint</title>\n<style>table{border-collapse:collapse;font:12pt sans-serif;"
                     "margin:auto}td,th{padding:3px 10px}</style></head>\n<body><table>\n"
                     "<tr><th>Linter</th><th>Severity</th><th>Finding</th><th>Field</th>"
                     "<th>Code</th></tr>\n");
    if (n == 0)
        cg_sbuf_puts(&b, "<tr><td colspan=\"5\" align=\"center\">No findings</td></tr>\n");
    for (size_t i = 0; i < n; i++) {
        cg_sbuf_puts(&b, "<tr style=\"");
        cg_sbuf_puts(&b, styles[rows[i].level]);
        cg_sbuf_puts(&b, "\"><td>" LINTER "</td><td>");
        for (const char *s = pki_severities[rows[i].level]; *s != '\0'; s++) {
            char up = (char)(*s - ('a' <= *s && *s <= 'z' ? 32 : 0));
            cg_sbuf_append(&b, &up, 1);
        }
        cg_sbuf_puts(&b, "</td><td>");
        put_html(&b, rows[i].finding);
        cg_sbuf_puts(&b, "</td><td>");
        put_html(&b, rows[i].field != NULL ? rows[i].field : "");
        cg_sbuf_puts(&b, "</td><td>");
        put_html(&b, rows[i].code != NULL ? rows[i].code : "");
        cg_sbuf_puts(&b, "</td></tr>\n");
    }
    cg_sbuf_puts(&b, "</table></body></html>\n");
    return cg_sbuf_take(&b, len);
}

char *cg_pki_answer(const cg_serve_findings *fs, cg_pki_format fmt, int min_level,
                    const char *profile, size_t *len)
{
    row *rows = malloc((fs->n + 1) * sizeof(*rows));
    char meta[160];
    size_t n = 0;
    if (rows == NULL)
        return NULL;
    snprintf(meta, sizeof(meta), "Profile: %s; Version: caguard %s",
             profile != NULL && profile[0] != '\0' ? profile : "autodetect", CAGUARD_VERSION);
    if (min_level <= 0)
        rows[n++] = (row){meta, NULL, NULL, 0};
    size_t first = n;
    for (size_t i = 0; i < fs->n; i++) {
        const cg_rule *r = cg_rule_get(fs->f[i].rule);
        int level = pki_level(r->severity);
        if (level >= min_level)
            rows[n++] = (row){
                fs->f[i].message, r->id,
                fs->f[i].field != NULL ? fs->f[i].field : cg_rule_field(fs->f[i].rule), level};
    }
    qsort(rows + first, n - first, sizeof(*rows), cmp_row);
    char *out = render(rows, n, fmt, len);
    free(rows);
    return out;
}

char *cg_pki_error(cg_pki_format fmt, const char *code, const char *message, size_t *len)
{
    row r = {message, code, NULL, 7};
    return render(&r, 1, fmt, len);
}

char *cg_pki_linters(unsigned instances, size_t *len)
{
    json_t *arr = json_array();
    json_array_append_new(arr, json_pack("{sssissss}", "Name", LINTER, "Instances", (int)instances,
                                         "Version", CAGUARD_VERSION, "Url", "urn:caguard:rules"));
    return json_text(arr, len);
}

char *cg_pki_profiles(size_t *len)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]) && arr != NULL; i++) {
        json_t *o =
            json_pack("{ssss}", "Name", profiles[i].name, "Description", profiles[i].description);
        if (profiles[i].source[0] != '\0')
            json_object_set_new(o, "Source", json_string(profiles[i].source));
        json_object_set_new(o, "Linters", json_pack("[s]", LINTER));
        json_array_append_new(arr, o);
    }
    return json_text(arr, len);
}

/* ---- native ---- */

char *cg_serve_native_answer(const cg_serve_findings *fs, int allow, const char *extra,
                             size_t *len)
{
    cg_sbuf b = CG_SBUF_INIT;
    cg_sbuf_puts(&b, allow ? "{\"allow\":true," : "{\"allow\":false,");
    if (extra != NULL && extra[0] == '{' && extra[1] != '}') {
        size_t n = strlen(extra);
        cg_sbuf_append(&b, extra + 1, n - 2);
        cg_sbuf_puts(&b, ",");
    }
    cg_sbuf_puts(&b, "\"findings\":[");
    for (size_t i = 0; i < fs->n; i++) {
        if (i > 0)
            cg_sbuf_puts(&b, ",");
        cg_sbuf_puts(&b, fs->f[i].json != NULL ? fs->f[i].json : "null");
    }
    cg_sbuf_puts(&b, "]}\n");
    return cg_sbuf_take(&b, len);
}

char *cg_serve_error_json(const char *message, const char *request_id, size_t *len)
{
    return json_text(
        json_pack("{ssss}", "error", message, "request_id", request_id != NULL ? request_id : ""),
        len);
}
