/* ASN.1 UTCTime / GeneralizedTime to seconds since the epoch. The parser is
 * lenient on purpose: it accepts the forms RFC 5280 forbids (no seconds,
 * fractions, offsets) and says which it saw, so rules can report them. */
#ifndef CAGUARD_X509_TIME_H
#define CAGUARD_X509_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"
/* The text forms (cg_time_format, RFC 3339) and the calendar are util/time.h's. */
#include "util/time.h"

enum {
    CG_TIME_NO_SECONDS = 1 << 0,  /* YYMMDDHHMMZ */
    CG_TIME_FRACTION = 1 << 1,    /* GeneralizedTime with fractional seconds */
    CG_TIME_NOT_ZULU = 1 << 2,    /* offset or local time instead of Z */
    CG_TIME_GEN_BEFORE_2050 = 1 << 3, /* GeneralizedTime for a year UTCTime covers */
};

/* Parses a time element (tag included). Returns 1 and sets *t and *flags
 * (CG_TIME_*); 0 when the element is neither time type or does not parse. */
int cg_time_parse(const cg_cbs *elem, int64_t *t, unsigned *flags);

#endif
