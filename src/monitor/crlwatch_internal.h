/* What the CRL watcher's files share (monitor/crlwatch.c: issuers, URLs,
 * fetching, staleness, a round; monitor/crlwatch_incidents.c: the open
 * incidents' certificates as revoked CRLs show them). Private to them. */
#ifndef CAGUARD_MONITOR_CRLWATCH_INTERNAL_H
#define CAGUARD_MONITOR_CRLWATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/crlwatch.h"
#include "monitor/series.h"

#define MAX_ISSUERS 256
#define MAX_URLS_PER_ISSUER 64

/* A configured URL, with what its last list fetch expanded to. */
typedef struct wurl {
    char *url;
    int is_list;
    char **list; /* is_list: the CRL URLs of the last good answer */
    size_t n_list;
} wurl;

typedef struct issuer {
    uint8_t sha256[32];
    uint8_t *subject; /* the CA's subject Name element */
    size_t subject_len;
    char label[256];
    int use_crldp;
    wurl urls[MAX_URLS_PER_ISSUER];
    size_t n_urls;
} issuer;

/* The URLs of one round, each fetched once. */
/* A set of URLs (copies), in the order added. */
typedef struct url_set {
    char **v;
    size_t n, cap;
    int nomem; /* an add ran out of memory */
} url_set;

struct cg_crlwatch {
    cg_store *st;
    cg_crlwatch_opts o;
    cg_sink_fn sink;
    void *sink_arg;
    struct cg_monitor *mon; /* a monitor's task (its sink): a CRL's findings one batch */
    cg_crlwatch_log_fn log;
    void *log_arg;
    issuer *iss;
    size_t n_iss;
    cg_crlwatch_stats stats;
    /* the round in progress */
    int64_t now;
    url_set done;
    int new_crl; /* a new CRL came in this round */
    /* the object callback of an ingest */
    int got_crl;
    uint8_t crl_sha[32];
    char err[512];
};

/* A line for the operator through the watcher's log function, if any. */
void cg_crlw_say(cg_crlwatch *w, int is_error, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records "what: the store's error" in w->err; returns 0. */
int cg_crlw_store_fail(cg_crlwatch *w, const char *what);
/* After a round that brought a new CRL: each open incident's certificates
 * as the stored CRLs now show them. 0 after a store error. */
int cg_crlw_update_incidents(cg_crlwatch *w);

#endif
