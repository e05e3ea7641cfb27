/* A static-ct-api log client (c2sp.org/static-ct-api) over libcurl: the
 * checkpoint (a signed note verified with the log's RFC 6962 key) and the
 * entries of a range read from data tiles, several tiles in flight at once,
 * delivered in index order as the same cg_log_entry values the RFC 6962
 * client (logclient.h) delivers, so a monitor treats both kinds of log
 * alike.
 *
 * The checkpoint: origin, tree size and root lines, and a signature line by
 * the origin with key ID SHA-256(origin || 0x0A || 0x05 || LogID)[:4] whose
 * body is an RFC6962NoteSignature (timestamp and TreeHeadSignature), which
 * is verified as get-sth's would be (ct/sth.h). Signature lines of other
 * keys are ignored, as c2sp.org/signed-note requires.
 *
 * A range [f->size, end) is read from the data tiles that hold it,
 * tile/data/<N> (256 entries) or, for the last tile of the checkpoint's
 * tree, the partial tile tile/data/<N>.p/<W> with W = tree size mod 256, as
 * c2sp.org/tlog-tiles names them (N in 3-digit path elements, all but the
 * last prefixed x). A partial tile that is gone (404) is asked again as the
 * full tile, as the specification allows the log to delete it once the
 * full one exists. Each TileLeaf is parsed (x509 and precert entries, the
 * submitted precertificate, the chain's SHA-256 fingerprints); issuers are
 * fetched once each from issuer/<hex fingerprint>, checked to hash to their
 * fingerprint and kept for the client's life. The entry handed over holds
 * the MerkleTreeLeaf (leaf) and the RFC 6962 extra_data (extra) rebuilt
 * from the tile and the issuers, with entry and chain parsed from them.
 *
 * An entry is not ok (ok = 0, err says why) when an issuer it names is not
 * served (404) or does not hash to its fingerprint, or when its leaf_index
 * extension names another index. A data tile that does not parse (a
 * TileLeaf cannot be read, so the entries after it cannot be found) or
 * holds another number of entries than its width stops the scan with
 * CG_LOG_BAD_ANSWER before any entry of that tile is delivered.
 *
 * Every entry's leaf hash goes into the caller's Merkle right edge; at the
 * end of a range that reaches the checkpoint's tree size the edge's root is
 * compared with the checkpoint's. Data tiles are fetched through the same
 * sliding window as the RFC 6962 client's get-entries (monitor/fetch.h: N
 * tiles in flight across ranges, handed over in order, N adapting), and the
 * hash tiles of the consistency proof at a range's end are asked ahead, when
 * the range starts. The tiles the last proof (or right edge) was made of are
 * kept for the next range's proof against the same tree (a tile of a given
 * width never changes; a partial tile is the start of the wider ones), so
 * a catch-up asks each hash tile once: at most 32 tiles of 8 KiB, a few in
 * practice (three for a tree of 100,000). They are dropped at a new
 * checkpoint (the monitor's next round), when a scan starts elsewhere than
 * where the last one ended (a range read again after a rollback) and when
 * a right edge made of them does not hash to its checkpoint: a proof that
 * failed to verify is made again of tiles read again, as before they were
 * kept.
 * Transport (timeouts, retries, backoff, 429 and Retry-After, gzip) is the
 * same as the RFC 6962 client's; opts.batch is unused (a data tile is 256
 * entries). */
#ifndef CAGUARD_MONITOR_TILECLIENT_H
#define CAGUARD_MONITOR_TILECLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ct/merkle.h"
#include "ct/sth.h"
#include "monitor/logclient.h"

#define CG_TILE_WIDTH 256
/* Room for the longest tile path: "tile/data/", seven 3-digit elements of
 * a 64-bit index, ".p/255" and a NUL. */
#define CG_TILE_PATH_MAX 64

typedef struct cg_tileclient cg_tileclient;

/* url: the log's monitoring prefix. key: the log's public key, borrowed.
 * origin: the checkpoint origin to require, or NULL to take the note's own
 * (its name is bound into the key ID, but the signature does not cover
 * it: a log's key signing for another origin is a note of another log, or
 * of none). opts may be NULL. */
cg_tileclient *cg_tileclient_new(const char *url, EVP_PKEY *key, const char *origin,
                                 const cg_logclient_opts *opts);
void cg_tileclient_free(cg_tileclient *tc);
/* The LogID: SHA-256 of the key's SPKI. */
const uint8_t *cg_tileclient_get0_log_id(const cg_tileclient *tc);

/* The checkpoint into *sth. CG_LOG_STH_SIG when it parsed but its
 * signature does not verify under the log key, or it carries no signature
 * line of the log key at all (*sth is filled when the note parsed);
 * CG_LOG_ORIGIN when it is signed by the log's key but its origin is not
 * the one required (*sth filled; not to be trusted); CG_LOG_BAD_ANSWER when
 * it is not a checkpoint. why says what was wrong. */
cg_log_status cg_tileclient_get_checkpoint(cg_tileclient *tc, cg_sth *sth, char *why,
                                           size_t whycap);

/* Fetches entries [f->size, end), calls fn for each in index order and
 * appends its leaf hash to f, as cg_logclient_scan does. The tiles asked
 * for are those of a tree of sth->tree_size entries (end when sth is NULL;
 * end must not exceed it). When end == sth->tree_size the root of f is
 * then compared with sth->root: CG_LOG_MERKLE when they differ (f holds the
 * whole range all the same). On any status but CG_LOG_OK and CG_LOG_MERKLE,
 * f holds exactly the entries that fn accepted. */
cg_log_status cg_tileclient_scan(cg_tileclient *tc, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                 uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                 char *why, size_t whycap);

/* PROOF(size1, D[0:size2]) (RFC 6962 §2.1.2) computed from the hash tiles
 * of the tree of size2 entries (tile/<L>/<N>, c2sp.org/tlog-tiles), into
 * proof (room for CG_MERKLE_MAX_PROOF hashes), *n hashes. The tiles are not
 * authenticated by themselves: the caller verifies the proof against both
 * signed roots. h may be NULL. size2 must be the size of a checkpoint the
 * caller verified (partial tiles exist only for those). */
cg_log_status cg_tileclient_get_consistency(cg_tileclient *tc, cg_merkle_hasher *h, uint64_t size1,
                                            uint64_t size2, uint8_t *proof, size_t *n, char *why,
                                            size_t whycap);
/* The right edge of the tree of sth->tree_size entries from its hash tiles
 * (one tile per set bit of the size at most), proven under sth->root:
 * CG_LOG_MERKLE (f unchanged) when the tiles do not hash to it. Where a
 * monitor starts a log from its end. */
cg_log_status cg_tileclient_frontier_at(cg_tileclient *tc, cg_merkle_hasher *h, const cg_sth *sth,
                                        cg_merkle_frontier *f, char *why, size_t whycap);

/* The path of a tile below the prefix (c2sp.org/tlog-tiles): "tile/<L>/<N>"
 * (or "tile/data/<N>" when level < 0), with ".p/<W>" when width < 256.
 * 0 when width is 0 or over 256. */
int cg_tile_path(int level, uint64_t index, unsigned width, char out[CG_TILE_PATH_MAX]);

#endif
