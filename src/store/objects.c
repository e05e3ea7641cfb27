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
 * serial until it ends (serial_lock_key), so two writers cannot each miss the
 * other's half of a pair. On PostgreSQL, object_keys also holds each
 * object's kind, issuer, serial and CRL distribution point (what the
 * per-object lookups search by), written with the key, and every
 * per-object statement names the one partition of objects that holds the
 * object ("one partition at a time" below). */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/hash.h"

#define OBJ_COLS                                                                                  \
    "sha256, kind, der, issuer, serial, subject, scope, ca, not_before, not_after, file, "        \
    "idx, first_seen, crldp"

#define CRL_COVERED_REST                                                                          \
    "AND kind IN ('certificate', 'precertificate') AND not_after >= ? "                           \
    "AND serial IN (SELECT e.serial FROM crl_entries e JOIN crl_scopes c ON c.id = e.scope_id "   \
    "WHERE c.issuer = ? AND c.scope = ?) ORDER BY id"

const char *const cg_st_sql_objects[Q_COUNT] = {
    /* no RETURNING: cg_st_insert (driver.h) */
    [Q_OBJ_INSERT] = "INSERT INTO objects (" OBJ_COLS ") VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (sha256) DO NOTHING",
    [Q_OBJ_EARLIER] = "UPDATE objects SET first_seen = ? WHERE sha256 = ? AND first_seen > ? "
                      "RETURNING id",
    [Q_OBJ_GET] = "SELECT " OBJ_COLS " FROM objects WHERE sha256 = ?",
    /* SQLite's text (PostgreSQL reads object_keys: pg_objects_by_serial).
     * The index is named: without statistics SQLite may as well take one
     * on the issuer (schema 16), every certificate of the CA. */
    [Q_OBJ_BY_SERIAL] = "SELECT " OBJ_COLS " FROM objects INDEXED BY objects_serial "
                        "WHERE issuer = ? AND serial = ? "
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
    /* Each of the CRL's serials looked up, not every certificate of the
     * CA read (the index named as in Q_OBJ_BY_SERIAL; PostgreSQL's text
     * below). */
    [Q_CRL_COVERED] = "SELECT " OBJ_COLS " FROM objects INDEXED BY objects_serial "
                      "WHERE issuer = ? " CRL_COVERED_REST,
    [Q_CERT_SAMPLES] = "SELECT " OBJ_COLS " FROM objects WHERE id IN (SELECT min(id) FROM objects "
                       "WHERE issuer = ? AND kind IN ('certificate', 'precertificate') "
                       "AND not_after >= ? GROUP BY crldp) ORDER BY id",
    [Q_CERT_VARIANT] = "SELECT id FROM objects WHERE issuer = ? AND crldp = ? "
                       "AND kind IN ('certificate', 'precertificate') LIMIT 1",
    /* "A later one" as one comparison of (not_before, id), so that SQLite
     * searches objects_issuer_scope from it: an OR of the two cases is
     * searched one index at a time, which the partial index (schema 16)
     * is not taken for, and every CRL of the scope was read for each. */
    [Q_LATEST_CRLS] = "SELECT " OBJ_COLS " FROM objects o WHERE o.kind = 'crl' AND o.issuer = ? "
                      "AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.kind = 'crl' "
                      "AND p.issuer = o.issuer AND p.scope = o.scope "
                      "AND (p.not_before, p.id) > (o.not_before, o.id)) ORDER BY o.id",
    [Q_NAME_INSERT] = "INSERT INTO issuer_names (role, name) VALUES (?, ?) "
                      "ON CONFLICT (role, name) DO NOTHING",
    [Q_NAMES] = "SELECT name FROM issuer_names WHERE role = ? ORDER BY name",
    [Q_OBJ_COUNT] = "SELECT count(*) FROM objects",
    [Q_OBJ_BY_KIND] = "SELECT " OBJ_COLS " FROM objects WHERE kind = ? ORDER BY id",
};

/* PostgreSQL's objects table is partitioned by notAfter and cannot hold a
 * unique key on sha256 alone: the key goes into object_keys first, and the
 * object only when its key is new (docs/store.md, "PostgreSQL"). The same
 * parameters, in the same order, as the portable text, and $15: the key
 * of the issuer and serial lock (serial_lock_key) that a new object takes
 * in the same statement, or NULL for none (one round trip per object, not
 * two). l is read (count) before k's rows go into objects: so the lock is
 * held once the statement returns, and taken only when k inserted. */
#define PG_KEY_INSERT                                                                             \
    "WITH k AS (INSERT INTO object_keys (sha256, not_after, kind, issuer, serial, crldp) "        \
    "VALUES ($1, $10, $2, $4::bytea, $5::bytea, $14::bytea) "                                     \
    "ON CONFLICT (sha256) DO NOTHING RETURNING id), "                                             \
    "l AS (SELECT pg_advisory_xact_lock($15::bigint) FROM k WHERE $15::bigint IS NOT NULL) "
#define PG_OBJ_VALUES                                                                             \
    "(id, " OBJ_COLS ") SELECT k.id, $1, $2, $3, $4::bytea, $5::bytea, $6::bytea, $7::bytea, "    \
    "$8, $9, $10, $11, $12, $13, $14::bytea FROM k WHERE (SELECT count(*) FROM l) >= 0 "          \
    "RETURNING id"

const char *const cg_st_pg_sql_objects[Q_COUNT] = {
    [Q_OBJ_INSERT] = PG_KEY_INSERT "INSERT INTO objects " PG_OBJ_VALUES,
    /* objects_issuer_serial, kept on PostgreSQL (schema 16) */
    [Q_CRL_COVERED] = "SELECT " OBJ_COLS " FROM objects WHERE issuer = ? " CRL_COVERED_REST,
    [Q_CERT_VARIANT] = "SELECT id FROM object_keys WHERE issuer = $1 AND crldp = $2 "
                       "AND kind IN ('certificate', 'precertificate') LIMIT 1",
    [Q_OBJ_PARTS] = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
                    "pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE i.inhparent = 'objects'::regclass",
    [Q_OBJ_KEY] = "SELECT id, not_after FROM object_keys WHERE sha256 = $1",
    [Q_OBJ_KEYS_SERIAL] = "SELECT id, not_after, sha256 FROM object_keys WHERE issuer = $1 "
                          "AND serial = $2 AND kind IN ('certificate', 'precertificate') "
                          "ORDER BY id",
    [Q_OBJ_AT] = "SELECT " OBJ_COLS " FROM objects WHERE id = $1 AND not_after = $2",
};

/* ---- PostgreSQL: one partition at a time ---- */

/* objects is partitioned by notAfter (schema.c). A statement that names the
 * partitioned table locks every partition and its indexes each time it
 * runs (a cached generic plan takes its locks before it prunes), and a
 * lookup by a column other than notAfter probes every partition's index:
 * seventeen of each per object. So on PostgreSQL the per-object statements
 * name the one partition that holds the object, found from its notAfter
 * and the partitions' bounds (read from the catalog once a store), and the
 * lookups by SHA-256, by issuer and serial and by issuer and CRL
 * distribution point read object_keys (unpartitioned: one index probe) for
 * the id and notAfter first. A notAfter that no partition's bounds take (a
 * partition this code cannot read) goes through the partitioned table. */

enum { PART_INSERT, PART_GET, PART_EARLIER, PART_STMTS };

typedef struct pg_part {
    char *name;       /* schema-qualified, quoted */
    int64_t from, to; /* [from, to); the default partition: both INT64_MIN */
    cg_sql_stmt *st[PART_STMTS];
} pg_part;

struct cg_st_parts {
    pg_part *p;
    size_t n;
};

static const char *const part_sql[PART_STMTS] = {
    [PART_INSERT] = PG_KEY_INSERT "INSERT INTO %s " PG_OBJ_VALUES,
    [PART_GET] = "SELECT " OBJ_COLS " FROM %s WHERE id = $1",
    [PART_EARLIER] = ("UPDATE %s SET first_seen = $1 WHERE id = $2 AND first_seen > $3 "
                      "RETURNING id"),
};

void cg_st_parts_free(cg_store *s)
{
    struct cg_st_parts *pp = s->parts;
    if (pp == NULL)
        return;
    for (size_t i = 0; i < pp->n; i++) {
        for (size_t k = 0; k < PART_STMTS; k++)
            s->drv->finalize(pp->p[i].st[k]);
        free(pp->p[i].name);
    }
    free(pp->p);
    free(pp);
    s->parts = NULL;
}

/* One bound of "FOR VALUES FROM (x) TO (y)": MINVALUE, MAXVALUE or an
 * integer, quoted or not. */
static int part_bound(const char *s, const char *key, int64_t *out)
{
    const char *p = strstr(s, key);
    if (p == NULL)
        return 0;
    p += strlen(key);
    while (*p == ' ' || *p == '(' || *p == '\'')
        p++;
    if (strncmp(p, "MINVALUE", 8) == 0 || strncmp(p, "MAXVALUE", 8) == 0) {
        *out = p[1] == 'I' ? INT64_MIN : INT64_MAX;
        return 1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno != 0 || end == p)
        return 0;
    *out = v;
    return 1;
}

/* The partitions of objects and their bounds, read once a store. */
static int parts_load(cg_store *s)
{
    if (s->parts != NULL)
        return 1;
    struct cg_st_parts *pp = calloc(1, sizeof(*pp));
    cg_sql_stmt *st = pp != NULL ? q(s, Q_OBJ_PARTS) : NULL;
    cg_sql_step r = CG_SQL_DONE;
    if (st == NULL) {
        free(pp);
        return pp != NULL ? 0 : (cg_st_fail(s, "out of memory"), 0);
    }
    s->parts = pp;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        const char *name = c_text(s, st, 0), *bound = c_text(s, st, 1);
        pg_part part;
        memset(&part, 0, sizeof(part));
        if (name == NULL || bound == NULL)
            continue;
        if (strcmp(bound, "DEFAULT") == 0) {
            part.from = part.to = INT64_MIN;
        } else if (!part_bound(bound, "FROM", &part.from) || !part_bound(bound, "TO", &part.to)) {
            continue; /* a bound not read: the rows it takes go the slow way */
        }
        pg_part *np = realloc(pp->p, (pp->n + 1) * sizeof(*np));
        if (np != NULL)
            pp->p = np;
        if (np == NULL || (part.name = strdup(name)) == NULL) {
            s->drv->reset(st);
            cg_st_parts_free(s);
            cg_st_fail(s, "out of memory");
            return 0;
        }
        pp->p[pp->n++] = part;
    }
    if (!cg_st_rows_end(s, st, r, "reading the partitions of objects")) {
        cg_st_parts_free(s);
        return 0;
    }
    return 1;
}

/* Statement k of the partition that holds notAfter t, reset; NULL when
 * none does (*failed 0: the partitioned table serves), or on an error
 * (*failed 1, recorded). Not on SQLite (NULL, *failed 0). */
static cg_sql_stmt *part_stmt(cg_store *s, int64_t t, int k, int *failed)
{
    *failed = 0;
    if (s->drv->dialect != CG_SQL_POSTGRESQL)
        return NULL;
    if (!parts_load(s)) {
        *failed = 1;
        return NULL;
    }
    pg_part *hit = NULL, *def = NULL;
    for (size_t i = 0; i < s->parts->n && hit == NULL; i++) {
        pg_part *p = &s->parts->p[i];
        if (p->from == INT64_MIN && p->to == INT64_MIN)
            def = p;
        else if (t >= p->from && t < p->to)
            hit = p;
    }
    if (hit == NULL)
        hit = def;
    if (hit == NULL)
        return NULL;
    if (hit->st[k] == NULL) {
        char sql[1024];
        snprintf(sql, sizeof(sql), part_sql[k], hit->name);
        if ((hit->st[k] = s->drv->prepare(s->conn, sql)) == NULL) {
            cg_st_db_fail(s, "preparing a query");
            *failed = 1;
            return NULL;
        }
    }
    s->drv->reset(hit->st[k]);
    return hit->st[k];
}

/* PostgreSQL: an object's id and notAfter from object_keys; *found 0 when
 * it is not stored. */
static int key_of(cg_store *s, const uint8_t sha256[32], int64_t *id, int64_t *not_after,
                  int *found)
{
    cg_sql_stmt *st = q(s, Q_OBJ_KEY);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, sha256, 32))
        return cg_st_db_fail(s, "reading an object");
    cg_sql_step r = cg_st_step(s, st, "reading an object");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        *id = c_int(s, st, 0);
        *not_after = c_int(s, st, 1);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

/* PostgreSQL: the object of id in the partition of not_after (or, when no
 * partition is known for it, the partitioned table), its row current in
 * *out (NULL when there is none); reset it after use. */
static int object_at(cg_store *s, int64_t id, int64_t not_after, cg_sql_stmt **out)
{
    int failed;
    cg_sql_stmt *st = part_stmt(s, not_after, PART_GET, &failed);
    *out = NULL;
    if (failed)
        return 0;
    int bound = st != NULL ? b_int(s, st, 1, id) : 0;
    if (st == NULL) {
        if ((st = q(s, Q_OBJ_AT)) == NULL)
            return 0;
        bound = b_int(s, st, 1, id) && b_int(s, st, 2, not_after);
    }
    if (!bound)
        return cg_st_db_fail(s, "reading an object");
    cg_sql_step r = cg_st_step(s, st, "reading an object");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW)
        *out = st;
    else
        s->drv->reset(st);
    return 1;
}

/* PostgreSQL, several writers: a transaction that stores a new
 * certificate holds a lock on its issuer and serial until it ends, so that
 * another transaction storing a new one with the same issuer and serial
 * (its precertificate, a duplicate) waits for the first to commit and then
 * finds it: two open transactions cannot each miss the other's half of a
 * pair. An object stored already takes no lock (a CA every range stores
 * again must not make the ranges wait for each other): the insert takes
 * it (PG_KEY_INSERT) only when its key was new. SQLite runs one writer at
 * a time and needs none. Binds the lock's key (NULL: none) as
 * parameter 15 of the PostgreSQL insert. */
static int serial_lock_key(cg_store *s, cg_sql_stmt *st, const cg_store_object *o)
{
    if (s->drv->dialect != CG_SQL_POSTGRESQL)
        return 1;
    int lock = o->serial != NULL && o->issuer != NULL;
    /* FNV-1a over both: a collision only makes one wait for nothing. */
    int64_t key = lock ? (int64_t)cg_fnv1a(cg_fnv1a(CG_FNV1A_INIT, o->issuer, o->issuer_len),
                                           o->serial, o->serial_len)
                       : 0;
    return b_int_or_null(s, st, 15, lock, key);
}

/* ---- rows this session knows are stored ---- */

/* An issuer Name in issuer_names, a certificate of an issuer with given CRL
 * distribution points: rows that stay once committed (objects leave only
 * with a dropped partition of long-expired ones; a session does not live
 * that long through one). The session remembers those it wrote or found,
 * so that the per-object statements need not write or ask again: the ones
 * of the open transaction are pending until it commits and forgotten if
 * it rolls back. At most KNOWN_MAX are kept; past that it starts over. */
#define KNOWN_MAX 4096
enum { KNOWN_NAME_CERT = 1, KNOWN_NAME_CRL, KNOWN_VARIANT };

typedef struct known_entry {
    uint64_t h;
    uint8_t *key; /* NULL: empty slot */
    size_t len;
    int pending;
} known_entry;

struct cg_st_known {
    known_entry *e;
    size_t cap, n;
    int any_pending;
};

void cg_st_known_free(cg_store *s)
{
    struct cg_st_known *k = s->known;
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->cap; i++)
        free(k->e[i].key);
    free(k->e);
    free(k);
    s->known = NULL;
}

/* The key of a known row: its kind, then a (length-prefixed) and b. */
static size_t known_key(uint8_t *out, size_t cap, int tag, const uint8_t *a, size_t alen,
                        const uint8_t *b, size_t blen)
{
    size_t n = 5 + alen + blen;
    if (n > cap)
        return 0;
    out[0] = (uint8_t)tag;
    out[1] = (uint8_t)(alen >> 24);
    out[2] = (uint8_t)(alen >> 16);
    out[3] = (uint8_t)(alen >> 8);
    out[4] = (uint8_t)alen;
    if (alen > 0)
        memcpy(out + 5, a, alen);
    if (blen > 0)
        memcpy(out + 5 + alen, b, blen);
    return n;
}

static known_entry *known_slot(struct cg_st_known *k, const uint8_t *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (k->cap - 1);
    while (k->e[i].key != NULL &&
           !(k->e[i].h == h && k->e[i].len == len && memcmp(k->e[i].key, key, len) == 0))
        i = (i + 1) & (k->cap - 1);
    return &k->e[i];
}

static int known_has(cg_store *s, int tag, const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen)
{
    uint8_t key[1024];
    size_t len = known_key(key, sizeof(key), tag, a, alen, b, blen);
    if (s->known == NULL || len == 0)
        return 0;
    return known_slot(s->known, key, len, cg_fnv1a(CG_FNV1A_INIT, key, len))->key != NULL;
}

/* Remembers a row (pending: written or seen by the open transaction).
 * Memory running out only makes the session ask again. */
static void known_add(cg_store *s, int tag, const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen, int pending)
{
    uint8_t key[1024];
    size_t len = known_key(key, sizeof(key), tag, a, alen, b, blen);
    struct cg_st_known *k = s->known;
    if (len == 0)
        return;
    if (k != NULL && k->n >= KNOWN_MAX)
        cg_st_known_free(s);
    if ((k = s->known) == NULL) {
        if ((k = calloc(1, sizeof(*k))) == NULL)
            return;
        k->cap = 2 * KNOWN_MAX;
        if ((k->e = calloc(k->cap, sizeof(*k->e))) == NULL) {
            free(k);
            return;
        }
        s->known = k;
    }
    uint64_t h = cg_fnv1a(CG_FNV1A_INIT, key, len);
    known_entry *e = known_slot(k, key, len, h);
    if (e->key != NULL) {
        e->pending &= pending;
        return;
    }
    if ((e->key = malloc(len)) == NULL)
        return;
    memcpy(e->key, key, len);
    e->len = len;
    e->h = h;
    e->pending = pending;
    k->any_pending |= pending;
    k->n++;
}

void cg_st_known_tx_end(cg_store *s, int committed)
{
    struct cg_st_known *k = s->known;
    if (k == NULL || !k->any_pending)
        return;
    k->any_pending = 0;
    if (committed) {
        for (size_t i = 0; i < k->cap; i++)
            k->e[i].pending = 0;
        return;
    }
    /* rolled back: forget what the transaction wrote or saw, keep the rest */
    known_entry *old = k->e;
    size_t cap = k->cap;
    if ((k->e = calloc(cap, sizeof(*k->e))) == NULL) {
        k->e = old;
        cg_st_known_free(s);
        return;
    }
    k->n = 0;
    for (size_t i = 0; i < cap; i++) {
        if (old[i].key == NULL)
            continue;
        if (old[i].pending) {
            free(old[i].key);
            continue;
        }
        *known_slot(k, old[i].key, old[i].len, old[i].h) = old[i];
        k->n++;
    }
    free(old);
}

int cg_store_put_object(cg_store *s, const cg_store_object *o, int *is_new, int *earlier)
{
    int own, ok = 0, inserted = 0, moved = 0;
    cg_sql_stmt *st;
    int failed;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = part_stmt(s, o->not_after, PART_INSERT, &failed);
    if (st == NULL && !failed)
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
        !b_int(s, st, 13, o->first_seen) || !b_blob_or_null(s, st, 14, o->crldp, o->crldp_len) ||
        !serial_lock_key(s, st, o)) {
        cg_st_db_fail(s, "storing an object");
        goto out;
    }
    int64_t new_id;
    if (!cg_st_insert(s, st, "storing an object", &new_id, &inserted))
        goto out;
    int name_tag = o->kind == CG_KIND_CRL ? KNOWN_NAME_CRL : KNOWN_NAME_CERT;
    if (inserted && o->crldp != NULL && (o->kind == CG_KIND_CERT || o->kind == CG_KIND_PRECERT))
        known_add(s, KNOWN_VARIANT, o->issuer, o->issuer_len, o->crldp, o->crldp_len, 1);
    if (inserted && o->issuer != NULL && o->kind != CG_KIND_INPUT &&
        !known_has(s, name_tag, o->issuer, o->issuer_len, NULL, 0)) {
        known_add(s, name_tag, o->issuer, o->issuer_len, NULL, 0, 1);
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
        int64_t id = 0, na = 0;
        int found = 0;
        /* PostgreSQL: by its id in its partition */
        st = NULL;
        if (s->drv->dialect == CG_SQL_POSTGRESQL) {
            if (!key_of(s, o->sha256, &id, &na, &found))
                goto out;
            if (found && (st = part_stmt(s, na, PART_EARLIER, &failed)) == NULL && failed)
                goto out;
        }
        if (st != NULL) {
            if (!b_int(s, st, 1, o->first_seen) || !b_int(s, st, 2, id) ||
                !b_int(s, st, 3, o->first_seen)) {
                cg_st_db_fail(s, "storing an object");
                goto out;
            }
        } else if ((st = q(s, Q_OBJ_EARLIER)) == NULL) {
            goto out;
        } else if (!b_int(s, st, 1, o->first_seen) || !b_blob(s, st, 2, o->sha256, 32) ||
                   !b_int(s, st, 3, o->first_seen)) {
            cg_st_db_fail(s, "storing an object");
            goto out;
        }
        cg_sql_step r = s->drv->step(st);
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
    cg_sql_stmt *st = NULL;
    cg_store_object o, *c = NULL;
    cg_sql_step r;
    *found = 0;
    s->err[0] = '\0'; /* so that NULL with no message means "not there" */
    if (s->drv->dialect == CG_SQL_POSTGRESQL) {
        int64_t id, na;
        int have;
        if (!key_of(s, sha256, &id, &na, &have) || (have && !object_at(s, id, na, &st)))
            return NULL;
        r = have && st != NULL ? CG_SQL_ROW : CG_SQL_DONE;
    } else {
        if ((st = q(s, Q_OBJ_GET)) == NULL)
            return NULL;
        if (!b_blob(s, st, 1, sha256, 32)) {
            cg_st_db_fail(s, "reading an object");
            return NULL;
        }
        r = cg_st_step(s, st, "reading an object");
        if (r == CG_SQL_ERROR)
            return NULL;
    }
    if (r == CG_SQL_ROW) {
        read_object(s, st, &o);
        c = copy_object(&o);
        if (c == NULL)
            cg_st_fail(s, "out of memory");
        else
            *found = 1;
    }
    if (st != NULL)
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

typedef int (*skip_fn)(void *arg, const uint8_t sha256[32]);

/* PostgreSQL: the objects of issuer and serial, by object_keys, each read
 * from its partition unless skip says the caller has it. */
static int pg_objects_by_serial(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                                const uint8_t *serial, size_t serial_len, skip_fn skip,
                                cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_KEYS_SERIAL);
    int64_t keys[2 * 16], *k = keys;
    size_t n = 0, cap = 16;
    cg_sql_step r;
    int ok = 1;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, serial, serial_len))
        return cg_st_db_fail(s, "reading objects");
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t sha_len = 0;
        const uint8_t *sha = c_blob(s, st, 2, &sha_len);
        if (skip != NULL && sha != NULL && sha_len == 32 && skip(arg, sha))
            continue;
        if (n == cap) {
            int64_t *nk =
                k == keys ? malloc(4 * cap * sizeof(*nk)) : realloc(k, 4 * cap * sizeof(*nk));
            if (nk == NULL) {
                ok = 0;
                break;
            }
            if (k == keys)
                memcpy(nk, keys, sizeof(keys));
            k = nk;
            cap *= 2;
        }
        k[2 * n] = c_int(s, st, 0);
        k[2 * n + 1] = c_int(s, st, 1);
        n++;
    }
    if (!ok) {
        s->drv->reset(st);
        cg_st_fail(s, "out of memory");
    } else {
        ok = cg_st_rows_end(s, st, r, "reading objects");
    }
    for (size_t i = 0; ok && i < n; i++) {
        cg_sql_stmt *row;
        cg_store_object o;
        if (!object_at(s, k[2 * i], k[2 * i + 1], &row)) {
            ok = 0;
            break;
        }
        if (row == NULL)
            continue; /* gone since (another writer's rollback) */
        read_object(s, row, &o);
        int more = fn(arg, &o);
        s->drv->reset(row);
        if (!more)
            break;
    }
    if (k != keys)
        free(k);
    return ok;
}

/* SQLite: the rows come whole in one statement; skip filters them. */
typedef struct skipping {
    skip_fn skip;
    cg_store_object_fn fn;
    void *arg;
} skipping;

static int skip_or_pass(void *arg, const cg_store_object *o)
{
    skipping *k = arg;
    return k->skip(k->arg, o->sha256) ? 1 : k->fn(k->arg, o);
}

int cg_store_objects_by_serial_skip(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                                    const uint8_t *serial, size_t serial_len, skip_fn skip,
                                    cg_store_object_fn fn, void *arg)
{
    if (s->drv->dialect == CG_SQL_POSTGRESQL)
        return pg_objects_by_serial(s, issuer, issuer_len, serial, serial_len, skip, fn, arg);
    skipping k = {skip, fn, arg};
    cg_sql_stmt *st = q(s, Q_OBJ_BY_SERIAL);
    int bound =
        st != NULL && b_blob(s, st, 1, issuer, issuer_len) && b_blob(s, st, 2, serial, serial_len);
    return each_object(s, st, bound, "reading objects", skip != NULL ? skip_or_pass : fn,
                       skip != NULL ? (void *)&k : arg);
}

int cg_store_objects_by_serial(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_object_fn fn,
                               void *arg)
{
    return cg_store_objects_by_serial_skip(s, issuer, issuer_len, serial, serial_len, NULL, fn,
                                           arg);
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
    *found = 0;
    if (known_has(s, KNOWN_VARIANT, issuer, issuer_len, crldp, crldp_len)) {
        *found = 1;
        return 1;
    }
    cg_sql_stmt *st = q(s, Q_CERT_VARIANT);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, crldp, crldp_len))
        return cg_st_db_fail(s, "reading objects");
    cg_sql_step r = s->drv->step(st);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return cg_st_db_fail(s, "reading objects");
    *found = r == CG_SQL_ROW;
    /* seen in the open transaction: maybe its own row, pending until it commits */
    if (*found)
        known_add(s, KNOWN_VARIANT, issuer, issuer_len, crldp, crldp_len, s->in_tx);
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
