/* caguard-testlog: a CT log for tests, demos and pipelines (docs/testlog.md).
 *
 * The log lives in a directory D:
 *   log.json       origin, log ID, public key (informational; key.pem rules)
 *   key.pem        the signing key (PKCS#8 PEM, mode 0600)
 *   wrong-key.pem  a second key of the same kind, for the wrong-key fault
 *   pubkey.pem     the public key
 *   entries.bin    the entries in log order, each a static-ct-api TileLeaf
 *                  (TimestampedEntry, pre_certificate, chain fingerprints):
 *                  a data tile is a byte range of this file
 *   tree.bin       the leaf hashes, 32 bytes per entry
 *   issuer/<hex>   every chain certificate (DER), named by its SHA-256, as
 *                  static-ct-api serves them
 *   sth.json       the latest signed tree head, as get-sth returns it
 *   checkpoint     the same tree head as a static-ct-api checkpoint (written
 *                  once the origin is known: --origin, or the served address)
 *
 * The log keeps in memory only the entry offsets, the Merkle tree (about
 * 70 bytes per entry) and the issuers; entries are read from entries.bin
 * when asked for. */
#ifndef CAGUARD_TESTLOG_H
#define CAGUARD_TESTLOG_H

#include <openssl/types.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sth.h"
#include "der/cbs.h"
#include "util/base64.h"
#include "util/hex.h"

#define TL_EXIT_USAGE 2
#define TL_ORIGIN_MAX 256
#define TL_MAX_CHAIN 16
/* Largest request body (add-chain) and largest certificate accepted. */
#define TL_MAX_BODY (4u << 20)

typedef struct tl_issuer {
    uint8_t fp[32];
    uint8_t *der;
    size_t len;
} tl_issuer;

typedef struct tl_log {
    char *dir;
    char origin[TL_ORIGIN_MAX]; /* "" until served when build had no --origin */
    EVP_PKEY *key;
    EVP_PKEY *wrong_key;
    uint8_t log_id[32];
    uint8_t *pub_der; /* SubjectPublicKeyInfo */
    size_t pub_len;

    int entries_fd;
    int tree_fd;
    uint64_t *off; /* off[i]: start of entry i in entries.bin; off[n]: its size */
    uint64_t n;
    uint64_t cap;
    cg_merkle_tree *tree;
    cg_merkle_hasher *hasher;
    /* leaf hash -> index, open addressing over the tree's leaf hashes */
    uint64_t *by_hash; /* index + 1, 0 = empty */
    uint64_t by_hash_cap;

    tl_issuer *issuers; /* sorted by fp */
    size_t n_issuers;
    uint8_t (*roots)[32]; /* fingerprints of chain ends, in first-seen order */
    size_t n_roots;

    cg_sth sth;       /* the latest signed tree head */
    cg_sth wrong_sth; /* the same head signed with wrong_key */
    int sync;         /* fsync after every append (serve), or only at the end (build) */
    pthread_rwlock_t lock;
} tl_log;

/* What add-chain returns. */
typedef struct tl_sct {
    uint64_t index;
    uint64_t timestamp;
    uint8_t ext[8];
    size_t ext_len;
    uint8_t hash_alg, sig_alg;
    uint8_t sig[CG_CT_MAX_SIG];
    size_t sig_len;
} tl_sct;

/* ---- util.c ---- */
int tl_read_file(const char *path, uint8_t **out, size_t *len);
/* Writes path through path.tmp and rename, fsynced. */
int tl_write_file(const char *path, const void *data, size_t len, int mode);
EVP_PKEY *tl_read_private_key(const char *path, char *err, size_t errcap);
int tl_write_private_key(const char *path, EVP_PKEY *key, int exclusive);
int tl_write_public_key(const char *path, EVP_PKEY *key);
EVP_PKEY *tl_generate_key_like(EVP_PKEY *key);
EVP_PKEY *tl_generate_key(const char *type);
int64_t tl_now_ms(void);
/* gzip of data into a new buffer. */
int tl_gzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);

/* ---- logdir.c ---- */
/* Makes a new, empty log in dir (created if missing; must hold no log). */
tl_log *tl_log_create(const char *dir, EVP_PKEY *key, const char *origin, char *err,
                      size_t errcap);
/* Opens the log in dir: reads every entry, checks tree.bin and sth.json
 * against them, and signs a new tree head when entries were added after
 * the last one. */
tl_log *tl_log_open(const char *dir, char *err, size_t errcap);
void tl_log_free(tl_log *log);
/* Writes issuer/<hex> and keeps the certificate, unless it is known;
 * its SHA-256 in fp. */
int tl_log_store_issuer(tl_log *log, const cg_cbs *cert, uint8_t fp[32], char *err, size_t errcap);
/* Appends one encoded entry (rec, its TileLeaf, read back as tl; its leaf
 * hash) to entries.bin and tree.bin and to the index in memory. */
int tl_log_append(tl_log *log, const uint8_t *rec, size_t rec_len, const cg_ct_tile_leaf *tl,
                  const uint8_t leaf_hash[32], char *err, size_t errcap);
/* Signs a tree head over all entries (timestamp now, or later than the
 * last) and writes sth.json and checkpoint. */
int tl_log_sign(tl_log *log, char *err, size_t errcap);
/* Writes sth.json and, when log->origin is set, checkpoint. */
int tl_log_save_head(tl_log *log, char *err, size_t errcap);
/* Reads entry i from entries.bin into a new buffer (its TileLeaf). */
int tl_log_read_entries(const tl_log *log, uint64_t start, uint64_t end, uint8_t **out,
                        size_t *len);
const tl_issuer *tl_log_issuer(const tl_log *log, const uint8_t fp[32]);
/* Index of the leaf with this leaf hash, or 0 when there is none. */
int tl_log_find_hash(const tl_log *log, const uint8_t hash[32], uint64_t *index);
/* get-sth JSON of sth, and its checkpoint text (new strings). */
char *tl_sth_json(const cg_sth *sth);
char *tl_checkpoint_text(const tl_log *log, const cg_sth *sth);
/* SCT as add-chain returns it (new string). */
char *tl_sct_json(const tl_log *log, const tl_sct *sct);

/* ---- submit.c ---- */
/* Appends one entry from a submitted chain (chain[0] the certificate or
 * precertificate, then its issuers), with the SCT for it. Callers hold the
 * write lock when others may read. 0 with err on a chain the log refuses
 * (*client_error set) or an I/O failure. */
int tl_log_add(tl_log *log, const cg_cbs *chain, size_t n, int precert, uint64_t timestamp,
               tl_sct *sct, int *client_error, char *err, size_t errcap);

/* ---- subcommands ---- */
int tl_cmd_build(int argc, char **argv);
int tl_cmd_keygen(int argc, char **argv);
int tl_cmd_serve(int argc, char **argv);

#endif
