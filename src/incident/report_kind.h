/* The report kinds of the CCADB templates, apart from report.h so that
 * the template as data (template.h) and the report writer (report.h) both
 * name them and neither includes the other. */
#ifndef CAGUARD_INCIDENT_REPORT_KIND_H
#define CAGUARD_INCIDENT_REPORT_KIND_H

/* The report kinds of the CCADB templates (`caguard incident report
 * --kind`). */
typedef enum {
    CG_REPORT_PRELIMINARY = 0, /* Preliminary Incident Report */
    CG_REPORT_FULL = 1,        /* Full Incident Report */
    CG_REPORT_CLOSURE = 2,     /* Closure Report: the Report Closure Summary */
    CG_REPORT_KINDS = 3
} cg_report_kind;

#endif
