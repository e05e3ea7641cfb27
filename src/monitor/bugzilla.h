/* Following an incident's Bugzilla bug: its two REST answers read over
 * HTTP (GET BASE/rest/bug/N and BASE/rest/bug/N/comment) or from an
 * offline copy (a directory with bug.json and comment.json, the answers as
 * the API gives them), decoded by incident/bugzilla.c, and taken into the
 * store: every comment once as an incident event (a comment by one of the
 * CA's accounts is an update, anyone else's a question the CA owes an
 * answer), the Whiteboard kept and its "Next update" date set as the
 * incident's next-update date. `caguard incident link/sync` and the
 * monitor's periodic task (cg_bz_add_to_monitor) use it. */
#ifndef CAGUARD_MONITOR_BUGZILLA_H
#define CAGUARD_MONITOR_BUGZILLA_H

#include <stddef.h>
#include <stdint.h>

#include "incident/bugzilla.h"
#include "monitor/monitor.h"
#include "store/store.h"

/* Reads bug id from the Bugzilla at base (as cg_bz_parse_url gives it),
 * each answer at most max_body bytes (0: CG_BZ_MAX_BODY), with api_key
 * (NULL: none) sent as Bugzilla's X-BUGZILLA-API-KEY header (private and
 * security bugs). 1, or 0 with err naming the URL and what went wrong
 * (never the key); *b is then untouched. */
int cg_bz_fetch(const char *base, int64_t id, size_t max_body, const char *api_key, cg_bz_bug *b,
                char *err, size_t errcap);

/* A Bugzilla API key from the file at path: its one line, surrounding
 * whitespace dropped, 1 to CG_BZ_API_KEY_MAX letters and digits (Bugzilla
 * makes 40). 1 with key, or 0 with err naming the file and what is wrong
 * with it, never its content. */
#define CG_BZ_API_KEY_MAX 128
int cg_bz_read_api_key(const char *path, char key[CG_BZ_API_KEY_MAX + 1], char *err,
                       size_t errcap);
/* The same from dir/bug.json and dir/comment.json. */
int cg_bz_read_dir(const char *dir, int64_t id, cg_bz_bug *b, char *err, size_t errcap);

typedef struct cg_bz_sync_result {
    size_t n_comments;  /* in the answer */
    size_t n_new;       /* taken in by this sync */
    size_t n_questions; /* of n_new, by anyone but the CA */
    int has_next_update;
    int64_t next_update; /* the Whiteboard's date (end of day, UTC) */
} cg_bz_sync_result;

/* Takes b into the store as incident's bug, in one transaction: new
 * comments as events, the Whiteboard, its "Next update" date, the time of
 * the sync (now). ca_accounts: the CA's accounts, comma-separated (the
 * link's and the configuration's). 1, or 0 with err (nothing stored). */
int cg_bz_sync_store(cg_store *st, int64_t incident, const cg_bz_bug *b, const char *ca_accounts,
                     int64_t now, cg_bz_sync_result *res, char *err, size_t errcap);

/* The CA's accounts of a link plus extra (the configuration's), as one
 * comma-separated list (malloc'd; NULL when out of memory). */
char *cg_bz_accounts_join(const char *linked, const char *const *extra, size_t n_extra);

struct cg_logger;

/* Syncs every linked bug every interval_s seconds as a monitor task, then
 * judges incident.question_unanswered on each linked incident's stored
 * thread (also when its bug could not be read: the 7 days run on): stored
 * with the incident, delivered when new (printed, alerted), resolved once
 * the CA answered;
 * extra: the configuration's CA accounts (copied); api_key: the Bugzilla API
 * key of every request (copied; NULL: none); log (borrowed, may be
 * NULL) gets a line per sync that took something in and per bug that
 * could not be read (tried again at the next interval). The task is freed
 * with the monitor's other tasks' owner: cg_bz_task_free. */
typedef struct cg_bz_task cg_bz_task;
cg_bz_task *cg_bz_add_to_monitor(cg_monitor *m, int interval_s, const char *const *extra,
                                 size_t n_extra, const char *api_key,
                                 const struct cg_logger *log);
void cg_bz_task_free(cg_bz_task *t);

#endif
