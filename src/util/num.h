/* Decimal numbers as people and protocols write them: the one parser of a
 * whole number given as text (a command's option, a test log's query
 * parameter). */
#ifndef CAGUARD_UTIL_NUM_H
#define CAGUARD_UTIL_NUM_H

#include <stdint.h>

/* s, decimal digits alone (no sign, no space, nothing after them), as a
 * number from min to max: 1 with *out set, or 0 (*out unchanged) when s is
 * anything else, overflows 64 bits or lies outside the range. */
int cg_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
