/* The CT log lists caguard ships and keeps up to date: a snapshot is a
 * directory holding Chrome's signed v3 list of every log (all_logs_list.json
 * and its detached signature all_logs_list.sig, as Google publishes them)
 * and Apple's list (current_log_list.json). Both lists keep their retired
 * logs, so certificates of past years are still judged against the logs
 * that signed their SCTs.
 *
 * Two places hold one (docs/check.md, "Log lists"):
 *   the state directory, written by `caguard loglist update`, first:
 *     $CAGUARD_STATE_DIR, else $STATE_DIRECTORY (systemd's StateDirectory=),
 *     else /var/lib/caguard for root, else $XDG_STATE_HOME/caguard, else
 *     $HOME/.local/state/caguard; a user other than root also reads
 *     /var/lib/caguard after its own. The snapshot is STATE/loglists.
 *   the data directory, installed with caguard:
 *     $CAGUARD_DATA_DIR, else the install's (CMAKE_INSTALL_FULL_DATADIR/
 *     caguard), else the source tree's data/ (a build tree used before it is
 *     installed, and its tests). The snapshot is DATA/loglists, beside
 *     Google's signing key log_list_pubkey.pem.
 * Chrome's list is always verified under the data directory's key, never
 * one from the state directory.
 *
 * An update replaces STATE/loglists at once: it is a symbolic link to a
 * directory of complete files, swapped by rename(2), so a reader sees the
 * old set or the new one, never half of each. */
#ifndef CAGUARD_CT_LOGLIST_SNAPSHOT_H
#define CAGUARD_CT_LOGLIST_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "ct/loglist.h"

#define CG_SNAPSHOT_CHROME "all_logs_list.json"
#define CG_SNAPSHOT_CHROME_SIG "all_logs_list.sig"
#define CG_SNAPSHOT_APPLE "current_log_list.json"
#define CG_SNAPSHOT_KEY "log_list_pubkey.pem"
/* A snapshot older than this gets a notice (ms). */
#define CG_SNAPSHOT_MAX_AGE_MS (30 * 86400 * INT64_C(1000))
/* The largest list read (a list is about 200 KiB today). */
#define CG_SNAPSHOT_MAX_LIST (16u * 1024 * 1024)

#define CG_SNAPSHOT_PATH_MAX 1024

typedef struct cg_loglist_snapshot {
    char dir[CG_SNAPSHOT_PATH_MAX + 16]; /* the snapshot directory read */
    int updated;                    /* 1: the state directory's; 0: the installed one */
    int64_t timestamp_ms;           /* Chrome's log_list_timestamp; -1 if unknown */
} cg_loglist_snapshot;

/* The state directory `loglist update` writes (the snapshot goes to
 * DIR/loglists). 1, or 0 when none can be named (no HOME). */
int cg_loglist_state_dir(char *buf, size_t cap);
/* The key Chrome's list is verified under: DATA/loglists/log_list_pubkey.pem
 * of the first data directory that has it. 1, or 0 with where it looked. */
int cg_loglist_key_path(char *buf, size_t cap, char *err, size_t errcap);

/* Loads the snapshot in use into ll (state directory first, then the data
 * directory), Chrome's list verified first. 1 with *s filled; 0 with a
 * message naming what and where (nothing found, a signature that does not
 * verify, a list that does not parse): ll is then unchanged. */
int cg_loglist_snapshot_load(cg_loglist *ll, cg_loglist_snapshot *s, char *err, size_t errcap);

/* Verifies a new set (Chrome's list under key, both lists parsed) and
 * makes it the state directory's snapshot at once. apple may be NULL: the
 * new snapshot then has no Apple list. 1, or 0 with a message (the
 * snapshot in use is left as it was). */
int cg_loglist_snapshot_install(const char *state_dir, const uint8_t *chrome, size_t chrome_len,
                                const uint8_t *sig, size_t sig_len, const uint8_t *apple,
                                size_t apple_len, const uint8_t *key, size_t key_len, char *err,
                                size_t errcap);

/* Reads a whole file of at most max bytes: a malloc'd buffer, or NULL with
 * a message naming the file. */
uint8_t *cg_loglist_read_file(const char *path, size_t max, size_t *len, char *err,
                              size_t errcap);

#endif
