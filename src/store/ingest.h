/* Ingest: objects into the store, checked against what the store holds.
 *
 * Each file is one transaction. Its objects (and CRL entries) are stored,
 * then the checker (rules/checker.h) runs over the stored objects related
 * to them and the file itself: the stored certificates and precertificates
 * of the same issuer and serial (across a Precertificate Signing CA), every
 * stored CA certificate, and for each CRL the stored CRLs of the same issuer
 * and scope just before and after it. Each related object is served to the
 * checker from the store as a file of its own, named "store", ahead of the
 * new file, so a finding that names the first of several objects names the
 * stored one. Findings go to the store, deduplicated; the single-object
 * findings of related objects are dropped (they were stored when those were
 * ingested). After the commit the new findings go to the caller's sink, so
 * what is printed is what is stored. A process killed mid-ingest leaves the
 * files before the current one stored, checked and their findings recorded,
 * and nothing of the current one. docs/store.md has the details. */
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
/* A file that could not be read: an input.malformed finding to the sink. */
void cg_ingest_unreadable(cg_ingest *ing, const char *name, const char *why);

const cg_ingest_stats *cg_ingest_get0_stats(const cg_ingest *ing);

#endif
