/* caguard alerts flush: delivers what the store's outbox still owes its
 * findings (monitor/outbox.h) without running a monitor: after a monitor
 * was killed, or from cron. The alert options and the configuration keys
 * are the monitor's own (cli/alert_opts.h, cli/monitor_config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/alert_opts.h"
#include "cli/cli.h"
#include "cli/monitor_config.h"
#include "cli/opts.h"
#include "monitor/outbox.h"
#include "report/output.h"
#include "store/store.h"
#include "util/escape.h"
#include "util/time.h"

static void alerts_help(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] alerts flush [--config FILE] [--take-over]\n"
               "                      [ALERT OPTIONS] [--format text|json] [--quiet]\n\n"
               "'alerts flush' delivers what a monitor still owes the findings it stored\n"
               "(their printed line, incident draft and alerts: docs/monitor.md, \"Delivery\"),\n"
               "without running a monitor: after a monitor was killed, or from cron. Findings\n"
               "not yet printed are printed on standard output, incident drafts opened\n"
               "(--incidents auto), and alerts sent to the channels given here, which are the\n"
               "monitor's: the same options, or the same configuration file ([alerts],\n"
               "[incidents] auto and [monitor] store; its other sections are read and checked,\n"
               "not used). Each alert carries the ID it had (ALERT_ID), so a receiver drops a\n"
               "repeat. A delivery that fails stays pending, tried again after its backoff by\n"
               "a monitor or the next flush. A delivery of a channel not given here (another\n"
               "monitor's hook) is left pending, for the one that has it.\n\n"
               "options:\n"
               "  --config FILE      the monitor's configuration file (caguard.conf(5))\n"
               "  --take-over        no monitor is running on this store: deliver also what\n"
               "                     a killed one had claimed (otherwise left to it for the\n"
               "                     5 minutes of its lease) and, now, what failed before\n"
               "                     (otherwise tried again after its backoff)\n"
               "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
               "  --format text|json findings printed as text (default) or JSON Lines\n"
               "  --quiet            no summary on standard error (failures are still said)\n"
               "  -h, --help         this help\n\n"
               "alert options (as caguard monitor's):\n" CG_CLI_ALERT_HELP "\n"
               "exit status: 0 nothing is left to deliver, 1 deliveries left\n"
               "pending (failed and kept for a retry, of a channel not given here, or\n"
               "claimed by a running monitor: the summary says which), 2 usage error, a\n"
               "configuration or channel that cannot be used, or a store that cannot be.\n");
}

/* A delivery's failure: one line on stderr. */
static void report_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "caguard alerts flush: %s\n", line);
}

static int alerts_flush(int argc, char **argv)
{
    const char *cmd = "alerts flush", *store_opt = NULL;
    cg_cli_monitor_config mc;
    cg_cli_alerts al;
    cg_out_format format = CG_OUT_TEXT;
    int take_over = 0, quiet = 0, rc = CG_EXIT_USAGE, delivered;
    cg_alert *alert = NULL;
    cg_out *out = NULL;
    cg_store *store = NULL;
    cg_outbox *ob = NULL;
    cg_store_outbox_counts left;
    char owner[300], err[1024];

    cg_cli_alerts_init(&al);
    const cg_cli_opt opt[] = {
        CG_CLI_ALERT_OPTIONS(&al),
        {"config", CG_CLI_OPT_KEY_VALUE, NULL, 'g', NULL},
        {"take-over", CG_CLI_OPT_FLAG, &take_over, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"quiet", CG_CLI_OPT_FLAG, &quiet, 0, NULL},
    };
    if (cg_cli_monitor_config_expand(&mc, cmd, CG_CLI_CONFIG_ALERTS, argc, argv, opt,
                                     CG_CLI_NOPT(opt)) != CG_EXIT_OK)
        goto out;
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, alerts_help, opt, CG_CLI_NOPT(opt), mc.argc, mc.argv);
    for (int c; (c = cg_cli_opts_next(&p)) != 0;) {
        if (c < 0) {
            rc = p.status;
            goto out;
        }
        if (c == 'g') /* taken out by cg_cli_monitor_config_expand */
            continue;
        if (!cg_cli_alert_option(&al, cmd, c, p.value))
            goto out;
    }
    if (!cg_cli_opts_no_operands(cmd, mc.argc, mc.argv))
        goto out;
    if (cg_cli_alerts_new(&al, cmd, report_line, NULL, &alert) != CG_EXIT_OK)
        goto out;
    out = cg_out_new(stdout, format, 0);
    if (out == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    store = cg_cli_store_open(cmd, store_opt, 0);
    if (store == NULL)
        goto out;
    cg_outbox_config oc;
    cg_cli_alerts_outbox(&al, &oc, store, out, alert, cg_cli_host_pid(owner, sizeof(owner)));
    oc.exclusive = take_over;
    oc.report = report_line;
    /* Rows of channels not given here stay due for the monitor that has
     * them. */
    oc.foreign_delay = 1;
    ob = cg_outbox_new(&oc, err, sizeof(err));
    if (ob == NULL) {
        cg_cli_store_error(cmd, store_opt, "%s", err);
        goto out;
    }
    delivered = cg_outbox_finish(ob, 1);
    fflush(stdout);
    if (!delivered || !cg_store_outbox_counts_get(store, &left)) {
        cg_cli_store_error(cmd, store_opt, "%s", cg_store_errmsg(store));
        goto out;
    }
    const cg_outbox_stats *st = cg_outbox_get0_stats(ob);
    if (!quiet || left.pending > 0) {
        fprintf(stderr,
                "caguard %s: %zu deliver%s pending at the start: %zu finding%s printed, "
                "%zu incident draft%s opened (%zu object%s added to open ones), "
                "%zu alert%s delivered, %zu failed\n",
                cmd, st->pending_at_start, st->pending_at_start == 1 ? "y" : "ies", st->printed,
                st->printed == 1 ? "" : "s", st->incidents_opened,
                st->incidents_opened == 1 ? "" : "s", st->incidents_added,
                st->incidents_added == 1 ? "" : "s", st->alerts_delivered,
                st->alerts_delivered == 1 ? "" : "s", st->alert_failures + st->incident_failures);
    }
    if (left.pending > 0) {
        char next[64] = "", why[600];
        if (left.next_attempt > 0)
            cg_time_format(left.next_attempt, next, sizeof(next));
        fprintf(stderr,
                "caguard %s: %lld deliver%s left pending, %lld of them failing%s%s%s%s "
                "('caguard status'; --take-over when no monitor runs)\n",
                cmd, (long long)left.pending, left.pending == 1 ? "y" : "ies",
                (long long)left.failing, next[0] != '\0' ? ", next attempt " : "", next,
                left.last_error[0] != '\0' ? "; last error: " : "",
                cg_esc_term_cut(left.last_error, why, sizeof(why)));
    }
    rc = left.pending > 0 ? CG_EXIT_FINDINGS : CG_EXIT_OK;
out:
    cg_outbox_free(ob);
    cg_alert_free(alert);
    cg_store_close(store);
    cg_out_free(out);
    cg_cli_monitor_config_cleanup(&mc);
    return rc;
}

int cg_cmd_alerts(int argc, char **argv)
{
    static const cg_cli_sub sub[] = {{"flush", alerts_flush}};
    cg_cli_stdout_by_line();
    return cg_cli_subcommand("alerts", alerts_help, sub, CG_CLI_NOPT(sub), argc, argv);
}
