/* get-entries answers read in two passes: the grammar, with each entry's
 * two base64 strings decoded in place as they are scanned, then the
 * entries handed over. See entries_json.h. */
#include "ct/entries_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/errf.h"
#include "util/grow.h"
#include "util/hash.h"

#define MAX_DEPTH 64 /* nesting of the members skipped; the answer needs 3 */

/* A string's contents in the body, between its quotes. */
typedef struct span {
    size_t off, len;
    int escaped; /* holds a backslash: must be unescaped before use */
} span;

/* An entry: its two strings' bytes, decoded in place in the body. */
typedef struct entry_spans {
    size_t leaf, leaf_len, extra, extra_len;
    int bad; /* a string is not base64 (reported when the entry's turn comes) */
} entry_spans;

struct cg_entries_reader {
    entry_spans *e;
    size_t n, cap;
    uint8_t *text; /* an unescaped string */
    size_t text_cap;
};

typedef struct scan {
    uint8_t *b;
    size_t len, pos;
    char *why;
    size_t whycap;
} scan;

cg_entries_reader *cg_entries_reader_new(void)
{
    return calloc(1, sizeof(cg_entries_reader));
}

void cg_entries_reader_free(cg_entries_reader *r)
{
    if (r == NULL)
        return;
    free(r->e);
    free(r->text);
    free(r);
}

static int fail(scan *s, const char *fmt, ...)
{
    char msg[160];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    snprintf(s->why, s->whycap, "%s at byte %zu", msg, s->pos);
    return 0;
}

static void ws(scan *s)
{
    while (s->pos < s->len && (s->b[s->pos] == ' ' || s->b[s->pos] == '\t' ||
                               s->b[s->pos] == '\n' || s->b[s->pos] == '\r'))
        s->pos++;
}

/* Consumes c after optional whitespace. */
static int expect(scan *s, uint8_t c)
{
    ws(s);
    if (s->pos >= s->len || s->b[s->pos] != c)
        return fail(s, "expected '%c'", c);
    s->pos++;
    return 1;
}

/* Whether the next non-blank byte is c; consumes it if so. */
static int accept(scan *s, uint8_t c)
{
    ws(s);
    if (s->pos < s->len && s->b[s->pos] == c) {
        s->pos++;
        return 1;
    }
    return 0;
}

static int hex4(const uint8_t *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

/* Length of the UTF-8 sequence at p (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const uint8_t *p, size_t avail)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t min, v;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, v = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return n;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The length of the run of bytes from p on that a string takes as they
 * are: printable ASCII but '"' and '\\' (everything else is looked at one
 * byte at a time). Eight bytes a step: a base64 string is one long run. */
static size_t plain_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t v, q, b;
        memcpy(&v, p + i, 8);
        q = v ^ (ONES * '"');
        b = v ^ (ONES * '\\');
        /* a byte >= 0x80, < 0x20, equal to '"' or to '\\' (each test exact
         * for the word as a whole) */
        if ((v | ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS)
            break;
    }
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

/* The rest of a string whose contents began at start, from the current
 * position to past its closing quote; out, when not NULL, receives the
 * span from start. */
static int string_tail(scan *s, size_t start, span *out)
{
    int escaped = 0;
    for (;;) {
        s->pos += plain_run(s->b + s->pos, s->len - s->pos);
        if (s->pos >= s->len)
            return fail(s, "unterminated string");
        uint8_t c = s->b[s->pos];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(s, "control character in a string");
        if (c == '\\') {
            escaped = 1;
            if (s->pos + 1 >= s->len)
                return fail(s, "unterminated string");
            uint8_t e = s->b[s->pos + 1];
            if (e == 'u') {
                unsigned u;
                if (s->pos + 6 > s->len || !hex4(s->b + s->pos + 2, &u))
                    return fail(s, "bad \\u escape");
                s->pos += 6;
                /* A surrogate must come as a high-low pair. */
                if (u >= 0xdc00 && u <= 0xdfff)
                    return fail(s, "lone low surrogate");
                if (u >= 0xd800 && u <= 0xdbff) {
                    unsigned lo;
                    if (s->pos + 6 > s->len || s->b[s->pos] != '\\' || s->b[s->pos + 1] != 'u' ||
                        !hex4(s->b + s->pos + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
                        return fail(s, "lone high surrogate");
                    s->pos += 6;
                }
                continue;
            }
            if (strchr("\"\\/bfnrt", e) == NULL || e == '\0')
                return fail(s, "bad escape");
            s->pos += 2;
            continue;
        }
        size_t n = utf8_len(s->b + s->pos, s->len - s->pos);
        if (n == 0)
            return fail(s, "not UTF-8");
        s->pos += n;
    }
    if (out != NULL) {
        out->off = start;
        out->len = s->pos - start;
        out->escaped = escaped;
    }
    s->pos++; /* the closing quote */
    return 1;
}

/* A string at the current position (after whitespace); out, when not NULL,
 * receives its contents' span. */
static int string(scan *s, span *out)
{
    ws(s);
    if (s->pos >= s->len || s->b[s->pos] != '"')
        return fail(s, "expected a string");
    s->pos++;
    return string_tail(s, s->pos, out);
}

static int digits(scan *s)
{
    size_t start = s->pos;
    while (s->pos < s->len && s->b[s->pos] >= '0' && s->b[s->pos] <= '9')
        s->pos++;
    return s->pos > start;
}

static int number(scan *s)
{
    if (s->pos < s->len && s->b[s->pos] == '-')
        s->pos++;
    if (s->pos < s->len && s->b[s->pos] == '0')
        s->pos++;
    else if (!digits(s))
        return fail(s, "bad number");
    if (s->pos < s->len && s->b[s->pos] == '.') {
        s->pos++;
        if (!digits(s))
            return fail(s, "bad number");
    }
    if (s->pos < s->len && (s->b[s->pos] == 'e' || s->b[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (s->b[s->pos] == '+' || s->b[s->pos] == '-'))
            s->pos++;
        if (!digits(s))
            return fail(s, "bad number");
    }
    return 1;
}

static int literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if (s->len - s->pos < n || memcmp(s->b + s->pos, word, n) != 0)
        return fail(s, "bad value");
    s->pos += n;
    return 1;
}

typedef int (*member_fn)(scan *s, const span *name, void *arg);

/* An object: member is called for each member with the scan at the value,
 * which it must consume. */
static int object(scan *s, member_fn member, void *arg)
{
    if (!expect(s, '{'))
        return 0;
    if (accept(s, '}'))
        return 1;
    do {
        span k;
        if (!string(s, &k) || !expect(s, ':') || !member(s, &k, arg))
            return 0;
    } while (accept(s, ','));
    return expect(s, '}');
}

/* An array: element is called with the scan at each element. */
static int array(scan *s, int (*element)(scan *s, void *arg), void *arg)
{
    if (!expect(s, '['))
        return 0;
    if (accept(s, ']'))
        return 1;
    do {
        if (!element(s, arg))
            return 0;
    } while (accept(s, ','));
    return expect(s, ']');
}

static int value(scan *s, int depth);

static int skip_member(scan *s, const span *name, void *arg)
{
    (void)name;
    return value(s, *(const int *)arg);
}

static int skip_element(scan *s, void *arg)
{
    return value(s, *(const int *)arg);
}

/* Any JSON value, checked and skipped. */
static int value(scan *s, int depth)
{
    int inner = depth + 1;
    ws(s);
    if (s->pos >= s->len)
        return fail(s, "expected a value");
    if (depth > MAX_DEPTH)
        return fail(s, "nested deeper than %d", MAX_DEPTH);
    switch (s->b[s->pos]) {
    case '"':
        return string(s, NULL);
    case '{':
        return object(s, skip_member, &inner);
    case '[':
        return array(s, skip_element, &inner);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        return number(s);
    }
}

/* Whether a member name (span) is word. Names with escapes are compared
 * after unescaping the simple case of \u00XX and the one-letter escapes;
 * a name spelt with escapes is rare enough to take the slow way. */
static int name_is(const scan *s, const span *k, const char *word)
{
    size_t n = strlen(word);
    if (!k->escaped)
        return k->len == n && memcmp(s->b + k->off, word, n) == 0;
    size_t i = 0, j = 0;
    while (i < k->len) {
        uint8_t c = s->b[k->off + i];
        unsigned u = c;
        if (c == '\\') {
            uint8_t e = s->b[k->off + i + 1];
            if (e == 'u') {
                hex4(s->b + k->off + i + 2, &u);
                i += 6;
            } else {
                u = e == '"' || e == '\\' || e == '/' ? e : 0x01; /* no word has \b etc. */
                i += 2;
            }
        } else {
            i++;
        }
        if (j >= n || u != (uint8_t)word[j])
            return 0;
        j++;
    }
    return j == n;
}

/* Appends code point u as UTF-8. */
static size_t put_utf8(uint8_t *o, unsigned u)
{
    if (u < 0x80) {
        o[0] = (uint8_t)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (uint8_t)(0xc0 | u >> 6);
        o[1] = (uint8_t)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u < 0x10000) {
        o[0] = (uint8_t)(0xe0 | u >> 12);
        o[1] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
        o[2] = (uint8_t)(0x80 | (u & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | u >> 18);
    o[1] = (uint8_t)(0x80 | (u >> 12 & 0x3f));
    o[2] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
    o[3] = (uint8_t)(0x80 | (u & 0x3f));
    return 4;
}

/* The contents of a string checked by pass 1, unescaped into r->text. An
 * escape never yields more bytes than it takes (\uXXXX: 6 for at most 3;
 * a surrogate pair: 12 for 4), so len bytes suffice. */
static int unescape(cg_entries_reader *r, const uint8_t *p, size_t len, const uint8_t **out,
                    size_t *out_len)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    size_t o = 0;
    if (!cg_grow((void **)&r->text, &r->text_cap, len + 1, 1))
        return 0;
    for (size_t i = 0; i < len;) {
        if (p[i] != '\\') {
            r->text[o++] = p[i++];
            continue;
        }
        if (p[i + 1] != 'u') {
            r->text[o++] = (uint8_t)to[strchr(from, p[i + 1]) - from];
            i += 2;
            continue;
        }
        /* Pass 1 checked the four hex digits (and the low surrogate):
         * hex4 cannot fail here. */
        unsigned u = 0, lo = 0;
        hex4(p + i + 2, &u);
        i += 6;
        if (u >= 0xd800 && u <= 0xdbff) {
            hex4(p + i + 2, &lo);
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        o += put_utf8(r->text + o, u);
    }
    *out = r->text;
    *out_len = o;
    return 1;
}


/* One of an entry's base64 strings at the current position, decoded in
 * place: whole groups of four straight from the body as the string is
 * scanned (the characters of the alphabet need no JSON check), then, when
 * something else than the closing quote stopped them (an escape, a
 * whitespace, a character not base64: rare), the rest of the string
 * checked as JSON, unescaped and decoded after them. *at and *len: the
 * decoded bytes in the body; *bad when the string is not base64. */
static int b64_string(scan *s, cg_entries_reader *r, size_t *at, size_t *len, int *bad,
                      int *nomem)
{
    size_t dec, more, badpos;
    int padded;
    const char *w;
    const uint8_t *text;
    span tail;
    ws(s);
    if (s->pos >= s->len || s->b[s->pos] != '"')
        return fail(s, "expected a string");
    size_t start = ++s->pos;
    s->pos += cg_base64_decode_run(s->b + start, s->len - start, s->b + start, &dec, &padded);
    *at = start;
    *len = dec;
    if (s->pos < s->len && s->b[s->pos] == '"') {
        s->pos++;
        return 1;
    }
    size_t from = s->pos;
    if (!string_tail(s, from, &tail))
        return 0;
    text = s->b + from;
    more = tail.len;
    if (tail.escaped && !unescape(r, text, more, &text, &more)) {
        *nomem = 1;
        return fail(s, "out of memory");
    }
    /* Decoded behind what is left of the text (an unescaped copy, or the
     * body itself from the stop on, which stays ahead of the output). */
    if (!cg_base64_decode(text, more, CG_BASE64_SPACE, s->b + start + dec, &more, &badpos, &w) ||
        (padded && more > 0))
        *bad = 1; /* nothing but whitespace may follow the padding */
    else
        *len = dec + more;
    return 1;
}

/* What pass 1 is filling. */
typedef struct pass1 {
    cg_entries_reader *r;
    size_t max;
    int nomem, have_entries;
    entry_spans es; /* the entry being read */
    int have_leaf, have_extra;
} pass1;

static int entry_member(scan *s, const span *name, void *arg)
{
    pass1 *p = arg;
    int leaf = name_is(s, name, "leaf_input");
    int extra = !leaf && name_is(s, name, "extra_data");
    if ((leaf && p->have_leaf) || (extra && p->have_extra))
        return fail(s, "entry %zu has \"%s\" twice", p->r->n, leaf ? "leaf_input" : "extra_data");
    if (!leaf && !extra)
        return value(s, 3);
    p->have_leaf |= leaf;
    p->have_extra |= extra;
    if (leaf)
        return b64_string(s, p->r, &p->es.leaf, &p->es.leaf_len, &p->es.bad, &p->nomem);
    return b64_string(s, p->r, &p->es.extra, &p->es.extra_len, &p->es.bad, &p->nomem);
}

/* One element of "entries": an object with both strings. */
static int entry(scan *s, void *arg)
{
    pass1 *p = arg;
    cg_entries_reader *r = p->r;
    size_t at;
    ws(s);
    at = s->pos;
    memset(&p->es, 0, sizeof(p->es));
    p->have_leaf = p->have_extra = 0;
    if (r->n >= p->max)
        return fail(s, "more than the %zu entries asked for", p->max);
    if (!object(s, entry_member, p))
        return 0;
    if (!p->have_leaf || !p->have_extra) {
        s->pos = at;
        return fail(s, "entry %zu without %s", r->n, p->have_leaf ? "extra_data" : "leaf_input");
    }
    if (!cg_grow((void **)&r->e, &r->cap, r->n + 1, sizeof(entry_spans))) {
        p->nomem = 1;
        return 0;
    }
    r->e[r->n++] = p->es;
    return 1;
}

static int top_member(scan *s, const span *name, void *arg)
{
    pass1 *p = arg;
    if (!name_is(s, name, "entries"))
        return value(s, 1);
    if (p->have_entries)
        return fail(s, "\"entries\" twice");
    p->have_entries = 1;
    return array(s, entry, p);
}

/* Pass 1: the grammar, and the spans of the entries. */
static int scan_body(scan *s, cg_entries_reader *r, size_t max, int *nomem)
{
    pass1 p;
    memset(&p, 0, sizeof(p));
    p.r = r;
    p.max = max;
    r->n = 0;
    int ok = object(s, top_member, &p);
    *nomem = p.nomem;
    if (!ok)
        return 0;
    ws(s);
    if (s->pos != s->len)
        return fail(s, "data after the JSON value");
    if (!p.have_entries)
        return fail(s, "no \"entries\"");
    return 1;
}

cg_entries_status cg_entries_read(cg_entries_reader *r, uint8_t *body, size_t len, size_t max,
                                  cg_entries_fn fn, void *arg, size_t *n, char *why,
                                  size_t whycap)
{
    scan s = {body, len, 0, why, whycap};
    int nomem = 0;
    *n = 0;
    if (!scan_body(&s, r, max, &nomem)) {
        if (nomem)
            snprintf(why, whycap, "out of memory");
        return nomem ? CG_ENTRIES_NOMEM : CG_ENTRIES_BAD;
    }
    *n = r->n;
    for (size_t i = 0; i < r->n; i++) {
        const entry_spans *e = &r->e[i];
        if (e->bad) {
            snprintf(why, whycap, "entry %zu: leaf_input or extra_data is not base64", i);
            return CG_ENTRIES_BAD;
        }
        if (!fn(arg, i, body + e->leaf, e->leaf_len, body + e->extra, e->extra_len))
            return CG_ENTRIES_STOPPED;
    }
    return CG_ENTRIES_OK;
}

/* The table of the chains packed so far: a chain repeated in an answer is
 * found at its first copy (one memcmp an entry). */
#define PACK_SLOTS 64

typedef struct pack_slot {
    size_t off, len;
    int used;
} pack_slot;

/* The len bytes at body + from moved to body + *out (from >= *out): their
 * new offset. */
static size_t pack_move(uint8_t *body, size_t from, size_t len, size_t *out)
{
    size_t to = *out;
    if (from != to)
        memmove(body + to, body + from, len);
    *out += len;
    return to;
}

/* A piece of extra_data: pointed at an equal one packed before, or moved. */
static size_t pack_piece(uint8_t *body, size_t from, size_t len, pack_slot *slots, size_t *out)
{
    /* (by its length and last bytes: the end of a root's signature tells
     * chains of the same length apart) */
    size_t tail = len < 16 ? len : 16;
    pack_slot *s =
        &slots[cg_fnv1a(CG_FNV1A_INIT ^ len, body + from + len - tail, tail) % PACK_SLOTS];
    if (s->used && s->len == len && memcmp(body + s->off, body + from, len) == 0)
        return s->off;
    s->off = pack_move(body, from, len, out);
    s->len = len;
    s->used = 1;
    return s->off;
}

/* An entry's extra_data, cut after its first length-prefixed element when
 * more follows (a PrecertChainEntry: the pre_certificate, then the chain),
 * each piece packed. */
static void pack_extra(uint8_t *body, cg_entry_at *e, pack_slot *slots, size_t *out)
{
    size_t from = e->head, len = e->head_len, first = len;
    if (len > 3) {
        const uint8_t *p = body + from;
        size_t el = (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
        if (el < len - 3)
            first = 3 + el;
    }
    e->head_len = first;
    e->tail_len = len - first;
    if (e->tail_len == 0) {
        e->head = pack_piece(body, from, len, slots, out);
        e->tail = 0;
        return;
    }
    /* (a pre_certificate is its entry's own: not looked up) */
    e->head = pack_move(body, from, first, out);
    e->tail = pack_piece(body, from + first, e->tail_len, slots, out);
}

size_t cg_entries_pack(uint8_t *body, cg_entry_at *at, size_t n)
{
    pack_slot slots[PACK_SLOTS];
    size_t out = 0;
    memset(slots, 0, sizeof(slots));
    for (size_t i = 0; i < n; i++) {
        cg_entry_at *e = &at[i];
        /* in body order: the members may come either way round */
        if (e->head < e->leaf) {
            pack_extra(body, e, slots, &out);
            e->leaf = pack_move(body, e->leaf, e->leaf_len, &out);
        } else {
            e->leaf = pack_move(body, e->leaf, e->leaf_len, &out);
            pack_extra(body, e, slots, &out);
        }
    }
    return out;
}
