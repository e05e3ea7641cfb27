/* A CRL's scope, read from its issuingDistributionPoint (RFC 5280 §5.2.5).
 * The single-CRL rules need it (caCompromise, the 365-day limit) and so do
 * the rules that hold a CRL against certificates (idp_uri_mismatch). */
#ifndef CAGUARD_RULES_CRL_UTIL_H
#define CAGUARD_RULES_CRL_UTIL_H

#include "der/cbs.h"
#include "x509/x509.h"

/* Every slice points into the extnValue it was decoded from. */
typedef struct cg_crl_idp {
    int has_dp;            /* distributionPoint [0] present */
    int has_full_name;     /* it is a fullName, not nameRelativeToCRLIssuer */
    cg_cbs full_name;      /* contents of fullName: GeneralName elements */
    int has_relative_name; /* it is a nameRelativeToCRLIssuer */
    int only_user;         /* onlyContainsUserCerts TRUE */
    int only_ca;           /* onlyContainsCACerts TRUE */
    int has_some_reasons;  /* onlySomeReasons [3] present */
    int some_reasons_bad;  /* ... but not a primitive BIT STRING */
    cg_cbs some_reasons;   /* its contents (unused-bits octet first) */
    int indirect;          /* indirectCRL TRUE */
    int only_attr;         /* onlyContainsAttributeCerts TRUE */
    int explicit_default;  /* a BOOLEAN spells out its DEFAULT FALSE: not DER */
} cg_crl_idp;

/* Decodes an IDP extnValue. Returns 1, or 0 with *what naming what was
 * expected (a static string). */
int cg_crl_idp_decode(const cg_cbs *value, cg_crl_idp *idp, const char **what);

/* 1 when the CRL's IDP decodes and asserts onlyContainsCACerts (and not
 * also onlyContainsUserCerts, which leaves the scope undefined). Whether the
 * issuer is a self-signed root needs the CA certificate and is not asked. */
int cg_crl_is_ca_scope(const cg_crl *crl);

#endif
