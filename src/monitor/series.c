/* The monitor's Prometheus series (series.h).
 *
 * The lag in seconds is the one series computed when scraped: the tree
 * head's time of each log is kept here, under a lock, and the registry's
 * collect callback (on the listener's thread) turns it into the age. */
#include "monitor/series.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/redact.h"

#define URL_MAX 2048
#define MAX_LOGS 4096 /* the registry's own bound on series is near */

typedef struct sth_time {
    char url[URL_MAX]; /* redacted */
    uint64_t sth_ms;
} sth_time;

struct cg_monitor_series {
    cg_metric *tree_size, *position, *lag_entries, *lag_seconds, *sth_time, *last_contact,
        *failing_since, *entries, *bytes, *requests, *request_errors;
    cg_metric *crl_fetch, *crl_change, *crl_next, *crl_stale, *crl_failures;
    cg_metric *findings, *alerts, *alert_failures;
    pthread_mutex_t mu; /* times */
    sth_time *times;
    size_t n_times, cap_times;
};

static const char *const L_LOG[] = {"log"};
static const char *const L_LOG_STATUS[] = {"log", "status"};
static const char *const L_CRL[] = {"url", "issuer"};
static const char *const L_FINDING[] = {"rule", "severity"};
static const char *const L_CHANNEL[] = {"channel"};

static void collect(void *arg)
{
    cg_monitor_series *s = arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_times; i++) {
        const char *v[1] = {s->times[i].url};
        double age = now - (double)s->times[i].sth_ms / 1000.0;
        cg_metric_set(s->lag_seconds, v, age > 0 ? age : 0);
    }
    pthread_mutex_unlock(&s->mu);
}

cg_monitor_series *cg_monitor_series_new(cg_metrics *reg)
{
    cg_monitor_series *s;
    if (reg == NULL || (s = calloc(1, sizeof(*s))) == NULL)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
#define G(field, name, help, labels)                                                              \
    s->field = cg_metrics_gauge(reg, name, help, sizeof(labels) / sizeof(labels[0]), labels)
#define C(field, name, help, labels)                                                              \
    s->field = cg_metrics_counter(reg, name, help, sizeof(labels) / sizeof(labels[0]), labels)
    G(tree_size, "caguard_log_tree_size", "Size of the log's last verified tree head", L_LOG);
    G(position, "caguard_log_position",
      "Entries of the log read and committed to the store (every one before it)", L_LOG);
    G(lag_entries, "caguard_log_lag_entries",
      "Entries between the position and the last verified tree head", L_LOG);
    G(lag_seconds, "caguard_log_lag_seconds",
      "Age of the log's last verified tree head: how far behind the log's present the monitor's "
      "view is",
      L_LOG);
    G(sth_time, "caguard_log_tree_head_timestamp_seconds",
      "Timestamp of the log's last verified tree head", L_LOG);
    G(last_contact, "caguard_log_last_contact_seconds",
      "When the log last answered a tree-head request (0: never)", L_LOG);
    G(failing_since, "caguard_log_failing_since_seconds",
      "Since when the log has been failing (0: it answers)", L_LOG);
    C(entries, "caguard_log_entries_read_total", "Entries read from the log", L_LOG);
    C(bytes, "caguard_log_bytes_total", "Bytes of the log's answers (bodies, decoded)", L_LOG);
    C(requests, "caguard_log_requests_total",
      "HTTP requests to the log, by status (transport: no answer)", L_LOG_STATUS);
    C(request_errors, "caguard_log_request_errors_total",
      "HTTP requests to the log that failed, by status (transport: no answer)", L_LOG_STATUS);
    G(crl_fetch, "caguard_crl_last_fetch_seconds", "When the CRL URL was last fetched", L_CRL);
    G(crl_change, "caguard_crl_last_change_seconds",
      "When a fetch of the CRL URL last got different bytes", L_CRL);
    G(crl_next, "caguard_crl_next_update_seconds",
      "nextUpdate of the latest CRL the URL served (0: none)", L_CRL);
    G(crl_stale, "caguard_crl_stale", "1 when the latest CRL the URL served is past nextUpdate",
      L_CRL);
    G(crl_failures, "caguard_crl_consecutive_failures",
      "Fetches of the CRL URL that failed in a row", L_CRL);
    C(findings, "caguard_findings_total", "Findings new to the store, by rule and severity",
      L_FINDING);
    C(alerts, "caguard_alerts_total", "Alerts delivered, by channel (hook, jsonl, mail)",
      L_CHANNEL);
    C(alert_failures, "caguard_alert_failures_total",
      "Alerts that failed, by channel (hook, jsonl, mail)", L_CHANNEL);
#undef G
#undef C
    if (s->tree_size == NULL || s->position == NULL || s->lag_entries == NULL ||
        s->lag_seconds == NULL || s->sth_time == NULL || s->last_contact == NULL ||
        s->failing_since == NULL || s->entries == NULL || s->bytes == NULL ||
        s->requests == NULL || s->request_errors == NULL || s->crl_fetch == NULL ||
        s->crl_change == NULL || s->crl_next == NULL || s->crl_stale == NULL ||
        s->crl_failures == NULL || s->findings == NULL || s->alerts == NULL ||
        s->alert_failures == NULL || !cg_metrics_on_collect(reg, collect, s)) {
        cg_monitor_series_free(s);
        return NULL;
    }
    return s;
}

void cg_monitor_series_free(cg_monitor_series *s)
{
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s->times);
    free(s);
}

/* The tree head time of url (redacted) for the lag: kept, or updated. */
static void keep_time(cg_monitor_series *s, const char *url, uint64_t sth_ms)
{
    pthread_mutex_lock(&s->mu);
    size_t i = 0;
    while (i < s->n_times && strcmp(s->times[i].url, url) != 0)
        i++;
    if (i == s->n_times && s->n_times < MAX_LOGS) {
        if (s->n_times == s->cap_times) {
            size_t cap = s->cap_times ? 2 * s->cap_times : 8;
            sth_time *t = realloc(s->times, cap * sizeof(*t));
            if (t == NULL) {
                pthread_mutex_unlock(&s->mu);
                return;
            }
            s->times = t;
            s->cap_times = cap;
        }
        snprintf(s->times[i].url, URL_MAX, "%s", url);
        s->n_times++;
    }
    if (i < s->n_times)
        s->times[i].sth_ms = sth_ms;
    pthread_mutex_unlock(&s->mu);
}

void cg_monitor_series_log(cg_monitor_series *s, const char *url, uint64_t tree_size,
                           uint64_t sth_ms, uint64_t position, int64_t last_contact,
                           int64_t failing_since)
{
    char shown[URL_MAX];
    const char *v[1] = {shown};
    if (s == NULL)
        return;
    cg_redact(url, shown, sizeof(shown));
    cg_metric_set(s->position, v, (double)position);
    cg_metric_set(s->last_contact, v, (double)last_contact);
    cg_metric_set(s->failing_since, v, (double)failing_since);
    if (sth_ms == 0)
        return; /* no verified tree head yet: no size, no lag */
    cg_metric_set(s->tree_size, v, (double)tree_size);
    cg_metric_set(s->lag_entries, v, tree_size > position ? (double)(tree_size - position) : 0);
    cg_metric_set(s->sth_time, v, (double)sth_ms / 1000.0);
    keep_time(s, shown, sth_ms);
}

void cg_monitor_series_entries(cg_monitor_series *s, const char *url, uint64_t n)
{
    char shown[URL_MAX];
    const char *v[1] = {shown};
    if (s == NULL || n == 0)
        return;
    cg_redact(url, shown, sizeof(shown));
    cg_metric_add(s->entries, v, (double)n);
}

void cg_monitor_series_request(cg_monitor_series *s, const char *url, long status, uint64_t bytes)
{
    char shown[URL_MAX], code[24];
    const char *v[2] = {shown, code};
    if (s == NULL)
        return;
    cg_redact(url, shown, sizeof(shown));
    if (status > 0)
        snprintf(code, sizeof(code), "%ld", status);
    else
        snprintf(code, sizeof(code), "transport");
    cg_metric_inc(s->requests, v);
    if (status != 200)
        cg_metric_inc(s->request_errors, v);
    if (bytes > 0)
        cg_metric_add(s->bytes, v, (double)bytes); /* its one label: the log */
}

void cg_monitor_series_crl(cg_monitor_series *s, const char *url, const char *issuer,
                           int64_t last_fetch, int64_t last_change, int64_t next_update, int stale,
                           int64_t failures)
{
    char shown[URL_MAX];
    const char *v[2] = {shown, issuer != NULL ? issuer : ""};
    if (s == NULL)
        return;
    cg_redact(url, shown, sizeof(shown));
    cg_metric_set(s->crl_fetch, v, (double)last_fetch);
    cg_metric_set(s->crl_change, v, (double)last_change);
    cg_metric_set(s->crl_next, v, (double)next_update);
    cg_metric_set(s->crl_stale, v, stale ? 1 : 0);
    cg_metric_set(s->crl_failures, v, (double)failures);
}

void cg_monitor_series_finding(cg_monitor_series *s, const cg_finding *f)
{
    const char *v[2];
    if (s == NULL)
        return;
    v[0] = cg_rule_get(f->rule)->id;
    v[1] = cg_severity_name(cg_finding_severity(f));
    cg_metric_inc(s->findings, v);
}

void cg_monitor_series_alert(cg_monitor_series *s, const char *channel, int ok)
{
    const char *v[1] = {channel};
    if (s == NULL)
        return;
    cg_metric_inc(ok ? s->alerts : s->alert_failures, v);
}
