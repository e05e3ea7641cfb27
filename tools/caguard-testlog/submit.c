/* The submission path (testlog.h): a chain checked link by link, turned
 * into an entry (for a precertificate, the TBSCertificate a log signs and
 * its issuer key hash, RFC 6962 §3.1-3.2, also behind a Precertificate
 * Signing Certificate) and the SCT for it, then appended to the log
 * directory (logdir.c). */
#include "testlog.h"

#include "ct/leaf.h"
#include "ct/sct_verify.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "util/errf.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

/* An AuthorityKeyIdentifier extension naming the key of ca by its SKI,
 * as caguard's checker rebuilds it (RFC 6962 §3.2: the TBS "has its
 * Authority Key Identifier changed to match the final issuer"). */
static int aki_for(const cg_cert *ca, uint8_t *buf, size_t cap, cg_ext *out)
{
    cg_cbs keyid;
    return cg_ext_ski(cg_cert_find_ext(ca, CG_OID_SKI, sizeof(CG_OID_SKI), NULL), &keyid) &&
           cg_ext_aki_build(&keyid, buf, cap, out);
}

typedef struct submission {
    cg_cert certs[3]; /* chain[0..2] as far as given */
    uint8_t *tbs;     /* precert entries: the TBSCertificate the log signs */
    size_t tbs_len;
    uint8_t ikh[32];
} submission;

/* Parses the chain, checks that each certificate names the next as its
 * issuer, and for a precertificate rebuilds the TBS and the issuer key
 * hash (RFC 6962 §3.1-3.2, with a Precertificate Signing Certificate). */
static int prepare(submission *s, const cg_cbs *chain, size_t n, int precert, char *err,
                   size_t errcap)
{
    cg_der_error derr;
    const cg_cert *final_ca;
    const cg_cbs *new_issuer = NULL;
    uint8_t akibuf[160];
    cg_ext aki, *akip = NULL;
    size_t cap;

    for (size_t i = 0; i < n; i++) {
        cg_cert tmp, *c = i < 3 ? &s->certs[i] : &tmp;
        cg_cert next;
        if (!cg_cert_parse(c, chain[i].data, chain[i].len, &derr)) {
            cg_errf(err, errcap, "chain certificate %zu does not parse: byte %zu: %s", i,
                    derr.offset, derr.what);
            return 0;
        }
        if (c->der.len != chain[i].len) {
            cg_errf(err, errcap, "chain certificate %zu has %zu bytes after its DER", i,
                    chain[i].len - c->der.len);
            return 0;
        }
        if (i + 1 < n) {
            if (!cg_cert_parse(&next, chain[i + 1].data, chain[i + 1].len, &derr)) {
                cg_errf(err, errcap, "chain certificate %zu does not parse: byte %zu: %s", i + 1,
                        derr.offset, derr.what);
                return 0;
            }
            if (!cg_name_equal(&c->issuer, &next.subject, NULL)) {
                cg_errf(
                    err, errcap,
                    "chain certificate %zu is not the issuer of certificate %zu (names differ)",
                    i + 1, i);
                return 0;
            }
        }
    }
    if (precert != s->certs[0].is_precert) {
        cg_errf(err, errcap,
                precert
                    ? "add-pre-chain: the first certificate is not a precertificate (no "
                      "poison extension)"
                    : "add-chain: the first certificate is a precertificate; use add-pre-chain");
        return 0;
    }
    if (!precert)
        return 1;
    if (n < 2) {
        cg_errf(err, errcap, "a precertificate needs its issuer in the chain");
        return 0;
    }
    final_ca = &s->certs[1];
    if (cg_cert_is_precert_signing(&s->certs[1])) {
        if (n < 3) {
            cg_errf(err, errcap,
                    "a precertificate from a Precertificate Signing Certificate "
                    "needs the CA above it in the chain");
            return 0;
        }
        final_ca = &s->certs[2];
        new_issuer = &s->certs[1].issuer;
        if (aki_for(final_ca, akibuf, sizeof(akibuf), &aki))
            akip = &aki;
    }
    if (!cg_ct_issuer_key_hash(final_ca, s->ikh)) {
        cg_errf(err, errcap, "SHA-256 failed");
        return 0;
    }
    cap = cg_ct_entry_tbs_max_len(&s->certs[0], new_issuer, akip);
    s->tbs = malloc(cap);
    if (s->tbs == NULL ||
        !cg_ct_entry_tbs(&s->certs[0], new_issuer, akip, s->tbs, cap, &s->tbs_len)) {
        cg_errf(err, errcap, "cannot rebuild the precertificate's TBSCertificate");
        return 0;
    }
    return 1;
}

int tl_log_add(tl_log *log, const cg_cbs *chain, size_t n, int precert, uint64_t timestamp,
               tl_sct *sct, int *client_error, char *err, size_t errcap)
{
    submission *s = calloc(1, sizeof(*s));
    uint8_t fps[TL_MAX_CHAIN * 32], *te = NULL, *rec = NULL;
    size_t te_cap, te_len = 0, rec_len = 0;
    const uint8_t *body;
    size_t body_len;
    cg_ct_tile_leaf tl;
    cg_der_error derr;
    uint8_t leaf_hash[32];
    cg_cbb cbb;
    cg_cbs rcbs;
    int ok = 0;

    *client_error = 1;
    if (s == NULL) {
        cg_errf(err, errcap, "out of memory");
        *client_error = 0;
        return 0;
    }
    if (n == 0 || n > TL_MAX_CHAIN) {
        cg_errf(err, errcap, "a chain of 1 to %d certificates, got %zu", TL_MAX_CHAIN, n);
        goto out;
    }
    if (log->n > CG_CT_MAX_LEAF_INDEX) {
        cg_errf(err, errcap, "the log is full");
        goto out;
    }
    if (!prepare(s, chain, n, precert, err, errcap))
        goto out;
    *client_error = 0;
    body = precert ? s->tbs : chain[0].data;
    body_len = precert ? s->tbs_len : chain[0].len;

    memset(sct, 0, sizeof(*sct));
    sct->index = log->n;
    sct->timestamp = timestamp;
    sct->ext_len = CG_CT_LEAF_INDEX_EXT_LEN;
    cg_ct_leaf_index_ext_write(log->n, sct->ext);

    /* The SCT's signed data and the MerkleTreeLeaf are the same bytes:
     * 00 00 || TimestampedEntry. */
    te_cap = 2 + 8 + 2 + 32 + 3 + body_len + 2 + sct->ext_len;
    te = malloc(te_cap);
    if (te == NULL)
        goto oom;
    cg_cbb_init_fixed(&cbb, te, te_cap);
    if (!cg_cbb_add_u8(&cbb, 0) || !cg_cbb_add_u8(&cbb, 0) ||
        !cg_ct_entry_write(&cbb, timestamp, precert ? CG_CT_PRECERT_ENTRY : CG_CT_X509_ENTRY,
                           precert ? s->ikh : NULL, body, body_len, sct->ext, sct->ext_len) ||
        !cg_cbb_finish(&cbb, &te_len)) {
        cg_errf(err, errcap, "cannot encode the entry");
        goto out;
    }
    if (!cg_ct_sign(log->key, te, te_len, &sct->hash_alg, &sct->sig_alg, sct->sig,
                    sizeof(sct->sig), &sct->sig_len)) {
        cg_errf(err, errcap, "cannot sign the SCT");
        goto out;
    }

    for (size_t i = 1; i < n; i++) {
        if (!tl_log_store_issuer(log, &chain[i], fps + (i - 1) * 32, err, errcap))
            goto out;
    }
    rec_len = te_len + 3 + chain[0].len + 2 + (n - 1) * 32;
    rec = malloc(rec_len);
    if (rec == NULL)
        goto oom;
    cg_cbb_init_fixed(&cbb, rec, rec_len);
    if (!cg_ct_tile_leaf_write(&cbb, te + 2, te_len - 2, precert ? chain[0].data : NULL,
                               chain[0].len, fps, n - 1) ||
        !cg_cbb_finish(&cbb, &rec_len)) {
        cg_errf(err, errcap, "cannot encode the entry");
        goto out;
    }
    /* Read back what will be stored, as the loader will. */
    cg_cbs_init(&rcbs, rec, rec_len);
    if (!cg_ct_tile_leaf_next(&rcbs, &tl, rec, &derr) || rcbs.len != 0 ||
        !cg_ct_entry_leaf_hash(log->hasher, &tl.entry.raw, leaf_hash)) {
        cg_errf(err, errcap, "the encoded entry does not read back: %s", derr.what);
        goto out;
    }
    if (!tl_log_append(log, rec, rec_len, &tl, leaf_hash, err, errcap))
        goto out;
    ok = 1;
    goto out;
oom:
    cg_errf(err, errcap, "out of memory");
out:
    free(rec);
    free(te);
    if (s != NULL)
        free(s->tbs);
    free(s);
    return ok;
}
