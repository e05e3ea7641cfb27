/* The sliding window of one log's entry requests: which ranges to ask for,
 * when, and in what order their answers are handed over. Pure policy: no
 * I/O, no clock of its own (the caller passes the monotonic time in
 * seconds), so that every rule below is tested without a network
 * (tests/unit/window_test.c). The transport that runs it is in
 * monitor/fetch.h; the RFC 6962 and static-ct-api clients are its users.
 *
 * What it keeps:
 * - N requests in flight whenever there is anything left to ask (up to
 *   the target, the tree size: fetching runs across the monitor's commit
 *   ranges), each a range [start, end) of entries;
 * - the answers that came before their turn (a reorder buffer), handed
 *   over strictly in log order (cg_window_front); what is held plus what
 *   the requests in flight are expected to hold once answered, plus the
 *   room one answer takes above that while it arrives (its size on the
 *   wire less its size held: a get-entries answer is packed once read),
 *   stays within a byte budget (estimated from the answers so far) plus
 *   what the consumer hands over in the shortest round trip seen (an
 *   answer asked now cannot be held before: requests go out that much
 *   ahead of the bytes; the fetcher pauses an answer that comes with the
 *   budget full), which bounds N too;
 * - short answers: an answer holding fewer entries than asked keeps what it
 *   holds and the rest is asked again at once (nothing fetched is thrown
 *   away); the log's batch is learned from the answers (the most entries
 *   one answer held, or the spacing of the boundaries short answers stop
 *   at, for a log that aligns its answers: Trillian's --align_getentries,
 *   CTile) and new requests start at multiples of it, so an aligned log
 *   answers them whole;
 * - N adapts: it starts at start_inflight and grows (by a quarter) while
 *   the entries' consumer waits for answers (more in flight would keep it
 *   busy) and growing raises the rate of entries handed over (measured
 *   over epochs of N answers); two steps that did not raise it stop the
 *   growth for a while (the log, not the window, is the limit). It halves
 *   on a throttling answer (429, 503) or a timeout.
 *   A throttling answer's Retry-After (or the backoff) holds back new
 *   requests and the retry of that request only: requests already in
 *   flight go on;
 * - an optional limit of requests per second (a token bucket of depth 1).
 *
 * A grid window (static-ct-api) asks fixed ranges: whole tiles of `batch`
 * entries (the last one partial), never learns a batch and never gets short
 * answers.
 *
 * The window does not own the answers: each request carries the caller's
 * pointer (data) to its transfer and answer. Not thread-safe. */
#ifndef CAGUARD_MONITOR_WINDOW_H
#define CAGUARD_MONITOR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

typedef struct cg_window_opts {
    unsigned start_inflight; /* N at the start; 0: 4 */
    unsigned max_inflight;   /* most N; 0: 32 (at most CG_WINDOW_MAX_INFLIGHT) */
    uint64_t batch;          /* most entries asked by one request; 0: 1024 */
    int grid;                /* ranges are whole tiles of batch entries */
    size_t byte_budget;      /* answers held + expected + one arriving; 0: 32 MiB */
    double max_rps;          /* requests per second; 0: no limit */
} cg_window_opts;

#define CG_WINDOW_MAX_INFLIGHT 256

enum { CG_WREQ_FREE = 0, CG_WREQ_QUEUED, CG_WREQ_ASKED, CG_WREQ_HELD };

/* One request of the window. */
typedef struct cg_wreq {
    int state;
    uint64_t start, end; /* asked: [start, end) */
    uint64_t got;        /* held: the answer covers [start, start + got) */
    uint64_t used;       /* held: entries of it handed over already */
    size_t bytes;        /* held: the answer's size held; asked: that size expected */
    double not_before;   /* queued: a retry waits until then */
    double asked_at;
    unsigned tries; /* failures so far */
    void *data;     /* the caller's (its transfer and answer) */
} cg_wreq;

typedef struct cg_window cg_window;

cg_window *cg_window_new(const cg_window_opts *o);
void cg_window_free(cg_window *w);

/* Starts over at entry pos (the next to hand over), fetching up to
 * target. Every request must have been taken back first
 * (cg_window_take_any). */
void cg_window_restart(cg_window *w, uint64_t pos, uint64_t target);
/* A larger tree: fetching may go on up to target. */
void cg_window_extend(cg_window *w, uint64_t target);

/* The next request to send at time now, marked asked, or NULL: then
 * *wake is the time at which one may be due (a retry's wait, the rate
 * limit, a Retry-After pause), or 0 when only an answer can make room. */
cg_wreq *cg_window_ask(cg_window *w, double now, double *wake);

/* An answer holding got entries (1 <= got <= end - start), from start on,
 * wire bytes long as it came and held bytes long as it is held (a packed
 * answer; <= wire). The request is held until its turn; when got is short
 * the rest is queued to be asked at once. */
void cg_window_answered(cg_window *w, cg_wreq *q, uint64_t got, size_t wire, size_t held,
                        double now);

/* A request that failed in a way a retry may fix: asked again after
 * delay_s, a try counted (q->tries). how, a mask: CG_WRETRY_THROTTLED: the
 * log said so (429, 503) or did not answer in time, or the caller's memory
 * held the answer back: N halves and no new request goes out before now +
 * delay_s; CG_WRETRY_NOT_A_TRY: the caller held the answer back for its own
 * memory, not the log's failure: no try counted. */
enum { CG_WRETRY_THROTTLED = 1, CG_WRETRY_NOT_A_TRY = 2 };
void cg_window_retry(cg_window *w, cg_wreq *q, int how, double delay_s, double now);

/* The held answer whose next entry is the next to hand over, or NULL. */
cg_wreq *cg_window_front(const cg_window *w);
/* n entries of the front answer were handed over (n <= got - used), and
 * the consumer is done with them at now (its waiting for the next answer
 * is what makes N grow); the answer is freed (state CG_WREQ_FREE, its data
 * the caller's to reuse) once all of it was. */
void cg_window_delivered(cg_window *w, cg_wreq *q, uint64_t n, double now);

/* Any request still asked, queued with data, or held, taken out of the
 * window (for the caller to cancel or free its data), or NULL when none is
 * left. */
cg_wreq *cg_window_take_any(cg_window *w);

/* A request slot for a caller iterating its own data (e.g. at free):
 * i < cg_window_slots(w). */
size_t cg_window_slots(const cg_window *w);
cg_wreq *cg_window_slot(cg_window *w, size_t i);

typedef struct cg_window_stats {
    uint64_t pos;     /* next entry to hand over */
    uint64_t fetched; /* entries asked up to (fetch position) */
    uint64_t target;
    unsigned n;        /* current N */
    unsigned inflight; /* requests asked */
    uint64_t batch;    /* current request width */
    size_t held_bytes; /* answers held */
    size_t byte_budget; /* the window's (cg_window_opts, 0 made its default) */
    uint64_t requests, short_answers, retries, throttles;
    uint64_t pauses; /* cg_fetch_get_stats: answers paused for their log's memory */
    size_t aux_bytes; /* cg_fetch_get_stats: the auxiliary answers' buffers (tree heads,
                       * proofs, hash tiles), outside the window's bytes */
} cg_window_stats;

void cg_window_get_stats(const cg_window *w, cg_window_stats *s);

#endif
