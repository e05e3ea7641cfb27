#include "report/output.h"

#if CAGUARD_HAVE_JSON
#include <jansson.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/redact.h"
#include "x509/name.h"

struct cg_out {
    FILE *stream;
    cg_out_format format;
    int color;
    /* text grouping: the object whose header was printed last */
    const char *last_file;
    size_t last_index;
    cg_kind last_kind;
    int64_t last_incident;
    int have_last;
    size_t objects_with_findings;
};

cg_out *cg_out_new(FILE *stream, cg_out_format format, int color)
{
    cg_out *out = calloc(1, sizeof(*out));
    if (out == NULL)
        return NULL;
    out->stream = stream;
    out->format = format;
    out->color = color;
    return out;
}

void cg_out_free(cg_out *out)
{
    free(out);
}

void cg_out_issuer_string(const cg_cbs *issuer, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (issuer->len == 0 || !cg_name_to_display(issuer, buf, cap))
        buf[0] = '\0';
}

#if CAGUARD_HAVE_JSON
static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* A string a finding carries from outside (a log's or a CRL's URL, a
 * message quoting one), as JSON with its secrets hidden (util/redact.h). */
static json_t *shown_or_null(const char *s)
{
    char *r = s != NULL ? cg_redact_dup(s) : NULL;
    json_t *j = r != NULL ? str_or_null(r) : json_null();
    free(r);
    return j;
}

char *cg_out_finding_json(const cg_finding *f)
{
    const cg_rule *r = cg_rule_get(f->rule);
    const cg_objref *o = f->obj;
    char issuer[1024], serial[80], sha[65];
    json_t *j = json_object();
    if (j == NULL)
        return NULL;
    cg_out_issuer_string(&o->issuer, issuer, sizeof(issuer));
    cg_serial_hex(&o->serial, serial, sizeof(serial));
    if (o->has_hash)
        cg_hex(o->sha256, 32, sha);
    json_object_set_new(j, "rule", json_string(r->id));
    json_object_set_new(j, "severity", json_string(cg_severity_name(cg_finding_severity(f))));
    json_object_set_new(j, "file", shown_or_null(o->file));
    json_object_set_new(j, "index", json_integer((json_int_t)o->index));
    json_object_set_new(j, "kind", json_string(cg_kind_name(o->kind)));
    json_object_set_new(j, "object", o->has_hash ? json_string(sha) : json_null());
    json_object_set_new(j, "issuer", str_or_null(issuer));
    json_object_set_new(j, "serial", str_or_null(serial));
    json_object_set_new(j, "message", shown_or_null(f->message));
    json_object_set_new(j, "reference", str_or_null(r->reference));
    json_object_set_new(j, "field", str_or_null(cg_finding_field(f)));
    for (size_t i = 0; i < f->n_fields; i++) {
        const cg_field *fl = &f->fields[i];
        if (strcmp(fl->key, "field") == 0)
            continue; /* written above */
        json_t *v = fl->type == CG_FIELD_STRING ? shown_or_null(fl->str)
                    : fl->type == CG_FIELD_BOOL ? json_boolean(fl->boolean)
                                                : json_null();
        json_object_set_new(j, fl->key, v);
    }
    /* Only findings that belong to an incident carry the field, so the
     * output of check is unchanged. */
    if (f->incident != 0)
        json_object_set_new(j, "incident", json_integer((json_int_t)f->incident));
    json_object_set_new(j, "schema", json_integer(CG_JSON_SCHEMA_VERSION));
    /* jansson replaces invalid UTF-8 with nothing; messages are ASCII or
     * UTF-8 built by us, names are escaped by cg_name_to_string. */
    char *line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(j);
    return line;
}
#else
char *cg_out_finding_json(const cg_finding *f)
{
    (void)f;
    return NULL;
}
#endif

static void emit_json(cg_out *out, const cg_finding *f)
{
    char *line = cg_out_finding_json(f);
    if (line != NULL) {
        fputs(line, out->stream);
        fputc('\n', out->stream);
        free(line);
    }
}

static const char *sev_color(cg_severity s)
{
    switch (s) {
    case CG_SEV_ERROR: return "\033[1;31m";
    case CG_SEV_WARNING: return "\033[1;33m";
    default: return "\033[36m";
    }
}

static void emit_text(cg_out *out, const cg_finding *f)
{
    const cg_rule *r = cg_rule_get(f->rule);
    const cg_objref *o = f->obj;
    const char *bold = out->color ? "\033[1m" : "", *reset = out->color ? "\033[0m" : "";
    if (!out->have_last || out->last_index != o->index || out->last_file != o->file ||
        (out->last_kind == CG_KIND_INCIDENT) != (o->kind == CG_KIND_INCIDENT) ||
        out->last_incident != f->incident ||
        (o->file != NULL && out->last_file != NULL && strcmp(out->last_file, o->file) != 0)) {
        char issuer[1024], serial[80], sha[65];
        cg_out_issuer_string(&o->issuer, issuer, sizeof(issuer));
        cg_serial_hex(&o->serial, serial, sizeof(serial));
        if (out->have_last)
            fputc('\n', out->stream);
        char where[64];
        if (o->file == NULL && f->incident != 0)
            snprintf(where, sizeof(where), "incident %lld", (long long)f->incident);
        else
            snprintf(where, sizeof(where), "-");
        /* File names, stored ones and log URLs are shown redacted and
         * through util/escape.h, as names are: no control or bidi character
         * of theirs reaches the terminal. */
        char *file = o->file != NULL ? cg_redact_dup(o->file) : NULL;
        fputs(bold, out->stream);
        cg_esc_term_fputs(file != NULL ? file : where, out->stream);
        fprintf(out->stream, " #%zu: %s%s\n", o->index, cg_kind_name(o->kind), reset);
        free(file);
        if (issuer[0] != '\0')
            fprintf(out->stream, "  issuer  %s\n", issuer);
        if (serial[0] != '\0')
            fprintf(out->stream, "  serial  %s\n", serial);
        if (o->has_hash) {
            cg_hex(o->sha256, 32, sha);
            fprintf(out->stream, "  sha256  %s\n", sha);
        }
        out->last_file = o->file;
        out->last_index = o->index;
        out->last_kind = o->kind;
        out->last_incident = f->incident;
        out->have_last = 1;
        out->objects_with_findings++;
    }
    cg_severity severity = cg_finding_severity(f);
    const char *sev = cg_severity_name(severity);
    char *msg = cg_redact_dup(f->message);
    fprintf(out->stream, "  %s%-7s%s %s: ", out->color ? sev_color(severity) : "", sev, reset,
            r->id);
    cg_esc_term_fputs(msg != NULL ? msg : CG_REDACTED, out->stream);
    free(msg);
    if (r->reference[0] != '\0')
        fprintf(out->stream, " [%s]", r->reference);
    if (f->incident != 0 && o->file != NULL) /* else the header names the incident */
        fprintf(out->stream, " (incident %lld)", (long long)f->incident);
    fputc('\n', out->stream);
}

void cg_out_sink(void *arg, const cg_finding *f)
{
    cg_out *out = arg;
    if (out->format == CG_OUT_JSON)
        emit_json(out, f);
    else
        emit_text(out, f);
}

void cg_out_summary(cg_out *out, const cg_ctx *ctx, size_t objects, size_t files)
{
    if (out->format != CG_OUT_TEXT)
        return;
    if (out->have_last)
        fputc('\n', out->stream);
    fprintf(out->stream,
            "%zu object%s in %zu file%s checked, %zu with findings: %zu error%s, %zu warning%s, "
            "%zu notice%s\n",
            objects, objects == 1 ? "" : "s", files, files == 1 ? "" : "s",
            out->objects_with_findings, ctx->count[CG_SEV_ERROR],
            ctx->count[CG_SEV_ERROR] == 1 ? "" : "s", ctx->count[CG_SEV_WARNING],
            ctx->count[CG_SEV_WARNING] == 1 ? "" : "s", ctx->count[CG_SEV_NOTICE],
            ctx->count[CG_SEV_NOTICE] == 1 ? "" : "s");
}
