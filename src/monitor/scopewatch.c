#include "monitor/scopewatch.h"

#include <stdlib.h>

#include "monitor/task.h"
#include "store/store.h"

#define RECHECK_EVERY (5 * 60)
/* At most this often while new findings keep arriving: an incident of
 * thousands of certificates costs a query per certificate. */
#define RECHECK_DIRTY 60

struct cg_scope_watch {
    int dirty;       /* a new finding arrived since the last judgement */
    int64_t last;    /* when the last judgement ran; 0: never */
};

/* The store's one judgement of an incident's scope; an incident with no
 * defect named has no scope to judge. */
static int judge_scope(void *arg, cg_store *st, const cg_incident *inc, cg_ctx *ctx)
{
    (void)arg;
    if (inc->n_rules == 0)
        return CG_TASK_NOT_JUDGED;
    return cg_store_incident_scope_check(st, inc, ctx);
}

static int task(void *arg, cg_monitor *m, int64_t now)
{
    cg_scope_watch *w = arg;
    cg_store *st = cg_monitor_get0_store(m);
    int64_t *ids = NULL;
    size_t n = 0;
    int ok;
    if (w->last != 0 && now - w->last < (w->dirty ? RECHECK_DIRTY : RECHECK_EVERY))
        return 1;
    w->dirty = 0;
    w->last = now;
    ok = cg_store_incident_ids(st, &ids, &n);
    for (size_t i = 0; ok && i < n; i++)
        ok = cg_task_judge_incident(m, ids[i], now, CG_R_INCIDENT_SCOPE_INCOMPLETE, judge_scope,
                                    NULL);
    free(ids);
    return ok;
}

static void on_finding(void *arg, const cg_finding *f)
{
    cg_scope_watch *w = arg;
    /* a certificate's or precertificate's new finding may be a scope gap;
     * the judgement's own findings are not news to it */
    if (f->rule != CG_R_INCIDENT_SCOPE_INCOMPLETE &&
        (f->obj->kind == CG_KIND_CERT || f->obj->kind == CG_KIND_PRECERT))
        w->dirty = 1;
}

cg_scope_watch *cg_scope_watch_attach(cg_monitor *m)
{
    cg_scope_watch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    if (!cg_monitor_on_finding(m, on_finding, w) || !cg_monitor_add_task(m, 1, task, w)) {
        free(w);
        return NULL;
    }
    return w;
}

void cg_scope_watch_free(cg_scope_watch *w)
{
    free(w);
}
