/* Delivering what the monitor owes each new finding, at least once
 * (docs/monitor.md, "Delivery"): printing it, its incident draft
 * (--incidents auto) and each alert channel (monitor/alert.h).
 *
 * The store records one outbox row per side effect in the transaction
 * that stores the finding (store.h, "the outbox"; cg_outbox_new sets the
 * channels on the store handle). After each commit cg_outbox_run claims
 * the rows that are due and delivers them: a finding is printed from the
 * store (then the stream is flushed, then its row is marked done), its
 * incident draft is opened in one transaction with its row marked done,
 * and its alerts, once its incident row is done, go to a delivery thread,
 * so a slow or hanging hook (killed after the hook timeout) never holds up
 * the monitor's next range. A delivery that fails is tried again with
 * exponential backoff (10 s, doubling, at most an hour) and stays pending,
 * visible in caguard status, until it succeeds. A monitor killed at any
 * point leaves its undelivered rows pending: the next one delivers them
 * first. Each delivery carries the alert ID (ALERT_ID, "alert_id", the
 * mail's Message-ID), the same for every channel and every repeat of one
 * finding's alert, so a receiver can drop a repeat.
 *
 * Findings the store does not keep (about no object: a log list that
 * cannot be read) are printed and alerted at once, without a row.
 *
 * Threads: every function here is called from the thread that owns the
 * store handle; the delivery thread touches only the jobs it is given. */
#ifndef CAGUARD_MONITOR_OUTBOX_H
#define CAGUARD_MONITOR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/alert.h"
#include "report/output.h"
#include "store/store.h"

typedef struct cg_outbox_config {
    cg_store *st;     /* borrowed */
    cg_out *out;      /* findings are printed here; NULL: not printed */
    /* Indexed by rule: findings of a rule set here are not printed (a
     * command's --include/--exclude/--min-severity; NULL: all are). Their
     * print rows are done all the same; the store, the incident drafts and
     * the alerts take every finding. */
    const uint8_t *print_skip;
    FILE *out_stream; /* ... and this is flushed before they are marked printed */
    cg_alert *alert;  /* borrowed; NULL: no alerts */
    int auto_incidents;
    const char *owner; /* the name this monitor leases rows under */
    /* The store's only monitor: rows a killed one had leased are taken over
     * at once (otherwise they wait for their lease to expire). */
    int exclusive;
    cg_alert_report_fn report; /* NULL: standard error */
    void *report_arg;
    /* Seconds a row of a channel not configured here is left for the one
     * that has it before this outbox looks at it again (0: 600). caguard
     * alerts flush, which runs once, takes 1: the rows stay due for a
     * monitor that has their channel. */
    int64_t foreign_delay;
} cg_outbox_config;

typedef struct cg_outbox_stats {
    size_t printed;          /* findings printed */
    size_t incidents_opened; /* drafts opened */
    size_t incidents_added;  /* objects added to an open incident of their serial */
    size_t incidents_already;
    size_t incident_failures;
    size_t alerts_delivered; /* alert rows delivered */
    size_t alert_failures;   /* failed attempts of alert rows (each retried) */
    size_t alerts_unstored;  /* alerts of findings the store does not keep */
    size_t pending_at_start; /* rows found pending when the outbox started */
    size_t claims;           /* claims of due rows made on the store */
    cg_alert_stats alert;    /* the channels' own counts */
} cg_outbox_stats;

typedef struct cg_outbox cg_outbox;

/* Sets the channels on the store handle and starts the delivery thread
 * (with alerts). NULL with err when not. */
cg_outbox *cg_outbox_new(const cg_outbox_config *cfg, char *err, size_t errcap);
/* Stops the delivery thread (after its current job); undelivered rows stay
 * pending for the next monitor. */
void cg_outbox_free(cg_outbox *ob);

/* Delivers what is due: completions of the delivery thread marked done
 * (or put back with backoff), then due rows claimed and delivered or
 * handed to the delivery thread. 0 when the store failed (reported). */
int cg_outbox_run(cg_outbox *ob, int64_t now);

/* A cg_sink_fn for cg_monitor_on_finding (arg: the outbox), with
 * cg_outbox_sink_end for cg_monitor_on_batch_end: a stored finding's rows
 * are committed, and the batch's end claims and delivers them, once for
 * the whole commit (a claim per finding found nothing after the first);
 * one the store does not keep is printed and alerted at once, after the
 * stored ones handed on before it. */
void cg_outbox_sink(void *arg, const cg_finding *f);
void cg_outbox_sink_end(void *arg);

/* With wait: delivers everything due and waits for the delivery thread
 * to finish each job (--once); without: only the job in progress is let
 * finish (a stop), and the rest is given back for the next monitor.
 * Either way the thread is stopped. */
int cg_outbox_finish(cg_outbox *ob, int wait);

const cg_outbox_stats *cg_outbox_get0_stats(const cg_outbox *ob);

/* The delay before attempt n + 1 after n failed ones (n >= 1): 10 s
 * doubling, at most 3600 s. */
int64_t cg_outbox_backoff(int64_t failed);

#endif
