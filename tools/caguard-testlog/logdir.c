/* The log directory: entries, tree, issuers and tree heads on disk and
 * in memory; creating and opening a log, appending to it, signing its
 * tree heads. The submission path that turns a chain into an entry and
 * an SCT is submit.c. */
#include "testlog.h"

#include "ct/leaf.h"
#include "util/errf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_FORMAT 1

static char *path_in(const tl_log *log, const char *name)
{
    size_t n = strlen(log->dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", log->dir, name);
    return p;
}

static tl_log *log_alloc(const char *dir)
{
    tl_log *log = calloc(1, sizeof(*log));
    if (log == NULL)
        return NULL;
    log->entries_fd = -1;
    log->tree_fd = -1;
    log->dir = strdup(dir);
    log->tree = cg_merkle_tree_new();
    log->hasher = cg_merkle_hasher_new();
    log->off = malloc(64 * sizeof(*log->off));
    log->cap = 63;
    if (log->dir == NULL || log->tree == NULL || log->hasher == NULL || log->off == NULL ||
        pthread_rwlock_init(&log->lock, NULL) != 0) {
        free(log->off);
        cg_merkle_hasher_free(log->hasher);
        cg_merkle_tree_free(log->tree);
        free(log->dir);
        free(log);
        return NULL;
    }
    log->off[0] = 0;
    return log;
}

void tl_log_free(tl_log *log)
{
    if (log == NULL)
        return;
    if (log->entries_fd >= 0)
        close(log->entries_fd);
    if (log->tree_fd >= 0)
        close(log->tree_fd);
    for (size_t i = 0; i < log->n_issuers; i++)
        free(log->issuers[i].der);
    free(log->issuers);
    free(log->roots);
    free(log->by_hash);
    free(log->off);
    free(log->pub_der);
    cg_merkle_hasher_free(log->hasher);
    cg_merkle_tree_free(log->tree);
    EVP_PKEY_free(log->key);
    EVP_PKEY_free(log->wrong_key);
    pthread_rwlock_destroy(&log->lock);
    free(log->dir);
    free(log);
}

static int set_key(tl_log *log, EVP_PKEY *key)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    if (len <= 0 || !cg_ct_log_id(key, log->log_id)) {
        OPENSSL_free(der);
        ERR_clear_error();
        return 0;
    }
    log->pub_der = malloc((size_t)len);
    if (log->pub_der == NULL) {
        OPENSSL_free(der);
        return 0;
    }
    memcpy(log->pub_der, der, (size_t)len);
    log->pub_len = (size_t)len;
    OPENSSL_free(der);
    log->key = key;
    return 1;
}

/* ---- leaf hash index ---- */

static uint64_t hash_slot(const uint8_t h[32], uint64_t cap)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return v & (cap - 1);
}

static void index_insert(tl_log *log, const uint8_t h[32], uint64_t index)
{
    uint64_t i = hash_slot(h, log->by_hash_cap);
    while (log->by_hash[i] != 0)
        i = (i + 1) & (log->by_hash_cap - 1);
    log->by_hash[i] = index + 1;
}

/* Keeps the table at most half full. */
static int index_reserve(tl_log *log, uint64_t n)
{
    uint64_t cap = log->by_hash_cap == 0 ? 1024 : log->by_hash_cap;
    uint64_t *old = log->by_hash, old_cap = log->by_hash_cap;

    while (cap < 2 * n)
        cap *= 2;
    if (cap == log->by_hash_cap)
        return 1;
    log->by_hash = calloc(cap, sizeof(*log->by_hash));
    if (log->by_hash == NULL) {
        log->by_hash = old;
        return 0;
    }
    log->by_hash_cap = cap;
    for (uint64_t i = 0; i < old_cap; i++) {
        uint8_t h[32];
        if (old[i] != 0 && cg_merkle_tree_node(log->tree, 0, old[i] - 1, h))
            index_insert(log, h, old[i] - 1);
    }
    free(old);
    return 1;
}

int tl_log_find_hash(const tl_log *log, const uint8_t hash[32], uint64_t *index)
{
    uint64_t i;
    if (log->by_hash_cap == 0)
        return 0;
    for (i = hash_slot(hash, log->by_hash_cap); log->by_hash[i] != 0;
         i = (i + 1) & (log->by_hash_cap - 1)) {
        uint8_t h[32];
        if (cg_merkle_tree_node(log->tree, 0, log->by_hash[i] - 1, h) &&
            memcmp(h, hash, 32) == 0) {
            *index = log->by_hash[i] - 1;
            return 1;
        }
    }
    return 0;
}

/* ---- issuers and roots ---- */

static size_t issuer_pos(const tl_log *log, const uint8_t fp[32], int *found)
{
    size_t lo = 0, hi = log->n_issuers;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(log->issuers[mid].fp, fp, 32);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const tl_issuer *tl_log_issuer(const tl_log *log, const uint8_t fp[32])
{
    int found;
    size_t i = issuer_pos(log, fp, &found);
    return found ? &log->issuers[i] : NULL;
}

/* Takes der (malloc'd) when it returns 1 with *taken set. */
static int issuer_insert(tl_log *log, const uint8_t fp[32], uint8_t *der, size_t len)
{
    int found;
    size_t i = issuer_pos(log, fp, &found);
    tl_issuer *ni;
    if (found)
        return 1;
    ni = realloc(log->issuers, (log->n_issuers + 1) * sizeof(*ni));
    if (ni == NULL)
        return 0;
    log->issuers = ni;
    memmove(ni + i + 1, ni + i, (log->n_issuers - i) * sizeof(*ni));
    memcpy(ni[i].fp, fp, 32);
    ni[i].der = der;
    ni[i].len = len;
    log->n_issuers++;
    return 1;
}

static int root_add(tl_log *log, const uint8_t fp[32])
{
    uint8_t(*nr)[32];
    for (size_t i = 0; i < log->n_roots; i++) {
        if (memcmp(log->roots[i], fp, 32) == 0)
            return 1;
    }
    nr = realloc(log->roots, (log->n_roots + 1) * sizeof(*nr));
    if (nr == NULL)
        return 0;
    log->roots = nr;
    memcpy(nr[log->n_roots++], fp, 32);
    return 1;
}

int tl_log_store_issuer(tl_log *log, const cg_cbs *cert, uint8_t fp[32], char *err, size_t errcap)
{
    char name[64 + 8], *path;
    uint8_t *copy;
    int ok;

    if (EVP_Digest(cert->data, cert->len, fp, NULL, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        cg_errf(err, errcap, "SHA-256 failed");
        return 0;
    }
    if (tl_log_issuer(log, fp) != NULL)
        return 1;
    memcpy(name, "issuer/", 7);
    cg_hex(fp, 32, name + 7);
    path = path_in(log, name);
    copy = malloc(cert->len);
    if (path == NULL || copy == NULL) {
        free(path);
        free(copy);
        cg_errf(err, errcap, "out of memory");
        return 0;
    }
    memcpy(copy, cert->data, cert->len);
    ok = tl_write_file(path, cert->data, cert->len, 0644);
    if (!ok)
        cg_errf(err, errcap, "%s: cannot write: %s", path, strerror(errno));
    free(path);
    if (!ok || !issuer_insert(log, fp, copy, cert->len)) {
        free(copy);
        if (ok)
            cg_errf(err, errcap, "out of memory");
        return 0;
    }
    return 1;
}

static int load_issuers(tl_log *log, char *err, size_t errcap)
{
    char *dirpath = path_in(log, "issuer");
    DIR *d = dirpath != NULL ? opendir(dirpath) : NULL;
    struct dirent *e;
    int ok = 1;

    if (d == NULL) {
        cg_errf(err, errcap, "%s: cannot open: %s", dirpath ? dirpath : log->dir, strerror(errno));
        free(dirpath);
        return 0;
    }
    while (ok && (e = readdir(d)) != NULL) {
        uint8_t fp[32], *der = NULL;
        char want[65], *path;
        size_t len = 0, plen;

        if (strlen(e->d_name) != 64)
            continue; /* ".", "..", temporary files */
        plen = strlen(dirpath) + 66;
        path = malloc(plen);
        if (path == NULL) {
            ok = 0;
            break;
        }
        snprintf(path, plen, "%s/%s", dirpath, e->d_name);
        if (!tl_read_file(path, &der, &len) ||
            EVP_Digest(der, len, fp, NULL, EVP_sha256(), NULL) != 1) {
            cg_errf(err, errcap, "%s: cannot read", path);
            ok = 0;
        } else {
            cg_hex(fp, 32, want);
            if (strcmp(want, e->d_name) != 0) {
                cg_errf(err, errcap, "%s: its SHA-256 is %s", path, want);
                ok = 0;
            } else if (!issuer_insert(log, fp, der, len)) {
                cg_errf(err, errcap, "out of memory");
                ok = 0;
            } else {
                der = NULL;
            }
        }
        free(der);
        free(path);
    }
    closedir(d);
    free(dirpath);
    ERR_clear_error();
    return ok;
}

/* ---- entries ---- */

static int append_entry_mem(tl_log *log, const cg_ct_tile_leaf *tl, uint64_t len,
                            const uint8_t leaf_hash[32], char *err, size_t errcap)
{
    if (log->n == log->cap) {
        uint64_t cap = log->cap * 2 + 1;
        uint64_t *no = realloc(log->off, (cap + 1) * sizeof(*no));
        if (no == NULL)
            goto oom;
        log->off = no;
        log->cap = cap;
    }
    if (!index_reserve(log, log->n + 1) || !cg_merkle_tree_append(log->tree, leaf_hash))
        goto oom;
    index_insert(log, leaf_hash, log->n);
    if (tl->fingerprints.len > 0 &&
        !root_add(log, tl->fingerprints.data + tl->fingerprints.len - 32))
        goto oom;
    log->off[log->n + 1] = log->off[log->n] + len;
    log->n++;
    return 1;
oom:
    cg_errf(err, errcap, "out of memory");
    return 0;
}

static int write_at_end(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        data += w;
        len -= (size_t)w;
    }
    return 1;
}

int tl_log_append(tl_log *log, const uint8_t *rec, size_t rec_len, const cg_ct_tile_leaf *tl,
                  const uint8_t leaf_hash[32], char *err, size_t errcap)
{
    if (!write_at_end(log->entries_fd, rec, rec_len) ||
        !write_at_end(log->tree_fd, leaf_hash, 32)) {
        cg_errf(err, errcap, "%s: cannot append the entry: %s", log->dir, strerror(errno));
        return 0;
    }
    return append_entry_mem(log, tl, rec_len, leaf_hash, err, errcap);
}

int tl_log_read_entries(const tl_log *log, uint64_t start, uint64_t end, uint8_t **out,
                        size_t *len)
{
    uint64_t from, n;
    uint8_t *buf;
    size_t got = 0;

    if (start > end || end > log->n)
        return 0;
    from = log->off[start];
    n = log->off[end] - from;
    buf = malloc(n + 1);
    if (buf == NULL)
        return 0;
    while (got < n) {
        ssize_t r = pread(log->entries_fd, buf + got, n - got, (off_t)(from + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(buf);
            return 0;
        }
        got += (size_t)r;
    }
    *out = buf;
    *len = n;
    return 1;
}

/* ---- tree heads ---- */

char *tl_sth_json(const cg_sth *sth)
{
    uint8_t sig[4 + CG_CT_MAX_SIG];
    size_t sig_len = 0;
    char *root = cg_base64_encode_new(sth->root, 32), *sigb = NULL, *out = NULL;
    json_t *o = NULL;
    cg_cbb cbb;

    cg_cbb_init_fixed(&cbb, sig, sizeof(sig));
    if (root == NULL || !cg_sth_signature_write(&cbb, sth) || !cg_cbb_finish(&cbb, &sig_len))
        goto out;
    sigb = cg_base64_encode_new(sig, sig_len);
    if (sigb == NULL)
        goto out;
    o = json_pack("{sIsIssss}", "tree_size", (json_int_t)sth->tree_size, "timestamp",
                  (json_int_t)sth->timestamp, "sha256_root_hash", root, "tree_head_signature",
                  sigb);
    if (o != NULL)
        out = json_dumps(o, JSON_COMPACT);
out:
    json_decref(o);
    free(root);
    free(sigb);
    return out;
}

char *tl_checkpoint_text(const tl_log *log, const cg_sth *sth)
{
    size_t cap = TL_ORIGIN_MAX * 2 + 1024, len = 0;
    char *buf = malloc(cap);
    if (buf != NULL && !cg_checkpoint_write(sth, log->origin, log->log_id, buf, cap, &len)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

char *tl_sct_json(const tl_log *log, const tl_sct *sct)
{
    uint8_t sig[4 + CG_CT_MAX_SIG];
    cg_sth tmp;
    size_t sig_len = 0;
    char *id = cg_base64_encode_new(log->log_id, 32), *ext = cg_base64_encode_new(sct->ext, sct->ext_len), *sigb = NULL;
    char *out = NULL;
    json_t *o = NULL;
    cg_cbb cbb;

    memset(&tmp, 0, sizeof(tmp));
    tmp.hash_alg = sct->hash_alg;
    tmp.sig_alg = sct->sig_alg;
    memcpy(tmp.sig, sct->sig, sct->sig_len);
    tmp.sig_len = sct->sig_len;
    cg_cbb_init_fixed(&cbb, sig, sizeof(sig));
    if (id == NULL || ext == NULL || !cg_sth_signature_write(&cbb, &tmp) ||
        !cg_cbb_finish(&cbb, &sig_len))
        goto out;
    sigb = cg_base64_encode_new(sig, sig_len);
    if (sigb == NULL)
        goto out;
    o = json_pack("{sisssIssss}", "sct_version", 0, "id", id, "timestamp",
                  (json_int_t)sct->timestamp, "extensions", ext, "signature", sigb);
    if (o != NULL)
        out = json_dumps(o, JSON_COMPACT);
out:
    json_decref(o);
    free(id);
    free(ext);
    free(sigb);
    return out;
}

/* Writes sth.json, and the checkpoint once the origin is known (a log
 * built without --origin takes the address it is served at). */
int tl_log_save_head(tl_log *log, char *err, size_t errcap)
{
    int have_origin = log->origin[0] != '\0';
    char *json = tl_sth_json(&log->sth);
    char *cp = have_origin ? tl_checkpoint_text(log, &log->sth) : NULL;
    char *p1 = path_in(log, "sth.json"), *p2 = path_in(log, "checkpoint");
    int ok = json != NULL && (cp != NULL || !have_origin) && p1 != NULL && p2 != NULL;

    if (!ok)
        cg_errf(err, errcap, "out of memory");
    if (ok && (!tl_write_file(p1, json, strlen(json), 0644) ||
               (have_origin && !tl_write_file(p2, cp, strlen(cp), 0644)))) {
        cg_errf(err, errcap, "%s: cannot write the tree head: %s", log->dir, strerror(errno));
        ok = 0;
    }
    free(json);
    free(cp);
    free(p1);
    free(p2);
    return ok;
}

int tl_log_sign(tl_log *log, char *err, size_t errcap)
{
    cg_sth sth;
    uint64_t now = (uint64_t)tl_now_ms();

    memset(&sth, 0, sizeof(sth));
    sth.tree_size = log->n;
    /* Tree heads move forward in time even if the clock does not. */
    sth.timestamp = now > log->sth.timestamp ? now : log->sth.timestamp + 1;
    if (!cg_merkle_tree_range(log->tree, 0, log->n, sth.root) || !cg_sth_sign(&sth, log->key)) {
        cg_errf(err, errcap, "cannot sign the tree head");
        return 0;
    }
    log->wrong_sth = sth;
    if (!cg_sth_sign(&log->wrong_sth, log->wrong_key)) {
        cg_errf(err, errcap, "cannot sign the tree head with the wrong key");
        return 0;
    }
    if (log->sync && (fdatasync(log->entries_fd) != 0 || fdatasync(log->tree_fd) != 0)) {
        cg_errf(err, errcap, "%s: cannot sync the entries: %s", log->dir, strerror(errno));
        return 0;
    }
    log->sth = sth;
    return tl_log_save_head(log, err, errcap);
}

/* ---- creating and opening ---- */

static int write_log_json(tl_log *log, char *err, size_t errcap)
{
    char *id = cg_base64_encode_new(log->log_id, 32), *pub = cg_base64_encode_new(log->pub_der, log->pub_len), *s = NULL;
    char *path = path_in(log, "log.json");
    json_t *o = NULL;
    int ok = 0;

    if (id != NULL && pub != NULL)
        o = json_pack("{sissssssssssss}", "format", LOG_FORMAT, "origin", log->origin, "log_id",
                      id, "key", pub, "private_key", "key.pem", "wrong_key", "wrong-key.pem",
                      "note", "written by caguard-testlog; see docs/testlog.md");
    if (o != NULL)
        s = json_dumps(o, JSON_INDENT(2));
    if (s != NULL && path != NULL)
        ok = tl_write_file(path, s, strlen(s), 0644);
    if (!ok)
        cg_errf(err, errcap, "%s: cannot write log.json", log->dir);
    json_decref(o);
    free(s);
    free(id);
    free(pub);
    free(path);
    return ok;
}

static int open_data_files(tl_log *log, int create, char *err, size_t errcap)
{
    char *pe = path_in(log, "entries.bin"), *pt = path_in(log, "tree.bin");
    int flags = O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
    int ok = 0;

    if (pe == NULL || pt == NULL) {
        cg_errf(err, errcap, "out of memory");
        goto out;
    }
    log->entries_fd = open(pe, flags, 0644);
    if (log->entries_fd < 0) {
        cg_errf(err, errcap, "%s: %s", pe, strerror(errno));
        goto out;
    }
    log->tree_fd = open(pt, flags, 0644);
    if (log->tree_fd < 0) {
        cg_errf(err, errcap, "%s: %s", pt, strerror(errno));
        goto out;
    }
    ok = 1;
out:
    free(pe);
    free(pt);
    return ok;
}

tl_log *tl_log_create(const char *dir, EVP_PKEY *key, const char *origin, char *err, size_t errcap)
{
    tl_log *log = log_alloc(dir);
    char *p = NULL;
    char why[128];

    if (log == NULL) {
        cg_errf(err, errcap, "out of memory");
        EVP_PKEY_free(key);
        return NULL;
    }
    if (!cg_ct_key_usable(key, why, sizeof(why)) || !set_key(log, key)) {
        cg_errf(err, errcap, "unusable log key: %s", why);
        EVP_PKEY_free(key);
        goto err;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        cg_errf(err, errcap, "%s: cannot create: %s", dir, strerror(errno));
        goto err;
    }
    p = path_in(log, "log.json");
    if (p != NULL && access(p, F_OK) == 0) {
        cg_errf(err, errcap, "%s already holds a log (log.json); use an empty directory", dir);
        goto err;
    }
    free(p);
    p = path_in(log, "issuer");
    if (p == NULL || (mkdir(p, 0755) != 0 && errno != EEXIST)) {
        cg_errf(err, errcap, "%s/issuer: cannot create: %s", dir, strerror(errno));
        goto err;
    }
    free(p);
    p = NULL;
    /* No origin: serve uses the address it listens on. */
    snprintf(log->origin, sizeof(log->origin), "%s", origin != NULL ? origin : "");
    log->wrong_key = tl_generate_key_like(key);
    if (log->wrong_key == NULL) {
        cg_errf(err, errcap, "cannot generate the wrong key");
        goto err;
    }
    p = path_in(log, "key.pem");
    if (p == NULL || !tl_write_private_key(p, key, 0)) {
        cg_errf(err, errcap, "%s: cannot write", p ? p : dir);
        goto err;
    }
    free(p);
    p = path_in(log, "wrong-key.pem");
    if (p == NULL || !tl_write_private_key(p, log->wrong_key, 0)) {
        cg_errf(err, errcap, "%s: cannot write", p ? p : dir);
        goto err;
    }
    free(p);
    p = path_in(log, "pubkey.pem");
    if (p == NULL || !tl_write_public_key(p, key)) {
        cg_errf(err, errcap, "%s: cannot write", p ? p : dir);
        goto err;
    }
    free(p);
    p = NULL;
    if (!open_data_files(log, 1, err, errcap) || !write_log_json(log, err, errcap))
        goto err;
    return log;
err:
    free(p);
    tl_log_free(log);
    return NULL;
}

static int read_log_json(tl_log *log, char *err, size_t errcap)
{
    char *path = path_in(log, "log.json");
    json_error_t jerr;
    json_t *o = path != NULL ? json_load_file(path, 0, &jerr) : NULL;
    const char *origin = NULL;
    int format = 0, ok = 0;

    if (o == NULL) {
        cg_errf(err, errcap, "%s: not a caguard-testlog directory (no readable log.json)",
                log->dir);
        goto out;
    }
    if (json_unpack(o, "{si,ss}", "format", &format, "origin", &origin) != 0 ||
        format != LOG_FORMAT || strlen(origin) >= sizeof(log->origin)) {
        cg_errf(err, errcap, "%s: log.json lacks format %d or an origin string", path, LOG_FORMAT);
        goto out;
    }
    snprintf(log->origin, sizeof(log->origin), "%s", origin);
    ok = 1;
out:
    json_decref(o);
    free(path);
    return ok;
}

static int read_sth(tl_log *log, int *present, char *err, size_t errcap)
{
    char *path = path_in(log, "sth.json");
    json_error_t jerr;
    json_t *o = NULL;
    json_int_t size = 0, ts = 0;
    const char *root = NULL, *sig = NULL;
    uint8_t *r = NULL, *s = NULL;
    size_t rlen = 0, slen = 0;
    uint8_t want[32];
    char why[160];
    int ok = 0;

    *present = 0;
    if (path == NULL || access(path, F_OK) != 0) {
        free(path);
        return 1;
    }
    *present = 1;
    o = json_load_file(path, 0, &jerr);
    if (o == NULL ||
        json_unpack(o, "{sI,sI,ss,ss}", "tree_size", &size, "timestamp", &ts, "sha256_root_hash",
                    &root, "tree_head_signature", &sig) != 0 ||
        size < 0 || ts < 0 || !cg_base64_decode_new(root, strlen(root), 0, &r, &rlen) || rlen != 32 ||
        !cg_base64_decode_new(sig, strlen(sig), 0, &s, &slen) || !cg_sth_signature_parse(&log->sth, s, slen)) {
        cg_errf(err, errcap, "%s: not a get-sth answer", path);
        goto out;
    }
    log->sth.tree_size = (uint64_t)size;
    log->sth.timestamp = (uint64_t)ts;
    memcpy(log->sth.root, r, 32);
    if (!cg_sth_verify(&log->sth, log->key, why, sizeof(why))) {
        cg_errf(err, errcap, "%s: %s", path, why);
        goto out;
    }
    if (log->sth.tree_size > log->n ||
        !cg_merkle_tree_range(log->tree, 0, log->sth.tree_size, want) ||
        memcmp(want, log->sth.root, 32) != 0) {
        cg_errf(err, errcap, "%s: tree size %llu and root do not match entries.bin (%llu entries)",
                path, (unsigned long long)log->sth.tree_size, (unsigned long long)log->n);
        goto out;
    }
    ok = 1;
out:
    json_decref(o);
    free(r);
    free(s);
    free(path);
    return ok;
}

/* Reads entries.bin and tree.bin: every TileLeaf must parse, name known
 * issuers and hash to the matching line of tree.bin. */
static int load_entries(tl_log *log, char *err, size_t errcap)
{
    struct stat st, tst;
    const uint8_t *map = NULL;
    uint8_t *tree = NULL;
    size_t tree_len = 0;
    cg_cbs in;
    int ok = 0;

    if (fstat(log->entries_fd, &st) != 0 || fstat(log->tree_fd, &tst) != 0) {
        cg_errf(err, errcap, "%s: cannot stat the entries: %s", log->dir, strerror(errno));
        return 0;
    }
    if (st.st_size > 0) {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, log->entries_fd, 0);
        if (map == MAP_FAILED) {
            cg_errf(err, errcap, "%s/entries.bin: cannot map: %s", log->dir, strerror(errno));
            return 0;
        }
    }
    if (tst.st_size > 0) {
        char *p = path_in(log, "tree.bin");
        int r = p != NULL && tl_read_file(p, &tree, &tree_len);
        free(p);
        if (!r) {
            cg_errf(err, errcap, "%s/tree.bin: cannot read", log->dir);
            goto out;
        }
    }
    cg_cbs_init(&in, map, (size_t)st.st_size);
    while (in.len > 0) {
        cg_ct_tile_leaf tl;
        cg_der_error derr;
        uint8_t h[32];
        size_t before = in.len;

        if (!cg_ct_tile_leaf_next(&in, &tl, map, &derr)) {
            cg_errf(err, errcap, "%s/entries.bin: entry %llu at byte %zu: %s", log->dir,
                    (unsigned long long)log->n, derr.offset, derr.what);
            goto out;
        }
        for (size_t i = 0; i < tl.fingerprints.len; i += 32) {
            if (tl_log_issuer(log, tl.fingerprints.data + i) == NULL) {
                char hex[65];
                cg_hex(tl.fingerprints.data + i, 32, hex);
                cg_errf(err, errcap, "entry %llu names issuer %s, which %s/issuer lacks",
                        (unsigned long long)log->n, hex, log->dir);
                goto out;
            }
        }
        if (!cg_ct_entry_leaf_hash(log->hasher, &tl.entry.raw, h)) {
            cg_errf(err, errcap, "SHA-256 failed");
            goto out;
        }
        if (tree_len < (log->n + 1) * 32 || memcmp(tree + log->n * 32, h, 32) != 0) {
            cg_errf(err, errcap, "%s/tree.bin does not hold the leaf hash of entry %llu", log->dir,
                    (unsigned long long)log->n);
            goto out;
        }
        if (!append_entry_mem(log, &tl, before - in.len, h, err, errcap))
            goto out;
    }
    if (tree_len != log->n * 32) {
        cg_errf(err, errcap, "%s/tree.bin holds %zu bytes for %llu entries", log->dir, tree_len,
                (unsigned long long)log->n);
        goto out;
    }
    ok = 1;
out:
    if (map != NULL)
        munmap((void *)(uintptr_t)map, (size_t)st.st_size);
    free(tree);
    return ok;
}

tl_log *tl_log_open(const char *dir, char *err, size_t errcap)
{
    tl_log *log = log_alloc(dir);
    EVP_PKEY *key;
    char *p = NULL;
    int have_sth = 0;

    if (log == NULL) {
        cg_errf(err, errcap, "out of memory");
        return NULL;
    }
    if (!read_log_json(log, err, errcap))
        goto err;
    p = path_in(log, "key.pem");
    key = p != NULL ? tl_read_private_key(p, err, errcap) : NULL;
    if (key == NULL || !set_key(log, key)) {
        EVP_PKEY_free(key);
        goto err;
    }
    free(p);
    p = path_in(log, "wrong-key.pem");
    log->wrong_key = p != NULL ? tl_read_private_key(p, NULL, 0) : NULL;
    if (log->wrong_key == NULL)
        log->wrong_key = tl_generate_key_like(log->key);
    if (log->wrong_key == NULL) {
        cg_errf(err, errcap, "cannot read or generate the wrong key");
        goto err;
    }
    free(p);
    p = NULL;
    if (!load_issuers(log, err, errcap) || !open_data_files(log, 0, err, errcap) ||
        !load_entries(log, err, errcap) || !read_sth(log, &have_sth, err, errcap))
        goto err;
    /* Entries appended after the last tree head (or none yet): sign one. */
    if (!have_sth || log->sth.tree_size != log->n) {
        if (!tl_log_sign(log, err, errcap))
            goto err;
    } else {
        log->wrong_sth = log->sth;
        if (!cg_sth_sign(&log->wrong_sth, log->wrong_key)) {
            cg_errf(err, errcap, "cannot sign with the wrong key");
            goto err;
        }
    }
    return log;
err:
    free(p);
    tl_log_free(log);
    return NULL;
}
