/* What the files of the CCADB report writer share (incident/report.c: the
 * draft, its sections and fields, the appendix; incident/report_timeline.c:
 * the Timeline section). Private to them. */
#ifndef CAGUARD_INCIDENT_REPORT_INTERNAL_H
#define CAGUARD_INCIDENT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "incident/kinds.h"
#include "incident/report.h"
#include "incident/template.h"
#include "util/sbuf.h"

/* Above this many certificates the timeline names only the first and the
 * last issuance and revocation; the appendix has them all. */
#define TIMELINE_CERTS_MAX 10

typedef struct {
    const cg_incident *inc;
    int64_t at;
    const cg_incident_kind *kind; /* NULL for an unknown kind */
    int delayed;
    cg_incident_unit *units; /* the certificates as the CCADB counts them */
    size_t n_units;
    const cg_report_opts *o;
    cg_report_facts facts; /* closure: read from the posted Full report */
} writer;

/* Each is described where report.c defines it. */
void cg_rep_put_minute(cg_sbuf *b, int64_t t);
void cg_rep_put_serial(cg_sbuf *b, const cg_incident_cert *c);
void cg_rep_put_dns_names(cg_sbuf *b, const char *names);
const char *cg_rep_what(const cg_incident_cert *c);
/* The Timeline section: the incident's events, the certificates' issuance
 * and revocation, and the deadlines, in time order, one "- minute: text"
 * line each. */
void cg_rep_write_timeline(writer *w, cg_sbuf *b);

#endif
