/* Request decoding (decode.h). Everything is read with explicit lengths;
 * nothing assumes a NUL after the body. Limits: CG_FORM_MAX_FIELDS fields,
 * CG_SERVE_MAX_OBJECTS objects, a multipart boundary of 1 to 70
 * characters (RFC 2046 §5.1.1); every decoded value is at most as long as
 * its encoding, so memory follows the body. */
#define _GNU_SOURCE /* memmem */
#include "serve/decode.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/hex.h"
#include "x509/time.h"

void cg_serve_media_type(const char *content_type, char *buf, size_t cap)
{
    size_t n = 0;
    const char *p = content_type != NULL ? content_type : "";
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p != '\0' && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < cap; p++)
        buf[n++] = (char)tolower((unsigned char)*p);
    if (cap > 0)
        buf[n] = '\0';
}

/* A parameter of a Content-Type value (token or quoted string), copied
 * into buf; 0 when absent or too long. */
static int ct_param(const char *content_type, const char *name, char *buf, size_t cap)
{
    const char *p = content_type != NULL ? strchr(content_type, ';') : NULL;
    size_t nl = strlen(name);
    while (p != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t n = 0;
            if (*v == '"') {
                for (v++; *v != '\0' && *v != '"'; v++) {
                    if (*v == '\\' && v[1] != '\0')
                        v++;
                    if (n + 1 >= cap)
                        return 0;
                    buf[n++] = *v;
                }
                if (*v != '"')
                    return 0;
            } else {
                for (; *v != '\0' && *v != ';' && *v != ' ' && *v != '\t'; v++) {
                    if (n + 1 >= cap)
                        return 0;
                    buf[n++] = *v;
                }
            }
            buf[n] = '\0';
            return 1;
        }
        p = strchr(p, ';');
    }
    return 0;
}

void cg_form_clear(cg_form *form)
{
    for (size_t i = 0; i < form->n; i++) {
        free(form->f[i].name);
        free(form->f[i].value);
    }
    memset(form, 0, sizeof(*form));
}

const cg_form_field *cg_form_get(const cg_form *form, const char *name)
{
    for (size_t i = 0; i < form->n; i++) {
        if (strcmp(form->f[i].name, name) == 0)
            return &form->f[i];
    }
    return NULL;
}

/* The offset of the first c in s[from..n), or n. */
static size_t next_of(const uint8_t *s, size_t from, size_t n, uint8_t c)
{
    const uint8_t *p = from < n ? memchr(s + from, c, n - from) : NULL;
    return p != NULL ? (size_t)(p - s) : n;
}

/* Percent-decodes s[0..n) ('+' is a space) into a new NUL-terminated
 * buffer. *bad is the offset of a bad escape when it returns NULL with
 * *bad != (size_t)-1. The runs between escapes are copied whole (a base64
 * field is mostly such runs), the next '%' and '+' found by memchr. */
static uint8_t *url_decode(const uint8_t *s, size_t n, size_t *out_len, size_t *bad)
{
    uint8_t *out = malloc(n + 1);
    size_t o = 0, i = 0, pct = next_of(s, 0, n, '%'), plus = next_of(s, 0, n, '+');
    *bad = (size_t)-1;
    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t stop = pct < plus ? pct : plus;
        memcpy(out + o, s + i, stop - i);
        o += stop - i;
        i = stop;
        if (i == n)
            break;
        if (i == plus) {
            out[o++] = ' ';
            plus = next_of(s, ++i, n, '+');
            continue;
        }
        int hi = i + 2 < n ? cg_hex_value(s[i + 1]) : -1,
            lo = i + 2 < n ? cg_hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            *bad = i;
            free(out);
            return NULL;
        }
        out[o++] = (uint8_t)(hi * 16 + lo);
        i += 3;
        pct = next_of(s, i, n, '%');
        if (plus < i)
            plus = next_of(s, i, n, '+');
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static int add_field(cg_form *form, char *name, uint8_t *value, size_t len, char *err,
                     size_t errcap)
{
    if (form->n == CG_FORM_MAX_FIELDS) {
        free(name);
        free(value);
        snprintf(err, errcap, "more than %d form fields", CG_FORM_MAX_FIELDS);
        return 0;
    }
    form->f[form->n++] = (cg_form_field){name, value, len};
    return 1;
}

/* A field name: printable, no NUL, at most 64 bytes. */
static int name_ok(const uint8_t *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    }
    return 1;
}

static int parse_urlencoded(cg_form *form, const uint8_t *body, size_t len, char *err,
                            size_t errcap)
{
    size_t i = 0;
    while (i < len) {
        size_t end = next_of(body, i, len, '&');
        if (end > i) {
            size_t eq = next_of(body, i, end, '='), nlen = 0, vlen = 0, bad = (size_t)-1, at = i;
            uint8_t *name = url_decode(body + i, eq - i, &nlen, &bad), *value = NULL;
            if (name != NULL) {
                at = eq + 1;
                value =
                    eq < end ? url_decode(body + eq + 1, end - eq - 1, &vlen, &bad) : calloc(1, 1);
            }
            if (name == NULL || value == NULL) {
                if (bad != (size_t)-1)
                    snprintf(err, errcap,
                             "form body: bad percent escape at byte %zu (want %%XX with two "
                             "hex digits)",
                             at + bad);
                else
                    snprintf(err, errcap, "out of memory");
                free(name);
                free(value);
                return 0;
            }
            if (!name_ok(name, nlen) || memchr(name, 0, nlen) != NULL) {
                snprintf(err, errcap,
                         "form body: field at byte %zu has no name or a name that is not 1 to "
                         "64 printable characters",
                         i);
                free(name);
                free(value);
                return 0;
            }
            if (!add_field(form, (char *)name, value, vlen, err, errcap))
                return 0;
        }
        i = end + 1;
    }
    return 1;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle, size_t nl)
{
    if (nl == 0 || n < nl)
        return NULL;
    return memmem(hay, n, needle, nl);
}

/* The name="..." of a Content-Disposition: form-data header line. */
static int disposition_name(const uint8_t *line, size_t n, char *name, size_t cap)
{
    static const char hdr[] = "content-disposition:";
    if (n < sizeof(hdr) - 1 || strncasecmp((const char *)line, hdr, sizeof(hdr) - 1) != 0)
        return 0;
    char value[512];
    size_t vn = n - (sizeof(hdr) - 1);
    if (vn >= sizeof(value))
        return 0;
    memcpy(value, line + sizeof(hdr) - 1, vn);
    value[vn] = '\0';
    char type[32];
    cg_serve_media_type(value, type, sizeof(type));
    return strcmp(type, "form-data") == 0 && ct_param(value, "name", name, cap) && name[0];
}

static int parse_multipart(cg_form *form, const char *content_type, const uint8_t *body,
                           size_t len, char *err, size_t errcap)
{
    char boundary[80], delim[84];
    if (!ct_param(content_type, "boundary", boundary, sizeof(boundary)) || strlen(boundary) == 0 ||
        strlen(boundary) > 70) {
        snprintf(err, errcap, "multipart/form-data without a boundary of 1 to 70 characters");
        return 0;
    }
    size_t dl = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
    /* The first delimiter: at the start, or after a preamble line. */
    const uint8_t *p = find(body, len, delim, dl), *end = body + len;
    if (p == NULL || (p != body && p[-1] != '\n')) {
        snprintf(err, errcap, "multipart body: no \"%s\" delimiter line", delim);
        return 0;
    }
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 1; /* the close delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (p < end && p[0] == '\n')
            p += 1;
        else {
            snprintf(err, errcap,
                     "multipart body: delimiter at byte %zu not followed by a "
                     "line break or \"--\"",
                     (size_t)(p - body));
            return 0;
        }
        /* Headers up to an empty line. */
        char name[128] = "";
        for (;;) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl == NULL) {
                snprintf(err, errcap, "multipart body: part headers not ended by an empty line");
                return 0;
            }
            size_t ln = (size_t)(nl - p);
            if (ln > 0 && p[ln - 1] == '\r')
                ln--;
            if (ln == 0) {
                p = nl + 1;
                break;
            }
            if (name[0] == '\0')
                disposition_name(p, ln, name, sizeof(name));
            p = nl + 1;
        }
        if (name[0] == '\0') {
            snprintf(err, errcap,
                     "multipart body: a part at byte %zu has no "
                     "Content-Disposition: form-data; name=\"...\"",
                     (size_t)(p - body));
            return 0;
        }
        /* The content ends at the line break before the next delimiter. */
        const uint8_t *next = p;
        for (;;) {
            next = find(next, (size_t)(end - next), delim, dl);
            if (next == NULL || next == p || next[-1] == '\n')
                break;
            next++;
        }
        if (next == NULL) {
            snprintf(err, errcap, "multipart body: part \"%s\" has no closing delimiter", name);
            return 0;
        }
        const uint8_t *cend = next;
        if (cend > p && cend[-1] == '\n')
            cend--;
        if (cend > p && cend[-1] == '\r')
            cend--;
        size_t vlen = (size_t)(cend - p);
        uint8_t *value = malloc(vlen + 1);
        char *nm = strdup(name);
        if (value == NULL || nm == NULL) {
            free(value);
            free(nm);
            snprintf(err, errcap, "out of memory");
            return 0;
        }
        memcpy(value, p, vlen);
        value[vlen] = '\0';
        if (!add_field(form, nm, value, vlen, err, errcap))
            return 0;
        p = next;
    }
}

int cg_form_parse(cg_form *form, const char *content_type, const uint8_t *body, size_t len,
                  char *err, size_t errcap)
{
    char type[64];
    int ok;
    memset(form, 0, sizeof(*form));
    cg_serve_media_type(content_type, type, sizeof(type));
    if (strcmp(type, "application/x-www-form-urlencoded") == 0)
        ok = parse_urlencoded(form, body, len, err, errcap);
    else if (strcmp(type, "multipart/form-data") == 0)
        ok = parse_multipart(form, content_type, body, len, err, errcap);
    else {
        snprintf(err, errcap,
                 "Content-Type \"%s\" is not a form (want application/x-www-form-urlencoded or "
                 "multipart/form-data)",
                 type);
        ok = 0;
    }
    if (!ok)
        cg_form_clear(form);
    return ok;
}

/* ---- objects ---- */

/* Whether b64() skips in[i]: whitespace (a space too, unless it stands
 * for the '+' of a form sent unescaped). */
static int b64_skipped(uint8_t ch, int plus_spaces)
{
    return ch == '\r' || ch == '\n' || ch == '\t' || (ch == ' ' && !plus_spaces);
}

/* Base64 with whitespace skipped; plus_spaces reads ' ' as '+'. An input
 * that is one unbroken run of base64 (a form field, a JSON string: what a
 * pipeline sends) is decoded where it lies, in one pass; any other is
 * copied without its whitespace and decoded strictly, an error's offset
 * found again in the input. */
static uint8_t *b64(const uint8_t *in, size_t n, int plus_spaces, const char *what,
                    size_t *out_len, char *err, size_t errcap)
{
    uint8_t *out = malloc(CG_BASE64_DECODED_MAX(n));
    char *clean = NULL;
    size_t c = 0, bad = 0;
    int padded;
    const char *why = "";
    if (out == NULL)
        goto oom;
    if (n > 0 && cg_base64_decode_run(in, n, out, out_len, &padded) == n)
        return out;
    clean = malloc(n + 1);
    if (clean == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (!b64_skipped(in[i], plus_spaces))
            clean[c++] = in[i] == ' ' ? '+' : (char)in[i];
    }
    if (c == 0) {
        snprintf(err, errcap, "%s is empty", what);
        goto fail;
    }
    if (!cg_base64_decode((const uint8_t *)clean, c, 0, out, out_len, &bad, &why)) {
        /* The bad-th character kept is at this offset of the input. */
        size_t at = 0, kept = 0;
        for (; at < n && (kept < bad || b64_skipped(in[at], plus_spaces)); at++)
            kept += !b64_skipped(in[at], plus_spaces);
        snprintf(err, errcap, "%s is not base64: byte %zu: %s", what, at, why);
        goto fail;
    }
    if (*out_len == 0) {
        snprintf(err, errcap, "%s is empty", what);
        goto fail;
    }
    free(clean);
    return out;
oom:
    snprintf(err, errcap, "out of memory");
fail:
    free(out);
    free(clean);
    return NULL;
}

static int label_fits(const char *label, size_t n, cg_obj_want want)
{
    static const char *const certs[] = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"};
    static const char *const crls[] = {"X509 CRL", "CRL"};
    const char *const *set = want == CG_OBJ_CERT ? certs : crls;
    size_t k = want == CG_OBJ_CERT ? 3 : 2;
    if (want == CG_OBJ_ANY)
        return 1;
    for (size_t i = 0; i < k; i++) {
        if (strlen(set[i]) == n && memcmp(set[i], label, n) == 0)
            return 1;
    }
    return 0;
}

uint8_t *cg_serve_decode_b64(const uint8_t *in, size_t len, cg_obj_want want, const char *field,
                             size_t *out_len, char *err, size_t errcap)
{
    static const char begin[] = "-----BEGIN ";
    const uint8_t *b = find(in, len, begin, sizeof(begin) - 1);
    char what[96];
    if (b == NULL) {
        snprintf(what, sizeof(what), "%s", field);
        return b64(in, len, 1, what, out_len, err, errcap);
    }
    const uint8_t *label = b + sizeof(begin) - 1, *end = in + len;
    const uint8_t *dash = find(label, (size_t)(end - label), "-----", 5);
    size_t ln = dash != NULL ? (size_t)(dash - label) : 0;
    if (dash == NULL || ln == 0 || ln > 64 || memchr(label, '\n', ln) != NULL) {
        snprintf(err, errcap, "%s: a PEM BEGIN line at byte %zu without a label ending in -----",
                 field, (size_t)(b - in));
        return NULL;
    }
    if (!label_fits((const char *)label, ln, want)) {
        snprintf(err, errcap, "%s: a PEM block of type \"%.*s\" where %s was expected", field,
                 (int)ln, (const char *)label,
                 want == CG_OBJ_CERT ? "a CERTIFICATE" : "an X509 CRL");
        return NULL;
    }
    char endline[96];
    size_t el = (size_t)snprintf(endline, sizeof(endline), "-----END %.*s-----", (int)ln,
                                 (const char *)label);
    const uint8_t *body = dash + 5;
    const uint8_t *stop = find(body, (size_t)(end - body), endline, el);
    if (stop == NULL) {
        snprintf(err, errcap, "%s: the PEM block \"%.*s\" has no \"%s\" line", field, (int)ln,
                 (const char *)label, endline);
        return NULL;
    }
    snprintf(what, sizeof(what), "%s: the PEM block's body", field);
    return b64(body, (size_t)(stop - body), 1, what, out_len, err, errcap);
}

/* ---- JSON bodies ---- */

void cg_serve_objects_clear(cg_serve_objects *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->data[i]);
    memset(o, 0, sizeof(*o));
}

static int add_object(cg_serve_objects *o, const json_t *v, const char *where, char *err,
                      size_t errcap)
{
    if (!json_is_string(v)) {
        snprintf(err, errcap, "%s is not a string (want PEM text or base64 DER)", where);
        return 0;
    }
    const uint8_t *s = (const uint8_t *)json_string_value(v);
    size_t n = json_string_length(v);
    uint8_t *data;
    size_t len;
    if (find(s, n, "-----BEGIN ", 11) != NULL) {
        /* PEM text, as a file holds it: the checker frames it (blocks,
         * labels) and reports what it cannot read as input.malformed. */
        data = malloc(n + 1);
        if (data == NULL) {
            snprintf(err, errcap, "out of memory");
            return 0;
        }
        memcpy(data, s, n);
        len = n;
    } else {
        data = b64(s, n, 0, where, &len, err, errcap);
        if (data == NULL)
            return 0;
    }
    o->data[o->n] = data;
    o->len[o->n] = len;
    o->n++;
    return 1;
}

static json_t *load(const uint8_t *body, size_t len, char *err, size_t errcap)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errcap, "body is not JSON: line %d, column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errcap, "body is not a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* The fields other than want and "at" are refused; "at" is read. */
static int common(json_t *root, const char *want, cg_serve_objects *out, char *err, size_t errcap)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, want) == 0)
            continue;
        if (strcmp(key, "at") != 0) {
            snprintf(err, errcap, "unknown field \"%.64s\" (want \"%s\" and optionally \"at\")",
                     key, want);
            return 0;
        }
        if (!json_is_string(v) || !cg_time_parse_rfc3339(json_string_value(v), &out->at)) {
            snprintf(err, errcap,
                     "\"at\" is not an RFC 3339 time string (e.g. \"2024-06-01T00:00:00Z\")");
            return 0;
        }
        out->has_at = 1;
    }
    if (json_object_get(root, want) == NULL) {
        snprintf(err, errcap, "no \"%s\" field", want);
        return 0;
    }
    return 1;
}

int cg_serve_parse_check(const uint8_t *body, size_t len, cg_serve_objects *out, char *err,
                         size_t errcap)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load(body, len, err, errcap);
    int ok = 0;
    if (root == NULL || !common(root, "objects", out, err, errcap))
        goto out;
    json_t *arr = json_object_get(root, "objects");
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > CG_SERVE_MAX_OBJECTS) {
        snprintf(err, errcap, "\"objects\" is not an array of 1 to %d strings",
                 CG_SERVE_MAX_OBJECTS);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char where[40];
        snprintf(where, sizeof(where), "objects[%zu]", i);
        if (!add_object(out, json_array_get(arr, i), where, err, errcap))
            goto out;
    }
    ok = 1;
out:
    json_decref(root);
    if (!ok)
        cg_serve_objects_clear(out);
    return ok;
}

int cg_serve_parse_gate(const uint8_t *body, size_t len, cg_serve_objects *out, char *err,
                        size_t errcap)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load(body, len, err, errcap);
    int ok = root != NULL && common(root, "object", out, err, errcap) &&
             add_object(out, json_object_get(root, "object"), "object", err, errcap);
    json_decref(root);
    if (!ok)
        cg_serve_objects_clear(out);
    return ok;
}
