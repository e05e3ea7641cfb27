/* caguard check: the issuance gate. Reads files, runs every rule, prints
 * findings, and says by its exit status whether anything is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ct/loglist.h"
#include "report/output.h"
#include "rules/checker.h"
#include "x509/tbs.h"
#include "x509/time.h"

/* Pass 2 of the checker reads files again; standard input is kept. */
typedef struct files {
    char **paths;
    uint8_t *stdin_data;
    size_t stdin_len;
    /* the last file read again, kept: pass 2 visits files in order */
    size_t cached_no;
    uint8_t *cached;
    size_t cached_len;
} files;

/* A file that is one bare DER TBSCertificate (the gate, before signing) is
 * checked as the certificate it will become. */
static uint8_t *wrap_bare_tbs(uint8_t *data, size_t *len)
{
    char why[256];
    size_t n;
    if (data == NULL || !cg_tbs_is_bare(data, *len))
        return data;
    uint8_t *w = cg_tbs_wrap(data, *len, 0, &n, why, sizeof(why));
    if (w == NULL)
        return data;
    free(data);
    *len = n;
    return w;
}

static int reload(void *arg, size_t file_no, const uint8_t **data, size_t *len)
{
    files *f = arg;
    char err[512];
    if (strcmp(f->paths[file_no], "-") == 0) {
        *data = f->stdin_data;
        *len = f->stdin_len;
        return f->stdin_data != NULL;
    }
    if (f->cached == NULL || f->cached_no != file_no) {
        free(f->cached);
        f->cached = cg_cli_read_file(f->paths[file_no], &f->cached_len, err, sizeof(err));
        f->cached = wrap_bare_tbs(f->cached, &f->cached_len);
        f->cached_no = file_no;
    }
    *data = f->cached;
    *len = f->cached_len;
    return f->cached != NULL;
}

/* A progress line on a terminal, at most ten times a second. */
typedef struct progress_state {
    int on;
    int64_t last_ms;
    int shown;
} progress_state;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress(progress_state *p, size_t done, size_t total, size_t objects)
{
    int64_t t = now_ms();
    if (!p->on || (t - p->last_ms < 100 && done < total))
        return;
    p->last_ms = t;
    p->shown = 1;
    fprintf(stderr, "\rcaguard check: %zu/%zu files, %zu objects", done, total, objects);
    fflush(stderr);
}

static void progress_done(progress_state *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
}

static void check_help(FILE *f)
{
    fprintf(f,
            "usage: caguard check [OPTIONS] FILE...\n\n"
            "Checks certificates, CT precertificates and CRLs (PEM with any number of\n"
            "blocks, or DER; '-' reads standard input) against every caguard rule. A file\n"
            "that is one bare DER TBSCertificate is checked as the certificate it will\n"
            "become (the gate before signing).\n\n"
            "options:\n"
            "  --format text|json   text (default) groups findings by object; json prints\n"
            "                       one finding per line (JSON Lines) and nothing else\n"
            "  --at TIME            evaluation time: a date (2023-06-20, its midnight UTC),\n"
            "                       an RFC 3339 time or now (the default)\n"
            "  --loglist FILE       a CT log list (Chrome v3 or Apple JSON); repeatable.\n"
            "                       Without it, the lists shipped with caguard (Chrome's,\n"
            "                       verified, and Apple's) or those 'caguard loglist update'\n"
            "                       fetched since\n"
            "  --no-default-loglists  no log list unless --loglist is given\n"
            "  --loglist-sig FILE   detached signature of the --loglist before it (Chrome:\n"
            "                       RSA/SHA-256 over the JSON bytes); a list whose signature\n"
            "                       does not verify is reported and not used\n"
            "  --loglist-key FILE   public key (PEM or DER) for --loglist-sig\n"
            "  --color auto|always|never   colour in text output (default auto: on a\n"
            "                       terminal, unless NO_COLOR is set)\n"
            CG_CLI_PROFILE_HELP
            CG_CLI_SELECT_HELP
            "  -h, --help           this help\n\n"
            "exit status: 0 no error finding (or none of --fail-on's severity), 1 at least\n"
            "one, 2 usage error,\n"
            "a file that cannot be read (said on standard error) or an input that could not\n"
            "be decoded (its input.malformed finding is still printed); the other inputs\n"
            "are still checked.\n");
}

int cg_cmd_check(int argc, char **argv)
{
    cg_cli_check_args a;
    int rc = CG_EXIT_USAGE;
    cg_loglist *loglist = NULL;
    cg_out *out = NULL;
    cg_checker *checker = NULL;
    char err[512];

    cg_cli_check_args_init(&a);
    cg_cli_select sel;
    cg_cli_select_init(&sel);
    const cg_cli_opt opt[] = {CG_CLI_CHECK_OPTS(&a), CG_CLI_SELECT_OPTS(&sel)};
    if (!cg_cli_opts_parse("check", check_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        goto out;
    rc = cg_cli_check_args_output(&a, "check", argc, &out);
    if (rc != CG_EXIT_OK)
        goto out;

    cg_ctx ctx;
    size_t objects = 0, malformed = 0, nfiles = 0;
    progress_state prog = {isatty(STDERR_FILENO) && argc - optind > 1 && !sel.quiet, 0, 0};
    files fl = {argv + optind, NULL, 0, 0, NULL, 0};
    /* --quiet: findings are counted, not printed */
    cg_ctx_init(&ctx, a.at, sel.quiet ? NULL : cg_out_sink, out);
    ctx.br_profile = !a.no_br_profile;
    rc = cg_cli_select_apply(&sel, "check", &ctx);
    if (rc != CG_EXIT_OK)
        goto out;
    a.lists.quiet = sel.quiet;
    rc = cg_cli_loglists_load(&a.lists, "check", &ctx, &loglist);
    if (rc != CG_EXIT_OK)
        goto out;
    rc = CG_EXIT_USAGE;
    ctx.loglist = loglist;
    checker = cg_checker_new(&ctx, reload, NULL, &fl);
    if (checker == NULL)
        goto out;
    for (int i = optind; i < argc; i++) {
        size_t len;
        cg_file_result res;
        uint8_t *data = cg_cli_read_file(argv[i], &len, err, sizeof(err));
        data = wrap_bare_tbs(data, &len);
        nfiles++;
        if (data == NULL) {
            /* Not a fact about an object, so no finding: a usage error, and
             * the other files are still checked. */
            cg_cli_usage_error("check", "%s", err);
            malformed++;
            continue;
        }
        cg_checker_add_file(checker, (size_t)(i - optind), argv[i], data, len, &res);
        if (strcmp(argv[i], "-") == 0 && fl.stdin_data == NULL) {
            fl.stdin_data = data;
            fl.stdin_len = len;
        } else {
            free(data);
        }
        objects += res.objects;
        malformed += res.malformed;
        progress(&prog, (size_t)(i - optind + 1), (size_t)(argc - optind), objects);
    }
    progress_done(&prog);
    cg_checker_finish(checker);
    free(fl.stdin_data);
    free(fl.cached);
    if (!sel.quiet)
        cg_out_summary(out, &ctx, objects, nfiles);
    rc = cg_cli_select_exit(&sel, "check", malformed > 0, ctx.count);
out:
    cg_checker_free(checker);
    cg_out_free(out);
    cg_loglist_free(loglist);
    return rc;
}
