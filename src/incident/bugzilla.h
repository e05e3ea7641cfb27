/* A Bugzilla bug as caguard follows it: the answers of Bugzilla's REST API
 * (`GET /rest/bug/N` and `GET /rest/bug/N/comment`, bugzilla.readthedocs.io
 * "Bugs" and "Comments") decoded to what an incident needs (the
 * Whiteboard, the comments' IDs, authors and times), the Whiteboard's "Next
 * update" date, and a bug's URL taken apart. Pure: bytes in, structs out;
 * the HTTP and the store are monitor/bugzilla.c's.
 *
 * Decoding is strict where it matters and lenient elsewhere: a bug or
 * comment without its ID, a comment without creator or time, a time that
 * is not RFC 3339, an answer for another bug, or an answer that is not a
 * JSON object is refused with a message naming the field; fields caguard
 * does not read are ignored. Bugzilla's own error answer ({"error": true,
 * "message": ...}) is refused with its message. */
#ifndef CAGUARD_INCIDENT_BUGZILLA_H
#define CAGUARD_INCIDENT_BUGZILLA_H

#include <stddef.h>
#include <stdint.h>

/* The largest answer caguard reads from Bugzilla: a long incident thread
 * (hundreds of comments of up to 65,535 characters) fits. */
#define CG_BZ_MAX_BODY (16u * 1024 * 1024)
/* The most comments kept of one bug. */
#define CG_BZ_MAX_COMMENTS 20000

typedef struct cg_bz_comment {
    int64_t id;    /* globally unique comment ID */
    int64_t count; /* 0 is the bug's description */
    char *creator; /* owned: the author's login (a mail address) */
    int64_t at;    /* creation_time (or time), seconds since the epoch */
    int is_private;
} cg_bz_comment;

typedef struct cg_bz_bug {
    int64_t id;
    char *whiteboard; /* owned, "" when empty */
    char *status;     /* owned, may be NULL */
    int is_open;      /* -1 when the answer did not say */
    cg_bz_comment *comments; /* owned, in the order of the answer */
    size_t n_comments;
} cg_bz_bug;

/* Frees what b owns and zeroes it; accepts NULL. */
void cg_bz_bug_clear(cg_bz_bug *b);

/* The answer of GET /rest/bug/ID: fills b's id, whiteboard, status and
 * is_open. 1, or 0 with err ("bug.json: ...") saying why. */
int cg_bz_decode_bug(const uint8_t *p, size_t n, int64_t id, cg_bz_bug *b, char *err,
                     size_t errcap);
/* The answer of GET /rest/bug/ID/comment: b's comments (replacing any). */
int cg_bz_decode_comments(const uint8_t *p, size_t n, int64_t id, cg_bz_bug *b, char *err,
                          size_t errcap);

/* The Whiteboard's "Next update" date: the forms CAs write ("Next update
 * 2026-12-10", "Next update: 2026-12-10", "next-update 2026-12-10",
 * "[Next Update - 2026-12-10]", any case) give 1 and *due, the end of that
 * day in UTC (an update posted on the day is on time); 0 when there is
 * none or the date is not a calendar date. */
int cg_bz_next_update(const char *whiteboard, int64_t *due);

/* A bug's URL: https://HOST[/PATH]/show_bug.cgi?id=N or https://HOST[/PATH]/N
 * (the short form bugzilla.mozilla.org answers). *base gets the scheme,
 * host and path before it (no trailing '/'), *id the bug number. 1, or 0
 * with err. */
int cg_bz_parse_url(const char *url, char *base, size_t basecap, int64_t *id, char *err,
                    size_t errcap);

/* Whether creator is one of the CA's accounts (mail addresses, compared
 * without regard to case). */
int cg_bz_is_ca(const char *creator, const char *const *accounts, size_t n);

#endif
