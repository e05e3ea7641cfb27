/* The certificate profile's extensions: basicConstraints, keyUsage,
 * extKeyUsage, certificatePolicies, authorityInformationAccess, CRL
 * distribution points, AKI, SKI, and the criticality each must have (TLS
 * BRs §7.1.2.1-7.1.2.11, RFC 5280 §4.2.1).
 *
 * Dates inside a rule: the BRs' 1.0 profile took effect 2012-07-01 (the
 * earliest date of every rule here); ballot SC-062's profiles 2023-09-15;
 * SC-063 (CRLs required, OCSP optional) 2024-03-15. */
#include <stdio.h>
#include <string.h>

#include "rules/cert_profile.h"
#include "x509/oid.h"

#define BR116 20130729 /* TLS BRs 1.1.6 */
#define BR171 20200820 /* TLS BRs 1.7.1 */
#define SC062 20230915
#define SC063 20240315
#define RFC8813 20200801 /* RFC 8813: no encipherment bits for an EC key */

enum { KU_DS = 1 << 0, KU_NR = 1 << 1, KU_KE = 1 << 2, KU_DE = 1 << 3, KU_KA = 1 << 4,
       KU_CERT = 1 << 5, KU_CRL = 1 << 6, KU_EO = 1 << 7, KU_DO = 1 << 8 };

static int is_ca(const cg_profile *p)
{
    return p->kind == CG_PROF_ROOT || p->kind == CG_PROF_SUBCA;
}

static const cg_ext *ext_at(const cg_profile *p, int i)
{
    return i >= 0 ? &p->cert->ext[i] : NULL;
}

/* uri starts with prefix (case-insensitive: a URI scheme) */
static int has_prefix(const cg_cbs *uri, const char *prefix)
{
    size_t n = strlen(prefix);
    return uri->len >= n && cg_prof_ieq(uri->data, prefix, n);
}

/* "http://..." (case-insensitive scheme) */
static int is_http(const cg_cbs *uri, int https_too)
{
    return has_prefix(uri, "http://") || (https_too && has_prefix(uri, "https://"));
}

int cg_prof_uri_host(const cg_cbs *uri, cg_cbs *host)
{
    const uint8_t *u = uri->data;
    size_t n = uri->len, i = 0, start, end;
    while (i < n && u[i] != ':' && u[i] != '/')
        i++;
    if (i + 3 > n || u[i] != ':' || u[i + 1] != '/' || u[i + 2] != '/')
        return 0;
    start = i + 3;
    /* one pass over the authority: the host follows the last '@' and ends
     * at the first ':' after it (the port) */
    size_t stop = 0;
    int digits = 1, port = 0;
    for (end = start; end < n && u[end] != '/' && u[end] != '?' && u[end] != '#'; end++) {
        if (u[end] == '@') {
            start = end + 1;
            digits = 1;
            port = 0;
        } else if (u[end] == ':' && !port) {
            stop = end;
            port = 1;
        } else if (!port) {
            digits &= (u[end] >= '0' && u[end] <= '9') || u[end] == '.';
        }
    }
    if (!port)
        stop = end;
    if (start < end && u[start] == '[')
        return 0; /* an IPv6 (or future) literal */
    if (stop <= start || digits)
        return 0; /* no host, or an IPv4 address */
    host->data = u + start;
    host->len = stop - start;
    return 1;
}

/* ---- basicConstraints ---- */

static void check_bc(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *bc = ext_at(p, p->x.bc);
    const char *what = cg_prof_kind_name(p);
    if (bc != NULL && !p->bc_ok) {
        cg_report_req(ctx, CG_R_CERT_BASIC_CONSTRAINTS_INVALID, p->obj, NULL, "encoding",
                      "basicConstraints does not decode as SEQUENCE { cA BOOLEAN DEFAULT FALSE, "
                      "pathLenConstraint INTEGER OPTIONAL }");
        return;
    }
    if (is_ca(p) && !bc->critical)
        cg_report_req(ctx, CG_R_CERT_BASIC_CONSTRAINTS_INVALID, p->obj, NULL, "ca_not_critical",
                      "basicConstraints of a %s is not marked critical", what);
    if (p->ku_ok && (p->ku_bits & KU_CERT) && !is_ca(p))
        cg_report_req(ctx, CG_R_CERT_BASIC_CONSTRAINTS_INVALID, p->obj, NULL,
                      bc == NULL ? "cert_sign_without_bc" : "cert_sign_without_ca",
                      "keyUsage asserts keyCertSign but basicConstraints %s; a certificate that "
                      "signs certificates must be a CA (RFC 5280 §4.2.1.9)",
                      bc == NULL ? "is absent" : "does not assert cA");
    if (bc != NULL && p->bc_has_pathlen &&
        (!p->bc_ca || (p->ku_ok && !(p->ku_bits & KU_CERT)) || p->x.ku < 0))
        cg_report_req(ctx, CG_R_CERT_PATH_LEN_CONSTRAINT_INVALID, p->obj, NULL,
                      "improperly_included",
                      "pathLenConstraint is present but %s; it is allowed only with cA TRUE and "
                      "keyCertSign (RFC 5280 §4.2.1.9)",
                      !p->bc_ca ? "cA is not asserted" : "keyCertSign is not asserted");
    if (bc != NULL && p->bc_pathlen_negative)
        cg_report_req(ctx, CG_R_CERT_PATH_LEN_CONSTRAINT_INVALID, p->obj, NULL, "negative",
                      "pathLenConstraint is negative; it is INTEGER (0..MAX) (RFC 5280 "
                      "§4.2.1.9)");
    if (bc != NULL && !is_ca(p) && !bc->critical && cg_prof_since(p, SC062))
        cg_report_req(ctx, CG_R_CERT_BASIC_CONSTRAINTS_INVALID, p->obj, NULL,
                      "subscriber_not_critical",
                      "basicConstraints of a %s issued from 2023-09-15 must be marked critical "
                      "when present",
                      what);
    /* TLS BRs §7.1.2.1.4 (1.x §7.1.2.1 d): NOT RECOMMENDED in a root. */
    if (bc != NULL && p->kind == CG_PROF_ROOT && p->bc_has_pathlen)
        cg_report_req(ctx, CG_R_CERT_BASIC_CONSTRAINTS_NOT_RECOMMENDED, p->obj, NULL,
                      "root_path_len",
                      "basicConstraints of a root CA certificate carries a pathLenConstraint, "
                      "which it should not (TLS BRs §7.1.2.1.4)");
}

/* ---- keyUsage ---- */

static void ku_names(unsigned bits, char *buf, size_t cap)
{
    static const char *const names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                        "dataEncipherment", "keyAgreement",   "keyCertSign",
                                        "cRLSign",          "encipherOnly",   "decipherOnly"};
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < 9; i++) {
        if (!(bits & (1u << i)))
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
}

/* rule on keyUsage bits the key type does not allow or recommend: "keyUsage
 * of a <kind> with an <EC|RSA> key asserts <bits>, <why>" */
static void ku_key_bits(cg_ctx *ctx, const cg_profile *p, int rule, const char *req, unsigned bits,
                        const char *why)
{
    char names[160];
    ku_names(bits, names, sizeof(names));
    cg_report_req(ctx, rule, p->obj, NULL, req, "keyUsage of a %s with an %s key asserts %s, %s",
                  cg_prof_kind_name(p), p->key_type == CG_KEY_EC ? "EC" : "RSA", names, why);
}

/* RFC 3279 §2.3.1: an RSA key's keyUsage may hold digitalSignature,
 * nonRepudiation, keyEncipherment, dataEncipherment, keyCertSign and
 * cRLSign; a CA's SHOULD NOT hold either encipherment bit beside keyCertSign
 * or cRLSign. From 2023-09-15 the BRs' tables are stricter (check_ku). */
static void check_ku_rsa3279(cg_ctx *ctx, const cg_profile *p, unsigned b)
{
    unsigned bad = b & (unsigned)(KU_KA | KU_EO | KU_DO);
    if (p->key_type != CG_KEY_RSA)
        return;
    if (bad != 0 && !cg_prof_since(p, SC062))
        ku_key_bits(ctx, p, CG_R_CERT_KEY_USAGE_INVALID, "rsa_bit_not_allowed", bad,
                    "which RFC 3279 §2.3.1 does not allow (only digitalSignature, "
                    "nonRepudiation, keyEncipherment, dataEncipherment, keyCertSign, cRLSign)");
    if (is_ca(p) && (b & (KU_CERT | KU_CRL)) && (b & (KU_KE | KU_DE)))
        ku_key_bits(ctx, p, CG_R_CERT_KEY_USAGE_NOT_RECOMMENDED, "ca_encipherment",
                    b & (KU_KE | KU_DE),
                    "beside keyCertSign or cRLSign, which it should not (RFC 3279 §2.3.1)");
}

static void check_ku(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *ku = ext_at(p, p->x.ku);
    const char *what = cg_prof_kind_name(p);
    char names[160];
    if (ku == NULL) {
        /* A subscriber certificate SHOULD carry it (an EC key's must assert
         * digitalSignature, but only when keyUsage is there). */
        if (is_ca(p) || (p->kind == CG_PROF_OCSP && cg_prof_since(p, SC062)))
            cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "missing",
                          "a %s must carry keyUsage", what);
        return;
    }
    unsigned b = p->ku_bits; /* decoded once, with the profile */
    if (!p->ku_ok) {
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "encoding",
                      "keyUsage does not decode as one BIT STRING");
        return;
    }
    if (b == 0) {
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "no_bits",
                      "keyUsage asserts no bit; at least one must be set (RFC 5280 §4.2.1.3)");
        return;
    }
    if (p->ku_trailing_zero)
        cg_report(ctx, CG_R_CERT_KEY_USAGE_ENCODING, p->obj,
                  "keyUsage BIT STRING is not DER: it ends with zero bits (X.690 §11.2.2 "
                  "removes them)");
    if (p->ku_octets > 3)
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "length",
                      "keyUsage BIT STRING is longer than the 9 bits RFC 5280 §4.2.1.3 names");
    if (is_ca(p)) {
        if (!(b & KU_CERT) || !(b & KU_CRL))
            cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "ca_bits_missing",
                          "keyUsage of a %s must assert keyCertSign and cRLSign; it %s", what,
                          !(b & KU_CERT) && !(b & KU_CRL) ? "asserts neither"
                          : !(b & KU_CERT)                ? "lacks keyCertSign"
                                                          : "lacks cRLSign");
        unsigned extra = b & ~(unsigned)(KU_CERT | KU_CRL | KU_DS);
        if (extra != 0 && cg_prof_since(p, SC062)) {
            ku_names(extra, names, sizeof(names));
            cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "ca_bit_not_allowed",
                          "keyUsage of a %s issued from 2023-09-15 asserts %s; only keyCertSign, "
                          "cRLSign and digitalSignature are allowed",
                          what, names);
        }
        check_ku_rsa3279(ctx, p, b);
        return;
    }
    if (p->kind == CG_PROF_OCSP) {
        if (cg_prof_since(p, SC062) && b != KU_DS) {
            ku_names(b, names, sizeof(names));
            cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "ocsp_bits",
                          "keyUsage of an OCSP responder certificate must be digitalSignature "
                          "alone; it asserts %s",
                          names);
        }
        return;
    }
    /* Subscriber (and precertificate). keyCertSign without cA is the
     * basicConstraints rule's. */
    unsigned allowed = p->key_type == CG_KEY_EC    ? (KU_DS | KU_KA)
                       : p->key_type == CG_KEY_RSA ? (KU_DS | KU_KE | KU_DE)
                                                   : 0x1ffu;
    unsigned bad = b & ~allowed & ~(unsigned)KU_CERT;
    if ((b & KU_CRL) && !cg_prof_since(p, SC062))
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "subscriber_crl_sign",
                      "keyUsage of a %s asserts cRLSign", what);
    if (bad != 0 && cg_prof_since(p, SC062)) {
        ku_key_bits(ctx, p, CG_R_CERT_KEY_USAGE_INVALID, "key_type_bit_not_allowed", bad,
                    "which the TLS BRs do not allow for that key type");
    } else if (p->key_type == CG_KEY_EC && (b & (KU_KE | KU_DE)) && cg_prof_since(p, RFC8813)) {
        /* RFC 5480 §3 listed the bits an EC key's keyUsage MAY hold; RFC
         * 8813 §3 (August 2020) made the encipherment bits a MUST NOT. */
        ku_names(b & (KU_KE | KU_DE), names, sizeof(names));
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL, "ec_encipherment",
                      "keyUsage of an EC key asserts %s (RFC 8813 §3 forbids it from 2020-08-01)",
                      names);
    }
    if (p->key_type == CG_KEY_EC && !(b & KU_DS) && cg_prof_since(p, SC062))
        cg_report_req(ctx, CG_R_CERT_KEY_USAGE_INVALID, p->obj, NULL,
                      "ec_digital_signature_missing",
                      "keyUsage of a %s with an EC key must assert digitalSignature", what);
    check_ku_rsa3279(ctx, p, b);
    /* TLS BRs §7.1.2.7.11: allowed but NOT RECOMMENDED (a pending
     * prohibition) */
    unsigned nr = p->key_type == CG_KEY_EC    ? (b & KU_KA)
                  : p->key_type == CG_KEY_RSA ? (b & KU_DE)
                                              : 0;
    if (nr != 0 && cg_prof_since(p, SC062))
        ku_key_bits(ctx, p, CG_R_CERT_KEY_USAGE_NOT_RECOMMENDED, "key_type_bit_not_recommended",
                    nr, "which the TLS BRs do not recommend (§7.1.2.7.11)");
}

/* ---- extKeyUsage ---- */

static void check_eku(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *eku = ext_at(p, p->x.eku);
    const char *what = cg_prof_kind_name(p);
    if (eku != NULL && !p->eku_ok) {
        cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                  "extKeyUsage does not decode as a non-empty SEQUENCE of OIDs");
        return;
    }
    switch (p->kind) {
    case CG_PROF_ROOT:
        if (eku != NULL)
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "a root CA certificate must not carry extKeyUsage");
        return;
    case CG_PROF_OCSP:
        return; /* extKeyUsage id-kp-OCSPSigning alone is what makes one */
    case CG_PROF_SUBCA:
        if (p->eku_precert) {
            if (p->eku_count > 1)
                cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                          "a Precertificate Signing CA certificate's extKeyUsage must hold "
                          "the Precertificate Signing purpose alone; it holds %zu purposes",
                          p->eku_count);
            return;
        }
        /* Mozilla RSP §5.3 (intermediates from 2019-01-01); anyEKU alone is
         * what an affiliated cross-certificate may carry (TLS BRs
         * §7.1.2.2.4). */
        if (eku == NULL && cg_prof_since(p, 20190101))
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "a subordinate CA certificate issued from 2019-01-01 must carry "
                      "extKeyUsage (Mozilla RSP §5.3; TLS BRs §7.1.2.10.6)");
        else if (eku != NULL && p->eku_any && p->eku_count > 1)
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "extKeyUsage holds anyExtendedKeyUsage beside other purposes; if present "
                      "it must be the only one (TLS BRs §7.1.2.2.4)");
        else if (eku != NULL && p->eku_server && cg_prof_since(p, SC062) &&
                 (p->eku_forbidden || p->eku_ocsp || p->eku_any))
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "a TLS subordinate CA certificate issued from 2023-09-15 combines "
                      "id-kp-serverAuth with a purpose it must not hold (emailProtection, "
                      "codeSigning, timeStamping, OCSPSigning or anyExtendedKeyUsage)");
        return;
    default:
        break;
    }
    if (eku == NULL) {
        cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                  "a %s must carry extKeyUsage with id-kp-serverAuth", what);
        return;
    }
    if (cg_prof_since(p, SC062)) {
        if (!p->eku_server)
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "extKeyUsage of a %s lacks id-kp-serverAuth", what);
        if (p->eku_any || p->eku_forbidden || p->eku_ocsp || p->eku_precert)
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "extKeyUsage of a %s holds %s, which it must not", what,
                      p->eku_any ? "anyExtendedKeyUsage"
                      : p->eku_ocsp ? "id-kp-OCSPSigning"
                      : p->eku_precert
                          ? "the Precertificate Signing purpose"
                          : "codeSigning, emailProtection or timeStamping");
        /* Chrome's root program: TLS server hierarchies only, so no
         * clientAuth beside serverAuth from 2027-03-15 */
        if (p->eku_server && p->eku_client && cg_prof_since(p, 20270315))
            cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                      "extKeyUsage of a %s issued from 2027-03-15 holds id-kp-clientAuth beside "
                      "id-kp-serverAuth (Chrome Root Program Policy v1.8 §1.3.2)",
                      what);
    } else if (!p->eku_server && !p->eku_client) {
        cg_report(ctx, CG_R_CERT_EKU_INVALID, p->obj,
                  "extKeyUsage of a %s holds neither id-kp-serverAuth nor id-kp-clientAuth",
                  what);
    }
    /* From 2023-09-15 a purpose the profile does not name is NOT RECOMMENDED
     * (§7.1.2.7.10); before, any beside serverAuth, clientAuth and
     * emailProtection SHOULD NOT be present (TLS BRs 1.x §7.1.2.3 f). */
    size_t extra = cg_prof_since(p, SC062) ? p->eku_unknown : p->eku_beyond;
    if (extra > 0)
        cg_report(ctx, CG_R_CERT_EKU_NOT_RECOMMENDED, p->obj,
                  "extKeyUsage of a %s holds %zu purpose%s other than %s, which it should not "
                  "(TLS BRs %s)",
                  what, extra, extra == 1 ? "" : "s",
                  cg_prof_since(p, SC062) ? "those §7.1.2.7.10 names"
                                          : "serverAuth, clientAuth and emailProtection",
                  cg_prof_since(p, SC062) ? "§7.1.2.7.10" : "1.x §7.1.2.3 f");
}

/* ---- certificatePolicies ---- */

static int reserved_policy(const cg_cbs *oid)
{
    static const uint8_t ev[] = {0x67, 0x81, 0x0c, 0x01, 0x01};
    static const uint8_t dv[] = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x01};
    static const uint8_t ov[] = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x02};
    static const uint8_t iv[] = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x03};
    return cg_oid_equal(oid, ev, sizeof(ev)) || cg_oid_equal(oid, dv, sizeof(dv)) ||
           cg_oid_equal(oid, ov, sizeof(ov)) || cg_oid_equal(oid, iv, sizeof(iv));
}

/* The policyQualifiers of one PolicyInformation (any: its policy is
 * anyPolicy). *bad_kind gets the first qualifier that does not decode or
 * whose kind is not allowed: with anyPolicy one other than id-qt-cps and
 * id-qt-unotice (RFC 5280 §4.2.1.4), from 2023-09-15 any other than id-qt-cps
 * (TLS BRs §7.1.2.7.9, §7.1.2.10.5); *bad_cps the first id-qt-cps that is
 * not an http(s) URL in an IA5String (from 2023-09-15). */
static void scan_qualifiers(cg_cbs quals, int any, int sc062, const char **bad_kind,
                            const char **bad_cps)
{
    cg_cbs q, id, uri;
    while (quals.len > 0) {
        if (!cg_cbs_get_asn1(&quals, &q, CG_ASN1_SEQUENCE) ||
            !cg_cbs_get_asn1(&q, &id, CG_ASN1_OBJECT)) {
            if (*bad_kind == NULL)
                *bad_kind = "a policyQualifier that does not decode";
            return;
        }
        int cps = cg_oid_equal(&id, CG_OID_QT_CPS, sizeof(CG_OID_QT_CPS));
        int unotice = cg_oid_equal(&id, CG_OID_QT_UNOTICE, sizeof(CG_OID_QT_UNOTICE));
        if (!cps && (sc062 || (any && !unotice))) {
            if (*bad_kind == NULL)
                *bad_kind = sc062 ? "a policyQualifier other than id-qt-cps (a userNotice, ...); "
                                    "only id-qt-cps is allowed (TLS BRs §7.1.2.7.9)"
                                  : "a policyQualifier of anyPolicy other than id-qt-cps and "
                                    "id-qt-unotice (RFC 5280 §4.2.1.4 allows only these)";
            continue;
        }
        if (cps && sc062 && *bad_cps == NULL &&
            (!cg_cbs_get_asn1(&q, &uri, CG_ASN1_IA5STRING) || q.len != 0 || !is_http(&uri, 1)))
            *bad_cps = "an id-qt-cps qualifier that is not an http or https URL in an IA5String";
    }
}

static void check_cp(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *cp = ext_at(p, p->x.cp);
    const char *what = cg_prof_kind_name(p);
    int sc062 = cg_prof_since(p, SC062);
    /* A subordinate CA whose extKeyUsage leaves out serverAuth does not
     * issue TLS certificates (TLS BRs §7.1.2.3): policies optional. */
    int non_tls_ca = p->kind == CG_PROF_SUBCA && p->eku_ok && !p->eku_server && !p->eku_any;
    if (cp == NULL) {
        if (p->kind == CG_PROF_SUBSCRIBER || (p->kind == CG_PROF_SUBCA && !(non_tls_ca && sc062)))
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "a %s must carry certificatePolicies%s", what,
                      p->kind == CG_PROF_SUBSCRIBER ? " with a CA/Browser Forum reserved "
                                                      "policy OID"
                                                    : "");
        return;
    }
    /* TLS BRs 1.x §7.1.2.1 (c): SHOULD NOT; §7.1.2.1: NOT RECOMMENDED */
    if (p->kind == CG_PROF_ROOT)
        cg_report(ctx, CG_R_CERT_POLICIES_NOT_RECOMMENDED, p->obj,
                  "a root CA certificate carries certificatePolicies, which it should not (TLS "
                  "BRs §7.1.2.1)");
    cg_cbs v = cp->value, seq, pi, oid, quals;
    size_t n = 0, reserved = 0, any = 0;
    const char *bad_kind = NULL, *bad_cps = NULL;
    cg_cbs seen[16];
    int dup = 0;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0 || seq.len == 0) {
        cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                  "certificatePolicies does not decode as a non-empty SEQUENCE of "
                  "PolicyInformation");
        return;
    }
    while (seq.len > 0) {
        if (!cg_cbs_get_asn1(&seq, &pi, CG_ASN1_SEQUENCE) ||
            !cg_cbs_get_asn1(&pi, &oid, CG_ASN1_OBJECT)) {
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "a PolicyInformation of certificatePolicies does not decode");
            return;
        }
        for (size_t i = 0; i < n && i < 16; i++)
            dup |= cg_cbs_equal(&seen[i], &oid);
        if (n < 16)
            seen[n] = oid;
        n++;
        reserved += (size_t)reserved_policy(&oid);
        int this_any = cg_oid_equal(&oid, CG_OID_ANY_POLICY, sizeof(CG_OID_ANY_POLICY));
        any += (size_t)this_any;
        if (pi.len == 0)
            continue;
        if (!cg_cbs_get_asn1(&pi, &quals, CG_ASN1_SEQUENCE) || pi.len != 0) {
            if (bad_kind == NULL)
                bad_kind = "policyQualifiers that do not decode";
        } else {
            scan_qualifiers(quals, this_any, sc062, &bad_kind, &bad_cps);
        }
    }
    if (dup)
        cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                  "certificatePolicies names a policy OID twice (RFC 5280 §4.2.1.4)");
    if (bad_kind != NULL)
        cg_report(ctx, CG_R_CERT_POLICY_QUALIFIERS_INVALID, p->obj, "certificatePolicies holds %s",
                  bad_kind);
    if (bad_cps != NULL)
        cg_report(ctx, CG_R_CERT_POLICY_CPS_URI_INVALID, p->obj,
                  "certificatePolicies holds %s (TLS BRs §7.1.2.7.9: cPSuri is an HTTP or "
                  "HTTPS URL)",
                  bad_cps);
    if (!sc062)
        return;
    if (p->kind == CG_PROF_SUBSCRIBER) {
        if (any > 0)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "certificatePolicies of a %s holds anyPolicy", what);
        if (reserved != 1)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "certificatePolicies of a %s holds %zu CA/Browser Forum reserved policy "
                      "OIDs (2.23.140.1.2.1, .2.2, .2.3 or 2.23.140.1.1); exactly one is "
                      "required",
                      what, reserved);
    } else if (p->kind == CG_PROF_SUBCA) {
        if (any > 0 && n > 1)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "certificatePolicies holds anyPolicy beside other policies; anyPolicy "
                      "must be the only one");
        else if (non_tls_ca && reserved > 0)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "a subordinate CA certificate that does not issue TLS certificates "
                      "(no serverAuth in extKeyUsage) must not assert a CA/Browser Forum "
                      "reserved policy OID");
        else if (!non_tls_ca && any == 0 && reserved == 0)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "certificatePolicies of a TLS subordinate CA certificate holds neither "
                      "anyPolicy nor a CA/Browser Forum reserved policy OID");
        else if (!non_tls_ca && reserved > 1)
            cg_report(ctx, CG_R_CERT_POLICIES_INVALID, p->obj,
                      "certificatePolicies of a TLS subordinate CA certificate holds %zu "
                      "CA/Browser Forum reserved policy OIDs; exactly one is allowed (use "
                      "anyPolicy for an affiliated CA that issues several types)",
                      reserved);
    }
}

/* ---- authorityInformationAccess ---- */

/* A finding about one access method's locations names it below this
 * (cg_finding_field): "...authorityInfoAccess.ocsp", ".caIssuers" (and
 * ".ocsp.accessLocation", ".caIssuers.accessLocation" for a location that is
 * not a URI at all), or ".accessMethod" for a method the profile does not
 * allow. */
#define AIA_FIELD "tbsCertificate.extensions.authorityInfoAccess"

static void check_aia(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *aia = ext_at(p, p->x.aia);
    const char *what = cg_prof_kind_name(p);
    if (aia == NULL) {
        if (p->kind == CG_PROF_SUBSCRIBER)
            cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, NULL, "missing",
                          "a %s must carry authorityInformationAccess", what);
        /* TLS BRs 1.x §7.1.2.2 (c): MUST until 1.7.1, SHOULD since. */
        else if (p->kind == CG_PROF_SUBCA && !cg_prof_since(p, BR171))
            cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, NULL, "missing",
                          "a %s issued before 2020-08-20 must carry authorityInformationAccess",
                          what);
        else if (p->kind == CG_PROF_SUBCA)
            cg_report_req(ctx, CG_R_CERT_AIA_NOT_RECOMMENDED, p->obj, NULL, "missing",
                          "a %s should carry authorityInformationAccess (TLS BRs §7.1.2.2 "
                          "since 1.7.1, §7.1.2.10.3)",
                          what);
        return;
    }
    cg_cbs v = aia->value, seq, ad, method, loc;
    cg_cbs locs[16], meths[16];
    size_t n = 0;
    int ocsp_http = 0, issuers = 0, issuers_http = 0, issuers_uri = 0;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0 || seq.len == 0) {
        cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, NULL, "encoding",
                      "authorityInformationAccess does not decode as a non-empty SEQUENCE of "
                      "AccessDescription");
        return;
    }
    while (seq.len > 0) {
        uint8_t tag;
        if (!cg_cbs_get_asn1(&seq, &ad, CG_ASN1_SEQUENCE) ||
            !cg_cbs_get_asn1(&ad, &method, CG_ASN1_OBJECT) ||
            !cg_cbs_get_any_asn1_element(&ad, &loc, &tag, NULL) || ad.len != 0) {
            cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, NULL, "encoding",
                          "an AccessDescription of authorityInformationAccess does not decode");
            return;
        }
        int ocsp = cg_oid_equal(&method, CG_OID_AD_OCSP, sizeof(CG_OID_AD_OCSP));
        int is_issuers =
            cg_oid_equal(&method, CG_OID_AD_CA_ISSUERS, sizeof(CG_OID_AD_CA_ISSUERS));
        int uri = tag == CG_ASN1_CTX(6);
        cg_cbs body = loc;
        if (uri)
            cg_cbs_get_asn1(&body, &body, CG_ASN1_CTX(6));
        int http = uri && is_http(&body, 0);
        if (ocsp && http)
            ocsp_http = 1;
        cg_cbs host;
        char why[200];
        const char *internal =
            (ocsp || is_issuers) && uri && cg_prof_uri_host(&body, &host)
                ? cg_prof_host_internal(p, host.data, host.len, why, sizeof(why))
                : NULL;
        const char *field = ocsp ? AIA_FIELD ".ocsp" : AIA_FIELD ".caIssuers";
        if (internal != NULL)
            cg_report_at(ctx, CG_R_CERT_AIA_INTERNAL_NAME, p->obj, field,
                         "authorityInformationAccess %s location's host \"%.*s\" %s; relying "
                         "parties cannot reach it",
                         ocsp ? "OCSP" : "caIssuers", (int)(host.len < 100 ? host.len : 100),
                         (const char *)host.data, internal);
        if (is_issuers) {
            issuers = 1;
            issuers_http |= http;
            issuers_uri |= http || (uri && has_prefix(&body, "ldap://"));
        }
        if (cg_prof_since(p, SC062)) {
            if (!ocsp && !(is_issuers && p->kind != CG_PROF_OCSP)) {
                char m[96]; /* formatted only for a finding */
                cg_oid_to_string(&method, m, sizeof(m));
                cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, AIA_FIELD ".accessMethod",
                              "access_method_not_allowed",
                              "authorityInformationAccess uses accessMethod %s; only "
                              "id-ad-ocsp and id-ad-caIssuers are allowed",
                              m);
            } else if (!http)
                cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj,
                              !uri ? (ocsp ? AIA_FIELD ".ocsp.accessLocation"
                                           : AIA_FIELD ".caIssuers.accessLocation")
                                   : field,
                              "location_not_http",
                              "authorityInformationAccess %s location is %s; it must be an "
                              "http:// uniformResourceIdentifier",
                              ocsp ? "OCSP" : "caIssuers", uri ? "not an http URL" : "not a URI");
            for (size_t i = 0; i < n && i < 16; i++) {
                if (cg_cbs_equal(&meths[i], &method) && cg_cbs_equal(&locs[i], &loc))
                    cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, field, "location_duplicate",
                                  "authorityInformationAccess repeats the %s location; each "
                                  "must be unique",
                                  ocsp ? "OCSP" : "caIssuers");
            }
        }
        if (n < 16) {
            meths[n] = method;
            locs[n] = loc;
        }
        n++;
    }
    if (!ocsp_http && !cg_prof_since(p, SC063) && p->kind == CG_PROF_SUBSCRIBER)
        cg_report_req(ctx, CG_R_CERT_AIA_INVALID, p->obj, AIA_FIELD ".ocsp", "ocsp_http_missing",
                      "authorityInformationAccess of a %s issued before 2024-03-15 must hold "
                      "the issuing CA's OCSP responder as an http URL",
                      what);
    /* RFC 5280 §4.2.2.1: one caIssuers location SHOULD be an HTTP or LDAP
     * URI; TLS BRs §7.1.2.7.7 (1.x §7.1.2.3 c): a subscriber certificate's
     * AIA SHOULD hold the issuing CA's certificate as an http URL, and so a
     * subordinate CA's before the SC-062 profiles (1.x §7.1.2.2 c). */
    if (issuers && !issuers_uri)
        cg_report_req(ctx, CG_R_CERT_AIA_NOT_RECOMMENDED, p->obj, AIA_FIELD ".caIssuers",
                      "ca_issuers_not_http_or_ldap",
                      "no caIssuers location of authorityInformationAccess is an HTTP or "
                      "LDAP URI; one should be (RFC 5280 §4.2.2.1)");
    else if (!issuers_http && (p->kind == CG_PROF_SUBSCRIBER ||
                               (p->kind == CG_PROF_SUBCA && !cg_prof_since(p, SC062))))
        cg_report_req(ctx, CG_R_CERT_AIA_NOT_RECOMMENDED, p->obj, AIA_FIELD ".caIssuers",
                      "ca_issuers_http_missing",
                      "authorityInformationAccess of a %s holds no http URL of the issuing "
                      "CA's certificate (id-ad-caIssuers); it should (TLS BRs %s)",
                      what,
                      cg_prof_since(p, SC062)         ? "§7.1.2.7.7"
                      : p->kind == CG_PROF_SUBSCRIBER ? "1.x §7.1.2.3 c"
                                                      : "1.x §7.1.2.2 c");
}

/* ---- CRL distribution points ---- */

/* Whether authorityInformationAccess names an OCSP responder (an
 * AccessDescription with id-ad-ocsp, read as far as it decodes): asked only
 * when cRLDistributionPoints is absent and the answer decides a finding. */
static int aia_has_ocsp(const cg_profile *p)
{
    if (p->x.aia < 0)
        return 0;
    cg_cbs v = p->cert->ext[p->x.aia].value, seq, ad, oid;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE))
        return 0;
    while (cg_cbs_get_asn1(&seq, &ad, CG_ASN1_SEQUENCE)) {
        if (cg_cbs_get_asn1(&ad, &oid, CG_ASN1_OBJECT) &&
            cg_oid_equal(&oid, CG_OID_AD_OCSP, sizeof(CG_OID_AD_OCSP)))
            return 1;
    }
    return 0;
}

static void check_crldp(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *dp = ext_at(p, p->x.crldp);
    const char *what = cg_prof_kind_name(p);
    if (dp == NULL) {
        int64_t period = p->cert->not_after_t - p->cert->not_before_t + 1;
        int short_lived = period <= (cg_prof_since(p, 20260315) ? 604800 : 864000);
        if (p->kind == CG_PROF_SUBCA)
            cg_report(ctx, CG_R_CERT_CRLDP_MISSING, p->obj,
                      "a subordinate CA certificate must carry cRLDistributionPoints");
        else if (p->kind == CG_PROF_SUBSCRIBER && cg_prof_since(p, SC063) && !short_lived &&
                 !aia_has_ocsp(p))
            cg_report(ctx, CG_R_CERT_CRLDP_MISSING, p->obj,
                      "a %s issued from 2024-03-15 without an OCSP URL in "
                      "authorityInformationAccess, valid longer than a short-lived "
                      "certificate, must carry cRLDistributionPoints",
                      what);
        return;
    }
    if (p->kind == CG_PROF_OCSP && cg_prof_since(p, SC062)) {
        cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "present",
                      "an OCSP responder certificate must not carry cRLDistributionPoints");
        return;
    }
    cg_cbs v = dp->value, seq, point, name, names, gn;
    int sc062 = cg_prof_since(p, SC062), any_http = 0;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0 || seq.len == 0) {
        cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "encoding",
                      "cRLDistributionPoints does not decode as a non-empty SEQUENCE of "
                      "DistributionPoint");
        return;
    }
    while (seq.len > 0) {
        int has_name, has_reasons, has_issuer;
        cg_cbs reasons, issuer;
        if (!cg_cbs_get_asn1(&seq, &point, CG_ASN1_SEQUENCE) ||
            !cg_cbs_get_optional_asn1(&point, &name, &has_name, CG_ASN1_CTX_CONS(0)) ||
            !cg_cbs_get_optional_asn1(&point, &reasons, &has_reasons, CG_ASN1_CTX(1)) ||
            !cg_cbs_get_optional_asn1(&point, &issuer, &has_issuer, CG_ASN1_CTX_CONS(2)) ||
            point.len != 0) {
            cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "encoding",
                          "a DistributionPoint of cRLDistributionPoints does not decode");
            return;
        }
        if (!has_name && !has_issuer) {
            cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "name_missing",
                          "a DistributionPoint has neither distributionPoint nor cRLIssuer (RFC "
                          "5280 §4.2.1.13)");
            continue;
        }
        if (sc062 && (has_reasons || has_issuer))
            cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL,
                          has_reasons ? "reasons_present" : "crl_issuer_present",
                          "a DistributionPoint carries %s; the TLS BRs forbid it",
                          has_reasons ? "reasons" : "cRLIssuer");
        if (!has_name)
            continue;
        if (!cg_cbs_get_asn1(&name, &names, CG_ASN1_CTX_CONS(0))) {
            if (sc062)
                cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "not_full_name",
                              "a distributionPoint is not a fullName (nameRelativeToCRLIssuer "
                              "is not allowed)");
            continue;
        }
        if (names.len == 0)
            cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "full_name_empty",
                          "a distributionPoint fullName holds no GeneralName");
        while (names.len > 0) {
            uint8_t tag;
            if (!cg_cbs_get_any_asn1_element(&names, &gn, &tag, NULL))
                break;
            cg_cbs body = gn, host;
            int uri = tag == CG_ASN1_CTX(6) && cg_cbs_get_asn1(&body, &body, CG_ASN1_CTX(6));
            char why[200];
            const char *internal =
                uri && cg_prof_uri_host(&body, &host)
                    ? cg_prof_host_internal(p, host.data, host.len, why, sizeof(why))
                    : NULL;
            if (internal != NULL)
                cg_report(ctx, CG_R_CERT_CRLDP_INTERNAL_NAME, p->obj,
                          "a CRL distribution point URL's host \"%.*s\" %s; relying parties "
                          "cannot reach it",
                          (int)(host.len < 100 ? host.len : 100), (const char *)host.data,
                          internal);
            if (uri && is_http(&body, 0)) {
                any_http = 1;
                continue;
            }
            if (sc062)
                cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "name_not_http",
                              "a CRL distribution point %s; every name must be an http:// URL",
                              uri ? "is a URL whose scheme is not http" : "is not a URI");
        }
    }
    if (!any_http && !sc062)
        cg_report_req(ctx, CG_R_CERT_CRLDP_INVALID, p->obj, NULL, "http_url_missing",
                      "cRLDistributionPoints holds no http:// URL of the CA's CRL");
}

/* ---- AKI and SKI ---- */

static void check_aki(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *aki = ext_at(p, p->x.aki);
    if (aki == NULL) {
        if (p->kind != CG_PROF_ROOT)
            cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                      "a %s must carry authorityKeyIdentifier", cg_prof_kind_name(p));
        return;
    }
    if (aki->critical)
        cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                  "authorityKeyIdentifier is marked critical; it must not be");
    cg_cbs v = aki->value, seq, keyid, iss, ser;
    int has_id, has_iss, has_ser;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0 ||
        !cg_cbs_get_optional_asn1(&seq, &keyid, &has_id, CG_ASN1_CTX(0)) ||
        !cg_cbs_get_optional_asn1(&seq, &iss, &has_iss, CG_ASN1_CTX_CONS(1)) ||
        !cg_cbs_get_optional_asn1(&seq, &ser, &has_ser, CG_ASN1_CTX(2)) || seq.len != 0) {
        cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                  "authorityKeyIdentifier does not decode");
        return;
    }
    if (!has_id || keyid.len == 0)
        cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                  "authorityKeyIdentifier has no keyIdentifier; it must have one");
    if ((has_iss || has_ser) && cg_prof_since(p, SC062))
        cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                  "authorityKeyIdentifier carries authorityCertIssuer/authorityCertSerialNumber;"
                  " only keyIdentifier is allowed");
    else if (has_id && keyid.len > 0 && (has_iss || has_ser) && cg_prof_since(p, 20130726))
        cg_report(ctx, CG_R_CERT_AKI_INVALID, p->obj,
                  "authorityKeyIdentifier carries both keyIdentifier and the issuer's name and "
                  "serial number (Mozilla RSP §5.2, from policy 2.2 of 2013-07-26)");
}

static void check_ski(cg_ctx *ctx, const cg_profile *p)
{
    const cg_ext *ski = ext_at(p, p->x.ski);
    cg_cbs id;
    if (ski == NULL) {
        if (is_ca(p))
            cg_report(ctx, CG_R_CERT_SKI_INVALID, p->obj,
                      "a %s must carry subjectKeyIdentifier", cg_prof_kind_name(p));
        else if (!cg_prof_since(p, SC062))
            cg_report(ctx, CG_R_CERT_SKI_MISSING, p->obj,
                      "a %s issued before 2023-09-15 should carry subjectKeyIdentifier (RFC "
                      "5280 §4.2.1.2)",
                      cg_prof_kind_name(p));
        return;
    }
    if (ski->critical)
        cg_report(ctx, CG_R_CERT_SKI_INVALID, p->obj,
                  "subjectKeyIdentifier is marked critical; it must not be");
    cg_cbs v = ski->value;
    if (!cg_cbs_get_asn1(&v, &id, CG_ASN1_OCTETSTRING) || v.len != 0 || id.len == 0)
        cg_report(ctx, CG_R_CERT_SKI_INVALID, p->obj,
                  "subjectKeyIdentifier is not one non-empty OCTET STRING");
    if (p->kind == CG_PROF_SUBSCRIBER && cg_prof_since(p, SC062))
        cg_report(ctx, CG_R_CERT_SKI_NOT_RECOMMENDED, p->obj,
                  "a %s issued from 2023-09-15 carries subjectKeyIdentifier, which the TLS BRs "
                  "do not recommend",
                  cg_prof_kind_name(p));
}

/* ---- criticality (AKI and basicConstraints: their own rules) ---- */

/* rule: cert.extension_criticality for a MUST, or
 * cert.extension_criticality_not_recommended for a SHOULD. name: the
 * extension's ASN.1 name, the finding's field below tbsCertificate.extensions;
 * what: how the message names it (the name, or the case it is in). */
static void crit_as(cg_ctx *ctx, const cg_profile *p, int rule, int idx, int want,
                    const char *name, const char *what, const char *why)
{
    if (idx < 0 || p->cert->ext[idx].critical == want)
        return;
    char field[80];
    snprintf(field, sizeof(field), "tbsCertificate.extensions.%s", name);
    cg_report_at(ctx, rule, p->obj, field,
                 "%s at position %d is %smarked critical; in a %s it %s %sbe (%s)",
                 what != NULL ? what : name, idx + 1, want ? "not " : "", cg_prof_kind_name(p),
                 rule == CG_R_CERT_EXTENSION_CRITICALITY ? "must" : "should", want ? "" : "not ",
                 why);
}

static void crit(cg_ctx *ctx, const cg_profile *p, int idx, int want, const char *name,
                 const char *why)
{
    crit_as(ctx, p, CG_R_CERT_EXTENSION_CRITICALITY, idx, want, name, NULL, why);
}

/* The RFC 5280 extensions no family reads, whose criticality the RFC
 * fixes: MUST (must 1) or SHOULD (must 0). */
static void check_rfc_criticality(cg_ctx *ctx, const cg_profile *p)
{
    static const struct {
        cg_prof_oid id;
        int critical, must;
        const char *name, *why;
    } rfc[] = {
        {{{0x55, 0x1d, 0x09}, 3}, 0, 1, "subjectDirectoryAttributes", "RFC 5280 §4.2.1.8"},
        {{{0x55, 0x1d, 0x24}, 3}, 1, 1, "policyConstraints", "RFC 5280 §4.2.1.11"},
        {{{0x55, 0x1d, 0x36}, 3}, 1, 1, "inhibitAnyPolicy", "RFC 5280 §4.2.1.14"},
        {{{0x55, 0x1d, 0x2e}, 3}, 0, 1, "freshestCRL", "RFC 5280 §4.2.1.15"},
        {{{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b}, 8}, 0, 1, "subjectInfoAccess",
         "RFC 5280 §4.2.2.2"},
        {{{0x55, 0x1d, 0x12}, 3}, 0, 0, "issuerAltName", "RFC 5280 §4.2.1.7"},
        {{{0x55, 0x1d, 0x21}, 3}, 1, 0, "policyMappings", "RFC 5280 §4.2.1.5"},
    };
    const cg_cert *c = p->cert;
    static _Atomic uint64_t table_set;
    uint64_t ce =
        cg_prof_table_set(&table_set, rfc, sizeof(rfc) / sizeof(rfc[0]), sizeof(rfc[0]));
    if (cg_prof_table_skip(p, ce))
        return;
    for (size_t i = 0; i < c->n_ext; i++) {
        if (cg_prof_ce_skip(p, i, ce))
            continue;
        for (size_t k = 0; k < sizeof(rfc) / sizeof(rfc[0]); k++) {
            if (cg_prof_ext_is(p, i, rfc[k].id.oid, rfc[k].id.len))
                crit_as(ctx, p,
                        rfc[k].must ? CG_R_CERT_EXTENSION_CRITICALITY
                                    : CG_R_CERT_EXTENSION_CRITICALITY_NOT_RECOMMENDED,
                        (int)i, rfc[k].critical, rfc[k].name, NULL, rfc[k].why);
        }
    }
}

static void check_criticality(cg_ctx *ctx, const cg_profile *p)
{
    int sc062 = cg_prof_since(p, SC062);
    const int should = CG_R_CERT_EXTENSION_CRITICALITY_NOT_RECOMMENDED;
    crit_as(ctx, p, CG_R_CERT_EXTENSION_CRITICALITY, p->x.aia, 0, "authorityInfoAccess",
            "authorityInformationAccess", "RFC 5280 §4.2.2.1");
    crit(ctx, p, p->x.ski, 0, "subjectKeyIdentifier", "RFC 5280 §4.2.1.2");
    /* cRLDistributionPoints MUST NOT be critical in every profile since the
     * TLS BRs 1.x (§7.1.2.2 b, §7.1.2.3 b). */
    crit(ctx, p, p->x.crldp, 0, "cRLDistributionPoints",
         sc062 ? "TLS BRs §7.1.2.11.2" : "TLS BRs 1.x §7.1.2.2, §7.1.2.3");
    if (is_ca(p))
        crit(ctx, p, p->x.ku, 1, "keyUsage", "TLS BRs §7.1.2.10.7");
    else if (sc062)
        crit(ctx, p, p->x.ku, 1, "keyUsage", "TLS BRs §7.1.2.7.6");
    else
        crit_as(ctx, p, should, p->x.ku, 1, "keyUsage", NULL, "RFC 5280 §4.2.1.3");
    if (sc062) {
        crit(ctx, p, p->x.eku, 0, "extKeyUsage", "TLS BRs §7.1.2");
        crit(ctx, p, p->x.cp, 0, "certificatePolicies", "TLS BRs §7.1.2");
    } else {
        /* Before the SC-062 profiles: SHOULD NOT (TLS BRs 1.x §7.1.2.2 a,
         * §7.1.2.3 a; RFC 5280 §4.2.1.12 with anyExtendedKeyUsage). */
        if (p->kind != CG_PROF_ROOT)
            crit_as(ctx, p, should, p->x.cp, 0, "certificatePolicies", NULL,
                    "TLS BRs 1.x §7.1.2.2, §7.1.2.3");
        if (p->kind == CG_PROF_SUBCA && cg_prof_since(p, BR116))
            crit_as(ctx, p, should, p->x.eku, 0, "extKeyUsage", NULL,
                    "TLS BRs 1.x §7.1.2.2 g, from 1.1.6");
        else if (p->eku_any)
            crit_as(ctx, p, should, p->x.eku, 0, "extKeyUsage",
                    "extKeyUsage with anyExtendedKeyUsage", "RFC 5280 §4.2.1.12");
    }
    /* nameConstraints in a CA certificate: RFC 5280 §4.2.1.10 says MUST be
     * critical; the TLS BRs (1.x §7.1.2.2 f, §7.1.2.10.8) keep it a SHOULD,
     * non-critical being allowed while relying parties' software lacks
     * support. (In a subscriber certificate its presence is the defect.) */
    if (is_ca(p))
        crit_as(ctx, p, should, p->x.nc, 1, "nameConstraints", NULL,
                "TLS BRs 1.x §7.1.2.2 f, §7.1.2.10.8; RFC 5280 §4.2.1.10");
    /* subjectAltName: critical exactly when the subject is empty. */
    if (p->subject_empty)
        crit_as(ctx, p, CG_R_CERT_EXTENSION_CRITICALITY, p->x.san, 1, "subjectAltName",
                "subjectAltName with an empty subject", "RFC 5280 §4.2.1.6");
    else
        crit_as(ctx, p, sc062 ? CG_R_CERT_EXTENSION_CRITICALITY : should, p->x.san, 0,
                "subjectAltName", "subjectAltName with a non-empty subject",
                sc062 ? "TLS BRs §7.1.2.7.12" : "RFC 5280 §4.2.1.6");
    check_rfc_criticality(ctx, p);
}

/* Runs check (which reads the extension at idx) unless the run found its
 * value clean before (cert_memo.c); keeps a clean verdict. */
static void check_kept(cg_ctx *ctx, const cg_profile *p, int row, int idx,
                       void (*check)(cg_ctx *, const cg_profile *))
{
    const cg_ext *e = idx >= 0 ? &p->cert->ext[idx] : NULL;
    if (e != NULL && cg_prof_memo_seen(ctx, p, row, e))
        return;
    size_t asked = ctx->reports_asked;
    check(ctx, p);
    cg_prof_memo_keep(ctx, p, row, e, asked);
}

void cg_prof_check_exts(cg_ctx *ctx, const cg_profile *p)
{
    check_bc(ctx, p);
    check_ku(ctx, p);
    check_eku(ctx, p);
    check_kept(ctx, p, CG_MEMO_CP, p->x.cp, check_cp);
    check_kept(ctx, p, CG_MEMO_AIA, p->x.aia, check_aia);
    check_kept(ctx, p, CG_MEMO_CRLDP, p->x.crldp, check_crldp);
    check_kept(ctx, p, CG_MEMO_AKI, p->x.aki, check_aki);
    check_ski(ctx, p);
    check_criticality(ctx, p);
}
