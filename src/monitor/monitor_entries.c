/* One entry of a log: kept when a watched issuer issued it (or with
 * all_issuers), then ingested into the store with its chain's issuer, in
 * the open range's transaction. The issuers stored this run are remembered
 * (a fixed open-addressing set), so a CA in front of every entry of its
 * certificates is ingested once, not once an entry.
 *
 * An entry is judged on what its Merkle leaf authenticates. The chain
 * (extra_data, a tile's issuers) is the log's say-so: its first certificate
 * is stored as a CA only when it issued the entry (an x509 entry's
 * signature verifies under its key; a precert entry's issuer key hash is
 * its key's, or it is the Precertificate Signing CA that signed the
 * precertificate for that key), and the submitted precertificate is used
 * only when it is the leaf's (its TBSCertificate, as RFC 6962 §3.1 logs
 * it, is the leaf's byte for byte). Otherwise the entry gets
 * ct.log.chain_invalid and is checked as the leaf stands: the certificate,
 * or the leaf's TBSCertificate made a precertificate again (the poison put
 * back, unsigned: x509/tbs.h). */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "ct/leaf.h"
#include "ct/sct_verify.h"
#include "util/grow.h"
#include "util/time.h"
#include "x509/oid.h"
#include "x509/tbs.h"
#include "x509/x509.h"

/* An x509 entry's certificate names w as its issuer. Most entries are
 * other CAs': their issuer is read alone (cg_cert_peek_issuer), and only a
 * certificate that names w is parsed whole, as it must parse to match. */
static int names_issuer(const watched *w, const uint8_t *obj, size_t obj_len,
                        const cg_cbs *issuer)
{
    cg_cert cert;
    cg_der_error derr;
    return issuer->len == w->subject.len &&
           memcmp(issuer->data, w->subject.data, w->subject.len) == 0 &&
           cg_cert_parse(&cert, obj, obj_len, &derr);
}

static const watched *match(const cg_monitor *m, const cg_log_entry *e, const uint8_t *obj,
                            size_t obj_len)
{
    cg_cbs issuer = {NULL, 0};
    int peeked = 0;
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
        if (peeked == 0)
            peeked = cg_cert_peek_issuer(obj, obj_len, &issuer) ? 1 : -1;
        if (peeked > 0 && names_issuer(w, obj, obj_len, &issuer))
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

/* The SHA-256 of a chain's first certificate: the last one's again when
 * it is the same (without memory to keep it, it is simply hashed). */
static void chain_cert_sha256(cg_monitor *m, const cg_cbs *cert, uint8_t out[32])
{
    issuer_set *s = &m->issuers;
    if (s->last != NULL && s->last_len == cert->len &&
        memcmp(s->last, cert->data, cert->len) == 0) {
        memcpy(out, s->last_sha256, 32);
        return;
    }
    SHA256(cert->data, cert->len, out);
    if (!cg_grow((void **)&s->last, &s->last_cap, cert->len, 1)) {
        s->last_len = 0;
        return;
    }
    memcpy(s->last, cert->data, cert->len);
    s->last_len = cert->len;
    memcpy(s->last_sha256, out, 32);
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

/* ---- what the leaf authenticates ---- */

/* 1 when the certificate der carries a signature that verifies under the
 * key of the certificate ca. */
static int signed_by(const cg_cbs *der, const cg_cbs *ca)
{
    const uint8_t *p = der->data, *q = ca->data;
    X509 *x = d2i_X509(NULL, &p, (long)der->len);
    X509 *c = d2i_X509(NULL, &q, (long)ca->len);
    EVP_PKEY *key = c != NULL ? X509_get0_pubkey(c) : NULL;
    int ok = x != NULL && key != NULL && X509_verify(x, key) == 1;
    X509_free(x);
    X509_free(c);
    ERR_clear_error();
    return ok;
}

/* 1 when cert's SubjectPublicKeyInfo hashes to the precert entry's
 * issuer_key_hash. */
static int key_hash_is(const cg_cbs *cert, const cg_cbs *issuer_key_hash)
{
    cg_cert c;
    cg_der_error derr;
    uint8_t h[32];
    return issuer_key_hash->len == 32 && cg_cert_parse(&c, cert->data, cert->len, &derr) &&
           cg_ct_issuer_key_hash(&c, h) && memcmp(h, issuer_key_hash->data, 32) == 0;
}

/* 1 when the submitted precertificate pre is the one the leaf logged: its
 * TBSCertificate without the poison, with the leaf's issuer and AKI (what a
 * Precertificate Signing CA's precertificate is logged with, RFC 6962
 * §3.1), is the leaf's TBSCertificate byte for byte. */
static int pre_is_leaf(const cg_cbs *pre, const cg_cbs *leaf_tbs)
{
    cg_cert p, t;
    cg_der_error derr;
    size_t wlen = 0, n = 0, count;
    int same = 0;
    uint8_t *w = cg_tbs_wrap(leaf_tbs->data, leaf_tbs->len, 0, &wlen, NULL, 0), *out = NULL;
    if (w == NULL || !cg_cert_parse(&t, w, wlen, &derr) ||
        !cg_cert_parse(&p, pre->data, pre->len, &derr) || !p.is_precert)
        goto out;
    const cg_ext *aki = cg_cert_find_ext(&t, CG_OID_AKI, sizeof(CG_OID_AKI), &count);
    size_t cap = cg_ct_entry_tbs_max_len(&p, &t.issuer, aki);
    out = malloc(cap);
    same = out != NULL && cg_ct_entry_tbs(&p, &t.issuer, aki, out, cap, &n) &&
           n == leaf_tbs->len && memcmp(out, leaf_tbs->data, n) == 0;
out:
    free(w);
    free(out);
    return same;
}

/* The leaf's TBSCertificate as the precertificate it stands for: the
 * poison put back, wrapped unsigned. NULL when it is not a TBSCertificate
 * or memory ran out; free() it. */
static uint8_t *leaf_precert(const cg_cbs *leaf_tbs, size_t *len)
{
    cg_cert t;
    cg_der_error derr;
    size_t wlen = 0, n = 0;
    uint8_t *w = cg_tbs_wrap(leaf_tbs->data, leaf_tbs->len, 0, &wlen, NULL, 0), *tbs = NULL;
    uint8_t *pre = NULL;
    if (w == NULL || !cg_cert_parse(&t, w, wlen, &derr))
        goto out;
    size_t cap = cg_ct_entry_tbs_max_len(&t, NULL, NULL);
    tbs = malloc(cap);
    if (tbs != NULL &&
        cg_ct_entry_tbs_ex(&t, NULL, NULL, CG_CT_REMOVE_POISON | CG_CT_ADD_POISON, tbs, cap, &n))
        pre = cg_tbs_wrap(tbs, n, 0, len, NULL, 0);
out:
    free(w);
    free(tbs);
    return pre;
}

/* What an entry stands for: the object to check and the chain certificate
 * to store as its issuer (len 0: none), or why the chain is not to be
 * trusted. */
typedef struct judged {
    const uint8_t *obj;
    size_t obj_len;
    uint8_t *own; /* obj when made here (free()) */
    cg_cbs issuer;
    uint8_t issuer_sha256[32]; /* of the chain's first certificate, when it has one */
    char why[300];
} judged;

static void judge(cg_monitor *m, const cg_log_entry *e, judged *j)
{
    cg_cbs chain = e->chain.chain, first, second;
    int have_first = e->chain_ok && cg_ct_chain_next(&chain, &first);
    uint8_t *isha = j->issuer_sha256;
    memset(j, 0, sizeof(*j));
    if (!e->chain_ok)
        snprintf(j->why, sizeof(j->why), "its chain is unusable: %s", e->chain_err.what);
    if (e->entry.entry_type == CG_CT_X509_ENTRY) {
        j->obj = e->entry.cert.data;
        j->obj_len = e->entry.cert.len;
        if (!have_first)
            return;
        /* A CA stored before was checked then. */
        chain_cert_sha256(m, &first, isha);
        if (issuer_known(m, isha) || signed_by(&e->entry.cert, &first))
            j->issuer = first;
        else
            snprintf(j->why, sizeof(j->why),
                     "the first certificate of its chain did not sign the entry's certificate");
        return;
    }
    const cg_cbs *pre = &e->chain.pre_certificate;
    if (pre->len > 0 && pre_is_leaf(pre, &e->entry.tbs)) {
        j->obj = pre->data;
        j->obj_len = pre->len;
    } else {
        j->own = leaf_precert(&e->entry.tbs, &j->obj_len);
        j->obj = j->own;
        if (j->why[0] == '\0')
            snprintf(j->why, sizeof(j->why), "%s",
                     pre->len == 0 ? "it carries no precertificate"
                                   : "its precertificate is not the one the leaf logged");
    }
    if (!have_first || j->own != NULL)
        return;
    /* The issuing CA (its key is the issuer key hash), or the
     * Precertificate Signing CA that signed this precertificate for it. */
    chain_cert_sha256(m, &first, isha);
    if (issuer_known(m, isha) || key_hash_is(&first, &e->entry.issuer_key_hash) ||
        (cg_ct_chain_next(&chain, &second) && key_hash_is(&second, &e->entry.issuer_key_hash) &&
         signed_by(pre, &first)))
        j->issuer = first;
    else
        snprintf(j->why, sizeof(j->why),
                 "the first certificate of its chain is not the issuer its leaf names");
}

int cg_mon_on_entry(void *arg, const cg_log_entry *e)
{
    mlog *l = arg;
    cg_monitor *m = l->m;
    char name[2200];
    if (m->stop)
        return 0;
    /* The range's first entry opens its transaction, with the monitor's
     * lock (monitor_range.c, read_range). */
    cg_mon_lock(m, l);
    if (m->store_failed)
        return 0;
    if (!m->in_range) {
        if (!cg_mon_range_open(m, l))
            return 0;
    } else if (l->read > 0 && e->index > m->range_first && cg_time_mono() > m->deadline) {
        /* A range ends when it has run long enough (at least one entry, so
         * that it moves). */
        return 0;
    }
    if (m->o.shared && !cg_mon_shared_entry(m, l, e))
        return 0;
    l->read++;
    l->unflushed++;
    cg_mon_heartbeat(m);
    m->stats.entries++;
    cg_mon_progress(m, l, 0);
    if (!e->ok) {
        char subject[32];
        l->malformed++;
        m->stats.malformed++;
        snprintf(subject, sizeof(subject), "entry %" PRIu64, e->index);
        return cg_mon_log_finding(m, l, CG_R_CT_LOG_ENTRY_MALFORMED, subject,
                                  "entry %" PRIu64 " does not parse: %s", e->index, e->err.what);
    }
    const uint8_t *cand = e->entry.cert.data;
    size_t cand_len = e->entry.cert.len;
    if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
        cand = e->chain.pre_certificate.data;
        cand_len = e->chain.pre_certificate.len;
    }
    if (!m->o.all_issuers && !match(m, e, cand, cand_len))
        return 1;
    judged j;
    int ok = 1;
    judge(m, e, &j);
    if (j.why[0] != '\0') {
        char subject[32];
        snprintf(subject, sizeof(subject), "entry %" PRIu64, e->index);
        ok = cg_mon_log_finding(m, l, CG_R_CT_LOG_CHAIN_INVALID, subject,
                                "entry %" PRIu64 ": %s; checked as its Merkle leaf stands%s",
                                e->index, j.why,
                                j.issuer.len > 0 ? "" : ", nothing of its chain stored");
    }
    if (ok && j.obj == NULL) {
        cg_mon_seterr(m, "entry %" PRIu64 ": out of memory", e->index);
        ok = 0;
    }
    /* The issuer first (the store keeps each object once), so the rules
     * that need the CA (SCT signatures, issuer key hash) have it. j.issuer
     * is the chain's first certificate, hashed by judge. */
    if (ok && j.issuer.len > 0 && !issuer_known(m, j.issuer_sha256)) {
        char iname[2300];
        snprintf(iname, sizeof(iname), "%s#%" PRIu64 "/issuer", l->url, e->index);
        ok = ingest(m, iname, j.issuer.data, j.issuer.len);
        if (ok)
            issuer_remember(m, j.issuer_sha256);
    }
    if (ok) {
        l->kept++;
        m->stats.kept++;
        snprintf(name, sizeof(name), "%s#%" PRIu64, l->url, e->index);
        ok = ingest(m, name, j.obj, j.obj_len);
    }
    free(j.own);
    return ok;
}
