/* store/ingest.c through its library interface: objects reported after the
 * commit, new findings to the sink (repeats not), findings on a stored
 * object named as first ingested, stats. */
#include "ct/loglist.h"
#include "rules/engine.h"
#include "store/ingest.h"
#include "store/store.h"
#include "testutil.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AT 1687219200 /* 2023-06-20T00:00:00Z */

typedef struct seen {
    size_t n;
    char der_msg[256];   /* the last der.noncanonical finding's message */
    uint8_t der_sha[32]; /* and its object's SHA-256 */
    char rule[16][64];
    char file[16][256];
    size_t index[16];
    cg_kind kind[16];
} seen;

static void sink(void *arg, const cg_finding *f)
{
    seen *s = arg;
    if (s->n < 16) {
        snprintf(s->rule[s->n], sizeof(s->rule[0]), "%s", cg_rule_get(f->rule)->id);
        snprintf(s->file[s->n], sizeof(s->file[0]), "%s", f->obj->file ? f->obj->file : "");
        s->index[s->n] = f->obj->index;
        s->kind[s->n] = f->obj->kind;
    }
    if (f->rule == CG_R_DER_NONCANONICAL) {
        snprintf(s->der_msg, sizeof(s->der_msg), "%s", f->message);
        memcpy(s->der_sha, f->obj->sha256, 32);
    }
    s->n++;
}

static int has_rule(const seen *s, const char *rule, const char *file)
{
    for (size_t i = 0; i < s->n && i < 16; i++) {
        if (strcmp(s->rule[i], rule) == 0 && (file == NULL || strcmp(s->file[i], file) == 0))
            return 1;
    }
    return 0;
}

typedef struct objs {
    size_t n, n_new;
    cg_kind kind[8];
    size_t index[8];
    uint8_t sha256[8][32];
} objs;

static void on_object(void *arg, const uint8_t sha256[32], cg_kind kind, size_t index, int is_new)
{
    objs *o = arg;
    if (o->n < 8) {
        o->kind[o->n] = kind;
        o->index[o->n] = index;
        memcpy(o->sha256[o->n], sha256, 32);
    }
    o->n++;
    o->n_new += (size_t)is_new;
}

static int ingest(cg_ingest *ing, const char *name, const char *path)
{
    size_t len;
    char err[512];
    uint8_t *data = cg_test_read(path, &len);
    int ok = data != NULL && cg_ingest_file(ing, name, data, len, err, sizeof(err));
    if (data != NULL && !ok)
        fprintf(stderr, "ingest %s: %s\n", name, err);
    free(data);
    return ok;
}

/* A new store for one part of the test: a file in dir, or a schema of its
 * own in the PostgreSQL database pg (NULL: SQLite). */
static void fresh_store(const char *pg, const char *dir, const char *tag, char *uri, size_t cap)
{
    if (pg != NULL) {
        char name[64];
        snprintf(name, sizeof(name), "cgingest_%d_%s", (int)getpid(), tag);
        CHECK(cg_test_pg_schema(pg, name, uri, cap));
    } else {
        snprintf(uri, cap, "sqlite:%s/%s.db", dir, tag);
    }
}

/* A fresh store (tag), and an ingest on it joined to a transaction begun
 * there; its findings into *s. */
static cg_ingest *joined_on_fresh(const char *pg, const char *dir, const char *tag,
                                  const cg_ingest_opts *opts, seen *s, cg_store **store)
{
    char uri[800], err[512];
    cg_store_status st;
    fresh_store(pg, dir, tag, uri, sizeof(uri));
    *store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(*store != NULL);
    memset(s, 0, sizeof(*s));
    cg_ingest *ing = cg_ingest_new(*store, opts, sink, s);
    CHECK(cg_store_begin(*store));
    cg_ingest_join(ing);
    return ing;
}

/* A DER file whose object is written with a length that is not minimal
 * (BER), two bytes after it: the object named by the SHA-256 of its own
 * bytes and both reported as checking the file alone reports them (the
 * checker takes what storing the object worked out: cg_ctx.known). */
static void test_der_file(const char *pg, const char *dir, const cg_ingest_opts *opts)
{
    size_t l2 = 0;
    uint8_t *pre = cg_test_read_der("le2023/bad/precert.pem", &l2);
    uint8_t *buf = pre != NULL ? malloc(l2 + 3) : NULL;
    CHECK(buf != NULL && pre[0] == 0x30 && pre[1] == 0x82);
    if (buf == NULL || pre[1] != 0x82) {
        free(pre);
        free(buf);
        return;
    }
    size_t total = l2 + 3;
    buf[0] = 0x30;
    buf[1] = 0x83;
    buf[2] = 0x00;
    memcpy(buf + 3, pre + 2, l2 - 2);
    buf[l2 + 1] = 0x05; /* trailing: a NULL */
    buf[l2 + 2] = 0x00;

    seen checked;
    cg_ctx ctx;
    cg_file_result res;
    memset(&checked, 0, sizeof(checked));
    cg_ctx_init(&ctx, AT, sink, &checked);
    cg_check_file(&ctx, "bundle.der", buf, total, &res);
    CHECK(res.objects == 1 && checked.der_msg[0] != '\0');
    CHECK(has_rule(&checked, "input.trailing_data", "bundle.der"));

    char uri[800], err[512];
    cg_store_status st;
    seen s;
    objs o;
    uint8_t h[32];
    memset(&s, 0, sizeof(s));
    memset(&o, 0, sizeof(o));
    fresh_store(pg, dir, "k", uri, sizeof(uri));
    cg_store *store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    cg_ingest *ing = store != NULL ? cg_ingest_new(store, opts, sink, &s) : NULL;
    CHECK(ing != NULL);
    if (ing != NULL) {
        cg_ingest_set_object_fn(ing, on_object, &o);
        CHECK(cg_ingest_file(ing, "bundle.der", buf, total, err, sizeof(err)));
        CHECK(o.n == 1 && o.index[0] == 0);
        CHECK(SHA256(buf, l2 + 1, h) != NULL && memcmp(o.sha256[0], h, 32) == 0);
        CHECK(memcmp(s.der_sha, h, 32) == 0 && memcmp(checked.der_sha, h, 32) == 0);
        CHECK(has_rule(&s, "input.trailing_data", "bundle.der"));
        CHECK(strcmp(s.der_msg, checked.der_msg) == 0);
        CHECK(strstr(s.der_msg, "bundle.der, object 0, DER byte offset 0") != NULL);
    }
    cg_ingest_free(ing);
    cg_store_close(store);
    free(pre);
    free(buf);
}

/* ingest_test              on SQLite files
 * ingest_test pg-from-env  on the PostgreSQL database of CAGUARD_TEST_PG_URI
 *                          (skipped, 77, when it is unset) */
int main(int argc, char **argv)
{
    char dir[] = "/tmp/caguard-ingest-test-XXXXXX", uri[800];
    cg_store_status st;
    char err[512];
    seen s;
    objs o;
    const char *pg = NULL;
    if (argc > 1 && strcmp(argv[1], "pg-from-env") == 0) {
        pg = cg_test_pg_uri();
        if (pg == NULL)
            return 77;
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    fresh_store(pg, dir, "s", uri, sizeof(uri));
    cg_store *store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(store != NULL);
    if (store == NULL)
        return cg_test_done();
    cg_ingest_opts opts = {AT, AT, NULL};
    memset(&s, 0, sizeof(s));
    memset(&o, 0, sizeof(o));
    cg_ingest *ing = cg_ingest_new(store, &opts, sink, &s);
    CHECK(ing != NULL);
    cg_ingest_set_object_fn(ing, on_object, &o);

    /* The CA and the precertificate: stored, reported, nothing found. */
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "pre.pem", "le2023/bad/precert.pem"));
    CHECK(o.n == 2 && o.n_new == 2);
    CHECK(o.kind[0] == CG_KIND_CERT && o.kind[1] == CG_KIND_PRECERT && o.index[1] == 0);
    CHECK(!has_rule(&s, "ct.pair.tbs_mismatch", NULL));

    /* The final certificate: checked against the stored precertificate. */
    memset(&s, 0, sizeof(s));
    CHECK(ingest(ing, "final.pem", "le2023/bad/final.pem"));
    CHECK(has_rule(&s, "ct.pair.tbs_mismatch", "final.pem"));
    const cg_ingest_stats *stats = cg_ingest_get0_stats(ing);
    CHECK(stats->files == 3 && stats->objects == 3 && stats->new_objects == 3);
    CHECK(stats->new_findings[CG_SEV_ERROR] >= 1 && stats->malformed == 0);

    /* Again: every finding a repeat, none to the sink; the object is
     * reported as not new. */
    memset(&s, 0, sizeof(s));
    size_t repeated = stats->repeated;
    CHECK(ingest(ing, "final-again.pem", "le2023/bad/final.pem"));
    CHECK(s.n == 0);
    CHECK(stats->repeated > repeated);
    CHECK(o.n == 4 && o.n_new == 3);
    cg_ingest_free(ing);

    /* The precertificate as the new object: the pair finding is about the
     * stored final certificate, named as it was first ingested. */
    cg_store_close(store);
    fresh_store(pg, dir, "t", uri, sizeof(uri));
    store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(store != NULL);
    memset(&s, 0, sizeof(s));
    ing = cg_ingest_new(store, &opts, sink, &s);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "final.pem", "le2023/bad/final.pem"));
    memset(&s, 0, sizeof(s));
    CHECK(ingest(ing, "pre.pem", "le2023/bad/precert.pem"));
    CHECK(has_rule(&s, "ct.pair.tbs_mismatch", "final.pem"));
    /* Undecodable input: reported to the sink, not stored, counted. */
    memset(&s, 0, sizeof(s));
    static const uint8_t junk[] = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    CHECK(cg_ingest_file(ing, "junk.pem", junk, sizeof(junk) - 1, err, sizeof(err)));
    CHECK(has_rule(&s, "input.malformed", "junk.pem"));
    CHECK(cg_ingest_get0_stats(ing)->malformed == 1);
    cg_ingest_unreadable(ing, "gone.pem", "cannot open gone.pem");
    CHECK(has_rule(&s, "input.malformed", "gone.pem"));
    CHECK(cg_ingest_get0_stats(ing)->malformed == 2);
    int64_t n = 0;
    CHECK(cg_store_count_objects(store, &n) && n == 3);
    cg_ingest_free(ing);
    cg_store_close(store);

    /* The log list changes under a running ingest (a monitor reloading
     * it): the SCTs are judged against the new list from then on. With a
     * list that lacks Let's Encrypt's 2023 logs, the final certificate's
     * SCTs are from unknown logs; with Apple's list (it keeps them), the
     * other certificate's SCTs are checked, and fail, as issued for a
     * different precertificate. */
    fresh_store(pg, dir, "l", uri, sizeof(uri));
    store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(store != NULL);
    static const char empty_list[] = "{\"operators\":[]}";
    cg_loglist *none = cg_loglist_new(), *apple = cg_loglist_new();
    size_t alen = 0;
    uint8_t *adata = cg_test_read(CG_SOURCE_DIR "/data/loglists/current_log_list.json", &alen);
    CHECK(none != NULL && cg_loglist_load(none, (const uint8_t *)empty_list, strlen(empty_list),
                                          "empty.json", err, sizeof(err)));
    CHECK(apple != NULL && adata != NULL &&
          cg_loglist_load(apple, adata, alen, "current_log_list.json", err, sizeof(err)));
    free(adata);
    cg_ingest_opts lopts = {AT, AT, none};
    memset(&s, 0, sizeof(s));
    ing = cg_ingest_new(store, &lopts, sink, &s);
    CHECK(ing != NULL);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "good.pem", "le2023/good/final.pem"));
    CHECK(has_rule(&s, "ct.sct.unknown_log", "good.pem"));
    CHECK(cg_ingest_set_loglist(ing, apple));
    memset(&s, 0, sizeof(s));
    CHECK(ingest(ing, "final.pem", "le2023/bad/final.pem"));
    CHECK(!has_rule(&s, "ct.sct.unknown_log", NULL));
    CHECK(has_rule(&s, "ct.sct.signature_invalid", "final.pem"));
    cg_ingest_free(ing);
    cg_loglist_free(none);
    cg_loglist_free(apple);
    cg_store_close(store);

    /* Joined to the caller's transaction: nothing reaches the sink or the
     * object callback before the caller commits; a rollback drops the
     * objects, the findings and the stats of every file in it. */
    fresh_store(pg, dir, "j", uri, sizeof(uri));
    store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(store != NULL);
    memset(&s, 0, sizeof(s));
    memset(&o, 0, sizeof(o));
    ing = cg_ingest_new(store, &opts, sink, &s);
    cg_ingest_set_object_fn(ing, on_object, &o);
    CHECK(cg_store_begin(store));
    cg_ingest_join(ing);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "pre.pem", "le2023/bad/precert.pem"));
    CHECK(ingest(ing, "final.pem", "le2023/bad/final.pem"));
    CHECK(s.n == 0 && o.n == 0);
    CHECK(cg_store_rollback(store));
    cg_ingest_rolled_back(ing);
    CHECK(s.n == 0 && o.n == 0);
    CHECK(cg_ingest_get0_stats(ing)->new_findings[CG_SEV_ERROR] == 0);
    CHECK(cg_store_count_objects(store, &n) && n == 0);
    /* Again, committed: all three files' findings after the commit, the
     * pair finding among them (the files saw each other inside the
     * transaction). */
    CHECK(cg_store_begin(store));
    cg_ingest_join(ing);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "pre.pem", "le2023/bad/precert.pem"));
    CHECK(ingest(ing, "final.pem", "le2023/bad/final.pem"));
    CHECK(s.n == 0 && o.n == 0);
    CHECK(cg_store_commit(store));
    cg_ingest_committed(ing);
    CHECK(has_rule(&s, "ct.pair.tbs_mismatch", "final.pem"));
    CHECK(o.n == 3 && o.n_new == 3);
    CHECK(cg_ingest_get0_stats(ing)->new_findings[CG_SEV_ERROR] >= 1);
    CHECK(cg_store_count_objects(store, &n) && n == 3);
    /* Not joined any more: a file commits on its own again. */
    memset(&s, 0, sizeof(s));
    CHECK(ingest(ing, "final-again.pem", "le2023/bad/final.pem"));
    CHECK(s.n == 0 && o.n == 4);
    cg_ingest_free(ing);
    cg_store_close(store);

    /* The ingest's CA index. A run checks each file with the stored CAs
     * its objects name, from an index it loads once. A CA stored since by
     * another process (another store connection) is found all the same: a
     * final certificate of R3 gets no ct.sct.issuer_unknown, while with R3
     * nowhere it does (the control). A CA of a rolled-back transaction is
     * forgotten. */
    fresh_store(pg, dir, "x", uri, sizeof(uri));
    store = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    cg_store *other = cg_store_open(uri, 0, &st, err, sizeof(err));
    CHECK(store != NULL && other != NULL);
    seen so;
    memset(&s, 0, sizeof(s));
    memset(&so, 0, sizeof(so));
    ing = cg_ingest_new(store, &opts, sink, &s);
    cg_ingest *ing2 = cg_ingest_new(other, &opts, sink, &so);
    CHECK(ingest(ing, "ct-ca.pem", "sct/ca.pem")); /* loads the index: one CA */
    CHECK(ingest(ing, "control.pem", "le2023/good/final.pem"));
    CHECK(has_rule(&s, "ct.sct.issuer_unknown", "control.pem"));
    CHECK(ingest(ing2, "r3.pem", "le2023/r3.pem"));
    memset(&s, 0, sizeof(s));
    CHECK(ingest(ing, "pre.pem", "le2023/good/precert.pem"));
    CHECK(ingest(ing, "final.pem", "le2023/good/final.pem"));
    CHECK(!has_rule(&s, "ct.sct.issuer_unknown", NULL));
    cg_ingest_free(ing2);
    cg_store_close(other);
    cg_ingest_free(ing);
    cg_store_close(store);

    /* Notices resolved inside a joined transaction: the final certificate
     * without its CA gets ct.sct.issuer_unknown; its file again once the
     * CA is in resolves it; its precertificate's file, which relates it,
     * has nothing left to resolve: one resolution, committed. */
    ing = joined_on_fresh(pg, dir, "r", &opts, &s, &store);
    CHECK(ingest(ing, "final.pem", "le2023/good/final.pem"));
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 0);
    CHECK(ingest(ing, "final-again.pem", "le2023/good/final.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 1);
    CHECK(ingest(ing, "pre.pem", "le2023/good/precert.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 1);
    CHECK(cg_store_commit(store));
    cg_ingest_committed(ing);
    CHECK(has_rule(&s, "ct.sct.issuer_unknown", "final.pem"));
    cg_ingest_free(ing);
    cg_store_close(store);

    /* A notice recorded again, in the same transaction, about an object
     * whose notices that transaction resolved is resolved again by a later
     * file that does not repeat it; a notice about another object leaves
     * the resolution standing. ct.policy.not_evaluated comes with no log
     * list and goes with Apple's. */
    cg_loglist *apple2 = cg_loglist_new();
    adata = cg_test_read(CG_SOURCE_DIR "/data/loglists/current_log_list.json", &alen);
    CHECK(apple2 != NULL && adata != NULL &&
          cg_loglist_load(apple2, adata, alen, "current_log_list.json", err, sizeof(err)));
    free(adata);
    ing = joined_on_fresh(pg, dir, "n", &opts, &s, &store);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(ingest(ing, "final.pem", "le2023/good/final.pem")); /* new: nothing to resolve */
    CHECK(cg_ingest_set_loglist(ing, apple2));
    CHECK(ingest(ing, "final-2.pem", "le2023/good/final.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 1);
    CHECK(cg_ingest_set_loglist(ing, NULL));
    CHECK(ingest(ing, "other.pem", "le2023/bad/final.pem")); /* another object's notice */
    CHECK(cg_ingest_set_loglist(ing, apple2));
    CHECK(ingest(ing, "final-3.pem", "le2023/good/final.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 1);
    CHECK(cg_ingest_set_loglist(ing, NULL));
    CHECK(ingest(ing, "final-4.pem", "le2023/good/final.pem")); /* its own notice again */
    CHECK(cg_ingest_set_loglist(ing, apple2));
    CHECK(ingest(ing, "final-5.pem", "le2023/good/final.pem"));
    CHECK(cg_ingest_get0_stats(ing)->resolved == 2);
    CHECK(cg_store_commit(store));
    cg_ingest_committed(ing);
    CHECK(has_rule(&s, "ct.policy.not_evaluated", "final.pem"));
    CHECK(has_rule(&s, "ct.policy.not_evaluated", "other.pem"));
    cg_ingest_free(ing);
    cg_loglist_free(apple2);
    cg_store_close(store);

    test_der_file(pg, dir, &opts);

    ing = joined_on_fresh(pg, dir, "y", &opts, &s, &store);
    CHECK(ingest(ing, "r3.pem", "le2023/r3.pem"));
    CHECK(cg_store_rollback(store));
    cg_ingest_rolled_back(ing);
    CHECK(ingest(ing, "final.pem", "le2023/good/final.pem"));
    CHECK(has_rule(&s, "ct.sct.issuer_unknown", "final.pem"));
    cg_ingest_free(ing);
    cg_store_close(store);

    if (cg_test_failures == 0 && pg != NULL) {
        char sql[480];
        snprintf(sql, sizeof(sql),
                 "DROP SCHEMA cgingest_%d_s CASCADE; DROP SCHEMA cgingest_%d_t CASCADE; "
                 "DROP SCHEMA cgingest_%d_j CASCADE; DROP SCHEMA cgingest_%d_x CASCADE; "
                 "DROP SCHEMA cgingest_%d_y CASCADE; DROP SCHEMA cgingest_%d_r CASCADE; "
                 "DROP SCHEMA cgingest_%d_n CASCADE; DROP SCHEMA cgingest_%d_k CASCADE",
                 (int)getpid(), (int)getpid(), (int)getpid(), (int)getpid(), (int)getpid(),
                 (int)getpid(), (int)getpid(), (int)getpid());
        CHECK(cg_test_pg_exec(pg, sql));
    }
    if (cg_test_failures == 0) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return cg_test_done();
}
