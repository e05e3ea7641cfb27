/* Output encoding: text that came from a certificate, a file name, the store
 * or an operator (dNSNames, subjects, titles, notes), made inert for the sink
 * it is written to. One helper per kind of sink, and every writer of that
 * kind uses it:
 *   CSV cells                cg_esc_csv_cell
 *   Markdown                 cg_esc_md_text (inline text), cg_esc_md_code (a code span)
 *   terminals and text logs  cg_esc_term, cg_esc_term_cut, cg_esc_term_fputs
 *   JSON strings             cg_esc_json_string
 * (HTML has its own in report/html_layout.c.) None of them ever drops a
 * character silently: what cannot be shown as itself is shown as \XX hex
 * pairs of its bytes, as certificate names are (RFC 4514). */
#ifndef CAGUARD_UTIL_ESCAPE_H
#define CAGUARD_UTIL_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/sbuf.h"

/* 1 for a code point that must not reach a terminal or a rendered document
 * raw: C0 controls (ESC starts CSI and OSC sequences such as OSC 52, which
 * writes the clipboard), DEL, C1 controls, the bidirectional formatting
 * characters (U+202E turns the rest of a line around), zero-width
 * characters, the line and paragraph separators and the BOM. */
int cg_esc_unsafe_cp(uint32_t c);

/* The UTF-8 character at s (n bytes left): its length, its code point in
 * *cp; 0 when the bytes are not a whole, shortest-form, non-surrogate
 * character up to U+10FFFF. */
size_t cg_utf8_char(const uint8_t *s, size_t n, uint32_t *cp);

/* One RFC 4180 field (no separator): quoted when it holds a comma, a double
 * quote, CR or LF (quotes doubled). A value whose first character other than
 * spaces is = + - @ TAB, CR or LF is prefixed with ' (OWASP's rule against
 * formula injection), so no spreadsheet reads it as a formula. NULL or ""
 * is written as `empty` (may be NULL for nothing). */
void cg_esc_csv_cell(cg_sbuf *b, const char *s, const char *empty);

/* Markdown (CommonMark and GitHub's dialect, as Bugzilla renders it). */
#define CG_ESC_MD_CELL 1 /* inside a table cell: '|' escaped in code spans too */

/* Inline text: every ASCII punctuation character that means something in
 * Markdown or HTML (links, emphasis, code, headings, lists, quotes, tables,
 * autolinks, entities, raw HTML such as <script>) is backslash-escaped, line
 * breaks become spaces, unsafe code points and invalid UTF-8 are shown as
 * \XX. The result renders as the input's text, on one line, and nothing
 * else. */
void cg_esc_md_text(cg_sbuf *b, const char *s, int flags);

/* A code span: the text between backtick fences longer than any run of
 * backticks inside, padded with a space where it starts or ends with a
 * backtick or a space; line breaks become spaces, unsafe code points and
 * invalid UTF-8 \XX. "" gives ``. */
void cg_esc_md_code(cg_sbuf *b, const char *s, int flags);

/* Terminal text: unsafe code points (cg_esc_unsafe_cp) and bytes that are
 * not UTF-8 become \XX hex pairs of their bytes, the rest is copied (a
 * backslash too: messages carry RFC 4514 names, already escaped). */
void cg_esc_term(cg_sbuf *b, const char *s, size_t len);

/* cg_esc_term into buf (cap >= 48). When it does not fit, it is cut after a
 * whole character or escape and ends in a marker, "...[cut, N bytes]" with
 * N the input's length, so a cut text never passes for a whole one. Returns
 * buf. */
const char *cg_esc_term_cut(const char *s, char *buf, size_t cap);

/* The longest prefix of escaped text t (of length len) no longer than max
 * that ends on a whole unit: a UTF-8 character, "\XX" or "\c". For cutting
 * this module's output and RFC 4514 strings. */
size_t cg_esc_cut_point(const char *t, size_t len, size_t max);

/* s as a JSON string, quotes included, byte for byte as jansson's
 * json_dumps writes it with JSON_ENSURE_ASCII (caguard serve's answers
 * were jansson's and stay the same): " and \ escaped, the C0 controls as
 * \b \f \n \r \t or \u00XX, every character past ASCII as \uXXXX
 * (upper-case hex; a surrogate pair past U+FFFF). Returns 0 and writes
 * nothing when s is not UTF-8 (cg_utf8_char), where json_string fails. */
int cg_esc_json_string(cg_sbuf *b, const char *s);

/* cg_esc_term to a stream; NULL writes nothing. Returns 0 on a write
 * error or out of memory. */
int cg_esc_term_fputs(const char *s, FILE *f);

#endif
