/* Certificate, precertificate and CRL views over raw DER. A view borrows the
 * caller's bytes: every cg_cbs below points into the object's DER and stays
 * valid as long as that buffer does. Nothing is re-encoded, so rules can
 * compare fields byte for byte. */
#ifndef CAGUARD_X509_X509_H
#define CAGUARD_X509_X509_H

#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"

typedef enum {
    CG_KIND_CERT = 0,
    CG_KIND_PRECERT = 1,
    CG_KIND_CRL = 2,
    CG_KIND_INPUT = 3, /* could not be decoded far enough to tell */
    CG_KIND_INCIDENT = 4 /* a finding about an incident as a whole, or its report */
} cg_kind;

const char *cg_kind_name(cg_kind kind);

/* One Extension. */
typedef struct cg_ext {
    cg_cbs raw;   /* the whole Extension element */
    cg_cbs oid;   /* OID contents */
    int critical; /* critical flag (DEFAULT FALSE) */
    int critical_false_encoded; /* FALSE written out: DER omits a DEFAULT */
    cg_cbs value; /* extnValue OCTET STRING contents */
} cg_ext;

/* Reads the next Extension from the contents of an Extensions SEQUENCE. */
int cg_ext_next(cg_cbs *iter, cg_ext *out);
int cg_oid_equal(const cg_cbs *oid, const uint8_t *der, size_t len);
/* Dotted form of OID contents, e.g. "2.5.29.31". */
void cg_oid_to_string(const cg_cbs *oid, char *buf, size_t cap);

#define CG_MAX_EXTENSIONS 64

typedef struct cg_cert {
    cg_cbs der;          /* whole Certificate */
    cg_cbs tbs;          /* TBSCertificate element */
    cg_cbs version;      /* [0] element, empty for v1 */
    uint64_t version_num; /* 0 = v1, 2 = v3 */
    cg_cbs serial;       /* INTEGER contents */
    cg_cbs tbs_sig_alg;  /* AlgorithmIdentifier element */
    cg_cbs issuer;       /* Name element */
    cg_cbs validity;     /* Validity element */
    cg_cbs not_before;   /* time element */
    cg_cbs not_after;    /* time element */
    int64_t not_before_t, not_after_t;
    unsigned not_before_flags, not_after_flags; /* CG_TIME_* */
    cg_cbs subject;      /* Name element */
    cg_cbs spki;         /* SubjectPublicKeyInfo element */
    cg_cbs issuer_uid;   /* [1] element or empty */
    cg_cbs subject_uid;  /* [2] element or empty */
    cg_cbs extensions;   /* [3] element or empty */
    size_t n_ext;
    cg_ext ext[CG_MAX_EXTENSIONS];
    cg_cbs sig_alg;      /* outer AlgorithmIdentifier element */
    cg_cbs signature;    /* BIT STRING contents, unused-bits octet first */
    int is_precert;      /* carries the RFC 6962 poison extension */
    int extensions_empty; /* [3] holds an empty SEQUENCE (RFC 5280 wants SIZE 1..MAX):
                           * decoded as no extensions, for the rules to report */
} cg_cert;

typedef struct cg_crl {
    cg_cbs der;
    cg_cbs tbs;
    int has_version;
    uint64_t version_num;   /* 1 = v2 */
    cg_cbs tbs_sig_alg;
    cg_cbs issuer;          /* Name element */
    cg_cbs this_update;     /* time element */
    cg_cbs next_update;     /* time element or empty */
    int64_t this_update_t, next_update_t;
    unsigned this_update_flags, next_update_flags;
    int has_next_update;
    int has_revoked;        /* revokedCertificates present (possibly empty) */
    cg_cbs revoked;         /* contents of revokedCertificates */
    cg_cbs extensions;      /* [0] element or empty */
    size_t n_ext;
    cg_ext ext[CG_MAX_EXTENSIONS];
    cg_cbs sig_alg;
    cg_cbs signature;
} cg_crl;

typedef struct cg_crl_entry {
    cg_cbs raw;             /* the whole entry */
    cg_cbs serial;          /* INTEGER contents */
    cg_cbs revocation_date; /* time element */
    int64_t revocation_t;
    unsigned revocation_flags;
    cg_cbs extensions;      /* contents of crlEntryExtensions, empty when absent */
    int has_extensions;
} cg_crl_entry;

/* Parsers fill the view and return 1, or return 0 and say in err where
 * (offset into der) and what was expected. The input must be one DER
 * element; bytes after it are the caller's to report. */
int cg_cert_parse(cg_cert *cert, const uint8_t *der, size_t len, cg_der_error *err);
int cg_crl_parse(cg_crl *crl, const uint8_t *der, size_t len, cg_der_error *err);
/* The issuer Name element of the certificate der, the fields before it read
 * as cg_cert_parse reads them and nothing after it: 1, or 0 when they do not
 * parse. Where cg_cert_parse succeeds, its issuer is this one: a cheap
 * filter ahead of the full parse. */
int cg_cert_peek_issuer(const uint8_t *der, size_t len, cg_cbs *issuer);
/* Streams revokedCertificates: *iter starts as crl->revoked. Returns 1 with
 * an entry, 0 at the end (err->what empty) or on bad DER (err set, offset
 * relative to base). */
int cg_crl_next_entry(cg_cbs *iter, cg_crl_entry *out, const uint8_t *base,
                      cg_der_error *err);

/* First extension with the given OID, and how many there are. */
const cg_ext *cg_cert_find_ext(const cg_cert *cert, const uint8_t *oid, size_t oid_len,
                               size_t *count);
const cg_ext *cg_crl_find_ext(const cg_crl *crl, const uint8_t *oid, size_t oid_len,
                              size_t *count);

/* The keyIdentifier [0] of an authorityKeyIdentifier extension, and the
 * key identifier a subjectKeyIdentifier extension holds (RFC 5280 §4.2.1.1,
 * §4.2.1.2): 1 and *keyid (a view into the extension), or 0 when ext is
 * NULL, carries none or does not decode. */
int cg_ext_aki_keyid(const cg_ext *ext, cg_cbs *keyid);
int cg_ext_ski(const cg_ext *ext, cg_cbs *keyid);
/* An authorityKeyIdentifier extension holding keyIdentifier [0] = keyid
 * and nothing else, non-critical, written into buf (cap octets) and parsed
 * into *out (views into buf): what RFC 6962 §3.2 has a precertificate's TBS
 * carry for its final issuer. 1, or 0 when buf is too small. */
int cg_ext_aki_build(const cg_cbs *keyid, uint8_t *buf, size_t cap, cg_ext *out);

/* Tells a Certificate from a CertificateList by the shape of the TBS. */
cg_kind cg_guess_kind(const uint8_t *der, size_t len);

/* basicConstraints with cA TRUE. */
int cg_cert_is_ca(const cg_cert *cert);
/* extKeyUsage holds the Precertificate Signing purpose 1.3.6.1.4.1.11129.2.4.4. */
int cg_cert_is_precert_signing(const cg_cert *cert);

#endif
