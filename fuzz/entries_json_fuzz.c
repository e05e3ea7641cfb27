/* The get-entries reader on arbitrary bytes, against jansson: whatever the
 * reader takes for JSON, jansson must parse too, with the same entries and
 * the same strings (jansson's, decoded by util/base64's general decoder:
 * the reader's fused in-place decoding must agree with it). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ct/entries_json.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct oracle {
    json_t *entries;
    int mismatch;
} oracle;

/* The base64 string member key of o, decoded, equals p. */
static int same(json_t *o, const char *key, const uint8_t *p, size_t len)
{
    json_t *v = json_object_get(o, key);
    size_t slen = json_string_length(v), out_len = 0, bad;
    const char *why;
    uint8_t *buf = malloc(CG_BASE64_DECODED_MAX(slen));
    int eq = buf != NULL && json_is_string(v) &&
             cg_base64_decode((const uint8_t *)json_string_value(v), slen, CG_BASE64_SPACE, buf,
                              &out_len, &bad, &why) &&
             out_len == len && (len == 0 || memcmp(buf, p, len) == 0);
    free(buf);
    return eq || buf == NULL;
}

static int check_entry(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                       const uint8_t *extra, size_t extra_len)
{
    oracle *o = arg;
    json_t *e = json_array_get(o->entries, i);
    if (!same(e, "leaf_input", leaf, leaf_len) || !same(e, "extra_data", extra, extra_len))
        o->mismatch = 1;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cg_entries_reader *r;
    char why[256];
    size_t n = 0;
    oracle o = {NULL, 0};
    json_error_t jerr;
    if (r == NULL)
        r = cg_entries_reader_new();
    json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
    /* Valid JSON that jansson does not hold: numbers beyond its types, a
     * NUL in a member name. */
    if (j == NULL && (strstr(jerr.text, "too big") != NULL ||
                      strstr(jerr.text, "overflow") != NULL || strstr(jerr.text, "NUL") != NULL))
        return 0;
    o.entries = j != NULL ? json_object_get(j, "entries") : NULL;
    /* The reader decodes in place: a copy of exactly the input's size. */
    uint8_t *body = malloc(size > 0 ? size : 1);
    if (body == NULL) {
        json_decref(j);
        return 0;
    }
    memcpy(body, data, size);
    cg_entries_status st =
        cg_entries_read(r, body, size, 16, check_entry, &o, &n, why, sizeof(why));
    free(body);
    /* Accepted as JSON (OK, or a base64 field found bad after the grammar
     * passed): jansson agrees, and the entries are jansson's. */
    if (st == CG_ENTRIES_OK || (st == CG_ENTRIES_BAD && n > 0)) {
        if (j == NULL || !json_is_array(o.entries) || json_array_size(o.entries) != n)
            __builtin_trap();
        if (o.mismatch)
            __builtin_trap();
    }
    json_decref(j);
    return 0;
}
