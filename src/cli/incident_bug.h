/* caguard incident link / sync (cli/incident_bug.c), dispatched by
 * cli/incident.c; built with the monitor (CAGUARD_WITH_MONITOR). help is
 * the incident command's. */
#ifndef CAGUARD_CLI_INCIDENT_BUG_H
#define CAGUARD_CLI_INCIDENT_BUG_H

#include <stdio.h>

int cg_incident_cmd_link(int argc, char **argv, void (*help)(FILE *));
int cg_incident_cmd_sync(int argc, char **argv, void (*help)(FILE *));

#endif
