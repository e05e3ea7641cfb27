/* Merkle trees (src/ct/merkle.c): the RFC 6962 reference vectors, then
 * randomized cross-checks against a recursive transcription of RFC 6962
 * §2.1 written here (MTH, PATH, PROOF/SUBPROOF as the RFC states them):
 * roots of every size 0..300 three ways (frontier, array fold, stored
 * tree), every audit path and consistency proof of small trees generated
 * both ways and verified, and every single-bit change to a proof, root or
 * leaf rejected.
 *
 * Reference vectors: google/certificate-transparency-go,
 * merkletree/merkle_verifier_test.go (commit 12f4d24b7136, the functions
 * getInputs, getRoots, getInclusionTestVector and getConsistencyProofs;
 * the same values are in google/trillian merkle/log_verifier_test.go and in
 * the certificate-transparency project's python/ct/crypto/merkle_test.py,
 * which adds the leaf and node hash vectors used below). The Go vectors
 * number leaves from 1; here indices are 0-based. */
#include "ct/merkle.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H CG_MERKLE_HASH_LEN

/* clang-format off */
static const char *const ref_leaves[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* MTH(D[0:n]) for n = 1..8. */
static const char *const ref_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* clang-format on */
static const char empty_root_hex[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

typedef struct ref_proof {
    uint64_t a, b; /* inclusion: leaf index, tree size; consistency: size1, size2 */
    size_t n;
    const char *h[3];
} ref_proof;

/* clang-format off */
static const ref_proof ref_inclusion[] = {
    {0, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const ref_proof ref_consistency[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* clang-format on */

static cg_merkle_hasher *hasher;

static void unhex32(const char *hex, uint8_t out[H])
{
    CHECK(cg_test_unhex(hex, out, H) == H);
}

/* ---- RFC 6962 §2.1, transcribed recursively ---- */

static uint64_t largest_pow2_below(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH over the leaf hashes lh[0:n]. */
static void mth(const uint8_t *lh, uint64_t n, uint8_t out[H])
{
    uint8_t l[H], r[H];
    uint64_t k;
    if (n == 0) {
        CHECK(cg_merkle_empty_root(out));
        return;
    }
    if (n == 1) {
        memcpy(out, lh, H);
        return;
    }
    k = largest_pow2_below(n);
    mth(lh, k, l);
    mth(lh + k * H, n - k, r);
    CHECK(cg_merkle_node_hash(NULL, l, r, out));
}

/* PATH(m, D[0:n]) appended to out at *len. */
static void ref_path(uint64_t m, const uint8_t *lh, uint64_t n, uint8_t *out, size_t *len)
{
    uint64_t k;
    if (n <= 1)
        return;
    k = largest_pow2_below(n);
    if (m < k) {
        ref_path(m, lh, k, out, len);
        mth(lh + k * H, n - k, out + *len * H);
    } else {
        ref_path(m - k, lh + k * H, n - k, out, len);
        mth(lh, k, out + *len * H);
    }
    (*len)++;
}

static void ref_subproof(uint64_t m, const uint8_t *lh, uint64_t n, int b, uint8_t *out,
                         size_t *len)
{
    uint64_t k;
    if (m == n) {
        if (!b) {
            mth(lh, n, out + *len * H);
            (*len)++;
        }
        return;
    }
    k = largest_pow2_below(n);
    if (m <= k) {
        ref_subproof(m, lh, k, b, out, len);
        mth(lh + k * H, n - k, out + *len * H);
    } else {
        ref_subproof(m - k, lh + k * H, n - k, 0, out, len);
        mth(lh, k, out + *len * H);
    }
    (*len)++;
}

/* ---- deterministic pseudo-random leaves ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

static uint8_t *random_leaf_hashes(uint64_t n)
{
    uint8_t *lh = malloc(n * H + 1);
    uint8_t leaf[40];
    for (uint64_t i = 0; i < n; i++) {
        size_t len = (size_t)(rng() % sizeof(leaf));
        for (size_t j = 0; j < len; j++)
            leaf[j] = (uint8_t)rng();
        CHECK(cg_merkle_leaf_hash(hasher, leaf, len, lh + i * H));
    }
    return lh;
}

/* ---- the reference vectors ---- */

static void test_hashes(void)
{
    uint8_t got[H], want[H], l[H], r[H], leaf[16];

    CHECK(cg_merkle_empty_root(got));
    unhex32(empty_root_hex, want);
    CHECK(memcmp(got, want, H) == 0);

    /* python/ct/crypto/merkle_test.py: sha256_leaves and sha256_nodes. */
    CHECK(cg_merkle_leaf_hash(NULL, NULL, 0, got));
    unhex32("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", want);
    CHECK(memcmp(got, want, H) == 0);
    CHECK(cg_test_unhex("101112131415161718191a1b1c1d1e1f", leaf, sizeof(leaf)) == 16);
    CHECK(cg_merkle_leaf_hash(hasher, leaf, 16, got));
    unhex32("3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a", want);
    CHECK(memcmp(got, want, H) == 0);
    unhex32("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", l);
    unhex32("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", r);
    unhex32("1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57", want);
    CHECK(cg_merkle_node_hash(hasher, l, r, got));
    CHECK(memcmp(got, want, H) == 0);
    CHECK(cg_merkle_node_hash(NULL, l, r, got));
    CHECK(memcmp(got, want, H) == 0);
    /* out aliasing an input */
    CHECK(cg_merkle_node_hash(hasher, l, r, l));
    CHECK(memcmp(l, want, H) == 0);
}

static void ref_leaf_hashes(uint8_t lh[8][H])
{
    for (size_t i = 0; i < 8; i++) {
        uint8_t d[16];
        size_t len = cg_test_unhex(ref_leaves[i], d, sizeof(d));
        CHECK(len == strlen(ref_leaves[i]) / 2);
        CHECK(cg_merkle_leaf_hash(hasher, d, len, lh[i]));
    }
}

static void test_reference_roots(void)
{
    uint8_t lh[8][H], got[H], want[H];
    cg_merkle_frontier f;
    cg_merkle_tree *t = cg_merkle_tree_new();

    ref_leaf_hashes(lh);
    cg_merkle_frontier_init(&f);
    CHECK(t != NULL);
    for (size_t n = 1; n <= 8; n++) {
        unhex32(ref_roots[n - 1], want);
        CHECK(cg_merkle_root(hasher, lh[0], n, got));
        CHECK(memcmp(got, want, H) == 0);
        CHECK(cg_merkle_frontier_append(hasher, &f, lh[n - 1]));
        CHECK(cg_merkle_frontier_root(hasher, &f, got));
        CHECK(memcmp(got, want, H) == 0);
        CHECK(cg_merkle_tree_append(t, lh[n - 1]));
        CHECK(cg_merkle_tree_range(t, 0, n, got));
        CHECK(memcmp(got, want, H) == 0);
    }
    /* Earlier sizes from the grown tree. */
    for (size_t n = 1; n <= 8; n++) {
        unhex32(ref_roots[n - 1], want);
        CHECK(cg_merkle_tree_range(t, 0, n, got));
        CHECK(memcmp(got, want, H) == 0);
    }
    cg_merkle_tree_free(t);
}

/* The negative cases of certificate-transparency-go's verifierCheck. */
static void inclusion_negatives(uint64_t index, uint64_t size, const uint8_t leaf[H],
                                uint8_t *path, size_t n, const uint8_t root[H])
{
    uint8_t empty[H], longer[(CG_MERKLE_MAX_HEIGHT + 2) * H];
    char why[160];

    CHECK(cg_merkle_empty_root(empty));
    if (index > 0)
        CHECK(!cg_merkle_verify_inclusion(hasher, index - 1, size, leaf, path, n, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, index + 1, size, leaf, path, n, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, index ^ 2, size, leaf, path, n, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size * 2, leaf, path, n, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size / 2, leaf, path, n, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size, empty, path, n, root, NULL, 0));
    CHECK(
        !cg_merkle_verify_inclusion(hasher, index, size, leaf, path, n, empty, why, sizeof(why)));
    CHECK(strstr(why, "another root") != NULL);
    for (size_t i = 0; i < n; i++) {
        uint8_t keep[H];
        memcpy(keep, path + i * H, H);
        memcpy(path + i * H, empty, H);
        CHECK(!cg_merkle_verify_inclusion(hasher, index, size, leaf, path, n, root, NULL, 0));
        memcpy(path + i * H, keep, H);
    }
    /* trailing garbage, trailing root, truncated, preceding root */
    memcpy(longer, path, n * H);
    memcpy(longer + n * H, empty, H);
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size, leaf, longer, n + 1, root, why,
                                      sizeof(why)));
    CHECK(strstr(why, "needs") != NULL);
    memcpy(longer + n * H, root, H);
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size, leaf, longer, n + 1, root, NULL, 0));
    if (n > 0) {
        CHECK(!cg_merkle_verify_inclusion(hasher, index, size, leaf, path, n - 1, root, why,
                                          sizeof(why)));
        CHECK(strstr(why, "too few") != NULL);
    }
    memcpy(longer, root, H);
    memcpy(longer + H, path, n * H);
    CHECK(!cg_merkle_verify_inclusion(hasher, index, size, leaf, longer, n + 1, root, NULL, 0));
}

static void test_reference_inclusion(void)
{
    uint8_t lh[8][H], path[3 * H], root[H], got[3 * H * 2];
    cg_merkle_tree *t = cg_merkle_tree_new();
    char why[160];
    size_t n = 0;

    ref_leaf_hashes(lh);
    for (size_t i = 0; i < 8; i++)
        CHECK(cg_merkle_tree_append(t, lh[i]));
    for (size_t v = 0; v < sizeof(ref_inclusion) / sizeof(ref_inclusion[0]); v++) {
        const ref_proof *p = &ref_inclusion[v];
        for (size_t i = 0; i < p->n; i++)
            unhex32(p->h[i], path + i * H);
        unhex32(ref_roots[p->b - 1], root);
        CHECK(cg_merkle_verify_inclusion(hasher, p->a, p->b, lh[p->a], path, p->n, root, why,
                                         sizeof(why)));
        CHECK(why[0] == '\0');
        CHECK(cg_merkle_tree_inclusion_proof(t, p->a, p->b, got, 6, &n));
        CHECK(n == p->n && memcmp(got, path, n * H) == 0);
        inclusion_negatives(p->a, p->b, lh[p->a], path, p->n, root);
    }
    /* certificate-transparency-go's invalid paths: empty trees, index
     * beyond the tree, an empty path to the wrong root. */
    CHECK(cg_merkle_empty_root(root));
    CHECK(!cg_merkle_verify_inclusion(hasher, 0, 0, lh[0], path, 0, root, why, sizeof(why)));
    CHECK(strstr(why, "not below") != NULL);
    CHECK(!cg_merkle_verify_inclusion(hasher, 0, 1, lh[0], path, 0, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, 1, 0, lh[0], path, 0, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(hasher, 2, 1, lh[0], path, 0, root, NULL, 0));
    /* A tree of one leaf: the root is the leaf hash, the path empty. */
    CHECK(cg_merkle_verify_inclusion(hasher, 0, 1, lh[0], path, 0, lh[0], NULL, 0));
    cg_merkle_tree_free(t);
}

/* The negative cases of certificate-transparency-go's
 * verifierConsistencyCheck, for a non-trivial proof. */
static void consistency_negatives(uint64_t s1, uint64_t s2, const uint8_t r1[H],
                                  const uint8_t r2[H], uint8_t *proof, size_t n)
{
    uint8_t empty[H], longer[(CG_MERKLE_MAX_PROOF + 2) * H];

    CHECK(cg_merkle_empty_root(empty));
    CHECK(!cg_merkle_verify_consistency(hasher, s1 - 1, s2, r1, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1 + 1, s2, r1, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1 ^ 2, s2, r1, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2 * 2, r1, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2 / 2, r1, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, empty, r2, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, empty, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r2, r1, proof, n, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, proof, 0, NULL, 0));
    for (size_t i = 0; i < n; i++) {
        uint8_t keep[H];
        memcpy(keep, proof + i * H, H);
        memcpy(proof + i * H, empty, H);
        CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, proof, n, NULL, 0));
        memcpy(proof + i * H, keep, H);
    }
    memcpy(longer, proof, n * H);
    memcpy(longer + n * H, empty, H);
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, longer, n + 1, NULL, 0));
    memcpy(longer + n * H, r1, H);
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, longer, n + 1, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, proof, n - 1, NULL, 0));
    memcpy(longer, proof, H);
    memcpy(longer + H, proof, n * H);
    CHECK(!cg_merkle_verify_consistency(hasher, s1, s2, r1, r2, longer, n + 1, NULL, 0));
}

static void test_reference_consistency(void)
{
    uint8_t lh[8][H], proof[3 * H], r1[H], r2[H], got[CG_MERKLE_MAX_PROOF * H];
    cg_merkle_tree *t = cg_merkle_tree_new();
    char why[160];
    size_t n = 0;

    ref_leaf_hashes(lh);
    for (size_t i = 0; i < 8; i++)
        CHECK(cg_merkle_tree_append(t, lh[i]));
    for (size_t v = 0; v < sizeof(ref_consistency) / sizeof(ref_consistency[0]); v++) {
        const ref_proof *p = &ref_consistency[v];
        for (size_t i = 0; i < p->n; i++)
            unhex32(p->h[i], proof + i * H);
        unhex32(ref_roots[p->a - 1], r1);
        unhex32(ref_roots[p->b - 1], r2);
        CHECK(cg_merkle_verify_consistency(hasher, p->a, p->b, r1, r2, proof, p->n, why,
                                           sizeof(why)));
        CHECK(cg_merkle_tree_consistency_proof(t, p->a, p->b, got, CG_MERKLE_MAX_PROOF, &n));
        CHECK(n == p->n && memcmp(got, proof, n * H) == 0);
        if (p->n > 0)
            consistency_negatives(p->a, p->b, r1, r2, proof, p->n);
    }

    /* certificate-transparency-go: trivially consistent sizes, time travel,
     * an empty proof, mismatched roots, a needless proof. */
    memset(r1, 'x', H);
    memcpy(r2, r1, H);
    CHECK(cg_merkle_verify_consistency(hasher, 0, 0, r1, r2, NULL, 0, NULL, 0));
    CHECK(cg_merkle_verify_consistency(hasher, 0, 1, r1, r2, NULL, 0, NULL, 0));
    CHECK(cg_merkle_verify_consistency(hasher, 1, 1, r1, r2, NULL, 0, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, 1, 0, r1, r2, NULL, 0, why, sizeof(why)));
    CHECK(strstr(why, "larger") != NULL);
    CHECK(!cg_merkle_verify_consistency(hasher, 2, 1, r1, r2, NULL, 0, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, 1, 2, r1, r2, NULL, 0, why, sizeof(why)));
    CHECK(strstr(why, "empty proof") != NULL);
    CHECK(cg_merkle_empty_root(r1));
    CHECK(!cg_merkle_verify_consistency(hasher, 0, 0, r1, r2, NULL, 0, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, 1, 1, r1, r2, NULL, 0, why, sizeof(why)));
    CHECK(strstr(why, "different roots") != NULL);
    memcpy(r2, r1, H);
    CHECK(!cg_merkle_verify_consistency(hasher, 0, 0, r1, r2, r1, 1, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, 0, 1, r1, r2, r1, 1, NULL, 0));
    CHECK(!cg_merkle_verify_consistency(hasher, 1, 1, r1, r2, r1, 1, why, sizeof(why)));
    CHECK(strstr(why, "must be empty") != NULL);
    cg_merkle_tree_free(t);
}

/* ---- randomized cross-checks ---- */

#define MAX_SIZE 300

static void test_roots_every_size(void)
{
    uint8_t *lh = random_leaf_hashes(MAX_SIZE);
    cg_merkle_tree *t = cg_merkle_tree_new();
    cg_merkle_frontier f, g;
    uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED + 1];
    int roots_ok = 1, enc_ok = 1, tree_ok = 1;

    cg_merkle_frontier_init(&f);
    for (uint64_t n = 0; n <= MAX_SIZE; n++) {
        uint8_t want[H], a[H], b[H], c[H], d[H], e[H];
        size_t len = 0;

        mth(lh, n, want);
        roots_ok &= cg_merkle_frontier_root(hasher, &f, a) && memcmp(a, want, H) == 0;
        roots_ok &= cg_merkle_root(hasher, lh, n, b) && memcmp(b, want, H) == 0;
        roots_ok &= cg_merkle_root(NULL, lh, n, c) && memcmp(c, want, H) == 0;
        roots_ok &= cg_merkle_tree_range(t, 0, n, d) && memcmp(d, want, H) == 0;
        roots_ok &= cg_merkle_tree_size(t) == n && f.size == n;

        /* The encoded frontier restores the same state, and appending the
         * rest of the leaves to the restored copy gives the same roots. */
        enc_ok &= cg_merkle_frontier_encode(&f, enc, sizeof(enc), &len);
        enc_ok &= len == 9 + (size_t)__builtin_popcountll(n) * H;
        memset(&g, 0xa5, sizeof(g));
        enc_ok &= cg_merkle_frontier_decode(&g, enc, len);
        enc_ok &= cg_merkle_frontier_root(hasher, &g, e) && memcmp(e, want, H) == 0;
        enc_ok &= g.size == n;
        enc_ok &= !cg_merkle_frontier_decode(&g, enc, len - 1);
        enc_ok &= !cg_merkle_frontier_decode(&g, enc, len + 1);
        enc_ok &= !cg_merkle_frontier_encode(&f, enc, len - 1, &len) || len == 0;
        enc_ok &= cg_merkle_frontier_set(&g, n, f.hash[0], (size_t)__builtin_popcountll(n));
        enc_ok &= cg_merkle_frontier_root(hasher, &g, e) && memcmp(e, want, H) == 0;
        enc_ok &= !cg_merkle_frontier_set(&g, n, f.hash[0], (size_t)__builtin_popcountll(n) + 1);

        /* Every range of the stored tree against MTH over the slice. */
        if (n <= 40) {
            for (uint64_t s = 0; s <= n; s++) {
                mth(lh + s * H, n - s, want);
                tree_ok &= cg_merkle_tree_range(t, s, n, a) && memcmp(a, want, H) == 0;
            }
        }
        if (n < MAX_SIZE) {
            CHECK(cg_merkle_frontier_append(hasher, &f, lh + n * H));
            CHECK(cg_merkle_tree_append(t, lh + n * H));
        }
    }
    CHECK(roots_ok);
    CHECK(enc_ok);
    CHECK(tree_ok);

    /* A bad version byte or a size whose hashes are missing. */
    {
        size_t len = 0;
        CHECK(cg_merkle_frontier_encode(&f, enc, sizeof(enc), &len));
        enc[0] = 2;
        CHECK(!cg_merkle_frontier_decode(&g, enc, len));
        enc[0] = 1;
        enc[8] ^= 1; /* size 300 -> 301: one more set bit, one hash short */
        CHECK(!cg_merkle_frontier_decode(&g, enc, len));
        CHECK(!cg_merkle_frontier_decode(&g, enc, 0));
    }
    /* Out-of-range questions to the stored tree. */
    {
        uint8_t x[H], p[CG_MERKLE_MAX_PROOF * H];
        size_t n = 0;
        CHECK(!cg_merkle_tree_range(t, 0, MAX_SIZE + 1, x));
        CHECK(!cg_merkle_tree_range(t, 5, 4, x));
        CHECK(cg_merkle_tree_range(t, 7, 7, x));
        CHECK(!cg_merkle_tree_node(t, 0, MAX_SIZE, x));
        CHECK(cg_merkle_tree_node(t, 8, 0, x));
        CHECK(!cg_merkle_tree_node(t, 8, 1, x));
        CHECK(!cg_merkle_tree_node(t, 64, 0, x));
        CHECK(!cg_merkle_tree_inclusion_proof(t, MAX_SIZE, MAX_SIZE, p, 64, &n));
        CHECK(!cg_merkle_tree_inclusion_proof(t, 0, MAX_SIZE + 1, p, 64, &n));
        CHECK(!cg_merkle_tree_inclusion_proof(t, 0, MAX_SIZE, p, 2, &n));
        CHECK(!cg_merkle_tree_consistency_proof(t, 3, 2, p, 128, &n));
        CHECK(!cg_merkle_tree_consistency_proof(t, 3, MAX_SIZE + 1, p, 128, &n));
        CHECK(cg_merkle_tree_consistency_proof(t, 0, MAX_SIZE, p, 128, &n) && n == 0);
    }
    cg_merkle_tree_free(t);
    free(lh);
}

/* Tiles: the node at height 8 is the MTH of 256 leaves, height 16 of
 * 65536. */
static void test_tile_nodes(void)
{
    const uint64_t n = 256 * 3 + 17;
    uint8_t *lh = random_leaf_hashes(n);
    cg_merkle_tree *t = cg_merkle_tree_new();
    uint8_t a[H], b[H], tile[3 * H];

    for (uint64_t i = 0; i < n; i++)
        CHECK(cg_merkle_tree_append(t, lh + i * H));
    for (uint64_t i = 0; i < 3; i++) {
        mth(lh + i * 256 * H, 256, a);
        CHECK(cg_merkle_tree_node(t, 8, i, b) && memcmp(a, b, H) == 0);
        memcpy(tile + i * H, b, H);
    }
    CHECK(!cg_merkle_tree_node(t, 8, 3, b));
    /* The root from the level-1 tile hashes and the remainder's leaves:
     * MTH(D[0:768]) over the three subtree hashes, then the 17 leaves. */
    CHECK(cg_merkle_root(hasher, tile, 3, a));
    mth(lh, 768, b);
    CHECK(memcmp(a, b, H) == 0);
    cg_merkle_tree_free(t);
    free(lh);
}

/* Flips every bit of every hash of the proof, of both roots and of the
 * leaf, one at a time: each change must be rejected. Returns the number of
 * changes that were wrongly accepted. */
static int flips_inclusion(uint64_t m, uint64_t n, uint8_t *leaf, uint8_t *path, size_t len,
                           uint8_t *root, int every_bit)
{
    int bad = 0;
    uint8_t *targets[CG_MERKLE_MAX_HEIGHT + 2];
    size_t nt = 0;
    for (size_t i = 0; i < len; i++)
        targets[nt++] = path + i * H;
    targets[nt++] = leaf;
    targets[nt++] = root;
    for (size_t i = 0; i < nt; i++) {
        for (unsigned bit = 0; bit < 8 * H; bit += every_bit ? 1 : 37) {
            targets[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            bad += cg_merkle_verify_inclusion(hasher, m, n, leaf, path, len, root, NULL, 0);
            targets[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    return bad;
}

static int flips_consistency(uint64_t m, uint64_t n, uint8_t *r1, uint8_t *r2, uint8_t *proof,
                             size_t len, int every_bit)
{
    int bad = 0;
    uint8_t *targets[CG_MERKLE_MAX_PROOF + 2];
    size_t nt = 0;
    for (size_t i = 0; i < len; i++)
        targets[nt++] = proof + i * H;
    targets[nt++] = r1;
    targets[nt++] = r2;
    for (size_t i = 0; i < nt; i++) {
        for (unsigned bit = 0; bit < 8 * H; bit += every_bit ? 1 : 37) {
            targets[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            bad += cg_merkle_verify_consistency(hasher, m, n, r1, r2, proof, len, NULL, 0);
            targets[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    return bad;
}

#define PROOF_SIZE 48
#define EVERY_BIT_SIZE 12

static void test_all_proofs(void)
{
    uint8_t *lh = random_leaf_hashes(PROOF_SIZE);
    cg_merkle_tree *t = cg_merkle_tree_new();
    uint8_t want[CG_MERKLE_MAX_PROOF * H], got[CG_MERKLE_MAX_PROOF * H];
    int gen_ok = 1, verify_ok = 1, flipped = 0, lengths_ok = 1, frontier_ok = 1;
    char why[160];

    for (uint64_t i = 0; i < PROOF_SIZE; i++)
        CHECK(cg_merkle_tree_append(t, lh + i * H));
    for (uint64_t n = 1; n <= PROOF_SIZE; n++) {
        uint8_t root[H];
        int every = n <= EVERY_BIT_SIZE;
        mth(lh, n, root);

        for (uint64_t m = 0; m < n; m++) {
            size_t wl = 0, gl = 0;
            uint8_t leaf[H];
            ref_path(m, lh, n, want, &wl);
            gen_ok &= cg_merkle_tree_inclusion_proof(t, m, n, got, CG_MERKLE_MAX_HEIGHT, &gl);
            gen_ok &= gl == wl && memcmp(got, want, wl * H) == 0;
            memcpy(leaf, lh + m * H, H);
            verify_ok &=
                cg_merkle_verify_inclusion(hasher, m, n, leaf, got, gl, root, why, sizeof(why));
            /* The same path never proves another index. */
            for (uint64_t o = 0; o < n; o++) {
                if (o != m)
                    verify_ok &=
                        !cg_merkle_verify_inclusion(hasher, o, n, leaf, got, gl, root, NULL, 0);
            }
            flipped += flips_inclusion(m, n, leaf, got, gl, root, every);
        }

        /* The last leaf's path gives the frontier. */
        {
            size_t gl = 0;
            cg_merkle_frontier f, g;
            cg_merkle_frontier_init(&f);
            for (uint64_t i = 0; i < n; i++)
                frontier_ok &= cg_merkle_frontier_append(hasher, &f, lh + i * H);
            frontier_ok &= cg_merkle_tree_inclusion_proof(t, n - 1, n, got, 64, &gl);
            frontier_ok &= cg_merkle_frontier_from_inclusion(hasher, &g, n, lh + (n - 1) * H, got,
                                                             gl, root, why, sizeof(why));
            frontier_ok &=
                g.size == n && memcmp(g.hash, f.hash, (size_t)__builtin_popcountll(n) * H) == 0;
            /* Wrong leaf, wrong root, wrong length. */
            cg_merkle_frontier_init(&g);
            if (n > 1)
                frontier_ok &=
                    !cg_merkle_frontier_from_inclusion(hasher, &g, n, lh, got, gl, root, NULL, 0);
            root[5] ^= 0x10;
            frontier_ok &= !cg_merkle_frontier_from_inclusion(hasher, &g, n, lh + (n - 1) * H, got,
                                                              gl, root, NULL, 0);
            root[5] ^= 0x10;
            frontier_ok &= !cg_merkle_frontier_from_inclusion(hasher, &g, n, lh + (n - 1) * H, got,
                                                              gl + 1, root, NULL, 0);
            frontier_ok &= g.size == 0;
        }

        for (uint64_t m = 0; m <= n; m++) {
            size_t wl = 0, gl = 0;
            uint8_t r1[H], r2[H];
            if (m > 0 && m < n)
                ref_subproof(m, lh, n, 1, want, &wl);
            gen_ok &= cg_merkle_tree_consistency_proof(t, m, n, got, CG_MERKLE_MAX_PROOF, &gl);
            gen_ok &= gl == wl && memcmp(got, want, wl * H) == 0;
            mth(lh, m, r1);
            memcpy(r2, root, H);
            verify_ok &=
                cg_merkle_verify_consistency(hasher, m, n, r1, r2, got, gl, why, sizeof(why));
            /* Lengths: at most two hashes per level. */
            lengths_ok &= gl <= 2 * 6;
            if (m > 0 && m < n) {
                /* Not a proof for another old size. */
                for (uint64_t o = 1; o < n; o++) {
                    uint8_t ro[H];
                    if (o == m)
                        continue;
                    mth(lh, o, ro);
                    verify_ok &=
                        !cg_merkle_verify_consistency(hasher, o, n, ro, r2, got, gl, NULL, 0);
                }
                flipped += flips_consistency(m, n, r1, r2, got, gl, every);
            }
        }
    }
    CHECK(gen_ok);
    CHECK(verify_ok);
    CHECK(frontier_ok);
    CHECK(lengths_ok);
    CHECK(flipped == 0);
    cg_merkle_tree_free(t);
    free(lh);
}

/* A large size exercises deep shifts: a frontier near 2^64 is just its
 * subtree hashes, and a proof about a huge tree is only checked for
 * length. */
static void test_large_sizes(void)
{
    cg_merkle_frontier f;
    uint8_t hashes[64 * H], root[H], path[64 * H];
    uint64_t size = UINT64_MAX - 1; /* 63 set bits */

    memset(hashes, 7, sizeof(hashes));
    CHECK(cg_merkle_frontier_set(&f, size, hashes, 63));
    CHECK(cg_merkle_frontier_append(hasher, &f, hashes));
    CHECK(f.size == UINT64_MAX);
    CHECK(!cg_merkle_frontier_append(hasher, &f, hashes));
    CHECK(cg_merkle_frontier_root(hasher, &f, root));

    /* Leaf 0 of a tree of 2^40 leaves needs exactly 40 hashes. */
    memset(path, 1, sizeof(path));
    {
        uint8_t r[H];
        CHECK(cg_merkle_root_from_inclusion(hasher, 0, (uint64_t)1 << 40, hashes, path, 40, r,
                                            NULL, 0));
        CHECK(!cg_merkle_root_from_inclusion(hasher, 0, (uint64_t)1 << 40, hashes, path, 39, r,
                                             NULL, 0));
        CHECK(!cg_merkle_root_from_inclusion(hasher, 0, (uint64_t)1 << 40, hashes, path, 41, r,
                                             NULL, 0));
        CHECK(cg_merkle_root_from_inclusion(hasher, UINT64_MAX - 1, UINT64_MAX, hashes, path, 63,
                                            r, NULL, 0));
    }
}

/* Compact ranges: for every [a, b) of a 70-leaf tree, the pieces built
 * from the leaves are the greedy aligned subtrees, each the tree's node,
 * and appended to the right edge at a they give the right edge at b; so
 * any split of a log into ranges joins to its root. */
static void test_compact_ranges(void)
{
    enum { N = 70 };
    static uint8_t lh[N][32];
    cg_merkle_tree *t = cg_merkle_tree_new();
    int bad = 0, maxn = 0;
    CHECK(t != NULL);
    if (t == NULL)
        return;
    for (int i = 0; i < N; i++) {
        uint8_t leaf[4] = {(uint8_t)i, 1, 2, 3};
        CHECK(cg_merkle_leaf_hash(hasher, leaf, sizeof(leaf), lh[i]));
        CHECK(cg_merkle_tree_append(t, lh[i]));
    }
    for (uint64_t a = 0; a < N; a++) {
        cg_merkle_frontier fa;
        cg_merkle_frontier_init(&fa);
        for (uint64_t i = 0; i < a; i++)
            cg_merkle_frontier_append(hasher, &fa, lh[i]);
        for (uint64_t b = a + 1; b <= N; b++) {
            cg_merkle_compact c;
            unsigned hs[CG_MERKLE_MAX_COMPACT];
            cg_merkle_frontier f = fa;
            uint8_t r1[32], r2[32];
            cg_merkle_compact_init(&c, a);
            for (uint64_t i = a; i < b; i++)
                bad += !cg_merkle_compact_append(hasher, &c, lh[i]);
            size_t n = cg_merkle_compact_heights(a, b, hs);
            bad += n != c.n;
            uint64_t at = a;
            for (size_t i = 0; i < n && n == c.n; i++) {
                uint8_t node[32];
                bad += c.height[i] != hs[i] || c.first[i] != at;
                bad += !cg_merkle_tree_node(t, hs[i], at >> hs[i], node) ||
                       memcmp(node, c.hash[i], 32) != 0;
                bad += !cg_merkle_frontier_append_subtree(hasher, &f, hs[i], c.hash[i]);
                at += (uint64_t)1 << hs[i];
            }
            bad += f.size != b || !cg_merkle_frontier_root(hasher, &f, r1) ||
                   !cg_merkle_tree_range(t, 0, b, r2) || memcmp(r1, r2, 32) != 0;
            if ((int)n > maxn)
                maxn = (int)n;
        }
    }
    CHECK(bad == 0);
    CHECK(maxn == 10); /* e.g. [1, 63) of 70 leaves: at most two pieces a height */
    /* A range starting at a multiple of 2^k, at most 2^k long: k + 1. */
    unsigned hs[CG_MERKLE_MAX_COMPACT];
    CHECK(cg_merkle_compact_heights(4096, 8191, hs) == 12);
    CHECK(cg_merkle_compact_heights(4096, 8192, hs) == 1 && hs[0] == 12);
    /* A subtree that is not aligned at the right edge's size is refused. */
    cg_merkle_frontier f;
    cg_merkle_frontier_init(&f);
    CHECK(cg_merkle_frontier_append(hasher, &f, lh[0]));
    CHECK(!cg_merkle_frontier_append_subtree(hasher, &f, 1, lh[1]));
    CHECK(f.size == 1);
    cg_merkle_tree_free(t);
}

int main(void)
{
    hasher = cg_merkle_hasher_new();
    CHECK(hasher != NULL);
    test_hashes();
    test_reference_roots();
    test_reference_inclusion();
    test_reference_consistency();
    test_roots_every_size();
    test_tile_nodes();
    test_all_proofs();
    test_large_sizes();
    test_compact_ranges();
    cg_merkle_hasher_free(hasher);
    return cg_test_done();
}
