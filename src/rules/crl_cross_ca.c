/* A CRL against its CA: the CA found by AKI/SKI, then by Name (§7.1),
 * then by any key among the inputs, and confirmed by verifying the CRL's
 * signature over the raw tbsCertList (x509/sig.h: hashed once whatever the
 * number of keys tried); then the issuer Name against the CA's subject, the AKI
 * against its SKI, and whether a CRL without IDP scope may span a root's
 * 365 days. */
#include "rules/crl_cross_internal.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <string.h>

#include "x509/name.h"
#include "x509/oid.h"
#include "x509/sig.h"

/* ---- the issuing CA ---- */

static int crl_aki(const cg_crl *crl, cg_cbs *keyid)
{
    return cg_ext_aki_keyid(cg_crl_find_ext(crl, CG_OID_AKI, sizeof(CG_OID_AKI), NULL), keyid);
}

void cg_xc_ca_prepare(cg_crl_cross *xc, const cg_crl_ca *cas, size_t n_cas)
{
    xc->cas = cas;
    xc->n_cas = n_cas;
    xc->info = n_cas > 0 ? calloc(n_cas, sizeof(*xc->info)) : NULL;
    if (xc->info == NULL) {
        xc->n_cas = 0;
        return;
    }
    for (size_t i = 0; i < n_cas; i++) {
        ca_info *in = &xc->info[i];
        uint8_t sha[32];
        in->root = -1;
        in->has_ski = cg_ext_ski(
            cg_cert_find_ext(cas[i].cert, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), &in->ski);
        SHA256(cas[i].cert->der.data, cas[i].cert->der.len, sha);
        for (size_t k = 0; k < xc->n_certs && in->rec == NULL; k++) {
            if (xc->certs[k].is_ca && memcmp(xc->certs[k].sha256, sha, 32) == 0)
                in->rec = &xc->certs[k];
        }
    }
}

/* Self-signed: subject equal to issuer and signed by its own key. */
static int ca_self_signed(cg_crl_cross *xc, size_t i)
{
    ca_info *in = &xc->info[i];
    const cg_cert *c = xc->cas[i].cert;
    if (in->root >= 0)
        return in->root;
    in->root = 0;
    if (xc->cas[i].key != NULL && (cg_name_bytes_equal(&c->subject, &c->issuer) ||
                                   cg_name_equal(&c->subject, &c->issuer, NULL))) {
        const uint8_t *p = c->der.data;
        X509 *x = d2i_X509(NULL, &p, (long)c->der.len);
        in->root = x != NULL && X509_verify(x, xc->cas[i].key) == 1;
        X509_free(x);
        ERR_clear_error();
    }
    return in->root;
}

/* Whether the CA is a root: this certificate of it, or another with the
 * same subject and key (a root is often given beside its cross-signs). */
static int ca_is_root(cg_crl_cross *xc, size_t i)
{
    const cg_cert *c = xc->cas[i].cert;
    for (size_t j = 0; j < xc->n_cas; j++) {
        const cg_cert *o = xc->cas[j].cert;
        if ((j == i ||
             (cg_cbs_equal(&o->subject, &c->subject) && cg_cbs_equal(&o->spki, &c->spki))) &&
            ca_self_signed(xc, j))
            return 1;
    }
    return 0;
}

enum { BY_AKI_AND_NAME, BY_AKI, BY_NAME_BYTES, BY_NAME, BY_KEY_ONLY, BY_NOTHING };

typedef struct issuer_found {
    size_t ca;           /* when by < BY_NOTHING */
    int by;              /* how the signing CA was found */
    size_t n_candidates; /* CAs named by the AKI or the issuer Name */
    size_t first;        /* the best of them */
    int unsupported;     /* the signature could not be checked under it */
    char why[160];       /* why it did not verify under the best candidate */
} issuer_found;

/* How well CA i fits the CRL's AKI and issuer Name (BY_*). */
static int ca_fit(const cg_crl_cross *xc, size_t i, const cg_crl *crl, const cg_cbs *aki,
                  int have_aki)
{
    const ca_info *in = &xc->info[i];
    const cg_cert *c = xc->cas[i].cert;
    int key = have_aki && in->has_ski && cg_cbs_equal(aki, &in->ski);
    int bytes = cg_name_bytes_equal(&c->subject, &crl->issuer);
    if (key)
        return bytes ? BY_AKI_AND_NAME : BY_AKI;
    if (bytes)
        return BY_NAME_BYTES;
    return cg_name_equal(&c->subject, &crl->issuer, NULL) ? BY_NAME : BY_KEY_ONLY;
}

/* The CA whose key the CRL's signature verifies under: candidates by AKI
 * and Name first, best fit first, then any other CA among the inputs. */
static void find_issuer(cg_crl_cross *xc, const cg_crl *crl, cg_sig *sig, issuer_found *out)
{
    cg_cbs aki;
    int have_aki = crl_aki(crl, &aki);
    char why[160];
    memset(out, 0, sizeof(*out));
    out->by = BY_NOTHING;
    for (int by = BY_AKI_AND_NAME; by <= BY_KEY_ONLY; by++) {
        for (size_t i = 0; i < xc->n_cas; i++) {
            if (ca_fit(xc, i, crl, &aki, have_aki) != by)
                continue;
            if (by == BY_KEY_ONLY && out->unsupported)
                return;
            int st = cg_sig_verify(sig, xc->cas[i].key, why, sizeof(why));
            if (st == CG_SIG_OK) {
                out->ca = i;
                out->by = by;
                return;
            }
            if (by == BY_KEY_ONLY)
                continue;
            if (out->n_candidates++ == 0) {
                out->first = i;
                out->unsupported = st == CG_SIG_UNSUPPORTED;
                cg_xc_put_text(out->why, sizeof(out->why), "%s", why);
            }
        }
    }
}

/* The CRL against its CA: signature, issuer Name, AKI, nextUpdate limit.
 * Returns the subject of the CA when a finding on the issuer Name's
 * encoding already speaks for the certificates that carry it, else NULL. */
const cg_cbs *cg_xc_check_issuer(cg_crl_cross *xc, const scope *sc, held_crl *h)
{
    cg_ctx *ctx = xc->ctx;
    const cg_crl *crl = &h->crl;
    const cg_cbs *folded = NULL;
    cg_sig sig;
    issuer_found f;
    cg_cbs aki;
    int have_aki = crl_aki(crl, &aki);
    char ca[400], other[400], text[600], more[512], a[80], b[80], issuer[256];
    cg_sig_prepare(&sig, "CRL", &crl->tbs, &crl->sig_alg, &crl->signature);
    find_issuer(xc, crl, &sig, &f);
    h->rec->verified = f.by != BY_NOTHING;

    /* A signature whose own fields are broken (PKITS "Bad CRL Signature")
     * verifies under no key: the CA its Name and AKI point to is the CA, and
     * the CRL's signature is invalid. */
    if (f.by == BY_NOTHING && f.n_candidates > 0 && (!f.unsupported || sig.damaged)) {
        static const char *const fits[] = {
            [BY_AKI_AND_NAME] =
                "subject is the CRL's issuer and whose key identifier its AKI names",
            [BY_AKI] = "key identifier the CRL's AKI names",
            [BY_NAME_BYTES] = "subject is the CRL's issuer",
            [BY_NAME] = "subject equals the CRL's issuer under RFC 5280 §7.1",
            [BY_KEY_ONLY] = "",
        };
        cg_xc_ca_text(xc, f.first, ca, sizeof(ca));
        cg_xc_say(ctx, CG_R_CRL_SIGNATURE_INVALID, &h->ref,
                  "the signature does not verify under the key of %s, whose %s, nor under "
                  "any other CA among the inputs: %s",
                  ca, fits[ca_fit(xc, f.first, crl, &aki, have_aki)], f.why);
    } else if (f.by == BY_NOTHING) {
        if (f.n_candidates > 0) {
            cg_xc_ca_text(xc, f.first, ca, sizeof(ca));
            cg_xc_put_text(text, sizeof(text), "%s matches the CRL's issuer or AKI, but %s", ca,
                           f.why);
        } else if (sig.unsupported != NULL && xc->n_cas > 0) {
            cg_xc_put_text(
                text, sizeof(text),
                "no CA certificate among the inputs has the CRL's issuer Name or the key "
                "identifier its AKI names, and the signature cannot be tried under the "
                "others: %s",
                sig.unsupported);
        } else {
            cg_xc_put_text(text, sizeof(text),
                           xc->n_cas == 0
                               ? "no CA certificate is among the inputs"
                               : "no CA certificate among the inputs has the CRL's issuer "
                                 "Name, the key identifier its AKI names, or a key its "
                                 "signature verifies under");
        }
        cg_xc_say(ctx, CG_R_CRL_ISSUER_UNKNOWN, &h->ref,
                  "issuing CA not confirmed: %s; signature, issuer Name and AKI checks "
                  "against the CA skipped",
                  text);
    }

    if (f.by != BY_NOTHING) {
        const cg_cert *cac = xc->cas[f.ca].cert;
        cg_xc_ca_text(xc, f.ca, ca, sizeof(ca));
        more[0] = '\0';
        if (!cg_name_bytes_equal(&cac->subject, &crl->issuer)) {
            /* Covered certificates that carry the CA's encoding are the
             * ones a relying party keying CRLs by DER issuer will miss. */
            cg_cbs subj = cac->subject;
            for (size_t id = 0; id < xc->names.n; id++) {
                cg_cbs name = cg_xc_intern_get(&xc->names, (uint32_t)id);
                if (sc->name_n[id] > 0 && cg_cbs_equal(&name, &subj))
                    cg_xc_put_text(
                        more, sizeof(more),
                        "; %u covered certificate(s) among the inputs carry the CA's "
                        "encoding as their issuer (e.g. %s #%u), so relying parties that "
                        "find CRLs by DER issuer will not find this one for them",
                        sc->name_n[id], xc->certs[sc->name_first[id]].file,
                        xc->certs[sc->name_first[id]].index);
            }
        }
        if (f.by == BY_NAME ||
            (f.by == BY_AKI && cg_name_equal(&cac->subject, &crl->issuer, NULL))) {
            folded = &cac->subject;
            cg_xc_explain(&crl->issuer, &cac->subject, "the CA's subject", text, sizeof(text));
            cg_xc_say(ctx, CG_R_CRL_ISSUER_NAME_NOT_BYTE_IDENTICAL, &h->ref,
                      "the issuer Name equals the subject of %s, which signed this CRL, under "
                      "RFC 5280 §7.1 but is not byte-identical (TLS BRs §7.2.2): %s%s",
                      ca, text, more);
        } else if (f.by == BY_AKI || f.by == BY_KEY_ONLY) {
            cg_xc_explain(&crl->issuer, &cac->subject, "the CA's subject", text, sizeof(text));
            cg_xc_name_text(&crl->issuer, issuer, sizeof(issuer));
            cg_xc_say(ctx, CG_R_CRL_ISSUER_NAME_MISMATCH, &h->ref,
                      "signed by the key of %s, but the issuer Name \"%s\" is not that CA's "
                      "subject (RFC 5280 §5.1.2.3): %s%s",
                      ca, issuer, text, more);
        }
        const ca_info *in = &xc->info[f.ca];
        if (have_aki && in->has_ski && !cg_cbs_equal(&aki, &in->ski)) {
            cg_xc_hex_text(&aki, a, sizeof(a));
            cg_xc_hex_text(&in->ski, b, sizeof(b));
            more[0] = '\0';
            for (size_t i = 0; i < xc->n_cas; i++) {
                if (xc->info[i].has_ski && cg_cbs_equal(&xc->info[i].ski, &aki)) {
                    cg_xc_ca_text(xc, i, other, sizeof(other));
                    cg_xc_put_text(more, sizeof(more), "; it is the key identifier of %s", other);
                    break;
                }
            }
            cg_xc_say(ctx, CG_R_CRL_AKI_MISMATCH, &h->ref,
                      "authorityKeyIdentifier keyIdentifier %s is not the subjectKeyIdentifier "
                      "%s of %s, whose key signed this CRL (RFC 5280 §5.2.1)%s",
                      a, b, ca, more);
        }
    }

    if (h->rec->span != CG_CRL_SPAN_UNLESS_ROOT)
        return folded;
    if (f.by != BY_NOTHING && ca_is_root(xc, f.ca))
        return folded; /* a root's CRL: 365 days */
    if (f.by != BY_NOTHING)
        cg_xc_put_text(
            text, sizeof(text),
            "its issuer, %s, is not a self-signed root, and the CRL has no IDP "
            "onlyContainsCACerts, so it is a subscriber CRL and may span at most 10 days",
            ca);
    else
        cg_xc_put_text(
            text, sizeof(text),
            "the CRL has no IDP onlyContainsCACerts, and its issuer is not confirmed as a "
            "self-signed root among the inputs, so it is held to the subscriber limit of "
            "10 days (a root's CRL may span 365 days: give the root certificate too)");
    cg_crl_report_validity_too_long(ctx, &h->ref, crl, text);
    return folded;
}
