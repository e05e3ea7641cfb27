/* The base64 codec. Decoding reads whole groups of four characters through
 * one 256-entry table (a digit's value, or a class: padding, whitespace, not
 * base64) and takes the character-by-character path only around
 * whitespace, padding and errors; the get-entries reader sends every log
 * entry through it, so its speed is the monitor's. */
#include "util/base64.h"

#include <stdlib.h>

enum {
    PD = 64,     /* '=' */
    WS = 65,     /* space, tab, CR, LF */
    XX = 255,    /* not base64 */
    CLASS = 0xc0 /* the bits a class sets and a digit (0..63) never does */
};

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* clang-format off */
static const uint8_t value[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, WS, WS, XX, XX, WS, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    WS, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
    XX, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};
/* clang-format on */

size_t cg_base64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t n = 0, i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[n++] = alphabet[v >> 18];
        out[n++] = alphabet[v >> 12 & 63];
        out[n++] = alphabet[v >> 6 & 63];
        out[n++] = alphabet[v & 63];
    }
    if (len - i > 0) {
        uint32_t v = (uint32_t)in[i] << 16 | (len - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[n++] = alphabet[v >> 18];
        out[n++] = alphabet[v >> 12 & 63];
        out[n++] = len - i == 2 ? alphabet[v >> 6 & 63] : '=';
        out[n++] = '=';
    }
    out[n] = '\0';
    return n;
}

char *cg_base64_encode_new(const uint8_t *in, size_t len)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    char *out = malloc(CG_BASE64_ENCODED_LEN(len) + 1);
    if (out != NULL)
        cg_base64_encode(in, len, out);
    return out;
}

/* value[] again, a digit's bits already where it goes in its group's 24
 * (shifted left by 18, 12, 6 or 0) and anything else NOT_DIGIT: a group is
 * four loads and three ORs (the get-entries reader's inner loop). */
#define NOT_DIGIT UINT32_C(0x01000000)
#define DIGIT(c)                                                                                  \
    ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                                       \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                                  \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                                  \
     : (c) == '+'               ? 62                                                              \
     : (c) == '/'               ? 63                                                              \
                                : -1)
#define AT(c, sh) (DIGIT(c) < 0 ? NOT_DIGIT : (uint32_t)DIGIT(c) << (sh))
#define R4(sh, c) AT((c), sh), AT((c) + 1, sh), AT((c) + 2, sh), AT((c) + 3, sh)
#define R16(sh, c) R4(sh, c), R4(sh, (c) + 4), R4(sh, (c) + 8), R4(sh, (c) + 12)
#define R64(sh, c) R16(sh, c), R16(sh, (c) + 16), R16(sh, (c) + 32), R16(sh, (c) + 48)
#define R256(sh)                                                                                  \
    {                                                                                             \
        R64(sh, 0), R64(sh, 64), R64(sh, 128), R64(sh, 192)                                       \
    }
static const uint32_t at18[256] = R256(18), at12[256] = R256(12), at6[256] = R256(6),
                      at0[256] = R256(0);

/* Whole groups of four digits from in (at most len characters) into out,
 * until a character that is not a digit: the characters consumed. out may
 * be in: a group's three bytes are written after its four characters are
 * read, and 3k + 3 <= 4k + 4. */
static size_t groups(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t i = 0, n = 0;
    for (; len - i >= 4; i += 4, n += 3) {
        uint32_t v = at18[in[i]] | at12[in[i + 1]] | at6[in[i + 2]] | at0[in[i + 3]];
        if (v & NOT_DIGIT)
            break;
        out[n] = (uint8_t)(v >> 16);
        out[n + 1] = (uint8_t)(v >> 8);
        out[n + 2] = (uint8_t)v;
    }
    return i;
}

size_t cg_base64_decode_run(const uint8_t *in, size_t avail, uint8_t *out, size_t *out_len,
                            int *padded)
{
    size_t i = groups(in, avail, out), n = i / 4 * 3;
    *padded = 0;
    if (avail - i >= 4) {
        uint32_t a = value[in[i]], b = value[in[i + 1]], c = value[in[i + 2]],
                 d = value[in[i + 3]];
        if (a < 64 && b < 64 && d == PD && c == PD && (b & 0xf) == 0) {
            out[n++] = (uint8_t)(a << 2 | b >> 4);
            i += 4;
            *padded = 1;
        } else if (a < 64 && b < 64 && c < 64 && d == PD && (c & 0x3) == 0) {
            out[n] = (uint8_t)(a << 2 | b >> 4);
            out[n + 1] = (uint8_t)(b << 4 | c >> 2);
            n += 2;
            i += 4;
            *padded = 1;
        }
    }
    *out_len = n;
    return i;
}

static int bad(size_t *bad_at, const char **why, size_t at, const char *what)
{
    *bad_at = at;
    *why = what;
    return 0;
}

int cg_base64_decode(const uint8_t *in, size_t len, unsigned flags, uint8_t *out, size_t *out_len,
                     size_t *bad_at, const char **why)
{
    const uint8_t space = flags & CG_BASE64_SPACE ? WS : XX;
    uint32_t acc = 0;
    size_t n = 0, quad = 0, pad = 0, last = 0, i = 0;
    while (i < len) {
        /* Between groups: whole groups of four digits at once. */
        if (quad == 0 && len - i >= 4) {
            size_t used = groups(in + i, len - i, out + n);
            n += used / 4 * 3;
            i += used;
            if (used > 0)
                last = i - 1;
            if (i == len)
                break;
        }
        /* One character: whitespace, padding, a digit of a group cut by
         * whitespace, or an error. */
        uint8_t c = in[i], v = value[c];
        if (v == WS)
            v = space;
        if (v == WS) {
            i++;
            continue;
        }
        last = i;
        if (v == PD) {
            if (quad < 2)
                return bad(bad_at, why, i, "base64 padding '=' too early in a 4-character group");
            pad++;
            quad++;
            i++;
            if (quad == 4) {
                quad = 0;
                break;
            }
            continue;
        }
        if (v == XX || pad > 0)
            return bad(bad_at, why, i,
                       pad > 0 ? "base64 data after '=' padding"
                               : "a base64 character (A-Z a-z 0-9 + /)");
        acc = acc << 6 | v;
        quad++;
        i++;
        if (quad == 4) {
            out[n++] = (uint8_t)(acc >> 16);
            out[n++] = (uint8_t)(acc >> 8);
            out[n++] = (uint8_t)acc;
            acc = 0;
            quad = 0;
        }
    }
    if (quad != 0)
        return bad(bad_at, why, last,
                   "base64 length a multiple of 4 characters (truncated or missing padding)");
    /* Only whitespace, when allowed, may follow the padding. */
    for (; i < len; i++) {
        if (space != WS || value[in[i]] != WS)
            return bad(bad_at, why, i, "end of base64 after '=' padding");
    }
    if (pad == 1) {
        out[n++] = (uint8_t)(acc >> 10);
        out[n++] = (uint8_t)(acc >> 2);
        if (acc & 0x3)
            return bad(bad_at, why, last, "zero bits before base64 padding");
    } else if (pad == 2) {
        out[n++] = (uint8_t)(acc >> 4);
        if (acc & 0xf)
            return bad(bad_at, why, last, "zero bits before base64 padding");
    }
    *out_len = n;
    return 1;
}

int cg_base64_decode_new(const char *s, size_t len, unsigned flags, uint8_t **out, size_t *out_len)
{
    size_t bad_at;
    const char *why;
    uint8_t *buf = malloc(CG_BASE64_DECODED_MAX(len));
    if (buf == NULL)
        return 0;
    if (!cg_base64_decode((const uint8_t *)s, len, flags, buf, out_len, &bad_at, &why)) {
        free(buf);
        return 0;
    }
    *out = buf;
    return 1;
}
