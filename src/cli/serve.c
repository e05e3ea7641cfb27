/* caguard serve: the issuance gate as an HTTP service (docs/serve.md).
 * Option parsing, the config file, reading the log lists and CA
 * certificates into a snapshot (again on SIGHUP and every reload
 * interval), and the signal loop; the service is src/serve/. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ct/loglist.h"
#include "ct/loglist_snapshot.h"
#include "monitor/http.h"
#include "obs/sdnotify.h"
#include "rules/prepared.h"
#include "serve/config.h"
#include "serve/service.h"
#include "util/num.h"
#include "util/redact.h"
#include "x509/time.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"

static void serve_help(FILE *f)
{
    fprintf(
        f,
        "usage: caguard serve [OPTIONS]\n\n"
        "Answers \"may I sign this?\" over HTTP: pkimetal's endpoints (POST /lintcert,\n"
        "/linttbscert, /lintcrl, /linttbscrl; GET /linters, /profiles), the native\n"
        "POST /v1/check, and with --store the stateful gate (POST /v1/gate/precert,\n"
        "/v1/gate/cert) that remembers every precertificate it allowed. GET /healthz,\n"
        "GET /metrics (Prometheus). See docs/serve.md.\n\n"
        "options:\n"
        "  --listen ADDR:PORT     where to listen (default " DEFAULT_LISTEN "; port 0 picks one)\n"
        "  --config FILE          [serve], [loglist] and [issuer NAME] cert of the INI file\n"
        "                         the monitor reads; flags override it\n"
        "  --loglist FILE         a CT log list (Chrome v3 or Apple JSON, file or URL);\n"
        "                         repeatable\n"
        "  --loglist-sig FILE     detached signature of the --loglist before it\n"
        "  --loglist-key FILE     public key (PEM or DER) for --loglist-sig\n"
        "  --no-default-loglists  no log list unless one is given (by default, without\n"
        "                         --loglist: the lists shipped with caguard, or those\n"
        "                         'caguard loglist update' fetched; read again on reload)\n"
        "  --no-br-profile        checks without the TLS BR certificate profile (the cert.*\n"
        "                         rules, crl.algorithm_invalid); by default they apply\n"
        "  --ca FILE              CA certificates the checks are made with (PEM or DER);\n"
        "                         repeatable\n"
        "  --store PATH_OR_URI    the gate's store (SQLite path or PostgreSQL URI), shared by\n"
        "                         every gate instance; without it the gate is off\n"
        "  --threads N            worker threads (default: the number of processors)\n"
        "  --max-body BYTES       request body limit (default 1048576; larger: 413)\n"
        "  --timeout SECONDS      a connection idle or stalled this long is closed\n"
        "                         (default 30)\n"
        "  --token-file FILE      every request but GET /healthz must carry\n"
        "                         \"Authorization: Bearer TOKEN\" (the file's first line)\n"
        "  --reload-interval SECONDS  read the log lists and CA certificates again this\n"
        "                         often (also on SIGHUP; default: [loglist] reload_interval,\n"
        "                         else only on SIGHUP)\n"
        "  --no-access-log        no access line per request on standard error\n"
        "  -h, --help             this help\n\n"
        "Signals: SIGHUP reloads the log lists and CA certificates (a list that fails to\n"
        "load keeps the previous ones); SIGTERM and SIGINT stop gracefully (requests in\n"
        "flight are answered).\n"
        "exit status: 0 stopped by a signal, 2 usage error or a file, store or address\n"
        "that cannot be used.\n");
}

typedef struct sources {
    const char *lists[16];
    const char *sigs[16];
    size_t n_lists;
    int defaults; /* no list given and no --no-default-loglists: the snapshot */
    const char *key;
    const char *cas[CG_SERVE_MAX_CAS + 16];
    size_t n_cas;
} sources;

/* A file, or what an http(s) URL serves (16 MiB at most). */
static uint8_t *read_source(const char *path, size_t *len, char *err, size_t errcap)
{
    if (cg_http_is_url(path))
        return cg_http_get(path, 16u * 1024 * 1024, len, err, errcap);
    return cg_cli_read_file(path, len, err, errcap);
}

/* Chrome's lists say when they were published; the oldest counts. */
static void list_time(const uint8_t *data, size_t len, int64_t *t)
{
    json_t *j = json_loadb((const char *)data, len, 0, NULL);
    const char *ts = json_string_value(json_object_get(j, "log_list_timestamp"));
    int64_t v;
    if (ts != NULL && cg_time_parse_rfc3339(ts, &v) && v < *t)
        *t = v;
    json_decref(j);
}

/* A new snapshot from the sources, or NULL with why. */
static cg_prepared *load(const sources *src, int64_t *lists_time, char *err, size_t errcap)
{
    cg_prepared *p = cg_prepared_new();
    uint8_t *key = NULL;
    size_t key_len = 0;
    char why[512];
    *lists_time = (int64_t)time(NULL);
    if (p == NULL) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    if (src->key != NULL) {
        key = cg_cli_read_file(src->key, &key_len, why, sizeof(why));
        if (key == NULL) {
            snprintf(err, errcap, "log list key: %s", why);
            goto fail;
        }
    }
    for (size_t i = 0; i < src->n_lists; i++) {
        size_t len, sig_len;
        uint8_t *data = read_source(src->lists[i], &len, why, sizeof(why));
        if (data == NULL) {
            snprintf(err, errcap, "log list: %s", why);
            goto fail;
        }
        if (src->sigs[i] != NULL) {
            uint8_t *sig = read_source(src->sigs[i], &sig_len, why, sizeof(why));
            int ok = sig != NULL && cg_loglist_verify_signature(data, len, sig, sig_len, key,
                                                                key_len, why, sizeof(why));
            free(sig);
            if (!ok) {
                free(data);
                snprintf(err, errcap, "log list %s: its signature %s does not verify: %s",
                         src->lists[i], src->sigs[i], why);
                goto fail;
            }
        }
        list_time(data, len, lists_time);
        int ok = cg_prepared_add_loglist(p, data, len, src->lists[i], why, sizeof(why));
        free(data);
        if (!ok) {
            snprintf(err, errcap, "log list %s: %s", src->lists[i], why);
            goto fail;
        }
    }
    if (src->n_lists == 0 && src->defaults) {
        cg_loglist_snapshot snap;
        if (!cg_prepared_add_default_loglists(p, &snap, why, sizeof(why))) {
            snprintf(err, errcap, "default log lists: %s (--no-default-loglists runs without)",
                     why);
            goto fail;
        }
        if (snap.timestamp_ms >= 0 && snap.timestamp_ms / 1000 < *lists_time)
            *lists_time = snap.timestamp_ms / 1000;
    }
    for (size_t i = 0; i < src->n_cas; i++) {
        size_t len;
        uint8_t *data = cg_cli_read_file(src->cas[i], &len, why, sizeof(why));
        int ok =
            data != NULL && cg_prepared_add_cas(p, src->cas[i], data, len, NULL, why, sizeof(why));
        free(data);
        if (!ok) {
            snprintf(err, errcap, "CA certificates: %s", why);
            goto fail;
        }
    }
    free(key);
    return p;
fail:
    free(key);
    cg_prepared_free(p);
    return NULL;
}

/* A message that may name a URL (a log list's), its secrets redacted. */
static void say(const char *prefix, const char *msg)
{
    char safe[1200];
    cg_redact(msg, safe, sizeof(safe));
    fprintf(stderr, "caguard serve: %s%s\n", prefix, safe);
}

/* The first line of the token file, without its line break. */
static char *read_token(const char *path, char *err, size_t errcap)
{
    size_t len;
    char why[512];
    uint8_t *data = cg_cli_read_file(path, &len, why, sizeof(why));
    if (data == NULL) {
        snprintf(err, errcap, "--token-file: %s", why);
        return NULL;
    }
    size_t n = 0;
    while (n < len && data[n] != '\n' && data[n] != '\r')
        n++;
    char *tok = malloc(n + 1);
    if (tok != NULL) {
        memcpy(tok, data, n);
        tok[n] = '\0';
    }
    memset(data, 0, len);
    free(data);
    if (tok == NULL || n == 0 || memchr(tok, '\0', n) != NULL) {
        snprintf(err, errcap, "--token-file %s: the first line holds no token", path);
        free(tok);
        return NULL;
    }
    return tok;
}

int cg_cmd_serve(int argc, char **argv)
{
    enum { OPT_CA = 1, OPT_THREADS, OPT_MAX_BODY, OPT_TIMEOUT, OPT_RELOAD };
    cg_serve_config cfg;
    sources src;
    cg_cli_loglists flag_lists;
    const char *config = NULL, *listen = NULL, *store = NULL, *token_file = NULL;
    const char *flag_cas[16];
    size_t n_flag_cas = 0;
    int64_t threads = 0, max_body = 0, timeout = 0, reload = 0;
    int no_access_log = 0, no_br_profile = 0, access_log = -1, rc = CG_EXIT_USAGE;
    char err[1024];
    char *token = NULL;
    cg_serve *s = NULL;
    memset(&flag_lists, 0, sizeof(flag_lists));
    const cg_cli_opt opt[] = {
        {"listen", CG_CLI_OPT_STRING, &listen, 0, NULL},
        {"config", CG_CLI_OPT_STRING, &config, 0, NULL},
        {"loglist", CG_CLI_OPT_LOGLIST, &flag_lists, 0, NULL},
        {"loglist-sig", CG_CLI_OPT_LOGLIST_SIG, &flag_lists, 0, NULL},
        {"loglist-key", CG_CLI_OPT_LOGLIST_KEY, &flag_lists, 0, NULL},
        {"ca", CG_CLI_OPT_KEY_VALUE, NULL, OPT_CA, NULL},
        {"store", CG_CLI_OPT_STRING, &store, 0, NULL},
        {"threads", CG_CLI_OPT_KEY_VALUE, NULL, OPT_THREADS, NULL},
        {"max-body", CG_CLI_OPT_KEY_VALUE, NULL, OPT_MAX_BODY, NULL},
        {"timeout", CG_CLI_OPT_KEY_VALUE, NULL, OPT_TIMEOUT, NULL},
        {"token-file", CG_CLI_OPT_STRING, &token_file, 0, NULL},
        {"reload-interval", CG_CLI_OPT_KEY_VALUE, NULL, OPT_RELOAD, NULL},
        {"no-access-log", CG_CLI_OPT_FLAG, &no_access_log, 0, NULL},
        {"no-default-loglists", CG_CLI_OPT_FLAG, &flag_lists.no_defaults, 0, NULL},
        {"no-br-profile", CG_CLI_OPT_FLAG, &no_br_profile, 0, NULL},
    };
    cg_cli_opts op;
    cg_serve_config_init(&cfg);
    memset(&src, 0, sizeof(src));

    cg_cli_opts_init(&op, "serve", serve_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&op)) != 0;) {
        uint64_t v;
        if (key < 0) {
            rc = op.status;
            goto out;
        }
        switch (key) {
        case OPT_CA:
            if (n_flag_cas == 16) {
                rc = cg_cli_usage_error("serve", "at most 16 --ca");
                goto out;
            }
            flag_cas[n_flag_cas++] = op.value;
            break;
        case OPT_THREADS:
            if (!cg_parse_u64(op.value, 1, 256, &v)) {
                rc = cg_cli_usage_error("serve", "--threads wants 1 to 256");
                goto out;
            }
            threads = (int64_t)v;
            break;
        case OPT_MAX_BODY:
            if (!cg_parse_u64(op.value, 1024, (uint64_t)1 << 30, &v)) {
                rc = cg_cli_usage_error("serve", "--max-body wants 1024 to 1073741824 bytes");
                goto out;
            }
            max_body = (int64_t)v;
            break;
        case OPT_TIMEOUT:
            if (!cg_parse_u64(op.value, 1, 3600, &v)) {
                rc = cg_cli_usage_error("serve", "--timeout wants 1 to 3600 seconds");
                goto out;
            }
            timeout = (int64_t)v;
            break;
        case OPT_RELOAD:
            if (!cg_parse_u64(op.value, 1, 30 * 86400, &v)) {
                rc = cg_cli_usage_error("serve", "--reload-interval wants 1 to 2592000 seconds");
                goto out;
            }
            reload = (int64_t)v;
            break;
        }
    }
    if (no_access_log)
        access_log = 0;
    if (!cg_cli_opts_no_operands("serve", argc, argv))
        goto out;
    if (config != NULL && !cg_serve_config_load(&cfg, config, err, sizeof(err))) {
        say("", err);
        goto out;
    }
    /* Flags override the file; log lists and CAs add to it. */
    if (cfg.loglist != NULL) {
        src.sigs[src.n_lists] = cfg.loglist_sig;
        src.lists[src.n_lists++] = cfg.loglist;
    }
    for (size_t i = 0; i < flag_lists.n; i++) {
        src.sigs[src.n_lists] = flag_lists.sigs[i];
        src.lists[src.n_lists++] = flag_lists.paths[i];
    }
    src.key = flag_lists.key != NULL ? flag_lists.key : cfg.loglist_key;
    src.defaults = !flag_lists.no_defaults;
    for (size_t i = 0; i < src.n_lists; i++) {
        if (src.sigs[i] != NULL && src.key == NULL) {
            rc = cg_cli_usage_error("serve", "--loglist-sig needs --loglist-key");
            goto out;
        }
    }
    for (size_t i = 0; i < cfg.n_cas; i++)
        src.cas[src.n_cas++] = cfg.cas[i];
    for (size_t i = 0; i < n_flag_cas; i++)
        src.cas[src.n_cas++] = flag_cas[i];
    if (reload == 0)
        reload = cfg.reload_interval;
    if (token_file == NULL)
        token_file = cfg.token_file;
    if (token_file != NULL) {
        token = read_token(token_file, err, sizeof(err));
        if (token == NULL) {
            say("", err);
            goto out;
        }
    }

    cg_serve_opts so = {0};
    so.listen = listen != NULL ? listen : cfg.listen != NULL ? cfg.listen : DEFAULT_LISTEN;
    so.threads = (unsigned)(threads != 0 ? threads : cfg.threads);
    so.max_body = (size_t)(max_body != 0 ? max_body : cfg.max_body);
    so.timeout = (unsigned)(timeout != 0 ? timeout : cfg.timeout);
    so.token = token;
    so.store = store != NULL ? store : cfg.store;
    so.no_br_profile = no_br_profile || cfg.br_profile == 0;
    so.access_log = (access_log >= 0 ? access_log : cfg.access_log != 0) ? stderr : NULL;

    int64_t lists_time;
    cg_prepared *p = load(&src, &lists_time, err, sizeof(err));
    if (p == NULL) {
        say("", err);
        goto out;
    }
    size_t n_logs = cg_prepared_n_logs(p), n_cas = cg_prepared_n_cas(p);
    s = cg_serve_new(&so, err, sizeof(err));
    if (s == NULL) {
        cg_prepared_free(p);
        say("", err);
        goto out;
    }
    cg_serve_swap(s, p, lists_time);

    /* The worker threads inherit this mask: only this thread takes the
     * signals, through sigtimedwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!cg_serve_start(s, err, sizeof(err))) {
        say("", err);
        goto out;
    }
    fprintf(stderr, "caguard serve: listening on %s (%zu CT logs, %zu CA certificates, gate %s)\n",
            cg_serve_address(s), n_logs, n_cas, so.store != NULL ? "on" : "off");
    fflush(stderr);
    /* Under systemd (Type=notify): ready now; the watchdog fed from this
     * loop, which wakes at least at half its interval. */
    cg_sdnotify sd;
    cg_sdnotify_init(&sd);
    snprintf(err, sizeof(err), "listening on %s", cg_serve_address(s));
    cg_sdnotify_ready(&sd, err);
    time_t next = reload > 0 ? time(NULL) + reload : 0;
    for (;;) {
        struct timespec ts = {reload > 0 ? (next - time(NULL) > 0 ? next - time(NULL) : 0) : 3600,
                              0};
        if (sd.watchdog_usec > 0 && (uint64_t)ts.tv_sec * 2000000 > sd.watchdog_usec) {
            ts.tv_sec = (time_t)(sd.watchdog_usec / 2000000);
            ts.tv_nsec = (long)(sd.watchdog_usec / 2 % 1000000) * 1000;
        }
        int sig = sigtimedwait(&set, NULL, &ts);
        cg_sdnotify_tick(&sd);
        if (sig == SIGTERM || sig == SIGINT) {
            cg_sdnotify_stopping(&sd);
            fprintf(stderr,
                    "caguard serve: stopping (signal %d): finishing the requests in "
                    "flight\n",
                    sig);
            break;
        }
        if (sig == SIGHUP || (reload > 0 && time(NULL) >= next)) {
            if (sig == SIGHUP)
                cg_sdnotify_reloading(&sd);
            p = load(&src, &lists_time, err, sizeof(err));
            if (p == NULL) {
                say("reload failed, keeping the previous log lists and CA certificates: ", err);
            } else {
                fprintf(stderr, "caguard serve: reloaded (%zu CT logs, %zu CA certificates)\n",
                        cg_prepared_n_logs(p), cg_prepared_n_cas(p));
                cg_serve_swap(s, p, lists_time);
            }
            if (sig == SIGHUP)
                cg_sdnotify_ready(&sd, "reloaded");
            if (reload > 0)
                next = time(NULL) + reload;
        }
    }
    cg_serve_free(s, 30);
    s = NULL;
    fprintf(stderr, "caguard serve: stopped\n");
    rc = CG_EXIT_OK;
out:
    cg_serve_free(s, 0);
    if (token != NULL) {
        memset(token, 0, strlen(token));
        free(token);
    }
    cg_serve_config_clear(&cfg);
    return rc;
}
