/* The CCADB incident report template v3.2 as data (private to
 * src/incident): which sections each report has, their fields in order and
 * the columns of their tables. report.c writes from it and lint.c checks
 * against it, so the two cannot drift apart. */
#ifndef CAGUARD_INCIDENT_TEMPLATE_H
#define CAGUARD_INCIDENT_TEMPLATE_H

#include <stddef.h>

#include "incident/report_kind.h"

typedef enum {
    CG_TF_CCADB_ID,
    CG_TF_DESCRIPTION,
    CG_TF_TIMELINE_SUMMARY,
    CG_TF_NC_START,
    CG_TF_NC_IDENTIFIED,
    CG_TF_NC_END,
    CG_TF_POLICIES,
    CG_TF_SOURCE,
    CG_TF_TOTAL,
    CG_TF_REMAINING,
    CG_TF_TYPES,
    CG_TF_HEURISTIC,
    CG_TF_ISSUANCE_STOPPED,
    CG_TF_ANALYSIS,
    CG_TF_ADDITIONAL_CONSIDERATIONS,
    CG_TF_RCA_DESCRIPTION,
    CG_TF_RCA_TIMELINE,
    CG_TF_RCA_DETECTION,
    CG_TF_RCA_INTERACTION,
    CG_TF_RCA_METHODOLOGY,
    CG_TF_WENT_WELL,
    CG_TF_WENT_BADLY,
    CG_TF_LUCKY,
    CG_TF_LESSONS_ADDITIONAL,
    CG_TF_CLOSURE_DESCRIPTION,
    CG_TF_CLOSURE_ROOT_CAUSES,
    CG_TF_CLOSURE_REMEDIATION,
    CG_TF_CLOSURE_COMMITMENTS,
} cg_tfield_id;

typedef struct cg_tfield {
    cg_tfield_id id;
    const char *name; /* as the template spells it, without the colon */
    int nested;       /* a sub-bullet of the field before it */
    int parent;       /* holds nested fields and no value of its own */
    int optional;     /* "This field is optional": the lint does not ask for it */
    int na_ok;        /* N/A is an answer; otherwise the template requires content */
} cg_tfield;

typedef enum {
    CG_TBODY_FIELDS, /* "- **Field:** value" bullets */
    CG_TBODY_LIST,   /* free list (Timeline): must not be empty */
    CG_TBODY_TABLE,  /* a table with these columns and at least one row */
    CG_TBODY_FREE    /* free text (Appendix): must not be empty */
} cg_tbody;


typedef struct cg_tsection {
    int report;        /* CG_REPORT_* */
    const char *title; /* the ### heading */
    cg_tbody body;
    const char *lead; /* a bold line before the fields ("Contributing Factor"), or NULL */
    const cg_tfield *fields;
    size_t n_fields;
    const char *const *columns;
    size_t n_columns;
    int na_ok; /* a table or free section: N/A is an answer */
} cg_tsection;

/* "Preliminary Incident Report", "Full Incident Report" (the ## headings),
 * "Report Closure Summary" (the ### heading of the closure report). */
extern const char *const cg_report_titles[CG_REPORT_KINDS];
/* The closure report's last line, as the template words it. */
extern const char cg_report_closure_request[];

/* What a closure draft takes from the posted Full Incident Report (lint.c
 * reads it as the lint does). Strings owned, NULL when absent. */
typedef struct cg_report_action {
    char *item, *kind, *causes, *criteria, *due, *status; /* the template's columns */
} cg_report_action;

typedef struct cg_report_facts {
    char *description;                   /* Summary: Incident description */
    char **factors;                      /* Root Cause Analysis: contributing factor titles */
    size_t n_factors;
    cg_report_action *actions;           /* Action Items rows, N/A rows left out */
    size_t n_actions;
} cg_report_facts;

/* Reads the Full Incident Report in md: 0 when out of memory. */
int cg_report_read_facts(const char *md, size_t len, cg_report_facts *out);
void cg_report_facts_clear(cg_report_facts *f);
extern const cg_tsection cg_report_sections[];
extern const size_t cg_report_n_sections;

#endif
