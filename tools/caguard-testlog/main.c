/* caguard-testlog: a real CT log (RFC 6962 and static-ct-api) for tests,
 * demos and pipelines. See docs/testlog.md. */
#include "testlog.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: caguard-testlog COMMAND [OPTIONS]\n"
    "\n"
    "A Certificate Transparency log for tests: RFC 6962 and static-ct-api,\n"
    "with fault switches. Test keys only; nothing here is for production.\n"
    "\n"
    "commands:\n"
    "  build    make a log directory from certificates and precertificates\n"
    "  serve    serve a log directory over HTTP\n"
    "  keygen   write a new log signing key\n"
    "\n"
    "caguard-testlog COMMAND --help describes each command.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return TL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "build") == 0)
        return tl_cmd_build(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0)
        return tl_cmd_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "keygen") == 0)
        return tl_cmd_keygen(argc - 1, argv + 1);
    fprintf(stderr, "caguard-testlog: unknown command \"%s\"\n\n", argv[1]);
    fputs(usage, stderr);
    return TL_EXIT_USAGE;
}
