/* The store's Bugzilla bugs (store.h, "an incident's Bugzilla bug"): the
 * bug each incident is followed on (incident_bugs) and the comments taken
 * in from it (incident_bug_comments), each comment once, as one incident
 * event (incidents.c stores the event).
 *
 * Invariants kept here: a comment ID is taken in at most once per
 * incident, and its event is written in the same write as its row, so a
 * sync that fails half-way (or is killed) stores each comment wholly or
 * not at all and the next sync takes in exactly the ones missing. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

#define BUG_COLS "incident_id, url, bug_id, ca_accounts, whiteboard, synced_at"

const char *const cg_st_sql_bugs[Q_COUNT] = {
    [Q_BUG_LINK] = "INSERT INTO incident_bugs (incident_id, url, bug_id, ca_accounts) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET "
                   "url = excluded.url, bug_id = excluded.bug_id, "
                   "ca_accounts = excluded.ca_accounts",
    [Q_BUG_GET] = "SELECT " BUG_COLS " FROM incident_bugs WHERE incident_id = ?",
    [Q_BUG_LIST] = "SELECT " BUG_COLS " FROM incident_bugs ORDER BY incident_id",
    [Q_BUG_SYNCED] = "UPDATE incident_bugs SET whiteboard = ?, synced_at = ? "
                     "WHERE incident_id = ?",
    [Q_BUG_COMMENT_EXISTS] = "SELECT event_id FROM incident_bug_comments WHERE incident_id = ? "
                             "AND comment_id = ?",
    [Q_BUG_COMMENT_INSERT] = "INSERT INTO incident_bug_comments (incident_id, comment_id, "
                             "count, event_id) VALUES (?, ?, ?, ?)",
};

void cg_store_bug_clear(cg_store_bug *b)
{
    if (b == NULL)
        return;
    free(b->url);
    free(b->ca_accounts);
    free(b->whiteboard);
    memset(b, 0, sizeof(*b));
}

int cg_store_bug_link(cg_store *s, int64_t incident, const char *url, int64_t bug_id,
                      const char *ca_accounts)
{
    int own, ok = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_BUG_LINK);
    if (st == NULL)
        goto out;
    if (!b_int(s, st, 1, incident) || !b_text(s, st, 2, url) || !b_int(s, st, 3, bug_id) ||
        !b_text(s, st, 4, ca_accounts != NULL ? ca_accounts : "")) {
        cg_st_db_fail(s, "linking a Bugzilla bug");
        goto out;
    }
    ok = cg_st_run(s, st, "linking a Bugzilla bug");
out:
    return cg_st_write_end(s, own, ok);
}

static int read_bug(cg_store *s, cg_sql_stmt *st, cg_store_bug *b)
{
    const char *url = c_text(s, st, 1), *acc = c_text(s, st, 3), *wb = c_text(s, st, 4);
    memset(b, 0, sizeof(*b));
    b->incident = c_int(s, st, 0);
    b->bug_id = c_int(s, st, 2);
    b->synced_at = c_int(s, st, 5);
    b->url = strdup(url != NULL ? url : "");
    b->ca_accounts = strdup(acc != NULL ? acc : "");
    b->whiteboard = wb != NULL ? strdup(wb) : NULL;
    if (b->url == NULL || b->ca_accounts == NULL || (wb != NULL && b->whiteboard == NULL)) {
        cg_store_bug_clear(b);
        cg_st_fail(s, "out of memory");
        return 0;
    }
    return 1;
}

int cg_store_bug_get(cg_store *s, int64_t incident, cg_store_bug *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_BUG_GET);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, incident))
        return cg_st_db_fail(s, "reading an incident's bug");
    cg_sql_step r = cg_st_step(s, st, "reading an incident's bug");
    if (r == CG_SQL_ERROR)
        return 0;
    int ok = 1;
    if (r == CG_SQL_ROW) {
        ok = read_bug(s, st, out);
        *found = ok;
    }
    s->drv->reset(st);
    return ok;
}

void cg_store_bugs_free(cg_store_bug *bugs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cg_store_bug_clear(&bugs[i]);
    free(bugs);
}

int cg_store_bugs(cg_store *s, cg_store_bug **bugs, size_t *n)
{
    cg_sql_stmt *st = q(s, Q_BUG_LIST);
    size_t cap = 0;
    cg_sql_step r;
    *bugs = NULL;
    *n = 0;
    if (st == NULL)
        return 0;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        cg_store_bug *b = cg_grow_push((void **)bugs, n, &cap, sizeof(**bugs));
        if (b == NULL)
            cg_st_fail(s, "out of memory");
        if (b == NULL || !read_bug(s, st, b)) {
            s->drv->reset(st);
            goto fail;
        }
    }
    if (cg_st_rows_end(s, st, r, "listing the incidents' bugs"))
        return 1;
fail:
    cg_store_bugs_free(*bugs, *n);
    *bugs = NULL;
    *n = 0;
    return 0;
}

int cg_store_bug_comment(cg_store *s, int64_t incident, int64_t comment_id, int64_t count,
                         cg_incident_event *ev, int *is_new)
{
    int own, ok = 0, found = 0;
    int64_t event_id = 0;
    *is_new = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_BUG_COMMENT_EXISTS);
    if (st == NULL)
        goto out;
    if (!b_int(s, st, 1, incident) || !b_int(s, st, 2, comment_id)) {
        cg_st_db_fail(s, "reading a bug comment");
        goto out;
    }
    if (!cg_st_one_int(s, st, &event_id, &found, "reading a bug comment"))
        goto out;
    if (found) {
        ev->id = event_id;
        ok = 1;
        goto out;
    }
    if (!cg_store_incident_add_event(s, incident, ev))
        goto out;
    st = q(s, Q_BUG_COMMENT_INSERT);
    if (st == NULL)
        goto out;
    if (!b_int(s, st, 1, incident) || !b_int(s, st, 2, comment_id) || !b_int(s, st, 3, count) ||
        !b_int(s, st, 4, ev->id)) {
        cg_st_db_fail(s, "storing a bug comment");
        goto out;
    }
    ok = cg_st_run(s, st, "storing a bug comment");
    *is_new = ok;
out:
    return cg_st_write_end(s, own, ok);
}

int cg_store_bug_synced(cg_store *s, int64_t incident, const char *whiteboard, int64_t at)
{
    int own, ok = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_BUG_SYNCED);
    if (st == NULL)
        goto out;
    if (!b_text_or_null(s, st, 1, whiteboard) || !b_int(s, st, 2, at) ||
        !b_int(s, st, 3, incident)) {
        cg_st_db_fail(s, "recording a bug's sync");
        goto out;
    }
    ok = cg_st_run(s, st, "recording a bug's sync");
out:
    return cg_st_write_end(s, own, ok);
}
