#include "incident/bugzilla.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "util/time.h"


void cg_bz_bug_clear(cg_bz_bug *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n_comments; i++)
        free(b->comments[i].creator);
    free(b->comments);
    free(b->whiteboard);
    free(b->status);
    memset(b, 0, sizeof(*b));
}

/* The answer as a JSON object, or NULL with err: not JSON (an HTML error
 * page, a truncated body), not an object, or Bugzilla's error answer. */
static json_t *load(const uint8_t *p, size_t n, const char *what, char *err, size_t errcap)
{
    json_error_t jerr;
    json_t *root = json_loadb(p != NULL ? (const char *)p : "", n, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        size_t i = 0;
        while (i < n && isspace(p[i]))
            i++;
        if (i < n && p[i] == '<')
            snprintf(err, errcap, "%s: an HTML page, not Bugzilla's JSON answer", what);
        else
            snprintf(err, errcap, "%s: not JSON (line %d, column %d: %s)", what, jerr.line,
                     jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errcap, "%s: the answer is not a JSON object", what);
        json_decref(root);
        return NULL;
    }
    if (json_is_true(json_object_get(root, "error"))) {
        const char *m = json_string_value(json_object_get(root, "message"));
        json_int_t code = json_integer_value(json_object_get(root, "code"));
        snprintf(err, errcap, "%s: Bugzilla answered error %lld: %.300s", what, (long long)code,
                 m != NULL ? m : "(no message)");
        json_decref(root);
        return NULL;
    }
    return root;
}

static int get_id(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (int64_t)json_integer_value(v);
    return 1;
}

static char *dup_str(json_t *v)
{
    const char *s = json_string_value(v);
    return strdup(s != NULL ? s : "");
}

int cg_bz_decode_bug(const uint8_t *p, size_t n, int64_t id, cg_bz_bug *b, char *err,
                     size_t errcap)
{
    json_t *root = load(p, n, "bug.json", err, errcap), *bug = NULL;
    int ok = 0;
    if (root == NULL)
        return 0;
    json_t *bugs = json_object_get(root, "bugs");
    if (!json_is_array(bugs) || json_array_size(bugs) == 0) {
        snprintf(err, errcap, "bug.json: no \"bugs\" array with the bug (not visible to you?)");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(bugs) && bug == NULL; i++) {
        int64_t got = 0;
        json_t *o = json_array_get(bugs, i);
        if (!json_is_object(o) || !get_id(o, "id", &got)) {
            snprintf(err, errcap, "bug.json: bugs[%zu] has no numeric \"id\"", i);
            goto out;
        }
        if (got == id)
            bug = o;
    }
    if (bug == NULL) {
        snprintf(err, errcap, "bug.json: the answer does not hold bug %lld", (long long)id);
        goto out;
    }
    json_t *wb = json_object_get(bug, "whiteboard"), *st = json_object_get(bug, "status");
    json_t *open = json_object_get(bug, "is_open");
    if ((wb != NULL && !json_is_string(wb) && !json_is_null(wb)) ||
        (st != NULL && !json_is_string(st) && !json_is_null(st))) {
        snprintf(err, errcap, "bug.json: \"whiteboard\" or \"status\" is not a string");
        goto out;
    }
    free(b->whiteboard);
    free(b->status);
    b->whiteboard = dup_str(wb);
    b->status = json_is_string(st) ? dup_str(st) : NULL;
    if (b->whiteboard == NULL || (json_is_string(st) && b->status == NULL)) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    b->id = id;
    b->is_open = json_is_boolean(open) ? json_is_true(open) : -1;
    ok = 1;
out:
    json_decref(root);
    return ok;
}

static int decode_comment(json_t *o, size_t i, cg_bz_comment *c, char *err, size_t errcap)
{
    json_t *t = json_object_get(o, "creation_time");
    if (t == NULL)
        t = json_object_get(o, "time");
    if (!get_id(o, "id", &c->id)) {
        snprintf(err, errcap, "comment.json: comments[%zu] has no numeric \"id\"", i);
        return 0;
    }
    if (!get_id(o, "count", &c->count))
        c->count = (int64_t)i;
    if (!json_is_string(json_object_get(o, "creator"))) {
        snprintf(err, errcap, "comment.json: comment %lld has no \"creator\"", (long long)c->id);
        return 0;
    }
    if (!json_is_string(t) || !cg_time_parse_rfc3339(json_string_value(t), &c->at)) {
        snprintf(err, errcap, "comment.json: comment %lld has no RFC 3339 \"creation_time\"",
                 (long long)c->id);
        return 0;
    }
    c->is_private = json_is_true(json_object_get(o, "is_private"));
    c->creator = dup_str(json_object_get(o, "creator"));
    if (c->creator == NULL) {
        snprintf(err, errcap, "out of memory");
        return 0;
    }
    return 1;
}

int cg_bz_decode_comments(const uint8_t *p, size_t n, int64_t id, cg_bz_bug *b, char *err,
                          size_t errcap)
{
    json_t *root = load(p, n, "comment.json", err, errcap);
    cg_bz_comment *v = NULL;
    size_t nv = 0;
    char key[24];
    int ok = 0;
    if (root == NULL)
        return 0;
    snprintf(key, sizeof(key), "%lld", (long long)id);
    json_t *comments = json_object_get(json_object_get(json_object_get(root, "bugs"), key),
                                       "comments");
    if (!json_is_array(comments)) {
        snprintf(err, errcap, "comment.json: no \"bugs\".\"%s\".\"comments\" array", key);
        goto out;
    }
    if (json_array_size(comments) > CG_BZ_MAX_COMMENTS) {
        snprintf(err, errcap, "comment.json: %zu comments, more than the %d caguard reads",
                 json_array_size(comments), CG_BZ_MAX_COMMENTS);
        goto out;
    }
    v = calloc(json_array_size(comments) + 1, sizeof(*v));
    if (v == NULL) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(comments); i++) {
        json_t *o = json_array_get(comments, i);
        if (!json_is_object(o)) {
            snprintf(err, errcap, "comment.json: comments[%zu] is not an object", i);
            goto out;
        }
        nv++;
        if (!decode_comment(o, i, &v[i], err, errcap))
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (v[j].id == v[i].id) {
                snprintf(err, errcap, "comment.json: comment %lld appears twice",
                         (long long)v[i].id);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < b->n_comments; i++)
        free(b->comments[i].creator);
    free(b->comments);
    b->comments = v;
    b->n_comments = nv;
    v = NULL;
    nv = 0;
    ok = 1;
out:
    for (size_t i = 0; i < nv; i++)
        free(v[i].creator);
    free(v);
    json_decref(root);
    return ok;
}

/* "next", then "update" after at most one of ' ', '-', '_'. */
static const char *match_next_update(const char *s)
{
    if (strncasecmp(s, "next", 4) != 0)
        return NULL;
    s += 4;
    if (*s == ' ' || *s == '-' || *s == '_')
        s++;
    if (strncasecmp(s, "update", 6) != 0)
        return NULL;
    return s + 6;
}

int cg_bz_next_update(const char *wb, int64_t *due)
{
    for (const char *s = wb; s != NULL && *s != '\0'; s++) {
        const char *d = match_next_update(s);
        char stamp[32];
        if (d == NULL)
            continue;
        /* separators CAs put between the words and the date */
        for (int k = 0; k < 4 && (*d == ' ' || *d == ':' || *d == '-' || *d == '=');)
            d++, k++;
        /* YYYY-MM-DD and not more digits: the day's end, through the one
         * RFC 3339 reader (which checks the calendar) */
        if (strspn(d, "0123456789-") != 10 || d[4] != '-' || d[7] != '-')
            continue;
        snprintf(stamp, sizeof(stamp), "%.10sT23:59:59Z", d);
        if (cg_time_parse_rfc3339(stamp, due))
            return 1;
    }
    return 0;
}

int cg_bz_parse_url(const char *url, char *base, size_t basecap, int64_t *id, char *err,
                    size_t errcap)
{
    const char *host, *tail, *num;
    size_t blen;
    unsigned long long v = 0;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        goto bad;
    tail = strstr(host, "/show_bug.cgi?");
    if (tail != NULL) {
        num = strstr(tail, "id=");
        if (num == NULL || (num[-1] != '?' && num[-1] != '&'))
            goto bad;
        num += 3;
    } else {
        tail = strrchr(host, '/');
        if (tail == NULL)
            goto bad;
        num = tail + 1;
    }
    if (tail == host || *num < '1' || *num > '9')
        goto bad;
    for (; *num >= '0' && *num <= '9'; num++) {
        v = v * 10 + (unsigned)(*num - '0');
        if (v > 1000000000000ull)
            goto bad;
    }
    if (*num != '\0' && *num != '&' && *num != '#')
        goto bad;
    blen = (size_t)(tail - url);
    if (blen + 1 > basecap)
        goto bad;
    memcpy(base, url, blen);
    base[blen] = '\0';
    *id = (int64_t)v;
    return 1;
bad:
    snprintf(err, errcap,
             "'%.200s' is not a Bugzilla bug URL (https://HOST/show_bug.cgi?id=N or "
             "https://HOST/N)",
             url);
    return 0;
}

int cg_bz_is_ca(const char *creator, const char *const *accounts, size_t n)
{
    for (size_t i = 0; creator != NULL && i < n; i++) {
        if (strcasecmp(creator, accounts[i]) == 0)
            return 1;
    }
    return 0;
}
