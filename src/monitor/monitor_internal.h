/* What the files of the CT monitor share (monitor.h is its face): the
 * monitor's state and the functions one file of it calls in another. Not
 * for use outside src/monitor/monitor*.c.
 *
 *   monitor.c           setup, the logs and issuers followed, the loop that
 *                       polls the logs and runs the periodic tasks
 *   monitor_head.c      a log's tree head: fetched, verified against the
 *                       last verified one, failures and MMD
 *   monitor_range.c     a log's round: its entries read range by range, a
 *                       range one store transaction
 *   monitor_entries.c   one entry: matched against the watched issuers and
 *                       ingested with its chain's issuer
 *   monitor_state.c     what the monitor writes about a log: its state
 *                       (log_state) and its findings (ct.log.*)
 *   monitor_progress.c  progress and log lines, the metrics and heartbeat
 *   monitor_shared.c    monitors sharing one store's work: leased ranges
 *
 * Invariants kept across them: a range's objects, findings, position and
 * right edge commit together or not at all (cg_mon_end_range); a log
 * finding made inside a range reaches the sinks only after its commit
 * (held); store_failed, once set, ends the run with err filled. The logs'
 * rounds run at once, one thread each (monitor.c, pass): a round holds the
 * monitor's lock (mu) whenever it touches the store or struct cg_monitor,
 * and from a range's first entry to its commit (so the range being read,
 * in_range/cur/held, is the lock holder's), and lets go of it only while
 * it waits for its log outside an open range (cg_mon_unlock). An mlog is
 * its round's thread's while the round runs. */
#ifndef CAGUARD_MONITOR_MONITOR_INTERNAL_H
#define CAGUARD_MONITOR_MONITOR_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/client.h"
#include "monitor/monitor.h"
#include "monitor/series.h"
#include "obs/logger.h"
#include "store/ingest.h"
#include "store/store.h"

typedef struct watched {
    char *name;
    uint8_t *der;
    size_t der_len;
    uint8_t spki_hash[32];
    cg_cbs subject; /* into der */
} watched;

typedef struct mlog {
    char *url;
    char *name; /* NULL: the URL */
    char *origin; /* static-ct-api: the checkpoint origin given; NULL: the URL's */
    EVP_PKEY *key;
    uint8_t id[32];
    char id64[48]; /* base64, as log lists write it */
    cg_monitor_log_type type;
    int64_t mmd;
    double max_rps; /* entry requests a second; 0: no limit */
    int has_final;  /* readonly: the log list's final tree head */
    uint64_t final_size;
    uint8_t final_root[32];
    const cg_log_client_kind *kind;
    void *client; /* made on first use, remade when the URL changes */
    int retired;
    int gone; /* retired and finished */
    int64_t next_poll;
    /* the state, as in the store (cg_store_log_state) */
    int loaded;
    cg_merkle_frontier f; /* at the position */
    int has_sth;
    cg_sth sth; /* the last verified tree head */
    int64_t last_contact, failing_since;
    /* this round */
    uint64_t read, kept, malformed;
    uint64_t ranges_done; /* shared: ranges this worker completed this round */
    uint64_t round_start;
    /* The round ran out of time while its entries were coming (not a
     * stall): the next pass reads on, up to the same tree head, at once
     * (and under --once too). */
    int resume;
    /* The last round stalled (the log answered nothing before the round's
     * deadline): in a pass, it is read after the logs that did not. */
    int stalled;
    double round_end; /* entries are taken until then (cg_mon_arm_round) */
    double t0, last_print, last_line;
    int printed; /* its part is on the terminal's progress line */
    char bar[256]; /* that part (monitor_progress.c) */
    /* metrics: the entries read and not yet counted, and what the client's
     * HTTP observer needs (its own allocation: the array of logs moves) */
    uint64_t unflushed;
    struct log_observer *obs;
    /* Its own Merkle hasher: the rounds of the logs run at once. */
    cg_merkle_hasher *h;
    /* The round of this pass runs in a thread of its own (monitor.c,
     * pass): first its tree head (head_state CG_MON_HEAD_FETCHING: the
     * thread writes head, head_status and head_why, then READY, and reads
     * them itself), then the round, holding the monitor's lock (m->mu)
     * but while it waits for the log outside an open range (locked). The
     * monitor's thread starts it and joins it (joinable). */
    struct cg_monitor *m;
    int head_state; /* CG_MON_HEAD_NONE, _FETCHING, _READY */
    pthread_t thread;
    int joinable;
    int here;            /* its thread could not start: the round in the monitor's */
    int locked;          /* this log's round holds m->mu */
    uint64_t range_from; /* the first entry of the range being read */
    /* shared: the leased range being read (its transaction opens at its
     * first entry, as any range's) */
    cg_merkle_compact cr; /* its compact range so far */
    const cg_store_log_lease *lease;
    double renew_at; /* when the lease is renewed next */
    int lease_lost;
    cg_sth head;
    cg_log_status head_status;
    char head_why[1024];
} mlog;

enum { CG_MON_HEAD_NONE = 0, CG_MON_HEAD_FETCHING, CG_MON_HEAD_READY };

/* The client's HTTP observer of one log: metrics by status, and the
 * heartbeat, which every attempt is. While the log's round runs in a
 * thread of its own (monitor.c, pass), away is set (by the monitor's
 * thread, before the thread starts and after it is joined): the observer
 * then touches only the metrics, which are thread-safe, and leaves the
 * heartbeat (the watchdog's tick, the entries not yet counted) to the
 * rounds' entries and the monitor's thread, which beats while it waits
 * for the rounds, both holding the monitor's lock. */
typedef struct log_observer {
    struct cg_monitor *m;
    char *url;
    int away;
    /* The end of the log's round or tree-head fetch (CLOCK_MONOTONIC
     * seconds; 0: none), where the client's cg_logclient_opts.deadline
     * points: set by the monitor's thread before the round's thread
     * starts, then by that thread (the round, a range's open time, the
     * proof's margin); the transport reads it between its steps, and
     * calls cg_mon_waiting, in the round's thread, before each wait. */
    double deadline;
    /* The round's range is open (its transaction holds the store and the
     * round the monitor's lock; set and cleared by the round's thread:
     * cg_mon_range_open, cg_mon_end_range), and whether cg_mon_waiting cut
     * it because other rounds waited while its log delivered nothing. */
    int range_open;
    int cut;
} log_observer;

/* A new log finding, stored in the open range's transaction, handed on
 * after its commit. */
typedef struct held_finding {
    cg_rule_id rule;
    char *message;
} held_finding;

typedef struct sink {
    cg_sink_fn fn;           /* each finding; or NULL */
    cg_monitor_batch_fn end; /* after each batch of them; or NULL */
    void *arg;
} sink;

typedef struct task {
    int interval;
    cg_monitor_task_fn fn;
    void *arg;
    int64_t next;
} task;

/* Chain issuers (SHA-256) this run stored: a CA that comes in front of
 * every entry of its certificates is ingested once a run, not once an
 * entry. Open addressing; emptied when three quarters full and on every
 * rollback (what the rolled-back range stored is gone). */
#define ISSUER_SET_CAP 4096
typedef struct issuer_set {
    uint8_t (*key)[32];
    uint8_t *used;
    size_t n;
    /* The last chain certificate hashed and its SHA-256: the entries of
     * one CA come one after another with the same first chain
     * certificate, which a comparison tells apart far faster than hashing
     * it again. */
    uint8_t *last;
    size_t last_len, last_cap;
    uint8_t last_sha256[32];
} issuer_set;

struct cg_monitor {
    cg_store *st;
    issuer_set issuers;
    cg_monitor_opts o;
    cg_ingest *ing;
    watched *iss;
    size_t n_iss;
    mlog *logs;
    size_t n_logs;
    sink *sinks;
    size_t n_sinks;
    int batch;       /* open cg_monitor_batch_begin calls */
    int batch_found; /* a finding went to the sinks since the last batch end */
    task *tasks;
    size_t n_tasks;
    atomic_int stop; /* set from a signal handler, read by the rounds' threads */
    /* The bytes of answers held at once by every log's client (and head
     * thread): --response-memory. */
    cg_http_budget *budget;
    int issuers_done;
    cg_monitor_stats stats;
    /* the entry being handled */
    mlog *cur;
    int store_failed;
    int in_range;         /* a range's transaction is open */
    double deadline;      /* when the open range is committed */
    uint64_t range_first; /* its first entry */
    int once;
    unsigned passes; /* passes over the logs in this cg_monitor_run */
    held_finding *held;
    size_t n_held;
    cg_logger own_logger; /* when the caller gave none */
    const cg_logger *logger;
    double last_beat; /* the heartbeat's last turn (CLOCK_MONOTONIC) */
    int bar_shown; /* a progress line is on the terminal (monitor_progress.c) */
    /* The logs' rounds of a pass run at once, each in its thread, and
     * take turns at the store (one connection, one transaction at a time):
     * mu guards the store and everything here but stop and budget; a round
     * holds it but while it waits for its log outside an open range
     * (cg_mon_unlock). cv: a round's thread ended or a slot came free. */
    pthread_mutex_t mu;
    atomic_int lock_waiters; /* rounds waiting for mu (cg_mon_lock) */
    pthread_cond_t cv;
    int mu_made;
    size_t workers_left;  /* round threads of the pass not ended */
    size_t rounds_active; /* rounds past their tree head, reading */
    size_t fresh_waiting; /* of the rounds waiting for a slot, those whose
                             log did not stall last round */
    int round_failed;     /* a round returned 0 (the store failed) */
    char err[1024];
};

/* ---- monitor.c ---- */

void cg_mon_seterr(cg_monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cg_mon_log_name(const mlog *l);
int64_t cg_mon_now_s(void);
/* Sleeps; a signal ends it early, which is what a stop wants. */
void cg_mon_sleep_ms(long ms);

/* The monitor's lock, held by l's round (a no-op when it holds it):
 * cg_mon_unlock before waiting for the log outside an open range,
 * cg_mon_lock before touching the store or the monitor again. */
void cg_mon_lock(cg_monitor *m, mlog *l);
void cg_mon_unlock(cg_monitor *m, mlog *l);
/* Between two ranges of l's round (holding the lock, no range open): when
 * other rounds wait for the lock, lets one of them take it first (a log
 * whose entries keep coming would otherwise take it back at once, its
 * next entry in hand, and the others wait for its whole round). */
void cg_mon_take_turns(cg_monitor *m, mlog *l);

/* ---- monitor_head.c ---- */

/* The log's client, made on first use. 0 when out of memory. */
int cg_mon_ensure_client(cg_monitor *m, mlog *l);
/* The log's requests from now on end within the bound (--round-timeout):
 * cg_mon_arm_deadline for a tree head's fetch, in its thread;
 * cg_mon_arm_round for a round (shared: a range), whose entries are taken
 * until l->round_end, the bound less cg_mon_round_margin, which is kept
 * for the consistency proof and the commit of the range then in hand. The
 * client must exist. */
void cg_mon_arm_deadline(cg_monitor *m, mlog *l);
void cg_mon_arm_round(cg_monitor *m, mlog *l);
double cg_mon_round_margin(const cg_monitor *m);
/* A round that could not talk to the log: kept as the log's failing time;
 * past its MMD, ct.log.unreachable (once per outage). Returns 0 when the
 * store failed. */
int cg_mon_log_failed(cg_monitor *m, mlog *l, cg_log_status st, const char *why);
/* The log's current tree head, checked against the verified one and
 * stored as the verified one: *go when the monitor may read up to it.
 * A log seen the first time with from_end: its right edge at that head
 * into *start (*has_start). Returns 0 only when the store failed. */
int cg_mon_refresh_head(cg_monitor *m, mlog *l, int *go, cg_merkle_frontier *start,
                        int *has_start);

/* ---- monitor.c ---- */

/* A finding new to the store, after its commit, to every sink. Outside a
 * batch the batch-end functions run after it. */
void cg_mon_to_sinks(cg_monitor *m, const cg_finding *f);
/* A commit's findings go to the sinks as one batch: cg_monitor_batch_begin
 * and cg_monitor_batch_end (monitor.h). */

/* ---- monitor_range.c ---- */

/* Ends the open range: committed (with the log's state unless shared, then
 * the held log findings to the sinks) or rolled back (with what the run
 * remembers of it). Returns 0 when a commit failed. */
int cg_mon_end_range(cg_monitor *m, mlog *l, int commit);
/* A range that could not be read (rolled back): a Merkle mismatch is a
 * finding, anything else a failure of the log. Returns 0 when the store
 * failed or memory ran out. */
int cg_mon_range_failed(cg_monitor *m, mlog *l, cg_log_status st, uint64_t first, uint64_t last,
                        const char *why);
/* Opens l's range at its first entry (cg_mon_on_entry, holding the lock):
 * its transaction, its time (cg_monitor_opts.range_ms: 5 s), and the
 * transport's deadline cut to that time and cg_mon_range_grace more. 0
 * when the store failed. */
int cg_mon_range_open(cg_monitor *m, mlog *l);
double cg_mon_range_grace(const cg_monitor *m);
/* The transport's waiting hook (cg_logclient_opts.waiting, arg the log's
 * log_observer): inside an open range, when other rounds wait for the
 * monitor's lock and the log has handed over no entry for CG_MON_RANGE_IDLE
 * seconds, the transport's deadline is moved to now, so that the range
 * ends with what arrived (verified and committed) and gives the store
 * back, rather than at its time and grace. */
#define CG_MON_RANGE_IDLE 1.0
void cg_mon_waiting(void *arg, double last_entry);
/* One round of a log: its tree head, then its entries up to it, range by
 * range. Returns 0 only when the store failed. */
int cg_mon_log_round(cg_monitor *m, mlog *l);

/* ---- monitor_entries.c ---- */

/* The scan's callback (cg_log_entry_fn, arg the monitor): one entry of
 * m->cur, kept and ingested when a watched issuer issued it. */
int cg_mon_on_entry(void *arg, const cg_log_entry *e);
/* Forgets the chain issuers stored this run (after a rollback). */
void cg_mon_issuers_forget(cg_monitor *m);

/* ---- monitor_state.c ---- */

/* A finding about a log, stored against its ID and deduplicated by subject
 * (what about the log: an entry index, a tree head). Inside a range it
 * joins the range's transaction and waits for its commit. Returns 0 when
 * the store failed. */
int cg_mon_log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *subject,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Hands a log finding to the sinks. */
void cg_mon_emit_log_finding(cg_monitor *m, mlog *l, cg_rule_id rule, const char *msg);
/* Drops the held log findings (after they were emitted or rolled back). */
void cg_mon_held_drop(cg_monitor *m);
/* The log's state from the store (none yet: an empty right edge). */
int cg_mon_load_state(cg_monitor *m, mlog *l);
/* Writes the log's state (inside the open range, if any). */
int cg_mon_save_state(cg_monitor *m, mlog *l);
/* cg_store_log_state_get's callback: the state into c->l, c->ok when it
 * decodes. */
typedef struct cg_mon_load_ctx {
    mlog *l;
    int ok;
} cg_mon_load_ctx;
int cg_mon_load_one(void *arg, const cg_store_log_state *ls);

/* ---- monitor_progress.c ---- */

/* On a terminal, the log's part of the progress line (the logs reading at
 * once share one line) is rewritten at most 10 times a second; otherwise
 * a plain line at most every 10 s while catching up. final prints the
 * log's last state on a line of its own. */
void cg_mon_progress(cg_monitor *m, mlog *l, int final);
/* A message on its own line, after a progress line if one is showing:
 * a warning (something failed or is wrong) or, cg_mon_say_info, news. */
void cg_mon_say_log(cg_monitor *m, mlog *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cg_mon_say_info(cg_monitor *m, mlog *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The log's state, as now committed, to the metrics, with the entries read
 * since the last count. */
void cg_mon_series_log(cg_monitor *m, mlog *l);
/* Called often (each entry, each HTTP attempt, each turn of the sleeps):
 * the owner's tick (the service watchdog, which keeps its own pace) each
 * time, and at most once a second the entries read to the metrics. */
void cg_mon_heartbeat(cg_monitor *m);
/* Every HTTP attempt of a log's client (cg_logclient_opts.observe; arg
 * the log's log_observer). */
void cg_mon_observe(void *arg, long status, size_t bytes);

/* ---- monitor_shared.c ---- */

/* Shared: the entry's leaf hash into the range's compact range, and the
 * lease renewed when due. 0 stops the range (the lease is lost, or the
 * store failed). */
int cg_mon_shared_entry(cg_monitor *m, mlog *l, const cg_log_entry *e);
/* A shared round of a log: its tree head refreshed, its ranges planned,
 * then ranges claimed and completed until none is left to claim (with
 * once: until every range is done). Returns 0 only when the store failed. */
int cg_mon_shared_round(cg_monitor *m, mlog *l);

#endif
