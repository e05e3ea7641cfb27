/* caguard status: the CRL section (the CRL sources the monitor's CRL
 * watcher keeps in the store, store.h cg_store_crl_source). */
#ifndef CAGUARD_CLI_STATUS_CRL_H
#define CAGUARD_CLI_STATUS_CRL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "store/store.h"

/* Adds the CRL rows: as text to out, or (json) as the array "crls" of
 * root, each {"url", "kind" ("crl"|"list"), "issuer", "origin",
 * "last_fetch", "last_change", "http_status", "status", "failures",
 * "this_update", "next_update", "entries", "stale"} (times RFC 3339, null
 * when unknown). now decides "stale". 0 when the store failed. */
int cg_cli_status_crls(cg_store *s, int json, int64_t now, FILE *out, json_t *root);

/* A time for the JSON of every status section: RFC 3339, or null for 0
 * (never, unknown). */
json_t *cg_cli_status_time(int64_t t);

#define CG_CLI_STATUS_CRL_HELP                                                                    \
    "For each CRL URL the monitor fetches: the CA it belongs to and where the URL\n"              \
    "came from (config, list, crldp), the last fetch and its outcome (HTTP status or\n"           \
    "error, consecutive failures), and the thisUpdate, nextUpdate and entry count of\n"           \
    "the latest CRL it served (\"stale\" when nextUpdate has passed).\n"

#endif
