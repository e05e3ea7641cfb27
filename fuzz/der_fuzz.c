/* DER validator and strict reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_der_error err;
    size_t consumed;
    cg_der_validate(data, size, &consumed, &err);
    if (consumed > size)
        __builtin_trap();
    /* Walk the top level with the strict reader too. */
    cg_cbs in, elem;
    uint8_t tag;
    size_t hdr;
    cg_cbs_init(&in, data, size);
    while (cg_cbs_get_any_asn1_element(&in, &elem, &tag, &hdr)) {
        if (hdr > elem.len)
            __builtin_trap();
    }
    return 0;
}
