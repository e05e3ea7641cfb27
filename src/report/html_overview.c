/* index.html's cards and overview by issuer (html_internal.h): the store's
 * object counts and open finding counts, folded into one row per issuer
 * Name as RFC 4514 text (encodings that read the same are one row). */
#include <stdlib.h>
#include <string.h>

#include "report/html_internal.h"

static cg_html_issuer *issuer_get(cg_html_run *h, const uint8_t *p, size_t n)
{
    char name[NAME_MAX_TEXT];
    cg_html_name_text(p, n, name, sizeof(name));
    for (size_t i = 0; i < h->n_iss; i++) {
        if (strcmp(h->iss[i].name, name) == 0)
            return &h->iss[i];
    }
    if (!cg_html_grow(h, (void **)&h->iss, &h->cap_iss, h->n_iss, sizeof(*h->iss)))
        return NULL;
    cg_html_issuer *r = &h->iss[h->n_iss];
    memset(r, 0, sizeof(*r));
    r->name = strdup(name);
    if (r->name == NULL) {
        cg_html_set_err(h, "out of memory");
        return NULL;
    }
    h->n_iss++;
    return r;
}

static int by_issuer_name(const void *a, const void *b)
{
    const cg_html_issuer *x = a, *y = b;
    /* "(none)" and other parenthesised labels after the Names */
    int px = x->name[0] == '(', py = y->name[0] == '(';
    if (px != py)
        return px - py;
    return strcmp(x->name, y->name);
}

int cg_html_on_obj_count(void *arg, const uint8_t *issuer, size_t n, cg_kind kind, int64_t count)
{
    cg_html_run *h = arg;
    cg_html_issuer *r = issuer_get(h, issuer, n);
    if (r == NULL)
        return 0;
    r->obj[(unsigned)kind < 4 ? kind : CG_KIND_INPUT] += count;
    h->stats.objects += count;
    return 1;
}

int cg_html_on_open_count(void *arg, const uint8_t *issuer, size_t n, cg_severity sev,
                          int64_t count)
{
    cg_html_run *h = arg;
    cg_html_issuer *r = issuer_get(h, issuer, n);
    if (r == NULL)
        return 0;
    r->open[sev] += count;
    h->stats.open[sev] += count;
    return 1;
}

void cg_html_issuers_sort(cg_html_run *h)
{
    if (h->n_iss > 1) /* qsort must not get NULL, even for no element */
        qsort(h->iss, h->n_iss, sizeof(*h->iss), by_issuer_name);
}

void cg_html_overview(cg_html_run *h, cg_sbuf *b)
{
    int64_t tot[5] = {0}, open[3] = {0};
    cg_sbuf_printf(
        b,
        "<div class=\"cards\">\n"
        "<div class=\"card\" id=\"card-objects\">Objects<b>%lld</b></div>\n"
        "<div class=\"card\" id=\"card-errors\">Open errors<b class=\"sev-error\">"
        "%lld</b></div>\n"
        "<div class=\"card\" id=\"card-warnings\">Open warnings<b class=\"sev-warning\">"
        "%lld</b></div>\n"
        "<div class=\"card\" id=\"card-notices\">Open notices<b class=\"sev-notice\">"
        "%lld</b></div>\n"
        "<div class=\"card\" id=\"card-incidents\">Incidents<b>%zu</b></div>\n"
        "</div>\n",
        (long long)h->stats.objects, (long long)h->stats.open[CG_SEV_ERROR],
        (long long)h->stats.open[CG_SEV_WARNING], (long long)h->stats.open[CG_SEV_NOTICE],
        h->n_inc);
    cg_sbuf_puts(b, "<section id=\"overview\">\n<h2>Overview by issuer</h2>\n"
                    "<p class=\"note\">Objects seen, by the Name that issued them, and their "
                    "open findings. Findings about an incident as a whole have no issuer.</p>\n"
                    "<div class=\"scroll\"><table id=\"issuers\">\n<thead><tr><th>Issuer</th>"
                    "<th class=\"num\">Certificates</th><th class=\"num\">Precertificates</th>"
                    "<th class=\"num\">CRLs</th><th class=\"num\">Undecodable</th>"
                    "<th class=\"num\">Open errors</th><th class=\"num\">Open warnings</th>"
                    "<th class=\"num\">Open notices</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < h->n_iss; i++) {
        const cg_html_issuer *r = &h->iss[i];
        cg_sbuf_puts(b, "<tr data-issuer=\"");
        cg_html_esc(b, r->name);
        cg_sbuf_puts(b, "\"><th scope=\"row\" class=\"issuer\">");
        cg_html_esc(b, r->name);
        cg_sbuf_puts(b, "</th>");
        for (int k = 0; k < 4; k++) {
            static const char *const kn[] = {"certificate", "precertificate", "crl", "input"};
            cg_sbuf_printf(b, "<td class=\"num\" data-kind=\"%s\">%lld</td>", kn[k],
                           (long long)r->obj[k]);
            tot[k] += r->obj[k];
        }
        for (int s = 0; s < 3; s++) {
            cg_sbuf_printf(b, "<td class=\"num\" data-severity=\"%s\">",
                           cg_severity_name((cg_severity)s));
            if (r->open[s] > 0) {
                cg_sbuf_puts(b, "<a href=\"#issuer=");
                cg_html_url_comp(b, r->name);
                cg_sbuf_printf(b, "&amp;severity=%s&amp;status=open\">%lld</a>",
                               cg_severity_name((cg_severity)s), (long long)r->open[s]);
            } else {
                cg_sbuf_puts(b, "0");
            }
            cg_sbuf_puts(b, "</td>");
            open[s] += r->open[s];
        }
        cg_sbuf_puts(b, "</tr>\n");
    }
    if (h->n_iss == 0)
        cg_sbuf_puts(b, "<tr><td colspan=\"8\">The store holds no object and no finding."
                        "</td></tr>\n");
    cg_sbuf_puts(b, "</tbody>\n<tfoot><tr data-issuer=\"\"><th scope=\"row\">All</th>");
    for (int k = 0; k < 4; k++)
        cg_sbuf_printf(b, "<td class=\"num\">%lld</td>", (long long)tot[k]);
    for (int s = 0; s < 3; s++)
        cg_sbuf_printf(b, "<td class=\"num\" data-severity=\"%s\">%lld</td>",
                       cg_severity_name((cg_severity)s), (long long)open[s]);
    cg_sbuf_puts(b, "</tr></tfoot>\n</table></div>\n</section>\n");
}
