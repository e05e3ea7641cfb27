/* The dated TLD table (rules/tld.h): tld_table.inc is generated at build
 * time from data/tld/tlds.tsv (tools/tld/tld_table.cmake), its rows in byte
 * order for a binary search within the rows of the label's first two
 * characters (a few rows, most often: the profile looks up every dNSName's
 * and every AIA and CRL distribution point host's TLD). */
#include "rules/tld.h"

typedef struct cg_tld_row {
    const char *label; /* lower case */
    uint32_t delegated, removed; /* YYYYMMDD; removed 0 while delegated */
} cg_tld_row;

#include "tld_table.inc"

/* strcmp's order, written out: most rows differ from the label in their
 * first or second octet, and the library call costs more than that */
static int label_cmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

cg_tld_state cg_tld_at(const uint8_t *label, size_t len, uint32_t ymd, uint32_t *date)
{
    char low[64]; /* the label in lower case, once: a TLD is one label */
    *date = 0;
    if (len == 0 || len >= sizeof(low))
        return CG_TLD_UNKNOWN;
    for (size_t i = 0; i < len; i++) {
        if (label[i] == 0)
            return CG_TLD_UNKNOWN;
        low[i] = (char)(label[i] >= 'A' && label[i] <= 'Z' ? label[i] + 32 : label[i]);
    }
    low[len] = '\0';
    /* the search starts within the rows of the label's first two
     * characters (the first 0-9 a-z, the second - 0-9 a-z, as the
     * generator numbers them); every TLD has two characters or more */
    int first = low[0] >= '0' && low[0] <= '9'   ? low[0] - '0'
                : low[0] >= 'a' && low[0] <= 'z' ? low[0] - 'a' + 10
                                                 : -1;
    int second = low[1] == '-'                    ? 0
                 : low[1] >= '0' && low[1] <= '9' ? low[1] - '0' + 1
                 : low[1] >= 'a' && low[1] <= 'z' ? low[1] - 'a' + 11
                                                  : -1;
    if (len < 2 || first < 0 || second < 0)
        return CG_TLD_UNKNOWN;
    size_t lo = cg_tld_spans[first * 37 + second][0], hi = cg_tld_spans[first * 37 + second][1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        /* the span's rows share the label's first two characters */
        int c = label_cmp(low + 2, cg_tld_rows[mid].label + 2);
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
