/* One log's entry fetching: the window over libcurl (fetch.h).
 *
 * Invariants kept here:
 * - every request the window has asked has a transfer running in the
 *   multi handle, or a completion being handled; a transfer of a request
 *   the window no longer has (after a reset) is removed first;
 * - an answer is handed to the window (cg_window_answered) as soon as it
 *   has been read, whatever its place, so that a short answer's rest is
 *   asked at once; its entries are handed over only in log order;
 * - the log's answers in memory (the buffers of the window's transfers,
 *   arriving or held, and the spare bodies) stay within the window's byte
 *   budget, but for the request at the delivery position, which may pass
 *   it by its own answer, and for answers whose length is not known: a
 *   transfer whose buffer would grow past it waits, paused (libcurl's
 *   CURL_WRITEFUNC_PAUSE: the log's bytes stay in the connection), until
 *   answers held are handed over or packed. Only a body of known length
 *   (Content-Length, no content encoding) is paused, and never at its last
 *   bytes: libcurl 7.88 ends a transfer whose last bytes it holds paused
 *   without handing them over. */
#include "monitor/fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "monitor/http.h"
#include "util/errf.h"
#include "util/time.h"

/* Entries handed over between two turns of the transfers. */
#define PUMP_EVERY 64
/* Auxiliary transfers asked ahead at most (a proof needs a few tiles),
 * and in all: cg_fetch_get has room for at least MAX_AUX - MAX_AHEAD at
 * once. */
#define MAX_AHEAD 64
#define MAX_AUX 128
/* Bodies kept for the next answers to arrive: a get-entries answer is
 * packed as soon as it is read (cg_fetch_xfer_pack), so few large buffers
 * are in use at once: the ones arriving. */
#define MAX_SPARE 1
/* An answer's buffer of a MiB or more grows in whole steps of this (a
 * smaller one takes what it needs: the monitor's budget may be small). */
#define BODY_STEP ((size_t)64 << 10)

static size_t body_step(size_t n)
{
    return n < ((size_t)1 << 20) ? n : (n + BODY_STEP - 1) / BODY_STEP * BODY_STEP;
}

typedef struct spare_body {
    uint8_t *body;
    size_t cap;
    size_t charged; /* the bytes of the monitor's budget it holds */
} spare_body;

struct cg_fetch {
    cg_logclient_opts o;
    const cg_fetch_proto *proto;
    void *arg;
    cg_window *w;
    CURLM *multi;
    int started; /* the window has a position */
    cg_fetch_xfer *aux[MAX_AUX];
    size_t n_aux;
    /* A window's failure met while an auxiliary request was waited for:
     * the run in progress (its deliver waiting) reports it, a later run
     * starts over (CG_LOG_OK: none). */
    cg_log_status failed;
    char failed_why[256];
    /* The bodies of the last answers handed over, for the next requests
     * (an answer written into fresh memory costs a page fault every 4 KiB,
     * and glibc gives a buffer this large back to the system when it is
     * freed); freed when nothing is in flight any more. */
    spare_body spare[MAX_SPARE];
    size_t n_spare;
    uint64_t pauses; /* answers paused for the log's memory */
};

static void drop_spare(cg_fetch *f);
static void take_spare(cg_fetch *f, cg_fetch_xfer *x);

/* Whether x is the window's request at the delivery position, the one
 * every held answer waits for. */
static int is_head(const cg_fetch *f, const cg_fetch_xfer *x)
{
    cg_window_stats s;
    if (x->q == NULL)
        return 0;
    cg_window_get_stats(f->w, &s);
    return x->q->start == s.pos;
}

/* The bytes the log's answers hold in memory: the buffers of the window's
 * transfers (arriving, held, or kept for a retry) and the spare bodies. */
static size_t log_bytes(cg_fetch *f)
{
    size_t n = 0;
    for (size_t i = 0; i < cg_window_slots(f->w); i++) {
        const cg_fetch_xfer *x = cg_window_slot(f->w, i)->data;
        n += x != NULL ? x->cap : 0;
    }
    for (size_t i = 0; i < f->n_spare; i++)
        n += f->spare[i].cap;
    return n;
}

/* Whether x's buffer may grow to cap bytes within the log's memory (the
 * window's byte budget), the spare bodies given up first when it would
 * not: always for an auxiliary request, and for the one at the delivery
 * position (every answer held waits for it), which may pass it by its own
 * answer. */
static int log_room(cg_fetch *f, const cg_fetch_xfer *x, size_t cap)
{
    cg_window_stats s;
    if (x->q == NULL || cap <= x->cap)
        return 1;
    cg_window_get_stats(f->w, &s);
    if (log_bytes(f) + (cap - x->cap) <= s.byte_budget)
        return 1;
    drop_spare(f);
    return log_bytes(f) + (cap - x->cap) <= s.byte_budget || x->q->start == s.pos;
}

static int charge(cg_fetch *f, cg_fetch_xfer *x, size_t cap);

/* The transfers paused for the log's memory or the monitor's budget that
 * now fit (or are at the delivery position), resumed: libcurl hands them
 * the bytes it kept at once, and body_cb pauses them again if the room
 * went to another. One paused for the budget takes its room here. */
static void resume(cg_fetch *f)
{
    for (size_t i = 0; i < cg_window_slots(f->w); i++) {
        cg_fetch_xfer *x = cg_window_slot(f->w, i)->data;
        if (x == NULL || !x->paused || !x->running || !log_room(f, x, x->want))
            continue;
        if (!charge(f, x, x->want)) {
            x->starved = 0; /* (still paused, not held back) */
            continue;
        }
        x->paused = 0;
        curl_easy_pause(x->easy, CURLPAUSE_CONT);
    }
}

/* Room for cap bytes of x's buffer in the monitor's budget: 1, or 0 with
 * x->starved set. The spare bodies give their share back before an answer
 * is held back; the request at the delivery position may pass the budget
 * by one answer (cg_http_budget_take_head): held back, it would be asked
 * again and again while the answers behind it keep their bytes. */
static int charge(cg_fetch *f, cg_fetch_xfer *x, size_t cap)
{
    cg_http_budget *b = f->o.budget;
    if (cap <= x->charged)
        return 1;
    if (!cg_http_budget_take(b, cap - x->charged)) {
        drop_spare(f);
        if (!cg_http_budget_take(b, cap - x->charged) &&
            !(is_head(f, x) && cg_http_budget_take_head(b, cap - x->charged))) {
            x->starved = 1;
            return 0;
        }
    }
    x->charged = cap;
    return 1;
}

/* The budget x's buffer held, given back (its body freed or taken). */
static void uncharge(cg_fetch *f, cg_fetch_xfer *x)
{
    cg_http_budget_give(f->o.budget, x->charged);
    x->charged = 0;
}

static size_t body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    cg_fetch_xfer *x = arg;
    cg_fetch *f = x->f;
    size_t n = size * nmemb;
    size_t max = cg_http_answer_max(x->max_body, f->o.budget);
    if (n > max - x->len) {
        x->overflow = 1;
        return 0;
    }
    if (x->len + n > x->cap)
        take_spare(f, x);
    if (x->len + n > x->cap) {
        /* The whole body at once when its length was given (a compressed
         * body grows past it as it is decoded, by half each time), in whole
         * steps of BODY_STEP, so that a spare fits the next answer and the
         * freed buffers fit the next ones (fewer holes in the heap). */
        size_t cap = x->cap ? x->cap : 16384;
        while (cap < x->len + n)
            cap += cap / 2;
        if (x->expect >= x->len + n && x->expect > x->cap)
            cap = x->expect;
        cap = body_step(cap);
        if (cap > max)
            cap = max;
        /* Paused until the log's memory and the monitor's budget have
         * room (resume): only a body of known length, before its last
         * bytes (fetch.c's invariants). */
        int can_pause = !x->encoded && x->expect > x->len + n;
        if (can_pause && (!log_room(f, x, cap) || !charge(f, x, cap))) {
            x->starved = 0;
            x->paused = 1;
            x->want = cap;
            f->pauses++;
            return CURL_WRITEFUNC_PAUSE;
        }
        if (!charge(f, x, cap)) {
            /* A body that cannot be paused is held back (asked again
             * later): its bytes given back now, so that the answers that
             * hold the rest can end. */
            free(x->body);
            x->body = NULL;
            x->len = x->cap = 0;
            uncharge(f, x);
            return 0;
        }
        uint8_t *p = realloc(x->body, cap);
        if (p == NULL)
            return 0;
        x->body = p;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    return n;
}

/* A header's value as a number (Retry-After in seconds, Content-Length),
 * or -1. */
static long header_number(const char *data, size_t n, const char *name)
{
    size_t k = strlen(name);
    char tmp[32];
    if (n <= k || strncasecmp(data, name, k) != 0)
        return -1;
    size_t vlen = n - k < sizeof(tmp) - 1 ? n - k : sizeof(tmp) - 1;
    memcpy(tmp, data + k, vlen);
    tmp[vlen] = '\0';
    char *end;
    errno = 0;
    long v = strtol(tmp, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    return errno == 0 && end != tmp && *end == '\0' && v >= 0 ? v : -1;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    cg_fetch_xfer *x = arg;
    size_t n = size * nmemb;
    long v = header_number(data, n, "retry-after:");
    if (v >= 0 && v <= 86400)
        x->retry_after_ms = v * 1000;
    v = header_number(data, n, "content-length:");
    if (v > 0)
        x->expect = (size_t)v; /* (its buffer made as the body comes: body_cb) */
    if (n > 17 && strncasecmp(data, "content-encoding:", 17) == 0)
        x->encoded = 1; /* (the length is not the decoded body's) */
    return n;
}

static int xfer_start(cg_fetch *f, cg_fetch_xfer *x)
{
    if (x->body == NULL)
        uncharge(f, x); /* a body the protocol took */
    x->f = f;
    x->len = 0;
    x->overflow = 0;
    x->starved = 0;
    x->paused = 0;
    x->expect = 0;
    x->encoded = 0;
    x->retry_after_ms = -1;
    x->code = 0;
    x->retry_at = 0;
    if (!cg_http_easy_setup(&x->easy, x->url, &f->o, body_cb, header_cb, x) ||
        curl_multi_add_handle(f->multi, x->easy) != CURLM_OK)
        return 0;
    x->running = 1;
    return 1;
}

static void xfer_stop(cg_fetch *f, cg_fetch_xfer *x)
{
    if (x->running) {
        curl_multi_remove_handle(f->multi, x->easy);
        x->running = 0;
    }
}

static void xfer_free(cg_fetch *f, cg_fetch_xfer *x)
{
    if (x == NULL)
        return;
    xfer_stop(f, x);
    if (f->proto->release != NULL)
        f->proto->release(f->arg, x);
    if (x->easy != NULL)
        curl_easy_cleanup(x->easy);
    free(x->body);
    uncharge(f, x);
    free(x);
}

/* An answer done with: the protocol's state freed, the body kept as a
 * spare or given back (answers are large and few are held at once). */
static void xfer_release(cg_fetch *f, cg_fetch_xfer *x)
{
    if (f->proto->release != NULL)
        f->proto->release(f->arg, x);
    if (x->body != NULL && !x->packed && f->n_spare < MAX_SPARE) {
        /* (a spare keeps the buffer's share of the budget) */
        spare_body *sp = &f->spare[f->n_spare++];
        sp->body = x->body;
        sp->cap = x->cap;
        sp->charged = x->charged;
        x->charged = 0;
    } else {
        free(x->body);
    }
    x->body = NULL;
    x->len = x->cap = 0;
    x->packed = 0;
    uncharge(f, x);
}

void cg_fetch_xfer_pack(cg_fetch_xfer *x, size_t len)
{
    cg_fetch *f = x->f;
    /* (in whole steps too: the packed answers' buffers fit each other's
     * holes) */
    size_t cap = body_step(len);
    if (len > x->len || cap >= x->cap || x->charged < cap)
        return;
    uint8_t *p = malloc(cap);
    if (p == NULL)
        return;
    memcpy(p, x->body, len);
    if (f->n_spare < MAX_SPARE && cg_http_budget_take(f->o.budget, cap)) {
        /* (the spare keeps the large buffer's share of the budget) */
        spare_body *sp = &f->spare[f->n_spare++];
        sp->body = x->body;
        sp->cap = x->cap;
        sp->charged = x->charged;
    } else {
        free(x->body);
        cg_http_budget_give(f->o.budget, x->charged - cap);
    }
    x->charged = cap;
    x->body = p;
    x->len = len;
    x->cap = cap;
    x->packed = 1;
}

/* A spare body for x, which has none, when one is kept and x is the
 * window's: an auxiliary answer (a tree head, a proof, a hash tile) is a
 * few KiB, and one that took the spare held an entries answer's buffer
 * (5.3 MB of realistic JSON) until it was freed while the next entries
 * answer was given a fresh one: up to 10 MB more of the budget and of the
 * peak RSS at 50 ms with two proofs asked ahead (docs/performance.md,
 * "Session 14: the proof a range ahead"). */
static void take_spare(cg_fetch *f, cg_fetch_xfer *x)
{
    if (x->body != NULL || f->n_spare == 0 || x->q == NULL)
        return;
    spare_body *sp = &f->spare[--f->n_spare];
    uncharge(f, x); /* what a body the protocol took held */
    x->body = sp->body;
    x->cap = sp->cap;
    x->charged = sp->charged;
    memset(sp, 0, sizeof(*sp));
}

static void drop_spare(cg_fetch *f)
{
    for (size_t i = 0; i < f->n_spare; i++) {
        free(f->spare[i].body);
        cg_http_budget_give(f->o.budget, f->spare[i].charged);
        memset(&f->spare[i], 0, sizeof(f->spare[i]));
    }
    f->n_spare = 0;
}

cg_window_opts cg_fetch_window_opts(const cg_logclient_opts *o, uint64_t batch, int grid)
{
    /* The window holds no more than the monitor's budget for answers: the
     * answers it would ask past it would be held back and asked again. */
    size_t window_bytes = o->window_bytes;
    if (o->budget != NULL && o->budget->max < window_bytes)
        window_bytes = o->budget->max;
    /* N starts at 4 requests; a grid's requests are small (a tile is 256
     * entries), so it starts with as many entries in flight as 4 requests
     * of the default batch (1024) would hold: a log far away is otherwise
     * read at a fraction of its rate while N grows a quarter an epoch. */
    unsigned start = 4;
    if (grid && batch > 0 && batch < 1024)
        start = (unsigned)(4 * 1024 / batch);
    cg_window_opts wo = {.start_inflight = o->parallel < start ? o->parallel : start,
                         .max_inflight = o->parallel,
                         .batch = batch,
                         .grid = grid,
                         .byte_budget = window_bytes,
                         .max_rps = o->max_rps};
    return wo;
}

cg_fetch *cg_fetch_new(const cg_logclient_opts *o, const cg_window_opts *wo,
                       const cg_fetch_proto *proto, void *arg)
{
    cg_fetch *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    if (o != NULL)
        f->o = *o;
    cg_http_opts_defaults(&f->o);
    f->proto = proto;
    f->arg = arg;
    f->w = cg_window_new(wo);
    f->multi = curl_multi_init();
    if (f->w == NULL || f->multi == NULL) {
        cg_fetch_free(f);
        return NULL;
    }
    return f;
}

void cg_fetch_reset(cg_fetch *f)
{
    cg_wreq *q;
    while ((q = cg_window_take_any(f->w)) != NULL) {
        if (q->data != NULL) {
            xfer_stop(f, q->data);
            xfer_release(f, q->data);
        }
    }
    f->started = 0;
    f->failed = CG_LOG_OK;
}

void cg_fetch_free(cg_fetch *f)
{
    if (f == NULL)
        return;
    if (f->w != NULL) {
        cg_fetch_reset(f);
        for (size_t i = 0; i < cg_window_slots(f->w); i++)
            xfer_free(f, cg_window_slot(f->w, i)->data);
    }
    for (size_t i = 0; i < f->n_aux; i++)
        xfer_free(f, f->aux[i]);
    if (f->multi != NULL)
        curl_multi_cleanup(f->multi);
    cg_window_free(f->w);
    drop_spare(f);
    free(f);
}

static double backoff_s(const cg_fetch *f, unsigned tries, long retry_after_ms)
{
    long d = f->o.backoff_ms;
    for (unsigned t = 1; t < tries && d < f->o.max_backoff_ms; t++)
        d *= 2;
    if (d > f->o.max_backoff_ms)
        d = f->o.max_backoff_ms;
    if (retry_after_ms > d)
        d = retry_after_ms;
    return (double)d / 1000.0;
}

static void setwhy(char *why, size_t whycap, const char *msg)
{
    if (why != NULL && whycap > 0)
        snprintf(why, whycap, "%s", msg);
}

/* What went wrong with a finished transfer, into x->why; whether a retry
 * may fix it (*throttled: the log asked to slow down, or timed out). */
static int failure(cg_fetch_xfer *x, CURLcode rc, long code, int *throttled)
{
    *throttled = rc == CURLE_OPERATION_TIMEDOUT || code == 429 || code == 503;
    if (x->overflow) {
        snprintf(x->why, sizeof(x->why), "%.180s: answer longer than %zu bytes", x->url,
                 cg_http_answer_max(x->max_body, x->f->o.budget));
        return 0;
    }
    if (x->starved) {
        /* Others' answers hold the monitor's budget: later, and fewer at
         * once. */
        *throttled = 1;
        snprintf(x->why, sizeof(x->why),
                 "%.180s: answer held back: the monitor's %zu MiB for answers are in use", x->url,
                 x->f->o.budget->max >> 20);
        return 1;
    }
    if (rc != CURLE_OK) {
        snprintf(x->why, sizeof(x->why), "%.180s: %s", x->url, curl_easy_strerror(rc));
        return 1;
    }
    snprintf(x->why, sizeof(x->why), "%.180s: HTTP %ld", x->url, code);
    return code == 429 || code >= 500;
}

/* A finished transfer of the window. CG_LOG_OK unless the fetch fails. */
static cg_log_status window_done(cg_fetch *f, cg_fetch_xfer *x, CURLcode rc, long code, double now,
                                 char *why, size_t whycap)
{
    cg_wreq *q = x->q;
    if (rc == CURLE_OK && !x->overflow && (code == 200 || (code == 404 && x->allow_404))) {
        uint64_t got = 0;
        int again = 0;
        size_t wire = x->len; /* (the protocol may pack the answer) */
        x->code = code;
        cg_log_status st = f->proto->answer(f->arg, q, x, &got, &again, why, whycap);
        if (x->body == NULL)
            uncharge(f, x); /* the protocol is done with the body */
        if (st != CG_LOG_OK)
            return st;
        if (again)
            return xfer_start(f, x) ? CG_LOG_OK : CG_LOG_NOMEM;
        if (got == 0 || got > q->end - q->start) {
            if (why != NULL && whycap > 0)
                snprintf(why, whycap, "%.200s: %" PRIu64 " entries in an answer for %" PRIu64,
                         x->url, got, q->end - q->start);
            return CG_LOG_BAD_ANSWER;
        }
        cg_window_answered(f->w, q, got, wire, x->len, now);
        return CG_LOG_OK;
    }
    int throttled;
    if (!failure(x, rc, code, &throttled)) {
        setwhy(why, whycap, x->why);
        return CG_LOG_BAD_ANSWER;
    }
    if (x->starved) {
        /* The monitor's own memory held it back, not the log: asked again
         * without a try counted (the log's failures have the retries). It
         * cannot be held back for good: the request at the delivery
         * position always gets its bytes (charge), and this one's turn
         * comes. */
        cg_window_retry(f->w, q, (throttled ? CG_WRETRY_THROTTLED : 0) | CG_WRETRY_NOT_A_TRY,
                        backoff_s(f, 1, x->retry_after_ms), now);
        return CG_LOG_OK;
    }
    if (q->tries >= f->o.max_retries) {
        setwhy(why, whycap, x->why);
        /* (the last try cut short by the deadline: the deadline's doing) */
        return cg_http_time_left_ms(&f->o) == 0 ? CG_LOG_DEADLINE : CG_LOG_UNREACHABLE;
    }
    cg_window_retry(f->w, q, throttled ? CG_WRETRY_THROTTLED : 0,
                    backoff_s(f, q->tries + 1, x->retry_after_ms), now);
    return CG_LOG_OK;
}

static void aux_done(cg_fetch *f, cg_fetch_xfer *x, CURLcode rc, long code, double now)
{
    int throttled;
    if (rc == CURLE_OK && !x->overflow && (code == 200 || (code == 404 && x->allow_404))) {
        x->code = code;
        x->done = 1;
        x->st = CG_LOG_OK;
        return;
    }
    if (!failure(x, rc, code, &throttled)) {
        x->done = 1;
        x->st = CG_LOG_BAD_ANSWER;
        return;
    }
    if (x->tries >= f->o.max_retries) {
        x->done = 1;
        x->st = cg_http_time_left_ms(&f->o) == 0 ? CG_LOG_DEADLINE : CG_LOG_UNREACHABLE;
        return;
    }
    x->tries++;
    x->retry_at = now + backoff_s(f, x->tries, x->retry_after_ms);
}

/* Runs the transfers for at most timeout_ms and handles what finished.
 * CG_LOG_OK unless the fetch fails. */
static cg_log_status step(cg_fetch *f, long timeout_ms, char *why, size_t whycap)
{
    int running = 0;
    resume(f);
    if (curl_multi_perform(f->multi, &running) != CURLM_OK)
        return CG_LOG_NOMEM;
    CURLMsg *m;
    int left;
    double now = cg_time_mono();
    cg_log_status st = CG_LOG_OK;
    int handled = 0;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        cg_fetch_xfer *x = NULL;
        long code = 0;
        CURLcode rc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        curl_multi_remove_handle(f->multi, m->easy_handle);
        handled = 1;
        if (x == NULL)
            continue;
        x->running = 0;
        if (f->o.observe != NULL)
            f->o.observe(f->o.observe_arg, rc == CURLE_OK ? code : 0, x->len);
        if (x->q == NULL) {
            aux_done(f, x, rc, code, now);
        } else if (st == CG_LOG_OK) {
            st = window_done(f, x, rc, code, now, why, whycap);
        } else {
            /* the fetch failed already: back in the queue, for the reset */
            cg_window_retry(f->w, x->q, 0, 0, now);
        }
    }
    for (size_t i = 0; i < f->n_aux; i++) {
        cg_fetch_xfer *x = f->aux[i];
        if (!x->done && !x->running && x->retry_at > 0 && x->retry_at <= now && !xfer_start(f, x))
            return CG_LOG_NOMEM;
    }
    if (st != CG_LOG_OK || handled || timeout_ms <= 0)
        return st;
    curl_multi_poll(f->multi, NULL, 0, (int)timeout_ms, NULL);
    return CG_LOG_OK;
}

/* The requests the window wants now; *wake_ms: how long nothing is due. */
static cg_log_status ask(cg_fetch *f, long *wake_ms)
{
    double now = cg_time_mono(), wake = 0;
    cg_wreq *q;
    *wake_ms = 100;
    while ((q = cg_window_ask(f->w, now, &wake)) != NULL) {
        cg_fetch_xfer *x = q->data;
        if (x == NULL) {
            if ((x = calloc(1, sizeof(*x))) == NULL)
                return CG_LOG_NOMEM;
            q->data = x;
        }
        x->q = q;
        x->allow_404 = 0;
        x->max_body = 0;
        f->proto->prepare(f->arg, q, x);
        if (!xfer_start(f, x))
            return CG_LOG_NOMEM;
    }
    for (size_t i = 0; i < f->n_aux; i++) {
        double at = f->aux[i]->retry_at;
        if (!f->aux[i]->done && at > 0 && (wake == 0 || at < wake))
            wake = at;
    }
    if (wake > now && (wake - now) * 1000 < *wake_ms)
        *wake_ms = (long)((wake - now) * 1000) + 1;
    return CG_LOG_OK;
}

/* Up to max entries of q's answer from q->used on, in order: each built by
 * the protocol, handed to `to` and hashed into its right edge. *n receives
 * how many were (on any status). */
static cg_log_status deliver(cg_fetch *f, const cg_fetch_to *to, const cg_wreq *q,
                             cg_fetch_xfer *x, uint64_t max, uint64_t *n, char *why, size_t whycap)
{
    cg_log_status st = CG_LOG_OK;
    *n = 0;
    if (f->proto->ready != NULL)
        st = f->proto->ready(f->arg, q, x, why, whycap);
    while (st == CG_LOG_OK && *n < max) {
        cg_log_entry e;
        uint8_t lh[CG_MERKLE_HASH_LEN];
        st = f->proto->entry(f->arg, q, x, q->used + *n, &e);
        if (st != CG_LOG_OK)
            break;
        if (!to->fn(to->arg, &e))
            return CG_LOG_STOPPED;
        if (!cg_merkle_leaf_hash(to->h, e.leaf, e.leaf_len, lh) ||
            !cg_merkle_frontier_append(to->h, to->f, lh))
            return CG_LOG_NOMEM;
        (*n)++;
    }
    return st;
}

cg_log_status cg_fetch_run(cg_fetch *f, const cg_fetch_to *to, uint64_t end, uint64_t target,
                           uint64_t *done, char *why, size_t whycap)
{
    cg_window_stats s;
    cg_log_status st = CG_LOG_OK;
    uint64_t pos = to->f->size;
    *done = 0;
    cg_window_get_stats(f->w, &s);
    if (!f->started || s.pos != pos || f->failed != CG_LOG_OK) {
        cg_fetch_reset(f);
        cg_window_restart(f->w, pos, target);
        f->started = 1;
    }
    cg_window_extend(f->w, target);
    double last_entry = cg_time_mono(); /* for the waiting hook */
    while (pos < end) {
        cg_wreq *q;
        /* hand over what is in order */
        while (pos < end && (q = cg_window_front(f->w)) != NULL) {
            cg_fetch_xfer *x = q->data;
            uint64_t max = q->got - q->used, n = 0;
            if (max > end - pos)
                max = end - pos;
            /* in slices, with the transfers kept moving in between: the
             * answers behind this one arrive while its entries are read */
            if (max > PUMP_EVERY)
                max = PUMP_EVERY;
            st = deliver(f, to, q, x, max, &n, why, whycap);
            if (n > 0) {
                pos += n;
                *done += n;
                last_entry = cg_time_mono();
                cg_window_delivered(f->w, q, n, last_entry);
                if (q->state == CG_WREQ_FREE)
                    xfer_release(f, x);
            }
            if (st == CG_LOG_OK && f->failed != CG_LOG_OK) {
                /* (while deliver waited for an auxiliary request) */
                st = f->failed;
                setwhy(why, whycap, f->failed_why);
            }
            if (st != CG_LOG_OK)
                goto out;
            long wake_ms;
            st = ask(f, &wake_ms);
            if (st == CG_LOG_OK)
                st = step(f, 0, why, whycap);
            if (st != CG_LOG_OK)
                goto out;
        }
        if (pos >= end)
            break;
        if (f->o.stop != NULL && *f->o.stop) {
            setwhy(why, whycap, "stopped");
            st = CG_LOG_STOPPED;
            goto out;
        }
        /* about to wait for the log: the caller may move the deadline */
        if (f->o.waiting != NULL)
            f->o.waiting(f->o.observe_arg, last_entry);
        if (cg_http_time_left_ms(&f->o) == 0) {
            if (why != NULL && whycap > 0)
                snprintf(why, whycap, "no answer with entry %" PRIu64 " before the deadline",
                         pos);
            st = CG_LOG_DEADLINE;
            goto out;
        }
        long wake_ms;
        st = ask(f, &wake_ms);
        if (st == CG_LOG_OK)
            st = step(f, wake_ms, why, whycap);
        if (st != CG_LOG_OK)
            goto out;
    }
    cg_window_get_stats(f->w, &s);
    if (s.inflight == 0)
        drop_spare(f);
    return CG_LOG_OK;
out:
    if (st != CG_LOG_STOPPED)
        cg_fetch_reset(f);
    drop_spare(f);
    return st;
}

/* An auxiliary transfer of url started, when fewer than limit are. */
static cg_fetch_xfer *aux_new(cg_fetch *f, size_t limit, const char *url, size_t max_body,
                              int allow_404)
{
    if (f->n_aux >= limit)
        return NULL;
    cg_fetch_xfer *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return NULL;
    snprintf(x->url, sizeof(x->url), "%s", url);
    x->max_body = max_body;
    x->allow_404 = allow_404;
    if (!xfer_start(f, x)) {
        xfer_free(f, x);
        return NULL;
    }
    f->aux[f->n_aux++] = x;
    return x;
}

cg_fetch_xfer *cg_fetch_aux(cg_fetch *f, const char *url, size_t max_body, int allow_404)
{
    return aux_new(f, MAX_AHEAD, url, max_body, allow_404);
}

cg_log_status cg_fetch_aux_wait(cg_fetch *f, cg_fetch_xfer *x, char *why, size_t whycap)
{
    while (!x->done) {
        if (f->o.stop != NULL && *f->o.stop) {
            setwhy(why, whycap, "stopped");
            return CG_LOG_STOPPED;
        }
        if (cg_http_time_left_ms(&f->o) == 0) {
            if (why != NULL && whycap > 0)
                snprintf(why, whycap, "%.200s: no answer before the deadline", x->url);
            return CG_LOG_DEADLINE;
        }
        long wake_ms = 100;
        for (size_t i = 0; i < f->n_aux; i++) {
            double at = f->aux[i]->retry_at, now = cg_time_mono();
            if (!f->aux[i]->done && at > now && (at - now) * 1000 < wake_ms)
                wake_ms = (long)((at - now) * 1000) + 1;
        }
        /* A window's request that fails meanwhile is kept for the window
         * (fetch.h), not reset here: a deliver may be waiting, its answer
         * in hand. */
        char wwhy[sizeof(f->failed_why)];
        cg_log_status st = step(f, wake_ms, wwhy, sizeof(wwhy));
        if (st != CG_LOG_OK && f->failed == CG_LOG_OK) {
            f->failed = st;
            memcpy(f->failed_why, wwhy, sizeof(wwhy));
        }
        if (st == CG_LOG_NOMEM) {
            setwhy(why, whycap, "out of memory");
            return st;
        }
    }
    if (x->st != CG_LOG_OK)
        setwhy(why, whycap, x->why);
    return x->st;
}

void cg_fetch_aux_take(cg_fetch_xfer *x, cg_http_req *r)
{
    free(r->body);
    r->body = x->body;
    r->len = x->len;
    r->cap = x->cap;
    r->code = x->code;
    x->body = NULL;
    x->len = x->cap = 0;
}

cg_log_status cg_fetch_get(cg_fetch *f, cg_http_req *r, size_t n, char *why, size_t whycap)
{
    cg_fetch_xfer *x[MAX_AUX];
    cg_log_status st = CG_LOG_OK;
    size_t i = 0;
    while (st == CG_LOG_OK && i < n) {
        size_t k = 0;
        while (i + k < n && f->n_aux < MAX_AUX) {
            x[k] = aux_new(f, MAX_AUX, r[i + k].url, r[i + k].max_body, r[i + k].allow_404);
            if (x[k] == NULL)
                break;
            k++;
        }
        if (k == 0 || (i + k < n && f->n_aux < MAX_AUX)) {
            setwhy(why, whycap, "out of memory");
            st = CG_LOG_NOMEM;
        }
        for (size_t j = 0; j < k; j++) {
            cg_http_req *q = &r[i + j];
            if (st == CG_LOG_OK)
                st = cg_fetch_aux_wait(f, x[j], why, whycap);
            if (st == CG_LOG_OK)
                cg_fetch_aux_take(x[j], q);
            cg_fetch_aux_free(f, x[j]);
        }
        i += k;
    }
    return st;
}

void cg_fetch_aux_free(cg_fetch *f, cg_fetch_xfer *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < f->n_aux; i++) {
        if (f->aux[i] == x) {
            f->aux[i] = f->aux[--f->n_aux];
            break;
        }
    }
    xfer_free(f, x);
}

void cg_fetch_get_stats(const cg_fetch *f, cg_window_stats *s)
{
    cg_window_get_stats(f->w, s);
    s->pauses = f->pauses;
    for (size_t i = 0; i < f->n_aux; i++)
        s->aux_bytes += f->aux[i]->cap;
}

/* ---- what both log clients hold ---- */

int cg_fetch_client_init(cg_fetch_client *c, const char *url, const cg_logclient_opts *opts,
                         uint64_t batch, int grid, const cg_fetch_proto *proto, void *arg)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    c->base = strndup(url, n);
    if (opts)
        c->o = *opts;
    cg_http_opts_defaults(&c->o);
    cg_window_opts wo = cg_fetch_window_opts(&c->o, batch != 0 ? batch : c->o.batch, grid);
    c->fx = cg_fetch_new(&c->o, &wo, proto, arg);
    return c->base != NULL && c->fx != NULL;
}

void cg_fetch_client_clear(cg_fetch_client *c)
{
    cg_fetch_free(c->fx);
    free(c->base);
    memset(c, 0, sizeof(*c));
}

cg_log_status cg_fetch_client_scan(cg_fetch_client *c, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                   uint64_t end, uint64_t target, const cg_sth *sth,
                                   cg_log_entry_fn fn, void *arg, const char *head, char *why,
                                   size_t whycap)
{
    const cg_fetch_to to = {h, f, fn, arg};
    uint64_t done;
    cg_log_status st = cg_fetch_run(c->fx, &to, end, target, &done, why, whycap);
    if (st != CG_LOG_OK)
        return st;
    if (sth && end == sth->tree_size) {
        uint8_t root[CG_MERKLE_HASH_LEN];
        if (!cg_merkle_frontier_root(h, f, root))
            return CG_LOG_NOMEM;
        if (memcmp(root, sth->root, sizeof(root)) != 0) {
            cg_errf(why, whycap, "the %" PRIu64 " entries of %s do not hash to the root of its %s",
                    end, c->base, head);
            return CG_LOG_MERKLE;
        }
    }
    return CG_LOG_OK;
}
