/* incident.report_inconsistent: a report (caguard's draft, or the report as
 * the CA filed it) against what the store knows of the incident. The report
 * is read as the draft writes it and as CAs keep it: the Impact's "Total
 * number of certificates:" field, and the Appendix's rows, one a line, each
 * naming "serial HEX" and optionally "revoked: WORD" and, after "revoked"
 * or "revocation", a revocation date and an RFC 5280 reason name; and the
 * CCADB's Appendix CSV (its header line, then one record a certificate:
 * "Serial #", "Is revoked?", "Revocation date", "Revocation reason"), in the
 * Appendix or as the whole file. Dates and reasons are held against the
 * CRL entry caguard saw: a written day within one day of the entry's
 * revocationDate (the template allows "UTC+local offset"), a written time
 * within an hour; the reason the entry's reasonCode (none: unspecified).
 * Pure: findings to a cg_ctx. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "incident/kinds.h"
#include "incident/report.h"
#include "rules/crl_util.h"
#include "util/time.h"

#define MAX_SERIAL 130 /* 64 octets of hex, and a NUL */
#define DATE_SLACK_DAYS 1
#define TIME_SLACK (60 * 60)
/* The template's header, as the CCADB gives it: its first fields. */
static const char csv_header[] = "Precertificate SHA-256 hash,Certificate SHA-256 hash,";

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
    const cg_incident_unit *units;
    size_t n_units, listed_any;
    char (*serials)[MAX_SERIAL];
    unsigned char *listed;
} check;

/* One appendix row as written: its serial and, each when given, its "Is
 * revoked?" word, revocation date and reason. */
typedef struct {
    const char *serial, *word, *date, *reason;
    size_t serial_len, word_len, date_len, reason_len;
} row;

static int ci_at(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0;
}

static const char *find_ci(const char *p, const char *end, const char *word)
{
    for (; p < end; p++) {
        if (ci_at(p, end, word))
            return p;
    }
    return NULL;
}

static int digits(const char *p, const char *end, size_t n, unsigned *v)
{
    if ((size_t)(end - p) < n)
        return 0;
    return cg_time_digits((const uint8_t *)p, n, v);
}

/* A date as reports write it: YYYY-MM-DD, then optionally [T ]HH:MM[:SS]
 * [.fraction] and Z, " UTC" or +HH:MM/-HH:MM (no zone: UTC). Returns the
 * length read (0: not a date), *t its time and *day_only. */
static size_t read_date(const char *p, const char *end, int64_t *t, int *day_only)
{
    unsigned y, mo, d, h, mi, sec = 0, oh, om;
    const char *q;
    if (!digits(p, end, 4, &y) || end - p < 10 || p[4] != '-' || !digits(p + 5, end, 2, &mo) ||
        p[7] != '-' || !digits(p + 8, end, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
        (int)d > cg_days_in_month(y, mo))
        return 0;
    q = p + 10;
    *t = cg_days_from_civil(y, mo, d) * 86400;
    *day_only = 1;
    if (end - q < 6 || (*q != 'T' && *q != ' ') || !digits(q + 1, end, 2, &h) || q[3] != ':' ||
        !digits(q + 4, end, 2, &mi) || h > 23 || mi > 59)
        return (size_t)(q - p);
    q += 6;
    if (end - q >= 3 && *q == ':' && digits(q + 1, end, 2, &sec) && sec <= 60)
        q += 3;
    if (q < end && *q == '.') {
        q++;
        while (q < end && isdigit((unsigned char)*q))
            q++;
    }
    *t += (int64_t)h * 3600 + mi * 60 + sec;
    *day_only = 0;
    if (q < end && *q == 'Z') {
        q++;
    } else if (ci_at(q, end, " UTC")) {
        q += 4;
    } else if (end - q >= 6 && (*q == '+' || *q == '-') && digits(q + 1, end, 2, &oh) &&
               q[3] == ':' && digits(q + 4, end, 2, &om) && oh < 24 && om < 60) {
        int64_t off = (int64_t)oh * 3600 + om * 60;
        *t += *q == '+' ? -off : off;
        q += 6;
    }
    return (size_t)(q - p);
}

/* The first date in [p, end). */
static const char *find_date(const char *p, const char *end, size_t *len)
{
    int64_t t;
    int day_only;
    for (; p < end; p++) {
        if (isdigit((unsigned char)*p) && (*len = read_date(p, end, &t, &day_only)) > 0)
            return p;
    }
    return NULL;
}

/* An RFC 5280 CRLReason name at p, as written ("keyCompromise", "Key
 * Compromise", "key_compromise"): its code and length, or 0. */
static size_t read_reason(const char *p, const char *end, unsigned *code)
{
    if (p < end && !isalpha((unsigned char)*p))
        return 0;
    for (unsigned c = 0; c <= 10; c++) {
        const char *name = cg_crl_reason_name(c), *q = p;
        size_t i = 0;
        for (; name != NULL && name[i] != '\0' && q < end; i++) {
            if ((*q == ' ' || *q == '_' || *q == '-') && isupper((unsigned char)name[i]))
                q++;
            if (q == end || tolower((unsigned char)*q) != tolower((unsigned char)name[i]))
                break;
            q++;
        }
        if (name != NULL && name[i] == '\0' && (q == end || !isalnum((unsigned char)*q))) {
            *code = c;
            return (size_t)(q - p);
        }
    }
    return 0;
}

static const char *find_reason(const char *p, const char *end, size_t *len)
{
    unsigned code;
    for (const char *q = p; q < end; q++) {
        if ((q == p || !isalnum((unsigned char)q[-1])) && (*len = read_reason(q, end, &code)) > 0)
            return q;
    }
    return NULL;
}

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

/* The row against the incident: its serial one of the incident's, its word,
 * date and reason what the CRLs caguard saw say. */
static void check_row(check *c, const row *r, const char *where)
{
    char got[MAX_SERIAL], when[32], seen[32];
    norm_serial(r->serial, r->serial_len, got);
    c->listed_any++;
    size_t k = 0;
    while (k < c->n_units && strcmp(c->serials[k], got) != 0)
        k++;
    if (k == c->n_units) {
        cg_report_incident(c->ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, c->obj, c->inc->id,
                           "the %s names serial %s, which is none of incident %lld's "
                           "certificates",
                           where, got, (long long)c->inc->id);
        c->n++;
        return;
    }
    c->listed[k] = 1;
    const cg_incident_unit *u = &c->units[k];
    const char *want = cg_incident_unit_revoked_word(c->inc, u, c->at);
    cg_time_format(c->at, when, sizeof(when));
    if (r->word != NULL && (r->word_len != strlen(want) ||
                            strncasecmp(r->word, want, r->word_len) != 0)) {
        cg_report_incident(c->ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, c->obj, c->inc->id,
                           "the %s says serial %s is revoked: %.*s; at %s the CRLs caguard saw "
                           "say %s",
                           where, got, (int)(r->word_len < 32 ? r->word_len : 32), r->word, when,
                           want);
        c->n++;
        return;
    }
    const cg_incident_cert *rev = cg_incident_unit_revoked(u, c->at);
    if (rev == NULL)
        return; /* a planned date, or the word said it */
    cg_time_format(rev->revocation_date, when, sizeof(when));
    if (rev->published_at != 0)
        cg_time_format(rev->published_at, seen, sizeof(seen));
    else
        snprintf(seen, sizeof(seen), "unknown");
    int64_t t;
    int day_only;
    if (r->date != NULL && read_date(r->date, r->date + r->date_len, &t, &day_only) > 0) {
        int64_t diff = day_only ? (int64_t)(t / 86400) - rev->revocation_date / 86400
                                : t - rev->revocation_date;
        if (diff < 0)
            diff = -diff;
        if (diff > (day_only ? DATE_SLACK_DAYS : TIME_SLACK)) {
            cg_report_incident(c->ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, c->obj, c->inc->id,
                               "the %s says serial %s was revoked %.*s; its CRL entry's "
                               "revocationDate is %s (first seen on a CRL %s)",
                               where, got, (int)r->date_len, r->date, when, seen);
            c->n++;
        }
    }
    unsigned code;
    if (r->reason != NULL && read_reason(r->reason, r->reason + r->reason_len, &code) > 0) {
        unsigned have = rev->reason == CG_REASON_OMITTED ? 0u : (unsigned)rev->reason;
        if (code != have) {
            char desc[64];
            cg_incident_reason_describe(rev->reason, desc, sizeof(desc));
            cg_report_incident(c->ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, c->obj, c->inc->id,
                               "the %s says serial %s was revoked for %s; its CRL entry has %s",
                               where, got, cg_crl_reason_name(code), desc);
            c->n++;
        }
    }
}

/* A Markdown row: "serial HEX" somewhere, then optionally "revoked: WORD",
 * and after "revoked" or "revocation" a date and a reason name. */
static void md_row(check *c, const char *p, const char *le)
{
    row r;
    const char *s = find_in(p, le, "serial ");
    memset(&r, 0, sizeof(r));
    if (s == NULL)
        return;
    s += 7;
    const char *e = s;
    while (e < le && (isxdigit((unsigned char)*e) || *e == ':'))
        e++;
    if (e == s)
        return;
    r.serial = s;
    r.serial_len = (size_t)(e - s);
    const char *w = find_in(e, le, "revoked: ");
    if (w != NULL) {
        const char *we = w += 9;
        while (we < le && (isalpha((unsigned char)*we) || *we == '/'))
            we++;
        r.word = w;
        r.word_len = (size_t)(we - w);
    }
    const char *rv = find_ci(e, le, "revoked");
    const char *rn = find_ci(e, le, "revocation");
    if (rv == NULL || (rn != NULL && rn < rv))
        rv = rn;
    if (rv != NULL) {
        r.date = find_date(rv, le, &r.date_len);
        r.reason = find_reason(rv, le, &r.reason_len);
    }
    check_row(c, &r, "appendix");
}

/* One CSV field from *p (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks). Sets *f and *flen to its text (inside the quotes,
 * doubled quotes left as they are: no field compared here holds one) and
 * *p past its comma; *eor when the record ended after it. */
static void csv_field(const char **p, const char *end, const char **f, size_t *flen, int *eor)
{
    const char *q = *p;
    *eor = 0;
    if (q < end && *q == '"') {
        *f = ++q;
        while (q < end && !(*q == '"' && (q + 1 == end || q[1] != '"')))
            q += *q == '"' ? 2 : 1;
        *flen = (size_t)(q - *f);
        if (q < end)
            q++;
        while (q < end && *q != ',' && *q != '\n')
            q++;
    } else {
        *f = q;
        while (q < end && *q != ',' && *q != '\n')
            q++;
        *flen = (size_t)(q - *f);
        if (*flen > 0 && (*f)[*flen - 1] == '\r')
            (*flen)--;
    }
    if (q == end || *q == '\n')
        *eor = 1;
    *p = q < end ? q + 1 : end;
}

static int trimmed_is(const char *f, size_t n, const char *name)
{
    while (n > 0 && (*f == ' ' || *f == '\t'))
        f++, n--;
    while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
        n--;
    return n == strlen(name) && strncasecmp(f, name, n) == 0;
}

/* The CCADB Appendix CSV from its header at p: the columns found by name,
 * then a record a line until a blank line, a code fence or the end.
 * Returns where it ended. */
static const char *csv_block(check *c, const char *p, const char *end)
{
    enum { SERIAL, WORD, DATE, REASON, NCOL };
    static const char *const names[NCOL] = {"Serial #", "Is revoked?", "Revocation date",
                                            "Revocation reason"};
    int col[NCOL] = {-1, -1, -1, -1}, eor = 0;
    for (int i = 0; !eor && i < 64; i++) {
        const char *f;
        size_t n;
        csv_field(&p, end, &f, &n, &eor);
        for (int k = 0; k < NCOL; k++) {
            if (col[k] < 0 && trimmed_is(f, n, names[k]))
                col[k] = i;
        }
    }
    while (!eor && p < end) /* a header of more than 64 fields: the rest skipped */
        csv_field(&p, end, &(const char *){NULL}, &(size_t){0}, &eor);
    if (col[SERIAL] < 0)
        return p;
    while (p < end && *p != '\n' && *p != '\r' && *p != '`' && *p != '#') {
        const char *at[NCOL] = {NULL};
        size_t len[NCOL] = {0};
        eor = 0;
        for (int i = 0; !eor; i++) {
            const char *f;
            size_t n;
            csv_field(&p, end, &f, &n, &eor);
            for (int k = 0; k < NCOL; k++) {
                if (col[k] == i) {
                    at[k] = f;
                    len[k] = n;
                }
            }
        }
        row r;
        memset(&r, 0, sizeof(r));
        const char *s = at[SERIAL], *se = s != NULL ? s + len[SERIAL] : NULL;
        while (s != NULL && s < se && *s == ' ')
            s++;
        if (s != NULL && ci_at(s, se, "0x"))
            s += 2;
        const char *e = s;
        while (e != NULL && e < se && (isxdigit((unsigned char)*e) || *e == ':'))
            e++;
        if (e == s)
            continue;
        r.serial = s;
        r.serial_len = (size_t)(e - s);
        if (at[WORD] != NULL) {
            r.word = at[WORD];
            r.word_len = len[WORD];
            while (r.word_len > 0 && *r.word == ' ')
                r.word++, r.word_len--;
            while (r.word_len > 0 && r.word[r.word_len - 1] == ' ')
                r.word_len--;
        }
        if (at[DATE] != NULL)
            r.date = find_date(at[DATE], at[DATE] + len[DATE], &r.date_len);
        if (at[REASON] != NULL)
            r.reason = find_reason(at[REASON], at[REASON] + len[REASON], &r.reason_len);
        check_row(c, &r, "Appendix CSV");
    }
    return p;
}

int cg_incident_appendix_csv_is(const char *text, size_t len)
{
    size_t n = strlen(csv_header);
    return len >= n && strncasecmp(text, csv_header, n) == 0;
}

int cg_incident_report_consistency(const char *md, size_t len, const cg_incident *inc,
                                   int64_t at, cg_ctx *ctx, const cg_objref *obj)
{
    const char *end = md + len, *a, *b;
    cg_incident_unit *units = NULL;
    size_t n_units = 0;
    check c = {.ctx = ctx, .obj = obj, .inc = inc, .at = at};
    if (!cg_incident_units(inc, &units, &n_units))
        return -1;
    c.units = units;
    c.n_units = n_units;
    c.serials = calloc(n_units + 1, sizeof(*c.serials));
    c.listed = calloc(n_units + 1, 1);
    if (c.serials == NULL || c.listed == NULL) {
        c.n = -1;
        goto out;
    }
    for (size_t i = 0; i < n_units; i++) {
        const char *h = cg_incident_unit_main(&units[i])->serial_hex;
        norm_serial(h != NULL ? h : "", h != NULL ? strlen(h) : 0, c.serials[i]);
    }
    if (cg_incident_appendix_csv_is(md, len)) {
        /* the attached CSV alone */
        csv_block(&c, md, end);
    } else {
        total_count(&c, md, end, n_units);
        if (!appendix(md, end, &a, &b))
            goto out;
        for (const char *p = a; p < b;) {
            const char *eol = memchr(p, '\n', (size_t)(b - p));
            const char *le = eol != NULL ? eol : b;
            if (cg_incident_appendix_csv_is(p, (size_t)(b - p))) {
                p = csv_block(&c, p, b);
                continue;
            }
            md_row(&c, p, le);
            p = eol != NULL ? eol + 1 : b;
        }
    }
    for (size_t k = 0; c.listed_any > 0 && k < n_units; k++) {
        if (c.listed[k])
            continue;
        cg_report_incident(ctx, CG_R_INCIDENT_REPORT_INCONSISTENT, obj, inc->id,
                           "serial %s of incident %lld is not in the appendix", c.serials[k],
                           (long long)inc->id);
        c.n++;
    }
out:
    free(units);
    free(c.serials);
    free(c.listed);
    return c.n;
}
