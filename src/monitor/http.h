/* The HTTP transport the CT log clients share (logclient.c for RFC 6962,
 * tileclient.c for static-ct-api): a set of GET requests run together over
 * one libcurl multi handle, each retried until it has a final answer.
 *
 * Each request has a connect and a total timeout and accepts every
 * encoding libcurl decodes (gzip among them; the body is handed over
 * decoded, and the size limit applies to the decoded bytes). A failed
 * request (connection error, timeout, HTTP 5xx or 429) is retried up to
 * max_retries times with exponential backoff from backoff_ms (at most
 * max_backoff_ms); a Retry-After in seconds (RFC 9110 §10.2.3) is waited at
 * least. The requests still failing wait for the longest delay any of them
 * needs, then go again together; a stop request (cg_logclient_opts.stop)
 * ends that wait at once. Internal to src/monitor/. */
#ifndef CAGUARD_MONITOR_HTTP_H
#define CAGUARD_MONITOR_HTTP_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* What a log client call ended with: the transport's outcomes, and the
 * clients' own (a tree head that does not verify, entries that do not hash
 * to its root). */
typedef enum cg_log_status {
    CG_LOG_OK = 0,
    CG_LOG_UNREACHABLE, /* transport failed after every retry */
    CG_LOG_BAD_ANSWER,  /* an answer that is not what RFC 6962 says */
    CG_LOG_STH_SIG,     /* get-sth: the signature does not verify */
    CG_LOG_ORIGIN,      /* a checkpoint signed by the log's key for another origin */
    CG_LOG_MERKLE,      /* a range: the entries do not hash to the STH root */
    CG_LOG_STOPPED,     /* the entry callback asked to stop */
    CG_LOG_NOMEM,
    CG_LOG_DEADLINE,    /* the caller's deadline came first (cg_logclient_opts.deadline) */
} cg_log_status;

/* The bytes of answers a monitor holds in memory at once, over all its
 * logs and requests (issue 14: bounded per monitor, not per request times
 * --parallel times logs). Each answer's buffer is taken from it as it grows
 * over the wire and given back when the answer is done with; an answer that
 * would take it past max waits (a retry, as a log asking to slow down
 * does, not counted as one of the log's failures), and one larger than max
 * is refused as too long. One exception: the entry request a log's delivery
 * waits for may pass max by one answer, shared by the monitor
 * (cg_http_budget_take_head), so the answers in memory stay within 2 * max.
 * Thread-safe (the logs' rounds, each in its thread, share it). */
typedef struct cg_http_budget {
    atomic_size_t used;
    size_t max; /* bytes */
} cg_http_budget;

/* Takes n bytes: 1, or 0 when that would pass max. A NULL budget takes
 * everything. */
int cg_http_budget_take(cg_http_budget *b, size_t n);
/* The same for the request a log's delivery waits for (the entry at its
 * window's position, monitor/fetch.c): it may pass max by one answer
 * (cg_http_answer_max(0, b)), shared by the whole monitor. The answers held
 * behind it are released only after it, so refusing it its bytes would
 * stall its log for good. So the bytes of answers in memory stay within
 * twice max (max + the longest answer, which is at most max). */
int cg_http_budget_take_head(cg_http_budget *b, size_t n);
void cg_http_budget_give(cg_http_budget *b, size_t n);
/* The longest answer a request of max_body (0: CG_HTTP_MAX_BODY) may take
 * with budget b (NULL: none). */
size_t cg_http_answer_max(size_t max_body, const cg_http_budget *b);

/* The transport's options, which the clients take whole (parallel and
 * batch are theirs). */
typedef struct cg_logclient_opts {
    long connect_timeout_ms; /* 0: 10 s */
    long timeout_ms;         /* whole request; 0: 60 s */
    unsigned max_retries;    /* per request; 0: 5 */
    long backoff_ms;         /* first retry delay, doubled each time; 0: 500 ms */
    long max_backoff_ms;     /* 0: 60 s */
    unsigned parallel;       /* most entry requests in flight (the window grows to it) */
    uint64_t batch;          /* most entries asked per request; 0: 1024 */
    double max_rps;          /* entry requests per second; 0: no limit */
    size_t window_bytes;     /* a log's answers in memory; 0: CG_HTTP_WINDOW_BYTES */
    /* When set: a wait before a retry ends as soon as *stop is nonzero, and
     * the call returns CG_LOG_STOPPED (the monitor's stop flag, set from a
     * signal handler and read by the threads that fetch tree heads: an
     * atomic, lock-free and so safe in a handler, not a sig_atomic_t,
     * which only the handler's own thread may read). */
    const atomic_int *stop;
    /* When set and *deadline > 0: no request runs past that time
     * (util/time.h cg_time_mono): each attempt's timeouts are
     * cut to the time left, no retry starts after it, a wait before a retry
     * ends at it, and the call then returns CG_LOG_DEADLINE (the monitor's
     * bound on a log's round: a log that answers its tree head and then
     * stalls holds the monitor's thread no longer than that). The caller
     * writes it between calls, or from its waiting hook (below, in the
     * same thread), never from another thread. */
    const double *deadline;
    /* When set: called by an entry fetch (cg_fetch_run) each time it is
     * about to wait for its log (at least every 100 ms while it waits),
     * with the time (cg_time_mono) of the last entry it handed over, or of
     * the call's start when none yet, in the caller's thread. The hook may
     * move *deadline (to now: the fetch ends at once with CG_LOG_DEADLINE,
     * the entries handed over so far kept by the caller): the monitor cuts
     * a range whose log stopped delivering when other logs wait for the
     * store. Its argument is observe_arg. */
    void (*waiting)(void *arg, double last_entry);
    /* When set: called after each HTTP attempt with the answer's status
     * (0: none came: refused, timed out, cut off) and the bytes of its body,
     * in the caller's thread (the monitor's metrics and heartbeat). */
    void (*observe)(void *arg, long status, size_t bytes);
    void *observe_arg;
    /* static-ct-api: the checkpoint origin the log must sign (its
     * submission prefix without scheme); NULL: the note's own. */
    const char *origin;
    /* The monitor's byte budget for answers, shared by its logs; NULL:
     * none (each answer still at most its max_body). */
    cg_http_budget *budget;
} cg_logclient_opts;

const char *cg_log_status_str(cg_log_status s);

/* Milliseconds left before o's deadline: -1 when it has none, 0 when it
 * has passed. */
long cg_http_time_left_ms(const cg_logclient_opts *o);

/* Default byte budget of a log's window: the answers held until their
 * turn (a get-entries answer packed as soon as it is read: its decoded
 * entries, a chain repeated in it once) plus what those in flight are
 * expected to hold, plus the room one answer takes as it comes over the
 * wire; the log's answers in memory are kept within it (monitor/fetch.c).
 * 12 MiB: five or six get-entries answers of 1,000 realistic entries
 * (5.3 MB of JSON, 1.5 MB packed) in flight, where 16 MiB of answers held
 * whole allowed three (docs/performance.md, "Answers held packed"). */
#define CG_HTTP_WINDOW_BYTES ((size_t)12 << 20)

/* Default largest answer: a get-entries batch of a few thousand entries
 * with chains, or a data tile, stays far below it. */
#define CG_HTTP_MAX_BODY (64u * 1024 * 1024)

typedef struct cg_http_req {
    /* set by the caller */
    char url[2048];
    size_t max_body;          /* 0: CG_HTTP_MAX_BODY */
    int allow_404;            /* a 404 is a final answer (code 404), not a failure */
    int allow_redirect;       /* so is a 301, 302, 303, 307 or 308 (its target:
                                 CURLINFO_REDIRECT_URL of easy) */
    struct curl_slist *headers; /* extra request headers (borrowed), or NULL */
    uint64_t start, end, aux; /* the caller's, untouched */
    /* the answer */
    uint8_t *body;
    size_t len;
    long code; /* HTTP status of the final answer (200, or 404 when allowed) */
    /* internal */
    CURL *easy;
    size_t cap;
    int overflow;
    int starved;         /* the budget had no room for the answer */
    cg_http_budget *budget;
    size_t charged;      /* bytes of the budget this answer's buffer holds */
    long retry_after_ms; /* -1 when absent */
    unsigned tries;
    int done;
} cg_http_req;

/* Fills the zero fields of o with the defaults: connect timeout 10 s,
 * request timeout 60 s, 5 retries, backoff 0.5 s doubling up to 60 s,
 * at most 32 entry requests in flight, batches of at most 1024, a window
 * of CG_HTTP_WINDOW_BYTES. */
void cg_http_opts_defaults(cg_logclient_opts *o);

/* Runs r[0..n) until each has a 200 answer (or an allowed 404). Returns
 * CG_LOG_OK, CG_LOG_UNREACHABLE when one still fails after max_retries,
 * CG_LOG_BAD_ANSWER on an answer that retrying cannot fix (a 4xx other
 * than 429, a body over the limit) and CG_LOG_NOMEM; why names the URL and
 * what went wrong. The answers' bytes count in o->budget while they come;
 * once it returns they are the caller's, not counted. */
cg_log_status cg_http_run(CURLM *multi, const cg_logclient_opts *o, cg_http_req *r, size_t n,
                          char *why, size_t whycap);

/* The one setup of a log client's transfer: *easy (made when NULL) reset
 * for url, its body to body and its headers to header (both with arg, also
 * the handle's private pointer), o's timeouts (cut to the time left before
 * o's deadline), every encoding libcurl decodes, http and https only. 0
 * when out of memory. */
int cg_http_easy_setup(CURL **easy, const char *url, const cg_logclient_opts *o,
                       curl_write_callback body, curl_write_callback header, void *arg);

/* What the body callbacks of libcurl transfers share: appends the n bytes
 * at data to *body (*len bytes in a buffer of *cap, doubling from 16 KiB,
 * never larger than max). 1; or 0 (the transfer is to be aborted), with
 * *overflow set when the body would pass max, or when memory ran out. */
int cg_http_body_add(uint8_t **body, size_t *len, size_t *cap, uint64_t max, const char *data,
                     size_t n, int *overflow);

/* Frees the request's body and handle; the struct may be reused after. */
void cg_http_req_free(cg_http_req *r);

/* Whether s is an http:// or https:// URL (a file name otherwise). */
int cg_http_is_url(const char *s);
/* One GET with the default transport options (timeouts, retries,
 * backoff), at most max_body bytes: a malloc'd body, or NULL with why. */
uint8_t *cg_http_get(const char *url, size_t max_body, size_t *len, char *why, size_t whycap);
/* The same with one extra request header ("Name: value", NULL: none). No
 * redirect is followed, so the header goes to url's host only; it is
 * never part of why. */
uint8_t *cg_http_get_with(const char *url, const char *header, size_t max_body, size_t *len,
                          char *why, size_t whycap);
/* cg_http_get following at most max_redirects redirects (301, 302, 303,
 * 307, 308), each to the same scheme as the URL before it (https stays
 * https; a redirect to another scheme is not followed): a malloc'd body,
 * and the URL that answered it in final (finalcap bytes, may be NULL); or
 * NULL with why (naming url, and the URL that failed after a redirect). */
uint8_t *cg_http_get_follow(const char *url, int max_redirects, size_t max_body, size_t *len,
                            char *final, size_t finalcap, char *why, size_t whycap);

#endif
