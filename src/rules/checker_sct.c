/* The SCT checks of pass 2 (checker_internal.h): the issuing CA of a
 * certificate found among the inputs and confirmed by its signature, the
 * precertificate entry a log signed rebuilt from the certificate, each
 * embedded SCT verified against its log and, when it fails, tried against
 * the other precertificates of the serial to say which one it was issued
 * for; then the CT policies. */
#include "rules/checker_internal.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/loglist.h"
#include "ct/policy.h"
#include "ct/sct.h"
#include "rules/keycache.h"
#include "util/hex.h"
#include "x509/oid.h"
#include "x509/sig.h"
#include "x509/time.h"

/* keyIdentifier of an AKI, or the SKI's OCTET STRING contents. */
static int aki_keyid(const cg_cert *c, cg_cbs *out)
{
    return cg_ext_aki_keyid(cg_cert_find_ext(c, CG_OID_AKI, sizeof(CG_OID_AKI), NULL), out);
}

static int ski(const cg_cert *c, cg_cbs *out)
{
    return cg_ext_ski(cg_cert_find_ext(c, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), out);
}

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

const ca_cert *cg_ck_find_issuer(const cg_checker *ck, const cg_cert *cert,
                                 const uint8_t *tbs_sha256)
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
    if (signed_cert && tbs_sha256 != NULL)
        cg_sig_tbs_sha256(&sig, tbs_sha256);
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

/* The TBS a log signed for this object's precertificate entry, in a new
 * buffer. A precertificate from a Precertificate Signing CA was logged with
 * the final CA's issuer Name and an AKI naming the final CA's key (RFC 6962
 * §3.1). */
static uint8_t *entry_tbs(const cg_checker *ck, const cg_cert *c, size_t *len)
{
    const ca_cert *sca = c->is_precert ? cg_ck_signing_ca_of(ck, c) : NULL;
    const cg_cbs *issuer = sca != NULL ? &sca->cert.issuer : NULL;
    /* The signer's issuer, confirmed by its signature: a CA with the same
     * Name and another key among the inputs would give the wrong AKI. */
    const ca_cert *final_ca = sca != NULL ? cg_ck_find_issuer(ck, &sca->cert, NULL) : NULL;
    uint8_t akibuf[128];
    cg_ext aki, *akip = NULL;
    cg_cbs keyid;
    if (final_ca != NULL && ski(&final_ca->cert, &keyid) && keyid.len <= 64 &&
        cg_ext_aki_build(&keyid, akibuf, sizeof(akibuf), &aki))
        akip = &aki;
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
void cg_ck_check_scts(cg_checker *ck, const cg_objref *ref, const cg_cert *cert,
                      const uint8_t *tbs_sha256, const held *const *pres, size_t n_pres)
{
    cg_ctx *ctx = ck->ctx;
    const cg_ext *ext =
        cg_cert_find_ext(cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    cg_policy_sct psct[64];
    size_t n_psct = 0;
    char name[256], why[256];
    if (ext == NULL || cert->is_precert || !cg_sct_list_open(&list, &ext->value, &err))
        return;
    const ca_cert *issuer = cg_ck_find_issuer(ck, cert, tbs_sha256);
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
        const cg_log *log =
            ctx->loglist != NULL ? cg_loglist_find(ctx->loglist, sct.log_id.data) : NULL;
        if (ctx->loglist != NULL && log == NULL)
            cg_report(ctx, CG_R_CT_SCT_UNKNOWN_LOG, ref, "SCT %zu: %s is not in the log list", i,
                      name);
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
                        cg_sct_verify_precert(ck->verifier, &sct, issuer->spki_hash, otbs, olen,
                                              w2, sizeof(w2)) == CG_SCT_VALID)
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
const ca_cert *cg_ck_signing_ca_of(const cg_checker *ck, const cg_cert *pre)
{
    for (size_t i = 0; i < ck->n_cas; i++) {
        if (ck->cas[i].precert_signing && cg_cbs_equal(&ck->cas[i].cert.subject, &pre->issuer))
            return &ck->cas[i];
    }
    return NULL;
}
