/* The dashboard (html.h): the store's summaries, findings and incidents as
 * a static site. This file is the run: everything is read from the store
 * first (object and open finding counts, the certificates' SCTs, the
 * incident list), then index.html and the incident pages are built whole
 * in memory, written into a fresh directory next to the destination and
 * renamed into place. html_internal.h says which file holds which part. */
#include "report/html.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/html_internal.h"

/* ---- collecting ---- */

/* ---- index.html ---- */

static int index_page(cg_html_run *h)
{
    cg_sbuf b = CG_SBUF_INIT, inc_rows = CG_SBUF_INIT, fsec = CG_SBUF_INIT;
    int ok = 0;
    if (!cg_html_incidents(h, &inc_rows))
        goto out;
    cg_html_findings_section(h, &fsec);
    if (h->failed)
        goto out;
    cg_html_page_head(h, &b, "caguard report", NULL);
    cg_sbuf_puts(&b, "<nav><a href=\"#due-next\">Due next</a><a href=\"#overview\">Overview</a>"
                     "<a href=\"#sources\">Sources</a><a href=\"#charts\">Charts</a>"
                     "<a href=\"#incidents\">Incidents</a><a href=\"#findings\">Findings</a>"
                     "</nav>\n</header>\n<main>\n");
    /* what needs doing first, then the state of things */
    cg_html_due_band(h, &b);
    cg_html_overview(h, &b);
    cg_html_sources(h, &b);
    cg_sbuf_puts(&b, "<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    cg_html_chart_rules(h, &b);
    cg_html_chart_delays(h, &b);
    cg_html_chart_operators(h, &b);
    cg_sbuf_puts(&b, "</div>\n</section>\n");
    if (h->failed)
        goto out;
    cg_sbuf_printf(&b, "<section id=\"incidents\">\n<h2>Incidents (%zu)</h2>\n",
                   h->stats.incidents);
    if (h->stats.incidents > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"incidents-table\" class=\"stack\">\n<thead><tr>"
                         "<th>ID</th><th>Kind</th><th>Title</th><th>Reported</th>"
                         "<th class=\"num\">Certificates</th><th>Revocation</th>"
                         "<th>Next deadline</th><th>State</th></tr></thead>\n<tbody>\n");
        cg_sbuf_append(&b, cg_sbuf_str(&inc_rows), inc_rows.len);
        cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    } else {
        cg_sbuf_puts(&b, "<p class=\"note\">No incident recorded (<code>caguard incident "
                         "open</code>).</p>\n");
    }
    cg_sbuf_puts(&b, "</section>\n");
    if (!cg_html_policy_section(h, &b))
        goto out;
    cg_sbuf_append(&b, cg_sbuf_str(&fsec), fsec.len);
    cg_sbuf_puts(&b, "</main>\n");
    cg_html_page_tail(h, &b);
    if (inc_rows.failed || fsec.failed) {
        cg_html_set_err(h, "out of memory");
        goto out;
    }
    ok = cg_html_write_file(h, "index.html", &b);
out:
    cg_sbuf_free(&b);
    cg_sbuf_free(&inc_rows);
    cg_sbuf_free(&fsec);
    return ok;
}

int cg_html_report_write(cg_store *store, const char *dir, const cg_html_opts *opts,
                         cg_html_stats *stats, char *err, size_t errcap)
{
    cg_html_run h;
    int ok = 0;
    char *dest = NULL;
    memset(&h, 0, sizeof(h));
    h.st = store;
    h.o = *opts;
    if (h.o.max_findings == 0)
        h.o.max_findings = CG_HTML_MAX_FINDINGS;
    if (h.o.written == 0)
        h.o.written = (int64_t)time(NULL);
    if (h.o.interval <= 0)
        h.o.interval = CG_HTML_INTERVAL;
    h.err = err;
    h.errcap = errcap;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if (dir == NULL || dir[0] == '\0') {
        cg_html_set_err(&h, "no directory given");
        return 0;
    }
    if (!cg_html_frame_hashes(&h)) {
        cg_html_set_err(&h, "cannot hash the page's script (OpenSSL)");
        return 0;
    }
    /* Everything read before anything is written. */
    if (!cg_store_object_counts(store, cg_html_on_obj_count, &h)) {
        cg_html_store_err(&h, "counting objects");
        goto out;
    }
    if (!cg_store_open_finding_counts(store, cg_html_on_open_count, &h)) {
        cg_html_store_err(&h, "counting findings");
        goto out;
    }
    if (!cg_store_objects_by_kind(store, CG_KIND_CERT, cg_html_on_cert, &h)) {
        cg_html_store_err(&h, "reading certificates");
        goto out;
    }
    if (!cg_store_incident_ids(store, &h.incident_ids, &h.n_inc)) {
        cg_html_store_err(&h, "listing incidents");
        goto out;
    }
    if (!cg_store_log_states(store, cg_html_on_log_state, &h)) {
        cg_html_store_err(&h, "reading the logs' state");
        goto out;
    }
    if (!cg_store_crl_sources(store, cg_html_on_crl_source, &h)) {
        cg_html_store_err(&h, "reading the CRL sources");
        goto out;
    }
    if (h.failed)
        goto out;
    cg_html_issuers_sort(&h);
    /* "site/" is "site": the renames below name the directory itself */
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    dest = strndup(dir, dl);
    if (dest == NULL) {
        cg_html_set_err(&h, "out of memory");
        goto out;
    }
    if (!cg_html_make_tmp(&h, dest))
        goto out;
    if (!index_page(&h))
        goto out;
    /* The marker, last: the names of the files this report wrote, which a
     * later report may replace (and nothing else). */
    if (!cg_html_write_file(&h, MARKER, &h.written))
        goto out;
    h.stats.files--; /* the marker is not a page */
    if (!cg_html_publish(&h, dest))
        goto out;
    ok = 1;
out:
    if (!ok && h.tmp != NULL)
        cg_html_remove_tree(h.tmp);
    if (ok && stats != NULL)
        *stats = h.stats;
    free(h.tmp);
    cg_sbuf_free(&h.written);
    free(dest);
    for (size_t i = 0; i < h.n_iss; i++)
        free(h.iss[i].name);
    free(h.iss);
    cg_html_labels_free(&h.rules);
    cg_html_labels_free(&h.fissuers);
    cg_html_labels_free(&h.operators);
    free(h.incident_ids);
    for (size_t i = 0; i < h.n_delays; i++)
        free(h.delays[i].kind);
    free(h.delays);
    cg_html_due_free(&h);
    return ok;
}
