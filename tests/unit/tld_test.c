/* The dated TLD table (rules/tld.h): the compiled rows are data/tld/tlds.tsv
 * line for line, in the byte order the lookup's binary search needs, and
 * the lookup gives each state on the dates around a row's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/tld.h"
#include "testutil.h"

static uint32_t ymd(const char *s) /* YYYY-MM-DD, or 0 for "" */
{
    if (s[0] == '\0')
        return 0;
    return (uint32_t)(atoi(s) * 10000 + atoi(s + 5) * 100 + atoi(s + 8));
}

/* Every row as the file has it, in its order; the snapshot date too. */
static void test_rows_are_the_data(void)
{
    size_t len = 0, i = 0;
    uint8_t *buf = cg_test_read(CG_SOURCE_DIR "/data/tld/tlds.tsv", &len);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    char *save = NULL, *snapshot = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# snapshot\t", 11) == 0)
            snapshot = line + 11;
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t'), *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
        CHECK(t1 != NULL && t2 != NULL);
        if (t1 == NULL || t2 == NULL)
            break;
        *t1 = *t2 = '\0';
        const char *label;
        uint32_t d, r;
        CHECK(cg_tld_row_at(i, &label, &d, &r));
        CHECK(strcmp(label, line) == 0 && d == ymd(t1 + 1) && r == ymd(t2 + 1));
        if (i > 0) {
            const char *prev;
            uint32_t pd, pr;
            cg_tld_row_at(i - 1, &prev, &pd, &pr);
            CHECK(strcmp(prev, label) < 0); /* byte order, no repeats */
        }
        CHECK(r == 0 || r >= d);
        i++;
    }
    const char *label;
    uint32_t d, r;
    CHECK(i >= 1000 && !cg_tld_row_at(i, &label, &d, &r));
    CHECK(snapshot != NULL && cg_tld_snapshot() == ymd(snapshot));
    free(text);
    free(buf);
}

static cg_tld_state at(const char *tld, uint32_t day, uint32_t *date)
{
    return cg_tld_at((const uint8_t *)tld, strlen(tld), day, date);
}

static void test_lookup(void)
{
    uint32_t date;
    /* a legacy TLD and a ccTLD, in any case */
    CHECK(at("com", 20000101, &date) == CG_TLD_DELEGATED);
    CHECK(at("COM", 20000101, &date) == CG_TLD_DELEGATED);
    CHECK(at("uK", 20200101, &date) == CG_TLD_DELEGATED);
    CHECK(at("xn--p1ai", 20200101, &date) == CG_TLD_DELEGATED);
    /* .mcdonalds: delegated 2016-08-08, removed 2017-08-31 */
    CHECK(at("mcdonalds", 20160807, &date) == CG_TLD_NOT_YET && date == 20160808);
    CHECK(at("mcdonalds", 20160808, &date) == CG_TLD_DELEGATED);
    CHECK(at("mcdonalds", 20170830, &date) == CG_TLD_DELEGATED);
    CHECK(at("mcdonalds", 20170831, &date) == CG_TLD_REMOVED && date == 20170831);
    /* never delegated; a prefix or extension of a TLD is not that TLD */
    CHECK(at("ukei", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("co", 20200101, &date) == CG_TLD_DELEGATED);
    CHECK(at("comm", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("test", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("local", 20200101, &date) == CG_TLD_UNKNOWN);
    /* the first and the last row are found (the search's ends) */
    const char *first, *last = NULL, *label;
    uint32_t d, r;
    CHECK(cg_tld_row_at(0, &first, &d, &r));
    for (size_t i = 0; cg_tld_row_at(i, &label, &d, &r); i++)
        last = label;
    CHECK(at(first, 20260101, &date) != CG_TLD_UNKNOWN);
    CHECK(last != NULL && at(last, 20260101, &date) != CG_TLD_UNKNOWN);
    /* every row is found on its delegation day, in upper case too */
    size_t rows = 0, found = 0;
    for (size_t i = 0; cg_tld_row_at(i, &label, &d, &r); i++) {
        char up[64];
        size_t n = strlen(label);
        rows++;
        if (n >= sizeof(up))
            continue;
        for (size_t k = 0; k <= n; k++)
            up[k] = (char)(label[k] >= 'a' && label[k] <= 'z' ? label[k] - 32 : label[k]);
        found += at(label, d, &date) == CG_TLD_DELEGATED && at(up, d, &date) == CG_TLD_DELEGATED;
    }
    CHECK(rows >= 1000 && found == rows);
    /* the search starts within the rows of the first two characters: a
     * row's label cut by one character, longer by one, or with another
     * second character is found exactly when it is a row itself (by a
     * linear scan); one character or a second character no TLD has is no
     * TLD */
    size_t tried = 0, agree = 0;
    for (size_t i = 0; cg_tld_row_at(i, &label, &d, &r); i++) {
        char v[66];
        size_t n = strlen(label);
        if (n + 2 > sizeof(v))
            continue;
        const char *tails[] = {NULL, "a", "-", "0", "z", "", "", "", "", ""};
        const char seconds[] = "-09az";
        for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
            memcpy(v, label, n + 1);
            if (tails[t] == NULL)
                v[n - 1] = '\0';
            else if (tails[t][0] == '\0')
                v[1] = seconds[t - 5];
            else
                strcat(v, tails[t]);
            int row = 0;
            const char *other;
            for (size_t j = 0; !row && cg_tld_row_at(j, &other, &d, &r); j++)
                row = strcmp(other, v) == 0;
            tried++;
            agree += (at(v, 20260101, &date) != CG_TLD_UNKNOWN) == row;
        }
    }
    CHECK(tried >= 10000 && agree == tried);
    CHECK(at("c", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("Z", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("c_m", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("c.m", 20200101, &date) == CG_TLD_UNKNOWN);
    CHECK(at("-com", 20200101, &date) == CG_TLD_UNKNOWN);
}

int main(void)
{
    test_rows_are_the_data();
    test_lookup();
    return cg_test_done();
}
