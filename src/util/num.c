#include "util/num.h"

#include <errno.h>
#include <stdlib.h>

int cg_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    /* strtoull would take a sign or leading white space */
    if (s[0] < '0' || s[0] > '9')
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < min || v > max)
        return 0;
    *out = (uint64_t)v;
    return 1;
}
