/* Signed tree heads: RFC 6962 §3.5 (TreeHeadSignature, get-sth) and their
 * checkpoint form (c2sp.org/static-ct-api "Checkpoints", c2sp.org/
 * tlog-checkpoint, c2sp.org/signed-note), plus the RFC 5246
 * DigitallySigned signing and verification both use, and which SCTs use
 * too.
 *
 * A static-ct-api log signs its checkpoint with the same RFC 6962 key and
 * the same TreeHeadSignature as get-sth: the note signature (type 0x05,
 * "RFC6962NoteSignature") is the STH timestamp followed by the
 * DigitallySigned bytes, under the key name of the origin line and the key
 * ID SHA-256(origin || 0x0A || 0x05 || LogID)[:4]. So a get-sth answer and
 * a checkpoint carry the same signature and convert into each other.
 *
 * Keys are OpenSSL EVP_PKEYs (EC P-256 or P-384 with SHA-256, or RSA with
 * PKCS#1 v1.5 and SHA-256, as RFC 6962 §2.1.4 allows). */
#ifndef CAGUARD_CT_STH_H
#define CAGUARD_CT_STH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "der/cbs.h"

#define CG_TLS_HASH_SHA256 4
#define CG_TLS_SIG_RSA 1
#define CG_TLS_SIG_ECDSA 3
/* Room for a signature by an RSA key of up to 4096 bits. */
#define CG_CT_MAX_SIG 512
/* version | signature_type | timestamp | tree_size | sha256_root_hash */
#define CG_STH_TBS_LEN 50

typedef struct cg_sth {
    uint64_t tree_size;
    uint64_t timestamp; /* milliseconds since the epoch */
    uint8_t root[32];
    /* tree_head_signature, a DigitallySigned */
    uint8_t hash_alg;
    uint8_t sig_alg;
    uint8_t sig[CG_CT_MAX_SIG];
    size_t sig_len;
} cg_sth;

/* LogID: SHA-256 of the key's DER SubjectPublicKeyInfo. */
int cg_ct_log_id(EVP_PKEY *key, uint8_t out[32]);
/* 1 when key can sign for a CT log (EC P-256 or P-384, or RSA of at least
 * 2048 bits); else 0 with why. */
int cg_ct_key_usable(EVP_PKEY *key, char *why, size_t whycap);

/* DigitallySigned over data with SHA-256: fills the algorithms and the
 * signature (DER ECDSA-Sig-Value, or the RSA block). */
int cg_ct_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *hash_alg, uint8_t *sig_alg,
               uint8_t *sig, size_t cap, size_t *sig_len);
/* 1 when sig verifies over data with key and the algorithms match the key;
 * else 0 with why. */
int cg_ct_verify(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t hash_alg, uint8_t sig_alg,
                 const uint8_t *sig, size_t sig_len, char *why, size_t whycap);

/* The TreeHeadSignature structure that is signed. */
int cg_sth_tbs(const cg_sth *sth, uint8_t out[CG_STH_TBS_LEN]);
int cg_sth_sign(cg_sth *sth, EVP_PKEY *key);
int cg_sth_verify(const cg_sth *sth, EVP_PKEY *key, char *why, size_t whycap);

/* tree_head_signature as get-sth carries it (after base64): hash (1) |
 * signature algorithm (1) | opaque signature<0..2^16-1>. */
int cg_sth_signature_write(cg_cbb *cbb, const cg_sth *sth);
int cg_sth_signature_parse(cg_sth *sth, const uint8_t *in, size_t len);

/* ---- checkpoints ---- */

/* Note key ID of an RFC 6962 log: SHA-256(name || 0x0A || 0x05 || log_id),
 * first four bytes. */
int cg_checkpoint_key_id(const char *name, const uint8_t log_id[32], uint8_t out[4]);

/* Writes the checkpoint of sth as a signed note: origin, size and base64
 * root lines, a blank line and one signature line by origin. NUL-terminated;
 * *len receives the length without the NUL. Fails when origin is empty or
 * holds a space, a plus or a control character. */
int cg_checkpoint_write(const cg_sth *sth, const char *origin, const uint8_t log_id[32], char *out,
                        size_t cap, size_t *len);

/* Reads a checkpoint: the note text must be exactly origin, tree size and
 * root hash (no extension lines, as an RFC 6962 note signature requires),
 * and one signature line must be by origin with the key ID of log_id;
 * other signature lines are ignored, as signed-note requires. origin NULL
 * accepts the note's own origin line. Fills sth (size, root, and the
 * timestamp and signature of that line) without verifying the signature:
 * call cg_sth_verify. 0 with why when the note is malformed or has no
 * signature of the log. */
int cg_checkpoint_parse(const uint8_t *note, size_t len, const char *origin,
                        const uint8_t log_id[32], cg_sth *sth, char *why, size_t whycap);
/* The same, and on failure *not_signed_by_log (may be NULL) says whether
 * the note was well-formed but held no signature line of the log (its key
 * name and key ID): for a client, a tree head that does not verify under
 * the log's key rather than a malformed answer. */
int cg_checkpoint_parse_ex(const uint8_t *note, size_t len, const char *origin,
                           const uint8_t log_id[32], cg_sth *sth, int *not_signed_by_log,
                           char *why, size_t whycap);

#endif
