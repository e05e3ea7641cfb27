/* index.html's first two sections (html_internal.h): what is due next and
 * the sources.
 *
 * The "due next" band lists every open deadline of every open incident
 * (revocations not done, reports not posted, the next update), the most
 * overdue or soonest first, coloured by the time left: overdue, within
 * 24 hours, within 72 hours, later. The "sources" panel shows what the
 * monitor last saw of each CT log (tree size, position, lag, last
 * contact, failing since) and each CRL source (last fetch, thisUpdate,
 * nextUpdate, stale, failures), as `caguard status` does. */
#include <stdlib.h>
#include <string.h>

#include "report/html_internal.h"

int cg_html_due_add(cg_html_run *h, int64_t incident, const char *title, const char *what,
                    int64_t due, size_t count)
{
    if (!cg_html_grow(h, (void **)&h->due, &h->cap_due, h->n_due, sizeof(*h->due)))
        return 0;
    cg_html_due *d = &h->due[h->n_due];
    memset(d, 0, sizeof(*d));
    d->title = strdup(title != NULL ? title : "");
    if (d->title == NULL) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    d->incident = incident;
    d->what = what;
    d->due = due;
    d->count = count;
    h->n_due++;
    return 1;
}

static int by_due(const void *a, const void *b)
{
    const cg_html_due *x = a, *y = b;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    return x->incident < y->incident ? -1 : x->incident > y->incident;
}

/* The urgency of a deadline `left` seconds away (negative: passed). */
static const char *urgency(int64_t left)
{
    if (left < 0)
        return "over";
    if (left <= 24 * 3600)
        return "24h";
    if (left <= 72 * 3600)
        return "72h";
    return "later";
}

static void due_action(cg_sbuf *b, const cg_html_due *d)
{
    if (strcmp(d->what, "revocation") == 0)
        cg_sbuf_printf(b, "Revoke %zu certificate%s (TLS BRs §4.9.1.1)", d->count,
                       d->count == 1 ? "" : "s");
    else if (strcmp(d->what, "preliminary report") == 0)
        cg_sbuf_puts(b, "Post the preliminary incident report (CCADB: 72 hours)");
    else if (strcmp(d->what, "full report") == 0)
        cg_sbuf_puts(b, "Post the full incident report (CCADB: 14 days)");
    else
        cg_sbuf_puts(b, "Post an update on the incident's Bugzilla bug");
}

void cg_html_due_band(cg_html_run *h, cg_sbuf *b)
{
    size_t n_over = 0, n_day = 0;
    if (h->n_due > 1)
        qsort(h->due, h->n_due, sizeof(*h->due), by_due);
    for (size_t i = 0; i < h->n_due; i++) {
        int64_t left = h->due[i].due - h->o.at;
        n_over += left < 0;
        n_day += left >= 0 && left <= 24 * 3600;
    }
    cg_sbuf_puts(b, "<section id=\"due-next\" class=\"due-band\">\n<h2>Due next</h2>\n");
    if (h->n_due == 0) {
        cg_sbuf_puts(b, "<p class=\"note\" id=\"due-none\">Nothing due: no open incident has "
                        "an open deadline.</p>\n</section>\n");
        return;
    }
    cg_sbuf_printf(b,
                   "<p class=\"note\" id=\"due-summary\">%zu open deadline%s: %zu overdue, "
                   "%zu within 24 hours. Soonest first; each links to its incident.</p>\n"
                   "<ol class=\"due-list\">\n",
                   h->n_due, h->n_due == 1 ? "" : "s", n_over, n_day);
    for (size_t i = 0; i < h->n_due; i++) {
        const cg_html_due *d = &h->due[i];
        int64_t left = d->due - h->o.at;
        char s[48];
        cg_html_span_text(left, s, sizeof(s));
        cg_sbuf_printf(b,
                       "<li class=\"due-item urg-%s\" data-what=\"%s\" data-incident=\"%lld\">"
                       "<a class=\"due-what\" href=\"incident-%lld.html#deadlines\">",
                       urgency(left), d->what, (long long)d->incident, (long long)d->incident);
        due_action(b, d);
        cg_sbuf_printf(b, "</a><span class=\"due-left\"><span class=\"%s\" data-due=\"%lld\">"
                          "%s %s</span></span>",
                       left >= 0 ? "due" : "missed", (long long)d->due,
                       left >= 0 ? "due in" : "overdue by", s);
        cg_sbuf_printf(b, "<span class=\"due-inc\">incident #%lld: ", (long long)d->incident);
        cg_html_esc(b, d->title[0] != '\0' ? d->title : "(no title)");
        cg_sbuf_puts(b, "</span><span class=\"due-at\">deadline ");
        cg_html_time_el(b, d->due);
        cg_sbuf_puts(b, "</span></li>\n");
    }
    cg_sbuf_puts(b, "</ol>\n</section>\n");
}

/* ---- sources ---- */

static cg_html_source *source_new(cg_html_run *h, const char *url, const char *status)
{
    if (!cg_html_grow(h, (void **)&h->src, &h->cap_src, h->n_src, sizeof(*h->src)))
        return NULL;
    cg_html_source *s = &h->src[h->n_src];
    memset(s, 0, sizeof(*s));
    s->url = strdup(url != NULL ? url : "");
    s->status = strdup(status != NULL ? status : "");
    if (s->url == NULL || s->status == NULL) {
        free(s->url);
        free(s->status);
        cg_html_set_err(h, "out of memory");
        return NULL;
    }
    h->n_src++;
    return s;
}

int cg_html_on_log_state(void *arg, const cg_store_log_state *st)
{
    cg_html_run *h = arg;
    cg_html_source *s = source_new(h, st->url, NULL);
    if (s == NULL)
        return 0;
    s->position = st->position;
    s->has_sth = st->has_sth;
    s->sth_size = st->sth_size;
    s->sth_time = (int64_t)(st->sth_timestamp / 1000);
    s->last_contact = st->last_contact;
    s->failing_since = st->failing_since;
    return 1;
}

int cg_html_on_crl_source(void *arg, const cg_store_crl_source *src)
{
    cg_html_run *h = arg;
    cg_html_source *s = source_new(h, src->url, src->status);
    if (s == NULL)
        return 0;
    s->is_crl = 1;
    s->last_contact = src->last_fetch;
    s->failing_since = src->failing_since;
    s->failures = src->failures;
    s->this_update = src->this_update;
    s->next_update = src->next_update;
    return 1;
}

/* "TIME (N ago)" or "never". */
static void when_cell(cg_html_run *h, cg_sbuf *b, int64_t t)
{
    char s[48];
    if (t <= 0) {
        cg_sbuf_puts(b, "never");
        return;
    }
    cg_html_time_el(b, t);
    cg_html_span_text(h->o.at - t, s, sizeof(s));
    cg_sbuf_printf(b, " <span class=\"note\">(%s %s)</span>", s, t <= h->o.at ? "ago" : "ahead");
}

static void log_row(cg_html_run *h, cg_sbuf *b, const cg_html_source *s)
{
    char span[48];
    int failing = s->failing_since > 0;
    uint64_t behind = s->has_sth && s->sth_size > s->position ? s->sth_size - s->position : 0;
    cg_sbuf_printf(b, "<tr class=\"src-log%s\" data-state=\"%s\"><td class=\"obj\" "
                      "data-label=\"Log\">",
                   failing ? " src-bad" : "", failing ? "failing" : "ok");
    cg_html_esc(b, s->url);
    if (s->has_sth) {
        cg_sbuf_printf(b,
                       "</td><td class=\"num\" data-label=\"Tree size\">%llu</td>"
                       "<td class=\"num\" data-label=\"Read\">%llu</td>"
                       "<td class=\"num\" data-label=\"Behind\">%llu</td><td data-label=\"Tree "
                       "head age\">",
                       (unsigned long long)s->sth_size, (unsigned long long)s->position,
                       (unsigned long long)behind);
        cg_html_span_text(h->o.at - s->sth_time, span, sizeof(span));
        cg_sbuf_puts(b, span);
    } else {
        cg_sbuf_printf(b,
                       "</td><td class=\"num\" data-label=\"Tree size\">-</td>"
                       "<td class=\"num\" data-label=\"Read\">%llu</td>"
                       "<td class=\"num\" data-label=\"Behind\">-</td><td data-label=\"Tree head "
                       "age\">no verified tree head yet",
                       (unsigned long long)s->position);
    }
    cg_sbuf_puts(b, "</td><td data-label=\"Last contact\">");
    when_cell(h, b, s->last_contact);
    cg_sbuf_puts(b, "</td><td data-label=\"Failing since\">");
    if (failing) {
        cg_sbuf_puts(b, "<span class=\"missed\">");
        when_cell(h, b, s->failing_since);
        cg_sbuf_puts(b, "</span>");
    } else {
        cg_sbuf_puts(b, "-");
    }
    cg_sbuf_puts(b, "</td></tr>\n");
}

static void crl_row(cg_html_run *h, cg_sbuf *b, const cg_html_source *s)
{
    int stale = s->next_update > 0 && s->next_update < h->o.at;
    int failing = s->failing_since > 0 || s->failures > 0;
    cg_sbuf_printf(b, "<tr class=\"src-crl%s\" data-state=\"%s\"><td class=\"obj\" "
                      "data-label=\"CRL\">",
                   stale || failing ? " src-bad" : "",
                   stale ? "stale" : failing ? "failing" : "ok");
    cg_html_esc(b, s->url);
    cg_sbuf_puts(b, "</td><td data-label=\"Last fetch\">");
    when_cell(h, b, s->last_contact);
    cg_sbuf_puts(b, " <span class=\"note\">");
    cg_html_esc(b, s->status);
    cg_sbuf_puts(b, "</span></td><td data-label=\"thisUpdate\">");
    if (s->this_update > 0)
        cg_html_time_el(b, s->this_update);
    else
        cg_sbuf_puts(b, "-");
    cg_sbuf_puts(b, "</td><td data-label=\"nextUpdate\">");
    if (s->next_update > 0)
        when_cell(h, b, s->next_update);
    else
        cg_sbuf_puts(b, "-");
    cg_sbuf_puts(b, "</td><td data-label=\"State\">");
    if (stale)
        cg_sbuf_puts(b, "<span class=\"missed\">stale: past its nextUpdate</span>");
    else if (s->next_update > 0 || s->this_update > 0)
        cg_sbuf_puts(b, "<span class=\"met\">fresh</span>");
    else
        cg_sbuf_puts(b, "no CRL yet");
    if (failing)
        cg_sbuf_printf(b, "; <span class=\"missed\">%lld failed fetch%s</span>",
                       (long long)s->failures, s->failures == 1 ? "" : "es");
    cg_sbuf_puts(b, "</td></tr>\n");
}

/* One kind of source: a heading with the count, then its table, or a note
 * when there is none. */
typedef struct source_kind {
    int is_crl;
    const char *heading, *id, *none, *head;
    void (*row)(cg_html_run *h, cg_sbuf *b, const cg_html_source *s);
} source_kind;

static void source_table(cg_html_run *h, cg_sbuf *b, const source_kind *k)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_src; i++)
        n += h->src[i].is_crl == k->is_crl;
    cg_sbuf_printf(b, "<h3>%s (%zu)</h3>\n", k->heading, n);
    if (n == 0) {
        cg_sbuf_printf(b, "<p class=\"note\" id=\"%s-none\">%s</p>\n", k->id, k->none);
        return;
    }
    cg_sbuf_printf(b,
                   "<div class=\"scroll\"><table id=\"%s\" class=\"stack\">\n<thead><tr>%s"
                   "</tr></thead>\n<tbody>\n",
                   k->id, k->head);
    for (size_t i = 0; i < h->n_src; i++)
        if (h->src[i].is_crl == k->is_crl)
            k->row(h, b, &h->src[i]);
    cg_sbuf_puts(b, "</tbody>\n</table></div>\n");
}

void cg_html_sources(cg_html_run *h, cg_sbuf *b)
{
    static const source_kind logs = {
        0, "CT logs", "sources-logs", "No CT log followed in this store.",
        "<th>Log</th><th class=\"num\">Tree size</th><th class=\"num\">Read</th>"
        "<th class=\"num\">Behind</th><th>Tree head age</th><th>Last contact</th>"
        "<th>Failing since</th>",
        log_row};
    static const source_kind crls = {
        1, "CRLs", "sources-crls", "No CRL fetched by the monitor in this store.",
        "<th>CRL</th><th>Last fetch</th><th>thisUpdate</th><th>nextUpdate</th><th>State</th>",
        crl_row};
    cg_sbuf_puts(b, "<section id=\"sources\">\n<h2>Sources</h2>\n"
                    "<p class=\"note\">What <code>caguard monitor</code> last saw of each CT log "
                    "and CRL it follows (as <code>caguard status</code> shows it), at the "
                    "evaluation time above.</p>\n");
    source_table(h, b, &logs);
    source_table(h, b, &crls);
    cg_sbuf_puts(b, "</section>\n");
}

void cg_html_due_free(cg_html_run *h)
{
    for (size_t i = 0; i < h->n_due; i++)
        free(h->due[i].title);
    free(h->due);
    for (size_t i = 0; i < h->n_src; i++) {
        free(h->src[i].url);
        free(h->src[i].status);
    }
    free(h->src);
}
