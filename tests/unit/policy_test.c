/* CT policies (src/ct/policy.c) against small hand-made log lists: the
 * lifetime boundaries, operator diversity, retired and pending logs,
 * previous_operators, Apple's counts and its shard, read-only and RFC 6962
 * rules, the not-evaluated cases, the two per-SCT observations on both
 * sides of each boundary, and a real Let's Encrypt certificate against the
 * real crt.sh, Apple and Chrome lists. */
#include "ct/loglist.h"
#include "x509/time.h"
#include "ct/policy.h"
#include "testutil.h"

#include <openssl/evp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY INT64_C(86400)
#define D180 (180 * DAY)

/* Any valid SubjectPublicKeyInfo will do: the loader takes log_id as given,
 * so every test log shares ctgo's test key and gets its own ID. */
#define KEY                                                                                       \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmXg8sUUzwBYaWrRb+V0IopzQ6o3UyEJ04r5ZrRXGdpYM8K+hB0pXrG"  \
    "RLI0eeWz+3skXrS0IO83AhA3GpRL6s6w=="
#define ZERO_HASH "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

#define STATE(name, ts) "\"state\":{\"" name "\":{\"timestamp\":\"" ts "\"}}"
#define USABLE STATE("usable", "2024-01-01T00:00:00Z")
#define READONLY(ts)                                                                              \
    "\"state\":{\"readonly\":{\"timestamp\":\"" ts "\",\"final_tree_head\":"                      \
    "{\"sha256_root_hash\":\"" ZERO_HASH "\",\"tree_size\":10}}}"
#define INTERVAL_2025                                                                             \
    "\"temporal_interval\":{\"start_inclusive\":\"2025-01-01T00:00:00Z\","                        \
    "\"end_exclusive\":\"2026-01-01T00:00:00Z\"}"

/* The times most tests use: issued 2025-04-01, SCTs from 2025-04-10,
 * checked 2025-06-01. */
#define NB_STR "2025-04-01T00:00:00Z"
#define SCT_STR "2025-04-10T00:00:00Z"
#define AT_STR "2025-06-01T00:00:00Z"

typedef struct {
    int n; /* every byte of the log ID */
    const char *op;
    const char *members; /* state, interval, previous_operators, log_type */
    int tiled;
} tlog;

/* Chrome-format test list. */
static const tlog chrome_logs[] = {
    {1, "Google", USABLE, 0},
    {2, "Google", USABLE, 0},
    {3, "Cloudflare", USABLE, 0},
    {4, "DigiCert", USABLE, 0},
    {5, "Sectigo", STATE("retired", "2025-04-15T00:00:00Z"), 0},
    {6, "TrustAsia", STATE("pending", "2025-01-01T00:00:00Z"), 0},
    {7, "Geomys", STATE("qualified", "2025-05-20T00:00:00Z"), 0},
    {8, "NewOp",
     USABLE
     ",\"previous_operators\":[{\"name\":\"Google\",\"end_time\":\"2025-03-01T00:00:00Z\"}]",
     0},
    {9, "Let's Encrypt", READONLY("2025-01-01T00:00:00Z"), 0},
    {10, "IPng", STATE("rejected", "2025-02-01T00:00:00Z"), 0},
    {11, "Cloudflare", USABLE, 1},
    {12, "Geomys", USABLE, 1},
    {13, "Google", "\"log_type\":\"test\"", 0},
    {14, "DigiCert", STATE("rejected", "2025-07-01T00:00:00Z"), 0},
    {15, "TrustAsia", USABLE "," INTERVAL_2025, 0},
    {16, "Sectigo", STATE("qualified", "2025-06-15T00:00:00Z"), 0},
    {17, "Let's Encrypt", STATE("retired", "2025-07-01T00:00:00Z"), 0},
    {18, "Sectigo", "", 0}, /* no state, as in crt.sh's list */
};

/* Apple-format test list (it has assetVersion). */
static const tlog apple_logs[] = {
    {101, "Google", USABLE, 0},
    {102, "Cloudflare", USABLE, 0},
    {103, "DigiCert", STATE("rejected", "2025-04-15T00:00:00Z"), 0},
    {104, "Sectigo", READONLY("2025-04-15T00:00:00Z"), 0},
    {105, "Google", USABLE, 0},
    {106, "Cloudflare", USABLE, 1},
    {107, "Geomys", USABLE, 1},
    {108, "TrustAsia", USABLE "," INTERVAL_2025, 0},
    {109, "Let's Encrypt", STATE("rejected", "2025-07-01T00:00:00Z"), 0},
};

typedef void (*policy_fn)(const cg_policy_input *, cg_policy_result *);

static int64_t T(const char *s)
{
    int64_t ms = 0;
    if (!cg_time_parse_rfc3339_ms(s, &ms)) {
        fprintf(stderr, "bad test time %s\n", s);
        return INT64_MIN;
    }
    return ms;
}

static int64_t S(const char *s)
{
    return T(s) / 1000;
}

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

/* One operator entry per log: operators compare by name. */
static cg_loglist *build(const tlog *logs, size_t n, int apple)
{
    static const size_t cap = 1 << 16;
    char *json = malloc(cap);
    char err[256];
    size_t len = 0;
    cg_loglist *ll = cg_loglist_new();

    if (json == NULL || ll == NULL) {
        free(json);
        cg_loglist_free(ll);
        return NULL;
    }
    append(json, cap, &len, "{%s\"operators\":[", apple ? "\"assetVersion\":1," : "");
    for (size_t i = 0; i < n; i++) {
        uint8_t id[32];
        char id64[64];
        memset(id, logs[i].n, sizeof(id));
        EVP_EncodeBlock((unsigned char *)id64, id, sizeof(id));
        append(json, cap, &len, "%s{\"name\":\"%s\",\"email\":[],\"%s\":[", i ? "," : "",
               logs[i].op, logs[i].tiled ? "tiled_logs" : "logs");
        append(json, cap, &len, "{\"description\":\"L%d\",\"log_id\":\"%s\",\"key\":\"%s\",",
               logs[i].n, id64, KEY);
        if (logs[i].tiled)
            append(json, cap, &len,
                   "\"submission_url\":\"https://l%d/\",\"monitoring_url\":\"https://m%d/\",",
                   logs[i].n, logs[i].n);
        else
            append(json, cap, &len, "\"url\":\"https://l%d/\",", logs[i].n);
        append(json, cap, &len, "\"mmd\":86400%s%s}]}", logs[i].members[0] ? "," : "",
               logs[i].members);
    }
    append(json, cap, &len, "]}");
    if (!cg_loglist_load(ll, (const uint8_t *)json, len, "policy_test.json", err, sizeof(err))) {
        fprintf(stderr, "test list: %s\n", err);
        cg_loglist_free(ll);
        ll = NULL;
    }
    free(json);
    return ll;
}

static cg_policy_sct sct_at(int n, const char *ts)
{
    cg_policy_sct s;
    memset(&s, 0, sizeof(s));
    memset(s.log_id, n, sizeof(s.log_id));
    s.timestamp_ms = (uint64_t)T(ts);
    s.valid = 1;
    return s;
}

static cg_policy_sct sct(int n)
{
    return sct_at(n, SCT_STR);
}

/* Runs one policy on a certificate issued at NB_STR with the given lifetime
 * (notAfter - notBefore, seconds), checked at AT_STR. Every case is also
 * run with each CG_POLICY_QUIET_* set (the checker's way): the same
 * status, the same reason, but none for an outcome made quiet. */
static cg_policy_status run(policy_fn f, const cg_loglist *ll, int64_t life,
                            const cg_policy_sct *scts, size_t n, cg_policy_result *r)
{
    cg_policy_input in;
    cg_policy_result quiet;

    memset(&in, 0, sizeof(in));
    in.not_before = S(NB_STR);
    in.not_after = in.not_before + life;
    in.at = S(AT_STR);
    in.scts = scts;
    in.n_scts = n;
    in.ll = ll;
    f(&in, r);
    for (unsigned q = 1; q <= 3; q++) {
        in.quiet = q;
        f(&in, &quiet);
        int empty = (r->status == CG_POLICY_OK && (q & CG_POLICY_QUIET_MET)) ||
                    (r->status == CG_POLICY_NOT_EVALUATED && (q & CG_POLICY_QUIET_NOT_EVALUATED));
        CHECK(quiet.status == r->status);
        CHECK(strcmp(quiet.reason, empty ? "" : r->reason) == 0);
    }
    return r->status;
}

static int has(const cg_policy_result *r, const char *sub)
{
    return strstr(r->reason, sub) != NULL;
}

/* Status and a fragment of the reason; prints the reason when either is off. */
#define EXPECT(f, ll, life, scts, st, sub)                                                        \
    do {                                                                                          \
        cg_policy_result r_;                                                                      \
        run(f, ll, life, scts, sizeof(scts) / sizeof((scts)[0]), &r_);                            \
        CHECK(r_.status == (st));                                                                 \
        CHECK(has(&r_, sub));                                                                     \
        if (r_.status != (st) || !has(&r_, sub))                                                  \
            fprintf(stderr, "  %s: status %d, reason: %s\n", #f, (int)r_.status, r_.reason);      \
    } while (0)

static const cg_log *find(const cg_loglist *ll, int n)
{
    uint8_t id[32];
    memset(id, n, sizeof(id));
    return cg_loglist_find(ll, id);
}

static void test_lifetime_boundary(const cg_loglist *ll)
{
    cg_policy_sct two[] = {sct(1), sct(3)};
    cg_policy_sct three[] = {sct(1), sct(3), sct(4)};

    /* Chrome and Mozilla: notAfter - notBefore, exactly 180 days needs 2. */
    EXPECT(cg_policy_chrome, ll, D180, two, CG_POLICY_OK, "met: 2 SCTs from distinct logs");
    EXPECT(cg_policy_chrome, ll, D180, two, CG_POLICY_OK, "operators: Google, Cloudflare");
    EXPECT(cg_policy_chrome, ll, D180 + 1, two, CG_POLICY_UNSATISFIED,
           "needs 3 SCTs from distinct logs (lifetime 180 days 1 s > 180 days), has 2");
    EXPECT(cg_policy_chrome, ll, D180 + 1, three, CG_POLICY_OK, "met: 3 SCTs");
    EXPECT(cg_policy_mozilla, ll, D180, two, CG_POLICY_OK, "met: 2 SCTs");
    EXPECT(cg_policy_mozilla, ll, D180 + 1, two, CG_POLICY_UNSATISFIED, "needs 3 SCTs");
    EXPECT(cg_policy_mozilla, ll, D180 + 1, three, CG_POLICY_OK, "met: 3 SCTs");

    /* Apple counts notAfter inclusively: 180 days - 1 s is 180 days, 180
     * days exactly is 181 and needs 3 (at most 2 per operator). */
    EXPECT(cg_policy_apple, ll, D180 - 1, two, CG_POLICY_OK, "at most 1 per operator");
    EXPECT(cg_policy_apple, ll, D180, two, CG_POLICY_UNSATISFIED,
           "needs 3 SCTs from distinct logs, at most 2 per operator (lifetime 181 days");
    EXPECT(cg_policy_apple, ll, D180, three, CG_POLICY_OK, "met: 3 SCTs");
    /* The end of Apple's table: 398 days, then its last row with a note. */
    EXPECT(cg_policy_apple, ll, 398 * DAY - 1, three, CG_POLICY_OK, "lifetime 398 days");
    EXPECT(cg_policy_apple, ll, 398 * DAY, three, CG_POLICY_OK, "beyond Apple's 398-day table");
}

static void test_operators(const cg_loglist *ll)
{
    cg_policy_sct google2[] = {sct(1), sct(2)};
    cg_policy_sct google2_cf[] = {sct(1), sct(2), sct(3)};
    cg_policy_sct google3[] = {sct(1), sct(2), sct_at(8, "2025-02-01T00:00:00Z")};

    EXPECT(cg_policy_chrome, ll, 90 * DAY, google2, CG_POLICY_UNSATISFIED,
           "needs 2 operators, has 1 (Google)");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, google2, CG_POLICY_UNSATISFIED,
           "counted: L1 (Google), L2 (Google)");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, google2, CG_POLICY_UNSATISFIED,
           "needs 2 operators, has 1 (Google)");
    /* Apple: one SCT per operator counts up to 180 days (90 days exactly is
     * 91 with notAfter included). */
    EXPECT(cg_policy_apple, ll, 90 * DAY, google2, CG_POLICY_UNSATISFIED,
           "at most 1 per operator (lifetime 91 days, notAfter inclusive), has 1 (2 logs, "
           "operators: Google)");
    /* Above 180 days two per operator count: two Google logs and one other. */
    EXPECT(cg_policy_apple, ll, 200 * DAY, google2_cf, CG_POLICY_OK, "met: 3 SCTs");
    EXPECT(cg_policy_chrome, ll, 200 * DAY, google2_cf, CG_POLICY_OK, "met: 3 SCTs");
    EXPECT(cg_policy_apple, ll, 200 * DAY, google3, CG_POLICY_UNSATISFIED,
           "at most 2 per operator (lifetime 201 days, notAfter inclusive), has 2");
    EXPECT(cg_policy_chrome, ll, 200 * DAY, google3, CG_POLICY_UNSATISFIED,
           "needs 2 operators, has 1 (Google)");
}

static void test_retired(const cg_loglist *ll, const cg_loglist *apple)
{
    /* Sectigo's L5 retired 2025-04-15. */
    cg_policy_sct before[] = {sct_at(5, "2025-04-10T00:00:00Z"),
                              sct_at(1, "2025-04-10T00:00:00Z")};
    cg_policy_sct at_end[] = {sct_at(5, "2025-04-15T00:00:00Z"),
                              sct_at(1, "2025-04-10T00:00:00Z")};
    cg_policy_sct just_before[] = {sct_at(5, "2025-04-14T23:59:59.999Z"),
                                   sct_at(1, "2025-04-14T23:59:59.999Z")};
    cg_policy_sct late_issuance[] = {sct_at(5, "2025-04-10T00:00:00Z"),
                                     sct_at(1, "2025-04-20T00:00:00Z")};
    cg_policy_sct only_ended[] = {sct(5), sct(10)};
    cg_policy_sct retired_later[] = {sct(17), sct(3)};
    /* Apple-format list: DigiCert's L103 rejected (approval ended) 2025-04-15. */
    cg_policy_sct a_before[] = {sct_at(103, "2025-04-10T00:00:00Z"), sct(101)};
    cg_policy_sct a_after[] = {sct_at(103, "2025-04-20T00:00:00Z"),
                               sct_at(101, "2025-04-20T00:00:00Z")};
    cg_policy_sct a_rejected_later[] = {sct(109), sct(101)};

    EXPECT(cg_policy_chrome, ll, 90 * DAY, before, CG_POLICY_OK, "L5 (Sectigo)");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, before, CG_POLICY_OK, "operators: Sectigo, Google");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, just_before, CG_POLICY_OK, "met");
    /* The Retired timestamp is the end: an SCT at that instant is too late. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, at_end, CG_POLICY_UNSATISFIED,
           "L5 (Sectigo, retired 2025-04-15T00:00:00Z, SCT 2025-04-15T00:00:00Z)");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, at_end, CG_POLICY_UNSATISFIED, "has 1");
    /* Its own SCT is early enough, but the certificate's issuance time (the
     * earliest SCT from a current log) is after the retirement. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, late_issuance, CG_POLICY_UNSATISFIED,
           "retired 2025-04-15T00:00:00Z, issuance 2025-04-20T00:00:00Z");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, late_issuance, CG_POLICY_UNSATISFIED, "issuance");
    /* Retired SCTs alone never satisfy the current-log requirement. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, only_ended, CG_POLICY_UNSATISFIED,
           "needs 1 SCT from a log Qualified, Usable or ReadOnly at 2025-06-01T00:00:00Z, has 0");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, only_ended, CG_POLICY_UNSATISFIED,
           "L10 (IPng, rejected)");
    /* Retired after the time of check: it was still current then. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, retired_later, CG_POLICY_OK, "L17 (Let's Encrypt)");

    EXPECT(cg_policy_apple, apple, 90 * DAY, a_before, CG_POLICY_OK, "L103 (DigiCert)");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_after, CG_POLICY_UNSATISFIED,
           "L103 (DigiCert, rejected by Apple 2025-04-15T00:00:00Z, SCT 2025-04-20T00:00:00Z)");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_rejected_later, CG_POLICY_OK, "L109");
    /* The same reading applies when Chrome's policy is given Apple's list. */
    EXPECT(cg_policy_chrome, apple, 90 * DAY, a_before, CG_POLICY_OK, "L103 (DigiCert)");
}

static void test_pending_and_qualified(const cg_loglist *ll)
{
    cg_policy_sct pending[] = {sct(6), sct(1)};
    cg_policy_sct qualified[] = {sct(7), sct(1)};
    cg_policy_sct qualified_later[] = {sct(16), sct(1)};

    EXPECT(cg_policy_chrome, ll, 90 * DAY, pending, CG_POLICY_UNSATISFIED,
           "needs 2 SCTs from distinct logs (lifetime 90 days <= 180 days), has 1");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, pending, CG_POLICY_UNSATISFIED,
           "L6 (TrustAsia, pending)");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, pending, CG_POLICY_UNSATISFIED, "pending");
    EXPECT(cg_policy_apple, ll, 90 * DAY, pending, CG_POLICY_UNSATISFIED, "pending");
    /* Qualified at the time of check counts for the policies (the SCT is
     * still flagged by ct.sct.log_not_yet_usable). */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, qualified, CG_POLICY_OK, "L7 (Geomys)");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, qualified, CG_POLICY_OK, "L7 (Geomys)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, qualified, CG_POLICY_OK, "L7 (Geomys)");
    /* Qualified only after the time of check: pending then. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, qualified_later, CG_POLICY_UNSATISFIED,
           "L16 (Sectigo, Qualified only after the time of check)");
}

static void test_previous_operators(const cg_loglist *ll)
{
    /* L8 is NewOp's now; Google ran it until 2025-03-01 (exclusive). */
    cg_policy_sct google_then[] = {sct_at(8, "2025-02-01T00:00:00Z"), sct(1)};
    cg_policy_sct last_google_ms[] = {sct_at(8, "2025-02-28T23:59:59.999Z"), sct(1)};
    cg_policy_sct first_newop_ms[] = {sct_at(8, "2025-03-01T00:00:00Z"), sct(1)};

    EXPECT(cg_policy_chrome, ll, 90 * DAY, google_then, CG_POLICY_UNSATISFIED,
           "needs 2 operators, has 1 (Google)");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, google_then, CG_POLICY_UNSATISFIED, "L8 (Google)");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, last_google_ms, CG_POLICY_UNSATISFIED,
           "needs 2 operators");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, first_newop_ms, CG_POLICY_OK,
           "operators: NewOp, Google");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, google_then, CG_POLICY_UNSATISFIED, "has 1 (Google)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, google_then, CG_POLICY_UNSATISFIED,
           "operators: Google)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, first_newop_ms, CG_POLICY_OK, "NewOp");
}

static void test_not_counted(const cg_loglist *ll)
{
    cg_policy_sct unverified[] = {sct(1), sct(3)};
    cg_policy_sct unlisted[] = {sct(1), sct(200)};
    cg_policy_sct future[] = {sct_at(1, "2025-06-01T00:00:00.001Z"), sct(3)};
    cg_policy_sct now[] = {sct_at(1, AT_STR), sct(3)};
    cg_policy_sct test_log[] = {sct(13), sct(3)};
    cg_policy_sct twice[] = {sct(1), sct_at(1, "2025-04-11T00:00:00Z")};
    cg_policy_sct mixed[] = {sct_at(1, "2025-04-09T00:00:00Z"), sct(1), sct(3)};
    cg_policy_sct mixed2[] = {sct(1), sct_at(1, "2025-04-09T00:00:00Z"), sct(3)};
    cg_policy_result r;

    unverified[0].valid = 0;
    unverified[1].valid = 0;
    EXPECT(cg_policy_chrome, ll, 90 * DAY, unverified, CG_POLICY_UNSATISFIED,
           "not counted: L1 (Google, signature not verified), L3 (Cloudflare, signature not "
           "verified)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, unverified, CG_POLICY_UNSATISFIED, "not verified");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, unverified, CG_POLICY_UNSATISFIED, "not verified");
    /* No SCTs at all is unsatisfied, not "not evaluated". */
    CHECK(run(cg_policy_chrome, ll, 90 * DAY, NULL, 0, &r) == CG_POLICY_UNSATISFIED);
    CHECK(has(&r, "no SCTs; needs 1 SCT from a log"));
    CHECK(run(cg_policy_apple, ll, 90 * DAY, NULL, 0, &r) == CG_POLICY_UNSATISFIED);
    CHECK(run(cg_policy_mozilla, ll, 90 * DAY, NULL, 0, &r) == CG_POLICY_UNSATISFIED);

    EXPECT(cg_policy_chrome, ll, 90 * DAY, unlisted, CG_POLICY_UNSATISFIED,
           "1 SCT(s) from logs not in the list");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, future, CG_POLICY_UNSATISFIED,
           "L1 (Google, SCT dated after the evaluation time)");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, now, CG_POLICY_OK, "met");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, test_log, CG_POLICY_UNSATISFIED,
           "L13 (Google, test or monitoring-only log)");
    /* A log counts when any of its SCTs can, whatever the order. */
    mixed[0].valid = 0;
    mixed2[1].valid = 0;
    EXPECT(cg_policy_chrome, ll, 90 * DAY, mixed, CG_POLICY_OK, "counted: L1 (Google), L3");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, mixed2, CG_POLICY_OK, "counted: L1 (Google), L3");
    /* Two SCTs from one log are one log. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, twice, CG_POLICY_UNSATISFIED,
           "needs 2 SCTs from distinct logs (lifetime 90 days <= 180 days), has 1");
}

static void test_not_evaluated(const cg_loglist *ll)
{
    cg_policy_sct good[] = {sct(1), sct(3)};
    cg_policy_sct unknown_decides[] = {sct(14), sct(1)};
    cg_policy_sct unknown_extra[] = {sct(14), sct(1), sct(3)};
    cg_policy_sct unknown_alone[] = {sct(18)};
    cg_policy_sct no_state[] = {sct(18), sct(1)};
    policy_fn fns[] = {cg_policy_chrome, cg_policy_apple, cg_policy_mozilla};
    /* Issued 2025-04-01, expiring exactly at the evaluation time. */
    int64_t to_at = S(AT_STR) - S(NB_STR);
    cg_policy_input in;
    cg_policy_result r;

    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        /* notAfter is inclusive: still valid at notAfter, expired after. */
        CHECK(run(fns[i], ll, to_at, good, 2, &r) == CG_POLICY_OK);
        CHECK(run(fns[i], ll, to_at - 1, good, 2, &r) == CG_POLICY_NOT_EVALUATED);
        CHECK(has(&r, "certificate expired at 2025-05-31T23:59:59Z, before the evaluation "
                      "time 2025-06-01T00:00:00Z"));
        CHECK(run(fns[i], NULL, 90 * DAY, good, 2, &r) == CG_POLICY_NOT_EVALUATED);
        CHECK(has(&r, "no log list"));

        memset(&in, 0, sizeof(in));
        in.not_before = S(NB_STR);
        in.not_after = in.not_before + 90 * DAY;
        in.at = S(AT_STR);
        in.scts = good;
        in.n_scts = 2;
        in.ll = ll;
        in.issuer_unknown = 1;
        good[0].valid = 0;
        good[1].valid = 0;
        fns[i](&in, &r);
        CHECK(r.status == CG_POLICY_NOT_EVALUATED && has(&r, "issuer unknown"));
        good[0].valid = 1;
        good[1].valid = 1;
        /* Missing input and output. */
        fns[i](NULL, &r);
        CHECK(r.status == CG_POLICY_NOT_EVALUATED);
        fns[i](&in, NULL);
    }

    /* L14 (Chrome-format) was rejected after the time of check: it may have
     * been Usable or still Pending then, and that decides the outcome. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, unknown_decides, CG_POLICY_NOT_EVALUATED,
           "depends on log states the list does not give: L14 (DigiCert, rejected after the "
           "time of check");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, unknown_decides, CG_POLICY_NOT_EVALUATED,
           "otherwise needs 2 SCTs from distinct logs");
    EXPECT(cg_policy_mozilla, ll, 90 * DAY, unknown_decides, CG_POLICY_NOT_EVALUATED, "L14");
    /* Met without it, or failing whatever its state: a definite answer. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, unknown_extra, CG_POLICY_OK, "met");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, unknown_alone, CG_POLICY_UNSATISFIED,
           "L18 (Sectigo, state unknown)");
    /* A log without any state, as every log in crt.sh's list. */
    EXPECT(cg_policy_chrome, ll, 90 * DAY, no_state, CG_POLICY_NOT_EVALUATED,
           "L18 (Sectigo, the list gives no state)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, no_state, CG_POLICY_NOT_EVALUATED, "L18");
}

static void test_apple_rules(const cg_loglist *ll, const cg_loglist *apple)
{
    cg_policy_sct tiled_only[] = {sct(11), sct(12)};
    cg_policy_sct tiled_and_6962[] = {sct(11), sct(1)};
    cg_policy_sct shard[] = {sct(15), sct(1), sct(3)};
    cg_policy_sct ro_before[] = {sct_at(104, "2025-04-15T00:00:00Z"), sct(102)};
    cg_policy_sct ro_after[] = {sct_at(104, "2025-04-15T00:00:00.001Z"), sct(102)};
    cg_policy_sct a_tiled[] = {sct(106), sct(107)};
    cg_policy_sct a_shard[] = {sct(108), sct(101)};
    cg_policy_sct a_ok[] = {sct(101), sct(102)};
    cg_policy_sct a_google2[] = {sct(101), sct(105)};

    /* At least one SCT must come from an RFC 6962 log. */
    EXPECT(cg_policy_apple, ll, 90 * DAY, tiled_only, CG_POLICY_UNSATISFIED,
           "needs 1 SCT from an RFC 6962 log, has 0");
    EXPECT(cg_policy_chrome, ll, 90 * DAY, tiled_only, CG_POLICY_OK, "L11 (Cloudflare)");
    EXPECT(cg_policy_apple, ll, 90 * DAY, tiled_and_6962, CG_POLICY_OK, "met");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_tiled, CG_POLICY_UNSATISFIED, "RFC 6962");
    /* A shard counts only for certificates expiring inside its interval
     * (L15: 2025); 300 days from 2025-04-01 ends in 2026. */
    EXPECT(cg_policy_apple, ll, 90 * DAY, shard, CG_POLICY_OK, "L15 (TrustAsia)");
    EXPECT(cg_policy_apple, ll, 300 * DAY, shard, CG_POLICY_UNSATISFIED,
           "L15 (TrustAsia, temporal interval excludes notAfter)");
    EXPECT(cg_policy_chrome, ll, 300 * DAY, shard, CG_POLICY_OK, "met: 3 SCTs");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_shard, CG_POLICY_OK, "L108");
    EXPECT(cg_policy_apple, apple, 300 * DAY, a_shard, CG_POLICY_UNSATISFIED, "interval");
    /* A read-only log's SCTs count up to its read-only time (L104). */
    EXPECT(cg_policy_apple, apple, 90 * DAY, ro_before, CG_POLICY_OK, "L104 (Sectigo)");
    EXPECT(cg_policy_apple, apple, 90 * DAY, ro_after, CG_POLICY_UNSATISFIED,
           "L104 (Sectigo, SCT issued after the log became read-only)");
    EXPECT(cg_policy_chrome, apple, 90 * DAY, ro_after, CG_POLICY_OK, "L104");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_ok, CG_POLICY_OK,
           "met: 2 SCTs from distinct logs, needs 2, at most 1 per operator");
    EXPECT(cg_policy_apple, apple, 90 * DAY, a_google2, CG_POLICY_UNSATISFIED,
           "operators: Google)");
}

static void test_not_yet_usable(const cg_loglist *ll)
{
    char why[256];

    /* Pending: never usable, before or after it became pending. */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 6), (uint64_t)T("2024-12-31T00:00:00Z"), why,
                                       sizeof(why)) == 1);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 6), (uint64_t)T("2025-01-02T00:00:00Z"), why,
                                       sizeof(why)) == 1);
    CHECK(strstr(why, "L6 is pending (since 2025-01-01T00:00:00Z)") != NULL);
    /* Qualified since 2025-05-20: pending just before, only qualified from then. */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 7), (uint64_t)T("2025-05-19T23:59:59.999Z"), why,
                                       sizeof(why)) == 1);
    CHECK(strstr(why, "it was pending then") != NULL);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 7), (uint64_t)T("2025-05-20T00:00:00Z"), why,
                                       sizeof(why)) == 1);
    CHECK(strstr(why, "only Qualified") != NULL);
    /* Usable since 2024-01-01: not yet usable one millisecond before. */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 1), (uint64_t)T("2023-12-31T23:59:59.999Z"), why,
                                       sizeof(why)) == 1);
    CHECK(strstr(why, "Qualified or pending then") != NULL);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 1), (uint64_t)T("2024-01-01T00:00:00Z"), why,
                                       sizeof(why)) == 0);
    CHECK(strstr(why, "was Usable") != NULL);
    /* ReadOnly (and Retired, Rejected): one list cannot tell for earlier SCTs. */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 9), (uint64_t)T("2024-12-31T23:59:59.999Z"), why,
                                       sizeof(why)) == 0);
    CHECK(strstr(why, "cannot be told") != NULL);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 9), (uint64_t)T("2025-01-01T00:00:00Z"), why,
                                       sizeof(why)) == 0);
    CHECK(strstr(why, "already readonly") != NULL);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 5), (uint64_t)T("2025-04-10T00:00:00Z"), why,
                                       sizeof(why)) == 0);
    /* No state at all (crt.sh). */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 18), (uint64_t)T("2025-04-10T00:00:00Z"), why,
                                       sizeof(why)) == 0);
    CHECK(strstr(why, "no state") != NULL);
    /* why may be absent or tiny. */
    CHECK(cg_policy_log_not_yet_usable(find(ll, 6), 0, NULL, 0) == 1);
    CHECK(cg_policy_log_not_yet_usable(find(ll, 6), 0, why, 8) == 1 && strlen(why) == 7);
    CHECK(cg_policy_log_not_yet_usable(NULL, 0, why, sizeof(why)) == 0);
}

static void test_outside_interval(const cg_loglist *ll)
{
    const cg_log *shard = find(ll, 15); /* [2025-01-01, 2026-01-01) */
    char why[256];

    CHECK(cg_policy_outside_interval(shard, S("2024-12-31T23:59:59Z"), why, sizeof(why)) == 1);
    CHECK(strstr(why, "notAfter 2024-12-31T23:59:59Z is before L15's temporal interval") != NULL);
    CHECK(cg_policy_outside_interval(shard, S("2025-01-01T00:00:00Z"), why, sizeof(why)) == 0);
    CHECK(cg_policy_outside_interval(shard, S("2025-12-31T23:59:59Z"), why, sizeof(why)) == 0);
    /* end_exclusive: a notAfter at the end is outside */
    CHECK(cg_policy_outside_interval(shard, S("2026-01-01T00:00:00Z"), why, sizeof(why)) == 1);
    CHECK(strstr(why, "at or after the end of") != NULL);
    CHECK(cg_policy_outside_interval(find(ll, 1), S("2030-01-01T00:00:00Z"), why, sizeof(why)) ==
          0);
    CHECK(strstr(why, "no temporal interval") != NULL);
    CHECK(cg_policy_outside_interval(NULL, 0, why, sizeof(why)) == 0);
    /* Extreme times neither overflow nor land inside. */
    CHECK(cg_policy_outside_interval(shard, INT64_MAX, why, sizeof(why)) == 1);
    CHECK(cg_policy_outside_interval(shard, INT64_MIN, why, sizeof(why)) == 1);
}

/* The verdict asked alone (why NULL: nothing formatted, what the checker
 * asks first for every SCT) is the one given with a reason, for every log
 * of the list at times around each of its instants. */
static void test_verdict_alone(const cg_loglist *ll)
{
    char why[256];
    int n = 0;
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *log = cg_loglist_get0(ll, i);
        const int64_t marks[] = {log->state_ts, log->interval_start, log->interval_end, 0,
                                 INT64_C(1735689600000)};
        for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
            for (int64_t d = -1; d <= 1; d++) {
                int64_t ms = marks[k] + d;
                uint64_t ts = ms < 0 ? 0 : (uint64_t)ms;
                CHECK(cg_policy_log_not_yet_usable(log, ts, NULL, 0) ==
                      cg_policy_log_not_yet_usable(log, ts, why, sizeof(why)));
                CHECK(cg_policy_outside_interval(log, ms / 1000, NULL, 0) ==
                      cg_policy_outside_interval(log, ms / 1000, why, sizeof(why)));
                CHECK(cg_policy_outside_interval(log, ms / 1000 + d, NULL, 0) ==
                      cg_policy_outside_interval(log, ms / 1000 + d, why, sizeof(why)));
                n++;
            }
        }
    }
    CHECK(n >= 15 * 10);
}

static cg_loglist *load_file(const char *path)
{
    char err[256];
    size_t len = 0;
    uint8_t *buf = cg_test_read(path, &len);
    cg_loglist *ll = cg_loglist_new();

    if (buf == NULL || ll == NULL || !cg_loglist_load(ll, buf, len, path, err, sizeof(err))) {
        fprintf(stderr, "load %s failed\n", path);
        cg_loglist_free(ll);
        ll = NULL;
    }
    free(buf);
    return ll;
}

/* tests/data/le2023/good/final.pem carries two SCTs (openssl x509 -text):
 * Cloudflare Nimbus 2023 and Google Argon 2023. Validity 2023-06-15
 * 15:01:44 to 2023-09-13 15:01:43, i.e. 90 days - 1 s. */
static void test_le2023(void)
{
    cg_policy_sct scts[2];
    cg_policy_input in;
    cg_policy_result r;
    cg_loglist *crtsh = load_file("loglists/crtsh_v3_all_all_logs_list.json");
    cg_loglist *apple = load_file("loglists/apple_current_log_list.json");
    cg_loglist *gstatic = load_file("loglists/gstatic_v3_all_logs_list.json");

    memset(scts, 0, sizeof(scts));
    cg_test_unhex("7a328c54d8b72db620ea38e0521ee98416703213854d3bd22bc13a57a352eb52",
                  scts[0].log_id, 32);
    scts[0].timestamp_ms = (uint64_t)T("2023-06-15T16:01:44.316Z");
    scts[0].valid = 1;
    cg_test_unhex("e83ed0da3ef5063532e75728bc896bc903d3cbd1116beceb69e1777d6d06bd6e",
                  scts[1].log_id, 32);
    scts[1].timestamp_ms = (uint64_t)T("2023-06-15T16:01:44.437Z");
    scts[1].valid = 1;
    memset(&in, 0, sizeof(in));
    in.not_before = S("2023-06-15T15:01:44Z");
    in.not_after = S("2023-09-13T15:01:43Z");
    in.at = S("2023-06-20T00:00:00Z");
    in.scts = scts;
    in.n_scts = 2;

    /* crt.sh's list has both logs but no states: two logs, two operators,
     * enough for 90 days, so the answer hangs on whether either log was
     * Qualified, Usable or ReadOnly on 2023-06-20, which that list does not
     * say. (They were: both were Usable then, rejected as expired shards in
     * 2024, which Apple's list records.) */
    CHECK(crtsh != NULL);
    in.ll = crtsh;
    cg_policy_chrome(&in, &r);
    CHECK(r.status == CG_POLICY_NOT_EVALUATED);
    CHECK(has(&r, "Nimbus 2023 (Cloudflare, the list gives no state)"));
    CHECK(has(&r, "Argon 2023 (Google, the list gives no state)"));
    CHECK(has(&r, "met if Qualified, Usable or ReadOnly at 2023-06-20T00:00:00Z"));
    if (r.status != CG_POLICY_NOT_EVALUATED)
        fprintf(stderr, "  crt.sh chrome: %s\n", r.reason);
    cg_policy_mozilla(&in, &r);
    CHECK(r.status == CG_POLICY_NOT_EVALUATED);
    cg_policy_apple(&in, &r);
    CHECK(r.status == CG_POLICY_NOT_EVALUATED);

    /* Apple's list: both rejected 2024-01-20, after the time of check, and
     * notAfter inside their 2023 shards. */
    CHECK(apple != NULL);
    in.ll = apple;
    cg_policy_apple(&in, &r);
    CHECK(r.status == CG_POLICY_OK);
    CHECK(has(&r, "met: 2 SCTs from distinct logs, needs 2, at most 1 per operator (lifetime "
                  "90 days, notAfter inclusive)"));
    if (r.status != CG_POLICY_OK)
        fprintf(stderr, "  apple: %s\n", r.reason);

    /* Chrome's current list has dropped the 2023 shards altogether. */
    CHECK(gstatic != NULL);
    in.ll = gstatic;
    cg_policy_chrome(&in, &r);
    CHECK(r.status == CG_POLICY_UNSATISFIED);
    CHECK(has(&r, "2 SCT(s) from logs not in the list"));

    /* One second after notAfter the certificate has expired. */
    in.ll = crtsh;
    in.at = S("2023-09-13T15:01:44Z");
    cg_policy_chrome(&in, &r);
    CHECK(r.status == CG_POLICY_NOT_EVALUATED && has(&r, "certificate expired"));
    in.at = S("2023-09-13T15:01:43Z");
    cg_policy_chrome(&in, &r);
    CHECK(r.status == CG_POLICY_NOT_EVALUATED && has(&r, "depends on log states"));

    cg_loglist_free(crtsh);
    cg_loglist_free(apple);
    cg_loglist_free(gstatic);
}

/* Reasons never overflow their buffer, even with many logs. */
static void test_long_reason(const cg_loglist *ll)
{
    cg_policy_sct many[64];
    cg_policy_result r;

    for (size_t i = 0; i < 64; i++)
        many[i] = sct((int)(i % 18) + 1);
    run(cg_policy_chrome, ll, 90 * DAY, many, 64, &r);
    CHECK(r.status == CG_POLICY_OK);
    CHECK(strlen(r.reason) < sizeof(r.reason));
    CHECK(strlen(r.reason) == sizeof(r.reason) - 1 && has(&r, "..."));
}

int main(void)
{
    cg_loglist *ll = build(chrome_logs, sizeof(chrome_logs) / sizeof(chrome_logs[0]), 0);
    cg_loglist *apple = build(apple_logs, sizeof(apple_logs) / sizeof(apple_logs[0]), 1);

    CHECK(ll != NULL && apple != NULL);
    if (ll == NULL || apple == NULL) {
        cg_loglist_free(ll);
        cg_loglist_free(apple);
        return cg_test_done();
    }
    CHECK(find(ll, 1)->format == CG_LOGLIST_CHROME_V3);
    CHECK(find(apple, 101)->format == CG_LOGLIST_APPLE);
    test_lifetime_boundary(ll);
    test_operators(ll);
    test_retired(ll, apple);
    test_pending_and_qualified(ll);
    test_previous_operators(ll);
    test_not_counted(ll);
    test_not_evaluated(ll);
    test_apple_rules(ll, apple);
    test_not_yet_usable(ll);
    test_outside_interval(ll);
    test_verdict_alone(ll);
    test_long_reason(ll);
    test_le2023();
    cg_loglist_free(ll);
    cg_loglist_free(apple);
    return cg_test_done();
}
