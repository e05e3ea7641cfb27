/* The unit tests' HTTP server: HTTP/1.1 on 127.0.0.1, a free port, in a
 * thread of the test, one request per connection (answers say Connection:
 * close), each handed to the test's handler, which writes its answer on the
 * connection (the fake CT logs of logclient_test and tileclient_test, the
 * CRL files of crlhttp.h). A handler may write anything, including answers
 * no real server would: a Content-Length it does not keep, a body that
 * never ends. Requests are taken one at a time, in the order they connect. */
#ifndef CAGUARD_TEST_HTTPD_HARNESS_H
#define CAGUARD_TEST_HTTPD_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct cg_test_request {
    const char *head; /* request line and headers, NUL-terminated */
    char method[16];
    char path[1024]; /* the request target as sent ("" when the line does not parse) */
} cg_test_request;

/* Answers one request on conn (the harness closes it after). */
typedef void (*cg_test_handler)(void *arg, int conn, const cg_test_request *req);

typedef struct cg_test_httpd {
    int fd;
    int port;
    pthread_t th;
    int running;
    cg_test_handler fn;
    void *arg;
    /* When above 0 (set by the test at any time): after an answer, the next
     * connection is taken only once the client has closed this one, that
     * is read its answer to the end, or after hold_ms: a server that serves
     * a client one connection at a time, as a log limiting connections per
     * client may. A client that stops reading an answer while it waits for
     * another request's then waits until its own timeout. */
    atomic_int hold_ms;
} cg_test_httpd;

/* Listens and starts the thread; 1, or 0 when it could not. */
int cg_test_httpd_start(cg_test_httpd *h, cg_test_handler fn, void *arg);
/* Stops taking connections and joins the thread (after the request being
 * answered, if any). */
void cg_test_httpd_stop(cg_test_httpd *h);
/* For a handler: 1 when the client has connected again behind the
 * request being answered (a connection waits to be taken), waiting up to
 * ms for one; 0 when none came. */
int cg_test_httpd_next_waiting(cg_test_httpd *h, int ms);
/* "http://127.0.0.1:PORT" followed by path. */
void cg_test_httpd_url(const cg_test_httpd *h, const char *path, char *out, size_t cap);

/* Writes "HTTP/1.1 STATUS", Connection: close, hdrs (lines ending CRLF; ""
 * for none, no Content-Length added) and len bytes of body. */
void cg_test_httpd_send(int conn, const char *status, const char *hdrs, const void *body,
                        size_t len);
/* The same with a numeric code and a Content-Length of len. */
void cg_test_httpd_reply(int conn, int code, const char *hdrs, const void *body, size_t len);
/* The value of header name (any case) in the request, "" when absent. */
void cg_test_httpd_header(const cg_test_request *req, const char *name, char *out, size_t cap);

#endif
