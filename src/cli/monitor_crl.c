/* caguard monitor's CRL options (monitor_crl.h). */
#include "cli/monitor_crl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/num.h"

void cg_cli_crl_init(cg_cli_crl *c)
{
    memset(c, 0, sizeof(*c));
    c->interval = 600;
    cg_crlwatch_opts_default(&c->wo);
}

void cg_cli_crl_cleanup(cg_cli_crl *c)
{
    cg_crlwatch_free(c->w);
    c->w = NULL;
}

static int number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    if (cg_parse_u64(arg, min, max, out))
        return 1;
    cg_cli_usage_error("monitor", "%s wants a whole number in %llu..%llu, not '%s'", opt,
                       (unsigned long long)min, (unsigned long long)max, arg);
    return 0;
}

int cg_cli_crl_option(cg_cli_crl *c, int code, const char *arg, size_t n_issuers)
{
    uint64_t v;
    switch (code) {
    case CG_CLI_OPT_CRL_URL:
    case CG_CLI_OPT_CRL_LIST_URL: {
        const char *opt = code == CG_CLI_OPT_CRL_URL ? "--crl-url" : "--crl-list-url";
        if (n_issuers == 0) {
            cg_cli_usage_error("monitor", "%s must follow the --issuer it belongs to", opt);
            return 0;
        }
        if (!cg_crlfetch_url_ok(arg)) {
            cg_cli_usage_error("monitor", "%s '%s' is not an http:// or https:// URL", opt, arg);
            return 0;
        }
        if (c->n_urls == CG_CLI_CRL_MAX_URLS) {
            cg_cli_usage_error("monitor", "at most %d CRL URLs", CG_CLI_CRL_MAX_URLS);
            return 0;
        }
        c->urls[c->n_urls].url = arg;
        c->urls[c->n_urls].issuer = n_issuers - 1;
        c->urls[c->n_urls].is_list = code == CG_CLI_OPT_CRL_LIST_URL;
        c->n_urls++;
        return 1;
    }
    case CG_CLI_OPT_CRL_DP:
        if (n_issuers == 0 || n_issuers > CG_CLI_CRL_MAX_ISSUERS) {
            cg_cli_usage_error("monitor", "--crl-dp must follow the --issuer it belongs to");
            return 0;
        }
        c->use_crldp[n_issuers - 1] = 1;
        c->any_crldp = 1;
        return 1;
    case CG_CLI_OPT_CRL_INTERVAL:
        if (!number("--crl-interval", arg, 1, 7 * 86400, &v))
            return 0;
        c->interval = (int)v;
        return 1;
    case CG_CLI_OPT_CRL_TIMEOUT:
        if (!number("--crl-timeout", arg, 1, 3600, &v))
            return 0;
        c->wo.fetch.timeout_ms = (long)v * 1000;
        if (c->wo.fetch.connect_timeout_ms > c->wo.fetch.timeout_ms)
            c->wo.fetch.connect_timeout_ms = c->wo.fetch.timeout_ms;
        return 1;
    case CG_CLI_OPT_CRL_MAX_SIZE:
        if (!number("--crl-max-size", arg, 1, (uint64_t)1 << 40, &v))
            return 0;
        c->wo.fetch.max_size = v;
        return 1;
    case CG_CLI_OPT_CRL_MAX_REDIRECTS:
        if (!number("--crl-max-redirects", arg, 0, 20, &v))
            return 0;
        c->wo.fetch.max_redirects = (long)v;
        return 1;
    case CG_CLI_OPT_CRL_UNREACHABLE_AFTER:
        if (!number("--crl-unreachable-after", arg, 60, 30 * 86400, &v))
            return 0;
        c->wo.unreachable_after = (int64_t)v;
        return 1;
    }
    cg_cli_usage_error("monitor", "unknown option");
    return 0;
}

void cg_cli_crl_config_limits(cg_cli_crl *c, const cg_monitor_config *cfg)
{
    c->interval = (int)cfg->crl.interval;
    c->wo.fetch.timeout_ms = (long)cfg->crl.timeout * 1000;
    if (c->wo.fetch.connect_timeout_ms > c->wo.fetch.timeout_ms)
        c->wo.fetch.connect_timeout_ms = c->wo.fetch.timeout_ms;
    c->wo.fetch.max_size = (uint64_t)cfg->crl.max_size;
    c->wo.fetch.max_redirects = (long)cfg->crl.max_redirects;
    c->wo.unreachable_after = cfg->crl.unreachable_after;
}

static int config_url(cg_cli_crl *c, size_t index, const char *url, int is_list,
                      const cg_config_issuer *is)
{
    if (!cg_crlfetch_url_ok(url)) {
        cg_cli_usage_error("monitor", "[issuer %s] %s '%s' is not an http:// or https:// URL",
                           is->name, is_list ? "crl_list_url" : "crl_url", url);
        return 0;
    }
    if (c->n_urls == CG_CLI_CRL_MAX_URLS) {
        cg_cli_usage_error("monitor", "at most %d CRL URLs", CG_CLI_CRL_MAX_URLS);
        return 0;
    }
    c->urls[c->n_urls].url = url;
    c->urls[c->n_urls].issuer = index;
    c->urls[c->n_urls].is_list = is_list;
    c->n_urls++;
    return 1;
}

int cg_cli_crl_config_issuer(cg_cli_crl *c, size_t index, const cg_config_issuer *is)
{
    for (size_t i = 0; i < is->crl_urls.n; i++) {
        if (!config_url(c, index, is->crl_urls.v[i], 0, is))
            return 0;
    }
    for (size_t i = 0; i < is->crl_list_urls.n; i++) {
        if (!config_url(c, index, is->crl_list_urls.v[i], 1, is))
            return 0;
    }
    if (is->use_crldp) {
        if (index >= CG_CLI_CRL_MAX_ISSUERS) {
            cg_cli_usage_error("monitor", "use_crldp: at most %d issuers", CG_CLI_CRL_MAX_ISSUERS);
            return 0;
        }
        c->use_crldp[index] = 1;
        c->any_crldp = 1;
    }
    return 1;
}

int cg_cli_crl_wanted(const cg_cli_crl *c)
{
    return c->n_urls > 0 || c->any_crldp;
}

static void log_line(void *arg, int is_error, const char *url, const char *msg)
{
    const cg_cli_crl *c = arg;
    cg_logger_level level = is_error ? CG_LOGGER_WARNING : CG_LOGGER_INFO;
    if (!is_error && c->quiet)
        return;
    fflush(stdout);
    if (url != NULL)
        cg_logger_say(c->log, level, "crl %s: %s", url, msg);
    else
        cg_logger_say(c->log, level, "crl: %s", msg);
}

int cg_cli_crl_attach(cg_cli_crl *c, cg_monitor *m)
{
    c->w = cg_crlwatch_new(cg_monitor_get0_store(m), &c->wo, NULL, NULL);
    if (c->w == NULL || !cg_crlwatch_add_to_monitor(c->w, m, c->interval)) {
        fprintf(stderr, "caguard monitor: out of memory\n");
        return 0;
    }
    cg_crlwatch_set_log(c->w, log_line, c);
    return 1;
}

int cg_cli_crl_add_issuer(cg_cli_crl *c, size_t index, const char *path, const uint8_t *der,
                          size_t len)
{
    char err[512];
    int use_dp = index < CG_CLI_CRL_MAX_ISSUERS && c->use_crldp[index];
    int has_url = 0;
    for (size_t i = 0; i < c->n_urls; i++)
        has_url |= c->urls[i].issuer == index;
    if (!has_url && !use_dp)
        return 1; /* not a CA whose CRLs are watched */
    int n = cg_crlwatch_add_issuer(c->w, der, len, path, use_dp, err, sizeof(err));
    if (n < 0) {
        cg_cli_usage_error("monitor", "--issuer %s: %s", path, err);
        return 0;
    }
    for (size_t i = 0; i < c->n_urls; i++) {
        if (c->urls[i].issuer != index)
            continue;
        if (!cg_crlwatch_add_url(c->w, n, c->urls[i].url, c->urls[i].is_list, err, sizeof(err))) {
            cg_cli_usage_error("monitor", "%s: %s", c->urls[i].url, err);
            return 0;
        }
    }
    return 1;
}

size_t cg_cli_crl_errors(const cg_cli_crl *c)
{
    return c->w != NULL ? cg_crlwatch_get0_stats(c->w)->errors : 0;
}
