/* gen_ctcerts: certificates for the monitor benchmark
 * (bench/monitor_vs_certspotter.sh). Writes to DIR:
 *   watched_ca.pem, other_ca.pem   two self-signed CAs (EC P-256)
 *   entries.pem                    N certificates, in log order: every
 *                                  (100 / PERCENT)th from the watched CA,
 *                                  the others from the other CA; every
 *                                  second one a precertificate (critical
 *                                  poison extension)
 * A certificate of the watched CA names hostI.watched.test (its subject CN
 * and only SAN), the others hostI.other.test, so a monitor watching the
 * domain watched.test and one watching the CA keep the same entries. One
 * leaf key for all (the benchmark measures the monitors, not key
 * generation); serial I + 1000; valid 2025-01-01 to 2025-03-31.
 *
 * usage: gen_ctcerts DIR N PERCENT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static EVP_PKEY *p256(void)
{
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

static X509 *make_ca(const char *cn, EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok =
        x && name && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
        X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"XX", -1, -1,
                                   0) &&
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"caguard bench",
                                   -1, -1, 0) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                   0) &&
        X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
        ASN1_TIME_set_string(X509_getm_notBefore(x), "20240101000000Z") &&
        ASN1_TIME_set_string(X509_getm_notAfter(x), "20340101000000Z") &&
        X509_set_pubkey(x, key) && add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
        add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") &&
        add_ext(x, x, NID_subject_key_identifier, "hash") && X509_sign(x, key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_pem(const char *dir, const char *file, X509 *x)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    int ok = f && PEM_write_X509(f, x);
    if (f && fclose(f) != 0)
        ok = 0;
    return ok;
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
    EVP_PKEY *wkey = p256(), *okey = p256(), *leaf = p256();
    X509 *wca = wkey ? make_ca("caguard bench watched CA", wkey) : NULL;
    X509 *oca = okey ? make_ca("caguard bench other CA", okey) : NULL;
    if (!leaf || !wca || !oca || !write_pem(dir, "watched_ca.pem", wca) ||
        !write_pem(dir, "other_ca.pem", oca)) {
        fprintf(stderr, "gen_ctcerts: cannot make the CAs in %s\n", dir);
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
    for (long i = 0; i < n; i++) {
        int w = i % every == 0;
        X509 *ca = w ? wca : oca;
        EVP_PKEY *cakey = w ? wkey : okey;
        char host[128], san[160];
        snprintf(host, sizeof(host), "host%ld.%s.test", i, w ? "watched" : "other");
        snprintf(san, sizeof(san), "DNS:%s", host);
        X509 *x = X509_new();
        X509_NAME *name = X509_NAME_new();
        int ok = x && name && X509_set_version(x, 2) &&
                 ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1000) &&
                 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host,
                                            -1, -1, 0) &&
                 X509_set_subject_name(x, name) &&
                 X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
                 ASN1_TIME_set_string(X509_getm_notBefore(x), "20250101000000Z") &&
                 ASN1_TIME_set_string(X509_getm_notAfter(x), "20250331235959Z") &&
                 X509_set_pubkey(x, leaf) && add_ext(x, ca, NID_subject_alt_name, san) &&
                 add_ext(x, ca, NID_ext_key_usage, "serverAuth") &&
                 add_ext(x, ca, NID_authority_key_identifier, "keyid:always") &&
                 (i % 2 == 0 || add_ext(x, ca, NID_ct_precert_poison, "critical,NULL")) &&
                 X509_sign(x, cakey, EVP_sha256()) > 0 && PEM_write_X509(out, x);
        X509_NAME_free(name);
        X509_free(x);
        if (!ok) {
            fprintf(stderr, "gen_ctcerts: cannot make certificate %ld\n", i);
            return 1;
        }
        watched += w;
    }
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    printf("%ld certificates, %ld from the watched CA, in %s\n", n, watched, path);
    X509_free(wca);
    X509_free(oca);
    EVP_PKEY_free(wkey);
    EVP_PKEY_free(okey);
    EVP_PKEY_free(leaf);
    return 0;
}
