/* Following a log list (monitor/loglistwatch.h): cg_loglist_follow adds the
 * qualified, usable and readonly logs a monitor does not follow yet (a log
 * followed already keeps its own entry), at the right URL and API, and
 * reports a log it cannot add; the watcher in follow mode takes up a log
 * that becomes usable at a reload and drops one the list retires. Nothing
 * here contacts a log: the monitor is never run. */
#include "ct/loglist.h"
#include "monitor/loglistwatch.h"
#include "monitor/monitor.h"
#include "store/store.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A log key as a list writes it: SPKI and log ID in base64, the raw ID. */
typedef struct key {
    char spki64[256];
    char id64[48];
    uint8_t id[32];
} key;

static int make_key(key *k, const char *alg)
{
    EVP_PKEY *p = strcmp(alg, "ED25519") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                                              : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    unsigned char *der = NULL;
    int len = p != NULL ? i2d_PUBKEY(p, &der) : -1;
    int ok = len > 0 && len < 180;
    if (ok) {
        EVP_EncodeBlock((unsigned char *)k->spki64, der, len);
        ok = EVP_Digest(der, (size_t)len, k->id, NULL, EVP_sha256(), NULL) == 1;
        EVP_EncodeBlock((unsigned char *)k->id64, k->id, 32);
    }
    OPENSSL_free(der);
    EVP_PKEY_free(p);
    return ok;
}

/* One log entry; state NULL: none. A readonly one gets a final tree head. */
static void entry(char *out, size_t cap, const char *desc, const key *k, const char *state,
                  const char *urls)
{
    char st[256] = "";
    if (state != NULL && strcmp(state, "readonly") == 0)
        snprintf(st, sizeof(st),
                 ",\"state\":{\"readonly\":{\"timestamp\":\"2024-01-01T00:00:00Z\","
                 "\"final_tree_head\":{\"sha256_root_hash\":\"%s\",\"tree_size\":3}}}",
                 k->id64);
    else if (state != NULL)
        snprintf(st, sizeof(st), ",\"state\":{\"%s\":{\"timestamp\":\"2024-01-01T00:00:00Z\"}}",
                 state);
    snprintf(out, cap, "{\"description\":\"%s\",\"key\":\"%s\",\"log_id\":\"%s\",\"mmd\":60,%s%s}",
             desc, k->spki64, k->id64, urls, st);
}

static cg_loglist *list_of(const char *logs, const char *tiled)
{
    char json[8192], err[256];
    cg_loglist *ll = cg_loglist_new();
    snprintf(json, sizeof(json),
             "{\"operators\":[{\"name\":\"Op\",\"logs\":[%s],\"tiled_logs\":[%s]}]}", logs, tiled);
    if (ll != NULL &&
        !cg_loglist_load(ll, (const uint8_t *)json, strlen(json), "test.json", err, sizeof(err))) {
        fprintf(stderr, "list: %s\n", err);
        cg_loglist_free(ll);
        return NULL;
    }
    return ll;
}

/* The lines the follower writes, one after another. */
typedef struct lines {
    char text[8192];
    int errors;
} lines;

static void on_line(void *arg, int is_error, const char *msg)
{
    lines *l = arg;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof(l->text) - n, "%s\n", msg);
    l->errors += is_error;
}

static int write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    int ok = f != NULL && fputs(data, f) >= 0;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok;
}

static void test_follow(cg_monitor *m, const key *a, const key *b, const key *c, const key *bad)
{
    char ea[1024], eb[1024], ec[1024], ed[1024], logs[4096];
    lines ln;
    size_t added = 99;
    cg_loglist *ll;

    /* a: usable, explicitly followed first; b: readonly, tiled; c: pending;
     * bad: usable, but an Ed25519 key no CT log can have. */
    entry(ea, sizeof(ea), "A", a, "usable", "\"url\":\"https://a.example/\"");
    entry(eb, sizeof(eb), "B", b, "readonly",
          "\"submission_url\":\"https://b.example/\",\"monitoring_url\":\"https://mb.example/\"");
    entry(ec, sizeof(ec), "C", c, "pending", "\"url\":\"https://c.example/\"");
    snprintf(logs, sizeof(logs), "%s,%s", ea, ec);
    ll = list_of(logs, eb);
    CHECK(ll != NULL);

    cg_monitor_log ml;
    uint8_t der[256];
    int der_len = EVP_DecodeBlock(der, (const unsigned char *)a->spki64, (int)strlen(a->spki64));
    /* EVP_DecodeBlock counts the padding bytes: trim them */
    der_len -= (int)(strlen(a->spki64) - strcspn(a->spki64, "="));
    memset(&ml, 0, sizeof(ml));
    ml.url = "https://explicit.example/";
    ml.key_der = der;
    ml.key_der_len = (size_t)der_len;
    CHECK(cg_monitor_add_log(m, &ml));
    CHECK(cg_monitor_has_log(m, a->id) && !cg_monitor_has_log(m, b->id));

    memset(&ln, 0, sizeof(ln));
    CHECK(cg_loglist_follow(m, ll, on_line, &ln, &added));
    CHECK(added == 1 && ln.errors == 0);
    CHECK(cg_monitor_has_log(m, a->id) && cg_monitor_has_log(m, b->id));
    CHECK(!cg_monitor_has_log(m, c->id));
    CHECK(strstr(ln.text, "log B is readonly in log list test.json: followed at "
                          "https://mb.example/ (static-ct-api)") != NULL);
    CHECK(strstr(ln.text, "log A ") == NULL);
    /* again: nothing new */
    CHECK(cg_loglist_follow(m, ll, NULL, NULL, &added) && added == 0);
    /* retired by hand, it is taken up again: the list still has it */
    CHECK(cg_monitor_retire_log(m, b->id) && !cg_monitor_has_log(m, b->id));
    CHECK(cg_loglist_follow(m, ll, NULL, NULL, &added) && added == 1);
    CHECK(cg_monitor_has_log(m, b->id));
    cg_loglist_free(ll);

    /* a key no CT log can have: reported, skipped, the others still added */
    entry(ed, sizeof(ed), "Bad", bad, "usable", "\"url\":\"https://bad.example/\"");
    entry(ec, sizeof(ec), "C", c, "qualified", "\"url\":\"https://c.example/\"");
    snprintf(logs, sizeof(logs), "%s,%s", ed, ec);
    ll = list_of(logs, "");
    CHECK(ll != NULL);
    memset(&ln, 0, sizeof(ln));
    CHECK(!cg_loglist_follow(m, ll, on_line, &ln, &added));
    CHECK(added == 1 && ln.errors == 1 && cg_monitor_has_log(m, c->id));
    CHECK(strstr(ln.text, "log list test.json: log Bad: not followed: ") != NULL);
    CHECK(strstr(ln.text, "log C is qualified in log list test.json: followed at "
                          "https://c.example/ (RFC 6962)") != NULL);
    CHECK(!cg_monitor_has_log(m, bad->id));
    cg_loglist_free(ll);
    /* no list: nothing */
    CHECK(cg_loglist_follow(m, NULL, NULL, NULL, &added) && added == 0);
}

/* A version of the watched file: logs WA and WB in states sa and sb. */
static int write_version(const char *path, const key *a, const char *sa, const key *b,
                         const char *sb)
{
    char ea[1024], eb[1024], json[4096];
    entry(ea, sizeof(ea), "WA", a, sa, "\"url\":\"https://wa.example/\"");
    entry(eb, sizeof(eb), "WB", b, sb, "\"url\":\"https://wb.example/\"");
    snprintf(json, sizeof(json), "{\"operators\":[{\"name\":\"Op\",\"logs\":[%s,%s]}]}", ea, eb);
    return write_file(path, json);
}

/* The watcher in follow mode over two versions of a file. */
static void test_watch(cg_monitor *m, const key *a, const key *b)
{
    char path[] = "/tmp/cg_llfollow_XXXXXX";
    int fd = mkstemp(path);
    lines ln;
    cg_loglist_watch *w = cg_loglist_watch_new(NULL, on_line, &ln);

    CHECK(fd >= 0 && w != NULL);
    if (fd < 0 || w == NULL) {
        cg_loglist_watch_free(w);
        return;
    }
    close(fd);
    CHECK(cg_loglist_watch_add(w, path, NULL));
    cg_loglist_watch_set_follow(w, 1);

    /* first: a usable, b pending; the SCT checks take the list too */
    CHECK(write_version(path, a, "usable", b, "pending"));
    memset(&ln, 0, sizeof(ln));
    CHECK(cg_monitor_get0_loglist(m) == NULL);
    CHECK(cg_loglist_watch_run(w, m, 1000));
    CHECK(cg_monitor_has_log(m, a->id) && !cg_monitor_has_log(m, b->id));
    CHECK(strstr(ln.text, "log WA is usable") != NULL);
    const cg_loglist *in_use = cg_monitor_get0_loglist(m);
    const cg_log *lb = in_use != NULL ? cg_loglist_find(in_use, b->id) : NULL;
    CHECK(lb != NULL && lb->state == CG_LOG_PENDING);
    /* the same file again: nothing changes, the same list stays in use */
    CHECK(cg_loglist_watch_run(w, m, 1001));
    CHECK(cg_monitor_has_log(m, a->id) && !cg_monitor_has_log(m, b->id));
    CHECK(cg_monitor_get0_loglist(m) == in_use);

    /* then: a retired, b usable */
    CHECK(write_version(path, a, "retired", b, "usable"));
    memset(&ln, 0, sizeof(ln));
    CHECK(cg_loglist_watch_run(w, m, 2000));
    CHECK(!cg_monitor_has_log(m, a->id) && cg_monitor_has_log(m, b->id));
    CHECK(strstr(ln.text, "log WA is no longer usable: finished to its last tree head") != NULL);
    CHECK(strstr(ln.text, "log WB is usable in log list") != NULL);
    CHECK(ln.errors == 0);
    /* ... and the SCT checks know the reloaded list, not only the follower:
     * before, a log a reload added was followed while its SCTs were still
     * judged against the list of the start (ct.sct.unknown_log). */
    in_use = cg_monitor_get0_loglist(m);
    lb = in_use != NULL ? cg_loglist_find(in_use, b->id) : NULL;
    CHECK(lb != NULL && lb->state == CG_LOG_USABLE);
    const cg_log *la = in_use != NULL ? cg_loglist_find(in_use, a->id) : NULL;
    CHECK(la != NULL && la->state == CG_LOG_RETIRED);
    /* a list that no longer loads: the last good one stays in use */
    CHECK(write_file(path, "{\"operators\": ["));
    memset(&ln, 0, sizeof(ln));
    CHECK(!cg_loglist_watch_run(w, m, 3000));
    CHECK(ln.errors == 1 && cg_monitor_get0_loglist(m) == in_use);

    cg_loglist_watch_free(w);
    unlink(path);
}

int main(void)
{
    char path[] = "/tmp/cg_llfollow_db_XXXXXX", err[512];
    int fd = mkstemp(path);
    key a, b, c, d, bad;
    cg_monitor_opts mo;
    cg_store *s;
    cg_monitor *m, *m2;

    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    CHECK(make_key(&a, "EC") && make_key(&b, "EC") && make_key(&c, "EC") && make_key(&d, "EC"));
    CHECK(make_key(&bad, "ED25519"));
    s = cg_store_open(path, CG_STORE_CREATE, NULL, err, sizeof(err));
    CHECK(s != NULL);
    if (s == NULL)
        return cg_test_done();
    memset(&mo, 0, sizeof(mo));
    mo.quiet = 1;
    m = cg_monitor_new(s, &mo, err, sizeof(err));
    m2 = cg_monitor_new(s, &mo, err, sizeof(err));
    CHECK(m != NULL && m2 != NULL);
    if (m != NULL && m2 != NULL) {
        test_follow(m, &a, &b, &c, &bad);
        test_watch(m2, &c, &d);
    }
    cg_monitor_free(m);
    cg_monitor_free(m2);
    cg_store_close(s);
    unlink(path);
    return cg_test_done();
}
