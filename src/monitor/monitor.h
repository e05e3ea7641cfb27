/* The CT monitor: follows logs (RFC 6962 through logclient.h; static-ct-api
 * through a client of the same shape, client.h), verifies each log's tree
 * heads and Merkle tree, keeps the entries of the watched issuers and
 * ingests them into the store (store/ingest.h), where every rule runs on
 * them against what the store holds.
 *
 * Per log, the entries are read in ranges; each range is one store
 * transaction holding its objects, their findings, the log's position and
 * its Merkle right edge (the log_state table), so a monitor killed at any
 * point and restarted skips no entry and reports nothing twice. Findings
 * about a log (ct.log.*) are stored against the log's ID.
 *
 * Between log rounds the monitor runs the periodic tasks others register
 * (CRL fetching, log-list reloads, alerts), in the same thread. One thread;
 * a cg_monitor is not thread-safe, but cg_monitor_stop may be called from a
 * signal handler. */
#ifndef CAGUARD_MONITOR_MONITOR_H
#define CAGUARD_MONITOR_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/types.h>

#include "monitor/client.h"
#include "rules/rules.h"
#include "store/store.h"

struct cg_loglist;

#define CG_MONITOR_DEFAULT_MMD 86400
/* A tree head timestamped more than this after the monitor's clock is
 * refused (ct.log.sth_timestamp_future). */
#define CG_MONITOR_STH_FUTURE_S 3600

/* A log to follow. Everything is copied by cg_monitor_add_log. */
typedef struct cg_monitor_log {
    const char *url;           /* base URL: RFC 6962 appends ct/v1/..., static-ct-api the
                                  monitoring prefix's checkpoint and tile/... */
    EVP_PKEY *key;             /* the log's public key; or NULL and key_der */
    const uint8_t *key_der;    /* DER SubjectPublicKeyInfo, when key is NULL */
    size_t key_der_len;
    cg_monitor_log_type type;
    int64_t mmd;               /* maximum merge delay, seconds; 0: CG_MONITOR_DEFAULT_MMD. A
                                  log failing for longer gets ct.log.unreachable */
    const char *name;          /* for messages; NULL: the URL */
    const char *origin;        /* static-ct-api: the origin its checkpoints must name (its
                                  submission prefix without the scheme); NULL: the URL's */
    double max_rps;            /* entry requests a second to the log; 0: no limit */
    /* A readonly log: the final tree head its log list states. What the log
     * serves must be that head (ct.log.final_tree_head_mismatch). */
    int has_final;
    uint64_t final_size;
    uint8_t final_root[32];
} cg_monitor_log;

/* The monitor's default byte budget for answers (cg_monitor_opts
 * .response_memory): a get-entries answer of 1,024 entries with chains is
 * about 6 MB and a log's window holds 12 MiB (CG_HTTP_WINDOW_BYTES), so
 * this lets several logs read at full speed while a hostile one's huge or
 * endless answers stay within it whatever --parallel (issue 14: peak RSS
 * under 128 MB against every hostile log with the defaults). The entry
 * request a log's delivery waits for may pass it by one answer, so the
 * answers in memory stay within twice this (cg_http_budget_take_head). */
#define CG_MONITOR_RESPONSE_MEMORY ((size_t)64 << 20)

/* Default bound on a log's round, seconds (--round-timeout): its tree
 * head's fetch, and then the reading of its entries, each end by then; a
 * log that answers and then stalls is reported then and read on at its
 * next round (the other logs' rounds run beside it). Twice the request
 * timeout: one request's whole timeout fits in a round. */
#define CG_MONITOR_ROUND_TIMEOUT 120

/* Default number of logs whose rounds read entries at once
 * (--round-workers): the others' rounds wait for a turn. The rounds take
 * turns at the store, so more buys waiting on more slow logs at once, not
 * more CPU; the byte budget above bounds their answers together. */
#define CG_MONITOR_ROUND_WORKERS 8

typedef struct cg_monitor_opts {
    int64_t at;                        /* evaluation time of the rules; INT64_MIN: the
                                          current time of each range */
    const struct cg_loglist *loglist;  /* for the SCT checks; borrowed; may be NULL */
    int all_issuers;                   /* keep every entry */
    int no_br_profile;                 /* 1: the TLS BR certificate profile not applied */
    int from_end;                      /* a log seen the first time starts at its tree head
                                          (default: at entry 0) */
    int poll_interval;                 /* seconds between tree-head polls; 0: 60 */
    unsigned parallel;                 /* most entry requests in flight per log; 0: 32 */
    size_t response_memory;            /* bytes of answers held at once, every log and
                                          request together (a hostile log's huge or endless
                                          answers included); 0: CG_MONITOR_RESPONSE_MEMORY */
    uint64_t batch;                    /* most entries asked per request; 0: 1024 */
    uint64_t range;                    /* most entries committed together; 0: 4096 */
    int range_ms;                      /* a range is committed after at most this long;
                                          0: 5000 */
    int round_timeout;                 /* seconds a log's round may last (its tree head,
                                          then its entries; shared: each range);
                                          0: CG_MONITOR_ROUND_TIMEOUT */
    unsigned round_workers;           /* logs read at once; 0: CG_MONITOR_ROUND_WORKERS */
    int quiet;                         /* no progress and no log lines */
    int progress;                      /* 1: one refreshed progress line per log (a
                                          terminal), 0: plain log lines */
    FILE *log;                         /* the terminal's progress line; NULL: stderr */
    const struct cg_logger *logger;    /* the log lines (obs/logger.h: redacted, stamped
                                          or JSON); NULL: plain text on `log` */
    struct cg_monitor_series *series;  /* metrics (monitor/series.h); NULL: none */
    /* Called often while the monitor works or waits (each entry, each HTTP
     * attempt, every 0.1 s of the sleeps between rounds): the service
     * watchdog's heartbeat, which keeps its own pace. NULL: none. */
    void (*tick)(void *arg);
    void *tick_arg;
    /* monitors sharing one store's work (docs/store.md, "Monitors sharing
     * the work"): each log is cut into ranges of `range` entries (0: 4096)
     * that the workers lease, fetch, ingest and complete */
    int shared;
    const char *worker_id;  /* shared: this worker's name (log_ranges.owner); required */
    int lease_seconds;      /* shared: how long a claim holds; 0: 60 */
    cg_store *lease_store;  /* shared: a second connection to the same store, on
                               which the lease is renewed while a range's
                               transaction is open; NULL: never renewed */
    /* transport, for tests: 0 takes logclient.h's defaults */
    long timeout_ms;
    unsigned max_retries;
    long backoff_ms;
} cg_monitor_opts;

typedef struct cg_monitor cg_monitor;

/* store is borrowed and must outlive the monitor. NULL with err when out of
 * memory. */
cg_monitor *cg_monitor_new(cg_store *store, const cg_monitor_opts *opts, char *err,
                           size_t errcap);
void cg_monitor_free(cg_monitor *m);

/* A CA to watch (DER certificate): entries it issued are kept. It is
 * ingested into the store when the monitor runs. 0 with err when der is not
 * a certificate. */
int cg_monitor_add_issuer(cg_monitor *m, const char *name, const uint8_t *der, size_t len,
                          char *err, size_t errcap);

/* Called once per finding new to the store, after its transaction committed
 * (never for repeats, never for rolled-back work). Several may be
 * registered; they are called in order. */
int cg_monitor_on_finding(cg_monitor *m, cg_sink_fn fn, void *arg);
/* Called once after a batch of findings has gone to the sinks: the
 * findings of one commit (a range's, with its log findings; a task's,
 * cg_monitor_batch_begin), or one finding handed on by itself. A sink with work to do once per commit rather than
 * once per finding (the outbox's claim) does it here. */
typedef void (*cg_monitor_batch_fn)(void *arg);
int cg_monitor_on_batch_end(cg_monitor *m, cg_monitor_batch_fn fn, void *arg);

/* Periodic work run by the monitor's loop between log rounds, in the same
 * thread, every interval_s seconds (and once at start; and once in --once).
 * now is the current time. A task returns 1, or 0 when it failed (counted
 * in the stats; the monitor goes on). */
typedef int (*cg_monitor_task_fn)(void *arg, cg_monitor *m, int64_t now);
int cg_monitor_add_task(cg_monitor *m, int interval_s, cg_monitor_task_fn fn, void *arg);

cg_store *cg_monitor_get0_store(cg_monitor *m);

/* A task's finding, new to the store and committed (or about no object:
 * reported, not stored), to every registered sink, counted in the stats
 * as the monitor's own findings. */
void cg_monitor_emit(cg_monitor *m, const cg_finding *f);
/* The findings handed on between these two (cg_monitor_emit) go to the
 * sinks as one batch: the batch-end functions run once, at the outermost
 * end, when there was any. A task hands on the findings of one commit
 * inside a pair, so the outbox claims their rows once. */
void cg_monitor_batch_begin(cg_monitor *m);
void cg_monitor_batch_end(cg_monitor *m);

/* Fills *f as a finding about no object (ref and field are its parts and
 * must outlive it): about the log whose ID is log64 (base64, as log lists
 * write it; NULL: about no log), where file names the log's URL or the log
 * list's path. */
void cg_monitor_finding_about(cg_finding *f, cg_objref *ref, cg_field *field, const char *file,
                              const char *log64, cg_rule_id rule, const char *message);
/* Stores a finding about a log (ct.log.*, ct.loglist.changed) against its
 * ID, deduplicated by subject (what about the log: an entry, a tree head, a
 * version of a list); *is_new when the store had none. 0 when it failed. */
int cg_monitor_put_log_finding(cg_store *st, cg_rule_id rule, const uint8_t log_id[32],
                               const char *subject, const char *message, int64_t now, int *is_new);

/* Logs are identified by their log ID (SHA-256 of the key's SPKI); the URL
 * can change under the same ID. Adding a log whose ID is followed already
 * updates its URL, type, MMD and name. 0 with the reason in
 * cg_monitor_errmsg when the key is not a usable key or the type has no
 * client in this build. */
int cg_monitor_add_log(cg_monitor *m, const cg_monitor_log *log);
int cg_monitor_set_log_url(cg_monitor *m, const uint8_t log_id[32], const char *url);
/* Finish to the last verified tree head, then drop the log. */
int cg_monitor_retire_log(cg_monitor *m, const uint8_t log_id[32]);
/* The final tree head a log list states for a followed log (it became
 * readonly); 0 when no log with that ID is followed. */
int cg_monitor_set_log_final(cg_monitor *m, const uint8_t log_id[32], uint64_t size,
                             const uint8_t root[32]);
/* 1 when the log is followed and not retired. */
int cg_monitor_has_log(const cg_monitor *m, const uint8_t log_id[32]);
/* The log list of the SCT checks from now on: a list reloaded while the
 * monitor runs (monitor/loglistwatch.h), so that a log it adds is known to
 * the checks too, not only followed. Borrowed, as opts.loglist: kept alive
 * by the caller until the next call or cg_monitor_free. 1, or 0 when out
 * of memory (the list before stays in use). */
int cg_monitor_set_loglist(cg_monitor *m, const struct cg_loglist *loglist);
/* The log list the SCT checks use now (NULL: none). */
const struct cg_loglist *cg_monitor_get0_loglist(const cg_monitor *m);

/* Runs: tasks once, then every log to its current tree head; with once,
 * returns then; otherwise polls every poll_interval seconds until
 * cg_monitor_stop. Returns 1, or 0 when the store failed (the reason in
 * cg_monitor_errmsg; the current range was rolled back). Shared, a round
 * of a log plans the ranges of its new tree head and claims and completes
 * ranges until none is left to claim; with once, it also waits for ranges
 * leased by other workers, until every range of the log is done. */
int cg_monitor_run(cg_monitor *m, int once);
/* Asks a running monitor to commit its current range and return.
 * Async-signal-safe. */
void cg_monitor_stop(cg_monitor *m);
/* Clears a stop, so that cg_monitor_run runs again (a reload that was
 * refused goes on with the same monitor). */
void cg_monitor_resume(cg_monitor *m);
/* The logs followed (not retired). */
size_t cg_monitor_n_logs(const cg_monitor *m);

typedef struct cg_monitor_stats {
    size_t new_findings[3];   /* new to the store, by severity (log findings included) */
    size_t unstored;          /* reported, not stored (about no object) */
    uint64_t entries;         /* entries read */
    uint64_t kept;            /* entries of watched issuers ingested */
    uint64_t malformed;       /* entries that did not parse */
    size_t log_failures;      /* log rounds that failed (transport, bad answers) */
    size_t task_failures;
} cg_monitor_stats;

const cg_monitor_stats *cg_monitor_get0_stats(const cg_monitor *m);
const char *cg_monitor_errmsg(const cg_monitor *m);

#endif
