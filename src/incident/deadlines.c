#include "incident/deadlines.h"

#include <stdio.h>
#include <string.h>

#include "incident/kinds.h"
#include "util/hex.h"
#include "x509/time.h"

int cg_incident_cert_revoked_at(const cg_incident_cert *cert, int64_t at)
{
    if (!cert->revoked)
        return 0;
    if (cert->published_at != 0)
        return cert->published_at <= at;
    return cert->revocation_date <= at;
}

int cg_incident_revocation_eval(const cg_incident *inc, const cg_incident_cert *cert, int64_t at,
                                cg_revocation_eval *out)
{
    const cg_incident_kind *kind = cg_incident_kind_lookup(inc->kind);
    cg_revocation_eval e;
    if (kind == NULL)
        return 0;
    memset(&e, 0, sizeof(e));
    e.deadline = inc->reported_at + kind->window;
    if (cg_incident_cert_revoked_at(cert, at)) {
        /* BR §4.9.5 counts to the published revocation, so a revocationDate
         * inside the window does not help a revocation published after it. */
        e.revoked_at = cert->revocation_date;
        if (cert->published_at > e.revoked_at)
            e.revoked_at = cert->published_at;
        e.state = e.revoked_at <= e.deadline ? CG_REVOCATION_ON_TIME : CG_REVOCATION_LATE;
        if (e.state == CG_REVOCATION_LATE)
            e.late_by = e.revoked_at - e.deadline;
    } else if (cert->not_after <= e.deadline && at > cert->not_after) {
        /* Valid through notAfter (RFC 5280 §4.1.2.5) and gone by the
         * deadline: there is nothing left to revoke. */
        e.state = CG_REVOCATION_EXPIRED;
    } else if (at > e.deadline) {
        e.state = CG_REVOCATION_OVERDUE;
        e.late_by = (at > cert->not_after ? cert->not_after : at) - e.deadline;
    } else {
        e.state = CG_REVOCATION_PENDING;
        e.left = e.deadline - at;
    }
    *out = e;
    return 1;
}

int cg_incident_revocation_delayed(const cg_incident *inc, int64_t at)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        cg_revocation_eval e;
        if (!cg_incident_revocation_eval(inc, &inc->certs[i], at, &e))
            return 0;
        if (e.state == CG_REVOCATION_LATE || e.state == CG_REVOCATION_OVERDUE)
            return 1;
    }
    return 0;
}

static int is_report(cg_event_type t)
{
    return t == CG_EVENT_PRELIMINARY_REPORT || t == CG_EVENT_FULL_REPORT || t == CG_EVENT_UPDATE;
}

int cg_incident_update_due(const cg_incident *inc, int64_t at, int64_t *since, int64_t *due,
                           const char **why)
{
    int64_t last = 0, closed = 0, reopened = 0;
    int have_last = 0, have_closed = 0, have_reopened = 0;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if (ev->at > at)
            continue;
        if (is_report(ev->type) && (!have_last || ev->at > last)) {
            last = ev->at;
            have_last = 1;
        }
        if (ev->type == CG_EVENT_CLOSURE && (!have_closed || ev->at > closed)) {
            closed = ev->at;
            have_closed = 1;
        }
    }
    if (!have_last)
        return 0; /* the report deadlines cover an incident with no report yet */
    if (have_closed) {
        /* CCADB: after a closure report, updates are owed again only once a
         * question is raised; the clock starts at the first such question. */
        for (size_t i = 0; i < inc->n_events; i++) {
            const cg_incident_event *ev = &inc->events[i];
            if (ev->type == CG_EVENT_QUESTION && ev->at > closed && ev->at <= at &&
                (!have_reopened || ev->at < reopened)) {
                reopened = ev->at;
                have_reopened = 1;
            }
        }
        if (!have_reopened)
            return 0;
        if (reopened > last)
            last = reopened;
    }
    *since = last;
    int delayed = cg_incident_revocation_delayed(inc, at);
    int64_t period = delayed ? CG_UPDATE_WINDOW_REVOCATION_DELAY : CG_UPDATE_WINDOW;
    *due = last + period;
    *why = delayed ? "3 days (revocation-delay incident)" : "7 days";
    /* A next-update date set after the last update replaces the 7-day rule;
     * a revocation-delay incident still owes one every 3 days. */
    if (inc->next_update_at > last && (!delayed || inc->next_update_at < *due)) {
        *due = inc->next_update_at;
        *why = "the next-update date";
    }
    return 1;
}

int cg_incident_update_must(const cg_incident *inc, int64_t at, int64_t *due)
{
    int64_t since, should;
    const char *why;
    if (!cg_incident_update_due(inc, at, &since, &should, &why))
        return 0;
    *due = inc->next_update_at > since ? inc->next_update_at : since + CG_UPDATE_WINDOW;
    /* a revocation-delay incident owes one at least every 7 days whatever
     * date it set */
    if (cg_incident_revocation_delayed(inc, at) && *due > since + CG_UPDATE_WINDOW)
        *due = since + CG_UPDATE_WINDOW;
    return 1;
}

static int is_ca_answer(cg_event_type t)
{
    return t != CG_EVENT_QUESTION;
}

int cg_incident_question_answered(const cg_incident *inc, size_t i, int64_t at)
{
    const cg_incident_event *q = &inc->events[i];
    for (size_t j = 0; j < inc->n_events; j++) {
        const cg_incident_event *ev = &inc->events[j];
        /* events are in time order, then as added: one at the same second
         * added after the question answers it */
        if (is_ca_answer(ev->type) && ev->at <= at && (ev->at > q->at || (ev->at == q->at && j > i)))
            return 1;
    }
    return 0;
}

void cg_incident_format_duration(int64_t seconds, char *buf, size_t cap)
{
    /* Days and hours as people count lateness ("46 days 10 hours", not
     * "1114 hours"), to the second when it is not whole hours. */
    long long d = (long long)(seconds / 86400), h = (long long)(seconds / 3600 % 24),
              m = (long long)(seconds / 60 % 60), s = (long long)(seconds % 60);
    char days[32] = "";
    if (d > 0)
        snprintf(days, sizeof(days), "%lld day%s ", d, d == 1 ? "" : "s");
    if (m == 0 && s == 0)
        snprintf(buf, cap, "%s%lld hour%s", days, h, h == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%s%lld hour%s %lld min %lld s", days, h, h == 1 ? "" : "s", m, s);
}

/* Serial hex to INTEGER contents for the finding's object reference; 0
 * (an empty serial) when it is not hex or does not fit. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = hex != NULL ? strlen(hex) : 0, o = 0, got = 0;
    if (n == 0 || (n + 1) / 2 > cap)
        return 0;
    if (n % 2 == 1) { /* an odd digit count: the first octet has one digit */
        int d = cg_hex_value((unsigned char)hex[0]);
        if (d < 0)
            return 0;
        out[o++] = (uint8_t)d;
    }
    if (!cg_unhex(hex + o, n - o, out + o, cap - o, &got))
        return 0;
    return o + got;
}

typedef struct {
    cg_ctx *ctx;
    const cg_incident *inc;
    const cg_incident_kind *kind;
    char reported[32], window[32];
} check_state;

static void cert_ref(const cg_incident *inc, size_t i, cg_objref *ref, uint8_t *serial, size_t cap)
{
    const cg_incident_cert *c = &inc->certs[i];
    memset(ref, 0, sizeof(*ref));
    ref->index = i;
    ref->kind = c->is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
    ref->has_hash = 1;
    memcpy(ref->sha256, c->sha256, 32);
    size_t n = unhex(c->serial_hex, serial, cap);
    ref->serial.data = serial;
    ref->serial.len = n;
}

static void check_cert(check_state *st, size_t i)
{
    const cg_incident *inc = st->inc;
    const cg_incident_cert *c = &inc->certs[i];
    int64_t at = st->ctx->at;
    cg_revocation_eval e;
    cg_objref ref;
    uint8_t serial[64];
    char deadline[32], when[32], dur[48], rdate[32], pub[32];
    cert_ref(inc, i, &ref, serial, sizeof(serial));
    cg_incident_revocation_eval(inc, c, at, &e);
    cg_time_format(e.deadline, deadline, sizeof(deadline));
    switch (e.state) {
    case CG_REVOCATION_LATE:
        cg_incident_format_duration(e.late_by, dur, sizeof(dur));
        cg_time_format(c->revocation_date, rdate, sizeof(rdate));
        if (c->published_at != 0)
            cg_time_format(c->published_at, pub, sizeof(pub));
        else
            snprintf(pub, sizeof(pub), "unknown");
        cg_report_incident(
            st->ctx, CG_R_REVOCATION_DEADLINE_MISSED, &ref, inc->id,
            "revoked %s late: %s allows %s from the problem report (%s), so the deadline was "
            "%s; revocationDate %s, first seen on a CRL %s%s",
            dur, st->kind->name, st->window, st->reported, deadline, rdate, pub,
            c->revocation_date <= e.deadline
                ? " (the revocationDate is within the window, but publication counts)"
                : "");
        break;
    case CG_REVOCATION_OVERDUE:
        cg_incident_format_duration(e.late_by, dur, sizeof(dur));
        if (at > c->not_after) {
            cg_time_format(c->not_after, when, sizeof(when));
            cg_report_incident(st->ctx, CG_R_REVOCATION_DEADLINE_MISSED, &ref, inc->id,
                               "never revoked: expired %s, %s after the deadline %s (%s "
                               "allows %s from the problem report, %s)",
                               when, dur, deadline, st->kind->name, st->window, st->reported);
        } else {
            cg_report_incident(st->ctx, CG_R_REVOCATION_DEADLINE_MISSED, &ref, inc->id,
                               "not revoked, %s late: the deadline was %s (%s allows %s from "
                               "the problem report, %s)",
                               dur, deadline, st->kind->name, st->window, st->reported);
        }
        break;
    case CG_REVOCATION_PENDING:
        /* A certificate that expires by the deadline needs no revocation. */
        if (c->not_after > e.deadline && e.left < st->kind->window / 4) {
            cg_incident_format_duration(e.left, dur, sizeof(dur));
            cg_report_incident(st->ctx, CG_R_REVOCATION_DEADLINE_APPROACHING, &ref, inc->id,
                               "not revoked, %s left: the deadline is %s (%s allows %s from "
                               "the problem report, %s)",
                               dur, deadline, st->kind->name, st->window, st->reported);
        }
        break;
    default:
        break;
    }
    if ((e.state == CG_REVOCATION_ON_TIME || e.state == CG_REVOCATION_LATE) &&
        c->reason != st->kind->reason) {
        char got[48], want[48];
        cg_incident_reason_describe(c->reason, got, sizeof(got));
        cg_incident_reason_describe(st->kind->reason, want, sizeof(want));
        cg_report_incident(st->ctx, CG_R_REVOCATION_REASON_INCORRECT, &ref, inc->id,
                           "the CRL entry has %s; %s requires %s (%s)", got, st->kind->name, want,
                           st->kind->reference);
    }
}

/* The first event of one of the types in mask, at or before `at`. */
static int first_event(const cg_incident *inc, unsigned mask, int64_t at, int64_t *when)
{
    int found = 0;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if ((mask & (1u << ev->type)) == 0 || ev->at > at)
            continue;
        if (!found || ev->at < *when) {
            *when = ev->at;
            found = 1;
        }
    }
    return found;
}

static void check_report_deadline(check_state *st, const cg_objref *ref, cg_rule_id rule,
                                  unsigned mask, int64_t window, const char *what)
{
    const cg_incident *inc = st->inc;
    int64_t at = st->ctx->at, deadline = inc->reported_at + window, posted = 0;
    char dl[32], when[32], dur[48];
    cg_time_format(deadline, dl, sizeof(dl));
    if (first_event(inc, mask, at, &posted)) {
        if (posted <= deadline)
            return;
        cg_time_format(posted, when, sizeof(when));
        cg_incident_format_duration(posted - deadline, dur, sizeof(dur));
        cg_report_incident(st->ctx, rule, ref, inc->id,
                           "the first %s was posted %s, %s after the deadline %s (problem "
                           "report %s)",
                           what, when, dur, dl, st->reported);
    } else if (at > deadline) {
        cg_incident_format_duration(at - deadline, dur, sizeof(dur));
        cg_report_incident(st->ctx, rule, ref, inc->id,
                           "no %s yet, %s after the deadline %s (problem report %s)", what, dur,
                           dl, st->reported);
    }
}

/* incident.question_unanswered: one finding for the incident, naming the
 * oldest question left without a CA answer for more than 7 days and how
 * many such questions there are. */
static void check_questions(check_state *st, const cg_objref *ref)
{
    const cg_incident *inc = st->inc;
    int64_t at = st->ctx->at;
    size_t oldest = 0, n = 0;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if (ev->type != CG_EVENT_QUESTION || ev->at > at || at - ev->at <= CG_QUESTION_WINDOW ||
            cg_incident_question_answered(inc, i, at))
            continue;
        if (n++ == 0)
            oldest = i;
    }
    if (n == 0)
        return;
    const cg_incident_event *q = &inc->events[oldest];
    char when[32], dur[48], more[64] = "";
    cg_time_format(q->at, when, sizeof(when));
    cg_incident_format_duration(at - q->at - CG_QUESTION_WINDOW, dur, sizeof(dur));
    if (n > 1)
        snprintf(more, sizeof(more), " (%zu questions unanswered past 7 days)", n);
    int noted = q->note != NULL && q->note[0] != '\0';
    cg_report_incident(st->ctx, CG_R_INCIDENT_QUESTION_UNANSWERED, ref, inc->id,
                       "the question of %s%s%.200s%s has had no CA comment after it for %lld "
                       "days: the answer the CCADB requires within 7 days is %s late%s",
                       when, noted ? " (" : "", noted ? q->note : "", noted ? ")" : "",
                       (long long)((at - q->at) / 86400), dur, more);
}

int cg_incident_check(cg_ctx *ctx, const cg_incident *inc)
{
    check_state st;
    cg_objref ref;
    int64_t since, due;
    const char *why;
    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    st.inc = inc;
    st.kind = cg_incident_kind_lookup(inc->kind);
    cg_time_format(inc->reported_at, st.reported, sizeof(st.reported));
    if (st.kind != NULL) {
        cg_incident_window_name(st.kind->window, st.window, sizeof(st.window));
        for (size_t i = 0; i < inc->n_certs; i++)
            check_cert(&st, i);
    }

    memset(&ref, 0, sizeof(ref));
    ref.kind = CG_KIND_INCIDENT;
    check_report_deadline(&st, &ref, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE,
                          1u << CG_EVENT_PRELIMINARY_REPORT | 1u << CG_EVENT_FULL_REPORT,
                          CG_PRELIMINARY_REPORT_WINDOW, "preliminary or full report");
    check_report_deadline(&st, &ref, CG_R_INCIDENT_FULL_REPORT_OVERDUE, 1u << CG_EVENT_FULL_REPORT,
                          CG_FULL_REPORT_WINDOW, "full report");
    check_questions(&st, &ref);
    if (cg_incident_update_must(inc, ctx->at, &due) && ctx->at > due) {
        char dl[32], dur[48];
        cg_time_format(due, dl, sizeof(dl));
        cg_incident_format_duration(ctx->at - due, dur, sizeof(dur));
        cg_report_incident(ctx, CG_R_INCIDENT_UPDATE_MISSED, &ref, inc->id,
                           "the update the CCADB requires by %s (%s) was not posted, %s ago",
                           dl,
                           inc->next_update_at > 0 && due == inc->next_update_at
                               ? "the \"Next update\" date"
                               : "7 days after the last update",
                           dur);
    }
    if (cg_incident_update_due(inc, ctx->at, &since, &due, &why) && ctx->at > due) {
        char last[32], dl[32], dur[48];
        cg_time_format(since, last, sizeof(last));
        cg_time_format(due, dl, sizeof(dl));
        cg_incident_format_duration(ctx->at - due, dur, sizeof(dur));
        cg_report_incident(ctx, CG_R_INCIDENT_UPDATE_OVERDUE, &ref, inc->id,
                           "no report or update since %s; the next was due %s (%s), %s ago", last,
                           dl, why, dur);
    }
    return st.kind != NULL;
}
