/* CRL files over the unit tests' HTTP server (httpd_harness.h), for the
 * CRL fetcher and watcher tests. Paths:
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

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd_harness.h"

#define CRLHTTP_FILES 16

typedef struct crlhttp_file {
    char name[64];
    uint8_t *data;
    size_t len;
    unsigned version;
} crlhttp_file;

typedef struct crlhttp {
    cg_test_httpd httpd;
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
        cg_test_httpd_send(c, "404 Not Found", "Content-Length: 9\r\n", "not found", 9);
        return;
    }
    snprintf(etag, sizeof(etag), "\"v%u\"", f->version);
    snprintf(lm, sizeof(lm), "Mon, %02u Jan 2024 00:00:00 GMT", 1 + f->version % 28);
    if ((inm[0] != '\0' && strcmp(inm, etag) == 0) ||
        (inm[0] == '\0' && ims[0] != '\0' && strcmp(ims, lm) == 0)) {
        s->answered_304++;
        pthread_mutex_unlock(&s->mu);
        snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\n", etag, lm);
        cg_test_httpd_send(c, "304 Not Modified", hdrs, NULL, 0);
        return;
    }
    size_t len = f->len;
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (len > 0)
        memcpy(copy, f->data, len);
    pthread_mutex_unlock(&s->mu);
    snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\nContent-Length: %zu\r\n", etag,
             lm, len);
    cg_test_httpd_send(c, "200 OK", hdrs, copy, len);
    free(copy);
}

static void crlhttp_answer(void *arg, int c, const cg_test_request *req)
{
    crlhttp *s = arg;
    const char *path = req->path;
    char inm[256], ims[256], hdrs[700];
    if (strcmp(req->method, "GET") != 0) {
        cg_test_httpd_send(c, "400 Bad Request", "Content-Length: 0\r\n", NULL, 0);
        return;
    }
    cg_test_httpd_header(req, "If-None-Match", inm, sizeof(inm));
    cg_test_httpd_header(req, "If-Modified-Since", ims, sizeof(ims));
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
            cg_test_httpd_send(c, "404 Not Found", "Content-Length: 0\r\n", NULL, 0);
        } else if (n <= 0) {
            crlhttp_file_answer(s, c, end + 1, inm, ims);
        } else {
            snprintf(hdrs, sizeof(hdrs), "Location: /r/%ld%s\r\nContent-Length: 0\r\n", n - 1,
                     end);
            cg_test_httpd_send(c, "302 Found", hdrs, NULL, 0);
        }
    } else if (strncmp(path, "/ftp/", 5) == 0) {
        snprintf(hdrs, sizeof(hdrs), "Location: ftp://127.0.0.1/%s\r\nContent-Length: 0\r\n",
                 path + 5);
        cg_test_httpd_send(c, "302 Found", hdrs, NULL, 0);
    } else if (strcmp(path, "/big-len") == 0) {
        cg_test_httpd_send(c, "200 OK", "Content-Length: 1000000000\r\n", "0123456789", 10);
    } else if (strcmp(path, "/big-stream") == 0) {
        static uint8_t block[65536];
        cg_test_httpd_send(c, "200 OK", "", NULL, 0);
        for (int i = 0; i < 4096; i++) { /* 256 MiB at most */
            if (write(c, block, sizeof(block)) < 0)
                break;
        }
    } else if (strcmp(path, "/trunc") == 0) {
        static const uint8_t part[100];
        cg_test_httpd_send(c, "200 OK", "Content-Length: 4096\r\n", part, sizeof(part));
    } else if (strncmp(path, "/status/", 8) == 0) {
        char st[64];
        snprintf(st, sizeof(st), "%.3s Test", path + 8);
        cg_test_httpd_send(c, st, "Content-Length: 4\r\n", "oops", 4);
    } else {
        cg_test_httpd_send(c, "404 Not Found", "Content-Length: 0\r\n", NULL, 0);
    }
}

static int crlhttp_start(crlhttp *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    return cg_test_httpd_start(&s->httpd, crlhttp_answer, s);
}

static void crlhttp_stop(crlhttp *s)
{
    cg_test_httpd_stop(&s->httpd);
    for (int i = 0; i < CRLHTTP_FILES; i++)
        free(s->files[i].data);
    pthread_mutex_destroy(&s->mu);
}

static void crlhttp_url(const crlhttp *s, const char *path, char *out, size_t cap)
{
    cg_test_httpd_url(&s->httpd, path, out, cap);
}

#endif
