/* Signed tree heads and checkpoints (RFC 6962 §3.5, c2sp.org/static-ct-api,
 * c2sp.org/signed-note, c2sp.org/tlog-checkpoint). */
#include "ct/sth.h"

#include "util/base64.h"
#include "util/errf.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 6962 §3.5 */
#define CT_VERSION_V1 0
#define CT_SIGNATURE_TYPE_TREE_HASH 1
/* c2sp.org/signed-note signature type of RFC 6962 TreeHeadSignatures */
#define NOTE_SIG_RFC6962 0x05

int cg_ct_log_id(EVP_PKEY *key, uint8_t out[32])
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    if (!ok)
        ERR_clear_error();
    return ok;
}

typedef enum { KEY_EC, KEY_RSA, KEY_OTHER } key_kind;

static key_kind kind_of(EVP_PKEY *key, char *why, size_t whycap)
{
    char group[64] = "";
    int base = EVP_PKEY_get_base_id(key);

    if (base == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key) < 2048) {
            cg_errf(why, whycap, "RSA key of %d bits (a CT log key needs at least 2048)",
                    EVP_PKEY_get_bits(key));
            return KEY_OTHER;
        }
        return KEY_RSA;
    }
    if (base != EVP_PKEY_EC) {
        cg_errf(why, whycap, "key is neither EC nor RSA");
        return KEY_OTHER;
    }
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL)) {
        ERR_clear_error();
        cg_errf(why, whycap, "EC key on an unnamed curve");
        return KEY_OTHER;
    }
    if (strcmp(group, SN_X9_62_prime256v1) != 0 && strcmp(group, SN_secp384r1) != 0) {
        cg_errf(why, whycap, "EC key on %s (a CT log key is P-256 or P-384)", group);
        return KEY_OTHER;
    }
    return KEY_EC;
}

int cg_ct_key_usable(EVP_PKEY *key, char *why, size_t whycap)
{
    return key != NULL && kind_of(key, why, whycap) != KEY_OTHER;
}

int cg_ct_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *hash_alg, uint8_t *sig_alg,
               uint8_t *sig, size_t cap, size_t *sig_len)
{
    key_kind kind = kind_of(key, NULL, 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = 0;
    int ok = 0;

    if (kind == KEY_OTHER || ctx == NULL ||
        EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, key, NULL) != 1 ||
        (kind == KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) ||
        EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || n > cap ||
        EVP_DigestSign(ctx, sig, &n, data, len) != 1)
        goto out;
    *hash_alg = CG_TLS_HASH_SHA256;
    *sig_alg = kind == KEY_RSA ? CG_TLS_SIG_RSA : CG_TLS_SIG_ECDSA;
    *sig_len = n;
    ok = 1;
out:
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

int cg_ct_verify(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t hash_alg, uint8_t sig_alg,
                 const uint8_t *sig, size_t sig_len, char *why, size_t whycap)
{
    key_kind kind = kind_of(key, why, whycap);
    EVP_MD_CTX *ctx;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    if (kind == KEY_OTHER)
        return 0;
    if (hash_alg != CG_TLS_HASH_SHA256) {
        cg_errf(why, whycap, "hash algorithm %u is not SHA-256 (4)", hash_alg);
        return 0;
    }
    if (sig_alg != (kind == KEY_RSA ? CG_TLS_SIG_RSA : CG_TLS_SIG_ECDSA)) {
        cg_errf(why, whycap, "signature algorithm %u does not fit the log's %s key", sig_alg,
                kind == KEY_RSA ? "RSA" : "EC");
        return 0;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA256", NULL, NULL, key, NULL) != 1 ||
        (kind == KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
        cg_errf(why, whycap, "OpenSSL cannot set up verification with the log key");
        goto out;
    }
    if (EVP_DigestVerify(ctx, sig, sig_len, data, len) != 1) {
        cg_errf(why, whycap, "%s signature does not verify with the log key",
                kind == KEY_RSA ? "RSA" : "ECDSA");
        goto out;
    }
    ok = 1;
    if (why != NULL && whycap > 0)
        why[0] = '\0';
out:
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

int cg_sth_tbs(const cg_sth *sth, uint8_t out[CG_STH_TBS_LEN])
{
    cg_cbb cbb;
    size_t len = 0;
    cg_cbb_init_fixed(&cbb, out, CG_STH_TBS_LEN);
    return cg_cbb_add_u8(&cbb, CT_VERSION_V1) &&
           cg_cbb_add_u8(&cbb, CT_SIGNATURE_TYPE_TREE_HASH) &&
           cg_cbb_add_u64(&cbb, sth->timestamp) && cg_cbb_add_u64(&cbb, sth->tree_size) &&
           cg_cbb_add_bytes(&cbb, sth->root, 32) && cg_cbb_finish(&cbb, &len) &&
           len == CG_STH_TBS_LEN;
}

int cg_sth_sign(cg_sth *sth, EVP_PKEY *key)
{
    uint8_t tbs[CG_STH_TBS_LEN];
    return cg_sth_tbs(sth, tbs) && cg_ct_sign(key, tbs, sizeof(tbs), &sth->hash_alg, &sth->sig_alg,
                                              sth->sig, sizeof(sth->sig), &sth->sig_len);
}

int cg_sth_verify(const cg_sth *sth, EVP_PKEY *key, char *why, size_t whycap)
{
    uint8_t tbs[CG_STH_TBS_LEN];
    if (!cg_sth_tbs(sth, tbs)) {
        cg_errf(why, whycap, "cannot encode the TreeHeadSignature");
        return 0;
    }
    return cg_ct_verify(key, tbs, sizeof(tbs), sth->hash_alg, sth->sig_alg, sth->sig, sth->sig_len,
                        why, whycap);
}

int cg_sth_signature_write(cg_cbb *cbb, const cg_sth *sth)
{
    cg_cbb v;
    return cg_cbb_add_u8(cbb, sth->hash_alg) && cg_cbb_add_u8(cbb, sth->sig_alg) &&
           cg_cbb_add_length_prefixed(cbb, &v, 2) &&
           cg_cbb_add_bytes(&v, sth->sig, sth->sig_len) && cg_cbb_flush(cbb);
}

/* Reads a DigitallySigned from *in. */
static int read_signature(cg_cbs *in, cg_sth *sth)
{
    cg_cbs sig;
    if (!cg_cbs_get_u8(in, &sth->hash_alg) || !cg_cbs_get_u8(in, &sth->sig_alg) ||
        !cg_cbs_get_u16_length_prefixed(in, &sig) || sig.len > sizeof(sth->sig))
        return 0;
    memcpy(sth->sig, sig.data, sig.len);
    sth->sig_len = sig.len;
    return 1;
}

int cg_sth_signature_parse(cg_sth *sth, const uint8_t *in, size_t len)
{
    cg_cbs cbs;
    cg_sth tmp = *sth;
    cg_cbs_init(&cbs, in, len);
    if (!read_signature(&cbs, &tmp) || cbs.len != 0)
        return 0;
    *sth = tmp;
    return 1;
}

/* ---- checkpoints ---- */

static const char em_dash[] = "\xe2\x80\x94";

int cg_checkpoint_key_id(const char *name, const uint8_t log_id[32], uint8_t out[4])
{
    uint8_t md[32];
    uint8_t mid[2] = {'\n', NOTE_SIG_RFC6962};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
             EVP_DigestUpdate(ctx, mid, sizeof(mid)) == 1 &&
             EVP_DigestUpdate(ctx, log_id, 32) == 1 && EVP_DigestFinal_ex(ctx, md, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        return 0;
    }
    memcpy(out, md, 4);
    return 1;
}

/* signed-note key names: non-empty, no spaces, no '+', no control
 * characters. */
static int good_name(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '+' || c == 0x7f)
            return 0;
    }
    return 1;
}

int cg_checkpoint_write(const cg_sth *sth, const char *origin, const uint8_t log_id[32], char *out,
                        size_t cap, size_t *len)
{
    uint8_t sigbuf[4 + 8 + 4 + CG_CT_MAX_SIG];
    char root64[45], sig64[CG_BASE64_ENCODED_LEN(sizeof(sigbuf)) + 1];
    size_t siglen = 0;
    cg_cbb cbb;
    int n;

    if (!good_name(origin, strlen(origin)) || !cg_checkpoint_key_id(origin, log_id, sigbuf))
        return 0;
    cg_cbb_init_fixed(&cbb, sigbuf + 4, sizeof(sigbuf) - 4);
    if (!cg_cbb_add_u64(&cbb, sth->timestamp) || !cg_sth_signature_write(&cbb, sth) ||
        !cg_cbb_finish(&cbb, &siglen))
        return 0;
    cg_base64_encode(sth->root, 32, root64);
    cg_base64_encode(sigbuf, siglen + 4, sig64);
    n = snprintf(out, cap, "%s\n%llu\n%s\n\n%s %s %s\n", origin,
                 (unsigned long long)sth->tree_size, root64, em_dash, origin, sig64);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    *len = (size_t)n;
    return 1;
}

/* Next line of [*p, end): without its newline; 0 when no newline ends it. */
static int next_line(const char **p, const char *end, const char **line, size_t *len)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL)
        return 0;
    *line = *p;
    *len = (size_t)(nl - *p);
    *p = nl + 1;
    return 1;
}

static int parse_size(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* Strict base64 of a token without spaces into out (cap bytes). */
static int b64(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t bad = 0;
    const char *why = NULL;
    if (len == 0 || CG_BASE64_DECODED_MAX(len) > cap)
        return 0;
    return cg_base64_decode((const uint8_t *)s, len, 0, out, out_len, &bad, &why);
}

int cg_checkpoint_parse(const uint8_t *note, size_t len, const char *origin,
                        const uint8_t log_id[32], cg_sth *sth, char *why, size_t whycap)
{
    return cg_checkpoint_parse_ex(note, len, origin, log_id, sth, NULL, why, whycap);
}

int cg_checkpoint_parse_ex(const uint8_t *note, size_t len, const char *origin,
                           const uint8_t log_id[32], cg_sth *sth, int *not_signed_by_log,
                           char *why, size_t whycap)
{
    const char *text = (const char *)note, *end = text + len, *p = text, *split = NULL;
    const char *line;
    size_t line_len, root_len = 0;
    uint8_t root[64], key_id[4];
    char name[256];
    cg_sth out;
    int found = 0;

    memset(&out, 0, sizeof(out));
    if (not_signed_by_log != NULL)
        *not_signed_by_log = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = note[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            cg_errf(why, whycap, "checkpoint byte %zu is a control character (0x%02x)", i, c);
            return 0;
        }
    }
    /* The text ends at the last blank line; signatures follow it. */
    for (const char *q = text; q + 1 < end; q++) {
        if (q[0] == '\n' && q[1] == '\n')
            split = q;
    }
    if (split == NULL) {
        cg_errf(why, whycap, "checkpoint has no blank line before its signatures");
        return 0;
    }
    end = split + 1;
    if (!next_line(&p, end, &line, &line_len) || line_len == 0 || line_len >= sizeof(name)) {
        cg_errf(why, whycap, "checkpoint has no origin line");
        return 0;
    }
    memcpy(name, line, line_len);
    name[line_len] = '\0';
    if (origin != NULL && strcmp(name, origin) != 0) {
        cg_errf(why, whycap, "checkpoint origin is \"%s\", expected \"%s\"", name, origin);
        return 0;
    }
    if (!next_line(&p, end, &line, &line_len) || !parse_size(line, line_len, &out.tree_size)) {
        cg_errf(why, whycap, "checkpoint line 2 is not a tree size in decimal");
        return 0;
    }
    if (!next_line(&p, end, &line, &line_len) ||
        !b64(line, line_len, root, sizeof(root), &root_len) || root_len != 32) {
        cg_errf(why, whycap, "checkpoint line 3 is not a base64 SHA-256 root hash");
        return 0;
    }
    memcpy(out.root, root, 32);
    if (p != end) {
        cg_errf(why, whycap,
                "checkpoint has extension lines, which an RFC 6962 note signature "
                "does not allow");
        return 0;
    }
    if (!cg_checkpoint_key_id(name, log_id, key_id)) {
        cg_errf(why, whycap, "cannot compute the key ID");
        return 0;
    }

    p = split + 2;
    end = text + len;
    if (p == end) {
        cg_errf(why, whycap, "checkpoint has no signature lines");
        return 0;
    }
    while (p < end) {
        uint8_t sig[4 + 8 + 4 + CG_CT_MAX_SIG + 3];
        size_t sig_len = 0, name_len;
        const char *sp;
        cg_cbs cbs;
        cg_sth cand = out;

        if (!next_line(&p, end, &line, &line_len) || line_len < 4 ||
            memcmp(line, em_dash, 3) != 0 || line[3] != ' ') {
            cg_errf(why, whycap, "checkpoint signature lines must be \"— name signature\\n\"");
            return 0;
        }
        line += 4;
        line_len -= 4;
        sp = memchr(line, ' ', line_len);
        if (sp == NULL || !good_name(line, (size_t)(sp - line))) {
            cg_errf(why, whycap, "checkpoint signature line without a key name and a signature");
            return 0;
        }
        name_len = (size_t)(sp - line);
        if (!b64(sp + 1, line_len - name_len - 1, sig, sizeof(sig), &sig_len) || sig_len < 4) {
            cg_errf(why, whycap, "checkpoint signature is not base64 of a key ID and a signature");
            return 0;
        }
        /* Unknown keys (another name or ID) are ignored. */
        if (found || name_len != strlen(name) || memcmp(line, name, name_len) != 0 ||
            memcmp(sig, key_id, 4) != 0)
            continue;
        cg_cbs_init(&cbs, sig + 4, sig_len - 4);
        if (!cg_cbs_get_u64(&cbs, &cand.timestamp) || !read_signature(&cbs, &cand) ||
            cbs.len != 0) {
            cg_errf(why, whycap, "the log's note signature is not an RFC6962NoteSignature");
            return 0;
        }
        out = cand;
        found = 1;
    }
    if (!found) {
        if (not_signed_by_log != NULL)
            *not_signed_by_log = 1;
        cg_errf(why, whycap, "no signature line by \"%s\" with key ID %02x%02x%02x%02x", name,
                key_id[0], key_id[1], key_id[2], key_id[3]);
        return 0;
    }
    *sth = out;
    if (why != NULL && whycap > 0)
        why[0] = '\0';
    return 1;
}
