/* caguard findings: what the store has found, in caguard check's format
 * plus when each finding was first and last seen, its incident and whether
 * it is still open. */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "report/output.h"
#include "report/stored.h"
#include "store/store.h"
#include "x509/time.h"

static void findings_help(FILE *f)
{
    fprintf(
        f,
        "usage: caguard [--store PATH_OR_URI] findings [OPTIONS]\n"
        "       caguard [--store PATH_OR_URI] findings resolve [--at TIME] ID...\n\n"
        "Lists the findings in the store, grouped by object in the order the objects\n"
        "were first ingested. JSON Lines carry the fields of caguard check (rule,\n"
        "severity, file and index as first ingested, kind, object, issuer, serial,\n"
        "message, reference) plus id (the finding's ID), incident (null or its ID),\n"
        "first_seen, last_seen, status (open or resolved) and resolved_at. A finding\n"
        "about a CT log (ct.log.*) names the log's URL as its file and carries its\n"
        "log ID (base64) as log.\n\n"
        "'findings resolve' marks findings resolved by hand at TIME (default now). A\n"
        "resolved finding that a later check reports again is open again.\n\n"
        "options:\n"
        "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
        "  --rule ID            only this rule ('caguard rules' lists them)\n"
        "  --since TIME         only findings first seen at or after TIME (RFC 3339)\n"
        "  --open               only open findings (not resolved)\n"
        "  --incident ID        only the findings of this incident\n"
        "  --format text|json   text (default) or JSON Lines\n"
        "  --color auto|always|never   colour in text output (default auto)\n" CG_CLI_SELECT_HELP
        "  -h, --help           this help\n\n"
        "exit status: 0 no open error finding listed (or none of --fail-on's\n"
        "severity), 1 at least one, 2 usage error or a store that cannot be read.\n");
}

typedef struct lister {
    cg_out *out;
    cg_out_format format;
    const cg_cli_select *sel;
    size_t count[3];
    size_t open[3]; /* open findings listed, by severity (--fail-on) */
    size_t unknown_rules;
} lister;

static int list_one(void *arg, const cg_store_finding *sf)
{
    lister *l = arg;
    cg_stored_view v;
    cg_field *fields = v.fields;
    char first[32], last[32], resolved[32], idbuf[24];
    size_t n;
    if (!cg_stored_view_init(&v, sf, 6)) {
        /* written by a newer caguard with more rules */
        l->unknown_rules++;
        return 1;
    }
    if (l->sel->skip[v.f.rule]) {
        cg_stored_view_clear(&v);
        return 1;
    }
    n = v.f.n_fields;
    snprintf(idbuf, sizeof(idbuf), "%lld", (long long)sf->id);
    fields[n++] = (cg_field){"id", CG_FIELD_STRING, idbuf, 0};
    cg_time_format(sf->first_seen, first, sizeof(first));
    cg_time_format(sf->last_seen, last, sizeof(last));
    if (sf->resolved)
        cg_time_format(sf->resolved_at, resolved, sizeof(resolved));
    /* An incident's ID is the finding's own field (output.c writes it);
     * none is written out as null here, so the field is always there. */
    if (sf->incident == 0)
        fields[n++] = (cg_field){"incident", CG_FIELD_NULL, NULL, 0};
    fields[n++] = (cg_field){"first_seen", CG_FIELD_STRING, first, 0};
    fields[n++] = (cg_field){"last_seen", CG_FIELD_STRING, last, 0};
    fields[n++] = (cg_field){"status", CG_FIELD_STRING, sf->resolved ? "resolved" : "open", 0};
    fields[n++] = sf->resolved ? (cg_field){"resolved_at", CG_FIELD_STRING, resolved, 0}
                               : (cg_field){"resolved_at", CG_FIELD_NULL, NULL, 0};
    v.f.n_fields = n;
    l->count[cg_finding_severity(&v.f)]++;
    if (!sf->resolved)
        l->open[cg_finding_severity(&v.f)]++;
    if (!l->sel->quiet)
        cg_out_sink(l->out, &v.f);
    if (!l->sel->quiet && l->format == CG_OUT_TEXT) {
        printf("          finding %lld, first seen %s, last seen %s, %s%s\n", (long long)sf->id,
               first, last, sf->resolved ? "resolved " : "open", sf->resolved ? resolved : "");
    }
    cg_stored_view_clear(&v);
    return 1;
}

typedef struct found {
    int n;
    int resolved;
} found;

static int note_found(void *arg, const cg_store_finding *sf)
{
    found *fd = arg;
    fd->n++;
    fd->resolved = sf->resolved;
    return 1;
}

/* caguard findings resolve [--at TIME] ID...: every ID is checked first, so
 * an unknown one changes nothing; then all are resolved in one transaction. */
static int findings_resolve(int argc, char **argv)
{
    const char *cmd = "findings resolve", *store_opt = NULL;
    int64_t at = (int64_t)time(NULL), *ids = NULL;
    int n = 0, rc = CG_EXIT_USAGE, already = 0;
    cg_store *store = NULL;
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, findings_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (optind == argc)
        return cg_cli_usage_error(cmd, "no finding ID given ('caguard findings' shows them)");
    ids = calloc((size_t)(argc - optind), sizeof(*ids));
    if (ids == NULL)
        return cg_cli_usage_error(cmd, "out of memory");
    for (int i = optind; i < argc; i++) {
        if (!cg_cli_parse_id(argv[i], &ids[n])) {
            rc = cg_cli_usage_error(cmd, "'%s' is not a finding ID", argv[i]);
            goto out;
        }
        n++;
    }
    store = cg_cli_store_open(cmd, store_opt, 0);
    if (store == NULL)
        goto out;
    for (int i = 0; i < n; i++) {
        cg_store_finding_filter flt;
        found fd = {0, 0};
        memset(&flt, 0, sizeof(flt));
        flt.id = ids[i];
        if (!cg_store_findings(store, &flt, note_found, &fd)) {
            cg_cli_store_error(cmd, store_opt, "%s", cg_store_errmsg(store));
            goto out;
        }
        if (fd.n == 0) {
            rc = cg_cli_usage_error(cmd, "no finding %lld in the store; nothing resolved",
                                    (long long)ids[i]);
            goto out;
        }
        already += fd.resolved;
    }
    if (!cg_store_begin(store))
        goto store_err;
    for (int i = 0; i < n; i++)
        if (!cg_store_resolve_finding(store, ids[i], at))
            break;
    if (!cg_store_commit(store))
        goto store_err;
    printf("%d finding%s resolved", n - already, n - already == 1 ? "" : "s");
    if (already > 0)
        printf(" (%d resolved already)", already);
    printf("\n");
    rc = CG_EXIT_OK;
    goto out;
store_err:
    cg_cli_store_error(cmd, store_opt, "%s; nothing resolved", cg_store_errmsg(store));
out:
    free(ids);
    cg_store_close(store);
    return rc;
}

int cg_cmd_findings(int argc, char **argv)
{
    cg_store_finding_filter flt;
    cg_rule_id rule;
    lister l;
    int color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    int rc = CG_EXIT_USAGE;
    const char *store_opt = NULL;
    cg_store *store = NULL;

    if (argc > 1 && strcmp(argv[1], "resolve") == 0)
        return findings_resolve(argc - 1, argv + 1);
    memset(&flt, 0, sizeof(flt));
    memset(&l, 0, sizeof(l));
    l.format = CG_OUT_TEXT;
    cg_cli_select sel;
    cg_cli_select_init(&sel);
    l.sel = &sel;
    enum { OPT_RULE = 1, OPT_INCIDENT };
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"rule", CG_CLI_OPT_KEY_VALUE, NULL, OPT_RULE, NULL},
        {"since", CG_CLI_OPT_TIME, &flt.since, 0, &flt.has_since},
        {"open", CG_CLI_OPT_FLAG, &flt.open_only, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &l.format, 0, NULL},
        {"color", CG_CLI_OPT_COLOR, &color, 0, NULL},
        {"incident", CG_CLI_OPT_KEY_VALUE, NULL, OPT_INCIDENT, NULL},
        CG_CLI_SELECT_OPTS(&sel),
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, "findings", findings_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (key == OPT_RULE && !cg_rule_lookup(p.value, &rule)) {
            rc = cg_cli_usage_error("findings", "unknown rule '%s' ('caguard rules' lists them)",
                                    p.value);
            goto out;
        }
        if (key == OPT_RULE)
            flt.rule = p.value;
        if (key == OPT_INCIDENT && !cg_cli_parse_id(p.value, &flt.incident)) {
            rc = cg_cli_usage_error("findings", "--incident '%s' is not an incident ID", p.value);
            goto out;
        }
    }
    if (!cg_cli_opts_no_operands("findings", argc, argv))
        goto out;
    rc = cg_cli_select_build(&sel, "findings");
    if (rc != CG_EXIT_OK)
        goto out;
    rc = CG_EXIT_USAGE;
    if (l.format == CG_OUT_JSON)
        color = 0;
    store = cg_cli_store_open("findings", store_opt, 0);
    if (store == NULL)
        goto out;
    l.out = cg_out_new(stdout, l.format, color);
    if (l.out == NULL)
        goto out;
    if (!cg_store_findings(store, &flt, list_one, &l)) {
        fflush(stdout);
        cg_cli_store_error("findings", store_opt, "%s", cg_store_errmsg(store));
        goto out;
    }
    if (l.unknown_rules > 0)
        fprintf(stderr,
                "caguard findings: %zu finding%s of rules this caguard does not know "
                "(written by a newer one) not shown\n",
                l.unknown_rules, l.unknown_rules == 1 ? "" : "s");
    if (l.format == CG_OUT_TEXT && !sel.quiet) {
        size_t total = l.count[0] + l.count[1] + l.count[2];
        printf("%s%zu finding%s: %zu error%s, %zu warning%s, %zu notice%s\n",
               total > 0 ? "\n" : "", total, total == 1 ? "" : "s", l.count[CG_SEV_ERROR],
               l.count[CG_SEV_ERROR] == 1 ? "" : "s", l.count[CG_SEV_WARNING],
               l.count[CG_SEV_WARNING] == 1 ? "" : "s", l.count[CG_SEV_NOTICE],
               l.count[CG_SEV_NOTICE] == 1 ? "" : "s");
    }
    rc = cg_cli_select_exit(&sel, "findings", 0, l.open);
out:
    cg_out_free(l.out);
    cg_store_close(store);
    return rc;
}
