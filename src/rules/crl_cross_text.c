/* How the CRL cross-checks name things in findings: certificates, CAs,
 * Names, URIs and bytes, each cut on a UTF-8 character boundary so a long
 * file name or Name never leaves half a character in a message. */
#include "rules/crl_cross_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/hex.h"
#include "x509/name.h"

/* Cuts text at cap - 4 bytes on a UTF-8 character boundary and ends it in
 * "...", so a long file name or Name never leaves half a character. */
static void cut_utf8(char *buf, size_t len, size_t cap)
{
    if (len < cap || cap < 4)
        return;
    size_t n = cap - 4;
    while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf + n, "...", 4);
}

/* snprintf that cuts on a character boundary. */
void cg_xc_put_text(char *buf, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int w = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    if (w < 0)
        buf[0] = '\0';
    else
        cut_utf8(buf, (size_t)w, cap);
}

void cg_xc_hex_text(const cg_cbs *v, char *buf, size_t cap)
{
    cg_hex_quote(v->data, v->len, SIZE_MAX, 0, buf, cap);
}

void cg_xc_name_text(const cg_cbs *name, char *buf, size_t cap)
{
    if (!cg_name_to_display(name, buf, cap))
        cg_xc_put_text(buf, cap, "(a Name that does not parse)");
}

void cg_xc_uri_text(const cg_cbs *uri, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < uri->len && n + 4 < cap; i++) {
        uint8_t c = uri->data[i];
        buf[n++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
    }
    if (n < uri->len && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

void cg_xc_cert_text(const xcert *c, char *buf, size_t cap)
{
    char serial[2 * SERIAL_MAX + 1];
    cg_cbs s;
    cg_cbs_init(&s, c->serial, c->serial_len);
    cg_serial_hex(&s, serial, sizeof(serial));
    cg_xc_put_text(buf, cap, "%s %s #%u (serial %s)",
                   c->kind == CG_KIND_PRECERT ? "precertificate" : "certificate", c->file,
                   c->index, c->serial_len > 0 ? serial : "too long to look up");
}

void cg_xc_ca_text(const cg_crl_cross *xc, size_t ca, char *buf, size_t cap)
{
    char name[256];
    cg_xc_name_text(&xc->cas[ca].cert->subject, name, sizeof(name));
    if (xc->info[ca].rec != NULL)
        cg_xc_put_text(buf, cap, "CA \"%s\" (%s #%u)", name, xc->info[ca].rec->file,
                       xc->info[ca].rec->index);
    else
        cg_xc_put_text(buf, cap, "CA \"%s\"", name);
}

/* A finding whose message stays within what cg_report keeps (and so stays
 * valid UTF-8 in JSON), with its extra fields. */
void cg_xc_say_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const cg_field *fields,
                      size_t n_fields, const char *fmt, ...)
{
    char msg[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    cut_utf8(msg, (size_t)w, sizeof(msg));
    cg_report_fields(ctx, rule, obj, fields, n_fields, "%s", msg);
}

#define cg_xc_say(ctx, rule, obj, ...) cg_xc_say_fields(ctx, rule, obj, NULL, 0, __VA_ARGS__)

/* cg_name_explain with "the other name" spelled out as other. */
void cg_xc_explain(const cg_cbs *here, const cg_cbs *there, const char *other, char *buf,
                   size_t cap)
{
    char raw[400];
    size_t n = 0;
    if (!cg_name_explain(here, there, raw, sizeof(raw)))
        cg_xc_put_text(raw, sizeof(raw), "the encodings differ");
    for (const char *p = raw; *p != '\0';) {
        size_t skip = strncmp(p, "the other name", 14) == 0 ? 14
                      : strncmp(p, "the other", 9) == 0     ? 9
                                                            : 0;
        const char *piece = skip > 0 ? other : p;
        size_t len = skip > 0 ? strlen(other) : 1;
        if (skip == 0) /* a whole UTF-8 character */
            while (((unsigned char)p[len] & 0xc0) == 0x80)
                len++;
        if (n + len + 1 > cap)
            break;
        memcpy(buf + n, piece, len);
        n += len;
        p += skip > 0 ? skip : len;
    }
    buf[n] = '\0';
}
