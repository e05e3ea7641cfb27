/* Hexadecimal: the one table of hex digits of the library. Lowercase, as
 * findings, stored keys and file names write SHA-256 values and serials. */
#ifndef CAGUARD_UTIL_HEX_H
#define CAGUARD_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The two lowercase digits of b at out[0] and out[1] (no terminator). */
void cg_hex_byte(uint8_t b, char out[2]);
/* Lowercase hex of the n bytes at p into out, which holds 2 * n + 1. */
void cg_hex(const uint8_t *p, size_t n, char *out);
/* Lowercase hex of as many leading bytes of p as fit in buf (cap bytes,
 * the terminator included; nothing when cap is 0). Returns the number of
 * bytes written out, so a caller can tell a cut value (< n). */
size_t cg_hex_fit(const uint8_t *p, size_t n, char *buf, size_t cap);
/* For messages: lowercase hex of the first bytes of p (at most max of its
 * n), space-separated when spaced ("04 02 00"), and "..." (" ..." when
 * spaced) when bytes are left out, into buf (cap bytes, terminated; a byte
 * is written only with room for the ellipsis after it). Returns the number
 * of bytes shown. */
size_t cg_hex_quote(const uint8_t *p, size_t n, size_t max, int spaced, char *buf, size_t cap);
/* The value of hex digit c (either case), or -1. */
int cg_hex_value(int c);
/* Strict decoding of len hex digits (either case, an even count, nothing
 * else) into out (cap bytes). Returns 1 and *out_len, or 0. */
int cg_unhex(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
