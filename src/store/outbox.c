/* The outbox (store.h, "the outbox"): the side effects owed to findings
 * that became new, one row per channel, until they are delivered.
 *
 * Invariants kept here: a row is written only inside the write that made
 * its finding new (cg_st_outbox_add, from put_finding), so a finding is
 * never committed without its rows nor rows without their finding; a row
 * once done is never claimed again; a claim is one UPDATE whose WHERE
 * repeats the conditions that made the row claimable, so two monitors
 * never hold the same row's lease at once (PostgreSQL: the candidates are
 * locked with SKIP LOCKED, and a row updated by another claimer is
 * re-checked); an alert channel's row is claimable only once its alert's
 * incident row is done, so every alert knows its incident. */
#include "store/store.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

struct cg_st_outbox {
    char **names;
    cg_severity *min;
    size_t n;
    /* SHA-256 for the alert IDs, fetched once: OpenSSL 3 looks
     * EVP_sha256() up again on every digest */
    EVP_MD *sha256;
};

/* An alert channel waits for its alert's incident row; print and incident
 * rows are due at once. */
#define DUE_ROWS                                                                                  \
    "done_at IS NULL AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) "              \
    "AND (channel IN ('print', 'incident') OR NOT EXISTS (SELECT 1 FROM outbox i "                \
    "WHERE i.alert_id = outbox.alert_id AND i.channel = 'incident' AND i.done_at IS NULL))"

const char *const cg_st_sql_outbox[Q_COUNT] = {
    [Q_OUTBOX_INSERT] = "INSERT INTO outbox (alert_id, finding_id, channel, created_at, attempts, "
                        "next_at) VALUES (?, ?, ?, ?, 0, ?)",
    [Q_OUTBOX_CLAIM] = "UPDATE outbox SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM "
                       "outbox WHERE " DUE_ROWS " ORDER BY id LIMIT ?) AND done_at IS NULL "
                       "AND (lease_until IS NULL OR lease_until < ?) "
                       "RETURNING id, alert_id, finding_id, channel, attempts, created_at",
    [Q_OUTBOX_DONE] = "UPDATE outbox SET done_at = ?, owner = NULL, lease_until = NULL, "
                      "incident_id = ?, incident_opened = ? WHERE id = ? AND done_at IS NULL",
    /* the rows of one claim that were printed: one statement, not one per
     * row (cg_st_id_list) */
    [Q_OUTBOX_DONE_IDS] = "UPDATE outbox SET done_at = ?, owner = NULL, lease_until = NULL, "
                          "incident_id = NULL, incident_opened = 0 WHERE id" CG_ST_IN_ID_LIST(
                              "?") " AND done_at IS NULL",
    [Q_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + ?, next_at = ?, last_error = ?, "
                       "owner = NULL, lease_until = NULL WHERE id = ? AND done_at IS NULL",
    [Q_OUTBOX_RENEW] = "UPDATE outbox SET lease_until = ? WHERE owner = ? AND done_at IS NULL "
                       "AND lease_until IS NOT NULL",
    [Q_OUTBOX_RELEASE] = "UPDATE outbox SET owner = NULL, lease_until = NULL, next_at = 0 "
                         "WHERE done_at IS NULL",
    [Q_OUTBOX_INCIDENT] = "SELECT incident_id, incident_opened FROM outbox WHERE alert_id = ? "
                          "AND channel = 'incident' AND done_at IS NOT NULL",
    [Q_OUTBOX_COUNTS] =
        "SELECT CAST(COALESCE(sum(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), "
        "CAST(COALESCE(sum(CASE WHEN done_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) "
        "AS BIGINT), CAST(COALESCE(sum(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0) "
        "AS BIGINT), COALESCE(min(CASE WHEN done_at IS NULL THEN created_at END), 0), "
        "COALESCE(min(CASE WHEN done_at IS NULL AND attempts > 0 THEN next_at END), 0) "
        "FROM outbox",
    [Q_OUTBOX_LAST_ERROR] = "SELECT channel, last_error FROM outbox WHERE done_at IS NULL "
                            "AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1",
};

const char *const cg_st_pg_sql_outbox[Q_COUNT] = {
    /* Concurrent claimers skip each other's candidates. The candidates are
     * chosen once (a MATERIALIZED CTE): as an IN (subquery) the plan may
     * run the subquery again for each row it updates, and FOR UPDATE skips
     * the rows this statement has updated already, so each run gave the
     * next rows and one claim leased hundreds past its LIMIT, of which
     * the caller read LIMIT: the rest stayed leased, undelivered. The
     * chosen rows are updated by id as an array (= ANY: an index probe
     * each): as a join, a plan made while the outbox was empty (the
     * monitor's first claims) compared every chosen row with every
     * pending one, 10 ms a claim of 64. */
    [Q_OUTBOX_CLAIM] =
        "WITH c AS MATERIALIZED (SELECT id FROM outbox "
        "WHERE done_at IS NULL AND next_at <= $3 AND (lease_until IS NULL OR lease_until < $4) "
        "AND (channel IN ('print', 'incident') OR NOT EXISTS (SELECT 1 FROM outbox i "
        "WHERE i.alert_id = outbox.alert_id AND i.channel = 'incident' AND i.done_at IS NULL)) "
        "ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox o SET owner = $1, lease_until = $2 "
        "WHERE o.id = ANY (ARRAY(SELECT id FROM c)) AND o.done_at IS NULL "
        "AND (o.lease_until IS NULL OR o.lease_until < $6) "
        "RETURNING o.id, o.alert_id, o.finding_id, o.channel, o.attempts, o.created_at",
    [Q_OUTBOX_DONE_IDS] = "UPDATE outbox SET done_at = $1, owner = NULL, lease_until = NULL, "
                          "incident_id = NULL, incident_opened = 0 WHERE id" CG_ST_PG_IN_ID_LIST(
                              "$2") " AND done_at IS NULL",
};

void cg_st_outbox_free(cg_store *s)
{
    struct cg_st_outbox *o = s->outbox;
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->names[i]);
    free(o->names);
    free(o->min);
    EVP_MD_free(o->sha256);
    free(o);
    s->outbox = NULL;
}

int cg_store_set_outbox(cg_store *s, const cg_store_outbox_channel *ch, size_t n)
{
    struct cg_st_outbox *o;
    cg_st_outbox_free(s);
    if (n == 0)
        return 1;
    o = calloc(1, sizeof(*o));
    if (o == NULL)
        goto oom;
    s->outbox = o;
    o->names = calloc(n, sizeof(char *));
    o->min = calloc(n, sizeof(cg_severity));
    o->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (o->names == NULL || o->min == NULL || o->sha256 == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        o->names[i] = strdup(ch[i].name);
        if (o->names[i] == NULL)
            goto oom;
        o->min[i] = ch[i].min_severity;
        o->n++;
    }
    return 1;
oom:
    cg_st_outbox_free(s);
    cg_st_fail(s, "out of memory");
    return 0;
}

int cg_st_outbox_add(cg_store *s, int64_t finding_id, const char *dedup, cg_severity severity,
                     int64_t seen)
{
    const struct cg_st_outbox *o = s->outbox;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    char alert_id[65], *key;
    size_t cap;
    if (o == NULL)
        return 1;
    cap = strlen(dedup) + 32;
    key = malloc(cap);
    if (key == NULL) {
        cg_st_fail(s, "out of memory");
        return 0;
    }
    snprintf(key, cap, "%s|%lld", dedup, (long long)seen);
    int hashed = EVP_Digest(key, strlen(key), md, &md_len, o->sha256, NULL);
    free(key);
    if (!hashed || md_len != 32) {
        cg_st_fail(s, "hashing an alert ID");
        return 0;
    }
    cg_hex(md, CG_ALERT_ID_LEN / 2, alert_id);
    for (size_t i = 0; i < o->n; i++) {
        if (severity > o->min[i])
            continue;
        cg_sql_stmt *st = q(s, Q_OUTBOX_INSERT);
        if (st == NULL)
            return 0;
        if (!b_text(s, st, 1, alert_id) || !b_int(s, st, 2, finding_id) ||
            !b_text(s, st, 3, o->names[i]) || !b_int(s, st, 4, seen) || !b_int(s, st, 5, 0))
            return cg_st_db_fail(s, "recording a delivery");
        if (!cg_st_run(s, st, "recording a delivery"))
            return 0;
    }
    return 1;
}

void cg_store_outbox_rows_free(cg_store_outbox_row *rows, size_t n)
{
    for (size_t i = 0; rows != NULL && i < n; i++)
        free(rows[i].channel);
    free(rows);
}

static int cmp_row(const void *a, const void *b)
{
    const cg_store_outbox_row *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

int cg_store_outbox_claim(cg_store *s, const char *owner, int64_t now, int64_t lease_until,
                          size_t max, cg_store_outbox_row **rows, size_t *n)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    cg_store_outbox_row *v = NULL;
    size_t nv = 0;
    cg_sql_step r = CG_SQL_DONE;
    *rows = NULL;
    *n = 0;
    if (owner == NULL || owner[0] == '\0' || max == 0) {
        cg_st_fail(s, "a claim needs an owner and a count");
        return 0;
    }
    v = calloc(max, sizeof(*v));
    if (v == NULL) {
        cg_st_fail(s, "out of memory");
        return 0;
    }
    if (!cg_st_write_begin(s, &own)) {
        free(v);
        return 0;
    }
    st = q(s, Q_OUTBOX_CLAIM);
    if (st == NULL)
        goto out;
    if (!b_text(s, st, 1, owner) || !b_int(s, st, 2, lease_until) || !b_int(s, st, 3, now) ||
        !b_int(s, st, 4, now) || !b_int(s, st, 5, (int64_t)max) || !b_int(s, st, 6, now)) {
        cg_st_db_fail(s, "claiming deliveries");
        goto out;
    }
    while ((r = s->drv->step(st)) == CG_SQL_ROW && nv < max) {
        cg_store_outbox_row *w = &v[nv];
        const char *aid = c_text(s, st, 1), *ch = c_text(s, st, 3);
        w->id = c_int(s, st, 0);
        snprintf(w->alert_id, sizeof(w->alert_id), "%s", aid != NULL ? aid : "");
        w->finding_id = c_int(s, st, 2);
        w->channel = strdup(ch != NULL ? ch : "");
        w->attempts = c_int(s, st, 4);
        w->created_at = c_int(s, st, 5);
        nv++;
        if (w->channel == NULL) {
            s->drv->reset(st);
            cg_st_fail(s, "out of memory");
            goto out;
        }
    }
    if (!cg_st_rows_end(s, st, r, "claiming deliveries"))
        goto out;
    ok = 1;
out:
    if (!cg_st_write_end(s, own, ok) || !ok) {
        cg_store_outbox_rows_free(v, nv);
        return 0;
    }
    if (nv == 0) {
        free(v); /* nothing claimed: nothing for the caller to free */
        return 1;
    }
    qsort(v, nv, sizeof(*v), cmp_row);
    *rows = v;
    *n = nv;
    return 1;
}

int cg_store_outbox_add_channel(cg_store *s, const cg_store_outbox_row *of, const char *channel,
                                int64_t now)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OUTBOX_INSERT);
    if (st != NULL) {
        if (!b_text(s, st, 1, of->alert_id) || !b_int(s, st, 2, of->finding_id) ||
            !b_text(s, st, 3, channel) || !b_int(s, st, 4, now) || !b_int(s, st, 5, 0))
            cg_st_db_fail(s, "recording a delivery");
        else
            ok = cg_st_run(s, st, "recording a delivery");
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_outbox_done(cg_store *s, int64_t id, int64_t at, int64_t incident, int opened)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OUTBOX_DONE);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_int_or_null(s, st, 2, incident > 0, incident) ||
            !b_int(s, st, 3, opened ? 1 : 0) || !b_int(s, st, 4, id))
            cg_st_db_fail(s, "marking a delivery done");
        else
            ok = cg_st_run(s, st, "marking a delivery done");
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_outbox_done_ids(cg_store *s, const int64_t *ids, size_t n, int64_t at)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    char *list;
    if (n == 0)
        return 1;
    list = cg_st_id_list(s, ids, n);
    if (list == NULL)
        return 0;
    if (!cg_st_write_begin(s, &own)) {
        free(list);
        return 0;
    }
    st = q(s, Q_OUTBOX_DONE_IDS);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_text(s, st, 2, list))
            cg_st_db_fail(s, "marking deliveries done");
        else
            ok = cg_st_run(s, st, "marking deliveries done");
    }
    ok = cg_st_write_end(s, own, ok);
    free(list);
    return ok;
}

int cg_store_outbox_retry(cg_store *s, int64_t id, int64_t next_at, const char *why, int count)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OUTBOX_RETRY);
    if (st != NULL) {
        if (!b_int(s, st, 1, count ? 1 : 0) || !b_int(s, st, 2, next_at) ||
            !b_text_or_null(s, st, 3, why) || !b_int(s, st, 4, id))
            cg_st_db_fail(s, "putting a delivery back");
        else
            ok = cg_st_run(s, st, "putting a delivery back");
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_outbox_renew(cg_store *s, const char *owner, int64_t lease_until)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OUTBOX_RENEW);
    if (st != NULL) {
        if (!b_int(s, st, 1, lease_until) || !b_text(s, st, 2, owner))
            cg_st_db_fail(s, "renewing deliveries");
        else
            ok = cg_st_run(s, st, "renewing deliveries");
    }
    return cg_st_write_end(s, own, ok);
}

int cg_store_outbox_release_all(cg_store *s)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_OUTBOX_RELEASE);
    if (st != NULL)
        ok = cg_st_run(s, st, "taking over deliveries");
    return cg_st_write_end(s, own, ok);
}

int cg_store_outbox_incident(cg_store *s, const char *alert_id, int64_t *incident, int *opened,
                             int *found)
{
    cg_sql_stmt *st = q(s, Q_OUTBOX_INCIDENT);
    *incident = 0;
    *opened = 0;
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, alert_id))
        return cg_st_db_fail(s, "reading a delivery");
    cg_sql_step r = cg_st_step(s, st, "reading a delivery");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        *found = 1;
        *incident = c_is_null(s, st, 0) ? 0 : c_int(s, st, 0);
        *opened = !c_is_null(s, st, 1) && c_int(s, st, 1) != 0;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_outbox_counts_get(cg_store *s, cg_store_outbox_counts *c)
{
    cg_sql_stmt *st = q(s, Q_OUTBOX_COUNTS);
    memset(c, 0, sizeof(*c));
    if (st == NULL)
        return 0;
    cg_sql_step r = cg_st_step(s, st, "counting deliveries");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        c->pending = c_int(s, st, 0);
        c->failing = c_int(s, st, 1);
        c->delivered = c_int(s, st, 2);
        c->oldest_pending = c_int(s, st, 3);
        c->next_attempt = c_int(s, st, 4);
    }
    s->drv->reset(st);
    if (c->failing == 0)
        return 1;
    st = q(s, Q_OUTBOX_LAST_ERROR);
    if (st == NULL)
        return 0;
    r = cg_st_step(s, st, "counting deliveries");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        const char *ch = c_text(s, st, 0), *e = c_text(s, st, 1);
        snprintf(c->last_error, sizeof(c->last_error), "%s: %s", ch != NULL ? ch : "?",
                 e != NULL ? e : "?");
    }
    s->drv->reset(st);
    return 1;
}
