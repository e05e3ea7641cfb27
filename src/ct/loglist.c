/* CT log lists (see loglist.h). A load parses into a private batch first and
 * merges only when the whole file was good, so a bad list never leaves half
 * its logs behind. Strings point into the parsed JSON, which the list keeps
 * alive; only decoded keys and previous-operator arrays are allocated. */
#include "ct/loglist.h"

#include "util/base64.h"
#include "util/errf.h"
#include "x509/time.h"

#if CAGUARD_HAVE_JSON
#include <jansson.h>
#else
/* A build without jansson (CAGUARD_WITH_JSON off, the checks-only build)
 * reads no log list: cg_loglist_load says so and lists stay empty. */
typedef struct json_t json_t;
static void json_decref(json_t *j)
{
    (void)j;
}
#endif
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 160

struct entry {
    cg_log pub;
    uint8_t *key;
    cg_prev_operator *prev;
    /* where the log sits in its file, for duplicate-ID messages */
    size_t op_idx;
    size_t log_idx;
};

/* A parsed document whose strings the entries borrow. */
struct doc {
    json_t *root;
    char *source;
};

struct cg_loglist {
    struct entry **logs;  /* load order */
    struct entry **by_id; /* same entries, sorted by log_id */
    size_t n;
    struct doc *docs;
    size_t ndocs;
    int64_t timestamp; /* the oldest log_list_timestamp loaded, ms; -1 if none */
};

struct loader {
    const char *source;
    char *err;
    size_t errcap;
    cg_loglist_format format;
    struct entry **v;
    size_t n;
    size_t cap;
};

static const char *const state_names[] = {
    [CG_LOG_PENDING] = "pending",       [CG_LOG_QUALIFIED] = "qualified",
    [CG_LOG_USABLE] = "usable",         [CG_LOG_READONLY] = "readonly",
    [CG_LOG_RETIRED] = "retired",       [CG_LOG_REJECTED] = "rejected",
    [CG_LOG_STATE_UNKNOWN] = "unknown",
};

/* Always returns 0 so parsers can "return fail(...)". */
#if CAGUARD_HAVE_JSON
static int fail(struct loader *ld, const char *path, const char *what)
{
    if (path[0] == '\0')
        cg_errf(ld->err, ld->errcap, "%s: %s", ld->source, what);
    else
        cg_errf(ld->err, ld->errcap, "%s: %s: %s", ld->source, path, what);
    return 0;
}

/* Builds a field path like "operators[3].logs[2].key"; a path too long for
 * the buffer is cut short, which only shortens a message. */
static void path_fmt(char out[PATH_MAX_LEN], const char *fmt, ...)
{
    CG_FORMAT_ARGS(out, PATH_MAX_LEN, fmt);
}

#endif

static void entry_free(struct entry *e)
{
    if (e == NULL)
        return;
    free(e->key);
    free(e->prev);
    free(e);
}

/* ---- strict base64 (RFC 4648, padded, canonical) ---- */

/* Decodes into a fresh buffer. A JSON field holds no line breaks, so any
 * whitespace is refused, and so is an empty field. */
#if CAGUARD_HAVE_JSON
static int b64_decode(const char *s, uint8_t **out, size_t *out_len)
{
    return s[0] != '\0' && cg_base64_decode_new(s, strlen(s), 0, out, out_len);
}

/* ---- JSON field readers: each names the field in its message ---- */

static int get_string(struct loader *ld, const json_t *obj, const char *path, const char *key,
                      int required, const char **out)
{
    char where[PATH_MAX_LEN];
    json_t *v = json_object_get(obj, key);

    path_fmt(where, "%s%s%s", path, path[0] != '\0' ? "." : "", key);
    *out = NULL;
    if (v == NULL)
        return required ? fail(ld, where, "missing") : 1;
    if (!json_is_string(v))
        return fail(ld, where, "not a string");
    *out = json_string_value(v);
    return 1;
}

static int get_time(struct loader *ld, const json_t *obj, const char *path, const char *key,
                    int64_t *out)
{
    char where[PATH_MAX_LEN];
    const char *s;

    if (!get_string(ld, obj, path, key, 1, &s))
        return 0;
    path_fmt(where, "%s.%s", path, key);
    if (!cg_time_parse_rfc3339_ms(s, out))
        return fail(ld, where, "not an RFC 3339 date-time");
    return 1;
}

static int get_uint(struct loader *ld, const json_t *obj, const char *path, const char *key,
                    json_int_t *out)
{
    char where[PATH_MAX_LEN];
    json_t *v = json_object_get(obj, key);

    path_fmt(where, "%s.%s", path, key);
    if (v == NULL)
        return fail(ld, where, "missing");
    if (!json_is_integer(v))
        return fail(ld, where, "not an integer");
    if (json_integer_value(v) < 0)
        return fail(ld, where, "negative");
    *out = json_integer_value(v);
    return 1;
}

/* Base64 that must decode to exactly 32 bytes (log IDs, root hashes). */
static int get_hash32(struct loader *ld, const json_t *obj, const char *path, const char *key,
                      int required, int *present, uint8_t out[32])
{
    char where[PATH_MAX_LEN];
    const char *s;
    uint8_t *raw = NULL;
    size_t raw_len = 0;

    *present = 0;
    if (!get_string(ld, obj, path, key, required, &s))
        return 0;
    if (s == NULL)
        return 1;
    path_fmt(where, "%s.%s", path, key);
    if (!b64_decode(s, &raw, &raw_len))
        return fail(ld, where, "not base64");
    if (raw_len != 32) {
        free(raw);
        return fail(ld, where, "not 32 bytes");
    }
    memcpy(out, raw, 32);
    free(raw);
    *present = 1;
    return 1;
}

/* ---- one log ---- */

static int parse_key(struct loader *ld, const json_t *log, const char *path, struct entry *e)
{
    char where[PATH_MAX_LEN];
    const char *s;
    const uint8_t *p;
    EVP_PKEY *pkey;
    int parsed;

    if (!get_string(ld, log, path, "key", 1, &s))
        return 0;
    path_fmt(where, "%s.key", path);
    if (!b64_decode(s, &e->key, &e->pub.key_len))
        return fail(ld, where, "not base64");
    if (e->pub.key_len > LONG_MAX)
        return fail(ld, where, "too long");
    /* Refuse a key we could never verify an SCT with, here rather than at
     * the first SCT; the whole DER must be one SubjectPublicKeyInfo. */
    p = e->key;
    pkey = d2i_PUBKEY(NULL, &p, (long)e->pub.key_len);
    parsed = pkey != NULL && p == e->key + e->pub.key_len;
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    if (!parsed)
        return fail(ld, where, "not a DER SubjectPublicKeyInfo");
    e->pub.key_der = e->key;
    return 1;
}

/* Chrome requires the last tree head of a readonly log; it bounds what a
 * monitor must still be able to fetch. */
static int parse_final_tree_head(struct loader *ld, const json_t *st, const char *path,
                                 struct entry *e)
{
    char where[PATH_MAX_LEN];
    const json_t *fth = json_object_get(st, "final_tree_head");
    json_int_t size;
    int present;

    path_fmt(where, "%s.final_tree_head", path);
    if (fth == NULL)
        return fail(ld, where, "missing");
    if (!json_is_object(fth))
        return fail(ld, where, "not an object");
    if (!get_hash32(ld, fth, where, "sha256_root_hash", 1, &present, e->pub.final_root_hash))
        return 0;
    if (!get_uint(ld, fth, where, "tree_size", &size))
        return 0;
    e->pub.final_tree_size = (uint64_t)size;
    e->pub.has_final_tree_head = 1;
    return 1;
}

static int parse_state(struct loader *ld, const json_t *log, const char *path, struct entry *e)
{
    char where[PATH_MAX_LEN];
    json_t *st = json_object_get(log, "state");
    const char *name;
    const json_t *val;

    e->pub.state = CG_LOG_STATE_UNKNOWN;
    e->pub.state_ts = -1;
    /* crt.sh's list and Chrome's test and monitoring-only logs carry no state. */
    if (st == NULL)
        return 1;
    path_fmt(where, "%s.state", path);
    if (!json_is_object(st))
        return fail(ld, where, "not an object");
    if (json_object_size(st) != 1)
        return fail(ld, where, "must hold exactly one state");
    name = json_object_iter_key(json_object_iter(st));
    val = json_object_iter_value(json_object_iter(st));
    /* An unknown state name stays CG_LOG_STATE_UNKNOWN rather than failing
     * the list, so a state added to a future list does not lock us out. */
    for (int i = 0; i < CG_LOG_STATE_UNKNOWN; i++) {
        if (strcmp(name, state_names[i]) == 0)
            e->pub.state = (cg_log_state)i;
    }
    path_fmt(where, "%s.state.%s", path, name);
    if (!json_is_object(val))
        return fail(ld, where, "not an object");
    if (!get_time(ld, val, where, "timestamp", &e->pub.state_ts))
        return 0;
    if (e->pub.state == CG_LOG_READONLY && !parse_final_tree_head(ld, val, where, e))
        return 0;
    return 1;
}

static int parse_interval(struct loader *ld, const json_t *log, const char *path, struct entry *e)
{
    char where[PATH_MAX_LEN];
    const json_t *ti = json_object_get(log, "temporal_interval");

    if (ti == NULL)
        return 1;
    path_fmt(where, "%s.temporal_interval", path);
    if (!json_is_object(ti))
        return fail(ld, where, "not an object");
    if (!get_time(ld, ti, where, "start_inclusive", &e->pub.interval_start) ||
        !get_time(ld, ti, where, "end_exclusive", &e->pub.interval_end))
        return 0;
    if (e->pub.interval_start >= e->pub.interval_end)
        return fail(ld, where, "start_inclusive is not before end_exclusive");
    e->pub.has_interval = 1;
    return 1;
}

static int cmp_prev(const void *a, const void *b)
{
    const cg_prev_operator *x = a, *y = b;
    return (x->end_time > y->end_time) - (x->end_time < y->end_time);
}

static int parse_prev_ops(struct loader *ld, const json_t *log, const char *path, struct entry *e)
{
    char where[PATH_MAX_LEN];
    const json_t *arr = json_object_get(log, "previous_operators");
    size_t n;

    if (arr == NULL)
        return 1;
    path_fmt(where, "%s.previous_operators", path);
    if (!json_is_array(arr))
        return fail(ld, where, "not an array");
    n = json_array_size(arr);
    if (n == 0)
        return 1;
    e->prev = calloc(n, sizeof(*e->prev));
    if (e->prev == NULL)
        return fail(ld, where, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *po = json_array_get(arr, i);
        path_fmt(where, "%s.previous_operators[%zu]", path, i);
        if (!json_is_object(po))
            return fail(ld, where, "not an object");
        if (!get_string(ld, po, where, "name", 1, &e->prev[i].name) ||
            !get_time(ld, po, where, "end_time", &e->prev[i].end_time))
            return 0;
    }
    /* The list need not be in order; operator_at walks it oldest first. */
    qsort(e->prev, n, sizeof(*e->prev), cmp_prev);
    e->pub.prev_ops = e->prev;
    e->pub.n_prev_ops = n;
    return 1;
}

static int push_entry(struct loader *ld, struct entry *e)
{
    if (ld->n == ld->cap) {
        size_t ncap = ld->cap == 0 ? 64 : ld->cap * 2;
        struct entry **nv = realloc(ld->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return 0;
        ld->v = nv;
        ld->cap = ncap;
    }
    ld->v[ld->n++] = e;
    return 1;
}

static int parse_log(struct loader *ld, const json_t *log, const char *op_name, size_t op_idx,
                     size_t log_idx, int tiled)
{
    char path[PATH_MAX_LEN];
    struct entry *e = NULL;
    const char *desc;
    json_int_t mmd;
    int have_id;

    path_fmt(path, "operators[%zu].%s[%zu]", op_idx, tiled ? "tiled_logs" : "logs", log_idx);
    if (!json_is_object(log))
        return fail(ld, path, "not an object");
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return fail(ld, path, "out of memory");
    e->op_idx = op_idx;
    e->log_idx = log_idx;
    e->pub.tiled = tiled;
    e->pub.operator_name = op_name;
    e->pub.source = ld->source;
    e->pub.format = ld->format;

    if (!get_string(ld, log, path, "description", 0, &desc))
        goto err;
    e->pub.description = desc != NULL ? desc : "";
    if (!parse_key(ld, log, path, e))
        goto err;
    if (!get_hash32(ld, log, path, "log_id", 0, &have_id, e->pub.log_id))
        goto err;
    /* The list's log_id is what SCTs carry, so it is trusted as given;
     * only a missing one is derived from the key. */
    if (!have_id &&
        EVP_Digest(e->key, e->pub.key_len, e->pub.log_id, NULL, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        fail(ld, path, "cannot hash key");
        goto err;
    }
    if (tiled) {
        if (!get_string(ld, log, path, "submission_url", 1, &e->pub.url) ||
            !get_string(ld, log, path, "monitoring_url", 1, &e->pub.monitoring_url))
            goto err;
    } else if (!get_string(ld, log, path, "url", 1, &e->pub.url)) {
        goto err;
    }
    if (!get_uint(ld, log, path, "mmd", &mmd))
        goto err;
    e->pub.mmd = (int64_t)mmd;
    if (!get_string(ld, log, path, "log_type", 0, &e->pub.log_type))
        goto err;
    if (!parse_state(ld, log, path, e) || !parse_interval(ld, log, path, e) ||
        !parse_prev_ops(ld, log, path, e))
        goto err;
    if (!push_entry(ld, e)) {
        fail(ld, path, "out of memory");
        goto err;
    }
    return 1;
err:
    entry_free(e);
    return 0;
}

static int parse_log_array(struct loader *ld, const json_t *op, const char *op_name, size_t op_idx,
                           int tiled)
{
    char where[PATH_MAX_LEN];
    const char *key = tiled ? "tiled_logs" : "logs";
    const json_t *arr = json_object_get(op, key);

    /* Older lists have no tiled_logs; crt.sh has operators with empty logs. */
    if (arr == NULL)
        return 1;
    path_fmt(where, "operators[%zu].%s", op_idx, key);
    if (!json_is_array(arr))
        return fail(ld, where, "not an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (!parse_log(ld, json_array_get(arr, i), op_name, op_idx, i, tiled))
            return 0;
    }
    return 1;
}

static int parse_operator(struct loader *ld, const json_t *op, size_t idx)
{
    char path[PATH_MAX_LEN];
    const char *name;
    const json_t *email;

    path_fmt(path, "operators[%zu]", idx);
    if (!json_is_object(op))
        return fail(ld, path, "not an object");
    if (!get_string(ld, op, path, "name", 1, &name))
        return 0;
    /* email is required by Chrome's schema but crt.sh omits it; check its
     * shape when present since nothing here uses it. */
    email = json_object_get(op, "email");
    if (email != NULL) {
        char where[PATH_MAX_LEN];
        path_fmt(where, "%s.email", path);
        if (!json_is_array(email))
            return fail(ld, where, "not an array");
        for (size_t i = 0; i < json_array_size(email); i++) {
            if (!json_is_string(json_array_get(email, i)))
                return fail(ld, where, "not an array of strings");
        }
    }
    return parse_log_array(ld, op, name, idx, 0) && parse_log_array(ld, op, name, idx, 1);
}

static cg_loglist_format detect_format(const json_t *root)
{
    const char *schema = json_string_value(json_object_get(root, "$schema"));

    if (json_object_get(root, "assetVersion") != NULL)
        return CG_LOGLIST_APPLE;
    if (schema != NULL && strstr(schema, "apple.com/") != NULL)
        return CG_LOGLIST_APPLE;
    return CG_LOGLIST_CHROME_V3;
}

#endif

static int cmp_entry_id(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a;
    const struct entry *y = *(const struct entry *const *)b;
    return memcmp(x->pub.log_id, y->pub.log_id, 32);
}

/* Position in the file: operator, then logs before tiled_logs, then index. */
#if CAGUARD_HAVE_JSON
static uint64_t file_order(const struct entry *e)
{
    return (uint64_t)e->op_idx << 33 | (uint64_t)e->pub.tiled << 32 | (uint64_t)e->log_idx;
}

/* A log appearing twice in one file is a broken list, not a merge. */
static int check_unique(struct loader *ld)
{
    struct entry **sorted;
    char where[PATH_MAX_LEN], what[PATH_MAX_LEN];
    int ok = 0;

    if (ld->n < 2)
        return 1;
    sorted = malloc(ld->n * sizeof(*sorted));
    if (sorted == NULL)
        return fail(ld, "", "out of memory");
    memcpy(sorted, ld->v, ld->n * sizeof(*sorted));
    qsort(sorted, ld->n, sizeof(*sorted), cmp_entry_id);
    for (size_t i = 1; i < ld->n; i++) {
        const struct entry *a = sorted[i - 1], *b = sorted[i];
        if (memcmp(a->pub.log_id, b->pub.log_id, 32) != 0)
            continue;
        /* name the earlier one in file order first */
        if (file_order(b) < file_order(a)) {
            const struct entry *t = a;
            a = b;
            b = t;
        }
        path_fmt(where, "operators[%zu].%s[%zu].log_id", b->op_idx,
                 b->pub.tiled ? "tiled_logs" : "logs", b->log_idx);
        path_fmt(what, "duplicates the log_id of operators[%zu].%s[%zu]", a->op_idx,
                 a->pub.tiled ? "tiled_logs" : "logs", a->log_idx);
        fail(ld, where, what);
        goto out;
    }
    ok = 1;
out:
    free(sorted);
    return ok;
}

#endif

cg_loglist *cg_loglist_new(void)
{
    cg_loglist *ll = calloc(1, sizeof(cg_loglist));
    if (ll != NULL)
        ll->timestamp = -1;
    return ll;
}

void cg_loglist_free(cg_loglist *ll)
{
    if (ll == NULL)
        return;
    for (size_t i = 0; i < ll->n; i++)
        entry_free(ll->logs[i]);
    for (size_t i = 0; i < ll->ndocs; i++) {
        json_decref(ll->docs[i].root);
        free(ll->docs[i].source);
    }
    free(ll->logs);
    free(ll->by_id);
    free(ll->docs);
    free(ll);
}

/* Grows every array the merge writes to, so the merge itself cannot fail. */
#if CAGUARD_HAVE_JSON
static int reserve(cg_loglist *ll, size_t more)
{
    struct entry **nl, **nb;
    struct doc *nd;

    if (more > (SIZE_MAX / sizeof(*nl)) - ll->n)
        return 0;
    nl = realloc(ll->logs, (ll->n + more) * sizeof(*nl));
    if (nl == NULL)
        return 0;
    ll->logs = nl;
    nb = realloc(ll->by_id, (ll->n + more) * sizeof(*nb));
    if (nb == NULL)
        return 0;
    ll->by_id = nb;
    nd = realloc(ll->docs, (ll->ndocs + 1) * sizeof(*nd));
    if (nd == NULL)
        return 0;
    ll->docs = nd;
    return 1;
}

#endif

int cg_loglist_load(cg_loglist *ll, const uint8_t *json, size_t len, const char *source_name,
                    char *err, size_t errcap)
{
#if !CAGUARD_HAVE_JSON
    (void)ll;
    (void)json;
    (void)len;
    cg_errf(err, errcap,
            "%s: this build of caguard reads no CT log list (configured without "
            "CAGUARD_WITH_JSON)",
            source_name != NULL ? source_name : "<log list>");
    return 0;
#else
    struct loader ld = {0};
    json_error_t jerr;
    json_t *root = NULL;
    const json_t *ops;
    char *source = NULL;
    size_t old_n;
    int ok = 0;

    ld.source = source_name != NULL ? source_name : "<log list>";
    ld.err = err;
    ld.errcap = errcap;
    cg_errf(err, errcap, "%s", "");
    if (ll == NULL || (json == NULL && len != 0)) {
        fail(&ld, "", "no input");
        goto out;
    }
    /* Entries borrow the source name, so own a copy from the start. */
    source = strdup(ld.source);
    if (source == NULL) {
        fail(&ld, "", "out of memory");
        goto out;
    }
    ld.source = source;
    /* Duplicate keys make a list mean different things to different parsers. */
    root = json_loadb(json != NULL ? (const char *)json : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        cg_errf(err, errcap, "%s: invalid JSON at line %d column %d: %s", source, jerr.line,
                jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        fail(&ld, "", "top level is not an object");
        goto out;
    }
    ld.format = detect_format(root);
    ops = json_object_get(root, "operators");
    if (ops == NULL) {
        fail(&ld, "operators", "missing");
        goto out;
    }
    if (!json_is_array(ops)) {
        fail(&ld, "operators", "not an array");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(ops); i++) {
        if (!parse_operator(&ld, json_array_get(ops, i), i))
            goto out;
    }
    if (!check_unique(&ld))
        goto out;
    /* When the list was published (Chrome's lists; Apple's has none). */
    int64_t list_ts = -1;
    const json_t *ts = json_object_get(root, "log_list_timestamp");
    if (ts != NULL &&
        (!json_is_string(ts) || !cg_time_parse_rfc3339_ms(json_string_value(ts), &list_ts))) {
        fail(&ld, "log_list_timestamp", "not an RFC 3339 date-time");
        goto out;
    }
    if (!reserve(ll, ld.n)) {
        fail(&ld, "", "out of memory");
        goto out;
    }

    /* Merge: the first definition of a log ID wins. */
    old_n = ll->n;
    for (size_t i = 0; i < ld.n; i++) {
        struct entry *e = ld.v[i];
        ld.v[i] = NULL;
        if (old_n > 0 && bsearch(&e, ll->by_id, old_n, sizeof(e), cmp_entry_id) != NULL) {
            entry_free(e);
            continue;
        }
        ll->logs[ll->n] = e;
        ll->by_id[ll->n] = e;
        ll->n++;
    }
    qsort(ll->by_id, ll->n, sizeof(*ll->by_id), cmp_entry_id);
    if (list_ts >= 0 && (ll->timestamp < 0 || list_ts < ll->timestamp))
        ll->timestamp = list_ts;
    /* Keep the document only if some log borrows from it. */
    if (ll->n > old_n) {
        ll->docs[ll->ndocs].root = root;
        ll->docs[ll->ndocs].source = source;
        ll->ndocs++;
        root = NULL;
        source = NULL;
    }
    ok = 1;
out:
    for (size_t i = 0; i < ld.n; i++)
        entry_free(ld.v[i]);
    free(ld.v);
    json_decref(root);
    free(source);
    return ok;
#endif
}

size_t cg_loglist_count(const cg_loglist *ll)
{
    return ll != NULL ? ll->n : 0;
}

int64_t cg_loglist_timestamp(const cg_loglist *ll)
{
    return ll != NULL ? ll->timestamp : -1;
}

const cg_log *cg_loglist_get0(const cg_loglist *ll, size_t i)
{
    if (ll == NULL || i >= ll->n)
        return NULL;
    return &ll->logs[i]->pub;
}

const cg_log *cg_loglist_find(const cg_loglist *ll, const uint8_t log_id[32])
{
    struct entry key, *kp = &key;
    struct entry **hit;

    if (ll == NULL || ll->n == 0 || log_id == NULL)
        return NULL;
    memcpy(key.pub.log_id, log_id, 32);
    hit = bsearch(&kp, ll->by_id, ll->n, sizeof(kp), cmp_entry_id);
    return hit != NULL ? &(*hit)->pub : NULL;
}

const char *cg_log_operator_at(const cg_log *log, int64_t t_ms)
{
    if (log == NULL)
        return NULL;
    for (size_t i = 0; i < log->n_prev_ops; i++) {
        if (t_ms < log->prev_ops[i].end_time)
            return log->prev_ops[i].name;
    }
    return log->operator_name;
}

int cg_log_followed(const cg_log *log)
{
    if (log == NULL)
        return 0;
    switch (log->state) {
    case CG_LOG_QUALIFIED:
    case CG_LOG_USABLE:
    case CG_LOG_READONLY:
        return 1;
    case CG_LOG_PENDING:
    case CG_LOG_RETIRED:
    case CG_LOG_REJECTED:
    case CG_LOG_STATE_UNKNOWN:
        break;
    }
    return 0;
}

const char *cg_log_monitor_url(const cg_log *log)
{
    if (log == NULL)
        return NULL;
    if (log->tiled && log->monitoring_url != NULL)
        return log->monitoring_url;
    return log->url;
}

const char *cg_log_state_name(cg_log_state state)
{
    if ((unsigned)state > CG_LOG_STATE_UNKNOWN)
        return "unknown";
    return state_names[state];
}

/* ---- detached signature ---- */

static EVP_PKEY *load_pubkey(const uint8_t *key, size_t len)
{
    const uint8_t *p = key;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;

    if (len > INT32_MAX)
        return NULL;
    pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey != NULL && p == key + len)
        return pkey;
    EVP_PKEY_free(pkey);
    pkey = NULL;
    bio = BIO_new_mem_buf(key, (int)len);
    if (bio != NULL)
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return pkey;
}

int cg_loglist_verify_signature(const uint8_t *json, size_t json_len, const uint8_t *sig,
                                size_t sig_len, const uint8_t *pubkey_pem_or_der, size_t key_len,
                                char *err, size_t errcap)
{
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    cg_errf(err, errcap, "%s", "");
    if ((json == NULL && json_len != 0) || sig == NULL || sig_len == 0 ||
        pubkey_pem_or_der == NULL) {
        cg_errf(err, errcap, "missing list, signature or key");
        goto out;
    }
    pkey = load_pubkey(pubkey_pem_or_der, key_len);
    if (pkey == NULL) {
        cg_errf(err, errcap, "public key is not a PEM or DER SubjectPublicKeyInfo");
        goto out;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pkey) != 1) {
        cg_errf(err, errcap, "cannot set up SHA-256 verification with this key");
        goto out;
    }
    /* Chrome signs with PKCS#1 v1.5; never fall back to anything else. */
    if (EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
        cg_errf(err, errcap, "cannot select RSA PKCS#1 v1.5 padding");
        goto out;
    }
    if (EVP_DigestVerify(md, sig, sig_len, json != NULL ? json : (const uint8_t *)"", json_len) !=
        1) {
        cg_errf(err, errcap, "signature does not match the list and key");
        goto out;
    }
    ok = 1;
out:
    /* Leave no OpenSSL errors behind for unrelated callers to trip over. */
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return ok;
}
