/* Group commit of the gate's writes (docs/serve.md, "The gate"): the
 * requests that reach their write while another batch is committing wait,
 * and the first of them to find no commit in progress writes them all in
 * one transaction on its own connection and commits once. A durable commit
 * (SQLite's fsync, PostgreSQL's WAL flush) then serves every request of
 * the batch, instead of one commit each.
 *
 * Guarantees: a write returns only after the commit that holds it (or
 * with its failure): the gate never answers before its decision is
 * durable. Within a batch, the writes are applied in (issuer, serial)
 * order (two gate processes' batches take PostgreSQL's unique-key locks in
 * one order), and a precertificate's record is read back in the batch's
 * transaction, so a second precertificate for one serial in the same
 * batch, or in another process's, finds the first recorded. When a batch
 * fails (a write refused, a commit that does not go through), it is rolled
 * back and each of its writes is applied again in a transaction of its
 * own, so one request's failure is not the others'.
 *
 * Thread-safe. Ownership: a write's inputs are borrowed until it returns;
 * its rec is the caller's (cg_gate_precert_clear). */
#ifndef CAGUARD_SERVE_COMMIT_H
#define CAGUARD_SERVE_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "obs/metrics.h"
#include "store/store.h"

typedef struct cg_gate_write {
    /* in */
    const cg_gate_precert *record; /* a precertificate to record, or NULL */
    cg_gate_decision d;            /* the decision to record */
    /* out */
    int ok;              /* 0: err says why (a store message, not redacted) */
    int inserted;        /* with record: ours is the recorded one now */
    int decided;         /* the decision was recorded (with record: only when the
                          * recorded precertificate has record's TBS) */
    cg_gate_precert rec; /* with record: the recorded precertificate */
    int64_t id;          /* the decision's row when decided */
    char err[512];
    /* the queue */
    struct cg_gate_write *next;
    int done;
} cg_gate_write;

typedef struct cg_gate_commit cg_gate_commit;

/* m, when not NULL, gets caguard_serve_gate_commits_total (transactions
 * committed) and caguard_serve_gate_writes_total (writes committed). NULL
 * when memory ran out. */
cg_gate_commit *cg_gate_commit_new(cg_metrics *m);
void cg_gate_commit_free(cg_gate_commit *c);

/* Applies w: with w->record, records the precertificate for d's issuer and
 * serial unless one is recorded already, then records d when the recorded
 * one has record's tbs_key; else records d. st is the caller's connection,
 * outside any transaction; it carries the batch when this caller leads
 * one. Returns w->ok once the commit that holds w is done. */
int cg_gate_commit_write(cg_gate_commit *c, cg_store *st, cg_gate_write *w);

#endif
