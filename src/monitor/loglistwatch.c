/* Log-list changes as a monitor task (monitor/loglistwatch.h). */
#include "monitor/loglistwatch.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/loglist.h"
#include "ct/loglist_diff.h"
#include "monitor/http.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/base64.h"
#include "util/errf.h"

typedef struct source {
    const char *path;
    const char *sig;
    uint8_t *good; /* the last bytes that loaded (and verified), owned */
    size_t good_len;
} source;

struct cg_loglist_watch {
    const char *key_path;
    uint8_t *key;
    size_t key_len;
    source *src;
    size_t n_src;
    void (*log)(void *arg, int is_error, const char *msg);
    void *log_arg;
    int follow;
    /* The lists the monitor's SCT checks use: every source's good bytes,
     * merged (owned; the monitor borrows it), and whether a source's good
     * bytes changed since it was built. */
    cg_loglist *in_use;
    int stale;
};

static void say(cg_loglist_watch *w, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *desc(const cg_log *l)
{
    return l->description[0] != '\0' ? l->description : "(unnamed)";
}

int cg_loglist_follow(cg_monitor *m, const cg_loglist *ll,
                      void (*log)(void *arg, int is_error, const char *msg), void *log_arg,
                      size_t *added)
{
    char msg[1024];
    int ok = 1;
    if (added != NULL)
        *added = 0;
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *l = cg_loglist_get0(ll, i);
        const char *url = cg_log_monitor_url(l);
        cg_monitor_log ml;
        int is_final = l->state == CG_LOG_READONLY && l->has_final_tree_head;
        if (is_final && cg_monitor_has_log(m, l->log_id))
            cg_monitor_set_log_final(m, l->log_id, l->final_tree_size, l->final_root_hash);
        if (!cg_log_followed(l) || cg_monitor_has_log(m, l->log_id))
            continue;
        memset(&ml, 0, sizeof(ml));
        ml.url = url;
        ml.key_der = l->key_der;
        ml.key_der_len = l->key_len;
        ml.type = l->tiled ? CG_MONITOR_LOG_STATIC : CG_MONITOR_LOG_RFC6962;
        ml.mmd = l->mmd;
        ml.name = l->description[0] != '\0' ? l->description : NULL;
        /* static-ct-api: the origin is the submission prefix, which the
         * list gives beside the monitoring prefix read. */
        ml.origin = l->tiled ? l->url : NULL;
        if (is_final) {
            ml.has_final = 1;
            ml.final_size = l->final_tree_size;
            memcpy(ml.final_root, l->final_root_hash, 32);
        }
        if (!cg_monitor_add_log(m, &ml)) {
            snprintf(msg, sizeof(msg), "log list %s: log %s: not followed: %s", l->source, desc(l),
                     cg_monitor_errmsg(m));
            if (log != NULL)
                log(log_arg, 1, msg);
            ok = 0;
            continue;
        }
        snprintf(msg, sizeof(msg), "log %s is %s in log list %s: followed at %s (%s)", desc(l),
                 cg_log_state_name(l->state), l->source, url,
                 l->tiled ? "static-ct-api" : "RFC 6962");
        if (log != NULL)
            log(log_arg, 0, msg);
        if (added != NULL)
            (*added)++;
    }
    return ok;
}

void cg_loglist_watch_set_follow(cg_loglist_watch *w, int follow)
{
    w->follow = follow;
}

static void say(cg_loglist_watch *w, int is_error, const char *fmt, ...)
{
    char msg[1024];
    if (w->log == NULL)
        return;
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    w->log(w->log_arg, is_error, msg);
}

/* A whole file, or what an http(s) URL serves (at most 16 MiB), or NULL
 * with the reason in why. */
static uint8_t *read_all(const char *path, size_t *len, char *why, size_t cap)
{
    if (cg_http_is_url(path))
        return cg_http_get(path, 16u * 1024 * 1024, len, why, cap);
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, alloc = 0;
    if (f == NULL) {
        snprintf(why, cap, "%s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == alloc) {
            size_t na = alloc == 0 ? 65536 : alloc * 2;
            uint8_t *nb = realloc(buf, na);
            if (nb == NULL) {
                snprintf(why, cap, "out of memory");
                goto fail;
            }
            buf = nb;
            alloc = na;
        }
        size_t r = fread(buf + n, 1, alloc - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                snprintf(why, cap, "read error");
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

cg_loglist_watch *cg_loglist_watch_new(const char *key_path,
                                       void (*log)(void *arg, int is_error, const char *msg),
                                       void *log_arg)
{
    cg_loglist_watch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->key_path = key_path;
    w->log = log;
    w->log_arg = log_arg;
    return w;
}

void cg_loglist_watch_free(cg_loglist_watch *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_src; i++)
        free(w->src[i].good);
    cg_loglist_free(w->in_use);
    free(w->key);
    free(w->src);
    free(w);
}

int cg_loglist_watch_add(cg_loglist_watch *w, const char *path, const char *sig_path)
{
    source *v = realloc(w->src, (w->n_src + 1) * sizeof(*v));
    if (v == NULL)
        return 0;
    w->src = v;
    memset(&v[w->n_src], 0, sizeof(v[w->n_src]));
    v[w->n_src].path = path;
    v[w->n_src].sig = sig_path;
    w->n_src++;
    return 1;
}

static int task(void *arg, cg_monitor *m, int64_t now)
{
    return cg_loglist_watch_run(arg, m, now);
}

int cg_loglist_watch_attach(cg_loglist_watch *w, cg_monitor *m, int interval_s)
{
    return cg_monitor_add_task(m, interval_s, task, w);
}

/* A finding about the list as a whole (no log, no object): reported to the
 * monitor's sinks, not stored. */
static void emit_list_finding(cg_monitor *m, const char *path, cg_rule_id rule, const char *msg)
{
    cg_objref ref;
    cg_finding f;
    cg_monitor_finding_about(&f, &ref, NULL, path, NULL, rule, msg);
    cg_monitor_emit(m, &f);
}

static int copy_snapshot(void *arg, const cg_store_loglist_snapshot *snap)
{
    cg_store_loglist_snapshot *out = arg;
    uint8_t *d = malloc(snap->len > 0 ? snap->len : 1);
    if (d == NULL)
        return 0;
    memcpy(d, snap->data, snap->len);
    out->data = d;
    out->len = snap->len;
    memcpy(out->sha256, snap->sha256, 32);
    out->fetched_at = snap->fetched_at;
    return 1;
}

/* What the monitor does about one change of a log it may follow. */
static void follow(cg_loglist_watch *w, cg_monitor *m, const cg_loglist_change *c)
{
    const cg_log *nl = c->new_log, *ol = c->old_log;
    if (c->kind == CG_LOGLIST_CHANGED && (c->fields & CG_LOGLIST_F_URL) && nl != NULL &&
        ol != NULL && memcmp(nl->log_id, ol->log_id, 32) == 0) {
        const char *url = nl->tiled && nl->monitoring_url != NULL ? nl->monitoring_url : nl->url;
        if (url != NULL && cg_monitor_set_log_url(m, nl->log_id, url))
            say(w, 0, "log %s moved: followed at %s from its last position",
                nl->description[0] != '\0' ? nl->description : "(unnamed)", url);
    }
    const cg_log *gone = NULL;
    if (c->kind == CG_LOGLIST_REMOVED)
        gone = ol;
    else if (nl != NULL && (nl->state == CG_LOG_RETIRED || nl->state == CG_LOG_REJECTED))
        gone = nl;
    if (gone != NULL && cg_monitor_retire_log(m, gone->log_id))
        say(w, 0, "log %s %s: finished to its last tree head, then dropped", desc(gone),
            c->kind == CG_LOGLIST_REMOVED ? "left the list" : "is no longer usable");
}

typedef struct held {
    cg_rule_id rule;
    char *message;
    char log64[48];
} held;

/* s's bytes (data, taken) are good: they are what the checks should use. */
static void keep_good(cg_loglist_watch *w, source *s, uint8_t **data, size_t len)
{
    if (s->good != NULL && s->good_len == len && memcmp(s->good, *data, len) == 0)
        return;
    free(s->good);
    s->good = *data;
    s->good_len = len;
    *data = NULL;
    w->stale = 1;
}

static int run_source(cg_loglist_watch *w, cg_monitor *m, source *s, int64_t now)
{
    cg_store *st = cg_monitor_get0_store(m);
    char why[512], hex[65];
    size_t len = 0, sig_len = 0;
    uint8_t *data = NULL, *sig = NULL, sha[32];
    cg_loglist *cur = NULL, *old = NULL;
    cg_loglist_diff diff = {NULL, 0};
    cg_store_loglist_snapshot prev, snap;
    held *h = NULL;
    size_t n_held = 0;
    int found = 0, ok = 0, ok_follow = 1;

    memset(&prev, 0, sizeof(prev));
    data = read_all(s->path, &len, why, sizeof(why));
    if (data == NULL) {
        say(w, 1, "log list %s: cannot read it: %s", s->path, why);
        return 0;
    }
    if (s->sig != NULL) {
        if (w->key == NULL && w->key_path != NULL) {
            w->key = read_all(w->key_path, &w->key_len, why, sizeof(why));
            if (w->key == NULL) {
                say(w, 1, "log list key %s: cannot read it: %s", w->key_path, why);
                goto out;
            }
        }
        sig = read_all(s->sig, &sig_len, why, sizeof(why));
        if (sig == NULL) {
            say(w, 1, "log list signature %s: cannot read it: %s", s->sig, why);
            goto out;
        }
        if (w->key == NULL ||
            !cg_loglist_verify_signature(data, len, sig, sig_len, w->key, w->key_len, why,
                                         sizeof(why))) {
            char msg[1024];
            snprintf(msg, sizeof(msg),
                     "the signature %s over log list %s does not verify (%s); the list is not "
                     "used, the last good one stays the reference",
                     s->sig, s->path, w->key == NULL ? "no --loglist-key" : why);
            emit_list_finding(m, s->path, CG_R_CT_LOGLIST_SIGNATURE_INVALID, msg);
            ok = 1;
            goto out;
        }
    }
    cur = cg_loglist_new();
    if (cur == NULL || !cg_loglist_load(cur, data, len, s->path, why, sizeof(why))) {
        say(w, 1, "log list %s: %s", s->path, cur == NULL ? "out of memory" : why);
        goto out;
    }
    EVP_Digest(data, len, sha, NULL, EVP_sha256(), NULL);
    if (!cg_store_loglist_snapshot_get(st, s->path, copy_snapshot, &prev, &found)) {
        say(w, 1, "log list %s: store: %s", s->path, cg_store_errmsg(st));
        goto out;
    }
    if (found && memcmp(prev.sha256, sha, 32) == 0) {
        /* unchanged; its logs may not all be followed yet (another run) */
        ok = !w->follow || cg_loglist_follow(m, cur, w->log, w->log_arg, NULL);
        keep_good(w, s, &data, len);
        goto out;
    }
    if (found) {
        old = cg_loglist_new();
        if (old == NULL ||
            !cg_loglist_load(old, prev.data, prev.len, s->path, why, sizeof(why))) {
            /* A stored copy this caguard cannot read: compare with nothing
             * rather than report every log as added. */
            say(w, 1, "log list %s: the stored copy does not load (%s); replaced", s->path,
                old == NULL ? "out of memory" : why);
            found = 0;
        } else if (!cg_loglist_diff_compute(old, cur, &diff)) {
            say(w, 1, "log list %s: out of memory", s->path);
            goto out;
        }
    }
    cg_hex(sha, 32, hex);
    if (!cg_store_begin(st))
        goto store_err;
    h = calloc(diff.n > 0 ? diff.n : 1, sizeof(*h));
    if (h == NULL) {
        cg_store_rollback(st);
        say(w, 1, "log list %s: out of memory", s->path);
        goto out;
    }
    for (size_t i = 0; i < diff.n; i++) {
        const cg_loglist_change *c = &diff.v[i];
        const cg_log *lg = cg_loglist_change_log(c);
        char subject[128];
        int is_new = 0;
        /* One finding per log and version of the list: the same change is
         * not reported again, a later change is. */
        snprintf(subject, sizeof(subject), "list %s %.16s", s->path, hex);
        if (!cg_monitor_put_log_finding(st, CG_R_CT_LOGLIST_CHANGED, lg->log_id, subject,
                                        c->message, now, &is_new)) {
            cg_store_rollback(st);
            goto store_err;
        }
        if (is_new) {
            h[n_held].rule = CG_R_CT_LOGLIST_CHANGED;
            h[n_held].message = c->message;
            cg_base64_encode(lg->log_id, 32, h[n_held].log64);
            n_held++;
        }
    }
    memset(&snap, 0, sizeof(snap));
    snap.source = s->path;
    snap.data = data;
    snap.len = len;
    memcpy(snap.sha256, sha, 32);
    snap.fetched_at = now;
    if (!cg_store_loglist_snapshot_put(st, &snap) || !cg_store_commit(st))
        goto store_err;
    keep_good(w, s, &data, len);
    /* Committed: now the sinks (one batch), then the monitor follows the
     * changes. */
    cg_monitor_batch_begin(m);
    for (size_t i = 0; i < n_held; i++) {
        cg_objref ref;
        cg_finding f;
        cg_field field;
        cg_monitor_finding_about(&f, &ref, &field, s->path, h[i].log64, h[i].rule, h[i].message);
        cg_monitor_emit(m, &f);
    }
    cg_monitor_batch_end(m);
    for (size_t i = 0; i < diff.n; i++)
        follow(w, m, &diff.v[i]);
    /* After the retirements: a log the list just retired is not taken up. */
    if (w->follow && !cg_loglist_follow(m, cur, w->log, w->log_arg, NULL))
        ok_follow = 0;
    if (!found)
        say(w, 0, "log list %s: %zu logs, kept as the reference for changes", s->path,
            cg_loglist_count(cur));
    else
        say(w, 0, "log list %s changed: %zu log%s changed, added or removed", s->path, diff.n,
            diff.n == 1 ? "" : "s");
    ok = ok_follow;
    goto out;
store_err:
    say(w, 1, "log list %s: store: %s (nothing of this reload kept)", s->path,
        cg_store_errmsg(st));
out:
    free(h);
    cg_loglist_diff_clear(&diff);
    cg_loglist_free(old);
    cg_loglist_free(cur);
    free((void *)prev.data);
    free(sig);
    free(data);
    return ok;
}

/* The monitor's SCT checks take the lists as reloaded: every source's good
 * bytes merged in order (a log ID keeps its first definition, as when the
 * lists were loaded at the start). Not before every source has loaded
 * once: until then the lists the monitor started with stay. */
static int hand_over(cg_loglist_watch *w, cg_monitor *m)
{
    char why[512];
    if (!w->stale)
        return 1;
    for (size_t i = 0; i < w->n_src; i++) {
        if (w->src[i].good == NULL)
            return 1;
    }
    cg_loglist *ll = cg_loglist_new();
    for (size_t i = 0; ll != NULL && i < w->n_src; i++) {
        const source *s = &w->src[i];
        if (!cg_loglist_load(ll, s->good, s->good_len, s->path, why, sizeof(why))) {
            say(w, 1, "log list %s: %s", s->path, why);
            cg_loglist_free(ll);
            return 0;
        }
    }
    if (ll == NULL || !cg_monitor_set_loglist(m, ll)) {
        say(w, 1, "log lists: out of memory; the SCT checks keep the lists before");
        cg_loglist_free(ll);
        return 0;
    }
    cg_loglist_free(w->in_use);
    w->in_use = ll;
    w->stale = 0;
    return 1;
}

int cg_loglist_watch_run(cg_loglist_watch *w, cg_monitor *m, int64_t now)
{
    int ok = 1;
    for (size_t i = 0; i < w->n_src; i++)
        ok &= run_source(w, m, &w->src[i], now);
    return hand_over(w, m) && ok;
}
