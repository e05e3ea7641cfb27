/* The base64 codec on arbitrary bytes. Decoding is checked against the
 * character-by-character decoder it replaced (kept here as the oracle:
 * the same answer, the same offset in error, the same reason) and against
 * the codec's own promise: a span it accepts is the encoding of what it
 * decoded, whitespace aside. The bytes are also encoded and decoded back,
 * and the run decoder (in place) must agree with the decoder on what it
 * consumed and stop only where a whole group cannot be taken. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int digit(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The previous decoder, one character at a time. */
static int oracle(const uint8_t *in, size_t len, int space, uint8_t *out, size_t *out_len,
                  size_t *bad_at, const char **why)
{
    uint32_t acc = 0;
    size_t n = 0, quad = 0, pad = 0, last = 0, i = 0;
    for (; i < len; i++) {
        uint8_t c = in[i];
        if (space && is_space(c))
            continue;
        last = i;
        if (c == '=') {
            if (quad < 2) {
                *bad_at = i;
                *why = "base64 padding '=' too early in a 4-character group";
                return 0;
            }
            pad++;
            if (++quad == 4) {
                quad = 0;
                i++;
                break;
            }
            continue;
        }
        int v = digit(c);
        if (v < 0 || pad > 0) {
            *bad_at = i;
            *why =
                pad > 0 ? "base64 data after '=' padding" : "a base64 character (A-Z a-z 0-9 + /)";
            return 0;
        }
        acc = acc << 6 | (uint32_t)v;
        if (++quad == 4) {
            out[n++] = (uint8_t)(acc >> 16);
            out[n++] = (uint8_t)(acc >> 8);
            out[n++] = (uint8_t)acc;
            acc = 0;
            quad = 0;
        }
    }
    if (quad != 0) {
        *bad_at = last;
        *why = "base64 length a multiple of 4 characters (truncated or missing padding)";
        return 0;
    }
    for (; i < len; i++) {
        if (!space || !is_space(in[i])) {
            *bad_at = i;
            *why = "end of base64 after '=' padding";
            return 0;
        }
    }
    if (pad == 1) {
        out[n++] = (uint8_t)(acc >> 10);
        out[n++] = (uint8_t)(acc >> 2);
    } else if (pad == 2) {
        out[n++] = (uint8_t)(acc >> 4);
    }
    if ((pad == 1 && (acc & 0x3)) || (pad == 2 && (acc & 0xf))) {
        *bad_at = last;
        *why = "zero bits before base64 padding";
        return 0;
    }
    *out_len = n;
    return 1;
}

static void check(const uint8_t *data, size_t size, unsigned flags, uint8_t *a, uint8_t *b,
                  char *text, char *squeezed)
{
    size_t na = 0, nb = 0, bad_a = 0, bad_b = 0;
    const char *why_a = NULL, *why_b = NULL;
    int ok = cg_base64_decode(data, size, flags, a, &na, &bad_a, &why_a);
    int want = oracle(data, size, (flags & CG_BASE64_SPACE) != 0, b, &nb, &bad_b, &why_b);
    if (ok != want)
        __builtin_trap();
    if (!ok && (bad_a != bad_b || strcmp(why_a, why_b) != 0 || bad_a >= size))
        __builtin_trap();
    if (!ok)
        return;
    if (na != nb || (na > 0 && memcmp(a, b, na) != 0) || na > CG_BASE64_DECODED_MAX(size))
        __builtin_trap();
    /* Canonical: what was accepted is the encoding of what came out. */
    size_t m = 0;
    for (size_t i = 0; i < size; i++) {
        if (!is_space(data[i]))
            squeezed[m++] = (char)data[i];
    }
    if (cg_base64_encode(a, na, text) != m || memcmp(text, squeezed, m) != 0)
        __builtin_trap();
}

/* cg_base64_decode_run in place on a copy of data. */
static void check_run(const uint8_t *data, size_t size, uint8_t *copy, uint8_t *b)
{
    size_t n = 0, nb = 0, bad;
    int padded;
    const char *why;
    if (size > 0)
        memcpy(copy, data, size);
    size_t used = cg_base64_decode_run(copy, size, copy, &n, &padded);
    if (used > size || used % 4 != 0 || !cg_base64_decode(data, used, 0, b, &nb, &bad, &why) ||
        nb != n || (n > 0 && memcmp(copy, b, n) != 0))
        __builtin_trap();
    if (padded != (used > 0 && data[used - 1] == '='))
        __builtin_trap();
    /* Stopped where it had to: the end, after padding, or a group the
     * decoder refuses. */
    if (!padded && size - used >= 4 && cg_base64_decode(data + used, 4, 0, b, &nb, &bad, &why))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *a = malloc(CG_BASE64_DECODED_MAX(size)), *b = malloc(CG_BASE64_DECODED_MAX(size));
    char *text = malloc(CG_BASE64_ENCODED_LEN(size) + 1), *squeezed = malloc(size + 1);
    uint8_t *back = NULL;
    size_t n = 0;
    if (a == NULL || b == NULL || text == NULL || squeezed == NULL)
        goto out;
    check(data, size, 0, a, b, text, squeezed);
    check(data, size, CG_BASE64_SPACE, a, b, text, squeezed);
    check_run(data, size, (uint8_t *)squeezed, b);
    /* Encoding any bytes decodes back to them. */
    char *enc = cg_base64_encode_new(data, size);
    if (enc == NULL)
        goto out;
    if (strlen(enc) != CG_BASE64_ENCODED_LEN(size) ||
        !cg_base64_decode_new(enc, strlen(enc), 0, &back, &n) || n != size ||
        (size > 0 && memcmp(back, data, size) != 0))
        __builtin_trap();
    free(enc);
out:
    free(back);
    free(a);
    free(b);
    free(text);
    free(squeezed);
    return 0;
}
