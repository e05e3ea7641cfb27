#include "util/errf.h"

#include <stdio.h>

void cg_verrf(char *err, size_t cap, const char *fmt, va_list ap)
{
    if (err == NULL || cap == 0)
        return;
    vsnprintf(err, cap, fmt, ap);
}

void cg_errf(char *err, size_t cap, const char *fmt, ...)
{
    CG_FORMAT_ARGS(err, cap, fmt);
}
