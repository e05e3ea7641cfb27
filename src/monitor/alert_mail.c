/* Alerts by mail (see alert.h): the message a finding becomes, headers
 * and body, for the mail channel's sendmail hook (docs/monitor.md,
 * "Alerts"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/alert.h"
#include "report/output.h"
#include "util/hex.h"
#include "util/sbuf.h"
#include "util/time.h"
#include "x509/time.h"

/* ---- mail ---- */

/* label and value, the value wrapped at 78 columns on spaces (a word
 * longer than a line is cut on a UTF-8 character boundary), continuation
 * lines indented under the value: no body line comes near RFC 5322's
 * 998-byte limit. */
static void mail_field(cg_sbuf *b, const char *label, const char *value)
{
    const size_t indent = 13, width = 78 - indent;
    cg_sbuf_printf(b, "%-*s", (int)indent, label);
    const char *s = value;
    int first = 1;
    while (*s == ' ')
        s++;
    while (*s != '\0') {
        size_t len = strlen(s), take = len;
        if (len > width) {
            take = width;
            while (take > 0 && s[take] != ' ')
                take--;
            if (take == 0) { /* one long word: cut it */
                take = width;
                while (take > 0 && ((unsigned char)s[take] & 0xc0) == 0x80)
                    take--;
                if (take == 0)
                    take = width;
            }
        }
        if (!first)
            cg_sbuf_printf(b, "%*s", (int)indent, "");
        for (size_t i = 0; i < take; i++) {
            unsigned char c = (unsigned char)s[i];
            char ch = c < 0x20 || c == 0x7f ? '?' : (char)c;
            cg_sbuf_append(b, &ch, 1);
        }
        cg_sbuf_puts(b, "\n");
        first = 0;
        s += take;
        while (*s == ' ')
            s++;
    }
    if (first)
        cg_sbuf_puts(b, "\n");
}

/* A header field, folded (RFC 5322 §2.2.3) at spaces so that no line is
 * longer than 78 characters when the value allows it. */
static void mail_header(cg_sbuf *b, const char *name, const char *value)
{
    size_t col = strlen(name) + 2;
    cg_sbuf_printf(b, "%s:", name);
    const char *s = value;
    while (*s != '\0') {
        const char *sp = strchr(s + 1, ' ');
        size_t word = sp != NULL ? (size_t)(sp - s) : strlen(s);
        if (s != value && col + word > 78) {
            cg_sbuf_puts(b, "\n");
            col = 0;
        }
        if (s == value)
            cg_sbuf_puts(b, " ");
        cg_sbuf_append(b, s, word);
        col += word;
        s += word;
    }
    cg_sbuf_puts(b, "\n");
}

char *cg_alert_mail_message(const cg_finding *f, const cg_alert_info *info, const char *from,
                            const char *to, int64_t now, size_t *len)
{
    static unsigned seq;
    const cg_rule *r = cg_rule_get(f->rule);
    const cg_objref *o = f->obj;
    cg_sbuf b = CG_SBUF_INIT;
    char summary[300], date[64], issuer[1024], serial[80], sha[65], t[32], buf[320];
    const char *host = strchr(from, '@');
    int64_t incident = info != NULL && info->incident != 0 ? info->incident : f->incident;

    cg_alert_summary(f, summary, sizeof(summary));
    cg_time_format_rfc5322(now, date, sizeof(date));
    cg_sbuf_printf(&b, "From: %s\n", from);
    cg_sbuf_printf(&b, "To: %s\n", to);
    snprintf(buf, sizeof(buf), "[caguard] %s", summary);
    mail_header(&b, "Subject", buf);
    cg_sbuf_printf(&b, "Date: %s\n", date);
    /* An alert's Message-ID is its alert ID: a repeated delivery is the
     * same message to a mail system that drops duplicates. */
    if (info != NULL && info->alert_id != NULL) {
        cg_sbuf_printf(&b, "Message-ID: <caguard.%s@%s>\n", info->alert_id,
                       host != NULL && host[1] != '\0' ? host + 1 : "localhost");
        cg_sbuf_printf(&b, "X-Caguard-Alert-ID: %s\n", info->alert_id);
    } else {
        cg_sbuf_printf(&b, "Message-ID: <caguard.%lld.%ld.%u@%s>\n", (long long)now,
                       (long)getpid(), seq++,
                       host != NULL && host[1] != '\0' ? host + 1 : "localhost");
    }
    cg_sbuf_puts(&b, "MIME-Version: 1.0\n"
                     "Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\n"
                     "Auto-Submitted: auto-generated\n"
                     "\n");
    cg_sbuf_printf(&b, "caguard found a new %s on %s %s.\n\n",
                   cg_severity_name(cg_finding_severity(f)),
                   o->kind == CG_KIND_INCIDENT ? "an" : "a", cg_kind_name(o->kind));
    snprintf(buf, sizeof(buf), "%s (%s)", r->id, cg_severity_name(cg_finding_severity(f)));
    mail_field(&b, "Rule:", buf);
    mail_field(&b, "Message:", f->message);
    if (r->reference[0] != '\0')
        mail_field(&b, "Reference:", r->reference);
    mail_field(&b, "Object:", cg_kind_name(o->kind));
    if (o->has_hash) {
        cg_hex(o->sha256, 32, sha);
        mail_field(&b, "SHA-256:", sha);
    }
    cg_out_issuer_string(&o->issuer, issuer, sizeof(issuer));
    if (issuer[0] != '\0')
        mail_field(&b, "Issuer:", issuer);
    cg_serial_hex(&o->serial, serial, sizeof(serial));
    if (serial[0] != '\0')
        mail_field(&b, "Serial:", serial);
    if (o->file != NULL) {
        char *where = malloc(strlen(o->file) + 48);
        if (where != NULL) {
            sprintf(where, "%s (object %zu)", o->file, o->index);
            mail_field(&b, "Found in:", where);
            free(where);
        }
    }
    if (info != NULL && info->first_seen != 0) {
        cg_time_format(info->first_seen, t, sizeof(t));
        mail_field(&b, "First seen:", t);
    }
    if (incident != 0) {
        if (info != NULL && info->incident_opened)
            snprintf(buf, sizeof(buf),
                     "%lld (a draft opened for this finding: caguard incident "
                     "show %lld)",
                     (long long)incident, (long long)incident);
        else
            snprintf(buf, sizeof(buf), "%lld", (long long)incident);
        mail_field(&b, "Incident:", buf);
    }
    cg_sbuf_puts(&b, "\n");
    mail_field(&b, "The rule:", r->description);
    cg_sbuf_puts(&b, "\n-- \ncaguard monitor (docs/monitor.md, \"Alerts\")\n");
    if (b.failed) {
        cg_sbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}
