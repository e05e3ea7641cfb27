/* CertificateList view (RFC 5280 §5.1). revokedCertificates is kept as one
 * slice and streamed by cg_crl_next_entry, so a CRL of a million entries
 * costs no memory beyond its bytes. */
#include "x509/time.h"
#include "x509/x509.h"
#include "x509/x509_internal.h"

#include <stdio.h>
#include <string.h>


int cg_crl_parse(cg_crl *c, const uint8_t *der, size_t len, cg_der_error *err)
{
    const uint8_t *base = der;
    cg_cbs in, crl, tbs, tmp;
    int present;
    memset(c, 0, sizeof(*c));
    cg_cbs_init(&in, der, len);
    if (!cg_cbs_get_asn1_element(&in, &c->der, CG_ASN1_SEQUENCE))
        FAIL(&in, "a CertificateList SEQUENCE");
    crl = c->der;
    cg_cbs_get_asn1(&crl, &crl, CG_ASN1_SEQUENCE);
    if (!cg_cbs_get_asn1_element(&crl, &c->tbs, CG_ASN1_SEQUENCE))
        FAIL(&crl, "a TBSCertList SEQUENCE");
    tbs = c->tbs;
    cg_cbs_get_asn1(&tbs, &tbs, CG_ASN1_SEQUENCE);

    if (cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_INTEGER)) {
        c->has_version = 1;
        if (!cg_cbs_get_asn1_uint64(&tbs, &c->version_num))
            FAIL(&tbs, "version as a small non-negative INTEGER");
    }
    if (!cg_cbs_get_asn1_element(&tbs, &c->tbs_sig_alg, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the signature AlgorithmIdentifier");
    if (!cg_cbs_get_asn1_element(&tbs, &c->issuer, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the issuer Name");
    if (!cg_x509_read_time(&tbs, &c->this_update, &c->this_update_t, &c->this_update_flags,
                           base, err, "thisUpdate as UTCTime or GeneralizedTime"))
        return 0;
    if (cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_UTCTIME) ||
        cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_GENERALIZEDTIME)) {
        if (!cg_x509_read_time(&tbs, &c->next_update, &c->next_update_t,
                               &c->next_update_flags, base, err,
                               "nextUpdate as UTCTime or GeneralizedTime"))
            return 0;
        c->has_next_update = 1;
    }
    if (!cg_cbs_get_optional_asn1(&tbs, &c->revoked, &present, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "revokedCertificates SEQUENCE OF");
    c->has_revoked = present;
    if (!cg_cbs_get_optional_asn1_element(&tbs, &c->extensions, &present, CG_ASN1_CTX_CONS(0)))
        FAIL(&tbs, "the [0] crlExtensions");
    if (present) {
        tmp = c->extensions;
        cg_cbs seq;
        cg_cbs_get_asn1(&tmp, &tmp, CG_ASN1_CTX_CONS(0));
        if (!cg_cbs_get_asn1(&tmp, &seq, CG_ASN1_SEQUENCE) || tmp.len != 0)
            FAIL(&tmp, "one Extensions SEQUENCE inside [0]");
        if (!cg_x509_read_extensions(seq, c->ext, &c->n_ext, base, err))
            return 0;
    }
    if (tbs.len != 0)
        FAIL(&tbs, "the end of TBSCertList");
    if (!cg_cbs_get_asn1_element(&crl, &c->sig_alg, CG_ASN1_SEQUENCE))
        FAIL(&crl, "the signatureAlgorithm");
    if (!cg_cbs_get_asn1(&crl, &c->signature, CG_ASN1_BITSTRING) || c->signature.len == 0)
        FAIL(&crl, "the signatureValue BIT STRING");
    if (crl.len != 0)
        FAIL(&crl, "the end of CertificateList");
    return 1;
}

int cg_crl_next_entry(cg_cbs *iter, cg_crl_entry *out, const uint8_t *base, cg_der_error *err)
{
    cg_cbs copy = *iter, e;
    err->what[0] = '\0';
    if (iter->len == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    if (!cg_cbs_get_asn1_element(&copy, &out->raw, CG_ASN1_SEQUENCE))
        FAIL(iter, "a revokedCertificates entry SEQUENCE");
    e = out->raw;
    cg_cbs_get_asn1(&e, &e, CG_ASN1_SEQUENCE);
    if (!cg_cbs_get_asn1(&e, &out->serial, CG_ASN1_INTEGER) || out->serial.len == 0)
        FAIL(&e, "the entry's userCertificate serial INTEGER");
    if (!cg_x509_read_time(&e, &out->revocation_date, &out->revocation_t,
                           &out->revocation_flags, base, err,
                           "the entry's revocationDate as UTCTime or GeneralizedTime"))
        return 0;
    if (e.len > 0) {
        if (!cg_cbs_get_asn1(&e, &out->extensions, CG_ASN1_SEQUENCE) || e.len != 0)
            FAIL(&e, "crlEntryExtensions SEQUENCE and the end of the entry");
        out->has_extensions = 1;
    }
    *iter = copy;
    return 1;
}
