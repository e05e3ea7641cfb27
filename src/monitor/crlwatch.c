/* The CRL watcher (crlwatch.h): fetch, ingest, record, stale, incidents. */
#include "monitor/crlwatch.h"
#include "monitor/crlwatch_internal.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/cbs.h"
#include "monitor/monitor.h"
#include "monitor/series.h"
#include "store/ingest.h"
#include "util/grow.h"
#include "util/errf.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/time.h"
#include "x509/x509.h"

void cg_crlw_say(cg_crlwatch *w, int is_error, const char *url, const char *fmt, ...)
{
    char msg[1024];
    if (w->log == NULL)
        return;
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    w->log(w->log_arg, is_error, url, msg);
}

void cg_crlwatch_opts_default(cg_crlwatch_opts *o)
{
    memset(o, 0, sizeof(*o));
    cg_crlfetch_opts_default(&o->fetch);
    o->unreachable_after = CG_CRLWATCH_DEFAULT_UNREACHABLE_AFTER;
    o->br_profile = 1;
}

cg_crlwatch *cg_crlwatch_new(cg_store *store, const cg_crlwatch_opts *o, cg_sink_fn sink,
                             void *sink_arg)
{
    cg_crlwatch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->st = store;
    if (o != NULL)
        w->o = *o;
    else
        cg_crlwatch_opts_default(&w->o);
    w->sink = sink;
    w->sink_arg = sink_arg;
    return w;
}

static void url_set_clear(url_set *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i]);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* Adds a copy of url unless the set has it: 1 when added, 0 when it was
 * there or memory ran out (r->nomem). */
static int url_set_add(url_set *r, const char *url)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i], url) == 0)
            return 0;
    }
    if (!cg_grow_push_str(&r->v, &r->n, &r->cap, url)) {
        r->nomem = 1;
        return 0;
    }
    return 1;
}

void cg_crlwatch_free(cg_crlwatch *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_iss; i++) {
        free(w->iss[i].subject);
        for (size_t j = 0; j < w->iss[i].n_urls; j++) {
            free(w->iss[i].urls[j].url);
            cg_crlfetch_list_free(w->iss[i].urls[j].list, w->iss[i].urls[j].n_list);
        }
    }
    free(w->iss);
    url_set_clear(&w->done);
    free(w);
}

void cg_crlwatch_set_log(cg_crlwatch *w, cg_crlwatch_log_fn fn, void *arg)
{
    w->log = fn;
    w->log_arg = arg;
}

const cg_crlwatch_stats *cg_crlwatch_get0_stats(const cg_crlwatch *w)
{
    return &w->stats;
}

/* The value of the subject's last CN, for a label; "" when there is none. */
static void cn_label(const cg_cert *cert, char *out, size_t cap)
{
    char buf[1024];
    out[0] = '\0';
    if (!cg_name_to_string(&cert->subject, buf, sizeof(buf)))
        return;
    const char *cn = strstr(buf, "CN=");
    if (cn == NULL)
        return;
    cn += 3;
    size_t n = strcspn(cn, ",");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), cn);
}

int cg_crlwatch_add_issuer(cg_crlwatch *w, const uint8_t *der, size_t len, const char *label,
                           int use_crldp, char *err, size_t errcap)
{
    cg_cert cert;
    cg_der_error derr;
    if (w->n_iss >= MAX_ISSUERS) {
        cg_errf(err, errcap, "at most %d watched CAs", MAX_ISSUERS);
        return -1;
    }
    if (!cg_cert_parse(&cert, der, len, &derr)) {
        cg_errf(err, errcap, "not a certificate: %s", derr.what);
        return -1;
    }
    issuer *v = realloc(w->iss, (w->n_iss + 1) * sizeof(*v));
    if (v == NULL) {
        cg_errf(err, errcap, "out of memory");
        return -1;
    }
    w->iss = v;
    issuer *is = &w->iss[w->n_iss];
    memset(is, 0, sizeof(*is));
    SHA256(cert.der.data, cert.der.len, is->sha256);
    is->subject = malloc(cert.subject.len > 0 ? cert.subject.len : 1);
    if (is->subject == NULL) {
        cg_errf(err, errcap, "out of memory");
        return -1;
    }
    memcpy(is->subject, cert.subject.data, cert.subject.len);
    is->subject_len = cert.subject.len;
    is->use_crldp = use_crldp;
    if (label != NULL && label[0] != '\0')
        snprintf(is->label, sizeof(is->label), "%s", label);
    else
        cn_label(&cert, is->label, sizeof(is->label));
    if (is->label[0] == '\0') {
        cg_hex(is->sha256, 8, is->label);
    }
    return (int)w->n_iss++;
}

int cg_crlwatch_add_url(cg_crlwatch *w, int iss, const char *url, int is_list, char *err,
                        size_t errcap)
{
    if (iss < 0 || (size_t)iss >= w->n_iss) {
        cg_errf(err, errcap, "no such watched CA");
        return 0;
    }
    issuer *is = &w->iss[iss];
    if (!cg_crlfetch_url_ok(url) || strlen(url) >= CG_STORE_URL_MAX) {
        cg_errf(err, errcap, "'%.200s' is not an http:// or https:// URL", url);
        return 0;
    }
    if (is->n_urls >= MAX_URLS_PER_ISSUER) {
        cg_errf(err, errcap, "at most %d CRL URLs per CA", MAX_URLS_PER_ISSUER);
        return 0;
    }
    wurl *u = &is->urls[is->n_urls];
    memset(u, 0, sizeof(*u));
    u->url = strdup(url);
    if (u->url == NULL) {
        cg_errf(err, errcap, "out of memory");
        return 0;
    }
    u->is_list = is_list;
    is->n_urls++;
    return 1;
}

/* ---- one URL ---- */

int cg_crlw_store_fail(cg_crlwatch *w, const char *what)
{
    snprintf(w->err, sizeof(w->err), "%s: %s", what, cg_store_errmsg(w->st));
    return 0;
}

/* Marks url as handled in this round; 0 when it was already. */
static int first_time(cg_crlwatch *w, const char *url, int *nomem)
{
    int added = url_set_add(&w->done, url);
    *nomem = w->done.nomem;
    w->done.nomem = 0;
    return added;
}

static void sink_fn(void *arg, const cg_finding *f)
{
    cg_crlwatch *w = arg;
    w->stats.new_findings[cg_finding_severity(f)]++;
    if (w->sink != NULL)
        w->sink(w->sink_arg, f);
}

static void object_fn(void *arg, const uint8_t sha256[32], cg_kind kind, size_t index, int is_new)
{
    cg_crlwatch *w = arg;
    if (kind == CG_KIND_CRL && !w->got_crl) {
        w->got_crl = 1;
        memcpy(w->crl_sha, sha256, 32);
    }
}

/* Fills the CRL fields of src from the stored CRL object. */
static int crl_facts(cg_crlwatch *w, cg_store_crl_source *src)
{
    int found = 0;
    cg_store_object *o = cg_store_get1_object(w->st, w->crl_sha, &found);
    if (o == NULL)
        return found ? 0 : cg_crlw_store_fail(w, "reading the CRL just stored");
    cg_crl crl;
    cg_der_error derr;
    int64_t n = 0;
    src->has_crl = 1;
    memcpy(src->crl_sha256, w->crl_sha, 32);
    src->this_update = o->not_before;
    src->next_update = o->not_after;
    if (cg_crl_parse(&crl, o->der, o->der_len, &derr)) {
        cg_cbs it = crl.revoked;
        cg_crl_entry e;
        while (cg_crl_next_entry(&it, &e, crl.der.data, &derr))
            n++;
    }
    src->entries = n;
    cg_store_object_free(o);
    return 1;
}

static void span_text(int64_t s, char *buf, size_t cap)
{
    if (s >= 86400)
        snprintf(buf, cap, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(buf, cap, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, cap, "%llds", (long long)s);
}

typedef struct latest_arg {
    const uint8_t *sha;
    int found;
} latest_arg;

static int latest_fn(void *arg, const cg_store_object *o)
{
    latest_arg *a = arg;
    if (memcmp(o->sha256, a->sha, 32) == 0)
        a->found = 1;
    return !a->found;
}

/* crl.stale on the source's CRL when its nextUpdate has passed and it is
 * still the latest CRL of its scope in the store. */
static int check_stale(cg_crlwatch *w, const cg_store_crl_source *src)
{
    if (!src->has_crl || src->next_update == 0 || w->now <= src->next_update)
        return 1;
    int found = 0;
    cg_store_object *o = cg_store_get1_object(w->st, src->crl_sha256, &found);
    if (o == NULL)
        return found ? 0
                     : (cg_store_errmsg(w->st)[0] != '\0' ? cg_crlw_store_fail(w, "reading a CRL")
                                                          : 1);
    latest_arg la = {src->crl_sha256, 0};
    if (!cg_store_latest_crls(w->st, o->issuer, o->issuer_len, latest_fn, &la)) {
        cg_store_object_free(o);
        return cg_crlw_store_fail(w, "reading the latest CRLs");
    }
    if (!la.found) {
        cg_store_object_free(o);
        return 1; /* a newer CRL of its scope is stored (from another URL) */
    }
    char nu[32], at[32], span[64], msg[1024];
    cg_time_format(src->next_update, nu, sizeof(nu));
    cg_time_format(w->now, at, sizeof(at));
    span_text(w->now - src->next_update, span, sizeof(span));
    snprintf(msg, sizeof(msg),
             "CRL is stale: nextUpdate %s is before the evaluation time %s (by %s); a newer CRL "
             "should have replaced it, and %.600s serves none",
             nu, at, span, src->url);
    const cg_rule *rule = cg_rule_get(CG_R_CRL_STALE);
    cg_store_finding sf;
    int is_new = 0;
    memset(&sf, 0, sizeof(sf));
    sf.rule = rule->id;
    sf.severity = rule->severity;
    sf.has_object = 1;
    memcpy(sf.object, src->crl_sha256, 32);
    sf.message = msg;
    if (!cg_store_put_finding(w->st, &sf, w->now, &is_new, NULL)) {
        cg_store_object_free(o);
        return cg_crlw_store_fail(w, "storing crl.stale");
    }
    if (is_new) {
        cg_objref ref;
        cg_finding f;
        memset(&ref, 0, sizeof(ref));
        memset(&f, 0, sizeof(f));
        ref.file = o->file;
        ref.index = (size_t)o->index;
        ref.kind = CG_KIND_CRL;
        ref.has_hash = 1;
        memcpy(ref.sha256, o->sha256, 32);
        cg_cbs_init(&ref.issuer, o->issuer, o->issuer_len);
        f.rule = CG_R_CRL_STALE;
        f.obj = &ref;
        f.message = msg;
        w->stats.stale++;
        sink_fn(w, &f);
    }
    cg_store_object_free(o);
    return 1;
}

/* The open crl.unreachable finding's severity on obj: *open 0 when none. */
typedef struct open_arg {
    int open;
    cg_severity severity;
} open_arg;

static int open_fn(void *arg, const cg_store_finding *f)
{
    open_arg *a = arg;
    a->open = 1;
    a->severity = f->severity;
    return 0;
}

/* crl.unreachable (RULES.md): once every fetch of the URL has failed for
 * the grace (unreachable_after), a warning; once the last CRL fetched from
 * it has also passed its nextUpdate, an error (relying parties can no
 * longer get a current CRL from it). The finding is about that CRL, or
 * about the CA when the URL never served one (its certificate is stored by
 * the monitor; a CA that is not stored gets the finding printed and
 * alerted, not stored). A fetch that succeeds resolves it, so the next
 * outage is a new finding; the step from warning to error is a new finding
 * too (resolved and reported again at once), so it is alerted. */
static int check_unreachable(cg_crlwatch *w, const issuer *is, const cg_store_crl_source *src)
{
    const uint8_t *obj = src->has_crl ? src->crl_sha256 : is->sha256;
    cg_store_finding_filter flt;
    open_arg oa = {0, CG_SEV_WARNING};
    int resolved = 0;
    if (src->failing_since == 0) {
        if (!cg_store_resolve_open(w->st, cg_rule_get(CG_R_CRL_UNREACHABLE)->id, obj, w->now,
                                   &resolved))
            return cg_crlw_store_fail(w, "resolving crl.unreachable");
        if (resolved)
            cg_crlw_say(w, 0, src->url, "answers again: crl.unreachable resolved");
        return 1;
    }
    if (w->now - src->failing_since < w->o.unreachable_after)
        return 1;
    int expired = src->has_crl && src->next_update != 0 && w->now > src->next_update;
    cg_severity sev = expired ? CG_SEV_ERROR : CG_SEV_WARNING;
    char since[32], span[64], nu[32], left[64], msg[1400];
    cg_time_format(src->failing_since, since, sizeof(since));
    span_text(w->now - src->failing_since, span, sizeof(span));
    int n = snprintf(msg, sizeof(msg),
                     "CRL URL %.600s has served no CRL since %s (%s, %lld fetch%s in a row; the "
                     "last: %.300s)",
                     src->url, since, span, (long long)src->failures,
                     src->failures == 1 ? "" : "es", src->status);
    if (expired && n > 0 && (size_t)n < sizeof(msg)) {
        cg_time_format(src->next_update, nu, sizeof(nu));
        span_text(w->now - src->next_update, left, sizeof(left));
        snprintf(msg + n, sizeof(msg) - (size_t)n,
                 "; the last CRL fetched from it expired at its nextUpdate %s, %s ago, so "
                 "relying parties cannot get a current CRL from it",
                 nu, left);
    } else if (src->has_crl && src->next_update != 0 && n > 0 && (size_t)n < sizeof(msg)) {
        cg_time_format(src->next_update, nu, sizeof(nu));
        snprintf(msg + n, sizeof(msg) - (size_t)n,
                 "; the last CRL fetched from it is current until its nextUpdate %s", nu);
    }
    int found = 0;
    cg_store_object *o = cg_store_get1_object(w->st, obj, &found);
    if (o == NULL && (found || cg_store_errmsg(w->st)[0] != '\0'))
        return cg_crlw_store_fail(w, "reading the object of crl.unreachable");
    cg_objref ref;
    cg_finding f;
    memset(&ref, 0, sizeof(ref));
    memset(&f, 0, sizeof(f));
    ref.file = o != NULL ? o->file : src->url;
    ref.index = o != NULL ? (size_t)o->index : 0;
    ref.kind = src->has_crl ? CG_KIND_CRL : CG_KIND_CERT;
    ref.has_hash = 1;
    memcpy(ref.sha256, obj, 32);
    if (o != NULL)
        cg_cbs_init(&ref.issuer, o->issuer, o->issuer_len);
    f.rule = CG_R_CRL_UNREACHABLE;
    f.obj = &ref;
    f.message = msg;
    f.has_severity = 1;
    f.severity = sev;
    if (o == NULL) {
        /* not stored: said once a round while it lasts */
        sink_fn(w, &f);
        w->stats.unreachable++;
        return 1;
    }
    memset(&flt, 0, sizeof(flt));
    flt.rule = cg_rule_get(CG_R_CRL_UNREACHABLE)->id;
    flt.open_only = 1;
    flt.has_object = 1;
    memcpy(flt.object, obj, 32);
    int ok = cg_store_findings(w->st, &flt, open_fn, &oa);
    /* warning to error: a new finding, alerted */
    if (ok && oa.open && sev < oa.severity)
        ok = cg_store_resolve_open(w->st, flt.rule, obj, w->now, &resolved);
    cg_store_finding sf;
    int is_new = 0;
    memset(&sf, 0, sizeof(sf));
    sf.rule = flt.rule;
    sf.severity = sev;
    sf.has_object = 1;
    memcpy(sf.object, obj, 32);
    sf.message = msg;
    if (ok)
        ok = cg_store_put_finding(w->st, &sf, w->now, &is_new, NULL);
    if (!ok) {
        cg_store_object_free(o);
        return cg_crlw_store_fail(w, "storing crl.unreachable");
    }
    if (is_new) {
        w->stats.unreachable++;
        sink_fn(w, &f);
    }
    cg_store_object_free(o);
    return 1;
}

static int status_is(const cg_store_crl_source *src, const char *prefix)
{
    return strncmp(src->status, prefix, strlen(prefix)) == 0;
}

/* The source of url as the store has it (or a new one), as a source of
 * issuer is found through origin, fetched again (conditionally: with its
 * validators) into *r. The fetch is counted and recorded in the source.
 * NULL, with w->err, when memory or the store failed (*r is then still the
 * caller's to clear). */
static cg_store_crl_source *fetch_source(cg_crlwatch *w, const issuer *is, const char *url,
                                         int is_list, const char *origin, int conditional,
                                         cg_crlfetch_result *r)
{
    cg_store_crl_source *src = malloc(sizeof(*src));
    int found = 0;
    memset(r, 0, sizeof(*r));
    if (src == NULL) {
        snprintf(w->err, sizeof(w->err), "out of memory");
        return NULL;
    }
    if (!cg_store_crl_source_get(w->st, url, src, &found)) {
        cg_crlw_store_fail(w, "reading a CRL source");
        free(src);
        return NULL;
    }
    if (!found) {
        memset(src, 0, sizeof(*src));
        snprintf(src->url, sizeof(src->url), "%s", url);
    }
    src->is_list = is_list;
    src->has_issuer = 1;
    memcpy(src->issuer, is->sha256, 32);
    snprintf(src->issuer_label, sizeof(src->issuer_label), "%s", is->label);
    snprintf(src->origin, sizeof(src->origin), "%s", origin);
    if (!cg_crlfetch_get(url, conditional ? src->etag : NULL,
                         conditional ? src->last_modified : NULL, &w->o.fetch, r) &&
        r->status == CG_CRLFETCH_NOMEM) {
        snprintf(w->err, sizeof(w->err), "out of memory");
        free(src);
        return NULL;
    }
    w->stats.fetches++;
    src->last_fetch = w->now;
    src->http_code = r->http_code;
    return src;
}

/* A fetch that got no answer to use: one more failure in a row. */
static void fetch_failed(cg_crlwatch *w, cg_store_crl_source *src, const char *url,
                         const cg_crlfetch_result *r)
{
    w->stats.errors++;
    src->failures++;
    snprintf(src->status, sizeof(src->status), "%s: %.400s", cg_crlfetch_status_str(r->status),
             r->error);
    cg_crlw_say(w, 1, url, "%s (failure %lld in a row)", src->status, (long long)src->failures);
}

/* Fetches one CRL URL, ingests what is new and records the outcome.
 * Returns 0 only when the store failed. */
static int fetch_crl(cg_crlwatch *w, const issuer *is, const char *url, const char *origin)
{
    cg_crlfetch_result r;
    int ok = 0;
    cg_store_crl_source *src = fetch_source(w, is, url, 0, origin, 1, &r);
    if (src == NULL)
        goto out;
    if (r.status == CG_CRLFETCH_NOT_MODIFIED) {
        w->stats.unchanged++;
        if (r.etag[0] != '\0')
            snprintf(src->etag, sizeof(src->etag), "%s", r.etag);
        if (r.last_modified[0] != '\0')
            snprintf(src->last_modified, sizeof(src->last_modified), "%s", r.last_modified);
        /* still the body that was not a CRL, or still the good CRL */
        if (status_is(src, "malformed")) {
            src->failures++;
            snprintf(src->status, sizeof(src->status), "malformed (unchanged): 304 not modified");
        } else {
            src->failures = 0;
            snprintf(src->status, sizeof(src->status), "304 not modified");
        }
    } else if (r.status == CG_CRLFETCH_OK) {
        uint8_t body_sha[32];
        SHA256(r.body, r.len, body_sha);
        snprintf(src->etag, sizeof(src->etag), "%s", r.etag);
        snprintf(src->last_modified, sizeof(src->last_modified), "%s", r.last_modified);
        if (src->has_body && memcmp(body_sha, src->body_sha256, 32) == 0) {
            w->stats.unchanged++;
            if (status_is(src, "malformed")) {
                src->failures++;
                snprintf(src->status, sizeof(src->status),
                         "malformed (unchanged): 200, the same bytes as the last fetch");
            } else {
                src->failures = 0;
                snprintf(src->status, sizeof(src->status), "200 unchanged (same bytes)");
            }
        } else {
            char ierr[512];
            cg_ingest_opts io = {w->now, w->now, NULL};
            cg_ingest *ing = cg_ingest_new(w->st, &io, sink_fn, w);
            if (ing == NULL) {
                snprintf(w->err, sizeof(w->err), "out of memory");
                goto out;
            }
            w->got_crl = 0;
            cg_ingest_set_object_fn(ing, object_fn, w);
            cg_ingest_set_br_profile(ing, w->o.br_profile);
            if (w->mon != NULL)
                cg_monitor_batch_begin(w->mon);
            int ing_ok = cg_ingest_file(ing, url, r.body, r.len, ierr, sizeof(ierr));
            if (w->mon != NULL)
                cg_monitor_batch_end(w->mon);
            size_t malformed = cg_ingest_get0_stats(ing)->malformed;
            cg_ingest_free(ing);
            if (!ing_ok) {
                snprintf(w->err, sizeof(w->err), "%s", ierr);
                goto out;
            }
            src->has_body = 1;
            memcpy(src->body_sha256, body_sha, 32);
            src->last_change = w->now;
            if (w->got_crl && malformed == 0) {
                int same = src->has_crl && memcmp(src->crl_sha256, w->crl_sha, 32) == 0;
                if (!crl_facts(w, src))
                    goto out;
                src->failures = 0;
                if (same) {
                    w->stats.unchanged++;
                    snprintf(src->status, sizeof(src->status), "200 unchanged (same CRL)");
                } else {
                    char tu[32];
                    w->stats.new_crls++;
                    w->new_crl = 1;
                    cg_time_format(src->this_update, tu, sizeof(tu));
                    snprintf(src->status, sizeof(src->status), "200 new CRL");
                    cg_crlw_say(w, 0, url, "new CRL: thisUpdate %s, %lld entr%s, %zu bytes", tu,
                                (long long)src->entries, src->entries == 1 ? "y" : "ies", r.len);
                }
            } else {
                w->stats.errors++;
                src->failures++;
                snprintf(src->status, sizeof(src->status),
                         "malformed: 200, but %zu bytes that are not a CRL caguard can read "
                         "(input.malformed)",
                         r.len);
                cg_crlw_say(w, 1, url, "%s", src->status);
            }
        }
    } else {
        fetch_failed(w, src, url, &r);
    }
    /* When the failures began (a store from before failing_since was kept
     * counts from now). */
    if (src->failures == 0)
        src->failing_since = 0;
    else if (src->failing_since == 0)
        src->failing_since = w->now;
    if (!cg_store_crl_source_put(w->st, src)) {
        cg_crlw_store_fail(w, "recording a CRL fetch");
        goto out;
    }
    cg_monitor_series_crl(w->o.series, src->url, src->issuer_label, src->last_fetch,
                          src->last_change, src->has_crl ? src->next_update : 0,
                          src->has_crl && src->next_update != 0 && w->now > src->next_update,
                          src->failures);
    ok = check_stale(w, src) && check_unreachable(w, is, src);
out:
    cg_crlfetch_result_clear(&r);
    free(src);
    return ok;
}

/* Fetches a partitioned-CRL list; u->list keeps the last good expansion,
 * which a 304 (or a list that no longer parses) leaves in use. */
static int fetch_list(cg_crlwatch *w, const issuer *is, wurl *u)
{
    cg_crlfetch_result r;
    int ok = 0;
    /* Without the expansion in memory (a new process), a 304 would tell
     * nothing: fetch it whole. */
    cg_store_crl_source *src = fetch_source(w, is, u->url, 1, "config", u->list != NULL, &r);
    if (src == NULL)
        goto out;
    if (r.status == CG_CRLFETCH_NOT_MODIFIED) {
        w->stats.unchanged++;
        src->failures = 0;
        snprintf(src->status, sizeof(src->status), "304 not modified (%zu CRL URLs)", u->n_list);
    } else if (r.status == CG_CRLFETCH_OK) {
        char **urls = NULL, perr[512];
        size_t n = 0;
        if (cg_crlfetch_parse_list(r.body, r.len, &urls, &n, perr, sizeof(perr))) {
            cg_crlfetch_list_free(u->list, u->n_list);
            u->list = urls;
            u->n_list = n;
            snprintf(src->etag, sizeof(src->etag), "%s", r.etag);
            snprintf(src->last_modified, sizeof(src->last_modified), "%s", r.last_modified);
            uint8_t sha[32];
            SHA256(r.body, r.len, sha);
            if (!src->has_body || memcmp(sha, src->body_sha256, 32) != 0)
                src->last_change = w->now;
            memcpy(src->body_sha256, sha, 32);
            src->has_body = 1;
            src->failures = 0;
            snprintf(src->status, sizeof(src->status), "200 list of %zu CRL URLs", n);
        } else {
            w->stats.errors++;
            src->failures++;
            /* validators not kept: the next fetch gets the list whole */
            src->etag[0] = '\0';
            src->last_modified[0] = '\0';
            snprintf(src->status, sizeof(src->status),
                     "malformed: not a JSON array of CRL URLs: %.400s", perr);
            cg_crlw_say(w, 1, u->url, "%s%s", src->status,
                        u->list != NULL ? " (the URLs of the last good list are fetched)" : "");
        }
    } else {
        fetch_failed(w, src, u->url, &r);
    }
    if (!cg_store_crl_source_put(w->st, src)) {
        cg_crlw_store_fail(w, "recording a CRL list fetch");
        goto out;
    }
    ok = 1;
out:
    cg_crlfetch_result_clear(&r);
    free(src);
    return ok;
}

/* ---- CRL distribution points of the stored certificates ---- */

static void dp_add(url_set *d, const cg_cbs *uri)
{
    char url[CG_STORE_URL_MAX];
    if (uri->len == 0 || uri->len >= sizeof(url))
        return;
    memcpy(url, uri->data, uri->len);
    url[uri->len] = '\0';
    if (strlen(url) != uri->len || !cg_crlfetch_url_ok(url))
        return; /* ldap:, or not a URL caguard fetches */
    url_set_add(d, url);
}

/* The fullName URIs of a CRLDistributionPoints extnValue. */
static void dp_collect(url_set *d, const uint8_t *p, size_t n)
{
    cg_cbs in, dps, dp, dpn, full, gn;
    uint8_t tag;
    size_t hdr;
    int present;
    cg_cbs_init(&in, p, n);
    if (!cg_cbs_get_asn1(&in, &dps, CG_ASN1_SEQUENCE))
        return;
    while (cg_cbs_get_asn1(&dps, &dp, CG_ASN1_SEQUENCE)) {
        if (!cg_cbs_get_optional_asn1(&dp, &dpn, &present, CG_ASN1_CTX_CONS(0)) || !present ||
            !cg_cbs_get_asn1(&dpn, &full, CG_ASN1_CTX_CONS(0)))
            continue;
        while (cg_cbs_get_any_asn1_element(&full, &gn, &tag, &hdr)) {
            if (tag != CG_ASN1_CTX(6) || !cg_cbs_skip(&gn, hdr))
                continue;
            dp_add(d, &gn);
        }
    }
}

static int sample_fn(void *arg, const cg_store_object *o)
{
    url_set *d = arg;
    if (o->crldp != NULL && o->crldp_len > 0)
        dp_collect(d, o->crldp, o->crldp_len);
    return !d->nomem;
}

typedef struct names {
    cg_cbs *v; /* owned copies */
    size_t n, cap;
    const uint8_t *subject;
    size_t subject_len;
    int nomem;
} names;

static int name_fn(void *arg, const uint8_t *p, size_t n)
{
    names *l = arg;
    cg_cbs a, b;
    cg_cbs_init(&a, p, n);
    cg_cbs_init(&b, l->subject, l->subject_len);
    if (!cg_name_equal(&a, &b, NULL))
        return 1;
    uint8_t *c = malloc(n > 0 ? n : 1);
    if (c == NULL || !cg_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
        free(c);
        l->nomem = 1;
        return 0;
    }
    memcpy(c, p, n);
    cg_cbs_init(&l->v[l->n++], c, n);
    return 1;
}

/* The http(s) CRL distribution points of the CA's stored certificates that
 * are valid now, over every encoding of its Name in their issuer field. */
static int crlurl_set(cg_crlwatch *w, const issuer *is, url_set *d)
{
    names l;
    int ok = 1;
    memset(&l, 0, sizeof(l));
    l.subject = is->subject;
    l.subject_len = is->subject_len;
    if (!cg_store_issuer_names(w->st, 0, name_fn, &l))
        ok = cg_crlw_store_fail(w, "reading issuer names");
    for (size_t i = 0; ok && !l.nomem && i < l.n; i++) {
        if (!cg_store_cert_samples(w->st, l.v[i].data, l.v[i].len, w->now, sample_fn, d))
            ok = cg_crlw_store_fail(w, "reading certificates' CRL distribution points");
    }
    if (ok && (l.nomem || d->nomem)) {
        snprintf(w->err, sizeof(w->err), "out of memory");
        ok = 0;
    }
    for (size_t i = 0; i < l.n; i++)
        free((void *)l.v[i].data);
    free(l.v);
    return ok;
}

/* ---- a round ---- */

static int fetch_url(cg_crlwatch *w, const issuer *is, const char *url, const char *origin)
{
    int nomem = 0;
    if (!first_time(w, url, &nomem)) {
        if (nomem)
            snprintf(w->err, sizeof(w->err), "out of memory");
        return !nomem;
    }
    return fetch_crl(w, is, url, origin);
}

static int run_issuer(cg_crlwatch *w, issuer *is)
{
    for (size_t i = 0; i < is->n_urls; i++) {
        wurl *u = &is->urls[i];
        if (!u->is_list && !fetch_url(w, is, u->url, "config"))
            return 0;
    }
    for (size_t i = 0; i < is->n_urls; i++) {
        wurl *u = &is->urls[i];
        int nomem = 0;
        if (!u->is_list)
            continue;
        if (!first_time(w, u->url, &nomem)) {
            if (nomem)
                return 0;
        } else if (!fetch_list(w, is, u)) {
            return 0;
        }
        for (size_t j = 0; j < u->n_list; j++) {
            if (!fetch_url(w, is, u->list[j], "list"))
                return 0;
        }
    }
    if (is->use_crldp) {
        url_set d;
        int ok;
        memset(&d, 0, sizeof(d));
        ok = crlurl_set(w, is, &d);
        for (size_t i = 0; ok && i < d.n; i++)
            ok = fetch_url(w, is, d.v[i], "crldp");
        url_set_clear(&d);
        if (!ok)
            return 0;
    }
    return 1;
}

int cg_crlwatch_run(cg_crlwatch *w, int64_t now, char *err, size_t errcap)
{
    int ok = 1;
    w->now = now;
    w->new_crl = 0;
    w->err[0] = '\0';
    url_set_clear(&w->done);
    for (size_t i = 0; ok && i < w->n_iss; i++)
        ok = run_issuer(w, &w->iss[i]);
    if (ok && w->new_crl)
        ok = cg_crlw_update_incidents(w);
    url_set_clear(&w->done);
    if (!ok)
        cg_errf(err, errcap, "%s", w->err[0] != '\0' ? w->err : "store failure");
    return ok;
}

/* ---- as a monitor task ---- */

static void monitor_sink(void *arg, const cg_finding *f)
{
    cg_monitor_emit(arg, f);
}

static int task(void *arg, cg_monitor *m, int64_t now)
{
    cg_crlwatch *w = arg;
    char err[512];
    if (cg_crlwatch_run(w, now, err, sizeof(err)))
        return 1;
    cg_crlw_say(w, 1, NULL, "CRL round failed: %s", err);
    return 0;
}

int cg_crlwatch_add_to_monitor(cg_crlwatch *w, cg_monitor *m, int interval_s)
{
    w->sink = monitor_sink;
    w->sink_arg = m;
    w->mon = m;
    return cg_monitor_add_task(m, interval_s, task, w);
}
