/* CRLs against their issuing CA, the certificates they cover and the other
 * CRLs of their scope (crl_cross.h): pass 1's records, and pass 2, which
 * takes the CRLs scope by scope in thisUpdate order, reads each again from
 * its file and hands it to the checks of the other crl_cross_*.c files
 * (crl_cross_internal.h says which owns what, and the words used). */
#include "rules/crl_cross_internal.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "x509/name.h"
#include "x509/oid.h"

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

cg_cbs cg_xc_intern_get(const intern *t, uint32_t id)
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

int cg_crl_cross_self_issued(const cg_cert *cert)
{
    return cg_name_bytes_equal(&cert->subject, &cert->issuer) ||
           cg_name_equal(&cert->subject, &cert->issuer, NULL);
}

void cg_crl_cross_add_cert(cg_crl_cross *xc, size_t file_no, const cg_objref *ref,
                           const cg_cert *cert, int is_ca, int self_issued)
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
    r->self_issued = self_issued != 0;
    xc->n_certs++;
}

int cg_xc_cmp_serial(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

uint8_t *cg_xc_dup_bytes(const cg_cbs *v)
{
    uint8_t *p = malloc(v->len > 0 ? v->len : 1);
    if (p != NULL && v->len > 0)
        memcpy(p, v->data, v->len);
    return p;
}

/* ---- one CRL read again ---- */

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
        h->copy = cg_xc_dup_bytes(&h->crl.der);
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
    int c = cg_xc_cmp_number(x, y);
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
        if (open && !cg_xc_scope_same(&sc, &h->crl)) {
            /* Two scopes whose keys collide: a new scope, nothing compared. */
            cg_xc_merge_scope(xc, &sc);
            cg_xc_scope_close(&sc);
            open = 0;
            drop(xc, prev);
            prev = NULL;
        }
        if (!open && !(open = cg_xc_scope_open(xc, &sc, &h->crl))) {
            drop(xc, h);
            continue;
        }
        int twin = prev != NULL && memcmp(prev->rec->sha256, h->rec->sha256, 32) == 0;
        cg_xc_check_covered(xc, &sc, h, cg_xc_check_issuer(xc, &sc, h));
        /* A delta CRL lists what changed since its base: an entry the
         * previous delta lacks is not late, a serial it lacks not gone. */
        cg_xc_stream_entries(xc, &sc, h, twin || h->rec->is_delta ? NULL : prev, keep);
        if (prev != NULL && !twin)
            cg_xc_check_sequence(xc, &sc, h, prev);
        cg_xc_commit(&sc, h);
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
        cg_xc_merge_scope(xc, &sc);
        cg_xc_scope_close(&sc);
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
    cg_xc_ca_prepare(xc, cas, n_cas);
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
    cg_xc_status_findings(xc);
out:
    free(order);
    free(runs);
}
