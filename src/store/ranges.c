/* The store's log ranges (store.h, "monitors sharing the work"): the
 * ranges of a log's entries that monitors on one store plan, lease,
 * complete and fold into the log's verified prefix (docs/store.md,
 * "Monitors sharing the work").
 *
 * Invariants kept here: planning and folding hold the log's log_state row
 * locked (PostgreSQL: FOR UPDATE) for the caller's transaction, so a stretch
 * is never cut twice and one worker folds at a time; a claim takes a row no
 * concurrent claimer takes (FOR UPDATE SKIP LOCKED); renewing, releasing and
 * completing a range only happen while the claim's token is the range's,
 * so a lost lease changes nothing; the verified prefix (log_state position
 * and right edge) only moves over done ranges in order, and stops before a
 * range whose tree head root the right edge does not reach. */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "ct/merkle.h"
#include "store/store_internal.h"

const char *const cg_st_sql_ranges[Q_COUNT] = {
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
    /* A leased range cut short: its rest a range of its own, pending, with
     * the tree head's root the range had; then the range ends at the cut. */
    [Q_RANGE_CUT_REST] = "INSERT INTO log_ranges (log_id, start, stop, token, done, root) "
                         "SELECT log_id, ?, stop, 0, 0, root FROM log_ranges WHERE log_id = ? "
                         "AND start = ? AND token = ? AND done = 0 AND stop > ?",
    [Q_RANGE_CUT] = "UPDATE log_ranges SET stop = ?, root = NULL WHERE log_id = ? AND start = ? "
                    "AND token = ? AND done = 0 AND stop > ? RETURNING stop",
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

const char *const cg_st_pg_sql_ranges[Q_COUNT] = {
    /* Monitors sharing the work: the log's row is locked while one plans
     * or folds, and concurrent claimers skip each other's candidates. */
    [Q_RANGE_LOCK] = "SELECT position, frontier FROM log_state WHERE log_id = $1 FOR UPDATE",
    [Q_RANGE_CLAIM] =
        "UPDATE log_ranges SET owner = $1, lease_until = $2, token = token + 1 "
        "WHERE log_id = $3 AND start = (SELECT start FROM log_ranges "
        "WHERE log_id = $4 AND done = 0 AND (owner IS NULL OR lease_until < $5) "
        "ORDER BY start LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING start, stop, token",
};

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
    cg_sql_step r = cg_st_step(s, st, "planning log ranges");
    if (r == CG_SQL_ERROR)
        goto out;
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

/* Runs one of the two statements of a cut (at, log, start, token, at);
 * *hit 1 when it returned a row. */
static int cut_run(cg_store *s, query_id id, const uint8_t log_id[32],
                   const cg_store_log_lease *l, uint64_t at, int *hit)
{
    cg_sql_stmt *st = q(s, id);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, (int64_t)at) || !b_blob(s, st, 2, log_id, 32) ||
        !b_int(s, st, 3, (int64_t)l->start) || !b_int(s, st, 4, l->token) ||
        !b_int(s, st, 5, (int64_t)at))
        return cg_st_db_fail(s, "cutting a log range");
    return lease_run(s, st, "cutting a log range", hit);
}

int cg_store_log_range_cut(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                           uint64_t at, int *lost)
{
    int own, ok, hit = 0;
    *lost = 0;
    if (at <= l->start || at >= l->stop || at > INT64_MAX) {
        cg_st_fail(s, "a range is cut between its first entry and its end");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    /* The rest first (it copies the row's stop and root), then the row. */
    ok = cut_run(s, Q_RANGE_CUT_REST, log_id, l, at, &hit) &&
         cut_run(s, Q_RANGE_CUT, log_id, l, at, &hit);
    if (ok)
        *lost = !hit;
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
        cg_sql_step r = cg_st_step(s, st, "folding log ranges");
        if (r == CG_SQL_ERROR)
            goto out;
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
