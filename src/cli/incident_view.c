/* caguard incident list and show (see cli/incident.c for the command):
 * the stored incidents as a table or JSON Lines, and one incident with its
 * events, certificates and deadlines as text or one JSON document
 * (docs/schemas/incident*.schema.json). Stored text reaches a terminal
 * only through util/escape.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/incident_internal.h"
#include "cli/opts.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "report/output.h"
#include "store/store.h"
#include "util/escape.h"
#include "util/hex.h"
#include "x509/time.h"

static int is_closed(const cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_events; i++) {
        if (inc->events[i].type == CG_EVENT_CLOSURE)
            return 1;
    }
    return 0;
}

/* Stored text (kinds, titles, subjects, notes) on the terminal: through
 * util/escape.h, so no control or bidi character of theirs reaches it raw. */
static const char *term(const char *s, char *buf, size_t cap)
{
    return cg_esc_term_cut(s != NULL ? s : "", buf, cap);
}

/* ---- list and show as JSON (docs/schemas/incident*.schema.json) ---- */

static json_t *json_time(int64_t t)
{
    char buf[32];
    if (t == 0)
        return json_null();
    cg_time_format(t, buf, sizeof(buf));
    return json_string(buf);
}

/* Stored text (a title, a note, a subject) as a JSON string, null when
 * absent. Bytes that are not UTF-8 (an operator's title can hold any)
 * become U+FFFD, so the field is never dropped for them. */
static json_t *json_text(const char *s)
{
    if (s == NULL)
        return json_null();
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    cg_sbuf b = CG_SBUF_INIT;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = cg_utf8_char((const uint8_t *)s + i, n - i, &cp);
        if (k == 0) {
            cg_sbuf_puts(&b, "\xef\xbf\xbd");
            k = 1;
        } else {
            cg_sbuf_append(&b, s + i, k);
        }
        i += k;
    }
    j = b.failed ? NULL : json_string(cg_sbuf_str(&b));
    cg_sbuf_free(&b);
    return j;
}

/* The fields list and show share: what the incident is, its deadlines and
 * its state (n: its certificates by issuer and serial). */
static json_t *incident_json(const cg_incident *inc, size_t n)
{
    const cg_incident_kind *k = cg_incident_kind_lookup(inc->kind);
    json_t *j = json_object();
    if (j == NULL)
        return NULL;
    json_object_set_new(j, "id", json_integer((json_int_t)inc->id));
    json_object_set_new(j, "title", json_text(inc->title));
    json_object_set_new(j, "kind", json_text(inc->kind));
    json_object_set_new(j, "kind_known", json_boolean(k != NULL));
    json_object_set_new(j, "required_reason",
                        k != NULL && k->reason != CG_REASON_OMITTED
                            ? json_string(cg_incident_reason_name(k->reason))
                            : json_null());
    json_object_set_new(j, "reference", k != NULL ? json_string(k->reference) : json_null());
    json_object_set_new(j, "source", json_string(cg_source_name(inc->source)));
    json_object_set_new(j, "reported_at", json_time(inc->reported_at));
    json_object_set_new(j, "revoke_by",
                        k != NULL ? json_time(inc->reported_at + k->window) : json_null());
    json_object_set_new(j, "next_update", json_time(inc->next_update_at));
    json_object_set_new(j, "state", json_string(is_closed(inc) ? "closed" : "open"));
    json_object_set_new(j, "certificate_count", json_integer((json_int_t)n));
    return j;
}

static json_t *cert_json(const cg_incident_cert *c, int64_t at)
{
    char sha[65];
    json_t *j = json_object(), *names = json_array();
    if (j == NULL || names == NULL) {
        json_decref(j);
        json_decref(names);
        return NULL;
    }
    int revoked = cg_incident_cert_revoked_at(c, at);
    cg_hex(c->sha256, 32, sha);
    json_object_set_new(j, "sha256", json_string(sha));
    json_object_set_new(j, "type", json_string(c->is_precert ? "precertificate" : "certificate"));
    json_object_set_new(j, "serial",
                        c->serial_hex != NULL && c->serial_hex[0] != '\0'
                            ? json_text(c->serial_hex)
                            : json_null());
    json_object_set_new(j, "issuer",
                        c->issuer != NULL && c->issuer[0] != '\0' ? json_text(c->issuer)
                                                                  : json_null());
    json_object_set_new(j, "subject",
                        c->subject != NULL && c->subject[0] != '\0' ? json_text(c->subject)
                                                                    : json_null());
    for (const char *p = c->dns_names; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        char *one = strndup(p, len);
        json_array_append_new(names, json_text(one));
        free(one);
        p += len + (p[len] == ',');
    }
    json_object_set_new(j, "dns_names", names);
    json_object_set_new(j, "not_before", json_time(c->not_before));
    json_object_set_new(j, "not_after", json_time(c->not_after));
    json_object_set_new(j, "revoked", json_boolean(revoked));
    json_object_set_new(j, "revocation_date",
                        revoked ? json_time(c->revocation_date) : json_null());
    json_object_set_new(j, "reason",
                        revoked && c->reason != CG_REASON_OMITTED
                            ? json_string(cg_incident_reason_name(c->reason))
                            : json_null());
    json_object_set_new(j, "first_seen_on_crl",
                        revoked ? json_time(c->published_at) : json_null());
    return j;
}

/* incident show --format json: one document, "schema" first as in status. */
static json_t *show_json(const cg_incident *inc, int64_t at)
{
    size_t n = cg_cli_incident_count_certs(inc);
    json_t *root = json_object(), *fields = NULL, *certs = json_array(), *events = json_array(),
           *rules = json_array();
    if (n == (size_t)-1 || root == NULL || certs == NULL || events == NULL || rules == NULL ||
        (fields = incident_json(inc, n)) == NULL)
        goto err;
    json_object_set_new(root, "schema", json_integer(CG_JSON_SCHEMA_VERSION));
    json_object_update(root, fields);
    json_decref(fields);
    for (size_t i = 0; i < inc->n_rules; i++)
        json_array_append_new(rules, json_text(inc->rules[i]));
    json_object_set_new(root, "rules", rules);
    rules = NULL;
    for (size_t i = 0; i < inc->n_certs; i++) {
        json_t *c = cert_json(&inc->certs[i], at);
        if (c == NULL)
            goto err;
        json_array_append_new(certs, c);
    }
    json_object_set_new(root, "certificates", certs);
    certs = NULL;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        json_t *e = json_object();
        if (e == NULL)
            goto err;
        json_object_set_new(e, "at", json_time(ev->at));
        json_object_set_new(e, "type", json_string(cg_event_type_name(ev->type)));
        json_object_set_new(e, "note", json_text(ev->note));
        json_array_append_new(events, e);
    }
    json_object_set_new(root, "events", events);
    return root;
err:
    json_decref(root);
    json_decref(certs);
    json_decref(events);
    json_decref(rules);
    return NULL;
}

typedef struct {
    cg_out_format format;
    int failed; /* out of memory */
} list_ctx;

static int list_one(void *arg, const cg_incident *inc)
{
    list_ctx *lc = arg;
    char reported[32], kind[128];
    size_t n = cg_cli_incident_count_certs(inc);
    if (n == (size_t)-1) {
        lc->failed = 1;
        return 0;
    }
    if (lc->format == CG_OUT_JSON) {
        /* JSON Lines, "schema" last as on every finding line. */
        json_t *j = incident_json(inc, n);
        char *line = NULL;
        if (j != NULL) {
            json_object_set_new(j, "schema", json_integer(CG_JSON_SCHEMA_VERSION));
            line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
        }
        json_decref(j);
        if (line == NULL) {
            lc->failed = 1;
            return 0;
        }
        puts(line);
        free(line);
        return 1;
    }
    cg_time_format(inc->reported_at, reported, sizeof(reported));
    printf("%-5lld %-26s %s %3zu cert%s  %-6s ", (long long)inc->id,
           term(inc->kind, kind, sizeof(kind)), reported, n, n == 1 ? " " : "s",
           is_closed(inc) ? "closed" : "open");
    cg_esc_term_fputs(inc->title, stdout);
    putchar('\n');
    return 1;
}

int cg_cli_incident_cmd_list(int argc, char **argv)
{
    const char *store_opt = NULL;
    list_ctx lc = {CG_OUT_TEXT, 0};
    const cg_cli_opt opt[] = {
        {"format", CG_CLI_OPT_FORMAT, &lc.format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    int rc;
    if (!cg_cli_opts_parse("incident list", cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc,
                           argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands("incident list", argc, argv))
        return CG_EXIT_USAGE;
    cg_store *st = cg_cli_store_open("incident list", store_opt, 0);
    if (st == NULL)
        return CG_EXIT_USAGE;
    int ok = cg_store_incident_list(st, list_one, &lc) && !lc.failed;
    if (!ok)
        fprintf(stderr, "caguard incident list: %s\n",
                lc.failed ? "out of memory" : cg_store_errmsg(st));
    cg_store_close(st);
    return ok && fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
}

static void show(const cg_incident *inc, int64_t at)
{
    const cg_incident_kind *k = cg_incident_kind_lookup(inc->kind);
    char t[32], window[32], reason[48], sha[65], kind[128];
    printf("incident %lld%s", (long long)inc->id, inc->title != NULL ? ": " : "");
    cg_esc_term_fputs(inc->title, stdout);
    putchar('\n');
    if (k != NULL) {
        cg_incident_window_name(k->window, window, sizeof(window));
        cg_incident_reason_describe(k->reason, reason, sizeof(reason));
        printf("  kind           %s: revoke within %s, %s [%s]\n", k->name, window, reason,
               k->reference);
    } else {
        printf("  kind           %s (unknown to this caguard)\n",
               term(inc->kind, kind, sizeof(kind)));
    }
    printf("  source         %s\n", cg_source_name(inc->source));
    cg_time_format(inc->reported_at, t, sizeof(t));
    printf("  reported       %s\n", t);
    if (k != NULL) {
        cg_time_format(inc->reported_at + k->window, t, sizeof(t));
        printf("  revoke by      %s\n", t);
    }
    if (inc->next_update_at != 0) {
        cg_time_format(inc->next_update_at, t, sizeof(t));
        printf("  next update    %s\n", t);
    }
    printf("  state          %s\n", is_closed(inc) ? "closed" : "open");
    size_t n = cg_cli_incident_count_certs(inc);
    if (n != (size_t)-1 && n != inc->n_certs)
        printf("\n  certificates (%zu by issuer and serial; %zu objects):\n", n, inc->n_certs);
    else
        printf("\n  certificates (%zu):\n", inc->n_certs);
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        cg_hex(c->sha256, 32, sha);
        printf("  %-14s %s\n", c->is_precert ? "precertificate" : "certificate", sha);
        printf("    serial ");
        cg_esc_term_fputs(c->serial_hex, stdout);
        printf(", subject ");
        cg_esc_term_fputs(c->subject, stdout);
        putchar('\n');
        if (cg_incident_cert_revoked_at(c, at)) {
            char pub[32];
            cg_time_format(c->revocation_date, t, sizeof(t));
            cg_incident_reason_describe(c->reason, reason, sizeof(reason));
            if (c->published_at != 0)
                cg_time_format(c->published_at, pub, sizeof(pub));
            else
                snprintf(pub, sizeof(pub), "unknown");
            printf("    revoked %s, %s; first seen on a CRL %s\n", t, reason, pub);
        } else {
            printf("    not seen revoked on a CRL\n");
        }
    }
    printf("\n  events (%zu):\n", inc->n_events);
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        cg_time_format(ev->at, t, sizeof(t));
        printf("  %s %-18s ", t, cg_event_type_name(ev->type));
        cg_esc_term_fputs(ev->note, stdout);
        putchar('\n');
    }
}

static int show_out(const cg_incident *inc, int64_t at, cg_out_format format)
{
    if (format == CG_OUT_TEXT) {
        show(inc, at);
        return fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
    }
    json_t *j = show_json(inc, at);
    char *text =
        j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text == NULL) {
        fprintf(stderr, "caguard incident show: out of memory\n");
        return CG_EXIT_USAGE;
    }
    puts(text);
    free(text);
    return fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
}

int cg_cli_incident_cmd_show(int argc, char **argv)
{
    static const char *cmd = "incident show";
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    int64_t id;
    cg_incident inc;
    int rc = CG_EXIT_USAGE;
    const cg_cli_opt opt[] = {
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give one incident ID (a number)");
    cg_store *st = cg_cli_incident_open(cmd, store_opt, id, 1, &inc);
    if (st != NULL)
        rc = show_out(&inc, (int64_t)time(NULL), format);
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}
