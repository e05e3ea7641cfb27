/* A growing NUL-terminated string, for writers that build text (Markdown,
 * CSV, HTML, mail) in memory and leave to the caller where it goes. A failed allocation sets `failed` and later appends do nothing, so
 * writers check once at the end. */
#ifndef CAGUARD_UTIL_SBUF_H
#define CAGUARD_UTIL_SBUF_H

#include <stddef.h>

typedef struct cg_sbuf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    int failed;
} cg_sbuf;

#define CG_SBUF_INIT                                                                              \
    {                                                                                             \
        NULL, 0, 0, 0                                                                             \
    }

void cg_sbuf_append(cg_sbuf *b, const char *s, size_t n);
void cg_sbuf_puts(cg_sbuf *b, const char *s);
void cg_sbuf_printf(cg_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For a writer that makes its bytes in place (an encoder given the
 * destination): room for n more bytes at the end, where they go, or NULL
 * when memory ran out (failed set, as an append's); then
 * cg_sbuf_commit(b, k) counts the k <= n bytes written there. Also sizes
 * b ahead of a run of appends. */
char *cg_sbuf_reserve(cg_sbuf *b, size_t n);
void cg_sbuf_commit(cg_sbuf *b, size_t n);
/* The text so far ("" when empty); borrowed, valid until the next append. */
const char *cg_sbuf_str(const cg_sbuf *b);
/* The text as an owned string (allocated even when empty), its length in
 * *len when len is not NULL; b is reset. NULL (b freed) when an append
 * failed. */
char *cg_sbuf_take(cg_sbuf *b, size_t *len);
/* Frees the text and resets b; accepts NULL. */
void cg_sbuf_free(cg_sbuf *b);

#endif
