/* incident.report_incomplete: a report a person edited, held against the
 * template table (template.c). Markdown is read line by line: ATX headings
 * ("## Title") delimit reports and sections, "- **Field:** value" lines are
 * fields (the value may continue on the lines below), a "|" line starts a
 * table, a bold "**Contributing Factor N: title**" line starts a factor of
 * the Root Cause Analysis. Lines inside ``` or ~~~ fences are text, never
 * structure. The same reading gives a closure draft the facts of the
 * posted Full Incident Report (cg_report_read_facts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/report.h"
#include "incident/template.h"
#include "util/errf.h"

typedef struct {
    const char *p;
    size_t n;
    int level; /* ATX heading level, 0 for any other line */
} line;

typedef struct {
    line *v;
    size_t n;
} doc;

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int split(const char *md, size_t len, doc *d)
{
    size_t cap = 1, n = 0, fence = 0;
    for (size_t i = 0; i < len; i++)
        cap += md[i] == '\n';
    d->v = calloc(cap, sizeof(*d->v));
    if (d->v == NULL)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && md[j] != '\n')
            j++;
        line *l = &d->v[n++];
        l->p = md + i;
        l->n = j - i;
        if (l->n > 0 && l->p[l->n - 1] == '\r')
            l->n--;
        size_t k = 0;
        while (k < l->n && k < 3 && l->p[k] == ' ')
            k++;
        if (l->n - k >= 3 && (memcmp(l->p + k, "```", 3) == 0 || memcmp(l->p + k, "~~~", 3) == 0))
            fence = !fence;
        else if (!fence && k < l->n && l->p[k] == '#') {
            size_t h = 0;
            while (k + h < l->n && l->p[k + h] == '#')
                h++;
            if (h <= 6 && (k + h == l->n || is_space(l->p[k + h])))
                l->level = (int)h;
        }
        i = j + 1;
    }
    d->n = n;
    return 1;
}

/* Lowercase, curly quotes straight, whitespace runs to one space, and the
 * decoration people put around names (#, *, _, :, spaces) trimmed. */
static void normalize(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    while (n > 0 && strchr(" \t#*_:", s[0]) != NULL) {
        s++;
        n--;
    }
    while (n > 0 && strchr(" \t#*_:", s[n - 1]) != NULL)
        n--;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
            unsigned char c2 = (unsigned char)s[i + 2];
            if (c2 == 0x98 || c2 == 0x99 || c2 == 0x9c || c2 == 0x9d) {
                out[o++] = c2 <= 0x99 ? '\'' : '"';
                i += 2;
                continue;
            }
        }
        if (is_space((char)c)) {
            if (o > 0 && out[o - 1] != ' ')
                out[o++] = ' ';
            continue;
        }
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
}

static int name_eq(const char *s, size_t n, const char *name)
{
    char a[256], b[256];
    normalize(s, n, a, sizeof(a));
    normalize(name, strlen(name), b, sizeof(b));
    return strcmp(a, b) == 0;
}

static int blank(const line *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!is_space(l->p[i]))
            return 0;
    }
    return 1;
}

/* The heading in [from, to) with this title, or to. */
static size_t find_heading(const doc *d, size_t from, size_t to, const char *title)
{
    for (size_t i = from; i < to; i++) {
        if (d->v[i].level > 0 && name_eq(d->v[i].p, d->v[i].n, title))
            return i;
    }
    return to;
}

/* A "- **Name:** value" line: 1, with the name and the rest of the line. */
static int field_line(const line *l, const char **name, size_t *name_n, const char **rest,
                      size_t *rest_n)
{
    size_t i = 0, n = l->n;
    const char *p = l->p;
    if (l->level > 0)
        return 0;
    while (i < n && is_space(p[i]))
        i++;
    if (i + 1 < n && strchr("-*+", p[i]) != NULL && is_space(p[i + 1]))
        i += 2;
    while (i < n && is_space(p[i]))
        i++;
    if (i + 2 > n || p[i] != '*' || p[i + 1] != '*')
        return 0;
    i += 2;
    size_t start = i;
    while (i + 1 < n && !(p[i] == '*' && p[i + 1] == '*'))
        i++;
    if (i + 1 >= n)
        return 0;
    *name = p + start;
    *name_n = i - start;
    i += 2;
    while (i < n && (p[i] == ':' || is_space(p[i])))
        i++;
    *rest = p + i;
    *rest_n = n - i;
    return 1;
}

static int table_line(const line *l)
{
    size_t i = 0;
    while (i < l->n && is_space(l->p[i]))
        i++;
    return l->level == 0 && i < l->n && l->p[i] == '|';
}

static int isalnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The end of the value of the field on line at: its value is the rest of
 * its line and the lines below it up to the next field, table or heading. */
static size_t field_end(const doc *d, size_t at, size_t to)
{
    const char *name, *rest;
    size_t name_n, rest_n, i = at + 1;
    while (i < to && d->v[i].level == 0 && !field_line(&d->v[i], &name, &name_n, &rest, &rest_n) &&
           !table_line(&d->v[i]))
        i++;
    return i;
}

static int contains(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0)
            return 1;
    }
    return 0;
}

/* "N/A", "n/a", "N/A." or "N/A (...)": not applicable. */
static int is_na(const char *p, size_t n)
{
    while (n > 0 && is_space(*p)) {
        p++;
        n--;
    }
    if (n < 3 || !((p[0] == 'N' || p[0] == 'n') && p[1] == '/' && (p[2] == 'A' || p[2] == 'a')))
        return 0;
    return n == 3 || strchr(" \t.(;,", p[3]) != NULL;
}

typedef enum { V_FILLED, V_EMPTY, V_NA, V_MARKER } value_state;

/* The state of a value spread over lines [from, to), the first starting at
 * first/first_n (the rest of a field line) or, when first is NULL, at the
 * line from. */
static value_state value_of(const doc *d, const char *first, size_t first_n, size_t from,
                            size_t to)
{
    int any = 0, na = 0, other = 0;
    for (size_t i = from; i < to; i++) {
        const char *p = d->v[i].p;
        size_t n = d->v[i].n;
        if (i == from && first != NULL) {
            p = first;
            n = first_n;
        }
        line l = {p, n, 0};
        if (blank(&l))
            continue;
        if (contains(p, n, CG_REPORT_FILL_MARKER))
            return V_MARKER;
        any = 1;
        /* "- N/A" list items count as N/A too */
        size_t k = 0;
        while (k < n && (is_space(p[k]) || p[k] == '-' || p[k] == '*'))
            k++;
        if (is_na(p + k, n - k))
            na = 1;
        else
            other = 1;
    }
    if (!any)
        return V_EMPTY;
    return na && !other ? V_NA : V_FILLED;
}

typedef struct {
    cg_ctx *ctx;
    const cg_objref *obj;
    int count;
} lint;

static void incomplete(lint *li, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void incomplete(lint *li, const char *fmt, ...)
{
    char msg[512];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    li->count++;
    if (li->ctx != NULL)
        cg_report(li->ctx, CG_R_INCIDENT_REPORT_INCOMPLETE, li->obj, "%s", msg);
}

/* Says what is wrong with a value in the state st (nothing when filled, or
 * N/A where N/A is an answer). where: "Full Incident Report, Impact: field
 * 'Analysis'". */
static void judge_value(lint *li, value_state st, int na_ok, const char *where)
{
    switch (st) {
    case V_EMPTY:
        incomplete(li, "%s is empty (write N/A when it does not apply)", where);
        break;
    case V_MARKER:
        incomplete(li, "%s still has caguard's fill-in marker (%s ...]])", where,
                   CG_REPORT_FILL_MARKER);
        break;
    case V_NA:
        if (!na_ok)
            incomplete(li, "%s is N/A, but the template requires content there", where);
        break;
    default:
        break;
    }
}

/* The first n bytes of s, trimmed, as a C string in buf. */
static void trimmed(const char *s, size_t n, char *buf, size_t cap)
{
    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

static int starts_with_choice(const char *s, size_t n, const char *const *choices, size_t k)
{
    char v[128], c[64];
    trimmed(s, n, v, sizeof(v));
    normalize(v, strlen(v), v, sizeof(v));
    for (size_t i = 0; i < k; i++) {
        normalize(choices[i], strlen(choices[i]), c, sizeof(c));
        if (strncmp(v, c, strlen(c)) == 0)
            return 1;
    }
    return 0;
}

static const char *const source_choices[] = {"Self Reported", "Third Party Reported", "Audit"};

/* The checks of one field's value beyond being filled. */
static void check_value_form(lint *li, const char *where, cg_tfield_id id, const char *p, size_t n)
{
    if (id == CG_TF_SOURCE && !starts_with_choice(p, n, source_choices, 3)) {
        incomplete(li,
                   "%s is not one of the template's choices (Self Reported, Third Party "
                   "Reported, Audit)",
                   where);
    } else if (id == CG_TF_CCADB_ID) {
        char v[64];
        size_t k = 0;
        trimmed(p, n, v, sizeof(v));
        while (v[k] != '\0' && strchr("`*_", v[k]) != NULL)
            k++;
        int ok = v[k] == 'A';
        for (size_t i = 1; ok && i <= 6; i++)
            ok = v[k + i] >= '0' && v[k + i] <= '9';
        if (!ok || (v[k + 7] >= '0' && v[k + 7] <= '9'))
            incomplete(li, "%s is not a CCADB unique ID (\"A\" followed by six digits)", where);
    }
}

/* The fields of a fields section, or of one contributing factor, in
 * [from, to). label: "Full Incident Report, Summary". */
static void check_field_block(lint *li, const doc *d, size_t from, size_t to, const char *label,
                              const cg_tsection *s)
{
    const char *name, *rest;
    size_t name_n, rest_n;
    char where[384];
    for (size_t f = 0; f < s->n_fields; f++) {
        const cg_tfield *tf = &s->fields[f];
        size_t at = to;
        for (size_t i = from; i < to && at == to; i++) {
            if (field_line(&d->v[i], &name, &name_n, &rest, &rest_n) &&
                name_eq(name, name_n, tf->name))
                at = i;
        }
        if (at == to) {
            if (!tf->optional)
                incomplete(li, "%s: field '%s' is missing", label, tf->name);
            continue;
        }
        if (tf->parent || tf->optional)
            continue;
        field_line(&d->v[at], &name, &name_n, &rest, &rest_n);
        snprintf(where, sizeof(where), "%s: field '%s'", label, tf->name);
        value_state st = value_of(d, rest, rest_n, at, field_end(d, at, to));
        judge_value(li, st, tf->na_ok, where);
        if (st == V_FILLED)
            check_value_form(li, where, tf->id, rest, rest_n);
    }
}

/* A "**Contributing Factor N: title**" line: 1, with N (0 when none) and
 * the title (borrowed, may be empty). */
static int factor_line(const line *l, const char *lead, unsigned *num, const char **title,
                       size_t *title_n)
{
    char norm[256], want[64];
    size_t i = 0, n = l->n;
    const char *p = l->p;
    if (l->level > 0)
        return 0;
    while (i < n && (is_space(p[i]) || p[i] == '*' || p[i] == '_' || p[i] == '#'))
        i++;
    normalize(lead, strlen(lead), want, sizeof(want));
    size_t k = strlen(want);
    normalize(p + i, n - i < k ? n - i : k, norm, sizeof(norm));
    if (n - i < k || strcmp(norm, want) != 0)
        return 0;
    i += k;
    while (i < n && (is_space(p[i]) || p[i] == '#'))
        i++;
    *num = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && *num < 100000)
        *num = *num * 10 + (unsigned)(p[i++] - '0');
    while (i < n && (is_space(p[i]) || p[i] == ':' || p[i] == '.' || p[i] == '-'))
        i++;
    size_t e = n;
    while (e > i && (is_space(p[e - 1]) || p[e - 1] == '*' || p[e - 1] == '_'))
        e--;
    *title = p + i;
    *title_n = e - i;
    return 1;
}

typedef struct {
    unsigned num;
    const char *title;
    size_t title_n;
} factor;

typedef struct {
    lint *li;
    factor *factors;
    size_t n_factors;
    int have_rca, have_actions;
    int *named; /* per factor: named by an Action Item */
} cross;

static void check_fields(lint *li, const doc *d, size_t from, size_t to, const char *report,
                         const cg_tsection *s, cross *x)
{
    char label[256];
    snprintf(label, sizeof(label), "%s, %s", report, s->title);
    if (s->lead == NULL) {
        check_field_block(li, d, from, to, label, s);
        return;
    }
    size_t starts[64], n = 0;
    for (size_t i = from; i < to && n < 64; i++) {
        unsigned num;
        const char *t;
        size_t tn;
        if (factor_line(&d->v[i], s->lead, &num, &t, &tn)) {
            starts[n++] = i;
            if (x != NULL && x->factors != NULL && x->n_factors < 64) {
                factor *f = &x->factors[x->n_factors++];
                f->num = num != 0 ? num : (unsigned)n;
                f->title = t;
                f->title_n = tn;
            }
        }
    }
    if (x != NULL)
        x->have_rca = 1;
    if (n == 0) {
        incomplete(li, "%s, %s: no '%s' entry", report, s->title, s->lead);
        check_field_block(li, d, from, to, label, s);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        size_t end = k + 1 < n ? starts[k + 1] : to;
        if (n > 1)
            snprintf(label, sizeof(label), "%s, %s, %s %zu", report, s->title, s->lead, k + 1);
        unsigned num;
        const char *t;
        size_t tn;
        factor_line(&d->v[starts[k]], s->lead, &num, &t, &tn);
        line title = {t, tn, 0};
        if (blank(&title) || contains(t, tn, CG_REPORT_FILL_MARKER) || is_na(t, tn))
            incomplete(li, "%s: the %s has no title", label, s->lead);
        check_field_block(li, d, starts[k] + 1, end, label, s);
    }
}

/* The cells of a "| a | b |" line, trimmed, into cells (borrowed). */
static size_t table_cells(const line *l, line *cells, size_t cap)
{
    size_t n = 0, i = 0;
    while (i < l->n && is_space(l->p[i]))
        i++;
    if (i < l->n && l->p[i] == '|')
        i++;
    while (i < l->n && n < cap) {
        size_t start = i;
        while (i < l->n && !(l->p[i] == '|' && (i == 0 || l->p[i - 1] != '\\')))
            i++;
        line c = {l->p + start, i - start, 0};
        if (i < l->n || !blank(&c)) {
            while (c.n > 0 && is_space(c.p[0])) {
                c.p++;
                c.n--;
            }
            while (c.n > 0 && is_space(c.p[c.n - 1]))
                c.n--;
            cells[n++] = c;
        }
        i++;
    }
    return n;
}

static int separator_row(const line *l)
{
    int dash = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->p[i] == '-')
            dash = 1;
        else if (strchr("|: \t", l->p[i]) == NULL)
            return 0;
    }
    return dash;
}

/* A table in [from, to): its header line (or to) and its first row. */
static size_t find_table(const doc *d, size_t from, size_t to, size_t *first_row)
{
    size_t head = from;
    while (head < to && !table_line(&d->v[head]))
        head++;
    *first_row = head + 1;
    if (head < to && *first_row < to && table_line(&d->v[*first_row]) &&
        separator_row(&d->v[*first_row]))
        (*first_row)++;
    return head;
}

/* The column of the header cells named name, or n. */
static size_t column_of(const line *cells, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (name_eq(cells[i].p, cells[i].n, name))
            return i;
    }
    return n;
}

static int cell_na(const line *c)
{
    return is_na(c->p, c->n);
}

static int is_date(const line *c)
{
    char v[32];
    int y, m, dd;
    char extra;
    trimmed(c->p, c->n, v, sizeof(v));
    if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &dd, &extra) != 3 || v[4] != '-' ||
        v[7] != '-')
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
        return 0;
    return !(m == 2 && dd == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

static const char *const kind_choices[] = {"Prevent", "Detect", "Mitigate"};
static const char *const status_choices[] = {"Ongoing", "Complete", "Delayed", "Canceled"};

static int cell_is(const line *c, const char *const *choices, size_t k)
{
    char v[64], w[64];
    trimmed(c->p, c->n, v, sizeof(v));
    normalize(v, strlen(v), v, sizeof(v));
    for (size_t i = 0; i < k; i++) {
        normalize(choices[i], strlen(choices[i]), w, sizeof(w));
        if (strcmp(v, w) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the Corresponding Root Cause(s) cell c names factor f: by its
 * number standing alone ("Root Cause #1", "Contributing Factor 1", "1, 2")
 * or by its title. */
static int names_factor(const line *c, const factor *f)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9' || (i > 0 && isalnum_ascii(c->p[i - 1])))
            continue;
        unsigned v = 0;
        size_t j = i;
        while (j < c->n && c->p[j] >= '0' && c->p[j] <= '9' && v < 100000)
            v = v * 10 + (unsigned)(c->p[j++] - '0');
        if ((j == c->n || !isalnum_ascii(c->p[j])) && v == f->num)
            return 1;
        i = j;
    }
    if (f->title_n >= 4) {
        char a[256], b[256];
        normalize(c->p, c->n, a, sizeof(a));
        normalize(f->title, f->title_n, b, sizeof(b));
        return b[0] != '\0' && strstr(a, b) != NULL;
    }
    return 0;
}

static void check_table(lint *li, const doc *d, size_t from, size_t to, const char *report,
                        const cg_tsection *s, cross *x)
{
    size_t row;
    size_t head = find_table(d, from, to, &row);
    line cells[32], hdr[32];
    if (head == to) {
        incomplete(li, "%s, %s: the table is missing (columns %s, ...)", report, s->title,
                   s->columns[0]);
        return;
    }
    size_t n = table_cells(&d->v[head], hdr, 32), col[16];
    int all_columns = 1;
    for (size_t c = 0; c < s->n_columns && c < 16; c++) {
        col[c] = column_of(hdr, n, s->columns[c]);
        if (col[c] == n) {
            all_columns = 0;
            incomplete(li, "%s, %s: column '%s' is missing", report, s->title, s->columns[c]);
        }
    }
    if (row >= to || !table_line(&d->v[row])) {
        incomplete(li, "%s, %s: the table has no rows (write N/A when there is nothing to list)",
                   report, s->title);
        return;
    }
    int actions = s->n_columns == 6 && strcmp(s->columns[1], "Kind") == 0;
    size_t real_rows = 0;
    for (size_t r = row, k = 1; r < to && table_line(&d->v[r]); r++, k++) {
        size_t m = table_cells(&d->v[r], cells, 32);
        int all_na = 1, marker = 0;
        for (size_t i = 0; i < m; i++) {
            all_na = all_na && (cells[i].n == 0 || cell_na(&cells[i]));
            marker = marker || contains(cells[i].p, cells[i].n, CG_REPORT_FILL_MARKER);
        }
        if (marker) {
            incomplete(li, "%s, %s: row %zu still has caguard's fill-in marker (%s ...]])", report,
                       s->title, k, CG_REPORT_FILL_MARKER);
            real_rows++;
            continue;
        }
        if (all_na)
            continue;
        real_rows++;
        if (!actions || !all_columns)
            continue;
        char item[64];
        static const line none = {"", 0, 0};
        const line *cv[6];
        for (size_t c = 0; c < 6; c++)
            cv[c] = col[c] < m ? &cells[col[c]] : &none;
        trimmed(cv[0]->p, cv[0]->n, item, sizeof(item));
        const char *rw = "Full Incident Report, Action Items";
        if (cv[0]->n == 0 || cell_na(cv[0]))
            incomplete(li, "%s, row %zu: the Action Item is not described", rw, k);
        if (!cell_is(cv[1], kind_choices, 3))
            incomplete(li, "%s, row %zu ('%s'): Kind is not Prevent, Detect or Mitigate", rw, k,
                       item);
        if (cv[2]->n == 0 || cell_na(cv[2])) {
            incomplete(li, "%s, row %zu ('%s'): no Corresponding Root Cause(s)", rw, k, item);
        } else if (x != NULL && x->factors != NULL) {
            int any = 0;
            for (size_t f = 0; f < x->n_factors; f++) {
                if (names_factor(cv[2], &x->factors[f])) {
                    x->named[f] = 1;
                    any = 1;
                }
            }
            if (!any && x->n_factors > 0)
                incomplete(li,
                           "%s, row %zu ('%s'): Corresponding Root Cause(s) names no Contributing "
                           "Factor of the Root Cause Analysis",
                           rw, k, item);
        }
        if (cv[3]->n == 0 || cell_na(cv[3]))
            incomplete(li, "%s, row %zu ('%s'): no Evaluation Criteria", rw, k, item);
        if (!is_date(cv[4]))
            incomplete(li, "%s, row %zu ('%s'): Due Date is not a date (YYYY-MM-DD)", rw, k, item);
        if (!cell_is(cv[5], status_choices, 4))
            incomplete(li,
                       "%s, row %zu ('%s'): Status is not Ongoing, Complete, Delayed or Canceled",
                       rw, k, item);
    }
    if (x != NULL && actions && all_columns)
        x->have_actions = 1;
    if (real_rows == 0 && !s->na_ok)
        incomplete(li, "%s, %s: no entry, only N/A (the template requires at least one)", report,
                   s->title);
}

/* The heading of section title in [from, to): 1 with [*h, *end). */
static int section_range(const doc *d, size_t from, size_t to, const char *title, size_t *h,
                         size_t *end)
{
    *h = find_heading(d, from, to, title);
    if (*h == to)
        return 0;
    *end = *h + 1;
    while (*end < to && !(d->v[*end].level > 0 && d->v[*end].level <= d->v[*h].level))
        (*end)++;
    return 1;
}

static void check_section(lint *li, const doc *d, size_t from, size_t to, int report,
                          const cg_tsection *s, cross *x)
{
    const char *rtitle = cg_report_titles[report];
    size_t h, end;
    if (!section_range(d, from, to, s->title, &h, &end)) {
        incomplete(li, "%s: section '%s' is missing", rtitle, s->title);
        return;
    }
    switch (s->body) {
    case CG_TBODY_FIELDS:
        check_fields(li, d, h + 1, end, rtitle, s, x);
        break;
    case CG_TBODY_TABLE:
        check_table(li, d, h + 1, end, rtitle, s, x);
        break;
    default: {
        char where[256];
        snprintf(where, sizeof(where), "%s, %s: the section", rtitle, s->title);
        value_state st = h + 1 < end ? value_of(d, NULL, 0, h + 1, end) : V_EMPTY;
        if (st == V_EMPTY)
            incomplete(li, "%s, %s: the section is empty (write N/A when there is nothing to say)",
                       rtitle, s->title);
        else
            judge_value(li, st, s->na_ok, where);
        break;
    }
    }
}

/* Where each report of the text is: [from, to) per kind, found[] 0 when
 * absent. A report runs to the next report heading that comes later. */
static void find_reports(const doc *d, int found[CG_REPORT_KINDS], size_t from[CG_REPORT_KINDS],
                         size_t to[CG_REPORT_KINDS])
{
    size_t head[CG_REPORT_KINDS];
    for (int r = 0; r < CG_REPORT_KINDS; r++) {
        head[r] = find_heading(d, 0, d->n, cg_report_titles[r]);
        found[r] = head[r] < d->n;
        /* the closure's heading is its one section's heading */
        from[r] = r == CG_REPORT_CLOSURE ? head[r] : head[r] + 1;
        to[r] = d->n;
    }
    for (int r = 0; r < CG_REPORT_KINDS; r++) {
        for (int o = 0; o < CG_REPORT_KINDS; o++) {
            if (o != r && found[r] && found[o] && head[o] > head[r] && head[o] < to[r])
                to[r] = head[o];
        }
    }
}

int cg_incident_lint(const char *markdown, size_t len, cg_ctx *ctx, const cg_objref *obj)
{
    lint li = {ctx, obj, 0};
    doc d = {NULL, 0};
    size_t from[CG_REPORT_KINDS], to[CG_REPORT_KINDS];
    int found[CG_REPORT_KINDS];
    factor factors[64];
    int named[64];
    cross x = {&li, factors, 0, 0, 0, named};
    memset(named, 0, sizeof(named));
    if (!split(markdown, len, &d)) {
        incomplete(&li, "out of memory reading the report");
        return li.count;
    }
    find_reports(&d, found, from, to);
    if (!found[0] && !found[1] && !found[2]) {
        incomplete(&li, "no '%s', '%s' or '%s' heading; checked as a %s", cg_report_titles[0],
                   cg_report_titles[1], cg_report_titles[2], cg_report_titles[1]);
        found[1] = 1;
        from[1] = 0;
    }
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (found[s->report])
            check_section(&li, &d, from[s->report], to[s->report], s->report, s,
                          s->report == CG_REPORT_FULL ? &x : NULL);
    }
    /* Every contributing factor has an Action Item naming it. */
    if (x.have_rca && x.have_actions) {
        for (size_t f = 0; f < x.n_factors; f++) {
            const factor *fa = &factors[f];
            /* a factor without a title is reported as such */
            line t = {fa->title, fa->title_n, 0};
            if (blank(&t) || is_na(fa->title, fa->title_n) ||
                contains(fa->title, fa->title_n, CG_REPORT_FILL_MARKER))
                continue;
            if (!named[f])
                incomplete(&li,
                           "Full Incident Report, Root Cause Analysis: Contributing Factor %u "
                           "('%.*s') has no Action Item naming it in Corresponding Root Cause(s)",
                           factors[f].num,
                           (int)(factors[f].title_n > 80 ? 80 : factors[f].title_n),
                           factors[f].title);
        }
    }
    if (found[CG_REPORT_CLOSURE]) {
        int asked = 0;
        for (size_t i = from[2]; i < to[2] && !asked; i++)
            asked = name_eq(d.v[i].p, d.v[i].n, cg_report_closure_request);
        if (!asked)
            incomplete(&li, "%s: the closing request ('%s') is missing", cg_report_titles[2],
                       cg_report_closure_request);
    }
    free(d.v);
    return li.count;
}

/* ---- the facts a closure draft takes from the posted Full report ---- */

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* A field's value over its lines, joined by spaces and trimmed. */
static char *join_value(const doc *d, const char *first, size_t first_n, size_t from, size_t to)
{
    size_t cap = first_n + 1;
    for (size_t i = from + 1; i < to; i++)
        cap += d->v[i].n + 1;
    char *s = malloc(cap), *o = s;
    if (s == NULL)
        return NULL;
    for (size_t i = from; i < to; i++) {
        const char *p = i == from ? first : d->v[i].p;
        size_t n = i == from ? first_n : d->v[i].n;
        line l = {p, n, 0};
        if (blank(&l))
            continue;
        while (n > 0 && is_space(*p)) {
            p++;
            n--;
        }
        if (o != s)
            *o++ = ' ';
        memcpy(o, p, n);
        o += n;
    }
    while (o > s && is_space(o[-1]))
        o--;
    *o = '\0';
    return s;
}

void cg_report_facts_clear(cg_report_facts *f)
{
    if (f == NULL)
        return;
    free(f->description);
    for (size_t i = 0; i < f->n_factors; i++)
        free(f->factors[i]);
    free(f->factors);
    for (size_t i = 0; i < f->n_actions; i++) {
        cg_report_action *a = &f->actions[i];
        free(a->item);
        free(a->kind);
        free(a->causes);
        free(a->criteria);
        free(a->due);
        free(a->status);
    }
    free(f->actions);
    memset(f, 0, sizeof(*f));
}

int cg_report_read_facts(const char *md, size_t len, cg_report_facts *out)
{
    doc d = {NULL, 0};
    size_t from[CG_REPORT_KINDS], to[CG_REPORT_KINDS], h, end;
    int found[CG_REPORT_KINDS], ok = 0;
    const char *name, *rest;
    size_t name_n, rest_n;
    memset(out, 0, sizeof(*out));
    if (!split(md, len, &d))
        return 0;
    find_reports(&d, found, from, to);
    if (!found[CG_REPORT_FULL]) {
        from[CG_REPORT_FULL] = 0;
        to[CG_REPORT_FULL] = d.n;
    }
    size_t f0 = from[CG_REPORT_FULL], t0 = to[CG_REPORT_FULL];
    if (section_range(&d, f0, t0, "Summary", &h, &end)) {
        for (size_t i = h + 1; i < end && out->description == NULL; i++) {
            if (field_line(&d.v[i], &name, &name_n, &rest, &rest_n) &&
                name_eq(name, name_n, "Incident description")) {
                out->description = join_value(&d, rest, rest_n, i, field_end(&d, i, end));
                if (out->description == NULL)
                    goto out;
            }
        }
    }
    if (section_range(&d, f0, t0, "Root Cause Analysis", &h, &end)) {
        out->factors = calloc(end - h, sizeof(*out->factors));
        if (out->factors == NULL)
            goto out;
        for (size_t i = h + 1; i < end; i++) {
            unsigned num;
            const char *t;
            size_t tn;
            if (!factor_line(&d.v[i], "Contributing Factor", &num, &t, &tn))
                continue;
            if ((out->factors[out->n_factors] = dup_n(t, tn)) == NULL)
                goto out;
            out->n_factors++;
        }
    }
    if (section_range(&d, f0, t0, "Action Items", &h, &end)) {
        size_t row, head = find_table(&d, h + 1, end, &row);
        line hdr[32], cells[32];
        if (head < end) {
            static const char *const cols[] = {
                "Action Item",         "Kind",     "Corresponding Root Cause(s)",
                "Evaluation Criteria", "Due Date", "Status"};
            size_t n = table_cells(&d.v[head], hdr, 32), col[6];
            for (size_t c = 0; c < 6; c++)
                col[c] = column_of(hdr, n, cols[c]);
            out->actions = calloc(end - h, sizeof(*out->actions));
            if (out->actions == NULL)
                goto out;
            for (size_t r = row; r < end && table_line(&d.v[r]); r++) {
                size_t m = table_cells(&d.v[r], cells, 32);
                int all_na = 1;
                for (size_t i = 0; i < m; i++)
                    all_na = all_na && (cells[i].n == 0 || cell_na(&cells[i]));
                if (all_na)
                    continue;
                cg_report_action *a = &out->actions[out->n_actions++];
                char **dst[6] = {&a->item,     &a->kind, &a->causes,
                                 &a->criteria, &a->due,  &a->status};
                for (size_t c = 0; c < 6; c++) {
                    const line *v = col[c] < m ? &cells[col[c]] : NULL;
                    if ((*dst[c] = dup_n(v != NULL ? v->p : "", v != NULL ? v->n : 0)) == NULL)
                        goto out;
                }
            }
        }
    }
    ok = 1;
out:
    free(d.v);
    if (!ok)
        cg_report_facts_clear(out);
    return ok;
}
