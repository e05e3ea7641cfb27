/* Ingest (store/ingest.h): a file's objects into the store, then the
 * checker over the file and the stored objects related to it, all in one
 * transaction, or in a caller's (cg_ingest_join). This file holds the run:
 * its state between files, the transaction, the passes in order
 * (ingest_put.c, ingest_related.c with ingest_cas.c, the checker here,
 * ingest_findings.c), and what is handed on after a commit.
 *
 * Invariants kept here: a file is stored with all its findings or not at
 * all (its own transaction, or the caller's, which a failure dooms); the
 * caller's sink and object callback see a file's findings and objects only
 * after its commit, in file order; a rolled-back file leaves the stats as
 * they were and the CA index unloaded. */
#include "store/ingest.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/sct_verify.h"
#include "util/grow.h"
#include "rules/checker.h"
#include "rules/keycache.h"
#include "store/ingest_internal.h"

/* How related objects are named in findings and messages. */
#define RELATED_NAME "store"

static void names_forget(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].p);
    l->n = 0;
    l->loaded = 0;
}

void cg_ing_names_saw(cg_ingest *ing, int crls, const uint8_t *name, size_t len)
{
    name_list *l = &ing->issuers[crls ? 1 : 0];
    for (size_t i = 0; l->loaded && i < l->n; i++) {
        if (l->v[i].n == len && memcmp(l->v[i].p, name, len) == 0)
            return;
    }
    names_forget(l);
}

/* What a file may reuse from the files before it in one transaction: the
 * store's issuer names and the notices resolved. Forgotten at the end of
 * each file's own transaction, or of the caller's: another process may
 * have added names or notices since. */
static void tx_forget(cg_ingest *ing)
{
    names_forget(&ing->issuers[0]);
    names_forget(&ing->issuers[1]);
    cg_shaset_clear(&ing->resolved_tx);
}

static void file_reset(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_rel; i++) {
        free(ing->rel[i].der);
        free(ing->rel[i].file);
    }
    ing->n_rel = 0;
    ing->n_known = 0;
    ing->known_next = 0;
    ing->cur_rel = NOT_RELATED;
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
    if (!ing->joined)
        tx_forget(ing);
    for (size_t i = 0; i < ing->n_pend; i++)
        cg_kept_finding_clear(&ing->pend[i]);
    ing->n_pend = 0;
    ing->n_chk = 0;
    ing->n_objs = 0;
    cg_shaset_clear(&ing->produced);
    cg_shaset_clear(&ing->seen);
    cg_shaset_clear(&ing->serials_asked);
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
    ing->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ing->cur_rel = NOT_RELATED;
    if (ing->keycache == NULL || ing->verifier == NULL || ing->sha256 == NULL) {
        cg_ingest_free(ing);
        return NULL;
    }
    return ing;
}

int cg_ingest_set_loglist(cg_ingest *ing, const cg_loglist *loglist)
{
    /* The verifier holds the logs' parsed keys: a new list, a new one. */
    cg_sct_verifier *v = cg_sct_verifier_new(loglist);
    if (v == NULL)
        return 0;
    cg_sct_verifier_free(ing->verifier);
    ing->verifier = v;
    ing->o.loglist = loglist;
    return 1;
}

static void held_clear(cg_ingest *ing)
{
    for (size_t i = 0; i < ing->n_held; i++)
        cg_kept_finding_clear(&ing->held[i]);
    ing->n_held = 0;
    ing->n_held_objs = 0;
}

void cg_ingest_free(cg_ingest *ing)
{
    if (ing == NULL)
        return;
    file_reset(ing);
    tx_forget(ing);
    held_clear(ing);
    free(ing->held);
    free(ing->held_objs);
    free(ing->rel);
    free(ing->known);
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
    cg_ing_cas_clear(ing);
    free(ing->cas);
    cg_keycache_free(ing->keycache);
    cg_sct_verifier_free(ing->verifier);
    EVP_MD_free(ing->sha256);
    free(ing);
}

void cg_ingest_set_object_fn(cg_ingest *ing, cg_ingest_object_fn fn, void *arg)
{
    ing->object_fn = fn;
    ing->object_arg = arg;
}

void cg_ingest_set_br_profile(cg_ingest *ing, int on)
{
    ing->no_br_profile = !on;
}

const cg_ingest_stats *cg_ingest_get0_stats(const cg_ingest *ing)
{
    return &ing->stats;
}

void cg_ing_oom(cg_ingest *ing)
{
    if (!ing->failed)
        snprintf(ing->err, sizeof(ing->err), "out of memory");
    ing->failed = 1;
}

void cg_ing_store_failed(cg_ingest *ing)
{
    if (!ing->failed)
        snprintf(ing->err, sizeof(ing->err), "%s", cg_store_errmsg(ing->st));
    ing->failed = 1;
}

int cg_ing_sha256(const cg_ingest *ing, const uint8_t *p, size_t n, uint8_t out[32])
{
    if (EVP_Digest(p, n, out, NULL, ing->sha256, NULL) != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

int cg_ing_copy_bytes(bytes *b, const uint8_t *p, size_t n)
{
    b->n = n;
    b->p = malloc(n > 0 ? n : 1);
    if (b->p == NULL)
        return 0;
    if (n > 0)
        memcpy(b->p, p, n);
    return 1;
}

int cg_ing_bytes_eq(const bytes *a, const bytes *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

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
        cg_ing_oom(ing);
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
    cg_ctx_init(&ctx, ing->o.at, cg_ing_sink, ing);
    ctx.loglist = ing->o.loglist;
    ctx.keys = ing->keycache;
    ctx.verifier = ing->verifier;
    ctx.br_profile = !ing->no_br_profile;
    ctx.sha256 = ing->sha256;
    /* what pass 1 validated and hashed is not done again */
    ctx.known = cg_ing_known;
    ctx.known_arg = ing;
    ck = cg_checker_new(&ctx, reload, NULL, ing);
    if (ck == NULL) {
        cg_ing_oom(ing);
        return 0;
    }
    /* reload gives back the very bytes the checker read first */
    cg_checker_inputs_held(ck);
    for (size_t f = 0; f < n && !ing->failed; f++) {
        size_t r = ing->order[f];
        if (r == NOT_RELATED) {
            cg_checker_add_file(ck, f, ing->name, ing->data, ing->len, &res);
            ing->stats.objects += res.objects;
            ing->stats.malformed += res.malformed;
        } else {
            /* Their own findings were recorded when they were ingested:
             * their single-object rules are not run again. */
            ing->in_related = 1;
            ing->cur_rel = r;
            ctx.index_only = 1;
            cg_checker_add_file(ck, f, RELATED_NAME, ing->rel[r].der, ing->rel[r].len, &res);
            ctx.index_only = 0;
            ing->cur_rel = NOT_RELATED;
            ing->in_related = 0;
        }
    }
    if (!ing->failed)
        cg_checker_finish(ck);
    cg_checker_free(ck);
    return !ing->failed;
}

/* A joined file's findings and objects, kept for the caller's commit. */
static int hold(cg_ingest *ing)
{
    if (!cg_grow((void **)&ing->held, &ing->cap_held, ing->n_held + ing->n_pend,
                 sizeof(cg_kept_finding)) ||
        !cg_grow((void **)&ing->held_objs, &ing->cap_held_objs, ing->n_held_objs + ing->n_objs,
                 sizeof(stored))) {
        cg_ing_oom(ing);
        return 0;
    }
    if (ing->n_pend > 0)
        memcpy(ing->held + ing->n_held, ing->pend, ing->n_pend * sizeof(cg_kept_finding));
    ing->n_held += ing->n_pend;
    ing->n_pend = 0; /* owned by held now */
    if (ing->n_objs > 0)
        memcpy(ing->held_objs + ing->n_held_objs, ing->objs, ing->n_objs * sizeof(stored));
    ing->n_held_objs += ing->n_objs;
    return 1;
}

/* After a commit: the new findings to the caller's sink, then the stored
 * objects to the object callback, in file order. */
static void hand_on(cg_ingest *ing, const cg_kept_finding *pend, size_t n_pend, const stored *objs,
                    size_t n_objs)
{
    cg_ing_flush(ing, pend, n_pend);
    for (size_t i = 0; ing->object_fn != NULL && i < n_objs; i++)
        ing->object_fn(ing->object_arg, objs[i].sha256, objs[i].kind, objs[i].index,
                       objs[i].is_new);
}

void cg_ingest_join(cg_ingest *ing)
{
    held_clear(ing);
    tx_forget(ing);
    ing->joined = 1;
    ing->joined_stats = ing->stats;
}

void cg_ingest_committed(cg_ingest *ing)
{
    tx_forget(ing);
    if (!ing->joined)
        return;
    ing->joined = 0;
    hand_on(ing, ing->held, ing->n_held, ing->held_objs, ing->n_held_objs);
    held_clear(ing);
}

void cg_ingest_rolled_back(cg_ingest *ing)
{
    /* The index may hold CAs of the rolled-back work; the names and
     * resolutions it undid are forgotten. */
    cg_ing_cas_clear(ing);
    tx_forget(ing);
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
        ok = cg_ing_store_objects(ing) && cg_ing_find_related(ing) && check(ing) &&
             cg_ing_resolve_stale(ing);
        if (!ok)
            cg_ing_store_failed(ing);
        else
            ok = hold(ing);
        goto out;
    }
    if (!cg_store_begin(ing->st)) {
        cg_ing_store_failed(ing);
        goto out;
    }
    if (cg_ing_store_objects(ing) && cg_ing_find_related(ing) && check(ing) &&
        cg_ing_resolve_stale(ing) && cg_store_commit(ing->st)) {
        ok = 1;
    } else {
        cg_ing_store_failed(ing); /* keeps the first reason */
        cg_store_rollback(ing->st);
        cg_ing_cas_clear(ing);
    }
out:
    if (ok && ing->joined) {
        ing->stats.files++;
    } else if (ok) {
        ing->stats.files++;
        hand_on(ing, ing->pend, ing->n_pend, ing->objs, ing->n_objs);
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
