/* The Bugzilla answer decoders (incident/bugzilla.h) on arbitrary bytes:
 * the input is split at its first NUL into a "bug.json" and a
 * "comment.json"; both decoders and the Whiteboard reader must neither
 * crash nor leak, and what they keep must hold their invariants (comment
 * IDs distinct, creators set, the Whiteboard a string). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incident/bugzilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n1 = nul != NULL ? (size_t)(nul - data) : size;
    const uint8_t *p2 = nul != NULL ? nul + 1 : data + size;
    size_t n2 = size - n1 - (nul != NULL);
    char err[512];
    cg_bz_bug b;
    int64_t due;
    memset(&b, 0, sizeof(b));
    for (int64_t id = 1; id <= 1900001; id += 1900000) {
        if (cg_bz_decode_bug(data, n1, id, &b, err, sizeof(err))) {
            if (b.whiteboard == NULL || b.id != id)
                abort();
            (void)cg_bz_next_update(b.whiteboard, &due);
        }
        if (cg_bz_decode_comments(p2, n2, id, &b, err, sizeof(err))) {
            for (size_t i = 0; i < b.n_comments; i++) {
                if (b.comments[i].creator == NULL)
                    abort();
                for (size_t j = 0; j < i; j++)
                    if (b.comments[j].id == b.comments[i].id)
                        abort();
            }
        }
        cg_bz_bug_clear(&b);
    }
    /* the Whiteboard reader and the URL parser on the raw bytes */
    char *s = malloc(size + 1);
    if (s != NULL) {
        char base[256];
        int64_t id;
        memcpy(s, data, size);
        s[size] = '\0';
        (void)cg_bz_next_update(s, &due);
        (void)cg_bz_parse_url(s, base, sizeof(base), &id, err, sizeof(err));
        free(s);
    }
    return 0;
}
