/* The dated TLD table (rules/tld.h): tld_table.inc is generated at build
 * time from data/tld/tlds.tsv (tools/tld/tld_table.cmake), its rows in byte
 * order for a binary search. */
#include "rules/tld.h"

#include <string.h>

typedef struct cg_tld_row {
    const char *label; /* lower case */
    uint32_t delegated, removed; /* YYYYMMDD; removed 0 while delegated */
} cg_tld_row;

#include "tld_table.inc"

/* label (len octets, any case) against a lower-case row: <0, 0, >0 */
static int cmp_label(const uint8_t *label, size_t len, const char *row)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t c = label[i] >= 'A' && label[i] <= 'Z' ? (uint8_t)(label[i] + 32) : label[i];
        uint8_t r = (uint8_t)row[i];
        if (r == 0 || c != r)
            return r == 0 ? 1 : (int)c - (int)r;
    }
    return row[len] == 0 ? 0 : -1;
}

cg_tld_state cg_tld_at(const uint8_t *label, size_t len, uint32_t ymd, uint32_t *date)
{
    size_t lo = 0, hi = sizeof(cg_tld_rows) / sizeof(cg_tld_rows[0]);
    *date = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_label(label, len, cg_tld_rows[mid].label);
        if (c == 0) {
            const cg_tld_row *r = &cg_tld_rows[mid];
            if (ymd < r->delegated) {
                *date = r->delegated;
                return CG_TLD_NOT_YET;
            }
            if (r->removed != 0 && ymd >= r->removed) {
                *date = r->removed;
                return CG_TLD_REMOVED;
            }
            return CG_TLD_DELEGATED;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return CG_TLD_UNKNOWN;
}

uint32_t cg_tld_snapshot(void)
{
    return CG_TLD_SNAPSHOT;
}

int cg_tld_row_at(size_t i, const char **label, uint32_t *delegated, uint32_t *removed)
{
    if (i >= sizeof(cg_tld_rows) / sizeof(cg_tld_rows[0]))
        return 0;
    *label = cg_tld_rows[i].label;
    *delegated = cg_tld_rows[i].delegated;
    *removed = cg_tld_rows[i].removed;
    return 1;
}
