/* The store's core: opening a store by its URI over the backend driver
 * (driver.h), transactions, errors, and the statement helpers every file of
 * the store shares (store_internal.h).
 *
 * store.h is the store's one face; behind it each concern has its file
 * (store_internal.h lists them), and each file writes its queries once, in
 * portable SQL. This file owns the cg_store handle: the connection, the
 * statement cache (one prepared statement per query ID, made on first use
 * and finalized at close) and the transaction state.
 *
 * Invariants kept here: an explicit transaction does not nest; a write
 * inside it that fails dooms it (commit rolls back and fails, with the
 * first error still in s->err); a write outside one commits or rolls back
 * on its own before it returns.
 *
 * For now this file also holds the concerns not yet moved to their own
 * files (objects, CRL entries, logs, ranges, sources), below the core. */
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/merkle.h"
#include "store/driver.h"
#include "store/store_internal.h"

void cg_st_fail(cg_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

int cg_st_db_fail(cg_store *s, const char *what)
{
    cg_st_fail(s, "%s: %s", what, s->drv->errmsg(s->conn));
    return 0;
}

static const struct {
    const char *scheme;
    const cg_sql_driver *drv;
} backends[] = {
    {"sqlite", &cg_sqlite_driver},
    {"postgresql", &cg_postgresql_driver},
    {"postgres", &cg_postgres_driver},
};

cg_store *cg_store_open(const char *uri, int flags, cg_store_status *status, char *err,
                        size_t errcap)
{
    cg_store_status dummy;
    const cg_sql_driver *drv = NULL;
    const char *target = uri;
    cg_store *s;
    if (status == NULL)
        status = &dummy;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    /* "scheme:rest" names a backend; a plain path (no scheme, or one letter
     * before the colon as in C:\) is SQLite. */
    const char *colon = strchr(uri, ':');
    const char *slash = strchr(uri, '/');
    if (colon != NULL && colon - uri > 1 && (slash == NULL || colon < slash)) {
        for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
            size_t n = strlen(backends[i].scheme);
            if ((size_t)(colon - uri) == n && strncmp(uri, backends[i].scheme, n) == 0) {
                drv = backends[i].drv;
                target = colon + 1;
            }
        }
        if (drv == NULL) {
            *status = CG_STORE_BAD_URI;
            /* Only the scheme is repeated: the rest may hold a password. */
            if (err != NULL && errcap > 0)
                snprintf(err, errcap,
                         "unknown store scheme '%.*s:' (this caguard has: sqlite:PATH, a "
                         "plain path, postgresql://...)",
                         (int)(colon - uri > 40 ? 40 : colon - uri), uri);
            return NULL;
        }
    } else {
        drv = &cg_sqlite_driver;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        *status = CG_STORE_ERROR;
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "out of memory");
        return NULL;
    }
    s->drv = drv;
    s->conn = drv->open(target, flags, status, err, errcap);
    if (s->conn == NULL) {
        free(s);
        return NULL;
    }
    *status = CG_STORE_OK;
    return s;
}

void cg_store_close(cg_store *s)
{
    if (s == NULL)
        return;
    if (s->in_tx)
        s->drv->rollback(s->conn);
    for (size_t i = 0; i < Q_COUNT; i++)
        s->drv->finalize(s->stmts[i]);
    s->drv->close(s->conn);
    free(s);
}

const char *cg_store_errmsg(const cg_store *s)
{
    return s->err;
}

int cg_store_bulk(cg_store *s, int on)
{
    if (s->drv->set_cache == NULL || s->drv->set_cache(s->conn, on))
        return 1;
    return cg_st_db_fail(s, on ? "making room for a bulk write" : "ending a bulk write");
}

int cg_store_error_retryable(const cg_store *s)
{
    return s->drv->retryable != NULL && s->drv->retryable(s->conn);
}

int cg_store_schema_version(cg_store *s, int *version)
{
    if (!s->drv->schema_version(s->conn, version))
        return cg_st_db_fail(s, "reading the schema version");
    return 1;
}

/* ---- transactions ---- */

int cg_store_begin(cg_store *s)
{
    if (s->in_tx) {
        cg_st_fail(s, "a transaction is open already");
        return 0;
    }
    if (!s->drv->begin(s->conn))
        return cg_st_db_fail(s, "beginning a transaction");
    s->in_tx = 1;
    s->tx_failed = 0;
    return 1;
}

int cg_store_commit(cg_store *s)
{
    if (!s->in_tx) {
        cg_st_fail(s, "no transaction is open");
        return 0;
    }
    if (s->tx_failed) {
        s->drv->rollback(s->conn);
        s->in_tx = 0;
        /* s->err still says what failed */
        return 0;
    }
    if (!s->drv->commit(s->conn)) {
        cg_st_db_fail(s, "committing");
        s->drv->rollback(s->conn);
        s->in_tx = 0;
        return 0;
    }
    s->in_tx = 0;
    return 1;
}

int cg_store_rollback(cg_store *s)
{
    if (!s->in_tx) {
        cg_st_fail(s, "no transaction is open");
        return 0;
    }
    s->in_tx = 0;
    s->tx_failed = 0;
    if (!s->drv->rollback(s->conn))
        return cg_st_db_fail(s, "rolling back");
    return 1;
}

int cg_st_write_begin(cg_store *s, int *own)
{
    *own = 0;
    if (s->in_tx) {
        if (s->tx_failed) {
            cg_st_fail(s, "an earlier write of this transaction failed; roll it back");
            return 0;
        }
        return 1;
    }
    if (!s->drv->begin(s->conn))
        return cg_st_db_fail(s, "beginning a transaction");
    *own = 1;
    return 1;
}

int cg_st_write_end(cg_store *s, int own, int ok)
{
    if (!own) {
        if (!ok)
            s->tx_failed = 1;
        return ok;
    }
    if (ok && s->drv->commit(s->conn))
        return 1;
    if (ok)
        cg_st_db_fail(s, "committing");
    s->drv->rollback(s->conn);
    return 0;
}

/* ---- statements ---- */

cg_sql_stmt *cg_st_prepare(cg_store *s, query_id id, const char *sql, const char *pg_sql)
{
    if (s->stmts[id] == NULL) {
        if (s->drv->dialect == CG_SQL_POSTGRESQL && pg_sql != NULL)
            sql = pg_sql;
        s->stmts[id] = s->drv->prepare(s->conn, sql);
        if (s->stmts[id] == NULL) {
            cg_st_db_fail(s, "preparing a query");
            return NULL;
        }
    }
    s->drv->reset(s->stmts[id]);
    return s->stmts[id];
}

int cg_st_run(cg_store *s, cg_sql_stmt *st, const char *what)
{
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR)
        return cg_st_db_fail(s, what);
    s->drv->reset(st);
    return 1;
}

int cg_st_rows_end(cg_store *s, cg_sql_stmt *st, cg_sql_step r, const char *what)
{
    int ok = r != CG_SQL_ERROR || cg_st_db_fail(s, what);
    s->drv->reset(st);
    return ok;
}

int cg_st_each_row(cg_store *s, cg_sql_stmt *st, cg_st_row_fn row, void *arg, const char *what)
{
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        int go = row(s, st, arg);
        if (go < 0) {
            s->drv->reset(st);
            return 0;
        }
        if (go == 0)
            break;
    }
    return cg_st_rows_end(s, st, r, what);
}

int cg_st_one_int(cg_store *s, cg_sql_stmt *st, int64_t *out, int *found, const char *what)
{
    cg_sql_step r = s->drv->step(st);
    *found = r == CG_SQL_ROW;
    if (*found)
        *out = c_int(s, st, 0);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return cg_st_db_fail(s, what);
    return 1;
}

/* ---- values ---- */

char *cg_st_dup_str(const char *t)
{
    if (t == NULL)
        return NULL;
    size_t n = strlen(t) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, t, n);
    return d;
}

cg_kind cg_st_kind_from_text(const char *t)
{
    static const cg_kind kinds[] = {CG_KIND_CERT, CG_KIND_PRECERT, CG_KIND_CRL, CG_KIND_INCIDENT};
    for (size_t i = 0; t != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(t, cg_kind_name(kinds[i])) == 0)
            return kinds[i];
    }
    return CG_KIND_INPUT;
}

cg_severity cg_st_severity_from_text(const char *t)
{
    if (t != NULL && strcmp(t, "error") == 0)
        return CG_SEV_ERROR;
    if (t != NULL && strcmp(t, "warning") == 0)
        return CG_SEV_WARNING;
    return CG_SEV_NOTICE;
}

#define OBJ_COLS                                                                                  \
    "sha256, kind, der, issuer, serial, subject, scope, ca, not_before, not_after, file, "        \
    "idx, first_seen, crldp"
#define LOG_COLS                                                                                  \
    "log_id, url, position, frontier, sth_size, sth_timestamp, sth_root, sth_signature, "         \
    "last_contact, failing_since, updated_at"
#define SRC_COLS                                                                                  \
    "url, is_list, issuer, issuer_label, origin, etag, last_modified, last_fetch, "               \
    "last_change, http_code, status, body_sha256, crl_sha256, this_update, next_update, "         \
    "entries, failures"

static const char *const queries[Q_COUNT] = {
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
    /* Never run on SQLite (lock_serial); a placeholder for the table. */
    [Q_SERIAL_LOCK] = "SELECT ?",
    [Q_OBJ_BY_KIND] = "SELECT " OBJ_COLS " FROM objects WHERE kind = ? ORDER BY id",
    [Q_OBJ_COUNTS] = "SELECT issuer, kind, count(*) FROM objects GROUP BY issuer, kind "
                     "ORDER BY issuer, kind",
    [Q_SCOPE_INSERT] = "INSERT INTO crl_scopes (issuer, scope) VALUES (?, ?) "
                       "ON CONFLICT (issuer, scope) DO NOTHING",
    [Q_SCOPE_ID] = "SELECT id FROM crl_scopes WHERE issuer = ? AND scope = ?",
    [Q_OBJ_ID] = "SELECT id FROM objects WHERE sha256 = ?",
    [Q_ENTRY_UPSERT] =
        "INSERT INTO crl_entries (scope_id, serial, revocation_date, reason, first_seen, crl_id) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (scope_id, serial) DO UPDATE SET "
        "revocation_date = excluded.revocation_date, reason = excluded.reason, "
        "first_seen = excluded.first_seen, crl_id = excluded.crl_id "
        "WHERE excluded.first_seen < crl_entries.first_seen",
    [Q_REVOCATION] = "SELECT e.revocation_date, e.reason, e.first_seen, o.sha256 "
                     "FROM crl_entries e JOIN crl_scopes c ON c.id = e.scope_id "
                     "JOIN objects o ON o.id = e.crl_id WHERE c.issuer = ? AND e.serial = ? "
                     "ORDER BY e.first_seen, e.revocation_date LIMIT 1",
    [Q_LOG_PUT] = "INSERT INTO log_state (" LOG_COLS ") VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_id) DO UPDATE SET "
                  "url = excluded.url, position = excluded.position, "
                  "frontier = excluded.frontier, sth_size = excluded.sth_size, "
                  "sth_timestamp = excluded.sth_timestamp, sth_root = excluded.sth_root, "
                  "sth_signature = excluded.sth_signature, "
                  "last_contact = excluded.last_contact, "
                  "failing_since = excluded.failing_since, updated_at = excluded.updated_at",
    [Q_LOG_GET] = "SELECT " LOG_COLS " FROM log_state WHERE log_id = ?",
    /* A shared monitor's tree head: never moves back, never touches the
     * position and right edge (the fold's). */
    [Q_HEAD_PUT] =
        "INSERT INTO log_state (" LOG_COLS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_id) DO UPDATE SET "
        "url = excluded.url, last_contact = excluded.last_contact, "
        "failing_since = excluded.failing_since, updated_at = excluded.updated_at, "
        "sth_timestamp = CASE WHEN excluded.sth_size > COALESCE(log_state.sth_size, -1) "
        "THEN excluded.sth_timestamp ELSE log_state.sth_timestamp END, "
        "sth_root = CASE WHEN excluded.sth_size > COALESCE(log_state.sth_size, -1) "
        "THEN excluded.sth_root ELSE log_state.sth_root END, "
        "sth_signature = CASE WHEN excluded.sth_size > COALESCE(log_state.sth_size, -1) "
        "THEN excluded.sth_signature ELSE log_state.sth_signature END, "
        "sth_size = CASE WHEN excluded.sth_size > COALESCE(log_state.sth_size, -1) "
        "THEN excluded.sth_size ELSE log_state.sth_size END",
    [Q_RANGE_LOCK] = "SELECT position, frontier FROM log_state WHERE log_id = ?",
    [Q_RANGE_MAXEND] = "SELECT max(stop) FROM log_ranges WHERE log_id = ?",
    [Q_RANGE_INSERT] = "INSERT INTO log_ranges (log_id, start, stop, token, done, root) "
                       "VALUES (?, ?, ?, 0, 0, ?) ON CONFLICT (log_id, start) DO NOTHING",
    [Q_RANGE_CLAIM] = "UPDATE log_ranges SET owner = ?, lease_until = ?, token = token + 1 "
                      "WHERE log_id = ? AND start = (SELECT start FROM log_ranges "
                      "WHERE log_id = ? AND done = 0 AND (owner IS NULL OR lease_until < ?) "
                      "ORDER BY start LIMIT 1) RETURNING start, stop, token",
    [Q_RANGE_RENEW] = "UPDATE log_ranges SET lease_until = ? WHERE log_id = ? AND start = ? "
                      "AND token = ? AND done = 0 RETURNING token",
    [Q_RANGE_RELEASE] = "UPDATE log_ranges SET owner = NULL, lease_until = NULL "
                        "WHERE log_id = ? AND start = ? AND token = ? AND done = 0",
    [Q_RANGE_DONE] = "UPDATE log_ranges SET done = 1, owner = ?, edge = ?, done_at = ?, "
                     "lease_until = NULL WHERE log_id = ? AND start = ? AND token = ? "
                     "AND done = 0 RETURNING stop",
    [Q_RANGE_NEXT] = "SELECT stop, edge, root FROM log_ranges WHERE log_id = ? AND start = ? "
                     "AND done = 1",
    [Q_PREFIX_PUT] = "UPDATE log_state SET position = ?, frontier = ?, updated_at = ? "
                     "WHERE log_id = ?",
    [Q_RANGE_COUNTS] =
        "SELECT count(*), CAST(COALESCE(sum(done), 0) AS BIGINT), "
        "CAST(COALESCE(sum(CASE WHEN done = 0 AND owner IS NOT NULL AND lease_until >= ? "
        "THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(sum(stop - start), 0) AS BIGINT), "
        "CAST(COALESCE(sum(CASE WHEN done = 1 THEN stop - start ELSE 0 END), 0) AS BIGINT), "
        "COALESCE(max(stop), 0) FROM log_ranges WHERE log_id = ?",
    [Q_SRC_UPSERT] = "INSERT INTO crl_sources (" SRC_COLS ") VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (url) DO UPDATE SET is_list = excluded.is_list, "
                     "issuer = excluded.issuer, issuer_label = excluded.issuer_label, "
                     "origin = excluded.origin, etag = excluded.etag, "
                     "last_modified = excluded.last_modified, last_fetch = excluded.last_fetch, "
                     "last_change = excluded.last_change, http_code = excluded.http_code, "
                     "status = excluded.status, body_sha256 = excluded.body_sha256, "
                     "crl_sha256 = excluded.crl_sha256, this_update = excluded.this_update, "
                     "next_update = excluded.next_update, entries = excluded.entries, "
                     "failures = excluded.failures",
    [Q_SRC_GET] = "SELECT " SRC_COLS " FROM crl_sources WHERE url = ?",
    [Q_SRC_ALL] = "SELECT " SRC_COLS " FROM crl_sources ORDER BY url",
    [Q_LL_PUT] = "INSERT INTO loglist_snapshots (source, data, sha256, fetched_at) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET data = excluded.data, "
                 "sha256 = excluded.sha256, fetched_at = excluded.fetched_at",
    [Q_LL_GET] = "SELECT data, sha256, fetched_at FROM loglist_snapshots WHERE source = ?",
};

static const char *const pg_queries[Q_COUNT] = {
    [Q_SERIAL_LOCK] = "SELECT pg_advisory_xact_lock($1)",
    [Q_OBJ_INSERT] =
        "WITH k AS (INSERT INTO object_keys (sha256, not_after) VALUES ($1, $10) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING id) "
        "INSERT INTO objects (id, " OBJ_COLS ") SELECT k.id, $1, $2, $3, $4::bytea, $5::bytea, "
        "$6::bytea, $7::bytea, $8, $9, $10, $11, $12, $13, $14::bytea FROM k RETURNING id",
    /* Q_ENTRY_UPSERT over the rows of crl_entries_in: of a serial listed
     * twice in one CRL the first counts, as it does one row at a time. */
    [Q_ENTRY_MERGE] =
        "INSERT INTO crl_entries (scope_id, serial, revocation_date, reason, first_seen, crl_id) "
        "SELECT DISTINCT ON (serial) $1::bigint, serial, revocation_date, reason, $2::bigint, "
        "$3::bigint FROM crl_entries_in ORDER BY serial, ord "
        "ON CONFLICT (scope_id, serial) DO UPDATE SET "
        "revocation_date = excluded.revocation_date, reason = excluded.reason, "
        "first_seen = excluded.first_seen, crl_id = excluded.crl_id "
        "WHERE excluded.first_seen < crl_entries.first_seen",
    /* Monitors sharing the work: the log's row is locked while one plans
     * or folds, and concurrent claimers skip each other's candidates. */
    [Q_RANGE_LOCK] = "SELECT position, frontier FROM log_state WHERE log_id = $1 FOR UPDATE",
    [Q_RANGE_CLAIM] =
        "UPDATE log_ranges SET owner = $1, lease_until = $2, token = token + 1 "
        "WHERE log_id = $3 AND start = (SELECT start FROM log_ranges "
        "WHERE log_id = $4 AND done = 0 AND (owner IS NULL OR lease_until < $5) "
        "ORDER BY start LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING start, stop, token",
};

/* CRLs with at least this many entries go in through the backend's bulk
 * path when it has one (PostgreSQL's COPY): one round trip instead of one
 * a row. */
#define BULK_ENTRIES 64

static cg_sql_stmt *q(cg_store *s, query_id id)
{
    return cg_st_prepare(s, id, queries[id], pg_queries[id]);
}

/* ---- objects ---- */

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
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "storing an object");
        goto out;
    }
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
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "reading an object");
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
    s->drv->reset(st);
    return c;
}

void cg_store_object_free(cg_store_object *obj)
{
    free(obj);
}

/* Steps st to the end, handing each row to fn as an object. */
static int each_object(cg_store *s, cg_sql_stmt *st, cg_store_object_fn fn, void *arg)
{
    cg_store_object o;
    cg_sql_step r;
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
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, serial, serial_len))
        return cg_st_db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_objects_by_issuer(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_ISSUER);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len))
        return cg_st_db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_ca_objects(cg_store *s, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_CA);
    if (st == NULL)
        return 0;
    return each_object(s, st, fn, arg);
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
        if (st == NULL)
            return 0;
        if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len) ||
            !b_int(s, st, 3, this_update) || !b_blob(s, st, 4, exclude, 32))
            return cg_st_db_fail(s, "reading CRLs");
        if (!each_object(s, st, neighbour_row, &n))
            return 0;
    }
    return 1;
}

int cg_store_crl_covered(cg_store *s, const uint8_t *crl_issuer, size_t crl_issuer_len,
                         const uint8_t *scope, size_t scope_len, const uint8_t *cert_issuer,
                         size_t cert_issuer_len, int64_t at, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_CRL_COVERED);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, cert_issuer, cert_issuer_len) || !b_int(s, st, 2, at) ||
        !b_blob(s, st, 3, crl_issuer, crl_issuer_len) || !b_blob(s, st, 4, scope, scope_len))
        return cg_st_db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_cert_samples(cg_store *s, const uint8_t *issuer, size_t issuer_len, int64_t at,
                          cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_CERT_SAMPLES);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_int(s, st, 2, at))
        return cg_st_db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
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
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len))
        return cg_st_db_fail(s, "reading CRLs");
    return each_object(s, st, fn, arg);
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
    if (st == NULL)
        return 0;
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "counting objects");
    }
    *count = c_int(s, st, 0);
    s->drv->reset(st);
    return 1;
}

/* ---- summaries ---- */

int cg_store_objects_by_kind(cg_store *s, cg_kind kind, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_KIND);
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, cg_kind_name(kind)))
        return cg_st_db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_object_counts(cg_store *s, cg_store_object_count_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_COUNTS);
    cg_sql_step r;
    if (st == NULL)
        return 0;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t n;
        const uint8_t *issuer = c_blob(s, st, 0, &n);
        if (!fn(arg, issuer, n, cg_st_kind_from_text(c_text(s, st, 1)), c_int(s, st, 2)))
            break;
    }
    return cg_st_rows_end(s, st, r, "counting objects");
}

/* ---- CRL entries ---- */

/* The number of a CRL scope, made on first use. */
static int scope_id(cg_store *s, const uint8_t *issuer, size_t issuer_len, const uint8_t *scope,
                    size_t scope_len, int64_t *id)
{
    static const char what[] = "storing CRL entries";
    int found;
    cg_sql_stmt *st = q(s, Q_SCOPE_INSERT);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len) ||
        !cg_st_run(s, st, what))
        return cg_st_db_fail(s, what);
    st = q(s, Q_SCOPE_ID);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len))
        return cg_st_db_fail(s, what);
    if (!cg_st_one_int(s, st, id, &found, what))
        return 0;
    if (!found) {
        cg_st_fail(s, "%s: the scope was not stored", what);
        return 0;
    }
    return 1;
}

/* The entries through the backend's bulk path: streamed into a session
 * table, then merged by the rule of Q_ENTRY_UPSERT in one statement. */
static int put_entries_bulk(cg_store *s, int64_t sid, int64_t crl_id,
                            const cg_store_crl_entry *entries, size_t n, int64_t seen_at)
{
    static const char what[] = "storing CRL entries";
    cg_sql_stmt *st;
    if (!s->drv->exec(s->conn, "CREATE TEMPORARY TABLE IF NOT EXISTS crl_entries_in ("
                               "ord BIGINT NOT NULL, serial BYTEA NOT NULL, "
                               "revocation_date BIGINT NOT NULL, reason BIGINT); "
                               "TRUNCATE crl_entries_in") ||
        !s->drv->copy_begin(s->conn, "crl_entries_in (ord, serial, revocation_date, reason)", 4))
        return cg_st_db_fail(s, what);
    int sent = 1;
    for (size_t i = 0; i < n && sent; i++) {
        const cg_store_crl_entry *e = &entries[i];
        sent =
            s->drv->copy_int64(s->conn, (int64_t)i) &&
            s->drv->copy_blob(s->conn, e->serial, e->serial_len) &&
            s->drv->copy_int64(s->conn, e->revocation_date) &&
            (e->reason >= 0 ? s->drv->copy_int64(s->conn, e->reason) : s->drv->copy_null(s->conn));
    }
    /* copy_end always ends the COPY; it fails when a row did not go */
    if (!s->drv->copy_end(s->conn) || !sent)
        return cg_st_db_fail(s, what);
    st = q(s, Q_ENTRY_MERGE);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, sid) || !b_int(s, st, 2, seen_at) || !b_int(s, st, 3, crl_id))
        return cg_st_db_fail(s, what);
    return cg_st_run(s, st, what);
}

int cg_store_put_crl_entries(cg_store *s, const uint8_t crl_sha256[32], const uint8_t *issuer,
                             size_t issuer_len, const uint8_t *scope, size_t scope_len,
                             const cg_store_crl_entry *entries, size_t n, int64_t seen_at)
{
    static const char what[] = "storing CRL entries";
    int own, ok = 0, found;
    int64_t sid, crl_id;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    if (!scope_id(s, issuer, issuer_len, scope, scope_len, &sid))
        goto out;
    st = q(s, Q_OBJ_ID);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, crl_sha256, 32)) {
        cg_st_db_fail(s, what);
        goto out;
    }
    if (!cg_st_one_int(s, st, &crl_id, &found, what))
        goto out;
    if (!found) {
        cg_st_fail(s, "%s: the CRL is not stored", what);
        goto out;
    }
    if (n >= BULK_ENTRIES && s->drv->copy_begin != NULL) {
        ok = put_entries_bulk(s, sid, crl_id, entries, n, seen_at);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const cg_store_crl_entry *e = &entries[i];
        st = q(s, Q_ENTRY_UPSERT);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, sid) || !b_blob(s, st, 2, e->serial, e->serial_len) ||
            !b_int(s, st, 3, e->revocation_date) ||
            !b_int_or_null(s, st, 4, e->reason >= 0, e->reason) || !b_int(s, st, 5, seen_at) ||
            !b_int(s, st, 6, crl_id)) {
            cg_st_db_fail(s, what);
            goto out;
        }
        if (!cg_st_run(s, st, what))
            goto out;
    }
    ok = 1;
out:
    return cg_st_write_end(s, own, ok);
}

int cg_store_revocation_lookup(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_revocation *out,
                               int *found)
{
    cg_sql_stmt *st = q(s, Q_REVOCATION);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, serial, serial_len))
        return cg_st_db_fail(s, "reading CRL entries");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "reading CRL entries");
    }
    if (r == CG_SQL_ROW) {
        size_t n;
        const uint8_t *sha;
        memset(out, 0, sizeof(*out));
        out->revocation_date = c_int(s, st, 0);
        out->reason = c_is_null(s, st, 1) ? -1 : (int)c_int(s, st, 1);
        out->first_seen = c_int(s, st, 2);
        sha = c_blob(s, st, 3, &n);
        if (sha != NULL && n == 32)
            memcpy(out->crl_sha256, sha, 32);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

/* ---- CT logs ---- */

/* Binds a log_state row (LOG_COLS) to query id and runs it, with the
 * position and right edge given. */
static int log_put(cg_store *s, query_id id, const cg_store_log_state *ls, uint64_t position,
                   const uint8_t *frontier, size_t frontier_len, const char *what)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, id);
    if (st != NULL) {
        if (!b_blob(s, st, 1, ls->log_id, 32) || !b_text(s, st, 2, ls->url) ||
            !b_int(s, st, 3, (int64_t)position) || !b_blob(s, st, 4, frontier, frontier_len) ||
            !b_int_or_null(s, st, 5, ls->has_sth, (int64_t)ls->sth_size) ||
            !b_int_or_null(s, st, 6, ls->has_sth, (int64_t)ls->sth_timestamp) ||
            !b_blob_or_null(s, st, 7, ls->has_sth ? ls->sth_root : NULL, 32) ||
            !b_blob_or_null(s, st, 8, ls->has_sth ? ls->sth_signature : NULL,
                            ls->sth_signature_len) ||
            !b_int_or_null(s, st, 9, ls->last_contact != 0, ls->last_contact) ||
            !b_int_or_null(s, st, 10, ls->failing_since != 0, ls->failing_since) ||
            !b_int(s, st, 11, ls->updated_at))
            cg_st_db_fail(s, what);
        else
            ok = cg_st_run(s, st, what);
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_log_state_put(cg_store *s, const cg_store_log_state *ls)
{
    if (ls->url == NULL || ls->frontier == NULL || ls->position > INT64_MAX ||
        ls->sth_size > INT64_MAX || ls->sth_timestamp > INT64_MAX) {
        cg_st_fail(s, "a log state needs a URL and a frontier, and sizes the store can hold");
        return 0;
    }
    return log_put(s, Q_LOG_PUT, ls, ls->position, ls->frontier, ls->frontier_len,
                   "storing a log state");
}

/* The current row of a LOG_COLS query to fn. 0 when the row is not one. */
static int log_row(cg_store *s, cg_sql_stmt *st, cg_store_log_state_fn fn, void *arg, int *go)
{
    cg_store_log_state ls;
    size_t len;
    const uint8_t *p;
    memset(&ls, 0, sizeof(ls));
    p = c_blob(s, st, 0, &len);
    if (p == NULL || len != 32) {
        cg_st_fail(s, "a log state without a 32-byte log ID");
        return 0;
    }
    memcpy(ls.log_id, p, 32);
    ls.url = c_text(s, st, 1);
    ls.position = (uint64_t)c_int(s, st, 2);
    ls.frontier = c_blob(s, st, 3, &ls.frontier_len);
    ls.has_sth = !c_is_null(s, st, 4);
    if (ls.has_sth) {
        ls.sth_size = (uint64_t)c_int(s, st, 4);
        ls.sth_timestamp = (uint64_t)c_int(s, st, 5);
        p = c_blob(s, st, 6, &len);
        if (p == NULL || len != 32) {
            cg_st_fail(s, "a log state with a tree head root that is not 32 bytes");
            return 0;
        }
        memcpy(ls.sth_root, p, 32);
        ls.sth_signature = c_blob(s, st, 7, &ls.sth_signature_len);
    }
    ls.last_contact = c_is_null(s, st, 8) ? 0 : c_int(s, st, 8);
    ls.failing_since = c_is_null(s, st, 9) ? 0 : c_int(s, st, 9);
    ls.updated_at = c_int(s, st, 10);
    if (ls.url == NULL || ls.frontier == NULL || c_int(s, st, 2) < 0) {
        cg_st_fail(s, "a log state without URL, position or frontier");
        return 0;
    }
    *go = fn(arg, &ls);
    return 1;
}

int cg_store_log_state_get(cg_store *s, const uint8_t log_id[32], cg_store_log_state_fn fn,
                           void *arg, int *found)
{
    cg_sql_stmt *st = q(s, Q_LOG_GET);
    int ok = 0, go;
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, log_id, 32))
        return cg_st_db_fail(s, "reading a log state");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "reading a log state");
    } else if (r == CG_SQL_ROW) {
        *found = 1;
        ok = log_row(s, st, fn, arg, &go);
    } else {
        ok = 1;
    }
    s->drv->reset(st);
    return ok;
}

int cg_store_log_states(cg_store *s, cg_store_log_state_fn fn, void *arg)
{
    cg_sql_stmt *st = s->drv->prepare(s->conn, "SELECT " LOG_COLS " FROM log_state "
                                               "ORDER BY url, log_id");
    int ok = 0, go = 1;
    if (st == NULL)
        return cg_st_db_fail(s, "listing log states");
    while (go) {
        cg_sql_step r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            cg_st_db_fail(s, "listing log states");
            goto out;
        }
        if (r == CG_SQL_DONE)
            break;
        if (!log_row(s, st, fn, arg, &go))
            goto out;
    }
    ok = 1;
out:
    s->drv->finalize(st);
    return ok;
}

int cg_store_log_head_put(cg_store *s, const cg_store_log_state *ls)
{
    uint8_t fr[CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t fr_len = 0;
    cg_merkle_frontier f;
    if (ls->url == NULL || ls->sth_size > INT64_MAX || ls->sth_timestamp > INT64_MAX) {
        cg_st_fail(s, "a log tree head needs a URL, and sizes the store can hold");
        return 0;
    }
    /* position 0 and the empty right edge: for a new row only */
    cg_merkle_frontier_init(&f);
    if (!cg_merkle_frontier_encode(&f, fr, sizeof(fr), &fr_len)) {
        cg_st_fail(s, "encoding an empty right edge");
        return 0;
    }
    return log_put(s, Q_HEAD_PUT, ls, 0, fr, fr_len, "storing a log tree head");
}

/* ---- monitors sharing the work ---- */

/* Locks the log's log_state row (PostgreSQL: FOR UPDATE) and reads its
 * position and right edge. */
static int prefix_lock(cg_store *s, const uint8_t log_id[32], cg_merkle_frontier *f)
{
    cg_sql_stmt *st = q(s, Q_RANGE_LOCK);
    size_t len = 0;
    const uint8_t *p;
    int ok = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, log_id, 32))
        return cg_st_db_fail(s, "locking a log state");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "locking a log state");
    } else if (r != CG_SQL_ROW) {
        cg_st_fail(s, "the log has no log_state row to plan or fold its ranges in");
    } else {
        p = c_blob(s, st, 1, &len);
        if (p == NULL || !cg_merkle_frontier_decode(f, p, len) ||
            f->size != (uint64_t)c_int(s, st, 0))
            cg_st_fail(s, "the log's right edge does not decode or is not at its position");
        else
            ok = 1;
    }
    s->drv->reset(st);
    return ok;
}

int cg_store_log_ranges_plan(cg_store *s, const uint8_t log_id[32], uint64_t size,
                             const uint8_t root[32], uint64_t range, const uint8_t *start_edge,
                             size_t start_edge_len, uint64_t *planned)
{
    int own, ok = 0;
    cg_merkle_frontier f;
    uint64_t from, n = 0;
    cg_sql_stmt *st;
    if (planned != NULL)
        *planned = 0;
    if (range == 0 || size > INT64_MAX) {
        cg_st_fail(s, "ranges need a length and a size the store can hold");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    if (!prefix_lock(s, log_id, &f))
        goto out;
    from = f.size;
    st = q(s, Q_RANGE_MAXEND);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, log_id, 32)) {
        cg_st_db_fail(s, "planning log ranges");
        goto out;
    }
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "planning log ranges");
        goto out;
    }
    int none = r != CG_SQL_ROW || c_is_null(s, st, 0);
    if (!none && (uint64_t)c_int(s, st, 0) > from)
        from = (uint64_t)c_int(s, st, 0);
    s->drv->reset(st);
    if (start_edge != NULL && none && from == 0) {
        cg_merkle_frontier e;
        if (!cg_merkle_frontier_decode(&e, start_edge, start_edge_len) || e.size > size) {
            cg_st_fail(s, "the starting right edge does not decode or lies past the tree head");
            goto out;
        }
        st = q(s, Q_PREFIX_PUT);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, (int64_t)e.size) || !b_blob(s, st, 2, start_edge, start_edge_len) ||
            !b_int(s, st, 3, 0) || !b_blob(s, st, 4, log_id, 32)) {
            cg_st_db_fail(s, "starting a log at its end");
            goto out;
        }
        if (!cg_st_run(s, st, "starting a log at its end"))
            goto out;
        from = e.size;
    }
    while (from < size) {
        uint64_t stop = (from / range + 1) * range;
        if (stop > size || stop < from)
            stop = size;
        st = q(s, Q_RANGE_INSERT);
        if (st == NULL)
            goto out;
        if (!b_blob(s, st, 1, log_id, 32) || !b_int(s, st, 2, (int64_t)from) ||
            !b_int(s, st, 3, (int64_t)stop) ||
            !b_blob_or_null(s, st, 4, stop == size ? root : NULL, 32)) {
            cg_st_db_fail(s, "planning log ranges");
            goto out;
        }
        if (!cg_st_run(s, st, "planning log ranges"))
            goto out;
        n++;
        from = stop;
    }
    ok = 1;
    if (planned != NULL)
        *planned = n;
out:
    return cg_st_write_end(s, own, ok);
}

int cg_store_log_range_claim(cg_store *s, const uint8_t log_id[32], const char *owner, int64_t now,
                             int lease_seconds, cg_store_log_lease *out, int *found)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    *found = 0;
    memset(out, 0, sizeof(*out));
    if (owner == NULL || owner[0] == '\0' || lease_seconds <= 0) {
        cg_st_fail(s, "a claim needs an owner and a lease");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_CLAIM);
    if (st != NULL) {
        if (!b_text(s, st, 1, owner) || !b_int(s, st, 2, now + lease_seconds) ||
            !b_blob(s, st, 3, log_id, 32) || !b_blob(s, st, 4, log_id, 32) ||
            !b_int(s, st, 5, now)) {
            cg_st_db_fail(s, "claiming a log range");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR) {
                cg_st_db_fail(s, "claiming a log range");
            } else {
                if (r == CG_SQL_ROW) {
                    out->start = (uint64_t)c_int(s, st, 0);
                    out->stop = (uint64_t)c_int(s, st, 1);
                    out->token = c_int(s, st, 2);
                    *found = 1;
                }
                ok = 1;
            }
            s->drv->reset(st);
        }
    }
    return cg_st_write_end(s, own, ok);
}

/* Runs a lease statement; *hit 1 when it returned a row. */
static int lease_run(cg_store *s, cg_sql_stmt *st, const char *what, int *hit)
{
    cg_sql_step r = s->drv->step(st);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return cg_st_db_fail(s, what);
    *hit = r == CG_SQL_ROW;
    return 1;
}

int cg_store_log_range_renew(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                             int64_t until, int *lost)
{
    int own, ok = 0, hit = 0;
    cg_sql_stmt *st;
    *lost = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_RENEW);
    if (st != NULL) {
        if (!b_int(s, st, 1, until) || !b_blob(s, st, 2, log_id, 32) ||
            !b_int(s, st, 3, (int64_t)l->start) || !b_int(s, st, 4, l->token))
            cg_st_db_fail(s, "renewing a log range lease");
        else if ((ok = lease_run(s, st, "renewing a log range lease", &hit)))
            *lost = !hit;
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_log_range_release(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_RELEASE);
    if (st != NULL) {
        if (!b_blob(s, st, 1, log_id, 32) || !b_int(s, st, 2, (int64_t)l->start) ||
            !b_int(s, st, 3, l->token))
            cg_st_db_fail(s, "releasing a log range");
        else
            ok = cg_st_run(s, st, "releasing a log range");
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_log_range_done(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                            const char *owner, const uint8_t *edge, size_t edge_len, int64_t now,
                            int *lost)
{
    int own, ok = 0, hit = 0;
    cg_sql_stmt *st;
    *lost = 0;
    if (owner == NULL || edge == NULL || edge_len == 0 || edge_len % CG_MERKLE_HASH_LEN != 0) {
        cg_st_fail(s, "a done range needs its owner and its compact range");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_DONE);
    if (st != NULL) {
        if (!b_text(s, st, 1, owner) || !b_blob(s, st, 2, edge, edge_len) ||
            !b_int(s, st, 3, now) || !b_blob(s, st, 4, log_id, 32) ||
            !b_int(s, st, 5, (int64_t)l->start) || !b_int(s, st, 6, l->token))
            cg_st_db_fail(s, "completing a log range");
        else if ((ok = lease_run(s, st, "completing a log range", &hit)))
            *lost = !hit;
    }
    return cg_st_write_end(s, own, ok);
}

/* Appends the compact range [start, stop) (edge: its hashes) to f. */
static int fold_one(cg_store *s, cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t stop,
                    const uint8_t *edge, size_t edge_len)
{
    unsigned heights[CG_MERKLE_MAX_COMPACT];
    size_t n = cg_merkle_compact_heights(f->size, stop, heights);
    if (edge == NULL || edge_len != n * CG_MERKLE_HASH_LEN) {
        cg_st_fail(s, "the done range [%llu, %llu) has a compact range of %zu bytes, not %zu",
                   (unsigned long long)f->size, (unsigned long long)stop, edge_len,
                   n * (size_t)CG_MERKLE_HASH_LEN);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cg_merkle_frontier_append_subtree(h, f, heights[i], edge + i * CG_MERKLE_HASH_LEN)) {
            cg_st_fail(s, "out of memory");
            return 0;
        }
    }
    return 1;
}

int cg_store_log_ranges_fold(cg_store *s, const uint8_t log_id[32], int64_t now,
                             cg_store_log_fold *out)
{
    int own, ok = 0;
    cg_merkle_frontier f;
    cg_merkle_hasher *h = cg_merkle_hasher_new();
    uint8_t fr[CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t fr_len = 0;
    memset(out, 0, sizeof(*out));
    if (h == NULL) {
        cg_st_fail(s, "out of memory");
        return 0;
    }
    if (!cg_st_write_begin(s, &own)) {
        cg_merkle_hasher_free(h);
        return 0;
    }
    if (!prefix_lock(s, log_id, &f))
        goto out;
    out->from = out->position = f.size;
    for (;;) {
        cg_sql_stmt *st = q(s, Q_RANGE_NEXT);
        cg_merkle_frontier next = f;
        size_t elen = 0, rlen = 0;
        uint64_t stop;
        if (st == NULL)
            goto out;
        if (!b_blob(s, st, 1, log_id, 32) || !b_int(s, st, 2, (int64_t)f.size)) {
            cg_st_db_fail(s, "folding log ranges");
            goto out;
        }
        cg_sql_step r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            cg_st_db_fail(s, "folding log ranges");
            goto out;
        }
        if (r != CG_SQL_ROW) {
            s->drv->reset(st);
            break;
        }
        stop = (uint64_t)c_int(s, st, 0);
        const uint8_t *edge = c_blob(s, st, 1, &elen);
        const uint8_t *root = c_blob(s, st, 2, &rlen);
        int fine = stop > f.size && fold_one(s, h, &next, stop, edge, elen);
        uint8_t want[32], got[32];
        int has_root = root != NULL && rlen == 32;
        if (has_root)
            memcpy(want, root, 32);
        s->drv->reset(st);
        if (!fine) {
            if (stop <= f.size)
                cg_st_fail(s, "a done range ends at %llu, before it starts",
                           (unsigned long long)stop);
            goto out;
        }
        if (has_root) {
            if (!cg_merkle_frontier_root(h, &next, got)) {
                cg_st_fail(s, "out of memory");
                goto out;
            }
            if (memcmp(got, want, 32) != 0) {
                out->mismatch = 1;
                out->mismatch_size = stop;
                snprintf(out->why, sizeof(out->why),
                         "the %llu entries do not hash to the root of the tree head",
                         (unsigned long long)stop);
                break;
            }
        }
        f = next;
    }
    out->position = f.size;
    if (f.size != out->from) {
        cg_sql_stmt *st = q(s, Q_PREFIX_PUT);
        if (st == NULL)
            goto out;
        if (!cg_merkle_frontier_encode(&f, fr, sizeof(fr), &fr_len) ||
            !b_int(s, st, 1, (int64_t)f.size) || !b_blob(s, st, 2, fr, fr_len) ||
            !b_int(s, st, 3, now) || !b_blob(s, st, 4, log_id, 32)) {
            cg_st_db_fail(s, "moving a log's verified prefix");
            goto out;
        }
        if (!cg_st_run(s, st, "moving a log's verified prefix"))
            goto out;
    }
    ok = 1;
out:
    cg_merkle_hasher_free(h);
    return cg_st_write_end(s, own, ok);
}

int cg_store_log_range_counts_get(cg_store *s, const uint8_t log_id[32], int64_t now,
                                  cg_store_log_range_counts *out)
{
    cg_sql_stmt *st = q(s, Q_RANGE_COUNTS);
    int ok = 0;
    memset(out, 0, sizeof(*out));
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, now) || !b_blob(s, st, 2, log_id, 32))
        return cg_st_db_fail(s, "counting log ranges");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, "counting log ranges");
    } else {
        if (r == CG_SQL_ROW) {
            out->ranges = (uint64_t)c_int(s, st, 0);
            out->done = (uint64_t)c_int(s, st, 1);
            out->leased = (uint64_t)c_int(s, st, 2);
            out->entries = (uint64_t)c_int(s, st, 3);
            out->entries_done = (uint64_t)c_int(s, st, 4);
            out->planned_to = (uint64_t)c_int(s, st, 5);
            out->pending = out->ranges - out->done - out->leased;
        }
        ok = 1;
    }
    s->drv->reset(st);
    return ok;
}

/* ---- CRL sources ---- */

int cg_store_crl_source_put(cg_store *s, const cg_store_crl_source *src)
{
    int own, ok;
    cg_sql_stmt *st;
    if (src->url[0] == '\0') {
        cg_st_fail(s, "a CRL source needs a URL");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_SRC_UPSERT);
    ok = st != NULL;
    if (ok)
        ok = b_text_or_null(s, st, 1, src->url) && b_int(s, st, 2, src->is_list != 0) &&
                     b_blob_or_null(s, st, 3, src->has_issuer ? src->issuer : NULL, 32) &&
                     b_text_or_null(s, st, 4, src->issuer_label) &&
                     b_text_or_null(s, st, 5, src->origin) &&
                     b_text_or_null(s, st, 6, src->etag) &&
                     b_text_or_null(s, st, 7, src->last_modified) &&
                     b_int(s, st, 8, src->last_fetch) && b_int(s, st, 9, src->last_change) &&
                     b_int(s, st, 10, src->http_code) && b_text_or_null(s, st, 11, src->status) &&
                     b_blob_or_null(s, st, 12, src->has_body ? src->body_sha256 : NULL, 32) &&
                     b_blob_or_null(s, st, 13, src->has_crl ? src->crl_sha256 : NULL, 32) &&
                     b_int(s, st, 14, src->this_update) && b_int(s, st, 15, src->next_update) &&
                     b_int(s, st, 16, src->entries) && b_int(s, st, 17, src->failures)
                 ? cg_st_run(s, st, "storing a CRL source")
                 : cg_st_db_fail(s, "storing a CRL source");
    return cg_st_write_end(s, own, ok);
}

static void copy_text(char *out, size_t cap, const char *t)
{
    snprintf(out, cap, "%s", t != NULL ? t : "");
}

static void read_source(cg_store *s, cg_sql_stmt *st, cg_store_crl_source *o)
{
    memset(o, 0, sizeof(*o));
    copy_text(o->url, sizeof(o->url), c_text(s, st, 0));
    o->is_list = c_int(s, st, 1) != 0;
    c_sha(s, st, 2, &o->has_issuer, o->issuer);
    copy_text(o->issuer_label, sizeof(o->issuer_label), c_text(s, st, 3));
    copy_text(o->origin, sizeof(o->origin), c_text(s, st, 4));
    copy_text(o->etag, sizeof(o->etag), c_text(s, st, 5));
    copy_text(o->last_modified, sizeof(o->last_modified), c_text(s, st, 6));
    o->last_fetch = c_int(s, st, 7);
    o->last_change = c_int(s, st, 8);
    o->http_code = (long)c_int(s, st, 9);
    copy_text(o->status, sizeof(o->status), c_text(s, st, 10));
    c_sha(s, st, 11, &o->has_body, o->body_sha256);
    c_sha(s, st, 12, &o->has_crl, o->crl_sha256);
    o->this_update = c_int(s, st, 13);
    o->next_update = c_int(s, st, 14);
    o->entries = c_int(s, st, 15);
    o->failures = c_int(s, st, 16);
}

int cg_store_crl_source_get(cg_store *s, const char *url, cg_store_crl_source *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_SRC_GET);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text_or_null(s, st, 1, url))
        return cg_st_db_fail(s, "reading a CRL source");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "reading a CRL source");
    }
    if (r == CG_SQL_ROW) {
        read_source(s, st, out);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_crl_sources(cg_store *s, cg_store_crl_source_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_SRC_ALL);
    cg_store_crl_source *src;
    cg_sql_step r;
    if (st == NULL)
        return 0;
    src = malloc(sizeof(*src));
    if (src == NULL) {
        cg_st_fail(s, "out of memory");
        return 0;
    }
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        read_source(s, st, src);
        if (!fn(arg, src))
            break;
    }
    free(src);
    return cg_st_rows_end(s, st, r, "reading the CRL sources");
}

/* ---- CT log lists ---- */

int cg_store_loglist_snapshot_put(cg_store *s, const cg_store_loglist_snapshot *snap)
{
    int own, ok;
    cg_sql_stmt *st;
    if (snap->source == NULL || snap->source[0] == '\0' ||
        (snap->data == NULL && snap->len != 0)) {
        cg_st_fail(s, "a log list snapshot needs a source and its bytes");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_LL_PUT);
    ok = st != NULL;
    if (ok)
        ok = b_text(s, st, 1, snap->source) &&
                     b_blob(s, st, 2, snap->data != NULL ? snap->data : (const uint8_t *)"",
                            snap->len) &&
                     b_blob(s, st, 3, snap->sha256, 32) && b_int(s, st, 4, snap->fetched_at)
                 ? cg_st_run(s, st, "storing a log list")
                 : cg_st_db_fail(s, "storing a log list");
    return cg_st_write_end(s, own, ok);
}

int cg_store_loglist_snapshot_get(cg_store *s, const char *source, cg_store_loglist_snapshot_fn fn,
                                  void *arg, int *found)
{
    cg_sql_stmt *st = q(s, Q_LL_GET);
    cg_store_loglist_snapshot snap;
    size_t hlen = 0;
    const uint8_t *h;
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, source))
        return cg_st_db_fail(s, "reading a log list");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "reading a log list");
    }
    if (r == CG_SQL_ROW) {
        memset(&snap, 0, sizeof(snap));
        snap.source = source;
        snap.data = c_blob(s, st, 0, &snap.len);
        h = c_blob(s, st, 1, &hlen);
        snap.fetched_at = c_int(s, st, 2);
        if (snap.data == NULL || h == NULL || hlen != 32) {
            s->drv->reset(st);
            cg_st_fail(s, "the stored log list of %s is damaged", source);
            return 0;
        }
        memcpy(snap.sha256, h, 32);
        *found = 1;
        fn(arg, &snap);
    }
    s->drv->reset(st);
    return 1;
}
