/* Signatures over raw TBS bytes (sig.h). */
#include "x509/sig.h"

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "util/errf.h"
#include "x509/ecdsa.h"
#include "x509/x509.h"

enum { ALG_RSA, ALG_PSS, ALG_ECDSA, ALG_EDDSA };

struct cg_sig_alg {
    uint8_t oid[9];
    uint8_t oid_len;
    int alg;
    int key_type; /* EVP_PKEY_* for EdDSA, where the OID names the curve */
    const EVP_MD *(*md)(void);
    const char *name;
};

/* OIDs under pkcs-1 (1.2.840.113549.1.1) and ecdsa-with-SHA2 (1.2.840.10045.4.3). */
#define PKCS1(n) {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, (n)}, 9
#define ECDSA_SHA2(n) {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, (n)}, 8

static const cg_sig_alg sig_algs[] = {
    {PKCS1(0x0b), ALG_RSA, 0, EVP_sha256, "sha256WithRSAEncryption"},
    {PKCS1(0x0c), ALG_RSA, 0, EVP_sha384, "sha384WithRSAEncryption"},
    {PKCS1(0x0d), ALG_RSA, 0, EVP_sha512, "sha512WithRSAEncryption"},
    {PKCS1(0x05), ALG_RSA, 0, EVP_sha1, "sha1WithRSAEncryption"},
    {PKCS1(0x0a), ALG_PSS, 0, NULL, "RSASSA-PSS"},
    {ECDSA_SHA2(0x02), ALG_ECDSA, 0, EVP_sha256, "ecdsa-with-SHA256"},
    {ECDSA_SHA2(0x03), ALG_ECDSA, 0, EVP_sha384, "ecdsa-with-SHA384"},
    {ECDSA_SHA2(0x04), ALG_ECDSA, 0, EVP_sha512, "ecdsa-with-SHA512"},
    {{0x2b, 0x65, 0x70}, 3, ALG_EDDSA, EVP_PKEY_ED25519, NULL, "Ed25519"},
    {{0x2b, 0x65, 0x71}, 3, ALG_EDDSA, EVP_PKEY_ED448, NULL, "Ed448"},
};

static const struct {
    uint8_t oid[9];
    uint8_t oid_len;
    const EVP_MD *(*md)(void);
} hash_algs[] = {
    {{0x2b, 0x0e, 0x03, 0x02, 0x1a}, 5, EVP_sha1},
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, 9, EVP_sha256},
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, 9, EVP_sha384},
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, 9, EVP_sha512},
};

static const uint8_t OID_MGF1[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};

/* A hash AlgorithmIdentifier element read from in (parameters NULL or absent). */
static const EVP_MD *hash_of(cg_cbs *in)
{
    cg_cbs alg, oid;
    if (!cg_cbs_get_asn1(in, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        return NULL;
    if (alg.len != 0 && !(alg.len == 2 && alg.data[0] == CG_ASN1_NULL && alg.data[1] == 0))
        return NULL;
    for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++) {
        if (cg_oid_equal(&oid, hash_algs[i].oid, hash_algs[i].oid_len))
            return hash_algs[i].md();
    }
    return NULL;
}

/* RSASSA-PSS-params (RFC 4055 §3.1): hash, MGF1 hash, salt length, trailer. */
static int pss_params(cg_cbs params, cg_sig *s)
{
    cg_cbs f, mgf, oid;
    int present;
    uint64_t v;
    s->md = EVP_sha1();
    s->mgf1 = EVP_sha1();
    s->salt = 20;
    if (!cg_cbs_get_optional_asn1(&params, &f, &present, CG_ASN1_CTX_CONS(0)))
        return 0;
    if (present && ((s->md = hash_of(&f)) == NULL || f.len != 0))
        return 0;
    if (!cg_cbs_get_optional_asn1(&params, &f, &present, CG_ASN1_CTX_CONS(1)))
        return 0;
    if (present && (!cg_cbs_get_asn1(&f, &mgf, CG_ASN1_SEQUENCE) || f.len != 0 ||
                    !cg_cbs_get_asn1(&mgf, &oid, CG_ASN1_OBJECT) ||
                    !cg_oid_equal(&oid, OID_MGF1, sizeof(OID_MGF1)) ||
                    (s->mgf1 = hash_of(&mgf)) == NULL || mgf.len != 0))
        return 0;
    if (!cg_cbs_get_optional_asn1(&params, &f, &present, CG_ASN1_CTX_CONS(2)))
        return 0;
    if (present && (!cg_cbs_get_asn1_uint64(&f, &v) || v > 1024 || f.len != 0))
        return 0;
    if (present)
        s->salt = (int)v;
    if (!cg_cbs_get_optional_asn1(&params, &f, &present, CG_ASN1_CTX_CONS(3)))
        return 0;
    if (present && (!cg_cbs_get_asn1_uint64(&f, &v) || v != 1 || f.len != 0))
        return 0;
    return params.len == 0;
}

void cg_sig_prepare(cg_sig *s, const char *what, const cg_cbs *tbs, const cg_cbs *sig_alg,
                    const cg_cbs *signature)
{
    cg_cbs in = *sig_alg, alg, oid, params;
    memset(s, 0, sizeof(*s));
    s->what = what;
    s->tbs = *tbs;
    s->unsupported = "its signatureAlgorithm does not parse";
    s->damaged = 1;
    if (!cg_cbs_get_asn1(&in, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&alg, &oid, CG_ASN1_OBJECT))
        return;
    s->damaged = 0;
    s->unsupported = "its signature algorithm is not one caguard verifies (RSA PKCS#1 v1.5, "
                     "RSASSA-PSS, ECDSA, Ed25519, Ed448)";
    for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if (cg_oid_equal(&oid, sig_algs[i].oid, sig_algs[i].oid_len))
            s->alg = &sig_algs[i];
    }
    if (s->alg == NULL)
        return;
    if (s->alg->alg == ALG_PSS) {
        s->unsupported = "its RSASSA-PSS parameters do not parse (or name a hash other than "
                         "SHA-1 or SHA-2)";
        if (!cg_cbs_get_asn1(&alg, &params, CG_ASN1_SEQUENCE) || alg.len != 0 ||
            !pss_params(params, s))
            return; /* a hash caguard lacks, or damage: not told apart, not damaged */
    } else if (s->alg->md != NULL) {
        s->md = s->alg->md();
    }
    s->unsupported = "its signatureValue BIT STRING has unused bits";
    s->damaged = 1;
    if (signature->len < 2 || signature->data[0] != 0)
        return;
    s->damaged = 0;
    s->sig = signature->data + 1;
    s->sig_len = signature->len - 1;
    s->unsupported = NULL;
}

void cg_sig_tbs_sha256(cg_sig *s, const uint8_t sha256[32])
{
    if (s->unsupported != NULL || s->md == NULL || EVP_MD_get_type(s->md) != NID_sha256)
        return;
    memcpy(s->digest, sha256, 32);
    s->digest_len = 32;
    s->hashed = 1;
}

static const char *key_type_name(int id)
{
    switch (id) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    default:
        return "of another type";
    }
}

void cg_sig_keep_clear(cg_sig_keep *keep)
{
    if (keep == NULL)
        return;
    EVP_PKEY_CTX_free(keep->ctx);
    EVP_PKEY_free(keep->key);
    cg_ecdsa_warm_clear(&keep->fast);
    memset(keep, 0, sizeof(*keep));
}

/* A context verify-initialised for s's algorithm under key, or NULL. */
static EVP_PKEY_CTX *verify_ctx(const cg_sig *s, EVP_PKEY *key)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
    int ok = pctx != NULL && EVP_PKEY_verify_init(pctx) == 1 &&
             EVP_PKEY_CTX_set_signature_md(pctx, s->md) == 1;
    if (ok && s->alg->alg == ALG_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    if (ok && s->alg->alg == ALG_PSS)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, s->salt) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, s->mgf1) == 1;
    if (!ok) {
        EVP_PKEY_CTX_free(pctx);
        return NULL;
    }
    return pctx;
}

/* The context for s under key: keep's when it was made for this key,
 * algorithm and hash; else a new one, kept when keep is given and the
 * algorithm has no per-signature parameters (RSASSA-PSS has). *owned is
 * set when the caller must free it. */
static EVP_PKEY_CTX *ctx_for(const cg_sig *s, EVP_PKEY *key, cg_sig_keep *keep, int *owned)
{
    *owned = 1;
    if (keep == NULL || s->alg->alg == ALG_PSS)
        return verify_ctx(s, key);
    *owned = 0;
    if (keep->ctx != NULL && keep->key == key && keep->md == s->md && keep->alg == s->alg)
        return keep->ctx;
    EVP_PKEY_CTX *pctx = verify_ctx(s, key);
    if (pctx == NULL || EVP_PKEY_up_ref(key) != 1) {
        *owned = 1;
        return pctx;
    }
    cg_sig_keep_clear(keep);
    keep->key = key;
    keep->md = s->md;
    keep->alg = s->alg;
    keep->ctx = pctx;
    return pctx;
}

/* s's ECDSA SHA-256 signature under the kept key's prepared multiples:
 * CG_ECDSA_VALID or _INVALID, or CG_ECDSA_ERROR when there are none (yet)
 * or no verdict came (then OpenSSL's own verification decides). */
static int ecdsa_kept(const cg_sig *s, cg_sig_keep *keep)
{
    if (s->alg->alg != ALG_ECDSA || s->digest_len != 32)
        return CG_ECDSA_ERROR;
    return cg_ecdsa_warm_verify(&keep->fast, keep->key, CG_SIG_FAST_AFTER, s->sig, s->sig_len,
                                s->digest);
}

int cg_sig_verify(cg_sig *s, EVP_PKEY *key, char *why, size_t cap)
{
    return cg_sig_verify_kept(s, key, NULL, why, cap);
}

int cg_sig_verify_kept(cg_sig *s, EVP_PKEY *key, cg_sig_keep *keep, char *why, size_t cap)
{
    int ok = 0;
    if (s->unsupported != NULL) {
        cg_errf(why, cap, "%s", s->unsupported);
        return CG_SIG_UNSUPPORTED;
    }
    if (key == NULL) {
        cg_errf(why, cap, "the CA's public key cannot be read");
        return CG_SIG_UNSUPPORTED;
    }
    int id = EVP_PKEY_get_base_id(key);
    int fits = s->alg->alg == ALG_ECDSA   ? id == EVP_PKEY_EC
               : s->alg->alg == ALG_EDDSA ? id == s->alg->key_type
                                          : id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
    if (!fits) {
        cg_errf(why, cap, "the %s is signed with %s but the CA's key is %s", s->what, s->alg->name,
                key_type_name(id));
        return CG_SIG_BAD;
    }
    if (s->alg->alg == ALG_EDDSA) {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        ok = mctx != NULL && EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(mctx, s->sig, s->sig_len, s->tbs.data, s->tbs.len) == 1;
        EVP_MD_CTX_free(mctx);
    } else {
        if (!s->hashed) {
            if (EVP_Digest(s->tbs.data, s->tbs.len, s->digest, &s->digest_len, s->md, NULL) != 1) {
                cg_errf(why, cap, "the TBS could not be hashed");
                ERR_clear_error();
                return CG_SIG_UNSUPPORTED;
            }
            s->hashed = 1;
        }
        int owned;
        EVP_PKEY_CTX *pctx = ctx_for(s, key, keep, &owned);
        /* (not owned: the context is keep's, for this key) */
        int fast = owned ? CG_ECDSA_ERROR : ecdsa_kept(s, keep);
        if (fast != CG_ECDSA_ERROR)
            ok = fast == CG_ECDSA_VALID;
        else
            ok = pctx != NULL &&
                 EVP_PKEY_verify(pctx, s->sig, s->sig_len, s->digest, s->digest_len) == 1;
        if (owned)
            EVP_PKEY_CTX_free(pctx);
    }
    ERR_clear_error();
    if (!ok)
        cg_errf(why, cap, "the %s signature does not verify", s->alg->name);
    return ok ? CG_SIG_OK : CG_SIG_BAD;
}
