/* The monitor's lines: progress (on a terminal one line, rewritten, that
 * the logs reading at once share, each its part, cut to the terminal's
 * width; plain log lines every 10 s per log otherwise) and the messages
 * about a log, all but the terminal's line through the logger
 * (obs/logger.h); and what it tells as it goes: the metrics
 * (monitor/series.h) and the heartbeat. */
#include "monitor/monitor_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/redact.h"
#include "util/time.h"

static void fmt_duration(double s, char *out, size_t cap)
{
    uint64_t t = s > 0 ? (uint64_t)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(out, cap, "%" PRIu64 "h%02" PRIu64 "m", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, cap, "%" PRIu64 "m%02" PRIu64 "s", t / 60, t % 60);
    else
        snprintf(out, cap, "%" PRIu64 "s", t);
}

/* The terminal's width, less one column (a line that fills it wraps). */
static size_t bar_width(FILE *f)
{
    struct winsize w;
    if (ioctl(fileno(f), TIOCGWINSZ, &w) == 0 && w.ws_col > 20)
        return (size_t)w.ws_col - 1;
    return 79;
}

/* The progress line again: the parts of the logs reading, joined, cut to
 * the terminal's width (not inside a UTF-8 character). */
static void bar_draw(cg_monitor *m)
{
    char line[1024];
    size_t n = 0, cols = bar_width(m->o.log);
    line[0] = '\0';
    for (size_t i = 0; i < m->n_logs && n < sizeof(line) - 1; i++) {
        const mlog *o = &m->logs[i];
        if (!o->printed)
            continue;
        int k = snprintf(line + n, sizeof(line) - n, "%s%s", n > 0 ? " | " : "", o->bar);
        n = k < 0 || (size_t)k >= sizeof(line) - n ? sizeof(line) - 1 : n + (size_t)k;
    }
    if (n > cols) {
        n = cols;
        while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
            n--;
        line[n] = '\0';
    }
    fprintf(m->o.log, "\r\033[K%s", line);
    fflush(m->o.log);
    m->bar_shown = n > 0;
}

void cg_mon_progress(cg_monitor *m, mlog *l, int final)
{
    double t = cg_time_mono();
    if (m->o.quiet || !l->has_sth || m->o.shared)
        return;
    if (m->o.progress) {
        if (!final && t - l->last_print < 0.1)
            return;
    } else if (final || t - l->last_line < 10.0 || l->f.size >= l->sth.tree_size) {
        return;
    }
    uint64_t done = l->f.size - l->round_start;
    double rate = t > l->t0 ? (double)done / (t - l->t0) : 0;
    uint64_t left = l->sth.tree_size - l->f.size;
    char eta[32] = "-";
    if (rate > 0 && left > 0)
        fmt_duration((double)left / rate, eta, sizeof(eta));
    else if (left == 0)
        snprintf(eta, sizeof(eta), "0s");
    double pct = l->sth.tree_size ? 100.0 * (double)l->f.size / (double)l->sth.tree_size : 100.0;
    if (m->o.progress) {
        char name[2200];
        cg_redact(cg_mon_log_name(l), name, sizeof(name));
        /* (a part longer than the line is cut anyway) */
        if (snprintf(l->bar, sizeof(l->bar),
                     "%s: %" PRIu64 "/%" PRIu64 " (%.1f%%), %.0f entries/s, ETA %s", name,
                     l->f.size, l->sth.tree_size, pct, rate, eta) < 0)
            l->bar[0] = '\0';
        l->last_print = t;
        l->printed = !final;
        if (final) {
            /* its last state on a line of its own, the others' below */
            fprintf(m->o.log, "\r\033[K%s\n", l->bar);
            m->bar_shown = 0;
        }
        bar_draw(m);
    } else {
        cg_logger_say(m->logger, CG_LOGGER_INFO,
                      "%s: at %" PRIu64 " of %" PRIu64 " (%.1f%%), %.0f entries/s, ETA %s",
                      cg_mon_log_name(l), l->f.size, l->sth.tree_size, pct, rate, eta);
        l->last_line = t;
    }
}

static void vsay(cg_monitor *m, mlog *l, cg_logger_level level, const char *fmt, va_list ap)
{
    char msg[2048];
    if (m->o.quiet)
        return;
    (void)l;
    if (m->bar_shown) {
        /* the progress line erased; the next progress draws it again */
        fputs("\r\033[K", m->o.log);
        m->bar_shown = 0;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    cg_logger_say(m->logger, level, "%s: %s", cg_mon_log_name(l), msg);
}

void cg_mon_say_log(cg_monitor *m, mlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, l, CG_LOGGER_WARNING, fmt, ap);
    va_end(ap);
}

void cg_mon_say_info(cg_monitor *m, mlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(m, l, CG_LOGGER_INFO, fmt, ap);
    va_end(ap);
}

/* ---- metrics and heartbeat ---- */

void cg_mon_series_log(cg_monitor *m, mlog *l)
{
    cg_monitor_series_log(m->o.series, l->url, l->has_sth ? l->sth.tree_size : 0,
                          l->has_sth ? l->sth.timestamp : 0, l->f.size, l->last_contact,
                          l->failing_since);
    cg_monitor_series_entries(m->o.series, l->url, l->unflushed);
    l->unflushed = 0;
}

void cg_mon_heartbeat(cg_monitor *m)
{
    double t;
    if (m->o.tick != NULL)
        m->o.tick(m->o.tick_arg);
    t = cg_time_mono();
    if (t - m->last_beat < 1.0)
        return;
    m->last_beat = t;
    for (size_t i = 0; i < m->n_logs; i++) {
        if (m->logs[i].unflushed > 0) {
            cg_monitor_series_entries(m->o.series, m->logs[i].url, m->logs[i].unflushed);
            m->logs[i].unflushed = 0;
        }
    }
}

void cg_mon_observe(void *arg, long status, size_t bytes)
{
    log_observer *o = arg;
    cg_monitor_series_request(o->m->o.series, o->url, status, bytes);
    if (!o->away)
        cg_mon_heartbeat(o->m);
}
