/* The option values several commands share (--format text|json, --color,
 * RFC 3339 times), parsed once with the same messages everywhere. */
#include <string.h>

#include "cli/cli.h"
#include "x509/time.h"

int cg_cli_opt_format(const char *cmd, const char *arg, cg_out_format *format)
{
    if (strcmp(arg, "text") == 0) {
        *format = CG_OUT_TEXT;
        return 1;
    }
    if (strcmp(arg, "json") == 0) {
        *format = CG_OUT_JSON;
        return 1;
    }
    cg_cli_usage_error(cmd, "--format must be text or json, not '%s'", arg);
    return 0;
}

int cg_cli_opt_color(const char *cmd, const char *arg, int *color)
{
    if (strcmp(arg, "always") == 0)
        *color = 1;
    else if (strcmp(arg, "never") == 0)
        *color = 0;
    else if (strcmp(arg, "auto") != 0) {
        cg_cli_usage_error(cmd, "--color must be auto, always or never, not '%s'", arg);
        return 0;
    }
    return 1;
}

int cg_cli_opt_time(const char *cmd, const char *opt, const char *arg, int64_t *t)
{
    if (cg_time_parse_rfc3339(arg, t))
        return 1;
    cg_cli_usage_error(cmd, "%s '%s' is not an RFC 3339 time (e.g. 2024-06-01T00:00:00Z)", opt,
                       arg);
    return 0;
}
