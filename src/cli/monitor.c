/* caguard monitor: option parsing around the monitor library
 * (monitor/monitor.h), which follows the logs, verifies them and ingests
 * the entries of the watched issuers into the store. */
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/alert_opts.h"
#include "cli/monitor_config.h"
#include "cli/monitor_crl.h"
#include "cli/monitor_ops.h"
#include "ct/loglist.h"
#include "der/pem.h"
#include "monitor/bugzilla.h"
#include "monitor/loglistwatch.h"
#include "monitor/policywatch.h"
#include "monitor/scopewatch.h"
#include "monitor/alert.h"
#include "monitor/crlfetch.h"
#include "monitor/monitor.h"
#include "monitor/outbox.h"
#include "report/output.h"
#include "store/store.h"
#include "util/num.h"
#include "x509/time.h"
#include "x509/x509.h"

#define MAX_LOGS 16
#define MAX_ISSUERS 64
#define MAX_HOOKS CG_ALERT_MAX_HOOKS

static void monitor_help(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] monitor [OPTIONS] --log URL --log-key FILE...\n"
               "                      (--issuer FILE... | --all-issuers)\n"
               "       caguard [--store PATH_OR_URI] monitor [OPTIONS] --loglist FILE_OR_URL...\n"
               "                      (--issuer FILE... | --all-issuers)\n"
               "       caguard [--store PATH_OR_URI] monitor [OPTIONS] --issuer FILE\n"
               "                      (--crl-url URL | --crl-list-url URL | --crl-dp)...\n\n"
               "Follows CT logs (RFC 6962 or static-ct-api): verifies each log's signed tree\n"
               "heads, that each new one extends the last and that the entries hash to them,\n"
               "keeps the entries of the watched issuers and adds them to the store, where\n"
               "every caguard rule runs on them (a final certificate against its\n"
               "precertificate, duplicate serials across entries and logs). How far each log\n"
               "was read (and the hashes that verify its next tree head) is kept in the\n"
               "store, committed with the certificates and findings of each batch of\n"
               "entries: a monitor stopped at any point goes on where it stopped, skipping\n"
               "nothing and reporting nothing twice.\n"
               "Fetches the CRLs of watched issuers (conditional GET, size and redirect\n"
               "limits) and stores each new one at its fetch time, so a revocation's\n"
               "publication time is when caguard first saw it (docs/monitor.md).\n"
               "Findings new to the store are printed. Without --once it polls every log\n"
               "until SIGINT or SIGTERM (it commits the entries read, then exits 0).\n\n"
               "options:\n"
               "  --config FILE      read the options from an INI file (docs/monitor.md,\n"
               "                     \"Configuration file\"); flags given here override it\n"
               "  --log URL          a log's base URL (…/ct/v1/ is appended); repeatable\n"
               "  --log-key FILE     the public key (PEM or DER) of the --log before it\n"
               "  --log-type rfc6962|static\n"
               "                     the API of the --log before it: RFC 6962 (default) or\n"
               "                     static-ct-api (URL is the monitoring prefix: checkpoint,\n"
               "                     tile/..., issuer/...)\n"
               "  --log-mmd SECONDS  the maximum merge delay of the --log before it (default\n"
               "                     86400): failing for longer is ct.log.unreachable\n"
               "  --log-origin NAME  static-ct-api: the origin the checkpoints of the --log\n"
               "                     before it must name (default: its URL without scheme);\n"
               "                     another is ct.log.checkpoint_origin_mismatch\n"
               "  --log-rate R       at most R entry requests a second to the --log before it\n"
               "                     (a decimal; default: no limit)\n"
               "  --issuer FILE      a CA certificate to watch (PEM or DER); repeatable\n"
               "  --all-issuers      keep every entry\n"
               "  --no-br-profile    do not hold the entries to the TLS BR certificate profile\n"
               "                     (the cert.* rules) nor the CRLs to crl.algorithm_invalid\n"
               "  --once             read each log up to its current tree head, then exit\n"
               "                     (--shared: once every range of it is done, by this\n"
               "                     worker or others)\n"
               "  --from-start       a log seen the first time is read from entry 0 (default)\n"
               "  --from-end         a log seen the first time is read from its current tree\n"
               "                     head on (verified through the last entry's audit path)\n"
               "  --poll-interval S  seconds between tree-head polls when following (default 60)\n"
               "  --batch N          most entries asked per get-entries request (default 1024;\n"
               "                     a log that answers fewer is asked at its own batch)\n"
               "  --parallel N       most entry requests in flight per log (default 32): it\n"
               "                     starts at 4 and grows while more requests make the log\n"
               "                     answer faster\n"
               "  --response-memory MIB\n"
               "                     most MiB of answers held at once, every log and request\n"
               "                     together (4 to 65536, default 64): a larger answer is\n"
               "                     refused, one that does not fit yet waits\n"
               "  --retries N        retries of a failed request, with backoff from 0.5 s\n"
               "                     (default 5)\n"
               "  --round-timeout S  most seconds of a log's round (default 120): its tree\n"
               "                     head, then its entries; a log that stalls is reported\n"
               "                     and read on at the next round, the others wait no longer\n"
               "  --round-workers N  logs whose rounds run at once (1 to 256, default 8); the\n"
               "                     others wait for a turn\n"
               "  --commit-every N   most entries committed in one transaction (default 4096;\n"
               "                     what was read is also committed after 5 seconds, or\n"
               "                     1 without an entry while other logs wait to commit;\n"
               "                     --shared: the length of the ranges of entries the\n"
               "                     workers take; one cut short leaves the rest a range)\n"
               "  --shared           share the work with the other monitors of the same\n"
               "                     PostgreSQL store: each log is cut into ranges that the\n"
               "                     workers lease, read and complete (docs/monitor.md,\n"
               "                     \"Several monitors on one store\")\n"
               "  --worker-id ID     this worker's name in the store's leases (default\n"
               "                     HOSTNAME:PID; --shared)\n"
               "  --lease-seconds S  how long a claimed range is this worker's unless renewed\n"
               "                     (default 60, 5 to 86400; renewed every S/3 while it\n"
               "                     works): a worker that dies loses its ranges after S\n"
               "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
               "  --quiet            no progress or log lines on standard error\n"
               "  --at TIME          evaluation time of the rules, RFC 3339 (default: now)\n"
               "  --loglist FILE     a CT log list (Chrome v3 or Apple JSON; a file or an\n"
               "                     http(s) URL), for the SCT\n"
               "                     checks of the entries; repeatable\n"
               "  --follow-loglist   follow every log of the --loglist(s) that is usable,\n"
               "                     qualified or readonly (readonly: read to its final tree\n"
               "                     head, which must be the list's, else\n"
               "                     ct.log.final_tree_head_mismatch), at its URL (tiled\n"
               "                     logs: monitoring_url, as static-ct-api) with its key\n"
               "                     and MMD; not pending,\n"
               "                     retired, rejected or stateless logs. A --log of the same\n"
               "                     log ID wins. With --loglist-reload, a log newly usable in\n"
               "                     a reloaded list is followed from then on, and the SCT\n"
               "                     checks use the reloaded lists. This is the\n"
               "                     default when --loglist is all there is to monitor (no\n"
               "                     --log, no [log], no CRL)\n"
               "  --no-follow-loglist  use the --loglist(s) only for the SCT checks and\n"
               "                     --loglist-reload, even with nothing else to monitor\n"
               "  --loglist-sig FILE detached signature of the --loglist before it\n"
               "  --loglist-key FILE public key (PEM or DER) for --loglist-sig\n"
               "  --loglist-reload S reload every --loglist each S seconds (and at the start)\n"
               "                     and compare it with the last copy in the store:\n"
               "                     ct.loglist.changed per log changed, added or removed;\n"
               "                     a followed log that moved is followed at its new URL,\n"
               "                     a removed or retired one finished and dropped\n"
               "  --format text|json findings as text (default) or JSON Lines\n" CG_CLI_OPS_HELP
               CG_CLI_CRL_HELP
               "  -h, --help         this help\n\n"
               "which findings are printed and counted in the exit status (every finding is\n"
               "still stored, alerted and drafted as configured):\n" CG_CLI_SELECT_FILTER_HELP
               "\nalerts, for each finding new to the store (docs/monitor.md, \"Alerts\"):\n"
               CG_CLI_ALERT_HELP
               "  --bugzilla-sync S  every S seconds, read the Bugzilla bugs incidents are\n"
               "                     linked to (caguard incident link) and take their new\n"
               "                     comments in (default: not at all; docs/incidents.md)\n"
               "  --ca-account EMAIL one of the CA's Bugzilla accounts, for every linked bug;\n"
               "                     repeatable ([ccadb] ca_accounts)\n"
               "  --bugzilla-api-key-file FILE\n"
               "                     a Bugzilla API key for private and security bugs (one\n"
               "                     line; never printed; [incidents] bugzilla_api_key_file)\n"
               "  --policy-interval S\n"
               "                     every S seconds, fetch the URL of each CP/CPS version in\n"
               "                     effect (caguard policy add): policy.document_changed,\n"
               "                     policy.document_unreachable (default: never;\n"
               "                     docs/policy.md)\n\n"
               "On a terminal, standard error shows a progress line that the logs being read\n"
               "share (per log: position, tree size, entries/s, ETA); otherwise plain lines.\n\n"
               "exit status: with --once, 0 no new error finding, 1 new error findings (log\n"
               "findings included; --fail-on SEV: of SEV or worse, of the rules selected), 2\n"
               "a log or CRL that could not be read, or an alert or\n"
               "incident draft that failed (each is reported on standard error; the monitor\n"
               "goes on); following, 0 when stopped by SIGINT or SIGTERM; 2 on a usage error\n"
               "or a store that cannot be used.\n");
}

static EVP_PKEY *load_key(const char *path, char *err, size_t errcap)
{
    size_t len;
    uint8_t *data = cg_cli_read_file(path, &len, err, errcap);
    if (!data)
        return NULL;
    EVP_PKEY *k = NULL;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (b)
        k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) {
        const unsigned char *p = data;
        k = d2i_PUBKEY(NULL, &p, (long)len);
    }
    free(data);
    if (!k)
        snprintf(err, errcap, "%s: not a public key (PEM or DER SubjectPublicKeyInfo)", path);
    return k;
}

/* The first object of an --issuer file, as DER. */
static uint8_t *load_issuer(const char *path, size_t *der_len, char *err, size_t errcap)
{
    size_t len;
    uint8_t *data = cg_cli_read_file(path, &len, err, errcap), *der = NULL;
    if (!data)
        return NULL;
    cg_input in;
    cg_input_obj obj;
    cg_der_error derr;
    cg_input_init(&in, data, len);
    if (cg_input_next(&in, &obj, &derr) != CG_INPUT_OBJECT) {
        snprintf(err, errcap, "%s: no certificate", path);
        goto out;
    }
    der = malloc(obj.der_len);
    if (!der) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    memcpy(der, obj.der, obj.der_len);
    *der_len = obj.der_len;
out:
    cg_input_cleanup(&in);
    free(data);
    return der;
}

/* The log-list watcher's lines (arg is the monitor's log; --quiet keeps
 * the errors only). */
static void loglist_line(void *arg, int is_error, const char *msg)
{
    cg_logger_say(arg, is_error ? CG_LOGGER_WARNING : CG_LOGGER_INFO, "%s", msg);
}

/* The outbox, from the monitor's loop (a retry's time may have come). */
static int outbox_task(void *arg, cg_monitor *m, int64_t now)
{
    (void)m;
    return cg_outbox_run(arg, now);
}

/* Keys of the worker options (after the CRL ones). */
enum {
    OPT_WORKER_ID = CG_CLI_OPT_CRL_LAST + 100,
    OPT_LEASE_SECONDS,
    OPT_LOG_FORMAT,
    OPT_BUGZILLA_SYNC,
    OPT_CA_ACCOUNT,
    OPT_POLICY_INTERVAL,
    OPT_BUGZILLA_KEY,
    OPT_ROUND_TIMEOUT,
    OPT_ROUND_WORKERS
};

/* The alerts' and automatic incidents' lines: what failed, mostly. */
static void report_line(void *arg, const char *line)
{
    cg_logger_say(arg, CG_LOGGER_WARNING, "%s", line);
}

/* The monitor a signal stops, and whether the stop is a reload (SIGHUP):
 * the one state a signal handler may touch. */
static cg_monitor *running;
static volatile sig_atomic_t reload_wanted;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_wanted = 1;
    if (running)
        cg_monitor_stop(running);
}

/* SIGHUP: is the config as it now is one the monitor can start with? The
 * same load as at the start (every file it names checked); 1, or 0 with
 * the reason logged and the monitor going on as it was. */
static int reload_ok(const cg_cli_monitor_config *mc, const cg_logger *lg)
{
    cg_monitor_config cfg;
    char err[1024];
    int ok;
    if (mc->cfg.file == NULL)
        return 1; /* flags only: nothing to read again but the files they name */
    cg_monitor_config_init(&cfg);
    ok = cg_monitor_config_load(&cfg, mc->cfg.file, err, sizeof(err));
    cg_monitor_config_clear(&cfg);
    if (!ok)
        cg_logger_say(lg, CG_LOGGER_ERROR,
                      "reload refused, going on with the configuration in use: %s", err);
    return ok;
}

/* A log's answers come and go in buffers of megabytes (a get-entries
 * answer of 5.3 MB on the benchmark's log, held packed in 1.5 MB), several
 * at once while the log is far away. glibc adjusts its thresholds to them
 * on the fly (a buffer as large as the last one freed is mapped afresh;
 * the top of an arena is given back to the system once twice that is
 * free there), and the next answers then fault in fresh pages: twice the
 * page faults at 50 ms as at 0 ms and 10% more CPU (docs/performance.md,
 * "A log 50 ms away"). Fixed thresholds keep up to 16 MiB of an arena's
 * free top for the next answers; a buffer of 32 MiB or more is mapped on
 * its own. What is held is bounded as before (the window's bytes,
 * --response-memory). */
static void keep_answer_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

int cg_cmd_monitor(int argc, char **argv)
{
    cg_cli_crl crl;
    cg_cli_monitor_config mc;
    const char *urls[MAX_LOGS], *keys[MAX_LOGS], *issuers[MAX_ISSUERS];
    cg_monitor_log_type types[MAX_LOGS];
    int typed[MAX_LOGS];
    uint64_t bz_sync = 0;
    const char *ca_accounts[MAX_HOOKS];
    size_t n_ca_accounts = 0;
    cg_bz_task *bz = NULL;
    cg_scope_watch *scope = NULL;
    cg_cli_alerts al;
    uint64_t policy_interval = 0;
    char bz_key[CG_BZ_API_KEY_MAX + 1] = "", bz_err[1200];
    int has_bz_key = 0;
    cg_policy_watch *pw = NULL;
    cg_alert *alert = NULL;
    cg_outbox *ob = NULL;
    char owner_buf[300];
    size_t n_logs = 0, n_iss = 0;
    int no_br_profile = 0;
    int all = 0, once = 0, quiet = 0, from_end = 0, shared = 0, rc = CG_EXIT_USAGE;
    cg_cli_select sel;
    int follow_list = 0, follow_failed = 0, no_follow = 0;
    const char *worker_id = NULL;
    char worker_buf[300];
    uint64_t lease = 60;
    cg_store *lease_store = NULL;
    int64_t mmds[MAX_LOGS] = {0};
    const char *origins[MAX_LOGS] = {0};
    double rates[MAX_LOGS] = {0};
    uint64_t reload = 0, poll = 60, batch = 0, parallel = 0, range = 0, retries = 0, v;
    uint64_t response_mib = 0, round_timeout = 0, round_workers = 0;
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    EVP_PKEY *pk[MAX_LOGS] = {0};
    cg_out *out = NULL;
    cg_store *store = NULL;
    cg_monitor *mon = NULL;
    int64_t at = INT64_MIN;
    cg_cli_loglists lists;
    cg_loglist *loglist = NULL;
    cg_loglist_watch *llw = NULL;
    char err[1024];
    cg_cli_ops ops;
    const char *metrics_listen = NULL;
    int reexec = 0;

    /* a finding printed from the outbox is never cut at a block */
    cg_cli_stdout_by_line();

    cg_cli_ops_init(&ops);
    memset(&lists, 0, sizeof(lists));
    cg_cli_crl_init(&crl);
    cg_cli_alerts_init(&al);
    cg_cli_select_init(&sel);
    const cg_cli_opt opt[] = {
        {"log", CG_CLI_OPT_KEY_VALUE, NULL, 'l', NULL},
        {"log-key", CG_CLI_OPT_KEY_VALUE, NULL, 'k', NULL},
        {"log-type", CG_CLI_OPT_KEY_VALUE, NULL, 'Y', NULL},
        {"issuer", CG_CLI_OPT_KEY_VALUE, NULL, 'i', NULL},
        {"all-issuers", CG_CLI_OPT_FLAG, &all, 0, NULL},
        {"no-br-profile", CG_CLI_OPT_FLAG, &no_br_profile, 0, NULL},
        {"once", CG_CLI_OPT_FLAG, &once, 0, NULL},
        {"from-start", CG_CLI_OPT_KEY, NULL, 's', NULL},
        {"from-end", CG_CLI_OPT_KEY, NULL, 'e', NULL},
        {"log-mmd", CG_CLI_OPT_KEY_VALUE, NULL, 'M', NULL},
        {"log-origin", CG_CLI_OPT_KEY_VALUE, NULL, 'O', NULL},
        {"log-rate", CG_CLI_OPT_KEY_VALUE, NULL, 'N', NULL},
        {"poll-interval", CG_CLI_OPT_KEY_VALUE, NULL, 'P', NULL},
        {"batch", CG_CLI_OPT_KEY_VALUE, NULL, 'B', NULL},
        {"parallel", CG_CLI_OPT_KEY_VALUE, NULL, 'R', NULL},
        {"response-memory", CG_CLI_OPT_KEY_VALUE, NULL, 'Q', NULL},
        {"commit-every", CG_CLI_OPT_KEY_VALUE, NULL, 'C', NULL},
        {"retries", CG_CLI_OPT_KEY_VALUE, NULL, 'T', NULL},
        {"round-timeout", CG_CLI_OPT_KEY_VALUE, NULL, OPT_ROUND_TIMEOUT, NULL},
        {"round-workers", CG_CLI_OPT_KEY_VALUE, NULL, OPT_ROUND_WORKERS, NULL},
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        CG_CLI_SELECT_OPTS(&sel),
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"at", CG_CLI_OPT_TIME, &at, 0, NULL},
        {"loglist", CG_CLI_OPT_LOGLIST, &lists, 0, NULL},
        {"loglist-sig", CG_CLI_OPT_LOGLIST_SIG, &lists, 0, NULL},
        {"loglist-key", CG_CLI_OPT_LOGLIST_KEY, &lists, 0, NULL},
        {"loglist-reload", CG_CLI_OPT_KEY_VALUE, NULL, 'W', NULL},
        {"follow-loglist", CG_CLI_OPT_FLAG, &follow_list, 0, NULL},
        {"no-follow-loglist", CG_CLI_OPT_FLAG, &no_follow, 0, NULL},
        CG_CLI_ALERT_OPTIONS(&al),
        {"bugzilla-sync", CG_CLI_OPT_KEY_VALUE, NULL, OPT_BUGZILLA_SYNC, NULL},
        {"ca-account", CG_CLI_OPT_KEY_VALUE, NULL, OPT_CA_ACCOUNT, NULL},
        {"policy-interval", CG_CLI_OPT_KEY_VALUE, NULL, OPT_POLICY_INTERVAL, NULL},
        {"bugzilla-api-key-file", CG_CLI_OPT_KEY_VALUE, NULL, OPT_BUGZILLA_KEY, NULL},
        {"shared", CG_CLI_OPT_FLAG, &shared, 0, NULL},
        {"worker-id", CG_CLI_OPT_KEY_VALUE, NULL, OPT_WORKER_ID, NULL},
        {"lease-seconds", CG_CLI_OPT_KEY_VALUE, NULL, OPT_LEASE_SECONDS, NULL},
        {"log-format", CG_CLI_OPT_KEY_VALUE, NULL, OPT_LOG_FORMAT, NULL},
        {"metrics-listen", CG_CLI_OPT_STRING, &metrics_listen, 0, NULL},
        {"config", CG_CLI_OPT_KEY_VALUE, NULL, 'g', NULL},
        CG_CLI_CRL_OPTIONS,
    };
    /* The file's keys become flags before the command line's own. */
    if (cg_cli_monitor_config_expand(&mc, "monitor", CG_CLI_CONFIG_MONITOR, argc, argv, opt,
                                     CG_CLI_NOPT(opt)) != CG_EXIT_OK)
        goto out;
    argc = mc.argc;
    argv = mc.argv;
    cg_cli_opts p;
    cg_cli_opts_init(&p, "monitor", monitor_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int c; (c = cg_cli_opts_next(&p)) != 0;) {
        if (c < 0) {
            rc = p.status;
            goto out;
        }
        switch (c) {
        case 'l':
            if (n_logs == MAX_LOGS) {
                rc = cg_cli_usage_error("monitor", "at most %d --log", MAX_LOGS);
                goto out;
            }
            /* A log is read over HTTP: anything else (file://, ftp://) is
             * refused here, not retried as a log that does not answer. */
            if (!cg_crlfetch_url_ok(p.value)) {
                rc = cg_cli_usage_error("monitor", "--log '%s' is not an http:// or https:// "
                                        "URL with a host", p.value);
                goto out;
            }
            urls[n_logs] = p.value;
            types[n_logs] = CG_MONITOR_LOG_RFC6962;
            typed[n_logs] = 0;
            keys[n_logs++] = NULL;
            break;
        case 'Y':
            if (n_logs == 0 || typed[n_logs - 1]) {
                rc = cg_cli_usage_error("monitor", "--log-type must follow the --log it is for");
                goto out;
            }
            if (strcmp(p.value, "rfc6962") == 0) {
                types[n_logs - 1] = CG_MONITOR_LOG_RFC6962;
            } else if (strcmp(p.value, "static") == 0) {
                types[n_logs - 1] = CG_MONITOR_LOG_STATIC;
            } else {
                rc = cg_cli_usage_error("monitor", "--log-type must be rfc6962 or static");
                goto out;
            }
            typed[n_logs - 1] = 1;
            break;
        case 'k':
            if (n_logs == 0 || keys[n_logs - 1] != NULL) {
                rc = cg_cli_usage_error("monitor", "--log-key must follow the --log it is for");
                goto out;
            }
            keys[n_logs - 1] = p.value;
            break;
        case 'i':
            if (n_iss == MAX_ISSUERS) {
                rc = cg_cli_usage_error("monitor", "at most %d --issuer", MAX_ISSUERS);
                goto out;
            }
            issuers[n_iss++] = p.value;
            break;
        case 's':
            from_end = 0;
            break;
        case 'e':
            from_end = 1;
            break;
        case 'M':
            if (n_logs == 0 || mmds[n_logs - 1] != 0 ||
                !cg_parse_u64(p.value, 1, 86400 * 365, &v)) {
                rc = cg_cli_usage_error("monitor", "--log-mmd takes seconds (1 to a year) and "
                                                   "follows the --log it is for");
                goto out;
            }
            mmds[n_logs - 1] = (int64_t)v;
            break;
        case 'O':
            if (n_logs == 0 || origins[n_logs - 1] != NULL || p.value[0] == '\0') {
                rc = cg_cli_usage_error("monitor", "--log-origin takes a name and follows the "
                                                   "--log it is for, once");
                goto out;
            }
            origins[n_logs - 1] = p.value;
            break;
        case 'N': {
            char *end;
            double r = strtod(p.value, &end);
            if (n_logs == 0 || rates[n_logs - 1] != 0 || end == p.value || *end != '\0' ||
                !(r > 0 && r <= 10000)) {
                rc = cg_cli_usage_error("monitor", "--log-rate takes requests a second (more "
                                                   "than 0, at most 10000) and follows the "
                                                   "--log it is for");
                goto out;
            }
            rates[n_logs - 1] = r;
            break;
        }
        case 'P':
            if (!cg_parse_u64(p.value, 1, 86400, &poll)) {
                rc = cg_cli_usage_error("monitor", "--poll-interval takes 1 to 86400 seconds");
                goto out;
            }
            break;
        case 'B':
            if (!cg_parse_u64(p.value, 1, 100000, &batch)) {
                rc = cg_cli_usage_error("monitor", "--batch takes 1 to 100000 entries");
                goto out;
            }
            break;
        case 'R':
            if (!cg_parse_u64(p.value, 1, 256, &parallel)) {
                rc = cg_cli_usage_error("monitor", "--parallel takes 1 to 256 requests");
                goto out;
            }
            break;
        case 'Q':
            if (!cg_parse_u64(p.value, 1, 65536, &v) || v < 4) {
                rc = cg_cli_usage_error("monitor", "--response-memory takes 4 to 65536 MiB");
                goto out;
            }
            response_mib = v;
            break;
        case 'T':
            if (!cg_parse_u64(p.value, 1, 100, &retries)) {
                rc = cg_cli_usage_error("monitor", "--retries takes 1 to 100");
                goto out;
            }
            break;
        case 'C':
            if (!cg_parse_u64(p.value, 1, 100000000, &range)) {
                rc = cg_cli_usage_error("monitor", "--commit-every takes 1 to 100000000 entries");
                goto out;
            }
            break;
        case 'W':
            if (!cg_parse_u64(p.value, 1, 30 * 86400, &reload)) {
                rc = cg_cli_usage_error("monitor", "--loglist-reload takes 1 to 2592000 seconds");
                goto out;
            }
            break;
        case OPT_BUGZILLA_SYNC:
            if (!cg_parse_u64(p.value, 1, 7 * 86400, &bz_sync)) {
                rc = cg_cli_usage_error("monitor",
                                        "--bugzilla-sync takes 1 to 604800 seconds, not '%s'",
                                        p.value);
                goto out;
            }
            break;
        case OPT_POLICY_INTERVAL:
            if (!cg_parse_u64(p.value, 1, 30 * 86400, &policy_interval)) {
                rc = cg_cli_usage_error("monitor",
                                        "--policy-interval takes 1 to 2592000 seconds, not '%s'",
                                        p.value);
                goto out;
            }
            break;
        case OPT_BUGZILLA_KEY:
            if (!cg_bz_read_api_key(p.value, bz_key, bz_err, sizeof(bz_err))) {
                rc = cg_cli_usage_error("monitor", "%s", bz_err);
                goto out;
            }
            has_bz_key = 1;
            break;
        case OPT_CA_ACCOUNT:
            if (n_ca_accounts == MAX_HOOKS || strchr(p.value, '@') == NULL ||
                strchr(p.value, ',') != NULL) {
                rc = cg_cli_usage_error("monitor",
                                        "--ca-account takes a Bugzilla login (a mail address), "
                                        "at most %d, not '%s'",
                                        MAX_HOOKS, p.value);
                goto out;
            }
            ca_accounts[n_ca_accounts++] = p.value;
            break;
        case OPT_WORKER_ID:
            if (p.value[0] == '\0' || strlen(p.value) > 200) {
                rc = cg_cli_usage_error("monitor", "--worker-id takes 1 to 200 characters");
                goto out;
            }
            worker_id = p.value;
            break;
        case OPT_LOG_FORMAT:
            if (!cg_logger_format_parse(p.value, &ops.log.format)) {
                rc = cg_cli_usage_error("monitor", "--log-format must be text or json, not '%s'",
                                        p.value);
                goto out;
            }
            break;
        case OPT_ROUND_TIMEOUT:
            if (!cg_parse_u64(p.value, 1, 86400, &round_timeout)) {
                rc = cg_cli_usage_error("monitor", "--round-timeout takes 1 to 86400 seconds");
                goto out;
            }
            break;
        case OPT_ROUND_WORKERS:
            if (!cg_parse_u64(p.value, 1, 256, &round_workers)) {
                rc = cg_cli_usage_error("monitor", "--round-workers takes 1 to 256 logs");
                goto out;
            }
            break;
        case OPT_LEASE_SECONDS:
            if (!cg_parse_u64(p.value, 1, 86400, &v) || v < 5) {
                rc = cg_cli_usage_error("monitor", "--lease-seconds takes 5 to 86400 seconds");
                goto out;
            }
            lease = v;
            break;
        case 'g': /* taken out by cg_cli_monitor_config_expand */
            break;
        default: /* the alert and CRL options */
            if (cg_cli_alert_key(c) ? !cg_cli_alert_option(&al, "monitor", c, p.value)
                                    : !cg_cli_crl_option(&crl, c, p.value, n_iss))
                goto out;
            break;
        }
    }
    if (!cg_cli_opts_no_operands("monitor", argc, argv))
        goto out;
    /* The monitor's --quiet keeps its meaning: no progress or log lines.
     * Its findings are still printed (standard output is one of the
     * outbox's deliveries); the selection chooses which, and what the exit
     * status counts. */
    quiet = sel.quiet;
    sel.quiet = 0;
    if (cg_cli_select_build(&sel, "monitor") != CG_EXIT_OK)
        goto out;
    ops.log.quiet = quiet;
    if (follow_list && lists.n == 0) {
        rc = cg_cli_usage_error("monitor", "--follow-loglist needs a --loglist to follow");
        goto out;
    }
    if (follow_list && no_follow) {
        rc = cg_cli_usage_error("monitor", "--follow-loglist and --no-follow-loglist together");
        goto out;
    }
    /* A log list and nothing else to monitor: the list's logs are the ones
     * to follow. With --log, [log] or CRLs the list is for the SCT checks
     * (and its changes) unless --follow-loglist says otherwise. */
    if (!follow_list && !no_follow && lists.n > 0 && n_logs == 0 && mc.cfg.n_logs == 0 &&
        !cg_cli_crl_wanted(&crl))
        follow_list = 1;
    if (n_logs == 0 && mc.cfg.n_logs == 0 && !cg_cli_crl_wanted(&crl) && reload == 0 &&
        !follow_list) {
        rc = cg_cli_usage_error("monitor", "no --log, no --loglist to follow, no CRL to fetch and "
                                           "no log list to reload");
        goto out;
    }
    if (!all && n_iss == 0) {
        rc = cg_cli_usage_error("monitor", "no --issuer and no --all-issuers");
        goto out;
    }
    for (size_t i = 0; i < n_logs; i++) {
        if (keys[i] == NULL) {
            rc = cg_cli_usage_error("monitor", "--log %s has no --log-key", urls[i]);
            goto out;
        }
        pk[i] = load_key(keys[i], err, sizeof(err));
        if (!pk[i]) {
            rc = cg_cli_usage_error("monitor", "--log-key: %s", err);
            goto out;
        }
    }
    /* Bound before the store is opened: an address in use is a usage error
     * that leaves nothing behind. */
    if (metrics_listen != NULL && !cg_cli_ops_metrics(&ops, metrics_listen, err, sizeof(err))) {
        rc = cg_cli_usage_error("monitor", "--metrics-listen %s: %s", metrics_listen, err);
        goto out;
    }
    if (ops.httpd != NULL)
        cg_logger_say(&ops.log, CG_LOGGER_INFO, "metrics at http://%s/metrics", ops.listen);
    if (cg_cli_alerts_new(&al, "monitor", report_line, &ops.log, &alert) != CG_EXIT_OK)
        goto out;
    if (alert != NULL)
        cg_alert_set_series(alert, ops.series);
    out = cg_out_new(stdout, format, 0);
    if (!out)
        goto out;
    cg_ctx lctx;
    sel.next = cg_out_sink;
    sel.next_arg = out;
    cg_ctx_init(&lctx, at != INT64_MIN ? at : (int64_t)time(NULL), cg_cli_select_sink, &sel);
    if (cg_cli_loglists_load(&lists, "monitor", &lctx, &loglist) != CG_EXIT_OK)
        goto out;
    if (shared) {
        const char *uri = cg_cli_store_uri(store_opt);
        if (strncmp(uri, "postgresql://", 13) != 0 && strncmp(uri, "postgres://", 11) != 0) {
            rc = cg_cli_usage_error("monitor",
                                    "--shared needs a PostgreSQL store (--store "
                                    "postgresql://...), not %s: an SQLite store takes one "
                                    "writer at a time, so monitors cannot share its work",
                                    cg_cli_store_shown(store_opt, err, sizeof(err)));
            goto out;
        }
        if (worker_id == NULL)
            worker_id = cg_cli_host_pid(worker_buf, sizeof(worker_buf));
    } else if (worker_id != NULL || lease != 60) {
        rc = cg_cli_usage_error("monitor", "--worker-id and --lease-seconds need --shared");
        goto out;
    }
    store = cg_cli_store_open("monitor", store_opt, CG_STORE_CREATE);
    if (!store)
        goto out;
    /* Leases are renewed on a connection of their own, outside the range's
     * open transaction. */
    if (shared && !(lease_store = cg_cli_store_open("monitor", store_opt, 0)))
        goto out;
    cg_monitor_opts mo;
    memset(&mo, 0, sizeof(mo));
    mo.at = at;
    mo.loglist = loglist;
    mo.all_issuers = all;
    mo.no_br_profile = no_br_profile;
    mo.quiet = quiet;
    mo.progress = isatty(STDERR_FILENO);
    mo.from_end = from_end;
    mo.poll_interval = (int)poll;
    mo.batch = batch;
    mo.parallel = (unsigned)parallel;
    mo.response_memory = (size_t)response_mib << 20;
    mo.round_timeout = (int)round_timeout;
    mo.round_workers = (unsigned)round_workers;
    mo.range = range;
    mo.max_retries = (unsigned)retries;
    mo.shared = shared;
    mo.worker_id = worker_id;
    mo.lease_seconds = (int)lease;
    mo.lease_store = lease_store;
    /* What a new finding is owed (printing it, its draft, its alerts) is
     * recorded with it and delivered from the store's outbox after each
     * commit; what an earlier monitor left undelivered goes first. */
    cg_outbox_config oc;
    cg_cli_alerts_outbox(&al, &oc, store, out, alert,
                         worker_id != NULL ? worker_id
                                           : cg_cli_host_pid(owner_buf, sizeof(owner_buf)));
    oc.exclusive = !shared;
    oc.print_skip = sel.skip;
    oc.report = report_line;
    oc.report_arg = &ops.log;
    ob = cg_outbox_new(&oc, err, sizeof(err));
    if (ob == NULL) {
        cg_cli_store_error("monitor", store_opt, "%s", err);
        goto out;
    }
    if (!cg_outbox_run(ob, (int64_t)time(NULL)))
        goto out;
    mo.logger = &ops.log;
    mo.series = ops.series;
    mo.tick = cg_cli_ops_tick;
    mo.tick_arg = &ops;
    keep_answer_memory();
    mon = cg_monitor_new(store, &mo, err, sizeof(err));
    /* The new findings selected are counted with the log lists' for the
     * exit status; the outbox prints them. */
    sel.next = NULL;
    if (!mon || !cg_monitor_on_finding(mon, cg_outbox_sink, ob) ||
        !cg_monitor_on_batch_end(mon, cg_outbox_sink_end, ob) ||
        !cg_monitor_on_finding(mon, cg_cli_select_sink, &sel) ||
        !cg_monitor_add_task(mon, 1, outbox_task, ob)) {
        fprintf(stderr, "caguard monitor: out of memory\n");
        goto out;
    }
    crl.quiet = quiet;
    crl.log = &ops.log;
    crl.wo.series = ops.series;
    crl.wo.br_profile = !no_br_profile;
    if (cg_cli_crl_wanted(&crl) && !cg_cli_crl_attach(&crl, mon))
        goto out;
    /* incident.scope_incomplete judged again as objects arrive */
    scope = cg_scope_watch_attach(mon);
    if (scope == NULL) {
        fprintf(stderr, "caguard monitor: out of memory\n");
        goto out;
    }
    if (policy_interval > 0) {
        pw = cg_policy_watch_attach(mon, (int)policy_interval, &ops.log);
        if (pw == NULL) {
            fprintf(stderr, "caguard monitor: out of memory\n");
            goto out;
        }
    }
    if (bz_sync > 0) {
        bz = cg_bz_add_to_monitor(mon, (int)bz_sync, ca_accounts, n_ca_accounts,
                                  has_bz_key ? bz_key : NULL, &ops.log);
        if (bz == NULL) {
            fprintf(stderr, "caguard monitor: out of memory\n");
            goto out;
        }
    }
    if (reload > 0) {
        if (lists.n == 0) {
            rc = cg_cli_usage_error("monitor", "--loglist-reload needs a --loglist to reload");
            goto out;
        }
        llw = cg_loglist_watch_new(lists.key, loglist_line, &ops.log);
        for (size_t i = 0; llw != NULL && i < lists.n; i++)
            if (!cg_loglist_watch_add(llw, lists.paths[i], lists.sigs[i]))
                goto out;
        if (llw == NULL || !cg_loglist_watch_attach(llw, mon, (int)reload)) {
            fprintf(stderr, "caguard monitor: out of memory\n");
            goto out;
        }
        cg_loglist_watch_set_follow(llw, follow_list);
    }
    for (size_t i = 0; i < n_iss; i++) {
        size_t len = 0;
        uint8_t *der = load_issuer(issuers[i], &len, err, sizeof(err));
        int ok = der && cg_monitor_add_issuer(mon, issuers[i], der, len, err, sizeof(err));
        if (ok && crl.w != NULL && !cg_cli_crl_add_issuer(&crl, i, issuers[i], der, len)) {
            free(der);
            goto out;
        }
        free(der);
        if (!ok) {
            rc = cg_cli_usage_error("monitor", "--issuer: %s", err);
            goto out;
        }
    }
    for (size_t i = 0; i < n_logs; i++) {
        cg_monitor_log ml;
        memset(&ml, 0, sizeof(ml));
        ml.url = urls[i];
        ml.key = pk[i];
        ml.type = types[i];
        ml.mmd = mmds[i];
        ml.origin = origins[i];
        ml.max_rps = rates[i];
        if (!cg_monitor_add_log(mon, &ml)) {
            rc = cg_cli_usage_error("monitor", "--log: %s", cg_monitor_errmsg(mon));
            goto out;
        }
    }
    if (!cg_cli_monitor_config_add_logs(&mc, mon))
        goto out;
    /* After --log and [log]: those win over the list's entry for their log. */
    if (follow_list) {
        size_t added = 0;
        follow_failed = !cg_loglist_follow(mon, loglist, loglist_line, &ops.log, &added);
        cg_logger_say(&ops.log, CG_LOGGER_INFO, "%zu log%s of the log list followed", added,
                      added == 1 ? "" : "s");
    }
    running = mon;
    cg_cli_on_signals(on_signal, 1);
    snprintf(err, sizeof(err), "following %zu log%s%s%s%s", cg_monitor_n_logs(mon),
             cg_monitor_n_logs(mon) == 1 ? "" : "s", cg_cli_crl_wanted(&crl) ? ", CRLs" : "",
             ops.httpd != NULL ? "; metrics at " : "", ops.httpd != NULL ? ops.listen : "");
    cg_sdnotify_ready(&ops.sd, err);
    int ran;
    for (;;) {
        ran = cg_monitor_run(mon, once);
        if (!ran || !reload_wanted)
            break;
        /* SIGHUP: start again with the config as it now is, or go on. */
        reload_wanted = 0;
        if (reload_ok(&mc, &ops.log)) {
            cg_sdnotify_reloading(&ops.sd);
            cg_logger_say(&ops.log, CG_LOGGER_INFO,
                          "reloading: the current range is committed; starting again with the "
                          "configuration");
            reexec = 1;
            break;
        }
        cg_monitor_resume(mon);
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    running = NULL;
    /* --once: everything due delivered; a stop: the hook running is let
     * finish, the rest waits for the next monitor. */
    int delivered = cg_outbox_finish(ob, once);
    fflush(stdout);
    if (!reexec)
        cg_sdnotify_stopping(&ops.sd);
    if (!ran) {
        cg_cli_store_error("monitor", store_opt, "%s", cg_monitor_errmsg(mon));
        goto out;
    }
    const cg_monitor_stats *stats = cg_monitor_get0_stats(mon);
    const cg_outbox_stats *ns = cg_outbox_get0_stats(ob);
    if (al.auto_incidents)
        cg_logger_say(&ops.log, CG_LOGGER_INFO,
                      "%zu incident draft%s opened, %zu object%s added to open incidents "
                      "('caguard incident list')",
                      ns->incidents_opened, ns->incidents_opened == 1 ? "" : "s",
                      ns->incidents_added, ns->incidents_added == 1 ? "" : "s");
    if (!once)
        rc = CG_EXIT_OK; /* stopped by a signal: the findings went out as they came */
    else if (stats->log_failures > 0 || stats->task_failures > 0 ||
             cg_cli_crl_errors(&crl) > 0 || follow_failed)
        rc = CG_EXIT_USAGE;
    else if (!delivered || ns->alert_failures > 0 || ns->incident_failures > 0)
        rc = CG_EXIT_USAGE;
    else if (cg_cli_select_failed(&sel, sel.count))
        rc = CG_EXIT_FINDINGS;
    else
        rc = CG_EXIT_OK;
out:
    cg_monitor_free(mon);
    cg_bz_task_free(bz);
    OPENSSL_cleanse(bz_key, sizeof(bz_key));
    cg_scope_watch_free(scope);
    cg_policy_watch_free(pw);
    cg_loglist_watch_free(llw);
    cg_cli_crl_cleanup(&crl);
    cg_cli_monitor_config_cleanup(&mc);
    cg_outbox_free(ob);
    cg_alert_free(alert);
    cg_store_close(store);
    cg_store_close(lease_store);
    cg_out_free(out);
    cg_loglist_free(loglist);
    for (size_t i = 0; i < MAX_LOGS; i++)
        EVP_PKEY_free(pk[i]);
    cg_cli_ops_cleanup(&ops);
    /* After every resource is let go (the store closed, the metrics port
     * free), the process becomes the new monitor. */
    if (reexec && !cg_cli_reexec(err, sizeof(err))) {
        cg_logger_say(&ops.log, CG_LOGGER_ERROR, "reload: %s", err);
        rc = CG_EXIT_USAGE;
    }
    return rc;
}
