/* What a store backend provides: a connection that opens (refusing what is
 * not a caguard store, migrating an older schema), transactions, and
 * prepared statements. Everything else (the queries, deduplication, the
 * incident structs) is the store's (store.c and the files of each concern
 * beside it), written once in portable SQL:
 *
 *   - placeholders are '?', numbered left to right (a PostgreSQL driver
 *     rewrites them to $1, $2, ... when it prepares);
 *   - INTEGER, TEXT and BLOB columns (BIGINT and BYTEA in PostgreSQL);
 *     schema changes go in store/schema.c, written once for both;
 *   - upserts as INSERT ... ON CONFLICT (cols) DO NOTHING / DO UPDATE,
 *     new rows' IDs through RETURNING (SQLite >= 3.35, PostgreSQL), except
 *     the inserts a monitor makes per entry: on SQLite a RETURNING clause
 *     makes every such statement keep a statement journal of the pages it
 *     changes (spilt to a temporary file past 64 KiB: most of the
 *     monitor's system calls), so their portable text has none and the
 *     driver's inserted() tells (cg_st_insert);
 *   - no SQLite-only syntax (no INSERT OR IGNORE, no rowid, no X'' literals).
 *
 * Statements are single-threaded and belong to their connection. */
#ifndef CAGUARD_STORE_DRIVER_H
#define CAGUARD_STORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "store/open.h"

typedef struct cg_sql_conn cg_sql_conn;
typedef struct cg_sql_stmt cg_sql_stmt;

typedef enum { CG_SQL_ROW, CG_SQL_DONE, CG_SQL_ERROR } cg_sql_step;

/* The few places where one SQL text does not serve both (the PostgreSQL
 * texts of objects.c, crl_entries.c and ranges.c: partitioned objects,
 * bulk CRL entries, row locks for monitors sharing the work). */
typedef enum { CG_SQL_SQLITE, CG_SQL_POSTGRESQL } cg_sql_dialect;

enum { CG_SQL_CACHE_BASE, CG_SQL_CACHE_BULK, CG_SQL_CACHE_WRITER };

typedef struct cg_sql_driver {
    const char *scheme; /* "sqlite", "postgresql", "postgres" */
    cg_sql_dialect dialect;
    /* target is the URI without "scheme:". On failure: NULL, *status and
     * a message in err. */
    cg_sql_conn *(*open)(const char *target, int flags, cg_store_status *status, char *err,
                         size_t errcap);
    void (*close)(cg_sql_conn *c);
    const char *(*errmsg)(cg_sql_conn *c);
    int (*schema_version)(cg_sql_conn *c, int *version);
    int (*begin)(cg_sql_conn *c);
    int (*commit)(cg_sql_conn *c);
    int (*rollback)(cg_sql_conn *c);
    cg_sql_stmt *(*prepare)(cg_sql_conn *c, const char *sql);
    void (*finalize)(cg_sql_stmt *st);
    /* Ready for new bindings and a new run. */
    void (*reset)(cg_sql_stmt *st);
    /* Parameters from 1. Bound bytes must stay valid until reset. */
    int (*bind_int64)(cg_sql_stmt *st, int i, int64_t v);
    int (*bind_blob)(cg_sql_stmt *st, int i, const void *p, size_t n);
    int (*bind_text)(cg_sql_stmt *st, int i, const char *s);
    int (*bind_null)(cg_sql_stmt *st, int i);
    cg_sql_step (*step)(cg_sql_stmt *st);
    /* Columns from 0, valid until the next step or reset. */
    int (*column_is_null)(cg_sql_stmt *st, int i);
    int64_t (*column_int64)(cg_sql_stmt *st, int i);
    const uint8_t *(*column_blob)(cg_sql_stmt *st, int i, size_t *len);
    const char *(*column_text)(cg_sql_stmt *st, int i);

    /* Optional (NULL when the backend has nothing faster than prepared
     * inserts): statements without parameters, and bulk rows streamed into
     * a table (COPY): copy_begin, then ncols fields a row in column order,
     * then copy_end, which says whether the rows went in. */
    int (*exec)(cg_sql_conn *c, const char *sql);
    int (*copy_begin)(cg_sql_conn *c, const char *table, int ncols);
    int (*copy_int64)(cg_sql_conn *c, int64_t v);
    int (*copy_blob)(cg_sql_conn *c, const void *p, size_t n);
    int (*copy_null)(cg_sql_conn *c);
    int (*copy_end)(cg_sql_conn *c);
    /* Optional: a page cache in this process sized for bulk writes (a large
     * CRL's entries: CG_SQL_CACHE_BULK), or the connection's own size again
     * (CG_SQL_CACHE_BASE: the small default that keeps a long-running
     * process's memory flat), or that own size made the writer's
     * (CG_SQL_CACHE_WRITER, cg_store_writer_cache). */
    int (*set_cache)(cg_sql_conn *c, int size);
    /* Optional: after an INSERT without RETURNING stepped to its end,
     * whether it inserted a row, and its id (SQLite: the rowid). */
    int (*inserted)(cg_sql_stmt *st, int64_t *id);
    /* Optional: whether the last error lost a race with another session
     * (a deadlock, a serialization failure): the transaction may be rolled
     * back and run again. */
    int (*retryable)(cg_sql_conn *c);
} cg_sql_driver;

extern const cg_sql_driver cg_sqlite_driver;
/* postgresql://... and postgres://... (libpq connection URIs) */
extern const cg_sql_driver cg_postgresql_driver;
extern const cg_sql_driver cg_postgres_driver;

/* For tests of the migrations: creates a new SQLite store at an older
 * schema version. */
int cg_sqlite_create_version(const char *path, int version, char *err, size_t errcap);

#endif
