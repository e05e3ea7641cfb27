/* Whole-tree DER validation: tells DER from BER-but-not-DER from garbage,
 * and says where. The structural parsers in src/x509 read with the strict
 * getters of cbs.c; this pass finds what they cannot see (BOOLEAN values,
 * INTEGER minimality, SET OF order, BIT STRING padding). */
#include "der/cbs.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const uint8_t *base;
    cg_der_status status;
    cg_der_error *err;
} walk;

static void set_err(walk *w, cg_der_status st, const uint8_t *at, const char *what)
{
    /* Malformed always wins; otherwise keep the first non-canonical spot. */
    if (w->status == CG_DER_MALFORMED || (w->status == st))
        return;
    w->status = st;
    if (w->err != NULL) {
        w->err->offset = (size_t)(at - w->base);
        snprintf(w->err->what, sizeof(w->err->what), "%s", what);
    }
}

/* X.690 11.6: SET OF components sorted as octet strings, the shorter one
 * padded with trailing zero octets. */
static int setof_le(const cg_cbs *a, const cg_cbs *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c != 0)
        return c < 0;
    const cg_cbs *longer = a->len > b->len ? a : b;
    for (size_t i = n; i < longer->len; i++) {
        if (longer->data[i] != 0)
            return longer == b;
    }
    return 1;
}

static int is_string_tag(uint8_t t)
{
    switch (t & 0x1f) {
    case CG_ASN1_BITSTRING: case CG_ASN1_OCTETSTRING: case CG_ASN1_UTF8STRING:
    case 0x12: case CG_ASN1_PRINTABLESTRING: case CG_ASN1_T61STRING: case 0x15:
    case CG_ASN1_IA5STRING: case CG_ASN1_UTCTIME: case CG_ASN1_GENERALIZEDTIME:
    case 0x19: case 0x1a: case 0x1b: case CG_ASN1_UNIVERSALSTRING: case CG_ASN1_BMPSTRING:
        return 1;
    default:
        return 0;
    }
}

static void check_primitive(walk *w, uint8_t tag, const cg_cbs *elem, size_t hdr)
{
    const uint8_t *c = elem->data + hdr;
    size_t n = elem->len - hdr;
    switch (tag) {
    case CG_ASN1_BOOLEAN:
        if (n != 1)
            set_err(w, CG_DER_MALFORMED, elem->data, "BOOLEAN of length other than 1");
        else if (c[0] != 0x00 && c[0] != 0xff)
            set_err(w, CG_DER_NONCANONICAL, elem->data, "BOOLEAN TRUE not encoded as FF");
        break;
    case CG_ASN1_INTEGER:
    case CG_ASN1_ENUMERATED:
        if (n == 0)
            set_err(w, CG_DER_MALFORMED, elem->data, "INTEGER with no contents");
        else if (n > 1 && ((c[0] == 0x00 && !(c[1] & 0x80)) || (c[0] == 0xff && (c[1] & 0x80))))
            set_err(w, CG_DER_NONCANONICAL, elem->data, "INTEGER not minimally encoded");
        break;
    case CG_ASN1_NULL:
        if (n != 0)
            set_err(w, CG_DER_MALFORMED, elem->data, "NULL with contents");
        break;
    case CG_ASN1_OBJECT:
        if (n == 0 || (c[n - 1] & 0x80))
            set_err(w, CG_DER_MALFORMED, elem->data, "OBJECT IDENTIFIER truncated");
        for (size_t i = 0; i < n; i++) {
            if (c[i] == 0x80 && (i == 0 || !(c[i - 1] & 0x80))) {
                set_err(w, CG_DER_MALFORMED, elem->data + hdr + i,
                        "OBJECT IDENTIFIER arc with a leading 0x80 octet");
                break;
            }
        }
        break;
    case CG_ASN1_BITSTRING:
        if (n == 0 || c[0] > 7 || (n == 1 && c[0] != 0))
            set_err(w, CG_DER_MALFORMED, elem->data, "BIT STRING with a bad unused-bits octet");
        else if (n > 1 && (c[n - 1] & ((1u << c[0]) - 1)) != 0)
            set_err(w, CG_DER_NONCANONICAL, elem->data, "BIT STRING padding bits not zero");
        break;
    default:
        break;
    }
}

static void walk_elements(walk *w, cg_cbs contents, unsigned depth, int is_set);

static void walk_one(walk *w, cg_cbs *in, unsigned depth, cg_cbs *out_elem)
{
    uint8_t tag;
    size_t hdr;
    int indef = 0, nc = 0;
    const uint8_t *at = in->data;
    cg_cbs elem;
    if (depth > CG_DER_MAX_DEPTH) {
        set_err(w, CG_DER_MALFORMED, at, "nesting deeper than 64 levels");
        return;
    }
    if (!cg_ber_get_any_element(in, &elem, &tag, &hdr, &indef, &nc, depth)) {
        if (in->len == 0)
            set_err(w, CG_DER_MALFORMED, at, "an element, found end of input");
        else if ((in->data[0] & 0x1f) == 0x1f)
            set_err(w, CG_DER_MALFORMED, at, "a low-number tag (high-tag-number form)");
        else
            set_err(w, CG_DER_MALFORMED, at,
                    "a tag and length within the input (length runs past the end, "
                    "or nesting too deep)");
        in->len = 0;
        return;
    }
    if (indef)
        set_err(w, CG_DER_NONCANONICAL, at, "definite length (indefinite length used)");
    else if (nc)
        set_err(w, CG_DER_NONCANONICAL, at, "minimal length encoding");
    if (out_elem != NULL)
        *out_elem = elem;
    if (tag & CG_ASN1_CONSTRUCTED) {
        if ((tag & 0xc0) == 0 && is_string_tag(tag))
            set_err(w, CG_DER_NONCANONICAL, at, "primitive encoding of a string type");
        cg_cbs contents;
        cg_cbs_init(&contents, elem.data + hdr, elem.len - hdr - (indef ? 2 : 0));
        walk_elements(w, contents, depth + 1, tag == CG_ASN1_SET);
    } else {
        check_primitive(w, tag, &elem, hdr);
    }
}

static void walk_elements(walk *w, cg_cbs contents, unsigned depth, int is_set)
{
    cg_cbs prev = {NULL, 0};
    while (contents.len > 0 && w->status != CG_DER_MALFORMED) {
        cg_cbs elem = {NULL, 0};
        walk_one(w, &contents, depth, &elem);
        if (is_set && prev.data != NULL && elem.data != NULL && !setof_le(&prev, &elem))
            set_err(w, CG_DER_NONCANONICAL, elem.data, "SET OF elements in sorted order");
        prev = elem;
    }
}

cg_der_status cg_der_validate(const uint8_t *der, size_t len, size_t *consumed,
                              cg_der_error *err)
{
    walk w = {der, CG_DER_OK, err};
    cg_cbs in;
    cg_cbs_init(&in, der, len);
    if (err != NULL) {
        err->offset = 0;
        err->what[0] = '\0';
    }
    walk_one(&w, &in, 0, NULL);
    if (consumed != NULL)
        *consumed = len - in.len;
    return w.status;
}
