/* The store over a backend driver (store/driver.h): every query is written
 * here once, in portable SQL, and prepared once per connection. */
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/merkle.h"
#include "lib/grow.h"
#include "store/driver.h"

typedef enum {
    Q_OBJ_INSERT,
    Q_OBJ_EARLIER,
    Q_OBJ_GET,
    Q_OBJ_BY_SERIAL,
    Q_OBJ_BY_ISSUER,
    Q_OBJ_CA,
    Q_CRL_PREV,
    Q_CRL_SAME,
    Q_CRL_NEXT,
    Q_CRL_COVERED,
    Q_CERT_SAMPLES,
    Q_CERT_VARIANT,
    Q_LATEST_CRLS,
    Q_NAME_INSERT,
    Q_NAMES,
    Q_OBJ_COUNT,
    Q_SCOPE_INSERT,
    Q_SCOPE_ID,
    Q_OBJ_ID,
    Q_ENTRY_UPSERT,
    Q_ENTRY_MERGE, /* the bulk path's (PostgreSQL only) */
    Q_SERIAL_LOCK, /* PostgreSQL only: lock_serial() */
    Q_REVOCATION,
    Q_FIND_INSERT,
    Q_FIND_STATE,
    Q_FIND_REPEAT,
    Q_FIND_RESOLVE,
    Q_FIND_RESOLVE_KEY,
    Q_LOG_PUT,
    Q_LOG_GET,
    Q_INC_INSERT,
    Q_INC_GET,
    Q_INC_IDS,
    Q_INC_EVENTS,
    Q_INC_CERTS,
    Q_INC_CERT_EXISTS,
    Q_INC_CERT_INSERT,
    Q_INC_CERT_UPDATE,
    Q_INC_EVENT_INSERT,
    Q_INC_NEXT_UPDATE,
    Q_SRC_UPSERT,
    Q_SRC_GET,
    Q_SRC_ALL,
    Q_LL_PUT,
    Q_LL_GET,
    Q_OBJ_BY_KIND,
    Q_OBJ_COUNTS,
    Q_FIND_COUNTS,
    Q_FIND_SPAN,
    Q_FIND_HIST,
    Q_HEAD_PUT,
    Q_RANGE_LOCK,
    Q_RANGE_MAXEND,
    Q_RANGE_INSERT,
    Q_RANGE_CLAIM,
    Q_RANGE_RENEW,
    Q_RANGE_RELEASE,
    Q_RANGE_DONE,
    Q_RANGE_NEXT,
    Q_PREFIX_PUT,
    Q_RANGE_COUNTS,
    Q_COUNT
} query_id;

#define OBJ_COLS                                                                                  \
    "sha256, kind, der, issuer, serial, subject, scope, ca, not_before, not_after, file, "        \
    "idx, first_seen, crldp"
#define SRC_COLS                                                                                  \
    "url, is_list, issuer, issuer_label, origin, etag, last_modified, last_fetch, "               \
    "last_change, http_code, status, body_sha256, crl_sha256, this_update, next_update, "         \
    "entries, failures"
#define INC_CERT_COLS                                                                             \
    "sha256, is_precert, precert_sha256, cert_sha256, serial_hex, issuer, subject, "              \
    "dns_names, not_before, not_after, revoked, revocation_date, published_at, reason"

#define LOG_COLS                                                                                  \
    "log_id, url, position, frontier, sth_size, sth_timestamp, sth_root, sth_signature, "        \
    "last_contact, failing_since, updated_at"

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
    [Q_SCOPE_INSERT] = "INSERT INTO crl_scopes (issuer, scope) VALUES (?, ?) "
                       "ON CONFLICT (issuer, scope) DO NOTHING",
    [Q_SCOPE_ID] = "SELECT id FROM crl_scopes WHERE issuer = ? AND scope = ?",
    [Q_OBJ_ID] = "SELECT id FROM objects WHERE sha256 = ?",
    /* Never run on SQLite (lock_serial); a placeholder for the table. */
    [Q_SERIAL_LOCK] = "SELECT ?",
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
    [Q_FIND_INSERT] = "INSERT INTO findings (dedup, rule, severity, object_sha256, "
                      "incident_id, message, extra, first_seen, last_seen, log_id, subject) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (dedup) DO NOTHING RETURNING id",
    [Q_FIND_STATE] = "SELECT id, last_seen, resolved_at FROM findings WHERE dedup = ?",
    /* A repeat: the latest sighting's message and fields replace the old
     * ones (an incident's "30 hours late" becomes "revoked 1114 hours
     * late"), last_seen moves forward, and a resolved finding seen again
     * at or after its resolution is open again. */
    [Q_FIND_REPEAT] = "UPDATE findings SET message = ?, extra = ?, last_seen = ?, "
                      "resolved_at = ? WHERE id = ?",
    [Q_FIND_RESOLVE] = "UPDATE findings SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
    [Q_FIND_RESOLVE_KEY] = "UPDATE findings SET resolved_at = ? WHERE dedup = ? "
                           "AND resolved_at IS NULL RETURNING id",
    [Q_LOG_PUT] = "INSERT INTO log_state (" LOG_COLS ") VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_id) DO UPDATE SET "
                  "url = excluded.url, position = excluded.position, "
                  "frontier = excluded.frontier, sth_size = excluded.sth_size, "
                  "sth_timestamp = excluded.sth_timestamp, sth_root = excluded.sth_root, "
                  "sth_signature = excluded.sth_signature, "
                  "last_contact = excluded.last_contact, "
                  "failing_since = excluded.failing_since, updated_at = excluded.updated_at",
    [Q_LOG_GET] = "SELECT " LOG_COLS " FROM log_state WHERE log_id = ?",
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
    [Q_OBJ_BY_KIND] = "SELECT " OBJ_COLS " FROM objects WHERE kind = ? ORDER BY id",
    [Q_OBJ_COUNTS] = "SELECT issuer, kind, count(*) FROM objects GROUP BY issuer, kind "
                     "ORDER BY issuer, kind",
    [Q_FIND_COUNTS] = "SELECT o.issuer, f.severity, count(*) FROM findings f "
                      "LEFT JOIN objects o ON o.sha256 = f.object_sha256 "
                      "WHERE f.resolved_at IS NULL GROUP BY o.issuer, f.severity "
                      "ORDER BY o.issuer, f.severity",
    [Q_FIND_SPAN] = "SELECT count(*), min(first_seen), max(first_seen) FROM findings",
    /* Positional GROUP BY: PostgreSQL would not take (first_seen - $1) / $2
     * and (first_seen - $3) / $4 for the same expression. */
    [Q_FIND_HIST] = "SELECT rule, (first_seen - ?) / ?, count(*) FROM findings "
                    "WHERE first_seen >= ? GROUP BY 1, 2 ORDER BY 1, 2",
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
};

/* PostgreSQL's objects table is partitioned by notAfter and cannot hold a
 * unique key on sha256 alone: the key goes into object_keys first, and the
 * object only when its key is new (docs/store.md, "PostgreSQL"). Same
 * parameters, in the same order, as the portable text. */
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
    [Q_RANGE_CLAIM] = "UPDATE log_ranges SET owner = $1, lease_until = $2, token = token + 1 "
                      "WHERE log_id = $3 AND start = (SELECT start FROM log_ranges "
                      "WHERE log_id = $4 AND done = 0 AND (owner IS NULL OR lease_until < $5) "
                      "ORDER BY start LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING start, stop, token",
};

/* CRLs with at least this many entries go in through the backend's bulk
 * path when it has one (PostgreSQL's COPY): one round trip instead of one
 * a row. */
#define BULK_ENTRIES 64

struct cg_store {
    const cg_sql_driver *drv;
    cg_sql_conn *conn;
    cg_sql_stmt *stmts[Q_COUNT];
    int in_tx;     /* an explicit transaction is open */
    int tx_failed; /* ... and a write in it failed: it can only roll back */
    char err[512];
};

static void fail(cg_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(cg_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

/* The driver's last error as the store's. */
static int db_fail(cg_store *s, const char *what)
{
    fail(s, "%s: %s", what, s->drv->errmsg(s->conn));
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
    return db_fail(s, on ? "making room for a bulk write" : "ending a bulk write");
}

int cg_store_error_retryable(const cg_store *s)
{
    return s->drv->retryable != NULL && s->drv->retryable(s->conn);
}


int cg_store_schema_version(cg_store *s, int *version)
{
    if (!s->drv->schema_version(s->conn, version))
        return db_fail(s, "reading the schema version");
    return 1;
}

/* ---- transactions ---- */

int cg_store_begin(cg_store *s)
{
    if (s->in_tx) {
        fail(s, "a transaction is open already");
        return 0;
    }
    if (!s->drv->begin(s->conn))
        return db_fail(s, "beginning a transaction");
    s->in_tx = 1;
    s->tx_failed = 0;
    return 1;
}

int cg_store_commit(cg_store *s)
{
    if (!s->in_tx) {
        fail(s, "no transaction is open");
        return 0;
    }
    if (s->tx_failed) {
        s->drv->rollback(s->conn);
        s->in_tx = 0;
        /* s->err still says what failed */
        return 0;
    }
    if (!s->drv->commit(s->conn)) {
        db_fail(s, "committing");
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
        fail(s, "no transaction is open");
        return 0;
    }
    s->in_tx = 0;
    s->tx_failed = 0;
    if (!s->drv->rollback(s->conn))
        return db_fail(s, "rolling back");
    return 1;
}

/* A write joins the caller's transaction or makes its own. */
static int write_begin(cg_store *s, int *own)
{
    *own = 0;
    if (s->in_tx) {
        if (s->tx_failed) {
            fail(s, "an earlier write of this transaction failed; roll it back");
            return 0;
        }
        return 1;
    }
    if (!s->drv->begin(s->conn))
        return db_fail(s, "beginning a transaction");
    *own = 1;
    return 1;
}

static int write_end(cg_store *s, int own, int ok)
{
    if (!own) {
        if (!ok)
            s->tx_failed = 1;
        return ok;
    }
    if (ok && s->drv->commit(s->conn))
        return 1;
    if (ok)
        db_fail(s, "committing");
    s->drv->rollback(s->conn);
    return 0;
}

/* ---- statements ---- */

static cg_sql_stmt *q(cg_store *s, query_id id)
{
    if (s->stmts[id] == NULL) {
        const char *sql = queries[id];
        if (s->drv->dialect == CG_SQL_POSTGRESQL && pg_queries[id] != NULL)
            sql = pg_queries[id];
        s->stmts[id] = s->drv->prepare(s->conn, sql);
        if (s->stmts[id] == NULL) {
            db_fail(s, "preparing a query");
            return NULL;
        }
    }
    s->drv->reset(s->stmts[id]);
    return s->stmts[id];
}

/* Binding helpers: all of them or nothing. */
static int b_int(cg_store *s, cg_sql_stmt *st, int i, int64_t v)
{
    return s->drv->bind_int64(st, i, v);
}

static int b_blob(cg_store *s, cg_sql_stmt *st, int i, const uint8_t *p, size_t n)
{
    return s->drv->bind_blob(st, i, p, n);
}

/* NULL pointer: SQL NULL. */
static int b_blob_or_null(cg_store *s, cg_sql_stmt *st, int i, const uint8_t *p, size_t n)
{
    return p == NULL ? s->drv->bind_null(st, i) : s->drv->bind_blob(st, i, p, n);
}

static int b_text_or_null(cg_store *s, cg_sql_stmt *st, int i, const char *t)
{
    return t == NULL ? s->drv->bind_null(st, i) : s->drv->bind_text(st, i, t);
}

static int b_int_or_null(cg_store *s, cg_sql_stmt *st, int i, int present, int64_t v)
{
    return present ? s->drv->bind_int64(st, i, v) : s->drv->bind_null(st, i);
}

static const uint8_t *c_blob(cg_store *s, cg_sql_stmt *st, int i, size_t *len)
{
    if (s->drv->column_is_null(st, i)) {
        *len = 0;
        return NULL;
    }
    const uint8_t *p = s->drv->column_blob(st, i, len);
    if (p == NULL) {
        /* an empty blob: a value, not NULL */
        static const uint8_t empty[1] = {0};
        p = empty;
        *len = 0;
    }
    return p;
}

static const char *c_text(cg_store *s, cg_sql_stmt *st, int i)
{
    return s->drv->column_is_null(st, i) ? NULL : s->drv->column_text(st, i);
}

static int64_t c_int(cg_store *s, cg_sql_stmt *st, int i)
{
    return s->drv->column_int64(st, i);
}

/* Runs a statement that returns no rows or one row we ignore. */
static int run(cg_store *s, cg_sql_stmt *st, const char *what)
{
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR)
        return db_fail(s, what);
    s->drv->reset(st);
    return 1;
}

static char *dup_str(const char *t)
{
    if (t == NULL)
        return NULL;
    size_t n = strlen(t) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, t, n);
    return d;
}

static const char *kind_text(cg_kind k)
{
    return cg_kind_name(k);
}

static cg_kind kind_from_text(const char *t)
{
    static const cg_kind kinds[] = {CG_KIND_CERT, CG_KIND_PRECERT, CG_KIND_CRL, CG_KIND_INCIDENT};
    for (size_t i = 0; t != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(t, cg_kind_name(kinds[i])) == 0)
            return kinds[i];
    }
    return CG_KIND_INPUT;
}

static cg_severity severity_from_text(const char *t)
{
    if (t != NULL && strcmp(t, "error") == 0)
        return CG_SEV_ERROR;
    if (t != NULL && strcmp(t, "warning") == 0)
        return CG_SEV_WARNING;
    return CG_SEV_NOTICE;
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
        return db_fail(s, "storing an object");
    return run(s, st, "storing an object");
}

int cg_store_put_object(cg_store *s, const cg_store_object *o, int *is_new, int *earlier)
{
    int own, ok = 0, inserted = 0, moved = 0;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_OBJ_INSERT);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, o->sha256, 32) || !s->drv->bind_text(st, 2, kind_text(o->kind)) ||
        !b_blob(s, st, 3, o->der, o->der_len) ||
        !b_blob_or_null(s, st, 4, o->issuer, o->issuer_len) ||
        !b_blob_or_null(s, st, 5, o->serial, o->serial_len) ||
        !b_blob_or_null(s, st, 6, o->subject, o->subject_len) ||
        !b_blob_or_null(s, st, 7, o->scope, o->scope_len) || !b_int(s, st, 8, o->ca) ||
        !b_int(s, st, 9, o->not_before) || !b_int(s, st, 10, o->not_after) ||
        !s->drv->bind_text(st, 11, o->file != NULL ? o->file : "") ||
        !b_int(s, st, 12, o->index) || !b_int(s, st, 13, o->first_seen) ||
        !b_blob_or_null(s, st, 14, o->crldp, o->crldp_len)) {
        db_fail(s, "storing an object");
        goto out;
    }
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "storing an object");
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
        if (!s->drv->bind_text(st, 1, o->kind == CG_KIND_CRL ? "crl" : "certificate") ||
            !b_blob(s, st, 2, o->issuer, o->issuer_len)) {
            db_fail(s, "storing an object");
            goto out;
        }
        if (!run(s, st, "storing an object"))
            goto out;
    }
    if (!inserted) {
        st = q(s, Q_OBJ_EARLIER);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, o->first_seen) || !b_blob(s, st, 2, o->sha256, 32) ||
            !b_int(s, st, 3, o->first_seen)) {
            db_fail(s, "storing an object");
            goto out;
        }
        r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            db_fail(s, "storing an object");
            goto out;
        }
        moved = r == CG_SQL_ROW;
        s->drv->reset(st);
    }
    ok = 1;
out:
    if (!write_end(s, own, ok))
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
    o->kind = kind_from_text(c_text(s, st, 1));
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
        db_fail(s, "reading an object");
        return NULL;
    }
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "reading an object");
        return NULL;
    }
    if (r == CG_SQL_ROW) {
        read_object(s, st, &o);
        c = copy_object(&o);
        if (c == NULL)
            fail(s, "out of memory");
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

/* Ends a row loop over st, whose last step gave r (CG_SQL_ROW when the
 * loop stopped early): resets st; 0 with the error recorded as "what: ..."
 * when the step failed. */
static int rows_end(cg_store *s, cg_sql_stmt *st, cg_sql_step r, const char *what)
{
    int ok = r != CG_SQL_ERROR || db_fail(s, what);
    s->drv->reset(st);
    return ok;
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
    return rows_end(s, st, r, "reading objects");
}

int cg_store_objects_by_serial(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_object_fn fn,
                               void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_SERIAL);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, serial, serial_len))
        return db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_objects_by_issuer(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_ISSUER);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len))
        return db_fail(s, "reading objects");
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
            return db_fail(s, "reading CRLs");
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
        return db_fail(s, "reading objects");
    return each_object(s, st, fn, arg);
}

int cg_store_cert_samples(cg_store *s, const uint8_t *issuer, size_t issuer_len, int64_t at,
                          cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_CERT_SAMPLES);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_int(s, st, 2, at))
        return db_fail(s, "reading objects");
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
        return db_fail(s, "reading objects");
    cg_sql_step r = s->drv->step(st);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return db_fail(s, "reading objects");
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
        return db_fail(s, "reading CRLs");
    return each_object(s, st, fn, arg);
}

int cg_store_issuer_names(cg_store *s, int crl_issuers, cg_store_bytes_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_NAMES);
    if (st == NULL)
        return 0;
    if (!s->drv->bind_text(st, 1, crl_issuers ? "crl" : "certificate"))
        return db_fail(s, "reading issuer names");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t n;
        const uint8_t *p = c_blob(s, st, 0, &n);
        if (p != NULL && !fn(arg, p, n))
            break;
    }
    return rows_end(s, st, r, "reading issuer names");
}

int cg_store_count_objects(cg_store *s, int64_t *count)
{
    cg_sql_stmt *st = q(s, Q_OBJ_COUNT);
    if (st == NULL)
        return 0;
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return db_fail(s, "counting objects");
    }
    *count = c_int(s, st, 0);
    s->drv->reset(st);
    return 1;
}

/* ---- CRL entries ---- */

/* One integer column of a one-row query with its parameters bound; *found
 * 0 when there is no row. */
static int one_int(cg_store *s, cg_sql_stmt *st, int64_t *out, int *found, const char *what)
{
    cg_sql_step r = s->drv->step(st);
    *found = r == CG_SQL_ROW;
    if (*found)
        *out = c_int(s, st, 0);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return db_fail(s, what);
    return 1;
}

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
        !run(s, st, what))
        return db_fail(s, what);
    st = q(s, Q_SCOPE_ID);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len))
        return db_fail(s, what);
    if (!one_int(s, st, id, &found, what))
        return 0;
    if (!found) {
        fail(s, "%s: the scope was not stored", what);
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
        return db_fail(s, what);
    int sent = 1;
    for (size_t i = 0; i < n && sent; i++) {
        const cg_store_crl_entry *e = &entries[i];
        sent = s->drv->copy_int64(s->conn, (int64_t)i) &&
               s->drv->copy_blob(s->conn, e->serial, e->serial_len) &&
               s->drv->copy_int64(s->conn, e->revocation_date) &&
               (e->reason >= 0 ? s->drv->copy_int64(s->conn, e->reason)
                               : s->drv->copy_null(s->conn));
    }
    /* copy_end always ends the COPY; it fails when a row did not go */
    if (!s->drv->copy_end(s->conn) || !sent)
        return db_fail(s, what);
    st = q(s, Q_ENTRY_MERGE);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, sid) || !b_int(s, st, 2, seen_at) || !b_int(s, st, 3, crl_id))
        return db_fail(s, what);
    return run(s, st, what);
}

int cg_store_put_crl_entries(cg_store *s, const uint8_t crl_sha256[32], const uint8_t *issuer,
                             size_t issuer_len, const uint8_t *scope, size_t scope_len,
                             const cg_store_crl_entry *entries, size_t n, int64_t seen_at)
{
    static const char what[] = "storing CRL entries";
    int own, ok = 0, found;
    int64_t sid, crl_id;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    if (!scope_id(s, issuer, issuer_len, scope, scope_len, &sid))
        goto out;
    st = q(s, Q_OBJ_ID);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, crl_sha256, 32)) {
        db_fail(s, what);
        goto out;
    }
    if (!one_int(s, st, &crl_id, &found, what))
        goto out;
    if (!found) {
        fail(s, "%s: the CRL is not stored", what);
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
            db_fail(s, what);
            goto out;
        }
        if (!run(s, st, what))
            goto out;
    }
    ok = 1;
out:
    return write_end(s, own, ok);
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
        return db_fail(s, "reading CRL entries");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return db_fail(s, "reading CRL entries");
    }
    if (r == CG_SQL_ROW) {
        size_t n;
        const uint8_t *sha;
        memset(out, 0, sizeof(*out));
        out->revocation_date = c_int(s, st, 0);
        out->reason = s->drv->column_is_null(st, 1) ? -1 : (int)c_int(s, st, 1);
        out->first_seen = c_int(s, st, 2);
        sha = c_blob(s, st, 3, &n);
        if (sha != NULL && n == 32)
            memcpy(out->crl_sha256, sha, 32);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

/* ---- findings ---- */

/* The deduplication key: one non-NULL column with a UNIQUE index, so that
 * both backends enforce it the same way (NULLs are distinct in a UNIQUE
 * constraint). */
static char *dedup_key(cg_store *s, const char *rule, const uint8_t *object, int64_t incident)
{
    char obj[65] = "-";
    size_t cap = strlen(rule) + 100;
    char *dedup = malloc(cap);
    if (dedup == NULL) {
        fail(s, "out of memory");
        return NULL;
    }
    if (object != NULL)
        cg_hex(object, 32, obj);
    if (incident > 0)
        snprintf(dedup, cap, "%s|%s|%lld", rule, obj, (long long)incident);
    else
        snprintf(dedup, cap, "%s|%s|-", rule, obj);
    return dedup;
}

/* A log finding's key: "rule|log:ID|subject", which no object key can be. */
static char *log_dedup_key(cg_store *s, const char *rule, const uint8_t log_id[32],
                           const char *subject)
{
    char id[65];
    size_t cap = strlen(rule) + (subject != NULL ? strlen(subject) : 1) + 80;
    char *dedup = malloc(cap);
    if (dedup == NULL) {
        fail(s, "out of memory");
        return NULL;
    }
    cg_hex(log_id, 32, id);
    snprintf(dedup, cap, "%s|log:%s|%s", rule, id, subject != NULL ? subject : "-");
    return dedup;
}

int cg_store_put_finding(cg_store *s, const cg_store_finding *f, int64_t seen, int *is_new,
                         int64_t *id)
{
    int own, ok = 0, inserted = 0, reopened = 0;
    int64_t fid = 0;
    cg_sql_stmt *st;
    char *dedup;
    if (f->rule == NULL || f->message == NULL) {
        fail(s, "a finding needs a rule and a message");
        return 0;
    }
    if (f->has_log && (f->has_object || f->incident > 0)) {
        fail(s, "a finding is about a log or about an object or incident, not both");
        return 0;
    }
    dedup = f->has_log ? log_dedup_key(s, f->rule, f->log_id, f->subject)
                       : dedup_key(s, f->rule, f->has_object ? f->object : NULL, f->incident);
    if (dedup == NULL)
        return 0;
    if (!write_begin(s, &own)) {
        free(dedup);
        return 0;
    }
    st = q(s, Q_FIND_INSERT);
    if (st == NULL)
        goto out;
    if (!s->drv->bind_text(st, 1, dedup) || !s->drv->bind_text(st, 2, f->rule) ||
        !s->drv->bind_text(st, 3, cg_severity_name(f->severity)) ||
        !b_blob_or_null(s, st, 4, f->has_object ? f->object : NULL, 32) ||
        !b_int_or_null(s, st, 5, f->incident > 0, f->incident) ||
        !s->drv->bind_text(st, 6, f->message) || !b_text_or_null(s, st, 7, f->extra) ||
        !b_int(s, st, 8, seen) || !b_int(s, st, 9, seen) ||
        !b_blob_or_null(s, st, 10, f->has_log ? f->log_id : NULL, 32) ||
        !b_text_or_null(s, st, 11, f->has_log ? f->subject : NULL)) {
        db_fail(s, "storing a finding");
        goto out;
    }
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "storing a finding");
        goto out;
    }
    if (r == CG_SQL_ROW) {
        inserted = 1;
        fid = c_int(s, st, 0);
    }
    s->drv->reset(st);
    if (!inserted) {
        int64_t last, resolved_at = 0;
        int was_resolved;
        st = q(s, Q_FIND_STATE);
        if (st == NULL)
            goto out;
        if (!s->drv->bind_text(st, 1, dedup)) {
            db_fail(s, "storing a finding");
            goto out;
        }
        r = s->drv->step(st);
        if (r != CG_SQL_ROW) {
            if (r == CG_SQL_ERROR)
                db_fail(s, "storing a finding");
            else
                fail(s, "storing a finding: it was neither new nor there");
            s->drv->reset(st);
            goto out;
        }
        fid = c_int(s, st, 0);
        last = c_int(s, st, 1);
        was_resolved = !s->drv->column_is_null(st, 2);
        if (was_resolved)
            resolved_at = c_int(s, st, 2);
        s->drv->reset(st);
        if (seen < last)
            goto done; /* an older sighting: nothing to change */
        reopened = was_resolved && seen >= resolved_at;
        st = q(s, Q_FIND_REPEAT);
        if (st == NULL)
            goto out;
        if (!s->drv->bind_text(st, 1, f->message) || !b_text_or_null(s, st, 2, f->extra) ||
            !b_int(s, st, 3, seen) ||
            !b_int_or_null(s, st, 4, was_resolved && !reopened, resolved_at) ||
            !b_int(s, st, 5, fid)) {
            db_fail(s, "storing a finding");
            goto out;
        }
        r = s->drv->step(st);
        s->drv->reset(st);
        if (r == CG_SQL_ERROR) {
            db_fail(s, "storing a finding");
            goto out;
        }
    }
done:
    ok = 1;
out:
    free(dedup);
    if (!write_end(s, own, ok))
        return 0;
    if (is_new != NULL)
        *is_new = inserted || reopened;
    if (id != NULL)
        *id = fid;
    return 1;
}

int cg_store_resolve_finding(cg_store *s, int64_t id, int64_t at)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_FIND_RESOLVE);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_int(s, st, 2, id))
            db_fail(s, "resolving a finding");
        else
            ok = run(s, st, "resolving a finding");
    }
    return write_end(s, own, ok);
}

int cg_store_resolve_open(cg_store *s, const char *rule, const uint8_t object[32], int64_t at,
                          int *resolved)
{
    int own, ok = 0, done = 0;
    cg_sql_stmt *st;
    char *dedup = dedup_key(s, rule, object, 0);
    if (dedup == NULL)
        return 0;
    if (!write_begin(s, &own)) {
        free(dedup);
        return 0;
    }
    st = q(s, Q_FIND_RESOLVE_KEY);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !s->drv->bind_text(st, 2, dedup)) {
            db_fail(s, "resolving a finding");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR) {
                db_fail(s, "resolving a finding");
            } else {
                done = r == CG_SQL_ROW;
                ok = 1;
            }
            s->drv->reset(st);
        }
    }
    free(dedup);
    if (!write_end(s, own, ok))
        return 0;
    if (resolved != NULL)
        *resolved = done;
    return 1;
}

int cg_store_findings(cg_store *s, const cg_store_finding_filter *flt, cg_store_finding_fn fn,
                      void *arg)
{
    char sql[1024];
    cg_sql_stmt *st;
    int n = 0, ok = 0;
    /* Built per call (the filters vary); conditions only ever add bound
     * parameters, never text from the caller. */
    n = snprintf(sql, sizeof(sql),
                 "SELECT f.id, f.rule, f.severity, f.object_sha256, f.incident_id, f.message, "
                 "f.extra, f.first_seen, f.last_seen, f.resolved_at, o.kind, o.file, o.idx, "
                 "o.issuer, o.serial, f.log_id, f.subject, l.url FROM findings f "
                 "LEFT JOIN objects o ON o.sha256 = f.object_sha256 "
                 "LEFT JOIN log_state l ON l.log_id = f.log_id WHERE 1 = 1");
    if (flt != NULL && flt->rule != NULL)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.rule = ?");
    if (flt != NULL && flt->has_since)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.first_seen >= ?");
    if (flt != NULL && flt->open_only)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.resolved_at IS NULL");
    if (flt != NULL && flt->incident > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.incident_id = ?");
    if (flt != NULL && flt->id > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.id = ?");
    if (flt != NULL && flt->has_object)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.object_sha256 = ?");
    snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY COALESCE(o.id, 0), f.id");
    st = s->drv->prepare(s->conn, sql);
    if (st == NULL)
        return db_fail(s, "listing findings");
    int p = 1, bound = 1;
    if (flt != NULL && flt->rule != NULL)
        bound &= s->drv->bind_text(st, p++, flt->rule);
    if (flt != NULL && flt->has_since)
        bound &= b_int(s, st, p++, flt->since);
    if (flt != NULL && flt->incident > 0)
        bound &= b_int(s, st, p++, flt->incident);
    if (flt != NULL && flt->id > 0)
        bound &= b_int(s, st, p++, flt->id);
    if (flt != NULL && flt->has_object)
        bound &= b_blob(s, st, p++, flt->object, 32);
    if (!bound) {
        db_fail(s, "listing findings");
        goto out;
    }
    for (;;) {
        cg_sql_step r = s->drv->step(st);
        cg_store_finding f;
        size_t len;
        const uint8_t *obj;
        if (r == CG_SQL_ERROR) {
            db_fail(s, "listing findings");
            goto out;
        }
        if (r == CG_SQL_DONE)
            break;
        memset(&f, 0, sizeof(f));
        f.id = c_int(s, st, 0);
        f.rule = c_text(s, st, 1);
        f.severity = severity_from_text(c_text(s, st, 2));
        obj = c_blob(s, st, 3, &len);
        if (obj != NULL && len == 32) {
            f.has_object = 1;
            memcpy(f.object, obj, 32);
        }
        f.incident = s->drv->column_is_null(st, 4) ? 0 : c_int(s, st, 4);
        f.message = c_text(s, st, 5);
        f.extra = c_text(s, st, 6);
        f.first_seen = c_int(s, st, 7);
        f.last_seen = c_int(s, st, 8);
        f.resolved = !s->drv->column_is_null(st, 9);
        f.resolved_at = f.resolved ? c_int(s, st, 9) : 0;
        if (f.has_object && !s->drv->column_is_null(st, 10)) {
            f.kind = kind_from_text(c_text(s, st, 10));
            f.file = c_text(s, st, 11);
            f.index = c_int(s, st, 12);
            f.issuer = c_blob(s, st, 13, &f.issuer_len);
            f.serial = c_blob(s, st, 14, &f.serial_len);
        } else {
            f.kind = f.incident > 0 ? CG_KIND_INCIDENT : CG_KIND_INPUT;
        }
        obj = c_blob(s, st, 15, &len);
        if (obj != NULL && len == 32) {
            f.has_log = 1;
            memcpy(f.log_id, obj, 32);
            f.subject = c_text(s, st, 16);
            f.log_url = c_text(s, st, 17);
        }
        if (!fn(arg, &f))
            break;
    }
    ok = 1;
out:
    s->drv->finalize(st);
    return ok;
}

/* ---- CT logs ---- */

/* Binds a log_state row (LOG_COLS) to query id and runs it, with the
 * position and right edge given. */
static int log_put(cg_store *s, query_id id, const cg_store_log_state *ls, uint64_t position,
                   const uint8_t *frontier, size_t frontier_len, const char *what)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, id);
    if (st != NULL) {
        if (!b_blob(s, st, 1, ls->log_id, 32) || !s->drv->bind_text(st, 2, ls->url) ||
            !b_int(s, st, 3, (int64_t)position) || !b_blob(s, st, 4, frontier, frontier_len) ||
            !b_int_or_null(s, st, 5, ls->has_sth, (int64_t)ls->sth_size) ||
            !b_int_or_null(s, st, 6, ls->has_sth, (int64_t)ls->sth_timestamp) ||
            !b_blob_or_null(s, st, 7, ls->has_sth ? ls->sth_root : NULL, 32) ||
            !b_blob_or_null(s, st, 8, ls->has_sth ? ls->sth_signature : NULL,
                            ls->sth_signature_len) ||
            !b_int_or_null(s, st, 9, ls->last_contact != 0, ls->last_contact) ||
            !b_int_or_null(s, st, 10, ls->failing_since != 0, ls->failing_since) ||
            !b_int(s, st, 11, ls->updated_at))
            db_fail(s, what);
        else
            ok = run(s, st, what);
    }
    return write_end(s, own, ok);
}

int cg_store_log_state_put(cg_store *s, const cg_store_log_state *ls)
{
    if (ls->url == NULL || ls->frontier == NULL || ls->position > INT64_MAX ||
        ls->sth_size > INT64_MAX || ls->sth_timestamp > INT64_MAX) {
        fail(s, "a log state needs a URL and a frontier, and sizes the store can hold");
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
        fail(s, "a log state without a 32-byte log ID");
        return 0;
    }
    memcpy(ls.log_id, p, 32);
    ls.url = c_text(s, st, 1);
    ls.position = (uint64_t)c_int(s, st, 2);
    ls.frontier = c_blob(s, st, 3, &ls.frontier_len);
    ls.has_sth = !s->drv->column_is_null(st, 4);
    if (ls.has_sth) {
        ls.sth_size = (uint64_t)c_int(s, st, 4);
        ls.sth_timestamp = (uint64_t)c_int(s, st, 5);
        p = c_blob(s, st, 6, &len);
        if (p == NULL || len != 32) {
            fail(s, "a log state with a tree head root that is not 32 bytes");
            return 0;
        }
        memcpy(ls.sth_root, p, 32);
        ls.sth_signature = c_blob(s, st, 7, &ls.sth_signature_len);
    }
    ls.last_contact = s->drv->column_is_null(st, 8) ? 0 : c_int(s, st, 8);
    ls.failing_since = s->drv->column_is_null(st, 9) ? 0 : c_int(s, st, 9);
    ls.updated_at = c_int(s, st, 10);
    if (ls.url == NULL || ls.frontier == NULL || c_int(s, st, 2) < 0) {
        fail(s, "a log state without URL, position or frontier");
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
        return db_fail(s, "reading a log state");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "reading a log state");
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
        return db_fail(s, "listing log states");
    while (go) {
        cg_sql_step r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            db_fail(s, "listing log states");
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

/* ---- monitors sharing the work ---- */

int cg_store_log_head_put(cg_store *s, const cg_store_log_state *ls)
{
    uint8_t fr[CG_MERKLE_FRONTIER_MAX_ENCODED];
    size_t fr_len = 0;
    cg_merkle_frontier f;
    if (ls->url == NULL || ls->sth_size > INT64_MAX || ls->sth_timestamp > INT64_MAX) {
        fail(s, "a log tree head needs a URL, and sizes the store can hold");
        return 0;
    }
    /* position 0 and the empty right edge: for a new row only */
    cg_merkle_frontier_init(&f);
    if (!cg_merkle_frontier_encode(&f, fr, sizeof(fr), &fr_len)) {
        fail(s, "encoding an empty right edge");
        return 0;
    }
    return log_put(s, Q_HEAD_PUT, ls, 0, fr, fr_len, "storing a log tree head");
}

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
        return db_fail(s, "locking a log state");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "locking a log state");
    } else if (r != CG_SQL_ROW) {
        fail(s, "the log has no log_state row to plan or fold its ranges in");
    } else {
        p = c_blob(s, st, 1, &len);
        if (p == NULL || !cg_merkle_frontier_decode(f, p, len) ||
            f->size != (uint64_t)c_int(s, st, 0))
            fail(s, "the log's right edge does not decode or is not at its position");
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
        fail(s, "ranges need a length and a size the store can hold");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    if (!prefix_lock(s, log_id, &f))
        goto out;
    from = f.size;
    st = q(s, Q_RANGE_MAXEND);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, log_id, 32)) {
        db_fail(s, "planning log ranges");
        goto out;
    }
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "planning log ranges");
        goto out;
    }
    int none = r != CG_SQL_ROW || s->drv->column_is_null(st, 0);
    if (!none && (uint64_t)c_int(s, st, 0) > from)
        from = (uint64_t)c_int(s, st, 0);
    s->drv->reset(st);
    if (start_edge != NULL && none && from == 0) {
        cg_merkle_frontier e;
        if (!cg_merkle_frontier_decode(&e, start_edge, start_edge_len) || e.size > size) {
            fail(s, "the starting right edge does not decode or lies past the tree head");
            goto out;
        }
        st = q(s, Q_PREFIX_PUT);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, (int64_t)e.size) || !b_blob(s, st, 2, start_edge, start_edge_len) ||
            !b_int(s, st, 3, 0) || !b_blob(s, st, 4, log_id, 32)) {
            db_fail(s, "starting a log at its end");
            goto out;
        }
        if (!run(s, st, "starting a log at its end"))
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
            db_fail(s, "planning log ranges");
            goto out;
        }
        if (!run(s, st, "planning log ranges"))
            goto out;
        n++;
        from = stop;
    }
    ok = 1;
    if (planned != NULL)
        *planned = n;
out:
    return write_end(s, own, ok);
}

int cg_store_log_range_claim(cg_store *s, const uint8_t log_id[32], const char *owner,
                             int64_t now, int lease_seconds, cg_store_log_lease *out, int *found)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    *found = 0;
    memset(out, 0, sizeof(*out));
    if (owner == NULL || owner[0] == '\0' || lease_seconds <= 0) {
        fail(s, "a claim needs an owner and a lease");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_CLAIM);
    if (st != NULL) {
        if (!s->drv->bind_text(st, 1, owner) || !b_int(s, st, 2, now + lease_seconds) ||
            !b_blob(s, st, 3, log_id, 32) || !b_blob(s, st, 4, log_id, 32) ||
            !b_int(s, st, 5, now)) {
            db_fail(s, "claiming a log range");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR) {
                db_fail(s, "claiming a log range");
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
    return write_end(s, own, ok);
}

/* Runs a lease statement; *hit 1 when it returned a row. */
static int lease_run(cg_store *s, cg_sql_stmt *st, const char *what, int *hit)
{
    cg_sql_step r = s->drv->step(st);
    s->drv->reset(st);
    if (r == CG_SQL_ERROR)
        return db_fail(s, what);
    *hit = r == CG_SQL_ROW;
    return 1;
}

int cg_store_log_range_renew(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                             int64_t until, int *lost)
{
    int own, ok = 0, hit = 0;
    cg_sql_stmt *st;
    *lost = 0;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_RENEW);
    if (st != NULL) {
        if (!b_int(s, st, 1, until) || !b_blob(s, st, 2, log_id, 32) ||
            !b_int(s, st, 3, (int64_t)l->start) || !b_int(s, st, 4, l->token))
            db_fail(s, "renewing a log range lease");
        else if ((ok = lease_run(s, st, "renewing a log range lease", &hit)))
            *lost = !hit;
    }
    return write_end(s, own, ok);
}

int cg_store_log_range_release(cg_store *s, const uint8_t log_id[32],
                               const cg_store_log_lease *l)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_RELEASE);
    if (st != NULL) {
        if (!b_blob(s, st, 1, log_id, 32) || !b_int(s, st, 2, (int64_t)l->start) ||
            !b_int(s, st, 3, l->token))
            db_fail(s, "releasing a log range");
        else
            ok = run(s, st, "releasing a log range");
    }
    return write_end(s, own, ok);
}

int cg_store_log_range_done(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                            const char *owner, const uint8_t *edge, size_t edge_len,
                            int64_t now, int *lost)
{
    int own, ok = 0, hit = 0;
    cg_sql_stmt *st;
    *lost = 0;
    if (owner == NULL || edge == NULL || edge_len == 0 || edge_len % CG_MERKLE_HASH_LEN != 0) {
        fail(s, "a done range needs its owner and its compact range");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_RANGE_DONE);
    if (st != NULL) {
        if (!s->drv->bind_text(st, 1, owner) || !b_blob(s, st, 2, edge, edge_len) ||
            !b_int(s, st, 3, now) || !b_blob(s, st, 4, log_id, 32) ||
            !b_int(s, st, 5, (int64_t)l->start) || !b_int(s, st, 6, l->token))
            db_fail(s, "completing a log range");
        else if ((ok = lease_run(s, st, "completing a log range", &hit)))
            *lost = !hit;
    }
    return write_end(s, own, ok);
}

/* Appends the compact range [start, stop) (edge: its hashes) to f. */
static int fold_one(cg_store *s, cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t stop,
                    const uint8_t *edge, size_t edge_len)
{
    unsigned heights[CG_MERKLE_MAX_COMPACT];
    size_t n = cg_merkle_compact_heights(f->size, stop, heights);
    if (edge == NULL || edge_len != n * CG_MERKLE_HASH_LEN) {
        fail(s, "the done range [%llu, %llu) has a compact range of %zu bytes, not %zu",
             (unsigned long long)f->size, (unsigned long long)stop, edge_len,
             n * (size_t)CG_MERKLE_HASH_LEN);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cg_merkle_frontier_append_subtree(h, f, heights[i], edge + i * CG_MERKLE_HASH_LEN)) {
            fail(s, "out of memory");
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
        fail(s, "out of memory");
        return 0;
    }
    if (!write_begin(s, &own)) {
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
            db_fail(s, "folding log ranges");
            goto out;
        }
        cg_sql_step r = s->drv->step(st);
        if (r == CG_SQL_ERROR) {
            db_fail(s, "folding log ranges");
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
                fail(s, "a done range ends at %llu, before it starts",
                     (unsigned long long)stop);
            goto out;
        }
        if (has_root) {
            if (!cg_merkle_frontier_root(h, &next, got)) {
                fail(s, "out of memory");
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
            db_fail(s, "moving a log's verified prefix");
            goto out;
        }
        if (!run(s, st, "moving a log's verified prefix"))
            goto out;
    }
    ok = 1;
out:
    cg_merkle_hasher_free(h);
    return write_end(s, own, ok);
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
        return db_fail(s, "counting log ranges");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        db_fail(s, "counting log ranges");
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

/* ---- incidents ---- */

static int incident_exists(cg_store *s, int64_t id)
{
    cg_sql_stmt *st = q(s, Q_INC_GET);
    int found = 0;
    if (st == NULL)
        return -1;
    if (!b_int(s, st, 1, id))
        return db_fail(s, "reading an incident") - 1;
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR)
        found = db_fail(s, "reading an incident") - 1;
    else
        found = r == CG_SQL_ROW;
    s->drv->reset(st);
    return found;
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
        return db_fail(s, "storing an incident certificate");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return db_fail(s, "storing an incident certificate");
    }
    if (r == CG_SQL_ROW)
        row = c_int(s, st, 0);
    s->drv->reset(st);
    if (row != 0) {
        st = q(s, Q_INC_CERT_UPDATE);
        if (st == NULL)
            return 0;
        if (!bind_cert(s, st, 1, c) || !b_int(s, st, 14, row))
            return db_fail(s, "storing an incident certificate");
    } else {
        st = q(s, Q_INC_CERT_INSERT);
        if (st == NULL)
            return 0;
        if (!b_int(s, st, 1, incident) || !b_blob(s, st, 2, c->sha256, 32) ||
            !bind_cert(s, st, 3, c))
            return db_fail(s, "storing an incident certificate");
    }
    if (!run(s, st, "storing an incident certificate"))
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
        fail(s, "unknown incident event type %d", (int)ev->type);
        return 0;
    }
    if (!b_int(s, st, 1, incident) || !b_int(s, st, 2, ev->type) || !b_int(s, st, 3, ev->at) ||
        !b_text_or_null(s, st, 4, ev->note))
        return db_fail(s, "storing an incident event");
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return db_fail(s, "storing an incident event");
    }
    ev->id = c_int(s, st, 0);
    s->drv->reset(st);
    return 1;
}

int cg_store_incident_create(cg_store *s, cg_incident *inc)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (inc->kind == NULL) {
        fail(s, "an incident needs a kind");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_INC_INSERT);
    if (st == NULL)
        goto out;
    if (!s->drv->bind_text(st, 1, inc->kind) || !b_text_or_null(s, st, 2, inc->title) ||
        !b_int(s, st, 3, inc->source) || !b_int(s, st, 4, inc->reported_at) ||
        !b_int(s, st, 5, inc->next_update_at)) {
        db_fail(s, "storing an incident");
        goto out;
    }
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        db_fail(s, "storing an incident");
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
    inc->id = id;
    ok = 1;
out:
    return write_end(s, own, ok);
}

static void copy_sha(cg_store *s, cg_sql_stmt *st, int i, int *has, uint8_t out[32])
{
    size_t n;
    const uint8_t *p = c_blob(s, st, i, &n);
    *has = p != NULL && n == 32;
    if (*has)
        memcpy(out, p, 32);
    else
        memset(out, 0, 32);
}

/* A strdup that tells a failed copy from a NULL column. */
static int dup_col(cg_store *s, cg_sql_stmt *st, int i, char **out)
{
    const char *t = c_text(s, st, i);
    *out = dup_str(t);
    return t == NULL || *out != NULL;
}

static int load_events(cg_store *s, cg_incident *inc)
{
    cg_sql_stmt *st = q(s, Q_INC_EVENTS);
    size_t cap = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, inc->id))
        return db_fail(s, "reading incident events");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        if (!cg_grow((void **)&inc->events, &cap, inc->n_events + 1, sizeof(cg_incident_event)))
            goto oom;
        cg_incident_event *ev = &inc->events[inc->n_events];
        memset(ev, 0, sizeof(*ev));
        ev->id = c_int(s, st, 0);
        ev->type = (cg_event_type)c_int(s, st, 1);
        ev->at = c_int(s, st, 2);
        inc->n_events++;
        if (!dup_col(s, st, 3, &ev->note))
            goto oom;
    }
    return rows_end(s, st, r, "reading incident events");
oom:
    s->drv->reset(st);
    fail(s, "out of memory");
    return 0;
}

static int load_certs(cg_store *s, cg_incident *inc)
{
    cg_sql_stmt *st = q(s, Q_INC_CERTS);
    size_t cap = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, inc->id))
        return db_fail(s, "reading incident certificates");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        int has;
        if (!cg_grow((void **)&inc->certs, &cap, inc->n_certs + 1, sizeof(cg_incident_cert)))
            goto oom;
        cg_incident_cert *c = &inc->certs[inc->n_certs];
        memset(c, 0, sizeof(*c));
        inc->n_certs++;
        copy_sha(s, st, 0, &has, c->sha256);
        c->is_precert = (int)c_int(s, st, 1);
        copy_sha(s, st, 2, &c->has_precert_sha, c->precert_sha256);
        copy_sha(s, st, 3, &c->has_cert_sha, c->cert_sha256);
        if (!dup_col(s, st, 4, &c->serial_hex) || !dup_col(s, st, 5, &c->issuer) ||
            !dup_col(s, st, 6, &c->subject) || !dup_col(s, st, 7, &c->dns_names))
            goto oom;
        c->not_before = c_int(s, st, 8);
        c->not_after = c_int(s, st, 9);
        c->revoked = (int)c_int(s, st, 10);
        c->revocation_date = c_int(s, st, 11);
        c->published_at = c_int(s, st, 12);
        c->reason = (int)c_int(s, st, 13);
    }
    return rows_end(s, st, r, "reading incident certificates");
oom:
    s->drv->reset(st);
    fail(s, "out of memory");
    return 0;
}

int cg_store_incident_get(cg_store *s, int64_t id, cg_incident *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_INC_GET);
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, id))
        return db_fail(s, "reading an incident");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return db_fail(s, "reading an incident");
    }
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
        fail(s, "out of memory");
        goto err;
    }
    if (!load_events(s, out) || !load_certs(s, out))
        goto err;
    *found = 1;
    return 1;
err:
    cg_incident_clear(out);
    return 0;
}

int cg_store_incident_list(cg_store *s, cg_store_incident_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_INC_IDS);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int ok = 0;
    if (st == NULL)
        return 0;
    /* IDs first: loading each incident uses other statements. */
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        if (!cg_grow((void **)&ids, &cap, n + 1, sizeof(*ids))) {
            fail(s, "out of memory");
            s->drv->reset(st);
            goto out;
        }
        ids[n++] = c_int(s, st, 0);
    }
    if (!rows_end(s, st, r, "listing incidents"))
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

int cg_store_incident_add_cert(cg_store *s, int64_t incident, const cg_incident_cert *cert,
                               int *is_new)
{
    int own, ok = 0, e;
    if (!write_begin(s, &own))
        return 0;
    e = incident_exists(s, incident);
    if (e == 0)
        fail(s, "no incident %lld", (long long)incident);
    else if (e > 0)
        ok = put_cert(s, incident, cert, is_new);
    return write_end(s, own, ok);
}

int cg_store_incident_add_event(cg_store *s, int64_t incident, cg_incident_event *ev)
{
    int own, ok = 0, e;
    if (!write_begin(s, &own))
        return 0;
    e = incident_exists(s, incident);
    if (e == 0)
        fail(s, "no incident %lld", (long long)incident);
    else if (e > 0)
        ok = put_event(s, incident, ev);
    return write_end(s, own, ok);
}

int cg_store_incident_set_next_update(cg_store *s, int64_t incident, int64_t at)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_INC_NEXT_UPDATE);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_int(s, st, 2, incident)) {
            db_fail(s, "updating an incident");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR)
                db_fail(s, "updating an incident");
            else if (r == CG_SQL_DONE)
                fail(s, "no incident %lld", (long long)incident);
            else
                ok = 1;
            s->drv->reset(st);
        }
    }
    return write_end(s, own, ok);
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

/* ---- CRL sources ---- */

int cg_store_crl_source_put(cg_store *s, const cg_store_crl_source *src)
{
    int own, ok;
    cg_sql_stmt *st;
    if (src->url[0] == '\0') {
        fail(s, "a CRL source needs a URL");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_SRC_UPSERT);
    ok = st != NULL;
    if (ok)
        ok = b_text_or_null(s, st, 1, src->url) && b_int(s, st, 2, src->is_list != 0) &&
             b_blob_or_null(s, st, 3, src->has_issuer ? src->issuer : NULL, 32) &&
             b_text_or_null(s, st, 4, src->issuer_label) &&
             b_text_or_null(s, st, 5, src->origin) && b_text_or_null(s, st, 6, src->etag) &&
             b_text_or_null(s, st, 7, src->last_modified) &&
             b_int(s, st, 8, src->last_fetch) && b_int(s, st, 9, src->last_change) &&
             b_int(s, st, 10, src->http_code) && b_text_or_null(s, st, 11, src->status) &&
             b_blob_or_null(s, st, 12, src->has_body ? src->body_sha256 : NULL, 32) &&
             b_blob_or_null(s, st, 13, src->has_crl ? src->crl_sha256 : NULL, 32) &&
             b_int(s, st, 14, src->this_update) && b_int(s, st, 15, src->next_update) &&
             b_int(s, st, 16, src->entries) && b_int(s, st, 17, src->failures)
            ? run(s, st, "storing a CRL source")
            : db_fail(s, "storing a CRL source");
    return write_end(s, own, ok);
}

static void copy_text(char *out, size_t cap, const char *t)
{
    snprintf(out, cap, "%s", t != NULL ? t : "");
}

static void copy_sha32(cg_store *s, cg_sql_stmt *st, int i, int *has, uint8_t out[32])
{
    size_t n;
    const uint8_t *p = c_blob(s, st, i, &n);
    *has = p != NULL && n == 32;
    if (*has)
        memcpy(out, p, 32);
}

static void read_source(cg_store *s, cg_sql_stmt *st, cg_store_crl_source *o)
{
    memset(o, 0, sizeof(*o));
    copy_text(o->url, sizeof(o->url), c_text(s, st, 0));
    o->is_list = c_int(s, st, 1) != 0;
    copy_sha32(s, st, 2, &o->has_issuer, o->issuer);
    copy_text(o->issuer_label, sizeof(o->issuer_label), c_text(s, st, 3));
    copy_text(o->origin, sizeof(o->origin), c_text(s, st, 4));
    copy_text(o->etag, sizeof(o->etag), c_text(s, st, 5));
    copy_text(o->last_modified, sizeof(o->last_modified), c_text(s, st, 6));
    o->last_fetch = c_int(s, st, 7);
    o->last_change = c_int(s, st, 8);
    o->http_code = (long)c_int(s, st, 9);
    copy_text(o->status, sizeof(o->status), c_text(s, st, 10));
    copy_sha32(s, st, 11, &o->has_body, o->body_sha256);
    copy_sha32(s, st, 12, &o->has_crl, o->crl_sha256);
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
        return db_fail(s, "reading a CRL source");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return db_fail(s, "reading a CRL source");
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
        fail(s, "out of memory");
        return 0;
    }
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        read_source(s, st, src);
        if (!fn(arg, src))
            break;
    }
    free(src);
    return rows_end(s, st, r, "reading the CRL sources");
}

/* ---- CT log lists ---- */

int cg_store_loglist_snapshot_put(cg_store *s, const cg_store_loglist_snapshot *snap)
{
    int own, ok;
    cg_sql_stmt *st;
    if (snap->source == NULL || snap->source[0] == '\0' ||
        (snap->data == NULL && snap->len != 0)) {
        fail(s, "a log list snapshot needs a source and its bytes");
        return 0;
    }
    if (!write_begin(s, &own))
        return 0;
    st = q(s, Q_LL_PUT);
    ok = st != NULL;
    if (ok)
        ok = s->drv->bind_text(st, 1, snap->source) &&
                     b_blob(s, st, 2, snap->data != NULL ? snap->data : (const uint8_t *)"",
                            snap->len) &&
                     b_blob(s, st, 3, snap->sha256, 32) && b_int(s, st, 4, snap->fetched_at)
                 ? run(s, st, "storing a log list")
                 : db_fail(s, "storing a log list");
    return write_end(s, own, ok);
}

int cg_store_loglist_snapshot_get(cg_store *s, const char *source,
                                  cg_store_loglist_snapshot_fn fn, void *arg, int *found)
{
    cg_sql_stmt *st = q(s, Q_LL_GET);
    cg_store_loglist_snapshot snap;
    size_t hlen = 0;
    const uint8_t *h;
    *found = 0;
    if (st == NULL)
        return 0;
    if (!s->drv->bind_text(st, 1, source))
        return db_fail(s, "reading a log list");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        s->drv->reset(st);
        return db_fail(s, "reading a log list");
    }
    if (r == CG_SQL_ROW) {
        memset(&snap, 0, sizeof(snap));
        snap.source = source;
        snap.data = c_blob(s, st, 0, &snap.len);
        h = c_blob(s, st, 1, &hlen);
        snap.fetched_at = c_int(s, st, 2);
        if (snap.data == NULL || h == NULL || hlen != 32) {
            s->drv->reset(st);
            fail(s, "the stored log list of %s is damaged", source);
            return 0;
        }
        memcpy(snap.sha256, h, 32);
        *found = 1;
        fn(arg, &snap);
    }
    s->drv->reset(st);
    return 1;
}

/* ---- summaries ---- */

int cg_store_objects_by_kind(cg_store *s, cg_kind kind, cg_store_object_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_OBJ_BY_KIND);
    if (st == NULL)
        return 0;
    if (!s->drv->bind_text(st, 1, kind_text(kind)))
        return db_fail(s, "reading objects");
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
        if (!fn(arg, issuer, n, kind_from_text(c_text(s, st, 1)), c_int(s, st, 2)))
            break;
    }
    return rows_end(s, st, r, "counting objects");
}

int cg_store_open_finding_counts(cg_store *s, cg_store_finding_count_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_FIND_COUNTS);
    cg_sql_step r;
    if (st == NULL)
        return 0;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t n;
        const uint8_t *issuer = c_blob(s, st, 0, &n);
        if (!fn(arg, issuer, n, severity_from_text(c_text(s, st, 1)), c_int(s, st, 2)))
            break;
    }
    return rows_end(s, st, r, "counting findings");
}

int cg_store_finding_span(cg_store *s, int64_t *first, int64_t *last, int *found)
{
    cg_sql_stmt *st = q(s, Q_FIND_SPAN);
    *found = 0;
    if (st == NULL)
        return 0;
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return db_fail(s, "reading the findings' time span");
    }
    if (c_int(s, st, 0) > 0) {
        *first = c_int(s, st, 1);
        *last = c_int(s, st, 2);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_finding_histogram(cg_store *s, int64_t origin, int64_t width,
                               cg_store_rule_bucket_fn fn, void *arg)
{
    cg_sql_stmt *st;
    if (width <= 0) {
        fail(s, "a histogram bucket must be at least a second wide");
        return 0;
    }
    st = q(s, Q_FIND_HIST);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, origin) || !b_int(s, st, 2, width) || !b_int(s, st, 3, origin))
        return db_fail(s, "counting findings");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        const char *rule = c_text(s, st, 0);
        if (!fn(arg, rule != NULL ? rule : "", c_int(s, st, 1), c_int(s, st, 2)))
            break;
    }
    return rows_end(s, st, r, "counting findings");
}
