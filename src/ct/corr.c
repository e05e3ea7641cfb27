/* Field-by-field comparison of two TBSCertificates over their raw DER.
 * Fields are compared as the bytes the CA signed; extensions in order, with
 * the two CT extensions skipped wherever they stand, so that an extension
 * added, removed, reordered or changed is named by its OID. */
#include "ct/corr.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/oid.h"
#include "x509/time.h"

static int is_ct_ext(const cg_ext *e)
{
    return cg_oid_equal(&e->oid, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON)) ||
           cg_oid_equal(&e->oid, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST));
}

/* The extensions other than poison and SCT list, in order. */
static size_t filtered(const cg_cert *c, const cg_ext **out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_ext; i++) {
        if (!is_ct_ext(&c->ext[i]))
            out[n++] = &c->ext[i];
    }
    return n;
}

static long find_oid(const cg_ext *const *list, size_t n, const cg_cbs *oid)
{
    for (size_t i = 0; i < n; i++) {
        if (cg_cbs_equal(&list[i]->oid, oid))
            return (long)i;
    }
    return -1;
}

static void ext_name(const cg_cbs *oid, char *buf, size_t cap)
{
    static const struct {
        const uint8_t *oid;
        size_t len;
        const char *name;
    } names[] = {
        {CG_OID_SKI, sizeof(CG_OID_SKI), "subjectKeyIdentifier"},
        {CG_OID_KEY_USAGE, sizeof(CG_OID_KEY_USAGE), "keyUsage"},
        {CG_OID_SAN, sizeof(CG_OID_SAN), "subjectAltName"},
        {CG_OID_BASIC_CONSTRAINTS, sizeof(CG_OID_BASIC_CONSTRAINTS), "basicConstraints"},
        {CG_OID_CRL_DP, sizeof(CG_OID_CRL_DP), "cRLDistributionPoints"},
        {CG_OID_CERT_POLICIES, sizeof(CG_OID_CERT_POLICIES), "certificatePolicies"},
        {CG_OID_AKI, sizeof(CG_OID_AKI), "authorityKeyIdentifier"},
        {CG_OID_EKU, sizeof(CG_OID_EKU), "extKeyUsage"},
        {CG_OID_AIA, sizeof(CG_OID_AIA), "authorityInfoAccess"},
    };
    char dotted[96];
    cg_oid_to_string(oid, dotted, sizeof(dotted));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (cg_oid_equal(oid, names[i].oid, names[i].len)) {
            snprintf(buf, cap, "%s (%s)", names[i].name, dotted);
            return;
        }
    }
    snprintf(buf, cap, "%s", dotted);
}

/* First extension difference, or 0 when the filtered lists are equal. */
static int ext_diff(const cg_cert *pre, const cg_cert *fin, int skip_aki, char *buf, size_t cap)
{
    const cg_ext *a[CG_MAX_EXTENSIONS], *b[CG_MAX_EXTENSIONS];
    size_t na = filtered(pre, a), nb = filtered(fin, b);
    char name[128];
    for (size_t i = 0; i < na || i < nb; i++) {
        if (i < na && i < nb && cg_cbs_equal(&a[i]->raw, &b[i]->raw))
            continue;
        if (i < na && i < nb && cg_cbs_equal(&a[i]->oid, &b[i]->oid)) {
            if (skip_aki && cg_oid_equal(&a[i]->oid, CG_OID_AKI, sizeof(CG_OID_AKI)))
                continue;
            ext_name(&a[i]->oid, name, sizeof(name));
            /* Same flag and value with other bytes: a critical FALSE written
             * out (DER omits the DEFAULT) or a BOOLEAN TRUE not FF. */
            snprintf(buf, cap, "extension %s changed (position %zu): %s", name, i + 1,
                     a[i]->critical != b[i]->critical ? "criticality differs"
                     : !cg_cbs_equal(&a[i]->value, &b[i]->value)
                         ? "value differs"
                         : "encoding differs (same criticality and value)");
            return 1;
        }
        if (i < nb && find_oid(a, na, &b[i]->oid) < 0) {
            ext_name(&b[i]->oid, name, sizeof(name));
            snprintf(buf, cap, "extension %s added in the certificate (position %zu)", name,
                     i + 1);
            return 1;
        }
        if (i < na && find_oid(b, nb, &a[i]->oid) < 0) {
            ext_name(&a[i]->oid, name, sizeof(name));
            snprintf(buf, cap, "extension %s removed from the certificate (position %zu in "
                               "the precertificate)",
                     name, i + 1);
            return 1;
        }
        const cg_cbs *oid = i < na ? &a[i]->oid : &b[i]->oid;
        ext_name(oid, name, sizeof(name));
        snprintf(buf, cap, "extension %s reordered (position %zu in the precertificate, %ld in "
                           "the certificate)",
                 name, i + 1, find_oid(b, nb, oid) + 1);
        return 1;
    }
    return 0;
}

void cg_corr_compare(const cg_cert *pre, const cg_cert *fin, int via_signing_cert, cg_corr *out)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        {"version", offsetof(cg_cert, version)},
        {"serialNumber", offsetof(cg_cert, serial)},
        {"signature algorithm", offsetof(cg_cert, tbs_sig_alg)},
        {"issuer", offsetof(cg_cert, issuer)},
        {"subject", offsetof(cg_cert, subject)},
        {"subjectPublicKeyInfo", offsetof(cg_cert, spki)},
        {"issuerUniqueID", offsetof(cg_cert, issuer_uid)},
        {"subjectUniqueID", offsetof(cg_cert, subject_uid)},
    };
    memset(out, 0, sizeof(*out));
    if (!cg_cbs_equal(&pre->not_before, &fin->not_before) ||
        !cg_cbs_equal(&pre->not_after, &fin->not_after)) {
        char pb[32], pa[32], fb[32], fa[32];
        cg_time_format(pre->not_before_t, pb, sizeof(pb));
        cg_time_format(pre->not_after_t, pa, sizeof(pa));
        cg_time_format(fin->not_before_t, fb, sizeof(fb));
        cg_time_format(fin->not_after_t, fa, sizeof(fa));
        out->validity_differs = 1;
        if (pre->not_before_t == fin->not_before_t && pre->not_after_t == fin->not_after_t)
            snprintf(out->validity, sizeof(out->validity),
                     "validity encodes the same times differently (UTCTime vs "
                     "GeneralizedTime or form): %s - %s",
                     pb, pa);
        else
            snprintf(out->validity, sizeof(out->validity),
                     "precertificate valid %s - %s, certificate valid %s - %s", pb, pa, fb, fa);
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !out->other_differs; i++) {
        const cg_cbs *x = (const cg_cbs *)((const char *)pre + fields[i].off);
        const cg_cbs *y = (const cg_cbs *)((const char *)fin + fields[i].off);
        if (via_signing_cert && fields[i].off == offsetof(cg_cert, issuer))
            continue;
        if (!cg_cbs_equal(x, y)) {
            out->other_differs = 1;
            snprintf(out->first, sizeof(out->first), "%s differs", fields[i].name);
        }
    }
    if (!out->other_differs)
        out->other_differs = ext_diff(pre, fin, via_signing_cert, out->first, sizeof(out->first));
    out->corresponds = !out->validity_differs && !out->other_differs;
}

int cg_corr_same_tbs(const cg_cert *a, const cg_cert *b)
{
    cg_corr c;
    cg_corr_compare(a, b, 0, &c);
    return c.corresponds;
}

/* One field of a key: its length (8 bytes), then its bytes, so that no two
 * different lists of fields give the same input to the hash. */
static uint8_t *key_field(uint8_t *p, const uint8_t *data, size_t len)
{
    for (int i = 7; i >= 0; i--)
        *p++ = (uint8_t)((uint64_t)len >> (8 * i));
    if (len > 0)
        memcpy(p, data, len);
    return p + len;
}

int cg_corr_key(const cg_cert *c, int via_signing_cert, const struct evp_md_st *sha256,
                uint8_t key[32])
{
    /* The fields cg_corr_compare looks at, in its order. */
    const cg_cbs *fields[] = {&c->not_before, &c->not_after,  &c->version,
                              &c->serial,     &c->tbs_sig_alg, &c->issuer,
                              &c->subject,    &c->spki,        &c->issuer_uid,
                              &c->subject_uid};
    const size_t n_fields = sizeof(fields) / sizeof(fields[0]);
    const cg_ext *ext[CG_MAX_EXTENSIONS];
    size_t n_ext = filtered(c, ext), cap = 0;
    for (size_t i = 0; i < n_fields; i++)
        cap += 8 + fields[i]->len;
    for (size_t i = 0; i < n_ext; i++)
        cap += 8 + ext[i]->raw.len;
    uint8_t *buf = malloc(cap), *p = buf;
    if (buf == NULL)
        return 0;
    for (size_t i = 0; i < n_fields; i++) {
        if (via_signing_cert && fields[i] == &c->issuer)
            p = key_field(p, NULL, 0);
        else
            p = key_field(p, fields[i]->data, fields[i]->len);
    }
    for (size_t i = 0; i < n_ext; i++) {
        /* Through a signing certificate the AKI may say anything; only its
         * place in the list counts (its OID, which no whole extension
         * element equals: those start with a SEQUENCE tag). */
        if (via_signing_cert && cg_oid_equal(&ext[i]->oid, CG_OID_AKI, sizeof(CG_OID_AKI)))
            p = key_field(p, ext[i]->oid.data, ext[i]->oid.len);
        else
            p = key_field(p, ext[i]->raw.data, ext[i]->raw.len);
    }
    int ok = sha256 != NULL ? EVP_Digest(buf, (size_t)(p - buf), key, NULL, sha256, NULL) == 1
                            : SHA256(buf, (size_t)(p - buf), key) != NULL;
    free(buf);
    if (!ok)
        ERR_clear_error();
    return ok;
}
