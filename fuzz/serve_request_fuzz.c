/* caguard serve's request decoding (serve/decode.h) on arbitrary bytes: the
 * first byte picks a Content-Type (form, multipart with a boundary, JSON),
 * the rest is the body. Every decoder must accept, or refuse with a
 * message; what it accepts must hold what it says (fields named, values
 * within the body's size, objects non-empty), and nothing may leak. The
 * pkimetal input decoder runs over every form field. */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pkimetal decoder's answer on input without a PEM block, made the
 * plain way: CR, LF and tab dropped, a space read as '+', the rest decoded
 * strictly by util/base64 (decode.c decodes an unbroken run in place and
 * takes this way only for the others: the two must agree, bytes and
 * verdict). */
static void check_plain_b64(const uint8_t *in, size_t n, const uint8_t *der, size_t dl)
{
    uint8_t *clean = malloc(n + 1), *ref = malloc(CG_BASE64_DECODED_MAX(n));
    size_t c = 0, rl = 0, bad;
    const char *why;
    if (clean == NULL || ref == NULL) {
        free(clean);
        free(ref);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '\r' && in[i] != '\n' && in[i] != '\t')
            clean[c++] = in[i] == ' ' ? '+' : in[i];
    }
    int ok = c > 0 && cg_base64_decode(clean, c, 0, ref, &rl, &bad, &why) && rl > 0;
    if (ok != (der != NULL) || (ok && (rl != dl || memcmp(ref, der, dl) != 0)))
        __builtin_trap();
    free(clean);
    free(ref);
}

/* A form body's percent-decoding made byte by byte ('+' a space, %XX two
 * hex digits): 1 and the bytes, or 0 with the offset of the bad escape. */
static int ref_unescape(const uint8_t *s, size_t n, uint8_t *out, size_t *o, size_t *bad)
{
    static const char hex[] = "0123456789abcdef0123456789ABCDEF";
    *o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[(*o)++] = s[i] == '+' ? ' ' : s[i];
            continue;
        }
        const char *h = i + 2 < n ? memchr(hex, s[i + 1], 32) : NULL;
        const char *l = i + 2 < n ? memchr(hex, s[i + 2], 32) : NULL;
        if (h == NULL || l == NULL) {
            *bad = i;
            return 0;
        }
        out[(*o)++] = (uint8_t)(((h - hex) & 15) * 16 + ((l - hex) & 15));
        i += 2;
    }
    return 1;
}

/* The urlencoded form decoded again the plain way. Accepted (form): every
 * field as cg_form_parse gave it, no bad escape anywhere. Refused for a
 * bad escape: one is where the message says. */
static void check_urlencoded(const uint8_t *body, size_t len, const cg_form *form, const char *err)
{
    uint8_t *buf = malloc(len + 1);
    size_t k = 0, said = (size_t)-1;
    int said_found = 0;
    const char *m = form == NULL ? strstr(err, "bad percent escape at byte ") : NULL;
    if (buf == NULL)
        return;
    if (m != NULL)
        said = strtoull(m + 27, NULL, 10);
    for (size_t i = 0; i < len;) {
        const uint8_t *amp = memchr(body + i, '&', len - i);
        size_t end = amp != NULL ? (size_t)(amp - body) : len, o = 0, bad = 0;
        if (end > i) {
            const uint8_t *eq = memchr(body + i, '=', end - i);
            size_t ne = eq != NULL ? (size_t)(eq - body) : end;
            int ok = ref_unescape(body + i, ne - i, buf, &o, &bad);
            if (ok && form != NULL &&
                (k >= form->n || o != strlen(form->f[k].name) ||
                 memcmp(buf, form->f[k].name, o) != 0))
                __builtin_trap();
            if (!ok)
                said_found |= i + bad == said;
            o = 0;
            if (ok && ne < end && !ref_unescape(body + ne + 1, end - ne - 1, buf, &o, &bad)) {
                said_found |= ne + 1 + bad == said;
                ok = 0;
            }
            if (form != NULL &&
                (!ok || o != form->f[k].len || memcmp(buf, form->f[k].value, o) != 0))
                __builtin_trap();
            k++;
        }
        i = end + 1;
    }
    if ((form != NULL && k != form->n) || (said != (size_t)-1 && !said_found))
        __builtin_trap();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=XyZ",
        "multipart/form-data; boundary=\"a b\"",
        "multipart/form-data",
        "application/json",
        "text/plain",
    };
    char err[1024];
    if (size == 0)
        return 0;
    const char *type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    cg_form form;
    int parsed = cg_form_parse(&form, type, body, len, err, sizeof(err));
    if (data[0] % (sizeof(types) / sizeof(types[0])) == 0)
        check_urlencoded(body, len, parsed ? &form : NULL, err);
    if (parsed) {
        for (size_t i = 0; i < form.n; i++) {
            const cg_form_field *f = &form.f[i];
            if (f->name == NULL || f->name[0] == '\0' || f->value == NULL || f->len > len ||
                f->value[f->len] != '\0')
                __builtin_trap();
            for (int want = CG_OBJ_CERT; want <= CG_OBJ_ANY; want++) {
                size_t dl = 0;
                uint8_t *der = cg_serve_decode_b64(f->value, f->len, (cg_obj_want)want, f->name,
                                                   &dl, err, sizeof(err));
                if (der != NULL && (dl == 0 || dl > f->len))
                    __builtin_trap();
                if (memmem(f->value, f->len, "-----BEGIN ", 11) == NULL)
                    check_plain_b64(f->value, f->len, der, dl);
                free(der);
            }
        }
        if (form.n > 0 && cg_form_get(&form, form.f[0].name) != &form.f[0])
            __builtin_trap();
        cg_form_clear(&form);
    } else if (err[0] == '\0') {
        __builtin_trap();
    }

    cg_serve_objects objs;
    err[0] = '\0';
    if (cg_serve_parse_check(body, len, &objs, err, sizeof(err))) {
        if (objs.n == 0 || objs.n > CG_SERVE_MAX_OBJECTS)
            __builtin_trap();
        for (size_t i = 0; i < objs.n; i++) {
            if (objs.data[i] == NULL || objs.len[i] == 0 || objs.len[i] > len)
                __builtin_trap();
        }
        cg_serve_objects_clear(&objs);
    } else if (err[0] == '\0' || objs.n != 0) {
        __builtin_trap();
    }
    err[0] = '\0';
    if (cg_serve_parse_gate(body, len, &objs, err, sizeof(err))) {
        if (objs.n != 1 || objs.len[0] == 0)
            __builtin_trap();
        cg_serve_objects_clear(&objs);
    } else if (err[0] == '\0') {
        __builtin_trap();
    }
    return 0;
}
