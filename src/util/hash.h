/* FNV-1a, 64 bits: the one non-cryptographic hash of the library, for the
 * keys of in-memory hash sets and indexes and for advisory lock keys. A
 * collision may only cost time (a longer probe, a lock waited on for
 * nothing), never a wrong answer: every user compares the bytes after the
 * hash matches. Inline, because the checker and the Name index call it per
 * object in their hot loops. */
#ifndef CAGUARD_UTIL_HASH_H
#define CAGUARD_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The FNV-1a 64 offset basis: the h to start a hash with. */
#define CG_FNV1A_INIT UINT64_C(0xcbf29ce484222325)

/* h folded with the n bytes at p: cg_fnv1a(CG_FNV1A_INIT, p, n) is the
 * FNV-1a 64 of those bytes; feeding the result back in hashes a
 * concatenation. */
static inline uint64_t cg_fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#endif
