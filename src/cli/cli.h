/* Subcommands of the caguard executable. Each returns the process exit
 * status: 0 clean, 1 error findings, 2 usage error or undecodable input. */
#ifndef CAGUARD_CLI_CLI_H
#define CAGUARD_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "report/output.h"
#include "rules/rules.h"

struct cg_loglist;

#define CG_EXIT_OK 0
#define CG_EXIT_FINDINGS 1
#define CG_EXIT_USAGE 2

int cg_cmd_check(int argc, char **argv);
int cg_cmd_rules(int argc, char **argv);
int cg_cmd_loglist(int argc, char **argv);
int cg_cmd_incident(int argc, char **argv);
int cg_cmd_policy(int argc, char **argv);
int cg_cmd_ingest(int argc, char **argv);
int cg_cmd_findings(int argc, char **argv);
int cg_cmd_monitor(int argc, char **argv);
int cg_cmd_alerts(int argc, char **argv);
int cg_cmd_demo(int argc, char **argv);
int cg_cmd_status(int argc, char **argv);
int cg_cmd_report(int argc, char **argv);
int cg_cmd_serve(int argc, char **argv);
int cg_cmd_store(int argc, char **argv);

/* The largest input file a command reads whole: a CRL of millions of
 * entries is well below it. */
#define CG_CLI_MAX_INPUT ((size_t)256 << 20)
/* Reads a whole file ("-" is stdin), at most CG_CLI_MAX_INPUT bytes (more
 * is an error, found without reading past the limit). Returns a malloc'd
 * buffer or NULL with a message in err. */
uint8_t *cg_cli_read_file(const char *path, size_t *len, char *err, size_t errcap);
/* Prints "caguard CMD: msg" to stderr and returns CG_EXIT_USAGE. */
int cg_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Log lists named on the command line (see loglists.c). */
typedef struct cg_cli_loglists {
    const char *paths[16];
    const char *sigs[16]; /* NULL: not signed */
    size_t n;
    const char *key;      /* --loglist-key */
    /* Without --loglist, the shipped or updated snapshot
     * (ct/loglist_snapshot.h) is used when defaults is set (check, ingest)
     * and --no-default-loglists (no_defaults) is not given. */
    int defaults;
    int no_defaults;
    int quiet; /* no notice about the snapshot on stderr */
} cg_cli_loglists;

int cg_cli_loglists_add(cg_cli_loglists *ll, const char *path);
/* 0 when there is no --loglist before it, or it already has one. */
int cg_cli_loglists_add_sig(cg_cli_loglists *ll, const char *path);
/* Loads every list, verifying signatures; a list that fails verification
 * gets ct.loglist.signature_invalid in ctx and is skipped. Without any
 * --loglist, the snapshot when ll->defaults (a notice on stderr when it is
 * older than 30 days or cannot be read). *out is NULL when no list is used. Returns CG_EXIT_OK or CG_EXIT_USAGE (message printed). */
int cg_cli_loglists_load(cg_cli_loglists *ll, const char *cmd, cg_ctx *ctx,
                         struct cg_loglist **out);

/* The store commands (cli/store_opt.c). The store is the command's own
 * --store, else the global one (caguard --store X COMMAND), else
 * $CAGUARD_STORE, else caguard.db in the current directory. */
struct cg_store;
#define CG_CLI_DEFAULT_STORE "caguard.db"
void cg_cli_set_global_store(const char *uri);
const char *cg_cli_store_uri(const char *cmd_opt);
/* The store as messages and pages show it: its URI with any password
 * hidden (util/redact.h), in buf (cap bytes). Never print
 * cg_cli_store_uri itself. */
const char *cg_cli_store_shown(const char *cmd_opt, char *buf, size_t cap);
/* "caguard CMD: store STORE: MESSAGE" on standard error, the store shown
 * as cg_cli_store_shown does and its secrets taken out of the message. */
void cg_cli_store_error(const char *cmd, const char *cmd_opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens it (flags as cg_store_open); on failure prints "caguard CMD: why"
 * and returns NULL: the command exits with CG_EXIT_USAGE. */
struct cg_store *cg_cli_store_open(const char *cmd, const char *cmd_opt, int flags);
/* A finding of a run stored as `caguard incident status` stores it
 * (rule, severity, object, incident, message; first seen at at); *id, when
 * not NULL, gets its ID. 1, or 0 on a store error. */
int cg_cli_put_finding(struct cg_store *st, const cg_finding *f, int64_t at, int64_t *id);

/* Flushes stdout: 1, or 0 after "caguard CMD: cannot write output" on
 * stderr when it or an earlier write failed (a full disk, a closed pipe);
 * the command then exits 2. */
int cg_cli_flush(const char *cmd);
/* stdout written at each newline, so that a command killed mid-run never
 * leaves a line cut (to a pipe or a file it would go in blocks cut
 * anywhere): the commands whose lines are read as they come (ingest,
 * monitor, alerts). */
void cg_cli_stdout_by_line(void);

/* handler for SIGINT and SIGTERM (and SIGHUP when hup), with sigaction. */
void cg_cli_on_signals(void (*handler)(int), int hup);
/* "HOSTNAME:PID" in buf: a monitor worker's and an outbox lease's
 * default name. Returns buf. */
const char *cg_cli_host_pid(char *buf, size_t cap);

/* Option values shared by the commands (cli/opts.c): 1, or 0 with
 * "caguard CMD: why" printed (the command then exits CG_EXIT_USAGE). An
 * --color auto leaves *color as it is. */
int cg_cli_opt_format(const char *cmd, const char *arg, cg_out_format *format);
int cg_cli_opt_color(const char *cmd, const char *arg, int *color);
int cg_cli_opt_time(const char *cmd, const char *opt, const char *arg, int64_t *t);
/* A decimal ID (an incident's, a finding's), 1 or more. */
int cg_cli_parse_id(const char *s, int64_t *id);

#endif
