/* Base64 (RFC 4648 §4, the standard alphabet with '=' padding): the one
 * codec of the library. Decoding is strict: only the alphabet, padding to a
 * multiple of four characters, nothing after the padding and zero bits
 * under it, so one encoding has one decoding. Whitespace between
 * characters is skipped only when the caller says so (PEM bodies break
 * lines; JSON and checkpoint fields do not). */
#ifndef CAGUARD_UTIL_BASE64_H
#define CAGUARD_UTIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters of the encoding of n bytes (the terminator not counted). */
#define CG_BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)
/* Room decoding n characters may need. */
#define CG_BASE64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

/* Flags of the decoders. */
enum {
    CG_BASE64_SPACE = 1 /* skip space, tab, CR and LF between characters */
};

/* Encodes the len bytes at in into out (CG_BASE64_ENCODED_LEN(len) + 1
 * bytes), terminated. Returns the length written, the terminator not
 * counted. */
size_t cg_base64_encode(const uint8_t *in, size_t len, char *out);
/* The same into a new string (free()); NULL when out of memory. */
char *cg_base64_encode_new(const uint8_t *in, size_t len);

/* Decodes the span of len characters at in into out (room for
 * CG_BASE64_DECODED_MAX(len) bytes). Returns 1 and *out_len, or 0 with
 * *bad_at the offset in the span of the first character in error and *why
 * what was expected there. Groups of four characters go through one table
 * lookup each and no branch per character; flags: CG_BASE64_*. */
int cg_base64_decode(const uint8_t *in, size_t len, unsigned flags, uint8_t *out, size_t *out_len,
                     size_t *bad_at, const char **why);
/* Decodes the run of base64 at in (at most avail characters) up to the
 * first character that does not continue it: whole groups of four digits,
 * then a padded group ("xx==", "xxx=", zero bits under the padding) when
 * one comes next, which ends the run (*padded 1). No whitespace, no
 * error: what stopped the run, in[returned] when returned < avail, is the
 * caller's to read (a string's closing quote, or the rest to decode with
 * cg_base64_decode). Returns the characters consumed, a multiple of four,
 * and the *out_len bytes written to out, which may be in itself: the
 * output never overtakes the input (decoding in place). */
size_t cg_base64_decode_run(const uint8_t *in, size_t avail, uint8_t *out, size_t *out_len,
                            int *padded);
/* The same into a new buffer (free()) at *out. Returns 0 when the span is
 * not base64 or memory runs out (*out then untouched). */
int cg_base64_decode_new(const char *s, size_t len, unsigned flags, uint8_t **out,
                         size_t *out_len);

#endif
