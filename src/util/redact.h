/* Secrets never leave: the one redaction of the library. Every string a
 * person or another program may see (messages, the dashboard, `caguard
 * status`, log lines, alerts) that can hold a store URI or a URL goes
 * through it.
 *
 * What is a secret:
 * - the password of a URL's userinfo: `scheme://user:SECRET@host/...` (also
 *   without the `//`, `postgresql:user:SECRET@host`, as a mistyped URI may
 *   be). The userinfo runs to the last `@` before the first blank, quote,
 *   `?` or `#`, so a password holding an unescaped `@` or `/` is hidden
 *   whole. The user name stays: `postgresql://user:***@host/db`;
 * - the value of a parameter whose name says secret, in a query string or
 *   a libpq keyword/value string: `password=SECRET`, `sslpassword=...`,
 *   any name ending in password, passwd, pwd, secret or token, and `pass`
 *   (case does not matter); a quoted value ('...' with backslash escapes, or
 *   "...") is hidden with its quotes.
 * Each secret becomes `***`; everything else is copied as it is.
 *
 * Invariant: the output never holds a byte of a secret span of the input.
 * When memory runs out the whole output is `***`, never the input. */
#ifndef CAGUARD_UTIL_REDACT_H
#define CAGUARD_UTIL_REDACT_H

#include <stddef.h>

#define CG_REDACTED "***"

/* s redacted into out (cap bytes, always terminated when cap > 0). Returns
 * the length of the whole redacted text (as snprintf does: the output was
 * cut when the result is cap or more). */
size_t cg_redact(const char *s, char *out, size_t cap);
/* A malloc'd redacted copy of s (NULL when out of memory). */
char *cg_redact_dup(const char *s);
/* 1 when s holds a secret cg_redact hides. */
int cg_redact_has_secret(const char *s);

/* A message from a library that was given `source` (libpq's errors about a
 * connection URI quote the URI, or the piece of it they could not parse,
 * percent-encoded or not): msg redacted as cg_redact does, and besides
 * every occurrence in it of a secret of source (as written, and
 * percent-decoded) of at least 4 bytes, and of every `@`-separated piece
 * of it of at least 4 bytes (where another parser may have cut it). */
size_t cg_redact_with(const char *msg, const char *source, char *out, size_t cap);

#endif
