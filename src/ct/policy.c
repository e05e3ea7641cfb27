/* Browser CT policies over embedded SCTs (see policy.h).
 *
 * caguard checks certificates, not TLS handshakes, so only each policy's
 * embedded-SCT criteria are implemented; the TLS/OCSP branches are not.
 *
 * Chrome: https://googlechrome.github.io/CertificateTransparency/ct_policy.html
 * (GoogleChrome/CertificateTransparency ct_policy.md and log_states.md)
 *   C1. At least one embedded SCT from a log Qualified, Usable or ReadOnly at
 *       the time of check.
 *   C2. Embedded SCTs from at least N distinct logs Qualified, Usable,
 *       ReadOnly or Retired at the time of check; N = 2 for a lifetime
 *       <= 180 days, 3 above. The policy gives no formula for the lifetime;
 *       Chromium's enforcer (components/certificate_transparency/
 *       chrome_ct_policy_enforcer.cc) uses notAfter - notBefore and needs 3
 *       only when that exceeds 180 * 86400 s, so exactly 180 days needs 2.
 *   C3. Among the SCTs of C2, two from distinct operators. Operators are the
 *       entries of the list's operators section; an SCT's operator is the
 *       one running its log at the SCT's timestamp (previous_operators).
 *   Retired: an SCT counts only if issued before the Retired timestamp, and
 *       the earliest SCT presented is also before it (Chromium: the earliest
 *       SCT from a log not retired at the time of check, the "issuance
 *       date"). Pending and Rejected logs never count (log_states.md).
 *   Not checked: the 70-day freshness of the list (a cg_loglist does not
 *       keep log_list_timestamp).
 *
 * Apple: https://support.apple.com/en-us/103214
 *   A1. At least one embedded SCT from a currently approved log.
 *   A2. SCTs from at least N distinct once or currently approved logs, of
 *       which at most M per operator count: lifetime 180 days or less, N 2
 *       and M 1; 181 to 398 days, N 3 and M 2. The table stops at 398 days
 *       (Apple does not trust longer-lived TLS certificates); longer ones
 *       get the last row and the reason says so. Lifetime is "notBefore
 *       through notAfter, inclusive" (RFC 5280 4.1.2.5) in days of 86400 s,
 *       any part of a day counting as a day: ceil((nA - nB + 1) / 86400).
 *   A3. At least one SCT from an RFC 6962 log (not a static-ct-api log).
 *   From Apple's open-source trustd (Security, trust/trustd/
 *   CertificateTransparency.c), which the page does not spell out: an SCT
 *   counts only if its log's temporal interval contains notAfter, a
 *   read-only log's SCT only if not later than the read-only time, and a
 *   once-approved log's SCT only if it and the issuance time (earliest SCT
 *   from a currently approved log) predate the end of approval.
 *   "Currently approved" is read as Qualified, Usable or ReadOnly.
 *
 * Mozilla: https://wiki.mozilla.org/SecurityEngineering/Certificate_Transparency
 * (enforced since Firefox 135). Logs come from Chrome's list: Pending and
 * Rejected are disregarded, Qualified, Usable and ReadOnly are Admissible,
 * Retired are kept with their retirement time.
 *   M1. At least one embedded SCT from an Admissible log.
 *   M2. At least N embedded SCTs from distinct logs Admissible or Retired at
 *       the time of check (Retired as for Chrome); N = 2 for a lifetime
 *       <= 180 days, else 3, lifetime being notAfter - notBefore (Gecko
 *       security/ct/CTPolicyEnforcer.cpp).
 *   M3. Among those SCTs, two distinct log operators.
 *   These match Chrome's; the two differ only in the TLS branch.
 *
 * Common to all three: only SCTs with valid = 1 count, an SCT dated after
 * the evaluation time does not count (browsers reject future SCTs), a log
 * counts once however many SCTs it gave, and a log's operator is taken at
 * its earliest counted SCT (Chrome's previous_operators rule; Apple's and
 * Mozilla's pages do not cover operator changes).
 *
 * Reading one snapshot list at the time of check: a log's state is read at
 * the evaluation time using state_ts. A state entered after that time means
 * the log was in an earlier one then: Qualified -> it was Pending; Usable or
 * ReadOnly -> it was Qualified or Usable; Retired -> it was Qualified,
 * Usable or ReadOnly. Test and monitoring-only logs never count.
 *   crt.sh's list carries no states: such logs are "unknown". Each policy is
 *   evaluated twice, unknown logs read once as not counting and once as
 *   Qualified/Usable/ReadOnly; if both agree, that is the answer, otherwise
 *   the result is NOT_EVALUATED and the reason names the logs.
 *   Rejected in a Chrome-format list never counts; entered after the time of
 *   check it is unknown (it may come from Pending or from any approved
 *   state). Apple's list has no Retired state: it moves both distrusted logs
 *   (DigiCert Log Server 2, which Chrome retired) and expired shards to
 *   "rejected". In an Apple-format list Rejected is therefore read as the
 *   end of approval, like Retired; a log Apple rejected straight from
 *   Pending would be counted as once approved, which the list cannot tell
 *   apart. */
#include "ct/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/time.h"

#define DAY_S INT64_C(86400)
#define SHORT_LIFETIME_DAYS 180
#define APPLE_TABLE_DAYS 398
#define TIME_BUF 48 /* cg_time_format_ms output */

typedef enum { POL_CHROME, POL_APPLE, POL_MOZILLA } policy_kind;

/* What a log's entry lets its SCTs count for at the time of check. */
typedef enum {
    ST_NONE,    /* never counts */
    ST_ACTIVE,  /* Qualified, Usable or ReadOnly */
    ST_ENDED,   /* Retired (Apple's lists: Rejected): SCTs before end_ms count for N */
    ST_UNKNOWN, /* the list cannot say */
} standing;

typedef struct {
    standing st;
    int64_t end_ms;   /* ST_ENDED */
    const char *note; /* why it does not, or may not, count */
} log_standing;

/* One distinct log among the SCTs. */
typedef struct {
    const cg_log *log;
    uint64_t first_ms; /* its earliest SCT that can count (when skipped: earliest) */
    const char *op;    /* operator at first_ms */
    log_standing s;
    int skipped; /* no SCT of this log passed the per-SCT checks; s.note says why */
} log_entry;

/* The requirements' numbers under one reading of the unknown states. */
typedef struct {
    uint64_t issuance; /* earliest SCT from an active log, UINT64_MAX if none */
    size_t active;     /* distinct logs active at the time of check */
    size_t counted;    /* distinct logs counting towards N */
    size_t capped;     /* counted, at most M per operator (Apple) */
    size_t ops;        /* distinct operators among counted */
    size_t rfc6962;    /* counted logs that are not static-ct-api */
} tally;

typedef struct {
    policy_kind kind;
    int64_t at_ms;
    size_t n_scts;
    log_entry *logs;
    size_t n_logs;
    size_t need; /* N */
    size_t cap;  /* M; 0 = no per-operator cap */
    char lifetime[96];
    size_t n_unlisted; /* SCTs whose log is not in the list */
} evaluation;

/* A bounded string builder: a message cut short ends in "...". */
typedef struct {
    char *p;
    size_t cap;
    size_t len;
} msg;

static void msg_init(msg *m, char *buf, size_t cap)
{
    m->p = buf;
    m->cap = buf != NULL ? cap : 0;
    m->len = 0;
    if (m->cap > 0)
        buf[0] = '\0';
}

static void msg_add(msg *m, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    if (m->cap == 0 || m->len + 1 >= m->cap)
        return;
    room = m->cap - m->len;
    va_start(ap, fmt);
    n = vsnprintf(m->p + m->len, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < room) {
        m->len += (size_t)n;
        return;
    }
    m->len = m->cap - 1;
    if (m->cap > 4)
        memcpy(m->p + m->cap - 4, "...", 3);
}

/* ---- time arithmetic that cannot overflow on hostile input ---- */

static int64_t sec_to_ms(int64_t s)
{
    if (s > INT64_MAX / 1000)
        return INT64_MAX;
    if (s < INT64_MIN / 1000)
        return INT64_MIN;
    return s * 1000;
}

static int64_t sub_sat(int64_t a, int64_t b)
{
    if (b < 0 && a > INT64_MAX + b)
        return INT64_MAX;
    if (b > 0 && a < INT64_MIN + b)
        return INT64_MIN;
    return a - b;
}

static int64_t ms_signed(uint64_t ms)
{
    return ms > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ms;
}

static const char *log_name(const cg_log *log)
{
    return log->description[0] != '\0' ? log->description : "log without description";
}

/* ---- reading the list ---- */

static log_standing standing_at(const cg_log *log, int64_t at_ms)
{
    log_standing s = {ST_NONE, 0, NULL};
    int later = log->state_ts > at_ms;

    /* Production logs have no log_type (or "prod"); the rest never count. */
    if (log->log_type != NULL && strcmp(log->log_type, "prod") != 0) {
        s.note = "test or monitoring-only log";
        return s;
    }
    switch (log->state) {
    case CG_LOG_PENDING:
        s.note = "pending";
        return s;
    case CG_LOG_QUALIFIED:
        if (later) {
            s.note = "Qualified only after the time of check";
            return s;
        }
        s.st = ST_ACTIVE;
        return s;
    case CG_LOG_USABLE:
    case CG_LOG_READONLY:
        s.st = ST_ACTIVE;
        return s;
    case CG_LOG_RETIRED:
        s.st = later ? ST_ACTIVE : ST_ENDED;
        s.end_ms = log->state_ts;
        s.note = "retired";
        return s;
    case CG_LOG_REJECTED:
        if (log->format == CG_LOGLIST_APPLE) {
            s.st = later ? ST_ACTIVE : ST_ENDED;
            s.end_ms = log->state_ts;
            s.note = "rejected by Apple";
            return s;
        }
        s.st = later ? ST_UNKNOWN : ST_NONE;
        s.note =
            later ? "rejected after the time of check, earlier state not in the list" : "rejected";
        return s;
    case CG_LOG_STATE_UNKNOWN:
    default:
        s.st = ST_UNKNOWN;
        s.note = "the list gives no state";
        return s;
    }
}

static standing reading(standing st, int optimistic)
{
    if (st != ST_UNKNOWN)
        return st;
    return optimistic ? ST_ACTIVE : ST_NONE;
}

/* Whether a log counts towards N (and the operator requirements). */
static int log_counts(const log_entry *e, int optimistic, uint64_t issuance)
{
    standing st = reading(e->s.st, optimistic);

    if (st == ST_ACTIVE)
        return 1;
    if (st != ST_ENDED || e->s.end_ms < 0)
        return 0;
    /* Both the SCT and the certificate's issuance must predate the end. */
    return e->first_ms < (uint64_t)e->s.end_ms && issuance < (uint64_t)e->s.end_ms;
}

static void count(const evaluation *ev, int optimistic, tally *t)
{
    memset(t, 0, sizeof(*t));
    t->issuance = UINT64_MAX;
    for (size_t i = 0; i < ev->n_logs; i++) {
        if (reading(ev->logs[i].s.st, optimistic) != ST_ACTIVE)
            continue;
        t->active++;
        if (ev->logs[i].first_ms < t->issuance)
            t->issuance = ev->logs[i].first_ms;
    }
    for (size_t i = 0; i < ev->n_logs; i++) {
        const log_entry *e = &ev->logs[i];
        size_t same_op = 0;
        if (!log_counts(e, optimistic, t->issuance))
            continue;
        for (size_t j = 0; j < i; j++) {
            if (log_counts(&ev->logs[j], optimistic, t->issuance) &&
                strcmp(ev->logs[j].op, e->op) == 0)
                same_op++;
        }
        t->counted++;
        t->ops += same_op == 0;
        t->capped += ev->cap == 0 || same_op < ev->cap;
        t->rfc6962 += !e->log->tiled;
    }
}

static int met(const evaluation *ev, const tally *t)
{
    if (t->active < 1)
        return 0;
    if (ev->kind == POL_APPLE)
        return t->capped >= ev->need && t->rfc6962 >= 1;
    return t->counted >= ev->need && t->ops >= 2;
}

/* ---- reasons ---- */

static void add_ops(msg *m, const evaluation *ev, int optimistic, const tally *t)
{
    const char *sep = "";

    for (size_t i = 0; i < ev->n_logs; i++) {
        const log_entry *e = &ev->logs[i];
        int seen = 0;
        if (!log_counts(e, optimistic, t->issuance))
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = log_counts(&ev->logs[j], optimistic, t->issuance) &&
                   strcmp(ev->logs[j].op, e->op) == 0;
        if (seen)
            continue;
        msg_add(m, "%s%s", sep, e->op);
        sep = ", ";
    }
}

static void add_failures(msg *m, const evaluation *ev, int optimistic, const tally *t)
{
    char at[TIME_BUF];
    const char *sep = "";
    int apple = ev->kind == POL_APPLE;

    cg_time_format_ms(ev->at_ms, at, sizeof(at));
    if (ev->n_scts == 0) {
        msg_add(m, "no SCTs");
        sep = "; ";
    }
    if (t->active < 1) {
        msg_add(m, "%sneeds 1 SCT from a log %s at %s, has 0", sep,
                apple ? "currently approved" : "Qualified, Usable or ReadOnly", at);
        sep = "; ";
    }
    if (apple && t->capped < ev->need) {
        msg_add(m, "%sneeds %zu SCTs from distinct logs, at most %zu per operator (%s), has %zu",
                sep, ev->need, ev->cap, ev->lifetime, t->capped);
        if (t->counted > 0) {
            msg_add(m, " (%zu log%s, operators: ", t->counted, t->counted == 1 ? "" : "s");
            add_ops(m, ev, optimistic, t);
            msg_add(m, ")");
        }
        sep = "; ";
    }
    if (apple && t->counted > 0 && t->rfc6962 < 1) {
        msg_add(m, "%sneeds 1 SCT from an RFC 6962 log, has 0", sep);
        sep = "; ";
    }
    if (!apple && t->counted < ev->need) {
        msg_add(m, "%sneeds %zu SCTs from distinct logs (%s), has %zu", sep, ev->need,
                ev->lifetime, t->counted);
        sep = "; ";
    }
    if (!apple && t->ops < 2) {
        msg_add(m, "%sneeds 2 operators, has %zu", sep, t->ops);
        if (t->ops > 0) {
            msg_add(m, " (");
            add_ops(m, ev, optimistic, t);
            msg_add(m, ")");
        }
    }
}

/* Why a log that gave an SCT does not count, under one reading. */
static void add_exclusion(msg *m, const log_entry *e, const tally *t)
{
    char end[TIME_BUF], when[TIME_BUF];

    if (e->s.st != ST_ENDED) {
        msg_add(m, "%s (%s, %s)", log_name(e->log), e->op, e->s.note);
        return;
    }
    cg_time_format_ms(e->s.end_ms, end, sizeof(end));
    if (e->first_ms >= (uint64_t)e->s.end_ms) {
        cg_time_format_ms(ms_signed(e->first_ms), when, sizeof(when));
        msg_add(m, "%s (%s, %s %s, SCT %s)", log_name(e->log), e->op, e->s.note, end, when);
        return;
    }
    if (t->issuance == UINT64_MAX) {
        msg_add(m, "%s (%s, %s %s, no SCT from a current log)", log_name(e->log), e->op, e->s.note,
                end);
        return;
    }
    cg_time_format_ms(ms_signed(t->issuance), when, sizeof(when));
    msg_add(m, "%s (%s, %s %s, issuance %s)", log_name(e->log), e->op, e->s.note, end, when);
}

/* The logs seen: those counted, then those not and why. */
static void add_logs(msg *m, const evaluation *ev, int optimistic, const tally *t)
{
    const char *sep = "; counted: ";

    for (size_t i = 0; i < ev->n_logs; i++) {
        const log_entry *e = &ev->logs[i];
        if (!log_counts(e, optimistic, t->issuance))
            continue;
        msg_add(m, "%s%s (%s%s)", sep, log_name(e->log), e->op,
                e->s.st == ST_UNKNOWN ? ", state unknown" : "");
        sep = ", ";
    }
    sep = "; not counted: ";
    for (size_t i = 0; i < ev->n_logs; i++) {
        if (log_counts(&ev->logs[i], optimistic, t->issuance))
            continue;
        msg_add(m, "%s", sep);
        add_exclusion(m, &ev->logs[i], t);
        sep = ", ";
    }
    if (ev->n_unlisted > 0)
        msg_add(m, "%s%zu SCT(s) from logs not in the list", sep, ev->n_unlisted);
}

static void add_unknown(msg *m, const evaluation *ev)
{
    const char *sep = "";

    for (size_t i = 0; i < ev->n_logs; i++) {
        const log_entry *e = &ev->logs[i];
        if (e->s.st != ST_UNKNOWN)
            continue;
        msg_add(m, "%s%s (%s, %s)", sep, log_name(e->log), e->op, e->s.note);
        sep = ", ";
    }
}

/* ---- evaluation ---- */

/* N and M from the lifetime; with text, the lifetime as the reasons name
 * it too (formatted only for a reason that is written). */
static void set_lifetime(evaluation *ev, int64_t not_before, int64_t not_after, int text)
{
    int64_t d = sub_sat(not_after, not_before);

    if (ev->kind == POL_APPLE) {
        /* RFC 5280 validity is inclusive of notAfter: one second more. */
        int64_t incl = d < INT64_MAX ? d + 1 : d;
        int64_t days = incl <= 0 ? 0 : incl / DAY_S + (incl % DAY_S != 0);
        ev->need = days <= SHORT_LIFETIME_DAYS ? 2 : 3;
        ev->cap = days <= SHORT_LIFETIME_DAYS ? 1 : 2;
        if (text)
            snprintf(ev->lifetime, sizeof(ev->lifetime),
                     "lifetime %lld days, notAfter inclusive%s", (long long)days,
                     days > APPLE_TABLE_DAYS ? ", beyond Apple's 398-day table" : "");
        return;
    }
    ev->need = d > SHORT_LIFETIME_DAYS * DAY_S ? 3 : 2;
    ev->cap = 0;
    if (!text)
        return;
    if (d >= 0 && d % DAY_S != 0)
        snprintf(ev->lifetime, sizeof(ev->lifetime), "lifetime %lld days %lld s %s 180 days",
                 (long long)(d / DAY_S), (long long)(d % DAY_S), ev->need == 3 ? ">" : "<=");
    else if (d >= 0)
        snprintf(ev->lifetime, sizeof(ev->lifetime), "lifetime %lld days %s 180 days",
                 (long long)(d / DAY_S), ev->need == 3 ? ">" : "<=");
    else
        snprintf(ev->lifetime, sizeof(ev->lifetime), "lifetime %lld s", (long long)d);
}

static int outside(const cg_log *log, int64_t not_after_ms)
{
    return log->has_interval &&
           (not_after_ms < log->interval_start || not_after_ms >= log->interval_end);
}

/* Records one SCT. skip, when set, says why it cannot count; a log is
 * represented by its earliest SCT that can, else by its earliest one. */
static void add_sct(evaluation *ev, const cg_log *log, uint64_t ts, const char *skip)
{
    log_entry *e = NULL;
    int fresh = 0;

    for (size_t i = 0; i < ev->n_logs && e == NULL; i++) {
        if (ev->logs[i].log == log)
            e = &ev->logs[i];
    }
    if (e == NULL) {
        e = &ev->logs[ev->n_logs++];
        e->log = log;
        e->skipped = 1;
        fresh = 1;
    }
    if (skip != NULL && !e->skipped)
        return;
    if (skip == NULL && e->skipped) {
        e->skipped = 0;
        e->s = standing_at(log, ev->at_ms);
        fresh = 1;
    }
    if (!fresh && ts >= e->first_ms)
        return;
    e->first_ms = ts;
    e->op = cg_log_operator_at(log, ms_signed(ts));
    if (skip != NULL) {
        e->s.st = ST_NONE;
        e->s.note = skip;
    }
}

/* Why an SCT cannot count whatever its log's state, or NULL. Apple's rules
 * on shards and read-only logs come from trustd (see the top). */
static const char *sct_skip(policy_kind kind, const cg_policy_sct *sct, const cg_log *log,
                            int64_t at_ms, int64_t not_after_ms)
{
    if (!sct->valid)
        return "signature not verified";
    if (at_ms < 0 || sct->timestamp_ms > (uint64_t)at_ms)
        return "SCT dated after the evaluation time";
    if (kind == POL_APPLE && outside(log, not_after_ms))
        return "temporal interval excludes notAfter";
    if (kind == POL_APPLE && log->state == CG_LOG_READONLY && log->state_ts >= 0 &&
        sct->timestamp_ms > (uint64_t)log->state_ts)
        return "SCT issued after the log became read-only";
    return NULL;
}

static int not_evaluated(const cg_policy_input *in, cg_policy_result *out)
{
    char na[TIME_BUF], at[TIME_BUF];
    const char *why = NULL;

    if (in == NULL) {
        snprintf(out->reason, sizeof(out->reason), "no input");
        return 1;
    }
    int quiet = (in->quiet & CG_POLICY_QUIET_NOT_EVALUATED) != 0;
    if (in->issuer_unknown)
        why = "issuer unknown: SCT signatures could not be verified";
    else if (in->ll == NULL)
        why = "no log list";
    else if (in->scts == NULL && in->n_scts > 0)
        why = "SCT array missing";
    if (why != NULL) {
        if (!quiet)
            snprintf(out->reason, sizeof(out->reason), "%s", why);
        return 1;
    }
    /* notAfter itself is still within the validity period (RFC 5280). */
    if (in->not_after < in->at) {
        if (quiet)
            return 1;
        cg_time_format_ms(sec_to_ms(in->not_after), na, sizeof(na));
        cg_time_format_ms(sec_to_ms(in->at), at, sizeof(at));
        snprintf(out->reason, sizeof(out->reason),
                 "certificate expired at %s, before the evaluation time %s", na, at);
        return 1;
    }
    return 0;
}

static void evaluate(policy_kind kind, const cg_policy_input *in, cg_policy_result *out)
{
    evaluation ev;
    tally low, high;
    msg m;
    int64_t not_after_ms;

    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    out->status = CG_POLICY_NOT_EVALUATED;
    if (not_evaluated(in, out))
        return;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.at_ms = sec_to_ms(in->at);
    ev.n_scts = in->n_scts;
    not_after_ms = sec_to_ms(in->not_after);
    set_lifetime(&ev, in->not_before, in->not_after, 0);
    if (in->n_scts > 0) {
        ev.logs = calloc(in->n_scts, sizeof(*ev.logs));
        if (ev.logs == NULL) {
            snprintf(out->reason, sizeof(out->reason), "out of memory");
            return;
        }
    }
    for (size_t i = 0; i < in->n_scts; i++) {
        const cg_policy_sct *sct = &in->scts[i];
        const cg_log *log = cg_loglist_find(in->ll, sct->log_id);
        if (log == NULL) {
            ev.n_unlisted++;
            continue;
        }
        add_sct(&ev, log, sct->timestamp_ms, sct_skip(kind, sct, log, ev.at_ms, not_after_ms));
    }

    /* Unknown states read as not counting (low) and as active (high). */
    count(&ev, 0, &low);
    count(&ev, 1, &high);
    if (met(&ev, &low) ? in->quiet & CG_POLICY_QUIET_MET
                       : met(&ev, &high) && in->quiet & CG_POLICY_QUIET_NOT_EVALUATED) {
        out->status = met(&ev, &low) ? CG_POLICY_OK : CG_POLICY_NOT_EVALUATED;
        free(ev.logs);
        return;
    }
    set_lifetime(&ev, in->not_before, in->not_after, 1);
    msg_init(&m, out->reason, sizeof(out->reason));
    if (met(&ev, &low)) {
        out->status = CG_POLICY_OK;
        msg_add(&m, "met: %zu SCTs from distinct logs, needs %zu", low.counted, ev.need);
        if (ev.cap > 0)
            msg_add(&m, ", at most %zu per operator", ev.cap);
        msg_add(&m, " (%s); operators: ", ev.lifetime);
        add_ops(&m, &ev, 0, &low);
        add_logs(&m, &ev, 0, &low);
    } else if (!met(&ev, &high)) {
        out->status = CG_POLICY_UNSATISFIED;
        add_failures(&m, &ev, 1, &high);
        add_logs(&m, &ev, 1, &high);
    } else {
        char at[TIME_BUF];
        cg_time_format_ms(ev.at_ms, at, sizeof(at));
        out->status = CG_POLICY_NOT_EVALUATED;
        msg_add(&m, "depends on log states the list does not give: ");
        add_unknown(&m, &ev);
        msg_add(&m, "; met if Qualified, Usable or ReadOnly at %s, otherwise ", at);
        add_failures(&m, &ev, 0, &low);
    }
    free(ev.logs);
}

void cg_policy_chrome(const cg_policy_input *in, cg_policy_result *out)
{
    evaluate(POL_CHROME, in, out);
}

void cg_policy_apple(const cg_policy_input *in, cg_policy_result *out)
{
    evaluate(POL_APPLE, in, out);
}

void cg_policy_mozilla(const cg_policy_input *in, cg_policy_result *out)
{
    evaluate(POL_MOZILLA, in, out);
}

/* ---- per-SCT observations ---- */

int cg_policy_log_not_yet_usable(const cg_log *log, uint64_t sct_ts_ms, char *why, size_t cap)
{
    char since[TIME_BUF], sct[TIME_BUF];
    msg m;
    int before;

    msg_init(&m, why, cap);
    if (log == NULL) {
        msg_add(&m, "no log");
        return 0;
    }
    /* The verdict alone (why NULL, a checker's first question for every
     * SCT) formats nothing. */
    if (m.cap > 0) {
        cg_time_format_ms(log->state_ts, since, sizeof(since));
        cg_time_format_ms(ms_signed(sct_ts_ms), sct, sizeof(sct));
    }
    /* The state was entered at state_ts: an SCT at that instant is in it. */
    before = log->state_ts >= 0 && ms_signed(sct_ts_ms) < log->state_ts;
    switch (log->state) {
    case CG_LOG_PENDING:
        msg_add(&m, "%s is pending (since %s), so not yet Usable at its SCT %s", log_name(log),
                since, sct);
        return 1;
    case CG_LOG_QUALIFIED:
        if (before) {
            msg_add(&m, "%s became Qualified at %s, after its SCT %s: it was pending then",
                    log_name(log), since, sct);
            return 1;
        }
        msg_add(&m, "%s was only Qualified (since %s), not yet Usable, at its SCT %s",
                log_name(log), since, sct);
        return 1;
    case CG_LOG_USABLE:
        if (before) {
            msg_add(&m,
                    "%s became Usable at %s, after its SCT %s: it was Qualified or pending "
                    "then (one list does not say which)",
                    log_name(log), since, sct);
            return 1;
        }
        msg_add(&m, "%s was Usable (since %s) at its SCT %s", log_name(log), since, sct);
        return 0;
    case CG_LOG_READONLY:
    case CG_LOG_RETIRED:
    case CG_LOG_REJECTED:
        if (before) {
            msg_add(&m,
                    "%s has been %s since %s; the list keeps no earlier state, so whether it was "
                    "Usable at its SCT %s cannot be told",
                    log_name(log), cg_log_state_name(log->state), since, sct);
            return 0;
        }
        msg_add(&m, "%s was already %s (since %s) at its SCT %s", log_name(log),
                cg_log_state_name(log->state), since, sct);
        return 0;
    case CG_LOG_STATE_UNKNOWN:
    default:
        msg_add(&m,
                "%s: the list gives no state (crt.sh's lists none), so its state at the "
                "SCT %s cannot be told",
                log_name(log), sct);
        return 0;
    }
}

int cg_policy_outside_interval(const cg_log *log, int64_t not_after, char *why, size_t cap)
{
    char na[TIME_BUF], start[TIME_BUF], end[TIME_BUF];
    int64_t na_ms = sec_to_ms(not_after);
    msg m;

    msg_init(&m, why, cap);
    if (log == NULL) {
        msg_add(&m, "no log");
        return 0;
    }
    if (!log->has_interval) {
        msg_add(&m, "%s has no temporal interval", log_name(log));
        return 0;
    }
    if (m.cap > 0) {
        cg_time_format_ms(na_ms, na, sizeof(na));
        cg_time_format_ms(log->interval_start, start, sizeof(start));
        cg_time_format_ms(log->interval_end, end, sizeof(end));
    }
    if (!outside(log, na_ms)) {
        msg_add(&m, "notAfter %s is within %s's interval [%s, %s)", na, log_name(log), start, end);
        return 0;
    }
    msg_add(&m, "notAfter %s is %s %s's temporal interval [%s, %s)", na,
            na_ms < log->interval_start ? "before" : "at or after the end of", log_name(log),
            start, end);
    return 1;
}
