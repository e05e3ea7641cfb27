/* Single-CRL rules (src/rules/crl_single.c) against Boulder's CRL lint
 * vectors (tests/data/boulder-crl), the hand-built CRLs of tests/data/crl
 * (make_crls.py) and large CRLs built here in memory.
 *
 * Every vector is checked for its exact multiset of rule IDs, so a new
 * finding on an old vector shows up as a failure, not as noise. */
#include "der/cbs.h"
#include "rules/crl_util.h"
#include "rules/rules.h"
#include "testutil.h"
#include "x509/time.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAPTURE_MAX 512

typedef struct capture {
    size_t n;      /* findings seen */
    size_t stored; /* findings kept below */
    cg_rule_id rule[CAPTURE_MAX];
    char *msg[CAPTURE_MAX];
    size_t count[3]; /* by severity, from the context */
} capture;

static void capture_sink(void *arg, const cg_finding *f)
{
    capture *c = arg;
    c->n++;
    if (c->stored == CAPTURE_MAX)
        return;
    c->rule[c->stored] = f->rule;
    c->msg[c->stored] = strdup(f->message);
    c->stored++;
}

static void capture_reset(capture *c)
{
    for (size_t i = 0; i < c->stored; i++)
        free(c->msg[i]);
    memset(c, 0, sizeof(*c));
}

static void capture_print(const capture *c, const char *what)
{
    fprintf(stderr, "  findings for %s:\n", what);
    for (size_t i = 0; i < c->stored; i++)
        fprintf(stderr, "    %s: %s\n", cg_rule_get(c->rule[i])->id, c->msg[i]);
}

/* The first PEM block of a .pem file; any other file as it is (DER,
 * malformed on purpose or not). A malloc'd copy. */
static uint8_t *load_der(const char *path, size_t *len)
{
    if (strstr(path, ".pem") != NULL)
        return cg_test_read_der(path, len);
    return cg_test_read(path, len);
}

static int64_t at_time(const char *rfc3339)
{
    int64_t t = 0;
    CHECK(cg_time_parse_rfc3339(rfc3339, &t));
    return t;
}

static void check_der(capture *c, const uint8_t *der, size_t len, int64_t at, const char *name)
{
    cg_crl crl;
    cg_der_error err;
    cg_ctx ctx;
    cg_objref obj;
    capture_reset(c);
    memset(&obj, 0, sizeof(obj));
    obj.file = name;
    obj.kind = CG_KIND_CRL;
    if (!cg_crl_parse(&crl, der, len, &err)) {
        fprintf(stderr, "%s: does not parse at %zu: %s\n", name, err.offset, err.what);
        CHECK(0);
        return;
    }
    obj.issuer = crl.issuer;
    cg_ctx_init(&ctx, at, capture_sink, c); /* the TLS BR profile on, as by default */
    cg_check_crl_single(&ctx, &obj, &crl);
    memcpy(c->count, ctx.count, sizeof(c->count));
}

/* Loads and checks one file; 0 when it could not be read. */
static int check_file(capture *c, const char *path, const char *at)
{
    size_t len = 0;
    uint8_t *der = load_der(path, &len);
    CHECK(der != NULL);
    if (der == NULL)
        return 0;
    check_der(c, der, len, at_time(at), path);
    free(der);
    return 1;
}

static size_t count_of(const capture *c, const char *id)
{
    size_t k = 0;
    for (size_t i = 0; i < c->stored; i++)
        k += strcmp(cg_rule_get(c->rule[i])->id, id) == 0;
    return k;
}

static int has(const capture *c, const char *id)
{
    return count_of(c, id) > 0;
}

/* The first message of rule id, or "". */
static const char *msg_of(const capture *c, const char *id)
{
    for (size_t i = 0; i < c->stored; i++)
        if (strcmp(cg_rule_get(c->rule[i])->id, id) == 0)
            return c->msg[i];
    return "";
}

/* Whether the findings are exactly the space-separated IDs of want, each
 * as many times as listed. */
static int exactly(const capture *c, const char *want, const char *what)
{
    char buf[1024];
    size_t listed = 0;
    int ok = c->n == c->stored;
    snprintf(buf, sizeof(buf), "%s", want);
    for (char *id = strtok(buf, " "); id != NULL; id = strtok(NULL, " ")) {
        size_t times = 0;
        listed++;
        for (const char *p = want; (p = strstr(p, id)) != NULL; p += strlen(id)) {
            int starts = p == want || p[-1] == ' ';
            int ends = p[strlen(id)] == ' ' || p[strlen(id)] == '\0';
            times += starts && ends;
        }
        if (count_of(c, id) != times)
            ok = 0;
    }
    if (listed != c->stored)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "%s: want exactly [%s]\n", what, want);
        capture_print(c, what);
    }
    return ok;
}

/* --- Boulder's vectors ---------------------------------------------------- */

#define JUL "2022-07-06T16:43:39Z"
#define OCT "2022-10-10T20:12:08Z"

typedef struct boulder_case {
    const char *file;
    const char *at;
    const char *exact;  /* every finding, by rule ID */
    const char *expect; /* shared/corpus/cases.json "expect", NULL when not a case */
    int expect_error;   /* ... "expect_error" */
    int forbid_errors;  /* ... "forbid_errors" */
} boulder_case;

static const boulder_case boulder_cases[] = {
    {"crl_reason_0.pem", JUL, "crl.entry.reason_unspecified_present crl.idp_missing",
     "crl.entry.reason_unspecified_present", 1, 0},
    {"crl_reason_2.pem", JUL, "crl.entry.reason_not_allowed crl.idp_missing",
     "crl.entry.reason_not_allowed", 1, 0},
    {"crl_reason_6.pem", JUL, "crl.entry.reason_not_allowed crl.idp_missing",
     "crl.entry.reason_not_allowed", 1, 0},
    {"crl_reason_8.pem", JUL, "crl.entry.reason_not_allowed crl.idp_missing",
     "crl.entry.reason_not_allowed", 1, 0},
    {"crl_reason_10.pem", JUL, "crl.entry.reason_not_allowed crl.idp_missing",
     "crl.entry.reason_not_allowed", 1, 0},
    {"crl_critical_reason.pem", JUL, "crl.entry.reason_critical crl.idp_missing",
     "crl.entry.reason_critical", 1, 0},
    {"crl_long_validity_subscriber_cert.pem", JUL, "crl.validity_too_long",
     "crl.validity_too_long", 1, 0},
    {"crl_long_validity_subordinate_ca.pem", JUL, "crl.validity_too_long", "crl.validity_too_long",
     1, 0},
    /* nextUpdate one second before thisUpdate, and evaluated one second after
     * it: the CRL is stale too. */
    {"crl_negative_validity.pem", JUL, "crl.validity_negative crl.stale crl.idp_missing",
     "crl.validity_negative", 1, 0},
    {"crl_negative_validity_subscriber_cert.pem", JUL, "crl.validity_negative crl.stale",
     "crl.validity_negative", 1, 0},
    {"crl_negative_validity_subordinate_ca.pem", JUL, "crl.validity_negative crl.stale",
     "crl.validity_negative", 1, 0},
    {"crl_idp_no_dpn.pem", OCT, "crl.idp_invalid", "crl.idp_invalid", 1, 0},
    {"crl_idp_no_fullname.pem", OCT, "crl.idp_invalid", "crl.idp_invalid", 1, 0},
    {"crl_idp_no_uris.pem", OCT, "crl.idp_invalid", "crl.idp_invalid", 1, 0},
    {"crl_idp_https.pem", OCT, "crl.idp_invalid", "crl.idp_invalid", 1, 0},
    {"crl_idp_distributionPoint_and_onlyUser_and_onlyCA.pem", OCT, "crl.idp_invalid",
     "crl.idp_invalid", 1, 0},
    {"crl_no_aki.pem", JUL, "crl.aki_missing crl.idp_missing", "crl.aki_missing", 1, 0},
    {"crl_aki_name_and_serial.pem", JUL, "crl.aki_not_keyid crl.idp_missing", "crl.aki_not_keyid",
     1, 0},
    {"crl_no_issuer_name.pem", JUL, "crl.issuer_empty crl.idp_missing", "crl.issuer_empty", 1, 0},
    {"crl_no_number.pem", JUL, "crl.number_missing crl.idp_missing", "crl.number_missing", 1, 0},
    {"crl_critical_number.pem", JUL, "crl.number_critical crl.idp_missing", "crl.number_critical",
     1, 0},
    {"crl_long_number.pem", JUL, "crl.number_out_of_range crl.idp_missing",
     "crl.number_out_of_range", 1, 0},
    /* thisUpdate 2049 as GeneralizedTime; nextUpdate is 2022, so the CRL is
     * also negative and, in 2049, stale. */
    {"crl_gentime_2049.pem", "2049-07-06T16:43:39Z",
     "crl.time_encoding crl.validity_negative crl.stale crl.idp_missing", "crl.time_encoding", 1,
     0},
    {"crl_utctime_no_seconds.pem", JUL, "crl.time_encoding crl.idp_missing", "crl.time_encoding",
     1, 0},
    {"crl_gentime_revoked_2049.pem", "2050-07-06T16:43:39Z", "crl.time_encoding crl.idp_missing",
     "crl.time_encoding", 1, 0},
    {"crl_empty_revoked.pem", JUL, "crl.revoked_list_empty crl.idp_missing",
     "crl.revoked_list_empty", 1, 0},
    {"crl_good.pem", OCT, "", "", 0, 1},
    {"crl_good_subordinate_ca.pem", OCT, "", "", 0, 1},
    {"crl_good_utctime_1950.pem", "1950-07-06T16:43:39Z", "crl.idp_missing", "", 0, 1},
    {"crl_none_revoked.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_reason_1.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_reason_3.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_reason_4.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_reason_5.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_reason_9.pem", JUL, "crl.idp_missing", "", 0, 1},
    {"crl_long_validity_distributionPoint_and_subordinate_ca.pem", OCT, "", "", 0, 1},
    /* Not cases of cases.json: what caguard says, and why. */
    {"crl_aia.pem", JUL, "crl.extension_discouraged crl.idp_missing", NULL, 0, 0},
    {"crl_cert_issuer.pem", JUL, "crl.entry.certificate_issuer_present crl.idp_missing", NULL, 0,
     0},
    {"crl_delta.pem", JUL, "crl.extension_discouraged crl.idp_missing", NULL, 0, 0},
    {"crl_freshest.pem", JUL, "crl.extension_discouraged crl.idp_missing", NULL, 0, 0},
    {"crl_long_validity.pem", JUL, "crl.validity_too_long crl.idp_missing", NULL, 0, 0},
    {"crl_no_idp.pem", OCT, "crl.idp_missing", NULL, 0, 0},
    /* The TLS BRs allow a distributionPoint on a CA-scoped CRL (Boulder's
     * own profile does not), two URIs, and an IDP asserting neither
     * onlyContainsUserCerts nor onlyContainsCACerts. */
    {"crl_idp_distributionPoint_and_onlyCA.pem", OCT, "", NULL, 0, 0},
    {"crl_idp_two_uris.pem", OCT, "", NULL, 0, 0},
    {"crl_idp_no_usercerts.pem", OCT, "", NULL, 0, 0},
    /* onlySomeReasons is a SHOULD NOT (warning); this vector also encodes it
     * as a constructed [3] holding "06 40", which is no BIT STRING (error). */
    {"crl_idp_some_reasons.pem", OCT, "crl.idp_only_some_reasons crl.extension_malformed", NULL, 0,
     0},
};

static int contains_all(const capture *c, const char *ids)
{
    char buf[512];
    int ok = 1;
    snprintf(buf, sizeof(buf), "%s", ids);
    for (char *id = strtok(buf, " "); id != NULL; id = strtok(NULL, " "))
        ok &= has(c, id);
    return ok;
}

static void test_boulder(void)
{
    capture c = {0};
    char path[256];
    for (size_t i = 0; i < sizeof(boulder_cases) / sizeof(boulder_cases[0]); i++) {
        const boulder_case *bc = &boulder_cases[i];
        snprintf(path, sizeof(path), "boulder-crl/%s", bc->file);
        if (!check_file(&c, path, bc->at))
            continue;
        CHECK(exactly(&c, bc->exact, bc->file));
        if (bc->expect != NULL)
            CHECK(contains_all(&c, bc->expect));
        if (bc->expect_error)
            CHECK(c.count[CG_SEV_ERROR] > 0);
        if (bc->forbid_errors)
            CHECK(c.count[CG_SEV_ERROR] == 0);
    }

    /* cases.json's boulder_crl_good_gentime_2050 forbids errors, but the
     * vector's nextUpdate is 2022-07-15 (UTCTime) and its thisUpdate
     * 2050-07-06: the validity period is negative and, in 2050, the CRL is
     * long stale. Boulder only runs its timestamp-encoding lint on it. What
     * the case is about holds: its GeneralizedTime for 2050 is correct. */
    check_file(&c, "boulder-crl/crl_good_gentime_2050.pem", "2050-07-06T16:43:39Z");
    CHECK(exactly(&c, "crl.validity_negative crl.stale crl.idp_missing", "good_gentime_2050"));
    CHECK(!has(&c, "crl.time_encoding"));

    /* Messages say what an engineer needs. */
    check_file(&c, "boulder-crl/crl_reason_6.pem", JUL);
    CHECK(strcmp(msg_of(&c, "crl.entry.reason_not_allowed"),
                 "entry 1 (serial 03ae51db51155a3c): reasonCode certificateHold (6) is not "
                 "allowed in TLS CRLs; use one of keyCompromise, affiliationChanged, superseded, "
                 "cessationOfOperation, privilegeWithdrawn") == 0);
    check_file(&c, "boulder-crl/crl_reason_2.pem", JUL);
    CHECK(strstr(msg_of(&c, "crl.entry.reason_not_allowed"), "cACompromise (2)") != NULL);
    check_file(&c, "boulder-crl/crl_long_validity.pem", JUL);
    CHECK(strstr(msg_of(&c, "crl.validity_too_long"),
                 "nextUpdate is 10 days 1 second after thisUpdate") != NULL);
    CHECK(strstr(msg_of(&c, "crl.validity_too_long"), "at most 10 days") != NULL);
    check_file(&c, "boulder-crl/crl_long_validity_subordinate_ca.pem", JUL);
    CHECK(strstr(msg_of(&c, "crl.validity_too_long"), "375 days 1 second") != NULL);
    CHECK(strstr(msg_of(&c, "crl.validity_too_long"), "at most 365 days") != NULL);
    check_file(&c, "boulder-crl/crl_negative_validity.pem", "2023-01-01T00:00:00Z");
    CHECK(strstr(msg_of(&c, "crl.stale"),
                 "CRL is stale: nextUpdate 2022-07-06T16:43:37Z is before the evaluation time "
                 "2023-01-01T00:00:00Z") != NULL);
    check_file(&c, "boulder-crl/crl_utctime_no_seconds.pem", JUL);
    CHECK(strstr(msg_of(&c, "crl.time_encoding"), "nextUpdate UTCTime 2207151643Z") != NULL);
    check_file(&c, "boulder-crl/crl_idp_https.pem", OCT);
    CHECK(strstr(msg_of(&c, "crl.idp_invalid"),
                 "\"https://c.boulder.test/66283756913588288/0.crl\" uses scheme \"https\"") !=
          NULL);
    check_file(&c, "boulder-crl/crl_delta.pem", JUL);
    CHECK(strstr(msg_of(&c, "crl.extension_discouraged"), "deltaCRLIndicator (2.5.29.27)") !=
          NULL);
    capture_reset(&c);
}

static int ca_scope_of(const char *path)
{
    size_t len;
    cg_crl crl;
    cg_der_error err;
    int scope = -1;
    uint8_t *der = load_der(path, &len);
    if (der != NULL && cg_crl_parse(&crl, der, len, &err))
        scope = cg_crl_is_ca_scope(&crl);
    free(der);
    return scope;
}

static void test_scope_and_idp(void)
{
    CHECK(ca_scope_of("boulder-crl/crl_good_subordinate_ca.pem") == 1);
    CHECK(ca_scope_of("boulder-crl/crl_idp_distributionPoint_and_onlyCA.pem") == 1);
    CHECK(ca_scope_of("boulder-crl/crl_good.pem") == 0);
    CHECK(ca_scope_of("boulder-crl/crl_no_idp.pem") == 0);
    /* Both flags: no defined scope, so the stricter subscriber limits. */
    CHECK(ca_scope_of("boulder-crl/crl_idp_distributionPoint_and_onlyUser_and_onlyCA.pem") == 0);

    size_t len;
    cg_crl crl;
    cg_der_error err;
    cg_crl_idp idp;
    const char *what = NULL;
    uint8_t *der = load_der("boulder-crl/crl_idp_two_uris.pem", &len);
    CHECK(der != NULL && cg_crl_parse(&crl, der, len, &err));
    if (der != NULL) {
        const cg_ext *ext = cg_crl_find_ext(&crl, (const uint8_t *)"\x55\x1d\x1c", 3, NULL);
        CHECK(ext != NULL && cg_crl_idp_decode(&ext->value, &idp, &what));
        CHECK(idp.has_dp && idp.has_full_name && idp.only_user && !idp.only_ca);
        size_t uris = 0;
        cg_cbs names = idp.full_name, gn;
        while (cg_cbs_get_asn1(&names, &gn, CG_ASN1_CTX(6)))
            uris++;
        CHECK(uris == 2 && names.len == 0);
    }
    free(der);

    /* Not an IDP at all. */
    static const uint8_t junk[] = {0x04, 0x00};
    cg_cbs v;
    cg_cbs_init(&v, junk, sizeof(junk));
    CHECK(!cg_crl_idp_decode(&v, &idp, &what) && what != NULL && what[0] != '\0');
}

/* --- hand-built CRLs (tests/data/crl/make_crls.py) ------------------------ */

/* thisUpdate 2024-01-01T00:00:00Z, nextUpdate 2024-01-08T00:00:00Z, entries
 * revoked 2023-12-31T23:00:00Z unless make_crls.py says otherwise. */
#define DAY1 "2024-01-02T00:00:00Z"

typedef struct built_case {
    const char *file;
    const char *exact;
} built_case;

static const built_case built_cases[] = {
    {"good.der", ""},
    {"dup_serial.der", "crl.entry.duplicate_serial"},
    {"cert_issuer.der", "crl.entry.certificate_issuer_present"},
    {"reason_critical.der", "crl.entry.reason_critical"},
    {"delta.der", "crl.extension_discouraged"},
    {"number_max.der", ""},
    {"number_2_159.der", "crl.number_out_of_range"},
    {"number_21_octets.der", "crl.number_out_of_range"},
    {"number_negative.der", "crl.number_out_of_range"},
    {"span_10d.der", ""},
    {"span_10d_1s.der", "crl.validity_too_long"},
    {"ca_span_365d.der", ""},
    {"ca_span_365d_1s.der", "crl.validity_too_long"},
    {"ca_reason2.der", ""},
    {"v1.der", "crl.version_not_v2 crl.aki_missing crl.number_missing crl.idp_missing"},
    {"no_next_update.der", "crl.next_update_missing"},
    {"validity_zero.der", "crl.validity_negative crl.stale"},
    {"dup_entry_ext.der", "crl.entry.duplicate_extension"},
    {"revoked_after.der", "crl.entry.revoked_after_this_update"},
    {"reason_bad.der", "crl.entry.extension_malformed crl.entry.extension_malformed"},
    {"reason_7.der", "crl.entry.reason_not_allowed"},
    {"entry_exts_empty.der", "crl.entry.extension_malformed"},
    {"invalidity_date.der", "crl.entry.extension_discouraged"},
    {"truncated_entry.der", "input.malformed"},
    {"bad_entry_ext.der", "input.malformed"},
    {"entry_gentime.der", "crl.time_encoding"},
    {"sigalg_mismatch.der", "crl.signature_algorithm_mismatch"},
    {"dup_number.der", "crl.duplicate_extension"},
    {"aki_malformed.der", "crl.extension_malformed"},
    {"idp_not_critical.der", "crl.idp_invalid"},
    {"idp_indirect_attr.der", "crl.idp_invalid crl.idp_invalid"},
    {"idp_dns_name.der", "crl.idp_invalid"},
    {"idp_relative.der", "crl.idp_invalid"},
    {"idp_ca_no_dp.der", ""},
    {"idp_explicit_false.der", "der.noncanonical"},
    {"idp_some_reasons.der", "crl.idp_only_some_reasons"},
    {"reason6_x50.der", "crl.entry.reason_not_allowed crl.entry.reason_not_allowed "
                        "crl.entry.reason_not_allowed crl.entry.reason_not_allowed "
                        "crl.entry.reason_not_allowed crl.entry.reason_not_allowed "
                        "crl.entry.reason_not_allowed crl.entry.reason_not_allowed "
                        "crl.entry.reason_not_allowed crl.entry.reason_not_allowed "
                        "crl.entry.reason_not_allowed"},
};

static void test_built(void)
{
    capture c = {0};
    char path[256];
    for (size_t i = 0; i < sizeof(built_cases) / sizeof(built_cases[0]); i++) {
        snprintf(path, sizeof(path), "crl/%s", built_cases[i].file);
        if (check_file(&c, path, DAY1))
            CHECK(exactly(&c, built_cases[i].exact, built_cases[i].file));
    }

    /* Serial 0x1001 is entries 1 (offset 126) and 3. */
    check_file(&c, "crl/dup_serial.der", DAY1);
    CHECK(strcmp(msg_of(&c, "crl.entry.duplicate_serial"),
                 "entry 3 (serial 1001): serial already listed by the entry at byte offset 126; "
                 "each revoked certificate must be listed once (RFC 5280 §5.1.2.6)") == 0);

    /* Entry 2 stops the walk; entry 3 is never looked at. */
    check_file(&c, "crl/truncated_entry.der", DAY1);
    CHECK(strstr(msg_of(&c, "input.malformed"), "entry 2 (byte offset 147 of the CRL)") != NULL);
    CHECK(strstr(msg_of(&c, "input.malformed"), "revocationDate") != NULL);
    check_file(&c, "crl/bad_entry_ext.der", DAY1);
    CHECK(strstr(msg_of(&c, "input.malformed"), "entry 2 (serial 1002") != NULL);

    check_file(&c, "crl/revoked_after.der", DAY1);
    CHECK(strstr(msg_of(&c, "crl.entry.revoked_after_this_update"), "entry 1 (serial 1001)") !=
          NULL);
    check_file(&c, "crl/reason_bad.der", DAY1);
    CHECK(strstr(msg_of(&c, "crl.entry.extension_malformed"), "expected one ENUMERATED") != NULL);
    check_file(&c, "crl/number_21_octets.der", DAY1);
    CHECK(strstr(msg_of(&c, "crl.number_out_of_range"), "21 octets") != NULL);
    check_file(&c, "crl/number_negative.der", DAY1);
    CHECK(strstr(msg_of(&c, "crl.number_out_of_range"), "negative") != NULL);
    check_file(&c, "crl/idp_some_reasons.der", DAY1);
    CHECK(strstr(msg_of(&c, "crl.idp_only_some_reasons"), "onlySomeReasons: keyCompromise)") !=
          NULL);
    CHECK(c.count[CG_SEV_ERROR] == 0 && c.count[CG_SEV_WARNING] == 1);

    /* The cap: 10 entries one by one, then one summary. */
    check_file(&c, "crl/reason6_x50.der", DAY1);
    CHECK(c.stored == 11);
    CHECK(strstr(c.msg[0], "entry 1 (serial 2000): reasonCode certificateHold (6)") != NULL);
    CHECK(strstr(c.msg[9], "entry 10 (serial 2009)") != NULL);
    CHECK(strcmp(c.msg[10], "... and 40 more entries with this problem (50 in all; only the "
                            "first 10 are reported one by one)") == 0);
    capture_reset(&c);
}

/* thisUpdate is not in the future when equal to the evaluation time; the
 * CRL is stale only once the evaluation time is past nextUpdate (RFC 5280
 * §6.3.3 (a)(2): "after"), so at nextUpdate itself it is still current. */
static void test_boundaries(void)
{
    capture c = {0};
    check_file(&c, "crl/good.der", "2023-12-31T23:59:59Z");
    CHECK(exactly(&c, "crl.this_update_future", "one second before thisUpdate"));
    CHECK(strstr(msg_of(&c, "crl.this_update_future"), "is 1 second after the evaluation time") !=
          NULL);
    check_file(&c, "crl/good.der", "2024-01-01T00:00:00Z");
    CHECK(exactly(&c, "", "at thisUpdate"));
    check_file(&c, "crl/good.der", "2024-01-08T00:00:00Z");
    CHECK(exactly(&c, "", "at nextUpdate"));
    check_file(&c, "crl/good.der", "2024-01-08T00:00:01Z");
    CHECK(exactly(&c, "crl.stale", "one second past nextUpdate"));
    CHECK(strcmp(msg_of(&c, "crl.stale"),
                 "CRL is stale: nextUpdate 2024-01-08T00:00:00Z is before the evaluation time "
                 "2024-01-08T00:00:01Z (by 1 second); a newer CRL should have replaced it") == 0);
    /* An entry revoked exactly at thisUpdate is fine (revoked_after.der's
     * entry 2); one second later is not (entry 1). */
    check_file(&c, "crl/revoked_after.der", DAY1);
    CHECK(count_of(&c, "crl.entry.revoked_after_this_update") == 1);
    capture_reset(&c);
}

/* --- large CRLs built in memory ------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* The fixed parts of the large CRLs, as DER in string literals (their
 * sizeof counts a terminating NUL, which is not written). */
static const char big_prefix[] = "\x02\x01\x01" /* version v2 */
                                 /* signature sha256WithRSAEncryption */
                                 "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00"
                                 "\x30\x0f\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x0c\x04"
                                 "test" /* issuer CN=test */
                                 "\x17\x0d"
                                 "240101000000Z" /* thisUpdate */
                                 "\x17\x0d"
                                 "240105000000Z"; /* nextUpdate */
static const char big_revoked_at[] = "\x17\x0d"
                                     "231231230000Z";
static const uint8_t big_reason_ext[] = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55,
                                         0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01};
static const uint8_t big_crl_exts[] = {
    0xa0, 0x40, 0x30, 0x3e,
    /* AKI keyIdentifier of 20 octets */
    0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 1, 2, 3, 4, 5, 6,
    7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    /* cRLNumber 7 */
    0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x14, 0x04, 0x03, 0x02, 0x01, 0x07,
    /* IDP, critical, onlyContainsUserCerts without a distributionPoint:
     * one crl.idp_invalid, expected below */
    0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x1c, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x81, 0x01,
    0xff};
static const uint8_t big_suffix[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                     0x01, 0x01, 0x0b, 0x05, 0x00, 0x03, 0x02, 0x00, 0x00};

/* A CRL of n entries with 17-octet serials (as Let's Encrypt's). reason is
 * every entry's reasonCode (-1: none); every dup_every-th entry repeats the
 * serial of the entry 7 before it (0: never). Returns the DER length. */
static size_t build_big(uint8_t *buf, size_t cap, size_t n, int reason, size_t dup_every)
{
    cg_cbb root, crl, tbs, revoked, entry;
    size_t len = 0;
    cg_cbb_init_fixed(&root, buf, cap);
    cg_cbb_add_asn1(&root, &crl, CG_ASN1_SEQUENCE);
    cg_cbb_add_asn1(&crl, &tbs, CG_ASN1_SEQUENCE);
    cg_cbb_add_bytes(&tbs, (const uint8_t *)big_prefix, sizeof(big_prefix) - 1);
    cg_cbb_add_asn1(&tbs, &revoked, CG_ASN1_SEQUENCE);
    for (size_t i = 0; i < n; i++) {
        size_t id = dup_every != 0 && i >= 7 && i % dup_every == 0 ? i - 7 : i;
        uint8_t serial[19] = {CG_ASN1_INTEGER, 17, 0x03};
        uint64_t a = mix64(id), b = mix64(~(uint64_t)id);
        memcpy(serial + 3, &a, 8);
        memcpy(serial + 11, &b, 8);
        cg_cbb_add_asn1(&revoked, &entry, CG_ASN1_SEQUENCE);
        cg_cbb_add_bytes(&entry, serial, sizeof(serial));
        cg_cbb_add_bytes(&entry, (const uint8_t *)big_revoked_at, sizeof(big_revoked_at) - 1);
        if (reason >= 0) {
            cg_cbb_add_bytes(&entry, big_reason_ext, sizeof(big_reason_ext));
            cg_cbb_add_u8(&entry, (uint8_t)reason);
        }
    }
    cg_cbb_add_bytes(&tbs, big_crl_exts, sizeof(big_crl_exts));
    cg_cbb_add_bytes(&crl, big_suffix, sizeof(big_suffix));
    if (!cg_cbb_finish(&root, &len))
        return 0;
    return len;
}

static void test_big(void)
{
    capture c = {0};
    size_t n = 200000, cap = n * 64 + 4096, len;
    uint8_t *buf = malloc(cap);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;

    /* Every entry certificateHold, every 1000th a duplicate. */
    len = build_big(buf, cap, n, 6, 1000);
    CHECK(len > n * 40);
    check_der(&c, buf, len, at_time(DAY1), "big");
    CHECK(c.n == 1 + 11 + 11);
    CHECK(count_of(&c, "crl.idp_invalid") == 1);
    CHECK(count_of(&c, "crl.entry.reason_not_allowed") == 11);
    CHECK(count_of(&c, "crl.entry.duplicate_serial") == 11);
    CHECK(strstr(msg_of(&c, "crl.entry.duplicate_serial"), "entry 1001 (serial 03") != NULL);
    int dup_summary = 0, reason_summary = 0;
    for (size_t i = 0; i < c.stored; i++) {
        dup_summary += strstr(c.msg[i], "... and 189 more entries with this problem (199 in "
                                        "all;") != NULL;
        reason_summary += strstr(c.msg[i], "... and 199,990 more entries with this problem "
                                           "(200,000 in all; only the first 10 are reported "
                                           "one by one)") != NULL;
    }
    CHECK(dup_summary == 1 && reason_summary == 1);

    /* Distinct serials, allowed reason: nothing per entry. Timed for
     * information; the figure that counts comes from an optimized build. */
    len = build_big(buf, cap, n, 1, 0);
    clock_t t0 = clock();
    check_der(&c, buf, len, at_time(DAY1), "big-clean");
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK(exactly(&c, "crl.idp_invalid", "big-clean"));
    printf("crl_rules: %zu entries (%zu bytes) parsed and checked in %.3f s (%.0f entries/s)\n", n,
           len, secs, secs > 0 ? (double)n / secs : 0.0);

    /* Cut in half, the CRL is refused by the parser before any rule runs. */
    cg_crl crl;
    cg_der_error err;
    CHECK(!cg_crl_parse(&crl, buf, len / 2, &err));

    free(buf);
    capture_reset(&c);
}

/* Every byte of a CRL flipped in turn: whatever still parses is checked,
 * under ASan and UBSan, without a crash or a read out of bounds. */
static void test_mutations(void)
{
    static const char *const files[] = {"crl/dup_serial.der", "crl/reason_bad.der",
                                        "crl/idp_dns_name.der", "boulder-crl/crl_good.pem"};
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x20};
    capture c = {0};
    size_t runs = 0;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        size_t len;
        uint8_t *der = load_der(files[f], &len);
        CHECK(der != NULL);
        for (size_t i = 0; der != NULL && i < len; i++) {
            for (size_t k = 0; k < sizeof(flips); k++) {
                uint8_t *copy = malloc(len);
                cg_crl crl;
                cg_der_error err;
                memcpy(copy, der, len);
                copy[i] ^= flips[k];
                if (cg_crl_parse(&crl, copy, len, &err)) {
                    cg_ctx ctx;
                    cg_objref obj;
                    capture_reset(&c);
                    memset(&obj, 0, sizeof(obj));
                    cg_ctx_init(&ctx, 0, capture_sink, &c);
                    cg_check_crl_single(&ctx, &obj, &crl);
                    runs++;
                }
                free(copy);
            }
        }
        free(der);
    }
    CHECK(runs > 100);
    capture_reset(&c);
}

int main(void)
{
    test_boulder();
    test_scope_and_idp();
    test_built();
    test_boundaries();
    test_big();
    test_mutations();
    return cg_test_done();
}
