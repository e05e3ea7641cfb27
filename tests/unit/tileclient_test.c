/* monitor/tileclient: checkpoint, data tiles and issuers against the unit
 * tests' HTTP server (httpd_harness.h) answering as a static-ct-api log
 * built here: full and partial tiles, gzip, partial tiles deleted once
 * the full tile exists, issuers missing or serving the wrong bytes, a
 * wrong leaf_index, a tampered entry, a truncated tile, checkpoints signed
 * with the wrong key or by another key only, 429 with Retry-After and a
 * 500. The entries the client hands over are compared byte for byte with
 * the MerkleTreeLeaf and extra_data that get-entries would serve. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "httpd_harness.h"
#include "monitor/tileclient.h"
#include "testutil.h"

#define N_ENTRIES 800  /* three full tiles and a partial one of 32 */
#define MISSING_AT 41  /* names an issuer the log does not serve */
#define BADINDEX_AT 77 /* its leaf_index extension says 78 */
#define N_ISSUERS 3    /* the last is not served */
#define ORIGIN "example.test/log"

typedef struct server {
    cg_test_httpd httpd;
    /* the log */
    uint8_t *tiles; /* every TileLeaf, in order */
    size_t off[N_ENTRIES + 1];
    uint8_t *leaf[N_ENTRIES]; /* MerkleTreeLeaf as get-entries serves it */
    size_t leaf_len[N_ENTRIES];
    uint8_t *extra[N_ENTRIES]; /* extra_data */
    size_t extra_len[N_ENTRIES];
    uint8_t issuer[N_ISSUERS][300];
    uint8_t fp[N_ISSUERS][32];
    cg_merkle_tree *tree;
    cg_merkle_tree *htree; /* when set, hash tiles come from it (a larger tree) */
    EVP_PKEY *key, *wrong;
    /* behaviour */
    uint64_t cp_size;  /* the checkpoint's tree size */
    int cp_mode;       /* 0 good, 1 wrong key, 2 only another key's line, 3 garbage */
    int gzip;          /* gzip every answer when the client accepts gzip */
    int gz_req;        /* the request being answered gets gzip (server thread) */
    int no_partials;   /* 404 for partial tiles */
    int bad_issuer;    /* serve issuer 0 with a byte changed */
    int tamper;        /* entry served with another timestamp, or -1 */
    int truncate_tile; /* tile cut short, or -1 */
    unsigned every_429;
    int fail_500_once;
    /* bit n: data tile n written only once the client has asked for
     * something behind it (the bit then cleared) */
    atomic_uint hold_tiles;
    char tamper_hash[64]; /* hash tiles whose path starts so: a hash changed ("": none) */
    /* what it saw */
    unsigned requests, answered_429, issuer_requests, gzipped, not_found, hash_tiles;
    /* requests of each hash tile path */
    char ht_path[64][64];
    unsigned ht_asked[64], n_ht_paths;
    char last_tiles[8][64];
    unsigned n_tiles;
} server;

/* ---- a gzip member of stored deflate blocks (RFC 1952, RFC 1951 §3.2.4) ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static uint8_t *gzip_stored(const uint8_t *in, size_t n, size_t *out_len)
{
    size_t blocks = n / 65535 + 1;
    uint8_t *out = malloc(10 + n + blocks * 5 + 8), *p = out;
    static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    memcpy(p, hdr, 10);
    p += 10;
    size_t done = 0;
    do {
        size_t len = n - done > 65535 ? 65535 : n - done;
        *p++ = done + len == n ? 1 : 0; /* BFINAL, BTYPE 00 */
        *p++ = (uint8_t)len;
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)~len;
        *p++ = (uint8_t)(~len >> 8);
        memcpy(p, in + done, len);
        p += len;
        done += len;
    } while (done < n);
    uint32_t crc = crc32_of(in, n), size = (uint32_t)n;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(size >> (8 * i));
    *out_len = (size_t)(p - out);
    return out;
}

/* ---- HTTP ---- */

static void respond(server *s, int c, int code, const char *extra_hdr, const uint8_t *body,
                    size_t len, int gz)
{
    char hdr[512];
    uint8_t *z = NULL;
    if (gz && code == 200) {
        z = gzip_stored(body, len, &len);
        body = z;
        s->gzipped++;
    }
    snprintf(hdr, sizeof(hdr), "%s%s", z ? "Content-Encoding: gzip\r\n" : "", extra_hdr);
    cg_test_httpd_reply(c, code, hdr, body, len);
    free(z);
}

/* "<N>[.p/<W>]" in x-prefixed 3-digit elements, read independently of the
 * client's writer. */
static int parse_index(const char *p, uint64_t *n, unsigned *w)
{
    *n = 0;
    for (;;) {
        int x = *p == 'x';
        p += x;
        for (int i = 0; i < 3; i++, p++) {
            if (*p < '0' || *p > '9')
                return 0;
            *n = *n * 10 + (uint64_t)(*p - '0');
        }
        if (!x)
            break;
        if (*p++ != '/')
            return 0;
    }
    *w = 256;
    if (*p == '\0')
        return 1;
    return sscanf(p, ".p/%u", w) == 1 && *w > 0 && *w < 256;
}

static void checkpoint(server *s, int c)
{
    cg_sth sth;
    char note[4096];
    size_t len = 0;
    uint8_t id[32];
    memset(&sth, 0, sizeof(sth));
    sth.tree_size = s->cp_size;
    sth.timestamp = 1700000100000;
    CHECK(cg_merkle_tree_range(s->tree, 0, s->cp_size, sth.root));
    CHECK(cg_sth_sign(&sth, s->cp_mode == 1 ? s->wrong : s->key));
    CHECK(cg_ct_log_id(s->cp_mode == 2 ? s->wrong : s->key, id));
    CHECK(cg_checkpoint_write(&sth, ORIGIN, id, note, sizeof(note), &len));
    if (s->cp_mode == 3)
        len = (size_t)snprintf(note, sizeof(note), "not a checkpoint\n");
    respond(s, c, 200, "", (const uint8_t *)note, len, s->gz_req);
}

static void data_tile(server *s, int c, const char *path)
{
    uint64_t n;
    unsigned w;
    if (!parse_index(path, &n, &w) || n * 256 + w > N_ENTRIES || (w < 256 && s->no_partials)) {
        s->not_found++;
        respond(s, c, 404, "", (const uint8_t *)"no", 2, 0);
        return;
    }
    size_t a = s->off[n * 256], b = s->off[n * 256 + w];
    uint8_t *buf = malloc(b - a);
    memcpy(buf, s->tiles + a, b - a);
    if (s->tamper >= 0 && (uint64_t)s->tamper >= n * 256 && (uint64_t)s->tamper < n * 256 + w)
        buf[s->off[s->tamper] - a + 7] ^= 1; /* the timestamp's last byte */
    if (s->truncate_tile >= 0 && (uint64_t)s->truncate_tile == n)
        b = a + (b - a) / 2;
    /* (once the client has asked for something else while this tile is in
     * flight, it must read the tile while it waits for that) */
    unsigned bit = n < 32 ? 1u << n : 0;
    if ((atomic_fetch_and(&s->hold_tiles, ~bit) & bit) != 0)
        cg_test_httpd_next_waiting(&s->httpd, 1000);
    respond(s, c, 200, "", buf, b - a, s->gz_req);
    free(buf);
}

/* tile/<L>/<N>[.p/<W>]: any tile whose hashes exist (as caguard-testlog). */
static void hash_tile(server *s, int c, const char *path)
{
    cg_merkle_tree *t = s->htree ? s->htree : s->tree;
    uint64_t n;
    unsigned w, level = (unsigned)(path[0] - '0');
    if (path[0] < '0' || path[0] > '5' || path[1] != '/' || !parse_index(path + 2, &n, &w) ||
        n * 256 + w > cg_merkle_tree_size(t) >> (8 * level) || (w < 256 && s->no_partials)) {
        s->not_found++;
        respond(s, c, 404, "", (const uint8_t *)"no", 2, 0);
        return;
    }
    uint8_t *buf = malloc((size_t)w * 32);
    for (unsigned i = 0; i < w; i++)
        CHECK(cg_merkle_tree_node(t, 8 * level, n * 256 + i, buf + 32 * i));
    if (s->tamper_hash[0] != '\0' &&
        strncmp(path - 6, s->tamper_hash, strlen(s->tamper_hash)) == 0)
        buf[0] ^= 1;
    s->hash_tiles++;
    respond(s, c, 200, "", buf, (size_t)w * 32, s->gz_req);
    free(buf);
}

static void issuer(server *s, int c, const char *h)
{
    s->issuer_requests++;
    for (int i = 0; i < N_ISSUERS - 1; i++) {
        char hex[65];
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", s->fp[i][k]);
        if (strcmp(h, hex) != 0)
            continue;
        uint8_t copy[300];
        memcpy(copy, s->issuer[i], sizeof(copy));
        if (i == 0 && s->bad_issuer)
            copy[100] ^= 1;
        respond(s, c, 200, "", copy, sizeof(copy), s->gz_req);
        return;
    }
    respond(s, c, 404, "", (const uint8_t *)"no", 2, 0);
}

/* The fake log's answer to one request (httpd_harness.h). */
static void handle(void *arg, int c, const cg_test_request *rq)
{
    server *s = arg;
    const char *req = rq->head, *path = rq->path;
    s->requests++;
    const char *ae = strstr(req, "Accept-Encoding:");
    /* never written here: the test thread sets s->gzip between scans,
     * maybe while the last answer of a scan is still being written */
    s->gz_req = s->gzip && ae && strstr(ae, "gzip") != NULL;
    if (path[0] == '\0') {
        respond(s, c, 400, "", (const uint8_t *)"?", 1, 0);
    } else if (s->every_429 && s->requests % s->every_429 == 0) {
        s->answered_429++;
        respond(s, c, 429, "Retry-After: 0\r\n", (const uint8_t *)"{}", 2, 0);
    } else if (s->fail_500_once) {
        s->fail_500_once = 0;
        respond(s, c, 500, "", (const uint8_t *)"{}", 2, 0);
    } else if (strcmp(path, "/checkpoint") == 0) {
        checkpoint(s, c);
    } else if (strncmp(path, "/tile/data/", 11) == 0) {
        snprintf(s->last_tiles[s->n_tiles++ % 8], 64, "%.63s", path);
        data_tile(s, c, path + 11);
    } else if (strncmp(path, "/tile/", 6) == 0) {
        unsigned k = 0;
        while (k < s->n_ht_paths && strcmp(s->ht_path[k], path) != 0)
            k++;
        if (k == s->n_ht_paths && k < 64)
            snprintf(s->ht_path[s->n_ht_paths++], 64, "%.63s", path);
        if (k < 64)
            s->ht_asked[k]++;
        hash_tile(s, c, path + 6);
    } else if (strncmp(path, "/issuer/", 8) == 0) {
        issuer(s, c, path + 8);
    } else {
        respond(s, c, 404, "", (const uint8_t *)"no", 2, 0);
    }
}

/* ---- the log ---- */

static void build_log(server *s)
{
    size_t cap = N_ENTRIES * 1200, len = 0;
    s->tiles = malloc(cap);
    s->tree = cg_merkle_tree_new();
    for (int i = 0; i < N_ISSUERS; i++) {
        memset(s->issuer[i], 0x40 + i, sizeof(s->issuer[i]));
        CHECK(EVP_Digest(s->issuer[i], sizeof(s->issuer[i]), s->fp[i], NULL, EVP_sha256(), NULL));
    }
    for (int i = 0; i < N_ENTRIES; i++) {
        uint8_t body[200], ikh[32], pre[150], te[400], ext[8], fps[64];
        size_t te_len = 0, n_fp = 0, lo = 0;
        cg_cbs chain[2];
        int precert = i % 3 == 1;
        memset(body, i & 0xff, sizeof(body));
        memset(ikh, 0x11, sizeof(ikh));
        memset(pre, 0x22 + (i & 0x3f), sizeof(pre));
        CHECK(cg_ct_leaf_index_ext_write(i == BADINDEX_AT ? (uint64_t)i + 1 : (uint64_t)i, ext));
        /* chains: none, [0], [1, 0]; MISSING_AT names the unserved one */
        int shape = i % 4 == 3 ? 0 : i % 2 ? 2 : 1;
        if (i == MISSING_AT)
            shape = 3;
        if (shape == 1 || shape == 2) {
            int first = shape == 2 ? 1 : 0;
            memcpy(fps, s->fp[first], 32);
            chain[0] = (cg_cbs){s->issuer[first], sizeof(s->issuer[first])};
            n_fp = 1;
            if (shape == 2) {
                memcpy(fps + 32, s->fp[0], 32);
                chain[1] = (cg_cbs){s->issuer[0], sizeof(s->issuer[0])};
                n_fp = 2;
            }
        } else if (shape == 3) {
            memcpy(fps, s->fp[2], 32);
            chain[0] = (cg_cbs){s->issuer[2], sizeof(s->issuer[2])};
            n_fp = 1;
        }
        cg_cbb cbb;
        cg_cbb_init_fixed(&cbb, te, sizeof(te));
        CHECK(cg_ct_entry_write(&cbb, 1700000000000 + (uint64_t)i,
                                precert ? CG_CT_PRECERT_ENTRY : CG_CT_X509_ENTRY,
                                precert ? ikh : NULL, body, sizeof(body), ext, sizeof(ext)) &&
              cg_cbb_finish(&cbb, &te_len));
        s->off[i] = len;
        cg_cbb_init_fixed(&cbb, s->tiles + len, cap - len);
        CHECK(cg_ct_tile_leaf_write(&cbb, te, te_len, precert ? pre : NULL, sizeof(pre), fps,
                                    n_fp) &&
              cg_cbb_finish(&cbb, &lo));
        len += lo;
        s->leaf[i] = malloc(te_len + 2);
        cg_cbb_init_fixed(&cbb, s->leaf[i], te_len + 2);
        CHECK(cg_ct_leaf_write(&cbb, te, te_len) && cg_cbb_finish(&cbb, &s->leaf_len[i]));
        s->extra[i] = malloc(1200);
        cg_cbb_init_fixed(&cbb, s->extra[i], 1200);
        CHECK(cg_ct_extra_write(&cbb, precert ? pre : NULL, sizeof(pre), chain, n_fp) &&
              cg_cbb_finish(&cbb, &s->extra_len[i]));
        uint8_t lh[32];
        CHECK(cg_merkle_leaf_hash(NULL, s->leaf[i], s->leaf_len[i], lh));
        CHECK(cg_merkle_tree_append(s->tree, lh));
    }
    s->off[N_ENTRIES] = len;
}

/* ---- what the client delivers ---- */

typedef struct seen {
    server *s;
    uint64_t next;
    int in_order, same_bytes;
    unsigned bad_ok; /* entries ok = 0, with the reasons counted below */
    unsigned missing, wrong_index, wrong_hash, other;
    uint64_t stop_at; /* 0: never */
} seen;

static int on_entry(void *arg, const cg_log_entry *e)
{
    seen *sn = arg;
    server *s = sn->s;
    if (sn->stop_at && e->index == sn->stop_at)
        return 0;
    if (e->index != sn->next)
        sn->in_order = 0;
    sn->next = e->index + 1;
    if (e->index >= N_ENTRIES)
        return 1;
    /* A wrong leaf_index is the leaf's fault; issuers only break the chain,
     * and the leaf is delivered whole with them. */
    if (!e->ok || !e->chain_ok) {
        const char *what = e->ok ? e->chain_err.what : e->err.what;
        sn->bad_ok++;
        if (e->ok && strstr(what, "not served (HTTP 404)") && e->index == MISSING_AT)
            sn->missing++;
        else if (!e->ok && strstr(what, "leaf_index extension says 78") && e->index == BADINDEX_AT)
            sn->wrong_index++;
        else if (e->ok && strstr(what, "hashing to"))
            sn->wrong_hash++;
        else
            sn->other++;
        if (e->ok && (e->leaf_len != s->leaf_len[e->index] ||
                      memcmp(e->leaf, s->leaf[e->index], e->leaf_len) != 0))
            sn->same_bytes = 0;
        return 1;
    }
    if (e->leaf_len != s->leaf_len[e->index] ||
        memcmp(e->leaf, s->leaf[e->index], e->leaf_len) != 0 ||
        e->extra_len != s->extra_len[e->index] ||
        memcmp(e->extra, s->extra[e->index], e->extra_len) != 0)
        sn->same_bytes = 0;
    int precert = e->index % 3 == 1;
    if (e->entry.entry_type != (precert ? CG_CT_PRECERT_ENTRY : CG_CT_X509_ENTRY) ||
        (precert && e->chain.pre_certificate.len != 150) || (!precert && e->entry.cert.len != 200))
        sn->same_bytes = 0;
    return 1;
}

static void seen_init(seen *sn, server *s, uint64_t from)
{
    memset(sn, 0, sizeof(*sn));
    sn->s = s;
    sn->next = from;
    sn->in_order = 1;
    sn->same_bytes = 1;
}

static cg_log_status scan_all(server *s, cg_tileclient *tc, cg_merkle_frontier *f, seen *sn,
                              char *why, size_t whycap)
{
    cg_sth sth;
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, whycap) == CG_LOG_OK);
    CHECK(sth.tree_size == s->cp_size);
    return cg_tileclient_scan(tc, NULL, f, sth.tree_size, &sth, on_entry, sn, why, whycap);
}

static int saw_tile(const server *s, const char *path)
{
    for (unsigned i = 0; i < 8 && i < s->n_tiles; i++) {
        if (strcmp(s->last_tiles[i], path) == 0)
            return 1;
    }
    return 0;
}

static void test_paths(void)
{
    char p[CG_TILE_PATH_MAX];
    /* c2sp.org/tlog-tiles: index 1234067 is x001/x234/067. */
    CHECK(cg_tile_path(0, 1234067, 256, p) && strcmp(p, "tile/0/x001/x234/067") == 0);
    CHECK(cg_tile_path(-1, 0, 256, p) && strcmp(p, "tile/data/000") == 0);
    CHECK(cg_tile_path(-1, 5, 17, p) && strcmp(p, "tile/data/005.p/17") == 0);
    CHECK(cg_tile_path(1, 1000, 256, p) && strcmp(p, "tile/1/x001/000") == 0);
    CHECK(cg_tile_path(2, 999, 1, p) && strcmp(p, "tile/2/999.p/1") == 0);
    CHECK(cg_tile_path(-1, UINT64_MAX, 255, p) &&
          strcmp(p, "tile/data/x018/x446/x744/x073/x709/x551/615.p/255") == 0);
    CHECK(!cg_tile_path(-1, 0, 0, p));
    CHECK(!cg_tile_path(-1, 0, 257, p));
}

/* Consistency proofs and right edges from hash tiles, against the tree's
 * own proofs and roots. */
static void test_proofs(server *s, cg_tileclient *tc)
{
    cg_merkle_tree *t = s->htree ? s->htree : s->tree;
    uint64_t size2 = cg_merkle_tree_size(t);
    static const uint64_t sizes[] = {1,     2,     3,     255,   256,   257,   300,
                                     511,   512,   520,   799,   1000,  65535, 65536,
                                     65537, 66000, 69887, 69888, 69999, 70000, 0};
    char why[512];
    for (size_t i = 0; sizes[i] != 0; i++) {
        uint64_t size1 = sizes[i];
        if (size1 > size2)
            continue;
        uint8_t proof[CG_MERKLE_MAX_PROOF * 32], want[CG_MERKLE_MAX_PROOF * 32];
        uint8_t r1[32], r2[32];
        size_t n = 0, wn = 0;
        CHECK(cg_tileclient_get_consistency(tc, NULL, size1, size2, proof, &n, why, sizeof(why)) ==
              CG_LOG_OK);
        CHECK(cg_merkle_tree_consistency_proof(t, size1, size2, want, CG_MERKLE_MAX_PROOF, &wn));
        CHECK(n == wn && memcmp(proof, want, n * 32) == 0);
        CHECK(cg_merkle_tree_range(t, 0, size1, r1) && cg_merkle_tree_range(t, 0, size2, r2));
        CHECK(
            cg_merkle_verify_consistency(NULL, size1, size2, r1, r2, proof, n, why, sizeof(why)));
    }
    cg_sth sth;
    cg_merkle_frontier f, want;
    memset(&sth, 0, sizeof(sth));
    sth.tree_size = size2;
    CHECK(cg_merkle_tree_range(t, 0, size2, sth.root));
    CHECK(cg_tileclient_frontier_at(tc, NULL, &sth, &f, why, sizeof(why)) == CG_LOG_OK);
    cg_merkle_frontier_init(&want);
    for (uint64_t i = 0; i < size2; i++) {
        uint8_t lh[32];
        CHECK(cg_merkle_tree_node(t, 0, i, lh) && cg_merkle_frontier_append(NULL, &want, lh));
    }
    CHECK(f.size == want.size &&
          memcmp(f.hash, want.hash, (size_t)__builtin_popcountll(f.size) * 32) == 0);
    /* A root the tiles do not lead to: a Merkle mismatch, f unchanged. */
    sth.root[0] ^= 1;
    cg_merkle_frontier_init(&f);
    CHECK(cg_tileclient_frontier_at(tc, NULL, &sth, &f, why, sizeof(why)) == CG_LOG_MERKLE);
    CHECK(f.size == 0);
    size_t n;
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    CHECK(cg_tileclient_get_consistency(tc, NULL, 5, 3, proof, &n, why, sizeof(why)) ==
          CG_LOG_BAD_ANSWER);
    CHECK(cg_tileclient_get_consistency(tc, NULL, 7, 7, proof, &n, why, sizeof(why)) ==
              CG_LOG_OK &&
          n == 0);
}

/* Requests of the hash tile at path so far; of the most asked one when
 * path is NULL. */
static unsigned hash_tile_asked(const server *s, const char *path)
{
    unsigned most = 0;
    for (unsigned k = 0; k < s->n_ht_paths; k++) {
        if (path != NULL && strcmp(s->ht_path[k], path) == 0)
            return s->ht_asked[k];
        if (s->ht_asked[k] > most)
            most = s->ht_asked[k];
    }
    return path != NULL ? 0 : most;
}

static void hash_tiles_reset(server *s)
{
    memset(s->ht_asked, 0, sizeof(s->ht_asked));
    s->n_ht_paths = 0;
}

/* A new client that has read the checkpoint into *sth, the hash tiles'
 * requests counted from then on. */
static cg_tileclient *counted_client(server *s, const char *url, cg_sth *sth)
{
    cg_logclient_opts o = {0};
    char why[512];
    o.backoff_ms = 1;
    o.parallel = 3;
    cg_tileclient *tc = cg_tileclient_new(url, s->key, NULL, &o);
    CHECK(tc != NULL);
    CHECK(cg_tileclient_get_checkpoint(tc, sth, why, sizeof(why)) == CG_LOG_OK);
    hash_tiles_reset(s);
    return tc;
}

/* PROOF(size1, 800) from the client, the tree's own, and whether it
 * verifies against both roots. */
static int proof_verifies(server *s, cg_tileclient *tc, uint64_t size1)
{
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32], r1[32], r2[32];
    size_t n = 0;
    char why[512];
    CHECK(cg_tileclient_get_consistency(tc, NULL, size1, N_ENTRIES, proof, &n, why, sizeof(why)) ==
          CG_LOG_OK);
    CHECK(cg_merkle_tree_range(s->tree, 0, size1, r1) &&
          cg_merkle_tree_range(s->tree, 0, N_ENTRIES, r2));
    return cg_merkle_verify_consistency(NULL, size1, N_ENTRIES, r1, r2, proof, n, why,
                                        sizeof(why));
}

/* A catch-up in ranges as the monitor reads a log (monitor_range.c): each
 * range scanned, then the consistency proof from where it ended to the
 * checkpoint, verified against both roots; one range cut short by the
 * callback where no proof was asked ahead. The proofs' hash tiles are
 * asked ahead when a range starts and kept for the next ranges' proofs:
 * each is asked once in the whole catch-up. */
static void test_ranges(server *s, const char *url)
{
    char why[512];
    cg_sth sth;
    cg_tileclient *tc = counted_client(s, url, &sth);
    cg_merkle_frontier f;
    seen sn;
    unsigned ranges = 0, cut = 0;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, s, 0);
    while (f.size < N_ENTRIES) {
        uint64_t end = f.size + 50 < N_ENTRIES ? f.size + 50 : N_ENTRIES;
        sn.stop_at = f.size == 350 ? 371 : 0;
        cg_log_status st =
            cg_tileclient_scan(tc, NULL, &f, end, &sth, on_entry, &sn, why, sizeof(why));
        if (st == CG_LOG_STOPPED && f.size == 371)
            cut++;
        else
            CHECK(st == CG_LOG_OK && f.size == end);
        if (f.size < N_ENTRIES)
            CHECK(proof_verifies(s, tc, f.size));
        ranges++;
    }
    CHECK(ranges == 17 && cut == 1);
    CHECK(f.size == N_ENTRIES && sn.in_order && sn.same_bytes && sn.bad_ok == 2);
    /* tile/0/000 to 002 (full), 003.p/32 and tile/1/000.p/3, once each */
    CHECK(s->n_ht_paths == 5 && hash_tile_asked(s, NULL) == 1);
    CHECK(hash_tile_asked(s, "/tile/0/003.p/32") == 1 &&
          hash_tile_asked(s, "/tile/1/000.p/3") == 1);
    cg_tileclient_free(tc);
}

/* A hash tile served wrong: the proof made of it does not verify (the
 * caller's check) and a right edge made of it is a Merkle mismatch, as
 * when tiles were not kept. The tiles kept are never those of a failure
 * again: a right edge that failed keeps none, a new checkpoint (the
 * monitor's next round) and a range read again from an earlier position
 * (a rollback) drop them, and the proof is then made of the tile read
 * again, right this time. */
static void test_bad_hash_tile(server *s, const char *url)
{
    char why[512];
    cg_sth sth, at300;
    cg_tileclient *tc = counted_client(s, url, &sth);
    memset(&at300, 0, sizeof(at300));
    at300.tree_size = 300;
    CHECK(cg_merkle_tree_range(s->tree, 0, 300, at300.root));
    cg_merkle_frontier edge;

    /* the right edge at 300: tile/1/000.p/1 and tile/0/001.p/44 */
    snprintf(s->tamper_hash, sizeof(s->tamper_hash), "/tile/0/001");
    CHECK(cg_tileclient_frontier_at(tc, NULL, &at300, &edge, why, sizeof(why)) == CG_LOG_MERKLE);
    s->tamper_hash[0] = '\0';
    CHECK(cg_tileclient_frontier_at(tc, NULL, &at300, &edge, why, sizeof(why)) == CG_LOG_OK);
    CHECK(edge.size == 300 && hash_tile_asked(s, "/tile/0/001.p/44") == 2);

    /* a proof from 300 to 800 (tile/0/001 whole): wrong, then after a new
     * checkpoint right */
    snprintf(s->tamper_hash, sizeof(s->tamper_hash), "/tile/0/001");
    CHECK(!proof_verifies(s, tc, 300));
    s->tamper_hash[0] = '\0';
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_OK);
    CHECK(proof_verifies(s, tc, 300));
    CHECK(hash_tile_asked(s, "/tile/0/001") == 2);

    /* a range [0, 300) whose proof is wrong, read again from 0: right */
    cg_merkle_frontier f;
    seen sn;
    snprintf(s->tamper_hash, sizeof(s->tamper_hash), "/tile/0/001");
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_OK);
    for (int again = 0; again < 2; again++) {
        cg_merkle_frontier_init(&f);
        seen_init(&sn, s, 0);
        CHECK(cg_tileclient_scan(tc, NULL, &f, 300, &sth, on_entry, &sn, why, sizeof(why)) ==
              CG_LOG_OK);
        CHECK(f.size == 300 && sn.in_order && sn.same_bytes);
        CHECK(proof_verifies(s, tc, 300) == again);
        s->tamper_hash[0] = '\0';
    }
    CHECK(hash_tile_asked(s, "/tile/0/001") == 4);
    cg_tileclient_free(tc);
}

/* The requests a client makes while data tiles are in flight (issuers,
 * a checkpoint, hash tiles) against a log that serves a client one
 * connection at a time, in the order they connect (httpd_harness.h
 * hold_ms), a data tile written only once the client has asked for
 * something behind it (hold_tiles): the client must keep reading the tile
 * while it waits, or neither answer ever comes. Short timeouts: a client
 * that stops reading fails in seconds, not minutes. */
static void test_pumped(server *s, const char *url)
{
    cg_logclient_opts o = {0};
    char why[512];
    cg_sth sth;
    o.backoff_ms = 1;
    o.parallel = 2;
    o.max_retries = 1;
    o.timeout_ms = 3000;
    o.connect_timeout_ms = 3000;
    atomic_store(&s->httpd.hold_ms, 10000);
    atomic_store(&s->hold_tiles, 1u << 1);

    /* A fresh client: delivering tile 0 needs its issuers, asked while
     * tile 1 is in flight. */
    cg_tileclient *tc = cg_tileclient_new(url, s->key, NULL, &o);
    cg_merkle_frontier f;
    seen sn;
    CHECK(tc != NULL);
    cg_merkle_frontier_init(&f);
    seen_init(&sn, s, 0);
    s->issuer_requests = 0;
    CHECK(scan_all(s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.in_order && sn.same_bytes && sn.bad_ok == 2);
    CHECK(s->issuer_requests == N_ISSUERS);
    cg_tileclient_free(tc);

    /* A client with the issuers cached (a scan by the server as usual):
     * a range read from 256 up to 512 of 800 (none of whose entries names
     * an issuer not cached) leaves tiles in flight; then a checkpoint, a
     * consistency proof the client did not ask ahead, a right edge; then
     * the rest of the log. */
    atomic_store(&s->httpd.hold_ms, 0);
    tc = cg_tileclient_new(url, s->key, NULL, &o);
    CHECK(tc != NULL);
    cg_merkle_frontier_init(&f);
    seen_init(&sn, s, 0);
    CHECK(scan_all(s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    atomic_store(&s->httpd.hold_ms, 10000);
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_OK);
    for (int what = 0; what < 3; what++) {
        cg_merkle_frontier_init(&f);
        for (uint64_t i = 0; i < 256; i++) {
            uint8_t lh[32];
            CHECK(cg_merkle_tree_node(s->tree, 0, i, lh) &&
                  cg_merkle_frontier_append(NULL, &f, lh));
        }
        seen_init(&sn, s, 256);
        s->issuer_requests = 0;
        /* tile 2, or 3 if the window asks for it before the range ends */
        atomic_store(&s->hold_tiles, 1u << 2 | 1u << 3);
        CHECK(cg_tileclient_scan(tc, NULL, &f, 512, &sth, on_entry, &sn, why, sizeof(why)) ==
              CG_LOG_OK);
        CHECK(f.size == 512 && s->issuer_requests == 0);
        if (what == 0) {
            cg_sth again;
            CHECK(cg_tileclient_get_checkpoint(tc, &again, why, sizeof(why)) == CG_LOG_OK);
            CHECK(again.tree_size == N_ENTRIES);
        } else if (what == 1) {
            uint8_t proof[CG_MERKLE_MAX_PROOF * 32], want[CG_MERKLE_MAX_PROOF * 32];
            size_t n = 0, wn = 0;
            CHECK(cg_tileclient_get_consistency(tc, NULL, 100, N_ENTRIES, proof, &n, why,
                                                sizeof(why)) == CG_LOG_OK);
            CHECK(cg_merkle_tree_consistency_proof(s->tree, 100, N_ENTRIES, want,
                                                   CG_MERKLE_MAX_PROOF, &wn));
            CHECK(n == wn && memcmp(proof, want, n * 32) == 0);
        } else {
            /* (at 700: hash tiles not asked ahead) */
            cg_sth at = sth;
            cg_merkle_frontier edge;
            at.tree_size = 700;
            CHECK(cg_merkle_tree_range(s->tree, 0, 700, at.root));
            CHECK(cg_tileclient_frontier_at(tc, NULL, &at, &edge, why, sizeof(why)) == CG_LOG_OK);
            CHECK(edge.size == 700);
        }
        atomic_store(&s->hold_tiles, 0);
        CHECK(cg_tileclient_scan(tc, NULL, &f, N_ENTRIES, &sth, on_entry, &sn, why, sizeof(why)) ==
              CG_LOG_OK);
        CHECK(f.size == N_ENTRIES && sn.in_order && sn.same_bytes);
    }
    cg_tileclient_free(tc);
    atomic_store(&s->hold_tiles, 0);
    atomic_store(&s->httpd.hold_ms, 0);
}

int main(void)
{
    static server s;
    test_paths();
    s.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    s.wrong = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    CHECK(s.key && s.wrong);
    build_log(&s);
    s.cp_size = N_ENTRIES;
    s.tamper = -1;
    s.truncate_tile = -1;

    CHECK(cg_test_httpd_start(&s.httpd, handle, &s));

    char url[64], why[512];
    cg_test_httpd_url(&s.httpd, "/", url, sizeof(url));
    cg_logclient_opts o = {0};
    o.backoff_ms = 1;
    o.parallel = 3;
    cg_tileclient *tc = cg_tileclient_new(url, s.key, NULL, &o);
    CHECK(tc != NULL);
    uint8_t id[32];
    CHECK(cg_ct_log_id(s.key, id) && memcmp(id, cg_tileclient_get0_log_id(tc), 32) == 0);

    /* The whole log: in order, every entry the bytes get-entries would
     * serve, the unserved issuer and the wrong leaf_index reported on
     * their entries, the partial tile asked for by its width, each issuer
     * fetched once, and the root matches. */
    cg_merkle_frontier f;
    seen sn;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order && sn.same_bytes);
    CHECK(sn.missing == 1 && sn.wrong_index == 1 && sn.bad_ok == 2);
    CHECK(saw_tile(&s, "/tile/data/003.p/32"));
    CHECK(s.issuer_requests == N_ISSUERS);

    /* Again with the same client: the issuers are cached; the one that was
     * not served is asked again (once per scan). With gzip. */
    s.issuer_requests = 0;
    s.gzip = 1;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.in_order && sn.same_bytes && sn.bad_ok == 2);
    CHECK(s.issuer_requests == 1);
    CHECK(s.gzipped > 0);
    s.gzip = 0;

    /* Stopped at 300 by the callback, then resumed from the saved right
     * edge (mid-tile). */
    cg_merkle_frontier part;
    cg_merkle_frontier_init(&part);
    seen_init(&sn, &s, 0);
    sn.stop_at = 300;
    CHECK(scan_all(&s, tc, &part, &sn, why, sizeof(why)) == CG_LOG_STOPPED);
    CHECK(part.size == 300 && sn.next == 300);
    uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t enc_len;
    CHECK(cg_merkle_frontier_encode(&part, enc, sizeof(enc), &enc_len));
    cg_merkle_frontier_init(&part);
    CHECK(cg_merkle_frontier_decode(&part, enc, enc_len));
    seen_init(&sn, &s, 300);
    CHECK(scan_all(&s, tc, &part, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(part.size == N_ENTRIES && sn.in_order && sn.same_bytes);

    /* A checkpoint at 520 (tile 2 partial, width 8) after the log deleted
     * its partial tiles: the full tile is read instead, up to 520 only. */
    s.cp_size = 520;
    s.no_partials = 1;
    s.not_found = 0;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == 520 && sn.next == 520 && sn.in_order && sn.same_bytes);
    CHECK(s.not_found == 1 && saw_tile(&s, "/tile/data/002.p/8") &&
          saw_tile(&s, "/tile/data/002"));
    /* At the size of the log the partial tile 3 exists nowhere: a bad answer. */
    s.cp_size = N_ENTRIES;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_BAD_ANSWER);
    CHECK(strstr(why, "tile/data/003") != NULL);
    s.no_partials = 0;

    /* A tampered entry: a Merkle mismatch (after every entry was read). */
    s.tamper = 700;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_MERKLE);
    CHECK(f.size == N_ENTRIES && strstr(why, "do not hash to the root") != NULL);
    s.tamper = -1;

    /* An issuer served with the wrong bytes: its entries are not ok. */
    s.bad_issuer = 1;
    cg_tileclient_free(tc);
    tc = cg_tileclient_new(url, s.key, ORIGIN, &o);
    CHECK(tc != NULL);
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(sn.wrong_hash > 100 && sn.other == 0 && sn.in_order && f.size == N_ENTRIES);
    s.bad_issuer = 0;

    /* A tile cut in the middle of an entry: nothing of it is delivered. */
    s.truncate_tile = 0;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_BAD_ANSWER);
    CHECK(f.size == 0 && sn.next == 0 && strstr(why, "does not parse") != NULL);
    s.truncate_tile = -1;

    /* 429 (Retry-After 0) on every 3rd request and one 500: same result. */
    s.every_429 = 3;
    s.fail_500_once = 1;
    s.answered_429 = 0;
    cg_merkle_frontier_init(&f);
    seen_init(&sn, &s, 0);
    CHECK(scan_all(&s, tc, &f, &sn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.in_order && sn.same_bytes && s.answered_429 > 0);
    s.every_429 = 0;

    /* Checkpoints: signed with the wrong key; signed only by another key;
     * not a checkpoint; another origin than required; the client holding
     * another key. */
    cg_sth sth;
    s.cp_mode = 1;
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_STH_SIG);
    CHECK(sth.tree_size == N_ENTRIES && strstr(why, "does not verify") != NULL);
    s.cp_mode = 2;
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_STH_SIG);
    CHECK(strstr(why, "no signature line") != NULL);
    s.cp_mode = 3;
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_BAD_ANSWER);
    s.cp_mode = 0;
    /* Signed by the log's key, but for another origin than the one the
     * client requires: CG_LOG_ORIGIN, naming both (the monitor's
     * ct.log.checkpoint_origin_mismatch). */
    cg_tileclient *other = cg_tileclient_new(url, s.key, "example.test/other", &o);
    memset(&sth, 0, sizeof(sth));
    CHECK(other && cg_tileclient_get_checkpoint(other, &sth, why, sizeof(why)) == CG_LOG_ORIGIN);
    CHECK(strstr(why, "for the origin \"" ORIGIN "\", not for this log's "
                      "\"example.test/other\"") != NULL);
    CHECK(sth.tree_size == N_ENTRIES);
    cg_tileclient_free(other);
    /* ... but a checkpoint with a bad signature stays a signature failure,
     * whatever its origin. */
    other = cg_tileclient_new(url, s.key, "example.test/other", &o);
    s.cp_mode = 1;
    CHECK(other && cg_tileclient_get_checkpoint(other, &sth, why, sizeof(why)) == CG_LOG_STH_SIG);
    s.cp_mode = 0;
    cg_tileclient_free(other);
    other = cg_tileclient_new(url, s.wrong, NULL, &o);
    CHECK(other && cg_tileclient_get_checkpoint(other, &sth, why, sizeof(why)) == CG_LOG_STH_SIG);
    cg_tileclient_free(other);
    CHECK(cg_tileclient_get_checkpoint(tc, &sth, why, sizeof(why)) == CG_LOG_OK);
    /* A range beyond the checkpoint is refused. */
    cg_merkle_frontier_init(&f);
    CHECK(cg_tileclient_scan(tc, NULL, &f, N_ENTRIES + 1, &sth, on_entry, &sn, why, sizeof(why)) ==
          CG_LOG_BAD_ANSWER);

    /* Proofs and right edges from hash tiles: the log's tree (800), then a
     * tree of 70,000 leaf hashes (full and partial tiles of levels 0 to 2,
     * the example of c2sp.org/tlog-tiles). */
    test_proofs(&s, tc);
    s.htree = cg_merkle_tree_new();
    for (uint32_t i = 0; i < 70000; i++) {
        uint8_t lh[32];
        memset(lh, 0, sizeof(lh));
        memcpy(lh, &i, sizeof(i));
        CHECK(cg_merkle_tree_append(s.htree, lh));
    }
    s.hash_tiles = 0;
    test_proofs(&s, tc);
    CHECK(s.hash_tiles > 0);
    /* Partial tiles deleted: the right edge at 70,000 needs the partial
     * tiles of every level, whose full tiles do not exist. */
    s.no_partials = 1;
    {
        cg_sth big;
        cg_merkle_frontier f2;
        memset(&big, 0, sizeof(big));
        big.tree_size = 70000;
        CHECK(cg_merkle_tree_range(s.htree, 0, 70000, big.root));
        CHECK(cg_tileclient_frontier_at(tc, NULL, &big, &f2, why, sizeof(why)) ==
              CG_LOG_BAD_ANSWER);
    }
    s.no_partials = 0;
    cg_merkle_tree_free(s.htree);
    s.htree = NULL;

    test_pumped(&s, url);
    test_ranges(&s, url);
    test_bad_hash_tile(&s, url);

    /* Nobody listening. */
    cg_tileclient *dead = cg_tileclient_new("http://127.0.0.1:1", s.key, NULL, &o);
    CHECK(dead &&
          cg_tileclient_get_checkpoint(dead, &sth, why, sizeof(why)) == CG_LOG_UNREACHABLE);
    cg_tileclient_free(dead);

    cg_tileclient_free(tc);
    cg_test_httpd_stop(&s.httpd);
    cg_merkle_tree_free(s.tree);
    for (int i = 0; i < N_ENTRIES; i++) {
        free(s.leaf[i]);
        free(s.extra[i]);
    }
    free(s.tiles);
    EVP_PKEY_free(s.key);
    EVP_PKEY_free(s.wrong);
    return cg_test_done();
}
