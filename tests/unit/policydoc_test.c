/* TLS BRs §2.3 on CP/CPS versions (incident/policydoc.h): the version in
 * effect per kind, and policy.review_overdue / policy.review_due on both
 * sides of each boundary: a CPS not updated for 366 days is overdue. */
#include <stdio.h>
#include <string.h>

#include "incident/policydoc.h"
#include "testutil.h"
#include "x509/time.h"

#define DAY 86400

typedef struct {
    size_t overdue, due;
    char msg[512];
} seen;

static void keep(void *arg, const cg_finding *f)
{
    seen *s = arg;
    s->overdue += f->rule == CG_R_POLICY_REVIEW_OVERDUE;
    s->due += f->rule == CG_R_POLICY_REVIEW_DUE;
    snprintf(s->msg, sizeof(s->msg), "%s", f->message);
}

static seen run(const cg_pdoc *d, size_t n, int64_t at)
{
    seen s;
    cg_ctx ctx;
    memset(&s, 0, sizeof(s));
    cg_ctx_init(&ctx, at, keep, &s);
    CHECK(cg_pdoc_check(&ctx, d, n) == (int)(s.overdue + s.due));
    return s;
}

static int64_t T(const char *s)
{
    int64_t t = 0;
    CHECK(cg_time_parse_rfc3339(s, &t));
    return t;
}

int main(void)
{
    const int64_t E = T("2025-01-10T00:00:00Z");
    cg_pdoc d[4];
    seen s;
    cg_pdoc_kind k;
    memset(d, 0, sizeof(d));
    d[0] = (cg_pdoc){1, CG_PDOC_CPS, (char *)"https://ca.example/cps", (char *)"3.1", E, E};
    d[1] = (cg_pdoc){2, CG_PDOC_CP, (char *)"https://ca.example/cp", (char *)"2.0", E + 200 * DAY,
                     E};

    /* Before anything takes effect: nothing. */
    s = run(d, 2, E - 1);
    CHECK(s.overdue == 0 && s.due == 0);
    CHECK(cg_pdoc_current(d, 2, CG_PDOC_CPS, E - 1) == NULL);
    CHECK(cg_pdoc_current(d, 2, CG_PDOC_CPS, E) == &d[0]);
    /* 335 days: 30 left, not yet due; one second later, due. */
    s = run(d, 2, E + 335 * DAY);
    CHECK(s.overdue == 0 && s.due == 0);
    s = run(d, 2, E + 335 * DAY + 1);
    CHECK(s.due == 1 && s.overdue == 0);
    CHECK(strstr(s.msg, "the CPS in effect, version 3.1") != NULL);
    /* 365 days to the second: still in time; 366 days: overdue. */
    s = run(d, 2, E + 365 * DAY);
    CHECK(s.overdue == 0 && s.due == 1);
    s = run(d, 2, E + 366 * DAY);
    CHECK(s.overdue == 1);
    CHECK(strstr(s.msg, "took effect 2025-01-10T00:00:00Z; no newer version took effect "
                        "within 365 days (due 2026-01-10T00:00:00Z, 1 days ago") != NULL);
    /* The CP (200 days younger) is due on its own clock. */
    s = run(d, 2, E + 200 * DAY + 366 * DAY);
    CHECK(s.overdue == 2);
    /* A newer CPS recorded, effective later: counts from its date. */
    d[2] = (cg_pdoc){3, CG_PDOC_CPS, (char *)"https://ca.example/cps", (char *)"3.2",
                     E + 370 * DAY, E + 360 * DAY};
    s = run(d, 3, E + 369 * DAY);
    CHECK(s.overdue == 1);
    s = run(d, 3, E + 370 * DAY);
    CHECK(s.overdue == 0 && s.due == 0);
    CHECK(cg_pdoc_current(d, 3, CG_PDOC_CPS, E + 370 * DAY) == &d[2]);
    /* Two versions on one date: the one recorded last. */
    d[3] = (cg_pdoc){4, CG_PDOC_CPS, (char *)"https://ca.example/cps", (char *)"3.2a",
                     E + 370 * DAY, E + 371 * DAY};
    CHECK(cg_pdoc_current(d, 4, CG_PDOC_CPS, E + 371 * DAY) == &d[3]);

    CHECK(cg_pdoc_kind_lookup("cp-cps", &k) && k == CG_PDOC_CP_CPS);
    CHECK(!cg_pdoc_kind_lookup("CPS", &k) && !cg_pdoc_kind_lookup(NULL, &k));
    CHECK(strcmp(cg_pdoc_kind_title(CG_PDOC_CP_CPS), "CP/CPS") == 0);
    return cg_test_done();
}
