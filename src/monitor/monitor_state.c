/* What the monitor writes about a log: its state (log_state: position,
 * right edge, last verified tree head, contact and failure times) and its
 * findings (ct.log.*, stored against the log's ID). A log finding made
 * inside a range is held until the range commits, so the sinks never see
 * a finding that was rolled back. */
#include "monitor/monitor_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/cbs.h"
#include "util/errf.h"

void cg_monitor_finding_about(cg_finding *f, cg_objref *ref, cg_field *field, const char *file,
                              const char *log64, cg_rule_id rule, const char *message)
{
    memset(ref, 0, sizeof(*ref));
    memset(f, 0, sizeof(*f));
    ref->file = file;
    ref->kind = CG_KIND_INPUT;
    f->rule = rule;
    f->obj = ref;
    f->message = message;
    if (log64 != NULL) {
        *field = (cg_field){"log", CG_FIELD_STRING, log64, 0};
        f->fields = field;
        f->n_fields = 1;
    }
}

int cg_monitor_put_log_finding(cg_store *st, cg_rule_id rule, const uint8_t log_id[32],
                               const char *subject, const char *message, int64_t now, int *is_new)
{
    cg_store_finding sf;
    memset(&sf, 0, sizeof(sf));
    sf.rule = cg_rule_get(rule)->id;
    sf.severity = cg_rule_get(rule)->severity;
    sf.has_log = 1;
    memcpy(sf.log_id, log_id, 32);
    sf.subject = subject;
    sf.message = message;
    return cg_store_put_finding(st, &sf, now, is_new, NULL);
}

void cg_mon_emit_log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *msg)
{
    cg_objref ref;
    cg_finding f;
    cg_field field;
    cg_monitor_finding_about(&f, &ref, &field, l->url, l->id64, rule, msg);
    m->stats.new_findings[cg_rule_get(rule)->severity]++;
    cg_mon_to_sinks(m, &f);
}

int cg_mon_log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *subject,
                       const char *fmt, ...)
{
    char msg[1024];
    int is_new = 0;
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    /* The log's row first, so that the finding has its URL. */
    if (!l->loaded && !cg_mon_save_state(m, l))
        return 0;
    if (!cg_monitor_put_log_finding(m->st, rule, l->id, subject, msg, cg_mon_now_s(), &is_new)) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    if (!is_new)
        return 1;
    if (!m->in_range) {
        cg_mon_emit_log_finding(m, l, rule, msg);
        return 1;
    }
    held_finding *h = realloc(m->held, (m->n_held + 1) * sizeof(*h));
    char *copy = strdup(msg);
    if (h != NULL)
        m->held = h;
    if (h == NULL || copy == NULL) {
        free(copy);
        cg_mon_seterr(m, "out of memory");
        m->store_failed = 1;
        return 0;
    }
    h[m->n_held].rule = rule;
    h[m->n_held++].message = copy;
    return 1;
}

void cg_mon_held_drop(cg_monitor *m)
{
    for (size_t i = 0; i < m->n_held; i++)
        free(m->held[i].message);
    m->n_held = 0;
}

int cg_mon_load_one(void *arg, const cg_store_log_state *ls)
{
    cg_mon_load_ctx *c = arg;
    mlog *l = c->l;
    if (!cg_merkle_frontier_decode(&l->f, ls->frontier, ls->frontier_len) ||
        l->f.size != ls->position || (ls->has_sth && ls->sth_size < ls->position) ||
        (ls->has_sth &&
         !cg_sth_signature_parse(&l->sth, ls->sth_signature, ls->sth_signature_len)))
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

int cg_mon_load_state(cg_monitor *m, mlog *l)
{
    cg_mon_load_ctx c = {l, 0};
    int found = 0;
    if (!cg_store_log_state_get(m->st, l->id, cg_mon_load_one, &c, &found)) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    if (found && !c.ok) {
        cg_mon_seterr(m,
                      "store: what is saved of log %s (ID %s) cannot be read: how far it was "
                      "read, its tree head or the hashes that verify the next one are not what "
                      "this caguard writes",
                      l->url, l->id64);
        return 0;
    }
    if (!found)
        cg_merkle_frontier_init(&l->f);
    l->loaded = found;
    cg_mon_series_log(m, l);
    return 1;
}

int cg_mon_save_state(cg_monitor *m, mlog *l)
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
    ls.updated_at = cg_mon_now_s();
    if (!(m->o.shared ? cg_store_log_head_put(m->st, &ls) : cg_store_log_state_put(m->st, &ls))) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    l->loaded = 1;
    if (!m->in_range)
        cg_mon_series_log(m, l); /* committed on its own */
    return 1;
bad:
    cg_mon_seterr(m, "%s: cannot encode the log state", l->url);
    m->store_failed = 1;
    return 0;
}
