/* The get-entries reader (src/ct/entries_json.c): what it accepts, what it
 * hands over, and that a body it rejects delivers nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/entries_json.h"
#include "testutil.h"
#include "util/base64.h"

typedef struct seen {
    size_t calls, stop_after;
    char leaf[8][64], extra[8][64];
} seen;

static int collect(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len, const uint8_t *extra,
                   size_t extra_len)
{
    seen *s = arg;
    CHECK(i == s->calls);
    if (i < 8 && leaf_len < 64 && extra_len < 64) {
        memcpy(s->leaf[i], leaf, leaf_len);
        s->leaf[i][leaf_len] = '\0';
        memcpy(s->extra[i], extra, extra_len);
        s->extra[i][extra_len] = '\0';
    }
    s->calls++;
    return s->stop_after == 0 || s->calls < s->stop_after;
}

/* Where each entry is, kept as the monitor keeps it (no copy). */
typedef struct views {
    size_t n;
    const uint8_t *leaf[4], *extra[4];
    size_t leaf_len[4], extra_len[4];
} views;

static int keep_views(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                      const uint8_t *extra, size_t extra_len)
{
    views *v = arg;
    if (i >= 4)
        return 0;
    v->leaf[i] = leaf;
    v->leaf_len[i] = leaf_len;
    v->extra[i] = extra;
    v->extra_len[i] = extra_len;
    v->n++;
    return 1;
}

static cg_entries_status read_str(cg_entries_reader *r, const char *body, size_t max, seen *s,
                                  size_t *n, char *why, size_t cap)
{
    memset(s->leaf, 0, sizeof(s->leaf));
    memset(s->extra, 0, sizeof(s->extra));
    s->calls = 0;
    /* decoded in place: a copy of exactly its length */
    size_t len = strlen(body);
    uint8_t *copy = malloc(len > 0 ? len : 1);
    CHECK(copy != NULL);
    memcpy(copy, body, len);
    cg_entries_status st = cg_entries_read(r, copy, len, max, collect, s, n, why, cap);
    free(copy);
    return st;
}

/* A body that must be refused before any entry is delivered; why must
 * contain expect. */
static void refused(cg_entries_reader *r, const char *body, const char *expect)
{
    seen s = {0};
    size_t n = 99;
    char why[256] = "";
    cg_entries_status st = read_str(r, body, 1000, &s, &n, why, sizeof(why));
    CHECK(st == CG_ENTRIES_BAD);
    CHECK(s.calls == 0);
    CHECK(n == 0);
    if (strstr(why, expect) == NULL) {
        fprintf(stderr, "body %s: why \"%s\" lacks \"%s\"\n", body, why, expect);
        CHECK(!"message");
    }
}

/* Where each entry is, as the monitor keeps it before packing. */
typedef struct places {
    const uint8_t *body;
    cg_entry_at at[8];
    size_t n;
} places;

static int keep_places(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                       const uint8_t *extra, size_t extra_len)
{
    places *p = arg;
    CHECK(i == p->n && i < 8);
    p->at[i] = (cg_entry_at){
        (size_t)(leaf - p->body), leaf_len, (size_t)(extra - p->body), extra_len, 0, 0};
    p->n++;
    return 1;
}

/* An entry as packed: its extra_data made whole from its two pieces. */
static int packed_is(const uint8_t *body, const cg_entry_at *e, const uint8_t *leaf,
                     size_t leaf_len, const uint8_t *extra, size_t extra_len)
{
    return e->leaf_len == leaf_len && memcmp(body + e->leaf, leaf, leaf_len) == 0 &&
           e->head_len + e->tail_len == extra_len &&
           memcmp(body + e->head, extra, e->head_len) == 0 &&
           memcmp(body + e->tail, extra + e->head_len, e->tail_len) == 0;
}

/* cg_entries_pack on an answer of six entries: an X509ChainEntry's chain
 * C, a PrecertChainEntry (its members the other way round, its base64
 * with escapes) whose chain is C, another chain D of C's length, C again,
 * an empty extra_data, and one whose first length says more than there is
 * (kept whole). Every entry reads back as sent; C is kept once; the
 * packed answer is the sum of what is not repeated. */
static void pack_answer(void)
{
    static const uint8_t chain_c[] = {0, 0, 10, 0, 0, 7, 'c', 'a', '-', 'o', 'n', 'e', '!'};
    static const uint8_t chain_d[] = {0, 0, 10, 0, 0, 7, 'c', 'a', '-', 't', 'w', 'o', '!'};
    static const uint8_t pre[] = {0, 0, 5, 0xff, 0xff, 0xff, 'e', '?'};
    static const uint8_t odd[] = {0, 0, 0xff};
    uint8_t pre_c[sizeof(pre) + sizeof(chain_c)];
    memcpy(pre_c, pre, sizeof(pre));
    memcpy(pre_c + sizeof(pre), chain_c, sizeof(chain_c));
    const uint8_t *extra[6] = {chain_c, pre_c, chain_d, chain_c, (const uint8_t *)"", odd};
    size_t extra_len[6] = {sizeof(chain_c), sizeof(pre_c), sizeof(chain_d), sizeof(chain_c), 0,
                           sizeof(odd)};
    uint8_t leaf[6][40];
    char body[4096], l64[64], x64[64];
    size_t len = (size_t)snprintf(body, sizeof(body), "{\"entries\":[");
    for (int i = 0; i < 6; i++) {
        memset(leaf[i], 0x41 + i, sizeof(leaf[i]));
        leaf[i][0] = (uint8_t)i;
        cg_base64_encode(leaf[i], sizeof(leaf[i]), l64);
        cg_base64_encode(extra[i], extra_len[i], x64);
        if (i == 1) {
            /* "/" escaped as a JSON writer may: decoded after the stop */
            char esc[128];
            size_t k = 0;
            for (const char *c = x64; *c; c++) {
                if (*c == '/')
                    esc[k++] = '\\';
                esc[k++] = *c;
            }
            esc[k] = '\0';
            len += (size_t)snprintf(body + len, sizeof(body) - len,
                                    ",{\"extra_data\":\"%s\",\"leaf_input\":\"%s\"}", esc, l64);
            continue;
        }
        len += (size_t)snprintf(body + len, sizeof(body) - len,
                                "%s{\"leaf_input\":\"%s\",\"extra_data\":\"%s\"}", i ? "," : "",
                                l64, x64);
    }
    len += (size_t)snprintf(body + len, sizeof(body) - len, "]}");
    CHECK(strchr(body, '\\') != NULL);

    cg_entries_reader *r = cg_entries_reader_new();
    uint8_t *copy = malloc(len);
    places p = {0};
    size_t n = 0;
    char why[256];
    CHECK(r != NULL && copy != NULL);
    memcpy(copy, body, len);
    p.body = copy;
    CHECK(cg_entries_read(r, copy, len, 1000, keep_places, &p, &n, why, sizeof(why)) ==
          CG_ENTRIES_OK);
    CHECK(n == 6 && p.n == 6);
    size_t packed = cg_entries_pack(copy, p.at, n);
    for (int i = 0; i < 6; i++)
        CHECK(packed_is(copy, &p.at[i], leaf[i], sizeof(leaf[i]), extra[i], extra_len[i]));
    /* C once: the X509ChainEntry's whole, the precertificate's tail */
    CHECK(p.at[3].head == p.at[0].head && p.at[3].tail_len == 0);
    CHECK(p.at[1].head_len == sizeof(pre) && p.at[1].tail == p.at[0].head);
    CHECK(p.at[2].head != p.at[0].head && p.at[5].tail_len == 0);
    CHECK(packed ==
          6 * sizeof(leaf[0]) + sizeof(chain_c) + sizeof(pre) + sizeof(chain_d) + sizeof(odd));
    for (int i = 0; i < 6; i++)
        CHECK(p.at[i].leaf + p.at[i].leaf_len <= packed &&
              p.at[i].head + p.at[i].head_len <= packed);
    free(copy);
    cg_entries_reader_free(r);
}

int main(void)
{
    cg_entries_reader *r = cg_entries_reader_new();
    seen s = {0};
    size_t n = 0;
    char why[256];
    CHECK(r != NULL);

    /* "aGVsbG8=" is "hello", "d29ybGQ=" "world", "YQ==" "a". */
    CHECK(read_str(r,
                   "{\"entries\":[{\"leaf_input\":\"aGVsbG8=\",\"extra_data\":\"d29ybGQ=\"},"
                   " {\"extra_data\": \"YQ==\", \"leaf_input\": \"d29ybGQ=\"}]}",
                   1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_OK);
    CHECK(n == 2 && s.calls == 2);
    CHECK(strcmp(s.leaf[0], "hello") == 0 && strcmp(s.extra[0], "world") == 0);
    CHECK(strcmp(s.leaf[1], "world") == 0 && strcmp(s.extra[1], "a") == 0);

    /* Escapes in the base64 (a JSON writer may escape '/' and anything as
     * \u), other members and nested values skipped, whitespace anywhere. */
    CHECK(read_str(
              r,
              " {\"note\": [1, -2.5e+3, true, false, null, {\"a\": [\"\\u00e9\\ud83d\\ude00\"]}],"
              "\n\"entr\\u0069es\" :\t[ {\"x\": {}, \"leaf_input\": \"P\\/8\\u002f\","
              " \"extra_data\": \"\"} ], \"z\": \"caf\xc3\xa9\" } ",
              1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_OK);
    CHECK(n == 1 && s.calls == 1);
    CHECK(memcmp(s.leaf[0], "\x3f\xff\x3f", 3) == 0 && s.extra[0][0] == '\0');

    /* The base64 decoded in place as it is scanned, and what stops the
     * whole groups: an escape after them (\u0062 is 'b'), whitespace (the
     * JSON and the base64 allow it), whitespace after the padding; bits
     * under the padding and data after it are not base64. */
    CHECK(read_str(r,
                   "{\"entries\":[{\"leaf_input\":\"aGVs\\u0062G8=\",\"extra_data\":\"aGVs bG8=\"},"
                   "{\"leaf_input\":\"YQ== \",\"extra_data\":\"YWJj\\/\\/\\/\\/\"}]}",
                   1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_OK);
    CHECK(n == 2 && s.calls == 2);
    CHECK(strcmp(s.leaf[0], "hello") == 0 && strcmp(s.extra[0], "hello") == 0);
    CHECK(strcmp(s.leaf[1], "a") == 0 && memcmp(s.extra[1], "abc\xff\xff\xff", 6) == 0);
    CHECK(read_str(r, "{\"entries\":[{\"leaf_input\":\"YR==\",\"extra_data\":\"\"}]}", 1000, &s,
                   &n, why, sizeof(why)) == CG_ENTRIES_BAD);
    CHECK(s.calls == 0 && n == 1 && strstr(why, "entry 0") != NULL);
    CHECK(read_str(r, "{\"entries\":[{\"leaf_input\":\"YQ==YQ==\",\"extra_data\":\"\"}]}", 1000,
                   &s, &n, why, sizeof(why)) == CG_ENTRIES_BAD);
    CHECK(s.calls == 0 && n == 1 && strstr(why, "entry 0") != NULL);
    CHECK(read_str(r, "{\"entries\":[{\"leaf_input\":\"YWJj\",\"extra_data\":\"YW\"}]}", 1000,
                   &s, &n, why, sizeof(why)) == CG_ENTRIES_BAD);
    CHECK(s.calls == 0 && strstr(why, "entry 0") != NULL);

    /* An empty array: valid, nothing delivered (the caller decides). */
    CHECK(read_str(r, "{\"entries\": []}", 1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_OK);
    CHECK(n == 0 && s.calls == 0);

    /* The callback stops the reading. */
    s.stop_after = 1;
    CHECK(read_str(r,
                   "{\"entries\":[{\"leaf_input\":\"YQ==\",\"extra_data\":\"YQ==\"},"
                   "{\"leaf_input\":\"YQ==\",\"extra_data\":\"YQ==\"}]}",
                   1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_STOPPED);
    CHECK(s.calls == 1 && n == 2);
    s.stop_after = 0;

    /* Bad base64 is reported at its entry's turn: the earlier entries went. */
    CHECK(read_str(r,
                   "{\"entries\":[{\"leaf_input\":\"YQ==\",\"extra_data\":\"YQ==\"},"
                   "{\"leaf_input\":\"Y!==\",\"extra_data\":\"YQ==\"}]}",
                   1000, &s, &n, why, sizeof(why)) == CG_ENTRIES_BAD);
    CHECK(s.calls == 1 && strstr(why, "entry 1") != NULL);

    /* More entries than asked for. */
    {
        seen t = {0};
        CHECK(read_str(r,
                       "{\"entries\":[{\"leaf_input\":\"\",\"extra_data\":\"\"},"
                       "{\"leaf_input\":\"\",\"extra_data\":\"\"}]}",
                       1, &t, &n, why, sizeof(why)) == CG_ENTRIES_BAD);
        CHECK(t.calls == 0 && strstr(why, "more than the 1 entries") != NULL);
    }

    /* Not a get-entries answer, or not JSON at all; nothing delivered. */
    refused(r, "", "expected '{'");
    refused(r, "[]", "expected '{'");
    refused(r, "{}", "no \"entries\"");
    refused(r, "{\"entries\": {}}", "expected '['");
    refused(r, "{\"entries\": [1]}", "expected '{'");
    refused(r, "{\"entries\":[{\"leaf_input\":\"YQ==\"}]}", "entry 0 without extra_data");
    refused(r, "{\"entries\":[{\"extra_data\":\"YQ==\"}]}", "entry 0 without leaf_input");
    refused(r, "{\"entries\":[{\"leaf_input\":\"\",\"leaf_input\":\"\",\"extra_data\":\"\"}]}",
            "\"leaf_input\" twice");
    refused(r, "{\"entries\":[],\"entries\":[]}", "\"entries\" twice");
    refused(r, "{\"entries\":[{\"leaf_input\":1,\"extra_data\":\"\"}]}", "expected a string");
    refused(r, "{\"entries\":[]} x", "data after the JSON value");
    refused(r, "{\"entries\":[]}{}", "data after the JSON value");
    refused(r, "{\"entries\":[],}", "expected a string");
    refused(r, "{\"entries\":[{\"leaf_input\":\"\",\"extra_data\":\"\"},]}", "expected '{'");
    refused(r, "{\"entries\":[], \"a\": 01}", "expected '}'");
    refused(r, "{\"entries\":[], \"a\": 1.}", "bad number");
    refused(r, "{\"entries\":[], \"a\": -}", "bad number");
    refused(r, "{\"entries\":[], \"a\": tru}", "bad value");
    refused(r, "{\"entries\":[], \"a\": \"\x01\"}", "control character");
    refused(r, "{\"entries\":[], \"a\": \"\xc3\"}", "not UTF-8");
    refused(r, "{\"entries\":[], \"a\": \"\xc0\xaf\"}", "not UTF-8");         /* overlong */
    refused(r, "{\"entries\":[], \"a\": \"\xed\xa0\x80\"}", "not UTF-8");     /* surrogate */
    refused(r, "{\"entries\":[], \"a\": \"\xf4\x90\x80\x80\"}", "not UTF-8"); /* > U+10FFFF */
    refused(r, "{\"entries\":[], \"a\": \"\\x\"}", "bad escape");
    refused(r, "{\"entries\":[], \"a\": \"\\u12\"}", "bad \\u escape");
    refused(r, "{\"entries\":[], \"a\": \"\\udc00\"}", "lone low surrogate");
    refused(r, "{\"entries\":[], \"a\": \"\\ud800x\"}", "lone high surrogate");
    refused(r, "{\"entries\":[], \"a\": \"abc", "unterminated string");
    refused(r, "{\"entries\":[", "expected '{'");
    refused(r, "{\"entries\":[{\"leaf_input\":\"aGVsbG8=", "unterminated string");
    refused(r, "{\"entries\":[{\"leaf_input\":\"aGVs\x01\",\"extra_data\":\"\"}]}",
            "control character");
    /* decoded in place, then the grammar fails further on: nothing delivered */
    refused(r, "{\"entries\":[{\"leaf_input\":\"aGVsbG8=\",\"extra_data\":\"YQ==\"}], x}",
            "expected a string");
    {
        /* Nesting deeper than the reader follows: refused, no recursion
         * without end. */
        char deep[400];
        size_t k = 0;
        k += (size_t)snprintf(deep, sizeof(deep), "{\"entries\":[],\"a\":");
        for (int i = 0; i < 100; i++)
            deep[k++] = '[';
        for (int i = 0; i < 100; i++)
            deep[k++] = ']';
        deep[k++] = '}';
        deep[k] = '\0';
        refused(r, deep, "nested deeper than 64");
    }
    {
        /* What the callbacks were handed stays valid after the read, in
         * the body (every string decoded before the first call): the
         * strings of later entries, escaped, spaced or padded, did not
         * write over an earlier entry's bytes. */
        static const char body[] =
            "{\"entries\":[{\"leaf_input\":\"aGVsbG8=\",\"extra_data\":\"aGVs bG8=\"},"
            "{\"leaf_input\":\"aGVs\\u0062G8=\",\"extra_data\":\"YWJj\\/\\/\\/\\/\"},"
            "{\"leaf_input\":\"YQ== \",\"extra_data\":\"d29ybGQ=\"}]}";
        size_t len = sizeof(body) - 1;
        uint8_t *copy = malloc(len);
        views v = {0};
        CHECK(copy != NULL);
        memcpy(copy, body, len);
        CHECK(cg_entries_read(r, copy, len, 1000, keep_views, &v, &n, why, sizeof(why)) ==
              CG_ENTRIES_OK);
        CHECK(n == 3 && v.n == 3);
        CHECK(v.leaf_len[0] == 5 && memcmp(v.leaf[0], "hello", 5) == 0);
        CHECK(v.extra_len[0] == 5 && memcmp(v.extra[0], "hello", 5) == 0);
        CHECK(v.leaf_len[1] == 5 && memcmp(v.leaf[1], "hello", 5) == 0);
        CHECK(v.extra_len[1] == 6 && memcmp(v.extra[1], "abc\xff\xff\xff", 6) == 0);
        CHECK(v.leaf_len[2] == 1 && memcmp(v.leaf[2], "a", 1) == 0);
        CHECK(v.extra_len[2] == 5 && memcmp(v.extra[2], "world", 5) == 0);
        for (size_t i = 0; i < 3; i++)
            CHECK(v.leaf[i] >= copy && v.extra[i] + v.extra_len[i] <= copy + len);
        free(copy);
    }
    cg_entries_reader_free(r);
    pack_answer();
    return cg_test_done();
}
