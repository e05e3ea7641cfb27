/* The store's CRL entries (store.h, "CRL entries"): the revoked serials
 * of each CRL scope, with the time each was first seen on a CRL, and the
 * revocation lookups made from them.
 *
 * Invariants kept here: an entry is keyed by its CRL scope (issuer Name
 * bytes and IDP extnValue, numbered once in crl_scopes) and serial, and
 * keeps the revocation date, reason, first_seen and CRL of its earliest
 * sighting: a later sighting never replaces it, an earlier one always does
 * (one upsert a row, or on PostgreSQL one merge of a COPY, by the same
 * rule; of a serial listed twice in one CRL the first counts). */
#include "store/store.h"

#include <string.h>

#include "store/store_internal.h"

/* CRLs with at least this many entries go in through the backend's bulk
 * path when it has one (PostgreSQL's COPY): one round trip instead of one
 * a row. */
#define BULK_ENTRIES 64

const char *const cg_st_sql_crl_entries[Q_COUNT] = {
    [Q_SCOPE_INSERT] = "INSERT INTO crl_scopes (issuer, scope) VALUES (?, ?) "
                       "ON CONFLICT (issuer, scope) DO NOTHING",
    [Q_SCOPE_ID] = "SELECT id FROM crl_scopes WHERE issuer = ? AND scope = ?",
    [Q_OBJ_ID] = "SELECT id FROM objects WHERE sha256 = ?",
    [Q_ENTRY_UPSERT] =
        "INSERT INTO crl_entries (scope_id, serial, revocation_date, reason, first_seen, crl_id) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (scope_id, serial) DO UPDATE SET "
        "revocation_date = excluded.revocation_date, reason = excluded.reason, "
        "first_seen = excluded.first_seen, crl_id = excluded.crl_id "
        "WHERE excluded.first_seen < crl_entries.first_seen",
    [Q_REVOCATION] = "SELECT e.revocation_date, e.reason, e.first_seen, o.sha256 "
                     "FROM crl_entries e JOIN crl_scopes c ON c.id = e.scope_id "
                     "JOIN objects o ON o.id = e.crl_id WHERE c.issuer = ? AND e.serial = ? "
                     "ORDER BY e.first_seen, e.revocation_date LIMIT 1",
};

const char *const cg_st_pg_sql_crl_entries[Q_COUNT] = {
    /* Q_ENTRY_UPSERT over the rows of crl_entries_in: of a serial listed
     * twice in one CRL the first counts, as it does one row at a time. */
    [Q_ENTRY_MERGE] =
        "INSERT INTO crl_entries (scope_id, serial, revocation_date, reason, first_seen, crl_id) "
        "SELECT DISTINCT ON (serial) $1::bigint, serial, revocation_date, reason, $2::bigint, "
        "$3::bigint FROM crl_entries_in ORDER BY serial, ord "
        "ON CONFLICT (scope_id, serial) DO UPDATE SET "
        "revocation_date = excluded.revocation_date, reason = excluded.reason, "
        "first_seen = excluded.first_seen, crl_id = excluded.crl_id "
        "WHERE excluded.first_seen < crl_entries.first_seen",
};

/* The number of a CRL scope, made on first use. */
static int scope_id(cg_store *s, const uint8_t *issuer, size_t issuer_len, const uint8_t *scope,
                    size_t scope_len, int64_t *id)
{
    static const char what[] = "storing CRL entries";
    int found;
    cg_sql_stmt *st = q(s, Q_SCOPE_INSERT);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len) ||
        !cg_st_run(s, st, what))
        return cg_st_db_fail(s, what);
    st = q(s, Q_SCOPE_ID);
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, scope, scope_len))
        return cg_st_db_fail(s, what);
    if (!cg_st_one_int(s, st, id, &found, what))
        return 0;
    if (!found) {
        cg_st_fail(s, "%s: the scope was not stored", what);
        return 0;
    }
    return 1;
}

/* The entries through the backend's bulk path: streamed into a session
 * table, then merged by the rule of Q_ENTRY_UPSERT in one statement. */
static int put_entries_bulk(cg_store *s, int64_t sid, int64_t crl_id,
                            const cg_store_crl_entry *entries, size_t n, int64_t seen_at)
{
    static const char what[] = "storing CRL entries";
    cg_sql_stmt *st;
    if (!s->drv->exec(s->conn, "CREATE TEMPORARY TABLE IF NOT EXISTS crl_entries_in ("
                               "ord BIGINT NOT NULL, serial BYTEA NOT NULL, "
                               "revocation_date BIGINT NOT NULL, reason BIGINT); "
                               "TRUNCATE crl_entries_in") ||
        !s->drv->copy_begin(s->conn, "crl_entries_in (ord, serial, revocation_date, reason)", 4))
        return cg_st_db_fail(s, what);
    int sent = 1;
    for (size_t i = 0; i < n && sent; i++) {
        const cg_store_crl_entry *e = &entries[i];
        sent =
            s->drv->copy_int64(s->conn, (int64_t)i) &&
            s->drv->copy_blob(s->conn, e->serial, e->serial_len) &&
            s->drv->copy_int64(s->conn, e->revocation_date) &&
            (e->reason >= 0 ? s->drv->copy_int64(s->conn, e->reason) : s->drv->copy_null(s->conn));
    }
    /* copy_end always ends the COPY; it fails when a row did not go */
    if (!s->drv->copy_end(s->conn) || !sent)
        return cg_st_db_fail(s, what);
    st = q(s, Q_ENTRY_MERGE);
    if (st == NULL)
        return 0;
    if (!b_int(s, st, 1, sid) || !b_int(s, st, 2, seen_at) || !b_int(s, st, 3, crl_id))
        return cg_st_db_fail(s, what);
    return cg_st_run(s, st, what);
}

int cg_store_put_crl_entries(cg_store *s, const uint8_t crl_sha256[32], const uint8_t *issuer,
                             size_t issuer_len, const uint8_t *scope, size_t scope_len,
                             const cg_store_crl_entry *entries, size_t n, int64_t seen_at)
{
    static const char what[] = "storing CRL entries";
    int own, ok = 0, found;
    int64_t sid, crl_id;
    cg_sql_stmt *st;
    if (!cg_st_write_begin(s, &own))
        return 0;
    if (!scope_id(s, issuer, issuer_len, scope, scope_len, &sid))
        goto out;
    st = q(s, Q_OBJ_ID);
    if (st == NULL)
        goto out;
    if (!b_blob(s, st, 1, crl_sha256, 32)) {
        cg_st_db_fail(s, what);
        goto out;
    }
    if (!cg_st_one_int(s, st, &crl_id, &found, what))
        goto out;
    if (!found) {
        cg_st_fail(s, "%s: the CRL is not stored", what);
        goto out;
    }
    if (n >= BULK_ENTRIES && s->drv->copy_begin != NULL) {
        ok = put_entries_bulk(s, sid, crl_id, entries, n, seen_at);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const cg_store_crl_entry *e = &entries[i];
        st = q(s, Q_ENTRY_UPSERT);
        if (st == NULL)
            goto out;
        if (!b_int(s, st, 1, sid) || !b_blob(s, st, 2, e->serial, e->serial_len) ||
            !b_int(s, st, 3, e->revocation_date) ||
            !b_int_or_null(s, st, 4, e->reason >= 0, e->reason) || !b_int(s, st, 5, seen_at) ||
            !b_int(s, st, 6, crl_id)) {
            cg_st_db_fail(s, what);
            goto out;
        }
        if (!cg_st_run(s, st, what))
            goto out;
    }
    ok = 1;
out:
    return cg_st_write_end(s, own, ok);
}

int cg_store_revocation_lookup(cg_store *s, const uint8_t *issuer, size_t issuer_len,
                               const uint8_t *serial, size_t serial_len, cg_store_revocation *out,
                               int *found)
{
    cg_sql_stmt *st = q(s, Q_REVOCATION);
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer, issuer_len) || !b_blob(s, st, 2, serial, serial_len))
        return cg_st_db_fail(s, "reading CRL entries");
    cg_sql_step r = cg_st_step(s, st, "reading CRL entries");
    if (r == CG_SQL_ERROR)
        return 0;
    if (r == CG_SQL_ROW) {
        size_t n;
        const uint8_t *sha;
        memset(out, 0, sizeof(*out));
        out->revocation_date = c_int(s, st, 0);
        out->reason = c_is_null(s, st, 1) ? -1 : (int)c_int(s, st, 1);
        out->first_seen = c_int(s, st, 2);
        sha = c_blob(s, st, 3, &n);
        if (sha != NULL && n == 32)
            memcpy(out->crl_sha256, sha, 32);
        *found = 1;
    }
    s->drv->reset(st);
    return 1;
}
