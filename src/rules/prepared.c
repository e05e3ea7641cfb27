/* The prepared check context (prepared.h).
 *
 * A run is one cg_checker over the inputs (files 0..n-1) followed by the
 * context's CA certificates (files n.., one object each, all named by the
 * one string ca_name, which is how their findings are told apart and
 * dropped). CAs come after the inputs so that a finding the checker puts
 * on the first object of a group lands on an input.
 *
 * Invariants: once `sealed` is set (the first run), the log list and the CA
 * array never change, so runs read them without a lock; the pool's mutex
 * guards only the stack of idle caches. A cache (key cache and SCT
 * verifier) is used by one run at a time, and its verifier was made for
 * this context's log list. */
#include "rules/prepared.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/loglist.h"
#include "ct/loglist_snapshot.h"
#include "ct/sct_verify.h"
#include "der/pem.h"
#include "util/grow.h"
#include "rules/checker.h"
#include "rules/crl_cross.h"
#include "rules/keycache.h"

/* A CA certificate and what the checker's pass 1 made of it when it was
 * loaded (known: it decoded; ref and cert then point into der, ref.file is
 * the context's ca_name). A run hands these to the checker instead of
 * walking, hashing, parsing and running the single-object rules on the
 * same bytes again for every check: the findings of those rules on a
 * context CA are dropped, and nothing else of them depends on the check. */
typedef struct ca_der {
    uint8_t *der;
    size_t len;
    int known;
    cg_objref ref;
    cg_cert cert;
    uint8_t spki_hash[32]; /* SHA-256 of cert's SPKI, when known */
    int self_issued;       /* cg_crl_cross_self_issued(&cert), when known */
} ca_der;

typedef struct cache {
    cg_keycache *keys;
    cg_sct_verifier *verifier;
    EVP_MD *sha256; /* fetched once: the run's digests (cg_ctx.sha256) */
} cache;

struct cg_prepared {
    cg_loglist *loglist; /* NULL until a list is added */
    ca_der *cas;
    size_t n_cas, cap_cas;
    atomic_int sealed;
    pthread_mutex_t mu; /* the pool */
    cache *idle;
    size_t n_idle, cap_idle;
    const char *ca_name;
};

/* How findings would name the context's CAs (they are never reported). */
static const char CA_NAME[] = "context CA";

static void cache_clear(const cache *c)
{
    cg_sct_verifier_free(c->verifier);
    cg_keycache_free(c->keys);
    EVP_MD_free(c->sha256);
}

cg_prepared *cg_prepared_new(void)
{
    cg_prepared *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->ca_name = CA_NAME;
    return p;
}

void cg_prepared_free(cg_prepared *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_idle; i++)
        cache_clear(&p->idle[i]);
    free(p->idle);
    for (size_t i = 0; i < p->n_cas; i++)
        free(p->cas[i].der);
    free(p->cas);
    cg_loglist_free(p->loglist);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static int sealed(cg_prepared *p, char *err, size_t errcap)
{
    if (!atomic_load(&p->sealed))
        return 0;
    snprintf(err, errcap, "the context is in use by checks: build a new one to change it");
    return 1;
}

/* The context's list, made on first use. */
static cg_loglist *own_list(cg_prepared *p, char *err, size_t errcap)
{
    if (sealed(p, err, errcap))
        return NULL;
    if (p->loglist == NULL)
        p->loglist = cg_loglist_new();
    if (p->loglist == NULL)
        snprintf(err, errcap, "out of memory");
    return p->loglist;
}

int cg_prepared_add_loglist(cg_prepared *p, const uint8_t *json, size_t len, const char *source,
                            char *err, size_t errcap)
{
    cg_loglist *ll = own_list(p, err, errcap);
    return ll != NULL && cg_loglist_load(ll, json, len, source, err, errcap);
}

int cg_prepared_add_default_loglists(cg_prepared *p, cg_loglist_snapshot *s, char *err,
                                     size_t errcap)
{
    cg_loglist_snapshot mine;
    cg_loglist *ll = own_list(p, err, errcap);
    return ll != NULL && cg_loglist_snapshot_load(ll, s != NULL ? s : &mine, err, errcap);
}

static void capture(void *arg, const cg_objref *ref, const cg_cert *cert, const cg_crl *crl)
{
    ca_der *c = arg;
    (void)crl;
    /* Only a view into c->der outlives the pass (a DER file is read in
     * place): anything else is left to the full pass of every run. */
    if (cert == NULL || c->known || cert->der.data != c->der)
        return;
    if (SHA256(cert->spki.data, cert->spki.len, c->spki_hash) == NULL)
        return;
    c->ref = *ref;
    c->cert = *cert;
    c->self_issued = cg_crl_cross_self_issued(cert);
    c->known = 1;
}

/* The checker's pass 1 over one CA, once: what it hands on_object is kept. */
static void learn(cg_prepared *p, ca_der *c)
{
    cg_ctx ctx;
    cg_file_result res;
    cg_ctx_init(&ctx, 0, NULL, NULL);
    ctx.br_profile = 0; /* the findings are not wanted, only the object */
    ctx.on_object = capture;
    ctx.on_object_arg = c;
    c->known = 0;
    cg_check_file(&ctx, p->ca_name, c->der, c->len, &res);
}

int cg_prepared_add_cas(cg_prepared *p, const char *name, const uint8_t *data, size_t len,
                        size_t *added, char *err, size_t errcap)
{
    cg_input in;
    cg_input_obj obj;
    cg_der_error derr;
    cg_input_status st;
    size_t first = p->n_cas, n = 0;
    int ok = 0;
    if (sealed(p, err, errcap))
        return 0;
    cg_input_init(&in, data, len);
    while ((st = cg_input_next(&in, &obj, &derr)) == CG_INPUT_OBJECT) {
        cg_cert cert;
        cg_der_error cerr;
        if (obj.label == CG_PEM_LABEL_OTHER)
            continue; /* a key or request beside the certificates */
        if (!cg_cert_parse(&cert, obj.der, obj.der_len, &cerr)) {
            snprintf(err, errcap, "%s: object %zu is not a certificate (byte %zu: %s)", name,
                     obj.index, cerr.offset, cerr.what);
            goto out;
        }
        if (!cg_cert_is_ca(&cert) && !cg_cert_is_precert_signing(&cert)) {
            snprintf(err, errcap,
                     "%s: object %zu is not a CA certificate (no basicConstraints cA, not a "
                     "Precertificate Signing Certificate)",
                     name, obj.index);
            goto out;
        }
        if (!cg_grow((void **)&p->cas, &p->cap_cas, p->n_cas + 1, sizeof(*p->cas)))
            goto oom;
        ca_der *c = &p->cas[p->n_cas];
        c->der = malloc(obj.der_len);
        if (c->der == NULL)
            goto oom;
        memcpy(c->der, obj.der, obj.der_len);
        c->len = obj.der_len;
        learn(p, c);
        p->n_cas++;
        n++;
    }
    if (st == CG_INPUT_ERROR) {
        snprintf(err, errcap, "%s: object %zu: byte %zu: %s", name, obj.index, derr.offset,
                 derr.what);
        goto out;
    }
    if (n == 0) {
        snprintf(err, errcap, "%s: no certificate in it", name);
        goto out;
    }
    ok = 1;
    if (added != NULL)
        *added = n;
    goto out;
oom:
    snprintf(err, errcap, "out of memory");
out:
    if (!ok) {
        for (size_t i = first; i < p->n_cas; i++)
            free(p->cas[i].der);
        p->n_cas = first;
    }
    cg_input_cleanup(&in);
    return ok;
}

const cg_loglist *cg_prepared_loglist(const cg_prepared *p)
{
    return p->loglist;
}

size_t cg_prepared_n_logs(const cg_prepared *p)
{
    return p->loglist != NULL ? cg_loglist_count(p->loglist) : 0;
}

size_t cg_prepared_n_cas(const cg_prepared *p)
{
    return p->n_cas;
}

/* ---- runs ---- */

static int cache_take(cg_prepared *p, cache *c)
{
    int have = 0;
    pthread_mutex_lock(&p->mu);
    if (p->n_idle > 0) {
        *c = p->idle[--p->n_idle];
        have = 1;
    }
    pthread_mutex_unlock(&p->mu);
    if (have)
        return 1;
    c->keys = cg_keycache_new(0);
    c->verifier = cg_sct_verifier_new(p->loglist);
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (c->keys == NULL || c->verifier == NULL || c->sha256 == NULL) {
        cache_clear(c);
        return 0;
    }
    return 1;
}

static void cache_give(cg_prepared *p, const cache *c)
{
    int kept = 0;
    pthread_mutex_lock(&p->mu);
    if (cg_grow((void **)&p->idle, &p->cap_idle, p->n_idle + 1, sizeof(*p->idle))) {
        p->idle[p->n_idle++] = *c;
        kept = 1;
    }
    pthread_mutex_unlock(&p->mu);
    if (!kept)
        cache_clear(c);
}

typedef struct run {
    cg_prepared *p;
    cg_ctx *outer;
    const cg_prepared_input *in;
    size_t n;
} run;

static int reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    const run *r = arg;
    if (file_no < r->n) {
        *data = r->in[file_no].data;
        *len = r->in[file_no].len;
        return 1;
    }
    file_no -= r->n;
    if (file_no >= r->p->n_cas)
        return 0;
    *data = r->p->cas[file_no].der;
    *len = r->p->cas[file_no].len;
    return 1;
}

static void forward(void *arg, const cg_finding *f)
{
    run *r = arg;
    if (f->obj != NULL && f->obj->file == r->p->ca_name)
        return;
    r->outer->count[cg_rule_get(f->rule)->severity]++;
    if (r->outer->sink != NULL)
        r->outer->sink(r->outer->sink_arg, f);
}

int cg_prepared_run(cg_prepared *p, cg_ctx *ctx, const cg_prepared_input *in, size_t n,
                    cg_file_result *res)
{
    run r = {p, ctx, in, n};
    cache c;
    cg_ctx inner;
    cg_file_result total = {0, 0};
    atomic_store(&p->sealed, 1);
    if (!cache_take(p, &c))
        return 0;
    cg_ctx_init(&inner, ctx->at, forward, &r);
    inner.loglist = p->loglist;
    inner.keys = c.keys;
    inner.verifier = c.verifier;
    inner.sha256 = c.sha256;
    inner.br_profile = ctx->br_profile;
    inner.skip = ctx->skip;
    ctx->loglist = p->loglist;
    cg_checker *ck = cg_checker_new(&inner, reload, NULL, &r);
    if (ck == NULL) {
        cache_give(p, &c);
        return 0;
    }
    cg_checker_inputs_held(ck); /* the caller's buffers and the context's CAs */
    for (size_t i = 0; i < n; i++) {
        cg_file_result fr;
        cg_checker_add_file(ck, i, in[i].name, in[i].data, in[i].len, &fr);
        total.objects += fr.objects;
        total.malformed += fr.malformed;
    }
    for (size_t i = 0; i < p->n_cas; i++) {
        const ca_der *ca = &p->cas[i];
        cg_file_result fr;
        if (ca->known)
            cg_checker_add_known(ck, n + i, p->ca_name, &ca->ref, &ca->cert, ca->spki_hash,
                                 ca->self_issued);
        else
            cg_checker_add_file(ck, n + i, p->ca_name, ca->der, ca->len, &fr);
    }
    cg_checker_finish(ck);
    cg_checker_free(ck);
    cache_give(p, &c);
    if (res != NULL)
        *res = total;
    return 1;
}
