/* Subcommands of the caguard executable. Each returns the process exit
 * status: 0 clean, 1 error findings, 2 usage error or undecodable input. */
#ifndef CAGUARD_CLI_CLI_H
#define CAGUARD_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#define CG_EXIT_OK 0
#define CG_EXIT_FINDINGS 1
#define CG_EXIT_USAGE 2

int cg_cmd_check(int argc, char **argv);
int cg_cmd_rules(int argc, char **argv);

/* Reads a whole file ("-" is stdin). Returns a malloc'd buffer or NULL with
 * a message in err. */
uint8_t *cg_cli_read_file(const char *path, size_t *len, char *err, size_t errcap);
/* Prints "caguard CMD: msg" to stderr and returns CG_EXIT_USAGE. */
int cg_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
