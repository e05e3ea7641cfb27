/* The sliding window of one log's entry requests (window.h).
 *
 * Invariants kept here:
 * - the live requests (queued, asked, held) are disjoint and, with the
 *   entries handed over, cover [0, fetch) exactly: nothing is asked twice
 *   and nothing between pos and fetch is forgotten;
 * - there are always enough free slots for every asked request to split
 *   once (a short answer's rest), so an answer never has nowhere to go:
 *   a request is only asked while free slots >= asked requests + 2;
 * - held bytes + the bytes the asked requests are expected to hold + the
 *   room one answer takes above its held size while it arrives stay within
 *   the budget plus what the consumer hands over in one round trip (below)
 *   once the size of an entry is known, except for the request of the
 *   entry at pos, which is always allowed (at least one request is always
 *   allowed, and the one every held answer waits for is never held back,
 *   so a window never starves nor stalls).
 *
 * Asking ahead of the bytes: an answer asked now is not held before the
 * shortest round trip seen (ask to answer read), and by then the consumer
 * has handed over about its rate times that many entries, whose bytes are
 * gone; so the requests asked may expect that much more than the budget
 * holds now. It is an expectation, not the memory's bound: an answer that
 * comes while the budget is full waits (the fetcher pauses it in its
 * connection, fetch.h). Without it a log 50 ms away got its next request
 * only when an answer was handed over whole, four answers behind the one
 * in hand, about the round trip's time ahead of its turn, and the client
 * waited on some (docs/performance.md, "A log 50 ms away"). */
#include "monitor/window.h"

#include <stdlib.h>
#include <string.h>

/* An epoch of the adaptation ends after this many answers per request in
 * flight have been handed over, and lasts at least EPOCH_MIN_S. */
#define EPOCH_MIN_S 0.05
/* A growth step pays when the rate grew by at least this factor. */
#define GROWTH 1.03
/* Epochs without growth after steps that did not pay. */
#define PLATEAU_EPOCHS 8
/* The share of an epoch the consumer may wait for answers before N grows. */
#define STARVED 0.05

struct cg_window {
    cg_window_opts o;
    cg_wreq *q;
    size_t nslots;
    uint64_t pos, fetch, target;
    uint64_t batch;     /* current width of a new request */
    uint64_t max_seen;  /* the most entries one answer held */
    uint64_t gcd_ends;  /* gcd of the ends of short answers (0: none yet) */
    uint64_t short_got; /* entries in the first short answer */
    int aligned;        /* short answers of different sizes: the log aligns */
    unsigned n;         /* N */
    unsigned asked;
    size_t held_bytes, asked_bytes;
    /* bytes per entry held and on the wire, from the answers so far (0: not
     * known yet) */
    uint64_t seen_entries, seen_bytes, seen_wire;
    double paused_until; /* no new request before (a throttling answer) */
    double token_at;     /* the rate limit: the next request not before */
    /* adaptation */
    double epoch_t0;
    uint64_t epoch_entries;
    unsigned epoch_answers;
    double last_rate;   /* entries handed over a second, last epoch */
    double busy_rate;   /* the same, of the time the consumer had answers */
    double min_rtt;     /* the shortest ask to answer seen (0: none yet) */
    double idle;        /* this epoch: time the consumer waited for an answer */
    double wait_since;  /* the consumer waits since then (0: it does not) */
    int grew;           /* N grew at the end of the last epoch */
    unsigned fruitless; /* growth steps in a row that did not raise the rate */
    unsigned hold;      /* epochs left without growth */
    uint64_t requests, short_answers, retries, throttles;
};

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

cg_window *cg_window_new(const cg_window_opts *o)
{
    cg_window *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    if (o != NULL)
        w->o = *o;
    if (w->o.max_inflight == 0)
        w->o.max_inflight = 32;
    if (w->o.max_inflight > CG_WINDOW_MAX_INFLIGHT)
        w->o.max_inflight = CG_WINDOW_MAX_INFLIGHT;
    if (w->o.start_inflight == 0)
        w->o.start_inflight = 4;
    if (w->o.start_inflight > w->o.max_inflight)
        w->o.start_inflight = w->o.max_inflight;
    if (w->o.batch == 0)
        w->o.batch = 1024;
    if (w->o.byte_budget == 0)
        w->o.byte_budget = 32u << 20;
    w->nslots = 2 * (size_t)w->o.max_inflight + 8;
    w->q = calloc(w->nslots, sizeof(*w->q));
    if (w->q == NULL) {
        free(w);
        return NULL;
    }
    w->batch = w->o.batch;
    w->n = w->o.start_inflight;
    return w;
}

void cg_window_free(cg_window *w)
{
    if (w == NULL)
        return;
    free(w->q);
    free(w);
}

void cg_window_restart(cg_window *w, uint64_t pos, uint64_t target)
{
    for (size_t i = 0; i < w->nslots; i++) {
        void *data = w->q[i].data;
        memset(&w->q[i], 0, sizeof(w->q[i]));
        w->q[i].data = data;
    }
    w->pos = w->fetch = pos;
    w->target = target < pos ? pos : target;
    w->asked = 0;
    w->held_bytes = w->asked_bytes = 0;
    w->epoch_t0 = 0;
    w->epoch_entries = 0;
    w->epoch_answers = 0;
    w->idle = 0;
    w->wait_since = 0;
}

void cg_window_extend(cg_window *w, uint64_t target)
{
    if (target > w->target)
        w->target = target;
}

static size_t free_slots(const cg_window *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->nslots; i++)
        n += w->q[i].state == CG_WREQ_FREE;
    return n;
}

static cg_wreq *free_slot(cg_window *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        if (w->q[i].state == CG_WREQ_FREE)
            return &w->q[i];
    }
    return NULL;
}

/* What an answer of that many entries is expected to hold. */
static size_t expected_bytes(const cg_window *w, uint64_t entries)
{
    if (w->seen_entries == 0)
        return 0;
    return (size_t)(entries * (w->seen_bytes / w->seen_entries));
}

/* The room an answer of the current width takes above its held size
 * while it arrives (the wire's bytes, before it is packed): kept free for
 * the next answer to come. */
static size_t arriving_bytes(const cg_window *w)
{
    if (w->seen_entries == 0)
        return 0;
    return (size_t)(w->batch * ((w->seen_wire - w->seen_bytes) / w->seen_entries));
}

/* The byte budget for answers held and expected: the window's, less the
 * room kept for an answer arriving. */
static size_t held_budget(const cg_window *w)
{
    size_t a = arriving_bytes(w);
    return a < w->o.byte_budget ? w->o.byte_budget - a : 0;
}

/* The bytes of held answers the consumer hands over in the shortest round
 * trip seen, at its rate while it had answers (last epoch): gone before an
 * answer asked now can be held (the invariants above). At most the held
 * budget, so that the answers asked never expect more than twice it. None
 * for a grid (static-ct-api tiles): its 16 small requests at once keep a
 * log 50 ms away busy already, and asking ahead raised the monitor's peak
 * RSS there by 5 to 7 MB (docs/performance.md, "A log 50 ms away"). */
static size_t ahead_bytes(const cg_window *w)
{
    if (w->o.grid || w->min_rtt <= 0 || w->busy_rate <= 0 || w->seen_entries == 0)
        return 0;
    double entries = w->min_rtt * w->busy_rate;
    double b = entries * (double)(w->seen_bytes / w->seen_entries);
    size_t cap = held_budget(w);
    return b >= (double)cap ? cap : (size_t)b;
}

/* The most requests in flight the budget allows for requests of the
 * current width (at least 1). */
static unsigned budget_cap(const cg_window *w)
{
    size_t one = expected_bytes(w, w->batch);
    if (one == 0)
        return w->o.max_inflight;
    size_t cap = (held_budget(w) + ahead_bytes(w)) / one;
    if (cap < 1)
        cap = 1;
    return cap > w->o.max_inflight ? w->o.max_inflight : (unsigned)cap;
}

/* The end of a new request from `from`: the next multiple of the batch,
 * at most the target. */
static uint64_t range_end(const cg_window *w, uint64_t from)
{
    uint64_t end = (from / w->batch + 1) * w->batch;
    return end > w->target ? w->target : end;
}

/* Whether a request for [start, start + entries) may go out now. The one
 * the front waits for (it starts at pos: the rest of a short answer, a
 * retry) always may: the answers held behind it are handed over only
 * after it, so holding it back for their bytes would stall the window for
 * good. */
static int room_for(const cg_window *w, uint64_t start, uint64_t entries)
{
    if (w->asked >= w->n)
        return 0;
    if (start == w->pos || (w->asked == 0 && w->held_bytes == 0))
        return 1;
    return w->held_bytes + w->asked_bytes + expected_bytes(w, entries) <=
           held_budget(w) + ahead_bytes(w);
}

cg_wreq *cg_window_ask(cg_window *w, double now, double *wake)
{
    double next = 0;
    *wake = 0;
    if (w->asked >= w->n)
        return NULL;
    if (w->paused_until > now || w->token_at > now) {
        *wake = w->paused_until > w->token_at ? w->paused_until : w->token_at;
        return NULL;
    }
    /* A queued request first (the rest of a short answer, a retry): the
     * lowest start, since the front waits for it. */
    cg_wreq *best = NULL;
    for (size_t i = 0; i < w->nslots; i++) {
        cg_wreq *q = &w->q[i];
        if (q->state != CG_WREQ_QUEUED)
            continue;
        if (q->not_before > now) {
            if (next == 0 || q->not_before < next)
                next = q->not_before;
            continue;
        }
        if (best == NULL || q->start < best->start)
            best = q;
    }
    size_t spare = free_slots(w);
    if (best != NULL) {
        if (spare < (size_t)w->asked + 1 || !room_for(w, best->start, best->end - best->start))
            return NULL;
    } else {
        if (w->fetch >= w->target) {
            *wake = next;
            return NULL;
        }
        uint64_t end = range_end(w, w->fetch);
        if (spare < (size_t)w->asked + 2 || !room_for(w, w->fetch, end - w->fetch)) {
            *wake = next;
            return NULL;
        }
        best = free_slot(w);
        void *data = best->data;
        memset(best, 0, sizeof(*best));
        best->data = data;
        best->start = w->fetch;
        best->end = end;
        w->fetch = end;
    }
    best->state = CG_WREQ_ASKED;
    best->asked_at = now;
    best->bytes = expected_bytes(w, best->end - best->start);
    w->asked_bytes += best->bytes;
    w->asked++;
    w->requests++;
    if (w->o.max_rps > 0)
        w->token_at = now + 1.0 / w->o.max_rps;
    return best;
}

/* The batch after a short answer of got entries ending at `end`. A log
 * that caps answers at M entries from any start gives short answers of M
 * entries: the batch is M (the most an answer held). A log that ends its
 * answers at multiples of A (aligned) gives short answers of varying sizes
 * ending at multiples of A: the batch is A, the gcd of those ends, when it
 * is more than the most an answer held. Never wider than asked. */
static void learn_batch(cg_window *w, uint64_t got, uint64_t end)
{
    uint64_t b = w->max_seen;
    if (w->short_got == 0)
        w->short_got = got;
    else if (got != w->short_got)
        w->aligned = 1;
    w->gcd_ends = gcd(w->gcd_ends, end);
    if (w->aligned && w->gcd_ends > b && w->gcd_ends <= w->o.batch)
        b = w->gcd_ends;
    if (b > 0 && b <= w->o.batch)
        w->batch = b;
}

void cg_window_answered(cg_window *w, cg_wreq *q, uint64_t got, size_t wire, size_t bytes,
                        double now)
{
    uint64_t asked = q->end - q->start;
    if (got == 0 || got > asked)
        got = asked; /* the caller checked: cannot happen */
    w->asked--;
    w->asked_bytes -= q->bytes;
    w->seen_entries += got;
    w->seen_bytes += bytes;
    w->seen_wire += wire > bytes ? wire : bytes;
    if (got > w->max_seen)
        w->max_seen = got;
    if (now > q->asked_at && (w->min_rtt == 0 || now - q->asked_at < w->min_rtt))
        w->min_rtt = now - q->asked_at;
    if (got < asked) {
        /* Keep what came, ask for the rest at once. The free slot is there
         * by the invariant. */
        cg_wreq *rest = free_slot(w);
        void *data = rest->data;
        memset(rest, 0, sizeof(*rest));
        rest->data = data;
        rest->state = CG_WREQ_QUEUED;
        rest->start = q->start + got;
        rest->end = q->end;
        q->end = q->start + got;
        w->short_answers++;
        if (!w->o.grid)
            learn_batch(w, got, q->start + got);
    }
    q->state = CG_WREQ_HELD;
    q->got = got;
    q->used = 0;
    q->bytes = bytes;
    w->held_bytes += bytes;
    if (w->wait_since > 0 && q->start == w->pos) {
        w->idle += now - w->wait_since; /* the consumer waited for this one */
        w->wait_since = 0;
    }
}

void cg_window_retry(cg_window *w, cg_wreq *q, int how, double delay_s, double now)
{
    w->asked--;
    w->asked_bytes -= q->bytes;
    q->bytes = 0;
    q->state = CG_WREQ_QUEUED;
    if (!(how & CG_WRETRY_NOT_A_TRY))
        q->tries++;
    q->not_before = now + delay_s;
    w->retries++;
    if (how & CG_WRETRY_THROTTLED) {
        w->throttles++;
        w->n = w->n > 1 ? w->n / 2 : 1;
        if (now + delay_s > w->paused_until)
            w->paused_until = now + delay_s;
        w->grew = 0;
        w->fruitless = 0;
        w->epoch_t0 = 0;
    }
}

cg_wreq *cg_window_front(const cg_window *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        const cg_wreq *q = &w->q[i];
        if (q->state == CG_WREQ_HELD && q->start + q->used == w->pos)
            return (cg_wreq *)q;
    }
    return NULL;
}

/* At the end of an epoch: when the entries' consumer waited for answers
 * for more than STARVED of the epoch, more requests in flight would have
 * kept it busy, so N grows by a quarter (at least one). A step that did
 * not raise the rate twice in a row means the log (or the network), not the
 * window, is the limit: N then holds for PLATEAU_EPOCHS epochs. Never
 * above what the byte budget allows. */
static void adapt(cg_window *w, double now)
{
    double dt = now - w->epoch_t0;
    if (w->epoch_answers < w->n || dt < EPOCH_MIN_S)
        return;
    double rate = (double)w->epoch_entries / dt, starved = w->idle / dt;
    w->busy_rate = dt > w->idle ? (double)w->epoch_entries / (dt - w->idle) : rate;
    unsigned cap = budget_cap(w);
    if (w->grew) {
        w->fruitless = rate < w->last_rate * GROWTH ? w->fruitless + 1 : 0;
        if (w->fruitless >= 2) {
            w->hold = PLATEAU_EPOCHS;
            w->fruitless = 0;
        }
    }
    w->grew = 0;
    if (w->hold > 0) {
        w->hold--;
    } else if (starved > STARVED && w->n < cap) {
        unsigned step = w->n / 4 > 0 ? w->n / 4 : 1;
        w->n = w->n + step > cap ? cap : w->n + step;
        w->grew = 1;
    }
    if (w->n > cap)
        w->n = cap;
    w->last_rate = rate;
    w->epoch_t0 = now;
    w->epoch_entries = 0;
    w->epoch_answers = 0;
    w->idle = 0;
}

void cg_window_delivered(cg_window *w, cg_wreq *q, uint64_t n, double now)
{
    if (n > q->got - q->used)
        n = q->got - q->used;
    q->used += n;
    w->pos += n;
    if (w->epoch_t0 == 0)
        w->epoch_t0 = now;
    w->epoch_entries += n;
    if (q->used < q->got)
        return;
    w->held_bytes -= q->bytes;
    q->state = CG_WREQ_FREE;
    q->bytes = 0;
    w->epoch_answers++;
    if (cg_window_front(w) == NULL && w->pos < w->target)
        w->wait_since = now;
    adapt(w, now);
}

cg_wreq *cg_window_take_any(cg_window *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        cg_wreq *q = &w->q[i];
        if (q->state == CG_WREQ_FREE)
            continue;
        if (q->state == CG_WREQ_ASKED) {
            w->asked--;
            w->asked_bytes -= q->bytes;
        } else if (q->state == CG_WREQ_HELD) {
            w->held_bytes -= q->bytes;
        }
        q->state = CG_WREQ_FREE;
        q->bytes = 0;
        return q;
    }
    return NULL;
}

size_t cg_window_slots(const cg_window *w)
{
    return w->nslots;
}

cg_wreq *cg_window_slot(cg_window *w, size_t i)
{
    return i < w->nslots ? &w->q[i] : NULL;
}

void cg_window_get_stats(const cg_window *w, cg_window_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->pos = w->pos;
    s->fetched = w->fetch;
    s->target = w->target;
    s->n = w->n;
    s->inflight = w->asked;
    s->batch = w->batch;
    s->held_bytes = w->held_bytes;
    s->byte_budget = w->o.byte_budget;
    s->requests = w->requests;
    s->short_answers = w->short_answers;
    s->retries = w->retries;
    s->throttles = w->throttles;
}
