/* Certificate and precertificate view (RFC 5280 §4.1), read straight down
 * the schema with the strict DER getters. */
#include "x509/oid.h"
#include "x509/time.h"
#include "x509/x509.h"
#include "x509/x509_internal.h"

#include <stdio.h>
#include <string.h>


const char *cg_kind_name(cg_kind kind)
{
    switch (kind) {
    case CG_KIND_CERT: return "certificate";
    case CG_KIND_PRECERT: return "precertificate";
    case CG_KIND_CRL: return "crl";
    case CG_KIND_INCIDENT: return "incident";
    default: return "input";
    }
}

int cg_oid_equal(const cg_cbs *oid, const uint8_t *der, size_t len)
{
    return cg_cbs_mem_equal(oid, der, len);
}

void cg_oid_to_string(const cg_cbs *oid, char *buf, size_t cap)
{
    size_t n = 0;
    uint64_t v = 0;
    int first = 1;
    buf[0] = '\0';
    for (size_t i = 0; i < oid->len && n < cap; i++) {
        if (v > (UINT64_MAX >> 7)) {
            snprintf(buf, cap, "(oversized OID)");
            return;
        }
        v = (v << 7) | (oid->data[i] & 0x7f);
        if (oid->data[i] & 0x80)
            continue;
        int w;
        if (first) {
            uint64_t a = v < 80 ? v / 40 : 2;
            w = snprintf(buf + n, cap - n, "%llu.%llu", (unsigned long long)a,
                         (unsigned long long)(v - a * 40));
            first = 0;
        } else {
            w = snprintf(buf + n, cap - n, ".%llu", (unsigned long long)v);
        }
        if (w < 0)
            return;
        n += (size_t)w;
        v = 0;
    }
}

int cg_ext_next(cg_cbs *iter, cg_ext *out)
{
    cg_cbs copy = *iter, ext, oid, value;
    int present, crit = 0;
    cg_cbs crit_elem;
    if (!cg_cbs_get_asn1_element(&copy, &out->raw, CG_ASN1_SEQUENCE))
        return 0;
    ext = out->raw;
    if (!cg_cbs_get_asn1(&ext, &ext, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&ext, &oid, CG_ASN1_OBJECT) || oid.len == 0)
        return 0;
    if (!cg_cbs_get_optional_asn1_element(&ext, &crit_elem, &present, CG_ASN1_BOOLEAN))
        return 0;
    if (present && !cg_cbs_get_asn1_bool(&crit_elem, &crit))
        return 0;
    if (!cg_cbs_get_asn1(&ext, &value, CG_ASN1_OCTETSTRING) || ext.len != 0)
        return 0;
    out->oid = oid;
    out->critical = crit;
    out->critical_false_encoded = present && !crit;
    out->value = value;
    *iter = copy;
    return 1;
}

int cg_x509_read_extensions(cg_cbs seq_contents, cg_ext *ext, size_t *n, const uint8_t *base,
                           cg_der_error *err)
{
    *n = 0;
    if (seq_contents.len == 0)
        FAIL(&seq_contents, "at least one Extension (RFC 5280: SIZE (1..MAX))");
    while (seq_contents.len > 0) {
        if (*n == CG_MAX_EXTENSIONS)
            FAIL(&seq_contents, "at most 64 extensions");
        if (!cg_ext_next(&seq_contents, &ext[*n]))
            FAIL(&seq_contents, "an Extension SEQUENCE { OID, BOOLEAN DEFAULT FALSE, "
                                "OCTET STRING }");
        (*n)++;
    }
    return 1;
}

int cg_x509_read_time(cg_cbs *in, cg_cbs *elem, int64_t *t, unsigned *flags,
                      const uint8_t *base, cg_der_error *err, const char *what)
{
    cg_cbs copy = *in;
    if (!cg_cbs_get_any_asn1_element(&copy, elem, NULL, NULL) || !cg_time_parse(elem, t, flags))
        FAIL(in, what);
    *in = copy;
    return 1;
}

int cg_cert_parse(cg_cert *c, const uint8_t *der, size_t len, cg_der_error *err)
{
    const uint8_t *base = der;
    cg_cbs in, cert, tbs, tmp;
    int present;
    memset(c, 0, sizeof(*c));
    cg_cbs_init(&in, der, len);
    if (!cg_cbs_get_asn1_element(&in, &c->der, CG_ASN1_SEQUENCE))
        FAIL(&in, "a Certificate SEQUENCE");
    cert = c->der;
    cg_cbs_get_asn1(&cert, &cert, CG_ASN1_SEQUENCE);
    if (!cg_cbs_get_asn1_element(&cert, &c->tbs, CG_ASN1_SEQUENCE))
        FAIL(&cert, "a TBSCertificate SEQUENCE");
    tbs = c->tbs;
    cg_cbs_get_asn1(&tbs, &tbs, CG_ASN1_SEQUENCE);

    if (!cg_cbs_get_optional_asn1_element(&tbs, &c->version, &present, CG_ASN1_CTX_CONS(0)))
        FAIL(&tbs, "a [0] version");
    if (present) {
        tmp = c->version;
        cg_cbs_get_asn1(&tmp, &tmp, CG_ASN1_CTX_CONS(0));
        if (!cg_cbs_get_asn1_uint64(&tmp, &c->version_num) || tmp.len != 0 ||
            c->version_num > 2)
            FAIL(&c->version, "version v2 or v3 as a small INTEGER");
    }
    if (!cg_cbs_get_asn1(&tbs, &c->serial, CG_ASN1_INTEGER) || c->serial.len == 0)
        FAIL(&tbs, "the serialNumber INTEGER");
    if (!cg_cbs_get_asn1_element(&tbs, &c->tbs_sig_alg, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the signature AlgorithmIdentifier");
    if (!cg_cbs_get_asn1_element(&tbs, &c->issuer, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the issuer Name");
    if (!cg_cbs_get_asn1_element(&tbs, &c->validity, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the Validity SEQUENCE");
    tmp = c->validity;
    cg_cbs_get_asn1(&tmp, &tmp, CG_ASN1_SEQUENCE);
    if (!cg_x509_read_time(&tmp, &c->not_before, &c->not_before_t, &c->not_before_flags, base, err,
                   "notBefore as UTCTime or GeneralizedTime") ||
        !cg_x509_read_time(&tmp, &c->not_after, &c->not_after_t, &c->not_after_flags, base, err,
                   "notAfter as UTCTime or GeneralizedTime"))
        return 0;
    if (tmp.len != 0)
        FAIL(&tmp, "the end of Validity");
    if (!cg_cbs_get_asn1_element(&tbs, &c->subject, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the subject Name");
    if (!cg_cbs_get_asn1_element(&tbs, &c->spki, CG_ASN1_SEQUENCE))
        FAIL(&tbs, "the SubjectPublicKeyInfo");
    if (!cg_cbs_get_optional_asn1_element(&tbs, &c->issuer_uid, &present, CG_ASN1_CTX(1)) ||
        !cg_cbs_get_optional_asn1_element(&tbs, &c->subject_uid, &present, CG_ASN1_CTX(2)))
        FAIL(&tbs, "issuerUniqueID / subjectUniqueID");
    if (!cg_cbs_get_optional_asn1_element(&tbs, &c->extensions, &present, CG_ASN1_CTX_CONS(3)))
        FAIL(&tbs, "the [3] extensions");
    if (present) {
        tmp = c->extensions;
        cg_cbs_get_asn1(&tmp, &tmp, CG_ASN1_CTX_CONS(3));
        cg_cbs seq;
        if (!cg_cbs_get_asn1(&tmp, &seq, CG_ASN1_SEQUENCE) || tmp.len != 0)
            FAIL(&tmp, "one Extensions SEQUENCE inside [3]");
        c->extensions_empty = seq.len == 0;
        if (!c->extensions_empty && !cg_x509_read_extensions(seq, c->ext, &c->n_ext, base, err))
            return 0;
    }
    if (tbs.len != 0)
        FAIL(&tbs, "the end of TBSCertificate");
    if (!cg_cbs_get_asn1_element(&cert, &c->sig_alg, CG_ASN1_SEQUENCE))
        FAIL(&cert, "the signatureAlgorithm");
    if (!cg_cbs_get_asn1(&cert, &c->signature, CG_ASN1_BITSTRING) || c->signature.len == 0)
        FAIL(&cert, "the signatureValue BIT STRING");
    if (cert.len != 0)
        FAIL(&cert, "the end of Certificate");
    size_t n_poison = 0;
    cg_cert_find_ext(c, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON), &n_poison);
    c->is_precert = n_poison > 0;
    return 1;
}

int cg_cert_peek_issuer(const uint8_t *der, size_t len, cg_cbs *issuer)
{
    cg_cbs in, cert, tbs, skip;
    int present;
    cg_cbs_init(&in, der, len);
    return cg_cbs_get_asn1(&in, &cert, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_asn1(&cert, &tbs, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_optional_asn1_element(&tbs, &skip, &present, CG_ASN1_CTX_CONS(0)) &&
           cg_cbs_get_asn1(&tbs, &skip, CG_ASN1_INTEGER) &&
           cg_cbs_get_asn1_element(&tbs, &skip, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_asn1_element(&tbs, issuer, CG_ASN1_SEQUENCE);
}

static const cg_ext *find_ext(const cg_ext *ext, size_t n, const uint8_t *oid, size_t oid_len,
                              size_t *count)
{
    const cg_ext *first = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (cg_oid_equal(&ext[i].oid, oid, oid_len)) {
            if (first == NULL)
                first = &ext[i];
            k++;
        }
    }
    if (count != NULL)
        *count = k;
    return first;
}

const cg_ext *cg_cert_find_ext(const cg_cert *cert, const uint8_t *oid, size_t oid_len,
                               size_t *count)
{
    return find_ext(cert->ext, cert->n_ext, oid, oid_len, count);
}

const cg_ext *cg_crl_find_ext(const cg_crl *crl, const uint8_t *oid, size_t oid_len,
                              size_t *count)
{
    return find_ext(crl->ext, crl->n_ext, oid, oid_len, count);
}

int cg_ext_aki_keyid(const cg_ext *ext, cg_cbs *keyid)
{
    cg_cbs v, seq;
    int present;
    if (ext == NULL)
        return 0;
    v = ext->value;
    return cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_optional_asn1(&seq, keyid, &present, CG_ASN1_CTX(0)) && present;
}

int cg_ext_ski(const cg_ext *ext, cg_cbs *keyid)
{
    cg_cbs v;
    if (ext == NULL)
        return 0;
    v = ext->value;
    return cg_cbs_get_asn1(&v, keyid, CG_ASN1_OCTETSTRING);
}

int cg_ext_aki_build(const cg_cbs *keyid, uint8_t *buf, size_t cap, cg_ext *out)
{
    cg_cbb cbb, ext, val, seq, id;
    cg_cbs in;
    size_t n = 0;
    cg_cbb_init_fixed(&cbb, buf, cap);
    if (!cg_cbb_add_asn1(&cbb, &ext, CG_ASN1_SEQUENCE) ||
        !cg_cbb_add_asn1_header(&ext, CG_ASN1_OBJECT, sizeof(CG_OID_AKI)) ||
        !cg_cbb_add_bytes(&ext, CG_OID_AKI, sizeof(CG_OID_AKI)) ||
        !cg_cbb_add_asn1(&ext, &val, CG_ASN1_OCTETSTRING) ||
        !cg_cbb_add_asn1(&val, &seq, CG_ASN1_SEQUENCE) ||
        !cg_cbb_add_asn1(&seq, &id, CG_ASN1_CTX(0)) ||
        !cg_cbb_add_bytes(&id, keyid->data, keyid->len) || !cg_cbb_finish(&cbb, &n))
        return 0;
    cg_cbs_init(&in, buf, n);
    return cg_ext_next(&in, out);
}

cg_kind cg_guess_kind(const uint8_t *der, size_t len)
{
    /* TBSCertificate: [0]? INTEGER AlgId Name Validity(SEQUENCE) ...
     * TBSCertList:    INTEGER? AlgId Name Time ...
     * The element after the issuer Name decides. */
    cg_cbs in, outer, tbs, skip;
    cg_cbs_init(&in, der, len);
    if (!cg_cbs_get_asn1(&in, &outer, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&outer, &tbs, CG_ASN1_SEQUENCE))
        return CG_KIND_INPUT;
    if (cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_CTX_CONS(0)))
        return CG_KIND_CERT;
    if (!cg_cbs_get_asn1(&tbs, &skip, CG_ASN1_INTEGER))
        return cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_SEQUENCE) ? CG_KIND_CRL : CG_KIND_INPUT;
    if (!cg_cbs_get_asn1(&tbs, &skip, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&tbs, &skip, CG_ASN1_SEQUENCE))
        return CG_KIND_INPUT;
    if (cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_SEQUENCE))
        return CG_KIND_CERT;
    if (cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_UTCTIME) ||
        cg_cbs_peek_asn1_tag(&tbs, CG_ASN1_GENERALIZEDTIME))
        return CG_KIND_CRL;
    return CG_KIND_INPUT;
}

int cg_cert_is_ca(const cg_cert *cert)
{
    const cg_ext *bc = cg_cert_find_ext(cert, CG_OID_BASIC_CONSTRAINTS,
                                        sizeof(CG_OID_BASIC_CONSTRAINTS), NULL);
    cg_cbs v, seq;
    int ca = 0;
    if (bc == NULL)
        return 0;
    v = bc->value;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE))
        return 0;
    if (cg_cbs_peek_asn1_tag(&seq, CG_ASN1_BOOLEAN) && !cg_cbs_get_asn1_bool(&seq, &ca))
        return 0;
    return ca;
}

int cg_cert_is_precert_signing(const cg_cert *cert)
{
    const cg_ext *eku = cg_cert_find_ext(cert, CG_OID_EKU, sizeof(CG_OID_EKU), NULL);
    cg_cbs v, seq, oid;
    if (eku == NULL)
        return 0;
    v = eku->value;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE))
        return 0;
    while (cg_cbs_get_asn1(&seq, &oid, CG_ASN1_OBJECT)) {
        if (cg_oid_equal(&oid, CG_OID_CT_PRECERT_SIGNING, sizeof(CG_OID_CT_PRECERT_SIGNING)))
            return 1;
    }
    return 0;
}
