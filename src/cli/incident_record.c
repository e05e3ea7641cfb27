/* caguard incident open, event and add (see cli/incident.c for the
 * command): an incident recorded in the store, an event on it, and
 * certificates added to it. The certificates given as files are read and
 * understood, then ingested (checked and stored as objects) before the
 * incident changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/incident_internal.h"
#include "cli/opts.h"
#include "incident/certs.h"
#include "incident/kinds.h"
#include "store/ingest.h"
#include "store/pairing.h"
#include "store/store.h"
#include "util/grow.h"
#include "util/hex.h"

static void count_finding(void *arg, const cg_finding *f)
{
    (void)f;
    (*(size_t *)arg)++;
}

typedef struct {
    const char *name;
    uint8_t *data;
    size_t len;
} input_file;

/* Reads path into files[*n] (then counted) and adds its certificates to
 * inc: 1, or 0 after a message. open and add read and understand every
 * file before they open the store, so bad input leaves it as it was. */
static int read_input(const char *cmd, const char *path, input_file *files, size_t *n,
                      cg_incident *inc)
{
    char err[1024];
    input_file *f = &files[*n];
    f->name = path;
    f->data = cg_cli_read_file(path, &f->len, err, sizeof(err));
    if (f->data == NULL) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        return 0;
    }
    (*n)++;
    if (!cg_incident_add_certs(inc, f->name, f->data, f->len, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        return 0;
    }
    return 1;
}

/* Ingests the n files into st (checked at `at`, first seen at seen_at),
 * counting the new findings in *findings, through a new *ing (the caller
 * frees it): 1, or 0 after a message that ends with what was left undone
 * ("(no incident recorded)"). */
static int ingest_inputs(const char *cmd, cg_store *st, int64_t at, int64_t seen_at,
                         int br_profile, const input_file *files, size_t n, const char *undone,
                         cg_ingest **ing, size_t *findings)
{
    char err[1024];
    cg_ingest_opts io;
    memset(&io, 0, sizeof(io));
    io.at = at;
    io.seen_at = seen_at;
    *ing = cg_ingest_new(st, &io, count_finding, findings);
    if (*ing == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        return 0;
    }
    cg_ingest_set_br_profile(*ing, br_profile);
    for (size_t i = 0; i < n; i++) {
        if (!cg_ingest_file(*ing, files[i].name, files[i].data, files[i].len, err, sizeof(err))) {
            fprintf(stderr, "caguard %s: %s %s\n", cmd, err, undone);
            return 0;
        }
    }
    return 1;
}

/* The defect of an incident opened on certificates: the rules of the open
 * error findings on them (the incident-process and gate rules left out). */
typedef struct {
    char **v;
    size_t n, cap;
    int failed;
} rule_set;

static int collect_rule(void *arg, const cg_store_finding *f)
{
    rule_set *r = arg;
    if (f->severity != CG_SEV_ERROR || strncmp(f->rule, "incident.", 9) == 0 ||
        strncmp(f->rule, "revocation.", 11) == 0 || strncmp(f->rule, "gate.", 5) == 0)
        return 1;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i], f->rule) == 0)
            return 1;
    }
    if (!cg_grow_push_str(&r->v, &r->n, &r->cap, f->rule)) {
        r->failed = 1;
        return 0;
    }
    return 1;
}

static int default_rules(cg_store *st, cg_incident *inc)
{
    rule_set r = {NULL, 0, 0, 0};
    int ok = 1;
    for (size_t i = 0; ok && i < inc->n_certs; i++) {
        cg_store_finding_filter flt;
        memset(&flt, 0, sizeof(flt));
        flt.open_only = 1;
        flt.has_object = 1;
        memcpy(flt.object, inc->certs[i].sha256, 32);
        ok = cg_store_findings(st, &flt, collect_rule, &r) && !r.failed;
    }
    inc->rules = r.v;
    inc->n_rules = r.n;
    return ok;
}

int cg_cli_incident_cmd_open(int argc, char **argv)
{
    static const char *cmd = "incident open";
    const char *kind = NULL, *store_opt = NULL;
    int64_t now = (int64_t)time(NULL), at = now, seen_at = now;
    int have_reported = 0, no_br_profile = 0, rc = CG_EXIT_USAGE;
    cg_incident inc;
    input_file *files = NULL;
    size_t n_files = 0;
    cg_store *st = NULL;
    cg_ingest *ing = NULL;

    memset(&inc, 0, sizeof(inc));
    inc.source = CG_SOURCE_SELF;
    const cg_cli_opt opt[] = {
        {"kind", CG_CLI_OPT_STRING, &kind, 0, NULL},
        {"reported-at", CG_CLI_OPT_TIME, &inc.reported_at, 0, &have_reported},
        {"title", CG_CLI_OPT_KEY_VALUE, NULL, 't', NULL},
        {"source", CG_CLI_OPT_KEY_VALUE, NULL, 's', NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"seen-at", CG_CLI_OPT_TIME, &seen_at, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"no-br-profile", CG_CLI_OPT_FLAG, &no_br_profile, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (key == 't') {
            free(inc.title);
            inc.title = strdup(p.value);
        } else if (!cg_source_lookup(p.value, &inc.source)) {
            cg_cli_usage_error(cmd, "--source must be self, third-party or audit, not '%s'",
                               p.value);
            goto out;
        }
    }
    if (kind == NULL) {
        cg_cli_usage_error(cmd, "--kind is required (one of: %s)", cg_incident_kind_names());
        goto out;
    }
    if (cg_incident_kind_lookup(kind) == NULL) {
        cg_cli_usage_error(cmd, "unknown kind '%s'; the kinds are: %s", kind,
                           cg_incident_kind_names());
        goto out;
    }
    if (!have_reported) {
        cg_cli_usage_error(cmd, "--reported-at TIME is required (when the certificate problem "
                                "report was received)");
        goto out;
    }
    inc.kind = strdup(kind);
    if (inc.kind == NULL ||
        (optind < argc && (files = calloc((size_t)(argc - optind), sizeof(*files))) == NULL)) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    /* Every file is read and understood before the store is opened: bad
     * input leaves the store as it was. */
    for (int i = optind; i < argc; i++) {
        if (!read_input(cmd, argv[i], files, &n_files, &inc))
            goto out;
    }
    cg_incident_pair_certs(&inc);

    st = cg_cli_store_open(cmd, store_opt, CG_STORE_CREATE);
    if (st == NULL)
        goto out;
    size_t findings = 0;
    if (n_files > 0 && !ingest_inputs(cmd, st, at, seen_at, !no_br_profile, files, n_files,
                                      "(no incident recorded)", &ing, &findings))
        goto out;
    if (!cg_store_incident_pair_certs(st, &inc) || !default_rules(st, &inc) ||
        !cg_store_incident_create(st, &inc)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    printf("%lld\n", (long long)inc.id);
    if (ing != NULL) {
        const cg_ingest_stats *s = cg_ingest_get0_stats(ing);
        size_t n = cg_cli_incident_count_certs(&inc);
        fprintf(stderr,
                "caguard %s: incident %lld with %zu certificate%s (by issuer and serial; "
                "%zu object%s); %zu object%s ingested (%zu new), %zu new finding%s "
                "('caguard findings')\n",
                cmd, (long long)inc.id, n, n == 1 ? "" : "s", inc.n_certs,
                inc.n_certs == 1 ? "" : "s", s->objects, s->objects == 1 ? "" : "s",
                s->new_objects, findings, findings == 1 ? "" : "s");
    }
    rc = fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
out:
    cg_ingest_free(ing);
    cg_store_close(st);
    for (size_t i = 0; i < n_files; i++)
        free(files[i].data);
    free(files);
    cg_incident_clear(&inc);
    return rc;
}

int cg_cli_incident_cmd_event(int argc, char **argv)
{
    static const char *cmd = "incident event";
    const char *store_opt = NULL;
    cg_incident_event ev;
    int have_type = 0, have_at = 0, have_next = 0, rc = CG_EXIT_USAGE;
    int64_t id = 0, next = 0;
    cg_store *st = NULL;
    cg_incident inc;

    memset(&ev, 0, sizeof(ev));
    memset(&inc, 0, sizeof(inc));
    const cg_cli_opt opt[] = {
        {"type", CG_CLI_OPT_KEY_VALUE, NULL, 'T', &have_type},
        {"at", CG_CLI_OPT_TIME, &ev.at, 0, &have_at},
        {"note", CG_CLI_OPT_KEY_VALUE, NULL, 'n', NULL},
        {"next-update", CG_CLI_OPT_TIME, &next, 0, &have_next},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0)
            return p.status;
        if (key == 'n')
            ev.note = p.value;
        else if (!cg_event_type_lookup(p.value, &ev.type))
            return cg_cli_usage_error(cmd,
                                      "--type must be preliminary-report, full-report, "
                                      "update, question, response or closure, not '%s'",
                                      p.value);
    }
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give one incident ID (a number)");
    if (!have_type || !have_at)
        return cg_cli_usage_error(cmd, "--type and --at are required");
    st = cg_cli_incident_open(cmd, store_opt, id, 0, &inc);
    if (st == NULL)
        goto out;
    if (!cg_store_begin(st) || !cg_store_incident_add_event(st, id, &ev) ||
        (have_next && !cg_store_incident_set_next_update(st, id, next)) || !cg_store_commit(st)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        cg_store_rollback(st);
        goto out;
    }
    rc = CG_EXIT_OK;
out:
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

/* An operand of add that names a stored object: 64 hex digits (either
 * case) and no file of that name; its bytes into sha. */
static int sha256_operand(const char *s, uint8_t sha[32])
{
    size_t len = 0;
    return strlen(s) == 64 && cg_unhex(s, 64, sha, 32, &len) && access(s, F_OK) != 0;
}

int cg_cli_incident_cmd_add(int argc, char **argv)
{
    static const char *cmd = "incident add";
    const char *store_opt = NULL;
    int64_t id = 0, now = (int64_t)time(NULL), at = now, seen_at = now;
    int rc = CG_EXIT_USAGE, no_br_profile = 0;
    cg_incident inc, adds;
    input_file *files = NULL;
    size_t n_files = 0;
    cg_store *st = NULL;
    cg_ingest *ing = NULL;
    char err[1024];
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"seen-at", CG_CLI_OPT_TIME, &seen_at, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"no-br-profile", CG_CLI_OPT_FLAG, &no_br_profile, 0, NULL},
    };
    memset(&inc, 0, sizeof(inc));
    memset(&adds, 0, sizeof(adds));
    if (!cg_cli_opts_parse(cmd, cg_cli_incident_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        return rc;
    if (argc - optind < 2 || !cg_cli_parse_id(argv[optind], &id))
        return cg_cli_usage_error(cmd, "give an incident ID and one or more FILE or SHA256");
    files = calloc((size_t)argc, sizeof(*files));
    if (files == NULL)
        return CG_EXIT_USAGE;
    /* Files are read and understood before the store is opened. */
    for (int i = optind + 1; i < argc; i++) {
        uint8_t sha[32];
        if (sha256_operand(argv[i], sha))
            continue;
        if (!read_input(cmd, argv[i], files, &n_files, &adds))
            goto out;
    }
    st = cg_cli_incident_open(cmd, store_opt, id, 0, &inc);
    if (st == NULL)
        goto out;
    /* A SHA-256: the object as stored. */
    for (int i = optind + 1; i < argc; i++) {
        uint8_t sha[32];
        int found = 0;
        if (!sha256_operand(argv[i], sha))
            continue;
        cg_store_object *o = cg_store_get1_object(st, sha, &found);
        if (!found) {
            fprintf(stderr, "caguard %s: %s\n", cmd,
                    o == NULL && cg_store_errmsg(st)[0] != '\0' ? cg_store_errmsg(st)
                                                                : "no object with that SHA-256 "
                                                                  "in the store");
            cg_store_object_free(o);
            goto out;
        }
        int ok = cg_incident_add_certs(&adds, argv[i], o->der, o->der_len, err, sizeof(err));
        cg_store_object_free(o);
        if (!ok) {
            fprintf(stderr, "caguard %s: %s\n", cmd, err);
            goto out;
        }
    }
    size_t findings = 0;
    if (n_files > 0 && !ingest_inputs(cmd, st, at, seen_at, !no_br_profile, files, n_files,
                                      "(nothing added)", &ing, &findings))
        goto out;
    cg_incident_pair_certs(&adds);
    size_t added = 0;
    if (!cg_store_incident_pair_certs(st, &adds) || !cg_store_begin(st))
        goto store_err;
    for (size_t i = 0; i < adds.n_certs; i++) {
        int is_new = 0;
        if (!cg_store_incident_add_cert(st, id, &adds.certs[i], &is_new)) {
            cg_store_rollback(st);
            goto store_err;
        }
        added += is_new;
    }
    if (!cg_store_commit(st))
        goto store_err;
    fprintf(stderr, "caguard %s: %zu object%s added to incident %lld (%zu already in it)\n", cmd,
            added, added == 1 ? "" : "s", (long long)id, adds.n_certs - added);
    rc = CG_EXIT_OK;
    goto out;
store_err:
    fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
out:
    cg_ingest_free(ing);
    for (size_t i = 0; i < n_files; i++)
        free(files[i].data);
    free(files);
    cg_incident_clear(&inc);
    cg_incident_clear(&adds);
    cg_store_close(st);
    return rc;
}
