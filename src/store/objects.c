/* The store's objects (store.h, "objects" and the objects' summaries):
 * certificates, precertificates and CRLs by the SHA-256 of their DER, the
 * issuer Name encodings seen (issuer_names), and the lookups ingest makes
 * for the objects related to a new one (same issuer and serial, a CRL's
 * neighbours, what a CRL covers, CA certificates).
 *
 * Invariants kept here: an object is stored once per SHA-256 (PostgreSQL:
 * its key in object_keys first, the partitioned row only when the key was
 * new), and its first_seen only ever moves back; issuer_names holds every
 * issuer encoding of a stored certificate or CRL; on PostgreSQL a
 * transaction storing a new certificate holds a lock on its issuer and
 * serial until it ends (lock_serial), so two writers cannot each miss the
 * other's half of a pair. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define OBJ_COLS                                                                                  \
    "sha256, kind, der, issuer, serial, subject, scope, ca, not_before, not_after, file, "        \
    "idx, first_seen, crldp"

const char *const cg_st_sql_objects[Q_COUNT] = {
    [Q_OBJ_INSERT] = "INSERT INTO objects (" OBJ_COLS ") VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (sha256) DO NOTHING RETURNING id",
    [Q_OBJ_EARLIER] = "UPDATE objects SET first_seen = ? WHERE sha256 = ? AND first_seen > ? "
                      "RETURNING id",
    [Q_OBJ_GET] = "SELECT " OBJ_COLS " FROM objects WHERE sha256 = ?",
    [Q_OBJ_BY_SERIAL] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? AND serial = ? "
                        "AND kind IN ('certificate', 'precertificate') ORDER BY id",
    [Q_OBJ_BY_ISSUER] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? ORDER BY id",
    [Q_OBJ_CA] = "SELECT " OBJ_COLS " FROM objects WHERE ca IN (1, 2) ORDER BY id",
    [Q_CRL_PREV] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? AND scope = ? "
                   "AND kind = 'crl' AND not_before < ? AND sha256 <> ? "
                   "ORDER BY not_before DESC, id DESC LIMIT 1",
    [Q_CRL_SAME] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? AND scope = ? "
                   "AND kind = 'crl' AND not_before = ? AND sha256 <> ? "
                   "ORDER BY id DESC LIMIT 1",
    [Q_CRL_NEXT] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? AND scope = ? "
                   "AND kind = 'crl' AND not_before > ? AND sha256 <> ? "
                   "ORDER BY not_before, id LIMIT 1",
    [Q_CRL_COVERED] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? "
                      "AND kind IN ('certificate', 'precertificate') AND not_after >= ? "
                      "AND serial IN (SELECT e.serial FROM crl_entries e "
                      "JOIN crl_scopes c ON c.id = e.scope_id "
                      "WHERE c.issuer = ? AND c.scope = ?) ORDER BY id",
    [Q_CERT_SAMPLES] = "SELECT " OBJ_COLS " FROM objects WHERE id IN (SELECT min(id) FROM objects "
                       "WHERE issuer = ? AND kind IN ('certificate', 'precertificate') "
                       "AND not_after >= ? GROUP BY crldp) ORDER BY id",
    [Q_CERT_VARIANT] = "SELECT id FROM objects WHERE issuer = ? AND crldp = ? "
                       "AND kind IN ('certificate', 'precertificate') LIMIT 1",
    [Q_LATEST_CRLS] = "SELECT " OBJ_COLS " FROM objects o WHERE o.kind = 'crl' AND o.issuer = ? "
                      "AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.kind = 'crl' "
                      "AND p.issuer = o.issuer AND p.scope = o.scope "
                      "AND (p.not_before > o.not_before "
                      "OR (p.not_before = o.not_before AND p.id > o.id))) ORDER BY o.id",
    [Q_NAME_INSERT] = "INSERT INTO issuer_names (role, name) VALUES (?, ?) "
                      "ON CONFLICT (role, name) DO NOTHING",
    [Q_NAMES] = "SELECT name FROM issuer_names WHERE role = ? ORDER BY name",
    [Q_OBJ_COUNT] = "SELECT count(*) FROM objects",
    [Q_OBJ_BY_KIND] = "SELECT " OBJ_COLS " FROM objects WHERE kind = ? ORDER BY id",
};

/* PostgreSQL's objects table is partitioned by notAfter and cannot hold a
 * unique key on sha256 alone: the key goes into object_keys first, and the
 * object only when its key is new (docs/store.md, "PostgreSQL"). Same
 * parameters, in the same order, as the portable text. */
const char *const cg_st_pg_sql_objects[Q_COUNT] = {
    [Q_SERIAL_LOCK] = "SELECT pg_advisory_xact_lock($1)",
    [Q_OBJ_INSERT] =
        "WITH k AS (INSERT INTO object_keys (sha256, not_after) VALUES ($1, $10) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING id) "
        "INSERT INTO objects (id, " OBJ_COLS ") SELECT k.id, $1, $2, $3, $4::bytea, $5::bytea, "
        "$6::bytea, $7::bytea, $8, $9, $10, $11, $12, $13, $14::bytea FROM k RETURNING id",
};

/* PostgreSQL, several writers: a transaction that stores a new
 * certificate holds a lock on its issuer and serial until it ends, so that
 * another transaction storing a new one with the same issuer and serial
 * (its precertificate, a duplicate) waits for the first to commit and then
 * finds it: two open transactions cannot each miss the other's half of a
 * pair. An object stored already takes no lock (a CA every range stores
 * again must not make the ranges wait for each other). SQLite runs one
 * writer at a time and needs none. */
static int lock_serial(cg_store *s, const cg_store_object *o)
{
    /* FNV-1a over both: a collision only makes one wait for nothing. */
    uint64_t h = 0xcbf29ce484222325u;
    if (s->drv->dialect != CG_SQL_POSTGRESQL || o->serial == NULL || o->issuer == NULL)
        return 1;
    for (size_t i = 0; i < o->issuer_len + o->serial_len; i++) {
        h ^= i < o->issuer_len ? o->issuer[i] : o->serial[i - o->issuer_len];
        h *= 0x100000001b3u;
    }
    int64_t key = (int64_t)h;
    cg_sql_stmt *st = q(s, Q_SERIAL_LOCK);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, key))
        return cg_st_db_fail(s, "storing an object");
    return cg_st_run(s, st, "storing an object");
}

int cg_store_put_object(cg_store *s, const cg_store_object *o, int *is_new, int *earlier)
{
    int own, ok = 0, inserted = 0, moved = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OBJ_INSERT);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, o->sha256, 32) || !b_text(s, st, 2, cg_kind_name(o->kind)) ||
        !b_blob(s, st, 3, o->der, o->der_len) ||
        !b_blob_or_null(s, st, 4, o->issuer, o->issuer_len) ||
        !b_blob_or_null(s, st, 5, o->serial, o->serial_len) ||
        !b_blob_or_null(s, st, 6, o->subject, o->subject_len) ||
        !b_blob_or_null(s, st, 7, o->scope, o->scope_len) || !b_int(s, st, 8, o->ca) ||
        !b_int(s, st, 9, o->not_before) || !b_int(s, st, 10, o->not_after) ||
        !b_text(s, st, 11, o->file != NULL ? o->file : "") || !b_int(s, st, 12, o->index) ||
        !b_int(s, st, 13, o->first_seen) || !b_blob_or_null(s, st, 14, o->crldp, o->crldp_len)) {
        cg_st_db_fail(s, "storing an object");
        goto out;
    }
    cg_sql_step r = cg_st_step(s, st, "storing an object");
    if (r == CG_SQL_ERROR)
        goto out;
    inserted = r == CG_SQL_ROW;
    s->drv->reset(st);
    if (inserted && !lock_serial(s, o))
        goto out;
    if (inserted && o->issuer != NULL && o->kind != CG_KIND_INPUT) {
        st = q(s, Q_NAME_INSERT);
        if (st == NULL)
            goto out;
        if (!b_text(s, st, 1, o->kind == CG_KIND_CRL ? "crl" : "certificate") ||
            !b_blob(s, st, 2, o->issuer, o->issuer_len)) {
            cg_st_db_fail(s, "storing an object");
            goto out;
        }
        if (!cg_st_run(s, st, "storing an object"))
            goto out;
    }
    if (!inserted) {
        st = q(s, Q_OBJ_EARLIER);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, o->first_seen) || !b_blob(s, st, 2, o->sha256, 32) ||
            !b_int(s, st, 3, o->first_seen)) {
            cg_st_db_fail(s, "storing an object");
            goto out;
        }
        r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            cg_st_db_fail(s, "storing an object");
            goto out;
        }
        moved = r == CG_SQL_ROW;
        s->drv->reset(st);
    }
    ok = 1;
out:
    if (!cg_st_write_end(s, own, ok))
        return 0;
    if (is_new != NULL)
        *is_new = inserted;
    if (earlier != NULL)
        *earlier = moved;
    return 1;
}

/* Reads the OBJ_COLS of the current row; pointers borrowed from the row. */
static void read_object(cg_store *s, cg_sql_stmt *st, cg_store_object *o)
{
    size_t n;
    const uint8_t *sha = c_blob(s, st, 0, &n);
    memset(o, 0, sizeof(*o));
    if (sha != NULL && n == 32)
        memcpy(o->sha256, sha, 32);
    o->kind = cg_st_kind_from_text(c_text(s, st, 1));
    o->der = c_blob(s, st, 2, &o->der_len);
    o->issuer = c_blob(s, st, 3, &o->issuer_len);
    o->serial = c_blob(s, st, 4, &o->serial_len);
    o->subject = c_blob(s, st, 5, &o->subject_len);
    o->scope = c_blob(s, st, 6, &o->scope_len);
    o->ca = (cg_store_ca)c_int(s, st, 7);
    o->not_before = c_int(s, st, 8);
    o->not_after = c_int(s, st, 9);
    o->file = c_text(s, st, 10);
    o->index = c_int(s, st, 11);
    o->first_seen = c_int(s, st, 12);
    o->crldp = c_blob(s, st, 13, &o->crldp_len);
}

/* One allocation holding the struct and copies of its bytes. */
static cg_store_object *copy_object(const cg_store_object *o)
{
    size_t file_len = o->file != NULL ? strlen(o->file) + 1 : 0;
    size_t total = sizeof(*o) + o->der_len + o->issuer_len + o->serial_len + o->subject_len +
                   o->scope_len + o->crldp_len + file_len;
    cg_store_object *c = malloc(total);
    uint8_t *p;
    if (c == NULL)
        return NULL;
    *c = *o;
    p = (uint8_t *)(c + 1);
#define COPY_FIELD(f, n)                                                                          \
    if (o->f != NULL) {                                                                           \
        memcpy(p, o->f, n);                                                                       \
        c->f = p;                                                                                 \
        p += n;                                                                                   \
    }
    COPY_FIELD(der, o->der_len)
    COPY_FIELD(issuer, o->issuer_len)
    COPY_FIELD(serial, o->serial_len)
    COPY_FIELD(subject, o->subject_len)
    COPY_FIELD(scope, o->scope_len)
    COPY_FIELD(crldp, o->crldp_len)
#undef COPY_FIELD
    if (o->file != NULL) {
        memcpy(p, o->file, file_len);
        c->file = (const char *)p;
    }
    return c;
}

cg_store_object *cg_store_get1_object(cg_store *s, const uint8_t sha256[32], int *found)
{
    cg_sql_stmt *st = q(s, Q_OBJ_GET);
    cg_store_object o, *c = NULL;
    *found = 0;
    s->err[0] = '\0'; /* so that NULL with no message means "not there" */
    if (st == NULL)
        return NULL;
    if (!b_blob(s, st, 1, sha256, 32)) {
        cg_st_db_fail(s, "reading an object");
        return NULL;
    }
    cg_sql_step r = cg_st_step(s, st, "reading an object");
    if (r == CG_SQL_ERROR)
        return NULL;
    if (r == CG_SQL_ROW) {
        read_object(s, st, &o);
        c = copy_object(&o);
        if (c == NULL)
            cg_st_fail(s, "out of memory");
        else
            *found = 1;
    }
    s->drv->reset(st);
    return c;
}

void cg_store_object_free(cg_store_object *obj)
{
    free(obj);
}

/* Steps st to the end, handing each row to fn as an object. st may be
 * NULL (it did not prepare: 0, the error is recorded); bound 0 says its
 * parameters did not bind (0, recorded as "what: ..."). */
static int each_object(cg_store *s, cg_sql_stmt *st, int bound, const char *what,
                       cg_store_object_fn fn, void *arg)
{
    cg_store_object o;
    cg_sql_step r;
    if (st == NULL)
        return 0;
    if (!bound)
        return cg_st_db_fail(s, what);
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        read_object(s, st, &o);
        if (!fn(arg, &o))
            break;
    }
    return cg_st_rows_end(s, st, r, "reading objects");
}

int cg_store_objects_by_serial(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_object_fn fn,
                               void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_SERIAL);
    int bound =
        st != NULL && b_blob(s, st, 1, issuer, issuer_len) && b_blob(s, st, 2, serial, serial_len);
    return each_object(s, st, bound, "reading objects", fn, arg);
}

int cg_store_objects_by_issuer(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_ISSUER);
    int bound = st != NULL && b_blob(s, st, 1, issuer, issuer_len);
    return each_object(s, st, bound, "reading objects", fn, arg);
}

int cg_store_ca_objects(cg_store *s, cg_store_object_fn fn, void *arg)
{
    return each_object(s, q(s, Q_OBJ_CA), 1, "reading objects", fn, arg);
}

/* Passes on the one row of a neighbour query, remembering whether the
 * callback wants more. */
typedef struct neighbour {
    cg_store_object_fn fn;
    void *arg;
    int go_on;
} neighbour;

static int neighbour_row(void *arg, const cg_store_object *o)
{
    neighbour *n = arg;
    n->go_on = n->fn(n->arg, o);
    return 0;
}

int cg_store_crl_neighbours(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                            const uint8_t *scope, size_t scope_len, int64_t this_update,
                            const uint8_t *exclude, cg_store_object_fn fn, void *arg)
{
    static const uint8_t none[32] = {0};
    static const query_id order[] = {Q_CRL_PREV, Q_CRL_SAME, Q_CRL_NEXT};
    neighbour n = {fn, arg, 1};
    if (exclude == NULL)
        exclude = none;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && n.go_on; i++) {
        cg_sql_stmt *st = q(s, order[i]);
        int bound = st != NULL && b_blob(s, st, 1, issuer, issuer_len) &&
                    b_blob(s, st, 2, scope, scope_len) && b_int(s, st, 3, this_update) &&
                    b_blob(s, st, 4, exclude, 32);
        if (!each_object(s, st, bound, "reading CRLs", neighbour_row, &n))
            return 0;
    }
    return 1;
}

int cg_store_crl_covered(cg_store *s, const uint8_t *crl_issuer, size_t crl_issuer_len,
                         const uint8_t *scope, size_t scope_len, const uint8_t *cert_issuer,
                         size_t cert_issuer_len, int64_t at, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_CRL_COVERED);
    int bound = st != NULL && b_blob(s, st, 1, cert_issuer, cert_issuer_len) &&
                b_int(s, st, 2, at) && b_blob(s, st, 3, crl_issuer, crl_issuer_len) &&
                b_blob(s, st, 4, scope, scope_len);
    return each_object(s, st, bound, "reading objects", fn, arg);
}

int cg_store_cert_samples(cg_store *s, const uint8_t *issuer, size_t issuer_len, int64_t at,
                          cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_CERT_SAMPLES);
    int bound = st != NULL && b_blob(s, st, 1, issuer, issuer_len) && b_int(s, st, 2, at);
    return each_object(s, st, bound, "reading objects", fn, arg);
}

int cg_store_cert_variant_exists(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                                 const uint8_t *crldp, size_t crldp_len, int *found)
{
    cg_sql_stmt *st = q(s, Q_CERT_VARIANT);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, crldp, crldp_len))
        return cg_st_db_fail(s, "reading objects");
    cg_sql_step r = s->drv->step(st);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return cg_st_db_fail(s, "reading objects");
    *found = r == CG_SQL_ROW;
    return 1;
}

int cg_store_latest_crls(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                         cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_LATEST_CRLS);
    int bound = st != NULL && b_blob(s, st, 1, issuer, issuer_len);
    return each_object(s, st, bound, "reading CRLs", fn, arg);
}

int cg_store_issuer_names(cg_store *s, int crl_issuers, cg_store_bytes_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_NAMES);
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, crl_issuers ? "crl" : "certificate"))
        return cg_st_db_fail(s, "reading issuer names");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t n;
        const uint8_t *p = c_blob(s, st, 0, &n);
        if (p != NULL && !fn(arg, p, n))
            break;
    }
    return cg_st_rows_end(s, st, r, "reading issuer names");
}

int cg_store_count_objects(cg_store *s, int64_t *count)
{
    cg_sql_stmt *st = q(s, Q_OBJ_COUNT);
    int found;
    *count = 0;
    return st != NULL && cg_st_one_int(s, st, count, &found, "counting objects");
}

/* ---- for caguard report ---- */

int cg_store_objects_by_kind(cg_store *s, cg_kind kind, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_KIND);
    int bound = st != NULL && b_text(s, st, 1, cg_kind_name(kind));
    return each_object(s, st, bound, "reading objects", fn, arg);
}
