/* caguard-testlog serve: RFC 6962 §4 under /ct/v1/ (serve_internal.h):
 * tree heads and proofs from the in-memory Merkle tree, get-entries and
 * get-entry-and-proof from entries.bin (the tamper fault applied), the
 * roots, and add-chain / add-pre-chain appending to the log. */
#include "serve_internal.h"

#include "ct/leaf.h"
#include "util/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON helpers ---- */

static json_t *b64_string(const uint8_t *data, size_t len)
{
    char *s = cg_base64_encode_new(data, len);
    json_t *j = s != NULL ? json_string(s) : NULL;
    free(s);
    return j;
}

static json_t *hash_array(const uint8_t *hashes, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, b64_string(hashes + i * 32, 32)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ---- RFC 6962 ---- */

void tl_get_sth(server *s, answer *a)
{
    cg_sth sth = tl_current_sth(s);
    char *j = tl_sth_json(&sth);
    if (j == NULL) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the tree head");
        return;
    }
    tl_set_body(a, MHD_HTTP_OK, "application/json", j, strlen(j));
}

void tl_get_consistency(server *s, struct MHD_Connection *c, answer *a)
{
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    uint64_t first, second, size = s->log->sth.tree_size;
    size_t n = 0;

    if (!tl_u64_arg(c, a, "first", &first) || !tl_u64_arg(c, a, "second", &second))
        return;
    if (first > second || second > size) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST,
                     "need first <= second <= tree size %llu, got first=%llu second=%llu",
                     (unsigned long long)size, (unsigned long long)first,
                     (unsigned long long)second);
        return;
    }
    if (!cg_merkle_tree_consistency_proof(s->log->tree, first, second, proof, CG_MERKLE_MAX_PROOF,
                                          &n)) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the proof");
        return;
    }
    tl_set_json(a, MHD_HTTP_OK, json_pack("{so}", "consistency", hash_array(proof, n)));
}

void tl_get_proof_by_hash(server *s, struct MHD_Connection *c, answer *a)
{
    const char *h = tl_arg(c, "hash");
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32], *hash = NULL;
    uint64_t size, index;
    size_t hlen = 0, n = 0;
    char fixed[64];

    if (h == NULL) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "missing parameter hash");
        return;
    }
    if (!tl_u64_arg(c, a, "tree_size", &size))
        return;
    /* A '+' left unescaped in the query reads as a space. */
    snprintf(fixed, sizeof(fixed), "%s", h);
    for (char *p = fixed; *p != '\0'; p++) {
        if (*p == ' ')
            *p = '+';
    }
    if (strlen(h) >= sizeof(fixed) ||
        !cg_base64_decode_new(fixed, strlen(fixed), 0, &hash, &hlen) || hlen != 32) {
        free(hash);
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "hash is not base64 of 32 bytes");
        return;
    }
    if (size == 0 || size > s->log->sth.tree_size) {
        free(hash);
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "tree_size %llu is not in 1..%llu",
                     (unsigned long long)size, (unsigned long long)s->log->sth.tree_size);
        return;
    }
    if (!tl_log_find_hash(s->log, hash, &index) || index >= size) {
        free(hash);
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "no leaf with that hash in the tree of size %llu",
                     (unsigned long long)size);
        return;
    }
    free(hash);
    if (!cg_merkle_tree_inclusion_proof(s->log->tree, index, size, path, CG_MERKLE_MAX_HEIGHT,
                                        &n)) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the proof");
        return;
    }
    tl_set_json(
        a, MHD_HTTP_OK,
        json_pack("{sIso}", "leaf_index", (json_int_t)index, "audit_path", hash_array(path, n)));
}

/* The large JSON answers are written by hand into a cg_sbuf: jansson
 * would build a tree of thousands of strings for one get-entries. Base64
 * is encoded straight into the buffer. */
static void sb_b64(cg_sbuf *b, const uint8_t *data, size_t len)
{
    char *at = len <= SIZE_MAX / 2 ? cg_sbuf_reserve(b, CG_BASE64_ENCODED_LEN(len)) : NULL;
    if (at != NULL)
        cg_sbuf_commit(b, cg_base64_encode(data, len, at));
}

/* One stored entry as get-entries serves it, without the closing brace:
 * {"leaf_input":"...","extra_data":"..." */
static int entry_json(server *s, uint64_t index, const cg_ct_tile_leaf *tl, cg_sbuf *out)
{
    const tl_log *log = s->log;
    size_t te_len = tl->entry.raw.len, extra_cap, extra_len = 0;
    uint8_t *leaf = malloc(te_len + 2), *extra = NULL;
    cg_cbs chain[TL_MAX_CHAIN];
    size_t n = 0;
    int ok = 0;
    cg_cbb cbb;

    if (leaf == NULL)
        return 0;
    leaf[0] = 0;
    leaf[1] = 0;
    memcpy(leaf + 2, tl->entry.raw.data, te_len);
    if ((long long)index == atomic_load(&s->f.tamper)) {
        /* timestamp + 1 ms: the first 8 bytes of the TimestampedEntry */
        for (int i = 9; i >= 2 && ++leaf[i] == 0; i--)
            ;
    }
    extra_cap = 3 + tl->pre_certificate.len + 3;
    for (size_t i = 0; i < tl->fingerprints.len / 32 && n < TL_MAX_CHAIN; i++) {
        const tl_issuer *is = tl_log_issuer(log, tl->fingerprints.data + i * 32);
        if (is == NULL)
            goto out;
        chain[n].data = is->der;
        chain[n++].len = is->len;
        extra_cap += 3 + is->len;
    }
    extra = malloc(extra_cap);
    if (extra == NULL)
        goto out;
    cg_cbb_init_fixed(&cbb, extra, extra_cap);
    if (!cg_ct_extra_write(
            &cbb, tl->entry.entry_type == CG_CT_PRECERT_ENTRY ? tl->pre_certificate.data : NULL,
            tl->pre_certificate.len, chain, n) ||
        !cg_cbb_finish(&cbb, &extra_len))
        goto out;
    cg_sbuf_puts(out, "{\"leaf_input\":\"");
    sb_b64(out, leaf, te_len + 2);
    cg_sbuf_puts(out, "\",\"extra_data\":\"");
    sb_b64(out, extra, extra_len);
    cg_sbuf_puts(out, "\"");
    ok = !out->failed;
out:
    free(leaf);
    free(extra);
    return ok;
}

static void set_sbuf(answer *a, cg_sbuf *b)
{
    size_t len = 0;
    char *body = cg_sbuf_take(b, &len);
    if (body == NULL) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    tl_set_body(a, MHD_HTTP_OK, "application/json", body, len);
}

void tl_get_entries(server *s, struct MHD_Connection *c, answer *a)
{
    uint64_t start, end, size = s->log->sth.tree_size;
    uint8_t *buf = NULL;
    size_t len = 0;
    cg_sbuf out = CG_SBUF_INIT;
    cg_cbs in;

    if (!tl_u64_arg(c, a, "start", &start) || !tl_u64_arg(c, a, "end", &end))
        return;
    if (start > end || start >= size) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST,
                     "need start <= end and start < tree size %llu, got start=%llu end=%llu",
                     (unsigned long long)size, (unsigned long long)start, (unsigned long long)end);
        return;
    }
    /* Fewer entries than asked for, as RFC 6962 §4.6 allows. */
    if (end >= size)
        end = size - 1;
    if (end - start >= s->max_batch)
        end = start + s->max_batch - 1;
    if (!tl_log_read_entries(s->log, start, end + 1, &buf, &len)) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entries");
        return;
    }
    /* About 4/3 of the stored bytes plus the chains: start near that. */
    cg_sbuf_reserve(&out, len * 2 + 64);
    cg_sbuf_puts(&out, "{\"entries\":[");
    cg_cbs_init(&in, buf, len);
    for (uint64_t i = start; i <= end; i++) {
        cg_ct_tile_leaf tl;
        cg_der_error derr;
        if (i > start)
            cg_sbuf_puts(&out, ",");
        if (!cg_ct_tile_leaf_next(&in, &tl, buf, &derr) || !entry_json(s, i, &tl, &out)) {
            free(buf);
            cg_sbuf_free(&out);
            tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode entry %llu",
                         (unsigned long long)i);
            return;
        }
        cg_sbuf_puts(&out, "}");
    }
    cg_sbuf_puts(&out, "]}");
    free(buf);
    set_sbuf(a, &out);
}

void tl_get_entry_and_proof(server *s, struct MHD_Connection *c, answer *a)
{
    uint64_t index, size;
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32], *buf = NULL;
    size_t n = 0, len = 0;
    cg_ct_tile_leaf tl;
    cg_der_error derr;
    cg_sbuf out = CG_SBUF_INIT;
    cg_cbs in;
    int ok;

    if (!tl_u64_arg(c, a, "leaf_index", &index) || !tl_u64_arg(c, a, "tree_size", &size))
        return;
    if (size > s->log->sth.tree_size || index >= size) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "need leaf_index < tree_size <= %llu",
                     (unsigned long long)s->log->sth.tree_size);
        return;
    }
    if (!tl_log_read_entries(s->log, index, index + 1, &buf, &len) ||
        !cg_merkle_tree_inclusion_proof(s->log->tree, index, size, path, CG_MERKLE_MAX_HEIGHT,
                                        &n)) {
        free(buf);
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entry");
        return;
    }
    cg_cbs_init(&in, buf, len);
    ok = cg_ct_tile_leaf_next(&in, &tl, buf, &derr) && entry_json(s, index, &tl, &out);
    free(buf);
    if (!ok) {
        cg_sbuf_free(&out);
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the entry");
        return;
    }
    cg_sbuf_puts(&out, ",\"audit_path\":[");
    for (size_t i = 0; i < n; i++) {
        cg_sbuf_puts(&out, i > 0 ? ",\"" : "\"");
        sb_b64(&out, path + i * 32, 32);
        cg_sbuf_puts(&out, "\"");
    }
    cg_sbuf_puts(&out, "]}");
    set_sbuf(a, &out);
}

void tl_get_roots(server *s, answer *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < s->log->n_roots; i++) {
        const tl_issuer *is = tl_log_issuer(s->log, s->log->roots[i]);
        if (is != NULL && json_array_append_new(arr, b64_string(is->der, is->len)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    tl_set_json(a, MHD_HTTP_OK, json_pack("{so}", "certificates", arr));
}

/* add-chain and add-pre-chain; the caller holds the write lock. */
void tl_add_chain(server *s, const request *r, int precert, answer *a)
{
    json_error_t jerr;
    json_t *o, *chain;
    cg_cbs certs[TL_MAX_CHAIN];
    uint8_t *ders[TL_MAX_CHAIN] = {0};
    size_t n = 0;
    tl_sct sct;
    char err[512];
    int client = 0;

    if (r->too_big) {
        tl_set_error(a, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %u bytes", TL_MAX_BODY);
        return;
    }
    o = json_loadb((const char *)r->body, r->len, 0, &jerr);
    chain = o != NULL ? json_object_get(o, "chain") : NULL;
    if (!json_is_array(chain) || json_array_size(chain) == 0 ||
        json_array_size(chain) > TL_MAX_CHAIN) {
        json_decref(o);
        tl_set_error(a, MHD_HTTP_BAD_REQUEST,
                     "want a JSON object with \"chain\": 1 to %d base64 certificates",
                     TL_MAX_CHAIN);
        return;
    }
    for (n = 0; n < json_array_size(chain); n++) {
        const json_t *e = json_array_get(chain, n);
        size_t len = 0;
        if (!json_is_string(e) ||
            !cg_base64_decode_new(json_string_value(e), json_string_length(e), 0, &ders[n],
                                  &len) ||
            len == 0) {
            tl_set_error(a, MHD_HTTP_BAD_REQUEST, "chain[%zu] is not base64 DER", n);
            goto out;
        }
        certs[n].data = ders[n];
        certs[n].len = len;
    }
    if (!tl_log_add(s->log, certs, n, precert, (uint64_t)tl_now_ms(), &sct, &client, err,
                    sizeof(err))) {
        tl_set_error(a, client ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
        goto out;
    }
    if (!tl_log_sign(s->log, err, sizeof(err))) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
        goto out;
    }
    {
        char *j = tl_sct_json(s->log, &sct);
        if (j == NULL)
            tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the SCT");
        else
            tl_set_body(a, MHD_HTTP_OK, "application/json", j, strlen(j));
    }
out:
    for (size_t i = 0; i < TL_MAX_CHAIN; i++)
        free(ders[i]);
    json_decref(o);
}
