/* Ingest: the run's index of the store's CA certificates
 * (ingest_internal.h), from which each file gets only the CAs its objects
 * name, instead of every CA of the store.
 *
 * Invariants kept here: the index is a copy of the store's CAs as they
 * were when it was loaded; it is loaded again when the run stored a new CA,
 * rolled back, or meets an issuer it does not hold (another process may
 * have stored it); a CA is chosen for a file by equal Names
 * (cg_name_hash_equal, however encoded) or by the key its AKI names, and a
 * chosen Precertificate Signing CA brings its issuer. */
#include "store/ingest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "x509/name.h"
#include "x509/oid.h"

void cg_ing_cas_clear(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_cas; i++)
        free(ing->cas[i].buf);
    ing->n_cas = 0;
    ing->cas_loaded = 0;
}

int cg_ing_add_signing_ca(cg_ingest *ing, const cg_store_object *o)
{
    signing_ca *sc =
        cg_grow_push((void **)&ing->scas, &ing->n_scas, &ing->cap_scas, sizeof(signing_ca));
    return sc != NULL && cg_ing_copy_bytes(&sc->subject, o->subject, o->subject_len) &&
           cg_ing_copy_bytes(&sc->issuer, o->issuer, o->issuer_len);
}

static int add_ca(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    if (o->ca == CG_STORE_CA_PRECERT_SIGNING && o->subject != NULL && o->issuer != NULL &&
        !cg_ing_add_signing_ca(ing, o)) {
        cg_ing_oom(ing);
        return 0;
    }
    return cg_ing_add_related(arg, o);
}

/* Copies one stored CA into the index, its byte fields into one buffer. */
static int ca_load(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    const char *file = o->file != NULL ? o->file : "";
    size_t flen = strlen(file) + 1;
    uint8_t *buf = malloc(o->der_len + o->issuer_len + o->subject_len + flen);
    ca_slot *c = NULL;
    if (buf != NULL)
        c = cg_grow_push((void **)&ing->cas, &ing->n_cas, &ing->cap_cas, sizeof(ca_slot));
    if (c == NULL) {
        free(buf);
        cg_ing_oom(ing);
        return 0;
    }
    c->o = *o;
    c->buf = buf;
    memcpy(buf, o->der, o->der_len);
    c->o.der = buf;
    buf += o->der_len;
    if (o->issuer != NULL)
        memcpy(buf, o->issuer, o->issuer_len);
    c->o.issuer = o->issuer != NULL ? buf : NULL;
    buf += o->issuer_len;
    if (o->subject != NULL)
        memcpy(buf, o->subject, o->subject_len);
    c->o.subject = o->subject != NULL ? buf : NULL;
    buf += o->subject_len;
    memcpy(buf, file, flen);
    c->o.file = (const char *)buf;
    c->o.scope = NULL;
    c->o.crldp = NULL;
    c->o.serial = NULL;
    c->o.serial_len = 0;
    cg_cbs subject;
    cg_cbs_init(&subject, c->o.subject, c->o.subject_len);
    c->subject_key = cg_name_hash_equal(&subject);
    cg_cert cert;
    cg_der_error err;
    if (cg_cert_parse(&cert, c->o.der, c->o.der_len, &err) &&
        !cg_ext_ski(cg_cert_find_ext(&cert, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), &c->ski))
        cg_cbs_init(&c->ski, NULL, 0);
    return 1;
}

static int cas_load(cg_ingest *ing)
{
    cg_ing_cas_clear(ing);
    if (!cg_store_ca_objects(ing->st, ca_load, ing)) {
        cg_ing_store_failed(ing);
        return 0;
    }
    if (ing->failed)
        return 0;
    ing->cas_loaded = 1;
    return 1;
}

/* Marks the CAs whose subject key is key; returns how many. */
static size_t mark_by_name(cg_ingest *ing, uint64_t key)
{
    size_t n = 0;
    for (size_t i = 0; i < ing->n_cas; i++) {
        if (ing->cas[i].subject_key == key) {
            ing->cas[i].mark = ing->mark;
            n++;
        }
    }
    return n;
}

static size_t mark_by_ski(cg_ingest *ing, const bytes *aki)
{
    size_t n = 0;
    for (size_t i = 0; aki->n > 0 && i < ing->n_cas; i++) {
        const cg_cbs *ski = &ing->cas[i].ski;
        if (ski->len == aki->n && memcmp(ski->data, aki->p, aki->n) == 0) {
            ing->cas[i].mark = ing->mark;
            n++;
        }
    }
    return n;
}

/* Marks what the file's objects may need: for a certificate, the CAs named
 * as its issuer (equal Names, however encoded) or holding the key its AKI
 * names; for a CA certificate, also the CAs with its subject (the same CA
 * under another certificate: a cross-sign, a re-issue); for a CRL, the CAs
 * named as its issuer. Returns the number of objects none was found for. */
static size_t mark_needed(cg_ingest *ing)
{
    size_t missing = 0;
    ing->mark++;
    for (size_t i = 0; i < ing->n_keys; i++) {
        const cert_key *k = &ing->keys[i];
        size_t n = mark_by_name(ing, k->issuer_key) + mark_by_ski(ing, &k->aki);
        if (k->ca_key != 0)
            mark_by_name(ing, k->ca_key);
        /* A self-issued certificate is its own issuer. */
        missing += n == 0 && k->ca_key != k->issuer_key;
    }
    for (size_t i = 0; i < ing->n_crls; i++)
        missing += mark_by_name(ing, ing->crls[i].issuer_key) == 0;
    /* A Precertificate Signing Certificate's precertificates were logged
     * in the name of its issuer: mark that one too (it cannot itself be a
     * signing certificate, so one round is enough). */
    for (size_t i = 0; i < ing->n_cas; i++) {
        const ca_slot *c = &ing->cas[i];
        if (c->mark == ing->mark && c->o.ca == CG_STORE_CA_PRECERT_SIGNING &&
            c->o.issuer != NULL) {
            cg_cbs issuer;
            cg_cbs_init(&issuer, c->o.issuer, c->o.issuer_len);
            mark_by_name(ing, cg_name_hash_equal(&issuer));
        }
    }
    return missing;
}

/* The stored CAs this file may need, as related objects. */
int cg_ing_related_cas(cg_ingest *ing)
{
    int fresh = !ing->cas_loaded;
    if (fresh && !cas_load(ing))
        return 0;
    /* An issuer not in the index may have been stored since it was loaded
     * (by another process sharing the store): load once more. */
    if (mark_needed(ing) > 0 && !fresh) {
        if (!cas_load(ing))
            return 0;
        mark_needed(ing);
    }
    for (size_t i = 0; i < ing->n_cas; i++) {
        if (ing->cas[i].mark == ing->mark && !add_ca(ing, &ing->cas[i].o))
            return 0;
    }
    return 1;
}
