/* A small HTTP/1.1 server on 127.0.0.1 in a thread of the test, for the CRL
 * fetcher and watcher tests. One request per connection (Connection:
 * close). Paths:
 *   /f/NAME          the file NAME set with crlhttp_set (its ETag is
 *                    "\"vN\"", N its version, and Last-Modified a fixed date
 *                    per version); If-None-Match or If-Modified-Since that
 *                    match answer 304; a missing NAME 404
 *   /r/N/NAME        a 302 to /r/N-1/NAME, /r/0/NAME being /f/NAME
 *   /ftp/NAME        a 302 to ftp://127.0.0.1/NAME
 *   /big-len         Content-Length: 10^9 and a few bytes, then close
 *   /big-stream      no Content-Length: 64 KiB blocks until the client leaves
 *   /trunc           Content-Length: 4096, 100 bytes, then close
 *   /status/CODE     that status, a short body
 * The server counts requests and keeps the last request's validators. */
#ifndef CAGUARD_TEST_CRLHTTP_H
#define CAGUARD_TEST_CRLHTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define CRLHTTP_FILES 16

typedef struct crlhttp_file {
    char name[64];
    uint8_t *data;
    size_t len;
    unsigned version;
} crlhttp_file;

typedef struct crlhttp {
    int fd;
    int port;
    pthread_t th;
    pthread_mutex_t mu;
    crlhttp_file files[CRLHTTP_FILES];
    unsigned requests;
    unsigned answered_304;
    char last_inm[256]; /* If-None-Match of the last request, "" when none */
    char last_ims[256];
} crlhttp;

static void crlhttp_set(crlhttp *s, const char *name, const uint8_t *data, size_t len)
{
    pthread_mutex_lock(&s->mu);
    crlhttp_file *f = NULL;
    for (int i = 0; i < CRLHTTP_FILES && f == NULL; i++) {
        if (strcmp(s->files[i].name, name) == 0)
            f = &s->files[i];
    }
    for (int i = 0; i < CRLHTTP_FILES && f == NULL; i++) {
        if (s->files[i].name[0] == '\0')
            f = &s->files[i];
    }
    if (f != NULL) {
        snprintf(f->name, sizeof(f->name), "%s", name);
        free(f->data);
        f->data = malloc(len > 0 ? len : 1);
        if (len > 0)
            memcpy(f->data, data, len);
        f->len = len;
        f->version++;
    }
    pthread_mutex_unlock(&s->mu);
}

/* NAME answers 404 from now on. */
static void crlhttp_remove(crlhttp *s, const char *name)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < CRLHTTP_FILES; i++) {
        if (strcmp(s->files[i].name, name) == 0)
            s->files[i].name[0] = '\0'; /* the slot keeps its version count */
    }
    pthread_mutex_unlock(&s->mu);
}

static void crlhttp_send(int c, const char *status, const char *hdrs, const void *body, size_t len)
{
    char h[1024];
    int n = snprintf(h, sizeof(h), "HTTP/1.1 %s\r\nConnection: close\r\n%s\r\n", status, hdrs);
    if (write(c, h, (size_t)n) < 0)
        return;
    if (len > 0 && write(c, body, len) < 0)
        return;
}

static void crlhttp_header(const char *req, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = strstr(req, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
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

static void crlhttp_file_answer(crlhttp *s, int c, const char *name, const char *inm,
                                const char *ims)
{
    char etag[32], lm[64], hdrs[256];
    pthread_mutex_lock(&s->mu);
    crlhttp_file *f = NULL;
    for (int i = 0; i < CRLHTTP_FILES && f == NULL; i++) {
        if (s->files[i].name[0] != '\0' && strcmp(s->files[i].name, name) == 0)
            f = &s->files[i];
    }
    if (f == NULL) {
        pthread_mutex_unlock(&s->mu);
        crlhttp_send(c, "404 Not Found", "Content-Length: 9\r\n", "not found", 9);
        return;
    }
    snprintf(etag, sizeof(etag), "\"v%u\"", f->version);
    snprintf(lm, sizeof(lm), "Mon, %02u Jan 2024 00:00:00 GMT", 1 + f->version % 28);
    if ((inm[0] != '\0' && strcmp(inm, etag) == 0) ||
        (inm[0] == '\0' && ims[0] != '\0' && strcmp(ims, lm) == 0)) {
        s->answered_304++;
        pthread_mutex_unlock(&s->mu);
        snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\n", etag, lm);
        crlhttp_send(c, "304 Not Modified", hdrs, NULL, 0);
        return;
    }
    size_t len = f->len;
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (len > 0)
        memcpy(copy, f->data, len);
    pthread_mutex_unlock(&s->mu);
    snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\nContent-Length: %zu\r\n", etag,
             lm, len);
    crlhttp_send(c, "200 OK", hdrs, copy, len);
    free(copy);
}

static void crlhttp_answer(crlhttp *s, int c, const char *req)
{
    char path[512], inm[256], ims[256], hdrs[700];
    if (sscanf(req, "GET %511s", path) != 1) {
        crlhttp_send(c, "400 Bad Request", "Content-Length: 0\r\n", NULL, 0);
        return;
    }
    crlhttp_header(req, "If-None-Match", inm, sizeof(inm));
    crlhttp_header(req, "If-Modified-Since", ims, sizeof(ims));
    pthread_mutex_lock(&s->mu);
    s->requests++;
    snprintf(s->last_inm, sizeof(s->last_inm), "%s", inm);
    snprintf(s->last_ims, sizeof(s->last_ims), "%s", ims);
    pthread_mutex_unlock(&s->mu);
    if (strncmp(path, "/f/", 3) == 0) {
        crlhttp_file_answer(s, c, path + 3, inm, ims);
    } else if (strncmp(path, "/r/", 3) == 0) {
        char *end;
        long n = strtol(path + 3, &end, 10);
        if (*end != '/') {
            crlhttp_send(c, "404 Not Found", "Content-Length: 0\r\n", NULL, 0);
        } else if (n <= 0) {
            crlhttp_file_answer(s, c, end + 1, inm, ims);
        } else {
            snprintf(hdrs, sizeof(hdrs), "Location: /r/%ld%s\r\nContent-Length: 0\r\n", n - 1,
                     end);
            crlhttp_send(c, "302 Found", hdrs, NULL, 0);
        }
    } else if (strncmp(path, "/ftp/", 5) == 0) {
        snprintf(hdrs, sizeof(hdrs), "Location: ftp://127.0.0.1/%s\r\nContent-Length: 0\r\n",
                 path + 5);
        crlhttp_send(c, "302 Found", hdrs, NULL, 0);
    } else if (strcmp(path, "/big-len") == 0) {
        crlhttp_send(c, "200 OK", "Content-Length: 1000000000\r\n", "0123456789", 10);
    } else if (strcmp(path, "/big-stream") == 0) {
        static uint8_t block[65536];
        crlhttp_send(c, "200 OK", "", NULL, 0);
        for (int i = 0; i < 4096; i++) { /* 256 MiB at most */
            if (write(c, block, sizeof(block)) < 0)
                break;
        }
    } else if (strcmp(path, "/trunc") == 0) {
        static const uint8_t part[100];
        crlhttp_send(c, "200 OK", "Content-Length: 4096\r\n", part, sizeof(part));
    } else if (strncmp(path, "/status/", 8) == 0) {
        char st[64];
        snprintf(st, sizeof(st), "%.3s Test", path + 8);
        crlhttp_send(c, st, "Content-Length: 4\r\n", "oops", 4);
    } else {
        crlhttp_send(c, "404 Not Found", "Content-Length: 0\r\n", NULL, 0);
    }
}

static void *crlhttp_loop(void *arg)
{
    crlhttp *s = arg;
    for (;;) {
        char req[8192];
        size_t len = 0;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        while (len < sizeof(req) - 1) {
            ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            req[len] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL)
                break;
        }
        req[len] = '\0';
        if (strncmp(req, "QUIT", 4) == 0) {
            close(c);
            break;
        }
        crlhttp_answer(s, c, req);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

static int crlhttp_start(crlhttp *s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(s, 0, sizeof(*s));
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0)
        return 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->fd, 16) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0)
        return 0;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->th, NULL, crlhttp_loop, s) == 0;
}

static void crlhttp_stop(crlhttp *s)
{
    struct sockaddr_in a;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s->port);
    if (c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 && write(c, "QUIT", 4) == 4 &&
        shutdown(c, SHUT_WR) == 0)
        pthread_join(s->th, NULL);
    if (c >= 0)
        close(c);
    close(s->fd);
    for (int i = 0; i < CRLHTTP_FILES; i++)
        free(s->files[i].data);
    pthread_mutex_destroy(&s->mu);
}

static void crlhttp_url(const crlhttp *s, const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "http://127.0.0.1:%d%s", s->port, path);
}

#endif
