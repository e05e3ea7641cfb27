/* The HTTP listener (httpd.h) over libmicrohttpd: one daemon per worker
 * thread, each polling its own connections (epoll) and running the handler
 * for their requests, so a request never waits for a thread hand-off. One
 * accept thread of ours takes the connections and gives each to the worker
 * that holds the fewest: with libmicrohttpd's own thread pool the workers
 * raced for every accept on the shared socket, and 64 connections opened at
 * once split 44/20 as often as 32/32, the busier worker's clients waiting
 * twice as long for the same CPU.
 *
 * Per request, a `pending` holds the body read so far and the request ID;
 * it lives from the request line to MHD's completion notice, which is
 * also where the in-flight count drops. Invariants: pending.len <=
 * max_body; once too_big is set, no more bytes are kept; in_flight counts
 * the requests between their first call and their completion. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "obs/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/errf.h"
#include "util/time.h"

/* Each connection's memory pool: the request line and headers are read
 * into its first half (grown into the rest when they need it), and
 * libmicrohttpd zeroes the whole pool after every request. 16 KiB takes a
 * request line and headers up to about 15.8 KB (431 past that; nginx and
 * Apache stop at 8 KB a line); libmicrohttpd's default, 32 KiB, cost a 32
 * KiB memset a request (2.2% of a /lintcert request's instructions,
 * docs/performance.md). */
#define CG_HTTPD_CONNECTION_POOL ((size_t)16 * 1024)

/* A worker: one daemon and the connections it holds (counted when given
 * to it, until libmicrohttpd says they closed). */
typedef struct worker {
    struct MHD_Daemon *d;
    atomic_uint open;
} worker;

struct cg_httpd {
    worker *w;
    unsigned n_w;
    int listen_fd;
    int wake[2];        /* a byte on wake[1] stops the accept thread */
    pthread_t acceptor;
    int accepting;      /* the accept thread runs */
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
        h->o.done(h->o.arg, req, status, resp->body_len, cg_time_mono() - p->started);
    return ok;
}

static void error_response(cg_http_response *resp, unsigned status, const char *fmt, ...)
{
    char msg[256];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
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
        p->started = cg_time_mono();
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

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    worker *w = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_sub(&w->open, 1);
}

static void *accept_loop(void *arg)
{
    cg_httpd *h = arg;
    struct pollfd pfd[2] = {{h->listen_fd, POLLIN, 0}, {h->wake[0], POLLIN, 0}};
    for (;;) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents != 0)
            break;
        for (;;) {
            struct sockaddr_storage ss;
            socklen_t len = sizeof(ss);
            int fd = accept4(h->listen_fd, (struct sockaddr *)&ss, &len,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0) {
                /* EAGAIN: all taken. Out of descriptors or memory: the
                 * socket stays readable, so wait a little before polling. */
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                    errno != ECONNABORTED) {
                    struct timespec ts = {0, 10 * 1000 * 1000};
                    nanosleep(&ts, NULL);
                }
                break;
            }
            unsigned open = 0;
            worker *least = &h->w[0];
            for (unsigned i = 0; i < h->n_w; i++) {
                unsigned n = atomic_load(&h->w[i].open);
                open += n;
                if (n < atomic_load(&least->open))
                    least = &h->w[i];
            }
            if (open >= h->o.max_conns) {
                close(fd); /* as libmicrohttpd does past its connection limit */
                continue;
            }
            atomic_fetch_add(&least->open, 1);
            /* On failure the socket is closed, and no close is notified. */
            if (MHD_add_connection(least->d, fd, (struct sockaddr *)&ss, len) != MHD_YES)
                atomic_fetch_sub(&least->open, 1);
        }
    }
    return NULL;
}

/* Stops taking connections; the listening socket is closed. */
static void stop_accepting(cg_httpd *h)
{
    if (h->accepting) {
        ssize_t n;
        do
            n = write(h->wake[1], "x", 1);
        while (n < 0 && errno == EINTR);
        pthread_join(h->acceptor, NULL);
        h->accepting = 0;
    }
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    h->listen_fd = -1;
}

static void stop_workers(cg_httpd *h)
{
    for (unsigned i = 0; i < h->n_w; i++) {
        if (h->w[i].d != NULL)
            MHD_stop_daemon(h->w[i].d);
    }
    free(h->w);
    for (int i = 0; i < 2; i++) {
        if (h->wake[i] >= 0)
            close(h->wake[i]);
    }
    free(h);
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
    h->wake[0] = h->wake[1] = -1;
    h->listen_fd = cg_httpd_listen_open(o->listen, h->address, sizeof(h->address), err, errcap);
    if (h->listen_fd < 0) {
        free(h);
        return NULL;
    }
    int fl = fcntl(h->listen_fd, F_GETFL);
    h->w = calloc(h->o.threads, sizeof(*h->w));
    if (fl < 0 || fcntl(h->listen_fd, F_SETFL, fl | O_NONBLOCK) != 0 || h->w == NULL ||
        pipe2(h->wake, O_CLOEXEC) != 0)
        goto fail;
    h->n_w = h->o.threads;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
    for (unsigned i = 0; i < h->n_w; i++) {
        worker *w = &h->w[i];
        atomic_init(&w->open, 0);
        w->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                                mhd_log, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                                MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
                                MHD_OPTION_CONNECTION_TIMEOUT, h->o.timeout,
                                MHD_OPTION_CONNECTION_LIMIT, h->o.max_conns,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, CG_HTTPD_CONNECTION_POOL,
                                MHD_OPTION_END);
        if (w->d == NULL)
            goto fail;
    }
    if (pthread_create(&h->acceptor, NULL, accept_loop, h) != 0)
        goto fail;
    h->accepting = 1;
    return h;
fail:
    snprintf(err, errcap, "cannot start the HTTP server on %s", h->address);
    stop_accepting(h);
    stop_workers(h);
    return NULL;
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
    stop_accepting(h);
    double until = cg_time_mono() + grace_seconds;
    while (atomic_load(&h->in_flight) > 0 && cg_time_mono() < until) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    unsigned left = atomic_load(&h->in_flight);
    stop_workers(h);
    return left;
}
