/* caguard policy: the CA's CP and CPS versions and TLS BRs §2.3's annual
 * update (docs/policy.md). add records a version; list and show read them
 * back; status judges them (policy.review_overdue, policy.review_due). The
 * monitor fetches the documents' URLs (--policy-interval). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "incident/policydoc.h"
#include "report/output.h"
#include "store/store.h"
#include "util/redact.h"
#include "util/time.h"

static void policy_help(FILE *f)
{
    fprintf(f, "usage: caguard policy SUBCOMMAND [OPTIONS]\n\n"
               "The CA's Certificate Policy and Certification Practice Statement\n"
               "versions, held to TLS BRs §2.3: a new version takes effect at least\n"
               "every 365 days (docs/policy.md).\n\n"
               "subcommands:\n"
               "  add --kind cp|cps|cp-cps --url URL --version V --effective DATE\n"
               "        record a version: the document's http(s) URL, its version and\n"
               "        the date it takes effect (YYYY-MM-DD, or RFC 3339)\n"
               "  list  every version recorded, one a line\n"
               "  show KIND\n"
               "        the version of KIND in effect now, its review date, its\n"
               "        history and what the monitor's fetches of its URL saw\n"
               "  status [--at TIME] [--format text|json] [SELECTION]\n"
               "        the findings: policy.review_overdue (no newer version within\n"
               "        365 days), policy.review_due (less than 30 days left)\n\n"
               "status's SELECTION (as check's):\n" CG_CLI_SELECT_HELP "\n"
               "Every subcommand takes --store PATH_OR_URI (or the global --store,\n"
               "$CAGUARD_STORE, caguard.db). caguard monitor --policy-interval S fetches\n"
               "the documents' URLs (policy.document_changed, policy.document_unreachable).\n\n"
               "exit status: 0 fine, 1 an error finding (status), 2 usage error, bad\n"
               "input (the store is then untouched) or a store that cannot be used.\n");
}

/* YYYY-MM-DD (00:00:00Z) or RFC 3339. */
static int parse_date(const char *s, int64_t *t)
{
    char buf[32];
    if (strlen(s) == 10) {
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        return cg_time_parse_rfc3339(buf, t);
    }
    return cg_time_parse_rfc3339(s, t);
}

static int cmd_add(int argc, char **argv)
{
    static const char *cmd = "policy add";
    const char *store_opt = NULL, *kind = NULL, *url = NULL, *version = NULL, *eff = NULL;
    cg_pdoc d;
    int rc;
    const cg_cli_opt opt[] = {
        {"kind", CG_CLI_OPT_STRING, &kind, 0, NULL},
        {"url", CG_CLI_OPT_STRING, &url, 0, NULL},
        {"version", CG_CLI_OPT_STRING, &version, 0, NULL},
        {"effective", CG_CLI_OPT_STRING, &eff, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, policy_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands(cmd, argc, argv))
        return CG_EXIT_USAGE;
    memset(&d, 0, sizeof(d));
    if (kind == NULL || url == NULL || version == NULL || eff == NULL)
        return cg_cli_usage_error(cmd, "--kind, --url, --version and --effective are required");
    if (!cg_pdoc_kind_lookup(kind, &d.kind))
        return cg_cli_usage_error(cmd, "--kind must be cp, cps or cp-cps, not '%s'", kind);
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return cg_cli_usage_error(cmd, "--url must be an http:// or https:// URL");
    if (strlen(url) >= 2048)
        return cg_cli_usage_error(cmd, "--url is longer than 2047 characters");
    if (version[0] == '\0' || strlen(version) > 100)
        return cg_cli_usage_error(cmd, "--version takes 1 to 100 characters");
    for (const char *c = version; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return cg_cli_usage_error(cmd, "--version holds a control character");
    }
    if (!parse_date(eff, &d.effective))
        return cg_cli_usage_error(cmd, "--effective must be a date (YYYY-MM-DD) or RFC 3339 "
                                       "time, not '%s'", eff);
    d.url = (char *)url;
    d.version = (char *)version;
    d.added_at = (int64_t)time(NULL);
    cg_store *st = cg_cli_store_open(cmd, store_opt, CG_STORE_CREATE);
    if (st == NULL)
        return CG_EXIT_USAGE;
    rc = CG_EXIT_USAGE;
    if (!cg_store_pdoc_add(st, &d)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
    } else {
        char when[32], shown[2048];
        cg_time_format(d.effective, when, sizeof(when));
        cg_redact(url, shown, sizeof(shown));
        printf("policy document %lld: %s version %s, effective %s, %s\n", (long long)d.id,
               cg_pdoc_kind_title(d.kind), version, when, shown);
        rc = fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
    }
    cg_store_close(st);
    return rc;
}

/* The store of list, show and status and the CP/CPS documents it holds,
 * read whole; docs_close frees both. */
typedef struct docs {
    cg_store *st;
    cg_pdoc *v;
    size_t n;
} docs;

/* 1, or 0 (said) when the store cannot be opened or read. */
static int docs_open(docs *d, const char *cmd, const char *store_opt)
{
    memset(d, 0, sizeof(*d));
    d->st = cg_cli_store_open(cmd, store_opt, 0);
    if (d->st == NULL)
        return 0;
    if (!cg_store_pdoc_list(d->st, &d->v, &d->n)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(d->st));
        cg_store_close(d->st);
        return 0;
    }
    return 1;
}

static void docs_close(docs *d)
{
    for (size_t i = 0; i < d->n; i++)
        cg_pdoc_clear(&d->v[i]);
    free(d->v);
    cg_store_close(d->st);
}

static void print_doc(const cg_pdoc *d)
{
    char when[32], shown[2048];
    cg_time_format(d->effective, when, sizeof(when));
    cg_redact(d->url, shown, sizeof(shown));
    printf("%-4lld %-7s %-12s %s  %s\n", (long long)d->id, cg_pdoc_kind_name(d->kind),
           d->version, when, shown);
}

static int cmd_list(int argc, char **argv)
{
    static const char *cmd = "policy list";
    const char *store_opt = NULL;
    docs d;
    int rc;
    const cg_cli_opt opt[] = {{"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL}};
    if (!cg_cli_opts_parse(cmd, policy_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands(cmd, argc, argv))
        return CG_EXIT_USAGE;
    if (!docs_open(&d, cmd, store_opt))
        return CG_EXIT_USAGE;
    if (d.n == 0)
        printf("no CP or CPS recorded (caguard policy add)\n");
    for (size_t i = 0; i < d.n; i++)
        print_doc(&d.v[i]);
    docs_close(&d);
    return fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
}

static int cmd_show(int argc, char **argv)
{
    static const char *cmd = "policy show";
    const char *store_opt = NULL;
    docs d;
    cg_pdoc_kind kind;
    int64_t at = (int64_t)time(NULL);
    int rc;
    const cg_cli_opt opt[] = {
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, policy_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind != 1 || !cg_pdoc_kind_lookup(argv[optind], &kind))
        return cg_cli_usage_error(cmd, "give one kind: cp, cps or cp-cps");
    if (!docs_open(&d, cmd, store_opt))
        return CG_EXIT_USAGE;
    const cg_pdoc *cur = cg_pdoc_current(d.v, d.n, kind, at);
    char when[32], shown[2048];
    rc = CG_EXIT_OK;
    if (cur == NULL) {
        printf("%s: no version in effect\n", cg_pdoc_kind_title(kind));
    } else {
        cg_store_pdoc_fetch f;
        int found = 0;
        cg_redact(cur->url, shown, sizeof(shown));
        cg_time_format(cur->effective, when, sizeof(when));
        printf("%s in effect: version %s since %s\n  url          %s\n", cg_pdoc_kind_title(kind),
               cur->version, when, shown);
        cg_time_format(cur->effective + CG_PDOC_REVIEW_WINDOW, when, sizeof(when));
        printf("  review due   %s (TLS BRs §2.3: a newer version in effect by then)\n", when);
        if (!cg_store_pdoc_fetch_get(d.st, cur->url, &f, &found)) {
            fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(d.st));
            rc = CG_EXIT_USAGE;
        } else if (!found || f.fetched_at == 0) {
            printf("  fetched      never (caguard monitor --policy-interval)\n");
        } else {
            cg_time_format(f.fetched_at, when, sizeof(when));
            printf("  fetched      %s%s\n", when,
                   f.failing_since != 0 ? ", failing since the last success" : "");
        }
    }
    printf("history:\n");
    for (size_t i = 0; i < d.n; i++) {
        if (d.v[i].kind == kind)
            print_doc(&d.v[i]);
    }
    docs_close(&d);
    if (fflush(stdout) != 0)
        rc = CG_EXIT_USAGE;
    return rc;
}

static int cmd_status(int argc, char **argv)
{
    static const char *cmd = "policy status";
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    docs d;
    int64_t at = (int64_t)time(NULL);
    int rc;
    cg_cli_select sel;
    cg_cli_select_init(&sel);
    const cg_cli_opt opt[] = {
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        CG_CLI_SELECT_OPTS(&sel),
    };
    if (!cg_cli_opts_parse(cmd, policy_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands(cmd, argc, argv))
        return CG_EXIT_USAGE;
    rc = cg_cli_select_build(&sel, cmd);
    if (rc != CG_EXIT_OK)
        return rc;
    if (!docs_open(&d, cmd, store_opt))
        return CG_EXIT_USAGE;
    cg_out *out = cg_out_new(stdout, format, 0);
    rc = CG_EXIT_USAGE;
    if (out == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto done;
    }
    sel.next = cg_out_sink;
    sel.next_arg = out;
    cg_ctx ctx;
    cg_ctx_init(&ctx, at, cg_cli_select_sink, &sel);
    cg_pdoc_check(&ctx, d.v, d.n);
    /* no document, no finding: cg_pdoc_check judges the ones in effect */
    if (format == CG_OUT_TEXT && d.n == 0 && !sel.quiet)
        printf("no CP or CPS recorded (caguard policy add)\n");
    else if (format == CG_OUT_TEXT)
        cg_cli_select_say_none(&sel, ctx.count, "policy", at);
    rc = cg_cli_select_exit(&sel, cmd, 0, sel.count);
done:
    cg_out_free(out);
    docs_close(&d);
    return rc;
}

int cg_cmd_policy(int argc, char **argv)
{
    static const cg_cli_sub sub[] = {
        {"add", cmd_add}, {"list", cmd_list}, {"show", cmd_show}, {"status", cmd_status}};
    return cg_cli_subcommand("policy", policy_help, sub, CG_CLI_NOPT(sub), argc, argv);
}
