/* A set of SHA-256 values, each with an index (open addressing; a SHA-256
 * is its own hash): what ingest keeps per file and per run, the objects
 * seen and the notices produced. */
#ifndef CAGUARD_STORE_SHASET_H
#define CAGUARD_STORE_SHASET_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 values with an index each (open addressing). */
typedef struct cg_shaset {
    uint8_t (*key)[32];
    size_t *val;
    uint8_t *used;
    size_t cap, n;
} cg_shaset;

/* Whether sha is in the set, and its index in *val (val may be NULL). */
int cg_shaset_get(const cg_shaset *s, const uint8_t *sha, size_t *val);
/* Adds sha with val, or sets its val; 0 when out of memory. */
int cg_shaset_put(cg_shaset *s, const uint8_t *sha, size_t val);
/* Frees the set; it is empty and usable again. */
void cg_shaset_clear(cg_shaset *s);

#endif
