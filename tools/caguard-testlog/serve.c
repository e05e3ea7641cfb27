/* caguard-testlog serve: RFC 6962 §4 and static-ct-api over libmicrohttpd,
 * with fault switches that tests flip from the command line or at run
 * time through /admin/fault. One thread per connection, so a slowed answer
 * holds up only its own client; the log is behind a read-write lock that
 * add-chain takes for writing. */
#include "testlog.h"

#include "ct/leaf.h"
#include "obs/httpd.h"
#include "util/num.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char serve_usage[] =
    "usage: caguard-testlog serve (--dir D | --files F | both) --listen ADDR:PORT [OPTIONS]\n"
    "\n"
    "Serves the log in D (made by build) over HTTP: RFC 6962 under /ct/v1/ and\n"
    "static-ct-api (/checkpoint, /tile/..., /tile/data/..., /issuer/...). ADDR is\n"
    "a numeric IPv4 address or [IPv6]; PORT 0 picks a free port. The first line\n"
    "on standard output is \"listening on ADDR:PORT\". SIGTERM or SIGINT stops\n"
    "the server cleanly (exit 0). add-chain and add-pre-chain append to D. A log\n"
    "built without --origin uses ADDR:PORT as its checkpoint origin.\n"
    "\n"
    "With --files F it also serves the files of directory F (a CRL endpoint):\n"
    "GET /files/NAME answers F/NAME as read at that moment (a file replaced\n"
    "while serving is served fresh) with an ETag (from its SHA-256) and a\n"
    "Last-Modified (its mtime); If-None-Match, or without it If-Modified-Since,\n"
    "that still matches answers 304. /redirect/N/NAME takes N redirects (302) to\n"
    "get to /files/NAME (/redirect/0/NAME is NAME itself). NAME is letters,\n"
    "digits, '.', '_' and '-', not starting with '.'.\n"
    "\n"
    "options:\n"
    "  --dir D              the log directory\n"
    "  --files F            a directory of files to serve under /files/\n"
    "  --listen ADDR:PORT   where to listen, e.g. 127.0.0.1:0 or [::1]:8080\n"
    "  --max-batch N        most entries one get-entries answer holds (default 1000)\n"
    "  --gzip auto|always|never\n"
    "                       gzip answers when the client accepts it (auto, the\n"
    "                       default), always (static-ct-api allows it without\n"
    "                       negotiation) or never\n"
    "  --loglist-out FILE   write a Chrome v3 log list naming this log at its URL\n"
    "  --loglist-static     list it under tiled_logs (static-ct-api) instead of logs\n"
    "  --no-admin           do not serve /admin/ (faults then only from flags)\n"
    "  --verbose            one line per request on standard error\n"
    "  -h, --help           this help\n"
    "\n"
    "fault switches (also at run time: POST /admin/fault?name=NAME&on=1|0&...):\n"
    "  --tamper-entry I     serve entry I with its timestamp one millisecond later\n"
    "                       (get-entries, get-entry-and-proof, data tiles): it\n"
    "                       parses, but its leaf hash is not the tree's\n"
    "                       (name=tamper&index=I)\n"
    "  --wrong-key          sign get-sth and the checkpoint with D/wrong-key.pem\n"
    "                       (name=wrong-key)\n"
    "  --rate-limit N[:S]   answer every Nth request 429 with Retry-After: S\n"
    "                       (default 1) (name=rate-limit&every=N&retry_after=S)\n"
    "  --drop-every N       close every Nth connection without an answer\n"
    "                       (name=drop&every=N)\n"
    "  --delay MS           wait MS milliseconds before every answer (name=slow&ms=MS)\n"
    "GET /admin/faults shows the switches. Admin requests are never faulted.\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 the address cannot be bound, 2 bad\n"
    "usage or a directory that does not hold a good log.\n";

enum { GZIP_AUTO, GZIP_ALWAYS, GZIP_NEVER };

typedef struct faults {
    atomic_llong tamper; /* entry index, -1 = off */
    atomic_int wrong_key;
    atomic_uint rate_every;
    atomic_uint retry_after;
    atomic_uint drop_every;
    atomic_uint delay_ms;
    atomic_ulong rate_count;
    atomic_ulong drop_count;
} faults;

typedef struct server {
    tl_log *log;        /* NULL: files only */
    const char *files;  /* --files directory, or NULL */
    uint64_t max_batch;
    int gzip;
    int admin;
    int verbose;
    faults f;
    atomic_int stopping;
} server;

/* Per request. */
typedef struct request {
    uint8_t *body;
    size_t len, cap;
    int too_big;
    int counted;
} request;

/* An answer being built. */
typedef struct answer {
    unsigned status;
    char *body; /* malloc'd */
    size_t len;
    const char *type;
    const char *cache;
    unsigned retry_after; /* > 0: a Retry-After header */
    char etag[80];        /* "" or an ETag header */
    char last_modified[40];
    char location[600];   /* "" or a Location header */
} answer;

static void set_body(answer *a, unsigned status, const char *type, char *body, size_t len)
{
    a->status = status;
    a->type = type;
    a->body = body;
    a->len = len;
}

static void set_json(answer *a, unsigned status, json_t *o)
{
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL) {
        s = strdup("{\"error\":\"out of memory\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    set_body(a, status, "application/json", s, s != NULL ? strlen(s) : 0);
}

static void set_error(answer *a, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(answer *a, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    set_json(a, status, json_pack("{ss}", "error", msg));
}

/* ---- query parameters ---- */

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int u64_arg(struct MHD_Connection *c, answer *a, const char *name, uint64_t *out)
{
    const char *v = arg(c, name);
    if (v == NULL) {
        set_error(a, MHD_HTTP_BAD_REQUEST, "missing parameter %s", name);
        return 0;
    }
    if (!cg_parse_u64(v, 0, UINT64_MAX, out)) {
        set_error(a, MHD_HTTP_BAD_REQUEST, "parameter %s=\"%s\" is not a non-negative integer",
                  name, v);
        return 0;
    }
    return 1;
}

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

/* The tree head clients see: the right one, or the wrongly signed one. */
static cg_sth current_sth(server *s)
{
    return atomic_load(&s->f.wrong_key) ? s->log->wrong_sth : s->log->sth;
}

/* ---- RFC 6962 ---- */

static void get_sth(server *s, answer *a)
{
    cg_sth sth = current_sth(s);
    char *j = tl_sth_json(&sth);
    if (j == NULL) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the tree head");
        return;
    }
    set_body(a, MHD_HTTP_OK, "application/json", j, strlen(j));
}

static void get_consistency(server *s, struct MHD_Connection *c, answer *a)
{
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    uint64_t first, second, size = s->log->sth.tree_size;
    size_t n = 0;

    if (!u64_arg(c, a, "first", &first) || !u64_arg(c, a, "second", &second))
        return;
    if (first > second || second > size) {
        set_error(a, MHD_HTTP_BAD_REQUEST,
                  "need first <= second <= tree size %llu, got first=%llu second=%llu",
                  (unsigned long long)size, (unsigned long long)first, (unsigned long long)second);
        return;
    }
    if (!cg_merkle_tree_consistency_proof(s->log->tree, first, second, proof, CG_MERKLE_MAX_PROOF,
                                          &n)) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the proof");
        return;
    }
    set_json(a, MHD_HTTP_OK, json_pack("{so}", "consistency", hash_array(proof, n)));
}

static void get_proof_by_hash(server *s, struct MHD_Connection *c, answer *a)
{
    const char *h = arg(c, "hash");
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32], *hash = NULL;
    uint64_t size, index;
    size_t hlen = 0, n = 0;
    char fixed[64];

    if (h == NULL) {
        set_error(a, MHD_HTTP_BAD_REQUEST, "missing parameter hash");
        return;
    }
    if (!u64_arg(c, a, "tree_size", &size))
        return;
    /* A '+' left unescaped in the query reads as a space. */
    snprintf(fixed, sizeof(fixed), "%s", h);
    for (char *p = fixed; *p != '\0'; p++) {
        if (*p == ' ')
            *p = '+';
    }
    if (strlen(h) >= sizeof(fixed) || !cg_base64_decode_new(fixed, strlen(fixed), 0, &hash, &hlen) ||
        hlen != 32) {
        free(hash);
        set_error(a, MHD_HTTP_BAD_REQUEST, "hash is not base64 of 32 bytes");
        return;
    }
    if (size == 0 || size > s->log->sth.tree_size) {
        free(hash);
        set_error(a, MHD_HTTP_BAD_REQUEST, "tree_size %llu is not in 1..%llu",
                  (unsigned long long)size, (unsigned long long)s->log->sth.tree_size);
        return;
    }
    if (!tl_log_find_hash(s->log, hash, &index) || index >= size) {
        free(hash);
        set_error(a, MHD_HTTP_NOT_FOUND, "no leaf with that hash in the tree of size %llu",
                  (unsigned long long)size);
        return;
    }
    free(hash);
    if (!cg_merkle_tree_inclusion_proof(s->log->tree, index, size, path, CG_MERKLE_MAX_HEIGHT,
                                        &n)) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the proof");
        return;
    }
    set_json(
        a, MHD_HTTP_OK,
        json_pack("{sIso}", "leaf_index", (json_int_t)index, "audit_path", hash_array(path, n)));
}

/* A growing string for the large JSON answers, written by hand: jansson
 * would build a tree of thousands of strings for one get-entries. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static char *sb_room(sbuf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = 1;
            return NULL;
        }
        b->p = np;
        b->cap = cap;
    }
    return b->p + b->len;
}

static void sb_add(sbuf *b, const char *str)
{
    size_t n = strlen(str);
    char *at = sb_room(b, n);
    if (at != NULL) {
        memcpy(at, str, n + 1);
        b->len += n;
    }
}

static void sb_b64(sbuf *b, const uint8_t *data, size_t len)
{
    char *at = len <= SIZE_MAX / 2 ? sb_room(b, CG_BASE64_ENCODED_LEN(len)) : NULL;
    if (at != NULL)
        b->len += cg_base64_encode(data, len, at);
}

/* One stored entry as get-entries serves it, without the closing brace:
 * {"leaf_input":"...","extra_data":"..." */
static int entry_json(server *s, uint64_t index, const cg_ct_tile_leaf *tl, sbuf *out)
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
    sb_add(out, "{\"leaf_input\":\"");
    sb_b64(out, leaf, te_len + 2);
    sb_add(out, "\",\"extra_data\":\"");
    sb_b64(out, extra, extra_len);
    sb_add(out, "\"");
    ok = !out->oom;
out:
    free(leaf);
    free(extra);
    return ok;
}

static void set_sbuf(answer *a, sbuf *b)
{
    if (b->oom) {
        free(b->p);
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    set_body(a, MHD_HTTP_OK, "application/json", b->p, b->len);
}

static void get_entries(server *s, struct MHD_Connection *c, answer *a)
{
    uint64_t start, end, size = s->log->sth.tree_size;
    uint8_t *buf = NULL;
    size_t len = 0;
    sbuf out = {0};
    cg_cbs in;

    if (!u64_arg(c, a, "start", &start) || !u64_arg(c, a, "end", &end))
        return;
    if (start > end || start >= size) {
        set_error(a, MHD_HTTP_BAD_REQUEST,
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
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entries");
        return;
    }
    /* About 4/3 of the stored bytes plus the chains: start near that. */
    sb_room(&out, len * 2 + 64);
    sb_add(&out, "{\"entries\":[");
    cg_cbs_init(&in, buf, len);
    for (uint64_t i = start; i <= end; i++) {
        cg_ct_tile_leaf tl;
        cg_der_error derr;
        if (i > start)
            sb_add(&out, ",");
        if (!cg_ct_tile_leaf_next(&in, &tl, buf, &derr) || !entry_json(s, i, &tl, &out)) {
            free(buf);
            free(out.p);
            set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode entry %llu",
                      (unsigned long long)i);
            return;
        }
        sb_add(&out, "}");
    }
    sb_add(&out, "]}");
    free(buf);
    set_sbuf(a, &out);
}

static void get_entry_and_proof(server *s, struct MHD_Connection *c, answer *a)
{
    uint64_t index, size;
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32], *buf = NULL;
    size_t n = 0, len = 0;
    cg_ct_tile_leaf tl;
    cg_der_error derr;
    sbuf out = {0};
    cg_cbs in;
    int ok;

    if (!u64_arg(c, a, "leaf_index", &index) || !u64_arg(c, a, "tree_size", &size))
        return;
    if (size > s->log->sth.tree_size || index >= size) {
        set_error(a, MHD_HTTP_BAD_REQUEST, "need leaf_index < tree_size <= %llu",
                  (unsigned long long)s->log->sth.tree_size);
        return;
    }
    if (!tl_log_read_entries(s->log, index, index + 1, &buf, &len) ||
        !cg_merkle_tree_inclusion_proof(s->log->tree, index, size, path, CG_MERKLE_MAX_HEIGHT,
                                        &n)) {
        free(buf);
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entry");
        return;
    }
    cg_cbs_init(&in, buf, len);
    ok = cg_ct_tile_leaf_next(&in, &tl, buf, &derr) && entry_json(s, index, &tl, &out);
    free(buf);
    if (!ok) {
        free(out.p);
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the entry");
        return;
    }
    sb_add(&out, ",\"audit_path\":[");
    for (size_t i = 0; i < n; i++) {
        sb_add(&out, i > 0 ? ",\"" : "\"");
        sb_b64(&out, path + i * 32, 32);
        sb_add(&out, "\"");
    }
    sb_add(&out, "]}");
    set_sbuf(a, &out);
}

static void get_roots(server *s, answer *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < s->log->n_roots; i++) {
        const tl_issuer *is = tl_log_issuer(s->log, s->log->roots[i]);
        if (is != NULL && json_array_append_new(arr, b64_string(is->der, is->len)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    set_json(a, MHD_HTTP_OK, json_pack("{so}", "certificates", arr));
}

/* add-chain and add-pre-chain; the caller holds the write lock. */
static void add_chain(server *s, const request *r, int precert, answer *a)
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
        set_error(a, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %u bytes", TL_MAX_BODY);
        return;
    }
    o = json_loadb((const char *)r->body, r->len, 0, &jerr);
    chain = o != NULL ? json_object_get(o, "chain") : NULL;
    if (!json_is_array(chain) || json_array_size(chain) == 0 ||
        json_array_size(chain) > TL_MAX_CHAIN) {
        json_decref(o);
        set_error(a, MHD_HTTP_BAD_REQUEST,
                  "want a JSON object with \"chain\": 1 to %d base64 certificates", TL_MAX_CHAIN);
        return;
    }
    for (n = 0; n < json_array_size(chain); n++) {
        const json_t *e = json_array_get(chain, n);
        size_t len = 0;
        if (!json_is_string(e) ||
            !cg_base64_decode_new(json_string_value(e), json_string_length(e), 0, &ders[n], &len) || len == 0) {
            set_error(a, MHD_HTTP_BAD_REQUEST, "chain[%zu] is not base64 DER", n);
            goto out;
        }
        certs[n].data = ders[n];
        certs[n].len = len;
    }
    if (!tl_log_add(s->log, certs, n, precert, (uint64_t)tl_now_ms(), &sct, &client, err,
                    sizeof(err))) {
        set_error(a, client ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
        goto out;
    }
    if (!tl_log_sign(s->log, err, sizeof(err))) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
        goto out;
    }
    {
        char *j = tl_sct_json(s->log, &sct);
        if (j == NULL)
            set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode the SCT");
        else
            set_body(a, MHD_HTTP_OK, "application/json", j, strlen(j));
    }
out:
    for (size_t i = 0; i < TL_MAX_CHAIN; i++)
        free(ders[i]);
    json_decref(o);
}

/* ---- static-ct-api ---- */

static void get_checkpoint(server *s, answer *a)
{
    cg_sth sth = current_sth(s);
    char *t = tl_checkpoint_text(s->log, &sth);
    if (t == NULL) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write the checkpoint");
        return;
    }
    set_body(a, MHD_HTTP_OK, "text/plain; charset=utf-8", t, strlen(t));
    a->cache = "no-store";
}

/* Parses "<N>[.p/<W>]" with N in x-prefixed 3-digit path elements
 * (c2sp.org/tlog-tiles). *width is 256 for a full tile. */
static int parse_tile_index(const char *p, uint64_t *index, unsigned *width)
{
    uint64_t n = 0;
    for (;;) {
        int x = p[0] == 'x';
        const char *d = p + x;
        if (d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9')
            return 0;
        if (n > (UINT64_MAX - 999) / 1000)
            return 0;
        n = n * 1000 + (uint64_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
        p = d + 3;
        if (x) {
            if (*p != '/')
                return 0;
            p++;
            continue;
        }
        break;
    }
    *index = n;
    if (*p == '\0') {
        *width = 256;
        return 1;
    }
    if (strncmp(p, ".p/", 3) != 0)
        return 0;
    p += 3;
    /* 1..255, no leading zeros */
    if (p[0] < '1' || p[0] > '9')
        return 0;
    {
        unsigned w = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            w = w * 10 + (unsigned)(*p - '0');
            if (w > 255)
                return 0;
        }
        if (*p != '\0')
            return 0;
        *width = w;
    }
    return 1;
}

static void get_tile(server *s, const char *rest, answer *a)
{
    uint64_t index, size = s->log->sth.tree_size, have;
    unsigned level, width;
    uint8_t *buf;

    if (rest[0] < '0' || rest[0] > '5' || rest[1] != '/' ||
        !parse_tile_index(rest + 2, &index, &width)) {
        set_error(a, MHD_HTTP_NOT_FOUND, "not a tile path (tile/<L 0-5>/<N>[.p/<W>])");
        return;
    }
    level = (unsigned)(rest[0] - '0');
    have = size >> (8 * level); /* hashes at this level */
    if (index > (UINT64_MAX - width) / 256 || index * 256 + width > have) {
        set_error(a, MHD_HTTP_NOT_FOUND, "tile %u/%llu of width %u is beyond the tree (%llu)",
                  level, (unsigned long long)index, width, (unsigned long long)size);
        return;
    }
    buf = malloc((size_t)width * 32);
    if (buf == NULL) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    for (unsigned i = 0; i < width; i++) {
        if (!cg_merkle_tree_node(s->log->tree, 8 * level, index * 256 + i, buf + i * 32)) {
            free(buf);
            set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the tree");
            return;
        }
    }
    set_body(a, MHD_HTTP_OK, "application/octet-stream", (char *)buf, (size_t)width * 32);
    a->cache = "public, max-age=604800, immutable";
}

static void get_data_tile(server *s, const char *rest, answer *a)
{
    uint64_t index, size = s->log->sth.tree_size, start;
    long long tamper = atomic_load(&s->f.tamper);
    unsigned width;
    uint8_t *buf = NULL;
    size_t len = 0;

    if (!parse_tile_index(rest, &index, &width)) {
        set_error(a, MHD_HTTP_NOT_FOUND, "not a data tile path (tile/data/<N>[.p/<W>])");
        return;
    }
    if (index > (UINT64_MAX - width) / 256 || index * 256 + width > size) {
        set_error(a, MHD_HTTP_NOT_FOUND, "data tile %llu of width %u is beyond the tree (%llu)",
                  (unsigned long long)index, width, (unsigned long long)size);
        return;
    }
    start = index * 256;
    if (!tl_log_read_entries(s->log, start, start + width, &buf, &len)) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entries");
        return;
    }
    if (tamper >= 0 && (uint64_t)tamper >= start && (uint64_t)tamper < start + width) {
        /* The TileLeaf starts with the TimestampedEntry's timestamp. */
        uint8_t *p = buf + (s->log->off[tamper] - s->log->off[start]);
        for (int i = 7; i >= 0 && ++p[i] == 0; i--)
            ;
    }
    set_body(a, MHD_HTTP_OK, "application/octet-stream", (char *)buf, len);
    a->cache = "public, max-age=604800, immutable";
}

static void get_issuer(server *s, const char *hex, answer *a)
{
    uint8_t fp[32];
    const tl_issuer *is;
    char *copy;

    if (strlen(hex) != 64) {
        set_error(a, MHD_HTTP_NOT_FOUND, "issuer/<64 lowercase hex digits>");
        return;
    }
    for (size_t i = 0; i < 32; i++) {
        int v = 0;
        for (size_t j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            int d = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                             : -1;
            if (d < 0) {
                set_error(a, MHD_HTTP_NOT_FOUND, "issuer/<64 lowercase hex digits>");
                return;
            }
            v = v * 16 + d;
        }
        fp[i] = (uint8_t)v;
    }
    is = tl_log_issuer(s->log, fp);
    if (is == NULL) {
        set_error(a, MHD_HTTP_NOT_FOUND, "no such issuer");
        return;
    }
    copy = malloc(is->len);
    if (copy == NULL) {
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    memcpy(copy, is->der, is->len);
    set_body(a, MHD_HTTP_OK, "application/pkix-cert", copy, is->len);
    a->cache = "public, max-age=604800, immutable";
}

/* ---- admin ---- */

static json_t *faults_json(server *s)
{
    return json_pack(
        "{sIsbs{sisi}s{si}s{si}}", "tamper", (json_int_t)atomic_load(&s->f.tamper), "wrong_key",
        atomic_load(&s->f.wrong_key), "rate_limit", "every", (int)atomic_load(&s->f.rate_every),
        "retry_after", (int)atomic_load(&s->f.retry_after), "drop", "every",
        (int)atomic_load(&s->f.drop_every), "slow", "ms", (int)atomic_load(&s->f.delay_ms));
}

static int small_arg(struct MHD_Connection *c, answer *a, const char *name, unsigned dflt,
                     unsigned *out)
{
    const char *v = arg(c, name);
    uint64_t x;
    if (v == NULL) {
        *out = dflt;
        return 1;
    }
    if (!cg_parse_u64(v, 0, 1000000, &x)) {
        set_error(a, MHD_HTTP_BAD_REQUEST, "%s=\"%s\" is not an integer in 0..1000000", name, v);
        return 0;
    }
    *out = (unsigned)x;
    return 1;
}

static void admin_fault(server *s, struct MHD_Connection *c, answer *a)
{
    const char *name = arg(c, "name"), *on_s = arg(c, "on");
    int on;
    unsigned every = 0, extra = 0;

    if (name == NULL || on_s == NULL || (strcmp(on_s, "0") != 0 && strcmp(on_s, "1") != 0)) {
        set_error(a, MHD_HTTP_BAD_REQUEST,
                  "want name=tamper|wrong-key|rate-limit|drop|slow and "
                  "on=0|1");
        return;
    }
    on = on_s[0] == '1';
    if (strcmp(name, "tamper") == 0) {
        uint64_t index = 0;
        if (on && !u64_arg(c, a, "index", &index))
            return;
        if (index > (uint64_t)INT64_MAX) {
            set_error(a, MHD_HTTP_BAD_REQUEST, "index too large");
            return;
        }
        atomic_store(&s->f.tamper, on ? (long long)index : -1);
    } else if (strcmp(name, "wrong-key") == 0) {
        atomic_store(&s->f.wrong_key, on);
    } else if (strcmp(name, "rate-limit") == 0) {
        if (!small_arg(c, a, "every", 1, &every) || !small_arg(c, a, "retry_after", 1, &extra))
            return;
        atomic_store(&s->f.rate_count, 0);
        atomic_store(&s->f.retry_after, extra);
        atomic_store(&s->f.rate_every, on ? (every == 0 ? 1 : every) : 0);
    } else if (strcmp(name, "drop") == 0) {
        if (!small_arg(c, a, "every", 1, &every))
            return;
        atomic_store(&s->f.drop_count, 0);
        atomic_store(&s->f.drop_every, on ? (every == 0 ? 1 : every) : 0);
    } else if (strcmp(name, "slow") == 0) {
        if (!small_arg(c, a, "ms", 1000, &extra))
            return;
        atomic_store(&s->f.delay_ms, on ? extra : 0);
    } else {
        set_error(a, MHD_HTTP_BAD_REQUEST, "unknown fault \"%s\"", name);
        return;
    }
    set_json(a, MHD_HTTP_OK, faults_json(s));
}

/* ---- --files: a directory served with validators ---- */

static int file_name_ok(const char *n)
{
    if (n[0] == '\0' || n[0] == '.' || strlen(n) > 255)
        return 0;
    for (const char *p = n; *p != '\0'; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Whether an If-None-Match list names etag (or is "*"). */
static int etag_listed(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    const char *p = inm;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (p[0] == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return 0;
}

/* An IMF-fixdate (RFC 9110 §5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT". */
static int http_date(const char *v, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wd[4], mon[4];
    int day, year, h, m, sec, used = 0;
    if (sscanf(v, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &day, mon, &year, &h, &m, &sec,
               &used) != 7 ||
        v[used] != '\0')
        return 0;
    const char *p = strstr(months, mon);
    if (p == NULL || (p - months) % 3 != 0)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = day;
    tm.tm_mon = (int)((p - months) / 3);
    tm.tm_year = year - 1900;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    return 1;
}

static void get_file(server *s, struct MHD_Connection *c, const char *name, answer *a)
{
    char path[4096];
    struct stat st;
    uint8_t md[32];
    if (!file_name_ok(name)) {
        set_error(a, MHD_HTTP_NOT_FOUND, "not a file name: %s", name);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", s->files, name);
    /* Read it whole now: a file replaced (renamed over) while serving is
     * served as it is at this request. */
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        set_error(a, MHD_HTTP_NOT_FOUND, "no such file: %s", name);
        return;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *body = malloc(len > 0 ? len : 1);
    while (body != NULL && got < len) {
        ssize_t n = read(fd, body + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (body == NULL || got != len) {
        free(body);
        set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read %s", name);
        return;
    }
    EVP_Digest(body, len, md, NULL, EVP_sha256(), NULL);
    char hex[33];
    cg_hex(md, 16, hex);
    snprintf(a->etag, sizeof(a->etag), "\"%s\"", hex);
    cg_time_format_http(st.st_mtime, a->last_modified, sizeof(a->last_modified));
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    int not_modified = 0;
    if (inm != NULL) {
        not_modified = etag_listed(inm, a->etag);
    } else if (ims != NULL) {
        time_t t;
        not_modified = http_date(ims, &t) && t >= st.st_mtime;
    }
    if (not_modified) {
        free(body);
        set_body(a, MHD_HTTP_NOT_MODIFIED, "application/pkix-crl", NULL, 0);
        return;
    }
    size_t nl = strlen(name);
    const char *type = nl > 4 && strcmp(name + nl - 4, ".crl") == 0    ? "application/pkix-crl"
                       : nl > 5 && strcmp(name + nl - 5, ".json") == 0 ? "application/json"
                       : nl > 4 && strcmp(name + nl - 4, ".pem") == 0
                           ? "application/x-pem-file"
                           : "application/octet-stream";
    set_body(a, MHD_HTTP_OK, type, body, len);
}

static void get_redirect(server *s, struct MHD_Connection *c, const char *rest, answer *a)
{
    char *end;
    unsigned long n = strtoul(rest, &end, 10);
    if (end == rest || *end != '/' || n > 100) {
        set_error(a, MHD_HTTP_NOT_FOUND, "want /redirect/N/NAME, N in 0..100");
        return;
    }
    if (n == 0) {
        get_file(s, c, end + 1, a);
        return;
    }
    if (n == 1)
        snprintf(a->location, sizeof(a->location), "/files/%.500s", end + 1);
    else
        snprintf(a->location, sizeof(a->location), "/redirect/%lu/%.500s", n - 1, end + 1);
    set_body(a, MHD_HTTP_FOUND, "text/plain", NULL, 0);
}

/* ---- dispatch ---- */

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void route(server *s, struct MHD_Connection *c, const char *url, const char *method,
                  const request *r, answer *a)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;

    if (starts(url, "/admin/")) {
        if (!s->admin)
            set_error(a, MHD_HTTP_NOT_FOUND, "admin endpoints are off (--no-admin)");
        else if (strcmp(url, "/admin/fault") == 0 && post)
            admin_fault(s, c, a);
        else if (strcmp(url, "/admin/faults") == 0 && get)
            set_json(a, MHD_HTTP_OK, faults_json(s));
        else
            set_error(a, MHD_HTTP_NOT_FOUND, "POST /admin/fault or GET /admin/faults");
        return;
    }
    if (s->files != NULL && (starts(url, "/files/") || starts(url, "/redirect/"))) {
        if (!get)
            set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants GET", url);
        else if (starts(url, "/files/"))
            get_file(s, c, url + strlen("/files/"), a);
        else
            get_redirect(s, c, url + strlen("/redirect/"), a);
        return;
    }
    if (s->log == NULL) {
        set_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint: %s (only /files/ is served)", url);
        return;
    }
    if (strcmp(url, "/ct/v1/add-chain") == 0 || strcmp(url, "/ct/v1/add-pre-chain") == 0) {
        if (!post) {
            set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants POST", url);
            return;
        }
        pthread_rwlock_wrlock(&s->log->lock);
        add_chain(s, r, strcmp(url, "/ct/v1/add-pre-chain") == 0, a);
        pthread_rwlock_unlock(&s->log->lock);
        return;
    }
    if (!get) {
        set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants GET", url);
        return;
    }
    pthread_rwlock_rdlock(&s->log->lock);
    if (strcmp(url, "/ct/v1/get-sth") == 0)
        get_sth(s, a);
    else if (strcmp(url, "/ct/v1/get-sth-consistency") == 0)
        get_consistency(s, c, a);
    else if (strcmp(url, "/ct/v1/get-proof-by-hash") == 0)
        get_proof_by_hash(s, c, a);
    else if (strcmp(url, "/ct/v1/get-entries") == 0)
        get_entries(s, c, a);
    else if (strcmp(url, "/ct/v1/get-entry-and-proof") == 0)
        get_entry_and_proof(s, c, a);
    else if (strcmp(url, "/ct/v1/get-roots") == 0)
        get_roots(s, a);
    else if (strcmp(url, "/checkpoint") == 0)
        get_checkpoint(s, a);
    else if (starts(url, "/tile/data/"))
        get_data_tile(s, url + strlen("/tile/data/"), a);
    else if (starts(url, "/tile/"))
        get_tile(s, url + strlen("/tile/"), a);
    else if (starts(url, "/issuer/"))
        get_issuer(s, url + strlen("/issuer/"), a);
    else
        set_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint: %s", url);
    pthread_rwlock_unlock(&s->log->lock);
}

/* 1 when Accept-Encoding accepts gzip (a "gzip" or "*" coding without
 * q=0). */
static int accepts_gzip(const char *ae)
{
    const char *p = ae;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ','), *semi;
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p), tok;
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        semi = memchr(p, ';', len);
        tok = semi != NULL ? (size_t)(semi - p) : len;
        while (tok > 0 && (p[tok - 1] == ' ' || p[tok - 1] == '\t'))
            tok--;
        if ((tok == 4 && strncasecmp(p, "gzip", 4) == 0) || (tok == 1 && p[0] == '*')) {
            const char *q = semi != NULL ? strstr(semi, "q=") : NULL;
            if (q == NULL || q > p + len || strtod(q + 2, NULL) > 0)
                return 1;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

static void sleep_ms(server *s, unsigned ms)
{
    while (ms > 0 && !atomic_load(&s->stopping)) {
        unsigned step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static enum MHD_Result send_answer(server *s, struct MHD_Connection *c, answer *a)
{
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int gz = 0;
    char ra[16];

    if (a->status == MHD_HTTP_OK && a->len > 0 && s->gzip != GZIP_NEVER &&
        (s->gzip == GZIP_ALWAYS || (ae != NULL && accepts_gzip(ae)))) {
        uint8_t *z = NULL;
        size_t zlen = 0;
        if (tl_gzip((const uint8_t *)a->body, a->len, &z, &zlen)) {
            free(a->body);
            a->body = (char *)z;
            a->len = zlen;
            gz = 1;
        }
    }
    resp = MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(a->body);
        return MHD_NO;
    }
    a->body = NULL;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            a->type != NULL ? a->type : "application/json");
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (s->gzip == GZIP_AUTO)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (a->cache != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, a->cache);
    if (a->retry_after > 0) {
        snprintf(ra, sizeof(ra), "%u", a->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (a->etag[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
    if (a->last_modified[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, a->last_modified);
    if (a->location[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, a->location);
    ret = MHD_queue_response(c, a->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Every Nth counted request: counter starts when the fault is switched on. */
static int nth(atomic_uint *every, atomic_ulong *count)
{
    unsigned e = atomic_load(every);
    return e > 0 && (atomic_fetch_add(count, 1) + 1) % e == 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    server *s = cls;
    request *r = *con_cls;
    answer a;
    int admin = starts(url, "/admin/");

    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        *con_cls = r;
        if (!admin && nth(&s->f.drop_every, &s->f.drop_count)) {
            if (s->verbose)
                fprintf(stderr, "caguard-testlog: %s %s: dropped (fault)\n", method, url);
            return MHD_NO; /* closes the connection without an answer */
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (r->len + *upload_size > TL_MAX_BODY) {
            r->too_big = 1;
        } else {
            if (r->len + *upload_size > r->cap) {
                size_t cap = (r->len + *upload_size) * 2;
                uint8_t *nb = realloc(r->body, cap);
                if (nb == NULL)
                    return MHD_NO;
                r->body = nb;
                r->cap = cap;
            }
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }

    memset(&a, 0, sizeof(a));
    if (!admin) {
        unsigned delay = atomic_load(&s->f.delay_ms);
        if (delay > 0)
            sleep_ms(s, delay);
        if (nth(&s->f.rate_every, &s->f.rate_count)) {
            unsigned ra = atomic_load(&s->f.retry_after);
            set_error(&a, MHD_HTTP_TOO_MANY_REQUESTS, "rate limited (fault); retry after %u s",
                      ra);
            a.retry_after = ra > 0 ? ra : 1;
        }
    }
    if (a.status == 0)
        route(s, c, url, method, r, &a);
    if (s->verbose)
        fprintf(stderr, "caguard-testlog: %s %s -> %u (%zu bytes)\n", method, url, a.status,
                a.len);
    return send_answer(s, c, &a);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    request *r = *con_cls;
    if (r != NULL) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

/* ---- listening ---- */

/* "A.B.C.D:PORT" or "[v6]:PORT", numeric only. */
static int write_loglist(const char *path, const tl_log *log, const char *url, int tiled)
{
    char *id = cg_base64_encode_new(log->log_id, 32), *key = cg_base64_encode_new(log->pub_der, log->pub_len), *s = NULL;
    char desc[TL_ORIGIN_MAX + 32];
    json_t *entry = json_object(), *op = json_object(), *list = json_object();
    json_t *state = json_pack("{s{ss}}", "usable", "timestamp", "2020-01-01T00:00:00Z");
    int ok = 0;

    snprintf(desc, sizeof(desc), "caguard-testlog %s", log->origin);
    if (id == NULL || key == NULL || entry == NULL || op == NULL || list == NULL || state == NULL)
        goto out;
    json_object_set_new(entry, "description", json_string(desc));
    json_object_set_new(entry, "log_id", json_string(id));
    json_object_set_new(entry, "key", json_string(key));
    if (tiled) {
        json_object_set_new(entry, "submission_url", json_string(url));
        json_object_set_new(entry, "monitoring_url", json_string(url));
    } else {
        json_object_set_new(entry, "url", json_string(url));
    }
    json_object_set_new(entry, "mmd", json_integer(86400));
    json_object_set(entry, "state", state);
    json_object_set_new(op, "name", json_string("caguard-testlog"));
    json_object_set_new(op, "email", json_pack("[s]", "testlog@caguard.invalid"));
    json_object_set_new(op, "logs", json_array());
    json_object_set_new(op, "tiled_logs", json_array());
    json_array_append(json_object_get(op, tiled ? "tiled_logs" : "logs"), entry);
    json_object_set_new(list, "version", json_string("1.0"));
    json_object_set_new(list, "log_list_timestamp", json_string("2020-01-01T00:00:00Z"));
    json_object_set_new(list, "operators", json_pack("[O]", op));
    s = json_dumps(list, JSON_INDENT(1));
    ok = s != NULL && tl_write_file(path, s, strlen(s), 0644);
out:
    json_decref(state);
    json_decref(entry);
    json_decref(op);
    json_decref(list);
    free(s);
    free(id);
    free(key);
    return ok;
}

int tl_cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"files", required_argument, NULL, 'F'},
        {"listen", required_argument, NULL, 'l'},
        {"max-batch", required_argument, NULL, 'b'},
        {"gzip", required_argument, NULL, 'g'},
        {"loglist-out", required_argument, NULL, 'L'},
        {"loglist-static", no_argument, NULL, 'S'},
        {"no-admin", no_argument, NULL, 'A'},
        {"verbose", no_argument, NULL, 'v'},
        {"tamper-entry", required_argument, NULL, 't'},
        {"wrong-key", no_argument, NULL, 'w'},
        {"rate-limit", required_argument, NULL, 'r'},
        {"drop-every", required_argument, NULL, 'D'},
        {"delay", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static server srv; /* reached from the MHD threads until they stop */
    const char *dir = NULL, *listen_spec = NULL, *loglist = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct MHD_Daemon *d = NULL;
    char name[INET6_ADDRSTRLEN + 16], err[512];
    int opt, fd = -1, loglist_static = 0, sig = 0, rc = 1;
    uint64_t v;
    sigset_t set;

    memset(&srv, 0, sizeof(srv));
    srv.max_batch = 1000;
    srv.admin = 1;
    atomic_store(&srv.f.tamper, -1);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            dir = optarg;
            break;
        case 'F':
            srv.files = optarg;
            break;
        case 'l':
            listen_spec = optarg;
            break;
        case 'b':
            if (!cg_parse_u64(optarg, 1, 1000000, &v)) {
                fprintf(stderr,
                        "caguard-testlog serve: --max-batch wants 1..1000000, got "
                        "\"%s\"\n",
                        optarg);
                return TL_EXIT_USAGE;
            }
            srv.max_batch = v;
            break;
        case 'g':
            if (strcmp(optarg, "auto") == 0)
                srv.gzip = GZIP_AUTO;
            else if (strcmp(optarg, "always") == 0)
                srv.gzip = GZIP_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                srv.gzip = GZIP_NEVER;
            else {
                fprintf(stderr, "caguard-testlog serve: --gzip auto|always|never\n");
                return TL_EXIT_USAGE;
            }
            break;
        case 'L':
            loglist = optarg;
            break;
        case 'S':
            loglist_static = 1;
            break;
        case 'A':
            srv.admin = 0;
            break;
        case 'v':
            srv.verbose = 1;
            break;
        case 't':
            if (!cg_parse_u64(optarg, 0, INT64_MAX, &v)) {
                fprintf(stderr, "caguard-testlog serve: --tamper-entry wants an entry index\n");
                return TL_EXIT_USAGE;
            }
            atomic_store(&srv.f.tamper, (long long)v);
            break;
        case 'w':
            atomic_store(&srv.f.wrong_key, 1);
            break;
        case 'r': {
            char *colon = strchr(optarg, ':');
            uint64_t every, ra = 1;
            if (colon != NULL)
                *colon = '\0';
            if (!cg_parse_u64(optarg, 1, 1000000, &every) ||
                (colon != NULL && !cg_parse_u64(colon + 1, 1, 86400, &ra))) {
                fprintf(stderr, "caguard-testlog serve: --rate-limit wants N[:SECONDS], N >= 1\n");
                return TL_EXIT_USAGE;
            }
            atomic_store(&srv.f.rate_every, (unsigned)every);
            atomic_store(&srv.f.retry_after, (unsigned)ra);
            break;
        }
        case 'D':
            if (!cg_parse_u64(optarg, 1, 1000000, &v)) {
                fprintf(stderr, "caguard-testlog serve: --drop-every wants N >= 1\n");
                return TL_EXIT_USAGE;
            }
            atomic_store(&srv.f.drop_every, (unsigned)v);
            break;
        case 's':
            if (!cg_parse_u64(optarg, 0, 1000000, &v)) {
                fprintf(stderr, "caguard-testlog serve: --delay wants milliseconds\n");
                return TL_EXIT_USAGE;
            }
            atomic_store(&srv.f.delay_ms, (unsigned)v);
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return 0;
        default:
            fputs(serve_usage, stderr);
            return TL_EXIT_USAGE;
        }
    }
    if ((dir == NULL && srv.files == NULL) || listen_spec == NULL || optind != argc) {
        fprintf(stderr, "caguard-testlog serve: %s\n\n",
                dir == NULL && srv.files == NULL ? "--dir or --files is required"
                : listen_spec == NULL ? "--listen is required"
                                      : "unexpected argument");
        fputs(serve_usage, stderr);
        return TL_EXIT_USAGE;
    }
    if (!cg_httpd_parse_listen(listen_spec, &ss, &sslen)) {
        fprintf(stderr,
                "caguard-testlog serve: bad --listen \"%s\": want a numeric IPv4 address or "
                "[IPv6] address and a port, e.g. 127.0.0.1:0\n",
                listen_spec);
        return TL_EXIT_USAGE;
    }
    if (srv.files != NULL) {
        struct stat fst;
        if (stat(srv.files, &fst) != 0 || !S_ISDIR(fst.st_mode)) {
            fprintf(stderr, "caguard-testlog serve: --files %s is not a directory\n", srv.files);
            return TL_EXIT_USAGE;
        }
    }
    if (loglist != NULL && dir == NULL) {
        fprintf(stderr, "caguard-testlog serve: --loglist-out needs --dir\n");
        return TL_EXIT_USAGE;
    }
    if (dir != NULL) {
        srv.log = tl_log_open(dir, err, sizeof(err));
        if (srv.log == NULL) {
            fprintf(stderr, "caguard-testlog serve: %s\n", err);
            return TL_EXIT_USAGE;
        }
        srv.log->sync = 1;
    }
    fd = cg_httpd_listen_open(listen_spec, name, sizeof(name), err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "caguard-testlog serve: %s\n", err);
        goto out;
    }
    /* static-ct-api: the origin is the schema-less submission prefix. */
    if (srv.log != NULL && srv.log->origin[0] == '\0') {
        snprintf(srv.log->origin, sizeof(srv.log->origin), "%s", name);
        if (!tl_log_save_head(srv.log, err, sizeof(err))) {
            fprintf(stderr, "caguard-testlog serve: %s\n", err);
            goto out;
        }
    }
    if (loglist != NULL) {
        char url[sizeof(name) + 16];
        snprintf(url, sizeof(url), "http://%s/", name);
        if (!write_loglist(loglist, srv.log, url, loglist_static)) {
            fprintf(stderr, "caguard-testlog serve: %s: cannot write the log list\n", loglist);
            goto out;
        }
    }

    /* The MHD threads inherit this mask: only the main thread takes the
     * signals, through sigwait. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                             MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                         0, NULL, NULL, handler, &srv, MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, &srv,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "caguard-testlog serve: cannot start the HTTP server on %s\n", name);
        goto out;
    }
    fd = -1; /* MHD owns it */
    printf("listening on %s\n", name);
    fflush(stdout);
    if (srv.verbose && srv.log != NULL)
        fprintf(stderr, "caguard-testlog: %llu entries, origin %s\n",
                (unsigned long long)srv.log->n, srv.log->origin);
    while (sigwait(&set, &sig) != 0)
        ;
    atomic_store(&srv.stopping, 1);
    MHD_stop_daemon(d);
    fprintf(stderr, "caguard-testlog: stopped by signal %d\n", sig);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    tl_log_free(srv.log);
    return rc;
}
