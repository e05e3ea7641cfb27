/* A prepared check context: the log lists and CA certificates that a
 * process checks every object against, read once and shared by every
 * thread, and a pool of the caches a run needs (decoded CA keys, the SCT
 * verifier with the log keys decoded), lent to one run at a time. It is
 * what makes a check of one certificate with Google's full log list cost
 * a fraction of a millisecond instead of the list's parse. The library's
 * caguard_context and caguard serve are built on it.
 *
 * Lifecycle: fill it (log lists, CA certificates), then run checks, from
 * any number of threads at once. It is not changed once the first run has
 * started (an add then fails): a process that reloads builds a new one and
 * swaps it in (caguard serve does so on SIGHUP).
 *
 * Ownership: it owns the parsed lists, copies of the CA certificates and
 * the pool; an input is borrowed for the run. */
#ifndef CAGUARD_RULES_PREPARED_H
#define CAGUARD_RULES_PREPARED_H

#include <stddef.h>
#include <stdint.h>

#include "rules/engine.h"
#include "rules/rules.h"

struct cg_loglist;

typedef struct cg_prepared cg_prepared;

cg_prepared *cg_prepared_new(void);
void cg_prepared_free(cg_prepared *p);

/* A Chrome v3 or Apple log list, merged into the context's (the first list
 * that names a log wins). source names it in messages. Returns 1, or 0
 * with "source: where: what" in err. */
int cg_prepared_add_loglist(cg_prepared *p, const uint8_t *json, size_t len, const char *source,
                            char *err, size_t errcap);
/* The shipped or updated log list snapshot (ct/loglist_snapshot.h), its
 * Chrome list verified, merged as cg_prepared_add_loglist merges; *s says
 * which (may be NULL). Returns 1, or 0 with what and where in err (the
 * context may then hold part of the lists: free it). */
struct cg_loglist_snapshot;
int cg_prepared_add_default_loglists(cg_prepared *p, struct cg_loglist_snapshot *s, char *err,
                                     size_t errcap);
/* Every certificate of a PEM (any number of blocks) or DER buffer, each a
 * CA certificate (basicConstraints cA, or a Precertificate Signing
 * Certificate) that decodes. Returns 1 and the number added in *added (may
 * be NULL), or 0 with "name: what" in err and nothing added. */
int cg_prepared_add_cas(cg_prepared *p, const char *name, const uint8_t *data, size_t len,
                        size_t *added, char *err, size_t errcap);

/* The merged log list (NULL when none was added), the logs it holds and
 * the number of CA certificates. */
const struct cg_loglist *cg_prepared_loglist(const cg_prepared *p);
size_t cg_prepared_n_logs(const cg_prepared *p);
size_t cg_prepared_n_cas(const cg_prepared *p);

typedef struct cg_prepared_input {
    const char *name; /* how findings name it (ref.file) */
    const uint8_t *data;
    size_t len;
} cg_prepared_input;

/* Checks the n inputs together (every single-object and cross-object
 * rule) with the context's log list and CA certificates, as `caguard
 * check` checks files given with the CA certificates. Findings go to
 * ctx's sink and counts, except findings about the context's own CA
 * certificates (they are reference material, not what is checked). ctx
 * comes from cg_ctx_init; its loglist, keys and verifier are the
 * context's for the run. res, when not NULL, gets the objects and
 * malformed counts of the inputs. Returns 1, or 0 when memory ran out. */
int cg_prepared_run(cg_prepared *p, cg_ctx *ctx, const cg_prepared_input *in, size_t n,
                    cg_file_result *res);

#endif
