/* Log lines (log.h). Every message is redacted, then made printable ASCII
 * (a control or non-ASCII byte, which a log server's answer may carry into a
 * message, becomes '?', so no line can move a terminal's cursor or split a
 * journal entry); JSON then needs only '"' and '\' escaped. */
#include "obs/logger.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/redact.h"

#define LINE_MAX_BYTES 8192

static const char *const level_names[] = {"info", "warning", "error"};
static const int syslog_priority[] = {6, 4, 3}; /* LOG_INFO, LOG_WARNING, LOG_ERR */

/* Whether f is the stream systemd connected to the journal: JOURNAL_STREAM
 * is "DEVICE:INODE" of it (systemd.exec(5)). */
static int is_journal(FILE *f)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    char tail;
    if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return 0;
    if (fstat(fileno(f), &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void cg_logger_init(cg_logger *lg, FILE *f, cg_logger_format format, const char *source)
{
    memset(lg, 0, sizeof(*lg));
    lg->f = f != NULL ? f : stderr;
    lg->format = format;
    lg->source = source;
    lg->stamp = !isatty(fileno(lg->f));
    lg->journal = is_journal(lg->f);
}

int cg_logger_format_parse(const char *s, cg_logger_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = CG_LOGGER_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = CG_LOGGER_JSON;
    else
        return 0;
    return 1;
}

/* s made printable ASCII in place. */
static void printable(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

/* Appends s to out (of cap bytes, at *n), JSON-escaped when json. */
static void put(char *out, size_t cap, size_t *n, const char *s, int json)
{
    for (; *s != '\0' && *n + 3 < cap; s++) {
        if (json && (*s == '"' || *s == '\\'))
            out[(*n)++] = '\\';
        out[(*n)++] = *s;
    }
    out[*n] = '\0';
}

/* RFC 3339, UTC, milliseconds: 2026-12-06T05:30:00.123Z. */
static void stamp_now(const struct timespec *ts, char *out, size_t cap)
{
    struct tm tm;
    char day[32];
    time_t s = ts->tv_sec;
    gmtime_r(&s, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%.24s.%03uZ", day, (unsigned)(ts->tv_nsec / 1000000) % 1000u);
}

void cg_logger_vsay(const cg_logger *lg, cg_logger_level level, const char *fmt, va_list ap)
{
    char raw[LINE_MAX_BYTES], msg[LINE_MAX_BYTES], line[LINE_MAX_BYTES * 2 + 256], now[40];
    struct timespec ts;
    size_t n = 0;
    int json = lg->format == CG_LOGGER_JSON;
    if (lg->quiet && level == CG_LOGGER_INFO)
        return;
    vsnprintf(raw, sizeof(raw), fmt, ap);
    cg_redact(raw, msg, sizeof(msg));
    printable(msg);
    clock_gettime(CLOCK_REALTIME, &ts);
    stamp_now(&ts, now, sizeof(now));
    line[0] = '\0';
    if (json) {
        n = (size_t)snprintf(line, sizeof(line), "{\"time\":\"%s\",\"level\":\"%s\",\"source\":\"",
                             now, level_names[level]);
        put(line, sizeof(line), &n, lg->source != NULL ? lg->source : "caguard", 1);
        put(line, sizeof(line), &n, "\",\"msg\":\"", 0);
        put(line, sizeof(line), &n, msg, 1);
        put(line, sizeof(line), &n, "\"}\n", 0);
    } else {
        if (lg->journal)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "<%d>", syslog_priority[level]);
        if (lg->stamp)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %s ", now, level_names[level]);
        if (lg->source != NULL)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: ", lg->source);
        put(line, sizeof(line), &n, msg, 0);
        put(line, sizeof(line), &n, "\n", 0);
    }
    fputs(line, lg->f);
    fflush(lg->f);
}

void cg_logger_say(const cg_logger *lg, cg_logger_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_logger_vsay(lg, level, fmt, ap);
    va_end(ap);
}
