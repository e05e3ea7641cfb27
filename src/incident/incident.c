#include "incident/incident.h"

#include <stdlib.h>
#include <string.h>

void cg_incident_clear(cg_incident *inc)
{
    if (inc == NULL)
        return;
    free(inc->kind);
    free(inc->title);
    for (size_t i = 0; i < inc->n_events; i++)
        free(inc->events[i].note);
    free(inc->events);
    for (size_t i = 0; i < inc->n_certs; i++) {
        free(inc->certs[i].serial_hex);
        free(inc->certs[i].issuer);
        free(inc->certs[i].subject);
        free(inc->certs[i].dns_names);
    }
    free(inc->certs);
    for (size_t i = 0; i < inc->n_rules; i++)
        free(inc->rules[i]);
    free(inc->rules);
    memset(inc, 0, sizeof(*inc));
}

const cg_incident_cert *cg_incident_unit_main(const cg_incident_unit *u)
{
    return u->cert != NULL ? u->cert : u->precert;
}

static int keyed(const cg_incident_cert *c)
{
    return c->issuer != NULL && c->serial_hex != NULL && c->serial_hex[0] != '\0';
}

/* Keyed objects by issuer, serial, then position. */
static int by_key(const cg_incident_cert *v, size_t i, size_t j)
{
    int r = strcmp(v[i].issuer, v[j].issuer);
    if (r == 0)
        r = strcmp(v[i].serial_hex, v[j].serial_hex);
    if (r == 0)
        r = i < j ? -1 : i > j;
    return r;
}

/* A merge sort of indexes into certs (qsort has no context argument). */
static void sort_idx(size_t *v, size_t *tmp, size_t n, const cg_incident_cert *certs)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_idx(v, tmp, h, certs);
    sort_idx(v + h, tmp, n - h, certs);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = by_key(certs, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[o++] = v[i++];
    while (j < n)
        tmp[o++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

/* The index of the object in certs with this SHA-256 and precert flag, or n. */
static size_t find_sha(const cg_incident *inc, const uint8_t sha[32], int is_precert)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        if ((inc->certs[i].is_precert != 0) == is_precert &&
            memcmp(inc->certs[i].sha256, sha, 32) == 0)
            return i;
    }
    return inc->n_certs;
}

int cg_incident_units(const cg_incident *inc, cg_incident_unit **units, size_t *n)
{
    size_t nc = inc->n_certs, nk = 0, nu = 0;
    size_t *idx = NULL, *tmp = NULL, *uid = NULL, *first = NULL;
    cg_incident_unit *out = NULL;
    int ok = 0;
    *units = NULL;
    *n = 0;
    if (nc == 0)
        return 1;
    idx = malloc(nc * sizeof(*idx));
    tmp = malloc(nc * sizeof(*tmp));
    uid = malloc(nc * sizeof(*uid));
    first = malloc(nc * sizeof(*first)); /* unit number -> its first object */
    if (idx == NULL || tmp == NULL || uid == NULL || first == NULL)
        goto out;
    for (size_t i = 0; i < nc; i++) {
        uid[i] = (size_t)-1;
        if (keyed(&inc->certs[i]))
            idx[nk++] = i;
    }
    sort_idx(idx, tmp, nk, inc->certs);
    /* Equal keys share a group, named by its smallest index (sorted first). */
    for (size_t k = 0; k < nk; k++) {
        size_t i = idx[k];
        if (k > 0 && strcmp(inc->certs[i].issuer, inc->certs[idx[k - 1]].issuer) == 0 &&
            strcmp(inc->certs[i].serial_hex, inc->certs[idx[k - 1]].serial_hex) == 0)
            uid[i] = uid[idx[k - 1]];
        else
            uid[i] = i;
    }
    /* Objects without a key join the object their SHA-256 link names. */
    for (size_t i = 0; i < nc; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        size_t j = nc;
        if (uid[i] != (size_t)-1)
            continue;
        if (c->is_precert && c->has_cert_sha)
            j = find_sha(inc, c->cert_sha256, 0);
        else if (!c->is_precert && c->has_precert_sha)
            j = find_sha(inc, c->precert_sha256, 1);
        if (j < nc && uid[j] != (size_t)-1) {
            uid[i] = uid[j];
        } else {
            uid[i] = i;
            if (j < nc && j > i)
                uid[j] = i; /* a keyless object later on joins this one */
        }
    }
    /* Units in the order of their first object: a group is named by its
     * first object, so a unit starts where uid[i] == i. */
    out = calloc(nc, sizeof(*out));
    if (out == NULL)
        goto out;
    for (size_t i = 0; i < nc; i++) {
        if (uid[i] == i)
            first[i] = nu++;
    }
    for (size_t i = 0; i < nc; i++) {
        cg_incident_unit *u = &out[first[uid[i]]];
        const cg_incident_cert *c = &inc->certs[i];
        u->n_objects++;
        if (c->is_precert && u->precert == NULL)
            u->precert = c;
        else if (!c->is_precert && u->cert == NULL)
            u->cert = c;
    }
    *units = out;
    *n = nu;
    out = NULL;
    ok = 1;
out:
    free(out);
    free(idx);
    free(tmp);
    free(uid);
    free(first);
    return ok;
}
