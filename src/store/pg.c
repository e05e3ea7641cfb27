/* The PostgreSQL backend (libpq): a store is the tables of one schema (the
 * connection's current_schema(), "public" unless the URI's options set
 * search_path) of one database, named by a postgresql:// or postgres://
 * URI as libpq reads it.
 *
 * A schema is ours when its caguard_meta table (the marker) says
 * magic = caguard-store; a schema with tables but no such marker is another
 * application's and is refused before anything is written to it. An empty
 * schema becomes a store when CG_STORE_CREATE allows. Migrations (the
 * shared list of store/schema.c, type names mapped) run in one transaction
 * under an advisory lock, so that several processes starting at once
 * migrate once and the others wait and then find the store up to date.
 *
 * Statements are prepared on the server the first time they run, with the
 * parameter types of their first bindings (BIGINT, BYTEA, TEXT; NULL lets
 * the server infer). Integers and text go as text, bytes in binary (so
 * BYTEA is binary-safe without escaping); results come back in binary. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/driver.h"
#include "store/schema.h"
#include "util/errf.h"
#include "util/redact.h"

/* pg_type OIDs (fixed in every PostgreSQL; server/catalog/pg_type_d.h is
 * not in libpq-dev) */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25

/* pg_advisory_xact_lock key of migrations: "CAGD" */
#define MIGRATION_LOCK 0x43414744

/* Bulk rows are sent to the server in pieces of this size. */
#define COPY_CHUNK (256 * 1024)

struct cg_sql_conn {
    PGconn *pg;
    unsigned long next_stmt; /* server-side statement names: cg1, cg2, ... */
    char err[1024];
    /* COPY in progress */
    uint8_t *copy_buf;
    size_t copy_len, copy_cap;
    int copy_cols, copy_field;
    int copy_failed;
    int retryable; /* the last error was a deadlock or a serialization failure */
};

struct cg_sql_stmt {
    cg_sql_conn *c;
    char *sql; /* with $n placeholders */
    char name[32];
    int prepared;
    int nparams;
    Oid *types;
    const char **values;
    int *lengths;
    int *formats;
    char (*ints)[24]; /* integers bound, as decimal text */
    PGresult *res;
    int row;
};

/* The server's message of a failed result (primary message, detail,
 * SQLSTATE), or the connection's. */
static void result_error(cg_sql_conn *c, const PGresult *res)
{
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* 40P01 deadlock_detected, 40001 serialization_failure: the
     * transaction lost a race with another and may simply be run again. */
    c->retryable = state != NULL && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0);
    if (msg == NULL) {
        const char *m = PQerrorMessage(c->pg);
        size_t n = strlen(m);
        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
            n--;
        snprintf(c->err, sizeof(c->err), "%.*s", (int)n, n > 0 ? m : "no answer from the server");
        return;
    }
    snprintf(c->err, sizeof(c->err), "%s%s%s (SQLSTATE %s)", msg, detail != NULL ? ": " : "",
             detail != NULL ? detail : "", state != NULL ? state : "?");
    /* One line: a detail may hold several (a deadlock names each process). */
    for (char *p = c->err; *p != '\0'; p++) {
        if (*p == '\n')
            *p = ' ';
    }
}

/* Runs sql (one or more statements, no parameters); 1 when it succeeded. */
static int exec(cg_sql_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        result_error(c, res);
    PQclear(res);
    return ok;
}

/* One value of a one-row query (text format); NULL when there is no row
 * or on error (*failed says which). Owned by the caller. */
static char *query_value(cg_sql_conn *c, const char *sql, int *failed)
{
    PGresult *res = PQexec(c->pg, sql);
    char *v = NULL;
    *failed = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result_error(c, res);
        *failed = 1;
    } else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        v = strdup(PQgetvalue(res, 0, 0));
        if (v == NULL) {
            snprintf(c->err, sizeof(c->err), "out of memory");
            *failed = 1;
        }
    }
    PQclear(res);
    return v;
}

/* The number a one-row count query gives: 0 on an error (c->err says
 * why), or when there is no row or no number. */
static int query_count(cg_sql_conn *c, const char *sql, long *n)
{
    int failed, ok = 0;
    char *v = query_value(c, sql, &failed);
    if (v != NULL) {
        char *end = NULL;
        *n = strtol(v, &end, 10);
        ok = end != v && *end == '\0';
    }
    free(v);
    return ok;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* What the connection's schema holds: the caguard schema version, 0 when
 * the schema is empty, -1 when it is not ours (err says why), -2 on an
 * error. */
static int identify(cg_sql_conn *c, const char *where, cg_store_status *status, char *err,
                    size_t cap)
{
    /* The schema's tables, views and the like. */
    static const char count_tables[] =
        "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";
    /* The marker: caguard_meta (key, value) with our magic. Its columns are
     * counted first, so that another application's caguard_meta is
     * refused rather than failing a query. */
    static const char count_marker_columns[] =
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'caguard_meta' "
        "AND column_name IN ('key', 'value')";
    int failed;
    char *schema = NULL, *magic = NULL, *version = NULL;
    long ntables = 0, marker = 0;
    int v = -2;
    schema = query_value(c, "SELECT current_schema()", &failed);
    if (failed)
        goto error;
    if (schema == NULL) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "%s: no schema to use (none of the search_path exists)", where);
        goto out;
    }
    if (!query_count(c, count_tables, &ntables) || !query_count(c, count_marker_columns, &marker))
        goto error;
    if (marker == 2) {
        magic = query_value(c, "SELECT value FROM caguard_meta WHERE key = 'magic'", &failed);
        if (failed)
            goto error;
    }
    if (ntables == 0) {
        v = 0;
        goto out;
    }
    if (magic == NULL || strcmp(magic, CG_STORE_MAGIC) != 0) {
        *status = CG_STORE_NOT_OURS;
        cg_errf(err, cap,
                "%s is not a caguard store (schema \"%s\" has %ld tables but no caguard_meta "
                "marker saying magic = " CG_STORE_MAGIC ")",
                where, schema, ntables);
        v = -1;
        goto out;
    }
    version = query_value(c, "SELECT value FROM caguard_meta WHERE key = 'schema_version'",
                          &failed);
    if (failed)
        goto error;
    char *end = NULL;
    long n = version != NULL ? strtol(version, &end, 10) : -1;
    if (version == NULL || end == version || *end != '\0' || n < 0) {
        *status = CG_STORE_NOT_OURS;
        cg_errf(err, cap,
                "%s carries caguard's marker but no schema version in caguard_meta: a damaged "
                "store",
                where);
        v = -1;
        goto out;
    }
    if (n > CG_STORE_SCHEMA_VERSION) {
        *status = CG_STORE_TOO_NEW;
        cg_errf(err, cap,
                "%s has store schema version %ld, newer than the version %d this caguard knows; "
                "use a newer caguard",
                where, n, CG_STORE_SCHEMA_VERSION);
        v = -1;
        goto out;
    }
    v = (int)n;
    goto out;
error:
    *status = CG_STORE_ERROR;
    cg_errf(err, cap, "cannot read %s: %s", where, c->err);
    v = -2;
out:
    free(schema);
    free(magic);
    free(version);
    return v;
}

/* Brings the schema to version target in one transaction, under the
 * migration lock, checking again once the lock is held (another process
 * may have created or upgraded the store meanwhile). *version is the
 * version found. */
static int migrate(cg_sql_conn *c, const char *where, int target, cg_store_status *status,
                   char *err, size_t cap)
{
    char sql[160];
    int v;
    if (!exec(c, "BEGIN"))
        goto err;
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d)", MIGRATION_LOCK);
    if (!exec(c, sql))
        goto rollback;
    v = identify(c, where, status, err, cap);
    if (v < 0) {
        exec(c, "ROLLBACK");
        return 0;
    }
    for (; v < target; v++) {
        for (const cg_schema_stmt *m = cg_schema_migrations[v]; m->sql != NULL; m++) {
            int ok;
            if (m->postgresql != NULL) {
                ok = exec(c, m->postgresql);
            } else {
                char *t = cg_schema_translate_pg(m->sql);
                if (t == NULL) {
                    snprintf(c->err, sizeof(c->err), "out of memory");
                    goto rollback;
                }
                ok = exec(c, t);
                free(t);
            }
            if (!ok)
                goto rollback;
        }
        snprintf(sql, sizeof(sql),
                 "UPDATE caguard_meta SET value = '%d' WHERE key = 'schema_version'", v + 1);
        if (!exec(c, sql))
            goto rollback;
    }
    PGresult *res = PQexec(c->pg, "COMMIT");
    int committed = PQresultStatus(res) == PGRES_COMMAND_OK &&
                    strcmp(PQcmdStatus(res), "COMMIT") == 0;
    if (!committed)
        result_error(c, res);
    PQclear(res);
    if (!committed)
        goto err;
    return 1;
rollback:
    exec(c, "ROLLBACK");
err:
    *status = CG_STORE_ERROR;
    cg_errf(err, cap, "cannot set up the store in %s: %s", where, c->err);
    return 0;
}

static void pg_close(cg_sql_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    free(c->copy_buf);
    free(c);
}

/* target is the URI without its scheme ("//host/db?..."); scheme says
 * which of postgresql: and postgres: it had (libpq takes both). */
static cg_sql_conn *open_uri(const char *scheme, const char *target, int flags,
                             cg_store_status *status, char *err, size_t cap)
{
    cg_sql_conn *c = NULL;
    char *uri = NULL, where[300], msg[1024];
    size_t n = strlen(scheme) + strlen(target) + 2;
    int version;
    if (strncmp(target, "//", 2) != 0) {
        /* Shown without what follows the scheme: a mistyped URI is where a
         * password is least likely to be where cg_redact looks for it. */
        *status = CG_STORE_BAD_URI;
        cg_errf(err, cap,
                "the %s: store is not a PostgreSQL URI: it must start %s:// "
                "(postgresql://[user@][host][:port]/dbname[?param=value...])",
                scheme, scheme);
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    uri = malloc(n);
    if (c == NULL || uri == NULL) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "out of memory");
        goto fail;
    }
    snprintf(uri, n, "%s:%s", scheme, target);
    c->pg = PQconnectdb(uri);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        *status = CG_STORE_ERROR;
        /* libpq's message may quote the URI, or the piece of it it could
         * not parse: every secret of the URI is taken out of it. */
        result_error(c, NULL);
        cg_redact_with(c->pg != NULL ? c->err : "out of memory", uri, msg, sizeof(msg));
        cg_errf(err, cap, "cannot connect to the PostgreSQL store: %s", msg);
        goto fail;
    }
    PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
    snprintf(where, sizeof(where), "PostgreSQL database \"%s\"", PQdb(c->pg));
    if (!exec(c, "SET client_min_messages = warning")) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap, "cannot use %s: %s", where, c->err);
        goto fail;
    }
    version = identify(c, where, status, err, cap);
    if (version < 0)
        goto fail;
    if (version == 0 && !(flags & CG_STORE_CREATE)) {
        *status = CG_STORE_ERROR;
        cg_errf(err, cap,
                "%s has no caguard store yet (caguard ingest creates one; --store or "
                "CAGUARD_STORE name another)",
                where);
        goto fail;
    }
    if (version < CG_STORE_SCHEMA_VERSION &&
        !migrate(c, where, CG_STORE_SCHEMA_VERSION, status, err, cap))
        goto fail;
    free(uri);
    *status = CG_STORE_OK;
    return c;
fail:
    free(uri);
    pg_close(c);
    return NULL;
}

static cg_sql_conn *pg_open_postgresql(const char *target, int flags, cg_store_status *status,
                                       char *err, size_t cap)
{
    return open_uri("postgresql", target, flags, status, err, cap);
}

static cg_sql_conn *pg_open_postgres(const char *target, int flags, cg_store_status *status,
                                     char *err, size_t cap)
{
    return open_uri("postgres", target, flags, status, err, cap);
}

static const char *pg_errmsg(cg_sql_conn *c)
{
    return c->err;
}

static int pg_schema_version(cg_sql_conn *c, int *version)
{
    int failed;
    char *v = query_value(c, "SELECT value FROM caguard_meta WHERE key = 'schema_version'",
                          &failed);
    if (v == NULL) {
        if (!failed)
            snprintf(c->err, sizeof(c->err), "caguard_meta has no schema_version");
        return 0;
    }
    *version = atoi(v);
    free(v);
    return 1;
}

static int pg_begin(cg_sql_conn *c)
{
    c->err[0] = '\0';
    return exec(c, "BEGIN");
}

static int pg_commit(cg_sql_conn *c)
{
    PGresult *res = PQexec(c->pg, "COMMIT");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        result_error(c, res);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* COMMIT of a transaction an error aborted answers ROLLBACK */
        snprintf(c->err, sizeof(c->err), "the transaction was rolled back by an earlier error");
        ok = 0;
    }
    PQclear(res);
    return ok;
}

static int pg_rollback(cg_sql_conn *c)
{
    return exec(c, "ROLLBACK");
}

/* ---- statements ---- */

/* The SQL with each '?' outside quotes as $1, $2, ... Statements may use
 * $n themselves (a PostgreSQL-only variant repeating a parameter); the
 * number of parameters is the larger of the two counts. */
static char *rewrite(const char *sql, int *nparams)
{
    size_t n = strlen(sql), o = 0;
    char *out = malloc(6 * n + 1);
    char quote = 0;
    int q = 0, maxn = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = sql[i];
        if (quote != 0) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '?') {
            o += (size_t)sprintf(out + o, "$%d", ++q);
            continue;
        } else if (ch == '$' && i + 1 < n && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            int k = atoi(sql + i + 1);
            if (k > maxn)
                maxn = k;
        }
        out[o++] = ch;
    }
    out[o] = '\0';
    *nparams = q > maxn ? q : maxn;
    return out;
}

static void pg_finalize(cg_sql_stmt *st);

static cg_sql_stmt *pg_prepare(cg_sql_conn *c, const char *sql)
{
    cg_sql_stmt *st = calloc(1, sizeof(*st));
    int np = 0;
    if (st == NULL)
        goto oom;
    st->c = c;
    st->sql = rewrite(sql, &np);
    if (st->sql == NULL)
        goto oom;
    st->nparams = np;
    if (np > 0) {
        st->types = calloc((size_t)np, sizeof(*st->types));
        st->values = calloc((size_t)np, sizeof(*st->values));
        st->lengths = calloc((size_t)np, sizeof(*st->lengths));
        st->formats = calloc((size_t)np, sizeof(*st->formats));
        st->ints = calloc((size_t)np, sizeof(*st->ints));
        if (st->types == NULL || st->values == NULL || st->lengths == NULL ||
            st->formats == NULL || st->ints == NULL)
            goto oom;
    }
    snprintf(st->name, sizeof(st->name), "cg%lu", ++c->next_stmt);
    return st;
oom:
    snprintf(c->err, sizeof(c->err), "out of memory");
    pg_finalize(st);
    return NULL;
}

static void pg_finalize(cg_sql_stmt *st)
{
    if (st == NULL)
        return;
    PQclear(st->res);
    if (st->prepared && PQtransactionStatus(st->c->pg) == PQTRANS_IDLE) {
        /* Statements built per call (listings) must not pile up on the
         * server. Inside a transaction the name is left for the session:
         * DEALLOCATE would fail in an aborted one. */
        char sql[48];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        PQclear(PQexec(st->c->pg, sql));
    }
    free(st->sql);
    free(st->types);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->ints);
    free(st);
}

static void pg_reset(cg_sql_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = 0;
    for (int i = 0; i < st->nparams; i++)
        st->values[i] = NULL;
}

static int param(cg_sql_stmt *st, int i)
{
    if (i < 1 || i > st->nparams) {
        snprintf(st->c->err, sizeof(st->c->err), "parameter %d of a statement with %d", i,
                 st->nparams);
        return 0;
    }
    return 1;
}

static void set_type(cg_sql_stmt *st, int i, Oid t)
{
    if (!st->prepared)
        st->types[i] = t;
}

static int pg_bind_int64(cg_sql_stmt *st, int i, int64_t v)
{
    if (!param(st, i))
        return 0;
    snprintf(st->ints[i - 1], sizeof(st->ints[i - 1]), "%lld", (long long)v);
    st->values[i - 1] = st->ints[i - 1];
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
    set_type(st, i - 1, OID_INT8);
    return 1;
}

static int pg_bind_blob(cg_sql_stmt *st, int i, const void *p, size_t n)
{
    static const char empty[1] = {0};
    if (!param(st, i))
        return 0;
    if (n > 0x7fffffff) {
        snprintf(st->c->err, sizeof(st->c->err), "a value of %zu bytes", n);
        return 0;
    }
    st->values[i - 1] = p != NULL ? p : empty;
    st->lengths[i - 1] = (int)n;
    st->formats[i - 1] = 1;
    set_type(st, i - 1, OID_BYTEA);
    return 1;
}

static int pg_bind_text(cg_sql_stmt *st, int i, const char *s)
{
    if (!param(st, i))
        return 0;
    st->values[i - 1] = s;
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
    set_type(st, i - 1, OID_TEXT);
    return 1;
}

static int pg_bind_null(cg_sql_stmt *st, int i)
{
    if (!param(st, i))
        return 0;
    st->values[i - 1] = NULL;
    return 1;
}

static cg_sql_step pg_step(cg_sql_stmt *st)
{
    cg_sql_conn *c = st->c;
    if (st->res != NULL) {
        st->row++;
        return st->row < PQntuples(st->res) ? CG_SQL_ROW : CG_SQL_DONE;
    }
    if (!st->prepared) {
        PGresult *r = PQprepare(c->pg, st->name, st->sql, st->nparams, st->types);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            result_error(c, r);
        PQclear(r);
        if (!ok)
            return CG_SQL_ERROR;
        st->prepared = 1;
    }
    st->res = PQexecPrepared(c->pg, st->name, st->nparams, st->values, st->lengths, st->formats,
                             1);
    ExecStatusType s = PQresultStatus(st->res);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        result_error(c, st->res);
        PQclear(st->res);
        st->res = NULL;
        return CG_SQL_ERROR;
    }
    st->row = 0;
    return PQntuples(st->res) > 0 ? CG_SQL_ROW : CG_SQL_DONE;
}

static int pg_column_is_null(cg_sql_stmt *st, int i)
{
    return PQgetisnull(st->res, st->row, i);
}

static int64_t be(const uint8_t *p, int n)
{
    uint64_t v = (p[0] & 0x80) != 0 ? UINT64_MAX : 0;
    for (int k = 0; k < n; k++)
        v = (v << 8) | p[k];
    return (int64_t)v;
}

static int64_t pg_column_int64(cg_sql_stmt *st, int i)
{
    const uint8_t *p;
    int n;
    if (PQgetisnull(st->res, st->row, i))
        return 0;
    p = (const uint8_t *)PQgetvalue(st->res, st->row, i);
    n = PQgetlength(st->res, st->row, i);
    switch (PQftype(st->res, i)) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
        return n == 8 || n == 4 || n == 2 ? be(p, n) : 0;
    case OID_TEXT:
        return strtoll((const char *)p, NULL, 10);
    default:
        return 0;
    }
}

static const uint8_t *pg_column_blob(cg_sql_stmt *st, int i, size_t *len)
{
    if (PQgetisnull(st->res, st->row, i)) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)PQgetlength(st->res, st->row, i);
    return (const uint8_t *)PQgetvalue(st->res, st->row, i);
}

static const char *pg_column_text(cg_sql_stmt *st, int i)
{
    if (PQgetisnull(st->res, st->row, i))
        return NULL;
    /* binary text is the text's bytes; libpq ends every value with a NUL */
    return PQgetvalue(st->res, st->row, i);
}

/* ---- bulk rows: COPY ... FROM STDIN (FORMAT binary) ---- */

static int copy_room(cg_sql_conn *c, size_t n)
{
    if (c->copy_len + n <= c->copy_cap)
        return 1;
    if (c->copy_len > 0) {
        if (PQputCopyData(c->pg, (const char *)c->copy_buf, (int)c->copy_len) != 1) {
            result_error(c, NULL);
            c->copy_failed = 1;
            return 0;
        }
        c->copy_len = 0;
    }
    if (n > c->copy_cap) {
        uint8_t *b = realloc(c->copy_buf, n);
        if (b == NULL) {
            snprintf(c->err, sizeof(c->err), "out of memory");
            c->copy_failed = 1;
            return 0;
        }
        c->copy_buf = b;
        c->copy_cap = n;
    }
    return 1;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int k = n - 1; k >= 0; k--) {
        p[k] = (uint8_t)v;
        v >>= 8;
    }
}

static int pg_copy_begin(cg_sql_conn *c, const char *table, int ncols)
{
    static const uint8_t header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
    char sql[256];
    PGresult *res;
    snprintf(sql, sizeof(sql), "COPY %s FROM STDIN (FORMAT binary)", table);
    res = PQexec(c->pg, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        result_error(c, res);
        PQclear(res);
        return 0;
    }
    PQclear(res);
    c->copy_cols = ncols;
    c->copy_field = 0;
    c->copy_failed = 0;
    c->copy_len = 0;
    if (c->copy_buf == NULL) {
        c->copy_buf = malloc(COPY_CHUNK);
        if (c->copy_buf == NULL) {
            snprintf(c->err, sizeof(c->err), "out of memory");
            c->copy_failed = 1;
            return 1; /* copy_end ends the COPY and fails */
        }
        c->copy_cap = COPY_CHUNK;
    }
    /* signature, flags 0, header extension length 0 */
    memcpy(c->copy_buf, header, sizeof(header));
    c->copy_len = sizeof(header);
    return 1;
}

/* A field of n bytes (n < 0: NULL), starting a row when it is the first. */
static int copy_field(cg_sql_conn *c, const void *p, int64_t n)
{
    if (c->copy_failed)
        return 0;
    if (c->copy_field == 0) {
        if (!copy_room(c, 2))
            return 0;
        put_be(c->copy_buf + c->copy_len, (uint64_t)c->copy_cols, 2);
        c->copy_len += 2;
    }
    if (!copy_room(c, 4 + (n > 0 ? (size_t)n : 0)))
        return 0;
    put_be(c->copy_buf + c->copy_len, (uint64_t)(n < 0 ? -1 : n), 4);
    c->copy_len += 4;
    if (n > 0) {
        memcpy(c->copy_buf + c->copy_len, p, (size_t)n);
        c->copy_len += (size_t)n;
    }
    c->copy_field = (c->copy_field + 1) % c->copy_cols;
    return 1;
}

static int pg_copy_int64(cg_sql_conn *c, int64_t v)
{
    uint8_t b[8];
    put_be(b, (uint64_t)v, 8);
    return copy_field(c, b, 8);
}

static int pg_copy_blob(cg_sql_conn *c, const void *p, size_t n)
{
    if (n > 0x7fffffff) {
        snprintf(c->err, sizeof(c->err), "a value of %zu bytes", n);
        c->copy_failed = 1;
        return 0;
    }
    return copy_field(c, p, (int64_t)n);
}

static int pg_copy_null(cg_sql_conn *c)
{
    return copy_field(c, NULL, -1);
}

static int pg_copy_end(cg_sql_conn *c)
{
    PGresult *res;
    int ok;
    if (!c->copy_failed && c->copy_field != 0) {
        snprintf(c->err, sizeof(c->err), "a bulk row ended after %d of %d fields", c->copy_field,
                 c->copy_cols);
        c->copy_failed = 1;
    }
    if (!c->copy_failed && copy_room(c, 2)) {
        put_be(c->copy_buf + c->copy_len, 0xffff, 2); /* file trailer: -1 */
        c->copy_len += 2;
        if (PQputCopyData(c->pg, (const char *)c->copy_buf, (int)c->copy_len) != 1) {
            result_error(c, NULL);
            c->copy_failed = 1;
        }
    }
    c->copy_len = 0;
    if (PQputCopyEnd(c->pg, c->copy_failed ? "caguard abandoned the bulk load" : NULL) != 1) {
        result_error(c, NULL);
        return 0;
    }
    ok = !c->copy_failed;
    while ((res = PQgetResult(c->pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (ok)
                result_error(c, res);
            ok = 0;
        }
        PQclear(res);
    }
    return ok;
}

static int pg_exec(cg_sql_conn *c, const char *sql)
{
    return exec(c, sql);
}

static int pg_retryable(cg_sql_conn *c)
{
    return c->retryable;
}

#define PG_DRIVER_FUNCS                                                                           \
    .dialect = CG_SQL_POSTGRESQL, .close = pg_close, .errmsg = pg_errmsg,                         \
    .schema_version = pg_schema_version, .begin = pg_begin, .commit = pg_commit,                  \
    .rollback = pg_rollback, .prepare = pg_prepare, .finalize = pg_finalize, .reset = pg_reset,   \
    .bind_int64 = pg_bind_int64, .bind_blob = pg_bind_blob, .bind_text = pg_bind_text,            \
    .bind_null = pg_bind_null, .step = pg_step, .column_is_null = pg_column_is_null,              \
    .column_int64 = pg_column_int64, .column_blob = pg_column_blob,                               \
    .column_text = pg_column_text, .exec = pg_exec, .copy_begin = pg_copy_begin,                  \
    .copy_int64 = pg_copy_int64, .copy_blob = pg_copy_blob, .copy_null = pg_copy_null,            \
    .copy_end = pg_copy_end, .retryable = pg_retryable

const cg_sql_driver cg_postgresql_driver = {
    .scheme = "postgresql",
    .open = pg_open_postgresql,
    PG_DRIVER_FUNCS,
};

const cg_sql_driver cg_postgres_driver = {
    .scheme = "postgres",
    .open = pg_open_postgres,
    PG_DRIVER_FUNCS,
};
