/* The HTTP listener (httpd.h) over libmicrohttpd's internal thread pool:
 * each worker thread polls its own share of the connections (epoll) and
 * runs the handler for their requests, so a request never waits for a
 * thread hand-off.
 *
 * Per request, a `pending` holds the body read so far and the request ID;
 * it lives from the request line to MHD's completion notice, which is
 * also where the in-flight count drops. Invariants: pending.len <=
 * max_body; once too_big is set, no more bytes are kept; in_flight counts
 * the requests between their first call and their completion. */
#include "obs/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct cg_httpd {
    struct MHD_Daemon *d;
    cg_httpd_opts o;
    char address[INET6_ADDRSTRLEN + 16];
    char id_prefix[17];
    atomic_uint in_flight;
    atomic_ulong next_id;
    atomic_int stopping;
};

typedef struct pending {
    uint8_t *body;
    size_t len, cap;
    int too_big;
    int answered; /* a response was queued */
    int early;    /* ... before the body was read: the connection closes after it */
    double started;
    char id[72];
    char client[INET6_ADDRSTRLEN];
} pending;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cg_httpd_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *h = spec;
    size_t hlen;
    unsigned long port = 0;

    memset(ss, 0, sizeof(*ss));
    if (spec == NULL)
        return 0;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || close[1] != ':')
            return 0;
        h = spec + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL)
            return 0;
        hlen = (size_t)(colon - spec);
    }
    const char *p = colon + 1;
    if (*p == '\0' || strlen(p) > 5)
        return 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (hlen == 0 || hlen >= sizeof(host) || port > 65535)
        return 0;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (spec[0] == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return 0;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *sslen = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return 0;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *sslen = sizeof(*a4);
    }
    return 1;
}

static void addr_name(const struct sockaddr *sa, char *name, size_t cap, int with_port)
{
    char host[INET6_ADDRSTRLEN] = "";
    const void *a;
    unsigned port;
    int v6 = sa->sa_family == AF_INET6;
    if (v6) {
        a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    } else if (sa->sa_family == AF_INET) {
        a = &((const struct sockaddr_in *)sa)->sin_addr;
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    } else {
        snprintf(name, cap, "%s", "");
        return;
    }
    inet_ntop(sa->sa_family, a, host, sizeof(host));
    if (!with_port)
        snprintf(name, cap, "%s", host);
    else
        snprintf(name, cap, v6 ? "[%s]:%u" : "%s:%u", host, port);
}

int cg_httpd_listen_open(const char *spec, char *name, size_t cap, char *err, size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int one = 1;
    if (!cg_httpd_parse_listen(spec, &ss, &sslen)) {
        snprintf(err, errcap,
                 "bad listen address \"%s\": want a numeric IPv4 address or [IPv6] address "
                 "and a port, e.g. 127.0.0.1:8080",
                 spec != NULL ? spec : "");
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errcap, "cannot listen on %s: %s", spec, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        snprintf(err, errcap, "cannot listen on %s: %s", spec, strerror(errno));
        close(fd);
        return -1;
    }
    addr_name((struct sockaddr *)&ss, name, cap, 1);
    return fd;
}

const char *cg_http_header(const cg_http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *cg_http_query(const cg_http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void cg_http_response_header(cg_http_response *resp, const char *name, const char *value)
{
    if (resp->n_headers < CG_HTTPD_MAX_HEADERS) {
        resp->headers[resp->n_headers][0] = name;
        resp->headers[resp->n_headers][1] = value;
        resp->n_headers++;
    }
}

/* An X-Request-ID a proxy set is kept when it is short and plain. */
static int id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return n > 0;
}

static enum MHD_Result send_response(cg_httpd *h, struct MHD_Connection *c, pending *p,
                                     const cg_http_request *req, cg_http_response *resp)
{
    unsigned status = resp->status != 0 ? resp->status : MHD_HTTP_INTERNAL_SERVER_ERROR;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, resp->body != NULL ? resp->body : (void *)"",
        resp->body != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(resp->body);
        return MHD_NO;
    }
    if (resp->content_type != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    MHD_add_response_header(r, "X-Request-ID", p->id);
    for (size_t i = 0; i < resp->n_headers; i++)
        MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
    if (atomic_load(&h->stopping) || p->early)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    if (h->o.done != NULL)
        h->o.done(h->o.arg, req, status, resp->body_len, now_s() - p->started);
    return ok;
}

static void error_response(cg_http_response *resp, unsigned status, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    resp->status = status;
    resp->content_type = "application/json";
    size_t cap = strlen(msg) + 32;
    resp->body = malloc(cap);
    if (resp->body != NULL)
        resp->body_len = (size_t)snprintf(resp->body, cap, "{\"error\":\"%s\"}\n", msg);
}

static void fill_request(cg_http_request *req, struct MHD_Connection *c, const pending *p,
                         const char *url, const char *method)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->path = url;
    req->body = p->body;
    req->body_len = p->len;
    req->id = p->id;
    req->client = p->client;
    req->started = p->started;
    req->conn = c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    cg_httpd *h = cls;
    pending *p = *con_cls;
    cg_http_request req;
    cg_http_response resp;

    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        atomic_fetch_add(&h->in_flight, 1);
        p->started = now_s();
        const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-ID");
        if (rid != NULL && id_ok(rid))
            snprintf(p->id, sizeof(p->id), "%s", rid);
        else
            snprintf(p->id, sizeof(p->id), "%s-%lx", h->id_prefix,
                     (unsigned long)atomic_fetch_add(&h->next_id, 1));
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci != NULL && ci->client_addr != NULL)
            addr_name(ci->client_addr, p->client, sizeof(p->client), 0);
        /* A declared body far over the limit is refused before it is read
         * (the connection then closes); one up to 4 times the limit is read
         * and dropped, so that the client, still sending, gets the 413
         * rather than a reset connection. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        char *end;
        errno = 0;
        unsigned long long n = cl != NULL ? strtoull(cl, &end, 10) : 0;
        if (cl != NULL && (errno != 0 || n / 4 > h->o.max_body)) {
            memset(&resp, 0, sizeof(resp));
            error_response(&resp, MHD_HTTP_CONTENT_TOO_LARGE,
                           "request body of %s bytes is over the limit of %zu bytes", cl,
                           h->o.max_body);
            p->answered = p->early = 1;
            fill_request(&req, c, p, url, method);
            return send_response(h, c, p, &req, &resp);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!p->answered && !p->too_big) {
            if (*upload_size > h->o.max_body - p->len) {
                p->too_big = 1;
                free(p->body);
                p->body = NULL;
                p->len = p->cap = 0;
            } else {
                if (p->len + *upload_size > p->cap) {
                    size_t cap = p->cap == 0 ? 4096 : p->cap;
                    while (cap < p->len + *upload_size)
                        cap *= 2;
                    if (cap > h->o.max_body)
                        cap = h->o.max_body;
                    uint8_t *nb = realloc(p->body, cap);
                    if (nb == NULL)
                        return MHD_NO;
                    p->body = nb;
                    p->cap = cap;
                }
                memcpy(p->body + p->len, upload, *upload_size);
                p->len += *upload_size;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (p->answered)
        return MHD_YES;
    memset(&resp, 0, sizeof(resp));
    fill_request(&req, c, p, url, method);
    if (p->too_big)
        error_response(&resp, MHD_HTTP_CONTENT_TOO_LARGE,
                       "request body is over the limit of %zu bytes", h->o.max_body);
    else
        h->o.handler(h->o.arg, &req, &resp);
    p->answered = 1;
    return send_response(h, c, p, &req, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    cg_httpd *h = cls;
    pending *p = *con_cls;
    if (p == NULL)
        return;
    free(p->body);
    free(p);
    *con_cls = NULL;
    atomic_fetch_sub(&h->in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    fputs("caguard: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

cg_httpd *cg_httpd_start(const cg_httpd_opts *o, char *err, size_t errcap)
{
    cg_httpd *h = calloc(1, sizeof(*h));
    uint8_t rnd[8] = {0};
    if (h == NULL) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    h->o = *o;
    if (h->o.max_body == 0)
        h->o.max_body = CG_HTTPD_DEFAULT_MAX_BODY;
    if (h->o.timeout == 0)
        h->o.timeout = CG_HTTPD_DEFAULT_TIMEOUT;
    if (h->o.max_conns == 0)
        h->o.max_conns = 1024;
    if (h->o.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        h->o.threads = n > 0 && n < 256 ? (unsigned)n : 2;
    }
    /* Request IDs: a random prefix per process, then a counter. */
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd));
    for (size_t i = 0; i < 8; i++)
        snprintf(h->id_prefix + 2 * i, 3, "%02x", rnd[i]);
    int fd = cg_httpd_listen_open(o->listen, h->address, sizeof(h->address), err, errcap);
    if (fd < 0) {
        free(h);
        return NULL;
    }
    struct sockaddr_storage ss;
    socklen_t sslen;
    cg_httpd_parse_listen(o->listen, &ss, &sslen);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                            mhd_log, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
                            h->o.threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                            MHD_OPTION_CONNECTION_TIMEOUT, h->o.timeout,
                            MHD_OPTION_CONNECTION_LIMIT, h->o.max_conns, MHD_OPTION_END);
    if (h->d == NULL) {
        snprintf(err, errcap, "cannot start the HTTP server on %s", h->address);
        close(fd);
        free(h);
        return NULL;
    }
    return h;
}

const char *cg_httpd_address(const cg_httpd *h)
{
    return h->address;
}

unsigned cg_httpd_in_flight(const cg_httpd *h)
{
    return atomic_load(&((cg_httpd *)h)->in_flight);
}

unsigned cg_httpd_stop(cg_httpd *h, unsigned grace_seconds)
{
    if (h == NULL)
        return 0;
    atomic_store(&h->stopping, 1);
    MHD_socket fd = MHD_quiesce_daemon(h->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    double until = now_s() + grace_seconds;
    while (atomic_load(&h->in_flight) > 0 && now_s() < until) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    unsigned left = atomic_load(&h->in_flight);
    MHD_stop_daemon(h->d);
    free(h);
    return left;
}
