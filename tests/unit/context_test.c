/* The library context (caguard_context, over rules/prepared): a checker
 * made from it gives the findings a checker given the same issuer and log
 * list gives (less the issuer's own), on the real Let's Encrypt pairs;
 * several threads share one context; what a context refuses. */
#include <caguard/caguard.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define AT 1687219200 /* 2023-06-20 */

typedef struct data {
    uint8_t *list, *issuer, *pre[2], *fin[2];
    size_t list_len, issuer_len, pre_len[2], fin_len[2];
} data;

typedef struct seen {
    char rules[2048];
    char about[2048]; /* "rule field milestone;" per finding, "-" for NULL */
    char reqs[1024];  /* "rule=requirement;" per finding that names one */
    int value_bad;    /* a value for a key no finding has */
    size_t n, errors;
    int issuer_named;
} seen;

static void collect(void *arg, const caguard_finding *f)
{
    seen *s = arg;
    size_t used = strlen(s->rules);
    snprintf(s->rules + used, sizeof(s->rules) - used, "%s%s", used > 0 ? " " : "",
             caguard_finding_rule(f));
    const char *field = caguard_finding_field(f), *ms = caguard_finding_value(f, "milestone");
    used = strlen(s->about);
    s->value_bad |= caguard_finding_value(f, "no-such-member") != NULL ||
                    caguard_finding_value(f, NULL) != NULL;
    snprintf(s->about + used, sizeof(s->about) - used, "%s %s %s;", caguard_finding_rule(f),
             field != NULL ? field : "-", ms != NULL ? ms : "-");
    const char *req = caguard_finding_value(f, "requirement");
    used = strlen(s->reqs);
    if (req != NULL)
        snprintf(s->reqs + used, sizeof(s->reqs) - used, "%s=%s;", caguard_finding_rule(f), req);
    s->n++;
    s->errors += caguard_finding_severity(f) == CAGUARD_ERROR;
    s->issuer_named |= strcmp(caguard_finding_name(f), "issuer") == 0;
}

/* which: 0 the good pair, 1 the 2023 incident's. */
static long run_ctx(caguard_context *ctx, const data *d, int which, seen *s)
{
    char err[256];
    caguard_checker *c = caguard_checker_new_with_context(ctx);
    memset(s, 0, sizeof(*s));
    caguard_checker_set_time(c, AT);
    CHECK(caguard_checker_add(c, "precert", d->pre[which], d->pre_len[which], err, sizeof(err)));
    CHECK(caguard_checker_add(c, "final", d->fin[which], d->fin_len[which], err, sizeof(err)));
    long e = caguard_checker_run(c, collect, s);
    caguard_checker_free(c);
    return e;
}

typedef struct job {
    caguard_context *ctx;
    const data *d;
    int bad_runs, good_runs;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 40; i++) {
        seen s;
        long e = run_ctx(j->ctx, j->d, i % 2, &s);
        if (i % 2 == 0 && e == 0 && strstr(s.rules, "issuer_unknown") == NULL)
            j->good_runs++;
        if (i % 2 == 1 && e > 0 && strstr(s.rules, "ct.sct.signature_invalid") != NULL)
            j->bad_runs++;
    }
    return NULL;
}

int main(void)
{
    data d;
    char err[256];
    d.list = cg_test_read("loglists/crtsh_v3_all_all_logs_list.json", &d.list_len);
    d.issuer = cg_test_read("le2023/r3.pem", &d.issuer_len);
    d.pre[0] = cg_test_read("le2023/good/precert.pem", &d.pre_len[0]);
    d.fin[0] = cg_test_read("le2023/good/final.pem", &d.fin_len[0]);
    d.pre[1] = cg_test_read("le2023/bad/precert.pem", &d.pre_len[1]);
    d.fin[1] = cg_test_read("le2023/bad/final.pem", &d.fin_len[1]);
    CHECK(d.list && d.issuer && d.pre[0] && d.fin[0] && d.pre[1] && d.fin[1]);

    caguard_context *ctx = caguard_context_new();
    CHECK(caguard_context_add_loglist(ctx, d.list, d.list_len, err, sizeof(err)));
    CHECK(caguard_context_add_ca(ctx, d.issuer, d.issuer_len, err, sizeof(err)));
    /* Not CA certificates, not a list: refused, the context unchanged. */
    CHECK(!caguard_context_add_ca(ctx, d.fin[0], d.fin_len[0], err, sizeof(err)) &&
          strstr(err, "not a CA certificate") != NULL);
    CHECK(!caguard_context_add_ca(ctx, (const uint8_t *)"junk", 4, err, sizeof(err)));
    CHECK(!caguard_context_add_loglist(ctx, (const uint8_t *)"{", 1, err, sizeof(err)));

    /* The same findings as a checker given the issuer and the list, but
     * the issuer's own. */
    seen with, alone;
    for (int which = 0; which < 2; which++) {
        long e1 = run_ctx(ctx, &d, which, &with);
        caguard_checker *c = caguard_checker_new();
        caguard_checker_set_time(c, AT);
        CHECK(caguard_checker_add_loglist(c, d.list, d.list_len, err, sizeof(err)));
        CHECK(caguard_checker_add(c, "issuer", d.issuer, d.issuer_len, err, sizeof(err)));
        CHECK(caguard_checker_add(c, "precert", d.pre[which], d.pre_len[which], err, sizeof(err)));
        CHECK(caguard_checker_add(c, "final", d.fin[which], d.fin_len[which], err, sizeof(err)));
        memset(&alone, 0, sizeof(alone));
        long e2 = caguard_checker_run(c, collect, &alone);
        caguard_checker_free(c);
        CHECK(!with.issuer_named);
        if (!alone.issuer_named) {
            CHECK(strcmp(with.rules, alone.rules) == 0);
            CHECK(e1 == e2);
        }
        if (which == 0) {
            CHECK(e1 == 0 && strstr(with.rules, "issuer_unknown") == NULL);
        } else {
            CHECK(e1 > 0 && strstr(with.rules, "ct.pair.tbs_mismatch") != NULL);
            CHECK(strstr(with.rules, "ct.sct.signature_invalid") != NULL);
        }
    }
    /* The log lists are the context's; and it is fixed once in use. */
    caguard_checker *c = caguard_checker_new_with_context(ctx);
    CHECK(!caguard_checker_add_loglist(c, d.list, d.list_len, err, sizeof(err)) &&
          strstr(err, "context") != NULL);
    caguard_checker_free(c);
    CHECK(!caguard_context_add_ca(ctx, d.issuer, d.issuer_len, err, sizeof(err)) &&
          strstr(err, "in use") != NULL);

    /* Four threads share it. */
    pthread_t th[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){ctx, &d, 0, 0};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].good_runs == 20 && jobs[i].bad_runs == 20);
    }
    /* The TLS BR profile is on by default, with a context or without, and
     * caguard_checker_set_br_profile(c, 0) turns it off. */
    size_t long_len;
    uint8_t *long_cert = cg_test_read("profile/cert.validity_too_long__399_days.pem", &long_len);
    CHECK(long_cert != NULL);
    for (int with_ctx = 0; with_ctx < 2 && long_cert != NULL; with_ctx++) {
        for (int on = 1; on >= 0; on--) {
            seen s;
            memset(&s, 0, sizeof(s));
            c = with_ctx ? caguard_checker_new_with_context(ctx) : caguard_checker_new();
            caguard_checker_set_time(c, 1893456000); /* 2030-01-01 */
            if (!on)
                caguard_checker_set_br_profile(c, 0);
            CHECK(caguard_checker_add(c, "long", long_cert, long_len, err, sizeof(err)));
            CHECK(caguard_checker_run(c, collect, &s) >= 0);
            CHECK((strstr(s.rules, "cert.validity_too_long") != NULL) == on);
            /* what the finding is about, as check's JSON and serve's pkimetal
             * Field say it (cg_finding_field), and its milestone */
            CHECK(!on || strstr(s.about, "cert.validity_too_long tbsCertificate.validity "
                                         "2020-09-01;") != NULL);
            caguard_checker_free(c);
        }
    }
    free(long_cert);
    /* What a finding is about, one certificate each at 2030: an element
     * below its rule family's (the extension whose criticality is wrong; no
     * "milestone" there), or which requirement of its rule it breaks, where
     * the rule checks more than one about the same element (no
     * authorityInformationAccess at all, an https OCSP URL, MD5 with RSA:
     * its parameters are NULL, so no second finding). */
    static const struct {
        const char *file, *about, *req;
    } members[] = {
        {"profile/cert.extension_criticality__ku_not_critical.pem",
         "cert.extension_criticality tbsCertificate.extensions.keyUsage -;", NULL},
        {"profile/cert.aia_invalid__missing.pem", NULL, "cert.aia_invalid=missing;"},
        {"profile/cert.aia_invalid__https.pem", NULL, "cert.aia_invalid=location_not_http;"},
        {"profile/cert.signature_algorithm_invalid__md5.pem", NULL,
         "cert.signature_algorithm_invalid=hash_not_allowed;"},
    };
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        size_t len;
        uint8_t *der = cg_test_read(members[i].file, &len);
        CHECK(der != NULL);
        if (der == NULL)
            continue;
        seen s;
        memset(&s, 0, sizeof(s));
        c = caguard_checker_new();
        caguard_checker_set_time(c, 1893456000);
        CHECK(caguard_checker_add(c, "one", der, len, err, sizeof(err)));
        CHECK(caguard_checker_run(c, collect, &s) >= 0);
        CHECK(members[i].about == NULL || strstr(s.about, members[i].about) != NULL);
        CHECK(members[i].req == NULL || strstr(s.reqs, members[i].req) != NULL);
        CHECK(strstr(s.reqs, "rsa_params_not_null") == NULL);
        CHECK(!s.value_bad);
        caguard_checker_free(c);
        free(der);
    }
    caguard_context_free(ctx);
    caguard_context_free(NULL);

    /* The default log lists: the tree's shipped snapshot (its Chrome list
     * verified), which know the 2023 logs: the good pair is clean, the
     * bad pair's SCTs fail to verify. No snapshot: a message, not a crash. */
    setenv("CAGUARD_DATA_DIR", CG_SOURCE_DIR "/data", 1);
    setenv("CAGUARD_STATE_DIR", CG_SOURCE_DIR "/data/no-such-state", 1);
    ctx = caguard_context_new();
    CHECK(caguard_context_add_default_loglists(ctx, err, sizeof(err)));
    CHECK(caguard_context_add_ca(ctx, d.issuer, d.issuer_len, err, sizeof(err)));
    seen dflt;
    CHECK(run_ctx(ctx, &d, 0, &dflt) == 0 && dflt.n == 0);
    CHECK(run_ctx(ctx, &d, 1, &dflt) > 0 && strstr(dflt.rules, "ct.sct.signature_invalid") != NULL);
    CHECK(strstr(dflt.rules, "unknown_log") == NULL && strstr(dflt.rules, "not_evaluated") == NULL);
    caguard_context_free(ctx);
    setenv("CAGUARD_DATA_DIR", CG_SOURCE_DIR "/data/no-such-data", 1);
    ctx = caguard_context_new();
    CHECK(!caguard_context_add_default_loglists(ctx, err, sizeof(err)) &&
          strstr(err, "no-such-data/loglists") != NULL);
    caguard_context_free(ctx);
    free(d.list);
    free(d.issuer);
    for (int i = 0; i < 2; i++) {
        free(d.pre[i]);
        free(d.fin[i]);
    }
    return cg_test_done();
}
