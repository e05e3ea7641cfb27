#include "util/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

double cg_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t cg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil, written out for int64_t. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int cg_time_digits(const uint8_t *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return 1;
}

int cg_days_in_month(int64_t y, unsigned m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

/* t (seconds since the epoch) as a date, the seconds of its day and its
 * weekday (0 for Sunday). */
static void split(int64_t t, int64_t *y, unsigned *m, unsigned *d, unsigned *secs, unsigned *wday)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    *secs = (unsigned)(t - days * 86400);
    cg_civil_from_days(days, y, m, d);
    /* 1970-01-01 was a Thursday. */
    *wday = (unsigned)(((days % 7) + 11) % 7);
}

/* v (0 to 99) as two digits at p; returns the byte after them. */
static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

void cg_time_format(int64_t t, char *buf, size_t cap)
{
    int64_t y;
    unsigned m, d, secs, wday;
    split(t, &y, &m, &d, &secs, &wday);
    /* Years 0 to 9999 into room for all 20 bytes: written digit by digit
     * (snprintf was about 3,000 instructions a call, and a /lintcert
     * request formats several); anything else as snprintf writes it. */
    if (y >= 0 && y <= 9999 && cap >= 21) {
        char *p = put2(buf, (unsigned)(y / 100));
        p = put2(p, (unsigned)(y % 100));
        *p++ = '-';
        p = put2(p, m);
        *p++ = '-';
        p = put2(p, d);
        *p++ = 'T';
        p = put2(p, secs / 3600);
        *p++ = ':';
        p = put2(p, secs / 60 % 60);
        *p++ = ':';
        p = put2(p, secs % 60);
        p[0] = 'Z';
        p[1] = '\0';
        return;
    }
    snprintf(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, secs / 3600,
             secs / 60 % 60, secs % 60);
}

void cg_time_format_ms(int64_t ms, char *buf, size_t cap)
{
    int64_t s = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        s--;
        frac += 1000;
    }
    cg_time_format(s, buf, cap);
    size_t n = strlen(buf);
    if (frac == 0 || n == 0 || buf[n - 1] != 'Z')
        return;
    /* ".mmmZ" in place of the "Z", cut to the room left as snprintf cuts
     * (n < cap: room >= 1). */
    char tail[6] = {'.', (char)('0' + frac / 100), 0, 0, 'Z', '\0'};
    put2(tail + 2, (unsigned)(frac % 100));
    size_t room = cap - (n - 1);
    if (room > sizeof(tail))
        room = sizeof(tail);
    memcpy(buf + n - 1, tail, room - 1);
    buf[n - 1 + room - 1] = '\0';
}

static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Mon, 6 Jan 2025 10:00:00 " and zone; with two_digit_day "06". */
static void format_imf(int64_t t, int two_digit_day, const char *zone, char *buf, size_t cap)
{
    int64_t y;
    unsigned m, d, secs, wday;
    char day[8];
    split(t, &y, &m, &d, &secs, &wday);
    snprintf(day, sizeof(day), two_digit_day ? "%02u" : "%u", d);
    snprintf(buf, cap, "%s, %s %s %04lld %02u:%02u:%02u %s", weekdays[wday], day, months[m - 1],
             (long long)y, secs / 3600, secs / 60 % 60, secs % 60, zone);
}

void cg_time_format_rfc5322(int64_t t, char *buf, size_t cap)
{
    format_imf(t, 0, "+0000", buf, cap);
}

void cg_time_format_http(int64_t t, char *buf, size_t cap)
{
    format_imf(t, 1, "GMT", buf, cap);
}

int cg_time_parse_rfc3339_ms(const char *s, int64_t *ms)
{
    if (s == NULL || ms == NULL)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s);
    unsigned y, mo, d, h, mi, sec;
    int64_t frac = 0;
    if (n < 20 || !cg_time_digits(p, 4, &y) || p[4] != '-' || !cg_time_digits(p + 5, 2, &mo) ||
        p[7] != '-' || !cg_time_digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't') ||
        !cg_time_digits(p + 11, 2, &h) || p[13] != ':' || !cg_time_digits(p + 14, 2, &mi) ||
        p[16] != ':' || !cg_time_digits(p + 17, 2, &sec))
        return 0;
    size_t i = 19;
    if (p[i] == '.') {
        size_t j = i + 1;
        for (; j < n && p[j] >= '0' && p[j] <= '9'; j++) {
            if (j - i <= 3)
                frac = frac * 10 + (p[j] - '0');
        }
        if (j == i + 1)
            return 0;
        for (size_t k = j - i - 1; k < 3; k++)
            frac *= 10; /* to milliseconds; digits past the third are dropped */
        i = j;
    }
    int64_t offset = 0;
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        i++;
    } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
        unsigned oh, om;
        if (!cg_time_digits(p + i + 1, 2, &oh) || !cg_time_digits(p + i + 4, 2, &om) || oh > 23 ||
            om > 59)
            return 0;
        offset = (int64_t)(oh * 3600 + om * 60) * (p[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return 0;
    }
    /* Leap seconds (60) are refused: POSIX time cannot hold them and no
     * certificate, CRL or log list time uses them. */
    if (i != n || mo < 1 || mo > 12 || d < 1 || (int)d > cg_days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return 0;
    int64_t t = cg_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    *ms = t * 1000 + frac;
    return 1;
}

int cg_time_parse_rfc3339(const char *s, int64_t *t)
{
    int64_t ms;
    if (!cg_time_parse_rfc3339_ms(s, &ms))
        return 0;
    *t = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return 1;
}
