/* Following an incident's Bugzilla bug: the REST answers recorded in
 * tests/data/bugzilla (shapes from Bugzilla's REST API documentation)
 * decoded, bad answers refused with a message naming what, the
 * Whiteboard's "Next update" forms, bug URLs, and the sync into a store
 * (each comment once, as an event; the Whiteboard's date set) judged by
 * the incident rules: a question unanswered for 8 days gives
 * incident.question_unanswered, an answered one does not, a passed "Next
 * update" date gives incident.update_missed.
 *
 *   bugzilla_test               a new SQLite store in a temporary directory
 *   bugzilla_test pg-from-env   a fresh schema of $CAGUARD_TEST_PG_URI
 *                               (skipped, 77, when unset) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incident/bugzilla.h"
#include "incident/deadlines.h"
#include "monitor/bugzilla.h"
#include "store/store.h"
#include "testutil.h"
#include "util/time.h"

#define DAY 86400

static int64_t T(const char *s)
{
    int64_t t = 0;
    CHECK(cg_time_parse_rfc3339(s, &t));
    return t;
}

static int decode_dir(const char *name, int64_t id, cg_bz_bug *b)
{
    char dir[512], err[512];
    snprintf(dir, sizeof(dir), "%s/bugzilla/%s", CG_TEST_DATA, name);
    int ok = cg_bz_read_dir(dir, id, b, err, sizeof(err));
    if (!ok)
        fprintf(stderr, "%s\n", err);
    return ok;
}

static void test_decode(void)
{
    cg_bz_bug b;
    memset(&b, 0, sizeof(b));
    CHECK(decode_dir("unanswered", 1900001, &b));
    CHECK(b.id == 1900001 && b.is_open == 1 && strcmp(b.status, "ASSIGNED") == 0);
    CHECK(strcmp(b.whiteboard, "[ca-compliance] [dv-misissuance]") == 0);
    CHECK(b.n_comments == 3);
    CHECK(b.comments[0].id == 17000001 && b.comments[0].count == 0);
    CHECK(strcmp(b.comments[2].creator, "root-program@example.org") == 0);
    CHECK(b.comments[2].at == T("2026-11-10T09:00:00Z"));
    cg_bz_bug_clear(&b);
    CHECK(decode_dir("answered", 1900002, &b) && b.n_comments == 4);
    cg_bz_bug_clear(&b);
    /* The answers of another bug than the one asked for. */
    char err[512];
    CHECK(!cg_bz_read_dir(CG_TEST_DATA "/bugzilla/answered", 1900001, &b, err, sizeof(err)));
    CHECK(strstr(err, "does not hold bug 1900001") != NULL);
    CHECK(b.comments == NULL);
}

static void refused(const char *bug, const char *comments, const char *want)
{
    cg_bz_bug b;
    char err[512] = "";
    memset(&b, 0, sizeof(b));
    int ok = cg_bz_decode_bug((const uint8_t *)bug, strlen(bug), 5, &b, err, sizeof(err)) &&
             cg_bz_decode_comments((const uint8_t *)comments, strlen(comments), 5, &b, err,
                                   sizeof(err));
    CHECK(!ok);
    if (strstr(err, want) == NULL) {
        fprintf(stderr, "refused: got '%s', want '%s'\n", err, want);
        CHECK(0);
    }
    cg_bz_bug_clear(&b);
}

static void test_bad_answers(void)
{
    const char *okbug = "{\"bugs\":[{\"id\":5,\"whiteboard\":\"\"}]}";
    const char *okcom = "{\"bugs\":{\"5\":{\"comments\":[]}}}";
    refused("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", okcom, "an HTML page");
    refused("{\"bugs\": [", okcom, "bug.json: not JSON");
    refused("[1, 2]", okcom, "not a JSON object");
    refused("{\"error\":true,\"code\":101,\"message\":\"Bug #5 does not exist.\"}", okcom,
            "Bugzilla answered error 101: Bug #5 does not exist.");
    refused("{\"bugs\":[]}", okcom, "no \"bugs\" array");
    refused("{\"bugs\":[{\"id\":\"5\"}]}", okcom, "no numeric \"id\"");
    refused("{\"bugs\":[{\"id\":5,\"whiteboard\":7}]}", okcom, "is not a string");
    refused(okbug, "{\"bugs\":{}}", "no \"bugs\".\"5\".\"comments\" array");
    refused(okbug, "{\"bugs\":{\"5\":{\"comments\":[{\"id\":1,\"creator\":\"a@b\"}]}}}",
            "no RFC 3339 \"creation_time\"");
    refused(okbug,
            "{\"bugs\":{\"5\":{\"comments\":[{\"id\":1,\"creator\":\"a@b\","
            "\"creation_time\":\"yesterday\"}]}}}",
            "no RFC 3339 \"creation_time\"");
    refused(okbug, "{\"bugs\":{\"5\":{\"comments\":[{\"id\":1,\"time\":\"2026-01-01T00:00:00Z\"}]}}}",
            "has no \"creator\"");
    refused(okbug, "{\"bugs\":{\"5\":{\"comments\":[7]}}}", "is not an object");
    refused(okbug,
            "{\"bugs\":{\"5\":{\"comments\":[{\"id\":1,\"creator\":\"a@b\",\"time\":"
            "\"2026-01-01T00:00:00Z\"},{\"id\":1,\"creator\":\"a@b\",\"time\":"
            "\"2026-01-02T00:00:00Z\"}]}}}",
            "comment 1 appears twice");
    refused(okbug, "", "comment.json: not JSON");
    /* Duplicate keys are refused (which one would Bugzilla have meant?). */
    refused("{\"bugs\":[{\"id\":5}],\"bugs\":[]}", okcom, "not JSON");
}

static void test_whiteboard(void)
{
    int64_t due = 0;
    const int64_t end = T("2026-12-10T23:59:59Z");
    static const char *const yes[] = {
        "[ca-compliance] [dv-misissuance] Next update 2026-12-10",
        "Next update: 2026-12-10",
        "[ca-compliance] next-update 2026-12-10 [ov-misissuance]",
        "[Next Update - 2026-12-10]",
        "NEXT_UPDATE=2026-12-10",
    };
    static const char *const no[] = {
        "",
        "[ca-compliance] [dv-misissuance]",
        "Next update 2026-13-01",
        "Next update 2026-02-30",
        "Next update 2025-02-29",
        "Next update soon",
        "Next update 2026-12-1",
        "Next update 2026-12-100",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        due = 0;
        CHECK(cg_bz_next_update(yes[i], &due) && due == end);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        CHECK(!cg_bz_next_update(no[i], &due));
    CHECK(cg_bz_next_update("Next update 2028-02-29", &due) &&
          due == T("2028-02-29T23:59:59Z"));
    CHECK(!cg_bz_next_update(NULL, &due));
}

static void test_urls(void)
{
    char base[256], err[512];
    int64_t id = 0;
    CHECK(cg_bz_parse_url("https://bugzilla.mozilla.org/show_bug.cgi?id=1883779", base,
                          sizeof(base), &id, err, sizeof(err)));
    CHECK(strcmp(base, "https://bugzilla.mozilla.org") == 0 && id == 1883779);
    CHECK(cg_bz_parse_url("https://bugzilla.mozilla.org/1883779", base, sizeof(base), &id, err,
                          sizeof(err)));
    CHECK(strcmp(base, "https://bugzilla.mozilla.org") == 0 && id == 1883779);
    CHECK(cg_bz_parse_url("http://127.0.0.1:8080/bz/show_bug.cgi?ctype=xml&id=42#c3", base,
                          sizeof(base), &id, err, sizeof(err)));
    CHECK(strcmp(base, "http://127.0.0.1:8080/bz") == 0 && id == 42);
    static const char *const bad[] = {
        "bugzilla.mozilla.org/show_bug.cgi?id=1", "ftp://host/1", "https://host/",
        "https://host/show_bug.cgi?id=", "https://host/show_bug.cgi?id=0",
        "https://host/show_bug.cgi?bid=5", "https://host/12ab", "https://host",
        "https://host/99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!cg_bz_parse_url(bad[i], base, sizeof(base), &id, err, sizeof(err)));
        CHECK(strstr(err, "is not a Bugzilla bug URL") != NULL);
    }
    const char *acc[] = {"compliance@ca.example", "Ops@CA.example"};
    CHECK(cg_bz_is_ca("COMPLIANCE@ca.example", acc, 2));
    CHECK(cg_bz_is_ca("ops@ca.example", acc, 2));
    CHECK(!cg_bz_is_ca("root-program@example.org", acc, 2));
    CHECK(!cg_bz_is_ca(NULL, acc, 2));
}

/* ---- the sync into a store, judged ---- */

typedef struct {
    size_t n[3];
    size_t question, missed, overdue;
    char msg[1024];
} judged;

static void keep(void *arg, const cg_finding *f)
{
    judged *j = arg;
    if (f->rule == CG_R_INCIDENT_QUESTION_UNANSWERED) {
        j->question++;
        snprintf(j->msg, sizeof(j->msg), "%s", f->message);
    }
    j->missed += f->rule == CG_R_INCIDENT_UPDATE_MISSED;
    j->overdue += f->rule == CG_R_INCIDENT_UPDATE_OVERDUE;
}

static void judge(cg_store *s, int64_t id, int64_t at, judged *j)
{
    cg_incident inc;
    int found = 0;
    cg_ctx ctx;
    memset(j, 0, sizeof(*j));
    memset(&inc, 0, sizeof(inc));
    CHECK(cg_store_incident_get(s, id, &inc, &found) && found);
    cg_ctx_init(&ctx, at, keep, j);
    cg_incident_check(&ctx, &inc);
    cg_incident_clear(&inc);
}

static int64_t new_incident(cg_store *s, const char *url)
{
    cg_incident inc;
    char base[256], err[256];
    int64_t bug = 0;
    memset(&inc, 0, sizeof(inc));
    inc.kind = (char *)"misissuance";
    inc.reported_at = T("2026-10-31T12:00:00Z");
    CHECK(cg_store_incident_create(s, &inc));
    CHECK(cg_bz_parse_url(url, base, sizeof(base), &bug, err, sizeof(err)));
    CHECK(cg_store_bug_link(s, inc.id, url, bug, "compliance@ca.example"));
    return inc.id;
}

static void test_sync(const char *uri)
{
    char err[512];
    cg_store_status status;
    cg_store *s = cg_store_open(uri, CG_STORE_CREATE, &status, err, sizeof(err));
    cg_bz_bug b;
    cg_bz_sync_result r;
    cg_store_bug link;
    judged j;
    int found = 0;
    CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    memset(&b, 0, sizeof(b));

    /* A question unanswered for 8 days. */
    int64_t a = new_incident(s, "https://bugzilla.example/show_bug.cgi?id=1900001");
    CHECK(decode_dir("unanswered", 1900001, &b));
    CHECK(cg_bz_sync_store(s, a, &b, "compliance@ca.example", 1000, &r, err, sizeof(err)));
    CHECK(r.n_comments == 3 && r.n_new == 3 && r.n_questions == 1 && !r.has_next_update);
    /* Again: nothing new (each comment once, by its ID). */
    CHECK(cg_bz_sync_store(s, a, &b, "compliance@ca.example", 2000, &r, err, sizeof(err)));
    CHECK(r.n_comments == 3 && r.n_new == 0 && r.n_questions == 0);
    CHECK(cg_store_bug_get(s, a, &link, &found) && found);
    CHECK(link.bug_id == 1900001 && link.synced_at == 2000);
    CHECK(strcmp(link.whiteboard, "[ca-compliance] [dv-misissuance]") == 0);
    CHECK(strcmp(link.ca_accounts, "compliance@ca.example") == 0);
    cg_store_bug_clear(&link);
    cg_incident inc;
    memset(&inc, 0, sizeof(inc));
    CHECK(cg_store_incident_get(s, a, &inc, &found) && found && inc.n_events == 3);
    if (inc.n_events == 3) {
        CHECK(inc.events[0].type == CG_EVENT_UPDATE && inc.events[1].type == CG_EVENT_UPDATE);
        CHECK(inc.events[2].type == CG_EVENT_QUESTION);
        CHECK(strcmp(inc.events[2].note, "Bugzilla comment #2 by root-program@example.org") ==
              0);
    }
    cg_incident_clear(&inc);
    judge(s, a, T("2026-11-17T09:00:00Z"), &j); /* 7 days: still in time */
    CHECK(j.question == 0);
    judge(s, a, T("2026-11-18T09:00:00Z"), &j); /* 8 days */
    CHECK(j.question == 1);
    CHECK(strstr(j.msg, "the question of 2026-11-10T09:00:00Z (Bugzilla comment #2 by "
                        "root-program@example.org) has had no CA comment after it for 8 "
                        "days") != NULL);
    /* The last CA comment was on 2026-11-02: the 7-day MUST has passed. */
    CHECK(j.missed == 1 && j.overdue == 1);

    /* Without the CA's account every comment is a question. */
    int64_t n = new_incident(s, "https://bugzilla.example/1900001");
    CHECK(cg_bz_sync_store(s, n, &b, "", 1000, &r, err, sizeof(err)));
    CHECK(r.n_new == 3 && r.n_questions == 3);
    cg_bz_bug_clear(&b);

    /* Answered two days later; the Whiteboard's Next update is 2026-12-10. */
    int64_t c = new_incident(s, "https://bugzilla.example/show_bug.cgi?id=1900002");
    CHECK(decode_dir("answered", 1900002, &b));
    CHECK(cg_bz_sync_store(s, c, &b, "ops@ca.example,compliance@ca.example", 1000, &r, err,
                           sizeof(err)));
    CHECK(r.n_new == 4 && r.n_questions == 1 && r.has_next_update);
    CHECK(r.next_update == T("2026-12-10T23:59:59Z"));
    judge(s, c, T("2026-11-20T09:00:00Z"), &j);
    CHECK(j.question == 0 && j.missed == 0 && j.overdue == 0);
    judge(s, c, T("2026-12-10T23:59:59Z"), &j);
    CHECK(j.missed == 0 && j.overdue == 0);
    judge(s, c, T("2026-12-11T00:00:00Z"), &j);
    CHECK(j.missed == 1 && j.overdue == 1);
    cg_bz_bug_clear(&b);

    /* The Next update date passed after the last update. */
    int64_t d = new_incident(s, "https://bugzilla.example/show_bug.cgi?id=1900003");
    CHECK(decode_dir("next_update_passed", 1900003, &b));
    CHECK(cg_bz_sync_store(s, d, &b, "compliance@ca.example", 1000, &r, err, sizeof(err)));
    CHECK(r.n_new == 5 && r.n_questions == 1);
    judge(s, d, T("2026-12-12T00:00:00Z"), &j);
    CHECK(j.question == 0 && j.missed == 1 && j.overdue == 1);
    cg_bz_bug_clear(&b);

    /* The list of linked bugs, by incident. */
    cg_store_bug *bugs = NULL;
    size_t count = 0;
    CHECK(cg_store_bugs(s, &bugs, &count) && count == 4);
    for (size_t i = 0; i < count; i++) {
        CHECK(bugs[i].url != NULL && bugs[i].url[0] != '\0' && bugs[i].bug_id > 0);
        CHECK(i == 0 || bugs[i].incident > bugs[i - 1].incident);
    }
    cg_store_bugs_free(bugs, count);
    cg_store_close(s);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/caguard-bugzilla-test-XXXXXX", uri[800];
    const char *target = argc > 1 ? argv[1] : NULL;
    test_decode();
    test_bad_answers();
    test_whiteboard();
    test_urls();
    if (target != NULL && strcmp(target, "pg-from-env") == 0) {
        char name[64];
        const char *base = cg_test_pg_uri();
        if (base == NULL)
            return 77;
        snprintf(name, sizeof(name), "cgtest_%d_bugzilla", (int)getpid());
        CHECK(cg_test_pg_schema(base, name, uri, sizeof(uri)));
        test_sync(uri);
        if (cg_test_failures == 0) {
            char sql[128];
            snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", name);
            CHECK(cg_test_pg_exec(base, sql));
        }
        return cg_test_done();
    }
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(uri, sizeof(uri), "sqlite:%s/bugzilla.db", dir);
    test_sync(uri);
    char path[900];
    snprintf(path, sizeof(path), "%s/bugzilla.db", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bugzilla.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bugzilla.db-shm", dir);
    unlink(path);
    rmdir(dir);
    return cg_test_done();
}
