/* The store's findings (store.h, "findings"): putting a finding
 * (deduplicated), resolving it, listing them by filter.
 *
 * Invariants kept here: a finding is one row per deduplication key, the
 * one column "dedup" with a UNIQUE index (rule|object|incident,
 * rule|log:ID|subject for a finding about a CT log, or rule|doc:URL for
 * one about a published document), so that both backends
 * enforce it alike and concurrent writers meet on it; first_seen never
 * moves; last_seen only moves forward, and a repeat older than it changes
 * nothing; a resolved finding seen again at or after its resolution is
 * open again, and new again. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

#define FIND_INSERT                                                                               \
    "INSERT INTO findings (dedup, rule, severity, object_sha256, incident_id, message, extra, "    \
    "first_seen, last_seen, log_id, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "            \
    "ON CONFLICT (dedup) DO NOTHING"

/* The findings with their object's and log's columns (cg_store_findings
 * adds the filters' conditions). */
#define FIND_COLS                                                                                 \
    "SELECT f.id, f.rule, f.severity, f.object_sha256, f.incident_id, f.message, f.extra, "       \
    "f.first_seen, f.last_seen, f.resolved_at, o.kind, o.file, o.idx, o.issuer, o.serial, "       \
    "f.log_id, f.subject, l.url FROM findings f "
#define FIND_LOG "LEFT JOIN log_state l ON l.log_id = f.log_id WHERE 1 = 1"
#define FIND_SELECT FIND_COLS "LEFT JOIN objects o ON o.sha256 = f.object_sha256 " FIND_LOG
/* PostgreSQL, a few findings by id: each one's object through object_keys
 * into the one partition that holds it (objects.c, "one partition at a
 * time"), a probe per finding whatever the statistics; a join on sha256
 * probes every partition's index, or with a few findings in a list hashes
 * every partition whole. LIMIT 1 (the key is unique) keeps the planner
 * from turning the lateral subquery into such a join. */
#define FIND_SELECT_PG                                                                            \
    FIND_COLS "LEFT JOIN LATERAL (SELECT o.id, o.kind, o.file, o.idx, o.issuer, o.serial "        \
              "FROM object_keys k JOIN objects o ON o.id = k.id AND o.not_after = k.not_after "   \
              "WHERE k.sha256 = f.object_sha256 LIMIT 1) o ON true " FIND_LOG

/* The findings of a list of IDs (cg_st_id_list) */
#define FIND_IDS " AND f.id" CG_ST_IN_ID_LIST("?")
#define FIND_IDS_PG " AND f.id" CG_ST_PG_IN_ID_LIST("?")

const char *const cg_st_sql_findings[Q_COUNT] = {
    /* no RETURNING on SQLite: cg_st_insert (driver.h) */
    [Q_FIND_INSERT] = FIND_INSERT,
    [Q_FIND_STATE] = "SELECT id, last_seen, resolved_at FROM findings WHERE dedup = ?",
    /* A repeat: the latest sighting's message and fields replace the old
     * ones (an incident's "30 hours late" becomes "revoked 1114 hours
     * late"), last_seen moves forward, and a resolved finding seen again
     * at or after its resolution is open again. */
    [Q_FIND_REPEAT] = "UPDATE findings SET message = ?, extra = ?, last_seen = ?, "
                      "resolved_at = ?, severity = ? WHERE id = ?",
    [Q_FIND_RESOLVE] = "UPDATE findings SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
    [Q_FIND_RESOLVE_KEY] = "UPDATE findings SET resolved_at = ? WHERE dedup = ? "
                           "AND resolved_at IS NULL RETURNING id",
    /* one finding by its id: the outbox reads each new one back */
    [Q_FIND_BY_ID] = FIND_SELECT " AND f.id = ?",
    /* the findings of one claim of the outbox */
    [Q_FIND_BY_IDS] = FIND_SELECT FIND_IDS,
};

const char *const cg_st_pg_sql_findings[Q_COUNT] = {
    [Q_FIND_INSERT] = FIND_INSERT " RETURNING id",
    [Q_FIND_BY_ID] = FIND_SELECT_PG " AND f.id = ?",
    [Q_FIND_BY_IDS] = FIND_SELECT_PG FIND_IDS_PG,
};

/* The deduplication key: one non-NULL column with a UNIQUE index, so that
 * both backends enforce it the same way (NULLs are distinct in a UNIQUE
 * constraint). */
static char *dedup_key(cg_store *s, const char *rule, const uint8_t *object, int64_t incident)
{
    char obj[65] = "-";
    size_t cap = strlen(rule) + 100;
    char *dedup = malloc(cap);
    if (dedup == NULL) {
        cg_st_fail(s, "out of memory");
        return NULL;
    }
    if (object != NULL)
        cg_hex(object, 32, obj);
    if (incident > 0)
        snprintf(dedup, cap, "%s|%s|%lld", rule, obj, (long long)incident);
    else
        snprintf(dedup, cap, "%s|%s|-", rule, obj);
    return dedup;
}

/* A log finding's key: "rule|log:ID|subject", which no object key can be. */
static char *log_dedup_key(cg_store *s, const char *rule, const uint8_t log_id[32],
                           const char *subject)
{
    char id[65];
    size_t cap = strlen(rule) + (subject != NULL ? strlen(subject) : 1) + 80;
    char *dedup = malloc(cap);
    if (dedup == NULL) {
        cg_st_fail(s, "out of memory");
        return NULL;
    }
    cg_hex(log_id, 32, id);
    snprintf(dedup, cap, "%s|log:%s|%s", rule, id, subject != NULL ? subject : "-");
    return dedup;
}

/* A document finding's key: "rule|doc:URL", which neither an object's nor
 * a log's key can be. */
static char *doc_dedup_key(cg_store *s, const char *rule, const char *url)
{
    size_t cap = strlen(rule) + strlen(url) + 8;
    char *dedup = malloc(cap);
    if (dedup == NULL) {
        cg_st_fail(s, "out of memory");
        return NULL;
    }
    snprintf(dedup, cap, "%s|doc:%s", rule, url);
    return dedup;
}

/* A finding about a published document: no object, incident or log, and
 * a subject (its URL). */
static int is_document(const cg_store_finding *f)
{
    return !f->has_log && !f->has_object && f->incident <= 0 && f->subject != NULL;
}

int cg_store_put_finding(cg_store *s, const cg_store_finding *f, int64_t seen, int *is_new,
                         int64_t *id)
{
    int own, ok = 0, inserted = 0, reopened = 0;
    int64_t fid = 0;
    cg_sql_stmt *st;
    char *dedup;
    if (f->rule == NULL || f->message == NULL) {
        cg_st_fail(s, "a finding needs a rule and a message");
        return 0;
    }
    if (f->has_log && (f->has_object || f->incident > 0)) {
        cg_st_fail(s, "a finding is about a log or about an object or incident, not both");
        return 0;
    }
    if (f->has_log)
        dedup = log_dedup_key(s, f->rule, f->log_id, f->subject);
    else if (is_document(f))
        dedup = doc_dedup_key(s, f->rule, f->subject);
    else
        dedup = dedup_key(s, f->rule, f->has_object ? f->object : NULL, f->incident);
    if (dedup == NULL)
        return 0;
    if (!cg_st_write_begin(s, &own)) {
        free(dedup);
        return 0;
    }
    st = q(s, Q_FIND_INSERT);
    if (st == NULL)
        goto out;
    if (!b_text(s, st, 1, dedup) || !b_text(s, st, 2, f->rule) ||
        !b_text(s, st, 3, cg_severity_name(f->severity)) ||
        !b_blob_or_null(s, st, 4, f->has_object ? f->object : NULL, 32) ||
        !b_int_or_null(s, st, 5, f->incident > 0, f->incident) || !b_text(s, st, 6, f->message) ||
        !b_text_or_null(s, st, 7, f->extra) || !b_int(s, st, 8, seen) || !b_int(s, st, 9, seen) ||
        !b_blob_or_null(s, st, 10, f->has_log ? f->log_id : NULL, 32) ||
        !b_text_or_null(s, st, 11, f->has_log || is_document(f) ? f->subject : NULL)) {
        cg_st_db_fail(s, "storing a finding");
        goto out;
    }
    if (!cg_st_insert(s, st, "storing a finding", &fid, &inserted))
        goto out;
    if (!inserted) {
        int64_t last, resolved_at = 0;
        int was_resolved;
        st = q(s, Q_FIND_STATE);
        if (st == NULL)
            goto out;
        if (!b_text(s, st, 1, dedup)) {
            cg_st_db_fail(s, "storing a finding");
            goto out;
        }
        cg_sql_step r = s->drv->step(st);
        if (r != CG_SQL_ROW) {
            if (r == CG_SQL_ERROR)
                cg_st_db_fail(s, "storing a finding");
            else
                cg_st_fail(s, "storing a finding: it was neither new nor there");
            s->drv->reset(st);
            goto out;
        }
        fid = c_int(s, st, 0);
        last = c_int(s, st, 1);
        was_resolved = !c_is_null(s, st, 2);
        if (was_resolved)
            resolved_at = c_int(s, st, 2);
        s->drv->reset(st);
        if (seen < last)
            goto done; /* an older sighting: nothing to change */
        reopened = was_resolved && seen >= resolved_at;
        st = q(s, Q_FIND_REPEAT);
        if (st == NULL)
            goto out;
        if (!b_text(s, st, 1, f->message) || !b_text_or_null(s, st, 2, f->extra) ||
            !b_int(s, st, 3, seen) ||
            !b_int_or_null(s, st, 4, was_resolved && !reopened, resolved_at) ||
            !b_text(s, st, 5, cg_severity_name(f->severity)) || !b_int(s, st, 6, fid)) {
            cg_st_db_fail(s, "storing a finding");
            goto out;
        }
        r = s->drv->step(st);
        s->drv->reset(st);
        if (r == CG_SQL_ERROR) {
            cg_st_db_fail(s, "storing a finding");
            goto out;
        }
    }
    /* News: what is owed to it (the outbox) in the same write. */
    if ((inserted || reopened) && !cg_st_outbox_add(s, fid, dedup, f->severity, seen))
        goto out;
done:
    ok = 1;
out:
    free(dedup);
    if (!cg_st_write_end(s, own, ok))
        return 0;
    if (is_new != NULL)
        *is_new = inserted || reopened;
    if (id != NULL)
        *id = fid;
    return 1;
}

int cg_store_resolve_finding(cg_store *s, int64_t id, int64_t at)
{
    int own, ok = 0;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_FIND_RESOLVE);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_int(s, st, 2, id))
            cg_st_db_fail(s, "resolving a finding");
        else
            ok = cg_st_run(s, st, "resolving a finding");
    }
    return cg_st_write_end(s, own, ok);
}

typedef struct {
    int (*keep)(void *arg, int64_t id);
    void *arg;
    int64_t *ids;
    size_t n, cap;
    int failed;
} rest_list;

static int collect_rest(void *arg, const cg_store_finding *f)
{
    rest_list *l = arg;
    if (l->keep != NULL && l->keep(l->arg, f->id))
        return 1;
    int64_t *id = cg_grow_push((void **)&l->ids, &l->n, &l->cap, sizeof(*l->ids));
    if (id == NULL) {
        l->failed = 1;
        return 0;
    }
    *id = f->id;
    return 1;
}

int cg_store_resolve_incident_rest(cg_store *s, const char *rule, int64_t incident,
                                   int (*keep)(void *arg, int64_t id), void *arg, int64_t at)
{
    cg_store_finding_filter flt;
    rest_list l = {keep, arg, NULL, 0, 0, 0};
    memset(&flt, 0, sizeof(flt));
    flt.rule = rule;
    flt.open_only = 1;
    flt.incident = incident;
    /* read whole first: no write while the read runs */
    int ok = cg_store_findings(s, &flt, collect_rest, &l);
    if (ok && l.failed) {
        cg_st_fail(s, "out of memory");
        ok = 0;
    }
    for (size_t i = 0; ok && i < l.n; i++)
        ok = cg_store_resolve_finding(s, l.ids[i], at);
    free(l.ids);
    return ok;
}

/* Resolves at `at` the open finding of key dedup (freed here), if there
 * is one. */
static int resolve_key(cg_store *s, char *dedup, int64_t at, int *resolved)
{
    int own, ok = 0, done = 0;
    cg_sql_stmt *st;
    if (dedup == NULL)
        return 0;
    if (!cg_st_write_begin(s, &own)) {
        free(dedup);
        return 0;
    }
    st = q(s, Q_FIND_RESOLVE_KEY);
    if (st != NULL) {
        if (!b_int(s, st, 1, at) || !b_text(s, st, 2, dedup)) {
            cg_st_db_fail(s, "resolving a finding");
        } else {
            cg_sql_step r = s->drv->step(st);
            if (r == CG_SQL_ERROR) {
                cg_st_db_fail(s, "resolving a finding");
            } else {
                done = r == CG_SQL_ROW;
                ok = 1;
            }
            s->drv->reset(st);
        }
    }
    free(dedup);
    if (!cg_st_write_end(s, own, ok))
        return 0;
    if (resolved != NULL)
        *resolved = done;
    return 1;
}

int cg_store_resolve_open(cg_store *s, const char *rule, const uint8_t object[32], int64_t at,
                          int *resolved)
{
    return resolve_key(s, dedup_key(s, rule, object, 0), at, resolved);
}

int cg_store_resolve_document(cg_store *s, const char *rule, const char *url, int64_t at,
                              int *resolved)
{
    return resolve_key(s, doc_dedup_key(s, rule, url), at, resolved);
}

/* cg_store_findings' query for the filters set, prepared for one call. */
static cg_sql_stmt *prepare_filtered(cg_store *s, const cg_store_finding_filter *flt)
{
    char sql[1024];
    int n;
    cg_sql_stmt *st;
    /* Built per call (the filters vary); conditions only ever add bound
     * parameters, never text from the caller. */
    n = snprintf(sql, sizeof(sql), "%s", FIND_SELECT);
    if (flt != NULL && flt->rule != NULL)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.rule = ?");
    if (flt != NULL && flt->has_since)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.first_seen >= ?");
    if (flt != NULL && flt->open_only)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.resolved_at IS NULL");
    if (flt != NULL && flt->incident > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.incident_id = ?");
    if (flt != NULL && flt->id > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.id = ?");
    if (flt != NULL && flt->has_object)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND f.object_sha256 = ?");
    if (flt != NULL && flt->n_ids > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%s",
                      s->drv->dialect == CG_SQL_POSTGRESQL ? FIND_IDS_PG : FIND_IDS);
    snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY COALESCE(o.id, 0), f.id");
    st = s->drv->prepare(s->conn, sql);
    if (st == NULL)
        cg_st_db_fail(s, "listing findings");
    return st;
}

/* The statement prepared once a connection for a filter on the finding's
 * id alone or its list of ids alone; Q_COUNT for any other filter. */
static query_id by_key(const cg_store_finding_filter *flt)
{
    if (flt == NULL || flt->rule != NULL || flt->has_since || flt->open_only ||
        flt->incident > 0 || flt->has_object || (flt->id > 0) == (flt->n_ids > 0))
        return Q_COUNT;
    return flt->id > 0 ? Q_FIND_BY_ID : Q_FIND_BY_IDS;
}

int cg_store_findings(cg_store *s, const cg_store_finding_filter *flt, cg_store_finding_fn fn,
                      void *arg)
{
    cg_sql_stmt *st;
    int ok = 0;
    /* One finding by its id, or a list of them (the outbox reads every new
     * one back), steps a statement prepared once a connection
     * (Q_FIND_BY_ID, Q_FIND_BY_IDS). fn may list findings itself: while
     * this call steps one of them (by_id_busy), a call from inside fn
     * prepares its own, as any other filter does; only the call that took
     * the statement gives it back. */
    query_id key = by_key(flt);
    int by_id = key != Q_COUNT && !s->by_id_busy;
    char *ids = NULL;
    if (flt != NULL && flt->n_ids > 0) {
        ids = cg_st_id_list(s, flt->ids, flt->n_ids);
        if (ids == NULL)
            return 0;
    }
    st = by_id ? q(s, key) : prepare_filtered(s, flt);
    if (st == NULL) {
        free(ids);
        return 0;
    }
    if (by_id)
        s->by_id_busy = 1;
    int p = 1, bound = 1;
    if (flt != NULL && flt->rule != NULL)
        bound &= b_text(s, st, p++, flt->rule);
    if (flt != NULL && flt->has_since)
        bound &= b_int(s, st, p++, flt->since);
    if (flt != NULL && flt->incident > 0)
        bound &= b_int(s, st, p++, flt->incident);
    if (flt != NULL && flt->id > 0)
        bound &= b_int(s, st, p++, flt->id);
    if (flt != NULL && flt->has_object)
        bound &= b_blob(s, st, p++, flt->object, 32);
    if (ids != NULL)
        bound &= b_text(s, st, p++, ids);
    if (!bound) {
        cg_st_db_fail(s, "listing findings");
        goto out;
    }
    for (;;) {
        cg_sql_step r = s->drv->step(st);
        cg_store_finding f;
        size_t len;
        const uint8_t *obj;
        if (r == CG_SQL_ERROR) {
            cg_st_db_fail(s, "listing findings");
            goto out;
        }
        if (r == CG_SQL_DONE)
            break;
        memset(&f, 0, sizeof(f));
        f.id = c_int(s, st, 0);
        f.rule = c_text(s, st, 1);
        f.severity = cg_st_severity_from_text(c_text(s, st, 2));
        obj = c_blob(s, st, 3, &len);
        if (obj != NULL && len == 32) {
            f.has_object = 1;
            memcpy(f.object, obj, 32);
        }
        f.incident = c_is_null(s, st, 4) ? 0 : c_int(s, st, 4);
        f.message = c_text(s, st, 5);
        f.extra = c_text(s, st, 6);
        f.first_seen = c_int(s, st, 7);
        f.last_seen = c_int(s, st, 8);
        f.resolved = !c_is_null(s, st, 9);
        f.resolved_at = f.resolved ? c_int(s, st, 9) : 0;
        if (f.has_object && !c_is_null(s, st, 10)) {
            f.kind = cg_st_kind_from_text(c_text(s, st, 10));
            f.file = c_text(s, st, 11);
            f.index = c_int(s, st, 12);
            f.issuer = c_blob(s, st, 13, &f.issuer_len);
            f.serial = c_blob(s, st, 14, &f.serial_len);
        } else {
            f.kind = f.incident > 0 ? CG_KIND_INCIDENT : CG_KIND_INPUT;
        }
        obj = c_blob(s, st, 15, &len);
        if (obj != NULL && len == 32) {
            f.has_log = 1;
            memcpy(f.log_id, obj, 32);
            f.subject = c_text(s, st, 16);
            f.log_url = c_text(s, st, 17);
        } else if (!f.has_object && f.incident == 0 && !c_is_null(s, st, 16)) {
            /* about a published document: named by its URL */
            f.subject = c_text(s, st, 16);
            f.file = f.subject;
        }
        if (!fn(arg, &f))
            break;
    }
    ok = 1;
out:
    if (by_id) {
        s->drv->reset(st);
        s->by_id_busy = 0;
    } else {
        s->drv->finalize(st);
    }
    free(ids);
    return ok;
}
