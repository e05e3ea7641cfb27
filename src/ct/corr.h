/* Precertificate/certificate correspondence (RFC 6962 §3.1): the final
 * TBSCertificate must equal the precertificate's with the poison extension
 * removed and the SCT list extension added, byte for byte. */
#ifndef CAGUARD_CT_CORR_H
#define CAGUARD_CT_CORR_H

#include <stddef.h>

#include "x509/x509.h"

struct evp_md_st;

typedef struct cg_corr {
    int corresponds;          /* nothing differs */
    int validity_differs;     /* notBefore or notAfter differ */
    char validity[256];       /* how, when validity_differs */
    int other_differs;        /* a field other than validity differs */
    char first[512];          /* the first other field that differs, and how */
} cg_corr;

/* Compares pre (a precertificate) with fin (a final certificate or another
 * precertificate). via_signing_cert: pre was issued by a Precertificate
 * Signing Certificate, so its issuer and AKI legitimately differ. */
void cg_corr_compare(const cg_cert *pre, const cg_cert *fin, int via_signing_cert, cg_corr *out);

/* 1 when the two TBS are equal once the poison and SCT list extensions are
 * skipped wherever they stand: the same precertificate. (Two final
 * certificates are the same only when their whole TBS is.) */
int cg_corr_same_tbs(const cg_cert *a, const cg_cert *b);

/* A SHA-256 over exactly what cg_corr_compare compares (the TBS fields with
 * the poison and SCT list extensions skipped; issuer and AKI value left out
 * when via_signing_cert): a precertificate and a certificate that
 * correspond, or two copies of one precertificate, have the same key, so
 * objects sharing a serial are matched by sorting keys instead of comparing
 * every pair. Equal keys are confirmed with cg_corr_compare. sha256:
 * SHA-256 fetched once by a caller that keys many objects (OpenSSL 3's
 * SHA256() looks it up on every call), or NULL for SHA256(). 0 when out of
 * memory or OpenSSL failed. */
int cg_corr_key(const cg_cert *c, int via_signing_cert, const struct evp_md_st *sha256,
                uint8_t key[32]);

#endif
