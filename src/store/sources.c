/* What the monitor watches, in the store (store.h, "CRL sources" and "CT
 * log lists"): the CRL URLs the CRL watcher fetches with what each last
 * fetch said, and the last CT log list loaded from each source.
 *
 * Invariants kept here: one row per CRL URL and one per log list source,
 * each put replacing the row whole; a stored log list keeps its bytes with
 * their SHA-256, and one that lost either is reported damaged, never
 * served. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define SRC_COLS                                                                                  \
    "url, is_list, issuer, issuer_label, origin, etag, last_modified, last_fetch, "               \
    "last_change, http_code, status, body_sha256, crl_sha256, this_update, next_update, "         \
    "entries, failures, failing_since"

const char *const cg_st_sql_sources[Q_COUNT] = {
    [Q_SRC_UPSERT] = "INSERT INTO crl_sources (" SRC_COLS ") VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (url) DO UPDATE SET is_list = excluded.is_list, "
                     "issuer = excluded.issuer, issuer_label = excluded.issuer_label, "
                     "origin = excluded.origin, etag = excluded.etag, "
                     "last_modified = excluded.last_modified, last_fetch = excluded.last_fetch, "
                     "last_change = excluded.last_change, http_code = excluded.http_code, "
                     "status = excluded.status, body_sha256 = excluded.body_sha256, "
                     "crl_sha256 = excluded.crl_sha256, this_update = excluded.this_update, "
                     "next_update = excluded.next_update, entries = excluded.entries, "
                     "failures = excluded.failures, failing_since = excluded.failing_since",
    [Q_SRC_GET] = "SELECT " SRC_COLS " FROM crl_sources WHERE url = ?",
    [Q_SRC_ALL] = "SELECT " SRC_COLS " FROM crl_sources ORDER BY url",
    [Q_LL_PUT] = "INSERT INTO loglist_snapshots (source, data, sha256, fetched_at) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET data = excluded.data, "
                 "sha256 = excluded.sha256, fetched_at = excluded.fetched_at",
    [Q_LL_GET] = "SELECT data, sha256, fetched_at FROM loglist_snapshots WHERE source = ?",
};

int cg_store_crl_source_put(cg_store *s, const cg_store_crl_source *src)
{
    int own, ok;
    cg_sql_stmt *st;
    if (src->url[0] == '\0') {
        cg_st_fail(s, "a CRL source needs a URL");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_SRC_UPSERT);
    ok = st != NULL;
    if (ok)
        ok = b_text_or_null(s, st, 1, src->url) && b_int(s, st, 2, src->is_list != 0) &&
                     b_blob_or_null(s, st, 3, src->has_issuer ? src->issuer : NULL, 32) &&
                     b_text_or_null(s, st, 4, src->issuer_label) &&
                     b_text_or_null(s, st, 5, src->origin) &&
                     b_text_or_null(s, st, 6, src->etag) &&
                     b_text_or_null(s, st, 7, src->last_modified) &&
                     b_int(s, st, 8, src->last_fetch) && b_int(s, st, 9, src->last_change) &&
                     b_int(s, st, 10, src->http_code) && b_text_or_null(s, st, 11, src->status) &&
                     b_blob_or_null(s, st, 12, src->has_body ? src->body_sha256 : NULL, 32) &&
                     b_blob_or_null(s, st, 13, src->has_crl ? src->crl_sha256 : NULL, 32) &&
                     b_int(s, st, 14, src->this_update) && b_int(s, st, 15, src->next_update) &&
                     b_int(s, st, 16, src->entries) && b_int(s, st, 17, src->failures) &&
                     b_int(s, st, 18, src->failing_since)
                 ? cg_st_run(s, st, "storing a CRL source")
                 : cg_st_db_fail(s, "storing a CRL source");
    return cg_st_write_end(s, own, ok);
}

static void copy_text(char *out, size_t cap, const char *t)
{
    snprintf(out, cap, "%s", t != NULL ? t : "");
}

static void read_source(cg_store *s, cg_sql_stmt *st, cg_store_crl_source *o)
{
    memset(o, 0, sizeof(*o));
    copy_text(o->url, sizeof(o->url), c_text(s, st, 0));
    o->is_list = c_int(s, st, 1) != 0;
    c_sha(s, st, 2, &o->has_issuer, o->issuer);
    copy_text(o->issuer_label, sizeof(o->issuer_label), c_text(s, st, 3));
    copy_text(o->origin, sizeof(o->origin), c_text(s, st, 4));
    copy_text(o->etag, sizeof(o->etag), c_text(s, st, 5));
    copy_text(o->last_modified, sizeof(o->last_modified), c_text(s, st, 6));
    o->last_fetch = c_int(s, st, 7);
    o->last_change = c_int(s, st, 8);
    o->http_code = (long)c_int(s, st, 9);
    copy_text(o->status, sizeof(o->status), c_text(s, st, 10));
    c_sha(s, st, 11, &o->has_body, o->body_sha256);
    c_sha(s, st, 12, &o->has_crl, o->crl_sha256);
    o->this_update = c_int(s, st, 13);
    o->next_update = c_int(s, st, 14);
    o->entries = c_int(s, st, 15);
    o->failures = c_int(s, st, 16);
    o->failing_since = c_int(s, st, 17);
}

int cg_store_crl_source_get(cg_store *s, const char *url, cg_store_crl_source *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_SRC_GET);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text_or_null(s, st, 1, url))
        return cg_st_db_fail(s, "reading a CRL source");
    cg_sql_step r = cg_st_step(s, st, "reading a CRL source");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        read_source(s, st, out);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}

int cg_store_crl_sources(cg_store *s, cg_store_crl_source_fn fn, void *arg)
{
    cg_sql_stmt *st = q(s, Q_SRC_ALL);
    cg_store_crl_source *src;
    cg_sql_step r;
    if (st == NULL)
        return 0;
    src = malloc(sizeof(*src));
    if (src == NULL) {
        cg_st_fail(s, "out of memory");
        return 0;
    }
    while ((r = s->drv->step(st)) == CG_SQL_ROW) {
        read_source(s, st, src);
        if (!fn(arg, src))
            break;
    }
    free(src);
    return cg_st_rows_end(s, st, r, "reading the CRL sources");
}

/* ---- CT log lists ---- */

int cg_store_loglist_snapshot_put(cg_store *s, const cg_store_loglist_snapshot *snap)
{
    int own, ok;
    cg_sql_stmt *st;
    if (snap->source == NULL || snap->source[0] == '\0' ||
        (snap->data == NULL && snap->len != 0)) {
        cg_st_fail(s, "a log list snapshot needs a source and its bytes");
        return 0;
    }
    if (!cg_st_write_begin(s, &own))
        return 0;
    st = q(s, Q_LL_PUT);
    ok = st != NULL;
    if (ok)
        ok = b_text(s, st, 1, snap->source) &&
                     b_blob(s, st, 2, snap->data != NULL ? snap->data : (const uint8_t *)"",
                            snap->len) &&
                     b_blob(s, st, 3, snap->sha256, 32) && b_int(s, st, 4, snap->fetched_at)
                 ? cg_st_run(s, st, "storing a log list")
                 : cg_st_db_fail(s, "storing a log list");
    return cg_st_write_end(s, own, ok);
}

int cg_store_loglist_snapshot_get(cg_store *s, const char *source, cg_store_loglist_snapshot_fn fn,
                                  void *arg, int *found)
{
    cg_sql_stmt *st = q(s, Q_LL_GET);
    cg_store_loglist_snapshot snap;
    size_t hlen = 0;
    const uint8_t *h;
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_text(s, st, 1, source))
        return cg_st_db_fail(s, "reading a log list");
    cg_sql_step r = cg_st_step(s, st, "reading a log list");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        memset(&snap, 0, sizeof(snap));
        snap.source = source;
        snap.data = c_blob(s, st, 0, &snap.len);
        h = c_blob(s, st, 1, &hlen);
        snap.fetched_at = c_int(s, st, 2);
        if (snap.data == NULL || h == NULL || hlen != 32) {
            s->drv->reset(st);
            cg_st_fail(s, "the stored log list of %s is damaged", source);
            return 0;
        }
        memcpy(snap.sha256, h, 32);
        *found = 1;
        fn(arg, &snap);
    }
    s->drv->reset(st);
    return 1;
}
