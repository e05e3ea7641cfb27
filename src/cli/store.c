/* caguard store: the store itself. One subcommand: verify, which re-hashes
 * every stored object and names the ones whose bytes no longer match the
 * SHA-256 they are kept under (store/verify.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "store/store.h"
#include "util/escape.h"
#include "util/hex.h"

static void store_help(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] store verify [--format text|json]"
               " [--quiet]\n\n"
               "'store verify' reads every object of the store (certificates,\n"
               "precertificates, CRLs), every precertificate and final certificate the\n"
               "issuance gate recorded and every log list snapshot, hashes its bytes again\n"
               "and reports each one that no longer hashes to the SHA-256 it is kept under\n"
               "(on PostgreSQL also each object_keys row whose key is not its object's).\n"
               "Every lookup of the store goes by that key, so damaged bytes (a disk, a\n"
               "restore, a hand edit) are otherwise never noticed. It only reads: a\n"
               "read-only store is verified as it is. Memory stays a page of rows\n"
               "whatever the store's size.\n\n"
               "Text: one line a mismatch (table, row ID, the object's kind, file and\n"
               "index, the stored and the computed SHA-256), then a summary. JSON Lines:\n"
               "one object a mismatch (table, id, kind, file, index, source,\n"
               "stored_sha256, actual_sha256), then {\"checked\":N,\"mismatched\":M}.\n\n"
               "options:\n"
               "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
               "  --format text|json   text (default) or JSON Lines\n"
               "  --quiet              print nothing: the exit status says it\n"
               "  -h, --help           this help\n\n"
               "exit status: 0 every row matches, 1 rows that do not match, 2 usage error\n"
               "or a store that cannot be read.\n");
}

typedef struct printer {
    cg_out_format format;
    int quiet;  /* --quiet: nothing printed */
    int failed; /* output could not be written */
} printer;

/* A name from the store (a file name, a URL) made safe for a terminal
 * (util/escape.h: unsafe characters and bytes that are not UTF-8 as \XX),
 * so that a line cannot carry a terminal escape; valid UTF-8 for JSON.
 * malloc'd; NULL when out of memory. */
static char *shown(const char *name)
{
    cg_sbuf b = CG_SBUF_INIT;
    cg_esc_term(&b, name, strlen(name));
    if (b.failed) {
        cg_sbuf_free(&b);
        return NULL;
    }
    char *o = strdup(cg_sbuf_str(&b));
    cg_sbuf_free(&b);
    return o;
}

/* " LABEL "NAME"" on stdout; NULL: "-". */
static void put_name(const char *label, const char *name)
{
    char *a = name != NULL ? shown(name) : NULL;
    if (a != NULL)
        printf(" %s \"%s\"", label, a);
    else
        printf(" %s -", label);
    free(a);
}

/* A JSON string of a name: the name itself when it is UTF-8, else its
 * escaped form. */
static json_t *json_name(const char *name)
{
    json_t *j = json_string(name);
    char *a;
    if (j != NULL)
        return j;
    a = shown(name);
    j = a != NULL ? json_string(a) : NULL;
    free(a);
    return j;
}

static int print_mismatch(void *arg, const cg_store_mismatch *m)
{
    printer *pr = arg;
    char stored[65], actual[65];
    if (pr->quiet)
        return 1;
    cg_hex(m->stored, 32, stored);
    cg_hex(m->actual, 32, actual);
    if (pr->format == CG_OUT_JSON) {
        json_t *o = json_pack("{s:s,s:I,s:s,s:s}", "table", m->table, "id", (json_int_t)m->id,
                              "stored_sha256", stored, "actual_sha256", actual);
        if (o != NULL && m->kind != NULL) {
            json_object_set_new(o, "kind", json_string(m->kind));
            json_object_set_new(o, "file", json_name(m->name != NULL ? m->name : ""));
            json_object_set_new(o, "index", json_integer(m->idx));
        } else if (o != NULL && m->name != NULL) {
            json_object_set_new(o, "source", json_name(m->name));
        }
        char *line = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (line == NULL) {
            pr->failed = 1;
            return 0;
        }
        printf("%s\n", line);
        free(line);
        return 1;
    }
    printf("%s", m->table);
    if (m->id != 0)
        printf(" %lld", (long long)m->id);
    if (m->kind != NULL) {
        printf(": %s", m->kind);
        put_name("file", m->name);
        printf(" #%lld", (long long)m->idx);
    } else if (m->name != NULL) {
        put_name("source", m->name);
    }
    if (strcmp(m->table, "object_keys") == 0)
        printf(": kept under SHA-256 %s, its object under %s\n", stored, actual);
    else
        printf(": kept under SHA-256 %s, its bytes hash to %s\n", stored, actual);
    return 1;
}

static int store_verify(int argc, char **argv)
{
    const char *cmd = "store verify", *store_opt = NULL;
    int rc = CG_EXIT_USAGE;
    printer pr = {CG_OUT_TEXT, 0, 0};
    cg_store_verify_counts counts;
    cg_store *store = NULL;
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &pr.format, 0, NULL},
        {"quiet", CG_CLI_OPT_FLAG, &pr.quiet, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, store_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (!cg_cli_opts_no_operands(cmd, argc, argv))
        return CG_EXIT_USAGE;
    store = cg_cli_store_open(cmd, store_opt, 0);
    if (store == NULL)
        return CG_EXIT_USAGE;
    if (!cg_store_verify(store, print_mismatch, &pr, &counts)) {
        fflush(stdout);
        cg_cli_store_error(cmd, store_opt, "%s", cg_store_errmsg(store));
        goto out;
    }
    if (!pr.quiet) {
        if (pr.format == CG_OUT_JSON)
            printf("{\"checked\":%llu,\"mismatched\":%llu}\n", (unsigned long long)counts.checked,
                   (unsigned long long)counts.mismatched);
        else
            printf("%s%llu stored row%s re-hashed: %llu match%s, %llu do%s not\n",
                   counts.mismatched > 0 ? "\n" : "", (unsigned long long)counts.checked,
                   counts.checked == 1 ? "" : "s",
                   (unsigned long long)(counts.checked - counts.mismatched),
                   counts.checked - counts.mismatched == 1 ? "es" : "",
                   (unsigned long long)counts.mismatched, counts.mismatched == 1 ? "es" : "");
    }
    if (fflush(stdout) != 0 || pr.failed) {
        fprintf(stderr, "caguard %s: cannot write output\n", cmd);
        goto out;
    }
    rc = counts.mismatched > 0 ? CG_EXIT_FINDINGS : CG_EXIT_OK;
out:
    cg_store_close(store);
    return rc;
}

int cg_cmd_store(int argc, char **argv)
{
    static const cg_cli_sub sub[] = {{"verify", store_verify}};
    return cg_cli_subcommand("store", store_help, sub, CG_CLI_NOPT(sub), argc, argv);
}
