/* Cross-object rules: SCT signatures and CT policy (which need the issuing
 * CA and the log list), precertificate/certificate correspondence and
 * duplicate serials (which need every object of one issuer and serial). */
#include "rules/checker.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/corr.h"
#include "ct/loglist.h"
#include "ct/policy.h"
#include "ct/sct.h"
#include "ct/sct_verify.h"
#include "der/pem.h"
#include "util/grow.h"
#include "util/hash.h"
#include "rules/crl_cross.h"
#include "rules/keycache.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/sig.h"
#include "x509/time.h"

#define SERIAL_MAX 24

/* One certificate or precertificate seen in pass 1. */
typedef struct entry {
    uint32_t file_no;
    uint32_t index;
    uint64_t offset;      /* of its PEM block in the file, for pass 2 */
    uint8_t kind;
    uint8_t has_scts;
    uint8_t serial_len;
    uint8_t needed;       /* pass 2 must look at it */
    uint64_t issuer_hash; /* of the issuer Name bytes */
    uint64_t group_hash;  /* of the effective issuer and the serial */
    uint8_t serial[SERIAL_MAX];
    uint8_t sha256[32];
} entry;

/* A CA certificate (basicConstraints cA, or a Precertificate Signing
 * Certificate), kept whole: few of them, needed by everything. */
typedef struct ca_cert {
    uint8_t *der; /* a copy, or NULL for a known object (cert views its owner's bytes) */
    size_t len;
    cg_cert cert; /* view into der */
    uint8_t spki_hash[32];
    uint8_t sha256[32];
    int precert_signing; /* EKU 1.3.6.1.4.1.11129.2.4.4 */
    EVP_PKEY *key;
} ca_cert;

/* An object copied out in pass 2 because it belongs to a group: one per
 * distinct object, however many byte-identical copies the input holds
 * (they are loaded once). */
typedef struct held {
    const entry *e; /* its first copy in input order */
    uint8_t *der;
    size_t len;
    cg_cert cert;
    cg_objref ref;   /* of that first copy */
    uint8_t key[32]; /* certificate: SHA-256 of the TBS; precertificate: cg_corr_key */
    int via_signing; /* a precertificate from a Precertificate Signing CA */
    size_t same_as;  /* 1 + the earlier object with the same TBS; 0 when distinct */
} held;

/* The precertificates an SCT that does not verify is tried against, to say
 * which one it was issued for: a bound, so a serial shared by thousands of
 * precertificates costs a constant per SCT, not one signature each. */
#define OTHER_PRECERTS_MAX 32

struct cg_checker {
    cg_ctx *ctx;
    cg_reload_fn reload;
    cg_release_fn release;
    void *arg;
    const char **names; /* by file_no */
    size_t n_names, cap_names;
    entry *entries;
    size_t n_entries, cap_entries;
    ca_cert *cas;
    size_t n_cas, cap_cas;
    cg_sct_verifier *verifier;
    int own_verifier; /* 0 when borrowed from the ctx */
    cg_crl_cross *crl_cross; /* the CRL rules that need other objects */
    size_t cur_file;
    int known; /* on_object is given a known object: its view outlives the checker */
    const uint8_t *known_spki_hash; /* and its SPKI's SHA-256, or NULL */
    int inputs_held; /* reload gives back the bytes pass 1 read (cg_checker_inputs_held) */
};

/* keyIdentifier of an AKI, or the SKI's OCTET STRING contents. */
static int aki_keyid(const cg_cert *c, cg_cbs *out)
{
    return cg_ext_aki_keyid(cg_cert_find_ext(c, CG_OID_AKI, sizeof(CG_OID_AKI), NULL), out);
}

static int ski(const cg_cert *c, cg_cbs *out)
{
    return cg_ext_ski(cg_cert_find_ext(c, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), out);
}

static void on_object(void *arg, const cg_objref *ref, const cg_cert *cert, const cg_crl *crl)
{
    cg_checker *ck = arg;
    if (cert == NULL) {
        cg_crl_cross_add_crl(ck->crl_cross, ck->cur_file, ref, crl);
        return;
    }
    int ca_flag = cg_cert_is_ca(cert);
    cg_crl_cross_add_cert(ck->crl_cross, ck->cur_file, ref, cert, ca_flag);
    entry *e =
        cg_grow_push((void **)&ck->entries, &ck->n_entries, &ck->cap_entries, sizeof(entry));
    if (e == NULL)
        return;
    e->file_no = (uint32_t)ck->cur_file;
    e->index = (uint32_t)ref->index;
    e->offset = ref->offset;
    e->kind = (uint8_t)ref->kind;
    e->has_scts = cg_cert_find_ext(cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST),
                                   NULL) != NULL;
    e->issuer_hash = cg_name_hash_bytes(&cert->issuer);
    if (cert->serial.len <= SERIAL_MAX) {
        e->serial_len = (uint8_t)cert->serial.len;
        memcpy(e->serial, cert->serial.data, cert->serial.len);
    } else {
        /* Oversized serial (already an error elsewhere): group by its hash. */
        uint64_t h = cg_fnv1a(CG_FNV1A_INIT, cert->serial.data, cert->serial.len);
        e->serial_len = SERIAL_MAX;
        memset(e->serial, 0xff, SERIAL_MAX);
        memcpy(e->serial, &h, sizeof(h));
    }
    memcpy(e->sha256, ref->sha256, 32);

    int signing = cg_cert_is_precert_signing(cert);
    if (!ca_flag && !signing)
        return;
    ca_cert *ca = cg_grow_slot((void **)&ck->cas, ck->n_cas, &ck->cap_cas, sizeof(*ca));
    if (ca == NULL)
        return;
    if (ck->known) {
        /* A prepared context's CA, on every run: its view and the bytes it
         * reads stay until cg_checker_free, so neither copy nor parse. */
        ca->cert = *cert;
        ca->len = cert->der.len;
    } else {
        ca->der = malloc(cert->der.len);
        if (ca->der == NULL)
            return;
        memcpy(ca->der, cert->der.data, cert->der.len);
        ca->len = cert->der.len;
        cg_der_error err;
        if (!cg_cert_parse(&ca->cert, ca->der, ca->len, &err)) {
            free(ca->der);
            return;
        }
    }
    /* One SHA-256 of the SPKI (none for a known CA) serves the SCTs'
     * issuer key hash and the key cache. */
    int hashed = 1;
    if (ck->known_spki_hash != NULL)
        memcpy(ca->spki_hash, ck->known_spki_hash, 32);
    else
        hashed = cg_ctx_sha256(ck->ctx, ca->cert.spki.data, ca->cert.spki.len, ca->spki_hash);
    memcpy(ca->sha256, ref->sha256, 32);
    ca->precert_signing = signing;
    const uint8_t *p = ca->cert.spki.data;
    if (ck->ctx->keys == NULL)
        ca->key = d2i_PUBKEY(NULL, &p, (long)ca->cert.spki.len);
    else if (hashed)
        ca->key = cg_keycache_get_hashed(ck->ctx->keys, p, ca->cert.spki.len, ca->spki_hash);
    else
        ca->key = cg_keycache_get(ck->ctx->keys, p, ca->cert.spki.len);
    ck->n_cas++;
}

cg_checker *cg_checker_new(cg_ctx *ctx, cg_reload_fn reload, cg_release_fn release, void *arg)
{
    cg_checker *ck = calloc(1, sizeof(*ck));
    if (ck == NULL)
        return NULL;
    ck->ctx = ctx;
    ck->reload = reload;
    ck->release = release;
    ck->arg = arg;
    ck->own_verifier = ctx->verifier == NULL;
    ck->verifier = ck->own_verifier ? cg_sct_verifier_new(ctx->loglist) : ctx->verifier;
    ck->crl_cross = cg_crl_cross_new(ctx, reload, release, arg);
    if (ck->verifier == NULL || ck->crl_cross == NULL) {
        if (ck->own_verifier)
            cg_sct_verifier_free(ck->verifier);
        cg_crl_cross_free(ck->crl_cross);
        free(ck);
        return NULL;
    }
    ctx->on_object = on_object;
    ctx->on_object_arg = ck;
    return ck;
}

void cg_checker_free(cg_checker *ck)
{
    if (ck == NULL)
        return;
    for (size_t i = 0; i < ck->n_cas; i++) {
        free(ck->cas[i].der);
        EVP_PKEY_free(ck->cas[i].key);
    }
    free(ck->cas);
    free(ck->entries);
    free(ck->names);
    if (ck->own_verifier)
        cg_sct_verifier_free(ck->verifier);
    cg_crl_cross_free(ck->crl_cross);
    free(ck);
}

static void set_file(cg_checker *ck, size_t file_no, const char *name)
{
    if (cg_grow((void **)&ck->names, &ck->cap_names, file_no + 1, sizeof(char *))) {
        for (size_t i = ck->n_names; i <= file_no; i++)
            ck->names[i] = NULL;
        ck->names[file_no] = name;
        if (file_no + 1 > ck->n_names)
            ck->n_names = file_no + 1;
    }
    ck->cur_file = file_no;
}

void cg_checker_add_file(cg_checker *ck, size_t file_no, const char *name, const uint8_t *data,
                         size_t len, cg_file_result *res)
{
    set_file(ck, file_no, name);
    cg_check_file(ck->ctx, name, data, len, res);
}

void cg_checker_add_known(cg_checker *ck, size_t file_no, const char *name, const cg_objref *ref,
                          const cg_cert *cert, const uint8_t *spki_hash)
{
    set_file(ck, file_no, name);
    ck->known = 1;
    ck->known_spki_hash = spki_hash;
    on_object(ck, ref, cert, NULL);
    ck->known = 0;
    ck->known_spki_hash = NULL;
}

/* ---- pass 2 ---- */

/* The CA that issued cert: same subject bytes (or an equal Name), AKI/SKI
 * agreeing when both are there, confirmed by the signature. *by_name_only
 * is set when the Names are equal but not byte-identical. */
/* Whether ca's key signed cert (sig: cert's signature, prepared). The
 * signature is verified over the raw TBS with the CA's key read once
 * (x509/sig.h); only an algorithm that has no verifier there goes through
 * OpenSSL's certificate object (*x, parsed once a lookup). As OpenSSL's
 * X509_verify, the signatureAlgorithm must be the TBS's signature. */
static int signed_by(const cg_checker *ck, const ca_cert *ca, const cg_cert *cert, cg_sig *sig,
                     X509 **x)
{
    if (!cg_cbs_equal(&cert->sig_alg, &cert->tbs_sig_alg))
        return 0;
    if (sig->unsupported == NULL) {
        /* The key cache keeps the CA key's verification context set up
         * from one check to the next (the verification itself is done). */
        cg_sig_keep *keep =
            ck->ctx->keys != NULL ? cg_keycache_sig_keep(ck->ctx->keys, ca->key) : NULL;
        return cg_sig_verify_kept(sig, ca->key, keep, NULL, 0) == CG_SIG_OK;
    }
    if (sig->damaged)
        return 0;
    if (*x == NULL) {
        const uint8_t *p = cert->der.data;
        if ((*x = d2i_X509(NULL, &p, (long)cert->der.len)) == NULL) {
            ERR_clear_error();
            return 0;
        }
    }
    int ok = X509_verify(*x, ca->key) == 1;
    ERR_clear_error();
    return ok;
}

static const ca_cert *find_issuer(const cg_checker *ck, const cg_cert *cert)
{
    cg_cbs aki, sk;
    int have_aki = aki_keyid(cert, &aki);
    X509 *x = NULL;
    cg_sig sig;
    const ca_cert *found = NULL;
    if (ck->n_cas == 0)
        return NULL;
    int signed_cert = cert->signature.len > 1;
    if (signed_cert)
        cg_sig_prepare(&sig, "certificate", &cert->tbs, &cert->sig_alg, &cert->signature);
    for (int pass = 0; pass < 3 && found == NULL; pass++) {
        for (size_t i = 0; i < ck->n_cas && found == NULL; i++) {
            const ca_cert *ca = &ck->cas[i];
            int name_match = cg_cbs_equal(&ca->cert.subject, &cert->issuer);
            int have_ski = ski(&ca->cert, &sk);
            int key_match = have_aki && have_ski && cg_cbs_equal(&aki, &sk);
            if (cg_cbs_equal(&ca->cert.der, &cert->der))
                continue; /* a self-signed CA checking itself is not "issued by" here */
            /* Pass 0: name bytes (and AKI/SKI when present); pass 1: AKI/SKI
             * alone, for an issuer whose Name is encoded differently; pass 2:
             * name bytes with an AKI that names no SKI (a CA's mistake), for
             * the signature alone to decide. */
            if (pass == 0 && !(name_match && (!have_aki || key_match || !have_ski)))
                continue;
            if (pass == 1 && !key_match)
                continue;
            if (pass == 2 && !(name_match && have_aki && have_ski && !key_match && signed_cert))
                continue;
            /* An unsigned certificate (a TBS handed to the issuance gate
             * carries an empty signature) cannot confirm: Name and AKI/SKI
             * decide alone. */
            if (ca->key != NULL && (!signed_cert || signed_by(ck, ca, cert, &sig, &x)))
                found = ca;
        }
    }
    X509_free(x);
    return found;
}

static const char *log_name(const cg_ctx *ctx, const cg_cbs *log_id, char *buf, size_t cap)
{
    const cg_log *log = NULL;
    if (ctx->loglist != NULL && log_id->len == 32)
        log = cg_loglist_find(ctx->loglist, log_id->data);
    if (log != NULL && log->description != NULL && log->description[0] != '\0') {
        snprintf(buf, cap, "%s", log->description);
    } else {
        char h[65];
        cg_hex(log_id->data, log_id->len < 32 ? log_id->len : 32, h);
        snprintf(buf, cap, "log %s", h);
    }
    return buf;
}

static const ca_cert *signing_ca_of(const cg_checker *ck, const cg_cert *pre);

/* The TBS a log signed for this object's precertificate entry, in a new
 * buffer. A precertificate from a Precertificate Signing CA was logged with
 * the final CA's issuer Name and an AKI naming the final CA's key (RFC 6962
 * §3.1). */
static uint8_t *entry_tbs(const cg_checker *ck, const cg_cert *c, size_t *len)
{
    const ca_cert *sca = c->is_precert ? signing_ca_of(ck, c) : NULL;
    const cg_cbs *issuer = sca != NULL ? &sca->cert.issuer : NULL;
    /* The signer's issuer, confirmed by its signature: a CA with the same
     * Name and another key among the inputs would give the wrong AKI. */
    const ca_cert *final_ca = sca != NULL ? find_issuer(ck, &sca->cert) : NULL;
    uint8_t akibuf[128];
    cg_ext aki, *akip = NULL;
    cg_cbs keyid;
    if (final_ca != NULL && ski(&final_ca->cert, &keyid) && keyid.len <= 64) {
        cg_cbb cbb, ext, val, seq, id;
        size_t n;
        cg_cbb_init_fixed(&cbb, akibuf, sizeof(akibuf));
        if (cg_cbb_add_asn1(&cbb, &ext, CG_ASN1_SEQUENCE) &&
            cg_cbb_add_asn1_header(&ext, CG_ASN1_OBJECT, sizeof(CG_OID_AKI)) &&
            cg_cbb_add_bytes(&ext, CG_OID_AKI, sizeof(CG_OID_AKI)) &&
            cg_cbb_add_asn1(&ext, &val, CG_ASN1_OCTETSTRING) &&
            cg_cbb_add_asn1(&val, &seq, CG_ASN1_SEQUENCE) &&
            cg_cbb_add_asn1(&seq, &id, CG_ASN1_CTX(0)) &&
            cg_cbb_add_bytes(&id, keyid.data, keyid.len) && cg_cbb_finish(&cbb, &n)) {
            cg_cbs in;
            cg_cbs_init(&in, akibuf, n);
            if (cg_ext_next(&in, &aki))
                akip = &aki;
        }
    }
    size_t cap = cg_ct_entry_tbs_max_len(c, issuer, akip);
    uint8_t *buf = malloc(cap);
    if (buf != NULL && !cg_ct_entry_tbs(c, issuer, akip, buf, cap, len)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* Verifies every embedded SCT of a final certificate against the issuer,
 * reports the SCT and policy rules; pres holds distinct precertificates of
 * the same issuer and serial (OTHER_PRECERTS_MAX at most, in input order)
 * that an SCT may belong to. */
static void check_scts(cg_checker *ck, const cg_objref *ref, const cg_cert *cert,
                       const held *const *pres, size_t n_pres)
{
    cg_ctx *ctx = ck->ctx;
    const cg_ext *ext = cg_cert_find_ext(cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST),
                                         NULL);
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    cg_policy_sct psct[64];
    size_t n_psct = 0;
    char name[256], why[256];
    if (ext == NULL || cert->is_precert || !cg_sct_list_open(&list, &ext->value, &err))
        return;
    const ca_cert *issuer = find_issuer(ck, cert);
    if (issuer == NULL) {
        cg_report(ctx, CG_R_CT_SCT_ISSUER_UNKNOWN, ref,
                  "the issuing CA certificate is not among the inputs (matched by issuer Name "
                  "and AKI/SKI, confirmed by signature): SCT signatures cannot be checked");
    }
    size_t tbs_len = 0;
    uint8_t *tbs = entry_tbs(ck, cert, &tbs_len);
    int have_tbs = tbs != NULL;
    size_t i = 0;
    while (cg_sct_list_next(&list, &sct, &err)) {
        i++;
        if (sct.version != CG_SCT_V1)
            continue; /* ct.sct.version_unknown, single-object */
        log_name(ctx, &sct.log_id, name, sizeof(name));
        const cg_log *log = ctx->loglist != NULL ? cg_loglist_find(ctx->loglist,
                                                                   sct.log_id.data)
                                                 : NULL;
        if (ctx->loglist != NULL && log == NULL)
            cg_report(ctx, CG_R_CT_SCT_UNKNOWN_LOG, ref, "SCT %zu: %s is not in the log list",
                      i, name);
        /* In milliseconds: 48 hours and 1 ms is more than 48 hours. A
         * 4-digit-year notBefore and a capped timestamp cannot overflow. */
        int64_t sct_ms =
            sct.timestamp > (uint64_t)(INT64_MAX / 2) ? INT64_MAX / 2 : (int64_t)sct.timestamp;
        int64_t nb_ms = cert->not_before_t * 1000;
        if (sct_ms - 48 * 3600 * INT64_C(1000) > nb_ms) {
            char nb[32], ts[32];
            int64_t d = sct_ms - nb_ms;
            cg_time_format(cert->not_before_t, nb, sizeof(nb));
            cg_time_format(sct_ms / 1000, ts, sizeof(ts));
            cg_report(ctx, CG_R_CT_CERT_NOTBEFORE_BACKDATED, ref,
                      "notBefore %s is %.1f hours (%lld.%03lld s) before the timestamp %s of "
                      "SCT %zu (%s); at most 48 hours are allowed",
                      nb, (double)d / 3600000.0, (long long)(d / 1000), (long long)(d % 1000), ts,
                      i, name);
        }
        /* The verdicts first, nothing formatted; the reason (four times
         * formatted) only for a finding, which few SCTs give. */
        if (log != NULL) {
            if (cg_policy_log_not_yet_usable(log, sct.timestamp, NULL, 0)) {
                cg_policy_log_not_yet_usable(log, sct.timestamp, why, sizeof(why));
                cg_report(ctx, CG_R_CT_SCT_LOG_NOT_YET_USABLE, ref, "SCT %zu (%s): %s", i, name,
                          why);
            }
            if (cg_policy_outside_interval(log, cert->not_after_t, NULL, 0)) {
                cg_policy_outside_interval(log, cert->not_after_t, why, sizeof(why));
                cg_report(ctx, CG_R_CT_SCT_OUTSIDE_TEMPORAL_INTERVAL, ref, "SCT %zu (%s): %s", i,
                          name, why);
            }
        }
        int valid = 0;
        if (issuer != NULL && have_tbs && log != NULL) {
            cg_sct_status st = cg_sct_verify_precert(ck->verifier, &sct, issuer->spki_hash, tbs,
                                                     tbs_len, why, sizeof(why));
            valid = st == CG_SCT_VALID;
            if (st == CG_SCT_INVALID || st == CG_SCT_UNSUPPORTED) {
                /* Was it issued for another precertificate of this serial? */
                const held *other = NULL;
                for (size_t g = 0; g < n_pres && other == NULL; g++) {
                    size_t olen;
                    uint8_t *otbs = entry_tbs(ck, &pres[g]->cert, &olen);
                    char w2[64];
                    if (otbs != NULL &&
                        cg_sct_verify_precert(ck->verifier, &sct, issuer->spki_hash, otbs,
                                              olen, w2, sizeof(w2)) == CG_SCT_VALID)
                        other = pres[g];
                    free(otbs);
                }
                if (other != NULL) {
                    char h[65];
                    cg_hex(other->e->sha256, 32, h);
                    cg_report(ctx, CG_R_CT_SCT_SIGNATURE_INVALID, ref,
                              "SCT %zu from %s does not verify over this certificate; it was "
                              "issued for a different precertificate, %s (%s #%u)",
                              i, name, h, other->ref.file, other->e->index);
                } else {
                    cg_report(ctx, CG_R_CT_SCT_SIGNATURE_INVALID, ref,
                              "SCT %zu from %s does not verify over the precertificate entry "
                              "rebuilt from this certificate: %s",
                              i, name, why);
                }
            }
        }
        if (n_psct < sizeof(psct) / sizeof(psct[0])) {
            memcpy(psct[n_psct].log_id, sct.log_id.data, 32);
            psct[n_psct].timestamp_ms = sct.timestamp;
            psct[n_psct].valid = valid;
            n_psct++;
        }
    }
    free(tbs);

    cg_policy_input in = {0};
    cg_policy_result res;
    in.not_before = cert->not_before_t;
    in.not_after = cert->not_after_t;
    in.at = ctx->at;
    in.scts = psct;
    in.n_scts = n_psct;
    in.ll = ctx->loglist;
    in.issuer_unknown = issuer == NULL;
    in.quiet = CG_POLICY_QUIET_MET; /* a policy met is not reported */
    static const struct {
        void (*fn)(const cg_policy_input *, cg_policy_result *);
        cg_rule_id rule;
        const char *name;
    } policies[] = {
        {cg_policy_chrome, CG_R_CT_POLICY_CHROME_UNSATISFIED, "Chrome"},
        {cg_policy_apple, CG_R_CT_POLICY_APPLE_UNSATISFIED, "Apple"},
        {cg_policy_mozilla, CG_R_CT_POLICY_MOZILLA_UNSATISFIED, "Mozilla"},
    };
    char not_eval[600] = "";
    for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
        policies[p].fn(&in, &res);
        if (res.status == CG_POLICY_UNSATISFIED)
            cg_report(ctx, policies[p].rule, ref, "%s CT policy: %s", policies[p].name,
                      res.reason);
        else if (res.status == CG_POLICY_NOT_EVALUATED && not_eval[0] == '\0') {
            snprintf(not_eval, sizeof(not_eval), "%s", res.reason);
            in.quiet |= CG_POLICY_QUIET_NOT_EVALUATED; /* one reason is reported */
        }
    }
    if (not_eval[0] != '\0')
        cg_report(ctx, CG_R_CT_POLICY_NOT_EVALUATED, ref, "CT policies not evaluated: %s",
                  not_eval);
}

/* The Precertificate Signing CA that issued a precertificate, if any. */
static const ca_cert *signing_ca_of(const cg_checker *ck, const cg_cert *pre)
{
    for (size_t i = 0; i < ck->n_cas; i++) {
        if (ck->cas[i].precert_signing && cg_cbs_equal(&ck->cas[i].cert.subject, &pre->issuer))
            return &ck->cas[i];
    }
    return NULL;
}

static int cmp_group(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->group_hash != y->group_hash)
        return x->group_hash < y->group_hash ? -1 : 1;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Loads the object of entry e into *h, straight from its recorded offset
 * (the reload callback may keep the last file). 0 when the file no longer
 * holds it there or it does not parse. */
static int load_one(cg_checker *ck, const entry *e, held *h)
{
    const uint8_t *data;
    size_t len;
    int ok = 0;
    if (!ck->reload(ck->arg, e->file_no, &data, &len) || e->offset > len)
        return 0;
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    uint8_t sha[32];
    cg_input_init(&in, data + e->offset, len - e->offset);
    memset(h, 0, sizeof(*h));
    /* The file must still hold the object pass 1 saw there (held inputs
     * do). */
    if (cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT &&
        (ck->inputs_held ||
         (cg_ctx_sha256(ck->ctx, obj.der, obj.der_len, sha) && memcmp(sha, e->sha256, 32) == 0)))
        h->der = malloc(obj.der_len);
    if (h->der != NULL) {
        memcpy(h->der, obj.der, obj.der_len);
        h->len = obj.der_len;
        if (cg_cert_parse(&h->cert, h->der, h->len, &err)) {
            h->e = e;
            h->ref.file = ck->names[e->file_no];
            h->ref.index = e->index;
            h->ref.offset = e->offset;
            h->ref.kind = h->cert.is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
            h->ref.has_hash = 1;
            memcpy(h->ref.sha256, e->sha256, 32);
            h->ref.issuer = h->cert.issuer;
            h->ref.serial = h->cert.serial;
            cg_objref_set_issued_cert(&h->ref, &h->cert);
            ok = 1;
        } else {
            free(h->der);
            h->der = NULL;
        }
    }
    cg_input_cleanup(&in);
    if (ck->release != NULL)
        ck->release(ck->arg, e->file_no, data);
    return ok;
}

static int cmp_file_order(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

typedef struct group_span {
    size_t start, n;
    const entry *first; /* its first member in input order */
} group_span;

static int cmp_span(const void *a, const void *b)
{
    const group_span *x = a, *y = b;
    return cmp_file_order(&x->first, &y->first);
}

/* One group's objects in file order: the distinct objects (hs) and, for
 * each member (a copy, in input order), the object it is a copy of. */
typedef struct group_view {
    held *hs;
    size_t m;
    entry **members; /* file order */
    size_t *obj_of;  /* by member: index into hs, or NO_OBJ */
    size_t n_members;
} group_view;

#define NO_OBJ ((size_t)-1)

/* The reference of one member: its object's, with its own place. */
static cg_objref member_ref(const cg_checker *ck, const group_view *v, size_t k)
{
    cg_objref r = v->hs[v->obj_of[k]].ref;
    r.file = ck->names[v->members[k]->file_no];
    r.index = v->members[k]->index;
    r.offset = v->members[k]->offset;
    return r;
}

typedef struct key_row {
    uint8_t kind; /* certificate or precertificate; for pairing, via_signing */
    uint8_t key[32];
    size_t i; /* into hs */
} key_row;

static int cmp_key_row(const void *a, const void *b)
{
    const key_row *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    int c = memcmp(x->key, y->key, 32);
    if (c != 0)
        return c;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Keys for every object, then hs[i].same_as for those whose TBS an earlier
 * one has: precertificates are the same when only the CT extensions differ
 * (cg_corr_same_tbs); final certificates only when the whole TBS is (two
 * finals with different SCT lists are two certificates). Sorted by key,
 * so n log n in the group's size; equal keys are confirmed. One object
 * alone (a certificate checked on its own) has nothing to be compared
 * with: no key is made (check_group, the keys' user, needs two). */
static int mark_same(cg_checker *ck, held *hs, size_t m)
{
    key_row *rows = malloc(m * sizeof(*rows));
    if (rows == NULL)
        return 0;
    for (size_t i = 0; i < m; i++) {
        held *h = &hs[i];
        h->via_signing = h->cert.is_precert && signing_ca_of(ck, &h->cert) != NULL;
        rows[i].kind = (uint8_t)h->ref.kind;
        rows[i].i = i;
        if (m < 2)
            break;
        if (h->cert.is_precert ? !cg_corr_key(&h->cert, 0, h->key)
                               : !cg_ctx_sha256(ck->ctx, h->cert.tbs.data, h->cert.tbs.len,
                                                h->key)) {
            free(rows);
            return 0;
        }
        memcpy(rows[i].key, h->key, 32);
    }
    qsort(rows, m, sizeof(*rows), cmp_key_row);
    for (size_t r = 0; r < m;) {
        size_t end = r + 1;
        while (end < m && rows[end].kind == rows[r].kind &&
               memcmp(rows[end].key, rows[r].key, 32) == 0)
            end++;
        const held *first = &hs[rows[r].i];
        for (size_t k = r + 1; k < end; k++) {
            held *h = &hs[rows[k].i];
            if (h->cert.is_precert ? cg_corr_same_tbs(&first->cert, &h->cert)
                                   : cg_cbs_equal(&first->cert.tbs, &h->cert.tbs))
                h->same_as = rows[r].i + 1;
        }
        r = end;
    }
    free(rows);
    return 1;
}

/* ct.precert.duplicate_serial and ct.cert.duplicate_serial: the distinct
 * objects of one kind, listed in input order. */
static void report_duplicates(cg_checker *ck, const held *hs, size_t m, cg_kind kind)
{
    char list[2048];
    size_t distinct = 0, first = m, used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < m; i++) {
        if (hs[i].ref.kind != kind || hs[i].same_as != 0)
            continue;
        if (first == m)
            first = i;
        distinct++;
        if (used + 1 >= sizeof(list))
            continue;
        char h[65];
        cg_hex(hs[i].e->sha256, 32, h);
        int w = snprintf(list + used, sizeof(list) - used, "%s%s (%s #%u)", used > 0 ? ", " : "",
                         h, hs[i].ref.file, hs[i].e->index);
        if (w > 0 && (size_t)w < sizeof(list) - used)
            used += (size_t)w;
    }
    if (distinct < 2)
        return;
    if (kind == CG_KIND_PRECERT)
        cg_report(ck->ctx, CG_R_CT_PRECERT_DUPLICATE_SERIAL, &hs[first].ref,
                  "%zu different precertificates share this issuer and serial: %s", distinct,
                  list);
    else
        cg_report(ck->ctx, CG_R_CT_CERT_DUPLICATE_SERIAL, &hs[first].ref,
                  "%zu different certificates share this issuer and serial: %s", distinct, list);
}

/* Whether a distinct precertificate corresponds to fin: looked up by key in
 * pre (sorted by via_signing and cg_corr_key), confirmed by comparing. */
static int has_partner(const held *hs, const key_row *pre, size_t n_pre, const cg_cert *fin)
{
    for (uint8_t via = 0; via <= 1; via++) {
        key_row want;
        memset(&want, 0, sizeof(want));
        want.kind = via;
        if (!cg_corr_key(fin, via, want.key))
            return 0;
        size_t lo = 0, hi = n_pre;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_key_row(&pre[mid], &want) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n_pre && pre[lo].kind == via && memcmp(pre[lo].key, want.key, 32) == 0;
             lo++) {
            cg_corr c;
            cg_corr_compare(&hs[pre[lo].i].cert, fin, via, &c);
            if (c.corresponds)
                return 1;
        }
    }
    return 0;
}

/* The group rules: duplicate serials, then each final certificate against
 * the precertificates (a final with no corresponding precertificate is
 * compared with the first one, which the findings name). */
static void check_group(cg_checker *ck, const group_view *v)
{
    const held *hs = v->hs;
    size_t m = v->m, n_pre = 0, first_pre = m;
    report_duplicates(ck, hs, m, CG_KIND_CERT);
    report_duplicates(ck, hs, m, CG_KIND_PRECERT);
    key_row *pre = malloc((m > 0 ? m : 1) * sizeof(*pre));
    if (pre == NULL)
        return;
    for (size_t i = 0; i < m; i++) {
        if (hs[i].ref.kind != CG_KIND_PRECERT)
            continue;
        if (first_pre == m)
            first_pre = i;
        if (hs[i].same_as != 0)
            continue;
        pre[n_pre].kind = (uint8_t)hs[i].via_signing;
        pre[n_pre].i = i;
        if (hs[i].via_signing && !cg_corr_key(&hs[i].cert, 1, pre[n_pre].key))
            goto out;
        if (!hs[i].via_signing)
            memcpy(pre[n_pre].key, hs[i].key, 32);
        n_pre++;
    }
    if (n_pre == 0)
        goto out;
    qsort(pre, n_pre, sizeof(*pre), cmp_key_row);
    const held *best = &hs[first_pre];
    char h[65];
    cg_hex(best->e->sha256, 32, h);
    for (size_t k = 0; k < v->n_members; k++) {
        if (v->obj_of[k] == NO_OBJ)
            continue;
        const held *fin = &hs[v->obj_of[k]];
        if (fin->ref.kind != CG_KIND_CERT || has_partner(hs, pre, n_pre, &fin->cert))
            continue;
        cg_corr c;
        cg_corr_compare(&best->cert, &fin->cert, best->via_signing, &c);
        if (c.corresponds)
            continue;
        cg_objref ref = member_ref(ck, v, k);
        if (c.validity_differs)
            cg_report(ck->ctx, CG_R_CT_PAIR_VALIDITY_MISMATCH, &ref,
                      "%s (precertificate %s, %s #%u)", c.validity, h, best->ref.file,
                      best->e->index);
        if (c.other_differs)
            cg_report(ck->ctx, CG_R_CT_PAIR_TBS_MISMATCH, &ref,
                      "differs from precertificate %s (%s #%u): %s", h, best->ref.file,
                      best->e->index, c.first);
    }
out:
    free(pre);
}

static int cmp_sha_order(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    int c = memcmp(x->sha256, y->sha256, 32);
    return c != 0 ? c : cmp_file_order(a, b);
}

static int cmp_held_order(const void *a, const void *b)
{
    const held *x = a, *y = b;
    return cmp_file_order(&x->e, &y->e);
}

/* Each member's object in v->hs, by SHA-256 (NO_OBJ when none loaded). */
static int map_members(group_view *v)
{
    key_row *rows = malloc((v->m > 0 ? v->m : 1) * sizeof(*rows));
    if (rows == NULL)
        return 0;
    for (size_t i = 0; i < v->m; i++) {
        rows[i].kind = 0;
        memcpy(rows[i].key, v->hs[i].e->sha256, 32);
        rows[i].i = i;
    }
    qsort(rows, v->m, sizeof(*rows), cmp_key_row);
    for (size_t k = 0; k < v->n_members; k++) {
        size_t lo = 0, hi = v->m;
        v->obj_of[k] = NO_OBJ;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = memcmp(rows[mid].key, v->members[k]->sha256, 32);
            if (c == 0) {
                v->obj_of[k] = rows[mid].i;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    free(rows);
    return 1;
}

/* Loads one group (members in file order), each distinct object once, and
 * runs the group rules, the SCT checks and the sunset rule on it: memory
 * follows the group's distinct objects, time is n log n in its size. */
static void check_span(cg_checker *ck, entry **members, size_t gn)
{
    group_view v = {NULL, 0, members, NULL, gn};
    entry **by_sha = malloc(gn * sizeof(*by_sha));
    const held **pres = NULL;
    size_t n_distinct = 0, n_pres = 0;
    v.obj_of = malloc(gn * sizeof(*v.obj_of));
    if (by_sha == NULL || v.obj_of == NULL)
        goto out;
    memcpy(by_sha, members, gn * sizeof(*by_sha));
    qsort(by_sha, gn, sizeof(*by_sha), cmp_sha_order);
    for (size_t k = 0; k < gn; k++)
        n_distinct += k == 0 || memcmp(by_sha[k]->sha256, by_sha[k - 1]->sha256, 32) != 0;
    v.hs = calloc(n_distinct, sizeof(*v.hs));
    if (v.hs == NULL)
        goto out;
    /* Byte-identical copies are one object: the first copy that still
     * loads stands for all of them. */
    for (size_t k = 0; k < gn;) {
        size_t end = k + 1;
        while (end < gn && memcmp(by_sha[end]->sha256, by_sha[k]->sha256, 32) == 0)
            end++;
        for (size_t c = k; c < end; c++) {
            if (load_one(ck, by_sha[c], &v.hs[v.m])) {
                v.m++;
                break;
            }
        }
        k = end;
    }
    qsort(v.hs, v.m, sizeof(*v.hs), cmp_held_order);
    /* A hash collision would put unrelated objects together. */
    size_t m = 0;
    for (size_t k = 0; k < v.m; k++) {
        if (cg_cbs_equal(&v.hs[k].cert.serial, &v.hs[0].cert.serial))
            v.hs[m++] = v.hs[k];
        else
            free(v.hs[k].der);
    }
    v.m = m;
    if (!map_members(&v) || !mark_same(ck, v.hs, v.m))
        goto out;
    if (gn >= 2)
        check_group(ck, &v);
    pres = malloc(OTHER_PRECERTS_MAX * sizeof(*pres));
    if (pres == NULL)
        goto out;
    for (size_t i = 0; i < v.m && n_pres < OTHER_PRECERTS_MAX; i++) {
        if (v.hs[i].cert.is_precert && v.hs[i].same_as == 0)
            pres[n_pres++] = &v.hs[i];
    }
    for (size_t k = 0; k < gn; k++) {
        if (v.obj_of[k] == NO_OBJ)
            continue;
        const held *h = &v.hs[v.obj_of[k]];
        cg_objref ref = member_ref(ck, &v, k);
        if (h->ref.kind == CG_KIND_CERT && h->e->has_scts)
            check_scts(ck, &ref, &h->cert, pres, n_pres);
        const ca_cert *sca = h->cert.is_precert ? signing_ca_of(ck, &h->cert) : NULL;
        /* The rule table dates the sunset (TLS BRs §7.1.2.4: 2026-03-15). */
        if (sca != NULL && cg_rule_in_force(CG_R_CT_PRECERT_SIGNING_CA_AFTER_SUNSET, ref.issued)) {
            char nb[32];
            cg_time_format(h->cert.not_before_t, nb, sizeof(nb));
            cg_report(ck->ctx, CG_R_CT_PRECERT_SIGNING_CA_AFTER_SUNSET, &ref,
                      "issued %s by a Precertificate Signing Certificate; these may not be "
                      "used after 2026-03-15",
                      nb);
        }
    }
out:
    for (size_t k = 0; k < v.m; k++)
        free(v.hs[k].der);
    free(v.hs);
    free(v.obj_of);
    free(by_sha);
    free(pres);
}

/* The CRL rules that need the CAs, certificates and other CRLs given. */
static void finish_crls(cg_checker *ck)
{
    cg_crl_ca *cas = ck->n_cas > 0 ? calloc(ck->n_cas, sizeof(*cas)) : NULL;
    size_t n = cas != NULL ? ck->n_cas : 0;
    for (size_t i = 0; i < n; i++)
        cas[i] = (cg_crl_ca){&ck->cas[i].cert, ck->cas[i].key};
    cg_crl_cross_finish(ck->crl_cross, cas, n);
    free(cas);
}

void cg_checker_inputs_held(cg_checker *ck)
{
    ck->inputs_held = 1;
}

void cg_checker_finish(cg_checker *ck)
{
    size_t n = ck->n_entries;
    group_span *groups = NULL;
    size_t n_groups = 0, cap_groups = 0;
    entry **order = n > 0 ? malloc(n * sizeof(*order)) : NULL;
    if (n == 0 || order == NULL)
        goto out;
    /* Group key: the effective issuer (a Precertificate Signing CA stands
     * for the CA above it) and the serial. */
    for (size_t i = 0; i < n; i++) {
        entry *e = &ck->entries[i];
        uint64_t issuer = e->issuer_hash;
        for (size_t c = 0; c < ck->n_cas; c++) {
            if (ck->cas[c].precert_signing &&
                cg_name_hash_bytes(&ck->cas[c].cert.subject) == issuer) {
                issuer = cg_name_hash_bytes(&ck->cas[c].cert.issuer);
                e->needed = 1; /* signing_ca_after_sunset */
            }
        }
        e->needed |= e->has_scts && e->kind == CG_KIND_CERT;
        e->group_hash =
            cg_fnv1a(cg_fnv1a(CG_FNV1A_INIT, &issuer, 8), e->serial, e->serial_len);
        order[i] = e;
    }
    qsort(order, n, sizeof(*order), cmp_group);
    /* The groups that need a second look, visited in the order their first
     * member appears in the input, so the files are read roughly once. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && order[j]->group_hash == order[i]->group_hash)
            j++;
        qsort(order + i, j - i, sizeof(*order), cmp_file_order);
        int needed = j - i >= 2;
        for (size_t k = i; k < j; k++)
            needed |= order[k]->needed;
        if (needed && cg_grow((void **)&groups, &cap_groups, n_groups + 1, sizeof(*groups)))
            groups[n_groups++] = (group_span){i, j - i, order[i]};
        i = j;
    }
    if (n_groups > 0)
        qsort(groups, n_groups, sizeof(*groups), cmp_span);
    for (size_t gi = 0; gi < n_groups; gi++)
        check_span(ck, order + groups[gi].start, groups[gi].n);
out:
    free(groups);
    free(order);
    finish_crls(ck);
}
