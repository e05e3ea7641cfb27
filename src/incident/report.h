/* CCADB incident reports (Incident Reporting Guidelines v3.2): the Markdown
 * report with everything caguard knows filled in, the appendix CSV, and a
 * lint for reports a person edited. The section and field names are kept
 * once, in report.c's template table, for both the writer and the lint.
 * Pure: text goes to a cg_sbuf, findings to a cg_ctx. */
#ifndef CAGUARD_INCIDENT_REPORT_H
#define CAGUARD_INCIDENT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"
#include "incident/sbuf.h"
#include "rules/rules.h"

/* The Preliminary and the Full Incident Report for inc as known at `at`
 * (events, issuance and revocations after `at` are left out). Every field
 * of the template is present; what caguard cannot know is "N/A". Times are
 * UTC to the minute. */
void cg_incident_report_markdown(const cg_incident *inc, int64_t at, cg_sbuf *out);

/* The appendix CSV: a header with the template's columns in order
 * (Precertificate SHA-256 hash ... Revocation reason), then one row per
 * certificate (a precertificate and its final certificate share a row).
 * RFC 4180: CRLF line ends, fields with , " CR or LF quoted. */
void cg_incident_appendix_csv(const cg_incident *inc, int64_t at, cg_sbuf *out);

/* Reports incident.report_incomplete on obj for every section, field or
 * table column of the template that the report lacks, or leaves empty
 * (not applicable is written N/A); each message names it. Each Preliminary
 * or Full Incident Report heading found is checked against its template; a
 * text with neither is checked as a Full report. Returns the number of
 * findings (0: complete). */
int cg_incident_lint(const char *markdown, size_t len, cg_ctx *ctx, const cg_objref *obj);

#endif
