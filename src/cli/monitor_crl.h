/* caguard monitor's CRL options (--crl-url and the rest): collected while
 * the command line is read, then turned into a CRL watcher
 * (monitor/crlwatch.h) that runs as a task of the monitor. */
#ifndef CAGUARD_CLI_MONITOR_CRL_H
#define CAGUARD_CLI_MONITOR_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "cli/opts.h"
#include "monitor/crlfetch.h"
#include "monitor/crlwatch.h"
#include "monitor/config.h"
#include "monitor/monitor.h"
#include "obs/logger.h"

#define CG_CLI_CRL_MAX_URLS 256
#define CG_CLI_CRL_MAX_ISSUERS 64

/* Keys of the CRL options, for the monitor's option table (cli/opts.h). */
enum {
    CG_CLI_OPT_CRL_URL = 1000,
    CG_CLI_OPT_CRL_LIST_URL,
    CG_CLI_OPT_CRL_DP,
    CG_CLI_OPT_CRL_INTERVAL,
    CG_CLI_OPT_CRL_TIMEOUT,
    CG_CLI_OPT_CRL_MAX_SIZE,
    CG_CLI_OPT_CRL_MAX_REDIRECTS,
    CG_CLI_OPT_CRL_UNREACHABLE_AFTER,
    CG_CLI_OPT_CRL_LAST
};

/* clang-format off */
#define CG_CLI_CRL_OPTIONS                                                                        \
    {"crl-url", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_URL, NULL},                            \
    {"crl-list-url", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_LIST_URL, NULL},                  \
    {"crl-dp", CG_CLI_OPT_KEY, NULL, CG_CLI_OPT_CRL_DP, NULL},                                    \
    {"crl-interval", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_INTERVAL, NULL},                  \
    {"crl-timeout", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_TIMEOUT, NULL},                    \
    {"crl-max-size", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_MAX_SIZE, NULL},                  \
    {"crl-max-redirects", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_MAX_REDIRECTS, NULL},        \
    {"crl-unreachable-after", CG_CLI_OPT_KEY_VALUE, NULL, CG_CLI_OPT_CRL_UNREACHABLE_AFTER, NULL}
/* clang-format on */

#define CG_CLI_CRL_HELP                                                                           \
    "  --crl-url URL      a CRL URL of the --issuer before it (http or https);\n"                 \
    "                     repeatable\n"                                                           \
    "  --crl-list-url URL a CCADB partitioned-CRL list (a JSON array of CRL URLs)\n"              \
    "                     of the --issuer before it; repeatable\n"                                \
    "  --crl-dp           also fetch the CRL distribution points of the stored\n"                 \
    "                     certificates of the --issuer before it\n"                               \
    "  --crl-interval S   seconds between CRL rounds (default 600)\n"                             \
    "  --crl-timeout S    whole-transfer timeout of a CRL fetch (default 30)\n"                   \
    "  --crl-max-size N   largest CRL in bytes; a larger one is aborted (default\n"               \
    "                     268435456)\n"                                                           \
    "  --crl-max-redirects N  redirects followed per fetch (default 3)\n"                         \
    "  --crl-unreachable-after S\n"                                                               \
    "                     a CRL URL whose fetches have all failed for S seconds is\n"             \
    "                     crl.unreachable (default 3600): a warning, an error once\n"             \
    "                     its last CRL is past nextUpdate\n"

typedef struct cg_cli_crl {
    struct {
        const char *url;
        size_t issuer;
        int is_list;
    } urls[CG_CLI_CRL_MAX_URLS];
    size_t n_urls;
    int use_crldp[CG_CLI_CRL_MAX_ISSUERS];
    int any_crldp;
    int interval;
    /* the fetch limits, unreachable_after; br_profile (monitor
     * --no-br-profile) and series (the monitor's metrics) set before
     * cg_cli_crl_attach */
    cg_crlwatch_opts wo;
    int quiet;
    const cg_logger *log; /* the monitor's log lines; set before cg_cli_crl_attach */
    cg_crlwatch *w;
} cg_cli_crl;

void cg_cli_crl_init(cg_cli_crl *c);
void cg_cli_crl_cleanup(cg_cli_crl *c);
/* One CRL option; n_issuers is the number of --issuer read so far. Returns
 * 1, or 0 after printing a usage error. */
int cg_cli_crl_option(cg_cli_crl *c, int code, const char *arg, size_t n_issuers);
/* From a config file (monitor/config.h), before the flags are read so
 * that flags override it: the [crl] limits, and the CRL keys (crl_url,
 * crl_list_url, use_crldp) of [issuer] number index, numbered as the
 * issuers are later given to cg_cli_crl_add_issuer. The config's strings
 * are borrowed. 0 after printing a usage error. */
void cg_cli_crl_config_limits(cg_cli_crl *c, const cg_monitor_config *cfg);
int cg_cli_crl_config_issuer(cg_cli_crl *c, size_t index, const cg_config_issuer *is);
/* Whether any CRL source was given. */
int cg_cli_crl_wanted(const cg_cli_crl *c);
/* Creates the watcher on the monitor's store and makes it a task of m;
 * then cg_cli_crl_add_issuer for each --issuer in order. 0 after printing
 * why. */
int cg_cli_crl_attach(cg_cli_crl *c, cg_monitor *m);
int cg_cli_crl_add_issuer(cg_cli_crl *c, size_t index, const char *path, const uint8_t *der,
                          size_t len);
/* What the watcher did, for the exit status: fetches that failed. */
size_t cg_cli_crl_errors(const cg_cli_crl *c);

#endif
