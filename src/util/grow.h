/* Growing arrays: the one realloc pattern of the library. */
#ifndef CAGUARD_UTIL_GROW_H
#define CAGUARD_UTIL_GROW_H

#include <stddef.h>

/* Makes *p (an array of *cap elements of size bytes) hold at least need
 * elements, doubling from 16. Returns 1, or 0 when out of memory or the
 * size would overflow (*p and *cap then unchanged). */
int cg_grow(void **p, size_t *cap, size_t need, size_t size);

/* The element at index n of *p (an array of *cap elements of size bytes),
 * grown as cg_grow does to hold n + 1: returns it zeroed, NOT counted, or
 * NULL when out of memory (*p and *cap unchanged). For an array whose count
 * the caller raises only once the element is whole (filled, its copies
 * made), so a failure half-way leaves the count as it was. */
void *cg_grow_slot(void **p, size_t n, size_t *cap, size_t size);

/* One more element at the end of *p (*n elements in use of *cap, size
 * bytes each), grown as cg_grow does: returns it zeroed and counted in *n
 * (so a clear that frees the elements' pointers may run on it at once), or
 * NULL when out of memory (*p, *n and *cap unchanged). The one way to
 * collect rows or findings into an array as a callback receives them. */
void *cg_grow_push(void **p, size_t *n, size_t *cap, size_t size);

/* A copy of s at the end of *v (*n strings in use of *cap), grown as
 * cg_grow does: 1, or 0 when out of memory (*v, *n and *cap unchanged).
 * The one way to collect the strings a callback hands over; the caller
 * frees each of (*v)[0..*n) and *v. */
int cg_grow_push_str(char ***v, size_t *n, size_t *cap, const char *s);

#endif
