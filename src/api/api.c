/* The public API (include/caguard/caguard.h) over the checker. */
#include "caguard/caguard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct/loglist.h"
#include "der/pem.h"
#include "rules/checker.h"
#include "rules/prepared.h"
#include "x509/tbs.h"

typedef struct buffer {
    char *name;
    uint8_t *data;
    size_t len;
} buffer;

struct caguard_context {
    cg_prepared *p;
};

struct caguard_checker {
    int64_t at;
    int no_br_profile;    /* caguard_checker_set_br_profile(c, 0) */
    caguard_context *ctx; /* borrowed; NULL: the checker's own lists */
    cg_loglist *loglist;
    buffer *bufs;
    size_t n, cap;
};

struct caguard_finding {
    const cg_finding *f;
    char sha[65];
};

static int fail(char *err, size_t cap, const char *msg)
{
    if (err != NULL && cap > 0)
        snprintf(err, cap, "%s", msg);
    return 0;
}

caguard_checker *caguard_checker_new(void)
{
    caguard_checker *c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->at = (int64_t)time(NULL);
    return c;
}

void caguard_checker_free(caguard_checker *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->bufs[i].name);
        free(c->bufs[i].data);
    }
    free(c->bufs);
    cg_loglist_free(c->loglist);
    free(c);
}

caguard_context *caguard_context_new(void)
{
    caguard_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    ctx->p = cg_prepared_new();
    if (ctx->p == NULL) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

void caguard_context_free(caguard_context *ctx)
{
    if (ctx == NULL)
        return;
    cg_prepared_free(ctx->p);
    free(ctx);
}

int caguard_context_add_loglist(caguard_context *ctx, const uint8_t *json, size_t len, char *err,
                                size_t errcap)
{
    return cg_prepared_add_loglist(ctx->p, json, len, "log list", err, errcap);
}

int caguard_context_add_default_loglists(caguard_context *ctx, char *err, size_t errcap)
{
    return cg_prepared_add_default_loglists(ctx->p, NULL, err, errcap);
}

int caguard_context_add_ca(caguard_context *ctx, const uint8_t *data, size_t len, char *err,
                           size_t errcap)
{
    return cg_prepared_add_cas(ctx->p, "CA certificates", data, len, NULL, err, errcap);
}

caguard_checker *caguard_checker_new_with_context(caguard_context *ctx)
{
    caguard_checker *c = caguard_checker_new();
    if (c != NULL)
        c->ctx = ctx;
    return c;
}

void caguard_checker_set_time(caguard_checker *c, int64_t unix_seconds)
{
    c->at = unix_seconds;
}

void caguard_checker_set_br_profile(caguard_checker *c, int on)
{
    c->no_br_profile = !on;
}

int caguard_checker_add_loglist(caguard_checker *c, const uint8_t *json, size_t len, char *err,
                                size_t errcap)
{
    if (c->ctx != NULL)
        return fail(err, errcap,
                    "this checker uses its context's log lists: add the list to "
                    "the context");
    if (c->loglist == NULL)
        c->loglist = cg_loglist_new();
    if (c->loglist == NULL)
        return fail(err, errcap, "out of memory");
    return cg_loglist_load(c->loglist, json, len, "log list", err, errcap);
}

static int add_owned(caguard_checker *c, const char *name, uint8_t *data, size_t len, char *err,
                     size_t errcap)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap == 0 ? 8 : c->cap * 2;
        buffer *nb = realloc(c->bufs, ncap * sizeof(*nb));
        if (nb == NULL) {
            free(data);
            return fail(err, errcap, "out of memory");
        }
        c->bufs = nb;
        c->cap = ncap;
    }
    char *n = strdup(name != NULL ? name : "-");
    if (n == NULL) {
        free(data);
        return fail(err, errcap, "out of memory");
    }
    c->bufs[c->n++] = (buffer){n, data, len};
    return 1;
}

int caguard_checker_add(caguard_checker *c, const char *name, const uint8_t *data, size_t len,
                        char *err, size_t errcap)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return fail(err, errcap, "out of memory");
    if (len > 0)
        memcpy(copy, data, len);
    return add_owned(c, name, copy, len, err, errcap);
}

int caguard_checker_add_tbs(caguard_checker *c, const char *name, const uint8_t *tbs, size_t len,
                            char *err, size_t errcap)
{
    char why[256];
    size_t out_len;
    uint8_t *buf = cg_tbs_wrap(tbs, len, 0, &out_len, why, sizeof(why));
    if (buf == NULL)
        return fail(err, errcap, why);
    return add_owned(c, name, buf, out_len, err, errcap);
}

static int reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    caguard_checker *c = arg;
    if (file_no >= c->n)
        return 0;
    *data = c->bufs[file_no].data;
    *len = c->bufs[file_no].len;
    return 1;
}

typedef struct run {
    caguard_finding_cb cb;
    void *arg;
} run;

static void sink(void *arg, const cg_finding *f)
{
    run *r = arg;
    caguard_finding pub;
    pub.f = f;
    cg_hex(f->obj->sha256, 32, pub.sha);
    if (r->cb != NULL)
        r->cb(r->arg, &pub);
}

/* A run over the context's lists and CAs: the buffers are its inputs. */
static long run_with_context(caguard_checker *c, run *r)
{
    cg_ctx ctx;
    cg_prepared_input *in = c->n > 0 ? calloc(c->n, sizeof(*in)) : NULL;
    if (c->n > 0 && in == NULL)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        in[i] = (cg_prepared_input){c->bufs[i].name, c->bufs[i].data, c->bufs[i].len};
    cg_ctx_init(&ctx, c->at, sink, r);
    ctx.br_profile = !c->no_br_profile;
    int ok = cg_prepared_run(c->ctx->p, &ctx, in, c->n, NULL);
    free(in);
    return ok ? (long)ctx.count[CG_SEV_ERROR] : -1;
}

long caguard_checker_run(caguard_checker *c, caguard_finding_cb cb, void *arg)
{
    run r = {cb, arg};
    cg_ctx ctx;
    if (c->ctx != NULL)
        return run_with_context(c, &r);
    cg_ctx_init(&ctx, c->at, sink, &r);
    ctx.br_profile = !c->no_br_profile;
    ctx.loglist = c->loglist;
    cg_checker *ck = cg_checker_new(&ctx, reload, NULL, c);
    if (ck == NULL)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        cg_file_result res;
        cg_checker_add_file(ck, i, c->bufs[i].name, c->bufs[i].data, c->bufs[i].len, &res);
    }
    cg_checker_finish(ck);
    cg_checker_free(ck);
    return (long)ctx.count[CG_SEV_ERROR];
}

const char *caguard_finding_rule(const caguard_finding *f)
{
    return cg_rule_get(f->f->rule)->id;
}

caguard_severity caguard_finding_severity(const caguard_finding *f)
{
    return (caguard_severity)cg_finding_severity(f->f);
}

const char *caguard_finding_message(const caguard_finding *f)
{
    return f->f->message;
}

const char *caguard_finding_reference(const caguard_finding *f)
{
    return cg_rule_get(f->f->rule)->reference;
}

const char *caguard_finding_name(const caguard_finding *f)
{
    return f->f->obj->file != NULL ? f->f->obj->file : "-";
}

size_t caguard_finding_index(const caguard_finding *f)
{
    return f->f->obj->index;
}

const char *caguard_finding_kind(const caguard_finding *f)
{
    return cg_kind_name(f->f->obj->kind);
}

const char *caguard_finding_object(const caguard_finding *f)
{
    return f->f->obj->has_hash ? f->sha : NULL;
}

const char *caguard_finding_field(const caguard_finding *f)
{
    return cg_finding_field(f->f);
}

const char *caguard_finding_value(const caguard_finding *f, const char *key)
{
    return key != NULL ? cg_finding_value(f->f, key) : NULL;
}

const char *caguard_version(void)
{
    return "0.1.0";
}
