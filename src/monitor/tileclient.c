/* static-ct-api log client: checkpoint, data tiles and issuers over
 * libcurl (tileclient.h). */
#include "monitor/tileclient.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "ct/leaf.h"
#include "monitor/fetch.h"
#include "monitor/http.h"
#include "util/errf.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/hex.h"

/* A checkpoint is a few lines and up to a few dozen signatures; an issuer
 * is one certificate. */
#define MAX_CHECKPOINT (1u << 20)
#define MAX_ISSUER (1u << 20)
/* opaque certificate_chain<0..2^24-1> of extra_data */
#define MAX_U24 0xffffffu

/* Hash tiles held at most: a proof against a tree needs one or two tiles
 * a level (eight levels for a tree of 2^64), a right edge one a level. */
#define MAX_KEPT_TILES 32
#define MAX_ASKING_TILES 32

enum { ISS_EMPTY = 0, ISS_OK, ISS_PENDING, ISS_BAD };

/* A hash tile held: width hashes of tile/<level>/<n>. */
typedef struct hash_tile {
    unsigned level;
    uint64_t n;
    unsigned width;
    uint8_t *body;
} hash_tile;

typedef struct issuer {
    uint8_t fp[32];
    int state;
    uint64_t scan; /* ISS_BAD: the scan that found it bad (asked again in the next) */
    uint8_t *der;
    size_t len;
    char why[96];
} issuer;

struct cg_tileclient {
    cg_fetch_client net; /* data tiles through the window; checkpoint, issuers, hash tiles */
    char *origin;
    EVP_PKEY *key;
    uint8_t log_id[32];
    /* issuers by fingerprint, open addressing, cap a power of two */
    issuer *iss;
    size_t iss_cap, iss_n;
    uint64_t scan; /* scans run so far */
    /* one entry, rebuilt as get-entries would serve it */
    uint8_t *leaf, *extra;
    size_t leaf_cap, extra_cap;
    uint64_t tree_size; /* of the scan in progress */
    /* Hash tiles: those the last proof or right edge was made of (kept,
     * for the next range's proof against the same tree: a tile of a given
     * width never changes), and those asked for and not yet read (asked
     * ahead at a range's start for the proof at its end, or asked by a
     * proof). */
    hash_tile kept[MAX_KEPT_TILES];
    size_t n_kept;
    cg_fetch_xfer *asking[MAX_ASKING_TILES];
    size_t n_asking;
    uint64_t ahead_from, ahead_to;
    uint64_t scan_end; /* where the last scan left the right edge */
    int scanned;
};

static const cg_fetch_proto tiles_proto;

int cg_tile_path(int level, uint64_t index, unsigned width, char out[CG_TILE_PATH_MAX])
{
    char digits[24];
    size_t nd, pos = 0;
    int n;

    if (width == 0 || width > CG_TILE_WIDTH || level > 63)
        return 0;
    if (level < 0)
        n = snprintf(out, CG_TILE_PATH_MAX, "tile/data/");
    else
        n = snprintf(out, CG_TILE_PATH_MAX, "tile/%d/", level);
    pos = (size_t)n;
    /* Zero-padded to a multiple of three digits, then one path element
     * per three digits. */
    nd = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, index);
    size_t pad = (3 - nd % 3) % 3, total = nd + pad;
    for (size_t i = 0; i < total; i += 3) {
        if (i + 3 < total)
            out[pos++] = 'x';
        for (size_t j = i; j < i + 3; j++)
            out[pos++] = j < pad ? '0' : digits[j - pad];
        if (i + 3 < total)
            out[pos++] = '/';
    }
    out[pos] = '\0';
    if (width < CG_TILE_WIDTH)
        snprintf(out + pos, CG_TILE_PATH_MAX - pos, ".p/%u", width);
    return 1;
}

cg_tileclient *cg_tileclient_new(const char *url, EVP_PKEY *key, const char *origin,
                                 const cg_logclient_opts *opts)
{
    cg_tileclient *tc = calloc(1, sizeof(*tc));
    if (!tc)
        return NULL;
    tc->origin = origin ? strdup(origin) : NULL;
    tc->key = key;
    tc->iss_cap = 64;
    tc->iss = calloc(tc->iss_cap, sizeof(*tc->iss));
    if (!cg_fetch_client_init(&tc->net, url, opts, CG_TILE_WIDTH, 1, &tiles_proto, tc) ||
        (origin && !tc->origin) || !tc->iss || !cg_ct_log_id(key, tc->log_id)) {
        cg_tileclient_free(tc);
        return NULL;
    }
    return tc;
}

static void hash_tiles_forget(cg_tileclient *tc);

void cg_tileclient_free(cg_tileclient *tc)
{
    if (!tc)
        return;
    hash_tiles_forget(tc);
    cg_fetch_client_clear(&tc->net);
    for (size_t i = 0; tc->iss && i < tc->iss_cap; i++)
        free(tc->iss[i].der);
    free(tc->iss);
    free(tc->leaf);
    free(tc->extra);
    free(tc->origin);
    free(tc);
}

const uint8_t *cg_tileclient_get0_log_id(const cg_tileclient *tc)
{
    return tc->log_id;
}

/* ---- checkpoint ---- */

cg_log_status cg_tileclient_get_checkpoint(cg_tileclient *tc, cg_sth *sth, char *why,
                                           size_t whycap)
{
    cg_http_req r = {0};
    char detail[512];
    int unsigned_note = 0;

    memset(sth, 0, sizeof(*sth));
    /* A new round: its proofs are made of tiles read from now on (a proof
     * that failed to verify is not made again of what it was made of). */
    hash_tiles_forget(tc);
    snprintf(r.url, sizeof(r.url), "%s/checkpoint", tc->net.base);
    r.max_body = MAX_CHECKPOINT;
    cg_log_status st = cg_fetch_get(tc->net.fx, &r, 1, why, whycap);
    if (st != CG_LOG_OK)
        goto out;
    /* The note's own origin first: a good signature under another origin
     * is a finding of its own (CG_LOG_ORIGIN), not a malformed answer. */
    if (!cg_checkpoint_parse_ex(r.body, r.len, NULL, tc->log_id, sth, &unsigned_note, detail,
                                sizeof(detail))) {
        if (unsigned_note) {
            cg_errf(why, whycap, "%s: %s", r.url, detail);
            st = CG_LOG_STH_SIG;
        } else {
            cg_errf(why, whycap, "%s: not a checkpoint of this log: %s", r.url, detail);
            st = CG_LOG_BAD_ANSWER;
        }
        goto out;
    }
    if (!cg_sth_verify(sth, tc->key, detail, sizeof(detail))) {
        cg_errf(why, whycap, "%s: %s", r.url, detail);
        st = CG_LOG_STH_SIG;
        goto out;
    }
    /* It parsed, so its first line (the origin) ends in a line break. */
    const uint8_t *nl = memchr(r.body, '\n', r.len);
    size_t olen = nl != NULL ? (size_t)(nl - r.body) : r.len;
    if (tc->origin != NULL &&
        (olen != strlen(tc->origin) || memcmp(r.body, tc->origin, olen) != 0)) {
        char *seen = strndup((const char *)r.body, olen);
        char shown[192];
        cg_errf(why, whycap,
                "%s: the checkpoint is signed by the log's key for the origin \"%s\", not for "
                "this log's \"%s\"",
                r.url, seen != NULL ? cg_esc_term_cut(seen, shown, sizeof(shown)) : "?",
                tc->origin);
        free(seen);
        st = CG_LOG_ORIGIN;
    }
out:
    cg_http_req_free(&r);
    return st;
}

/* ---- issuers ---- */

static size_t slot_of(const cg_tileclient *tc, const uint8_t fp[32])
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | fp[i];
    size_t i = (size_t)v & (tc->iss_cap - 1);
    while (tc->iss[i].state != ISS_EMPTY && memcmp(tc->iss[i].fp, fp, 32) != 0)
        i = (i + 1) & (tc->iss_cap - 1);
    return i;
}

/* The cache entry of fp, added as pending when absent (or known bad from
 * an earlier scan). NULL when memory ran out. */
static issuer *issuer_want(cg_tileclient *tc, const uint8_t fp[32])
{
    if ((tc->iss_n + 1) * 2 > tc->iss_cap) {
        size_t cap = tc->iss_cap * 2;
        issuer *old = tc->iss, *neu = calloc(cap, sizeof(*neu));
        if (!neu)
            return NULL;
        size_t old_cap = tc->iss_cap;
        tc->iss = neu;
        tc->iss_cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (old[i].state != ISS_EMPTY)
                tc->iss[slot_of(tc, old[i].fp)] = old[i];
        }
        free(old);
    }
    issuer *is = &tc->iss[slot_of(tc, fp)];
    if (is->state == ISS_EMPTY) {
        memcpy(is->fp, fp, 32);
        is->state = ISS_PENDING;
        tc->iss_n++;
    } else if (is->state == ISS_BAD && is->scan != tc->scan) {
        is->state = ISS_PENDING;
    }
    return is;
}

static const issuer *issuer_get(const cg_tileclient *tc, const uint8_t fp[32])
{
    const issuer *is = &tc->iss[slot_of(tc, fp)];
    return is->state == ISS_EMPTY ? NULL : is;
}

static int issuers_pending(const cg_tileclient *tc)
{
    for (size_t i = 0; i < tc->iss_cap; i++) {
        if (tc->iss[i].state == ISS_PENDING)
            return 1;
    }
    return 0;
}

/* Fetches every pending issuer, `parallel` at a time. The data tiles that
 * come meanwhile (cg_fetch_get) may add issuers to the cache, and move its
 * entries: those asked for are found again by fingerprint. */
static cg_log_status fetch_issuers(cg_tileclient *tc, cg_http_req *r, char *why, size_t whycap)
{
    for (;;) {
        uint8_t fp[64][32];
        size_t k = 0, max = tc->net.o.parallel < 64 ? tc->net.o.parallel : 64;
        for (size_t i = 0; i < tc->iss_cap && k < max; i++) {
            if (tc->iss[i].state == ISS_PENDING)
                memcpy(fp[k++], tc->iss[i].fp, 32);
        }
        if (k == 0)
            return CG_LOG_OK;
        for (size_t i = 0; i < k; i++) {
            char h[65];
            cg_hex(fp[i], 32, h);
            snprintf(r[i].url, sizeof(r[i].url), "%s/issuer/%s", tc->net.base, h);
            r[i].max_body = MAX_ISSUER;
            r[i].allow_404 = 1;
        }
        cg_log_status st = cg_fetch_get(tc->net.fx, r, k, why, whycap);
        for (size_t i = 0; st == CG_LOG_OK && i < k; i++) {
            issuer *is = &tc->iss[slot_of(tc, fp[i])];
            uint8_t md[32];
            if (r[i].code == 404) {
                is->state = ISS_BAD;
                snprintf(is->why, sizeof(is->why), "not served (HTTP 404)");
            } else if (r[i].len == 0 ||
                       EVP_Digest(r[i].body, r[i].len, md, NULL, EVP_sha256(), NULL) != 1) {
                is->state = ISS_BAD;
                snprintf(is->why, sizeof(is->why), "served empty");
            } else if (memcmp(md, is->fp, 32) != 0) {
                char h[65];
                cg_hex(md, 32, h);
                is->state = ISS_BAD;
                snprintf(is->why, sizeof(is->why), "served a certificate hashing to %.16s...", h);
            } else {
                is->state = ISS_OK;
                is->der = r[i].body; /* the cache takes the body */
                is->len = r[i].len;
                r[i].body = NULL;
                r[i].cap = 0;
            }
            is->scan = tc->scan;
        }
        for (size_t i = 0; i < k; i++) {
            r[i].allow_404 = 0;
            r[i].max_body = 0;
        }
        if (st != CG_LOG_OK)
            return st;
    }
}

/* ---- tiles ---- */

/* Reads a whole data tile of n, width entries: exactly width TileLeafs and
 * nothing after them, the offset of each into at (room for width). Every
 * fingerprint of the entries in [start, end) is asked for in the issuer
 * cache. */
static cg_log_status check_tile(cg_tileclient *tc, const char *url, const uint8_t *body,
                                size_t len, uint64_t n, unsigned width, uint64_t start,
                                uint64_t end, uint32_t *at, char *why, size_t whycap)
{
    cg_cbs in;
    cg_ct_tile_leaf tl;
    cg_der_error err;
    cg_cbs_init(&in, body, len);
    for (unsigned i = 0; i < width; i++) {
        if (in.len == 0) {
            cg_errf(why, whycap, "%s: %u entries, the tile holds %u", url, i, width);
            return CG_LOG_BAD_ANSWER;
        }
        at[i] = (uint32_t)(in.data - body);
        if (!cg_ct_tile_leaf_next(&in, &tl, body, &err)) {
            cg_errf(why, whycap, "%s: entry %" PRIu64 " (byte %zu of the tile) does not parse: %s",
                    url, n * CG_TILE_WIDTH + i, err.offset, err.what);
            return CG_LOG_BAD_ANSWER;
        }
        uint64_t index = n * CG_TILE_WIDTH + i;
        if (index < start || index >= end)
            continue;
        for (size_t k = 0; k + 32 <= tl.fingerprints.len; k += 32) {
            if (!issuer_want(tc, tl.fingerprints.data + k))
                return CG_LOG_NOMEM;
        }
    }
    if (in.len != 0) {
        cg_errf(why, whycap, "%s: %zu bytes after the tile's %u entries", url, in.len, width);
        return CG_LOG_BAD_ANSWER;
    }
    return CG_LOG_OK;
}

static uint8_t *put_u24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return p + 3;
}

/* The entry (leaf 1) or only its chain (leaf 0) is bad, for the reason
 * given; returns 1 (the entry is delivered as it is). */
static int fail_entry(cg_log_entry *e, int leaf, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_entry(cg_log_entry *e, int leaf, size_t offset, const char *fmt, ...)
{
    cg_der_error *err = leaf ? &e->err : &e->chain_err;
    if (leaf)
        e->ok = 0;
    e->chain_ok = 0;
    err->offset = offset;
    CG_FORMAT_ARGS(err->what, sizeof(err->what), fmt);
    return 1;
}

/* Fills e from one TileLeaf as get-entries would have served it: leaf is
 * the MerkleTreeLeaf, extra the extra_data with the issuers from the
 * cache. 0 only when memory ran out. */
static int build_entry(cg_tileclient *tc, const cg_ct_tile_leaf *tl, const uint8_t *tile,
                       uint64_t index, cg_log_entry *e)
{
    const cg_cbs *raw = &tl->entry.raw;
    memset(e, 0, sizeof(*e));
    e->index = index;
    if (!cg_grow((void **)&tc->leaf, &tc->leaf_cap, raw->len + 2, 1))
        return 0;
    tc->leaf[0] = 0; /* version v1 */
    tc->leaf[1] = 0; /* timestamped_entry */
    memcpy(tc->leaf + 2, raw->data, raw->len);
    e->leaf = tc->leaf;
    e->leaf_len = raw->len + 2;
    e->ok = cg_ct_leaf_parse(e->leaf, e->leaf_len, &e->entry, &e->err);
    uint64_t li;
    if (e->ok && cg_ct_extensions_leaf_index(&e->entry.extensions, &li) && li != index)
        return fail_entry(e, 1, (size_t)(raw->data - tile),
                          "its leaf_index extension says %" PRIu64 ", it is entry %" PRIu64, li,
                          index);
    /* The precertificate is in the tile itself, whatever the issuers. */
    e->chain.pre_certificate = tl->pre_certificate;

    /* extra_data: [pre_certificate] certificate_chain */
    size_t chain_len = 0, n_fp = tl->fingerprints.len / 32;
    for (size_t i = 0; i < n_fp; i++) {
        const uint8_t *fp = tl->fingerprints.data + 32 * i;
        const issuer *is = issuer_get(tc, fp);
        if (!is || is->state != ISS_OK) {
            char h[65];
            cg_hex(fp, 32, h);
            return fail_entry(e, 0, (size_t)(fp - tile),
                              "chain certificate %zu, issuer/%.16s...: %s", i + 1, h,
                              is ? is->why : "not fetched");
        }
        chain_len += 3 + is->len;
    }
    size_t pre_len = tl->pre_certificate.len;
    size_t need = (pre_len ? 3 + pre_len : 0) + 3 + chain_len;
    if (chain_len > MAX_U24)
        return fail_entry(e, 0, (size_t)(tl->fingerprints.data - tile),
                          "a chain of %zu bytes, more than extra_data can hold", chain_len);
    if (!cg_grow((void **)&tc->extra, &tc->extra_cap, need, 1))
        return 0;
    uint8_t *p = tc->extra;
    if (tl->entry.entry_type == CG_CT_PRECERT_ENTRY) {
        p = put_u24(p, pre_len);
        memcpy(p, tl->pre_certificate.data, pre_len);
        p += pre_len;
    }
    p = put_u24(p, chain_len);
    for (size_t i = 0; i < n_fp; i++) {
        const issuer *is = issuer_get(tc, tl->fingerprints.data + 32 * i);
        p = put_u24(p, is->len);
        memcpy(p, is->der, is->len);
        p += is->len;
    }
    e->extra = tc->extra;
    e->extra_len = (size_t)(p - tc->extra);

    e->chain_ok = e->ok && cg_ct_extra_parse(e->entry.entry_type, e->extra, e->extra_len,
                                             &e->chain, &e->chain_err);
    return 1;
}

/* ---- data tiles through the window (fetch.h) ---- */

/* Where a tile's entries are in its body. */
typedef struct tile_answer {
    uint64_t n;     /* tile index */
    unsigned width; /* entries in the tile fetched */
    uint32_t at[CG_TILE_WIDTH];
} tile_answer;

static void tile_url(cg_tileclient *tc, cg_fetch_xfer *x, uint64_t n, unsigned width)
{
    char path[CG_TILE_PATH_MAX];
    cg_tile_path(-1, n, width, path);
    snprintf(x->url, sizeof(x->url), "%s/%s", tc->net.base, path);
    x->allow_404 = width < CG_TILE_WIDTH;
}

static unsigned tile_width(const cg_tileclient *tc, uint64_t n)
{
    uint64_t tile_end = (n + 1) * CG_TILE_WIDTH;
    return tile_end <= tc->tree_size ? CG_TILE_WIDTH
                                     : (unsigned)(tc->tree_size - n * CG_TILE_WIDTH);
}

static void tiles_prepare(void *arg, const cg_wreq *q, cg_fetch_xfer *x)
{
    cg_tileclient *tc = arg;
    uint64_t n = q->start / CG_TILE_WIDTH;
    tile_url(tc, x, n, tile_width(tc, n));
}

static cg_log_status tiles_answer(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t *got,
                                  int *again, char *why, size_t whycap)
{
    cg_tileclient *tc = arg;
    tile_answer *a = x->proto;
    uint64_t n = q->start / CG_TILE_WIDTH;
    unsigned width = tile_width(tc, n);
    *again = 0;
    if (x->code == 404) {
        /* A partial tile the log no longer serves: its full tile. */
        tile_url(tc, x, n, CG_TILE_WIDTH);
        *again = 1;
        return CG_LOG_OK;
    }
    if (strstr(x->url, ".p/") == NULL)
        width = CG_TILE_WIDTH;
    if (a == NULL && (a = x->proto = malloc(sizeof(*a))) == NULL)
        return CG_LOG_NOMEM;
    a->n = n;
    a->width = width;
    cg_log_status st =
        check_tile(tc, x->url, x->body, x->len, n, width, q->start, q->end, a->at, why, whycap);
    if (st != CG_LOG_OK)
        return st;
    *got = q->end - q->start;
    return CG_LOG_OK;
}

/* The issuers the tiles' entries name, once each for the run, before the
 * entries are built. */
static cg_log_status tiles_ready(void *arg, const cg_wreq *q, cg_fetch_xfer *x, char *why,
                                 size_t whycap)
{
    cg_tileclient *tc = arg;
    (void)q;
    (void)x;
    if (!issuers_pending(tc))
        return CG_LOG_OK;
    cg_http_req *ir = calloc(64, sizeof(*ir));
    if (ir == NULL)
        return CG_LOG_NOMEM;
    cg_log_status st = fetch_issuers(tc, ir, why, whycap);
    for (size_t i = 0; i < 64; i++)
        cg_http_req_free(&ir[i]);
    free(ir);
    return st;
}

static cg_log_status tiles_entry(void *arg, const cg_wreq *q, cg_fetch_xfer *x, uint64_t i,
                                 cg_log_entry *e)
{
    cg_tileclient *tc = arg;
    const tile_answer *a = x->proto;
    uint64_t index = q->start + i;
    size_t off = a->at[index - a->n * CG_TILE_WIDTH];
    cg_ct_tile_leaf tl;
    cg_der_error err;
    cg_cbs in;
    cg_cbs_init(&in, x->body + off, x->len - off);
    if (!cg_ct_tile_leaf_next(&in, &tl, x->body, &err))
        return CG_LOG_BAD_ANSWER; /* check_tile read it: cannot happen */
    return build_entry(tc, &tl, x->body, index, e) ? CG_LOG_OK : CG_LOG_NOMEM;
}

static void tiles_release(void *arg, cg_fetch_xfer *x)
{
    (void)arg;
    free(x->proto);
    x->proto = NULL;
}

static const cg_fetch_proto tiles_proto = {tiles_prepare, tiles_answer, tiles_ready, tiles_entry,
                                           tiles_release};

static void proof_ahead(cg_tileclient *tc, uint64_t size1, uint64_t size2);

cg_log_status cg_tileclient_scan(cg_tileclient *tc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                 uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                 char *why, size_t whycap)
{
    uint64_t size = sth ? sth->tree_size : end;
    if (end > size) {
        cg_errf(why, whycap, "%s: entries up to %" PRIu64 " asked of a tree of %" PRIu64,
                tc->net.base, end, size);
        return CG_LOG_BAD_ANSWER;
    }
    if (size != tc->tree_size) {
        /* A new tree: its last tile may be wider, start over. */
        cg_fetch_reset(tc->net.fx);
        tc->tree_size = size;
    }
    /* A range read again (rolled back, or another worker's): its proof is
     * made of tiles read from now on, as after a new checkpoint. */
    if (tc->scanned && f->size != tc->scan_end)
        hash_tiles_forget(tc);
    tc->scan++;
    if (sth != NULL)
        proof_ahead(tc, end, size);
    cg_log_status st =
        cg_fetch_client_scan(&tc->net, h, f, end, size, sth, fn, arg, "checkpoint", why, whycap);
    tc->scan_end = f->size;
    tc->scanned = 1;
    return st;
}

/* ---- proofs from hash tiles ---- */

/* The hash tiles a proof or a right edge needs, read as a tree of `size`
 * leaves has them. The same walk runs twice: first noting the tiles
 * (collect), then, once they are fetched, hashing. */
typedef struct tile_key {
    unsigned level;
    uint64_t n;
    unsigned width;
} tile_key;

typedef struct proof_ctx {
    cg_tileclient *tc;
    cg_merkle_hasher *h;
    uint64_t size;
    int collect;
    tile_key *keys;
    cg_http_req *r;
    size_t n, cap;
    int oom;
} proof_ctx;

/* Hash of the perfect subtree of 2^height leaves at index << height: the
 * MTH of 2^(height mod 8) consecutive hashes of one tile of level
 * height / 8. */
static int node_hash(proof_ctx *c, unsigned height, uint64_t index, uint8_t out[32])
{
    unsigned level = height / 8, r = height % 8, cnt = 1u << r;
    uint64_t first = index << r, tn = first / CG_TILE_WIDTH;
    unsigned pos = (unsigned)(first % CG_TILE_WIDTH);
    uint64_t have = c->size >> (8 * level);
    size_t k = 0;
    while (k < c->n && (c->keys[k].level != level || c->keys[k].n != tn))
        k++;
    if (c->collect) {
        memset(out, 0, 32);
        if (k < c->n)
            return 1;
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            tile_key *nk = realloc(c->keys, cap * sizeof(*nk));
            if (!nk) {
                c->oom = 1;
                return 0;
            }
            c->keys = nk;
            c->cap = cap;
        }
        c->keys[c->n].level = level;
        c->keys[c->n].n = tn;
        c->keys[c->n].width = have - tn * CG_TILE_WIDTH >= CG_TILE_WIDTH
                                  ? CG_TILE_WIDTH
                                  : (unsigned)(have - tn * CG_TILE_WIDTH);
        c->n++;
        return 1;
    }
    if (k == c->n || pos + cnt > c->r[k].len / 32)
        return 0; /* the fetch step checked the widths: cannot happen */
    if (!cg_merkle_root(c->h, c->r[k].body + (size_t)pos * 32, cnt, out)) {
        c->oom = 1;
        return 0;
    }
    return 1;
}

/* MTH(D[a:b]) for a range whose start is a multiple of a power of two at
 * least b - a (every range of the RFC 6962 tree is): its perfect subtrees
 * largest first, folded from the right. */
static int range_hash(proof_ctx *c, uint64_t a, uint64_t b, uint8_t out[32])
{
    uint8_t nodes[CG_MERKLE_MAX_HEIGHT][32];
    size_t n = 0;
    uint64_t p = a;
    while (p < b) {
        unsigned k = 63;
        while (k > 0 && (((uint64_t)1 << k) > b - p || (p & (((uint64_t)1 << k) - 1)) != 0))
            k--;
        if (n == CG_MERKLE_MAX_HEIGHT || !node_hash(c, k, p >> k, nodes[n]))
            return 0;
        n++;
        p += (uint64_t)1 << k;
    }
    if (n == 0)
        return 0;
    memcpy(out, nodes[n - 1], 32);
    for (size_t i = n - 1; i-- > 0;) {
        if (!c->collect && !cg_merkle_node_hash(c->h, nodes[i], out, out)) {
            c->oom = 1;
            return 0;
        }
    }
    return 1;
}

/* RFC 6962 §2.1.2 SUBPROOF(m, D[start:start+n], b), appended to proof. */
static int subproof(proof_ctx *c, uint64_t m, uint64_t start, uint64_t n, int b, uint8_t *proof,
                    size_t *cnt)
{
    if (m == n) {
        if (b)
            return 1;
        if (*cnt == CG_MERKLE_MAX_PROOF)
            return 0;
        return range_hash(c, start, start + n, proof + 32 * (*cnt)++);
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    if (m <= k) {
        if (!subproof(c, m, start, k, b, proof, cnt))
            return 0;
        if (*cnt == CG_MERKLE_MAX_PROOF)
            return 0;
        return range_hash(c, start + k, start + n, proof + 32 * (*cnt)++);
    }
    if (!subproof(c, m - k, start + k, n - k, 0, proof, cnt) || *cnt == CG_MERKLE_MAX_PROOF)
        return 0;
    return range_hash(c, start, start + k, proof + 32 * (*cnt)++);
}

/* ---- hash tiles kept and asked for ---- */

static void hash_tiles_forget(cg_tileclient *tc)
{
    for (size_t i = 0; i < tc->n_kept; i++)
        free(tc->kept[i].body);
    tc->n_kept = 0;
    for (size_t i = 0; tc->net.fx != NULL && i < tc->n_asking; i++)
        cg_fetch_aux_free(tc->net.fx, tc->asking[i]);
    tc->n_asking = 0;
    tc->ahead_from = tc->ahead_to = 0;
}

/* The kept tile holding t: the same tile at least as wide (a partial tile
 * is the start of every wider one). */
static const hash_tile *kept_find(const cg_tileclient *tc, const tile_key *t)
{
    for (size_t i = 0; i < tc->n_kept; i++) {
        const hash_tile *k = &tc->kept[i];
        if (k->level == t->level && k->n == t->n && k->width >= t->width)
            return k;
    }
    return NULL;
}

/* Index of the transfer asking for url; n_asking when none. */
static size_t asking_find(const cg_tileclient *tc, const char *url)
{
    size_t i = 0;
    while (i < tc->n_asking && strcmp(tc->asking[i]->url, url) != 0)
        i++;
    return i;
}

static void hash_tile_url(const cg_tileclient *tc, const tile_key *t, char *url, size_t cap)
{
    char path[CG_TILE_PATH_MAX];
    cg_tile_path((int)t->level, t->n, t->width, path);
    snprintf(url, cap, "%s/%s", tc->net.base, path);
}

/* Starts the request of t at url unless it is kept or asked for already
 * (or no room is left: it is then fetched when needed). */
static void ask_tile(cg_tileclient *tc, const tile_key *t, const char *url)
{
    if (kept_find(tc, t) != NULL || asking_find(tc, url) < tc->n_asking ||
        tc->n_asking == MAX_ASKING_TILES)
        return;
    cg_fetch_xfer *x = cg_fetch_aux(tc->net.fx, url, 0, t->width < CG_TILE_WIDTH);
    if (x != NULL)
        tc->asking[tc->n_asking++] = x;
}

/* c->r[i] (its URL set) from the kept tile, else from the transfer asking
 * for it (waited for while it runs), else (none, or it failed) fetched
 * now. */
static cg_log_status take_tile(proof_ctx *c, size_t i, char *why, size_t whycap)
{
    cg_tileclient *tc = c->tc;
    cg_http_req *r = &c->r[i];
    const hash_tile *k = kept_find(tc, &c->keys[i]);
    if (k != NULL) {
        size_t len = (size_t)c->keys[i].width * 32;
        uint8_t *b = malloc(len);
        if (b == NULL)
            return CG_LOG_NOMEM;
        memcpy(b, k->body, len);
        free(r->body);
        r->body = b;
        r->len = r->cap = len;
        r->code = 200;
        return CG_LOG_OK;
    }
    size_t j = asking_find(tc, r->url);
    if (j == tc->n_asking)
        return cg_fetch_get(tc->net.fx, r, 1, why, whycap);
    cg_fetch_xfer *x = tc->asking[j];
    tc->asking[j] = tc->asking[--tc->n_asking];
    cg_log_status st = cg_fetch_aux_wait(tc->net.fx, x, NULL, 0);
    if (st == CG_LOG_OK)
        cg_fetch_aux_take(x, r);
    cg_fetch_aux_free(tc->net.fx, x);
    return st == CG_LOG_OK ? st : cg_fetch_get(tc->net.fx, r, 1, why, whycap);
}

/* The noted tiles into c->r: the kept ones copied, the others all asked at
 * once (those asked ahead already are waited for, not asked again); a
 * partial tile that is gone is read as its full tile. Each must be exactly
 * its width. */
static cg_log_status fetch_hash_tiles(proof_ctx *c, char *why, size_t whycap)
{
    cg_tileclient *tc = c->tc;
    c->r = calloc(c->n ? c->n : 1, sizeof(*c->r));
    if (!c->r)
        return CG_LOG_NOMEM;
    for (size_t i = 0; i < c->n; i++) {
        hash_tile_url(tc, &c->keys[i], c->r[i].url, sizeof(c->r[i].url));
        c->r[i].allow_404 = c->keys[i].width < CG_TILE_WIDTH;
        c->r[i].aux = 1; /* to take */
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->n; i++) {
            if (c->r[i].aux)
                ask_tile(tc, &c->keys[i], c->r[i].url);
        }
        for (size_t i = 0; i < c->n; i++) {
            if (!c->r[i].aux)
                continue;
            cg_log_status st = take_tile(c, i, why, whycap);
            if (st != CG_LOG_OK)
                return st;
            c->r[i].aux = 0;
        }
        /* the partial tiles gone: their full tiles, all at once */
        for (size_t i = 0; i < c->n; i++) {
            if (c->r[i].code != 404)
                continue;
            c->keys[i].width = CG_TILE_WIDTH;
            hash_tile_url(tc, &c->keys[i], c->r[i].url, sizeof(c->r[i].url));
            c->r[i].allow_404 = 0;
            c->r[i].code = 0;
            c->r[i].aux = 1;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->r[i].len != (size_t)c->keys[i].width * 32) {
            cg_errf(why, whycap, "%s: %zu bytes, a tile of %u hashes is %u", c->r[i].url,
                    c->r[i].len, c->keys[i].width, c->keys[i].width * 32);
            return CG_LOG_BAD_ANSWER;
        }
    }
    return CG_LOG_OK;
}

/* The tiles c was made of become the ones kept (those kept before, for
 * older proofs, are dropped). */
static void keep_hash_tiles(proof_ctx *c)
{
    cg_tileclient *tc = c->tc;
    for (size_t i = 0; i < tc->n_kept; i++)
        free(tc->kept[i].body);
    tc->n_kept = 0;
    for (size_t i = 0; i < c->n && tc->n_kept < MAX_KEPT_TILES; i++) {
        hash_tile *k = &tc->kept[tc->n_kept++];
        k->level = c->keys[i].level;
        k->n = c->keys[i].n;
        k->width = c->keys[i].width;
        k->body = c->r[i].body;
        c->r[i].body = NULL;
    }
}

static void proof_ctx_free(proof_ctx *c)
{
    for (size_t i = 0; c->r && i < c->n; i++)
        cg_http_req_free(&c->r[i]);
    free(c->r);
    free(c->keys);
}

/* Asks ahead for the hash tiles of PROOF(size1, size2) not kept: the
 * consistency proof the monitor will want at the end of the range being
 * read. A tile asked ahead for another proof and not needed by this one is
 * dropped. */
static void proof_ahead(cg_tileclient *tc, uint64_t size1, uint64_t size2)
{
    proof_ctx c;
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    size_t n = 0;
    if (size1 == 0 || size1 >= size2 || (tc->ahead_from == size1 && tc->ahead_to == size2))
        return;
    tc->ahead_from = size1;
    tc->ahead_to = size2;
    memset(&c, 0, sizeof(c));
    c.tc = tc;
    c.size = size2;
    c.collect = 1;
    if (subproof(&c, size1, 0, size2, 1, proof, &n)) {
        char url[2048];
        for (size_t j = 0; j < tc->n_asking;) {
            size_t i = 0;
            for (; i < c.n; i++) {
                hash_tile_url(tc, &c.keys[i], url, sizeof(url));
                if (strcmp(url, tc->asking[j]->url) == 0)
                    break;
            }
            if (i < c.n) {
                j++;
                continue;
            }
            cg_fetch_aux_free(tc->net.fx, tc->asking[j]);
            tc->asking[j] = tc->asking[--tc->n_asking];
        }
        for (size_t i = 0; i < c.n; i++) {
            hash_tile_url(tc, &c.keys[i], url, sizeof(url));
            ask_tile(tc, &c.keys[i], url);
        }
    }
    free(c.keys);
}

cg_log_status cg_tileclient_get_consistency(cg_tileclient *tc, cg_merkle_hasher *h, uint64_t size1,
                                            uint64_t size2, uint8_t *proof, size_t *n, char *why,
                                            size_t whycap)
{
    proof_ctx c;
    cg_log_status st;
    *n = 0;
    if (size1 > size2) {
        cg_errf(why, whycap, "%s: a consistency proof from %" PRIu64 " to the smaller %" PRIu64,
                tc->net.base, size1, size2);
        return CG_LOG_BAD_ANSWER;
    }
    if (size1 == 0 || size1 == size2)
        return CG_LOG_OK; /* the empty proof */
    memset(&c, 0, sizeof(c));
    c.tc = tc;
    c.h = h;
    c.size = size2;
    c.collect = 1;
    if (!subproof(&c, size1, 0, size2, 1, proof, n)) {
        st = c.oom ? CG_LOG_NOMEM : CG_LOG_BAD_ANSWER;
        goto out;
    }
    st = fetch_hash_tiles(&c, why, whycap);
    if (st != CG_LOG_OK)
        goto out;
    c.collect = 0;
    *n = 0;
    if (!subproof(&c, size1, 0, size2, 1, proof, n))
        st = c.oom ? CG_LOG_NOMEM : CG_LOG_BAD_ANSWER;
    else
        keep_hash_tiles(&c); /* for the next range's proof */
out:
    if (st != CG_LOG_OK)
        *n = 0;
    proof_ctx_free(&c);
    return st;
}

cg_log_status cg_tileclient_frontier_at(cg_tileclient *tc, cg_merkle_hasher *h, const cg_sth *sth,
                                        cg_merkle_frontier *f, char *why, size_t whycap)
{
    proof_ctx c;
    uint8_t hashes[CG_MERKLE_MAX_HEIGHT][32], root[32];
    size_t k = 0;
    cg_log_status st;
    if (sth->tree_size == 0) {
        cg_merkle_frontier_init(f);
        return CG_LOG_OK;
    }
    memset(&c, 0, sizeof(c));
    c.tc = tc;
    c.h = h;
    c.size = sth->tree_size;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t off = 0;
        c.collect = pass == 0;
        k = 0;
        for (int bit = 63; bit >= 0; bit--) {
            uint64_t sz = (uint64_t)1 << bit;
            if (!(sth->tree_size & sz))
                continue;
            if (!node_hash(&c, (unsigned)bit, off >> bit, hashes[k++])) {
                st = c.oom ? CG_LOG_NOMEM : CG_LOG_BAD_ANSWER;
                goto out;
            }
            off += sz;
        }
        if (pass == 0) {
            st = fetch_hash_tiles(&c, why, whycap);
            if (st != CG_LOG_OK)
                goto out;
        }
    }
    cg_merkle_frontier tmp;
    cg_merkle_frontier_init(&tmp);
    st = CG_LOG_NOMEM;
    if (!cg_merkle_frontier_set(&tmp, sth->tree_size, &hashes[0][0], k) ||
        !cg_merkle_frontier_root(h, &tmp, root))
        goto out;
    if (memcmp(root, sth->root, 32) != 0) {
        cg_errf(why, whycap,
                "the tiles of %s do not hash to the root of its checkpoint of size %" PRIu64,
                tc->net.base, sth->tree_size);
        st = CG_LOG_MERKLE;
        hash_tiles_forget(tc);
        goto out;
    }
    keep_hash_tiles(&c);
    *f = tmp;
    st = CG_LOG_OK;
out:
    proof_ctx_free(&c);
    return st;
}
