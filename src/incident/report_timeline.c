/* The Timeline section of a CCADB report draft (see report.c): the
 * incident's events, the certificates' issuance and revocation (the first
 * and last only above TIMELINE_CERTS_MAX) and the deadlines, sorted by time,
 * events before certificates at the same minute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/report_internal.h"
#include "util/escape.h"
#include "x509/time.h"

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
    cg_sbuf_printf(&s, "%s%s ", prefix, cg_rep_what(c));
    cg_rep_put_serial(&s, c);
    cg_sbuf_puts(&s, " issued (notBefore)");
    if (c->dns_names != NULL && c->dns_names[0] != '\0') {
        cg_sbuf_puts(&s, " for ");
        cg_rep_put_dns_names(&s, c->dns_names);
    }
    tl_add(tl, c->not_before, &s);
}

static void add_revocation(writer *w, timeline *tl, const cg_incident_cert *c, const char *prefix)
{
    cg_sbuf s = CG_SBUF_INIT;
    cg_revocation_eval e;
    char reason[48];
    cg_incident_reason_describe(c->reason, reason, sizeof(reason));
    cg_sbuf_printf(&s, "%s%s ", prefix, cg_rep_what(c));
    cg_rep_put_serial(&s, c);
    cg_sbuf_puts(&s, " revoked (revocationDate ");
    cg_rep_put_minute(&s, c->revocation_date);
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
            cg_esc_md_text(&s, ev->note, 0);
        }
        tl_add(tl, ev->at, &s);
    }
    qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
}

void cg_rep_write_timeline(writer *w, cg_sbuf *b)
{
    timeline tl = {NULL, 0, 0, 0};
    build_timeline(w, &tl);
    if (tl.failed)
        b->failed = 1;
    for (size_t i = 0; i < tl.n; i++) {
        cg_sbuf_puts(b, "- ");
        cg_rep_put_minute(b, tl.v[i].t);
        cg_sbuf_printf(b, ": %s\n", tl.v[i].text);
        free(tl.v[i].text);
    }
    free(tl.v);
}
