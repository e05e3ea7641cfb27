/* RFC 6962 log client: get-sth and get-entries over libcurl (logclient.h). */
#include "monitor/logclient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ct/entries_json.h"
#include "util/base64.h"
#include "monitor/http.h"

struct cg_logclient {
    char *base; /* without the trailing slash */
    EVP_PKEY *key;
    uint8_t log_id[32];
    cg_logclient_opts o;
    CURLM *multi;
    cg_entries_reader *entries; /* get-entries answers, buffers reused */
};

static void setmsg(char *why, size_t cap, const char *fmt, const char *a, const char *b)
{
    if (why && cap)
        snprintf(why, cap, fmt, a, b);
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
    cg_http_opts_defaults(&lc->o);
    lc->multi = curl_multi_init();
    lc->entries = cg_entries_reader_new();
    if (!lc->base || !lc->multi || !lc->entries || !cg_ct_log_id(key, lc->log_id)) {
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
    cg_entries_reader_free(lc->entries);
    free(lc->base);
    free(lc);
}

const uint8_t *cg_logclient_get0_log_id(const cg_logclient *lc)
{
    return lc->log_id;
}

/* ---- answers ---- */

/* Decodes a base64 JSON string into a fresh buffer. */
static int b64_field(json_t *obj, const char *key, uint8_t **out, size_t *out_len)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    return cg_base64_decode_new(json_string_value(v), json_string_length(v), CG_BASE64_SPACE, out,
                                out_len);
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
    cg_http_req r = {0};
    snprintf(r.url, sizeof(r.url), "%s/ct/v1/get-sth", lc->base);
    cg_log_status st = cg_http_run(lc->multi, &lc->o, &r, 1, why, whycap);
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
    cg_http_req_free(&r);
    return st;
}

/* What deliver passes through the entries reader. */
typedef struct delivery {
    cg_merkle_hasher *h;
    cg_merkle_frontier *f;
    cg_log_entry_fn fn;
    void *arg;
    uint64_t start;
    int nomem;
} delivery;

static int deliver_one(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                       const uint8_t *extra, size_t extra_len)
{
    delivery *d = arg;
    cg_log_entry e;
    uint8_t lh[CG_MERKLE_HASH_LEN];
    memset(&e, 0, sizeof(e));
    e.index = d->start + i;
    e.leaf = leaf;
    e.leaf_len = leaf_len;
    e.extra = extra;
    e.extra_len = extra_len;
    e.ok = cg_ct_leaf_parse(leaf, leaf_len, &e.entry, &e.err);
    e.chain_ok = e.ok && cg_ct_extra_parse(e.entry.entry_type, extra, extra_len, &e.chain,
                                           &e.chain_err);
    if (!d->fn(d->arg, &e))
        return 0;
    if (!cg_merkle_leaf_hash(d->h, leaf, leaf_len, lh) ||
        !cg_merkle_frontier_append(d->h, d->f, lh)) {
        d->nomem = 1;
        return 0;
    }
    return 1;
}

/* Delivers the entries of one get-entries answer; *got receives how many
 * were delivered and hashed. */
static cg_log_status deliver(cg_logclient *lc, cg_http_req *r, cg_merkle_hasher *h,
                             cg_merkle_frontier *f, cg_log_entry_fn fn, void *arg, uint64_t *got,
                             char *why, size_t whycap)
{
    delivery d = {h, f, fn, arg, r->start, 0};
    uint64_t before = f->size;
    size_t n = 0;
    char msg[200];
    cg_entries_status st =
        cg_entries_read(lc->entries, r->body, r->len, (size_t)(r->end - r->start), deliver_one, &d,
                        &n, msg, sizeof(msg));
    *got = f->size - before;
    if (st == CG_ENTRIES_OK && n == 0) {
        setmsg(why, whycap, "%s: %s", r->url, "no entries in the answer");
        return CG_LOG_BAD_ANSWER;
    }
    switch (st) {
    case CG_ENTRIES_OK:
        return CG_LOG_OK;
    case CG_ENTRIES_STOPPED:
        return d.nomem ? CG_LOG_NOMEM : CG_LOG_STOPPED;
    case CG_ENTRIES_NOMEM:
        return CG_LOG_NOMEM;
    case CG_ENTRIES_BAD:
        break;
    }
    setmsg(why, whycap, "%s: not a get-entries answer: %s", r->url, msg);
    return CG_LOG_BAD_ANSWER;
}

cg_log_status cg_logclient_scan(cg_logclient *lc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                char *why, size_t whycap)
{
    unsigned par = lc->o.parallel;
    cg_http_req *r = calloc(par, sizeof(*r));
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
        st = cg_http_run(lc->multi, &lc->o, r, k, why, whycap);
        if (st != CG_LOG_OK)
            goto out;
        for (size_t i = 0; i < k; i++) {
            uint64_t got;
            st = deliver(lc, &r[i], h, f, fn, arg, &got, why, whycap);
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
        cg_http_req_free(&r[i]);
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
            !cg_base64_decode((const uint8_t *)json_string_value(v), json_string_length(v),
                              CG_BASE64_SPACE, buf,
                              &len, &bad, &w) ||
            len != CG_MERKLE_HASH_LEN)
            return 0;
        memcpy(out + i * CG_MERKLE_HASH_LEN, buf, CG_MERKLE_HASH_LEN);
    }
    *n = json_array_size(arr);
    return 1;
}

/* One GET under /ct/v1/ to its JSON answer. */
static cg_log_status get_json(cg_logclient *lc, cg_http_req *r, json_t **j, char *why,
                              size_t whycap)
{
    cg_log_status st = cg_http_run(lc->multi, &lc->o, r, 1, why, whycap);
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
    cg_http_req r = {0};
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
    cg_http_req_free(&r);
    return st;
}

cg_log_status cg_logclient_frontier_at(cg_logclient *lc, cg_merkle_hasher *h, const cg_sth *sth,
                                       cg_merkle_frontier *f, char *why, size_t whycap)
{
    cg_http_req r = {0};
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
    cg_http_req_free(&r);
    return st;
}
