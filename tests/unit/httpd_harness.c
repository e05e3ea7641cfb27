/* The unit tests' HTTP server (httpd_harness.h). */
#include "httpd_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits until the client has closed c (its end of file), at most ms. */
static void hold(int c, int ms)
{
    char sink[4096];
    struct pollfd p = {.fd = c, .events = POLLIN};
    while (ms > 0 && poll(&p, 1, ms) == 1) {
        if (read(c, sink, sizeof(sink)) <= 0)
            return;
    }
}

static void *loop(void *arg)
{
    cg_test_httpd *h = arg;
    for (;;) {
        char head[8192];
        size_t len = 0;
        cg_test_request req;
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            break; /* the socket was shut down: stop */
        while (len < sizeof(head) - 1) {
            ssize_t n = read(c, head + len, sizeof(head) - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            head[len] = '\0';
            if (strstr(head, "\r\n\r\n") != NULL)
                break;
        }
        head[len] = '\0';
        memset(&req, 0, sizeof(req));
        req.head = head;
        if (sscanf(head, "%15s %1023s", req.method, req.path) != 2)
            req.method[0] = req.path[0] = '\0';
        h->fn(h->arg, c, &req);
        shutdown(c, SHUT_WR);
        hold(c, atomic_load(&h->hold_ms));
        close(c);
    }
    return NULL;
}

int cg_test_httpd_start(cg_test_httpd *h, cg_test_handler fn, void *arg)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(h, 0, sizeof(*h));
    h->fn = fn;
    h->arg = arg;
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not end the test */
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (h->fd < 0)
        return 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(h->fd, 64) != 0 ||
        getsockname(h->fd, (struct sockaddr *)&a, &alen) != 0 ||
        pthread_create(&h->th, NULL, loop, h) != 0) {
        close(h->fd);
        return 0;
    }
    h->port = ntohs(a.sin_port);
    h->running = 1;
    return 1;
}

void cg_test_httpd_stop(cg_test_httpd *h)
{
    if (!h->running)
        return;
    shutdown(h->fd, SHUT_RDWR); /* accept() returns: the loop ends */
    pthread_join(h->th, NULL);
    close(h->fd);
    h->running = 0;
}

int cg_test_httpd_next_waiting(cg_test_httpd *h, int ms)
{
    /* A listening socket is readable when a connection waits in its
     * backlog. */
    struct pollfd p = {.fd = h->fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN) != 0;
}

void cg_test_httpd_url(const cg_test_httpd *h, const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "http://127.0.0.1:%d%s", h->port, path);
}

void cg_test_httpd_send(int conn, const char *status, const char *hdrs, const void *body,
                        size_t len)
{
    char head[1024];
    int n =
        snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nConnection: close\r\n%s\r\n", status, hdrs);
    if (n < 0 || (size_t)n >= sizeof(head) || write(conn, head, (size_t)n) < 0)
        return;
    if (len > 0 && write(conn, body, len) < 0)
        return;
}

void cg_test_httpd_reply(int conn, int code, const char *hdrs, const void *body, size_t len)
{
    char status[16], all[1024];
    snprintf(status, sizeof(status), "%d X", code);
    snprintf(all, sizeof(all), "Content-Length: %zu\r\n%s", len, hdrs);
    cg_test_httpd_send(conn, status, all, body, len);
}

void cg_test_httpd_header(const cg_test_request *req, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = strstr(req->head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t n = end != NULL ? (size_t)(end - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}
