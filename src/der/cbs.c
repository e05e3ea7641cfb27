/* Strict DER reader (see cbs.h). */
#include "der/cbs.h"
#include "util/errf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cg_cbs_init(cg_cbs *cbs, const uint8_t *data, size_t len)
{
    cbs->data = data;
    cbs->len = len;
}

size_t cg_cbs_offset(const cg_cbs *cbs, const uint8_t *base)
{
    return (size_t)(cbs->data - base);
}

int cg_cbs_equal(const cg_cbs *a, const cg_cbs *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int cg_cbs_mem_equal(const cg_cbs *cbs, const uint8_t *data, size_t len)
{
    return cbs->len == len && (len == 0 || memcmp(cbs->data, data, len) == 0);
}

int cg_cbs_skip(cg_cbs *cbs, size_t n)
{
    if (n > cbs->len)
        return 0;
    cbs->data += n;
    cbs->len -= n;
    return 1;
}

int cg_cbs_get_bytes(cg_cbs *cbs, cg_cbs *out, size_t n)
{
    if (n > cbs->len)
        return 0;
    cg_cbs_init(out, cbs->data, n);
    cbs->data += n;
    cbs->len -= n;
    return 1;
}

static int get_be(cg_cbs *cbs, uint64_t *out, size_t n)
{
    uint64_t v = 0;
    if (n > cbs->len)
        return 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | cbs->data[i];
    *out = v;
    cbs->data += n;
    cbs->len -= n;
    return 1;
}

/* cg_cbs_get_u8 to _u32: a big-endian integer of n octets into its type. */
#define CBS_GET_UINT(name, type, n)                                                               \
    int name(cg_cbs *cbs, type *out)                                                              \
    {                                                                                             \
        uint64_t v;                                                                               \
        if (!get_be(cbs, &v, n))                                                                  \
            return 0;                                                                             \
        *out = (type)v;                                                                           \
        return 1;                                                                                 \
    }

CBS_GET_UINT(cg_cbs_get_u8, uint8_t, 1)
CBS_GET_UINT(cg_cbs_get_u16, uint16_t, 2)
CBS_GET_UINT(cg_cbs_get_u24, uint32_t, 3)
CBS_GET_UINT(cg_cbs_get_u32, uint32_t, 4)

int cg_cbs_get_u64(cg_cbs *cbs, uint64_t *out)
{
    return get_be(cbs, out, 8);
}

static int get_length_prefixed(cg_cbs *cbs, cg_cbs *out, size_t len_bytes)
{
    cg_cbs copy = *cbs;
    uint64_t n;
    if (!get_be(&copy, &n, len_bytes) || !cg_cbs_get_bytes(&copy, out, (size_t)n))
        return 0;
    *cbs = copy;
    return 1;
}

int cg_cbs_get_u8_length_prefixed(cg_cbs *cbs, cg_cbs *out)
{
    return get_length_prefixed(cbs, out, 1);
}

int cg_cbs_get_u16_length_prefixed(cg_cbs *cbs, cg_cbs *out)
{
    return get_length_prefixed(cbs, out, 2);
}

int cg_cbs_get_u24_length_prefixed(cg_cbs *cbs, cg_cbs *out)
{
    return get_length_prefixed(cbs, out, 3);
}

/* Reads one tag and length. strict: DER only. On success *len_out is the
 * content length, or SIZE_MAX for an indefinite length (BER only). */
static int read_header(const cg_cbs *cbs, int strict, uint8_t *tag, size_t *hdr,
                       size_t *len_out, int *noncanonical)
{
    cg_cbs c = *cbs;
    uint8_t t, l;
    if (!cg_cbs_get_u8(&c, &t) || (t & 0x1f) == 0x1f)
        return 0; /* high-tag-number form is not used in X.509 */
    if (!cg_cbs_get_u8(&c, &l))
        return 0;
    if (l < 0x80) {
        *len_out = l;
        *hdr = 2;
    } else if (l == 0x80) {
        if (strict || !(t & CG_ASN1_CONSTRUCTED))
            return 0;
        *noncanonical = 1;
        *len_out = SIZE_MAX;
        *hdr = 2;
    } else {
        size_t nbytes = l & 0x7f;
        uint64_t v;
        if (nbytes > 4 || !get_be(&c, &v, nbytes))
            return 0; /* 4 GiB is far beyond any object we accept */
        if (v < 0x80 || (v >> ((nbytes - 1) * 8)) == 0) {
            if (strict)
                return 0; /* long form where short would do, or a leading zero */
            *noncanonical = 1;
        }
        *len_out = (size_t)v;
        *hdr = 2 + nbytes;
    }
    *tag = t;
    return 1;
}

int cg_cbs_get_any_asn1_element(cg_cbs *cbs, cg_cbs *out, uint8_t *out_tag,
                                size_t *out_header_len)
{
    uint8_t tag;
    size_t hdr, len;
    int nc = 0;
    if (!read_header(cbs, 1, &tag, &hdr, &len, &nc))
        return 0;
    if (len > cbs->len - hdr)
        return 0;
    if (out_tag != NULL)
        *out_tag = tag;
    if (out_header_len != NULL)
        *out_header_len = hdr;
    return cg_cbs_get_bytes(cbs, out, hdr + len);
}

int cg_cbs_peek_asn1_tag(const cg_cbs *cbs, uint8_t tag)
{
    return cbs->len >= 1 && cbs->data[0] == tag;
}

/* Whether the element at the front of cbs has the tag asked for (never the
 * high-tag-number form, which read_header refuses) and a length in the
 * short form or in one or two octets, minimal as DER wants (from 128 and
 * from 256): most elements a rule reads, a key and an extension list among
 * them. *hdr and *len get the header's size and the contents' length. The
 * getters below then take the element without read_header; anything else
 * goes through it, so both paths accept exactly the same. */
static int quick_header(const cg_cbs *cbs, uint8_t tag, size_t *hdr, size_t *len)
{
    const uint8_t *d = cbs->data;
    if (cbs->len < 2 || d[0] != tag || (tag & 0x1f) == 0x1f)
        return 0;
    if (d[1] < 0x80) {
        *hdr = 2;
        *len = d[1];
        return 1;
    }
    if (d[1] == 0x81 && cbs->len >= 3 && d[2] >= 0x80) {
        *hdr = 3;
        *len = d[2];
        return 1;
    }
    if (d[1] == 0x82 && cbs->len >= 4 && d[2] != 0) {
        *hdr = 4;
        *len = (size_t)d[2] << 8 | d[3];
        return 1;
    }
    return 0;
}

/* The element of tag at cbs into out: whole (header and contents) or, with
 * contents_only, its contents. out may be cbs itself (cg_cbs_get_asn1(&c,
 * &c, tag) steps into an element), so the cursor is written before out. */
static inline int get_asn1(cg_cbs *cbs, cg_cbs *out, uint8_t tag, int contents_only)
{
    const uint8_t *start = cbs->data;
    size_t hdr, len;
    if (quick_header(cbs, tag, &hdr, &len)) {
        if (len > cbs->len - hdr)
            return 0;
        cbs->data += hdr + len;
        cbs->len -= hdr + len;
    } else {
        cg_cbs copy = *cbs, elem;
        uint8_t t;
        if (!cg_cbs_get_any_asn1_element(&copy, &elem, &t, &hdr) || t != tag)
            return 0;
        len = elem.len - hdr;
        *cbs = copy;
    }
    if (contents_only)
        cg_cbs_init(out, start + hdr, len);
    else
        cg_cbs_init(out, start, hdr + len);
    return 1;
}

int cg_cbs_get_asn1_element(cg_cbs *cbs, cg_cbs *out, uint8_t tag)
{
    return get_asn1(cbs, out, tag, 0);
}

int cg_cbs_get_asn1(cg_cbs *cbs, cg_cbs *out, uint8_t tag)
{
    return get_asn1(cbs, out, tag, 1);
}

int cg_cbs_get_optional_asn1(cg_cbs *cbs, cg_cbs *out, int *present, uint8_t tag)
{
    *present = cg_cbs_peek_asn1_tag(cbs, tag);
    if (!*present) {
        cg_cbs_init(out, NULL, 0);
        return 1;
    }
    return cg_cbs_get_asn1(cbs, out, tag);
}

int cg_cbs_get_optional_asn1_element(cg_cbs *cbs, cg_cbs *out, int *present,
                                     uint8_t tag)
{
    *present = cg_cbs_peek_asn1_tag(cbs, tag);
    if (!*present) {
        cg_cbs_init(out, NULL, 0);
        return 1;
    }
    return cg_cbs_get_asn1_element(cbs, out, tag);
}

int cg_cbs_get_asn1_uint64(cg_cbs *cbs, uint64_t *out)
{
    cg_cbs copy = *cbs, c;
    uint64_t v = 0;
    if (!cg_cbs_get_asn1(&copy, &c, CG_ASN1_INTEGER) || c.len == 0)
        return 0;
    if (c.data[0] & 0x80)
        return 0; /* negative */
    if (c.len > 1 && c.data[0] == 0 && !(c.data[1] & 0x80))
        return 0; /* not minimal */
    if (c.len > 9 || (c.len == 9 && c.data[0] != 0))
        return 0;
    for (size_t i = 0; i < c.len; i++)
        v = (v << 8) | c.data[i];
    *out = v;
    *cbs = copy;
    return 1;
}

int cg_cbs_get_asn1_bool(cg_cbs *cbs, int *out)
{
    cg_cbs copy = *cbs, c;
    if (!cg_cbs_get_asn1(&copy, &c, CG_ASN1_BOOLEAN) || c.len != 1)
        return 0;
    if (c.data[0] != 0x00 && c.data[0] != 0xff)
        return 0;
    *out = c.data[0] != 0;
    *cbs = copy;
    return 1;
}

int cg_ber_get_any_element(cg_cbs *cbs, cg_cbs *out, uint8_t *out_tag,
                           size_t *out_header_len, int *indefinite, int *noncanonical,
                           unsigned depth)
{
    uint8_t tag;
    size_t hdr, len;
    int nc = 0;
    if (depth > CG_DER_MAX_DEPTH || !read_header(cbs, 0, &tag, &hdr, &len, &nc))
        return 0;
    *indefinite = 0;
    if (len == SIZE_MAX) {
        /* Indefinite: walk children until the end-of-contents octets. */
        cg_cbs rest = *cbs;
        cg_cbs_skip(&rest, hdr);
        for (;;) {
            cg_cbs child;
            uint8_t ct;
            size_t ch;
            int ci, cn = 0;
            if (rest.len >= 2 && rest.data[0] == 0 && rest.data[1] == 0) {
                cg_cbs_skip(&rest, 2);
                break;
            }
            if (!cg_ber_get_any_element(&rest, &child, &ct, &ch, &ci, &cn, depth + 1))
                return 0;
        }
        len = (size_t)(rest.data - cbs->data) - hdr;
        *indefinite = 1;
    } else if (len > cbs->len - hdr) {
        return 0;
    }
    if (nc)
        *noncanonical = 1;
    if (out_tag != NULL)
        *out_tag = tag;
    if (out_header_len != NULL)
        *out_header_len = hdr;
    return cg_cbs_get_bytes(cbs, out, hdr + len);
}

int cg_der_fail(cg_der_error *err, const uint8_t *base, const cg_cbs *at, const char *fmt, ...)
{
    err->offset = cg_cbs_offset(at, base);
    CG_FORMAT_ARGS(err->what, sizeof(err->what), fmt);
    return 0;
}
