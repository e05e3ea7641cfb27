/* The top-level domains of the DNS root zone and when each was in it: the
 * table data/tld/tlds.tsv (zlint's copy of IANA's root zone list and
 * ICANN's gTLD registry, with delegation and removal dates), compiled in by
 * the build. A name whose TLD was not in the root zone when its
 * certificate was issued is an Internal Name (TLS BRs §1.6.1). Pure: no
 * I/O, no allocation. */
#ifndef CAGUARD_RULES_TLD_H
#define CAGUARD_RULES_TLD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CG_TLD_DELEGATED = 0, /* in the root zone that day */
    CG_TLD_UNKNOWN,       /* not in the table: never delegated (by the snapshot) */
    CG_TLD_NOT_YET,       /* delegated later (*date: the delegation date) */
    CG_TLD_REMOVED        /* removed by then (*date: the removal date) */
} cg_tld_state;

/* The state of the TLD label (len octets, letters in any case) on the UTC
 * date ymd (YYYYMMDD): delegated from its delegation date, no longer from
 * its removal date. *date gets the date that decides NOT_YET or REMOVED. */
cg_tld_state cg_tld_at(const uint8_t *label, size_t len, uint32_t ymd, uint32_t *date);

/* The date of the table's snapshot, YYYYMMDD: a TLD delegated after it is
 * CG_TLD_UNKNOWN. */
uint32_t cg_tld_snapshot(void);

/* The table's rows in order, for the test that checks it (i from 0; 0 past
 * the end). */
int cg_tld_row_at(size_t i, const char **label, uint32_t *delegated, uint32_t *removed);

#endif
