/* The alert options of caguard monitor and caguard alerts flush
 * (alert_opts.h). */
#include "cli/alert_opts.h"
#include "util/num.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cg_cli_alerts_init(cg_cli_alerts *a)
{
    memset(a, 0, sizeof(*a));
    a->ac.min_severity = CG_SEV_NOTICE;
}

int cg_cli_alert_key(int key)
{
    return key == CG_CLI_OPT_ALERT_HOOK || key == CG_CLI_OPT_ALERT_HOOK_TIMEOUT ||
           key == CG_CLI_OPT_ALERT_INCIDENTS;
}

int cg_cli_alert_option(cg_cli_alerts *a, const char *cmd, int key, const char *value)
{
    uint64_t secs;
    switch (key) {
    case CG_CLI_OPT_ALERT_HOOK:
        if (a->n_hooks == CG_ALERT_MAX_HOOKS) {
            cg_cli_usage_error(cmd, "at most %d --hook", CG_ALERT_MAX_HOOKS);
            return 0;
        }
        a->hooks[a->n_hooks++] = value;
        return 1;
    case CG_CLI_OPT_ALERT_HOOK_TIMEOUT:
        if (!cg_parse_u64(value, 1, 86400, &secs)) {
            cg_cli_usage_error(cmd,
                               "--hook-timeout '%s' is not a number of seconds from 1 to "
                               "86400",
                               value);
            return 0;
        }
        a->ac.hook_timeout = (int64_t)secs;
        return 1;
    case CG_CLI_OPT_ALERT_INCIDENTS:
        if (strcmp(value, "auto") == 0 || strcmp(value, "off") == 0) {
            a->auto_incidents = strcmp(value, "auto") == 0;
            return 1;
        }
        cg_cli_usage_error(cmd, "--incidents must be auto or off, not '%s'", value);
        return 0;
    default:
        return 0;
    }
}

int cg_cli_alerts_new(cg_cli_alerts *a, const char *cmd, cg_alert_report_fn report,
                      void *report_arg, cg_alert **alert)
{
    char err[1024];
    cg_alert_config *ac = &a->ac;
    *alert = NULL;
    if ((ac->mail_from != NULL || ac->sendmail != NULL) && ac->mail_to == NULL)
        return cg_cli_usage_error(cmd, "--mail-from and --sendmail need --mail-to");
    ac->hooks = a->hooks;
    ac->n_hooks = a->n_hooks;
    if (a->n_hooks == 0 && ac->hooks_dir == NULL && ac->jsonl == NULL && ac->mail_to == NULL)
        return CG_EXIT_OK;
    *alert = cg_alert_new(ac, report, report_arg, err, sizeof(err));
    if (*alert == NULL)
        return cg_cli_usage_error(cmd, "alerts: %s", err);
    return CG_EXIT_OK;
}

void cg_cli_alerts_outbox(const cg_cli_alerts *a, cg_outbox_config *oc, cg_store *st, cg_out *out,
                          cg_alert *alert, const char *owner)
{
    memset(oc, 0, sizeof(*oc));
    oc->st = st;
    oc->out = out;
    oc->out_stream = stdout;
    oc->alert = alert;
    oc->auto_incidents = a->auto_incidents;
    oc->owner = owner;
}
