/* A small HTTP/1.1 listener over libmicrohttpd, for the services caguard
 * runs (caguard serve, a monitor's /metrics): it binds ADDR:PORT, runs a
 * pool of worker threads, reads each request body whole up to a limit
 * (413 past it, without calling the handler and without buffering more:
 * a body declared over 4 times the limit is refused before it is read),
 * gives every request an ID, hands the complete request to one handler
 * and sends what it answers. A stop is graceful: no new connection is
 * accepted, the requests in flight finish and are answered, then the
 * threads end.
 *
 * The handler runs on a worker thread, several at once: what it shares
 * must be thread-safe. Ownership: a request and everything it points at
 * are borrowed for the handler's call; the handler's response body is
 * handed over (malloc'd, freed by the listener). */
#ifndef CAGUARD_OBS_HTTPD_H
#define CAGUARD_OBS_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CG_HTTPD_DEFAULT_MAX_BODY (1024u * 1024)
#define CG_HTTPD_DEFAULT_TIMEOUT 30 /* seconds */
#define CG_HTTPD_MAX_HEADERS 4      /* extra response headers */

typedef struct cg_httpd cg_httpd;

typedef struct cg_http_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* the URL path, without the query string */
    const uint8_t *body;
    size_t body_len;
    const char *id;     /* the request ID (the client's X-Request-ID when it is sane) */
    const char *client; /* the peer's address, "" when unknown */
    double started;     /* CLOCK_MONOTONIC seconds when the request line was read */
    void *conn;         /* internal */
} cg_http_request;

/* A request header (name case-insensitive) or query argument (decoded),
 * borrowed; NULL when absent. */
const char *cg_http_header(const cg_http_request *r, const char *name);
const char *cg_http_query(const cg_http_request *r, const char *name);

typedef struct cg_http_response {
    unsigned status;          /* 0: 500 */
    const char *content_type; /* static; NULL: none */
    char *body;               /* malloc'd, owned by the listener once answered */
    size_t body_len;
    /* Extra headers (name, value), copied when sent. */
    const char *headers[CG_HTTPD_MAX_HEADERS][2];
    size_t n_headers;
} cg_http_response;

/* Adds a header to the response (dropped when CG_HTTPD_MAX_HEADERS are
 * set already: the caller's own headers are few and known). */
void cg_http_response_header(cg_http_response *resp, const char *name, const char *value);

typedef void (*cg_httpd_handler)(void *arg, const cg_http_request *req, cg_http_response *resp);
/* Called once a request has been answered (by the handler or by the
 * listener itself: 413, 400 for a request line it refused), with the
 * status, the body length and the seconds since req->started: the place
 * for an access log line and request metrics. */
typedef void (*cg_httpd_done)(void *arg, const cg_http_request *req, unsigned status,
                              size_t body_len, double seconds);

typedef struct cg_httpd_opts {
    const char *listen; /* "ADDR:PORT": IPv4 or [IPv6] address; port 0 picks one */
    unsigned threads;   /* worker threads; 0: the number of processors */
    size_t max_body;    /* request body limit in bytes; 0: CG_HTTPD_DEFAULT_MAX_BODY */
    unsigned timeout;   /* seconds a connection may stay idle or stall a request; 0:
                           CG_HTTPD_DEFAULT_TIMEOUT */
    unsigned max_conns; /* 0: 1024 */
    cg_httpd_handler handler;
    cg_httpd_done done; /* may be NULL */
    void *arg;
} cg_httpd_opts;

/* Parses "ADDR:PORT" (a numeric IPv4 address, or [IPv6]). Returns 1, or 0
 * when it is not one. */
int cg_httpd_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen);

/* A listening socket (close-on-exec, SO_REUSEADDR, IPv6 only for an IPv6
 * address) bound to spec; name gets "ADDR:PORT" as bound. Returns the
 * descriptor, or -1 with the reason in err. */
int cg_httpd_listen_open(const char *spec, char *name, size_t cap, char *err, size_t errcap);

/* Binds and starts serving. Returns the listener, or NULL with the reason
 * (the address, and what failed) in err. */
cg_httpd *cg_httpd_start(const cg_httpd_opts *o, char *err, size_t errcap);
/* The address it listens on, "ADDR:PORT" with the port bound (":0"
 * resolved). */
const char *cg_httpd_address(const cg_httpd *h);
/* Requests being handled right now. */
unsigned cg_httpd_in_flight(const cg_httpd *h);
/* Stops accepting connections and waits up to grace_seconds for the
 * requests in flight to be answered, then closes every connection and
 * frees the listener. NULL is fine. Returns the number of requests still
 * in flight when the grace ran out (0 on a clean stop). */
unsigned cg_httpd_stop(cg_httpd *h, unsigned grace_seconds);

#endif
