/* Which findings open an incident by themselves (`caguard monitor
 * --incidents auto`), and of which kind: the table in auto.def. Pure: the
 * monitor (monitor/autoinc.h) does the store work. */
#ifndef CAGUARD_INCIDENT_AUTO_H
#define CAGUARD_INCIDENT_AUTO_H

#include "incident/kinds.h"
#include "util/sbuf.h"
#include "rules/rules.h"

typedef struct cg_auto_incident {
    cg_rule_id rule;
    cg_incident_kind_id kind;
    const char *why;
} cg_auto_incident;

/* The entry for rule, or NULL when its findings open no incident. */
const cg_auto_incident *cg_auto_incident_for(cg_rule_id rule);
/* The kind a new finding calls for: NULL unless the rule is in the table,
 * the finding is an error about a certificate or precertificate that was
 * decoded (has its SHA-256), and it belongs to no incident yet. */
const cg_incident_kind *cg_auto_incident_kind(const cg_finding *f);

/* Table entries in order; n gets their number. */
const cg_auto_incident *cg_auto_incident_table(size_t *n);

/* The table as text or Markdown (a section of docs/incident-kinds.md). */
void cg_auto_incidents_write(cg_sbuf *out, cg_kinds_format format);

/* The title of a draft: "auto: RULE on KIND serial SERIAL (sha256
 * 0123456789abcdef...)". buf of 256 bytes is enough. */
void cg_auto_incident_title(const cg_finding *f, char *buf, size_t cap);

#endif
