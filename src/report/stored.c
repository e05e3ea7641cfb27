/* Stored findings back as findings: stored.h. */
#include "report/stored.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

/* The extra fields stored as a JSON object, back as cg_fields (strings
 * borrowed from j). */
static size_t extra_fields(json_t *j, cg_field *fields, size_t cap)
{
    const char *key;
    json_t *val;
    size_t n = 0;
    if (j == NULL || !json_is_object(j))
        return 0;
    json_object_foreach(j, key, val)
    {
        if (n == cap)
            break;
        fields[n].key = key;
        fields[n].str = NULL;
        fields[n].boolean = 0;
        if (json_is_string(val)) {
            fields[n].type = CG_FIELD_STRING;
            fields[n].str = json_string_value(val);
        } else if (json_is_boolean(val)) {
            fields[n].type = CG_FIELD_BOOL;
            fields[n].boolean = json_is_true(val);
        } else {
            fields[n].type = CG_FIELD_NULL;
        }
        n++;
    }
    return n;
}

int cg_stored_view_init(cg_stored_view *v, const cg_store_finding *sf, size_t reserve)
{
    cg_rule_id rule;
    json_t *extra = NULL;
    size_t n = 0;
    memset(v, 0, sizeof(*v));
    if (sf->rule == NULL || !cg_rule_lookup(sf->rule, &rule))
        return 0;
    v->ref.file = sf->file;
    if (sf->has_log) {
        /* About a CT log: named by its URL, with its log ID. */
        cg_base64_encode(sf->log_id, 32, v->log64);
        v->ref.file = sf->log_url != NULL ? sf->log_url : v->log64;
    }
    v->ref.index = sf->index > 0 ? (size_t)sf->index : 0;
    v->ref.kind = sf->kind;
    v->ref.has_hash = sf->has_object;
    memcpy(v->ref.sha256, sf->object, 32);
    cg_cbs_init(&v->ref.issuer, sf->issuer, sf->issuer_len);
    cg_cbs_init(&v->ref.serial, sf->serial, sf->serial_len);
    if (sf->extra != NULL)
        extra = json_loads(sf->extra, 0, NULL);
    v->extra = extra;
    if (reserve > CG_STORED_MAX_FIELDS - 1)
        reserve = CG_STORED_MAX_FIELDS - 1;
    n = extra_fields(extra, v->fields, CG_STORED_MAX_FIELDS - 1 - reserve);
    if (sf->has_log)
        v->fields[n++] = (cg_field){"log", CG_FIELD_STRING, v->log64, 0};
    else if (!sf->has_object && sf->incident == 0 && sf->subject != NULL)
        v->fields[n++] = (cg_field){"document", CG_FIELD_STRING, sf->subject, 0};
    v->f.rule = rule;
    v->f.obj = &v->ref;
    v->f.message = sf->message != NULL ? sf->message : "";
    v->f.fields = v->fields;
    v->f.n_fields = n;
    v->f.incident = sf->incident;
    /* The severity it was stored with (the rule's own, or one the case
     * set: crl.unreachable). */
    v->f.has_severity = 1;
    v->f.severity = sf->severity;
    return 1;
}

void cg_stored_view_clear(cg_stored_view *v)
{
    json_decref(v->extra);
    v->extra = NULL;
}

void cg_stored_copy_clear(cg_stored_copy *c)
{
    free(c->rule);
    free(c->message);
    free(c->extra);
    free(c->file);
    free(c->subject);
    free(c->log_url);
    free(c->issuer);
    free(c->serial);
    memset(c, 0, sizeof(*c));
}

static int dup_text(char **to, const char *from)
{
    *to = NULL;
    return from == NULL || (*to = strdup(from)) != NULL;
}

static int dup_bytes(uint8_t **to, const uint8_t *from, size_t n)
{
    *to = NULL;
    if (from == NULL)
        return 1;
    *to = malloc(n > 0 ? n : 1);
    if (*to != NULL && n > 0)
        memcpy(*to, from, n);
    return *to != NULL;
}

typedef struct getter {
    cg_stored_copy *c;
    int found, ok;
} getter;

/* c holds a copy of sf that outlives the store's row: 1, or 0 when out of
 * memory (c then holds what was copied, for cg_stored_copy_clear). */
static int copy_finding(cg_stored_copy *c, const cg_store_finding *sf)
{
    int ok;
    c->sf = *sf;
    ok = dup_text(&c->rule, sf->rule) && dup_text(&c->message, sf->message) &&
         dup_text(&c->extra, sf->extra) && dup_text(&c->file, sf->file) &&
         dup_text(&c->subject, sf->subject) && dup_text(&c->log_url, sf->log_url) &&
         dup_bytes(&c->issuer, sf->issuer, sf->issuer_len) &&
         dup_bytes(&c->serial, sf->serial, sf->serial_len);
    c->sf.rule = c->rule;
    c->sf.message = c->message;
    c->sf.extra = c->extra;
    c->sf.file = c->file;
    c->sf.subject = c->subject;
    c->sf.log_url = c->log_url;
    c->sf.issuer = c->issuer;
    c->sf.serial = c->serial;
    return ok;
}

static int get_fn(void *arg, const cg_store_finding *sf)
{
    getter *g = arg;
    g->found = 1;
    g->ok = copy_finding(g->c, sf);
    return 0;
}

typedef struct many_getter {
    const int64_t *ids;
    size_t n;
    cg_stored_copy *out;
    int *found, ok;
} many_getter;

static int many_fn(void *arg, const cg_store_finding *sf)
{
    many_getter *g = arg;
    for (size_t i = 0; i < g->n; i++) {
        if (g->ids[i] != sf->id || g->found[i])
            continue;
        g->found[i] = 1;
        if (!copy_finding(&g->out[i], sf)) {
            g->ok = 0;
            return 0;
        }
    }
    return 1;
}

int cg_stored_get(cg_store *st, int64_t id, cg_stored_copy *out, int *found)
{
    cg_store_finding_filter flt;
    getter g = {out, 0, 1};
    memset(out, 0, sizeof(*out));
    memset(&flt, 0, sizeof(flt));
    flt.id = id;
    *found = 0;
    if (!cg_store_findings(st, &flt, get_fn, &g)) {
        cg_stored_copy_clear(out);
        return 0;
    }
    if (!g.ok) {
        cg_stored_copy_clear(out);
        return 0;
    }
    *found = g.found;
    return 1;
}

int cg_stored_get_many(cg_store *st, const int64_t *ids, size_t n, cg_stored_copy *out, int *found)
{
    cg_store_finding_filter flt;
    many_getter g = {ids, n, out, found, 1};
    memset(out, 0, n * sizeof(*out));
    memset(found, 0, n * sizeof(*found));
    if (n == 0)
        return 1;
    memset(&flt, 0, sizeof(flt));
    flt.ids = ids;
    flt.n_ids = n;
    if (cg_store_findings(st, &flt, many_fn, &g) && g.ok)
        return 1;
    for (size_t i = 0; i < n; i++) {
        cg_stored_copy_clear(&out[i]);
        found[i] = 0;
    }
    return 0;
}
