/* Ingest, the first pass (ingest_internal.h): a file's objects into the
 * store, each with the keys the later passes need (its issuer, serial, CRL
 * distribution points, AKI; a CRL's scope and thisUpdate), and a CRL's
 * entries.
 *
 * Invariants kept here: an object is stored as the engine will see it (the
 * DER element without trailing bytes, named by its SHA-256), or not at all
 * when it does not even validate (then it has no identity); a CRL's entries
 * are stored when the CRL is new or seen earlier than before, and only
 * whole: a list that breaks off stores none of its entries. */
#include "store/ingest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "der/pem.h"
#include "util/grow.h"
#include "rules/crl_util.h"
#include "x509/name.h"
#include "x509/oid.h"

#define ENTRY_BATCH 512
/* A CRL with at least this many entries goes in as a bulk write
 * (cg_store_bulk). */
#define BULK_CRL 10000

int cg_ing_note_checked(cg_ingest *ing, const uint8_t *sha, cg_kind kind)
{
    if (kind != CG_KIND_CERT && kind != CG_KIND_CRL)
        return 1;
    if (!cg_grow((void **)&ing->chk, &ing->cap_chk, ing->n_chk + 1, sizeof(checked)))
        return 0;
    memcpy(ing->chk[ing->n_chk].sha256, sha, 32);
    ing->chk[ing->n_chk].kind = kind;
    ing->n_chk++;
    return 1;
}

/* Records a CRL's entries, unless its entry list breaks off somewhere (the
 * checker reports that as input.malformed; half a list would give the
 * entries after the break no first sighting at all). */
static int put_entries(cg_ingest *ing, const cg_crl *crl, const uint8_t *sha, const uint8_t *scope,
                       size_t scope_len)
{
    cg_store_crl_entry batch[ENTRY_BATCH];
    cg_crl_entry e;
    cg_der_error err;
    cg_cbs it = crl->revoked;
    size_t n = 0, total = 0;
    int ok = 0, bulk;
    err.what[0] = '\0';
    while (cg_crl_next_entry(&it, &e, crl->der.data, &err))
        total++;
    if (err.what[0] != '\0')
        return 1;
    bulk = total >= BULK_CRL;
    if (bulk && !cg_store_bulk(ing->st, 1))
        return 0;
    it = crl->revoked;
    while (cg_crl_next_entry(&it, &e, crl->der.data, &err)) {
        unsigned code;
        batch[n].serial = e.serial.data;
        batch[n].serial_len = e.serial.len;
        batch[n].revocation_date = e.revocation_t;
        batch[n].reason = cg_crl_entry_reason(&e, &code) ? (int)code : -1;
        if (++n == ENTRY_BATCH) {
            if (!cg_store_put_crl_entries(ing->st, sha, crl->issuer.data, crl->issuer.len, scope,
                                          scope_len, batch, n, ing->o.seen_at))
                goto out;
            n = 0;
        }
    }
    if (n > 0 && !cg_store_put_crl_entries(ing->st, sha, crl->issuer.data, crl->issuer.len, scope,
                                           scope_len, batch, n, ing->o.seen_at))
        goto out;
    ok = 1;
out:
    /* The small cache again: what the large one holds is written by the
     * commit, or spilled to the WAL first; nothing is lost. */
    if (bulk && !cg_store_bulk(ing->st, 0))
        ok = 0;
    return ok;
}

/* Whether [p, p + n) lies in the file's own bytes, which stay as they are
 * until the file is done (an object decoded from PEM does not: its buffer
 * is freed and may be used again for the next object). */
static int in_file(const cg_ingest *ing, const uint8_t *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)ing->data;
    return a >= lo && n <= ing->len && a - lo <= ing->len - n;
}

/* Notes what the checker need not work out again of an object in the
 * file's bytes; 0 when out of memory. */
static int note_known(cg_ingest *ing, const uint8_t *der, size_t len, cg_der_status st,
                      size_t consumed, const cg_der_error *err, const uint8_t sha256[32])
{
    if (!in_file(ing, der, len))
        return 1;
    known_obj *k = cg_grow_push((void **)&ing->known, &ing->n_known, &ing->cap_known, sizeof(*k));
    if (k == NULL)
        return 0;
    k->der = der;
    k->len = len;
    k->k.st = st;
    k->k.consumed = consumed;
    if (st == CG_DER_NONCANONICAL)
        k->k.err = *err;
    memcpy(k->k.sha256, sha256, 32);
    return 1;
}

const cg_obj_known *cg_ing_known(void *arg, const uint8_t *der, size_t len)
{
    cg_ingest *ing = arg;
    if (ing->cur_rel != NOT_RELATED) {
        /* A stored object passed cg_der_validate when it was stored, as
         * the element alone (store_one), and a related one is only indexed
         * (ctx.index_only), which asks no more of it than that. */
        const related *r = &ing->rel[ing->cur_rel];
        if (der != r->der || len != r->len)
            return NULL;
        ing->rel_known.st = CG_DER_OK;
        ing->rel_known.consumed = len;
        memcpy(ing->rel_known.sha256, r->sha256, 32);
        return &ing->rel_known;
    }
    /* The checker reads the file in the order pass 1 did: the objects in
     * the file's bytes come at rising addresses. */
    for (size_t i = ing->known_next; i < ing->n_known; i++) {
        const known_obj *k = &ing->known[i];
        if ((uintptr_t)k->der > (uintptr_t)der)
            break;
        if (k->der == der && k->len == len) {
            ing->known_next = i + 1;
            return &k->k;
        }
    }
    return NULL;
}

/* One object of the file, as the engine will see it (rules/engine.c): the
 * DER element without trailing bytes, hashed; a view when it parses. */
static int store_one(cg_ingest *ing, size_t index, const uint8_t *der, size_t len)
{
    static const uint8_t no_scope[1] = {0};
    cg_store_object o;
    cg_der_error err;
    cg_cert cert;
    cg_crl crl;
    size_t consumed = 0;
    int is_new = 0, earlier = 0, parsed_cert = 0, parsed_crl = 0, known = 1;
    cg_der_status dst = cg_der_validate(der, len, &consumed, &err);
    if (dst == CG_DER_MALFORMED)
        return 1; /* no identity: its input.malformed finding cannot be stored */
    memset(&o, 0, sizeof(o));
    /* OpenSSL's digest fails only when it cannot allocate */
    if (!cg_ing_sha256(ing, der, consumed, o.sha256) ||
        !note_known(ing, der, len, dst, consumed, &err, o.sha256))
        goto nomem;
    o.kind = cg_guess_kind(der, consumed);
    o.der = der;
    o.der_len = consumed;
    o.file = ing->name;
    o.index = (int64_t)index;
    o.first_seen = ing->o.seen_at;
    if (o.kind == CG_KIND_CERT && cg_cert_parse(&cert, der, consumed, &err)) {
        parsed_cert = 1;
        o.kind = cert.is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
        o.issuer = cert.issuer.data;
        o.issuer_len = cert.issuer.len;
        o.serial = cert.serial.data;
        o.serial_len = cert.serial.len;
        o.subject = cert.subject.data;
        o.subject_len = cert.subject.len;
        o.not_before = cert.not_before_t;
        o.not_after = cert.not_after_t;
        o.ca = cg_cert_is_precert_signing(&cert) ? CG_STORE_CA_PRECERT_SIGNING
               : cg_cert_is_ca(&cert)            ? CG_STORE_CA
                                                 : CG_STORE_CA_NONE;
        const cg_ext *dp = cg_cert_find_ext(&cert, CG_OID_CRL_DP, sizeof(CG_OID_CRL_DP), NULL);
        o.crldp = dp != NULL ? dp->value.data : no_scope;
        o.crldp_len = dp != NULL ? dp->value.len : 0;
        if (!cg_store_cert_variant_exists(ing->st, o.issuer, o.issuer_len, o.crldp, o.crldp_len,
                                          &known)) {
            cg_ing_store_failed(ing);
            return 0;
        }
    } else if (o.kind == CG_KIND_CRL && cg_crl_parse(&crl, der, consumed, &err)) {
        const cg_ext *idp = cg_crl_find_ext(&crl, CG_OID_IDP, sizeof(CG_OID_IDP), NULL);
        parsed_crl = 1;
        o.issuer = crl.issuer.data;
        o.issuer_len = crl.issuer.len;
        o.scope = idp != NULL ? idp->value.data : no_scope;
        o.scope_len = idp != NULL ? idp->value.len : 0;
        o.not_before = crl.this_update_t;
        o.not_after = crl.has_next_update ? crl.next_update_t : 0;
    }
    if (!cg_store_put_object(ing->st, &o, &is_new, &earlier)) {
        cg_ing_store_failed(ing);
        return 0;
    }
    ing->stats.new_objects += (size_t)is_new;
    /* the store added its issuer name to issuer_names if it had not seen it */
    if (is_new && o.issuer != NULL)
        cg_ing_names_saw(ing, o.kind == CG_KIND_CRL, o.issuer, o.issuer_len);
    if (!cg_grow((void **)&ing->objs, &ing->cap_objs, ing->n_objs + 1, sizeof(stored)))
        goto nomem;
    memcpy(ing->objs[ing->n_objs].sha256, o.sha256, 32);
    ing->objs[ing->n_objs].kind = o.kind;
    ing->objs[ing->n_objs].index = index;
    ing->objs[ing->n_objs].is_new = is_new;
    ing->n_objs++;
    /* A new object has no notice yet for cg_ing_resolve_stale() to resolve. */
    if (((parsed_cert || parsed_crl) && !is_new && !cg_ing_note_checked(ing, o.sha256, o.kind)) ||
        !cg_shaset_put(&ing->seen, o.sha256, NOT_RELATED)) {
        cg_ing_oom(ing);
        return 0;
    }
    if (parsed_cert) {
        cert_key *k =
            cg_grow_push((void **)&ing->keys, &ing->n_keys, &ing->cap_keys, sizeof(cert_key));
        if (k == NULL)
            goto nomem;
        k->new_variant = !known;
        k->is_new = is_new;
        k->new_ca = is_new && o.ca != CG_STORE_CA_NONE;
        k->issuer_key = cg_name_hash_equal(&cert.issuer);
        k->ca_key = o.ca != CG_STORE_CA_NONE ? cg_name_hash_equal(&cert.subject) : 0;
        cg_cbs aki;
        if (cg_ext_aki_keyid(cg_cert_find_ext(&cert, CG_OID_AKI, sizeof(CG_OID_AKI), NULL),
                             &aki) &&
            !cg_ing_copy_bytes(&k->aki, aki.data, aki.len))
            goto nomem;
        /* The run's CA index does not hold this one yet. */
        if (k->new_ca)
            ing->cas_loaded = 0;
        if (k->new_ca && !cg_ing_copy_bytes(&k->subject, o.subject, o.subject_len))
            goto nomem;
        if (!known && !cg_ing_copy_bytes(&k->crldp, o.crldp, o.crldp_len))
            goto nomem;
        if (!cg_ing_copy_bytes(&k->issuer, o.issuer, o.issuer_len) ||
            !cg_ing_copy_bytes(&k->serial, o.serial, o.serial_len))
            goto nomem;
        if (o.ca == CG_STORE_CA_PRECERT_SIGNING && !cg_ing_add_signing_ca(ing, &o))
            goto nomem;
    }
    if (parsed_crl) {
        crl_key *k =
            cg_grow_push((void **)&ing->crls, &ing->n_crls, &ing->cap_crls, sizeof(crl_key));
        if (k == NULL)
            goto nomem;
        k->this_update = o.not_before;
        k->issuer_key = cg_name_hash_equal(&crl.issuer);
        memcpy(k->sha256, o.sha256, 32);
        if (!cg_ing_copy_bytes(&k->issuer, o.issuer, o.issuer_len) ||
            !cg_ing_copy_bytes(&k->scope, o.scope, o.scope_len))
            goto nomem;
        /* A CRL seen before at this time or earlier has its entries already. */
        if ((is_new || earlier) && !put_entries(ing, &crl, o.sha256, o.scope, o.scope_len)) {
            cg_ing_store_failed(ing);
            return 0;
        }
    }
    return 1;
nomem:
    cg_ing_oom(ing);
    return 0;
}

int cg_ing_store_objects(cg_ingest *ing)
{
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    int ok = 1;
    cg_input_init(&in, ing->data, ing->len);
    for (;;) {
        cg_input_status s = cg_input_next(&in, &obj, &err);
        if (s == CG_INPUT_END)
            break;
        if (s == CG_INPUT_ERROR || obj.label == CG_PEM_LABEL_OTHER)
            continue;
        if (!store_one(ing, obj.index, obj.der, obj.der_len)) {
            ok = 0;
            break;
        }
    }
    cg_input_cleanup(&in);
    return ok;
}
