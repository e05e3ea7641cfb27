/* Log-list changes: a monitor task that reloads CT log lists (files), and
 * compares each with the last copy the store holds of that source
 * (loglist_snapshots): ct.loglist.changed, stored as a finding about the
 * log, for each log whose URL, key, state, temporal interval or operator
 * changed, or that was added or removed (ct/loglist_diff.h). The monitor
 * follows the change: a log it follows whose URL moved is followed at the
 * new URL (same log ID, same position); one that was removed, retired or
 * rejected is finished to its last verified tree head and dropped; with
 * cg_loglist_watch_set_follow, a log that is newly usable (or qualified or
 * readonly) in the list is followed from then on.
 *
 * The first load of a source only stores it (there is nothing to compare
 * with). A list whose signature does not verify gives
 * ct.loglist.signature_invalid and is not used: the stored copy stays the
 * one compared with next time. A list that cannot be read or parsed fails
 * the task (the monitor counts it and goes on). */
#ifndef CAGUARD_MONITOR_LOGLISTWATCH_H
#define CAGUARD_MONITOR_LOGLISTWATCH_H

#include <stddef.h>

#include "monitor/monitor.h"

struct cg_loglist;

typedef struct cg_loglist_watch cg_loglist_watch;

/* Adds to m every log of ll that cg_log_followed() selects (qualified,
 * usable, readonly) and m does not follow yet: at its cg_log_monitor_url()
 * (a tiled log as static-ct-api, else RFC 6962), with its key, MMD and
 * description. A log m follows already (a --log or [log] of the same log
 * ID) keeps its own URL, key and MMD. Each log added gets a line through
 * log (may be NULL); *added (may be NULL) counts them. Returns 0 when a log
 * could not be added (reported through log as an error; the others are
 * still added). */
int cg_loglist_follow(cg_monitor *m, const struct cg_loglist *ll,
                      void (*log)(void *arg, int is_error, const char *msg), void *log_arg,
                      size_t *added);

/* key_path: the public key the signatures are verified with (PEM or DER
 * SubjectPublicKeyInfo), or NULL when no list is signed. log gets the
 * watcher's lines (a reload, a followed change, an error); may be NULL. */
cg_loglist_watch *cg_loglist_watch_new(const char *key_path,
                                       void (*log)(void *arg, int is_error, const char *msg),
                                       void *log_arg);
void cg_loglist_watch_free(cg_loglist_watch *w);
/* A list file to watch, and its detached signature file (NULL: none).
 * Both strings are borrowed and must outlive the watcher. */
int cg_loglist_watch_add(cg_loglist_watch *w, const char *path, const char *sig_path);
/* follow != 0: each reload also follows (cg_loglist_follow) every log of
 * the list that is newly qualified, usable or readonly, or newly in it. */
void cg_loglist_watch_set_follow(cg_loglist_watch *w, int follow);
/* Registers the watcher as a monitor task run every interval_s seconds. */
int cg_loglist_watch_attach(cg_loglist_watch *w, cg_monitor *m, int interval_s);
/* One round over every source at time now (what the task runs). Returns 0
 * when a source could not be read, parsed or stored (the others are still
 * done). */
int cg_loglist_watch_run(cg_loglist_watch *w, cg_monitor *m, int64_t now);

#endif
