/* caguard demo: the demo CA's PKI, made with OpenSSL. This is the CA's side
 * of the story, not caguard's: caguard reads what comes out of here only
 * through the logs, the CRLs and the store, with its own DER code. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli/demo.h"
#include "util/base64.h"

static void ossl_err(char *err, size_t errcap, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    snprintf(err, errcap, "%s%s%s", what, e != 0 ? ": " : "", buf);
}

EVP_PKEY *demo_key_new(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

X509_NAME *demo_name(const char *o, const char *cn, int string_type)
{
    X509_NAME *n = X509_NAME_new();
    if (n == NULL ||
        !X509_NAME_add_entry_by_txt(n, "C", V_ASN1_PRINTABLESTRING, (const unsigned char *)"XX",
                                    -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "O", string_type, (const unsigned char *)o, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", string_type, (const unsigned char *)cn, -1, -1, 0)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

ASN1_INTEGER *demo_serial(void)
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return NULL;
    b[0] = (uint8_t)((b[0] & 0x7f) | 0x10); /* positive, 16 bytes, no leading zero */
    BIGNUM *bn = BN_bin2bn(b, sizeof(b), NULL);
    ASN1_INTEGER *s = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    return s;
}

/* Where the demo's certificates say their issuer and CRL are, as the TLS
 * BR profile requires (§7.1.2.7.7, §7.1.2.11.2): names under example.com
 * (RFC 2606), never fetched; the demo serves its CRLs on loopback and
 * watches them by URL. */
#define DEMO_AIA_ROOT "caIssuers;URI:http://pki.demo.example.com/root.cer"
#define DEMO_CRLDP_ROOT "URI:http://pki.demo.example.com/root.crl"
#define DEMO_AIA_CA "caIssuers;URI:http://pki.demo.example.com/ca.cer"
#define DEMO_CRLDP_CA "URI:http://pki.demo.example.com/ca.crl"

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    /* An empty configuration: certificatePolicies insists on having one. */
    CONF *conf = NCONF_new(NULL);
    X509_EXTENSION *e = NULL;
    if (conf != NULL) {
        X509V3_set_nconf(ctx, conf);
        e = X509V3_EXT_nconf_nid(conf, ctx, nid, value);
        X509V3_set_nconf(ctx, NULL);
    }
    int ok = e != NULL && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    NCONF_free(conf);
    return ok;
}

static int set_time(X509 *x, int64_t t, int after)
{
    ASN1_TIME *at = ASN1_TIME_set(NULL, (time_t)t);
    int ok = at != NULL && (after ? X509_set1_notAfter(x, at) : X509_set1_notBefore(x, at));
    ASN1_TIME_free(at);
    return ok;
}

X509 *demo_ca_cert(const X509_NAME *subject, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                   int64_t not_before, int64_t not_after, char *err, size_t errcap)
{
    X509 *x = X509_new();
    ASN1_INTEGER *serial = demo_serial();
    X509V3_CTX ctx;
    if (x == NULL || serial == NULL || !X509_set_version(x, X509_VERSION_3) ||
        !X509_set_serialNumber(x, serial) || !X509_set_subject_name(x, subject) ||
        !X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject) ||
        !set_time(x, not_before, 0) || !set_time(x, not_after, 1) ||
        !X509_set_pubkey(x, key))
        goto err;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (!add_ext(x, &ctx, NID_basic_constraints,
                 issuer != NULL ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE") ||
        !add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
        !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
        (issuer != NULL && !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) ||
        (issuer != NULL && !add_ext(x, &ctx, NID_ext_key_usage, "serverAuth")) ||
        (issuer != NULL && !add_ext(x, &ctx, NID_info_access, DEMO_AIA_ROOT)) ||
        (issuer != NULL && !add_ext(x, &ctx, NID_crl_distribution_points, DEMO_CRLDP_ROOT)) ||
        (issuer != NULL && !add_ext(x, &ctx, NID_certificate_policies, "2.23.140.1.2.1")))
        goto err;
    if (X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0)
        goto err;
    ASN1_INTEGER_free(serial);
    return x;
err:
    ossl_err(err, errcap, "cannot make a CA certificate");
    ASN1_INTEGER_free(serial);
    X509_free(x);
    return NULL;
}

/* extnValue of the SCT list extension: an OCTET STRING holding the TLS
 * list (RFC 6962 §3.3), itself the contents of the extension's OCTET
 * STRING. */
static X509_EXTENSION *sct_ext(const uint8_t *list, size_t len)
{
    ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *outer = ASN1_OCTET_STRING_new();
    unsigned char *der = NULL;
    X509_EXTENSION *e = NULL;
    int n;
    if (inner == NULL || outer == NULL || !ASN1_OCTET_STRING_set(inner, list, (int)len))
        goto out;
    n = i2d_ASN1_OCTET_STRING(inner, &der);
    if (n <= 0 || !ASN1_OCTET_STRING_set(outer, der, n))
        goto out;
    e = X509_EXTENSION_create_by_NID(NULL, NID_ct_precert_scts, 0, outer);
out:
    OPENSSL_free(der);
    ASN1_OCTET_STRING_free(inner);
    ASN1_OCTET_STRING_free(outer);
    return e;
}

static X509_EXTENSION *poison_ext(void)
{
    static const uint8_t null_der[2] = {0x05, 0x00};
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    if (os != NULL && ASN1_OCTET_STRING_set(os, null_der, 2))
        e = X509_EXTENSION_create_by_NID(NULL, NID_ct_precert_poison, 1, os);
    ASN1_OCTET_STRING_free(os);
    return e;
}

X509 *demo_precert(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *leaf_key, const ASN1_INTEGER *serial,
                   const char *dns, int64_t not_before, int64_t not_after,
                   const uint8_t *sct_list, size_t sct_list_len, char *err, size_t errcap)
{
    X509 *x = X509_new();
    X509_NAME *subject = X509_NAME_new();
    X509_EXTENSION *poison = poison_ext(), *scts = NULL;
    X509V3_CTX ctx;
    char san[300];
    snprintf(san, sizeof(san), "DNS:%s", dns);
    if (x == NULL || subject == NULL || poison == NULL ||
        !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const unsigned char *)dns, -1,
                                    -1, 0) ||
        !X509_set_version(x, X509_VERSION_3) ||
        !X509_set_serialNumber(x, (ASN1_INTEGER *)serial) ||
        !X509_set_issuer_name(x, X509_get_subject_name(ca)) || !X509_set_subject_name(x, subject) ||
        !set_time(x, not_before, 0) || !set_time(x, not_after, 1) ||
        !X509_set_pubkey(x, leaf_key))
        goto err;
    X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
    if (!add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") ||
        !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
        !add_ext(x, &ctx, NID_subject_alt_name, san) ||
        !add_ext(x, &ctx, NID_certificate_policies, "2.23.140.1.2.1") ||
        !add_ext(x, &ctx, NID_info_access, DEMO_AIA_CA) ||
        !add_ext(x, &ctx, NID_crl_distribution_points, DEMO_CRLDP_CA) ||
        !X509_add_ext(x, poison, -1))
        goto err;
    if (sct_list != NULL) {
        scts = sct_ext(sct_list, sct_list_len);
        if (scts == NULL || !X509_add_ext(x, scts, -1))
            goto err;
    }
    if (X509_sign(x, ca_key, EVP_sha256()) <= 0)
        goto err;
    X509_NAME_free(subject);
    X509_EXTENSION_free(poison);
    X509_EXTENSION_free(scts);
    return x;
err:
    ossl_err(err, errcap, "cannot make a precertificate");
    X509_NAME_free(subject);
    X509_EXTENSION_free(poison);
    X509_EXTENSION_free(scts);
    X509_free(x);
    return NULL;
}

X509 *demo_final(const X509 *pre, EVP_PKEY *ca_key, const uint8_t *sct_list, size_t sct_list_len,
                 int64_t shift_not_after, char *err, size_t errcap)
{
    X509 *x = X509_dup(pre);
    X509_EXTENSION *scts = sct_ext(sct_list, sct_list_len);
    int loc = x != NULL ? X509_get_ext_by_NID(x, NID_ct_precert_poison, -1) : -1;
    if (x == NULL || scts == NULL || loc < 0)
        goto err;
    X509_EXTENSION_free(X509_delete_ext(x, loc));
    if (!X509_add_ext(x, scts, loc))
        goto err;
    if (shift_not_after != 0) {
        int day = 0, sec = 0;
        const ASN1_TIME *na = X509_get0_notAfter(x);
        time_t base = 0;
        ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
        if (epoch == NULL || !ASN1_TIME_diff(&day, &sec, epoch, na)) {
            ASN1_TIME_free(epoch);
            goto err;
        }
        ASN1_TIME_free(epoch);
        base = (time_t)day * 86400 + sec;
        if (!set_time(x, (int64_t)base + shift_not_after, 1))
            goto err;
    }
    if (X509_sign(x, ca_key, EVP_sha256()) <= 0)
        goto err;
    X509_EXTENSION_free(scts);
    return x;
err:
    ossl_err(err, errcap, "cannot make a final certificate");
    X509_EXTENSION_free(scts);
    X509_free(x);
    return NULL;
}

X509_CRL *demo_crl(X509 *ca, EVP_PKEY *ca_key, const X509_NAME *issuer, long number,
                   int64_t this_update, int64_t next_update, const demo_revoked *revoked,
                   size_t n_revoked, char *err, size_t errcap)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update);
    ASN1_TIME *nu = ASN1_TIME_set(NULL, (time_t)next_update);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    X509V3_CTX ctx;
    X509_EXTENSION *aki = NULL;
    if (crl == NULL || tu == NULL || nu == NULL || num == NULL ||
        !X509_CRL_set_version(crl, X509_CRL_VERSION_2) || !X509_CRL_set_issuer_name(crl, issuer) ||
        !X509_CRL_set1_lastUpdate(crl, tu) || !X509_CRL_set1_nextUpdate(crl, nu) ||
        !ASN1_INTEGER_set(num, number))
        goto err;
    for (size_t i = 0; i < n_revoked; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_TIME *d = ASN1_TIME_set(NULL, (time_t)revoked[i].date);
        ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
        int ok = r != NULL && d != NULL && reason != NULL &&
                 X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)revoked[i].serial) &&
                 X509_REVOKED_set_revocationDate(r, d) &&
                 (revoked[i].reason < 0 ||
                  (ASN1_ENUMERATED_set(reason, revoked[i].reason) &&
                   X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0))) &&
                 X509_CRL_add0_revoked(crl, r);
        ASN1_TIME_free(d);
        ASN1_ENUMERATED_free(reason);
        if (!ok) {
            X509_REVOKED_free(r);
            goto err;
        }
    }
    X509V3_set_ctx(&ctx, ca, NULL, NULL, crl, 0);
    aki = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    if (aki == NULL || !X509_CRL_add_ext(crl, aki, -1) ||
        !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) || !X509_CRL_sort(crl) ||
        X509_CRL_sign(crl, ca_key, EVP_sha256()) <= 0)
        goto err;
    X509_EXTENSION_free(aki);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_INTEGER_free(num);
    return crl;
err:
    ossl_err(err, errcap, "cannot make a CRL");
    X509_EXTENSION_free(aki);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_INTEGER_free(num);
    X509_CRL_free(crl);
    return NULL;
}

static FILE *open_out(const char *path, int mode, char *err, size_t errcap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

static int close_out(FILE *f, int ok, const char *path, char *err, size_t errcap)
{
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        snprintf(err, errcap, "cannot write %s", path);
    return ok;
}

int demo_write_cert(const char *path, X509 *const *certs, size_t n, char *err, size_t errcap)
{
    FILE *f = open_out(path, 0644, err, errcap);
    int ok = 1;
    if (f == NULL)
        return 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = PEM_write_X509(f, certs[i]);
    return close_out(f, ok, path, err, errcap);
}

int demo_write_crl(const char *path, X509_CRL *crl, char *err, size_t errcap)
{
    FILE *f = open_out(path, 0644, err, errcap);
    if (f == NULL)
        return 0;
    return close_out(f, i2d_X509_CRL_fp(f, crl), path, err, errcap);
}

int demo_write_key(const char *path, EVP_PKEY *key, int public_only, char *err, size_t errcap)
{
    FILE *f = open_out(path, public_only ? 0644 : 0600, err, errcap);
    if (f == NULL)
        return 0;
    int ok = public_only ? PEM_write_PUBKEY(f, key)
                         : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return close_out(f, ok, path, err, errcap);
}

/* Strict base64 into out (cap bytes); *len the decoded length. */
static int unb64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(s), bad;
    const char *why;
    if (CG_BASE64_DECODED_MAX(n) > cap)
        return 0;
    return cg_base64_decode((const uint8_t *)s, n, 0, out, len, &bad, &why);
}

int demo_sct_from_json(const char *path, uint8_t *out, size_t *out_len, char *err, size_t errcap)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    const char *id = NULL, *ext = NULL, *sig = NULL;
    json_int_t version = -1, ts = -1;
    uint8_t idb[64], extb[256], sigb[600];
    size_t id_len, ext_len, sig_len;
    int ok = 0;
    if (j == NULL) {
        snprintf(err, errcap, "%s: %s (line %d)", path, jerr.text, jerr.line);
        return 0;
    }
    if (json_unpack(j, "{s:I, s:s, s:I, s:s, s:s}", "sct_version", &version, "id", &id,
                    "timestamp", &ts, "extensions", &ext, "signature", &sig) != 0 ||
        version != 0 || ts < 0 || !unb64(id, idb, sizeof(idb), &id_len) || id_len != 32 ||
        !unb64(ext, extb, sizeof(extb), &ext_len) || !unb64(sig, sigb, sizeof(sigb), &sig_len) ||
        1 + 32 + 8 + 2 + ext_len + sig_len > CG_DEMO_SCT_MAX) {
        snprintf(err, errcap, "%s: not an SCT as add-chain returns it", path);
        goto out;
    }
    size_t n = 0;
    out[n++] = 0;
    memcpy(out + n, idb, 32);
    n += 32;
    for (int i = 7; i >= 0; i--)
        out[n++] = (uint8_t)((uint64_t)ts >> (8 * i));
    out[n++] = (uint8_t)(ext_len >> 8);
    out[n++] = (uint8_t)ext_len;
    memcpy(out + n, extb, ext_len);
    n += ext_len;
    memcpy(out + n, sigb, sig_len); /* DigitallySigned: algorithms, length, signature */
    n += sig_len;
    *out_len = n;
    ok = 1;
out:
    json_decref(j);
    return ok;
}

uint8_t *demo_sct_list(const uint8_t *const *scts, const size_t *lens, size_t n, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += 2 + lens[i];
    uint8_t *b = malloc(2 + total);
    if (b == NULL || total > 0xffff)
        goto err;
    size_t k = 0;
    b[k++] = (uint8_t)(total >> 8);
    b[k++] = (uint8_t)total;
    for (size_t i = 0; i < n; i++) {
        b[k++] = (uint8_t)(lens[i] >> 8);
        b[k++] = (uint8_t)lens[i];
        memcpy(b + k, scts[i], lens[i]);
        k += lens[i];
    }
    *len = k;
    return b;
err:
    free(b);
    return NULL;
}

int demo_log_id(EVP_PKEY *key, char *spki_b64, size_t spki_cap, char *id_b64, size_t id_cap)
{
    unsigned char *der = NULL;
    uint8_t id[32];
    int n = i2d_PUBKEY(key, &der);
    int ok = n > 0 && (size_t)(4 * ((n + 2) / 3) + 1) <= spki_cap && id_cap >= 45 &&
             EVP_Digest(der, (size_t)n, id, NULL, EVP_sha256(), NULL);
    if (ok) {
        cg_base64_encode(der, (size_t)n, spki_b64);
        cg_base64_encode(id, 32, id_b64);
    }
    OPENSSL_free(der);
    return ok;
}
