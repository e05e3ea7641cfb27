/* The sliding window's policy (src/monitor/window.h) without a network:
 * requests, reordering, short answers and the batch learned from them,
 * retries and throttling, the rate limit, the byte budget, and N's
 * adaptation, with simulated logs on a simulated clock (deterministic: a
 * seeded generator, no real time); and the window a log client makes of
 * its options. */
#include "monitor/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/fetch.h"
#include "testutil.h"

/* Every live request is disjoint from the others and they cover
 * [pos, fetched) with nothing missing. */
static int covers(cg_window *w)
{
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    uint64_t at = s.pos;
    for (;;) {
        cg_wreq *next = NULL;
        for (size_t i = 0; i < cg_window_slots(w); i++) {
            cg_wreq *q = cg_window_slot(w, i);
            if (q->state == CG_WREQ_FREE)
                continue;
            uint64_t from = q->state == CG_WREQ_HELD ? q->start + q->used : q->start;
            if (from == at) {
                if (next != NULL)
                    return 0; /* two requests for one entry */
                next = q;
            } else if (from < at && q->end > at) {
                return 0; /* overlap */
            }
        }
        if (next == NULL)
            return at == s.fetched;
        at = next->state == CG_WREQ_HELD ? next->start + next->got : next->end;
    }
}

/* A window over 100,000 entries read from 0, its first n requests asked
 * at time 0 (into q). */
static cg_window *with_asked(const cg_window_opts *o, cg_wreq **q, int n)
{
    double wake;
    cg_window *w = cg_window_new(o);
    cg_window_restart(w, 0, 100000);
    for (int i = 0; i < n; i++)
        q[i] = cg_window_ask(w, 0, &wake);
    return w;
}

static void test_in_order(void)
{
    cg_window_opts o = {.start_inflight = 4, .batch = 1000};
    cg_window *w = cg_window_new(&o);
    double wake;
    cg_wreq *q[4];
    cg_window_restart(w, 0, 10000);
    for (int i = 0; i < 4; i++) {
        q[i] = cg_window_ask(w, 0, &wake);
        CHECK(q[i] != NULL && q[i]->start == 1000u * i && q[i]->end == 1000u * (i + 1));
    }
    CHECK(cg_window_ask(w, 0, &wake) == NULL && wake == 0); /* N = 4 in flight */
    /* answers out of order: nothing to hand over before entry 0's */
    cg_window_answered(w, q[2], 1000, 1000, 1000, 0.1);
    cg_window_answered(w, q[1], 1000, 1000, 1000, 0.1);
    CHECK(cg_window_front(w) == NULL);
    CHECK(covers(w));
    /* two answered: room for two more */
    cg_wreq *a = cg_window_ask(w, 0.1, &wake), *b = cg_window_ask(w, 0.1, &wake);
    CHECK(a != NULL && a->start == 4000 && b != NULL && b->start == 5000);
    CHECK(cg_window_ask(w, 0.1, &wake) == NULL);
    cg_window_answered(w, q[0], 1000, 1000, 1000, 0.2);
    CHECK(cg_window_front(w) == q[0]);
    /* handed over in two parts: the range ends in the middle of an answer */
    cg_window_delivered(w, q[0], 300, 0.2);
    CHECK(cg_window_front(w) == q[0] && q[0]->used == 300);
    cg_window_delivered(w, q[0], 700, 0.2);
    CHECK(q[0]->state == CG_WREQ_FREE);
    CHECK(cg_window_front(w) == q[1]);
    cg_window_delivered(w, q[1], 1000, 0.2);
    CHECK(cg_window_front(w) == q[2]);
    cg_window_delivered(w, q[2], 1000, 0.2);
    CHECK(cg_window_front(w) == NULL); /* 3000 still asked */
    CHECK(covers(w));
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    CHECK(s.pos == 3000 && s.fetched == 6000 && s.inflight == 3);
    /* starting over: everything taken back */
    int n = 0;
    while (cg_window_take_any(w) != NULL)
        n++;
    CHECK(n == 3);
    cg_window_restart(w, 2500, 10000);
    cg_wreq *c = cg_window_ask(w, 1, &wake);
    CHECK(c != NULL && c->start == 2500 && c->end == 3000); /* up to the batch boundary */
    cg_window_free(w);
}

static void test_short_unaligned(void)
{
    /* a log that answers at most 256 entries from any start */
    cg_window_opts o = {.start_inflight = 2, .batch = 1024};
    cg_window *w = cg_window_new(&o);
    double wake;
    cg_window_restart(w, 0, 100000);
    cg_wreq *a = cg_window_ask(w, 0, &wake), *b = cg_window_ask(w, 0, &wake);
    CHECK(a->end == 1024 && b->start == 1024 && b->end == 2048);
    cg_window_answered(w, b, 256, 256, 256, 0.1);
    CHECK(covers(w));
    /* the rest of b is asked before anything new */
    cg_wreq *c = cg_window_ask(w, 0.1, &wake);
    CHECK(c != NULL && c->start == 1280 && c->end == 2048);
    cg_window_answered(w, a, 256, 256, 256, 0.1);
    cg_wreq *d = cg_window_ask(w, 0.1, &wake);
    CHECK(d != NULL && d->start == 256 && d->end == 1024);
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    CHECK(s.batch == 256 && s.short_answers == 2);
    /* nothing thrown away: entries 0-255 and 1024-1279 are held */
    CHECK(cg_window_front(w) == a && a->got == 256);
    CHECK(covers(w));
    cg_window_free(w);
}

/* A simulated log: at most max entries an answer, ending at a multiple of
 * max when aligned. */
static uint64_t log_answer(uint64_t start, uint64_t end, uint64_t max, int aligned)
{
    uint64_t last = aligned ? (start / max + 1) * max : start + max;
    return (end < last ? end : last) - start;
}

static void test_aligned_learned(void)
{
    /* Trillian's CTFE with --align_getentries and 1000 entries at most,
     * read from 0 and from 4100 (a monitor resuming mid-batch). */
    uint64_t starts[2] = {0, 4100};
    for (int k = 0; k < 2; k++) {
        cg_window_opts o = {.start_inflight = 4, .batch = 1024};
        cg_window *w = cg_window_new(&o);
        double wake, t = 0;
        uint64_t shorts_late = 0, asked = 0;
        cg_window_restart(w, starts[k], 200000);
        for (;;) {
            cg_wreq *q = cg_window_ask(w, t, &wake);
            if (q == NULL)
                break;
            asked++;
            uint64_t got = log_answer(q->start, q->end, 1000, 1);
            if (asked > 12 && got < q->end - q->start)
                shorts_late++;
            cg_window_answered(w, q, got, got, got, t);
            CHECK(covers(w));
            cg_wreq *f;
            while ((f = cg_window_front(w)) != NULL)
                cg_window_delivered(w, f, f->got - f->used, t);
            t += 0.001;
        }
        cg_window_stats s;
        cg_window_get_stats(w, &s);
        CHECK(s.pos == 200000);
        CHECK(s.batch == 1000);
        CHECK(shorts_late == 0); /* once learned, every answer whole */
        /* about one request per 1000 entries (a few more while learning) */
        CHECK(s.requests < (200000 - starts[k]) / 1000 + 12);
        cg_window_free(w);
    }
    /* an unaligned log of 1000, resumed at 4100: short answers all of 1000
     * entries, whose ends share no spacing worth learning */
    cg_window_opts o = {.start_inflight = 4, .batch = 1024};
    cg_window *w = cg_window_new(&o);
    double wake;
    cg_window_restart(w, 4100, 50000);
    cg_wreq *q;
    while ((q = cg_window_ask(w, 0, &wake)) != NULL) {
        cg_window_answered(w, q, log_answer(q->start, q->end, 1000, 0), 1, 1, 0);
        cg_wreq *f;
        while ((f = cg_window_front(w)) != NULL)
            cg_window_delivered(w, f, f->got - f->used, 0);
    }
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    CHECK(s.pos == 50000 && s.batch == 1000);
    cg_window_free(w);
}

static void test_throttle(void)
{
    cg_window_opts o = {.start_inflight = 8, .batch = 100};
    cg_wreq *q[8];
    cg_window *w = with_asked(&o, q, 8);
    double wake;
    /* a 429 with Retry-After: 2 for the third request, the others in flight */
    cg_window_retry(w, q[2], CG_WRETRY_THROTTLED, 2.0, 0.05);
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    CHECK(s.n == 4 && s.inflight == 7 && s.throttles == 1);
    /* the requests in flight still count and are still taken */
    cg_window_answered(w, q[0], 100, 100, 100, 0.06);
    cg_window_answered(w, q[1], 100, 100, 100, 0.06);
    CHECK(cg_window_front(w) == q[0]);
    cg_window_delivered(w, q[0], 100, 0.06);
    cg_window_delivered(w, q[1], 100, 0.06);
    CHECK(cg_window_front(w) == NULL); /* 200-299 waits for its retry */
    for (int i = 3; i < 8; i++)
        cg_window_answered(w, q[i], 100, 100, 100, 0.07);
    /* nothing goes out before the Retry-After */
    CHECK(cg_window_ask(w, 1.0, &wake) == NULL && wake > 2.04 && wake < 2.06);
    cg_wreq *r = cg_window_ask(w, 2.05, &wake);
    CHECK(r == q[2] && r->start == 200 && r->tries == 1);
    cg_window_answered(w, r, 100, 100, 100, 2.1);
    uint64_t n = 0;
    cg_wreq *f;
    while ((f = cg_window_front(w)) != NULL) {
        n += f->got - f->used;
        cg_window_delivered(w, f, f->got - f->used, 2.1);
    }
    CHECK(n == 600);
    CHECK(covers(w));
    /* a failure that is not throttling keeps N */
    cg_wreq *x = cg_window_ask(w, 2.2, &wake);
    cg_window_get_stats(w, &s);
    unsigned before = s.n;
    unsigned tries = x->tries;
    cg_window_retry(w, x, 0, 0.5, 2.2);
    cg_window_get_stats(w, &s);
    CHECK(s.n == before && s.retries == 2);
    CHECK(x->tries == tries + 1);
    /* an answer the caller held back for its own memory: asked again, N
     * halved, but no try of the log's counted */
    x = cg_window_ask(w, 2.8, &wake);
    CHECK(x != NULL);
    if (x != NULL) {
        tries = x->tries;
        cg_window_retry(w, x, CG_WRETRY_THROTTLED | CG_WRETRY_NOT_A_TRY, 0.5, 2.8);
        cg_window_get_stats(w, &s);
        CHECK(x->tries == tries && s.retries == 3 && s.n == (before > 1 ? before / 2 : 1));
    }
    cg_window_free(w);
}

static void test_rate_limit(void)
{
    cg_window_opts o = {.start_inflight = 8, .batch = 10, .max_rps = 10};
    cg_window *w = cg_window_new(&o);
    double wake, t = 0;
    cg_window_restart(w, 0, 100000);
    cg_wreq *a = cg_window_ask(w, 0, &wake);
    CHECK(a != NULL);
    CHECK(cg_window_ask(w, 0.05, &wake) == NULL && wake > 0.099 && wake < 0.101);
    cg_wreq *b = cg_window_ask(w, 0.1, &wake);
    CHECK(b != NULL);
    cg_window_answered(w, a, 10, 10, 10, 0.1);
    cg_window_answered(w, b, 10, 10, 10, 0.1);
    /* answered at once: over ten simulated seconds, 10 a second */
    int n = 0;
    for (t = 0.1; t < 10.1;) {
        cg_wreq *q = cg_window_ask(w, t, &wake);
        if (q == NULL) {
            CHECK(wake > t);
            if (wake <= t)
                break;
            t = wake;
            continue;
        }
        n++;
        cg_window_answered(w, q, 10, 10, 10, t);
        cg_wreq *f;
        while ((f = cg_window_front(w)) != NULL)
            cg_window_delivered(w, f, f->got - f->used, t);
    }
    CHECK(n == 100);
    cg_window_free(w);
}

static void test_budget(void)
{
    /* 1000 bytes an entry, answers of 1000 entries, 3.5 MB: at most 3
     * answers held or expected at once, whatever N (answered as soon as
     * asked: no round trip to ask ahead by, test_budget_ahead) */
    cg_window_opts o = {.start_inflight = 16, .batch = 1000, .byte_budget = 3500000};
    cg_window *w = cg_window_new(&o);
    double wake;
    cg_window_restart(w, 0, 100000);
    cg_wreq *first = cg_window_ask(w, 0, &wake);
    cg_wreq *others[16];
    int n = 0;
    while (n < 16 && (others[n] = cg_window_ask(w, 0, &wake)) != NULL)
        n++;
    CHECK(n == 15); /* the size of an entry is not known yet */
    /* a slow first answer; every other one comes and is held */
    for (int i = 0; i < n; i++)
        cg_window_answered(w, others[i], 1000, 1000000, 1000000, 0);
    cg_window_stats s;
    cg_window_get_stats(w, &s);
    CHECK(s.held_bytes == 15000000u);
    CHECK(cg_window_ask(w, 0, &wake) == NULL); /* over the budget: nothing new */
    cg_window_answered(w, first, 1000, 1000000, 1000000, 0);
    cg_wreq *f;
    while ((f = cg_window_front(w)) != NULL)
        cg_window_delivered(w, f, f->got - f->used, 1.0);
    /* from now on held + expected stays within the budget */
    int worst = 0;
    for (int round = 0; round < 50; round++) {
        cg_wreq *q[16];
        int k = 0;
        while (k < 16 && (q[k] = cg_window_ask(w, 1.0 + round, &wake)) != NULL)
            k++;
        if (k > worst)
            worst = k;
        for (int i = k - 1; i >= 0; i--) /* in reverse: all held before any goes */
            cg_window_answered(w, q[i], 1000, 1000000, 1000000, 1.0 + round);
        cg_window_get_stats(w, &s);
        CHECK(s.held_bytes <= 3500000);
        while ((f = cg_window_front(w)) != NULL)
            cg_window_delivered(w, f, f->got - f->used, 1.0 + round);
    }
    CHECK(worst == 3);
    cg_window_free(w);
}

/* The answers held fill the budget and the one at pos came short (or
 * failed): its rest is asked all the same, since every held answer waits
 * for it (a monitor once stalled here for good: four first answers of 5 MB
 * each, the first size unknown, over a 16 MiB budget). */
static void test_budget_front(void)
{
    for (int failed = 0; failed < 2; failed++) {
        cg_window_opts o = {.start_inflight = 4, .batch = 1024, .byte_budget = 16u << 20};
        cg_wreq *q[4];
        cg_window *w = with_asked(&o, q, 4);
        double wake;
        CHECK(q[3] != NULL && q[3]->start == 3072);
        for (int i = 1; i < 4; i++) /* 5.8 KB an entry, 1000 of 1024 */
            cg_window_answered(w, q[i], 1000, 5800000, 5800000, 0.1);
        if (failed)
            cg_window_retry(w, q[0], 0, 0.5, 0.1);
        else
            cg_window_answered(w, q[0], 1000, 5800000, 5800000, 0.1);
        cg_window_stats s;
        cg_window_get_stats(w, &s);
        CHECK(s.held_bytes > o.byte_budget);
        /* the rests of 1024-2047 and beyond stay queued (over the budget);
         * the one at pos goes */
        cg_wreq *front = failed ? NULL : cg_window_front(w);
        if (front != NULL) {
            cg_window_delivered(w, front, front->got, 0.2);
            CHECK(cg_window_front(w) == NULL);
        }
        cg_wreq *r = cg_window_ask(w, 1.0, &wake);
        CHECK(r != NULL && r->start == (failed ? 0u : 1000u));
        CHECK(cg_window_ask(w, 1.0, &wake) == NULL);
        CHECK(covers(w));
        cg_window_answered(w, r, r->end - r->start, 130000, 130000, 1.1);
        CHECK(cg_window_front(w) == r);
        cg_window_free(w);
    }
}

/* Answers held packed (a get-entries answer's decoded entries, about a
 * quarter of its JSON): the budget counts what an answer holds once
 * answered, for those held and those asked, plus the room one answer takes
 * above that while it arrives. 16 MiB, answers of 5.3 MB on the wire held
 * in 1.5 MB: 8 requests at once ((16.78 - 3.8) / 1.5); held as they came,
 * 3 (16.78 / 5.3). */
static void test_budget_packed(void)
{
    for (int packed = 0; packed < 2; packed++) {
        cg_window_opts o = {.start_inflight = 16, .batch = 1000, .byte_budget = 16u << 20};
        cg_wreq *q[1];
        cg_window *w = with_asked(&o, q, 1);
        double wake;
        cg_window_answered(w, q[0], 1000, 5300000, packed ? 1500000 : 5300000, 0.1);
        cg_window_delivered(w, q[0], 1000, 0.2);
        unsigned asked = 0;
        while (cg_window_ask(w, 0.3, &wake) != NULL)
            asked++;
        CHECK(asked == (packed ? 8u : 3u));
        CHECK(covers(w));
        cg_window_free(w);
    }
}

/* Asking ahead of the bytes (window.c): an answer asked now is not held
 * before the shortest round trip seen, by when the consumer has handed
 * over what it hands over in that time. The benchmark's log (12 MiB,
 * answers of 1,000 entries, 5.3 MB on the wire held in 1.47 MB): from its
 * bytes alone 5 requests at once; 60 ms away, from a consumer of 60,000
 * entries a second, 9 (3,600 entries more, 5.3 MB); half a millisecond
 * away, 5; a grid (tiles) 60 ms away, 5: it does not ask ahead. */
static void test_budget_ahead(void)
{
    for (int far = 0; far < 3; far++) {
        double rtt = far ? 0.06 : 0.0005, t = 0, wake;
        cg_window_opts o = {
            .start_inflight = 16, .batch = 1000, .byte_budget = 12u << 20, .grid = far == 2};
        cg_window *w = cg_window_new(&o);
        cg_window_restart(w, 0, 1000000);
        /* answers one at a time, each a round trip after it was asked,
         * handed over at 60,000 entries a second */
        for (int i = 0; i < 20; i++) {
            cg_wreq *q = cg_window_ask(w, t, &wake);
            CHECK(q != NULL && q->start == 1000u * (uint64_t)i);
            if (q == NULL)
                break;
            t += rtt;
            cg_window_answered(w, q, 1000, 5300000, 1470000, t);
            t += 1000 / 60000.0;
            cg_window_delivered(w, q, 1000, t);
        }
        unsigned asked = 0;
        while (cg_window_ask(w, t, &wake) != NULL)
            asked++;
        CHECK(asked == (far == 1 ? 9u : 5u));
        CHECK(covers(w));
        cg_window_free(w);
    }
}

static void test_grid(void)
{
    cg_window_opts o = {.start_inflight = 8, .batch = 256, .grid = 1};
    cg_window *w = cg_window_new(&o);
    double wake;
    cg_window_restart(w, 300, 1000);
    cg_wreq *q[4];
    for (int i = 0; i < 4; i++)
        q[i] = cg_window_ask(w, 0, &wake);
    CHECK(q[0]->start == 300 && q[0]->end == 512);
    CHECK(q[1]->start == 512 && q[1]->end == 768);
    CHECK(q[2]->start == 768 && q[2]->end == 1000);
    CHECK(q[3] == NULL);
    cg_window_extend(w, 1100);
    cg_wreq *e = cg_window_ask(w, 0, &wake);
    CHECK(e != NULL && e->start == 1000 && e->end == 1024);
    cg_window_free(w);
}

/* ---- simulations ---- */

static uint64_t rng_state = 88172645463325252ULL;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

typedef struct sim {
    double latency, jitter; /* seconds an answer takes */
    double cpu_per_entry;   /* seconds the client spends per entry */
    uint64_t max;           /* the log's batch */
    int aligned;
    double p_throttle;   /* chance of a 429 */
    double p_slow, slow; /* chance of an answer taking slow more */
    size_t bpe;          /* bytes an entry */
    uint64_t target;
} sim;

typedef struct pending {
    cg_wreq *q;
    double at;
    int throttle;
} pending;

/* Runs a window against a simulated log until every entry is handed over;
 * checks they come once each, in order. Returns the simulated seconds and
 * fills *s. */
static double simulate(const sim *m, const cg_window_opts *o, cg_window_stats *s)
{
    cg_window *w = cg_window_new(o);
    pending p[CG_WINDOW_MAX_INFLIGHT];
    size_t np = 0;
    double t = 0, busy_until = 0, wake;
    uint64_t next_entry = 0, work_n = 0;
    cg_wreq *work = NULL;
    int in_order = 1, coverage = 1;
    cg_window_restart(w, 0, m->target);
    while ((next_entry < m->target || work != NULL) && t < 1e6) {
        cg_wreq *q;
        while (np < CG_WINDOW_MAX_INFLIGHT && (q = cg_window_ask(w, t, &wake)) != NULL) {
            p[np].q = q;
            p[np].at = t + m->latency + m->jitter * rnd() + (rnd() < m->p_slow ? m->slow : 0);
            p[np].throttle = rnd() < m->p_throttle;
            np++;
        }
        /* the next event: an answer, the end of the client's work, a wake */
        double next = 1e18;
        for (size_t i = 0; i < np; i++)
            next = p[i].at < next ? p[i].at : next;
        if (wake > t && wake < next)
            next = wake;
        if (work != NULL && busy_until < next)
            next = busy_until;
        if (work == NULL && (work = cg_window_front(w)) != NULL) {
            /* the client takes the front answer: busy for its CPU time */
            work_n = work->got - work->used;
            if (work->start + work->used != next_entry)
                in_order = 0;
            next_entry += work_n;
            busy_until = t + work_n * m->cpu_per_entry;
            continue;
        }
        if (next == 1e18)
            break;
        t = next;
        if (work != NULL && busy_until <= t) {
            cg_window_delivered(w, work, work_n, busy_until);
            work = NULL;
        }
        for (size_t i = 0; i < np;) {
            if (p[i].at > t) {
                i++;
                continue;
            }
            cg_wreq *a = p[i].q;
            if (p[i].throttle)
                cg_window_retry(w, a, CG_WRETRY_THROTTLED, 1.0, t);
            else
                cg_window_answered(w, a, log_answer(a->start, a->end, m->max, m->aligned),
                                   (a->end - a->start) * m->bpe, (a->end - a->start) * m->bpe, t);
            p[i] = p[--np];
        }
        coverage &= covers(w);
    }
    CHECK(in_order);
    CHECK(coverage);
    CHECK(next_entry == m->target);
    cg_window_get_stats(w, s);
    cg_window_free(w);
    return t;
}

static void test_simulated(void)
{
    cg_window_stats s;
    cg_window_opts o = {.start_inflight = 4, .batch = 1024, .max_inflight = 64};
    /* a distant log (50 ms) and a fast client (5 us an entry): N grows
     * until the client's CPU is the limit */
    sim far = {.latency = 0.05,
               .jitter = 0.01,
               .cpu_per_entry = 5e-6,
               .max = 1000,
               .bpe = 2000,
               .target = 1000000};
    double t = simulate(&far, &o, &s);
    double cpu = far.target * far.cpu_per_entry;
    CHECK(s.n > 4);
    CHECK(t < cpu / 0.8); /* at least 80% of the CPU-bound rate */
    /* the same aligned: no dearer */
    far.aligned = 1;
    double ta = simulate(&far, &o, &s);
    CHECK(ta < t * 1.1);
    CHECK(s.batch == 1000);
    /* a client that is the bottleneck even at N = 4: N does not run away */
    sim near = {
        .latency = 0.001, .cpu_per_entry = 20e-6, .max = 1000, .bpe = 2000, .target = 500000};
    simulate(&near, &o, &s);
    CHECK(s.n <= 6);
    /* 429s on 2% of the requests, slow answers (1 s) on 1%: all delivered,
     * in order, once */
    sim rough = {.latency = 0.05,
                 .jitter = 0.02,
                 .cpu_per_entry = 5e-6,
                 .max = 256,
                 .aligned = 1,
                 .p_throttle = 0.02,
                 .p_slow = 0.01,
                 .slow = 1.0,
                 .bpe = 2000,
                 .target = 300000};
    simulate(&rough, &o, &s);
    CHECK(s.throttles > 0 && s.retries >= s.throttles);
    /* a grid (tiles) of 256 */
    cg_window_opts g = {.start_inflight = 4, .batch = 256, .grid = 1, .max_inflight = 64};
    sim tiles = {.latency = 0.05,
                 .jitter = 0.01,
                 .cpu_per_entry = 10e-6,
                 .max = 256,
                 .aligned = 1,
                 .bpe = 2000,
                 .target = 1000000};
    t = simulate(&tiles, &g, &s);
    CHECK(t < tiles.target * tiles.cpu_per_entry / 0.8);
    CHECK(s.short_answers == 0);
}

/* A client's window from its options (monitor/fetch.h): 4 requests at
 * the start, or for a grid of small requests (static-ct-api tiles of 256)
 * the entries 4 requests of 1024 hold; never above --parallel. */
static void test_fetch_opts(void)
{
    cg_logclient_opts o = {0};
    o.parallel = 32;
    o.window_bytes = (size_t)12 << 20;
    cg_window_opts wo = cg_fetch_window_opts(&o, 1024, 0);
    CHECK(wo.start_inflight == 4 && wo.max_inflight == 32 && !wo.grid);
    wo = cg_fetch_window_opts(&o, 256, 0);
    CHECK(wo.start_inflight == 4);
    wo = cg_fetch_window_opts(&o, 256, 1);
    CHECK(wo.start_inflight == 16 && wo.grid && wo.batch == 256);
    o.parallel = 10;
    wo = cg_fetch_window_opts(&o, 256, 1);
    CHECK(wo.start_inflight == 10 && wo.max_inflight == 10);
    o.parallel = 2;
    wo = cg_fetch_window_opts(&o, 1024, 0);
    CHECK(wo.start_inflight == 2);
}

int main(void)
{
    test_fetch_opts();
    test_in_order();
    test_short_unaligned();
    test_aligned_learned();
    test_throttle();
    test_rate_limit();
    test_budget();
    test_budget_front();
    test_budget_packed();
    test_budget_ahead();
    test_grid();
    test_simulated();
    return cg_test_done();
}
