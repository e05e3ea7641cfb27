/* obs/httpd: requests reach the handler whole (method, path, query,
 * headers, body), bodies over the limit get 413 without the handler
 * (declared or streamed), request IDs, the done callback, keep-alive
 * connections, bad listen addresses, and a graceful stop that lets a
 * request in flight finish. libcurl is the client. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obs/httpd.h"
#include "testutil.h"

typedef struct state {
    atomic_int handled;
    atomic_int done;
    atomic_uint last_status;
    atomic_int slow_started;
} state;

static void handler(void *arg, const cg_http_request *req, cg_http_response *resp)
{
    state *s = arg;
    atomic_fetch_add(&s->handled, 1);
    if (strcmp(req->path, "/slow") == 0) {
        atomic_store(&s->slow_started, 1);
        struct timespec ts = {0, 600 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    const char *q = cg_http_query(req, "q");
    const char *x = cg_http_header(req, "x-test");
    size_t cap = 512 + req->body_len;
    resp->body = malloc(cap);
    resp->body_len = (size_t)snprintf(
        resp->body, cap, "%s %s q=%s x=%s len=%zu body=%.*s", req->method, req->path, q ? q : "-",
        x ? x : "-", req->body_len, (int)(req->body_len < 64 ? req->body_len : 64),
        req->body != NULL ? (const char *)req->body : "");
    resp->status = 200;
    resp->content_type = "text/plain";
    cg_http_response_header(resp, "X-Extra", "yes");
}

static void done(void *arg, const cg_http_request *req, unsigned status, size_t len,
                 double seconds)
{
    state *s = arg;
    atomic_fetch_add(&s->done, 1);
    atomic_store(&s->last_status, status);
    (void)req;
    (void)len;
    (void)seconds;
}

typedef struct answer {
    char body[4096];
    size_t len;
    char headers[4096];
    size_t hlen;
    long code;
} answer;

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    answer *a = arg;
    size_t k = sz * n;
    if (a->len + k < sizeof(a->body)) {
        memcpy(a->body + a->len, p, k);
        a->len += k;
        a->body[a->len] = '\0';
    }
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    answer *a = arg;
    size_t k = sz * n;
    if (a->hlen + k < sizeof(a->headers)) {
        memcpy(a->headers + a->hlen, p, k);
        a->hlen += k;
        a->headers[a->hlen] = '\0';
    }
    return k;
}

/* body NULL: GET. chunked: no Content-Length. */
static int request(CURL *c, const char *url, const char *body, size_t len, int chunked,
                   const char *extra_header, answer *a)
{
    struct curl_slist *h = NULL;
    memset(a, 0, sizeof(*a));
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    if (extra_header != NULL)
        h = curl_slist_append(h, extra_header);
    if (chunked)
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (!chunked)
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->code);
    curl_slist_free_all(h);
    return rc == CURLE_OK;
}

typedef struct slow_call {
    char url[128];
    answer a;
    int ok;
} slow_call;

static void *slow_thread(void *arg)
{
    slow_call *sc = arg;
    CURL *c = curl_easy_init();
    sc->ok = request(c, sc->url, NULL, 0, 0, NULL, &sc->a);
    curl_easy_cleanup(c);
    return NULL;
}

int main(void)
{
    state s;
    char err[256], url[256];
    answer a;
    atomic_init(&s.handled, 0);
    atomic_init(&s.done, 0);
    atomic_init(&s.last_status, 0);
    atomic_init(&s.slow_started, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    cg_httpd_opts o = {0};
    o.listen = "127.0.0.1:99999";
    o.handler = handler;
    o.arg = &s;
    CHECK(cg_httpd_start(&o, err, sizeof(err)) == NULL && strstr(err, "bad listen") != NULL);
    o.listen = "localhost:80";
    CHECK(cg_httpd_start(&o, err, sizeof(err)) == NULL && strstr(err, "numeric") != NULL);

    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.max_body = 1000;
    o.done = done;
    cg_httpd *h = cg_httpd_start(&o, err, sizeof(err));
    CHECK(h != NULL);
    if (h == NULL)
        return cg_test_done();
    const char *addr = cg_httpd_address(h);
    CHECK(strncmp(addr, "127.0.0.1:", 10) == 0 && strcmp(addr, "127.0.0.1:0") != 0);
    CURL *c = curl_easy_init();

    snprintf(url, sizeof(url), "http://%s/path/x?q=a%%20b", addr);
    CHECK(request(c, url, NULL, 0, 0, "X-Test: hello", &a));
    CHECK(a.code == 200);
    CHECK(strcmp(a.body, "GET /path/x q=a b x=hello len=0 body=") == 0);
    CHECK(strstr(a.headers, "X-Extra: yes") != NULL);
    CHECK(strstr(a.headers, "X-Request-ID: ") != NULL);

    /* A body under the limit, on the same (kept-alive) connection. */
    snprintf(url, sizeof(url), "http://%s/post", addr);
    CHECK(request(c, url, "hello=world", 11, 0, NULL, &a));
    CHECK(a.code == 200 && strcmp(a.body, "POST /post q=- x=- len=11 body=hello=world") == 0);
    long reused = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &reused);
    CHECK(reused == 0);                          /* no new connection was needed */
    CHECK(request(c, url, "y", 1, 1, NULL, &a)); /* chunked, small */
    CHECK(a.code == 200 && strstr(a.body, "len=1 body=y") != NULL);

    /* Over the limit: declared, then streamed. The handler never runs. */
    char *big = malloc(5001), chunk[1002];
    memset(big, 'a', 5000);
    big[5000] = '\0';
    memset(chunk, 'a', 1001);
    chunk[1001] = '\0'; /* chunked: curl sends the string whole */
    int before = atomic_load(&s.handled);
    CHECK(request(c, url, big, 5000, 0, NULL, &a) || a.code == 413);
    CHECK(a.code == 413 && strstr(a.body, "over the limit of 1000 bytes") != NULL);
    CHECK(request(c, url, chunk, 1001, 1, NULL, &a) || a.code == 413);
    CHECK(a.code == 413);
    CHECK(atomic_load(&s.handled) == before);
    CHECK(atomic_load(&s.last_status) == 413);
    CHECK(request(c, url, big, 1000, 0, NULL, &a));
    CHECK(a.code == 200 && strstr(a.body, "len=1000") != NULL);
    free(big);

    /* Request IDs: a proxy's plain one is kept, another is replaced. */
    CHECK(request(c, url, "z", 1, 0, "X-Request-ID: abc-123.x_y", &a));
    CHECK(strstr(a.headers, "X-Request-ID: abc-123.x_y\r\n") != NULL);
    CHECK(request(c, url, "z", 1, 0, "X-Request-ID: bad id;drop", &a));
    CHECK(strstr(a.headers, "X-Request-ID: ") != NULL && strstr(a.headers, "bad id") == NULL);
    char id1[80] = "", id2[80] = "";
    CHECK(request(c, url, "z", 1, 0, NULL, &a));
    sscanf(strstr(a.headers, "X-Request-ID: ") + 14, "%79s", id1);
    CHECK(request(c, url, "z", 1, 0, NULL, &a));
    sscanf(strstr(a.headers, "X-Request-ID: ") + 14, "%79s", id2);
    CHECK(id1[0] != '\0' && strcmp(id1, id2) != 0);
    CHECK(atomic_load(&s.done) >= 10);

    /* Graceful stop: a request in flight is answered, then no more. */
    slow_call sc;
    memset(&sc, 0, sizeof(sc));
    snprintf(sc.url, sizeof(sc.url), "http://%s/slow", addr);
    pthread_t th;
    pthread_create(&th, NULL, slow_thread, &sc);
    /* Until the handler runs it (in-flight counts the other requests'
     * completions too, which a loaded machine may deliver late). */
    for (int i = 0; i < 2000 && !atomic_load(&s.slow_started); i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(atomic_load(&s.slow_started) && cg_httpd_in_flight(h) >= 1);
    char saved[64];
    snprintf(saved, sizeof(saved), "%s", addr);
    CHECK(cg_httpd_stop(h, 10) == 0);
    pthread_join(th, NULL);
    CHECK(sc.ok && sc.a.code == 200 && strstr(sc.a.body, "GET /slow") != NULL);
    snprintf(url, sizeof(url), "http://%s/after", saved);
    curl_easy_cleanup(c);
    c = curl_easy_init();
    CHECK(!request(c, url, NULL, 0, 0, NULL, &a));
    curl_easy_cleanup(c);
    cg_httpd_stop(NULL, 0);
    curl_global_cleanup();
    return cg_test_done();
}
