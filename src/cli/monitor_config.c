/* caguard monitor --config FILE (monitor_config.h). */
#include "cli/monitor_config.h"
#include "obs/logger.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/cli.h"

typedef struct builder {
    cg_cli_monitor_config *mc;
    const cg_cli_opt *known;
    size_t n_known;
    size_t cap;
    int failed;
} builder;

static void push(builder *b, char *arg)
{
    cg_cli_monitor_config *mc = b->mc;
    if (b->failed)
        return;
    if ((size_t)mc->argc + 1 >= b->cap) {
        size_t ncap = b->cap * 2 + 16;
        char **v = realloc(mc->argv, ncap * sizeof(*v));
        if (v == NULL) {
            b->failed = 1;
            return;
        }
        mc->argv = v;
        b->cap = ncap;
    }
    mc->argv[mc->argc++] = arg;
    mc->argv[mc->argc] = NULL;
}

/* --flag [value], for the key `what` ("[alerts] hook") of the file. */
static void flag(builder *b, const char *what, const char *name, const char *value)
{
    char *f;
    char **o;
    if (b->failed)
        return;
    if (!cg_cli_opts_has(b->known, b->n_known, name)) {
        cg_cli_usage_error(b->mc->cmd, "%s: %s: this caguard %s has no --%s yet", b->mc->cfg.file,
                           what, b->mc->cmd, name);
        b->failed = 2;
        return;
    }
    f = malloc(strlen(name) + 3);
    o = realloc(b->mc->owned, (b->mc->n_owned + 2) * sizeof(*o));
    if (f == NULL || o == NULL) {
        free(f);
        if (o != NULL)
            b->mc->owned = o;
        b->failed = 1;
        return;
    }
    b->mc->owned = o;
    snprintf(f, strlen(name) + 3, "--%s", name);
    o[b->mc->n_owned++] = f;
    push(b, f);
    if (value != NULL)
        push(b, (char *)value);
}

static void flag_num(builder *b, const char *what, const char *name, int64_t v)
{
    char *s = malloc(24), **o;
    if (s == NULL) {
        b->failed = 1;
        return;
    }
    snprintf(s, 24, "%lld", (long long)v);
    o = realloc(b->mc->owned, (b->mc->n_owned + 1) * sizeof(*o));
    if (o == NULL) {
        free(s);
        b->failed = 1;
        return;
    }
    b->mc->owned = o;
    o[b->mc->n_owned++] = s;
    flag(b, what, name, s);
}

/* Whether caguard --store X came before the command: it names another
 * store than CAGUARD_STORE or the default would. */
static int global_store_given(void)
{
    const char *g = cg_cli_store_uri(NULL), *env = getenv("CAGUARD_STORE");
    if (env != NULL && env[0] != '\0')
        return strcmp(g, env) != 0;
    return strcmp(g, CG_CLI_DEFAULT_STORE) != 0;
}

/* [alerts] and [incidents] auto: the options of cli/alert_opts.h. */
static void alert_flags(builder *b, const cg_monitor_config *c)
{
    static const char *const sev[] = {"error", "warning", "notice"};
    for (size_t i = 0; i < c->alerts.hooks.n; i++)
        flag(b, "[alerts] hook", "hook", c->alerts.hooks.v[i]);
    if (c->alerts.hooks_dir != NULL)
        flag(b, "[alerts] hooks_dir", "hooks-dir", c->alerts.hooks_dir);
    if (c->alerts.jsonl != NULL)
        flag(b, "[alerts] jsonl", "alert-jsonl", c->alerts.jsonl);
    if (c->alerts.mail_to != NULL)
        flag(b, "[alerts] mail_to", "mail-to", c->alerts.mail_to);
    if (c->alerts.sendmail != NULL)
        flag(b, "[alerts] sendmail", "sendmail", c->alerts.sendmail);
    if (c->alerts.hook_timeout != 30)
        flag_num(b, "[alerts] hook_timeout", "hook-timeout", c->alerts.hook_timeout);
    if (c->alerts.min_severity != CG_SEV_NOTICE)
        flag(b, "[alerts] min_severity", "alert-min-severity", sev[c->alerts.min_severity]);
    if (c->incidents.auto_draft)
        flag(b, "[incidents] auto", "incidents", "auto");
}

static void build(builder *b, char **argv, int argc, int skip_from, int skip_n,
                  cg_cli_config_scope scope)
{
    static const char *const sev[] = {"error", "warning", "notice"};
    const cg_monitor_config *c = &b->mc->cfg;

    push(b, argv[0]);
    /* Under --store, before or after the command, and over CAGUARD_STORE. */
    if (c->store != NULL && !global_store_given())
        flag(b, "[monitor] store", "store", c->store);
    if (scope == CG_CLI_CONFIG_ALERTS) {
        alert_flags(b, c);
        goto rest;
    }
    if (c->all_issuers)
        flag(b, "[monitor] all_issuers", "all-issuers", NULL);
    if (!c->br_profile)
        flag(b, "[monitor] br_profile", "no-br-profile", NULL);
    if (c->quiet)
        flag(b, "[monitor] quiet", "quiet", NULL);
    for (size_t i = 0; i < c->include.n; i++)
        flag(b, "[monitor] include", "include", c->include.v[i]);
    for (size_t i = 0; i < c->exclude.n; i++)
        flag(b, "[monitor] exclude", "exclude", c->exclude.v[i]);
    if (c->min_severity != CG_SEV_NOTICE)
        flag(b, "[monitor] min_severity", "min-severity", sev[c->min_severity]);
    if (c->fail_on != CG_SEV_ERROR)
        flag(b, "[monitor] fail_on", "fail-on", sev[c->fail_on]);
    if (c->format == CG_OUT_JSON)
        flag(b, "[monitor] format", "format", "json");
    if (c->start == CG_CONFIG_FROM_END)
        flag(b, "[monitor] start", "from-end", NULL);
    if (c->poll_interval != 60)
        flag_num(b, "[monitor] poll_interval", "poll-interval", c->poll_interval);
    if (c->parallel != 32)
        flag_num(b, "[monitor] parallel", "parallel", c->parallel);
    if (c->response_memory != 64)
        flag_num(b, "[monitor] response_memory", "response-memory", c->response_memory);
    if (c->round_timeout != CG_MONITOR_ROUND_TIMEOUT)
        flag_num(b, "[monitor] round_timeout", "round-timeout", c->round_timeout);
    if (c->round_workers != CG_MONITOR_ROUND_WORKERS)
        flag_num(b, "[monitor] round_workers", "round-workers", c->round_workers);
    if (c->batch != 1024)
        flag_num(b, "[monitor] batch", "batch", c->batch);
    if (c->shared)
        flag(b, "[monitor] shared", "shared", NULL);
    if (c->worker_id != NULL)
        flag(b, "[monitor] worker_id", "worker-id", c->worker_id);
    if (c->lease_seconds != 60)
        flag_num(b, "[monitor] lease_seconds", "lease-seconds", c->lease_seconds);
    if (c->metrics_listen != NULL)
        flag(b, "[monitor] metrics_listen", "metrics-listen", c->metrics_listen);
    if (c->log_format == CG_LOGGER_JSON)
        flag(b, "[monitor] log_format", "log-format", "json");
    for (size_t i = 0; i < c->n_issuers; i++) {
        const cg_config_issuer *is = &c->issuers[i];
        flag(b, "[issuer] cert", "issuer", is->cert);
        for (size_t j = 0; j < is->crl_urls.n; j++)
            flag(b, "[issuer] crl_url", "crl-url", is->crl_urls.v[j]);
        for (size_t j = 0; j < is->crl_list_urls.n; j++)
            flag(b, "[issuer] crl_list_url", "crl-list-url", is->crl_list_urls.v[j]);
        if (is->use_crldp)
            flag(b, "[issuer] use_crldp", "crl-dp", NULL);
    }
    if (c->crl.interval != 600)
        flag_num(b, "[crl] interval", "crl-interval", c->crl.interval);
    if (c->crl.timeout != 30)
        flag_num(b, "[crl] timeout", "crl-timeout", c->crl.timeout);
    if (c->crl.max_size != 268435456)
        flag_num(b, "[crl] max_size", "crl-max-size", c->crl.max_size);
    if (c->crl.max_redirects != 3)
        flag_num(b, "[crl] max_redirects", "crl-max-redirects", c->crl.max_redirects);
    if (c->crl.unreachable_after != 3600)
        flag_num(b, "[crl] unreachable_after", "crl-unreachable-after", c->crl.unreachable_after);
    if (c->loglist.present) {
        flag(b, "[loglist] source", "loglist", c->loglist.source);
        if (c->loglist.follow)
            flag(b, "[loglist] follow", "follow-loglist", NULL);
        if (c->loglist.sig != NULL) {
            flag(b, "[loglist] sig", "loglist-sig", c->loglist.sig);
            flag(b, "[loglist] key", "loglist-key", c->loglist.key);
        }
        flag_num(b, "[loglist] reload_interval", "loglist-reload", c->loglist.reload_interval);
    }
    alert_flags(b, c);
    if (c->policy_interval != 0)
        flag_num(b, "[monitor] policy_interval", "policy-interval", c->policy_interval);
    if (c->incidents.bugzilla_sync != 0)
        flag_num(b, "[incidents] bugzilla_sync", "bugzilla-sync", c->incidents.bugzilla_sync);
    if (c->incidents.bugzilla_api_key_file != NULL)
        flag(b, "[incidents] bugzilla_api_key_file", "bugzilla-api-key-file",
             c->incidents.bugzilla_api_key_file);
    for (size_t i = 0; i < c->ccadb.ca_accounts.n; i++)
        flag(b, "[ccadb] ca_accounts", "ca-account", c->ccadb.ca_accounts.v[i]);
rest:
    for (int i = 1; i < argc; i++) {
        if (i >= skip_from && i < skip_from + skip_n)
            continue;
        push(b, argv[i]);
    }
}

static EVP_PKEY *read_key(const char *path, char *err, size_t errcap)
{
    size_t len;
    uint8_t *data = cg_cli_read_file(path, &len, err, errcap);
    EVP_PKEY *k = NULL;
    BIO *bio;
    if (data == NULL)
        return NULL;
    bio = BIO_new_mem_buf(data, (int)len);
    if (bio != NULL)
        k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (k == NULL) {
        const unsigned char *p = data;
        k = d2i_PUBKEY(NULL, &p, (long)len);
        if (k != NULL && p != data + len) {
            EVP_PKEY_free(k);
            k = NULL;
        }
    }
    ERR_clear_error();
    free(data);
    if (k == NULL)
        snprintf(err, errcap, "%s: not a public key (PEM or DER SubjectPublicKeyInfo)", path);
    return k;
}

int cg_cli_monitor_config_expand(cg_cli_monitor_config *mc, const char *cmd,
                                 cg_cli_config_scope scope, int argc, char **argv,
                                 const cg_cli_opt *known, size_t n_known)
{
    const char *path = NULL;
    int at = 0, n = 0;
    char err[1024];
    builder b;

    memset(mc, 0, sizeof(*mc));
    cg_monitor_config_init(&mc->cfg);
    mc->cmd = cmd;
    mc->argc = argc;
    mc->argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--config") != 0 && strncmp(a, "--config=", 9) != 0)
            continue;
        if (path != NULL)
            return cg_cli_usage_error(cmd, "--config given twice");
        at = i;
        if (a[8] == '=') {
            path = a + 9;
            n = 1;
        } else {
            if (i + 1 >= argc)
                return cg_cli_usage_error(cmd, "--config needs a FILE");
            path = argv[++i];
            n = 2;
        }
    }
    if (path == NULL)
        return CG_EXIT_OK;
    if (!cg_monitor_config_load(&mc->cfg, path, err, sizeof(err)))
        return cg_cli_usage_error(cmd, "%s", err);
    mc->loaded = 1;
    /* Every log key now, so that a bad one stops the command before the
     * store is opened (the monitor's: alerts flush reads no log). */
    for (size_t i = 0; scope == CG_CLI_CONFIG_MONITOR && i < mc->cfg.n_logs; i++) {
        const cg_config_log *l = &mc->cfg.logs[i];
        EVP_PKEY *k = read_key(l->key, err, sizeof(err));
        if (k == NULL)
            return cg_cli_usage_error(cmd, "%s:%d: [log %s] key: %s", mc->cfg.file, l->line,
                                      l->name, err);
        EVP_PKEY_free(k);
    }
    mc->argc = 0;
    mc->argv = NULL;
    mc->argv_owned = 1;
    memset(&b, 0, sizeof(b));
    b.mc = mc;
    b.known = known;
    b.n_known = n_known;
    build(&b, argv, argc, at, n, scope);
    if (b.failed == 1)
        fprintf(stderr, "caguard %s: out of memory\n", cmd);
    if (b.failed)
        return CG_EXIT_USAGE;
    return CG_EXIT_OK;
}

int cg_cli_monitor_config_add_logs(const cg_cli_monitor_config *mc, cg_monitor *m)
{
    const cg_monitor_config *c = &mc->cfg;
    char err[1024];
    for (size_t i = 0; i < c->n_logs; i++) {
        const cg_config_log *l = &c->logs[i];
        cg_monitor_log ml;
        EVP_PKEY *k = read_key(l->key, err, sizeof(err));
        if (k == NULL) {
            cg_cli_usage_error(mc->cmd, "%s:%d: [log %s] key: %s", c->file, l->line, l->name, err);
            return 0;
        }
        memset(&ml, 0, sizeof(ml));
        ml.url = l->url;
        ml.key = k;
        ml.type = l->type == CG_CONFIG_LOG_STATIC ? CG_MONITOR_LOG_STATIC : CG_MONITOR_LOG_RFC6962;
        ml.mmd = l->mmd;
        ml.max_rps = l->rate_limit;
        ml.name = l->name;
        ml.origin = l->origin;
        int ok = cg_monitor_add_log(m, &ml);
        EVP_PKEY_free(k);
        if (!ok) {
            cg_cli_usage_error(mc->cmd, "%s:%d: [log %s]: %s", c->file, l->line, l->name,
                               cg_monitor_errmsg(m));
            return 0;
        }
    }
    return 1;
}

void cg_cli_monitor_config_cleanup(cg_cli_monitor_config *mc)
{
    for (size_t i = 0; i < mc->n_owned; i++)
        free(mc->owned[i]);
    free(mc->owned);
    if (mc->argv_owned)
        free(mc->argv);
    cg_monitor_config_clear(&mc->cfg);
    memset(mc, 0, sizeof(*mc));
}
