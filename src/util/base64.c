/* The base64 codec. Decoding reads blocks of 32 characters with AVX2 where
 * the processor has it, then whole groups of four characters through one
 * 256-entry table (a digit's value, or a class: padding, whitespace, not
 * base64), and takes the character-by-character path only around
 * whitespace, padding and errors; the get-entries reader sends every log
 * entry through it, so its speed is the monitor's. */
#include "util/base64.h"

#include <stdlib.h>

/* x86-64 with GCC or Clang: the groups are decoded 32 characters at a time
 * with AVX2 where the processor has it (asked at each call: one load and a
 * test), else four at a time as everywhere else. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CG_BASE64_AVX2 1
#endif

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

#ifdef CG_BASE64_AVX2
/* Whole blocks of 32 digits from in (at most len characters) into out, 24
 * bytes a block, until a block holds a character that is not a digit: the
 * characters consumed (a multiple of 32; groups() goes on from there and
 * finds where the run stops). The method is Muła and Lemire's ("Faster
 * Base64 Encoding and Decoding Using AVX2 Instructions", 2018):
 *
 * - a character is a digit when the class of its high nibble (hi_class:
 *   one bit for 2, 3, 4 or 6, 5 or 7, and one for the other nibbles, never
 *   a digit) is not among the classes its low nibble rules out (lo_bad: a
 *   low nibble other than B and F rules out class 2 ('+' and '/'), A and
 *   above class 3 (digits 0-9), 0 class 4/6 ('@' and '`'), B and above
 *   class 5/7 (past 'Z' and 'z'); every low nibble rules out the other
 *   high nibbles);
 * - its value is the character plus an offset chosen by its high nibble,
 *   '/' taking slot 1 ('+' and '/' share nibble 2);
 * - four values a b c d become a 24-bit a<<18 | b<<12 | c<<6 | d in two
 *   multiply-adds (a*64 + b, then ab*4096 + cd), its three bytes put in
 *   order by a shuffle and the eight lanes' 24 bytes packed together.
 *
 * out may be in: a block's 24 bytes are written after its 32 characters
 * are read, at 3i/4 <= i, and never reach the next block's characters. */
__attribute__((target("avx2"))) static size_t blocks(const uint8_t *in, size_t len, uint8_t *out)
{
#define CG_LANES(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
    const __m256i lo_bad = CG_LANES(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                    0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
    const __m256i hi_class = CG_LANES(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10,
                                      0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m256i offset = CG_LANES(0, 63 - '/', 62 - '+', 52 - '0', -'A', -'A', 26 - 'a',
                                    26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i order = CG_LANES(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
#undef CG_LANES
    const __m256i nibble = _mm256_set1_epi8(0x0f), slash = _mm256_set1_epi8('/');
    const __m256i ab = _mm256_set1_epi32(0x01400140), abcd = _mm256_set1_epi32(0x00011000);
    const __m256i pack = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    size_t i = 0, n = 0;
    for (; len - i >= 32; i += 32, n += 24) {
        __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(in + i));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
        __m256i lo = _mm256_and_si256(c, nibble);
        __m256i bad =
            _mm256_and_si256(_mm256_shuffle_epi8(lo_bad, lo), _mm256_shuffle_epi8(hi_class, hi));
        if (!_mm256_testz_si256(bad, bad))
            break;
        __m256i slot = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(c, slash));
        __m256i v = _mm256_add_epi8(c, _mm256_shuffle_epi8(offset, slot));
        v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, ab), abcd);
        v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, order), pack);
        _mm_storeu_si128((__m128i *)(void *)(out + n), _mm256_castsi256_si128(v));
        _mm_storel_epi64((__m128i *)(void *)(out + n + 16), _mm256_extracti128_si256(v, 1));
    }
    return i;
}
#endif

/* Whole groups of four digits from in (at most len characters) into out,
 * until a character that is not a digit: the characters consumed. out may
 * be in: a group's three bytes are written after its four characters are
 * read, and 3k + 3 <= 4k + 4. */
static size_t groups(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t i = 0, n = 0;
#ifdef CG_BASE64_AVX2
    if (len >= 32 && __builtin_cpu_supports("avx2")) {
        i = blocks(in, len, out);
        n = i / 4 * 3;
    }
#endif
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
