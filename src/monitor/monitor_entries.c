/* One entry of a log: kept when a watched issuer issued it (or with
 * all_issuers), then ingested into the store with its chain's issuer, in
 * the open range's transaction. The issuers stored this run are remembered
 * (a fixed open-addressing set), so a CA in front of every entry of its
 * certificates is ingested once, not once an entry. */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "ct/leaf.h"
#include "x509/x509.h"

static const watched *match(const cg_monitor *m, const cg_log_entry *e, const uint8_t *obj,
                            size_t obj_len)
{
    for (size_t i = 0; i < m->n_iss; i++) {
        const watched *w = &m->iss[i];
        if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
            if (memcmp(e->entry.issuer_key_hash.data, w->spki_hash, 32) == 0)
                return w;
            continue;
        }
        cg_cbs chain = e->chain.chain, first;
        if (cg_ct_chain_next(&chain, &first) && first.len == w->der_len &&
            memcmp(first.data, w->der, w->der_len) == 0)
            return w;
        cg_cert cert;
        cg_der_error derr;
        if (cg_cert_parse(&cert, obj, obj_len, &derr) && cert.issuer.len == w->subject.len &&
            memcmp(cert.issuer.data, w->subject.data, w->subject.len) == 0)
            return w;
    }
    return NULL;
}

static size_t issuer_slot(const uint8_t sha256[32])
{
    size_t h;
    memcpy(&h, sha256, sizeof(h));
    return h % ISSUER_SET_CAP;
}

static int issuer_known(const cg_monitor *m, const uint8_t sha256[32])
{
    const issuer_set *s = &m->issuers;
    for (size_t i = issuer_slot(sha256); s->used != NULL && s->used[i];
         i = (i + 1) % ISSUER_SET_CAP) {
        if (memcmp(s->key[i], sha256, 32) == 0)
            return 1;
    }
    return 0;
}

void cg_mon_issuers_forget(cg_monitor *m)
{
    if (m->issuers.used != NULL)
        memset(m->issuers.used, 0, ISSUER_SET_CAP);
    m->issuers.n = 0;
}

/* Remembers an ingested issuer; without memory it is simply ingested again
 * next time. */
static void issuer_remember(cg_monitor *m, const uint8_t sha256[32])
{
    issuer_set *s = &m->issuers;
    if (s->used == NULL) {
        s->key = malloc(ISSUER_SET_CAP * sizeof(*s->key));
        s->used = calloc(ISSUER_SET_CAP, 1);
        if (s->key == NULL || s->used == NULL) {
            free(s->key);
            free(s->used);
            s->key = NULL;
            s->used = NULL;
            return;
        }
    }
    if (s->n >= ISSUER_SET_CAP / 4 * 3)
        cg_mon_issuers_forget(m);
    size_t i = issuer_slot(sha256);
    while (s->used[i])
        i = (i + 1) % ISSUER_SET_CAP;
    memcpy(s->key[i], sha256, 32);
    s->used[i] = 1;
    s->n++;
}

static int ingest(cg_monitor *m, const char *name, const uint8_t *der, size_t len)
{
    char err[1024];
    if (!cg_ingest_file(m->ing, name, der, len, err, sizeof(err))) {
        cg_mon_seterr(m, "store: %s", err);
        m->store_failed = 1;
        return 0;
    }
    return 1;
}

int cg_mon_on_entry(void *arg, const cg_log_entry *e)
{
    cg_monitor *m = arg;
    mlog *l = m->cur;
    char name[2200];
    /* A range ends at a stop, or when it has run long enough (at least
     * one entry, so that it moves). */
    if (m->stop || (l->read > 0 && e->index > m->range_first && cg_mon_mono() > m->deadline))
        return 0;
    if (m->o.shared && !cg_mon_shared_entry(m, l, e))
        return 0;
    l->read++;
    l->unflushed++;
    cg_mon_heartbeat(m);
    m->stats.entries++;
    cg_mon_progress(m, l, 0);
    snprintf(name, sizeof(name), "%s#%" PRIu64, l->url, e->index);
    if (!e->ok) {
        char subject[32];
        l->malformed++;
        m->stats.malformed++;
        snprintf(subject, sizeof(subject), "entry %" PRIu64, e->index);
        return cg_mon_log_finding(m, l, CG_R_CT_LOG_ENTRY_MALFORMED, subject,
                                  "entry %" PRIu64 " does not parse: %s", e->index, e->err.what);
    }
    const uint8_t *obj = e->entry.cert.data;
    size_t obj_len = e->entry.cert.len;
    if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
        obj = e->chain.pre_certificate.data;
        obj_len = e->chain.pre_certificate.len;
    }
    if (!m->o.all_issuers && !match(m, e, obj, obj_len))
        return 1;
    /* The issuer first (the store keeps each object once), so the rules
     * that need the CA (SCT signatures, issuer key hash) have it. */
    cg_cbs chain = e->chain.chain, first;
    uint8_t isha[32];
    if (cg_ct_chain_next(&chain, &first) && SHA256(first.data, first.len, isha) != NULL &&
        !issuer_known(m, isha)) {
        char iname[2300];
        snprintf(iname, sizeof(iname), "%s#%" PRIu64 "/issuer", l->url, e->index);
        if (!ingest(m, iname, first.data, first.len))
            return 0;
        issuer_remember(m, isha);
    }
    l->kept++;
    m->stats.kept++;
    return ingest(m, name, obj, obj_len);
}
