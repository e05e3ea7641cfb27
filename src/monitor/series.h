/* The monitor's Prometheus series (caguard monitor --metrics-listen;
 * docs/monitor.md, "Metrics"), on a registry of obs/metrics.h that the
 * caller serves. The monitor, the CRL watcher and the alerts each hold the
 * same cg_monitor_series and update it from the monitor's thread as things
 * happen; a scrape reads the registry from another thread (the registry is
 * thread-safe), so nothing here is read across threads but through it.
 *
 * Label values: a log by its URL, a CRL source by its URL, both with any
 * password hidden (util/redact.h); rule IDs and severities; alert
 * channels (hook, jsonl, mail); an HTTP status as its number, or
 * "transport" when no answer came. Times are seconds since the epoch.
 *
 * Every function accepts a NULL cg_monitor_series (no metrics) and does
 * nothing then. */
#ifndef CAGUARD_MONITOR_SERIES_H
#define CAGUARD_MONITOR_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "obs/metrics.h"
#include "rules/rules.h"

typedef struct cg_monitor_series cg_monitor_series;

/* Registers the families on reg (borrowed; it must outlive the series).
 * NULL when reg is NULL or a family cannot be registered. */
cg_monitor_series *cg_monitor_series_new(cg_metrics *reg);
void cg_monitor_series_free(cg_monitor_series *s);

/* A log's state as the store now has it: its verified tree head (size,
 * timestamp in milliseconds; sth_ms 0 when none yet), the position
 * committed, the last successful contact and, while it fails, since when
 * (0: it answers). */
void cg_monitor_series_log(cg_monitor_series *s, const char *url, uint64_t tree_size,
                           uint64_t sth_ms, uint64_t position, int64_t last_contact,
                           int64_t failing_since);
/* Entries read from a log. */
void cg_monitor_series_entries(cg_monitor_series *s, const char *url, uint64_t n);
/* One HTTP request to a log: its status (0: no answer, a transport error),
 * the bytes of the answer's body. A status other than 200 counts as an
 * error too. */
void cg_monitor_series_request(cg_monitor_series *s, const char *url, long status, uint64_t bytes);
/* A CRL source after a fetch (store.h's cg_store_crl_source fields). */
void cg_monitor_series_crl(cg_monitor_series *s, const char *url, const char *issuer,
                           int64_t last_fetch, int64_t last_change, int64_t next_update, int stale,
                           int64_t failures);

/* A finding new to the store (its rule, its severity). */
void cg_monitor_series_finding(cg_monitor_series *s, const cg_finding *f);
/* An alert on a channel ("hook", "jsonl", "mail"), delivered or failed. */
void cg_monitor_series_alert(cg_monitor_series *s, const char *channel, int ok);

#endif
