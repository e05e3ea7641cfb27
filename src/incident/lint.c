/* incident.report_incomplete: a report a person edited, held against the
 * template table (template.c). Markdown is read line by line: ATX headings
 * ("## Title") delimit reports and sections, "- **Field:** value" lines are
 * fields (the value may continue on the lines below), a "|" line starts a
 * table. Lines inside ``` or ~~~ fences are text, never structure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/report.h"
#include "incident/template.h"

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

typedef struct {
    cg_ctx *ctx;
    const cg_objref *obj;
    int count;
} lint;

static void incomplete(lint *li, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void incomplete(lint *li, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    li->count++;
    cg_report(li->ctx, CG_R_INCIDENT_REPORT_INCOMPLETE, li->obj, "%s", msg);
}

static void check_fields(lint *li, const doc *d, size_t from, size_t to, const char *report,
                         const cg_tsection *s)
{
    const char *name, *rest;
    size_t name_n, rest_n;
    if (s->lead != NULL) {
        int found = 0;
        for (size_t i = from; i < to && !found; i++) {
            char norm[256], lead[64];
            normalize(d->v[i].p, d->v[i].n, norm, sizeof(norm));
            normalize(s->lead, strlen(s->lead), lead, sizeof(lead));
            found = strstr(norm, lead) != NULL;
        }
        if (!found)
            incomplete(li, "%s, %s: no '%s' entry", report, s->title, s->lead);
    }
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
                incomplete(li, "%s, %s: field '%s' is missing", report, s->title, tf->name);
            continue;
        }
        if (tf->parent || tf->optional)
            continue;
        field_line(&d->v[at], &name, &name_n, &rest, &rest_n);
        line value = {rest, rest_n, 0};
        int filled = !blank(&value);
        for (size_t i = at + 1; i < to && !filled; i++) {
            if (d->v[i].level > 0 || field_line(&d->v[i], &name, &name_n, &rest, &rest_n))
                break;
            filled = !blank(&d->v[i]);
        }
        if (!filled)
            incomplete(li, "%s, %s: field '%s' is empty (write N/A when it does not apply)",
                       report, s->title, tf->name);
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
        if (i < l->n || !blank(&c))
            cells[n++] = c;
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

static int table_line(const line *l)
{
    size_t i = 0;
    while (i < l->n && is_space(l->p[i]))
        i++;
    return l->level == 0 && i < l->n && l->p[i] == '|';
}

static void check_table(lint *li, const doc *d, size_t from, size_t to, const char *report,
                        const cg_tsection *s)
{
    size_t head = from;
    line cells[32];
    while (head < to && !table_line(&d->v[head]))
        head++;
    if (head == to) {
        incomplete(li, "%s, %s: the table is missing (columns %s, ...)", report, s->title,
                   s->columns[0]);
        return;
    }
    size_t n = table_cells(&d->v[head], cells, 32);
    for (size_t c = 0; c < s->n_columns; c++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = name_eq(cells[i].p, cells[i].n, s->columns[c]);
        if (!found)
            incomplete(li, "%s, %s: column '%s' is missing", report, s->title, s->columns[c]);
    }
    size_t row = head + 1;
    if (row < to && table_line(&d->v[row]) && separator_row(&d->v[row]))
        row++;
    if (row >= to || !table_line(&d->v[row]))
        incomplete(li, "%s, %s: the table has no rows (write N/A when there is nothing to list)",
                   report, s->title);
}

static void check_section(lint *li, const doc *d, size_t from, size_t to, int report,
                          const cg_tsection *s)
{
    const char *rtitle = cg_report_titles[report];
    size_t h = find_heading(d, from, to, s->title);
    if (h == to) {
        incomplete(li, "%s: section '%s' is missing", rtitle, s->title);
        return;
    }
    size_t end = h + 1;
    while (end < to && !(d->v[end].level > 0 && d->v[end].level <= d->v[h].level))
        end++;
    switch (s->body) {
    case CG_TBODY_FIELDS:
        check_fields(li, d, h + 1, end, rtitle, s);
        break;
    case CG_TBODY_TABLE:
        check_table(li, d, h + 1, end, rtitle, s);
        break;
    default: {
        int filled = 0;
        for (size_t i = h + 1; i < end && !filled; i++)
            filled = !blank(&d->v[i]);
        if (!filled)
            incomplete(li, "%s, %s: the section is empty (write N/A when there is nothing to say)",
                       rtitle, s->title);
        break;
    }
    }
}

int cg_incident_lint(const char *markdown, size_t len, cg_ctx *ctx, const cg_objref *obj)
{
    lint li = {ctx, obj, 0};
    doc d = {NULL, 0};
    size_t head[2], from[2], to[2];
    int found[2];
    if (!split(markdown, len, &d)) {
        incomplete(&li, "out of memory reading the report");
        return li.count;
    }
    for (int r = 0; r < 2; r++) {
        head[r] = find_heading(&d, 0, d.n, cg_report_titles[r]);
        found[r] = head[r] < d.n;
        from[r] = head[r] + 1;
        to[r] = d.n;
    }
    /* A report runs to the other report's heading when that comes later. */
    for (int r = 0; r < 2; r++) {
        if (found[r] && found[1 - r] && head[1 - r] > head[r])
            to[r] = head[1 - r];
    }
    if (!found[0] && !found[1]) {
        incomplete(&li, "no '%s' or '%s' heading; checked as a %s", cg_report_titles[0],
                   cg_report_titles[1], cg_report_titles[1]);
        found[1] = 1;
        from[1] = 0;
    }
    for (size_t i = 0; i < cg_report_n_sections; i++) {
        const cg_tsection *s = &cg_report_sections[i];
        if (found[s->report])
            check_section(&li, &d, from[s->report], to[s->report], s->report, s);
    }
    free(d.v);
    return li.count;
}
