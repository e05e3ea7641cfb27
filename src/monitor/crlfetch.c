/* One CRL (or partitioned-CRL list) fetch over libcurl (crlfetch.h). */
#include "monitor/crlfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "monitor/http.h"
#include "util/errf.h"

typedef struct xfer {
    cg_crlfetch_result *r;
    uint64_t max;
    size_t cap;
    int overflow;
    int nomem;
} xfer;

void cg_crlfetch_opts_default(cg_crlfetch_opts *o)
{
    o->connect_timeout_ms = CG_CRLFETCH_DEFAULT_CONNECT_TIMEOUT_S * 1000L;
    o->timeout_ms = CG_CRLFETCH_DEFAULT_TIMEOUT_S * 1000L;
    o->max_size = CG_CRLFETCH_DEFAULT_MAX_SIZE;
    o->max_redirects = CG_CRLFETCH_DEFAULT_MAX_REDIRECTS;
}

const char *cg_crlfetch_status_str(cg_crlfetch_status s)
{
    switch (s) {
    case CG_CRLFETCH_OK:
        return "ok";
    case CG_CRLFETCH_NOT_MODIFIED:
        return "not modified";
    case CG_CRLFETCH_HTTP_ERROR:
        return "HTTP error";
    case CG_CRLFETCH_TOO_LARGE:
        return "too large";
    case CG_CRLFETCH_TOO_MANY_REDIRECTS:
        return "too many redirects";
    case CG_CRLFETCH_TRANSPORT:
        return "unreachable";
    case CG_CRLFETCH_BAD_URL:
        return "bad URL";
    case CG_CRLFETCH_NOMEM:
        return "out of memory";
    }
    return "?";
}

int cg_crlfetch_url_ok(const char *url)
{
    const char *host;
    size_t n = strlen(url);
    if (n == 0 || n >= CG_CRLFETCH_URL_MAX)
        return 0;
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return 0;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    }
    return 1;
}

static size_t body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    xfer *x = arg;
    size_t n = size * nmemb;
    if (cg_http_body_add(&x->r->body, &x->r->len, &x->cap, x->max, data, n, &x->overflow))
        return n;
    x->nomem = !x->overflow;
    return 0; /* aborts the transfer */
}

/* Copies a header's value (trimmed) into out; a value that does not fit
 * is dropped rather than cut (a cut validator would never match). */
static void header_value(const char *v, size_t n, char *out, size_t cap)
{
    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= cap) {
        out[0] = '\0';
        return;
    }
    memcpy(out, v, n);
    out[n] = '\0';
}

/* The validators of the last answer only: a status line starts a new
 * answer (after a redirect) and forgets those of the one before. */
static size_t header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    xfer *x = arg;
    size_t n = size * nmemb;
    static const char etag[] = "etag:", lm[] = "last-modified:";
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        x->r->etag[0] = '\0';
        x->r->last_modified[0] = '\0';
    } else if (n > sizeof(etag) - 1 && strncasecmp(data, etag, sizeof(etag) - 1) == 0) {
        header_value(data + sizeof(etag) - 1, n - (sizeof(etag) - 1), x->r->etag,
                     sizeof(x->r->etag));
    } else if (n > sizeof(lm) - 1 && strncasecmp(data, lm, sizeof(lm) - 1) == 0) {
        header_value(data + sizeof(lm) - 1, n - (sizeof(lm) - 1), x->r->last_modified,
                     sizeof(x->r->last_modified));
    }
    return n;
}

/* A validator goes into a header line only when it holds no line break. */
static int header_safe(const char *v)
{
    return v != NULL && v[0] != '\0' && strpbrk(v, "\r\n") == NULL && strlen(v) < 600;
}

int cg_crlfetch_get(const char *url, const char *etag, const char *last_modified,
                    const cg_crlfetch_opts *opts, cg_crlfetch_result *r)
{
    cg_crlfetch_opts o;
    struct curl_slist *hdrs = NULL;
    char line[700], cerr[CURL_ERROR_SIZE];
    xfer x;
    CURL *e = NULL;
    CURLcode rc;
    long redirects = 0;

    memset(r, 0, sizeof(*r));
    if (opts != NULL)
        o = *opts;
    else
        cg_crlfetch_opts_default(&o);
    if (!cg_crlfetch_url_ok(url)) {
        r->status = CG_CRLFETCH_BAD_URL;
        snprintf(r->error, sizeof(r->error), "not an http:// or https:// URL");
        return 1;
    }
    memset(&x, 0, sizeof(x));
    x.r = r;
    x.max = o.max_size;
    e = curl_easy_init();
    if (e == NULL)
        goto nomem;
    if (header_safe(etag)) {
        snprintf(line, sizeof(line), "If-None-Match: %s", etag);
        struct curl_slist *h = curl_slist_append(hdrs, line);
        if (h == NULL)
            goto nomem;
        hdrs = h;
    }
    if (header_safe(last_modified)) {
        snprintf(line, sizeof(line), "If-Modified-Since: %s", last_modified);
        struct curl_slist *h = curl_slist_append(hdrs, line);
        if (h == NULL)
            goto nomem;
        hdrs = h;
    }
    cerr[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o.max_size);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, o.max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "caguard-crlwatch/0.1");
    rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->http_code);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    r->redirects = (unsigned)redirects;
    if (x.nomem)
        goto nomem;
    if (x.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
        r->status = r->http_code == 200 || r->http_code == 0 ? CG_CRLFETCH_TOO_LARGE
                                                             : CG_CRLFETCH_HTTP_ERROR;
        if (r->status == CG_CRLFETCH_TOO_LARGE)
            snprintf(r->error, sizeof(r->error),
                     "the answer is larger than the limit of %llu bytes; transfer aborted",
                     (unsigned long long)o.max_size);
        else
            snprintf(r->error, sizeof(r->error), "HTTP status %ld", r->http_code);
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        r->status = CG_CRLFETCH_TOO_MANY_REDIRECTS;
        snprintf(r->error, sizeof(r->error), "more than %ld redirect%s", o.max_redirects,
                 o.max_redirects == 1 ? "" : "s");
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        r->status = CG_CRLFETCH_BAD_URL;
        snprintf(r->error, sizeof(r->error), "redirected to a URL that is not http or https: %s",
                 cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
    } else if (rc != CURLE_OK) {
        r->status = CG_CRLFETCH_TRANSPORT;
        snprintf(r->error, sizeof(r->error), "%s%s%s", curl_easy_strerror(rc),
                 cerr[0] != '\0' ? ": " : "", cerr);
    } else if (r->http_code == 304) {
        r->status = CG_CRLFETCH_NOT_MODIFIED;
    } else if (r->http_code == 200) {
        r->status = CG_CRLFETCH_OK;
    } else {
        r->status = CG_CRLFETCH_HTTP_ERROR;
        snprintf(r->error, sizeof(r->error), "HTTP status %ld", r->http_code);
    }
    if (r->status != CG_CRLFETCH_OK) {
        free(r->body);
        r->body = NULL;
        r->len = 0;
    }
    if (r->status != CG_CRLFETCH_OK && r->status != CG_CRLFETCH_NOT_MODIFIED) {
        r->etag[0] = '\0';
        r->last_modified[0] = '\0';
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(e);
    return 1;
nomem:
    curl_slist_free_all(hdrs);
    if (e != NULL)
        curl_easy_cleanup(e);
    free(r->body);
    r->body = NULL;
    r->len = 0;
    r->status = CG_CRLFETCH_NOMEM;
    snprintf(r->error, sizeof(r->error), "out of memory");
    return 0;
}

void cg_crlfetch_result_clear(cg_crlfetch_result *r)
{
    if (r == NULL)
        return;
    free(r->body);
    memset(r, 0, sizeof(*r));
}

void cg_crlfetch_list_free(char **urls, size_t n)
{
    for (size_t i = 0; urls != NULL && i < n; i++)
        free(urls[i]);
    free(urls);
}

int cg_crlfetch_parse_list(const uint8_t *body, size_t len, char ***urls, size_t *n, char *err,
                           size_t errcap)
{
    json_error_t je;
    char **v = NULL;
    size_t count = 0;
    *urls = NULL;
    *n = 0;
    json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        cg_errf(err, errcap, "not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        return 0;
    }
    if (!json_is_array(j)) {
        cg_errf(err, errcap, "not a JSON array of CRL URLs (the top level is a %s)",
               json_is_object(j) ? "object" : "scalar");
        goto fail;
    }
    if (json_array_size(j) == 0 || json_array_size(j) > CG_CRLFETCH_LIST_MAX) {
        cg_errf(err, errcap, "a list of %zu CRL URLs (1 to %d expected)", json_array_size(j),
               CG_CRLFETCH_LIST_MAX);
        goto fail;
    }
    v = calloc(json_array_size(j), sizeof(char *));
    if (v == NULL) {
        cg_errf(err, errcap, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(j); i++) {
        json_t *u = json_array_get(j, i);
        const char *s = json_string_value(u);
        if (s == NULL || strlen(s) != json_string_length(u)) {
            cg_errf(err, errcap, "element %zu is not a string", i);
            goto fail;
        }
        if (!cg_crlfetch_url_ok(s)) {
            cg_errf(err, errcap, "element %zu \"%.200s\" is not an http:// or https:// URL", i, s);
            goto fail;
        }
        int dup = 0;
        for (size_t k = 0; k < count && !dup; k++)
            dup = strcmp(v[k], s) == 0;
        if (dup)
            continue;
        v[count] = strdup(s);
        if (v[count] == NULL) {
            cg_errf(err, errcap, "out of memory");
            goto fail;
        }
        count++;
    }
    json_decref(j);
    *urls = v;
    *n = count;
    return 1;
fail:
    cg_crlfetch_list_free(v, count);
    json_decref(j);
    return 0;
}
