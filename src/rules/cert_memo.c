/* The certificate profile's clean verdicts kept for byte-identical
 * extension values (cg_ctx.prof_memo, rules.h): certificatePolicies, AIA,
 * CRL distribution points and AKI (cert_exts.c), subjectAltName
 * (cert_names.c).
 *
 * A value is kept with a key of everything else its row's checks read of
 * the certificate, so a value under another key is judged again: the
 * profile, the issuance day (every date they compare with, the TLD
 * table's included, is a day), the extension's criticality (AKI), the
 * extKeyUsage purposes (certificatePolicies of a subordinate CA) and
 * whether the certificate is valid for under 30 days (a dNSName's
 * underscores in ballot SC12's window). */
#include <string.h>

#include "rules/cert_profile.h"

static uint64_t memo_key(const cg_profile *p, const cg_ext *e)
{
    const cg_cert *c = p->cert;
    uint64_t brief = c->not_after_t - c->not_before_t < 30 * 86400;
    return (uint64_t)p->issued_ymd << 32 | (uint64_t)p->kind << 8 | brief << 4 |
           (uint64_t)e->critical << 3 | (uint64_t)p->eku_ok << 2 | (uint64_t)p->eku_server << 1 |
           (uint64_t)p->eku_any;
}

/* Slot i of row's values and their room. */
static uint8_t *memo_value(cg_prof_memo *m, int row, size_t i, size_t *cap)
{
    if (row == CG_MEMO_SAN) {
        *cap = CG_PROF_SAN_BYTES;
        return m->san[i];
    }
    *cap = CG_PROF_MEMO_BYTES;
    return m->ext[row][i];
}

int cg_prof_memo_seen(cg_ctx *ctx, const cg_profile *p, int row, const cg_ext *e)
{
    cg_prof_memo *m = &ctx->prof_memo;
    uint64_t key = memo_key(p, e);
    size_t cap;
    for (size_t i = 0; i < CG_PROF_MEMO_SLOTS; i++) {
        const uint8_t *v = memo_value(m, row, i, &cap);
        if (m->len[row][i] == e->value.len && e->value.len > 0 && m->key[row][i] == key &&
            memcmp(v, e->value.data, e->value.len) == 0)
            return 1;
    }
    return 0;
}

void cg_prof_memo_keep(cg_ctx *ctx, const cg_profile *p, int row, const cg_ext *e, size_t asked)
{
    cg_prof_memo *m = &ctx->prof_memo;
    size_t i = m->next[row], cap;
    uint8_t *v = memo_value(m, row, i, &cap);
    if (e == NULL || ctx->reports_asked != asked || e->value.len == 0 || e->value.len > cap)
        return;
    m->next[row] = (uint8_t)((i + 1) % CG_PROF_MEMO_SLOTS);
    m->key[row][i] = memo_key(p, e);
    m->len[row][i] = (uint16_t)e->value.len;
    memcpy(v, e->value.data, e->value.len);
}
