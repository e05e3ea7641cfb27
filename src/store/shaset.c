/* A set of SHA-256 values with an index each (shaset.h). */
#include "store/shaset.h"

#include <stdlib.h>
#include <string.h>

static size_t sha_slot(const cg_shaset *s, const uint8_t *sha)
{
    uint64_t h;
    memcpy(&h, sha, sizeof(h)); /* a SHA-256 is its own hash */
    size_t i = (size_t)h & (s->cap - 1);
    while (s->used[i] && memcmp(s->key[i], sha, 32) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

int cg_shaset_get(const cg_shaset *s, const uint8_t *sha, size_t *val)
{
    if (s->cap == 0)
        return 0;
    size_t i = sha_slot(s, sha);
    if (!s->used[i])
        return 0;
    if (val != NULL)
        *val = s->val[i];
    return 1;
}

int cg_shaset_put(cg_shaset *s, const uint8_t *sha, size_t val)
{
    if ((s->n + 1) * 2 > s->cap) {
        cg_shaset bigger = {NULL, NULL, NULL, s->cap == 0 ? 64 : s->cap * 2, 0};
        bigger.key = malloc(bigger.cap * 32);
        bigger.val = malloc(bigger.cap * sizeof(size_t));
        bigger.used = calloc(bigger.cap, 1);
        if (bigger.key == NULL || bigger.val == NULL || bigger.used == NULL) {
            free(bigger.key);
            free(bigger.val);
            free(bigger.used);
            return 0;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->used[i]) {
                size_t j = sha_slot(&bigger, s->key[i]);
                bigger.used[j] = 1;
                memcpy(bigger.key[j], s->key[i], 32);
                bigger.val[j] = s->val[i];
                bigger.n++;
            }
        }
        free(s->key);
        free(s->val);
        free(s->used);
        *s = bigger;
    }
    size_t i = sha_slot(s, sha);
    if (!s->used[i]) {
        s->used[i] = 1;
        memcpy(s->key[i], sha, 32);
        s->n++;
    }
    s->val[i] = val;
    return 1;
}

void cg_shaset_clear(cg_shaset *s)
{
    free(s->key);
    free(s->val);
    free(s->used);
    memset(s, 0, sizeof(*s));
}
