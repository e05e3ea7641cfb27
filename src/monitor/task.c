#include "monitor/task.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

int cg_task_begin(cg_task_run *r, cg_store *st, int64_t now)
{
    memset(r, 0, sizeof(*r));
    r->st = st;
    r->now = now;
    return cg_store_begin(st);
}

int cg_task_put(cg_task_run *r, const cg_finding *f, const char *subject)
{
    const cg_objref *o = f->obj;
    cg_store_finding sf;
    cg_task_kept *k =
        r->failed ? NULL : cg_grow_push((void **)&r->v, &r->n, &r->cap, sizeof(*r->v));
    if (k == NULL) {
        r->failed = 1;
        return 0;
    }
    memset(&sf, 0, sizeof(sf));
    sf.rule = cg_rule_get(f->rule)->id;
    sf.severity = cg_finding_severity(f);
    sf.has_object = o->has_hash;
    memcpy(sf.object, o->sha256, 32);
    sf.incident = f->incident;
    sf.message = f->message;
    sf.subject = subject;
    if (!cg_store_put_finding(r->st, &sf, r->now, &k->is_new, &k->id)) {
        r->failed = 1;
        return 0;
    }
    if (o->file != NULL) {
        k->file = strdup(o->file);
        if (k->file == NULL)
            r->failed = 1;
    }
    if (!r->failed && !cg_kept_finding_set(&k->kept, f, k->file, o->index))
        r->failed = 1;
    return !r->failed;
}

void cg_task_sink(void *arg, const cg_finding *f)
{
    cg_task_run *r = arg;
    if (r->has_only && f->rule != r->only)
        return;
    cg_task_put(r, f, NULL);
}

int cg_task_made_again(void *arg, int64_t id)
{
    const cg_task_run *r = arg;
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].id == id)
            return 1;
    }
    return 0;
}

int cg_task_end(cg_task_run *r, cg_monitor *m, int ok)
{
    ok = ok && !r->failed;
    if (!ok)
        cg_store_rollback(r->st);
    else
        ok = cg_store_commit(r->st);
    /* the commit's findings one batch: the outbox claims their rows once */
    cg_monitor_batch_begin(m);
    for (size_t i = 0; i < r->n; i++) {
        cg_objref ref;
        cg_finding f;
        if (ok && r->v[i].is_new) {
            cg_kept_finding_view(&r->v[i].kept, &ref, &f);
            cg_monitor_emit(m, &f);
        }
        cg_kept_finding_clear(&r->v[i].kept);
        free(r->v[i].file);
    }
    cg_monitor_batch_end(m);
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
    return ok;
}

int cg_task_judge_incident(cg_monitor *m, int64_t id, int64_t now, cg_rule_id rule,
                           cg_task_judge_fn judge, void *arg)
{
    cg_store *st = cg_monitor_get0_store(m);
    cg_incident inc;
    cg_task_run r;
    cg_ctx ctx;
    int found = 0, ok = 0, judged;
    memset(&inc, 0, sizeof(inc));
    if (!cg_store_incident_get(st, id, &inc, &found))
        goto out;
    if (!found) {
        ok = 1;
        goto out;
    }
    if (!cg_task_begin(&r, st, now))
        goto out;
    r.has_only = 1;
    r.only = rule;
    cg_ctx_init(&ctx, now, cg_task_sink, &r);
    judged = judge(arg, st, &inc, &ctx);
    if (judged == CG_TASK_NOT_JUDGED) {
        cg_task_end(&r, m, 0);
        ok = 1;
        goto out;
    }
    ok =
        judged == 1 && !r.failed &&
        cg_store_resolve_incident_rest(st, cg_rule_get(rule)->id, id, cg_task_made_again, &r, now);
    ok = cg_task_end(&r, m, ok);
out:
    cg_incident_clear(&inc);
    return ok;
}
