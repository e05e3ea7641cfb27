/* caguard-testlog serve --files (serve_internal.h): a directory served
 * under /files/ with an ETag and Last-Modified that If-None-Match and
 * If-Modified-Since are answered 304 against, and /redirect/N/ chains of
 * 302s to it: a CRL distribution point for the CRL watcher's tests. */
#include "serve_internal.h"

#include "util/time.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int file_name_ok(const char *n)
{
    if (n[0] == '\0' || n[0] == '.' || strlen(n) > 255)
        return 0;
    for (const char *p = n; *p != '\0'; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Whether an If-None-Match list names etag (or is "*"). */
static int etag_listed(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    const char *p = inm;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (p[0] == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p != '\0' && *p != ',')
            p++;
    }
    return 0;
}

/* An IMF-fixdate (RFC 9110 §5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT". */
static int http_date(const char *v, time_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wd[4], mon[4];
    int day, year, h, m, sec, used = 0;
    if (sscanf(v, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &day, mon, &year, &h, &m, &sec,
               &used) != 7 ||
        v[used] != '\0')
        return 0;
    const char *p = strstr(months, mon);
    if (p == NULL || (p - months) % 3 != 0)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = day;
    tm.tm_mon = (int)((p - months) / 3);
    tm.tm_year = year - 1900;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    return 1;
}

void tl_get_file(server *s, struct MHD_Connection *c, const char *name, answer *a)
{
    char path[4096];
    struct stat st;
    uint8_t md[32];
    if (!file_name_ok(name)) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "not a file name: %s", name);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", s->files, name);
    /* Read it whole now: a file replaced (renamed over) while serving is
     * served as it is at this request. */
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "no such file: %s", name);
        return;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *body = malloc(len > 0 ? len : 1);
    while (body != NULL && got < len) {
        ssize_t n = read(fd, body + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (body == NULL || got != len) {
        free(body);
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read %s", name);
        return;
    }
    EVP_Digest(body, len, md, NULL, EVP_sha256(), NULL);
    char hex[33];
    cg_hex(md, 16, hex);
    snprintf(a->etag, sizeof(a->etag), "\"%s\"", hex);
    cg_time_format_http(st.st_mtime, a->last_modified, sizeof(a->last_modified));
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    int not_modified = 0;
    if (inm != NULL) {
        not_modified = etag_listed(inm, a->etag);
    } else if (ims != NULL) {
        time_t t;
        not_modified = http_date(ims, &t) && t >= st.st_mtime;
    }
    if (not_modified) {
        free(body);
        tl_set_body(a, MHD_HTTP_NOT_MODIFIED, "application/pkix-crl", NULL, 0);
        return;
    }
    size_t nl = strlen(name);
    const char *type = nl > 4 && strcmp(name + nl - 4, ".crl") == 0    ? "application/pkix-crl"
                       : nl > 5 && strcmp(name + nl - 5, ".json") == 0 ? "application/json"
                       : nl > 4 && strcmp(name + nl - 4, ".pem") == 0  ? "application/x-pem-file"
                                                                      : "application/octet-stream";
    tl_set_body(a, MHD_HTTP_OK, type, body, len);
}

void tl_get_redirect(server *s, struct MHD_Connection *c, const char *rest, answer *a)
{
    char *end;
    unsigned long n = strtoul(rest, &end, 10);
    if (end == rest || *end != '/' || n > 100) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "want /redirect/N/NAME, N in 0..100");
        return;
    }
    if (n == 0) {
        tl_get_file(s, c, end + 1, a);
        return;
    }
    if (n == 1)
        snprintf(a->location, sizeof(a->location), "/files/%.500s", end + 1);
    else
        snprintf(a->location, sizeof(a->location), "/redirect/%lu/%.500s", n - 1, end + 1);
    tl_set_body(a, MHD_HTTP_FOUND, "text/plain", NULL, 0);
}
