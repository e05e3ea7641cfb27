/* What the dashboard's files share (private to src/report/html*.c; the
 * face is html.h). One run (cg_html_run) reads everything from the store
 * first, then builds each page whole in memory (cg_sbuf) and writes it
 * into a new directory that is renamed into place at the end.
 *
 *   html.c           the run: what is read, in which order, index.html
 *   html_layout.c    page frame, CSS, script, CSP hashes, escaping,
 *                    formatters, errors and labels
 *   html_site.c      the directory: files written whole, the atomic rename
 *   html_due.c       index.html: the "due next" band and the sources panel
 *   html_overview.c  index.html: cards and the overview by issuer
 *   html_policy.c    index.html: the CP/CPS panel
 *   html_charts.c    index.html: the three charts (inline SVG)
 *   html_findings.c  index.html: the findings table and its filters
 *   html_incident.c  incident-N.html (and .md, .csv), the incidents table
 *
 * Invariants: every string that comes from the store or a person goes
 * through cg_html_esc() (or cg_html_url_comp() inside a link); the first
 * error is kept (cg_html_set_err) and the run stops writing at the next
 * check of h->failed; nothing is written before every read succeeded. */
#ifndef CAGUARD_REPORT_HTML_INTERNAL_H
#define CAGUARD_REPORT_HTML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "incident/deadlines.h"
#include "util/sbuf.h"
#include "report/html.h"
#include "rules/rules.h"
#include "store/store.h"
#include "x509/x509.h"

#define MARKER ".caguard-report" /* marks a directory as a report; lists its files */
#define NAME_MAX_TEXT 4096       /* RFC 4514 text of an issuer Name */
#define NO_ISSUER "(none)"

/* ---- the run ---- */

typedef struct cg_html_issuer {
    char *name;
    int64_t obj[5]; /* by cg_kind: certificate, precertificate, crl, input, (incident) */
    int64_t open[3];
} cg_html_issuer;

typedef struct cg_html_label {
    char *name;
    int64_t count;
    cg_severity sev; /* rules */
} cg_html_label;

typedef struct cg_html_labels {
    cg_html_label *v;
    size_t n, cap;
} cg_html_labels;

typedef struct cg_html_delay {
    int64_t id;
    char *kind;
    int has;        /* a certificate needs or needed revocation */
    int64_t delay;  /* report to revocation (or to `at`, or to notAfter) */
    int64_t window; /* the kind's */
    cg_revocation_state state;
    int64_t late_by, left;
    size_t revoked, needing;
} cg_html_delay;

/* An open deadline of an incident (the "due next" band). */
typedef struct cg_html_due {
    int64_t incident;
    char *title;      /* the incident's */
    const char *what; /* static: "revocation", "preliminary report", ... */
    int64_t due;
    size_t count; /* revocation: certificates still to revoke */
} cg_html_due;

/* A CT log or a CRL source as the store last saw it (the "sources" panel). */
typedef struct cg_html_source {
    char *url;
    int is_crl;
    int has_sth;
    uint64_t position, sth_size;
    int64_t sth_time; /* seconds */
    int64_t last_contact, failing_since;
    int64_t next_update, this_update, failures; /* CRLs */
    char *status;                               /* CRLs: the last fetch's outcome */
} cg_html_source;

typedef struct cg_html_run {
    cg_store *st;
    cg_html_opts o;
    char *err;
    size_t errcap;
    int failed; /* err says why */
    char *tmp;  /* the directory being written */
    cg_sbuf written; /* the names of the files written into it, one a line: the marker */
    cg_html_stats stats;
    cg_html_issuer *iss;
    size_t n_iss, cap_iss;
    cg_html_labels rules, fissuers, operators;
    int64_t *incident_ids;
    size_t n_inc;
    cg_html_delay *delays;
    size_t n_delays;
    cg_html_due *due;
    size_t n_due, cap_due;
    cg_html_source *src;
    size_t n_src, cap_src;
    char script_hash[64], style_hash[64];
    cg_cert cert; /* scratch for the SCT scan */
} cg_html_run;

/* ---- html_layout.c ---- */

/* Text for HTML element content and double-quoted attribute values: & < >
 * " ' as references, invalid UTF-8 and control characters as U+FFFD.
 * cg_html_esc takes NULL as nothing. */
void cg_html_esc_n(cg_sbuf *b, const char *s, size_t n);
void cg_html_esc(cg_sbuf *b, const char *s);
/* A URL query component (encodeURIComponent's set): safe in an attribute
 * as it is. */
void cg_html_url_comp(cg_sbuf *b, const char *s);
/* A span of time as people read a countdown: "45 s", "12 min", "5 h 3 min",
 * "3 days 4 h" (the sign is dropped). The page's script formats the same way. */
void cg_html_span_text(int64_t s, char *buf, size_t cap);
/* <time datetime="RFC 3339">RFC 3339</time> */
void cg_html_time_el(cg_sbuf *b, int64_t t);
/* RFC 4514 text of an issuer Name element; NO_ISSUER when p is NULL. */
void cg_html_name_text(const uint8_t *p, size_t n, char *buf, size_t cap);
/* The CSS class of a revocation state: on-time, late, overdue, expired, pending. */
const char *cg_html_state_class(cg_revocation_state s);

/* Keeps the first error only; sets h->failed. */
void cg_html_set_err(cg_html_run *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "what: " and the store's message. */
void cg_html_store_err(cg_html_run *h, const char *what);
/* Makes room for element n of *v (doubling from 16); 0 and "out of memory". */
int cg_html_grow(cg_html_run *h, void **v, size_t *cap, size_t n, size_t size);
/* Adds count to the label name (a new one at the end); NULL when out of memory. */
cg_html_label *cg_html_label_add(cg_html_run *h, cg_html_labels *l, const char *name,
                                 int64_t count);
void cg_html_labels_free(cg_html_labels *l);
/* qsort orders of cg_html_label: most counted first then by name; by name. */
int cg_html_by_count_then_name(const void *a, const void *b);
int cg_html_by_name(const void *a, const void *b);

/* The hashes of the stylesheet and the script for the pages' CSP. */
int cg_html_frame_hashes(cg_html_run *h);
/* The page up to the end of the header's meta lines (the caller adds its
 * <nav>, "</header>" and <main>); the footer, the script and the end. */
void cg_html_page_head(cg_html_run *h, cg_sbuf *b, const char *title, const char *subtitle);
void cg_html_page_tail(cg_html_run *h, cg_sbuf *b);

/* ---- html_site.c ---- */

/* Creates h->tmp next to dest (dest's parent must exist). */
int cg_html_make_tmp(cg_html_run *h, const char *dest);
/* Writes b whole and synced as h->tmp/name (a new file), counted in stats. */
int cg_html_write_file(cg_html_run *h, const char *name, const cg_sbuf *b);
/* Puts the finished h->tmp in dest's place (see html.h for what it replaces). */
int cg_html_publish(cg_html_run *h, const char *dest);
/* Removes a report directory (files only) and the directory itself. */
int cg_html_remove_tree(const char *dir);

/* ---- the pages' parts ---- */

/* Store callbacks that fill the overview's issuer rows and the stats. */
int cg_html_on_obj_count(void *arg, const uint8_t *issuer, size_t n, cg_kind kind, int64_t count);
int cg_html_on_open_count(void *arg, const uint8_t *issuer, size_t n, cg_severity sev,
                          int64_t count);
/* Sorts the issuer rows: Names, then the parenthesised labels. */
void cg_html_issuers_sort(cg_html_run *h);
/* The cards and the overview by issuer. */
void cg_html_overview(cg_html_run *h, cg_sbuf *b);
/* html_policy.c: the CP/CPS panel (nothing when none is recorded); 0 on a
 * store error (recorded in h). */
int cg_html_policy_section(cg_html_run *h, cg_sbuf *b);

/* Store callback: the embedded SCTs of a certificate by log operator. */
int cg_html_on_cert(void *arg, const cg_store_object *o);
void cg_html_chart_rules(cg_html_run *h, cg_sbuf *b);
void cg_html_chart_delays(cg_html_run *h, cg_sbuf *b);
void cg_html_chart_operators(cg_html_run *h, cg_sbuf *b);

/* ---- html_due.c: what is due next, the sources ---- */

/* Adds an open deadline to the band (title copied); 0 when out of memory. */
int cg_html_due_add(cg_html_run *h, int64_t incident, const char *title, const char *what,
                    int64_t due, size_t count);
/* The "due next" band: every open deadline, the soonest (or most overdue)
 * first, coloured by time left. */
void cg_html_due_band(cg_html_run *h, cg_sbuf *b);
/* Store callbacks that collect the sources. */
int cg_html_on_log_state(void *arg, const cg_store_log_state *st);
int cg_html_on_crl_source(void *arg, const cg_store_crl_source *src);
/* The "sources" panel: CT logs (lag, last contact, failing since) and CRLs
 * (last fetch, nextUpdate, stale). */
void cg_html_sources(cg_html_run *h, cg_sbuf *b);
void cg_html_due_free(cg_html_run *h);

/* A per-incident timeline (inline SVG): reported, the deadlines, each
 * certificate's revocation, and `at`. */
typedef struct cg_html_mark {
    int64_t t;
    const char *label; /* static */
    int kind;          /* 0 deadline, 1 revocation on time, 2 revocation late, 3 event */
} cg_html_mark;
void cg_html_chart_timeline(cg_html_run *h, cg_sbuf *b, int64_t start, const cg_html_mark *m,
                            size_t n);

/* The findings section (lists the findings; fills the rule and issuer labels). */
void cg_html_findings_section(cg_html_run *h, cg_sbuf *b);

/* Writes every incident page and fills the index's incidents table rows and
 * the delay chart's rows (h->delays). */
int cg_html_incidents(cg_html_run *h, cg_sbuf *table);

#endif
