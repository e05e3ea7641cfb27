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
#include "util/grow.h"
#include "monitor/fetch.h"
#include "monitor/http.h"

/* One get-entries answer, decoded as it came: where each entry's leaf_input
 * and extra_data are in the transfer's body, which holds them decoded and
 * packed (ct/entries_json.h) until the answer is released. */
typedef struct answer {
    cg_entry_at *at;
    size_t n, at_cap;
    const uint8_t *body; /* the body the offsets are in, while it is read */
} answer;

/* Consistency proofs asked ahead at most: the range's being read and the
 * next one's. */
#define PROOFS_AHEAD 2

struct cg_logclient {
    cg_fetch_client net; /* get-entries through the window; get-sth, proofs */
    EVP_PKEY *key;
    uint8_t log_id[32];
    cg_entries_reader *entries; /* get-entries answers, buffers reused */
    uint8_t *extra;             /* an entry's extra_data whose two pieces are apart, made whole */
    size_t extra_cap;
    /* the consistency proofs asked ahead, from a range's end to the tree:
     * this range's and the next one's */
    struct proof_ahead {
        cg_fetch_xfer *x;
        uint64_t from, to;
    } proof[PROOFS_AHEAD];
    uint64_t scanned_to; /* the end of the last range scanned (0: none) */
};

static const cg_fetch_proto entries_proto;

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
    lc->key = key;
    lc->entries = cg_entries_reader_new();
    if (!cg_fetch_client_init(&lc->net, url, opts, 0, 0, &entries_proto, lc) || !lc->entries ||
        !cg_ct_log_id(key, lc->log_id)) {
        cg_logclient_free(lc);
        return NULL;
    }
    return lc;
}

void cg_logclient_free(cg_logclient *lc)
{
    if (!lc)
        return;
    for (size_t i = 0; lc->net.fx != NULL && i < PROOFS_AHEAD; i++)
        cg_fetch_aux_free(lc->net.fx, lc->proof[i].x);
    cg_fetch_client_clear(&lc->net);
    cg_entries_reader_free(lc->entries);
    free(lc->extra);
    free(lc);
}

const uint8_t *cg_logclient_get0_log_id(const cg_logclient *lc)
{
    return lc->log_id;
}

void cg_logclient_get_stats(const cg_logclient *lc, cg_window_stats *s)
{
    cg_fetch_get_stats(lc->net.fx, s);
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
    snprintf(r.url, sizeof(r.url), "%s/ct/v1/get-sth", lc->net.base);
    cg_log_status st = cg_fetch_get(lc->net.fx, &r, 1, why, whycap);
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

/* ---- get-entries through the window (fetch.h) ---- */

static void proto_prepare(void *arg, const cg_wreq *q, cg_fetch_xfer *x)
{
    cg_logclient *lc = arg;
    snprintf(x->url, sizeof(x->url), "%s/ct/v1/get-entries?start=%" PRIu64 "&end=%" PRIu64,
             lc->net.base, q->start, q->end - 1);
}

static int keep_entry(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                      const uint8_t *extra, size_t extra_len)
{
    answer *a = arg;
    (void)i;
    cg_entry_at *at = cg_grow_slot((void **)&a->at, a->n, &a->at_cap, sizeof(*at));
    if (at == NULL)
        return 0;
    at->leaf = (size_t)(leaf - a->body);
    at->leaf_len = leaf_len;
    at->head = (size_t)(extra - a->body);
    at->head_len = extra_len;
    a->n++;
    return 1;
}

/* An answer as it comes, whatever its place: decoded, so that the entries it
 * holds are known (a short answer's rest is asked at once). */
static cg_log_status proto_answer(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t *got,
                                  int *again, char *why, size_t whycap)
{
    cg_logclient *lc = arg;
    answer *a = x->proto;
    char msg[200];
    size_t n = 0;
    *again = 0;
    if (a == NULL && (a = x->proto = calloc(1, sizeof(*a))) == NULL)
        return CG_LOG_NOMEM;
    a->n = 0;
    a->body = x->body;
    cg_entries_status st =
        cg_entries_read(lc->entries, x->body, x->len, (size_t)(q->end - q->start), keep_entry, a,
                        &n, msg, sizeof(msg));
    if (st == CG_ENTRIES_STOPPED || st == CG_ENTRIES_NOMEM)
        return CG_LOG_NOMEM;
    if (st == CG_ENTRIES_BAD) {
        setmsg(why, whycap, "%s: not a get-entries answer: %s", x->url, msg);
        return CG_LOG_BAD_ANSWER;
    }
    if (n == 0) {
        setmsg(why, whycap, "%s: %s", x->url, "no entries in the answer");
        return CG_LOG_BAD_ANSWER;
    }
    /* Held until its turn as its decoded entries only, packed at the
     * start of the body and moved to a buffer of their size (an extra_data
     * repeated in the answer, a CA's chain, once): about a quarter of the
     * JSON for entries with chains, so the log's window holds four times
     * as many answers in the same memory; the body's buffer goes to the
     * next answer to arrive. */
    cg_fetch_xfer_pack(x, cg_entries_pack(x->body, a->at, n));
    *got = n;
    return CG_LOG_OK;
}

static cg_log_status proto_entry(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t i,
                                 cg_log_entry *e)
{
    cg_logclient *lc = arg;
    const answer *a = x->proto;
    const cg_entry_at *at = &a->at[i];
    memset(e, 0, sizeof(*e));
    e->index = q->start + i;
    e->leaf = x->body + at->leaf;
    e->leaf_len = at->leaf_len;
    e->extra = x->body + at->head;
    e->extra_len = at->head_len + at->tail_len;
    if (at->tail_len > 0 && at->tail != at->head + at->head_len) {
        /* its chain kept once for the answer: the bytes made whole again */
        if (!cg_grow((void **)&lc->extra, &lc->extra_cap, e->extra_len, 1))
            return CG_LOG_NOMEM;
        memcpy(lc->extra, x->body + at->head, at->head_len);
        memcpy(lc->extra + at->head_len, x->body + at->tail, at->tail_len);
        e->extra = lc->extra;
    }
    e->ok = cg_ct_leaf_parse(e->leaf, e->leaf_len, &e->entry, &e->err);
    e->chain_ok = e->ok && cg_ct_extra_parse(e->entry.entry_type, e->extra, e->extra_len,
                                             &e->chain, &e->chain_err);
    return CG_LOG_OK;
}

static void proto_release(void *arg, cg_fetch_xfer *x)
{
    answer *a = x->proto;
    (void)arg;
    if (a == NULL)
        return;
    free(a->at);
    free(a);
    x->proto = NULL;
}

static const cg_fetch_proto entries_proto = {proto_prepare, proto_answer, NULL, proto_entry,
                                             proto_release};

/* The proof asked ahead from end to size, or NULL. */
static struct proof_ahead *proof_found(cg_logclient *lc, uint64_t end, uint64_t size)
{
    for (size_t i = 0; i < PROOFS_AHEAD; i++) {
        if (lc->proof[i].x != NULL && lc->proof[i].from == end && lc->proof[i].to == size)
            return &lc->proof[i];
    }
    return NULL;
}

/* Asks ahead for the consistency proof the monitor will want at the end of
 * a range [.., end) of a tree of size: off the critical path. A proof
 * asked ahead that is neither for a later end of this tree (one no range
 * reached yet) nor free gives its place. */
static void proof_ahead(cg_logclient *lc, uint64_t pos, uint64_t end, uint64_t size)
{
    char url[2048];
    if (end == 0 || end >= size || proof_found(lc, end, size) != NULL)
        return;
    struct proof_ahead *p = NULL;
    for (size_t i = 0; i < PROOFS_AHEAD && p == NULL; i++) {
        if (lc->proof[i].x == NULL || lc->proof[i].to != size || lc->proof[i].from < pos)
            p = &lc->proof[i];
    }
    if (p == NULL)
        return;
    cg_fetch_aux_free(lc->net.fx, p->x);
    snprintf(url, sizeof(url), "%s/ct/v1/get-sth-consistency?first=%" PRIu64 "&second=%" PRIu64,
             lc->net.base, end, size);
    p->x = cg_fetch_aux(lc->net.fx, url, 0, 0);
    p->from = end;
    p->to = size;
}

cg_log_status cg_logclient_scan(cg_logclient *lc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                char *why, size_t whycap)
{
    uint64_t target = sth != NULL && sth->tree_size > end ? sth->tree_size : end;
    uint64_t pos = f->size;
    if (sth != NULL) {
        proof_ahead(lc, pos, end, sth->tree_size);
        /* A range that goes on from the last one (a catch-up, range after
         * range) is followed by one as long: its proof is asked now too, a
         * range ahead. At 50 ms a range of 4,096 entries is read in about
         * the proof's round trip, and the round waited for one at most
         * range ends (docs/performance.md, "Session 14: the proof a range ahead"). */
        if (pos > 0 && pos == lc->scanned_to && end < sth->tree_size)
            proof_ahead(lc, pos, end + (end - pos), sth->tree_size);
    }
    lc->scanned_to = end;
    return cg_fetch_client_scan(&lc->net, h, f, end, target, sth, fn, arg, "STH", why, whycap);
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
                              CG_BASE64_SPACE, buf, &len, &bad, &w) ||
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
    cg_log_status st = cg_fetch_get(lc->net.fx, r, 1, why, whycap);
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
             "%s/ct/v1/get-sth-consistency?first=%" PRIu64 "&second=%" PRIu64, lc->net.base, size1,
             size2);
    cg_log_status st;
    struct proof_ahead *p = proof_found(lc, size1, size2);
    if (p != NULL) {
        /* asked ahead: take its answer */
        json_error_t jerr;
        st = cg_fetch_aux_wait(lc->net.fx, p->x, why, whycap);
        if (st == CG_LOG_OK) {
            j = json_loadb((const char *)p->x->body, p->x->len, 0, &jerr);
            if (!json_is_object(j)) {
                setmsg(why, whycap, "%s: %s", r.url, "not a JSON object");
                st = CG_LOG_BAD_ANSWER;
            }
        }
        cg_fetch_aux_free(lc->net.fx, p->x);
        p->x = NULL;
    } else {
        st = get_json(lc, &r, &j, why, whycap);
    }
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
             "%s/ct/v1/get-entry-and-proof?leaf_index=%" PRIu64 "&tree_size=%" PRIu64,
             lc->net.base, sth->tree_size - 1, sth->tree_size);
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
