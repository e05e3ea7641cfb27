/* The store's CT logs (store.h, "CT logs followed by the monitor"):
 * log_state, one row per log ID with the monitor's position, the Merkle
 * right edge there, the last verified tree head and the contact times.
 *
 * Invariants kept here: a stored state always has a URL and a right edge
 * that decodes; cg_store_log_state_put replaces a log's state whole (a
 * single monitor's commit), while cg_store_log_head_put (shared monitors)
 * never moves the tree head back and never touches the position and right
 * edge, which belong to the fold (ranges.c). */
#include "store/store.h"

#include <string.h>

#include "ct/merkle.h"
#include "store/store_internal.h"

#define LOG_COLS                                                                                  \
    "log_id, url, position, frontier, sth_size, sth_timestamp, sth_root, sth_signature, "         \
    "last_contact, failing_since, updated_at"

const char *const cg_st_sql_logs[Q_COUNT] = {
    [Q_LOG_GET] = "SELECT " LOG_COLS " FROM log_state WHERE log_id = ?",
    [Q_LOG_PUT] = "INSERT INTO log_state (" LOG_COLS ") VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (log_id) DO UPDATE SET "
                  "url = excluded.url, position = excluded.position, "
                  "frontier = excluded.frontier, sth_size = excluded.sth_size, "
                  "sth_timestamp = excluded.sth_timestamp, sth_root = excluded.sth_root, "
                  "sth_signature = excluded.sth_signature, "
                  "last_contact = excluded.last_contact, "
                  "failing_since = excluded.failing_since, updated_at = excluded.updated_at",
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
};

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
        cg_sql_step r = cg_st_step(s, st, "listing log states");
        if (r == CG_SQL_ERROR)
            goto out;
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
