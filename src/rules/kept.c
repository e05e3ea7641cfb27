#include "rules/kept.h"

#include <stdlib.h>
#include <string.h>

/* A copy of b's bytes, b then viewing it. A view of no bytes still points
 * somewhere: 0 only when out of memory. */
static int own_bytes(cg_cbs *b)
{
    uint8_t *d = malloc(b->len > 0 ? b->len : 1);
    if (d == NULL) {
        cg_cbs_init(b, NULL, 0);
        return 0;
    }
    if (b->len > 0)
        memcpy(d, b->data, b->len);
    cg_cbs_init(b, d, b->len);
    return 1;
}

static int copy_fields(cg_kept_finding *k, const cg_finding *f)
{
    k->f.fields = NULL;
    k->f.n_fields = 0;
    if (f->n_fields == 0)
        return 1;
    k->fields = calloc(f->n_fields, sizeof(*k->fields));
    if (k->fields == NULL)
        return 0;
    k->f.fields = k->fields;
    k->f.n_fields = f->n_fields;
    for (size_t i = 0; i < f->n_fields; i++) {
        const cg_field *from = &f->fields[i];
        k->fields[i] = *from;
        k->fields[i].key = strdup(from->key);
        k->fields[i].str = from->str != NULL ? strdup(from->str) : NULL;
        if (k->fields[i].key == NULL || (from->str != NULL && k->fields[i].str == NULL))
            return 0;
    }
    return 1;
}

int cg_kept_finding_set(cg_kept_finding *k, const cg_finding *f, const char *file, size_t index)
{
    memset(k, 0, sizeof(*k));
    k->obj = *f->obj;
    k->obj.file = file;
    k->obj.index = index;
    k->f = *f;
    k->f.obj = NULL;
    k->message = strdup(f->message);
    k->f.message = k->message;
    /* each copied whatever the one before did: clear frees what is there */
    int ok = k->message != NULL;
    ok = own_bytes(&k->obj.issuer) && ok;
    ok = own_bytes(&k->obj.serial) && ok;
    return copy_fields(k, f) && ok;
}

void cg_kept_finding_view(const cg_kept_finding *k, cg_objref *ref, cg_finding *f)
{
    *ref = k->obj;
    *f = k->f;
    f->obj = ref;
}

void cg_kept_finding_clear(cg_kept_finding *k)
{
    free((uint8_t *)k->obj.issuer.data);
    free((uint8_t *)k->obj.serial.data);
    free(k->message);
    for (size_t i = 0; i < k->f.n_fields; i++) {
        free((char *)k->fields[i].key);
        free((char *)k->fields[i].str);
    }
    free(k->fields);
    memset(k, 0, sizeof(*k));
}
