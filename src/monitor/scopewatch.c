#include "monitor/scopewatch.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/grow.h"

#define RECHECK_EVERY (5 * 60)
/* At most this often while new findings keep arriving: an incident of
 * thousands of certificates costs a query per certificate. */
#define RECHECK_DIRTY 60

struct cg_scope_watch {
    int dirty;       /* a new finding arrived since the last judgement */
    int64_t last;    /* when the last judgement ran; 0: never */
};

/* A finding of this judgement, kept past the callback. */
typedef struct {
    cg_kind kind;
    uint8_t sha256[32];
    uint8_t serial[64];
    size_t serial_len;
    char *message;
    int64_t id;
    int is_new;
} kept;

typedef struct {
    cg_store *st;
    int64_t now, incident;
    kept *v;
    size_t n, cap;
    int failed;
} judgement;

static void on_scope_finding(void *arg, const cg_finding *f)
{
    judgement *j = arg;
    const cg_rule *r = cg_rule_get(f->rule);
    cg_store_finding sf;
    kept *k = j->failed ? NULL : cg_grow_push((void **)&j->v, &j->n, &j->cap, sizeof(*j->v));
    if (k == NULL) {
        j->failed = 1;
        return;
    }
    memset(&sf, 0, sizeof(sf));
    sf.rule = r->id;
    sf.severity = cg_finding_severity(f);
    sf.has_object = f->obj->has_hash;
    memcpy(sf.object, f->obj->sha256, 32);
    sf.incident = f->incident;
    sf.message = f->message;
    if (!cg_store_put_finding(j->st, &sf, j->now, &k->is_new, &k->id)) {
        j->failed = 1;
        return;
    }
    k->kind = f->obj->kind;
    memcpy(k->sha256, f->obj->sha256, 32);
    k->serial_len = f->obj->serial.len < sizeof(k->serial) ? f->obj->serial.len : 0;
    if (k->serial_len > 0)
        memcpy(k->serial, f->obj->serial.data, k->serial_len);
    k->message = strdup(f->message);
    if (k->message == NULL)
        j->failed = 1;
}

/* A stored scope finding this judgement made again: kept open. */
static int made_again(void *arg, int64_t id)
{
    const judgement *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        if (j->v[i].id == id)
            return 1;
    }
    return 0;
}

/* One incident, in one transaction: its scope findings stored, the ones
 * it no longer has resolved; the new ones to the monitor's sinks after the
 * commit. */
static int judge_incident(cg_monitor *m, cg_store *st, int64_t id, int64_t now)
{
    cg_incident inc;
    judgement j = {st, now, id, NULL, 0, 0, 0};
    int found = 0, ok = 0;
    memset(&inc, 0, sizeof(inc));
    if (!cg_store_incident_get(st, id, &inc, &found))
        goto out;
    if (!found || inc.n_rules == 0) {
        ok = 1;
        goto out;
    }
    if (!cg_store_begin(st))
        goto out;
    cg_ctx ctx;
    cg_ctx_init(&ctx, now, on_scope_finding, &j);
    ok = cg_store_incident_scope_check(st, &inc, &ctx) && !j.failed &&
         cg_store_resolve_incident_rest(st, cg_rule_get(CG_R_INCIDENT_SCOPE_INCOMPLETE)->id, id,
                                        made_again, &j, now);
    if (!ok) {
        cg_store_rollback(st);
        goto out;
    }
    if (!cg_store_commit(st)) {
        ok = 0;
        goto out;
    }
    for (size_t i = 0; i < j.n; i++) {
        cg_objref ref;
        cg_finding f;
        if (!j.v[i].is_new)
            continue;
        memset(&ref, 0, sizeof(ref));
        memset(&f, 0, sizeof(f));
        ref.kind = j.v[i].kind;
        ref.has_hash = 1;
        memcpy(ref.sha256, j.v[i].sha256, 32);
        cg_cbs_init(&ref.serial, j.v[i].serial, j.v[i].serial_len);
        f.rule = CG_R_INCIDENT_SCOPE_INCOMPLETE;
        f.obj = &ref;
        f.message = j.v[i].message;
        f.incident = id;
        cg_monitor_emit(m, &f);
    }
out:
    for (size_t i = 0; i < j.n; i++)
        free(j.v[i].message);
    free(j.v);
    cg_incident_clear(&inc);
    return ok;
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
        ok = judge_incident(m, st, ids[i], now);
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
