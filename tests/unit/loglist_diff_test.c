/* Log list comparison (ct/loglist_diff.h): the two lists of
 * tests/data/loglist_diff (a moved URL, a state change, a key change, an
 * added and a removed log), a list against itself, against nothing, and
 * hand-made lists for the temporal interval, the operator, a tiled log's
 * monitoring URL and a key changed under the same log ID. */
#include "ct/loglist_diff.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cg_loglist *load_file(const char *path)
{
    char err[256];
    size_t len = 0;
    uint8_t *buf = cg_test_read(path, &len);
    cg_loglist *ll = cg_loglist_new();
    CHECK(buf != NULL && ll != NULL);
    if (buf == NULL || ll == NULL) {
        free(buf);
        return ll;
    }
    int ok = cg_loglist_load(ll, buf, len, path, err, sizeof(err));
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s\n", err);
    free(buf);
    return ll;
}

static cg_loglist *load_str(const char *json)
{
    char err[256];
    cg_loglist *ll = cg_loglist_new();
    int ok = ll != NULL && cg_loglist_load(ll, (const uint8_t *)json, strlen(json), "t.json", err,
                                           sizeof(err));
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s\n  %s\n", err, json);
    return ll;
}

static int has(const cg_loglist_change *c, const char *text)
{
    if (strstr(c->message, text) != NULL)
        return 1;
    fprintf(stderr, "  no '%s' in: %s\n", text, c->message);
    return 0;
}

static void test_files(void)
{
    cg_loglist *a = load_file("loglist_diff/list_a.json");
    cg_loglist *b = load_file("loglist_diff/list_b.json");
    cg_loglist_diff d = {0};

    CHECK(cg_loglist_diff_compute(a, b, &d));
    CHECK(d.n == 5);
    if (d.n == 5) {
        const cg_loglist_change *c = d.v;
        CHECK(c[0].kind == CG_LOGLIST_CHANGED && c[0].fields == CG_LOGLIST_F_URL);
        CHECK(has(&c[0], "log 'Alpha' (log ID E8mCU5LevB1D3woItr4itYQqfuL1YpNV3VXH7PBgt/Q=): "
                         "URL changed from https://alpha.ct.example.invalid/ to "
                         "https://alpha2.ct.example.invalid/"));
        CHECK(strcmp(cg_loglist_change_log(&c[0])->url, "https://alpha2.ct.example.invalid/") ==
              0);

        CHECK(c[1].kind == CG_LOGLIST_CHANGED && c[1].fields == CG_LOGLIST_F_STATE);
        CHECK(has(&c[1], "log 'Beta'"));
        CHECK(has(&c[1], "state changed from usable (2024-01-01T00:00:00Z) to retired "
                         "(2025-05-01T00:00:00Z)"));

        CHECK(c[2].kind == CG_LOGLIST_CHANGED && c[2].fields == CG_LOGLIST_F_KEY);
        CHECK(has(&c[2], "log 'Delta'"));
        CHECK(has(&c[2], "key changed from SHA-256 "));
        CHECK(has(&c[2], "(log ID was "));
        CHECK(c[2].old_log != NULL && c[2].new_log != NULL &&
              memcmp(c[2].old_log->log_id, c[2].new_log->log_id, 32) != 0);

        CHECK(c[3].kind == CG_LOGLIST_ADDED && c[3].old_log == NULL && c[3].fields == 0);
        CHECK(has(&c[3], "log 'Theta'"));
        CHECK(has(&c[3], " added: URL https://theta.ct.example.invalid/, state usable "
                         "(2024-01-01T00:00:00Z), operator 'Operator Two'"));

        CHECK(c[4].kind == CG_LOGLIST_REMOVED && c[4].new_log == NULL);
        CHECK(has(&c[4], "log 'Gamma'"));
        CHECK(has(&c[4], " removed; it had URL https://gamma.ct.example.invalid/, state "
                         "qualified"));
        CHECK(cg_loglist_change_log(&c[4]) == c[4].old_log);
    }

    /* the same list twice: nothing */
    CHECK(cg_loglist_diff_compute(a, a, &d));
    CHECK(d.n == 0);
    CHECK(cg_loglist_diff_compute(b, b, &d));
    CHECK(d.n == 0);

    /* back again: the reverse changes */
    CHECK(cg_loglist_diff_compute(b, a, &d));
    CHECK(d.n == 5);
    if (d.n == 5) {
        CHECK(d.v[0].kind == CG_LOGLIST_CHANGED && has(&d.v[0], "URL changed from "
                                                                "https://alpha2."));
        /* in the order of the newer list, which is list_a here */
        CHECK(d.v[2].kind == CG_LOGLIST_ADDED && has(&d.v[2], "'Gamma'"));
        CHECK(d.v[3].kind == CG_LOGLIST_CHANGED && has(&d.v[3], "'Delta'"));
        CHECK(d.v[4].kind == CG_LOGLIST_REMOVED && has(&d.v[4], "'Theta'"));
    }

    /* against no list: every log added, or removed */
    CHECK(cg_loglist_diff_compute(NULL, b, &d));
    CHECK(d.n == 5);
    for (size_t i = 0; i < d.n; i++)
        CHECK(d.v[i].kind == CG_LOGLIST_ADDED);
    CHECK(cg_loglist_diff_compute(a, NULL, &d));
    CHECK(d.n == 5);
    for (size_t i = 0; i < d.n; i++)
        CHECK(d.v[i].kind == CG_LOGLIST_REMOVED);
    CHECK(cg_loglist_diff_compute(NULL, NULL, &d));
    CHECK(d.n == 0);

    cg_loglist_diff_clear(&d);
    cg_loglist_free(a);
    cg_loglist_free(b);
}

/* ctgo's test log key and ID, and Let's Encrypt Oak 2023's (loglist_test.c). */
#define KEY_A                                                                                     \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmXg8sUUzwBYaWrRb+V0IopzQ6o3UyEJ04r5ZrRXGdpYM8K+hB0pXrG"  \
    "RLI0eeWz+3skXrS0IO83AhA3GpRL6s6w=="
#define ID_A "3xwuwRUAlFJHqWFoMl3cXHlZ6PfG04j8AC4LvT9012Q="
#define KEY_B                                                                                     \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsz0OeL7jrVxEXJu+o4QWQYLKyokXHiPOOKVUL3/TNFFquVzDSer7kZ"  \
    "3gijxzBp98ZTgRgMSaWgCmZ8OD74mFUQ=="

#define LIST(op, log)                                                                             \
    "{\"operators\":[{\"name\":\"" op "\",\"email\":[],\"logs\":[" log "]}]}"
#define LOG(key, extra)                                                                           \
    "{\"description\":\"L\",\"key\":\"" key "\",\"log_id\":\"" ID_A "\",\"url\":\"https://l/\","  \
    "\"mmd\":86400" extra "}"
#define USABLE ",\"state\":{\"usable\":{\"timestamp\":\"2024-01-01T00:00:00Z\"}}"
#define IV(s, e)                                                                                  \
    ",\"temporal_interval\":{\"start_inclusive\":\"" s "\",\"end_exclusive\":\"" e "\"}"

static void diff_one(const char *old_json, const char *new_json, unsigned fields,
                     const char *text)
{
    cg_loglist *a = load_str(old_json), *b = load_str(new_json);
    cg_loglist_diff d = {0};
    CHECK(cg_loglist_diff_compute(a, b, &d));
    CHECK(d.n == 1);
    if (d.n == 1) {
        CHECK(d.v[0].kind == CG_LOGLIST_CHANGED);
        CHECK(d.v[0].fields == fields);
        CHECK(has(&d.v[0], text));
    }
    cg_loglist_diff_clear(&d);
    cg_loglist_free(a);
    cg_loglist_free(b);
}

static void test_fields(void)
{
    /* temporal interval: changed, added, dropped */
    diff_one(LIST("O", LOG(KEY_A, USABLE IV("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))),
             LIST("O", LOG(KEY_A, USABLE IV("2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"))),
             CG_LOGLIST_F_INTERVAL,
             "log 'L' (log ID " ID_A "): temporal interval changed from "
             "[2026-01-01T00:00:00Z, 2027-01-01T00:00:00Z) to "
             "[2026-01-01T00:00:00Z, 2026-07-01T00:00:00Z)");
    diff_one(LIST("O", LOG(KEY_A, USABLE)),
             LIST("O", LOG(KEY_A, USABLE IV("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))),
             CG_LOGLIST_F_INTERVAL, "temporal interval changed from none to [2026-01-01");
    /* operator */
    diff_one(LIST("Old Operator", LOG(KEY_A, USABLE)), LIST("New Operator", LOG(KEY_A, USABLE)),
             CG_LOGLIST_F_OPERATOR, "operator changed from 'Old Operator' to 'New Operator'");
    /* a state where there was none (crt.sh's lists have none) */
    diff_one(LIST("O", LOG(KEY_A, "")), LIST("O", LOG(KEY_A, USABLE)), CG_LOGLIST_F_STATE,
             "state changed from unknown to usable (2024-01-01T00:00:00Z)");
    /* the key under the same stated log ID */
    diff_one(LIST("O", LOG(KEY_A, USABLE)), LIST("O", LOG(KEY_B, USABLE)), CG_LOGLIST_F_KEY,
             "under the same log ID");
    /* several at once, in one message */
    diff_one(LIST("O", LOG(KEY_A, USABLE)),
             "{\"operators\":[{\"name\":\"P\",\"email\":[],\"logs\":[{\"description\":\"L\","
             "\"key\":\"" KEY_A "\",\"log_id\":\"" ID_A "\",\"url\":\"https://m/\",\"mmd\":60,"
             "\"state\":{\"readonly\":{\"timestamp\":\"2025-01-01T00:00:00Z\","
             "\"final_tree_head\":{\"sha256_root_hash\":\"" ID_A "\",\"tree_size\":5}}}}]}]}",
             CG_LOGLIST_F_URL | CG_LOGLIST_F_STATE | CG_LOGLIST_F_OPERATOR,
             "URL changed from https://l/ to https://m/; state changed from usable "
             "(2024-01-01T00:00:00Z) to readonly (2025-01-01T00:00:00Z); operator changed from "
             "'O' to 'P'");

    /* a tiled log's monitoring URL; the MMD and description alone are no change */
#define TILED(mon, mmd, desc)                                                                     \
    "{\"operators\":[{\"name\":\"O\",\"email\":[],\"logs\":[],\"tiled_logs\":[{\"description\":"  \
    "\"" desc "\",\"key\":\"" KEY_A "\",\"log_id\":\"" ID_A "\",\"submission_url\":\"https://s/\"," \
    "\"monitoring_url\":\"" mon "\",\"mmd\":" mmd USABLE "}]}]}"
    diff_one(TILED("https://m1/", "60", "T"), TILED("https://m2/", "60", "T"), CG_LOGLIST_F_URL,
             "log 'T' (log ID " ID_A "): monitoring URL changed from https://m1/ to https://m2/");
    cg_loglist *a = load_str(TILED("https://m1/", "60", "T"));
    cg_loglist *b = load_str(TILED("https://m1/", "86400", "T renamed"));
    cg_loglist_diff d = {0};
    CHECK(cg_loglist_diff_compute(a, b, &d));
    CHECK(d.n == 0);
    cg_loglist_diff_clear(&d);
    cg_loglist_free(a);
    cg_loglist_free(b);
}

int main(void)
{
    test_files();
    test_fields();
    return cg_test_done();
}
