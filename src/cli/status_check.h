/* caguard status --check: the store's monitoring state against thresholds,
 * as a Nagios plugin answers: one line "CAGUARD OK|WARNING|CRITICAL|UNKNOWN
 * - summary | perfdata", then one line per log or CRL over a threshold,
 * and the exit status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios
 * plugin guidelines; 2 is critical here, not a usage error). */
#ifndef CAGUARD_CLI_STATUS_CHECK_H
#define CAGUARD_CLI_STATUS_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define CG_CHECK_OK 0
#define CG_CHECK_WARNING 1
#define CG_CHECK_CRITICAL 2
#define CG_CHECK_UNKNOWN 3

/* Thresholds; a threshold of -1 is not checked. */
typedef struct cg_cli_check_opts {
    int64_t lag_warning, lag_critical;                 /* seconds: age of a log's tree head */
    int64_t lag_entries_warning, lag_entries_critical; /* entries behind it */
    int64_t stale_warning, stale_critical;             /* seconds past a CRL's nextUpdate */
} cg_cli_check_opts;

#define CG_CLI_CHECK_DEFAULTS                                                                     \
    {                                                                                             \
        3600, 86400, -1, -1, 0, 3600                                                              \
    }

/* Reads the logs and CRL sources of s at now, prints the verdict to out and
 * returns the exit status (CG_CHECK_UNKNOWN, with a line saying why, when
 * the store failed or holds nothing monitored). */
int cg_cli_status_check(cg_store *s, const cg_cli_check_opts *o, int64_t now, FILE *out);

#define CG_CLI_STATUS_CHECK_HELP                                                                  \
    "  --check              a health check (Nagios plugin): one line OK, WARNING,\n"              \
    "                       CRITICAL or UNKNOWN with performance data, a line per\n"              \
    "                       log or CRL over a threshold; exit 0, 1, 2 or 3\n"                     \
    "  --lag-warning S, --lag-critical S\n"                                                       \
    "                       a log whose last verified tree head is older than S\n"                \
    "                       seconds (default 3600 and 86400)\n"                                   \
    "  --lag-entries-warning N, --lag-entries-critical N\n"                                       \
    "                       a log more than N entries behind its last verified\n"                 \
    "                       tree head (default: not checked)\n"                                   \
    "  --crl-stale-warning S, --crl-stale-critical S\n"                                           \
    "                       a CRL source whose latest CRL's nextUpdate passed more\n"             \
    "                       than S seconds ago (default 0 and 3600)\n"

#endif
