/* The store's CP and CPS documents (store.h, "CP and CPS documents"): the
 * versions the CA recorded (policy_docs) and, per document URL, what the
 * monitor's last fetches saw (policy_fetches). Versions are only added,
 * never changed: the review rule reads their history. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

const char *const cg_st_sql_policies[Q_COUNT] = {
    [Q_PDOC_INSERT] = "INSERT INTO policy_docs (kind, url, version, effective, added_at) "
                      "VALUES (?, ?, ?, ?, ?) RETURNING id",
    [Q_PDOC_LIST] = "SELECT id, kind, url, version, effective, added_at FROM policy_docs "
                    "ORDER BY kind, effective, id",
    [Q_PDOC_FETCH_GET] = "SELECT sha256, baseline_doc, fetched_at, failing_since FROM "
                         "policy_fetches WHERE url = ?",
    [Q_PDOC_FETCH_PUT] = "INSERT INTO policy_fetches (url, sha256, baseline_doc, fetched_at, "
                         "failing_since) VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                         "sha256 = excluded.sha256, baseline_doc = excluded.baseline_doc, "
                         "fetched_at = excluded.fetched_at, failing_since = excluded.failing_since",
};

int cg_store_pdoc_add(cg_store *s, cg_pdoc *d)
{
    int own, ok = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_PDOC_INSERT);
    if (st == NULL)
        goto out;
    if (!b_text(s, st, 1, cg_pdoc_kind_name(d->kind)) || !b_text(s, st, 2, d->url) ||
        !b_text(s, st, 3, d->version) || !b_int(s, st, 4, d->effective) ||
        !b_int(s, st, 5, d->added_at)) {
        cg_st_db_fail(s, "storing a policy document");
        goto out;
    }
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        cg_st_db_fail(s, "storing a policy document");
        goto out;
    }
    d->id = c_int(s, st, 0);
    s->drv->reset(st);
    ok = 1;
out:
    return cg_st_write_end(s, own, ok);
}

int cg_store_pdoc_list(cg_store *s, cg_pdoc **docs, size_t *n)
{
    cg_sql_stmt *st = q(s, Q_PDOC_LIST);
    cg_sql_step r;
    size_t cap = 0;
    *docs = NULL;
    *n = 0;
    if (st == NULL)
        return 0;
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        const char *kind = c_text(s, st, 1), *url = c_text(s, st, 2), *ver = c_text(s, st, 3);
        if (!cg_grow((void **)docs, &cap, *n + 1, sizeof(**docs)))
            goto oom;
        cg_pdoc *d = &(*docs)[*n];
        memset(d, 0, sizeof(*d));
        (*n)++;
        d->id = c_int(s, st, 0);
        if (!cg_pdoc_kind_lookup(kind, &d->kind)) {
            s->drv->reset(st);
            cg_st_fail(s, "policy document %lld: unknown kind '%s'", (long long)d->id,
                       kind != NULL ? kind : "");
            return 0;
        }
        d->url = strdup(url != NULL ? url : "");
        d->version = strdup(ver != NULL ? ver : "");
        d->effective = c_int(s, st, 4);
        d->added_at = c_int(s, st, 5);
        if (d->url == NULL || d->version == NULL)
            goto oom;
    }
    return cg_st_rows_end(s, st, r, "listing the policy documents");
oom:
    s->drv->reset(st);
    cg_st_fail(s, "out of memory");
    return 0;
}

int cg_store_pdoc_fetch_get(cg_store *s, const char *url, cg_store_pdoc_fetch *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_PDOC_FETCH_GET);
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, url))
        return cg_st_db_fail(s, "reading a policy document's fetches");
    cg_sql_step r = cg_st_step(s, st, "reading a policy document's fetches");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        c_sha(s, st, 0, &out->has_sha256, out->sha256);
        out->baseline_doc = c_int(s, st, 1);
        out->fetched_at = c_int(s, st, 2);
        out->failing_since = c_int(s, st, 3);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_pdoc_fetch_put(cg_store *s, const char *url, const cg_store_pdoc_fetch *f)
{
    int own, ok = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_PDOC_FETCH_PUT);
    if (st == NULL)
        goto out;
    if (!b_text(s, st, 1, url) || !b_blob_or_null(s, st, 2, f->has_sha256 ? f->sha256 : NULL, 32) ||
        !b_int(s, st, 3, f->baseline_doc) || !b_int(s, st, 4, f->fetched_at) ||
        !b_int(s, st, 5, f->failing_since)) {
        cg_st_db_fail(s, "storing a policy document's fetch");
        goto out;
    }
    ok = cg_st_run(s, st, "storing a policy document's fetch");
out:
    return cg_st_write_end(s, own, ok);
}
