/* Incidents: the kinds table, the revocation and reporting deadlines (every
 * kind, both sides of every boundary), the CCADB report and appendix CSV
 * against golden files, and the report lint. Set CG_UPDATE_GOLDEN=1 to
 * rewrite the golden files (then read the diff). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/certs.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/kinds_doc.h"
#include "incident/report.h"
#include "incident/template.h"
#include "report/output.h"
#include "testutil.h"
#include "x509/time.h"

#define HOUR 3600
#define DAY 86400

static int64_t T(const char *s)
{
    int64_t t = 0;
    if (!cg_time_parse_rfc3339(s, &t)) {
        fprintf(stderr, "bad time %s\n", s);
        abort();
    }
    return t;
}

/* ---- a sink that keeps findings ---- */

#define MAX_FINDINGS 64
typedef struct {
    cg_rule_id rule;
    cg_kind kind;
    size_t index;
    int64_t incident;
    char message[1024];
} kept;

typedef struct {
    kept v[MAX_FINDINGS];
    size_t n;
} findings;

static void keep(void *arg, const cg_finding *f)
{
    findings *fs = arg;
    if (fs->n == MAX_FINDINGS)
        return;
    kept *k = &fs->v[fs->n++];
    k->rule = f->rule;
    k->kind = f->obj->kind;
    k->index = f->obj->index;
    k->incident = f->incident;
    snprintf(k->message, sizeof(k->message), "%s", f->message);
}

static size_t count(const findings *fs, cg_rule_id rule)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += fs->v[i].rule == rule;
    return n;
}

static const kept *first(const findings *fs, cg_rule_id rule)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].rule == rule)
            return &fs->v[i];
    }
    return NULL;
}

static int has_message(const findings *fs, cg_rule_id rule, const char *needle)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].rule == rule && strstr(fs->v[i].message, needle) != NULL)
            return 1;
    }
    if (getenv("CG_TEST_VERBOSE") != NULL) {
        for (size_t i = 0; i < fs->n; i++)
            fprintf(stderr, "  %s: %s\n", cg_rule_get(fs->v[i].rule)->id, fs->v[i].message);
    }
    return 0;
}

static void run(const cg_incident *inc, int64_t at, findings *fs)
{
    cg_ctx ctx;
    memset(fs, 0, sizeof(*fs));
    cg_ctx_init(&ctx, at, keep, fs);
    cg_incident_check(&ctx, inc);
}

/* ---- building incidents (all strings static: never cg_incident_clear) ---- */

typedef struct {
    cg_incident inc;
    cg_incident_cert certs[8];
    cg_incident_event events[8];
} fixture;

static void fixture_init(fixture *f, const char *kind, int64_t reported_at)
{
    memset(f, 0, sizeof(*f));
    f->inc.id = 7;
    f->inc.kind = (char *)kind;
    f->inc.reported_at = reported_at;
    f->inc.source = CG_SOURCE_THIRD_PARTY;
    f->inc.certs = f->certs;
    f->inc.events = f->events;
}

static cg_incident_cert *add_cert(fixture *f, int64_t not_before, int64_t not_after)
{
    cg_incident_cert *c = &f->certs[f->inc.n_certs];
    memset(c->sha256, (int)(0x10 + f->inc.n_certs), 32);
    c->serial_hex = (char *)(f->inc.n_certs == 0 ? "0a1b2c" : "0a1b2d");
    c->issuer = (char *)"CN=Example Issuing CA,O=Example,C=US";
    c->subject = (char *)"CN=www.example.com";
    c->dns_names = (char *)"www.example.com";
    c->not_before = not_before;
    c->not_after = not_after;
    c->reason = CG_REASON_OMITTED;
    f->inc.n_certs++;
    return c;
}

static void revoke(cg_incident_cert *c, int64_t date, int64_t published, int reason)
{
    c->revoked = 1;
    c->revocation_date = date;
    c->published_at = published;
    c->reason = reason;
}

static void add_event(fixture *f, cg_event_type type, int64_t at, const char *note)
{
    cg_incident_event *e = &f->events[f->inc.n_events++];
    e->id = (int64_t)f->inc.n_events;
    e->type = type;
    e->at = at;
    e->note = (char *)note;
}

/* ---- the kinds table ---- */

static const struct {
    const char *name;
    int hours;
    int reason;
} want_kinds[] = {
    {"subscriber-request", 24, CG_REASON_OMITTED},
    {"unauthorized", 24, 9},
    {"key-compromise", 24, 1},
    {"weak-key", 24, 1},
    {"domain-validation", 24, 4},
    {"key-requirements", 120, 4},
    {"misuse", 120, 9},
    {"agreement-violation", 120, 9},
    {"misleading-name", 120, 9},
    {"material-change", 120, 9},
    {"inaccurate-information", 120, 9},
    {"domain-no-longer-permitted", 120, 5},
    {"misissuance", 120, 4},
    {"ca-right-ended", 120, CG_REASON_OMITTED},
    {"cps-required", 120, CG_REASON_OMITTED},
    {"flawed-keygen", 120, 1},
};
#define N_KINDS (sizeof(want_kinds) / sizeof(want_kinds[0]))

static void test_kinds_table(void)
{
    CHECK(CG_IK_COUNT == N_KINDS);
    for (size_t i = 0; i < N_KINDS; i++) {
        const cg_incident_kind *k = cg_incident_kind_lookup(want_kinds[i].name);
        CHECK(k != NULL);
        if (k == NULL)
            continue;
        CHECK(k->window == (int64_t)want_kinds[i].hours * HOUR);
        CHECK(k->reason == want_kinds[i].reason);
        CHECK(strncmp(k->reference, "TLS BRs §4.9.1.1 (", 19) == 0);
        CHECK(k->description[0] != '\0');
        CHECK(strstr(cg_incident_kind_names(), want_kinds[i].name) != NULL);
    }
    CHECK(cg_incident_kind_lookup("revoked-late") == NULL);
    CHECK(cg_incident_kind_lookup(NULL) == NULL);
    CHECK(strncmp(cg_incident_kind_names(), "subscriber-request, unauthorized,", 33) == 0);
    CHECK(strcmp(cg_incident_reason_name(CG_REASON_OMITTED), "omitted") == 0);
    CHECK(strcmp(cg_incident_reason_name(9), "privilegeWithdrawn") == 0);
    CHECK(strcmp(cg_incident_reason_name(11), "unknown") == 0);

    cg_event_type et;
    cg_source src;
    CHECK(cg_event_type_lookup("preliminary-report", &et) && et == CG_EVENT_PRELIMINARY_REPORT);
    CHECK(cg_event_type_lookup("closure", &et) && et == CG_EVENT_CLOSURE);
    CHECK(!cg_event_type_lookup("comment", &et));
    CHECK(strcmp(cg_event_type_name(CG_EVENT_FULL_REPORT), "full-report") == 0);
    CHECK(cg_source_lookup("third-party", &src) && src == CG_SOURCE_THIRD_PARTY);
    CHECK(!cg_source_lookup("press", &src));
    CHECK(strcmp(cg_source_name(CG_SOURCE_AUDIT), "audit") == 0);

    cg_sbuf b = CG_SBUF_INIT;
    cg_incident_kinds_write(&b, CG_KINDS_MARKDOWN);
    CHECK(!b.failed);
    CHECK(strstr(cg_sbuf_str(&b), "| `misissuance` | 5 days | superseded | TLS BRs §4.9.1.1 "
                                  "(12), Mozilla RSP §6.1.1 |") != NULL);
    CHECK(strstr(cg_sbuf_str(&b), "| `subscriber-request` | 24 hours | omitted |") != NULL);
    cg_sbuf_free(&b);
    cg_incident_kinds_write(&b, CG_KINDS_TEXT);
    CHECK(strstr(cg_sbuf_str(&b), "flawed-keygen") != NULL);
    cg_sbuf_free(&b);
}

/* ---- every kind: deadline and reason, both sides of each boundary ---- */

static int wrong_reason(int required)
{
    return required == CG_CRL_REASON_SUPERSEDED ? CG_CRL_REASON_PRIVILEGE_WITHDRAWN
                                                : CG_CRL_REASON_SUPERSEDED;
}

static void test_every_kind(void)
{
    const int64_t R = T("2024-03-01T12:00:00Z");
    for (size_t i = 0; i < N_KINDS; i++) {
        const int64_t W = (int64_t)want_kinds[i].hours * HOUR, D = R + W;
        const int reason = want_kinds[i].reason;
        fixture f;
        findings fs;
        cg_incident_cert *c;

        /* Revoked with the right reason, published at the deadline: on time. */
        fixture_init(&f, want_kinds[i].name, R);
        c = add_cert(&f, R - 10 * DAY, R + 80 * DAY);
        revoke(c, D - HOUR, D, reason);
        run(&f.inc, D + 30 * DAY, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
        CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 0);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 0);

        /* One second later: missed, by exactly one second. */
        revoke(c, D - HOUR, D + 1, reason);
        run(&f.inc, D + 30 * DAY, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);
        CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "revoked 0 hours 0 min 1 s late"));
        CHECK(first(&fs, CG_R_REVOCATION_DEADLINE_MISSED)->incident == 7);
        CHECK(first(&fs, CG_R_REVOCATION_DEADLINE_MISSED)->kind == CG_KIND_CERT);

        /* revocationDate one second late, published at the deadline: it
         * counts from the later of the two. */
        revoke(c, D + 1, D, reason);
        run(&f.inc, D + 30 * DAY, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);

        /* The wrong reason: the other reason, and absent vs present. */
        revoke(c, D, D, wrong_reason(reason));
        run(&f.inc, D + 30 * DAY, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 1);
        CHECK(has_message(&fs, CG_R_REVOCATION_REASON_INCORRECT, want_kinds[i].name));
        revoke(c, D, D,
               reason == CG_REASON_OMITTED ? CG_CRL_REASON_KEY_COMPROMISE : CG_REASON_OMITTED);
        run(&f.inc, D + 30 * DAY, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 1);
        CHECK(has_message(&fs, CG_R_REVOCATION_REASON_INCORRECT,
                          reason == CG_REASON_OMITTED ? "has keyCompromise (1)"
                                                      : "has no reasonCode"));
        /* unspecified (0) present is not "omitted" either */
        if (reason == CG_REASON_OMITTED) {
            revoke(c, D, D, CG_CRL_REASON_UNSPECIFIED);
            run(&f.inc, D + 30 * DAY, &fs);
            CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 1);
        }

        /* Not revoked: nothing missed at the deadline, missed one second on. */
        c->revoked = 0;
        c->reason = CG_REASON_OMITTED;
        run(&f.inc, D, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 1);
        CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 0);
        run(&f.inc, D + 1, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 0);
        CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "not revoked, 0 hours 0 min 1 s"));

        /* Approaching: exactly a quarter left is not yet; a second less is. */
        run(&f.inc, D - W / 4, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 0);
        run(&f.inc, D - W / 4 + 1, &fs);
        CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 1);
        CHECK(first(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING)->incident == 7);
    }
}

/* ---- the seed and the other revocation scenarios ---- */

static void test_revocation_scenarios(void)
{
    const int64_t R = T("2024-01-10T09:30:00Z"), D = R + 5 * DAY;
    fixture f;
    findings fs;
    cg_incident_cert *c;
    cg_revocation_eval e;

    /* The seed: a misissued certificate revoked 51 days after the report,
     * with the wrong reason (46 days late). */
    fixture_init(&f, "misissuance", R);
    c = add_cert(&f, R - 3 * DAY, R + 87 * DAY);
    revoke(c, R + 51 * DAY, R + 51 * DAY, CG_CRL_REASON_CESSATION_OF_OPERATION);
    run(&f.inc, R + 60 * DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "revoked 46 days 0 hours late"));
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "2024-01-15T09:30:00Z"));
    CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 1);
    CHECK(has_message(&fs, CG_R_REVOCATION_REASON_INCORRECT,
                      "has cessationOfOperation (5); misissuance requires superseded (4)"));
    CHECK(cg_incident_revocation_eval(&f.inc, c, R + 60 * DAY, &e));
    CHECK(e.state == CG_REVOCATION_LATE && e.late_by == 46 * DAY && e.deadline == D);
    CHECK(cg_incident_revocation_delayed(&f.inc, R + 60 * DAY));
    /* Before the revocation was seen, at day 20: not revoked, 15 days late. */
    run(&f.inc, R + 20 * DAY, &fs);
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "not revoked, 15 days 0 hours late"));
    CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 0);

    /* On time: revoked on day 2 with superseded. */
    revoke(c, R + 2 * DAY, R + 2 * DAY + 600, CG_CRL_REASON_SUPERSEDED);
    run(&f.inc, R + 60 * DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
    CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 0);
    CHECK(!cg_incident_revocation_delayed(&f.inc, R + 60 * DAY));

    /* Never revoked, still valid: late by the time since the deadline. */
    c->revoked = 0;
    run(&f.inc, R + 30 * DAY, &fs);
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "not revoked, 25 days 0 hours late"));
    /* Never revoked and expired since: lateness stops at notAfter. */
    run(&f.inc, R + 100 * DAY, &fs);
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "never revoked: expired"));
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "82 days 0 hours after the deadline"));
    /* Expired by the deadline: nothing to revoke, nothing approaching. */
    c->not_after = D;
    run(&f.inc, D + 1, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
    run(&f.inc, D - HOUR, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 0);
    c->not_after = D + 1; /* valid one second past the deadline: it had to go */
    run(&f.inc, D + 2, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);
    c->not_after = R + 87 * DAY;

    /* Backdated-looking: revocationDate before the report, but first
     * published after the deadline. Publication counts. */
    revoke(c, R - DAY, D + 2 * HOUR, CG_CRL_REASON_SUPERSEDED);
    run(&f.inc, R + 30 * DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "revoked 2 hours late"));
    CHECK(has_message(&fs, CG_R_REVOCATION_DEADLINE_MISSED, "publication counts"));

    /* A publication after `at` has not happened yet. */
    revoke(c, D - HOUR, D - HOUR, CG_CRL_REASON_SUPERSEDED);
    run(&f.inc, D - 2 * HOUR, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_APPROACHING) == 1);
    CHECK(count(&fs, CG_R_REVOCATION_REASON_INCORRECT) == 0);
    /* Unknown publication time: the revocationDate stands in. */
    revoke(c, D, 0, CG_CRL_REASON_SUPERSEDED);
    run(&f.inc, D + DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
    revoke(c, D + 1, 0, CG_CRL_REASON_SUPERSEDED);
    run(&f.inc, D + DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 1);

    /* The finding names the certificate: kind, index, serial. */
    fixture_init(&f, "key-compromise", R);
    add_cert(&f, R - DAY, R + 30 * DAY);
    c = add_cert(&f, R - DAY, R + 30 * DAY);
    c->is_precert = 1;
    run(&f.inc, R + 2 * DAY, &fs);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 2);
    CHECK(fs.v[1].rule == CG_R_REVOCATION_DEADLINE_MISSED && fs.v[1].index == 1 &&
          fs.v[1].kind == CG_KIND_PRECERT);

    /* An unknown kind: no revocation rules, the report rules still run. */
    fixture_init(&f, "no-such-kind", R);
    add_cert(&f, R - DAY, R + 30 * DAY);
    cg_ctx ctx;
    memset(&fs, 0, sizeof(fs));
    cg_ctx_init(&ctx, R + 30 * DAY, keep, &fs);
    CHECK(cg_incident_check(&ctx, &f.inc) == 0);
    CHECK(count(&fs, CG_R_REVOCATION_DEADLINE_MISSED) == 0);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 1);
    CHECK(!cg_incident_revocation_eval(&f.inc, &f.certs[0], R, &e));
}

/* ---- reporting deadlines ---- */

static void test_report_deadlines(void)
{
    const int64_t R = T("2024-05-02T08:15:00Z");
    const int64_t P = R + 72 * HOUR, F = R + 14 * DAY;
    fixture f;
    findings fs;

    /* No report at all. */
    fixture_init(&f, "misissuance", R);
    run(&f.inc, P, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 0);
    run(&f.inc, P + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE,
                      "no preliminary or full report yet, 0 hours 0 min 1 s after"));
    CHECK(first(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE)->kind == CG_KIND_INCIDENT);
    CHECK(first(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE)->incident == 7);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 0);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0); /* nothing to update yet */
    run(&f.inc, F, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 0);
    run(&f.inc, F + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 1);

    /* A preliminary report at the deadline is on time, a second later is late;
     * an event after `at` has not happened yet. */
    add_event(&f, CG_EVENT_PRELIMINARY_REPORT, P, NULL);
    run(&f.inc, P + DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 0);
    f.events[0].at = P + 1;
    run(&f.inc, P + DAY, &fs);
    CHECK(has_message(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE,
                      "posted 2024-05-05T08:15:01Z, 0 hours 0 min 1 s after the deadline"));
    run(&f.inc, P, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 0);
    /* A full report stands in for the preliminary one. */
    f.events[0].type = CG_EVENT_FULL_REPORT;
    f.events[0].at = P;
    run(&f.inc, P + DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 0);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 0);
    /* Full report at the 14-day deadline, and one second after. */
    f.events[0].at = F;
    run(&f.inc, F + DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 0);
    CHECK(count(&fs, CG_R_INCIDENT_PRELIMINARY_REPORT_OVERDUE) == 1); /* first report late */
    f.events[0].at = F + 1;
    run(&f.inc, F + DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_FULL_REPORT_OVERDUE, "first full report was posted"));
}

static void test_update_deadlines(void)
{
    const int64_t R = T("2024-05-02T08:15:00Z");
    const int64_t P = R + 10 * HOUR; /* the preliminary report */
    fixture f;
    findings fs;
    int64_t since, due;
    const char *why;

    fixture_init(&f, "misissuance", R);
    add_event(&f, CG_EVENT_PRELIMINARY_REPORT, P, NULL);
    add_event(&f, CG_EVENT_FULL_REPORT, P + DAY, NULL);
    const int64_t L = P + DAY; /* the last report */
    run(&f.inc, L + 7 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, L + 7 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_UPDATE_OVERDUE, "(7 days), 0 hours 0 min 1 s ago"));
    CHECK(first(&fs, CG_R_INCIDENT_UPDATE_OVERDUE)->incident == 7);

    /* An update restarts the clock; a question or response does not. */
    add_event(&f, CG_EVENT_QUESTION, L + 2 * DAY, "why?");
    add_event(&f, CG_EVENT_RESPONSE, L + 3 * DAY, "because");
    run(&f.inc, L + 7 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    add_event(&f, CG_EVENT_UPDATE, L + 6 * DAY, NULL);
    run(&f.inc, L + 13 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, L + 13 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    const int64_t U = L + 6 * DAY; /* the last update */

    /* A next-update date after the last update replaces the 7 days. */
    f.inc.next_update_at = U + 10 * DAY;
    run(&f.inc, U + 10 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, U + 10 * DAY + 1, &fs);
    CHECK(has_message(&fs, CG_R_INCIDENT_UPDATE_OVERDUE, "(the next-update date)"));
    f.inc.next_update_at = U + 2 * DAY;
    run(&f.inc, U + 2 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    /* One already met (before the last update) no longer applies. */
    f.inc.next_update_at = U - DAY;
    run(&f.inc, U + 7 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    f.inc.next_update_at = 0;

    /* A revocation-delay incident owes an update every 3 days, next-update
     * date or not. */
    cg_incident_cert *c = add_cert(&f, R - DAY, R + 90 * DAY);
    (void)c;
    CHECK(cg_incident_revocation_delayed(&f.inc, U + 3 * DAY)); /* deadline R + 5 d passed */
    run(&f.inc, U + 3 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, U + 3 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_UPDATE_OVERDUE, "(3 days (revocation-delay incident))"));
    f.inc.next_update_at = U + 10 * DAY;
    run(&f.inc, U + 3 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    f.inc.next_update_at = U + 2 * DAY;
    CHECK(cg_incident_update_due(&f.inc, U + 2 * DAY, &since, &due, &why));
    CHECK(due == U + 2 * DAY && since == U && strcmp(why, "the next-update date") == 0);
    f.inc.next_update_at = 0;

    /* A closure report stops the clock, a later question starts it again. */
    add_event(&f, CG_EVENT_CLOSURE, U + DAY, NULL);
    run(&f.inc, U + 60 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    CHECK(!cg_incident_update_due(&f.inc, U + 60 * DAY, &since, &due, &why));
    add_event(&f, CG_EVENT_QUESTION, U + 20 * DAY, NULL);
    CHECK(cg_incident_update_due(&f.inc, U + 60 * DAY, &since, &due, &why));
    CHECK(since == U + 20 * DAY && due == U + 23 * DAY);
    run(&f.inc, U + 19 * DAY, &fs); /* the question is not asked yet */
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, U + 23 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
}

/* ---- JSON and text output carry the incident ---- */

/* incident.question_unanswered and incident.update_missed. */
static void test_thread_rules(void)
{
    const int64_t R = T("2026-11-01T08:00:00Z");
    const int64_t L = R + DAY; /* the preliminary report, the last CA post */
    const int64_t Q = R + 3 * DAY;
    fixture f;
    findings fs;
    int64_t due = 0;

    fixture_init(&f, "misissuance", R);
    add_event(&f, CG_EVENT_PRELIMINARY_REPORT, L, NULL);
    add_event(&f, CG_EVENT_QUESTION, Q, "Bugzilla comment #2 by root-program@example.org");
    run(&f.inc, Q + 7 * DAY, &fs); /* 7 days to the second: in time */
    CHECK(count(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED) == 0);
    run(&f.inc, Q + 7 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED) == 1);
    CHECK(first(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED)->incident == 7);
    run(&f.inc, Q + 8 * DAY, &fs);
    CHECK(has_message(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED,
                      "the question of 2026-11-04T08:00:00Z (Bugzilla comment #2 by "
                      "root-program@example.org) has had no CA comment after it for 8 days: "
                      "the answer the CCADB requires within 7 days is 1 day 0 hours late"));
    /* A second question, also unanswered: one finding, counting both. */
    add_event(&f, CG_EVENT_QUESTION, Q + DAY, NULL);
    run(&f.inc, Q + 9 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED, "(2 questions unanswered"));
    /* Any CA post after it answers it (here after 9 days: no longer
     * unanswered, so no finding now). */
    add_event(&f, CG_EVENT_RESPONSE, Q + 9 * DAY, NULL);
    run(&f.inc, Q + 9 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED) == 0);
    run(&f.inc, Q + 9 * DAY - 1, &fs); /* before the answer */
    CHECK(count(&fs, CG_R_INCIDENT_QUESTION_UNANSWERED) == 1);
    CHECK(cg_incident_question_answered(&f.inc, 1, Q + 9 * DAY));
    CHECK(!cg_incident_question_answered(&f.inc, 1, Q + 9 * DAY - 1));

    /* The MUST: 7 days after the last update (a response is not one). */
    fixture_init(&f, "misissuance", R);
    add_event(&f, CG_EVENT_PRELIMINARY_REPORT, L, NULL);
    run(&f.inc, L + 7 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 0);
    run(&f.inc, L + 7 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 1);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_UPDATE_MISSED, "(7 days after the last update)"));
    /* A Next update date after the last update is the MUST instead. */
    f.inc.next_update_at = L + 10 * DAY;
    run(&f.inc, L + 10 * DAY, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 0 &&
          count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 0);
    run(&f.inc, L + 10 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_UPDATE_MISSED, "(the \"Next update\" date)"));
    CHECK(cg_incident_update_must(&f.inc, L, &due) && due == L + 10 * DAY);
    /* A revocation-delay incident: every 3 days a SHOULD (overdue), 7 days
     * the MUST (missed) even with a later Next update date. */
    add_cert(&f, R - DAY, R + 90 * DAY); /* never revoked: deadline R + 5 days */
    run(&f.inc, L + 6 * DAY, &fs);
    CHECK(cg_incident_revocation_delayed(&f.inc, L + 6 * DAY));
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_OVERDUE) == 1);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 0);
    run(&f.inc, L + 7 * DAY + 1, &fs);
    CHECK(count(&fs, CG_R_INCIDENT_UPDATE_MISSED) == 1);
    /* No report yet: the report deadlines speak, not these. */
    fixture_init(&f, "misissuance", R);
    CHECK(!cg_incident_update_must(&f.inc, R + 30 * DAY, &due));
}

static void test_output(void)
{
    const int64_t R = T("2024-05-02T08:15:00Z");
    fixture f;
    char *text = NULL;
    size_t len = 0;
    fixture_init(&f, "key-compromise", R);
    add_cert(&f, R - DAY, R + 30 * DAY);
    FILE *mf = open_memstream(&text, &len);
    cg_out *out = cg_out_new(mf, CG_OUT_JSON, 0);
    cg_ctx ctx;
    cg_ctx_init(&ctx, R + 4 * DAY, cg_out_sink, out);
    cg_incident_check(&ctx, &f.inc);
    cg_objref plain;
    memset(&plain, 0, sizeof(plain));
    plain.file = "x.pem";
    cg_report(&ctx, CG_R_INPUT_MALFORMED, &plain, "not an incident finding");
    cg_out_free(out);
    fclose(mf);
    CHECK(text != NULL);
    if (text != NULL) {
        CHECK(strstr(text, "\"rule\":\"revocation.deadline_missed\",\"severity\":\"error\","
                           "\"file\":null,\"index\":0,\"kind\":\"certificate\",\"object\":"
                           "\"1010101010") != NULL);
        CHECK(strstr(text, "\"serial\":\"0a1b2c\"") != NULL);
        CHECK(strstr(text, "\"kind\":\"incident\",\"object\":null") != NULL);
        CHECK(strstr(text, "\"incident\":7,\"schema\":1}") != NULL);
        const char *last = strstr(text, "not an incident finding");
        CHECK(last != NULL && strstr(last, "incident\":") == NULL);
    }
    free(text);

    text = NULL;
    mf = open_memstream(&text, &len);
    out = cg_out_new(mf, CG_OUT_TEXT, 0);
    cg_ctx_init(&ctx, R + 4 * DAY, cg_out_sink, out);
    cg_incident_check(&ctx, &f.inc);
    cg_out_free(out);
    fclose(mf);
    CHECK(text != NULL && strstr(text, "incident 7 #0: certificate\n  serial  0a1b2c\n") != NULL);
    CHECK(text != NULL && strstr(text, "\nincident 7 #0: incident\n") != NULL);
    free(text);
}

/* ---- the CCADB report against golden files ---- */

/* The golden incident: a misissuance reported by a third party; a final
 * certificate and its precertificate (one row), a second certificate
 * revoked late with the wrong reason, a third never revoked, with a subject
 * that needs CSV quoting. */
static void golden_incident(fixture *f)
{
    const int64_t R = T("2024-02-05T14:20:00Z");
    fixture_init(f, "misissuance", R);
    f->inc.title = (char *)"Precertificate validity does not match the certificate";
    cg_incident_cert *c = add_cert(f, T("2024-02-01T00:00:00Z"), T("2024-05-01T23:59:59Z"));
    c->serial_hex = (char *)"04d2a1";
    c->dns_names = (char *)"shop.example.com,www.shop.example.com";
    c->subject = (char *)"CN=shop.example.com";
    revoke(c, T("2024-02-08T10:00:00Z"), T("2024-02-08T10:42:17Z"), CG_CRL_REASON_SUPERSEDED);
    cg_incident_cert *p = add_cert(f, T("2024-02-01T00:00:00Z"), T("2024-05-02T23:59:59Z"));
    p->is_precert = 1;
    p->has_cert_sha = 1;
    memcpy(p->cert_sha256, c->sha256, 32);
    p->serial_hex = (char *)"04d2a1";
    p->dns_names = c->dns_names;
    p->subject = c->subject;
    revoke(p, T("2024-02-08T10:00:00Z"), T("2024-02-08T10:42:17Z"), CG_CRL_REASON_SUPERSEDED);
    c = add_cert(f, T("2024-02-03T06:00:00Z"), T("2024-05-03T06:00:00Z"));
    c->serial_hex = (char *)"04d2b7";
    c->dns_names = (char *)"mail.example.com";
    c->subject = (char *)"CN=mail.example.com,O=Example \"Mail\", Inc.";
    revoke(c, T("2024-03-27T08:00:00Z"), T("2024-03-27T09:05:00Z"),
           CG_CRL_REASON_CESSATION_OF_OPERATION);
    c = add_cert(f, T("2024-02-04T12:00:00Z"), T("2024-05-04T12:00:00Z"));
    c->serial_hex = (char *)"04d2c3";
    c->dns_names = (char *)"";
    c->subject = (char *)"CN=vpn.example.com";
    add_event(f, CG_EVENT_PRELIMINARY_REPORT, T("2024-02-07T09:00:00Z"),
              "Posted to Bugzilla | bug 1888371");
    add_event(f, CG_EVENT_QUESTION, T("2024-02-12T17:30:00Z"), "Why was\nrevocation delayed?");
    add_event(f, CG_EVENT_UPDATE, T("2024-02-14T11:00:00Z"), NULL);
    add_event(f, CG_EVENT_FULL_REPORT, T("2024-02-20T16:45:00Z"), NULL);
}

static int golden(const char *name, const char *got)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/incident/%s", CG_TEST_DATA, name);
    if (getenv("CG_UPDATE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "wb");
        if (f == NULL)
            return 0;
        fputs(got, f);
        fclose(f);
        return 1;
    }
    size_t len = 0;
    uint8_t *want = cg_test_read(path, &len);
    int ok = want != NULL && len == strlen(got) && memcmp(want, got, len) == 0;
    if (!ok) {
        fprintf(stderr, "%s differs from the output (CG_UPDATE_GOLDEN=1 rewrites it):\n%s\n", path,
                got);
    }
    free(want);
    return ok;
}

static int lint_count(const char *md, findings *fs);

/* A draft of this kind (no owner ID, no rules), 1 when written. */
static int draft(const cg_incident *inc, int64_t at, cg_report_kind kind, cg_sbuf *out)
{
    cg_report_opts o;
    char err[256];
    memset(&o, 0, sizeof(o));
    o.kind = kind;
    return cg_incident_report_draft(inc, at, &o, out, err, sizeof(err));
}

static char *read_data(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "incident/%s", name);
    uint8_t *d = cg_test_read(path, len);
    char *s = d != NULL ? realloc(d, *len + 1) : NULL;
    if (s != NULL)
        s[*len] = '\0';
    else
        free(d);
    return s;
}

static void test_report_golden(void)
{
    fixture f;
    cg_sbuf md = CG_SBUF_INIT, pre = CG_SBUF_INIT, csv = CG_SBUF_INIT;
    golden_incident(&f);
    const int64_t at = T("2024-04-01T12:00:00Z");
    CHECK(draft(&f.inc, at, CG_REPORT_PRELIMINARY, &pre));
    CHECK(draft(&f.inc, at, CG_REPORT_FULL, &md));
    cg_incident_appendix_csv(&f.inc, at, &csv);
    CHECK(!md.failed && !csv.failed && !pre.failed);
    CHECK(golden("report-preliminary.md", cg_sbuf_str(&pre)));
    CHECK(golden("report.md", cg_sbuf_str(&md)));
    CHECK(golden("appendix.csv", cg_sbuf_str(&csv)));
    /* One report a draft: the preliminary has no Full report in it. */
    CHECK(strstr(cg_sbuf_str(&pre), "## Full Incident Report") == NULL);
    CHECK(strstr(cg_sbuf_str(&md), "## Preliminary Incident Report") == NULL);
    /* The CSV header is the template's columns, in order. */
    const char *header = "Precertificate SHA-256 hash,Certificate SHA-256 hash,Subject,Issuer,Not "
                         "before,Not after,Serial #,dNSNames,Is revoked?,Revocation date,"
                         "Revocation reason\r\n";
    CHECK(strncmp(cg_sbuf_str(&csv), header, strlen(header)) == 0);
    cg_sbuf_free(&md);
    cg_sbuf_free(&pre);
    cg_sbuf_free(&csv);

    /* What caguard derives: the owner ID from the configuration, the
     * types from the policy OIDs, the heuristic from the defect rules. */
    {
        cg_report_opts o;
        char err[256];
        const cg_rule_id rules[] = {CG_R_CT_PAIR_VALIDITY_MISMATCH};
        memset(&o, 0, sizeof(o));
        o.kind = CG_REPORT_FULL;
        o.owner_id = "A004512";
        o.rules = rules;
        o.n_rules = 1;
        f.certs[0].types = CG_CERT_TYPE_READ | CG_CERT_TYPE_DV | CG_CERT_TYPE_SERVER_AUTH;
        f.certs[2].types = CG_CERT_TYPE_READ | CG_CERT_TYPE_OV | CG_CERT_TYPE_SERVER_AUTH;
        f.certs[3].types = CG_CERT_TYPE_READ | CG_CERT_TYPE_SERVER_AUTH;
        CHECK(cg_incident_report_draft(&f.inc, at, &o, &md, err, sizeof(err)));
        CHECK(golden("report-derived.md", cg_sbuf_str(&md)));
        const char *m = cg_sbuf_str(&md);
        CHECK(strstr(m, "- **CA Owner CCADB unique ID:** A004512\n") != NULL);
        CHECK(strstr(m, "This incident affects DV and OV certificates (from their CA/Browser "
                        "Forum policy OIDs); 1 certificate carries no CA/Browser Forum policy "
                        "OID (TLS server authentication).") != NULL);
        CHECK(strstr(m, "`ct.pair.validity_mismatch`") != NULL);
        /* The Analysis of a revocation-delay incident: which, by how much,
         * the first CRL sighting. */
        CHECK(strstr(m,
                     "serial 04d2b7 revoked 2024-03-27 08:00 UTC, first seen on a CRL "
                     "2024-03-27 09:05 UTC, 45 days 18 hours 45 min 0 s after the deadline;") != NULL);
        CHECK(strstr(m, "serial 04d2c3 not on a CRL at 2024-04-01 12:00 UTC") != NULL);
        cg_sbuf_free(&md);
        for (size_t i = 0; i < f.inc.n_certs; i++)
            f.certs[i].types = 0;
    }

    /* Without certificates or events: still every field. */
    fixture_init(&f, "cps-required", T("2024-02-05T14:20:00Z"));
    f.inc.source = CG_SOURCE_SELF;
    CHECK(draft(&f.inc, at, CG_REPORT_FULL, &md));
    CHECK(golden("report-empty.md", cg_sbuf_str(&md)));
    cg_incident_appendix_csv(&f.inc, at, &csv);
    CHECK(strchr(cg_sbuf_str(&csv), '\n') == cg_sbuf_str(&csv) + csv.len - 1); /* header only */
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
}

static void test_closure(void)
{
    fixture f;
    cg_sbuf md = CG_SBUF_INIT;
    cg_report_opts o;
    char err[1024];
    size_t len = 0;
    char *full = read_data("report-filled.md", &len);
    CHECK(full != NULL);
    if (full == NULL)
        return;
    golden_incident(&f);
    const int64_t at = T("2024-05-10T12:00:00Z");
    memset(&o, 0, sizeof(o));
    o.kind = CG_REPORT_CLOSURE;
    /* Without the Full report: refused. */
    CHECK(!cg_incident_report_draft(&f.inc, at, &o, &md, err, sizeof(err)));
    CHECK(strstr(err, "needs the Full Incident Report") != NULL);
    CHECK(md.len == 0);
    /* An Action Item still Ongoing: refused, naming it. */
    o.full_md = full;
    o.full_len = len;
    CHECK(!cg_incident_report_draft(&f.inc, at, &o, &md, err, sizeof(err)));
    CHECK(strstr(err, "refused: 1 Action Item of the Full Incident Report is not Complete or "
                      "Canceled: 'Monitor CT logs for our certificates and compare each with "
                      "its precertificate' (Ongoing)") != NULL);
    CHECK(md.len == 0);
    /* All complete (one canceled): the Report Closure Summary. */
    char *done = strdup(full);
    char *p = strstr(done, "| 2024-04-30 | Ongoing |");
    CHECK(p != NULL);
    if (p != NULL)
        memcpy(p, "| 2024-04-30 | Complete|", 24);
    o.full_md = done;
    o.full_len = strlen(done);
    CHECK(cg_incident_report_draft(&f.inc, at, &o, &md, err, sizeof(err)));
    CHECK(golden("report-closure.md", cg_sbuf_str(&md)));
    const char *m = cg_sbuf_str(&md);
    CHECK(strncmp(m, "### Report Closure Summary\n", 27) == 0);
    CHECK(strstr(m, "- **Incident Root Cause(s):** Contributing Factor 1: notAfter computed "
                    "twice; Contributing Factor 2: no precertificate to certificate "
                    "correspondence check.") != NULL);
    CHECK(strstr(m, "All Action Items disclosed in this report have been completed as "
                    "described, and we request its closure.\n") != NULL);
    /* The draft lints incomplete only for what the CA must still write. */
    findings fs;
    CHECK(lint_count(m, &fs) == 2);
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "Report Closure Summary, Report Closure Summary: field 'Remediation "
                      "description' still has caguard's fill-in marker"));
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "field 'Commitment summary' still has caguard's fill-in marker"));
    /* Filled in, it passes; without the closing request it does not. */
    const char *closed = "### Report Closure Summary\n\n"
                         "- **Incident description:** Three certificates differed from their "
                         "precertificates' validity.\n"
                         "- **Incident Root Cause(s):** notAfter was computed twice, and nothing "
                         "compared a certificate with its precertificate.\n"
                         "- **Remediation description:** notAfter is computed once; a gate "
                         "compares every certificate with its precertificate.\n"
                         "- **Commitment summary:** N/A\n\n"
                         "All Action Items disclosed in this report have been completed as "
                         "described, and we request its closure.\n";
    CHECK(lint_count(closed, &fs) == 0);
    char *cut = strdup(closed);
    *strstr(cut, "All Action Items") = '\0';
    CHECK(lint_count(cut, &fs) == 1);
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, "the closing request"));
    free(cut);
    free(done);
    free(full);
    cg_sbuf_free(&md);
}

/* ---- counting as the CCADB counts: by issuer and serial ---- */

static size_t lines_of(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static void test_counting(void)
{
    fixture f;
    cg_incident_unit *u = NULL;
    size_t n = 0;
    cg_sbuf md = CG_SBUF_INIT, csv = CG_SBUF_INIT;
    const int64_t R = T("2024-02-05T14:20:00Z");
    fixture_init(&f, "misissuance", R);
    /* A precertificate and its certificate, not linked by hash (as read
     * from two files): one certificate, by issuer and serial. */
    cg_incident_cert *p = add_cert(&f, R - 5 * DAY, R + 85 * DAY);
    p->is_precert = 1;
    p->serial_hex = (char *)"04d2a1";
    cg_incident_cert *c = add_cert(&f, R - 5 * DAY, R + 85 * DAY);
    c->serial_hex = (char *)"04d2a1";
    /* The same serial from another issuer: another certificate. */
    c = add_cert(&f, R - 4 * DAY, R + 86 * DAY);
    c->serial_hex = (char *)"04d2a1";
    c->issuer = (char *)"CN=Other Issuing CA,O=Example,C=US";
    /* A second precertificate for the first serial (a duplicate-serial
     * defect): still that one certificate. */
    p = add_cert(&f, R - 5 * DAY, R + 85 * DAY);
    p->is_precert = 1;
    p->serial_hex = (char *)"04d2a1";
    /* Without a serial: joined by its SHA-256 link only. */
    c = add_cert(&f, R - 3 * DAY, R + 87 * DAY);
    c->serial_hex = NULL;
    p = add_cert(&f, R - 3 * DAY, R + 87 * DAY);
    p->serial_hex = NULL;
    p->is_precert = 1;
    p->has_cert_sha = 1;
    memcpy(p->cert_sha256, c->sha256, 32);
    /* A precertificate whose certificate is not known. */
    p = add_cert(&f, R - 2 * DAY, R + 88 * DAY);
    p->is_precert = 1;
    p->serial_hex = (char *)"04d2ff";

    CHECK(cg_incident_units(&f.inc, &u, &n));
    CHECK(n == 4);
    if (n == 4) {
        CHECK(u[0].precert == &f.certs[0] && u[0].cert == &f.certs[1] && u[0].n_objects == 3);
        CHECK(u[1].cert == &f.certs[2] && u[1].precert == NULL && u[1].n_objects == 1);
        CHECK(u[2].cert == &f.certs[4] && u[2].precert == &f.certs[5]);
        CHECK(u[3].cert == NULL && u[3].precert == &f.certs[6]);
        CHECK(cg_incident_unit_main(&u[0]) == &f.certs[1]);
        CHECK(cg_incident_unit_main(&u[3]) == &f.certs[6]);
    }
    free(u);

    /* Impact, the description, the appendix and the CSV count 4, not 7. */
    revoke(&f.certs[1], R + DAY, R + DAY, CG_CRL_REASON_SUPERSEDED); /* the serial is revoked */
    CHECK(draft(&f.inc, R + 2 * DAY, CG_REPORT_FULL, &md));
    cg_incident_appendix_csv(&f.inc, R + 2 * DAY, &csv);
    const char *m = cg_sbuf_str(&md);
    CHECK(strstr(m,
                 "- **Total number of certificates:** 4 (1 known only by its precertificate)\n") !=
          NULL);
    /* The revoked serial's precertificates are not "remaining valid". */
    CHECK(strstr(m, "certificates:** 3 (1 known only by its precertificate) at ") != NULL);
    CHECK(strstr(m, "4 certificates affected") != NULL);
    CHECK(strstr(m, "4 affected certificates at ") != NULL);
    CHECK(lines_of(cg_sbuf_str(&csv)) == 5); /* the header and 4 rows */
    /* The pair's row has both hashes. */
    char pre[65], fin[65];
    cg_hex(f.certs[0].sha256, 32, pre);
    cg_hex(f.certs[1].sha256, 32, fin);
    char row[200];
    snprintf(row, sizeof(row), "\r\n%s,%s,", pre, fin);
    CHECK(strstr(cg_sbuf_str(&csv), row) != NULL);
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);

    /* No certificates: no units, no allocation. */
    fixture_init(&f, "misissuance", R);
    u = (cg_incident_unit *)&f;
    CHECK(cg_incident_units(&f.inc, &u, &n) && n == 0 && u == NULL);
}

/* ---- the lint ---- */

static int lint_count(const char *md, findings *fs)
{
    cg_ctx ctx;
    cg_objref obj;
    memset(fs, 0, sizeof(*fs));
    memset(&obj, 0, sizeof(obj));
    obj.file = "report.md";
    obj.kind = CG_KIND_INCIDENT;
    cg_ctx_init(&ctx, 0, keep, fs);
    int n = cg_incident_lint(md, strlen(md), &ctx, &obj);
    if ((size_t)n != fs->n)
        return -1;
    return n;
}

/* md without the lines [from, to) (0-based line numbers). */
static char *without_lines(const char *md, size_t from, size_t to)
{
    char *out = malloc(strlen(md) + 1);
    size_t o = 0, line = 0;
    for (const char *p = md; *p != '\0'; p++) {
        if (line < from || line >= to)
            out[o++] = *p;
        if (*p == '\n')
            line++;
    }
    out[o] = '\0';
    return out;
}

static size_t line_of(const char *md, const char *needle, size_t after)
{
    size_t line = 0;
    const char *p = md;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (line >= after && n >= strlen(needle) && memcmp(p, needle, strlen(needle)) == 0)
            return line;
        if (nl == NULL)
            return (size_t)-1;
        p = nl + 1;
        line++;
    }
}

/* The line of the next heading at or above this level after `after`, or
 * the number of lines. */
static size_t section_end(const char *md, size_t after, int level)
{
    size_t line = 0, n = 0;
    for (const char *p = md; *p != '\0'; line++) {
        const char *nl = strchr(p, '\n');
        int h = 0;
        while (p[h] == '#')
            h++;
        if (line > after && h > 0 && h <= level && p[h] == ' ')
            return line;
        n = line + 1;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return n;
}

/* The lint's findings, one a line, for a failure message. */
static void dump(const findings *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        fprintf(stderr, "  %s\n", fs->v[i].message);
}

static void test_lint_untouched(void)
{
    fixture f;
    findings fs;
    cg_sbuf md = CG_SBUF_INIT;
    golden_incident(&f);
    CHECK(draft(&f.inc, T("2024-04-01T12:00:00Z"), CG_REPORT_FULL, &md));
    /* An untouched draft is not a report: every field only the CA can
     * answer is listed. */
    static const char *const want[] = {
        "Full Incident Report, Summary: field 'CA Owner CCADB unique ID' still has caguard's "
        "fill-in marker",
        "Full Incident Report, Summary: field 'Non-compliance end date' still has caguard's "
        "fill-in marker",
        "Full Incident Report, Impact: field 'Affected certificate types' still has",
        "Full Incident Report, Impact: field 'Incident heuristic' still has",
        "Full Incident Report, Impact: field 'Was issuance stopped in response to this incident, "
        "and why or why not?' still has",
        "Full Incident Report, Impact: field 'Analysis' still has",
        "Full Incident Report, Related Incidents: row 1 still has",
        "Full Incident Report, Root Cause Analysis: the Contributing Factor has no title",
        "Full Incident Report, Root Cause Analysis: field 'Description' still has",
        "Full Incident Report, Root Cause Analysis: field 'Timeline' still has",
        "Full Incident Report, Root Cause Analysis: field 'Detection' still has",
        "Full Incident Report, Root Cause Analysis: field 'Interaction with other factors' still "
        "has",
        "Full Incident Report, Lessons Learned: field 'What went well' still has",
        "Full Incident Report, Lessons Learned: field 'What didn\xe2\x80\x99t go well' still has",
        "Full Incident Report, Lessons Learned: field 'Where we got lucky' still has",
        "Full Incident Report, Lessons Learned: field 'Additional' still has",
        "Full Incident Report, Action Items: row 1 still has",
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    int got = lint_count(cg_sbuf_str(&md), &fs);
    CHECK(got == (int)n);
    for (size_t i = 0; i < n; i++) {
        if (!has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, want[i])) {
            fprintf(stderr, "missing: %s\n", want[i]);
            CHECK(0);
        }
    }
    if (got != (int)n)
        dump(&fs);
    /* Every marker replaced by N/A: each field that requires content is
     * named again (N/A is not an answer there), the others pass. */
    cg_sbuf na = CG_SBUF_INIT;
    const char *m = cg_sbuf_str(&md);
    for (const char *p = m; *p != '\0';) {
        const char *q = strstr(p, CG_REPORT_FILL_MARKER);
        if (q == NULL) {
            cg_sbuf_puts(&na, p);
            break;
        }
        cg_sbuf_append(&na, p, (size_t)(q - p));
        cg_sbuf_puts(&na, "N/A");
        p = strstr(q, "]]") + 2;
    }
    got = lint_count(cg_sbuf_str(&na), &fs);
    CHECK(
        has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                    "Full Incident Report, Summary: field 'CA Owner CCADB unique ID' is N/A, but "
                    "the template requires content there"));
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "Impact: field 'Incident heuristic' is N/A, but the template requires"));
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "Action Items: no entry, only N/A (the template requires at least one)"));
    CHECK(!has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, "Where we got lucky"));
    CHECK(!has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, "Related Incidents"));
    CHECK(got == 13);
    if (got != 13)
        dump(&fs);
    cg_sbuf_free(&na);
    cg_sbuf_free(&md);
}

/* s with the first `from` replaced by `to` (a new string). */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    CHECK(p != NULL);
    if (p == NULL)
        return strdup(s);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return out;
}

/* The lint's count on s with one replacement, and that a message names it. */
static void lint_edit(const char *s, const char *from, const char *to, int want,
                      const char *message)
{
    findings fs;
    char *e = replaced(s, from, to);
    int got = lint_count(e, &fs);
    CHECK(got == want);
    if (message != NULL && !has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, message)) {
        fprintf(stderr, "no finding '%s'\n", message);
        CHECK(0);
    }
    if (got != want)
        dump(&fs);
    free(e);
}

static void test_lint(void)
{
    fixture f;
    findings fs;
    cg_sbuf md = CG_SBUF_INIT;
    char needle[256];
    size_t flen = 0;
    char *filled = read_data("report-filled.md", &flen);
    CHECK(filled != NULL);
    if (filled == NULL)
        return;
    golden_incident(&f);
    /* The preliminary report caguard writes needs nothing more; with the
     * CA's filled Full report after it, the text is complete. */
    CHECK(draft(&f.inc, T("2024-04-01T12:00:00Z"), CG_REPORT_PRELIMINARY, &md));
    CHECK(lint_count(cg_sbuf_str(&md), &fs) == 0);
    cg_sbuf_puts(&md, "\n");
    cg_sbuf_puts(&md, filled);
    const char *full = cg_sbuf_str(&md);
    CHECK(lint_count(full, &fs) == 0);
    if (fs.n > 0)
        dump(&fs);
    CHECK(lint_count(filled, &fs) == 0);
    /* CRLF line ends are fine too. */
    {
        cg_sbuf crlf = CG_SBUF_INIT;
        for (const char *p = full; *p != '\0'; p++)
            cg_sbuf_puts(&crlf, *p == '\n' ? "\r\n" : (char[]){*p, 0});
        CHECK(lint_count(cg_sbuf_str(&crlf), &fs) == 0);
        cg_sbuf_free(&crlf);
    }

    /* Each section removed in turn: one finding naming it. */
    size_t full_at = line_of(full, "## Full Incident Report", 0);
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (s->report == CG_REPORT_CLOSURE)
            continue;
        snprintf(needle, sizeof(needle), "### %s", s->title);
        size_t from = line_of(full, needle, s->report == CG_REPORT_FULL ? full_at : 0);
        size_t to = section_end(full, from, 3);
        char *cut = without_lines(full, from, to);
        /* without the Root Cause Analysis, the Action Items name nothing
         * that exists: not reported a second time */
        CHECK(lint_count(cut, &fs) == 1);
        snprintf(needle, sizeof(needle), "%s: section '%s' is missing",
                 cg_report_titles[s->report], s->title);
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, needle));
        CHECK(fs.n > 0 && fs.v[0].kind == CG_KIND_INCIDENT);
        free(cut);
    }

    /* Each required field removed in turn. */
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (s->report == CG_REPORT_CLOSURE)
            continue;
        size_t base = s->report == CG_REPORT_FULL ? full_at : 0;
        snprintf(needle, sizeof(needle), "### %s", s->title);
        base = line_of(full, needle, base);
        for (size_t j = 0; j < s->n_fields; j++) {
            const cg_tfield *tf = &s->fields[j];
            snprintf(needle, sizeof(needle), "%s- **%s:**", tf->nested ? "   " : "", tf->name);
            size_t at = line_of(full, needle, base);
            CHECK(at != (size_t)-1);
            char *cut = without_lines(full, at, at + 1);
            int want = tf->optional ? 0 : 1;
            CHECK(lint_count(cut, &fs) == want);
            snprintf(needle, sizeof(needle), "%s, %s%s: field '%s' is missing",
                     cg_report_titles[s->report], s->title,
                     s->lead != NULL ? ", Contributing Factor 1" : "", tf->name);
            CHECK(!want || has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, needle));
            free(cut);
        }
    }
    /* An emptied field, one whose value is on the next line, N/A where
     * content is required, a marker left. */
    const char *types = "- **Affected certificate types:** This incident affects DV certificates.";
    lint_edit(full, types, "- **Affected certificate types:**", 1,
              "Full Incident Report, Impact: field 'Affected certificate types' is empty (write "
              "N/A when it does not apply)");
    lint_edit(full, types, "- **Affected certificate types**:\n  DV and OV", 0, NULL);
    lint_edit(full, types, "- **Affected certificate types:** N/A", 1,
              "Full Incident Report, Impact: field 'Affected certificate types' is N/A, but the "
              "template requires content there");
    lint_edit(full, types, "- **Affected certificate types:** n/a (unknown)", 1, "is N/A");
    lint_edit(full, types, "- **Affected certificate types:** [[FILL IN: the types]]", 1,
              "field 'Affected certificate types' still has caguard's fill-in marker");
    lint_edit(full, "- **Additional:** N/A", "- **Additional:** -", 0, NULL);
    lint_edit(full, "- **Analysis:** Serial", "- **Analysis:** N/A\n\nSerial", 0, NULL);
    /* The template's choices and forms. */
    lint_edit(full, "Third Party Reported\n\n### Impact", "A community member\n\n### Impact", 1,
              "field 'Source of incident disclosure' is not one of the template's choices");
    lint_edit(full, "unique ID:** A004512", "unique ID:** 4512", 1,
              "field 'CA Owner CCADB unique ID' is not a CCADB unique ID");
    lint_edit(full, "unique ID:** A004512", "unique ID:** `A004512`", 0, NULL);
    /* Action Items: Kind, root cause, criteria, due date, status. */
    const char *row2 =
        "| Prevent | Root Cause # 2 | The gate refuses a test certificate whose TBS "
        "differs from its precertificate | 2024-03-15 | Complete |";
    lint_edit(full, row2,
              "| Fix | Root Cause # 2 | The gate refuses a test certificate whose TBS differs "
              "from its precertificate | 2024-03-15 | Complete |",
              1,
              "row 2 ('Gate every certificate on its precertificate before signing (co'): Kind "
              "is not Prevent, Detect or Mitigate");
    lint_edit(full, row2, "| Prevent | Root Cause # 2 | N/A | 2024-03-15 | Complete |", 1,
              "row 2 ('Gate every certificate on its precertificate before signing (co'): no "
              "Evaluation Criteria");
    lint_edit(full, row2, "| Prevent | Root Cause # 2 | x | mid-March | Complete |", 1,
              "Due Date is not a date (YYYY-MM-DD)");
    lint_edit(full, row2, "| Prevent | Root Cause # 2 | x | 2024-02-30 | Complete |", 1,
              "Due Date is not a date");
    lint_edit(full, row2, "| Prevent | Root Cause # 2 | x | 2024-03-15 | Done |", 1,
              "Status is not Ongoing, Complete, Delayed or Canceled");
    lint_edit(full, row2, "| Prevent |  | x | 2024-03-15 | Canceled |", 1,
              "no Corresponding Root Cause(s)");
    /* A row naming no factor; then factor 2 named by no row. */
    lint_edit(full, row2, "| Prevent | Root Cause # 3 | x | 2024-03-15 | Complete |", 1,
              "row 2 ('Gate every certificate on its precertificate before signing (co'): "
              "Corresponding Root Cause(s) names no Contributing Factor");
    lint_edit(full, "| Detect | Root Cause # 1, Root Cause # 2 |", "| Detect | Root Cause # 1 |",
              0, NULL);
    {
        char *a = replaced(full, "| Detect | Root Cause # 1, Root Cause # 2 |",
                           "| Detect | Root Cause # 1 |");
        lint_edit(a, "| Prevent | Root Cause # 2 |", "| Prevent | notAfter computed twice |", 1,
                  "Full Incident Report, Root Cause Analysis: Contributing Factor 2 ('no "
                  "precertificate to certificate correspondence check') has no Action Item "
                  "naming it in Corresponding Root Cause(s)");
        free(a);
    }
    /* Only N/A in the Action Items: not a report. */
    {
        size_t ai = line_of(full, "| Action Item |", full_at);
        char *a = without_lines(full, ai + 2, ai + 5);
        char *b = replaced(a, "|---|---|---|---|---|---|\n",
                           "|---|---|---|---|---|---|\n| N/A | N/A | N/A | N/A | N/A | N/A |\n");
        CHECK(lint_count(b, &fs) == 3);
        CHECK(
            has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, "Action Items: no entry, only N/A"));
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                          "Contributing Factor 1 ('notAfter computed twice') has no Action Item"));
        free(a);
        free(b);
    }
    {
        /* A table column renamed, a table without rows, the leads gone. */
        char *cut = strdup(full);
        char *col = strstr(cut, "| Due Date |");
        CHECK(col != NULL);
        if (col != NULL)
            memcpy(col, "| Due Time |", 12);
        CHECK(lint_count(cut, &fs) == 1);
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                          "Action Items: column 'Due Date' is missing"));
        free(cut);
        size_t rel = line_of(full, "| Bug |", 0);
        cut = without_lines(full, rel + 2, rel + 3);
        CHECK(lint_count(cut, &fs) == 1);
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                          "Related Incidents: the table has no rows"));
        free(cut);
        size_t lead1 = line_of(full, "**Contributing Factor #1", 0);
        size_t lead2 = line_of(full, "**Contributing Factor #2", 0);
        char *one = without_lines(full, lead2, lead2 + 1);
        cut = without_lines(one, lead1, lead1 + 1);
        CHECK(lint_count(cut, &fs) == 1);
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE, "no 'Contributing Factor'"));
        free(cut);
        free(one);
        /* The Timeline emptied, then N/A. */
        size_t tl = line_of(full, "### Timeline", 0);
        cut = without_lines(full, tl + 2, section_end(full, tl, 3) - 1);
        CHECK(lint_count(cut, &fs) == 1);
        CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                          "Full Incident Report, Timeline: the section is empty"));
        free(cut);
    }

    /* A preliminary report alone is complete; the full one alone too. */
    char *pre = without_lines(full, full_at, (size_t)1 << 30);
    CHECK(lint_count(pre, &fs) == 0);
    free(pre);
    char *fullonly = without_lines(full, 0, full_at);
    CHECK(lint_count(fullonly, &fs) == 0);
    free(fullonly);

    /* Headings at other levels, curly quotes, "**Field**:" spelling. */
    const char *relaxed =
        "# Full Incident Report\n## Summary\n"
        "* **CA Owner CCADB unique ID**: A000123\n"
        "* **Incident description**: text\n* **Timeline summary**:\n"
        "  * **Non-compliance start date**: x\n  * **Non-compliance identified date**: x\n"
        "  * **Non-compliance end date**: x\n* **Relevant policies**: x\n"
        "* **Source of incident disclosure**: Audit\n"
        "## Impact\n- **Total number of certificates:** 1\n"
        "- **Total number of \xe2\x80\x9cremaining valid\xe2\x80\x9d certificates:** 0\n"
        "- **Affected certificate types:** DV\n- **Incident heuristic:** x\n"
        "- **Was issuance stopped in response to this incident, and why or why not?:** No\n"
        "- **Analysis:** N/A\n"
        "## Timeline\n- 2024-01-01 00:00 UTC: x\n"
        "## Related Incidents\n|Bug|Date|Description|\n|-|-|-|\n|N/A|N/A|N/A|\n"
        "## Root Cause Analysis\n**Contributing Factor #1: config**\n- **Description:** x\n"
        "- **Timeline:** x\n- **Detection:** x\n- **Interaction with other factors:** x\n"
        "## Lessons Learned\n- **What went well:** x\n- **What didn't go well:** x\n"
        "- **Where we got lucky:** x\n- **Additional:** x\n"
        "## Action Items\n| Action Item | Kind | Corresponding Root Cause(s) | Evaluation "
        "Criteria | Due Date | Status |\n|---|---|---|---|---|---|\n| a | Prevent | 1 | c | "
        "2025-01-01 | Ongoing |\n"
        "## Appendix\nN/A\n";
    CHECK(lint_count(relaxed, &fs) == 0);
    if (fs.n > 0)
        dump(&fs);

    /* Nothing at all: no heading, and every Full report section missing. */
    CHECK(lint_count("", &fs) == 9);
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "no 'Preliminary Incident Report', 'Full Incident Report' or 'Report "
                      "Closure Summary' heading"));
    /* A heading inside a code fence is not a heading. */
    CHECK(lint_count("```markdown\n## Preliminary Incident Report\n### Summary\n```\n", &fs) == 9);
    /* The template's empty skeleton: every field empty. */
    const char *skeleton = "## Preliminary Incident Report\n\n### Summary\n"
                           "- **Incident description:**\n- **Relevant policies:** \n"
                           "- **Source of incident disclosure:** \n";
    CHECK(lint_count(skeleton, &fs) == 3);
    CHECK(has_message(&fs, CG_R_INCIDENT_REPORT_INCOMPLETE,
                      "Preliminary Incident Report, Summary: field 'Relevant policies' is empty"));
    cg_sbuf_free(&md);
    free(filled);
}

/* ---- certificates from files ---- */

static void test_certs(void)
{
    cg_incident inc;
    char err[256];
    size_t len = 0, plen = 0, clen = 0;
    uint8_t *final = cg_test_read("le2023/good/final.pem", &len);
    uint8_t *pre = cg_test_read("le2023/good/precert.pem", &plen);
    uint8_t *crl = cg_test_read("crl/good.der", &clen);
    uint8_t want[32];
    memset(&inc, 0, sizeof(inc));
    CHECK(final != NULL && pre != NULL && crl != NULL);
    if (final == NULL || pre == NULL || crl == NULL)
        goto out;
    CHECK(cg_incident_add_certs(&inc, "final.pem", final, len, err, sizeof(err)));
    CHECK(cg_incident_add_certs(&inc, "precert.pem", pre, plen, err, sizeof(err)));
    CHECK(cg_incident_add_certs(&inc, "again.pem", final, len, err, sizeof(err))); /* no dup */
    CHECK(inc.n_certs == 2);
    cg_test_unhex("c5b19d1509d0aae7dfb909c09d507bfef89d3af0971b9f72562c3b984d0c15d5", want, 32);
    CHECK(memcmp(inc.certs[0].sha256, want, 32) == 0);
    CHECK(!inc.certs[0].is_precert && inc.certs[1].is_precert);
    CHECK(strcmp(inc.certs[0].serial_hex, "03d91c3d22b404f20df3c1631c22e1754b8d") == 0);
    CHECK(strcmp(inc.certs[0].subject, "CN=housetrainingpuppy.info") == 0);
    CHECK(strcmp(inc.certs[0].issuer, "CN=R3,O=Let's Encrypt,C=US") == 0);
    CHECK(strcmp(inc.certs[1].dns_names, "housetrainingpuppy.info") == 0);
    CHECK(inc.certs[1].not_before == T("2023-06-15T15:01:44Z"));
    CHECK(inc.certs[1].not_after == T("2023-09-13T15:01:43Z"));
    CHECK(inc.certs[0].reason == CG_REASON_OMITTED && !inc.certs[0].revoked);
    cg_incident_pair_certs(&inc);
    CHECK(inc.certs[1].has_cert_sha && memcmp(inc.certs[1].cert_sha256, want, 32) == 0);
    CHECK(inc.certs[0].has_precert_sha &&
          memcmp(inc.certs[0].precert_sha256, inc.certs[1].sha256, 32) == 0);

    /* A CRL, garbage, an empty file: refused, inc unchanged. */
    CHECK(!cg_incident_add_certs(&inc, "good.der", crl, clen, err, sizeof(err)));
    CHECK(strstr(err, "good.der, object 0: not a certificate or precertificate") != NULL);
    CHECK(!cg_incident_add_certs(&inc, "x.pem", (const uint8_t *)"hello\n", 6, err, sizeof(err)));
    CHECK(!cg_incident_add_certs(&inc, "empty.pem", (const uint8_t *)"", 0, err, sizeof(err)));
    CHECK(inc.n_certs == 2);
out:
    free(final);
    free(pre);
    free(crl);
    cg_incident_clear(&inc);
    CHECK(inc.certs == NULL && inc.n_certs == 0);
}

int main(void)
{
    test_kinds_table();
    test_every_kind();
    test_revocation_scenarios();
    test_report_deadlines();
    test_update_deadlines();
    test_thread_rules();
    test_output();
    test_report_golden();
    test_counting();
    test_closure();
    test_lint_untouched();
    test_lint();
    test_certs();
    return cg_test_done();
}
