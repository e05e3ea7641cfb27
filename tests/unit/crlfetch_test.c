/* monitor/crlfetch: CRL fetches against a server in a thread of this test
 * (crlhttp.h): a 200 with validators, conditional GETs answered 304 (by
 * ETag and by Last-Modified), a changed file, redirects within and over
 * the limit, a redirect to ftp, bodies over the size limit (declared and
 * streamed), a cut-off transfer, HTTP errors, a dead port, bad URLs, and
 * partitioned-CRL lists good and bad. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crlhttp.h"
#include "monitor/crlfetch.h"
#include "testutil.h"

static crlhttp srv;

static void get(const char *path, const char *etag, const char *lm, const cg_crlfetch_opts *o,
                cg_crlfetch_result *r)
{
    char url[256];
    crlhttp_url(&srv, path, url, sizeof(url));
    CHECK(cg_crlfetch_get(url, etag, lm, o, r));
}

static void test_conditional(void)
{
    cg_crlfetch_result r;
    const uint8_t v1[] = "first CRL bytes", v2[] = "second CRL bytes, longer";
    crlhttp_set(&srv, "a.crl", v1, sizeof(v1));

    get("/f/a.crl", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    CHECK(r.http_code == 200);
    CHECK(r.len == sizeof(v1) && memcmp(r.body, v1, sizeof(v1)) == 0);
    CHECK(strcmp(r.etag, "\"v1\"") == 0);
    CHECK(strcmp(r.last_modified, "Mon, 02 Jan 2024 00:00:00 GMT") == 0);
    CHECK(srv.last_inm[0] == '\0' && srv.last_ims[0] == '\0');
    char etag[CG_CRLFETCH_ETAG_MAX], lm[CG_CRLFETCH_DATE_MAX];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    snprintf(lm, sizeof(lm), "%s", r.last_modified);
    cg_crlfetch_result_clear(&r);

    /* unchanged: 304, validators sent verbatim */
    unsigned n304 = srv.answered_304;
    get("/f/a.crl", etag, lm, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_NOT_MODIFIED);
    CHECK(r.http_code == 304);
    CHECK(r.body == NULL && r.len == 0);
    CHECK(strcmp(srv.last_inm, "\"v1\"") == 0);
    CHECK(strcmp(srv.last_ims, lm) == 0);
    CHECK(strcmp(r.etag, "\"v1\"") == 0);
    CHECK(srv.answered_304 == n304 + 1);
    cg_crlfetch_result_clear(&r);

    /* Last-Modified alone */
    get("/f/a.crl", NULL, lm, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_NOT_MODIFIED);
    cg_crlfetch_result_clear(&r);

    /* rotated: the old validators no longer match */
    crlhttp_set(&srv, "a.crl", v2, sizeof(v2));
    get("/f/a.crl", etag, lm, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    CHECK(r.len == sizeof(v2) && memcmp(r.body, v2, sizeof(v2)) == 0);
    CHECK(strcmp(r.etag, "\"v2\"") == 0);
    cg_crlfetch_result_clear(&r);

    /* a validator with a line break is not sent */
    get("/f/a.crl", "\"v2\"\r\nX-Evil: 1", NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    CHECK(srv.last_inm[0] == '\0');
    cg_crlfetch_result_clear(&r);
}

static void test_redirects(void)
{
    cg_crlfetch_result r;
    cg_crlfetch_opts o;
    const uint8_t body[] = "redirected";
    cg_crlfetch_opts_default(&o);
    crlhttp_set(&srv, "r.crl", body, sizeof(body));

    get("/r/3/r.crl", NULL, NULL, &o, &r); /* 3 redirects, the default limit */
    CHECK(r.status == CG_CRLFETCH_OK);
    CHECK(r.redirects == 3);
    CHECK(r.len == sizeof(body));
    CHECK(strcmp(r.etag, "\"v1\"") == 0);
    cg_crlfetch_result_clear(&r);

    get("/r/4/r.crl", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_TOO_MANY_REDIRECTS);
    CHECK(r.body == NULL);
    CHECK(strstr(r.error, "more than 3 redirects") != NULL);
    cg_crlfetch_result_clear(&r);

    o.max_redirects = 0;
    get("/r/1/r.crl", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_TOO_MANY_REDIRECTS);
    cg_crlfetch_result_clear(&r);
    get("/r/0/r.crl", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    cg_crlfetch_result_clear(&r);

    get("/ftp/r.crl", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_BAD_URL);
    CHECK(strstr(r.error, "not http or https") != NULL);
    cg_crlfetch_result_clear(&r);
}

static void test_limits(void)
{
    cg_crlfetch_result r;
    cg_crlfetch_opts o;
    cg_crlfetch_opts_default(&o);
    o.max_size = 1 << 20;

    get("/big-len", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_TOO_LARGE);
    CHECK(r.body == NULL && r.len == 0);
    CHECK(strstr(r.error, "larger than the limit of 1048576 bytes") != NULL);
    cg_crlfetch_result_clear(&r);

    get("/big-stream", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_TOO_LARGE);
    CHECK(r.body == NULL && r.len == 0);
    cg_crlfetch_result_clear(&r);

    /* exactly at the limit is fine */
    uint8_t *exact = calloc(1, 1 << 20);
    crlhttp_set(&srv, "exact", exact, 1 << 20);
    free(exact);
    get("/f/exact", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    CHECK(r.len == 1 << 20);
    cg_crlfetch_result_clear(&r);
    o.max_size = (1 << 20) - 1;
    get("/f/exact", NULL, NULL, &o, &r);
    CHECK(r.status == CG_CRLFETCH_TOO_LARGE);
    cg_crlfetch_result_clear(&r);

    get("/trunc", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_TRANSPORT);
    CHECK(r.body == NULL);
    CHECK(r.error[0] != '\0');
    cg_crlfetch_result_clear(&r);
}

static void test_errors(void)
{
    cg_crlfetch_result r;
    get("/status/500", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_HTTP_ERROR);
    CHECK(r.http_code == 500);
    CHECK(strcmp(r.error, "HTTP status 500") == 0);
    CHECK(r.body == NULL);
    cg_crlfetch_result_clear(&r);

    get("/f/missing.crl", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_HTTP_ERROR);
    CHECK(r.http_code == 404);
    cg_crlfetch_result_clear(&r);

    /* a file that goes away: 404 even with the validators of its last answer */
    crlhttp_set(&srv, "gone.crl", (const uint8_t *)"x", 1);
    get("/f/gone.crl", NULL, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_OK);
    char etag[CG_CRLFETCH_ETAG_MAX];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    cg_crlfetch_result_clear(&r);
    crlhttp_remove(&srv, "gone.crl");
    get("/f/gone.crl", etag, NULL, NULL, &r);
    CHECK(r.status == CG_CRLFETCH_HTTP_ERROR && r.http_code == 404);
    CHECK(r.etag[0] == '\0');
    cg_crlfetch_result_clear(&r);

    /* a port nobody listens on */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x.crl", ntohs(a.sin_port));
    CHECK(cg_crlfetch_get(url, NULL, NULL, NULL, &r));
    CHECK(r.status == CG_CRLFETCH_TRANSPORT);
    CHECK(r.http_code == 0);
    cg_crlfetch_result_clear(&r);
    close(fd);

    static const char *const bad[] = {"ftp://example.test/x.crl",
                                      "file:///etc/passwd",
                                      "http://",
                                      "http:///x",
                                      "http://a b/c",
                                      "x.crl",
                                      ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!cg_crlfetch_url_ok(bad[i]));
        CHECK(cg_crlfetch_get(bad[i], NULL, NULL, NULL, &r));
        CHECK(r.status == CG_CRLFETCH_BAD_URL);
        cg_crlfetch_result_clear(&r);
    }
    CHECK(cg_crlfetch_url_ok("https://crl.example.test/c1/1.crl"));
    CHECK(cg_crlfetch_url_ok("HTTP://crl.example.test"));
}

static int parse(const char *json, char ***urls, size_t *n, char *err)
{
    return cg_crlfetch_parse_list((const uint8_t *)json, strlen(json), urls, n, err, 256);
}

static void test_list(void)
{
    char **urls;
    size_t n;
    char err[256];
    CHECK(parse("[\"http://a.test/1.crl\", \"https://a.test/2.crl\", \"http://a.test/1.crl\"]",
                &urls, &n, err));
    CHECK(n == 2);
    CHECK(n == 2 && strcmp(urls[0], "http://a.test/1.crl") == 0 &&
          strcmp(urls[1], "https://a.test/2.crl") == 0);
    cg_crlfetch_list_free(urls, n);

    CHECK(!parse("[\"http://a.test/1.crl\",", &urls, &n, err));
    CHECK(strstr(err, "not JSON") != NULL && strstr(err, "line 1") != NULL);
    CHECK(urls == NULL && n == 0);
    CHECK(!parse("{\"crls\": []}", &urls, &n, err));
    CHECK(strstr(err, "top level is a object") != NULL);
    CHECK(!parse("[]", &urls, &n, err));
    CHECK(strstr(err, "a list of 0 CRL URLs") != NULL);
    CHECK(!parse("[\"http://a.test/1.crl\", 7]", &urls, &n, err));
    CHECK(strcmp(err, "element 1 is not a string") == 0);
    CHECK(!parse("[\"ldap://a.test/cn=x\"]", &urls, &n, err));
    CHECK(strstr(err, "element 0 \"ldap://a.test/cn=x\" is not an http") != NULL);
    CHECK(!parse("[\"http://a.test/\\u0000x\"]", &urls, &n, err));
}

int main(void)
{
    CHECK(crlhttp_start(&srv));
    test_conditional();
    test_redirects();
    test_limits();
    test_errors();
    test_list();
    crlhttp_stop(&srv);
    return cg_test_done();
}
