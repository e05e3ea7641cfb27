/* The one way a function fills a caller's error buffer: formatted, always
 * terminated, cut when longer than the buffer, and nothing at all when the
 * caller passed no buffer (err NULL or cap 0). */
#ifndef CAGUARD_UTIL_ERRF_H
#define CAGUARD_UTIL_ERRF_H

#include <stdarg.h>
#include <stddef.h>

void cg_errf(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cg_verrf(char *err, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* In a function taking (..., const char *fmt, ...): its message formatted
 * into buf (cap bytes, terminated, cut when longer). The one way the
 * library's variadic message helpers read their arguments. */
#define CG_FORMAT_ARGS(buf, cap, fmt)                                                             \
    do {                                                                                          \
        va_list cg_args_;                                                                         \
        va_start(cg_args_, fmt);                                                                  \
        cg_verrf(buf, cap, fmt, cg_args_);                                                        \
        va_end(cg_args_);                                                                         \
    } while (0)

#endif
