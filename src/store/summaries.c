/* The store's summaries (store.h, "summaries"): what caguard report draws
 * its overview and charts from, counted by the database rather than by
 * reading every row: objects and open findings by issuer, the findings'
 * time span, and findings by rule and time bucket. (The objects of one
 * kind, a listing rather than a count, are objects.c's.)
 *
 * Invariants kept here: only reads; every count is over the whole store
 * at the time of the query, rows of one issuer together, issuer NULL for
 * what has none. */
#include "store/store.h"

#include "store/store_internal.h"

const char *const cg_st_sql_summaries[Q_COUNT] = {
    [Q_OBJ_COUNTS] = "SELECT issuer, kind, count(*) FROM objects GROUP BY issuer, kind "
                     "ORDER BY issuer, kind",
    [Q_FIND_COUNTS] = "SELECT o.issuer, f.severity, count(*) FROM findings f "
                      "LEFT JOIN objects o ON o.sha256 = f.object_sha256 "
                      "WHERE f.resolved_at IS NULL GROUP BY o.issuer, f.severity "
                      "ORDER BY o.issuer, f.severity",
    [Q_FIND_SPAN] = "SELECT count(*), min(first_seen), max(first_seen) FROM findings",
    /* Positional GROUP BY: PostgreSQL would not take (first_seen - $1) / $2
     * and (first_seen - $3) / $4 for the same expression. */
    [Q_FIND_HIST] = "SELECT rule, (first_seen - ?) / ?, count(*) FROM findings "
                    "WHERE first_seen >= ? GROUP BY 1, 2 ORDER BY 1, 2",
};

/* The rows (issuer, kind or severity, count) of Q_OBJ_COUNTS to by_kind,
 * or of Q_FIND_COUNTS to by_severity. */
static int issuer_counts(cg_store *s, cg_store_object_count_fn by_kind,
                         cg_store_finding_count_fn by_severity, void *arg)
{
    const char *what = by_kind != NULL ? "counting objects" : "counting findings";
    cg_sql_stmt *st = q(s, by_kind != NULL ? Q_OBJ_COUNTS : Q_FIND_COUNTS);
    cg_sql_step r;
    if (st == NULL)
        return 0;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        size_t n;
        const uint8_t *issuer = c_blob(s, st, 0, &n);
        const char *name = c_text(s, st, 1);
        int64_t count = c_int(s, st, 2);
        int go = by_kind != NULL
                     ? by_kind(arg, issuer, n, cg_st_kind_from_text(name), count)
                     : by_severity(arg, issuer, n, cg_st_severity_from_text(name), count);
        if (!go)
            break;
    }
    return cg_st_rows_end(s, st, r, what);
}

int cg_store_object_counts(cg_store *s, cg_store_object_count_fn fn, void *arg)
{
    return issuer_counts(s, fn, NULL, arg);
}

int cg_store_open_finding_counts(cg_store *s, cg_store_finding_count_fn fn, void *arg)
{
    return issuer_counts(s, NULL, fn, arg);
}

int cg_store_finding_span(cg_store *s, int64_t *first, int64_t *last, int *found)
{
    cg_sql_stmt *st = q(s, Q_FIND_SPAN);
    *found = 0;
    if (st == NULL)
        return 0;
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        return cg_st_db_fail(s, "reading the findings' time span");
    }
    if (c_int(s, st, 0) > 0) {
        *first = c_int(s, st, 1);
        *last = c_int(s, st, 2);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_finding_histogram(cg_store *s, int64_t origin, int64_t width,
                               cg_store_rule_bucket_fn fn, void *arg)
{
    cg_sql_stmt *st;
    if (width <= 0) {
        cg_st_fail(s, "a histogram bucket must be at least a second wide");
        return 0;
    }
    st = q(s, Q_FIND_HIST);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, origin) || !b_int(s, st, 2, width) || !b_int(s, st, 3, origin))
        return cg_st_db_fail(s, "counting findings");
    cg_sql_step r;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        const char *rule = c_text(s, st, 0);
        if (!fn(arg, rule != NULL ? rule : "", c_int(s, st, 1), c_int(s, st, 2)))
            break;
    }
    return cg_st_rows_end(s, st, r, "counting findings");
}
