/* The dashboard (html.h): the store's summaries, findings and incidents as
 * a static site. Every page is built whole in memory (cg_sbuf), written
 * into a fresh directory next to the destination and renamed into place.
 *
 * Everything that comes from certificates, CRLs, findings or what a person
 * typed (titles, notes) goes through esc(): HTML-escaped for text and
 * double-quoted attribute values alike, with invalid UTF-8 and control
 * characters replaced. The script reads its data from the DOM; no stored
 * text is ever written into it. */
#include "report/html.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/loglist.h"
#include "ct/sct.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/report.h"
#include "incident/sbuf.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/time.h"
#include "x509/x509.h"

#define MARKER ".caguard-report"
#define NAME_MAX_TEXT 4096
#define NO_ISSUER "(none)"

/* ---- escaping and formatting ---- */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* Text for HTML element content and double-quoted attribute values. */
static void esc_n(cg_sbuf *b, const char *s, size_t n)
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
        else if (c >= 0x80 && (len = utf8_len(p + i, n - i)) == 0) {
            rep = repl;
            len = 1;
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

static void esc(cg_sbuf *b, const char *s)
{
    if (s != NULL)
        esc_n(b, s, strlen(s));
}

/* A URL query component (encodeURIComponent's set): safe in an attribute
 * as it is. */
static void url_comp(cg_sbuf *b, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == '!' || c == '*' ||
            c == '(' || c == ')') {
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
static void span_text(int64_t s, char *buf, size_t cap)
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

static void time_el(cg_sbuf *b, int64_t t)
{
    char ts[32];
    cg_time_format(t, ts, sizeof(ts));
    cg_sbuf_printf(b, "<time datetime=\"%s\">%s</time>", ts, ts);
}

/* RFC 4514 text of an issuer Name element; NO_ISSUER when there is none. */
static void name_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    cg_cbs c;
    if (p == NULL) {
        snprintf(buf, cap, "%s", NO_ISSUER);
        return;
    }
    cg_cbs_init(&c, p, n);
    if (cg_name_to_string(&c, buf, cap) && buf[0] != '\0')
        return;
    if (n == 2 && p[0] == 0x30 && p[1] == 0)
        snprintf(buf, cap, "(empty Name)");
    else {
        char h[33];
        cg_hex(p, n < 16 ? n : 16, h);
        snprintf(buf, cap, "(undecodable Name %s%s)", h, n > 16 ? "..." : "");
    }
}

static const char *sev_name(cg_severity s)
{
    return cg_severity_name(s);
}

/* ---- the run ---- */

typedef struct issuer_row {
    char *name;
    int64_t obj[5]; /* by cg_kind: certificate, precertificate, crl, input, (incident) */
    int64_t open[3];
} issuer_row;

typedef struct label_count {
    char *name;
    int64_t count;
    cg_severity sev; /* rules */
} label_count;

typedef struct labels {
    label_count *v;
    size_t n, cap;
} labels;

typedef struct delay_row {
    int64_t id;
    char *kind;
    int has;        /* a certificate needs or needed revocation */
    int64_t delay;  /* report to revocation (or to `at`, or to notAfter) */
    int64_t window; /* the kind's */
    cg_revocation_state state;
    int64_t late_by, left;
    size_t revoked, needing;
} delay_row;

typedef struct html {
    cg_store *st;
    cg_html_opts o;
    char *err;
    size_t errcap;
    int failed; /* err says why */
    char *tmp;  /* the directory being written */
    cg_html_stats stats;
    issuer_row *iss;
    size_t n_iss, cap_iss;
    labels rules, fissuers, operators;
    int64_t *incident_ids;
    size_t n_inc, cap_inc;
    delay_row *delays;
    size_t n_delays;
    char script_hash[64], style_hash[64];
    cg_cert cert; /* scratch for the SCT scan */
} html;

static void set_err(html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(html *h, const char *fmt, ...)
{
    va_list ap;
    if (h->failed)
        return;
    h->failed = 1;
    if (h->err == NULL || h->errcap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(h->err, h->errcap, fmt, ap);
    va_end(ap);
}

static void store_err(html *h, const char *what)
{
    set_err(h, "%s: %s", what, cg_store_errmsg(h->st));
}

static int grow(html *h, void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    void *nv = realloc(*v, ncap * size);
    if (nv == NULL) {
        set_err(h, "out of memory");
        return 0;
    }
    *v = nv;
    *cap = ncap;
    return 1;
}

static label_count *label_add(html *h, labels *l, const char *name, int64_t count)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].name, name) == 0) {
            l->v[i].count += count;
            return &l->v[i];
        }
    }
    if (!grow(h, (void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
        return NULL;
    label_count *c = &l->v[l->n];
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    if (c->name == NULL) {
        set_err(h, "out of memory");
        return NULL;
    }
    c->count = count;
    l->n++;
    return c;
}

static void labels_free(labels *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
}

static int by_count_then_name(const void *a, const void *b)
{
    const label_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
    const label_count *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static issuer_row *issuer_get(html *h, const uint8_t *p, size_t n)
{
    char name[NAME_MAX_TEXT];
    name_text(p, n, name, sizeof(name));
    for (size_t i = 0; i < h->n_iss; i++) {
        if (strcmp(h->iss[i].name, name) == 0)
            return &h->iss[i];
    }
    if (!grow(h, (void **)&h->iss, &h->cap_iss, h->n_iss, sizeof(*h->iss)))
        return NULL;
    issuer_row *r = &h->iss[h->n_iss];
    memset(r, 0, sizeof(*r));
    r->name = strdup(name);
    if (r->name == NULL) {
        set_err(h, "out of memory");
        return NULL;
    }
    h->n_iss++;
    return r;
}

static int by_issuer_name(const void *a, const void *b)
{
    const issuer_row *x = a, *y = b;
    /* "(none)" and other parenthesised labels after the Names */
    int px = x->name[0] == '(', py = y->name[0] == '(';
    if (px != py)
        return px - py;
    return strcmp(x->name, y->name);
}

/* ---- collecting ---- */

static int on_obj_count(void *arg, const uint8_t *issuer, size_t n, cg_kind kind, int64_t count)
{
    html *h = arg;
    issuer_row *r = issuer_get(h, issuer, n);
    if (r == NULL)
        return 0;
    r->obj[(unsigned)kind < 4 ? kind : CG_KIND_INPUT] += count;
    h->stats.objects += count;
    return 1;
}

static int on_open_count(void *arg, const uint8_t *issuer, size_t n, cg_severity sev,
                         int64_t count)
{
    html *h = arg;
    issuer_row *r = issuer_get(h, issuer, n);
    if (r == NULL)
        return 0;
    r->open[sev] += count;
    h->stats.open[sev] += count;
    return 1;
}

static int on_incident_id(void *arg, const cg_incident *inc)
{
    html *h = arg;
    if (!grow(h, (void **)&h->incident_ids, &h->cap_inc, h->n_inc, sizeof(*h->incident_ids)))
        return 0;
    h->incident_ids[h->n_inc++] = inc->id;
    return 1;
}

/* The embedded SCTs of one stored certificate, counted by the operator of
 * their log at the SCT's time. */
static int on_cert(void *arg, const cg_store_object *o)
{
    html *h = arg;
    cg_der_error derr;
    cg_sct_list list;
    cg_sct sct;
    if (o->der == NULL || !cg_cert_parse(&h->cert, o->der, o->der_len, &derr) ||
        h->cert.is_precert)
        return 1;
    const cg_ext *ext = cg_cert_find_ext(&h->cert, CG_OID_CT_SCT_LIST,
                                         sizeof(CG_OID_CT_SCT_LIST), NULL);
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
        if (label_add(h, &h->operators, op, 1) == NULL)
            return 0;
    }
    return 1;
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
    "@media (max-width:600px){body{font-size:14px}th,td{padding:4px 6px}"
    "dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}"
    ".charts{grid-template-columns:1fr}}\n";

/* The one script of every page: the findings filters (from the URL's
 * fragment or query, and back into the fragment) and, when the report
 * was written "now", countdowns that tick on. It reads only the DOM. */
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
    "d.documentElement.setAttribute('data-js','ready');})();\n";

/* 'sha256-...' of a text, for the Content-Security-Policy. */
static int csp_hash(const char *text, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    unsigned char b64[64];
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) || n != 32)
        return 0;
    EVP_EncodeBlock(b64, md, (int)n);
    snprintf(out, cap, "%s", (const char *)b64);
    return 1;
}

static void page_head(html *h, cg_sbuf *b, const char *title, const char *subtitle)
{
    char at[32];
    cg_time_format(h->o.at, at, sizeof(at));
    cg_sbuf_printf(b,
                   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'sha256-%s'; script-src 'sha256-%s'; img-src data:; "
                   "base-uri 'none'; form-action 'none'\">\n"
                   "<meta name=\"generator\" content=\"caguard\">\n<title>",
                   h->style_hash, h->script_hash);
    esc(b, title);
    cg_sbuf_puts(b, "</title>\n<style>");
    cg_sbuf_puts(b, style_text);
    cg_sbuf_printf(b, "</style>\n</head>\n<body data-live=\"%d\" data-at=\"%lld\">\n<header>\n",
                   h->o.live ? 1 : 0, (long long)h->o.at);
    cg_sbuf_puts(b, "<h1>");
    esc(b, title);
    cg_sbuf_puts(b, "</h1>\n");
    if (subtitle != NULL) {
        cg_sbuf_puts(b, "<p class=\"meta\">");
        esc(b, subtitle);
        cg_sbuf_puts(b, "</p>\n");
    }
    cg_sbuf_puts(b, "<p class=\"meta\">");
    if (h->o.store_name != NULL) {
        cg_sbuf_puts(b, "Store <code>");
        esc(b, h->o.store_name);
        cg_sbuf_puts(b, "</code> · ");
    }
    cg_sbuf_printf(b, "deadlines evaluated at <time id=\"at\" datetime=\"%s\">%s</time>%s</p>\n",
                   at, at, h->o.live ? " (when written; countdowns tick on)" : "");
}

static void page_tail(html *h, cg_sbuf *b)
{
    (void)h;
    cg_sbuf_puts(b, "<footer>Written by caguard from its store: findings and incidents as "
                    "recorded, deadlines as of the time above (docs/report.md).</footer>\n"
                    "<script>");
    cg_sbuf_puts(b, script_text);
    cg_sbuf_puts(b, "</script>\n</body>\n</html>\n");
}

/* ---- files ---- */

static int write_file(html *h, const char *name, const cg_sbuf *b)
{
    char path[4096];
    FILE *f;
    if (b->failed) {
        set_err(h, "out of memory writing %s", name);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s", h->tmp, name);
    f = fopen(path, "wbx");
    if (f == NULL) {
        set_err(h, "cannot create %s: %s", path, strerror(errno));
        return 0;
    }
    int ok = fwrite(cg_sbuf_str(b), 1, b->len, f) == b->len;
    ok &= fflush(f) == 0;
    ok &= fsync(fileno(f)) == 0;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        set_err(h, "cannot write %s: %s", path, strerror(e));
        return 0;
    }
    h->stats.files++;
    return 1;
}

/* Removes the files of a report directory (it holds no subdirectories)
 * and the directory. */
static int remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int ok = 1;
    if (d == NULL)
        return errno == ENOENT;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            ok = 0;
    }
    closedir(d);
    return rmdir(dir) == 0 && ok;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* The new directory next to dest: dest's parent must exist. */
static int make_tmp(html *h, const char *dest)
{
    size_t n = strlen(dest);
    while (n > 1 && dest[n - 1] == '/')
        n--;
    h->tmp = malloc(n + 32);
    if (h->tmp == NULL) {
        set_err(h, "out of memory");
        return 0;
    }
    snprintf(h->tmp, n + 32, "%.*s.tmp-XXXXXX", (int)n, dest);
    if (mkdtemp(h->tmp) == NULL) {
        set_err(h, "cannot create a directory next to %s: %s", dest, strerror(errno));
        free(h->tmp);
        h->tmp = NULL;
        return 0;
    }
    /* mkdtemp makes it 0700; a report is for reading */
    chmod(h->tmp, 0755);
    return 1;
}

/* Puts the finished directory in dest's place. */
static int publish(html *h, const char *dest)
{
    struct stat sb;
    char marker[4096], old[4096];
    if (lstat(dest, &sb) != 0) {
        if (errno != ENOENT) {
            set_err(h, "cannot use %s: %s", dest, strerror(errno));
            return 0;
        }
        if (rename(h->tmp, dest) != 0) {
            set_err(h, "cannot rename %s to %s: %s", h->tmp, dest, strerror(errno));
            return 0;
        }
        return 1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        set_err(h, "%s exists and is not a directory; not replaced", dest);
        return 0;
    }
    snprintf(marker, sizeof(marker), "%s/%s", dest, MARKER);
    if (dir_is_empty(dest)) {
        if (rmdir(dest) != 0 || rename(h->tmp, dest) != 0) {
            set_err(h, "cannot replace the empty directory %s: %s", dest, strerror(errno));
            return 0;
        }
        return 1;
    }
    if (access(marker, F_OK) != 0) {
        set_err(h,
                "%s exists and is not a caguard report (no %s in it); not replaced: "
                "name a new or empty directory",
                dest, MARKER);
        return 0;
    }
    /* An earlier report: moved aside (onto a new empty directory, which
     * rename replaces), the new one in its place, the old one removed. */
    snprintf(old, sizeof(old), "%s", h->tmp);
    memcpy(old + strlen(old) - 11, ".old-XXXXXX", 11); /* DIR.tmp-abcdef to DIR.old-XXXXXX */
    if (mkdtemp(old) == NULL) {
        set_err(h, "cannot create a directory next to %s: %s", dest, strerror(errno));
        return 0;
    }
    if (rename(dest, old) != 0) {
        rmdir(old);
        set_err(h, "cannot move the earlier report %s aside: %s", dest, strerror(errno));
        return 0;
    }
    if (rename(h->tmp, dest) != 0) {
        set_err(h, "cannot rename %s to %s: %s", h->tmp, dest, strerror(errno));
        rename(old, dest);
        return 0;
    }
    remove_tree(old);
    return 1;
}

/* ---- index.html: overview ---- */

static void overview(html *h, cg_sbuf *b)
{
    int64_t tot[5] = {0}, open[3] = {0};
    cg_sbuf_printf(b,
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
        const issuer_row *r = &h->iss[i];
        cg_sbuf_puts(b, "<tr data-issuer=\"");
        esc(b, r->name);
        cg_sbuf_puts(b, "\"><th scope=\"row\" class=\"issuer\">");
        esc(b, r->name);
        cg_sbuf_puts(b, "</th>");
        for (int k = 0; k < 4; k++) {
            static const char *const kn[] = {"certificate", "precertificate", "crl", "input"};
            cg_sbuf_printf(b, "<td class=\"num\" data-kind=\"%s\">%lld</td>", kn[k],
                           (long long)r->obj[k]);
            tot[k] += r->obj[k];
        }
        for (int s = 0; s < 3; s++) {
            cg_sbuf_printf(b, "<td class=\"num\" data-severity=\"%s\">", sev_name((cg_severity)s));
            if (r->open[s] > 0) {
                cg_sbuf_puts(b, "<a href=\"#issuer=");
                url_comp(b, r->name);
                cg_sbuf_printf(b, "&amp;severity=%s&amp;status=open\">%lld</a>",
                               sev_name((cg_severity)s), (long long)r->open[s]);
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
                       sev_name((cg_severity)s), (long long)open[s]);
    cg_sbuf_puts(b, "</tr></tfoot>\n</table></div>\n</section>\n");
}

/* ---- charts ---- */

typedef struct hist {
    html *h;
    int64_t origin, width, nb;
    labels *rules;
    int64_t *counts; /* rules->n x nb, filled in rule order of the query */
    char **rule_names;
    size_t n_rules, cap_rules;
} hist;

static int on_bucket(void *arg, const char *rule, int64_t bucket, int64_t count)
{
    hist *g = arg;
    if (g->n_rules == 0 || strcmp(g->rule_names[g->n_rules - 1], rule) != 0) {
        if (!grow(g->h, (void **)&g->rule_names, &g->cap_rules, g->n_rules,
                  sizeof(*g->rule_names)))
            return 0;
        int64_t *nc = realloc(g->counts, (g->n_rules + 1) * (size_t)g->nb * sizeof(*nc));
        char *name = strdup(rule);
        if (nc == NULL || name == NULL) {
            free(name);
            if (nc != NULL)
                g->counts = nc;
            set_err(g->h, "out of memory");
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

static void chart_rules(html *h, cg_sbuf *b)
{
    static const struct {
        int64_t width;
        const char *per;
    } widths[] = {
        {3600, "hour"},     {6 * 3600, "6 hours"},  {86400, "day"},     {7 * 86400, "week"},
        {30 * 86400, "30 days"}, {91 * 86400, "91 days"}, {365 * 86400, "365 days"},
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
        store_err(h, "reading the findings' time span");
        goto out;
    }
    if (!found) {
        cg_sbuf_puts(b, "<p class=\"note\">No finding yet.</p>\n</figure>\n");
        return;
    }
    /* The narrowest bucket that fits the span in 48. */
    while (wi + 1 < sizeof(widths) / sizeof(widths[0]) &&
           (last - first) / widths[wi].width >= 48)
        wi++;
    g.width = widths[wi].width;
    g.origin = first - ((first % g.width) + g.width) % g.width;
    g.nb = (last - g.origin) / g.width + 1;
    if (!cg_store_finding_histogram(h->st, g.origin, g.width, on_bucket, &g)) {
        if (!h->failed)
            store_err(h, "counting findings per rule");
        goto out;
    }
    if (h->failed)
        goto out;
    rule_order *ord = calloc(g.n_rules + 1, sizeof(*ord));
    if (ord == NULL) {
        set_err(h, "out of memory");
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
        esc(b, g.rule_names[r]);
        cg_sbuf_printf(b, "\" data-total=\"%lld\">\n<div class=\"clabel\"><span><a href=\"#rule=",
                       (long long)ord[i].total);
        url_comp(b, g.rule_names[r]);
        cg_sbuf_puts(b, "\">");
        esc(b, g.rule_names[r]);
        cg_sbuf_printf(b, "</a></span><span>%lld</span></div>\n", (long long)ord[i].total);
        cg_sbuf_printf(b,
                       "<svg viewBox=\"0 0 %lld 20\" preserveAspectRatio=\"none\" role=\"img\" "
                       "aria-label=\"",
                       (long long)slots * 10);
        esc(b, g.rule_names[r]);
        cg_sbuf_printf(b, ": %lld findings\"><rect class=\"track\" x=\"0\" y=\"0\" "
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

static const char *state_class(cg_revocation_state s)
{
    switch (s) {
    case CG_REVOCATION_ON_TIME: return "on-time";
    case CG_REVOCATION_LATE: return "late";
    case CG_REVOCATION_OVERDUE: return "overdue";
    case CG_REVOCATION_EXPIRED: return "expired";
    default: return "pending";
    }
}

static void chart_delays(html *h, cg_sbuf *b)
{
    int64_t scale = 0;
    size_t shown = 0;
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-delays\">\n<figcaption>Revocation delay "
                    "against the deadline</figcaption>\n");
    for (size_t i = 0; i < h->n_delays; i++) {
        const delay_row *d = &h->delays[i];
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
    span_text(scale, span, sizeof(span));
    cg_sbuf_puts(b, "<p class=\"note\">Per incident, from the problem report to the published "
                    "revocation of its slowest certificate (to now while one is still "
                    "outstanding); the line is the revocation deadline. Green: on time, amber: "
                    "outstanding within the deadline, red: late.</p>\n");
    for (size_t i = 0; i < h->n_delays; i++) {
        const delay_row *d = &h->delays[i];
        char what[160], dur[48], win[32];
        const char *cls;
        if (!d->has)
            continue;
        cg_incident_window_name(d->window, win, sizeof(win));
        switch (d->state) {
        case CG_REVOCATION_ON_TIME:
            span_text(d->delay, dur, sizeof(dur));
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
            span_text(d->left, dur, sizeof(dur));
            snprintf(what, sizeof(what), "not revoked yet, %s left of %s", dur, win);
            cls = "bar-pending";
            break;
        }
        cg_sbuf_printf(b,
                       "<div class=\"crow\" data-incident=\"%lld\" data-state=\"%s\" "
                       "data-delay-hours=\"%lld\" data-deadline-hours=\"%lld\">\n"
                       "<div class=\"clabel\"><span><a href=\"incident-%lld.html\">#%lld ",
                       (long long)d->id, state_class(d->state), (long long)(d->delay / 3600),
                       (long long)(d->window / 3600), (long long)d->id, (long long)d->id);
        esc(b, d->kind);
        cg_sbuf_printf(b, "</a> · %zu of %zu revoked</span><span>", d->revoked, d->needing);
        esc(b, what);
        cg_sbuf_puts(b, "</span></div>\n");
        /* x in thousandths of the scale */
        int64_t w = d->delay * 1000 / scale, dl = d->window * 1000 / scale;
        if (w < 2)
            w = 2;
        cg_sbuf_printf(b,
                       "<svg viewBox=\"0 0 1000 20\" preserveAspectRatio=\"none\" role=\"img\" "
                       "aria-label=\"incident %lld: ",
                       (long long)d->id);
        esc(b, what);
        cg_sbuf_printf(b,
                       "\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" height=\"20\"/>"
                       "<rect class=\"%s\" x=\"0\" y=\"4\" width=\"%lld\" height=\"12\">"
                       "<title>",
                       cls, (long long)w);
        esc(b, what);
        cg_sbuf_printf(b,
                       "</title></rect><line class=\"deadline\" x1=\"%lld\" x2=\"%lld\" y1=\"0\" "
                       "y2=\"20\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\">"
                       "<title>deadline: %s after the report</title></line></svg>\n</div>\n",
                       (long long)dl, (long long)dl, win);
    }
    cg_sbuf_printf(b, "<div class=\"axis\"><span>report</span><span>%s</span></div>\n</figure>\n",
                   span);
}

static void chart_operators(html *h, cg_sbuf *b)
{
    cg_sbuf_puts(b, "<figure class=\"chart\" id=\"chart-operators\">\n<figcaption>SCT log "
                    "operators</figcaption>\n");
    if (h->stats.scts == 0) {
        cg_sbuf_puts(b, "<p class=\"note\">No stored certificate embeds an SCT.</p>\n</figure>\n");
        return;
    }
    qsort(h->operators.v, h->operators.n, sizeof(*h->operators.v), by_count_then_name);
    cg_sbuf_printf(b,
                   "<p class=\"note\">The %lld SCTs embedded in the stored certificates, by the "
                   "operator of their log when the SCT was issued%s.</p>\n",
                   (long long)h->stats.scts,
                   h->o.loglist == NULL ? "; no log list was given (--loglist), so every log is "
                                          "unknown"
                                        : "; logs the log list does not name are \"unknown log\"");
    for (size_t i = 0; i < h->operators.n; i++) {
        const label_count *c = &h->operators.v[i];
        int64_t permille = c->count * 1000 / h->stats.scts;
        int64_t w = c->count * 1000 / h->stats.scts;
        if (w < 2)
            w = 2;
        cg_sbuf_puts(b, "<div class=\"crow\" data-operator=\"");
        esc(b, c->name);
        cg_sbuf_printf(b, "\" data-count=\"%lld\">\n<div class=\"clabel\"><span>",
                       (long long)c->count);
        esc(b, c->name);
        cg_sbuf_printf(b, "</span><span>%lld SCT%s · %lld.%lld%%</span></div>\n",
                       (long long)c->count, c->count == 1 ? "" : "s", (long long)permille / 10,
                       (long long)permille % 10);
        cg_sbuf_puts(b, "<svg viewBox=\"0 0 1000 20\" preserveAspectRatio=\"none\" role=\"img\" "
                        "aria-label=\"");
        esc(b, c->name);
        cg_sbuf_printf(b,
                       ": %lld\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"1000\" "
                       "height=\"20\"/><rect class=\"bar\" x=\"0\" y=\"4\" width=\"%lld\" "
                       "height=\"12\"/></svg>\n</div>\n",
                       (long long)c->count, (long long)w);
    }
    cg_sbuf_puts(b, "</figure>\n");
}

/* ---- findings ---- */

typedef struct flist {
    html *h;
    cg_sbuf *rows;
    size_t max, listed;
    int64_t total;
} flist;

static int on_finding(void *arg, const cg_store_finding *f)
{
    flist *l = arg;
    html *h = l->h;
    cg_sbuf *b = l->rows;
    char issuer[NAME_MAX_TEXT], sha[65], serial[80];
    const char *sev = sev_name(f->severity);
    cg_rule_id rid;
    l->total++;
    if (l->listed >= l->max)
        return 1;
    l->listed++;
    if (f->issuer != NULL)
        name_text(f->issuer, f->issuer_len, issuer, sizeof(issuer));
    else
        snprintf(issuer, sizeof(issuer), "%s", NO_ISSUER);
    label_count *rc = label_add(h, &h->rules, f->rule != NULL ? f->rule : "", 1);
    if (rc == NULL || label_add(h, &h->fissuers, issuer, 1) == NULL)
        return 0;
    rc->sev = f->severity;
    cg_sbuf_puts(b, "<tr data-rule=\"");
    esc(b, f->rule);
    cg_sbuf_printf(b, "\" data-severity=\"%s\" data-issuer=\"", sev);
    esc(b, issuer);
    cg_sbuf_printf(b, "\" data-status=\"%s\">", f->resolved ? "resolved" : "open");
    cg_sbuf_printf(b, "<td class=\"sev sev-%s\">%s</td><td class=\"mono\"", sev, sev);
    if (f->rule != NULL && cg_rule_lookup(f->rule, &rid) && cg_rule_get(rid)->reference[0]) {
        cg_sbuf_puts(b, " title=\"");
        esc(b, cg_rule_get(rid)->reference);
        cg_sbuf_puts(b, "\"");
    }
    cg_sbuf_puts(b, ">");
    esc(b, f->rule);
    cg_sbuf_puts(b, "</td><td class=\"msg\">");
    esc(b, f->message);
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
        esc(b, f->file);
        cg_sbuf_printf(b, " #%lld", (long long)f->index);
    }
    cg_sbuf_puts(b, "</td><td class=\"issuer\">");
    esc(b, issuer);
    cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
    time_el(b, f->first_seen);
    cg_sbuf_puts(b, "</td><td class=\"nowrap\">");
    if (f->resolved) {
        cg_sbuf_puts(b, "resolved ");
        time_el(b, f->resolved_at);
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

static void select_el(cg_sbuf *b, const char *key, const char *label, const labels *l)
{
    cg_sbuf_printf(b, "<label>%s<select id=\"f-%s\"><option value=\"\">all</option>", label, key);
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        cg_sbuf_puts(b, "<option value=\"");
        esc(b, l->v[i].name);
        cg_sbuf_puts(b, "\">");
        esc(b, l->v[i].name);
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

static void findings_section(html *h, cg_sbuf *b)
{
    cg_sbuf rows = CG_SBUF_INIT;
    flist l = {h, &rows, h->o.max_findings, 0, 0};
    if (!cg_store_findings(h->st, NULL, on_finding, &l)) {
        if (!h->failed)
            store_err(h, "listing findings");
        cg_sbuf_free(&rows);
        return;
    }
    h->stats.findings = l.total;
    h->stats.findings_listed = l.listed;
    if (h->rules.n > 1)
        qsort(h->rules.v, h->rules.n, sizeof(*h->rules.v), by_name);
    if (h->fissuers.n > 1)
        qsort(h->fissuers.v, h->fissuers.n, sizeof(*h->fissuers.v), by_name);
    cg_sbuf_printf(b,
                   "<section id=\"findings\">\n<h2>Findings</h2>\n<p class=\"note\">"
                   "<span id=\"shown\">%zu</span> of <span id=\"listed\">%zu</span> findings "
                   "shown",
                   l.listed, l.listed);
    if ((int64_t)l.listed < l.total)
        cg_sbuf_printf(b, " (the table lists the first %zu of the store's %lld, grouped by "
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
        set_err(h, "out of memory");
    cg_sbuf_puts(b, "</tbody>\n</table></div>\n</section>\n");
    cg_sbuf_free(&rows);
}

/* ---- incidents ---- */

typedef struct inc_view {
    const cg_incident_kind *kind;
    int closed;
    int64_t prelim_due, full_due;
    int has_prelim, has_full;
    int64_t prelim_at, full_at;
    int has_update;
    int64_t update_since, update_due;
    const char *update_why;
    size_t revoked, late, overdue, pending, on_time, expired;
} inc_view;

static void view_incident(const cg_incident *inc, int64_t at, inc_view *v)
{
    int64_t last_closure = -1, last_question = -1;
    memset(v, 0, sizeof(*v));
    v->kind = cg_incident_kind_lookup(inc->kind);
    v->prelim_due = inc->reported_at + CG_PRELIMINARY_REPORT_WINDOW;
    v->full_due = inc->reported_at + CG_FULL_REPORT_WINDOW;
    for (size_t i = 0; i < inc->n_events; i++) {
        const cg_incident_event *ev = &inc->events[i];
        if (ev->at > at)
            continue;
        if ((ev->type == CG_EVENT_PRELIMINARY_REPORT || ev->type == CG_EVENT_FULL_REPORT) &&
            (!v->has_prelim || ev->at < v->prelim_at)) {
            v->has_prelim = 1;
            v->prelim_at = ev->at;
        }
        if (ev->type == CG_EVENT_FULL_REPORT && (!v->has_full || ev->at < v->full_at)) {
            v->has_full = 1;
            v->full_at = ev->at;
        }
        if (ev->type == CG_EVENT_CLOSURE && ev->at > last_closure)
            last_closure = ev->at;
        if (ev->type == CG_EVENT_QUESTION && ev->at > last_question)
            last_question = ev->at;
    }
    /* Closed by a closure report, reopened by a question after it (as the
     * update deadline counts). */
    v->closed = last_closure >= 0 && last_question <= last_closure;
    v->has_update = cg_incident_update_due(inc, at, &v->update_since, &v->update_due,
                                           &v->update_why);
    for (size_t i = 0; i < inc->n_certs && v->kind != NULL; i++) {
        cg_revocation_eval e;
        if (!cg_incident_revocation_eval(inc, &inc->certs[i], at, &e))
            continue;
        switch (e.state) {
        case CG_REVOCATION_ON_TIME: v->on_time++; v->revoked++; break;
        case CG_REVOCATION_LATE: v->late++; v->revoked++; break;
        case CG_REVOCATION_OVERDUE: v->overdue++; break;
        case CG_REVOCATION_EXPIRED: v->expired++; break;
        default: v->pending++; break;
        }
    }
}

/* The revocation delay of an incident: its slowest certificate. */
static void delay_of(const cg_incident *inc, int64_t at, delay_row *d)
{
    const cg_incident_kind *k = cg_incident_kind_lookup(inc->kind);
    memset(d, 0, sizeof(*d));
    d->id = inc->id;
    if (k == NULL)
        return;
    d->window = k->window;
    for (size_t i = 0; i < inc->n_certs; i++) {
        cg_revocation_eval e;
        int64_t end;
        if (!cg_incident_revocation_eval(inc, &inc->certs[i], at, &e) ||
            e.state == CG_REVOCATION_EXPIRED)
            continue;
        d->needing++;
        switch (e.state) {
        case CG_REVOCATION_ON_TIME:
        case CG_REVOCATION_LATE:
            end = e.revoked_at;
            d->revoked++;
            break;
        case CG_REVOCATION_OVERDUE: end = e.deadline + e.late_by; break;
        default: end = at; break;
        }
        int64_t delay = end - inc->reported_at;
        if (delay < 0)
            delay = 0;
        /* the worst state wins, then the longest delay */
        static const int rank[] = {[CG_REVOCATION_PENDING] = 1, [CG_REVOCATION_ON_TIME] = 0,
                                   [CG_REVOCATION_LATE] = 2, [CG_REVOCATION_OVERDUE] = 3,
                                   [CG_REVOCATION_EXPIRED] = 0};
        if (!d->has || rank[e.state] > rank[d->state] ||
            (rank[e.state] == rank[d->state] && delay > d->delay)) {
            d->has = 1;
            d->state = e.state;
            d->delay = delay;
            d->late_by = e.late_by;
            d->left = e.left;
        }
    }
}

/* A deadline as a table row: due, done, status (countdown). */
static void deadline_row(html *h, cg_sbuf *b, const char *id, const char *what, int64_t due,
                         int done, int64_t done_at, const char *note)
{
    char s[48];
    cg_sbuf_printf(b, "<tr id=\"dl-%s\"><th scope=\"row\">", id);
    esc(b, what);
    cg_sbuf_puts(b, "</th><td class=\"nowrap\">");
    time_el(b, due);
    cg_sbuf_puts(b, "</td><td>");
    if (done) {
        span_text(done_at - due, s, sizeof(s));
        if (done_at <= due)
            cg_sbuf_printf(b, "<span class=\"met\">met</span>: ");
        else
            cg_sbuf_printf(b, "<span class=\"missed\">missed</span>: ");
        time_el(b, done_at);
        cg_sbuf_printf(b, " (%s %s the deadline)", s, done_at <= due ? "before" : "after");
    } else if (h->o.at <= due) {
        span_text(due - h->o.at, s, sizeof(s));
        cg_sbuf_printf(b, "<span class=\"due\" data-due=\"%lld\">due in %s</span>",
                       (long long)due, s);
    } else {
        span_text(h->o.at - due, s, sizeof(s));
        cg_sbuf_printf(b, "<span class=\"missed\" data-due=\"%lld\">overdue by %s</span>",
                       (long long)due, s);
    }
    if (note != NULL) {
        cg_sbuf_puts(b, " <span class=\"note\">");
        esc(b, note);
        cg_sbuf_puts(b, "</span>");
    }
    cg_sbuf_puts(b, "</td></tr>\n");
}

typedef struct inc_sink {
    cg_sbuf *b;
    const cg_incident *inc;
    size_t n;
} inc_sink;

static void on_incident_finding(void *arg, const cg_finding *f)
{
    inc_sink *s = arg;
    const cg_rule *r = cg_rule_get(f->rule);
    const char *sev = sev_name(r->severity);
    cg_sbuf *b = s->b;
    s->n++;
    cg_sbuf_printf(b, "<tr data-rule=\"%s\" data-severity=\"%s\"><td class=\"sev sev-%s\">%s</td>"
                      "<td class=\"mono\">%s</td><td class=\"nowrap\">",
                   r->id, sev, sev, sev, r->id);
    if (f->obj->kind == CG_KIND_INCIDENT || f->obj->index >= s->inc->n_certs) {
        cg_sbuf_puts(b, "the incident");
    } else {
        const cg_incident_cert *c = &s->inc->certs[f->obj->index];
        cg_sbuf_printf(b, "%s ", c->is_precert ? "precertificate" : "certificate");
        esc(b, c->serial_hex);
    }
    cg_sbuf_puts(b, "</td><td class=\"msg\">");
    esc(b, f->message);
    cg_sbuf_puts(b, "</td></tr>\n");
}

static int incident_page(html *h, cg_incident *inc)
{
    cg_sbuf b = CG_SBUF_INIT, md = CG_SBUF_INIT, csv = CG_SBUF_INIT, fr = CG_SBUF_INIT;
    inc_view v;
    char name[64], title[512], win[32] = "", reason[48];
    int ok = 0;
    view_incident(inc, h->o.at, &v);
    snprintf(title, sizeof(title), "Incident %lld", (long long)inc->id);
    page_head(h, &b, title, inc->title != NULL ? inc->title : NULL);
    cg_sbuf_printf(&b, "<nav><a href=\"index.html\">← Dashboard</a>"
                       "<a href=\"#deadlines\">Deadlines</a><a href=\"#certificates\">"
                       "Certificates</a><a href=\"#events\">Events</a><a href=\"#report\">"
                       "Report draft</a></nav>\n</header>\n<main>\n");
    /* facts */
    cg_sbuf_puts(&b, "<section id=\"facts\">\n<h2>Summary</h2>\n<dl class=\"facts\">\n"
                     "<dt>Kind</dt><dd>");
    esc(&b, inc->kind);
    if (v.kind != NULL) {
        cg_incident_window_name(v.kind->window, win, sizeof(win));
        cg_incident_reason_describe(v.kind->reason, reason, sizeof(reason));
        cg_sbuf_printf(&b, ": revoke within %s, CRL reason %s (", win, reason);
        esc(&b, v.kind->reference);
        cg_sbuf_puts(&b, ")<br><span class=\"note\">");
        esc(&b, v.kind->description);
        cg_sbuf_puts(&b, "</span>");
    } else {
        cg_sbuf_puts(&b, " (a kind this caguard does not know: no revocation deadline)");
    }
    cg_sbuf_puts(&b, "</dd>\n<dt>Title</dt><dd>");
    esc(&b, inc->title != NULL ? inc->title : "(none)");
    cg_sbuf_printf(&b, "</dd>\n<dt>Source</dt><dd>%s</dd>\n<dt>Reported</dt><dd>",
                   cg_source_name(inc->source));
    time_el(&b, inc->reported_at);
    cg_sbuf_printf(&b, "</dd>\n<dt>State</dt><dd id=\"state\">%s</dd>\n",
                   v.closed ? "closed" : "open");
    cg_sbuf_printf(&b, "<dt>Certificates</dt><dd>%zu: %zu revoked (%zu on time, %zu late), "
                       "%zu outstanding past the deadline, %zu within it, %zu expired before "
                       "it</dd>\n</dl>\n</section>\n",
                   inc->n_certs, v.revoked, v.on_time, v.late, v.overdue, v.pending, v.expired);
    /* deadlines */
    cg_sbuf_puts(&b, "<section id=\"deadlines\">\n<h2>Deadlines</h2>\n<div class=\"scroll\">"
                     "<table id=\"deadlines-table\">\n<thead><tr><th>Deadline</th><th>Due</th>"
                     "<th>Status</th></tr></thead>\n<tbody>\n");
    if (v.kind != NULL) {
        char what[96];
        int64_t due = inc->reported_at + v.kind->window, last = 0;
        snprintf(what, sizeof(what), "Revocation (%s, TLS BRs §4.9.1.1)", win);
        /* met once every certificate that needs it is revoked: when the
         * last one was */
        size_t need = 0, done = 0;
        for (size_t i = 0; i < inc->n_certs; i++) {
            cg_revocation_eval e;
            if (!cg_incident_revocation_eval(inc, &inc->certs[i], h->o.at, &e) ||
                e.state == CG_REVOCATION_EXPIRED)
                continue;
            need++;
            if (e.state == CG_REVOCATION_ON_TIME || e.state == CG_REVOCATION_LATE) {
                done++;
                if (e.revoked_at > last)
                    last = e.revoked_at;
            }
        }
        if (need == 0)
            deadline_row(h, &b, "revocation", what, due, 1, inc->reported_at,
                         "no certificate needs revocation");
        else
            deadline_row(h, &b, "revocation", what, due, done == need, last,
                         done == need ? "the last certificate's revocation" : NULL);
    }
    deadline_row(h, &b, "preliminary", "Preliminary report (CCADB, 72 hours)", v.prelim_due,
                 v.has_prelim, v.prelim_at, NULL);
    deadline_row(h, &b, "full", "Full report (CCADB, 14 days)", v.full_due, v.has_full,
                 v.full_at, NULL);
    if (v.has_update) {
        char note[160], since[32];
        cg_time_format(v.update_since, since, sizeof(since));
        snprintf(note, sizeof(note), "%s after the report or update of %s", v.update_why, since);
        deadline_row(h, &b, "update", "Next update", v.update_due, 0, 0, note);
    }
    cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    /* the rules at `at` */
    cg_ctx ctx;
    inc_sink sink = {&fr, inc, 0};
    cg_ctx_init(&ctx, h->o.at, on_incident_finding, &sink);
    cg_incident_check(&ctx, inc);
    cg_sbuf_printf(&b, "<h3>Findings at this time (%zu)</h3>\n", sink.n);
    if (sink.n > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"incident-findings\">\n<thead><tr>"
                         "<th>Severity</th><th>Rule</th><th>About</th><th>Message</th></tr>"
                         "</thead>\n<tbody>\n");
        cg_sbuf_append(&b, cg_sbuf_str(&fr), fr.len);
        cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    } else {
        cg_sbuf_puts(&b, "<p class=\"note\">None: every deadline met or still ahead.</p>\n");
    }
    cg_sbuf_puts(&b, "</section>\n");
    /* certificates */
    cg_sbuf_printf(&b, "<section id=\"certificates\">\n<h2>Certificates (%zu)</h2>\n",
                   inc->n_certs);
    cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"certs-table\">\n<thead><tr><th>Kind</th>"
                     "<th>Serial</th><th>Subject</th><th>DNS names</th><th>Not after</th>"
                     "<th>Revocation</th><th>Reason on the CRL</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < inc->n_certs; i++) {
        const cg_incident_cert *c = &inc->certs[i];
        cg_revocation_eval e;
        char sha[65], dur[48];
        int have = v.kind != NULL && cg_incident_revocation_eval(inc, c, h->o.at, &e);
        cg_hex(c->sha256, 32, sha);
        cg_sbuf_printf(&b, "<tr data-state=\"%s\"><td>%s</td><td class=\"mono\" "
                           "title=\"SHA-256 %s\">",
                       have ? state_class(e.state) : "unknown",
                       c->is_precert ? "precertificate" : "certificate", sha);
        esc(&b, c->serial_hex);
        cg_sbuf_puts(&b, "</td><td class=\"issuer\">");
        esc(&b, c->subject);
        cg_sbuf_puts(&b, "</td><td class=\"issuer\">");
        esc(&b, c->dns_names);
        cg_sbuf_puts(&b, "</td><td class=\"nowrap\">");
        time_el(&b, c->not_after);
        cg_sbuf_puts(&b, "</td><td>");
        if (!have) {
            cg_sbuf_puts(&b, "no deadline (unknown kind)");
        } else {
            cg_sbuf_printf(&b, "<span class=\"state-%s\">", state_class(e.state));
            switch (e.state) {
            case CG_REVOCATION_ON_TIME:
                cg_sbuf_puts(&b, "on time</span>: ");
                time_el(&b, e.revoked_at);
                break;
            case CG_REVOCATION_LATE:
                cg_incident_format_duration(e.late_by, dur, sizeof(dur));
                cg_sbuf_printf(&b, "%s late</span>: ", dur);
                time_el(&b, e.revoked_at);
                break;
            case CG_REVOCATION_OVERDUE:
                cg_incident_format_duration(e.late_by, dur, sizeof(dur));
                cg_sbuf_printf(&b, "not revoked, %s late</span>", dur);
                break;
            case CG_REVOCATION_EXPIRED:
                cg_sbuf_puts(&b, "expired before the deadline</span>");
                break;
            default:
                span_text(e.left, dur, sizeof(dur));
                cg_sbuf_printf(&b, "not revoked yet, due in %s</span>", dur);
                break;
            }
        }
        cg_sbuf_puts(&b, "</td><td>");
        if (cg_incident_cert_revoked_at(c, h->o.at)) {
            cg_incident_reason_describe(c->reason, reason, sizeof(reason));
            esc(&b, reason);
        }
        cg_sbuf_puts(&b, "</td></tr>\n");
    }
    cg_sbuf_puts(&b, "</tbody>\n</table></div>\n</section>\n");
    /* events */
    cg_sbuf_printf(&b, "<section id=\"events\">\n<h2>Events (%zu)</h2>\n", inc->n_events);
    if (inc->n_events > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"events-table\">\n<thead><tr>"
                         "<th>When</th><th>Event</th><th>Note</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < inc->n_events; i++) {
            const cg_incident_event *ev = &inc->events[i];
            cg_sbuf_puts(&b, "<tr><td class=\"nowrap\">");
            time_el(&b, ev->at);
            cg_sbuf_printf(&b, "%s</td><td>%s</td><td class=\"msg\">",
                           ev->at > h->o.at ? " (after the evaluation time)" : "",
                           cg_event_type_name(ev->type));
            esc(&b, ev->note);
            cg_sbuf_puts(&b, "</td></tr>\n");
        }
        cg_sbuf_puts(&b, "</tbody>\n</table></div>\n");
    }
    cg_sbuf_puts(&b, "</section>\n");
    /* the report draft */
    cg_incident_report_markdown(inc, h->o.at, &md);
    cg_incident_appendix_csv(inc, h->o.at, &csv);
    cg_sbuf_printf(&b,
                   "<section id=\"report\">\n<h2>CCADB report draft</h2>\n<p class=\"note\">"
                   "What caguard knows filled in, the rest N/A for a person to complete; "
                   "<a href=\"incident-%lld.md\" download>incident-%lld.md</a> (Markdown) and "
                   "<a href=\"incident-%lld-appendix.csv\" download>incident-%lld-appendix.csv"
                   "</a> (the appendix). Check an edited copy with <code>caguard incident lint"
                   "</code>.</p>\n<pre id=\"report-md\">",
                   (long long)inc->id, (long long)inc->id, (long long)inc->id,
                   (long long)inc->id);
    esc_n(&b, cg_sbuf_str(&md), md.len);
    cg_sbuf_puts(&b, "</pre>\n</section>\n</main>\n");
    page_tail(h, &b);
    snprintf(name, sizeof(name), "incident-%lld.html", (long long)inc->id);
    if (!write_file(h, name, &b))
        goto out;
    snprintf(name, sizeof(name), "incident-%lld.md", (long long)inc->id);
    if (!write_file(h, name, &md))
        goto out;
    snprintf(name, sizeof(name), "incident-%lld-appendix.csv", (long long)inc->id);
    if (!write_file(h, name, &csv))
        goto out;
    ok = 1;
out:
    cg_sbuf_free(&b);
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
    cg_sbuf_free(&fr);
    return ok;
}

/* Writes every incident page and fills the index's incidents table and
 * the delay chart's rows. */
static int incidents(html *h, cg_sbuf *table)
{
    h->delays = calloc(h->n_inc + 1, sizeof(*h->delays));
    if (h->delays == NULL) {
        set_err(h, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < h->n_inc; i++) {
        cg_incident inc;
        inc_view v;
        int found = 0;
        memset(&inc, 0, sizeof(inc));
        if (!cg_store_incident_get(h->st, h->incident_ids[i], &inc, &found)) {
            store_err(h, "reading an incident");
            return 0;
        }
        if (!found)
            continue;
        if (!cg_store_incident_observe_revocations(h->st, &inc)) {
            store_err(h, "reading an incident's revocations");
            cg_incident_clear(&inc);
            return 0;
        }
        delay_row *d = &h->delays[h->n_delays++];
        delay_of(&inc, h->o.at, d);
        d->kind = strdup(inc.kind != NULL ? inc.kind : "");
        view_incident(&inc, h->o.at, &v);
        /* the next deadline not met */
        int64_t next = 0;
        const char *next_what = NULL;
        if (v.kind != NULL && (v.pending > 0 || v.overdue > 0)) {
            next = inc.reported_at + v.kind->window;
            next_what = "revocation";
        }
        if (!v.has_prelim && (next_what == NULL || v.prelim_due < next)) {
            next = v.prelim_due;
            next_what = "preliminary report";
        }
        if (!v.has_full && (next_what == NULL || v.full_due < next)) {
            next = v.full_due;
            next_what = "full report";
        }
        if (v.has_update && (next_what == NULL || v.update_due < next)) {
            next = v.update_due;
            next_what = "update";
        }
        cg_sbuf_printf(table, "<tr data-incident=\"%lld\"><td><a href=\"incident-%lld.html\">"
                              "#%lld</a></td><td>",
                       (long long)inc.id, (long long)inc.id, (long long)inc.id);
        esc(table, inc.kind);
        cg_sbuf_puts(table, "</td><td class=\"msg\">");
        esc(table, inc.title);
        cg_sbuf_puts(table, "</td><td class=\"nowrap\">");
        time_el(table, inc.reported_at);
        cg_sbuf_printf(table,
                       "</td><td class=\"num\">%zu</td><td>%zu revoked (%zu late), %zu "
                       "outstanding</td><td>",
                       inc.n_certs, v.revoked, v.late, v.overdue + v.pending);
        if (next_what != NULL && !v.closed) {
            char s[48];
            span_text(next - h->o.at, s, sizeof(s));
            cg_sbuf_printf(table, "%s: <span class=\"%s\" data-due=\"%lld\">%s %s</span>",
                           next_what, next >= h->o.at ? "due" : "missed", (long long)next,
                           next >= h->o.at ? "due in" : "overdue by", s);
        } else {
            cg_sbuf_puts(table, "none");
        }
        cg_sbuf_printf(table, "</td><td>%s</td></tr>\n", v.closed ? "closed" : "open");
        int ok = d->kind != NULL && incident_page(h, &inc);
        if (d->kind == NULL)
            set_err(h, "out of memory");
        cg_incident_clear(&inc);
        if (!ok)
            return 0;
        h->stats.incidents++;
    }
    return 1;
}

/* ---- index.html ---- */

static int index_page(html *h)
{
    cg_sbuf b = CG_SBUF_INIT, inc_rows = CG_SBUF_INIT, fsec = CG_SBUF_INIT;
    int ok = 0;
    if (!incidents(h, &inc_rows))
        goto out;
    findings_section(h, &fsec);
    if (h->failed)
        goto out;
    page_head(h, &b, "caguard report", NULL);
    cg_sbuf_puts(&b, "<nav><a href=\"#overview\">Overview</a><a href=\"#charts\">Charts</a>"
                     "<a href=\"#incidents\">Incidents</a><a href=\"#findings\">Findings</a>"
                     "</nav>\n</header>\n<main>\n");
    overview(h, &b);
    cg_sbuf_puts(&b, "<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    chart_rules(h, &b);
    chart_delays(h, &b);
    chart_operators(h, &b);
    cg_sbuf_puts(&b, "</div>\n</section>\n");
    if (h->failed)
        goto out;
    cg_sbuf_printf(&b, "<section id=\"incidents\">\n<h2>Incidents (%zu)</h2>\n",
                   h->stats.incidents);
    if (h->stats.incidents > 0) {
        cg_sbuf_puts(&b, "<div class=\"scroll\"><table id=\"incidents-table\">\n<thead><tr>"
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
    cg_sbuf_append(&b, cg_sbuf_str(&fsec), fsec.len);
    cg_sbuf_puts(&b, "</main>\n");
    page_tail(h, &b);
    if (inc_rows.failed || fsec.failed) {
        set_err(h, "out of memory");
        goto out;
    }
    ok = write_file(h, "index.html", &b);
out:
    cg_sbuf_free(&b);
    cg_sbuf_free(&inc_rows);
    cg_sbuf_free(&fsec);
    return ok;
}

int cg_html_report_write(cg_store *store, const char *dir, const cg_html_opts *opts,
                         cg_html_stats *stats, char *err, size_t errcap)
{
    html h;
    int ok = 0;
    char *dest = NULL;
    memset(&h, 0, sizeof(h));
    h.st = store;
    h.o = *opts;
    if (h.o.max_findings == 0)
        h.o.max_findings = CG_HTML_MAX_FINDINGS;
    h.err = err;
    h.errcap = errcap;
    if (err != NULL && errcap > 0)
        err[0] = '\0';
    if (dir == NULL || dir[0] == '\0') {
        set_err(&h, "no directory given");
        return 0;
    }
    if (!csp_hash(script_text, h.script_hash, sizeof(h.script_hash)) ||
        !csp_hash(style_text, h.style_hash, sizeof(h.style_hash))) {
        set_err(&h, "cannot hash the page's script (OpenSSL)");
        return 0;
    }
    /* Everything read before anything is written. */
    if (!cg_store_object_counts(store, on_obj_count, &h)) {
        store_err(&h, "counting objects");
        goto out;
    }
    if (!cg_store_open_finding_counts(store, on_open_count, &h)) {
        store_err(&h, "counting findings");
        goto out;
    }
    if (!cg_store_objects_by_kind(store, CG_KIND_CERT, on_cert, &h)) {
        store_err(&h, "reading certificates");
        goto out;
    }
    if (!cg_store_incident_list(store, on_incident_id, &h)) {
        store_err(&h, "listing incidents");
        goto out;
    }
    if (h.failed)
        goto out;
    if (h.n_iss > 1) /* qsort must not get NULL, even for no element */
        qsort(h.iss, h.n_iss, sizeof(*h.iss), by_issuer_name);
    /* "site/" is "site": the renames below name the directory itself */
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    dest = strndup(dir, dl);
    if (dest == NULL) {
        set_err(&h, "out of memory");
        goto out;
    }
    if (!make_tmp(&h, dest))
        goto out;
    static const cg_sbuf empty = CG_SBUF_INIT;
    if (!index_page(&h) || !write_file(&h, MARKER, &empty))
        goto out;
    h.stats.files--; /* the marker is not a page */
    if (!publish(&h, dest))
        goto out;
    ok = 1;
out:
    if (!ok && h.tmp != NULL)
        remove_tree(h.tmp);
    if (ok && stats != NULL)
        *stats = h.stats;
    free(h.tmp);
    free(dest);
    for (size_t i = 0; i < h.n_iss; i++)
        free(h.iss[i].name);
    free(h.iss);
    labels_free(&h.rules);
    labels_free(&h.fissuers);
    labels_free(&h.operators);
    free(h.incident_ids);
    for (size_t i = 0; i < h.n_delays; i++)
        free(h.delays[i].kind);
    free(h.delays);
    return ok;
}
