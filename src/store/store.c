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
 * on its own before it returns. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/driver.h"
#include "store/store_internal.h"
#include "util/errf.h"

void cg_st_fail(cg_store *s, const char *fmt, ...)
{
    CG_FORMAT_ARGS(s->err, sizeof(s->err), fmt);
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
#if CAGUARD_HAVE_POSTGRESQL
    {"postgresql", &cg_postgresql_driver},
    {"postgres", &cg_postgres_driver},
#endif
};

/* What the message of an unknown scheme offers. */
#if CAGUARD_HAVE_POSTGRESQL
#define BACKENDS_KNOWN "sqlite:PATH, a plain path, postgresql://..."
#else
#define BACKENDS_KNOWN                                                                            \
    "sqlite:PATH, a plain path; no PostgreSQL: configured without "                               \
    "CAGUARD_WITH_POSTGRESQL"
#endif

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
                         "unknown store scheme '%.*s:' (this caguard has: " BACKENDS_KNOWN ")",
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
    cg_st_parts_free(s);
    cg_st_known_free(s);
    s->drv->close(s->conn);
    cg_st_outbox_free(s);
    free(s);
}

const char *cg_store_errmsg(const cg_store *s)
{
    return s->err;
}

int cg_store_bulk(cg_store *s, int on)
{
    if (s->drv->set_cache == NULL ||
        s->drv->set_cache(s->conn, on ? CG_SQL_CACHE_BULK : CG_SQL_CACHE_BASE))
        return 1;
    return cg_st_db_fail(s, on ? "making room for a bulk write" : "ending a bulk write");
}

int cg_store_writer_cache(cg_store *s)
{
    if (s->drv->set_cache == NULL || s->drv->set_cache(s->conn, CG_SQL_CACHE_WRITER))
        return 1;
    return cg_st_db_fail(s, "sizing the page cache");
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
        cg_st_known_tx_end(s, 0);
        /* s->err still says what failed */
        return 0;
    }
    if (!s->drv->commit(s->conn)) {
        cg_st_db_fail(s, "committing");
        s->drv->rollback(s->conn);
        s->in_tx = 0;
        cg_st_known_tx_end(s, 0);
        return 0;
    }
    s->in_tx = 0;
    cg_st_known_tx_end(s, 1);
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
    cg_st_known_tx_end(s, 0);
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
    if (ok && s->drv->commit(s->conn)) {
        cg_st_known_tx_end(s, 1);
        return 1;
    }
    if (ok)
        cg_st_db_fail(s, "committing");
    s->drv->rollback(s->conn);
    cg_st_known_tx_end(s, 0);
    return 0;
}

/* ---- statements ---- */

/* Where each query's text is: the one table with an entry for its ID;
 * on PostgreSQL a PostgreSQL text first. */
#define SQL_TABLE(file) cg_st_sql_##file,
#define PG_SQL_TABLE(file) cg_st_pg_sql_##file,
static const char *const *const sql_tables[] = {CG_ST_SQL_FILES(SQL_TABLE)};
static const char *const *const pg_sql_tables[] = {CG_ST_PG_SQL_FILES(PG_SQL_TABLE)};

static const char *query_text(const cg_store *s, query_id id)
{
    if (s->drv->dialect == CG_SQL_POSTGRESQL) {
        for (size_t i = 0; i < sizeof(pg_sql_tables) / sizeof(pg_sql_tables[0]); i++) {
            if (pg_sql_tables[i][id] != NULL)
                return pg_sql_tables[i][id];
        }
    }
    for (size_t i = 0; i < sizeof(sql_tables) / sizeof(sql_tables[0]); i++) {
        if (sql_tables[i][id] != NULL)
            return sql_tables[i][id];
    }
    return NULL;
}

cg_sql_stmt *cg_st_stmt(cg_store *s, query_id id)
{
    if (s->stmts[id] == NULL) {
        const char *sql = query_text(s, id);
        if (sql == NULL) {
            cg_st_fail(s, "query %d has no text for this backend", (int)id);
            return NULL;
        }
        s->stmts[id] = s->drv->prepare(s->conn, sql);
        if (s->stmts[id] == NULL) {
            cg_st_db_fail(s, "preparing a query");
            return NULL;
        }
    }
    s->drv->reset(s->stmts[id]);
    return s->stmts[id];
}

cg_sql_step cg_st_step(cg_store *s, cg_sql_stmt *st, const char *what)
{
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ERROR) {
        cg_st_db_fail(s, what);
        s->drv->reset(st);
    }
    return r;
}

int cg_st_insert(cg_store *s, cg_sql_stmt *st, const char *what, int64_t *id, int *inserted)
{
    cg_sql_step r = cg_st_step(s, st, what);
    if (r == CG_SQL_ERROR)
        return 0; /* cg_st_step has reset st */
    if (r == CG_SQL_ROW)
        *id = s->drv->column_int64(st, 0);
    *inserted = r == CG_SQL_ROW || (s->drv->inserted != NULL && s->drv->inserted(st, id));
    s->drv->reset(st);
    return 1;
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

char *cg_st_id_list(cg_store *s, const int64_t *ids, size_t n)
{
    /* "[", each id with its comma (20 digits and a sign at most), "]" */
    size_t cap = 3 + n * 22, o = 1;
    char *t = n < SIZE_MAX / 22 - 1 ? malloc(cap) : NULL;
    if (t == NULL) {
        cg_st_fail(s, "out of memory");
        return NULL;
    }
    t[0] = '[';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, cap - o, i > 0 ? ",%lld" : "%lld", (long long)ids[i]);
    snprintf(t + o, cap - o, "]");
    return t;
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
