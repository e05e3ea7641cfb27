/* caguard incident link and incident sync: an incident followed on its
 * Bugzilla bug (docs/incidents.md, "The Bugzilla bug"). link records the
 * bug and the CA's accounts; sync reads the bug and its comments (over
 * Bugzilla's REST API, or from an offline copy with --from-json DIR),
 * takes every comment in once as an event and judges the thread:
 * incident.question_unanswered, incident.update_overdue and
 * incident.update_missed. Built with the monitor (the HTTP transport). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/incident_bug.h"
#include "cli/opts.h"
#include "incident/deadlines.h"
#include "monitor/bugzilla.h"
#include "monitor/config.h"
#include "report/output.h"
#include "store/store.h"
#include "util/redact.h"
#include "util/time.h"

/* The CA's accounts of the configuration's [ccadb] ca_accounts. */
static int config_accounts(const char *cmd, const char *path, cg_monitor_config *cfg)
{
    char err[1024];
    cg_monitor_config_init(cfg);
    if (path != NULL && !cg_monitor_config_load(cfg, path, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        return 0;
    }
    return 1;
}

static int valid_account(const char *s)
{
    const char *at = strchr(s, '@');
    return at != NULL && at != s && at[1] != '\0' && strpbrk(s, ", \t\r\n") == NULL &&
           strlen(s) < 320;
}

int cg_incident_cmd_link(int argc, char **argv, void (*help)(FILE *))
{
    static const char *cmd = "incident link";
    const char *store_opt = NULL, *bug = NULL, *config = NULL;
    char base[2048], err[512], *accounts = NULL;
    size_t alen = 0;
    int64_t id = 0, bug_id = 0;
    int rc = CG_EXIT_USAGE, found = 0;
    cg_store *st = NULL;
    cg_incident inc;
    cg_monitor_config cfg;
    memset(&inc, 0, sizeof(inc));
    cg_monitor_config_init(&cfg);
    const cg_cli_opt opt[] = {
        {"bug", CG_CLI_OPT_STRING, &bug, 0, NULL},
        {"ca-account", CG_CLI_OPT_KEY_VALUE, NULL, 'a', NULL},
        {"config", CG_CLI_OPT_STRING, &config, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    cg_cli_opts p;
    cg_cli_opts_init(&p, cmd, help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (!valid_account(p.value)) {
            cg_cli_usage_error(cmd, "--ca-account '%.200s' is not a Bugzilla login (a mail "
                               "address)", p.value);
            goto out;
        }
        char *t = realloc(accounts, alen + strlen(p.value) + 2);
        if (t == NULL) {
            fprintf(stderr, "caguard %s: out of memory\n", cmd);
            goto out;
        }
        accounts = t;
        alen += (size_t)snprintf(accounts + alen, strlen(p.value) + 2, "%s%s",
                                 alen > 0 ? "," : "", p.value);
    }
    if (argc - optind != 1 || !cg_cli_parse_id(argv[optind], &id)) {
        cg_cli_usage_error(cmd, "give one incident ID (a number)");
        goto out;
    }
    if (bug == NULL) {
        cg_cli_usage_error(cmd, "--bug URL is required");
        goto out;
    }
    if (!cg_bz_parse_url(bug, base, sizeof(base), &bug_id, err, sizeof(err))) {
        cg_cli_usage_error(cmd, "--bug: %s", err);
        goto out;
    }
    if (!config_accounts(cmd, config, &cfg))
        goto out;
    if (accounts == NULL && cfg.ccadb.ca_accounts.n == 0)
        fprintf(stderr,
                "caguard %s: warning: no CA account (--ca-account, or [ccadb] ca_accounts "
                "with --config): every comment will count as a question to the CA\n",
                cmd);
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    if (!cg_store_incident_get(st, id, &inc, &found)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (!found) {
        fprintf(stderr, "caguard %s: no incident %lld\n", cmd, (long long)id);
        goto out;
    }
    if (!cg_store_bug_link(st, id, bug, bug_id, accounts != NULL ? accounts : "")) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    char shown[2048];
    cg_redact(bug, shown, sizeof(shown));
    printf("incident %lld: followed on bug %lld (%s)\n", (long long)id, (long long)bug_id, shown);
    rc = fflush(stdout) == 0 ? CG_EXIT_OK : CG_EXIT_USAGE;
out:
    free(accounts);
    cg_monitor_config_clear(&cfg);
    cg_incident_clear(&inc);
    cg_store_close(st);
    return rc;
}

/* Only the thread's findings: the ones sync judges. The lines saying what
 * was read go to `say`: stdout with the text findings, stderr with JSON
 * (stdout is then JSON Lines and nothing else). */
typedef struct {
    cg_out *out;
    FILE *say;
    size_t errors, shown;
} judge_sink;

static void judge_finding(void *arg, const cg_finding *f)
{
    judge_sink *j = arg;
    if (f->rule != CG_R_INCIDENT_QUESTION_UNANSWERED && f->rule != CG_R_INCIDENT_UPDATE_OVERDUE &&
        f->rule != CG_R_INCIDENT_UPDATE_MISSED)
        return;
    cg_out_sink(j->out, f);
    j->shown++;
    j->errors += cg_finding_severity(f) == CG_SEV_ERROR;
}

/* One incident: read its bug, take it in, judge it at `at`. 1, or 0 said. */
static int sync_one(const char *cmd, cg_store *st, int64_t id, const char *from_dir,
                    const char *api_key, const cg_monitor_config *cfg, int64_t at, judge_sink *js)
{
    cg_store_bug link;
    cg_bz_bug b;
    cg_bz_sync_result r;
    cg_incident inc;
    char base[2048], err[1024], *acc = NULL;
    int64_t bug_id = 0;
    int found = 0, ok = 0;
    memset(&link, 0, sizeof(link));
    memset(&b, 0, sizeof(b));
    memset(&inc, 0, sizeof(inc));
    if (!cg_store_bug_get(st, id, &link, &found)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (!found) {
        fprintf(stderr, "caguard %s: incident %lld has no bug (caguard incident link %lld "
                        "--bug URL)\n", cmd, (long long)id, (long long)id);
        goto out;
    }
    if (!cg_bz_parse_url(link.url, base, sizeof(base), &bug_id, err, sizeof(err)) ||
        !(from_dir != NULL ? cg_bz_read_dir(from_dir, bug_id, &b, err, sizeof(err))
                           : cg_bz_fetch(base, bug_id, 0, api_key, &b, err, sizeof(err)))) {
        fprintf(stderr, "caguard %s: incident %lld: %s (nothing stored)\n", cmd, (long long)id,
                err);
        goto out;
    }
    acc = cg_bz_accounts_join(link.ca_accounts, (const char *const *)cfg->ccadb.ca_accounts.v,
                              cfg->ccadb.ca_accounts.n);
    if (acc == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    if (!cg_bz_sync_store(st, id, &b, acc, (int64_t)time(NULL), &r, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: incident %lld: %s (nothing stored)\n", cmd, (long long)id,
                err);
        goto out;
    }
    fprintf(js->say, "incident %lld: bug %lld: %zu comment%s, %zu new (%zu by others than the CA)",
            (long long)id, (long long)bug_id, r.n_comments, r.n_comments == 1 ? "" : "s", r.n_new,
            r.n_questions);
    if (r.has_next_update) {
        char when[32];
        cg_time_format(r.next_update, when, sizeof(when));
        fprintf(js->say, "; Whiteboard: next update by %s", when);
    }
    fprintf(js->say, "\n");
    if (!cg_store_incident_get(st, id, &inc, &found) || !found) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    if (!cg_store_incident_observe_revocations(st, &inc)) {
        fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
        goto out;
    }
    cg_ctx ctx;
    cg_ctx_init(&ctx, at, judge_finding, js);
    cg_incident_check(&ctx, &inc);
    ok = 1;
out:
    free(acc);
    cg_incident_clear(&inc);
    cg_bz_bug_clear(&b);
    cg_store_bug_clear(&link);
    return ok;
}

int cg_incident_cmd_sync(int argc, char **argv, void (*help)(FILE *))
{
    static const char *cmd = "incident sync";
    const char *store_opt = NULL, *from = NULL, *config = NULL, *key_file = NULL;
    char key[CG_BZ_API_KEY_MAX + 1] = "", err[1024];
    int64_t at = (int64_t)time(NULL), id = 0;
    cg_out_format format = CG_OUT_TEXT;
    int rc = CG_EXIT_USAGE, ok = 1;
    cg_store_bug *bugs = NULL; /* without an ID: every linked one */
    size_t n_bugs = 0;
    cg_store *st = NULL;
    cg_monitor_config cfg;
    judge_sink js = {NULL, stdout, 0, 0};
    cg_monitor_config_init(&cfg);
    const cg_cli_opt opt[] = {
        {"from-json", CG_CLI_OPT_STRING, &from, 0, NULL},
        {"api-key-file", CG_CLI_OPT_STRING, &key_file, 0, NULL},
        {"config", CG_CLI_OPT_STRING, &config, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
    };
    if (!cg_cli_opts_parse(cmd, help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        goto out;
    rc = CG_EXIT_USAGE;
    if (argc - optind > 1 || (argc - optind == 1 && !cg_cli_parse_id(argv[optind], &id))) {
        cg_cli_usage_error(cmd, "give at most one incident ID (a number)");
        goto out;
    }
    if (from != NULL && id == 0) {
        cg_cli_usage_error(cmd, "--from-json DIR is one bug's answers: give the incident ID");
        goto out;
    }
    if (!config_accounts(cmd, config, &cfg))
        goto out;
    if (key_file != NULL && !cg_bz_read_api_key(key_file, key, err, sizeof(err))) {
        fprintf(stderr, "caguard %s: %s\n", cmd, err);
        goto out;
    }
    st = cg_cli_store_open(cmd, store_opt, 0);
    if (st == NULL)
        goto out;
    js.out = cg_out_new(stdout, format, 0);
    js.say = format == CG_OUT_JSON ? stderr : stdout;
    if (js.out == NULL) {
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
        goto out;
    }
    if (id != 0) {
        ok = sync_one(cmd, st, id, from, key_file != NULL ? key : NULL, &cfg, at, &js);
    } else {
        if (!cg_store_bugs(st, &bugs, &n_bugs)) {
            fprintf(stderr, "caguard %s: %s\n", cmd, cg_store_errmsg(st));
            goto out;
        }
        if (n_bugs == 0)
            fprintf(js.say,
                    "no incident is linked to a bug (caguard incident link ID --bug URL)\n");
        for (size_t i = 0; i < n_bugs; i++)
            ok &= sync_one(cmd, st, bugs[i].incident, from, key_file != NULL ? key : NULL, &cfg,
                           at, &js);
    }
    if (!ok)
        goto out;
    rc = js.errors > 0 ? CG_EXIT_FINDINGS : CG_EXIT_OK;
    if (fflush(stdout) != 0)
        rc = CG_EXIT_USAGE;
out:
    OPENSSL_cleanse(key, sizeof(key));
    cg_store_bugs_free(bugs, n_bugs);
    cg_out_free(js.out);
    cg_monitor_config_clear(&cfg);
    cg_store_close(st);
    return rc;
}
