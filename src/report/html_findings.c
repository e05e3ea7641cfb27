/* index.html's findings table and its filters (html_internal.h): one row
 * per stored finding, grouped by object as `caguard findings` lists them,
 * with the drop-down lists of the rules, severities, issuers and statuses
 * present that the page's script filters on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_internal.h"

typedef struct flist {
    cg_html_run *h;
    cg_sbuf *rows;
    size_t max, listed;
    int64_t total;
} flist;

static int on_finding(void *arg, const cg_store_finding *f)
{
    flist *l = arg;
    cg_html_run *h = l->h;
    cg_sbuf *b = l->rows;
    char issuer[NAME_MAX_TEXT], sha[65], serial[80];
    const char *sev = cg_severity_name(f->severity);
    cg_rule_id rid;
    l->total++;
    if (l->listed >= l->max)
        return 1;
    l->listed++;
    if (f->issuer != NULL)
        cg_html_name_text(f->issuer, f->issuer_len, issuer, sizeof(issuer));
    else
        snprintf(issuer, sizeof(issuer), "%s", NO_ISSUER);
    cg_html_label *rc = cg_html_label_add(h, &h->rules, f->rule != NULL ? f->rule : "", 1);
    if (rc == NULL || cg_html_label_add(h, &h->fissuers, issuer, 1) == NULL)
        return 0;
    rc->sev = f->severity;
    cg_sbuf_puts(b, "<tr data-rule=\"");
    cg_html_esc(b, f->rule);
    cg_sbuf_printf(b, "\" data-severity=\"%s\" data-issuer=\"", sev);
    cg_html_esc(b, issuer);
    cg_sbuf_printf(b, "\" data-status=\"%s\">", f->resolved ? "resolved" : "open");
    cg_sbuf_printf(b, "<td class=\"sev sev-%s\">%s</td><td class=\"mono\"", sev, sev);
    if (f->rule != NULL && cg_rule_lookup(f->rule, &rid) && cg_rule_get(rid)->reference[0]) {
        cg_sbuf_puts(b, " title=\"");
        cg_html_esc(b, cg_rule_get(rid)->reference);
        cg_sbuf_puts(b, "\"");
    }
    cg_sbuf_puts(b, ">");
    cg_html_esc(b, f->rule);
    cg_sbuf_puts(b, "</td><td class=\"msg\">");
    cg_html_esc(b, f->message);
    cg_sbuf_printf(b, "</td><td class=\"obj\">%s", cg_kind_name(f->kind));
    if (f->serial != NULL && f->serial_len > 0) {
        cg_cbs s;
        cg_cbs_init(&s, f->serial, f->serial_len);
        cg_serial_hex(&s, serial, sizeof(serial));
        cg_sbuf_printf(b, "<br><span class=\"mono\">serial %s</span>", serial);
    }
    if (f->has_object) {
        cg_hex(f->object, 32, sha);
        cg_sbuf_printf(b, "<br><span class=\"mono\" title=\"SHA-256 %s\">%.16s…</span>", sha, sha);
    }
    if (f->file != NULL) {
        cg_sbuf_puts(b, "<br>");
        cg_html_esc(b, f->file);
        cg_sbuf_printf(b, " #%lld", (long long)f->index);
    }
    cg_sbuf_puts(b, "</td><td class=\"issuer\">");
    cg_html_esc(b, issuer);
    cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
    cg_html_time_el(b, f->first_seen);
    cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
    if (f->resolved) {
        cg_sbuf_puts(b, "resolved ");
        cg_html_time_el(b, f->resolved_at);
    } else {
        cg_sbuf_puts(b, "open");
    }
    cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
    if (f->incident > 0)
        cg_sbuf_printf(b, "<a href=\"incident-%lld.html\">#%lld</a>", (long long)f->incident,
                       (long long)f->incident);
    cg_sbuf_puts(b, "</td></tr>\n");
    return 1;
}

static void select_el(cg_sbuf *b, const char *key, const char *label, const cg_html_labels *l)
{
    cg_sbuf_printf(b, "<label>%s<select id=\"f-%s\"><option value=\"\">all</option>", label, key);
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        cg_sbuf_puts(b, "<option value=\"");
        cg_html_esc(b, l->v[i].name);
        cg_sbuf_puts(b, "\">");
        cg_html_esc(b, l->v[i].name);
        cg_sbuf_printf(b, " (%lld)</option>", (long long)l->v[i].count);
    }
    if (l == NULL && strcmp(key, "severity") == 0)
        cg_sbuf_puts(b, "<option value=\"error\">error</option><option value=\"warning\">"
                        "warning</option><option value=\"notice\">notice</option>");
    if (l == NULL && strcmp(key, "status") == 0)
        cg_sbuf_puts(b, "<option value=\"open\">open</option><option value=\"resolved\">"
                        "resolved</option>");
    cg_sbuf_puts(b, "</select></label>\n");
}

void cg_html_findings_section(cg_html_run *h, cg_sbuf *b)
{
    cg_sbuf rows = CG_SBUF_INIT;
    flist l = {h, &rows, h->o.max_findings, 0, 0};
    if (!cg_store_findings(h->st, NULL, on_finding, &l)) {
        if (!h->failed)
            cg_html_store_err(h, "listing findings");
        cg_sbuf_free(&rows);
        return;
    }
    h->stats.findings = l.total;
    h->stats.findings_listed = l.listed;
    if (h->rules.n > 1)
        qsort(h->rules.v, h->rules.n, sizeof(*h->rules.v), cg_html_by_name);
    if (h->fissuers.n > 1)
        qsort(h->fissuers.v, h->fissuers.n, sizeof(*h->fissuers.v), cg_html_by_name);
    cg_sbuf_printf(b,
                   "<section id=\"findings\">\n<h2>Findings</h2>\n<p class=\"note\">"
                   "<span id=\"shown\">%zu</span> of <span id=\"listed\">%zu</span> findings "
                   "shown",
                   l.listed, l.listed);
    if ((int64_t)l.listed < l.total)
        cg_sbuf_printf(b,
                       " (the table lists the first %zu of the store's %lld, grouped by "
                       "object; <code>caguard findings</code> lists them all)",
                       l.listed, (long long)l.total);
    cg_sbuf_puts(b, ". Filters may also be given in the address: "
                    "<code>index.html#severity=error&amp;status=open</code> (keys rule, "
                    "severity, issuer, status).</p>\n"
                    "<noscript><p class=\"note\">JavaScript is off: every finding is listed "
                    "and the filters are not available.</p></noscript>\n"
                    "<div class=\"filters\" id=\"filters\" hidden>\n");
    select_el(b, "rule", "Rule", &h->rules);
    select_el(b, "severity", "Severity", NULL);
    select_el(b, "issuer", "Issuer", &h->fissuers);
    select_el(b, "status", "Status", NULL);
    cg_sbuf_puts(b, "<label>&#160;<button type=\"button\" id=\"f-clear\">Clear</button></label>\n"
                    "</div>\n<p id=\"no-match\" class=\"note\" hidden>No finding matches these "
                    "filters.</p>\n"
                    "<div class=\"scroll\"><table id=\"findings-table\">\n<thead><tr>"
                    "<th>Severity</th><th>Rule</th><th>Message</th><th>Object</th>"
                    "<th>Issuer</th><th>First seen</th><th>Status</th><th>Incident</th>"
                    "</tr></thead>\n<tbody>\n");
    cg_sbuf_append(b, cg_sbuf_str(&rows), rows.len);
    if (rows.failed)
        cg_html_set_err(h, "out of memory");
    cg_sbuf_puts(b, "</tbody>\n</table></div>\n</section>\n");
    cg_sbuf_free(&rows);
}
