/* Ingest: objects into the store, checked against what the store holds.
 *
 * Each file is one transaction. Its objects (and CRL entries) are stored,
 * then the checker (rules/checker.h) runs over the file and the stored
 * objects related to it, each served from the store as a file of its own
 * named "store":
 *   - every stored CA certificate;
 *   - for a certificate or precertificate: the stored ones of the same
 *     issuer and serial (across Precertificate Signing CAs); when the store
 *     has not seen its issuer encoding and CRL distribution points, the
 *     latest CRLs of its CA that may cover it; when it is a new CA, the
 *     latest CRLs it may have issued; when a stored CRL lists it, that CRL
 *     and the latest of its scope;
 *   - for a CRL: the stored CRLs of its issuer and scope just before, at
 *     and just after its thisUpdate; the stored certificates of its CA that
 *     a CRL of the scope lists and that are still valid; one stored
 *     certificate of its CA for each CRL distribution point.
 * The stored CRLs come before the file (a CRL-order finding goes to the
 * later, new CRL), the other stored objects after it (a duplicate-serial
 * finding goes to the new object). Findings go to the store, deduplicated;
 * the single-object findings of stored objects are dropped (they were
 * recorded when those were ingested), and "could not check" notices the
 * run no longer gives (the CA or log list is there now) are resolved.
 * After the commit the new findings go to the caller's sink, so what is
 * printed is what is stored. A process killed mid-ingest leaves the files
 * before the current one stored with all their findings, and nothing of
 * the current one. docs/store.md has the details. */
#ifndef CAGUARD_STORE_INGEST_H
#define CAGUARD_STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "store/store.h"

struct cg_loglist;

typedef struct cg_ingest_opts {
    int64_t at;      /* evaluation time of the rules; findings are seen at this time */
    int64_t seen_at; /* when the objects were observed: a CRL entry's first_seen */
    const struct cg_loglist *loglist; /* may be NULL */
} cg_ingest_opts;

typedef struct cg_ingest_stats {
    size_t files;           /* files committed */
    size_t objects;         /* objects in them (undecodable ones included) */
    size_t new_objects;     /* ... that the store did not hold */
    size_t malformed;       /* input.malformed: objects or files not decoded */
    size_t new_findings[3]; /* new to the store, by severity */
    size_t repeated;        /* stored already (last_seen moved) */
    size_t unstored;        /* about no object (undecodable input): reported only */
    size_t resolved;        /* "could not check" notices no longer true (the CA or log
                               list they lacked is there now), resolved */
} cg_ingest_stats;

typedef struct cg_ingest cg_ingest;

/* sink gets, after each file's commit, every finding that was new to the
 * store, and the findings that cannot be stored because they are about no
 * object (input that did not decode). The store is borrowed. */
cg_ingest *cg_ingest_new(cg_store *store, const cg_ingest_opts *opts, cg_sink_fn sink,
                         void *sink_arg);
void cg_ingest_free(cg_ingest *ing);

/* Ingests one file's bytes (name as findings give it) in one transaction.
 * Returns 0 when the store failed: nothing of this file is stored and err
 * says why. */
int cg_ingest_file(cg_ingest *ing, const char *name, const uint8_t *data, size_t len, char *err,
                   size_t errcap);
/* Called after each file's commit for every object of it that was stored
 * (new or not), in file order: what a caller that goes on to use the
 * objects (caguard incident open) needs to know of them. */
typedef void (*cg_ingest_object_fn)(void *arg, const uint8_t sha256[32], cg_kind kind,
                                    size_t index, int is_new);
void cg_ingest_set_object_fn(cg_ingest *ing, cg_ingest_object_fn fn, void *arg);
/* Whether the TLS BR certificate profile applies to the files ingested
 * from now on (cg_ctx.br_profile): on by default. */
void cg_ingest_set_br_profile(cg_ingest *ing, int on);

/* A caller's transaction. After cg_store_begin, cg_ingest_join makes the
 * following cg_ingest_file calls write into that transaction instead of
 * one of their own, and holds back their findings and object callbacks.
 * After the caller's cg_store_commit succeeded, cg_ingest_committed hands
 * them on (and the stats count them); after a rollback (or a failed
 * commit), cg_ingest_rolled_back drops them. Either ends the joining. A
 * cg_ingest_file that fails while joined leaves the transaction doomed:
 * roll it back. */
void cg_ingest_join(cg_ingest *ing);
void cg_ingest_committed(cg_ingest *ing);
void cg_ingest_rolled_back(cg_ingest *ing);

/* Sets the evaluation time of the rules and the seen-at of what follows
 * (a long-running monitor moves them forward). */
void cg_ingest_set_times(cg_ingest *ing, int64_t at, int64_t seen_at);

/* The log list of the SCT checks from now on (a reloaded one; borrowed,
 * may be NULL: kept alive by the caller until the next call or
 * cg_ingest_free). 1, or 0 when out of memory (the list before stays). */
int cg_ingest_set_loglist(cg_ingest *ing, const struct cg_loglist *loglist);

/* A file that could not be read: an input.malformed finding to the sink. */
void cg_ingest_unreadable(cg_ingest *ing, const char *name, const char *why);

const cg_ingest_stats *cg_ingest_get0_stats(const cg_ingest *ing);

#endif
