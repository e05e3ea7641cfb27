#include "incident/template.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const cg_report_titles[CG_REPORT_KINDS] = {
    "Preliminary Incident Report", "Full Incident Report", "Report Closure Summary"};

const char cg_report_closure_request[] = "All Action Items disclosed in this report have been "
                                         "completed as described, and we request its closure.";

/* {id, name, nested, parent, optional, na_ok} */

static const cg_tfield preliminary_summary[] = {
    {CG_TF_DESCRIPTION, "Incident description", 0, 0, 0, 0},
    {CG_TF_POLICIES, "Relevant policies", 0, 0, 0, 0},
    {CG_TF_SOURCE, "Source of incident disclosure", 0, 0, 0, 0},
};

static const cg_tfield full_summary[] = {
    {CG_TF_CCADB_ID, "CA Owner CCADB unique ID", 0, 0, 0, 0},
    {CG_TF_DESCRIPTION, "Incident description", 0, 0, 0, 0},
    {CG_TF_TIMELINE_SUMMARY, "Timeline summary", 0, 1, 0, 0},
    {CG_TF_NC_START, "Non-compliance start date", 1, 0, 0, 0},
    {CG_TF_NC_IDENTIFIED, "Non-compliance identified date", 1, 0, 0, 0},
    {CG_TF_NC_END, "Non-compliance end date", 1, 0, 0, 0},
    {CG_TF_POLICIES, "Relevant policies", 0, 0, 0, 0},
    {CG_TF_SOURCE, "Source of incident disclosure", 0, 0, 0, 0},
};

static const cg_tfield impact[] = {
    {CG_TF_TOTAL, "Total number of certificates", 0, 0, 0, 0},
    {CG_TF_REMAINING, "Total number of \"remaining valid\" certificates", 0, 0, 0, 0},
    {CG_TF_TYPES, "Affected certificate types", 0, 0, 0, 0},
    {CG_TF_HEURISTIC, "Incident heuristic", 0, 0, 0, 0},
    {CG_TF_ISSUANCE_STOPPED,
     "Was issuance stopped in response to this incident, and why or why not?", 0, 0, 0, 0},
    {CG_TF_ANALYSIS, "Analysis", 0, 0, 0, 1},
    {CG_TF_ADDITIONAL_CONSIDERATIONS, "Additional considerations", 0, 0, 1, 1},
};

static const cg_tfield root_cause[] = {
    {CG_TF_RCA_DESCRIPTION, "Description", 0, 0, 0, 0},
    {CG_TF_RCA_TIMELINE, "Timeline", 0, 0, 0, 0},
    {CG_TF_RCA_DETECTION, "Detection", 0, 0, 0, 0},
    {CG_TF_RCA_INTERACTION, "Interaction with other factors", 0, 0, 0, 0},
    {CG_TF_RCA_METHODOLOGY, "Root Cause Analysis methodology used", 0, 0, 1, 1},
};

/* The template writes "didn’t" with U+2019; the lint accepts either. */
static const cg_tfield lessons[] = {
    {CG_TF_WENT_WELL, "What went well", 0, 0, 0, 0},
    {CG_TF_WENT_BADLY, "What didn\xe2\x80\x99t go well", 0, 0, 0, 0},
    {CG_TF_LUCKY, "Where we got lucky", 0, 0, 0, 1},
    {CG_TF_LESSONS_ADDITIONAL, "Additional", 0, 0, 0, 1},
};

/* The Report Closure Summary (the Closure Report template). */
static const cg_tfield closure[] = {
    {CG_TF_CLOSURE_DESCRIPTION, "Incident description", 0, 0, 0, 0},
    {CG_TF_CLOSURE_ROOT_CAUSES, "Incident Root Cause(s)", 0, 0, 0, 0},
    {CG_TF_CLOSURE_REMEDIATION, "Remediation description", 0, 0, 0, 0},
    {CG_TF_CLOSURE_COMMITMENTS, "Commitment summary", 0, 0, 0, 1},
};

static const char *const related_columns[] = {"Bug", "Date", "Description"};

static const char *const action_columns[] = {
    "Action Item",         "Kind",     "Corresponding Root Cause(s)",
    "Evaluation Criteria", "Due Date", "Status",
};

const cg_tsection cg_report_sections[] = {
    {CG_REPORT_PRELIMINARY, "Summary", CG_TBODY_FIELDS, NULL, preliminary_summary,
     N(preliminary_summary), NULL, 0, 0},
    {CG_REPORT_FULL, "Summary", CG_TBODY_FIELDS, NULL, full_summary, N(full_summary), NULL, 0, 0},
    {CG_REPORT_FULL, "Impact", CG_TBODY_FIELDS, NULL, impact, N(impact), NULL, 0, 0},
    {CG_REPORT_FULL, "Timeline", CG_TBODY_LIST, NULL, NULL, 0, NULL, 0, 0},
    {CG_REPORT_FULL, "Related Incidents", CG_TBODY_TABLE, NULL, NULL, 0, related_columns,
     N(related_columns), 1},
    {CG_REPORT_FULL, "Root Cause Analysis", CG_TBODY_FIELDS, "Contributing Factor", root_cause,
     N(root_cause), NULL, 0, 0},
    {CG_REPORT_FULL, "Lessons Learned", CG_TBODY_FIELDS, NULL, lessons, N(lessons), NULL, 0, 0},
    {CG_REPORT_FULL, "Action Items", CG_TBODY_TABLE, NULL, NULL, 0, action_columns,
     N(action_columns), 0},
    {CG_REPORT_FULL, "Appendix", CG_TBODY_FREE, NULL, NULL, 0, NULL, 0, 1},
    {CG_REPORT_CLOSURE, "Report Closure Summary", CG_TBODY_FIELDS, NULL, closure, N(closure), NULL,
     0, 0},
};

const size_t cg_report_n_sections = N(cg_report_sections);
