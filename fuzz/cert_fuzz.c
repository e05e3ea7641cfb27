/* Certificate view: parse, then read every slice it hands out. */
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_bounds(const cg_cbs *c, const uint8_t *data, size_t size)
{
    if (c->len > 0 && (c->data < data || c->data + c->len > data + size))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_cert cert;
    cg_der_error err;
    if (!cg_cert_parse(&cert, data, size, &err)) {
        if (err.offset > size)
            __builtin_trap();
        return 0;
    }
    in_bounds(&cert.tbs, data, size);
    in_bounds(&cert.issuer, data, size);
    in_bounds(&cert.subject, data, size);
    for (size_t i = 0; i < cert.n_ext; i++)
        in_bounds(&cert.ext[i].value, data, size);
    return 0;
}
