/* util/escape: each sink's helper on the payloads of issue 14 (formulas,
 * HTML, Markdown links, backticks, pipes, ESC, OSC 52, C1, U+202E), on
 * invalid UTF-8, and cuts that end on a whole character or escape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/escape.h"

typedef void (*esc_fn)(cg_sbuf *b, const char *s);

static void csv(cg_sbuf *b, const char *s)
{
    cg_esc_csv_cell(b, s, "N/A");
}
static void md_text(cg_sbuf *b, const char *s)
{
    cg_esc_md_text(b, s, 0);
}
static void md_code(cg_sbuf *b, const char *s)
{
    cg_esc_md_code(b, s, 0);
}
static void md_code_cell(cg_sbuf *b, const char *s)
{
    cg_esc_md_code(b, s, CG_ESC_MD_CELL);
}
static void term(cg_sbuf *b, const char *s)
{
    cg_esc_term(b, s, strlen(s));
}

static int gives(esc_fn f, const char *in, const char *want)
{
    cg_sbuf b = CG_SBUF_INIT;
    f(&b, in);
    int ok = !b.failed && strcmp(cg_sbuf_str(&b), want) == 0;
    if (!ok)
        fprintf(stderr, "  in   \"%s\"\n  got  \"%s\"\n  want \"%s\"\n", in, cg_sbuf_str(&b),
                want);
    cg_sbuf_free(&b);
    return ok;
}

static void csv_cells(void)
{
    /* OWASP: a leading = + - @ TAB CR (LF) gets a '; RFC 4180 quoting. */
    CHECK(gives(csv, "=HYPERLINK(\"http://evil.example\",\"x\")",
                "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""));
    CHECK(gives(csv, "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"));
    CHECK(gives(csv, "+1+cmd", "'+1+cmd"));
    CHECK(gives(csv, "-2+3", "'-2+3"));
    CHECK(gives(csv, "@SUM(1)", "'@SUM(1)"));
    CHECK(gives(csv, "\t=1", "'\t=1"));
    CHECK(gives(csv, "\r=1", "\"'\r=1\""));
    CHECK(gives(csv, "\n=1", "\"'\n=1\""));
    CHECK(gives(csv, "  =1", "'  =1"));
    /* Not at the start: only RFC 4180. */
    CHECK(gives(csv, "a=b,c", "\"a=b,c\""));
    CHECK(gives(csv, "CN=x", "CN=x"));
    CHECK(gives(csv, "say \"hi\"", "\"say \"\"hi\"\"\""));
    CHECK(gives(csv, "", "N/A"));
    CHECK(gives(csv, "plain.example", "plain.example"));
}

static void markdown_text(void)
{
    CHECK(gives(md_text, "<script>alert(1)</script>", "\\<script\\>alert\\(1\\)\\</script\\>"));
    CHECK(gives(md_text, "[link](http://evil.example/)",
                "\\[link\\]\\(http\\://evil\\.example/\\)"));
    CHECK(gives(md_text, "a `b` c", "a \\`b\\` c"));
    CHECK(gives(md_text, "# h", "\\# h"));
    CHECK(gives(md_text, "> q", "\\> q"));
    CHECK(gives(md_text, "- i", "\\- i"));
    CHECK(gives(md_text, "a|b", "a\\|b"));
    CHECK(gives(md_text, "*em* _em_ ~~s~~ &amp; www.x",
                "\\*em\\* \\_em\\_ \\~\\~s\\~\\~ \\&amp; www\\.x"));
    CHECK(gives(md_text, "back\\slash", "back\\\\slash"));
    /* Line breaks cannot start a block; controls and bidi show as \XX. */
    CHECK(gives(md_text, "one\n# two\r\nthree", "one \\# two  three"));
    CHECK(gives(md_text, "a\x1b]52;c;eA==\x07z", "a\\\\1B\\]52;c;eA\\=\\=\\\\07z"));
    CHECK(gives(md_text, "r\xe2\x80\xaeo", "r\\\\E2\\\\80\\\\AEo"));
    CHECK(gives(md_text, "Plain, text; ok? 50%", "Plain, text; ok? 50%"));
    CHECK(gives(md_text, "caf\xc3\xa9", "caf\xc3\xa9"));
}

static void markdown_code(void)
{
    CHECK(gives(md_code, "a.example", "`a.example`"));
    CHECK(gives(md_code, "<script>", "`<script>`"));
    CHECK(gives(md_code, "a`b``c", "```a`b``c```"));
    CHECK(gives(md_code, "`x", "`` `x ``"));
    CHECK(gives(md_code, "x ", "` x  `"));
    CHECK(gives(md_code, "", "``"));
    CHECK(gives(md_code, "a|b", "`a|b`"));
    CHECK(gives(md_code_cell, "a|b", "`a\\|b`"));
    CHECK(gives(md_code, "l1\n# l2", "`l1 # l2`"));
    CHECK(gives(md_code, "e\x1b[31m", "`e\\1B[31m`"));
}

static void terminal(void)
{
    CHECK(gives(term, "file.pem", "file.pem"));
    CHECK(gives(term, "a\x1b]52;c;eA==\x07z", "a\\1B]52;c;eA==\\07z"));
    CHECK(gives(term, "x\x1b[2J", "x\\1B[2J"));
    CHECK(gives(term, "gnp\xe2\x80\xae.exe", "gnp\\E2\\80\\AE.exe"));
    CHECK(gives(term,
                "c1 \xc2\x9b"
                "31m",
                "c1 \\C2\\9B31m"));
    CHECK(gives(term, "lri \xe2\x81\xa6 bom \xef\xbb\xbf zw \xe2\x80\x8b ls \xe2\x80\xa8",
                "lri \\E2\\81\\A6 bom \\EF\\BB\\BF zw \\E2\\80\\8B ls \\E2\\80\\A8"));
    CHECK(gives(term, "tab\tnl\n", "tab\\09nl\\0A"));
    /* Invalid UTF-8: a lone continuation, an overlong ESC, a surrogate, a cut sequence. */
    CHECK(gives(term, "\x80", "\\80"));
    CHECK(gives(term, "\xc0\x9b", "\\C0\\9B"));
    CHECK(gives(term, "\xed\xa0\x80", "\\ED\\A0\\80"));
    CHECK(gives(term, "ok\xe2\x80", "ok\\E2\\80"));
    CHECK(gives(term, "caf\xc3\xa9 \xf0\x9f\x94\x92", "caf\xc3\xa9 \xf0\x9f\x94\x92"));
    /* Backslashes stay (messages carry RFC 4514 names, already escaped). */
    CHECK(gives(term, "CN=a\\,b", "CN=a\\,b"));
}

static void cuts(void)
{
    char buf[64], big[400];
    /* Fits: unchanged. */
    CHECK(strcmp(cg_esc_term_cut("short \x1b", buf, sizeof(buf)), "short \\1B") == 0);
    /* Too long: cut on a whole escape and marked with the input's length. */
    memset(big, 'a', sizeof(big));
    for (size_t i = 10; i + 1 < sizeof(big); i += 3)
        big[i] = '\x1b';
    big[sizeof(big) - 1] = '\0';
    cg_esc_term_cut(big, buf, sizeof(buf));
    CHECK(strlen(buf) < sizeof(buf));
    CHECK(strstr(buf, "...[cut, 399 bytes]") != NULL);
    const char *m = strstr(buf, "...[cut");
    CHECK(m != NULL && m > buf && m[-1] != '\\' && m[-2] != '\\');
    /* Cut points: never inside \XX, \c or a UTF-8 character. */
    CHECK(cg_esc_cut_point("ab\\1Bcd", 7, 3) == 2);
    CHECK(cg_esc_cut_point("ab\\1Bcd", 7, 5) == 5);
    CHECK(cg_esc_cut_point("ab\\,cd", 6, 3) == 2);
    CHECK(cg_esc_cut_point("ab\\,cd", 6, 4) == 4);
    CHECK(cg_esc_cut_point("a\xc3\xa9z", 4, 2) == 1);
    CHECK(cg_esc_cut_point("a\xc3\xa9z", 4, 3) == 3);
    CHECK(cg_esc_cut_point("abc", 3, 10) == 3);
    /* a backslash before a multi-byte character: never half of it (escape_fuzz) */
    CHECK(cg_esc_cut_point("ab\\\xc3\xa9z", 6, 4) == 2);
    CHECK(cg_esc_cut_point("ab\\\xc3\xa9z", 6, 5) == 5);
}

static void predicates(void)
{
    uint32_t cp;
    CHECK(cg_esc_unsafe_cp(0x1b) && cg_esc_unsafe_cp(0x7f) && cg_esc_unsafe_cp(0x9b));
    CHECK(cg_esc_unsafe_cp(0x202e) && cg_esc_unsafe_cp(0x2066) && cg_esc_unsafe_cp(0x061c));
    CHECK(!cg_esc_unsafe_cp('a') && !cg_esc_unsafe_cp(0xe9) && !cg_esc_unsafe_cp(0x1f512));
    CHECK(cg_utf8_char((const uint8_t *)"\xe2\x80\xae", 3, &cp) == 3 && cp == 0x202e);
    CHECK(cg_utf8_char((const uint8_t *)"\xf4\x90\x80\x80", 4, &cp) == 0);
    CHECK(cg_utf8_char((const uint8_t *)"\xe0\x80\x80", 3, &cp) == 0);
}

static void stream(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f != NULL);
    if (f == NULL)
        return;
    CHECK(cg_esc_term_fputs("t\x1b[0m\xe2\x80\xae", f));
    CHECK(cg_esc_term_fputs(NULL, f));
    fclose(f);
    CHECK(strcmp(text, "t\\1B[0m\\E2\\80\\AE") == 0);
    free(text);
}

int main(void)
{
    csv_cells();
    markdown_text();
    markdown_code();
    terminal();
    cuts();
    predicates();
    stream();
    return cg_test_done();
}
