/* gen_ctcerts: realistic CT log entries for the monitor benchmarks
 * (bench/monitor_vs_peers.sh, bench/monitor_vs_certspotter.sh and
 * bench/monitor_shared.sh). Writes to DIR:
 *
 *   root_ca.pem     a self-signed root (RSA 4096, as ISRG Root X1)
 *   watched_ca.pem  the watched intermediate (EC P-256), under the root
 *   other_ca.pem    another intermediate (EC P-256), under the root
 *   cas.pem         the three, root last
 *   entries.pem     N log entries, in log order (below)
 *   sct_logs.json   a Chrome v3 log list naming the two logs whose SCTs
 *                   the final certificates carry (usable, two operators),
 *                   so `caguard monitor --loglist` verifies them
 *
 * Entries come in pairs, as a CA logs them: entry 2c is the precertificate
 * of certificate c (critical poison extension), entry 2c + 1 its final
 * certificate, which carries two SCTs (one from each log of sct_logs.json)
 * signed over that precertificate as RFC 6962 §3.2 says. Certificate c is
 * from the watched intermediate when c % (100 / PERCENT) == 0, so PERCENT%
 * of the entries are watched, half of them precertificates and half their
 * finals; the others are from the other intermediate. An odd N ends with a
 * precertificate alone.
 *
 * The certificates look like today's DV certificates: a random 18-byte
 * serial, 90 days, a subject with a CN only, an RSA 2048 key (a pool of 8
 * keys, the benchmark measures monitors, not key generation), key usage,
 * EKU serverAuth and clientAuth, basicConstraints CA:FALSE, AKI (no SKI:
 * the TLS BRs do not recommend it in a subscriber certificate), AIA
 * (caIssuers), the DV policy 2.23.140.1.2.1, a CRL distribution point
 * (both URLs under bench.example.com: a reserved TLD such as .invalid is an
 * Internal Name, which the profile reports for every certificate),
 * UTCTime validity and SANs: hostC.watched.example.com (or
 * .other.example.com) and www.hostC..., so a monitor watching the domain
 * watched.example.com and one watching the CA keep the same entries, and
 * caguard's certificate profile (on by default) finds nothing in them, as
 * in most of a real log. The chains a log keeps for them are [intermediate,
 * root]. Output is deterministic for given N and PERCENT except for the
 * keys (generated each run).
 *
 * usage: gen_ctcerts DIR N PERCENT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define LEAF_KEYS 8
#define NOT_BEFORE "20250101000000Z"
#define NOT_AFTER "20250331235959Z"
/* 2025-01-01T00:00:01Z in milliseconds: the SCTs' time */
#define SCT_TIME_MS 1735689601000ULL

typedef struct sct_log {
    EVP_PKEY *key;
    uint8_t id[32];
    uint8_t *spki;
    int spki_len;
} sct_log;

typedef struct ca {
    X509 *x;
    EVP_PKEY *key;
    uint8_t key_hash[32]; /* SHA-256 of its SubjectPublicKeyInfo */
} ca;

static EVP_PKEY *keygen(const char *type, size_t bits)
{
    if (strcmp(type, "RSA") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* certificatePolicies with the one policy 2.23.140.1.2.1 (BR domain
 * validated), from its DER: OpenSSL's text form wants a config database. */
static int add_dv_policy(X509 *x)
{
    static const uint8_t der[] = {0x30, 0x0a, 0x30, 0x08, 0x06, 0x06,
                                  0x67, 0x81, 0x0c, 0x01, 0x02, 0x01};
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    if (os && ASN1_OCTET_STRING_set(os, der, sizeof(der)))
        ext = X509_EXTENSION_create_by_NID(NULL, NID_certificate_policies, 0, os);
    int ok = ext != NULL && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    return ok;
}

static int set_name(X509_NAME *name, const char *o, const char *cn)
{
    return (o == NULL || (X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                                                     (const unsigned char *)"XX", -1, -1, 0) &&
                          X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                                     (const unsigned char *)o, -1, -1, 0))) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                      0);
}

static int spki_hash(X509 *x, uint8_t out[32])
{
    uint8_t *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    int ok = len > 0 && SHA256(der, (size_t)len, out) != NULL;
    OPENSSL_free(der);
    return ok;
}

/* A CA certificate: the root when issuer is NULL (self-signed). */
static int make_ca(ca *c, const char *cn, ca *issuer)
{
    X509_NAME *name = X509_NAME_new();
    c->key = issuer ? keygen("EC", 0) : keygen("RSA", 4096);
    c->x = X509_new();
    X509 *ix = issuer ? issuer->x : c->x;
    EVP_PKEY *ikey = issuer ? issuer->key : c->key;
    int ok = c->key && c->x && name && X509_set_version(c->x, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(c->x), issuer ? 2 + (long)strlen(cn) : 1) &&
             set_name(name, "caguard bench", cn) && X509_set_subject_name(c->x, name) &&
             X509_set_issuer_name(c->x, issuer ? X509_get_subject_name(ix) : name) &&
             ASN1_TIME_set_string_X509(X509_getm_notBefore(c->x), "20240101000000Z") &&
             ASN1_TIME_set_string_X509(X509_getm_notAfter(c->x), "20340101000000Z") &&
             X509_set_pubkey(c->x, c->key) &&
             add_ext(c->x, ix, NID_basic_constraints,
                     issuer ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE") &&
             add_ext(c->x, ix, NID_key_usage,
                     issuer ? "critical,digitalSignature,keyCertSign,cRLSign"
                            : "critical,keyCertSign,cRLSign") &&
             add_ext(c->x, ix, NID_subject_key_identifier, "hash") &&
             (issuer == NULL || (add_ext(c->x, ix, NID_authority_key_identifier, "keyid:always") &&
                                 add_ext(c->x, ix, NID_ext_key_usage, "serverAuth,clientAuth") &&
                                 add_ext(c->x, ix, NID_crl_distribution_points,
                                         "URI:http://crl.bench.example.com/root.crl") &&
                                 add_ext(c->x, ix, NID_info_access,
                                         "caIssuers;URI:http://ca.bench.example.com/root.der") &&
                                 add_dv_policy(c->x))) &&
             X509_sign(c->x, ikey, EVP_sha256()) > 0 && spki_hash(c->x, c->key_hash);
    X509_NAME_free(name);
    return ok;
}

static int write_pem(const char *dir, const char *file, X509 **xs, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    int ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = PEM_write_X509(f, xs[i]);
    if (f && fclose(f) != 0)
        ok = 0;
    return ok;
}

static void put_u16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* One serialized v1 SCT of log lg over the precertificate entry
 * (issuer_key_hash, tbs) at time ts into out (room for 512 + 32 bytes);
 * its length, or 0. */
static size_t make_sct(const sct_log *lg, const uint8_t ikh[32], const uint8_t *tbs,
                       size_t tbs_len, uint64_t ts, uint8_t *out)
{
    /* RFC 6962 §3.2: the signed struct */
    size_t in_len = 1 + 1 + 8 + 2 + 32 + 3 + tbs_len + 2;
    uint8_t *in = malloc(in_len), *p = in;
    uint8_t sig[256];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = 0;
    if (in == NULL || md == NULL)
        goto out;
    *p++ = 0; /* v1 */
    *p++ = 0; /* certificate_timestamp */
    put_u64(p, ts);
    p += 8;
    put_u16(p, 1); /* precert_entry */
    p += 2;
    memcpy(p, ikh, 32);
    p += 32;
    p[0] = (uint8_t)(tbs_len >> 16);
    put_u16(p + 1, tbs_len & 0xffff);
    p += 3;
    memcpy(p, tbs, tbs_len);
    p += tbs_len;
    put_u16(p, 0); /* no extensions */
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, lg->key) != 1 ||
        EVP_DigestSign(md, sig, &sig_len, in, in_len) != 1)
        goto out;
    /* the SCT */
    p = out;
    *p++ = 0; /* v1 */
    memcpy(p, lg->id, 32);
    p += 32;
    put_u64(p, ts);
    p += 8;
    put_u16(p, 0);
    p += 2;
    *p++ = 4; /* sha256 */
    *p++ = 3; /* ecdsa */
    put_u16(p, sig_len);
    p += 2;
    memcpy(p, sig, sig_len);
    p += sig_len;
    n = (size_t)(p - out);
out:
    EVP_MD_CTX_free(md);
    free(in);
    return n;
}

/* The SCT list extension (1.3.6.1.4.1.11129.2.4.2) over two SCTs. */
static X509_EXTENSION *sct_ext(const uint8_t *s1, size_t n1, const uint8_t *s2, size_t n2)
{
    uint8_t buf[1400];
    size_t list = 2 + n1 + 2 + n2;
    size_t hdr = list + 2 < 128 ? 2 : (list + 2 < 256 ? 3 : 4);
    uint8_t *p = buf;
    /* extnValue holds a DER OCTET STRING around the TLS list */
    *p++ = 0x04;
    if (hdr == 2) {
        *p++ = (uint8_t)(list + 2);
    } else if (hdr == 3) {
        *p++ = 0x81;
        *p++ = (uint8_t)(list + 2);
    } else {
        *p++ = 0x82;
        put_u16(p, list + 2);
        p += 2;
    }
    put_u16(p, list);
    p += 2;
    put_u16(p, n1);
    memcpy(p + 2, s1, n1);
    p += 2 + n1;
    put_u16(p, n2);
    memcpy(p + 2, s2, n2);
    p += 2 + n2;
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    if (os && ASN1_OCTET_STRING_set(os, buf, (int)(p - buf)))
        ext = X509_EXTENSION_create_by_NID(NULL, NID_ct_precert_scts, 0, os);
    ASN1_OCTET_STRING_free(os);
    return ext;
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64*: serial numbers, reproducible for a given N */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* Certificate c: its precertificate and final certificate, appended to out. */
static int make_pair(FILE *out, long c, int want_final, ca *issuer, int watched, EVP_PKEY *leafkey,
                     const sct_log logs[2])
{
    char host[128], san[400], crldp[128], aia[128];
    uint8_t serial[18], sct1[600], sct2[600];
    uint64_t rs = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)c * 0xbf58476d1ce4e5b9ULL);
    for (size_t i = 0; i < sizeof(serial); i += 8) {
        uint64_t r = next_rand(&rs);
        for (size_t k = 0; k < 8 && i + k < sizeof(serial); k++)
            serial[i + k] = (uint8_t)(r >> (8 * k));
    }
    serial[0] = (serial[0] & 0x7f) | 0x01; /* positive, 18 bytes */
    snprintf(host, sizeof(host), "host%ld.%s.example.com", c, watched ? "watched" : "other");
    snprintf(san, sizeof(san), "DNS:%s,DNS:www.%s", host, host);
    snprintf(crldp, sizeof(crldp), "URI:http://crl.bench.example.com/%s/%ld.crl",
             watched ? "w" : "o", c % 128);
    snprintf(aia, sizeof(aia), "caIssuers;URI:http://ca.bench.example.com/%s.der",
             watched ? "watched" : "other");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    uint8_t *tbs = NULL;
    X509_EXTENSION *poison = NULL, *scts = NULL;
    int ok = x && name && bn && X509_set_version(x, 2) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
             set_name(name, NULL, host) && X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, X509_get_subject_name(issuer->x)) &&
             ASN1_TIME_set_string_X509(X509_getm_notBefore(x), NOT_BEFORE) &&
             ASN1_TIME_set_string_X509(X509_getm_notAfter(x), NOT_AFTER) &&
             X509_set_pubkey(x, leafkey) &&
             add_ext(x, issuer->x, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
             add_ext(x, issuer->x, NID_ext_key_usage, "serverAuth,clientAuth") &&
             add_ext(x, issuer->x, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(x, issuer->x, NID_authority_key_identifier, "keyid:always") &&
             add_ext(x, issuer->x, NID_info_access, aia) &&
             add_ext(x, issuer->x, NID_subject_alt_name, san) && add_dv_policy(x) &&
             add_ext(x, issuer->x, NID_crl_distribution_points, crldp) &&
             add_ext(x, issuer->x, NID_ct_precert_poison, "critical,NULL") &&
             X509_sign(x, issuer->key, EVP_sha256()) > 0 && PEM_write_X509(out, x);
    if (!ok || !want_final)
        goto out;
    /* The final certificate: the precertificate without its poison, which
     * is also the TBS the SCTs sign (RFC 6962 §3.2), plus the SCT list. */
    ok = 0;
    int loc = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1);
    poison = loc >= 0 ? X509_delete_ext(x, loc) : NULL;
    int tbs_len = poison ? i2d_re_X509_tbs(x, &tbs) : -1;
    if (tbs_len <= 0)
        goto out;
    size_t n1 = make_sct(&logs[0], issuer->key_hash, tbs, (size_t)tbs_len, SCT_TIME_MS, sct1);
    size_t n2 = make_sct(&logs[1], issuer->key_hash, tbs, (size_t)tbs_len, SCT_TIME_MS + 7, sct2);
    scts = n1 && n2 ? sct_ext(sct1, n1, sct2, n2) : NULL;
    ok = scts != NULL && X509_add_ext(x, scts, -1) &&
         X509_sign(x, issuer->key, EVP_sha256()) > 0 && PEM_write_X509(out, x);
out:
    OPENSSL_free(tbs);
    X509_EXTENSION_free(poison);
    X509_EXTENSION_free(scts);
    BN_free(bn);
    X509_NAME_free(name);
    X509_free(x);
    return ok;
}

static char *b64(const uint8_t *d, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    if (s)
        EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    return s;
}

static int write_loglist(const char *dir, const sct_log logs[2])
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/sct_logs.json", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 0;
    fprintf(f, "{\n \"version\": \"1.0\",\n \"log_list_timestamp\": \"2025-01-01T00:00:00Z\",\n"
               " \"operators\": [\n");
    for (int i = 0; i < 2; i++) {
        char *id = b64(logs[i].id, 32), *key = b64(logs[i].spki, (size_t)logs[i].spki_len);
        fprintf(f,
                "  {\"name\": \"bench operator %d\", \"email\": [\"ct%d@bench.invalid\"],\n"
                "   \"logs\": [{\"description\": \"bench SCT log %d\", \"log_id\": \"%s\",\n"
                "     \"key\": \"%s\",\n"
                "     \"url\": \"https://ct%d.bench.invalid/\", \"mmd\": 86400,\n"
                "     \"state\": {\"usable\": {\"timestamp\": \"2024-01-01T00:00:00Z\"}}}],\n"
                "   \"tiled_logs\": []}%s\n",
                i + 1, i + 1, i + 1, id ? id : "", key ? key : "", i + 1, i == 0 ? "," : "");
        free(id);
        free(key);
    }
    fprintf(f, " ]\n}\n");
    return fclose(f) == 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_ctcerts DIR N PERCENT\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = strtol(argv[2], NULL, 10), pct = strtol(argv[3], NULL, 10);
    if (n <= 0 || pct <= 0 || pct > 100) {
        fprintf(stderr, "gen_ctcerts: N > 0 and PERCENT in 1..100\n");
        return 2;
    }
    long every = 100 / pct;
    ca root = {0}, wca = {0}, oca = {0};
    sct_log logs[2] = {{0}};
    EVP_PKEY *leaf[LEAF_KEYS] = {0};
    for (int i = 0; i < LEAF_KEYS; i++) {
        if ((leaf[i] = keygen("RSA", 2048)) == NULL) {
            fprintf(stderr, "gen_ctcerts: cannot make the leaf keys\n");
            return 1;
        }
    }
    for (int i = 0; i < 2; i++) {
        logs[i].key = keygen("EC", 0);
        logs[i].spki_len = logs[i].key ? i2d_PUBKEY(logs[i].key, &logs[i].spki) : -1;
        if (logs[i].spki_len <= 0 ||
            SHA256(logs[i].spki, (size_t)logs[i].spki_len, logs[i].id) == NULL) {
            fprintf(stderr, "gen_ctcerts: cannot make the SCT log keys\n");
            return 1;
        }
    }
    if (!make_ca(&root, "caguard bench root", NULL) ||
        !make_ca(&wca, "caguard bench watched CA", &root) ||
        !make_ca(&oca, "caguard bench other CA", &root) ||
        !write_pem(dir, "root_ca.pem", &root.x, 1) ||
        !write_pem(dir, "watched_ca.pem", &wca.x, 1) ||
        !write_pem(dir, "other_ca.pem", &oca.x, 1) ||
        !write_pem(dir, "cas.pem", (X509 *[]){wca.x, oca.x, root.x}, 3) ||
        !write_loglist(dir, logs)) {
        fprintf(stderr, "gen_ctcerts: cannot make the CAs or the log list in %s\n", dir);
        ERR_print_errors_fp(stderr);
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/entries.pem", dir);
    FILE *out = fopen(path, "w");
    if (!out) {
        perror(path);
        return 1;
    }
    long watched = 0;
    for (long c = 0; 2 * c < n; c++) {
        int w = c % every == 0;
        int want_final = 2 * c + 1 < n;
        if (!make_pair(out, c, want_final, w ? &wca : &oca, w, leaf[c % LEAF_KEYS], logs)) {
            fprintf(stderr, "gen_ctcerts: cannot make certificate %ld\n", c);
            return 1;
        }
        watched += w ? 1 + want_final : 0;
    }
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    printf("%ld entries (precertificates and their finals), %ld from the watched CA, in %s\n", n,
           watched, path);
    for (int i = 0; i < LEAF_KEYS; i++)
        EVP_PKEY_free(leaf[i]);
    for (int i = 0; i < 2; i++) {
        EVP_PKEY_free(logs[i].key);
        OPENSSL_free(logs[i].spki);
    }
    ca *cas[] = {&root, &wca, &oca};
    for (size_t i = 0; i < 3; i++) {
        X509_free(cas[i]->x);
        EVP_PKEY_free(cas[i]->key);
    }
    return 0;
}
