/* RFC 6962 §2.1 Merkle Hash Trees. The verification loops follow the
 * procedures of RFC 9162 §2.1.3.2 and §2.1.4.2, which compute the same
 * trees as RFC 6962 with explicit bit arithmetic instead of recursion: fn
 * and sn are the positions of the node being rebuilt and of the last node
 * of the tree at the current level, and a level where the last node has no
 * right sibling is skipped by shifting both. */
#include "ct/merkle.h"

#include "der/cbs.h"
#include "util/errf.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HLEN CG_MERKLE_HASH_LEN

struct cg_merkle_hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

cg_merkle_hasher *cg_merkle_hasher_new(void)
{
    cg_merkle_hasher *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->ctx = EVP_MD_CTX_new();
    if (h->md == NULL || h->ctx == NULL) {
        ERR_clear_error();
        cg_merkle_hasher_free(h);
        return NULL;
    }
    return h;
}

void cg_merkle_hasher_free(cg_merkle_hasher *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    free(h);
}

/* SHA-256(prefix || a || b), through h's context when there is one, else
 * through a context made for this call with md (or the default SHA-256). */
static int digest(cg_merkle_hasher *h, const EVP_MD *md, uint8_t prefix, const uint8_t *a,
                  size_t alen, const uint8_t *b, size_t blen, uint8_t out[HLEN])
{
    EVP_MD_CTX *ctx = h != NULL ? h->ctx : EVP_MD_CTX_new();
    int ok;

    if (h != NULL)
        md = h->md;
    else if (md == NULL)
        md = EVP_sha256();
    ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
         EVP_DigestUpdate(ctx, &prefix, 1) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
         (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
         EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    if (h == NULL)
        EVP_MD_CTX_free(ctx);
    if (!ok)
        ERR_clear_error();
    return ok;
}

int cg_merkle_empty_root(uint8_t out[HLEN])
{
    if (EVP_Digest("", 0, out, NULL, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        return 0;
    }
    return 1;
}

int cg_merkle_leaf_hash(cg_merkle_hasher *h, const uint8_t *leaf, size_t len, uint8_t out[HLEN])
{
    static const uint8_t none[1] = {0};
    return digest(h, NULL, 0x00, len == 0 ? none : leaf, len, NULL, 0, out);
}

int cg_merkle_leaf_hash_parts(cg_merkle_hasher *h, const uint8_t *a, size_t alen, const uint8_t *b,
                              size_t blen, uint8_t out[HLEN])
{
    static const uint8_t none[1] = {0};
    return digest(h, NULL, 0x00, alen == 0 ? none : a, alen, b, blen, out);
}

static int node_md(cg_merkle_hasher *h, const EVP_MD *md, const uint8_t left[HLEN],
                   const uint8_t right[HLEN], uint8_t out[HLEN])
{
    /* Copies, so that out may alias an input. */
    uint8_t l[HLEN], r[HLEN];
    memcpy(l, left, HLEN);
    memcpy(r, right, HLEN);
    return digest(h, md, 0x01, l, HLEN, r, HLEN, out);
}

int cg_merkle_node_hash(cg_merkle_hasher *h, const uint8_t left[HLEN], const uint8_t right[HLEN],
                        uint8_t out[HLEN])
{
    return node_md(h, NULL, left, right, out);
}

/* Largest power of two strictly below n (n >= 2): the size of the left
 * subtree in §2.1. */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;
    for (; x != 0; x &= x - 1)
        c++;
    return c;
}

static unsigned ctz64(uint64_t x)
{
    unsigned c = 0;
    if (x == 0)
        return 64;
    for (; (x & 1) == 0; x >>= 1)
        c++;
    return c;
}

static void quiet(char *why, size_t whycap)
{
    if (why != NULL && whycap > 0)
        why[0] = '\0';
}

/* ---- roots over a run of hashes ---- */

/* The frontier fold, over an array: consuming hashes left to right, the
 * stack holds one finished perfect subtree per set bit of the count so far,
 * exactly as cg_merkle_frontier does; the root folds it from the right. */
static int fold_root(cg_merkle_hasher *h, const EVP_MD *md, const uint8_t *hashes, uint64_t n,
                     uint8_t out[HLEN])
{
    uint8_t stack[CG_MERKLE_MAX_HEIGHT][HLEN];
    unsigned depth = 0;

    if (n == 0)
        return cg_merkle_empty_root(out);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t x[HLEN];
        memcpy(x, hashes + i * HLEN, HLEN);
        for (uint64_t t = i; t & 1; t >>= 1) {
            if (!node_md(h, md, stack[--depth], x, x))
                return 0;
        }
        memcpy(stack[depth++], x, HLEN);
    }
    memcpy(out, stack[depth - 1], HLEN);
    for (unsigned d = depth - 1; d-- > 0;) {
        if (!node_md(h, md, stack[d], out, out))
            return 0;
    }
    return 1;
}

int cg_merkle_root(cg_merkle_hasher *h, const uint8_t *hashes, uint64_t n, uint8_t out[HLEN])
{
    return fold_root(h, NULL, hashes, n, out);
}

/* ---- verification ---- */

/* Whether the root got is the root want; if not, why says so (printf-style). */
static int same_root(const uint8_t got[HLEN], const uint8_t want[HLEN], char *why, size_t whycap,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int same_root(const uint8_t got[HLEN], const uint8_t want[HLEN], char *why, size_t whycap,
                     const char *fmt, ...)
{
    if (memcmp(got, want, HLEN) == 0)
        return 1;
    CG_FORMAT_ARGS(why, whycap, fmt);
    return 0;
}

/* One level of the walk up the tree of RFC 9162 §2.1.3.2 and §2.1.4.2,
 * fn the node's index and sn the last index of its level: whether the next
 * proof hash is the left sibling (fn a right child, or the last node of its
 * level, whose levels without a sibling are passed through unchanged).
 * fn and sn move up to the next level whose hash the proof holds. */
static int sibling_on_left(uint64_t *fn, uint64_t *sn)
{
    int left = (*fn & 1) || *fn == *sn;
    while (left && (*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
    *fn >>= 1;
    *sn >>= 1;
    return left;
}

int cg_merkle_root_from_inclusion(cg_merkle_hasher *h, uint64_t index, uint64_t size,
                                  const uint8_t leaf_hash[HLEN], const uint8_t *path, size_t n,
                                  uint8_t out[HLEN], char *why, size_t whycap)
{
    uint64_t fn = index, sn;
    uint8_t r[HLEN];

    if (index >= size) {
        cg_errf(why, whycap, "leaf index %llu is not below the tree size %llu",
                (unsigned long long)index, (unsigned long long)size);
        return 0;
    }
    sn = size - 1;
    memcpy(r, leaf_hash, HLEN);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = path + i * HLEN;
        if (sn == 0) {
            cg_errf(why, whycap, "audit path has %zu hashes; leaf %llu of %llu needs %zu", n,
                    (unsigned long long)index, (unsigned long long)size, i);
            return 0;
        }
        if (sibling_on_left(&fn, &sn) ? !node_md(h, NULL, p, r, r) : !node_md(h, NULL, r, p, r))
            return 0;
    }
    if (sn != 0) {
        cg_errf(why, whycap, "audit path has %zu hashes, too few for leaf %llu of %llu", n,
                (unsigned long long)index, (unsigned long long)size);
        return 0;
    }
    memcpy(out, r, HLEN);
    quiet(why, whycap);
    return 1;
}

int cg_merkle_verify_inclusion(cg_merkle_hasher *h, uint64_t index, uint64_t size,
                               const uint8_t leaf_hash[HLEN], const uint8_t *path, size_t n,
                               const uint8_t root[HLEN], char *why, size_t whycap)
{
    uint8_t got[HLEN];
    if (!cg_merkle_root_from_inclusion(h, index, size, leaf_hash, path, n, got, why, whycap))
        return 0;
    if (!same_root(got, root, why, whycap,
                   "audit path for leaf %llu of %llu leads to another root",
                   (unsigned long long)index, (unsigned long long)size))
        return 0;
    return 1;
}

int cg_merkle_verify_consistency(cg_merkle_hasher *h, uint64_t size1, uint64_t size2,
                                 const uint8_t root1[HLEN], const uint8_t root2[HLEN],
                                 const uint8_t *proof, size_t n, char *why, size_t whycap)
{
    uint64_t fn, sn;
    uint8_t fr[HLEN], sr[HLEN];
    size_t i = 0;

    if (size1 > size2) {
        cg_errf(why, whycap, "old tree size %llu is larger than the new %llu",
                (unsigned long long)size1, (unsigned long long)size2);
        return 0;
    }
    if (size1 == size2 || size1 == 0) {
        if (n != 0) {
            cg_errf(why, whycap, "proof from size %llu to %llu must be empty, has %zu hashes",
                    (unsigned long long)size1, (unsigned long long)size2, n);
            return 0;
        }
        if (size1 == size2 &&
            !same_root(root2, root1, why, whycap, "two different roots for tree size %llu",
                       (unsigned long long)size1))
            return 0;
        quiet(why, whycap);
        return 1;
    }
    if (n == 0) {
        cg_errf(why, whycap, "empty proof from size %llu to %llu", (unsigned long long)size1,
                (unsigned long long)size2);
        return 0;
    }
    /* When the old tree is a perfect subtree the proof leaves out its root,
     * which the verifier has: start from root1 instead of proof[0]. */
    if ((size1 & (size1 - 1)) == 0) {
        memcpy(fr, root1, HLEN);
    } else {
        memcpy(fr, proof, HLEN);
        i = 1;
    }
    memcpy(sr, fr, HLEN);
    fn = size1 - 1;
    sn = size2 - 1;
    /* Climb to the smallest subtree that contains the old tree's last leaf
     * and is complete in the old tree: fr starts there. */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        const uint8_t *c = proof + i * HLEN;
        if (sn == 0) {
            cg_errf(why, whycap, "proof from size %llu to %llu has too many hashes (%zu)",
                    (unsigned long long)size1, (unsigned long long)size2, n);
            return 0;
        }
        if (sibling_on_left(&fn, &sn)) {
            if (!node_md(h, NULL, c, fr, fr) || !node_md(h, NULL, c, sr, sr))
                return 0;
        } else if (!node_md(h, NULL, sr, c, sr)) {
            return 0;
        }
    }
    if (sn != 0) {
        cg_errf(why, whycap, "proof from size %llu to %llu has too few hashes (%zu)",
                (unsigned long long)size1, (unsigned long long)size2, n);
        return 0;
    }
    if (!same_root(fr, root1, why, whycap, "proof does not lead to the old root at size %llu",
                   (unsigned long long)size1) ||
        !same_root(sr, root2, why, whycap, "proof does not lead to the new root at size %llu",
                   (unsigned long long)size2))
        return 0;
    quiet(why, whycap);
    return 1;
}

/* ---- frontier ---- */

void cg_merkle_frontier_init(cg_merkle_frontier *f)
{
    memset(f, 0, sizeof(*f));
}

int cg_merkle_frontier_append(cg_merkle_hasher *h, cg_merkle_frontier *f,
                              const uint8_t leaf_hash[HLEN])
{
    unsigned c = popcount64(f->size);
    uint8_t x[HLEN];

    if (f->size == UINT64_MAX)
        return 0;
    /* Each trailing set bit of the size is a subtree of the same height as
     * the one being carried: merge them, as in binary addition. */
    memcpy(x, leaf_hash, HLEN);
    for (uint64_t t = f->size; t & 1; t >>= 1) {
        if (!node_md(h, NULL, f->hash[--c], x, x))
            return 0;
    }
    memcpy(f->hash[c], x, HLEN);
    f->size++;
    return 1;
}

int cg_merkle_frontier_append_subtree(cg_merkle_hasher *h, cg_merkle_frontier *f,
                                      unsigned height, const uint8_t hash[HLEN])
{
    unsigned c = popcount64(f->size);
    uint64_t w;
    uint8_t x[HLEN];

    if (height >= CG_MERKLE_MAX_HEIGHT)
        return 0;
    w = (uint64_t)1 << height;
    if ((f->size & (w - 1)) != 0 || f->size > UINT64_MAX - w)
        return 0;
    /* As a leaf, from the subtree's height up. */
    memcpy(x, hash, HLEN);
    for (uint64_t t = f->size >> height; t & 1; t >>= 1) {
        if (!node_md(h, NULL, f->hash[--c], x, x))
            return 0;
    }
    memcpy(f->hash[c], x, HLEN);
    f->size += w;
    return 1;
}

size_t cg_merkle_compact_heights(uint64_t start, uint64_t end,
                                 unsigned heights[CG_MERKLE_MAX_COMPACT])
{
    size_t n = 0;
    while (start < end && n < CG_MERKLE_MAX_COMPACT) {
        unsigned k = 0;
        /* the largest aligned subtree at start that ends by end */
        while (k + 1 < CG_MERKLE_MAX_HEIGHT && (start & (((uint64_t)1 << (k + 1)) - 1)) == 0 &&
               ((uint64_t)1 << (k + 1)) <= end - start)
            k++;
        heights[n++] = k;
        start += (uint64_t)1 << k;
    }
    return n;
}

void cg_merkle_compact_init(cg_merkle_compact *c, uint64_t start)
{
    memset(c, 0, sizeof(*c));
    c->start = c->end = start;
}

int cg_merkle_compact_append(cg_merkle_hasher *h, cg_merkle_compact *c,
                             const uint8_t leaf_hash[HLEN])
{
    if (c->n >= CG_MERKLE_MAX_COMPACT || c->end == UINT64_MAX)
        return 0;
    memcpy(c->hash[c->n], leaf_hash, HLEN);
    c->height[c->n] = 0;
    c->first[c->n++] = c->end++;
    /* Two siblings on top make their parent when it is aligned. */
    while (c->n >= 2 && c->height[c->n - 1] == c->height[c->n - 2] &&
           c->height[c->n - 2] + 1 < CG_MERKLE_MAX_HEIGHT &&
           (c->first[c->n - 2] & (((uint64_t)1 << (c->height[c->n - 2] + 1)) - 1)) == 0) {
        if (!node_md(h, NULL, c->hash[c->n - 2], c->hash[c->n - 1], c->hash[c->n - 2]))
            return 0;
        c->height[c->n - 2]++;
        c->n--;
    }
    return 1;
}

int cg_merkle_frontier_root(cg_merkle_hasher *h, const cg_merkle_frontier *f, uint8_t out[HLEN])
{
    unsigned c = popcount64(f->size);
    uint8_t r[HLEN];

    if (c == 0)
        return cg_merkle_empty_root(out);
    memcpy(r, f->hash[c - 1], HLEN);
    for (unsigned i = c - 1; i-- > 0;) {
        if (!node_md(h, NULL, f->hash[i], r, r))
            return 0;
    }
    memcpy(out, r, HLEN);
    return 1;
}

int cg_merkle_frontier_set(cg_merkle_frontier *f, uint64_t size, const uint8_t *hashes, size_t n)
{
    if (n != popcount64(size))
        return 0;
    memset(f, 0, sizeof(*f));
    f->size = size;
    if (n > 0)
        memcpy(f->hash, hashes, n * HLEN);
    return 1;
}

int cg_merkle_frontier_from_inclusion(cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t size,
                                      const uint8_t last_leaf_hash[HLEN], const uint8_t *path,
                                      size_t n, const uint8_t root[HLEN], char *why, size_t whycap)
{
    cg_merkle_frontier nf;
    unsigned z, c;
    uint8_t r[HLEN], got[HLEN];

    if (size == 0) {
        cg_errf(why, whycap, "the empty tree has no last leaf");
        return 0;
    }
    /* The last leaf lies in the smallest subtree, of 2^z leaves: z hashes
     * lead to its root, the other c - 1 are the larger subtrees' roots,
     * smallest first. */
    z = ctz64(size);
    c = popcount64(size);
    if (n != (size_t)z + c - 1) {
        cg_errf(why, whycap, "audit path of the last leaf of %llu has %zu hashes, not %u",
                (unsigned long long)size, n, z + c - 1);
        return 0;
    }
    memcpy(r, last_leaf_hash, HLEN);
    for (unsigned i = 0; i < z; i++) {
        if (!node_md(h, NULL, path + (size_t)i * HLEN, r, r))
            return 0;
    }
    memset(&nf, 0, sizeof(nf));
    nf.size = size;
    memcpy(nf.hash[c - 1], r, HLEN);
    for (unsigned j = 0; j + 1 < c; j++)
        memcpy(nf.hash[c - 2 - j], path + ((size_t)z + j) * HLEN, HLEN);
    if (!cg_merkle_frontier_root(h, &nf, got))
        return 0;
    if (!same_root(got, root, why, whycap,
                   "audit path of the last leaf of %llu leads to another root",
                   (unsigned long long)size))
        return 0;
    *f = nf;
    quiet(why, whycap);
    return 1;
}

#define FRONTIER_VERSION 1

int cg_merkle_frontier_encode(const cg_merkle_frontier *f, uint8_t *out, size_t cap,
                              size_t *out_len)
{
    unsigned c = popcount64(f->size);
    cg_cbb cbb;

    cg_cbb_init_fixed(&cbb, out, cap);
    if (!cg_cbb_add_u8(&cbb, FRONTIER_VERSION) || !cg_cbb_add_u64(&cbb, f->size))
        return 0;
    for (unsigned i = 0; i < c; i++) {
        if (!cg_cbb_add_bytes(&cbb, f->hash[i], HLEN))
            return 0;
    }
    return cg_cbb_finish(&cbb, out_len);
}

int cg_merkle_frontier_decode(cg_merkle_frontier *f, const uint8_t *in, size_t len)
{
    cg_merkle_frontier nf;
    cg_cbs cbs, hashes;
    uint8_t version;
    unsigned c;

    cg_cbs_init(&cbs, in, len);
    memset(&nf, 0, sizeof(nf));
    if (!cg_cbs_get_u8(&cbs, &version) || version != FRONTIER_VERSION ||
        !cg_cbs_get_u64(&cbs, &nf.size))
        return 0;
    c = popcount64(nf.size);
    if (!cg_cbs_get_bytes(&cbs, &hashes, (size_t)c * HLEN) || cbs.len != 0)
        return 0;
    if (c > 0)
        memcpy(nf.hash, hashes.data, hashes.len);
    *f = nf;
    return 1;
}

/* ---- whole tree ---- */

typedef struct level {
    uint8_t *h; /* count hashes */
    uint64_t count;
    uint64_t cap;
} level;

struct cg_merkle_tree {
    /* Appends hash through the hasher's context; a query hashes with the
     * hasher's SHA-256 (fetched once) in a context of its own, so readers
     * may share the tree. */
    cg_merkle_hasher *hasher;
    level lv[CG_MERKLE_MAX_HEIGHT];
};

cg_merkle_tree *cg_merkle_tree_new(void)
{
    cg_merkle_tree *t = calloc(1, sizeof(*t));
    cg_merkle_hasher *h = cg_merkle_hasher_new();
    if (t == NULL || h == NULL) {
        cg_merkle_hasher_free(h);
        free(t);
        return NULL;
    }
    t->hasher = h;
    return t;
}

void cg_merkle_tree_free(cg_merkle_tree *t)
{
    if (t == NULL)
        return;
    for (unsigned k = 0; k < CG_MERKLE_MAX_HEIGHT; k++)
        free(t->lv[k].h);
    cg_merkle_hasher_free(t->hasher);
    free(t);
}

uint64_t cg_merkle_tree_size(const cg_merkle_tree *t)
{
    return t->lv[0].count;
}

static int reserve(level *l)
{
    uint64_t cap;
    uint8_t *nh;
    if (l->count < l->cap)
        return 1;
    cap = l->cap == 0 ? 64 : l->cap * 2;
    if (cap > SIZE_MAX / HLEN)
        return 0;
    nh = realloc(l->h, (size_t)cap * HLEN);
    if (nh == NULL)
        return 0;
    l->h = nh;
    l->cap = cap;
    return 1;
}

int cg_merkle_tree_append(cg_merkle_tree *t, const uint8_t leaf_hash[HLEN])
{
    uint8_t nodes[CG_MERKLE_MAX_HEIGHT][HLEN];
    uint64_t size = t->lv[0].count;
    unsigned k = 0;

    if (size == UINT64_MAX)
        return 0;
    /* The new leaf completes one perfect subtree per trailing set bit of
     * the old size: compute them all and make room before changing
     * anything. */
    memcpy(nodes[0], leaf_hash, HLEN);
    for (uint64_t s = size; s & 1; s >>= 1, k++) {
        const level *l = &t->lv[k];
        if (!node_md(t->hasher, NULL, l->h + (l->count - 1) * HLEN, nodes[k], nodes[k + 1]))
            return 0;
    }
    for (unsigned i = 0; i <= k; i++) {
        if (!reserve(&t->lv[i]))
            return 0;
    }
    for (unsigned i = 0; i <= k; i++) {
        level *l = &t->lv[i];
        memcpy(l->h + l->count * HLEN, nodes[i], HLEN);
        l->count++;
    }
    return 1;
}

int cg_merkle_tree_node(const cg_merkle_tree *t, unsigned height, uint64_t index,
                        uint8_t out[HLEN])
{
    if (height >= CG_MERKLE_MAX_HEIGHT || index >= t->lv[height].count)
        return 0;
    memcpy(out, t->lv[height].h + index * HLEN, HLEN);
    return 1;
}

/* MTH(D[start:end]), 0 < end - start. Perfect aligned subtrees are read
 * from the levels; anything else splits as §2.1 does. */
static int range_hash(const cg_merkle_tree *t, uint64_t start, uint64_t end, uint8_t out[HLEN])
{
    uint64_t n = end - start, k;
    uint8_t l[HLEN];

    if ((n & (n - 1)) == 0 && start % n == 0)
        return cg_merkle_tree_node(t, ctz64(n), start >> ctz64(n), out);
    k = split_point(n);
    return range_hash(t, start, start + k, l) && range_hash(t, start + k, end, out) &&
           node_md(NULL, t->hasher->md, l, out, out);
}

int cg_merkle_tree_range(const cg_merkle_tree *t, uint64_t start, uint64_t end, uint8_t out[HLEN])
{
    if (start > end || end > cg_merkle_tree_size(t))
        return 0;
    if (start == end)
        return cg_merkle_empty_root(out);
    return range_hash(t, start, end, out);
}

/* Both proofs are defined top-down with each level's hash appended after
 * the deeper ones; they are built top-down here and reversed at the end. */
static void reverse_hashes(uint8_t *h, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t tmp[HLEN];
        uint8_t *a = h + i * HLEN, *b = h + (n - 1 - i) * HLEN;
        memcpy(tmp, a, HLEN);
        memcpy(a, b, HLEN);
        memcpy(b, tmp, HLEN);
    }
}

/* One step down [lo, hi) towards the leaf (or old tree) a proof is for, k
 * the size of the left subtree: into the left one (left) or the right one,
 * the hash of the other written to out, which the proof takes. */
static int descend(const cg_merkle_tree *t, int left, uint64_t k, uint64_t *lo, uint64_t *hi,
                   uint8_t out[HLEN])
{
    if (left) {
        if (!range_hash(t, *lo + k, *hi, out))
            return 0;
        *hi = *lo + k;
        return 1;
    }
    if (!range_hash(t, *lo, *lo + k, out))
        return 0;
    *lo += k;
    return 1;
}

int cg_merkle_tree_inclusion_proof(const cg_merkle_tree *t, uint64_t index, uint64_t size,
                                   uint8_t *out, size_t cap, size_t *n)
{
    uint64_t lo = 0, hi = size;
    size_t got = 0;

    if (index >= size || size > cg_merkle_tree_size(t))
        return 0;
    while (hi - lo > 1) {
        uint64_t k = split_point(hi - lo);
        if (got == cap || !descend(t, index < lo + k, k, &lo, &hi, out + got * HLEN))
            return 0;
        got++;
    }
    reverse_hashes(out, got);
    *n = got;
    return 1;
}

int cg_merkle_tree_consistency_proof(const cg_merkle_tree *t, uint64_t size1, uint64_t size2,
                                     uint8_t *out, size_t cap, size_t *n)
{
    uint64_t lo = 0, hi = size2, m = size1;
    int whole = 1; /* SUBPROOF's b: the subtree is the old tree itself */
    size_t got = 0;

    if (size1 > size2 || size2 > cg_merkle_tree_size(t))
        return 0;
    if (size1 == 0 || size1 == size2) {
        *n = 0;
        return 1;
    }
    while (m != hi - lo) {
        uint64_t k = split_point(hi - lo);
        int left = m <= k;
        if (got == cap || !descend(t, left, k, &lo, &hi, out + got * HLEN))
            return 0;
        if (!left) {
            m -= k;
            whole = 0;
        }
        got++;
    }
    if (!whole) {
        if (got == cap || !range_hash(t, lo, hi, out + got * HLEN))
            return 0;
        got++;
    }
    reverse_hashes(out, got);
    *n = got;
    return 1;
}
