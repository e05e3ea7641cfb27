#include "incident/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/report_internal.h"
#include "incident/template.h"
#include "util/escape.h"
#include "x509/time.h"

/* caguard's fill-in marker around what is asked. */
static void put_fill(cg_sbuf *b, const char *what)
{
    cg_sbuf_printf(b, "%s: %s]]", CG_REPORT_FILL_MARKER, what);
}

/* "YYYY-MM-DD HH:MM UTC": the template asks for UTC, at least to the minute. */
static void minute(int64_t t, char *buf, size_t cap)
{
    char full[32];
    cg_time_format(t, full, sizeof(full));
    snprintf(buf, cap, "%.10s %.5s UTC", full, full + 11);
}

void cg_rep_put_minute(cg_sbuf *b, int64_t t)
{
    char m[40];
    minute(t, m, sizeof(m));
    cg_sbuf_puts(b, m);
}

/* Every string that comes from a certificate, the store or an operator goes
 * into the Markdown through util/escape.h: titles and notes as escaped text,
 * names as code spans. Nothing in them can open a link, raw HTML, a heading
 * or a table cell, or break the line. */
void cg_rep_put_serial(cg_sbuf *b, const cg_incident_cert *c)
{
    if (c->serial_hex != NULL && c->serial_hex[0] != '\0')
        cg_esc_md_text(b, c->serial_hex, 0);
    else
        cg_sbuf_puts(b, "(unknown)");
}

/* Text that is already the CA's Markdown (read back from its Full report) or
 * caguard's own words: on one line, nothing else changed. */
static void put_inline(cg_sbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n' || *s == '\r')
            cg_sbuf_puts(b, " ");
        else
            cg_sbuf_append(b, s, 1);
    }
}

/* "`a.example`, `b.example`" from the comma-separated dNSNames. */
void cg_rep_put_dns_names(cg_sbuf *b, const char *names)
{
    const char *p = names;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char *one = strndup(p, n);
        if (one == NULL) {
            b->failed = 1;
            return;
        }
        if (p != names)
            cg_sbuf_puts(b, ", ");
        cg_esc_md_code(b, one, 0);
        free(one);
        p += n;
        if (*p == ',')
            p++;
    }
}

const char *cg_rep_what(const cg_incident_cert *c)
{
    return c->is_precert ? "precertificate" : "certificate";
}

static int valid_at(const cg_incident_cert *c, int64_t at)
{
    return at >= c->not_before && at <= c->not_after && !cg_incident_cert_revoked_at(c, at);
}

/* A unit is revoked when any of its objects is (a CRL revokes the serial),
 * still valid when not revoked and its certificate (or precertificate) is
 * within its validity. */
const cg_incident_cert *cg_incident_unit_revoked(const cg_incident_unit *u, int64_t at)
{
    if (u->cert != NULL && cg_incident_cert_revoked_at(u->cert, at))
        return u->cert;
    if (u->precert != NULL && cg_incident_cert_revoked_at(u->precert, at))
        return u->precert;
    return NULL;
}

static int unit_valid_at(const cg_incident_unit *u, int64_t at)
{
    const cg_incident_cert *c = cg_incident_unit_main(u);
    return at >= c->not_before && at <= c->not_after && cg_incident_unit_revoked(u, at) == NULL;
}

static void put_count(cg_sbuf *b, size_t certs, size_t precerts_only)
{
    cg_sbuf_printf(b, "%zu", certs + precerts_only);
    if (precerts_only > 0)
        cg_sbuf_printf(b, " (%zu known only by %s precertificate%s)", precerts_only,
                       precerts_only == 1 ? "its" : "their", precerts_only == 1 ? "" : "s");
}

/* The terms a kind sets: its window ("5 days") and CRL reason
 * ("keyCompromise (1)"), into buffers of 32 and 48 bytes. */
static void kind_terms(const cg_incident_kind *k, char window[32], char reason[48])
{
    cg_incident_window_name(k->window, window, 32);
    cg_incident_reason_describe(k->reason, reason, 48);
}

static void put_description(writer *w, cg_sbuf *b)
{
    const cg_incident *inc = w->inc;
    size_t rows = w->n_units;
    if (inc->title != NULL && inc->title[0] != '\0') {
        size_t n = strlen(inc->title);
        cg_esc_md_text(b, inc->title, 0);
        if (strchr(".!?", inc->title[n - 1]) == NULL)
            cg_sbuf_puts(b, ".");
        cg_sbuf_puts(b, " ");
    }
    if (w->kind == NULL) {
        cg_sbuf_puts(b, "Incident of kind ");
        cg_esc_md_code(b, inc->kind != NULL ? inc->kind : "", 0);
        cg_sbuf_puts(b, ".");
        return;
    }
    char window[32], reason[48];
    kind_terms(w->kind, window, reason);
    cg_sbuf_printf(b,
                   "%zu certificate%s affected: %s (`%s`), which requires revocation within %s "
                   "of the certificate problem report, the CRL entry with %s.",
                   rows, rows == 1 ? "" : "s", w->kind->description, w->kind->name, window,
                   reason);
    if (w->delayed) {
        cg_sbuf_puts(b, " Revocation was not completed by the deadline, ");
        cg_rep_put_minute(b, inc->reported_at + w->kind->window);
        cg_sbuf_puts(b, ".");
    }
}

static void put_policies(writer *w, cg_sbuf *b)
{
    if (w->kind == NULL) {
        cg_sbuf_puts(b, "N/A");
        return;
    }
    char window[32], reason[48];
    kind_terms(w->kind, window, reason);
    cg_sbuf_printf(b,
                   "%s (revocation within %s, the CRL entry with %s) and §4.9.5 (the "
                   "period runs from the certificate problem report to the published "
                   "revocation); Mozilla Root Store Policy §6.1 and §6.1.1 (CRLReasons)",
                   w->kind->reference, window, reason);
    if (w->delayed)
        cg_sbuf_puts(b, "; Mozilla Root Store Policy §6.1.3 (delayed revocation)");
    cg_sbuf_puts(b, ".");
}

static const char *source_label(cg_source s)
{
    switch (s) {
    case CG_SOURCE_THIRD_PARTY:
        return "Third Party Reported";
    case CG_SOURCE_AUDIT:
        return "Audit";
    default:
        return "Self Reported";
    }
}

/* Non-compliance starts at issuance for a misissuance, else when a
 * revocation deadline passes; it ends when the last affected certificate is
 * revoked or expires. 0 when there is none (or it has not ended). */
static int64_t nc_start(writer *w)
{
    const cg_incident *inc = w->inc;
    int64_t start = 0;
    if (w->kind == NULL)
        return 0;
    if (strcmp(w->kind->name, "misissuance") == 0) {
        for (size_t i = 0; i < inc->n_certs; i++) {
            if (inc->certs[i].not_before <= w->at &&
                (start == 0 || inc->certs[i].not_before < start))
                start = inc->certs[i].not_before;
        }
    }
    if (start == 0 && w->delayed)
        start = inc->reported_at + w->kind->window;
    return start;
}

static int nc_end(writer *w, int64_t *end)
{
    const cg_incident *inc = w->inc;
    *end = 0;
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        cg_revocation_eval e;
        if (valid_at(c, w->at))
            return 0;
        if (c->not_before > w->at)
            continue;
        if (!cg_incident_revocation_eval(inc, c, w->at, &e))
            return 0;
        int64_t t = e.revoked_at != 0 ? e.revoked_at : c->not_after;
        if (t > *end)
            *end = t;
    }
    return *end != 0;
}

/* Affected certificate types from the certificates' policy OIDs. */
static void put_types(writer *w, cg_sbuf *b)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{CG_CERT_TYPE_DV, "DV"},
                 {CG_CERT_TYPE_OV, "OV"},
                 {CG_CERT_TYPE_IV, "IV"},
                 {CG_CERT_TYPE_EV, "EV"},
                 {CG_CERT_TYPE_SMIME, "S/MIME"}};
    const unsigned policy =
        CG_CERT_TYPE_DV | CG_CERT_TYPE_OV | CG_CERT_TYPE_IV | CG_CERT_TYPE_EV | CG_CERT_TYPE_SMIME;
    unsigned all = 0;
    size_t read = 0, without = 0, shown = 0;
    for (size_t i = 0; i < w->n_units; i++) {
        unsigned t = cg_incident_unit_main(&w->units[i])->types;
        if (!(t & CG_CERT_TYPE_READ))
            continue;
        read++;
        all |= t;
        without += (t & policy) == 0;
    }
    if (read == 0) {
        put_fill(b, "the CA/Browser Forum policy OIDs (DV, OV, IV, EV) of the affected "
                    "certificates (caguard had none of them to read)");
        return;
    }
    if ((all & policy) != 0) {
        cg_sbuf_puts(b, "This incident affects ");
        size_t n = 0, k = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            n += (all & names[i].bit) != 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (!(all & names[i].bit))
                continue;
            k++;
            cg_sbuf_printf(b, "%s%s", k == 1 ? "" : k == n ? " and " : ", ", names[i].name);
        }
        cg_sbuf_puts(b, " certificates (from their CA/Browser Forum policy OIDs)");
        shown = 1;
    }
    if (without > 0)
        cg_sbuf_printf(b, "%s%zu certificate%s carr%s no CA/Browser Forum policy OID%s",
                       shown ? "; " : "", without, without == 1 ? "" : "s",
                       without == 1 ? "ies" : "y",
                       (all & CG_CERT_TYPE_SERVER_AUTH) ? " (TLS server authentication)" : "");
    if (read < w->n_units)
        cg_sbuf_printf(b, "; %zu not read by caguard", w->n_units - read);
    cg_sbuf_puts(b, ".");
}

/* The incident heuristic from the defect rules: which certificates a third
 * party can find, and how. */
static void put_heuristic(writer *w, cg_sbuf *b)
{
    const cg_incident_cert *first = NULL, *last = NULL;
    const char *issuer = NULL;
    int one_issuer = 1;
    if (w->o->n_rules == 0 || w->n_units == 0) {
        put_fill(b, "a heuristic a third party can use to assemble every affected certificate, "
                    "or why none exists (caguard writes one from the incident's defect rules: "
                    "caguard incident scope)");
        return;
    }
    for (size_t i = 0; i < w->n_units; i++) {
        const cg_incident_cert *c = cg_incident_unit_main(&w->units[i]);
        if (first == NULL || c->not_before < first->not_before)
            first = c;
        if (last == NULL || c->not_before > last->not_before)
            last = c;
        if (c->issuer != NULL && issuer == NULL)
            issuer = c->issuer;
        else if (c->issuer != NULL && strcmp(c->issuer, issuer) != 0)
            one_issuer = 0;
    }
    cg_sbuf_puts(b, "Any certificate issued by ");
    if (issuer != NULL && one_issuer) {
        cg_esc_md_code(b, issuer, 0);
    } else {
        cg_sbuf_puts(b, "the CA's issuing CAs");
    }
    cg_sbuf_puts(b, " with a notBefore from ");
    cg_rep_put_minute(b, first->not_before);
    cg_sbuf_puts(b, " to ");
    cg_rep_put_minute(b, last->not_before);
    cg_sbuf_puts(b, " that has the defect is affected: ");
    for (size_t i = 0; i < w->o->n_rules; i++) {
        const cg_rule *r = cg_rule_get(w->o->rules[i]);
        cg_sbuf_printf(b, "%s%s (`%s`)",
                       i == 0                   ? ""
                       : i + 1 == w->o->n_rules ? " or "
                                                : "; ",
                       r->description, r->id);
    }
    cg_sbuf_puts(b, ". The defect is in the certificate itself: a third party finds every such "
                    "certificate in Certificate Transparency logs with a linter (caguard check "
                    "reports it).");
    if (w->o->n_scope_gaps > 0)
        cg_sbuf_printf(b, " caguard found %zu more not in this report (see the total above).",
                       w->o->n_scope_gaps);
    else
        cg_sbuf_puts(b, " Every affected certificate caguard found is in the Appendix.");
}

/* For a revocation-delay incident, the facts the Analysis needs: which
 * certificates were late, by how much, their first CRL sighting. */
static void put_delay_facts(writer *w, cg_sbuf *b)
{
    size_t late = 0, overdue = 0, listed = 0;
    char dur[48];
    cg_sbuf_puts(b, "Revocation deadline ");
    cg_rep_put_minute(b, w->inc->reported_at + w->kind->window);
    cg_sbuf_puts(b, " (caguard's record from the CRLs):");
    for (size_t i = 0; i < w->n_units; i++) {
        const cg_incident_cert *c = cg_incident_unit_main(&w->units[i]);
        cg_revocation_eval e;
        if (!cg_incident_revocation_eval(w->inc, c, w->at, &e))
            continue;
        if (e.state != CG_REVOCATION_LATE && e.state != CG_REVOCATION_OVERDUE)
            continue;
        if (e.state == CG_REVOCATION_LATE)
            late++;
        else
            overdue++;
        if (++listed > TIMELINE_CERTS_MAX)
            continue;
        cg_incident_format_duration(e.late_by, dur, sizeof(dur));
        cg_sbuf_puts(b, " serial ");
        cg_rep_put_serial(b, c);
        cg_sbuf_puts(b, " ");
        if (e.state == CG_REVOCATION_LATE) {
            cg_sbuf_puts(b, "revoked ");
            cg_rep_put_minute(b, c->revocation_date);
            cg_sbuf_puts(b, ", first seen on a CRL ");
            if (c->published_at != 0)
                cg_rep_put_minute(b, c->published_at);
            else
                cg_sbuf_puts(b, "at an unknown time");
            cg_sbuf_printf(b, ", %s after the deadline;", dur);
        } else {
            cg_sbuf_puts(b, "not on a CRL at ");
            cg_rep_put_minute(b, w->at);
            cg_sbuf_printf(b, ", %s past the deadline;", dur);
        }
    }
    if (listed > TIMELINE_CERTS_MAX)
        cg_sbuf_printf(b, " and %zu more (the Appendix lists them);", listed - TIMELINE_CERTS_MAX);
    cg_sbuf_printf(b, " %zu revoked late, %zu not revoked. ", late, overdue);
    put_fill(b, "the factors and rationale behind the decision to delay revocation: how extensive "
                "harm would result to third parties, and why the situation is exceptionally "
                "rare and unavoidable");
}

/* Closure: the Root Cause Analysis's contributing factors. */
static void put_closure_causes(writer *w, cg_sbuf *b)
{
    if (w->facts.n_factors == 0) {
        put_fill(b, "a few sentences summarizing the root cause(s)");
        return;
    }
    for (size_t i = 0; i < w->facts.n_factors; i++) {
        cg_sbuf_printf(b, "%sContributing Factor %zu: ", i == 0 ? "" : "; ", i + 1);
        put_inline(b, w->facts.factors[i]);
    }
    cg_sbuf_puts(b, ".");
}

/* Closure: the Action Items, all complete (or canceled). */
static void put_closure_remediation(writer *w, cg_sbuf *b)
{
    cg_sbuf_printf(b, "%zu Action Item%s completed as described in the Full Incident Report:",
                   w->facts.n_actions, w->facts.n_actions == 1 ? "" : "s");
    for (size_t i = 0; i < w->facts.n_actions; i++) {
        const cg_report_action *a = &w->facts.actions[i];
        cg_sbuf_puts(b, i == 0 ? " " : "; ");
        put_inline(b, a->item);
        cg_sbuf_puts(b, " (");
        put_inline(b, a->kind);
        cg_sbuf_puts(b, ", ");
        put_inline(b, a->status);
        cg_sbuf_puts(b, ", due ");
        put_inline(b, a->due);
        cg_sbuf_puts(b, ")");
    }
    cg_sbuf_puts(b, ". ");
    put_fill(b, "how the remediation addressed the root causes, in a few sentences");
}

/* incident.scope_incomplete in the Impact: what caguard found beyond the
 * report. */
static void put_scope_gaps(writer *w, cg_sbuf *b)
{
    size_t n = w->o->n_scope_gaps;
    if (n == 0)
        return;
    cg_sbuf_printf(b,
                   ". %zu more certificate%s with the same defect found by caguard, not in "
                   "this report:",
                   n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < TIMELINE_CERTS_MAX; i++) {
        cg_sbuf_puts(b, i == 0 ? " " : "; ");
        put_inline(b, w->o->scope_gaps[i]);
    }
    if (n > TIMELINE_CERTS_MAX)
        cg_sbuf_printf(b, "; and %zu more", n - TIMELINE_CERTS_MAX);
    cg_sbuf_puts(b, " (caguard incident add)");
}

static void put_field_value(writer *w, cg_sbuf *b, cg_tfield_id id)
{
    const cg_incident *inc = w->inc;
    int64_t t;
    size_t certs = 0, pre = 0, vcerts = 0, vpre = 0;
    switch (id) {
    case CG_TF_DESCRIPTION:
        put_description(w, b);
        return;
    case CG_TF_POLICIES:
        put_policies(w, b);
        return;
    case CG_TF_SOURCE:
        cg_sbuf_puts(b, source_label(inc->source));
        return;
    case CG_TF_CCADB_ID:
        if (w->o->owner_id != NULL && w->o->owner_id[0] != '\0')
            cg_esc_md_text(b, w->o->owner_id, 0);
        else
            put_fill(b, "the CA Owner's CCADB unique ID, \"A\" and six digits (caguard fills it "
                        "from [ccadb] owner_id in its configuration)");
        return;
    case CG_TF_NC_START:
        t = nc_start(w);
        if (t == 0)
            put_fill(b, "when the non-compliance began");
        else
            cg_rep_put_minute(b, t);
        return;
    case CG_TF_NC_IDENTIFIED:
        cg_rep_put_minute(b, inc->reported_at);
        return;
    case CG_TF_NC_END:
        if (nc_start(w) != 0 && nc_end(w, &t)) {
            cg_rep_put_minute(b, t);
        } else if (nc_start(w) != 0) {
            put_fill(b, "when the non-compliance is expected to end");
            cg_sbuf_puts(b, " (ongoing at ");
            cg_rep_put_minute(b, w->at);
            cg_sbuf_puts(b, ")");
        } else {
            put_fill(b, "when the non-compliance ended or is expected to end");
        }
        return;
    case CG_TF_TOTAL:
    case CG_TF_REMAINING:
        for (size_t i = 0; i < w->n_units; i++) {
            int v = unit_valid_at(&w->units[i], w->at);
            if (w->units[i].cert == NULL) {
                pre++;
                vpre += v;
            } else {
                certs++;
                vcerts += v;
            }
        }
        if (id == CG_TF_TOTAL) {
            put_count(b, certs, pre);
            put_scope_gaps(w, b);
        } else {
            put_count(b, vcerts, vpre);
            cg_sbuf_puts(b, " at ");
            cg_rep_put_minute(b, w->at);
        }
        return;
    case CG_TF_TYPES:
        put_types(w, b);
        return;
    case CG_TF_HEURISTIC:
        put_heuristic(w, b);
        return;
    case CG_TF_ISSUANCE_STOPPED:
        put_fill(b, "Yes or No, and why (e.g. \"Yes. Issuance was stopped at ... to correct the "
                    "certificate profile.\")");
        return;
    case CG_TF_ANALYSIS:
        if (w->delayed)
            put_delay_facts(w, b);
        else
            cg_sbuf_puts(b, "N/A (not a revocation-delay incident)");
        return;
    case CG_TF_RCA_DESCRIPTION:
        put_fill(b,
                 "the condition, event or issue that contributed to the incident, and its role");
        return;
    case CG_TF_RCA_TIMELINE:
        put_fill(b, "when the factor was introduced and how it evolved");
        return;
    case CG_TF_RCA_DETECTION:
        put_fill(b, "how it was detected, and how it avoided detection before");
        return;
    case CG_TF_RCA_INTERACTION:
        put_fill(b, "how it interacted with the other factors");
        return;
    case CG_TF_WENT_WELL:
        put_fill(b, "what made the impact smaller than it could have been");
        return;
    case CG_TF_WENT_BADLY:
        put_fill(b, "what made the impact larger; each needs an Action Item");
        return;
    case CG_TF_LUCKY:
        put_fill(b, "what went well but cannot be relied upon, or N/A");
        return;
    case CG_TF_LESSONS_ADDITIONAL:
        put_fill(b, "any other lesson, or N/A; each needs an Action Item");
        return;
    case CG_TF_CLOSURE_DESCRIPTION:
        if (w->facts.description != NULL && w->facts.description[0] != '\0')
            put_inline(b, w->facts.description);
        else
            put_description(w, b);
        return;
    case CG_TF_CLOSURE_ROOT_CAUSES:
        put_closure_causes(w, b);
        return;
    case CG_TF_CLOSURE_REMEDIATION:
        put_closure_remediation(w, b);
        return;
    case CG_TF_CLOSURE_COMMITMENTS:
        put_fill(b, "ongoing commitments beyond the Action Items, or N/A");
        return;
    default:
        cg_sbuf_puts(b, "N/A");
        return;
    }
}

static void write_fields(writer *w, cg_sbuf *b, const cg_tsection *s)
{
    if (s->lead != NULL) {
        cg_sbuf_printf(b, "**%s 1: ", s->lead);
        put_fill(b, "a title");
        cg_sbuf_puts(b, "**\n");
    }
    for (size_t i = 0; i < s->n_fields; i++) {
        const cg_tfield *f = &s->fields[i];
        cg_sbuf_printf(b, "%s- **%s:**", f->nested ? "   " : "", f->name);
        if (!f->parent) {
            cg_sbuf_puts(b, " ");
            put_field_value(w, b, f->id);
        }
        cg_sbuf_puts(b, "\n");
    }
}

/* A table with the template's columns and one row to fill in. */
static void write_table(cg_sbuf *b, const cg_tsection *s)
{
    static const char *const related[] = {"the related bug, as [Bug N](URL), or N/A",
                                          "the date it was opened",
                                          "how it relates to this incident"};
    static const char *const actions[] = {
        "what will be done",
        "Prevent, Detect or Mitigate",
        "the Contributing Factor(s) it remediates, e.g. Root Cause # 1",
        "how its effectiveness will be measured",
        "YYYY-MM-DD",
        "Ongoing, Complete, Delayed or Canceled"};
    const char *const *fill = s->n_columns == 6 ? actions : related;
    for (size_t i = 0; i < s->n_columns; i++)
        cg_sbuf_printf(b, "| %s ", s->columns[i]);
    cg_sbuf_puts(b, "|\n");
    for (size_t i = 0; i < s->n_columns; i++)
        cg_sbuf_puts(b, "|---");
    cg_sbuf_puts(b, "|\n");
    for (size_t i = 0; i < s->n_columns; i++) {
        cg_sbuf_puts(b, "| ");
        put_fill(b, i < 6 ? fill[i] : "");
        cg_sbuf_puts(b, " ");
    }
    cg_sbuf_puts(b, "|\n");
}

typedef enum { REV_YES, REV_PLANNED, REV_DELAYED, REV_NA } rev_status;

/* The template's "Is revoked?" of a unit: Yes, Planned, Delayed, or N/A
 * (expired). */
static rev_status revocation_status(const cg_incident *inc, const cg_incident_unit *u, int64_t at)
{
    cg_revocation_eval e;
    const cg_incident_cert *c = cg_incident_unit_main(u);
    if (cg_incident_unit_revoked(u, at) != NULL)
        return REV_YES;
    if (at > c->not_after)
        return REV_NA;
    if (!cg_incident_revocation_eval(inc, c, at, &e))
        return REV_PLANNED;
    return e.state == CG_REVOCATION_OVERDUE ? REV_DELAYED : REV_PLANNED;
}

static const char *const rev_status_names[] = {"Yes", "Planned", "Delayed", "N/A"};

const char *cg_incident_unit_revoked_word(const cg_incident *inc, const cg_incident_unit *u,
                                          int64_t at)
{
    return rev_status_names[revocation_status(inc, u, at)];
}

static void write_appendix(writer *w, cg_sbuf *b)
{
    size_t rows = w->n_units;
    char sha[65];
    if (rows == 0) {
        cg_sbuf_puts(b, "N/A\n");
        return;
    }
    cg_sbuf_printf(b, "%zu affected certificate%s at ", rows, rows == 1 ? "" : "s");
    cg_rep_put_minute(b, w->at);
    cg_sbuf_puts(b, "; the attached CSV (`caguard incident report --appendix-csv`) has the "
                    "template's fields for each.\n\n");
    for (size_t i = 0; i < rows; i++) {
        const cg_incident_unit *u = &w->units[i];
        const cg_incident_cert *c = cg_incident_unit_main(u);
        cg_hex(c->sha256, 32, sha);
        cg_sbuf_printf(b, "- https://crt.sh/?sha256=%s (%s%s, serial ", sha, cg_rep_what(c),
                       u->cert != NULL && u->precert != NULL ? " and its precertificate" : "");
        cg_rep_put_serial(b, c);
        cg_sbuf_printf(b, ", revoked: %s)\n",
                       rev_status_names[revocation_status(w->inc, u, w->at)]);
    }
}

int cg_report_kind_lookup(const char *name, cg_report_kind *kind)
{
    static const char *const names[CG_REPORT_KINDS] = {"preliminary", "full", "closure"};
    for (int i = 0; i < CG_REPORT_KINDS; i++) {
        if (name != NULL && strcmp(name, names[i]) == 0) {
            *kind = (cg_report_kind)i;
            return 1;
        }
    }
    return 0;
}

static int is_done(const char *status)
{
    char v[32];
    size_t n = 0;
    while (*status == ' ')
        status++;
    for (; status[n] != '\0' && n + 1 < sizeof(v); n++)
        v[n] = (char)(status[n] >= 'A' && status[n] <= 'Z' ? status[n] - 'A' + 'a' : status[n]);
    while (n > 0 && v[n - 1] == ' ')
        n--;
    v[n] = '\0';
    return strcmp(v, "complete") == 0 || strcmp(v, "canceled") == 0;
}

/* A closure needs the posted Full report, every Action Item of it done. */
static int closure_facts(writer *w, char *err, size_t errcap)
{
    const cg_report_opts *o = w->o;
    if (o->full_md == NULL) {
        snprintf(err, errcap,
                 "a closure report needs the Full Incident Report as posted (its "
                 "Action Items must all be complete)");
        return 0;
    }
    if (!cg_report_read_facts(o->full_md, o->full_len, &w->facts)) {
        snprintf(err, errcap, "out of memory");
        return 0;
    }
    if (w->facts.n_actions == 0) {
        snprintf(err, errcap,
                 "the Full Incident Report lists no Action Item: a closure report "
                 "says all of them are complete");
        return 0;
    }
    size_t open = 0, o_len = 0;
    for (size_t i = 0; i < w->facts.n_actions; i++) {
        const cg_report_action *a = &w->facts.actions[i];
        if (is_done(a->status))
            continue;
        open++;
        int n = snprintf(err + o_len, o_len < errcap ? errcap - o_len : 0, "%s'%.100s' (%s)",
                         open == 1 ? "" : ", ", a->item,
                         a->status[0] != '\0' ? a->status : "no status");
        if (n > 0)
            o_len += (size_t)n;
    }
    if (open > 0) {
        char items[768];
        snprintf(items, sizeof(items), "%s", err);
        snprintf(err, errcap,
                 "refused: %zu Action Item%s of the Full Incident Report %s not Complete or "
                 "Canceled: %s",
                 open, open == 1 ? "" : "s", open == 1 ? "is" : "are", items);
        return 0;
    }
    return 1;
}

int cg_incident_report_draft(const cg_incident *inc, int64_t at, const cg_report_opts *o,
                             cg_sbuf *out, char *err, size_t errcap)
{
    int ok = 0;
    writer w = {.inc = inc,
                .at = at,
                .o = o,
                .kind = cg_incident_kind_lookup(inc->kind),
                .delayed = cg_incident_revocation_delayed(inc, at)};
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if (!cg_incident_units(inc, &w.units, &w.n_units)) {
        snprintf(err, errcap, "out of memory");
        out->failed = 1;
        return 0;
    }
    if (o->kind == CG_REPORT_CLOSURE && !closure_facts(&w, err, errcap))
        goto out;
    if (o->kind != CG_REPORT_CLOSURE)
        cg_sbuf_printf(out, "## %s\n", cg_report_titles[o->kind]);
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (s->report != (int)o->kind)
            continue;
        cg_sbuf_printf(out, "%s### %s\n\n", o->kind == CG_REPORT_CLOSURE ? "" : "\n", s->title);
        switch (s->body) {
        case CG_TBODY_FIELDS:
            write_fields(&w, out, s);
            break;
        case CG_TBODY_LIST:
            cg_rep_write_timeline(&w, out);
            break;
        case CG_TBODY_TABLE:
            write_table(out, s);
            break;
        case CG_TBODY_FREE:
            write_appendix(&w, out);
            break;
        }
    }
    if (o->kind == CG_REPORT_CLOSURE)
        cg_sbuf_printf(out, "\n%s\n", cg_report_closure_request);
    ok = !out->failed;
    if (!ok)
        snprintf(err, errcap, "out of memory");
out:
    free(w.units);
    cg_report_facts_clear(&w.facts);
    return ok;
}

/* One cell of the appendix (util/escape.h: RFC 4180, no formula). */
static void csv_field(cg_sbuf *b, const char *s, int last)
{
    cg_esc_csv_cell(b, s, "N/A");
    cg_sbuf_puts(b, last ? "\r\n" : ",");
}

static const char *const csv_columns[] = {
    "Precertificate SHA-256 hash",
    "Certificate SHA-256 hash",
    "Subject",
    "Issuer",
    "Not before",
    "Not after",
    "Serial #",
    "dNSNames",
    "Is revoked?",
    "Revocation date",
    "Revocation reason",
};

void cg_incident_appendix_csv(const cg_incident *inc, int64_t at, cg_sbuf *out)
{
    size_t ncol = sizeof(csv_columns) / sizeof(csv_columns[0]);
    for (size_t i = 0; i < ncol; i++)
        csv_field(out, csv_columns[i], i + 1 == ncol);
    cg_incident_unit *units = NULL;
    size_t n_units = 0;
    if (!cg_incident_units(inc, &units, &n_units)) {
        out->failed = 1;
        return;
    }
    for (size_t i = 0; i < n_units; i++) {
        const cg_incident_unit *u = &units[i];
        const cg_incident_cert *c = cg_incident_unit_main(u), *r;
        char pre[65] = "", fin[65] = "", nb[32], na[32], rdate[32] = "N/A";
        const char *reason = "N/A";
        if (u->precert != NULL)
            cg_hex(u->precert->sha256, 32, pre);
        else if (u->cert->has_precert_sha)
            cg_hex(u->cert->precert_sha256, 32, pre);
        if (u->cert != NULL)
            cg_hex(u->cert->sha256, 32, fin);
        else if (u->precert->has_cert_sha)
            cg_hex(u->precert->cert_sha256, 32, fin);
        cg_time_format(c->not_before, nb, sizeof(nb));
        cg_time_format(c->not_after, na, sizeof(na));
        rev_status st = revocation_status(inc, u, at);
        if (st == REV_YES && (r = cg_incident_unit_revoked(u, at)) != NULL) {
            cg_time_format(r->revocation_date, rdate, sizeof(rdate));
            reason = r->reason == CG_REASON_OMITTED ? "unspecified"
                                                    : cg_incident_reason_name(r->reason);
        } else if (st == REV_PLANNED) {
            const cg_incident_kind *k = cg_incident_kind_lookup(inc->kind);
            if (k != NULL)
                cg_time_format(inc->reported_at + k->window, rdate, sizeof(rdate));
        }
        csv_field(out, pre, 0);
        csv_field(out, fin, 0);
        csv_field(out, c->subject, 0);
        csv_field(out, c->issuer, 0);
        csv_field(out, nb, 0);
        csv_field(out, na, 0);
        csv_field(out, c->serial_hex, 0);
        csv_field(out, c->dns_names, 0);
        csv_field(out, rev_status_names[st], 0);
        csv_field(out, rdate, 0);
        csv_field(out, reason, 1);
    }
    free(units);
}
