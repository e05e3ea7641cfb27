#include "util/hex.h"

#include <string.h>

static const char digits[] = "0123456789abcdef";

void cg_hex_byte(uint8_t b, char out[2])
{
    out[0] = digits[b >> 4];
    out[1] = digits[b & 0xf];
}

void cg_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        cg_hex_byte(p[i], out + 2 * i);
    out[2 * n] = '\0';
}

size_t cg_hex_fit(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t i = 0;
    if (cap == 0)
        return 0;
    for (; i < n && 2 * i + 2 < cap; i++)
        cg_hex_byte(p[i], buf + 2 * i);
    buf[2 * i] = '\0';
    return i;
}

size_t cg_hex_quote(const uint8_t *p, size_t n, size_t max, int spaced, char *buf, size_t cap)
{
    const char *more = spaced ? " ..." : "...";
    size_t o = 0, i = 0, more_len = spaced ? 4 : 3;
    if (cap == 0)
        return 0;
    for (; i < n && i < max; i++) {
        size_t sep = i > 0 && spaced;
        if (o + sep + 2 + more_len + 1 > cap)
            break;
        if (sep)
            buf[o++] = ' ';
        cg_hex_byte(p[i], buf + o);
        o += 2;
    }
    if (i < n && o + more_len + 1 <= cap) {
        memcpy(buf + o, more, more_len);
        o += more_len;
    }
    buf[o] = '\0';
    return i;
}

int cg_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cg_unhex(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (len % 2 != 0 || len / 2 > cap)
        return 0;
    for (size_t i = 0; i < len; i += 2) {
        int hi = cg_hex_value((unsigned char)s[i]), lo = cg_hex_value((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return 1;
}
