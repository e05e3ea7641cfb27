/* Redaction on arbitrary text: the length it reports is the length it
 * writes, and a message redacted with a source (the input cut in two)
 * never crashes or reads past either string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *out;
    size_t n, cut;
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    n = cg_redact(s, NULL, 0);
    out = malloc(n + 1);
    if (out != NULL && (cg_redact(s, out, n + 1) != n || strlen(out) != n))
        __builtin_trap();
    free(out);
    cut = strlen(s) / 2;
    n = cg_redact_with(s + cut, s, NULL, 0);
    out = malloc(n + 1);
    if (out != NULL && cg_redact_with(s + cut, s, out, n + 1) != n)
        __builtin_trap();
    free(out);
    free(s);
    return 0;
}
