/* The issuance gate's tables (store.h, "the issuance gate"; docs/serve.md,
 * "The gate"): gate_precerts, the one precertificate recorded per issuer
 * Name (bytes) and serial, and gate_decisions, every decision made.
 *
 * Invariants kept here: a precertificate is recorded by one INSERT ... ON
 * CONFLICT DO NOTHING on the table's unique (issuer, serial), then read
 * back in the same write: of two gates racing on one serial (two processes
 * on one PostgreSQL store, READ COMMITTED), the second's insert waits for
 * the first's commit and then inserts nothing, and its read sees the
 * first's row, so both answer with the same recorded precertificate. A
 * recorded row is never changed. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

const char *const cg_st_sql_gate[Q_COUNT] = {
    [Q_GATE_PRECERT_INSERT] =
        "INSERT INTO gate_precerts (issuer, serial, tbs_key, sha256, der, recorded_at, "
        "request_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (issuer, serial) DO NOTHING "
        "RETURNING id",
    [Q_GATE_PRECERT_GET] = "SELECT id, sha256, tbs_key, der, recorded_at FROM gate_precerts "
                           "WHERE issuer = ? AND serial = ?",
    [Q_GATE_ALLOWED] = "SELECT der FROM gate_decisions WHERE issuer = ? AND serial = ? AND "
                       "allowed = 1 AND der IS NOT NULL ORDER BY id",
    [Q_GATE_DECIDE] =
        "INSERT INTO gate_decisions (kind, issuer, serial, sha256, der, allowed, status, rules, "
        "decided_at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
};

void cg_gate_precert_clear(cg_gate_precert *p)
{
    if (p == NULL)
        return;
    free(p->der);
    memset(p, 0, sizeof(*p));
}

static int get_precert(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                       cg_gate_precert *out, int *found)
{
    cg_sql_stmt *st = q(s, Q_GATE_PRECERT_GET);
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer->data, issuer->len) ||
        !b_blob(s, st, 2, serial->data, serial->len))
        return cg_st_db_fail(s, "reading the gate's precertificate");
    cg_sql_step r = s->drv->step(st);
    if (r == CG_SQL_ROW) {
        int has;
        size_t n;
        const uint8_t *der = c_blob(s, st, 3, &n);
        out->id = c_int(s, st, 0);
        c_sha(s, st, 1, &has, out->sha256);
        c_sha(s, st, 2, &has, out->tbs_key);
        out->recorded_at = c_int(s, st, 4);
        out->der = malloc(n > 0 ? n : 1);
        if (out->der == NULL) {
            s->drv->reset(st);
            cg_st_fail(s, "out of memory");
            return 0;
        }
        if (n > 0)
            memcpy(out->der, der, n);
        out->len = n;
        *found = 1;
    }
    return cg_st_rows_end(s, st, r, "reading the gate's precertificate");
}

int cg_store_gate_precert(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                          cg_gate_precert *out, int *found)
{
    return get_precert(s, issuer, serial, out, found);
}

int cg_store_gate_record_precert(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                                 const cg_gate_precert *pc, const char *request_id,
                                 cg_gate_precert *out, int *inserted)
{
    int own, ok = 0, found = 0;
    memset(out, 0, sizeof(*out));
    *inserted = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_GATE_PRECERT_INSERT);
    if (st == NULL)
        goto end;
    if (!b_blob(s, st, 1, issuer->data, issuer->len) ||
        !b_blob(s, st, 2, serial->data, serial->len) || !b_blob(s, st, 3, pc->tbs_key, 32) ||
        !b_blob(s, st, 4, pc->sha256, 32) || !b_blob(s, st, 5, pc->der, pc->len) ||
        !b_int(s, st, 6, pc->recorded_at) || !b_text_or_null(s, st, 7, request_id)) {
        cg_st_db_fail(s, "recording a precertificate");
        goto end;
    }
    /* A row back: ours was inserted; none: one was there. */
    cg_sql_step r = s->drv->step(st);
    *inserted = r == CG_SQL_ROW;
    if (!cg_st_rows_end(s, st, r, "recording a precertificate"))
        goto end;
    if (!get_precert(s, issuer, serial, out, &found))
        goto end;
    if (!found) {
        cg_st_fail(s, "recording a precertificate: the row is not there after the insert");
        goto end;
    }
    ok = 1;
end:
    ok = cg_st_write_end(s, own, ok);
    if (!ok)
        cg_gate_precert_clear(out);
    return ok;
}

int cg_store_gate_allowed(cg_store *s, const cg_cbs *issuer, const cg_cbs *serial,
                          void (*fn)(void *arg, const uint8_t *der, size_t len), void *arg)
{
    cg_sql_stmt *st = q(s, Q_GATE_ALLOWED);
    cg_sql_step r;
    if (st == NULL)
        return 0;
    if (!b_blob(s, st, 1, issuer->data, issuer->len) ||
        !b_blob(s, st, 2, serial->data, serial->len))
        return cg_st_db_fail(s, "reading the gate's decisions");
    for (;;) {
        r = s->drv->step(st);
        if (r != CG_SQL_ROW)
            break;
        size_t n;
        const uint8_t *der = c_blob(s, st, 0, &n);
        if (der != NULL)
            fn(arg, der, n);
    }
    return cg_st_rows_end(s, st, r, "reading the gate's decisions");
}

int cg_store_gate_decide(cg_store *s, const cg_gate_decision *d, int64_t *id)
{
    int own, ok = 0;
    if (!cg_st_write_begin(s, &own))
        return 0;
    cg_sql_stmt *st = q(s, Q_GATE_DECIDE);
    if (st == NULL)
        goto end;
    if (!b_text(s, st, 1, d->kind) || !b_blob(s, st, 2, d->issuer.data, d->issuer.len) ||
        !b_blob(s, st, 3, d->serial.data, d->serial.len) || !b_blob(s, st, 4, d->sha256, 32) ||
        !b_blob_or_null(s, st, 5, d->der, d->len) || !b_int(s, st, 6, d->allowed != 0) ||
        !b_int(s, st, 7, d->status) || !b_text(s, st, 8, d->rules) || !b_int(s, st, 9, d->at) ||
        !b_text_or_null(s, st, 10, d->request_id)) {
        cg_st_db_fail(s, "recording a gate decision");
        goto end;
    }
    if (s->drv->step(st) != CG_SQL_ROW) {
        s->drv->reset(st);
        cg_st_db_fail(s, "recording a gate decision");
        goto end;
    }
    *id = c_int(s, st, 0);
    s->drv->reset(st);
    ok = 1;
end:
    return cg_st_write_end(s, own, ok);
}
