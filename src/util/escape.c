/* Output encoding for CSV, Markdown and terminals (escape.h). Input is
 * treated as UTF-8 and read strictly: overlong forms, surrogates and bytes
 * that start nothing are shown as \XX, never passed on and never dropped. */
#include "util/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cg_esc_unsafe_cp(uint32_t c)
{
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return 1;
    switch (c) {
    case 0x061c: /* ARABIC LETTER MARK */
    case 0x2028: /* LINE SEPARATOR */
    case 0x2029: /* PARAGRAPH SEPARATOR */
    case 0xfeff: /* BOM, ZERO WIDTH NO-BREAK SPACE */
        return 1;
    default:
        break;
    }
    return (c >= 0x200b && c <= 0x200f) || /* zero-width, LRM, RLM */
           (c >= 0x202a && c <= 0x202e) || /* LRE RLE PDF LRO RLO */
           (c >= 0x2066 && c <= 0x2069);   /* LRI RLI FSI PDI */
}

size_t cg_utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len;
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        c = s[0] & 0x1f;
        len = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        c = s[0] & 0x0f;
        len = 3;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        c = s[0] & 0x07;
        len = 4;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static void put_hex_bytes(cg_sbuf *b, const char *pre, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        char t[2] = {hex[s[i] >> 4], hex[s[i] & 0x0f]};
        cg_sbuf_puts(b, pre);
        cg_sbuf_append(b, t, 2);
    }
}

/* Walks s (len bytes) a character at a time: safe characters go to `safe`
 * (one call per run), unsafe ones and invalid bytes to `unsafe`. */
typedef void (*run_fn)(cg_sbuf *b, const char *s, size_t n, int flags);
typedef void (*bad_fn)(cg_sbuf *b, const uint8_t *s, size_t n, int flags);

static void walk(cg_sbuf *b, const char *s, size_t len, int flags, run_fn safe, bad_fn unsafe)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, start = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t n = cg_utf8_char(p + i, len - i, &cp);
        if (n != 0 && !cg_esc_unsafe_cp(cp)) {
            i += n;
            continue;
        }
        if (i > start)
            safe(b, s + start, i - start, flags);
        if (n == 0)
            n = 1; /* one byte that is not UTF-8 */
        unsafe(b, p + i, n, flags);
        i += n;
        start = i;
    }
    if (i > start)
        safe(b, s + start, i - start, flags);
}

/* ---- JSON ---- */

int cg_esc_json_string(cg_sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *p = (const uint8_t *)s;
    size_t len = strlen(s);
    uint32_t cp;
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= 0x80) {
            size_t n = cg_utf8_char(p + i, len - i, &cp);
            if (n == 0)
                return 0;
            i += n - 1;
        }
    }
    cg_sbuf_append(b, "\"", 1);
    size_t start = 0, i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (i > start)
            cg_sbuf_append(b, s + start, i - start);
        size_t n = c < 0x80 ? 1 : cg_utf8_char(p + i, len - i, &cp);
        if (c < 0x80)
            cp = c;
        const char *short_form = c == '"'    ? "\\\""
                                 : c == '\\' ? "\\\\"
                                 : c == '\b'  ? "\\b"
                                 : c == '\f'  ? "\\f"
                                 : c == '\n'  ? "\\n"
                                 : c == '\r'  ? "\\r"
                                 : c == '\t'  ? "\\t"
                                               : NULL;
        if (short_form != NULL) {
            cg_sbuf_append(b, short_form, 2);
        } else {
            uint32_t units[2] = {cp, 0};
            size_t nu = 1;
            if (cp >= 0x10000) {
                units[0] = 0xd800 | ((cp - 0x10000) >> 10);
                units[1] = 0xdc00 | ((cp - 0x10000) & 0x3ff);
                nu = 2;
            }
            for (size_t k = 0; k < nu; k++) {
                char e[6] = {'\\', 'u', hex[units[k] >> 12 & 0xf], hex[units[k] >> 8 & 0xf],
                             hex[units[k] >> 4 & 0xf], hex[units[k] & 0xf]};
                cg_sbuf_append(b, e, sizeof(e));
            }
        }
        i += n;
        start = i;
    }
    if (i > start)
        cg_sbuf_append(b, s + start, i - start);
    cg_sbuf_append(b, "\"", 1);
    return 1;
}

/* ---- CSV ---- */

void cg_esc_csv_cell(cg_sbuf *b, const char *s, const char *empty)
{
    const char *p;
    if (s == NULL || s[0] == '\0') {
        if (empty != NULL)
            cg_esc_csv_cell(b, empty, NULL);
        return;
    }
    for (p = s; *p == ' '; p++)
        ;
    int formula = *p != '\0' && strchr("=+-@\t\r\n", *p) != NULL;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        cg_sbuf_puts(b, "\"");
    if (formula)
        cg_sbuf_puts(b, "'");
    for (p = s; *p != '\0'; p++) {
        if (*p == '"')
            cg_sbuf_puts(b, "\"\"");
        else
            cg_sbuf_append(b, p, 1);
    }
    if (quote)
        cg_sbuf_puts(b, "\"");
}

/* ---- Markdown ---- */

/* What a backslash keeps from being read as Markdown, HTML or an autolink.
 * ',', ';', '?', '/', '%', '\'' and '"' mean nothing there and stay
 * readable. */
static const char md_special[] = "\\`*_{}[]()<>#+-.!|~&:=@$^";

static void md_text_run(cg_sbuf *b, const char *s, size_t n, int flags)
{
    (void)flags;
    for (size_t i = 0; i < n; i++) {
        if (strchr(md_special, s[i]) != NULL)
            cg_sbuf_puts(b, "\\");
        cg_sbuf_append(b, s + i, 1);
    }
}

/* Line breaks and tabs become spaces; other unsafe characters \XX, written
 * "\\XX" in text, where a backslash before a digit is literal anyway
 * but one before punctuation is not, and "\XX" in a code span (MD_CODE),
 * where every backslash is literal. */
#define MD_CODE 0x100

static void md_bad(cg_sbuf *b, const uint8_t *s, size_t n, int flags)
{
    if (n == 1 && (s[0] == '\n' || s[0] == '\r' || s[0] == '\t')) {
        cg_sbuf_puts(b, " ");
        return;
    }
    put_hex_bytes(b, (flags & MD_CODE) ? "\\" : "\\\\", s, n);
}

void cg_esc_md_text(cg_sbuf *b, const char *s, int flags)
{
    if (s != NULL)
        walk(b, s, strlen(s), flags, md_text_run, md_bad);
}

static void md_code_run(cg_sbuf *b, const char *s, size_t n, int flags)
{
    for (size_t i = 0; i < n; i++) {
        /* GFM splits table rows on '|' before it reads code spans. */
        if (s[i] == '|' && (flags & CG_ESC_MD_CELL))
            cg_sbuf_puts(b, "\\");
        cg_sbuf_append(b, s + i, 1);
    }
}

void cg_esc_md_code(cg_sbuf *b, const char *s, int flags)
{
    size_t run = 0, longest = 0, len;
    if (s == NULL)
        s = "";
    len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    int pad = len > 0 && (s[0] == '`' || s[0] == ' ' || s[len - 1] == '`' || s[len - 1] == ' ');
    for (size_t i = 0; i <= longest; i++)
        cg_sbuf_puts(b, "`");
    if (pad)
        cg_sbuf_puts(b, " ");
    walk(b, s, len, flags | MD_CODE, md_code_run, md_bad);
    if (pad)
        cg_sbuf_puts(b, " ");
    for (size_t i = 0; i <= longest; i++)
        cg_sbuf_puts(b, "`");
}

/* ---- terminals ---- */

static void term_run(cg_sbuf *b, const char *s, size_t n, int flags)
{
    (void)flags;
    cg_sbuf_append(b, s, n);
}

static void term_bad(cg_sbuf *b, const uint8_t *s, size_t n, int flags)
{
    (void)flags;
    put_hex_bytes(b, "\\", s, n);
}

void cg_esc_term(cg_sbuf *b, const char *s, size_t len)
{
    if (s != NULL)
        walk(b, s, len, 0, term_run, term_bad);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

size_t cg_esc_cut_point(const char *t, size_t len, size_t max)
{
    size_t i = 0;
    if (max >= len)
        return len;
    for (;;) {
        size_t u = 1;
        uint32_t cp;
        if (t[i] == '\\' && i + 1 < len) {
            /* "\XX" or a backslash and the whole character it escapes */
            if (i + 2 < len && is_hex(t[i + 1]) && is_hex(t[i + 2])) {
                u = 3;
            } else {
                u = cg_utf8_char((const uint8_t *)t + i + 1, len - i - 1, &cp);
                u = 1 + (u == 0 ? 1 : u);
            }
        } else {
            u = cg_utf8_char((const uint8_t *)t + i, len - i, &cp);
            u = u == 0 ? 1 : u;
        }
        if (i + u > max)
            return i;
        i += u;
    }
}

const char *cg_esc_term_cut(const char *s, char *buf, size_t cap)
{
    cg_sbuf e = CG_SBUF_INIT;
    char mark[48];
    size_t len = s != NULL ? strlen(s) : 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    cg_esc_term(&e, s, len);
    if (e.failed || e.len < cap) {
        if (!e.failed)
            memcpy(buf, cg_sbuf_str(&e), e.len + 1);
        cg_sbuf_free(&e);
        return buf;
    }
    snprintf(mark, sizeof(mark), "...[cut, %zu bytes]", len);
    size_t room = cap - 1 > strlen(mark) ? cap - 1 - strlen(mark) : 0;
    size_t n = cg_esc_cut_point(e.data, e.len, room);
    memcpy(buf, e.data, n);
    snprintf(buf + n, cap - n, "%s", mark);
    cg_sbuf_free(&e);
    return buf;
}

int cg_esc_term_fputs(const char *s, FILE *f)
{
    cg_sbuf e = CG_SBUF_INIT;
    int ok;
    if (s == NULL || s[0] == '\0')
        return 1;
    cg_esc_term(&e, s, strlen(s));
    ok = !e.failed && fputs(cg_sbuf_str(&e), f) >= 0;
    cg_sbuf_free(&e);
    return ok;
}
