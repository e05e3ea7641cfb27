/* Large CRLs: parse and check time and peak RSS against the CRL's size.
 *
 * Generates in memory a CA (ECDSA P-256), a few certificates it issued and
 * a CRL of N entries shaped like Let's Encrypt's (16-octet serials, UTCTime
 * revocation dates, reasonCode keyCompromise on every fourth entry, an
 * onlyContainsUserCerts IDP naming the certificates' CRL distribution
 * point), signed with ecdsa-with-SHA256. Then, on one core:
 *   1. the single-CRL rules alone (cg_check_der), and
 *   2. the whole run as `caguard check` does it (cg_checker: pass 1 with
 *      the single-object rules, pass 2 with the CRL held against the CA and
 *      the certificates, and revocation.status),
 * and prints entries/s and peak RSS (getrusage) beside the CRL's size.
 *
 * usage: crl_bench [ENTRIES] [OUT_DIR]
 * ENTRIES defaults to 1,000,000. With OUT_DIR, also writes ca.pem,
 * leaves.pem and crl.der there, for timing the caguard command. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rules/checker.h"

#define THIS_UPDATE 1735689600 /* 2025-01-01T00:00:00Z */
#define N_LEAVES 4
#define IDP_URL "http://crl.example.test/1.crl"

static const uint8_t OID_ECDSA_SHA256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
                                           0x3d, 0x04, 0x03, 0x02};

/* ---- a tiny DER writer into a buffer sized beforehand ---- */

static size_t hdr_len(size_t n)
{
    return n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : n < 0x1000000 ? 5 : 6;
}

static uint8_t *put_hdr(uint8_t *p, uint8_t tag, size_t n)
{
    *p++ = tag;
    if (n < 0x80) {
        *p++ = (uint8_t)n;
        return p;
    }
    size_t k = hdr_len(n) - 2;
    *p++ = (uint8_t)(0x80 | k);
    for (size_t i = k; i > 0; i--)
        *p++ = (uint8_t)(n >> (8 * (i - 1)));
    return p;
}

static uint8_t *put(uint8_t *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The 16-octet serial of entry i: positive, no leading zero octet. */
static void serial_of(size_t i, uint8_t out[16])
{
    uint64_t s = (uint64_t)i * 2 + 1, a = splitmix(&s), b = splitmix(&s);
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
    out[0] = (uint8_t)((out[0] & 0x7f) | 0x01);
}

static void utctime(int64_t t, char out[14])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 14, "%y%m%d%H%M%SZ", &tm);
}

#define ENTRY_PLAIN 35  /* SEQUENCE { INTEGER (16), UTCTime } */
#define REASON_EXT 14   /* SEQUENCE { SEQUENCE { OID reasonCode, OCTET STRING { ENUM 1 } } } */

static const uint8_t REASON_KEY_COMPROMISE[REASON_EXT] = {
    0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x01};

static size_t entry_len(size_t i)
{
    return ENTRY_PLAIN + (i % 4 == 0 ? REASON_EXT : 0);
}

static uint8_t *put_entry(uint8_t *p, size_t i)
{
    uint8_t serial[16];
    char when[14];
    serial_of(i, serial);
    utctime(THIS_UPDATE - 3600 - (int64_t)(i % (90 * 86400)), when);
    p = put_hdr(p, 0x30, entry_len(i) - 2);
    p = put_hdr(p, 0x02, 16);
    p = put(p, serial, 16);
    p = put_hdr(p, 0x17, 13);
    p = put(p, when, 13);
    if (i % 4 == 0)
        p = put(p, REASON_KEY_COMPROMISE, REASON_EXT);
    return p;
}

/* ---- the CA and its certificates, with OpenSSL ---- */

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, long serial, int ca,
                       const char *cn)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"XX", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               (const unsigned char *)"caguard bench", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
    ASN1_TIME_set(X509_getm_notBefore(x), THIS_UPDATE - 30 * 86400);
    ASN1_TIME_set(X509_getm_notAfter(x), THIS_UPDATE + 60 * 86400);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    static const char *const ca_exts[][2] = {{"basicConstraints", "critical,CA:TRUE"},
                                             {"keyUsage", "critical,keyCertSign,cRLSign"},
                                             {"subjectKeyIdentifier", "hash"}};
    static const char *const leaf_exts[][2] = {{"basicConstraints", "critical,CA:FALSE"},
                                               {"authorityKeyIdentifier", "keyid"},
                                               {"crlDistributionPoints", "URI:" IDP_URL}};
    for (size_t i = 0; i < 3; i++) {
        const char *const *e = ca ? ca_exts[i] : leaf_exts[i];
        X509_EXTENSION *ext = X509V3_EXT_conf(NULL, &v3, e[0], e[1]);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, issuer_key, EVP_sha256());
    X509_NAME_free(name);
    return x;
}

static uint8_t *der_of(X509 *x, size_t *len)
{
    uint8_t *der = NULL;
    int n = i2d_X509(x, &der);
    *len = n > 0 ? (size_t)n : 0;
    return der;
}

/* The CRL, DER, in one allocation of its exact size (plus the signature's
 * slack): peak RSS should count it once. */
static uint8_t *make_crl(size_t n_entries, X509 *ca, EVP_PKEY *key, uint8_t **base,
                         size_t *len)
{
    uint8_t *name = NULL, ski[64];
    int name_len = i2d_X509_NAME(X509_get_subject_name(ca), &name);
    const ASN1_OCTET_STRING *s = X509_get0_subject_key_id(ca);
    size_t ski_len = s != NULL ? (size_t)ASN1_STRING_length(s) : 0;
    char tu[14], nu[14];
    if (name_len <= 0 || ski_len == 0 || ski_len > sizeof(ski))
        return NULL;
    memcpy(ski, ASN1_STRING_get0_data(s), ski_len);
    utctime(THIS_UPDATE, tu);
    utctime(THIS_UPDATE + 7 * 86400, nu);

    size_t list = 0;
    for (size_t i = 0; i < n_entries; i++)
        list += entry_len(i);
    size_t aki = 2 + 5 + hdr_len(4 + ski_len) + 4 + ski_len;  /* Extension */
    size_t num = 2 + 5 + 2 + 3;                                /* cRLNumber 4242 */
    size_t uri = sizeof(IDP_URL) - 1;
    size_t idpv = 2 + (2 + (2 + (2 + uri))) + 3;               /* IDP value */
    size_t idp = 2 + 5 + 3 + 2 + idpv;
    size_t exts = 2 + aki + num + idp;
    size_t tbs_body = 3 + sizeof(OID_ECDSA_SHA256) + 2 + (size_t)name_len + 15 + 15 +
                      (n_entries > 0 ? hdr_len(list) + list : 0) + 2 + exts;
    size_t tbs_len = hdr_len(tbs_body) + tbs_body;
    size_t room = 8 + tbs_len + 2 + sizeof(OID_ECDSA_SHA256) + 2 + 3 + 80;
    uint8_t *buf = malloc(room), *tbs = buf + 8, *p = tbs;
    if (buf == NULL)
        return NULL;
    p = put_hdr(p, 0x30, tbs_body);
    p = put(p, "\x02\x01\x01", 3);
    p = put_hdr(p, 0x30, sizeof(OID_ECDSA_SHA256));
    p = put(p, OID_ECDSA_SHA256, sizeof(OID_ECDSA_SHA256));
    p = put(p, name, (size_t)name_len);
    p = put_hdr(p, 0x17, 13);
    p = put(p, tu, 13);
    p = put_hdr(p, 0x17, 13);
    p = put(p, nu, 13);
    if (n_entries > 0) {
        p = put_hdr(p, 0x30, list);
        for (size_t i = 0; i < n_entries; i++)
            p = put_entry(p, i);
    }
    p = put_hdr(p, 0xa0, exts);
    p = put_hdr(p, 0x30, exts - 2);
    /* authorityKeyIdentifier { keyIdentifier } */
    p = put_hdr(p, 0x30, aki - 2);
    p = put(p, "\x06\x03\x55\x1d\x23", 5);
    p = put_hdr(p, 0x04, 4 + ski_len);
    p = put_hdr(p, 0x30, 2 + ski_len);
    p = put_hdr(p, 0x80, ski_len);
    p = put(p, ski, ski_len);
    /* cRLNumber 4242 */
    p = put(p, "\x30\x0a\x06\x03\x55\x1d\x14\x04\x03\x02\x01\x7f", 12);
    /* issuingDistributionPoint, critical { fullName URI, onlyContainsUserCerts } */
    p = put_hdr(p, 0x30, idp - 2);
    p = put(p, "\x06\x03\x55\x1d\x1c\x01\x01\xff", 8);
    p = put_hdr(p, 0x04, idpv);
    p = put_hdr(p, 0x30, idpv - 2);
    p = put_hdr(p, 0xa0, 4 + uri);
    p = put_hdr(p, 0xa0, 2 + uri);
    p = put_hdr(p, 0x86, uri);
    p = put(p, IDP_URL, uri);
    p = put(p, "\x81\x01\xff", 3);
    if ((size_t)(p - tbs) != tbs_len) {
        fprintf(stderr, "crl_bench: TBS is %zu bytes, expected %zu\n", (size_t)(p - tbs),
                tbs_len);
        free(buf);
        return NULL;
    }
    /* signatureAlgorithm, signatureValue */
    uint8_t sig[80];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, sig, &sig_len, tbs, tbs_len) != 1) {
        EVP_MD_CTX_free(md);
        free(buf);
        return NULL;
    }
    EVP_MD_CTX_free(md);
    p = put_hdr(p, 0x30, sizeof(OID_ECDSA_SHA256));
    p = put(p, OID_ECDSA_SHA256, sizeof(OID_ECDSA_SHA256));
    p = put_hdr(p, 0x03, sig_len + 1);
    *p++ = 0;
    p = put(p, sig, sig_len);
    size_t body = (size_t)(p - tbs);
    uint8_t *start = tbs - hdr_len(body);
    put_hdr(start, 0x30, body);
    *base = buf;
    *len = (size_t)(p - start);
    OPENSSL_free(name);
    return start;
}

/* ---- pass 2's reload, over the in-memory objects ---- */

typedef struct mem_files {
    const uint8_t *data[N_LEAVES + 2];
    size_t len[N_LEAVES + 2];
} mem_files;

static int mem_reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    const mem_files *m = arg;
    *data = m->data[file_no];
    *len = m->len[file_no];
    return 1;
}

static void count_sink(void *arg, const cg_finding *f)
{
    size_t *n = arg;
    n[0]++;
    n[1 + cg_rule_get(f->rule)->severity]++;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(p, 1, n, f) == n;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "crl_bench: cannot write %s\n", path);
    return ok;
}

static int write_pem(const char *dir, const char *name, X509 *const *xs, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = PEM_write_X509(f, xs[i]) == 1;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "crl_bench: cannot write %s\n", path);
    return ok;
}

int main(int argc, char **argv)
{
    size_t n_entries = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const char *out_dir = argc > 2 ? argv[2] : NULL;
    int rc = 1;
    long rss_start = peak_rss_kb();

    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *ca = key != NULL ? make_cert(key, key, NULL, 1, 1, "caguard bench CA") : NULL;
    X509 *leaves[N_LEAVES];
    mem_files files;
    uint8_t *base = NULL, *crl = NULL;
    size_t crl_len = 0;
    /* Serials of two entries (revoked) and two that no entry has (good). */
    const size_t revoked_at[2] = {0, n_entries / 2};
    if (ca == NULL)
        return 1;
    for (size_t i = 0; i < N_LEAVES; i++) {
        char cn[64];
        snprintf(cn, sizeof(cn), "leaf%zu.example.test", i);
        leaves[i] = make_cert(key, key, ca, 1000 + (long)i, 0, cn);
        if (i < 2 && n_entries > 0) {
            uint8_t serial[16];
            serial_of(revoked_at[i], serial);
            BIGNUM *bn = BN_bin2bn(serial, 16, NULL);
            BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(leaves[i]));
            BN_free(bn);
            X509_sign(leaves[i], key, EVP_sha256());
        }
        files.data[1 + i] = der_of(leaves[i], &files.len[1 + i]);
    }
    files.data[0] = der_of(ca, &files.len[0]);
    crl = make_crl(n_entries, ca, key, &base, &crl_len);
    if (crl == NULL) {
        fprintf(stderr, "crl_bench: cannot build the CRL\n");
        return 1;
    }
    files.data[N_LEAVES + 1] = crl;
    files.len[N_LEAVES + 1] = crl_len;
    if (out_dir != NULL) {
        if (!write_pem(out_dir, "ca.pem", &ca, 1) ||
            !write_pem(out_dir, "leaves.pem", leaves, N_LEAVES) ||
            !write_file(out_dir, "crl.der", crl, crl_len))
            return 1;
        printf("wrote %s/ca.pem, leaves.pem and crl.der (%zu entries, %zu bytes)\n", out_dir,
               n_entries, crl_len);
    }
    long rss_ready = peak_rss_kb();

    /* 1. Single-CRL rules alone. */
    size_t counts[4] = {0, 0, 0, 0};
    cg_ctx ctx;
    cg_ctx_init(&ctx, THIS_UPDATE + 3600, count_sink, counts);
    double t0 = now();
    int ok1 = cg_check_der(&ctx, "crl.der", 0, crl, crl_len);
    double t1 = now();
    long rss_single = peak_rss_kb();

    /* 2. The run `caguard check ca leaves... crl` makes: both passes. */
    size_t counts2[4] = {0, 0, 0, 0};
    cg_ctx ctx2;
    cg_file_result res;
    cg_ctx_init(&ctx2, THIS_UPDATE + 3600, count_sink, counts2);
    double t2 = now();
    cg_checker *ck = cg_checker_new(&ctx2, mem_reload, NULL, &files);
    if (ck == NULL)
        return 1;
    static const char *const names[N_LEAVES + 2] = {"ca.der",    "leaf0.der", "leaf1.der",
                                                    "leaf2.der", "leaf3.der", "crl.der"};
    for (size_t f = 0; f < N_LEAVES + 2; f++)
        cg_checker_add_file(ck, f, names[f], files.data[f], files.len[f], &res);
    double t3 = now();
    cg_checker_finish(ck);
    double t4 = now();
    cg_checker_free(ck);
    long rss_all = peak_rss_kb();

    double mb = (double)crl_len / 1e6;
    printf("CRL: %zu entries, %.1f MB DER (%zu bytes)\n", n_entries, mb, crl_len);
    printf("single-CRL rules:          %.3f s, %.2f M entries/s, %zu findings "
           "(%zu errors, %zu warnings, %zu notices)%s\n",
           t1 - t0, (double)n_entries / (t1 - t0) / 1e6, counts[0], counts[1], counts[2],
           counts[3], ok1 ? "" : ", NOT DECODED");
    printf("caguard check, both passes: %.3f s (pass 1 %.3f s, pass 2 %.3f s), %.2f M "
           "entries/s, %zu findings (%zu errors, %zu warnings, %zu notices)\n",
           t4 - t2, t3 - t2, t4 - t3, (double)n_entries / (t4 - t2) / 1e6, counts2[0],
           counts2[1], counts2[2], counts2[3]);
    printf("peak RSS: %ld KB at start, %ld KB with the CRL built, %ld KB after the single "
           "rules, %ld KB after both passes\n",
           rss_start, rss_ready, rss_single, rss_all);
    printf("peak RSS / CRL size: %.2f (checking added %ld KB, %.2f of the CRL's size)\n",
           (double)rss_all * 1024.0 / (double)crl_len, rss_all - rss_ready,
           (double)(rss_all - rss_ready) * 1024.0 / (double)crl_len);
    rc = ok1 && counts[1] == 0 && counts2[1] == 0 ? 0 : 1;

    free(base);
    for (size_t i = 0; i < N_LEAVES + 1; i++)
        OPENSSL_free((void *)files.data[i]);
    for (size_t i = 0; i < N_LEAVES; i++)
        X509_free(leaves[i]);
    X509_free(ca);
    EVP_PKEY_free(key);
    return rc;
}
