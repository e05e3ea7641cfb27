/* A round of a log: its tree head refreshed (monitor_head.c), then its
 * entries read range by range, each range one store transaction holding
 * its objects, their findings and the log's new position and right edge,
 * verified against the tree head before the commit. A range that does not
 * verify rolls back whole: nothing of it is stored or reported but the
 * mismatch. */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/time.h"

/* Whether the right edge (size k) is a prefix of the tree head: a
 * consistency proof from k to the head's size. CG_LOG_MERKLE when not. */
static cg_log_status edge_consistent(cg_monitor *m, mlog *l, const cg_merkle_frontier *f,
                                     const cg_sth *sth, char *why, size_t whycap)
{
    uint8_t root[CG_MERKLE_HASH_LEN], proof[CG_MERKLE_MAX_PROOF * CG_MERKLE_HASH_LEN];
    size_t n = 0;
    if (!cg_merkle_frontier_root(l->h, f, root))
        return CG_LOG_NOMEM;
    if (l->kind->consistency == NULL)
        return f->size == sth->tree_size && memcmp(root, sth->root, 32) != 0 ? CG_LOG_MERKLE
                                                                             : CG_LOG_OK;
    cg_log_status st =
        l->kind->consistency(l->client, f->size, sth->tree_size, proof, &n, why, whycap);
    if (st != CG_LOG_OK)
        return st;
    if (!cg_merkle_verify_consistency(l->h, f->size, sth->tree_size, root, sth->root, proof, n,
                                      why, whycap))
        return CG_LOG_MERKLE;
    return CG_LOG_OK;
}

int cg_mon_end_range(cg_monitor *m, mlog *l, int commit)
{
    int ok = 1;
    l->obs->range_open = 0;
    if (!m->in_range && !commit)
        return 1; /* none open: the range ended before its first entry */
    if (commit && (m->o.shared || cg_mon_save_state(m, l)) && cg_store_commit(m->st)) {
        m->in_range = 0;
        cg_mon_series_log(m, l);
        /* the commit's findings, entries' and log's, one batch */
        cg_monitor_batch_begin(m);
        cg_ingest_committed(m->ing);
        for (size_t i = 0; i < m->n_held; i++)
            cg_mon_emit_log_finding(m, l, m->held[i].rule, m->held[i].message);
        cg_mon_held_drop(m);
        cg_monitor_batch_end(m);
        return 1;
    }
    if (commit) {
        if (!m->store_failed)
            cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        ok = 0;
    } else {
        cg_store_rollback(m->st);
    }
    m->in_range = 0;
    cg_ingest_rolled_back(m->ing);
    cg_mon_issuers_forget(m);
    cg_mon_held_drop(m);
    return ok;
}

int cg_mon_range_failed(cg_monitor *m, mlog *l, cg_log_status st, uint64_t first, uint64_t last,
                        const char *why)
{
    if (st == CG_LOG_MERKLE) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, l->sth.tree_size);
        cg_mon_say_log(m, l, "Merkle mismatch: %s", why);
        return cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                  "entries %" PRIu64 "-%" PRIu64
                                  " do not verify against the tree head "
                                  "of size %" PRIu64 ": %s",
                                  first, last, l->sth.tree_size, why);
    }
    if (st == CG_LOG_NOMEM) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    return cg_mon_log_failed(m, l, st, why);
}

double cg_mon_range_grace(const cg_monitor *m)
{
    double g = m->o.range_ms / 1000.0;
    return g < 1 ? 1 : g > 2 ? 2 : g;
}

void cg_mon_waiting(void *arg, double last_entry)
{
    log_observer *o = arg;
    /* (range_open is only set while this round holds the lock, so that
     * lock_waiters counts the other rounds) */
    if (!o->range_open || atomic_load(&o->m->lock_waiters) == 0)
        return;
    double now = cg_time_mono();
    if (now - last_entry >= CG_MON_RANGE_IDLE && (o->deadline <= 0 || o->deadline > now)) {
        o->deadline = now;
        o->cut = 1;
    }
}

int cg_mon_range_open(cg_monitor *m, mlog *l)
{
    int64_t now = cg_mon_now_s();
    if (!cg_store_begin(m->st)) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    m->in_range = 1;
    cg_ingest_set_times(m->ing, m->o.at != INT64_MIN ? m->o.at : now, now);
    cg_ingest_join(m->ing);
    m->deadline = cg_time_mono() + m->o.range_ms / 1000.0;
    if (m->deadline > l->round_end)
        m->deadline = l->round_end;
    m->range_first = l->range_from;
    m->cur = l;
    l->obs->range_open = 1;
    l->obs->cut = 0;
    /* The open range holds the store: a log that stops answering inside
     * it is cut soon after the range's time, what it delivered committed,
     * not at the end of its round. */
    if (m->deadline + cg_mon_range_grace(m) < l->obs->deadline)
        l->obs->deadline = m->deadline + cg_mon_range_grace(m);
    return 1;
}

/* Reads one range of entries [f.size, ...) in one transaction: its objects,
 * findings and the log's new position and right edge, verified against the
 * tree head. The transaction (and the monitor's lock) is taken at the
 * range's first entry (cg_mon_on_entry): while the log is asked for it,
 * the other logs' rounds have the store. Returns 0 when the store failed;
 * *stop_round when the round cannot go on (a log failure or a Merkle
 * mismatch, reported). */
static int read_range(cg_monitor *m, mlog *l, int *stop_round)
{
    char why[1024] = "";
    cg_merkle_frontier saved = l->f;
    uint64_t end =
        l->sth.tree_size - l->f.size > m->o.range ? l->f.size + m->o.range : l->sth.tree_size;
    *stop_round = 0;
    l->range_from = l->f.size;
    l->obs->deadline = l->round_end;
    cg_mon_unlock(m, l);
    cg_log_status st =
        l->kind->scan(l->client, l->h, &l->f, end, &l->sth, cg_mon_on_entry, l, why, sizeof(why));
    cg_mon_lock(m, l);
    m->cur = NULL;
    if (m->store_failed) {
        l->f = saved;
        cg_mon_end_range(m, l, 0);
        return 0;
    }
    if (st == CG_LOG_STOPPED)
        st = CG_LOG_OK; /* the range ends early: time is up, or a stop */
    /* The round's (or the open range's) time is up with entries in hand
     * (the transport's deadline came while the next ones were awaited):
     * they are verified and committed as a range that ends early is. None:
     * the log stalled. */
    if (st == CG_LOG_DEADLINE && l->f.size > saved.size)
        st = CG_LOG_OK;
    /* The proof and the commit of what is in hand get the round's margin
     * (at most: the range holds the store); a range cut because other
     * rounds wait for the store, the range's grace (1-2 s): a log that
     * stalls at its proof too then holds them no longer, its range rolled
     * back and read again at its next round. */
    double now = cg_time_mono(), margin = now + cg_mon_round_margin(m);
    if (l->obs->cut && margin > now + cg_mon_range_grace(m))
        margin = now + cg_mon_range_grace(m);
    l->obs->deadline = now >= l->round_end || margin < l->round_end ? margin : l->round_end;
    if (st == CG_LOG_OK && l->f.size < l->sth.tree_size && l->f.size > saved.size)
        st = edge_consistent(m, l, &l->f, &l->sth, why, sizeof(why));
    l->obs->deadline = l->round_end;
    if (st == CG_LOG_OK) {
        if (l->f.size == saved.size)
            return cg_mon_end_range(m, l, 0); /* stopped before the first entry */
        return cg_mon_end_range(m, l, 1);
    }
    l->f = saved;
    cg_mon_end_range(m, l, 0);
    *stop_round = 1;
    return cg_mon_range_failed(m, l, st, saved.size, end - 1, why);
}

int cg_mon_log_round(cg_monitor *m, mlog *l)
{
    int go = 0, has_start = 0;
    cg_merkle_frontier start;
    if (!cg_mon_ensure_client(m, l))
        return 0;
    if (!l->loaded && !cg_mon_load_state(m, l))
        return 0;
    l->read = l->kept = l->malformed = 0;
    int resume = l->resume;
    l->resume = 0;
    if (l->retired || resume) {
        /* Finish to the last verified tree head; no new one. */
        if (!l->has_sth)
            goto done;
    } else {
        if (!cg_mon_refresh_head(m, l, &go, &start, &has_start))
            return 0;
        if (!go)
            return 1;
        if (has_start)
            l->f = start;
        if (!cg_mon_save_state(m, l))
            return 0;
    }
    l->round_start = l->f.size;
    l->t0 = l->last_print = l->last_line = cg_time_mono();
    while (l->f.size < l->sth.tree_size && !m->stop) {
        int stop_round = 0;
        if (!read_range(m, l, &stop_round))
            return 0;
        if (stop_round)
            break;
        /* Out of time while the entries come: committed so far, the rest
         * in a round of its own at once, after the other logs due. */
        if (l->f.size < l->sth.tree_size && cg_time_mono() >= l->round_end) {
            l->resume = 1;
            break;
        }
        cg_mon_take_turns(m, l);
    }
    if (l->printed || (m->o.progress && l->read > 0))
        cg_mon_progress(m, l, 1);
    if (m->once || l->read > 0)
        cg_mon_say_info(m, l,
                        "at %" PRIu64 " of %" PRIu64 ", %" PRIu64 " entries read, %" PRIu64
                        " kept, %" PRIu64 " malformed%s",
                        l->f.size, l->sth.tree_size, l->read, l->kept, l->malformed,
                        l->resume ? "; the round's time is up, the next one goes on" : "");
done:
    if (l->retired && (!l->has_sth || l->f.size == l->sth.tree_size))
        l->gone = 1;
    return 1;
}
