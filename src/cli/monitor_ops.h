/* What makes caguard monitor operable as a service, apart from its work:
 * its log lines (obs/logger.h: RFC 3339 times off a terminal, or JSON), the
 * /metrics listener (obs/httpd.h over the registry of obs/metrics.h the
 * monitor, the CRL watcher and the alerts fill), the service manager's
 * notifications (obs/sdnotify.h) and reload on SIGHUP: the config is read
 * again and, when it is valid, the process starts again as itself (same
 * PID, same arguments) once the monitor has committed its current range;
 * when it is not, the monitor goes on as it was and says why. */
#ifndef CAGUARD_CLI_MONITOR_OPS_H
#define CAGUARD_CLI_MONITOR_OPS_H

#include <stddef.h>

#include "monitor/series.h"
#include "obs/logger.h"
#include "obs/metrics.h"
#include "obs/sdnotify.h"

struct cg_httpd;

typedef struct cg_cli_ops {
    cg_logger log;
    cg_sdnotify sd;
    cg_metrics *metrics;       /* NULL without --metrics-listen */
    cg_monitor_series *series; /* the monitor's series on it */
    struct cg_httpd *httpd;    /* the /metrics listener */
    char listen[300];          /* where it listens, port resolved */
} cg_cli_ops;

void cg_cli_ops_init(cg_cli_ops *o);
/* Starts serving GET /metrics on spec ("ADDR:PORT"; port 0 picks one);
 * 0 with err when spec is not an address or cannot be bound, or when this
 * build has no HTTP server. */
int cg_cli_ops_metrics(cg_cli_ops *o, const char *spec, char *err, size_t errcap);
/* The heartbeat of the monitor's loop (cg_monitor_opts.tick): WATCHDOG=1
 * at half the unit's WatchdogSec. arg is the cg_cli_ops. */
void cg_cli_ops_tick(void *arg);
/* Stops the listener (requests in flight are answered) and frees it all. */
void cg_cli_ops_cleanup(cg_cli_ops *o);

/* Starts this process again as itself (/proc/self/exe with the arguments
 * of /proc/self/cmdline, the environment as it is). Returns only when that
 * failed, with err. */
int cg_cli_reexec(char *err, size_t errcap);

#define CG_CLI_OPS_HELP                                                                           \
    "  --log-format text|json\n"                                                                  \
    "                     log lines on standard error: text (an RFC 3339 time first\n"            \
    "                     when not on a terminal) or one JSON object a line\n"                    \
    "  --metrics-listen ADDR:PORT\n"                                                              \
    "                     serve Prometheus metrics at http://ADDR:PORT/metrics\n"                 \
    "                     (docs/monitor.md, \"Metrics\")\n"

#endif
