/* caguard serve as a library: the HTTP service that answers "may I sign
 * this?" (docs/serve.md, docs/serve.openapi.yaml). It routes requests to
 * pkimetal's endpoints (POST /lintcert, /linttbscert, /lintcrl,
 * /linttbscrl; GET /linters, /profiles), the native POST /v1/check, the
 * stateful gate (POST /v1/gate/precert, /v1/gate/cert; with a store), GET
 * /healthz and GET /metrics; checks an optional bearer token; writes one
 * access line a request; counts requests, latencies, findings and the log
 * list's age.
 *
 * The log lists and CA certificates a check uses are a cg_prepared
 * snapshot that the caller builds and hands over (cg_serve_swap): the
 * service itself reads no file. A swap takes effect for the requests that
 * start after it; a request keeps the snapshot it started with until it
 * ends.
 *
 * Ownership: the service owns the snapshots handed to it, its listener,
 * its metrics and its store connections; the config's strings are
 * borrowed for the service's life. */
#ifndef CAGUARD_SERVE_SERVICE_H
#define CAGUARD_SERVE_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/prepared.h"

typedef struct cg_serve cg_serve;

typedef struct cg_serve_opts {
    const char *listen; /* ADDR:PORT */
    unsigned threads;   /* workers; 0: the number of processors */
    size_t max_body;    /* bytes; 0: 1 MiB */
    unsigned timeout;   /* seconds a connection may stall; 0: 30 */
    const char *token;  /* bearer token every request but /healthz must carry; NULL: none */
    const char *store;  /* the gate's store (path or URI); NULL: no gate */
    FILE *access_log;   /* one line a request; NULL: none */
    int no_br_profile;  /* 1: checks without the TLS BR certificate profile */
} cg_serve_opts;

/* Makes the service (the store is opened and migrated here, so a bad one
 * is refused before anything listens), without listening yet. Returns
 * NULL with the reason in err. */
cg_serve *cg_serve_new(const cg_serve_opts *o, char *err, size_t errcap);
/* Hands over a snapshot (owned from now on, even on failure) and the time
 * its log lists were published (their log_list_timestamp, or when they
 * were read: the age /metrics shows). */
void cg_serve_swap(cg_serve *s, cg_prepared *p, int64_t lists_time);
/* Starts listening. Returns 1, or 0 with the reason in err. */
int cg_serve_start(cg_serve *s, char *err, size_t errcap);
/* "ADDR:PORT" it listens on (the port bound when 0 was asked). */
const char *cg_serve_address(const cg_serve *s);
/* Stops gracefully: no new connection, the requests in flight are answered
 * (grace_seconds at most), then frees everything. NULL is fine. */
void cg_serve_free(cg_serve *s, unsigned grace_seconds);

#endif
