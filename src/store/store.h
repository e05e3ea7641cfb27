/* The store: what caguard has seen (objects, CRL entries with the time each
 * was first published), what it found (findings, deduplicated, first and
 * last seen, open or resolved) and the incidents a CA records. One interface
 * for every backend: a store is named by a URI ("sqlite:PATH", or a plain
 * path, which is SQLite; a PostgreSQL backend will take "postgresql://...").
 *
 * Conventions: functions return 1 on success and 0 on error, with the
 * reason in cg_store_errmsg(). Lookups say whether they found something in
 * *found. Every write is one transaction: a write made outside
 * cg_store_begin/commit commits on its own; inside, it joins the caller's
 * transaction, and a failed write dooms it (commit then rolls back and
 * fails). Pointers handed to a callback are borrowed for the call; structs
 * filled by a get are owned by the caller and freed with the matching
 * _clear or _free.
 *
 * One face: this header is the whole store interface for every caller,
 * whatever concern it uses. Behind it the implementation is one file per
 * concern (store.c: open, transactions, errors; objects.c, crl_entries.c,
 * findings.c, logs.c, ranges.c, incidents.c, sources.c, summaries.c,
 * gate.c), which share the private store_internal.h and nothing else;
 * docs/store.md, "Where the code is". One header rather than one per
 * concern because the concerns are not separable for a caller: ingest uses
 * objects, CRL entries and findings in one transaction, the monitor adds
 * logs and ranges to it, and a finding's listing joins objects and logs.
 * (store/open.h, which this header includes, is what the backend drivers
 * need of it: the status of an open.) */
#ifndef CAGUARD_STORE_STORE_H
#define CAGUARD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"
#include "incident/policydoc.h"
#include "rules/rules.h"
#include "store/open.h"

/* The schema this caguard reads and writes (docs/store.md lists the
 * migrations). A store with a newer version is refused, never modified. */
#define CG_STORE_SCHEMA_VERSION 16

typedef struct cg_store cg_store;

/* Opens the store at uri, bringing an older schema up to date. Returns NULL
 * with *status and a message in err (both may be NULL) when it cannot. A
 * file that is not a caguard store is refused before anything is written
 * to it. */
cg_store *cg_store_open(const char *uri, int flags, cg_store_status *status, char *err,
                        size_t errcap);
void cg_store_close(cg_store *s);
const char *cg_store_errmsg(const cg_store *s);
/* Whether the last error lost a race with another process sharing the
 * store (PostgreSQL: a deadlock or a serialization failure): roll back and
 * run the transaction again. Always 0 on SQLite. */
int cg_store_error_retryable(const cg_store *s);
/* Around a bulk write (a large CRL's entries): on = 1 gives this process a
 * large page cache (SQLite: 64 MiB; the entries' index is written all over
 * the file), on = 0 the small default again (2 MiB, which keeps a
 * long-running monitor's memory flat; cg_store_writer_cache's after it).
 * Nothing on PostgreSQL. */
int cg_store_bulk(cg_store *s, int on);
/* For a process whose transactions change many pages (the monitor's
 * ranges): clean pages are kept up to what the changed pages may take
 * anyway before they are spilled (SQLite: 1,024 pages, 4 MiB), so the page
 * cache's bound does not move, and an index's inner pages stay in memory
 * through a transaction instead of being read again at each insert.
 * Nothing on PostgreSQL. */
int cg_store_writer_cache(cg_store *s);
int cg_store_schema_version(cg_store *s, int *version);

/* An explicit transaction: the writes between begin and commit land
 * together or not at all. Transactions do not nest. */
int cg_store_begin(cg_store *s);
int cg_store_commit(cg_store *s);
int cg_store_rollback(cg_store *s);

/* ---- objects ---- */

typedef enum {
    CG_STORE_CA_NONE = 0,
    CG_STORE_CA = 1,                /* basicConstraints cA TRUE */
    CG_STORE_CA_PRECERT_SIGNING = 2 /* a Precertificate Signing Certificate (RFC 6962 §3.1) */
} cg_store_ca;

/* A certificate, precertificate or CRL by the SHA-256 of its DER (or an
 * object caguard could hash but not read: kind CG_KIND_INPUT, or the kind
 * its shape suggested, with no issuer or serial). Byte fields are NULL with
 * length 0 when absent. */
typedef struct cg_store_object {
    uint8_t sha256[32];
    cg_kind kind;
    const uint8_t *der;
    size_t der_len;
    const uint8_t *issuer; /* issuer Name element */
    size_t issuer_len;
    const uint8_t *serial; /* serialNumber INTEGER contents (certificates) */
    size_t serial_len;
    const uint8_t *subject; /* subject Name element (certificates) */
    size_t subject_len;
    const uint8_t *scope; /* CRLs: the issuingDistributionPoint extnValue, empty (not NULL)
                             when the CRL has none; NULL for certificates */
    size_t scope_len;
    cg_store_ca ca;
    int64_t not_before;   /* CRLs: thisUpdate */
    int64_t not_after;    /* CRLs: nextUpdate, 0 when absent */
    const char *file;     /* the file it was first ingested from */
    int64_t index;        /* its object number in that file */
    int64_t first_seen;   /* the earliest seen-at it was ingested with */
    const uint8_t *crldp; /* certificates: the CRL distribution points extnValue, empty (not
                             NULL) when there are none; NULL for CRLs */
    size_t crldp_len;
} cg_store_object;

/* Stores obj unless an object with its SHA-256 is there already (*is_new 0;
 * its first_seen moves back to obj->first_seen when that is earlier, and
 * *earlier says so). Either out pointer may be NULL. */
int cg_store_put_object(cg_store *s, const cg_store_object *obj, int *is_new, int *earlier);
/* The object with that SHA-256, or NULL (*found 0, or an error). Free with
 * cg_store_object_free. */
cg_store_object *cg_store_get1_object(cg_store *s, const uint8_t sha256[32], int *found);
void cg_store_object_free(cg_store_object *obj);

/* Callbacks return 1 to go on, 0 to stop (the iteration then returns 1).
 * A callback must not call back into the store. */
typedef int (*cg_store_object_fn)(void *arg, const cg_store_object *obj);

/* Certificates and precertificates with these issuer Name bytes and serial,
 * in the order they were stored. */
int cg_store_objects_by_serial(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_object_fn fn,
                               void *arg);
/* The same, less the objects for which skip(arg, sha256) returns 1, which
 * are not read at all (PostgreSQL: not fetched from their partitions):
 * those the caller has already, such as the one it just stored. skip must
 * not call into the store. */
int cg_store_objects_by_serial_skip(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                                    const uint8_t *serial, size_t serial_len,
                                    int (*skip)(void *arg, const uint8_t sha256[32]),
                                    cg_store_object_fn fn, void *arg);
/* Every object (certificates, precertificates, CRLs) with these issuer Name
 * bytes, in the order they were stored. */
int cg_store_objects_by_issuer(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               cg_store_object_fn fn, void *arg);
/* Every CA certificate (ca != CG_STORE_CA_NONE). */
int cg_store_ca_objects(cg_store *s, cg_store_object_fn fn, void *arg);
/* The CRLs of one issuer and scope next to a thisUpdate, other than the
 * CRL named by exclude (may be NULL): the latest with an earlier
 * thisUpdate, the one stored last with the same thisUpdate, and the
 * earliest with a later one, in that order. At most three calls of fn. */
int cg_store_crl_neighbours(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                            const uint8_t *scope, size_t scope_len, int64_t this_update,
                            const uint8_t *exclude, cg_store_object_fn fn, void *arg);
/* The certificates and precertificates with issuer Name bytes cert_issuer
 * whose serial some stored CRL of (crl_issuer, scope) lists and that are
 * still valid at `at` (notAfter at or after it): what a new CRL of that
 * scope covers, or may have dropped too early. */
int cg_store_crl_covered(cg_store *s, const uint8_t *crl_issuer, size_t crl_issuer_len,
                         const uint8_t *scope, size_t scope_len, const uint8_t *cert_issuer,
                         size_t cert_issuer_len, int64_t at, cg_store_object_fn fn, void *arg);
/* One certificate or precertificate for each distinct CRL distribution
 * points value among those with these issuer Name bytes that are valid at
 * `at`: the first stored of each. What a CRL's checks against the
 * certificates it covers (issuer Name encoding, IDP URIs) need to see,
 * without reading every certificate of a CA. */
int cg_store_cert_samples(cg_store *s, const uint8_t *issuer, size_t issuer_len, int64_t at,
                          cg_store_object_fn fn, void *arg);
/* Whether a certificate or precertificate with these issuer Name bytes and
 * CRL distribution points value (empty for none) is stored. */
int cg_store_cert_variant_exists(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                                 const uint8_t *crldp, size_t crldp_len, int *found);
/* The latest CRL (by thisUpdate, then as stored) of each scope of the CRLs
 * with these issuer Name bytes. */
int cg_store_latest_crls(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                         cg_store_object_fn fn, void *arg);
/* Each distinct issuer Name encoding of the stored certificates and
 * precertificates (crl_issuers 0) or of the stored CRLs (1). */
typedef int (*cg_store_bytes_fn)(void *arg, const uint8_t *p, size_t n);
int cg_store_issuer_names(cg_store *s, int crl_issuers, cg_store_bytes_fn fn, void *arg);
int cg_store_count_objects(cg_store *s, int64_t *count);

/* ---- CRL entries ---- */

typedef struct cg_store_crl_entry {
    const uint8_t *serial; /* INTEGER contents */
    size_t serial_len;
    int64_t revocation_date;
    int reason; /* CRL reasonCode, -1 when the entry has none */
} cg_store_crl_entry;

/* Records the entries of the CRL crl_sha256 (stored already), seen at
 * seen_at. An entry is keyed by the CRL's issuer Name bytes, its scope (the
 * IDP extnValue, empty for none) and the serial; it keeps the seen-at, date,
 * reason and CRL of the earliest sighting. */
int cg_store_put_crl_entries(cg_store *s, const uint8_t crl_sha256[32], const uint8_t *issuer,
                             size_t issuer_len, const uint8_t *scope, size_t scope_len,
                             const cg_store_crl_entry *entries, size_t n, int64_t seen_at);

typedef struct cg_store_revocation {
    int64_t revocation_date;
    int reason;         /* -1 when the entry has none */
    int64_t first_seen; /* the seen-at of the first CRL that listed it */
    uint8_t crl_sha256[32];
} cg_store_revocation;

/* The earliest sighting of (issuer, serial) on any stored CRL of that
 * issuer (any scope). */
int cg_store_revocation_lookup(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_revocation *out,
                               int *found);

/* ---- findings ---- */

typedef struct cg_store_finding {
    int64_t id;
    const char *rule; /* the rule ID, e.g. "ct.pair.tbs_mismatch" */
    cg_severity severity;
    int has_object;
    uint8_t object[32];
    int64_t incident; /* 0 when none */
    const char *message;
    const char *extra; /* a JSON object of the finding's extra fields, or NULL */
    int has_log; /* a finding about a CT log (ct.log.*), not an object */
    uint8_t log_id[32];
    /* with has_log: what about the log (an entry index, a tree head size),
     * part of the deduplication key; may be NULL. With no object, incident
     * or log: the URL of the published document (a CP or CPS) the finding
     * is about, its deduplication key with the rule; listed as its file. */
    const char *subject;
    int64_t first_seen, last_seen;
    int resolved;
    int64_t resolved_at;
    /* Listing only: the object as first ingested (kind CG_KIND_INCIDENT
     * for a finding on an incident with no object, CG_KIND_INPUT when
     * neither). */
    cg_kind kind;
    const char *file;
    int64_t index;
    const uint8_t *issuer;
    size_t issuer_len;
    const uint8_t *serial;
    size_t serial_len;
    const char *log_url; /* with has_log: the log's URL in log_state, or NULL */
} cg_store_finding;

/* Stores a finding seen at `seen`, deduplicated by (rule, object,
 * incident), for a log finding by (rule, log, subject), for a document's by
 * (rule, subject): a new one gets first_seen = last_seen = seen (*is_new 1). A
 * repeat seen at or after last_seen takes the new message and extra (the
 * latest sighting describes it best: "30 hours late" becomes "revoked 1114
 * hours late") and moves last_seen to seen; a resolved finding seen again
 * at or after its resolution is open again, and counts as new (*is_new 1:
 * it is news once more). A repeat seen before last_seen changes nothing
 * (*is_new 0). *id gets the finding's ID. Out pointers may be NULL. */
int cg_store_put_finding(cg_store *s, const cg_store_finding *f, int64_t seen, int *is_new,
                         int64_t *id);
/* Marks a finding resolved at `at` (no effect when it is resolved already). */
int cg_store_resolve_finding(cg_store *s, int64_t id, int64_t at);
/* Resolves at `at` every open finding of rule (NULL: of any rule) that
 * belongs to incident,
 * but those keep (may be NULL: none) says to keep: the ones an incident's
 * new judgement no longer made. */
int cg_store_resolve_incident_rest(cg_store *s, const char *rule, int64_t incident,
                                   int (*keep)(void *arg, int64_t id), void *arg, int64_t at);
/* Resolves at `at` the open finding of rule on object that belongs to no
 * incident, if there is one (*resolved, may be NULL, says). */
int cg_store_resolve_open(cg_store *s, const char *rule, const uint8_t object[32], int64_t at,
                          int *resolved);
/* The same for the open finding of rule about the document at url. */
int cg_store_resolve_document(cg_store *s, const char *rule, const char *url, int64_t at,
                              int *resolved);

typedef struct cg_store_finding_filter {
    const char *rule; /* NULL: every rule */
    int has_since;
    int64_t since; /* first seen at or after */
    int open_only;
    int64_t incident; /* > 0: only this incident's findings */
    int64_t id;       /* > 0: only the finding with this ID */
    const int64_t *ids; /* n_ids > 0: only the findings with these IDs */
    size_t n_ids;
    int has_object;
    uint8_t object[32];
} cg_store_finding_filter;

typedef int (*cg_store_finding_fn)(void *arg, const cg_store_finding *f);
/* The findings that pass filter (NULL: all), grouped by object in the
 * order the objects were first seen, then by ID. */
int cg_store_findings(cg_store *s, const cg_store_finding_filter *filter, cg_store_finding_fn fn,
                      void *arg);

/* ---- the outbox: side effects of new findings (outbox.c) ----
 *
 * Every side effect a monitor owes a new finding (printing it, its
 * incident draft, each alert channel) is a row of the outbox, written in
 * the transaction that stores the finding and marked done once delivered
 * (docs/monitor.md, "Delivery"). A store handle writes rows only for the
 * channels set on it with cg_store_set_outbox; nothing else does (caguard
 * ingest writes none). Every row of one finding's occurrence carries the
 * same alert ID, the receivers' idempotency key. */

/* A delivery channel: its name ("print", "incident", "hook:PATH",
 * "hooks_dir", "jsonl", "mail") and the least severe finding it takes
 * (CG_SEV_NOTICE: all). */
typedef struct cg_store_outbox_channel {
    const char *name;
    cg_severity min_severity;
} cg_store_outbox_channel;

/* From now on, every finding this handle stores as new gets one row per
 * channel it is severe enough for, in the same transaction (n = 0: none).
 * The names are copied. */
int cg_store_set_outbox(cg_store *s, const cg_store_outbox_channel *ch, size_t n);

/* The alert ID of an occurrence of a finding: 32 lowercase hex digits
 * from its deduplication key and the time it became new. */
#define CG_ALERT_ID_LEN 32

typedef struct cg_store_outbox_row {
    int64_t id;
    char alert_id[CG_ALERT_ID_LEN + 1];
    int64_t finding_id;
    char *channel;
    int64_t attempts; /* failed deliveries so far */
    int64_t created_at;
} cg_store_outbox_row;

/* Claims (leases to owner until lease_until) at most max rows that are
 * due: not done, next attempt at or before now, not leased or the lease
 * expired; an alert channel only once the incident row of its alert is
 * done. Several monitors on one store never claim the same row at once.
 * *rows (malloc'd, in row order, NULL when none; free with
 * cg_store_outbox_rows_free) and
 * *n get them. */
int cg_store_outbox_claim(cg_store *s, const char *owner, int64_t now, int64_t lease_until,
                          size_t max, cg_store_outbox_row **rows, size_t *n);
void cg_store_outbox_rows_free(cg_store_outbox_row *rows, size_t n);
/* A row for another channel of the same alert (a hooks directory's row
 * becomes one row per hook it holds). */
int cg_store_outbox_add_channel(cg_store *s, const cg_store_outbox_row *of, const char *channel,
                                int64_t now);
/* Delivered: done at `at`; for an incident row, the incident the finding
 * went to (0: none) and whether it was opened for it. */
int cg_store_outbox_done(cg_store *s, int64_t id, int64_t at, int64_t incident, int opened);
/* The n rows ids (no incident rows) delivered at `at`, in one statement. */
int cg_store_outbox_done_ids(cg_store *s, const int64_t *ids, size_t n, int64_t at);
/* Not delivered: tried again at next_at; why is kept (the last error);
 * count: it counts as a failed attempt (0: put back, e.g. a channel this
 * monitor does not have). */
int cg_store_outbox_retry(cg_store *s, int64_t id, int64_t next_at, const char *why, int count);
/* owner's leases run to lease_until (rows queued and not yet delivered). */
int cg_store_outbox_renew(cg_store *s, const char *owner, int64_t lease_until);
/* Every lease given up and every pending row due now: a monitor that is
 * the store's only one takes over what a killed one had claimed, and
 * tries again at once what failed before it started. */
int cg_store_outbox_release_all(cg_store *s);
/* The incident row of alert_id, once done: *incident (0: none) and
 * *opened; *found 0 when it has no such done row. */
int cg_store_outbox_incident(cg_store *s, const char *alert_id, int64_t *incident, int *opened,
                             int *found);

typedef struct cg_store_outbox_counts {
    int64_t pending;        /* not delivered yet */
    int64_t failing;        /* ... of which at least one attempt failed */
    int64_t delivered;      /* done */
    int64_t oldest_pending; /* created_at of the oldest pending row; 0: none */
    int64_t next_attempt;   /* the earliest next attempt of a failing row; 0: none */
    char last_error[512];   /* the newest failing row's channel and error; "" when none */
} cg_store_outbox_counts;

int cg_store_outbox_counts_get(cg_store *s, cg_store_outbox_counts *c);

/* ---- CT logs followed by the monitor ---- */

/* A log's state, keyed by its log ID. position: entries processed (every
 * one before it is in the store with its findings); frontier: the encoded
 * Merkle right edge at position (ct/merkle.h); the last tree head verified
 * (its signature, and that the frontier is consistent with it); the last
 * successful contact and, while it fails, the first failure since then (0:
 * none). */
typedef struct cg_store_log_state {
    uint8_t log_id[32];
    const char *url;
    uint64_t position;
    const uint8_t *frontier;
    size_t frontier_len;
    int has_sth;
    uint64_t sth_size;
    uint64_t sth_timestamp; /* milliseconds */
    uint8_t sth_root[32];
    const uint8_t *sth_signature; /* the DigitallySigned tree_head_signature bytes */
    size_t sth_signature_len;
    int64_t last_contact;
    int64_t failing_since;
    int64_t updated_at;
} cg_store_log_state;

/* Creates or replaces the state of st->log_id. */
int cg_store_log_state_put(cg_store *s, const cg_store_log_state *st);
typedef int (*cg_store_log_state_fn)(void *arg, const cg_store_log_state *st);
/* The state of one log (*found 0 when none; fn not called). */
int cg_store_log_state_get(cg_store *s, const uint8_t log_id[32], cg_store_log_state_fn fn,
                           void *arg, int *found);
/* Every log's state, by URL. */
int cg_store_log_states(cg_store *s, cg_store_log_state_fn fn, void *arg);

/* ---- monitors sharing the work: ranges of log entries (log_ranges) ----
 *
 * Several monitors on one store split each log into ranges [start, stop)
 * and lease them; docs/store.md, "Monitors sharing the work". Times are
 * seconds since the epoch of the caller's clock. */

/* Cuts [from, size) into ranges at multiples of `range`, from = the end of
 * the last planned range, or the log's position when that is further; the
 * last range (stop = size) carries root, the tree head's. Ranges planned
 * already are kept (ON CONFLICT DO NOTHING); the log's log_state row is
 * locked while planning, so two planners never cut one stretch twice. The
 * log must have its log_state row. start_edge (optional; an encoded right
 * edge, cg_merkle_frontier_encode): where a log that has neither a prefix
 * (position 0) nor ranges starts (a monitor starting at a log's end); it
 * becomes the log's position and right edge. *planned (optional): ranges
 * added. */
int cg_store_log_ranges_plan(cg_store *s, const uint8_t log_id[32], uint64_t size,
                             const uint8_t root[32], uint64_t range, const uint8_t *start_edge,
                             size_t start_edge_len, uint64_t *planned);

typedef struct cg_store_log_lease {
    uint64_t start, stop;
    int64_t token; /* the claim's: renew and done need it */
} cg_store_log_lease;

/* Claims the lowest range of the log that is not done and not leased (or
 * whose lease has expired: lease_until < now) for owner until
 * now + lease_seconds. *found 0 when there is none. On PostgreSQL the
 * candidate row is taken FOR UPDATE SKIP LOCKED: concurrent claimers get
 * different ranges. Commits on its own (not inside cg_store_begin). */
int cg_store_log_range_claim(cg_store *s, const uint8_t log_id[32], const char *owner,
                             int64_t now, int lease_seconds, cg_store_log_lease *out, int *found);
/* Extends the lease to until; *lost 1 (nothing changed) when the range is
 * done or claimed again since (the token moved on). */
int cg_store_log_range_renew(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                             int64_t until, int *lost);
/* Gives a leased range back undone (a worker that stops). */
int cg_store_log_range_release(cg_store *s, const uint8_t log_id[32],
                               const cg_store_log_lease *l);
/* Cuts the leased range short at entry at (start < at < stop), in the
 * caller's transaction: [at, stop) becomes a range of its own, pending and
 * unleased (with the tree head root, if the range had it), and the lease
 * keeps [start, at), to be marked done. *lost 1 (nothing changed) when
 * the token no longer matches; the caller must roll back. Committed with
 * the done range or not at all, no entry is in two ranges or none. */
int cg_store_log_range_cut(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                           uint64_t at, int *lost);
/* Marks the range done by owner with its compact range (edge: the hashes
 * of cg_merkle_compact, left to right), in the caller's transaction. *lost
 * 1 when the token no longer matches (the lease expired and the range was
 * claimed again): nothing changed, and the caller must roll back. */
int cg_store_log_range_done(cg_store *s, const uint8_t log_id[32], const cg_store_log_lease *l,
                            const char *owner, const uint8_t *edge, size_t edge_len,
                            int64_t now, int *lost);

typedef struct cg_store_log_fold {
    uint64_t from, position; /* the verified prefix before and after */
    int mismatch;            /* a range's tree head root did not match */
    uint64_t mismatch_size;  /* ... that tree head's size */
    char why[160];
} cg_store_log_fold;

/* Advances the log's verified prefix (log_state position and right edge)
 * over the done ranges that follow it, in order, appending each one's
 * compact range; when it reaches a range that ends at a tree head, the
 * right edge's root must be that head's root: otherwise out->mismatch, and
 * the prefix stops before that range. The log_state row is locked (FOR
 * UPDATE) for the caller's transaction. A stored compact range of the
 * wrong length fails. */
int cg_store_log_ranges_fold(cg_store *s, const uint8_t log_id[32], int64_t now,
                             cg_store_log_fold *out);

typedef struct cg_store_log_range_counts {
    uint64_t ranges, done, leased, pending; /* leased: a lease not expired at now */
    uint64_t entries, entries_done;
    uint64_t planned_to; /* the end of the last range (0: none) */
} cg_store_log_range_counts;

/* How the log's ranges stand at now (all zero when it has none). */
int cg_store_log_range_counts_get(cg_store *s, const uint8_t log_id[32], int64_t now,
                                  cg_store_log_range_counts *out);

/* Stores the log's tree head and contact times for a shared monitor:
 * creates the row (position 0, empty right edge) when there is none, else
 * leaves position and right edge alone (the fold moves them) and takes the
 * tree head only when it is larger than the stored one. */
int cg_store_log_head_put(cg_store *s, const cg_store_log_state *st);

/* ---- incidents (src/incident/incident.h) ---- */

/* Stores inc (kind, title, source, reported_at, next_update_at, and its
 * certs and events, if any) as a new incident; sets inc->id and the
 * events' ids. */
int cg_store_incident_create(cg_store *s, cg_incident *inc);
/* Fills *out (owned by the caller: cg_incident_clear) with the incident,
 * its events in time order and its certificates in the order they were
 * added, exactly as stored. */
int cg_store_incident_get(cg_store *s, int64_t id, cg_incident *out, int *found);
/* The IDs of every incident, in order: *ids (the caller frees it) gets *n. */
int cg_store_incident_ids(cg_store *s, int64_t **ids, size_t *n);
/* Every incident by ID, with its events and certificates. */
typedef int (*cg_store_incident_fn)(void *arg, const cg_incident *inc);
int cg_store_incident_list(cg_store *s, cg_store_incident_fn fn, void *arg);
/* Adds a certificate to an incident; one that is there already (same
 * SHA-256) is replaced (*is_new 0). */
int cg_store_incident_add_cert(cg_store *s, int64_t incident, const cg_incident_cert *cert,
                               int *is_new);
/* Adds an event; sets ev->id. */
int cg_store_incident_add_event(cg_store *s, int64_t incident, cg_incident_event *ev);
int cg_store_incident_set_next_update(cg_store *s, int64_t incident, int64_t at);
/* Fills the revocation fields of each certificate of inc from the stored
 * CRL entries (by the stored object's issuer Name bytes and serial): the
 * earliest sighting wins; certificates not seen on a CRL, or not stored as
 * objects, are left as they are. Also sets each stored certificate's types
 * (CG_CERT_TYPE_*, read from its DER) when not set. */
int cg_store_incident_observe_revocations(cg_store *s, cg_incident *inc);

/* Replaces the incident's defect rules (its scope) with rules (public rule
 * IDs, each known). */
int cg_store_incident_set_rules(cg_store *s, int64_t incident, const char *const *rules,
                                size_t n);

/* A certificate or precertificate with the incident's defect that is in no
 * incident: an open finding of one of the incident's rules, on an object of
 * an issuing CA (issuer Name bytes) of the incident's certificates, not
 * listed in any incident, nor sharing issuer and serial with one of this
 * incident's. */
typedef struct cg_store_scope_gap {
    uint8_t sha256[32];
    cg_kind kind; /* CG_KIND_CERT or CG_KIND_PRECERT */
    uint8_t serial[64]; /* serialNumber INTEGER contents (at most 64 bytes kept) */
    size_t serial_len;
    char serial_hex[2 * 64 + 1];
    const char *rule; /* the rule ID (one of inc->rules) */
} cg_store_scope_gap;

typedef int (*cg_store_scope_fn)(void *arg, const cg_store_scope_gap *gap);
/* Each gap of inc once (the first of its rules), in the order the objects
 * were stored; fn returns 0 to stop. */
int cg_store_incident_scope_gaps(cg_store *s, const cg_incident *inc, cg_store_scope_fn fn,
                                 void *arg);
/* The judgement on them, the one `incident status` and the monitor make:
 * one incident.scope_incomplete finding per gap (of kind certificate or
 * precertificate, carrying inc->id, naming the object and the command that
 * adds it) to ctx. 1, or 0 on a store error. */
int cg_store_incident_scope_check(cg_store *s, const cg_incident *inc, cg_ctx *ctx);

/* ---- an incident's Bugzilla bug (bugs.c) ---- */

/* The bug an incident is followed on, and what its last sync saw. */
typedef struct cg_store_bug {
    int64_t incident;
    char *url;         /* owned: the bug's URL as linked */
    int64_t bug_id;
    char *ca_accounts; /* owned: the CA's accounts, comma-separated ("" when none) */
    char *whiteboard;  /* owned: the Whiteboard at the last sync, NULL before one */
    int64_t synced_at; /* 0: never */
} cg_store_bug;

void cg_store_bug_clear(cg_store_bug *b);
/* Links (or relinks) incident to a bug; the comments already taken in
 * stay. */
int cg_store_bug_link(cg_store *s, int64_t incident, const char *url, int64_t bug_id,
                      const char *ca_accounts);
/* The incident's bug; *found 0 when it has none. */
int cg_store_bug_get(cg_store *s, int64_t incident, cg_store_bug *out, int *found);
/* Every linked bug, by incident, read whole (the caller may write to the
 * store as it goes through them): *bugs (owned, cg_store_bugs_free) of *n;
 * on failure NULL and 0. */
int cg_store_bugs(cg_store *s, cg_store_bug **bugs, size_t *n);
void cg_store_bugs_free(cg_store_bug *bugs, size_t n);
/* Takes in one comment of the incident's bug as the event ev (sets ev->id),
 * once per comment ID: a comment taken in already gives *is_new 0 and
 * stores nothing. */
int cg_store_bug_comment(cg_store *s, int64_t incident, int64_t comment_id, int64_t count,
                         cg_incident_event *ev, int *is_new);
/* Records a sync: the Whiteboard it saw and when. */
int cg_store_bug_synced(cg_store *s, int64_t incident, const char *whiteboard, int64_t at);

/* ---- CP and CPS documents (policies.c) ---- */

/* Records a version (d->id set). */
int cg_store_pdoc_add(cg_store *s, cg_pdoc *d);
/* Every version recorded, by kind, then effective date, then as added:
 * *docs (cg_pdoc_clear each, then free) gets *n. */
int cg_store_pdoc_list(cg_store *s, cg_pdoc **docs, size_t *n);

/* What the monitor's last fetches of a document URL saw. */
typedef struct cg_store_pdoc_fetch {
    int has_sha256;
    uint8_t sha256[32];     /* of the bytes last served */
    int64_t baseline_doc;   /* the version (cg_pdoc id) those bytes were taken as */
    int64_t fetched_at;     /* last success, 0: never */
    int64_t failing_since;  /* 0: the last fetch did not fail */
} cg_store_pdoc_fetch;

int cg_store_pdoc_fetch_get(cg_store *s, const char *url, cg_store_pdoc_fetch *out, int *found);
int cg_store_pdoc_fetch_put(cg_store *s, const char *url, const cg_store_pdoc_fetch *f);

/* ---- CRL sources (the monitor's CRL watcher) ---- */

#define CG_STORE_URL_MAX 2048

/* A CRL URL, or a CCADB partitioned-CRL list URL (is_list), that the
 * monitor fetches, and what its last fetch said. Strings are "" when
 * unknown; times are 0 when never. */
typedef struct cg_store_crl_source {
    char url[CG_STORE_URL_MAX];
    int is_list;
    int has_issuer;
    uint8_t issuer[32]; /* SHA-256 of the watched CA certificate */
    char issuer_label[256];
    char origin[16];      /* "config", "list" (from a partitioned list), "crldp" */
    char etag[512];       /* validators of the last 200 or 304 answer */
    char last_modified[128];
    int64_t last_fetch;   /* when it was last fetched (any outcome) */
    int64_t last_change;  /* when a fetch last got a body that differed */
    long http_code;       /* of the last fetch, 0 when there was no answer */
    char status[512];     /* the last fetch's outcome in words */
    int has_body;
    uint8_t body_sha256[32]; /* of the last body fetched */
    int has_crl;
    uint8_t crl_sha256[32]; /* the CRL it held (the stored object) */
    int64_t this_update, next_update; /* of that CRL; next_update 0 when absent */
    int64_t entries;                  /* its revokedCertificates count */
    int64_t failures;                 /* consecutive failed fetches */
    int64_t failing_since;            /* the first of them (0: the last fetch did not fail) */
} cg_store_crl_source;

/* Stores src under its URL, replacing what was stored for that URL. */
int cg_store_crl_source_put(cg_store *s, const cg_store_crl_source *src);
/* The source with that URL into *out (*found 0 when there is none). */
int cg_store_crl_source_get(cg_store *s, const char *url, cg_store_crl_source *out, int *found);
/* Every source, by URL. */
typedef int (*cg_store_crl_source_fn)(void *arg, const cg_store_crl_source *src);
int cg_store_crl_sources(cg_store *s, cg_store_crl_source_fn fn, void *arg);

/* ---- CT log lists (the monitor's [loglist]) ---- */

/* The last log list loaded from a source (a file name or URL, as
 * configured): its bytes as fetched, their SHA-256 and the fetch time. */
typedef struct cg_store_loglist_snapshot {
    const char *source;
    const uint8_t *data;
    size_t len;
    uint8_t sha256[32];
    int64_t fetched_at;
} cg_store_loglist_snapshot;

/* Stores snap as the last list of its source, replacing the one before. */
int cg_store_loglist_snapshot_put(cg_store *s, const cg_store_loglist_snapshot *snap);
/* The last list of source to fn (borrowed for the call); *found 0 and fn
 * not called when there is none. */
typedef int (*cg_store_loglist_snapshot_fn)(void *arg, const cg_store_loglist_snapshot *snap);
int cg_store_loglist_snapshot_get(cg_store *s, const char *source,
                                  cg_store_loglist_snapshot_fn fn, void *arg, int *found);
/* ---- summaries (caguard report) ---- */

/* Every stored object of one kind, in the order stored. */
int cg_store_objects_by_kind(cg_store *s, cg_kind kind, cg_store_object_fn fn, void *arg);

/* The number of stored objects of each issuer Name encoding and kind, the
 * rows of one issuer together (issuer NULL for objects without one). */
typedef int (*cg_store_object_count_fn)(void *arg, const uint8_t *issuer, size_t issuer_len,
                                        cg_kind kind, int64_t count);
int cg_store_object_counts(cg_store *s, cg_store_object_count_fn fn, void *arg);

/* The number of open findings of each issuer Name encoding (of the object
 * they are about) and severity, the rows of one issuer together. issuer is
 * NULL for findings about no object (an incident as a whole) or about an
 * object without one. */
typedef int (*cg_store_finding_count_fn)(void *arg, const uint8_t *issuer, size_t issuer_len,
                                         cg_severity severity, int64_t count);
int cg_store_open_finding_counts(cg_store *s, cg_store_finding_count_fn fn, void *arg);

/* The earliest and the latest first_seen of the stored findings, open or
 * resolved; *found 0 when there is none. */
int cg_store_finding_span(cg_store *s, int64_t *first, int64_t *last, int *found);

/* The findings, open or resolved, counted by rule and by the bucket their
 * first_seen falls in: bucket b holds origin + b * width <= first_seen <
 * origin + (b + 1) * width (width > 0); findings before origin are left
 * out. Ordered by rule, then bucket; empty buckets have no row. */
typedef int (*cg_store_rule_bucket_fn)(void *arg, const char *rule, int64_t bucket,
                                       int64_t count);
int cg_store_finding_histogram(cg_store *s, int64_t origin, int64_t width,
                               cg_store_rule_bucket_fn fn, void *arg);

/* ---- the issuance gate (gate.c; caguard serve's /v1/gate) ---- */

/* The precertificate recorded for an issuer and serial. */
typedef struct cg_gate_precert {
    int64_t id;
    uint8_t sha256[32];  /* of the object as submitted (a TBS: of it wrapped) */
    uint8_t tbs_key[32]; /* SHA-256 of its TBS without poison and SCT list */
    uint8_t *der;        /* owned */
    size_t len;
    int64_t recorded_at;
} cg_gate_precert;

void cg_gate_precert_clear(cg_gate_precert *p);

/* Records pc (der, sha256, tbs_key, recorded_at) for (issuer, serial) when
 * no precertificate is recorded for them: the table's unique key decides
 * between gates racing on one store. *out gets the recorded one (pc's own
 * when *inserted). Returns 1, or 0 with the error recorded. */
int cg_store_gate_record_precert(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                                 const cg_gate_precert *pc, const char *request_id,
                                 cg_gate_precert *out, int *inserted);
/* The recorded precertificate of (issuer, serial): *found 0 when none. */
int cg_store_gate_precert(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                          cg_gate_precert *out, int *found);
/* Each final certificate the gate allowed for (issuer, serial) before: fn
 * gets its DER (borrowed for the call). */
int cg_store_gate_allowed(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                          void (*fn)(void *arg, const uint8_t *der, size_t len), void *arg);

typedef struct cg_gate_decision {
    const char *kind; /* "precert" or "cert" */
    cg_cbs issuer, serial;
    uint8_t sha256[32];
    const uint8_t *der; /* a final certificate allowed: kept; else NULL */
    size_t len;
    int allowed;
    int status;        /* the HTTP status answered */
    const char *rules; /* the findings' rule IDs, a JSON array */
    int64_t at;
    const char *request_id;
} cg_gate_decision;

/* Records a decision; *id its row. */
int cg_store_gate_decide(cg_store *s, const cg_gate_decision *d, int64_t *id);

/* ---- verify (verify.c; caguard store verify) ---- */

/* A stored row whose bytes no longer hash to the SHA-256 it is kept under
 * (object_keys: whose key is not its object's). Borrowed for the call. */
typedef struct cg_store_mismatch {
    const char *table;  /* objects, object_keys, gate_precerts, gate_decisions,
                           loglist_snapshots */
    int64_t id;         /* its row ID; 0 for loglist_snapshots */
    const char *kind;   /* objects, object_keys: the object's kind; else NULL */
    const char *name;   /* objects, object_keys: the file it came from;
                           loglist_snapshots: the list's source; else NULL */
    int64_t idx;        /* objects, object_keys: its index in that file */
    uint8_t stored[32]; /* the key it is kept under */
    uint8_t actual[32]; /* what its bytes hash to (object_keys: the object's key) */
} cg_store_mismatch;

typedef struct cg_store_verify_counts {
    uint64_t checked;    /* rows re-hashed or compared */
    uint64_t mismatched; /* ... that did not match */
} cg_store_verify_counts;

/* Returns 1 to go on, 0 to stop. */
typedef int (*cg_store_mismatch_fn)(void *arg, const cg_store_mismatch *m);

/* Re-hashes every stored object, gate record and log list snapshot and
 * hands each one that does not match its key to fn, reading in pages
 * (bounded memory). Returns 1 (mismatches or not: see counts), or 0 with
 * the error recorded when the store cannot be read. */
int cg_store_verify(cg_store *s, cg_store_mismatch_fn fn, void *arg,
                    cg_store_verify_counts *counts);

#endif
