/* Ingest, the findings of a file (ingest_internal.h): the checker's sink,
 * which stores each finding (deduplicated) and keeps a copy of the new ones
 * for the caller's sink after the commit; and the "could not check"
 * notices a run no longer gives, resolved.
 *
 * Invariants kept here: the findings of related objects' own checks are
 * dropped (recorded when those were ingested); what reaches the caller's
 * sink is what was stored, after the commit, named as the object was first
 * ingested; a finding about no object (input that did not decode) is
 * reported, never stored. */
#include "store/ingest_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

/* The "could not check" notices: a later run that has what was missing
 * (the issuing CA, a log list) and does not repeat one resolves it. Each is
 * evaluated whenever an object of its kind is checked in pass 2. */
static const struct {
    cg_rule_id rule;
    cg_kind kind;
} could_not_check[] = {
    {CG_R_CT_SCT_ISSUER_UNKNOWN, CG_KIND_CERT},
    {CG_R_CT_POLICY_NOT_EVALUATED, CG_KIND_CERT},
    {CG_R_CRL_ISSUER_UNKNOWN, CG_KIND_CRL},
};
#define N_COULD_NOT_CHECK (sizeof(could_not_check) / sizeof(could_not_check[0]))

/* resolved_tx's value for an object one of whose notices was recorded
 * after this transaction resolved them (0: resolved, none since) */
#define NOTICE_SINCE 1

static char *fields_json(const cg_field *fields, size_t n)
{
    json_t *j = json_object();
    char *s;
    if (j == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const cg_field *f = &fields[i];
        json_t *v = f->type == CG_FIELD_STRING && f->str != NULL ? json_string(f->str)
                    : f->type == CG_FIELD_BOOL                   ? json_boolean(f->boolean)
                                                                 : json_null();
        json_object_set_new(j, f->key, v);
    }
    s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/* Copies of file names that live for the whole run: text output groups
 * consecutive findings of an object by the file pointer, and keeps the last
 * one. Only recent names are looked up; a repeat further back is copied
 * again, which costs memory, not correctness. */
static const char *intern(cg_ingest *ing, const char *name)
{
    for (size_t i = ing->n_names; i > 0 && i + 64 > ing->n_names; i--) {
        if (strcmp(ing->names[i - 1], name) == 0)
            return ing->names[i - 1];
    }
    if (!cg_grow((void **)&ing->names, &ing->cap_names, ing->n_names + 1, sizeof(char *)))
        return NULL;
    char *d = strdup(name);
    if (d != NULL)
        ing->names[ing->n_names++] = d;
    return d;
}

/* Copies a finding for the sink; file and index as given. */
static void queue(cg_ingest *ing, const cg_finding *f, const char *file, size_t index)
{
    const char *name = file != NULL ? intern(ing, file) : NULL;
    cg_kept_finding *k =
        cg_grow_push((void **)&ing->pend, &ing->n_pend, &ing->cap_pend, sizeof(*ing->pend));
    if (k == NULL || (file != NULL && name == NULL) || !cg_kept_finding_set(k, f, name, index))
        cg_ing_oom(ing);
}

void cg_ing_sink(void *arg, const cg_finding *f)
{
    cg_ingest *ing = arg;
    const cg_objref *o = f->obj;
    const cg_rule *rule = cg_rule_get(f->rule);
    size_t rel = NOT_RELATED;
    int is_new = 0;
    if (ing->in_related || ing->failed)
        return;
    /* A status report, not a problem: the store keeps the state itself
     * (crl_entries), and a deduplicated finding would keep the first one. */
    if (f->rule == CG_R_REVOCATION_STATUS)
        return;
    if (!o->has_hash) {
        ing->stats.unstored++;
        queue(ing, f, o->file, o->index); /* about no object: reported, not stored */
        return;
    }
    for (size_t i = 0; i < N_COULD_NOT_CHECK; i++) {
        size_t bits = 0;
        if (f->rule != could_not_check[i].rule)
            continue;
        cg_shaset_get(&ing->produced, o->sha256, &bits);
        if (!cg_shaset_put(&ing->produced, o->sha256, bits | ((size_t)1 << i))) {
            cg_ing_oom(ing);
            return;
        }
        /* a notice open again for this object: the next run resolves it
         * again if it does not make it (the other objects' resolutions
         * in this transaction still hold) */
        if (cg_shaset_get(&ing->resolved_tx, o->sha256, NULL) &&
            !cg_shaset_put(&ing->resolved_tx, o->sha256, NOTICE_SINCE)) {
            cg_ing_oom(ing);
            return;
        }
    }
    cg_store_finding sf;
    memset(&sf, 0, sizeof(sf));
    sf.rule = rule->id;
    sf.severity = rule->severity;
    sf.has_object = 1;
    memcpy(sf.object, o->sha256, 32);
    sf.message = f->message;
    char *extra = f->n_fields > 0 ? fields_json(f->fields, f->n_fields) : NULL;
    sf.extra = extra;
    int ok = cg_store_put_finding(ing->st, &sf, ing->o.at, &is_new, NULL);
    free(extra);
    if (!ok) {
        cg_ing_store_failed(ing);
        return;
    }
    if (!is_new) {
        ing->stats.repeated++;
        return;
    }
    /* A related object is named as it was first ingested. */
    if (cg_shaset_get(&ing->seen, o->sha256, &rel) && rel != NOT_RELATED)
        queue(ing, f, ing->rel[rel].file, (size_t)ing->rel[rel].index);
    else
        queue(ing, f, o->file, o->index);
}

void cg_ing_flush(cg_ingest *ing, const cg_kept_finding *pend, size_t n_pend)
{
    for (size_t i = 0; i < n_pend; i++) {
        cg_objref ref;
        cg_finding f;
        cg_kept_finding_view(&pend[i], &ref, &f);
        if (ref.has_hash)
            ing->stats.new_findings[cg_rule_get(f.rule)->severity]++;
        if (ing->sink != NULL)
            ing->sink(ing->sink_arg, &f);
    }
}

/* Resolves the could_not_check notices of the objects checked in this run
 * that the run did not repeat: what was missing is there now. In a
 * caller's transaction an object resolved so by an earlier file (a CA
 * related to every entry of a log's range) has nothing left to resolve
 * unless one of its own notices was recorded since (NOTICE_SINCE): its
 * statements are not sent again. A notice about another object (an
 * entry's ct.policy.not_evaluated) leaves it resolved. */
int cg_ing_resolve_stale(cg_ingest *ing)
{
    for (size_t c = 0; c < ing->n_chk; c++) {
        size_t bits = 0;
        cg_shaset_get(&ing->produced, ing->chk[c].sha256, &bits);
        if (ing->joined && bits == 0) {
            size_t since = NOTICE_SINCE;
            if (cg_shaset_get(&ing->resolved_tx, ing->chk[c].sha256, &since) &&
                since != NOTICE_SINCE)
                continue;
            if (!cg_shaset_put(&ing->resolved_tx, ing->chk[c].sha256, 0)) {
                cg_ing_oom(ing);
                return 0;
            }
        }
        for (size_t i = 0; i < N_COULD_NOT_CHECK; i++) {
            int resolved = 0;
            if (could_not_check[i].kind != ing->chk[c].kind || (bits & ((size_t)1 << i)))
                continue;
            if (!cg_store_resolve_open(ing->st, cg_rule_get(could_not_check[i].rule)->id,
                                       ing->chk[c].sha256, ing->o.at, &resolved)) {
                cg_ing_store_failed(ing);
                return 0;
            }
            ing->stats.resolved += (size_t)resolved;
        }
    }
    return 1;
}
