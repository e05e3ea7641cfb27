/* What the files of caguard incident share (cli/incident.c: the command,
 * its help, kinds, lint, status, report, scope; cli/incident_record.c:
 * open, event, add; cli/incident_view.c: list and show, as text and JSON).
 * Private to them. */
#ifndef CAGUARD_CLI_INCIDENT_INTERNAL_H
#define CAGUARD_CLI_INCIDENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "incident/incident.h"
#include "store/store.h"

/* The help of caguard incident and of each subcommand. */
void cg_cli_incident_help(FILE *f);
/* The incident or a message: 1 found, 0 not there (said), -1 store error
 * (said); inc to be cleared either way. */
int cg_cli_incident_get(const char *cmd, cg_store *st, int64_t id, cg_incident *inc);
/* The incident's certificates as the CCADB counts them (by issuer and
 * serial), or (size_t)-1 when out of memory. */
size_t cg_cli_incident_count_certs(const cg_incident *inc);
/* The incident by ID with what the stored CRLs say of its certificates'
 * revocation: 1, or 0 after a message "caguard CMD: ..." (inc to be
 * cleared either way). */
int cg_cli_incident_load(const char *cmd, cg_store *st, int64_t id, cg_incident *inc);
/* The store opened (cg_cli_store_open) and incident id read from it:
 * cg_cli_incident_load when observe, else cg_cli_incident_get. The store,
 * or NULL after a message (nothing left open); inc is zeroed first and to
 * be cleared either way. */
cg_store *cg_cli_incident_open(const char *cmd, const char *store_opt, int64_t id, int observe,
                               cg_incident *inc);

/* incident open, event, add (cli/incident_record.c). */
int cg_cli_incident_cmd_open(int argc, char **argv);
int cg_cli_incident_cmd_event(int argc, char **argv);
int cg_cli_incident_cmd_add(int argc, char **argv);
/* incident list, incident show (cli/incident_view.c). */
int cg_cli_incident_cmd_list(int argc, char **argv);
int cg_cli_incident_cmd_show(int argc, char **argv);

#endif
