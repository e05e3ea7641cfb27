/* SCT signature verification (src/ct/sct_verify.c): the precert entry TBS
 * rebuild, real SCTs (certificate-transparency-go's test data, Let's
 * Encrypt's June 2023 pairs), the generated vectors of tests/data/sct, and
 * negatives. Every verdict is also asked of OpenSSL's own CT code
 * (SCT_validate over d2i_X509 objects and a CTLOG_STORE of the same keys),
 * an independent oracle, and the two must agree; the two places where they
 * cannot are asserted as such, with the reason. */
#include "ct/corr.h"
#include "ct/loglist.h"
#include "ct/sct.h"
#include "ct/sct_verify.h"
#include "der/pem.h"
#include "testutil.h"
#include "x509/oid.h"
#include "x509/x509.h"

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A certificate from tests/data: our view and the oracle's parse of the
 * same bytes. */
typedef struct obj {
    uint8_t *der;
    size_t len;
    cg_cert view;
    X509 *x509;
} obj;

static void obj_free(obj *o)
{
    if (o == NULL)
        return;
    X509_free(o->x509);
    free(o->der);
    free(o);
}

static obj *load(const char *path)
{
    obj *o = calloc(1, sizeof(*o));
    cg_der_error err;
    const unsigned char *p;
    if (o == NULL)
        return NULL;
    o->der = cg_test_read_der(path, &o->len);
    if (o->der == NULL || !cg_cert_parse(&o->view, o->der, o->len, &err)) {
        fprintf(stderr, "cannot load %s\n", path);
        obj_free(o);
        return NULL;
    }
    p = o->der;
    o->x509 = d2i_X509(NULL, &p, (long)o->len);
    if (o->x509 == NULL || p != o->der + o->len) {
        fprintf(stderr, "OpenSSL cannot parse %s\n", path);
        obj_free(o);
        return NULL;
    }
    return o;
}

/* The i-th SCT (from 0) of a certificate's embedded list. */
static int embedded_sct(const obj *o, size_t i, cg_sct *out)
{
    const cg_ext *e;
    cg_sct_list list;
    cg_der_error err;
    if (o == NULL)
        return 0;
    e = cg_cert_find_ext(&o->view, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
    if (e == NULL || !cg_sct_list_open(&list, &e->value, &err))
        return 0;
    for (size_t k = 0; cg_sct_list_next(&list, out, &err); k++) {
        if (k == i)
            return 1;
    }
    return 0;
}

/* The i-th SCT of a list stored as an OCTET STRING-wrapped extnValue. */
static int listed_sct(const uint8_t *v, size_t len, size_t i, cg_sct *out)
{
    cg_cbs value;
    cg_sct_list list;
    cg_der_error err;
    cg_cbs_init(&value, v, len);
    if (v == NULL || !cg_sct_list_open(&list, &value, &err))
        return 0;
    for (size_t k = 0; cg_sct_list_next(&list, out, &err); k++) {
        if (k == i)
            return 1;
    }
    return 0;
}

/* ---- the oracle ---- */

#define ORACLE_SAME (-2)     /* expect OpenSSL's verdict to be ours */
#define ORACLE_NO_PARSE (-1) /* o2i_SCT refuses the SCT */

/* Writes an OpenSSL CT log list (CONF format) holding every key, since a
 * CTLOG_STORE can only be filled from a file. */
static CTLOG_STORE *oracle_store(const uint8_t *const *keys, const size_t *lens, size_t n)
{
    char path[] = "/tmp/cg_sct_verify_test_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CTLOG_STORE *store = NULL;
    char b64[1024];

    if (f == NULL)
        return NULL;
    fprintf(f, "enabled_logs = ");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%slog%zu", i > 0 ? "," : "", i);
    fprintf(f, "\n");
    for (size_t i = 0; i < n; i++) {
        if (lens[i] > 700)
            goto out;
        EVP_EncodeBlock((unsigned char *)b64, keys[i], (int)lens[i]);
        fprintf(f, "[log%zu]\ndescription = log %zu\nkey = %s\n", i, i, b64);
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    store = CTLOG_STORE_new();
    if (store != NULL && CTLOG_STORE_load_file(store, path) != 1) {
        CTLOG_STORE_free(store);
        store = NULL;
    }
out:
    if (f != NULL)
        fclose(f);
    unlink(path);
    ERR_clear_error();
    return store;
}

/* OpenSSL's SCT_VALIDATION_STATUS_* for the SCT (serialized from our view,
 * so mutations reach both sides), or ORACLE_NO_PARSE. */
static int oracle(CTLOG_STORE *store, const cg_sct *sct, ct_log_entry_type_t type, X509 *cert,
                  X509 *issuer)
{
    uint8_t buf[2048];
    const unsigned char *p = buf;
    size_t len = 0;
    cg_cbb cbb;
    SCT *s = NULL;
    CT_POLICY_EVAL_CTX *ctx = CT_POLICY_EVAL_CTX_new();
    int status = ORACLE_NO_PARSE;

    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    if (ctx == NULL || !cg_sct_write(&cbb, sct) || !cg_cbb_finish(&cbb, &len))
        goto out;
    s = o2i_SCT(NULL, &p, len);
    if (s == NULL || p != buf + len)
        goto out;
    /* SCT_validate refuses SCTs from the future; every vector is older
     * than 2100-01-01. */
    if (SCT_set_log_entry_type(s, type) != 1 || CT_POLICY_EVAL_CTX_set1_cert(ctx, cert) != 1 ||
        (issuer != NULL && CT_POLICY_EVAL_CTX_set1_issuer(ctx, issuer) != 1))
        goto out;
    CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(ctx, store);
    CT_POLICY_EVAL_CTX_set_time(ctx, UINT64_C(4102444800000));
    SCT_validate(s, ctx);
    status = SCT_get_validation_status(s);
out:
    ERR_clear_error();
    SCT_free(s);
    CT_POLICY_EVAL_CTX_free(ctx);
    return status;
}

static int oracle_for(cg_sct_status st)
{
    switch (st) {
    case CG_SCT_VALID:
        return SCT_VALIDATION_STATUS_VALID;
    case CG_SCT_INVALID:
        return SCT_VALIDATION_STATUS_INVALID;
    case CG_SCT_UNKNOWN_LOG:
        return SCT_VALIDATION_STATUS_UNKNOWN_LOG;
    case CG_SCT_UNSUPPORTED:
        break;
    }
    return -100; /* an UNSUPPORTED case must name OpenSSL's verdict */
}

/* ---- one verification, both sides ---- */

typedef struct env {
    cg_sct_verifier *v;
    CTLOG_STORE *store;
} env;

typedef struct vcase {
    const char *name;
    const cg_sct *sct;
    const obj *cert;   /* the certificate or precertificate the SCT is for */
    const obj *issuer; /* precert entry: the issuer; NULL: x509 entry */
    cg_sct_status want;
    const char *why; /* a substring of the reason, or NULL */
    int oracle_want; /* an SCT_VALIDATION_STATUS_*, ORACLE_SAME or ORACLE_NO_PARSE */
} vcase;

static void run(const env *e, const vcase *c)
{
    uint8_t tbs[8192], ikh[32];
    size_t tbs_len = 0;
    char why[256] = "unset";
    cg_sct_status st = CG_SCT_UNSUPPORTED;
    int theirs, want_theirs;

    if (c->sct == NULL || c->cert == NULL) {
        fprintf(stderr, "%s: vector missing\n", c->name);
        CHECK(c->sct != NULL && c->cert != NULL);
        return;
    }
    if (c->issuer != NULL) {
        CHECK(cg_ct_entry_tbs(&c->cert->view, NULL, NULL, tbs, sizeof(tbs), &tbs_len));
        CHECK(cg_ct_issuer_key_hash(&c->issuer->view, ikh));
        st = cg_sct_verify_precert(e->v, c->sct, ikh, tbs, tbs_len, why, sizeof(why));
    } else {
        st = cg_sct_verify_x509(e->v, c->sct, c->cert->der, c->cert->len, why, sizeof(why));
    }
    theirs = oracle(e->store, c->sct,
                    c->issuer != NULL ? CT_LOG_ENTRY_TYPE_PRECERT : CT_LOG_ENTRY_TYPE_X509,
                    c->cert->x509, c->issuer != NULL ? c->issuer->x509 : NULL);
    want_theirs = c->oracle_want == ORACLE_SAME ? oracle_for(c->want) : c->oracle_want;
    if (st != c->want || theirs != want_theirs ||
        (c->why != NULL && strstr(why, c->why) == NULL) || (st == CG_SCT_VALID && why[0]))
        fprintf(stderr, "%s: ours %s (%s), want %s (%s); OpenSSL %d, want %d\n", c->name,
                cg_sct_status_name(st), why, cg_sct_status_name(c->want),
                c->why != NULL ? c->why : "", theirs, want_theirs);
    CHECK(st == c->want);
    CHECK(c->why == NULL || strstr(why, c->why) != NULL);
    CHECK(st != CG_SCT_VALID || why[0] == '\0');
    CHECK(theirs == want_theirs);
}

/* Shorthand for the common case: OpenSSL must agree. */
static void expect(const env *e, const char *name, const cg_sct *sct, const obj *cert,
                   const obj *issuer, cg_sct_status want, const char *why)
{
    vcase c = {name, sct, cert, issuer, want, why, ORACLE_SAME};
    run(e, &c);
}

/* ---- TBSCertificate rebuild ---- */

static int tbs_of(const obj *o, const cg_cbs *issuer, const cg_ext *aki, unsigned remove,
                  uint8_t *out, size_t cap, size_t *len)
{
    return o != NULL && cg_ct_entry_tbs_ex(&o->view, issuer, aki, remove, out, cap, len);
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Every capacity short of the result fails cleanly, in a heap buffer of
 * exactly that size so that ASan sees any overrun. */
static void check_short_buffers(const cg_cert *c, const cg_cbs *issuer, const cg_ext *aki,
                                size_t need)
{
    int all_fail = 1;
    for (size_t cap = 0; cap < need; cap++) {
        uint8_t *buf = malloc(cap > 0 ? cap : 1);
        size_t len = 0;
        if (buf == NULL)
            return;
        if (cg_ct_entry_tbs(c, issuer, aki, buf, cap, &len))
            all_fail = 0;
        free(buf);
    }
    CHECK(all_fail);
}

/* A certificate whose only extensions are given, built from o's fields,
 * so that removing them must drop the [3] wrapper. tbs_without gets the
 * TBS with no [3] at all, as the rebuild should produce it. */
static int build_with_only(const obj *o, const cg_ext *const *exts, size_t n, uint8_t *cert,
                           size_t cap, size_t *cert_len, uint8_t *tbs_without, size_t tbs_cap,
                           size_t *tbs_len)
{
    const cg_cert *c = &o->view;
    cg_cbb root, outer, tbs, wrap, seq;
    for (int pass = 0; pass < 2; pass++) {
        int with_exts = pass == 0;
        cg_cbb_init_fixed(&root, with_exts ? cert : tbs_without, with_exts ? cap : tbs_cap);
        cg_cbb *parent = &root;
        if (with_exts) {
            if (!cg_cbb_add_asn1(&root, &outer, CG_ASN1_SEQUENCE))
                return 0;
            parent = &outer;
        }
        if (!cg_cbb_add_asn1(parent, &tbs, CG_ASN1_SEQUENCE) ||
            !cg_cbb_add_bytes(&tbs, c->version.data, c->version.len) ||
            !cg_cbb_add_asn1_header(&tbs, CG_ASN1_INTEGER, c->serial.len) ||
            !cg_cbb_add_bytes(&tbs, c->serial.data, c->serial.len) ||
            !cg_cbb_add_bytes(&tbs, c->tbs_sig_alg.data, c->tbs_sig_alg.len) ||
            !cg_cbb_add_bytes(&tbs, c->issuer.data, c->issuer.len) ||
            !cg_cbb_add_bytes(&tbs, c->validity.data, c->validity.len) ||
            !cg_cbb_add_bytes(&tbs, c->subject.data, c->subject.len) ||
            !cg_cbb_add_bytes(&tbs, c->spki.data, c->spki.len))
            return 0;
        if (with_exts) {
            if (!cg_cbb_add_asn1(&tbs, &wrap, CG_ASN1_CTX_CONS(3)) ||
                !cg_cbb_add_asn1(&wrap, &seq, CG_ASN1_SEQUENCE))
                return 0;
            for (size_t i = 0; i < n; i++) {
                if (!cg_cbb_add_bytes(&seq, exts[i]->raw.data, exts[i]->raw.len))
                    return 0;
            }
            if (!cg_cbb_flush(parent) ||
                !cg_cbb_add_bytes(&outer, c->sig_alg.data, c->sig_alg.len) ||
                !cg_cbb_add_asn1_header(&outer, CG_ASN1_BITSTRING, c->signature.len) ||
                !cg_cbb_add_bytes(&outer, c->signature.data, c->signature.len))
                return 0;
        }
        if (!cg_cbb_finish(&root, with_exts ? cert_len : tbs_len))
            return 0;
    }
    return 1;
}

static void test_tbs_no_extension_left(const obj *precert, const obj *final)
{
    static uint8_t cert[8192], want[8192], got[8192];
    size_t cert_len = 0, want_len = 0, got_len = 0;
    static cg_cert view;
    cg_der_error err;
    const cg_ext *exts[2];
    const cg_ext *aki;

    if (precert == NULL || final == NULL)
        return;
    exts[0] = cg_cert_find_ext(&final->view, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
    exts[1] = cg_cert_find_ext(&precert->view, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON), NULL);
    aki = cg_cert_find_ext(&precert->view, CG_OID_AKI, sizeof(CG_OID_AKI), NULL);
    CHECK(exts[0] != NULL && exts[1] != NULL && aki != NULL);
    if (exts[0] == NULL || exts[1] == NULL || aki == NULL)
        return;

    /* Poison only: a precertificate, and nothing is left after it. */
    CHECK(build_with_only(precert, exts + 1, 1, cert, sizeof(cert), &cert_len, want, sizeof(want),
                          &want_len));
    CHECK(cg_cert_parse(&view, cert, cert_len, &err));
    CHECK(view.is_precert && view.n_ext == 1);
    CHECK(cg_ct_entry_tbs(&view, NULL, NULL, got, sizeof(got), &got_len));
    CHECK(same_bytes(got, got_len, want, want_len));
    /* new_aki has no AKI to replace and adds none. */
    CHECK(cg_ct_entry_tbs(&view, NULL, aki, got, sizeof(got), &got_len));
    CHECK(same_bytes(got, got_len, want, want_len));
    /* Keeping the poison reproduces the original TBS exactly. */
    CHECK(cg_ct_entry_tbs_ex(&view, NULL, NULL, 0, got, sizeof(got), &got_len));
    CHECK(same_bytes(got, got_len, view.tbs.data, view.tbs.len));

    /* SCT list then poison, both removed. */
    CHECK(build_with_only(precert, exts, 2, cert, sizeof(cert), &cert_len, want, sizeof(want),
                          &want_len));
    CHECK(cg_cert_parse(&view, cert, cert_len, &err));
    CHECK(cg_ct_entry_tbs_ex(&view, NULL, NULL, CG_CT_REMOVE_POISON | CG_CT_REMOVE_SCT_LIST, got,
                             sizeof(got), &got_len));
    CHECK(same_bytes(got, got_len, want, want_len));
    /* The default for a precertificate keeps the SCT list. */
    CHECK(cg_ct_entry_tbs(&view, NULL, NULL, got, sizeof(got), &got_len));
    CHECK(got_len > want_len);
}

/* CG_CT_ADD_POISON turns a precert entry's TBSCertificate back into a
 * precertificate's: Go's CT test precertificate (poison last) comes back
 * byte for byte; ours (poison mid-list) comes back with the poison last,
 * which removing it again undoes. */
static void test_tbs_add_poison(const obj *ct_pre, const obj *pre)
{
    static uint8_t entry[8192], back[8192], again[8192], wrapped[8192];
    size_t elen = 0, blen = 0, alen = 0;
    static cg_cert view;
    cg_der_error err;
    const unsigned put = CG_CT_REMOVE_POISON | CG_CT_ADD_POISON;

    CHECK(tbs_of(ct_pre, NULL, NULL, CG_CT_REMOVE_POISON, entry, sizeof(entry), &elen));
    CHECK(tbs_of(ct_pre, NULL, NULL, put, back, sizeof(back), &blen));
    CHECK(same_bytes(back, blen, ct_pre->view.tbs.data, ct_pre->view.tbs.len));
    CHECK(blen <= cg_ct_entry_tbs_max_len(&ct_pre->view, NULL, NULL));

    CHECK(tbs_of(pre, NULL, NULL, CG_CT_REMOVE_POISON, entry, sizeof(entry), &elen));
    CHECK(tbs_of(pre, NULL, NULL, put, back, sizeof(back), &blen));
    CHECK(blen == pre->view.tbs.len && !same_bytes(back, blen, pre->view.tbs.data, blen));
    /* The rebuilt TBS, as a certificate again, is a precertificate whose
     * entry TBS is the one it was made from. */
    size_t wlen = 0;
    cg_cbb cbb, outer;
    cg_cbb_init_fixed(&cbb, wrapped, sizeof(wrapped));
    CHECK(cg_cbb_add_asn1(&cbb, &outer, CG_ASN1_SEQUENCE) &&
          cg_cbb_add_bytes(&outer, back, blen) &&
          cg_cbb_add_bytes(&outer, pre->view.sig_alg.data, pre->view.sig_alg.len) &&
          cg_cbb_add_asn1_header(&outer, CG_ASN1_BITSTRING, pre->view.signature.len) &&
          cg_cbb_add_bytes(&outer, pre->view.signature.data, pre->view.signature.len) &&
          cg_cbb_finish(&cbb, &wlen));
    CHECK(cg_cert_parse(&view, wrapped, wlen, &err) && view.is_precert);
    CHECK(cg_ct_entry_tbs(&view, NULL, NULL, again, sizeof(again), &alen));
    CHECK(same_bytes(again, alen, entry, elen));
}

static void test_tbs(void)
{
    static uint8_t a[8192], b[8192];
    size_t alen = 0, blen = 0;
    obj *ct_pre = load("ctgo/TestPreCertPEM.pem"), *ct_fin = load("ctgo/TestEmbeddedCertPEM.pem");
    obj *pre = load("sct/precert.pem"), *fin = load("sct/final.pem");
    obj *ps = load("sct/ps.pem"), *pre_ps = load("sct/precert_ps.pem");
    obj *fin_ps = load("sct/final_ps.pem"), *pre_sl = load("sct/precert_sct_list.pem");
    const unsigned both = CG_CT_REMOVE_POISON | CG_CT_REMOVE_SCT_LIST;

    CHECK(ct_pre != NULL && ct_fin != NULL && pre != NULL && fin != NULL && ps != NULL &&
          pre_ps != NULL && fin_ps != NULL && pre_sl != NULL);
    if (ct_pre == NULL || ct_fin == NULL || pre == NULL || fin == NULL || ps == NULL ||
        pre_ps == NULL || fin_ps == NULL || pre_sl == NULL)
        goto out;

    /* A precertificate without its poison is its final certificate
     * without the SCT list (ctgo: poison last; ours: poison mid-list). */
    CHECK(cg_ct_entry_tbs(&ct_pre->view, NULL, NULL, a, sizeof(a), &alen));
    CHECK(cg_ct_entry_tbs(&ct_fin->view, NULL, NULL, b, sizeof(b), &blen));
    CHECK(same_bytes(a, alen, b, blen));
    CHECK(alen < ct_pre->view.tbs.len);
    CHECK(cg_ct_entry_tbs(&pre->view, NULL, NULL, a, sizeof(a), &alen));
    CHECK(cg_ct_entry_tbs(&fin->view, NULL, NULL, b, sizeof(b), &blen));
    CHECK(same_bytes(a, alen, b, blen));
    /* The mask says what goes; the default follows is_precert. */
    CHECK(tbs_of(fin, NULL, NULL, both, a, sizeof(a), &alen) && same_bytes(a, alen, b, blen));
    CHECK(tbs_of(fin, NULL, NULL, CG_CT_REMOVE_POISON, a, sizeof(a), &alen));
    CHECK(same_bytes(a, alen, fin->view.tbs.data, fin->view.tbs.len));
    CHECK(tbs_of(pre, NULL, NULL, 0, a, sizeof(a), &alen));
    CHECK(same_bytes(a, alen, pre->view.tbs.data, pre->view.tbs.len));
    check_short_buffers(&fin->view, NULL, NULL, blen);
    CHECK(cg_ct_entry_tbs_max_len(&fin->view, NULL, NULL) >= blen);

    /* Precertificate Signing Certificate: issuer and AKI of the final CA
     * (the signer's own issuer and AKI) give the final certificate's TBS. */
    const cg_ext *aki = cg_cert_find_ext(&ps->view, CG_OID_AKI, sizeof(CG_OID_AKI), NULL);
    CHECK(aki != NULL);
    CHECK(cg_ct_entry_tbs(&fin_ps->view, NULL, NULL, b, sizeof(b), &blen));
    CHECK(cg_ct_entry_tbs(&pre_ps->view, &ps->view.issuer, aki, a, sizeof(a), &alen));
    CHECK(same_bytes(a, alen, b, blen));
    CHECK(cg_ct_entry_tbs_max_len(&pre_ps->view, &ps->view.issuer, aki) >= alen);
    check_short_buffers(&pre_ps->view, &ps->view.issuer, aki, alen);
    /* Either substitution alone is not enough. */
    CHECK(cg_ct_entry_tbs(&pre_ps->view, &ps->view.issuer, NULL, a, sizeof(a), &alen));
    CHECK(!same_bytes(a, alen, b, blen));
    CHECK(cg_ct_entry_tbs(&pre_ps->view, NULL, aki, a, sizeof(a), &alen));
    CHECK(!same_bytes(a, alen, b, blen));
    /* Substitutes must be one SEQUENCE element. */
    cg_cbs not_name = ps->view.serial;
    cg_ext bad_aki = *aki;
    bad_aki.raw.len--;
    CHECK(!cg_ct_entry_tbs(&pre_ps->view, &not_name, NULL, a, sizeof(a), &alen));
    CHECK(!cg_ct_entry_tbs(&pre_ps->view, NULL, &bad_aki, a, sizeof(a), &alen));

    /* A precertificate carrying an SCT list keeps it by default. */
    CHECK(pre_sl->view.is_precert);
    CHECK(cg_ct_entry_tbs(&pre_sl->view, NULL, NULL, a, sizeof(a), &alen));
    CHECK(tbs_of(pre_sl, NULL, NULL, both, b, sizeof(b), &blen));
    CHECK(alen > blen);

    test_tbs_no_extension_left(pre, fin);
    test_tbs_add_poison(ct_pre, pre);
out:
    obj_free(ct_pre);
    obj_free(ct_fin);
    obj_free(pre);
    obj_free(fin);
    obj_free(ps);
    obj_free(pre_ps);
    obj_free(fin_ps);
    obj_free(pre_sl);
}

/* ---- verification ---- */

static void test_ctgo(const env *e)
{
    obj *ca = load("ctgo/CACertPEM.pem"), *pre = load("ctgo/TestPreCertPEM.pem");
    obj *good = load("ctgo/TestEmbeddedCertPEM.pem");
    obj *bad = load("ctgo/TestInvalidEmbeddedCertPEM.pem");
    cg_sct s_good, s_bad;

    CHECK(embedded_sct(good, 0, &s_good));
    CHECK(embedded_sct(bad, 0, &s_bad));
    expect(e, "ctgo embedded", &s_good, good, ca, CG_SCT_VALID, NULL);
    expect(e, "ctgo embedded over the precert", &s_good, pre, ca, CG_SCT_VALID, NULL);
    expect(e, "ctgo invalid embedded", &s_bad, bad, ca, CG_SCT_INVALID,
           "ECDSA signature does not verify");
    expect(e, "ctgo as x509 entry", &s_good, good, NULL, CG_SCT_INVALID, NULL);
    obj_free(ca);
    obj_free(pre);
    obj_free(good);
    obj_free(bad);
}

/* Let's Encrypt, June 2023 (Mozilla bug 1838667). good/: the SCTs verify
 * over the final certificate and its precertificate. bad/: the final
 * certificate has an extra certificatePolicies OID; its SCTs were issued
 * for bad/precert.pem (same serial, without that OID) and verify only over
 * that precertificate's TBS, never over the final certificate's own. */
static void test_le2023(const env *e)
{
    obj *r3 = load("le2023/r3.pem");
    obj *gf = load("le2023/good/final.pem"), *gp = load("le2023/good/precert.pem");
    obj *bf = load("le2023/bad/final.pem"), *bp = load("le2023/bad/precert.pem");
    cg_sct s;

    for (size_t i = 0; i < 2; i++) {
        CHECK(embedded_sct(gf, i, &s));
        expect(e, "le2023 good final", &s, gf, r3, CG_SCT_VALID, NULL);
        expect(e, "le2023 good over precert", &s, gp, r3, CG_SCT_VALID, NULL);
        expect(e, "le2023 good over bad precert", &s, bp, r3, CG_SCT_INVALID, NULL);
        expect(e, "le2023 good, wrong issuer", &s, gf, gp, CG_SCT_INVALID, NULL);
        CHECK(embedded_sct(bf, i, &s));
        expect(e, "le2023 bad final", &s, bf, r3, CG_SCT_INVALID,
               "ECDSA signature does not verify");
        expect(e, "le2023 bad final's SCTs over bad precert", &s, bp, r3, CG_SCT_VALID, NULL);
        expect(e, "le2023 bad over good precert", &s, gp, r3, CG_SCT_INVALID, NULL);
    }
    CHECK(!embedded_sct(gf, 2, &s) && !embedded_sct(bf, 2, &s));
    obj_free(r3);
    obj_free(gf);
    obj_free(gp);
    obj_free(bf);
    obj_free(bp);
}

/* Rewritten copies of an SCT for the negative cases. */
typedef struct mutant {
    cg_sct sct;
    uint8_t log_id[32];
    uint8_t sig[1024];
    uint8_t raw[2048];
} mutant;

static void mutant_init(mutant *m, const cg_sct *from)
{
    m->sct = *from;
    memcpy(m->log_id, from->log_id.data, 32);
    memcpy(m->sig, from->signature.data, from->signature.len);
    m->sct.log_id.data = m->log_id;
    m->sct.signature.data = m->sig;
}

static void test_generated(const env *e)
{
    obj *ca = load("sct/ca.pem"), *twin = load("sct/ca_twin.pem");
    obj *pre = load("sct/precert.pem"), *fin = load("sct/final.pem");
    obj *ps = load("sct/ps.pem"), *pre_ps = load("sct/precert_ps.pem");
    obj *fin_ps = load("sct/final_ps.pem"), *pre_sl = load("sct/precert_sct_list.pem");
    obj *tls = load("sct/tls_cert.pem");
    size_t sl_len = 0, tls_len = 0;
    uint8_t *sl_scts = cg_test_read("sct/precert_sct_list.scts.der", &sl_len);
    uint8_t *tls_scts = cg_test_read("sct/tls_cert.scts.der", &tls_len);
    static const char *const names[] = {"P-256", "RSA", "P-256 with CtExtensions", "P-384"};
    static mutant m;
    cg_sct s[4], t;

    for (size_t i = 0; i < 4; i++) {
        char name[96];
        CHECK(embedded_sct(fin, i, &s[i]));
        snprintf(name, sizeof(name), "generated final, %s", names[i]);
        expect(e, name, &s[i], fin, ca, CG_SCT_VALID, NULL);
        snprintf(name, sizeof(name), "generated precert, %s", names[i]);
        expect(e, name, &s[i], pre, ca, CG_SCT_VALID, NULL);
        /* Same subject, other key: only AKI/SKI tell the CAs apart, and
         * the issuer key hash binds the SCT to the right one. */
        snprintf(name, sizeof(name), "generated final, twin CA, %s", names[i]);
        expect(e, name, &s[i], fin, twin, CG_SCT_INVALID, "signature does not verify");
    }
    CHECK(!embedded_sct(fin, 4, &t));
    CHECK(s[2].extensions.len == 8 && s[0].extensions.len == 0);
    CHECK(s[0].sig_alg == 3 && s[1].sig_alg == 1 && s[3].sig_alg == 3);

    /* Precertificate Signing Certificate chain. */
    for (size_t i = 0; i < 2; i++) {
        uint8_t tbs[4096], ikh[32];
        size_t tbs_len = 0;
        char why[200];
        const cg_ext *aki =
            ps != NULL ? cg_cert_find_ext(&ps->view, CG_OID_AKI, sizeof(CG_OID_AKI), NULL) : NULL;
        CHECK(embedded_sct(fin_ps, i, &t));
        expect(e, "precert signing chain, final", &t, fin_ps, ca, CG_SCT_VALID, NULL);
        /* OpenSSL's SCT_validate has no presigner: it sees the signer's
         * issuer and AKI left in the TBS, and so do we without them. */
        expect(e, "precert signing chain, unsubstituted precert", &t, pre_ps, ca, CG_SCT_INVALID,
               NULL);
        expect(e, "precert signing chain, signer as issuer", &t, fin_ps, ps, CG_SCT_INVALID, NULL);
        if (ps == NULL || pre_ps == NULL || ca == NULL || aki == NULL)
            continue;
        CHECK(cg_ct_entry_tbs(&pre_ps->view, &ps->view.issuer, aki, tbs, sizeof(tbs), &tbs_len));
        CHECK(cg_ct_issuer_key_hash(&ca->view, ikh));
        CHECK(cg_sct_verify_precert(e->v, &t, ikh, tbs, tbs_len, why, sizeof(why)) ==
              CG_SCT_VALID);
    }

    /* A precertificate that carries an SCT list: the log signed its TBS
     * with the list kept. OpenSSL refuses such a certificate outright
     * (UNVERIFIED), so only our verdicts are compared with expectations. */
    CHECK(listed_sct(sl_scts, sl_len, 0, &t));
    {
        vcase c = {"precert carrying an SCT list",  &t, pre_sl, ca, CG_SCT_VALID, NULL,
                   SCT_VALIDATION_STATUS_UNVERIFIED};
        uint8_t tbs[4096], ikh[32];
        size_t tbs_len = 0;
        char why[200];
        run(e, &c);
        CHECK(pre_sl != NULL && ca != NULL);
        if (pre_sl != NULL && ca != NULL) {
            CHECK(tbs_of(pre_sl, NULL, NULL, CG_CT_REMOVE_POISON | CG_CT_REMOVE_SCT_LIST, tbs,
                         sizeof(tbs), &tbs_len));
            CHECK(cg_ct_issuer_key_hash(&ca->view, ikh));
            CHECK(cg_sct_verify_precert(e->v, &t, ikh, tbs, tbs_len, why, sizeof(why)) ==
                  CG_SCT_INVALID);
        }
    }

    /* x509 entries, as TLS or OCSP deliver them. */
    for (size_t i = 0; i < 3; i++) {
        CHECK(listed_sct(tls_scts, tls_len, i, &t));
        expect(e, "x509 entry", &t, tls, NULL, CG_SCT_VALID, NULL);
        expect(e, "x509 entry SCT as a precert entry", &t, tls, ca, CG_SCT_INVALID, NULL);
    }
    CHECK(!listed_sct(tls_scts, tls_len, 3, &t));
    expect(e, "precert SCT as an x509 entry", &s[0], fin, NULL, CG_SCT_INVALID, NULL);

    /* ---- negatives, each a rewritten copy of a valid SCT ---- */
    mutant_init(&m, &s[0]);
    m.sig[m.sct.signature.len / 2] ^= 0x01;
    expect(e, "ECDSA signature byte flipped", &m.sct, fin, ca, CG_SCT_INVALID,
           "ECDSA signature does not verify");
    mutant_init(&m, &s[1]);
    m.sig[100] ^= 0x80;
    expect(e, "RSA signature byte flipped", &m.sct, fin, ca, CG_SCT_INVALID,
           "RSA signature does not verify");
    mutant_init(&m, &s[3]);
    m.sig[m.sct.signature.len - 1] ^= 0x01;
    expect(e, "P-384 signature byte flipped", &m.sct, fin, ca, CG_SCT_INVALID,
           "ECDSA signature does not verify");

    mutant_init(&m, &s[0]);
    m.sct.timestamp++;
    expect(e, "timestamp one ms later", &m.sct, fin, ca, CG_SCT_INVALID, NULL);
    mutant_init(&m, &s[1]);
    m.sct.timestamp--;
    expect(e, "RSA timestamp one ms earlier", &m.sct, fin, ca, CG_SCT_INVALID, NULL);

    mutant_init(&m, &s[2]);
    m.sct.extensions.len = 0;
    expect(e, "CtExtensions dropped", &m.sct, fin, ca, CG_SCT_INVALID, NULL);
    mutant_init(&m, &s[0]);
    m.sct.extensions = s[2].extensions;
    expect(e, "CtExtensions added", &m.sct, fin, ca, CG_SCT_INVALID, NULL);

    mutant_init(&m, &s[0]);
    m.log_id[31] ^= 0x01;
    expect(e, "unknown log", &m.sct, fin, ca, CG_SCT_UNKNOWN_LOG, "is not in the log list");

    mutant_init(&m, &s[0]);
    m.sct.signature.len--;
    expect(e, "ECDSA signature truncated", &m.sct, fin, ca, CG_SCT_INVALID,
           "ECDSA signature does not verify");
    mutant_init(&m, &s[1]);
    m.sct.signature.len = 255;
    expect(e, "RSA signature truncated", &m.sct, fin, ca, CG_SCT_INVALID,
           "RSA signature does not verify");
    mutant_init(&m, &s[0]);
    m.sct.signature.len = 0;
    {
        vcase c = {"empty signature",    &m.sct,         fin, ca, CG_SCT_INVALID,
                   "signature is empty", ORACLE_NO_PARSE};
        run(e, &c);
    }

    /* Algorithms outside RFC 6962: o2i_SCT already refuses them. */
    mutant_init(&m, &s[0]);
    m.sct.hash_alg = 5;
    {
        vcase c = {"SHA-384 hash",
                   &m.sct,
                   fin,
                   ca,
                   CG_SCT_UNSUPPORTED,
                   "hash algorithm 5 (SHA-384) is not SHA-256",
                   ORACLE_NO_PARSE};
        run(e, &c);
    }
    mutant_init(&m, &s[1]);
    m.sct.hash_alg = 2;
    {
        vcase c = {"SHA-1 hash", &m.sct, fin, ca, CG_SCT_UNSUPPORTED, "(SHA-1)", ORACLE_NO_PARSE};
        run(e, &c);
    }
    mutant_init(&m, &s[0]);
    m.sct.sig_alg = 2;
    {
        vcase c = {
            "DSA signature", &m.sct, fin, ca, CG_SCT_UNSUPPORTED, "signature algorithm 2 (DSA)",
            ORACLE_NO_PARSE};
        run(e, &c);
    }
    /* A later SCT version: its body cannot be read, so it is not checked. */
    mutant_init(&m, &s[0]);
    memcpy(m.raw, s[0].raw.data, s[0].raw.len);
    m.raw[0] = 1;
    m.sct.version = 1;
    m.sct.raw.data = m.raw;
    {
        vcase c = {"SCT version 2",
                   &m.sct,
                   fin,
                   ca,
                   CG_SCT_UNSUPPORTED,
                   "SCT version 1",
                   SCT_VALIDATION_STATUS_UNKNOWN_VERSION};
        run(e, &c);
    }

    /* The key decides the algorithm. An ECDSA signature under the RSA
     * log's ID fails on both sides. */
    mutant_init(&m, &s[0]);
    memcpy(m.log_id, s[1].log_id.data, 32);
    expect(e, "ECDSA SCT, RSA log", &m.sct, fin, ca, CG_SCT_INVALID,
           "log key is RSA but SCT says ECDSA");
    mutant_init(&m, &s[1]);
    memcpy(m.log_id, s[0].log_id.data, 32);
    expect(e, "RSA SCT, EC log", &m.sct, fin, ca, CG_SCT_INVALID,
           "log key is EC but SCT says RSA");
    /* A valid signature whose SCT names the other algorithm: OpenSSL
     * verifies with whatever the log key is and ignores the SCT's
     * SignatureAndHashAlgorithm, so it calls these valid. RFC 5246
     * §4.7 has the algorithm describe the signature, so they are not. */
    mutant_init(&m, &s[1]);
    m.sct.sig_alg = 3;
    {
        vcase c = {"RSA signature labelled ECDSA",
                   &m.sct,
                   fin,
                   ca,
                   CG_SCT_INVALID,
                   "log key is RSA but SCT says ECDSA",
                   SCT_VALIDATION_STATUS_VALID};
        run(e, &c);
    }
    mutant_init(&m, &s[0]);
    m.sct.sig_alg = 1;
    {
        vcase c = {"ECDSA signature labelled RSA",
                   &m.sct,
                   fin,
                   ca,
                   CG_SCT_INVALID,
                   "log key is EC but SCT says RSA",
                   SCT_VALIDATION_STATUS_VALID};
        run(e, &c);
    }

    free(sl_scts);
    free(tls_scts);
    obj_free(ca);
    obj_free(twin);
    obj_free(pre);
    obj_free(fin);
    obj_free(ps);
    obj_free(pre_ps);
    obj_free(fin_ps);
    obj_free(pre_sl);
    obj_free(tls);
}

/* tests/data/ct3: every embedded SCT, over the certificate it sits in and
 * over the precertificate the log saw, under the issuer given; OpenSSL must
 * agree on each. want: one letter an SCT, V valid, I invalid, U unknown log
 * (log X of ct3 is in neither key set). */
static void test_ct3(const env *e)
{
    static const struct {
        const char *from, *cert, *issuer, *want;
    } cases[] = {
        {"clean_final", "clean_final", "ca", "VVV"},
        {"clean_final", "clean_pre", "ca", "VVV"},
        {"clean_final_resigned", "clean_final_resigned", "ca", "VV"},
        {"clean_final_resigned", "clean_pre", "ca", "VV"},
        {"moved_final", "moved_final", "ca", "VV"},
        {"moved_final", "moved_pre", "ca", "VV"},
        /* Issued for precertificate B, embedded in A's certificate. */
        {"twopre_final", "twopre_final", "ca", "II"},
        {"twopre_final", "twopre_b", "ca", "VV"},
        {"twopre_final", "twopre_a", "ca", "II"},
        {"validity_final", "validity_final", "ca", "II"},
        {"validity_final", "validity_pre", "ca", "VV"},
        {"tbs_ext_added_final", "tbs_ext_added_final", "ca", "II"},
        {"tbs_ext_added_final", "tbs_ext_added_pre", "ca", "VV"},
        {"tbs_ext_removed_final", "tbs_ext_removed_final", "ca", "II"},
        {"tbs_ext_removed_final", "tbs_ext_removed_pre", "ca", "VV"},
        {"tbs_ext_reordered_final", "tbs_ext_reordered_final", "ca", "II"},
        {"tbs_ext_reordered_final", "tbs_ext_reordered_pre", "ca", "VV"},
        {"tbs_ext_changed_final", "tbs_ext_changed_final", "ca", "II"},
        {"tbs_ext_changed_final", "tbs_ext_changed_pre", "ca", "VV"},
        {"tbs_ext_critical_final", "tbs_ext_critical_final", "ca", "II"},
        {"tbs_ext_critical_final", "tbs_ext_critical_pre", "ca", "VV"},
        {"tbs_ext_private_final", "tbs_ext_private_final", "ca", "II"},
        {"tbs_ext_private_final", "tbs_ext_private_pre", "ca", "VV"},
        /* A critical FALSE written out: other bytes than the precert's. */
        {"tbs_ext_encoding_final", "tbs_ext_encoding_final", "ca", "II"},
        {"tbs_ext_encoding_final", "tbs_ext_encoding_pre", "ca", "VV"},
        {"tbs_subject_final", "tbs_subject_final", "ca", "II"},
        {"tbs_subject_final", "tbs_subject_pre", "ca", "VV"},
        {"tbs_spki_final", "tbs_spki_final", "ca", "II"},
        {"tbs_spki_final", "tbs_spki_pre", "ca", "VV"},
        {"tbs_sigalg_final", "tbs_sigalg_final", "ca", "II"},
        {"tbs_sigalg_final", "tbs_sigalg_pre", "ca", "VV"},
        /* Issuer known by AKI/SKI only; the twin has another key. */
        {"aki_final", "aki_final", "ca_enc", "VV"},
        {"aki_final", "aki_pre", "ca_enc", "VV"},
        {"aki_final", "aki_final", "ca_enc_twin", "II"},
        {"aki_wrong_final", "aki_wrong_final", "ca", "VV"},
        /* Signed over the entry of a precertificate from ps.pem, rebuilt
         * with ca.pem as issuer: not this certificate's. */
        {"ps_mismatch_final", "ps_mismatch_final", "ca", "II"},
        {"sct_unknown_log", "sct_unknown_log", "ca", "VVU"},
        {"sct_future", "sct_future", "ca", "VV"},
        {"sct_backdated", "sct_backdated", "ca", "VV"},
        {"sct_backdated_48h", "sct_backdated_48h", "ca", "VV"},
        {"sct_backdated_48h_1ms", "sct_backdated_48h_1ms", "ca", "VV"},
        {"sct_log_pending", "sct_log_pending", "ca", "VVVV"},
        {"sct_shard_out", "sct_shard_out", "ca", "VVV"},
        {"sct_shard_in", "sct_shard_in", "ca", "VVV"},
        {"sct_bad_rsa_sig", "sct_bad_rsa_sig", "ca", "VI"},
        {"policy_one_operator", "policy_one_operator", "ca", "VV"},
        {"policy_previous_operator", "policy_previous_operator", "ca", "VV"},
        {"policy_200d", "policy_200d", "ca", "VV"},
        {"policy_180d", "policy_180d", "ca", "VV"},
        {"policy_ok", "policy_ok", "ca", "VV"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char p_from[96], p_cert[96], p_issuer[96], name[160];
        snprintf(p_from, sizeof(p_from), "ct3/%s.pem", cases[c].from);
        snprintf(p_cert, sizeof(p_cert), "ct3/%s.pem", cases[c].cert);
        snprintf(p_issuer, sizeof(p_issuer), "%s/%s.pem",
                 strcmp(cases[c].issuer, "ca") == 0 ? "sct" : "ct3", cases[c].issuer);
        obj *from = load(p_from), *cert = load(p_cert), *issuer = load(p_issuer);
        size_t n = strlen(cases[c].want);
        cg_sct s;
        CHECK(from != NULL && cert != NULL && issuer != NULL);
        for (size_t i = 0; from != NULL && cert != NULL && issuer != NULL && i < n; i++) {
            char w = cases[c].want[i];
            snprintf(name, sizeof(name), "ct3 %s SCT %zu over %s, issuer %s", cases[c].from, i + 1,
                     cases[c].cert, cases[c].issuer);
            CHECK(embedded_sct(from, i, &s));
            expect(e, name, &s, cert, issuer,
                   w == 'V'   ? CG_SCT_VALID
                   : w == 'U' ? CG_SCT_UNKNOWN_LOG
                              : CG_SCT_INVALID,
                   NULL);
        }
        CHECK(!embedded_sct(from, n, &s));
        obj_free(from);
        obj_free(cert);
        obj_free(issuer);
    }
}

/* Arguments and keys the verifier must refuse without crashing. */
static void test_api(const uint8_t *ec_spki, size_t ec_len)
{
    cg_sct_verifier *v = cg_sct_verifier_new(NULL);
    obj *fin = load("sct/final.pem"), *ed = load("ct/ca.pem");
    uint8_t ikh[32] = {0}, tbs[4] = {0x30, 0x02, 0x05, 0x00}, junk[3] = {0x30, 0x01, 0x00};
    char why[128], tiny[8];
    cg_sct s;

    CHECK(v != NULL);
    CHECK(embedded_sct(fin, 0, &s));
    if (v == NULL || fin == NULL)
        goto out;
    /* No log list, no keys. */
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, sizeof(tbs), why, sizeof(why)) ==
          CG_SCT_UNKNOWN_LOG);
    CHECK(strstr(why, "is not in the log list") != NULL);
    /* why may be NULL or tiny. */
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, sizeof(tbs), NULL, 0) == CG_SCT_UNKNOWN_LOG);
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, sizeof(tbs), tiny, sizeof(tiny)) ==
          CG_SCT_UNKNOWN_LOG);
    CHECK(strlen(tiny) == sizeof(tiny) - 1);

    CHECK(!cg_sct_verifier_add_key(v, junk, sizeof(junk)));
    CHECK(!cg_sct_verifier_add_key(v, NULL, 0));
    CHECK(!cg_sct_verifier_add_key(NULL, ec_spki, ec_len));
    if (ed != NULL)
        CHECK(!cg_sct_verifier_add_key(v, ed->view.spki.data, ed->view.spki.len));
    /* Trailing bytes after the SubjectPublicKeyInfo. */
    if (ec_spki != NULL && ec_len < 256) {
        uint8_t longer[256];
        memcpy(longer, ec_spki, ec_len);
        longer[ec_len] = 0;
        CHECK(!cg_sct_verifier_add_key(v, longer, ec_len + 1));
    }
    CHECK(cg_sct_verifier_add_key(v, ec_spki, ec_len));
    CHECK(cg_sct_verifier_add_key(v, ec_spki, ec_len));

    /* Now the log is known; the entry is wrong. */
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, sizeof(tbs), why, sizeof(why)) == CG_SCT_INVALID);
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, 0, why, sizeof(why)) == CG_SCT_INVALID);
    CHECK(strstr(why, "does not fit opaque<1..2^24-1>") != NULL);
    CHECK(cg_sct_verify_precert(v, &s, ikh, NULL, 4, why, sizeof(why)) == CG_SCT_INVALID);
    /* Rejected on the length alone: nothing past tbs[3] is read. */
    CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, (size_t)1 << 24, why, sizeof(why)) ==
          CG_SCT_INVALID);
    CHECK(cg_sct_verify_x509(v, &s, tbs, (size_t)1 << 24, why, sizeof(why)) == CG_SCT_INVALID);
    CHECK(cg_sct_verify_precert(v, &s, NULL, tbs, sizeof(tbs), why, sizeof(why)) ==
          CG_SCT_INVALID);
    CHECK(cg_sct_verify_precert(v, NULL, ikh, tbs, sizeof(tbs), why, sizeof(why)) ==
          CG_SCT_INVALID);
    CHECK(cg_sct_verify_x509(NULL, &s, tbs, sizeof(tbs), why, sizeof(why)) == CG_SCT_INVALID);
    cg_sct short_id = s;
    short_id.log_id.len = 31;
    CHECK(cg_sct_verify_precert(v, &short_id, ikh, tbs, sizeof(tbs), why, sizeof(why)) ==
          CG_SCT_INVALID);

    CHECK(strcmp(cg_sct_status_name(CG_SCT_VALID), "valid") == 0);
    CHECK(strcmp(cg_sct_status_name(CG_SCT_UNKNOWN_LOG), "unknown log") == 0);
    CHECK(strcmp(cg_sct_status_name(CG_SCT_UNSUPPORTED), "unsupported") == 0);
out:
    cg_sct_verifier_free(v);
    cg_sct_verifier_free(NULL);
    obj_free(fin);
    obj_free(ed);
}

/* Log-list keys are decoded lazily and kept: a key list entry that is not
 * a usable key gives UNSUPPORTED every time, without retrying. */
static void test_loglist_keys(const cg_loglist *ll)
{
    cg_sct_verifier *v = cg_sct_verifier_new(ll);
    obj *r3 = load("le2023/r3.pem"), *gf = load("le2023/good/final.pem");
    uint8_t tbs[4096], ikh[32];
    size_t tbs_len = 0;
    char why[128];
    cg_sct s;

    CHECK(v != NULL && r3 != NULL && gf != NULL);
    if (v == NULL || r3 == NULL || gf == NULL)
        goto out;
    CHECK(cg_ct_issuer_key_hash(&r3->view, ikh));
    CHECK(cg_ct_entry_tbs(&gf->view, NULL, NULL, tbs, sizeof(tbs), &tbs_len));
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 2; i++) {
            CHECK(embedded_sct(gf, i, &s));
            CHECK(cg_sct_verify_precert(v, &s, ikh, tbs, tbs_len, why, sizeof(why)) ==
                  CG_SCT_VALID);
        }
    }
    /* Every log of the crt.sh list decodes to a usable key (RSA keys
     * included: an ECDSA SCT is then INVALID, not UNSUPPORTED). */
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *log = cg_loglist_get0(ll, i);
        cg_sct probe = s;
        cg_cbs_init(&probe.log_id, log->log_id, 32);
        probe.sig_alg = 3;
        cg_sct_status st = cg_sct_verify_precert(v, &probe, ikh, tbs, tbs_len, why, sizeof(why));
        /* s's own log verifies it; for every other log it is just wrong. */
        int own = memcmp(log->log_id, s.log_id.data, 32) == 0;
        if (st != (own ? CG_SCT_VALID : CG_SCT_INVALID))
            fprintf(stderr, "log %zu (%s): %s\n", i, log->description, why);
        CHECK(st == (own ? CG_SCT_VALID : CG_SCT_INVALID));
    }
out:
    cg_sct_verifier_free(v);
    obj_free(r3);
    obj_free(gf);
}

/* cg_corr_key (ct/corr.h): a precertificate and the certificate made from
 * it share a key, another precertificate does not; the key is the same
 * with SHA-256 fetched by the caller as with SHA256(). */
static void test_corr_key(void)
{
    const char *paths[] = {"le2023/good/precert.pem", "le2023/good/final.pem",
                           "le2023/bad/precert.pem"};
    uint8_t *der[3];
    cg_cert c[3];
    uint8_t key[3][32], fetched[32];
    cg_der_error err;
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    CHECK(md != NULL);
    for (size_t i = 0; i < 3; i++) {
        size_t len = 0;
        der[i] = cg_test_read_der(paths[i], &len);
        CHECK(der[i] != NULL && cg_cert_parse(&c[i], der[i], len, &err));
        CHECK(cg_corr_key(&c[i], 0, NULL, key[i]));
        CHECK(cg_corr_key(&c[i], 0, md, fetched) && memcmp(fetched, key[i], 32) == 0);
    }
    CHECK(memcmp(key[0], key[1], 32) == 0 && memcmp(key[2], key[1], 32) != 0);
    /* Through a signing certificate the issuer is left out: another key. */
    CHECK(cg_corr_key(&c[0], 1, md, fetched) && memcmp(fetched, key[0], 32) != 0);
    for (size_t i = 0; i < 3; i++)
        free(der[i]);
    EVP_MD_free(md);
}

int main(void)
{
    test_corr_key();
    const char *key_files[] = {
        "ctgo/LogPublicKeyPEM.pem", "sct/log_ec.pub.pem",        "sct/log_rsa.pub.pem",
        "sct/log_p384.pub.pem",     "ct3/log_a2.pub.pem",        "ct3/log_a3.pub.pem",
        "ct3/log_pending.pub.pem",  "ct3/log_qualified.pub.pem", "ct3/log_shard.pub.pem"};
    enum { N_FILES = sizeof(key_files) / sizeof(key_files[0]) };
    /* The le2023 SCTs' logs: Nimbus 2023, Argon 2023, Oak 2023. */
    static const char *const le_logs[] = {
        "7a328c54d8b72db620ea38e0521ee98416703213854d3bd22bc13a57a352eb52",
        "e83ed0da3ef5063532e75728bc896bc903d3cbd1116beceb69e1777d6d06bd6e",
        "b73efb24df9c4dba75f239c5ba58f46c5dfc42cf7a9f35c49e1d098125edb499"};
    enum { N_KEYS = N_FILES + 3 };
    const uint8_t *keys[N_KEYS] = {NULL};
    size_t lens[N_KEYS] = {0};
    uint8_t *owned[N_FILES] = {NULL};
    size_t json_len = 0;
    uint8_t *json = cg_test_read("loglists/crtsh_v3_all_all_logs_list.json", &json_len);
    cg_loglist *ll = cg_loglist_new();
    char err[256];
    env e = {NULL, NULL};
    cg_sct_verifier *fast = NULL;

    CHECK(json != NULL && ll != NULL);
    if (json == NULL || ll == NULL)
        goto out;
    CHECK(cg_loglist_load(ll, json, json_len, "crtsh", err, sizeof(err)));

    /* The verifier gets the ctgo and generated keys directly and the
     * le2023 logs' keys from the crt.sh list; the oracle gets all of them. */
    e.v = cg_sct_verifier_new(ll);
    CHECK(e.v != NULL);
    if (e.v == NULL)
        goto out;
    for (size_t i = 0; i < N_FILES; i++) {
        owned[i] = cg_test_read_der(key_files[i], &lens[i]);
        keys[i] = owned[i];
        CHECK(owned[i] != NULL && cg_sct_verifier_add_key(e.v, owned[i], lens[i]));
    }
    for (size_t i = 0; i < 3; i++) {
        uint8_t id[32];
        const cg_log *log;
        CHECK(cg_test_unhex(le_logs[i], id, sizeof(id)) == 32);
        log = cg_loglist_find(ll, id);
        CHECK(log != NULL);
        if (log != NULL) {
            keys[N_FILES + i] = log->key_der;
            lens[N_FILES + i] = log->key_len;
        }
    }
    e.store = oracle_store(keys, lens, N_KEYS);
    CHECK(e.store != NULL);
    if (e.store == NULL)
        goto out;

    test_tbs();
    test_ctgo(&e);
    test_le2023(&e);
    test_generated(&e);
    test_ct3(&e);
    test_api(keys[1], lens[1]);
    test_loglist_keys(ll);

    /* Again with every P-256 key's multiples precomputed from its first
     * SCT (x509/ecdsa.h, which a verifier uses after CG_SCT_FAST_AFTER
     * SCTs of a log): every verdict as OpenSSL's, good and mutated. */
    fast = cg_sct_verifier_new(ll);
    CHECK(fast != NULL);
    if (fast == NULL)
        goto out;
    cg_sct_verifier_set_fast_after(fast, 1);
    for (size_t i = 0; i < N_FILES; i++)
        CHECK(cg_sct_verifier_add_key(fast, keys[i], lens[i]));
    cg_sct_verifier_free(e.v);
    e.v = fast;
    test_ctgo(&e);
    test_le2023(&e);
    test_generated(&e);
    test_ct3(&e);
out:
    CTLOG_STORE_free(e.store);
    cg_sct_verifier_free(e.v);
    for (size_t i = 0; i < N_FILES; i++)
        free(owned[i]);
    cg_loglist_free(ll);
    free(json);
    return cg_test_done();
}
