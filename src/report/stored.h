/* A finding as the store keeps it (store.h, cg_store_finding), back as the
 * cg_finding caguard check reports: named by the object as first ingested
 * (file, index, kind, issuer, serial), or for a finding about a CT log by
 * the log's URL with its log ID in the field "log"; the rule's own fields
 * from the stored JSON. caguard findings lists with it, and the monitor
 * prints and alerts its outbox's findings with it, so a finding reads the
 * same wherever it is shown. */
#ifndef CAGUARD_REPORT_STORED_H
#define CAGUARD_REPORT_STORED_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "store/store.h"

/* Fields a stored finding keeps of its own (the rest are dropped). */
#define CG_STORED_MAX_FIELDS 32

typedef struct cg_stored_view {
    cg_finding f;
    cg_objref ref;
    cg_field fields[CG_STORED_MAX_FIELDS];
    char log64[48];
    void *extra; /* the parsed JSON the fields' strings are borrowed from */
} cg_stored_view;

/* v over sf (borrowed: valid while sf and v are), with room for `reserve`
 * more fields after the stored ones (v->f.fields, v->f.n_fields). 0 when
 * sf's rule is not one this caguard knows (a newer caguard wrote it). */
int cg_stored_view_init(cg_stored_view *v, const cg_store_finding *sf, size_t reserve);
void cg_stored_view_clear(cg_stored_view *v);

/* An owned copy of a stored finding, to keep past the listing's callback. */
typedef struct cg_stored_copy {
    cg_store_finding sf;
    char *rule, *message, *extra, *file, *subject, *log_url;
    uint8_t *issuer, *serial;
} cg_stored_copy;

/* The finding with this ID: *found 0 when there is none. 0 on a store
 * error or out of memory. */
int cg_stored_get(cg_store *st, int64_t id, cg_stored_copy *out, int *found);
/* The findings with IDs ids[0..n), read in one statement: out[i] and
 * found[i] as cg_stored_get's for ids[i] (an ID may repeat). 0 on a store
 * error or out of memory, with every out[i] cleared. */
int cg_stored_get_many(cg_store *st, const int64_t *ids, size_t n, cg_stored_copy *out,
                       int *found);
void cg_stored_copy_clear(cg_stored_copy *c);

#endif
