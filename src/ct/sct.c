/* SCT list reader and writer (RFC 6962 §3.2-3.3), read straight down the
 * TLS presentation language with the CBS getters. */
#include "ct/sct.h"

#include <stdio.h>
#include <string.h>

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static void clear_error(cg_der_error *err)
{
    err->offset = 0;
    err->what[0] = '\0';
}

int cg_sct_list_open(cg_sct_list *list, const cg_cbs *ext_value, cg_der_error *err)
{
    const uint8_t *base = ext_value->data;
    cg_cbs in = *ext_value, octets, at;
    uint16_t list_len;

    memset(list, 0, sizeof(*list));
    clear_error(err);
    if (in.len == 0)
        return cg_der_fail(err, base, &in,
                           "an OCTET STRING wrapping the SCT list, found an empty extnValue");
    if (in.data[0] != CG_ASN1_OCTETSTRING)
        return cg_der_fail(err, base, &in,
                           "an OCTET STRING (tag 04) wrapping the SCT list, found tag %02x",
                           in.data[0]);
    if (!cg_cbs_get_asn1(&in, &octets, CG_ASN1_OCTETSTRING))
        return cg_der_fail(err, base, &in,
                           "an OCTET STRING with a minimal definite length that fits "
                           "the %zu-byte extnValue",
                           ext_value->len);
    if (in.len != 0)
        return cg_der_fail(err, base, &in,
                           "the end of extnValue after the OCTET STRING, found %zu more byte%s",
                           in.len, plural(in.len));
    at = octets;
    if (!cg_cbs_get_u16(&octets, &list_len))
        return cg_der_fail(err, base, &at, "a 2-byte SCT list length, found %zu byte%s", at.len,
                           plural(at.len));
    /* A length shorter than what follows leaves trailing data inside the
     * OCTET STRING; both directions are the same mismatch to a reader. */
    if (list_len != octets.len)
        return cg_der_fail(err, base, &at, "SCT list length says %u bytes, %zu remain%s", list_len,
                           octets.len,
                           list_len < octets.len ? " (trailing data after the list)" : "");
    list->base = base;
    list->rest = octets;
    list->next_index = 1;
    return 1;
}

/* A u16-prefixed vector inside one SCT. */
static int get_vector(cg_cbs *in, cg_cbs *out, const char *name, size_t index, const uint8_t *base,
                      cg_der_error *err)
{
    cg_cbs at = *in;
    uint16_t n;
    if (!cg_cbs_get_u16(in, &n))
        return cg_der_fail(err, base, &at, "SCT %zu: a 2-byte %s length, found %zu byte%s", index,
                           name, at.len, plural(at.len));
    if (!cg_cbs_get_bytes(in, out, n))
        return cg_der_fail(err, base, &at,
                           "SCT %zu: %s length says %u bytes, %zu remain in the SCT", index, name,
                           n, in->len);
    return 1;
}

/* body holds at least the version octet. */
static int parse_sct(cg_cbs body, cg_sct *out, size_t index, const uint8_t *base,
                     cg_der_error *err)
{
    cg_cbs at;
    out->raw = body;
    cg_cbs_get_u8(&body, &out->version);
    /* RFC 6962 §3.2: a later version may change everything after the
     * version octet, so the caller reports it and moves on. */
    if (out->version != CG_SCT_V1)
        return 1;
    at = body;
    if (!cg_cbs_get_bytes(&body, &out->log_id, CG_SCT_LOG_ID_LEN))
        return cg_der_fail(err, base, &at, "SCT %zu: a 32-byte log ID, found %zu byte%s", index,
                           at.len, plural(at.len));
    at = body;
    if (!cg_cbs_get_u64(&body, &out->timestamp))
        return cg_der_fail(err, base, &at, "SCT %zu: an 8-byte timestamp, found %zu byte%s", index,
                           at.len, plural(at.len));
    if (!get_vector(&body, &out->extensions, "extensions", index, base, err))
        return 0;
    at = body;
    if (!cg_cbs_get_u8(&body, &out->hash_alg) || !cg_cbs_get_u8(&body, &out->sig_alg))
        return cg_der_fail(err, base, &at,
                           "SCT %zu: hash and signature algorithm octets, found %zu byte%s", index,
                           at.len, plural(at.len));
    if (!get_vector(&body, &out->signature, "signature", index, base, err))
        return 0;
    if (body.len != 0)
        return cg_der_fail(
            err, base, &body,
            "SCT %zu: the end of the SCT after the signature, found %zu more byte%s", index,
            body.len, plural(body.len));
    return 1;
}

int cg_sct_list_next(cg_sct_list *list, cg_sct *out, cg_der_error *err)
{
    cg_cbs rest = list->rest, at = list->rest, body;
    size_t index = list->next_index;
    uint16_t n;

    memset(out, 0, sizeof(*out));
    clear_error(err);
    if (rest.len == 0)
        return 0;
    if (!cg_cbs_get_u16(&rest, &n))
        return cg_der_fail(err, list->base, &at,
                           "SCT %zu: a 2-byte SerializedSCT length, found %zu byte%s", index,
                           at.len, plural(at.len));
    if (!cg_cbs_get_bytes(&rest, &body, n))
        return cg_der_fail(err, list->base, &at,
                           "SCT %zu: SerializedSCT length says %u bytes, %zu remain in the list",
                           index, n, rest.len);
    if (n == 0)
        return cg_der_fail(err, list->base, &at,
                           "SCT %zu: a SerializedSCT of 1 to 65535 bytes, found a zero-length one",
                           index);
    if (!parse_sct(body, out, index, list->base, err))
        return 0;
    list->rest = rest;
    list->next_index++;
    return 1;
}

/* Checks what the writers cannot express, before anything is written, so
 * a 0 from them after this means the buffer was too small. */
static int sct_writable(const cg_sct *sct)
{
    if (sct->version != CG_SCT_V1)
        return sct->raw.len > 0 && sct->raw.len <= 0xffff && sct->raw.data[0] == sct->version;
    return sct->log_id.len == CG_SCT_LOG_ID_LEN && sct->extensions.len <= 0xffff &&
           sct->signature.len <= 0xffff;
}

int cg_sct_write(cg_cbb *cbb, const cg_sct *sct)
{
    cg_cbb ext, sig;
    if (!sct_writable(sct))
        return 0;
    if (sct->version != CG_SCT_V1)
        return cg_cbb_add_bytes(cbb, sct->raw.data, sct->raw.len);
    if (!cg_cbb_add_u8(cbb, sct->version) ||
        !cg_cbb_add_bytes(cbb, sct->log_id.data, sct->log_id.len) ||
        !cg_cbb_add_u64(cbb, sct->timestamp) || !cg_cbb_add_length_prefixed(cbb, &ext, 2) ||
        !cg_cbb_add_bytes(&ext, sct->extensions.data, sct->extensions.len) ||
        !cg_cbb_add_u8(cbb, sct->hash_alg) || !cg_cbb_add_u8(cbb, sct->sig_alg) ||
        !cg_cbb_add_length_prefixed(cbb, &sig, 2) ||
        !cg_cbb_add_bytes(&sig, sct->signature.data, sct->signature.len))
        return 0;
    return cg_cbb_flush(cbb);
}

static int write_list(cg_cbb *cbb, const cg_sct *scts, size_t n)
{
    cg_cbb list, one;
    if (!cg_cbb_add_length_prefixed(cbb, &list, 2))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!cg_cbb_add_length_prefixed(&list, &one, 2) || !cg_sct_write(&one, &scts[i]))
            return 0;
    }
    return cg_cbb_flush(cbb);
}

static int list_writable(const cg_sct *scts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!sct_writable(&scts[i]))
            return 0;
    }
    return 1;
}

int cg_sct_list_write(cg_cbb *cbb, const cg_sct *scts, size_t n)
{
    return list_writable(scts, n) && write_list(cbb, scts, n);
}

int cg_sct_ext_value_write(cg_cbb *cbb, const cg_sct *scts, size_t n)
{
    cg_cbb octets;
    return list_writable(scts, n) && cg_cbb_add_asn1(cbb, &octets, CG_ASN1_OCTETSTRING) &&
           write_list(&octets, scts, n) && cg_cbb_flush(cbb);
}
