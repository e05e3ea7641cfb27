#include "util/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(cg_sbuf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (extra >= (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap < 256 ? 256 : b->cap;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void cg_sbuf_append(cg_sbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

char *cg_sbuf_reserve(cg_sbuf *b, size_t n)
{
    return reserve(b, n) ? b->data + b->len : NULL;
}

void cg_sbuf_commit(cg_sbuf *b, size_t n)
{
    if (b->failed || b->data == NULL)
        return;
    b->len += n;
    b->data[b->len] = '\0';
}

void cg_sbuf_puts(cg_sbuf *b, const char *s)
{
    cg_sbuf_append(b, s, strlen(s));
}

void cg_sbuf_printf(cg_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *cg_sbuf_str(const cg_sbuf *b)
{
    return b->data != NULL ? b->data : "";
}

char *cg_sbuf_take(cg_sbuf *b, size_t *len)
{
    char *s;
    cg_sbuf_append(b, "", 0);
    if (b->failed) {
        cg_sbuf_free(b);
        return NULL;
    }
    s = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    cg_sbuf_free(b);
    return s;
}

void cg_sbuf_free(cg_sbuf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}
