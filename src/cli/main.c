#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "util/errf.h"
#include "util/redact.h"

#ifndef CAGUARD_VERSION
#error "CAGUARD_VERSION comes from CMakeLists.txt (project version)"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"check", cg_cmd_check, "check certificates, precertificates and CRLs"},
    {"rules", cg_cmd_rules, "print the rule table"},
    {"loglist", cg_cmd_loglist, "the CT log lists used by default: show, update"},
#if CAGUARD_HAVE_STORE
    {"incident", cg_cmd_incident, "incidents, revocation deadlines, CCADB reports"},
    {"policy", cg_cmd_policy, "the CA's CP and CPS versions and their annual update"},
    {"ingest", cg_cmd_ingest, "store objects and check them against the store"},
    {"findings", cg_cmd_findings, "list the stored findings"},
#endif
#if CAGUARD_HAVE_MONITOR
    {"monitor", cg_cmd_monitor, "follow CT logs and check the entries of watched issuers"},
    {"alerts", cg_cmd_alerts, "deliver the alerts a monitor still owes (flush)"},
#endif
#if CAGUARD_HAVE_MONITOR && CAGUARD_HAVE_HTTP_SERVER
    {"demo", cg_cmd_demo, "a demo CA makes the seed's mistakes; caguard catches them"},
#endif
#if CAGUARD_HAVE_STORE
    {"status", cg_cmd_status, "what the monitor follows: each log's position, tree size and lag"},
    {"report", cg_cmd_report, "write the store's dashboard (a static HTML site)"},
    {"store", cg_cmd_store, "the store itself: verify re-hashes every stored object"},
#endif
#if CAGUARD_HAVE_HTTP_SERVER
    {"serve", cg_cmd_serve, "the issuance gate as an HTTP service (pkimetal-compatible)"},
#endif
};

/* Commands a build may leave out (CMake's CAGUARD_WITH_* options), with the
 * option that brings them. */
static const struct {
    const char *name;
    const char *option;
} optional_commands[] = {
    {"incident", "CAGUARD_WITH_STORE"},
    {"policy", "CAGUARD_WITH_STORE"},
    {"ingest", "CAGUARD_WITH_STORE"},
    {"findings", "CAGUARD_WITH_STORE"},
    {"status", "CAGUARD_WITH_STORE"},
    {"report", "CAGUARD_WITH_STORE"},
    {"store", "CAGUARD_WITH_STORE"},
    {"monitor", "CAGUARD_WITH_MONITOR"},
    {"alerts", "CAGUARD_WITH_MONITOR"},
    {"demo", "CAGUARD_WITH_MONITOR and CAGUARD_WITH_HTTP_SERVER"},
    {"serve", "CAGUARD_WITH_HTTP_SERVER"},
};

/* The features of this build, for --version. */
static const char *const features[] = {
#if CAGUARD_HAVE_JSON
    "json",
#endif
#if CAGUARD_HAVE_STORE
    "store",
#endif
#if CAGUARD_HAVE_POSTGRESQL
    "postgresql",
#endif
#if CAGUARD_HAVE_MONITOR
    "monitor",
#endif
#if CAGUARD_HAVE_HTTP_SERVER
    "http-server",
#endif
#if CAGUARD_HAVE_SYSTEMD
    "systemd",
#endif
    NULL,
};

static void usage(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] COMMAND [OPTIONS] [ARGS]\n\n"
               "caguard checks what a certificate authority issues and publishes: CT\n"
               "precertificates, certificates and their SCTs, and CRLs.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
#if CAGUARD_HAVE_STORE
    fprintf(f, "\nglobal options:\n"
               "  --store PATH_OR_URI  the store of ingest and findings (also CAGUARD_STORE;\n"
               "                       default caguard.db in the current directory)\n");
#endif
    fprintf(f, "\n'caguard COMMAND --help' describes a command; docs/ has the manual.\n"
               "exit status: 0 no error finding, 1 error findings, 2 usage error or\n"
               "undecodable input.\n");
}

int cg_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    /* Arguments are echoed: a URL or store URI among them keeps its
     * password to itself. */
    char msg[2048], shown[2048];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    cg_redact(msg, shown, sizeof(shown));
    fprintf(stderr, "caguard %s: %s (see 'caguard %s --help')\n", cmd, shown, cmd);
    return CG_EXIT_USAGE;
}

int cg_cli_flush(const char *cmd)
{
    /* ferror too: a line-buffered stdout has had its writes fail already */
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 1;
    fprintf(stderr, "caguard %s: cannot write output\n", cmd);
    return 0;
}

void cg_cli_stdout_by_line(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void cg_cli_on_signals(void (*handler)(int), int hup)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (hup)
        sigaction(SIGHUP, &sa, NULL);
}

const char *cg_cli_host_pid(char *buf, size_t cap)
{
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    snprintf(buf, cap, "%s:%ld", host, (long)getpid());
    return buf;
}

uint8_t *cg_cli_read_file(const char *path, size_t *len, char *err, size_t errcap)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int too_big = 0;
    struct stat st;
    if (f == NULL) {
        snprintf(err, errcap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errcap, "%s is a directory", path);
        fclose(f);
        return NULL;
    }
    /* Bounded memory: /dev/zero, a pipe that never ends or a file past the
     * limit stop at CG_CLI_MAX_INPUT + 1 bytes read, not at the end of
     * memory. */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        too_big = (uint64_t)st.st_size > CG_CLI_MAX_INPUT;
        cap = (size_t)st.st_size + 1;
    }
    if (cap < 4096)
        cap = 4096;
    buf = too_big ? NULL : malloc(cap);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n > CG_CLI_MAX_INPUT) {
            too_big = 1;
            free(buf);
            buf = NULL;
            break;
        }
        if (n == cap) {
            size_t ncap = cap * 2 > CG_CLI_MAX_INPUT + 1 ? CG_CLI_MAX_INPUT + 1 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
    }
    if (too_big)
        snprintf(err, errcap, "%s is larger than %zu MiB, the input limit", path,
                 (size_t)(CG_CLI_MAX_INPUT >> 20));
    else if (buf == NULL)
        snprintf(err, errcap, "out of memory reading %s", path);
    else if (ferror(f)) {
        snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    /* Global options come before the command. */
    while (argc >= 2 && strncmp(argv[1], "--store", 7) == 0 &&
           (argv[1][7] == '\0' || argv[1][7] == '=')) {
#if CAGUARD_HAVE_STORE
        if (argv[1][7] == '=') {
            cg_cli_set_global_store(argv[1] + 8);
            argc -= 1;
            argv += 1;
        } else if (argc >= 3) {
            cg_cli_set_global_store(argv[2]);
            argc -= 2;
            argv += 2;
        } else {
            fprintf(stderr, "caguard: --store needs a path or URI\n");
            return CG_EXIT_USAGE;
        }
#else
        fprintf(stderr, "caguard: --store: this build of caguard has no store (configured "
                        "without CAGUARD_WITH_STORE)\n");
        return CG_EXIT_USAGE;
#endif
    }
    if (argc < 2) {
        usage(stderr);
        return CG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CG_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("caguard %s (", CAGUARD_VERSION);
        for (size_t i = 0; features[i] != NULL; i++)
            printf("%s%s", i > 0 ? ", " : "", features[i]);
        printf("%s)\njson schema %d\n", features[0] == NULL ? "checks only" : "",
               CG_JSON_SCHEMA_VERSION);
        return CG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    for (size_t i = 0; i < sizeof(optional_commands) / sizeof(optional_commands[0]); i++) {
        if (strcmp(argv[1], optional_commands[i].name) == 0) {
            fprintf(stderr,
                    "caguard: '%s' is not in this build of caguard (configured without %s)\n",
                    argv[1], optional_commands[i].option);
            return CG_EXIT_USAGE;
        }
    }
    const char *names[sizeof(commands) / sizeof(commands[0])];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        names[i] = commands[i].name;
    const char *s = cg_cli_suggest(argv[1], names, sizeof(names) / sizeof(names[0]));
    if (s != NULL)
        fprintf(stderr, "caguard: unknown command '%s'; did you mean '%s'? (see 'caguard --help')\n",
                argv[1], s);
    else
        fprintf(stderr, "caguard: unknown command '%s' (see 'caguard --help')\n", argv[1]);
    return CG_EXIT_USAGE;
}
