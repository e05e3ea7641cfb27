/* caguard ingest: objects into the store, checked against everything the
 * store holds (store/ingest.h); prints the findings that are new. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ct/loglist.h"
#include "report/output.h"
#include "store/ingest.h"
#include "store/store.h"
#include "x509/time.h"

static void ingest_help(FILE *f)
{
    fprintf(
        f,
        "usage: caguard [--store PATH_OR_URI] ingest [OPTIONS] FILE...\n\n"
        "Stores certificates, CT precertificates and CRLs (PEM with any number of\n"
        "blocks, or DER; '-' reads standard input) and checks them against every rule,\n"
        "together with what the store already holds: a final certificate against its\n"
        "stored precertificate, duplicate serials across ingests, SCTs and CRLs\n"
        "against stored CA certificates, a CRL against the stored CRLs of its scope.\n"
        "Findings are stored, deduplicated; the ones new to the store are printed.\n"
        "Each FILE is one transaction: an interrupted ingest keeps the files before\n"
        "the one it was in, and running it again completes it.\n\n"
        "options:\n"
        "  --store PATH_OR_URI  the store (sqlite:PATH or a path; default $CAGUARD_STORE,\n"
        "                       else caguard.db); created when missing\n"
        "  --seen-at TIME       when these objects were observed, RFC 3339 (default:\n"
        "                       now): a CRL entry's first_seen, its publication time\n"
        "  --at TIME            evaluation time of the rules and the findings' seen time\n"
        "                       (default: now)\n"
        "  --loglist FILE       a CT log list (Chrome v3 or Apple JSON); repeatable.\n"
        "                       Without it, the lists shipped with caguard or those\n"
        "                       'caguard loglist update' fetched since\n"
        "  --no-default-loglists  no log list unless --loglist is given\n"
        "  --loglist-sig FILE   detached signature of the --loglist before it\n"
        "  --loglist-key FILE   public key (PEM or DER) for --loglist-sig\n"
        "  --format text|json   text (default) or JSON Lines, as caguard check\n"
        "  --color auto|always|never   colour in text output (default auto)\n"
        CG_CLI_PROFILE_HELP CG_CLI_SELECT_HELP
        "                       (the store keeps every finding: these options choose\n"
        "                       what is printed and what the exit status counts)\n"
        "  -h, --help           this help\n\n"
        "exit status: 0 no new error finding (or none of --fail-on's severity), 1 at\n"
        "least one, 2 usage error, an input that could not be decoded, or a store that\n"
        "cannot be used (nothing of the file being ingested is then stored).\n");
}

int cg_cmd_ingest(int argc, char **argv)
{
    cg_cli_check_args a;
    int64_t seen_at;
    int rc = CG_EXIT_USAGE, store_error = 0;
    const char *store_opt = NULL;
    cg_loglist *loglist = NULL;
    cg_out *out = NULL;
    cg_store *store = NULL;
    cg_ingest *ing = NULL;
    char err[1024];

    cg_cli_stdout_by_line();
    cg_cli_check_args_init(&a);
    cg_cli_select sel;
    cg_cli_select_init(&sel);
    seen_at = a.at;
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"seen-at", CG_CLI_OPT_TIME, &seen_at, 0, NULL},
        CG_CLI_CHECK_OPTS(&a),
        CG_CLI_SELECT_OPTS(&sel),
    };
    if (!cg_cli_opts_parse("ingest", ingest_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        goto out;
    rc = cg_cli_check_args_output(&a, "ingest", argc, &out);
    if (rc == CG_EXIT_OK)
        rc = cg_cli_select_build(&sel, "ingest");
    if (rc != CG_EXIT_OK)
        goto out;
    rc = CG_EXIT_USAGE;
    /* Every finding is stored; the selection decides what is printed. */
    sel.next = cg_out_sink;
    sel.next_arg = out;
    a.lists.quiet = sel.quiet;
    /* Log lists first: a bad one is a usage error before the store is
     * touched. A list whose signature fails is reported here. */
    cg_ctx lctx;
    cg_ctx_init(&lctx, a.at, cg_cli_select_sink, &sel);
    if (cg_cli_loglists_load(&a.lists, "ingest", &lctx, &loglist) != CG_EXIT_OK)
        goto out;
    store = cg_cli_store_open("ingest", store_opt, CG_STORE_CREATE);
    if (store == NULL)
        goto out;
    cg_ingest_opts io = {a.at, seen_at, loglist};
    ing = cg_ingest_new(store, &io, cg_cli_select_sink, &sel);
    if (ing == NULL)
        goto out;
    cg_ingest_set_br_profile(ing, !a.no_br_profile);
    for (int i = optind; i < argc; i++) {
        size_t len;
        uint8_t *data = cg_cli_read_file(argv[i], &len, err, sizeof(err));
        if (data == NULL) {
            cg_ingest_unreadable(ing, argv[i], err);
            continue;
        }
        int ok = cg_ingest_file(ing, argv[i], data, len, err, sizeof(err));
        free(data);
        /* Each file is committed, then its new findings printed: out at
         * once, so that a killed ingest has printed what it stored. */
        fflush(stdout);
        if (!ok) {
            fflush(stdout);
            cg_cli_store_error("ingest", store_opt, "%s", err);
            store_error = 1;
            break;
        }
    }
    const cg_ingest_stats *st = cg_ingest_get0_stats(ing);
    size_t new_total = st->new_findings[CG_SEV_ERROR] + st->new_findings[CG_SEV_WARNING] +
                       st->new_findings[CG_SEV_NOTICE];
    if (a.format == CG_OUT_TEXT && !sel.quiet) {
        printf("%s%zu object%s in %zu file%s ingested (%zu new), %zu new finding%s: %zu error%s, "
               "%zu warning%s, %zu notice%s; %zu repeated, %zu resolved\n",
               new_total + st->unstored > 0 ? "\n" : "", st->objects, st->objects == 1 ? "" : "s",
               st->files, st->files == 1 ? "" : "s", st->new_objects, new_total,
               new_total == 1 ? "" : "s", st->new_findings[CG_SEV_ERROR],
               st->new_findings[CG_SEV_ERROR] == 1 ? "" : "s", st->new_findings[CG_SEV_WARNING],
               st->new_findings[CG_SEV_WARNING] == 1 ? "" : "s", st->new_findings[CG_SEV_NOTICE],
               st->new_findings[CG_SEV_NOTICE] == 1 ? "" : "s", st->repeated, st->resolved);
    }
    /* Exit 1 for the new findings selected, and for a log list whose
     * signature fails (an error finding too, as in caguard check, though not
     * stored: it is about no object). */
    rc = cg_cli_select_exit(&sel, "ingest", store_error || st->malformed > 0, sel.count);
out:
    cg_ingest_free(ing);
    cg_store_close(store);
    cg_out_free(out);
    cg_loglist_free(loglist);
    return rc;
}
