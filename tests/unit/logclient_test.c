/* monitor/logclient: get-sth and get-entries against the unit tests' HTTP
 * server (httpd_harness.h) answering as a log built here: batches
 * cut short, 429 with Retry-After, a 500, a malformed leaf, a tampered
 * entry and a wrongly signed STH; get-sth-consistency and
 * get-entry-and-proof, right and wrong; the caller's deadline
 * (cg_http_time_left_ms, CG_LOG_DEADLINE) against a log that stalls;
 * answers packed as they come (their entries sharing a chain or not, bad
 * base64 anywhere in one, one answered after the next, a log's memory
 * too small for more than one answer at a time), every entry handed over
 * with the bytes the log sent. */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "httpd_harness.h"
#include "monitor/logclient.h"
#include "testutil.h"
#include "util/time.h"

#define N_ENTRIES 37
#define MALFORMED_AT 5

typedef struct server {
    cg_test_httpd httpd;
    /* the log */
    uint8_t leaf[N_ENTRIES][400];
    size_t leaf_len[N_ENTRIES];
    uint8_t extra[N_ENTRIES][300];
    size_t extra_len[N_ENTRIES];
    char sth_json[2048];
    char wrong_sth_json[2048];
    cg_merkle_tree *tree;
    /* behaviour */
    unsigned max_batch;
    unsigned every_429; /* every Nth request answers 429 (0: never) */
    int retry_after;
    int fail_500_once;
    int tamper; /* index served with a changed leaf, or -1 */
    int wrong_sth;
    int bad_proof;       /* flip a bit of the first hash of every proof served */
    int junk_proof;      /* answer proofs with JSON of the wrong shape */
    int stall_ms;        /* every request waits that long before its answer */
    uint64_t stall_from; /* not 0: only get-entries from this entry on wait */
    int bad_b64_at;      /* entry served with extra_data not base64, or -1 */
    size_t pad;          /* get-entries answers carry a member of that many bytes more */
    /* get-entries from this entry answered only after the next request's
     * (its connection kept, dup'd, till then): UINT64_MAX none */
    uint64_t defer_start;
    int deferred_fd;
    uint64_t deferred_a, deferred_b;
    int deferred_late; /* it was answered after a later request */
    unsigned requests;
    unsigned answered_429;
    atomic_uint proofs_from[N_ENTRIES + 1]; /* get-sth-consistency asked, by first */
    uint64_t entries_served; /* by get-entries answers */
} server;

static void b64(const uint8_t *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static void respond(int c, int code, const char *extra_hdr, const char *body, size_t len)
{
    char hdrs[512];
    snprintf(hdrs, sizeof(hdrs), "Content-Type: application/json\r\n%s", extra_hdr);
    cg_test_httpd_reply(c, code, hdrs, body, len);
}

static void serve_entries(server *s, int c, uint64_t start, uint64_t end)
{
    if (end >= N_ENTRIES)
        end = N_ENTRIES - 1;
    if (start > end || end - start + 1 > s->max_batch)
        end = start + s->max_batch - 1;
    size_t cap = 64 + (end - start + 1) * 1200 + s->pad;
    char *body = malloc(cap);
    size_t len = (size_t)snprintf(body, cap, "{\"entries\":[");
    for (uint64_t i = start; i <= end; i++) {
        uint8_t leaf[400];
        memcpy(leaf, s->leaf[i], s->leaf_len[i]);
        if ((int)i == s->tamper)
            leaf[9] ^= 1; /* the timestamp's last byte */
        char l64[600], x64[500];
        b64(leaf, s->leaf_len[i], l64);
        b64(s->extra[i], s->extra_len[i], x64);
        if ((int)i == s->bad_b64_at)
            snprintf(x64, sizeof(x64), "AB!D");
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"leaf_input\":\"%s\",\"extra_data\":\"%s\"}",
                                i == start ? "" : ",", l64, x64);
    }
    len += (size_t)snprintf(body + len, cap - len, "]");
    s->entries_served += end - start + 1;
    if (s->pad > 0) {
        len += (size_t)snprintf(body + len, cap - len, ",\"pad\":\"");
        memset(body + len, 'x', s->pad);
        len += s->pad;
        body[len++] = '"';
    }
    len += (size_t)snprintf(body + len, cap - len, "}");
    respond(c, 200, "", body, len);
    free(body);
}

/* A JSON array of base64 hashes. */
static size_t hashes_json(const server *s, const uint8_t *h, size_t n, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < n; i++) {
        uint8_t one[32];
        char h64[64];
        memcpy(one, h + 32 * i, 32);
        if (i == 0 && s->bad_proof)
            one[0] ^= 1;
        b64(one, 32, h64);
        len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", i ? "," : "", h64);
    }
    return len + (size_t)snprintf(out + len, cap - len, "]");
}

static void serve_consistency(server *s, int c, uint64_t first, uint64_t second)
{
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    size_t n = 0;
    char body[4096];
    if (s->junk_proof) {
        const char *junk = "{\"consistency\":\"no\"}";
        respond(c, 200, "", junk, strlen(junk));
        return;
    }
    if (second > N_ENTRIES || first > second ||
        !cg_merkle_tree_consistency_proof(s->tree, first, second, proof, CG_MERKLE_MAX_PROOF,
                                          &n)) {
        respond(c, 400, "", "{}", 2);
        return;
    }
    size_t len = (size_t)snprintf(body, sizeof(body), "{\"consistency\":");
    len += hashes_json(s, proof, n, body + len, sizeof(body) - len);
    len += (size_t)snprintf(body + len, sizeof(body) - len, "}");
    respond(c, 200, "", body, len);
}

static void serve_entry_and_proof(server *s, int c, uint64_t index, uint64_t size)
{
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32];
    size_t n = 0;
    char body[8192], l64[600], x64[500];
    if (s->junk_proof) {
        const char *junk = "{\"leaf_input\":1}";
        respond(c, 200, "", junk, strlen(junk));
        return;
    }
    if (size > N_ENTRIES || index >= size ||
        !cg_merkle_tree_inclusion_proof(s->tree, index, size, path, CG_MERKLE_MAX_HEIGHT, &n)) {
        respond(c, 400, "", "{}", 2);
        return;
    }
    b64(s->leaf[index], s->leaf_len[index], l64);
    b64(s->extra[index], s->extra_len[index], x64);
    size_t len =
        (size_t)snprintf(body, sizeof(body),
                         "{\"leaf_input\":\"%s\",\"extra_data\":\"%s\",\"audit_path\":", l64, x64);
    len += hashes_json(s, path, n, body + len, sizeof(body) - len);
    len += (size_t)snprintf(body + len, sizeof(body) - len, "}");
    respond(c, 200, "", body, len);
}

/* The fake log's answer to one request (httpd_harness.h). */
static void handle(void *arg, int c, const cg_test_request *rq)
{
    server *s = arg;
    const char *req = rq->head;
    s->requests++;
    uint64_t a, b;
    int entries =
        sscanf(req, "GET /ct/v1/get-entries?start=%" SCNu64 "&end=%" SCNu64, &a, &b) == 2;
    if (s->stall_ms > 0 && (s->stall_from == 0 || (entries && a >= s->stall_from))) {
        struct timespec ts = {s->stall_ms / 1000, (s->stall_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (s->every_429 && s->requests % s->every_429 == 0) {
        char h[64];
        snprintf(h, sizeof(h), "Retry-After: %d\r\n", s->retry_after);
        s->answered_429++;
        respond(c, 429, h, "{}", 2);
    } else if (s->fail_500_once) {
        s->fail_500_once = 0;
        respond(c, 500, "", "{}", 2);
    } else if (strncmp(req, "GET /ct/v1/get-sth ", 19) == 0) {
        const char *j = s->wrong_sth ? s->wrong_sth_json : s->sth_json;
        respond(c, 200, "", j, strlen(j));
    } else if (entries && a == s->defer_start && s->deferred_fd < 0) {
        s->deferred_fd = dup(c); /* answered with the next one */
        s->deferred_a = a;
        s->deferred_b = b;
    } else if (entries) {
        serve_entries(s, c, a, b);
        if (s->deferred_fd >= 0) {
            serve_entries(s, s->deferred_fd, s->deferred_a, s->deferred_b);
            close(s->deferred_fd);
            s->deferred_fd = -1;
            s->defer_start = UINT64_MAX;
            s->deferred_late = 1;
        }
    } else if (sscanf(req, "GET /ct/v1/get-sth-consistency?first=%" SCNu64 "&second=%" SCNu64, &a,
                      &b) == 2) {
        if (a <= N_ENTRIES)
            atomic_fetch_add(&s->proofs_from[a], 1);
        serve_consistency(s, c, a, b);
    } else if (sscanf(req,
                      "GET /ct/v1/get-entry-and-proof?leaf_index=%" SCNu64 "&tree_size=%" SCNu64,
                      &a, &b) == 2) {
        serve_entry_and_proof(s, c, a, b);
    } else {
        respond(c, 404, "", "{}", 2);
    }
}

static void sth_json(const cg_sth *sth, char *out, size_t cap)
{
    uint8_t sig[CG_CT_MAX_SIG + 8];
    size_t sig_len = 0;
    cg_cbb cbb;
    cg_cbb_init_fixed(&cbb, sig, sizeof(sig));
    CHECK(cg_sth_signature_write(&cbb, sth) && cg_cbb_finish(&cbb, &sig_len));
    char r64[64], s64[1024];
    b64(sth->root, 32, r64);
    b64(sig, sig_len, s64);
    snprintf(out, cap,
             "{\"tree_size\":%" PRIu64 ",\"timestamp\":%" PRIu64
             ",\"sha256_root_hash\":\"%s\",\"tree_head_signature\":\"%s\"}",
             sth->tree_size, sth->timestamp, r64, s64);
}

static EVP_PKEY *p256(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void build_log(server *s, EVP_PKEY *key, EVP_PKEY *wrong)
{
    cg_merkle_tree *t = cg_merkle_tree_new();
    for (int i = 0; i < N_ENTRIES; i++) {
        uint8_t body[200], issuer[120], te[400];
        size_t te_len = 0;
        memset(body, 0x30 + i, sizeof(body));
        memset(issuer, 0x80 + i, sizeof(issuer));
        cg_cbs chain[1] = {{issuer, sizeof(issuer)}};
        cg_cbb cbb;
        cg_cbb_init_fixed(&cbb, te, sizeof(te));
        CHECK(cg_ct_entry_write(&cbb, 1700000000000 + (uint64_t)i, CG_CT_X509_ENTRY, NULL, body,
                                sizeof(body), NULL, 0) &&
              cg_cbb_finish(&cbb, &te_len));
        cg_cbb_init_fixed(&cbb, s->leaf[i], sizeof(s->leaf[i]));
        CHECK(cg_ct_leaf_write(&cbb, te, te_len) && cg_cbb_finish(&cbb, &s->leaf_len[i]));
        if (i == MALFORMED_AT)
            s->leaf[i][0] = 1; /* version v2: not a v1 MerkleTreeLeaf */
        cg_cbb_init_fixed(&cbb, s->extra[i], sizeof(s->extra[i]));
        CHECK(cg_ct_extra_write(&cbb, NULL, 0, chain, 1) && cg_cbb_finish(&cbb, &s->extra_len[i]));
        uint8_t lh[32];
        CHECK(cg_merkle_leaf_hash(NULL, s->leaf[i], s->leaf_len[i], lh));
        CHECK(cg_merkle_tree_append(t, lh));
    }
    cg_sth sth;
    memset(&sth, 0, sizeof(sth));
    sth.tree_size = N_ENTRIES;
    sth.timestamp = 1700000100000;
    CHECK(cg_merkle_tree_range(t, 0, N_ENTRIES, sth.root));
    CHECK(cg_sth_sign(&sth, key));
    sth_json(&sth, s->sth_json, sizeof(s->sth_json));
    CHECK(cg_sth_sign(&sth, wrong));
    sth_json(&sth, s->wrong_sth_json, sizeof(s->wrong_sth_json));
    s->tree = t;
}

/* The log's extra_data (the leaves, and so the tree, stay): shape 0, a
 * chain of its own an entry; 1, one chain for all; 2, that chain, and on
 * odd entries a PrecertChainEntry ending with it. */
static void set_extras(server *s, int shape)
{
    for (int i = 0; i < N_ENTRIES; i++) {
        uint8_t issuer[120], pre[100];
        memset(issuer, shape == 0 ? 0x80 + i : 0x80, sizeof(issuer));
        memset(pre, 0x20 + i, sizeof(pre));
        cg_cbs chain[1] = {{issuer, sizeof(issuer)}};
        cg_cbb cbb;
        cg_cbb_init_fixed(&cbb, s->extra[i], sizeof(s->extra[i]));
        int precert = shape == 2 && i % 2 == 1;
        CHECK(cg_ct_extra_write(&cbb, precert ? pre : NULL, precert ? sizeof(pre) : 0, chain, 1) &&
              cg_cbb_finish(&cbb, &s->extra_len[i]));
    }
}

typedef struct seen {
    const server *srv; /* the entries handed over must be its bytes */
    int bytes_ok;
    uint64_t next;
    int in_order;
    int malformed_at;
    uint64_t stop_at; /* 0: never */
} seen;

static int on_entry(void *arg, const cg_log_entry *e)
{
    seen *sn = arg;
    if (sn->stop_at && e->index == sn->stop_at)
        return 0;
    if (sn->srv != NULL && e->index < N_ENTRIES &&
        (e->leaf_len != sn->srv->leaf_len[e->index] ||
         memcmp(e->leaf, sn->srv->leaf[e->index], e->leaf_len) != 0 ||
         e->extra_len != sn->srv->extra_len[e->index] ||
         memcmp(e->extra, sn->srv->extra[e->index], e->extra_len) != 0))
        sn->bytes_ok = 0;
    if (e->index != sn->next)
        sn->in_order = 0;
    sn->next = e->index + 1;
    if (!e->ok)
        sn->malformed_at = (int)e->index;
    else if (e->entry.entry_type != CG_CT_X509_ENTRY || e->entry.cert.len != 200)
        sn->in_order = 0;
    return 1;
}

/* The waiting hook of a scan (cg_logclient_opts.waiting): once the first
 * answer's entries are handed over, the deadline moved to now, as the
 * monitor does when other logs wait for the store. */
typedef struct waiter {
    double *deadline;
    const seen *sn;
    unsigned calls, moved;
    uint64_t moved_at; /* the entries handed over then */
    double last_entry;
} waiter;

static void on_waiting(void *arg, double last_entry)
{
    waiter *w = arg;
    w->calls++;
    w->last_entry = last_entry;
    if (w->sn->next >= 8 && *w->deadline > cg_time_mono()) {
        *w->deadline = cg_time_mono();
        w->moved++;
        w->moved_at = w->sn->next;
    }
}

static cg_log_status scan(server *s, cg_logclient *lc, uint64_t from, seen *sn,
                          cg_merkle_frontier *f, char *why, size_t whycap)
{
    cg_sth sth;
    cg_log_status st = cg_logclient_get_sth(lc, &sth, why, whycap);
    CHECK(st == CG_LOG_OK);
    CHECK(sth.tree_size == N_ENTRIES);
    sn->srv = s->tamper < 0 ? s : NULL;
    sn->bytes_ok = 1;
    sn->next = from;
    sn->in_order = 1;
    sn->malformed_at = -1;
    return cg_logclient_scan(lc, NULL, f, sth.tree_size, &sth, on_entry, sn, why, whycap);
}

int main(void)
{
    static server s;
    EVP_PKEY *key = p256(), *wrong = p256();
    CHECK(key && wrong);
    build_log(&s, key, wrong);
    s.tamper = -1;
    s.bad_b64_at = -1;
    s.defer_start = UINT64_MAX;
    s.deferred_fd = -1;
    s.max_batch = 1000;

    CHECK(cg_test_httpd_start(&s.httpd, handle, &s));

    char url[64], why[512];
    cg_test_httpd_url(&s.httpd, "/", url, sizeof(url));
    cg_logclient_opts o = {0};
    o.backoff_ms = 1;
    o.batch = 8;
    o.parallel = 3;
    cg_logclient *lc = cg_logclient_new(url, key, &o);
    CHECK(lc != NULL);
    uint8_t id[32];
    CHECK(cg_ct_log_id(key, id) && memcmp(id, cg_logclient_get0_log_id(lc), 32) == 0);

    /* The whole log in parallel batches: in order, the malformed leaf
     * reported with its index, and the root matches (the tree is over the
     * leaf bytes, parsed or not). */
    cg_merkle_frontier f;
    seen sn;
    cg_merkle_frontier_init(&f);
    CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order && sn.bytes_ok);
    CHECK(sn.malformed_at == MALFORMED_AT);

    /* Answers packed as they come (an extra_data or a precertificate's
     * chain repeated in an answer kept once): each entry handed over with
     * the bytes the log sent, whether its entries share a chain (one for
     * all; precertificates ending with it) or not (above). */
    for (int shape = 1; shape <= 2; shape++) {
        set_extras(&s, shape);
        cg_merkle_frontier_init(&f);
        CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_OK);
        CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order && sn.bytes_ok);
    }

    /* An answer that comes after the one behind it (its request answered
     * only once the next was): held, packed, handed over in its turn. */
    s.defer_start = 8;
    cg_merkle_frontier_init(&f);
    CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_OK);
    CHECK(s.deferred_late && f.size == N_ENTRIES && sn.in_order && sn.bytes_ok);

    /* A log's memory (the window's bytes) smaller than one answer (68 KB
     * of JSON, the entries' a few KB), and the answer handed over next
     * sent only after the one behind it: that one waits, paused, and goes
     * on when the first is done with; every entry comes, in order, as
     * sent. */
    {
        cg_logclient_opts po = o;
        po.window_bytes = 32 << 10;
        po.parallel = 4;
        cg_logclient *small = cg_logclient_new(url, key, &po);
        cg_window_stats ws;
        CHECK(small != NULL);
        s.pad = 60000;
        s.defer_start = 0;
        s.deferred_late = 0;
        cg_merkle_frontier_init(&f);
        CHECK(scan(&s, small, 0, &sn, &f, why, sizeof(why)) == CG_LOG_OK);
        CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order && sn.bytes_ok);
        cg_logclient_get_stats(small, &ws);
        CHECK(s.deferred_late && ws.pauses > 0);
        s.pad = 0;
        cg_logclient_free(small);
    }

    /* Bad base64 in an answer's first, middle or last entry: the answer is
     * not a get-entries answer, said with the entry's place in it, and no
     * entry of it is handed over. */
    {
        static const int bad[] = {8, 12, 15, 36};
        static const char *const where[] = {"entry 0:", "entry 4:", "entry 7:", "entry 4:"};
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            s.bad_b64_at = bad[k];
            cg_merkle_frontier_init(&f);
            CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_BAD_ANSWER);
            CHECK(strstr(why, "not a get-entries answer: ") != NULL);
            CHECK(strstr(why, where[k]) != NULL);
            CHECK(strstr(why, "not base64") != NULL);
            CHECK(f.size <= (uint64_t)bad[k] / 8 * 8 && sn.bytes_ok);
        }
        s.bad_b64_at = -1;
    }
    set_extras(&s, 0);

    /* The log cuts batches at 5, answers every 4th request 429 (Retry-After
     * 0) and one request 500: same result, more requests. */
    s.max_batch = 5;
    s.every_429 = 4;
    s.retry_after = 0;
    s.fail_500_once = 1;
    cg_merkle_frontier_init(&f);
    CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_OK);
    CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order);
    CHECK(s.answered_429 > 0);

    /* Resuming from a stored right edge: from 20 on. */
    s.every_429 = 0;
    cg_merkle_frontier part;
    cg_merkle_frontier_init(&part);
    sn.next = 0;
    sn.in_order = 1;
    sn.stop_at = 20;
    CHECK(cg_logclient_scan(lc, NULL, &part, N_ENTRIES, NULL, on_entry, &sn, why, sizeof(why)) ==
          CG_LOG_STOPPED);
    CHECK(part.size == 20 && sn.next == 20);
    uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t enc_len;
    CHECK(cg_merkle_frontier_encode(&part, enc, sizeof(enc), &enc_len));
    cg_merkle_frontier_init(&part);
    CHECK(cg_merkle_frontier_decode(&part, enc, enc_len));
    sn.stop_at = 0;
    CHECK(scan(&s, lc, 20, &sn, &part, why, sizeof(why)) == CG_LOG_OK);
    CHECK(part.size == N_ENTRIES && sn.in_order);

    /* A tampered entry: a Merkle mismatch. */
    s.tamper = 30;
    cg_merkle_frontier_init(&f);
    CHECK(scan(&s, lc, 0, &sn, &f, why, sizeof(why)) == CG_LOG_MERKLE);
    s.tamper = -1;

    /* A wrongly signed STH. */
    s.wrong_sth = 1;
    cg_sth sth;
    CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_STH_SIG);
    CHECK(sth.tree_size == N_ENTRIES);
    s.wrong_sth = 0;

    /* Retry-After is honoured: one 429 asking for 1 s. */
    s.retry_after = 1;
    s.requests = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s.every_429 = 2; /* the first request passes, the second gets 429 */
    CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_OK);
    CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 950);
    s.every_429 = 0;

    /* A log that only fails: unreachable after the retries. */
    s.every_429 = 1;
    s.retry_after = 0;
    CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_UNREACHABLE);
    s.every_429 = 0;

    /* get-sth-consistency: the proof from 20 to the whole log verifies
     * against the two roots; the empty proofs are not asked for; a changed
     * hash does not verify; an answer of the wrong shape is a bad answer. */
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32], r20[32], rall[32];
    size_t pn = 99;
    unsigned before = s.requests;
    CHECK(cg_merkle_tree_range(s.tree, 0, 20, r20) &&
          cg_merkle_tree_range(s.tree, 0, N_ENTRIES, rall));
    CHECK(cg_logclient_get_consistency(lc, 0, N_ENTRIES, proof, &pn, why, sizeof(why)) ==
          CG_LOG_OK);
    CHECK(pn == 0);
    CHECK(cg_logclient_get_consistency(lc, 20, 20, proof, &pn, why, sizeof(why)) == CG_LOG_OK);
    CHECK(pn == 0 && s.requests == before);
    CHECK(cg_logclient_get_consistency(lc, 20, N_ENTRIES, proof, &pn, why, sizeof(why)) ==
          CG_LOG_OK);
    CHECK(pn > 0 && s.requests == before + 1);
    CHECK(
        cg_merkle_verify_consistency(NULL, 20, N_ENTRIES, r20, rall, proof, pn, why, sizeof(why)));
    s.bad_proof = 1;
    CHECK(cg_logclient_get_consistency(lc, 20, N_ENTRIES, proof, &pn, why, sizeof(why)) ==
          CG_LOG_OK);
    CHECK(!cg_merkle_verify_consistency(NULL, 20, N_ENTRIES, r20, rall, proof, pn, why,
                                        sizeof(why)));
    s.bad_proof = 0;
    s.junk_proof = 1;
    CHECK(cg_logclient_get_consistency(lc, 20, N_ENTRIES, proof, &pn, why, sizeof(why)) ==
          CG_LOG_BAD_ANSWER);
    CHECK(strstr(why, "not a get-sth-consistency answer") != NULL);
    s.junk_proof = 0;

    /* Ranges read one after the other (a catch-up): the range that goes on
     * from the last one asks ahead for its own end's proof and for the
     * next range's, as long as it: [10, 20) asks for 20 and 30, so 30's is
     * asked while [10, 20) is read, not once [20, 30) has been; each proof
     * asked once and taken by get_consistency. The first range [0, 10)
     * asks for its own only. */
    {
        cg_merkle_frontier rf;
        uint8_t rr[32];
        CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_OK);
        for (int i = 0; i <= N_ENTRIES; i++)
            atomic_store(&s.proofs_from[i], 0);
        cg_merkle_frontier_init(&rf);
        sn.srv = &s;
        sn.next = 0;
        sn.in_order = 1;
        for (uint64_t end = 10; end <= 30; end += 10) {
            CHECK(cg_logclient_scan(lc, NULL, &rf, end, &sth, on_entry, &sn, why, sizeof(why)) ==
                  CG_LOG_OK);
            CHECK(rf.size == end && sn.next == end && sn.in_order);
            if (end == 10)
                CHECK(atomic_load(&s.proofs_from[20]) == 0);
            CHECK(cg_logclient_get_consistency(lc, end, N_ENTRIES, proof, &pn, why, sizeof(why)) ==
                  CG_LOG_OK);
            CHECK(cg_merkle_tree_range(s.tree, 0, end, rr));
            CHECK(cg_merkle_verify_consistency(NULL, end, N_ENTRIES, rr, sth.root, proof, pn, why,
                                               sizeof(why)));
            if (end == 20) {
                /* 30's asked with 20's: the log takes it after 20's,
                 * whatever the client does meanwhile */
                for (int w = 0; w < 500 && atomic_load(&s.proofs_from[30]) == 0; w++)
                    nanosleep(&(struct timespec){0, 10000000L}, NULL);
                CHECK(atomic_load(&s.proofs_from[30]) == 1);
            }
        }
        CHECK(atomic_load(&s.proofs_from[10]) == 1 && atomic_load(&s.proofs_from[20]) == 1 &&
              atomic_load(&s.proofs_from[30]) == 1);
    }

    /* A proof asked ahead is answered while entries answers come, whose
     * bodies are large (padded by 512 KiB) and kept for the next one when
     * handed over: the proof's few hundred bytes never take that body (it
     * held an entries answer's buffer while the next was given a new one),
     * range after range. */
    {
        cg_merkle_frontier rf;
        cg_window_stats ws;
        size_t most = 0;
        s.pad = 512 << 10;
        CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_OK);
        for (int round = 0; round < 4; round++) {
            cg_merkle_frontier_init(&rf);
            sn.srv = &s;
            sn.next = 0;
            sn.in_order = 1;
            for (uint64_t end = 3; end < N_ENTRIES; end += 3) {
                CHECK(cg_logclient_scan(lc, NULL, &rf, end, &sth, on_entry, &sn, why,
                                        sizeof(why)) == CG_LOG_OK);
                cg_logclient_get_stats(lc, &ws);
                most = ws.aux_bytes > most ? ws.aux_bytes : most;
                CHECK(cg_logclient_get_consistency(lc, end, N_ENTRIES, proof, &pn, why,
                                                   sizeof(why)) == CG_LOG_OK);
            }
        }
        CHECK(most < 64 << 10);
        s.pad = 0;
    }

    /* get-entry-and-proof (--from-end): the right edge at the tree head,
     * proven by the last entry's audit path, is the edge a full scan
     * reaches; a changed path is a Merkle mismatch; a wrong shape a bad
     * answer. */
    CHECK(cg_logclient_get_sth(lc, &sth, why, sizeof(why)) == CG_LOG_OK);
    cg_merkle_frontier edge, full;
    uint8_t e_root[32], f_root[32];
    CHECK(cg_logclient_frontier_at(lc, NULL, &sth, &edge, why, sizeof(why)) == CG_LOG_OK);
    cg_merkle_frontier_init(&full);
    CHECK(scan(&s, lc, 0, &sn, &full, why, sizeof(why)) == CG_LOG_OK);
    CHECK(edge.size == N_ENTRIES && full.size == N_ENTRIES);
    CHECK(cg_merkle_frontier_root(NULL, &edge, e_root) &&
          cg_merkle_frontier_root(NULL, &full, f_root));
    CHECK(memcmp(e_root, f_root, 32) == 0 && memcmp(e_root, sth.root, 32) == 0);
    s.bad_proof = 1;
    CHECK(cg_logclient_frontier_at(lc, NULL, &sth, &edge, why, sizeof(why)) == CG_LOG_MERKLE);
    s.bad_proof = 0;
    s.junk_proof = 1;
    CHECK(cg_logclient_frontier_at(lc, NULL, &sth, &edge, why, sizeof(why)) == CG_LOG_BAD_ANSWER);
    s.junk_proof = 0;

    /* The monitor's budget for answers full (other answers hold it, as the
     * answers held behind the first request did in a catch-up with
     * --response-memory 12): the request at the delivery position still
     * gets its bytes, past the budget by at most one answer, so the scan
     * ends with every entry, however few retries; the requests behind it
     * are held back until their turn, without a try counted (once counted,
     * two retries ended the scan unreachable: "answer held back"). Every
     * byte is given back at the end. */
    {
        cg_http_budget bud = {.max = 64 << 10};
        const size_t others = bud.max - 512;
        CHECK(cg_http_budget_take(&bud, others));
        cg_logclient_opts bo = o;
        bo.budget = &bud;
        bo.max_retries = 2;
        bo.parallel = 4;
        s.max_batch = 1000;
        /* Then answers of several writes (padded by 40 KiB) and a length
         * told: the requests behind the first wait paused until their
         * bytes have room, not dropped and asked again: every entry is
         * served once. */
        for (int padded = 0; padded < 2; padded++) {
            s.pad = padded ? 40 << 10 : 0;
            s.entries_served = 0;
            cg_logclient *tight = cg_logclient_new(url, key, &bo);
            CHECK(tight != NULL);
            cg_merkle_frontier_init(&f);
            sn.next = 0;
            sn.in_order = 1;
            sn.malformed_at = -1;
            CHECK(cg_logclient_scan(tight, NULL, &f, N_ENTRIES, NULL, on_entry, &sn, why,
                                    sizeof(why)) == CG_LOG_OK);
            CHECK(f.size == N_ENTRIES && sn.next == N_ENTRIES && sn.in_order);
            CHECK(sn.malformed_at == MALFORMED_AT);
            if (padded) {
                cg_window_stats ws;
                cg_logclient_get_stats(tight, &ws);
                CHECK(s.entries_served == N_ENTRIES && ws.pauses > 0);
            }
            cg_logclient_free(tight);
            CHECK(atomic_load(&bud.used) == others);
        }
        s.pad = 0;
        cg_http_budget_give(&bud, others);
    }
    /* A log's window holds no more than the monitor's budget (the answers
     * asked past it would be held back and asked again), and its own 16 MiB
     * when the budget is larger or absent. */
    {
        cg_http_budget small = {.max = (size_t)8 << 20}, large = {.max = (size_t)64 << 20};
        cg_logclient_opts wo = {0};
        cg_http_opts_defaults(&wo);
        CHECK(cg_fetch_window_opts(&wo, 0, 0).byte_budget == CG_HTTP_WINDOW_BYTES);
        wo.budget = &large;
        CHECK(cg_fetch_window_opts(&wo, 0, 0).byte_budget == CG_HTTP_WINDOW_BYTES);
        wo.budget = &small;
        CHECK(cg_fetch_window_opts(&wo, 0, 0).byte_budget == small.max);
    }

    /* A stop requested while waiting to retry: the wait ends at once. */
    atomic_int stop_now = 1;
    cg_logclient_opts so = o;
    so.stop = &stop_now;
    so.backoff_ms = 30000;
    cg_logclient *stopping = cg_logclient_new(url, key, &so);
    s.every_429 = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(stopping && cg_logclient_get_sth(stopping, &sth, why, sizeof(why)) == CG_LOG_STOPPED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 10);
    s.every_429 = 0;
    cg_logclient_free(stopping);

    /* The caller's deadline (cg_logclient_opts.deadline): the time left
     * before it, none without one or at 0, nothing once past; a log that
     * stalls (each answer 3 s late, the request timeout 60 s with 5
     * retries) is given up on at the deadline, CG_LOG_DEADLINE ("stalled"),
     * at its tree head and inside get-entries, and not counted as
     * unreachable. */
    {
        cg_logclient_opts dopt = o;
        double deadline = 0;
        CHECK(cg_http_time_left_ms(&dopt) == -1);
        dopt.deadline = &deadline;
        CHECK(cg_http_time_left_ms(&dopt) == -1);
        deadline = cg_time_mono() - 1;
        CHECK(cg_http_time_left_ms(&dopt) == 0);
        deadline = cg_time_mono() + 100;
        long left = cg_http_time_left_ms(&dopt);
        CHECK(left > 90000 && left <= 100001);
        dopt.timeout_ms = 60000;
        dopt.max_retries = 5;
        dopt.backoff_ms = 100;
        cg_logclient *late = cg_logclient_new(url, key, &dopt);
        CHECK(late != NULL);
        s.stall_ms = 3000;
        deadline = cg_time_mono() + 0.3;
        CHECK(cg_logclient_get_sth(late, &sth, why, sizeof(why)) == CG_LOG_DEADLINE);
        CHECK(strcmp(cg_log_status_str(CG_LOG_DEADLINE), "stalled") == 0);
        s.stall_ms = 0;
        deadline = cg_time_mono() + 60;
        CHECK(cg_logclient_get_sth(late, &sth, why, sizeof(why)) == CG_LOG_OK);
        s.stall_ms = 3000;
        deadline = cg_time_mono() + 0.3;
        cg_merkle_frontier_init(&f);
        seen dsn = {0};
        dsn.next = 0;
        dsn.in_order = 1;
        dsn.malformed_at = -1;
        CHECK(cg_logclient_scan(late, NULL, &f, sth.tree_size, &sth, on_entry, &dsn, why,
                                sizeof(why)) == CG_LOG_DEADLINE);
        CHECK(strstr(why, "before the deadline") != NULL);
        CHECK(f.size == 0 && dsn.next == 0);
        s.stall_ms = 0;
        cg_logclient_free(late);

        /* The waiting hook: called while the scan waits for the log, it
         * may move the deadline to now; the scan then ends at once,
         * CG_LOG_DEADLINE, with the entries handed over so far in the
         * caller's right edge (at least entries 0-7, answered at once;
         * the requests from entry 8 on wait 1 s, the deadline is 60 s
         * away). */
        waiter w = {&deadline, &dsn, 0, 0, 0, 0};
        dopt.waiting = on_waiting;
        dopt.observe_arg = &w;
        cg_logclient *moved = cg_logclient_new(url, key, &dopt);
        CHECK(moved != NULL);
        deadline = cg_time_mono() + 60;
        double began = cg_time_mono();
        CHECK(cg_logclient_get_sth(moved, &sth, why, sizeof(why)) == CG_LOG_OK);
        s.stall_ms = 1000;
        s.stall_from = 8;
        cg_merkle_frontier_init(&f);
        memset(&dsn, 0, sizeof(dsn));
        dsn.in_order = 1;
        dsn.malformed_at = -1;
        CHECK(cg_logclient_scan(moved, NULL, &f, sth.tree_size, &sth, on_entry, &dsn, why,
                                sizeof(why)) == CG_LOG_DEADLINE);
        char want[64];
        snprintf(want, sizeof(want), "no answer with entry %" PRIu64 " before", w.moved_at);
        CHECK(strstr(why, want) != NULL);
        CHECK(w.calls >= 1 && w.moved == 1 && w.last_entry > began);
        CHECK(w.moved_at >= 8 && w.moved_at < N_ENTRIES);
        CHECK(f.size == w.moved_at && dsn.next == w.moved_at && dsn.in_order);
        s.stall_ms = 0;
        s.stall_from = 0;
        cg_logclient_free(moved);
    }

    /* Nobody listening. */
    cg_logclient *dead = cg_logclient_new("http://127.0.0.1:1", key, &o);
    CHECK(dead && cg_logclient_get_sth(dead, &sth, why, sizeof(why)) == CG_LOG_UNREACHABLE);
    cg_logclient_free(dead);

    cg_logclient_free(lc);
    cg_test_httpd_stop(&s.httpd);
    cg_merkle_tree_free(s.tree);
    EVP_PKEY_free(key);
    EVP_PKEY_free(wrong);
    return cg_test_done();
}
