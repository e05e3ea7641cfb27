/* The issuance gate's unsigned inputs: a TBSCertificate or TBSCertList
 * that is not signed yet, wrapped as the certificate or CRL it will become
 * (the TBS, its own signature AlgorithmIdentifier, an empty BIT STRING),
 * so the views and every rule read it as they read the signed object. The
 * empty signature says it is unsigned: the checker then matches its issuer
 * by Name and key identifier alone. */
#ifndef CAGUARD_X509_TBS_H
#define CAGUARD_X509_TBS_H

#include <stddef.h>
#include <stdint.h>

/* tbs is one DER TBSCertificate (crl 0) or TBSCertList (crl 1). Returns a
 * new buffer (free()) holding the wrapped object and its length in
 * *out_len, or NULL with what is wrong in err. */
uint8_t *cg_tbs_wrap(const uint8_t *tbs, size_t len, int crl, size_t *out_len, char *err,
                     size_t errcap);

/* 1 when der is one bare DER TBSCertificate ([0] version or INTEGER serial,
 * AlgorithmIdentifier, Name, then a Validity SEQUENCE), not a Certificate
 * or a CRL: what caguard check wraps before checking it. */
int cg_tbs_is_bare(const uint8_t *der, size_t len);

#endif
