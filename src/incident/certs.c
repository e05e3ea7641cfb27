#include "incident/certs.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/pem.h"
#include "rules/rules.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/x509.h"

static char *name_string(const cg_cbs *name)
{
    char buf[2048];
    if (!cg_name_to_display(name, buf, sizeof(buf)))
        buf[0] = '\0';
    return strdup(buf);
}

/* The dNSName entries of the subjectAltName, comma-separated. Bytes that
 * are not printable ASCII (or a comma) become '?': the value goes into
 * Markdown and CSV, and a dNSName is IA5String LDH anyway. */
static char *dns_names(const cg_cert *cert)
{
    size_t count = 0, n = 0;
    const cg_ext *ext = cg_cert_find_ext(cert, CG_OID_SAN, sizeof(CG_OID_SAN), &count);
    cg_cbs seq, names, gn;
    uint8_t tag;
    size_t hdr;
    char *out = calloc(1, ext != NULL ? ext->value.len + 1 : 1);
    if (out == NULL || ext == NULL)
        return out;
    seq = ext->value;
    if (!cg_cbs_get_asn1(&seq, &names, CG_ASN1_SEQUENCE))
        return out;
    while (names.len > 0 && cg_cbs_get_any_asn1_element(&names, &gn, &tag, &hdr)) {
        if (tag != CG_ASN1_CTX(2))
            continue;
        if (n > 0)
            out[n++] = ',';
        for (size_t i = hdr; i < gn.len; i++) {
            uint8_t c = gn.data[i];
            out[n++] = c > 0x20 && c < 0x7f && c != ',' ? (char)c : '?';
        }
    }
    out[n] = '\0';
    return out;
}

unsigned cg_incident_cert_types(const cg_cert *cert)
{
    /* the arcs that follow 2.23.140.1 (CG_OID_CABF_POLICIES) */
    static const struct {
        uint8_t tail[2];
        size_t n;
        unsigned type;
    } tls[] = {{{0x02, 0x01}, 2, CG_CERT_TYPE_DV},
               {{0x02, 0x02}, 2, CG_CERT_TYPE_OV},
               {{0x02, 0x03}, 2, CG_CERT_TYPE_IV},
               {{0x01}, 1, CG_CERT_TYPE_EV}};
    unsigned types = CG_CERT_TYPE_READ;
    size_t count = 0;
    const cg_ext *ext =
        cg_cert_find_ext(cert, CG_OID_CERT_POLICIES, sizeof(CG_OID_CERT_POLICIES), &count);
    cg_cbs seq, info, oid;
    if (ext != NULL) {
        seq = ext->value;
        if (cg_cbs_get_asn1(&seq, &seq, CG_ASN1_SEQUENCE)) {
            while (seq.len > 0 && cg_cbs_get_asn1(&seq, &info, CG_ASN1_SEQUENCE)) {
                const size_t arc = sizeof(CG_OID_CABF_POLICIES);
                if (!cg_cbs_get_asn1(&info, &oid, CG_ASN1_OBJECT) || oid.len < arc ||
                    memcmp(oid.data, CG_OID_CABF_POLICIES, arc) != 0)
                    continue;
                const uint8_t *t = oid.data + arc;
                size_t tn = oid.len - arc;
                for (size_t i = 0; i < sizeof(tls) / sizeof(tls[0]); i++) {
                    if (tn == tls[i].n && memcmp(t, tls[i].tail, tn) == 0)
                        types |= tls[i].type;
                }
                if (tn >= 1 && t[0] == 0x05)
                    types |= CG_CERT_TYPE_SMIME;
            }
        }
    }
    ext = cg_cert_find_ext(cert, CG_OID_EKU, sizeof(CG_OID_EKU), &count);
    if (ext != NULL) {
        seq = ext->value;
        if (cg_cbs_get_asn1(&seq, &seq, CG_ASN1_SEQUENCE)) {
            while (seq.len > 0 && cg_cbs_get_asn1(&seq, &oid, CG_ASN1_OBJECT)) {
                if (cg_oid_equal(&oid, CG_OID_KP_SERVER_AUTH, sizeof(CG_OID_KP_SERVER_AUTH)))
                    types |= CG_CERT_TYPE_SERVER_AUTH;
            }
        }
    }
    return types;
}

static int has_cert(const cg_incident *inc, size_t n, const uint8_t *sha256)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(inc->certs[i].sha256, sha256, 32) == 0)
            return 1;
    }
    return 0;
}

static void clear_cert(cg_incident_cert *c)
{
    free(c->serial_hex);
    free(c->issuer);
    free(c->subject);
    free(c->dns_names);
    memset(c, 0, sizeof(*c));
}

static int add_one(cg_incident *inc, size_t *n, size_t *cap, const char *name, size_t index,
                   const uint8_t *der, size_t len, char *err, size_t errcap)
{
    cg_cbs in, elem;
    uint8_t tag;
    size_t hdr;
    cg_cert cert;
    cg_der_error derr = {0, ""};
    uint8_t sha[32];
    char serial[2 * 64 + 1];
    cg_cbs_init(&in, der, len);
    if (!cg_cbs_get_any_asn1_element(&in, &elem, &tag, &hdr)) {
        snprintf(err, errcap, "%s, object %zu: not DER", name, index);
        return 0;
    }
    if (cg_guess_kind(elem.data, elem.len) != CG_KIND_CERT) {
        snprintf(err, errcap, "%s, object %zu: not a certificate or precertificate", name, index);
        return 0;
    }
    if (!cg_cert_parse(&cert, elem.data, elem.len, &derr)) {
        snprintf(err, errcap, "%s, object %zu: the certificate does not parse (byte %zu: %s)",
                 name, index, derr.offset, derr.what);
        return 0;
    }
    /* The SHA-256 names the object as the store and check name it. */
    SHA256(elem.data, elem.len, sha);
    if (has_cert(inc, *n, sha))
        return 1;
    if (*n == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;
        cg_incident_cert *v = realloc(inc->certs, ncap * sizeof(*v));
        if (v == NULL)
            goto oom;
        inc->certs = v;
        *cap = ncap;
    }
    cg_incident_cert *c = &inc->certs[*n];
    memset(c, 0, sizeof(*c));
    memcpy(c->sha256, sha, 32);
    c->is_precert = cert.is_precert;
    cg_serial_hex(&cert.serial, serial, sizeof(serial));
    c->serial_hex = strdup(serial);
    c->issuer = name_string(&cert.issuer);
    c->subject = name_string(&cert.subject);
    c->dns_names = dns_names(&cert);
    c->not_before = cert.not_before_t;
    c->not_after = cert.not_after_t;
    c->reason = -1;
    c->types = cg_incident_cert_types(&cert);
    if (c->serial_hex == NULL || c->issuer == NULL || c->subject == NULL || c->dns_names == NULL) {
        clear_cert(c);
        goto oom;
    }
    (*n)++;
    return 1;
oom:
    snprintf(err, errcap, "out of memory reading %s", name);
    return 0;
}

int cg_incident_add_certs(cg_incident *inc, const char *name, const uint8_t *data, size_t len,
                          char *err, size_t errcap)
{
    cg_input input;
    cg_input_obj obj;
    cg_der_error derr;
    size_t n = inc->n_certs, cap = inc->n_certs, objects = 0;
    int ok = 1;
    cg_input_init(&input, data, len);
    for (;;) {
        cg_input_status st = cg_input_next(&input, &obj, &derr);
        if (st == CG_INPUT_END)
            break;
        if (st == CG_INPUT_ERROR) {
            snprintf(err, errcap, "%s, object %zu: %s (file byte %zu)", name, obj.index, derr.what,
                     derr.offset);
            ok = 0;
            break;
        }
        objects++;
        if (!add_one(inc, &n, &cap, name, obj.index, obj.der, obj.der_len, err, errcap)) {
            ok = 0;
            break;
        }
    }
    cg_input_cleanup(&input);
    if (ok && objects == 0) {
        snprintf(err, errcap, "%s holds no certificate", name);
        ok = 0;
    }
    if (!ok) {
        /* leave inc as it was */
        for (size_t i = inc->n_certs; i < n; i++)
            clear_cert(&inc->certs[i]);
        return 0;
    }
    inc->n_certs = n;
    return 1;
}

void cg_incident_pair_certs(cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        cg_incident_cert *p = &inc->certs[i];
        cg_incident_cert *match = NULL;
        size_t matches = 0;
        if (!p->is_precert)
            continue;
        for (size_t j = 0; j < inc->n_certs; j++) {
            cg_incident_cert *c = &inc->certs[j];
            if (!c->is_precert && strcmp(c->serial_hex, p->serial_hex) == 0 &&
                strcmp(c->issuer, p->issuer) == 0) {
                match = c;
                matches++;
            }
        }
        /* Two precertificates of one serial (the seed's failure) pair with
         * nothing either: which one the certificate was issued from is what
         * the CT rules decide. */
        for (size_t j = 0; j < inc->n_certs && matches == 1; j++) {
            cg_incident_cert *q = &inc->certs[j];
            if (j != i && q->is_precert && strcmp(q->serial_hex, p->serial_hex) == 0 &&
                strcmp(q->issuer, p->issuer) == 0)
                matches = 2;
        }
        if (matches != 1)
            continue;
        p->has_cert_sha = 1;
        memcpy(p->cert_sha256, match->sha256, 32);
        match->has_precert_sha = 1;
        memcpy(match->precert_sha256, p->sha256, 32);
    }
}
