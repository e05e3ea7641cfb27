/* A Prometheus registry: counters, gauges and histograms, each a family
 * with fixed label names whose series are made on first use, rendered in
 * the text exposition format 0.0.4 for a GET /metrics.
 *
 * Thread-safe: any thread may update any series while another renders;
 * each family has its own lock, so updates of different families never
 * wait for each other. Bounded: a family holds at most
 * CG_METRICS_MAX_SERIES series; updates of a new series past that are
 * dropped (and counted in caguard_metrics_series_dropped_total), so label
 * values that come from input cannot grow memory without bound.
 *
 * Ownership: the registry owns its families (freed with it); label names
 * and values, names and help texts are copied. A family pointer stays
 * valid until cg_metrics_free. */
#ifndef CAGUARD_OBS_METRICS_H
#define CAGUARD_OBS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define CG_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define CG_METRICS_MAX_SERIES 4096
#define CG_METRICS_MAX_LABELS 8
#define CG_METRICS_MAX_BUCKETS 32

typedef struct cg_metrics cg_metrics;
typedef struct cg_metric cg_metric; /* one family */

cg_metrics *cg_metrics_new(void);
void cg_metrics_free(cg_metrics *m);

/* Registers a family. name and label names follow Prometheus' rules
 * ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and not starting with
 * "__"; a histogram's labels may not include "le"); help is one line of
 * text. buckets are a histogram's upper bounds, strictly increasing
 * (+Inf is added). Returns the family, or NULL when a name is invalid, the
 * name is taken, or memory ran out. */
cg_metric *cg_metrics_counter(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                              const char *const *labels);
cg_metric *cg_metrics_gauge(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                            const char *const *labels);
cg_metric *cg_metrics_histogram(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                                const char *const *labels, const double *buckets,
                                size_t n_buckets);

/* Latency buckets in seconds, 0.25 ms to 10 s, for request histograms. */
extern const double cg_metrics_latency_buckets[];
extern const size_t cg_metrics_n_latency_buckets;

/* Updates: values holds one value for each of the family's labels, in the
 * order they were registered (NULL when it has none). A NULL family is
 * ignored, so a caller may update what failed to register. */
/* Counters: adds v (>= 0; negative values are ignored). Gauges: adds v. */
void cg_metric_add(cg_metric *f, const char *const *values, double v);
void cg_metric_inc(cg_metric *f, const char *const *values);
/* Gauges; and counters whose value is read from elsewhere by a collect
 * callback (a process's CPU time). */
void cg_metric_set(cg_metric *f, const char *const *values, double v);
/* Histograms only: one observation. */
void cg_metric_observe(cg_metric *f, const char *const *values, double v);
/* The current value of a counter or gauge series, 0 when it does not exist
 * (tests). */
double cg_metric_value(cg_metric *f, const char *const *values);

/* Called at the start of every render, before any family is read: the
 * place to set gauges that are computed when scraped (an age, the
 * process's memory). At most 8 callbacks. Returns 0 when full. */
typedef void (*cg_metrics_collect_fn)(void *arg);
int cg_metrics_on_collect(cg_metrics *m, cg_metrics_collect_fn fn, void *arg);

/* The exposition (text format 0.0.4), families in registration order and
 * series in creation order: a new string (free()) and its length, or NULL
 * when out of memory. */
char *cg_metrics_render(cg_metrics *m, size_t *len);

/* Gauges most services want: process_resident_memory_bytes,
 * process_cpu_seconds_total, process_open_fds, process_start_time_seconds
 * (from /proc/self, set on each render). Returns 0 when registering
 * failed. */
int cg_metrics_add_process(cg_metrics *m);

#endif
