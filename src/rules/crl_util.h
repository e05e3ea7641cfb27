/* What the single-CRL rules (crl_single.c) and the rules that hold a CRL
 * against its CA, its certificates and earlier CRLs (crl_cross.c) share: a
 * CRL's scope from its issuingDistributionPoint (RFC 5280 §5.2.5), the
 * nextUpdate limit, reasonCode, and a set of serials over the CRL's own
 * bytes. */
#ifndef CAGUARD_RULES_CRL_UTIL_H
#define CAGUARD_RULES_CRL_UTIL_H

#include <stdint.h>

#include "der/cbs.h"
#include "rules/rules.h"
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

/* crl.validity_too_long (TLS BRs §4.9.7): 10 days for a subscriber CRL,
 * 365 for a CA CRL. IDP onlyContainsCACerts makes a CA CRL and
 * onlyContainsUserCerts a subscriber CRL; a CRL that says neither is a CA
 * CRL only when its issuer is a self-signed root, which needs the CA. */
typedef enum {
    CG_CRL_SPAN_OK,         /* within its limit, or no span to judge */
    CG_CRL_SPAN_TOO_LONG,   /* over its limit whoever the issuer is */
    CG_CRL_SPAN_UNLESS_ROOT /* over 10 days, within 365, no IDP scope: too long
                               unless the issuer is a self-signed root */
} cg_crl_span;
cg_crl_span cg_crl_span_class(const cg_crl *crl);
/* Reports crl.validity_too_long; why says which limit applies and why. */
void cg_crl_report_validity_too_long(cg_ctx *ctx, const cg_objref *obj, const cg_crl *crl,
                                     const char *why);

/* reasonCode extnValue (one ENUMERATED, 0..255). Returns 1, or 0 with
 * *what naming what was expected. */
int cg_crl_reason_decode(const cg_cbs *value, unsigned *code, const char **what);
/* "keyCompromise" for 1; NULL for a value RFC 5280 does not assign. */
const char *cg_crl_reason_name(unsigned code);
/* 1 and *code when the entry carries a reasonCode that decodes. */
int cg_crl_entry_reason(const cg_crl_entry *e, unsigned *code);

/* Open-addressing set of the serials of one CRL. A slot holds the offset of
 * an entry from the start of the CRL's DER (never 0: that is the
 * CertificateList header), so the table holds no copies and costs 4 bytes
 * a slot, about a third of the list's size; a serial is read back from the
 * DER when a slot is probed. The DER must outlive the set. */
typedef struct cg_crl_serial_set {
    uint32_t *slot;
    size_t cap;
    size_t used;
    cg_cbs der;
} cg_crl_serial_set;

/* Sizes the table for crl's revokedCertificates. Returns 0 (and every add
 * and find then does nothing) when there are no entries, the CRL is over
 * 4 GiB or memory runs out. */
int cg_crl_serial_set_init(cg_crl_serial_set *set, const cg_crl *crl);
void cg_crl_serial_set_free(cg_crl_serial_set *set);
/* Returns the offset of an earlier entry with e's serial, or 0 after
 * remembering e (an entry of the CRL the set was made for). */
uint32_t cg_crl_serial_set_add(cg_crl_serial_set *set, const cg_crl_entry *e);
/* The offset of the entry with this serial, or 0. */
uint32_t cg_crl_serial_set_find(const cg_crl_serial_set *set, const cg_cbs *serial);

#endif
