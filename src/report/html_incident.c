/* The incidents (html_internal.h): one page per incident (its kind,
 * deadlines with countdowns, the incident rules' findings at the
 * evaluation time, certificates, events and the CCADB report draft, with
 * the draft's .md and appendix .csv beside it), and for index.html the
 * incidents table and the rows of the revocation delay chart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/report.h"
#include "report/html_internal.h"
#include "util/redact.h"
#include "x509/time.h"

typedef struct inc_view {
    const cg_incident_kind *kind;
    int closed;
    int64_t prelim_due, full_due;
    int has_prelim, has_full;
    int64_t prelim_at, full_at;
    int has_update;
    int64_t update_since, update_due;
    const char *update_why;
    /* by certificate as the CCADB counts them: a precertificate and its
     * certificate are one */
    size_t n_units, revoked, late, overdue, pending, on_time, expired;
} inc_view;

/* The incident's certificates by issuer and serial (the first object of
 * each: its certificate, else its precertificate), into *out (freed by the
 * caller). 0 when out of memory. */
static int unit_objects(const cg_incident *inc, const cg_incident_cert ***out, size_t *n)
{
    cg_incident_unit *u = NULL;
    *out = NULL;
    if (!cg_incident_units(inc, &u, n))
        return 0;
    if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
        free(u);
        return 0;
    }
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = cg_incident_unit_main(&u[i]);
    free(u);
    return 1;
}

static int view_incident(const cg_incident *inc, int64_t at, inc_view *v)
{
    int64_t last_closure = -1, last_question = -1;
    const cg_incident_cert **units;
    memset(v, 0, sizeof(*v));
    if (!unit_objects(inc, &units, &v->n_units))
        return 0;
    v->kind = cg_incident_kind_lookup(inc->kind);
    v->prelim_due = inc->reported_at + CG_PRELIMINARY_REPORT_WINDOW;
    v->full_due = inc->reported_at + CG_FULL_REPORT_WINDOW;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if (ev->at > at)
            continue;
        if ((ev->type == CG_EVENT_PRELIMINARY_REPORT || ev->type == CG_EVENT_FULL_REPORT) &&
            (!v->has_prelim || ev->at < v->prelim_at)) {
            v->has_prelim = 1;
            v->prelim_at = ev->at;
        }
        if (ev->type == CG_EVENT_FULL_REPORT && (!v->has_full || ev->at < v->full_at)) {
            v->has_full = 1;
            v->full_at = ev->at;
        }
        if (ev->type == CG_EVENT_CLOSURE && ev->at > last_closure)
            last_closure = ev->at;
        if (ev->type == CG_EVENT_QUESTION && ev->at > last_question)
            last_question = ev->at;
    }
    /* Closed by a closure report, reopened by a question after it (as the
     * update deadline counts). */
    v->closed = last_closure >= 0 && last_question <= last_closure;
    v->has_update =
        cg_incident_update_due(inc, at, &v->update_since, &v->update_due, &v->update_why);
    for (size_t i = 0; i < v->n_units && v->kind != NULL; i++) {
        cg_revocation_eval e;
        if (!cg_incident_revocation_eval(inc, units[i], at, &e))
            continue;
        switch (e.state) {
        case CG_REVOCATION_ON_TIME:
            v->on_time++;
            v->revoked++;
            break;
        case CG_REVOCATION_LATE:
            v->late++;
            v->revoked++;
            break;
        case CG_REVOCATION_OVERDUE:
            v->overdue++;
            break;
        case CG_REVOCATION_EXPIRED:
            v->expired++;
            break;
        default:
            v->pending++;
            break;
        }
    }
    free(units);
    return 1;
}

/* The revocation delay of an incident: its slowest certificate. */
static int delay_of(const cg_incident *inc, int64_t at, cg_html_delay *d)
{
    const cg_incident_kind *k = cg_incident_kind_lookup(inc->kind);
    const cg_incident_cert **units;
    size_t n;
    memset(d, 0, sizeof(*d));
    d->id = inc->id;
    if (k == NULL)
        return 1;
    if (!unit_objects(inc, &units, &n))
        return 0;
    d->window = k->window;
    for (size_t i = 0; i < n; i++) {
        cg_revocation_eval e;
        int64_t end;
        if (!cg_incident_revocation_eval(inc, units[i], at, &e) ||
            e.state == CG_REVOCATION_EXPIRED)
            continue;
        d->needing++;
        switch (e.state) {
        case CG_REVOCATION_ON_TIME:
        case CG_REVOCATION_LATE:
            end = e.revoked_at;
            d->revoked++;
            break;
        case CG_REVOCATION_OVERDUE:
            end = e.deadline + e.late_by;
            break;
        default:
            end = at;
            break;
        }
        int64_t delay = end - inc->reported_at;
        if (delay < 0)
            delay = 0;
        /* the worst state wins, then the longest delay */
        static const int rank[] = {[CG_REVOCATION_PENDING] = 1,
                                   [CG_REVOCATION_ON_TIME] = 0,
                                   [CG_REVOCATION_LATE] = 2,
                                   [CG_REVOCATION_OVERDUE] = 3,
                                   [CG_REVOCATION_EXPIRED] = 0};
        if (!d->has || rank[e.state] > rank[d->state] ||
            (rank[e.state] == rank[d->state] && delay > d->delay)) {
            d->has = 1;
            d->state = e.state;
            d->delay = delay;
            d->late_by = e.late_by;
            d->left = e.left;
        }
    }
    free(units);
    return 1;
}

/* A deadline as a table row: due, done, status (countdown). */
static void deadline_row(cg_html_run *h, cg_sbuf *b, const char *id, const char *what, int64_t due,
                         int done, int64_t done_at, const char *note)
{
    char s[48];
    cg_sbuf_printf(b, "<tr id=\"dl-%s\"><th scope=\"row\">", id);
    cg_html_esc(b, what);
    cg_sbuf_puts(b, "</th><td class=\"nowrap\" data-label=\"Due\">");
    cg_html_time_el(b, due);
    cg_sbuf_puts(b, "</td><td data-label=\"Status\">");
    if (done) {
        cg_html_span_text(done_at - due, s, sizeof(s));
        if (done_at <= due)
            cg_sbuf_printf(b, "<span class=\"met\">met</span>: ");
        else
            cg_sbuf_printf(b, "<span class=\"missed\">missed</span>: ");
        cg_html_time_el(b, done_at);
        cg_sbuf_printf(b, " (%s %s the deadline)", s, done_at <= due ? "before" : "after");
    } else if (h->o.at <= due) {
        cg_html_span_text(due - h->o.at, s, sizeof(s));
        cg_sbuf_printf(b, "<span class=\"due\" data-due=\"%lld\">due in %s</span>", (long long)due,
                       s);
    } else {
        cg_html_span_text(h->o.at - due, s, sizeof(s));
        cg_sbuf_printf(b, "<span class=\"missed\" data-due=\"%lld\">overdue by %s</span>",
                       (long long)due, s);
    }
    if (note != NULL) {
        cg_sbuf_puts(b, " <span class=\"note\">");
        cg_html_esc(b, note);
        cg_sbuf_puts(b, "</span>");
    }
    cg_sbuf_puts(b, "</td></tr>\n");
}

typedef struct inc_sink {
    cg_sbuf *b;
    const cg_incident *inc;
    size_t n;
} inc_sink;

static void on_incident_finding(void *arg, const cg_finding *f)
{
    inc_sink *s = arg;
    const cg_rule *r = cg_rule_get(f->rule);
    const char *sev = cg_severity_name(r->severity);
    cg_sbuf *b = s->b;
    s->n++;
    cg_sbuf_printf(b,
                   "<tr data-rule=\"%s\" data-severity=\"%s\"><td class=\"sev sev-%s\">%s</td>"
                   "<td class=\"mono\">%s</td><td class=\"nowrap\">",
                   r->id, sev, sev, sev, r->id);
    if (f->obj->kind == CG_KIND_INCIDENT || f->obj->index >= s->inc->n_certs) {
        cg_sbuf_puts(b, "the incident");
    } else {
        const cg_incident_cert *c = &s->inc->certs[f->obj->index];
        cg_sbuf_printf(b, "%s ", c->is_precert ? "precertificate" : "certificate");
        cg_html_esc(b, c->serial_hex);
    }
    cg_sbuf_puts(b, "</td><td class=\"msg\">");
    cg_html_esc(b, f->message);
    cg_sbuf_puts(b, "</td></tr>\n");
}

/* The gaps named as `caguard incident report` names them in Impact. */
typedef struct {
    char **v;
    size_t n;
    int failed;
} gap_names;

static int gap_name(void *arg, const cg_store_scope_gap *g)
{
    gap_names *gn = arg;
    char sha[65], buf[256];
    char **v = realloc(gn->v, (gn->n + 1) * sizeof(*v));
    if (v == NULL) {
        gn->failed = 1;
        return 0;
    }
    gn->v = v;
    cg_hex(g->sha256, 32, sha);
    snprintf(buf, sizeof(buf), "serial %s (%s, sha256 %.16s...)", g->serial_hex,
             cg_kind_name(g->kind), sha);
    if ((gn->v[gn->n] = strdup(buf)) == NULL) {
        gn->failed = 1;
        return 0;
    }
    gn->n++;
    return 1;
}

static int gap_row(void *arg, const cg_store_scope_gap *g)
{
    cg_sbuf *b = arg;
    char sha[65];
    cg_hex(g->sha256, 32, sha);
    cg_sbuf_printf(b,
                   "<tr><td>%s</td><td class=\"mono\">%s</td><td class=\"mono\">%s</td>"
                   "<td class=\"mono\">",
                   cg_kind_name(g->kind), g->serial_hex, sha);
    cg_html_esc(b, g->rule);
    cg_sbuf_puts(b, "</td></tr>\n");
    return 1;
}

/* The incident's defect and the certificates with it that are in no
 * incident (incident.scope_incomplete). */
static int scope_section(cg_html_run *h, cg_sbuf *b, const cg_incident *inc)
{
    cg_sbuf rows = CG_SBUF_INIT;
    cg_sbuf_puts(b, "<section id=\"scope\">\n<h2>Scope</h2>\n<p>Defect: ");
    for (size_t i = 0; i < inc->n_rules; i++) {
        cg_sbuf_puts(b, i == 0 ? "<code>" : ", <code>");
        cg_html_esc(b, inc->rules[i]);
        cg_sbuf_puts(b, "</code>");
    }
    if (inc->n_rules == 0)
        cg_sbuf_puts(b, "no rule recorded (<code>caguard incident scope ID --rule RULE</code>)");
    cg_sbuf_puts(b, "</p>\n");
    if (!cg_store_incident_scope_gaps(h->st, inc, gap_row, &rows)) {
        cg_sbuf_free(&rows);
        cg_html_store_err(h, "reading an incident's scope");
        return 0;
    }
    if (rows.len > 0) {
        cg_sbuf_puts(b, "<p class=\"missed\" id=\"scope-gaps\">Certificates with the same defect "
                        "in no incident (incident.scope_incomplete): add them with "
                        "<code>caguard incident add</code>.</p>\n<div class=\"scroll\"><table "
                        "id=\"scope-table\">\n<thead><tr><th>Kind</th><th>Serial</th>"
                        "<th>SHA-256</th><th>Rule</th></tr></thead>\n<tbody>\n");
        cg_sbuf_append(b, cg_sbuf_str(&rows), rows.len);
        cg_sbuf_puts(b, "</tbody>\n</table></div>\n");
    } else {
        cg_sbuf_puts(b, "<p class=\"note\">No certificate with the defect outside an "
                        "incident.</p>\n");
    }
    cg_sbuf_free(&rows);
    cg_sbuf_puts(b, "</section>\n");
    return 1;
}

/* The incident's timeline: reported, its deadlines, each certificate's
 * revocation (on time or late) and the evaluation time. */
static int timeline(cg_html_run *h, cg_sbuf *b, const cg_incident *inc, const inc_view *v,
                    const cg_incident_cert **units, size_t n_units)
{
    size_t n = 0, cap = n_units + 8;
    cg_html_mark *m = calloc(cap, sizeof(*m));
    if (m == NULL) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    if (v->kind != NULL)
        m[n++] = (cg_html_mark){inc->reported_at + v->kind->window, "revocation deadline", 0};
    m[n++] = (cg_html_mark){v->prelim_due, "preliminary report due", 0};
    m[n++] = (cg_html_mark){v->full_due, "full report due", 0};
    if (v->has_update)
        m[n++] = (cg_html_mark){v->update_due, "next update due", 0};
    if (v->has_prelim)
        m[n++] = (cg_html_mark){v->prelim_at, "preliminary report posted", 3};
    if (v->has_full)
        m[n++] = (cg_html_mark){v->full_at, "full report posted", 3};
    for (size_t i = 0; i < n_units && v->kind != NULL; i++) {
        cg_revocation_eval e;
        if (!cg_incident_revocation_eval(inc, units[i], h->o.at, &e))
            continue;
        if (e.state == CG_REVOCATION_ON_TIME)
            m[n++] = (cg_html_mark){e.revoked_at, "revoked on time", 1};
        else if (e.state == CG_REVOCATION_LATE)
            m[n++] = (cg_html_mark){e.revoked_at, "revoked late", 2};
    }
    cg_html_chart_timeline(h, b, inc->reported_at, m, n);
    free(m);
    return !h->failed;
}

/* The incident's Bugzilla bug, when it is followed on one: a fact after
 * the title. 0 on a store error. */
static int bug_fact(cg_html_run *h, cg_sbuf *b, const cg_incident *inc)
{
    cg_store_bug bug;
    int found = 0;
    memset(&bug, 0, sizeof(bug));
    if (!cg_store_bug_get(h->st, inc->id, &bug, &found))
        return 0;
    if (found) {
        char shown[2048];
        cg_redact(bug.url, shown, sizeof(shown));
        cg_sbuf_puts(b, "</dd>\n<dt>Bugzilla bug</dt><dd>");
        cg_html_esc(b, shown);
        if (bug.synced_at > 0) {
            cg_sbuf_puts(b, " <span class=\"note\">read ");
            cg_html_time_el(b, bug.synced_at);
            if (bug.whiteboard != NULL && bug.whiteboard[0] != '\0') {
                cg_sbuf_puts(b, "; Whiteboard: ");
                cg_html_esc(b, bug.whiteboard);
            }
            cg_sbuf_puts(b, "</span>");
        }
    }
    cg_store_bug_clear(&bug);
    return 1;
}

/* The open questions (no CA event after them yet), with their age: each a
 * deadline row, the answer due 7 days after it (CCADB). */
static void question_rows(cg_html_run *h, cg_sbuf *b, const cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        char id[32], note[400], age[48];
        if (ev->type != CG_EVENT_QUESTION || ev->at > h->o.at ||
            cg_incident_question_answered(inc, i, h->o.at))
            continue;
        cg_html_span_text(h->o.at - ev->at, age, sizeof(age));
        snprintf(id, sizeof(id), "question-%zu", i);
        snprintf(note, sizeof(note), "open for %s%s%.300s", age,
                 ev->note != NULL && ev->note[0] != '\0' ? ": " : "",
                 ev->note != NULL ? ev->note : "");
        deadline_row(h, b, id, "Answer to a question (CCADB, 7 days)",
                     ev->at + CG_QUESTION_WINDOW, 0, 0, note);
    }
}

static int incident_page(cg_html_run *h, cg_incident *inc)
{
    cg_sbuf b = CG_SBUF_INIT, md = CG_SBUF_INIT, csv = CG_SBUF_INIT, fr = CG_SBUF_INIT;
    inc_view v;
    char name[64], title[512], win[32] = "", reason[48];
    const cg_incident_cert **units = NULL;
    size_t n_units = 0;
    int ok = 0;
    if (!view_incident(inc, h->o.at, &v) || !unit_objects(inc, &units, &n_units)) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    snprintf(title, sizeof(title), "Incident %lld", (long long)inc->id);
    cg_html_page_head(h, &b, title, inc->title != NULL ? inc->title : NULL);
    cg_sbuf_printf(&b, "<nav><a href=\"index.html\">← Dashboard</a>"
                       "<a href=\"#deadlines\">Deadlines</a><a href=\"#scope\">Scope</a>"
                       "<a href=\"#certificates\">"
                       "Certificates</a><a href=\"#events\">Events</a><a href=\"#report\">"
                       "Report draft</a></nav>\n</header>\n<main>\n");
    /* facts */
    cg_sbuf_puts(&b, "<section id=\"facts\">\n<h2>Summary</h2>\n<dl class=\"facts\">\n"
                     "<dt>Kind</dt><dd>");
    cg_html_esc(&b, inc->kind);
    if (v.kind != NULL) {
        cg_incident_window_name(v.kind->window, win, sizeof(win));
        cg_incident_reason_describe(v.kind->reason, reason, sizeof(reason));
        cg_sbuf_printf(&b, ": revoke within %s, CRL reason %s (", win, reason);
        cg_html_esc(&b, v.kind->reference);
        cg_sbuf_puts(&b, ")<br><span class=\"note\">");
        cg_html_esc(&b, v.kind->description);
        cg_sbuf_puts(&b, "</span>");
    } else {
        cg_sbuf_puts(&b, " (a kind this caguard does not know: no revocation deadline)");
    }
    cg_sbuf_puts(&b, "</dd>\n<dt>Title</dt><dd>");
    cg_html_esc(&b, inc->title != NULL ? inc->title : "(none)");
    if (!bug_fact(h, &b, inc))
        goto out;
    cg_sbuf_printf(&b, "</dd>\n<dt>Source</dt><dd>%s</dd>\n<dt>Reported</dt><dd>",
                   cg_source_name(inc->source));
    cg_html_time_el(&b, inc->reported_at);
    cg_sbuf_printf(&b, "</dd>\n<dt>State</dt><dd id=\"state\">%s</dd>\n",
                   v.closed ? "closed" : "open");
    cg_sbuf_printf(&b, "<dt>Certificates</dt><dd><span id=\"cert-count\">%zu</span>", v.n_units);
    if (v.n_units != inc->n_certs)
        cg_sbuf_printf(&b,
                       " (by issuer and serial, in %zu objects: a precertificate and its "
                       "certificate count once)",
                       inc->n_certs);
    cg_sbuf_printf(&b,
                   ": %zu revoked (%zu on time, %zu late), "
                   "%zu outstanding past the deadline, %zu within it, %zu expired before "
                   "it</dd>\n</dl>\n</section>\n",
                   v.revoked, v.on_time, v.late, v.overdue, v.pending, v.expired);
    /* deadlines */
    cg_sbuf_puts(&b, "<section id=\"deadlines\">\n<h2>Deadlines</h2>\n<div class=\"scroll\">"
                     "<table id=\"deadlines-table\" class=\"stack\">\n<thead><tr><th>Deadline"
                     "</th><th>Due</th><th>Status</th></tr></thead>\n<tbody>\n");
    if (v.kind != NULL) {
        char what[96];
        int64_t due = inc->reported_at + v.kind->window, last = 0;
        snprintf(what, sizeof(what), "Revocation (%s, TLS BRs §4.9.1.1)", win);
        /* met once every certificate that needs it is revoked: when the
         * last one was */
        size_t need = 0, done = 0;
        for (size_t i = 0; i < n_units; i++) {
            cg_revocation_eval e;
            if (!cg_incident_revocation_eval(inc, units[i], h->o.at, &e) ||
                e.state == CG_REVOCATION_EXPIRED)
                continue;
            need++;
            if (e.state == CG_REVOCATION_ON_TIME || e.state == CG_REVOCATION_LATE) {
                done++;
                if (e.revoked_at > last)
                    last = e.revoked_at;
            }
        }
        if (need == 0)
            deadline_row(h, &b, "revocation", what, due, 1, inc->reported_at,
                         "no certificate needs revocation");
        else
            deadline_row(h, &b, "revocation", what, due, done == need, last,
                         done == need ? "the last certificate's revocation" : NULL);
    }
    deadline_row(h, &b, "preliminary", "Preliminary report (CCADB, 72 hours)", v.prelim_due,
                 v.has_prelim, v.prelim_at, NULL);
    deadline_row(h, &b, "full", "Full report (CCADB, 14 days)", v.full_due, v.has_full, v.full_at,
                 NULL);
    if (v.has_update) {
        char note[160], since[32];
        cg_time_format(v.update_since, since, sizeof(since));
        snprintf(note, sizeof(note), "%s after the report or update of %s", v.update_why, since);
        deadline_row(h, &b, "update", "Next update", v.update_due, 0, 0, note);
        int64_t must;
        if (cg_incident_update_must(inc, h->o.at, &must) && must != v.update_due)
            deadline_row(h, &b, "update-must", "Update required (CCADB MUST)", must, 0, 0,
                         "no later than this, whatever the next-update date");
    }
    question_rows(h, &b, inc);
    cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    if (!timeline(h, &b, inc, &v, units, n_units))
        goto out;
    /* the rules at `at` */
    cg_ctx ctx;
    inc_sink sink = {&fr, inc, 0};
    cg_ctx_init(&ctx, h->o.at, on_incident_finding, &sink);
    cg_incident_check(&ctx, inc);
    cg_sbuf_printf(&b, "<h3>Findings at this time (%zu)</h3>\n", sink.n);
    if (sink.n > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"incident-findings\">\n<thead><tr>"
                         "<th>Severity</th><th>Rule</th><th>About</th><th>Message</th></tr>"
                         "</thead>\n<tbody>\n");
        cg_sbuf_append(&b, cg_sbuf_str(&fr), fr.len);
        cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    } else {
        cg_sbuf_puts(&b, "<p class=\"note\">None: every deadline met or still ahead.</p>\n");
    }
    cg_sbuf_puts(&b, "</section>\n");
    /* scope gaps: the certificates with the defect in no incident */
    if (!scope_section(h, &b, inc))
        goto out;
    /* certificates */
    cg_sbuf_printf(&b, "<section id=\"certificates\">\n<h2>Certificates (%zu", v.n_units);
    if (v.n_units != inc->n_certs)
        cg_sbuf_printf(&b, "; %zu objects", inc->n_certs);
    cg_sbuf_puts(&b, ")</h2>\n");
    cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"certs-table\">\n<thead><tr><th>Kind</th>"
                     "<th>Serial</th><th>Subject</th><th>DNS names</th><th>Not after</th>"
                     "<th>Revocation</th><th>Reason on the CRL</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        cg_revocation_eval e;
        char sha[65], dur[48];
        int have = v.kind != NULL && cg_incident_revocation_eval(inc, c, h->o.at, &e);
        cg_hex(c->sha256, 32, sha);
        cg_sbuf_printf(&b,
                       "<tr data-state=\"%s\"><td>%s</td><td class=\"mono\" "
                       "title=\"SHA-256 %s\">",
                       have ? cg_html_state_class(e.state) : "unknown",
                       c->is_precert ? "precertificate" : "certificate", sha);
        cg_html_esc(&b, c->serial_hex);
        cg_sbuf_puts(&b, "</td><td class=\"issuer\">");
        cg_html_esc(&b, c->subject);
        cg_sbuf_puts(&b, "</td><td class=\"issuer\">");
        cg_html_esc(&b, c->dns_names);
        cg_sbuf_puts(&b, "</td><td class=\"nowrap\">");
        cg_html_time_el(&b, c->not_after);
        cg_sbuf_puts(&b, "</td><td>");
        if (!have) {
            cg_sbuf_puts(&b, "no deadline (unknown kind)");
        } else {
            cg_sbuf_printf(&b, "<span class=\"state-%s\">", cg_html_state_class(e.state));
            switch (e.state) {
            case CG_REVOCATION_ON_TIME:
                cg_sbuf_puts(&b, "on time</span>: ");
                cg_html_time_el(&b, e.revoked_at);
                break;
            case CG_REVOCATION_LATE:
                cg_incident_format_duration(e.late_by, dur, sizeof(dur));
                cg_sbuf_printf(&b, "%s late</span>: ", dur);
                cg_html_time_el(&b, e.revoked_at);
                break;
            case CG_REVOCATION_OVERDUE:
                cg_incident_format_duration(e.late_by, dur, sizeof(dur));
                cg_sbuf_printf(&b, "not revoked, %s late</span>", dur);
                break;
            case CG_REVOCATION_EXPIRED:
                cg_sbuf_puts(&b, "expired before the deadline</span>");
                break;
            default:
                cg_html_span_text(e.left, dur, sizeof(dur));
                cg_sbuf_printf(&b, "not revoked yet, due in %s</span>", dur);
                break;
            }
        }
        cg_sbuf_puts(&b, "</td><td>");
        if (cg_incident_cert_revoked_at(c, h->o.at)) {
            cg_incident_reason_describe(c->reason, reason, sizeof(reason));
            cg_html_esc(&b, reason);
        }
        cg_sbuf_puts(&b, "</td></tr>\n");
    }
    cg_sbuf_puts(&b, "</tbody>\n</table></div>\n</section>\n");
    /* events */
    cg_sbuf_printf(&b, "<section id=\"events\">\n<h2>Events (%zu)</h2>\n", inc->n_events);
    if (inc->n_events > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"events-table\">\n<thead><tr>"
                         "<th>When</th><th>Event</th><th>Note</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < inc->n_events; i++) {
            const cg_incident_event *ev = &inc->events[i];
            cg_sbuf_puts(&b, "<tr><td class=\"nowrap\">");
            cg_html_time_el(&b, ev->at);
            cg_sbuf_printf(&b, "%s</td><td>%s</td><td class=\"msg\">",
                           ev->at > h->o.at ? " (after the evaluation time)" : "",
                           cg_event_type_name(ev->type));
            cg_html_esc(&b, ev->note);
            cg_sbuf_puts(&b, "</td></tr>\n");
        }
        cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    }
    cg_sbuf_puts(&b, "</section>\n");
    /* the report draft */
    cg_report_opts ro;
    char rerr[256];
    gap_names gn = {NULL, 0, 0};
    cg_rule_id *rules = calloc(inc->n_rules + 1, sizeof(*rules));
    memset(&ro, 0, sizeof(ro));
    ro.kind = CG_REPORT_FULL;
    for (size_t i = 0; rules != NULL && i < inc->n_rules; i++) {
        if (cg_rule_lookup(inc->rules[i], &rules[ro.n_rules]))
            ro.n_rules++;
    }
    ro.rules = rules;
    if (rules == NULL || !cg_store_incident_scope_gaps(h->st, inc, gap_name, &gn) || gn.failed)
        md.failed = 1;
    ro.scope_gaps = (const char *const *)gn.v;
    ro.n_scope_gaps = gn.n;
    if (!md.failed)
        cg_incident_report_draft(inc, h->o.at, &ro, &md, rerr, sizeof(rerr));
    free(rules);
    for (size_t i = 0; i < gn.n; i++)
        free(gn.v[i]);
    free(gn.v);
    cg_incident_appendix_csv(inc, h->o.at, &csv);
    cg_sbuf_printf(&b,
                   "<section id=\"report\">\n<h2>CCADB report draft</h2>\n<p class=\"note\">"
                   "The Full Incident Report with what caguard knows filled in; what only "
                   "the CA can answer is marked " CG_REPORT_FILL_MARKER ": ...]]; "
                   "<a href=\"incident-%lld.md\" download>incident-%lld.md</a> (Markdown) and "
                   "<a href=\"incident-%lld-appendix.csv\" download>incident-%lld-appendix.csv"
                   "</a> (the appendix). Check an edited copy with <code>caguard incident lint"
                   "</code>.</p>\n<pre id=\"report-md\">",
                   (long long)inc->id, (long long)inc->id, (long long)inc->id, (long long)inc->id);
    cg_html_esc_n(&b, cg_sbuf_str(&md), md.len);
    cg_sbuf_puts(&b, "</pre>\n</section>\n</main>\n");
    cg_html_page_tail(h, &b);
    snprintf(name, sizeof(name), "incident-%lld.html", (long long)inc->id);
    if (!cg_html_write_file(h, name, &b))
        goto out;
    snprintf(name, sizeof(name), "incident-%lld.md", (long long)inc->id);
    if (!cg_html_write_file(h, name, &md))
        goto out;
    snprintf(name, sizeof(name), "incident-%lld-appendix.csv", (long long)inc->id);
    if (!cg_html_write_file(h, name, &csv))
        goto out;
    ok = 1;
out:
    cg_sbuf_free(&b);
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
    cg_sbuf_free(&fr);
    free(units);
    return ok;
}

/* The open deadlines of an open incident, for index.html's "due next". */
static int due_items(cg_html_run *h, const cg_incident *inc, const inc_view *v)
{
    if (v->kind != NULL && (v->pending > 0 || v->overdue > 0) &&
        !cg_html_due_add(h, inc->id, inc->title, "revocation",
                         inc->reported_at + v->kind->window, v->pending + v->overdue))
        return 0;
    if (!v->has_prelim &&
        !cg_html_due_add(h, inc->id, inc->title, "preliminary report", v->prelim_due, 0))
        return 0;
    if (!v->has_full && !cg_html_due_add(h, inc->id, inc->title, "full report", v->full_due, 0))
        return 0;
    if (v->has_update && !cg_html_due_add(h, inc->id, inc->title, "update", v->update_due, 0))
        return 0;
    return 1;
}

/* Writes every incident page and fills the index's incidents table and
 * the delay chart's rows. */
int cg_html_incidents(cg_html_run *h, cg_sbuf *table)
{
    h->delays = calloc(h->n_inc + 1, sizeof(*h->delays));
    if (h->delays == NULL) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < h->n_inc; i++) {
        cg_incident inc;
        inc_view v;
        int found = 0;
        memset(&inc, 0, sizeof(inc));
        if (!cg_store_incident_get(h->st, h->incident_ids[i], &inc, &found)) {
            cg_html_store_err(h, "reading an incident");
            return 0;
        }
        if (!found)
            continue;
        if (!cg_store_incident_observe_revocations(h->st, &inc)) {
            cg_html_store_err(h, "reading an incident's revocations");
            cg_incident_clear(&inc);
            return 0;
        }
        cg_html_delay *d = &h->delays[h->n_delays++];
        if (!delay_of(&inc, h->o.at, d) || !view_incident(&inc, h->o.at, &v)) {
            cg_html_set_err(h, "out of memory");
            cg_incident_clear(&inc);
            return 0;
        }
        d->kind = strdup(inc.kind != NULL ? inc.kind : "");
        /* the next deadline not met */
        int64_t next = 0;
        const char *next_what = NULL;
        if (v.kind != NULL && (v.pending > 0 || v.overdue > 0)) {
            next = inc.reported_at + v.kind->window;
            next_what = "revocation";
        }
        if (!v.has_prelim && (next_what == NULL || v.prelim_due < next)) {
            next = v.prelim_due;
            next_what = "preliminary report";
        }
        if (!v.has_full && (next_what == NULL || v.full_due < next)) {
            next = v.full_due;
            next_what = "full report";
        }
        if (v.has_update && (next_what == NULL || v.update_due < next)) {
            next = v.update_due;
            next_what = "update";
        }
        if (!v.closed && !due_items(h, &inc, &v))
            return 0;
        cg_sbuf_printf(table,
                       "<tr data-incident=\"%lld\"><td data-label=\"Incident\">"
                       "<a href=\"incident-%lld.html\">#%lld</a></td><td data-label=\"Kind\">",
                       (long long)inc.id, (long long)inc.id, (long long)inc.id);
        cg_html_esc(table, inc.kind);
        cg_sbuf_puts(table, "</td><td class=\"msg\" data-label=\"Title\">");
        cg_html_esc(table, inc.title);
        cg_sbuf_puts(table, "</td><td class=\"nowrap\" data-label=\"Reported\">");
        cg_html_time_el(table, inc.reported_at);
        cg_sbuf_printf(table,
                       "</td><td class=\"num\" data-label=\"Certificates\">%zu</td>"
                       "<td data-label=\"Revocation\">%zu revoked (%zu late), %zu "
                       "outstanding</td><td data-label=\"Next deadline\">",
                       v.n_units, v.revoked, v.late, v.overdue + v.pending);
        if (next_what != NULL && !v.closed) {
            char s[48];
            cg_html_span_text(next - h->o.at, s, sizeof(s));
            cg_sbuf_printf(table, "%s: <span class=\"%s\" data-due=\"%lld\">%s %s</span>",
                           next_what, next >= h->o.at ? "due" : "missed", (long long)next,
                           next >= h->o.at ? "due in" : "overdue by", s);
        } else {
            cg_sbuf_puts(table, "none");
        }
        cg_sbuf_printf(table, "</td><td data-label=\"State\">%s</td></tr>\n",
                       v.closed ? "closed" : "open");
        int ok = d->kind != NULL && incident_page(h, &inc);
        if (d->kind == NULL)
            cg_html_set_err(h, "out of memory");
        cg_incident_clear(&inc);
        if (!ok)
            return 0;
        h->stats.incidents++;
    }
    return 1;
}
