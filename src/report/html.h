/* The dashboard: a static site written from a store (caguard report --html,
 * and caguard demo in-process). index.html leads with what is due next
 * (every open deadline of every incident, soonest first), then the sources
 * (CT logs and CRLs as the monitor last saw them), an overview per issuer,
 * the charts (findings per rule over time, revocation delay against the
 * deadline per incident, the SCT log operators mix), the incidents and the
 * findings table with its filters; each incident has a page with its
 * deadlines and its CCADB report draft (also as .md and the appendix .csv).
 * No external asset: the CSS and the one script are inline (allowed by
 * hash in each page's Content-Security-Policy), charts are inline SVG, and
 * every page works from file:// and, with less comfort, without JavaScript.
 * docs/report.md describes the pages. */
#ifndef CAGUARD_REPORT_HTML_H
#define CAGUARD_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct cg_loglist;

/* Rows of the findings table unless opts say otherwise; the counts and the
 * charts always cover every finding. */
#define CG_HTML_MAX_FINDINGS 20000

typedef struct cg_html_opts {
    int64_t at;  /* evaluation time: incident deadlines, countdowns, incident findings */
    int live;    /* 1 when `at` is the time of writing: countdowns tick on in the browser */
    const struct cg_loglist *loglist; /* SCT log ID to operator; NULL: "unknown log" */
    const char *store_name;           /* shown in the header; may be NULL */
    size_t max_findings;              /* 0: CG_HTML_MAX_FINDINGS */
    int64_t written;  /* when the pages are written (0: now); the staleness banner counts
                       * from it */
    int64_t interval; /* seconds between regenerations: the pages show a banner once they
                       * are older (0: CG_HTML_INTERVAL) */
} cg_html_opts;

/* The regeneration interval a page assumes unless told (one hour). */
#define CG_HTML_INTERVAL 3600

typedef struct cg_html_stats {
    size_t files;           /* files written into the directory */
    size_t incidents;       /* incident pages */
    int64_t objects;        /* stored objects */
    int64_t findings;       /* stored findings, open or resolved */
    size_t findings_listed; /* rows of the findings table */
    int64_t open[3];        /* open findings by severity (cg_severity) */
    int64_t scts;           /* embedded SCTs of the stored certificates */
    int64_t scts_unknown;   /* ... whose log no log list names */
} cg_html_stats;

/* Writes the dashboard of store into the directory dir: the pages are
 * written into a new directory next to it and renamed into place, so dir
 * is either the whole new site or left as it was. dir may exist when it is
 * empty or an earlier report (it holds the .caguard-report marker), which
 * is then replaced; anything else is refused. Its parent must exist.
 * stats may be NULL. Returns 1, or 0 with the reason in err. */
int cg_html_report_write(cg_store *store, const char *dir, const cg_html_opts *opts,
                         cg_html_stats *stats, char *err, size_t errcap);

#endif
