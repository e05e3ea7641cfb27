/* The CRL watcher (crlwatch.h), its open incidents: after a round that
 * brought a new CRL, each open incident's certificates as the stored CRLs
 * now show them (revoked, when, why), so that the deadlines are judged on
 * what the CA's CRLs say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/crlwatch_internal.h"
#include "store/store.h"
#include "x509/time.h"

/* ---- open incidents ---- */

/* Whether the incident has its closure event. */
static int is_closed(const cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_events; i++) {
        if (inc->events[i].type == CG_EVENT_CLOSURE)
            return 1;
    }
    return 0;
}

/* Records in each open incident's certificate rows what the stored CRLs
 * now say of their revocation (cg_store_incident_observe_revocations). */
int cg_crlw_update_incidents(cg_crlwatch *w)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int ok = 1;
    if (!cg_store_incident_ids(w->st, &ids, &n))
        ok = cg_crlw_store_fail(w, "listing incidents");
    for (size_t i = 0; ok && i < n; i++) {
        cg_incident inc;
        int found = 0;
        memset(&inc, 0, sizeof(inc));
        int got = cg_store_incident_get(w->st, ids[i], &inc, &found);
        if (!got && found)
            ok = cg_crlw_store_fail(w, "reading an incident");
        if (!got || !found || is_closed(&inc)) {
            cg_incident_clear(&inc);
            continue;
        }
        cg_incident_cert *old = malloc((inc.n_certs > 0 ? inc.n_certs : 1) * sizeof(*old));
        if (old == NULL) {
            snprintf(w->err, sizeof(w->err), "out of memory");
            cg_incident_clear(&inc);
            ok = 0;
            break;
        }
        if (inc.n_certs > 0)
            memcpy(old, inc.certs, inc.n_certs * sizeof(*old));
        if (!cg_store_incident_observe_revocations(w->st, &inc)) {
            ok = cg_crlw_store_fail(w, "reading revocations");
        } else if (!cg_store_begin(w->st)) {
            ok = cg_crlw_store_fail(w, "updating an incident");
        } else {
            size_t changed = 0;
            for (size_t c = 0; ok && c < inc.n_certs; c++) {
                const cg_incident_cert *a = &old[c], *b = &inc.certs[c];
                if (a->revoked == b->revoked && a->revocation_date == b->revocation_date &&
                    a->published_at == b->published_at && a->reason == b->reason)
                    continue;
                if (!cg_store_incident_add_cert(w->st, inc.id, b, NULL))
                    ok = 0;
                changed++;
            }
            if (ok && cg_store_commit(w->st)) {
                w->stats.incident_certs += changed;
                for (size_t c = 0; c < inc.n_certs; c++) {
                    const cg_incident_cert *a = &old[c], *b = &inc.certs[c];
                    char pub[32];
                    if (b->revoked && (!a->revoked || a->published_at != b->published_at)) {
                        cg_time_format(b->published_at, pub, sizeof(pub));
                        cg_crlw_say(
                            w, 0, NULL,
                            "incident %lld: certificate serial %s first seen revoked on a CRL "
                            "at %s",
                            (long long)inc.id, b->serial_hex != NULL ? b->serial_hex : "?", pub);
                    }
                }
            } else {
                ok = cg_crlw_store_fail(w, "updating an incident");
                cg_store_rollback(w->st);
            }
        }
        free(old);
        cg_incident_clear(&inc);
    }
    free(ids);
    return ok;
}
