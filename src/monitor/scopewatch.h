/* The monitor's side of incident.scope_incomplete: as new findings arrive
 * (a certificate with an incident's defect, say), every incident with a
 * defect is judged again by the store's one judgement
 * (cg_store_incident_scope_check, the one `caguard incident status`
 * makes); each finding is stored with its incident, those new to the store
 * go to the monitor's sinks (so the outbox prints and alerts them), and
 * the incident's open scope findings no longer reported (the certificate
 * was added to the incident, or its finding resolved) are resolved. Runs
 * as a monitor task: at start, after new findings (at most once a minute),
 * and every 5 minutes. */
#ifndef CAGUARD_MONITOR_SCOPEWATCH_H
#define CAGUARD_MONITOR_SCOPEWATCH_H

#include "monitor/monitor.h"

typedef struct cg_scope_watch cg_scope_watch;

/* Registers the sink and the task on m; NULL when out of memory. Free it
 * after the monitor. */
cg_scope_watch *cg_scope_watch_attach(cg_monitor *m);
void cg_scope_watch_free(cg_scope_watch *w);

#endif
