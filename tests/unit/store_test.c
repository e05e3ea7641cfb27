/* The store backend conformance suite, written against store/store.h only,
 * so every backend runs the same cases:
 *
 *   store_test                 SQLite, a fresh file in a temporary directory
 *   store_test URI             the suite on URI (an empty store, or none yet);
 *                              a postgresql:// URI names a database, in which
 *                              each run makes schemas of its own
 *   store_test pg-from-env     the database of $CAGUARD_TEST_PG_URI (CTest's
 *                              PostgreSQL instance); skipped (77) when unset
 *
 * The suite needs nothing but an empty store: each case uses its own keys.
 * The SQLite section (refusing files that are not ours without touching
 * them, a newer schema, WAL and foreign keys) runs for the default only,
 * the PostgreSQL section (the same refusals, partitions) for PostgreSQL. */
#include "ct/merkle.h"
#include "store/driver.h" /* the SQLite section only: cg_sqlite_create_version */
#include "store/store.h"
#include "testutil.h"
#include "util/hash.h"
#include "util/hex.h"

#include <libpq-fe.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

/* A distinct fake SHA-256 per (tag, n). */
static void sha(uint8_t out[32], uint8_t tag, uint32_t n)
{
    memset(out, tag, 32);
    out[0] = tag;
    out[1] = (uint8_t)(n >> 24);
    out[2] = (uint8_t)(n >> 16);
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
}

static cg_store *open_store(const char *uri)
{
    char err[512];
    cg_store_status st;
    cg_store *s = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    if (s == NULL)
        fprintf(stderr, "cannot open %s: %s\n", uri, err);
    return s;
}

static void make_object(cg_store_object *o, uint8_t tag, uint32_t n, cg_kind kind,
                        const char *issuer, const char *serial, int64_t first_seen)
{
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    memset(o, 0, sizeof(*o));
    sha(o->sha256, tag, n);
    o->kind = kind;
    o->der = der;
    o->der_len = sizeof(der);
    o->issuer = (const uint8_t *)issuer;
    o->issuer_len = issuer != NULL ? strlen(issuer) : 0;
    if (kind != CG_KIND_CRL) {
        o->serial = (const uint8_t *)serial;
        o->serial_len = serial != NULL ? strlen(serial) : 0;
        o->subject = (const uint8_t *)"subject";
        o->subject_len = 7;
        o->crldp = (const uint8_t *)"";
    }
    o->not_before = 1000;
    o->not_after = 2000;
    o->file = "in.pem";
    o->index = (int64_t)n;
    o->first_seen = first_seen;
}

/* ---- collecting callbacks ---- */

typedef struct got {
    size_t n;
    uint8_t sha[16][32];
    cg_kind kind[16];
    int64_t first_seen[16];
} got;

static int collect(void *arg, const cg_store_object *o)
{
    got *g = arg;
    if (g->n < 16) {
        memcpy(g->sha[g->n], o->sha256, 32);
        g->kind[g->n] = o->kind;
        g->first_seen[g->n] = o->first_seen;
    }
    g->n++;
    return 1;
}

/* skip for cg_store_objects_by_serial_skip: the objects whose number
 * (sha(): its low byte in byte 4 of the SHA-256) is skip_n. */
typedef struct skip_got {
    got g;
    uint8_t skip_n;
    size_t asked;
} skip_got;

static int skip_by_first(void *arg, const uint8_t sha256[32])
{
    skip_got *k = arg;
    k->asked++;
    return sha256[4] == k->skip_n;
}

static int collect_skip(void *arg, const cg_store_object *o)
{
    return collect(&((skip_got *)arg)->g, o);
}

static int stop_after_one(void *arg, const cg_store_object *o)
{
    collect(arg, o);
    return 0;
}

static void test_objects(cg_store *s)
{
    cg_store_object o, c1, c2, crl;
    int is_new = -1, earlier = -1, found = -1;
    int64_t before = -1, after = -1;
    uint8_t h[32];
    got g;

    CHECK(cg_store_count_objects(s, &before));
    make_object(&o, 0x10, 1, CG_KIND_PRECERT, "issuer-A", "\x01\x02", 500);
    o.ca = CG_STORE_CA_NONE;
    CHECK(cg_store_put_object(s, &o, &is_new, &earlier));
    CHECK(is_new == 1 && earlier == 0);
    CHECK(cg_store_put_object(s, &o, &is_new, &earlier));
    CHECK(is_new == 0 && earlier == 0);
    /* Seen again later: first_seen stays; earlier: it moves back. */
    o.first_seen = 900;
    CHECK(cg_store_put_object(s, &o, &is_new, &earlier));
    CHECK(is_new == 0 && earlier == 0);
    o.first_seen = 400;
    o.file = "other.pem"; /* the first ingest's name stays */
    CHECK(cg_store_put_object(s, &o, &is_new, &earlier));
    CHECK(is_new == 0 && earlier == 1);

    cg_store_object *r = cg_store_get1_object(s, o.sha256, &found);
    CHECK(found == 1 && r != NULL);
    if (r != NULL) {
        CHECK(memcmp(r->sha256, o.sha256, 32) == 0);
        CHECK(r->kind == CG_KIND_PRECERT);
        CHECK(r->der_len == o.der_len && memcmp(r->der, o.der, o.der_len) == 0);
        CHECK(r->issuer_len == 8 && memcmp(r->issuer, "issuer-A", 8) == 0);
        CHECK(r->serial_len == 2 && memcmp(r->serial, "\x01\x02", 2) == 0);
        CHECK(r->subject_len == 7 && memcmp(r->subject, "subject", 7) == 0);
        CHECK(r->scope == NULL && r->scope_len == 0);
        CHECK(r->ca == CG_STORE_CA_NONE);
        CHECK(r->not_before == 1000 && r->not_after == 2000);
        CHECK(r->file != NULL && strcmp(r->file, "in.pem") == 0);
        CHECK(r->index == 1);
        CHECK(r->first_seen == 400);
        CHECK(r->crldp != NULL && r->crldp_len == 0);
    }
    cg_store_object_free(r);
    sha(h, 0x10, 999);
    r = cg_store_get1_object(s, h, &found);
    CHECK(r == NULL && found == 0);

    /* By issuer and serial: certificates and precertificates, in order. */
    make_object(&c1, 0x10, 2, CG_KIND_CERT, "issuer-A", "\x01\x02", 600);
    make_object(&c2, 0x10, 3, CG_KIND_CERT, "issuer-A", "\x01\x03", 600);
    c2.ca = CG_STORE_CA;
    make_object(&crl, 0x10, 4, CG_KIND_CRL, "issuer-A", NULL, 600);
    crl.scope = (const uint8_t *)"";
    crl.scope_len = 0;
    CHECK(cg_store_put_object(s, &c1, NULL, NULL));
    CHECK(cg_store_put_object(s, &c2, NULL, NULL));
    CHECK(cg_store_put_object(s, &crl, NULL, NULL));
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_objects_by_serial(s, (const uint8_t *)"issuer-A", 8,
                                     (const uint8_t *)"\x01\x02", 2, collect, &g));
    CHECK(g.n == 2);
    CHECK(memcmp(g.sha[0], o.sha256, 32) == 0 && g.kind[0] == CG_KIND_PRECERT);
    CHECK(memcmp(g.sha[1], c1.sha256, 32) == 0 && g.kind[1] == CG_KIND_CERT);
    /* Less those the caller has: each asked about, the skipped not read. */
    skip_got sk;
    memset(&sk, 0, sizeof(sk));
    sk.skip_n = c1.sha256[4];
    CHECK(c1.sha256[4] != o.sha256[4]);
    CHECK(cg_store_objects_by_serial_skip(s, (const uint8_t *)"issuer-A", 8,
                                          (const uint8_t *)"\x01\x02", 2, skip_by_first,
                                          collect_skip, &sk));
    CHECK(sk.asked == 2 && sk.g.n == 1 && memcmp(sk.g.sha[0], o.sha256, 32) == 0);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_objects_by_serial(s, (const uint8_t *)"issuer-B", 8,
                                     (const uint8_t *)"\x01\x02", 2, collect, &g));
    CHECK(g.n == 0);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_objects_by_issuer(s, (const uint8_t *)"issuer-A", 8, collect, &g));
    CHECK(g.n == 4);
    CHECK(g.n == 4 && g.kind[3] == CG_KIND_CRL);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_objects_by_issuer(s, (const uint8_t *)"issuer-A", 8, stop_after_one, &g));
    CHECK(g.n == 1);
    /* The empty scope is a value, not NULL. */
    r = cg_store_get1_object(s, crl.sha256, &found);
    CHECK(found && r != NULL && r->scope != NULL && r->scope_len == 0 && r->serial == NULL);
    CHECK(found && r != NULL && r->crldp == NULL);
    cg_store_object_free(r);
    /* CA certificates. */
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_ca_objects(s, collect, &g));
    int saw = 0;
    for (size_t i = 0; i < g.n && i < 16; i++)
        saw |= memcmp(g.sha[i], c2.sha256, 32) == 0;
    CHECK(saw);
    for (size_t i = 0; i < g.n && i < 16; i++)
        CHECK(memcmp(g.sha[i], c1.sha256, 32) != 0);
    CHECK(cg_store_count_objects(s, &after));
    CHECK(after == before + 4);
}

static int neighbours(cg_store *s, const char *scope, int64_t at, const uint8_t *exclude, got *g,
                      cg_store_object_fn fn)
{
    memset(g, 0, sizeof(*g));
    return cg_store_crl_neighbours(s, (const uint8_t *)"issuer-N", 8, (const uint8_t *)scope,
                                   strlen(scope), at, exclude, fn, g);
}

static void test_crl_neighbours(cg_store *s)
{
    cg_store_object a, b, c, d, other;
    got g;
    make_object(&a, 0x11, 1, CG_KIND_CRL, "issuer-N", NULL, 1);
    make_object(&b, 0x11, 2, CG_KIND_CRL, "issuer-N", NULL, 1);
    make_object(&c, 0x11, 3, CG_KIND_CRL, "issuer-N", NULL, 1);
    make_object(&d, 0x11, 5, CG_KIND_CRL, "issuer-N", NULL, 1);
    make_object(&other, 0x11, 4, CG_KIND_CRL, "issuer-N", NULL, 1);
    a.scope = b.scope = c.scope = d.scope = (const uint8_t *)"scope-1";
    a.scope_len = b.scope_len = c.scope_len = d.scope_len = 7;
    other.scope = (const uint8_t *)"scope-2";
    other.scope_len = 7;
    a.not_before = 100;
    b.not_before = 200;
    c.not_before = 300;
    d.not_before = 200;
    other.not_before = 150;
    CHECK(cg_store_put_object(s, &a, NULL, NULL));
    CHECK(cg_store_put_object(s, &c, NULL, NULL));
    CHECK(cg_store_put_object(s, &b, NULL, NULL));
    CHECK(cg_store_put_object(s, &other, NULL, NULL));
    /* b's neighbours, b excluded: before, after. */
    CHECK(neighbours(s, "scope-1", 200, b.sha256, &g, collect));
    CHECK(g.n == 2);
    CHECK(memcmp(g.sha[0], a.sha256, 32) == 0);
    CHECK(memcmp(g.sha[1], c.sha256, 32) == 0);
    /* A new CRL at 150: a before, b after; none of scope-2. */
    CHECK(neighbours(s, "scope-1", 150, NULL, &g, collect));
    CHECK(g.n == 2);
    CHECK(memcmp(g.sha[0], a.sha256, 32) == 0);
    CHECK(memcmp(g.sha[1], b.sha256, 32) == 0);
    /* At b's time: a, b (the same thisUpdate), c. With d stored too, the
     * one stored last of that time: d. */
    CHECK(neighbours(s, "scope-1", 200, NULL, &g, collect));
    CHECK(g.n == 3);
    CHECK(g.n == 3 && memcmp(g.sha[1], b.sha256, 32) == 0);
    CHECK(cg_store_put_object(s, &d, NULL, NULL));
    CHECK(neighbours(s, "scope-1", 200, b.sha256, &g, collect));
    CHECK(g.n == 3);
    CHECK(memcmp(g.sha[0], a.sha256, 32) == 0);
    CHECK(memcmp(g.sha[1], d.sha256, 32) == 0);
    CHECK(memcmp(g.sha[2], c.sha256, 32) == 0);
    CHECK(neighbours(s, "scope-1", 200, b.sha256, &g, stop_after_one));
    CHECK(g.n == 1);
    /* Past the last one: only the one before. */
    CHECK(neighbours(s, "scope-1", 400, NULL, &g, collect));
    CHECK(g.n == 1 && memcmp(g.sha[0], c.sha256, 32) == 0);
    CHECK(neighbours(s, "scope-3", 200, NULL, &g, collect));
    CHECK(g.n == 0);
}

static int covered(cg_store *s, const char *cert_issuer, int64_t at, got *g)
{
    memset(g, 0, sizeof(*g));
    return cg_store_crl_covered(s, (const uint8_t *)"issuer-C", 8, (const uint8_t *)"sc", 2,
                                (const uint8_t *)cert_issuer, strlen(cert_issuer), at, collect, g);
}

static void test_crl_covered(cg_store *s)
{
    cg_store_object crl, c1, c2, c3, other;
    cg_store_crl_entry e[2] = {{(const uint8_t *)"\x01", 1, 50, -1},
                               {(const uint8_t *)"\x02", 1, 50, -1}};
    got g;
    make_object(&crl, 0x16, 1, CG_KIND_CRL, "issuer-C", NULL, 1);
    crl.scope = (const uint8_t *)"sc";
    crl.scope_len = 2;
    make_object(&c1, 0x16, 2, CG_KIND_CERT, "issuer-C", "\x01", 1);
    make_object(&c2, 0x16, 3, CG_KIND_PRECERT, "issuer-C", "\x02", 1);
    make_object(&c3, 0x16, 4, CG_KIND_CERT, "issuer-C", "\x03", 1);     /* not on a CRL */
    make_object(&other, 0x16, 5, CG_KIND_CERT, "issuer-C'", "\x01", 1); /* how C's CA spells it */
    c2.not_after = 5000;
    CHECK(cg_store_put_object(s, &crl, NULL, NULL));
    CHECK(cg_store_put_object(s, &c1, NULL, NULL));
    CHECK(cg_store_put_object(s, &c2, NULL, NULL));
    CHECK(cg_store_put_object(s, &c3, NULL, NULL));
    CHECK(cg_store_put_object(s, &other, NULL, NULL));
    CHECK(cg_store_put_crl_entries(s, crl.sha256, (const uint8_t *)"issuer-C", 8,
                                   (const uint8_t *)"sc", 2, e, 2, 10));
    CHECK(covered(s, "issuer-C", 1500, &g));
    CHECK(g.n == 2);
    CHECK(memcmp(g.sha[0], c1.sha256, 32) == 0 && memcmp(g.sha[1], c2.sha256, 32) == 0);
    /* Expired ones (notAfter 2000) are left out. */
    CHECK(covered(s, "issuer-C", 2001, &g));
    CHECK(g.n == 1 && memcmp(g.sha[0], c2.sha256, 32) == 0);
    CHECK(covered(s, "issuer-C'", 1500, &g));
    CHECK(g.n == 1 && memcmp(g.sha[0], other.sha256, 32) == 0);
    CHECK(covered(s, "issuer-D", 1500, &g));
    CHECK(g.n == 0);
}

static int count_bytes(void *arg, const uint8_t *p, size_t n)
{
    got *g = arg;
    if (g->n < 16) {
        memset(g->sha[g->n], 0, 32);
        memcpy(g->sha[g->n], p, n < 32 ? n : 32);
    }
    g->n++;
    return 1;
}

static void test_cert_samples(cg_store *s)
{
    cg_store_object a, b, c, d, old, crl1, crl2, crl3, crl4;
    int found = -1;
    got g;
    /* Certificates of issuer-S: two with distribution point dp-1, one with
     * dp-2, one with none, one expired. */
    make_object(&a, 0x17, 1, CG_KIND_CERT, "issuer-S", "\x01", 1);
    make_object(&b, 0x17, 2, CG_KIND_PRECERT, "issuer-S", "\x02", 1);
    make_object(&c, 0x17, 3, CG_KIND_CERT, "issuer-S", "\x03", 1);
    make_object(&d, 0x17, 4, CG_KIND_CERT, "issuer-S", "\x04", 1);
    make_object(&old, 0x17, 5, CG_KIND_CERT, "issuer-S", "\x05", 1);
    a.crldp = b.crldp = (const uint8_t *)"dp-1";
    a.crldp_len = b.crldp_len = 4;
    c.crldp = (const uint8_t *)"dp-2";
    c.crldp_len = 4;
    old.crldp = (const uint8_t *)"dp-3";
    old.crldp_len = 4;
    old.not_after = 500;
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-S", 8, (const uint8_t *)"dp-1",
                                       4, &found));
    CHECK(found == 0);
    CHECK(cg_store_put_object(s, &a, NULL, NULL));
    CHECK(cg_store_put_object(s, &b, NULL, NULL));
    CHECK(cg_store_put_object(s, &c, NULL, NULL));
    CHECK(cg_store_put_object(s, &d, NULL, NULL));
    CHECK(cg_store_put_object(s, &old, NULL, NULL));
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-S", 8, (const uint8_t *)"dp-1",
                                       4, &found));
    CHECK(found == 1);
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-S", 8, (const uint8_t *)"", 0,
                                       &found));
    CHECK(found == 1);
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-S", 8, (const uint8_t *)"dp-9",
                                       4, &found));
    CHECK(found == 0);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_cert_samples(s, (const uint8_t *)"issuer-S", 8, 1000, collect, &g));
    CHECK(g.n == 3);
    CHECK(g.n == 3 && memcmp(g.sha[0], a.sha256, 32) == 0);
    CHECK(g.n == 3 && memcmp(g.sha[1], c.sha256, 32) == 0);
    CHECK(g.n == 3 && memcmp(g.sha[2], d.sha256, 32) == 0);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_cert_samples(s, (const uint8_t *)"issuer-S", 8, 0, collect, &g));
    CHECK(g.n == 4);

    /* The latest CRL of each scope of issuer-S. */
    make_object(&crl1, 0x17, 11, CG_KIND_CRL, "issuer-S", NULL, 1);
    make_object(&crl2, 0x17, 12, CG_KIND_CRL, "issuer-S", NULL, 1);
    make_object(&crl3, 0x17, 13, CG_KIND_CRL, "issuer-S", NULL, 1);
    make_object(&crl4, 0x17, 14, CG_KIND_CRL, "issuer-S", NULL, 1);
    crl1.scope = crl2.scope = crl4.scope = (const uint8_t *)"p1";
    crl1.scope_len = crl2.scope_len = crl4.scope_len = 2;
    crl3.scope = (const uint8_t *)"";
    crl1.not_before = 100;
    crl2.not_before = 300;
    crl3.not_before = 50;
    crl4.not_before = 200; /* stored last, but older than crl2 */
    CHECK(cg_store_put_object(s, &crl1, NULL, NULL));
    CHECK(cg_store_put_object(s, &crl2, NULL, NULL));
    CHECK(cg_store_put_object(s, &crl3, NULL, NULL));
    CHECK(cg_store_put_object(s, &crl4, NULL, NULL));
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_latest_crls(s, (const uint8_t *)"issuer-S", 8, collect, &g));
    CHECK(g.n == 2);
    CHECK(g.n == 2 && memcmp(g.sha[0], crl2.sha256, 32) == 0);
    CHECK(g.n == 2 && memcmp(g.sha[1], crl3.sha256, 32) == 0);
    /* Of two with the same thisUpdate, the one stored last. */
    cg_store_object crl5;
    make_object(&crl5, 0x17, 15, CG_KIND_CRL, "issuer-S", NULL, 1);
    crl5.scope = crl2.scope;
    crl5.scope_len = crl2.scope_len;
    crl5.not_before = crl2.not_before;
    CHECK(cg_store_put_object(s, &crl5, NULL, NULL));
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_latest_crls(s, (const uint8_t *)"issuer-S", 8, collect, &g));
    CHECK(g.n == 2 && memcmp(g.sha[0], crl3.sha256, 32) == 0);
    CHECK(g.n == 2 && memcmp(g.sha[1], crl5.sha256, 32) == 0);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_latest_crls(s, (const uint8_t *)"issuer-Z", 8, collect, &g));
    CHECK(g.n == 0);
    /* Distinct issuer encodings of CRLs and of certificates: issuer-S among
     * each, once. */
    for (int crls = 0; crls <= 1; crls++) {
        memset(&g, 0, sizeof(g));
        CHECK(cg_store_issuer_names(s, crls, count_bytes, &g));
        size_t seen = 0;
        for (size_t i = 0; i < g.n && i < 16; i++)
            seen += memcmp(g.sha[i], "issuer-S", 8) == 0 && g.sha[i][8] == 0;
        CHECK(seen == 1);
    }
}

static void test_crl_entries(cg_store *s)
{
    cg_store_object c1, c2, c3;
    cg_store_crl_entry e[3];
    cg_store_revocation rv;
    int found = -1;
    const uint8_t *iss = (const uint8_t *)"issuer-E";
    make_object(&c1, 0x12, 1, CG_KIND_CRL, "issuer-E", NULL, 1000);
    make_object(&c2, 0x12, 2, CG_KIND_CRL, "issuer-E", NULL, 2000);
    make_object(&c3, 0x12, 3, CG_KIND_CRL, "issuer-E", NULL, 500);
    c1.scope = c2.scope = c3.scope = (const uint8_t *)"";
    CHECK(cg_store_put_object(s, &c1, NULL, NULL));
    CHECK(cg_store_put_object(s, &c2, NULL, NULL));
    CHECK(cg_store_put_object(s, &c3, NULL, NULL));
    e[0] = (cg_store_crl_entry){(const uint8_t *)"\x0a", 1, 900, 1};
    e[1] = (cg_store_crl_entry){(const uint8_t *)"\x0b", 1, 950, -1};
    CHECK(cg_store_put_crl_entries(s, c1.sha256, iss, 8, (const uint8_t *)"", 0, e, 2, 1000));
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0a", 1, &rv, &found));
    CHECK(found == 1 && rv.revocation_date == 900 && rv.reason == 1 && rv.first_seen == 1000);
    CHECK(memcmp(rv.crl_sha256, c1.sha256, 32) == 0);
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0b", 1, &rv, &found));
    CHECK(found == 1 && rv.reason == -1 && rv.first_seen == 1000);
    /* A later CRL listing them again (a changed date too) keeps the first
     * sighting. */
    e[0].revocation_date = 800;
    e[2] = (cg_store_crl_entry){(const uint8_t *)"\x0c", 1, 1900, 4};
    CHECK(cg_store_put_crl_entries(s, c2.sha256, iss, 8, (const uint8_t *)"", 0, e, 3, 2000));
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0a", 1, &rv, &found));
    CHECK(found && rv.revocation_date == 900 && rv.first_seen == 1000);
    CHECK(memcmp(rv.crl_sha256, c1.sha256, 32) == 0);
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0c", 1, &rv, &found));
    CHECK(found && rv.first_seen == 2000 && rv.reason == 4);
    /* A CRL observed earlier than both, ingested last: its sighting wins. */
    e[0].revocation_date = 700;
    e[0].reason = 9;
    CHECK(cg_store_put_crl_entries(s, c3.sha256, iss, 8, (const uint8_t *)"", 0, e, 1, 500));
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0a", 1, &rv, &found));
    CHECK(found && rv.revocation_date == 700 && rv.reason == 9 && rv.first_seen == 500);
    CHECK(memcmp(rv.crl_sha256, c3.sha256, 32) == 0);
    /* Another scope of the same issuer: the earliest sighting overall. */
    CHECK(cg_store_put_crl_entries(s, c2.sha256, iss, 8, (const uint8_t *)"s2", 2, e, 1, 300));
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0a", 1, &rv, &found));
    CHECK(found && rv.first_seen == 300);
    CHECK(cg_store_revocation_lookup(s, iss, 8, (const uint8_t *)"\x0d", 1, &rv, &found));
    CHECK(found == 0);
    CHECK(cg_store_revocation_lookup(s, (const uint8_t *)"issuer-X", 8, (const uint8_t *)"\x0a", 1,
                                     &rv, &found));
    CHECK(found == 0);
}

typedef struct flist {
    size_t n;
    int64_t id[32];
    char rule[32][64];
    char message[32][128];
    char extra[32][128];
    int64_t incident[32], first[32], last[32];
    int resolved[32], has_object[32];
    cg_kind kind[32];
    char file[32][32];
    int64_t index[32];
} flist;

static int fcollect(void *arg, const cg_store_finding *f)
{
    flist *l = arg;
    if (l->n < 32) {
        size_t i = l->n;
        l->id[i] = f->id;
        snprintf(l->rule[i], sizeof(l->rule[i]), "%s", f->rule);
        snprintf(l->message[i], sizeof(l->message[i]), "%s", f->message);
        snprintf(l->extra[i], sizeof(l->extra[i]), "%s", f->extra != NULL ? f->extra : "(null)");
        l->incident[i] = f->incident;
        l->first[i] = f->first_seen;
        l->last[i] = f->last_seen;
        l->resolved[i] = f->resolved;
        l->has_object[i] = f->has_object;
        l->kind[i] = f->kind;
        snprintf(l->file[i], sizeof(l->file[i]), "%s", f->file != NULL ? f->file : "(null)");
        l->index[i] = f->index;
    }
    l->n++;
    return 1;
}

static void test_findings(cg_store *s)
{
    cg_store_object o;
    cg_store_finding f;
    cg_store_finding_filter flt;
    cg_incident inc;
    int is_new = -1;
    int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;
    flist l;

    make_object(&o, 0x13, 7, CG_KIND_CERT, "issuer-F", "\x07", 100);
    o.file = "f.pem";
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memset(&f, 0, sizeof(f));
    f.rule = "ct.pair.tbs_mismatch";
    f.severity = CG_SEV_ERROR;
    f.has_object = 1;
    memcpy(f.object, o.sha256, 32);
    f.message = "first message";
    f.extra = "{\"k\":\"v\"}";
    CHECK(cg_store_put_finding(s, &f, 10000, &is_new, &id1));
    CHECK(is_new == 1 && id1 > 0);
    /* The repeat: same ID, last_seen moves on, the latest message and
     * fields replace the old ones. */
    f.message = "second message";
    f.extra = "{\"k\":\"w\"}";
    CHECK(cg_store_put_finding(s, &f, 20000, &is_new, &id2));
    CHECK(is_new == 0 && id2 == id1);
    /* Seen at an earlier time: nothing changes, last_seen does not go
     * back, the later message stays. */
    f.message = "older message";
    f.extra = NULL;
    CHECK(cg_store_put_finding(s, &f, 15000, &is_new, &id2));
    CHECK(is_new == 0 && id2 == id1);
    f.message = "second message";
    f.extra = "{\"k\":\"w\"}";
    /* Another rule on the same object is another finding. */
    f.rule = "ct.sct.signature_invalid";
    f.extra = NULL;
    f.message = "sct";
    CHECK(cg_store_put_finding(s, &f, 10000, &is_new, &id3));
    CHECK(is_new == 1 && id3 != id1);

    memset(&inc, 0, sizeof(inc));
    inc.kind = "misissuance";
    inc.reported_at = 5000;
    CHECK(cg_store_incident_create(s, &inc));
    CHECK(inc.id > 0);
    /* The same rule and object within an incident is a third finding; an
     * incident finding without an object, a fourth. */
    f.rule = "ct.pair.tbs_mismatch";
    f.incident = inc.id;
    CHECK(cg_store_put_finding(s, &f, 30000, &is_new, &id4));
    CHECK(is_new == 1 && id4 != id1);
    f.has_object = 0;
    f.rule = "incident.full_report_overdue";
    f.message = "no full report";
    CHECK(cg_store_put_finding(s, &f, 30000, &is_new, &id4));
    CHECK(is_new == 1);
    CHECK(cg_store_put_finding(s, &f, 31000, &is_new, NULL));
    CHECK(is_new == 0);

    memset(&flt, 0, sizeof(flt));
    flt.has_object = 1;
    memcpy(flt.object, o.sha256, 32);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 3);
    if (l.n == 3) {
        CHECK(l.id[0] == id1 && strcmp(l.rule[0], "ct.pair.tbs_mismatch") == 0);
        CHECK(strcmp(l.message[0], "second message") == 0);
        CHECK(strcmp(l.extra[0], "{\"k\":\"w\"}") == 0);
        CHECK(l.first[0] == 10000 && l.last[0] == 20000);
        CHECK(l.incident[0] == 0 && l.resolved[0] == 0 && l.has_object[0]);
        CHECK(l.kind[0] == CG_KIND_CERT && strcmp(l.file[0], "f.pem") == 0 && l.index[0] == 7);
        CHECK(strcmp(l.extra[1], "(null)") == 0);
        CHECK(l.incident[2] == inc.id);
    }
    /* Filters: rule, since, incident, open. */
    memset(&flt, 0, sizeof(flt));
    flt.rule = "incident.full_report_overdue";
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 1 && l.has_object[0] == 0 && l.kind[0] == CG_KIND_INCIDENT);
    CHECK(l.first[0] == 30000 && l.last[0] == 31000);
    CHECK(strcmp(l.file[0], "(null)") == 0);
    memset(&flt, 0, sizeof(flt));
    flt.incident = inc.id;
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 2);
    memset(&flt, 0, sizeof(flt));
    flt.has_since = 1;
    flt.since = 30000;
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 2);
    CHECK(cg_store_resolve_finding(s, id1, 40000));
    CHECK(cg_store_resolve_finding(s, id1, 50000)); /* once resolved, stays at 40000 */
    memset(&flt, 0, sizeof(flt));
    flt.open_only = 1;
    flt.has_object = 1;
    memcpy(flt.object, o.sha256, 32);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 2);
    for (size_t i = 0; i < l.n && i < 32; i++)
        CHECK(l.id[i] != id1);
    flt.open_only = 0;
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 3 && l.resolved[0] == 1);
    /* A resolved finding seen before its resolution stays resolved (an
     * ingest evaluated at an earlier time); seen again at or after it, it
     * is open again, counts as new and carries the new message. */
    f.has_object = 1;
    f.incident = 0;
    f.rule = "ct.pair.tbs_mismatch";
    f.message = "back again";
    CHECK(cg_store_put_finding(s, &f, 35000, &is_new, NULL));
    CHECK(is_new == 0);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 3 && l.resolved[0] == 1 && l.last[0] == 35000);
    CHECK(l.n == 3 && strcmp(l.message[0], "back again") == 0);
    f.message = "back for good";
    CHECK(cg_store_put_finding(s, &f, 40000, &is_new, &id2));
    CHECK(is_new == 1 && id2 == id1);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 3 && l.resolved[0] == 0 && l.last[0] == 40000 && l.first[0] == 10000);
    CHECK(l.n == 3 && strcmp(l.message[0], "back for good") == 0);
    /* A repeat of the open finding is a repeat again. */
    CHECK(cg_store_put_finding(s, &f, 60000, &is_new, NULL));
    CHECK(is_new == 0);
    CHECK(cg_store_resolve_finding(s, id1, 60000));
    /* Resolving by rule and object: only the open one without incident. */
    int resolved = -1;
    CHECK(cg_store_resolve_open(s, "ct.sct.signature_invalid", o.sha256, 70000, &resolved));
    CHECK(resolved == 1);
    CHECK(cg_store_resolve_open(s, "ct.sct.signature_invalid", o.sha256, 80000, &resolved));
    CHECK(resolved == 0);
    CHECK(cg_store_resolve_open(s, "crl.stale", o.sha256, 80000, &resolved));
    CHECK(resolved == 0);
    memset(&flt, 0, sizeof(flt));
    flt.rule = "ct.sct.signature_invalid";
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 1 && l.resolved[0] == 1 && l.id[0] == id3);
    /* A list of IDs (the outbox reads a claim's findings at once): those
     * that exist, alone or with another filter. */
    const int64_t ids[3] = {id3, id1 + id3 + id4 + 1000, id1};
    memset(&flt, 0, sizeof(flt));
    flt.ids = ids;
    flt.n_ids = 3;
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 2 && ((l.id[0] == id1 && l.id[1] == id3) || (l.id[0] == id3 && l.id[1] == id1)));
    CHECK(l.n == 2 && l.kind[0] == CG_KIND_CERT && strcmp(l.file[0], "f.pem") == 0);
    flt.rule = "ct.sct.signature_invalid";
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_findings(s, &flt, fcollect, &l));
    CHECK(l.n == 1 && l.id[0] == id3);
    /* A finding on an object that is not stored is refused. */
    sha(f.object, 0x13, 9999);
    CHECK(!cg_store_put_finding(s, &f, 1, &is_new, NULL));
    CHECK(cg_store_errmsg(s)[0] != '\0');
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int cert_eq(const cg_incident_cert *a, const cg_incident_cert *b)
{
    return memcmp(a->sha256, b->sha256, 32) == 0 && a->is_precert == b->is_precert &&
           a->has_precert_sha == b->has_precert_sha &&
           (!a->has_precert_sha || memcmp(a->precert_sha256, b->precert_sha256, 32) == 0) &&
           a->has_cert_sha == b->has_cert_sha &&
           (!a->has_cert_sha || memcmp(a->cert_sha256, b->cert_sha256, 32) == 0) &&
           str_eq(a->serial_hex, b->serial_hex) && str_eq(a->issuer, b->issuer) &&
           str_eq(a->subject, b->subject) && str_eq(a->dns_names, b->dns_names) &&
           a->not_before == b->not_before && a->not_after == b->not_after &&
           a->revoked == b->revoked && a->revocation_date == b->revocation_date &&
           a->published_at == b->published_at && a->reason == b->reason;
}

static int count_incidents(void *arg, const cg_incident *inc)
{
    size_t *n = arg;
    (void)inc;
    (*n)++;
    return 1;
}

static void test_incidents(cg_store *s)
{
    cg_incident inc, got_inc;
    cg_incident_cert certs[2];
    cg_incident_event events[3];
    int found = -1, is_new = -1;
    memset(&inc, 0, sizeof(inc));
    memset(certs, 0, sizeof(certs));
    memset(events, 0, sizeof(events));
    sha(certs[0].sha256, 0x14, 1);
    certs[0].is_precert = 0;
    certs[0].has_precert_sha = 1;
    sha(certs[0].precert_sha256, 0x14, 2);
    certs[0].serial_hex = "03e2";
    certs[0].issuer = "CN=R3,O=Let's Encrypt,C=US";
    certs[0].subject = "CN=example.com";
    certs[0].dns_names = "example.com,www.example.com";
    certs[0].not_before = 1686000000;
    certs[0].not_after = 1693776000;
    certs[0].revoked = 1;
    certs[0].revocation_date = 1687000000;
    certs[0].published_at = 1687003600;
    certs[0].reason = 4;
    sha(certs[1].sha256, 0x14, 2);
    certs[1].is_precert = 1;
    certs[1].has_cert_sha = 1;
    sha(certs[1].cert_sha256, 0x14, 1);
    certs[1].serial_hex = "03e2";
    certs[1].issuer = NULL; /* NULL strings round-trip as NULL */
    certs[1].subject = "";
    certs[1].dns_names = "";
    certs[1].reason = -1;
    events[0] = (cg_incident_event){0, CG_EVENT_FULL_REPORT, 3000, "full"};
    events[1] = (cg_incident_event){0, CG_EVENT_PRELIMINARY_REPORT, 2000, NULL};
    events[2] = (cg_incident_event){0, CG_EVENT_UPDATE, 2500, "update: ünïcode"};
    inc.kind = "misissuance";
    inc.title = "Extra policy OID";
    inc.source = CG_SOURCE_THIRD_PARTY;
    inc.reported_at = 1000;
    inc.next_update_at = 0;
    inc.certs = certs;
    inc.n_certs = 2;
    inc.events = events;
    inc.n_events = 3;
    CHECK(cg_store_incident_create(s, &inc));
    CHECK(inc.id > 0);
    CHECK(events[0].id > 0 && events[1].id > 0 && events[2].id > 0);

    CHECK(cg_store_incident_get(s, inc.id, &got_inc, &found));
    CHECK(found == 1);
    if (found) {
        CHECK(got_inc.id == inc.id && strcmp(got_inc.kind, "misissuance") == 0);
        CHECK(str_eq(got_inc.title, "Extra policy OID"));
        CHECK(got_inc.source == CG_SOURCE_THIRD_PARTY && got_inc.reported_at == 1000);
        CHECK(got_inc.next_update_at == 0);
        CHECK(got_inc.n_certs == 2);
        CHECK(got_inc.n_certs == 2 && cert_eq(&got_inc.certs[0], &certs[0]));
        CHECK(got_inc.n_certs == 2 && cert_eq(&got_inc.certs[1], &certs[1]));
        /* events in time order */
        CHECK(got_inc.n_events == 3);
        if (got_inc.n_events == 3) {
            CHECK(got_inc.events[0].type == CG_EVENT_PRELIMINARY_REPORT);
            CHECK(got_inc.events[0].at == 2000 && got_inc.events[0].note == NULL);
            CHECK(got_inc.events[0].id == events[1].id);
            CHECK(got_inc.events[1].type == CG_EVENT_UPDATE);
            CHECK(str_eq(got_inc.events[1].note, "update: ünïcode"));
            CHECK(got_inc.events[2].type == CG_EVENT_FULL_REPORT && got_inc.events[2].at == 3000);
        }
    }
    cg_incident_clear(&got_inc);

    /* Add a certificate, replace one, add an event, set the next update. */
    cg_incident_cert c3 = certs[1];
    sha(c3.sha256, 0x14, 3);
    CHECK(cg_store_incident_add_cert(s, inc.id, &c3, &is_new));
    CHECK(is_new == 1);
    c3.revoked = 1;
    c3.reason = 1;
    CHECK(cg_store_incident_add_cert(s, inc.id, &c3, &is_new));
    CHECK(is_new == 0);
    cg_incident_event ev = {0, CG_EVENT_CLOSURE, 4000, "closed"};
    CHECK(cg_store_incident_add_event(s, inc.id, &ev));
    CHECK(ev.id > 0);
    CHECK(cg_store_incident_set_next_update(s, inc.id, 9000));
    CHECK(cg_store_incident_get(s, inc.id, &got_inc, &found));
    CHECK(found && got_inc.n_certs == 3 && got_inc.n_events == 4 &&
          got_inc.next_update_at == 9000);
    if (found && got_inc.n_certs == 3) {
        CHECK(cert_eq(&got_inc.certs[2], &c3));
        CHECK(got_inc.events[3].type == CG_EVENT_CLOSURE);
    }
    cg_incident_clear(&got_inc);

    /* Unknown incidents. */
    CHECK(cg_store_incident_get(s, inc.id + 1000, &got_inc, &found));
    CHECK(found == 0);
    CHECK(!cg_store_incident_add_event(s, inc.id + 1000, &ev));
    CHECK(strstr(cg_store_errmsg(s), "no incident") != NULL);
    CHECK(!cg_store_incident_add_cert(s, inc.id + 1000, &c3, NULL));
    CHECK(!cg_store_incident_set_next_update(s, inc.id + 1000, 1));

    /* A second incident; the list has both (and whatever else the store
     * holds). */
    cg_incident inc2;
    memset(&inc2, 0, sizeof(inc2));
    inc2.kind = "key-compromise";
    inc2.source = CG_SOURCE_SELF;
    inc2.reported_at = 7000;
    CHECK(cg_store_incident_create(s, &inc2));
    CHECK(inc2.id > inc.id);
    size_t n = 0;
    CHECK(cg_store_incident_list(s, count_incidents, &n));
    CHECK(n >= 2);

    /* Revocations observed on stored CRLs fill an incident's certificates. */
    cg_store_object cert, crl;
    make_object(&cert, 0x14, 1, CG_KIND_CERT, "issuer-I", "\x42", 1);
    make_object(&crl, 0x14, 50, CG_KIND_CRL, "issuer-I", NULL, 1);
    crl.scope = (const uint8_t *)"";
    CHECK(cg_store_put_object(s, &cert, NULL, NULL));
    CHECK(cg_store_put_object(s, &crl, NULL, NULL));
    cg_store_crl_entry e = {(const uint8_t *)"\x42", 1, 1234, 5};
    CHECK(cg_store_put_crl_entries(s, crl.sha256, (const uint8_t *)"issuer-I", 8,
                                   (const uint8_t *)"", 0, &e, 1, 5678));
    CHECK(cg_store_incident_get(s, inc.id, &got_inc, &found));
    CHECK(found);
    if (found && got_inc.n_certs == 3) {
        got_inc.certs[1].revoked = 0;
        CHECK(cg_store_incident_observe_revocations(s, &got_inc));
        CHECK(got_inc.certs[0].revoked == 1 && got_inc.certs[0].revocation_date == 1234);
        CHECK(got_inc.certs[0].published_at == 5678 && got_inc.certs[0].reason == 5);
        CHECK(got_inc.certs[1].revoked == 0); /* not stored as an object */
    }
    cg_incident_clear(&got_inc);
}

typedef struct {
    int n;
    char urls[4][64];
} sources_seen;

static int source_fn(void *arg, const cg_store_crl_source *src)
{
    sources_seen *ss = arg;
    if (ss->n < 4)
        snprintf(ss->urls[ss->n], sizeof(ss->urls[0]), "%.63s", src->url);
    ss->n++;
    return 1;
}

static void test_crl_sources(cg_store *s)
{
    cg_store_crl_source a, b;
    int found = -1;
    memset(&a, 0, sizeof(a));
    snprintf(a.url, sizeof(a.url), "http://crl.example.test/c1/1.crl");
    snprintf(a.origin, sizeof(a.origin), "config");
    snprintf(a.issuer_label, sizeof(a.issuer_label), "c1");
    a.has_issuer = 1;
    memset(a.issuer, 0xc1, 32);
    snprintf(a.etag, sizeof(a.etag), "\"abc\"");
    snprintf(a.last_modified, sizeof(a.last_modified), "Mon, 01 Jan 2024 00:00:00 GMT");
    a.last_fetch = 1700000000;
    a.last_change = 1700000000;
    a.http_code = 200;
    snprintf(a.status, sizeof(a.status), "200: new CRL");
    a.has_body = 1;
    memset(a.body_sha256, 0xb0, 32);
    a.has_crl = 1;
    memset(a.crl_sha256, 0xc0, 32);
    a.this_update = 1699990000;
    a.next_update = 1700600000;
    a.entries = 12345;
    CHECK(cg_store_crl_source_get(s, a.url, &b, &found) && found == 0);
    CHECK(cg_store_crl_source_put(s, &a));
    memset(&b, 0x55, sizeof(b));
    CHECK(cg_store_crl_source_get(s, a.url, &b, &found) && found == 1);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);

    /* a failed fetch replaces the status, keeps what the caller keeps */
    a.last_fetch = 1700000600;
    a.http_code = 0;
    snprintf(a.status, sizeof(a.status), "unreachable: connection refused");
    a.failures = 1;
    a.has_body = 0;
    memset(a.body_sha256, 0, 32);
    memset(a.etag, 0, sizeof(a.etag));
    CHECK(cg_store_crl_source_put(s, &a));
    CHECK(cg_store_crl_source_get(s, a.url, &b, &found) && found == 1);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);

    cg_store_crl_source l;
    memset(&l, 0, sizeof(l));
    snprintf(l.url, sizeof(l.url), "http://crl.example.test/all.json");
    snprintf(l.origin, sizeof(l.origin), "config");
    l.is_list = 1;
    CHECK(cg_store_crl_source_put(s, &l));
    sources_seen ss;
    memset(&ss, 0, sizeof(ss));
    CHECK(cg_store_crl_sources(s, source_fn, &ss));
    CHECK(ss.n == 2);
    CHECK(strcmp(ss.urls[0], "http://crl.example.test/all.json") == 0);
    CHECK(strcmp(ss.urls[1], "http://crl.example.test/c1/1.crl") == 0);
    CHECK(cg_store_crl_source_get(s, l.url, &b, &found) && found && b.is_list && !b.has_issuer &&
          !b.has_crl && b.etag[0] == '\0');

    l.url[0] = '\0';
    CHECK(!cg_store_crl_source_put(s, &l));
}

static void test_transactions(cg_store *s)
{
    cg_store_object a, b;
    cg_incident_event ev = {0, CG_EVENT_UPDATE, 1, NULL};
    int found = -1;
    make_object(&a, 0x15, 1, CG_KIND_CERT, "issuer-T", "\x01", 1);
    make_object(&b, 0x15, 2, CG_KIND_CERT, "issuer-T", "\x02", 1);
    /* Rolled back: gone. */
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_object(s, &a, NULL, NULL));
    CHECK(!cg_store_begin(s)); /* no nesting */
    CHECK(cg_store_rollback(s));
    cg_store_object *r = cg_store_get1_object(s, a.sha256, &found);
    CHECK(r == NULL && found == 0);
    /* Committed: there. */
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_object(s, &a, NULL, NULL));
    CHECK(cg_store_commit(s));
    r = cg_store_get1_object(s, a.sha256, &found);
    CHECK(r != NULL && found == 1);
    cg_store_object_free(r);
    /* A failed write dooms the transaction: commit rolls it all back. */
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_object(s, &b, NULL, NULL));
    CHECK(!cg_store_incident_add_event(s, 999999999, &ev));
    CHECK(!cg_store_put_object(s, &b, NULL, NULL)); /* refused after the failure */
    CHECK(!cg_store_commit(s));
    r = cg_store_get1_object(s, b.sha256, &found);
    CHECK(r == NULL && found == 0);
    CHECK(!cg_store_commit(s)); /* nothing open any more */
    CHECK(!cg_store_rollback(s));
    /* A write outside a transaction commits on its own. */
    CHECK(cg_store_put_object(s, &b, NULL, NULL));
    r = cg_store_get1_object(s, b.sha256, &found);
    CHECK(r != NULL && found == 1);
    cg_store_object_free(r);
}

typedef struct lstate {
    size_t n;
    char url[4][64];
    uint64_t position[4];
    uint8_t frontier[4][CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t frontier_len[4];
    int has_sth[4];
    uint64_t sth_size[4];
    uint8_t root0[4];
    uint8_t sig[4][8];
    size_t sig_len[4];
    int64_t failing_since[4];
} lstate;

static int collect_log(void *arg, const cg_store_log_state *ls)
{
    lstate *l = arg;
    if (l->n < 4) {
        snprintf(l->url[l->n], sizeof(l->url[0]), "%s", ls->url);
        l->position[l->n] = ls->position;
        l->frontier_len[l->n] = ls->frontier_len;
        memcpy(l->frontier[l->n], ls->frontier,
               ls->frontier_len < sizeof(l->frontier[0]) ? ls->frontier_len
                                                         : sizeof(l->frontier[0]));
        l->has_sth[l->n] = ls->has_sth;
        l->sth_size[l->n] = ls->sth_size;
        l->root0[l->n] = ls->sth_root[0];
        l->sig_len[l->n] = ls->sth_signature_len;
        if (ls->sth_signature != NULL)
            memcpy(l->sig[l->n], ls->sth_signature,
                   ls->sth_signature_len < 8 ? ls->sth_signature_len : 8);
        l->failing_since[l->n] = ls->failing_since;
    }
    l->n++;
    return 1;
}

static int log_finding_count(void *arg, const cg_store_finding *f)
{
    size_t *n = arg;
    if (f->has_log && f->log_url != NULL && strcmp(f->log_url, "https://b.example/") == 0 &&
        f->log_id[0] == 0xb0 && f->subject != NULL && !f->has_object)
        (*n)++;
    return 1;
}

static int log_finding_count_any(void *arg, const cg_store_finding *f)
{
    size_t *n = arg;
    if (f->has_log && f->log_id[0] == 0xd0)
        (*n)++;
    return 1;
}

/* The monitor's log state and findings about a log. */
static void test_logs(cg_store *s)
{
    cg_store_log_state ls;
    lstate l;
    int found = -1, is_new = -1;
    static const uint8_t fr[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t sig[] = {4, 3, 0, 2, 0xaa, 0xbb};
    memset(&ls, 0, sizeof(ls));
    memset(ls.log_id, 0xb0, 32);
    ls.url = "https://b.example/";
    ls.position = 0;
    ls.frontier = fr;
    ls.frontier_len = sizeof(fr);
    ls.failing_since = 500;
    ls.updated_at = 500;
    CHECK(cg_store_log_state_put(s, &ls));
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_state_get(s, ls.log_id, collect_log, &l, &found));
    CHECK(found == 1 && l.n == 1 && strcmp(l.url[0], "https://b.example/") == 0);
    CHECK(l.has_sth[0] == 0 && l.failing_since[0] == 500 && l.frontier_len[0] == sizeof(fr));
    /* Replaced whole: a tree head now, no failure. */
    ls.position = 0;
    ls.has_sth = 1;
    ls.sth_size = 1000;
    ls.sth_timestamp = 1700000000000;
    memset(ls.sth_root, 0x5a, 32);
    ls.sth_signature = sig;
    ls.sth_signature_len = sizeof(sig);
    ls.failing_since = 0;
    ls.last_contact = 600;
    CHECK(cg_store_log_state_put(s, &ls));
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_state_get(s, ls.log_id, collect_log, &l, &found));
    CHECK(found == 1 && l.has_sth[0] == 1 && l.sth_size[0] == 1000 && l.root0[0] == 0x5a);
    CHECK(l.sig_len[0] == sizeof(sig) && memcmp(l.sig[0], sig, sizeof(sig)) == 0);
    CHECK(l.failing_since[0] == 0);
    /* Another log; the list is by URL. */
    memset(ls.log_id, 0xa0, 32);
    ls.url = "https://a.example/";
    CHECK(cg_store_log_state_put(s, &ls));
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_states(s, collect_log, &l));
    CHECK(l.n == 2 && strcmp(l.url[0], "https://a.example/") == 0);
    uint8_t none[32];
    memset(none, 0xc0, 32);
    CHECK(cg_store_log_state_get(s, none, collect_log, &l, &found) && found == 0);

    /* Findings about a log: deduplicated by rule, log and subject. */
    cg_store_finding f;
    size_t n = 0;
    memset(&f, 0, sizeof(f));
    f.rule = "ct.log.entry_malformed";
    f.severity = CG_SEV_ERROR;
    f.has_log = 1;
    memset(f.log_id, 0xb0, 32);
    f.subject = "entry 7";
    f.message = "entry 7 does not parse";
    CHECK(cg_store_put_finding(s, &f, 700, &is_new, NULL) && is_new == 1);
    CHECK(cg_store_put_finding(s, &f, 800, &is_new, NULL) && is_new == 0);
    f.subject = "entry 8";
    CHECK(cg_store_put_finding(s, &f, 800, &is_new, NULL) && is_new == 1);
    memset(f.log_id, 0xa0, 32);
    CHECK(cg_store_put_finding(s, &f, 800, &is_new, NULL) && is_new == 1);
    /* Not about a log and an object at once. */
    f.has_object = 1;
    CHECK(!cg_store_put_finding(s, &f, 800, &is_new, NULL));
    cg_store_finding_filter flt;
    memset(&flt, 0, sizeof(flt));
    flt.rule = "ct.log.entry_malformed";
    CHECK(cg_store_findings(s, &flt, log_finding_count, &n));
    CHECK(n == 2);
}

/* A CRL of a few hundred entries: on a backend with a bulk path
 * (PostgreSQL's COPY) it goes that way, and must mean the same as one
 * upsert a row: earliest sighting wins, a serial listed twice counts
 * once (the first), NULL reasons and serials with 0x00 bytes survive. */
static void test_bulk_entries(cg_store *s)
{
    enum { N = 300 };
    cg_store_object c1, c2;
    static cg_store_crl_entry e[N + 1];
    static uint8_t serials[N][3];
    cg_store_revocation rv;
    int found = -1, ok = 1;
    const uint8_t *iss = (const uint8_t *)"issuer-B\x00x";
    make_object(&c1, 0x30, 1, CG_KIND_CRL, "issuer-B", NULL, 1000);
    make_object(&c2, 0x30, 2, CG_KIND_CRL, "issuer-B", NULL, 500);
    c1.scope = c2.scope = (const uint8_t *)"";
    CHECK(cg_store_put_object(s, &c1, NULL, NULL));
    CHECK(cg_store_put_object(s, &c2, NULL, NULL));
    for (int i = 0; i < N; i++) {
        serials[i][0] = 0x00;
        serials[i][1] = (uint8_t)(i >> 8);
        serials[i][2] = (uint8_t)i;
        e[i] = (cg_store_crl_entry){serials[i], 3, 100000 + i, i % 3 == 0 ? -1 : i % 10};
    }
    /* serial 7 again, with another date: the first listing counts */
    e[N] = (cg_store_crl_entry){serials[7], 3, 5, 1};
    CHECK(cg_store_put_crl_entries(s, c1.sha256, iss, 10, (const uint8_t *)"", 0, e, N + 1,
                                   1000));
    for (int i = 0; i < N; i++) {
        ok &= cg_store_revocation_lookup(s, iss, 10, serials[i], 3, &rv, &found) && found &&
              rv.revocation_date == 100000 + i && rv.reason == (i % 3 == 0 ? -1 : i % 10) &&
              rv.first_seen == 1000 && memcmp(rv.crl_sha256, c1.sha256, 32) == 0;
    }
    CHECK(ok);
    /* An earlier sighting of the first half, ingested later, wins there. */
    for (int i = 0; i < N / 2; i++)
        e[i].revocation_date = 200000 + i;
    CHECK(cg_store_put_crl_entries(s, c2.sha256, iss, 10, (const uint8_t *)"", 0, e, N / 2, 500));
    /* A later one changes nothing. */
    CHECK(cg_store_put_crl_entries(s, c1.sha256, iss, 10, (const uint8_t *)"", 0, e, N, 3000));
    ok = 1;
    for (int i = 0; i < N; i++) {
        int early = i < N / 2;
        ok &= cg_store_revocation_lookup(s, iss, 10, serials[i], 3, &rv, &found) && found &&
              rv.revocation_date == (early ? 200000 : 100000) + i &&
              rv.first_seen == (early ? 500 : 1000) &&
              memcmp(rv.crl_sha256, early ? c2.sha256 : c1.sha256, 32) == 0;
    }
    CHECK(ok);
    /* Inside an explicit transaction, rolled back: nothing of it stays. */
    static const uint8_t other[3] = {0x7f, 0x00, 0x00};
    e[0] = (cg_store_crl_entry){other, 3, 1, 1};
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_crl_entries(s, c1.sha256, iss, 10, (const uint8_t *)"", 0, e, N, 100));
    CHECK(cg_store_rollback(s));
    CHECK(cg_store_revocation_lookup(s, iss, 10, other, 3, &rv, &found) && found == 0);
    CHECK(cg_store_revocation_lookup(s, iss, 10, serials[1], 3, &rv, &found) && found &&
          rv.first_seen == 500);
}

/* Bytes are bytes: every byte value, NULs included, a large DER, an
 * empty scope that is not NULL; text is UTF-8 as given. */
static void test_binary(cg_store *s)
{
    enum { BIG = 200000 };
    uint8_t *der = malloc(BIG);
    static const uint8_t issuer[] = {0x30, 0x00, 0xff, 0x00, 0x27, 0x5c, 0x3f};
    cg_store_object o;
    int found = -1, is_new = -1;
    CHECK(der != NULL);
    if (der == NULL)
        return;
    for (size_t i = 0; i < BIG; i++)
        der[i] = (uint8_t)(i * 7 + (i >> 8));
    make_object(&o, 0x31, 1, CG_KIND_CERT, NULL, NULL, 10);
    o.der = der;
    o.der_len = BIG;
    o.issuer = issuer;
    o.issuer_len = sizeof(issuer);
    o.serial = (const uint8_t *)"\x00\x00";
    o.serial_len = 2;
    o.scope = (const uint8_t *)"";
    o.scope_len = 0;
    o.file = "certificats/été-\xe2\x9c\x93 'quoted' ?.pem";
    CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 1);
    cg_store_object *r = cg_store_get1_object(s, o.sha256, &found);
    CHECK(r != NULL && found == 1);
    if (r != NULL) {
        CHECK(r->der_len == BIG && memcmp(r->der, der, BIG) == 0);
        CHECK(r->issuer_len == sizeof(issuer) && memcmp(r->issuer, issuer, sizeof(issuer)) == 0);
        CHECK(r->serial_len == 2 && memcmp(r->serial, "\x00\x00", 2) == 0);
        CHECK(r->scope != NULL && r->scope_len == 0);
        CHECK(r->file != NULL && strcmp(r->file, o.file) == 0);
    }
    cg_store_object_free(r);
    free(der);
}

/* A failed write says what the database said, dooms only its own
 * transaction, and the store goes on. */
/* Whether msg says "foreign key" in any case. */
static int says_foreign_key(const char *msg)
{
    for (const char *p = msg; *p != '\0'; p++) {
        if (strncasecmp(p, "foreign key", 11) == 0)
            return 1;
    }
    return 0;
}

static void test_errors(cg_store *s)
{
    cg_store_finding f;
    cg_store_object o;
    int is_new = -1;
    memset(&f, 0, sizeof(f));
    f.rule = "test.fk";
    f.severity = CG_SEV_ERROR;
    f.has_object = 1;
    sha(f.object, 0x32, 1); /* no such object */
    f.message = "about an object that is not stored";
    CHECK(!cg_store_put_finding(s, &f, 10, NULL, NULL));
    CHECK(says_foreign_key(cg_store_errmsg(s)));
    if (!says_foreign_key(cg_store_errmsg(s)))
        fprintf(stderr, "  the message was: %s\n", cg_store_errmsg(s));
    make_object(&o, 0x32, 1, CG_KIND_CERT, "issuer-F", "\x01", 10);
    CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 1);
    CHECK(cg_store_put_finding(s, &f, 10, &is_new, NULL) && is_new == 1);
    /* In an explicit transaction the failure dooms the commit. */
    CHECK(cg_store_begin(s));
    f.rule = "test.fk2";
    sha(f.object, 0x32, 2);
    CHECK(!cg_store_put_finding(s, &f, 10, NULL, NULL));
    CHECK(!cg_store_commit(s));
    CHECK(cg_store_put_finding(s, &f, 10, NULL, NULL) == 0); /* still no object 2 */
    sha(f.object, 0x32, 1);
    CHECK(cg_store_put_finding(s, &f, 10, &is_new, NULL) && is_new == 1);
}

/* ---- summaries (caguard report) ---- */

typedef struct counts {
    int64_t obj[2][5];   /* issuer-D1, issuer-D2 by kind */
    int64_t open[2][3];  /* by severity */
    int rows_d1;         /* object count rows of issuer-D1 */
    int64_t hist[2][4];  /* test.dash.one, test.dash.two by bucket 0..3 */
    int hist_other;      /* rows of those rules outside buckets 0..3 */
    size_t crls;         /* issuer-D1's CRLs through objects_by_kind, in order */
    uint32_t crl_order[4];
} counts;

static int which_issuer(const uint8_t *issuer, size_t n)
{
    if (issuer != NULL && n == 9 && memcmp(issuer, "issuer-D1", 9) == 0)
        return 0;
    if (issuer != NULL && n == 9 && memcmp(issuer, "issuer-D2", 9) == 0)
        return 1;
    return -1;
}

static int count_obj(void *arg, const uint8_t *issuer, size_t n, cg_kind kind, int64_t count)
{
    counts *c = arg;
    int w = which_issuer(issuer, n);
    if (w >= 0 && (int)kind < 5)
        c->obj[w][kind] += count;
    if (w == 0)
        c->rows_d1++;
    return 1;
}

static int count_open(void *arg, const uint8_t *issuer, size_t n, cg_severity sev, int64_t count)
{
    counts *c = arg;
    int w = which_issuer(issuer, n);
    if (w >= 0)
        c->open[w][sev] += count;
    return 1;
}

static int count_hist(void *arg, const char *rule, int64_t bucket, int64_t count)
{
    counts *c = arg;
    int w = strcmp(rule, "test.dash.one") == 0 ? 0 : strcmp(rule, "test.dash.two") == 0 ? 1 : -1;
    if (w < 0)
        return 1;
    if (bucket >= 0 && bucket < 4)
        c->hist[w][bucket] += count;
    else
        c->hist_other++;
    return 1;
}

static int crl_order(void *arg, const cg_store_object *o)
{
    counts *c = arg;
    if (o->kind != CG_KIND_CRL)
        c->crls = 99;
    if (which_issuer(o->issuer, o->issuer_len) == 0 && c->crls < 4)
        c->crl_order[c->crls++] = (uint32_t)o->index;
    return 1;
}

static void put_f(cg_store *s, const char *rule, cg_severity sev, const uint8_t *object,
                  int64_t seen, int64_t *id)
{
    cg_store_finding f;
    memset(&f, 0, sizeof(f));
    f.rule = rule;
    f.severity = sev;
    f.has_object = object != NULL;
    if (object != NULL)
        memcpy(f.object, object, 32);
    f.message = "m";
    CHECK(cg_store_put_finding(s, &f, seen, NULL, id));
}

static void test_summaries(cg_store *s)
{
    const int64_t day = 86400, t0 = INT64_C(1700000000);
    cg_store_object o;
    counts c;
    int64_t id = 0, first = 0, last = 0;
    int found = -1;
    uint8_t c1[32], c2[32], p1[32], d2[32];

    make_object(&o, 0x41, 1, CG_KIND_CERT, "issuer-D1", "\x01", 100);
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memcpy(c1, o.sha256, 32);
    make_object(&o, 0x41, 2, CG_KIND_CERT, "issuer-D1", "\x02", 100);
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memcpy(c2, o.sha256, 32);
    make_object(&o, 0x41, 3, CG_KIND_PRECERT, "issuer-D1", "\x01", 100);
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memcpy(p1, o.sha256, 32);
    make_object(&o, 0x41, 5, CG_KIND_CRL, "issuer-D1", NULL, 100);
    o.scope = (const uint8_t *)"";
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    make_object(&o, 0x41, 4, CG_KIND_CRL, "issuer-D1", NULL, 100);
    o.scope = (const uint8_t *)"";
    o.not_before = 500; /* stored after the other, whatever its thisUpdate */
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    make_object(&o, 0x41, 6, CG_KIND_CERT, "issuer-D2", "\x01", 100);
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memcpy(d2, o.sha256, 32);

    /* Findings: two rules over four days from t0; one resolved, one
     * before the histogram's origin, one about no object. */
    put_f(s, "test.dash.one", CG_SEV_ERROR, c1, t0 + 10, NULL);
    put_f(s, "test.dash.two", CG_SEV_ERROR, c2, t0 + day, NULL);
    put_f(s, "test.dash.one", CG_SEV_ERROR, p1, t0 + 3 * day + 5, &id);
    CHECK(cg_store_resolve_finding(s, id, t0 + 4 * day));
    put_f(s, "test.dash.two", CG_SEV_WARNING, c1, t0 + day + 7, NULL);
    put_f(s, "test.dash.one", CG_SEV_NOTICE, d2, t0 + 3 * day + day - 1, NULL);
    put_f(s, "test.dash.two", CG_SEV_ERROR, d2, t0 - 1, NULL);
    put_f(s, "test.dash.one", CG_SEV_ERROR, NULL, t0 + 2 * day, NULL);

    memset(&c, 0, sizeof(c));
    CHECK(cg_store_object_counts(s, count_obj, &c));
    CHECK(c.obj[0][CG_KIND_CERT] == 2 && c.obj[0][CG_KIND_PRECERT] == 1);
    CHECK(c.obj[0][CG_KIND_CRL] == 2 && c.obj[0][CG_KIND_INPUT] == 0);
    CHECK(c.rows_d1 == 3); /* one row per kind */
    CHECK(c.obj[1][CG_KIND_CERT] == 1 && c.obj[1][CG_KIND_CRL] == 0);

    CHECK(cg_store_open_finding_counts(s, count_open, &c));
    CHECK(c.open[0][CG_SEV_ERROR] == 2);   /* c1, c2; p1's is resolved */
    CHECK(c.open[0][CG_SEV_WARNING] == 1);
    CHECK(c.open[0][CG_SEV_NOTICE] == 0);
    CHECK(c.open[1][CG_SEV_ERROR] == 1 && c.open[1][CG_SEV_NOTICE] == 1);

    CHECK(cg_store_finding_span(s, &first, &last, &found));
    CHECK(found == 1 && first <= t0 - 1 && last >= t0 + 4 * day - 1);

    CHECK(cg_store_finding_histogram(s, t0, day, count_hist, &c));
    CHECK(c.hist[0][0] == 1 && c.hist[0][1] == 0 && c.hist[0][2] == 1 && c.hist[0][3] == 2);
    CHECK(c.hist[1][0] == 0 && c.hist[1][1] == 2 && c.hist[1][2] == 0 && c.hist[1][3] == 0);
    CHECK(c.hist_other == 0); /* t0 - 1 is before the origin */
    CHECK(!cg_store_finding_histogram(s, t0, 0, count_hist, &c));
    CHECK(cg_store_errmsg(s)[0] != '\0');

    CHECK(cg_store_objects_by_kind(s, CG_KIND_CRL, crl_order, &c));
    CHECK(c.crls == 2 && c.crl_order[0] == 5 && c.crl_order[1] == 4);
}

/* Several processes opening one new store at once: one creates it, the
 * others wait and find it made (the migration lock); all can write. */
static void test_concurrent_open(const char *uri)
{
    enum { KIDS = 4 };
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            char err[512];
            cg_store_status st;
            cg_store_object o;
            int version = -1, is_new = -1;
            cg_store *s = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
            if (s == NULL) {
                fprintf(stderr, "child %d: %s\n", k, err);
                _exit(1);
            }
            make_object(&o, 0x33, 1, CG_KIND_CERT, "issuer-K", "\x01", 10 + k);
            int ok = cg_store_schema_version(s, &version) &&
                     version == CG_STORE_SCHEMA_VERSION &&
                     cg_store_put_object(s, &o, &is_new, NULL);
            if (!ok)
                fprintf(stderr, "child %d: %s\n", k, cg_store_errmsg(s));
            cg_store_close(s);
            _exit(ok ? 0 : 1);
        }
    }
    int all = 1;
    for (int k = 0; k < KIDS; k++) {
        int status = 0;
        all &= kids[k] > 0 && waitpid(kids[k], &status, 0) == kids[k] && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0;
    }
    CHECK(all);
    cg_store *s = open_store(uri);
    CHECK(s != NULL);
    if (s != NULL) {
        int64_t n = -1;
        CHECK(cg_store_count_objects(s, &n) && n == 1);
        cg_store_close(s);
    }
}

/* ---- monitors sharing the work: log ranges ---- */

/* A test log of n leaves (leaf i hashes "leaf i"). */
static void range_tree(cg_merkle_tree *t, uint8_t lh[][32], uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        char leaf[32];
        int len = snprintf(leaf, sizeof(leaf), "leaf %llu", (unsigned long long)i);
        CHECK(cg_merkle_leaf_hash(NULL, (const uint8_t *)leaf, (size_t)len, lh[i]));
        CHECK(cg_merkle_tree_append(t, lh[i]));
    }
}

/* The compact range of [a, b) of the test log, as a worker builds it. */
static size_t range_edge(uint8_t lh[][32], uint64_t a, uint64_t b, uint8_t *out)
{
    cg_merkle_compact c;
    cg_merkle_compact_init(&c, a);
    for (uint64_t i = a; i < b; i++)
        CHECK(cg_merkle_compact_append(NULL, &c, lh[i]));
    for (size_t i = 0; i < c.n; i++)
        memcpy(out + 32 * i, c.hash[i], 32);
    return c.n * 32;
}

static void range_head(cg_store *s, const uint8_t id[32], uint64_t size, uint8_t root[32])
{
    cg_store_log_state ls;
    static const uint8_t sig[] = {4, 3, 0, 2, 0xaa, 0xbb};
    memset(&ls, 0, sizeof(ls));
    memcpy(ls.log_id, id, 32);
    ls.url = "https://ranges.example/";
    ls.has_sth = 1;
    ls.sth_size = size;
    ls.sth_timestamp = 1700000000000 + size;
    memcpy(ls.sth_root, root, 32);
    ls.sth_signature = sig;
    ls.sth_signature_len = sizeof(sig);
    ls.last_contact = 900;
    ls.updated_at = 900;
    CHECK(cg_store_log_head_put(s, &ls));
}

/* Completes a claimed range in a transaction of its own and folds. */
static int range_finish(cg_store *s, const uint8_t id[32], const cg_store_log_lease *l,
                        const char *owner, uint8_t lh[][32], cg_store_log_fold *fo, int *lost)
{
    uint8_t edge[CG_MERKLE_MAX_COMPACT * 32];
    size_t n = range_edge(lh, l->start, l->stop, edge);
    if (!cg_store_begin(s))
        return 0;
    if (!cg_store_log_range_done(s, id, l, owner, edge, n, 1000, lost) ||
        (!*lost && !cg_store_log_ranges_fold(s, id, 1000, fo))) {
        cg_store_rollback(s);
        return 0;
    }
    if (*lost)
        return cg_store_rollback(s) && 0;
    return cg_store_commit(s);
}

static void test_log_ranges(cg_store *s, const char *uri)
{
    static uint8_t lh[40][32];
    uint8_t id[32], bad[32], root20[32], root37[32], root8[32], edge[CG_MERKLE_MAX_COMPACT * 32];
    cg_merkle_tree *t = cg_merkle_tree_new();
    cg_store *s2 = open_store(uri); /* a second worker's connection */
    cg_store_log_lease a, b, c, d;
    cg_store_log_range_counts rc;
    cg_store_log_fold fo;
    uint64_t planned = 99;
    int found = -1, lost = -1;
    lstate l;
    CHECK(t != NULL && s2 != NULL);
    if (t == NULL || s2 == NULL) {
        cg_merkle_tree_free(t);
        cg_store_close(s2);
        return;
    }
    range_tree(t, lh, 37);
    CHECK(cg_merkle_tree_range(t, 0, 20, root20) && cg_merkle_tree_range(t, 0, 37, root37) &&
          cg_merkle_tree_range(t, 0, 8, root8));
    memset(id, 0xd0, 32);

    /* No log_state row: nothing to plan against. */
    CHECK(!cg_store_log_ranges_plan(s, id, 20, root20, 8, NULL, 0, NULL));
    /* The tree head makes the row (position 0); a smaller one never
     * replaces a larger one. */
    range_head(s, id, 20, root20);
    range_head(s, id, 10, root8);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_state_get(s, id, collect_log, &l, &found));
    CHECK(found == 1 && l.has_sth[0] == 1 && l.sth_size[0] == 20 && l.position[0] == 0);

    /* Planned once, at multiples of 8, however often. */
    CHECK(cg_store_log_ranges_plan(s, id, 20, root20, 8, NULL, 0, &planned) && planned == 3);
    CHECK(cg_store_log_ranges_plan(s2, id, 20, root20, 8, NULL, 0, &planned) && planned == 0);
    CHECK(cg_store_log_range_counts_get(s, id, 1000, &rc));
    CHECK(rc.ranges == 3 && rc.pending == 3 && rc.done == 0 && rc.leased == 0);
    CHECK(rc.entries == 20 && rc.planned_to == 20);

    /* Two workers claim different ranges, lowest first. */
    CHECK(cg_store_log_range_claim(s, id, "w1", 1000, 60, &a, &found) && found == 1);
    CHECK(a.start == 0 && a.stop == 8 && a.token == 1);
    CHECK(cg_store_log_range_claim(s2, id, "w2", 1000, 60, &b, &found) && found == 1);
    CHECK(b.start == 8 && b.stop == 16 && b.token == 1);
    CHECK(cg_store_log_range_counts_get(s, id, 1000, &rc) && rc.leased == 2 && rc.pending == 1);
    /* w1 renews; w2 does not, and its lease expires at 1060: the next
     * claim after that takes its range again (a new token), not the
     * pending one above it. */
    CHECK(cg_store_log_range_renew(s, id, &a, 1100, &lost) && lost == 0);
    CHECK(cg_store_log_range_claim(s, id, "w3", 1061, 60, &c, &found) && found == 1);
    CHECK(c.start == 8 && c.stop == 16 && c.token == 2);
    CHECK(cg_store_log_range_counts_get(s, id, 1061, &rc) && rc.leased == 2 && rc.pending == 1);
    /* w2 has lost it: renewing and completing change nothing, and the
     * completing transaction rolls back with whatever else it wrote. */
    CHECK(cg_store_log_range_renew(s2, id, &b, 1200, &lost) && lost == 1);
    {
        cg_store_finding f;
        cg_store_finding_filter ff;
        size_t n = range_edge(lh, b.start, b.stop, edge), cnt = 0;
        memset(&f, 0, sizeof(f));
        f.rule = "ct.log.entry_malformed";
        f.severity = CG_SEV_ERROR;
        f.has_log = 1;
        memcpy(f.log_id, id, 32);
        f.subject = "entry 9";
        f.message = "from a lost lease";
        CHECK(cg_store_begin(s2));
        CHECK(cg_store_put_finding(s2, &f, 1000, NULL, NULL));
        CHECK(cg_store_log_range_done(s2, id, &b, "w2", edge, n, 1000, &lost) && lost == 1);
        CHECK(cg_store_rollback(s2));
        memset(&ff, 0, sizeof(ff));
        ff.rule = "ct.log.entry_malformed";
        CHECK(cg_store_findings(s, &ff, log_finding_count_any, &cnt) && cnt == 0);
    }
    /* Done out of order: the prefix moves only over a run from its start. */
    CHECK(range_finish(s, id, &c, "w3", lh, &fo, &lost) && lost == 0);
    CHECK(fo.from == 0 && fo.position == 0 && !fo.mismatch);
    CHECK(cg_store_log_range_claim(s2, id, "w2", 1062, 60, &d, &found) && found == 1);
    CHECK(d.start == 16 && d.stop == 20 && d.token == 1);
    CHECK(range_finish(s2, id, &d, "w2", lh, &fo, &lost) && fo.position == 0);
    CHECK(cg_store_log_range_claim(s2, id, "w2", 1062, 60, &b, &found) && found == 0);
    CHECK(cg_store_log_range_counts_get(s, id, 1062, &rc));
    CHECK(rc.done == 2 && rc.leased == 1 && rc.pending == 0 && rc.entries_done == 12);
    /* The first range joins them: up to the tree head, whose root holds. */
    CHECK(range_finish(s, id, &a, "w1", lh, &fo, &lost) && lost == 0);
    CHECK(fo.from == 0 && fo.position == 20 && !fo.mismatch);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_state_get(s, id, collect_log, &l, &found) && l.position[0] == 20);
    {
        cg_merkle_frontier f;
        uint8_t r[32];
        CHECK(cg_merkle_frontier_decode(&f, l.frontier[0], l.frontier_len[0]) && f.size == 20);
        CHECK(cg_merkle_frontier_root(NULL, &f, r) && memcmp(r, root20, 32) == 0);
    }
    /* A done range cannot be completed or renewed again. */
    CHECK(cg_store_log_range_renew(s, id, &a, 1300, &lost) && lost == 1);

    /* The next tree head: planned from 20, the first range up to the next
     * multiple of 8; done in reverse order, joined when the first is. */
    range_head(s, id, 37, root37);
    CHECK(cg_store_log_ranges_plan(s, id, 37, root37, 8, NULL, 0, &planned) && planned == 3);
    cg_store_log_lease r[3];
    for (int i = 0; i < 3; i++)
        CHECK(cg_store_log_range_claim(i % 2 ? s2 : s, id, i % 2 ? "w2" : "w1", 1100, 60, &r[i],
                                       &found) &&
              found == 1);
    CHECK(r[0].start == 20 && r[0].stop == 24 && r[1].start == 24 && r[1].stop == 32 &&
          r[2].start == 32 && r[2].stop == 37);
    CHECK(range_edge(lh, 20, 24, edge) == 32);  /* one subtree of 4 */
    CHECK(range_edge(lh, 32, 37, edge) == 64);  /* 4 + 1 */
    CHECK(range_finish(s, id, &r[2], "w1", lh, &fo, &lost) && fo.position == 20);
    CHECK(range_finish(s2, id, &r[1], "w2", lh, &fo, &lost) && fo.position == 20);
    CHECK(range_finish(s, id, &r[0], "w1", lh, &fo, &lost));
    CHECK(fo.from == 20 && fo.position == 37 && !fo.mismatch);
    CHECK(cg_store_log_range_counts_get(s, id, 1100, &rc));
    CHECK(rc.ranges == 6 && rc.done == 6 && rc.entries_done == 37 && rc.planned_to == 37);
    /* The same tree head again plans nothing. */
    range_head(s, id, 37, root37);
    CHECK(cg_store_log_ranges_plan(s, id, 37, root37, 8, NULL, 0, &planned) && planned == 0);

    /* A log whose entries do not hash to its tree head's root: the fold
     * stops before the range and says so. */
    memset(bad, 0xd1, 32);
    range_head(s, bad, 8, root20);
    CHECK(cg_store_log_ranges_plan(s, bad, 8, root20, 8, NULL, 0, &planned) && planned == 1);
    /* A released range is claimable at once. */
    CHECK(cg_store_log_range_claim(s, bad, "w1", 1000, 60, &a, &found) && found == 1);
    CHECK(cg_store_log_range_release(s, bad, &a));
    CHECK(cg_store_log_range_counts_get(s, bad, 1000, &rc) && rc.pending == 1 && rc.leased == 0);
    CHECK(cg_store_log_range_claim(s2, bad, "w2", 1000, 60, &a, &found) && found == 1 &&
          a.token == 2);
    CHECK(range_finish(s2, bad, &a, "w2", lh, &fo, &lost) && lost == 0);
    CHECK(fo.mismatch == 1 && fo.mismatch_size == 8 && fo.position == 0);
    memset(&l, 0, sizeof(l));
    CHECK(cg_store_log_state_get(s, bad, collect_log, &l, &found) && l.position[0] == 0);
    /* A compact range of the wrong length is refused. */
    memset(bad, 0xd2, 32);
    range_head(s, bad, 8, root8);
    CHECK(cg_store_log_ranges_plan(s, bad, 8, root8, 8, NULL, 0, &planned) && planned == 1);
    CHECK(cg_store_log_range_claim(s, bad, "w1", 1000, 60, &a, &found) && found == 1);
    CHECK(cg_store_begin(s));
    CHECK(cg_store_log_range_done(s, bad, &a, "w1", edge, 64, 1000, &lost) && lost == 0);
    CHECK(!cg_store_log_ranges_fold(s, bad, 1000, &fo));
    CHECK(strstr(cg_store_errmsg(s), "compact range") != NULL);
    CHECK(cg_store_rollback(s));
    /* A log started at its end (entry 32): planned and folded from there. */
    {
        cg_merkle_frontier f;
        uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED];
        size_t enc_len = 0;
        cg_merkle_frontier_init(&f);
        for (int i = 0; i < 32; i++)
            CHECK(cg_merkle_frontier_append(NULL, &f, lh[i]));
        CHECK(cg_merkle_frontier_encode(&f, enc, sizeof(enc), &enc_len));
        memset(bad, 0xd4, 32);
        range_head(s, bad, 37, root37);
        CHECK(cg_store_log_ranges_plan(s, bad, 37, root37, 8, enc, enc_len, &planned) &&
              planned == 1);
        memset(&l, 0, sizeof(l));
        CHECK(cg_store_log_state_get(s, bad, collect_log, &l, &found) && l.position[0] == 32);
        CHECK(cg_store_log_range_claim(s, bad, "w1", 1000, 60, &a, &found) && found == 1 &&
              a.start == 32 && a.stop == 37);
        CHECK(range_finish(s, bad, &a, "w1", lh, &fo, &lost) && fo.position == 37 &&
              !fo.mismatch);
        /* Only the first time: the edge is ignored once the log has ranges. */
        CHECK(cg_store_log_ranges_plan(s, bad, 37, root37, 8, enc, enc_len, &planned) &&
              planned == 0);
        CHECK(cg_store_log_state_get(s, bad, collect_log, &l, &found) && l.position[1] == 37);
    }
    /* A range cut short (its log stalled after entry 6): [0, 7) done and
     * [7, 20) a range of its own, pending, with the tree head's root, in
     * one transaction; rolled back, nothing changed. */
    {
        cg_store_log_lease cut;
        memset(bad, 0xd5, 32);
        range_head(s, bad, 20, root20);
        CHECK(cg_store_log_ranges_plan(s, bad, 20, root20, 32, NULL, 0, &planned) &&
              planned == 1);
        CHECK(cg_store_log_range_claim(s, bad, "w1", 1000, 60, &a, &found) && found == 1 &&
              a.start == 0 && a.stop == 20);
        CHECK(!cg_store_log_range_cut(s, bad, &a, 0, &lost));
        CHECK(!cg_store_log_range_cut(s, bad, &a, 20, &lost));
        b = a;
        b.token = a.token + 1; /* another claim's: nothing changes */
        CHECK(cg_store_begin(s));
        CHECK(cg_store_log_range_cut(s, bad, &b, 7, &lost) && lost == 1);
        CHECK(cg_store_log_range_cut(s, bad, &a, 7, &lost) && lost == 0);
        CHECK(cg_store_rollback(s));
        CHECK(cg_store_log_range_counts_get(s, bad, 1000, &rc) && rc.ranges == 1 &&
              rc.leased == 1);
        cut = a;
        cut.stop = 7;
        size_t n = range_edge(lh, 0, 7, edge);
        CHECK(cg_store_begin(s));
        CHECK(cg_store_log_range_cut(s, bad, &a, 7, &lost) && lost == 0);
        CHECK(cg_store_log_range_done(s, bad, &cut, "w1", edge, n, 1000, &lost) && lost == 0);
        CHECK(cg_store_log_ranges_fold(s, bad, 1000, &fo) && fo.position == 7 && !fo.mismatch);
        CHECK(cg_store_commit(s));
        CHECK(cg_store_log_range_counts_get(s, bad, 1000, &rc));
        CHECK(rc.ranges == 2 && rc.done == 1 && rc.pending == 1 && rc.leased == 0 &&
              rc.entries == 20 && rc.entries_done == 7 && rc.planned_to == 20);
        /* The rest is claimed like any range, and its root still holds. */
        CHECK(cg_store_log_range_claim(s2, bad, "w2", 1000, 60, &c, &found) && found == 1 &&
              c.start == 7 && c.stop == 20 && c.token == 1);
        CHECK(range_finish(s2, bad, &c, "w2", lh, &fo, &lost) && lost == 0);
        CHECK(fo.from == 7 && fo.position == 20 && !fo.mismatch);
        CHECK(cg_store_log_range_claim(s, bad, "w1", 1000, 60, &c, &found) && found == 0);
    }
    cg_store_close(s2);
    cg_merkle_tree_free(t);
}

/* Workers claiming at once each get ranges of their own. */
static void test_log_range_claims(const char *uri)
{
    enum { KIDS = 4, RANGES = 40 };
    uint8_t id[32], root[32] = {0};
    cg_store *s = open_store(uri);
    cg_store_log_range_counts rc;
    int fds[2];
    pid_t kids[KIDS];
    CHECK(s != NULL && pipe(fds) == 0);
    if (s == NULL)
        return;
    memset(id, 0xd3, 32);
    range_head(s, id, RANGES * 4, root);
    CHECK(cg_store_log_ranges_plan(s, id, RANGES * 4, root, 4, NULL, 0, NULL));
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            char err[512], owner[16];
            cg_store_status st;
            cg_store_log_lease l;
            int found = 1, ok = 1;
            cg_store *ks = cg_store_open(uri, 0, &st, err, sizeof(err));
            snprintf(owner, sizeof(owner), "kid%d", k);
            close(fds[0]);
            while (ks != NULL && ok && found) {
                ok = cg_store_log_range_claim(ks, id, owner, 5000, 600, &l, &found);
                if (ok && found && write(fds[1], &l.start, sizeof(l.start)) != sizeof(l.start))
                    ok = 0;
            }
            if (ks == NULL || !ok)
                fprintf(stderr, "kid %d: %s\n", k, ks ? cg_store_errmsg(ks) : err);
            cg_store_close(ks);
            _exit(ks != NULL && ok ? 0 : 1);
        }
    }
    close(fds[1]);
    int all = 1, seen[RANGES] = {0}, claims = 0, twice = 0;
    uint64_t start;
    while (read(fds[0], &start, sizeof(start)) == sizeof(start)) {
        claims++;
        if (start % 4 == 0 && start / 4 < RANGES && seen[start / 4]++)
            twice++;
    }
    close(fds[0]);
    for (int k = 0; k < KIDS; k++) {
        int status = 0;
        all &= kids[k] > 0 && waitpid(kids[k], &status, 0) == kids[k] && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0;
    }
    CHECK(all);
    CHECK(claims == RANGES && twice == 0);
    CHECK(cg_store_log_range_counts_get(s, id, 5000, &rc) && rc.leased == RANGES);
    cg_store_close(s);
}

/* The outbox: rows written with the finding that became new, claimed by
 * one monitor at a time, an alert waiting for its incident row, retries
 * and take-over. */
static void test_outbox(cg_store *s, const char *uri)
{
    cg_store_object o;
    cg_store_finding f;
    cg_store_outbox_row *rows = NULL, *rows2 = NULL;
    cg_store_outbox_counts c;
    size_t n = 0, n2 = 0;
    int is_new = 0, found = 0, opened = 0;
    int64_t fid = 0, inc = 0;
    const cg_store_outbox_channel ch[] = {
        {"print", CG_SEV_NOTICE}, {"incident", CG_SEV_ERROR}, {"hook:/bin/true", CG_SEV_WARNING}};
    cg_store *s2 = open_store(uri); /* a second monitor */
    CHECK(s2 != NULL);
    if (s2 == NULL)
        return;

    make_object(&o, 0x51, 1, CG_KIND_CERT, "issuer-O", "\x51", 100);
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memset(&f, 0, sizeof(f));
    f.rule = "ct.pair.tbs_mismatch";
    f.severity = CG_SEV_ERROR;
    f.has_object = 1;
    memcpy(f.object, o.sha256, 32);
    f.message = "m";
    /* No channels: no rows. */
    CHECK(cg_store_put_finding(s, &f, 50000, &is_new, &fid) && is_new);
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 0 && c.delivered == 0);
    /* Channels: a new finding's rows come in its transaction, and go with
     * its rollback. */
    CHECK(cg_store_set_outbox(s, ch, 3));
    f.rule = "ct.sct.signature_invalid";
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_finding(s, &f, 50000, &is_new, &fid) && is_new);
    CHECK(cg_store_rollback(s));
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 0);
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_finding(s, &f, 50000, &is_new, &fid) && is_new);
    CHECK(cg_store_commit(s));
    CHECK(cg_store_outbox_counts_get(s2, &c) && c.pending == 3 && c.oldest_pending == 50000);
    /* A repeat is not new: no rows. A notice reaches print only. */
    CHECK(cg_store_put_finding(s, &f, 50001, &is_new, NULL) && !is_new);
    f.rule = "ct.policy.not_evaluated";
    f.severity = CG_SEV_NOTICE;
    CHECK(cg_store_put_finding(s, &f, 50000, &is_new, NULL) && is_new);
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 4);

    /* First claim: print and incident rows; the hook waits for its
     * incident row. Another monitor gets none of the leased rows. */
    CHECK(cg_store_outbox_claim(s, "w1", 60000, 60300, 10, &rows, &n));
    CHECK(n == 3);
    for (size_t i = 0; i < n; i++)
        CHECK(strcmp(rows[i].channel, "hook:/bin/true") != 0 && strlen(rows[i].alert_id) == 32);
    CHECK(n == 3 && rows[0].id < rows[1].id && rows[1].id < rows[2].id);
    CHECK(n == 3 && strcmp(rows[0].alert_id, rows[1].alert_id) == 0 &&
          strcmp(rows[0].alert_id, rows[2].alert_id) != 0);
    {
        /* The alert ID: the first half of SHA-256("dedup|first seen"). */
        char text[160], hex[65], want[33];
        uint8_t h[32];
        cg_hex(o.sha256, 32, hex);
        snprintf(text, sizeof(text), "ct.sct.signature_invalid|%s|-|50000", hex);
        SHA256((const uint8_t *)text, strlen(text), h);
        cg_hex(h, 16, want);
        CHECK(n == 3 && strcmp(rows[0].alert_id, want) == 0);
    }
    CHECK(cg_store_outbox_claim(s2, "w2", 60000, 60300, 10, &rows2, &n2) && n2 == 0);
    cg_store_outbox_rows_free(rows2, n2);
    /* The incident row done: its hook row is due. The others done at once
     * (the print rows of a claim), a row already done left as it was. */
    int64_t done[10];
    size_t n_done = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].channel, "incident") == 0)
            CHECK(cg_store_outbox_done(s, rows[i].id, 60001, 7, 1));
        else
            done[n_done++] = rows[i].id;
    }
    CHECK(n_done == 2 && cg_store_outbox_done_ids(s, done, n_done, 60001));
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 1 && c.delivered == 3);
    CHECK(cg_store_outbox_done_ids(s, done, n_done, 60002) &&
          cg_store_outbox_done_ids(s, done, 0, 1));
    CHECK(cg_store_outbox_incident(s, rows[0].alert_id, &inc, &opened, &found));
    CHECK(found && inc == 7 && opened);
    char aid[CG_ALERT_ID_LEN + 1];
    snprintf(aid, sizeof(aid), "%s", n > 0 ? rows[0].alert_id : "");
    cg_store_outbox_rows_free(rows, n);
    CHECK(cg_store_outbox_claim(s2, "w2", 60002, 60300, 10, &rows2, &n2) && n2 == 1);
    CHECK(n2 == 1 && strcmp(rows2[0].channel, "hook:/bin/true") == 0 &&
          strcmp(rows2[0].alert_id, aid) == 0 && rows2[0].attempts == 0);
    /* It fails: tried again after next_at, the error kept. */
    CHECK(n2 == 1 && cg_store_outbox_retry(s2, rows2[0].id, 60100, "hook failed", 1));
    cg_store_outbox_rows_free(rows2, n2);
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 1 && c.failing == 1 &&
          c.delivered == 3 && c.next_attempt == 60100);
    CHECK(strcmp(c.last_error, "hook:/bin/true: hook failed") == 0);
    CHECK(cg_store_outbox_claim(s, "w1", 60050, 60350, 10, &rows, &n) && n == 0);
    CHECK(cg_store_outbox_claim(s, "w1", 60100, 60400, 10, &rows, &n) && n == 1);
    CHECK(n == 1 && rows[0].attempts == 1);
    cg_store_outbox_rows_free(rows, n);
    /* w1 dies holding it: w2 waits for the lease ... */
    CHECK(cg_store_outbox_claim(s2, "w2", 60200, 60500, 10, &rows2, &n2) && n2 == 0);
    cg_store_outbox_rows_free(rows2, n2);
    /* ... renewed while w1 lives, then given up (lease 0) or taken over. */
    CHECK(cg_store_outbox_renew(s, "w1", 60450));
    CHECK(cg_store_outbox_claim(s2, "w2", 60420, 60700, 10, &rows2, &n2) && n2 == 0);
    cg_store_outbox_rows_free(rows2, n2);
    CHECK(cg_store_outbox_release_all(s2));
    CHECK(cg_store_outbox_claim(s2, "w2", 60420, 60700, 10, &rows2, &n2) && n2 == 1);
    CHECK(n2 == 1 && cg_store_outbox_done(s2, rows2[0].id, 60421, 0, 0));
    /* Done once: not done again, not claimed again. */
    CHECK(n2 == 1 && cg_store_outbox_retry(s, rows2[0].id, 0, "late", 1));
    cg_store_outbox_rows_free(rows2, n2);
    CHECK(cg_store_outbox_claim(s, "w1", 99999, 100000, 10, &rows, &n) && n == 0);
    CHECK(cg_store_outbox_counts_get(s, &c) && c.pending == 0 && c.delivered == 4 &&
          c.last_error[0] == '\0');
    /* A hooks directory's row grows rows of the same alert. */
    cg_store_outbox_row of;
    memset(&of, 0, sizeof(of));
    snprintf(of.alert_id, sizeof(of.alert_id), "%s", "0123456789abcdef0123456789abcdef");
    of.finding_id = fid;
    CHECK(cg_store_outbox_add_channel(s, &of, "hook:/bin/false", 70000));
    CHECK(cg_store_outbox_claim(s, "w1", 70000, 70300, 10, &rows, &n) && n == 1);
    CHECK(n == 1 && strcmp(rows[0].alert_id, of.alert_id) == 0 && rows[0].finding_id == fid);
    CHECK(n == 1 && cg_store_outbox_done(s, rows[0].id, 70001, 0, 0));
    cg_store_outbox_rows_free(rows, n);
    CHECK(cg_store_set_outbox(s, NULL, 0));
    cg_store_close(s2);
}

static void conformance(const char *uri)
{
    cg_store *s = open_store(uri);
    int version = -1;
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(cg_store_schema_version(s, &version));
    CHECK(version == CG_STORE_SCHEMA_VERSION);
    test_objects(s);
    test_crl_neighbours(s);
    test_crl_covered(s);
    test_cert_samples(s);
    test_crl_entries(s);
    test_findings(s);
    test_incidents(s);
    test_summaries(s);
    test_transactions(s);
    test_crl_sources(s);
    test_logs(s);
    test_log_ranges(s, uri);
    test_outbox(s, uri);
    test_bulk_entries(s);
    test_binary(s);
    test_errors(s);
    cg_store_close(s);
    /* What was committed is there after a reopen. */
    s = open_store(uri);
    CHECK(s != NULL);
    if (s != NULL) {
        uint8_t h[32];
        int found = -1;
        sha(h, 0x15, 2);
        cg_store_object *r = cg_store_get1_object(s, h, &found);
        CHECK(r != NULL && found == 1);
        cg_store_object_free(r);
        CHECK(cg_store_schema_version(s, &version) && version == CG_STORE_SCHEMA_VERSION);
        cg_store_close(s);
    }
}

/* ---- PostgreSQL: schemas that are not ours, untouched ---- */

static char pg_base[600];

static int pg_exec(const char *sql)
{
    return cg_test_pg_exec(pg_base, sql);
}

/* One value of a one-row query, as text in out ("" when none). */
static void pg_value(const char *sql, char *out, size_t cap)
{
    PGconn *c = PQconnectdb(pg_base);
    out[0] = '\0';
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
            snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(c);
}

/* A fresh, empty schema cgtest_PID_TAG; its store URI in uri. */
static int pg_fresh(const char *tag, char *uri, size_t cap)
{
    char name[64];
    snprintf(name, sizeof(name), "cgtest_%d_%s", (int)getpid(), tag);
    return cg_test_pg_schema(pg_base, name, uri, cap);
}

static void pg_drop_schemas(void)
{
    char sql[256];
    static const char *const tags[] = {"conf", "conc", "empty", "foreign",
                                       "keys", "meta", "newer", "part"};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS cgtest_%d_%s CASCADE", (int)getpid(),
                 tags[i]);
        pg_exec(sql);
    }
}

/* The tables of schema cgtest_PID_TAG, comma-separated, sorted. */
static void pg_tables(const char *tag, char *out, size_t cap)
{
    char sql[300];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables "
             "WHERE schemaname = 'cgtest_%d_%s'",
             (int)getpid(), tag);
    pg_value(sql, out, cap);
}

static void pg_expect_refused(const char *tag, const char *uri, cg_store_status want,
                              const char *msg_part)
{
    char before[512], after[512], err[512];
    cg_store_status st = CG_STORE_OK;
    pg_tables(tag, before, sizeof(before));
    for (int flags = 0; flags <= CG_STORE_CREATE; flags += CG_STORE_CREATE) {
        cg_store *s = cg_store_open(uri, flags, &st, err, sizeof(err));
        CHECK(s == NULL);
        cg_store_close(s);
        CHECK(st == want);
        CHECK(strstr(err, msg_part) != NULL);
        if (strstr(err, msg_part) == NULL)
            fprintf(stderr, "  the message was: %s\n", err);
    }
    pg_tables(tag, after, sizeof(after));
    CHECK(strcmp(before, after) == 0);
}

/* The objects of one issuer and serial in three partitions (before 2020,
 * 2026, the default one past 2034), found by SHA-256, by issuer and serial
 * and by CRL distribution point through object_keys and read from their
 * partitions; first_seen moved back in its partition. Then a store of
 * schema 11 (object_keys without them) migrates: the keys are filled from
 * the objects and the lookups find the same. */
static void pg_part_lookups(const char *uri, const char *what)
{
    cg_store *s = open_store(uri);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    got g;
    int found = 0;
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_objects_by_serial(s, (const uint8_t *)"issuer-Q", 8, (const uint8_t *)"\x07",
                                     1, collect, &g));
    CHECK(g.n == 3);
    for (uint32_t i = 0; i < 3 && g.n == 3; i++) {
        uint8_t h[32];
        sha(h, 0x51, i);
        CHECK(memcmp(g.sha[i], h, 32) == 0);
        CHECK(g.first_seen[i] == (i == 1 ? 5 : 10)); /* the second moved back */
        cg_store_object *c = cg_store_get1_object(s, h, &found);
        CHECK(c != NULL && found == 1 && c->kind == CG_KIND_CERT && c->serial_len == 1);
        cg_store_object_free(c);
    }
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-Q", 8,
                                       (const uint8_t *)"dp-Q", 4, &found) &&
          found == 1);
    CHECK(cg_store_cert_variant_exists(s, (const uint8_t *)"issuer-Q", 8,
                                       (const uint8_t *)"dp-R", 4, &found) &&
          found == 0);
    if (cg_test_failures > 0 || getenv("CG_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  (%s: %zu objects by serial)\n", what, g.n);
    cg_store_close(s);
}

/* The advisory locks held on issuer and serial by other sessions (the
 * key objects.c takes: FNV-1a over both, in pg_locks as two halves). */
static int pg_serial_locks(const char *issuer, const char *serial)
{
    uint64_t key = cg_fnv1a(cg_fnv1a(CG_FNV1A_INIT, (const uint8_t *)issuer, strlen(issuer)),
                            (const uint8_t *)serial, strlen(serial));
    char sql[300], v[32];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
             "AND classid = %u AND objid = %u AND objsubid = 1",
             (unsigned)(key >> 32), (unsigned)(key & 0xffffffffu));
    pg_value(sql, v, sizeof(v));
    return atoi(v);
}

/* A new certificate's insert takes the lock on its issuer and serial in the
 * same statement, held until the transaction ends; an object stored
 * already takes none. */
static void pg_serial_lock(const char *uri)
{
    cg_store *s = open_store(uri);
    cg_store_object o;
    int is_new = -1;
    CHECK(s != NULL);
    if (s == NULL)
        return;
    make_object(&o, 0x52, 1, CG_KIND_CERT, "issuer-L", "\x09", 10);
    CHECK(pg_serial_locks("issuer-L", "\x09") == 0);
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 1);
    CHECK(pg_serial_locks("issuer-L", "\x09") == 1);
    CHECK(cg_store_commit(s));
    CHECK(pg_serial_locks("issuer-L", "\x09") == 0);
    CHECK(cg_store_begin(s));
    CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 0);
    CHECK(pg_serial_locks("issuer-L", "\x09") == 0);
    CHECK(cg_store_rollback(s));
    cg_store_close(s);
}

static void pg_partitions(void)
{
    static const int64_t not_after[3] = {1500000000, 1767225600 + 86400, 2200000000};
    char uri[800], sql[600];
    CHECK(pg_fresh("keys", uri, sizeof(uri)));
    cg_store *s = open_store(uri);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < 3; i++) {
        cg_store_object o;
        int is_new = -1, earlier = -1;
        make_object(&o, 0x51, i, CG_KIND_CERT, "issuer-Q", "\x07", 10);
        o.not_after = not_after[i];
        o.crldp = (const uint8_t *)"dp-Q";
        o.crldp_len = 4;
        CHECK(cg_store_put_object(s, &o, &is_new, &earlier) && is_new == 1 && earlier == 0);
        if (i == 1) {
            o.first_seen = 5;
            CHECK(cg_store_put_object(s, &o, &is_new, &earlier) && is_new == 0 && earlier == 1);
        }
    }
    cg_store_close(s);
    char v[200];
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(tableoid::regclass::text, ',' ORDER BY not_after) "
             "FROM cgtest_%d_keys.objects",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strstr(v, "objects_before_2020,") != NULL && strstr(v, "objects_2026,") != NULL &&
          strstr(v, "objects_later") != NULL);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM cgtest_%d_keys.object_keys WHERE kind = 'certificate' "
             "AND issuer = 'issuer-Q' AND serial = '\\x07' AND crldp = 'dp-Q'",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strcmp(v, "3") == 0);
    pg_part_lookups(uri, "schema 12");
    pg_serial_lock(uri);

    /* back to schema 11, as an older caguard left it: the later
     * migrations' tables gone too */
    snprintf(sql, sizeof(sql),
             "SET search_path = cgtest_%d_keys; DROP TABLE incident_bug_comments, incident_bugs,"
             "  policy_docs, policy_fetches;"
             "DROP INDEX outbox_pending; CREATE INDEX outbox_due ON outbox (done_at, next_at);"
             "DROP INDEX object_keys_issuer_serial;"
             "DROP INDEX object_keys_issuer_crldp; ALTER TABLE object_keys DROP COLUMN kind,"
             "  DROP COLUMN issuer, DROP COLUMN serial, DROP COLUMN crldp;"
             "UPDATE caguard_meta SET value = '11' WHERE key = 'schema_version'",
             (int)getpid());
    CHECK(pg_exec(sql));
    pg_part_lookups(uri, "migrated from schema 11");
    snprintf(sql, sizeof(sql),
             "SELECT value FROM cgtest_%d_keys.caguard_meta WHERE key = 'schema_version'",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(atoi(v) == CG_STORE_SCHEMA_VERSION);
    /* schema 15: the outbox's pending rows by id in place of outbox_due */
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
             "WHERE schemaname = 'cgtest_%d_keys' AND tablename = 'outbox'",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strcmp(v, "outbox_alert,outbox_pending,outbox_pkey") == 0);
    /* schema 16 is SQLite's: objects keeps its (issuer, serial) index here,
     * which a CRL's covered certificates are read by */
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
             "WHERE schemaname = 'cgtest_%d_keys' AND tablename = 'objects'",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strcmp(v, "objects_ca,objects_issuer_crldp,objects_issuer_scope,objects_issuer_serial,"
                    "objects_pkey,objects_sha256") == 0);
}

static void pg_section(void)
{
    char uri[800], err[512], v[128];
    cg_store_status st;
    cg_store *s;

    /* Not a URI libpq can use; no server there. */
    s = cg_store_open("postgresql:caguard", CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_BAD_URI && strstr(err, "not a PostgreSQL URI") != NULL);
    s = cg_store_open("postgresql:///caguard?host=/nonexistent-caguard-dir", CG_STORE_CREATE, &st,
                      err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_ERROR && strstr(err, "cannot connect") != NULL);

    /* An empty schema is no store for a command that does not create. */
    CHECK(pg_fresh("empty", uri, sizeof(uri)));
    s = cg_store_open(uri, 0, &st, err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_ERROR && strstr(err, "no caguard store yet") != NULL);
    pg_tables("empty", v, sizeof(v));
    CHECK(strcmp(v, "") == 0);

    /* Another application's tables: refused, untouched. */
    CHECK(pg_fresh("foreign", uri, sizeof(uri)));
    snprintf(v, sizeof(v), "CREATE TABLE cgtest_%d_foreign.accounts (id int)", (int)getpid());
    CHECK(pg_exec(v));
    pg_expect_refused("foreign", uri, CG_STORE_NOT_OURS, "is not a caguard store");
    CHECK(pg_fresh("meta", uri, sizeof(uri)));
    snprintf(v, sizeof(v), "CREATE TABLE cgtest_%d_meta.caguard_meta (a int)", (int)getpid());
    CHECK(pg_exec(v));
    pg_expect_refused("meta", uri, CG_STORE_NOT_OURS, "is not a caguard store");

    /* A newer schema: refused, untouched. */
    CHECK(pg_fresh("newer", uri, sizeof(uri)));
    s = open_store(uri);
    CHECK(s != NULL);
    cg_store_close(s);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE cgtest_%d_newer.caguard_meta SET value = '99' WHERE key = 'schema_version'",
             (int)getpid());
    CHECK(pg_exec(sql));
    pg_expect_refused("newer", uri, CG_STORE_TOO_NEW, "schema version 99");
    snprintf(sql, sizeof(sql),
             "SELECT value FROM cgtest_%d_newer.caguard_meta WHERE key = 'schema_version'",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strcmp(v, "99") == 0);

    /* Objects land in their notAfter year's partition; the key table keeps
     * one SHA-256 once, whatever the notAfter of a second put. */
    CHECK(pg_fresh("part", uri, sizeof(uri)));
    s = open_store(uri);
    CHECK(s != NULL);
    if (s != NULL) {
        cg_store_object o;
        int is_new = -1;
        make_object(&o, 0x34, 1, CG_KIND_CERT, "issuer-P", "\x01", 10);
        o.not_after = 1767225600 + 86400; /* 2026-01-02 */
        CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 1);
        o.not_after = 1577836800; /* 2020-01-01 */
        CHECK(cg_store_put_object(s, &o, &is_new, NULL) && is_new == 0);
        cg_store_close(s);
    }
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(tableoid::regclass::text, ',') FROM cgtest_%d_part.objects",
             (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strstr(v, "objects_2026") != NULL && strchr(v, ',') == NULL);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM cgtest_%d_part.object_keys", (int)getpid());
    pg_value(sql, v, sizeof(v));
    CHECK(strcmp(v, "1") == 0);

    pg_partitions();
}

/* ---- SQLite: files that are not ours, untouched ---- */

typedef struct snapshot {
    uint8_t *bytes;
    size_t len;
    struct timespec mtime;
} snapshot;

static int snap(const char *path, snapshot *sn)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    sn->mtime = st.st_mtim;
    sn->bytes = cg_test_read(path, &sn->len);
    return sn->bytes != NULL || st.st_size == 0;
}

static int unchanged(const char *path, const snapshot *before)
{
    snapshot after;
    int same;
    if (!snap(path, &after))
        return 0;
    same = after.len == before->len &&
           (after.len == 0 || memcmp(after.bytes, before->bytes, after.len) == 0) &&
           after.mtime.tv_sec == before->mtime.tv_sec &&
           after.mtime.tv_nsec == before->mtime.tv_nsec;
    free(after.bytes);
    return same;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void expect_refused(const char *path, cg_store_status want, const char *msg_part)
{
    snapshot before;
    char err[512], side[600];
    cg_store_status st = CG_STORE_OK;
    CHECK(snap(path, &before));
    for (int flags = 0; flags <= CG_STORE_CREATE; flags += CG_STORE_CREATE) {
        cg_store *s = cg_store_open(path, flags, &st, err, sizeof(err));
        CHECK(s == NULL);
        cg_store_close(s);
        CHECK(st == want);
        CHECK(strstr(err, msg_part) != NULL);
        if (strstr(err, msg_part) == NULL)
            fprintf(stderr, "  message: %s\n", err);
    }
    CHECK(unchanged(path, &before));
    snprintf(side, sizeof(side), "%s-wal", path);
    CHECK(!exists(side));
    snprintf(side, sizeof(side), "%s-journal", path);
    CHECK(!exists(side));
    free(before.bytes);
}

static void exec_raw(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* PRAGMA cache_size on the driver's own connection (per connection, so
 * not readable from another one). */
static int64_t conn_cache_size(cg_sql_conn *c)
{
    int64_t v = 0;
    cg_sql_stmt *st = cg_sqlite_driver.prepare(c, "PRAGMA cache_size");
    if (st != NULL && cg_sqlite_driver.step(st) == CG_SQL_ROW)
        v = cg_sqlite_driver.column_int64(st, 0);
    if (st != NULL)
        cg_sqlite_driver.finalize(st);
    return v;
}

/* The page cache: 2 MiB (negative: KiB) unless the connection writes long
 * transactions (cg_store_writer_cache: as many pages as cache_spill lets
 * a transaction's changes take, 1,024), 64 MiB around a bulk write, and
 * after it the connection's own size again, not the 2 MiB default. */
static void test_cache_sizes(void)
{
    char path[512], err[512];
    cg_store_status st;
    snprintf(path, sizeof(path), "%s/cache.db", tmpdir);
    cg_sql_conn *c = cg_sqlite_driver.open(path, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK(conn_cache_size(c) == -2048);
    CHECK(cg_sqlite_driver.set_cache(c, CG_SQL_CACHE_BULK));
    CHECK(conn_cache_size(c) == -65536);
    CHECK(cg_sqlite_driver.set_cache(c, CG_SQL_CACHE_BASE));
    CHECK(conn_cache_size(c) == -2048);
    CHECK(cg_sqlite_driver.set_cache(c, CG_SQL_CACHE_WRITER));
    CHECK(conn_cache_size(c) == 1024);
    CHECK(cg_sqlite_driver.set_cache(c, CG_SQL_CACHE_BULK));
    CHECK(conn_cache_size(c) == -65536);
    CHECK(cg_sqlite_driver.set_cache(c, CG_SQL_CACHE_BASE));
    CHECK(conn_cache_size(c) == 1024);
    cg_sqlite_driver.close(c);
}

static void sqlite_section(void)
{
    char path[512], uri[600];
    cg_store_status st;
    char err[512];
    cg_store *s;

    /* Another application's SQLite database. */
    snprintf(path, sizeof(path), "%s/foreign.db", tmpdir);
    exec_raw(path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);"
                   "INSERT INTO accounts (name) VALUES ('alice');");
    expect_refused(path, CG_STORE_NOT_OURS, "not a caguard store");
    /* ... also when it has an application_id of its own. */
    snprintf(path, sizeof(path), "%s/foreign-appid.db", tmpdir);
    exec_raw(path, "PRAGMA application_id = 1234; CREATE TABLE t (x);");
    expect_refused(path, CG_STORE_NOT_OURS, "application_id 0x000004d2");
    /* A file that is not a database at all. */
    snprintf(path, sizeof(path), "%s/notes.txt", tmpdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        for (int i = 0; i < 200; i++)
            fprintf(f, "line %d of some notes that are not a database\n", i);
        fclose(f);
    }
    expect_refused(path, CG_STORE_NOT_OURS, "not an SQLite database");
    /* A directory. */
    s = cg_store_open(tmpdir, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_BAD_URI && strstr(err, "directory") != NULL);
    /* An unknown scheme. */
    s = cg_store_open("mysql://localhost/x", CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_BAD_URI && strstr(err, "scheme") != NULL);
    /* A missing store is not created unless asked. */
    snprintf(path, sizeof(path), "%s/missing.db", tmpdir);
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s == NULL && st == CG_STORE_ERROR && strstr(err, "no store") != NULL);
    CHECK(!exists(path));

    /* A new store: WAL, caguard's application_id, foreign keys enforced;
     * "sqlite:PATH" and PATH are the same store. */
    snprintf(path, sizeof(path), "%s/new.db", tmpdir);
    snprintf(uri, sizeof(uri), "sqlite:%s", path);
    s = cg_store_open(uri, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s != NULL && st == CG_STORE_OK);
    cg_store_close(s);
    CHECK(raw_int(path, "PRAGMA application_id") == 0x43414744);
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == CG_STORE_SCHEMA_VERSION);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s != NULL);
    if (s != NULL) {
        cg_store_finding fd;
        memset(&fd, 0, sizeof(fd));
        fd.rule = "crl.stale";
        fd.has_object = 1;
        fd.message = "m";
        CHECK(!cg_store_put_finding(s, &fd, 1, NULL, NULL)); /* no such object */
        cg_store_close(s);
    }

    /* An empty file becomes a store when asked to create one. */
    snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
    f = fopen(path, "w");
    if (f != NULL)
        fclose(f);
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s == NULL && strstr(err, "empty") != NULL);
    s = cg_store_open(path, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s != NULL);
    cg_store_close(s);

    /* An older store is brought up to date, its objects kept. */
    snprintf(path, sizeof(path), "%s/v1.db", tmpdir);
    CHECK(cg_sqlite_create_version(path, 1, err, sizeof(err)));
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == 1);
    exec_raw(path, "INSERT INTO objects (sha256, kind, der, issuer, serial, ca, not_before, "
                   "not_after, file, idx, first_seen) VALUES (zeroblob(32), 'certificate', "
                   "x'3000', x'3000', x'01', 0, 1, 2, 'v1.pem', 0, 3);"
                   "INSERT INTO crl_entries (issuer, scope, serial, revocation_date, reason, "
                   "first_seen, crl_sha256) VALUES (x'3000', x'', x'01', 10, 1, 20, "
                   "zeroblob(32))");
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s != NULL);
    if (s != NULL) {
        int version = -1, found = -1;
        uint8_t zero[32] = {0};
        CHECK(cg_store_schema_version(s, &version) && version == CG_STORE_SCHEMA_VERSION);
        cg_store_object *o = cg_store_get1_object(s, zero, &found);
        CHECK(found && o != NULL && o->crldp == NULL && strcmp(o->file, "v1.pem") == 0);
        cg_store_object_free(o);
        got g;
        memset(&g, 0, sizeof(g));
        CHECK(cg_store_issuer_names(s, 0, count_bytes, &g));
        CHECK(g.n == 1 && g.sha[0][0] == 0x30 && g.sha[0][1] == 0);
        cg_store_revocation rv;
        CHECK(cg_store_revocation_lookup(s, (const uint8_t *)"\x30\x00", 2,
                                         (const uint8_t *)"\x01", 1, &rv, &found));
        CHECK(found && rv.revocation_date == 10 && rv.reason == 1 && rv.first_seen == 20);
        CHECK(found && memcmp(rv.crl_sha256, zero, 32) == 0);
        cg_store_close(s);
    }
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == CG_STORE_SCHEMA_VERSION);
    CHECK(raw_int(path, "SELECT count(*) FROM pragma_table_info('objects') "
                        "WHERE name = 'crldp'") == 1);

    /* A store of schema 14 with outbox rows pending and done: the pending
     * rows' index replaces outbox_due, and the pending rows are claimed,
     * in id order, the done one not. */
    snprintf(path, sizeof(path), "%s/v14.db", tmpdir);
    CHECK(cg_sqlite_create_version(path, 14, err, sizeof(err)));
    exec_raw(path, "INSERT INTO objects (id, sha256, kind, der, ca, not_before, not_after, file, "
                   "idx, first_seen) VALUES (1, zeroblob(32), 'certificate', x'3000', 0, 1, 2, "
                   "'v14.pem', 0, 3);"
                   "INSERT INTO findings (id, dedup, rule, severity, object_sha256, message, "
                   "first_seen, last_seen) VALUES (1, 'd', 'crl.stale', 'error', zeroblob(32), "
                   "'m', 5, 5);"
                   "INSERT INTO outbox (id, alert_id, finding_id, channel, created_at, attempts, "
                   "next_at, done_at) VALUES (3, 'a', 1, 'print', 5, 0, 0, NULL), "
                   "(4, 'b', 1, 'print', 5, 0, 0, 6), (7, 'c', 1, 'print', 5, 0, 0, NULL)");
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_due'") == 1);
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s != NULL);
    if (s != NULL) {
        cg_store_outbox_row *rows = NULL;
        size_t n = 0;
        CHECK(cg_store_outbox_claim(s, "w", 10, 20, 1, &rows, &n) && n == 1 && rows[0].id == 3);
        cg_store_outbox_rows_free(rows, n);
        CHECK(cg_store_outbox_claim(s, "w", 10, 20, 5, &rows, &n) && n == 1 && rows[0].id == 7);
        cg_store_outbox_rows_free(rows, n);
        cg_store_close(s);
    }
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == CG_STORE_SCHEMA_VERSION);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_due'") == 0);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_pending'") == 1);

    /* A store of schema 15 with a CRL, the certificate it revokes and
     * another one: the serials' index replaces (issuer, serial), the
     * (issuer, scope) index keeps the CRLs alone, and the lookups by serial,
     * by a CRL's entries and of the latest CRLs find what they found. */
    snprintf(path, sizeof(path), "%s/v15.db", tmpdir);
    CHECK(cg_sqlite_create_version(path, 15, err, sizeof(err)));
    {
        /* the certificates' SHA-256s: 2, then 3, then zeros */
        uint8_t k2[32] = {2}, k3[32] = {3};
        char h2[65], h3[65], ins[1024];
        cg_hex(k2, 32, h2);
        cg_hex(k3, 32, h3);
        snprintf(ins, sizeof(ins),
                 "INSERT INTO objects (id, sha256, kind, der, issuer, serial, scope, ca, "
                 "not_before, not_after, file, idx, first_seen, crldp) VALUES "
                 "(1, zeroblob(32), 'crl', x'3000', x'3000', NULL, x'', 0, 1, 2, 'v15', 0, 3, "
                 "NULL), (2, x'%s', 'certificate', x'3000', x'3000', x'01', NULL, 0, 1, 100, "
                 "'v15', 1, 3, x''), (3, x'%s', 'certificate', x'3000', x'3000', x'02', NULL, "
                 "0, 1, 100, 'v15', 2, 3, x'');"
                 "INSERT INTO crl_scopes (id, issuer, scope) VALUES (1, x'3000', x'');"
                 "INSERT INTO crl_entries (scope_id, serial, revocation_date, reason, "
                 "first_seen, crl_id) VALUES (1, x'01', 10, NULL, 20, 1)",
                 h2, h3);
        exec_raw(path, ins);
    }
    CHECK(raw_int(path,
                  "SELECT count(*) FROM sqlite_master WHERE name = 'objects_issuer_serial'") == 1);
    s = cg_store_open(path, 0, &st, err, sizeof(err));
    CHECK(s != NULL);
    if (s != NULL) {
        const uint8_t *name = (const uint8_t *)"\x30\x00";
        got g;
        memset(&g, 0, sizeof(g));
        CHECK(cg_store_objects_by_serial(s, name, 2, (const uint8_t *)"\x02", 1, collect, &g));
        CHECK(g.n == 1 && g.sha[0][0] == 3);
        memset(&g, 0, sizeof(g));
        CHECK(cg_store_crl_covered(s, name, 2, (const uint8_t *)"", 0, name, 2, 50, collect, &g));
        CHECK(g.n == 1 && g.sha[0][0] == 2);
        memset(&g, 0, sizeof(g));
        CHECK(cg_store_latest_crls(s, name, 2, collect, &g));
        CHECK(g.n == 1 && g.kind[0] == CG_KIND_CRL);
        cg_store_close(s);
    }
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == CG_STORE_SCHEMA_VERSION);
    CHECK(raw_int(path,
                  "SELECT count(*) FROM sqlite_master WHERE name = 'objects_issuer_serial'") == 0);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'objects_serial'") == 1);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'objects_issuer_scope' "
                        "AND sql LIKE '%WHERE scope IS NOT NULL'") == 1);

    /* A store from a newer caguard: refused, untouched. */
    snprintf(path, sizeof(path), "%s/newer.db", tmpdir);
    s = cg_store_open(path, CG_STORE_CREATE, &st, err, sizeof(err));
    CHECK(s != NULL);
    cg_store_close(s);
    exec_raw(path, "UPDATE caguard_meta SET value = '99' WHERE key = 'schema_version';"
                   "PRAGMA wal_checkpoint(TRUNCATE);");
    /* Settle the WAL into the file so only the main file is compared. */
    exec_raw(path, "PRAGMA journal_mode = DELETE;");
    expect_refused(path, CG_STORE_TOO_NEW, "schema version 99");
    CHECK(raw_int(path, "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                        "WHERE key = 'schema_version'") == 99);
}

int main(int argc, char **argv)
{
    char uri[800];
    const char *target = argc > 1 ? argv[1] : getenv("CAGUARD_TEST_STORE_URI");
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/caguard-store-test-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    if (target != NULL && strcmp(target, "pg-from-env") == 0) {
        /* CTest's PostgreSQL instance: skipped (77) without a server */
        target = cg_test_pg_uri();
        if (target == NULL) {
            rmdir(tmpdir);
            return 77;
        }
    }
    if (target != NULL && cg_test_is_pg(target)) {
        /* Every run in schemas of its own (cgtest_PID_...), dropped after
         * a run that passed. */
        snprintf(pg_base, sizeof(pg_base), "%s", target);
        CHECK(pg_fresh("conf", uri, sizeof(uri)));
        conformance(uri);
        CHECK(pg_fresh("conc", uri, sizeof(uri)));
        test_concurrent_open(uri);
        test_log_range_claims(uri);
        pg_section();
        if (cg_test_failures == 0)
            pg_drop_schemas();
    } else if (target != NULL) {
        conformance(target);
    } else {
        snprintf(uri, sizeof(uri), "sqlite:%s/conformance.db", tmpdir);
        conformance(uri);
        snprintf(uri, sizeof(uri), "sqlite:%s/concurrent.db", tmpdir);
        test_concurrent_open(uri);
        test_log_range_claims(uri);
        test_cache_sizes();
        sqlite_section();
    }
    /* Leave the directory for a failed run to be looked at. */
    if (cg_test_failures == 0) {
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    } else {
        fprintf(stderr, "store files kept in %s\n", tmpdir);
    }
    return cg_test_done();
}
