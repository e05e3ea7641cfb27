/* An RFC 6962 log client over libcurl: get-sth (verified with the log's
 * key) and get-entries over a range through a sliding window
 * (monitor/fetch.h, monitor/window.h): N requests in flight whatever the
 * range, answers delivered in index order, requests still running when a
 * range is handed over carried on into the next scan (a scan that starts
 * elsewhere starts the window over), and the consistency proof of the
 * range's end asked ahead while the range is read.
 *
 * The client does no store I/O and makes no findings: it says what it saw
 * (a status per call, and per entry whether the leaf parsed) and the
 * monitor turns that into findings and store writes. Every entry's leaf
 * hash goes into the caller's Merkle right edge whether or not the leaf
 * parsed, since the tree is over the leaf bytes; at the end of a range that
 * reaches the STH's tree size the edge's root is compared with the STH.
 *
 * Transport (monitor/http.h, shared with the static-ct-api client,
 * tileclient.h): each request has a connect and a total timeout; a failed
 * request (connection error, timeout, 5xx, 429) is retried up to
 * max_retries times with exponential backoff, and a 429 or 503 waits at
 * least its Retry-After; a 429, a 503 or a timeout halves the window. A log
 * answering get-entries with fewer entries than asked gets the rest asked
 * at once (RFC 6962 §4.6 lets it; nothing it sent is thrown away), and the
 * client asks for the log's count from then on, at starts aligned to it. */
#ifndef CAGUARD_MONITOR_LOGCLIENT_H
#define CAGUARD_MONITOR_LOGCLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/fetch.h"
#include "monitor/http.h"

/* cg_log_entry, one entry as get-entries serves it, and cg_log_entry_fn,
 * the scan's callback: monitor/fetch.h (both clients hand entries over
 * through it). */

typedef struct cg_logclient cg_logclient;

/* url: the log's base URL (".../ct/v1/" is appended). key: the log's public
 * key, borrowed. opts may be NULL. */
cg_logclient *cg_logclient_new(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts);
void cg_logclient_free(cg_logclient *lc);
/* The LogID: SHA-256 of the key's SPKI. */
const uint8_t *cg_logclient_get0_log_id(const cg_logclient *lc);

/* get-sth into *sth. CG_LOG_STH_SIG when it parsed but its signature does
 * not verify (*sth is filled all the same); why says what was wrong. */
cg_log_status cg_logclient_get_sth(cg_logclient *lc, cg_sth *sth, char *why, size_t whycap);

/* Fetches entries [f->size, end), calls fn for each in index order and
 * appends its leaf hash to f. When end == sth->tree_size the root of f is
 * then compared with sth->root: CG_LOG_MERKLE when they differ (f holds
 * the whole range all the same). sth may be NULL (no comparison). On any
 * status but CG_LOG_OK and CG_LOG_MERKLE, f holds exactly the entries that
 * fn accepted. */
cg_log_status cg_logclient_scan(cg_logclient *lc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                char *why, size_t whycap);

/* get-sth-consistency: PROOF(size1, size2) into proof (room for
 * CG_MERKLE_MAX_PROOF hashes), *n hashes; not verified here. */
cg_log_status cg_logclient_get_consistency(cg_logclient *lc, uint64_t size1, uint64_t size2,
                                           uint8_t *proof, size_t *n, char *why, size_t whycap);
/* The right edge of the tree at sth (tree_size > 0) from get-entry-and-proof
 * of its last entry, proven under sth->root (CG_LOG_MERKLE when the audit
 * path does not lead there). */
cg_log_status cg_logclient_frontier_at(cg_logclient *lc, cg_merkle_hasher *h, const cg_sth *sth,
                                       cg_merkle_frontier *f, char *why, size_t whycap);

/* The entry window's figures (monitor/window.h, with the fetcher's). */
void cg_logclient_get_stats(const cg_logclient *lc, cg_window_stats *s);

#endif
