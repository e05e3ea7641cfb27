/* The Prometheus registry (metrics.h).
 *
 * A family keeps its series in an array in creation order plus an open
 * addressing index of their label-value hashes, so an update is one hash,
 * one probe and a compare of the values under the family's lock. Label
 * values are stored once, joined with NUL bytes. Rendering copies nothing
 * but the text: it holds each family's lock while writing that family.
 *
 * Invariants: series[i].values holds exactly n_labels NUL-terminated
 * strings; index slots hold series numbers + 1 (0 is empty) and the index
 * is at most half full; a histogram series' counts are per bucket (not
 * cumulative) with one more slot for +Inf. */
#include "obs/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "util/grow.h"
#include "util/hash.h"
#include "util/sbuf.h"

typedef enum { K_COUNTER, K_GAUGE, K_HISTOGRAM } kind;

typedef struct series {
    char *values; /* n_labels strings, each NUL-terminated, back to back */
    size_t values_len;
    uint64_t hash;
    double value;     /* counter, gauge; histogram: the sum */
    uint64_t count;   /* histogram: observations */
    uint64_t *bucket; /* histogram: n_buckets + 1 counts */
} series;

struct cg_metric {
    cg_metrics *reg;
    kind k;
    char *name;
    char *help;
    size_t n_labels;
    char *labels[CG_METRICS_MAX_LABELS];
    double buckets[CG_METRICS_MAX_BUCKETS];
    size_t n_buckets;
    pthread_mutex_t mu;
    series *s;
    size_t n, cap;
    uint32_t *index;  /* series number + 1, 0 empty */
    size_t index_cap; /* a power of two */
};

typedef struct collector {
    cg_metrics_collect_fn fn;
    void *arg;
} collector;

struct cg_metrics {
    pthread_mutex_t mu; /* the family list and the collectors */
    cg_metric **f;
    size_t n, cap;
    collector coll[8];
    size_t n_coll;
    cg_metric *dropped;
    struct process *process; /* cg_metrics_add_process's, owned */
};

const double cg_metrics_latency_buckets[] = {
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const size_t cg_metrics_n_latency_buckets =
    sizeof(cg_metrics_latency_buckets) / sizeof(cg_metrics_latency_buckets[0]);

static int name_ok(const char *s, int label)
{
    if (s == NULL || s[0] == '\0' || (label && s[0] == '_' && s[1] == '_'))
        return 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        int alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return 0;
    }
    return 1;
}

static struct series *lookup(cg_metric *f, const char *const *values, int create);

static void family_free(cg_metric *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->s[i].values);
        free(f->s[i].bucket);
    }
    free(f->s);
    free(f->index);
    for (size_t i = 0; i < f->n_labels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static cg_metric *family_new(cg_metrics *m, kind k, const char *name, const char *help,
                             size_t n_labels, const char *const *labels, const double *buckets,
                             size_t n_buckets)
{
    cg_metric *f = NULL;
    if (m == NULL || !name_ok(name, 0) || n_labels > CG_METRICS_MAX_LABELS ||
        n_buckets > CG_METRICS_MAX_BUCKETS || (k == K_HISTOGRAM && n_buckets == 0))
        return NULL;
    for (size_t i = 0; i < n_labels; i++) {
        if (!name_ok(labels[i], 1) || (k == K_HISTOGRAM && strcmp(labels[i], "le") == 0))
            return NULL;
    }
    for (size_t i = 0; i < n_buckets; i++) {
        if (isnan(buckets[i]) || isinf(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
            return NULL;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    f->reg = m;
    f->k = k;
    f->name = strdup(name);
    f->help = strdup(help != NULL ? help : "");
    f->n_labels = n_labels;
    f->n_buckets = n_buckets;
    if (n_buckets > 0)
        memcpy(f->buckets, buckets, n_buckets * sizeof(double));
    int ok = f->name != NULL && f->help != NULL;
    for (size_t i = 0; i < n_labels && ok; i++) {
        f->labels[i] = strdup(labels[i]);
        ok = f->labels[i] != NULL;
    }
    if (!ok)
        goto err;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n && ok; i++)
        ok = strcmp(m->f[i]->name, name) != 0;
    ok = ok && cg_grow((void **)&m->f, &m->cap, m->n + 1, sizeof(*m->f));
    if (ok)
        m->f[m->n++] = f;
    pthread_mutex_unlock(&m->mu);
    if (!ok)
        goto err;
    /* A family without labels has its one series (at 0) from the start,
     * as Prometheus' clients show it. */
    if (n_labels == 0) {
        pthread_mutex_lock(&f->mu);
        lookup(f, NULL, 1);
        pthread_mutex_unlock(&f->mu);
    }
    return f;
err:
    family_free(f);
    return NULL;
}

cg_metrics *cg_metrics_new(void)
{
    cg_metrics *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    m->dropped =
        family_new(m, K_COUNTER, "caguard_metrics_series_dropped_total",
                   "Updates of a new series dropped: its family was full", 0, NULL, NULL, 0);
    if (m->dropped == NULL) {
        cg_metrics_free(m);
        return NULL;
    }
    return m;
}

void cg_metrics_free(cg_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        family_free(m->f[i]);
    free(m->f);
    free(m->process);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

cg_metric *cg_metrics_counter(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                              const char *const *labels)
{
    return family_new(m, K_COUNTER, name, help, n_labels, labels, NULL, 0);
}

cg_metric *cg_metrics_gauge(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                            const char *const *labels)
{
    return family_new(m, K_GAUGE, name, help, n_labels, labels, NULL, 0);
}

cg_metric *cg_metrics_histogram(cg_metrics *m, const char *name, const char *help, size_t n_labels,
                                const char *const *labels, const double *buckets, size_t n_buckets)
{
    return family_new(m, K_HISTOGRAM, name, help, n_labels, labels, buckets, n_buckets);
}

static void index_put(const cg_metric *f, size_t cap, uint32_t *index, size_t i)
{
    size_t mask = cap - 1, p = f->s[i].hash & mask;
    while (index[p] != 0)
        p = (p + 1) & mask;
    index[p] = (uint32_t)(i + 1);
}

/* The series of these label values, made when new; NULL when the family
 * is full or memory ran out. Called with f->mu held. */
static struct series *lookup(cg_metric *f, const char *const *values, int create)
{
    char stack[512];
    size_t len = 0;
    for (size_t i = 0; i < f->n_labels; i++)
        len += strlen(values[i] != NULL ? values[i] : "") + 1;
    char *key = len <= sizeof(stack) ? stack : malloc(len);
    series *found = NULL;
    if (key == NULL)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < f->n_labels; i++) {
        const char *v = values[i] != NULL ? values[i] : "";
        size_t l = strlen(v) + 1;
        memcpy(key + at, v, l);
        at += l;
    }
    uint64_t h = cg_fnv1a(CG_FNV1A_INIT, key, len);
    if (f->index_cap > 0) {
        size_t mask = f->index_cap - 1;
        for (size_t p = h & mask; f->index[p] != 0; p = (p + 1) & mask) {
            series *s = &f->s[f->index[p] - 1];
            if (s->hash == h && s->values_len == len && memcmp(s->values, key, len) == 0) {
                found = s;
                break;
            }
        }
    }
    if (found != NULL || !create)
        goto out;
    if (f->n >= CG_METRICS_MAX_SERIES) {
        if (f != f->reg->dropped)
            cg_metric_inc(f->reg->dropped, NULL);
        goto out;
    }
    if ((f->n + 1) * 2 > f->index_cap) {
        size_t ncap = f->index_cap == 0 ? 16 : f->index_cap * 2;
        uint32_t *ni = calloc(ncap, sizeof(*ni));
        if (ni == NULL)
            goto out;
        for (size_t i = 0; i < f->n; i++)
            index_put(f, ncap, ni, i);
        free(f->index);
        f->index = ni;
        f->index_cap = ncap;
    }
    series *s = cg_grow_slot((void **)&f->s, f->n, &f->cap, sizeof(*s));
    if (s == NULL)
        goto out;
    s->values = malloc(len > 0 ? len : 1);
    if (f->k == K_HISTOGRAM)
        s->bucket = calloc(f->n_buckets + 1, sizeof(uint64_t));
    if (s->values == NULL || (f->k == K_HISTOGRAM && s->bucket == NULL)) {
        free(s->values);
        free(s->bucket);
        goto out;
    }
    if (len > 0)
        memcpy(s->values, key, len);
    s->values_len = len;
    s->hash = h;
    index_put(f, f->index_cap, f->index, f->n);
    f->n++;
    found = s;
out:
    if (key != stack)
        free(key);
    return found;
}

void cg_metric_add(cg_metric *f, const char *const *values, double v)
{
    if (f == NULL || f->k == K_HISTOGRAM || isnan(v) || (f->k == K_COUNTER && v < 0))
        return;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, values, 1);
    if (s != NULL)
        s->value += v;
    pthread_mutex_unlock(&f->mu);
}

void cg_metric_inc(cg_metric *f, const char *const *values)
{
    cg_metric_add(f, values, 1);
}

void cg_metric_set(cg_metric *f, const char *const *values, double v)
{
    if (f == NULL || f->k == K_HISTOGRAM)
        return;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, values, 1);
    if (s != NULL)
        s->value = v;
    pthread_mutex_unlock(&f->mu);
}

void cg_metric_observe(cg_metric *f, const char *const *values, double v)
{
    if (f == NULL || f->k != K_HISTOGRAM || isnan(v))
        return;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, values, 1);
    if (s != NULL) {
        size_t b = 0;
        while (b < f->n_buckets && v > f->buckets[b])
            b++;
        s->bucket[b]++;
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&f->mu);
}

double cg_metric_value(cg_metric *f, const char *const *values)
{
    double v = 0;
    if (f == NULL)
        return 0;
    pthread_mutex_lock(&f->mu);
    series *s = lookup(f, values, 0);
    if (s != NULL)
        v = f->k == K_HISTOGRAM ? (double)s->count : s->value;
    pthread_mutex_unlock(&f->mu);
    return v;
}

int cg_metrics_on_collect(cg_metrics *m, cg_metrics_collect_fn fn, void *arg)
{
    int ok = 0;
    pthread_mutex_lock(&m->mu);
    if (m->n_coll < sizeof(m->coll) / sizeof(m->coll[0])) {
        m->coll[m->n_coll++] = (collector){fn, arg};
        ok = 1;
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

/* ---- the text format ---- */

/* HELP text escapes backslash and line feed; label values also '"'. */
static void put_escaped(cg_sbuf *b, const char *s, int quote)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            cg_sbuf_puts(b, "\\\\");
        else if (*s == '\n')
            cg_sbuf_puts(b, "\\n");
        else if (quote && *s == '"')
            cg_sbuf_puts(b, "\\\"");
        else
            cg_sbuf_append(b, s, 1);
    }
}

/* The shortest decimal that reads back as v, as Prometheus' own clients
 * write numbers ("0.1", not "0.10000000000000001"). */
static void fmt_number(double v, char *out, size_t cap)
{
    if (isnan(v)) {
        snprintf(out, cap, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void put_number(cg_sbuf *b, double v)
{
    char tmp[64];
    fmt_number(v, tmp, sizeof(tmp));
    cg_sbuf_puts(b, tmp);
}

/* name{l1="v1",...,extra} (extra: the histogram's le="..." or NULL). */
static void put_series_name(cg_sbuf *b, const cg_metric *f, const series *s, const char *suffix,
                            const char *extra)
{
    cg_sbuf_puts(b, f->name);
    if (suffix != NULL)
        cg_sbuf_puts(b, suffix);
    if (f->n_labels == 0 && extra == NULL)
        return;
    cg_sbuf_puts(b, "{");
    const char *v = s->values;
    for (size_t i = 0; i < f->n_labels; i++) {
        if (i > 0)
            cg_sbuf_puts(b, ",");
        cg_sbuf_puts(b, f->labels[i]);
        cg_sbuf_puts(b, "=\"");
        put_escaped(b, v, 1);
        cg_sbuf_puts(b, "\"");
        v += strlen(v) + 1;
    }
    if (extra != NULL) {
        if (f->n_labels > 0)
            cg_sbuf_puts(b, ",");
        cg_sbuf_puts(b, extra);
    }
    cg_sbuf_puts(b, "}");
}

static void render_family(cg_sbuf *b, cg_metric *f)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&f->mu);
    cg_sbuf_puts(b, "# HELP ");
    cg_sbuf_puts(b, f->name);
    cg_sbuf_puts(b, " ");
    put_escaped(b, f->help, 0);
    cg_sbuf_puts(b, "\n# TYPE ");
    cg_sbuf_puts(b, f->name);
    cg_sbuf_puts(b, " ");
    cg_sbuf_puts(b, types[f->k]);
    cg_sbuf_puts(b, "\n");
    for (size_t i = 0; i < f->n; i++) {
        const series *s = &f->s[i];
        if (f->k != K_HISTOGRAM) {
            put_series_name(b, f, s, NULL, NULL);
            cg_sbuf_puts(b, " ");
            put_number(b, s->value);
            cg_sbuf_puts(b, "\n");
            continue;
        }
        uint64_t cum = 0;
        for (size_t k = 0; k <= f->n_buckets; k++) {
            char le[64];
            char num[40];
            cum += s->bucket[k];
            fmt_number(k < f->n_buckets ? f->buckets[k] : INFINITY, num, sizeof(num));
            snprintf(le, sizeof(le), "le=\"%s\"", num);
            put_series_name(b, f, s, "_bucket", le);
            cg_sbuf_puts(b, " ");
            put_number(b, (double)cum);
            cg_sbuf_puts(b, "\n");
        }
        put_series_name(b, f, s, "_sum", NULL);
        cg_sbuf_puts(b, " ");
        put_number(b, s->value);
        cg_sbuf_puts(b, "\n");
        put_series_name(b, f, s, "_count", NULL);
        cg_sbuf_puts(b, " ");
        put_number(b, (double)s->count);
        cg_sbuf_puts(b, "\n");
    }
    pthread_mutex_unlock(&f->mu);
}

char *cg_metrics_render(cg_metrics *m, size_t *len)
{
    cg_sbuf b = CG_SBUF_INIT;
    collector coll[8];
    size_t n_coll;
    pthread_mutex_lock(&m->mu);
    n_coll = m->n_coll;
    memcpy(coll, m->coll, sizeof(coll));
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < n_coll; i++)
        coll[i].fn(coll[i].arg);
    /* Families are only ever appended: the first n stay where they are. */
    pthread_mutex_lock(&m->mu);
    size_t n = m->n;
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&m->mu);
        cg_metric *f = m->f[i];
        pthread_mutex_unlock(&m->mu);
        render_family(&b, f);
    }
    return cg_sbuf_take(&b, len);
}

/* ---- the process ---- */

struct process {
    cg_metric *rss, *cpu, *fds, *start;
};
typedef struct process process;

static void collect_process(void *arg)
{
    process *p = arg;
    long page = sysconf(_SC_PAGESIZE), tick = sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, resident;
    if (f != NULL) {
        if (fscanf(f, "%lu %lu", &size, &resident) == 2)
            cg_metric_set(p->rss, NULL, (double)resident * (double)page);
        fclose(f);
    }
    f = fopen("/proc/self/stat", "r");
    if (f != NULL) {
        char line[1024];
        if (fgets(line, sizeof(line), f) != NULL) {
            /* After the ")" that ends the command name: state is field 3,
             * utime 14, stime 15, starttime 22. */
            const char *q = strrchr(line, ')');
            unsigned long long ut, st, start;
            if (q != NULL &&
                sscanf(q + 2,
                       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
                       "%*d %*d %*d %*d %*d %*d %llu",
                       &ut, &st, &start) == 3 &&
                tick > 0) {
                cg_metric_set(p->cpu, NULL, (double)(ut + st) / (double)tick);
                FILE *u = fopen("/proc/uptime", "r");
                double up;
                if (u != NULL) {
                    if (fscanf(u, "%lf", &up) == 1)
                        cg_metric_set(p->start, NULL,
                                      (double)time(NULL) - up + (double)start / (double)tick);
                    fclose(u);
                }
            }
        }
        fclose(f);
    }
    DIR *dir = opendir("/proc/self/fd");
    if (dir != NULL) {
        double n = 0;
        for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir))
            n += e->d_name[0] != '.';
        closedir(dir);
        cg_metric_set(p->fds, NULL, n - 1); /* less the directory's own */
    }
}

int cg_metrics_add_process(cg_metrics *m)
{
    process *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return 0;
    p->rss = cg_metrics_gauge(m, "process_resident_memory_bytes", "Resident memory size in bytes",
                              0, NULL);
    p->cpu = cg_metrics_counter(m, "process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds", 0, NULL);
    p->fds = cg_metrics_gauge(m, "process_open_fds", "Number of open file descriptors", 0, NULL);
    p->start = cg_metrics_gauge(m, "process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds", 0, NULL);
    if (p->rss == NULL || p->cpu == NULL || p->fds == NULL || p->start == NULL ||
        !cg_metrics_on_collect(m, collect_process, p)) {
        free(p);
        return 0;
    }
    m->process = p;
    return 1;
}
