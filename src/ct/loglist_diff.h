/* What changed between two CT log lists (ct/loglist.h): the comparison
 * behind ct.loglist.changed, when a monitor reloads the list it follows.
 * Pure: no I/O, no findings; the caller reports and acts on the changes.
 *
 * Logs are matched by log ID. A log of the old list and one of the new
 * list that have different IDs but the same URL are one log whose key
 * changed (its ID is the key's hash). For a matched log, these are
 * compared: its URL (a tiled log's monitoring URL too), key, state,
 * temporal interval and operator. The state's timestamp alone, the
 * description, the MMD and the final tree head are not changes here.
 *
 * Ownership: a cg_loglist_diff owns its messages; its cg_log pointers are
 * borrowed from the two lists, which must outlive it. */
#ifndef CAGUARD_CT_LOGLIST_DIFF_H
#define CAGUARD_CT_LOGLIST_DIFF_H

#include <stddef.h>

#include "ct/loglist.h"

typedef enum {
    CG_LOGLIST_ADDED,   /* in the new list only */
    CG_LOGLIST_REMOVED, /* in the old list only */
    CG_LOGLIST_CHANGED  /* in both, some field differs */
} cg_loglist_change_kind;

/* Fields of a CG_LOGLIST_CHANGED change. */
#define CG_LOGLIST_F_URL 0x01u
#define CG_LOGLIST_F_KEY 0x02u /* the log ID changes with it, unless the list states the old one */
#define CG_LOGLIST_F_STATE 0x04u
#define CG_LOGLIST_F_INTERVAL 0x08u
#define CG_LOGLIST_F_OPERATOR 0x10u

typedef struct cg_loglist_change {
    cg_loglist_change_kind kind;
    unsigned fields;       /* CG_LOGLIST_F_*; 0 unless CHANGED */
    const cg_log *old_log; /* NULL when added */
    const cg_log *new_log; /* NULL when removed */
    /* One line saying what changed, from what to what, e.g.
     * "log 'Argon 2025h1' (ID 8Zqn…=): URL changed from https://a/ to
     * https://b/; state changed from usable to retired (2025-03-01T00:00:00Z)" */
    char *message;
} cg_loglist_change;

typedef struct cg_loglist_diff {
    cg_loglist_change *v; /* changed and added logs in the new list's order, then
                             removed ones in the old list's order */
    size_t n;
} cg_loglist_diff;

/* Compares old with new into *out (emptied first). Either list may be
 * NULL or empty: every log of the other is then added or removed. Returns
 * 1, or 0 when out of memory (*out is then empty). */
int cg_loglist_diff_compute(const cg_loglist *old_list, const cg_loglist *new_list,
                            cg_loglist_diff *out);
void cg_loglist_diff_clear(cg_loglist_diff *d);

/* The log a change is about, for following it: the new log when there is
 * one, else the old. */
const cg_log *cg_loglist_change_log(const cg_loglist_change *c);

#endif
