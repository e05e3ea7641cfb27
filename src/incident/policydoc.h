/* CP and CPS documents as data, and the TLS BRs §2.3 rule that holds a CA
 * to them: "The CA SHALL develop, implement, enforce, and annually update a
 * Certificate Policy and/or Certification Practice Statement ... The CA
 * SHALL indicate conformance with this requirement by incrementing the
 * version number and adding a dated changelog entry". Each version the CA
 * records (`caguard policy add`) has a kind (cp, cps, cp-cps), a URL, a
 * version and the date it takes effect; per kind, the version in effect at
 * `at` must be followed by a newer one within 365 days:
 * policy.review_overdue (error) once it is not, policy.review_due (warning)
 * in the 30 days before. Pure: findings to a cg_ctx; the store keeps the
 * documents, the monitor fetches their URLs. */
#ifndef CAGUARD_INCIDENT_POLICYDOC_H
#define CAGUARD_INCIDENT_POLICYDOC_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#define CG_PDOC_REVIEW_WINDOW (365 * 86400)
#define CG_PDOC_REVIEW_WARNING (30 * 86400)

typedef enum { CG_PDOC_CP = 0, CG_PDOC_CPS = 1, CG_PDOC_CP_CPS = 2, CG_PDOC_KINDS } cg_pdoc_kind;

typedef struct cg_pdoc {
    int64_t id;
    cg_pdoc_kind kind;
    char *url;         /* owned */
    char *version;     /* owned */
    int64_t effective; /* when it takes effect */
    int64_t added_at;  /* when it was recorded */
} cg_pdoc;

/* "cp", "cps", "cp-cps"; 1 when name is one of them. */
int cg_pdoc_kind_lookup(const char *name, cg_pdoc_kind *kind);
const char *cg_pdoc_kind_name(cg_pdoc_kind kind);
/* "CP", "CPS", "CP/CPS": as the findings name it. */
const char *cg_pdoc_kind_title(cg_pdoc_kind kind);

/* The version of `kind` in effect at `at`: the latest effective at or
 * before it (of equal dates, the one recorded last); NULL when none. */
const cg_pdoc *cg_pdoc_current(const cg_pdoc *docs, size_t n, cg_pdoc_kind kind, int64_t at);

/* The §2.3 rule on every kind recorded, at ctx->at. Findings are about the
 * current version (kind CG_KIND_INPUT, file its URL). Returns their
 * number. */
int cg_pdoc_check(cg_ctx *ctx, const cg_pdoc *docs, size_t n);

void cg_pdoc_clear(cg_pdoc *d);

#endif
