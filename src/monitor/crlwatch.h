/* The CRL watcher: fetches the CRLs of the watched CAs as a relying party
 * would (monitor/crlfetch.h) and puts each new one through the store's
 * ingest, so that every CRL rule runs on it against the CRLs before it and
 * the certificates it covers, and each new revocation's first_seen (its
 * publication time for the revocation deadlines) is the fetch time.
 *
 * Per watched CA, the URLs are those configured (crl_url), those of
 * configured CCADB partitioned-CRL lists (crl_list_url: a JSON array of
 * URLs) and, with use_crldp, the distinct CRL distribution points of its
 * stored certificates that are still valid. Each URL is fetched
 * conditionally on the validators of its last answer; a 304, or a 200 with
 * the same bytes as last time, is "unchanged" and ingests nothing. What
 * each fetch said is kept in the store (cg_store_crl_source).
 *
 * Each round also raises crl.stale (stored, deduplicated) for a source
 * whose latest CRL's nextUpdate has passed while no newer CRL of its
 * scope is stored, and, when new CRLs came in, brings the revocation fields
 * of the certificates of every open incident (one without a closure
 * event) up to date in the store.
 *
 * A fetch that fails (HTTP error, too large, too many redirects, transport,
 * a list that is not a JSON array of URLs) is told to the log callback and
 * recorded in the source's status; a body that is not a CRL gets the
 * ingest's input.malformed finding. The watcher goes on with the next URL
 * either way; only a store failure stops a round. A CRL URL whose fetches
 * have all failed for unreachable_after seconds gets crl.unreachable (a
 * warning; an error once its last CRL is past nextUpdate), resolved when a
 * fetch succeeds again. */
#ifndef CAGUARD_MONITOR_CRLWATCH_H
#define CAGUARD_MONITOR_CRLWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/crlfetch.h"
#include "rules/rules.h"
#include "store/store.h"

typedef struct cg_crlwatch cg_crlwatch;

#define CG_CRLWATCH_DEFAULT_UNREACHABLE_AFTER 3600

typedef struct cg_crlwatch_stats {
    size_t fetches;         /* CRL and list fetches made */
    size_t new_crls;        /* bodies ingested that held a CRL new to the source */
    size_t unchanged;       /* 304s and 200s with the bytes of the last answer */
    size_t errors;          /* fetches that failed, lists that did not parse, bodies with no CRL */
    size_t stale;           /* crl.stale findings new to the store */
    size_t unreachable;     /* crl.unreachable findings new to the store (or not stored) */
    size_t incident_certs;  /* incident certificates whose revocation was brought up to date */
    size_t new_findings[3]; /* by severity, everything sent to the sink */
} cg_crlwatch_stats;

/* Human-readable progress and errors, one line each, naming the URL. */
typedef void (*cg_crlwatch_log_fn)(void *arg, int is_error, const char *url, const char *msg);

struct cg_monitor_series;

/* How a watcher fetches and judges (cg_crlwatch_opts_default: the
 * defaults). */
typedef struct cg_crlwatch_opts {
    cg_crlfetch_opts fetch;
    /* How long a CRL URL's fetches must all have failed before
     * crl.unreachable (default CG_CRLWATCH_DEFAULT_UNREACHABLE_AFTER
     * seconds). */
    int64_t unreachable_after;
    /* Whether the TLS BR profile's CRL rule (crl.algorithm_invalid) applies
     * to the CRLs fetched: 1 by default (cg_ingest_set_br_profile). */
    int br_profile;
    /* Each CRL source's state after a fetch, in the monitor's metrics
     * (monitor/series.h; borrowed, NULL: none, the default). */
    struct cg_monitor_series *series;
} cg_crlwatch_opts;

void cg_crlwatch_opts_default(cg_crlwatch_opts *o);

/* The store is borrowed. o may be NULL (the defaults). sink gets every
 * finding new to the store (after its commit) and the input.malformed
 * findings of bodies that do not decode. */
cg_crlwatch *cg_crlwatch_new(cg_store *store, const cg_crlwatch_opts *o, cg_sink_fn sink,
                             void *sink_arg);
void cg_crlwatch_free(cg_crlwatch *w);
void cg_crlwatch_set_log(cg_crlwatch *w, cg_crlwatch_log_fn fn, void *arg);

/* A CA to watch: its certificate (DER, copied), a label for messages and
 * caguard status (the config section name; NULL: its subject's CN or the
 * SHA-256), and whether its certificates' CRL distribution points are
 * fetched too. Returns its number (0, 1, ...) or -1 with err. */
int cg_crlwatch_add_issuer(cg_crlwatch *w, const uint8_t *der, size_t len, const char *label,
                           int use_crldp, char *err, size_t errcap);
/* A CRL URL (is_list 0) or a partitioned-CRL list URL (is_list 1) of
 * issuer. 0 with err when the URL is not http(s) or the issuer unknown. */
int cg_crlwatch_add_url(cg_crlwatch *w, int issuer, const char *url, int is_list, char *err,
                        size_t errcap);

/* One round at `now` (the fetch time: seen-at of what is ingested and the
 * rules' evaluation time). Returns 0 only when the store failed (err says
 * why); fetch failures are not errors of the round. */
int cg_crlwatch_run(cg_crlwatch *w, int64_t now, char *err, size_t errcap);

/* Totals over every round so far. */
const cg_crlwatch_stats *cg_crlwatch_get0_stats(const cg_crlwatch *w);

struct cg_monitor;
/* Makes w a task of the monitor m, run every interval_s seconds (and once
 * at start): its findings go to m's sinks (cg_monitor_emit) instead of the
 * sink given to cg_crlwatch_new, and a round whose store failed counts as
 * a failed task. w must use m's store and outlive m's runs. */
int cg_crlwatch_add_to_monitor(cg_crlwatch *w, struct cg_monitor *m, int interval_s);

#endif
