/* CT log entries (RFC 6962 §3.4, §4.6; c2sp.org/static-ct-api), read
 * straight down the TLS presentation language. */
#include "ct/leaf.h"

#include <stdio.h>
#include <string.h>

static void clear_error(cg_der_error *err)
{
    err->offset = 0;
    err->what[0] = '\0';
}

/* opaque<1..2^24-1> (ASN.1Cert, TBSCertificate). */
static int get_cert(cg_cbs *in, cg_cbs *out, const char *name, const uint8_t *base,
                    cg_der_error *err)
{
    cg_cbs at = *in;
    if (!cg_cbs_get_u24_length_prefixed(in, out))
        return cg_der_fail(err, base, &at, "%s: a 3-byte length and that many bytes, %zu remain",
                           name, at.len);
    if (out->len == 0) {
        *in = at;
        return cg_der_fail(err, base, &at, "%s: an empty %s (at least 1 byte)", name, name);
    }
    return 1;
}

int cg_ct_entry_read(cg_cbs *in, cg_ct_entry *out, const uint8_t *base, cg_der_error *err)
{
    cg_cbs c = *in, at;

    memset(out, 0, sizeof(*out));
    clear_error(err);
    if (!cg_cbs_get_u64(&c, &out->timestamp))
        return cg_der_fail(err, base, &c,
                           "TimestampedEntry: an 8-byte timestamp, %zu bytes remain", c.len);
    at = c;
    if (!cg_cbs_get_u16(&c, &out->entry_type))
        return cg_der_fail(err, base, &at, "TimestampedEntry: a 2-byte entry type");
    switch (out->entry_type) {
    case CG_CT_X509_ENTRY:
        if (!get_cert(&c, &out->cert, "certificate", base, err))
            return 0;
        break;
    case CG_CT_PRECERT_ENTRY:
        at = c;
        if (!cg_cbs_get_bytes(&c, &out->issuer_key_hash, 32))
            return cg_der_fail(err, base, &at,
                               "PreCert: a 32-byte issuer key hash, %zu bytes remain", at.len);
        if (!get_cert(&c, &out->tbs, "TBSCertificate", base, err))
            return 0;
        break;
    default:
        return cg_der_fail(
            err, base, &at,
            "TimestampedEntry: entry type x509_entry (0) or precert_entry (1), found %u",
            out->entry_type);
    }
    at = c;
    if (!cg_cbs_get_u16_length_prefixed(&c, &out->extensions))
        return cg_der_fail(err, base, &at, "TimestampedEntry: CtExtensions with a 2-byte length");
    out->raw.data = in->data;
    out->raw.len = in->len - c.len;
    *in = c;
    return 1;
}

int cg_ct_leaf_parse(const uint8_t *leaf, size_t len, cg_ct_entry *out, cg_der_error *err)
{
    cg_cbs in, at;
    uint8_t version, type;

    cg_cbs_init(&in, leaf, len);
    clear_error(err);
    memset(out, 0, sizeof(*out));
    at = in;
    if (!cg_cbs_get_u8(&in, &version) || version != 0)
        return cg_der_fail(err, leaf, &at, "MerkleTreeLeaf: version v1 (0)%s",
                           len == 0 ? ", found an empty leaf" : "");
    at = in;
    if (!cg_cbs_get_u8(&in, &type) || type != 0)
        return cg_der_fail(err, leaf, &at, "MerkleTreeLeaf: leaf type timestamped_entry (0)");
    if (!cg_ct_entry_read(&in, out, leaf, err))
        return 0;
    if (in.len != 0)
        return cg_der_fail(err, leaf, &in, "the end of the MerkleTreeLeaf, found %zu more bytes",
                           in.len);
    return 1;
}

int cg_ct_entry_leaf_hash(cg_merkle_hasher *h, const cg_cbs *te, uint8_t out[CG_MERKLE_HASH_LEN])
{
    static const uint8_t header[2] = {0, 0}; /* version v1, timestamped_entry */
    return cg_merkle_leaf_hash_parts(h, header, sizeof(header), te->data, te->len, out);
}

int cg_ct_chain_next(cg_cbs *chain, cg_cbs *cert)
{
    cg_cbs c = *chain;
    if (!cg_cbs_get_u24_length_prefixed(&c, cert) || cert->len == 0)
        return 0;
    *chain = c;
    return 1;
}

int cg_ct_extra_parse(uint16_t entry_type, const uint8_t *data, size_t len, cg_ct_extra *out,
                      cg_der_error *err)
{
    cg_cbs in, at, chain, cert;
    size_t i = 0;

    cg_cbs_init(&in, data, len);
    clear_error(err);
    memset(out, 0, sizeof(*out));
    if (entry_type == CG_CT_PRECERT_ENTRY &&
        !get_cert(&in, &out->pre_certificate, "pre_certificate", data, err))
        return 0;
    if (entry_type != CG_CT_PRECERT_ENTRY && entry_type != CG_CT_X509_ENTRY)
        return cg_der_fail(err, data, &in, "extra_data of entry type 0 or 1, not %u", entry_type);
    at = in;
    if (!cg_cbs_get_u24_length_prefixed(&in, &out->chain))
        return cg_der_fail(err, data, &at,
                           "a certificate chain with a 3-byte length, %zu bytes remain", at.len);
    if (in.len != 0)
        return cg_der_fail(err, data, &in, "the end of extra_data, found %zu more bytes", in.len);
    chain = out->chain;
    for (;;) {
        at = chain;
        if (!cg_ct_chain_next(&chain, &cert))
            break;
        i++;
    }
    if (chain.len != 0)
        return cg_der_fail(err, data, &at,
                           "chain certificate %zu: a 3-byte length and 1 or more bytes", i + 1);
    return 1;
}

int cg_ct_tile_leaf_next(cg_cbs *tile, cg_ct_tile_leaf *out, const uint8_t *base,
                         cg_der_error *err)
{
    cg_cbs c = *tile, at;

    memset(out, 0, sizeof(*out));
    if (!cg_ct_entry_read(&c, &out->entry, base, err))
        return 0;
    if (out->entry.entry_type == CG_CT_PRECERT_ENTRY &&
        !get_cert(&c, &out->pre_certificate, "pre_certificate", base, err))
        return 0;
    at = c;
    if (!cg_cbs_get_u16_length_prefixed(&c, &out->fingerprints))
        return cg_der_fail(err, base, &at, "TileLeaf: certificate_chain with a 2-byte length");
    if (out->fingerprints.len % 32 != 0)
        return cg_der_fail(
            err, base, &at,
            "TileLeaf: certificate_chain of 32-byte fingerprints, %zu bytes is not a "
            "multiple of 32",
            out->fingerprints.len);
    *tile = c;
    return 1;
}

int cg_ct_extensions_leaf_index(const cg_cbs *extensions, uint64_t *index)
{
    cg_cbs in = *extensions, data;
    int found = 0;
    uint64_t v = 0;

    while (in.len > 0) {
        uint8_t type;
        if (!cg_cbs_get_u8(&in, &type) || !cg_cbs_get_u16_length_prefixed(&in, &data))
            return 0;
        if (type != CG_CT_EXT_LEAF_INDEX)
            continue;
        if (found || data.len != 5)
            return 0;
        found = 1;
        v = 0;
        for (size_t i = 0; i < 5; i++)
            v = v << 8 | data.data[i];
    }
    if (found)
        *index = v;
    return found;
}

int cg_ct_leaf_index_ext_write(uint64_t index, uint8_t out[CG_CT_LEAF_INDEX_EXT_LEN])
{
    if (index > CG_CT_MAX_LEAF_INDEX)
        return 0;
    out[0] = CG_CT_EXT_LEAF_INDEX;
    out[1] = 0;
    out[2] = 5;
    for (size_t i = 0; i < 5; i++)
        out[3 + i] = (uint8_t)(index >> (8 * (4 - i)));
    return 1;
}

int cg_ct_entry_write(cg_cbb *cbb, uint64_t timestamp, uint16_t entry_type,
                      const uint8_t *issuer_key_hash, const uint8_t *body, size_t body_len,
                      const uint8_t *ext, size_t ext_len)
{
    cg_cbb v;

    if (body_len == 0 || (entry_type == CG_CT_PRECERT_ENTRY) != (issuer_key_hash != NULL) ||
        (entry_type != CG_CT_PRECERT_ENTRY && entry_type != CG_CT_X509_ENTRY))
        return 0;
    if (!cg_cbb_add_u64(cbb, timestamp) || !cg_cbb_add_u16(cbb, entry_type) ||
        (issuer_key_hash != NULL && !cg_cbb_add_bytes(cbb, issuer_key_hash, 32)) ||
        !cg_cbb_add_length_prefixed(cbb, &v, 3) || !cg_cbb_add_bytes(&v, body, body_len) ||
        !cg_cbb_add_length_prefixed(cbb, &v, 2) || !cg_cbb_add_bytes(&v, ext, ext_len))
        return 0;
    return cg_cbb_flush(cbb);
}

int cg_ct_leaf_write(cg_cbb *cbb, const uint8_t *te, size_t te_len)
{
    return cg_cbb_add_u8(cbb, 0) && cg_cbb_add_u8(cbb, 0) && cg_cbb_add_bytes(cbb, te, te_len);
}

int cg_ct_extra_write(cg_cbb *cbb, const uint8_t *pre_certificate, size_t pre_len,
                      const cg_cbs *chain, size_t n_chain)
{
    cg_cbb list, c;

    if (pre_certificate != NULL && (pre_len == 0 || !cg_cbb_add_length_prefixed(cbb, &c, 3) ||
                                    !cg_cbb_add_bytes(&c, pre_certificate, pre_len)))
        return 0;
    if (!cg_cbb_add_length_prefixed(cbb, &list, 3))
        return 0;
    for (size_t i = 0; i < n_chain; i++) {
        if (chain[i].len == 0 || !cg_cbb_add_length_prefixed(&list, &c, 3) ||
            !cg_cbb_add_bytes(&c, chain[i].data, chain[i].len))
            return 0;
    }
    return cg_cbb_flush(cbb);
}

int cg_ct_tile_leaf_write(cg_cbb *cbb, const uint8_t *te, size_t te_len,
                          const uint8_t *pre_certificate, size_t pre_len,
                          const uint8_t *fingerprints, size_t n_fp)
{
    cg_cbb v;

    if (!cg_cbb_add_bytes(cbb, te, te_len))
        return 0;
    if (pre_certificate != NULL && (pre_len == 0 || !cg_cbb_add_length_prefixed(cbb, &v, 3) ||
                                    !cg_cbb_add_bytes(&v, pre_certificate, pre_len)))
        return 0;
    if (n_fp > 0xffff / 32 || !cg_cbb_add_length_prefixed(cbb, &v, 2) ||
        (n_fp > 0 && !cg_cbb_add_bytes(&v, fingerprints, n_fp * 32)))
        return 0;
    return cg_cbb_flush(cbb);
}
