/* The CCADB incident report template v3.2 as data (private to
 * src/incident): which sections each report has, their fields in order and
 * the columns of their tables. report.c writes from it and lint.c checks
 * against it, so the two cannot drift apart. */
#ifndef CAGUARD_INCIDENT_TEMPLATE_H
#define CAGUARD_INCIDENT_TEMPLATE_H

#include <stddef.h>

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
} cg_tfield_id;

typedef struct cg_tfield {
    cg_tfield_id id;
    const char *name; /* as the template spells it, without the colon */
    int nested;       /* a sub-bullet of the field before it */
    int parent;       /* holds nested fields and no value of its own */
    int optional;     /* "This field is optional": the lint does not ask for it */
} cg_tfield;

typedef enum {
    CG_TBODY_FIELDS, /* "- **Field:** value" bullets */
    CG_TBODY_LIST,   /* free list (Timeline): must not be empty */
    CG_TBODY_TABLE,  /* a table with these columns and at least one row */
    CG_TBODY_FREE    /* free text (Appendix): must not be empty */
} cg_tbody;

enum { CG_REPORT_PRELIMINARY = 0, CG_REPORT_FULL = 1 };

typedef struct cg_tsection {
    int report;        /* CG_REPORT_* */
    const char *title; /* the ### heading */
    cg_tbody body;
    const char *lead; /* a bold line before the fields ("Contributing Factor"), or NULL */
    const cg_tfield *fields;
    size_t n_fields;
    const char *const *columns;
    size_t n_columns;
} cg_tsection;

/* "Preliminary Incident Report", "Full Incident Report" (the ## headings). */
extern const char *const cg_report_titles[2];
extern const cg_tsection cg_report_sections[];
extern const size_t cg_report_n_sections;

#endif
