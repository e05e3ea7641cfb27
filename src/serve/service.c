/* caguard serve (service.h): routing, the bearer token, the pkimetal and
 * native endpoints, health, metrics and the access log, over the listener
 * of obs/httpd.h. The gate's endpoints are in gate.c.
 *
 * Invariants: `cur` is the snapshot new requests get; a request holds a
 * reference to the snapshot it started with, and a snapshot is freed when
 * its last reference goes (the swap drops the service's own). Metric label
 * values are never taken from the request: an endpoint label is one of
 * the routes (or "other"), a rule label one of the rule table's IDs. */
#include "serve/service.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ct/loglist.h"
#include "obs/httpd.h"
#include "obs/metrics.h"
#include "serve/answer.h"
#include "serve/decode.h"
#include "serve/gate.h"
#include "x509/tbs.h"
#include "x509/time.h"

typedef struct snapshot {
    cg_prepared *p;
    int64_t lists_time;
    int64_t loaded_at;
    atomic_int refs;
} snapshot;

struct cg_serve {
    cg_serve_opts o;
    char *token;
    size_t token_len;
    cg_httpd *httpd;
    unsigned threads;
    pthread_mutex_t mu; /* cur */
    snapshot *cur;
    cg_serve_gate *gate; /* NULL without a store */
    cg_metrics *metrics;
    cg_metric *requests, *latency, *findings, *list_age, *list_loaded, *list_logs, *cas,
        *in_flight, *reloads;
};

/* ---- routes ---- */

typedef enum {
    R_LINTCERT,
    R_LINTTBSCERT,
    R_LINTCRL,
    R_LINTTBSCRL,
    R_LINTERS,
    R_PROFILES,
    R_CHECK,
    R_GATE_PRECERT,
    R_GATE_CERT,
    R_HEALTHZ,
    R_METRICS,
    R_OTHER
} route;

static const struct {
    const char *path;
    const char *method;
    const char *field; /* pkimetal's own name for b64input */
} routes[] = {
    [R_LINTCERT] = {"/lintcert", "POST", "b64cert"},
    [R_LINTTBSCERT] = {"/linttbscert", "POST", "b64tbscert"},
    [R_LINTCRL] = {"/lintcrl", "POST", "b64crl"},
    [R_LINTTBSCRL] = {"/linttbscrl", "POST", "b64tbscrl"},
    [R_LINTERS] = {"/linters", "GET", NULL},
    [R_PROFILES] = {"/profiles", "GET", NULL},
    [R_CHECK] = {"/v1/check", "POST", NULL},
    [R_GATE_PRECERT] = {"/v1/gate/precert", "POST", NULL},
    [R_GATE_CERT] = {"/v1/gate/cert", "POST", NULL},
    [R_HEALTHZ] = {"/healthz", "GET", NULL},
    [R_METRICS] = {"/metrics", "GET", NULL},
    [R_OTHER] = {"other", NULL, NULL},
};

static route route_of(const char *path)
{
    for (int r = 0; r < R_OTHER; r++) {
        if (strcmp(routes[r].path, path) == 0)
            return (route)r;
    }
    return R_OTHER;
}

/* ---- snapshots ---- */

static snapshot *snap_get(cg_serve *s)
{
    pthread_mutex_lock(&s->mu);
    snapshot *sn = s->cur;
    if (sn != NULL)
        atomic_fetch_add(&sn->refs, 1);
    pthread_mutex_unlock(&s->mu);
    return sn;
}

static void snap_put(snapshot *sn)
{
    if (sn != NULL && atomic_fetch_sub(&sn->refs, 1) == 1) {
        cg_prepared_free(sn->p);
        free(sn);
    }
}

void cg_serve_swap(cg_serve *s, cg_prepared *p, int64_t lists_time)
{
    snapshot *sn = calloc(1, sizeof(*sn));
    if (sn == NULL) {
        cg_prepared_free(p);
        return;
    }
    sn->p = p;
    sn->lists_time = lists_time;
    sn->loaded_at = (int64_t)time(NULL);
    atomic_init(&sn->refs, 1);
    pthread_mutex_lock(&s->mu);
    snapshot *old = s->cur;
    s->cur = sn;
    pthread_mutex_unlock(&s->mu);
    if (old != NULL)
        cg_metric_inc(s->reloads, NULL);
    snap_put(old);
}

/* ---- answers ---- */

static void answer(cg_http_response *resp, unsigned status, const char *type, char *body,
                   size_t len)
{
    if (body == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}\n";
        resp->status = 503;
        resp->content_type = "application/json";
        resp->body = strdup(oom);
        resp->body_len = resp->body != NULL ? sizeof(oom) - 1 : 0;
        return;
    }
    resp->status = status;
    resp->content_type = type;
    resp->body = body;
    resp->body_len = len;
}

static void answer_error(cg_http_response *resp, const cg_http_request *req, unsigned status,
                         const char *message)
{
    size_t len = 0;
    char *body = cg_serve_error_json(message, req->id, &len);
    answer(resp, status, "application/json", body, len);
}

/* The snapshot a check runs on, or NULL after answering 503: nothing is
 * loaded yet. */
static snapshot *snap_ready(cg_serve *s, cg_http_response *resp, const cg_http_request *req)
{
    snapshot *sn = snap_get(s);
    if (sn == NULL)
        answer_error(resp, req, 503, "not ready: no log lists and CA certificates loaded yet");
    return sn;
}

static void count_findings(cg_serve *s, const cg_serve_findings *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        const cg_rule *r = cg_rule_get(fs->f[i].rule);
        cg_metric_inc(s->findings, (const char *[]){r->id, cg_severity_name(r->severity)});
    }
}

/* ---- pkimetal's endpoints ---- */

/* A parameter as pkimetal reads one: the form's, else the query's. */
static const char *param(const cg_form *form, const cg_http_request *req, const char *name)
{
    const cg_form_field *f = form != NULL ? cg_form_get(form, name) : NULL;
    if (f != NULL && f->len > 0)
        return (const char *)f->value;
    const char *q = cg_http_query(req, name);
    return q != NULL && q[0] != '\0' ? q : NULL;
}

static void lint(cg_serve *s, route r, const cg_http_request *req, cg_http_response *resp)
{
    int tbs = r == R_LINTTBSCERT || r == R_LINTTBSCRL, crl = r == R_LINTCRL || r == R_LINTTBSCRL;
    cg_pki_format fmt = CG_PKI_JSON;
    cg_form form;
    int have_form = 0, level = 0;
    char err[512], type[64], msg[700];
    const char *code = NULL;
    uint8_t *der = NULL, *wrapped = NULL;
    size_t der_len = 0, len = 0;
    const char *field = routes[r].field;
    char *body;
    cg_serve_findings fs;
    snapshot *sn = NULL;
    memset(&form, 0, sizeof(form));
    memset(&fs, 0, sizeof(fs));
    msg[0] = '\0';

    /* The format first, from the query or Accept, so that even a body that
     * cannot be read is answered in it; the form's own "format" wins once
     * the form is read. */
    const char *f = cg_http_query(req, "format");
    const char *accept = cg_http_header(req, "Accept");
    if (f == NULL && accept != NULL)
        f = strcmp(accept, "text/html") == 0    ? "html"
            : strcmp(accept, "text/plain") == 0 ? "text"
                                                : NULL;
    if (f != NULL && f[0] != '\0' && !cg_pki_format_parse(f, &fmt)) {
        snprintf(msg, sizeof(msg),
                 "Unrecognised response format \"%.32s\" (want json, text or "
                 "html)",
                 f);
        goto bad;
    }
    cg_serve_media_type(cg_http_header(req, "Content-Type"), type, sizeof(type));
    if (req->body_len == 0) {
        snprintf(msg, sizeof(msg), "Empty request body");
        goto bad;
    }
    if (strcmp(type, "application/x-www-form-urlencoded") == 0 ||
        strcmp(type, "multipart/form-data") == 0) {
        if (!cg_form_parse(&form, cg_http_header(req, "Content-Type"), req->body, req->body_len,
                           err, sizeof(err))) {
            snprintf(msg, sizeof(msg), "Unrecognised input: %s", err);
            goto bad;
        }
        have_form = 1;
        f = param(&form, req, "format");
        if (f != NULL && !cg_pki_format_parse(f, &fmt)) {
            snprintf(msg, sizeof(msg),
                     "Unrecognised response format \"%.32s\" (want json, text or html)", f);
            goto bad;
        }
        const cg_form_field *in = cg_form_get(&form, field);
        if (in == NULL || in->len == 0) {
            in = cg_form_get(&form, "b64input");
            field = "b64input";
        }
        if (in == NULL || in->len == 0) {
            snprintf(msg, sizeof(msg), "Unrecognised input: no form field %s or b64input",
                     routes[r].field);
            goto bad;
        }
        der = cg_serve_decode_b64(in->value, in->len,
                                  tbs   ? CG_OBJ_ANY
                                  : crl ? CG_OBJ_CRL
                                        : CG_OBJ_CERT,
                                  field, &der_len, err, sizeof(err));
        if (der == NULL) {
            snprintf(msg, sizeof(msg), "Unrecognised input: %s", err);
            goto bad;
        }
    } else if ((strcmp(type, "application/pkix-cert") == 0 && r == R_LINTCERT) ||
               (strcmp(type, "application/pkix-crl") == 0 && r == R_LINTCRL) ||
               (strcmp(type, "application/octet-stream") == 0 && tbs)) {
        der = malloc(req->body_len);
        if (der == NULL)
            goto oom;
        memcpy(der, req->body, req->body_len);
        der_len = req->body_len;
        field = "body";
    } else {
        snprintf(msg, sizeof(msg),
                 "Unrecognised input: Content-Type \"%s\" is not accepted by %s (want "
                 "application/x-www-form-urlencoded or multipart/form-data%s)",
                 type, routes[r].path,
                 r == R_LINTCERT  ? ", or application/pkix-cert"
                 : r == R_LINTCRL ? ", or application/pkix-crl"
                                  : ", or application/octet-stream");
        goto bad;
    }
    const char *profile = param(have_form ? &form : NULL, req, "profile");
    if (profile != NULL && !cg_pki_profile_known(profile)) {
        snprintf(msg, sizeof(msg), "Unrecognised profile \"%.64s\" (GET /profiles lists them)",
                 profile);
        goto bad;
    }
    const char *sev = param(have_form ? &form : NULL, req, "severity");
    if (!cg_pki_severity_parse(sev, &level)) {
        snprintf(msg, sizeof(msg),
                 "Unrecognised severity \"%.32s\" (want meta, debug, info, notice, warning, "
                 "error, bug or fatal)",
                 sev);
        goto bad;
    }
    if (tbs) {
        wrapped = cg_tbs_wrap(der, der_len, crl, &len, err, sizeof(err));
        if (wrapped == NULL) {
            snprintf(msg, sizeof(msg), "Unrecognised input: %s: %s", field, err);
            code = "input.malformed";
            goto bad;
        }
        free(der);
        der = wrapped;
        der_len = len;
    }
    /* The object must be of the endpoint's kind. */
    cg_cert cert;
    cg_crl crlv;
    cg_der_error derr;
    if (!crl && cg_crl_parse(&crlv, der, der_len, &derr)) {
        snprintf(msg, sizeof(msg),
                 "Unrecognised input: %s holds a CRL, not a certificate "
                 "(post it to /lintcrl)",
                 field);
        goto bad;
    }
    if (crl && cg_cert_parse(&cert, der, der_len, &derr)) {
        snprintf(msg, sizeof(msg),
                 "Unrecognised input: %s holds a certificate, not a CRL "
                 "(post it to /lintcert)",
                 field);
        goto bad;
    }
    sn = snap_ready(s, resp, req);
    if (sn == NULL)
        goto out;
    cg_ctx ctx;
    cg_file_result res;
    cg_prepared_input input = {field, der, der_len};
    cg_ctx_init(&ctx, (int64_t)time(NULL), cg_serve_findings_sink, &fs);
    ctx.br_profile = !s->o.no_br_profile;
    if (!cg_prepared_run(sn->p, &ctx, &input, 1, &res) || fs.failed)
        goto oom;
    count_findings(s, &fs);
    if (res.malformed > 0) {
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.f[i].rule == CG_R_INPUT_MALFORMED) {
                snprintf(msg, sizeof(msg), "Unrecognised input: %s", fs.f[i].message);
                break;
            }
        }
        code = "input.malformed";
        goto bad;
    }
    body = cg_pki_answer(&fs, fmt, level, profile, &len);
    answer(resp, 200, cg_pki_content_type(fmt), body, len);
    goto out;
bad:
    body = cg_pki_error(fmt, code, msg, &len);
    answer(resp, 400, cg_pki_content_type(fmt), body, len);
    goto out;
oom:
    answer(resp, 503, NULL, NULL, 0);
out:
    snap_put(sn);
    cg_serve_findings_clear(&fs);
    cg_form_clear(&form);
    free(der);
}

/* ---- the native check ---- */

static void check(cg_serve *s, const cg_http_request *req, cg_http_response *resp)
{
    cg_serve_objects objs;
    cg_serve_findings fs;
    cg_prepared_input in[CG_SERVE_MAX_OBJECTS];
    char names[CG_SERVE_MAX_OBJECTS][32], err[512];
    size_t len = 0;
    snapshot *sn = NULL;
    memset(&fs, 0, sizeof(fs));
    fs.keep_json = 1;
    if (!cg_serve_parse_check(req->body, req->body_len, &objs, err, sizeof(err))) {
        answer_error(resp, req, 400, err);
        return;
    }
    for (size_t i = 0; i < objs.n; i++) {
        snprintf(names[i], sizeof(names[i]), "objects[%zu]", i);
        in[i] = (cg_prepared_input){names[i], objs.data[i], objs.len[i]};
    }
    sn = snap_ready(s, resp, req);
    if (sn == NULL)
        goto out;
    cg_ctx ctx;
    cg_file_result res;
    cg_ctx_init(&ctx, objs.has_at ? objs.at : (int64_t)time(NULL), cg_serve_findings_sink, &fs);
    ctx.br_profile = !s->o.no_br_profile;
    if (!cg_prepared_run(sn->p, &ctx, in, objs.n, &res) || fs.failed) {
        answer(resp, 503, NULL, NULL, 0);
        goto out;
    }
    count_findings(s, &fs);
    if (res.malformed > 0) {
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.f[i].rule == CG_R_INPUT_MALFORMED) {
                answer_error(resp, req, 400, fs.f[i].message);
                goto out;
            }
        }
    }
    char *body = cg_serve_native_answer(&fs, fs.count[CG_SEV_ERROR] == 0, NULL, &len);
    answer(resp, 200, "application/json", body, len);
out:
    snap_put(sn);
    cg_serve_findings_clear(&fs);
    cg_serve_objects_clear(&objs);
}

/* ---- health and metrics ---- */

static void healthz(cg_serve *s, const cg_http_request *req, cg_http_response *resp)
{
    snapshot *sn = snap_get(s);
    char body[512], why[256] = "";
    int gate_ok = s->gate == NULL || cg_serve_gate_ping(s->gate, why, sizeof(why));
    int ok = sn != NULL && gate_ok;
    size_t n = (size_t)snprintf(
        body, sizeof(body), "{\"status\":\"%s\",\"logs\":%zu,\"cas\":%zu,\"gate\":\"%s\"%s}\n",
        ok ? "ok" : "unavailable", sn != NULL ? cg_prepared_n_logs(sn->p) : 0,
        sn != NULL ? cg_prepared_n_cas(sn->p) : 0,
        s->gate == NULL ? "off"
        : gate_ok       ? "ok"
                        : "unavailable",
        gate_ok ? "" : ",\"error\":\"the gate's store does not answer\"");
    snap_put(sn);
    (void)req;
    answer(resp, ok ? 200 : 503, "application/json", strdup(body), n);
}

static void collect(void *arg)
{
    cg_serve *s = arg;
    snapshot *sn = snap_get(s);
    if (sn != NULL) {
        cg_metric_set(s->list_age, NULL, (double)((int64_t)time(NULL) - sn->lists_time));
        cg_metric_set(s->list_loaded, NULL, (double)sn->loaded_at);
        cg_metric_set(s->list_logs, NULL, (double)cg_prepared_n_logs(sn->p));
        cg_metric_set(s->cas, NULL, (double)cg_prepared_n_cas(sn->p));
    }
    snap_put(sn);
    if (s->httpd != NULL)
        cg_metric_set(s->in_flight, NULL, (double)cg_httpd_in_flight(s->httpd));
}

static void metrics(cg_serve *s, cg_http_response *resp)
{
    size_t len = 0;
    char *t = cg_metrics_render(s->metrics, &len);
    answer(resp, 200, CG_METRICS_CONTENT_TYPE, t, len);
}

/* ---- the handler ---- */

/* "Bearer TOKEN", compared in constant time. */
static int authorized(const cg_serve *s, const cg_http_request *req)
{
    const char *h = cg_http_header(req, "Authorization");
    if (s->token == NULL)
        return 1;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    return n == s->token_len && CRYPTO_memcmp(h, s->token, n) == 0;
}

static void handle(void *arg, const cg_http_request *req, cg_http_response *resp)
{
    cg_serve *s = arg;
    route r = route_of(req->path);
    if (r == R_OTHER) {
        answer_error(resp, req, 404, "no such endpoint (see docs/serve.md)");
        return;
    }
    if (r != R_HEALTHZ && !authorized(s, req)) {
        answer_error(resp, req, 401,
                     "a valid bearer token is required (Authorization: Bearer "
                     "TOKEN)");
        cg_http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"caguard\"");
        return;
    }
    if (strcmp(req->method, routes[r].method) != 0 &&
        !(strcmp(req->method, "HEAD") == 0 && strcmp(routes[r].method, "GET") == 0)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s takes %s only", routes[r].path, routes[r].method);
        answer_error(resp, req, 405, msg);
        cg_http_response_header(resp, "Allow", routes[r].method);
        return;
    }
    size_t len = 0;
    char *body;
    switch (r) {
    case R_LINTCERT:
    case R_LINTTBSCERT:
    case R_LINTCRL:
    case R_LINTTBSCRL:
        lint(s, r, req, resp);
        cg_http_response_header(resp, "Access-Control-Allow-Origin", "*");
        break;
    case R_LINTERS:
        body = cg_pki_linters(s->threads, &len);
        answer(resp, 200, "application/json; charset=UTF-8", body, len);
        break;
    case R_PROFILES:
        body = cg_pki_profiles(&len);
        answer(resp, 200, "application/json; charset=UTF-8", body, len);
        break;
    case R_CHECK:
        check(s, req, resp);
        break;
    case R_GATE_PRECERT:
    case R_GATE_CERT:
        if (s->gate == NULL) {
            answer_error(resp, req, 404,
                         "the gate is off: start caguard serve with --store to use it");
            break;
        }
        {
            snapshot *sn = snap_ready(s, resp, req);
            cg_serve_gate_result g;
            if (sn == NULL)
                break;
            cg_serve_gate_handle(s->gate, sn->p, r == R_GATE_CERT, req->body, req->body_len,
                                 req->id, &g);
            snap_put(sn);
            count_findings(s, &g.findings);
            answer(resp, g.status, "application/json", g.body, g.len);
            cg_serve_findings_clear(&g.findings);
        }
        break;
    case R_HEALTHZ:
        healthz(s, req, resp);
        break;
    case R_METRICS:
        metrics(s, resp);
        break;
    case R_OTHER:
        break;
    }
}

static void done(void *arg, const cg_http_request *req, unsigned status, size_t body_len,
                 double seconds)
{
    cg_serve *s = arg;
    route r = route_of(req->path);
    char code[8];
    snprintf(code, sizeof(code), "%u", status);
    cg_metric_inc(s->requests, (const char *[]){routes[r].path, code});
    cg_metric_observe(s->latency, (const char *[]){routes[r].path}, seconds);
    if (s->o.access_log != NULL) {
        char when[32];
        cg_time_format((int64_t)time(NULL), when, sizeof(when));
        /* The path of an unknown route is not echoed: it is the client's
         * text, and the log is read by people and tools. */
        fprintf(s->o.access_log, "%s caguard serve: %s %s %s %u %zu %.3fms id=%s\n", when,
                req->client[0] != '\0' ? req->client : "-", req->method,
                r == R_OTHER ? "(other)" : routes[r].path, status, body_len, seconds * 1e3,
                req->id);
        fflush(s->o.access_log);
    }
}

/* ---- life ---- */

cg_serve *cg_serve_new(const cg_serve_opts *o, char *err, size_t errcap)
{
    cg_serve *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    if (o->token != NULL) {
        s->token = strdup(o->token);
        s->token_len = strlen(o->token);
        if (s->token == NULL || s->token_len == 0) {
            snprintf(err, errcap, "the bearer token is empty");
            goto err;
        }
    }
    s->metrics = cg_metrics_new();
    if (s->metrics == NULL || !cg_metrics_add_process(s->metrics))
        goto oom;
    const char *ep[] = {"endpoint", "code"}, *rs[] = {"rule", "severity"};
    s->requests = cg_metrics_counter(s->metrics, "caguard_serve_requests_total",
                                     "Requests answered, by endpoint and HTTP status", 2, ep);
    s->latency =
        cg_metrics_histogram(s->metrics, "caguard_serve_request_duration_seconds",
                             "Time from the request line to the answer, by endpoint", 1, ep,
                             cg_metrics_latency_buckets, cg_metrics_n_latency_buckets);
    s->findings = cg_metrics_counter(s->metrics, "caguard_serve_findings_total",
                                     "Findings reported in answers, by rule and severity", 2, rs);
    s->list_age = cg_metrics_gauge(
        s->metrics, "caguard_serve_loglist_age_seconds",
        "Seconds since the log lists in use were published (their log_list_timestamp; for a "
        "list without one, since it was read)",
        0, NULL);
    s->list_loaded =
        cg_metrics_gauge(s->metrics, "caguard_serve_loglist_loaded_timestamp_seconds",
                         "When the log lists and CA certificates in use were read", 0, NULL);
    s->list_logs = cg_metrics_gauge(s->metrics, "caguard_serve_loglist_logs",
                                    "CT logs in the log lists in use", 0, NULL);
    s->cas = cg_metrics_gauge(s->metrics, "caguard_serve_ca_certificates",
                              "CA certificates checks are made with", 0, NULL);
    s->in_flight = cg_metrics_gauge(s->metrics, "caguard_serve_requests_in_flight",
                                    "Requests being handled", 0, NULL);
    s->reloads = cg_metrics_counter(s->metrics, "caguard_serve_reloads_total",
                                    "Log lists and CA certificates read again (SIGHUP, "
                                    "reload_interval)",
                                    0, NULL);
    if (o->store != NULL) {
        s->gate = cg_serve_gate_new(o->store, s->metrics, err, errcap);
        if (s->gate == NULL)
            goto err;
        cg_serve_gate_set_br_profile(s->gate, !o->no_br_profile);
    }
    if (s->requests == NULL || s->latency == NULL || s->findings == NULL || s->list_age == NULL ||
        s->list_loaded == NULL || s->list_logs == NULL || s->cas == NULL || s->in_flight == NULL ||
        s->reloads == NULL || !cg_metrics_on_collect(s->metrics, collect, s))
        goto oom;
    return s;
oom:
    snprintf(err, errcap, "out of memory");
err:
    cg_serve_free(s, 0);
    return NULL;
}

int cg_serve_start(cg_serve *s, char *err, size_t errcap)
{
    cg_httpd_opts ho = {0};
    ho.listen = s->o.listen;
    ho.threads = s->o.threads;
    ho.max_body = s->o.max_body;
    ho.timeout = s->o.timeout;
    ho.handler = handle;
    ho.done = done;
    ho.arg = s;
    s->httpd = cg_httpd_start(&ho, err, errcap);
    if (s->httpd == NULL)
        return 0;
    s->threads = ho.threads;
    if (s->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->threads = n > 0 ? (unsigned)n : 2;
    }
    return 1;
}

const char *cg_serve_address(const cg_serve *s)
{
    return s->httpd != NULL ? cg_httpd_address(s->httpd) : "";
}

void cg_serve_free(cg_serve *s, unsigned grace_seconds)
{
    if (s == NULL)
        return;
    cg_httpd_stop(s->httpd, grace_seconds);
    cg_serve_gate_free(s->gate);
    snap_put(s->cur);
    cg_metrics_free(s->metrics);
    free(s->token);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
