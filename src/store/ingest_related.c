/* Ingest, the second pass (ingest_internal.h): the stored objects related
 * to a file's objects, which the checker sees with them as files named
 * "store" (the table in docs/store.md, "What ingest checks against").
 *
 * Invariants kept here: a related object is copied once per file (the
 * seen set: neither an object of the file nor one related already), and
 * every one is noted for cg_ing_resolve_stale; a CA's certificates and
 * CRLs are found under every encoding of its Name the store has seen
 * (issuer_names, compared under RFC 5280 §7.1), since a CRL may spell its
 * issuer otherwise than the certificates it covers. */
#include "store/ingest_internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "x509/name.h"

int cg_ing_add_related(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    if (cg_shaset_get(&ing->seen, o->sha256, NULL))
        return 1;
    related *r = cg_grow_slot((void **)&ing->rel, ing->n_rel, &ing->cap_rel, sizeof(*r));
    if (r == NULL)
        goto nomem;
    r->der = malloc(o->der_len > 0 ? o->der_len : 1);
    r->file = strdup(o->file != NULL ? o->file : "");
    if (r->der == NULL || r->file == NULL) {
        free(r->der);
        free(r->file);
        goto nomem;
    }
    memcpy(r->der, o->der, o->der_len);
    r->len = o->der_len;
    memcpy(r->sha256, o->sha256, 32);
    r->index = o->index;
    r->is_crl = o->kind == CG_KIND_CRL;
    if (!cg_shaset_put(&ing->seen, o->sha256, ing->n_rel) ||
        !cg_ing_note_checked(ing, o->sha256, o->kind))
        goto nomem;
    ing->n_rel++;
    return 1;
nomem:
    cg_ing_oom(ing);
    return 0;
}

/* An object the file holds or that is related already: cg_ing_add_related
 * would pass it over, so the store need not read it (the entry just
 * stored comes back from every lookup of its own serial). */
static int seen_already(void *arg, const uint8_t sha256[32])
{
    cg_ingest *ing = arg;
    return cg_shaset_get(&ing->seen, sha256, NULL);
}

/* The stored objects of one issuer Name and serial, asked once per file
 * however many of the file's objects share them: thousands of copies of
 * one serial cost one lookup, not one each (which read every copy again,
 * quadratic in the copies). */
static int by_serial(cg_ingest *ing, const bytes *issuer, const bytes *serial)
{
    uint8_t key[32], len[8];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)issuer->n >> (56 - 8 * i));
    int ok = md != NULL && EVP_DigestInit_ex(md, ing->sha256, NULL) &&
             EVP_DigestUpdate(md, len, sizeof(len)) &&
             EVP_DigestUpdate(md, issuer->p, issuer->n) &&
             EVP_DigestUpdate(md, serial->p, serial->n) && EVP_DigestFinal_ex(md, key, NULL);
    EVP_MD_CTX_free(md);
    if (!ok) {
        cg_ing_oom(ing);
        return 0;
    }
    if (cg_shaset_get(&ing->serials_asked, key, NULL))
        return 1;
    if (!cg_shaset_put(&ing->serials_asked, key, 0)) {
        cg_ing_oom(ing);
        return 0;
    }
    if (!cg_store_objects_by_serial_skip(ing->st, issuer->p, issuer->n, serial->p, serial->n,
                                         seen_already, cg_ing_add_related, ing)) {
        cg_ing_store_failed(ing);
        return 0;
    }
    return !ing->failed;
}

/* The stored certificates of cert_issuer that a CRL of k's scope lists
 * (this one included: its entries are stored already) and that are valid
 * at its thisUpdate: what it covers, and what it may have dropped early. */
static int covered(cg_ingest *ing, const crl_key *k, const bytes *cert_issuer)
{
    if (!cg_store_crl_covered(ing->st, k->issuer.p, k->issuer.n, k->scope.p, k->scope.n,
                              cert_issuer->p, cert_issuer->n, k->this_update, cg_ing_add_related,
                              ing)) {
        cg_ing_store_failed(ing);
        return 0;
    }
    return !ing->failed;
}

/* One stored certificate of cert_issuer per CRL distribution point, valid at
 * the CRL's thisUpdate: what the CRL's checks against the certificates of
 * its CA (issuer Name encoding, IDP URIs) need, without all of them. */
static int samples(cg_ingest *ing, const crl_key *k, const bytes *cert_issuer)
{
    if (!cg_store_cert_samples(ing->st, cert_issuer->p, cert_issuer->n, k->this_update,
                               cg_ing_add_related, ing)) {
        cg_ing_store_failed(ing);
        return 0;
    }
    return !ing->failed;
}

/* The URIs of a CRL distribution points extnValue, one by one. */
static int next_dp_uri(cg_cbs *dps, cg_cbs *dp_names, cg_cbs *uri)
{
    for (;;) {
        while (dp_names->len > 0) {
            cg_cbs gn;
            uint8_t tag;
            size_t hdr;
            if (!cg_cbs_get_any_asn1_element(dp_names, &gn, &tag, &hdr))
                return 0;
            if (tag == CG_ASN1_CTX(6) && cg_cbs_skip(&gn, hdr)) {
                *uri = gn;
                return 1;
            }
        }
        cg_cbs dp, dpn;
        int present;
        if (dps->len == 0 || !cg_cbs_get_asn1(dps, &dp, CG_ASN1_SEQUENCE))
            return 0;
        if (cg_cbs_get_optional_asn1(&dp, &dpn, &present, CG_ASN1_CTX_CONS(0)) && present &&
            !cg_cbs_get_optional_asn1(&dpn, dp_names, &present, CG_ASN1_CTX_CONS(0)))
            return 0;
        if (!present)
            dp_names->len = 0;
    }
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    }
    return 0;
}

/* Whether a CRL's scope (IDP extnValue) may concern a certificate with
 * these CRL distribution points: it names no partition (no IDP, or none
 * with URIs), or its bytes hold one of the certificate's URIs (as they are,
 * or with something added, such as a trailing slash). */
static int scope_concerns(const cg_store_object *crl, const bytes *crldp)
{
    static const uint8_t uri_tag = CG_ASN1_CTX(6);
    cg_cbs dps, dp_names, uri;
    if (crl->scope == NULL || crl->scope_len == 0 ||
        memchr(crl->scope, uri_tag, crl->scope_len) == NULL)
        return 1;
    cg_cbs_init(&dps, crldp->p, crldp->n);
    if (!cg_cbs_get_asn1(&dps, &dps, CG_ASN1_SEQUENCE))
        return 0;
    dp_names.data = NULL;
    dp_names.len = 0;
    while (next_dp_uri(&dps, &dp_names, &uri)) {
        if (uri.len > 0 && uri.len <= crl->scope_len &&
            contains(crl->scope, crl->scope_len, uri.data, uri.len))
            return 1;
    }
    return 0;
}

typedef struct for_variant {
    cg_ingest *ing;
    const bytes *crldp;
} for_variant;

static int add_crl_for_variant(void *arg, const cg_store_object *o)
{
    for_variant *fv = arg;
    if (fv->crldp != NULL && !scope_concerns(o, fv->crldp))
        return 1;
    return cg_ing_add_related(fv->ing, o);
}

static int collect_name(void *arg, const uint8_t *p, size_t n)
{
    name_list *l = arg;
    if (!cg_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(bytes)) ||
        !cg_ing_copy_bytes(&l->v[l->n], p, n))
        return 0;
    l->n++;
    return 1;
}

/* The issuer Name encodings of certificates (crls 0) or CRLs (1) that
 * equal name byte for byte or under RFC 5280 §7.1: the forms in which a
 * CA's certificates and CRLs may name it. The file's own objects are
 * among them, being stored already. */
static const name_list *issuers_like(cg_ingest *ing, int crls)
{
    name_list *l = &ing->issuers[crls];
    if (!l->loaded) {
        if (!cg_store_issuer_names(ing->st, crls, collect_name, l)) {
            cg_ing_store_failed(ing);
            return NULL;
        }
        l->loaded = 1;
    }
    return l;
}

static int name_like(const bytes *a, const bytes *b)
{
    cg_cbs x, y;
    if (cg_ing_bytes_eq(a, b))
        return 1;
    cg_cbs_init(&x, a->p, a->n);
    cg_cbs_init(&y, b->p, b->n);
    return cg_name_equal(&x, &y, NULL);
}

/* The latest stored CRLs of the CA called name (in any encoding), those
 * that may concern a certificate with CRL distribution points crldp, or
 * all of them (crldp NULL). */
static int latest_crls(cg_ingest *ing, const bytes *name, const bytes *crldp)
{
    const name_list *l = issuers_like(ing, 1);
    if (l == NULL)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!name_like(&l->v[i], name))
            continue;
        for_variant fv = {ing, crldp};
        if (!cg_store_latest_crls(ing->st, l->v[i].p, l->v[i].n, add_crl_for_variant, &fv)) {
            cg_ing_store_failed(ing);
            return 0;
        }
        if (ing->failed)
            return 0;
    }
    return 1;
}

/* A new certificate that a stored CRL lists: the CRL that first listed it
 * and the latest CRL of that scope, so that a revocation dropped before the
 * certificate expired (revocation.removed_before_expiry) is seen however
 * late the certificate comes. */
static int revocations_for(cg_ingest *ing, const cert_key *k)
{
    const name_list *l = issuers_like(ing, 1);
    if (l == NULL)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        cg_store_revocation rv;
        int found = 0;
        if (!name_like(&l->v[i], &k->issuer))
            continue;
        if (!cg_store_revocation_lookup(ing->st, l->v[i].p, l->v[i].n, k->serial.p, k->serial.n,
                                        &rv, &found)) {
            cg_ing_store_failed(ing);
            return 0;
        }
        if (!found)
            continue;
        cg_store_object *lister = cg_store_get1_object(ing->st, rv.crl_sha256, &found);
        if (lister == NULL) {
            if (cg_store_errmsg(ing->st)[0] != '\0') {
                cg_ing_store_failed(ing);
                return 0;
            }
            continue;
        }
        int ok =
            cg_ing_add_related(ing, lister) &&
            cg_store_crl_neighbours(ing->st, lister->issuer, lister->issuer_len, lister->scope,
                                    lister->scope_len, INT64_MAX, NULL, cg_ing_add_related, ing);
        cg_store_object_free(lister);
        if (!ok || ing->failed) {
            cg_ing_store_failed(ing);
            return 0;
        }
    }
    return 1;
}

/* Every stored CA certificate; for each certificate of the file, the stored
 * ones of its issuer and serial, the issuer taken across Precertificate
 * Signing CAs both ways (the checker groups by the CA a signing CA stands
 * for); for each CRL, its stored neighbours in its issuer and scope and the
 * stored certificates it covers. */
int cg_ing_find_related(cg_ingest *ing)
{
    if (!cg_ing_related_cas(ing))
        return 0;
    for (size_t i = 0; i < ing->n_keys; i++) {
        const cert_key *k = &ing->keys[i];
        if (!by_serial(ing, &k->issuer, &k->serial))
            return 0;
        /* A certificate with an issuer Name encoding and CRL distribution
         * points the store has not seen: the latest CRLs of its CA that may
         * concern it, so that the CRL checks against covered certificates
         * see it (others like it were seen with those CRLs already). A new
         * CA certificate: the latest CRLs it may have issued. */
        if (k->new_variant && !latest_crls(ing, &k->issuer, &k->crldp))
            return 0;
        if (k->new_ca && !latest_crls(ing, &k->subject, NULL))
            return 0;
        if (k->is_new && !revocations_for(ing, k))
            return 0;
        for (size_t j = 0; j < ing->n_scas; j++) {
            const signing_ca *sc = &ing->scas[j];
            if (cg_ing_bytes_eq(&sc->subject, &k->issuer) &&
                !by_serial(ing, &sc->issuer, &k->serial))
                return 0;
            if (cg_ing_bytes_eq(&sc->issuer, &k->issuer) &&
                !by_serial(ing, &sc->subject, &k->serial))
                return 0;
        }
    }
    for (size_t i = 0; i < ing->n_crls; i++) {
        const crl_key *k = &ing->crls[i];
        if (!cg_store_crl_neighbours(ing->st, k->issuer.p, k->issuer.n, k->scope.p, k->scope.n,
                                     k->this_update, k->sha256, cg_ing_add_related, ing)) {
            cg_ing_store_failed(ing);
            return 0;
        }
        if (ing->failed)
            return 0;
        /* The certificates of the CRL's CA, whose issuer field may spell the
         * CA's Name otherwise than the CRL does (that is what
         * crl.issuer_name_not_byte_identical is about): those it lists, and
         * one for each CRL distribution point. */
        const name_list *l = issuers_like(ing, 0);
        if (l == NULL)
            return 0;
        for (size_t j = 0; j < l->n; j++) {
            if (name_like(&l->v[j], &k->issuer) &&
                (!covered(ing, k, &l->v[j]) || !samples(ing, k, &l->v[j])))
                return 0;
        }
    }
    return 1;
}
