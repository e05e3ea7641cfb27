/* Times as text, in UTC, without the C library's time zone or locale:
 * the calendar arithmetic (proleptic Gregorian, any int64_t year), the
 * formats the library writes (RFC 3339 for findings, stores and JSON; the
 * RFC 5322 date of a mail; the IMF-fixdate of HTTP) and strict RFC 3339
 * parsing; and the monotonic clock of deadlines. ASN.1 times are x509/time.h's. */
#ifndef CAGUARD_UTIL_TIME_H
#define CAGUARD_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Seconds of CLOCK_MONOTONIC (deadlines, intervals, rates): the one
 * clock that no change of the system time moves. */
double cg_time_mono(void);

/* Days from 1970-01-01 for a proleptic Gregorian date (month 1..12). */
int64_t cg_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The date of day z (days from 1970-01-01). */
void cg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Days in month m (1..12) of year y. */
int cg_days_in_month(int64_t y, unsigned m);
/* The value of the n decimal digits at p; 0 when one is not a digit. */
int cg_time_digits(const uint8_t *p, size_t n, unsigned *out);

/* t (seconds since the epoch) as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (buf of at
 * least 21 bytes for years 0 to 9999). */
void cg_time_format(int64_t t, char *buf, size_t cap);
/* ms (milliseconds since the epoch) as RFC 3339, with ".mmm" only when
 * there are milliseconds. */
void cg_time_format_ms(int64_t ms, char *buf, size_t cap);
/* t as an RFC 5322 date, "Mon, 6 Jan 2025 10:00:00 +0000" (a mail's Date). */
void cg_time_format_rfc5322(int64_t t, char *buf, size_t cap);
/* t as an HTTP date (RFC 9110 IMF-fixdate), "Mon, 06 Jan 2025 10:00:00 GMT". */
void cg_time_format_http(int64_t t, char *buf, size_t cap);

/* Strict RFC 3339 ("T"/"Z" in either case, optional fraction, Z or
 * +hh:mm); 1 on success. _ms keeps milliseconds; the other floors to
 * seconds. */
int cg_time_parse_rfc3339(const char *s, int64_t *t);
int cg_time_parse_rfc3339_ms(const char *s, int64_t *ms);

#endif
