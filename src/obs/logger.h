/* Log lines of the long-running commands (caguard monitor, caguard serve):
 * one line per event on a stream, every line redacted (util/redact.h), in
 * the format the reader wants:
 *
 * - text on a terminal: "caguard monitor: MESSAGE", as a person reads it;
 * - text elsewhere (a file, a pipe, the journal): the same after an RFC 3339
 *   UTC time with milliseconds and the level,
 *   "2026-12-06T05:30:00.123Z warning caguard monitor: MESSAGE"; when the
 *   stream is the systemd journal's (JOURNAL_STREAM), each line also starts
 *   with the syslog priority "<4>", which journald turns into the entry's
 *   priority and strips;
 * - json: one object a line, {"time":"...","level":"warning",
 *   "source":"caguard monitor","msg":"MESSAGE"} (ASCII, other characters
 *   escaped), for log shippers.
 *
 * A line is built whole in memory and written with one call, so lines of
 * several threads do not mix. A cg_logger is a value its owner fills (no
 * global logger); it is read-only while lines are written. */
#ifndef CAGUARD_OBS_LOGGER_H
#define CAGUARD_OBS_LOGGER_H

#include <stdarg.h>
#include <stdio.h>

typedef enum { CG_LOGGER_TEXT = 0, CG_LOGGER_JSON = 1 } cg_logger_format;
typedef enum { CG_LOGGER_INFO = 0, CG_LOGGER_WARNING = 1, CG_LOGGER_ERROR = 2 } cg_logger_level;

typedef struct cg_logger {
    FILE *f; /* NULL: stderr */
    cg_logger_format format;
    int stamp;          /* text: time and level first */
    int journal;        /* text: the syslog priority first ("<6>") */
    int quiet;          /* info lines are dropped */
    const char *source; /* "caguard monitor"; borrowed */
} cg_logger;

/* Text, stamped unless f is a terminal, with the journal's priority when f
 * is the journal's stream (JOURNAL_STREAM names its device and inode). */
void cg_logger_init(cg_logger *lg, FILE *f, cg_logger_format format, const char *source);
/* "text" or "json"; 0 for anything else. */
int cg_logger_format_parse(const char *s, cg_logger_format *out);

void cg_logger_say(const cg_logger *lg, cg_logger_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cg_logger_vsay(const cg_logger *lg, cg_logger_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
