/* SCT list parser on arbitrary extension values. */
#include <stddef.h>
#include <stdint.h>

#include "ct/sct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_cbs value;
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    cg_cbs_init(&value, data, size);
    if (!cg_sct_list_open(&list, &value, &err))
        return 0;
    for (size_t n = 0; cg_sct_list_next(&list, &sct, &err); n++) {
        if (n > size || sct.raw.len > size)
            __builtin_trap();
    }
    return 0;
}
