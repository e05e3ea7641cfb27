/* A CRL against the certificates it covers: its scope (issuer Name under
 * §7.1, IDP onlyContainsUserCerts / onlyContainsCACerts, the IDP's URIs
 * against the certificates' CRL distribution points, exactly or as the same
 * URL written differently), the issuer Name encodings and near-miss URIs
 * found on the way, and at the end one revocation.status per certificate. */
#include "rules/crl_cross_internal.h"

#include <stdlib.h>
#include <string.h>

#include "x509/name.h"
#include "x509/oid.h"
#include "x509/time.h"

/* Next uniformResourceIdentifier among GeneralName elements. */
static int next_uri(cg_cbs *names, cg_cbs *uri)
{
    cg_cbs gn;
    uint8_t tag;
    size_t hdr;
    while (cg_cbs_get_any_asn1_element(names, &gn, &tag, &hdr)) {
        if (tag != CG_ASN1_CTX(6))
            continue;
        cg_cbs_skip(&gn, hdr);
        *uri = gn;
        return 1;
    }
    return 0;
}

/* Next fullName URI of a CRLDistributionPoints extnValue; *dps starts as
 * the SEQUENCE OF contents, *names empty. */
static int next_dp_uri(cg_cbs *dps, cg_cbs *names, cg_cbs *uri)
{
    cg_cbs dp, dpn, full;
    int present;
    for (;;) {
        if (next_uri(names, uri))
            return 1;
        names->len = 0;
        if (!cg_cbs_get_asn1(dps, &dp, CG_ASN1_SEQUENCE))
            return 0;
        if (cg_cbs_get_optional_asn1(&dp, &dpn, &present, CG_ASN1_CTX_CONS(0)) && present &&
            cg_cbs_get_asn1(&dpn, &full, CG_ASN1_CTX_CONS(0)))
            *names = full;
    }
}

static void dp_uris_init(const cg_cbs *value, cg_cbs *dps, cg_cbs *names)
{
    cg_cbs in = *value;
    if (!cg_cbs_get_asn1(&in, dps, CG_ASN1_SEQUENCE))
        dps->len = 0;
    names->len = 0;
}

/* The URL with what RFC 3986 §6.2.2-6.2.3 calls equivalent, and a trailing
 * slash, taken out: scheme and host lower case, no default port,
 * percent-encodings upper case, no trailing '/'. 0 when it will not fit. */
static size_t uri_norm(const cg_cbs *u, char *out, size_t cap)
{
    size_t i = 0, n = 0, host_start, host_end;
    if (u->len >= cap || u->len > URI_NORM_MAX)
        return 0;
    while (i < u->len && u->data[i] != ':')
        i++;
    if (i + 3 > u->len || memcmp(u->data + i, "://", 3) != 0)
        return 0;
    for (size_t k = 0; k < i; k++)
        out[n++] = (char)(u->data[k] | ((u->data[k] >= 'A' && u->data[k] <= 'Z') ? 0x20 : 0));
    int http = n == 4 && memcmp(out, "http", 4) == 0;
    int https = n == 5 && memcmp(out, "https", 5) == 0;
    memcpy(out + n, "://", 3);
    n += 3;
    host_start = i + 3;
    host_end = host_start;
    while (host_end < u->len && u->data[host_end] != '/' && u->data[host_end] != '?' &&
           u->data[host_end] != '#')
        host_end++;
    size_t auth_end = host_end;
    if (http && auth_end - host_start > 3 && memcmp(u->data + auth_end - 3, ":80", 3) == 0)
        auth_end -= 3;
    if (https && auth_end - host_start > 4 && memcmp(u->data + auth_end - 4, ":443", 4) == 0)
        auth_end -= 4;
    for (size_t k = host_start; k < auth_end; k++) {
        uint8_t c = u->data[k];
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    for (size_t k = host_end; k < u->len; k++)
        out[n++] = (char)u->data[k];
    /* Percent-encoding hex digits to upper case. */
    for (size_t k = 0; k + 2 < n; k++) {
        if (out[k] != '%')
            continue;
        for (size_t d = k + 1; d <= k + 2; d++)
            if (out[d] >= 'a' && out[d] <= 'f')
                out[d] = (char)(out[d] - 0x20);
    }
    while (n > 0 && out[n - 1] == '/')
        n--;
    out[n] = '\0';
    return n;
}

static int near_uri(const cg_cbs *a, const cg_cbs *b)
{
    char na[URI_NORM_MAX + 1], nb[URI_NORM_MAX + 1];
    size_t la = uri_norm(a, na, sizeof(na)), lb = uri_norm(b, nb, sizeof(nb));
    return la > 0 && la == lb && memcmp(na, nb, la) == 0;
}

/* How a certificate's CRL distribution points relate to the scope's IDP
 * URIs; the closest pair goes to *cert_uri and *idp_uri. */
static int dp_relation(const scope *sc, const cg_cbs *crldp, cg_cbs *cert_uri, cg_cbs *idp_uri)
{
    int rel = DP_NONE;
    cg_cbs dps, names, u, idps, v;
    dp_uris_init(crldp, &dps, &names);
    while (next_dp_uri(&dps, &names, &u)) {
        if (rel == DP_NONE)
            *cert_uri = u;
        idps = sc->uris;
        while (next_uri(&idps, &v)) {
            if (cg_cbs_equal(&u, &v))
                return DP_EXACT;
            if (rel != DP_NEAR && near_uri(&u, &v)) {
                rel = DP_NEAR;
                *cert_uri = u;
                *idp_uri = v;
            }
        }
    }
    return rel;
}

static int cmp_covered(const void *a, const void *b)
{
    const xcert *x = *(xcert *const *)a, *y = *(xcert *const *)b;
    int c = cg_xc_cmp_serial(x->serial, x->serial_len, y->serial, y->serial_len);
    if (c != 0)
        return c;
    return x < y ? -1 : (x > y);
}

void cg_xc_scope_close(scope *sc)
{
    free(sc->issuer);
    free(sc->idp);
    free(sc->covered);
    free(sc->name_rel);
    free(sc->dp_rel);
    free(sc->name_n);
    free(sc->name_first);
    free(sc->dp_n);
    free(sc->dp_first);
    memset(sc, 0, sizeof(*sc));
}

int cg_xc_scope_same(const scope *sc, const cg_crl *crl)
{
    const cg_ext *idp = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    return cg_cbs_mem_equal(&crl->issuer, sc->issuer, sc->issuer_len) &&
           (idp != NULL) == sc->has_idp &&
           (idp == NULL || cg_cbs_mem_equal(&idp->value, sc->idp, sc->idp_len));
}

/* Opens the scope of crl: which certificates among the inputs it covers. */
int cg_xc_scope_open(cg_crl_cross *xc, scope *sc, const cg_crl *crl)
{
    const cg_ext *idp = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    size_t n_names = xc->names.n, n_dps = xc->dps.n;
    memset(sc, 0, sizeof(*sc));
    sc->issuer = cg_xc_dup_bytes(&crl->issuer);
    sc->issuer_len = crl->issuer.len;
    sc->has_idp = idp != NULL;
    sc->idp = idp != NULL ? cg_xc_dup_bytes(&idp->value) : NULL;
    sc->idp_len = idp != NULL ? idp->value.len : 0;
    sc->covered = xc->n_certs > 0 ? malloc(xc->n_certs * sizeof(xcert *)) : NULL;
    sc->name_rel = calloc(n_names + 1, 1);
    sc->dp_rel = calloc(n_dps + 1, 1);
    sc->name_n = calloc(n_names + 1, sizeof(uint32_t));
    sc->name_first = calloc(n_names + 1, sizeof(uint32_t));
    sc->dp_n = calloc(n_dps + 1, sizeof(uint32_t));
    sc->dp_first = calloc(n_dps + 1, sizeof(uint32_t));
    if (sc->issuer == NULL || (idp != NULL && sc->idp == NULL) ||
        (xc->n_certs > 0 && sc->covered == NULL) || sc->name_rel == NULL || sc->dp_rel == NULL ||
        sc->name_n == NULL || sc->name_first == NULL || sc->dp_n == NULL || sc->dp_first == NULL) {
        cg_xc_scope_close(sc);
        return 0;
    }
    cg_crl_idp parsed;
    const char *what;
    cg_cbs idp_value, issuer, probe, u;
    cg_cbs_init(&issuer, sc->issuer, sc->issuer_len);
    cg_cbs_init(&idp_value, sc->idp, sc->idp_len);
    if (sc->has_idp && cg_crl_idp_decode(&idp_value, &parsed, &what)) {
        sc->only_user = parsed.only_user && !parsed.only_ca;
        sc->only_ca = parsed.only_ca && !parsed.only_user;
        if (parsed.has_full_name) {
            sc->uris = parsed.full_name;
            probe = sc->uris;
            sc->partitioned = next_uri(&probe, &u);
        }
    }
    for (size_t k = 0; k < xc->n_certs; k++) {
        xcert *c = &xc->certs[k];
        c->listed_prev = 0;
        c->cur.listed = 0;
        c->scope = (verdict){0, NONE, -1, 0};
        if (sc->name_rel[c->issuer] == NAME_UNSET) {
            cg_cbs name = cg_xc_intern_get(&xc->names, c->issuer);
            sc->name_rel[c->issuer] = cg_name_bytes_equal(&name, &issuer)   ? NAME_BYTES
                                      : cg_name_equal(&name, &issuer, NULL) ? NAME_EQUAL
                                                                            : NAME_OTHER;
        }
        if (sc->name_rel[c->issuer] == NAME_OTHER)
            continue;
        c->issuer_scopes++;
        uint8_t excl = EXCL_NONE;
        if (c->self_issued)
            excl = EXCL_SELF_ISSUED;
        else if (sc->only_user && c->is_ca)
            excl = EXCL_ONLY_USER;
        else if (sc->only_ca && !c->is_ca)
            excl = EXCL_ONLY_CA;
        else if (sc->partitioned && c->crldp == NONE)
            excl = EXCL_NO_DP;
        else if (sc->partitioned) {
            if (sc->dp_rel[c->crldp] == DP_UNSET) {
                cg_cbs value = cg_xc_intern_get(&xc->dps, c->crldp), a, b;
                sc->dp_rel[c->crldp] = (uint8_t)dp_relation(sc, &value, &a, &b);
            }
            if (sc->dp_rel[c->crldp] == DP_NONE)
                excl = EXCL_OTHER_DP;
        }
        if (excl == EXCL_NONE && c->serial_len == 0)
            excl = EXCL_LONG_SERIAL;
        if (excl != EXCL_NONE) {
            c->excluded = excl;
            continue;
        }
        sc->covered[sc->n_covered++] = c;
        if (sc->name_n[c->issuer]++ == 0)
            sc->name_first[c->issuer] = (uint32_t)k;
        if (c->crldp != NONE && sc->dp_n[c->crldp]++ == 0)
            sc->dp_first[c->crldp] = (uint32_t)k;
    }
    if (sc->n_covered > 1)
        qsort(sc->covered, sc->n_covered, sizeof(xcert *), cmp_covered);
    return 1;
}

/* Marks the covered certificates with the entry's serial as listed. */
void cg_xc_mark_listed(const scope *sc, const cg_crl_entry *e)
{
    size_t lo = 0, hi = sc->n_covered;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const xcert *c = sc->covered[mid];
        if (cg_xc_cmp_serial(c->serial, c->serial_len, e->serial.data, e->serial.len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < sc->n_covered; lo++) {
        xcert *c = sc->covered[lo];
        if (cg_xc_cmp_serial(c->serial, c->serial_len, e->serial.data, e->serial.len) != 0)
            break;
        unsigned code;
        c->cur.listed = 1;
        c->cur.at = e->revocation_t;
        c->cur.reason = e->has_extensions && cg_crl_entry_reason(e, &code) ? (int16_t)code : -1;
    }
}

/* The CRL against the certificates it covers: issuer Name encodings and
 * distribution point URIs. */
void cg_xc_check_covered(cg_crl_cross *xc, const scope *sc, held_crl *h, const cg_cbs *folded)
{
    cg_ctx *ctx = xc->ctx;
    char text[600], c1[160], u1[200], u2[200];
    size_t reported = 0;
    for (size_t id = 0; id < xc->names.n; id++) {
        if (sc->name_rel[id] != NAME_EQUAL || sc->name_n[id] == 0)
            continue;
        const xcert *c = &xc->certs[sc->name_first[id]];
        cg_cbs name = cg_xc_intern_get(&xc->names, (uint32_t)id);
        if (folded != NULL && cg_cbs_equal(folded, &name))
            continue; /* said with the CA's finding */
        cg_xc_explain(&h->crl.issuer, &name, "the certificates' issuer field", text, sizeof(text));
        cg_xc_cert_text(c, c1, sizeof(c1));
        cg_xc_say(ctx, CG_R_CRL_ISSUER_NAME_NOT_BYTE_IDENTICAL, &h->ref,
                  "the issuer Name equals the issuer field of %u covered certificate(s) among "
                  "the inputs (e.g. %s) under RFC 5280 §7.1 but is not byte-identical, so "
                  "relying parties that find CRLs by DER issuer will not find this CRL for "
                  "them (TLS BRs §7.2.2): %s",
                  sc->name_n[id], c1, text);
    }
    if (!sc->partitioned)
        return;
    for (size_t id = 0; id < xc->dps.n; id++) {
        if (sc->dp_rel[id] != DP_NEAR || sc->dp_n[id] == 0)
            continue;
        if (++reported > REPORT_MAX)
            continue;
        cg_cbs value = cg_xc_intern_get(&xc->dps, (uint32_t)id), cu = {0}, iu = {0};
        dp_relation(sc, &value, &cu, &iu);
        cg_xc_cert_text(&xc->certs[sc->dp_first[id]], c1, sizeof(c1));
        cg_xc_uri_text(&cu, u1, sizeof(u1));
        cg_xc_uri_text(&iu, u2, sizeof(u2));
        cg_cbs a = cu, b = iu;
        while (a.len > 0 && a.data[a.len - 1] == '/')
            a.len--;
        while (b.len > 0 && b.data[b.len - 1] == '/')
            b.len--;
        cg_xc_say(ctx, CG_R_CRL_IDP_URI_MISMATCH, &h->ref,
                  "%u covered certificate(s) among the inputs (e.g. %s) name the CRL "
                  "distribution point \"%s\", which %s the IDP fullName URI \"%s\" but is not "
                  "byte-identical to any IDP URI; relying parties compare them exactly and "
                  "will not take this CRL for those certificates (TLS BRs §7.2.2.1, RFC 5280 "
                  "§6.3.3)",
                  sc->dp_n[id], c1, u1,
                  cg_cbs_equal(&a, &b) ? "differs only in a trailing slash from"
                                       : "is the same URL as",
                  u2);
    }
    if (reported > REPORT_MAX)
        cg_xc_say(ctx, CG_R_CRL_IDP_URI_MISMATCH, &h->ref,
                  "... and %zu more CRL distribution points with this problem (only the first "
                  "%d are reported one by one)",
                  reported - REPORT_MAX, REPORT_MAX);
}

void cg_xc_status_findings(cg_crl_cross *xc)
{
    char date[32], when[32], reason[48], text[700], hexsha[65], u[200];
    for (size_t k = 0; k < xc->n_certs; k++) {
        const xcert *c = &xc->certs[k];
        const verdict *v = &c->final;
        const xcrl *r = v->crl != NONE ? &xc->crls[v->crl] : NULL;
        cg_objref ref;
        cg_field fields[5];
        memset(&ref, 0, sizeof(ref));
        ref.file = c->file;
        ref.index = c->index;
        ref.offset = c->offset;
        ref.kind = (cg_kind)c->kind;
        ref.has_hash = 1;
        memcpy(ref.sha256, c->sha256, 32);
        ref.issuer = cg_xc_intern_get(&xc->names, c->issuer);
        cg_cbs_init(&ref.serial, c->serial, c->serial_len);

        const char *rname = NULL;
        reason[0] = '\0';
        if (r != NULL && v->listed && v->reason >= 0) {
            rname = cg_crl_reason_name((unsigned)v->reason);
            if (rname == NULL) {
                cg_xc_put_text(reason, sizeof(reason), "unassigned (%d)", v->reason);
                rname = reason;
            }
        }
        if (r != NULL) {
            cg_hex(r->sha256, 32, hexsha);
            cg_time_format(r->this_update, when, sizeof(when));
        }
        if (r != NULL && v->listed)
            cg_time_format(v->at, date, sizeof(date));
        fields[0] = (cg_field){"status", CG_FIELD_STRING,
                               r == NULL   ? "not_covered"
                               : v->listed ? "revoked"
                                           : "good",
                               0};
        fields[1] = (cg_field){"revoked", r == NULL ? CG_FIELD_NULL : CG_FIELD_BOOL, NULL,
                               r != NULL && v->listed};
        fields[2] = r != NULL && v->listed
                        ? (cg_field){"revocation_date", CG_FIELD_STRING, date, 0}
                        : (cg_field){"revocation_date", CG_FIELD_NULL, NULL, 0};
        fields[3] = rname != NULL ? (cg_field){"reason", CG_FIELD_STRING, rname, 0}
                                  : (cg_field){"reason", CG_FIELD_NULL, NULL, 0};
        fields[4] = r != NULL ? (cg_field){"crl", CG_FIELD_STRING, hexsha, 0}
                              : (cg_field){"crl", CG_FIELD_NULL, NULL, 0};
        if (r == NULL) {
            const char *why = "no CRL of its issuer is among the inputs";
            if (c->issuer_scopes > 0) {
                switch (c->excluded) {
                case EXCL_SELF_ISSUED:
                    why = "it is self-issued, and a CA's CRL does not cover its own certificate";
                    break;
                case EXCL_ONLY_USER:
                    why = "the CRLs of its issuer given are limited to end-entity certificates "
                          "(IDP onlyContainsUserCerts) and this is a CA certificate";
                    break;
                case EXCL_ONLY_CA:
                    why = "the CRLs of its issuer given are limited to CA certificates (IDP "
                          "onlyContainsCACerts)";
                    break;
                case EXCL_NO_DP:
                    why = "it has no CRL distribution point, and the CRLs of its issuer given "
                          "are partitioned (their IDP names a URI)";
                    break;
                case EXCL_LONG_SERIAL:
                    why = "its serial number is too long to look up";
                    break;
                case EXCL_OTHER_DP: {
                    cg_cbs value = cg_xc_intern_get(&xc->dps, c->crldp), dps, names, uri;
                    dp_uris_init(&value, &dps, &names);
                    if (next_dp_uri(&dps, &names, &uri))
                        cg_xc_uri_text(&uri, u, sizeof(u));
                    else
                        cg_xc_put_text(u, sizeof(u), "(none)");
                    cg_xc_put_text(text, sizeof(text),
                                   "no IDP of the CRLs of its issuer given names its CRL "
                                   "distribution point \"%s\"",
                                   u);
                    why = text;
                    break;
                }
                default:
                    break;
                }
            }
            cg_xc_say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                             "not covered by any CRL given: %s", why);
        } else if (v->listed) {
            cg_xc_say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                             "revoked: revocationDate %s, reason %s, on CRL %s #%u (thisUpdate "
                             "%s%s)",
                             date, rname != NULL ? rname : "not given (no reasonCode)", r->file,
                             r->index, when,
                             r->verified ? "" : "; its signature was not confirmed");
        } else {
            cg_xc_say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                             "good: not listed on CRL %s #%u (thisUpdate %s%s), the newest given "
                             "that covers it",
                             r->file, r->index, when,
                             r->verified ? "" : "; its signature was not confirmed");
        }
    }
}
