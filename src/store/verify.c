/* Re-hashing what the store keeps under a SHA-256 (store.h, "verify"):
 * every object's DER against its key (and, on PostgreSQL, the key in
 * object_keys against the object's), every precertificate the gate
 * recorded and final certificate it allowed, every log list snapshot.
 * Stored bytes that no longer hash to their key (a damaged disk, a restore
 * gone wrong, a hand edit) are otherwise never noticed: every lookup goes
 * by the key.
 *
 * Invariants kept here: only reads; the rows are read in pages of
 * VERIFY_PAGE by row ID, so memory is one page whatever the store's size
 * (libpq holds a whole result in memory); each mismatch is handed on as
 * it is found. */
#include <openssl/sha.h>

#include "store/store.h"

#include "store/store_internal.h"

#define VERIFY_PAGE 256

const char *const cg_st_sql_verify[Q_COUNT] = {
    [Q_VERIFY_OBJECTS] = "SELECT id, sha256, der, kind, file, idx FROM objects WHERE id > ? "
                         "ORDER BY id LIMIT ?",
    [Q_VERIFY_PRECERTS] = "SELECT id, sha256, der FROM gate_precerts WHERE id > ? "
                          "ORDER BY id LIMIT ?",
    [Q_VERIFY_DECISIONS] = "SELECT id, sha256, der FROM gate_decisions WHERE id > ? AND "
                           "der IS NOT NULL ORDER BY id LIMIT ?",
    [Q_VERIFY_LOGLISTS] = "SELECT source, sha256, data FROM loglist_snapshots ORDER BY source",
};

/* PostgreSQL keeps each object's key twice: in object_keys (deduplication)
 * and in its partition's row. */
const char *const cg_st_pg_sql_verify[Q_COUNT] = {
    [Q_VERIFY_KEYS] = "SELECT k.id, k.sha256, o.sha256, o.kind, o.file, o.idx "
                      "FROM object_keys k JOIN objects o ON o.id = k.id "
                      "AND o.not_after = k.not_after WHERE k.id > ? ORDER BY k.id LIMIT ?",
};

typedef struct verifier {
    cg_store *s;
    cg_store_mismatch_fn fn;
    void *arg;
    cg_store_verify_counts *counts;
    int stopped; /* fn asked to stop */
} verifier;

/* One row: its stored key (column key) against the SHA-256 of its bytes
 * (column bytes), or against a second stored key (keys: object_keys). */
static void check_row(verifier *v, cg_sql_stmt *st, cg_store_mismatch *m, int key, int bytes,
                      int keys)
{
    cg_store *s = v->s;
    int has;
    size_t n;
    c_sha(s, st, key, &has, m->stored);
    if (keys) {
        c_sha(s, st, bytes, &has, m->actual);
    } else {
        const uint8_t *p = c_blob(s, st, bytes, &n);
        SHA256(p != NULL ? p : (const uint8_t *)"", p != NULL ? n : 0, m->actual);
    }
    v->counts->checked++;
    if (memcmp(m->stored, m->actual, 32) == 0)
        return;
    v->counts->mismatched++;
    if (!v->fn(v->arg, m))
        v->stopped = 1;
}

/* Every row of a paged query (id > ? ORDER BY id LIMIT ?), page by page. */
static int pages(verifier *v, query_id id, const char *table, const char *what)
{
    cg_store *s = v->s;
    int64_t after = 0;
    for (;;) {
        cg_sql_stmt *st = q(s, id);
        cg_sql_step r = CG_SQL_DONE;
        size_t rows = 0;
        if (st == NULL || !b_int(s, st, 1, after) || !b_int(s, st, 2, VERIFY_PAGE))
            return st == NULL ? 0 : cg_st_db_fail(s, what);
        while (!v->stopped && (r = s->drv->step(st)) == CG_SQL_ROW) {
            cg_store_mismatch m;
            memset(&m, 0, sizeof(m));
            m.table = table;
            m.id = after = c_int(s, st, 0);
            if (id == Q_VERIFY_OBJECTS || id == Q_VERIFY_KEYS) {
                m.kind = c_text(s, st, 3);
                m.name = c_text(s, st, 4);
                m.idx = c_int(s, st, 5);
            }
            check_row(v, st, &m, 1, 2, id == Q_VERIFY_KEYS);
            rows++;
        }
        if (v->stopped)
            r = CG_SQL_ROW;
        if (!cg_st_rows_end(s, st, r, what))
            return 0;
        if (v->stopped || rows < VERIFY_PAGE)
            return 1;
    }
}

int cg_store_verify(cg_store *s, cg_store_mismatch_fn fn, void *arg,
                    cg_store_verify_counts *counts)
{
    verifier v = {s, fn, arg, counts, 0};
    cg_sql_stmt *st;
    cg_sql_step r = CG_SQL_DONE;
    memset(counts, 0, sizeof(*counts));
    if (!pages(&v, Q_VERIFY_OBJECTS, "objects", "reading objects"))
        return 0;
    if (!v.stopped && s->drv->dialect == CG_SQL_POSTGRESQL &&
        !pages(&v, Q_VERIFY_KEYS, "object_keys", "reading object keys"))
        return 0;
    if (!v.stopped && !pages(&v, Q_VERIFY_PRECERTS, "gate_precerts", "reading gate records"))
        return 0;
    if (!v.stopped && !pages(&v, Q_VERIFY_DECISIONS, "gate_decisions", "reading gate records"))
        return 0;
    if (v.stopped)
        return 1;
    /* One snapshot per log list the monitor follows: a few rows. */
    st = q(s, Q_VERIFY_LOGLISTS);
    if (st == NULL)
        return 0;
    while (!v.stopped && (r = s->drv->step(st)) == CG_SQL_ROW) {
        cg_store_mismatch m;
        memset(&m, 0, sizeof(m));
        m.table = "loglist_snapshots";
        m.name = c_text(s, st, 0);
        check_row(&v, st, &m, 1, 2, 0);
    }
    if (v.stopped)
        r = CG_SQL_ROW;
    return cg_st_rows_end(s, st, r, "reading log list snapshots");
}
