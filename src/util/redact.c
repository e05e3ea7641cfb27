/* Redaction of secrets in text shown to people (redact.h).
 *
 * One pass marks the bytes of every secret span in a mask; the output is
 * the text with each run of marked bytes replaced by "***". Marking first
 * lets the two kinds of spans (userinfo passwords, secret parameters) and,
 * in cg_redact_with, the known secrets of a source overlap freely. */
#include "util/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_KNOWN_SECRET 4

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_scheme_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '+' || c == '.' || c == '-';
}

static int is_key_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Where a URL-like token ends: a blank, a quote, an angle bracket. */
static int ends_token(int c)
{
    return c == '\0' || is_blank(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* key[0..n) (any case) ends with suffix. */
static int key_ends_with(const char *key, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    if (m > n)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (lower((unsigned char)key[n - m + i]) != suffix[i])
            return 0;
    return 1;
}

static int is_secret_key(const char *key, size_t n)
{
    static const char *const suffixes[] = {"password", "passwd", "pwd", "secret", "token"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (key_ends_with(key, n, suffixes[i]))
            return 1;
    return n == 4 && key_ends_with(key, n, "pass");
}

/* The ':' at s[colon] may end a URL's scheme: mark the password of the
 * userinfo that follows, if any. */
static void mark_userinfo(const char *s, size_t colon, unsigned char *mask)
{
    size_t b = colon, p = colon + 1, at = 0, q;
    int have_at = 0;
    while (b > 0 && is_scheme_char((unsigned char)s[b - 1]))
        b--;
    /* A scheme is a letter and at least one more character ("C:" is a
     * drive, "12:00" a time). */
    if (colon - b < 2 || !is_alpha((unsigned char)s[b]))
        return;
    if (s[p] == '/' && s[p + 1] == '/')
        p += 2;
    for (q = p; !ends_token((unsigned char)s[q]) && s[q] != '?' && s[q] != '#'; q++) {
        if (s[q] == '@') {
            at = q;
            have_at = 1;
        }
    }
    if (!have_at)
        return;
    for (q = p; q < at; q++) {
        if (s[q] == ':') {
            memset(mask + q + 1, 1, at - q - 1);
            return;
        }
    }
}

/* The '=' at s[eq] may follow a secret parameter's name: mark its value. */
static void mark_param(const char *s, size_t n, size_t eq, unsigned char *mask)
{
    size_t b = eq, v = eq + 1, e;
    while (b > 0 && is_key_char((unsigned char)s[b - 1]))
        b--;
    if (b == eq || !is_secret_key(s + b, eq - b))
        return;
    if (s[v] == '\'' || s[v] == '"') {
        /* libpq's quoting: '...' with backslash escapes; "..." plain. */
        char quote = s[v];
        for (e = v + 1; e < n && s[e] != quote; e++)
            if (quote == '\'' && s[e] == '\\' && e + 1 < n)
                e++;
        e = e < n ? e + 1 : n;
    } else {
        for (e = v; e < n && !is_blank((unsigned char)s[e]) && s[e] != '&' && s[e] != '#' &&
                    s[e] != '"' && s[e] != '\'';
             e++)
            ;
    }
    memset(mask + v, 1, e - v);
}

static void mark(const char *s, size_t n, unsigned char *mask)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ':')
            mark_userinfo(s, i, mask);
        else if (s[i] == '=')
            mark_param(s, n, i, mask);
    }
}

/* Writes s with every marked run as "***" into out; returns the full
 * length. */
static size_t emit(const char *s, size_t n, const unsigned char *mask, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        const char *piece = s + i;
        size_t k = 1;
        if (mask[i]) {
            while (i + k < n && mask[i + k])
                k++;
            piece = CG_REDACTED;
            i += k;
            k = sizeof(CG_REDACTED) - 1;
        } else {
            i++;
        }
        for (size_t j = 0; j < k; j++, len++)
            if (len + 1 < cap)
                out[len] = piece[j];
    }
    if (cap > 0)
        out[len < cap ? len : cap - 1] = '\0';
    return len;
}

static size_t fail_safe(char *out, size_t cap)
{
    if (cap > 0)
        snprintf(out, cap, "%s", CG_REDACTED);
    return sizeof(CG_REDACTED) - 1;
}

size_t cg_redact(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), len;
    unsigned char *mask = calloc(n + 1, 1);
    if (mask == NULL)
        return fail_safe(out, cap);
    mark(s, n, mask);
    len = emit(s, n, mask, out, cap);
    free(mask);
    return len;
}

char *cg_redact_dup(const char *s)
{
    size_t n = cg_redact(s, NULL, 0);
    char *out = malloc(n + 1);
    if (out != NULL)
        cg_redact(s, out, n + 1);
    return out;
}

int cg_redact_has_secret(const char *s)
{
    size_t n = strlen(s);
    int found = 0;
    unsigned char *mask = calloc(n + 1, 1);
    if (mask == NULL)
        return 1;
    mark(s, n, mask);
    for (size_t i = 0; i < n && !found; i++)
        found = mask[i];
    free(mask);
    return found;
}

static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Marks every occurrence in msg of the n bytes at secret. */
static void mark_known(const char *msg, size_t mn, unsigned char *mask, const char *secret,
                       size_t n)
{
    if (n < MIN_KNOWN_SECRET || n > mn)
        return;
    for (size_t i = 0; i + n <= mn; i++)
        if (memcmp(msg + i, secret, n) == 0)
            memset(mask + i, 1, n);
}

/* A secret of the source, as written in buf[0..n): marked in msg as it
 * is, without its quotes and escapes, percent-decoded, and each piece of it
 * between '@'s. tmp holds n bytes. */
static void mark_secret(const char *msg, size_t mn, unsigned char *mask, const char *raw, size_t n,
                        char *tmp)
{
    size_t k = 0, start = 0;
    mark_known(msg, mn, mask, raw, n);
    if (n >= 2 && (raw[0] == '\'' || raw[0] == '"')) {
        size_t end = raw[n - 1] == raw[0] ? n - 1 : n;
        for (size_t i = 1; i < end; i++) {
            if (raw[0] == '\'' && raw[i] == '\\' && i + 1 < end)
                i++;
            tmp[k++] = raw[i];
        }
        mark_known(msg, mn, mask, tmp, k);
    }
    k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = i + 2 < n && raw[i] == '%' ? hex_value((unsigned char)raw[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value((unsigned char)raw[i + 2]) : -1;
        if (lo >= 0) {
            tmp[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            tmp[k++] = raw[i];
        }
    }
    mark_known(msg, mn, mask, tmp, k);
    for (size_t i = 0; i <= n; i++) {
        if (i == n || raw[i] == '@') {
            if (start > 0 || i < n)
                mark_known(msg, mn, mask, raw + start, i - start);
            start = i + 1;
        }
    }
}

size_t cg_redact_with(const char *msg, const char *source, char *out, size_t cap)
{
    size_t mn = strlen(msg), sn = strlen(source), len;
    unsigned char *mask = calloc(mn + 1, 1), *smask = calloc(sn + 1, 1);
    char *tmp = malloc(sn + 1);
    if (mask == NULL || smask == NULL || tmp == NULL) {
        free(mask);
        free(smask);
        free(tmp);
        return fail_safe(out, cap);
    }
    mark(msg, mn, mask);
    mark(source, sn, smask);
    for (size_t i = 0; i < sn;) {
        size_t k = 0;
        if (!smask[i]) {
            i++;
            continue;
        }
        while (i + k < sn && smask[i + k])
            k++;
        mark_secret(msg, mn, mask, source + i, k, tmp);
        i += k;
    }
    len = emit(msg, mn, mask, out, cap);
    free(mask);
    free(smask);
    free(tmp);
    return len;
}
