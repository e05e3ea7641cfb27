/* caguard incident: incidents and their CCADB reports. `kinds` and `lint`
 * need no store; the subcommands that record incidents (open, event, list,
 * show, status, report) go through the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "incident/certs.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/kinds_doc.h"
#include "incident/report.h"
#if CAGUARD_HAVE_MONITOR
#include "cli/incident_bug.h"
#include "monitor/config.h"
#endif
#include "report/output.h"
#include "store/ingest.h"
#include "store/pairing.h"
#include "store/store.h"
#include "util/escape.h"
#include "util/grow.h"
#include "x509/time.h"

static void incident_help(FILE *f)
{
    fprintf(f, "usage: caguard incident SUBCOMMAND [OPTIONS] [ARGS]\n\n"
               "Incidents: why certificates must be revoked, by when, and the CCADB\n"
               "incident report (docs/incidents.md).\n\n"
               "subcommands:\n"
               "  kinds [--format text|markdown]\n"
               "        the incident kinds: revocation window and required CRL reason\n"
               "        (TLS BRs §4.9.1.1); markdown is docs/incident-kinds.md\n"
               "  lint [--format text|json] [--incident ID [--at TIME]] FILE.md\n"
               "        check an edited CCADB incident report (template v3.2): missing,\n"
               "        empty, N/A where content is required, fill-in markers left,\n"
               "        Action Items and contributing factors (incident.report_incomplete);\n"
               "        with --incident, against the store too: the certificate count,\n"
               "        the appendix's serials, revoked status, revocation dates and\n"
               "        reasons at TIME (incident.report_inconsistent); FILE may be the\n"
               "        CCADB Appendix CSV alone\n"
               "  open --kind KIND --reported-at TIME [--title T]\n"
               "       [--source self|third-party|audit] [FILE...]\n"
               "        record an incident; FILE... (its certificates and "
               "precertificates)\n"
               "        are ingested too. Prints the new incident's ID alone on the "
               "first\n"
               "        line\n"
               "  event ID --type "
               "preliminary-report|full-report|update|question|response|\n"
               "       closure --at TIME [--note TEXT] [--next-update TIME]\n"
               "        record an event of the incident's handling (--next-update: the\n"
               "        next-update date set for it)\n"
               "  list [--format text|json]\n"
               "        every incident, one a line (json: one JSON object a line)\n"
               "  show ID [--format text|json]\n"
               "        an incident, its certificates (as seen on CRLs) and its events\n"
               "  status [ID] [--at TIME] [--format text|json] [--include RULE]...\n"
               "       [--exclude RULE]... [--min-severity SEV] [--fail-on SEV] [--quiet]\n"
               "        the revocation and reporting deadlines (revocation.*, incident.*\n"
               "        findings) of one incident or all; evaluated now, the findings are\n"
               "        also stored (caguard findings), every one of them: --include,\n"
               "        --exclude, --min-severity, --fail-on and --quiet (as in caguard\n"
               "        check) choose what is printed and what the exit status counts\n"
               "  scope ID [--rule RULE]...\n"
               "        the incident's defect (the rules of its findings; --rule sets\n"
               "        them) and the certificates with it in no incident\n"
               "        (incident.scope_incomplete)\n"
               "  add ID FILE|SHA256...\n"
               "        add certificates to the incident: files (ingested too) or\n"
               "        objects of the store by SHA-256\n"
               "  report ID [--kind preliminary|full|closure] [--at TIME]\n"
               "       [--config FILE] [--full-report FILE] [--appendix-csv FILE]\n"
               "        a CCADB report draft (Markdown; default full) with what caguard\n"
               "        knows filled in and [[FILL IN: ...]] where only the CA can\n"
               "        answer; --config reads [ccadb] owner_id; closure (the Report\n"
               "        Closure Summary) needs the Full report as posted and is refused\n"
               "        (exit 1) while one of its Action Items is open\n"
               "  link ID --bug URL [--ca-account EMAIL]... [--config FILE]\n"
               "        follow the incident on its Bugzilla bug\n"
               "        (https://bugzilla.mozilla.org/show_bug.cgi?id=N); the CA's accounts\n"
               "        are --ca-account and [ccadb] ca_accounts of --config\n"
               "  sync [ID] [--from-json DIR] [--api-key-file FILE] [--config FILE]\n"
               "       [--at TIME] [--format text|json]\n"
               "        read the bug of one incident or all (Bugzilla's REST API, or DIR\n"
               "        with bug.json and comment.json), take every comment in once as\n"
               "        an event and the Whiteboard's \"Next update\" date, then judge the\n"
               "        thread: incident.question_unanswered, incident.update_overdue,\n"
               "        incident.update_missed; --api-key-file FILE: a Bugzilla API key\n"
               "        (one line; never printed) for private and security bugs\n\n"
               "TIME is RFC 3339 (2024-06-01T00:00:00Z). The store subcommands take\n"
               "--store PATH_OR_URI (or the global --store, $CAGUARD_STORE, "
               "caguard.db).\n\n"
               "exit status: 0 fine, 1 an error finding (status) or an incomplete "
               "report\n"
               "(lint), 2 usage error, bad input (the store is then untouched), a file\n"
               "that cannot be read or a store that cannot be used.\n");
}

static int write_out(const cg_sbuf *b)
{
    if (b->failed) {
        fprintf(stderr, "caguard incident: out of memory\n");
        return CG_EXIT_USAGE;
    }
    fwrite(cg_sbuf_str(b), 1, b->len, stdout);
    return fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
}

static int cmd_kinds(int argc, char **argv)
{
    const char *format = "text";
    const cg_cli_opt opt[] = {{"format", CG_CLI_OPT_STRING, &format, 0, NULL}};
    int rc;
    if (!cg_cli_opts_parse("incident kinds", incident_help, opt, CG_CLI_NOPT(opt), argc, argv,
                           &rc))
        return rc;
    if (!cg_cli_opts_no_operands("incident kinds", argc, argv))
        return CG_EXIT_USAGE;
    cg_kinds_format fmt;
    if (strcmp(format, "text") == 0)
        fmt = CG_KINDS_TEXT;
    else if (strcmp(format, "markdown") == 0)
        fmt = CG_KINDS_MARKDOWN;
    else
        return cg_cli_usage_error("incident kinds", "--format must be text or markdown, not '%s'",
                                  format);
    cg_sbuf b = CG_SBUF_INIT;
    cg_incident_kinds_write(&b, fmt);
    rc = write_out(&b);
    cg_sbuf_free(&b);
    return rc;
}

static int get_incident(const char *cmd, cg_store *st, int64_t id, cg_incident *inc);

/* --incident ID: the incident as the store knows it at `at` (its
 * revocations observed), into *inc; 1, or 0 said. */
static int lint_incident(const char *store_opt, const char *id_text, cg_incident *inc)
{
    static const char *cmd = "incident lint";
    int64_t id = 0;
    int ok = 0;
    if (!cg_cli_parse_id(id_text, &id)) {
        cg_cli_usage_error(cmd, "--incident takes an incident ID (a number), not '%s'", id_text);
        return 0;
    }
    cg_store *st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        return 0;
    if (get_incident(cmd, st, id, inc) > 0) {
        ok = cg_store_incident_observe_revocations(st, inc);
        if (!ok)
            fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
    }
    cg_store_close(st);
    return ok;
}

static int cmd_lint(int argc, char **argv)
{
    cg_out_format format = CG_OUT_TEXT;
    const char *store_opt = NULL, *incident = NULL;
    int64_t at = (int64_t)time(NULL);
    const cg_cli_opt opt[] = {
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"incident", CG_CLI_OPT_STRING, &incident, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    int rc;
    cg_incident inc;
    memset(&inc, 0, sizeof(inc));
    if (!cg_cli_opts_parse("incident lint", incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind != 1)
        return cg_cli_usage_error("incident lint", "give one report file (Markdown)");
    const char *path = argv[optind];
    char err[512];
    size_t len = 0;
    uint8_t *md = cg_cli_read_file(path, &len, err, sizeof(err));
    if (md == NULL) {
        fprintf(stderr, "caguard incident lint: %s\n", err);
        return CG_EXIT_USAGE;
    }
    if (incident == NULL && cg_incident_appendix_csv_is((const char *)md, len)) {
        free(md);
        return cg_cli_usage_error("incident lint", "%s is an Appendix CSV: it is checked "
                                  "against an incident's certificates, give --incident ID",
                                  path);
    }
    if (incident != NULL && !lint_incident(store_opt, incident, &inc)) {
        free(md);
        cg_incident_clear(&inc);
        return CG_EXIT_USAGE;
    }
    cg_out *out = cg_out_new(stdout, format, 0);
    if (out == NULL) {
        free(md);
        fprintf(stderr, "caguard incident lint: out of memory\n");
        return CG_EXIT_USAGE;
    }
    cg_ctx ctx;
    cg_objref obj;
    memset(&obj, 0, sizeof(obj));
    obj.file = path;
    obj.kind = CG_KIND_INCIDENT;
    cg_ctx_init(&ctx, 0, cg_out_sink, out);
    /* the Appendix CSV alone: only the store has anything to say of it */
    int csv = cg_incident_appendix_csv_is((const char *)md, len);
    int n = csv ? 0 : cg_incident_lint((const char *)md, len, &ctx, &obj);
    if (incident != NULL) {
        int k = cg_incident_report_consistency((const char *)md, len, &inc, at, &ctx, &obj);
        if (k < 0) {
            fprintf(stderr, "caguard incident lint: out of memory\n");
            cg_out_free(out);
            free(md);
            cg_incident_clear(&inc);
            return CG_EXIT_USAGE;
        }
        n += k;
    }
    if (format == CG_OUT_TEXT && n == 0) {
        cg_esc_term_fputs(path, stdout);
        if (csv)
            printf(": an Appendix CSV consistent with the store\n");
        else
            printf(": complete (CCADB incident report template v3.2)%s\n",
                   incident != NULL ? " and consistent with the store" : "");
    } else if (format == CG_OUT_TEXT) {
        putchar('\n');
        cg_esc_term_fputs(path, stdout);
        printf(": not complete: %d thing%s to write or fix\n", n, n == 1 ? "" : "s");
    }
    cg_out_free(out);
    cg_incident_clear(&inc);
    free(md);
    if (fflush(stdout) != 0)
        return CG_EXIT_USAGE;
    return n == 0 ? CG_EXIT_OK : CG_EXIT_FINDINGS;
}

/* ---- the subcommands that use the store ---- */

/* The incident's certificates as the CCADB counts them (by issuer and
 * serial), or (size_t)-1 when out of memory. */
static size_t count_certs(const cg_incident *inc)
{
    cg_incident_unit *u;
    size_t n;
    if (!cg_incident_units(inc, &u, &n))
        return (size_t)-1;
    free(u);
    return n;
}

/* The incident or a message: 1 found, 0 not there (said), -1 store error
 * (said). */
static int get_incident(const char *cmd, cg_store *st, int64_t id, cg_incident *inc)
{
    int found = 0;
    memset(inc, 0, sizeof(*inc));
    if (!cg_store_incident_get(st, id, inc, &found)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        return -1;
    }
    if (!found) {
        fprintf(stderr, "caguard %s: no incident %lld in the store\n", cmd, (long long)id);
        return 0;
    }
    return 1;
}

static void count_finding(void *arg, const cg_finding *f)
{
    (void)f;
    (*(size_t *)arg)++;
}

typedef struct {
    const char *name;
    uint8_t *data;
    size_t len;
} input_file;

/* The defect of an incident opened on certificates: the rules of the open
 * error findings on them (the incident-process and gate rules left out). */
typedef struct {
    char **v;
    size_t n, cap;
    int failed;
} rule_set;

static int collect_rule(void *arg, const cg_store_finding *f)
{
    rule_set *r = arg;
    if (f->severity != CG_SEV_ERROR || strncmp(f->rule, "incident.", 9) == 0 ||
        strncmp(f->rule, "revocation.", 11) == 0 || strncmp(f->rule, "gate.", 5) == 0)
        return 1;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i], f->rule) == 0)
            return 1;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap == 0 ? 4 : r->cap * 2;
        char **v = realloc(r->v, cap * sizeof(*v));
        if (v == NULL) {
            r->failed = 1;
            return 0;
        }
        r->v = v;
        r->cap = cap;
    }
    if ((r->v[r->n] = strdup(f->rule)) == NULL) {
        r->failed = 1;
        return 0;
    }
    r->n++;
    return 1;
}

static int default_rules(cg_store *st, cg_incident *inc)
{
    rule_set r = {NULL, 0, 0, 0};
    int ok = 1;
    for (size_t i = 0; ok && i < inc->n_certs; i++) {
        cg_store_finding_filter flt;
        memset(&flt, 0, sizeof(flt));
        flt.open_only = 1;
        flt.has_object = 1;
        memcpy(flt.object, inc->certs[i].sha256, 32);
        ok = cg_store_findings(st, &flt, collect_rule, &r) && !r.failed;
    }
    inc->rules = r.v;
    inc->n_rules = r.n;
    return ok;
}

static int cmd_open(int argc, char **argv)
{
    static const char *cmd = "incident open";
    const char *kind = NULL, *store_opt = NULL;
    int64_t now = (int64_t)time(NULL), at = now, seen_at = now;
    int have_reported = 0, rc = CG_EXIT_USAGE;
    cg_incident inc;
    input_file *files = NULL;
    size_t n_files = 0;
    cg_store *st = NULL;
    cg_ingest *ing = NULL;
    char err[1024];

    memset(&inc, 0, sizeof(inc));
    inc.source = CG_SOURCE_SELF;
    const cg_cli_opt opt[] = {
        {"kind", CG_CLI_OPT_STRING, &kind, 0, NULL},
        {"reported-at", CG_CLI_OPT_TIME, &inc.reported_at, 0, &have_reported},
        {"title", CG_CLI_OPT_KEY_VALUE, NULL, 't', NULL},
        {"source", CG_CLI_OPT_KEY_VALUE, NULL, 's', NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"seen-at", CG_CLI_OPT_TIME, &seen_at, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (key == 't') {
            free(inc.title);
            inc.title = strdup(p.value);
        } else if (!cg_source_lookup(p.value, &inc.source)) {
            cg_cli_usage_error(cmd, "--source must be self, third-party or audit, not '%s'",
                               p.value);
            goto out;
        }
    }
    if (kind == NULL) {
        cg_cli_usage_error(cmd, "--kind is required (one of: %s)", cg_incident_kind_names());
        goto out;
    }
    if (cg_incident_kind_lookup(kind) == NULL) {
        cg_cli_usage_error(cmd, "unknown kind '%s'; the kinds are: %s", kind,
                           cg_incident_kind_names());
        goto out;
    }
    if (!have_reported) {
        cg_cli_usage_error(cmd, "--reported-at TIME is required (when the certificate problem "
                                "report was received)");
        goto out;
    }
    inc.kind = strdup(kind);
    if (inc.kind == NULL ||
        (optind < argc && (files = calloc((size_t)(argc - optind), sizeof(*files))) == NULL)) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    /* Every file is read and understood before the store is opened: bad
     * input leaves the store as it was. */
    for (int i = optind; i < argc; i++) {
        input_file *f = &files[n_files];
        f->name = argv[i];
        f->data = cg_cli_read_file(argv[i], &f->len, err, sizeof(err));
        if (f->data == NULL) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
        n_files++;
        if (!cg_incident_add_certs(&inc, f->name, f->data, f->len, err, sizeof(err))) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
    }
    cg_incident_pair_certs(&inc);

    st = cg_cli_store_open(cmd, store_opt, CG_STORE_CREATE);
    if (st == NULL)
        goto out;
    size_t findings = 0;
    if (n_files > 0) {
        cg_ingest_opts io;
        memset(&io, 0, sizeof(io));
        io.at = at;
        io.seen_at = seen_at;
        ing = cg_ingest_new(st, &io, count_finding, &findings);
        if (ing == NULL) {
            fprintf(stderr, "caguard %s: out of memory\n", cmd);
            goto out;
        }
        for (size_t i = 0; i < n_files; i++) {
            if (!cg_ingest_file(ing, files[i].name, files[i].data, files[i].len, err,
                                sizeof(err))) {
                fprintf(stderr, "caguard %s: %s (no incident recorded)\n", cmd, err);
                goto out;
            }
        }
    }
    if (!cg_store_incident_pair_certs(st, &inc) || !default_rules(st, &inc) ||
        !cg_store_incident_create(st, &inc)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    printf("%lld\n", (long long)inc.id);
    if (ing != NULL) {
        const cg_ingest_stats *s = cg_ingest_get0_stats(ing);
        size_t n = count_certs(&inc);
        fprintf(stderr,
                "caguard %s: incident %lld with %zu certificate%s (by issuer and serial; "
                "%zu object%s); %zu object%s ingested (%zu new), %zu new finding%s "
                "('caguard findings')\n",
                cmd, (long long)inc.id, n, n == 1 ? "" : "s", inc.n_certs,
                inc.n_certs == 1 ? "" : "s", s->objects, s->objects == 1 ? "" : "s",
                s->new_objects, findings, findings == 1 ? "" : "s");
    }
    rc = fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
out:
    cg_ingest_free(ing);
    cg_store_close(st);
    for (size_t i = 0; i < n_files; i++)
        free(files[i].data);
    free(files);
    cg_incident_clear(&inc);
    return rc;
}

static int cmd_event(int argc, char **argv)
{
    static const char *cmd = "incident event";
    const char *store_opt = NULL;
    cg_incident_event ev;
    int have_type = 0, have_at = 0, have_next = 0, rc = CG_EXIT_USAGE;
    int64_t id = 0, next = 0;
    cg_store *st = NULL;
    cg_incident inc;

    memset(&ev, 0, sizeof(ev));
    memset(&inc, 0, sizeof(inc));
    const cg_cli_opt opt[] = {
        {"type", CG_CLI_OPT_KEY_VALUE, NULL, 'T', &have_type},
        {"at", CG_CLI_OPT_TIME, &ev.at, 0, &have_at},
        {"note", CG_CLI_OPT_KEY_VALUE, NULL, 'n', NULL},
        {"next-update", CG_CLI_OPT_TIME, &next, 0, &have_next},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0)
            return p.status;
        if (key == 'n')
            ev.note = p.value;
        else if (!cg_event_type_lookup(p.value, &ev.type))
            return cg_cli_usage_error(cmd,
                                      "--type must be preliminary-report, full-report, "
                                      "update, question, response or closure, not '%s'",
                                      p.value);
    }
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give one incident ID (a number)");
    if (!have_type || !have_at)
        return cg_cli_usage_error(cmd, "--type and --at are required");
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        return CG_EXIT_USAGE;
    if (get_incident(cmd, st, id, &inc) <= 0)
        goto out;
    if (!cg_store_begin(st) || !cg_store_incident_add_event(st, id, &ev) ||
        (have_next && !cg_store_incident_set_next_update(st, id, next)) || !cg_store_commit(st)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        cg_store_rollback(st);
        goto out;
    }
    rc = CG_EXIT_OK;
out:
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

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
    size_t n = count_certs(inc);
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
    size_t n = count_certs(inc);
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

static int cmd_list(int argc, char **argv)
{
    const char *store_opt = NULL;
    list_ctx lc = {CG_OUT_TEXT, 0};
    const cg_cli_opt opt[] = {
        {"format", CG_CLI_OPT_FORMAT, &lc.format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    int rc;
    if (!cg_cli_opts_parse("incident list", incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
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
    size_t n = count_certs(inc);
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

static int cmd_show(int argc, char **argv)
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
    if (!cg_cli_opts_parse(cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give one incident ID (a number)");
    cg_store *st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        return CG_EXIT_USAGE;
    if (get_incident(cmd, st, id, &inc) > 0) {
        if (cg_store_incident_observe_revocations(st, &inc)) {
            rc = show_out(&inc, (int64_t)time(NULL), format);
        } else {
            fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        }
    }
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

/* ---- scope: the incident's defect and the certificates it misses ---- */

/* The gaps of an incident's scope named in names ("serial 0a1b
 * (certificate)") for the report; the findings on them are the store's
 * judgement (cg_store_incident_scope_check). */
typedef struct {
    char **names;
    size_t n, cap;
    int failed;
} gap_sink;

static int gap_fn(void *arg, const cg_store_scope_gap *g)
{
    gap_sink *gs = arg;
    char sha[65], buf[256];
    cg_hex(g->sha256, 32, sha);
    snprintf(buf, sizeof(buf), "serial %s (%s, sha256 %.16s...)", g->serial_hex,
             cg_kind_name(g->kind), sha);
    if (!cg_grow((void **)&gs->names, &gs->cap, gs->n + 1, sizeof(*gs->names)) ||
        (gs->names[gs->n] = strdup(buf)) == NULL) {
        gs->failed = 1;
        return 0;
    }
    gs->n++;
    return 1;
}

static void gap_sink_clear(gap_sink *gs)
{
    for (size_t i = 0; i < gs->n; i++)
        free(gs->names[i]);
    free(gs->names);
}

/* The rule IDs of inc->rules, for the report (unknown IDs left out). */
static cg_rule_id *rule_ids(const cg_incident *inc, size_t *n)
{
    cg_rule_id *v = calloc(inc->n_rules + 1, sizeof(*v));
    *n = 0;
    for (size_t i = 0; v != NULL && i < inc->n_rules; i++) {
        if (cg_rule_lookup(inc->rules[i], &v[*n]))
            (*n)++;
    }
    return v;
}

/* status: the findings go to the output (those selected: --include ...)
 * and, when recording, to the store (all of them). */
typedef struct {
    cg_cli_select *sel;
    cg_store *st;
    int record;
    int failed;
    int64_t at;
    int64_t *ids; /* finding IDs stored in this run */
    size_t n_ids, cap_ids;
} status_sink;

static void status_finding(void *arg, const cg_finding *f)
{
    status_sink *s = arg;
    cg_cli_select_sink(s->sel, f);
    if (!s->record || s->failed)
        return;
    int64_t id = 0;
    if (!cg_cli_put_finding(s->st, f, s->at, &id)) {
        s->failed = 1;
        return;
    }
    if (s->n_ids == s->cap_ids) {
        size_t cap = s->cap_ids == 0 ? 16 : s->cap_ids * 2;
        int64_t *v = realloc(s->ids, cap * sizeof(*v));
        if (v == NULL) {
            s->failed = 1;
            return;
        }
        s->ids = v;
        s->cap_ids = cap;
    }
    s->ids[s->n_ids++] = id;
}

typedef struct {
    status_sink *sink;
    int64_t *stale;
    size_t n, cap;
    int failed;
} stale_list;

/* The incident's open findings of the incident rules that this run did not
 * report: they no longer apply. */
static int stale_fn(void *arg, const cg_store_finding *sf)
{
    stale_list *l = arg;
    for (size_t i = 0; i < l->sink->n_ids; i++) {
        if (l->sink->ids[i] == sf->id)
            return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 16 : l->cap * 2;
        int64_t *v = realloc(l->stale, cap * sizeof(*v));
        if (v == NULL) {
            l->failed = 1;
            return 0;
        }
        l->stale = v;
        l->cap = cap;
    }
    l->stale[l->n++] = sf->id;
    return 1;
}

static int status_one(cg_ctx *ctx, status_sink *sink, cg_incident *inc)
{
    if (!cg_store_incident_observe_revocations(sink->st, inc))
        return 0;
    if (!sink->record) {
        cg_incident_check(ctx, inc);
        return cg_store_incident_scope_check(sink->st, inc, ctx);
    }
    sink->n_ids = 0;
    if (!cg_store_begin(sink->st))
        return 0;
    cg_incident_check(ctx, inc);
    if (!cg_store_incident_scope_check(sink->st, inc, ctx)) {
        cg_store_rollback(sink->st);
        return 0;
    }
    stale_list l = {sink, NULL, 0, 0, 0};
    cg_store_finding_filter flt;
    memset(&flt, 0, sizeof(flt));
    flt.open_only = 1;
    flt.incident = inc->id;
    int ok = !sink->failed && cg_store_findings(sink->st, &flt, stale_fn, &l) && !l.failed;
    for (size_t i = 0; ok && i < l.n; i++)
        ok = cg_store_resolve_finding(sink->st, l.stale[i], sink->at);
    free(l.stale);
    if (!ok) {
        cg_store_rollback(sink->st);
        return 0;
    }
    return cg_store_commit(sink->st);
}

static int cmd_status(int argc, char **argv)
{
    static const char *cmd = "incident status";
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    cg_cli_select sel;
    cg_cli_select_init(&sel);
    int64_t at = (int64_t)time(NULL), id = 0;
    int have_at = 0, rc = CG_EXIT_USAGE, ok;
    cg_incident inc;
    int64_t *ids = NULL;
    size_t n_ids = 0;
    const cg_cli_opt opt[] = {
        {"at", CG_CLI_OPT_TIME, &at, 0, &have_at},
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        CG_CLI_SELECT_OPTS(&sel),
    };
    if (!cg_cli_opts_parse(cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind > 1 || (argc - optind == 1 && !cg_cli_parse_id(argv[optind], &id)))
        return cg_cli_usage_error(cmd, "give at most one incident ID (a number)");
    rc = cg_cli_select_build(&sel, cmd);
    if (rc != CG_EXIT_OK)
        return rc;
    rc = CG_EXIT_USAGE;
    cg_store *st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        return CG_EXIT_USAGE;
    cg_out *out = cg_out_new(stdout, format, 0);
    sel.next = cg_out_sink;
    sel.next_arg = out;
    status_sink sink = {&sel, st, !have_at, 0, at, NULL, 0, 0};
    cg_ctx ctx;
    cg_ctx_init(&ctx, at, status_finding, &sink);
    memset(&inc, 0, sizeof(inc));
    if (out == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    if (id != 0) {
        ids = &id;
        n_ids = 1;
    } else if (!cg_store_incident_ids(st, &ids, &n_ids)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    ok = 1;
    for (size_t i = 0; ok && i < n_ids; i++) {
        if (get_incident(cmd, st, ids[i], &inc) <= 0)
            goto out;
        ok = status_one(&ctx, &sink, &inc);
        cg_incident_clear(&inc);
    }
    if (!ok || sink.failed) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (format == CG_OUT_TEXT && !sel.quiet && sel.count[0] + sel.count[1] + sel.count[2] == 0) {
        char when[32];
        cg_time_format(at, when, sizeof(when));
        printf("no incident finding%s at %s\n",
               ctx.count[0] + ctx.count[1] + ctx.count[2] > 0 ? " of the rules selected" : "",
               when);
    }
    rc = cg_cli_select_failed(&sel, sel.count) ? CG_EXIT_FINDINGS : CG_EXIT_OK;
    if (fflush(stdout) != 0)
        rc = CG_EXIT_USAGE;
out:
    if (ids != &id)
        free(ids);
    free(sink.ids);
    cg_out_free(out);
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

/* The [ccadb] section of a caguard configuration file (monitor --config's
 * INI): the CA Owner CCADB unique ID. 1, or 0 (said). */
static int read_owner_id(const char *cmd, const char *path, char **owner_id)
{
#if !CAGUARD_HAVE_MONITOR
    (void)path;
    *owner_id = NULL;
    fprintf(stderr,
            "caguard %s: --config needs the configuration reader, which this caguard was "
            "built without (CAGUARD_WITH_MONITOR)\n",
            cmd);
    return 0;
#else
    cg_monitor_config cfg;
    char err[1024];
    cg_monitor_config_init(&cfg);
    if (!cg_monitor_config_load(&cfg, path, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        cg_monitor_config_clear(&cfg);
        return 0;
    }
    *owner_id = cfg.ccadb.owner_id; /* taken */
    cfg.ccadb.owner_id = NULL;
    cg_monitor_config_clear(&cfg);
    return 1;
#endif
}

static int cmd_report(int argc, char **argv)
{
    static const char *cmd = "incident report";
    const char *store_opt = NULL, *csv_path = NULL, *kind = "full", *config = NULL,
               *full_path = NULL;
    int64_t at = (int64_t)time(NULL), id = 0;
    int rc = CG_EXIT_USAGE;
    cg_incident inc;
    cg_sbuf md = CG_SBUF_INIT, csv = CG_SBUF_INIT;
    cg_report_opts ro;
    char *owner_id = NULL, err[1024];
    uint8_t *full = NULL;
    cg_store *st = NULL;
    gap_sink gs = {NULL, 0, 0, 0};
    cg_rule_id *rules = NULL;
    const cg_cli_opt opt[] = {
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"kind", CG_CLI_OPT_STRING, &kind, 0, NULL},
        {"full-report", CG_CLI_OPT_STRING, &full_path, 0, NULL},
        {"config", CG_CLI_OPT_STRING, &config, 0, NULL},
        {"appendix-csv", CG_CLI_OPT_STRING, &csv_path, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    memset(&inc, 0, sizeof(inc));
    memset(&ro, 0, sizeof(ro));
    if (!cg_cli_opts_parse(cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give one incident ID (a number)");
    if (!cg_report_kind_lookup(kind, &ro.kind))
        return cg_cli_usage_error(cmd, "--kind must be preliminary, full or closure, not '%s'",
                                  kind);
    if (full_path != NULL && ro.kind != CG_REPORT_CLOSURE)
        return cg_cli_usage_error(cmd, "--full-report is for --kind closure");
    if (ro.kind == CG_REPORT_CLOSURE && full_path == NULL)
        return cg_cli_usage_error(cmd, "--kind closure needs --full-report FILE, the Full "
                                       "Incident Report as posted: the closure says all its "
                                       "Action Items are complete");
    if (config != NULL && !read_owner_id(cmd, config, &owner_id))
        goto out;
    ro.owner_id = owner_id;
    if (full_path != NULL) {
        full = cg_cli_read_file(full_path, &ro.full_len, err, sizeof(err));
        if (full == NULL) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
        ro.full_md = (const char *)full;
    }
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    if (get_incident(cmd, st, id, &inc) <= 0)
        goto out;
    if (!cg_store_incident_observe_revocations(st, &inc)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (!cg_store_incident_scope_gaps(st, &inc, gap_fn, &gs) || gs.failed) {
        fprintf(stderr, "caguard %s: %s\n", cmd,
                gs.failed ? "out of memory" : cg_store_errmsg(st));
        goto out;
    }
    ro.scope_gaps = (const char *const *)gs.names;
    ro.n_scope_gaps = gs.n;
    rules = rule_ids(&inc, &ro.n_rules);
    ro.rules = rules;
    if (!cg_incident_report_draft(&inc, at, &ro, &md, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        rc = md.failed ? CG_EXIT_USAGE : CG_EXIT_FINDINGS;
        goto out;
    }
    if (csv_path != NULL)
        cg_incident_appendix_csv(&inc, at, &csv);
    if (md.failed || csv.failed) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    if (csv_path != NULL) {
        FILE *f = fopen(csv_path, "wb");
        int wrote = f != NULL && fwrite(cg_sbuf_str(&csv), 1, csv.len, f) == csv.len;
        if (f != NULL && fclose(f) != 0)
            wrote = 0;
        if (!wrote) {
            fprintf(stderr, "caguard %s: cannot write %s\n", cmd, csv_path);
            goto out;
        }
    }
    rc = write_out(&md);
out:
    free(owner_id);
    free(full);
    free(rules);
    gap_sink_clear(&gs);
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

static int print_gap(void *arg, const cg_store_scope_gap *g)
{
    char sha[65];
    (void)arg;
    cg_hex(g->sha256, 32, sha);
    printf("  %-14s serial %s, sha256 %s (%s)\n", cg_kind_name(g->kind), g->serial_hex, sha,
           g->rule);
    return 1;
}

static int cmd_scope(int argc, char **argv)
{
    static const char *cmd = "incident scope";
    const char *store_opt = NULL;
    const char **rules = NULL;
    size_t n_rules = 0;
    int64_t id = 0;
    int rc = CG_EXIT_USAGE, set = 0;
    cg_incident inc;
    cg_store *st = NULL;
    const cg_cli_opt opt[] = {
        {"rule", CG_CLI_OPT_KEY_VALUE, NULL, 'r', NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    memset(&inc, 0, sizeof(inc));
    rules = calloc((size_t)argc + 1, sizeof(*rules));
    if (rules == NULL)
        return CG_EXIT_USAGE;
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        cg_rule_id r;
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (!cg_rule_lookup(p.value, &r)) {
            cg_cli_usage_error(cmd, "unknown rule '%s' (caguard rules lists them)", p.value);
            goto out;
        }
        rules[n_rules++] = p.value;
        set = 1;
    }
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id)) {
        cg_cli_usage_error(cmd, "give one incident ID (a number)");
        goto out;
    }
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    if (get_incident(cmd, st, id, &inc) <= 0)
        goto out;
    if (set) {
        cg_incident_clear(&inc);
        if (!cg_store_incident_set_rules(st, id, rules, n_rules) ||
            get_incident(cmd, st, id, &inc) <= 0) {
            fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
            goto out;
        }
    }
    printf("incident %lld: defect rules:", (long long)id);
    for (size_t i = 0; i < inc.n_rules; i++)
        printf(" %s", inc.rules[i]);
    printf("%s\ncertificates with the defect in no incident:\n", inc.n_rules == 0 ? " none" : "");
    if (!cg_store_incident_scope_gaps(st, &inc, print_gap, NULL)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    rc = fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
out:
    free(rules);
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

static int is_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
              (s[n] >= 'A' && s[n] <= 'F')))
            return 0;
    }
    return n == 64;
}

static int cmd_add(int argc, char **argv)
{
    static const char *cmd = "incident add";
    const char *store_opt = NULL;
    int64_t id = 0, now = (int64_t)time(NULL), at = now, seen_at = now;
    int rc = CG_EXIT_USAGE;
    cg_incident inc, adds;
    input_file *files = NULL;
    size_t n_files = 0;
    cg_store *st = NULL;
    cg_ingest *ing = NULL;
    char err[1024];
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"seen-at", CG_CLI_OPT_TIME, &seen_at, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
    };
    memset(&inc, 0, sizeof(inc));
    memset(&adds, 0, sizeof(adds));
    if (!cg_cli_opts_parse(cmd, incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind < 2 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give an incident ID and one or more FILE or SHA256");
    files = calloc((size_t)argc, sizeof(*files));
    if (files == NULL)
        return CG_EXIT_USAGE;
    /* Files are read and understood before the store is opened. */
    for (int i = optind + 1; i < argc; i++) {
        if (is_sha256_hex(argv[i]) && access(argv[i], F_OK) != 0)
            continue;
        input_file *f = &files[n_files];
        f->name = argv[i];
        f->data = cg_cli_read_file(argv[i], &f->len, err, sizeof(err));
        if (f->data == NULL) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
        n_files++;
        if (!cg_incident_add_certs(&adds, f->name, f->data, f->len, err, sizeof(err))) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
    }
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    if (get_incident(cmd, st, id, &inc) <= 0)
        goto out;
    /* A SHA-256: the object as stored. */
    for (int i = optind + 1; i < argc; i++) {
        uint8_t sha[32];
        int found = 0;
        if (!is_sha256_hex(argv[i]) || access(argv[i], F_OK) == 0)
            continue;
        for (size_t k = 0; k < 32; k++) {
            unsigned v;
            sscanf(argv[i] + 2 * k, "%2x", &v);
            sha[k] = (uint8_t)v;
        }
        cg_store_object *o = cg_store_get1_object(st, sha, &found);
        if (!found) {
            fprintf(stderr, "caguard %s: %s\n", cmd,
                    o == NULL && cg_store_errmsg(st)[0] != '\0' ? cg_store_errmsg(st)
                                                                : "no object with that SHA-256 "
                                                                  "in the store");
            cg_store_object_free(o);
            goto out;
        }
        int ok = cg_incident_add_certs(&adds, argv[i], o->der, o->der_len, err, sizeof(err));
        cg_store_object_free(o);
        if (!ok) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
    }
    if (n_files > 0) {
        cg_ingest_opts io;
        size_t findings = 0;
        memset(&io, 0, sizeof(io));
        io.at = at;
        io.seen_at = seen_at;
        ing = cg_ingest_new(st, &io, count_finding, &findings);
        if (ing == NULL) {
            fprintf(stderr, "caguard %s: out of memory\n", cmd);
            goto out;
        }
        for (size_t i = 0; i < n_files; i++) {
            if (!cg_ingest_file(ing, files[i].name, files[i].data, files[i].len, err,
                                sizeof(err))) {
                fprintf(stderr, "caguard %s: %s (nothing added)\n", cmd, err);
                goto out;
            }
        }
    }
    cg_incident_pair_certs(&adds);
    size_t added = 0;
    if (!cg_store_incident_pair_certs(st, &adds) || !cg_store_begin(st))
        goto store_err;
    for (size_t i = 0; i < adds.n_certs; i++) {
        int is_new = 0;
        if (!cg_store_incident_add_cert(st, id, &adds.certs[i], &is_new)) {
            cg_store_rollback(st);
            goto store_err;
        }
        added += is_new;
    }
    if (!cg_store_commit(st))
        goto store_err;
    fprintf(stderr, "caguard %s: %zu object%s added to incident %lld (%zu already in it)\n", cmd,
            added, added == 1 ? "" : "s", (long long)id, adds.n_certs - added);
    rc = CG_EXIT_OK;
    goto out;
store_err:
    fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
out:
    cg_ingest_free(ing);
    for (size_t i = 0; i < n_files; i++)
        free(files[i].data);
    free(files);
    cg_incident_clear(&inc);
    cg_incident_clear(&adds);
    cg_store_close(st);
    return rc;
}

#if CAGUARD_HAVE_MONITOR
static int cmd_link(int argc, char **argv)
{
    return cg_incident_cmd_link(argc, argv, incident_help);
}

static int cmd_sync(int argc, char **argv)
{
    return cg_incident_cmd_sync(argc, argv, incident_help);
}
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
} subcommands[] = {
    {"kinds", cmd_kinds}, {"lint", cmd_lint}, {"open", cmd_open},     {"event", cmd_event},
    {"list", cmd_list},   {"show", cmd_show}, {"status", cmd_status}, {"report", cmd_report},
    {"scope", cmd_scope}, {"add", cmd_add},
#if CAGUARD_HAVE_MONITOR
    {"link", cmd_link},   {"sync", cmd_sync},
#endif
};

int cg_cmd_incident(int argc, char **argv)
{
    if (argc < 2) {
        incident_help(stderr);
        return CG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        incident_help(stdout);
        return CG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    }
    return cg_cli_usage_error("incident",
                              "unknown subcommand '%s' (kinds, lint, open, event, list, show, "
                              "status, report, scope, add, link, sync)",
                              argv[1]);
}
