/* The SQLite backend: a store is one database file in WAL mode (readers do
 * not block the writer, and a process killed mid-transaction leaves the
 * last committed state), foreign keys on. A file is ours when its header
 * carries caguard's application_id and caguard_meta says so; anything else
 * is refused after a read-only look, before a byte is written. */
#include <errno.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/driver.h"
#include "store/schema.h"

/* "CAGD": PRAGMA application_id, bytes 68-71 of the database header. */
#define CG_SQLITE_APP_ID 0x43414744

struct cg_sql_conn {
    sqlite3 *db;
    int busy; /* the last failed exec met another connection's lock */
    char err[512];
};

struct cg_sql_stmt {
    sqlite3_stmt *st;
    cg_sql_conn *c;
};

static void seterr(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* One integer from a one-row query; 0 on error. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, int *rc)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            ok = 1;
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

/* The caguard schema version of an open database: 0 when it is empty (no
 * schema at all, application_id unset), -1 when it is not ours (err says
 * why), -2 on another error. */
static int identify(sqlite3 *db, const char *path, cg_store_status *status, char *err, size_t cap)
{
    int64_t app_id = 0, n_schema = 0, version = -1;
    int rc;
    if (!query_int(db, "PRAGMA application_id", &app_id, &rc) ||
        !query_int(db, "SELECT count(*) FROM sqlite_master", &n_schema, &rc)) {
        if (rc == SQLITE_NOTADB) {
            *status = CG_STORE_NOT_OURS;
            seterr(err, cap, "%s is not a caguard store (not an SQLite database)", path);
            return -1;
        }
        *status = CG_STORE_ERROR;
        seterr(err, cap, "cannot read %s: %s", path, sqlite3_errmsg(db));
        return -2;
    }
    if (app_id == 0 && n_schema == 0)
        return 0;
    if (app_id != CG_SQLITE_APP_ID) {
        *status = CG_STORE_NOT_OURS;
        seterr(err, cap,
               "%s is not a caguard store (an SQLite database of another application: "
               "application_id 0x%08x, %lld schema objects)",
               path, (unsigned)app_id, (long long)n_schema);
        return -1;
    }
    if (!query_int(db,
                   "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                   "WHERE key = 'schema_version'",
                   &version, &rc) ||
        version < 0) {
        *status = CG_STORE_NOT_OURS;
        seterr(err, cap,
               "%s carries caguard's application_id but no schema version in caguard_meta: "
               "a damaged store",
               path);
        return -1;
    }
    if (version > CG_STORE_SCHEMA_VERSION) {
        *status = CG_STORE_TOO_NEW;
        seterr(err, cap,
               "%s has store schema version %lld, newer than the version %d this caguard "
               "knows; use a newer caguard",
               path, (long long)version, CG_STORE_SCHEMA_VERSION);
        return -1;
    }
    return (int)version;
}

/* Read-only look at an existing file, so that a file that is not ours is
 * never written to (a read-write open could roll back another program's
 * hot journal, and setting WAL mode rewrites the header). */
static int probe(const char *path, cg_store_status *status, char *err, size_t cap)
{
    sqlite3 *db = NULL;
    int v;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        *status = CG_STORE_ERROR;
        seterr(err, cap, "cannot open %s: %s", path,
               db != NULL ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -2;
    }
    sqlite3_busy_timeout(db, 10000);
    /* One read transaction: the application_id and the schema seen
     * together, not one before and one after another process's commit. */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    v = identify(db, path, status, err, cap);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return v;
}

static int exec(cg_sql_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_BUSY)
            c->busy = 1;
        snprintf(c->err, sizeof(c->err), "%s", msg != NULL ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return 0;
    }
    return 1;
}

static int sq_set_cache(cg_sql_conn *c, int large)
{
    return exec(c, large ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2048");
}

/* Creates or upgrades the schema to version target in one transaction,
 * checking again under the write lock (another process may have created
 * the store meanwhile). */
static int migrate(cg_sql_conn *c, const char *path, int target, cg_store_status *status,
                   char *err, size_t cap)
{
    char sql[128];
    int v;
    /* WAL must be chosen outside a transaction; the database is new or
     * ours here. */
    if (!exec(c, "PRAGMA journal_mode = WAL") || !exec(c, "BEGIN IMMEDIATE"))
        goto err;
    v = identify(c->db, path, status, err, cap);
    if (v < 0) {
        exec(c, "ROLLBACK");
        return 0;
    }
    for (; v < target; v++) {
        for (const cg_schema_stmt *m = cg_schema_migrations[v]; m->sql != NULL; m++) {
            if (!exec(c, m->sql))
                goto rollback;
        }
        snprintf(sql, sizeof(sql),
                 "UPDATE caguard_meta SET value = '%d' WHERE key = 'schema_version'", v + 1);
        if (!exec(c, sql))
            goto rollback;
    }
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CG_SQLITE_APP_ID);
    if (!exec(c, sql) || !exec(c, "COMMIT"))
        goto rollback;
    return 1;
rollback:
    exec(c, "ROLLBACK");
err:
    *status = CG_STORE_ERROR;
    seterr(err, cap, "cannot set up the store in %s: %s", path, c->err);
    return 0;
}

static cg_sql_conn *sq_open(const char *path, int flags, cg_store_status *status, char *err,
                            size_t cap)
{
    struct stat sb;
    cg_sql_conn *c = NULL;
    int exists, version = 0;
    if (path[0] == '\0') {
        *status = CG_STORE_BAD_URI;
        seterr(err, cap, "empty store path");
        return NULL;
    }
    if (stat(path, &sb) == 0) {
        exists = 1;
        if (S_ISDIR(sb.st_mode)) {
            *status = CG_STORE_BAD_URI;
            seterr(err, cap, "%s is a directory, not a store file", path);
            return NULL;
        }
        if (!S_ISREG(sb.st_mode)) {
            *status = CG_STORE_NOT_OURS;
            seterr(err, cap, "%s is not a caguard store (not a regular file)", path);
            return NULL;
        }
    } else if (errno == ENOENT) {
        exists = 0;
    } else {
        *status = CG_STORE_ERROR;
        seterr(err, cap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!exists && !(flags & CG_STORE_CREATE)) {
        *status = CG_STORE_ERROR;
        seterr(err, cap,
               "no store at %s (caguard ingest creates one; --store or CAGUARD_STORE name "
               "another)",
               path);
        return NULL;
    }
    if (exists) {
        version = probe(path, status, err, cap);
        if (version < 0)
            return NULL;
        if (version == 0 && !(flags & CG_STORE_CREATE)) {
            *status = CG_STORE_ERROR;
            seterr(err, cap, "%s is an empty database, not yet a caguard store", path);
            return NULL;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        *status = CG_STORE_ERROR;
        seterr(err, cap, "out of memory");
        return NULL;
    }
    int oflags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &c->db, oflags, NULL) != SQLITE_OK) {
        *status = CG_STORE_ERROR;
        seterr(err, cap, "cannot open %s: %s", path,
               c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 10000);
    /* FULL: a committed file survives power loss too, not only a killed
     * process (NORMAL in WAL mode may lose the last commits). */
    /* The page cache stays small (SQLite's default, 2 MiB) so that the
     * monitor's memory does not grow with the store; a large CRL's entries
     * get 64 MiB while they go in (sq_set_cache). */
    if (!exec(c, "PRAGMA foreign_keys = ON") || !exec(c, "PRAGMA synchronous = FULL") ||
        !sq_set_cache(c, 0)) {
        *status = CG_STORE_ERROR;
        seterr(err, cap, "cannot open %s: %s", path, c->err);
        goto fail;
    }
    /* Processes opening one new store at once: switching to WAL and the
     * first write lock can answer SQLITE_BUSY at once, without the busy
     * handler (SQLite does not wait where waiting could deadlock), so
     * they are tried again for up to about 10 s. */
    for (int attempt = 0;; attempt++) {
        int ok;
        c->busy = 0;
        if (version < CG_STORE_SCHEMA_VERSION) {
            ok = migrate(c, path, CG_STORE_SCHEMA_VERSION, status, err, cap);
        } else {
            ok = exec(c, "PRAGMA journal_mode = WAL");
            if (!ok) {
                *status = CG_STORE_ERROR;
                seterr(err, cap, "cannot open %s: %s", path, c->err);
            }
        }
        if (ok)
            break;
        if (!c->busy || attempt == 200)
            goto fail;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    *status = CG_STORE_OK;
    return c;
fail:
    sqlite3_close(c->db);
    free(c);
    return NULL;
}

int cg_sqlite_create_version(const char *path, int version, char *err, size_t errcap)
{
    cg_store_status status;
    sqlite3 *db = NULL;
    int ok;
    cg_sql_conn c;
    if (version < 1 || version > CG_STORE_SCHEMA_VERSION) {
        seterr(err, errcap, "no schema version %d", version);
        return 0;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        seterr(err, errcap, "cannot create %s", path);
        sqlite3_close(db);
        return 0;
    }
    memset(&c, 0, sizeof(c));
    c.db = db;
    ok = migrate(&c, path, version, &status, err, errcap);
    sqlite3_close(db);
    return ok;
}

static void sq_close(cg_sql_conn *c)
{
    if (c == NULL)
        return;
    sqlite3_close(c->db);
    free(c);
}

static const char *sq_errmsg(cg_sql_conn *c)
{
    return c->err[0] != '\0' ? c->err : sqlite3_errmsg(c->db);
}

static int sq_schema_version(cg_sql_conn *c, int *version)
{
    int64_t v;
    int rc;
    if (!query_int(c->db,
                   "SELECT CAST(value AS INTEGER) FROM caguard_meta "
                   "WHERE key = 'schema_version'",
                   &v, &rc)) {
        snprintf(c->err, sizeof(c->err), "%s", sqlite3_errmsg(c->db));
        return 0;
    }
    *version = (int)v;
    return 1;
}

static int sq_begin(cg_sql_conn *c)
{
    c->err[0] = '\0';
    /* IMMEDIATE takes the write lock now: a transaction that reads and then
     * writes cannot deadlock against another writer. */
    return exec(c, "BEGIN IMMEDIATE");
}

static int sq_commit(cg_sql_conn *c)
{
    return exec(c, "COMMIT");
}

static int sq_rollback(cg_sql_conn *c)
{
    return exec(c, "ROLLBACK");
}

static cg_sql_stmt *sq_prepare(cg_sql_conn *c, const char *sql)
{
    cg_sql_stmt *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        snprintf(c->err, sizeof(c->err), "out of memory");
        return NULL;
    }
    st->c = c;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st->st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof(c->err), "%s", sqlite3_errmsg(c->db));
        free(st);
        return NULL;
    }
    return st;
}

static void sq_finalize(cg_sql_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_finalize(st->st);
    free(st);
}

static void sq_reset(cg_sql_stmt *st)
{
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
}

static int bound(cg_sql_stmt *st, int rc)
{
    if (rc == SQLITE_OK)
        return 1;
    snprintf(st->c->err, sizeof(st->c->err), "%s", sqlite3_errmsg(st->c->db));
    return 0;
}

static int sq_bind_int64(cg_sql_stmt *st, int i, int64_t v)
{
    return bound(st, sqlite3_bind_int64(st->st, i, v));
}

static int sq_bind_blob(cg_sql_stmt *st, int i, const void *p, size_t n)
{
    /* An empty blob is a value, not NULL: sqlite3_bind_blob(NULL) is NULL. */
    static const uint8_t empty[1] = {0};
    if (p == NULL)
        p = empty;
    return bound(st, sqlite3_bind_blob64(st->st, i, p, (sqlite3_uint64)n, SQLITE_STATIC));
}

static int sq_bind_text(cg_sql_stmt *st, int i, const char *s)
{
    return bound(st, sqlite3_bind_text(st->st, i, s, -1, SQLITE_STATIC));
}

static int sq_bind_null(cg_sql_stmt *st, int i)
{
    return bound(st, sqlite3_bind_null(st->st, i));
}

static cg_sql_step sq_step(cg_sql_stmt *st)
{
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return CG_SQL_ROW;
    if (rc == SQLITE_DONE)
        return CG_SQL_DONE;
    snprintf(st->c->err, sizeof(st->c->err), "%s", sqlite3_errmsg(st->c->db));
    return CG_SQL_ERROR;
}

static int sq_column_is_null(cg_sql_stmt *st, int i)
{
    return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

static int64_t sq_column_int64(cg_sql_stmt *st, int i)
{
    return sqlite3_column_int64(st->st, i);
}

static const uint8_t *sq_column_blob(cg_sql_stmt *st, int i, size_t *len)
{
    const uint8_t *p = sqlite3_column_blob(st->st, i);
    *len = (size_t)sqlite3_column_bytes(st->st, i);
    return p;
}

static const char *sq_column_text(cg_sql_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st->st, i);
}

const cg_sql_driver cg_sqlite_driver = {
    .scheme = "sqlite",
    .dialect = CG_SQL_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_int64 = sq_bind_int64,
    .bind_blob = sq_bind_blob,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_is_null = sq_column_is_null,
    .column_int64 = sq_column_int64,
    .column_blob = sq_column_blob,
    .column_text = sq_column_text,
    .set_cache = sq_set_cache,
};
