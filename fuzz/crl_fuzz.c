/* CRL view and the streaming entry parser. */
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_crl crl;
    cg_crl_entry e;
    cg_der_error err;
    if (!cg_crl_parse(&crl, data, size, &err))
        return 0;
    cg_cbs it = crl.revoked;
    size_t n = 0;
    while (cg_crl_next_entry(&it, &e, data, &err)) {
        if (e.serial.len == 0 || ++n > size)
            __builtin_trap();
    }
    return 0;
}
