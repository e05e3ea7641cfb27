#include "store/pairing.h"

#include <string.h>

typedef struct partner {
    const cg_incident_cert *c;
    int n;
    uint8_t sha256[32];
} partner;

static int partner_fn(void *arg, const cg_store_object *o)
{
    partner *p = arg;
    if ((o->kind == CG_KIND_PRECERT) == (p->c->is_precert != 0))
        return 1;
    if (o->kind != CG_KIND_PRECERT && o->kind != CG_KIND_CERT)
        return 1;
    p->n++;
    memcpy(p->sha256, o->sha256, 32);
    return 1;
}

int cg_store_incident_pair_certs(cg_store *st, cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        cg_incident_cert *c = &inc->certs[i];
        int found = 0;
        partner p = {c, 0, {0}};
        if (c->is_precert ? c->has_cert_sha : c->has_precert_sha)
            continue;
        cg_store_object *o = cg_store_get1_object(st, c->sha256, &found);
        if (o == NULL)
            continue; /* not stored: nothing to pair it with */
        int ok = o->issuer == NULL || o->serial == NULL ||
                 cg_store_objects_by_serial(st, o->issuer, o->issuer_len, o->serial, o->serial_len,
                                            partner_fn, &p);
        cg_store_object_free(o);
        if (!ok)
            return 0;
        if (p.n != 1)
            continue;
        if (c->is_precert) {
            c->has_cert_sha = 1;
            memcpy(c->cert_sha256, p.sha256, 32);
        } else {
            c->has_precert_sha = 1;
            memcpy(c->precert_sha256, p.sha256, 32);
        }
    }
    return 1;
}
