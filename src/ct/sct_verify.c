/* SCT signatures (RFC 6962 §3.2). The TBSCertificate a log signed is
 * rebuilt from the certificate's own bytes with the CBB writer: re-encoding
 * through OpenSSL would silently repair (and so hide) anything a CA encoded
 * differently from what it logged.
 *
 * Verification cost is dominated by the public-key operation, so each log
 * key is decoded once and kept with an EVP_PKEY_CTX already set up for
 * verification; per SCT only a SHA-256 of the signed data and one
 * EVP_PKEY_verify remain, and once a P-256 key has been used often, its
 * multiples are precomputed (x509/ecdsa.h: same verdict, about half the
 * time). The signed data is hashed in pieces, so nothing is copied or
 * allocated per SCT. No verdict is kept: every SCT is verified. */
#include "ct/sct_verify.h"

#include "util/base64.h"
#include "util/errf.h"
#include "x509/ecdsa.h"
#include "x509/oid.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 5246 §7.4.1.4.1 codes as RFC 6962 uses them. */
#define TLS_HASH_SHA256 4
#define TLS_SIG_RSA 1
#define TLS_SIG_ECDSA 3

/* RFC 6962 §3.1-3.2 enumerations. */
#define CT_SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP 0
#define CT_ENTRY_X509 0
#define CT_ENTRY_PRECERT 1

#define MAX_U24 0xffffffu

/* Fixed part of the signed data before the entry body: version(1) |
 * signature_type(1) | timestamp(8) | entry_type(2) | issuer_key_hash(32) |
 * length(3); the x509 entry has no key hash. */
#define SIGNED_PREFIX_MAX 47

/* ---- TBSCertificate of a precert entry ---- */

/* 1 when e is exactly one DER element with the given tag. */
static int is_one_element(const cg_cbs *e, uint8_t tag)
{
    cg_cbs in = *e, elem;
    return cg_cbs_get_asn1_element(&in, &elem, tag) && in.len == 0;
}

static int add_cbs(cg_cbb *cbb, const cg_cbs *c)
{
    return cg_cbb_add_bytes(cbb, c->data, c->len);
}

static int dropped(const cg_ext *ext, unsigned remove)
{
    if ((remove & CG_CT_REMOVE_POISON) &&
        cg_oid_equal(&ext->oid, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON)))
        return 1;
    return (remove & CG_CT_REMOVE_SCT_LIST) &&
           cg_oid_equal(&ext->oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST));
}

/* Extension { extnID ct-poison, critical TRUE, extnValue OCTET STRING { NULL } } */
static const uint8_t poison_ext[] = {0x30, 0x13, 0x06, 0x0a, 0x2b, 0x06, 0x01,
                                     0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x03,
                                     0x01, 0x01, 0xff, 0x04, 0x02, 0x05, 0x00};

static int add_extensions(cg_cbb *tbs, const cg_cert *cert, const cg_ext *new_aki, unsigned remove)
{
    cg_cbb wrap, seq;
    size_t kept = (remove & CG_CT_ADD_POISON) ? 1 : 0;

    for (size_t i = 0; i < cert->n_ext; i++)
        kept += !dropped(&cert->ext[i], remove);
    /* extensions is SIZE (1..MAX): with none left the [3] must go too. */
    if (kept == 0)
        return 1;
    if (!cg_cbb_add_asn1(tbs, &wrap, CG_ASN1_CTX_CONS(3)) ||
        !cg_cbb_add_asn1(&wrap, &seq, CG_ASN1_SEQUENCE))
        return 0;
    for (size_t i = 0; i < cert->n_ext; i++) {
        const cg_ext *e = &cert->ext[i];
        if (dropped(e, remove))
            continue;
        if (new_aki != NULL && cg_oid_equal(&e->oid, CG_OID_AKI, sizeof(CG_OID_AKI)))
            e = new_aki;
        if (!add_cbs(&seq, &e->raw))
            return 0;
    }
    if ((remove & CG_CT_ADD_POISON) && !cg_cbb_add_bytes(&seq, poison_ext, sizeof(poison_ext)))
        return 0;
    return cg_cbb_flush(tbs);
}

int cg_ct_entry_tbs_ex(const cg_cert *cert, const cg_cbs *new_issuer, const cg_ext *new_aki,
                       unsigned remove, uint8_t *out, size_t cap, size_t *out_len)
{
    const cg_cbs *issuer = new_issuer != NULL ? new_issuer : &cert->issuer;
    cg_cbb root, tbs;

    if (!is_one_element(issuer, CG_ASN1_SEQUENCE) ||
        (new_aki != NULL && !is_one_element(&new_aki->raw, CG_ASN1_SEQUENCE)))
        return 0;
    cg_cbb_init_fixed(&root, out, cap);
    /* serial is held as INTEGER contents; the reader only accepts minimal
     * lengths, so writing the header again gives back the original bytes. */
    if (!cg_cbb_add_asn1(&root, &tbs, CG_ASN1_SEQUENCE) || !add_cbs(&tbs, &cert->version) ||
        !cg_cbb_add_asn1_header(&tbs, CG_ASN1_INTEGER, cert->serial.len) ||
        !add_cbs(&tbs, &cert->serial) || !add_cbs(&tbs, &cert->tbs_sig_alg) ||
        !add_cbs(&tbs, issuer) || !add_cbs(&tbs, &cert->validity) ||
        !add_cbs(&tbs, &cert->subject) || !add_cbs(&tbs, &cert->spki) ||
        !add_cbs(&tbs, &cert->issuer_uid) || !add_cbs(&tbs, &cert->subject_uid) ||
        !add_extensions(&tbs, cert, new_aki, remove))
        return 0;
    return cg_cbb_finish(&root, out_len);
}

int cg_ct_entry_tbs(const cg_cert *cert, const cg_cbs *new_issuer, const cg_ext *new_aki,
                    uint8_t *out, size_t cap, size_t *out_len)
{
    unsigned remove = cert->is_precert ? CG_CT_REMOVE_POISON : CG_CT_REMOVE_SCT_LIST;
    return cg_ct_entry_tbs_ex(cert, new_issuer, new_aki, remove, out, cap, out_len);
}

size_t cg_ct_entry_tbs_max_len(const cg_cert *cert, const cg_cbs *new_issuer,
                               const cg_ext *new_aki)
{
    /* Removal only shrinks; substitutions add at most their own length
     * each, the poison its own; the TBS, [3] and SEQUENCE headers may each
     * grow to the longest DER header. */
    size_t n = cert->tbs.len + 3 * cg_der_header_len(SIZE_MAX) + sizeof(poison_ext);
    if (new_issuer != NULL)
        n += new_issuer->len;
    if (new_aki != NULL)
        n += cert->n_ext * new_aki->raw.len;
    return n;
}

int cg_ct_issuer_key_hash(const cg_cert *issuer, uint8_t out[32])
{
    if (EVP_Digest(issuer->spki.data, issuer->spki.len, out, NULL, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

/* ---- key cache ---- */

typedef enum { KEY_EC, KEY_RSA, KEY_UNUSABLE } key_kind;

typedef struct key_slot {
    int used;
    uint8_t log_id[32];
    key_kind kind;
    const char *unusable; /* why, for KEY_UNUSABLE */
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *ctx; /* verify-initialised, SHA-256 as the signature digest */
    cg_ecdsa_warm fast; /* KEY_EC: prepared at the verifier's fast_after-th use */
} key_slot;

struct cg_sct_verifier {
    const cg_loglist *ll;
    key_slot *slots; /* open addressing, linear probing */
    size_t cap;      /* a power of two, or 0 */
    size_t n;
    EVP_MD *sha256;
    EVP_MD_CTX *md;
    /* A key's table costs about as much as 250 verifications save: a run
     * that meets a log a few times never builds it, a service or a long
     * run builds it within its first requests. */
    unsigned fast_after;
};

static void slot_clear(key_slot *s)
{
    cg_ecdsa_warm_clear(&s->fast);
    EVP_PKEY_CTX_free(s->ctx);
    EVP_PKEY_free(s->pkey);
    memset(s, 0, sizeof(*s));
}

cg_sct_verifier *cg_sct_verifier_new(const cg_loglist *ll)
{
    cg_sct_verifier *v = calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    v->ll = ll;
    v->fast_after = CG_SCT_FAST_AFTER;
    /* Fetched once: passing EVP_sha256() would look the implementation up
     * again on every digest. */
    v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->md = EVP_MD_CTX_new();
    if (v->sha256 == NULL || v->md == NULL)
        goto err;
    return v;
err:
    ERR_clear_error();
    cg_sct_verifier_free(v);
    return NULL;
}

void cg_sct_verifier_free(cg_sct_verifier *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->cap; i++)
        slot_clear(&v->slots[i]);
    free(v->slots);
    EVP_MD_CTX_free(v->md);
    EVP_MD_free(v->sha256);
    free(v);
}

void cg_sct_verifier_set_fast_after(cg_sct_verifier *v, unsigned n)
{
    v->fast_after = n;
}

/* Log IDs are SHA-256 outputs, so their first bytes are already a good
 * hash. */
static size_t slot_index(const uint8_t log_id[32], size_t cap)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | log_id[i];
    return (size_t)(h & (cap - 1));
}

/* The slot holding log_id, or the empty slot where it belongs. */
static key_slot *probe(key_slot *slots, size_t cap, const uint8_t log_id[32])
{
    size_t i = slot_index(log_id, cap);
    while (slots[i].used && memcmp(slots[i].log_id, log_id, 32) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static key_slot *find_slot(const cg_sct_verifier *v, const uint8_t log_id[32])
{
    key_slot *s;
    if (v->cap == 0)
        return NULL;
    s = probe(v->slots, v->cap, log_id);
    return s->used ? s : NULL;
}

/* Keeps the table at most half full so probes stay short. */
static int reserve_slot(cg_sct_verifier *v)
{
    size_t cap = v->cap == 0 ? 16 : v->cap * 2;
    key_slot *slots;
    if (2 * (v->n + 1) <= v->cap)
        return 1;
    slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return 0;
    for (size_t i = 0; i < v->cap; i++) {
        if (v->slots[i].used)
            *probe(slots, cap, v->slots[i].log_id) = v->slots[i];
    }
    free(v->slots);
    v->slots = slots;
    v->cap = cap;
    return 1;
}

/* Classifies pkey and prepares a verify context for it; a key that cannot
 * be used stays cached as KEY_UNUSABLE with the reason, so it is not
 * decoded again for every SCT. Takes ownership of pkey. */
static void slot_set_key(cg_sct_verifier *v, key_slot *s, EVP_PKEY *pkey)
{
    char group[64] = "";
    int base = EVP_PKEY_get_base_id(pkey);

    s->pkey = pkey;
    s->kind = KEY_UNUSABLE;
    if (base == EVP_PKEY_RSA) {
        s->kind = KEY_RSA;
    } else if (base == EVP_PKEY_EC) {
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                            NULL)) {
            s->unusable = "log key is EC on an unnamed curve";
            goto out;
        }
        if (strcmp(group, SN_X9_62_prime256v1) != 0 && strcmp(group, SN_secp384r1) != 0) {
            s->unusable = "log key is EC on a curve other than P-256 or P-384";
            goto out;
        }
        s->kind = KEY_EC;
    } else {
        s->unusable = "log key is neither RSA nor EC";
        goto out;
    }
    s->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (s->ctx == NULL || EVP_PKEY_verify_init(s->ctx) != 1 ||
        EVP_PKEY_CTX_set_signature_md(s->ctx, v->sha256) != 1 ||
        (s->kind == KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(s->ctx, RSA_PKCS1_PADDING) != 1)) {
        s->kind = KEY_UNUSABLE;
        s->unusable = "OpenSSL cannot set up verification with the log key";
        goto out;
    }
out:
    ERR_clear_error();
}

/* Decodes spki into a new slot for log_id. Returns the slot (possibly
 * KEY_UNUSABLE), or NULL when memory ran out. */
static key_slot *add_slot(cg_sct_verifier *v, const uint8_t log_id[32], const uint8_t *der,
                          size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = NULL;
    key_slot *s;

    if (!reserve_slot(v))
        return NULL;
    s = probe(v->slots, v->cap, log_id);
    s->used = 1;
    memcpy(s->log_id, log_id, 32);
    v->n++;
    if (len <= (size_t)INT32_MAX)
        pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey == NULL || p != der + len) {
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        s->kind = KEY_UNUSABLE;
        s->unusable = "log key is not one DER SubjectPublicKeyInfo";
        return s;
    }
    slot_set_key(v, s, pkey);
    return s;
}

int cg_sct_verifier_add_key(cg_sct_verifier *v, const uint8_t *spki_der, size_t len)
{
    uint8_t log_id[32];
    key_slot *s;

    if (v == NULL || spki_der == NULL ||
        EVP_Digest(spki_der, len, log_id, NULL, v->sha256, NULL) != 1) {
        ERR_clear_error();
        return 0;
    }
    /* A refused key stays cached as unusable: its log ID is the hash of
     * these very bytes, so no other key can claim that ID. */
    s = find_slot(v, log_id);
    if (s == NULL)
        s = add_slot(v, log_id, spki_der, len);
    return s != NULL && s->kind != KEY_UNUSABLE;
}

/* The cached key for log_id, decoding it from the log list on first use. */
static key_slot *key_for(cg_sct_verifier *v, const uint8_t log_id[32], int *oom)
{
    key_slot *s = find_slot(v, log_id);
    const cg_log *log;

    *oom = 0;
    if (s != NULL)
        return s;
    /* Unknown IDs are not remembered: a key added later must still win. */
    log = cg_loglist_find(v->ll, log_id);
    if (log == NULL)
        return NULL;
    s = add_slot(v, log_id, log->key_der, log->key_len);
    *oom = s == NULL;
    return s;
}

/* ---- verification ---- */

const char *cg_sct_status_name(cg_sct_status status)
{
    switch (status) {
    case CG_SCT_VALID:
        return "valid";
    case CG_SCT_INVALID:
        return "invalid";
    case CG_SCT_UNKNOWN_LOG:
        return "unknown log";
    case CG_SCT_UNSUPPORTED:
        return "unsupported";
    }
    return "unknown status";
}

static cg_sct_status say(cg_sct_status st, char *why, size_t whycap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cg_sct_status say(cg_sct_status st, char *why, size_t whycap, const char *fmt, ...)
{
    CG_FORMAT_ARGS(why, whycap, fmt);
    return st;
}

static const char *hash_name(uint8_t h)
{
    static const char *const names[] = {"none",    "MD5",     "SHA-1",  "SHA-224",
                                        "SHA-256", "SHA-384", "SHA-512"};
    return h < sizeof(names) / sizeof(names[0]) ? names[h] : "unassigned";
}

static const char *sig_name(uint8_t s)
{
    static const char *const names[] = {"anonymous", "RSA", "DSA", "ECDSA"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unassigned";
}

static const char *kind_name(key_kind k)
{
    return k == KEY_RSA ? "RSA" : "ECDSA";
}

/* Checks what can be decided without the log key. */
static cg_sct_status check_sct(const cg_sct *sct, char *why, size_t whycap)
{
    if (sct->version != CG_SCT_V1)
        return say(CG_SCT_UNSUPPORTED, why, whycap, "SCT version %u is not v1 (0)", sct->version);
    if (sct->log_id.len != CG_SCT_LOG_ID_LEN)
        return say(CG_SCT_INVALID, why, whycap, "log ID is %zu bytes, not 32", sct->log_id.len);
    if (sct->hash_alg != TLS_HASH_SHA256)
        return say(CG_SCT_UNSUPPORTED, why, whycap,
                   "hash algorithm %u (%s) is not SHA-256 (4), the only one RFC 6962 allows",
                   sct->hash_alg, hash_name(sct->hash_alg));
    if (sct->sig_alg != TLS_SIG_ECDSA && sct->sig_alg != TLS_SIG_RSA)
        return say(CG_SCT_UNSUPPORTED, why, whycap,
                   "signature algorithm %u (%s) is neither ECDSA (3) nor RSA (1)", sct->sig_alg,
                   sig_name(sct->sig_alg));
    if (sct->signature.len == 0)
        return say(CG_SCT_INVALID, why, whycap, "signature is empty");
    return CG_SCT_VALID;
}

static void log_id_b64(const cg_sct *sct, char out[48])
{
    cg_base64_encode(sct->log_id.data, CG_SCT_LOG_ID_LEN, out);
}

/* prefix: the signed data up to and including the entry's length; body:
 * the TBSCertificate or certificate. */
static cg_sct_status verify(cg_sct_verifier *v, const cg_sct *sct, const uint8_t *prefix,
                            size_t prefix_len, const uint8_t *body, size_t body_len, char *why,
                            size_t whycap)
{
    uint8_t ext_len[2], digest[32];
    char id[48];
    unsigned int digest_len = 0;
    key_kind want;
    key_slot *k;
    int oom;

    k = key_for(v, sct->log_id.data, &oom);
    if (oom)
        return say(CG_SCT_UNSUPPORTED, why, whycap, "out of memory decoding the log key");
    if (k == NULL) {
        log_id_b64(sct, id);
        return say(CG_SCT_UNKNOWN_LOG, why, whycap, "log %s is not in the log list", id);
    }
    if (k->kind == KEY_UNUSABLE)
        return say(CG_SCT_UNSUPPORTED, why, whycap, "%s", k->unusable);
    want = sct->sig_alg == TLS_SIG_RSA ? KEY_RSA : KEY_EC;
    if (k->kind != want)
        return say(CG_SCT_INVALID, why, whycap, "log key is %s but SCT says %s",
                   k->kind == KEY_RSA ? "RSA" : "EC", kind_name(want));

    ext_len[0] = (uint8_t)(sct->extensions.len >> 8);
    ext_len[1] = (uint8_t)sct->extensions.len;
    if (EVP_DigestInit_ex(v->md, v->sha256, NULL) != 1 ||
        EVP_DigestUpdate(v->md, prefix, prefix_len) != 1 ||
        EVP_DigestUpdate(v->md, body, body_len) != 1 ||
        EVP_DigestUpdate(v->md, ext_len, sizeof(ext_len)) != 1 ||
        EVP_DigestUpdate(v->md, sct->extensions.data, sct->extensions.len) != 1 ||
        EVP_DigestFinal_ex(v->md, digest, &digest_len) != 1) {
        ERR_clear_error();
        return say(CG_SCT_UNSUPPORTED, why, whycap, "SHA-256 failed");
    }
    /* The prepared P-256 key gives OpenSSL's verdict faster; without it,
     * or when it fails to give one, OpenSSL's own verification. */
    int ok = k->kind == KEY_EC ? cg_ecdsa_warm_verify(&k->fast, k->pkey, v->fast_after,
                                                      sct->signature.data, sct->signature.len,
                                                      digest)
                               : CG_ECDSA_ERROR;
    if (ok == CG_ECDSA_ERROR)
        ok = EVP_PKEY_verify(k->ctx, sct->signature.data, sct->signature.len, digest,
                             digest_len) == 1;
    if (ok != CG_ECDSA_VALID) {
        ERR_clear_error();
        return say(CG_SCT_INVALID, why, whycap, "%s signature does not verify", kind_name(want));
    }
    if (why != NULL && whycap > 0)
        why[0] = '\0';
    return CG_SCT_VALID;
}

/* Checks everything the signed data cannot, then writes its fixed head. */
static cg_sct_status begin(const cg_sct_verifier *v, const cg_sct *sct, uint16_t entry_type,
                           const uint8_t *key_hash, size_t body_len, const char *body_name,
                           uint8_t *prefix, size_t *prefix_len, char *why, size_t whycap)
{
    cg_sct_status st;
    cg_cbb cbb;

    if (v == NULL || sct == NULL)
        return say(CG_SCT_INVALID, why, whycap, "no verifier or no SCT");
    st = check_sct(sct, why, whycap);
    if (st != CG_SCT_VALID)
        return st;
    if (body_len == 0 || body_len > MAX_U24)
        return say(CG_SCT_INVALID, why, whycap, "%s of %zu bytes does not fit opaque<1..2^24-1>",
                   body_name, body_len);
    cg_cbb_init_fixed(&cbb, prefix, SIGNED_PREFIX_MAX);
    if (!cg_cbb_add_u8(&cbb, sct->version) ||
        !cg_cbb_add_u8(&cbb, CT_SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP) ||
        !cg_cbb_add_u64(&cbb, sct->timestamp) || !cg_cbb_add_u16(&cbb, entry_type) ||
        (key_hash != NULL && !cg_cbb_add_bytes(&cbb, key_hash, 32)) ||
        !cg_cbb_add_u24(&cbb, (uint32_t)body_len) || !cg_cbb_finish(&cbb, prefix_len))
        return say(CG_SCT_INVALID, why, whycap, "cannot write the signed data");
    return CG_SCT_VALID;
}

cg_sct_status cg_sct_verify_precert(cg_sct_verifier *v, const cg_sct *sct,
                                    const uint8_t issuer_key_hash[32], const uint8_t *tbs,
                                    size_t tbs_len, char *why, size_t whycap)
{
    uint8_t prefix[SIGNED_PREFIX_MAX];
    size_t prefix_len = 0;
    cg_sct_status st;

    if (issuer_key_hash == NULL)
        return say(CG_SCT_INVALID, why, whycap, "no issuer key hash");
    st = begin(v, sct, CT_ENTRY_PRECERT, issuer_key_hash, tbs == NULL ? 0 : tbs_len,
               "TBSCertificate", prefix, &prefix_len, why, whycap);
    if (st != CG_SCT_VALID)
        return st;
    return verify(v, sct, prefix, prefix_len, tbs, tbs_len, why, whycap);
}

cg_sct_status cg_sct_verify_x509(cg_sct_verifier *v, const cg_sct *sct, const uint8_t *cert_der,
                                 size_t cert_len, char *why, size_t whycap)
{
    uint8_t prefix[SIGNED_PREFIX_MAX];
    size_t prefix_len = 0;
    cg_sct_status st;

    st = begin(v, sct, CT_ENTRY_X509, NULL, cert_der == NULL ? 0 : cert_len, "certificate", prefix,
               &prefix_len, why, whycap);
    if (st != CG_SCT_VALID)
        return st;
    return verify(v, sct, prefix, prefix_len, cert_der, cert_len, why, whycap);
}
