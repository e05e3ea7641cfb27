/* PEM/DER framing and base64 on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "der/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    cg_input_init(&in, data, size);
    /* Each call consumes input, so the loop ends; bound it anyway. */
    for (size_t i = 0; i < size + 2; i++) {
        cg_input_status st = cg_input_next(&in, &obj, &err);
        if (st == CG_INPUT_END)
            break;
        if (st == CG_INPUT_OBJECT && obj.der_len > size)
            __builtin_trap();
    }
    cg_input_cleanup(&in);
    return 0;
}
