/* Group commit of the gate's writes (commit.h).
 *
 * Invariants: `pending` holds the writes no batch has taken yet, in
 * arrival order; `busy` is set while one caller (the leader) applies a
 * batch, and only the leader sets a write's `done`, under the mutex, after
 * the batch's commit or its failure. A caller waits until its own write is
 * done, or until no batch is running, when it takes everything pending
 * (its own write among it) and leads. */
#include "serve/commit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cg_gate_commit {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cg_gate_write *pending, *tail;
    int busy;
    cg_metric *commits, *writes;
};

cg_gate_commit *cg_gate_commit_new(cg_metrics *m)
{
    cg_gate_commit *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (m != NULL) {
        c->commits = cg_metrics_counter(m, "caguard_serve_gate_commits_total",
                                        "Transactions the gate committed (a batch of writes of "
                                        "concurrent requests shares one)",
                                        0, NULL);
        c->writes = cg_metrics_counter(m, "caguard_serve_gate_writes_total",
                                       "Gate writes committed (precertificate records with their "
                                       "decision, and decisions)",
                                       0, NULL);
        if (c->commits == NULL || c->writes == NULL) {
            cg_gate_commit_free(c);
            return NULL;
        }
    }
    return c;
}

void cg_gate_commit_free(cg_gate_commit *c)
{
    if (c == NULL)
        return;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* One write inside the open transaction. */
static int apply(cg_store *st, cg_gate_write *w)
{
    cg_gate_precert_clear(&w->rec);
    w->inserted = w->decided = 0;
    w->id = 0;
    if (w->record != NULL) {
        if (!cg_store_gate_record_precert(st, &w->d.issuer, &w->d.serial, w->record,
                                          w->d.request_id, &w->rec, &w->inserted))
            return 0;
        if (!w->inserted && memcmp(w->rec.tbs_key, w->record->tbs_key, 32) != 0)
            return 1; /* another precertificate is recorded: no decision here */
    }
    if (!cg_store_gate_decide(st, &w->d, &w->id))
        return 0;
    w->decided = 1;
    return 1;
}

static void failed(cg_store *st, cg_gate_write *w)
{
    w->ok = 0;
    snprintf(w->err, sizeof(w->err), "%s", cg_store_errmsg(st));
    cg_gate_precert_clear(&w->rec);
    w->inserted = w->decided = 0;
}

static int cmp_cbs(const cg_cbs *a, const cg_cbs *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n > 0 ? memcmp(a->data, b->data, n) : 0;
    if (c != 0)
        return c;
    return a->len < b->len ? -1 : (a->len > b->len);
}

static int cmp_write(const void *x, const void *y)
{
    const cg_gate_write *a = *(cg_gate_write *const *)x, *b = *(cg_gate_write *const *)y;
    int c = cmp_cbs(&a->d.issuer, &b->d.issuer);
    return c != 0 ? c : cmp_cbs(&a->d.serial, &b->d.serial);
}

/* Each write in a transaction of its own. */
static void one_by_one(cg_gate_commit *c, cg_store *st, cg_gate_write **ws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cg_store_begin(st)) {
            failed(st, ws[i]);
            continue;
        }
        if (!apply(st, ws[i])) {
            failed(st, ws[i]);
            cg_store_rollback(st);
            continue;
        }
        if (!cg_store_commit(st)) {
            failed(st, ws[i]);
            continue;
        }
        ws[i]->ok = 1;
        cg_metric_inc(c->commits, NULL);
        cg_metric_inc(c->writes, NULL);
    }
}

/* The leader's work: the batch in one transaction; on any failure, again
 * one by one. */
static void run_batch(cg_gate_commit *c, cg_store *st, cg_gate_write *head)
{
    size_t n = 0;
    for (cg_gate_write *w = head; w != NULL; w = w->next)
        n++;
    if (n <= 1) {
        one_by_one(c, st, &head, n);
        return;
    }
    cg_gate_write **ws = malloc(n * sizeof(*ws));
    if (ws == NULL) {
        /* No room to sort: each on its own, in arrival order. */
        for (cg_gate_write *w = head; w != NULL; w = w->next)
            one_by_one(c, st, &w, 1);
        return;
    }
    n = 0;
    for (cg_gate_write *w = head; w != NULL; w = w->next)
        ws[n++] = w;
    qsort(ws, n, sizeof(*ws), cmp_write);
    int ok = cg_store_begin(st);
    for (size_t i = 0; i < n && ok; i++)
        ok = apply(st, ws[i]);
    if (ok && cg_store_commit(st)) {
        for (size_t i = 0; i < n; i++)
            ws[i]->ok = 1;
        cg_metric_inc(c->commits, NULL);
        cg_metric_add(c->writes, NULL, (double)n);
    } else {
        if (!ok && st != NULL)
            cg_store_rollback(st); /* fails harmlessly when begin did */
        one_by_one(c, st, ws, n);
    }
    free(ws);
}

int cg_gate_commit_write(cg_gate_commit *c, cg_store *st, cg_gate_write *w)
{
    w->next = NULL;
    w->done = 0;
    w->ok = 0;
    w->err[0] = '\0';
    memset(&w->rec, 0, sizeof(w->rec));
    pthread_mutex_lock(&c->mu);
    if (c->tail != NULL)
        c->tail->next = w;
    else
        c->pending = w;
    c->tail = w;
    while (!w->done) {
        if (c->busy) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        cg_gate_write *batch = c->pending;
        c->pending = c->tail = NULL;
        c->busy = 1;
        pthread_mutex_unlock(&c->mu);
        run_batch(c, st, batch);
        pthread_mutex_lock(&c->mu);
        for (cg_gate_write *b = batch, *next; b != NULL; b = next) {
            next = b->next; /* a done write's owner may reuse it at once */
            b->done = 1;
        }
        c->busy = 0;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return w->ok;
}
