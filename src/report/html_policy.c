/* index.html's policy panel: the CA's CP and CPS versions in effect, each
 * with the date a newer one must take effect by (TLS BRs §2.3) and what the
 * monitor's last fetch of its URL saw (docs/policy.md). Shown when a
 * version is recorded. */
#include <stdlib.h>
#include <string.h>

#include "incident/policydoc.h"
#include "report/html_internal.h"
#include "util/redact.h"

int cg_html_policy_section(cg_html_run *h, cg_sbuf *b)
{
    cg_pdoc *docs = NULL;
    size_t n = 0;
    int ok = 0;
    char span[48], shown[2048];
    if (!cg_store_pdoc_list(h->st, &docs, &n)) {
        cg_html_store_err(h, "listing the policy documents");
        return 0;
    }
    if (n == 0) {
        ok = 1;
        goto out;
    }
    cg_sbuf_puts(b, "<section id=\"policy\">\n<h2>Policy documents</h2>\n<div class=\"scroll\">"
                    "<table id=\"policy-table\">\n<thead><tr><th>Document</th><th>Version in "
                    "effect</th><th>Since</th><th>Newer version due (TLS BRs §2.3)</th>"
                    "<th>Last fetch</th></tr></thead>\n<tbody>\n");
    for (int k = 0; k < CG_PDOC_KINDS; k++) {
        const cg_pdoc *cur = cg_pdoc_current(docs, n, (cg_pdoc_kind)k, h->o.at);
        cg_store_pdoc_fetch f;
        int found = 0;
        if (cur == NULL)
            continue;
        int64_t due = cur->effective + CG_PDOC_REVIEW_WINDOW;
        if (!cg_store_pdoc_fetch_get(h->st, cur->url, &f, &found)) {
            cg_html_store_err(h, "reading a policy document's fetches");
            goto out;
        }
        cg_redact(cur->url, shown, sizeof(shown));
        cg_sbuf_printf(b, "<tr><th scope=\"row\">%s</th><td>", cg_pdoc_kind_title(cur->kind));
        cg_html_esc(b, cur->version);
        cg_sbuf_puts(b, "<br><span class=\"note mono\">");
        cg_html_esc(b, shown);
        cg_sbuf_puts(b, "</span></td><td class=\"nowrap\">");
        cg_html_time_el(b, cur->effective);
        cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
        cg_html_time_el(b, due);
        if (h->o.at > due) {
            cg_html_span_text(h->o.at - due, span, sizeof(span));
            cg_sbuf_printf(b, " <span class=\"missed\">overdue by %s</span>", span);
        } else {
            cg_html_span_text(due - h->o.at, span, sizeof(span));
            cg_sbuf_printf(b, " <span class=\"%s\">in %s</span>",
                           due - h->o.at < CG_PDOC_REVIEW_WARNING ? "due" : "met", span);
        }
        cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
        if (!found || f.fetched_at == 0)
            cg_sbuf_puts(b, "never");
        else
            cg_html_time_el(b, f.fetched_at);
        if (found && f.failing_since != 0)
            cg_sbuf_puts(b, " <span class=\"missed\">failing</span>");
        cg_sbuf_puts(b, "</td></tr>\n");
    }
    cg_sbuf_puts(b, "</tbody>\n</table></div>\n</section>\n");
    ok = 1;
out:
    for (size_t i = 0; i < n; i++)
        cg_pdoc_clear(&docs[i]);
    free(docs);
    return ok;
}
