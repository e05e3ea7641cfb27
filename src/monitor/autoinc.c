/* Automatic incident drafts: autoinc.h says what. */
#include "monitor/autoinc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/auto.h"
#include "incident/certs.h"
#include "store/pairing.h"

typedef struct match {
    const char *kind;
    const cg_incident_cert *cert; /* the finding's object as an incident certificate */
    int64_t holds;                /* an open incident holding the object */
    int64_t same_serial;          /* the first open incident holding its issuer and serial */
} match;

static int is_closed(const cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_events; i++) {
        if (inc->events[i].type == CG_EVENT_CLOSURE)
            return 1;
    }
    return 0;
}

static int str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int match_fn(void *arg, const cg_incident *inc)
{
    match *m = arg;
    const uint8_t *sha = m->cert->sha256;
    if (strcmp(inc->kind, m->kind) != 0 || is_closed(inc))
        return 1;
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        if (memcmp(c->sha256, sha, 32) == 0 ||
            (c->has_precert_sha && memcmp(c->precert_sha256, sha, 32) == 0) ||
            (c->has_cert_sha && memcmp(c->cert_sha256, sha, 32) == 0)) {
            m->holds = inc->id;
            return 0;
        }
        if (m->same_serial == 0 && str_eq(c->serial_hex, m->cert->serial_hex) &&
            str_eq(c->issuer, m->cert->issuer))
            m->same_serial = inc->id;
    }
    return 1;
}

int cg_autoinc_finding(cg_store *st, const cg_finding *f, int64_t detected_at, int64_t *incident,
                       cg_autoinc_action *action, char *err, size_t errcap)
{
    const cg_incident_kind *k = cg_auto_incident_kind(f);
    cg_store_object *obj = NULL;
    cg_incident inc;
    char title[256];
    int found = 0, ok = 0, is_new = 0;

    *incident = 0;
    *action = CG_AUTOINC_NONE;
    if (k == NULL)
        return 1;
    memset(&inc, 0, sizeof(inc));
    obj = cg_store_get1_object(st, f->obj->sha256, &found);
    if (obj == NULL) {
        snprintf(err, errcap, "the finding's object is not in the store%s%s",
                 cg_store_errmsg(st)[0] != '\0' ? ": " : "", cg_store_errmsg(st));
        goto out;
    }
    if (!cg_incident_add_certs(&inc, "store", obj->der, obj->der_len, err, errcap))
        goto out;
    if (inc.n_certs != 1) {
        snprintf(err, errcap, "the stored object is not one certificate or precertificate");
        goto out;
    }
    if (!cg_store_incident_pair_certs(st, &inc))
        goto store_err;
    match m = {k->name, &inc.certs[0], 0, 0};
    if (!cg_store_incident_list(st, match_fn, &m))
        goto store_err;
    if (m.holds != 0) {
        *incident = m.holds;
        *action = CG_AUTOINC_ALREADY;
        ok = 1;
        goto out;
    }
    if (m.same_serial != 0) {
        if (!cg_store_incident_add_cert(st, m.same_serial, &inc.certs[0], &is_new))
            goto store_err;
        *incident = m.same_serial;
        *action = CG_AUTOINC_ADDED;
        ok = 1;
        goto out;
    }
    cg_auto_incident_title(f, title, sizeof(title));
    inc.kind = strdup(k->name);
    inc.title = strdup(title);
    inc.source = CG_SOURCE_SELF;
    inc.reported_at = detected_at;
    if (inc.kind == NULL || inc.title == NULL) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    if (!cg_store_incident_create(st, &inc))
        goto store_err;
    *incident = inc.id;
    *action = CG_AUTOINC_OPENED;
    ok = 1;
    goto out;
store_err:
    snprintf(err, errcap, "%s", cg_store_errmsg(st));
out:
    cg_store_object_free(obj);
    cg_incident_clear(&inc);
    return ok;
}
