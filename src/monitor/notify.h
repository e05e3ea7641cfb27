/* What the monitor does with each finding new to the store, besides
 * printing it: open the incident draft it calls for (--incidents auto,
 * monitor/autoinc.h), then alert (monitor/alert.h) with what the store
 * knows: when the finding was first recorded and its incident. Register
 * cg_notify_sink with cg_monitor_on_finding: it runs after each commit,
 * once per finding new to the store, never for a repeat. A failure (a hook,
 * the store while opening a draft) is reported and counted; it never stops
 * the monitor. */
#ifndef CAGUARD_MONITOR_NOTIFY_H
#define CAGUARD_MONITOR_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/alert.h"
#include "rules/rules.h"
#include "store/store.h"

typedef struct cg_notify_stats {
    size_t findings;         /* given to the sink */
    size_t incidents_opened;  /* drafts opened */
    size_t incidents_added;   /* objects added to an open incident of their serial */
    size_t incidents_already; /* findings whose object an open incident held already */
    size_t incident_failures;
    size_t alert_failures;   /* findings some alert channel failed for */
} cg_notify_stats;

typedef struct cg_notify cg_notify;

/* st and alert are borrowed (alert may be NULL: no alerts). report: as for
 * cg_alert_new (NULL: stderr). */
cg_notify *cg_notify_new(cg_store *st, cg_alert *alert, int auto_incidents,
                         cg_alert_report_fn report, void *report_arg);
void cg_notify_free(cg_notify *n);

/* A cg_sink_fn; arg is the cg_notify. */
void cg_notify_sink(void *arg, const cg_finding *f);

const cg_notify_stats *cg_notify_get0_stats(const cg_notify *n);

#endif
