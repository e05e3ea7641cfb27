/* monitor/crlwatch: the CRL watcher against a server in a thread of this
 * test (crlhttp.h) serving the tests/data/crl2 CRLs of CA C1 as they
 * rotate, at chosen fetch times: a new CRL (revocations first seen at the
 * fetch time), a 304 (nothing ingested, last fetch moved), a successor, a
 * CRL that drops a serial early (revocation.removed_before_expiry), one
 * that backdates (revocation.backdated), one whose number goes down, a
 * stale CRL (crl.stale once), a truncated body (input.malformed, the next
 * URL still fetched), a body over the size limit (nothing stored), too many
 * redirects, a partitioned list good and bad, an open incident whose
 * certificate is revoked by a new CRL, and a CRL URL that keeps failing
 * (crl.unreachable after the grace, an error once its CRL is past
 * nextUpdate, resolved when it answers, new again at the next outage), and
 * the BR profile's CRL rule on by default and off when asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crlhttp.h"
#include "incident/certs.h"
#include "monitor/crlwatch.h"
#include "store/ingest.h"
#include "store/store.h"
#include "testutil.h"
#include "x509/x509.h"

#define T0 1704067200 /* 2024-01-01T00:00:00Z, thisUpdate of c1_good.pem */
#define HOUR 3600
#define DAY 86400

static crlhttp srv;
static char tmpdir[256];
static int n_stores;

typedef struct seen {
    int n;
    cg_rule_id rule[256];
    cg_severity sev[256];
    char file[256][128];
} seen;

static seen found;

static void sink(void *arg, const cg_finding *f)
{
    (void)arg;
    if (found.n < 256) {
        found.rule[found.n] = f->rule;
        found.sev[found.n] = cg_finding_severity(f);
        snprintf(found.file[found.n], sizeof(found.file[0]), "%.127s",
                 f->obj->file != NULL ? f->obj->file : "");
    }
    found.n++;
}

static int count(cg_rule_id rule)
{
    int n = 0;
    for (int i = 0; i < found.n && i < 256; i++)
        n += found.rule[i] == rule;
    return n;
}

static char logged[8192];

static void logfn(void *arg, int is_error, const char *url, const char *msg)
{
    (void)arg;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof(logged) - n, "%s %s: %s\n", is_error ? "E" : "I",
             url != NULL ? url : "-", msg);
}

static uint8_t *file(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), "crl2/%s", name);
    uint8_t *p = cg_test_read(path, len);
    CHECK(p != NULL);
    return p;
}

static void serve(const char *as, const char *name)
{
    size_t len;
    uint8_t *p = file(name, &len);
    crlhttp_set(&srv, as, p, len);
    free(p);
}

static void ingest(cg_store *s, const char *name, int64_t at)
{
    size_t len;
    uint8_t *p = file(name, &len);
    cg_ingest_opts o = {at, at, NULL};
    cg_ingest *ing = cg_ingest_new(s, &o, NULL, NULL);
    char err[256];
    CHECK(cg_ingest_file(ing, name, p, len, err, sizeof(err)));
    cg_ingest_free(ing);
    free(p);
}

static cg_store *new_store(void)
{
    char path[512];
    cg_store_status st;
    char err[256];
    snprintf(path, sizeof(path), "%s/s%d.db", tmpdir, n_stores++);
    cg_store *s = cg_store_open(path, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s != NULL);
    ingest(s, "root.pem", T0 - DAY);
    ingest(s, "ca1.pem", T0 - DAY);
    ingest(s, "leaves.pem", T0 - DAY);
    return s;
}

static cg_crlwatch *new_watch(cg_store *s, const cg_crlwatch_opts *o, const char *path)
{
    size_t len;
    uint8_t *ca = cg_test_read_der("crl2/ca1.pem", &len);
    char err[256], url[256];
    cg_crlwatch *w = cg_crlwatch_new(s, o, sink, NULL);
    CHECK(w != NULL);
    cg_crlwatch_set_log(w, logfn, NULL);
    CHECK(cg_crlwatch_add_issuer(w, ca, len, "c1", 0, err, sizeof(err)) == 0);
    free(ca);
    if (path != NULL) {
        crlhttp_url(&srv, path, url, sizeof(url));
        CHECK(cg_crlwatch_add_url(w, 0, url, 0, err, sizeof(err)));
    }
    memset(&found, 0, sizeof(found));
    logged[0] = '\0';
    return w;
}

static int run(cg_crlwatch *w, int64_t now)
{
    char err[256];
    int ok = cg_crlwatch_run(w, now, err, sizeof(err));
    if (!ok)
        fprintf(stderr, "round failed: %s\n", err);
    return ok;
}

static cg_store_crl_source source(cg_store *s, const char *path)
{
    cg_store_crl_source src;
    char url[256];
    int f = 0;
    memset(&src, 0, sizeof(src));
    crlhttp_url(&srv, path, url, sizeof(url));
    CHECK(cg_store_crl_source_get(s, url, &src, &f) && f);
    return src;
}

/* C1's subject Name bytes: the issuer of its CRLs. */
static uint8_t c1_name[512];
static size_t c1_name_len;

/* When serial 5ca90a2de7b14c3f0000xxxx (make_crl_vectors.py serial()) was
 * first seen revoked. */
static int64_t first_seen(cg_store *s, uint16_t serial)
{
    uint8_t ser[12] = {
        0x5c,           0xa9, 0x0a, 0x2d, 0xe7, 0xb1, 0x4c, 0x3f, 0, 0, (uint8_t)(serial >> 8),
        (uint8_t)serial};
    cg_store_revocation rv;
    int f = 0;
    CHECK(cg_store_revocation_lookup(s, c1_name, c1_name_len, ser, sizeof(ser), &rv, &f));
    return f ? rv.first_seen : -1;
}

static int64_t objects(cg_store *s)
{
    int64_t n = -1;
    CHECK(cg_store_count_objects(s, &n));
    return n;
}

static void test_rotation(void)
{
    cg_store *s = new_store();
    cg_crlwatch *w = new_watch(s, NULL, "/f/rot.crl");
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);

    serve("rot.crl", "c1_good.pem");
    CHECK(run(w, T0 + HOUR));
    CHECK(st->fetches == 1 && st->new_crls == 1 && st->errors == 0);
    cg_store_crl_source src = source(s, "/f/rot.crl");
    CHECK(src.has_crl && src.this_update == T0 && src.next_update == T0 + 7 * DAY);
    CHECK(src.entries == 2);
    CHECK(src.last_fetch == T0 + HOUR && src.last_change == T0 + HOUR);
    CHECK(src.http_code == 200 && strcmp(src.status, "200 new CRL") == 0);
    CHECK(strcmp(src.etag, "\"v1\"") == 0 && src.failures == 0);
    CHECK(strcmp(src.issuer_label, "c1") == 0 && strcmp(src.origin, "config") == 0);
    CHECK(first_seen(s, 0x1002) == T0 + HOUR); /* published when first fetched */
    CHECK(strstr(logged, "new CRL: thisUpdate 2024-01-01T00:00:00Z, 2 entries") != NULL);
    int64_t n_obj = objects(s);

    /* unchanged: a 304, nothing ingested, the fetch recorded */
    unsigned n304 = srv.answered_304;
    CHECK(run(w, T0 + 2 * HOUR));
    CHECK(srv.answered_304 == n304 + 1);
    CHECK(strcmp(srv.last_inm, "\"v1\"") == 0);
    CHECK(st->new_crls == 1 && st->unchanged == 1);
    src = source(s, "/f/rot.crl");
    CHECK(src.last_fetch == T0 + 2 * HOUR && src.last_change == T0 + HOUR);
    CHECK(src.http_code == 304 && strcmp(src.status, "304 not modified") == 0);
    CHECK(objects(s) == n_obj);

    /* the successor: 0x1004 revoked, first seen at this fetch */
    serve("rot.crl", "c1_next.pem");
    found.n = 0;
    CHECK(run(w, T0 + DAY + HOUR));
    CHECK(st->new_crls == 2);
    src = source(s, "/f/rot.crl");
    CHECK(src.this_update == T0 + DAY && src.entries == 3 && strcmp(src.etag, "\"v2\"") == 0);
    CHECK(first_seen(s, 0x1004) == T0 + DAY + HOUR);
    CHECK(first_seen(s, 0x1002) == T0 + HOUR);
    CHECK(count(CG_R_CRL_NUMBER_NOT_INCREASING) == 0);
    CHECK(count(CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY) == 0);
    CHECK(count(CG_R_CRL_STALE) == 0);

    /* a CRL that shrinks: 0x1002 and 0x1004 dropped while still valid */
    serve("rot.crl", "c1_removed.pem");
    found.n = 0;
    CHECK(run(w, T0 + DAY + 2 * HOUR));
    CHECK(st->new_crls == 3);
    CHECK(count(CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY) >= 1);

    /* the number goes down */
    serve("rot.crl", "c1_number_down.pem");
    found.n = 0;
    CHECK(run(w, T0 + DAY + 3 * HOUR));
    CHECK(count(CG_R_CRL_NUMBER_NOT_INCREASING) >= 1);
    for (int i = 0; i < found.n && i < 256; i++) {
        if (found.rule[i] == CG_R_CRL_NUMBER_NOT_INCREASING)
            CHECK(strstr(found.file[i], "/f/rot.crl") != NULL);
    }
    cg_crlwatch_free(w);
    cg_store_close(s);
}

static void test_backdated_and_stale(void)
{
    cg_store *s = new_store();
    cg_crlwatch *w = new_watch(s, NULL, "/f/bd.crl");
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);
    serve("bd.crl", "c1_good.pem");
    CHECK(run(w, T0 + HOUR));
    serve("bd.crl", "c1_backdated.pem");
    CHECK(run(w, T0 + DAY + HOUR));
    CHECK(count(CG_R_REVOCATION_BACKDATED) >= 1);
    CHECK(count(CG_R_CRL_STALE) == 0);

    /* no newer CRL after nextUpdate (T0 + 8 days): stale, once */
    CHECK(run(w, T0 + 8 * DAY + HOUR));
    CHECK(count(CG_R_CRL_STALE) == 1);
    CHECK(st->stale == 1);
    CHECK(run(w, T0 + 9 * DAY));
    CHECK(count(CG_R_CRL_STALE) == 1);
    CHECK(st->stale == 1);
    cg_store_crl_source src = source(s, "/f/bd.crl");
    CHECK(src.last_fetch == T0 + 9 * DAY && src.http_code == 304);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

/* The endpoint goes away after a good CRL: errors, and crl.stale all the
 * same once nextUpdate passes. */
static void test_dead_endpoint_stale(void)
{
    cg_store *s = new_store();
    cg_crlwatch *w = new_watch(s, NULL, "/f/dead.crl");
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);
    serve("dead.crl", "c1_good.pem");
    CHECK(run(w, T0 + HOUR));
    crlhttp_remove(&srv, "dead.crl");
    CHECK(run(w, T0 + 2 * DAY));
    CHECK(st->errors == 1 && st->stale == 0);
    cg_store_crl_source src = source(s, "/f/dead.crl");
    CHECK(src.http_code == 404 && strcmp(src.status, "HTTP error: HTTP status 404") == 0);
    CHECK(src.failures == 1 && src.has_crl && src.this_update == T0);
    CHECK(strstr(logged, "/f/dead.crl: HTTP error: HTTP status 404 (failure 1 in a row)") != NULL);
    found.n = 0;
    CHECK(run(w, T0 + 8 * DAY + 1));
    CHECK(st->errors == 2 && st->stale == 1);
    CHECK(count(CG_R_CRL_STALE) == 1);
    src = source(s, "/f/dead.crl");
    CHECK(src.failures == 2);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

/* The stored crl.unreachable findings: how many, the open one's severity. */
typedef struct unreach {
    int n, open;
    cg_severity sev;
    int64_t first_seen;
    char message[600];
} unreach;

static int unreach_fn(void *arg, const cg_store_finding *f)
{
    unreach *u = arg;
    u->n++;
    if (!f->resolved) {
        u->open++;
        u->sev = f->severity;
        u->first_seen = f->first_seen;
        snprintf(u->message, sizeof(u->message), "%s", f->message);
    }
    return 1;
}

static unreach stored_unreachable(cg_store *s)
{
    unreach u;
    cg_store_finding_filter flt;
    memset(&u, 0, sizeof(u));
    memset(&flt, 0, sizeof(flt));
    flt.rule = "crl.unreachable";
    CHECK(cg_store_findings(s, &flt, unreach_fn, &u));
    return u;
}

/* A CRL URL that keeps failing: nothing within the grace; crl.unreachable
 * (warning) once it has failed for it, once; an error, alerted anew, once
 * the last CRL fetched from it is past its nextUpdate; resolved when it
 * answers; a new finding at the next outage. A URL that never served a CRL
 * gets it on its CA. */
static void test_unreachable(void)
{
    cg_store *s = new_store();
    cg_crlwatch *w = new_watch(s, NULL, "/f/flaky.crl");
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);
    unreach u;
    serve("flaky.crl", "c1_good.pem");
    CHECK(run(w, T0 + HOUR));
    crlhttp_remove(&srv, "flaky.crl");
    int64_t t1 = T0 + 2 * DAY;
    CHECK(run(w, t1));
    CHECK(source(s, "/f/flaky.crl").failing_since == t1);
    CHECK(run(w, t1 + HOUR / 2));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 0 && stored_unreachable(s).n == 0);
    CHECK(source(s, "/f/flaky.crl").failing_since == t1);
    /* the grace (3600 s by default) has passed */
    CHECK(run(w, t1 + HOUR));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 1 && st->unreachable == 1);
    CHECK(found.sev[found.n - 1] == CG_SEV_WARNING);
    u = stored_unreachable(s);
    CHECK(u.n == 1 && u.open == 1 && u.sev == CG_SEV_WARNING && u.first_seen == t1 + HOUR);
    CHECK(strstr(u.message, "has served no CRL since 2024-01-03T00:00:00Z (1h") != NULL);
    CHECK(strstr(u.message, "3 fetches in a row; the last: HTTP error: HTTP status 404") != NULL);
    CHECK(strstr(u.message, "is current until its nextUpdate") != NULL);
    /* still failing: the same finding, not reported again */
    CHECK(run(w, t1 + 2 * HOUR));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 1 && stored_unreachable(s).n == 1);
    /* past the CRL's nextUpdate: an error, reported as a new finding */
    CHECK(run(w, T0 + 8 * DAY + 1));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 2 && found.sev[found.n - 1] == CG_SEV_ERROR);
    u = stored_unreachable(s);
    CHECK(u.n == 1 && u.open == 1 && u.sev == CG_SEV_ERROR);
    CHECK(strstr(u.message, "expired at its nextUpdate") != NULL);
    CHECK(run(w, T0 + 8 * DAY + HOUR));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 2);
    /* it answers again: resolved, failing_since cleared */
    serve("flaky.crl", "c1_good.pem");
    CHECK(run(w, T0 + 9 * DAY));
    u = stored_unreachable(s);
    CHECK(u.n == 1 && u.open == 0);
    CHECK(source(s, "/f/flaky.crl").failing_since == 0);
    CHECK(strstr(logged, "answers again: crl.unreachable resolved") != NULL);
    /* the next outage is a new finding (reopened), alerted */
    crlhttp_remove(&srv, "flaky.crl");
    CHECK(run(w, T0 + 10 * DAY));
    CHECK(run(w, T0 + 10 * DAY + HOUR));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 3);
    u = stored_unreachable(s);
    CHECK(u.open == 1 && u.sev == CG_SEV_ERROR);
    cg_crlwatch_free(w);
    cg_store_close(s);

    /* A URL that never served a CRL, and a shorter grace: on the CA. */
    s = new_store();
    cg_crlwatch_opts o;
    cg_crlwatch_opts_default(&o);
    o.unreachable_after = 600;
    w = new_watch(s, &o, "/f/never.crl");
    CHECK(run(w, T0));
    CHECK(run(w, T0 + 599));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 0);
    CHECK(run(w, T0 + 600));
    CHECK(count(CG_R_CRL_UNREACHABLE) == 1 && found.sev[found.n - 1] == CG_SEV_WARNING);
    u = stored_unreachable(s);
    CHECK(u.open == 1 && u.sev == CG_SEV_WARNING);
    CHECK(strstr(u.message, "has served no CRL since") != NULL &&
          strstr(u.message, "expired") == NULL);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

static void test_malformed_and_limits(void)
{
    cg_store *s = new_store();
    cg_crlwatch_opts o;
    cg_crlwatch_opts_default(&o);
    o.fetch.max_size = 1000; /* c1_good.pem (PEM, 837 bytes) fits, big.crl does not */
    cg_crlwatch *w = new_watch(s, &o, "/f/trunc.crl");
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);
    char err[256], url[256];
    crlhttp_url(&srv, "/f/big.crl", url, sizeof(url));
    CHECK(cg_crlwatch_add_url(w, 0, url, 0, err, sizeof(err)));
    crlhttp_url(&srv, "/r/4/ok.crl", url, sizeof(url));
    CHECK(cg_crlwatch_add_url(w, 0, url, 0, err, sizeof(err)));
    crlhttp_url(&srv, "/f/ok.crl", url, sizeof(url));
    CHECK(cg_crlwatch_add_url(w, 0, url, 0, err, sizeof(err)));

    size_t len;
    uint8_t *der = cg_test_read_der("crl2/c1_good.pem", &len);
    CHECK(len > 300);
    crlhttp_set(&srv, "trunc.crl", der, len / 2);
    free(der);
    uint8_t *big = calloc(1, 4096);
    crlhttp_set(&srv, "big.crl", big, 4096);
    free(big);
    serve("ok.crl", "c1_good.pem");
    int64_t n_obj = objects(s);

    CHECK(run(w, T0 + HOUR));
    CHECK(st->fetches == 4);
    CHECK(count(CG_R_INPUT_MALFORMED) == 1);
    CHECK(st->new_crls == 1); /* ok.crl, after the failures */
    CHECK(st->errors == 3);
    cg_store_crl_source src = source(s, "/f/trunc.crl");
    CHECK(strncmp(src.status, "malformed", 9) == 0 && src.failures == 1 && !src.has_crl);
    src = source(s, "/f/big.crl");
    CHECK(strncmp(src.status, "too large", 9) == 0 && src.failures == 1 && !src.has_body);
    CHECK(strstr(src.status, "limit of 1000 bytes") != NULL);
    src = source(s, "/r/4/ok.crl");
    CHECK(strncmp(src.status, "too many redirects", 18) == 0);
    src = source(s, "/f/ok.crl");
    CHECK(src.has_crl && src.entries == 2);
    CHECK(objects(s) == n_obj + 1); /* the good CRL only */
    CHECK(strstr(logged, "/f/big.crl: too large") != NULL);

    /* again: the same bad bytes are not reported twice; failures count up */
    found.n = 0;
    CHECK(run(w, T0 + 2 * HOUR));
    CHECK(count(CG_R_INPUT_MALFORMED) == 0);
    src = source(s, "/f/trunc.crl");
    CHECK(strncmp(src.status, "malformed (unchanged)", 21) == 0 && src.failures == 2);
    src = source(s, "/f/big.crl");
    CHECK(src.failures == 2);
    /* fixed: the endpoint serves a good CRL */
    serve("trunc.crl", "c1_good.pem");
    CHECK(run(w, T0 + 3 * HOUR));
    src = source(s, "/f/trunc.crl");
    CHECK(strcmp(src.status, "200 unchanged (same CRL)") == 0 ||
          strcmp(src.status, "200 new CRL") == 0);
    CHECK(src.failures == 0 && src.has_crl);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

static void test_list(void)
{
    cg_store *s = new_store();
    cg_crlwatch *w = new_watch(s, NULL, NULL);
    const cg_crlwatch_stats *st = cg_crlwatch_get0_stats(w);
    char err[256], url[256], json[1024], u1[256], u2[256];
    crlhttp_url(&srv, "/f/p1.crl", u1, sizeof(u1));
    crlhttp_url(&srv, "/f/p2.crl", u2, sizeof(u2));
    snprintf(json, sizeof(json), "[\"%s\", \"%s\"]", u1, u2);
    crlhttp_set(&srv, "list.json", (const uint8_t *)json, strlen(json));
    serve("p1.crl", "c1_good.pem");
    serve("p2.crl", "root_300d.pem");
    crlhttp_url(&srv, "/f/list.json", url, sizeof(url));
    CHECK(cg_crlwatch_add_url(w, 0, url, 1, err, sizeof(err)));
    CHECK(run(w, T0 + HOUR));
    CHECK(st->fetches == 3 && st->new_crls == 2 && st->errors == 0);
    cg_store_crl_source src = source(s, "/f/list.json");
    CHECK(src.is_list && strcmp(src.status, "200 list of 2 CRL URLs") == 0);
    src = source(s, "/f/p1.crl");
    CHECK(strcmp(src.origin, "list") == 0 && src.has_crl);
    src = source(s, "/f/p2.crl");
    CHECK(src.has_crl && src.entries == 1);

    /* 304 for the list: its URLs are fetched all the same */
    CHECK(run(w, T0 + 2 * HOUR));
    CHECK(st->fetches == 6 && st->unchanged == 3);

    /* a list that no longer parses: an error; the last good URLs go on */
    crlhttp_set(&srv, "list.json", (const uint8_t *)"[\"http://a", 10);
    CHECK(run(w, T0 + 3 * HOUR));
    CHECK(st->fetches == 9 && st->errors == 1);
    src = source(s, "/f/list.json");
    CHECK(strncmp(src.status, "malformed: not a JSON array", 27) == 0 && src.failures == 1);
    CHECK(strstr(logged, "the URLs of the last good list are fetched") != NULL);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

static void test_incident(void)
{
    cg_store *s = new_store();
    size_t len;
    uint8_t *leaves = file("leaves.pem", &len);
    cg_incident inc;
    char err[256];
    memset(&inc, 0, sizeof(inc));
    inc.kind = strdup("misissuance");
    inc.reported_at = T0;
    CHECK(cg_incident_add_certs(&inc, "leaves.pem", leaves, len, err, sizeof(err)));
    free(leaves);
    CHECK(cg_store_incident_create(s, &inc));
    int64_t id = inc.id;
    cg_incident_clear(&inc);

    cg_crlwatch *w = new_watch(s, NULL, "/f/inc.crl");
    serve("inc.crl", "c1_good.pem");
    CHECK(run(w, T0 + HOUR));
    serve("inc.crl", "c1_next.pem");
    CHECK(run(w, T0 + DAY + HOUR));
    CHECK(cg_crlwatch_get0_stats(w)->incident_certs == 2);

    /* the stored rows (not only a fresh observation) say it */
    int f = 0, saw_1002 = 0, saw_1004 = 0;
    memset(&inc, 0, sizeof(inc));
    CHECK(cg_store_incident_get(s, id, &inc, &f) && f);
    for (size_t i = 0; i < inc.n_certs; i++) {
        const cg_incident_cert *c = &inc.certs[i];
        if (strcmp(c->serial_hex, "5ca90a2de7b14c3f00001002") == 0) {
            saw_1002 = 1;
            CHECK(c->revoked && c->published_at == T0 + HOUR && c->reason == 1);
        } else if (strcmp(c->serial_hex, "5ca90a2de7b14c3f00001004") == 0) {
            saw_1004 = 1;
            CHECK(c->revoked && c->published_at == T0 + DAY + HOUR && c->reason == 4);
        } else {
            CHECK(!c->revoked);
        }
    }
    CHECK(saw_1002 && saw_1004);
    CHECK(strstr(logged, "serial 5ca90a2de7b14c3f00001004 first seen revoked on a CRL at "
                         "2024-01-02T01:00:00Z") != NULL);
    cg_incident_clear(&inc);
    cg_crlwatch_free(w);
    cg_store_close(s);
}

/* The TLS BR profile's CRL rule runs on the CRLs fetched unless the
 * watcher's options turn it off (monitor --no-br-profile): C1's CRL with
 * both its AlgorithmIdentifiers made sha224WithRSAEncryption (the same
 * length; the signature no longer verifies, which is found either way). */
static void test_br_profile(void)
{
    static const uint8_t sha256_rsa[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                         0xf7, 0x0d, 0x01, 0x01, 0x0b};
    size_t len, patched = 0;
    uint8_t *der = cg_test_read_der("crl2/c1_good.pem", &len);
    CHECK(der != NULL);
    for (size_t i = 0; der != NULL && i + sizeof(sha256_rsa) <= len; i++) {
        if (memcmp(der + i, sha256_rsa, sizeof(sha256_rsa)) == 0) {
            der[i + sizeof(sha256_rsa) - 1] = 0x0e; /* 1.2.840.113549.1.1.14 */
            patched++;
        }
    }
    CHECK(patched == 2);
    crlhttp_set(&srv, "sha224.crl", der, len);
    free(der);
    for (int on = 0; on <= 1; on++) {
        cg_crlwatch_opts o;
        cg_crlwatch_opts_default(&o);
        o.br_profile = 0;
        cg_store *s = new_store();
        /* on: the defaults (NULL) */
        cg_crlwatch *w = new_watch(s, on ? NULL : &o, "/f/sha224.crl");
        CHECK(run(w, T0 + HOUR));
        CHECK(cg_crlwatch_get0_stats(w)->new_crls == 1);
        CHECK(count(CG_R_CRL_ALGORITHM_INVALID) == on);
        CHECK(found.n > on);
        cg_crlwatch_free(w);
        cg_store_close(s);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/caguard-crlwatch-test-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    CHECK(crlhttp_start(&srv));
    size_t len;
    uint8_t *ca = cg_test_read_der("crl2/ca1.pem", &len);
    cg_cert cert;
    cg_der_error derr;
    CHECK(ca != NULL && cg_cert_parse(&cert, ca, len, &derr));
    memcpy(c1_name, cert.subject.data, cert.subject.len);
    c1_name_len = cert.subject.len;
    free(ca);

    test_rotation();
    test_backdated_and_stale();
    test_dead_endpoint_stale();
    test_unreachable();
    test_malformed_and_limits();
    test_list();
    test_incident();
    test_br_profile();
    crlhttp_stop(&srv);
    if (cg_test_failures == 0) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    } else {
        fprintf(stderr, "store files kept in %s\n", tmpdir);
    }
    return cg_test_done();
}
