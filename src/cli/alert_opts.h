/* The alert options, one parser for the two commands that deliver alerts:
 * caguard monitor (each new finding) and caguard alerts flush (what the
 * outbox still owes). The same table entries, the same help lines, the
 * same checks and messages, the same [alerts] and [incidents] keys of
 * the configuration file (cli/monitor_config.c turns those into these
 * flags for both). */
#ifndef CAGUARD_CLI_ALERT_OPTS_H
#define CAGUARD_CLI_ALERT_OPTS_H

#include "cli/opts.h"
#include "monitor/alert.h"
#include "monitor/outbox.h"

typedef struct cg_cli_alerts {
    cg_alert_config ac; /* ac.hooks points into hooks once built */
    const char *hooks[CG_ALERT_MAX_HOOKS];
    size_t n_hooks;
    int auto_incidents; /* --incidents auto */
} cg_cli_alerts;

/* The key options' keys, above every command's own. */
enum { CG_CLI_OPT_ALERT_HOOK = 0x4100, CG_CLI_OPT_ALERT_HOOK_TIMEOUT, CG_CLI_OPT_ALERT_INCIDENTS };

#define CG_CLI_ALERT_OPTIONS(a)                                                                   \
    {"hook", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_ALERT_HOOK, NULL},                            \
        {"hooks-dir", CG_CLI_OPT_STRING, &(a)->ac.hooks_dir, 0, NULL},                            \
        {"hook-timeout", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_ALERT_HOOK_TIMEOUT, NULL},        \
        {"alert-jsonl", CG_CLI_OPT_STRING, &(a)->ac.jsonl, 0, NULL},                              \
        {"mail-to", CG_CLI_OPT_STRING, &(a)->ac.mail_to, 0, NULL},                                \
        {"mail-from", CG_CLI_OPT_STRING, &(a)->ac.mail_from, 0, NULL},                            \
        {"sendmail", CG_CLI_OPT_STRING, &(a)->ac.sendmail, 0, NULL},                              \
        {"alert-min-severity", CG_CLI_OPT_SEVERITY, &(a)->ac.min_severity, 0, NULL},              \
    {                                                                                             \
        "incidents", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_ALERT_INCIDENTS, NULL                 \
    }

#define CG_CLI_ALERT_HELP                                                                         \
    "  --hook PROGRAM     run it with the finding as JSON on stdin and in RULE,\n"                \
    "                     SEVERITY, SERIAL, ISSUER, OBJECT_SHA256, INCIDENT, MESSAGE,\n"          \
    "                     ALERT_ID, ...; repeatable\n"                                            \
    "  --hooks-dir DIR    run every executable file of DIR (not dotfiles), in name\n"             \
    "                     order, the same way\n"                                                  \
    "  --hook-timeout S   kill a hook (or sendmail) still running after S seconds\n"              \
    "                     (default 30)\n"                                                         \
    "  --alert-jsonl FILE append each finding to FILE as one JSON line\n"                         \
    "  --mail-to ADDR     mail each finding through sendmail -t -oi\n"                            \
    "  --mail-from ADDR   the From address (default caguard@HOSTNAME)\n"                          \
    "  --sendmail PATH    the sendmail program (default /usr/sbin/sendmail)\n"                    \
    "  --alert-min-severity notice|warning|error\n"                                               \
    "                     the least severe finding alerted (default notice: all)\n"               \
    "  --incidents auto|off\n"                                                                    \
    "                     auto: open a self-reported incident draft for each new\n"               \
    "                     error finding that calls for revocation (docs/incidents.md)\n"

/* Defaults: no channel, every severity alerted, no incident drafts. */
void cg_cli_alerts_init(cg_cli_alerts *a);
/* 1 when key is one of the alert key options. */
int cg_cli_alert_key(int key);
/* Takes the value of one of them: 1, or 0 after "caguard CMD: ..." (the
 * command exits CG_EXIT_USAGE). */
int cg_cli_alert_option(cg_cli_alerts *a, const char *cmd, int key, const char *value);
/* After the options: checks them together and, when a channel is asked
 * for, makes *alert (each hook, the directory, the file and sendmail
 * checked: cg_alert_new); *alert stays NULL without one. CG_EXIT_OK, or
 * CG_EXIT_USAGE after the message. */
int cg_cli_alerts_new(cg_cli_alerts *a, const char *cmd, cg_alert_report_fn report,
                      void *report_arg, cg_alert **alert);

/* The outbox configuration of a command that prints findings on stdout
 * (out) and delivers them with these options and alert (may be NULL):
 * the rest of *oc zeroed, for the command to set. */
void cg_cli_alerts_outbox(const cg_cli_alerts *a, cg_outbox_config *oc, cg_store *st, cg_out *out,
                          cg_alert *alert, const char *owner);

#endif
