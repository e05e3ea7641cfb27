/* What the files of caguard-testlog serve share: the server, a request,
 * an answer being built, and the endpoints each file answers. Private to
 * tools/caguard-testlog/serve*.c.
 *
 *   serve.c        the command: options, the listener, the dispatch, the
 *                  fault switches and /admin/, gzip and the HTTP headers
 *   serve_ct.c     RFC 6962 §4 under /ct/v1/: tree heads, proofs,
 *                  get-entries, get-roots, add-chain and add-pre-chain
 *   serve_tiles.c  static-ct-api: the checkpoint, Merkle and data tiles,
 *                  issuers
 *   serve_files.c  --files: a directory served with validators and
 *                  redirects (a CRL endpoint)
 *
 * Every endpoint fills an answer (tl_set_body, tl_set_json, tl_set_error);
 * the log ones run under the log's lock, which the dispatch takes. */
#ifndef CAGUARD_TESTLOG_SERVE_INTERNAL_H
#define CAGUARD_TESTLOG_SERVE_INTERNAL_H

#include "testlog.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>

enum { GZIP_AUTO, GZIP_ALWAYS, GZIP_NEVER };

typedef struct faults {
    atomic_llong tamper; /* entry index, -1 = off */
    atomic_int wrong_key;
    atomic_uint rate_every;
    atomic_uint retry_after;
    atomic_uint drop_every;
    atomic_uint delay_ms;
    atomic_ulong rate_count;
    atomic_ulong drop_count;
} faults;

typedef struct server {
    tl_log *log;       /* NULL: files only */
    const char *files; /* --files directory, or NULL */
    uint64_t max_batch;
    int gzip;
    int admin;
    int verbose;
    faults f;
    atomic_int stopping;
} server;

/* Per request. */
typedef struct request {
    uint8_t *body;
    size_t len, cap;
    int too_big;
    int counted;
} request;

/* An answer being built. */
typedef struct answer {
    unsigned status;
    char *body; /* malloc'd */
    size_t len;
    const char *type;
    const char *cache;
    unsigned retry_after; /* > 0: a Retry-After header */
    char etag[80];        /* "" or an ETag header */
    char last_modified[40];
    char location[600]; /* "" or a Location header */
} answer;

/* ---- serve.c ---- */

void tl_set_body(answer *a, unsigned status, const char *type, char *body, size_t len);
/* o as compact JSON (a reference taken); a 500 when o is NULL. */
void tl_set_json(answer *a, unsigned status, json_t *o);
/* {"error": message}. */
void tl_set_error(answer *a, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A query parameter, or NULL. */
const char *tl_arg(struct MHD_Connection *c, const char *name);
/* A required non-negative integer parameter: 0 after a 400. */
int tl_u64_arg(struct MHD_Connection *c, answer *a, const char *name, uint64_t *out);
/* The tree head clients see: the right one, or the wrongly signed one. */
cg_sth tl_current_sth(server *s);

/* ---- serve_ct.c: RFC 6962 ---- */

void tl_get_sth(server *s, answer *a);
void tl_get_consistency(server *s, struct MHD_Connection *c, answer *a);
void tl_get_proof_by_hash(server *s, struct MHD_Connection *c, answer *a);
void tl_get_entries(server *s, struct MHD_Connection *c, answer *a);
void tl_get_entry_and_proof(server *s, struct MHD_Connection *c, answer *a);
void tl_get_roots(server *s, answer *a);
/* add-chain and add-pre-chain; the caller holds the write lock. */
void tl_add_chain(server *s, const request *r, int precert, answer *a);

/* ---- serve_tiles.c: static-ct-api ---- */

void tl_get_checkpoint(server *s, answer *a);
/* rest: what follows /tile/ (a Merkle tile) or /tile/data/ (a data tile). */
void tl_get_tile(server *s, const char *rest, answer *a);
void tl_get_data_tile(server *s, const char *rest, answer *a);
/* hex: what follows /issuer/. */
void tl_get_issuer(server *s, const char *hex, answer *a);

/* ---- serve_files.c: --files ---- */

/* name: what follows /files/. */
void tl_get_file(server *s, struct MHD_Connection *c, const char *name, answer *a);
/* rest: what follows /redirect/ ("N/NAME"). */
void tl_get_redirect(server *s, struct MHD_Connection *c, const char *rest, answer *a);

#endif
