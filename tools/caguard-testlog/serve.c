/* caguard-testlog serve: RFC 6962 §4 and static-ct-api over libmicrohttpd,
 * with fault switches that tests flip from the command line or at run
 * time through /admin/fault. One thread per connection, so a slowed answer
 * holds up only its own client; the log is behind a read-write lock that
 * add-chain takes for writing. This file is the command, the dispatch, the
 * faults and the HTTP side; the endpoints are in serve_ct.c (RFC 6962),
 * serve_tiles.c (static-ct-api) and serve_files.c (--files), see
 * serve_internal.h. */
#include "serve_internal.h"

#include "obs/httpd.h"
#include "util/errf.h"
#include "util/num.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
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

void tl_set_body(answer *a, unsigned status, const char *type, char *body, size_t len)
{
    a->status = status;
    a->type = type;
    a->body = body;
    a->len = len;
}

void tl_set_json(answer *a, unsigned status, json_t *o)
{
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL) {
        s = strdup("{\"error\":\"out of memory\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    tl_set_body(a, status, "application/json", s, s != NULL ? strlen(s) : 0);
}

void tl_set_error(answer *a, unsigned status, const char *fmt, ...)
{
    char msg[512];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    tl_set_json(a, status, json_pack("{ss}", "error", msg));
}

/* ---- query parameters ---- */

const char *tl_arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

int tl_u64_arg(struct MHD_Connection *c, answer *a, const char *name, uint64_t *out)
{
    const char *v = tl_arg(c, name);
    if (v == NULL) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "missing parameter %s", name);
        return 0;
    }
    if (!cg_parse_u64(v, 0, UINT64_MAX, out)) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "parameter %s=\"%s\" is not a non-negative integer",
                     name, v);
        return 0;
    }
    return 1;
}

cg_sth tl_current_sth(server *s)
{
    return atomic_load(&s->f.wrong_key) ? s->log->wrong_sth : s->log->sth;
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
    const char *v = tl_arg(c, name);
    uint64_t x;
    if (v == NULL) {
        *out = dflt;
        return 1;
    }
    if (!cg_parse_u64(v, 0, 1000000, &x)) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "%s=\"%s\" is not an integer in 0..1000000", name,
                     v);
        return 0;
    }
    *out = (unsigned)x;
    return 1;
}

static void admin_fault(server *s, struct MHD_Connection *c, answer *a)
{
    const char *name = tl_arg(c, "name"), *on_s = tl_arg(c, "on");
    int on;
    unsigned every = 0, extra = 0;

    if (name == NULL || on_s == NULL || (strcmp(on_s, "0") != 0 && strcmp(on_s, "1") != 0)) {
        tl_set_error(a, MHD_HTTP_BAD_REQUEST,
                     "want name=tamper|wrong-key|rate-limit|drop|slow and "
                     "on=0|1");
        return;
    }
    on = on_s[0] == '1';
    if (strcmp(name, "tamper") == 0) {
        uint64_t index = 0;
        if (on && !tl_u64_arg(c, a, "index", &index))
            return;
        if (index > (uint64_t)INT64_MAX) {
            tl_set_error(a, MHD_HTTP_BAD_REQUEST, "index too large");
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
        tl_set_error(a, MHD_HTTP_BAD_REQUEST, "unknown fault \"%s\"", name);
        return;
    }
    tl_set_json(a, MHD_HTTP_OK, faults_json(s));
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
            tl_set_error(a, MHD_HTTP_NOT_FOUND, "admin endpoints are off (--no-admin)");
        else if (strcmp(url, "/admin/fault") == 0 && post)
            admin_fault(s, c, a);
        else if (strcmp(url, "/admin/faults") == 0 && get)
            tl_set_json(a, MHD_HTTP_OK, faults_json(s));
        else
            tl_set_error(a, MHD_HTTP_NOT_FOUND, "POST /admin/fault or GET /admin/faults");
        return;
    }
    if (s->files != NULL && (starts(url, "/files/") || starts(url, "/redirect/"))) {
        if (!get)
            tl_set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants GET", url);
        else if (starts(url, "/files/"))
            tl_get_file(s, c, url + strlen("/files/"), a);
        else
            tl_get_redirect(s, c, url + strlen("/redirect/"), a);
        return;
    }
    if (s->log == NULL) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint: %s (only /files/ is served)", url);
        return;
    }
    if (strcmp(url, "/ct/v1/add-chain") == 0 || strcmp(url, "/ct/v1/add-pre-chain") == 0) {
        if (!post) {
            tl_set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants POST", url);
            return;
        }
        pthread_rwlock_wrlock(&s->log->lock);
        tl_add_chain(s, r, strcmp(url, "/ct/v1/add-pre-chain") == 0, a);
        pthread_rwlock_unlock(&s->log->lock);
        return;
    }
    if (!get) {
        tl_set_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "%s wants GET", url);
        return;
    }
    pthread_rwlock_rdlock(&s->log->lock);
    if (strcmp(url, "/ct/v1/get-sth") == 0)
        tl_get_sth(s, a);
    else if (strcmp(url, "/ct/v1/get-sth-consistency") == 0)
        tl_get_consistency(s, c, a);
    else if (strcmp(url, "/ct/v1/get-proof-by-hash") == 0)
        tl_get_proof_by_hash(s, c, a);
    else if (strcmp(url, "/ct/v1/get-entries") == 0)
        tl_get_entries(s, c, a);
    else if (strcmp(url, "/ct/v1/get-entry-and-proof") == 0)
        tl_get_entry_and_proof(s, c, a);
    else if (strcmp(url, "/ct/v1/get-roots") == 0)
        tl_get_roots(s, a);
    else if (strcmp(url, "/checkpoint") == 0)
        tl_get_checkpoint(s, a);
    else if (starts(url, "/tile/data/"))
        tl_get_data_tile(s, url + strlen("/tile/data/"), a);
    else if (starts(url, "/tile/"))
        tl_get_tile(s, url + strlen("/tile/"), a);
    else if (starts(url, "/issuer/"))
        tl_get_issuer(s, url + strlen("/issuer/"), a);
    else
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "no such endpoint: %s", url);
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
            tl_set_error(&a, MHD_HTTP_TOO_MANY_REQUESTS, "rate limited (fault); retry after %u s",
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

/* A Chrome v3 log list naming this log at url (--loglist-out). */
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
