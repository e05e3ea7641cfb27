/* The CRL cross-object checks (src/rules/crl_cross.c) through their API,
 * with the files in memory, and what they share with the single-CRL rules
 * (src/rules/crl_util.c): the nextUpdate classification and its hand-over,
 * the serial set, reasonCode. Vectors: tests/data/crl2 (make_crl_vectors.py)
 * and tests/data/boulder-crl. The command-level checks of every rule are in
 * tests/cli/crl_cross.sh. */
#include "der/pem.h"
#include "rules/checker.h"
#include "rules/crl_cross.h"
#include "rules/crl_util.h"
#include "testutil.h"
#include "x509/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 8
#define MAX_FINDINGS 256

typedef struct run {
    const char *names[MAX_FILES];
    uint8_t *data[MAX_FILES];
    size_t len[MAX_FILES];
    size_t n_files;
    size_t n;
    cg_rule_id rule[MAX_FINDINGS];
    char *msg[MAX_FINDINGS];
    char *file[MAX_FINDINGS];
    char status[MAX_FINDINGS][16];
    size_t reloads;
} run;

static void sink(void *arg, const cg_finding *f)
{
    run *r = arg;
    if (r->n == MAX_FINDINGS)
        return;
    r->rule[r->n] = f->rule;
    r->msg[r->n] = strdup(f->message);
    r->file[r->n] = strdup(f->obj->file != NULL ? f->obj->file : "");
    r->status[r->n][0] = '\0';
    for (size_t i = 0; i < f->n_fields; i++) {
        if (strcmp(f->fields[i].key, "status") == 0 && f->fields[i].str != NULL)
            snprintf(r->status[r->n], sizeof(r->status[0]), "%s", f->fields[i].str);
    }
    r->n++;
}

static int reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    run *r = arg;
    if (file_no >= r->n_files)
        return 0;
    r->reloads++;
    *data = r->data[file_no];
    *len = r->len[file_no];
    return 1;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->msg[i]);
        free(r->file[i]);
    }
    for (size_t i = 0; i < r->n_files; i++)
        free(r->data[i]);
    memset(r, 0, sizeof(*r));
}

/* Checks the files (NULL-terminated, under tests/data) as caguard check does. */
static void check(run *r, const char *at, const char *const *paths)
{
    cg_ctx ctx;
    cg_file_result res;
    int64_t t = 0;
    memset(r, 0, sizeof(*r));
    CHECK(cg_time_parse_rfc3339(at, &t));
    for (; *paths != NULL && r->n_files < MAX_FILES; paths++) {
        r->names[r->n_files] = *paths;
        r->data[r->n_files] = cg_test_read(*paths, &r->len[r->n_files]);
        CHECK(r->data[r->n_files] != NULL);
        r->n_files++;
    }
    cg_ctx_init(&ctx, t, sink, r); /* the TLS BR profile on, as by default */
    cg_checker *ck = cg_checker_new(&ctx, reload, NULL, r);
    CHECK(ck != NULL && ctx.crl_cross == 1);
    if (ck == NULL)
        return;
    for (size_t i = 0; i < r->n_files; i++)
        cg_checker_add_file(ck, i, r->names[i], r->data[i], r->len[i], &res);
    cg_checker_finish(ck);
    cg_checker_free(ck);
}

static size_t count(const run *r, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strcmp(cg_rule_get(r->rule[i])->id, id) == 0;
    return n;
}

static const char *msg_of(const run *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(cg_rule_get(r->rule[i])->id, id) == 0)
            return r->msg[i];
    }
    return "";
}

static void dump(const run *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s %s: %s\n", r->file[i], cg_rule_get(r->rule[i])->id, r->msg[i]);
}

/* CHECK, and the run's findings on failure. */
#define EXPECT(r, cond)                                                                           \
    do {                                                                                          \
        if (!(cond))                                                                              \
            dump(r);                                                                              \
        CHECK(cond);                                                                              \
    } while (0)

#define AT "2024-01-03T00:00:00Z"
#define D "crl2/"


static void test_span_class(void)
{
    static const struct {
        const char *path;
        cg_crl_span want;
    } cases[] = {
        {D "c1_good.pem", CG_CRL_SPAN_OK},          /* 7 days */
        {D "c1_300d.pem", CG_CRL_SPAN_UNLESS_ROOT}, /* no IDP */
        {D "root_300d.pem", CG_CRL_SPAN_UNLESS_ROOT},
        /* onlyContainsUserCerts, 10 days 1 s: a subscriber CRL whoever issued it */
        {"boulder-crl/crl_long_validity_subscriber_cert.pem", CG_CRL_SPAN_TOO_LONG},
        /* onlyContainsCACerts, 375 days */
        {"boulder-crl/crl_long_validity_subordinate_ca.pem", CG_CRL_SPAN_TOO_LONG},
        /* onlyContainsCACerts, 9 days */
        {"boulder-crl/crl_long_validity_distributionPoint_and_subordinate_ca.pem", CG_CRL_SPAN_OK},
        /* no IDP, 10 days 1 s */
        {"boulder-crl/crl_long_validity.pem", CG_CRL_SPAN_UNLESS_ROOT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        cg_crl crl;
        cg_der_error err;
        uint8_t *der = cg_test_read_der(cases[i].path, &len);
        CHECK(der != NULL && cg_crl_parse(&crl, der, len, &err));
        if (der != NULL && cg_crl_span_class(&crl) != cases[i].want) {
            fprintf(stderr, "%s: span class %d, want %d\n", cases[i].path, cg_crl_span_class(&crl),
                    cases[i].want);
            CHECK(0);
        }
        free(der);
    }
}

static void count_sink(void *arg, const cg_finding *f)
{
    if (f->rule == CG_R_CRL_VALIDITY_TOO_LONG)
        (*(size_t *)arg)++;
}

/* Without the cross pass the single-CRL rule holds a CRL with no IDP scope
 * to 10 days; with it, it leaves that CRL to the pass that knows the CA. */
static void test_span_hand_over(void)
{
    size_t len, hits = 0;
    uint8_t *der = cg_test_read_der(D "c1_300d.pem", &len);
    cg_ctx ctx;
    CHECK(der != NULL);
    if (der == NULL)
        return;
    cg_ctx_init(&ctx, 1704240000, count_sink, &hits);
    cg_check_der(&ctx, "c1_300d", 0, der, len);
    CHECK(hits == 1);
    ctx.crl_cross = 1;
    cg_check_der(&ctx, "c1_300d", 0, der, len);
    CHECK(hits == 1);
    free(der);

    /* ... while what is decided by the CRL alone is still said at once. */
    der = cg_test_read_der("boulder-crl/crl_long_validity_subscriber_cert.pem", &len);
    CHECK(der != NULL);
    if (der == NULL)
        return;
    cg_check_der(&ctx, "subscriber", 0, der, len);
    CHECK(hits == 2);
    free(der);
}

static void test_serial_set(void)
{
    size_t len, n = 0;
    uint8_t *der = cg_test_read_der(D "c1_backdated_x30.pem", &len);
    cg_crl crl;
    cg_der_error err;
    cg_crl_serial_set set;
    cg_crl_entry e;
    CHECK(der != NULL && cg_crl_parse(&crl, der, len, &err));
    if (der == NULL)
        return;
    CHECK(cg_crl_serial_set_init(&set, &crl));
    cg_cbs it = crl.revoked;
    while (cg_crl_next_entry(&it, &e, der, &err)) {
        CHECK(cg_crl_serial_set_find(&set, &e.serial) == 0);
        CHECK(cg_crl_serial_set_add(&set, &e) == 0);
        CHECK(cg_crl_serial_set_find(&set, &e.serial) == (uint32_t)(e.raw.data - der));
        /* adding it again names the first */
        CHECK(cg_crl_serial_set_add(&set, &e) == (uint32_t)(e.raw.data - der));
        unsigned code = 99;
        int has = cg_crl_entry_reason(&e, &code);
        CHECK(!has || code == 1 || code == 4);
        n++;
    }
    CHECK(n == 32);
    uint8_t absent[] = {0x77, 0x77};
    cg_cbs a;
    cg_cbs_init(&a, absent, sizeof(absent));
    CHECK(cg_crl_serial_set_find(&set, &a) == 0);
    cg_crl_serial_set_free(&set);
    cg_crl_serial_set_free(&set); /* idempotent */
    CHECK(cg_crl_reason_name(1) != NULL && strcmp(cg_crl_reason_name(1), "keyCompromise") == 0);
    CHECK(cg_crl_reason_name(7) == NULL && cg_crl_reason_name(11) == NULL);

    /* A CRL without entries gets no table; find says absent. */
    free(der);
    der = cg_test_read_der("boulder-crl/crl_none_revoked.pem", &len);
    CHECK(der != NULL && cg_crl_parse(&crl, der, len, &err));
    if (der != NULL) {
        CHECK(!cg_crl_serial_set_init(&set, &crl));
        CHECK(cg_crl_serial_set_find(&set, &a) == 0);
        cg_crl_serial_set_free(&set);
    }
    free(der);
}

static void test_rules(void)
{
    run r;
    static const char *const clean[] = {D "root.pem",   D "ca1.pem",     D "ca2.pem",
                                        D "leaves.pem", D "c1_good.pem", NULL};
    check(&r, AT, clean);
    EXPECT(&r, count(&r, "revocation.status") == 8);
    EXPECT(&r, r.n == 8); /* nothing else */
    run_free(&r);

    static const char *const order[] = {D "ca1.pem", D "leaves.pem", D "c1_next.pem",
                                        D "c1_good.pem", NULL};
    check(&r, AT, order);
    /* Given newest first: compared in thisUpdate order, nothing wrong. */
    EXPECT(&r, count(&r, "crl.number_not_increasing") == 0);
    EXPECT(&r, count(&r, "revocation.backdated") == 0);
    size_t revoked = 0;
    for (size_t i = 0; i < r.n; i++)
        revoked += strcmp(r.status[i], "revoked") == 0;
    EXPECT(&r, revoked == 2); /* 1002 on both, 1004 on the newer */
    run_free(&r);

    static const char *const same_twice[] = {D "ca1.pem", D "leaves.pem", D "c1_good.pem",
                                             D "c1_good.pem", NULL};
    check(&r, AT, same_twice);
    EXPECT(&r, count(&r, "crl.number_not_increasing") == 0);
    run_free(&r);

    static const char *const backdated[] = {D "ca1.pem", D "c1_backdated_x30.pem", D "c1_good.pem",
                                            NULL};
    check(&r, AT, backdated);
    EXPECT(&r, count(&r, "revocation.backdated") == 11);
    CHECK(strstr(msg_of(&r, "revocation.backdated"), "serial 5ca90a2de7b14c3f00005000") != NULL);
    run_free(&r);

    /* Three CRLs of one scope: each compared with the one before it. */
    static const char *const three[] = {D "ca1.pem",     D "leaves.pem",  D "c1_removed.pem",
                                        D "c1_good.pem", D "c1_300d.pem", NULL};
    check(&r, AT, three);
    EXPECT(&r, count(&r, "revocation.removed_before_expiry") == 1);
    EXPECT(&r, count(&r, "crl.validity_too_long") == 1); /* c1_300d: another scope (no IDP) */
    run_free(&r);

    /* The root confirms a 300-day CRL as a root's; its key must be the one
     * that signed it. */
    static const char *const root[] = {D "root.pem", D "root_300d.pem", NULL};
    check(&r, AT, root);
    EXPECT(&r, count(&r, "crl.validity_too_long") == 0);
    EXPECT(&r, count(&r, "crl.issuer_unknown") == 0);
    run_free(&r);
    static const char *const no_root[] = {D "ca1.pem", D "root_300d.pem", NULL};
    check(&r, AT, no_root);
    EXPECT(&r, count(&r, "crl.validity_too_long") == 1);
    EXPECT(&r, count(&r, "crl.issuer_unknown") == 1);
    run_free(&r);

    /* Nothing but a CRL: no status findings, one notice about the CA. */
    static const char *const alone[] = {D "c1_good.pem", NULL};
    check(&r, AT, alone);
    EXPECT(&r, count(&r, "revocation.status") == 0);
    EXPECT(&r, count(&r, "crl.issuer_unknown") == 1);
    CHECK(strstr(msg_of(&r, "crl.issuer_unknown"), "no CA certificate is among") != NULL);
    run_free(&r);
}

/* cg_crl_cross_self_issued, which a prepared context computes once per CA:
 * the self-signed root is self-issued, the intermediate and a leaf not. */
static void test_self_issued(void)
{
    static const struct {
        const char *file;
        int want;
    } cases[] = {{"crl2/root.pem", 1}, {"crl2/ca1.pem", 0}, {"crl2/leaves.pem", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        uint8_t *data = cg_test_read(cases[i].file, &len);
        CHECK(data != NULL);
        if (data == NULL)
            continue;
        cg_input in;
        cg_input_obj obj;
        cg_der_error err;
        cg_cert cert;
        cg_input_init(&in, data, len);
        CHECK(cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT);
        CHECK(cg_cert_parse(&cert, obj.der, obj.der_len, &err));
        CHECK(cg_crl_cross_self_issued(&cert) == cases[i].want);
        cg_input_cleanup(&in);
        free(data);
    }
}

int main(void)
{
    test_self_issued();
    test_span_class();
    test_span_hand_over();
    test_serial_set();
    test_rules();
    return cg_test_done();
}
