/* CT log entry readers (get-entries leaf_input and extra_data, data tiles)
 * and the checkpoint reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "ct/leaf.h"
#include "ct/sth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t log_id[32] = {1};
    cg_ct_entry e;
    cg_ct_extra x;
    cg_ct_tile_leaf tl;
    cg_der_error err;
    cg_cbs tile, chain, cert;
    cg_sth sth;
    uint64_t index;

    if (cg_ct_leaf_parse(data, size, &e, &err)) {
        if (e.raw.len + 2 != size)
            __builtin_trap();
        (void)cg_ct_extensions_leaf_index(&e.extensions, &index);
    }
    for (uint16_t type = 0; type < 2; type++) {
        if (!cg_ct_extra_parse(type, data, size, &x, &err))
            continue;
        chain = x.chain;
        while (cg_ct_chain_next(&chain, &cert)) {
            if (cert.len == 0 || cert.len > size)
                __builtin_trap();
        }
        if (chain.len != 0)
            __builtin_trap(); /* the parser accepted a chain it cannot walk */
    }
    cg_cbs_init(&tile, data, size);
    while (cg_ct_tile_leaf_next(&tile, &tl, data, &err)) {
        if (tl.fingerprints.len % 32 != 0 || tile.len > size)
            __builtin_trap();
    }
    (void)cg_checkpoint_parse(data, size, NULL, log_id, &sth, NULL, 0);
    return 0;
}
