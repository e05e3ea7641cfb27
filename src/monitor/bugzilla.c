#include "monitor/bugzilla.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "incident/deadlines.h"
#include "monitor/http.h"
#include "monitor/task.h"
#include "obs/logger.h"

static int decode_both(const uint8_t *bug, size_t bug_len, const uint8_t *com, size_t com_len,
                       int64_t id, cg_bz_bug *b, char *err, size_t errcap)
{
    cg_bz_bug t;
    memset(&t, 0, sizeof(t));
    if (!cg_bz_decode_bug(bug, bug_len, id, &t, err, errcap) ||
        !cg_bz_decode_comments(com, com_len, id, &t, err, errcap)) {
        cg_bz_bug_clear(&t);
        return 0;
    }
    cg_bz_bug_clear(b);
    *b = t;
    return 1;
}

int cg_bz_fetch(const char *base, int64_t id, size_t max_body, const char *api_key, cg_bz_bug *b,
                char *err, size_t errcap)
{
    char url[2][2048], why[1024], header[32 + CG_BZ_API_KEY_MAX];
    uint8_t *body[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int ok = 0;
    if (max_body == 0)
        max_body = CG_BZ_MAX_BODY;
    snprintf(url[0], sizeof(url[0]), "%s/rest/bug/%lld", base, (long long)id);
    snprintf(url[1], sizeof(url[1]), "%s/rest/bug/%lld/comment", base, (long long)id);
    if (api_key != NULL)
        snprintf(header, sizeof(header), "X-BUGZILLA-API-KEY: %.*s", CG_BZ_API_KEY_MAX, api_key);
    for (int i = 0; i < 2; i++) {
        body[i] = cg_http_get_with(url[i], api_key != NULL ? header : NULL, max_body, &len[i],
                                   why, sizeof(why));
        if (body[i] == NULL) {
            snprintf(err, errcap, "%s", why);
            goto out;
        }
    }
    ok = decode_both(body[0], len[0], body[1], len[1], id, b, why, sizeof(why));
    if (!ok)
        snprintf(err, errcap, "bug %lld at %.300s: %s", (long long)id, base, why);
out:
    OPENSSL_cleanse(header, sizeof(header));
    free(body[0]);
    free(body[1]);
    return ok;
}

int cg_bz_read_api_key(const char *path, char key[CG_BZ_API_KEY_MAX + 1], char *err,
                       size_t errcap)
{
    char buf[CG_BZ_API_KEY_MAX + 64];
    FILE *f = fopen(path, "rb");
    size_t n, a = 0, b;
    int ok = 0;
    if (f == NULL) {
        snprintf(err, errcap, "API key file %s: %s", path, strerror(errno));
        return 0;
    }
    n = fread(buf, 1, sizeof(buf), f);
    if (ferror(f)) {
        snprintf(err, errcap, "API key file %s: read error", path);
        goto out;
    }
    if (n == sizeof(buf)) {
        snprintf(err, errcap, "API key file %s: longer than a key (%d characters at most)", path,
                 CG_BZ_API_KEY_MAX);
        goto out;
    }
    while (a < n && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r' || buf[a] == '\n'))
        a++;
    b = n;
    while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r' ||
                     buf[b - 1] == '\n'))
        b--;
    if (b == a || b - a > CG_BZ_API_KEY_MAX) {
        snprintf(err, errcap, "API key file %s: %s", path,
                 b == a ? "empty" : "longer than a key");
        goto out;
    }
    for (size_t i = a; i < b; i++) {
        if (!isalnum((unsigned char)buf[i])) {
            snprintf(err, errcap, "API key file %s: not a Bugzilla API key (letters and digits "
                                  "on one line)", path);
            goto out;
        }
    }
    memcpy(key, buf + a, b - a);
    key[b - a] = '\0';
    ok = 1;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    fclose(f);
    return ok;
}

/* A whole file of at most CG_BZ_MAX_BODY bytes. */
static uint8_t *read_file(const char *path, size_t *len, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            if (cap >= CG_BZ_MAX_BODY + 1)
                break;
            if (ncap > CG_BZ_MAX_BODY + 1)
                ncap = CG_BZ_MAX_BODY + 1;
            uint8_t *t = realloc(p, ncap);
            if (t == NULL) {
                snprintf(err, errcap, "%s: out of memory", path);
                goto fail;
            }
            p = t;
            cap = ncap;
        }
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errcap, "%s: read error", path);
        goto fail;
    }
    if (n > CG_BZ_MAX_BODY) {
        snprintf(err, errcap, "%s: larger than %u bytes", path, (unsigned)CG_BZ_MAX_BODY);
        goto fail;
    }
    fclose(f);
    *len = n;
    return p;
fail:
    fclose(f);
    free(p);
    return NULL;
}

int cg_bz_read_dir(const char *dir, int64_t id, cg_bz_bug *b, char *err, size_t errcap)
{
    char path[2][4096], why[1024];
    uint8_t *body[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int ok = 0;
    snprintf(path[0], sizeof(path[0]), "%s/bug.json", dir);
    snprintf(path[1], sizeof(path[1]), "%s/comment.json", dir);
    for (int i = 0; i < 2; i++) {
        body[i] = read_file(path[i], &len[i], err, errcap);
        if (body[i] == NULL)
            goto out;
    }
    ok = decode_both(body[0], len[0], body[1], len[1], id, b, why, sizeof(why));
    if (!ok)
        snprintf(err, errcap, "%.2000s: %s", dir, why);
out:
    free(body[0]);
    free(body[1]);
    return ok;
}

/* The comma-separated accounts as an array of pointers into a copy. */
static char **split_accounts(const char *csv, size_t *n, char **copy)
{
    size_t cap = 1;
    *n = 0;
    *copy = strdup(csv != NULL ? csv : "");
    if (*copy == NULL)
        return NULL;
    for (const char *p = *copy; *p != '\0'; p++)
        cap += *p == ',';
    char **v = calloc(cap, sizeof(*v));
    if (v == NULL)
        return NULL;
    for (char *tok = strtok(*copy, ","); tok != NULL; tok = strtok(NULL, ","))
        v[(*n)++] = tok;
    return v;
}

char *cg_bz_accounts_join(const char *linked, const char *const *extra, size_t n_extra)
{
    size_t len = strlen(linked != NULL ? linked : "") + 1;
    for (size_t i = 0; i < n_extra; i++)
        len += strlen(extra[i]) + 1;
    char *out = malloc(len);
    if (out == NULL)
        return NULL;
    snprintf(out, len, "%s", linked != NULL ? linked : "");
    for (size_t i = 0; i < n_extra; i++) {
        if (out[0] != '\0')
            strcat(out, ",");
        strcat(out, extra[i]);
    }
    return out;
}

int cg_bz_sync_store(cg_store *st, int64_t incident, const cg_bz_bug *b, const char *ca_accounts,
                     int64_t now, cg_bz_sync_result *res, char *err, size_t errcap)
{
    char *copy = NULL;
    size_t n_acc = 0;
    char **acc = split_accounts(ca_accounts, &n_acc, &copy);
    int ok = 0;
    memset(res, 0, sizeof(*res));
    if (acc == NULL) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    res->n_comments = b->n_comments;
    res->has_next_update = cg_bz_next_update(b->whiteboard, &res->next_update);
    if (!cg_store_begin(st))
        goto fail;
    for (size_t i = 0; i < b->n_comments; i++) {
        const cg_bz_comment *c = &b->comments[i];
        int is_ca = cg_bz_is_ca(c->creator, (const char *const *)acc, n_acc), is_new = 0;
        char note[320];
        cg_incident_event ev;
        snprintf(note, sizeof(note), "Bugzilla comment #%lld by %.200s%s", (long long)c->count,
                 c->creator, c->is_private ? " (private)" : "");
        memset(&ev, 0, sizeof(ev));
        ev.type = is_ca ? CG_EVENT_UPDATE : CG_EVENT_QUESTION;
        ev.at = c->at;
        ev.note = note;
        if (!cg_store_bug_comment(st, incident, c->id, c->count, &ev, &is_new))
            goto fail;
        res->n_new += is_new != 0;
        res->n_questions += is_new && !is_ca;
    }
    if ((res->has_next_update &&
         !cg_store_incident_set_next_update(st, incident, res->next_update)) ||
        !cg_store_bug_synced(st, incident, b->whiteboard, now) || !cg_store_commit(st))
        goto fail;
    ok = 1;
    goto out;
fail:
    snprintf(err, errcap, "%s", cg_store_errmsg(st));
    cg_store_rollback(st);
out:
    free(acc);
    free(copy);
    return ok;
}

struct cg_bz_task {
    char **extra;
    size_t n_extra;
    int has_key;
    char key[CG_BZ_API_KEY_MAX + 1];
    const cg_logger *log;
};

static void say(const cg_bz_task *t, cg_logger_level level, const cg_store_bug *b,
                const char *msg)
{
    if (t->log != NULL)
        cg_logger_say(t->log, level, "bugzilla: %s (incident %lld): %s", b->url,
                      (long long)b->incident, msg);
}

/* incident.question_unanswered judged by the monitor on the thread as
 * stored, at now: the finding (one per incident) stored with its incident
 * and, when new, delivered like the other incident findings (printed,
 * alerted, through the outbox); one no longer true (the CA answered)
 * resolved. One transaction per incident (cg_task_judge_incident). */
static int judge_questions(void *arg, cg_store *st, const cg_incident *inc, cg_ctx *ctx)
{
    (void)arg;
    (void)st;
    cg_incident_check(ctx, inc);
    return 1;
}

static int questions(cg_monitor *m, int64_t incident, int64_t now)
{
    return cg_task_judge_incident(m, incident, now, CG_R_INCIDENT_QUESTION_UNANSWERED,
                                  judge_questions, NULL);
}

static int task(void *arg, cg_monitor *m, int64_t now)
{
    cg_bz_task *t = arg;
    cg_store *st = cg_monitor_get0_store(m);
    cg_store_bug *bugs = NULL;
    size_t n = 0;
    int ok = cg_store_bugs(st, &bugs, &n);
    for (size_t i = 0; ok && i < n; i++) {
        char base[2048], err[1024], line[256];
        int64_t id;
        cg_bz_bug b;
        cg_bz_sync_result r;
        memset(&b, 0, sizeof(b));
        if (!cg_bz_parse_url(bugs[i].url, base, sizeof(base), &id, err, sizeof(err)) ||
            !cg_bz_fetch(base, id, 0, t->has_key ? t->key : NULL, &b, err, sizeof(err))) {
            say(t, CG_LOGGER_WARNING, &bugs[i], err);
            /* the next interval tries again; time still passes on the
             * questions the store holds */
            ok = questions(m, bugs[i].incident, now);
            continue;
        }
        char *acc =
            cg_bz_accounts_join(bugs[i].ca_accounts, (const char *const *)t->extra, t->n_extra);
        if (acc == NULL ||
            !cg_bz_sync_store(st, bugs[i].incident, &b, acc, now, &r, err, sizeof(err))) {
            say(t, CG_LOGGER_WARNING, &bugs[i], acc == NULL ? "out of memory" : err);
            ok = 0;
        } else if (r.n_new > 0) {
            snprintf(line, sizeof(line), "%zu new comment%s (%zu by others than the CA)",
                     r.n_new, r.n_new == 1 ? "" : "s", r.n_questions);
            say(t, CG_LOGGER_INFO, &bugs[i], line);
        }
        free(acc);
        cg_bz_bug_clear(&b);
        if (ok)
            ok = questions(m, bugs[i].incident, now);
    }
    cg_store_bugs_free(bugs, n);
    return ok;
}

void cg_bz_task_free(cg_bz_task *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_extra; i++)
        free(t->extra[i]);
    free(t->extra);
    OPENSSL_cleanse(t->key, sizeof(t->key));
    free(t);
}

cg_bz_task *cg_bz_add_to_monitor(cg_monitor *m, int interval_s, const char *const *extra,
                                 size_t n_extra, const char *api_key, const cg_logger *log)
{
    cg_bz_task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->log = log;
    if (api_key != NULL) {
        snprintf(t->key, sizeof(t->key), "%s", api_key);
        t->has_key = 1;
    }
    t->extra = calloc(n_extra + 1, sizeof(*t->extra));
    if (t->extra == NULL)
        goto fail;
    for (; t->n_extra < n_extra; t->n_extra++) {
        t->extra[t->n_extra] = strdup(extra[t->n_extra]);
        if (t->extra[t->n_extra] == NULL)
            goto fail;
    }
    if (!cg_monitor_add_task(m, interval_s, task, t))
        goto fail;
    return t;
fail:
    cg_bz_task_free(t);
    return NULL;
}
