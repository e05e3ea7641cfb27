#include "x509/time.h"

/* Reads MMDDHH[MM[SS]] [.fff] (Z | +hhmm | -hhmm | nothing) after the year. */
static int parse_rest(const uint8_t *p, size_t n, int64_t year, int64_t *t, unsigned *flags)
{
    unsigned mo, d, h, mi = 0, s = 0;
    size_t i = 0;
    if (n < 6 || !cg_time_digits(p, 2, &mo) || !cg_time_digits(p + 2, 2, &d) ||
        !cg_time_digits(p + 4, 2, &h))
        return 0;
    i = 6;
    if (i + 2 <= n && cg_time_digits(p + i, 2, &mi)) {
        i += 2;
        if (i + 2 <= n && cg_time_digits(p + i, 2, &s))
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
        if (!cg_time_digits(p + i + 1, 2, &oh) || !cg_time_digits(p + i + 3, 2, &om) || oh > 23 ||
            om > 59)
            return 0;
        offset = (int64_t)(oh * 3600 + om * 60) * (p[i] == '+' ? 1 : -1);
        *flags |= CG_TIME_NOT_ZULU;
        i += 5;
    } else {
        *flags |= CG_TIME_NOT_ZULU; /* local time */
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || (int)d > cg_days_in_month(year, mo) || h > 23 ||
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
        if (n < 2 || !cg_time_digits(p, 2, &y))
            return 0;
        /* RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY. */
        return parse_rest(p + 2, n - 2, y >= 50 ? 1900 + y : 2000 + y, t, flags);
    }
    if (tag == CG_ASN1_GENERALIZEDTIME) {
        if (n < 4 || !cg_time_digits(p, 4, &y))
            return 0;
        if (y >= 1950 && y < 2050)
            *flags |= CG_TIME_GEN_BEFORE_2050;
        return parse_rest(p + 4, n - 4, y, t, flags);
    }
    return 0;
}
