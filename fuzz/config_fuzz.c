/* The monitor's INI configuration parser (libinih plus caguard's line
 * reader and key tables) on arbitrary bytes: it must accept or refuse with
 * a "FILE:LINE: what" message, and a refused config must be left empty. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "monitor/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_monitor_config c;
    char err[1024];
    cg_monitor_config_init(&c);
    if (cg_monitor_config_parse(&c, "fuzz.ini", data, size, err, sizeof(err))) {
        for (size_t i = 0; i < c.n_logs; i++) {
            if (c.logs[i].url == NULL || c.logs[i].key == NULL || c.logs[i].name == NULL)
                __builtin_trap();
        }
        for (size_t i = 0; i < c.n_issuers; i++) {
            if (c.issuers[i].cert == NULL)
                __builtin_trap();
        }
        if (c.loglist.present && c.loglist.source == NULL)
            __builtin_trap();
        if ((c.loglist.sig == NULL) != (c.loglist.key == NULL))
            __builtin_trap();
    } else {
        if (strncmp(err, "fuzz.ini:", 9) != 0)
            __builtin_trap();
        if (c.n_logs != 0 || c.n_issuers != 0 || c.file != NULL)
            __builtin_trap();
    }
    cg_monitor_config_clear(&c);
    return 0;
}
