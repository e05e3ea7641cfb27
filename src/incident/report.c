#include "incident/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/template.h"
#include "x509/time.h"

/* Above this many certificates the timeline names only the first and the
 * last issuance and revocation; the appendix has them all. */
#define TIMELINE_CERTS_MAX 10

typedef struct {
    const cg_incident *inc;
    int64_t at;
    const cg_incident_kind *kind; /* NULL for an unknown kind */
    int delayed;
    cg_incident_unit *units; /* the certificates as the CCADB counts them */
    size_t n_units;
} writer;

/* "YYYY-MM-DD HH:MM UTC": the template asks for UTC, at least to the minute. */
static void minute(int64_t t, char *buf, size_t cap)
{
    char full[32];
    cg_time_format(t, full, sizeof(full));
    snprintf(buf, cap, "%.10s %.5s UTC", full, full + 11);
}

static void put_minute(cg_sbuf *b, int64_t t)
{
    char m[40];
    minute(t, m, sizeof(m));
    cg_sbuf_puts(b, m);
}

/* Text on one Markdown line: line breaks become spaces; in a table cell '|'
 * is escaped too. */
static void put_inline(cg_sbuf *b, const char *s, int cell)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n' || *s == '\r')
            cg_sbuf_puts(b, " ");
        else if (*s == '|' && cell)
            cg_sbuf_puts(b, "\\|");
        else
            cg_sbuf_append(b, s, 1);
    }
}

static const char *serial_of(const cg_incident_cert *c)
{
    return c->serial_hex != NULL && c->serial_hex[0] != '\0' ? c->serial_hex : "(unknown)";
}

static const char *what(const cg_incident_cert *c)
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
static const cg_incident_cert *unit_revoked(const cg_incident_unit *u, int64_t at)
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
    return at >= c->not_before && at <= c->not_after && unit_revoked(u, at) == NULL;
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
        put_inline(b, inc->title, 0);
        if (strchr(".!?", inc->title[n - 1]) == NULL)
            cg_sbuf_puts(b, ".");
        cg_sbuf_puts(b, " ");
    }
    if (w->kind == NULL) {
        cg_sbuf_printf(b, "Incident of kind `%s`.", inc->kind != NULL ? inc->kind : "");
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
        put_minute(b, inc->reported_at + w->kind->window);
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
    case CG_TF_NC_START:
        t = nc_start(w);
        if (t == 0)
            cg_sbuf_puts(b, "N/A");
        else
            put_minute(b, t);
        return;
    case CG_TF_NC_IDENTIFIED:
        put_minute(b, inc->reported_at);
        return;
    case CG_TF_NC_END:
        if (nc_start(w) != 0 && nc_end(w, &t)) {
            put_minute(b, t);
        } else if (nc_start(w) != 0) {
            cg_sbuf_puts(b, "N/A (ongoing at ");
            put_minute(b, w->at);
            cg_sbuf_puts(b, ")");
        } else {
            cg_sbuf_puts(b, "N/A");
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
        } else {
            put_count(b, vcerts, vpre);
            cg_sbuf_puts(b, " at ");
            put_minute(b, w->at);
        }
        return;
    default:
        cg_sbuf_puts(b, "N/A");
        return;
    }
}

static void write_fields(writer *w, cg_sbuf *b, const cg_tsection *s)
{
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

typedef struct {
    int64_t t;
    size_t seq;
    char *text;
} entry;

typedef struct {
    entry *v;
    size_t n, cap;
    int failed;
} timeline;

static void tl_add(timeline *tl, int64_t t, cg_sbuf *text)
{
    if (text->failed || text->data == NULL || tl->failed) {
        tl->failed = 1;
        cg_sbuf_free(text);
        return;
    }
    if (tl->n == tl->cap) {
        size_t cap = tl->cap == 0 ? 16 : tl->cap * 2;
        entry *v = realloc(tl->v, cap * sizeof(*v));
        if (v == NULL) {
            tl->failed = 1;
            cg_sbuf_free(text);
            return;
        }
        tl->v = v;
        tl->cap = cap;
    }
    tl->v[tl->n].t = t;
    tl->v[tl->n].seq = tl->n;
    tl->v[tl->n].text = text->data; /* the entry owns the text now */
    tl->n++;
    text->data = NULL;
    cg_sbuf_free(text);
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *event_label(cg_event_type t)
{
    switch (t) {
    case CG_EVENT_PRELIMINARY_REPORT:
        return "Preliminary incident report posted";
    case CG_EVENT_FULL_REPORT:
        return "Full incident report posted";
    case CG_EVENT_UPDATE:
        return "Incident report updated";
    case CG_EVENT_QUESTION:
        return "Question raised on the incident";
    case CG_EVENT_RESPONSE:
        return "Response posted";
    case CG_EVENT_CLOSURE:
        return "Closure report posted";
    default:
        return "Event";
    }
}

static void add_issuance(timeline *tl, const cg_incident_cert *c, const char *prefix)
{
    cg_sbuf s = CG_SBUF_INIT;
    cg_sbuf_printf(&s, "%s%s %s issued (notBefore)", prefix, what(c), serial_of(c));
    if (c->dns_names != NULL && c->dns_names[0] != '\0') {
        cg_sbuf_puts(&s, " for ");
        put_inline(&s, c->dns_names, 0);
    }
    tl_add(tl, c->not_before, &s);
}

static void add_revocation(writer *w, timeline *tl, const cg_incident_cert *c, const char *prefix)
{
    cg_sbuf s = CG_SBUF_INIT;
    cg_revocation_eval e;
    char reason[48];
    cg_incident_reason_describe(c->reason, reason, sizeof(reason));
    cg_sbuf_printf(&s, "%s%s %s revoked (revocationDate ", prefix, what(c), serial_of(c));
    put_minute(&s, c->revocation_date);
    cg_sbuf_printf(&s, ", %s), first seen on a CRL", reason);
    if (cg_incident_revocation_eval(w->inc, c, w->at, &e) && e.state == CG_REVOCATION_LATE) {
        char dur[48];
        cg_incident_format_duration(e.late_by, dur, sizeof(dur));
        cg_sbuf_printf(&s, ": %s after the revocation deadline", dur);
    }
    tl_add(tl, c->published_at != 0 ? c->published_at : c->revocation_date, &s);
}

static void build_timeline(writer *w, timeline *tl)
{
    const cg_incident *inc = w->inc;
    const cg_incident_cert *first = NULL, *last = NULL, *rfirst = NULL, *rlast = NULL;
    size_t issued = 0, revoked = 0;
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        if (c->not_before <= w->at) {
            issued++;
            if (first == NULL || c->not_before < first->not_before)
                first = c;
            if (last == NULL || c->not_before >= last->not_before)
                last = c;
        }
        if (cg_incident_cert_revoked_at(c, w->at)) {
            int64_t t = c->published_at != 0 ? c->published_at : c->revocation_date;
            revoked++;
            if (rfirst == NULL ||
                t < (rfirst->published_at != 0 ? rfirst->published_at : rfirst->revocation_date))
                rfirst = c;
            if (rlast == NULL ||
                t >= (rlast->published_at != 0 ? rlast->published_at : rlast->revocation_date))
                rlast = c;
        }
    }
    if (inc->n_certs <= TIMELINE_CERTS_MAX) {
        for (size_t i = 0; i < inc->n_certs; i++) {
            const cg_incident_cert *c = &inc->certs[i];
            if (c->not_before <= w->at)
                add_issuance(tl, c, "Affected ");
            if (cg_incident_cert_revoked_at(c, w->at))
                add_revocation(w, tl, c, "Affected ");
        }
    } else {
        char prefix[64];
        if (first != NULL) {
            snprintf(prefix, sizeof(prefix), "First of %zu affected objects issued: ", issued);
            add_issuance(tl, first, prefix);
            snprintf(prefix, sizeof(prefix), "Last of %zu affected objects issued: ", issued);
            add_issuance(tl, last, prefix);
        }
        if (rfirst != NULL) {
            snprintf(prefix, sizeof(prefix), "First of %zu revocations: ", revoked);
            add_revocation(w, tl, rfirst, prefix);
            snprintf(prefix, sizeof(prefix), "Last of %zu revocations: ", revoked);
            add_revocation(w, tl, rlast, prefix);
        }
    }

    cg_sbuf s = CG_SBUF_INIT;
    switch (inc->source) {
    case CG_SOURCE_THIRD_PARTY:
        cg_sbuf_puts(&s, "Certificate Problem Report received from a third party");
        break;
    case CG_SOURCE_AUDIT:
        cg_sbuf_puts(&s, "Problem reported by the auditor");
        break;
    default:
        cg_sbuf_puts(&s, "Problem identified by the CA (self-reported)");
        break;
    }
    tl_add(tl, inc->reported_at, &s);
    if (w->kind != NULL && inc->n_certs > 0) {
        char window[32];
        cg_incident_window_name(w->kind->window, window, sizeof(window));
        cg_sbuf_printf(&s, "Revocation deadline: %s after the report (%s)", window,
                       w->kind->reference);
        tl_add(tl, inc->reported_at + w->kind->window, &s);
    }
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if (ev->at > w->at)
            continue;
        cg_sbuf_puts(&s, event_label(ev->type));
        if (ev->note != NULL && ev->note[0] != '\0') {
            cg_sbuf_puts(&s, ": ");
            put_inline(&s, ev->note, 0);
        }
        tl_add(tl, ev->at, &s);
    }
    qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
}

static void write_timeline(writer *w, cg_sbuf *b)
{
    timeline tl = {NULL, 0, 0, 0};
    build_timeline(w, &tl);
    if (tl.failed)
        b->failed = 1;
    for (size_t i = 0; i < tl.n; i++) {
        cg_sbuf_puts(b, "- ");
        put_minute(b, tl.v[i].t);
        cg_sbuf_printf(b, ": %s\n", tl.v[i].text);
        free(tl.v[i].text);
    }
    free(tl.v);
}

static void write_table(cg_sbuf *b, const cg_tsection *s)
{
    for (size_t i = 0; i < s->n_columns; i++)
        cg_sbuf_printf(b, "| %s ", s->columns[i]);
    cg_sbuf_puts(b, "|\n");
    for (size_t i = 0; i < s->n_columns; i++)
        cg_sbuf_puts(b, "|---");
    cg_sbuf_puts(b, "|\n");
    for (size_t i = 0; i < s->n_columns; i++)
        cg_sbuf_puts(b, "| N/A ");
    cg_sbuf_puts(b, "|\n");
}

typedef enum { REV_YES, REV_PLANNED, REV_DELAYED, REV_NA } rev_status;

/* The template's "Is revoked?" of a unit: Yes, Planned, Delayed, or N/A
 * (expired). */
static rev_status revocation_status(const cg_incident *inc, const cg_incident_unit *u, int64_t at)
{
    cg_revocation_eval e;
    const cg_incident_cert *c = cg_incident_unit_main(u);
    if (unit_revoked(u, at) != NULL)
        return REV_YES;
    if (at > c->not_after)
        return REV_NA;
    if (!cg_incident_revocation_eval(inc, c, at, &e))
        return REV_PLANNED;
    return e.state == CG_REVOCATION_OVERDUE ? REV_DELAYED : REV_PLANNED;
}

static const char *const rev_status_names[] = {"Yes", "Planned", "Delayed", "N/A"};

static void write_appendix(writer *w, cg_sbuf *b)
{
    size_t rows = w->n_units;
    char sha[65];
    if (rows == 0) {
        cg_sbuf_puts(b, "N/A\n");
        return;
    }
    cg_sbuf_printf(b, "%zu affected certificate%s at ", rows, rows == 1 ? "" : "s");
    put_minute(b, w->at);
    cg_sbuf_puts(b, "; the attached CSV (`caguard incident report --appendix-csv`) has the "
                    "template's fields for each.\n\n");
    for (size_t i = 0; i < rows; i++) {
        const cg_incident_unit *u = &w->units[i];
        const cg_incident_cert *c = cg_incident_unit_main(u);
        cg_hex(c->sha256, 32, sha);
        cg_sbuf_printf(b, "- https://crt.sh/?sha256=%s (%s%s, serial %s, revoked: %s)\n", sha,
                       what(c),
                       u->cert != NULL && u->precert != NULL ? " and its precertificate" : "",
                       serial_of(c), rev_status_names[revocation_status(w->inc, u, w->at)]);
    }
}

void cg_incident_report_markdown(const cg_incident *inc, int64_t at, cg_sbuf *out)
{
    writer w;
    w.inc = inc;
    w.at = at;
    w.kind = cg_incident_kind_lookup(inc->kind);
    w.delayed = cg_incident_revocation_delayed(inc, at);
    if (!cg_incident_units(inc, &w.units, &w.n_units)) {
        out->failed = 1;
        return;
    }
    int report = -1;
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (s->report != report) {
            report = s->report;
            cg_sbuf_printf(out, "%s## %s\n", i == 0 ? "" : "\n", cg_report_titles[report]);
        }
        cg_sbuf_printf(out, "\n### %s\n\n", s->title);
        switch (s->body) {
        case CG_TBODY_FIELDS:
            if (s->lead != NULL)
                cg_sbuf_printf(out, "**%s 1: N/A**\n", s->lead);
            write_fields(&w, out, s);
            break;
        case CG_TBODY_LIST:
            write_timeline(&w, out);
            break;
        case CG_TBODY_TABLE:
            write_table(out, s);
            break;
        case CG_TBODY_FREE:
            write_appendix(&w, out);
            break;
        }
    }
    free(w.units);
}

static void csv_field(cg_sbuf *b, const char *s, int last)
{
    if (s == NULL || s[0] == '\0')
        s = "N/A";
    if (strpbrk(s, ",\"\r\n") != NULL) {
        cg_sbuf_puts(b, "\"");
        for (; *s != '\0'; s++) {
            if (*s == '"')
                cg_sbuf_puts(b, "\"\"");
            else
                cg_sbuf_append(b, s, 1);
        }
        cg_sbuf_puts(b, "\"");
    } else {
        cg_sbuf_puts(b, s);
    }
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
        if (st == REV_YES && (r = unit_revoked(u, at)) != NULL) {
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
