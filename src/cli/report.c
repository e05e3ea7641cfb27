/* caguard report --html DIR: the dashboard of a store as a static site
 * (src/report/html.c; docs/report.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ct/loglist.h"
#include "report/html.h"
#include "report/output.h"
#include "store/store.h"
#include "util/num.h"

static void report_help(FILE *f)
{
    fprintf(f,
            "usage: caguard [--store PATH_OR_URI] report --html DIR [OPTIONS]\n\n"
            "Writes the store's dashboard into DIR, a static site that works offline from\n"
            "file:// (no external asset): index.html that leads with what is due next (every\n"
            "open deadline, soonest first), the CT logs and CRLs the monitor follows, an\n"
            "overview per issuer (objects seen, open findings by severity), charts\n"
            "(findings per rule over time, revocation delay against the deadline per\n"
            "incident, SCT log operators), the incidents and a findings table filterable by\n"
            "rule, severity, issuer and status (index.html#severity=error&status=open); one\n"
            "page per incident with its deadlines, its timeline and its CCADB report draft\n"
            "(also incident-N.md and\n"
            "incident-N-appendix.csv). DIR is written whole or not at all: it must be new,\n"
            "empty or an earlier report, which is replaced. docs/report.md has the details.\n\n"
            "options:\n"
            "  --html DIR           the directory to write (required)\n"
            "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
            "  --at TIME            evaluate incident deadlines at TIME (RFC 3339; default\n"
            "                       now, and then countdowns tick on in the browser)\n"
            "  --loglist FILE       CT log list (Chrome v3, crt.sh or Apple) naming the\n"
            "                       operators of the SCTs' logs; repeatable\n"
            "  --loglist-sig FILE   detached signature of the --loglist before it\n"
            "  --loglist-key FILE   the key that signs log lists\n"
            "  --max-findings N     rows of the findings table (default %d); counts and\n"
            "                       charts cover every finding\n"
            "  --interval SECONDS   how often the pages are written again (default %d, an\n"
            "                       hour); a page older than that shows an out-of-date\n"
            "                       banner in the browser\n"
            "  --quiet              no summary line and no notice: the exit status says it\n"
            "  -h, --help           this help\n\n"
            "exit status: 0 written and no open error finding, 1 written and the store has\n"
            "open error findings, 2 usage error, a log list that cannot be used, a store\n"
            "that cannot be read or a directory that cannot be written (DIR then untouched).\n",
            CG_HTML_MAX_FINDINGS, CG_HTML_INTERVAL);
}

/* A log list whose signature fails is reported and left out; here that
 * means its operators are unknown, said on stderr. */
static void loglist_finding(void *arg, const cg_finding *f)
{
    (void)arg;
    fprintf(stderr, "caguard report: %s: %s\n", cg_rule_get(f->rule)->id, f->message);
}

int cg_cmd_report(int argc, char **argv)
{
    static const char *cmd = "report";
    const char *dir = NULL, *store_opt = NULL;
    cg_html_opts ho;
    cg_html_stats stats;
    cg_cli_loglists ll;
    cg_loglist *list = NULL;
    cg_store *st = NULL;
    int rc = CG_EXIT_USAGE, have_at = 0, quiet = 0;
    char err[1024], shown[1024];

    memset(&ho, 0, sizeof(ho));
    memset(&ll, 0, sizeof(ll));
    ho.at = (int64_t)time(NULL);
    const cg_cli_opt opt[] = {
        {"html", CG_CLI_OPT_STRING, &dir, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &ho.at, 0, &have_at},
        {"loglist", CG_CLI_OPT_LOGLIST, &ll, 0, NULL},
        {"loglist-sig", CG_CLI_OPT_LOGLIST_SIG, &ll, 0, NULL},
        {"loglist-key", CG_CLI_OPT_LOGLIST_KEY, &ll, 0, NULL},
        {"max-findings", CG_CLI_OPT_KEY_VALUE, NULL, 'm', NULL},
        {"interval", CG_CLI_OPT_KEY_VALUE, NULL, 'i', NULL},
        {"quiet", CG_CLI_OPT_FLAG, &quiet, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, report_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0)
            return p.status;
        /* --max-findings N, --interval SECONDS: counts */
        uint64_t n;
        unsigned long long max = key == 'm' ? 10000000ULL : 366ULL * 86400;
        if (!cg_parse_u64(p.value, 1, max, &n))
            return cg_cli_usage_error(cmd, "--%s must be a number from 1 to %llu, not '%s'",
                                      key == 'm' ? "max-findings" : "interval", max, p.value);
        if (key == 'm')
            ho.max_findings = (size_t)n;
        else
            ho.interval = (int64_t)n;
    }
    if (!cg_cli_opts_no_operands(cmd, argc, argv))
        return CG_EXIT_USAGE;
    if (dir == NULL)
        return cg_cli_usage_error(cmd, "--html DIR is required (the directory to write)");
    ho.live = !have_at;
    {
        cg_ctx ctx;
        cg_ctx_init(&ctx, ho.at, loglist_finding, NULL);
        rc = cg_cli_loglists_load(&ll, cmd, &ctx, &list);
        if (rc != CG_EXIT_OK)
            goto out;
        rc = CG_EXIT_USAGE;
    }
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    ho.loglist = list;
    ho.store_name = cg_cli_store_shown(store_opt, shown, sizeof(shown));
    if (!cg_html_report_write(st, dir, &ho, &stats, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        goto out;
    }
    if (!quiet) {
        printf("%s: index.html and %zu incident page%s; %lld object%s, %lld finding%s "
               "(%zu listed); open: %lld error%s, %lld warning%s, %lld notice%s\n",
               dir, stats.incidents, stats.incidents == 1 ? "" : "s", (long long)stats.objects,
               stats.objects == 1 ? "" : "s", (long long)stats.findings,
               stats.findings == 1 ? "" : "s", stats.findings_listed,
               (long long)stats.open[CG_SEV_ERROR], stats.open[CG_SEV_ERROR] == 1 ? "" : "s",
               (long long)stats.open[CG_SEV_WARNING], stats.open[CG_SEV_WARNING] == 1 ? "" : "s",
               (long long)stats.open[CG_SEV_NOTICE], stats.open[CG_SEV_NOTICE] == 1 ? "" : "s");
        if (stats.scts > 0 && stats.scts_unknown == stats.scts && list == NULL)
            fprintf(stderr,
                    "caguard %s: %lld SCT%s charted as \"unknown log\": give --loglist to "
                    "name their operators\n",
                    cmd, (long long)stats.scts, stats.scts == 1 ? "" : "s");
    }
    if (!cg_cli_flush(cmd))
        goto out;
    rc = stats.open[CG_SEV_ERROR] > 0 ? CG_EXIT_FINDINGS : CG_EXIT_OK;
out:
    cg_store_close(st);
    cg_loglist_free(list);
    return rc;
}
