/* The incident kinds document: the kinds table (kinds.h) and the
 * auto-incident table (auto.h), as `caguard incident kinds` prints them and
 * as docs/incident-kinds.md is generated. */
#ifndef CAGUARD_INCIDENT_KINDS_DOC_H
#define CAGUARD_INCIDENT_KINDS_DOC_H

#include "incident/kinds.h"
#include "util/sbuf.h"

/* The kinds table and the auto-incident table, as text or as
 * docs/incident-kinds.md. */
void cg_incident_kinds_write(cg_sbuf *out, cg_kinds_format format);

#endif
