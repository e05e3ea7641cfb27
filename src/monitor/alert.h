/* Alerts: each new finding, at once, to the people who must act on it.
 *
 * Three channels, any combination (docs/monitor.md, "Alerts"):
 *   - hooks: executables run once per finding, the finding as one JSON
 *     object on standard input and as environment variables (RULE,
 *     SEVERITY, SERIAL, ISSUER, OBJECT_SHA256, INCIDENT, MESSAGE, ...);
 *     the configured hooks and every executable regular file of a hooks
 *     directory (not dotfiles), in name order, all started together;
 *   - a JSON Lines file: the same JSON object, one line per finding,
 *     appended with one write(2) under O_APPEND and fsync'd;
 *   - mail: an RFC 5322 message piped to `sendmail -t -oi`.
 * A hook or sendmail still running after the timeout is killed (SIGKILL to
 * its process group). A channel that fails is reported through the
 * caller's report function (one line naming the hook, how it ended and the
 * first line of what it wrote) and never stops the others or the caller.
 *
 * cg_alert_finding only sends what it is given: the monitor calls it for
 * findings new to the store (cg_monitor_on_finding), which is what makes an
 * alert go out once per finding and never for a repeat. */
#ifndef CAGUARD_MONITOR_ALERT_H
#define CAGUARD_MONITOR_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#define CG_ALERT_DEFAULT_SENDMAIL "/usr/sbin/sendmail"
#define CG_ALERT_DEFAULT_TIMEOUT 30 /* seconds */
/* Hooks run for one finding: the configured ones plus those of the hooks
 * directory. Past it, the rest are reported and skipped. */
#define CG_ALERT_MAX_HOOKS 32

typedef struct cg_alert_config {
    const char *const *hooks; /* executables (a name without '/' is looked up in PATH) */
    size_t n_hooks;
    const char *hooks_dir; /* NULL: none */
    const char *jsonl;     /* NULL: none */
    const char *mail_to;   /* NULL: no mail; one address or several, comma-separated */
    const char *mail_from; /* NULL: caguard@HOSTNAME */
    const char *sendmail;  /* NULL: CG_ALERT_DEFAULT_SENDMAIL */
    int64_t hook_timeout;  /* seconds, for hooks and sendmail; 0: CG_ALERT_DEFAULT_TIMEOUT */
    /* The least severe finding alerted: CG_SEV_NOTICE alerts everything,
     * CG_SEV_ERROR only errors. */
    cg_severity min_severity;
} cg_alert_config;

/* One line for a person (no newline), e.g. "hook /etc/caguard/hooks.d/page
 * exited with status 3: no route to host". */
typedef void (*cg_alert_report_fn)(void *arg, const char *line);

/* What the store knows about a finding beyond the finding itself. */
typedef struct cg_alert_info {
    int64_t first_seen;  /* when the store first recorded it; 0: unknown */
    int64_t incident;    /* its incident; 0: f->incident */
    int incident_opened; /* that incident was opened for it (--incidents auto) */
    const char *alert_id; /* the delivery's idempotency key (ALERT_ID, "alert_id"); NULL: none */
} cg_alert_info;

typedef struct cg_alert_stats {
    size_t findings;     /* given to cg_alert_finding */
    size_t alerted;      /* at or above min_severity: sent */
    size_t hook_runs;    /* hook processes run */
    size_t hook_failures; /* ... that could not start, failed, were killed or timed out */
    size_t jsonl_lines;
    size_t jsonl_failures;
    size_t mails;
    size_t mail_failures;
} cg_alert_stats;

typedef struct cg_alert cg_alert;

/* Checks the configuration and copies it: each hook must be an executable
 * regular file (found in PATH when it has no '/'), the hooks directory a
 * directory, sendmail an executable when mail is asked for, the addresses
 * free of control characters, and the JSON Lines file must open for
 * appending (it is created when missing, mode 0644 less the umask).
 * NULL with the reason in err when not. report may be NULL (stderr, with a
 * "caguard: alert: " prefix). */
cg_alert *cg_alert_new(const cg_alert_config *cfg, cg_alert_report_fn report, void *report_arg,
                       char *err, size_t errcap);
void cg_alert_free(cg_alert *a);

/* Sends one finding to every channel (info may be NULL). Blocks until the
 * hooks and sendmail have exited or been killed: at most about
 * hook_timeout seconds. Returns 1 when every channel took it (or the
 * finding is below min_severity), 0 when one failed (reported). */
int cg_alert_finding(cg_alert *a, const cg_finding *f, const cg_alert_info *info);

const cg_alert_stats *cg_alert_get0_stats(const cg_alert *a);
/* Counts each delivery and failure, by channel, in the monitor's metrics
 * (monitor/series.h; borrowed, NULL: none). */
struct cg_monitor_series;
void cg_alert_set_series(cg_alert *a, struct cg_monitor_series *series);

/* ---- one channel at a time (the monitor's outbox, monitor/outbox.h) ----
 *
 * A channel is named as the outbox names it: "hook:PATH" (a configured
 * hook), "hooks_dir" (every hook of the directory, read when the job is
 * made), "jsonl", "mail". */

/* The channels a delivers to, malloc'd names into names (at most cap). */
size_t cg_alert_channels(const cg_alert *a, char **names, size_t cap);
/* 1 when a delivers to channel; "hook:PATH" also for an executable of
 * the hooks directory. */
int cg_alert_has_channel(const cg_alert *a, const char *channel);
/* The hooks of the hooks directory now (malloc'd paths, at most cap). */
size_t cg_alert_dir_hooks(cg_alert *a, char **paths, size_t cap);
cg_severity cg_alert_min_severity(const cg_alert *a);

/* What one channel (NULL: every channel) needs to deliver f, copied: the
 * job runs without f. Made in the thread that owns a (it reads the hooks
 * directory, and reports an unreadable one). NULL when out of memory. */
typedef struct cg_alert_job cg_alert_job;
cg_alert_job *cg_alert_job_new(cg_alert *a, const char *channel, const cg_finding *f,
                               const cg_alert_info *info);
/* Delivers a job; blocks up to about the hook timeout. Reads a's
 * configuration only, so jobs may run in another thread than the one
 * making them (one job at a time per thread). Counts into *st, reports
 * each failure and copies the first into why. 1 when every channel took
 * it. */
int cg_alert_job_run(const cg_alert *a, const cg_alert_job *j, cg_alert_stats *st, char *why,
                     size_t cap);
void cg_alert_job_free(cg_alert_job *j);

/* "error ct.pair.validity_mismatch: precertificate serial 03e2..." — the
 * SUMMARY variable and the mail Subject (after "[caguard] "). */
void cg_alert_summary(const cg_finding *f, char *buf, size_t cap);

/* The RFC 5322 message mailed for a finding (LF line ends, as sendmail
 * takes them). now: the Date header. malloc'd; NULL when out of memory. */
char *cg_alert_mail_message(const cg_finding *f, const cg_alert_info *info, const char *from,
                            const char *to, int64_t now, size_t *len);

#endif
