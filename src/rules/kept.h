/* A finding kept past the sink call that handed it over: the new findings
 * that ingest (store/ingest_findings.c) and the monitor's judging tasks
 * (monitor/task.c) store first and hand on only after their transaction
 * committed. The copy owns its message, extra fields and the object's
 * issuer and serial bytes; the object's file is the keeper's (borrowed, it
 * must outlive the copy). It holds no pointer into itself: an array of
 * kept findings may be moved (realloc, memcpy). */
#ifndef CAGUARD_RULES_KEPT_H
#define CAGUARD_RULES_KEPT_H

#include <stddef.h>

#include "rules/rules.h"

typedef struct cg_kept_finding {
    cg_finding f;     /* f.obj is NULL: cg_kept_finding_view sets it */
    cg_objref obj;    /* issuer and serial point to bytes of the copy's own */
    char *message;    /* f.message */
    cg_field *fields; /* f.fields, their keys and strings copied */
} cg_kept_finding;

/* Copies f into *k (zeroed first), its object named file and index (the
 * object's own, or the name it was first seen under). 1, or 0 when out of
 * memory: k then holds what was copied (cg_kept_finding_clear). */
int cg_kept_finding_set(cg_kept_finding *k, const cg_finding *f, const char *file, size_t index);

/* The finding again, as a sink takes it: *f and *ref point into k. */
void cg_kept_finding_view(const cg_kept_finding *k, cg_objref *ref, cg_finding *f);

/* Frees what k owns; k may be zeroed or partly set. */
void cg_kept_finding_clear(cg_kept_finding *k);

#endif
