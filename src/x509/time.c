#include "x509/time.h"

#include <stdio.h>
#include <string.h>

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

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
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

static int digits(const uint8_t *p, size_t n, unsigned *out)
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

static int days_in_month(int64_t y, unsigned m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

/* Reads MMDDHH[MM[SS]] [.fff] (Z | +hhmm | -hhmm | nothing) after the year. */
static int parse_rest(const uint8_t *p, size_t n, int64_t year, int64_t *t, unsigned *flags)
{
    unsigned mo, d, h, mi = 0, s = 0;
    size_t i = 0;
    if (n < 6 || !digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h))
        return 0;
    i = 6;
    if (i + 2 <= n && digits(p + i, 2, &mi)) {
        i += 2;
        if (i + 2 <= n && digits(p + i, 2, &s))
            i += 2;
        else
            *flags |= CG_TIME_NO_SECONDS;
    } else {
        return 0;
    }
    if (i < n && (p[i] == '.' || p[i] == ',')) {
        size_t j = i + 1;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            j++;
        if (j == i + 1)
            return 0;
        *flags |= CG_TIME_FRACTION;
        i = j;
    }
    int64_t offset = 0;
    if (i < n && p[i] == 'Z') {
        i++;
    } else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
        unsigned oh, om;
        if (!digits(p + i + 1, 2, &oh) || !digits(p + i + 3, 2, &om) || oh > 23 || om > 59)
            return 0;
        offset = (int64_t)(oh * 3600 + om * 60) * (p[i] == '+' ? 1 : -1);
        *flags |= CG_TIME_NOT_ZULU;
        i += 5;
    } else {
        *flags |= CG_TIME_NOT_ZULU; /* local time */
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(year, mo) || h > 23 ||
        mi > 59 || s > 60)
        return 0;
    *t = cg_days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    return 1;
}

int cg_time_parse(const cg_cbs *elem, int64_t *t, unsigned *flags)
{
    cg_cbs in = *elem, c;
    uint8_t tag;
    size_t hdr;
    unsigned y;
    *flags = 0;
    if (!cg_cbs_get_any_asn1_element(&in, &c, &tag, &hdr) || in.len != 0)
        return 0;
    const uint8_t *p = c.data + hdr;
    size_t n = c.len - hdr;
    if (tag == CG_ASN1_UTCTIME) {
        if (n < 2 || !digits(p, 2, &y))
            return 0;
        /* RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY. */
        return parse_rest(p + 2, n - 2, y >= 50 ? 1900 + y : 2000 + y, t, flags);
    }
    if (tag == CG_ASN1_GENERALIZEDTIME) {
        if (n < 4 || !digits(p, 4, &y))
            return 0;
        if (y >= 1950 && y < 2050)
            *flags |= CG_TIME_GEN_BEFORE_2050;
        return parse_rest(p + 4, n - 4, y, t, flags);
    }
    return 0;
}

void cg_time_format(int64_t t, char *buf, size_t cap)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

int cg_time_parse_rfc3339_ms(const char *s, int64_t *ms)
{
    if (s == NULL || ms == NULL)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s);
    unsigned y, mo, d, h, mi, sec;
    int64_t frac = 0;
    if (n < 20 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
        !digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't') || !digits(p + 11, 2, &h) ||
        p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &sec))
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
        if (!digits(p + i + 1, 2, &oh) || !digits(p + i + 4, 2, &om) || oh > 23 || om > 59)
            return 0;
        offset = (int64_t)(oh * 3600 + om * 60) * (p[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return 0;
    }
    /* Leap seconds (60) are refused: POSIX time cannot hold them and no
     * certificate, CRL or log list time uses them. */
    if (i != n || mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo) || h > 23 ||
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
