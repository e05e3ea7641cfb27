/* CRLs over time: a CRL's entries streamed once (the covered certificates
 * it lists; revocations dated before the previous CRL of the scope that did
 * not list them; the serial set the next CRL will need), then the CRL
 * against the one before it (cRLNumber order, serials dropped before their
 * certificate expires) and the scope's verdict carried forward. Only the
 * previous CRL of a scope is kept, so memory follows two CRLs. */
#include "rules/crl_cross_internal.h"

#include <string.h>

#include "x509/time.h"

int cg_xc_cmp_number(const xcrl *a, const xcrl *b)
{
    return cg_xc_cmp_serial(a->number, a->number_len, b->number, b->number_len);
}

static void number_text(const xcrl *r, char *buf, size_t cap)
{
    cg_cbs v;
    cg_cbs_init(&v, r->number, r->number_len);
    if (r->number_len <= 8) {
        uint64_t n = 0;
        for (size_t i = 0; i < r->number_len; i++)
            n = n << 8 | r->number[i];
        cg_xc_put_text(buf, cap, "%llu", (unsigned long long)n);
        return;
    }
    cg_xc_put_text(buf, cap, "0x");
    cg_xc_hex_text(&v, buf + 2, cap - 2);
}

/* Streams the entries once: listed covered certificates, revocations dated
 * before the previous CRL of the scope that did not list them, and (when a
 * later CRL of the scope follows) the serial set it will need. */
void cg_xc_stream_entries(cg_crl_cross *xc, const scope *sc, held_crl *h, held_crl *prev,
                          int build_set)
{
    const cg_crl *crl = &h->crl;
    cg_cbs it = crl->revoked;
    cg_crl_entry e;
    cg_der_error err = {0, ""};
    size_t n = 0, backdated = 0;
    int check_back = prev != NULL && prev->complete &&
                     (prev->have_set || !prev->crl.has_revoked || prev->crl.revoked.len == 0);
    char serial[2 * SERIAL_MAX + 4], d1[32], d2[32], num[64];
    for (size_t k = 0; k < sc->n_covered; k++)
        sc->covered[k]->cur.listed = 0;
    if (sc->n_covered == 0 && !check_back && !build_set) {
        h->complete = 1; /* nothing to look for: no need to read the entries */
        return;
    }
    if (build_set)
        h->have_set = cg_crl_serial_set_init(&h->set, crl);
    while (cg_crl_next_entry(&it, &e, crl->der.data, &err)) {
        n++;
        if (sc->n_covered > 0)
            cg_xc_mark_listed(sc, &e);
        if (check_back && e.revocation_t < prev->crl.this_update_t &&
            cg_crl_serial_set_find(&prev->set, &e.serial) == 0 && ++backdated <= REPORT_MAX) {
            cg_cbs s = e.serial;
            if (s.len > SERIAL_MAX)
                s.len = SERIAL_MAX;
            cg_serial_hex(&s, serial, sizeof(serial));
            cg_time_format(e.revocation_t, d1, sizeof(d1));
            cg_time_format(prev->crl.this_update_t, d2, sizeof(d2));
            number_text(prev->rec, num, sizeof(num));
            cg_xc_say(xc->ctx, CG_R_REVOCATION_BACKDATED, &h->ref,
                      "entry %zu (serial %s): revocationDate %s is before the thisUpdate %s of "
                      "the earlier CRL %s #%u (cRLNumber %s) of this issuer and scope, which did "
                      "not list it: the revocation was published later than the date it "
                      "claims (TLS BRs §4.9.5)",
                      n, serial, d1, d2, prev->rec->file, prev->rec->index,
                      prev->rec->number_len > 0 ? num : "none");
        }
        if (h->have_set)
            cg_crl_serial_set_add(&h->set, &e);
    }
    h->complete = err.what[0] == '\0';
    if (backdated > REPORT_MAX)
        cg_xc_say(xc->ctx, CG_R_REVOCATION_BACKDATED, &h->ref,
                  "... and %zu more entries with this problem (%zu in all; only the first %d "
                  "are reported one by one)",
                  backdated - REPORT_MAX, backdated, REPORT_MAX);
}

/* The CRL against the one before it in its scope: cRLNumber order and
 * serials of certificates among the inputs dropped before they expire. */
void cg_xc_check_sequence(cg_crl_cross *xc, const scope *sc, held_crl *h, const held_crl *prev)
{
    char n1[64], n2[64], d1[32], d2[32], c1[160];
    size_t removed = 0;
    if (h->rec->number_len > 0 && prev->rec->number_len > 0 &&
        cg_xc_cmp_number(h->rec, prev->rec) <= 0) {
        number_text(h->rec, n1, sizeof(n1));
        number_text(prev->rec, n2, sizeof(n2));
        cg_time_format(h->rec->this_update, d1, sizeof(d1));
        cg_time_format(prev->rec->this_update, d2, sizeof(d2));
        cg_xc_say(xc->ctx, CG_R_CRL_NUMBER_NOT_INCREASING, &h->ref,
                  "cRLNumber %s (thisUpdate %s) is not greater than the cRLNumber %s of the "
                  "CRL %s #%u (thisUpdate %s) of the same issuer and scope%s; CRL numbers "
                  "must increase with every CRL of a scope (RFC 5280 §5.2.3)",
                  n1, d1, n2, prev->rec->file, prev->rec->index, d2,
                  h->rec->this_update == prev->rec->this_update ? ", issued at the same time"
                                                                : ", issued before it");
    }
    if (!h->complete || !prev->complete || h->rec->is_delta)
        return;
    for (size_t k = 0; k < sc->n_covered; k++) {
        const xcert *c = sc->covered[k];
        if (!c->listed_prev || c->cur.listed || c->not_after <= h->crl.this_update_t)
            continue;
        if (++removed > REPORT_MAX)
            continue;
        cg_xc_cert_text(c, c1, sizeof(c1));
        cg_time_format(c->not_after, d1, sizeof(d1));
        cg_time_format(prev->rec->this_update, d2, sizeof(d2));
        cg_xc_say(xc->ctx, CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY, &h->ref,
                  "%s, valid until %s, is listed on the earlier CRL %s #%u (thisUpdate %s) of "
                  "this issuer and scope but no longer on this one, though it had not expired "
                  "by this CRL's thisUpdate; a revoked certificate must stay listed until it "
                  "expires (RFC 5280 §3.3)",
                  c1, d1, prev->rec->file, prev->rec->index, d2);
    }
    if (removed > REPORT_MAX)
        cg_xc_say(xc->ctx, CG_R_REVOCATION_REMOVED_BEFORE_EXPIRY, &h->ref,
                  "... and %zu more certificates with this problem (only the first %d are "
                  "reported one by one)",
                  removed - REPORT_MAX, REPORT_MAX);
}

/* What this CRL says of each covered certificate becomes the scope's word
 * (CRLs of a scope come in thisUpdate order: the last one stands). An
 * incomplete or delta CRL speaks only for what it lists. */
void cg_xc_commit(const scope *sc, const held_crl *h)
{
    for (size_t k = 0; k < sc->n_covered; k++) {
        xcert *c = sc->covered[k];
        if ((!h->complete || h->rec->is_delta) && !c->cur.listed)
            continue;
        c->cur.crl = (uint32_t)h->rec_no;
        c->scope = c->cur;
        c->listed_prev = c->cur.listed;
    }
}

/* Revoked on the newest CRL of any scope wins; else the newest says good. */
void cg_xc_merge_scope(cg_crl_cross *xc, const scope *sc)
{
    for (size_t k = 0; k < sc->n_covered; k++) {
        xcert *c = sc->covered[k];
        const verdict *s = &c->scope, *f = &c->final;
        if (s->crl == NONE)
            continue;
        if (f->crl == NONE || (s->listed && !f->listed) ||
            (s->listed == f->listed &&
             xc->crls[s->crl].this_update > xc->crls[f->crl].this_update))
            c->final = c->scope;
    }
}
