/* index.html's charts (html_internal.h), inline SVG on one scale each:
 * findings per rule over time, the revocation delay of each incident
 * against its deadline, and the SCT log operators of the stored
 * certificates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/loglist.h"
#include "ct/sct.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "report/html_internal.h"
#include "x509/oid.h"
#include "x509/time.h"

/* The embedded SCTs of one stored certificate, counted by the operator of
 * their log at the SCT's time. */
int cg_html_on_cert(void *arg, const cg_store_object *o)
{
    cg_html_run *h = arg;
    cg_der_error derr;
    cg_sct_list list;
    cg_sct sct;
    if (o->der == NULL || !cg_cert_parse(&h->cert, o->der, o->der_len, &derr) ||
        h->cert.is_precert)
        return 1;
    const cg_ext *ext =
        cg_cert_find_ext(&h->cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
    if (ext == NULL || !cg_sct_list_open(&list, &ext->value, &derr))
        return 1;
    while (cg_sct_list_next(&list, &sct, &derr)) {
        const char *op = "unknown log";
        if (sct.version == CG_SCT_V1 && sct.log_id.len == 32 && h->o.loglist != NULL) {
            const cg_log *log = cg_loglist_find(h->o.loglist, sct.log_id.data);
            int64_t ms = sct.timestamp > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)sct.timestamp;
            const char *name = log != NULL ? cg_log_operator_at(log, ms) : NULL;
            if (name != NULL && name[0] != '\0')
                op = name;
        }
        if (strcmp(op, "unknown log") == 0)
            h->stats.scts_unknown++;
        h->stats.scts++;
        if (cg_html_label_add(h, &h->operators, op, 1) == NULL)
            return 0;
    }
    return 1;
}

typedef struct hist {
    cg_html_run *h;
    int64_t origin, width, nb;
    cg_html_labels *rules;
    int64_t *counts; /* rules->n x nb, filled in rule order of the query */
    char **rule_names;
    size_t n_rules, cap_rules;
} hist;

static int on_bucket(void *arg, const char *rule, int64_t bucket, int64_t count)
{
    hist *g = arg;
    if (g->n_rules == 0 || strcmp(g->rule_names[g->n_rules - 1], rule) != 0) {
        if (!cg_html_grow(g->h, (void **)&g->rule_names, &g->cap_rules, g->n_rules,
                          sizeof(*g->rule_names)))
            return 0;
        int64_t *nc = realloc(g->counts, (g->n_rules + 1) * (size_t)g->nb * sizeof(*nc));
        char *name = strdup(rule);
        if (nc == NULL || name == NULL) {
            free(name);
            if (nc != NULL)
                g->counts = nc;
            cg_html_set_err(g->h, "out of memory");
            return 0;
        }
        g->counts = nc;
        memset(g->counts + g->n_rules * (size_t)g->nb, 0, (size_t)g->nb * sizeof(*nc));
        g->rule_names[g->n_rules++] = name;
    }
    if (bucket >= 0 && bucket < g->nb)
        g->counts[(g->n_rules - 1) * (size_t)g->nb + (size_t)bucket] += count;
    return 1;
}

typedef struct rule_order {
    size_t idx;
    int64_t total;
    const char *name;
} rule_order;

static int by_total(const void *a, const void *b)
{
    const rule_order *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void bucket_label(int64_t t, int64_t width, char *buf, size_t cap)
{
    char ts[32];
    cg_time_format(t, ts, sizeof(ts));
    if (width < 86400)
        snprintf(buf, cap, "%.10s %.5s", ts, ts + 11);
    else
        snprintf(buf, cap, "%.10s", ts);
}

void cg_html_chart_rules(cg_html_run *h, cg_sbuf *b)
{
    static const struct {
        int64_t width;
        const char *per;
    } widths[] = {
        {3600, "hour"},
        {6 * 3600, "6 hours"},
        {86400, "day"},
        {7 * 86400, "week"},
        {30 * 86400, "30 days"},
        {91 * 86400, "91 days"},
        {365 * 86400, "365 days"},
    };
    hist g;
    int64_t first = 0, last = 0, maxc = 0;
    int found = 0;
    size_t wi = 0;
    memset(&g, 0, sizeof(g));
    g.h = h;
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-rules\">\n<figcaption>Findings per rule "
                    "over time</figcaption>\n");
    if (!cg_store_finding_span(h->st, &first, &last, &found)) {
        cg_html_store_err(h, "reading the findings' time span");
        goto out;
    }
    if (!found) {
        cg_sbuf_puts(b, "<p class=\"note\">No finding yet.</p>\n</figure>\n");
        return;
    }
    /* The narrowest bucket that fits the span in 48. */
    while (wi + 1 < sizeof(widths) / sizeof(widths[0]) && (last - first) / widths[wi].width >= 48)
        wi++;
    g.width = widths[wi].width;
    g.origin = first - ((first % g.width) + g.width) % g.width;
    g.nb = (last - g.origin) / g.width + 1;
    if (!cg_store_finding_histogram(h->st, g.origin, g.width, on_bucket, &g)) {
        if (!h->failed)
            cg_html_store_err(h, "counting findings per rule");
        goto out;
    }
    if (h->failed)
        goto out;
    rule_order *ord = calloc(g.n_rules + 1, sizeof(*ord));
    if (ord == NULL) {
        cg_html_set_err(h, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < g.n_rules; r++) {
        ord[r].idx = r;
        ord[r].name = g.rule_names[r];
        for (int64_t k = 0; k < g.nb; k++) {
            int64_t c = g.counts[r * (size_t)g.nb + (size_t)k];
            ord[r].total += c;
            if (c > maxc)
                maxc = c;
        }
    }
    qsort(ord, g.n_rules, sizeof(*ord), by_total);
    /* At least 24 slots, so that a few buckets stay bars, not slabs. */
    int64_t slots = g.nb < 24 ? 24 : g.nb;
    char from[32], to[32];
    bucket_label(g.origin, g.width, from, sizeof(from));
    bucket_label(g.origin + (g.nb - 1) * g.width, g.width, to, sizeof(to));
    cg_sbuf_printf(b,
                   "<p class=\"note\">When each finding was first seen, one bar per %s "
                   "(UTC), from %s to %s; bar heights on one scale (tallest: %lld). "
                   "Rules with the most findings first.</p>\n",
                   widths[wi].per, from, to, (long long)maxc);
    for (size_t i = 0; i < g.n_rules; i++) {
        size_t r = ord[i].idx;
        cg_sbuf_puts(b, "<div class=\"crow\" data-rule=\"");
        cg_html_esc(b, g.rule_names[r]);
        cg_sbuf_printf(b, "\" data-total=\"%lld\">\n<div class=\"clabel\"><span><a href=\"#rule=",
                       (long long)ord[i].total);
        cg_html_url_comp(b, g.rule_names[r]);
        cg_sbuf_puts(b, "\">");
        cg_html_esc(b, g.rule_names[r]);
        cg_sbuf_printf(b, "</a></span><span>%lld</span></div>\n", (long long)ord[i].total);
        cg_sbuf_printf(b,
                       "<svg viewBox=\"0 0 %lld 20\" preserveAspectRatio=\"none\" role=\"img\" "
                       "aria-label=\"",
                       (long long)slots * 10);
        cg_html_esc(b, g.rule_names[r]);
        cg_sbuf_printf(b,
                       ": %lld findings\"><rect class=\"track\" x=\"0\" y=\"0\" "
                       "width=\"%lld\" height=\"20\"/>",
                       (long long)ord[i].total, (long long)g.nb * 10);
        for (int64_t k = 0; k < g.nb; k++) {
            int64_t c = g.counts[r * (size_t)g.nb + (size_t)k];
            char when[40];
            if (c == 0)
                continue;
            /* tenths of a unit: at least 1.5 so that a single finding shows */
            int64_t hgt = maxc > 0 ? c * 200 / maxc : 0;
            if (hgt < 15)
                hgt = 15;
            bucket_label(g.origin + k * g.width, g.width, when, sizeof(when));
            cg_sbuf_printf(b,
                           "<rect class=\"bar\" x=\"%lld.5\" y=\"%lld.%lld\" width=\"9\" "
                           "height=\"%lld.%lld\" data-bucket=\"%s\" data-count=\"%lld\">"
                           "<title>%s: %lld</title></rect>",
                           (long long)k * 10, (long long)(200 - hgt) / 10,
                           (long long)(200 - hgt) % 10, (long long)hgt / 10, (long long)hgt % 10,
                           when, (long long)c, when, (long long)c);
        }
        cg_sbuf_puts(b, "</svg>\n</div>\n");
    }
    cg_sbuf_printf(b, "<div class=\"axis\"><span>%s</span><span>%s</span></div>\n", from, to);
    cg_sbuf_puts(b, "</figure>\n");
    free(ord);
out:
    for (size_t i = 0; i < g.n_rules; i++)
        free(g.rule_names[i]);
    free(g.rule_names);
    free(g.counts);
    if (h->failed)
        cg_sbuf_puts(b, "</figure>\n");
}

void cg_html_chart_delays(cg_html_run *h, cg_sbuf *b)
{
    int64_t scale = 0;
    size_t shown = 0;
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-delays\">\n<figcaption>Revocation delay "
                    "against the deadline</figcaption>\n");
    for (size_t i = 0; i < h->n_delays; i++) {
        const cg_html_delay *d = &h->delays[i];
        if (!d->has)
            continue;
        shown++;
        if (d->delay > scale)
            scale = d->delay;
        if (d->window > scale)
            scale = d->window;
    }
    if (shown == 0) {
        cg_sbuf_puts(b, "<p class=\"note\">No incident with a certificate to revoke.</p>\n"
                        "</figure>\n");
        return;
    }
    scale += scale / 20 + 1;
    char span[48];
    cg_html_span_text(scale, span, sizeof(span));
    cg_sbuf_puts(b, "<p class=\"note\">Per incident, from the problem report to the published "
                    "revocation of its slowest certificate (to now while one is still "
                    "outstanding); the line is the revocation deadline. Green: on time, amber: "
                    "outstanding within the deadline, red: late.</p>\n");
    for (size_t i = 0; i < h->n_delays; i++) {
        const cg_html_delay *d = &h->delays[i];
        char what[160], dur[48], win[32];
        const char *cls;
        if (!d->has)
            continue;
        cg_incident_window_name(d->window, win, sizeof(win));
        switch (d->state) {
        case CG_REVOCATION_ON_TIME:
            cg_html_span_text(d->delay, dur, sizeof(dur));
            snprintf(what, sizeof(what), "revoked after %s, within %s", dur, win);
            cls = "bar-ok";
            break;
        case CG_REVOCATION_LATE:
            cg_incident_format_duration(d->late_by, dur, sizeof(dur));
            snprintf(what, sizeof(what), "revoked %s late (deadline %s)", dur, win);
            cls = "bar-late";
            break;
        case CG_REVOCATION_OVERDUE:
            cg_incident_format_duration(d->late_by, dur, sizeof(dur));
            snprintf(what, sizeof(what), "not revoked, %s late (deadline %s)", dur, win);
            cls = "bar-late";
            break;
        default:
            cg_html_span_text(d->left, dur, sizeof(dur));
            snprintf(what, sizeof(what), "not revoked yet, %s left of %s", dur, win);
            cls = "bar-pending";
            break;
        }
        cg_sbuf_printf(b,
                       "<div class=\"crow\" data-incident=\"%lld\" data-state=\"%s\" "
                       "data-delay-hours=\"%lld\" data-deadline-hours=\"%lld\">\n"
                       "<div class=\"clabel\"><span><a href=\"incident-%lld.html\">#%lld ",
                       (long long)d->id, cg_html_state_class(d->state),
                       (long long)(d->delay / 3600), (long long)(d->window / 3600),
                       (long long)d->id, (long long)d->id);
        cg_html_esc(b, d->kind);
        cg_sbuf_printf(b, "</a> · %zu of %zu revoked</span><span>", d->revoked, d->needing);
        cg_html_esc(b, what);
        cg_sbuf_puts(b, "</span></div>\n");
        /* x in thousandths of the scale */
        int64_t w = d->delay * 1000 / scale, dl = d->window * 1000 / scale;
        if (w < 2)
            w = 2;
        cg_sbuf_printf(b,
                       "<svg viewBox=\"0 0 1000 20\" preserveAspectRatio=\"none\" role=\"img\" "
                       "aria-label=\"incident %lld: ",
                       (long long)d->id);
        cg_html_esc(b, what);
        cg_sbuf_printf(b,
                       "\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" height=\"20\"/>"
                       "<rect class=\"%s\" x=\"0\" y=\"4\" width=\"%lld\" height=\"12\">"
                       "<title>",
                       cls, (long long)w);
        cg_html_esc(b, what);
        cg_sbuf_printf(b,
                       "</title></rect><line class=\"deadline\" x1=\"%lld\" x2=\"%lld\" y1=\"0\" "
                       "y2=\"20\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\">"
                       "<title>deadline: %s after the report</title></line></svg>\n</div>\n",
                       (long long)dl, (long long)dl, win);
    }
    cg_sbuf_printf(b, "<div class=\"axis\"><span>report</span><span>%s</span></div>\n</figure>\n",
                   span);
}

void cg_html_chart_operators(cg_html_run *h, cg_sbuf *b)
{
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-operators\">\n<figcaption>SCT log "
                    "operators</figcaption>\n");
    if (h->stats.scts == 0) {
        cg_sbuf_puts(b, "<p class=\"note\">No stored certificate embeds an SCT.</p>\n</figure>\n");
        return;
    }
    qsort(h->operators.v, h->operators.n, sizeof(*h->operators.v), cg_html_by_count_then_name);
    cg_sbuf_printf(b,
                   "<p class=\"note\">The %lld SCTs embedded in the stored certificates, by the "
                   "operator of their log when the SCT was issued%s.</p>\n",
                   (long long)h->stats.scts,
                   h->o.loglist == NULL ? "; no log list was given (--loglist), so every log is "
                                          "unknown"
                                        : "; logs the log list does not name are \"unknown log\"");
    for (size_t i = 0; i < h->operators.n; i++) {
        const cg_html_label *c = &h->operators.v[i];
        int64_t permille = c->count * 1000 / h->stats.scts;
        int64_t w = c->count * 1000 / h->stats.scts;
        if (w < 2)
            w = 2;
        cg_sbuf_puts(b, "<div class=\"crow\" data-operator=\"");
        cg_html_esc(b, c->name);
        cg_sbuf_printf(b, "\" data-count=\"%lld\">\n<div class=\"clabel\"><span>",
                       (long long)c->count);
        cg_html_esc(b, c->name);
        cg_sbuf_printf(b, "</span><span>%lld SCT%s · %lld.%lld%%</span></div>\n",
                       (long long)c->count, c->count == 1 ? "" : "s", (long long)permille / 10,
                       (long long)permille % 10);
        cg_sbuf_puts(b, "<svg viewBox=\"0 0 1000 20\" preserveAspectRatio=\"none\" role=\"img\" "
                        "aria-label=\"");
        cg_html_esc(b, c->name);
        cg_sbuf_printf(b,
                       ": %lld\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" "
                       "height=\"20\"/><rect class=\"bar\" x=\"0\" y=\"4\" width=\"%lld\" "
                       "height=\"12\"/></svg>\n</div>\n",
                       (long long)c->count, (long long)w);
    }
    cg_sbuf_puts(b, "</figure>\n");
}

static int by_mark_time(const void *a, const void *b)
{
    const cg_html_mark *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* An incident's timeline: the deadlines as lines, each revocation as a
 * tick (green on time, red late), the reports posted, the evaluation time
 * dashed; below it the same as a list (revocations summed up). */
void cg_html_chart_timeline(cg_html_run *h, cg_sbuf *b, int64_t start, const cg_html_mark *m,
                            size_t n)
{
    static const char *const cls[] = {"tl-deadline", "tl-rev-ok", "tl-rev-late", "tl-event"};
    int64_t end = h->o.at;
    size_t rev[3] = {0};
    int64_t rev_first[3] = {0}, rev_last[3] = {0};
    for (size_t i = 0; i < n; i++)
        if (m[i].t > end)
            end = m[i].t;
    int64_t span = end - start;
    if (span <= 0)
        span = 1;
    span += span / 20 + 1;
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-timeline\">\n<figcaption>Timeline"
                    "</figcaption>\n<svg class=\"timeline\" viewBox=\"0 0 1000 40\" "
                    "preserveAspectRatio=\"none\" role=\"img\" aria-label=\"the incident's "
                    "deadlines, revocations and reports over time\">"
                    "<rect class=\"track\" x=\"0\" y=\"16\" width=\"1000\" height=\"8\"/>");
    for (size_t i = 0; i < n; i++) {
        int64_t x = (m[i].t - start) * 1000 / span;
        int k = m[i].kind >= 0 && m[i].kind <= 3 ? m[i].kind : 3;
        int y1 = k == 0 ? 0 : k == 3 ? 6 : 12, y2 = 40 - y1;
        if (x < 0)
            x = 0;
        cg_sbuf_printf(b,
                       "<line class=\"%s\" x1=\"%lld\" x2=\"%lld\" y1=\"%d\" y2=\"%d\" "
                       "stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"><title>%s: ",
                       cls[k], (long long)x, (long long)x, y1, y2, m[i].label);
        char ts[32];
        cg_time_format(m[i].t, ts, sizeof(ts));
        cg_sbuf_printf(b, "%s</title></line>", ts);
    }
    int64_t xa = (h->o.at - start) * 1000 / span;
    cg_sbuf_printf(b,
                   "<line class=\"tl-at\" x1=\"%lld\" x2=\"%lld\" y1=\"0\" y2=\"40\" "
                   "stroke-width=\"1\" vector-effect=\"non-scaling-stroke\"><title>evaluated "
                   "at</title></line></svg>\n",
                   (long long)(xa < 0 ? 0 : xa), (long long)(xa < 0 ? 0 : xa));
    char total[48];
    cg_html_span_text(span, total, sizeof(total));
    cg_sbuf_printf(b, "<div class=\"axis\"><span>reported</span><span>%s</span></div>\n", total);
    /* the list: deadlines and reports one by one, revocations summed up */
    cg_html_mark *sorted = n > 0 ? malloc(n * sizeof(*sorted)) : NULL;
    if (n > 0 && sorted == NULL) {
        cg_html_set_err(h, "out of memory");
        return;
    }
    if (n > 0) {
        memcpy(sorted, m, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), by_mark_time);
    }
    cg_sbuf_puts(b, "<ol class=\"tl-list\" id=\"timeline-list\">\n<li class=\"tl-event\">");
    cg_html_time_el(b, start);
    cg_sbuf_puts(b, " reported</li>\n");
    for (size_t i = 0; i < n; i++) {
        int k = sorted[i].kind;
        if (k == 1 || k == 2) {
            if (rev[k]++ == 0)
                rev_first[k] = sorted[i].t;
            rev_last[k] = sorted[i].t;
            continue;
        }
        cg_sbuf_printf(b, "<li class=\"%s\">", cls[k >= 0 && k <= 3 ? k : 3]);
        cg_html_time_el(b, sorted[i].t);
        cg_sbuf_printf(b, " %s</li>\n", sorted[i].label);
    }
    for (int k = 1; k <= 2; k++) {
        if (rev[k] == 0)
            continue;
        cg_sbuf_printf(b, "<li class=\"%s\" data-revocations=\"%zu\">%zu certificate%s revoked %s",
                       cls[k], rev[k], rev[k], rev[k] == 1 ? "" : "s",
                       k == 1 ? "on time" : "late");
        cg_sbuf_puts(b, ": ");
        cg_html_time_el(b, rev_first[k]);
        if (rev[k] > 1) {
            cg_sbuf_puts(b, " to ");
            cg_html_time_el(b, rev_last[k]);
        }
        cg_sbuf_puts(b, "</li>\n");
    }
    cg_sbuf_puts(b, "</ol>\n</figure>\n");
    free(sorted);
}
