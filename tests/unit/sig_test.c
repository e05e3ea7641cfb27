/* x509/sig.h against OpenSSL's X509_verify on objects caguard did not make:
 * NIST PKITS (good and bad signatures, RSA, DSA), Ed25519, Ed448 and
 * RSASSA-PSS certificates of pyca's vectors (Debian's
 * python3-cryptography-vectors), each certificate checked under the key
 * of every certificate whose subject is its issuer Name. Where cg_sig
 * verifies the algorithm it must agree with OpenSSL on every pair. Then
 * pyca's P-256 CA, many times under one kept key (the prepared ECDSA
 * path). */
#include <dirent.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/sig.h"
#include "x509/x509.h"
#include "testutil.h"

#define VECTORS "/usr/lib/python3/dist-packages/cryptography_vectors/x509"

typedef struct obj {
    uint8_t *der;
    size_t len;
    cg_cert c;
    X509 *x;
    EVP_PKEY *key;
} obj;

static int load(obj *o, const char *path)
{
    cg_der_error err;
    memset(o, 0, sizeof(*o));
    if ((o->der = cg_test_read_der(path, &o->len)) == NULL)
        return 0;
    const uint8_t *p = o->der, *k;
    if (!cg_cert_parse(&o->c, o->der, o->len, &err) ||
        (o->x = d2i_X509(NULL, &p, (long)o->len)) == NULL) {
        free(o->der);
        ERR_clear_error();
        return 0;
    }
    k = o->c.spki.data;
    o->key = d2i_PUBKEY(NULL, &k, (long)o->c.spki.len); /* NULL: a key OpenSSL cannot read */
    ERR_clear_error();
    return 1;
}

int main(void)
{
    static const char *const extra[] = {
        "ed25519/root-ed25519.pem",    "ed25519/server-ed25519-cert.pem", "ed448/root-ed448.pem",
        "ed448/server-ed448-cert.pem", "custom/rsa_pss_cert.pem",         "custom/rsa_pss.pem",
    };
    obj *objs = calloc(512, sizeof(*objs));
    cg_sig_keep *keeps = calloc(512, sizeof(*keeps)), one = {0};
    size_t kept_reused = 0;
    size_t n = 0, agree = 0, ok = 0, bad = 0, unsupported = 0, eddsa = 0, pss = 0;
    size_t given_sha256 = 0, given_other = 0;
    char path[1024];
    DIR *d = opendir(VECTORS "/PKITS_data/certs");
    CHECK(objs != NULL && keeps != NULL && d != NULL);
    if (objs == NULL || keeps == NULL || d == NULL) {
        fprintf(stderr, "  NIST PKITS not found at %s (Debian: python3-cryptography-vectors)\n",
                VECTORS);
        return cg_test_done();
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 500) {
        if (strstr(e->d_name, ".crt") == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/PKITS_data/certs/%s", VECTORS, e->d_name);
        n += load(&objs[n], path);
    }
    closedir(d);
    size_t pkits = n;
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", VECTORS, extra[i]);
        int got = load(&objs[n], path);
        CHECK(got);
        n += got;
    }
    CHECK(pkits > 300);
    for (size_t i = 0; i < n; i++) {
        cg_sig sig;
        obj *c = &objs[i];
        cg_sig_prepare(&sig, "certificate", &c->c.tbs, &c->c.sig_alg, &c->c.signature);
        for (size_t j = 0; j < n; j++) {
            obj *ca = &objs[j];
            if (ca->key == NULL || !cg_cbs_equal(&ca->c.subject, &c->c.issuer))
                continue;
            char why[200] = "";
            int st = cg_sig_verify(&sig, ca->key, why, sizeof(why));
            int theirs = X509_verify(c->x, ca->key) == 1;
            /* The same verdict with a context kept per CA key, reused for
             * every certificate under that key, and with one kept context
             * that changes keys from pair to pair. */
            CHECK(cg_sig_verify_kept(&sig, ca->key, &keeps[j], NULL, 0) == st);
            CHECK(cg_sig_verify_kept(&sig, ca->key, &one, NULL, 0) == st);
            kept_reused += keeps[j].ctx != NULL && keeps[j].key == ca->key;
            ERR_clear_error();
            if (st == CG_SIG_UNSUPPORTED) {
                unsupported++;
                CHECK(why[0] != '\0');
                continue;
            }
            int ours = st == CG_SIG_OK && cg_cbs_equal(&c->c.sig_alg, &c->c.tbs_sig_alg);
            CHECK(ours == theirs);
            if (ours != theirs)
                fprintf(stderr, "  disagree: %zu under %zu: caguard %d, OpenSSL %d (%s)\n", i, j,
                        ours, theirs, why);
            agree += ours == theirs;
            if (st == CG_SIG_OK) {
                /* The TBS's SHA-256 handed over: taken for a SHA-256
                 * signature (a wrong one then fails it), left for another
                 * hash (Ed25519 and Ed448 have none). */
                cg_sig given, wrong;
                uint8_t h[32], zero[32] = {0};
                int sha256 = sig.md != NULL && EVP_MD_get_type(sig.md) == NID_sha256;
                SHA256(c->c.tbs.data, c->c.tbs.len, h);
                cg_sig_prepare(&given, "certificate", &c->c.tbs, &c->c.sig_alg, &c->c.signature);
                cg_sig_prepare(&wrong, "certificate", &c->c.tbs, &c->c.sig_alg, &c->c.signature);
                cg_sig_tbs_sha256(&given, h);
                cg_sig_tbs_sha256(&wrong, zero);
                CHECK(cg_sig_verify(&given, ca->key, NULL, 0) == CG_SIG_OK);
                CHECK(cg_sig_verify(&wrong, ca->key, NULL, 0) ==
                      (sha256 ? CG_SIG_BAD : CG_SIG_OK));
                given_sha256 += sha256;
                given_other += !sha256;
            }
            ok += st == CG_SIG_OK;
            bad += st == CG_SIG_BAD;
            CHECK(st == CG_SIG_OK || why[0] != '\0');
            if (i >= pkits && st == CG_SIG_OK) {
                int id = EVP_PKEY_get_base_id(ca->key);
                eddsa += id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
                pss += id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
            }
        }
    }
    /* PKITS signs with RSA, a few with DSA (not verified here: the checker
     * hands those to OpenSSL); its bad signatures and the CAs sharing a
     * Name with another key give BAD. */
    CHECK(ok > 300 && bad > 5 && unsupported > 0);
    CHECK(eddsa >= 2 && pss >= 1); /* the two self-signed roots; the PSS certificate */
    CHECK(kept_reused > 300); /* RSA and ECDSA contexts kept (not EdDSA, not PSS) */
    CHECK(given_sha256 > 300 && given_other >= 2);
    for (size_t j = 0; j < n; j++)
        cg_sig_keep_clear(&keeps[j]);
    cg_sig_keep_clear(&one);
    cg_sig_keep_clear(NULL);
    free(keeps);
    fprintf(stderr,
            "  %zu certificates, %zu pairs agree with OpenSSL (%zu verify, %zu do not), "
            "%zu not verified here; Ed25519/Ed448 %zu, RSA-PSS %zu\n",
            n, agree, ok, bad, unsupported, eddsa, pss);

    /* ECDSA P-256 under a kept key: past CG_SIG_FAST_AFTER verifications
     * the prepared multiples (x509/ecdsa.h) give the verdict, the same as
     * OpenSSL's for pyca's self-signed P-256 CA and for it with a bit of
     * its signature's s flipped, alternated. */
    obj ec;
    CHECK(load(&ec, VECTORS "/custom/ca/ca.pem") && ec.key != NULL);
    if (ec.key != NULL) {
        uint8_t flipped[200];
        cg_sig good, damaged;
        cg_cbs fs = ec.c.signature;
        CHECK(fs.len <= sizeof(flipped));
        memcpy(flipped, fs.data, fs.len);
        flipped[fs.len - 2] ^= 0x01; /* in s, the last INTEGER */
        cg_cbs_init(&fs, flipped, ec.c.signature.len);
        cg_sig_keep ek = {0};
        size_t agree_ec = 0;
        for (int i = 0; i < 2 * CG_SIG_FAST_AFTER; i++) {
            cg_sig_prepare(&good, "certificate", &ec.c.tbs, &ec.c.sig_alg, &ec.c.signature);
            cg_sig_prepare(&damaged, "certificate", &ec.c.tbs, &ec.c.sig_alg, &fs);
            agree_ec += cg_sig_verify_kept(&good, ec.key, &ek, NULL, 0) == CG_SIG_OK;
            agree_ec += cg_sig_verify_kept(&damaged, ec.key, &ek, NULL, 0) == CG_SIG_BAD;
        }
        CHECK(X509_verify(ec.x, ec.key) == 1);
        CHECK(agree_ec == 4 * CG_SIG_FAST_AFTER);
        CHECK(ek.fast.fast != NULL); /* the prepared key was used */
        cg_sig_keep_clear(&ek);
        free(ec.der);
        X509_free(ec.x);
        EVP_PKEY_free(ec.key);
    }

    /* damage: a BIT STRING with unused bits, a signatureAlgorithm that does
     * not parse, a flipped bit in the signature */
    obj *r = &objs[0];
    cg_sig sig;
    uint8_t bits[600];
    cg_cbs s2 = r->c.signature, a2;
    CHECK(s2.len <= sizeof(bits));
    memcpy(bits, s2.data, s2.len);
    bits[0] = 1;
    cg_cbs_init(&s2, bits, r->c.signature.len);
    cg_sig_prepare(&sig, "certificate", &r->c.tbs, &r->c.sig_alg, &s2);
    CHECK(sig.damaged && cg_sig_verify(&sig, r->key, NULL, 0) == CG_SIG_UNSUPPORTED);
    cg_cbs_init(&a2, (const uint8_t *)"\x30\x01", 2);
    cg_sig_prepare(&sig, "certificate", &r->c.tbs, &a2, &r->c.signature);
    CHECK(sig.damaged && sig.unsupported != NULL);
    for (size_t i = 0; i < n; i++) {
        free(objs[i].der);
        X509_free(objs[i].x);
        EVP_PKEY_free(objs[i].key);
    }
    free(objs);
    return cg_test_done();
}
