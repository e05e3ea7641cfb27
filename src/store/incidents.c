/* The store's incidents (store.h, "incidents"; the structs are
 * src/incident/incident.h): an incident with its events and certificates,
 * created, read back whole, listed, added to, and its certificates'
 * revocation filled from the stored CRL entries.
 *
 * Invariants kept here: an incident is read back exactly as stored, its
 * events in time order (then as added) and its certificates in the order
 * they were added; a certificate is there once per SHA-256 (adding it again
 * replaces it); an event or certificate is only ever added to an incident
 * that exists, in the same write. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "incident/certs.h"
#include "util/grow.h"
#include "store/store_internal.h"
#include "x509/x509.h"

#define INC_CERT_COLS                                                                             \
    "sha256, is_precert, precert_sha256, cert_sha256, serial_hex, issuer, subject, "              \
    "dns_names, not_before, not_after, revoked, revocation_date, published_at, reason"

const char *const cg_st_sql_incidents[Q_COUNT] = {
    [Q_INC_INSERT] = "INSERT INTO incidents (kind, title, source, reported_at, next_update_at) "
                     "VALUES (?, ?, ?, ?, ?) RETURNING id",
    [Q_INC_GET] = "SELECT id, kind, title, source, reported_at, next_update_at FROM incidents "
                  "WHERE id = ?",
    [Q_INC_IDS] = "SELECT id FROM incidents ORDER BY id",
    [Q_INC_EVENTS] = "SELECT id, type, at, note FROM incident_events WHERE incident_id = ? "
                     "ORDER BY at, id",
    [Q_INC_CERTS] = "SELECT " INC_CERT_COLS " FROM incident_certs WHERE incident_id = ? "
                    "ORDER BY id",
    [Q_INC_CERT_EXISTS] = "SELECT id FROM incident_certs WHERE incident_id = ? AND sha256 = ?",
    [Q_INC_CERT_INSERT] = "INSERT INTO incident_certs (incident_id, " INC_CERT_COLS ") VALUES "
                          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [Q_INC_CERT_UPDATE] =
        "UPDATE incident_certs SET is_precert = ?, precert_sha256 = ?, cert_sha256 = ?, "
        "serial_hex = ?, issuer = ?, subject = ?, dns_names = ?, not_before = ?, "
        "not_after = ?, revoked = ?, revocation_date = ?, published_at = ?, reason = ? "
        "WHERE id = ?",
    [Q_INC_EVENT_INSERT] = "INSERT INTO incident_events (incident_id, type, at, note) "
                           "VALUES (?, ?, ?, ?) RETURNING id",
    [Q_INC_NEXT_UPDATE] = "UPDATE incidents SET next_update_at = ? WHERE id = ? RETURNING id",
    [Q_INC_RULES] = "SELECT rule FROM incident_rules WHERE incident_id = ? ORDER BY rule",
    [Q_INC_RULES_CLEAR] = "DELETE FROM incident_rules WHERE incident_id = ?",
    [Q_INC_RULE_INSERT] = "INSERT INTO incident_rules (incident_id, rule) VALUES (?, ?)",
    /* the open findings of a rule on objects of an issuer, listed in no
     * incident */
    [Q_INC_SCOPE_GAPS] =
        "SELECT DISTINCT o.sha256, o.kind, o.serial, o.first_seen FROM findings f "
        "JOIN objects o ON o.sha256 = f.object_sha256 WHERE f.rule = ? AND "
        "f.resolved_at IS NULL AND o.issuer = ? AND o.kind IN ('certificate', "
        "'precertificate') AND NOT EXISTS (SELECT 1 FROM incident_certs ic WHERE "
        "ic.sha256 = o.sha256) ORDER BY o.first_seen, o.sha256",
};

static int incident_exists(cg_store *s, int64_t id)
{
    cg_sql_stmt *st = q(s, Q_INC_GET);
    int found = 0;
    if (st == NULL)
        return -1;
    if (!b_int(s, st, 1, id))
        return cg_st_db_fail(s, "reading an incident") - 1;
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR)
        found = cg_st_db_fail(s, "reading an incident") - 1;
    else
        found = r == CG_SQL_ROW;
    s->drv->reset(st);
    return found;
}

/* 1 when the incident exists; 0 when it does not (said: "no incident N")
 * or cannot be read. */
static int incident_must_exist(cg_store *s, int64_t id)
{
    int e = incident_exists(s, id);
    if (e == 0)
        cg_st_fail(s, "no incident %lld", (long long)id);
    return e > 0;
}

static int bind_cert(cg_store *s, cg_sql_stmt *st, int p, const cg_incident_cert *c)
{
    return b_int(s, st, p, c->is_precert != 0) &&
           b_blob_or_null(s, st, p + 1, c->has_precert_sha ? c->precert_sha256 : NULL, 32) &&
           b_blob_or_null(s, st, p + 2, c->has_cert_sha ? c->cert_sha256 : NULL, 32) &&
           b_text_or_null(s, st, p + 3, c->serial_hex) &&
           b_text_or_null(s, st, p + 4, c->issuer) && b_text_or_null(s, st, p + 5, c->subject) &&
           b_text_or_null(s, st, p + 6, c->dns_names) && b_int(s, st, p + 7, c->not_before) &&
           b_int(s, st, p + 8, c->not_after) && b_int(s, st, p + 9, c->revoked != 0) &&
           b_int(s, st, p + 10, c->revocation_date) && b_int(s, st, p + 11, c->published_at) &&
           b_int(s, st, p + 12, c->reason);
}

/* Adds or replaces one certificate, inside a write. */
static int put_cert(cg_store *s, int64_t incident, const cg_incident_cert *c, int *is_new)
{
    cg_sql_stmt *st = q(s, Q_INC_CERT_EXISTS);
    int64_t row = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, incident) || !b_blob(s, st, 2, c->sha256, 32))
        return cg_st_db_fail(s, "storing an incident certificate");
    cg_sql_step r = cg_st_step(s, st, "storing an incident certificate");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW)
        row = c_int(s, st, 0);
    s->drv->reset(st);
    if (row != 0) {
        st = q(s, Q_INC_CERT_UPDATE);
        if (st == NULL)
            return 0;
        if (!bind_cert(s, st, 1, c) || !b_int(s, st, 14, row))
            return cg_st_db_fail(s, "storing an incident certificate");
    } else {
        st = q(s, Q_INC_CERT_INSERT);
        if (st == NULL)
            return 0;
        if (!b_int(s, st, 1, incident) || !b_blob(s, st, 2, c->sha256, 32) ||
            !bind_cert(s, st, 3, c))
            return cg_st_db_fail(s, "storing an incident certificate");
    }
    if (!cg_st_run(s, st, "storing an incident certificate"))
        return 0;
    if (is_new != NULL)
        *is_new = row == 0;
    return 1;
}

static int put_event(cg_store *s, int64_t incident, cg_incident_event *ev)
{
    cg_sql_stmt *st = q(s, Q_INC_EVENT_INSERT);
    if (st == NULL)
        return 0;
    if (ev->type < 0 || ev->type >= CG_EVENT_TYPE_COUNT) {
        cg_st_fail(s, "unknown incident event type %d", (int)ev->type);
        return 0;
    }
    if (!b_int(s, st, 1, incident) || !b_int(s, st, 2, ev->type) || !b_int(s, st, 3, ev->at) ||
        !b_text_or_null(s, st, 4, ev->note))
        return cg_st_db_fail(s, "storing an incident event");
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "storing an incident event");
    }
    ev->id = c_int(s, st, 0);
    s->drv->reset(st);
    return 1;
}

/* Replaces the incident's rules, inside a write. */
static int put_rules(cg_store *s, int64_t incident, const char *const *rules, size_t n)
{
    cg_sql_stmt *st = q(s, Q_INC_RULES_CLEAR);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, incident))
        return cg_st_db_fail(s, "storing an incident's rules");
    if (!cg_st_run(s, st, "storing an incident's rules"))
        return 0;
    for (size_t i = 0; i < n; i++) {
        cg_rule_id id;
        int dup = 0;
        if (!cg_rule_lookup(rules[i], &id)) {
            cg_st_fail(s, "unknown rule '%s'", rules[i]);
            return 0;
        }
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(rules[i], rules[j]) == 0;
        if (dup)
            continue;
        st = q(s, Q_INC_RULE_INSERT);
        if (st == NULL)
            return 0;
        if (!b_int(s, st, 1, incident) || !b_text(s, st, 2, rules[i]))
            return cg_st_db_fail(s, "storing an incident's rules");
        if (!cg_st_run(s, st, "storing an incident's rules"))
            return 0;
    }
    return 1;
}

int cg_store_incident_create(cg_store *s, cg_incident *inc)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (inc->kind == NULL) {
        cg_st_fail(s, "an incident needs a kind");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_INC_INSERT);
    if (st == NULL)
        goto out;
    if (!b_text(s, st, 1, inc->kind) || !b_text_or_null(s, st, 2, inc->title) ||
        !b_int(s, st, 3, inc->source) || !b_int(s, st, 4, inc->reported_at) ||
        !b_int(s, st, 5, inc->next_update_at)) {
        cg_st_db_fail(s, "storing an incident");
        goto out;
    }
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        cg_st_db_fail(s, "storing an incident");
        goto out;
    }
    int64_t id = c_int(s, st, 0);
    s->drv->reset(st);
    for (size_t i = 0; i < inc->n_certs; i++) {
        if (!put_cert(s, id, &inc->certs[i], NULL))
            goto out;
    }
    for (size_t i = 0; i < inc->n_events; i++) {
        if (!put_event(s, id, &inc->events[i]))
            goto out;
    }
    if (!put_rules(s, id, (const char *const *)inc->rules, inc->n_rules))
        goto out;
    inc->id = id;
    ok = 1;
out:
    return cg_st_write_end(s, own, ok);
}

/* A strdup that tells a failed copy from a NULL column. */
static int dup_col(cg_store *s, cg_sql_stmt *st, int i, char **out)
{
    const char *t = c_text(s, st, i);
    *out = t != NULL ? strdup(t) : NULL;
    return t == NULL || *out != NULL;
}

/* Reads a row of query into elem (zeroed): 0 when out of memory. */
typedef int (*read_fn)(cg_store *s, cg_sql_stmt *st, void *elem);

/* The rows of query (its one parameter, the incident ID, when id > 0) as
 * the array *arr of *n elements of size bytes each, grown as they come.
 * An element counts once it is zeroed, so a failed read leaves nothing the
 * caller's clear cannot free. */
static int load_rows(cg_store *s, query_id query, int64_t id, void **arr, size_t *n, size_t size,
                     read_fn read, const char *what)
{
    cg_sql_stmt *st = q(s, query);
    size_t cap = 0;
    cg_sql_step r;
    if (st == NULL)
        return 0;
    if (id > 0 && !b_int(s, st, 1, id))
        return cg_st_db_fail(s, what);
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        void *elem = cg_grow_push(arr, n, &cap, size);
        if (elem == NULL || !read(s, st, elem))
            goto oom;
    }
    return cg_st_rows_end(s, st, r, what);
oom:
    s->drv->reset(st);
    cg_st_fail(s, "out of memory");
    return 0;
}

static int read_event(cg_store *s, cg_sql_stmt *st, void *elem)
{
    cg_incident_event *ev = elem;
    ev->id = c_int(s, st, 0);
    ev->type = (cg_event_type)c_int(s, st, 1);
    ev->at = c_int(s, st, 2);
    return dup_col(s, st, 3, &ev->note);
}

static int read_cert(cg_store *s, cg_sql_stmt *st, void *elem)
{
    cg_incident_cert *c = elem;
    int has;
    c_sha(s, st, 0, &has, c->sha256);
    c->is_precert = (int)c_int(s, st, 1);
    c_sha(s, st, 2, &c->has_precert_sha, c->precert_sha256);
    c_sha(s, st, 3, &c->has_cert_sha, c->cert_sha256);
    c->not_before = c_int(s, st, 8);
    c->not_after = c_int(s, st, 9);
    c->revoked = (int)c_int(s, st, 10);
    c->revocation_date = c_int(s, st, 11);
    c->published_at = c_int(s, st, 12);
    c->reason = (int)c_int(s, st, 13);
    return dup_col(s, st, 4, &c->serial_hex) && dup_col(s, st, 5, &c->issuer) &&
           dup_col(s, st, 6, &c->subject) && dup_col(s, st, 7, &c->dns_names);
}

static int read_rule(cg_store *s, cg_sql_stmt *st, void *elem)
{
    return dup_col(s, st, 0, (char **)elem);
}

static int read_id(cg_store *s, cg_sql_stmt *st, void *elem)
{
    *(int64_t *)elem = c_int(s, st, 0);
    return 1;
}

int cg_store_incident_get(cg_store *s, int64_t id, cg_incident *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_INC_GET);
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, id))
        return cg_st_db_fail(s, "reading an incident");
    cg_sql_step r = cg_st_step(s, st, "reading an incident");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_DONE) {
        s->drv->reset(st);
        return 1;
    }
    out->id = c_int(s, st, 0);
    out->source = (cg_source)c_int(s, st, 3);
    out->reported_at = c_int(s, st, 4);
    out->next_update_at = c_int(s, st, 5);
    int copied = dup_col(s, st, 1, &out->kind) && dup_col(s, st, 2, &out->title);
    s->drv->reset(st);
    if (!copied) {
        cg_st_fail(s, "out of memory");
        goto err;
    }
    if (!load_rows(s, Q_INC_EVENTS, out->id, (void **)&out->events, &out->n_events,
                   sizeof(cg_incident_event), read_event, "reading incident events") ||
        !load_rows(s, Q_INC_CERTS, out->id, (void **)&out->certs, &out->n_certs,
                   sizeof(cg_incident_cert), read_cert, "reading incident certificates") ||
        !load_rows(s, Q_INC_RULES, out->id, (void **)&out->rules, &out->n_rules, sizeof(char *),
                   read_rule, "reading incident rules"))
        goto err;
    *found = 1;
    return 1;
err:
    cg_incident_clear(out);
    return 0;
}

int cg_store_incident_ids(cg_store *s, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    return load_rows(s, Q_INC_IDS, 0, (void **)ids, n, sizeof(**ids), read_id, "listing incidents");
}

int cg_store_incident_list(cg_store *s, cg_store_incident_fn fn, void *arg)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int ok = 0;
    /* IDs first: loading each incident uses other statements. */
    if (!cg_store_incident_ids(s, &ids, &n))
        goto out;
    for (size_t i = 0; i < n; i++) {
        cg_incident inc;
        int found, go_on;
        if (!cg_store_incident_get(s, ids[i], &inc, &found))
            goto out;
        if (!found)
            continue;
        go_on = fn(arg, &inc);
        cg_incident_clear(&inc);
        if (!go_on)
            break;
    }
    ok = 1;
out:
    free(ids);
    return ok;
}

/* Adds a certificate (cert, with is_new) or else an event (ev) to an
 * incident that exists, in one write. */
static int add_to(cg_store *s, int64_t incident, const cg_incident_cert *cert, int *is_new,
                  cg_incident_event *ev)
{
    int own, ok;
    if (!cg_st_write_begin(s, &own))
        return 0;
    ok = incident_must_exist(s, incident) &&
         (cert != NULL ? put_cert(s, incident, cert, is_new) : put_event(s, incident, ev));
    return cg_st_write_end(s, own, ok);
}

int cg_store_incident_add_cert(cg_store *s, int64_t incident, const cg_incident_cert *cert,
                               int *is_new)
{
    return add_to(s, incident, cert, is_new, NULL);
}

int cg_store_incident_add_event(cg_store *s, int64_t incident, cg_incident_event *ev)
{
    return add_to(s, incident, NULL, NULL, ev);
}

int cg_store_incident_set_next_update(cg_store *s, int64_t incident, int64_t at)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_INC_NEXT_UPDATE);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_int(s, st, 2, incident)) {
            cg_st_db_fail(s, "updating an incident");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR)
                cg_st_db_fail(s, "updating an incident");
            else if (r == CG_SQL_DONE)
                cg_st_fail(s, "no incident %lld", (long long)incident);
            else
                ok = 1;
            s->drv->reset(st);
        }
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_incident_observe_revocations(cg_store *s, cg_incident *inc)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        cg_incident_cert *c = &inc->certs[i];
        int found;
        cg_store_revocation rv;
        cg_store_object *o = cg_store_get1_object(s, c->sha256, &found);
        if (!found) {
            if (o == NULL && s->err[0] != '\0')
                return 0;
            continue;
        }
        if (c->types == 0) {
            cg_cert cert;
            cg_der_error derr;
            if (cg_cert_parse(&cert, o->der, o->der_len, &derr))
                c->types = cg_incident_cert_types(&cert);
        }
        int ok = o->issuer != NULL && o->serial != NULL &&
                 cg_store_revocation_lookup(s, o->issuer, o->issuer_len, o->serial, o->serial_len,
                                            &rv, &found);
        int had_issuer = o->issuer != NULL && o->serial != NULL;
        cg_store_object_free(o);
        if (!had_issuer)
            continue;
        if (!ok)
            return 0;
        if (found) {
            c->revoked = 1;
            c->revocation_date = rv.revocation_date;
            c->published_at = rv.first_seen;
            c->reason = rv.reason;
        }
    }
    return 1;
}

int cg_store_incident_set_rules(cg_store *s, int64_t incident, const char *const *rules, size_t n)
{
    int own, ok;
    if (!cg_st_write_begin(s, &own))
        return 0;
    ok = incident_must_exist(s, incident) && put_rules(s, incident, rules, n);
    return cg_st_write_end(s, own, ok);
}

/* An issuing CA of the incident (its Name bytes) and the serials of the
 * incident's certificates under it. */
typedef struct {
    uint8_t *issuer;
    size_t issuer_len;
} scope_issuer;

static void free_issuers(scope_issuer *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].issuer);
    free(v);
}

/* The incident's certificates that share this issuer text and serial. */
static int listed_serial(const cg_incident *inc, const char *serial_hex)
{
    for (size_t i = 0; i < inc->n_certs; i++) {
        if (inc->certs[i].serial_hex != NULL && strcmp(inc->certs[i].serial_hex, serial_hex) == 0)
            return 1;
    }
    return 0;
}

int cg_store_incident_scope_gaps(cg_store *s, const cg_incident *inc, cg_store_scope_fn fn,
                                 void *arg)
{
    scope_issuer *iss = NULL;
    size_t n_iss = 0;
    uint8_t(*seen)[32] = NULL;
    size_t n_seen = 0, cap_seen = 0;
    int ok = 0, go_on = 1;
    if (inc->n_rules == 0 || inc->n_certs == 0)
        return 1;
    iss = calloc(inc->n_certs, sizeof(*iss));
    if (iss == NULL)
        goto oom;
    for (size_t i = 0; i < inc->n_certs; i++) {
        int found, dup = 0;
        cg_store_object *o = cg_store_get1_object(s, inc->certs[i].sha256, &found);
        if (!found) {
            if (o == NULL && s->err[0] != '\0')
                goto out;
            continue;
        }
        for (size_t j = 0; j < n_iss && !dup; j++)
            dup = iss[j].issuer_len == o->issuer_len &&
                  memcmp(iss[j].issuer, o->issuer, o->issuer_len) == 0;
        if (!dup && o->issuer != NULL) {
            iss[n_iss].issuer = malloc(o->issuer_len > 0 ? o->issuer_len : 1);
            if (iss[n_iss].issuer == NULL) {
                cg_store_object_free(o);
                goto oom;
            }
            memcpy(iss[n_iss].issuer, o->issuer, o->issuer_len);
            iss[n_iss].issuer_len = o->issuer_len;
            n_iss++;
        }
        cg_store_object_free(o);
    }
    for (size_t r = 0; r < inc->n_rules && go_on; r++) {
        for (size_t k = 0; k < n_iss && go_on; k++) {
            cg_sql_stmt *st = q(s, Q_INC_SCOPE_GAPS);
            cg_sql_step step = CG_SQL_DONE;
            if (st == NULL)
                goto out;
            if (!b_text(s, st, 1, inc->rules[r]) ||
                !b_blob(s, st, 2, iss[k].issuer, iss[k].issuer_len)) {
                cg_st_db_fail(s, "reading an incident's scope");
                goto out;
            }
            while (go_on && (step = s->drv->step(st)) == CG_SQL_ROW) {
                cg_store_scope_gap g;
                int has, dup = 0;
                size_t sn = 0;
                memset(&g, 0, sizeof(g));
                c_sha(s, st, 0, &has, g.sha256);
                const char *kind = c_text(s, st, 1);
                const uint8_t *serial = c_blob(s, st, 2, &sn);
                g.kind = kind != NULL && strcmp(kind, "precertificate") == 0 ? CG_KIND_PRECERT
                                                                             : CG_KIND_CERT;
                if (serial != NULL) {
                    cg_cbs cbs;
                    g.serial_len = sn < sizeof(g.serial) ? sn : sizeof(g.serial);
                    memcpy(g.serial, serial, g.serial_len);
                    cg_cbs_init(&cbs, serial, sn);
                    cg_serial_hex(&cbs, g.serial_hex, sizeof(g.serial_hex));
                }
                g.rule = inc->rules[r];
                for (size_t j = 0; j < n_seen && !dup; j++)
                    dup = memcmp(seen[j], g.sha256, 32) == 0;
                if (dup || !has || listed_serial(inc, g.serial_hex))
                    continue;
                if (!cg_grow((void **)&seen, &cap_seen, n_seen + 1, sizeof(*seen))) {
                    s->drv->reset(st);
                    goto oom;
                }
                memcpy(seen[n_seen++], g.sha256, 32);
                go_on = fn(arg, &g);
            }
            if (!go_on) {
                s->drv->reset(st);
                break;
            }
            if (!cg_st_rows_end(s, st, step, "reading an incident's scope"))
                goto out;
        }
    }
    ok = 1;
    goto out;
oom:
    cg_st_fail(s, "out of memory");
out:
    free_issuers(iss, n_iss);
    free(seen);
    return ok;
}

typedef struct {
    cg_ctx *ctx;
    const cg_incident *inc;
} scope_check;

static int scope_finding(void *arg, const cg_store_scope_gap *g)
{
    scope_check *sc = arg;
    char sha[65];
    cg_objref o;
    cg_hex(g->sha256, 32, sha);
    memset(&o, 0, sizeof(o));
    o.kind = g->kind;
    o.has_hash = 1;
    memcpy(o.sha256, g->sha256, 32);
    cg_cbs_init(&o.serial, g->serial, g->serial_len);
    cg_report_incident(sc->ctx, CG_R_INCIDENT_SCOPE_INCOMPLETE, &o, sc->inc->id,
                       "%s %s (sha256 %s) has an open %s finding, the defect of incident "
                       "%lld, and is in no incident (caguard incident add %lld %s)",
                       cg_kind_name(g->kind), g->serial_hex, sha, g->rule,
                       (long long)sc->inc->id, (long long)sc->inc->id, sha);
    return 1;
}

int cg_store_incident_scope_check(cg_store *s, const cg_incident *inc, cg_ctx *ctx)
{
    scope_check sc = {ctx, inc};
    return cg_store_incident_scope_gaps(s, inc, scope_finding, &sc);
}
