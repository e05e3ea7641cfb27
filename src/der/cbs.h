/* Strict DER reader and writer over non-owning byte views, after BoringSSL's
 * CBS/CBB. Every getter returns 1 on success and 0 on failure, advances the
 * cursor only on success, never reads past len and never allocates.
 * Tags are single identifier octets (class | constructed | number < 31);
 * X.509 and RFC 6962 never use the high-tag-number form. */
#ifndef CAGUARD_DER_CBS_H
#define CAGUARD_DER_CBS_H

#include <stddef.h>
#include <stdint.h>

#define CG_ASN1_BOOLEAN 0x01
#define CG_ASN1_INTEGER 0x02
#define CG_ASN1_BITSTRING 0x03
#define CG_ASN1_OCTETSTRING 0x04
#define CG_ASN1_NULL 0x05
#define CG_ASN1_OBJECT 0x06
#define CG_ASN1_ENUMERATED 0x0a
#define CG_ASN1_UTF8STRING 0x0c
#define CG_ASN1_PRINTABLESTRING 0x13
#define CG_ASN1_T61STRING 0x14
#define CG_ASN1_IA5STRING 0x16
#define CG_ASN1_UTCTIME 0x17
#define CG_ASN1_GENERALIZEDTIME 0x18
#define CG_ASN1_UNIVERSALSTRING 0x1c
#define CG_ASN1_BMPSTRING 0x1e
#define CG_ASN1_SEQUENCE 0x30
#define CG_ASN1_SET 0x31
#define CG_ASN1_CONSTRUCTED 0x20
#define CG_ASN1_CONTEXT 0x80
/* [n] IMPLICIT primitive and [n] constructed (EXPLICIT or IMPLICIT SEQUENCE) */
#define CG_ASN1_CTX(n) ((uint8_t)(CG_ASN1_CONTEXT | (n)))
#define CG_ASN1_CTX_CONS(n) ((uint8_t)(CG_ASN1_CONTEXT | CG_ASN1_CONSTRUCTED | (n)))

/* Maximum nesting the validator and the tree walkers accept. */
#define CG_DER_MAX_DEPTH 64

typedef struct cg_cbs {
    const uint8_t *data;
    size_t len;
} cg_cbs;

void cg_cbs_init(cg_cbs *cbs, const uint8_t *data, size_t len);
/* Byte offset of the cursor from base (the start of the enclosing input). */
size_t cg_cbs_offset(const cg_cbs *cbs, const uint8_t *base);
int cg_cbs_equal(const cg_cbs *a, const cg_cbs *b);
int cg_cbs_mem_equal(const cg_cbs *cbs, const uint8_t *data, size_t len);

int cg_cbs_skip(cg_cbs *cbs, size_t n);
int cg_cbs_get_bytes(cg_cbs *cbs, cg_cbs *out, size_t n);
int cg_cbs_get_u8(cg_cbs *cbs, uint8_t *out);
int cg_cbs_get_u16(cg_cbs *cbs, uint16_t *out);
int cg_cbs_get_u24(cg_cbs *cbs, uint32_t *out);
int cg_cbs_get_u32(cg_cbs *cbs, uint32_t *out);
int cg_cbs_get_u64(cg_cbs *cbs, uint64_t *out);
/* TLS-style length-prefixed vectors (RFC 6962 SCT lists). */
int cg_cbs_get_u8_length_prefixed(cg_cbs *cbs, cg_cbs *out);
int cg_cbs_get_u16_length_prefixed(cg_cbs *cbs, cg_cbs *out);
int cg_cbs_get_u24_length_prefixed(cg_cbs *cbs, cg_cbs *out);

/* Strict DER: definite, minimal length; the whole element within cbs. */
int cg_cbs_get_any_asn1_element(cg_cbs *cbs, cg_cbs *out, uint8_t *out_tag,
                                size_t *out_header_len);
/* Element with the given tag: _asn1 yields the contents, _element keeps the
 * tag and length (what raw TBS and Name slices need). */
int cg_cbs_get_asn1(cg_cbs *cbs, cg_cbs *out, uint8_t tag);
int cg_cbs_get_asn1_element(cg_cbs *cbs, cg_cbs *out, uint8_t tag);
int cg_cbs_peek_asn1_tag(const cg_cbs *cbs, uint8_t tag);
/* Optional element: *present says whether it was there; 0 only on bad DER. */
int cg_cbs_get_optional_asn1(cg_cbs *cbs, cg_cbs *out, int *present, uint8_t tag);
int cg_cbs_get_optional_asn1_element(cg_cbs *cbs, cg_cbs *out, int *present,
                                     uint8_t tag);
/* Non-negative INTEGER that fits 64 bits, minimally encoded. */
int cg_cbs_get_asn1_uint64(cg_cbs *cbs, uint64_t *out);
/* BOOLEAN; DER allows only 00 and FF. */
int cg_cbs_get_asn1_bool(cg_cbs *cbs, int *out);

/* BER: accepts non-minimal and indefinite lengths, for telling "not DER"
 * from "does not parse". *noncanonical is set when the element (not its
 * contents) is not DER. Indefinite-length elements include their EOC. */
int cg_ber_get_any_element(cg_cbs *cbs, cg_cbs *out, uint8_t *out_tag,
                           size_t *out_header_len, int *indefinite, int *noncanonical,
                           unsigned depth);

/* Whole-object DER validation. */
typedef enum {
    CG_DER_OK = 0,
    CG_DER_NONCANONICAL = 1, /* parses as BER, is not DER */
    CG_DER_MALFORMED = 2     /* does not parse */
} cg_der_status;

typedef struct cg_der_error {
    size_t offset;      /* byte offset into the object */
    char what[160];     /* what was expected or found */
} cg_der_error;

/* Fills err with the offset of at in the object that starts at base and
 * what (printf-style). Returns 0, so a reader can "return cg_der_fail(...)". */
int cg_der_fail(cg_der_error *err, const uint8_t *base, const cg_cbs *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks that der holds exactly one element and that every element in the
 * tree is DER: definite minimal lengths, BOOLEAN 00/FF, minimal INTEGERs,
 * sorted SET OF, primitive strings, BIT STRING padding, nesting at most
 * CG_DER_MAX_DEPTH. *consumed receives the element's length (bytes after it
 * are the caller's to report). */
cg_der_status cg_der_validate(const uint8_t *der, size_t len, size_t *consumed,
                              cg_der_error *err);

/* Writer. A cg_cbb writes into a caller-provided buffer (no allocation).
 * cg_cbb_add_asn1 opens a child whose length is written minimally when the
 * child is flushed (the next add on the parent or cg_cbb_finish). */
typedef struct cg_cbb {
    uint8_t *buf;
    size_t cap;
    size_t len;
    struct cg_cbb *child;  /* open child, or NULL */
    struct cg_cbb *parent; /* NULL for the root */
    size_t start;          /* child: offset of its contents in the root's buf */
    size_t prefix;         /* child: 0 = ASN.1 length, 1..3 = TLS length octets */
    int error;
} cg_cbb;

void cg_cbb_init_fixed(cg_cbb *cbb, uint8_t *buf, size_t cap);
int cg_cbb_add_u8(cg_cbb *cbb, uint8_t v);
int cg_cbb_add_u16(cg_cbb *cbb, uint16_t v);
int cg_cbb_add_u24(cg_cbb *cbb, uint32_t v);
int cg_cbb_add_u64(cg_cbb *cbb, uint64_t v);
int cg_cbb_add_bytes(cg_cbb *cbb, const uint8_t *data, size_t len);
/* Opens child as the contents of a [tag] element of the parent. */
int cg_cbb_add_asn1(cg_cbb *cbb, cg_cbb *child, uint8_t tag);
/* Opens child as a TLS vector with a len_bytes-byte length prefix (1..3). */
int cg_cbb_add_length_prefixed(cg_cbb *cbb, cg_cbb *child, size_t len_bytes);
/* Writes a DER tag and length header directly. */
int cg_cbb_add_asn1_header(cg_cbb *cbb, uint8_t tag, size_t content_len);
int cg_cbb_flush(cg_cbb *cbb);
/* Flushes every open child; *out_len receives the total written. */
int cg_cbb_finish(cg_cbb *cbb, size_t *out_len);
/* Length of a DER header for content_len bytes of contents. */
size_t cg_der_header_len(size_t content_len);

#endif
