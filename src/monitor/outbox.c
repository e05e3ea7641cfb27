/* The monitor's outbox: outbox.h says what. */
#include "monitor/outbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/autoinc.h"
#include "report/stored.h"
#include "util/errf.h"

/* Rows claimed at once, and alert jobs queued at most. A claim and the
 * mark of its printed rows are a durable commit each: a monitor without
 * alert channels claims up to CLAIM_MAX rows a time (a commit's findings
 * in a few claims); with them a claim takes no more rows than the alert
 * queue has room for. */
#define CLAIM_MAX 256
#define QUEUE_MAX 64
/* Claims a run makes at most (each may make more rows due). */
#define ROUNDS 16
/* A channel this monitor does not have is left for another one, and looked
 * at again after this. */
#define NOT_MINE_DELAY 600
/* Delivery threads: a hook that hangs until its timeout holds up one. */
#define THREADS 4

typedef struct job {
    struct job *next;
    int64_t row; /* 0: a finding the store does not keep */
    int64_t attempts;
    cg_alert_job *aj;
    /* the result */
    int ok;
    char why[512];
} job;

struct cg_outbox {
    cg_outbox_config c;
    char *owner;
    int64_t lease_s;
    cg_outbox_stats stats;
    int running; /* the delivery threads */
    pthread_t thread[THREADS];
    size_t n_threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* work queued, or stop */
    pthread_cond_t idle; /* a job done */
    job *queue, *queue_tail;
    size_t queued; /* in the queue or running */
    job *done;
    int stop;                   /* finish the queue, then end */
    int abort;                  /* end after the current job */
    cg_alert_stats alert_stats; /* the delivery thread's, under mu */
    size_t due;                 /* stored findings handed on since the last batch end */
};

static void say(cg_outbox *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(cg_outbox *ob, const char *fmt, ...)
{
    char line[1024];
    CG_FORMAT_ARGS(line, sizeof(line), fmt);
    if (ob->c.report != NULL)
        ob->c.report(ob->c.report_arg, line);
    else
        fprintf(stderr, "caguard: %s\n", line);
}

int64_t cg_outbox_backoff(int64_t failed)
{
    int64_t d = 10;
    for (int64_t i = 1; i < failed && d < 3600; i++)
        d *= 2;
    return d < 3600 ? d : 3600;
}

/* ---- the delivery thread ---- */

static void job_free(job *j)
{
    if (j == NULL)
        return;
    cg_alert_job_free(j->aj);
    free(j);
}

static void *deliver_loop(void *arg)
{
    cg_outbox *ob = arg;
    pthread_mutex_lock(&ob->mu);
    for (;;) {
        while (ob->queue == NULL && !ob->stop && !ob->abort)
            pthread_cond_wait(&ob->cv, &ob->mu);
        if (ob->abort || ob->queue == NULL)
            break;
        job *j = ob->queue;
        ob->queue = j->next;
        if (ob->queue == NULL)
            ob->queue_tail = NULL;
        pthread_mutex_unlock(&ob->mu);
        cg_alert_stats d;
        memset(&d, 0, sizeof(d));
        j->ok = cg_alert_job_run(ob->c.alert, j->aj, &d, j->why, sizeof(j->why));
        pthread_mutex_lock(&ob->mu);
        ob->alert_stats.hook_runs += d.hook_runs;
        ob->alert_stats.hook_failures += d.hook_failures;
        ob->alert_stats.jsonl_lines += d.jsonl_lines;
        ob->alert_stats.jsonl_failures += d.jsonl_failures;
        ob->alert_stats.mails += d.mails;
        ob->alert_stats.mail_failures += d.mail_failures;
        j->next = ob->done;
        ob->done = j;
        ob->queued--;
        pthread_cond_broadcast(&ob->idle);
    }
    pthread_mutex_unlock(&ob->mu);
    return NULL;
}

static void enqueue(cg_outbox *ob, job *j)
{
    pthread_mutex_lock(&ob->mu);
    j->next = NULL;
    if (ob->queue_tail != NULL)
        ob->queue_tail->next = j;
    else
        ob->queue = j;
    ob->queue_tail = j;
    ob->queued++;
    pthread_cond_signal(&ob->cv);
    pthread_mutex_unlock(&ob->mu);
}

static size_t queued(cg_outbox *ob)
{
    pthread_mutex_lock(&ob->mu);
    size_t n = ob->queued;
    pthread_mutex_unlock(&ob->mu);
    return n;
}

/* ---- setup ---- */

cg_outbox *cg_outbox_new(const cg_outbox_config *cfg, char *err, size_t errcap)
{
    cg_store_outbox_channel ch[CG_ALERT_MAX_HOOKS + 8];
    char *names[CG_ALERT_MAX_HOOKS + 8];
    size_t n = 0, n_names = 0;
    cg_store_outbox_counts counts;
    cg_outbox *ob = calloc(1, sizeof(*ob));
    if (ob == NULL)
        goto oom;
    ob->c = *cfg;
    ob->owner = strdup(cfg->owner != NULL ? cfg->owner : "monitor");
    if (ob->owner == NULL)
        goto oom;
    ob->c.owner = ob->owner;
    pthread_mutex_init(&ob->mu, NULL);
    pthread_cond_init(&ob->cv, NULL);
    pthread_cond_init(&ob->idle, NULL);
    /* Leases outlive a queue of jobs each up to the hook timeout; they are
     * renewed on every run while jobs wait. */
    ob->lease_s = 300;
    if (cfg->out != NULL)
        ch[n++] = (cg_store_outbox_channel){"print", CG_SEV_NOTICE};
    /* Only error findings open incidents (incident/auto.def). */
    if (cfg->auto_incidents)
        ch[n++] = (cg_store_outbox_channel){"incident", CG_SEV_ERROR};
    if (cfg->alert != NULL) {
        n_names = cg_alert_channels(cfg->alert, names, CG_ALERT_MAX_HOOKS + 4);
        for (size_t i = 0; i < n_names; i++)
            ch[n++] = (cg_store_outbox_channel){names[i], cg_alert_min_severity(cfg->alert)};
    }
    int set = cg_store_set_outbox(cfg->st, ch, n);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    if (!set) {
        snprintf(err, errcap, "store: %s", cg_store_errmsg(cfg->st));
        goto fail;
    }
    if (cfg->exclusive && !cg_store_outbox_release_all(cfg->st)) {
        snprintf(err, errcap, "store: %s", cg_store_errmsg(cfg->st));
        goto fail;
    }
    if (!cg_store_outbox_counts_get(cfg->st, &counts)) {
        snprintf(err, errcap, "store: %s", cg_store_errmsg(cfg->st));
        goto fail;
    }
    ob->stats.pending_at_start = (size_t)counts.pending;
    if (cfg->alert != NULL) {
        for (size_t i = 0; i < THREADS; i++) {
            if (pthread_create(&ob->thread[i], NULL, deliver_loop, ob) != 0) {
                snprintf(err, errcap, "cannot start the delivery threads");
                goto fail;
            }
            ob->n_threads++;
            ob->running = 1;
        }
    }
    return ob;
oom:
    snprintf(err, errcap, "out of memory");
fail:
    cg_outbox_free(ob);
    return NULL;
}

static void collect(cg_outbox *ob, int64_t now);

static void stop_thread(cg_outbox *ob, int wait)
{
    if (!ob->running)
        return;
    pthread_mutex_lock(&ob->mu);
    if (wait)
        ob->stop = 1;
    else
        ob->abort = 1;
    pthread_cond_broadcast(&ob->cv);
    pthread_mutex_unlock(&ob->mu);
    for (size_t i = 0; i < ob->n_threads; i++)
        pthread_join(ob->thread[i], NULL);
    ob->n_threads = 0;
    ob->running = 0;
}

void cg_outbox_free(cg_outbox *ob)
{
    if (ob == NULL)
        return;
    stop_thread(ob, 0);
    for (job *j = ob->queue, *next; j != NULL; j = next) {
        next = j->next;
        job_free(j);
    }
    for (job *j = ob->done, *next; j != NULL; j = next) {
        next = j->next;
        job_free(j);
    }
    if (ob->owner != NULL) {
        pthread_mutex_destroy(&ob->mu);
        pthread_cond_destroy(&ob->cv);
        pthread_cond_destroy(&ob->idle);
    }
    free(ob->owner);
    free(ob);
}

const cg_outbox_stats *cg_outbox_get0_stats(const cg_outbox *ob)
{
    cg_outbox *m = (cg_outbox *)ob;
    pthread_mutex_lock(&m->mu);
    m->stats.alert = m->alert_stats;
    pthread_mutex_unlock(&m->mu);
    return &ob->stats;
}

/* ---- delivering ---- */

static int store_failed(cg_outbox *ob, const char *what)
{
    say(ob, "delivering findings: %s: %s", what, cg_store_errmsg(ob->c.st));
    return 0;
}

/* A failed attempt: tried again after the backoff. */
static int retry(cg_outbox *ob, int64_t row, int64_t attempts, int64_t now, const char *why)
{
    if (!cg_store_outbox_retry(ob->c.st, row, now + cg_outbox_backoff(attempts + 1), why, 1))
        return store_failed(ob, "putting a delivery back");
    return 1;
}

/* Marks the delivery thread's finished jobs. */
static void collect(cg_outbox *ob, int64_t now)
{
    pthread_mutex_lock(&ob->mu);
    job *done = ob->done;
    ob->done = NULL;
    pthread_mutex_unlock(&ob->mu);
    while (done != NULL) {
        job *j = done;
        done = j->next;
        if (j->row == 0) {
            if (!j->ok)
                ob->stats.alert_failures++;
        } else if (j->ok) {
            ob->stats.alerts_delivered++;
            if (!cg_store_outbox_done(ob->c.st, j->row, now, 0, 0))
                store_failed(ob, "marking a delivery done");
        } else {
            ob->stats.alert_failures++;
            retry(ob, j->row, j->attempts, now, j->why);
        }
        job_free(j);
    }
}

/* Prints f unless the selection (print_skip: --include ...) leaves it
 * out; 1 when printed. */
static int print_one(cg_outbox *ob, const cg_finding *f)
{
    if (ob->c.out == NULL || (ob->c.print_skip != NULL && ob->c.print_skip[f->rule]))
        return 0;
    cg_out_sink(ob->c.out, f);
    ob->stats.printed++;
    return 1;
}

/* The incident draft of a finding, with its row marked done, in one
 * transaction. */
static int deliver_incident(cg_outbox *ob, const cg_store_outbox_row *row, const cg_finding *f,
                            int64_t first_seen, int64_t now)
{
    cg_store *st = ob->c.st;
    int64_t id = 0;
    cg_autoinc_action act = CG_AUTOINC_NONE;
    char err[512] = "";
    if (!cg_store_begin(st))
        return store_failed(ob, "opening an incident draft");
    if (!cg_autoinc_finding(st, f, first_seen != 0 ? first_seen : now, &id, &act, err,
                            sizeof(err)) ||
        !cg_store_outbox_done(st, row->id, now, id, act == CG_AUTOINC_OPENED) ||
        !cg_store_commit(st)) {
        if (err[0] == '\0')
            snprintf(err, sizeof(err), "%s", cg_store_errmsg(st));
        cg_store_rollback(st);
        ob->stats.incident_failures++;
        say(ob, "no incident opened for %s: %s", cg_rule_get(f->rule)->id, err);
        return retry(ob, row->id, row->attempts, now, err);
    }
    if (act == CG_AUTOINC_OPENED)
        ob->stats.incidents_opened++;
    else if (act == CG_AUTOINC_ADDED)
        ob->stats.incidents_added++;
    else if (act == CG_AUTOINC_ALREADY)
        ob->stats.incidents_already++;
    return 1;
}

/* An alert channel's job for the delivery thread. */
static int queue_alert(cg_outbox *ob, const cg_store_outbox_row *row, const cg_finding *f,
                       int64_t first_seen, int64_t now)
{
    cg_alert_info info;
    int found = 0;
    memset(&info, 0, sizeof(info));
    info.alert_id = row->alert_id;
    info.first_seen = first_seen;
    if (!cg_store_outbox_incident(ob->c.st, row->alert_id, &info.incident, &info.incident_opened,
                                  &found))
        return store_failed(ob, "reading an incident delivery");
    job *j = calloc(1, sizeof(*j));
    if (j != NULL)
        j->aj = cg_alert_job_new(ob->c.alert, row->channel, f, &info);
    if (j == NULL || j->aj == NULL) {
        job_free(j);
        return retry(ob, row->id, row->attempts, now, "out of memory");
    }
    j->row = row->id;
    j->attempts = row->attempts;
    enqueue(ob, j);
    return 1;
}

/* A hooks directory's row becomes one row per hook it holds now, each
 * delivered and retried on its own (a failing hook does not make the
 * others run again). */
static int expand_hooks_dir(cg_outbox *ob, const cg_store_outbox_row *row, int64_t now)
{
    char *paths[CG_ALERT_MAX_HOOKS];
    size_t n = cg_alert_dir_hooks(ob->c.alert, paths, CG_ALERT_MAX_HOOKS);
    int ok = cg_store_begin(ob->c.st);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]) + 6;
        char *ch = malloc(len);
        if (ch == NULL) {
            ok = 0;
        } else {
            snprintf(ch, len, "hook:%s", paths[i]);
            ok = ok && cg_store_outbox_add_channel(ob->c.st, row, ch, now);
        }
        free(ch);
        free(paths[i]);
    }
    ok = ok && cg_store_outbox_done(ob->c.st, row->id, now, 0, 0) && cg_store_commit(ob->c.st);
    if (!ok) {
        cg_store_rollback(ob->c.st);
        return store_failed(ob, "recording the hooks of the hooks directory");
    }
    return 1;
}

/* One claimed row; print rows are collected in printed[] and marked done
 * once the stream is flushed. pre: its finding as read with the claim's
 * others (taken over and cleared here), NULL to read it now. */
static int deliver_row(cg_outbox *ob, const cg_store_outbox_row *row, int64_t now,
                       cg_stored_copy *pre, int pre_found, int64_t *printed, size_t *n_printed)
{
    cg_stored_copy sc;
    cg_stored_view v;
    int found = 0, ok = 1;
    const char *ch = row->channel;
    int is_alert = strcmp(ch, "print") != 0 && strcmp(ch, "incident") != 0;
    if ((strcmp(ch, "print") == 0 && ob->c.out == NULL) ||
        (strcmp(ch, "incident") == 0 && !ob->c.auto_incidents) ||
        (is_alert && (ob->c.alert == NULL || !cg_alert_has_channel(ob->c.alert, ch)))) {
        /* Another monitor's channel (or one this one no longer has). */
        int64_t later = ob->c.foreign_delay > 0 ? ob->c.foreign_delay : NOT_MINE_DELAY;
        if (!cg_store_outbox_retry(ob->c.st, row->id, now + later,
                                   "channel not configured in this monitor", 0))
            return store_failed(ob, "putting a delivery back");
        return 1;
    }
    if (strcmp(ch, "hooks_dir") == 0)
        return expand_hooks_dir(ob, row, now);
    if (pre != NULL) {
        sc = *pre;
        found = pre_found;
        memset(pre, 0, sizeof(*pre));
    } else if (!cg_stored_get(ob->c.st, row->finding_id, &sc, &found)) {
        return store_failed(ob, "reading a finding to deliver");
    }
    if (!found || !cg_stored_view_init(&v, &sc.sf, 0)) {
        /* Nothing this caguard can deliver: a finding of a newer caguard's
         * rule, or gone. */
        cg_stored_copy_clear(&sc);
        if (!cg_store_outbox_done(ob->c.st, row->id, now, 0, 0))
            return store_failed(ob, "marking a delivery done");
        return 1;
    }
    if (strcmp(ch, "print") == 0) {
        print_one(ob, &v.f);
        printed[(*n_printed)++] = row->id;
    } else if (strcmp(ch, "incident") == 0) {
        ok = deliver_incident(ob, row, &v.f, sc.sf.first_seen, now);
    } else {
        ok = queue_alert(ob, row, &v.f, sc.sf.first_seen, now);
    }
    cg_stored_view_clear(&v);
    cg_stored_copy_clear(&sc);
    return ok;
}

/* A claim's rows in order, their findings read in one statement first.
 * Only an incident row's delivery writes findings (its incident): the
 * rows after it read theirs again, as each row did before it was batched. */
static int deliver_claim(cg_outbox *ob, const cg_store_outbox_row *rows, size_t n, int64_t now,
                         int64_t *printed, size_t *n_printed)
{
    int64_t ids[CLAIM_MAX];
    int found[CLAIM_MAX];
    cg_stored_copy *pre = n > 0 && n <= CLAIM_MAX ? calloc(n, sizeof(*pre)) : NULL;
    int ok = 1, fresh = pre != NULL;
    for (size_t i = 0; fresh && i < n; i++)
        ids[i] = rows[i].finding_id;
    if (fresh && !cg_stored_get_many(ob->c.st, ids, n, pre, found))
        ok = store_failed(ob, "reading findings to deliver");
    for (size_t i = 0; ok && i < n; i++) {
        ok = deliver_row(ob, &rows[i], now, fresh ? &pre[i] : NULL, fresh && found[i], printed,
                         n_printed);
        if (strcmp(rows[i].channel, "incident") == 0)
            fresh = 0;
    }
    for (size_t i = 0; pre != NULL && i < n; i++)
        cg_stored_copy_clear(&pre[i]);
    free(pre);
    return ok;
}

static int mark_printed(cg_outbox *ob, const int64_t *printed, size_t n, int64_t now)
{
    if (n == 0)
        return 1;
    if (ob->c.out_stream != NULL && fflush(ob->c.out_stream) != 0) {
        say(ob, "findings could not be written to standard output: the next run prints "
                "them again");
        return 1; /* not marked: printed again by the next monitor */
    }
    if (!cg_store_outbox_done_ids(ob->c.st, printed, n, now))
        return store_failed(ob, "marking findings printed");
    return 1;
}

/* Claims and delivers until a claim comes back empty, at most max_rounds
 * claims. */
static int run(cg_outbox *ob, int64_t now, size_t max_rounds)
{
    int ok = 1;
    collect(ob, now);
    /* Each claim may make more due: an incident done lets its alerts go. */
    for (size_t round = 0; ok && round < max_rounds; round++) {
        cg_store_outbox_row *rows = NULL;
        size_t n = 0, n_printed = 0;
        int64_t printed[CLAIM_MAX];
        size_t room = CLAIM_MAX, q = ob->c.alert != NULL ? queued(ob) : 0;
        if (ob->c.alert != NULL) {
            if (q >= QUEUE_MAX)
                break;
            room = QUEUE_MAX - q;
        }
        if (!cg_store_outbox_claim(ob->c.st, ob->owner, now, now + ob->lease_s, room, &rows, &n))
            return store_failed(ob, "claiming deliveries");
        ob->stats.claims++;
        ok = deliver_claim(ob, rows, n, now, printed, &n_printed);
        if (!mark_printed(ob, printed, n_printed, now))
            ok = 0;
        cg_store_outbox_rows_free(rows, n);
        if (n == 0)
            break;
    }
    if (ok && ob->running && queued(ob) > 0 &&
        !cg_store_outbox_renew(ob->c.st, ob->owner, now + ob->lease_s))
        return store_failed(ob, "renewing deliveries");
    return ok;
}

int cg_outbox_run(cg_outbox *ob, int64_t now)
{
    return run(ob, now, ROUNDS);
}

/* The rows of the stored findings handed on since the last time: all
 * committed before their findings came, so one run claims them all. */
static void run_due(cg_outbox *ob)
{
    size_t due = ob->due;
    ob->due = 0;
    /* at most the claims that one run per finding would have made */
    run(ob, (int64_t)time(NULL), due < SIZE_MAX / ROUNDS ? due * ROUNDS : SIZE_MAX);
}

/* A finding is kept by the store when it is about an object, a log or a
 * published document. */
static int is_stored(const cg_finding *f)
{
    /* an incident's own finding reaches the monitor's sinks only from a
     * task that stored it first (monitor/bugzilla.c), and so does a
     * document's (monitor/policywatch.c) */
    if (f->obj->has_hash || (f->obj->kind == CG_KIND_INCIDENT && f->incident > 0))
        return 1;
    for (size_t i = 0; i < f->n_fields; i++) {
        if (strcmp(f->fields[i].key, "log") == 0 || strcmp(f->fields[i].key, "document") == 0)
            return 1;
    }
    return 0;
}

void cg_outbox_sink(void *arg, const cg_finding *f)
{
    cg_outbox *ob = arg;
    if (is_stored(f)) {
        ob->due++; /* its rows are claimed at the batch's end */
        return;
    }
    /* The stored ones before it first (they were printed before it when
     * each finding ran the outbox), then this one: not stored, so no row:
     * now, once. */
    if (ob->due > 0)
        run_due(ob);
    if (print_one(ob, f) && ob->c.out_stream != NULL)
        fflush(ob->c.out_stream);
    if (ob->c.alert != NULL &&
        cg_finding_severity(f) <= cg_alert_min_severity(ob->c.alert)) {
        job *j = calloc(1, sizeof(*j));
        if (j != NULL)
            j->aj = cg_alert_job_new(ob->c.alert, NULL, f, NULL);
        if (j == NULL || j->aj == NULL) {
            job_free(j);
            ob->stats.alert_failures++;
            say(ob, "alert for %s: out of memory", cg_rule_get(f->rule)->id);
            return;
        }
        ob->stats.alerts_unstored++;
        enqueue(ob, j);
    }
}

void cg_outbox_sink_end(void *arg)
{
    cg_outbox *ob = arg;
    if (ob->due > 0)
        run_due(ob);
}

static void wait_idle(cg_outbox *ob)
{
    pthread_mutex_lock(&ob->mu);
    while (ob->queued > 0)
        pthread_cond_wait(&ob->idle, &ob->mu);
    pthread_mutex_unlock(&ob->mu);
}

int cg_outbox_finish(cg_outbox *ob, int wait)
{
    int ok = 1;
    int64_t now = (int64_t)time(NULL);
    if (wait) {
        /* Deliver until nothing due is left; failures wait for a later
         * monitor (or caguard alerts flush). */
        for (int i = 0; i < 64; i++) {
            now = (int64_t)time(NULL);
            if (!cg_outbox_run(ob, now)) {
                ok = 0;
                break;
            }
            if (!ob->running || queued(ob) == 0)
                break;
            wait_idle(ob);
        }
        if (ob->running)
            wait_idle(ob);
        collect(ob, (int64_t)time(NULL));
        stop_thread(ob, 1);
        return ok;
    }
    stop_thread(ob, 0);
    now = (int64_t)time(NULL);
    collect(ob, now);
    /* What was queued and not run is given back at once. */
    for (job *j = ob->queue, *next; j != NULL; j = next) {
        next = j->next;
        job_free(j);
    }
    ob->queue = ob->queue_tail = NULL;
    ob->queued = 0;
    if (!cg_store_outbox_renew(ob->c.st, ob->owner, 0))
        return store_failed(ob, "giving deliveries back");
    return ok;
}
