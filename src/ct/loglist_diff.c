/* What changed between two CT log lists (loglist_diff.h). */
#include "ct/loglist_diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/base64.h"
#include "util/hex.h"
#include "util/sbuf.h"
#include "util/time.h"

static void id_b64(const uint8_t id[32], char out[45])
{
    cg_base64_encode(id, 32, out);
}

/* "2025-03-01T00:00:00Z" from milliseconds. */
static void ms_time(int64_t ms, char out[32])
{
    cg_time_format(ms / 1000, out, 32);
}

static const char *display_name(const cg_log *l)
{
    return l->description[0] != '\0' ? l->description : l->url;
}

static void put_state(cg_sbuf *b, const cg_log *l)
{
    char t[32];
    cg_sbuf_puts(b, cg_log_state_name(l->state));
    if (l->state_ts >= 0) {
        ms_time(l->state_ts, t);
        cg_sbuf_printf(b, " (%s)", t);
    }
}

static void put_interval(cg_sbuf *b, const cg_log *l)
{
    char s[32], e[32];
    if (!l->has_interval) {
        cg_sbuf_puts(b, "none");
        return;
    }
    ms_time(l->interval_start, s);
    ms_time(l->interval_end, e);
    cg_sbuf_printf(b, "[%s, %s)", s, e);
}

/* The SHA-256 of the key, which is the log ID when the list does not say
 * otherwise; short, for messages. */
static void put_key(cg_sbuf *b, const cg_log *l)
{
    uint8_t h[32];
    char hex[65];
    if (EVP_Digest(l->key_der, l->key_len, h, NULL, EVP_sha256(), NULL) != 1) {
        cg_sbuf_puts(b, "(a key)");
        return;
    }
    cg_hex(h, 32, hex);
    hex[16] = '\0';
    cg_sbuf_printf(b, "SHA-256 %s…", hex);
}

static int str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static int interval_eq(const cg_log *a, const cg_log *b)
{
    if (a->has_interval != b->has_interval)
        return 0;
    return !a->has_interval ||
           (a->interval_start == b->interval_start && a->interval_end == b->interval_end);
}

static unsigned compare(const cg_log *o, const cg_log *n)
{
    unsigned f = 0;
    if (!str_eq(o->url, n->url) || !str_eq(o->monitoring_url, n->monitoring_url))
        f |= CG_LOGLIST_F_URL;
    if (o->key_len != n->key_len || memcmp(o->key_der, n->key_der, o->key_len) != 0 ||
        memcmp(o->log_id, n->log_id, 32) != 0)
        f |= CG_LOGLIST_F_KEY;
    if (o->state != n->state)
        f |= CG_LOGLIST_F_STATE;
    if (!interval_eq(o, n))
        f |= CG_LOGLIST_F_INTERVAL;
    if (!str_eq(o->operator_name, n->operator_name))
        f |= CG_LOGLIST_F_OPERATOR;
    return f;
}

static void put_summary(cg_sbuf *b, const cg_log *l)
{
    cg_sbuf_printf(b, "URL %s", l->url);
    if (l->monitoring_url != NULL)
        cg_sbuf_printf(b, " (monitoring %s)", l->monitoring_url);
    cg_sbuf_puts(b, ", state ");
    put_state(b, l);
    cg_sbuf_printf(b, ", operator '%s'", l->operator_name);
    if (l->has_interval) {
        cg_sbuf_puts(b, ", temporal interval ");
        put_interval(b, l);
    }
}

static char *message(const cg_loglist_change *c)
{
    cg_sbuf b = CG_SBUF_INIT;
    const cg_log *o = c->old_log, *n = c->new_log, *l = n != NULL ? n : o;
    char id[45];
    const char *sep = "";

    id_b64(l->log_id, id);
    cg_sbuf_printf(&b, "log '%s' (log ID %s)", display_name(l), id);
    switch (c->kind) {
    case CG_LOGLIST_ADDED:
        cg_sbuf_puts(&b, " added: ");
        put_summary(&b, n);
        break;
    case CG_LOGLIST_REMOVED:
        cg_sbuf_puts(&b, " removed; it had ");
        put_summary(&b, o);
        break;
    case CG_LOGLIST_CHANGED:
        cg_sbuf_puts(&b, ": ");
        if (c->fields & CG_LOGLIST_F_URL) {
            if (!str_eq(o->url, n->url)) {
                cg_sbuf_printf(&b, "URL changed from %s to %s", o->url, n->url);
                sep = "; ";
            }
            if (!str_eq(o->monitoring_url, n->monitoring_url)) {
                cg_sbuf_printf(&b, "%smonitoring URL changed from %s to %s", sep,
                               o->monitoring_url != NULL ? o->monitoring_url : "none",
                               n->monitoring_url != NULL ? n->monitoring_url : "none");
            }
            sep = "; ";
        }
        if (c->fields & CG_LOGLIST_F_KEY) {
            cg_sbuf_printf(&b, "%skey changed from ", sep);
            put_key(&b, o);
            cg_sbuf_puts(&b, " to ");
            put_key(&b, n);
            if (memcmp(o->log_id, n->log_id, 32) != 0) {
                id_b64(o->log_id, id);
                cg_sbuf_printf(&b, " (log ID was %s)", id);
            } else {
                cg_sbuf_puts(&b, " under the same log ID");
            }
            sep = "; ";
        }
        if (c->fields & CG_LOGLIST_F_STATE) {
            cg_sbuf_printf(&b, "%sstate changed from ", sep);
            put_state(&b, o);
            cg_sbuf_puts(&b, " to ");
            put_state(&b, n);
            sep = "; ";
        }
        if (c->fields & CG_LOGLIST_F_INTERVAL) {
            cg_sbuf_printf(&b, "%stemporal interval changed from ", sep);
            put_interval(&b, o);
            cg_sbuf_puts(&b, " to ");
            put_interval(&b, n);
            sep = "; ";
        }
        if (c->fields & CG_LOGLIST_F_OPERATOR)
            cg_sbuf_printf(&b, "%soperator changed from '%s' to '%s'", sep, o->operator_name,
                           n->operator_name);
        break;
    }
    if (b.failed) {
        cg_sbuf_free(&b);
        return NULL;
    }
    return b.data; /* the buffer is ours now */
}

static int push(cg_loglist_diff *d, size_t *cap, cg_loglist_change_kind kind, unsigned fields,
                const cg_log *o, const cg_log *n)
{
    cg_loglist_change *c;
    if (d->n == *cap) {
        size_t ncap = *cap == 0 ? 16 : *cap * 2;
        cg_loglist_change *v = realloc(d->v, ncap * sizeof(*v));
        if (v == NULL)
            return 0;
        d->v = v;
        *cap = ncap;
    }
    c = &d->v[d->n];
    c->kind = kind;
    c->fields = fields;
    c->old_log = o;
    c->new_log = n;
    c->message = message(c);
    if (c->message == NULL)
        return 0;
    d->n++;
    return 1;
}

void cg_loglist_diff_clear(cg_loglist_diff *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].message);
    free(d->v);
    d->v = NULL;
    d->n = 0;
}

/* The unmatched log of the other list with this URL (a log whose key, and
 * so its ID, changed), by index; SIZE_MAX when none. */
static size_t same_url(const cg_loglist *other, const unsigned char *taken, const char *url)
{
    size_t n = cg_loglist_count(other);
    for (size_t j = 0; j < n; j++) {
        const cg_log *l = cg_loglist_get0(other, j);
        if (!taken[j] && strcmp(l->url, url) == 0)
            return j;
    }
    return SIZE_MAX;
}

int cg_loglist_diff_compute(const cg_loglist *old_list, const cg_loglist *new_list,
                            cg_loglist_diff *out)
{
    size_t no = cg_loglist_count(old_list), nn = cg_loglist_count(new_list), cap = 0;
    /* for each log: the index of its match in the other list, or SIZE_MAX */
    size_t *match_new = NULL;
    unsigned char *old_taken = NULL;
    int ok = 0;

    cg_loglist_diff_clear(out);
    match_new = malloc((nn + 1) * sizeof(*match_new));
    old_taken = calloc(no + 1, 1);
    if (match_new == NULL || old_taken == NULL)
        goto out;
    /* By log ID first, then what is left by URL. */
    for (size_t i = 0; i < nn; i++) {
        const cg_log *n = cg_loglist_get0(new_list, i);
        const cg_log *o = cg_loglist_find(old_list, n->log_id);
        match_new[i] = SIZE_MAX;
        if (o == NULL)
            continue;
        for (size_t j = 0; j < no; j++) {
            if (cg_loglist_get0(old_list, j) == o) {
                match_new[i] = j;
                old_taken[j] = 1;
                break;
            }
        }
    }
    for (size_t i = 0; i < nn; i++) {
        const cg_log *n = cg_loglist_get0(new_list, i);
        if (match_new[i] != SIZE_MAX || cg_loglist_find(old_list, n->log_id) != NULL)
            continue;
        size_t j = same_url(old_list, old_taken, n->url);
        if (j != SIZE_MAX) {
            match_new[i] = j;
            old_taken[j] = 1;
        }
    }
    for (size_t i = 0; i < nn; i++) {
        const cg_log *n = cg_loglist_get0(new_list, i);
        if (match_new[i] == SIZE_MAX) {
            if (!push(out, &cap, CG_LOGLIST_ADDED, 0, NULL, n))
                goto out;
            continue;
        }
        const cg_log *o = cg_loglist_get0(old_list, match_new[i]);
        unsigned f = compare(o, n);
        if (f != 0 && !push(out, &cap, CG_LOGLIST_CHANGED, f, o, n))
            goto out;
    }
    for (size_t j = 0; j < no; j++) {
        if (!old_taken[j] && !push(out, &cap, CG_LOGLIST_REMOVED, 0,
                                   cg_loglist_get0(old_list, j), NULL))
            goto out;
    }
    ok = 1;
out:
    free(match_new);
    free(old_taken);
    if (!ok)
        cg_loglist_diff_clear(out);
    return ok;
}

const cg_log *cg_loglist_change_log(const cg_loglist_change *c)
{
    return c->new_log != NULL ? c->new_log : c->old_log;
}
