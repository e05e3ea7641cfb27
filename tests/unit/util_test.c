/* The ground floor (src/util): the base64 codec against OpenSSL's and
 * RFC 4648's vectors, hex, FNV-1a against the reference values of its
 * authors, the time formats against the C library's gmtime and strftime,
 * cg_errf, cg_parse_u64, cg_grow, cg_grow_push, cg_grow_push_str and
 * cg_grow_slot. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "testutil.h"
#include "util/base64.h"
#include "util/errf.h"
#include "util/grow.h"
#include "util/hash.h"
#include "util/hex.h"
#include "util/num.h"
#include "util/sbuf.h"
#include "util/time.h"

static int dec(const char *s, unsigned flags, uint8_t *out, size_t *n, size_t *bad)
{
    const char *why = NULL;
    int ok = cg_base64_decode((const uint8_t *)s, strlen(s), flags, out, n, bad, &why);
    CHECK(ok || why != NULL);
    return ok;
}

static void test_base64_vectors(void)
{
    /* RFC 4648 §10. */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    uint8_t out[64];
    char text[64];
    size_t n, bad;
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        size_t len = strlen(plain[i]);
        CHECK(cg_base64_encode((const uint8_t *)plain[i], len, text) == strlen(coded[i]));
        CHECK(strcmp(text, coded[i]) == 0);
        CHECK(dec(coded[i], 0, out, &n, &bad) && n == len && memcmp(out, plain[i], len) == 0);
    }
    /* Whitespace: skipped with CG_BASE64_SPACE (PEM), refused without. */
    CHECK(dec("TWFu\nTWE=\r\n", CG_BASE64_SPACE, out, &n, &bad) && n == 5 &&
          memcmp(out, "ManMa", 5) == 0);
    CHECK(dec(" T W F u ", CG_BASE64_SPACE, out, &n, &bad) && n == 3);
    CHECK(!dec("TWFu\nTWE=", 0, out, &n, &bad) && bad == 4);
    CHECK(!dec("TWE= ", 0, out, &n, &bad) && bad == 4);
    CHECK(dec("TWE= \n", CG_BASE64_SPACE, out, &n, &bad) && n == 2);
    /* Strictness: each refusal at the character in error. */
    CHECK(dec("TQ==", 0, out, &n, &bad) && n == 1);
    CHECK(!dec("TWF", 0, out, &n, &bad) && bad == 2);
    CHECK(!dec("TW!u", 0, out, &n, &bad) && bad == 2);
    CHECK(!dec("TWFuTW!u", 0, out, &n, &bad) && bad == 6);
    CHECK(!dec("T===", 0, out, &n, &bad) && bad == 1);
    CHECK(!dec("TQ==TWFu", 0, out, &n, &bad) && bad == 4);
    CHECK(!dec("TQ=u", 0, out, &n, &bad) && bad == 3);
    CHECK(!dec("TR==", 0, out, &n, &bad) && bad == 3); /* bits under the padding */
    CHECK(!dec("TWF=", CG_BASE64_SPACE, out, &n, &bad) && bad == 3);
    CHECK(!dec("TWFu\x80", CG_BASE64_SPACE, out, &n, &bad) && bad == 4);
    CHECK(!dec("TWFu-_==", 0, out, &n, &bad) && bad == 4); /* base64url is not base64 */
}

/* Random data both ways against OpenSSL's codec (EVP_EncodeBlock and
 * EVP_DecodeBlock, which pads the output with zero bytes). */
static void test_base64_openssl(void)
{
    uint8_t data[300], back[310], ossl_out[310];
    char ours[420], theirs[420];
    for (size_t len = 0; len < sizeof(data); len++) {
        CHECK(RAND_bytes(data, (int)len + 1) == 1);
        size_t n = cg_base64_encode(data, len, ours), m, bad;
        int t = EVP_EncodeBlock((unsigned char *)theirs, data, (int)len);
        CHECK(t >= 0 && n == (size_t)t && strcmp(ours, theirs) == 0);
        CHECK(n == CG_BASE64_ENCODED_LEN(len));
        CHECK(dec(ours, 0, back, &m, &bad) && m == len && memcmp(back, data, len) == 0);
        int d = EVP_DecodeBlock(ossl_out, (const unsigned char *)ours, (int)n);
        CHECK(d >= (int)len && memcmp(ossl_out, data, len) == 0);
        char *fresh = cg_base64_encode_new(data, len);
        uint8_t *raw = NULL;
        CHECK(fresh != NULL && strcmp(fresh, ours) == 0);
        CHECK(fresh != NULL && cg_base64_decode_new(fresh, n, 0, &raw, &m) && m == len &&
              memcmp(raw, data, len) == 0);
        free(fresh);
        free(raw);
    }
    /* A long PEM-like body: 64-character lines. */
    uint8_t big[48 * 62], got[48 * 63];
    char body[4200];
    size_t o = 0, m, bad;
    CHECK(RAND_bytes(big, sizeof(big)) == 1);
    for (size_t i = 0; i < sizeof(big); i += 48) {
        o += cg_base64_encode(big + i, 48, body + o);
        body[o++] = '\n';
    }
    body[o] = '\0';
    CHECK(dec(body, CG_BASE64_SPACE, got, &m, &bad) && m == sizeof(big) &&
          memcmp(got, big, m) == 0);
    CHECK(!dec(body, 0, got, &m, &bad) && bad == 64);
}

/* The run decoder: in place, on random data of every length against
 * OpenSSL's encoder, stopping at what follows a run, and leaving alone a
 * padded group with bits under its padding. */
static void test_base64_run(void)
{
    uint8_t data[200], text[300];
    size_t n, used;
    int padded;
    for (size_t len = 0; len < sizeof(data); len++) {
        CHECK(RAND_bytes(data, (int)len + 1) == 1);
        int t = EVP_EncodeBlock(text, data, (int)len);
        CHECK(t >= 0);
        text[t] = '"';
        used = cg_base64_decode_run(text, (size_t)t + 1, text, &n, &padded);
        CHECK(used == (size_t)t && n == len && memcmp(text, data, len) == 0);
        CHECK(padded == (len % 3 != 0));
    }
    /* stops: whitespace, a group cut short, the end, a character not base64 */
    memcpy(text, "TWFuTWFu TWFu", 13);
    CHECK(cg_base64_decode_run(text, 13, text, &n, &padded) == 8 && n == 6 && !padded &&
          memcmp(text, "ManMan", 6) == 0);
    memcpy(text, "TWFuTW", 6);
    CHECK(cg_base64_decode_run(text, 6, text, &n, &padded) == 4 && n == 3 && !padded);
    memcpy(text, "TWE=TWFu", 8); /* the padded group ends the run */
    CHECK(cg_base64_decode_run(text, 8, text, &n, &padded) == 4 && n == 2 && padded &&
          memcmp(text, "Ma", 2) == 0);
    memcpy(text, "TWFuTWF=", 8); /* bits under the padding: left for the decoder's error */
    CHECK(cg_base64_decode_run(text, 8, text, &n, &padded) == 4 && n == 3 && !padded);
    memcpy(text, "TR==", 4);
    CHECK(cg_base64_decode_run(text, 4, text, &n, &padded) == 0 && n == 0 && !padded);
    memcpy(text, "TQ==", 4);
    CHECK(cg_base64_decode_run(text, 4, text, &n, &padded) == 4 && n == 1 && text[0] == 'M');
    memcpy(text, "TWFu\\/", 6);
    CHECK(cg_base64_decode_run(text, 6, text, &n, &padded) == 4 && n == 3 && text[4] == '\\');
    /* Every byte in every place of a group: a digit of the alphabet gives
     * its six bits there, anything else stops the run before the group. */
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (unsigned c = 0; c < 256; c++) {
        const char *d = c != 0 ? strchr(digits, (int)c) : NULL;
        for (int place = 0; place < 4; place++) {
            memcpy(text, "AAAAAAAA", 8);
            text[4 + place] = (uint8_t)c;
            used = cg_base64_decode_run(text, 8, text, &n, &padded);
            if (c == '=' && place == 3) {
                CHECK(used == 8 && n == 5 && padded); /* "AAA=": a padded group */
                continue;
            }
            if (d == NULL) {
                CHECK(used == 4 && n == 3);
                continue;
            }
            uint32_t v = (uint32_t)(d - digits) << (18 - 6 * place);
            CHECK(used == 8 && n == 6 && text[3] == (uint8_t)(v >> 16) &&
                  text[4] == (uint8_t)(v >> 8) && text[5] == (uint8_t)v);
        }
    }
}

/* Runs long enough for the 32-character blocks (AVX2 where the processor
 * has it): every byte in every place of a 96-character run (three blocks),
 * decoded in place and into another buffer. A digit changes only its own
 * six bits (checked against OpenSSL's decoder); anything else stops the
 * run before its group, or ends it there as padding ("xxx="), with every
 * byte before that group decoded. */
static void test_base64_blocks(void)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t data[72], text[97], mod[97], apart[80], ossl[80];
    size_t n, m;
    int padded, padded2;
    CHECK(RAND_bytes(data, sizeof(data)) == 1);
    CHECK(EVP_EncodeBlock(text, data, (int)sizeof(data)) == 96);
    text[96] = '"';
    for (size_t place = 0; place < 96; place++) {
        for (unsigned c = 0; c < 256; c++) {
            memcpy(mod, text, sizeof(text));
            mod[place] = (uint8_t)c;
            size_t used2 = cg_base64_decode_run(mod, sizeof(mod), apart, &m, &padded2);
            size_t used = cg_base64_decode_run(mod, sizeof(mod), mod, &n, &padded);
            CHECK(used == used2 && n == m && padded == padded2 && memcmp(mod, apart, n) == 0);
            size_t group = place / 4 * 4;
            int digit = c != 0 && strchr(digits, (int)c) != NULL;
            if (digit) {
                memcpy(mod, text, sizeof(text));
                mod[place] = (uint8_t)c;
                CHECK(EVP_DecodeBlock(ossl, mod, 96) == 72);
                CHECK(used == 96 && n == 72 && !padded && memcmp(apart, ossl, 72) == 0);
            } else if (c == '=' && place % 4 == 3) {
                /* "xxx=" ends the run when the bits under it are zero */
                int zero = ((strchr(digits, text[place - 1]) - digits) & 3) == 0;
                CHECK(zero ? used == place + 1 && n == group / 4 * 3 + 2 && padded
                           : used == group && n == group / 4 * 3 && !padded);
                CHECK(memcmp(apart, data, n) == 0);
            } else {
                CHECK(used == group && n == group / 4 * 3 && !padded);
                CHECK(memcmp(apart, data, n) == 0);
            }
        }
    }
}

static void test_hex(void)
{
    static const uint8_t b[] = {0x00, 0x7f, 0x80, 0xff, 0xa5};
    char out[16];
    uint8_t back[8];
    size_t n;
    cg_hex(b, sizeof(b), out);
    CHECK(strcmp(out, "007f80ffa5") == 0);
    CHECK(cg_hex_fit(b, sizeof(b), out, 7) == 3 && strcmp(out, "007f80") == 0);
    CHECK(cg_hex_fit(b, sizeof(b), out, 2) == 0 && out[0] == '\0');
    CHECK(cg_hex_fit(b, sizeof(b), out, 0) == 0);
    CHECK(cg_unhex("007F80ffA5", 10, back, sizeof(back), &n) && n == 5 && memcmp(back, b, 5) == 0);
    CHECK(!cg_unhex("007", 3, back, sizeof(back), &n));
    CHECK(!cg_unhex("0g", 2, back, sizeof(back), &n));
    CHECK(!cg_unhex("0011", 4, back, 1, &n));
    CHECK(cg_hex_value('F') == 15 && cg_hex_value('x') == -1);
    /* quoted for messages: a byte only with room for the ellipsis after it */
    CHECK(cg_hex_quote(b, sizeof(b), 3, 1, out, sizeof(out)) == 3 &&
          strcmp(out, "00 7f 80 ...") == 0);
    CHECK(cg_hex_quote(b, sizeof(b), 10, 0, out, sizeof(out)) == 5 &&
          strcmp(out, "007f80ffa5") == 0);
    CHECK(cg_hex_quote(b, sizeof(b), 10, 0, out, 8) == 2 && strcmp(out, "007f...") == 0);
    CHECK(cg_hex_quote(b, 0, 10, 1, out, sizeof(out)) == 0 && out[0] == '\0');
}

static void test_hash(void)
{
    /* The FNV authors' test vectors for FNV-1a 64. */
    CHECK(cg_fnv1a(CG_FNV1A_INIT, "", 0) == UINT64_C(0xcbf29ce484222325));
    CHECK(cg_fnv1a(CG_FNV1A_INIT, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
    CHECK(cg_fnv1a(CG_FNV1A_INIT, "foobar", 6) == UINT64_C(0x85944171f73967e8));
    /* Chaining hashes the concatenation. */
    CHECK(cg_fnv1a(cg_fnv1a(CG_FNV1A_INIT, "foo", 3), "bar", 3) == UINT64_C(0x85944171f73967e8));
}

/* Our formats against gmtime_r and strftime in the C locale. */
static void test_time_formats(void)
{
    int64_t ts[] = {0,
                    1,
                    86399,
                    86400,
                    951782400 /* 2000-02-29 */,
                    1735689599,
                    -1,
                    -86401,
                    4102444800 /* 2100-01-01 */,
                    253402300799 /* 9999-12-31 */};
    for (size_t k = 0; k < sizeof(ts) / sizeof(ts[0]) + 2000; k++) {
        int64_t t;
        if (k < sizeof(ts) / sizeof(ts[0])) {
            t = ts[k];
        } else {
            uint32_t r;
            CHECK(RAND_bytes((uint8_t *)&r, sizeof(r)) == 1);
            t = (int64_t)r * 59 - INT64_C(1000000000); /* 1938 to 9779 */
        }
        time_t tt = (time_t)t;
        struct tm tm;
        char want[64], got[64], day[8];
        CHECK(gmtime_r(&tt, &tm) != NULL);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cg_time_format(t, got, sizeof(got));
        CHECK(strcmp(got, want) == 0);
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cg_time_format_http(t, got, sizeof(got));
        CHECK(strcmp(got, want) == 0);
        strftime(day, sizeof(day), "%a", &tm);
        snprintf(want, sizeof(want), "%s, %d ", day, tm.tm_mday);
        strftime(want + strlen(want), sizeof(want) - strlen(want), "%b %Y %H:%M:%S +0000", &tm);
        cg_time_format_rfc5322(t, got, sizeof(got));
        CHECK(strcmp(got, want) == 0);
        int64_t back;
        cg_time_format(t, got, sizeof(got));
        CHECK(cg_time_parse_rfc3339(got, &back) && back == t);
    }
    /* Written digit by digit for years 0 to 9999 into a buffer of 21
     * bytes or more: the same bytes as snprintf's, and snprintf's own for
     * other years and for shorter buffers (cut, NUL-terminated). */
    int64_t edges[] = {INT64_C(-62167219200) /* 0000-01-01 */, INT64_C(-62167219201),
                       INT64_C(-62198755200) /* year -1 */, 253402300799,
                       253402300800 /* 10000-01-01 */, INT64_C(-2208988800), 951868799};
    for (size_t k = 0; k < sizeof(edges) / sizeof(edges[0]); k++) {
        int64_t days = edges[k] >= 0 ? edges[k] / 86400 : -((-edges[k] + 86399) / 86400), y;
        unsigned secs = (unsigned)(edges[k] - days * 86400), m, d;
        cg_civil_from_days(days, &y, &m, &d);
        for (size_t cap = 1; cap <= 26; cap++) {
            char want[32], got[32];
            snprintf(want, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
                     secs / 3600, secs / 60 % 60, secs % 60);
            memset(got, 'x', sizeof(got));
            cg_time_format(edges[k], got, cap);
            CHECK(strcmp(got, want) == 0);
            for (int64_t frac = 1; frac < 1000; frac += 331) {
                char wms[32], gms[32];
                size_t n = strlen(want);
                snprintf(wms, sizeof(wms), "%s", want);
                if (n > 0 && wms[n - 1] == 'Z')
                    snprintf(wms + n - 1, cap - (n - 1), ".%03dZ", (int)frac);
                cg_time_format_ms(edges[k] * 1000 + frac, gms, cap);
                CHECK(strcmp(gms, wms) == 0);
            }
        }
    }
    char buf[48];
    cg_time_format_ms(1735689600000, buf, sizeof(buf));
    CHECK(strcmp(buf, "2025-01-01T00:00:00Z") == 0);
    cg_time_format_ms(1735689600007, buf, sizeof(buf));
    CHECK(strcmp(buf, "2025-01-01T00:00:00.007Z") == 0);
    cg_time_format_ms(-1, buf, sizeof(buf));
    CHECK(strcmp(buf, "1969-12-31T23:59:59.999Z") == 0);
    int64_t ms;
    CHECK(cg_time_parse_rfc3339_ms("2025-01-01T00:00:00.007Z", &ms) && ms == 1735689600007);
    CHECK(!cg_time_parse_rfc3339("2025-02-29T00:00:00Z", &ms));
    CHECK(cg_days_in_month(2000, 2) == 29 && cg_days_in_month(1900, 2) == 28);
    int64_t y;
    unsigned m, d;
    cg_civil_from_days(cg_days_from_civil(2024, 2, 29), &y, &m, &d);
    CHECK(y == 2024 && m == 2 && d == 29);
}

static void test_errf(void)
{
    char buf[8];
    cg_errf(buf, sizeof(buf), "%s %d", "abc", 42);
    CHECK(strcmp(buf, "abc 42") == 0);
    cg_errf(buf, sizeof(buf), "%s", "longer than eight");
    CHECK(strcmp(buf, "longer ") == 0); /* cut, terminated */
    memset(buf, 'x', sizeof(buf));
    cg_errf(buf, 0, "%s", "nothing");
    CHECK(buf[0] == 'x');
    cg_errf(NULL, 100, "%s", "no buffer"); /* no crash, nothing written */
}

/* cg_parse_u64: digits alone, the range inclusive at both ends, 64-bit
 * overflow refused, *out untouched on a refusal. */
static void test_parse_u64(void)
{
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1x", "0x10", "1e3", "1.0", "x", "18446744073709551616"};
    uint64_t v = 7;
    CHECK(cg_parse_u64("0", 0, 10, &v) && v == 0);
    CHECK(cg_parse_u64("007", 0, 10, &v) && v == 7);
    CHECK(cg_parse_u64("10", 1, 10, &v) && v == 10);
    CHECK(cg_parse_u64("1", 1, 10, &v) && v == 1);
    CHECK(cg_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) && v == UINT64_MAX);
    CHECK(cg_parse_u64("9223372036854775807", 1, INT64_MAX, &v) && v == (uint64_t)INT64_MAX);
    v = 7;
    CHECK(!cg_parse_u64("11", 1, 10, &v) && v == 7);
    CHECK(!cg_parse_u64("0", 1, 10, &v) && v == 7);
    CHECK(!cg_parse_u64("9223372036854775808", 1, INT64_MAX, &v) && v == 7);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!cg_parse_u64(bad[i], 0, UINT64_MAX, &v));
        CHECK(v == 7);
    }
}

static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0;
    CHECK(cg_grow((void **)&v, &cap, 1, sizeof(int)) && cap == 16);
    CHECK(cg_grow((void **)&v, &cap, 17, sizeof(int)) && cap == 32);
    CHECK(cg_grow((void **)&v, &cap, 5, sizeof(int)) && cap == 32);
    v[31] = 1;
    CHECK(!cg_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof(int)) && cap == 32);
    free(v);
}

/* cg_grow_push: each element zeroed and counted, the earlier ones kept
 * across the growths; out of memory leaves the array as it was. */
static void test_grow_push(void)
{
    struct pair {
        int64_t a;
        char *s;
    } *v = NULL, *e;
    size_t n = 0, cap = 0;
    int ok = 1;
    for (int64_t i = 0; i < 40; i++) {
        e = cg_grow_push((void **)&v, &n, &cap, sizeof(*v));
        if (e == NULL || e->a != 0 || e->s != NULL || n != (size_t)i + 1) {
            ok = 0;
            break;
        }
        e->a = i * 3;
    }
    CHECK(ok && n == 40 && cap == 64);
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i].a == (int64_t)i * 3;
    CHECK(ok);
    free(v);
    unsigned char *big = NULL;
    n = 0;
    cap = 0;
    CHECK(cg_grow_push((void **)&big, &n, &cap, SIZE_MAX / 8) == NULL && n == 0 && cap == 0 &&
          big == NULL);
}

/* cg_grow_push_str: copies (not the caller's pointers), in order, kept
 * across the growths. */
static void test_grow_push_str(void)
{
    char **v = NULL, buf[32];
    size_t n = 0, cap = 0;
    int ok = 1;
    for (int i = 0; ok && i < 20; i++) {
        snprintf(buf, sizeof(buf), "s%d", i);
        ok = cg_grow_push_str(&v, &n, &cap, buf) && n == (size_t)i + 1 && v[i] != buf;
    }
    CHECK(ok && n == 20 && cap == 32);
    for (size_t i = 0; ok && i < n; i++) {
        snprintf(buf, sizeof(buf), "s%zu", i);
        ok = strcmp(v[i], buf) == 0;
    }
    CHECK(ok);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* cg_grow_slot: the slot at n zeroed (stale bytes from a slot written but
 * not counted are gone), the count left to the caller, the earlier
 * elements kept across the growths; out of memory leaves the array as it
 * was. */
static void test_grow_slot(void)
{
    int64_t *v = NULL, *e;
    size_t n = 0, cap = 0;
    int ok = 1;
    for (int64_t i = 0; i < 40; i++) {
        e = cg_grow_slot((void **)&v, n, &cap, sizeof(*v));
        if (e == NULL || *e != 0 || e != v + n) {
            ok = 0;
            break;
        }
        *e = -1; /* an element abandoned half-way: not counted */
        e = cg_grow_slot((void **)&v, n, &cap, sizeof(*v));
        if (e == NULL || *e != 0) {
            ok = 0;
            break;
        }
        *e = i * 3;
        n++;
    }
    CHECK(ok && n == 40 && cap == 64);
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i] == (int64_t)i * 3;
    CHECK(ok);
    size_t cap_before = cap;
    int64_t *before = v;
    CHECK(cg_grow_slot((void **)&v, SIZE_MAX / 4, &cap, sizeof(*v)) == NULL && cap == cap_before &&
          v == before);
    free(v);
}

/* Bytes written in place after cg_sbuf_reserve count once committed,
 * between appends, across a growth; a reservation that cannot be met
 * fails the buffer as an append does. */
static void test_sbuf_reserve(void)
{
    cg_sbuf b = CG_SBUF_INIT;
    cg_sbuf_puts(&b, "ab");
    char *at = cg_sbuf_reserve(&b, 1000);
    CHECK(at != NULL && at == b.data + 2 && b.cap >= 1003);
    memset(at, 'x', 1000);
    cg_sbuf_commit(&b, 3);
    CHECK(b.len == 5 && strcmp(cg_sbuf_str(&b), "abxxx") == 0);
    at = cg_sbuf_reserve(&b, 0);
    CHECK(at != NULL && *at == '\0');
    cg_sbuf_commit(&b, 0);
    cg_sbuf_printf(&b, "-%d", 42);
    CHECK(b.len == 8 && strcmp(cg_sbuf_str(&b), "abxxx-42") == 0);
    size_t len = 0;
    char *s = cg_sbuf_take(&b, &len);
    CHECK(s != NULL && len == 8 && strcmp(s, "abxxx-42") == 0);
    free(s);

    CHECK(cg_sbuf_reserve(&b, (size_t)-1) == NULL && b.failed);
    cg_sbuf_commit(&b, 5);
    cg_sbuf_puts(&b, "y");
    CHECK(b.len == 0 && cg_sbuf_take(&b, NULL) == NULL);
}

int main(void)
{
    test_base64_vectors();
    test_base64_openssl();
    test_base64_run();
    test_base64_blocks();
    test_hex();
    test_hash();
    test_time_formats();
    test_errf();
    test_parse_u64();
    test_grow();
    test_grow_push();
    test_grow_push_str();
    test_grow_slot();
    test_sbuf_reserve();
    return cg_test_done();
}
