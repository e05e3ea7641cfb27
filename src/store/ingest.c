/* Ingest (store/ingest.h): a file's objects into the store, then the
 * checker over the file and the stored objects related to it, all in one
 * transaction. */
#include "store/ingest.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/sct_verify.h"
#include "der/pem.h"
#include "lib/grow.h"
#include "rules/checker.h"
#include "rules/crl_util.h"
#include "rules/keycache.h"
#include "x509/name.h"
#include "x509/oid.h"

/* How related objects are named in findings and messages. */
#define RELATED_NAME "store"
#define ENTRY_BATCH 512
/* A CRL with at least this many entries goes in as a bulk write
 * (cg_store_bulk). */
#define BULK_CRL 10000
#define NOT_RELATED ((size_t)-1)

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

/* A stored object served to the checker as a file of its own. */
typedef struct related {
    uint8_t *der;
    size_t len;
    uint8_t sha256[32];
    char *file; /* where it was first ingested */
    int64_t index;
    int is_crl;
} related;

typedef struct cert_key {
    bytes issuer, serial, crldp;
    bytes aki;           /* its AKI keyIdentifier, empty when none */
    uint64_t issuer_key; /* cg_name_hash_equal of the issuer */
    uint64_t ca_key;     /* of the subject, for a CA certificate; 0 otherwise */
    int new_variant; /* the first stored with its issuer Name bytes and CRL distribution points */
    int new_ca;      /* a CA certificate the store did not hold */
    int is_new;      /* a certificate the store did not hold */
    bytes subject;   /* of a new CA */
} cert_key;

typedef struct signing_ca {
    bytes subject, issuer;
} signing_ca;

/* The issuer Name encodings the store has seen, loaded when first needed. */
typedef struct name_list {
    bytes *v;
    size_t n, cap;
    int loaded;
} name_list;

typedef struct crl_key {
    bytes issuer, scope;
    uint64_t issuer_key; /* cg_name_hash_equal of the issuer */
    int64_t this_update;
    uint8_t sha256[32];
} crl_key;

/* A CA certificate of the store, kept for the run (ca_index). */
typedef struct ca_slot {
    cg_store_object o; /* der, issuer, subject and file point into buf */
    uint8_t *buf;
    uint64_t subject_key; /* cg_name_hash_equal of the subject */
    cg_cbs ski;           /* into buf; empty when none */
    unsigned mark;        /* == the ingest's mark: chosen for the current file */
} ca_slot;

/* An object of the file as stored, for the object callback. */
typedef struct stored {
    uint8_t sha256[32];
    cg_kind kind;
    size_t index;
    int is_new;
} stored;

/* An object the checker saw in this run, for resolve_stale(). */
typedef struct checked {
    uint8_t sha256[32];
    cg_kind kind;
} checked;

/* The "could not check" notices: a later run that has what was missing
 * (the issuing CA, a log list) and does not repeat one resolves it. Each is
 * evaluated whenever an object of its kind is checked in pass 2. */
static const struct {
    cg_rule_id rule;
    cg_kind kind;
} could_not_check[] = {
    {CG_R_CT_SCT_ISSUER_UNKNOWN, CG_KIND_CERT},
    {CG_R_CT_POLICY_NOT_EVALUATED, CG_KIND_CERT},
    {CG_R_CRL_ISSUER_UNKNOWN, CG_KIND_CRL},
};
#define N_COULD_NOT_CHECK (sizeof(could_not_check) / sizeof(could_not_check[0]))

/* A new finding, copied, for the sink once the file is committed. */
typedef struct pending {
    cg_rule_id rule;
    char *message;
    const char *file; /* interned: see intern() */
    size_t index, offset;
    cg_kind kind;
    int has_hash;
    uint8_t sha256[32];
    bytes issuer, serial;
    cg_field *fields;
    size_t n_fields;
} pending;

/* SHA-256 values with an index each (open addressing). */
typedef struct shaset {
    uint8_t (*key)[32];
    size_t *val;
    uint8_t *used;
    size_t cap, n;
} shaset;

struct cg_ingest {
    cg_store *st;
    cg_ingest_opts o;
    cg_sink_fn sink;
    void *sink_arg;
    cg_ingest_stats stats;
    /* Kept for the whole run: the CA keys and log keys each file's check
     * would otherwise decode again. */
    cg_keycache *keycache;
    cg_sct_verifier *verifier;
    /* The store's CA certificates, loaded once and again when this run
     * stored a new one, rolled back, or met an issuer it does not hold (a
     * CA another process stored): each file is checked with only the CAs
     * its objects may need, not every CA of the store. */
    ca_slot *cas;
    size_t n_cas, cap_cas;
    int cas_loaded;
    unsigned mark;
    /* the file being ingested */
    const char *name;
    const uint8_t *data;
    size_t len;
    related *rel;
    size_t n_rel, cap_rel;
    size_t *order; /* by the checker's file number: an index into rel, or NOT_RELATED */
    shaset seen;   /* the file's objects (NOT_RELATED) and the related ones (their index) */
    cert_key *keys;
    size_t n_keys, cap_keys;
    signing_ca *scas;
    size_t n_scas, cap_scas;
    crl_key *crls;
    size_t n_crls, cap_crls;
    name_list issuers[2]; /* issuer Name encodings of certificates [0] and CRLs [1] */
    pending *pend;
    size_t n_pend, cap_pend;
    checked *chk;
    size_t n_chk, cap_chk;
    stored *objs;
    size_t n_objs, cap_objs;
    cg_ingest_object_fn object_fn;
    void *object_arg;
    shaset produced; /* objects with could_not_check findings this run: a bit for each */
    char **names;    /* interned file names of printed findings, for the whole run */
    size_t n_names, cap_names;
    /* joined to a caller's transaction: what committed files hand on waits
     * here for the caller's commit */
    int joined;
    cg_ingest_stats joined_stats; /* the stats when it joined */
    pending *held;
    size_t n_held, cap_held;
    stored *held_objs;
    size_t n_held_objs, cap_held_objs;
    int in_related; /* pass 1 over related objects: their findings are dropped */
    int failed;     /* the store failed during this file */
    char err[512];
};

static int copy_bytes(bytes *b, const uint8_t *p, size_t n)
{
    b->n = n;
    b->p = malloc(n > 0 ? n : 1);
    if (b->p == NULL)
        return 0;
    if (n > 0)
        memcpy(b->p, p, n);
    return 1;
}

static int bytes_eq(const bytes *a, const bytes *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* ---- the SHA-256 set ---- */

static size_t sha_slot(const shaset *s, const uint8_t *sha)
{
    uint64_t h;
    memcpy(&h, sha, sizeof(h)); /* a SHA-256 is its own hash */
    size_t i = (size_t)h & (s->cap - 1);
    while (s->used[i] && memcmp(s->key[i], sha, 32) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

/* The index stored with sha, NOT_RELATED for a file object; 0 when absent. */
static int shaset_get(const shaset *s, const uint8_t *sha, size_t *val)
{
    if (s->cap == 0)
        return 0;
    size_t i = sha_slot(s, sha);
    if (!s->used[i])
        return 0;
    if (val != NULL)
        *val = s->val[i];
    return 1;
}

static int shaset_put(shaset *s, const uint8_t *sha, size_t val)
{
    if ((s->n + 1) * 2 > s->cap) {
        shaset bigger = {NULL, NULL, NULL, s->cap == 0 ? 64 : s->cap * 2, 0};
        bigger.key = malloc(bigger.cap * 32);
        bigger.val = malloc(bigger.cap * sizeof(size_t));
        bigger.used = calloc(bigger.cap, 1);
        if (bigger.key == NULL || bigger.val == NULL || bigger.used == NULL) {
            free(bigger.key);
            free(bigger.val);
            free(bigger.used);
            return 0;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->used[i]) {
                size_t j = sha_slot(&bigger, s->key[i]);
                bigger.used[j] = 1;
                memcpy(bigger.key[j], s->key[i], 32);
                bigger.val[j] = s->val[i];
                bigger.n++;
            }
        }
        free(s->key);
        free(s->val);
        free(s->used);
        *s = bigger;
    }
    size_t i = sha_slot(s, sha);
    if (!s->used[i]) {
        s->used[i] = 1;
        memcpy(s->key[i], sha, 32);
        s->n++;
    }
    s->val[i] = val;
    return 1;
}

static void shaset_clear(shaset *s)
{
    free(s->key);
    free(s->val);
    free(s->used);
    memset(s, 0, sizeof(*s));
}

/* ---- per-file state ---- */

static void pending_free(pending *p)
{
    free(p->message);
    free(p->issuer.p);
    free(p->serial.p);
    for (size_t i = 0; i < p->n_fields; i++) {
        free((char *)p->fields[i].key);
        free((char *)p->fields[i].str);
    }
    free(p->fields);
}

static void cas_clear(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_cas; i++)
        free(ing->cas[i].buf);
    ing->n_cas = 0;
    ing->cas_loaded = 0;
}

static void file_reset(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_rel; i++) {
        free(ing->rel[i].der);
        free(ing->rel[i].file);
    }
    ing->n_rel = 0;
    free(ing->order);
    ing->order = NULL;
    for (size_t i = 0; i < ing->n_keys; i++) {
        free(ing->keys[i].issuer.p);
        free(ing->keys[i].serial.p);
        free(ing->keys[i].crldp.p);
        free(ing->keys[i].subject.p);
        free(ing->keys[i].aki.p);
    }
    ing->n_keys = 0;
    for (size_t i = 0; i < ing->n_scas; i++) {
        free(ing->scas[i].subject.p);
        free(ing->scas[i].issuer.p);
    }
    ing->n_scas = 0;
    for (size_t i = 0; i < ing->n_crls; i++) {
        free(ing->crls[i].issuer.p);
        free(ing->crls[i].scope.p);
    }
    ing->n_crls = 0;
    for (int r = 0; r < 2; r++) {
        for (size_t i = 0; i < ing->issuers[r].n; i++)
            free(ing->issuers[r].v[i].p);
        ing->issuers[r].n = 0;
        ing->issuers[r].loaded = 0;
    }
    for (size_t i = 0; i < ing->n_pend; i++)
        pending_free(&ing->pend[i]);
    ing->n_pend = 0;
    ing->n_chk = 0;
    ing->n_objs = 0;
    shaset_clear(&ing->produced);
    shaset_clear(&ing->seen);
    ing->in_related = 0;
    ing->failed = 0;
    ing->err[0] = '\0';
}

cg_ingest *cg_ingest_new(cg_store *store, const cg_ingest_opts *opts, cg_sink_fn sink,
                         void *sink_arg)
{
    cg_ingest *ing = calloc(1, sizeof(*ing));
    if (ing == NULL)
        return NULL;
    ing->st = store;
    ing->o = *opts;
    ing->sink = sink;
    ing->sink_arg = sink_arg;
    ing->keycache = cg_keycache_new(0);
    ing->verifier = cg_sct_verifier_new(opts->loglist);
    if (ing->keycache == NULL || ing->verifier == NULL) {
        cg_ingest_free(ing);
        return NULL;
    }
    return ing;
}

static void held_clear(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_held; i++)
        pending_free(&ing->held[i]);
    ing->n_held = 0;
    ing->n_held_objs = 0;
}

void cg_ingest_free(cg_ingest *ing)
{
    if (ing == NULL)
        return;
    file_reset(ing);
    held_clear(ing);
    free(ing->held);
    free(ing->held_objs);
    free(ing->rel);
    free(ing->keys);
    free(ing->scas);
    free(ing->crls);
    free(ing->issuers[0].v);
    free(ing->issuers[1].v);
    free(ing->pend);
    free(ing->chk);
    free(ing->objs);
    for (size_t i = 0; i < ing->n_names; i++)
        free(ing->names[i]);
    free(ing->names);
    cas_clear(ing);
    free(ing->cas);
    cg_keycache_free(ing->keycache);
    cg_sct_verifier_free(ing->verifier);
    free(ing);
}

void cg_ingest_set_object_fn(cg_ingest *ing, cg_ingest_object_fn fn, void *arg)
{
    ing->object_fn = fn;
    ing->object_arg = arg;
}

const cg_ingest_stats *cg_ingest_get0_stats(const cg_ingest *ing)
{
    return &ing->stats;
}

static void oom(cg_ingest *ing)
{
    if (!ing->failed)
        snprintf(ing->err, sizeof(ing->err), "out of memory");
    ing->failed = 1;
}

static void store_failed(cg_ingest *ing)
{
    if (!ing->failed)
        snprintf(ing->err, sizeof(ing->err), "%s", cg_store_errmsg(ing->st));
    ing->failed = 1;
}

/* ---- objects into the store ---- */

static int note_checked(cg_ingest *ing, const uint8_t *sha, cg_kind kind)
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
    if (cg_der_validate(der, len, &consumed, &err) == CG_DER_MALFORMED)
        return 1; /* no identity: its input.malformed finding cannot be stored */
    memset(&o, 0, sizeof(o));
    SHA256(der, consumed, o.sha256);
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
            store_failed(ing);
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
        store_failed(ing);
        return 0;
    }
    ing->stats.new_objects += (size_t)is_new;
    if (!cg_grow((void **)&ing->objs, &ing->cap_objs, ing->n_objs + 1, sizeof(stored)))
        goto nomem;
    memcpy(ing->objs[ing->n_objs].sha256, o.sha256, 32);
    ing->objs[ing->n_objs].kind = o.kind;
    ing->objs[ing->n_objs].index = index;
    ing->objs[ing->n_objs].is_new = is_new;
    ing->n_objs++;
    /* A new object has no notice yet for resolve_stale() to resolve. */
    if (((parsed_cert || parsed_crl) && !is_new && !note_checked(ing, o.sha256, o.kind)) ||
        !shaset_put(&ing->seen, o.sha256, NOT_RELATED)) {
        oom(ing);
        return 0;
    }
    if (parsed_cert) {
        if (!cg_grow((void **)&ing->keys, &ing->cap_keys, ing->n_keys + 1, sizeof(cert_key)))
            goto nomem;
        cert_key *k = &ing->keys[ing->n_keys];
        memset(k, 0, sizeof(*k));
        ing->n_keys++;
        k->new_variant = !known;
        k->is_new = is_new;
        k->new_ca = is_new && o.ca != CG_STORE_CA_NONE;
        k->issuer_key = cg_name_hash_equal(&cert.issuer);
        k->ca_key = o.ca != CG_STORE_CA_NONE ? cg_name_hash_equal(&cert.subject) : 0;
        cg_cbs aki;
        if (cg_ext_aki_keyid(cg_cert_find_ext(&cert, CG_OID_AKI, sizeof(CG_OID_AKI), NULL),
                             &aki) &&
            !copy_bytes(&k->aki, aki.data, aki.len))
            goto nomem;
        /* The run's CA index does not hold this one yet. */
        if (k->new_ca)
            ing->cas_loaded = 0;
        if (k->new_ca && !copy_bytes(&k->subject, o.subject, o.subject_len))
            goto nomem;
        if (!known && !copy_bytes(&k->crldp, o.crldp, o.crldp_len))
            goto nomem;
        if (!copy_bytes(&k->issuer, o.issuer, o.issuer_len) ||
            !copy_bytes(&k->serial, o.serial, o.serial_len))
            goto nomem;
        if (o.ca == CG_STORE_CA_PRECERT_SIGNING) {
            if (!cg_grow((void **)&ing->scas, &ing->cap_scas, ing->n_scas + 1, sizeof(signing_ca)))
                goto nomem;
            signing_ca *sc = &ing->scas[ing->n_scas];
            memset(sc, 0, sizeof(*sc));
            ing->n_scas++;
            if (!copy_bytes(&sc->subject, o.subject, o.subject_len) ||
                !copy_bytes(&sc->issuer, o.issuer, o.issuer_len))
                goto nomem;
        }
    }
    if (parsed_crl) {
        if (!cg_grow((void **)&ing->crls, &ing->cap_crls, ing->n_crls + 1, sizeof(crl_key)))
            goto nomem;
        crl_key *k = &ing->crls[ing->n_crls];
        memset(k, 0, sizeof(*k));
        ing->n_crls++;
        k->this_update = o.not_before;
        k->issuer_key = cg_name_hash_equal(&crl.issuer);
        memcpy(k->sha256, o.sha256, 32);
        if (!copy_bytes(&k->issuer, o.issuer, o.issuer_len) ||
            !copy_bytes(&k->scope, o.scope, o.scope_len))
            goto nomem;
        /* A CRL seen before at this time or earlier has its entries already. */
        if ((is_new || earlier) && !put_entries(ing, &crl, o.sha256, o.scope, o.scope_len)) {
            store_failed(ing);
            return 0;
        }
    }
    return 1;
nomem:
    oom(ing);
    return 0;
}

static int store_objects(cg_ingest *ing)
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

/* ---- related stored objects ---- */

static int add_related(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    if (shaset_get(&ing->seen, o->sha256, NULL))
        return 1;
    if (!cg_grow((void **)&ing->rel, &ing->cap_rel, ing->n_rel + 1, sizeof(related)))
        goto nomem;
    related *r = &ing->rel[ing->n_rel];
    memset(r, 0, sizeof(*r));
    r->der = malloc(o->der_len > 0 ? o->der_len : 1);
    r->file = dup_str(o->file != NULL ? o->file : "");
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
    if (!shaset_put(&ing->seen, o->sha256, ing->n_rel) || !note_checked(ing, o->sha256, o->kind))
        goto nomem;
    ing->n_rel++;
    return 1;
nomem:
    oom(ing);
    return 0;
}

static int add_ca(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    if (o->ca == CG_STORE_CA_PRECERT_SIGNING && o->subject != NULL && o->issuer != NULL) {
        if (!cg_grow((void **)&ing->scas, &ing->cap_scas, ing->n_scas + 1, sizeof(signing_ca))) {
            oom(ing);
            return 0;
        }
        signing_ca *sc = &ing->scas[ing->n_scas];
        memset(sc, 0, sizeof(*sc));
        ing->n_scas++;
        if (!copy_bytes(&sc->subject, o->subject, o->subject_len) ||
            !copy_bytes(&sc->issuer, o->issuer, o->issuer_len)) {
            oom(ing);
            return 0;
        }
    }
    return add_related(arg, o);
}

/* ---- the run's CA index ---- */

/* Copies one stored CA into the index, its byte fields into one buffer. */
static int ca_load(void *arg, const cg_store_object *o)
{
    cg_ingest *ing = arg;
    const char *file = o->file != NULL ? o->file : "";
    size_t flen = strlen(file) + 1;
    uint8_t *buf = malloc(o->der_len + o->issuer_len + o->subject_len + flen);
    if (buf == NULL ||
        !cg_grow((void **)&ing->cas, &ing->cap_cas, ing->n_cas + 1, sizeof(ca_slot))) {
        free(buf);
        oom(ing);
        return 0;
    }
    ca_slot *c = &ing->cas[ing->n_cas++];
    memset(c, 0, sizeof(*c));
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
    cas_clear(ing);
    if (!cg_store_ca_objects(ing->st, ca_load, ing)) {
        store_failed(ing);
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
static int related_cas(cg_ingest *ing)
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

static int by_serial(cg_ingest *ing, const bytes *issuer, const bytes *serial)
{
    if (!cg_store_objects_by_serial(ing->st, issuer->p, issuer->n, serial->p, serial->n,
                                    add_related, ing)) {
        store_failed(ing);
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
                              cert_issuer->p, cert_issuer->n, k->this_update, add_related, ing)) {
        store_failed(ing);
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
                               add_related, ing)) {
        store_failed(ing);
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
    return add_related(fv->ing, o);
}

static int collect_name(void *arg, const uint8_t *p, size_t n)
{
    name_list *l = arg;
    if (!cg_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(bytes)) ||
        !copy_bytes(&l->v[l->n], p, n))
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
            store_failed(ing);
            return NULL;
        }
        l->loaded = 1;
    }
    return l;
}

static int name_like(const bytes *a, const bytes *b)
{
    cg_cbs x, y;
    if (bytes_eq(a, b))
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
            store_failed(ing);
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
            store_failed(ing);
            return 0;
        }
        if (!found)
            continue;
        cg_store_object *lister = cg_store_get1_object(ing->st, rv.crl_sha256, &found);
        if (lister == NULL) {
            if (cg_store_errmsg(ing->st)[0] != '\0') {
                store_failed(ing);
                return 0;
            }
            continue;
        }
        int ok =
            add_related(ing, lister) &&
            cg_store_crl_neighbours(ing->st, lister->issuer, lister->issuer_len, lister->scope,
                                    lister->scope_len, INT64_MAX, NULL, add_related, ing);
        cg_store_object_free(lister);
        if (!ok || ing->failed) {
            store_failed(ing);
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
static int find_related(cg_ingest *ing)
{
    if (!related_cas(ing))
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
            if (bytes_eq(&sc->subject, &k->issuer) && !by_serial(ing, &sc->issuer, &k->serial))
                return 0;
            if (bytes_eq(&sc->issuer, &k->issuer) && !by_serial(ing, &sc->subject, &k->serial))
                return 0;
        }
    }
    for (size_t i = 0; i < ing->n_crls; i++) {
        const crl_key *k = &ing->crls[i];
        if (!cg_store_crl_neighbours(ing->st, k->issuer.p, k->issuer.n, k->scope.p, k->scope.n,
                                     k->this_update, k->sha256, add_related, ing)) {
            store_failed(ing);
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

/* ---- findings ---- */

static char *fields_json(const cg_field *fields, size_t n)
{
    json_t *j = json_object();
    char *s;
    if (j == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const cg_field *f = &fields[i];
        json_t *v = f->type == CG_FIELD_STRING && f->str != NULL ? json_string(f->str)
                    : f->type == CG_FIELD_BOOL                   ? json_boolean(f->boolean)
                                                                 : json_null();
        json_object_set_new(j, f->key, v);
    }
    s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/* Copies of file names that live for the whole run: text output groups
 * consecutive findings of an object by the file pointer, and keeps the last
 * one. Only recent names are looked up; a repeat further back is copied
 * again, which costs memory, not correctness. */
static const char *intern(cg_ingest *ing, const char *name)
{
    for (size_t i = ing->n_names; i > 0 && i + 64 > ing->n_names; i--) {
        if (strcmp(ing->names[i - 1], name) == 0)
            return ing->names[i - 1];
    }
    if (!cg_grow((void **)&ing->names, &ing->cap_names, ing->n_names + 1, sizeof(char *)))
        return NULL;
    char *d = dup_str(name);
    if (d != NULL)
        ing->names[ing->n_names++] = d;
    return d;
}

/* Copies a finding for the sink; file and index as given. */
static void queue(cg_ingest *ing, const cg_finding *f, const char *file, size_t index)
{
    const cg_objref *o = f->obj;
    if (!cg_grow((void **)&ing->pend, &ing->cap_pend, ing->n_pend + 1, sizeof(pending))) {
        oom(ing);
        return;
    }
    pending *p = &ing->pend[ing->n_pend];
    memset(p, 0, sizeof(*p));
    ing->n_pend++;
    p->rule = f->rule;
    p->index = index;
    p->offset = o->offset;
    p->kind = o->kind;
    p->has_hash = o->has_hash;
    memcpy(p->sha256, o->sha256, 32);
    p->message = dup_str(f->message);
    p->file = file != NULL ? intern(ing, file) : NULL;
    if (p->message == NULL || (file != NULL && p->file == NULL) ||
        !copy_bytes(&p->issuer, o->issuer.data, o->issuer.len) ||
        !copy_bytes(&p->serial, o->serial.data, o->serial.len)) {
        oom(ing);
        return;
    }
    if (f->n_fields > 0) {
        p->fields = calloc(f->n_fields, sizeof(cg_field));
        if (p->fields == NULL) {
            oom(ing);
            return;
        }
        p->n_fields = f->n_fields;
        for (size_t i = 0; i < f->n_fields; i++) {
            p->fields[i] = f->fields[i];
            p->fields[i].key = dup_str(f->fields[i].key);
            p->fields[i].str = f->fields[i].str != NULL ? dup_str(f->fields[i].str) : NULL;
        }
    }
}

static void ingest_sink(void *arg, const cg_finding *f)
{
    cg_ingest *ing = arg;
    const cg_objref *o = f->obj;
    const cg_rule *rule = cg_rule_get(f->rule);
    size_t rel = NOT_RELATED;
    int is_new = 0;
    if (ing->in_related || ing->failed)
        return;
    /* A status report, not a problem: the store keeps the state itself
     * (crl_entries), and a deduplicated finding would keep the first one. */
    if (f->rule == CG_R_REVOCATION_STATUS)
        return;
    if (!o->has_hash) {
        ing->stats.unstored++;
        queue(ing, f, o->file, o->index); /* about no object: reported, not stored */
        return;
    }
    for (size_t i = 0; i < N_COULD_NOT_CHECK; i++) {
        size_t bits = 0;
        if (f->rule != could_not_check[i].rule)
            continue;
        shaset_get(&ing->produced, o->sha256, &bits);
        if (!shaset_put(&ing->produced, o->sha256, bits | ((size_t)1 << i))) {
            oom(ing);
            return;
        }
    }
    cg_store_finding sf;
    memset(&sf, 0, sizeof(sf));
    sf.rule = rule->id;
    sf.severity = rule->severity;
    sf.has_object = 1;
    memcpy(sf.object, o->sha256, 32);
    sf.message = f->message;
    char *extra = f->n_fields > 0 ? fields_json(f->fields, f->n_fields) : NULL;
    sf.extra = extra;
    int ok = cg_store_put_finding(ing->st, &sf, ing->o.at, &is_new, NULL);
    free(extra);
    if (!ok) {
        store_failed(ing);
        return;
    }
    if (!is_new) {
        ing->stats.repeated++;
        return;
    }
    /* A related object is named as it was first ingested. */
    if (shaset_get(&ing->seen, o->sha256, &rel) && rel != NOT_RELATED)
        queue(ing, f, ing->rel[rel].file, (size_t)ing->rel[rel].index);
    else
        queue(ing, f, o->file, o->index);
}

static void flush(cg_ingest *ing, const pending *pend, size_t n_pend)
{
    for (size_t i = 0; i < n_pend; i++) {
        const pending *p = &pend[i];
        cg_objref ref;
        cg_finding f;
        memset(&ref, 0, sizeof(ref));
        memset(&f, 0, sizeof(f));
        ref.file = p->file;
        ref.index = p->index;
        ref.offset = p->offset;
        ref.kind = p->kind;
        ref.has_hash = p->has_hash;
        memcpy(ref.sha256, p->sha256, 32);
        cg_cbs_init(&ref.issuer, p->issuer.p, p->issuer.n);
        cg_cbs_init(&ref.serial, p->serial.p, p->serial.n);
        f.rule = p->rule;
        f.obj = &ref;
        f.message = p->message;
        f.fields = p->fields;
        f.n_fields = p->n_fields;
        if (p->has_hash)
            ing->stats.new_findings[cg_rule_get(p->rule)->severity]++;
        if (ing->sink != NULL)
            ing->sink(ing->sink_arg, &f);
    }
}

/* ---- the checker over the file and its related objects ---- */

static int reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    cg_ingest *ing = arg;
    if (file_no > ing->n_rel)
        return 0;
    size_t r = ing->order[file_no];
    if (r == NOT_RELATED) {
        *data = ing->data;
        *len = ing->len;
    } else {
        *data = ing->rel[r].der;
        *len = ing->rel[r].len;
    }
    return 1;
}

/* The order the checker sees: first the stored CRLs (seen before the new
 * ones, so a CRL-order finding goes to the later, new CRL), then the file,
 * then the other stored objects (so a finding that goes to the first of
 * several objects, such as a duplicate serial, goes to a new one, and a new
 * duplicate of stored objects gets a finding of its own). */
static int check(cg_ingest *ing)
{
    cg_ctx ctx;
    cg_file_result res;
    cg_checker *ck;
    size_t n = 0;
    ing->order = malloc((ing->n_rel + 1) * sizeof(size_t));
    if (ing->order == NULL) {
        oom(ing);
        return 0;
    }
    for (size_t i = 0; i < ing->n_rel; i++) {
        if (ing->rel[i].is_crl)
            ing->order[n++] = i;
    }
    ing->order[n++] = NOT_RELATED;
    for (size_t i = 0; i < ing->n_rel; i++) {
        if (!ing->rel[i].is_crl)
            ing->order[n++] = i;
    }
    cg_ctx_init(&ctx, ing->o.at, ingest_sink, ing);
    ctx.loglist = ing->o.loglist;
    ctx.keys = ing->keycache;
    ctx.verifier = ing->verifier;
    ck = cg_checker_new(&ctx, reload, NULL, ing);
    if (ck == NULL) {
        oom(ing);
        return 0;
    }
    for (size_t f = 0; f < n && !ing->failed; f++) {
        size_t r = ing->order[f];
        if (r == NOT_RELATED) {
            cg_checker_add_file(ck, f, ing->name, ing->data, ing->len, &res);
            ing->stats.objects += res.objects;
            ing->stats.malformed += res.malformed;
        } else {
            /* Their own findings were recorded when they were ingested. */
            ing->in_related = 1;
            cg_checker_add_file(ck, f, RELATED_NAME, ing->rel[r].der, ing->rel[r].len, &res);
            ing->in_related = 0;
        }
    }
    if (!ing->failed)
        cg_checker_finish(ck);
    cg_checker_free(ck);
    return !ing->failed;
}

/* Resolves the could_not_check notices of the objects checked in this run
 * that the run did not repeat: what was missing is there now. */
static int resolve_stale(cg_ingest *ing)
{
    for (size_t c = 0; c < ing->n_chk; c++) {
        size_t bits = 0;
        shaset_get(&ing->produced, ing->chk[c].sha256, &bits);
        for (size_t i = 0; i < N_COULD_NOT_CHECK; i++) {
            int resolved = 0;
            if (could_not_check[i].kind != ing->chk[c].kind || (bits & ((size_t)1 << i)))
                continue;
            if (!cg_store_resolve_open(ing->st, cg_rule_get(could_not_check[i].rule)->id,
                                       ing->chk[c].sha256, ing->o.at, &resolved)) {
                store_failed(ing);
                return 0;
            }
            ing->stats.resolved += (size_t)resolved;
        }
    }
    return 1;
}

/* A joined file's findings and objects, kept for the caller's commit. */
static int hold(cg_ingest *ing)
{
    if (!cg_grow((void **)&ing->held, &ing->cap_held, ing->n_held + ing->n_pend,
                 sizeof(pending)) ||
        !cg_grow((void **)&ing->held_objs, &ing->cap_held_objs, ing->n_held_objs + ing->n_objs,
                 sizeof(stored))) {
        oom(ing);
        return 0;
    }
    if (ing->n_pend > 0)
        memcpy(ing->held + ing->n_held, ing->pend, ing->n_pend * sizeof(pending));
    ing->n_held += ing->n_pend;
    ing->n_pend = 0; /* owned by held now */
    if (ing->n_objs > 0)
        memcpy(ing->held_objs + ing->n_held_objs, ing->objs, ing->n_objs * sizeof(stored));
    ing->n_held_objs += ing->n_objs;
    return 1;
}

void cg_ingest_join(cg_ingest *ing)
{
    held_clear(ing);
    ing->joined = 1;
    ing->joined_stats = ing->stats;
}

void cg_ingest_committed(cg_ingest *ing)
{
    if (!ing->joined)
        return;
    ing->joined = 0;
    flush(ing, ing->held, ing->n_held);
    for (size_t i = 0; ing->object_fn != NULL && i < ing->n_held_objs; i++)
        ing->object_fn(ing->object_arg, ing->held_objs[i].sha256, ing->held_objs[i].kind,
                       ing->held_objs[i].index, ing->held_objs[i].is_new);
    held_clear(ing);
}

void cg_ingest_rolled_back(cg_ingest *ing)
{
    /* The index may hold CAs of the rolled-back work. */
    cas_clear(ing);
    if (!ing->joined)
        return;
    ing->joined = 0;
    ing->stats = ing->joined_stats;
    held_clear(ing);
}

void cg_ingest_set_times(cg_ingest *ing, int64_t at, int64_t seen_at)
{
    ing->o.at = at;
    ing->o.seen_at = seen_at;
}

int cg_ingest_file(cg_ingest *ing, const char *name, const uint8_t *data, size_t len, char *err,
                   size_t errcap)
{
    cg_ingest_stats before = ing->stats;
    int ok = 0;
    file_reset(ing);
    ing->name = name;
    ing->data = data;
    ing->len = len;
    if (ing->joined) {
        ok = store_objects(ing) && find_related(ing) && check(ing) && resolve_stale(ing);
        if (!ok)
            store_failed(ing);
        else
            ok = hold(ing);
        goto out;
    }
    if (!cg_store_begin(ing->st)) {
        store_failed(ing);
        goto out;
    }
    if (store_objects(ing) && find_related(ing) && check(ing) && resolve_stale(ing) &&
        cg_store_commit(ing->st)) {
        ok = 1;
    } else {
        store_failed(ing); /* keeps the first reason */
        cg_store_rollback(ing->st);
        cas_clear(ing);
    }
out:
    if (ok && ing->joined) {
        ing->stats.files++;
    } else if (ok) {
        ing->stats.files++;
        flush(ing, ing->pend, ing->n_pend);
        for (size_t i = 0; ing->object_fn != NULL && i < ing->n_objs; i++)
            ing->object_fn(ing->object_arg, ing->objs[i].sha256, ing->objs[i].kind,
                           ing->objs[i].index, ing->objs[i].is_new);
    } else {
        ing->stats = before;
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s: %s", name, ing->err);
    }
    file_reset(ing);
    return ok;
}

void cg_ingest_unreadable(cg_ingest *ing, const char *name, const char *why)
{
    cg_objref ref;
    cg_finding f;
    char msg[1024];
    memset(&ref, 0, sizeof(ref));
    memset(&f, 0, sizeof(f));
    ref.file = name;
    ref.kind = CG_KIND_INPUT;
    snprintf(msg, sizeof(msg), "%s", why);
    f.rule = CG_R_INPUT_MALFORMED;
    f.obj = &ref;
    f.message = msg;
    ing->stats.malformed++;
    ing->stats.unstored++;
    if (ing->sink != NULL)
        ing->sink(ing->sink_arg, &f);
}
