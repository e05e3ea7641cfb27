/* The get-entries reader (src/ct/entries_json.c): what it accepts, what it
 * hands over, and that a body it rejects delivers nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/entries_json.h"
#include "testutil.h"

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
    return cg_test_done();
}
