/* Fetching a CRL the way a relying party does: one HTTP(S) GET over
 * libcurl, conditional on what the last fetch said (If-None-Match with its
 * ETag, If-Modified-Since with its Last-Modified, both verbatim), with a
 * connect and a total timeout, a size limit enforced while the body
 * arrives (the transfer is aborted past it; nothing is kept) and at most
 * max_redirects redirects, http and https only (redirects included).
 *
 * A CCADB "JSON array of partitioned CRLs" URL (a JSON array of URL
 * strings) is fetched the same way and read with cg_crlfetch_parse_list.
 *
 * No store I/O and no findings here: the caller (monitor/crlwatch.h)
 * decides what a fetch means. */
#ifndef CAGUARD_MONITOR_CRLFETCH_H
#define CAGUARD_MONITOR_CRLFETCH_H

#include <stddef.h>
#include <stdint.h>

/* Defaults of the [crl] configuration section (docs/monitor.md). */
#define CG_CRLFETCH_DEFAULT_TIMEOUT_S 30
#define CG_CRLFETCH_DEFAULT_CONNECT_TIMEOUT_S 10
#define CG_CRLFETCH_DEFAULT_MAX_SIZE ((uint64_t)256 * 1024 * 1024)
#define CG_CRLFETCH_DEFAULT_MAX_REDIRECTS 3
/* The longest ETag and Last-Modified kept: longer ones are not sent back
 * (the next fetch is then unconditional). */
#define CG_CRLFETCH_ETAG_MAX 512
#define CG_CRLFETCH_DATE_MAX 128
/* A partitioned-CRL list: at most this many URLs, each at most this long. */
#define CG_CRLFETCH_LIST_MAX 4096
#define CG_CRLFETCH_URL_MAX 2048

typedef struct cg_crlfetch_opts {
    long connect_timeout_ms;
    long timeout_ms; /* the whole transfer */
    uint64_t max_size;
    long max_redirects; /* 0: a redirect is an error */
} cg_crlfetch_opts;

/* The defaults above. */
void cg_crlfetch_opts_default(cg_crlfetch_opts *o);

typedef enum cg_crlfetch_status {
    CG_CRLFETCH_OK = 0,       /* 200: body holds the answer */
    CG_CRLFETCH_NOT_MODIFIED, /* 304: what the last fetch got is current */
    CG_CRLFETCH_HTTP_ERROR,   /* any other HTTP status */
    CG_CRLFETCH_TOO_LARGE,    /* the body passed max_size: aborted, nothing kept */
    CG_CRLFETCH_TOO_MANY_REDIRECTS,
    CG_CRLFETCH_TRANSPORT, /* no answer: connection, timeout, cut-off transfer, TLS */
    CG_CRLFETCH_BAD_URL,   /* not an http or https URL */
    CG_CRLFETCH_NOMEM
} cg_crlfetch_status;

typedef struct cg_crlfetch_result {
    cg_crlfetch_status status;
    long http_code; /* the last answer's status, 0 when none */
    uint8_t *body;  /* CG_CRLFETCH_OK: owned, len bytes */
    size_t len;
    char etag[CG_CRLFETCH_ETAG_MAX]; /* of a 200 or 304 answer, "" when none */
    char last_modified[CG_CRLFETCH_DATE_MAX];
    unsigned redirects; /* redirects followed */
    char error[512];    /* what went wrong, "" when OK or NOT_MODIFIED */
} cg_crlfetch_result;

/* GETs url. etag and last_modified (NULL or "" for none) are the
 * validators of the last answer: when given, a 304 means unchanged. opts
 * may be NULL (the defaults). Returns 1 when the fetch was made, whatever
 * its status (in r->status); 0 only when out of memory. Clear r with
 * cg_crlfetch_result_clear. */
int cg_crlfetch_get(const char *url, const char *etag, const char *last_modified,
                    const cg_crlfetch_opts *opts, cg_crlfetch_result *r);
void cg_crlfetch_result_clear(cg_crlfetch_result *r);
const char *cg_crlfetch_status_str(cg_crlfetch_status s);

/* Whether url is an absolute http:// or https:// URL with a host, no
 * longer than CG_CRLFETCH_URL_MAX - 1 and without control characters or
 * spaces. */
int cg_crlfetch_url_ok(const char *url);

/* A CCADB partitioned-CRL list: a JSON array of http(s) URL strings (at
 * least one, at most CG_CRLFETCH_LIST_MAX). *urls (an array of owned
 * strings, in list order, duplicates dropped) is freed with
 * cg_crlfetch_list_free. 0 with err saying what and where when it is not
 * such a list. */
int cg_crlfetch_parse_list(const uint8_t *body, size_t len, char ***urls, size_t *n, char *err,
                           size_t errcap);
void cg_crlfetch_list_free(char **urls, size_t n);

#endif
