/* DER/TLS writer into a fixed buffer (see cbs.h). A child reserves one
 * length octet for ASN.1 (moved up on flush when the length needs the long
 * form) or len_bytes octets for a TLS vector. */
#include "der/cbs.h"

#include <string.h>

void cg_cbb_init_fixed(cg_cbb *cbb, uint8_t *buf, size_t cap)
{
    memset(cbb, 0, sizeof(*cbb));
    cbb->buf = buf;
    cbb->cap = cap;
}

size_t cg_der_header_len(size_t n)
{
    size_t h = 2;
    if (n < 0x80)
        return h;
    for (size_t v = n; v > 0; v >>= 8)
        h++;
    return h;
}

static cg_cbb *root_of(cg_cbb *c)
{
    while (c->parent != NULL)
        c = c->parent;
    return c;
}

static int reserve(cg_cbb *cbb, size_t n, uint8_t **out)
{
    cg_cbb *root = root_of(cbb);
    if (root->error || !cg_cbb_flush(cbb) || n > root->cap - root->len) {
        root->error = 1;
        return 0;
    }
    *out = root->buf + root->len;
    root->len += n;
    return 1;
}

int cg_cbb_flush(cg_cbb *cbb)
{
    cg_cbb *child = cbb->child;
    cg_cbb *root = root_of(cbb);
    if (root->error)
        return 0;
    if (child == NULL)
        return 1;
    if (!cg_cbb_flush(child))
        return 0;
    size_t content = root->len - child->start;
    if (child->prefix == 0) {
        /* ASN.1: one length octet was reserved before start. */
        size_t hdr = cg_der_header_len(content) - 1; /* length octets */
        if (hdr > 1) {
            size_t extra = hdr - 1;
            if (extra > root->cap - root->len) {
                root->error = 1;
                return 0;
            }
            memmove(root->buf + child->start + extra, root->buf + child->start, content);
            root->len += extra;
        }
        uint8_t *p = root->buf + child->start - 1;
        if (hdr == 1) {
            p[0] = (uint8_t)content;
        } else {
            p[0] = (uint8_t)(0x80 | (hdr - 1));
            for (size_t i = 0; i < hdr - 1; i++)
                p[1 + i] = (uint8_t)(content >> (8 * (hdr - 2 - i)));
        }
    } else {
        size_t nb = child->prefix;
        if (nb < 8 && (content >> (8 * nb)) != 0) {
            root->error = 1;
            return 0;
        }
        uint8_t *p = root->buf + child->start - nb;
        for (size_t i = 0; i < nb; i++)
            p[i] = (uint8_t)(content >> (8 * (nb - 1 - i)));
    }
    child->parent = NULL;
    cbb->child = NULL;
    return 1;
}

static int open_child(cg_cbb *cbb, cg_cbb *child, size_t prefix_kind, size_t reserved)
{
    uint8_t *p;
    if (!reserve(cbb, reserved, &p))
        return 0;
    memset(child, 0, sizeof(*child));
    child->parent = cbb;
    child->prefix = prefix_kind;
    child->start = root_of(cbb)->len;
    cbb->child = child;
    return 1;
}

int cg_cbb_add_bytes(cg_cbb *cbb, const uint8_t *data, size_t len)
{
    uint8_t *p;
    if (!reserve(cbb, len, &p))
        return 0;
    if (len > 0)
        memcpy(p, data, len);
    return 1;
}

static int add_be(cg_cbb *cbb, uint64_t v, size_t n)
{
    uint8_t *p;
    if (!reserve(cbb, n, &p))
        return 0;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return 1;
}

int cg_cbb_add_u8(cg_cbb *cbb, uint8_t v) { return add_be(cbb, v, 1); }
int cg_cbb_add_u16(cg_cbb *cbb, uint16_t v) { return add_be(cbb, v, 2); }
int cg_cbb_add_u24(cg_cbb *cbb, uint32_t v) { return add_be(cbb, v, 3); }
int cg_cbb_add_u64(cg_cbb *cbb, uint64_t v) { return add_be(cbb, v, 8); }

int cg_cbb_add_asn1(cg_cbb *cbb, cg_cbb *child, uint8_t tag)
{
    if (!cg_cbb_add_u8(cbb, tag))
        return 0;
    return open_child(cbb, child, 0, 1);
}

int cg_cbb_add_length_prefixed(cg_cbb *cbb, cg_cbb *child, size_t len_bytes)
{
    if (len_bytes < 1 || len_bytes > 3) {
        root_of(cbb)->error = 1;
        return 0;
    }
    return open_child(cbb, child, len_bytes, len_bytes);
}

int cg_cbb_add_asn1_header(cg_cbb *cbb, uint8_t tag, size_t n)
{
    size_t h = cg_der_header_len(n);
    uint8_t *p;
    if (!reserve(cbb, h, &p))
        return 0;
    p[0] = tag;
    if (h == 2) {
        p[1] = (uint8_t)n;
        return 1;
    }
    p[1] = (uint8_t)(0x80 | (h - 2));
    for (size_t i = 0; i < h - 2; i++)
        p[2 + i] = (uint8_t)(n >> (8 * (h - 3 - i)));
    return 1;
}

int cg_cbb_finish(cg_cbb *cbb, size_t *out_len)
{
    if (cbb->parent != NULL || !cg_cbb_flush(cbb))
        return 0;
    if (out_len != NULL)
        *out_len = cbb->len;
    return 1;
}
