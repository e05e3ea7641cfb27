/* Single-object CT rules (src/rules/ct_single.c) through a capturing sink:
 * the zlint cases of the shared corpus exactly as cases.json states them,
 * and the hand-made certificates of tests/data/ct (make_ct_vectors.py),
 * each with every finding and message it must produce. */
#include "rules/rules.h"
#include "testutil.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FINDINGS 32

typedef struct capture {
    size_t n;
    cg_rule_id rule[MAX_FINDINGS];
    char message[MAX_FINDINGS][512];
} capture;

static void capture_sink(void *arg, const cg_finding *f)
{
    capture *c = arg;
    if (c->n == MAX_FINDINGS)
        return;
    c->rule[c->n] = f->rule;
    snprintf(c->message[c->n], sizeof(c->message[c->n]), "%s", f->message);
    c->n++;
}

/* Runs the single-object rules on one file; 0 if it does not parse. */
static int run(const char *path, int64_t at, capture *cap)
{
    size_t len = 0;
    uint8_t *der = cg_test_read_der(path, &len);
    cg_cert *cert = malloc(sizeof(*cert));
    cg_der_error err;
    cg_objref obj;
    cg_ctx ctx;
    int ok = 0;
    memset(cap, 0, sizeof(*cap));
    if (der == NULL || cert == NULL)
        goto out;
    if (!cg_cert_parse(cert, der, len, &err)) {
        fprintf(stderr, "%s: %s at %zu\n", path, err.what, err.offset);
        goto out;
    }
    memset(&obj, 0, sizeof(obj));
    obj.file = path;
    obj.kind = cert->is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
    obj.issuer = cert->issuer;
    obj.serial = cert->serial;
    cg_ctx_init(&ctx, at, capture_sink, cap);
    cg_check_cert_single(&ctx, &obj, cert);
    CHECK(ctx.count[CG_SEV_ERROR] + ctx.count[CG_SEV_WARNING] + ctx.count[CG_SEV_NOTICE] ==
          cap->n);
    ok = 1;
out:
    free(cert);
    free(der);
    return ok;
}

static int has_rule(const capture *cap, const char *id)
{
    for (size_t i = 0; i < cap->n; i++) {
        if (strcmp(cg_rule_get(cap->rule[i])->id, id) == 0)
            return 1;
    }
    return 0;
}

static void dump(const char *path, const capture *cap)
{
    fprintf(stderr, "  %s: %zu finding(s)\n", path, cap->n);
    for (size_t i = 0; i < cap->n; i++)
        fprintf(stderr, "    %s: %s\n", cg_rule_get(cap->rule[i])->id, cap->message[i]);
}

/* A case of the shared corpus (cases.json): the rule IDs that must and must
 * not be reported. NULL ends each list. */
typedef struct corpus_case {
    const char *name;
    const char *file;
    const char *expect[4];
    const char *forbid[4];
    const char *exactly[4]; /* every finding caguard gives today, in order */
} corpus_case;

static const corpus_case zlint_cases[] = {
    {"zlint_precert_with_sct_list_ko",
     "zlint/precert_with_sct_list_ko.pem",
     {"ct.precert.sct_list_present"},
     {NULL},
     {"ct.precert.sct_list_present"}},
    {"zlint_precert_with_sct_list_ok",
     "zlint/precert_with_sct_list_ok.pem",
     {NULL},
     {"ct.precert.sct_list_present"},
     {NULL}},
    {"zlint_precert_with_sct_list_na1",
     "zlint/precert_with_sct_list_na1.pem",
     {NULL},
     {"ct.precert.sct_list_present"},
     {NULL}},
    {"zlint_precert_with_sct_list_na2",
     "zlint/precert_with_sct_list_na2.pem",
     {NULL},
     {"ct.precert.sct_list_present"},
     {NULL}},
    {"zlint_empty_sct_list_ko_01",
     "zlint/empty_sct_list_ko_01.pem",
     {"ct.sct_list.empty"},
     {NULL},
     {"ct.sct_list.empty"}},
    {"zlint_empty_sct_list_ok_01",
     "zlint/empty_sct_list_ok_01.pem",
     {NULL},
     {"ct.sct_list.empty"},
     {NULL}},
    {"zlint_empty_sct_list_ok_02",
     "zlint/empty_sct_list_ok_02.pem",
     {NULL},
     {"ct.sct_list.empty"},
     {NULL}},
    {"zlint_empty_sct_list_na_01",
     "zlint/empty_sct_list_na_01.pem",
     {NULL},
     {"ct.sct_list.empty"},
     {NULL}},
    {"zlint_empty_sct_list_na_02",
     "zlint/empty_sct_list_na_02.pem",
     {NULL},
     {"ct.sct_list.empty"},
     {NULL}},
};

static void test_zlint_cases(void)
{
    /* cases.json gives no "at" for these, so the CLI evaluates at the
     * current time; their SCTs are from 2023. */
    int64_t now = (int64_t)time(NULL);
    capture cap;
    for (size_t i = 0; i < sizeof(zlint_cases) / sizeof(zlint_cases[0]); i++) {
        const corpus_case *c = &zlint_cases[i];
        int failures = cg_test_failures;
        CHECK(run(c->file, now, &cap));
        for (size_t j = 0; j < 4 && c->expect[j] != NULL; j++)
            CHECK(has_rule(&cap, c->expect[j]));
        for (size_t j = 0; j < 4 && c->forbid[j] != NULL; j++)
            CHECK(!has_rule(&cap, c->forbid[j]));
        size_t n = 0;
        while (n < 4 && c->exactly[n] != NULL)
            n++;
        CHECK(cap.n == n);
        for (size_t j = 0; j < n && j < cap.n; j++)
            CHECK(strcmp(cg_rule_get(cap.rule[j])->id, c->exactly[j]) == 0);
        if (cg_test_failures != failures) {
            fprintf(stderr, "  in case %s\n", c->name);
            dump(c->file, &cap);
        }
    }
}

/* One expected finding: rule and exact message. */
typedef struct want {
    cg_rule_id rule;
    const char *message;
} want;

static void expect_findings(const char *path, int64_t at, const want *w, size_t n)
{
    capture cap;
    int failures = cg_test_failures;
    CHECK(run(path, at, &cap));
    CHECK(cap.n == n);
    for (size_t i = 0; i < n && i < cap.n; i++) {
        CHECK(cap.rule[i] == w[i].rule);
        CHECK(strcmp(cap.message[i], w[i].message) == 0);
    }
    if (cg_test_failures != failures)
        dump(path, &cap);
}

#define EXPECT(path, at, ...)                                                                     \
    do {                                                                                          \
        static const want w_[] = {__VA_ARGS__};                                                   \
        expect_findings(path, at, w_, sizeof(w_) / sizeof(w_[0]));                                \
    } while (0)
#define EXPECT_NONE(path, at) expect_findings(path, at, NULL, 0)

/* Evaluation times. */
#define T_2024_06_01 INT64_C(1717200000)
#define T_SCT INT64_C(1704063600) /* 2023-12-31T23:00:00Z, SCTs are at .123 and .456 */

static void test_own_vectors(void)
{
    const int64_t at = T_2024_06_01;
    EXPECT_NONE("ct/cert_ok.pem", at);
    EXPECT_NONE("ct/precert_ok.pem", at);
    EXPECT_NONE("ct/ca.pem", at);
    EXPECT("ct/precert_sct_list.pem", at,
           {CG_R_CT_PRECERT_SCT_LIST_PRESENT,
            "precertificate carries the SCT list extension (position 7) besides the poison "
            "extension (position 8); SCTs go only into the final certificate"});
    EXPECT("ct/poison_not_critical.pem", at,
           {CG_R_CT_PRECERT_POISON_NOT_CRITICAL,
            "poison extension at position 7 is not marked critical"});
    EXPECT("ct/poison_bad_value.pem", at,
           {CG_R_CT_PRECERT_POISON_BAD_VALUE,
            "poison extension at position 7 holds 04 02 05 00 (4 bytes), not ASN.1 NULL (05 00)"});
    EXPECT("ct/poison_empty_value.pem", at,
           {CG_R_CT_PRECERT_POISON_BAD_VALUE,
            "poison extension at position 7 holds nothing (0 bytes), not ASN.1 NULL (05 00)"});
    EXPECT("ct/poison_duplicate.pem", at,
           {CG_R_CT_PRECERT_POISON_DUPLICATE,
            "2 poison extensions, at positions 7 and 8; an extension may appear once"});
    EXPECT("ct/ocsp_sct_ext.pem", at,
           {CG_R_CT_CERT_OCSP_SCT_EXT_PRESENT,
            "certificate carries the OCSP SCT list extension 1.3.6.1.4.1.11129.2.4.5 at "
            "position 8; it belongs in OCSP responses only"});
    EXPECT("ct/sct_list_duplicate.pem", at,
           {CG_R_CT_CERT_SCT_LIST_DUPLICATE,
            "2 SCT list extensions, at positions 7 and 8; an extension may appear once"});
    EXPECT("ct/sct_list_critical.pem", at,
           {CG_R_CT_CERT_SCT_LIST_CRITICAL, "SCT list extension at position 7 is marked "
                                            "critical"});
    EXPECT("ct/sct_list_unwrapped.pem", at,
           {CG_R_CT_SCT_LIST_MALFORMED,
            "an OCTET STRING (tag 04) wrapping the SCT list, found tag 00 at offset 0"});
    EXPECT("ct/sct_list_length.pem", at,
           {CG_R_CT_SCT_LIST_MALFORMED, "SCT list length says 243 bytes, 241 remain at offset "
                                        "3"});
    EXPECT("ct/sct_list_trailing.pem", at,
           {CG_R_CT_SCT_LIST_MALFORMED,
            "SCT list length says 241 bytes, 244 remain (trailing data after the list) at "
            "offset 3"});
    EXPECT("ct/sct_list_zero_sct.pem", at,
           {CG_R_CT_SCT_LIST_MALFORMED,
            "SCT 3: a SerializedSCT of 1 to 65535 bytes, found a zero-length one at offset 246"});
    EXPECT("ct/sct_list_truncated_sct.pem", at,
           {CG_R_CT_SCT_LIST_MALFORMED, "SCT 2: a 32-byte log ID, found 19 bytes at offset "
                                        "128"});
    EXPECT("ct/sct_list_empty.pem", at,
           {CG_R_CT_SCT_LIST_EMPTY,
            "SCT list holds no SCT (list length 0); RFC 6962 requires at least one"});
    EXPECT("ct/sct_version_unknown.pem", at,
           {CG_R_CT_SCT_VERSION_UNKNOWN, "SCT 2 of 3: version 1 is not v1 (0)"});
    EXPECT("ct/sct_timestamp_future.pem", at,
           {CG_R_CT_SCT_TIMESTAMP_FUTURE,
            "SCT 2 of 2 (log ID a7b76e95...): timestamp 2030-01-01T00:00:00.007Z is later "
            "than the evaluation time 2024-06-01T00:00:00Z"});
}

/* The timestamp rule at the edges, and on lists that are malformed later
 * on (the SCTs before the damage are still judged). */
static void test_timestamp_edges(void)
{
    /* One second after the SCTs' second: both are in the past. */
    EXPECT_NONE("ct/cert_ok.pem", T_SCT + 1);
    /* At the SCTs' second, .123 and .456 are later. */
    EXPECT("ct/cert_ok.pem", T_SCT,
           {CG_R_CT_SCT_TIMESTAMP_FUTURE,
            "SCT 1 of 2 (log ID d644d6e4...): timestamp 2023-12-31T23:00:00.123Z is later "
            "than the evaluation time 2023-12-31T23:00:00Z"},
           {CG_R_CT_SCT_TIMESTAMP_FUTURE,
            "SCT 2 of 2 (log ID a7b76e95...): timestamp 2023-12-31T23:00:00.456Z is later "
            "than the evaluation time 2023-12-31T23:00:00Z"});
    EXPECT("ct/sct_list_truncated_sct.pem", T_SCT,
           {CG_R_CT_SCT_LIST_MALFORMED, "SCT 2: a 32-byte log ID, found 19 bytes at offset "
                                        "128"},
           {CG_R_CT_SCT_TIMESTAMP_FUTURE,
            "SCT 1 of a malformed list (log ID d644d6e4...): timestamp "
            "2023-12-31T23:00:00.123Z is later than the evaluation time 2023-12-31T23:00:00Z"});
    /* Several SCT list extensions: each message says which one. */
    EXPECT("ct/sct_list_duplicate.pem", T_SCT + 1,
           {CG_R_CT_CERT_SCT_LIST_DUPLICATE,
            "2 SCT list extensions, at positions 7 and 8; an extension may appear once"});
    capture cap;
    CHECK(run("ct/sct_list_duplicate.pem", T_SCT, &cap));
    CHECK(cap.n == 5);
    CHECK(cap.n == 5 &&
          strncmp(cap.message[4], "SCT list extension at position 8: SCT 2 of 2", 44) == 0);
}

/* The certificate-transparency-go vectors: nothing single-object is wrong
 * with them, and their SCTs are from 2013-04-05. */
static void test_ctgo(void)
{
    const int64_t at = INT64_C(1370044800); /* 2013-06-01, as cases.json */
    EXPECT_NONE("ctgo/CACertPEM.pem", at);
    EXPECT_NONE("ctgo/TestCertPEM.pem", at);
    EXPECT_NONE("ctgo/TestPreCertPEM.pem", at);
    EXPECT_NONE("ctgo/TestEmbeddedCertPEM.pem", at);
    EXPECT_NONE("ctgo/TestInvalidEmbeddedCertPEM.pem", at);
    EXPECT("ctgo/TestEmbeddedCertPEM.pem", INT64_C(1364947200), /* 2013-04-03T00:00:00Z */
           {CG_R_CT_SCT_TIMESTAMP_FUTURE,
            "SCT 1 of 1 (log ID df1c2ec1...): timestamp 2013-04-05T17:04:16.275Z is later "
            "than the evaluation time 2013-04-03T00:00:00Z"});
}

int main(void)
{
    test_zlint_cases();
    test_own_vectors();
    test_timestamp_edges();
    test_ctgo();
    return cg_test_done();
}
