/* RFC 6962 §2.1 Merkle Hash Trees with SHA-256: leaf and node hashes,
 * tree roots, audit paths and consistency proofs.
 *
 * Three pieces, for three users:
 *  - free functions that hash and verify (any client of a log);
 *  - cg_merkle_frontier, the right edge of a tree: one hash per set bit of
 *    the tree size, so O(log n) bytes for any log. A monitor appends the
 *    leaf hash of every entry it processes and compares the frontier's root
 *    with the signed tree head before committing its position; the
 *    frontier is a plain struct that encodes to a few hundred bytes for the
 *    store and decodes back;
 *  - cg_merkle_tree, every perfect subtree hash of a tree held in memory
 *    (about 64 bytes per leaf), for a log that must answer proofs and serve
 *    tiles (caguard-testlog) and for tests.
 *
 * Sizes and indices are uint64_t as in RFC 6962. Hashes are 32 bytes.
 * Functions return 1 on success and 0 on failure; a failure of SHA-256
 * itself (OpenSSL out of memory) is reported the same way. A hasher keeps a
 * SHA-256 context ready, which makes hashing about three times faster than
 * OpenSSL's one-shot call; where a function takes one, NULL means "use the
 * one-shot call". A hasher is not thread-safe: use one per thread. */
#ifndef CAGUARD_CT_MERKLE_H
#define CAGUARD_CT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CG_MERKLE_HASH_LEN 32
/* A tree of up to 2^64 - 1 leaves has at most 64 perfect subtrees on its
 * right edge and audit paths of at most 64 hashes. */
#define CG_MERKLE_MAX_HEIGHT 64
/* Longest consistency proof (RFC 6962 §2.1.2): at most two hashes per
 * level. */
#define CG_MERKLE_MAX_PROOF (2 * CG_MERKLE_MAX_HEIGHT)

typedef struct cg_merkle_hasher cg_merkle_hasher;

cg_merkle_hasher *cg_merkle_hasher_new(void);
void cg_merkle_hasher_free(cg_merkle_hasher *h);

/* MTH({}) = SHA-256(""). */
int cg_merkle_empty_root(uint8_t out[CG_MERKLE_HASH_LEN]);
/* SHA-256(0x00 || leaf): leaf is the MerkleTreeLeaf structure of §3.4. */
int cg_merkle_leaf_hash(cg_merkle_hasher *h, const uint8_t *leaf, size_t len,
                        uint8_t out[CG_MERKLE_HASH_LEN]);
/* SHA-256(0x00 || a || b): the leaf hash of a leaf given in two pieces
 * (a CT MerkleTreeLeaf is a two-byte header and a TimestampedEntry). */
int cg_merkle_leaf_hash_parts(cg_merkle_hasher *h, const uint8_t *a, size_t alen, const uint8_t *b,
                              size_t blen, uint8_t out[CG_MERKLE_HASH_LEN]);
/* SHA-256(0x01 || left || right). out may alias left or right. */
int cg_merkle_node_hash(cg_merkle_hasher *h, const uint8_t left[CG_MERKLE_HASH_LEN],
                        const uint8_t right[CG_MERKLE_HASH_LEN], uint8_t out[CG_MERKLE_HASH_LEN]);

/* MTH over n consecutive hashes (n * 32 bytes), recursively as §2.1
 * defines it. With leaf hashes this is the root of a tree of n leaves, or
 * the hash of any range D[a:a+n] of a larger tree. With the hashes of n
 * consecutive perfect subtrees of equal height (a tile of level L holds
 * subtrees of 256^L leaves) it is the hash of their union, as long as only
 * the last of them may stand at the tree's right edge. n = 0 gives the
 * empty root. Needs O(log n) stack, no allocation. */
int cg_merkle_root(cg_merkle_hasher *h, const uint8_t *hashes, uint64_t n,
                   uint8_t out[CG_MERKLE_HASH_LEN]);

/* ---- verification ---- */

/* Root that an audit path (§2.1.1; hashes listed from the leaf upward, as
 * get-proof-by-hash returns them) leads to from leaf `index` of a tree of
 * `size` leaves. 0 when index >= size or the path has the wrong length for
 * that position. why (optional) says what was wrong. */
int cg_merkle_root_from_inclusion(cg_merkle_hasher *h, uint64_t index, uint64_t size,
                                  const uint8_t leaf_hash[CG_MERKLE_HASH_LEN], const uint8_t *path,
                                  size_t n, uint8_t out[CG_MERKLE_HASH_LEN], char *why,
                                  size_t whycap);
/* 1 when the audit path proves leaf_hash at index in the tree with root. */
int cg_merkle_verify_inclusion(cg_merkle_hasher *h, uint64_t index, uint64_t size,
                               const uint8_t leaf_hash[CG_MERKLE_HASH_LEN], const uint8_t *path,
                               size_t n, const uint8_t root[CG_MERKLE_HASH_LEN], char *why,
                               size_t whycap);

/* 1 when proof (§2.1.2, n hashes) shows that the tree of size1 leaves with
 * root1 is a prefix of the tree of size2 leaves with root2. Equal sizes
 * need equal roots and an empty proof; size1 = 0 needs an empty proof (the
 * empty tree is a prefix of every tree); size1 > size2 never verifies. */
int cg_merkle_verify_consistency(cg_merkle_hasher *h, uint64_t size1, uint64_t size2,
                                 const uint8_t root1[CG_MERKLE_HASH_LEN],
                                 const uint8_t root2[CG_MERKLE_HASH_LEN], const uint8_t *proof,
                                 size_t n, char *why, size_t whycap);

/* ---- the right edge of a tree being followed ---- */

typedef struct cg_merkle_frontier {
    uint64_t size; /* leaves appended so far */
    /* Roots of the perfect subtrees that make up the tree, largest (leftmost)
     * first: one per set bit of size, so popcount(size) of them are used. */
    uint8_t hash[CG_MERKLE_MAX_HEIGHT][CG_MERKLE_HASH_LEN];
} cg_merkle_frontier;

/* Encoded form: version (1 byte, 1) | size (8 bytes, big-endian) |
 * popcount(size) hashes. At most CG_MERKLE_FRONTIER_MAX_ENCODED bytes. */
#define CG_MERKLE_FRONTIER_MAX_ENCODED (1 + 8 + CG_MERKLE_MAX_HEIGHT * CG_MERKLE_HASH_LEN)

void cg_merkle_frontier_init(cg_merkle_frontier *f);
/* Appends the next leaf hash; 0 when the tree already has 2^64 - 1 leaves.
 * Costs one node hash per trailing set bit of size (one on average). */
int cg_merkle_frontier_append(cg_merkle_hasher *h, cg_merkle_frontier *f,
                              const uint8_t leaf_hash[CG_MERKLE_HASH_LEN]);
/* Appends the root of a perfect subtree of 2^height leaves (an aligned
 * piece of a compact range); f->size must be a multiple of 2^height. */
int cg_merkle_frontier_append_subtree(cg_merkle_hasher *h, cg_merkle_frontier *f,
                                      unsigned height, const uint8_t hash[CG_MERKLE_HASH_LEN]);
/* Root of the tree of f->size leaves (the empty root for 0). */
int cg_merkle_frontier_root(cg_merkle_hasher *h, const cg_merkle_frontier *f,
                            uint8_t out[CG_MERKLE_HASH_LEN]);
/* Sets f from the subtree roots of a tree of `size` leaves, largest first;
 * n must be popcount(size). */
int cg_merkle_frontier_set(cg_merkle_frontier *f, uint64_t size, const uint8_t *hashes, size_t n);
/* Sets f to the right edge of the tree of `size` leaves with `root`, from
 * the hash of its last leaf (index size - 1) and that leaf's audit path:
 * for the last leaf every sibling on the path stands to the left, so the
 * path holds the larger subtree roots and leads to the smallest one. Lets a
 * monitor start following a log at its current size without downloading
 * it. 0 (f unchanged) when the path does not prove the leaf under root. */
int cg_merkle_frontier_from_inclusion(cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t size,
                                      const uint8_t last_leaf_hash[CG_MERKLE_HASH_LEN],
                                      const uint8_t *path, size_t n,
                                      const uint8_t root[CG_MERKLE_HASH_LEN], char *why,
                                      size_t whycap);
/* Writes the encoded form; *out_len receives its length. */
int cg_merkle_frontier_encode(const cg_merkle_frontier *f, uint8_t *out, size_t cap,
                              size_t *out_len);
/* Reads the encoded form; 0 (f unchanged) unless in is exactly one. */
int cg_merkle_frontier_decode(cg_merkle_frontier *f, const uint8_t *in, size_t len);

/* ---- compact ranges ---- */

/* The compact range of the leaves [start, end) of a tree: the maximal
 * aligned perfect subtrees that cover it, left to right (a subtree of 2^k
 * leaves starts at a multiple of 2^k). At most two per height; for a range
 * that starts at a multiple of 2^k and holds at most 2^k leaves, at most
 * k + 1. Appended in order to a right edge of size start
 * (cg_merkle_frontier_append_subtree), they give the right edge at end:
 * so monitors that each hash a piece of a log can join the pieces without
 * any leaf hash of another's. */
#define CG_MERKLE_MAX_COMPACT (2 * CG_MERKLE_MAX_HEIGHT)

/* The heights of the compact range of [start, end), left to right; the
 * number of them is returned. */
size_t cg_merkle_compact_heights(uint64_t start, uint64_t end,
                                 unsigned heights[CG_MERKLE_MAX_COMPACT]);

/* Builds the compact range of [start, end) from its leaf hashes. */
typedef struct cg_merkle_compact {
    uint64_t start, end; /* leaves [start, end) appended so far */
    size_t n;            /* subtrees */
    unsigned height[CG_MERKLE_MAX_COMPACT];
    uint64_t first[CG_MERKLE_MAX_COMPACT]; /* each subtree's first leaf */
    uint8_t hash[CG_MERKLE_MAX_COMPACT][CG_MERKLE_HASH_LEN];
} cg_merkle_compact;

void cg_merkle_compact_init(cg_merkle_compact *c, uint64_t start);
/* Appends the leaf hash of leaf c->end. */
int cg_merkle_compact_append(cg_merkle_hasher *h, cg_merkle_compact *c,
                             const uint8_t leaf_hash[CG_MERKLE_HASH_LEN]);

/* ---- a whole tree in memory ---- */

/* Keeps, for every height k, the hashes of the floor(size / 2^k) perfect
 * subtrees of 2^k leaves: about 64 bytes per leaf in all. Roots and proofs
 * for any earlier size then cost O(log n) hashes. Owns its memory; not
 * thread-safe (readers may share it while nobody appends). */
typedef struct cg_merkle_tree cg_merkle_tree;

cg_merkle_tree *cg_merkle_tree_new(void);
void cg_merkle_tree_free(cg_merkle_tree *t);
uint64_t cg_merkle_tree_size(const cg_merkle_tree *t);
/* Appends one leaf hash; 0 when memory ran out (the tree is unchanged). */
int cg_merkle_tree_append(cg_merkle_tree *t, const uint8_t leaf_hash[CG_MERKLE_HASH_LEN]);
/* Hash of the perfect subtree of 2^height leaves starting at leaf
 * index << height; 0 unless it lies wholly within the tree. height 0 gives
 * the leaf hashes; a level-L tile of static-ct-api is the run of such
 * hashes at height 8L. */
int cg_merkle_tree_node(const cg_merkle_tree *t, unsigned height, uint64_t index,
                        uint8_t out[CG_MERKLE_HASH_LEN]);
/* MTH(D[start:end]) for start < end <= size (the empty root when
 * start == end); the root of the tree at an earlier size is [0, size). */
int cg_merkle_tree_range(const cg_merkle_tree *t, uint64_t start, uint64_t end,
                         uint8_t out[CG_MERKLE_HASH_LEN]);
/* Audit path PATH(index, D[0:size]) for index < size <= tree size, from the
 * leaf upward, into out (cap hashes of room; CG_MERKLE_MAX_HEIGHT always
 * suffice); *n receives the number of hashes. */
int cg_merkle_tree_inclusion_proof(const cg_merkle_tree *t, uint64_t index, uint64_t size,
                                   uint8_t *out, size_t cap, size_t *n);
/* PROOF(size1, D[0:size2]) for size1 <= size2 <= tree size (empty when
 * size1 is 0 or size1 == size2); CG_MERKLE_MAX_PROOF hashes always suffice. */
int cg_merkle_tree_consistency_proof(const cg_merkle_tree *t, uint64_t size1, uint64_t size2,
                                     uint8_t *out, size_t cap, size_t *n);

#endif
