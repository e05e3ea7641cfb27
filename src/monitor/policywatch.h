/* The monitor's watch on the CA's CP and CPS documents: every interval,
 * the URL of each kind's version in effect is fetched. Bytes that differ
 * from the ones last seen for that same version are
 * policy.document_changed (notice: the document was edited with no new
 * version recorded, against TLS BRs §2.3's "incrementing the version
 * number"); a URL that cannot be fetched is policy.document_unreachable
 * (warning, once per spell of failures; TLS BRs §2.2 wants it available
 * 24x7). Findings are stored as the document's (keyed by rule and URL),
 * with their deliveries (printing, alerts: monitor/outbox.h), in the
 * transaction that stores what the fetch saw (policy_fetches): a monitor
 * killed at any point has both or neither, and a restart reports nothing
 * twice and delivers what was left undelivered. A success resolves the
 * spell's unreachable finding; a new version recorded resolves the old
 * one's changed finding, and each further edit is a new occurrence. */
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
