/* The CT monitor (monitor.h): its setup, the logs and issuers it follows,
 * and the loop that polls the logs and runs the periodic tasks between log
 * rounds. What one round of a log does is monitor_range.c's (or, shared,
 * monitor_shared.c's); monitor_internal.h says which file owns what. */
#include "monitor/monitor_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/base64.h"
#include "util/errf.h"
#include "x509/x509.h"

void cg_mon_seterr(cg_monitor *m, const char *fmt, ...)
{
    CG_FORMAT_ARGS(m->err, sizeof(m->err), fmt);
}

const char *cg_mon_log_name(const mlog *l)
{
    return l->name != NULL ? l->name : l->url;
}

int64_t cg_mon_now_s(void)
{
    return (int64_t)time(NULL);
}

void cg_mon_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early, which is what stop wants */
}

/* ---- findings ---- */

void cg_monitor_batch_begin(cg_monitor *m)
{
    m->batch++;
}

void cg_monitor_batch_end(cg_monitor *m)
{
    if (m->batch > 0 && --m->batch > 0)
        return;
    if (!m->batch_found)
        return;
    m->batch_found = 0;
    for (size_t i = 0; i < m->n_sinks; i++) {
        if (m->sinks[i].end != NULL)
            m->sinks[i].end(m->sinks[i].arg);
    }
}

void cg_mon_to_sinks(cg_monitor *m, const cg_finding *f)
{
    for (size_t i = 0; i < m->n_sinks; i++) {
        if (m->sinks[i].fn != NULL)
            m->sinks[i].fn(m->sinks[i].arg, f);
    }
    m->batch_found = 1;
    if (m->batch == 0)
        cg_monitor_batch_end(m);
}

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
    cg_mon_to_sinks(m, f);
}

void cg_monitor_emit(cg_monitor *m, const cg_finding *f)
{
    fanout(m, f);
}

/* ---- setup ---- */

cg_monitor *cg_monitor_new(cg_store *store, const cg_monitor_opts *opts, char *err, size_t errcap)
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
    /* 4,096 entries a range: 8,192 wrote fewer index pages to the WAL a
     * kept object (about 5% less CPU an entry) but held 6 to 7 MB more at
     * peak against a log 50 ms away (docs/performance.md, "The commit
     * range"); the monitor's memory is the stricter bound. */
    if (m->o.range == 0)
        m->o.range = 4096;
    if (m->o.range_ms <= 0)
        m->o.range_ms = 5000;
    if (m->o.lease_seconds <= 0)
        m->o.lease_seconds = 60;
    if (m->o.round_timeout <= 0)
        m->o.round_timeout = CG_MONITOR_ROUND_TIMEOUT;
    if (m->o.shared && (m->o.worker_id == NULL || m->o.worker_id[0] == '\0')) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "a shared monitor needs a worker ID");
        cg_monitor_free(m);
        return NULL;
    }
    /* A range's changes pass 2 MiB of pages: the store keeps clean pages
     * up to what they may take (store.h). */
    if (store != NULL && !cg_store_writer_cache(store)) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "store: %s", cg_store_errmsg(store));
        cg_monitor_free(m);
        return NULL;
    }
    m->budget = calloc(1, sizeof(*m->budget));
    if (m->budget == NULL)
        goto oom;
    m->budget->max = m->o.response_memory ? m->o.response_memory : CG_MONITOR_RESPONSE_MEMORY;
    if (m->o.round_workers == 0)
        m->o.round_workers = CG_MONITOR_ROUND_WORKERS;
    if (pthread_mutex_init(&m->mu, NULL) != 0)
        goto oom;
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        pthread_mutex_destroy(&m->mu);
        goto oom;
    }
    m->mu_made = 1; /* destroyed by cg_monitor_free */
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
        l->kind->free_client(l->client);
    cg_merkle_hasher_free(l->h);
    if (l->obs != NULL)
        free(l->obs->url);
    free(l->obs);
    free(l->url);
    free(l->name);
    free(l->origin);
    EVP_PKEY_free(l->key);
    memset(l, 0, sizeof(*l));
}

void cg_monitor_free(cg_monitor *m)
{
    if (m == NULL)
        return;
    cg_ingest_free(m->ing);
    if (m->mu_made) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
    }
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
    cg_mon_held_drop(m);
    free(m->held);
    free(m->issuers.key);
    free(m->issuers.used);
    free(m->issuers.last);
    /* last: the logs' transfers give their bytes back to it as they go */
    free(m->budget);
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

/* A sink: fn for each finding, or end after each batch. */
static int add_sink(cg_monitor *m, cg_sink_fn fn, cg_monitor_batch_fn end, void *arg)
{
    sink *s = realloc(m->sinks, (m->n_sinks + 1) * sizeof(*s));
    if (s == NULL) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    m->sinks = s;
    s[m->n_sinks++] = (sink){fn, end, arg};
    return 1;
}

int cg_monitor_on_finding(cg_monitor *m, cg_sink_fn fn, void *arg)
{
    return add_sink(m, fn, NULL, arg);
}

int cg_monitor_on_batch_end(cg_monitor *m, cg_monitor_batch_fn fn, void *arg)
{
    return add_sink(m, NULL, fn, arg);
}

int cg_monitor_add_task(cg_monitor *m, int interval_s, cg_monitor_task_fn fn, void *arg)
{
    task *t = realloc(m->tasks, (m->n_tasks + 1) * sizeof(*t));
    if (t == NULL) {
        cg_mon_seterr(m, "out of memory");
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
    const cg_log_client_kind *kind = cg_log_client_kind_get(log->type);
    if (kind == NULL) {
        cg_mon_seterr(m, "%s: this caguard has no client for %s logs", log->url,
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
            cg_mon_seterr(m, "%s: the log key is not a DER SubjectPublicKeyInfo", log->url);
            return 0;
        }
    }
    if (!cg_ct_key_usable(key, why, sizeof(why)) || !cg_ct_log_id(key, id)) {
        cg_mon_seterr(m, "%s: the log key cannot be a CT log's: %s", log->url, why);
        EVP_PKEY_free(key);
        return 0;
    }
    mlog *l = find_log(m, id);
    if (l == NULL) {
        mlog *v = realloc(m->logs, (m->n_logs + 1) * sizeof(*v));
        if (v == NULL) {
            EVP_PKEY_free(key);
            cg_mon_seterr(m, "out of memory");
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
            l->kind->free_client(l->client);
        l->client = NULL;
        free(l->url);
        free(l->name);
        free(l->origin);
        l->url = l->name = l->origin = NULL;
    }
    l->type = log->type;
    l->kind = kind;
    l->mmd = log->mmd > 0 ? log->mmd : CG_MONITOR_DEFAULT_MMD;
    l->max_rps = log->max_rps;
    l->has_final = log->has_final;
    l->final_size = log->final_size;
    memcpy(l->final_root, log->final_root, 32);
    l->url = strdup(log->url);
    l->name = log->name != NULL ? strdup(log->name) : NULL;
    l->origin = log->origin != NULL ? strdup(log->origin) : NULL;
    l->retired = l->gone = 0;
    if (l->url == NULL || (log->name != NULL && l->name == NULL) ||
        (log->origin != NULL && l->origin == NULL)) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    return 1;
}

int cg_monitor_set_log_url(cg_monitor *m, const uint8_t log_id[32], const char *url)
{
    mlog *l = find_log(m, log_id);
    char *u;
    if (l == NULL) {
        cg_mon_seterr(m, "no log with that ID is followed");
        return 0;
    }
    u = strdup(url);
    if (u == NULL) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    free(l->url);
    l->url = u;
    if (l->client != NULL)
        l->kind->free_client(l->client);
    l->client = NULL;
    return 1;
}

int cg_monitor_retire_log(cg_monitor *m, const uint8_t log_id[32])
{
    mlog *l = find_log(m, log_id);
    if (l == NULL) {
        cg_mon_seterr(m, "no log with that ID is followed");
        return 0;
    }
    l->retired = 1;
    l->next_poll = 0;
    return 1;
}

int cg_monitor_set_log_final(cg_monitor *m, const uint8_t log_id[32], uint64_t size,
                             const uint8_t root[32])
{
    for (size_t i = 0; i < m->n_logs; i++) {
        if (memcmp(m->logs[i].id, log_id, 32) == 0) {
            m->logs[i].has_final = 1;
            m->logs[i].final_size = size;
            memcpy(m->logs[i].final_root, root, 32);
            return 1;
        }
    }
    return 0;
}

int cg_monitor_has_log(const cg_monitor *m, const uint8_t log_id[32])
{
    for (size_t i = 0; i < m->n_logs; i++) {
        if (memcmp(m->logs[i].id, log_id, 32) == 0)
            return !m->logs[i].retired;
    }
    return 0;
}

int cg_monitor_set_loglist(cg_monitor *m, const struct cg_loglist *loglist)
{
    if (m->ing != NULL && !cg_ingest_set_loglist(m->ing, loglist)) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    m->o.loglist = loglist;
    return 1;
}

const struct cg_loglist *cg_monitor_get0_loglist(const cg_monitor *m)
{
    return m->o.loglist;
}

/* ---- the loop ---- */

static int ingest_issuers(cg_monitor *m)
{
    char err[1024];
    int ok = 1;
    /* each file its own commit, their findings one batch */
    cg_monitor_batch_begin(m);
    for (size_t i = 0; ok && i < m->n_iss; i++) {
        ok = cg_ingest_file(m->ing, m->iss[i].name, m->iss[i].der, m->iss[i].der_len, err,
                            sizeof(err));
        if (!ok)
            cg_mon_seterr(m, "store: %s", err);
    }
    cg_monitor_batch_end(m);
    return ok;
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

/* ---- a pass over the logs: logs independent of each other ---- */

void cg_mon_lock(cg_monitor *m, mlog *l)
{
    if (!l->locked) {
        atomic_fetch_add(&m->lock_waiters, 1);
        pthread_mutex_lock(&m->mu);
        atomic_fetch_sub(&m->lock_waiters, 1);
        l->locked = 1;
    }
}

void cg_mon_take_turns(cg_monitor *m, mlog *l)
{
    int waiting = atomic_load(&m->lock_waiters);
    if (waiting == 0 || m->in_range)
        return;
    cg_mon_unlock(m, l);
    /* until one of them has it (at most 0.1 s) */
    for (int i = 0; i < 100 && atomic_load(&m->lock_waiters) >= waiting && !m->stop; i++)
        cg_mon_sleep_ms(1);
    cg_mon_lock(m, l);
}

void cg_mon_unlock(cg_monitor *m, mlog *l)
{
    /* (never with a range's transaction open: it is the store's one) */
    if (l->locked && !m->in_range) {
        l->locked = 0;
        pthread_mutex_unlock(&m->mu);
    }
}

/* Whether a log gets a round in this pass: when its poll is due (once:
 * in the first pass), and at once when its last round ran out of time
 * while its entries were coming (resume). */
static int due(const cg_monitor *m, const mlog *l, int64_t now)
{
    if (l->gone)
        return 0;
    if (l->resume)
        return 1;
    return m->once ? m->passes == 0 : now >= l->next_poll;
}

/* A round is bounded (--round-timeout): the requests of the log end by
 * its deadline, armed here for the round (a shared round arms it again
 * for each range). Called and returns holding the monitor's lock. */
static int round_of(cg_monitor *m, mlog *l)
{
    cg_mon_arm_round(m, l);
    l->stalled = 0;
    int ok = m->o.shared ? cg_mon_shared_round(m, l) : cg_mon_log_round(m, l);
    cg_mon_lock(m, l);
    l->obs->deadline = 0;
    l->next_poll = cg_mon_now_s() + (l->resume ? 0 : m->o.poll_interval);
    return ok;
}

/* A log's round in a thread of its own: its tree head, fetched without the
 * lock, then a turn among the rounds reading at once (--round-workers: a
 * log whose last round stalled waits while one that did not waits too),
 * then the round. */
static void *round_thread(void *arg)
{
    mlog *l = arg;
    cg_monitor *m = l->m;
    if (l->head_state == CG_MON_HEAD_FETCHING) {
        memset(&l->head, 0, sizeof(l->head));
        l->head_why[0] = '\0';
        l->head_status = l->kind->get_sth(l->client, &l->head, l->head_why, sizeof(l->head_why));
        l->head_state = CG_MON_HEAD_READY;
    }
    cg_mon_lock(m, l);
    int fresh = !l->stalled;
    m->fresh_waiting += fresh;
    while (!m->stop && !m->round_failed &&
           (m->rounds_active >= m->o.round_workers || (!fresh && m->fresh_waiting > 0)))
        pthread_cond_wait(&m->cv, &m->mu);
    m->fresh_waiting -= fresh;
    if (!m->stop && !m->round_failed) {
        m->rounds_active++;
        if (!round_of(m, l))
            m->round_failed = 1;
        m->rounds_active--;
    }
    l->head_state = CG_MON_HEAD_NONE;
    m->workers_left--;
    pthread_cond_broadcast(&m->cv);
    cg_mon_unlock(m, l);
    return NULL;
}

/* Every due log's round runs at once, each in a thread of its own (its
 * client, its hasher and its observer's deadline are its own; its HTTP
 * observer then touches only the thread-safe metrics): its tree head is
 * asked for (a retired log, or one resuming a round that ran out of time,
 * needs none), then its entries are read. The rounds take turns at the
 * store: a round holds the monitor's lock while it touches the store or
 * the monitor, and while a range's transaction is open (from the range's
 * first entry to its commit), and lets go of it while it waits for its
 * log otherwise. So a log that accepts and never answers, at its tree
 * head or at its entries, costs the others nothing: they are read and
 * committed while its requests wait for the round's bound
 * (--round-timeout). A log stalling inside an open range holds the others
 * for CG_MON_RANGE_IDLE (1 s) and its proof at most (cg_mon_waiting: the
 * range is cut there, what it delivered verified and committed); with
 * nobody waiting, until the range's time is up (cg_monitor_opts.range_ms,
 * 5 s by default; no option sets it) and a little more
 * (cg_mon_range_grace). A log whose
 * thread cannot be started has its round in the monitor's thread, after
 * the others are started. While it waits, the monitor's thread beats the
 * heartbeat once a second (the watchdog sees a live monitor). Every
 * thread started is joined before this returns, whatever failed. */
static int pass(cg_monitor *m, int64_t now)
{
    int ok = 1;
    m->round_failed = 0;
    m->workers_left = m->rounds_active = m->fresh_waiting = 0;
    for (size_t i = 0; i < m->n_logs; i++) {
        mlog *l = &m->logs[i];
        l->m = m;
        l->head_state = CG_MON_HEAD_NONE;
        l->joinable = l->here = 0;
        if (!ok || !due(m, l, now))
            continue;
        if (!cg_mon_ensure_client(m, l)) {
            ok = 0;
            continue;
        }
        if (!l->retired && !l->resume) {
            l->head_state = CG_MON_HEAD_FETCHING;
            cg_mon_arm_deadline(m, l); /* the tree head's bound */
        }
        l->obs->away = 1;
        m->workers_left++;
        if (pthread_create(&l->thread, NULL, round_thread, l) == 0) {
            l->joinable = 1;
        } else {
            m->workers_left--;
            l->here = 1;
        }
    }
    /* Those whose thread could not start, here (the others run: their
     * logs are theirs until joined). */
    for (size_t i = 0; i < m->n_logs; i++) {
        mlog *l = &m->logs[i];
        if (ok && l->here && !m->stop) {
            pthread_mutex_lock(&m->mu);
            m->workers_left++;
            pthread_mutex_unlock(&m->mu);
            round_thread(l);
        }
    }
    pthread_mutex_lock(&m->mu);
    while (m->workers_left > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&m->cv, &m->mu, &until);
        cg_mon_heartbeat(m);
    }
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < m->n_logs; i++) {
        mlog *l = &m->logs[i];
        if (l->joinable) {
            pthread_join(l->thread, NULL);
            l->joinable = 0;
        }
        if (l->obs != NULL)
            l->obs->away = 0;
    }
    return ok && !m->round_failed;
}

int cg_monitor_run(cg_monitor *m, int once)
{
    m->once = once;
    m->passes = 0;
    if (m->ing == NULL) {
        int64_t now = cg_mon_now_s();
        cg_ingest_opts io = {m->o.at != INT64_MIN ? m->o.at : now, now, m->o.loglist};
        m->ing = cg_ingest_new(m->st, &io, fanout, m);
        if (m->ing == NULL) {
            cg_mon_seterr(m, "out of memory");
            return 0;
        }
        cg_ingest_set_br_profile(m->ing, !m->o.no_br_profile);
    }
    if (!m->issuers_done) {
        if (!ingest_issuers(m))
            return 0;
        m->issuers_done = 1;
    }
    run_tasks(m, cg_mon_now_s(), 1);
    while (!m->stop) {
        int64_t now = cg_mon_now_s();
        if (!pass(m, now))
            return 0;
        m->passes++;
        int resume = 0;
        for (size_t i = 0; i < m->n_logs; i++)
            resume |= m->logs[i].resume;
        if (once && !resume)
            break;
        now = cg_mon_now_s();
        if (!once)
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
        while (!m->stop && cg_mon_now_s() < next) {
            cg_mon_sleep_ms(100);
            cg_mon_heartbeat(m);
        }
    }
    return 1;
}
