/* util/escape's JSON strings against jansson, the writer caguard serve's
 * answers came from (json_dumps with JSON_ENSURE_ASCII): byte for byte the
 * same text for every string jansson takes, and nothing written for every
 * string it refuses (not UTF-8). Fixed cases (every ASCII byte, the edges
 * of UTF-8's forms, surrogates, overlong forms, cut characters), then
 * random strings of code points and of bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/escape.h"

static int n_compared, n_refused;

static void vs_jansson(const char *s)
{
    cg_sbuf b = CG_SBUF_INIT;
    cg_sbuf_puts(&b, "x");
    json_t *j = json_string(s);
    int ours = cg_esc_json_string(&b, s);
    CHECK(ours == (j != NULL));
    if (j == NULL) {
        CHECK(b.len == 1 && strcmp(cg_sbuf_str(&b), "x") == 0);
        n_refused++;
    } else {
        char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
        CHECK(want != NULL);
        if (want != NULL && strcmp(cg_sbuf_str(&b) + 1, want) != 0) {
            fprintf(stderr, "  differs: ours %s, jansson's %s\n", cg_sbuf_str(&b) + 1, want);
            CHECK(0);
        }
        free(want);
        json_decref(j);
        n_compared++;
    }
    cg_sbuf_free(&b);
}

/* c as UTF-8 into out (4 bytes at most, no check): its length. */
static size_t put_utf8(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3f));
    out[2] = (char)(0x80 | (c >> 6 & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static void fixed(void)
{
    static const char *const cases[] = {
        "",
        "caguard",
        "Profile: autodetect; Version: caguard 0.1",
        "a \"quoted\" \\ back/slash",
        "tab\there\nline\rcr\bbs\fff",
        "\x7f",
        "caf\xc3\xa9 \xe2\x80\xae \xef\xbf\xbf \xf0\x9f\x94\x92 \xf4\x8f\xbf\xbf",
        "\xc2\x80\xdf\xbf\xe0\xa0\x80\xf0\x90\x80\x80",
        /* refused: a lone continuation byte, overlong forms, surrogates,
         * past U+10FFFF, bytes that never start a character, cut ones */
        "\x80",
        "a\xc0\x80",
        "\xc1\xbf",
        "\xe0\x9f\xbf",
        "\xed\xa0\x80",
        "\xed\xbf\xbf",
        "\xf0\x8f\xbf\xbf",
        "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80",
        "\xff",
        "ok\xe2\x82",
        "\xf0\x9f\x94",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        vs_jansson(cases[i]);
    char s[4] = {0};
    for (int c = 1; c < 256; c++) {
        s[0] = (char)c;
        s[1] = 'z';
        vs_jansson(s);
    }
}

static void random_strings(void)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    char s[64];
    for (int i = 0; i < 20000; i++) {
        size_t len = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int words = (int)(x % 12);
        for (int w = 0; w < words; w++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint32_t c;
            switch (x % 5) {
            case 0: c = (uint32_t)(x >> 8) % 0x80; break;
            case 1: c = (uint32_t)(x >> 8) % 0x800; break;
            case 2: c = (uint32_t)(x >> 8) % 0x10000; break;
            case 3: c = (uint32_t)(x >> 8) % 0x110000; break;
            default: c = 0x20 + (uint32_t)(x >> 8) % 0x5f; break;
            }
            if (c == 0)
                c = 1;
            if (i % 3 == 0) /* raw bytes: mostly not UTF-8 */
                s[len++] = (char)((x >> 24) % 255 + 1);
            else
                len += put_utf8(c, s + len);
        }
        s[len] = '\0';
        vs_jansson(s);
    }
}

int main(void)
{
    fixed();
    random_strings();
    fprintf(stderr, "  %d strings written as jansson writes them, %d refused as it does\n",
            n_compared, n_refused);
    CHECK(n_compared > 10000 && n_refused > 1000);
    return cg_test_done();
}
