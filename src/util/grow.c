#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cg_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap == 0 ? 16 : *cap;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return 0;
        n *= 2;
    }
    if (size != 0 && n > SIZE_MAX / size)
        return 0;
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return 0;
    *p = q;
    *cap = n;
    return 1;
}

void *cg_grow_slot(void **p, size_t n, size_t *cap, size_t size)
{
    if (!cg_grow(p, cap, n + 1, size))
        return NULL;
    void *e = (unsigned char *)*p + n * size;
    memset(e, 0, size);
    return e;
}

void *cg_grow_push(void **p, size_t *n, size_t *cap, size_t size)
{
    void *e = cg_grow_slot(p, *n, cap, size);
    if (e != NULL)
        (*n)++;
    return e;
}

int cg_grow_push_str(char ***v, size_t *n, size_t *cap, const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL || !cg_grow((void **)v, cap, *n + 1, sizeof(**v))) {
        free(copy);
        return 0;
    }
    (*v)[(*n)++] = copy;
    return 1;
}
