/* The stateful gate (gate.h).
 *
 * A precertificate: checked alone (with the recorded precertificate of its
 * serial, when there is one of another TBS, so that the checker's own
 * ct.precert.duplicate_serial names both); with no error it is recorded,
 * and the store's unique key settles a race: a gate that finds another
 * precertificate recorded after all checks again with that one and
 * answers 409. A final certificate: checked together with the recorded
 * precertificate of its serial and the final certificates allowed for it
 * before (served from the store under the name "gate.store"); findings on
 * those stored objects are not repeated. The gate denies what it could not
 * check: an SCT of an unknown log or from an issuer it does not have, CT
 * policies not satisfied or not evaluated.
 *
 * Invariants: a request holds one store connection from the pool from its
 * first store call to its answer; nothing is recorded for a request
 * answered 400. */
#include "serve/gate.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct/sct_verify.h"
#include "der/pem.h"
#include "util/grow.h"
#include "serve/commit.h"
#include "serve/decode.h"
#include "store/store.h"
#include "util/redact.h"
#include "x509/oid.h"
#include "x509/tbs.h"

#define OBJECT_NAME "object"
#define STORE_NAME "gate.store"

struct cg_serve_gate {
    char *uri;
    pthread_mutex_t mu;
    cg_store **idle;
    size_t n_idle, cap_idle;
    cg_gate_commit *commit;
    cg_metric *decisions;
    int no_br_profile; /* cg_serve_gate_set_br_profile(g, 0) */
};

void cg_serve_gate_set_br_profile(cg_serve_gate *g, int on)
{
    g->no_br_profile = !on;
}

static cg_store *conn_take(cg_serve_gate *g, char *err, size_t errcap)
{
    cg_store *st = NULL;
    pthread_mutex_lock(&g->mu);
    if (g->n_idle > 0)
        st = g->idle[--g->n_idle];
    pthread_mutex_unlock(&g->mu);
    if (st != NULL)
        return st;
    cg_store_status status;
    st = cg_store_open(g->uri, CG_STORE_CREATE, &status, err, errcap);
    return st;
}

static void conn_give(cg_serve_gate *g, cg_store *st, int healthy)
{
    int kept = 0;
    if (st == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    if (healthy && cg_grow((void **)&g->idle, &g->cap_idle, g->n_idle + 1, sizeof(*g->idle))) {
        g->idle[g->n_idle++] = st;
        kept = 1;
    }
    pthread_mutex_unlock(&g->mu);
    if (!kept)
        cg_store_close(st);
}

cg_serve_gate *cg_serve_gate_new(const char *store_uri, cg_metrics *m, char *err, size_t errcap)
{
    cg_serve_gate *g = calloc(1, sizeof(*g));
    char why[512];
    if (g == NULL || (g->uri = strdup(store_uri)) == NULL) {
        free(g);
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&g->mu, NULL);
    cg_store *st = conn_take(g, why, sizeof(why));
    if (st == NULL) {
        char safe[512];
        cg_redact(why, safe, sizeof(safe));
        snprintf(err, errcap, "the gate's store: %s", safe);
        cg_serve_gate_free(g);
        return NULL;
    }
    conn_give(g, st, 1);
    const char *l[] = {"endpoint", "decision"};
    g->decisions = cg_metrics_counter(m, "caguard_serve_gate_decisions_total",
                                      "The gate's decisions, by endpoint and decision", 2, l);
    g->commit = cg_gate_commit_new(m);
    if (g->decisions == NULL || g->commit == NULL) {
        snprintf(err, errcap, "out of memory");
        cg_serve_gate_free(g);
        return NULL;
    }
    return g;
}

void cg_serve_gate_free(cg_serve_gate *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n_idle; i++)
        cg_store_close(g->idle[i]);
    free(g->idle);
    free(g->uri);
    cg_gate_commit_free(g->commit);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

int cg_serve_gate_ping(cg_serve_gate *g, char *why, size_t whycap)
{
    cg_store *st = conn_take(g, why, whycap);
    cg_gate_precert pc;
    int found = 0;
    static const uint8_t zero[1] = {0};
    cg_cbs none = {zero, 1};
    int ok = st != NULL && cg_store_gate_precert(st, &none, &none, &pc, &found);
    if (st != NULL && !ok)
        snprintf(why, whycap, "%s", cg_store_errmsg(st));
    cg_gate_precert_clear(&pc);
    conn_give(g, st, ok);
    return ok;
}

/* ---- one request ---- */

typedef struct req {
    cg_serve_gate *g;
    cg_prepared *p;
    int final;
    const char *request_id;
    cg_serve_gate_result *out;
    cg_store *st;
    int store_ok;
    uint8_t *der; /* the object: a certificate, or a TBS wrapped as one */
    size_t len;
    cg_cert cert;
    uint8_t sha256[32], tbs_key[32];
    int64_t at;
    /* what the checks are run over, besides the object */
    uint8_t **extra;
    size_t *extra_len, n_extra, cap_extra, cap_extra_len;
} req;

static void fail(req *r, unsigned status, const char *msg)
{
    cg_serve_gate_result *o = r->out;
    o->status = status;
    o->body = cg_serve_error_json(msg, r->request_id, &o->len);
}

static void store_fail_with(req *r, const char *why)
{
    char msg[700], safe[600];
    cg_redact(why, safe, sizeof(safe));
    snprintf(msg, sizeof(msg), "the gate's store failed: %s", safe);
    r->store_ok = 0;
    fail(r, 503, msg);
}

static void store_fail(req *r)
{
    store_fail_with(r, cg_store_errmsg(r->st));
}

/* The object's DER: the first PEM block, or the DER itself. */
static uint8_t *object_der(const uint8_t *data, size_t len, size_t *out_len, char *err,
                           size_t errcap)
{
    cg_input in;
    cg_input_obj obj;
    cg_der_error derr;
    uint8_t *der = NULL;
    cg_input_init(&in, data, len);
    cg_input_status s = cg_input_next(&in, &obj, &derr);
    if (s == CG_INPUT_OBJECT) {
        der = malloc(obj.der_len);
        if (der != NULL) {
            memcpy(der, obj.der, obj.der_len);
            *out_len = obj.der_len;
        } else {
            snprintf(err, errcap, "out of memory");
        }
    } else {
        snprintf(err, errcap, "object: byte %zu: %s", derr.offset,
                 s == CG_INPUT_END ? "no object in it" : derr.what);
    }
    cg_input_cleanup(&in);
    return der;
}

static void add_extra(void *arg, const uint8_t *der, size_t len)
{
    req *r = arg;
    if (!cg_grow((void **)&r->extra, &r->cap_extra, r->n_extra + 1, sizeof(*r->extra)) ||
        !cg_grow((void **)&r->extra_len, &r->cap_extra_len, r->n_extra + 1, sizeof(*r->extra_len)))
        return;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, der, len);
    r->extra[r->n_extra] = copy;
    r->extra_len[r->n_extra++] = len;
}

static void drop_extra(req *r)
{
    for (size_t i = 0; i < r->n_extra; i++)
        free(r->extra[i]);
    r->n_extra = 0;
}

/* Findings on the object only: the stored objects were judged before. */
typedef struct keep {
    cg_serve_findings *fs;
} keep;

static void keep_object(void *arg, const cg_finding *f)
{
    keep *k = arg;
    if (f->obj != NULL && f->obj->file != NULL && strcmp(f->obj->file, STORE_NAME) == 0)
        return;
    cg_serve_findings_sink(k->fs, f);
}

/* Runs every rule over the object and the extras; the gate's own findings
 * (gate.*) are reported here too. Returns 0 when memory ran out. */
static int run_checks(req *r, cg_file_result *res)
{
    size_t n = 1 + r->n_extra;
    cg_prepared_input *in = calloc(n, sizeof(*in));
    keep k = {&r->out->findings};
    cg_ctx ctx;
    if (in == NULL)
        return 0;
    in[0] = (cg_prepared_input){OBJECT_NAME, r->der, r->len};
    for (size_t i = 0; i < r->n_extra; i++)
        in[1 + i] = (cg_prepared_input){STORE_NAME, r->extra[i], r->extra_len[i]};
    cg_serve_findings_clear(&r->out->findings);
    cg_ctx_init(&ctx, r->at, keep_object, &k);
    ctx.br_profile = !r->g->no_br_profile;
    int ok = cg_prepared_run(r->p, &ctx, in, n, res);
    free(in);
    return ok && !r->out->findings.failed;
}

/* The gate's own finding on the object. */
static void gate_finding(req *r, cg_rule_id rule, const char *msg)
{
    cg_objref ref;
    cg_ctx ctx;
    keep k = {&r->out->findings};
    memset(&ref, 0, sizeof(ref));
    ref.file = OBJECT_NAME;
    ref.kind = r->cert.is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
    ref.has_hash = 1;
    memcpy(ref.sha256, r->sha256, 32);
    ref.issuer = r->cert.issuer;
    ref.serial = r->cert.serial;
    cg_ctx_init(&ctx, r->at, keep_object, &k);
    cg_report(&ctx, rule, &ref, "%s", msg);
}

static int has_rule(const cg_serve_findings *fs, const char *id)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (strcmp(cg_rule_get(fs->f[i].rule)->id, id) == 0)
            return 1;
    }
    return 0;
}

/* What the gate could not check denies as an error does. */
static int could_not_check(const cg_serve_findings *fs)
{
    static const char *const unchecked[] = {
        "ct.sct.issuer_unknown",         "ct.sct.unknown_log",
        "ct.policy.chrome_unsatisfied",  "ct.policy.apple_unsatisfied",
        "ct.policy.mozilla_unsatisfied", "ct.policy.not_evaluated",
    };
    for (size_t i = 0; i < sizeof(unchecked) / sizeof(unchecked[0]); i++) {
        if (has_rule(fs, unchecked[i]))
            return 1;
    }
    return 0;
}

/* The decision of the request's answer, to be recorded; *rules_text the
 * caller's to free (NULL when memory ran out: "[]" is recorded). */
static void decision_of(req *r, unsigned status, int allowed, cg_gate_decision *d,
                        char **rules_text)
{
    const cg_serve_findings *fs = &r->out->findings;
    json_t *rules = json_array();
    for (size_t i = 0; i < fs->n; i++)
        json_array_append_new(rules, json_string(cg_rule_get(fs->f[i].rule)->id));
    *rules_text = json_dumps(rules, JSON_COMPACT);
    json_decref(rules);
    memset(d, 0, sizeof(*d));
    d->kind = r->final ? "cert" : "precert";
    d->issuer = r->cert.issuer;
    d->serial = r->cert.serial;
    memcpy(d->sha256, r->sha256, 32);
    if (r->final && allowed) {
        d->der = r->der;
        d->len = r->len;
    }
    d->allowed = allowed;
    d->status = (int)status;
    d->rules = *rules_text != NULL ? *rules_text : "[]";
    d->at = (int64_t)time(NULL);
    d->request_id = r->request_id;
}

/* The answer, once its decision (row id) is recorded and committed. */
static void answer_decided(req *r, unsigned status, int allowed, int recorded,
                           const cg_gate_precert *against, int64_t id)
{
    cg_serve_gate_result *o = r->out;
    char extra[256], hex[65] = "";
    if (against != NULL)
        cg_hex(against->sha256, 32, hex);
    snprintf(extra, sizeof(extra), "{\"decision\":{\"id\":%lld,\"recorded\":%s%s%s%s}}",
             (long long)id, recorded ? "true" : "false",
             against != NULL ? ",\"precertificate\":\"" : "", hex, against != NULL ? "\"" : "");
    o->status = status;
    o->body = cg_serve_native_answer(&o->findings, allowed, extra, &o->len);
    cg_metric_inc(r->g->decisions,
                  (const char *[]){r->final ? "/v1/gate/cert" : "/v1/gate/precert",
                                   allowed         ? "allow"
                                   : status == 409 ? "conflict"
                                                   : "deny"});
}

/* Records the decision (committed with those of concurrent requests) and
 * writes the answer. */
static void decide(req *r, unsigned status, int allowed, int recorded,
                   const cg_gate_precert *against)
{
    cg_gate_write w;
    char *rules_text;
    memset(&w, 0, sizeof(w));
    decision_of(r, status, allowed, &w.d, &rules_text);
    int ok = cg_gate_commit_write(r->g->commit, r->st, &w);
    free(rules_text);
    cg_gate_precert_clear(&w.rec);
    if (!ok) {
        store_fail_with(r, w.err);
        return;
    }
    answer_decided(r, status, allowed, recorded, against, w.id);
}

/* The precertificate the gate recorded for the request's (issuer,
 * serial) into *rec (zeroed first), *found; 0 after answering 503. */
static int recorded_precert(req *r, cg_gate_precert *rec, int *found)
{
    memset(rec, 0, sizeof(*rec));
    *found = 0;
    if (cg_store_gate_precert(r->st, &r->cert.issuer, &r->cert.serial, rec, found))
        return 1;
    store_fail(r);
    return 0;
}

static void precert(req *r)
{
    cg_gate_precert rec, mine;
    int found;
    cg_file_result res;
    if (!recorded_precert(r, &rec, &found))
        return;
    for (int attempt = 0; attempt < 2; attempt++) {
        int other = found && memcmp(rec.tbs_key, r->tbs_key, 32) != 0;
        drop_extra(r);
        if (other)
            add_extra(r, rec.der, rec.len);
        if (!run_checks(r, &res)) {
            fail(r, 503, "out of memory");
            goto out;
        }
        if (res.malformed > 0) {
            fail(r, 400,
                 r->out->findings.n > 0 ? r->out->findings.f[0].message
                                        : "object: cannot be decoded");
            goto out;
        }
        if (other) {
            decide(r, 409, 0, 0, &rec);
            goto out;
        }
        if (r->out->findings.count[CG_SEV_ERROR] > 0) {
            decide(r, 422, 0, 0, found ? &rec : NULL);
            goto out;
        }
        if (found) { /* the same precertificate again */
            decide(r, 200, 1, 1, &rec);
            goto out;
        }
        memset(&mine, 0, sizeof(mine));
        memcpy(mine.sha256, r->sha256, 32);
        memcpy(mine.tbs_key, r->tbs_key, 32);
        mine.der = r->der;
        mine.len = r->len;
        mine.recorded_at = (int64_t)time(NULL);
        cg_gate_precert_clear(&rec);
        /* The record and its decision in one transaction (shared with the
         * writes of concurrent requests): never a recorded precertificate
         * without its decision, and the answer only once both are durable. */
        cg_gate_write w;
        char *rules_text;
        memset(&w, 0, sizeof(w));
        w.record = &mine;
        decision_of(r, 200, 1, &w.d, &rules_text);
        int ok = cg_gate_commit_write(r->g->commit, r->st, &w);
        free(rules_text);
        rec = w.rec; /* now ours to clear */
        if (!ok) {
            store_fail_with(r, w.err);
            goto out;
        }
        found = 1;
        if (w.decided) {
            answer_decided(r, 200, 1, 1, &rec, w.id);
            goto out;
        }
        /* Another gate, or another request of this batch, recorded another
         * precertificate first: again, with it. */
    }
    fail(r, 503, "the gate could not settle the precertificate's record");
out:
    cg_gate_precert_clear(&rec);
}

static void final_cert(req *r)
{
    cg_gate_precert rec;
    int found;
    cg_file_result res;
    if (!recorded_precert(r, &rec, &found))
        return;
    if (found)
        add_extra(r, rec.der, rec.len);
    if (!cg_store_gate_allowed(r->st, &r->cert.issuer, &r->cert.serial, add_extra, r)) {
        store_fail(r);
        goto out;
    }
    if (!run_checks(r, &res)) {
        fail(r, 503, "out of memory");
        goto out;
    }
    if (res.malformed > 0) {
        fail(r, 400,
             r->out->findings.n > 0 ? r->out->findings.f[0].message : "object: cannot be decoded");
        goto out;
    }
    if (!found)
        gate_finding(r, CG_R_GATE_PRECERT_UNKNOWN,
                     "no precertificate was recorded by the gate for this issuer and serial: "
                     "POST the precertificate to /v1/gate/precert before it is logged");
    else if (cg_cert_find_ext(&r->cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL) ==
             NULL) {
        char hex[65], msg[256];
        cg_hex(rec.sha256, 32, hex);
        snprintf(msg, sizeof(msg),
                 "no SCT list: the SCTs precertificate %s was logged for must be embedded", hex);
        gate_finding(r, CG_R_GATE_SCTS_MISSING, msg);
    }
    const cg_serve_findings *fs = &r->out->findings;
    int allowed = fs->count[CG_SEV_ERROR] == 0 && !could_not_check(fs);
    decide(r, allowed ? 200 : 422, allowed, found, found ? &rec : NULL);
out:
    cg_gate_precert_clear(&rec);
}

void cg_serve_gate_handle(cg_serve_gate *g, cg_prepared *p, int final, const uint8_t *body,
                          size_t len, const char *request_id, cg_serve_gate_result *out)
{
    cg_serve_objects objs;
    char err[512];
    memset(out, 0, sizeof(*out));
    out->findings.keep_json = 1;
    req r = {.g = g, .p = p, .final = final, .request_id = request_id, .out = out, .store_ok = 1};
    if (!cg_serve_parse_gate(body, len, &objs, err, sizeof(err))) {
        fail(&r, 400, err);
        return;
    }
    r.at = objs.has_at ? objs.at : (int64_t)time(NULL);
    uint8_t *der = object_der(objs.data[0], objs.len[0], &r.len, err, sizeof(err));
    cg_serve_objects_clear(&objs);
    if (der == NULL) {
        fail(&r, 400, err);
        return;
    }
    cg_der_error derr;
    if (cg_cert_parse(&r.cert, der, r.len, &derr)) {
        r.der = der;
    } else {
        /* A TBSCertificate: checked as the certificate it will be. */
        size_t wl;
        r.der = cg_tbs_wrap(der, r.len, 0, &wl, err, sizeof(err));
        free(der);
        if (r.der == NULL || !cg_cert_parse(&r.cert, r.der, wl, &derr)) {
            fail(&r, 400, "object: neither a certificate nor a TBSCertificate");
            goto out;
        }
        r.len = wl;
    }
    if (!final && !r.cert.is_precert) {
        fail(&r, 400,
             "object: not a precertificate (no CT poison extension): POST final "
             "certificates to /v1/gate/cert");
        goto out;
    }
    if (final && r.cert.is_precert) {
        fail(&r, 400,
             "object: a precertificate (CT poison extension): POST it to "
             "/v1/gate/precert");
        goto out;
    }
    SHA256(r.der, r.len, r.sha256);
    size_t cap = cg_ct_entry_tbs_max_len(&r.cert, NULL, NULL), tl;
    uint8_t *tbs = malloc(cap);
    if (tbs == NULL ||
        !cg_ct_entry_tbs_ex(&r.cert, NULL, NULL, CG_CT_REMOVE_POISON | CG_CT_REMOVE_SCT_LIST, tbs,
                            cap, &tl)) {
        free(tbs);
        fail(&r, 400, "object: its TBSCertificate cannot be read");
        goto out;
    }
    SHA256(tbs, tl, r.tbs_key);
    free(tbs);
    r.st = conn_take(g, err, sizeof(err));
    if (r.st == NULL) {
        char safe[512], msg[600];
        cg_redact(err, safe, sizeof(safe));
        snprintf(msg, sizeof(msg), "the gate's store cannot be opened: %s", safe);
        fail(&r, 503, msg);
        goto out;
    }
    if (final)
        final_cert(&r);
    else
        precert(&r);
out:
    conn_give(g, r.st, r.store_ok);
    drop_extra(&r);
    free(r.extra);
    free(r.extra_len);
    free(r.der);
}
