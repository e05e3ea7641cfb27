/* The incident kinds table (kinds.def, the one place it is written down)
 * and the names caguard uses for CRL reasons, incident event types and
 * disclosure sources. docs/incident-kinds.md is generated from the table. */
#ifndef CAGUARD_INCIDENT_KINDS_H
#define CAGUARD_INCIDENT_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"
#include "util/sbuf.h"

/* RFC 5280 §5.3.1 CRLReason values; -1 is "the entry carries no reasonCode",
 * which is how a CRL says unspecified (BR §7.2.2). */
enum {
    CG_REASON_OMITTED = -1,
    CG_CRL_REASON_UNSPECIFIED = 0,
    CG_CRL_REASON_KEY_COMPROMISE = 1,
    CG_CRL_REASON_CA_COMPROMISE = 2,
    CG_CRL_REASON_AFFILIATION_CHANGED = 3,
    CG_CRL_REASON_SUPERSEDED = 4,
    CG_CRL_REASON_CESSATION_OF_OPERATION = 5,
    CG_CRL_REASON_CERTIFICATE_HOLD = 6,
    CG_CRL_REASON_REMOVE_FROM_CRL = 8,
    CG_CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
    CG_CRL_REASON_AA_COMPROMISE = 10,
};

typedef enum {
#define CG_INCIDENT_KIND(sym, name, hours, reason, ref, desc) sym,
#include "incident/kinds.def"
#undef CG_INCIDENT_KIND
    CG_IK_COUNT
} cg_incident_kind_id;

typedef struct cg_incident_kind {
    const char *name; /* the --kind value */
    int64_t window;   /* seconds from the problem report to published revocation */
    int reason;       /* required CRLReason, CG_REASON_OMITTED for no reasonCode */
    const char *reference;
    const char *description;
} cg_incident_kind;

const cg_incident_kind *cg_incident_kind_get(cg_incident_kind_id id);
/* The kind called name, or NULL. */
const cg_incident_kind *cg_incident_kind_lookup(const char *name);
/* "subscriber-request, unauthorized, ..." for error messages; static. */
const char *cg_incident_kind_names(void);

/* A window as people say it: "24 hours", "5 days"; buf of 32 bytes. */
void cg_incident_window_name(int64_t window, char *buf, size_t cap);

/* "keyCompromise" etc. (rules/crl_util.h names them); "omitted" for
 * CG_REASON_OMITTED, "unknown" for a value RFC 5280 does not define. */
const char *cg_incident_reason_name(int reason);
/* "keyCompromise (1)", or "no reasonCode (unspecified)"; buf of 48 bytes. */
void cg_incident_reason_describe(int reason, char *buf, size_t cap);

/* Event types and sources as the CLI spells them ("preliminary-report",
 * "third-party"); lookups return 1 and *out for a known name. */
const char *cg_event_type_name(cg_event_type type);
int cg_event_type_lookup(const char *name, cg_event_type *out);
const char *cg_source_name(cg_source source);
int cg_source_lookup(const char *name, cg_source *out);

/* How the tables are written (kinds_doc.h, auto.h). */
typedef enum { CG_KINDS_TEXT, CG_KINDS_MARKDOWN } cg_kinds_format;

#endif
