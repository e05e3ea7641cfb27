/* The seam between the monitor (monitor.h) and a log client: one table of
 * the kinds of log client (client.c), a row per cg_monitor_log_type, each
 * row the kind's name and its functions. The RFC 6962 client (logclient.h)
 * and the static-ct-api client (tileclient.h) keep their protocol code and
 * typed API; their rows adapt it to the handle the monitor holds (the
 * void * that new_client returned).
 *
 * A client makes no findings and does no store I/O: it says what it saw.
 * Every function but new_client and free_client returns a cg_log_status
 * with why filled on failure. How a client fetches a range (today a wave of
 * `parallel` requests at a time) is its own business behind scan: the
 * monitor sees only entries in index order and the right edge they build. */
#ifndef CAGUARD_MONITOR_CLIENT_H
#define CAGUARD_MONITOR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/logclient.h"

/* The types of log (cg_monitor_log.type). */
typedef enum {
    CG_MONITOR_LOG_RFC6962 = 0, /* RFC 6962 get-sth / get-entries */
    CG_MONITOR_LOG_STATIC = 1   /* c2sp.org/static-ct-api checkpoint and tiles */
} cg_monitor_log_type;

typedef struct cg_log_client_kind {
    cg_monitor_log_type type;
    const char *name; /* "rfc6962", "static" */
    /* key is borrowed and outlives the client. NULL when out of memory. */
    void *(*new_client)(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts);
    void (*free_client)(void *c);
    /* The current tree head, verified with the log key (CG_LOG_STH_SIG when
     * it does not verify; *sth is filled all the same). */
    cg_log_status (*get_sth)(void *c, cg_sth *sth, char *why, size_t whycap);
    /* As cg_logclient_scan: entries [f->size, end) to fn in index order,
     * their leaf hashes appended to f, f's root compared with sth->root
     * when end == sth->tree_size. */
    cg_log_status (*scan)(void *c, cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t end,
                          const cg_sth *sth, cg_log_entry_fn fn, void *arg, char *why,
                          size_t whycap);
    /* PROOF(size1, D[0:size2]) into proof (room for CG_MERKLE_MAX_PROOF
     * hashes), *n hashes. The caller verifies it. */
    cg_log_status (*consistency)(void *c, uint64_t size1, uint64_t size2, uint8_t *proof,
                                 size_t *n, char *why, size_t whycap);
    /* The right edge of the tree of sth->tree_size leaves (> 0), proven
     * under sth->root: where a monitor starts a log from its end. */
    cg_log_status (*frontier)(void *c, cg_merkle_hasher *h, const cg_sth *sth,
                              cg_merkle_frontier *f, char *why, size_t whycap);
} cg_log_client_kind;

/* The row of type; NULL when this build has no client for it. */
const cg_log_client_kind *cg_log_client_kind_get(cg_monitor_log_type type);

#endif
