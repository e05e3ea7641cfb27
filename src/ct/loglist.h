/* CT log lists: Chrome's v3 JSON (also the schema crt.sh publishes) and
 * Apple's list, merged into one lookup table keyed by log ID, plus the
 * detached-signature check for Chrome's list and a strict RFC 3339 parser.
 *
 * Ownership: a cg_loglist owns every cg_log and every string and byte array
 * a cg_log points at; they stay valid until cg_loglist_free(). Times are
 * milliseconds since the Unix epoch (UTC). */
#ifndef CAGUARD_CT_LOGLIST_H
#define CAGUARD_CT_LOGLIST_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CG_LOG_PENDING,
    CG_LOG_QUALIFIED,
    CG_LOG_USABLE,
    CG_LOG_READONLY,
    CG_LOG_RETIRED,
    CG_LOG_REJECTED,
    CG_LOG_STATE_UNKNOWN /* no state in the list (crt.sh) or a state name we don't know */
} cg_log_state;

/* Which schema a log came from; Apple gives states a different meaning
 * (it marks expired temporal shards "rejected"). */
typedef enum {
    CG_LOGLIST_CHROME_V3, /* gstatic v3 and crt.sh's list */
    CG_LOGLIST_APPLE
} cg_loglist_format;

typedef struct cg_prev_operator {
    const char *name;
    int64_t end_time; /* this operator ran the log until end_time (exclusive) */
} cg_prev_operator;

/* One log, borrowed from its cg_loglist. */
typedef struct cg_log {
    uint8_t log_id[32];     /* SHA-256 of key_der (as the list states it) */
    const uint8_t *key_der; /* DER SubjectPublicKeyInfo */
    size_t key_len;
    const char *description;    /* "" when absent */
    const char *operator_name;  /* current operator */
    const char *url;            /* RFC 6962 URL, or a tiled log's submission_url */
    const char *monitoring_url; /* tiled logs only, else NULL */
    const char *log_type;       /* e.g. "test", "monitoring_only"; NULL = production */
    int64_t mmd;                /* seconds */
    cg_log_state state;
    int64_t state_ts;        /* when it entered state, -1 if unknown */
    int has_final_tree_head; /* readonly logs */
    uint64_t final_tree_size;
    uint8_t final_root_hash[32];
    int has_interval; /* temporal shard: accepts NotAfter in [start, end) */
    int64_t interval_start;
    int64_t interval_end;
    int tiled;                        /* from tiled_logs[] (static CT API) */
    const cg_prev_operator *prev_ops; /* sorted by end_time, oldest first */
    size_t n_prev_ops;
    const char *source; /* source_name given to cg_loglist_load */
    cg_loglist_format format;
} cg_log;

typedef struct cg_loglist cg_loglist;

cg_loglist *cg_loglist_new(void);
void cg_loglist_free(cg_loglist *ll);

/* Parses one list and merges it in. Returns 1 on success; on failure returns
 * 0, leaves ll unchanged and writes "source: where: what" to err. A log ID
 * already in ll keeps its first definition. */
int cg_loglist_load(cg_loglist *ll, const uint8_t *json, size_t len, const char *source_name,
                    char *err, size_t errcap);

size_t cg_loglist_count(const cg_loglist *ll);
/* When the oldest of the loaded lists was published (its log_list_timestamp,
 * ms since the epoch), or -1 when none says (Apple's list has no such field). */
int64_t cg_loglist_timestamp(const cg_loglist *ll);
/* Logs in load order; NULL when i is out of range. */
const cg_log *cg_loglist_get0(const cg_loglist *ll, size_t i);
const cg_log *cg_loglist_find(const cg_loglist *ll, const uint8_t log_id[32]);

/* The operator running the log at t_ms, using previous_operators. */
const char *cg_log_operator_at(const cg_log *log, int64_t t_ms);
/* Whether a monitor following the list (caguard monitor --follow-loglist)
 * reads this log: 1 for the states in which Chrome and Apple take the log's
 * SCTs (qualified, usable) and for readonly (it takes no new entries, but
 * the entries it holds still count and it still serves them, so they are
 * read to its final tree head); 0 for pending (not yet trusted), retired
 * and rejected (no longer served or trusted) and a log with no state or one
 * unknown to this caguard (crt.sh's list, test and monitoring-only logs).
 * A temporal shard is followed whatever its interval: its entries stay
 * readable until the list retires it. */
int cg_log_followed(const cg_log *log);
/* The URL a monitor reads: a tiled log's monitoring_url (static-ct-api),
 * else url (RFC 6962). */
const char *cg_log_monitor_url(const cg_log *log);
/* "pending", "qualified", ... or "unknown". */
const char *cg_log_state_name(cg_log_state state);

/* Verifies a detached signature over the exact list bytes (Chrome: RSA
 * PKCS#1 v1.5 with SHA-256; an EC key gets ECDSA with SHA-256). pubkey is a
 * PEM or DER SubjectPublicKeyInfo. Returns 1 if valid, else 0 with a reason. */
int cg_loglist_verify_signature(const uint8_t *json, size_t json_len, const uint8_t *sig,
                                size_t sig_len, const uint8_t *pubkey_pem_or_der, size_t key_len,
                                char *err, size_t errcap);

#endif
