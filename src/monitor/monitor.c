/* The CT monitor (monitor.h). */
#include "monitor/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/client.h"
#include "store/ingest.h"
#include "x509/x509.h"

typedef struct watched {
    char *name;
    uint8_t *der;
    size_t der_len;
    uint8_t spki_hash[32];
    cg_cbs subject; /* into der */
} watched;

typedef struct mlog {
    char *url;
    char *name; /* NULL: the URL */
    EVP_PKEY *key;
    uint8_t id[32];
    cg_monitor_log_type type;
    int64_t mmd;
    const cg_log_client_ops *ops;
    void *client; /* made on first use, remade when the URL changes */
    int retired;
    int gone; /* retired and finished */
    int64_t next_poll;
    /* this round */
    uint64_t read, kept, malformed;
} mlog;

typedef struct sink {
    cg_sink_fn fn;
    void *arg;
} sink;

typedef struct task {
    int interval;
    cg_monitor_task_fn fn;
    void *arg;
    int64_t next;
} task;

struct cg_monitor {
    cg_store *st;
    cg_monitor_opts o;
    cg_ingest *ing;
    cg_merkle_hasher *h;
    watched *iss;
    size_t n_iss;
    mlog *logs;
    size_t n_logs;
    sink *sinks;
    size_t n_sinks;
    task *tasks;
    size_t n_tasks;
    volatile sig_atomic_t stop;
    int issuers_done;
    cg_monitor_stats stats;
    /* the entry being handled */
    mlog *cur;
    int store_failed;
    char err[1024];
};

static void seterr(cg_monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void seterr(cg_monitor *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, sizeof(m->err), fmt, ap);
    va_end(ap);
}

static void say(cg_monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(cg_monitor *m, const char *fmt, ...)
{
    va_list ap;
    if (m->o.quiet)
        return;
    va_start(ap, fmt);
    fputs("caguard monitor: ", m->o.log);
    vfprintf(m->o.log, fmt, ap);
    fputc('\n', m->o.log);
    fflush(m->o.log);
    va_end(ap);
}

static const char *log_name(const mlog *l)
{
    return l->name != NULL ? l->name : l->url;
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- findings ---- */

/* Every finding new to the store, after its commit, to every registered
 * sink. */
static void fanout(void *arg, const cg_finding *f)
{
    cg_monitor *m = arg;
    if (f->obj->has_hash)
        m->stats.new_findings[cg_rule_get(f->rule)->severity]++;
    else
        m->stats.unstored++;
    for (size_t i = 0; i < m->n_sinks; i++)
        m->sinks[i].fn(m->sinks[i].arg, f);
}

void cg_monitor_emit(cg_monitor *m, const cg_finding *f)
{
    fanout(m, f);
}

/* A finding about a log. */
static void log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    cg_objref ref;
    cg_finding f;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memset(&ref, 0, sizeof(ref));
    memset(&f, 0, sizeof(f));
    ref.file = l->url;
    ref.kind = CG_KIND_INPUT;
    f.rule = rule;
    f.obj = &ref;
    f.message = msg;
    m->stats.new_findings[cg_rule_get(rule)->severity]++;
    for (size_t i = 0; i < m->n_sinks; i++)
        m->sinks[i].fn(m->sinks[i].arg, &f);
}

/* ---- setup ---- */

cg_monitor *cg_monitor_new(cg_store *store, const cg_monitor_opts *opts, char *err,
                           size_t errcap)
{
    cg_monitor *m = calloc(1, sizeof(*m));
    if (m == NULL)
        goto oom;
    m->st = store;
    m->o = *opts;
    if (m->o.log == NULL)
        m->o.log = stderr;
    if (m->o.poll_interval <= 0)
        m->o.poll_interval = 60;
    if (m->o.range == 0)
        m->o.range = 4096;
    if (m->o.range_ms <= 0)
        m->o.range_ms = 5000;
    m->h = cg_merkle_hasher_new();
    if (m->h == NULL)
        goto oom;
    return m;
oom:
    cg_monitor_free(m);
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "out of memory");
    return NULL;
}

static void log_clear(mlog *l)
{
    if (l->client != NULL)
        l->ops->free_client(l->client);
    free(l->url);
    free(l->name);
    EVP_PKEY_free(l->key);
    memset(l, 0, sizeof(*l));
}

void cg_monitor_free(cg_monitor *m)
{
    if (m == NULL)
        return;
    cg_ingest_free(m->ing);
    cg_merkle_hasher_free(m->h);
    for (size_t i = 0; i < m->n_iss; i++) {
        free(m->iss[i].name);
        free(m->iss[i].der);
    }
    free(m->iss);
    for (size_t i = 0; i < m->n_logs; i++)
        log_clear(&m->logs[i]);
    free(m->logs);
    free(m->sinks);
    free(m->tasks);
    free(m);
}

cg_store *cg_monitor_get0_store(cg_monitor *m)
{
    return m->st;
}

const cg_monitor_stats *cg_monitor_get0_stats(const cg_monitor *m)
{
    return &m->stats;
}

const char *cg_monitor_errmsg(const cg_monitor *m)
{
    return m->err;
}

void cg_monitor_stop(cg_monitor *m)
{
    m->stop = 1;
}

int cg_monitor_on_finding(cg_monitor *m, cg_sink_fn fn, void *arg)
{
    sink *s = realloc(m->sinks, (m->n_sinks + 1) * sizeof(*s));
    if (s == NULL) {
        seterr(m, "out of memory");
        return 0;
    }
    m->sinks = s;
    s[m->n_sinks].fn = fn;
    s[m->n_sinks++].arg = arg;
    return 1;
}

int cg_monitor_add_task(cg_monitor *m, int interval_s, cg_monitor_task_fn fn, void *arg)
{
    task *t = realloc(m->tasks, (m->n_tasks + 1) * sizeof(*t));
    if (t == NULL) {
        seterr(m, "out of memory");
        return 0;
    }
    m->tasks = t;
    t[m->n_tasks].interval = interval_s > 0 ? interval_s : 1;
    t[m->n_tasks].fn = fn;
    t[m->n_tasks].arg = arg;
    t[m->n_tasks++].next = 0;
    return 1;
}

int cg_monitor_add_issuer(cg_monitor *m, const char *name, const uint8_t *der, size_t len,
                          char *err, size_t errcap)
{
    cg_cert cert;
    cg_der_error derr;
    watched *v = realloc(m->iss, (m->n_iss + 1) * sizeof(*v));
    if (v == NULL)
        goto oom;
    m->iss = v;
    watched *w = &v[m->n_iss];
    memset(w, 0, sizeof(*w));
    w->der = malloc(len > 0 ? len : 1);
    w->name = strdup(name);
    if (w->der == NULL || w->name == NULL) {
        free(w->der);
        free(w->name);
        goto oom;
    }
    memcpy(w->der, der, len);
    w->der_len = len;
    if (!cg_cert_parse(&cert, w->der, w->der_len, &derr)) {
        snprintf(err, errcap, "%s: not a certificate: %s", name, derr.what);
        free(w->der);
        free(w->name);
        return 0;
    }
    w->subject = cert.subject;
    if (!EVP_Digest(cert.spki.data, cert.spki.len, w->spki_hash, NULL, EVP_sha256(), NULL)) {
        free(w->der);
        free(w->name);
        goto oom;
    }
    m->n_iss++;
    return 1;
oom:
    snprintf(err, errcap, "out of memory");
    return 0;
}

/* The client table for a log type; NULL when this build has none. */
static const cg_log_client_ops *client_for(cg_monitor_log_type type)
{
    switch (type) {
    case CG_MONITOR_LOG_RFC6962:
        return &cg_logclient_ops;
    case CG_MONITOR_LOG_STATIC:
        return NULL; /* the static-ct-api client plugs in here */
    }
    return NULL;
}

static mlog *find_log(cg_monitor *m, const uint8_t id[32])
{
    for (size_t i = 0; i < m->n_logs; i++) {
        if (memcmp(m->logs[i].id, id, 32) == 0)
            return &m->logs[i];
    }
    return NULL;
}

int cg_monitor_add_log(cg_monitor *m, const cg_monitor_log *log)
{
    EVP_PKEY *key = log->key;
    uint8_t id[32];
    char why[256];
    const cg_log_client_ops *ops = client_for(log->type);
    if (ops == NULL) {
        seterr(m, "%s: this caguard has no client for %s logs", log->url,
               log->type == CG_MONITOR_LOG_STATIC ? "static-ct-api" : "this type of");
        return 0;
    }
    if (key != NULL) {
        EVP_PKEY_up_ref(key);
    } else {
        const unsigned char *p = log->key_der;
        key = log->key_der != NULL ? d2i_PUBKEY(NULL, &p, (long)log->key_der_len) : NULL;
        if (key == NULL || p != log->key_der + log->key_der_len) {
            EVP_PKEY_free(key);
            seterr(m, "%s: the log key is not a DER SubjectPublicKeyInfo", log->url);
            return 0;
        }
    }
    if (!cg_ct_key_usable(key, why, sizeof(why)) || !cg_ct_log_id(key, id)) {
        seterr(m, "%s: the log key cannot be a CT log's: %s", log->url, why);
        EVP_PKEY_free(key);
        return 0;
    }
    mlog *l = find_log(m, id);
    if (l == NULL) {
        mlog *v = realloc(m->logs, (m->n_logs + 1) * sizeof(*v));
        if (v == NULL) {
            EVP_PKEY_free(key);
            seterr(m, "out of memory");
            return 0;
        }
        m->logs = v;
        l = &v[m->n_logs++];
        memset(l, 0, sizeof(*l));
        memcpy(l->id, id, 32);
        l->key = key;
    } else {
        EVP_PKEY_free(key);
        if (l->client != NULL)
            l->ops->free_client(l->client);
        l->client = NULL;
        free(l->url);
        free(l->name);
        l->url = l->name = NULL;
    }
    l->type = log->type;
    l->ops = ops;
    l->mmd = log->mmd > 0 ? log->mmd : CG_MONITOR_DEFAULT_MMD;
    l->url = strdup(log->url);
    l->name = log->name != NULL ? strdup(log->name) : NULL;
    l->retired = l->gone = 0;
    if (l->url == NULL || (log->name != NULL && l->name == NULL)) {
        seterr(m, "out of memory");
        return 0;
    }
    return 1;
}

int cg_monitor_set_log_url(cg_monitor *m, const uint8_t log_id[32], const char *url)
{
    mlog *l = find_log(m, log_id);
    char *u;
    if (l == NULL) {
        seterr(m, "no log with that ID is followed");
        return 0;
    }
    u = strdup(url);
    if (u == NULL) {
        seterr(m, "out of memory");
        return 0;
    }
    free(l->url);
    l->url = u;
    if (l->client != NULL)
        l->ops->free_client(l->client);
    l->client = NULL;
    return 1;
}

int cg_monitor_retire_log(cg_monitor *m, const uint8_t log_id[32])
{
    mlog *l = find_log(m, log_id);
    if (l == NULL) {
        seterr(m, "no log with that ID is followed");
        return 0;
    }
    l->retired = 1;
    l->next_poll = 0;
    return 1;
}

/* ---- entries ---- */

static const watched *match(const cg_monitor *m, const cg_log_entry *e, const uint8_t *obj,
                            size_t obj_len)
{
    for (size_t i = 0; i < m->n_iss; i++) {
        const watched *w = &m->iss[i];
        if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
            if (memcmp(e->entry.issuer_key_hash.data, w->spki_hash, 32) == 0)
                return w;
            continue;
        }
        cg_cbs chain = e->chain.chain, first;
        if (cg_ct_chain_next(&chain, &first) && first.len == w->der_len &&
            memcmp(first.data, w->der, w->der_len) == 0)
            return w;
        cg_cert cert;
        cg_der_error derr;
        if (cg_cert_parse(&cert, obj, obj_len, &derr) && cert.issuer.len == w->subject.len &&
            memcmp(cert.issuer.data, w->subject.data, w->subject.len) == 0)
            return w;
    }
    return NULL;
}

static int ingest(cg_monitor *m, const char *name, const uint8_t *der, size_t len)
{
    char err[1024];
    if (!cg_ingest_file(m->ing, name, der, len, err, sizeof(err))) {
        seterr(m, "store: %s", err);
        m->store_failed = 1;
        return 0;
    }
    return 1;
}

static int on_entry(void *arg, const cg_log_entry *e)
{
    cg_monitor *m = arg;
    mlog *l = m->cur;
    char name[2200];
    if (m->stop)
        return 0;
    l->read++;
    m->stats.entries++;
    snprintf(name, sizeof(name), "%s#%" PRIu64, l->url, e->index);
    if (!e->ok) {
        l->malformed++;
        m->stats.malformed++;
        log_finding(m, l, CG_R_CT_LOG_ENTRY_MALFORMED, "entry %" PRIu64 " does not parse: %s",
                    e->index, e->err.what);
        return 1;
    }
    const uint8_t *obj = e->entry.cert.data;
    size_t obj_len = e->entry.cert.len;
    if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
        obj = e->chain.pre_certificate.data;
        obj_len = e->chain.pre_certificate.len;
    }
    if (!m->o.all_issuers && !match(m, e, obj, obj_len))
        return 1;
    /* The issuer first (the store keeps each object once), so the rules
     * that need the CA (SCT signatures, issuer key hash) have it. */
    cg_cbs chain = e->chain.chain, first;
    if (cg_ct_chain_next(&chain, &first)) {
        char iname[2300];
        snprintf(iname, sizeof(iname), "%s#%" PRIu64 "/issuer", l->url, e->index);
        if (!ingest(m, iname, first.data, first.len))
            return 0;
    }
    l->kept++;
    m->stats.kept++;
    return ingest(m, name, obj, obj_len);
}

/* ---- one log ---- */

static cg_logclient_opts client_opts(const cg_monitor *m)
{
    cg_logclient_opts co;
    memset(&co, 0, sizeof(co));
    co.parallel = m->o.parallel;
    co.batch = m->o.batch;
    co.timeout_ms = m->o.timeout_ms;
    co.max_retries = m->o.max_retries;
    co.backoff_ms = m->o.backoff_ms;
    return co;
}

/* One round of a log: its tree head, then its entries up to it. Returns 0
 * only when the store failed. */
static int log_round(cg_monitor *m, mlog *l)
{
    char why[1024];
    cg_sth sth;
    if (l->client == NULL) {
        cg_logclient_opts co = client_opts(m);
        l->client = l->ops->new_client(l->url, l->key, &co);
        if (l->client == NULL) {
            seterr(m, "out of memory");
            return 0;
        }
    }
    l->read = l->kept = l->malformed = 0;
    cg_log_status st = l->ops->get_sth(l->client, &sth, why, sizeof(why));
    if (st == CG_LOG_STH_SIG) {
        log_finding(m, l, CG_R_CT_LOG_STH_SIGNATURE_INVALID,
                    "the tree head of size %" PRIu64 " does not verify with the log's key: %s",
                    sth.tree_size, why);
        return 1;
    }
    if (st != CG_LOG_OK) {
        say(m, "%s: %s: %s", log_name(l), cg_log_status_str(st), why);
        m->stats.log_failures++;
        return 1;
    }
    cg_merkle_frontier f;
    cg_merkle_frontier_init(&f);
    m->cur = l;
    st = l->ops->scan(l->client, m->h, &f, sth.tree_size, &sth, on_entry, m, why, sizeof(why));
    m->cur = NULL;
    if (m->store_failed)
        return 0;
    if (st == CG_LOG_MERKLE) {
        log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, "%s", why);
    } else if (st != CG_LOG_OK && st != CG_LOG_STOPPED) {
        say(m, "%s: %s: %s", log_name(l), cg_log_status_str(st), why);
        m->stats.log_failures++;
    }
    say(m, "%s: %" PRIu64 " of %" PRIu64 " entries read, %" PRIu64 " kept, %" PRIu64 " malformed",
        log_name(l), f.size, sth.tree_size, l->kept, l->malformed);
    if (l->retired)
        l->gone = 1;
    return 1;
}

/* ---- the loop ---- */

static int ingest_issuers(cg_monitor *m)
{
    char err[1024];
    for (size_t i = 0; i < m->n_iss; i++) {
        if (!cg_ingest_file(m->ing, m->iss[i].name, m->iss[i].der, m->iss[i].der_len, err,
                            sizeof(err))) {
            seterr(m, "store: %s", err);
            return 0;
        }
    }
    return 1;
}

static void run_tasks(cg_monitor *m, int64_t now, int all)
{
    for (size_t i = 0; i < m->n_tasks && !m->stop; i++) {
        task *t = &m->tasks[i];
        if (!all && now < t->next)
            continue;
        t->next = now + t->interval;
        if (!t->fn(t->arg, m, now))
            m->stats.task_failures++;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early, which is what stop wants */
}

int cg_monitor_run(cg_monitor *m, int once)
{
    if (m->ing == NULL) {
        int64_t now = now_s();
        cg_ingest_opts io = {m->o.at != INT64_MIN ? m->o.at : now, now, m->o.loglist};
        m->ing = cg_ingest_new(m->st, &io, fanout, m);
        if (m->ing == NULL) {
            seterr(m, "out of memory");
            return 0;
        }
    }
    if (!m->issuers_done) {
        if (!ingest_issuers(m))
            return 0;
        m->issuers_done = 1;
    }
    run_tasks(m, now_s(), 1);
    while (!m->stop) {
        int64_t now = now_s();
        for (size_t i = 0; i < m->n_logs && !m->stop; i++) {
            mlog *l = &m->logs[i];
            if (l->gone || (!once && now < l->next_poll))
                continue;
            if (!log_round(m, l))
                return 0;
            l->next_poll = now_s() + m->o.poll_interval;
        }
        if (once)
            break;
        now = now_s();
        run_tasks(m, now, 0);
        /* Sleep to the next poll or task, waking for stop. */
        int64_t next = now + m->o.poll_interval;
        for (size_t i = 0; i < m->n_logs; i++) {
            if (!m->logs[i].gone && m->logs[i].next_poll < next)
                next = m->logs[i].next_poll;
        }
        for (size_t i = 0; i < m->n_tasks; i++) {
            if (m->tasks[i].next < next)
                next = m->tasks[i].next;
        }
        while (!m->stop && now_s() < next)
            sleep_ms(100);
    }
    return 1;
}
