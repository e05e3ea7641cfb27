/* The SQLite backend: a store is one database file in WAL mode (readers do
 * not block the writer, and a process killed mid-transaction leaves the
 * last committed state), foreign keys on. A file is ours when its header
 * carries caguard's application_id and caguard_meta says so; anything else
 * is refused after a read-only look, before a byte is written.
 *
 * A store this process may not write (a read-only file, directory or
 * medium: a copy kept as evidence, a snapshot) is opened read-only for the
 * commands that only read; see open_ro for how its last commits are read
 * without the write access a WAL database normally needs. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/driver.h"
#include "store/schema.h"
#include "util/errf.h"

/* "CAGD": PRAGMA application_id, bytes 68-71 of the database header. */
#define CG_SQLITE_APP_ID 0x43414744

struct cg_sql_conn {
    sqlite3 *db;
    int readonly; /* opened read-only (open_ro): transactions are deferred */
    int busy;     /* the last failed exec met another connection's lock */
    int writer;   /* cg_store_writer_cache: clean pages kept up to SPILL_PAGES */
    char err[512];
};

struct cg_sql_stmt {
    sqlite3_stmt *st;
    cg_sql_conn *c;
};

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
            cg_errf(err, cap, "%s is not a caguard store (not an SQLite database)", path);
            return -1;
        }
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "cannot read %s: %s", path, sqlite3_errmsg(db));
        return -2;
    }
    if (app_id == 0 && n_schema == 0)
        return 0;
    if (app_id != CG_SQLITE_APP_ID) {
        *status = CG_STORE_NOT_OURS;
        cg_errf(err, cap,
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
        cg_errf(err, cap,
                "%s carries caguard's application_id but no schema version in caguard_meta: "
                "a damaged store",
                path);
        return -1;
    }
    if (version > CG_STORE_SCHEMA_VERSION) {
        *status = CG_STORE_TOO_NEW;
        cg_errf(err, cap,
                "%s has store schema version %lld, newer than the version %d this caguard "
                "knows; use a newer caguard",
                path, (long long)version, CG_STORE_SCHEMA_VERSION);
        return -1;
    }
    return (int)version;
}

/* path as a file: URI with the query q ("mode=ro", "immutable=1"): every
 * byte but the unreserved ones and '/' percent-encoded (a '?', '#' or '%'
 * in a file name is then the name's, not the URI's). NULL when out of
 * memory. */
static char *file_uri(const char *path, const char *q)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path), j = 0;
    char *u = malloc(7 + 3 * n + 1 + strlen(q) + 1);
    if (u == NULL)
        return NULL;
    /* An absolute path gets an empty authority ("file:///tmp/s.db"), so
     * that one starting with "//" is not read as a host. */
    j = (size_t)sprintf(u, "%s", path[0] == '/' ? "file://" : "file:");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)path[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("/-._~", ch) != NULL) {
            u[j++] = (char)ch;
        } else {
            u[j++] = '%';
            u[j++] = hex[ch >> 4];
            u[j++] = hex[ch & 15];
        }
    }
    u[j++] = '?';
    strcpy(u + j, q);
    return u;
}

/* Whether a read-only connection at uri can read the database: one read
 * of the schema. (SQLITE_NOTADB is an answer, the file's: identify says
 * so.) */
static int readable(sqlite3 *db)
{
    int64_t n;
    int rc;
    return query_int(db, "SELECT count(*) FROM sqlite_master", &n, &rc) || rc == SQLITE_NOTADB;
}

/* A read-only connection to an existing file. mode=ro first: it reads a
 * WAL database's last commits, but SQLite needs the -shm file to exist or
 * the directory to be writable to make it. When neither holds (read-only
 * media, a directory this user may not write, a store copied without its
 * -shm) the file is opened immutable=1, which reads the database file as
 * it is and ignores a write-ahead log: so only when there is none (a store
 * closed cleanly has none); a -wal with commits in it is refused, with
 * what to do, rather than reading an older state silently. NULL with err
 * set on failure. */
static sqlite3 *open_ro(const char *path, char *err, size_t cap)
{
    static const char *const modes[] = {"mode=ro", "immutable=1"};
    sqlite3 *db = NULL;
    char *wal = NULL;
    struct stat sb;
    for (size_t i = 0; i < 2; i++) {
        char *uri = file_uri(path, modes[i]);
        if (uri == NULL) {
            cg_errf(err, cap, "out of memory");
            return NULL;
        }
        int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        free(uri);
        if (rc != SQLITE_OK) {
            cg_errf(err, cap, "cannot open %s: %s", path,
                    db != NULL ? sqlite3_errmsg(db) : "out of memory");
            sqlite3_close(db);
            return NULL;
        }
        sqlite3_busy_timeout(db, 10000);
        if (readable(db))
            return db;
        if (i == 0) {
            int rc0 = sqlite3_errcode(db);
            cg_errf(err, cap, "cannot read %s: %s", path, sqlite3_errmsg(db));
            sqlite3_close(db);
            db = NULL;
            /* Only what write access would have cured goes on to immutable. */
            if (rc0 != SQLITE_CANTOPEN && rc0 != SQLITE_READONLY)
                return NULL;
            wal = malloc(strlen(path) + 5);
            if (wal == NULL) {
                cg_errf(err, cap, "out of memory");
                return NULL;
            }
            sprintf(wal, "%s-wal", path);
            int hot = stat(wal, &sb) == 0 && sb.st_size > 0;
            if (hot) {
                cg_errf(err, cap,
                        "cannot read %s: it is read-only and its write-ahead log %s holds "
                        "commits not yet in the file, which SQLite reads only with write "
                        "access to the directory (or an existing %s-shm); copy the store "
                        "with its -wal file to a writable directory",
                        path, wal, path);
                free(wal);
                return NULL;
            }
            free(wal);
        }
    }
    cg_errf(err, cap, "cannot read %s: %s", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return NULL;
}

/* Whether this process may write the store: the file and the directory
 * that holds it (where SQLite makes the -wal and -shm files). */
static int writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int ok;
    if (access(path, W_OK) != 0)
        return 0;
    if (slash == NULL)
        return access(".", W_OK) == 0;
    dir = strndup(path, (size_t)(slash - path) + 1); /* "/" for "/s.db" */
    if (dir == NULL)
        return 1; /* out of memory: the read-write open says what fails */
    ok = access(dir, W_OK) == 0;
    free(dir);
    return ok;
}

/* Read-only look at an existing file, so that a file that is not ours is
 * never written to (a read-write open could roll back another program's
 * hot journal, and setting WAL mode rewrites the header). */
static int probe(const char *path, cg_store_status *status, char *err, size_t cap)
{
    sqlite3 *db = open_ro(path, err, cap);
    int v;
    if (db == NULL) {
        *status = CG_STORE_ERROR;
        return -2;
    }
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

/* The pages (4 KiB each) a transaction's changes are held in before they
 * are written to the WAL mid-transaction (cache_spill, sq_open). */
#define SPILL_PAGES "1024"

/* A writer's cache holds clean pages up to SPILL_PAGES too: its changed
 * pages may take that much anyway, so the cache's bound is the same, but
 * once a range's changes pass 2 MiB the small cache keeps no clean page,
 * and every index's root and inner pages were read again (pread) at each
 * insert (a monitor: 3.5 reads a kept object, 1.1 with this;
 * docs/performance.md, "The monitor's store a kept object"). */
static int sq_set_cache(cg_sql_conn *c, int size)
{
    if (size == CG_SQL_CACHE_WRITER)
        c->writer = 1;
    if (size == CG_SQL_CACHE_BULK)
        return exec(c, "PRAGMA cache_size = -65536");
    return exec(c, c->writer ? "PRAGMA cache_size = " SPILL_PAGES : "PRAGMA cache_size = -2048");
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
    cg_errf(err, cap, "cannot set up the store in %s: %s", path, c->err);
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
        cg_errf(err, cap, "empty store path");
        return NULL;
    }
    if (stat(path, &sb) == 0) {
        exists = 1;
        if (S_ISDIR(sb.st_mode)) {
            *status = CG_STORE_BAD_URI;
            cg_errf(err, cap, "%s is a directory, not a store file", path);
            return NULL;
        }
        if (!S_ISREG(sb.st_mode)) {
            *status = CG_STORE_NOT_OURS;
            cg_errf(err, cap, "%s is not a caguard store (not a regular file)", path);
            return NULL;
        }
    } else if (errno == ENOENT) {
        exists = 0;
    } else {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!exists && !(flags & CG_STORE_CREATE)) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap,
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
            cg_errf(err, cap, "%s is an empty database, not yet a caguard store", path);
            return NULL;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "out of memory");
        return NULL;
    }
    if (exists && !writable(path)) {
        /* A command that may create the store writes to it: it is told
         * now, not at its first write. An older schema needs writing too. */
        *status = CG_STORE_ERROR;
        if (flags & CG_STORE_CREATE) {
            cg_errf(err, cap, "%s is read-only: this command writes to the store", path);
            goto fail;
        }
        if (version < CG_STORE_SCHEMA_VERSION) {
            cg_errf(err, cap,
                    "%s is read-only and has store schema version %d; this caguard reads "
                    "version %d, and upgrading it needs write access",
                    path, version, CG_STORE_SCHEMA_VERSION);
            goto fail;
        }
        c->db = open_ro(path, err, cap);
        if (c->db == NULL || !exec(c, "PRAGMA foreign_keys = ON") ||
            !sq_set_cache(c, CG_SQL_CACHE_BASE)) {
            if (c->db != NULL)
                cg_errf(err, cap, "cannot open %s: %s", path, c->err);
            goto fail;
        }
        c->readonly = 1;
        *status = CG_STORE_OK;
        return c;
    }
    int oflags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &c->db, oflags, NULL) != SQLITE_OK) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "cannot open %s: %s", path,
                c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 10000);
    /* FULL: a committed file survives power loss too, not only a killed
     * process (NORMAL in WAL mode may lose the last commits). */
    /* The page cache stays small (SQLite's default, 2 MiB; a writer's as
     * large as cache_spill lets its changes grow) so that the monitor's
     * memory does not grow with the store; a large CRL's entries get 64 MiB
     * while they go in (sq_set_cache). */
    /* cache_spill: the pages a transaction changed are written to the WAL
     * mid-transaction (spilled) only once the cache holds 1,024 pages
     * (4 MiB), not at its 2 MiB: a monitor's range of a few hundred kept
     * objects changes more pages than 2 MiB holds, and each page spilled
     * and changed again was written twice and, at the commit, read back to
     * checksum every frame after it (SYSCALLS=1 bench/monitor_instructions.sh). Clean
     * pages are still held to 2 MiB (but for a writer: sq_set_cache). A
     * commit's durability is the same. */
    /* wal_autocheckpoint: pages are copied from the WAL into the database
     * every 4,000 frames (16 MiB of WAL) instead of 1,000, so that an index
     * page changed by many commits is copied once per checkpoint, not once
     * per 1,000 frames. */
    if (!exec(c, "PRAGMA foreign_keys = ON") || !exec(c, "PRAGMA synchronous = FULL") ||
        !exec(c, "PRAGMA cache_spill = " SPILL_PAGES) ||
        !exec(c, "PRAGMA wal_autocheckpoint = 4000") || !sq_set_cache(c, CG_SQL_CACHE_BASE)) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "cannot open %s: %s", path, c->err);
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
                cg_errf(err, cap, "cannot open %s: %s", path, c->err);
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
        cg_errf(err, errcap, "no schema version %d", version);
        return 0;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        cg_errf(err, errcap, "cannot create %s", path);
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
     * writes cannot deadlock against another writer. A read-only store has
     * no write lock to take (a write then fails: "attempt to write a
     * readonly database"). */
    return exec(c, c->readonly ? "BEGIN" : "BEGIN IMMEDIATE");
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

static int sq_inserted(cg_sql_stmt *st, int64_t *id)
{
    if (sqlite3_changes(st->c->db) <= 0)
        return 0;
    *id = sqlite3_last_insert_rowid(st->c->db);
    return 1;
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
    .inserted = sq_inserted,
};
