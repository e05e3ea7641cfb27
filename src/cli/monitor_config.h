/* caguard monitor --config FILE (monitor/config.h): the file's keys become
 * the equivalent flags, placed before the command line's own, so that a
 * flag given on the command line overrides a key of the file (and adds to
 * its repeatable ones: --issuer, --log, --crl-url, --hook). The logs of the
 * file, which carry more than --log can say (a name, a type, an MMD), go
 * to the monitor directly. A key whose flag this build does not have is
 * refused, never ignored. */
#ifndef CAGUARD_CLI_MONITOR_CONFIG_H
#define CAGUARD_CLI_MONITOR_CONFIG_H

#include <stddef.h>

#include "cli/opts.h"

#include "monitor/config.h"
#include "monitor/monitor.h"

/* What a command takes from the file: the monitor everything; alerts
 * flush the store ([monitor] store), [alerts] and [incidents] auto. */
typedef enum cg_cli_config_scope {
    CG_CLI_CONFIG_MONITOR,
    CG_CLI_CONFIG_ALERTS
} cg_cli_config_scope;

typedef struct cg_cli_monitor_config {
    cg_monitor_config cfg; /* defaults when there is no --config */
    const char *cmd;       /* "monitor", "alerts flush": messages say "caguard CMD: " */
    int loaded;
    int argc; /* the expanded command line */
    char **argv;
    int argv_owned;
    char **owned; /* strings made for it */
    size_t n_owned;
} cg_cli_monitor_config;

/* Finds --config FILE (or --config=FILE) in argv, loads the file and
 * builds mc->argc/argv: argv[0], the file's flags (those of scope), then
 * the rest of argv without --config. known is the command's option table
 * (n entries). Returns
 * CG_EXIT_OK, or CG_EXIT_USAGE after printing "FILE:LINE: what". */
int cg_cli_monitor_config_expand(cg_cli_monitor_config *mc, const char *cmd,
                                 cg_cli_config_scope scope, int argc, char **argv,
                                 const cg_cli_opt *known, size_t n_known);
/* Adds the file's [log NAME] sections to m. 0 after printing why. */
int cg_cli_monitor_config_add_logs(const cg_cli_monitor_config *mc, cg_monitor *m);
void cg_cli_monitor_config_cleanup(cg_cli_monitor_config *mc);

#endif
