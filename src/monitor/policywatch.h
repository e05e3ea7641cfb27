/* The monitor's watch on the CA's CP and CPS documents: every interval,
 * the URL of each kind's version in effect is fetched. Bytes that differ
 * from the ones last seen for that same version are
 * policy.document_changed (notice: the document was edited with no new
 * version recorded, against TLS BRs §2.3's "incrementing the version
 * number"); a URL that cannot be fetched is policy.document_unreachable
 * (warning, once per spell of failures; TLS BRs §2.2 wants it available
 * 24x7). Findings are about no stored object: they go to the monitor's
 * sinks (printed, alerted), not the store; what the fetches saw is kept in
 * the store (policy_fetches), so a restart reports nothing twice. */
#ifndef CAGUARD_MONITOR_POLICYWATCH_H
#define CAGUARD_MONITOR_POLICYWATCH_H

#include "monitor/monitor.h"

struct cg_logger;
typedef struct cg_policy_watch cg_policy_watch;

/* Every interval_s seconds; log (borrowed, may be NULL) gets a line per
 * failed fetch. NULL when out of memory. Free it after the monitor. */
cg_policy_watch *cg_policy_watch_attach(cg_monitor *m, int interval_s,
                                        const struct cg_logger *log);
void cg_policy_watch_free(cg_policy_watch *w);

#endif
