/* caguard incident: incidents and their CCADB reports. `kinds` and `lint`
 * need no store; the subcommands that record incidents (open, event, list,
 * show, status, report) go through the store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "incident/kinds.h"
#include "incident/report.h"
#include "report/output.h"

static void incident_help(FILE *f)
{
    fprintf(f, "usage: caguard incident SUBCOMMAND [OPTIONS] [ARGS]\n\n"
               "Incidents: why certificates must be revoked, by when, and the CCADB\n"
               "incident report (docs/incidents.md).\n\n"
               "subcommands:\n"
               "  kinds [--format text|markdown]\n"
               "        the incident kinds: revocation window and required CRL reason\n"
               "        (TLS BRs §4.9.1.1); markdown is docs/incident-kinds.md\n"
               "  lint [--format text|json] FILE.md\n"
               "        check an edited CCADB incident report (template v3.2) for missing\n"
               "        sections and fields (incident.report_incomplete)\n\n"
               "exit status: 0 fine, 1 the report is incomplete, 2 usage error or a file\n"
               "that cannot be read.\n");
}

static int write_out(const cg_sbuf *b)
{
    if (b->failed) {
        fprintf(stderr, "caguard incident: out of memory\n");
        return CG_EXIT_USAGE;
    }
    fwrite(cg_sbuf_str(b), 1, b->len, stdout);
    return fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
}

static int cmd_kinds(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "text";
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            incident_help(stdout);
            return CG_EXIT_OK;
        }
        if (c != 'f')
            return cg_cli_usage_error("incident kinds", "unknown option");
        format = optarg;
    }
    if (optind < argc)
        return cg_cli_usage_error("incident kinds", "unexpected argument '%s'", argv[optind]);
    cg_kinds_format fmt;
    if (strcmp(format, "text") == 0)
        fmt = CG_KINDS_TEXT;
    else if (strcmp(format, "markdown") == 0)
        fmt = CG_KINDS_MARKDOWN;
    else
        return cg_cli_usage_error("incident kinds", "--format must be text or markdown, not '%s'",
                                  format);
    cg_sbuf b = CG_SBUF_INIT;
    cg_incident_kinds_write(&b, fmt);
    int rc = write_out(&b);
    cg_sbuf_free(&b);
    return rc;
}

static int cmd_lint(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cg_out_format format = CG_OUT_TEXT;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            incident_help(stdout);
            return CG_EXIT_OK;
        }
        if (c != 'f')
            return cg_cli_usage_error("incident lint", "unknown option");
        if (strcmp(optarg, "text") == 0)
            format = CG_OUT_TEXT;
        else if (strcmp(optarg, "json") == 0)
            format = CG_OUT_JSON;
        else
            return cg_cli_usage_error("incident lint", "--format must be text or json, not '%s'",
                                      optarg);
    }
    if (argc - optind != 1)
        return cg_cli_usage_error("incident lint", "give one report file (Markdown)");
    const char *path = argv[optind];
    char err[512];
    size_t len = 0;
    uint8_t *md = cg_cli_read_file(path, &len, err, sizeof(err));
    if (md == NULL) {
        fprintf(stderr, "caguard incident lint: %s\n", err);
        return CG_EXIT_USAGE;
    }
    cg_out *out = cg_out_new(stdout, format, 0);
    if (out == NULL) {
        free(md);
        fprintf(stderr, "caguard incident lint: out of memory\n");
        return CG_EXIT_USAGE;
    }
    cg_ctx ctx;
    cg_objref obj;
    memset(&obj, 0, sizeof(obj));
    obj.file = path;
    obj.kind = CG_KIND_INCIDENT;
    cg_ctx_init(&ctx, 0, cg_out_sink, out);
    int n = cg_incident_lint((const char *)md, len, &ctx, &obj);
    if (format == CG_OUT_TEXT && n == 0)
        printf("%s: complete (CCADB incident report template v3.2)\n", path);
    else if (format == CG_OUT_TEXT)
        printf("\n%s: %d missing or empty section%s or field%s\n", path, n, n == 1 ? "" : "s",
               n == 1 ? "" : "s");
    cg_out_free(out);
    free(md);
    if (fflush(stdout) != 0)
        return CG_EXIT_USAGE;
    return n == 0 ? CG_EXIT_OK : CG_EXIT_FINDINGS;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
} subcommands[] = {
    {"kinds", cmd_kinds},
    {"lint", cmd_lint},
};

int cg_cmd_incident(int argc, char **argv)
{
    if (argc < 2) {
        incident_help(stderr);
        return CG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        incident_help(stdout);
        return CG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(argc - 1, argv + 1);
    }
    return cg_cli_usage_error("incident", "unknown subcommand '%s' (kinds, lint)", argv[1]);
}
