/* CRLs against their issuing CA, the certificates they cover and the other
 * CRLs of their scope. See crl_cross.h for the memory model.
 *
 * Words used below. A CRL's scope is its issuer Name bytes, its
 * issuingDistributionPoint extnValue bytes (or no IDP) and whether it is a
 * delta CRL: CRLs of one scope replace each other, so their numbers and
 * entries are compared, in thisUpdate order (for delta CRLs, which list
 * only changes, the numbers alone). A certificate is covered by a CRL when its issuer Name
 * equals the CRL's issuer under RFC 5280 §7.1, the IDP's onlyContainsUserCerts
 * / onlyContainsCACerts admit it, and, when the IDP names URIs (a
 * partitioned CRL), one of the certificate's CRL distribution point URIs is
 * one of them byte for byte or is the same URL written differently (then
 * crl.idp_uri_mismatch says so: RFC 5280 §6.3.3 relying parties compare the
 * names exactly and will not take this CRL for the certificate). */
#include "rules/crl_cross.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/pem.h"
#include "rules/crl_util.h"
#include "util/hash.h"
#include "util/hex.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/sig.h"
#include "x509/time.h"

#define NONE UINT32_MAX
/* Serials longer than this (already an error on the certificate) are not
 * looked up; cRLNumbers longer than NUMBER_MAX (ditto) are not compared. */
#define SERIAL_MAX 24
#define NUMBER_MAX 21
/* Per CRL and rule, findings reported one by one before a summary. */
#define REPORT_MAX 10
/* URIs longer than this are compared byte for byte only. */
#define URI_NORM_MAX 1024
/* Longest message, below what cg_report keeps. */
#define MESSAGE_MAX 1000

/* ---- pass 1 records ---- */

/* One certificate's outcome on one CRL, one scope, or all CRLs given. */
typedef struct verdict {
    int64_t at;     /* revocationDate when listed */
    uint32_t crl;   /* index into crls; NONE: no complete CRL decided */
    int16_t reason; /* reasonCode, -1 when absent */
    uint8_t listed;
} verdict;

/* Why a certificate whose issuer has a CRL among the inputs is not covered. */
enum {
    EXCL_NONE,
    EXCL_SELF_ISSUED,
    EXCL_ONLY_USER,
    EXCL_ONLY_CA,
    EXCL_OTHER_DP,
    EXCL_NO_DP,
    EXCL_LONG_SERIAL,
};

typedef struct xcert {
    const char *file;
    uint64_t offset;
    uint32_t file_no, index;
    uint32_t issuer; /* id in names */
    uint32_t crldp;  /* id in dps, NONE without the extension */
    int64_t not_after;
    uint8_t sha256[32];
    uint8_t serial[SERIAL_MAX];
    uint8_t serial_len; /* 0 when longer than SERIAL_MAX */
    uint8_t kind, is_ca, self_issued;
    /* pass 2 */
    uint8_t listed_prev;    /* on the last complete CRL of the current scope */
    uint8_t excluded;       /* EXCL_*, the last reason a CRL of its issuer left it out */
    uint32_t issuer_scopes; /* scopes whose issuer is its issuer */
    verdict cur, scope, final;
} xcert;

typedef struct xcrl {
    const char *file;
    uint64_t offset;
    uint32_t file_no, index;
    uint8_t sha256[32];
    uint64_t issuer_hash, idp_hash;
    int64_t this_update;
    uint8_t has_idp;
    uint8_t is_delta;   /* deltaCRLIndicator: lists changes, so its silence says nothing */
    uint8_t span;       /* cg_crl_span */
    uint8_t number_len; /* 0: no cRLNumber that can be compared */
    uint8_t number[NUMBER_MAX];
    uint8_t verified; /* pass 2: the signature verified under a CA among the inputs */
} xcrl;

/* Distinct byte strings (certificates' issuer Names and CRL distribution
 * points: a run of a million certificates has a handful of each). */
typedef struct istr {
    size_t off, len;
    uint64_t hash;
} istr;

typedef struct intern {
    uint8_t *bytes;
    size_t used, room;
    istr *items;
    size_t n, room_items;
    uint32_t *slots; /* id + 1, 0 when empty; a power of two long */
    size_t n_slots;
} intern;

/* What pass 2 knows of a CA certificate. */
typedef struct ca_info {
    cg_cbs ski;
    int has_ski;
    const xcert *rec; /* its record, for naming it */
    int root;         /* self-signed: 1, 0, or -1 not asked yet */
} ca_info;

struct cg_crl_cross {
    cg_ctx *ctx;
    cg_reload_fn reload;
    cg_release_fn release;
    void *arg;
    xcert *certs;
    size_t n_certs, room_certs;
    xcrl *crls;
    size_t n_crls, room_crls;
    intern names, dps;
    /* pass 2 */
    const cg_crl_ca *cas;
    size_t n_cas;
    ca_info *info;
};

/* Makes room for need elements of size bytes in *v. */
static int reserve(void **v, size_t *room, size_t need, size_t size)
{
    size_t n = *room;
    if (need <= n)
        return 1;
    while (n < need)
        n = n < 16 ? 16 : n + n / 2;
    if (n > SIZE_MAX / size)
        return 0;
    void *p = realloc(*v, n * size);
    if (p == NULL)
        return 0;
    *v = p;
    *room = n;
    return 1;
}

static int intern_resize(intern *t, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof(*slots));
    if (slots == NULL)
        return 0;
    for (size_t id = 0; id < t->n; id++) {
        size_t i = t->items[id].hash & (n_slots - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n_slots - 1);
        slots[i] = (uint32_t)id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 1;
}

/* The id of v's bytes, added when new; NONE when memory runs out. */
static uint32_t intern_add(intern *t, const cg_cbs *v)
{
    uint64_t h = cg_fnv1a(CG_FNV1A_INIT, v->data, v->len);
    if (2 * (t->n + 1) > t->n_slots && !intern_resize(t, t->n_slots == 0 ? 64 : 2 * t->n_slots))
        return NONE;
    size_t i = h & (t->n_slots - 1);
    for (; t->slots[i] != 0; i = (i + 1) & (t->n_slots - 1)) {
        const istr *s = &t->items[t->slots[i] - 1];
        if (s->hash == h && s->len == v->len && memcmp(t->bytes + s->off, v->data, v->len) == 0)
            return t->slots[i] - 1;
    }
    if (t->n >= NONE - 1 || !reserve((void **)&t->items, &t->room_items, t->n + 1, sizeof(istr)) ||
        !reserve((void **)&t->bytes, &t->room, t->used + v->len + 1, 1))
        return NONE;
    if (v->len > 0)
        memcpy(t->bytes + t->used, v->data, v->len);
    t->items[t->n] = (istr){t->used, v->len, h};
    t->used += v->len;
    t->slots[i] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}

static cg_cbs intern_get(const intern *t, uint32_t id)
{
    cg_cbs c;
    cg_cbs_init(&c, t->bytes + t->items[id].off, t->items[id].len);
    return c;
}

static void intern_free(intern *t)
{
    free(t->bytes);
    free(t->items);
    free(t->slots);
}

cg_crl_cross *cg_crl_cross_new(cg_ctx *ctx, cg_reload_fn reload, cg_release_fn release, void *arg)
{
    cg_crl_cross *xc = calloc(1, sizeof(*xc));
    if (xc == NULL)
        return NULL;
    xc->ctx = ctx;
    xc->reload = reload;
    xc->release = release;
    xc->arg = arg;
    ctx->crl_cross = 1;
    return xc;
}

void cg_crl_cross_free(cg_crl_cross *xc)
{
    if (xc == NULL)
        return;
    free(xc->certs);
    free(xc->crls);
    intern_free(&xc->names);
    intern_free(&xc->dps);
    free(xc->info);
    free(xc);
}

void cg_crl_cross_add_crl(cg_crl_cross *xc, size_t file_no, const cg_objref *ref,
                          const cg_crl *crl)
{
    if (!reserve((void **)&xc->crls, &xc->room_crls, xc->n_crls + 1, sizeof(xcrl)))
        return;
    xcrl *r = &xc->crls[xc->n_crls++];
    memset(r, 0, sizeof(*r));
    r->file = ref->file;
    r->offset = ref->offset;
    r->file_no = (uint32_t)file_no;
    r->index = (uint32_t)ref->index;
    memcpy(r->sha256, ref->sha256, 32);
    r->issuer_hash = cg_name_hash_bytes(&crl->issuer);
    const cg_ext *idp = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    if (idp != NULL) {
        r->has_idp = 1;
        r->idp_hash = cg_fnv1a(CG_FNV1A_INIT, idp->value.data, idp->value.len);
    }
    r->is_delta = cg_crl_find_ext(crl, CG_OID_DELTA_CRL_INDICATOR,
                                  sizeof(CG_OID_DELTA_CRL_INDICATOR), NULL) != NULL;
    r->this_update = crl->this_update_t;
    r->span = (uint8_t)cg_crl_span_class(crl);
    const cg_ext *num = cg_crl_find_ext(crl, CG_OID_CRL_NUMBER, sizeof(CG_OID_CRL_NUMBER), NULL);
    cg_cbs in, v;
    if (num == NULL)
        return;
    in = num->value;
    if (!cg_cbs_get_asn1(&in, &v, CG_ASN1_INTEGER) || v.len == 0 || (v.data[0] & 0x80))
        return;
    while (v.len > 1 && v.data[0] == 0)
        cg_cbs_skip(&v, 1);
    if (v.len <= NUMBER_MAX) {
        r->number_len = (uint8_t)v.len;
        memcpy(r->number, v.data, v.len);
    }
}

void cg_crl_cross_add_cert(cg_crl_cross *xc, size_t file_no, const cg_objref *ref,
                           const cg_cert *cert, int is_ca)
{
    if (!reserve((void **)&xc->certs, &xc->room_certs, xc->n_certs + 1, sizeof(xcert)))
        return;
    xcert *r = &xc->certs[xc->n_certs];
    memset(r, 0, sizeof(*r));
    r->issuer = intern_add(&xc->names, &cert->issuer);
    if (r->issuer == NONE)
        return;
    const cg_ext *dp = cg_cert_find_ext(cert, CG_OID_CRL_DP, sizeof(CG_OID_CRL_DP), NULL);
    r->crldp = dp != NULL ? intern_add(&xc->dps, &dp->value) : NONE;
    r->file = ref->file;
    r->offset = ref->offset;
    r->file_no = (uint32_t)file_no;
    r->index = (uint32_t)ref->index;
    r->not_after = cert->not_after_t;
    memcpy(r->sha256, ref->sha256, 32);
    if (cert->serial.len <= SERIAL_MAX) {
        r->serial_len = (uint8_t)cert->serial.len;
        memcpy(r->serial, cert->serial.data, cert->serial.len);
    }
    r->kind = (uint8_t)ref->kind;
    r->is_ca = is_ca != 0;
    r->self_issued = cg_name_bytes_equal(&cert->subject, &cert->issuer) ||
                     cg_name_equal(&cert->subject, &cert->issuer, NULL);
    xc->n_certs++;
}

/* ---- formatting, only for findings ---- */

/* Cuts text at cap - 4 bytes on a UTF-8 character boundary and ends it in
 * "...", so a long file name or Name never leaves half a character. */
static void cut_utf8(char *buf, size_t len, size_t cap)
{
    if (len < cap || cap < 4)
        return;
    size_t n = cap - 4;
    while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf + n, "...", 4);
}

/* snprintf that cuts on a character boundary. */
static void put_text(char *buf, size_t cap, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static void put_text(char *buf, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int w = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    if (w < 0)
        buf[0] = '\0';
    else
        cut_utf8(buf, (size_t)w, cap);
}

static void hex_text(const cg_cbs *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v->len && n + 6 < cap; i++) {
        cg_hex_byte(v->data[i], buf + n);
        n += 2;
    }
    if (n / 2 < v->len && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static void name_text(const cg_cbs *name, char *buf, size_t cap)
{
    if (!cg_name_to_string(name, buf, cap))
        put_text(buf, cap, "(a Name too long to show, or that does not parse)");
}

static void uri_text(const cg_cbs *uri, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < uri->len && n + 4 < cap; i++) {
        uint8_t c = uri->data[i];
        buf[n++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
    }
    if (n < uri->len && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static void cert_text(const xcert *c, char *buf, size_t cap)
{
    char serial[2 * SERIAL_MAX + 1];
    cg_cbs s;
    cg_cbs_init(&s, c->serial, c->serial_len);
    cg_serial_hex(&s, serial, sizeof(serial));
    put_text(buf, cap, "%s %s #%u (serial %s)",
             c->kind == CG_KIND_PRECERT ? "precertificate" : "certificate", c->file, c->index,
             c->serial_len > 0 ? serial : "too long to look up");
}

static void ca_text(const cg_crl_cross *xc, size_t ca, char *buf, size_t cap)
{
    char name[256];
    name_text(&xc->cas[ca].cert->subject, name, sizeof(name));
    if (xc->info[ca].rec != NULL)
        put_text(buf, cap, "CA \"%s\" (%s #%u)", name, xc->info[ca].rec->file,
                 xc->info[ca].rec->index);
    else
        put_text(buf, cap, "CA \"%s\"", name);
}

/* A finding whose message stays within what cg_report keeps (and so stays
 * valid UTF-8 in JSON), with its extra fields. */
static void say_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const cg_field *fields,
                       size_t n_fields, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void say_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const cg_field *fields,
                       size_t n_fields, const char *fmt, ...)
{
    char msg[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    cut_utf8(msg, (size_t)w, sizeof(msg));
    cg_report_fields(ctx, rule, obj, fields, n_fields, "%s", msg);
}

#define say(ctx, rule, obj, ...) say_fields(ctx, rule, obj, NULL, 0, __VA_ARGS__)

/* cg_name_explain with "the other name" spelled out as other. */
static void explain(const cg_cbs *here, const cg_cbs *there, const char *other, char *buf,
                    size_t cap)
{
    char raw[400];
    size_t n = 0;
    if (!cg_name_explain(here, there, raw, sizeof(raw)))
        put_text(raw, sizeof(raw), "the encodings differ");
    for (const char *p = raw; *p != '\0';) {
        size_t skip = strncmp(p, "the other name", 14) == 0 ? 14
                      : strncmp(p, "the other", 9) == 0     ? 9
                                                            : 0;
        const char *piece = skip > 0 ? other : p;
        size_t len = skip > 0 ? strlen(other) : 1;
        if (skip == 0) /* a whole UTF-8 character */
            while (((unsigned char)p[len] & 0xc0) == 0x80)
                len++;
        if (n + len + 1 > cap)
            break;
        memcpy(buf + n, piece, len);
        n += len;
        p += skip > 0 ? skip : len;
    }
    buf[n] = '\0';
}

/* ---- the issuing CA ---- */

static int crl_aki(const cg_crl *crl, cg_cbs *keyid)
{
    return cg_ext_aki_keyid(cg_crl_find_ext(crl, CG_OID_AKI, sizeof(CG_OID_AKI), NULL), keyid);
}

static void ca_prepare(cg_crl_cross *xc, const cg_crl_ca *cas, size_t n_cas)
{
    xc->cas = cas;
    xc->n_cas = n_cas;
    xc->info = n_cas > 0 ? calloc(n_cas, sizeof(*xc->info)) : NULL;
    if (xc->info == NULL) {
        xc->n_cas = 0;
        return;
    }
    for (size_t i = 0; i < n_cas; i++) {
        ca_info *in = &xc->info[i];
        uint8_t sha[32];
        in->root = -1;
        in->has_ski = cg_ext_ski(
            cg_cert_find_ext(cas[i].cert, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), &in->ski);
        SHA256(cas[i].cert->der.data, cas[i].cert->der.len, sha);
        for (size_t k = 0; k < xc->n_certs && in->rec == NULL; k++) {
            if (xc->certs[k].is_ca && memcmp(xc->certs[k].sha256, sha, 32) == 0)
                in->rec = &xc->certs[k];
        }
    }
}

/* Self-signed: subject equal to issuer and signed by its own key. */
static int ca_self_signed(cg_crl_cross *xc, size_t i)
{
    ca_info *in = &xc->info[i];
    const cg_cert *c = xc->cas[i].cert;
    if (in->root >= 0)
        return in->root;
    in->root = 0;
    if (xc->cas[i].key != NULL && (cg_name_bytes_equal(&c->subject, &c->issuer) ||
                                   cg_name_equal(&c->subject, &c->issuer, NULL))) {
        const uint8_t *p = c->der.data;
        X509 *x = d2i_X509(NULL, &p, (long)c->der.len);
        in->root = x != NULL && X509_verify(x, xc->cas[i].key) == 1;
        X509_free(x);
        ERR_clear_error();
    }
    return in->root;
}

/* Whether the CA is a root: this certificate of it, or another with the
 * same subject and key (a root is often given beside its cross-signs). */
static int ca_is_root(cg_crl_cross *xc, size_t i)
{
    const cg_cert *c = xc->cas[i].cert;
    for (size_t j = 0; j < xc->n_cas; j++) {
        const cg_cert *o = xc->cas[j].cert;
        if ((j == i ||
             (cg_cbs_equal(&o->subject, &c->subject) && cg_cbs_equal(&o->spki, &c->spki))) &&
            ca_self_signed(xc, j))
            return 1;
    }
    return 0;
}

enum { BY_AKI_AND_NAME, BY_AKI, BY_NAME_BYTES, BY_NAME, BY_KEY_ONLY, BY_NOTHING };

typedef struct issuer_found {
    size_t ca;           /* when by < BY_NOTHING */
    int by;              /* how the signing CA was found */
    size_t n_candidates; /* CAs named by the AKI or the issuer Name */
    size_t first;        /* the best of them */
    int unsupported;     /* the signature could not be checked under it */
    char why[160];       /* why it did not verify under the best candidate */
} issuer_found;

/* How well CA i fits the CRL's AKI and issuer Name (BY_*). */
static int ca_fit(const cg_crl_cross *xc, size_t i, const cg_crl *crl, const cg_cbs *aki,
                  int have_aki)
{
    const ca_info *in = &xc->info[i];
    const cg_cert *c = xc->cas[i].cert;
    int key = have_aki && in->has_ski && cg_cbs_equal(aki, &in->ski);
    int bytes = cg_name_bytes_equal(&c->subject, &crl->issuer);
    if (key)
        return bytes ? BY_AKI_AND_NAME : BY_AKI;
    if (bytes)
        return BY_NAME_BYTES;
    return cg_name_equal(&c->subject, &crl->issuer, NULL) ? BY_NAME : BY_KEY_ONLY;
}

/* The CA whose key the CRL's signature verifies under: candidates by AKI
 * and Name first, best fit first, then any other CA among the inputs. */
static void find_issuer(cg_crl_cross *xc, const cg_crl *crl, cg_sig *sig, issuer_found *out)
{
    cg_cbs aki;
    int have_aki = crl_aki(crl, &aki);
    char why[160];
    memset(out, 0, sizeof(*out));
    out->by = BY_NOTHING;
    for (int by = BY_AKI_AND_NAME; by <= BY_KEY_ONLY; by++) {
        for (size_t i = 0; i < xc->n_cas; i++) {
            if (ca_fit(xc, i, crl, &aki, have_aki) != by)
                continue;
            if (by == BY_KEY_ONLY && out->unsupported)
                return;
            int st = cg_sig_verify(sig, xc->cas[i].key, why, sizeof(why));
            if (st == CG_SIG_OK) {
                out->ca = i;
                out->by = by;
                return;
            }
            if (by == BY_KEY_ONLY)
                continue;
            if (out->n_candidates++ == 0) {
                out->first = i;
                out->unsupported = st == CG_SIG_UNSUPPORTED;
                put_text(out->why, sizeof(out->why), "%s", why);
            }
        }
    }
}

/* ---- scopes and coverage ---- */

enum { NAME_UNSET, NAME_OTHER, NAME_BYTES, NAME_EQUAL };
enum { DP_UNSET, DP_NONE, DP_EXACT, DP_NEAR };

typedef struct scope {
    uint8_t *issuer; /* copies, so the scope outlives its first CRL */
    size_t issuer_len;
    uint8_t *idp;
    size_t idp_len;
    int has_idp;
    int only_user, only_ca;
    cg_cbs uris;     /* IDP fullName GeneralNames (in idp), empty when none */
    int partitioned; /* the IDP names at least one URI */
    xcert **covered; /* sorted by serial */
    size_t n_covered;
    uint8_t *name_rel;             /* NAME_* by issuer Name id */
    uint8_t *dp_rel;               /* DP_* by CRLDP id */
    uint32_t *name_n, *name_first; /* covered certificates by issuer Name id */
    uint32_t *dp_n, *dp_first;     /* covered certificates by CRLDP id */
} scope;

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

static int cmp_serial(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

static int cmp_covered(const void *a, const void *b)
{
    const xcert *x = *(xcert *const *)a, *y = *(xcert *const *)b;
    int c = cmp_serial(x->serial, x->serial_len, y->serial, y->serial_len);
    if (c != 0)
        return c;
    return x < y ? -1 : (x > y);
}

static void scope_close(scope *sc)
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

static int scope_same(const scope *sc, const cg_crl *crl)
{
    const cg_ext *idp = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    return cg_cbs_mem_equal(&crl->issuer, sc->issuer, sc->issuer_len) &&
           (idp != NULL) == sc->has_idp &&
           (idp == NULL || cg_cbs_mem_equal(&idp->value, sc->idp, sc->idp_len));
}

static uint8_t *dup_bytes(const cg_cbs *v)
{
    uint8_t *p = malloc(v->len > 0 ? v->len : 1);
    if (p != NULL && v->len > 0)
        memcpy(p, v->data, v->len);
    return p;
}

/* Opens the scope of crl: which certificates among the inputs it covers. */
static int scope_open(cg_crl_cross *xc, scope *sc, const cg_crl *crl)
{
    const cg_ext *idp = cg_crl_find_ext(crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
    size_t n_names = xc->names.n, n_dps = xc->dps.n;
    memset(sc, 0, sizeof(*sc));
    sc->issuer = dup_bytes(&crl->issuer);
    sc->issuer_len = crl->issuer.len;
    sc->has_idp = idp != NULL;
    sc->idp = idp != NULL ? dup_bytes(&idp->value) : NULL;
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
        scope_close(sc);
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
            cg_cbs name = intern_get(&xc->names, c->issuer);
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
                cg_cbs value = intern_get(&xc->dps, c->crldp), a, b;
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
static void mark_listed(const scope *sc, const cg_crl_entry *e)
{
    size_t lo = 0, hi = sc->n_covered;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const xcert *c = sc->covered[mid];
        if (cmp_serial(c->serial, c->serial_len, e->serial.data, e->serial.len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < sc->n_covered; lo++) {
        xcert *c = sc->covered[lo];
        if (cmp_serial(c->serial, c->serial_len, e->serial.data, e->serial.len) != 0)
            break;
        unsigned code;
        c->cur.listed = 1;
        c->cur.at = e->revocation_t;
        c->cur.reason = e->has_extensions && cg_crl_entry_reason(e, &code) ? (int16_t)code : -1;
    }
}

/* ---- one CRL read again ---- */

typedef struct held_crl {
    xcrl *rec;
    size_t rec_no;
    const uint8_t *file; /* from reload, until release */
    cg_input in;
    int have_file, have_in;
    uint8_t *copy; /* own copy of the DER when it must outlive the file */
    cg_crl crl;
    cg_objref ref;
    cg_crl_serial_set set;
    int have_set;
    int complete; /* every entry parsed */
} held_crl;

static void let_go_of_file(cg_crl_cross *xc, held_crl *h)
{
    if (h->have_in)
        cg_input_cleanup(&h->in);
    if (h->have_file && xc->release != NULL)
        xc->release(xc->arg, h->rec->file_no, h->file);
    h->have_in = h->have_file = 0;
}

static void drop(cg_crl_cross *xc, held_crl *h)
{
    if (h == NULL)
        return;
    let_go_of_file(xc, h);
    cg_crl_serial_set_free(&h->set);
    free(h->copy);
    h->copy = NULL;
}

/* Reads the CRL pass 1 saw at rec's offset; with keep, into its own copy. */
static int hold(cg_crl_cross *xc, size_t rec_no, int keep, held_crl *h)
{
    const uint8_t *data;
    size_t len;
    cg_input_obj obj;
    cg_der_error err;
    uint8_t sha[32];
    memset(h, 0, sizeof(*h));
    h->rec = &xc->crls[rec_no];
    h->rec_no = rec_no;
    if (!xc->reload(xc->arg, h->rec->file_no, &data, &len))
        return 0;
    h->file = data;
    h->have_file = 1;
    if (h->rec->offset > len)
        goto fail;
    cg_input_init(&h->in, data + h->rec->offset, len - h->rec->offset);
    h->have_in = 1;
    if (cg_input_next(&h->in, &obj, &err) != CG_INPUT_OBJECT ||
        !cg_crl_parse(&h->crl, obj.der, obj.der_len, &err) ||
        SHA256(h->crl.der.data, h->crl.der.len, sha) == NULL ||
        memcmp(sha, h->rec->sha256, 32) != 0)
        goto fail;
    if (keep) {
        h->copy = dup_bytes(&h->crl.der);
        size_t n = h->crl.der.len;
        let_go_of_file(xc, h);
        if (h->copy == NULL || !cg_crl_parse(&h->crl, h->copy, n, &err))
            goto fail;
    }
    h->ref.file = h->rec->file;
    h->ref.index = h->rec->index;
    h->ref.offset = h->rec->offset;
    h->ref.kind = CG_KIND_CRL;
    h->ref.has_hash = 1;
    memcpy(h->ref.sha256, h->rec->sha256, 32);
    h->ref.issuer = h->crl.issuer;
    cg_objref_set_issued_crl(&h->ref, &h->crl);
    return 1;
fail:
    drop(xc, h);
    return 0;
}

/* ---- the rules ---- */

/* The CRL against its CA: signature, issuer Name, AKI, nextUpdate limit.
 * Returns the subject of the CA when a finding on the issuer Name's
 * encoding already speaks for the certificates that carry it, else NULL. */
static const cg_cbs *check_issuer(cg_crl_cross *xc, const scope *sc, held_crl *h)
{
    cg_ctx *ctx = xc->ctx;
    const cg_crl *crl = &h->crl;
    const cg_cbs *folded = NULL;
    cg_sig sig;
    issuer_found f;
    cg_cbs aki;
    int have_aki = crl_aki(crl, &aki);
    char ca[400], other[400], text[600], more[512], a[80], b[80], issuer[256];
    cg_sig_prepare(&sig, "CRL", &crl->tbs, &crl->sig_alg, &crl->signature);
    find_issuer(xc, crl, &sig, &f);
    h->rec->verified = f.by != BY_NOTHING;

    /* A signature whose own fields are broken (PKITS "Bad CRL Signature")
     * verifies under no key: the CA its Name and AKI point to is the CA, and
     * the CRL's signature is invalid. */
    if (f.by == BY_NOTHING && f.n_candidates > 0 && (!f.unsupported || sig.damaged)) {
        static const char *const fits[] = {
            [BY_AKI_AND_NAME] =
                "subject is the CRL's issuer and whose key identifier its AKI names",
            [BY_AKI] = "key identifier the CRL's AKI names",
            [BY_NAME_BYTES] = "subject is the CRL's issuer",
            [BY_NAME] = "subject equals the CRL's issuer under RFC 5280 §7.1",
            [BY_KEY_ONLY] = "",
        };
        ca_text(xc, f.first, ca, sizeof(ca));
        say(ctx, CG_R_CRL_SIGNATURE_INVALID, &h->ref,
            "the signature does not verify under the key of %s, whose %s, nor under "
            "any other CA among the inputs: %s",
            ca, fits[ca_fit(xc, f.first, crl, &aki, have_aki)], f.why);
    } else if (f.by == BY_NOTHING) {
        if (f.n_candidates > 0) {
            ca_text(xc, f.first, ca, sizeof(ca));
            put_text(text, sizeof(text), "%s matches the CRL's issuer or AKI, but %s", ca, f.why);
        } else if (sig.unsupported != NULL && xc->n_cas > 0) {
            put_text(text, sizeof(text),
                     "no CA certificate among the inputs has the CRL's issuer Name or the key "
                     "identifier its AKI names, and the signature cannot be tried under the "
                     "others: %s",
                     sig.unsupported);
        } else {
            put_text(text, sizeof(text),
                     xc->n_cas == 0 ? "no CA certificate is among the inputs"
                                    : "no CA certificate among the inputs has the CRL's issuer "
                                      "Name, the key identifier its AKI names, or a key its "
                                      "signature verifies under");
        }
        say(ctx, CG_R_CRL_ISSUER_UNKNOWN, &h->ref,
            "issuing CA not confirmed: %s; signature, issuer Name and AKI checks "
            "against the CA skipped",
            text);
    }

    if (f.by != BY_NOTHING) {
        const cg_cert *cac = xc->cas[f.ca].cert;
        ca_text(xc, f.ca, ca, sizeof(ca));
        more[0] = '\0';
        if (!cg_name_bytes_equal(&cac->subject, &crl->issuer)) {
            /* Covered certificates that carry the CA's encoding are the
             * ones a relying party keying CRLs by DER issuer will miss. */
            cg_cbs subj = cac->subject;
            for (size_t id = 0; id < xc->names.n; id++) {
                cg_cbs name = intern_get(&xc->names, (uint32_t)id);
                if (sc->name_n[id] > 0 && cg_cbs_equal(&name, &subj))
                    put_text(more, sizeof(more),
                             "; %u covered certificate(s) among the inputs carry the CA's "
                             "encoding as their issuer (e.g. %s #%u), so relying parties that "
                             "find CRLs by DER issuer will not find this one for them",
                             sc->name_n[id], xc->certs[sc->name_first[id]].file,
                             xc->certs[sc->name_first[id]].index);
            }
        }
        if (f.by == BY_NAME ||
            (f.by == BY_AKI && cg_name_equal(&cac->subject, &crl->issuer, NULL))) {
            folded = &cac->subject;
            explain(&crl->issuer, &cac->subject, "the CA's subject", text, sizeof(text));
            say(ctx, CG_R_CRL_ISSUER_NAME_NOT_BYTE_IDENTICAL, &h->ref,
                "the issuer Name equals the subject of %s, which signed this CRL, under "
                "RFC 5280 §7.1 but is not byte-identical (TLS BRs §7.2.2): %s%s",
                ca, text, more);
        } else if (f.by == BY_AKI || f.by == BY_KEY_ONLY) {
            explain(&crl->issuer, &cac->subject, "the CA's subject", text, sizeof(text));
            name_text(&crl->issuer, issuer, sizeof(issuer));
            say(ctx, CG_R_CRL_ISSUER_NAME_MISMATCH, &h->ref,
                "signed by the key of %s, but the issuer Name \"%s\" is not that CA's "
                "subject (RFC 5280 §5.1.2.3): %s%s",
                ca, issuer, text, more);
        }
        const ca_info *in = &xc->info[f.ca];
        if (have_aki && in->has_ski && !cg_cbs_equal(&aki, &in->ski)) {
            hex_text(&aki, a, sizeof(a));
            hex_text(&in->ski, b, sizeof(b));
            more[0] = '\0';
            for (size_t i = 0; i < xc->n_cas; i++) {
                if (xc->info[i].has_ski && cg_cbs_equal(&xc->info[i].ski, &aki)) {
                    ca_text(xc, i, other, sizeof(other));
                    put_text(more, sizeof(more), "; it is the key identifier of %s", other);
                    break;
                }
            }
            say(ctx, CG_R_CRL_AKI_MISMATCH, &h->ref,
                "authorityKeyIdentifier keyIdentifier %s is not the subjectKeyIdentifier "
                "%s of %s, whose key signed this CRL (RFC 5280 §5.2.1)%s",
                a, b, ca, more);
        }
    }

    if (h->rec->span != CG_CRL_SPAN_UNLESS_ROOT)
        return folded;
    if (f.by != BY_NOTHING && ca_is_root(xc, f.ca))
        return folded; /* a root's CRL: 365 days */
    if (f.by != BY_NOTHING)
        put_text(text, sizeof(text),
                 "its issuer, %s, is not a self-signed root, and the CRL has no IDP "
                 "onlyContainsCACerts, so it is a subscriber CRL and may span at most 10 days",
                 ca);
    else
        put_text(text, sizeof(text),
                 "the CRL has no IDP onlyContainsCACerts, and its issuer is not confirmed as a "
                 "self-signed root among the inputs, so it is held to the subscriber limit of "
                 "10 days (a root's CRL may span 365 days: give the root certificate too)");
    cg_crl_report_validity_too_long(ctx, &h->ref, crl, text);
    return folded;
}

/* The CRL against the certificates it covers: issuer Name encodings and
 * distribution point URIs. */
static void check_covered(cg_crl_cross *xc, const scope *sc, held_crl *h, const cg_cbs *folded)
{
    cg_ctx *ctx = xc->ctx;
    char text[600], c1[160], u1[200], u2[200];
    size_t reported = 0;
    for (size_t id = 0; id < xc->names.n; id++) {
        if (sc->name_rel[id] != NAME_EQUAL || sc->name_n[id] == 0)
            continue;
        const xcert *c = &xc->certs[sc->name_first[id]];
        cg_cbs name = intern_get(&xc->names, (uint32_t)id);
        if (folded != NULL && cg_cbs_equal(folded, &name))
            continue; /* said with the CA's finding */
        explain(&h->crl.issuer, &name, "the certificates' issuer field", text, sizeof(text));
        cert_text(c, c1, sizeof(c1));
        say(ctx, CG_R_CRL_ISSUER_NAME_NOT_BYTE_IDENTICAL, &h->ref,
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
        cg_cbs value = intern_get(&xc->dps, (uint32_t)id), cu = {0}, iu = {0};
        dp_relation(sc, &value, &cu, &iu);
        cert_text(&xc->certs[sc->dp_first[id]], c1, sizeof(c1));
        uri_text(&cu, u1, sizeof(u1));
        uri_text(&iu, u2, sizeof(u2));
        cg_cbs a = cu, b = iu;
        while (a.len > 0 && a.data[a.len - 1] == '/')
            a.len--;
        while (b.len > 0 && b.data[b.len - 1] == '/')
            b.len--;
        say(ctx, CG_R_CRL_IDP_URI_MISMATCH, &h->ref,
            "%u covered certificate(s) among the inputs (e.g. %s) name the CRL "
            "distribution point \"%s\", which %s the IDP fullName URI \"%s\" but is not "
            "byte-identical to any IDP URI; relying parties compare them exactly and "
            "will not take this CRL for those certificates (TLS BRs §7.2.2.1, RFC 5280 "
            "§6.3.3)",
            sc->dp_n[id], c1, u1,
            cg_cbs_equal(&a, &b) ? "differs only in a trailing slash from" : "is the same URL as",
            u2);
    }
    if (reported > REPORT_MAX)
        say(ctx, CG_R_CRL_IDP_URI_MISMATCH, &h->ref,
            "... and %zu more CRL distribution points with this problem (only the first "
            "%d are reported one by one)",
            reported - REPORT_MAX, REPORT_MAX);
}

static int cmp_number(const xcrl *a, const xcrl *b)
{
    return cmp_serial(a->number, a->number_len, b->number, b->number_len);
}

static void number_text(const xcrl *r, char *buf, size_t cap)
{
    cg_cbs v;
    cg_cbs_init(&v, r->number, r->number_len);
    if (r->number_len <= 8) {
        uint64_t n = 0;
        for (size_t i = 0; i < r->number_len; i++)
            n = n << 8 | r->number[i];
        put_text(buf, cap, "%llu", (unsigned long long)n);
        return;
    }
    put_text(buf, cap, "0x");
    hex_text(&v, buf + 2, cap - 2);
}

/* Streams the entries once: listed covered certificates, revocations dated
 * before the previous CRL of the scope that did not list them, and (when a
 * later CRL of the scope follows) the serial set it will need. */
static void stream_entries(cg_crl_cross *xc, const scope *sc, held_crl *h, held_crl *prev,
                           int build_set)
{
    const cg_crl *crl = &h->crl;
    cg_cbs it = crl->revoked;
    cg_crl_entry e;
    cg_der_error err = {0, ""};
    size_t n = 0, backdated = 0;
    int check_back = prev != NULL && prev->complete &&
                     (prev->have_set || !prev->crl.has_revoked || prev->crl.revoked.len == 0);
    char serial[2 * SERIAL_MAX + 4], d1[32], d2[32], num[64];
    for (size_t k = 0; k < sc->n_covered; k++)
        sc->covered[k]->cur.listed = 0;
    if (sc->n_covered == 0 && !check_back && !build_set) {
        h->complete = 1; /* nothing to look for: no need to read the entries */
        return;
    }
    if (build_set)
        h->have_set = cg_crl_serial_set_init(&h->set, crl);
    while (cg_crl_next_entry(&it, &e, crl->der.data, &err)) {
        n++;
        if (sc->n_covered > 0)
            mark_listed(sc, &e);
        if (check_back && e.revocation_t < prev->crl.this_update_t &&
            cg_crl_serial_set_find(&prev->set, &e.serial) == 0 && ++backdated <= REPORT_MAX) {
            cg_cbs s = e.serial;
            if (s.len > SERIAL_MAX)
                s.len = SERIAL_MAX;
            cg_serial_hex(&s, serial, sizeof(serial));
            cg_time_format(e.revocation_t, d1, sizeof(d1));
            cg_time_format(prev->crl.this_update_t, d2, sizeof(d2));
            number_text(prev->rec, num, sizeof(num));
            say(xc->ctx, CG_R_REVOCATION_BACKDATED, &h->ref,
                "entry %zu (serial %s): revocationDate %s is before the thisUpdate %s of "
                "the earlier CRL %s #%u (cRLNumber %s) of this issuer and scope, which did "
                "not list it: the revocation was published later than the date it "
                "claims (TLS BRs §4.9.5)",
                n, serial, d1, d2, prev->rec->file, prev->rec->index,
                prev->rec->number_len > 0 ? num : "none");
        }
        if (h->have_set)
            cg_crl_serial_set_add(&h->set, &e);
    }
    h->complete = err.what[0] == '\0';
    if (backdated > REPORT_MAX)
        say(xc->ctx, CG_R_REVOCATION_BACKDATED, &h->ref,
            "... and %zu more entries with this problem (%zu in all; only the first %d "
            "are reported one by one)",
            backdated - REPORT_MAX, backdated, REPORT_MAX);
}

/* The CRL against the one before it in its scope: cRLNumber order and
 * serials of certificates among the inputs dropped before they expire. */
static void check_sequence(cg_crl_cross *xc, const scope *sc, held_crl *h, const held_crl *prev)
{
    char n1[64], n2[64], d1[32], d2[32], c1[160];
    size_t removed = 0;
    if (h->rec->number_len > 0 && prev->rec->number_len > 0 &&
        cmp_number(h->rec, prev->rec) <= 0) {
        number_text(h->rec, n1, sizeof(n1));
        number_text(prev->rec, n2, sizeof(n2));
        cg_time_format(h->rec->this_update, d1, sizeof(d1));
        cg_time_format(prev->rec->this_update, d2, sizeof(d2));
        say(xc->ctx, CG_R_CRL_NUMBER_NOT_INCREASING, &h->ref,
            "cRLNumber %s (thisUpdate %s) is not greater than the cRLNumber %s of the "
            "CRL %s #%u (thisUpdate %s) of the same issuer and scope%s; CRL numbers "
            "must increase with every CRL of a scope (RFC 5280 §5.2.3)",
            n1, d1, n2, prev->rec->file, prev->rec->index, d2,
            h->rec->this_update == prev->rec->this_update ? ", issued at the same time"
                                                          : ", issued before it");
    }
    if (!h->complete || !prev->complete || h->rec->is_delta)
        return;
    for (size_t k = 0; k < sc->n_covered; k++) {
        const xcert *c = sc->covered[k];
        if (!c->listed_prev || c->cur.listed || c->not_after <= h->crl.this_update_t)
            continue;
        if (++removed > REPORT_MAX)
            continue;
        cert_text(c, c1, sizeof(c1));
        cg_time_format(c->not_after, d1, sizeof(d1));
        cg_time_format(prev->rec->this_update, d2, sizeof(d2));
        say(xc->ctx, CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY, &h->ref,
            "%s, valid until %s, is listed on the earlier CRL %s #%u (thisUpdate %s) of "
            "this issuer and scope but no longer on this one, though it had not expired "
            "by this CRL's thisUpdate; a revoked certificate must stay listed until it "
            "expires (RFC 5280 §3.3)",
            c1, d1, prev->rec->file, prev->rec->index, d2);
    }
    if (removed > REPORT_MAX)
        say(xc->ctx, CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY, &h->ref,
            "... and %zu more certificates with this problem (only the first %d are "
            "reported one by one)",
            removed - REPORT_MAX, REPORT_MAX);
}

/* What this CRL says of each covered certificate becomes the scope's word
 * (CRLs of a scope come in thisUpdate order: the last one stands). An
 * incomplete or delta CRL speaks only for what it lists. */
static void commit(const scope *sc, const held_crl *h)
{
    for (size_t k = 0; k < sc->n_covered; k++) {
        xcert *c = sc->covered[k];
        if ((!h->complete || h->rec->is_delta) && !c->cur.listed)
            continue;
        c->cur.crl = (uint32_t)h->rec_no;
        c->scope = c->cur;
        c->listed_prev = c->cur.listed;
    }
}

/* Revoked on the newest CRL of any scope wins; else the newest says good. */
static void merge_scope(cg_crl_cross *xc, const scope *sc)
{
    for (size_t k = 0; k < sc->n_covered; k++) {
        xcert *c = sc->covered[k];
        const verdict *s = &c->scope, *f = &c->final;
        if (s->crl == NONE)
            continue;
        if (f->crl == NONE || (s->listed && !f->listed) ||
            (s->listed == f->listed &&
             xc->crls[s->crl].this_update > xc->crls[f->crl].this_update))
            c->final = c->scope;
    }
}

static void status_findings(cg_crl_cross *xc)
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
        ref.issuer = intern_get(&xc->names, c->issuer);
        cg_cbs_init(&ref.serial, c->serial, c->serial_len);

        const char *rname = NULL;
        reason[0] = '\0';
        if (r != NULL && v->listed && v->reason >= 0) {
            rname = cg_crl_reason_name((unsigned)v->reason);
            if (rname == NULL) {
                put_text(reason, sizeof(reason), "unassigned (%d)", v->reason);
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
                    cg_cbs value = intern_get(&xc->dps, c->crldp), dps, names, uri;
                    dp_uris_init(&value, &dps, &names);
                    if (next_dp_uri(&dps, &names, &uri))
                        uri_text(&uri, u, sizeof(u));
                    else
                        put_text(u, sizeof(u), "(none)");
                    put_text(text, sizeof(text),
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
            say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                       "not covered by any CRL given: %s", why);
        } else if (v->listed) {
            say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                       "revoked: revocationDate %s, reason %s, on CRL %s #%u (thisUpdate "
                       "%s%s)",
                       date, rname != NULL ? rname : "not given (no reasonCode)", r->file,
                       r->index, when, r->verified ? "" : "; its signature was not confirmed");
        } else {
            say_fields(xc->ctx, CG_R_REVOCATION_STATUS, &ref, fields, 5,
                       "good: not listed on CRL %s #%u (thisUpdate %s%s), the newest given "
                       "that covers it",
                       r->file, r->index, when,
                       r->verified ? "" : "; its signature was not confirmed");
        }
    }
}

/* ---- pass 2 ---- */

static int cmp_scope_order(const void *a, const void *b)
{
    const xcrl *x = *(const xcrl *const *)a, *y = *(const xcrl *const *)b;
    if (x->issuer_hash != y->issuer_hash)
        return x->issuer_hash < y->issuer_hash ? -1 : 1;
    if (x->has_idp != y->has_idp)
        return x->has_idp < y->has_idp ? -1 : 1;
    if (x->is_delta != y->is_delta)
        return x->is_delta < y->is_delta ? -1 : 1;
    if (x->idp_hash != y->idp_hash)
        return x->idp_hash < y->idp_hash ? -1 : 1;
    if (x->this_update != y->this_update)
        return x->this_update < y->this_update ? -1 : 1;
    int c = cmp_number(x, y);
    if (c != 0)
        return c;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

static int same_scope_key(const xcrl *x, const xcrl *y)
{
    return x->issuer_hash == y->issuer_hash && x->has_idp == y->has_idp &&
           x->is_delta == y->is_delta && x->idp_hash == y->idp_hash;
}

/* Checks the CRLs order[0..n), one scope key, in thisUpdate order. */
static void check_run(cg_crl_cross *xc, xcrl *const *order, size_t n)
{
    scope sc;
    held_crl slots[2], *prev = NULL;
    int open = 0;
    for (size_t k = 0; k < n; k++) {
        held_crl *h = &slots[prev == &slots[0] ? 1 : 0];
        int keep = k + 1 < n;
        if (!hold(xc, (size_t)(order[k] - xc->crls), keep, h))
            continue;
        if (open && !scope_same(&sc, &h->crl)) {
            /* Two scopes whose keys collide: a new scope, nothing compared. */
            merge_scope(xc, &sc);
            scope_close(&sc);
            open = 0;
            drop(xc, prev);
            prev = NULL;
        }
        if (!open && !(open = scope_open(xc, &sc, &h->crl))) {
            drop(xc, h);
            continue;
        }
        int twin = prev != NULL && memcmp(prev->rec->sha256, h->rec->sha256, 32) == 0;
        check_covered(xc, &sc, h, check_issuer(xc, &sc, h));
        /* A delta CRL lists what changed since its base: an entry the
         * previous delta lacks is not late, a serial it lacks not gone. */
        stream_entries(xc, &sc, h, twin || h->rec->is_delta ? NULL : prev, keep);
        if (prev != NULL && !twin)
            check_sequence(xc, &sc, h, prev);
        commit(&sc, h);
        let_go_of_file(xc, h);
        if (!h->complete) {
            drop(xc, h); /* not a reference for the next CRL */
            continue;
        }
        drop(xc, prev);
        prev = keep ? h : NULL;
        if (!keep)
            drop(xc, h);
    }
    drop(xc, prev);
    if (open) {
        merge_scope(xc, &sc);
        scope_close(&sc);
    }
}

typedef struct run_span {
    size_t start, n;
    const xcrl *first; /* in input order */
} run_span;

static int cmp_run(const void *a, const void *b)
{
    const xcrl *x = ((const run_span *)a)->first, *y = ((const run_span *)b)->first;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

void cg_crl_cross_finish(cg_crl_cross *xc, const cg_crl_ca *cas, size_t n_cas)
{
    size_t n = xc->n_crls, n_runs = 0;
    xcrl **order = NULL;
    run_span *runs = NULL;
    if (n == 0)
        return;
    ca_prepare(xc, cas, n_cas);
    for (size_t k = 0; k < xc->n_certs; k++)
        xc->certs[k].final = (verdict){0, NONE, -1, 0};
    order = malloc(n * sizeof(*order));
    runs = malloc(n * sizeof(*runs));
    if (order == NULL || runs == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        order[i] = &xc->crls[i];
    qsort(order, n, sizeof(*order), cmp_scope_order);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        const xcrl *first = order[i];
        for (; j < n && same_scope_key(order[j], order[i]); j++) {
            if (order[j]->file_no < first->file_no ||
                (order[j]->file_no == first->file_no && order[j]->offset < first->offset))
                first = order[j];
        }
        runs[n_runs++] = (run_span){i, j - i, first};
        i = j;
    }
    /* Scopes in the order their first CRL was given, so files are read in
     * order and the findings come out in a predictable order. */
    qsort(runs, n_runs, sizeof(*runs), cmp_run);
    for (size_t r = 0; r < n_runs; r++)
        check_run(xc, order + runs[r].start, runs[r].n);
    status_findings(xc);
out:
    free(order);
    free(runs);
}
