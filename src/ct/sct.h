/* RFC 6962 §3.2-3.3 Signed Certificate Timestamps as they travel in the
 * certificate extension 1.3.6.1.4.1.11129.2.4.2: the extnValue contents are
 * a DER OCTET STRING wrapping a TLS SignedCertificateTimestampList, i.e.
 * opaque SerializedSCT<1..2^16-1> sct_list<1..2^16-1>.
 *
 * Views only: every cg_cbs points into the caller's bytes and nothing is
 * allocated. Error offsets count from the first byte of the extnValue
 * contents (the OCTET STRING tag), so "offset 2" is the list length of a
 * short-form OCTET STRING. */
#ifndef CAGUARD_CT_SCT_H
#define CAGUARD_CT_SCT_H

#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"

#define CG_SCT_V1 0
#define CG_SCT_LOG_ID_LEN 32

/* One SCT. For a version other than v1 the body cannot be read: only raw and
 * version are set, the other fields are empty or zero. */
typedef struct cg_sct {
    cg_cbs raw;         /* SerializedSCT contents (without its length prefix) */
    uint8_t version;    /* sct_version; CG_SCT_V1 is 0 */
    cg_cbs log_id;      /* 32 bytes: SHA-256 of the log's public key */
    uint64_t timestamp; /* milliseconds since the epoch */
    cg_cbs extensions;  /* CtExtensions contents, usually empty */
    uint8_t hash_alg;   /* TLS HashAlgorithm, 4 = sha256 */
    uint8_t sig_alg;    /* TLS SignatureAlgorithm, 1 = rsa, 3 = ecdsa */
    cg_cbs signature;   /* signature contents */
} cg_sct;

/* Iterator over one SCT list. next_index is the 1-based number of the SCT
 * the next call returns, for messages. */
typedef struct cg_sct_list {
    const uint8_t *base; /* start of the extnValue contents */
    cg_cbs rest;         /* SerializedSCTs not yet read */
    size_t next_index;
} cg_sct_list;

/* Unwraps the OCTET STRING and the list length. 1 on success (an empty list
 * included: RFC 6962 forbids it, but that is a finding of its own, not a
 * parse error); 0 with err set when the value is malformed. */
int cg_sct_list_open(cg_sct_list *list, const cg_cbs *ext_value, cg_der_error *err);
/* 1 with the next SCT; 0 at the end of the list (err->what empty) or when
 * the SCT does not parse (err set; the iterator does not advance). */
int cg_sct_list_next(cg_sct_list *list, cg_sct *out, cg_der_error *err);

/* Writers (for tests and for building extensions). cg_sct_write writes one
 * SignedCertificateTimestamp without its length prefix; for a version other
 * than v1 it copies sct->raw, which must start with that version. */
int cg_sct_write(cg_cbb *cbb, const cg_sct *sct);
/* The TLS SignedCertificateTimestampList (u16 length, u16-prefixed SCTs). */
int cg_sct_list_write(cg_cbb *cbb, const cg_sct *scts, size_t n);
/* The extnValue contents: an OCTET STRING wrapping the list. */
int cg_sct_ext_value_write(cg_cbb *cbb, const cg_sct *scts, size_t n);

#endif
