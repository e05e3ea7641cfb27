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
#include "incident/report_kind.h"
#include "util/sbuf.h"
#include "rules/rules.h"

/* caguard's fill-in marker: a draft writes "[[FILL IN: what is asked]]"
 * where only the CA can answer; the lint reports any left in a report. */
#define CG_REPORT_FILL_MARKER "[[FILL IN"

typedef struct cg_report_opts {
    cg_report_kind kind;
    const char *owner_id;    /* the CA Owner CCADB unique ID ([ccadb] owner_id), or NULL */
    const cg_rule_id *rules; /* the incident's defect: the rules of its scope */
    size_t n_rules;
    const char *full_md; /* closure: the Full Incident Report as posted (Markdown) */
    size_t full_len;
    /* incident.scope_incomplete: the certificates with the defect that are
     * in no incident ("serial 0a1b (precertificate)"), named in Impact */
    const char *const *scope_gaps;
    size_t n_scope_gaps;
} cg_report_opts;

/* The draft of one report for inc as known at `at` (events, issuance and
 * revocations after `at` are left out): every section and field of the
 * template, what caguard knows filled in (counts, dates, the Timeline, the
 * Appendix, the affected certificate types, the heuristic from the defect
 * rules, the facts of a delayed revocation), N/A where the field does not
 * apply, the fill-in marker where only the CA can answer. Times are UTC to
 * the minute. A closure draft is refused (0, the reason in err) without the
 * posted Full Incident Report, or while one of its Action Items is not
 * Complete or Canceled (each named). Returns 1, or 0. */
int cg_incident_report_draft(const cg_incident *inc, int64_t at, const cg_report_opts *o,
                             cg_sbuf *out, char *err, size_t errcap);

/* The kind named "preliminary", "full" or "closure": 1 and *kind, or 0. */
int cg_report_kind_lookup(const char *name, cg_report_kind *kind);

/* The appendix CSV: a header with the template's columns in order
 * (Precertificate SHA-256 hash ... Revocation reason), then one row per
 * certificate (a precertificate and its final certificate share a row).
 * RFC 4180: CRLF line ends, fields with , " CR or LF quoted. */
void cg_incident_appendix_csv(const cg_incident *inc, int64_t at, cg_sbuf *out);

/* Reports incident.report_incomplete on obj for every section, field or
 * table column of the template that the report lacks, leaves empty, leaves
 * N/A where the template requires content, or leaves with caguard's
 * fill-in marker; for each Action Item without a Kind (Prevent, Detect,
 * Mitigate), Corresponding Root Cause(s), Evaluation Criteria, a Due Date
 * that is a date, or a Status of the template's values; and for each Root
 * Cause Analysis contributing factor that no Action Item names. Each
 * message names what it is about. Each Preliminary Incident Report, Full
 * Incident Report or Report Closure Summary heading found is checked
 * against its template; a text with none is checked as a Full report.
 * Returns the number of findings (0: complete). */
int cg_incident_lint(const char *markdown, size_t len, cg_ctx *ctx, const cg_objref *obj);

/* The template's "Is revoked?" of a certificate at `at`, as the draft's
 * appendix writes it: "Yes", "Planned", "Delayed" or "N/A" (expired). */
const char *cg_incident_unit_revoked_word(const cg_incident *inc, const cg_incident_unit *u,
                                          int64_t at);

/* The object of a unit seen revoked on a CRL by `at` (its certificate
 * first, else its precertificate), or NULL. */
const cg_incident_cert *cg_incident_unit_revoked(const cg_incident_unit *u, int64_t at);

/* Whether text is the CCADB's Appendix CSV (it starts with the template's
 * header: "Precertificate SHA-256 hash,Certificate SHA-256 hash,..."). */
int cg_incident_appendix_csv_is(const char *text, size_t len);

/* Reports incident.report_inconsistent on obj where a report (a draft, or
 * the report as filed, or its Appendix CSV alone) contradicts what the
 * store knows of inc at `at`: the "Total number of certificates" against
 * the incident's certificates counted by issuer and serial; each appendix
 * row's serial that is none of the incident's, each certificate of the
 * incident the appendix leaves out (when it lists serials at all), each
 * row's "revoked:" / "Is revoked?" against the CRLs caguard saw
 * (cg_incident_unit_revoked_word), and the revocation date and reason a
 * row gives against the CRL entry (revocationDate within a day, or an hour
 * when a time is written; the reasonCode, none being unspecified).
 * Returns the number of findings, or -1 when out of memory. */
int cg_incident_report_consistency(const char *markdown, size_t len, const cg_incident *inc,
                                   int64_t at, cg_ctx *ctx, const cg_objref *obj);

#endif
