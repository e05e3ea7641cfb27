/* A log's tree head: fetched with the log's client, its signature
 * verified, checked against the last verified one (same size, same root;
 * larger, a consistency proof), and only then the one to read up to. A log
 * that cannot be reached is timed against its MMD. */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/time.h"

static cg_logclient_opts client_opts(const cg_monitor *m, const mlog *l)
{
    cg_logclient_opts co;
    memset(&co, 0, sizeof(co));
    co.parallel = m->o.parallel;
    co.batch = m->o.batch;
    co.max_rps = l->max_rps;
    co.timeout_ms = m->o.timeout_ms;
    co.max_retries = m->o.max_retries;
    co.backoff_ms = m->o.backoff_ms;
    co.stop = &m->stop;
    co.budget = m->budget;
    co.deadline = &l->obs->deadline;
    return co;
}

/* The origin a static-ct-api log's checkpoints must name: the one given
 * (the log list's submission URL, or the configuration's), else the URL's,
 * both without the scheme and trailing slashes (static-ct-api). */
static void expected_origin(const mlog *l, char *buf, size_t cap)
{
    const char *u = l->origin != NULL ? l->origin : l->url;
    if (strncmp(u, "https://", 8) == 0)
        u += 8;
    else if (strncmp(u, "http://", 7) == 0)
        u += 7;
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    snprintf(buf, cap, "%.*s", (int)n, u);
}

int cg_mon_ensure_client(cg_monitor *m, mlog *l)
{
    if (l->obs == NULL || strcmp(l->obs->url, l->url) != 0) {
        char *url = strdup(l->url);
        if (url == NULL || (l->obs == NULL && (l->obs = calloc(1, sizeof(*l->obs))) == NULL)) {
            free(url);
            cg_mon_seterr(m, "out of memory");
            return 0;
        }
        free(l->obs->url);
        l->obs->url = url;
        l->obs->m = m;
    }
    if (l->h == NULL && (l->h = cg_merkle_hasher_new()) == NULL) {
        cg_mon_seterr(m, "out of memory");
        return 0;
    }
    if (l->client == NULL) {
        cg_logclient_opts co = client_opts(m, l);
        co.observe = cg_mon_observe;
        co.waiting = cg_mon_waiting;
        co.observe_arg = l->obs;
        char origin[1024];
        expected_origin(l, origin, sizeof(origin));
        co.origin = origin;
        l->client = l->kind->new_client(l->url, l->key, &co);
        if (l->client == NULL) {
            cg_mon_seterr(m, "out of memory");
            return 0;
        }
    }
    return 1;
}

void cg_mon_arm_deadline(cg_monitor *m, mlog *l)
{
    l->obs->deadline = cg_time_mono() + m->o.round_timeout;
}

double cg_mon_round_margin(const cg_monitor *m)
{
    double margin = m->o.round_timeout / 10.0;
    return margin > 10 ? 10 : margin;
}

void cg_mon_arm_round(cg_monitor *m, mlog *l)
{
    l->round_end = cg_time_mono() + m->o.round_timeout - cg_mon_round_margin(m);
    l->obs->deadline = l->round_end;
}

int cg_mon_log_failed(cg_monitor *m, mlog *l, cg_log_status st, const char *why)
{
    int64_t now = cg_mon_now_s();
    if (st == CG_LOG_STOPPED)
        return 1; /* a stop during a retry wait: the log did not fail */
    if (st == CG_LOG_DEADLINE) {
        l->stalled = 1;
        cg_mon_say_log(m, l,
                       "stalled: %s, the end of its round (--round-timeout %d s); what was "
                       "committed stays, the next round goes on from entry %" PRIu64,
                       why, m->o.round_timeout, l->f.size);
    } else {
        cg_mon_say_log(m, l, "%s: %s", cg_log_status_str(st), why);
    }
    /* A bad tree head signature, or a checkpoint of another origin, is a
     * finding of its own, not a transport failure; it still counts towards
     * the log's failing time. */
    if (st != CG_LOG_STH_SIG && st != CG_LOG_ORIGIN)
        m->stats.log_failures++;
    if (l->failing_since == 0)
        l->failing_since = now;
    if (now - l->failing_since > l->mmd) {
        char since[32], subject[32];
        cg_time_format(l->failing_since, since, sizeof(since));
        snprintf(subject, sizeof(subject), "since %lld", (long long)l->failing_since);
        if (!cg_mon_log_finding(
                m, l, CG_R_CT_LOG_UNREACHABLE, subject,
                "the log has failed since %s (%lld s, longer than its MMD of %lld s): "
                "%s",
                since, (long long)(now - l->failing_since), (long long)l->mmd, why))
            return 0;
    }
    return cg_mon_save_state(m, l);
}

/* Checks a new tree head against the verified one; 1 with *go when the
 * monitor may read up to it. */
static int check_sth(cg_monitor *m, mlog *l, const cg_sth *sth, int *go)
{
    char why[1024] = "", subject[96];
    uint8_t proof[CG_MERKLE_MAX_PROOF * CG_MERKLE_HASH_LEN];
    size_t n = 0;
    *go = 0;
    /* A tree head from the future would pass for a fresh one for ever
     * (lag, MMD): refused, however well signed. */
    if (sth->timestamp / 1000 > (uint64_t)cg_mon_now_s() + CG_MONITOR_STH_FUTURE_S) {
        snprintf(subject, sizeof(subject), "tree head %" PRIu64 " at %" PRIu64, sth->tree_size,
                 sth->timestamp);
        cg_mon_say_log(m, l, "tree head of size %" PRIu64 " timestamped %" PRIu64
                       " ms: in the future, refused", sth->tree_size, sth->timestamp);
        return cg_mon_log_finding(m, l, CG_R_CT_LOG_STH_TIMESTAMP_FUTURE, subject,
                                  "the tree head of size %" PRIu64 " is timestamped %" PRIu64
                                  " ms since the epoch, more than %d s after this monitor's "
                                  "clock: refused, the log is not read to it",
                                  sth->tree_size, sth->timestamp, CG_MONITOR_STH_FUTURE_S);
    }
    if (!l->has_sth) {
        if (l->f.size > sth->tree_size) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                      "the tree head of size %" PRIu64
                                      " is smaller than the %" PRIu64 " entries read already",
                                      sth->tree_size, l->f.size);
        }
        *go = 1;
        return 1;
    }
    if (sth->tree_size < l->sth.tree_size) {
        snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
        return cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                  "the tree head of size %" PRIu64
                                  " is smaller than the verified one "
                                  "of size %" PRIu64 ": the log shrank",
                                  sth->tree_size, l->sth.tree_size);
    }
    if (sth->tree_size == l->sth.tree_size) {
        if (memcmp(sth->root, l->sth.root, 32) != 0) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                      "two tree heads of size %" PRIu64 " with different roots",
                                      sth->tree_size);
        }
        *go = 1;
        return 1;
    }
    if (l->kind->consistency != NULL) {
        cg_mon_unlock(m, l); /* the other rounds go on while the log answers */
        cg_log_status st = l->kind->consistency(l->client, l->sth.tree_size, sth->tree_size, proof,
                                                &n, why, sizeof(why));
        cg_mon_lock(m, l);
        if (st != CG_LOG_OK)
            return cg_mon_log_failed(m, l, st, why);
        if (!cg_merkle_verify_consistency(l->h, l->sth.tree_size, sth->tree_size, l->sth.root,
                                          sth->root, proof, n, why, sizeof(why))) {
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth->tree_size);
            return cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                      "the tree head of size %" PRIu64
                                      " does not extend the verified "
                                      "one of size %" PRIu64 ": %s",
                                      sth->tree_size, l->sth.tree_size, why);
        }
    }
    *go = 1;
    return 1;
}

/* A readonly log takes no new entry: the tree head it serves is the final
 * one its log list states, or the list and the log disagree about what the
 * log holds. Reported once per head served (the store keeps one finding a
 * subject); the log is still read to the head it serves. */
static int check_final(cg_monitor *m, mlog *l, const cg_sth *sth)
{
    char subject[96], want[65], got[65];
    if (!l->has_final ||
        (sth->tree_size == l->final_size && memcmp(sth->root, l->final_root, 32) == 0))
        return 1;
    cg_hex(l->final_root, 32, want);
    cg_hex(sth->root, 32, got);
    snprintf(subject, sizeof(subject), "final tree head %" PRIu64 " %.16s", sth->tree_size, got);
    cg_mon_say_log(m, l,
                   "serves a tree head of size %" PRIu64 ", not the final one of its log list",
                   sth->tree_size);
    return cg_mon_log_finding(m, l, CG_R_CT_LOG_FINAL_TREE_HEAD_MISMATCH, subject,
                              "the log is readonly, and its log list states the final tree head "
                              "of size %" PRIu64 " and root %s; the log serves size %" PRIu64
                              " and root %s",
                              l->final_size, want, sth->tree_size, got);
}

int cg_mon_refresh_head(cg_monitor *m, mlog *l, int *go, cg_merkle_frontier *start, int *has_start)
{
    char why[1024] = "";
    cg_sth sth;
    *go = *has_start = 0;
    cg_log_status st;
    if (l->head_state == CG_MON_HEAD_READY) {
        /* fetched in its own thread by this pass (monitor.c, pass) */
        sth = l->head;
        st = l->head_status;
        snprintf(why, sizeof(why), "%s", l->head_why);
        l->head_state = CG_MON_HEAD_NONE;
    } else {
        cg_mon_unlock(m, l);
        st = l->kind->get_sth(l->client, &sth, why, sizeof(why));
        cg_mon_lock(m, l);
    }
    if (st == CG_LOG_STH_SIG) {
        char subject[64];
        snprintf(subject, sizeof(subject), "tree head %" PRIu64 " at %" PRIu64, sth.tree_size,
                 sth.timestamp);
        if (!cg_mon_log_finding(m, l, CG_R_CT_LOG_STH_SIGNATURE_INVALID, subject,
                                "the tree head of size %" PRIu64 " does not verify with the log's "
                                "key: %s",
                                sth.tree_size, why))
            return 0;
        return cg_mon_log_failed(m, l, st, why);
    }
    if (st == CG_LOG_ORIGIN) {
        char subject[64];
        snprintf(subject, sizeof(subject), "checkpoint %" PRIu64 " at %" PRIu64, sth.tree_size,
                 sth.timestamp);
        if (!cg_mon_log_finding(m, l, CG_R_CT_LOG_CHECKPOINT_ORIGIN_MISMATCH, subject,
                                "%s: refused, the log is not read to it (a log whose "
                                "submission prefix is not its URL: give it with --log-origin "
                                "or [log] origin)",
                                why))
            return 0;
        return cg_mon_log_failed(m, l, st, why);
    }
    if (st != CG_LOG_OK)
        return cg_mon_log_failed(m, l, st, why);
    l->last_contact = cg_mon_now_s();
    l->failing_since = 0;
    if (!check_sth(m, l, &sth, go))
        return 0;
    if (!*go)
        return cg_mon_save_state(m, l);
    if (!check_final(m, l, &sth))
        return 0;
    /* A log seen the first time, from its end: the right edge at the tree
     * head, proven under its root. */
    if (!l->has_sth && l->f.size == 0 && m->o.from_end && sth.tree_size > 0) {
        if (l->kind->frontier == NULL) {
            cg_mon_seterr(m, "%s: this log type cannot start from the end", l->url);
            return 0;
        }
        cg_mon_unlock(m, l);
        st = l->kind->frontier(l->client, l->h, &sth, start, why, sizeof(why));
        cg_mon_lock(m, l);
        if (st == CG_LOG_MERKLE) {
            char subject[64];
            *go = 0;
            snprintf(subject, sizeof(subject), "tree head %" PRIu64, sth.tree_size);
            if (!cg_mon_log_finding(m, l, CG_R_CT_LOG_MERKLE_MISMATCH, subject,
                                    "the last entry's audit path does not lead to the root of "
                                    "the tree head of size %" PRIu64 ": %s",
                                    sth.tree_size, why))
                return 0;
            return cg_mon_save_state(m, l);
        }
        if (st != CG_LOG_OK) {
            *go = 0;
            return cg_mon_log_failed(m, l, st, why);
        }
        *has_start = 1;
        cg_mon_say_info(m, l, "starting at its end, entry %" PRIu64, start->size);
    }
    /* The right edge is a prefix of the new head (by the checks above,
     * or trivially at size 0): it is the one to verify against now. */
    l->sth = sth;
    l->has_sth = 1;
    return 1;
}
