/* incident.report_inconsistent: a report (caguard's draft, or the report as
 * the CA filed it) against what the store knows of the incident. The report
 * is read as the draft writes it and as CAs keep it: the Impact's "Total
 * number of certificates:" field, and the Appendix's rows, one a line, each
 * naming "serial HEX" and optionally "revoked: WORD". Pure: findings to a
 * cg_ctx. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "incident/report.h"
#include "util/time.h"

#define MAX_SERIAL 130 /* 64 octets of hex, and a NUL */

/* The serial's hex, lowercase, without ':' or leading zeros ("0" when
 * all zeros): how the report and the store are compared. */
static void norm_serial(const char *p, size_t n, char out[MAX_SERIAL])
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < MAX_SERIAL; i++) {
        if (p[i] == ':')
            continue;
        if (o == 0 && p[i] == '0')
            continue;
        out[o++] = (char)tolower((unsigned char)p[i]);
    }
    if (o == 0)
        out[o++] = '0';
    out[o] = '\0';
}

static const char *find_in(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++) {
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

typedef struct {
    cg_ctx *ctx;
    const cg_objref *obj;
    const cg_incident *inc;
    int64_t at;
    int n;
} check;

static void total_count(check *c, const char *md, const char *end, size_t n_units)
{
    const char *f = find_in(md, end, "Total number of certificates:");
    if (f == NULL)
        return; /* the lint says it is missing */
    f += strlen("Total number of certificates:");
    while (f < end && (*f == '*' || *f == ' ' || *f == '\t'))
        f++;
    if (f == end || !isdigit((unsigned char)*f))
        return; /* a fill-in marker or words: the lint's business */
    unsigned long long v = 0;
    for (; f < end && isdigit((unsigned char)*f) && v < 1000000000ull; f++)
        v = v * 10 + (unsigned)(*f - '0');
    if (v != n_units) {
        cg_report_incident(c->ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, c->obj, c->inc->id,
                           "the report's Total number of certificates is %llu; incident %lld has "
                           "%zu (by issuer and serial, a precertificate and its certificate "
                           "one)",
                           v, (long long)c->inc->id, n_units);
        c->n++;
    }
}

/* The Appendix: from its heading to the next heading. */
static int appendix(const char *md, const char *end, const char **a, const char **b)
{
    for (const char *p = md; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        const char *t = p;
        while (t < le && *t == '#')
            t++;
        if (t > p && t < le && *t == ' ' && le - t >= 9 && strncasecmp(t + 1, "Appendix", 8) == 0) {
            *a = le;
            for (p = le; p < end;) {
                const char *e2 = memchr(p, '\n', (size_t)(end - p));
                if (*p == '#')
                    break;
                p = e2 != NULL ? e2 + 1 : end;
            }
            *b = p;
            return 1;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return 0;
}

int cg_incident_report_consistency(const char *md, size_t len, const cg_incident *inc,
                                   int64_t at, cg_ctx *ctx, const cg_objref *obj)
{
    const char *end = md + len, *a, *b;
    cg_incident_unit *units = NULL;
    size_t n_units = 0, listed_any = 0;
    char(*serials)[MAX_SERIAL] = NULL;
    unsigned char *listed = NULL;
    check c = {ctx, obj, inc, at, 0};
    if (!cg_incident_units(inc, &units, &n_units))
        return -1;
    serials = calloc(n_units + 1, sizeof(*serials));
    listed = calloc(n_units + 1, 1);
    if (serials == NULL || listed == NULL) {
        c.n = -1;
        goto out;
    }
    for (size_t i = 0; i < n_units; i++) {
        const char *h = cg_incident_unit_main(&units[i])->serial_hex;
        norm_serial(h != NULL ? h : "", h != NULL ? strlen(h) : 0, serials[i]);
    }
    total_count(&c, md, end, n_units);
    if (!appendix(md, end, &a, &b))
        goto out;
    for (const char *p = a; p < b;) {
        const char *eol = memchr(p, '\n', (size_t)(b - p));
        const char *le = eol != NULL ? eol : b;
        const char *s = find_in(p, le, "serial ");
        p = eol != NULL ? eol + 1 : b;
        if (s == NULL)
            continue;
        s += 7;
        const char *e = s;
        while (e < le && (isxdigit((unsigned char)*e) || *e == ':'))
            e++;
        if (e == s)
            continue;
        char got[MAX_SERIAL];
        norm_serial(s, (size_t)(e - s), got);
        listed_any++;
        size_t k = 0;
        while (k < n_units && strcmp(serials[k], got) != 0)
            k++;
        if (k == n_units) {
            cg_report_incident(ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, obj, inc->id,
                               "the appendix names serial %s, which is none of incident %lld's "
                               "certificates",
                               got, (long long)inc->id);
            c.n++;
            continue;
        }
        listed[k] = 1;
        const char *r = find_in(e, le, "revoked: ");
        if (r == NULL)
            continue;
        r += 9;
        const char *re = r;
        while (re < le && (isalpha((unsigned char)*re) || *re == '/'))
            re++;
        const char *want = cg_incident_unit_revoked_word(inc, &units[k], at);
        if ((size_t)(re - r) != strlen(want) || strncasecmp(r, want, strlen(want)) != 0) {
            char when[32];
            cg_time_format(at, when, sizeof(when));
            cg_report_incident(ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, obj, inc->id,
                               "the appendix says serial %s is revoked: %.*s; at %s the CRLs "
                               "caguard saw say %s",
                               got, (int)(re - r < 32 ? re - r : 32), r, when, want);
            c.n++;
        }
    }
    for (size_t k = 0; listed_any > 0 && k < n_units; k++) {
        if (listed[k])
            continue;
        cg_report_incident(ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, obj, inc->id,
                           "serial %s of incident %lld is not in the appendix", serials[k],
                           (long long)inc->id);
        c.n++;
    }
out:
    free(units);
    free(serials);
    free(listed);
    return c.n;
}
