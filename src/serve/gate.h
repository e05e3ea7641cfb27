/* The stateful issuance gate of caguard serve (docs/serve.md, "The gate"):
 * POST /v1/gate/precert records the precertificate about to be logged
 * (one per issuer and serial, whatever the number of gate processes on the
 * store), POST /v1/gate/cert checks the final certificate against it and
 * records the decision.
 *
 * Thread-safe: the gate keeps a pool of store connections, one per request
 * in flight. Ownership: the gate owns its connections; a result's body and
 * findings are the caller's (free() the body, clear the findings). */
#ifndef CAGUARD_SERVE_GATE_H
#define CAGUARD_SERVE_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "obs/metrics.h"
#include "rules/prepared.h"
#include "serve/answer.h"

typedef struct cg_serve_gate cg_serve_gate;

/* Opens (and creates or migrates) the store: a store that cannot be used
 * is refused here, before anything listens. NULL with why in err. */
cg_serve_gate *cg_serve_gate_new(const char *store_uri, cg_metrics *m, char *err, size_t errcap);
void cg_serve_gate_free(cg_serve_gate *g);
/* Whether the gate's checks apply the TLS BR certificate profile: on by
 * default; set before the first request. */
void cg_serve_gate_set_br_profile(cg_serve_gate *g, int on);
/* Whether the store answers (for /healthz). */
int cg_serve_gate_ping(cg_serve_gate *g, char *why, size_t whycap);

typedef struct cg_serve_gate_result {
    unsigned status; /* 200, 409, 422; 400 bad request; 503 the store failed */
    char *body;      /* JSON */
    size_t len;
    cg_serve_findings findings;
} cg_serve_gate_result;

/* One request: final 0 for /v1/gate/precert, 1 for /v1/gate/cert. */
void cg_serve_gate_handle(cg_serve_gate *g, cg_prepared *p, int final, const uint8_t *body,
                          size_t len, const char *request_id, cg_serve_gate_result *out);

#endif
