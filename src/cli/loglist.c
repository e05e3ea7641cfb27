/* caguard loglist: the CT log lists commands use when given none. `show`
 * says which snapshot is in use and how old it is; `update` fetches the
 * published lists (or takes a directory of them), verifies Chrome's
 * signature under the installed Google key and makes them the state
 * directory's snapshot at once (ct/loglist_snapshot.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ct/loglist.h"
#include "ct/loglist_snapshot.h"
#include "x509/time.h"
#if CAGUARD_HAVE_MONITOR
#include "monitor/http.h"
#endif

#define CHROME_URL "https://www.gstatic.com/ct/log_list/v3/all_logs_list.json"
#define CHROME_SIG_URL "https://www.gstatic.com/ct/log_list/v3/all_logs_list.sig"
#define APPLE_URL "https://valid.apple.com/ct/log_list/current_log_list.json"

static void loglist_help(FILE *f)
{
    fprintf(f,
            "usage: caguard loglist show\n"
            "       caguard loglist update [--from DIR] [--state-dir DIR] [--quiet]\n\n"
            "The CT log lists that check, ingest and serve use when given no --loglist:\n"
            "Chrome's list of every log (signed by Google) and Apple's list. caguard\n"
            "ships a dated snapshot; 'update' writes a newer one to the state directory,\n"
            "which then takes precedence (docs/check.md, \"Log lists\").\n\n"
            "  show                 the snapshot in use: where, when it was published, how\n"
            "                       many logs each list names\n"
            "  update               fetches " CHROME_URL "\n"
            "                       with its signature (.sig) and " APPLE_URL ",\n"
            "                       verifies Chrome's signature under the Google key shipped\n"
            "                       with caguard, and replaces the snapshot at once\n\n"
            "options of update:\n"
            "  --from DIR           take the lists from DIR instead (all_logs_list.json,\n"
            "                       all_logs_list.sig and, if there, current_log_list.json:\n"
            "                       the published names), e.g. copied to a host without\n"
            "                       network access\n"
            "  --state-dir DIR      write the snapshot to DIR/loglists (default:\n"
            "                       $CAGUARD_STATE_DIR, $STATE_DIRECTORY, /var/lib/caguard\n"
            "                       for root, else $XDG_STATE_HOME/caguard or\n"
            "                       ~/.local/state/caguard)\n"
            "  --quiet              no line on success\n"
            "  -h, --help           this help\n\n"
            "exit status: 0 done, 1 the new lists were refused (a signature that does not\n"
            "verify, a list that does not parse: the snapshot in use is kept), 2 usage\n"
            "error or a list that could not be read or fetched.\n");
}

static int show(int argc, char **argv)
{
    int rc = CG_EXIT_USAGE;
    const cg_cli_opt opt[] = {{"quiet", CG_CLI_OPT_FLAG, NULL, 0, NULL}};
    if (!cg_cli_opts_parse("loglist show", loglist_help, opt, 0, argc, argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands("loglist show", argc, argv))
        return CG_EXIT_USAGE;
    char err[1024];
    cg_loglist_snapshot s;
    cg_loglist *ll = cg_loglist_new();
    if (ll == NULL || !cg_loglist_snapshot_load(ll, &s, err, sizeof(err))) {
        fprintf(stderr, "caguard loglist show: %s\n", ll == NULL ? "out of memory" : err);
        cg_loglist_free(ll);
        return CG_EXIT_FINDINGS;
    }
    printf("snapshot: %s (%s)\n", s.dir, s.updated ? "updated" : "shipped with caguard");
    if (s.timestamp_ms >= 0) {
        char when[32];
        int64_t age = (int64_t)time(NULL) * 1000 - s.timestamp_ms;
        cg_time_format(s.timestamp_ms / 1000, when, sizeof(when));
        printf("published: %s (%lld days ago%s)\n", when, (long long)(age / 86400000),
               age > CG_SNAPSHOT_MAX_AGE_MS ? "; 'caguard loglist update' fetches the current "
                                              "lists"
                                            : "");
    }
    size_t chrome = 0, apple = 0;
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *l = cg_loglist_get0(ll, i);
        if (l->format == CG_LOGLIST_APPLE)
            apple++;
        else
            chrome++;
    }
    printf("logs: %zu (Chrome's list %zu, Apple's list %zu more)\n", cg_loglist_count(ll),
           chrome, apple);
    printf("signature: Chrome's list verified under Google's key\n");
    cg_loglist_free(ll);
    return CG_EXIT_OK;
}

/* A file, or what a URL serves. */
static uint8_t *get(const char *src, size_t max, size_t *len, char *err, size_t errcap)
{
#if CAGUARD_HAVE_MONITOR
    if (cg_http_is_url(src))
        return cg_http_get(src, max, len, err, errcap);
#else
    if (strncmp(src, "https://", 8) == 0) {
        snprintf(err, errcap,
                 "this build of caguard fetches no URL (configured without "
                 "CAGUARD_WITH_MONITOR): download the lists and use --from DIR");
        return NULL;
    }
#endif
    return cg_loglist_read_file(src, max, len, err, errcap);
}

static int update(int argc, char **argv)
{
    int rc = CG_EXIT_USAGE, quiet = 0;
    const char *from = NULL, *state_opt = NULL;
    char err[1024], state[CG_SNAPSHOT_PATH_MAX], keyp[CG_SNAPSHOT_PATH_MAX + 64];
    char src[3][CG_SNAPSHOT_PATH_MAX + 64];
    uint8_t *data[3] = {NULL, NULL, NULL}, *key = NULL;
    size_t len[3] = {0, 0, 0}, key_len = 0;
    const cg_cli_opt opt[] = {
        {"from", CG_CLI_OPT_STRING, &from, 0, NULL},
        {"state-dir", CG_CLI_OPT_STRING, &state_opt, 0, NULL},
        {"quiet", CG_CLI_OPT_FLAG, &quiet, 0, NULL},
    };
    if (!cg_cli_opts_parse("loglist update", loglist_help, opt, CG_CLI_NOPT(opt), argc, argv,
                           &rc))
        return rc;
    if (!cg_cli_opts_no_operands("loglist update", argc, argv))
        return CG_EXIT_USAGE;
    if (state_opt != NULL)
        snprintf(state, sizeof(state), "%s", state_opt);
    else if (!cg_loglist_state_dir(state, sizeof(state)))
        return cg_cli_usage_error("loglist update",
                                  "no state directory (HOME is not set): give --state-dir DIR");
    if (!cg_loglist_key_path(keyp, sizeof(keyp), err, sizeof(err)))
        return cg_cli_usage_error("loglist update", "%s", err);
    key = cg_loglist_read_file(keyp, 65536, &key_len, err, sizeof(err));
    if (key == NULL)
        return cg_cli_usage_error("loglist update", "%s", err);
    if (from != NULL) {
        snprintf(src[0], sizeof(src[0]), "%s/%s", from, CG_SNAPSHOT_CHROME);
        snprintf(src[1], sizeof(src[1]), "%s/%s", from, CG_SNAPSHOT_CHROME_SIG);
        snprintf(src[2], sizeof(src[2]), "%s/%s", from, CG_SNAPSHOT_APPLE);
    } else {
        snprintf(src[0], sizeof(src[0]), "%s", CHROME_URL);
        snprintf(src[1], sizeof(src[1]), "%s", CHROME_SIG_URL);
        snprintf(src[2], sizeof(src[2]), "%s", APPLE_URL);
    }
    for (size_t i = 0; i < 3; i++) {
        /* a directory given may hold Chrome's list alone */
        if (i == 2 && from != NULL) {
            FILE *f = fopen(src[2], "rb");
            if (f == NULL)
                break;
            fclose(f);
        }
        data[i] = get(src[i], i == 1 ? 65536 : CG_SNAPSHOT_MAX_LIST, &len[i], err, sizeof(err));
        if (data[i] == NULL) {
            rc = cg_cli_usage_error("loglist update", "%s", err);
            goto out;
        }
    }
    if (!cg_loglist_snapshot_install(state, data[0], len[0], data[1], len[1], data[2], len[2],
                                     key, key_len, err, sizeof(err))) {
        fprintf(stderr, "caguard loglist update: the new lists are refused: %s\n", err);
        rc = CG_EXIT_FINDINGS;
        goto out;
    }
    if (!quiet) {
        cg_loglist *ll = cg_loglist_new();
        cg_loglist_snapshot s;
        if (ll != NULL && cg_loglist_snapshot_load(ll, &s, err, sizeof(err)) && s.updated) {
            char when[32] = "an unknown date";
            if (s.timestamp_ms >= 0)
                cg_time_format(s.timestamp_ms / 1000, when, sizeof(when));
            printf("caguard loglist update: %s now holds the lists published %s (%zu logs)\n",
                   s.dir, when, cg_loglist_count(ll));
        } else {
            /* written, but another state directory comes first */
            printf("caguard loglist update: written to %s/loglists\n", state);
        }
        cg_loglist_free(ll);
    }
    rc = CG_EXIT_OK;
out:
    for (size_t i = 0; i < 3; i++)
        free(data[i]);
    free(key);
    return rc;
}

int cg_cmd_loglist(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return show(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "update") == 0)
        return update(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        loglist_help(stdout);
        return CG_EXIT_OK;
    }
    if (argc < 2)
        return cg_cli_usage_error("loglist", "show or update?");
    return cg_cli_usage_error("loglist", "unknown subcommand '%s' (show or update)", argv[1]);
}
