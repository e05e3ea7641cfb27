/* Name comparison (RFC 5280 §7.1 with RFC 4518 preparation), the index key
 * and the explanations, on two Names cut from one input: the first two
 * bytes give the length of the first Name, the rest is the second.
 * Comparison must be symmetric, a Name that parses equals itself, equal
 * Names share the index key, and an explanation is given exactly when two
 * parseable Names are not byte-identical. Seeds: fuzz/seeds/name. */
#include <stddef.h>
#include <stdint.h>

#include "x509/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_cbs a, b;
    int ok_ab, ok_ba, ok_aa;
    char buf[256];

    if (size < 2)
        return 0;
    size_t la = (size_t)data[0] << 8 | data[1];
    if (la > size - 2)
        la = size - 2;
    cg_cbs_init(&a, data + 2, la);
    cg_cbs_init(&b, data + 2 + la, size - 2 - la);

    int ab = cg_name_equal(&a, &b, &ok_ab);
    int ba = cg_name_equal(&b, &a, &ok_ba);
    if (ab != ba || ok_ab != ok_ba)
        __builtin_trap();
    if (cg_name_equal(&a, &a, &ok_aa) != ok_aa)
        __builtin_trap();
    if (ab && cg_name_hash_equal(&a) != cg_name_hash_equal(&b))
        __builtin_trap();
    int differ = cg_name_explain(&a, &b, buf, sizeof(buf));
    if (ok_ab && differ != !cg_name_bytes_equal(&a, &b))
        __builtin_trap();
    cg_name_to_string(&a, buf, sizeof(buf));
    return 0;
}
