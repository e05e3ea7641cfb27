/* The dashboard's layout (html_internal.h): what every page shares. The
 * page frame (head with its Content-Security-Policy, header, footer), the
 * one stylesheet and the one script (allowed by their SHA-256), escaping
 * and the small formatters the pages use, and the run's error and label
 * helpers.
 *
 * Everything that comes from certificates, CRLs, findings or what a person
 * typed (titles, notes) goes through cg_html_esc(): HTML-escaped for text
 * and double-quoted attribute values alike, with invalid UTF-8, control
 * and bidi formatting characters replaced. The script reads its data from the DOM; no stored
 * text is ever written into it. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_internal.h"
#include "util/base64.h"
#include "util/errf.h"
#include "util/escape.h"
#include "util/redact.h"
#include "x509/name.h"
#include "x509/time.h"

/* ---- escaping and formatting ---- */

/* Text for HTML element content and double-quoted attribute values. */
static void esc_raw(cg_sbuf *b, const char *s, size_t n)
{
    static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned c = p[i];
        const char *rep = NULL;
        size_t len = 1;
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c == '"')
            rep = "&quot;";
        else if (c == '\'')
            rep = "&#39;";
        else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            rep = repl;
        else if (c >= 0x80) {
            /* C1 controls and bidi overrides too (util/escape.h): U+202E
             * would turn the rest of a line around. */
            uint32_t cp = 0;
            len = cg_utf8_char(p + i, n - i, &cp);
            if (len == 0 || cg_esc_unsafe_cp(cp))
                rep = repl;
            len = len == 0 ? 1 : len;
        }
        if (rep == NULL) {
            i += len;
            run += len;
            continue;
        }
        cg_sbuf_append(b, s + i - run, run);
        cg_sbuf_puts(b, rep);
        run = 0;
        i += len;
    }
    cg_sbuf_append(b, s + i - run, run);
}

/* The same, with every secret of a URL or store URI hidden first
 * (util/redact.h): a log's URL with credentials in a finding, a store named
 * in a message, never reach the page. */
void cg_html_esc_n(cg_sbuf *b, const char *s, size_t n)
{
    char *copy, *shown;
    if (memchr(s, ':', n) == NULL && memchr(s, '=', n) == NULL) {
        esc_raw(b, s, n);
        return;
    }
    copy = strndup(s, n);
    if (copy == NULL || !cg_redact_has_secret(copy)) {
        free(copy);
        esc_raw(b, s, n);
        return;
    }
    shown = cg_redact_dup(copy);
    esc_raw(b, shown != NULL ? shown : CG_REDACTED, shown != NULL ? strlen(shown) : 3);
    free(shown);
    free(copy);
}

void cg_html_esc(cg_sbuf *b, const char *s)
{
    if (s != NULL)
        cg_html_esc_n(b, s, strlen(s));
}

/* A URL query component (encodeURIComponent's set): safe in an attribute
 * as it is. */
void cg_html_url_comp(cg_sbuf *b, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == '!' || c == '*' || c == '(' ||
            c == ')') {
            char ch = (char)c;
            cg_sbuf_append(b, &ch, 1);
        } else {
            char enc[3] = {'%', hexd[c >> 4], hexd[c & 15]};
            cg_sbuf_append(b, enc, 3);
        }
    }
}

/* A span of time as people read a countdown: "45 s", "12 min", "5 h 3 min",
 * "3 days 4 h". The page's script formats the same way. */
void cg_html_span_text(int64_t s, char *buf, size_t cap)
{
    if (s < 0)
        s = -s;
    if (s < 60)
        snprintf(buf, cap, "%lld s", (long long)s);
    else if (s < 3600)
        snprintf(buf, cap, "%lld min", (long long)(s / 60));
    else if (s < 48 * 3600 && (s % 3600) / 60 != 0)
        snprintf(buf, cap, "%lld h %lld min", (long long)(s / 3600), (long long)((s % 3600) / 60));
    else if (s < 48 * 3600)
        snprintf(buf, cap, "%lld h", (long long)(s / 3600));
    else if ((s % 86400) / 3600 != 0)
        snprintf(buf, cap, "%lld days %lld h", (long long)(s / 86400),
                 (long long)((s % 86400) / 3600));
    else
        snprintf(buf, cap, "%lld days", (long long)(s / 86400));
}

void cg_html_time_el(cg_sbuf *b, int64_t t)
{
    char ts[32];
    cg_time_format(t, ts, sizeof(ts));
    cg_sbuf_printf(b, "<time datetime=\"%s\">%s</time>", ts, ts);
}

/* RFC 4514 text of an issuer Name element; NO_ISSUER when there is none. */
void cg_html_name_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    cg_cbs c;
    if (p == NULL) {
        snprintf(buf, cap, "%s", NO_ISSUER);
        return;
    }
    cg_cbs_init(&c, p, n);
    if (cg_name_to_display(&c, buf, cap) && buf[0] != '\0')
        return;
    if (n == 2 && p[0] == 0x30 && p[1] == 0)
        snprintf(buf, cap, "(empty Name)");
    else {
        char h[33];
        cg_hex(p, n < 16 ? n : 16, h);
        snprintf(buf, cap, "(undecodable Name %s%s)", h, n > 16 ? "..." : "");
    }
}

/* ---- the run: errors and labels ---- */

void cg_html_set_err(cg_html_run *h, const char *fmt, ...)
{
    if (h->failed)
        return;
    h->failed = 1;
    CG_FORMAT_ARGS(h->err, h->errcap, fmt);
}

void cg_html_store_err(cg_html_run *h, const char *what)
{
    cg_html_set_err(h, "%s: %s", what, cg_store_errmsg(h->st));
}

int cg_html_grow(cg_html_run *h, void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    void *nv = realloc(*v, ncap * size);
    if (nv == NULL) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    *v = nv;
    *cap = ncap;
    return 1;
}

cg_html_label *cg_html_label_add(cg_html_run *h, cg_html_labels *l, const char *name,
                                 int64_t count)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].name, name) == 0) {
            l->v[i].count += count;
            return &l->v[i];
        }
    }
    if (!cg_html_grow(h, (void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
        return NULL;
    cg_html_label *c = &l->v[l->n];
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    if (c->name == NULL) {
        cg_html_set_err(h, "out of memory");
        return NULL;
    }
    c->count = count;
    l->n++;
    return c;
}

void cg_html_labels_free(cg_html_labels *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
}

int cg_html_by_count_then_name(const void *a, const void *b)
{
    const cg_html_label *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

int cg_html_by_name(const void *a, const void *b)
{
    const cg_html_label *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* ---- page frame ---- */

static const char style_text[] =
    ":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--err:#b42318;"
    "--warn:#8a5a00;--note:#0b5cad;--ok:#1a7f37;--bar:#4a6fa5}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:#fff}\n"
    "header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}\n"
    "header{padding-top:12px;padding-bottom:8px;border-bottom:1px solid var(--line)}\n"
    "footer{color:var(--muted);font-size:.85rem;padding-top:16px;padding-bottom:24px}\n"
    "h1{font-size:1.45rem;margin:.2em 0}h2{font-size:1.2rem;margin:1.6em 0 .5em}"
    "h3{font-size:1.05rem;margin:1.2em 0 .4em}\n"
    "nav{display:flex;flex-wrap:wrap;gap:4px 16px}\n"
    ".meta{color:var(--muted);font-size:.9rem;margin:.2em 0;overflow-wrap:anywhere}\n"
    ".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);"
    "border-radius:6px}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}\n"
    "th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:var(--soft);white-space:nowrap}\n"
    "tbody tr:last-child>*{border-bottom:0}\n"
    "tfoot th,tfoot td{border-top:2px solid var(--line);border-bottom:0}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".nowrap{white-space:nowrap}\n"
    ".issuer{min-width:14em;overflow-wrap:anywhere}"
    ".obj{min-width:12em;max-width:22em;overflow-wrap:anywhere}\n"
    ".msg{min-width:20em;max-width:48em;overflow-wrap:anywhere}\n"
    ".sev{font-weight:600;white-space:nowrap}.sev-error{color:var(--err)}"
    ".sev-warning{color:var(--warn)}.sev-notice{color:var(--note)}\n"
    ".state-late,.state-overdue,.missed{color:var(--err);font-weight:600}"
    ".state-on-time,.met{color:var(--ok)}.state-pending,.due{color:var(--warn)}\n"
    "code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "font-size:.85rem}\n"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);padding:12px;"
    "border:1px solid var(--line);border-radius:6px}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px;"
    "margin:12px 0}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:8px 12px}"
    ".card b{display:block;font-size:1.5rem;font-variant-numeric:tabular-nums}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:8px 16px;margin:.5em 0}"
    ".filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);"
    "max-width:100%;min-width:0}"
    ".filters select{font:inherit;max-width:100%;min-width:10em}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}\n"
    "figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px 12px;"
    "min-width:0}\n"
    "figcaption{font-weight:600;margin-bottom:6px}\n"
    ".note{color:var(--muted);font-size:.85rem;margin:.3em 0}\n"
    ".crow{margin:8px 0}.clabel{display:flex;flex-wrap:wrap;justify-content:space-between;"
    "gap:0 12px;font-size:.85rem}.clabel>:first-child{overflow-wrap:anywhere}"
    ".clabel>:last-child{color:var(--muted);margin-left:auto;text-align:right}\n"
    ".crow svg{display:block;width:100%;height:22px}\n"
    ".axis{display:flex;justify-content:space-between;font-size:.75rem;color:var(--muted)}\n"
    ".track{fill:#eef1f4}.bar{fill:var(--bar)}.bar-late{fill:var(--err)}"
    ".bar-ok{fill:var(--ok)}.bar-pending{fill:#c99a2e}.deadline{stroke:var(--fg)}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "[hidden]{display:none!important}\n"
    ".stale{background:#fdecea;border:1px solid var(--err);color:var(--err);font-weight:600;"
    "padding:8px 12px;border-radius:6px;margin:8px 0}\n"
    ".due-band{border:2px solid var(--line);border-radius:8px;padding:0 12px 8px;"
    "margin:14px 0}.due-band h2{margin:.6em 0 .2em}\n"
    ".due-list{list-style:none;padding:0;margin:0}"
    ".due-item{display:grid;grid-template-columns:1fr auto;gap:2px 12px;padding:8px 10px;"
    "margin:6px 0;border-left:6px solid var(--note);background:var(--soft);border-radius:4px}\n"
    ".due-what{font-weight:600}.due-left{text-align:right;white-space:nowrap}"
    ".due-inc,.due-at{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}\n"
    ".urg-over{border-left-color:var(--err);background:#fdecea}"
    ".urg-24h{border-left-color:#d4590b;background:#fff1e6}"
    ".urg-72h{border-left-color:#c99a2e;background:#fffbea}\n"
    "tr.src-bad>*{background:#fff4f2}\n"
    ".timeline{display:block;width:100%;height:40px}.tl-deadline{stroke:var(--fg)}"
    ".tl-rev-ok{stroke:var(--ok)}.tl-rev-late{stroke:var(--err)}.tl-event{stroke:var(--note)}"
    ".tl-at{stroke:var(--muted);stroke-dasharray:4 3}\n"
    ".tl-list{font-size:.85rem;padding-left:1.4em;margin:.4em 0}li.tl-rev-late{color:var(--err)}"
    "li.tl-rev-ok{color:var(--ok)}\n"
    "@media (max-width:600px){body{font-size:14px}th,td{padding:4px 6px}"
    "dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}"
    ".charts{grid-template-columns:1fr}\n"
    "table.stack thead{display:none}table.stack,table.stack tbody,table.stack tr,"
    "table.stack th,table.stack td{display:block;width:auto}"
    "table.stack tr{border-bottom:1px solid var(--line);padding:6px 0}"
    "table.stack tbody tr:last-child{border-bottom:0}"
    "table.stack th,table.stack td{border:0;padding:2px 10px;min-width:0;max-width:none;"
    "white-space:normal;text-align:left;overflow-wrap:anywhere}"
    "table.stack td[data-label]::before{content:attr(data-label) \": \";color:var(--muted);"
    "font-size:.8rem}\n"
    ".due-item{grid-template-columns:1fr}.due-left{text-align:left}}\n";

/* The one script of every page: the findings filters (from the URL's
 * fragment or query, and back into the fragment) and, when the report
 * was written "now", countdowns that tick on; the banner of a page older
 * than its regeneration interval. It reads only the DOM. */
static const char script_text[] =
    "(function(){'use strict';var d=document;\n"
    "function span(s){s=Math.floor(Math.abs(s));if(s<60)return s+' s';"
    "if(s<3600)return Math.floor(s/60)+' min';var h=Math.floor(s/3600),m=Math.floor(s%3600/60);"
    "if(s<172800)return m?h+' h '+m+' min':h+' h';var dd=Math.floor(s/86400),"
    "hh=Math.floor(s%86400/3600);return hh?dd+' days '+hh+' h':dd+' days';}\n"
    "var tbl=d.getElementById('findings-table');\n"
    "if(tbl){var rows=tbl.tBodies[0].rows,keys=['rule','severity','issuer','status'],sel={};\n"
    "keys.forEach(function(k){sel[k]=d.getElementById('f-'+k);});\n"
    "d.getElementById('filters').hidden=false;\n"
    "var parse=function(s){var o={};s.replace(/^[#?]/,'').split('&').forEach(function(p){"
    "var i=p.indexOf('=');if(i>0){try{o[decodeURIComponent(p.slice(0,i))]="
    "decodeURIComponent(p.slice(i+1).replace(/\\+/g,' '));}catch(e){}}});return o;};\n"
    "var apply=function(){var n=0;for(var i=0;i<rows.length;i++){var r=rows[i],ok=true;"
    "for(var j=0;j<keys.length;j++){var v=sel[keys[j]].value;"
    "if(v&&r.getAttribute('data-'+keys[j])!==v){ok=false;break;}}r.hidden=!ok;if(ok)n++;}\n"
    "d.getElementById('shown').textContent=String(n);"
    "d.getElementById('no-match').hidden=n>0||rows.length===0;};\n"
    "var fromUrl=function(){var o=parse(location.search),f=parse(location.hash),any=false,k;"
    "for(k in f)o[k]=f[k];\n"
    "keys.forEach(function(k){var v=o[k]||'',s=sel[k],has=false;"
    "for(var i=0;i<s.options.length;i++)if(s.options[i].value===v)has=true;\n"
    "if(!has){var op=d.createElement('option');op.value=v;op.textContent=v+' (no finding)';"
    "s.appendChild(op);}s.value=v;if(v)any=true;});apply();return any;};\n"
    "var toUrl=function(){var p=[];keys.forEach(function(k){if(sel[k].value)"
    "p.push(k+'='+encodeURIComponent(sel[k].value));});\n"
    "try{history.replaceState(null,'',p.length?'#'+p.join('&'):location.pathname+"
    "location.search);}catch(e){}};\n"
    "keys.forEach(function(k){sel[k].addEventListener('change',function(){apply();toUrl();});});\n"
    "d.getElementById('f-clear').addEventListener('click',function(){"
    "keys.forEach(function(k){sel[k].value='';});apply();toUrl();});\n"
    "window.addEventListener('hashchange',function(){if(fromUrl())"
    "d.getElementById('findings').scrollIntoView();});\n"
    "if(fromUrl())d.getElementById('findings').scrollIntoView();}\n"
    "if(d.body.getAttribute('data-live')==='1'){var cds=d.querySelectorAll('[data-due]');\n"
    "var tick=function(){var now=Date.now()/1000;for(var i=0;i<cds.length;i++){"
    "var left=Number(cds[i].getAttribute('data-due'))-now;"
    "cds[i].textContent=left>=0?'due in '+span(left):'overdue by '+span(left);"
    "cds[i].className=left>=0?'due':'missed';}};\n"
    "if(cds.length){tick();setInterval(tick,30000);}}\n"
    "var st=d.getElementById('stale');if(st){var w=Number(st.getAttribute('data-written')),"
    "iv=Number(st.getAttribute('data-interval')),age=Date.now()/1000-w;\n"
    "if(iv>0&&age>iv){st.textContent='Out of date: this page was written '+span(age)+' ago "
    "and is meant to be written again every '+span(iv)+'. What happened since (revocations, "
    "reports, new findings) is not shown.';st.hidden=false;}}\n"
    "d.documentElement.setAttribute('data-js','ready');})();\n";

/* 'sha256-...' of a text, for the Content-Security-Policy. */
static int csp_hash(const char *text, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char b64[CG_BASE64_ENCODED_LEN(32) + 1];
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) || n != 32)
        return 0;
    cg_base64_encode(md, n, b64);
    snprintf(out, cap, "%s", b64);
    return 1;
}

int cg_html_frame_hashes(cg_html_run *h)
{
    return csp_hash(script_text, h->script_hash, sizeof(h->script_hash)) &&
           csp_hash(style_text, h->style_hash, sizeof(h->style_hash));
}

void cg_html_page_head(cg_html_run *h, cg_sbuf *b, const char *title, const char *subtitle)
{
    char at[32], span[48];
    cg_time_format(h->o.at, at, sizeof(at));
    cg_sbuf_printf(b,
                   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'sha256-%s'; script-src 'sha256-%s'; img-src data:; "
                   "base-uri 'none'; form-action 'none'\">\n"
                   "<meta name=\"generator\" content=\"caguard\">\n<title>",
                   h->style_hash, h->script_hash);
    cg_html_esc(b, title);
    cg_sbuf_puts(b, "</title>\n<style>");
    cg_sbuf_puts(b, style_text);
    cg_sbuf_printf(b, "</style>\n</head>\n<body data-live=\"%d\" data-at=\"%lld\">\n<header>\n",
                   h->o.live ? 1 : 0, (long long)h->o.at);
    cg_sbuf_puts(b, "<h1>");
    cg_html_esc(b, title);
    cg_sbuf_puts(b, "</h1>\n");
    if (subtitle != NULL) {
        cg_sbuf_puts(b, "<p class=\"meta\">");
        cg_html_esc(b, subtitle);
        cg_sbuf_puts(b, "</p>\n");
    }
    cg_sbuf_puts(b, "<p class=\"meta\">");
    if (h->o.store_name != NULL) {
        cg_sbuf_puts(b, "Store <code>");
        cg_html_esc(b, h->o.store_name);
        cg_sbuf_puts(b, "</code> · ");
    }
    cg_sbuf_printf(b, "deadlines evaluated at <time id=\"at\" datetime=\"%s\">%s</time>%s",
                   at, at, h->o.live ? " (when written; countdowns tick on)" : "");
    cg_time_format(h->o.written, at, sizeof(at));
    cg_html_span_text(h->o.interval, span, sizeof(span));
    cg_sbuf_printf(b,
                   " · written <time id=\"written\" datetime=\"%s\">%s</time>, to be written "
                   "again every %s</p>\n<p id=\"stale\" class=\"stale\" role=\"alert\" hidden "
                   "data-written=\"%lld\" data-interval=\"%lld\"></p>\n",
                   at, at, span, (long long)h->o.written, (long long)h->o.interval);
}

void cg_html_page_tail(cg_html_run *h, cg_sbuf *b)
{
    (void)h;
    cg_sbuf_puts(b, "<footer>Written by caguard from its store: findings and incidents as "
                    "recorded, deadlines as of the time above (docs/report.md).</footer>\n"
                    "<script>");
    cg_sbuf_puts(b, script_text);
    cg_sbuf_puts(b, "</script>\n</body>\n</html>\n");
}

const char *cg_html_state_class(cg_revocation_state s)
{
    switch (s) {
    case CG_REVOCATION_ON_TIME:
        return "on-time";
    case CG_REVOCATION_LATE:
        return "late";
    case CG_REVOCATION_OVERDUE:
        return "overdue";
    case CG_REVOCATION_EXPIRED:
        return "expired";
    default:
        return "pending";
    }
}
