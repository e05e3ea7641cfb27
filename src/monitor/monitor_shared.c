/* Monitors sharing one store's work (docs/store.md, "Monitors sharing the
 * work"): a round plans the ranges of the log's new tree head, then claims
 * ranges, reads each in one transaction under its lease (renewed while the
 * range is read) and completes it with its compact range, which the store
 * folds into the verified prefix. A range that lost its lease or a race
 * with another worker is rolled back and read again by whoever claims it. */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/time.h"

int cg_mon_shared_entry(cg_monitor *m, mlog *l, const cg_log_entry *e)
{
    uint8_t lh[CG_MERKLE_HASH_LEN];
    if (!cg_merkle_leaf_hash(l->h, e->leaf, e->leaf_len, lh) ||
        !cg_merkle_compact_append(l->h, &l->cr, lh)) {
        cg_mon_seterr(m, "out of memory");
        m->store_failed = 1;
        return 0;
    }
    if (m->o.lease_store != NULL && l->lease != NULL && cg_time_mono() >= l->renew_at) {
        int lost = 0;
        if (!cg_store_log_range_renew(m->o.lease_store, l->id, l->lease,
                                      cg_mon_now_s() + m->o.lease_seconds, &lost)) {
            cg_mon_seterr(m, "store: renewing a lease: %s", cg_store_errmsg(m->o.lease_store));
            m->store_failed = 1;
            return 0;
        }
        if (lost) {
            l->lease_lost = 1;
            return 0;
        }
        l->renew_at = cg_time_mono() + m->o.lease_seconds / 3.0;
    }
    return 1;
}

/* A range whose transaction lost a race with another worker's (PostgreSQL
 * found a deadlock between their locks): rolled back and given back, to be
 * read again by whoever claims it next. Returns 1 when that was the
 * failure, 0 when the store failed otherwise. */
static int range_raced(cg_monitor *m, mlog *l, const cg_store_log_lease *ls)
{
    if (!cg_store_error_retryable(m->st))
        return 0;
    cg_mon_say_log(m, l,
                   "entries %" PRIu64 "-%" PRIu64 " lost a race with another worker (%s); "
                   "rolled back, to be read again",
                   ls->start, ls->stop - 1, cg_store_errmsg(m->st));
    cg_mon_end_range(m, l, 0);
    m->store_failed = 0;
    m->err[0] = '\0';
    if (!cg_store_log_range_release(m->st, l->id, ls)) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        m->store_failed = 1;
        return 0;
    }
    return 1;
}

/* Reads the leased range as any range is read (monitor_range.c,
 * read_range): its transaction, and the monitor's lock, taken at its
 * first entry (cg_mon_on_entry), so that while the log is asked for it
 * the other logs' rounds have the store; then its objects and findings,
 * the range done (guarded by the lease's token) and the verified prefix
 * moved over it, in that transaction. A range that runs out of its time
 * (cg_monitor_opts.range_ms), or whose log stalls inside it, is cut where
 * its entries stopped: what arrived is committed as a done range and the
 * rest becomes a range of its own, pending, for this worker's next claim
 * or another's (cg_store_log_range_cut). Returns 0 when the store failed;
 * *stop_round when the round cannot go on (a stop, a log failure). A lost
 * lease rolls back: another worker has the range. */
static int shared_range(cg_monitor *m, mlog *l, const cg_store_log_lease *ls, int *stop_round)
{
    char why[1024] = "";
    cg_merkle_frontier f;
    cg_store_log_fold fo;
    uint8_t edge[CG_MERKLE_MAX_COMPACT * CG_MERKLE_HASH_LEN];
    int lost = 0;
    *stop_round = 0;
    /* The scan appends to a right edge at the range's start; its hashes are
     * not this worker's to know and are not used: the range's own compact
     * range is built beside it (shared_entry). */
    cg_merkle_frontier_init(&f);
    f.size = ls->start;
    cg_merkle_compact_init(&l->cr, ls->start);
    l->lease = ls;
    l->lease_lost = 0;
    l->renew_at = cg_time_mono() + m->o.lease_seconds / 3.0;
    cg_mon_arm_round(m, l); /* each range within the round's bound */
    l->range_from = ls->start;
    /* No root check by the client (its right edge is not the log's): the
     * fold checks the root. The tree head's size tells a static-ct-api
     * client which tiles are partial. */
    cg_mon_unlock(m, l);
    cg_log_status st =
        l->kind->scan(l->client, l->h, &f, ls->stop, ls->stop < l->sth.tree_size ? &l->sth : NULL,
                      cg_mon_on_entry, l, why, sizeof(why));
    cg_mon_lock(m, l);
    l->obs->deadline = l->round_end;
    m->cur = NULL;
    l->lease = NULL;
    if (m->store_failed) {
        if (range_raced(m, l, ls))
            return 1;
        cg_mon_end_range(m, l, 0);
        return 0;
    }
    /* Cut short with entries in hand: the range's time is up (the scan
     * stopped at an entry), or the log stalled inside it (the transport's
     * deadline, cut to the range's time); not a stop or a lost lease. */
    int cut = f.size > ls->start && f.size < ls->stop && !m->stop && !l->lease_lost &&
              (st == CG_LOG_STOPPED || st == CG_LOG_DEADLINE);
    if (cut)
        st = CG_LOG_OK;
    if (st == CG_LOG_OK && (l->cr.end != f.size || (!cut && f.size != ls->stop)))
        st = CG_LOG_BAD_ANSWER;
    if (st != CG_LOG_OK) {
        cg_mon_end_range(m, l, 0);
        *stop_round = 1;
        if (l->lease_lost) {
            cg_mon_say_log(m, l,
                           "the lease of entries %" PRIu64 "-%" PRIu64 " was lost; another "
                           "worker has them",
                           ls->start, ls->stop - 1);
            return 1;
        }
        /* Given back at once, for another worker or the next round. */
        if (!cg_store_log_range_release(m->st, l->id, ls)) {
            cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        if (st == CG_LOG_STOPPED)
            return 1;
        return cg_mon_range_failed(m, l, st, ls->start, ls->stop - 1, why);
    }
    if (cut && !cg_store_log_range_cut(m->st, l->id, ls, f.size, &lost)) {
        if (range_raced(m, l, ls))
            return 1;
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        cg_mon_end_range(m, l, 0);
        return 0;
    }
    for (size_t i = 0; i < l->cr.n; i++)
        memcpy(edge + i * CG_MERKLE_HASH_LEN, l->cr.hash[i], CG_MERKLE_HASH_LEN);
    if (!lost && !cg_store_log_range_done(m->st, l->id, ls, m->o.worker_id, edge,
                                          l->cr.n * CG_MERKLE_HASH_LEN, cg_mon_now_s(), &lost)) {
        if (range_raced(m, l, ls))
            return 1;
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        cg_mon_end_range(m, l, 0);
        return 0;
    }
    if (lost) {
        /* Expired and claimed again meanwhile: the other worker's copy
         * counts; nothing of this one is stored. */
        cg_mon_end_range(m, l, 0);
        cg_mon_say_log(m, l,
                       "entries %" PRIu64 "-%" PRIu64 " were claimed by another worker meanwhile "
                       "(the lease expired); rolled back",
                       ls->start, ls->stop - 1);
        return 1;
    }
    if (!cg_store_log_ranges_fold(m->st, l->id, cg_mon_now_s(), &fo)) {
        if (range_raced(m, l, ls))
            return 1;
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        cg_mon_end_range(m, l, 0);
        return 0;
    }
    if (fo.mismatch) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, fo.mismatch_size);
        if (!cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                "entries 0-%" PRIu64
                                " do not verify against the tree head of size "
                                "%" PRIu64 ": %s",
                                fo.mismatch_size - 1, fo.mismatch_size, fo.why)) {
            cg_mon_end_range(m, l, 0);
            return 0;
        }
    }
    if (!cg_mon_end_range(m, l, 1))
        return 0;
    l->f.size = fo.position; /* the verified prefix, for the round's line */
    l->ranges_done++;
    return 1;
}

int cg_mon_shared_round(cg_monitor *m, mlog *l)
{
    int go = 0, has_start = 0;
    cg_merkle_frontier start;
    cg_store_log_range_counts rc;
    uint64_t planned = 0;
    if (!cg_mon_ensure_client(m, l))
        return 0;
    /* Fresh each round: other workers move the verified tree head and
     * prefix. */
    l->loaded = 0;
    if (!cg_mon_load_state(m, l))
        return 0;
    l->read = l->kept = l->malformed = l->ranges_done = 0;
    if (!l->retired) {
        if (!cg_mon_refresh_head(m, l, &go, &start, &has_start))
            return 0;
        if (go) {
            uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED];
            size_t enc_len = 0;
            if (has_start && !cg_merkle_frontier_encode(&start, enc, sizeof(enc), &enc_len)) {
                cg_mon_seterr(m, "%s: cannot save the hashes that verify its next tree head",
                              l->url);
                return 0;
            }
            if (!cg_store_begin(m->st) || !cg_mon_save_state(m, l) ||
                !cg_store_log_ranges_plan(m->st, l->id, l->sth.tree_size, l->sth.root, m->o.range,
                                          has_start ? enc : NULL, enc_len, &planned) ||
                !cg_store_commit(m->st)) {
                if (!m->store_failed)
                    cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
                cg_store_rollback(m->st);
                return 0;
            }
        }
    }
    while (!m->stop) {
        cg_store_log_lease ls;
        int found = 0, stop_round = 0;
        if (!cg_store_log_range_claim(m->st, l->id, m->o.worker_id, cg_mon_now_s(),
                                      m->o.lease_seconds, &ls, &found)) {
            cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        if (!found) {
            if (!cg_store_log_range_counts_get(m->st, l->id, cg_mon_now_s(), &rc)) {
                cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
                return 0;
            }
            if (rc.done == rc.ranges || !m->once)
                break;
            /* others' leases: done or expired soon; the other logs' rounds
             * go on meanwhile */
            cg_mon_unlock(m, l);
            cg_mon_sleep_ms(500);
            cg_mon_lock(m, l);
            continue;
        }
        if (!shared_range(m, l, &ls, &stop_round))
            return 0;
        if (stop_round)
            break;
        cg_mon_take_turns(m, l);
    }
    if (!cg_store_log_range_counts_get(m->st, l->id, cg_mon_now_s(), &rc)) {
        cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
        return 0;
    }
    if (m->once || l->read > 0) {
        /* The verified prefix as the store has it now. */
        int found = 0;
        l->loaded = 0;
        if (!cg_store_log_state_get(m->st, l->id, cg_mon_load_one, &(cg_mon_load_ctx){l, 0},
                                    &found)) {
            cg_mon_seterr(m, "store: %s", cg_store_errmsg(m->st));
            return 0;
        }
        cg_mon_say_info(m, l,
                        "at %" PRIu64 " of %" PRIu64 " (shared), %" PRIu64
                        " entries read in %" PRIu64 " ranges, %" PRIu64 " kept, %" PRIu64
                        " malformed; ranges %" PRIu64 " done, %" PRIu64 " leased, %" PRIu64
                        " pending",
                        l->f.size, l->sth.tree_size, l->read, l->ranges_done, l->kept,
                        l->malformed, rc.done, rc.leased, rc.pending);
    }
    if (l->retired && rc.done == rc.ranges)
        l->gone = 1;
    return 1;
}
