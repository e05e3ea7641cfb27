#include "monitor/policywatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "incident/policydoc.h"
#include "monitor/http.h"
#include "monitor/task.h"
#include "obs/logger.h"
#include "store/store.h"

/* The largest document read: CPS PDFs run to a few MiB. */
#define MAX_DOCUMENT (64u * 1024 * 1024)
/* Redirects followed (each keeping the scheme: https stays https): a CA
 * that moved its repository answers the old URL with one or two. */
#define MAX_REDIRECTS 5

struct cg_policy_watch {
    const cg_logger *log;
};

/* A finding about the document at url (store.h: a document's findings are
 * keyed by rule and URL), stored in r and handed to the monitor's sinks
 * after the commit: the field "document" tells the outbox it is stored. */
static int put(cg_task_run *r, const char *url, cg_rule_id rule, const char *msg)
{
    cg_objref ref;
    cg_finding f;
    cg_field doc = {"document", CG_FIELD_STRING, url, 0};
    memset(&ref, 0, sizeof(ref));
    memset(&f, 0, sizeof(f));
    ref.kind = CG_KIND_INPUT;
    ref.file = url;
    f.rule = rule;
    f.obj = &ref;
    f.message = msg;
    f.fields = &doc;
    f.n_fields = 1;
    return cg_task_put(r, &f, url);
}

/* One document: fetched and compared; the new fetch state, the findings
 * it makes (with their deliveries: the outbox) and the ones it ends are
 * stored in one transaction, so a monitor killed at any point has both or
 * neither; the new findings go to the sinks after the commit. 1, or 0 on
 * a store error. */
static int watch_one(cg_policy_watch *w, cg_monitor *m, cg_store *st, const cg_pdoc *d,
                     int64_t now)
{
    cg_store_pdoc_fetch f;
    cg_task_run r;
    char why[1400], final[2048] = "", at[2100] = "", hex_new[17], hex_old[17];
    char gone[2048] = "", edited[2048] = "";
    const char *unreachable_id = cg_rule_get(CG_R_POLICY_DOCUMENT_UNREACHABLE)->id;
    const char *changed_id = cg_rule_get(CG_R_POLICY_DOCUMENT_CHANGED)->id;
    size_t len = 0;
    int found = 0, changed = 0, unreachable = 0, was_failing, new_version = 0, fetched, ok;
    if (!cg_store_pdoc_fetch_get(st, d->url, &f, &found))
        return 0;
    was_failing = f.failing_since != 0;
    uint8_t *body = cg_http_get_follow(d->url, MAX_REDIRECTS, MAX_DOCUMENT, &len, final,
                                       sizeof(final), why, sizeof(why));
    if (body != NULL && strcmp(final, d->url) != 0) {
        snprintf(at, sizeof(at), " at %s", final);
        if (w->log != NULL)
            cg_logger_say(w->log, CG_LOGGER_INFO, "policy document %s: redirected to %s", d->url,
                          final);
    }
    if (body != NULL && len == 0) {
        /* an empty answer is no document: never taken as its bytes */
        free(body);
        body = NULL;
        snprintf(why, sizeof(why), "%s: an empty answer (HTTP 200, no bytes)", d->url);
    }
    fetched = body != NULL;
    if (!fetched) {
        if (w->log != NULL)
            cg_logger_say(w->log, CG_LOGGER_WARNING, "policy document: %s", why);
        unreachable = !was_failing;
        if (unreachable)
            f.failing_since = now;
    } else {
        uint8_t h[32];
        SHA256(body, len, h);
        free(body);
        if (f.has_sha256 && f.baseline_doc == d->id && memcmp(h, f.sha256, 32) != 0) {
            changed = 1;
            cg_hex(h, 8, hex_new);
            cg_hex(f.sha256, 8, hex_old);
        }
        /* a new version recorded: its bytes are the new baseline, and an
         * edit of the version before is no longer news */
        new_version = f.has_sha256 && f.baseline_doc != d->id;
        memcpy(f.sha256, h, 32);
        f.has_sha256 = 1;
        f.baseline_doc = d->id;
        f.fetched_at = now;
        f.failing_since = 0;
    }
    if (unreachable)
        snprintf(gone, sizeof(gone), "the %s (version %.100s) could not be fetched: %.1000s",
                 cg_pdoc_kind_title(d->kind), d->version, why);
    if (changed)
        snprintf(edited, sizeof(edited),
                 "the %s serves new bytes%.1100s (sha256 %s..., was %s...) but no new version "
                 "is recorded since version %.100s (TLS BRs §2.3: a changed document gets a "
                 "new version number and a dated changelog entry; caguard policy add)",
                 cg_pdoc_kind_title(d->kind), at, hex_new, hex_old, d->version);
    if (!cg_task_begin(&r, st, now))
        return 0;
    ok = cg_store_pdoc_fetch_put(st, d->url, &f);
    /* a success ends the spell of failures: failing again is news */
    if (ok && fetched && was_failing)
        ok = cg_store_resolve_document(st, unreachable_id, d->url, now, NULL);
    /* each edit is news of its own: the one before (or, with a new version,
     * the edit of the old one) is resolved first */
    if (ok && (changed || new_version))
        ok = cg_store_resolve_document(st, changed_id, d->url, now, NULL);
    if (ok && unreachable)
        ok = put(&r, d->url, CG_R_POLICY_DOCUMENT_UNREACHABLE, gone);
    if (ok && changed)
        ok = put(&r, d->url, CG_R_POLICY_DOCUMENT_CHANGED, edited);
    return cg_task_end(&r, m, ok);
}

static int task(void *arg, cg_monitor *m, int64_t now)
{
    cg_policy_watch *w = arg;
    cg_store *st = cg_monitor_get0_store(m);
    cg_pdoc *docs = NULL;
    size_t n = 0;
    int ok = cg_store_pdoc_list(st, &docs, &n);
    for (int k = 0; ok && k < CG_PDOC_KINDS; k++) {
        const cg_pdoc *cur = cg_pdoc_current(docs, n, (cg_pdoc_kind)k, now);
        if (cur != NULL)
            ok = watch_one(w, m, st, cur, now);
    }
    for (size_t i = 0; i < n; i++)
        cg_pdoc_clear(&docs[i]);
    free(docs);
    return ok;
}

cg_policy_watch *cg_policy_watch_attach(cg_monitor *m, int interval_s, const cg_logger *log)
{
    cg_policy_watch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->log = log;
    if (!cg_monitor_add_task(m, interval_s, task, w)) {
        free(w);
        return NULL;
    }
    return w;
}

void cg_policy_watch_free(cg_policy_watch *w)
{
    free(w);
}
