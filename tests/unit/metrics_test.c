/* obs/metrics: the exposition text of counters, gauges and histograms with
 * labels (escaping, cumulative buckets, +Inf), names refused, the series
 * bound, collect callbacks, and updates from several threads at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/metrics.h"
#include "testutil.h"

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static void test_render(void)
{
    cg_metrics *m = cg_metrics_new();
    const char *rl[] = {"endpoint", "code"};
    cg_metric *req = cg_metrics_counter(m, "http_requests_total", "Requests by endpoint", 2, rl);
    cg_metric *age = cg_metrics_gauge(m, "loglist_age_seconds", "Age\\of the list\nnow", 0, NULL);
    const double b[] = {0.1, 1, 10};
    const char *hl[] = {"endpoint"};
    cg_metric *lat = cg_metrics_histogram(m, "latency_seconds", "Latency", 1, hl, b, 3);
    CHECK(req != NULL && age != NULL && lat != NULL);
    cg_metric_inc(req, (const char *[]){"/lintcert", "200"});
    cg_metric_inc(req, (const char *[]){"/lintcert", "200"});
    cg_metric_add(req, (const char *[]){"/v1/check", "400"}, 3);
    cg_metric_add(req, (const char *[]){"/v1/check", "400"}, -5); /* ignored: a counter */
    cg_metric_inc(req, (const char *[]){"a\"b\\c\nd", "200"});
    cg_metric_set(age, NULL, 12.5);
    cg_metric_observe(lat, (const char *[]){"/lintcert"}, 0.05);
    cg_metric_observe(lat, (const char *[]){"/lintcert"}, 0.1); /* le is inclusive */
    cg_metric_observe(lat, (const char *[]){"/lintcert"}, 5);
    cg_metric_observe(lat, (const char *[]){"/lintcert"}, 50);
    CHECK(cg_metric_value(req, (const char *[]){"/lintcert", "200"}) == 2);
    CHECK(cg_metric_value(req, (const char *[]){"/v1/check", "400"}) == 3);
    CHECK(cg_metric_value(req, (const char *[]){"/nothing", "200"}) == 0);
    size_t len = 0;
    char *t = cg_metrics_render(m, &len);
    CHECK(t != NULL && strlen(t) == len);
    CHECK(contains(t, "# HELP http_requests_total Requests by endpoint\n"
                      "# TYPE http_requests_total counter\n"
                      "http_requests_total{endpoint=\"/lintcert\",code=\"200\"} 2\n"
                      "http_requests_total{endpoint=\"/v1/check\",code=\"400\"} 3\n"
                      "http_requests_total{endpoint=\"a\\\"b\\\\c\\nd\",code=\"200\"} 1\n"));
    CHECK(contains(t, "# HELP loglist_age_seconds Age\\\\of the list\\nnow\n"
                      "# TYPE loglist_age_seconds gauge\nloglist_age_seconds 12.5\n"));
    CHECK(contains(t, "# TYPE latency_seconds histogram\n"
                      "latency_seconds_bucket{endpoint=\"/lintcert\",le=\"0.1\"} 2\n"
                      "latency_seconds_bucket{endpoint=\"/lintcert\",le=\"1\"} 2\n"
                      "latency_seconds_bucket{endpoint=\"/lintcert\",le=\"10\"} 3\n"
                      "latency_seconds_bucket{endpoint=\"/lintcert\",le=\"+Inf\"} 4\n"
                      "latency_seconds_sum{endpoint=\"/lintcert\"} 55.15\n"
                      "latency_seconds_count{endpoint=\"/lintcert\"} 4\n"));
    CHECK(contains(t, "caguard_metrics_series_dropped_total 0\n") ||
          !contains(t, "caguard_metrics_series_dropped_total{"));
    free(t);
    cg_metrics_free(m);
}

static void test_refused(void)
{
    cg_metrics *m = cg_metrics_new();
    const char *bad_label[] = {"__reserved"};
    const char *le[] = {"le"};
    const char *ok[] = {"x"};
    const double up[] = {1, 2}, down[] = {2, 1};
    CHECK(cg_metrics_counter(m, "1abc", "", 0, NULL) == NULL);
    CHECK(cg_metrics_counter(m, "a-b", "", 0, NULL) == NULL);
    CHECK(cg_metrics_counter(m, "", "", 0, NULL) == NULL);
    CHECK(cg_metrics_counter(m, "a", "", 1, bad_label) == NULL);
    CHECK(cg_metrics_histogram(m, "h", "", 1, le, up, 2) == NULL);
    CHECK(cg_metrics_histogram(m, "h", "", 1, ok, down, 2) == NULL);
    CHECK(cg_metrics_histogram(m, "h", "", 1, ok, up, 0) == NULL);
    CHECK(cg_metrics_counter(m, "ns:a_total", "", 1, ok) != NULL);
    CHECK(cg_metrics_gauge(m, "ns:a_total", "", 0, NULL) == NULL); /* taken */
    /* A NULL family is ignored. */
    cg_metric_inc(NULL, NULL);
    cg_metric_observe(NULL, NULL, 1);
    cg_metrics_free(m);
    cg_metrics_free(NULL);
}

static void test_bound(void)
{
    cg_metrics *m = cg_metrics_new();
    const char *l[] = {"v"};
    cg_metric *c = cg_metrics_counter(m, "many_total", "", 1, l);
    char v[32];
    for (int i = 0; i < CG_METRICS_MAX_SERIES + 10; i++) {
        snprintf(v, sizeof(v), "%d", i);
        cg_metric_inc(c, (const char *[]){v});
    }
    /* The first series keep counting; the new ones past the bound are dropped. */
    cg_metric_inc(c, (const char *[]){"0"});
    CHECK(cg_metric_value(c, (const char *[]){"0"}) == 2);
    snprintf(v, sizeof(v), "%d", CG_METRICS_MAX_SERIES + 5);
    CHECK(cg_metric_value(c, (const char *[]){v}) == 0);
    size_t len;
    char *t = cg_metrics_render(m, &len);
    CHECK(t != NULL && contains(t, "caguard_metrics_series_dropped_total 10\n"));
    free(t);
    cg_metrics_free(m);
}

typedef struct collect_state {
    cg_metric *g;
    int calls;
} collect_state;

static void collect(void *arg)
{
    collect_state *s = arg;
    s->calls++;
    cg_metric_set(s->g, NULL, s->calls);
}

static void test_collect(void)
{
    cg_metrics *m = cg_metrics_new();
    collect_state s = {cg_metrics_gauge(m, "scrapes", "", 0, NULL), 0};
    CHECK(cg_metrics_on_collect(m, collect, &s));
    CHECK(cg_metrics_add_process(m));
    size_t len;
    char *t = cg_metrics_render(m, &len);
    free(t);
    t = cg_metrics_render(m, &len);
    CHECK(t != NULL && contains(t, "\nscrapes 2\n"));
    CHECK(t != NULL && contains(t, "\nprocess_resident_memory_bytes "));
    CHECK(t != NULL && !contains(t, "\nprocess_resident_memory_bytes 0\n"));
    CHECK(t != NULL && contains(t, "# TYPE process_cpu_seconds_total counter\n"));
    CHECK(t != NULL && contains(t, "\nprocess_open_fds "));
    CHECK(t != NULL && contains(t, "\nprocess_start_time_seconds 1"));
    free(t);
    cg_metrics_free(m);
}

typedef struct hammer {
    cg_metric *c, *h;
    cg_metrics *m;
} hammer;

static void *hammer_run(void *arg)
{
    hammer *hm = arg;
    char v[8];
    for (int i = 0; i < 20000; i++) {
        snprintf(v, sizeof(v), "%d", i % 7);
        cg_metric_inc(hm->c, (const char *[]){v});
        cg_metric_observe(hm->h, (const char *[]){v}, 0.001);
        if (i % 5000 == 0) {
            size_t len;
            free(cg_metrics_render(hm->m, &len));
        }
    }
    return NULL;
}

static void test_threads(void)
{
    cg_metrics *m = cg_metrics_new();
    const char *l[] = {"k"};
    hammer hm = {cg_metrics_counter(m, "hits_total", "", 1, l),
                 cg_metrics_histogram(m, "lat", "", 1, l, cg_metrics_latency_buckets,
                                      cg_metrics_n_latency_buckets),
                 m};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer_run, &hm);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    double total = 0, observed = 0;
    for (int k = 0; k < 7; k++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", k);
        total += cg_metric_value(hm.c, (const char *[]){v});
        observed += cg_metric_value(hm.h, (const char *[]){v});
    }
    CHECK(total == 80000);
    CHECK(observed == 80000);
    cg_metrics_free(m);
}

int main(void)
{
    test_render();
    test_refused();
    test_bound();
    test_collect();
    test_threads();
    return cg_test_done();
}
