/* What the files of the ingest share (store/ingest.h is the face): the
 * run's state (struct cg_ingest) and the passes over a file, each in its
 * file:
 *
 *   ingest.c           the run: its state between files, the transaction,
 *                      the checker over the file and its related objects,
 *                      what is handed on after a commit
 *   ingest_put.c       pass 1: the file's objects (and CRL entries) into
 *                      the store, with the keys the next pass needs
 *   ingest_related.c   pass 2: the stored objects related to them
 *   ingest_cas.c       ... of which the CAs, from the run's CA index
 *   ingest_findings.c  the checker's sink: findings into the store, held
 *                      for the caller; stale notices resolved
 *   shaset.c           the set of SHA-256 values they use
 *
 * Nothing outside src/store/ingest*.c includes this header. */
#ifndef CAGUARD_STORE_INGEST_INTERNAL_H
#define CAGUARD_STORE_INGEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ct/sct_verify.h"
#include "der/cbs.h"
#include "rules/keycache.h"
#include "rules/kept.h"
#include "store/ingest.h"
#include "store/shaset.h"

/* In the seen set: an object of the file, not a related one. */
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

/* What pass 1 learnt of one of the file's objects, at its place in the
 * file's bytes, for the checker (cg_ctx.known). */
typedef struct known_obj {
    const uint8_t *der;
    size_t len;
    cg_obj_known k;
} known_obj;

/* An object the checker saw in this run, for cg_ing_resolve_stale(). */
typedef struct checked {
    uint8_t sha256[32];
    cg_kind kind;
} checked;

struct cg_ingest {
    cg_store *st;
    cg_ingest_opts o;
    cg_sink_fn sink;
    void *sink_arg;
    cg_ingest_stats stats;
    /* Kept for the whole run: the CA keys and log keys each file's check
     * would otherwise decode again, and SHA-256 fetched once (OpenSSL 3's
     * SHA256() looks it up on every call). */
    cg_keycache *keycache;
    cg_sct_verifier *verifier;
    struct evp_md_st *sha256;
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
    size_t *order;  /* by the checker's file number: an index into rel, or NOT_RELATED */
    /* What pass 1 validated and hashed of the file's objects that lie in
     * data (not those decoded from PEM), in file order; the checker takes
     * it rather than doing it again (cg_ing_known). known_next: the first
     * it has not asked for. cur_rel: the related object being checked, or
     * NOT_RELATED while the file is; rel_known, what is known of it. */
    known_obj *known;
    size_t n_known, cap_known, known_next;
    size_t cur_rel;
    cg_obj_known rel_known;
    cg_shaset seen; /* the file's objects (NOT_RELATED) and the related ones (their index) */
    cg_shaset serials_asked; /* issuer+serial pairs looked up this file (serial_key) */
    cert_key *keys;
    size_t n_keys, cap_keys;
    signing_ca *scas;
    size_t n_scas, cap_scas;
    crl_key *crls;
    size_t n_crls, cap_crls;
    /* issuer Name encodings of certificates [0] and CRLs [1]: per file, or
     * kept through a caller's transaction (joined) and loaded again when a
     * new object brings a name they lack (cg_ing_names_saw) */
    name_list issuers[2];
    /* new findings copied for the sink once the file is committed; their
     * files interned (see intern() in ingest_findings.c) */
    cg_kept_finding *pend;
    size_t n_pend, cap_pend;
    checked *chk;
    size_t n_chk, cap_chk;
    stored *objs;
    size_t n_objs, cap_objs;
    cg_ingest_object_fn object_fn;
    int no_br_profile; /* cg_ingest_set_br_profile(ing, 0) */
    void *object_arg;
    cg_shaset produced; /* objects with could_not_check findings this run: a bit for each */
    /* joined: the related objects whose could_not_check notices this
     * transaction resolved already (value 0), or resolved and one of them
     * recorded since (NOTICE_SINCE: resolved again; cg_ing_resolve_stale) */
    cg_shaset resolved_tx;
    char **names;       /* interned file names of printed findings, for the whole run */
    size_t n_names, cap_names;
    /* joined to a caller's transaction: what committed files hand on waits
     * here for the caller's commit */
    int joined;
    cg_ingest_stats joined_stats; /* the stats when it joined */
    cg_kept_finding *held;
    size_t n_held, cap_held;
    stored *held_objs;
    size_t n_held_objs, cap_held_objs;
    int in_related; /* pass 1 over related objects: their findings are dropped */
    int failed;     /* the store failed during this file */
    char err[512];
};

/* ---- the run (ingest.c) ---- */

/* Record that the run failed, keeping the first reason. */
void cg_ing_oom(cg_ingest *ing);
void cg_ing_store_failed(cg_ingest *ing);
/* SHA-256 of p with the run's fetched digest; 0 when OpenSSL failed. */
int cg_ing_sha256(const cg_ingest *ing, const uint8_t *p, size_t n, uint8_t out[32]);
/* A copy of p (n bytes; n may be 0); 0 when out of memory. */
int cg_ing_copy_bytes(bytes *b, const uint8_t *p, size_t n);
int cg_ing_bytes_eq(const bytes *a, const bytes *b);

/* ---- pass 1 (ingest_put.c) ---- */

/* Stores the file's objects; 0 when the store failed (ing->err says). */
int cg_ing_store_objects(cg_ingest *ing);
/* A new object named its issuer name (crls: a CRL's): a loaded list of
 * the store's issuer names without it is loaded again when next needed. */
void cg_ing_names_saw(cg_ingest *ing, int crls, const uint8_t *name, size_t len);
/* What pass 1 knows of the object at der (len bytes), for the checker:
 * a cg_ctx.known. */
const cg_obj_known *cg_ing_known(void *arg, const uint8_t *der, size_t len);
/* Notes an object the checker sees in this run, for cg_ing_resolve_stale. */
int cg_ing_note_checked(cg_ingest *ing, const uint8_t *sha, cg_kind kind);

/* ---- pass 2 (ingest_related.c, ingest_cas.c) ---- */

int cg_ing_find_related(cg_ingest *ing);
/* A stored object as a related one, unless it is seen already (a
 * cg_store_object_fn: 1 to go on). */
int cg_ing_add_related(void *arg, const cg_store_object *o);
/* The stored CAs this file may need, as related objects. */
int cg_ing_related_cas(cg_ingest *ing);
/* Empties the CA index; it is loaded again when next needed. */
void cg_ing_cas_clear(cg_ingest *ing);
/* Notes a Precertificate Signing CA (its subject and issuer), whose
 * precertificates stand for its issuer's; 0 when out of memory. */
int cg_ing_add_signing_ca(cg_ingest *ing, const cg_store_object *o);

/* ---- findings (ingest_findings.c) ---- */

/* The checker's sink (a cg_sink_fn over the ingest). */
void cg_ing_sink(void *arg, const cg_finding *f);
/* Hands the new findings to the caller's sink, counting them. */
void cg_ing_flush(cg_ingest *ing, const cg_kept_finding *pend, size_t n_pend);
int cg_ing_resolve_stale(cg_ingest *ing);

#endif
