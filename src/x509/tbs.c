/* Wrapping an unsigned TBS as the object it will become (tbs.h). Only the
 * fields in front of the signature AlgorithmIdentifier are read; the rules
 * judge the rest. */
#include "x509/tbs.h"

#include <stdio.h>
#include <stdlib.h>

#include "der/cbs.h"

uint8_t *cg_tbs_wrap(const uint8_t *tbs, size_t len, int crl, size_t *out_len, char *err,
                     size_t errcap)
{
    const char *what = crl ? "TBSCertList" : "TBSCertificate";
    cg_cbs in, elem, body, alg, skip;
    cg_cbs_init(&in, tbs, len);
    if (!cg_cbs_get_asn1_element(&in, &elem, CG_ASN1_SEQUENCE) || in.len != 0) {
        snprintf(err, errcap, "not one DER %s SEQUENCE", what);
        return NULL;
    }
    body = elem;
    if (!cg_cbs_get_asn1(&body, &body, CG_ASN1_SEQUENCE)) {
        snprintf(err, errcap, "not one DER %s SEQUENCE", what);
        return NULL;
    }
    /* TBSCertificate: [0] version, serialNumber, signature; TBSCertList:
     * version INTEGER OPTIONAL, signature. */
    if (!crl && cg_cbs_peek_asn1_tag(&body, CG_ASN1_CTX_CONS(0)) &&
        !cg_cbs_get_asn1(&body, &skip, CG_ASN1_CTX_CONS(0))) {
        snprintf(err, errcap, "bad %s version", what);
        return NULL;
    }
    if (crl && cg_cbs_peek_asn1_tag(&body, CG_ASN1_INTEGER) &&
        !cg_cbs_get_asn1(&body, &skip, CG_ASN1_INTEGER)) {
        snprintf(err, errcap, "bad %s version", what);
        return NULL;
    }
    if ((!crl && !cg_cbs_get_asn1(&body, &skip, CG_ASN1_INTEGER)) ||
        !cg_cbs_get_asn1_element(&body, &alg, CG_ASN1_SEQUENCE)) {
        snprintf(err, errcap,
                 crl ? "%s without a signature algorithm"
                     : "%s without serial and signature algorithm",
                 what);
        return NULL;
    }
    static const uint8_t empty_sig[] = {CG_ASN1_BITSTRING, 0x01, 0x00};
    size_t content = len + alg.len + sizeof(empty_sig);
    size_t cap = cg_der_header_len(content) + content;
    uint8_t *buf = malloc(cap);
    cg_cbb cbb, obj;
    if (buf == NULL) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    cg_cbb_init_fixed(&cbb, buf, cap);
    if (!cg_cbb_add_asn1(&cbb, &obj, CG_ASN1_SEQUENCE) || !cg_cbb_add_bytes(&obj, tbs, len) ||
        !cg_cbb_add_bytes(&obj, alg.data, alg.len) ||
        !cg_cbb_add_bytes(&obj, empty_sig, sizeof(empty_sig)) || !cg_cbb_finish(&cbb, out_len)) {
        free(buf);
        snprintf(err, errcap, "cannot wrap the %s", what);
        return NULL;
    }
    return buf;
}

int cg_tbs_is_bare(const uint8_t *der, size_t len)
{
    cg_cbs in, body, skip;
    cg_cbs_init(&in, der, len);
    if (!cg_cbs_get_asn1(&in, &body, CG_ASN1_SEQUENCE) || in.len != 0)
        return 0;
    if (cg_cbs_peek_asn1_tag(&body, CG_ASN1_CTX_CONS(0)) &&
        !cg_cbs_get_asn1(&body, &skip, CG_ASN1_CTX_CONS(0)))
        return 0;
    return cg_cbs_get_asn1(&body, &skip, CG_ASN1_INTEGER) &&
           cg_cbs_get_asn1(&body, &skip, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_asn1(&body, &skip, CG_ASN1_SEQUENCE) &&
           cg_cbs_peek_asn1_tag(&body, CG_ASN1_SEQUENCE);
}
