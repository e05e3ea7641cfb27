/* Merkle frontier decoding and proof verification on arbitrary input: the
 * first 16 bytes give two tree sizes, the rest is read as hashes. A
 * decoded frontier must encode back to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ct/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cg_merkle_hasher *h;
    cg_merkle_frontier f;
    uint8_t enc[CG_MERKLE_FRONTIER_MAX_ENCODED], root[32];
    const uint8_t zero[32] = {0};
    size_t len = 0, n;
    uint64_t a, b;

    if (h == NULL)
        h = cg_merkle_hasher_new();
    if (cg_merkle_frontier_decode(&f, data, size)) {
        if (!cg_merkle_frontier_encode(&f, enc, sizeof(enc), &len) || len != size ||
            memcmp(enc, data, size) != 0)
            __builtin_trap();
        (void)cg_merkle_frontier_root(h, &f, root);
    }
    if (size < 16 + 64)
        return 0;
    a = be64(data);
    b = be64(data + 8);
    n = (size - 16 - 64) / 32;
    if (n > CG_MERKLE_MAX_PROOF)
        n = CG_MERKLE_MAX_PROOF;
    (void)cg_merkle_verify_consistency(h, a, b, data + 16, data + 48, data + 80, n, NULL, 0);
    (void)cg_merkle_verify_inclusion(h, a, b, zero, data + 80, n, data + 16, NULL, 0);
    (void)cg_merkle_frontier_from_inclusion(h, &f, b, zero, data + 80, n, data + 16, NULL, 0);
    return 0;
}
