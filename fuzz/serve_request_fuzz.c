/* caguard serve's request decoding (serve/decode.h) on arbitrary bytes: the
 * first byte picks a Content-Type (form, multipart with a boundary, JSON),
 * the rest is the body. Every decoder must accept, or refuse with a
 * message; what it accepts must hold what it says (fields named, values
 * within the body's size, objects non-empty), and nothing may leak. The
 * pkimetal input decoder runs over every form field. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    if (cg_form_parse(&form, type, body, len, err, sizeof(err))) {
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
