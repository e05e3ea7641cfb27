/* What the single-CRL rules and the cross-object CRL rules share: the
 * serial set over a CRL's own bytes, the reading of reasonCode and the
 * decoding of issuingDistributionPoint (the scope of a CRL). */
#include "rules/crl_util.h"

#include <stdlib.h>
#include <string.h>

#include "x509/oid.h"

/* The shortest entry cg_crl_next_entry accepts: SEQUENCE header (2), a
 * one-octet INTEGER (3) and a UTCTime "YYMMDDHHMM" with no zone (12). It
 * bounds the entry count by the list's length, which sizes the table. */
#define ENTRY_MIN_LEN 17

/* RFC 5280 §5.3.1 CRLReason, by value; 7 is not assigned. */
static const char *const reason_names[] = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", NULL,
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise",
};

static uint64_t serial_hash(const cg_cbs *s)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ s->len, w;
    size_t i = 0;
    for (; i + 8 <= s->len; i += 8) {
        memcpy(&w, s->data + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s->data + i, s->len - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdu;
    return h ^ (h >> 32);
}

int cg_crl_serial_set_init(cg_crl_serial_set *set, const cg_crl *crl)
{
    memset(set, 0, sizeof(*set));
    set->der = crl->der;
    /* Offsets are 32 bits: a CRL of 4 GiB gets no table. */
    if (crl->revoked.len == 0 || crl->der.len > UINT32_MAX)
        return 0;
    size_t max_entries = crl->revoked.len / ENTRY_MIN_LEN + 1;
    /* Load stays under 3/4 even if every entry is the shortest possible;
     * real entries are two to three times that, so probes stay short. */
    set->cap = max_entries + max_entries / 3 + 1;
    set->slot = calloc(set->cap, sizeof(uint32_t));
    if (set->slot == NULL)
        set->cap = 0;
    return set->slot != NULL;
}

void cg_crl_serial_set_free(cg_crl_serial_set *set)
{
    free(set->slot);
    set->slot = NULL;
    set->cap = 0;
}

/* The serial of the entry at off, which parsed once already. */
static int serial_at(const cg_crl_serial_set *set, uint32_t off, cg_cbs *serial)
{
    cg_cbs in, entry;
    cg_cbs_init(&in, set->der.data + off, set->der.len - off);
    return cg_cbs_get_asn1(&in, &entry, CG_ASN1_SEQUENCE) &&
           cg_cbs_get_asn1(&entry, serial, CG_ASN1_INTEGER);
}

/* The slot holding serial, or the empty slot where it would go. */
static size_t probe(const cg_crl_serial_set *set, const cg_cbs *serial)
{
    cg_cbs other;
    uint64_t h = serial_hash(serial);
    size_t i = (size_t)(((h >> 32) * (uint64_t)set->cap) >> 32);
    for (;;) {
        uint32_t off = set->slot[i];
        if (off == 0 || (serial_at(set, off, &other) && cg_cbs_equal(&other, serial)))
            return i;
        if (++i == set->cap)
            i = 0;
    }
}

uint32_t cg_crl_serial_set_add(cg_crl_serial_set *set, const cg_crl_entry *e)
{
    /* One slot always stays empty so that every probe sequence ends. */
    if (set->cap == 0 || set->used + 1 >= set->cap)
        return 0;
    size_t i = probe(set, &e->serial);
    if (set->slot[i] != 0)
        return set->slot[i];
    set->slot[i] = (uint32_t)(e->raw.data - set->der.data);
    set->used++;
    return 0;
}

uint32_t cg_crl_serial_set_find(const cg_crl_serial_set *set, const cg_cbs *serial)
{
    if (set->cap == 0)
        return 0;
    return set->slot[probe(set, serial)];
}

int cg_crl_reason_decode(const cg_cbs *value, unsigned *code, const char **what)
{
    cg_cbs in = *value, e;
    *what = "one ENUMERATED";
    if (!cg_cbs_get_asn1(&in, &e, CG_ASN1_ENUMERATED) || in.len != 0 || e.len == 0)
        return 0;
    *what = "a minimally encoded ENUMERATED (X.690 §8.4)";
    if (e.len > 1 &&
        ((e.data[0] == 0x00 && !(e.data[1] & 0x80)) || (e.data[0] == 0xff && (e.data[1] & 0x80))))
        return 0;
    *what = "a CRLReason between 0 and 255";
    if ((e.data[0] & 0x80) || e.len > 2 || (e.len == 2 && e.data[0] != 0))
        return 0;
    *code = e.data[e.len - 1];
    return 1;
}

const char *cg_crl_reason_name(unsigned code)
{
    return code < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[code] : NULL;
}

int cg_crl_entry_reason(const cg_crl_entry *e, unsigned *code)
{
    cg_cbs iter = e->extensions;
    cg_ext ext;
    const char *what;
    while (iter.len > 0 && cg_ext_next(&iter, &ext)) {
        if (cg_oid_equal(&ext.oid, CG_OID_REASON_CODE, sizeof(CG_OID_REASON_CODE)))
            return cg_crl_reason_decode(&ext.value, code, &what);
    }
    return 0;
}

/* ---- issuingDistributionPoint ---- */

/* [n] IMPLICIT BOOLEAN DEFAULT FALSE; 0 on bad DER. */
static int get_ctx_bool(cg_cbs *in, uint8_t tag, int *val, int *explicit_default)
{
    cg_cbs c;
    int present;
    *val = 0;
    if (!cg_cbs_get_optional_asn1(in, &c, &present, tag))
        return 0;
    if (!present)
        return 1;
    if (c.len != 1 || (c.data[0] != 0x00 && c.data[0] != 0xff))
        return 0;
    *val = c.data[0] == 0xff;
    if (!*val)
        *explicit_default = 1;
    return 1;
}

/* DistributionPointName CHOICE. An empty one chooses no alternative: not
 * valid, but what it says is plain (there is no fullName), so it is
 * accepted here and reported as an IDP problem. */
static int read_dp_name(const cg_cbs *dp, cg_crl_idp *idp)
{
    cg_cbs in = *dp, name;
    uint8_t tag;
    size_t hdr;
    if (in.len == 0)
        return 1;
    if (!cg_cbs_get_any_asn1_element(&in, &name, &tag, &hdr) || in.len != 0)
        return 0;
    if (tag != CG_ASN1_CTX_CONS(0) && tag != CG_ASN1_CTX_CONS(1))
        return 0;
    cg_cbs_skip(&name, hdr);
    idp->has_full_name = tag == CG_ASN1_CTX_CONS(0);
    idp->has_relative_name = tag == CG_ASN1_CTX_CONS(1);
    if (idp->has_full_name)
        idp->full_name = name;
    return 1;
}

int cg_crl_idp_decode(const cg_cbs *value, cg_crl_idp *idp, const char **what)
{
    cg_cbs in = *value, seq, dp;
    uint8_t tag;
    size_t hdr;
    int present;
    memset(idp, 0, sizeof(*idp));

    *what = "one IssuingDistributionPoint SEQUENCE";
    if (!cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0)
        return 0;
    *what = "distributionPoint [0] holding one fullName [0] or nameRelativeToCRLIssuer [1]";
    if (!cg_cbs_get_optional_asn1(&seq, &dp, &present, CG_ASN1_CTX_CONS(0)))
        return 0;
    idp->has_dp = present;
    if (present && !read_dp_name(&dp, idp))
        return 0;
    *what = "onlyContainsUserCerts [1] and onlyContainsCACerts [2] as BOOLEAN 00 or FF";
    if (!get_ctx_bool(&seq, CG_ASN1_CTX(1), &idp->only_user, &idp->explicit_default) ||
        !get_ctx_bool(&seq, CG_ASN1_CTX(2), &idp->only_ca, &idp->explicit_default))
        return 0;
    /* ReasonFlags is an IMPLICIT BIT STRING, primitive in DER. A constructed
     * [3] is still taken as onlySomeReasons so the finding can say so. */
    if (cg_cbs_peek_asn1_tag(&seq, CG_ASN1_CTX(3)) ||
        cg_cbs_peek_asn1_tag(&seq, CG_ASN1_CTX_CONS(3))) {
        *what = "onlySomeReasons [3] as a whole element";
        if (!cg_cbs_get_any_asn1_element(&seq, &idp->some_reasons, &tag, &hdr))
            return 0;
        cg_cbs_skip(&idp->some_reasons, hdr);
        idp->has_some_reasons = 1;
        const cg_cbs *r = &idp->some_reasons;
        idp->some_reasons_bad = tag != CG_ASN1_CTX(3) || r->len == 0 || r->data[0] > 7 ||
                                (r->len == 1 && r->data[0] != 0);
    }
    *what = "indirectCRL [4] and onlyContainsAttributeCerts [5] as BOOLEAN 00 or FF";
    if (!get_ctx_bool(&seq, CG_ASN1_CTX(4), &idp->indirect, &idp->explicit_default) ||
        !get_ctx_bool(&seq, CG_ASN1_CTX(5), &idp->only_attr, &idp->explicit_default))
        return 0;
    *what = "the end of IssuingDistributionPoint (fields [0] to [5], each at most once, in "
            "order)";
    if (seq.len != 0)
        return 0;
    return 1;
}

int cg_crl_is_ca_scope(const cg_crl *crl)
{
    const cg_ext *ext = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    cg_crl_idp idp;
    const char *what;
    if (ext == NULL || !cg_crl_idp_decode(&ext->value, &idp, &what))
        return 0;
    return idp.only_ca && !idp.only_user;
}
