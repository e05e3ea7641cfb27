/* Growing arrays: the one realloc pattern of the library. */
#ifndef CAGUARD_UTIL_GROW_H
#define CAGUARD_UTIL_GROW_H

#include <stddef.h>

/* Makes *p (an array of *cap elements of size bytes) hold at least need
 * elements, doubling from 16. Returns 1, or 0 when out of memory or the
 * size would overflow (*p and *cap then unchanged). */
int cg_grow(void **p, size_t *cap, size_t need, size_t size);

#endif
