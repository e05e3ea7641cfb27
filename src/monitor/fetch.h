/* One log's entry fetching: the sliding window (monitor/window.h) run over
 * libcurl's multi interface. The RFC 6962 client (get-entries) and the
 * static-ct-api client (data tiles) plug in a protocol: how a request's URL
 * is made, how an answer is read (how many entries it holds), how each of
 * its entries is built; the fetcher hands them over, in order, to the
 * caller's callback and right edge (cg_fetch_to). The fetcher keeps its window between calls, so
 * requests stay in flight across the monitor's commit ranges: a call hands
 * over [pos, end) and returns with the requests beyond end still running.
 *
 * Transport, per request: a connect and a total timeout, every encoding
 * libcurl decodes (gzip), at most max_body bytes (the Content-Length, when
 * given, is allocated at once). A request that fails in a way a retry may
 * fix (no connection, a timeout, HTTP 5xx or 429) is asked again after an
 * exponential backoff from backoff_ms (at most max_backoff_ms) and at least
 * its Retry-After (seconds, RFC 9110 §10.2.3), max_retries times at most;
 * a 429, a 503 or a timeout also halves the window and holds back new
 * requests for as long, while the requests in flight go on. A stop request
 * (opts.stop) ends a wait within 100 ms.
 *
 * Besides the window, a fetcher runs auxiliary requests (a consistency
 * proof, a hash tile, a tree head, an issuer) on the same connections, with
 * the same retries, asked ahead and waited for later or waited for at once
 * (cg_fetch_get); a wait keeps the window's transfers read.
 *
 * Internal to src/monitor/. Not thread-safe. */
#ifndef CAGUARD_MONITOR_FETCH_H
#define CAGUARD_MONITOR_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/http.h"
#include "monitor/window.h"

/* One entry of a range, as get-entries served it. leaf and extra are the
 * decoded leaf_input and extra_data, valid during the callback.
 *
 * The leaf is what the Merkle tree authenticates; extra_data (or a tile's
 * issuers) is whatever the log chose to send with it. So the two are judged
 * apart: ok is 1 when the MerkleTreeLeaf parsed (entry filled), 0 with err
 * saying where it stopped; chain_ok is 1 when, besides, the extra_data
 * parsed (chain filled), 0 with chain_err saying why not. A static-ct-api
 * precertificate entry keeps its pre_certificate (from the tile) even when
 * its issuers are missing. */
typedef struct cg_log_entry {
    uint64_t index;
    const uint8_t *leaf;
    size_t leaf_len;
    const uint8_t *extra;
    size_t extra_len;
    int ok;
    int chain_ok;
    cg_ct_entry entry;
    cg_ct_extra chain;
    cg_der_error err;
    cg_der_error chain_err;
} cg_log_entry;

/* Returns 1 to go on, 0 to stop (the scan then returns CG_LOG_STOPPED with
 * the frontier holding the entries before this one). */
typedef int (*cg_log_entry_fn)(void *arg, const cg_log_entry *e);

/* Where a run hands its entries, whatever the protocol: each to fn, in
 * index order, then its leaf hash (of e->leaf, the MerkleTreeLeaf, whether
 * or not it parsed) appended to the right edge f. */
typedef struct cg_fetch_to {
    cg_merkle_hasher *h;
    cg_merkle_frontier *f;
    cg_log_entry_fn fn;
    void *arg;
} cg_fetch_to;

typedef struct cg_fetch cg_fetch;

/* One transfer and its answer. The protocol sets url (and allow_404,
 * max_body) in prepare and reads body/len/code in answer; proto is the
 * protocol's own state for the answer (kept with the transfer, which is
 * reused). */
typedef struct cg_fetch_xfer {
    char url[2048];
    int allow_404;   /* a 404 is an answer (code 404), not a failure */
    size_t max_body; /* 0: CG_HTTP_MAX_BODY */
    uint8_t *body;
    size_t len, cap;
    long code;
    void *proto;
    /* the fetcher's */
    struct cg_fetch *f;
    CURL *easy;
    cg_wreq *q;  /* the window's request; NULL for an auxiliary one */
    int running; /* in the multi handle */
    int done;    /* auxiliary: finished (st says how) */
    int overflow;
    int starved;    /* the monitor's budget (cg_logclient_opts.budget) had no room for a
                       body that cannot be paused: held back, asked again */
    size_t charged; /* bytes of that budget the buffer holds */
    size_t expect;  /* the answer's Content-Length (0: not given) */
    int encoded;    /* the answer has a Content-Encoding (its length is not the body's) */
    int paused;     /* waits for room in its log's memory or the monitor's budget
                       (CURL_WRITEFUNC_PAUSE) */
    size_t want;    /* paused: the buffer's size it waits to grow to */
    int packed;     /* body holds the answer packed (cg_fetch_xfer_pack): no spare */
    long retry_after_ms;
    unsigned tries;
    double retry_at; /* auxiliary: asked again then (0: not waiting) */
    cg_log_status st;
    char why[256];
} cg_fetch_xfer;

typedef struct cg_fetch_proto {
    /* The URL of q's entries into x->url (and x->allow_404, x->max_body). */
    void (*prepare)(void *arg, const cg_wreq *q, cg_fetch_xfer *x);
    /* A final answer (200, or 404 when allowed) for q: *got receives the
     * entries it holds from q->start (1 to q->end - q->start). *again set:
     * x->url was changed, ask it now (a partial tile deleted: its full
     * tile). Anything but CG_LOG_OK fails the fetch (a bad answer). */
    cg_log_status (*answer)(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t *got,
                            int *again, char *why, size_t whycap);
    /* Before q's entries from q->used on are built: what they need that
     * the answer does not hold (static-ct-api: the issuers its tile
     * names). Anything but CG_LOG_OK fails the run. May be NULL. */
    cg_log_status (*ready)(void *arg, const cg_wreq *q, cg_fetch_xfer *x, char *why,
                           size_t whycap);
    /* Entry q->start + i of q's answer into *e, valid until the next call
     * (a bad entry is an entry, e->ok or e->chain_ok 0). Anything but
     * CG_LOG_OK (out of memory) fails the run. */
    cg_log_status (*entry)(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t i,
                           cg_log_entry *e);
    /* The answer is done with (handed over, or dropped): free what answer
     * made. May be NULL. */
    void (*release)(void *arg, cg_fetch_xfer *x);
} cg_fetch_proto;

/* For a protocol's answer step: the answer needs only the first len bytes
 * of x's body from now on (its entries packed there, len <= x->len). They
 * are copied into a buffer of their size, which is what the window, the
 * log's memory and the monitor's budget count while the answer is held,
 * and the large buffer is kept for the next answer to arrive. Out of
 * memory, the body stays whole (right, only larger). */
void cg_fetch_xfer_pack(cg_fetch_xfer *x, size_t len);

/* A log client's window from its options: up to o->parallel requests in
 * flight (starting with 4 at most), the byte budget and the request rate
 * of o; batch entries a request, in whole tiles of batch when grid. */
cg_window_opts cg_fetch_window_opts(const cg_logclient_opts *o, uint64_t batch, int grid);

/* o: the transport (timeouts, retries, stop); wo: the window. proto and arg
 * are borrowed. NULL when out of memory. */
cg_fetch *cg_fetch_new(const cg_logclient_opts *o, const cg_window_opts *wo,
                       const cg_fetch_proto *proto, void *arg);
void cg_fetch_free(cg_fetch *f);

/* Hands over the entries [to->f->size, end) in order, each built by
 * proto->entry, to `to`, fetching up to target (>= end) ahead. A start
 * other than where the last call stopped starts the window over there.
 * *done receives the entries handed over. CG_LOG_OK when all of them were;
 * CG_LOG_STOPPED (a stop request, or to->fn's), CG_LOG_UNREACHABLE (a
 * request failed max_retries times), CG_LOG_BAD_ANSWER, CG_LOG_NOMEM with
 * why. After a failure the window starts over at the next call. */
cg_log_status cg_fetch_run(cg_fetch *f, const cg_fetch_to *to, uint64_t end, uint64_t target,
                           uint64_t *done, char *why, size_t whycap);

/* Drops every request in flight and every answer held (the next run
 * starts over). */
void cg_fetch_reset(cg_fetch *f);

/* An auxiliary GET of url, started now. NULL when out of memory. */
cg_fetch_xfer *cg_fetch_aux(cg_fetch *f, const char *url, size_t max_body, int allow_404);
/* Runs the transfers until x is done; its status (why on failure). The
 * window's answers that come meanwhile are held; a window's request that
 * fails meanwhile fails the run whose deliver is waiting, or else makes
 * the next run start over (as any failure does). */
cg_log_status cg_fetch_aux_wait(cg_fetch *f, cg_fetch_xfer *x, char *why, size_t whycap);
/* Stops x if it runs and frees it. */
void cg_fetch_aux_free(cg_fetch *f, cg_fetch_xfer *x);
/* Moves the answer of x, done, into r (its body, len, cap and code; r's
 * previous body freed): the caller's from then on, out of the budget
 * (freeing x gives its share back). */
void cg_fetch_aux_take(cg_fetch_xfer *x, cg_http_req *r);

/* Every single request of a log client (a tree head, an issuer, a hash
 * tile, a proof): r[0..n) (their url, max_body and allow_404) as
 * auxiliary transfers, all at once, each until its final answer (200, or
 * 404 when allowed) with cg_fetch_aux_wait's retries. The window's
 * requests in flight are read meanwhile: a log may answer a client's
 * connections in the order they came, and the entries' own timeouts
 * run. CG_LOG_OK with each answer in r's body, len and code (the caller's,
 * no longer in the budget); else the first failure, with why. */
cg_log_status cg_fetch_get(cg_fetch *f, cg_http_req *r, size_t n, char *why, size_t whycap);

void cg_fetch_get_stats(const cg_fetch *f, cg_window_stats *s);

/* ---- what both log clients hold for their transport ---- */

/* The log's base URL (without the trailing slash), the client's options
 * (the defaults filled in) and the one fetcher of its requests: the
 * window's for the entries, cg_fetch_get for the others. */
typedef struct cg_fetch_client {
    char *base;
    cg_logclient_opts o;
    cg_fetch *fx;
} cg_fetch_client;

/* Fills c (zeroed by the caller) for the log at url: opts (NULL: the
 * defaults), a window of batch entries a request (0: the options' batch),
 * in whole tiles of batch when grid, its answers read by proto with arg.
 * 0 when out of memory: cg_fetch_client_clear then frees what was made. */
int cg_fetch_client_init(cg_fetch_client *c, const char *url, const cg_logclient_opts *opts,
                         uint64_t batch, int grid, const cg_fetch_proto *proto, void *arg);
/* Frees what c holds; the client's auxiliary requests are freed before. */
void cg_fetch_client_clear(cg_fetch_client *c);

/* A scan of the entries [f->size, end) through the window (fetching up to
 * target ahead, cg_fetch_run), each to fn and hashed into f; when end is
 * sth's tree size, f must then hash to sth's root, else CG_LOG_MERKLE with
 * "the N entries of BASE do not hash to the root of its HEAD" (head: what
 * the log calls its tree head, "STH", "checkpoint"). */
cg_log_status cg_fetch_client_scan(cg_fetch_client *c, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                   uint64_t end, uint64_t target, const cg_sth *sth,
                                   cg_log_entry_fn fn, void *arg, const char *head, char *why,
                                   size_t whycap);

#endif
