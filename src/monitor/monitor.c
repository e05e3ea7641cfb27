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
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/client.h"
#include "monitor/series.h"
#include "obs/logger.h"
#include "store/ingest.h"
#include "util/base64.h"
#include "util/redact.h"
#include "x509/time.h"
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
    char id64[48]; /* base64, as log lists write it */
    cg_monitor_log_type type;
    int64_t mmd;
    const cg_log_client_ops *ops;
    void *client; /* made on first use, remade when the URL changes */
    int retired;
    int gone; /* retired and finished */
    int64_t next_poll;
    /* the state, as in the store (cg_store_log_state) */
    int loaded;
    cg_merkle_frontier f; /* at the position */
    int has_sth;
    cg_sth sth; /* the last verified tree head */
    int64_t last_contact, failing_since;
    /* this round */
    uint64_t read, kept, malformed;
    uint64_t ranges_done; /* shared: ranges this worker completed this round */
    uint64_t round_start;
    double t0, last_print, last_line;
    int printed; /* a progress line is on the terminal */
    /* metrics: the entries read and not yet counted, and what the client's
     * HTTP observer needs (its own allocation: the array of logs moves) */
    uint64_t unflushed;
    struct log_observer *obs;
} mlog;

/* The client's HTTP observer of one log: metrics by status, and the
 * heartbeat, which every attempt is. */
typedef struct log_observer {
    struct cg_monitor *m;
    char *url;
} log_observer;

/* A new log finding, stored in the open range's transaction, handed on
 * after its commit. */
typedef struct held_finding {
    cg_rule_id rule;
    char *message;
} held_finding;

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

/* Chain issuers (SHA-256) this run stored: a CA that comes in front of
 * every entry of its certificates is ingested once a run, not once an
 * entry. Open addressing; emptied when three quarters full and on every
 * rollback (what the rolled-back range stored is gone). */
#define ISSUER_SET_CAP 4096
typedef struct issuer_set {
    uint8_t (*key)[32];
    uint8_t *used;
    size_t n;
} issuer_set;

struct cg_monitor {
    cg_store *st;
    issuer_set issuers;
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
    int in_range;    /* a range's transaction is open */
    double deadline; /* when the open range is committed */
    uint64_t range_first; /* its first entry */
    int once;
    held_finding *held;
    size_t n_held;
    /* shared: the range being read */
    cg_merkle_compact cr;       /* its compact range so far */
    const cg_store_log_lease *lease;
    double renew_at;            /* when the lease is renewed next */
    int lease_lost;
    cg_logger own_logger; /* when the caller gave none */
    const cg_logger *logger;
    double last_beat; /* the heartbeat's last turn (CLOCK_MONOTONIC) */
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
    cg_monitor_series_finding(m->o.series, f);
    if (f->obj->has_hash)
        m->stats.new_findings[cg_finding_severity(f)]++;
    else
        m->stats.unstored++;
    for (size_t i = 0; i < m->n_sinks; i++)
        m->sinks[i].fn(m->sinks[i].arg, f);
}

void cg_monitor_emit(cg_monitor *m, const cg_finding *f)
{
    fanout(m, f);
}

/* Hands a log finding to the sinks. */
static void emit_log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *msg)
{
    cg_objref ref;
    cg_finding f;
    cg_field field = {"log", CG_FIELD_STRING, l->id64, 0};
    memset(&ref, 0, sizeof(ref));
    memset(&f, 0, sizeof(f));
    ref.file = l->url;
    ref.kind = CG_KIND_INPUT;
    f.rule = rule;
    f.obj = &ref;
    f.message = msg;
    f.fields = &field;
    f.n_fields = 1;
    m->stats.new_findings[cg_rule_get(rule)->severity]++;
    for (size_t i = 0; i < m->n_sinks; i++)
        m->sinks[i].fn(m->sinks[i].arg, &f);
}

static int save_state(cg_monitor *m, mlog *l);

/* A finding about a log, stored against its ID and deduplicated by subject
 * (what about the log: an entry index, a tree head). Inside a range it
 * joins the range's transaction and waits for its commit. Returns 0 when
 * the store failed. */
static int log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *subject,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *subject,
                       const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    cg_store_finding sf;
    int is_new = 0;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The log's row first, so that the finding has its URL. */
    if (!l->loaded && !save_state(m, l))
        return 0;
    memset(&sf, 0, sizeof(sf));
    sf.rule = cg_rule_get(rule)->id;
    sf.severity = cg_rule_get(rule)->severity;
    sf.has_log = 1;
    memcpy(sf.log_id, l->id, 32);
    sf.subject = subject;
    sf.message = msg;
    if (!cg_store_put_finding(m->st, &sf, now_s(), &is_new, NULL)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    if (!is_new)
        return 1;
    if (!m->in_range) {
        emit_log_finding(m, l, rule, msg);
        return 1;
    }
    held_finding *h = realloc(m->held, (m->n_held + 1) * sizeof(*h));
    char *copy = strdup(msg);
    if (h != NULL)
        m->held = h;
    if (h == NULL || copy == NULL) {
        free(copy);
        seterr(m, "out of memory");
        m->store_failed = 1;
        return 0;
    }
    h[m->n_held].rule = rule;
    h[m->n_held++].message = copy;
    return 1;
}

static void held_drop(cg_monitor *m)
{
    for (size_t i = 0; i < m->n_held; i++)
        free(m->held[i].message);
    m->n_held = 0;
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
    /* Lines as they were, plain, when the caller has no logger of its own. */
    cg_logger_init(&m->own_logger, m->o.log, CG_LOGGER_TEXT, "caguard monitor");
    m->own_logger.stamp = 0;
    m->logger = m->o.logger != NULL ? m->o.logger : &m->own_logger;
    if (m->o.poll_interval <= 0)
        m->o.poll_interval = 60;
    if (m->o.range == 0)
        m->o.range = 4096;
    if (m->o.range_ms <= 0)
        m->o.range_ms = 5000;
    if (m->o.lease_seconds <= 0)
        m->o.lease_seconds = 60;
    if (m->o.shared && (m->o.worker_id == NULL || m->o.worker_id[0] == '\0')) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "a shared monitor needs a worker ID");
        cg_monitor_free(m);
        return NULL;
    }
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
    if (l->obs != NULL)
        free(l->obs->url);
    free(l->obs);
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
    held_drop(m);
    free(m->held);
    free(m->issuers.key);
    free(m->issuers.used);
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

void cg_monitor_resume(cg_monitor *m)
{
    m->stop = 0;
}

size_t cg_monitor_n_logs(const cg_monitor *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_logs; i++)
        n += !m->logs[i].gone;
    return n;
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
        return &cg_tileclient_ops;
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
        cg_base64_encode(id, 32, l->id64);
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

int cg_monitor_has_log(const cg_monitor *m, const uint8_t log_id[32])
{
    for (size_t i = 0; i < m->n_logs; i++) {
        if (memcmp(m->logs[i].id, log_id, 32) == 0)
            return !m->logs[i].retired;
    }
    return 0;
}

/* ---- entries ---- */

static double mono(void);

/* The log's state, as now committed, to the metrics, with the entries
 * read since the last count. */
static void series_log(cg_monitor *m, mlog *l)
{
    cg_monitor_series_log(m->o.series, l->url, l->has_sth ? l->sth.tree_size : 0,
                          l->has_sth ? l->sth.timestamp : 0, l->f.size, l->last_contact,
                          l->failing_since);
    cg_monitor_series_entries(m->o.series, l->url, l->unflushed);
    l->unflushed = 0;
}

/* Called often (each entry, each HTTP attempt, each turn of the sleeps):
 * the owner's tick (the service watchdog, which keeps its own pace) each
 * time, and at most once a second the entries read to the metrics. */
static void heartbeat(cg_monitor *m)
{
    double t;
    if (m->o.tick != NULL)
        m->o.tick(m->o.tick_arg);
    t = mono();
    if (t - m->last_beat < 1.0)
        return;
    m->last_beat = t;
    for (size_t i = 0; i < m->n_logs; i++) {
        if (m->logs[i].unflushed > 0) {
            cg_monitor_series_entries(m->o.series, m->logs[i].url, m->logs[i].unflushed);
            m->logs[i].unflushed = 0;
        }
    }
}

/* Every HTTP attempt of a log's client. */
static void observe(void *arg, long status, size_t bytes)
{
    log_observer *o = arg;
    cg_monitor_series_request(o->m->o.series, o->url, status, bytes);
    heartbeat(o->m);
}
static void progress(cg_monitor *m, mlog *l, int final);

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

static size_t issuer_slot(const uint8_t sha256[32])
{
    size_t h;
    memcpy(&h, sha256, sizeof(h));
    return h % ISSUER_SET_CAP;
}

static int issuer_known(const cg_monitor *m, const uint8_t sha256[32])
{
    const issuer_set *s = &m->issuers;
    for (size_t i = issuer_slot(sha256); s->used != NULL && s->used[i];
         i = (i + 1) % ISSUER_SET_CAP) {
        if (memcmp(s->key[i], sha256, 32) == 0)
            return 1;
    }
    return 0;
}

static void issuers_forget(cg_monitor *m)
{
    if (m->issuers.used != NULL)
        memset(m->issuers.used, 0, ISSUER_SET_CAP);
    m->issuers.n = 0;
}

/* Remembers an ingested issuer; without memory it is simply ingested again
 * next time. */
static void issuer_remember(cg_monitor *m, const uint8_t sha256[32])
{
    issuer_set *s = &m->issuers;
    if (s->used == NULL) {
        s->key = malloc(ISSUER_SET_CAP * sizeof(*s->key));
        s->used = calloc(ISSUER_SET_CAP, 1);
        if (s->key == NULL || s->used == NULL) {
            free(s->key);
            free(s->used);
            s->key = NULL;
            s->used = NULL;
            return;
        }
    }
    if (s->n >= ISSUER_SET_CAP / 4 * 3)
        issuers_forget(m);
    size_t i = issuer_slot(sha256);
    while (s->used[i])
        i = (i + 1) % ISSUER_SET_CAP;
    memcpy(s->key[i], sha256, 32);
    s->used[i] = 1;
    s->n++;
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

/* Shared: the entry's leaf hash into the range's compact range, and the
 * lease renewed when due. 0 stops the range (the lease is lost, or the
 * store failed). */
static int shared_entry(cg_monitor *m, mlog *l, const cg_log_entry *e)
{
    uint8_t lh[CG_MERKLE_HASH_LEN];
    if (!cg_merkle_leaf_hash(m->h, e->leaf, e->leaf_len, lh) ||
        !cg_merkle_compact_append(m->h, &m->cr, lh)) {
        seterr(m, "out of memory");
        m->store_failed = 1;
        return 0;
    }
    if (m->o.lease_store != NULL && m->lease != NULL && mono() >= m->renew_at) {
        int lost = 0;
        if (!cg_store_log_range_renew(m->o.lease_store, l->id, m->lease,
                                      now_s() + m->o.lease_seconds, &lost)) {
            seterr(m, "store: renewing a lease: %s", cg_store_errmsg(m->o.lease_store));
            m->store_failed = 1;
            return 0;
        }
        if (lost) {
            m->lease_lost = 1;
            return 0;
        }
        m->renew_at = mono() + m->o.lease_seconds / 3.0;
    }
    return 1;
}

static int on_entry(void *arg, const cg_log_entry *e)
{
    cg_monitor *m = arg;
    mlog *l = m->cur;
    char name[2200];
    /* A range ends at a stop, or when it has run long enough (at least
     * one entry, so that it moves). */
    if (m->stop || (l->read > 0 && e->index > m->range_first && mono() > m->deadline))
        return 0;
    if (m->o.shared && !shared_entry(m, l, e))
        return 0;
    l->read++;
    l->unflushed++;
    heartbeat(m);
    m->stats.entries++;
    progress(m, l, 0);
    snprintf(name, sizeof(name), "%s#%" PRIu64, l->url, e->index);
    if (!e->ok) {
        char subject[32];
        l->malformed++;
        m->stats.malformed++;
        snprintf(subject, sizeof(subject), "entry %" PRIu64, e->index);
        return log_finding(m, l, CG_R_CT_LOG_ENTRY_MALFORMED, subject,
                           "entry %" PRIu64 " does not parse: %s", e->index, e->err.what);
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
    uint8_t isha[32];
    if (cg_ct_chain_next(&chain, &first) && SHA256(first.data, first.len, isha) != NULL &&
        !issuer_known(m, isha)) {
        char iname[2300];
        snprintf(iname, sizeof(iname), "%s#%" PRIu64 "/issuer", l->url, e->index);
        if (!ingest(m, iname, first.data, first.len))
            return 0;
        issuer_remember(m, isha);
    }
    l->kept++;
    m->stats.kept++;
    return ingest(m, name, obj, obj_len);
}

/* ---- the log's state in the store ---- */

typedef struct load_ctx {
    mlog *l;
    int ok;
} load_ctx;

static int load_one(void *arg, const cg_store_log_state *ls)
{
    load_ctx *c = arg;
    mlog *l = c->l;
    if (!cg_merkle_frontier_decode(&l->f, ls->frontier, ls->frontier_len) ||
        l->f.size != ls->position || (ls->has_sth && ls->sth_size < ls->position) ||
        (ls->has_sth && !cg_sth_signature_parse(&l->sth, ls->sth_signature,
                                                 ls->sth_signature_len)))
        return 1;
    l->has_sth = ls->has_sth;
    if (l->has_sth) {
        l->sth.tree_size = ls->sth_size;
        l->sth.timestamp = ls->sth_timestamp;
        memcpy(l->sth.root, ls->sth_root, 32);
    }
    l->last_contact = ls->last_contact;
    l->failing_since = ls->failing_since;
    c->ok = 1;
    return 1;
}

static int load_state(cg_monitor *m, mlog *l)
{
    load_ctx c = {l, 0};
    int found = 0;
    if (!cg_store_log_state_get(m->st, l->id, load_one, &c, &found)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    if (found && !c.ok) {
        seterr(m, "store: the state of log %s (ID %s) does not decode: the frontier, position "
                  "or tree head is not one this caguard wrote",
               l->url, l->id64);
        return 0;
    }
    if (!found)
        cg_merkle_frontier_init(&l->f);
    l->loaded = found;
    series_log(m, l);
    return 1;
}

/* Writes the log's state (inside the open range, if any). */
static int save_state(cg_monitor *m, mlog *l)
{
    uint8_t fr[CG_MERKLE_FRONTIER_MAX_ENCODED], sig[2 + 2 + CG_CT_MAX_SIG];
    size_t fr_len = 0, sig_len = 0;
    cg_store_log_state ls;
    cg_cbb cbb;
    memset(&ls, 0, sizeof(ls));
    memcpy(ls.log_id, l->id, 32);
    ls.url = l->url;
    ls.position = l->f.size;
    if (!cg_merkle_frontier_encode(&l->f, fr, sizeof(fr), &fr_len))
        goto bad;
    ls.frontier = fr;
    ls.frontier_len = fr_len;
    ls.has_sth = l->has_sth;
    if (l->has_sth) {
        cg_cbb_init_fixed(&cbb, sig, sizeof(sig));
        if (!cg_sth_signature_write(&cbb, &l->sth) || !cg_cbb_finish(&cbb, &sig_len))
            goto bad;
        ls.sth_size = l->sth.tree_size;
        ls.sth_timestamp = l->sth.timestamp;
        memcpy(ls.sth_root, l->sth.root, 32);
        ls.sth_signature = sig;
        ls.sth_signature_len = sig_len;
    }
    ls.last_contact = l->last_contact;
    ls.failing_since = l->failing_since;
    ls.updated_at = now_s();
    if (!(m->o.shared ? cg_store_log_head_put(m->st, &ls) : cg_store_log_state_put(m->st, &ls))) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    l->loaded = 1;
    if (!m->in_range)
        series_log(m, l); /* committed on its own */
    return 1;
bad:
    seterr(m, "%s: cannot encode the log state", l->url);
    m->store_failed = 1;
    return 0;
}

/* ---- progress ---- */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fmt_duration(double s, char *out, size_t cap)
{
    uint64_t t = s > 0 ? (uint64_t)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(out, cap, "%" PRIu64 "h%02" PRIu64 "m", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, cap, "%" PRIu64 "m%02" PRIu64 "s", t / 60, t % 60);
    else
        snprintf(out, cap, "%" PRIu64 "s", t);
}

/* On a terminal, the log's line is rewritten at most 10 times a second;
 * otherwise a plain line at most every 10 s while catching up. final ends
 * the terminal line. */
static void progress(cg_monitor *m, mlog *l, int final)
{
    double t = mono();
    if (m->o.quiet || !l->has_sth || m->o.shared)
        return;
    if (m->o.progress) {
        if (!final && t - l->last_print < 0.1)
            return;
    } else if (final || t - l->last_line < 10.0 || l->f.size >= l->sth.tree_size) {
        return;
    }
    uint64_t done = l->f.size - l->round_start;
    double rate = t > l->t0 ? (double)done / (t - l->t0) : 0;
    uint64_t left = l->sth.tree_size - l->f.size;
    char eta[32] = "-";
    if (rate > 0 && left > 0)
        fmt_duration((double)left / rate, eta, sizeof(eta));
    else if (left == 0)
        snprintf(eta, sizeof(eta), "0s");
    double pct = l->sth.tree_size ? 100.0 * (double)l->f.size / (double)l->sth.tree_size : 100.0;
    if (m->o.progress) {
        char name[2200];
        cg_redact(log_name(l), name, sizeof(name));
        fprintf(m->o.log, "\r\033[K%s: %" PRIu64 "/%" PRIu64 " (%.1f%%), %.0f entries/s, ETA %s%s",
                name, l->f.size, l->sth.tree_size, pct, rate, eta, final ? "\n" : "");
        l->printed = !final;
        l->last_print = t;
        fflush(m->o.log);
    } else {
        cg_logger_say(m->logger, CG_LOGGER_INFO,
                      "%s: at %" PRIu64 " of %" PRIu64 " (%.1f%%), %.0f entries/s, ETA %s",
                      log_name(l), l->f.size, l->sth.tree_size, pct, rate, eta);
        l->last_line = t;
    }
}

/* A message on its own line, after a progress line if one is showing;
 * a warning (something failed or is wrong) or, say_info, news. */
static void vsay(cg_monitor *m, mlog *l, cg_logger_level level, const char *fmt, va_list ap)
{
    char msg[2048];
    if (m->o.quiet)
        return;
    if (l->printed) {
        fputc('\n', m->o.log);
        l->printed = 0;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    cg_logger_say(m->logger, level, "%s: %s", log_name(l), msg);
}

static void say_log(cg_monitor *m, mlog *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say_info(cg_monitor *m, mlog *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say_log(cg_monitor *m, mlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, l, CG_LOGGER_WARNING, fmt, ap);
    va_end(ap);
}

static void say_info(cg_monitor *m, mlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, l, CG_LOGGER_INFO, fmt, ap);
    va_end(ap);
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
    co.stop = &m->stop;
    return co;
}

/* A round that could not talk to the log: kept as the log's failing time;
 * past its MMD, ct.log.unreachable (once per outage). Returns 0 when the
 * store failed. */
static int log_failed(cg_monitor *m, mlog *l, cg_log_status st, const char *why)
{
    int64_t now = now_s();
    if (st == CG_LOG_STOPPED)
        return 1; /* a stop during a retry wait: the log did not fail */
    say_log(m, l, "%s: %s", cg_log_status_str(st), why);
    /* A bad tree head signature is a finding of its own, not a transport
     * failure; it still counts towards the log's failing time. */
    if (st != CG_LOG_STH_SIG)
        m->stats.log_failures++;
    if (l->failing_since == 0)
        l->failing_since = now;
    if (now - l->failing_since > l->mmd) {
        char since[32], subject[32];
        cg_time_format(l->failing_since, since, sizeof(since));
        snprintf(subject, sizeof(subject), "since %lld", (long long)l->failing_since);
        if (!log_finding(m, l, CG_R_CT_LOG_UNREACHABLE, subject,
                         "the log has failed since %s (%lld s, longer than its MMD of %lld s): "
                         "%s",
                         since, (long long)(now - l->failing_since), (long long)l->mmd, why))
            return 0;
    }
    return save_state(m, l);
}

/* Whether the right edge (size k) is a prefix of the tree head: a
 * consistency proof from k to the head's size. CG_LOG_MERKLE when not. */
static cg_log_status edge_consistent(cg_monitor *m, mlog *l, const cg_merkle_frontier *f,
                                     const cg_sth *sth, char *why, size_t whycap)
{
    uint8_t root[CG_MERKLE_HASH_LEN], proof[CG_MERKLE_MAX_PROOF * CG_MERKLE_HASH_LEN];
    size_t n = 0;
    if (!cg_merkle_frontier_root(m->h, f, root))
        return CG_LOG_NOMEM;
    if (l->ops->consistency == NULL)
        return f->size == sth->tree_size && memcmp(root, sth->root, 32) != 0 ? CG_LOG_MERKLE
                                                                              : CG_LOG_OK;
    cg_log_status st = l->ops->consistency(l->client, f->size, sth->tree_size, proof, &n, why,
                                           whycap);
    if (st != CG_LOG_OK)
        return st;
    if (!cg_merkle_verify_consistency(m->h, f->size, sth->tree_size, root, sth->root, proof, n,
                                      why, whycap))
        return CG_LOG_MERKLE;
    return CG_LOG_OK;
}

static int end_range(cg_monitor *m, mlog *l, int commit)
{
    int ok = 1;
    if (commit && (m->o.shared || save_state(m, l)) && cg_store_commit(m->st)) {
        m->in_range = 0;
        series_log(m, l);
        cg_ingest_committed(m->ing);
        for (size_t i = 0; i < m->n_held; i++)
            emit_log_finding(m, l, m->held[i].rule, m->held[i].message);
        held_drop(m);
        return 1;
    }
    if (commit) {
        if (!m->store_failed)
            seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        ok = 0;
    } else {
        cg_store_rollback(m->st);
    }
    m->in_range = 0;
    cg_ingest_rolled_back(m->ing);
    issuers_forget(m);
    held_drop(m);
    return ok;
}

/* A range that could not be read (rolled back): a Merkle mismatch is a
 * finding, anything else a failure of the log. Returns 0 when the store
 * failed or memory ran out. */
static int range_failed(cg_monitor *m, mlog *l, cg_log_status st, uint64_t first, uint64_t last,
                        const char *why)
{
    if (st == CG_LOG_MERKLE) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, l->sth.tree_size);
        say_log(m, l, "Merkle mismatch: %s", why);
        return log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                           "entries %" PRIu64 "-%" PRIu64 " do not verify against the tree head "
                           "of size %" PRIu64 ": %s",
                           first, last, l->sth.tree_size, why);
    }
    if (st == CG_LOG_NOMEM) {
        seterr(m, "out of memory");
        return 0;
    }
    return log_failed(m, l, st, why);
}

/* Reads one range of entries [f.size, ...) in one transaction: its objects,
 * findings and the log's new position and right edge, verified against the
 * tree head. Returns 0 when the store failed; *stop_round when the round
 * cannot go on (a log failure or a Merkle mismatch, reported). */
static int read_range(cg_monitor *m, mlog *l, int *stop_round)
{
    char why[1024] = "";
    cg_merkle_frontier saved = l->f;
    uint64_t end = l->sth.tree_size - l->f.size > m->o.range ? l->f.size + m->o.range
                                                             : l->sth.tree_size;
    int64_t now = now_s();
    *stop_round = 0;
    if (!cg_store_begin(m->st)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    m->in_range = 1;
    cg_ingest_set_times(m->ing, m->o.at != INT64_MIN ? m->o.at : now, now);
    cg_ingest_join(m->ing);
    m->deadline = mono() + m->o.range_ms / 1000.0;
    m->range_first = l->f.size;
    m->cur = l;
    cg_log_status st =
        l->ops->scan(l->client, m->h, &l->f, end, &l->sth, on_entry, m, why, sizeof(why));
    m->cur = NULL;
    if (m->store_failed) {
        l->f = saved;
        end_range(m, l, 0);
        return 0;
    }
    if (st == CG_LOG_STOPPED)
        st = CG_LOG_OK; /* the range ends early: time is up, or a stop */
    if (st == CG_LOG_OK && l->f.size < l->sth.tree_size && l->f.size > saved.size)
        st = edge_consistent(m, l, &l->f, &l->sth, why, sizeof(why));
    if (st == CG_LOG_OK) {
        if (l->f.size == saved.size)
            return end_range(m, l, 0); /* stopped before the first entry */
        return end_range(m, l, 1);
    }
    l->f = saved;
    end_range(m, l, 0);
    *stop_round = 1;
    return range_failed(m, l, st, saved.size, end - 1, why);
}

/* Checks a new tree head against the verified one; 1 with *go when the
 * monitor may read up to it. */
static int check_sth(cg_monitor *m, mlog *l, const cg_sth *sth, int *go)
{
    char why[1024] = "", subject[96];
    uint8_t proof[CG_MERKLE_MAX_PROOF * CG_MERKLE_HASH_LEN];
    size_t n = 0;
    *go = 0;
    /* A tree head from the future would pass for a fresh one for ever
     * (lag, MMD): refused, however well signed. */
    if (sth->timestamp / 1000 > (uint64_t)now_s() + CG_MONITOR_STH_FUTURE_S) {
        snprintf(subject, sizeof(subject), "tree head %" PRIu64 " at %" PRIu64, sth->tree_size,
                 sth->timestamp);
        say_log(m, l, "tree head of size %" PRIu64 " timestamped %" PRIu64
                " ms: in the future, refused", sth->tree_size, sth->timestamp);
        return log_finding(m, l, CG_R_CT_LOG_STH_TIMESTAMP_FUTURE, subject,
                           "the tree head of size %" PRIu64 " is timestamped %" PRIu64
                           " ms since the epoch, more than %d s after this monitor's clock: "
                           "refused, the log is not read to it",
                           sth->tree_size, sth->timestamp, CG_MONITOR_STH_FUTURE_S);
    }
    if (!l->has_sth) {
        if (l->f.size > sth->tree_size) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                               "the tree head of size %" PRIu64 " is smaller than the %" PRIu64
                               " entries read already",
                               sth->tree_size, l->f.size);
        }
        *go = 1;
        return 1;
    }
    if (sth->tree_size < l->sth.tree_size) {
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
        return log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                           "the tree head of size %" PRIu64 " is smaller than the verified one "
                           "of size %" PRIu64 ": the log shrank",
                           sth->tree_size, l->sth.tree_size);
    }
    if (sth->tree_size == l->sth.tree_size) {
        if (memcmp(sth->root, l->sth.root, 32) != 0) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                               "two tree heads of size %" PRIu64 " with different roots",
                               sth->tree_size);
        }
        *go = 1;
        return 1;
    }
    if (l->ops->consistency != NULL) {
        cg_log_status st = l->ops->consistency(l->client, l->sth.tree_size, sth->tree_size,
                                               proof, &n, why, sizeof(why));
        if (st != CG_LOG_OK)
            return log_failed(m, l, st, why);
        if (!cg_merkle_verify_consistency(m->h, l->sth.tree_size, sth->tree_size, l->sth.root,
                                          sth->root, proof, n, why, sizeof(why))) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                               "the tree head of size %" PRIu64 " does not extend the verified "
                               "one of size %" PRIu64 ": %s",
                               sth->tree_size, l->sth.tree_size, why);
        }
    }
    *go = 1;
    return 1;
}

/* The log's client, made on first use. */
static int ensure_client(cg_monitor *m, mlog *l)
{
    if (l->obs == NULL || strcmp(l->obs->url, l->url) != 0) {
        char *url = strdup(l->url);
        if (url == NULL || (l->obs == NULL && (l->obs = calloc(1, sizeof(*l->obs))) == NULL)) {
            free(url);
            seterr(m, "out of memory");
            return 0;
        }
        free(l->obs->url);
        l->obs->url = url;
        l->obs->m = m;
    }
    if (l->client == NULL) {
        cg_logclient_opts co = client_opts(m);
        co.observe = observe;
        co.observe_arg = l->obs;
        l->client = l->ops->new_client(l->url, l->key, &co);
        if (l->client == NULL) {
            seterr(m, "out of memory");
            return 0;
        }
    }
    return 1;
}

/* The log's current tree head, checked against the verified one and
 * stored as the verified one: *go when the monitor may read up to it.
 * A log seen the first time with from_end: its right edge at that head
 * into *start (*has_start). Returns 0 only when the store failed. */
static int refresh_head(cg_monitor *m, mlog *l, int *go, cg_merkle_frontier *start,
                        int *has_start)
{
    char why[1024] = "";
    cg_sth sth;
    *go = *has_start = 0;
    cg_log_status st = l->ops->get_sth(l->client, &sth, why, sizeof(why));
    if (st == CG_LOG_STH_SIG) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64 " at %" PRIu64, sth.tree_size,
                 sth.timestamp);
        if (!log_finding(m, l, CG_R_CT_LOG_STH_SIGNATURE_INVALID, subject,
                         "the tree head of size %" PRIu64 " does not verify with the log's "
                         "key: %s",
                         sth.tree_size, why))
            return 0;
        return log_failed(m, l, st, why);
    }
    if (st != CG_LOG_OK)
        return log_failed(m, l, st, why);
    l->last_contact = now_s();
    l->failing_since = 0;
    if (!check_sth(m, l, &sth, go))
        return 0;
    if (!*go)
        return save_state(m, l);
    /* A log seen the first time, from its end: the right edge at the tree
     * head, proven under its root. */
    if (!l->has_sth && l->f.size == 0 && m->o.from_end && sth.tree_size > 0) {
        if (l->ops->frontier == NULL) {
            seterr(m, "%s: this log type cannot start from the end", l->url);
            return 0;
        }
        st = l->ops->frontier(l->client, m->h, &sth, start, why, sizeof(why));
        if (st == CG_LOG_MERKLE) {
            char subject[64];
            *go = 0;
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth.tree_size);
            if (!log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                             "the last entry's audit path does not lead to the root of "
                             "the tree head of size %" PRIu64 ": %s",
                             sth.tree_size, why))
                return 0;
            return save_state(m, l);
        }
        if (st != CG_LOG_OK) {
            *go = 0;
            return log_failed(m, l, st, why);
        }
        *has_start = 1;
        say_info(m, l, "starting at its end, entry %" PRIu64, start->size);
    }
    /* The right edge is a prefix of the new head (by the checks above,
     * or trivially at size 0): it is the one to verify against now. */
    l->sth = sth;
    l->has_sth = 1;
    return 1;
}

/* One round of a log: its tree head, checked against the verified one,
 * then its entries up to it, range by range. Returns 0 only when the store
 * failed. */
static int log_round(cg_monitor *m, mlog *l)
{
    int go = 0, has_start = 0;
    cg_merkle_frontier start;
    if (!ensure_client(m, l))
        return 0;
    if (!l->loaded && !load_state(m, l))
        return 0;
    l->read = l->kept = l->malformed = 0;
    if (l->retired) {
        /* Finish to the last verified tree head; no new one. */
        if (!l->has_sth)
            goto done;
    } else {
        if (!refresh_head(m, l, &go, &start, &has_start))
            return 0;
        if (!go)
            return 1;
        if (has_start)
            l->f = start;
        if (!save_state(m, l))
            return 0;
    }
    l->round_start = l->f.size;
    l->t0 = l->last_print = l->last_line = mono();
    while (l->f.size < l->sth.tree_size && !m->stop) {
        int stop_round = 0;
        if (!read_range(m, l, &stop_round))
            return 0;
        if (stop_round)
            break;
    }
    if (l->printed || (m->o.progress && l->read > 0))
        progress(m, l, 1);
    if (m->once || l->read > 0)
        say_info(m, l,
                 "at %" PRIu64 " of %" PRIu64 ", %" PRIu64 " entries read, %" PRIu64
                 " kept, %" PRIu64 " malformed",
                 l->f.size, l->sth.tree_size, l->read, l->kept, l->malformed);
done:
    if (l->retired && (!l->has_sth || l->f.size == l->sth.tree_size))
        l->gone = 1;
    return 1;
}

/* ---- shared: ranges leased from the store ---- */

/* A range whose transaction lost a race with another worker's (PostgreSQL
 * found a deadlock between their locks): rolled back and given back, to be
 * read again by whoever claims it next. Returns 1 when that was the
 * failure, 0 when the store failed otherwise. */
static int range_raced(cg_monitor *m, mlog *l, const cg_store_log_lease *ls)
{
    if (!cg_store_error_retryable(m->st))
        return 0;
    say_log(m, l, "entries %" PRIu64 "-%" PRIu64 " lost a race with another worker (%s); "
                  "rolled back, to be read again", ls->start, ls->stop - 1, cg_store_errmsg(m->st));
    end_range(m, l, 0);
    m->store_failed = 0;
    m->err[0] = '\0';
    if (!cg_store_log_range_release(m->st, l->id, ls)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    return 1;
}

/* Reads the leased range in one transaction: its objects and findings, the
 * range done (guarded by the lease's token) and the verified prefix moved
 * over it. Returns 0 when the store failed; *stop_round when the round
 * cannot go on (a stop, a log failure). A lost lease rolls back: another
 * worker has the range. */
static int shared_range(cg_monitor *m, mlog *l, const cg_store_log_lease *ls, int *stop_round)
{
    char why[1024] = "";
    cg_merkle_frontier f;
    cg_store_log_fold fo;
    uint8_t edge[CG_MERKLE_MAX_COMPACT * CG_MERKLE_HASH_LEN];
    int lost = 0;
    *stop_round = 0;
    /* The scan appends to a right edge at the range's start; its hashes are
     * not this worker's to know and are not used: the range's own compact
     * range is built beside it (shared_entry). */
    cg_merkle_frontier_init(&f);
    f.size = ls->start;
    cg_merkle_compact_init(&m->cr, ls->start);
    m->lease = ls;
    m->lease_lost = 0;
    m->renew_at = mono() + m->o.lease_seconds / 3.0;
    if (!cg_store_begin(m->st)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    m->in_range = 1;
    int64_t now = now_s();
    cg_ingest_set_times(m->ing, m->o.at != INT64_MIN ? m->o.at : now, now);
    cg_ingest_join(m->ing);
    m->deadline = mono() + 1e9; /* a range is done whole or not at all */
    m->range_first = ls->start;
    m->cur = l;
    /* No root check by the client (its right edge is not the log's): the
     * fold checks the root. The tree head's size tells a static-ct-api
     * client which tiles are partial. */
    cg_log_status st = l->ops->scan(l->client, m->h, &f, ls->stop,
                                    ls->stop < l->sth.tree_size ? &l->sth : NULL, on_entry, m,
                                    why, sizeof(why));
    m->cur = NULL;
    m->lease = NULL;
    if (m->store_failed) {
        if (range_raced(m, l, ls))
            return 1;
        end_range(m, l, 0);
        return 0;
    }
    if (st == CG_LOG_OK && (m->cr.end != ls->stop || f.size != ls->stop))
        st = CG_LOG_BAD_ANSWER;
    if (st != CG_LOG_OK) {
        end_range(m, l, 0);
        *stop_round = 1;
        if (m->lease_lost) {
            say_log(m, l, "the lease of entries %" PRIu64 "-%" PRIu64 " was lost; another "
                          "worker has them", ls->start, ls->stop - 1);
            return 1;
        }
        /* Given back at once, for another worker or the next round. */
        if (!cg_store_log_range_release(m->st, l->id, ls)) {
            seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        if (st == CG_LOG_STOPPED)
            return 1;
        return range_failed(m, l, st, ls->start, ls->stop - 1, why);
    }
    for (size_t i = 0; i < m->cr.n; i++)
        memcpy(edge + i * CG_MERKLE_HASH_LEN, m->cr.hash[i], CG_MERKLE_HASH_LEN);
    if (!cg_store_log_range_done(m->st, l->id, ls, m->o.worker_id, edge,
                                 m->cr.n * CG_MERKLE_HASH_LEN, now_s(), &lost)) {
        if (range_raced(m, l, ls))
            return 1;
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        end_range(m, l, 0);
        return 0;
    }
    if (lost) {
        /* Expired and claimed again meanwhile: the other worker's copy
         * counts; nothing of this one is stored. */
        end_range(m, l, 0);
        say_log(m, l, "entries %" PRIu64 "-%" PRIu64 " were claimed by another worker meanwhile "
                      "(the lease expired); rolled back", ls->start, ls->stop - 1);
        return 1;
    }
    if (!cg_store_log_ranges_fold(m->st, l->id, now_s(), &fo)) {
        if (range_raced(m, l, ls))
            return 1;
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        end_range(m, l, 0);
        return 0;
    }
    if (fo.mismatch) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, fo.mismatch_size);
        if (!log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                         "entries 0-%" PRIu64 " do not verify against the tree head of size "
                         "%" PRIu64 ": %s",
                         fo.mismatch_size - 1, fo.mismatch_size, fo.why)) {
            end_range(m, l, 0);
            return 0;
        }
    }
    if (!end_range(m, l, 1))
        return 0;
    l->f.size = fo.position; /* the verified prefix, for the round's line */
    l->ranges_done++;
    return 1;
}

static void sleep_ms(long ms);

/* A shared round of a log: its tree head refreshed, its ranges planned,
 * then ranges claimed and completed until none is left to claim (with
 * once: until every range is done, waiting for other workers' leases to
 * end or expire). Returns 0 only when the store failed. */
static int shared_round(cg_monitor *m, mlog *l)
{
    int go = 0, has_start = 0;
    cg_merkle_frontier start;
    cg_store_log_range_counts rc;
    uint64_t planned = 0;
    if (!ensure_client(m, l))
        return 0;
    /* Fresh each round: other workers move the verified tree head and
     * prefix. */
    l->loaded = 0;
    if (!load_state(m, l))
        return 0;
    l->read = l->kept = l->malformed = l->ranges_done = 0;
    if (!l->retired) {
        if (!refresh_head(m, l, &go, &start, &has_start))
            return 0;
        if (go) {
            uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED];
            size_t enc_len = 0;
            if (has_start && !cg_merkle_frontier_encode(&start, enc, sizeof(enc), &enc_len)) {
                seterr(m, "%s: cannot encode the right edge", l->url);
                return 0;
            }
            if (!cg_store_begin(m->st) || !save_state(m, l) ||
                !cg_store_log_ranges_plan(m->st, l->id, l->sth.tree_size, l->sth.root,
                                          m->o.range, has_start ? enc : NULL, enc_len,
                                          &planned) ||
                !cg_store_commit(m->st)) {
                if (!m->store_failed)
                    seterr(m, "store: %s", cg_store_errmsg(m->st));
                cg_store_rollback(m->st);
                return 0;
            }
        }
    }
    while (!m->stop) {
        cg_store_log_lease ls;
        int found = 0, stop_round = 0;
        if (!cg_store_log_range_claim(m->st, l->id, m->o.worker_id, now_s(),
                                      m->o.lease_seconds, &ls, &found)) {
            seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        if (!found) {
            if (!cg_store_log_range_counts_get(m->st, l->id, now_s(), &rc)) {
                seterr(m, "store: %s", cg_store_errmsg(m->st));
                return 0;
            }
            if (rc.done == rc.ranges || !m->once)
                break;
            sleep_ms(500); /* others' leases: done or expired soon */
            continue;
        }
        if (!shared_range(m, l, &ls, &stop_round))
            return 0;
        if (stop_round)
            break;
    }
    if (!cg_store_log_range_counts_get(m->st, l->id, now_s(), &rc)) {
        seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    if (m->once || l->read > 0) {
        /* The verified prefix as the store has it now. */
        int found = 0;
        l->loaded = 0;
        if (!cg_store_log_state_get(m->st, l->id, load_one, &(load_ctx){l, 0}, &found)) {
            seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        say_info(m, l,
                 "at %" PRIu64 " of %" PRIu64 " (shared), %" PRIu64 " entries read in %" PRIu64
                 " ranges, %" PRIu64 " kept, %" PRIu64 " malformed; ranges %" PRIu64
                 " done, %" PRIu64 " leased, %" PRIu64 " pending",
                 l->f.size, l->sth.tree_size, l->read, l->ranges_done, l->kept, l->malformed,
                 rc.done, rc.leased, rc.pending);
    }
    if (l->retired && rc.done == rc.ranges)
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
    m->once = once;
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
            if (!(m->o.shared ? shared_round(m, l) : log_round(m, l)))
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
        while (!m->stop && now_s() < next) {
            sleep_ms(100);
            heartbeat(m);
        }
    }
    return 1;
}
