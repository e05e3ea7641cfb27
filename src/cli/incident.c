/* caguard incident: incidents and their CCADB reports. `kinds` and `lint`
 * need no store; the subcommands that record incidents (open, event, list,
 * show, status, report) go through the store. This file holds the command,
 * its help, kinds, lint, status, report and scope; open, event and add are
 * in incident_record.c, list and show in incident_view.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/incident_internal.h"
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
#include "store/store.h"
#include "util/escape.h"
#include "util/grow.h"
#include "x509/time.h"

void cg_cli_incident_help(FILE *f)
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
               "       [--source self|third-party|audit] [--no-br-profile] [FILE...]\n"
               "        record an incident; FILE... (its certificates and "
               "precertificates)\n"
               "        are ingested too. Prints the new incident's ID alone on the "
               "first\n"
               "        line. --no-br-profile (open, add): FILE... ingested without the\n"
               "        TLS BR certificate profile, whose findings would otherwise count as\n"
               "        what the incident is about (its defect: see scope)\n"
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
               "        an event and the Whiteboard's \"Next update\" date, then check the\n"
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
    if (!cg_cli_opts_parse("incident kinds", cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc,
                           argv, &rc))
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

int cg_cli_incident_get(const char *cmd, cg_store *st, int64_t id, cg_incident *inc)
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

int cg_cli_incident_load(const char *cmd, cg_store *st, int64_t id, cg_incident *inc)
{
    if (cg_cli_incident_get(cmd, st, id, inc) <= 0)
        return 0;
    if (!cg_store_incident_observe_revocations(st, inc)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        return 0;
    }
    return 1;
}

cg_store *cg_cli_incident_open(const char *cmd, const char *store_opt, int64_t id, int observe,
                               cg_incident *inc)
{
    memset(inc, 0, sizeof(*inc));
    cg_store *st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        return NULL;
    if (observe ? cg_cli_incident_load(cmd, st, id, inc)
                : cg_cli_incident_get(cmd, st, id, inc) > 0)
        return st;
    cg_store_close(st);
    return NULL;
}

/* --incident ID: the incident as the store knows it at `at` (its
 * revocations observed), into *inc; 1, or 0 said. */
static int lint_incident(const char *store_opt, const char *id_text, cg_incident *inc)
{
    static const char *cmd = "incident lint";
    int64_t id = 0;
    if (!cg_cli_parse_id(id_text, &id)) {
        cg_cli_usage_error(cmd, "--incident takes an incident ID (a number), not '%s'", id_text);
        return 0;
    }
    cg_store *st = cg_cli_incident_open(cmd, store_opt, id, 1, inc);
    cg_store_close(st);
    return st != NULL;
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
    if (!cg_cli_opts_parse("incident lint", cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc,
                           argv, &rc))
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

size_t cg_cli_incident_count_certs(const cg_incident *inc)
{
    cg_incident_unit *u;
    size_t n;
    if (!cg_incident_units(inc, &u, &n))
        return (size_t)-1;
    free(u);
    return n;
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
    if (!cg_grow_push_str(&gs->names, &gs->n, &gs->cap, buf)) {
        gs->failed = 1;
        return 0;
    }
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
    int64_t *slot = cg_grow_push((void **)&s->ids, &s->n_ids, &s->cap_ids, sizeof(*s->ids));
    if (slot == NULL) {
        s->failed = 1;
        return;
    }
    *slot = id;
}

/* A finding of the incident stored by this run: kept open; the others of
 * its rules that this run did not report no longer apply. */
static int stored_this_run(void *arg, int64_t id)
{
    const status_sink *s = arg;
    for (size_t i = 0; i < s->n_ids; i++) {
        if (s->ids[i] == id)
            return 1;
    }
    return 0;
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
    int ok = !sink->failed && cg_store_resolve_incident_rest(sink->st, NULL, inc->id,
                                                             stored_this_run, sink, sink->at);
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
    if (!cg_cli_opts_parse(cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
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
        if (cg_cli_incident_get(cmd, st, ids[i], &inc) <= 0)
            goto out;
        ok = status_one(&ctx, &sink, &inc);
        cg_incident_clear(&inc);
    }
    if (!ok || sink.failed) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (format == CG_OUT_TEXT)
        cg_cli_select_say_none(&sel, ctx.count, "incident", at);
    rc = cg_cli_select_exit(&sel, cmd, 0, sel.count);
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
    if (!cg_cli_opts_parse(cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
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
    st = cg_cli_incident_open(cmd, store_opt, id, 1, &inc);
    if (st == NULL)
        goto out;
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
    cg_cli_opts_init(&p, cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
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
    st = cg_cli_incident_open(cmd, store_opt, id, 0, &inc);
    if (st == NULL)
        goto out;
    if (set) {
        cg_incident_clear(&inc);
        if (!cg_store_incident_set_rules(st, id, rules, n_rules) ||
            cg_cli_incident_get(cmd, st, id, &inc) <= 0) {
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

#if CAGUARD_HAVE_MONITOR
static int cmd_link(int argc, char **argv)
{
    return cg_incident_cmd_link(argc, argv, cg_cli_incident_help);
}

static int cmd_sync(int argc, char **argv)
{
    return cg_incident_cmd_sync(argc, argv, cg_cli_incident_help);
}
#endif

static const cg_cli_sub subcommands[] = {
    {"kinds", cmd_kinds},
    {"lint", cmd_lint},
    {"open", cg_cli_incident_cmd_open},
    {"event", cg_cli_incident_cmd_event},
    {"list", cg_cli_incident_cmd_list},
    {"show", cg_cli_incident_cmd_show},
    {"status", cmd_status},
    {"report", cmd_report},
    {"scope", cmd_scope},
    {"add", cg_cli_incident_cmd_add},
#if CAGUARD_HAVE_MONITOR
    {"link", cmd_link},
    {"sync", cmd_sync},
#endif
};

int cg_cmd_incident(int argc, char **argv)
{
    return cg_cli_subcommand("incident", cg_cli_incident_help, subcommands,
                             CG_CLI_NOPT(subcommands), argc, argv);
}
