/* What the monitor's judging tasks share (the Bugzilla questions, an
 * incident's scope, the CP/CPS documents): the findings of one judgement
 * are stored in one transaction with what the judgement changes, kept past
 * the callback that reported them, and handed to the monitor's sinks (and
 * so printed, counted, alerted through the outbox) only once that
 * transaction committed: a monitor killed at any point has the findings
 * and their deliveries, or neither, and a rolled-back judgement is never
 * news.
 *
 * A task opens a run (cg_task_begin), reports its findings to it
 * (cg_task_put, or a cg_ctx whose sink is cg_task_sink), resolves what it
 * no longer finds (cg_task_made_again is the keep of
 * cg_store_resolve_incident_rest) and ends it (cg_task_end). A judgement
 * of one incident is all of that: cg_task_judge_incident. */
#ifndef CAGUARD_MONITOR_TASK_H
#define CAGUARD_MONITOR_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"
#include "monitor/monitor.h"
#include "rules/kept.h"
#include "rules/rules.h"
#include "store/store.h"

/* A finding as stored, kept until the commit (its object's file a copy of
 * its own). */
typedef struct cg_task_kept {
    cg_kept_finding kept;
    char *file;
    int64_t id; /* the stored finding's */
    int is_new; /* new to the store: handed to the sinks after the commit */
} cg_task_kept;

typedef struct cg_task_run {
    cg_store *st;
    int64_t now;
    /* With only: the findings of other rules a cg_ctx reports to cg_task_sink
     * are not this judgement's, and are left out. */
    int has_only;
    cg_rule_id only;
    cg_task_kept *v;
    size_t n, cap;
    int failed; /* a store error or out of memory: the run rolls back */
} cg_task_run;

/* Opens the store's transaction for a judgement at now. 1, or 0 on a store
 * error (the run then holds nothing and needs no cg_task_end). */
int cg_task_begin(cg_task_run *r, cg_store *st, int64_t now);

/* Stores f (its rule, severity, object hash, incident and message; subject
 * as store.h's cg_store_finding has it, the URL of a document, or NULL) and
 * keeps it. 1, or 0 with r->failed set. */
int cg_task_put(cg_task_run *r, const cg_finding *f, const char *subject);

/* A cg_ctx sink (arg: the run) storing each finding it gets with
 * cg_task_put (no subject). */
void cg_task_sink(void *arg, const cg_finding *f);

/* cg_store_resolve_incident_rest's keep (arg: the run): 1 for a finding
 * this run stored. */
int cg_task_made_again(void *arg, int64_t id);

/* Ends the run: with ok and nothing failed, commits and then hands every
 * finding new to the store to m's sinks (cg_monitor_emit), in the order
 * they were put, as one batch; otherwise rolls back. Frees what the run kept. 1 when
 * committed. */
int cg_task_end(cg_task_run *r, cg_monitor *m, int ok);

/* A judgement of one incident: reports its findings to ctx (whose sink
 * stores them in the run). Returns 1, 0 on a store error, or
 * CG_TASK_NOT_JUDGED when there is nothing of this incident to judge (its
 * stored findings then stay as they are). */
#define CG_TASK_NOT_JUDGED (-1)
typedef int (*cg_task_judge_fn)(void *arg, cg_store *st, const cg_incident *inc, cg_ctx *ctx);

/* Judges incident id at now in one transaction: its findings of rule that
 * judge reports are stored (the others left out), its open findings of
 * rule that judge no longer makes are resolved, and the new ones go to m's
 * sinks after the commit. An incident no longer stored is not judged. 1,
 * or 0 on a store error (nothing changed). */
int cg_task_judge_incident(cg_monitor *m, int64_t id, int64_t now, cg_rule_id rule,
                           cg_task_judge_fn judge, void *arg);

#endif
