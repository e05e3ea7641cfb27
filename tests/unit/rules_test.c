/* The rule table and the findings context. */
#include <ctype.h>
#include <dirent.h>
#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/cert_profile.h"
#include "rules/engine.h"
#include "rules/rules.h"
#include "testutil.h"
#include "util/sbuf.h"
#include "x509/x509.h"

static void test_table(void)
{
    for (size_t i = 0; i < CG_RULE_COUNT; i++) {
        const cg_rule *r = cg_rule_get((cg_rule_id)i);
        cg_rule_id back;
        CHECK(r != NULL && r->id != NULL && r->description[0] != '\0');
        CHECK(r->severity == CG_SEV_ERROR || r->severity == CG_SEV_WARNING ||
              r->severity == CG_SEV_NOTICE);
        /* family.name[.name]: lowercase, digits and underscores, dotted. */
        int dots = 0, ok = islower((unsigned char)r->id[0]) != 0;
        for (const char *p = r->id; *p != '\0'; p++) {
            dots += *p == '.';
            ok &= islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' ||
                  *p == '.';
        }
        CHECK(ok && dots >= 1);
        CHECK(cg_rule_lookup(r->id, &back) && back == (cg_rule_id)i);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(cg_rule_get((cg_rule_id)j)->id, r->id) != 0);
    }
    cg_rule_id id;
    CHECK(!cg_rule_lookup("no.such_rule", &id));
    CHECK(cg_rule_get(CG_RULE_COUNT) == NULL);
    CHECK(cg_rule_lookup("ct.precert.sct_list_present", &id) &&
          id == CG_R_CT_PRECERT_SCT_LIST_PRESENT);
    CHECK(strcmp(cg_severity_name(CG_SEV_WARNING), "warning") == 0);
}

typedef struct seen {
    int n;
    cg_rule_id last;
    char msg[64];
    size_t fields;
} seen;

static void sink(void *arg, const cg_finding *f)
{
    seen *s = arg;
    s->n++;
    s->last = f->rule;
    s->fields = f->n_fields;
    strncpy(s->msg, f->message, sizeof(s->msg) - 1);
}

static void sink_len(void *arg, const cg_finding *f)
{
    ((seen *)arg)->n = (int)strlen(f->message);
}

static void test_ctx(void)
{
    cg_ctx ctx;
    cg_objref ref;
    seen s;
    memset(&s, 0, sizeof(s));
    memset(&ref, 0, sizeof(ref));
    cg_ctx_init(&ctx, 42, sink, &s);
    CHECK(ctx.at == 42);
    cg_report(&ctx, CG_R_CRL_STALE, &ref, "stale by %d days", 3);
    CHECK(s.n == 1 && s.last == CG_R_CRL_STALE && strcmp(s.msg, "stale by 3 days") == 0);
    cg_field fl[2] = {{"revoked", CG_FIELD_BOOL, NULL, 1}, {"reason", CG_FIELD_NULL, NULL, 0}};
    cg_report_fields(&ctx, CG_R_REVOCATION_STATUS, &ref, fl, 2, "revoked");
    CHECK(s.n == 2 && s.fields == 2);
    CHECK(ctx.count[CG_SEV_ERROR] == 1 && ctx.count[CG_SEV_NOTICE] == 1);
    /* A message cut at the limit ends on a whole UTF-8 character. */
    {
        char big[1100];
        memset(big, 'a', sizeof(big));
        memcpy(big + 1021, "\xc3\xa9\xc3\xa9", 4); /* "é" straddles byte 1023 */
        big[sizeof(big) - 1] = '\0';
        cg_ctx_init(&ctx, 0, sink_len, &s);
        cg_report(&ctx, CG_R_CRL_STALE, &ref, "%s", big);
        CHECK(s.n == 1021 + 2); /* "aaa...é", the second é dropped */
        cg_report(&ctx, CG_R_CRL_STALE, &ref, "%s", big + 1);
        CHECK(s.n == 1020 + 2);
    }
    /* No sink: counted, not delivered. */
    cg_ctx_init(&ctx, 0, NULL, NULL);
    cg_report(&ctx, CG_R_CT_LOGLIST_CHANGED, &ref, "x");
    CHECK(ctx.count[CG_SEV_WARNING] == 1);
}

/* What on_object was handed, the last time. */
typedef struct indexed {
    int n;
    cg_objref ref;            /* its views are not valid after the call */
    uint8_t name_serial[512]; /* the issuer Name and the serial, copied */
    size_t len;
    int has_cert;
} indexed;

static void on_indexed(void *arg, const cg_objref *obj, const cg_cert *cert, const cg_crl *crl)
{
    indexed *x = arg;
    (void)crl;
    x->n++;
    x->ref = *obj;
    x->has_cert = cert != NULL;
    x->len = 0;
    if (obj->issuer.len + obj->serial.len <= sizeof(x->name_serial)) {
        memcpy(x->name_serial, obj->issuer.data, obj->issuer.len);
        memcpy(x->name_serial + obj->issuer.len, obj->serial.data, obj->serial.len);
        x->len = obj->issuer.len + obj->serial.len;
    }
}

/* A context at 1700000000 whose findings go to sink with s, and whose
 * objects' on_object to x; s and x emptied. */
static void indexing_ctx(cg_ctx *ctx, cg_sink_fn fn, seen *s, indexed *x)
{
    memset(s, 0, sizeof(*s));
    memset(x, 0, sizeof(*x));
    cg_ctx_init(ctx, 1700000000, fn, s);
    ctx->on_object = on_indexed;
    ctx->on_object_arg = x;
}

/* index_only (an object checked before, given again for the cross-object
 * rules): on_object gets the same object reference as in a check, and no
 * single-object rule reports anything. */
static void test_index_only(void)
{
    size_t len = 0;
    uint8_t *pem = cg_test_read("zlint/empty_sct_list_ko_01.pem", &len);
    CHECK(pem != NULL);
    if (pem == NULL)
        return;
    cg_ctx ctx;
    cg_file_result res;
    seen s;
    indexed checked, again;
    indexing_ctx(&ctx, sink, &s, &checked);
    cg_check_file(&ctx, "a.pem", pem, len, &res);
    CHECK(res.objects == 1 && s.n >= 1 && checked.n == 1 && checked.has_cert);
    indexing_ctx(&ctx, sink, &s, &again);
    ctx.index_only = 1;
    cg_check_file(&ctx, "a.pem", pem, len, &res);
    CHECK(res.objects == 1 && res.malformed == 0 && s.n == 0);
    CHECK(again.n == 1 && again.has_cert);
    CHECK(again.ref.kind == checked.ref.kind && again.ref.has_hash && again.ref.index == 0 &&
          memcmp(again.ref.sha256, checked.ref.sha256, 32) == 0);
    CHECK(again.ref.issuer.len == checked.ref.issuer.len &&
          again.ref.serial.len == checked.ref.serial.len && again.len > 0 &&
          again.len == checked.len &&
          memcmp(again.name_serial, checked.name_serial, again.len) == 0);
    CHECK(again.ref.has_issued == checked.ref.has_issued &&
          again.ref.issued == checked.ref.issued);
    /* Not an object at all: nothing handed on, nothing reported. */
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    memset(&again, 0, sizeof(again));
    CHECK(!cg_check_der(&ctx, "junk.der", 0, junk, sizeof(junk)));
    CHECK(again.n == 0 && s.n == 0);
    free(pem);
}

/* What a caller knows of an object (cg_ctx.known) is taken for it: its
 * SHA-256 and DER verdict are not worked out again. */
typedef struct knower {
    const uint8_t *der;
    size_t len;
    int asked;
    cg_obj_known k;
} knower;

/* The der.noncanonical findings and the last one's message. */
static void sink_der(void *arg, const cg_finding *f)
{
    seen *s = arg;
    if (f->rule != CG_R_DER_NONCANONICAL)
        return;
    s->n++;
    s->last = f->rule;
    snprintf(s->msg, sizeof(s->msg), "%s", f->message);
}

static const cg_obj_known *know(void *arg, const uint8_t *der, size_t len)
{
    knower *w = arg;
    w->asked++;
    return der == w->der && len == w->len ? &w->k : NULL;
}

static void test_known(void)
{
    cg_ctx ctx;
    seen s;
    indexed plain, told;
    knower w;
    size_t len = 0;
    uint8_t *der = cg_test_read_der("le2023/r3.pem", &len);
    memset(&w, 0, sizeof(w));
    memset(&told, 0, sizeof(told));
    CHECK(der != NULL);
    if (der == NULL)
        return;
    /* Unknown: validated and hashed here. */
    indexing_ctx(&ctx, sink_der, &s, &plain);
    ctx.known = know;
    ctx.known_arg = &w;
    CHECK(cg_check_der(&ctx, "r3.der", 0, der, len));
    CHECK(w.asked == 1 && plain.n == 1 && plain.ref.has_hash);
    CHECK(s.n == 0);
    /* Known, with a verdict and a hash the bytes do not have: both are
     * taken as told (a caller tells only what it worked out). */
    w.der = der;
    w.len = len;
    w.k.st = CG_DER_NONCANONICAL;
    w.k.consumed = len;
    w.k.err.offset = 7;
    snprintf(w.k.err.what, sizeof(w.k.err.what), "what the caller found");
    memset(w.k.sha256, 0xab, 32);
    memset(&s, 0, sizeof(s));
    ctx.on_object_arg = &told;
    CHECK(cg_check_der(&ctx, "r3.der", 0, der, len));
    CHECK(w.asked == 2 && told.n == 1 && told.ref.has_hash);
    CHECK(told.ref.sha256[0] == 0xab && told.ref.sha256[31] == 0xab &&
          memcmp(told.ref.sha256, plain.ref.sha256, 32) != 0);
    CHECK(s.n == 1 &&
          strcmp(s.msg, "r3.der, object 0, DER byte offset 7: what the caller found") == 0);
    free(der);
}

static void test_serial_hex(void)
{
    static const uint8_t s1[] = {0x00, 0x8f, 0x01};
    static const uint8_t s2[] = {0x00};
    static const uint8_t s3[] = {0x03, 0xd9};
    cg_cbs c;
    char buf[16];
    cg_cbs_init(&c, s1, sizeof(s1));
    cg_serial_hex(&c, buf, sizeof(buf));
    CHECK(strcmp(buf, "8f01") == 0);
    cg_cbs_init(&c, s2, sizeof(s2));
    cg_serial_hex(&c, buf, sizeof(buf));
    CHECK(strcmp(buf, "00") == 0);
    cg_cbs_init(&c, s3, sizeof(s3));
    cg_serial_hex(&c, buf, sizeof(buf));
    CHECK(strcmp(buf, "03d9") == 0);
    cg_cbs_init(&c, NULL, 0);
    cg_serial_hex(&c, buf, sizeof(buf));
    CHECK(buf[0] == '\0');
    cg_cbs_init(&c, s3, sizeof(s3));
    cg_serial_hex(&c, buf, 3); /* truncated on a whole octet */
    CHECK(strcmp(buf, "03") == 0);
}

/* The smallest odd prime below 752 dividing x, by OpenSSL's BN_mod_word. */
static unsigned ref_small_factor(const BIGNUM *x)
{
    for (unsigned f = 3; f < 752; f += 2) {
        int prime = 1;
        for (unsigned d = 3; d * d <= f && prime; d += 2)
            prime = f % d != 0;
        if (prime && BN_mod_word(x, f) == 0)
            return f;
    }
    return 0;
}

static void check_small_factor(const BIGNUM *x)
{
    uint8_t buf[513];
    int n = BN_bn2bin(x, buf + 1);
    CHECK(n > 0 && n <= 512);
    unsigned got = cg_rsa_small_factor(buf + 1, (size_t)n), want = ref_small_factor(x);
    if (got != want)
        fprintf(stderr, "small factor of a %d-byte number: %u, OpenSSL says %u\n", n, got, want);
    CHECK(got == want);
    /* every way (64-bit multiplications; AVX2 and AVX-512 IFMA where the
     * processor has them: elsewhere they fall back to the 64-bit way) */
    for (int way = CG_RSA_FACTOR_64; way <= CG_RSA_FACTOR_IFMA; way++) {
        unsigned w = cg_rsa_small_factor_how(buf + 1, (size_t)n, (cg_rsa_factor_way)way);
        if (w != want)
            fprintf(stderr, "small factor of a %d-byte number, way %d: %u, OpenSSL says %u\n", n,
                    way, w, want);
        CHECK(w == want);
    }
    /* the same with the leading zero octet a DER INTEGER has before a top
     * bit set (a 4096-bit modulus: 513 octets), which rsa_defect passes */
    buf[0] = 0;
    CHECK(cg_rsa_small_factor(buf, (size_t)n + 1) == want);
    for (int way = CG_RSA_FACTOR_64; way <= CG_RSA_FACTOR_IFMA; way++)
        CHECK(cg_rsa_small_factor_how(buf, (size_t)n + 1, (cg_rsa_factor_way)way) == want);
}

/* cg_rsa_small_factor (the RSA modulus screen of TLS BRs §6.1.6) against
 * OpenSSL's BN_mod_word: every odd prime below 752 times a random odd
 * number, and random odd numbers of every size up to 4096 bits. */
static void test_small_factor(void)
{
    printf("cg_rsa_small_factor: the 64-bit way checked; AVX2 %s; AVX-512 IFMA %s\n",
           cg_rsa_small_factor_runs(CG_RSA_FACTOR_AVX2) ? "present, checked" : "absent",
           cg_rsa_small_factor_runs(CG_RSA_FACTOR_IFMA) ? "present, checked" : "absent");
#if defined(__x86_64__) && defined(__GNUC__)
    /* a way the processor has is taken (else the checks below would hold
     * the 64-bit way twice) */
    CHECK(cg_rsa_small_factor_runs(CG_RSA_FACTOR_AVX2) == (__builtin_cpu_supports("avx2") != 0));
#endif
    BIGNUM *x = BN_new(), *c = BN_new();
    BN_CTX *bctx = BN_CTX_new();
    CHECK(x != NULL && c != NULL && bctx != NULL);
    for (unsigned p = 3; p < 752; p += 2) {
        CHECK(BN_rand(c, 2040, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD));
        CHECK(BN_set_word(x, p) && BN_mul(x, x, c, bctx));
        check_small_factor(x);
    }
    for (int bits = 8; bits <= 4096; bits += 8) {
        CHECK(BN_rand(x, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD));
        check_small_factor(x);
    }
    /* each odd prime below 752 times a random number of a size that moves
     * with it: every word of the table of powers (up to 4096 bits) meets
     * every group */
    for (unsigned p = 3, i = 0; p < 752; p += 2, i++) {
        CHECK(BN_rand(c, 8 + (int)((i * 248) % 4080), BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD));
        CHECK(BN_set_word(x, p) && BN_mul(x, x, c, bctx));
        if (BN_num_bytes(x) <= 512)
            check_small_factor(x);
    }
    /* numbers of every octet 0xff up to 4096 bits, less a small odd number:
     * the largest sums the ways take (the AVX2 way's 64-bit lanes hold
     * 128 limbs of 2^32 - 1 times residues below 2^25) */
    for (unsigned d = 0; d < 40; d += 2) {
        BN_zero(x);
        CHECK(BN_set_bit(x, 4096) && BN_sub_word(x, 1 + d));
        check_small_factor(x);
        CHECK(BN_rshift(x, x, 2048));
        check_small_factor(x);
    }
    /* the product of 751 and 743 (largest primes in range), and a prime */
    CHECK(BN_set_word(x, 751u * 743u));
    check_small_factor(x);
    CHECK(BN_generate_prime_ex(x, 1024, 0, NULL, NULL, NULL));
    CHECK(ref_small_factor(x) == 0);
    check_small_factor(x);
    BN_CTX_free(bctx);
    BN_free(c);
    BN_free(x);
}

/* cg_prof_uri_host: the host of an AIA or CRL distribution point URL, which
 * cert.aia_internal_name and cert.crldp_internal_name judge (RFC 3986 §3.2:
 * after the userinfo's last '@', before the port's ':'); IP literals and URLs
 * without an authority give none. */
static void test_uri_host(void)
{
    static const struct {
        const char *uri, *host; /* host NULL: none */
    } cases[] = {
        {"http://ca.example.com/ca.crl", "ca.example.com"},
        {"http://ca.example.com", "ca.example.com"},
        {"http://ca.example.com:8080/x", "ca.example.com"},
        {"http://ca.example.com:/x", "ca.example.com"},
        {"http://user@ca.example.com/x", "ca.example.com"},
        {"http://user:password@ca.example.com/x", "ca.example.com"},
        {"http://user:password@ca.example.com:80/x", "ca.example.com"},
        {"http://user:pass:word@intranet:8080/x", "intranet"},
        {"http://a@b@crl.internal/x", "crl.internal"},
        {"http://ca.example.com?x=1", "ca.example.com"},
        {"http://ca.example.com#frag", "ca.example.com"},
        {"http://ca.example.com./x", "ca.example.com."},
        {"ldap://ldap.example.test/cn=CA", "ldap.example.test"},
        {"http://10.0.0.1/ca.crl", NULL},
        {"http://10.0.0.1:80/ca.crl", NULL},
        {"http://user:secret@192.168.1.1/ca.crl", NULL},
        {"http://[::1]/ca.crl", NULL},
        {"http://user@[fe80::1]:80/ca.crl", NULL},
        {"http:///ca.crl", NULL},
        {"http://:80/ca.crl", NULL},
        {"http://user@/ca.crl", NULL},
        {"http:/ca.example.com/ca.crl", NULL},
        {"ca.example.com/ca.crl", NULL},
        {"urn:ca.example.com", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cg_cbs uri, host;
        cg_cbs_init(&uri, (const uint8_t *)cases[i].uri, strlen(cases[i].uri));
        int got = cg_prof_uri_host(&uri, &host);
        if (cases[i].host == NULL) {
            CHECK(!got);
        } else {
            CHECK(got && host.len == strlen(cases[i].host) &&
                  memcmp(host.data, cases[i].host, host.len) == 0);
        }
        if (got != (cases[i].host != NULL))
            fprintf(stderr, "cg_prof_uri_host(\"%s\"): %d\n", cases[i].uri, got);
    }
}

/* Every finding as a line of text: its object, rule and message. */
static void sink_text(void *arg, const cg_finding *f)
{
    cg_sbuf_printf(arg, "%s %zu %s %s\n", f->obj != NULL ? f->obj->file : "-",
                   f->obj != NULL ? f->obj->index : 0, cg_rule_get(f->rule)->id, f->message);
}

typedef struct day {
    int64_t issued;
    int finding; /* whether the rule is reported that day */
} day;

/* One certificate checked in one context on each day in turn: the rule
 * reported exactly on the days that want it, every time (a verdict kept
 * for a value under one day's key never stands for another day's). From
 * the second day on, with renamed, the subject's last octet (its
 * commonName's last letter) is changed, its subjectAltName not. */
static void kept_by_day(const char *vector, const char *rule, const day *days, size_t n,
                        int renamed)
{
    size_t len = 0;
    uint8_t *der = cg_test_read_der(vector, &len);
    cg_cert c;
    cg_der_error err;
    CHECK(der != NULL && cg_cert_parse(&c, der, len, &err));
    if (der == NULL)
        return;
    cg_sbuf got = CG_SBUF_INIT;
    cg_ctx ctx;
    cg_ctx_init(&ctx, 1750000000, sink_text, &got);
    for (size_t i = 0; i < n; i++) {
        cg_objref obj;
        memset(&obj, 0, sizeof(obj));
        obj.file = vector;
        obj.kind = CG_KIND_CERT;
        obj.has_issued = 1;
        obj.issued = days[i].issued;
        if (renamed && i == 1) {
            uint8_t *last = (uint8_t *)c.subject.data + c.subject.len - 1;
            CHECK(*last != 'q');
            *last = 'q';
        }
        cg_check_cert_profile(&ctx, &obj, &c);
        CHECK((strstr(cg_sbuf_str(&got), rule) != NULL) == days[i].finding);
        cg_sbuf_free(&got);
        got = (cg_sbuf)CG_SBUF_INIT;
    }
    free(der);
}

/* The profile's verdicts kept for byte-identical extension values
 * (cg_ctx.prof_memo) never change what is reported: zlint's vectors (many
 * of which share an AIA, policies or AKI) checked in one context report
 * what each reports checked alone; a value is judged again when what else
 * its check reads differs (the issuance day), and a value with a finding
 * reports it every time. */
static void test_prof_memo(void)
{
    const char *sub = "zlint-conformance/vectors";
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", CG_TEST_DATA, sub);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    cg_sbuf shared = CG_SBUF_INIT, alone = CG_SBUF_INIT;
    cg_ctx one, each;
    cg_ctx_init(&one, 1750000000, sink_text, &shared);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4200];
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
        uint8_t *pem = cg_test_read(path, &len);
        if (pem == NULL)
            continue;
        cg_file_result res;
        cg_check_file(&one, e->d_name, pem, len, &res);
        cg_ctx_init(&each, 1750000000, sink_text, &alone);
        cg_check_file(&each, e->d_name, pem, len, &res);
        free(pem);
        files++;
    }
    closedir(d);
    size_t kept = 0;
    for (size_t r = 0; r < CG_PROF_MEMO_ROWS; r++) {
        for (size_t i = 0; i < CG_PROF_MEMO_SLOTS; i++)
            kept += one.prof_memo.len[r][i] > 0;
    }
    CHECK(files > 500 && kept > 0 && shared.len > 0);
    CHECK(one.prof_memo.len[CG_MEMO_SAN][0] > 0); /* zlint's subjectAltNames kept too */
    CHECK(shared.len == alone.len && strcmp(cg_sbuf_str(&shared), cg_sbuf_str(&alone)) == 0);
    cg_sbuf_free(&shared);
    cg_sbuf_free(&alone);

    /* One certificate whose AIA has caIssuers alone: clean when issued from
     * 2024-03-15 (OCSP optional, SC-063), a finding before (2025-01-01,
     * 2023-12-01). */
    static const day aia[] = {{1735689600, 0}, {1735689600, 0}, {1701388800, 1},
                              {1701388800, 1}, {1735689600, 0}, {1701388800, 1}};
    kept_by_day("zlint-conformance/vectors/sub1_val10_iat1_cdp0_ocsp0_eff1.pem",
                "cert.aia_invalid", aia, sizeof(aia) / sizeof(aia[0]), 0);
    /* A subjectAltName of zlint.mcdonalds: its TLD in the root zone from
     * 2016-08-08 to 2017-08-31, so clean when issued on 2017-01-01, not yet
     * delegated on 2016-01-01 and removed on 2018-01-01. */
    static const day tld[] = {{1483228800, 0}, {1483228800, 0}, {1451606400, 1}, {1483228800, 0},
                              {1514764800, 1}, {1514764800, 1}, {1483228800, 0}, {1451606400, 1}};
    kept_by_day("zlint-conformance/vectors/dnsNameWasValidTLD.pem", "cert.san_tld_not_delegated",
                tld, sizeof(tld) / sizeof(tld[0]), 0);
    /* The same subjectAltName kept clean, then a subject commonName that is
     * not in it: check_cn runs on every certificate, kept value or not. */
    static const day cn[] = {{1483228800, 0}, {1483228800, 1}, {1483228800, 1}};
    kept_by_day("zlint-conformance/vectors/dnsNameWasValidTLD.pem", "cert.cn_not_in_san", cn,
                sizeof(cn) / sizeof(cn[0]), 1);
}

int main(void)
{
    test_uri_host();
    test_table();
    test_ctx();
    test_index_only();
    test_known();
    test_serial_hex();
    test_small_factor();
    test_prof_memo();
    return cg_test_done();
}
