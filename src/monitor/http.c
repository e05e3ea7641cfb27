/* The CT log clients' HTTP transport over libcurl's multi interface
 * (http.h). */
#include "monitor/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/time.h"

void cg_http_opts_defaults(cg_logclient_opts *o)
{
    if (!o->connect_timeout_ms)
        o->connect_timeout_ms = 10000;
    if (!o->timeout_ms)
        o->timeout_ms = 60000;
    if (!o->max_retries)
        o->max_retries = 5;
    if (!o->backoff_ms)
        o->backoff_ms = 500;
    if (!o->max_backoff_ms)
        o->max_backoff_ms = 60000;
    if (!o->parallel)
        o->parallel = 32;
    if (!o->batch)
        o->batch = 1024;
    if (!o->window_bytes)
        o->window_bytes = CG_HTTP_WINDOW_BYTES;
}

/* Takes n bytes when used stays within limit. */
static int budget_take_within(cg_http_budget *b, size_t n, size_t limit)
{
    if (b == NULL || n == 0)
        return 1;
    size_t used = atomic_load(&b->used);
    do {
        if (n > limit || used > limit - n)
            return 0;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
    return 1;
}

int cg_http_budget_take(cg_http_budget *b, size_t n)
{
    return budget_take_within(b, n, b != NULL ? b->max : 0);
}

int cg_http_budget_take_head(cg_http_budget *b, size_t n)
{
    return budget_take_within(b, n, b != NULL ? b->max + cg_http_answer_max(0, b) : 0);
}

void cg_http_budget_give(cg_http_budget *b, size_t n)
{
    if (b != NULL && n > 0)
        atomic_fetch_sub(&b->used, n);
}

size_t cg_http_answer_max(size_t max_body, const cg_http_budget *b)
{
    size_t max = max_body ? max_body : CG_HTTP_MAX_BODY;
    return b != NULL && b->max < max ? b->max : max;
}

/* The budget r's buffer holds, given back (its body gone, or now the
 * caller's). */
static void req_uncharge(cg_http_req *r)
{
    cg_http_budget_give(r->budget, r->charged);
    r->charged = 0;
}

const char *cg_log_status_str(cg_log_status s)
{
    switch (s) {
    case CG_LOG_OK:
        return "ok";
    case CG_LOG_UNREACHABLE:
        return "unreachable";
    case CG_LOG_BAD_ANSWER:
        return "bad answer";
    case CG_LOG_STH_SIG:
        return "STH signature invalid";
    case CG_LOG_ORIGIN:
        return "checkpoint origin mismatch";
    case CG_LOG_MERKLE:
        return "Merkle root mismatch";
    case CG_LOG_STOPPED:
        return "stopped";
    case CG_LOG_NOMEM:
        return "out of memory";
    case CG_LOG_DEADLINE:
        return "stalled";
    }
    return "?";
}

long cg_http_time_left_ms(const cg_logclient_opts *o)
{
    if (o->deadline == NULL || *o->deadline <= 0)
        return -1;
    double left = *o->deadline - cg_time_mono();
    return left <= 0 ? 0 : (long)(left * 1000) + 1;
}

int cg_http_body_add(uint8_t **body, size_t *len, size_t *cap, uint64_t max, const char *data,
                     size_t n, int *overflow)
{
    if ((uint64_t)n > max - (uint64_t)*len) {
        *overflow = 1;
        return 0;
    }
    if (*len + n > *cap) {
        size_t c = *cap != 0 ? *cap : 16384;
        while (c < *len + n)
            c *= 2;
        if ((uint64_t)c > max)
            c = (size_t)max;
        uint8_t *p = realloc(*body, c > 0 ? c : 1);
        if (p == NULL)
            return 0;
        *body = p;
        *cap = c;
    }
    memcpy(*body + *len, data, n);
    *len += n;
    return 1;
}

static size_t body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    cg_http_req *r = arg;
    size_t n = size * nmemb;
    size_t max = cg_http_answer_max(r->max_body, r->budget);
    if (n > max - r->len) {
        r->overflow = 1;
        return 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        /* The buffer's growth comes out of the monitor's budget first. */
        if (cap > r->charged && !cg_http_budget_take(r->budget, cap - r->charged)) {
            /* Held back (tried again later): its bytes given back now, so
             * that the answers that hold the rest can end. */
            r->starved = 1;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            req_uncharge(r);
            return 0;
        }
        if (cap > r->charged)
            r->charged = cap;
        uint8_t *p = realloc(r->body, cap);
        if (!p)
            return 0;
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return n;
}

/* Retry-After: delay-seconds (RFC 9110 §10.2.3); an HTTP-date is taken as
 * "no hint" and the backoff applies. */
static size_t header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    cg_http_req *r = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        char tmp[32];
        size_t vlen = n - (sizeof(name) - 1);
        if (vlen >= sizeof(tmp))
            vlen = sizeof(tmp) - 1;
        memcpy(tmp, data + sizeof(name) - 1, vlen);
        tmp[vlen] = '\0';
        char *end;
        errno = 0;
        long s = strtol(tmp, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (errno == 0 && end != tmp && *end == '\0' && s >= 0 && s <= 86400)
            r->retry_after_ms = s * 1000;
    }
    return n;
}

int cg_http_easy_setup(CURL **easy, const char *url, const cg_logclient_opts *o,
                       curl_write_callback body, curl_write_callback header, void *arg)
{
    if (*easy == NULL)
        *easy = curl_easy_init();
    if (*easy == NULL)
        return 0;
    CURL *e = *easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, arg);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, arg);
    curl_easy_setopt(e, CURLOPT_PRIVATE, arg);
    /* (0 would mean no timeout at all: a deadline passed leaves 1 ms) */
    long left = cg_http_time_left_ms(o), total = o->timeout_ms, connect = o->connect_timeout_ms;
    if (left >= 0 && left < total)
        total = left > 0 ? left : 1;
    if (connect > total)
        connect = total;
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total);
    /* Every encoding libcurl decodes (gzip and identity among them), as
     * static-ct-api asks of clients. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "caguard-monitor/0.1");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    return 1;
}

static int req_start(CURLM *multi, const cg_logclient_opts *o, cg_http_req *r)
{
    if (r->body == NULL)
        req_uncharge(r); /* a body the caller took */
    r->budget = o->budget;
    r->len = 0;
    r->overflow = 0;
    r->starved = 0;
    r->retry_after_ms = -1;
    r->code = 0;
    if (!cg_http_easy_setup(&r->easy, r->url, o, body_cb, header_cb, r))
        return 0;
    if (r->headers != NULL)
        curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    return curl_multi_add_handle(multi, r->easy) == CURLM_OK;
}

/* Sleeps ms milliseconds in slices of at most 100 ms, so that a stop
 * request (a signal sets *stop) ends the wait within 100 ms. Returns 0 when
 * stopped. (A wait is cut at the deadline by its caller.) */
static int wait_ms(long ms, const atomic_int *stop)
{
    while (ms > 0) {
        long slice = ms > 100 ? 100 : ms;
        struct timespec ts = {0, slice * 1000000L};
        if (stop != NULL && *stop)
            return 0;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            if (stop != NULL && *stop)
                return 0;
        }
        ms -= slice;
    }
    return stop == NULL || !*stop;
}

static int is_redirect(long code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

static cg_log_status run(CURLM *multi, const cg_logclient_opts *o, cg_http_req *r, size_t n,
                         char *why, size_t whycap)
{
    for (size_t i = 0; i < n; i++) {
        r[i].done = 0;
        r[i].tries = 0;
    }
    for (;;) {
        size_t pending = 0;
        int late = cg_http_time_left_ms(o) == 0;
        for (size_t i = 0; i < n; i++) {
            if (r[i].done)
                continue;
            if (late) {
                if (why && whycap)
                    snprintf(why, whycap, "%s: no answer before the deadline", r[i].url);
                return CG_LOG_DEADLINE;
            }
            if (!req_start(multi, o, &r[i]))
                return CG_LOG_NOMEM;
            pending++;
        }
        if (pending == 0)
            return CG_LOG_OK;
        int running = 1;
        while (running) {
            if (curl_multi_perform(multi, &running) != CURLM_OK)
                return CG_LOG_NOMEM;
            if (running)
                curl_multi_poll(multi, NULL, 0, 1000, NULL);
        }
        long delay = 0;
        CURLMsg *m;
        int left;
        cg_log_status st = CG_LOG_OK;
        char detail[2400] = "";
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            cg_http_req *q = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
            CURLcode rc = m->data.result;
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(multi, m->easy_handle);
            if (!q)
                continue;
            if (o->observe != NULL)
                o->observe(o->observe_arg, rc == CURLE_OK ? code : 0, q->len);
            if (rc == CURLE_OK && !q->overflow &&
                (code == 200 || (code == 404 && q->allow_404) ||
                 (q->allow_redirect && is_redirect(code)))) {
                q->code = code;
                q->done = 1;
                continue;
            }
            if (q->overflow)
                snprintf(detail, sizeof(detail), "%s: answer longer than %zu bytes", q->url,
                         cg_http_answer_max(q->max_body, q->budget));
            else if (q->starved)
                snprintf(detail, sizeof(detail),
                         "%s: answer held back: the monitor's %zu MiB for answers are in use",
                         q->url, q->budget->max >> 20);
            else if (rc != CURLE_OK)
                snprintf(detail, sizeof(detail), "%s: %s", q->url, curl_easy_strerror(rc));
            else
                snprintf(detail, sizeof(detail), "%s: HTTP %ld", q->url, code);
            int retry = !q->overflow && (rc != CURLE_OK || code == 429 || code >= 500);
            if (!retry) {
                st = CG_LOG_BAD_ANSWER;
                continue;
            }
            if (q->tries >= o->max_retries) {
                if (st == CG_LOG_OK)
                    st = CG_LOG_UNREACHABLE;
                continue;
            }
            long d = o->backoff_ms;
            for (unsigned t = 0; t < q->tries && d < o->max_backoff_ms; t++)
                d *= 2;
            if (d > o->max_backoff_ms)
                d = o->max_backoff_ms;
            if (q->retry_after_ms > d)
                d = q->retry_after_ms;
            q->tries++;
            if (d > delay)
                delay = d;
        }
        /* (the last try cut short by the deadline: the deadline's doing) */
        if (st == CG_LOG_UNREACHABLE && cg_http_time_left_ms(o) == 0)
            st = CG_LOG_DEADLINE;
        if (st != CG_LOG_OK) {
            if (why && whycap)
                snprintf(why, whycap, "%s", detail);
            return st;
        }
        long time_left = cg_http_time_left_ms(o);
        if (time_left >= 0 && delay > time_left)
            delay = time_left; /* then the loop's top ends the call */
        if (delay > 0 && !wait_ms(delay, o->stop)) {
            if (why && whycap)
                snprintf(why, whycap, "stopped while waiting to retry %s", detail);
            return CG_LOG_STOPPED;
        }
    }
}

cg_log_status cg_http_run(CURLM *multi, const cg_logclient_opts *o, cg_http_req *r, size_t n,
                          char *why, size_t whycap)
{
    cg_log_status st = run(multi, o, r, n, why, whycap);
    for (size_t i = 0; i < n; i++)
        req_uncharge(&r[i]);
    return st;
}

void cg_http_req_free(cg_http_req *r)
{
    req_uncharge(r);
    if (r->easy)
        curl_easy_cleanup(r->easy);
    free(r->body);
    r->easy = NULL;
    r->body = NULL;
    r->len = r->cap = 0;
}

int cg_http_is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* One GET with the default transport options. With follow, a redirect
 * is an answer too: *code says which, *location (malloc'd, NULL when the
 * answer named none) where it points. */
static uint8_t *get(const char *url, const char *header, int follow, size_t max_body,
                    size_t *len, long *code, char **location, char *why, size_t whycap)
{
    cg_logclient_opts o;
    cg_http_req r;
    uint8_t *body = NULL;
    CURLM *multi;
    memset(&r, 0, sizeof(r));
    if (strlen(url) >= sizeof(r.url)) {
        snprintf(why, whycap, "URL too long");
        return NULL;
    }
    if (header != NULL && (r.headers = curl_slist_append(NULL, header)) == NULL) {
        snprintf(why, whycap, "out of memory");
        return NULL;
    }
    multi = curl_multi_init();
    if (multi == NULL) {
        curl_slist_free_all(r.headers);
        snprintf(why, whycap, "out of memory");
        return NULL;
    }
    memset(&o, 0, sizeof(o));
    cg_http_opts_defaults(&o);
    snprintf(r.url, sizeof(r.url), "%s", url);
    r.max_body = max_body;
    r.allow_redirect = follow;
    if (cg_http_run(multi, &o, &r, 1, why, whycap) == CG_LOG_OK) {
        body = r.body;
        *len = r.len;
        r.body = NULL;
        if (body == NULL) {
            body = malloc(1);
            *len = 0;
            if (body == NULL)
                snprintf(why, whycap, "out of memory");
        }
        *code = r.code;
        char *loc = NULL;
        if (body != NULL && location != NULL && r.code != 200 &&
            curl_easy_getinfo(r.easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL &&
            (*location = strdup(loc)) == NULL) {
            free(body);
            body = NULL;
            snprintf(why, whycap, "out of memory");
        }
    }
    cg_http_req_free(&r);
    curl_multi_cleanup(multi);
    curl_slist_free_all(r.headers); /* it held the header's value: a secret, maybe */
    return body;
}

uint8_t *cg_http_get(const char *url, size_t max_body, size_t *len, char *why, size_t whycap)
{
    return cg_http_get_with(url, NULL, max_body, len, why, whycap);
}

uint8_t *cg_http_get_with(const char *url, const char *header, size_t max_body, size_t *len,
                          char *why, size_t whycap)
{
    long code = 0;
    return get(url, header, 0, max_body, len, &code, NULL, why, whycap);
}

/* Whether a and b name the same scheme ("https://..."). */
static int same_scheme(const char *a, const char *b)
{
    const char *ea = strstr(a, "://"), *eb = strstr(b, "://");
    return ea != NULL && eb != NULL && ea - a == eb - b &&
           strncasecmp(a, b, (size_t)(ea - a)) == 0;
}

uint8_t *cg_http_get_follow(const char *url, int max_redirects, size_t max_body, size_t *len,
                            char *final, size_t finalcap, char *why, size_t whycap)
{
    char *cur = strdup(url), *loc = NULL;
    uint8_t *body = NULL;
    int hops = 0;
    if (cur == NULL) {
        snprintf(why, whycap, "out of memory");
        return NULL;
    }
    for (;; hops++) {
        long code = 0;
        char failed[1024];
        free(loc);
        loc = NULL;
        body = get(cur, NULL, 1, max_body, len, &code, &loc, failed, sizeof(failed));
        if (body == NULL) {
            if (hops == 0)
                snprintf(why, whycap, "%s", failed);
            else
                snprintf(why, whycap, "%s: redirected %d time%s, then %s", url, hops,
                         hops == 1 ? "" : "s", failed);
            break;
        }
        if (code == 200)
            break;
        free(body);
        body = NULL;
        if (loc == NULL) {
            snprintf(why, whycap, "%s: HTTP %ld with no Location to follow", cur, code);
            break;
        }
        if (hops == max_redirects) {
            snprintf(why, whycap, "%s: more than %d redirect%s (the last one from %s to %s)", url,
                     max_redirects, max_redirects == 1 ? "" : "s", cur, loc);
            break;
        }
        if (!same_scheme(cur, loc)) {
            snprintf(why, whycap,
                     "%s: redirected from %s to %s, another scheme: not followed (a redirect "
                     "keeps the scheme: https stays https)",
                     url, cur, loc);
            break;
        }
        free(cur);
        cur = loc;
        loc = NULL;
    }
    if (body != NULL && final != NULL)
        snprintf(final, finalcap, "%s", cur);
    free(loc);
    free(cur);
    return body;
}
