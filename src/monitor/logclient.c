/* RFC 6962 log client: get-sth and get-entries over libcurl (logclient.h). */
#include "monitor/logclient.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "der/pem.h"
#include "monitor/client.h"

/* Largest answer read: a get-entries batch of a few thousand entries with
 * chains stays far below this. */
#define MAX_BODY (64u * 1024 * 1024)

struct cg_logclient {
    char *base; /* without the trailing slash */
    EVP_PKEY *key;
    uint8_t log_id[32];
    cg_logclient_opts o;
    CURLM *multi;
};

typedef struct req {
    CURL *easy;
    char url[2048];
    uint8_t *body;
    size_t len, cap;
    int overflow;
    long retry_after_ms; /* from Retry-After; -1 when absent */
    unsigned tries;
    int done;
    /* get-entries */
    uint64_t start, end; /* [start, end) */
} req;

static void setmsg(char *why, size_t cap, const char *fmt, const char *a, const char *b)
{
    if (why && cap)
        snprintf(why, cap, fmt, a, b);
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
    case CG_LOG_MERKLE:
        return "Merkle root mismatch";
    case CG_LOG_STOPPED:
        return "stopped";
    case CG_LOG_NOMEM:
        return "out of memory";
    }
    return "?";
}

cg_logclient *cg_logclient_new(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts)
{
    cg_logclient *lc = calloc(1, sizeof(*lc));
    if (!lc)
        return NULL;
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    lc->base = strndup(url, n);
    lc->key = key;
    if (opts)
        lc->o = *opts;
    if (!lc->o.connect_timeout_ms)
        lc->o.connect_timeout_ms = 10000;
    if (!lc->o.timeout_ms)
        lc->o.timeout_ms = 60000;
    if (!lc->o.max_retries)
        lc->o.max_retries = 5;
    if (!lc->o.backoff_ms)
        lc->o.backoff_ms = 500;
    if (!lc->o.max_backoff_ms)
        lc->o.max_backoff_ms = 60000;
    if (!lc->o.parallel)
        lc->o.parallel = 4;
    if (!lc->o.batch)
        lc->o.batch = 256;
    lc->multi = curl_multi_init();
    if (!lc->base || !lc->multi || !cg_ct_log_id(key, lc->log_id)) {
        cg_logclient_free(lc);
        return NULL;
    }
    return lc;
}

void cg_logclient_free(cg_logclient *lc)
{
    if (!lc)
        return;
    if (lc->multi)
        curl_multi_cleanup(lc->multi);
    free(lc->base);
    free(lc);
}

const uint8_t *cg_logclient_get0_log_id(const cg_logclient *lc)
{
    return lc->log_id;
}

/* ---- transport ---- */

static size_t body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    req *r = arg;
    size_t n = size * nmemb;
    if (n > MAX_BODY - r->len) {
        r->overflow = 1;
        return 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
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
    req *r = arg;
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

static int req_start(cg_logclient *lc, req *r)
{
    r->len = 0;
    r->overflow = 0;
    r->retry_after_ms = -1;
    if (!r->easy)
        r->easy = curl_easy_init();
    if (!r->easy)
        return 0;
    CURL *e = r->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, lc->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, lc->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "caguard-monitor/0.1");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    return curl_multi_add_handle(lc->multi, e) == CURLM_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Runs every request of r[0..n) to a 200 answer, retrying the others.
 * CG_LOG_UNREACHABLE when one is still failing after max_retries. */
static cg_log_status run_all(cg_logclient *lc, req *r, size_t n, char *why, size_t whycap)
{
    for (size_t i = 0; i < n; i++) {
        r[i].done = 0;
        r[i].tries = 0;
    }
    for (;;) {
        size_t pending = 0;
        for (size_t i = 0; i < n; i++) {
            if (r[i].done)
                continue;
            if (!req_start(lc, &r[i]))
                return CG_LOG_NOMEM;
            pending++;
        }
        if (pending == 0)
            return CG_LOG_OK;
        int running = 1;
        while (running) {
            if (curl_multi_perform(lc->multi, &running) != CURLM_OK)
                return CG_LOG_NOMEM;
            if (running)
                curl_multi_poll(lc->multi, NULL, 0, 1000, NULL);
        }
        long delay = 0;
        CURLMsg *m;
        int left;
        cg_log_status st = CG_LOG_OK;
        char detail[2400] = "";
        while ((m = curl_multi_info_read(lc->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            req *q = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
            CURLcode rc = m->data.result;
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(lc->multi, m->easy_handle);
            if (!q)
                continue;
            if (rc == CURLE_OK && code == 200 && !q->overflow) {
                q->done = 1;
                continue;
            }
            if (rc != CURLE_OK)
                snprintf(detail, sizeof(detail), "%s: %s", q->url, curl_easy_strerror(rc));
            else
                snprintf(detail, sizeof(detail), "%s: HTTP %ld", q->url, code);
            int retry = rc != CURLE_OK || code == 429 || code >= 500;
            if (q->overflow || !retry) {
                st = CG_LOG_BAD_ANSWER;
                continue;
            }
            if (q->tries >= lc->o.max_retries) {
                if (st == CG_LOG_OK)
                    st = CG_LOG_UNREACHABLE;
                continue;
            }
            long d = lc->o.backoff_ms;
            for (unsigned t = 0; t < q->tries && d < lc->o.max_backoff_ms; t++)
                d *= 2;
            if (d > lc->o.max_backoff_ms)
                d = lc->o.max_backoff_ms;
            if (q->retry_after_ms > d)
                d = q->retry_after_ms;
            q->tries++;
            if (d > delay)
                delay = d;
        }
        if (st != CG_LOG_OK) {
            setmsg(why, whycap, "%s%s", detail, "");
            return st;
        }
        if (delay > 0)
            sleep_ms(delay);
    }
}

static void req_free(req *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    free(r->body);
}

/* ---- answers ---- */

/* Decodes a base64 JSON string into a fresh buffer. */
static int b64_field(json_t *obj, const char *key, uint8_t **out, size_t *out_len)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return 0;
    size_t bad;
    const char *w;
    if (!cg_base64_decode((const uint8_t *)s, len, buf, out_len, &bad, &w)) {
        free(buf);
        return 0;
    }
    *out = buf;
    return 1;
}

static int u64_field(json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

cg_log_status cg_logclient_get_sth(cg_logclient *lc, cg_sth *sth, char *why, size_t whycap)
{
    req r = {0};
    snprintf(r.url, sizeof(r.url), "%s/ct/v1/get-sth", lc->base);
    cg_log_status st = run_all(lc, &r, 1, why, whycap);
    json_t *j = NULL;
    uint8_t *root = NULL, *sig = NULL;
    size_t root_len = 0, sig_len = 0;
    if (st != CG_LOG_OK)
        goto out;
    st = CG_LOG_BAD_ANSWER;
    json_error_t jerr;
    j = json_loadb((const char *)r.body, r.len, 0, &jerr);
    memset(sth, 0, sizeof(*sth));
    if (!j || !u64_field(j, "tree_size", &sth->tree_size) ||
        !u64_field(j, "timestamp", &sth->timestamp) ||
        !b64_field(j, "sha256_root_hash", &root, &root_len) || root_len != 32 ||
        !b64_field(j, "tree_head_signature", &sig, &sig_len) ||
        !cg_sth_signature_parse(sth, sig, sig_len)) {
        setmsg(why, whycap, "%s: %s", r.url, "not a get-sth answer");
        goto out;
    }
    memcpy(sth->root, root, 32);
    st = CG_LOG_OK;
    if (!cg_sth_verify(sth, lc->key, why, whycap))
        st = CG_LOG_STH_SIG;
out:
    json_decref(j);
    free(root);
    free(sig);
    req_free(&r);
    return st;
}

/* Delivers the entries of one get-entries answer; *got receives how many
 * it held. */
static cg_log_status deliver(req *r, cg_merkle_hasher *h, cg_merkle_frontier *f,
                             cg_log_entry_fn fn, void *arg, uint64_t *got, char *why,
                             size_t whycap)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)r->body, r->len, 0, &jerr);
    json_t *arr = j ? json_object_get(j, "entries") : NULL;
    size_t n = json_array_size(arr);
    cg_log_status st = CG_LOG_BAD_ANSWER;
    *got = 0;
    if (!json_is_array(arr) || n == 0 || n > r->end - r->start) {
        setmsg(why, whycap, "%s: %s", r->url,
               n == 0 ? "no entries in the answer" : "not a get-entries answer");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        cg_log_entry e;
        memset(&e, 0, sizeof(e));
        e.index = r->start + i;
        uint8_t *leaf = NULL, *extra = NULL;
        if (!json_is_object(o) || !b64_field(o, "leaf_input", &leaf, &e.leaf_len) ||
            !b64_field(o, "extra_data", &extra, &e.extra_len)) {
            free(leaf);
            setmsg(why, whycap, "%s: %s", r->url, "an entry without leaf_input or extra_data");
            goto out;
        }
        e.leaf = leaf;
        e.extra = extra;
        e.ok = cg_ct_leaf_parse(leaf, e.leaf_len, &e.entry, &e.err) &&
               cg_ct_extra_parse(e.entry.entry_type, extra, e.extra_len, &e.chain, &e.err);
        uint8_t lh[CG_MERKLE_HASH_LEN];
        int keep = fn(arg, &e);
        int hashed = keep && cg_merkle_leaf_hash(h, leaf, e.leaf_len, lh) &&
                     cg_merkle_frontier_append(h, f, lh);
        free(leaf);
        free(extra);
        if (!keep) {
            st = CG_LOG_STOPPED;
            goto out;
        }
        if (!hashed) {
            st = CG_LOG_NOMEM;
            goto out;
        }
        (*got)++;
    }
    st = CG_LOG_OK;
out:
    json_decref(j);
    return st;
}

cg_log_status cg_logclient_scan(cg_logclient *lc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                char *why, size_t whycap)
{
    unsigned par = lc->o.parallel;
    req *r = calloc(par, sizeof(*r));
    if (!r)
        return CG_LOG_NOMEM;
    cg_log_status st = CG_LOG_OK;
    while (f->size < end) {
        uint64_t pos = f->size;
        size_t k = 0;
        while (k < par && pos < end) {
            uint64_t e = end - pos > lc->o.batch ? pos + lc->o.batch : end;
            r[k].start = pos;
            r[k].end = e;
            snprintf(r[k].url, sizeof(r[k].url),
                     "%s/ct/v1/get-entries?start=%" PRIu64 "&end=%" PRIu64, lc->base, pos, e - 1);
            pos = e;
            k++;
        }
        st = run_all(lc, r, k, why, whycap);
        if (st != CG_LOG_OK)
            goto out;
        for (size_t i = 0; i < k; i++) {
            uint64_t got;
            st = deliver(&r[i], h, f, fn, arg, &got, why, whycap);
            if (st != CG_LOG_OK)
                goto out;
            if (got < r[i].end - r[i].start) {
                /* The log's batch is smaller: ask for that from now on and
                 * ask again from where this answer stopped. */
                lc->o.batch = got;
                break;
            }
        }
    }
    if (sth && end == sth->tree_size) {
        uint8_t root[CG_MERKLE_HASH_LEN];
        if (!cg_merkle_frontier_root(h, f, root)) {
            st = CG_LOG_NOMEM;
            goto out;
        }
        if (memcmp(root, sth->root, sizeof(root)) != 0) {
            char sz[32];
            snprintf(sz, sizeof(sz), "%" PRIu64, end);
            setmsg(why, whycap, "the %s entries of %s do not hash to the root of its STH", sz,
                   lc->base);
            st = CG_LOG_MERKLE;
        }
    }
out:
    for (unsigned i = 0; i < par; i++)
        req_free(&r[i]);
    free(r);
    return st;
}

/* A JSON array of base64 hashes into out (room for cap). */
static int hash_array(json_t *arr, uint8_t *out, size_t cap, size_t *n)
{
    if (!json_is_array(arr) || json_array_size(arr) > cap)
        return 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        uint8_t buf[48];
        size_t len, bad;
        const char *w;
        if (!json_is_string(v) || json_string_length(v) > 48 ||
            !cg_base64_decode((const uint8_t *)json_string_value(v), json_string_length(v), buf,
                              &len, &bad, &w) ||
            len != CG_MERKLE_HASH_LEN)
            return 0;
        memcpy(out + i * CG_MERKLE_HASH_LEN, buf, CG_MERKLE_HASH_LEN);
    }
    *n = json_array_size(arr);
    return 1;
}

/* One GET under /ct/v1/ to its JSON answer. */
static cg_log_status get_json(cg_logclient *lc, req *r, json_t **j, char *why, size_t whycap)
{
    cg_log_status st = run_all(lc, r, 1, why, whycap);
    json_error_t jerr;
    *j = NULL;
    if (st != CG_LOG_OK)
        return st;
    *j = json_loadb((const char *)r->body, r->len, 0, &jerr);
    if (!json_is_object(*j)) {
        setmsg(why, whycap, "%s: %s", r->url, "not a JSON object");
        return CG_LOG_BAD_ANSWER;
    }
    return CG_LOG_OK;
}

cg_log_status cg_logclient_get_consistency(cg_logclient *lc, uint64_t size1, uint64_t size2,
                                           uint8_t *proof, size_t *n, char *why, size_t whycap)
{
    req r = {0};
    json_t *j = NULL;
    *n = 0;
    if (size1 == 0 || size1 == size2)
        return CG_LOG_OK; /* the empty proof; logs need not be asked */
    snprintf(r.url, sizeof(r.url),
             "%s/ct/v1/get-sth-consistency?first=%" PRIu64 "&second=%" PRIu64, lc->base, size1,
             size2);
    cg_log_status st = get_json(lc, &r, &j, why, whycap);
    if (st == CG_LOG_OK &&
        !hash_array(json_object_get(j, "consistency"), proof, CG_MERKLE_MAX_PROOF, n)) {
        setmsg(why, whycap, "%s: %s", r.url, "not a get-sth-consistency answer");
        st = CG_LOG_BAD_ANSWER;
    }
    json_decref(j);
    req_free(&r);
    return st;
}

cg_log_status cg_logclient_frontier_at(cg_logclient *lc, cg_merkle_hasher *h, const cg_sth *sth,
                                       cg_merkle_frontier *f, char *why, size_t whycap)
{
    req r = {0};
    json_t *j = NULL;
    uint8_t *leaf = NULL;
    size_t leaf_len = 0, n = 0;
    uint8_t path[CG_MERKLE_MAX_HEIGHT * CG_MERKLE_HASH_LEN], lh[CG_MERKLE_HASH_LEN];
    if (sth->tree_size == 0) {
        cg_merkle_frontier_init(f);
        return CG_LOG_OK;
    }
    snprintf(r.url, sizeof(r.url),
             "%s/ct/v1/get-entry-and-proof?leaf_index=%" PRIu64 "&tree_size=%" PRIu64, lc->base,
             sth->tree_size - 1, sth->tree_size);
    cg_log_status st = get_json(lc, &r, &j, why, whycap);
    if (st != CG_LOG_OK)
        goto out;
    st = CG_LOG_BAD_ANSWER;
    if (!b64_field(j, "leaf_input", &leaf, &leaf_len) ||
        !hash_array(json_object_get(j, "audit_path"), path, CG_MERKLE_MAX_HEIGHT, &n)) {
        setmsg(why, whycap, "%s: %s", r.url, "not a get-entry-and-proof answer");
        goto out;
    }
    st = CG_LOG_NOMEM;
    if (!cg_merkle_leaf_hash(h, leaf, leaf_len, lh))
        goto out;
    st = CG_LOG_MERKLE;
    if (!cg_merkle_frontier_from_inclusion(h, f, sth->tree_size, lh, path, n, sth->root, why,
                                           whycap))
        goto out;
    st = CG_LOG_OK;
out:
    free(leaf);
    json_decref(j);
    req_free(&r);
    return st;
}

/* ---- the monitor's seam (client.h) ---- */

static void *ops_new(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts)
{
    return cg_logclient_new(url, key, opts);
}

static void ops_free(void *c)
{
    cg_logclient_free(c);
}

static cg_log_status ops_get_sth(void *c, cg_sth *sth, char *why, size_t whycap)
{
    return cg_logclient_get_sth(c, sth, why, whycap);
}

static cg_log_status ops_scan(void *c, cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t end,
                              const cg_sth *sth, cg_log_entry_fn fn, void *arg, char *why,
                              size_t whycap)
{
    return cg_logclient_scan(c, h, f, end, sth, fn, arg, why, whycap);
}

static cg_log_status ops_consistency(void *c, uint64_t size1, uint64_t size2, uint8_t *proof,
                                     size_t *n, char *why, size_t whycap)
{
    return cg_logclient_get_consistency(c, size1, size2, proof, n, why, whycap);
}

static cg_log_status ops_frontier(void *c, cg_merkle_hasher *h, const cg_sth *sth,
                                  cg_merkle_frontier *f, char *why, size_t whycap)
{
    return cg_logclient_frontier_at(c, h, sth, f, why, whycap);
}

const cg_log_client_ops cg_logclient_ops = {
    "rfc6962", ops_new, ops_free, ops_get_sth, ops_scan, ops_consistency, ops_frontier,
};
