/* `caguard monitor --incidents auto`: a self-reported incident draft for
 * each new finding that calls for revocation (incident/auto.def says which
 * rules, and of which kind). The draft has source self, reported_at = the
 * detection time, a title naming the rule and the object ("auto: ..."),
 * no events, and the certificate or precertificate the finding is about
 * (paired with its partner from the store when there is exactly one).
 *
 * One problem, one incident: among the open incidents (no closure event)
 * of the same kind,
 *   - one that holds the object already (as one of its certificates, or as
 *     the recorded partner of one) takes the finding: nothing is written;
 *   - else one that holds a certificate of the same issuer and serial (the
 *     precertificate of this certificate, the other of two precertificates
 *     for one serial) gets the object added to it;
 *   - else a new draft is opened. */
#ifndef CAGUARD_MONITOR_AUTOINC_H
#define CAGUARD_MONITOR_AUTOINC_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "store/store.h"

typedef enum {
    CG_AUTOINC_NONE = 0, /* the finding calls for no incident */
    CG_AUTOINC_OPENED,   /* a new draft */
    CG_AUTOINC_ADDED,    /* the object was added to an open incident of its serial */
    CG_AUTOINC_ALREADY   /* an open incident held the object already */
} cg_autoinc_action;

/* For one finding new to the store (committed). Returns 1 with *action and
 * *incident (0 for CG_AUTOINC_NONE); 0 with err on a store error or an
 * object the store does not hold or cannot read. */
int cg_autoinc_finding(cg_store *st, const cg_finding *f, int64_t detected_at, int64_t *incident,
                       cg_autoinc_action *action, char *err, size_t errcap);

#endif
