/* Cross-object rules (checker_internal.h lists the files): pass 1's index
 * and CA certificates; pass 2's groups of one effective issuer and serial,
 * each distinct object loaded once: duplicate serials, each final
 * certificate against its precertificate, the Precertificate Signing
 * sunset, and the SCT checks (checker_sct.c) of certificates with SCTs;
 * then the CRL cross-checks. */
#include "rules/checker_internal.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/corr.h"
#include "der/pem.h"
#include "util/grow.h"
#include "util/hash.h"
#include "util/hex.h"
#include "rules/keycache.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/time.h"

static void on_object(void *arg, const cg_objref *ref, const cg_cert *cert, const cg_crl *crl)
{
    cg_checker *ck = arg;
    if (cert == NULL) {
        cg_crl_cross_add_crl(ck->crl_cross, ck->cur_file, ref, crl);
        return;
    }
    int ca_flag = cg_cert_is_ca(cert);
    cg_crl_cross_add_cert(ck->crl_cross, ck->cur_file, ref, cert, ca_flag,
                          ck->known ? ck->known_self_issued : cg_crl_cross_self_issued(cert));
    entry *e =
        cg_grow_push((void **)&ck->entries, &ck->n_entries, &ck->cap_entries, sizeof(entry));
    if (e == NULL)
        return;
    e->file_no = (uint32_t)ck->cur_file;
    e->index = (uint32_t)ref->index;
    e->offset = ref->offset;
    e->kind = (uint8_t)ref->kind;
    e->has_scts = cg_cert_find_ext(cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST),
                                   NULL) != NULL;
    e->issuer_hash = cg_name_hash_bytes(&cert->issuer);
    if (cert->serial.len <= SERIAL_MAX) {
        e->serial_len = (uint8_t)cert->serial.len;
        memcpy(e->serial, cert->serial.data, cert->serial.len);
    } else {
        /* Oversized serial (already an error elsewhere): group by its hash. */
        uint64_t h = cg_fnv1a(CG_FNV1A_INIT, cert->serial.data, cert->serial.len);
        e->serial_len = SERIAL_MAX;
        memset(e->serial, 0xff, SERIAL_MAX);
        memcpy(e->serial, &h, sizeof(h));
    }
    memcpy(e->sha256, ref->sha256, 32);

    int signing = cg_cert_is_precert_signing(cert);
    if (!ca_flag && !signing)
        return;
    ca_cert *ca = cg_grow_slot((void **)&ck->cas, ck->n_cas, &ck->cap_cas, sizeof(*ca));
    if (ca == NULL)
        return;
    if (ck->known) {
        /* A prepared context's CA, on every run: its view and the bytes it
         * reads stay until cg_checker_free, so neither copy nor parse. */
        ca->cert = *cert;
        ca->len = cert->der.len;
    } else {
        ca->der = malloc(cert->der.len);
        if (ca->der == NULL)
            return;
        memcpy(ca->der, cert->der.data, cert->der.len);
        ca->len = cert->der.len;
        cg_der_error err;
        if (!cg_cert_parse(&ca->cert, ca->der, ca->len, &err)) {
            free(ca->der);
            return;
        }
    }
    /* One SHA-256 of the SPKI (none for a known CA) serves the SCTs'
     * issuer key hash and the key cache. */
    int hashed = 1;
    if (ck->known_spki_hash != NULL)
        memcpy(ca->spki_hash, ck->known_spki_hash, 32);
    else
        hashed = cg_ctx_sha256(ck->ctx, ca->cert.spki.data, ca->cert.spki.len, ca->spki_hash);
    memcpy(ca->sha256, ref->sha256, 32);
    ca->precert_signing = signing;
    const uint8_t *p = ca->cert.spki.data;
    if (ck->ctx->keys == NULL)
        ca->key = d2i_PUBKEY(NULL, &p, (long)ca->cert.spki.len);
    else if (hashed)
        ca->key = cg_keycache_get_hashed(ck->ctx->keys, p, ca->cert.spki.len, ca->spki_hash);
    else
        ca->key = cg_keycache_get(ck->ctx->keys, p, ca->cert.spki.len);
    ck->n_cas++;
}

cg_checker *cg_checker_new(cg_ctx *ctx, cg_reload_fn reload, cg_release_fn release, void *arg)
{
    cg_checker *ck = calloc(1, sizeof(*ck));
    if (ck == NULL)
        return NULL;
    ck->ctx = ctx;
    ck->reload = reload;
    ck->release = release;
    ck->arg = arg;
    ck->own_verifier = ctx->verifier == NULL;
    ck->verifier = ck->own_verifier ? cg_sct_verifier_new(ctx->loglist) : ctx->verifier;
    ck->crl_cross = cg_crl_cross_new(ctx, reload, release, arg);
    if (ck->verifier == NULL || ck->crl_cross == NULL) {
        if (ck->own_verifier)
            cg_sct_verifier_free(ck->verifier);
        cg_crl_cross_free(ck->crl_cross);
        free(ck);
        return NULL;
    }
    ctx->on_object = on_object;
    ctx->on_object_arg = ck;
    return ck;
}

void cg_checker_free(cg_checker *ck)
{
    if (ck == NULL)
        return;
    for (size_t i = 0; i < ck->n_cas; i++) {
        free(ck->cas[i].der);
        EVP_PKEY_free(ck->cas[i].key);
    }
    free(ck->cas);
    free(ck->entries);
    free(ck->names);
    if (ck->own_verifier)
        cg_sct_verifier_free(ck->verifier);
    cg_crl_cross_free(ck->crl_cross);
    free(ck);
}

static void set_file(cg_checker *ck, size_t file_no, const char *name)
{
    if (cg_grow((void **)&ck->names, &ck->cap_names, file_no + 1, sizeof(char *))) {
        for (size_t i = ck->n_names; i <= file_no; i++)
            ck->names[i] = NULL;
        ck->names[file_no] = name;
        if (file_no + 1 > ck->n_names)
            ck->n_names = file_no + 1;
    }
    ck->cur_file = file_no;
}

void cg_checker_add_file(cg_checker *ck, size_t file_no, const char *name, const uint8_t *data,
                         size_t len, cg_file_result *res)
{
    set_file(ck, file_no, name);
    cg_check_file(ck->ctx, name, data, len, res);
}

void cg_checker_add_known(cg_checker *ck, size_t file_no, const char *name, const cg_objref *ref,
                          const cg_cert *cert, const uint8_t *spki_hash, int self_issued)
{
    set_file(ck, file_no, name);
    ck->known = 1;
    ck->known_spki_hash = spki_hash;
    ck->known_self_issued = self_issued;
    on_object(ck, ref, cert, NULL);
    ck->known = 0;
    ck->known_spki_hash = NULL;
}

/* ---- pass 2 ---- */

static int cmp_group(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->group_hash != y->group_hash)
        return x->group_hash < y->group_hash ? -1 : 1;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Loads the object of entry e into *h, straight from its recorded offset
 * (the reload callback may keep the last file). 0 when the file no longer
 * holds it there or it does not parse. */
static int load_one(cg_checker *ck, const entry *e, held *h)
{
    const uint8_t *data;
    size_t len;
    int ok = 0;
    if (!ck->reload(ck->arg, e->file_no, &data, &len) || e->offset > len)
        return 0;
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    uint8_t sha[32];
    cg_input_init(&in, data + e->offset, len - e->offset);
    memset(h, 0, sizeof(*h));
    /* The file must still hold the object pass 1 saw there (held inputs
     * do). */
    if (cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT &&
        (ck->inputs_held ||
         (cg_ctx_sha256(ck->ctx, obj.der, obj.der_len, sha) && memcmp(sha, e->sha256, 32) == 0)))
        h->der = malloc(obj.der_len);
    if (h->der != NULL) {
        memcpy(h->der, obj.der, obj.der_len);
        h->len = obj.der_len;
        if (cg_cert_parse(&h->cert, h->der, h->len, &err)) {
            h->e = e;
            h->ref.file = ck->names[e->file_no];
            h->ref.index = e->index;
            h->ref.offset = e->offset;
            h->ref.kind = h->cert.is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
            h->ref.has_hash = 1;
            memcpy(h->ref.sha256, e->sha256, 32);
            h->ref.issuer = h->cert.issuer;
            h->ref.serial = h->cert.serial;
            cg_objref_set_issued_cert(&h->ref, &h->cert);
            ok = 1;
        } else {
            free(h->der);
            h->der = NULL;
        }
    }
    cg_input_cleanup(&in);
    if (ck->release != NULL)
        ck->release(ck->arg, e->file_no, data);
    return ok;
}

static int cmp_file_order(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->file_no != y->file_no)
        return x->file_no < y->file_no ? -1 : 1;
    return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

typedef struct group_span {
    size_t start, n;
    const entry *first; /* its first member in input order */
} group_span;

static int cmp_span(const void *a, const void *b)
{
    const group_span *x = a, *y = b;
    return cmp_file_order(&x->first, &y->first);
}

/* One group's objects in file order: the distinct objects (hs) and, for
 * each member (a copy, in input order), the object it is a copy of. */
typedef struct group_view {
    held *hs;
    size_t m;
    entry **members; /* file order */
    size_t *obj_of;  /* by member: index into hs, or NO_OBJ */
    size_t n_members;
} group_view;

#define NO_OBJ ((size_t)-1)

/* The reference of one member: its object's, with its own place. */
static cg_objref member_ref(const cg_checker *ck, const group_view *v, size_t k)
{
    cg_objref r = v->hs[v->obj_of[k]].ref;
    r.file = ck->names[v->members[k]->file_no];
    r.index = v->members[k]->index;
    r.offset = v->members[k]->offset;
    return r;
}

typedef struct key_row {
    uint8_t kind; /* certificate or precertificate; for pairing, via_signing */
    uint8_t key[32];
    size_t i; /* into hs */
} key_row;

static int cmp_key_row(const void *a, const void *b)
{
    const key_row *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    int c = memcmp(x->key, y->key, 32);
    if (c != 0)
        return c;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Keys for every object, then hs[i].same_as for those whose TBS an earlier
 * one has: precertificates are the same when only the CT extensions differ
 * (cg_corr_same_tbs); final certificates only when the whole TBS is (two
 * finals with different SCT lists are two certificates). Sorted by key,
 * so n log n in the group's size; equal keys are confirmed. One object
 * alone (a certificate checked on its own) has nothing to be compared
 * with: no key is made (check_group, the keys' user, needs two). */
static int mark_same(cg_checker *ck, held *hs, size_t m)
{
    key_row *rows = malloc(m * sizeof(*rows));
    if (rows == NULL)
        return 0;
    for (size_t i = 0; i < m; i++) {
        held *h = &hs[i];
        h->via_signing = h->cert.is_precert && cg_ck_signing_ca_of(ck, &h->cert) != NULL;
        rows[i].kind = (uint8_t)h->ref.kind;
        rows[i].i = i;
        if (m < 2)
            break;
        if (h->cert.is_precert
                ? !cg_corr_key(&h->cert, 0, ck->ctx->sha256, h->key)
                : !cg_ctx_sha256(ck->ctx, h->cert.tbs.data, h->cert.tbs.len, h->key)) {
            free(rows);
            return 0;
        }
        h->has_key = 1;
        memcpy(rows[i].key, h->key, 32);
    }
    qsort(rows, m, sizeof(*rows), cmp_key_row);
    for (size_t r = 0; r < m;) {
        size_t end = r + 1;
        while (end < m && rows[end].kind == rows[r].kind &&
               memcmp(rows[end].key, rows[r].key, 32) == 0)
            end++;
        const held *first = &hs[rows[r].i];
        for (size_t k = r + 1; k < end; k++) {
            held *h = &hs[rows[k].i];
            if (h->cert.is_precert ? cg_corr_same_tbs(&first->cert, &h->cert)
                                   : cg_cbs_equal(&first->cert.tbs, &h->cert.tbs))
                h->same_as = rows[r].i + 1;
        }
        r = end;
    }
    free(rows);
    return 1;
}

/* ct.precert.duplicate_serial and ct.cert.duplicate_serial: the distinct
 * objects of one kind, listed in input order. */
static void report_duplicates(cg_checker *ck, const held *hs, size_t m, cg_kind kind)
{
    char list[2048];
    size_t distinct = 0, first = m, used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < m; i++) {
        if (hs[i].ref.kind != kind || hs[i].same_as != 0)
            continue;
        if (first == m)
            first = i;
        distinct++;
        if (used + 1 >= sizeof(list))
            continue;
        char h[65];
        cg_hex(hs[i].e->sha256, 32, h);
        int w = snprintf(list + used, sizeof(list) - used, "%s%s (%s #%u)", used > 0 ? ", " : "",
                         h, hs[i].ref.file, hs[i].e->index);
        if (w > 0 && (size_t)w < sizeof(list) - used)
            used += (size_t)w;
    }
    if (distinct < 2)
        return;
    if (kind == CG_KIND_PRECERT)
        cg_report(ck->ctx, CG_R_CT_PRECERT_DUPLICATE_SERIAL, &hs[first].ref,
                  "%zu different precertificates share this issuer and serial: %s", distinct,
                  list);
    else
        cg_report(ck->ctx, CG_R_CT_CERT_DUPLICATE_SERIAL, &hs[first].ref,
                  "%zu different certificates share this issuer and serial: %s", distinct, list);
}

/* Whether a distinct precertificate corresponds to fin: looked up by key in
 * pre (sorted by via_signing and cg_corr_key), confirmed by comparing. */
static int has_partner(const cg_checker *ck, const held *hs, const key_row *pre, size_t n_pre,
                       const cg_cert *fin)
{
    for (uint8_t via = 0; via <= 1; via++) {
        key_row want;
        memset(&want, 0, sizeof(want));
        want.kind = via;
        if (!cg_corr_key(fin, via, ck->ctx->sha256, want.key))
            return 0;
        size_t lo = 0, hi = n_pre;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_key_row(&pre[mid], &want) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n_pre && pre[lo].kind == via && memcmp(pre[lo].key, want.key, 32) == 0;
             lo++) {
            cg_corr c;
            cg_corr_compare(&hs[pre[lo].i].cert, fin, via, &c);
            if (c.corresponds)
                return 1;
        }
    }
    return 0;
}

/* The group rules: duplicate serials, then each final certificate against
 * the precertificates (a final with no corresponding precertificate is
 * compared with the first one, which the findings name). */
static void check_group(cg_checker *ck, const group_view *v)
{
    const held *hs = v->hs;
    size_t m = v->m, n_pre = 0, first_pre = m;
    report_duplicates(ck, hs, m, CG_KIND_CERT);
    report_duplicates(ck, hs, m, CG_KIND_PRECERT);
    key_row *pre = malloc((m > 0 ? m : 1) * sizeof(*pre));
    if (pre == NULL)
        return;
    for (size_t i = 0; i < m; i++) {
        if (hs[i].ref.kind != CG_KIND_PRECERT)
            continue;
        if (first_pre == m)
            first_pre = i;
        if (hs[i].same_as != 0)
            continue;
        pre[n_pre].kind = (uint8_t)hs[i].via_signing;
        pre[n_pre].i = i;
        if (hs[i].via_signing && !cg_corr_key(&hs[i].cert, 1, ck->ctx->sha256, pre[n_pre].key))
            goto out;
        if (!hs[i].via_signing)
            memcpy(pre[n_pre].key, hs[i].key, 32);
        n_pre++;
    }
    if (n_pre == 0)
        goto out;
    qsort(pre, n_pre, sizeof(*pre), cmp_key_row);
    const held *best = &hs[first_pre];
    char h[65];
    cg_hex(best->e->sha256, 32, h);
    for (size_t k = 0; k < v->n_members; k++) {
        if (v->obj_of[k] == NO_OBJ)
            continue;
        const held *fin = &hs[v->obj_of[k]];
        if (fin->ref.kind != CG_KIND_CERT || has_partner(ck, hs, pre, n_pre, &fin->cert))
            continue;
        cg_corr c;
        cg_corr_compare(&best->cert, &fin->cert, best->via_signing, &c);
        if (c.corresponds)
            continue;
        cg_objref ref = member_ref(ck, v, k);
        if (c.validity_differs)
            cg_report(ck->ctx, CG_R_CT_PAIR_VALIDITY_MISMATCH, &ref,
                      "%s (precertificate %s, %s #%u)", c.validity, h, best->ref.file,
                      best->e->index);
        if (c.other_differs)
            cg_report(ck->ctx, CG_R_CT_PAIR_TBS_MISMATCH, &ref,
                      "differs from precertificate %s (%s #%u): %s", h, best->ref.file,
                      best->e->index, c.first);
    }
out:
    free(pre);
}

static int cmp_sha_order(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    int c = memcmp(x->sha256, y->sha256, 32);
    return c != 0 ? c : cmp_file_order(a, b);
}

static int cmp_held_order(const void *a, const void *b)
{
    const held *x = a, *y = b;
    return cmp_file_order(&x->e, &y->e);
}

/* Each member's object in v->hs, by SHA-256 (NO_OBJ when none loaded). */
static int map_members(group_view *v)
{
    key_row *rows = malloc((v->m > 0 ? v->m : 1) * sizeof(*rows));
    if (rows == NULL)
        return 0;
    for (size_t i = 0; i < v->m; i++) {
        rows[i].kind = 0;
        memcpy(rows[i].key, v->hs[i].e->sha256, 32);
        rows[i].i = i;
    }
    qsort(rows, v->m, sizeof(*rows), cmp_key_row);
    for (size_t k = 0; k < v->n_members; k++) {
        size_t lo = 0, hi = v->m;
        v->obj_of[k] = NO_OBJ;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = memcmp(rows[mid].key, v->members[k]->sha256, 32);
            if (c == 0) {
                v->obj_of[k] = rows[mid].i;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    free(rows);
    return 1;
}

/* Loads one group (members in file order), each distinct object once, and
 * runs the group rules, the SCT checks and the sunset rule on it: memory
 * follows the group's distinct objects, time is n log n in its size. */
static void check_span(cg_checker *ck, entry **members, size_t gn)
{
    group_view v = {NULL, 0, members, NULL, gn};
    entry **by_sha = malloc(gn * sizeof(*by_sha));
    const held **pres = NULL;
    size_t n_distinct = 0, n_pres = 0;
    v.obj_of = malloc(gn * sizeof(*v.obj_of));
    if (by_sha == NULL || v.obj_of == NULL)
        goto out;
    memcpy(by_sha, members, gn * sizeof(*by_sha));
    qsort(by_sha, gn, sizeof(*by_sha), cmp_sha_order);
    for (size_t k = 0; k < gn; k++)
        n_distinct += k == 0 || memcmp(by_sha[k]->sha256, by_sha[k - 1]->sha256, 32) != 0;
    v.hs = calloc(n_distinct, sizeof(*v.hs));
    if (v.hs == NULL)
        goto out;
    /* Byte-identical copies are one object: the first copy that still
     * loads stands for all of them. */
    for (size_t k = 0; k < gn;) {
        size_t end = k + 1;
        while (end < gn && memcmp(by_sha[end]->sha256, by_sha[k]->sha256, 32) == 0)
            end++;
        for (size_t c = k; c < end; c++) {
            if (load_one(ck, by_sha[c], &v.hs[v.m])) {
                v.m++;
                break;
            }
        }
        k = end;
    }
    qsort(v.hs, v.m, sizeof(*v.hs), cmp_held_order);
    /* A hash collision would put unrelated objects together. */
    size_t m = 0;
    for (size_t k = 0; k < v.m; k++) {
        if (cg_cbs_equal(&v.hs[k].cert.serial, &v.hs[0].cert.serial))
            v.hs[m++] = v.hs[k];
        else
            free(v.hs[k].der);
    }
    v.m = m;
    if (!map_members(&v) || !mark_same(ck, v.hs, v.m))
        goto out;
    if (gn >= 2)
        check_group(ck, &v);
    pres = malloc(OTHER_PRECERTS_MAX * sizeof(*pres));
    if (pres == NULL)
        goto out;
    for (size_t i = 0; i < v.m && n_pres < OTHER_PRECERTS_MAX; i++) {
        if (v.hs[i].cert.is_precert && v.hs[i].same_as == 0)
            pres[n_pres++] = &v.hs[i];
    }
    for (size_t k = 0; k < gn; k++) {
        if (v.obj_of[k] == NO_OBJ)
            continue;
        const held *h = &v.hs[v.obj_of[k]];
        cg_objref ref = member_ref(ck, &v, k);
        if (h->ref.kind == CG_KIND_CERT && h->e->has_scts)
            /* the TBS's SHA-256, made for mark_same, serves the signature */
            cg_ck_check_scts(ck, &ref, &h->cert, h->has_key ? h->key : NULL, pres, n_pres);
        const ca_cert *sca = h->cert.is_precert ? cg_ck_signing_ca_of(ck, &h->cert) : NULL;
        /* The rule table dates the sunset (TLS BRs §7.1.2.4: 2026-03-15). */
        if (sca != NULL && cg_rule_in_force(CG_R_CT_PRECERT_SIGNING_CA_AFTER_SUNSET, ref.issued)) {
            char nb[32];
            cg_time_format(h->cert.not_before_t, nb, sizeof(nb));
            cg_report(ck->ctx, CG_R_CT_PRECERT_SIGNING_CA_AFTER_SUNSET, &ref,
                      "issued %s by a Precertificate Signing Certificate; these may not be "
                      "used after 2026-03-15",
                      nb);
        }
    }
out:
    for (size_t k = 0; k < v.m; k++)
        free(v.hs[k].der);
    free(v.hs);
    free(v.obj_of);
    free(by_sha);
    free(pres);
}

/* The CRL rules that need the CAs, certificates and other CRLs given. */
static void finish_crls(cg_checker *ck)
{
    cg_crl_ca *cas = ck->n_cas > 0 ? calloc(ck->n_cas, sizeof(*cas)) : NULL;
    size_t n = cas != NULL ? ck->n_cas : 0;
    for (size_t i = 0; i < n; i++)
        cas[i] = (cg_crl_ca){&ck->cas[i].cert, ck->cas[i].key};
    cg_crl_cross_finish(ck->crl_cross, cas, n);
    free(cas);
}

void cg_checker_inputs_held(cg_checker *ck)
{
    ck->inputs_held = 1;
}

void cg_checker_finish(cg_checker *ck)
{
    size_t n = ck->n_entries;
    group_span *groups = NULL;
    size_t n_groups = 0, cap_groups = 0;
    entry **order = n > 0 ? malloc(n * sizeof(*order)) : NULL;
    if (n == 0 || order == NULL)
        goto out;
    /* Group key: the effective issuer (a Precertificate Signing CA stands
     * for the CA above it) and the serial. */
    for (size_t i = 0; i < n; i++) {
        entry *e = &ck->entries[i];
        uint64_t issuer = e->issuer_hash;
        for (size_t c = 0; c < ck->n_cas; c++) {
            if (ck->cas[c].precert_signing &&
                cg_name_hash_bytes(&ck->cas[c].cert.subject) == issuer) {
                issuer = cg_name_hash_bytes(&ck->cas[c].cert.issuer);
                e->needed = 1; /* signing_ca_after_sunset */
            }
        }
        e->needed |= e->has_scts && e->kind == CG_KIND_CERT;
        e->group_hash =
            cg_fnv1a(cg_fnv1a(CG_FNV1A_INIT, &issuer, 8), e->serial, e->serial_len);
        order[i] = e;
    }
    qsort(order, n, sizeof(*order), cmp_group);
    /* The groups that need a second look, visited in the order their first
     * member appears in the input, so the files are read roughly once. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && order[j]->group_hash == order[i]->group_hash)
            j++;
        qsort(order + i, j - i, sizeof(*order), cmp_file_order);
        int needed = j - i >= 2;
        for (size_t k = i; k < j; k++)
            needed |= order[k]->needed;
        if (needed && cg_grow((void **)&groups, &cap_groups, n_groups + 1, sizeof(*groups)))
            groups[n_groups++] = (group_span){i, j - i, order[i]};
        i = j;
    }
    if (n_groups > 0)
        qsort(groups, n_groups, sizeof(*groups), cmp_span);
    for (size_t gi = 0; gi < n_groups; gi++)
        check_span(ck, order + groups[gi].start, groups[gi].n);
out:
    free(groups);
    free(order);
    finish_crls(ck);
}
