/* What the files of the store share, and nothing outside src/store may
 * include: the store handle, the statement cache, the write and error
 * helpers, and the binding and column helpers over the driver (driver.h).
 *
 * The store has one public face, store.h; its implementation is one file
 * per concern (docs/store.md, "Where the code is"), each holding its own
 * queries in portable SQL (and, where PostgreSQL needs another text, that
 * text beside it):
 *
 *   store.c        open and close, transactions, errors, the statement
 *                  cache and the helpers declared here
 *   objects.c      objects, object keys, issuer names, CA and CRL lookups,
 *                  object summaries
 *   crl_entries.c  CRL scopes and entries, revocation lookups
 *   findings.c     findings (put, resolve, list) and their summaries
 *   logs.c         log_state: a CT log's position, right edge, tree head
 *   ranges.c       log_ranges: monitors sharing the work
 *   incidents.c    incidents, their events and certificates
 *   sources.c      what the monitor watches: CRL sources, log list snapshots
 *   summaries.c    the counts caguard report draws
 *   gate.c         the issuance gate: recorded precertificates, decisions
 *   outbox.c       the side effects owed to new findings, until delivered
 *   verify.c       stored bytes re-hashed against the keys they are kept under
 *   bugs.c         the Bugzilla bug of an incident and the comments taken in
 *   policies.c     the CA's CP/CPS versions, and what fetching their URLs saw
 *
 * Invariants kept by every file:
 *   - every write goes through cg_st_write_begin/cg_st_write_end, so that a
 *     write outside cg_store_begin commits on its own and one inside dooms
 *     the caller's transaction when it fails;
 *   - a function that fails records why in s->err (cg_st_fail,
 *     cg_st_db_fail) and returns 0; a statement from cg_st_prepare is reset
 *     before it is handed out and after its last row is read;
 *   - a query ID belongs to one file, which alone prepares it. */
#ifndef CAGUARD_STORE_STORE_INTERNAL_H
#define CAGUARD_STORE_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/driver.h"
#include "store/store.h"

/* Every prepared statement of the store, grouped by the file that owns it;
 * each connection prepares one on its first use. */
typedef enum {
    /* objects.c */
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
    Q_OBJ_BY_KIND,
    Q_OBJ_PARTS,       /* PostgreSQL only: the partitions of objects */
    Q_OBJ_KEY,         /* PostgreSQL only: an object's id and notAfter by SHA-256 */
    Q_OBJ_KEYS_SERIAL, /* PostgreSQL only: ids and notAfters by issuer and serial */
    Q_OBJ_AT,          /* PostgreSQL only: an object by id and notAfter */
    /* crl_entries.c */
    Q_SCOPE_INSERT,
    Q_SCOPE_ID,
    Q_OBJ_ID,
    Q_ENTRY_UPSERT,
    Q_ENTRY_MERGE, /* the bulk path's (PostgreSQL only) */
    Q_REVOCATION,
    /* findings.c */
    Q_FIND_INSERT,
    Q_FIND_STATE,
    Q_FIND_REPEAT,
    Q_FIND_RESOLVE,
    Q_FIND_RESOLVE_KEY,
    Q_FIND_BY_ID,
    Q_FIND_BY_IDS,
    /* logs.c */
    Q_LOG_PUT,
    Q_LOG_GET,
    Q_HEAD_PUT,
    /* ranges.c */
    Q_RANGE_LOCK,
    Q_RANGE_MAXEND,
    Q_RANGE_INSERT,
    Q_RANGE_CLAIM,
    Q_RANGE_RENEW,
    Q_RANGE_RELEASE,
    Q_RANGE_DONE,
    Q_RANGE_CUT_REST,
    Q_RANGE_CUT,
    Q_RANGE_NEXT,
    Q_PREFIX_PUT,
    Q_RANGE_COUNTS,
    /* incidents.c */
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
    Q_INC_RULES,
    Q_INC_RULES_CLEAR,
    Q_INC_RULE_INSERT,
    Q_INC_SCOPE_GAPS,
    /* sources.c */
    Q_SRC_UPSERT,
    Q_SRC_GET,
    Q_SRC_ALL,
    Q_LL_PUT,
    Q_LL_GET,
    /* summaries.c */
    Q_OBJ_COUNTS,
    Q_FIND_COUNTS,
    Q_FIND_SPAN,
    Q_FIND_HIST,
    /* gate.c */
    Q_GATE_PRECERT_INSERT,
    Q_GATE_PRECERT_GET,
    Q_GATE_ALLOWED,
    Q_GATE_DECIDE,
    /* outbox.c */
    Q_OUTBOX_INSERT,
    Q_OUTBOX_CLAIM,
    Q_OUTBOX_DONE,
    Q_OUTBOX_DONE_IDS,
    Q_OUTBOX_RETRY,
    Q_OUTBOX_RENEW,
    Q_OUTBOX_RELEASE,
    Q_OUTBOX_INCIDENT,
    Q_OUTBOX_COUNTS,
    Q_OUTBOX_LAST_ERROR,
    /* verify.c */
    Q_VERIFY_OBJECTS,
    Q_VERIFY_KEYS, /* PostgreSQL only: object_keys against objects */
    Q_VERIFY_PRECERTS,
    Q_VERIFY_DECISIONS,
    Q_VERIFY_LOGLISTS,
    /* bugs.c */
    Q_BUG_LINK,
    Q_BUG_GET,
    Q_BUG_LIST,
    Q_BUG_SYNCED,
    Q_BUG_COMMENT_EXISTS,
    Q_BUG_COMMENT_INSERT,
    /* policies.c */
    Q_PDOC_INSERT,
    Q_PDOC_LIST,
    Q_PDOC_FETCH_GET,
    Q_PDOC_FETCH_PUT,
    Q_COUNT
} query_id;

struct cg_st_parts; /* objects.c: PostgreSQL's partitions of objects */
struct cg_st_known; /* objects.c: rows this session knows are stored */

struct cg_store {
    const cg_sql_driver *drv;
    cg_sql_conn *conn;
    cg_sql_stmt *stmts[Q_COUNT];
    struct cg_st_parts *parts;
    struct cg_st_known *known;
    int in_tx;     /* an explicit transaction is open */
    int tx_failed; /* ... and a write in it failed: it can only roll back */
    struct cg_st_outbox *outbox; /* the channels new findings get rows for; NULL: none */
    int by_id_busy;              /* Q_FIND_BY_ID is being stepped: a nested call prepares its own
                                  * (findings.c cg_store_findings) */
    char err[512];
};

/* Frees what objects.c keeps of PostgreSQL's partitions (cg_store_close). */
void cg_st_parts_free(cg_store *s);
/* What objects.c remembers of rows it knows are stored: a transaction's
 * end makes its own rows known for good (committed) or forgets them
 * (rolled back); freed at close. */
void cg_st_known_tx_end(cg_store *s, int committed);
void cg_st_known_free(cg_store *s);

/* ---- errors (store.c) ---- */

void cg_st_fail(cg_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The driver's last error as the store's, "what: ..."; returns 0. */
int cg_st_db_fail(cg_store *s, const char *what);

/* ---- writes (store.c) ---- */

/* A write joins the caller's transaction or makes its own (*own 1). */
int cg_st_write_begin(cg_store *s, int *own);
/* Ends it: commits its own transaction when ok, else rolls it back; in
 * the caller's transaction a failure dooms it. Returns ok, or 0 when the
 * commit failed. */
int cg_st_write_end(cg_store *s, int own, int ok);

/* ---- the outbox (outbox.c) ---- */

/* The rows a finding new to the store gets (put_finding, in its write),
 * one per channel set on the handle that its severity reaches; dedup and
 * seen make its alert ID. Nothing when no channel is set. */
int cg_st_outbox_add(cg_store *s, int64_t finding_id, const char *dedup, cg_severity severity,
                     int64_t seen);
void cg_st_outbox_free(cg_store *s);

/* ---- statements (store.c) ---- */

/* The texts of the queries, one table per file (indexed by query ID, NULL
 * for the IDs of other files), and the PostgreSQL texts of the few queries
 * whose portable text does not serve there. */
/* The files with a table cg_st_sql_<file>, and those that also have a
 * cg_st_pg_sql_<file>: the one list of them (a new file is added here). */
#define CG_ST_SQL_FILES(X)                                                                        \
    X(objects) X(crl_entries) X(findings) X(logs) X(ranges) X(incidents) X(sources) X(summaries) \
    X(gate) X(outbox) X(verify) X(bugs) X(policies)
#define CG_ST_PG_SQL_FILES(X) X(objects) X(crl_entries) X(findings) X(ranges) X(outbox) X(verify)
#define CG_ST_SQL_DECLARE(file) extern const char *const cg_st_sql_##file[Q_COUNT];
#define CG_ST_PG_SQL_DECLARE(file) extern const char *const cg_st_pg_sql_##file[Q_COUNT];
CG_ST_SQL_FILES(CG_ST_SQL_DECLARE)
CG_ST_PG_SQL_FILES(CG_ST_PG_SQL_DECLARE)

/* The prepared statement of query id, reset; prepared from its text on its
 * first use on this connection. NULL with the error recorded when it does
 * not prepare. */
cg_sql_stmt *cg_st_stmt(cg_store *s, query_id id);

static inline cg_sql_stmt *q(cg_store *s, query_id id)
{
    return cg_st_stmt(s, id);
}

/* Steps st once. On an error, resets it and records the error as
 * "what: ..."; otherwise CG_SQL_ROW (the row is there to read; reset st
 * after) or CG_SQL_DONE. */
cg_sql_step cg_st_step(cg_store *s, cg_sql_stmt *st, const char *what);
/* Runs an INSERT ... ON CONFLICT DO NOTHING whose text has RETURNING id
 * on one backend and none on another (driver.h) and resets st: 1 with
 * *inserted (1 and *id when it inserted a row, 0 when the row was there),
 * 0 with the error recorded as "what: ..." (as cg_st_step). */
int cg_st_insert(cg_store *s, cg_sql_stmt *st, const char *what, int64_t *id, int *inserted);
/* Runs a statement that returns no rows or one row we ignore. */
int cg_st_run(cg_store *s, cg_sql_stmt *st, const char *what);
/* Ends a row loop over st, whose last step gave r (CG_SQL_ROW when the
 * loop stopped early): resets st; 0 with the error recorded as "what: ..."
 * when the step failed. */
int cg_st_rows_end(cg_store *s, cg_sql_stmt *st, cg_sql_step r, const char *what);
/* The IDs as the text of a JSON array, "[1,2,3]", which a statement reads
 * as a set (SQLite json_each, PostgreSQL json_array_elements_text): one
 * statement for a list of rows. Malloc'd; NULL with the error recorded
 * when out of memory. */
char *cg_st_id_list(cg_store *s, const int64_t *ids, size_t n);
/* "column IN" that list, bound to the parameter written param: SQLite's
 * set of json_each; PostgreSQL's an array, which probes the primary key (a
 * set-returning function's rows would be estimated at a hundred and
 * joined). */
#define CG_ST_IN_ID_LIST(param) " IN (SELECT value FROM json_each(" param "))"
#define CG_ST_PG_IN_ID_LIST(param)                                                                \
    " = ANY(ARRAY(SELECT json_array_elements_text(" param "::json)::bigint))"
/* One integer column of a one-row query with its parameters bound; *found
 * 0 when there is no row. */
int cg_st_one_int(cg_store *s, cg_sql_stmt *st, int64_t *out, int *found, const char *what);

/* ---- values (store.c) ---- */

cg_kind cg_st_kind_from_text(const char *t);
cg_severity cg_st_severity_from_text(const char *t);

/* ---- binding and column helpers ---- */

/* Parameters from 1; each returns 1, or 0 when the driver refused. */
static inline int b_int(cg_store *s, cg_sql_stmt *st, int i, int64_t v)
{
    return s->drv->bind_int64(st, i, v);
}

static inline int b_blob(cg_store *s, cg_sql_stmt *st, int i, const uint8_t *p, size_t n)
{
    return s->drv->bind_blob(st, i, p, n);
}

static inline int b_text(cg_store *s, cg_sql_stmt *st, int i, const char *t)
{
    return s->drv->bind_text(st, i, t);
}

/* NULL pointer: SQL NULL. */
static inline int b_blob_or_null(cg_store *s, cg_sql_stmt *st, int i, const uint8_t *p, size_t n)
{
    return p == NULL ? s->drv->bind_null(st, i) : s->drv->bind_blob(st, i, p, n);
}

static inline int b_text_or_null(cg_store *s, cg_sql_stmt *st, int i, const char *t)
{
    return t == NULL ? s->drv->bind_null(st, i) : s->drv->bind_text(st, i, t);
}

static inline int b_int_or_null(cg_store *s, cg_sql_stmt *st, int i, int present, int64_t v)
{
    return present ? s->drv->bind_int64(st, i, v) : s->drv->bind_null(st, i);
}

/* Columns from 0, borrowed until the next step or reset. */
static inline int c_is_null(cg_store *s, cg_sql_stmt *st, int i)
{
    return s->drv->column_is_null(st, i);
}

static inline int64_t c_int(cg_store *s, cg_sql_stmt *st, int i)
{
    return s->drv->column_int64(st, i);
}

static inline const char *c_text(cg_store *s, cg_sql_stmt *st, int i)
{
    return s->drv->column_is_null(st, i) ? NULL : s->drv->column_text(st, i);
}

/* NULL (length 0) for SQL NULL; an empty blob is a value, not NULL. */
static inline const uint8_t *c_blob(cg_store *s, cg_sql_stmt *st, int i, size_t *len)
{
    static const uint8_t empty[1] = {0};
    if (s->drv->column_is_null(st, i)) {
        *len = 0;
        return NULL;
    }
    const uint8_t *p = s->drv->column_blob(st, i, len);
    if (p == NULL) {
        p = empty;
        *len = 0;
    }
    return p;
}

/* A 32-byte column (a SHA-256, a log ID) into out, and *has 1; *has 0 and
 * out zeroed when it is NULL or of another length. */
static inline void c_sha(cg_store *s, cg_sql_stmt *st, int i, int *has, uint8_t out[32])
{
    size_t n;
    const uint8_t *p = c_blob(s, st, i, &n);
    *has = p != NULL && n == 32;
    if (*has)
        memcpy(out, p, 32);
    else
        memset(out, 0, 32);
}

#endif
