/* The whole single-object pipeline (DER validation, certificate and CRL
 * views, every rule) on one arbitrary object. */
#include <stddef.h>
#include <stdint.h>

#include "rules/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, const cg_finding *f)
{
    (void)arg;
    if (f->message == NULL)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_ctx ctx;
    cg_ctx_init(&ctx, 1700000000, sink, NULL);
    cg_check_der(&ctx, "fuzz", 0, data, size);
    return 0;
}
