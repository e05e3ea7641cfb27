/* The INI configuration of `caguard monitor --config FILE` (docs/monitor.md,
 * "Configuration file"), parsed with libinih into one struct that the
 * monitor, the CRL watcher, the alerts and the log-list follower read.
 * Command-line flags override its fields after the load.
 *
 * Strict: an unknown section or key, a section or a key given twice (but
 * the repeatable keys), a value that is not of its type or is out of its
 * range, a required key that is missing, a file the config names that
 * cannot be read: the load fails with "FILE:LINE: what" in err and the
 * config is left as cg_monitor_config_init made it. Relative paths are
 * resolved against the directory of the config file.
 *
 * Ownership: a cg_monitor_config owns every string and array it points at;
 * cg_monitor_config_clear frees them. */
#ifndef CAGUARD_MONITOR_CONFIG_H
#define CAGUARD_MONITOR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "report/output.h"
#include "rules/rules.h"

/* Limits of one file, so a hostile config cannot make the monitor allocate
 * without bound. */
#define CG_CONFIG_MAX_BYTES (1024 * 1024)
#define CG_CONFIG_MAX_LINE 198 /* bytes, without the line break: libinih's limit */
#define CG_CONFIG_MAX_LOGS 1024
#define CG_CONFIG_MAX_ISSUERS 1024
#define CG_CONFIG_MAX_REPEAT 64 /* values of one repeatable key */
#define CG_CONFIG_MAX_NAME 40   /* NAME of [log NAME] and [issuer NAME] */

#define CG_CONFIG_DEFAULT_SENDMAIL "/usr/sbin/sendmail"

typedef enum { CG_CONFIG_LOG_RFC6962, CG_CONFIG_LOG_STATIC } cg_config_log_type;
typedef enum { CG_CONFIG_FROM_START, CG_CONFIG_FROM_END } cg_config_start;

/* The values of a repeatable key, in file order. */
typedef struct cg_config_strv {
    char **v;
    size_t n;
    size_t cap; /* of v (cg_grow) */
} cg_config_strv;

/* [log NAME] */
typedef struct cg_config_log {
    char *name;
    char *url;   /* RFC 6962: the base URL (".../ct/v1/" is appended); static: the
                    monitoring prefix (".../checkpoint" is appended) */
    char *key;   /* path of the log's public key, PEM or DER SubjectPublicKeyInfo */
    int type;    /* cg_config_log_type; default rfc6962 */
    int64_t mmd; /* seconds; default 86400 */
    char *origin; /* static: the origin its checkpoints name; NULL: the url's, no scheme */
    double rate_limit; /* entry requests a second; 0: no limit */
    int line;    /* the line of its section header */
} cg_config_log;

/* [issuer NAME] */
typedef struct cg_config_issuer {
    char *name;
    char *cert;                   /* path of the CA certificate, PEM or DER */
    cg_config_strv crl_urls;      /* crl_url, repeatable */
    cg_config_strv crl_list_urls; /* crl_list_url, repeatable */
    int use_crldp;                /* default 0 */
    int line;
} cg_config_issuer;

typedef struct cg_monitor_config {
    char *file; /* the config file as named; NULL when none was loaded */

    /* [monitor] */
    char *store;           /* path or URI; NULL when the file does not name one */
    int64_t poll_interval; /* seconds; default 60 */
    int64_t parallel;      /* most entry requests in flight per log; default 32 */
    int64_t response_memory; /* MiB of answers held at once, all logs; default 64 */
    int64_t round_timeout;   /* seconds a log's round may last; default 120 */
    int64_t round_workers;   /* logs whose rounds run at once; default 8 */
    int64_t batch;         /* most entries per request; default 1024 */
    int start;             /* cg_config_start; default CG_CONFIG_FROM_START */
    int all_issuers;
    int br_profile;       /* the TLS BR certificate profile; default 1 */
    cg_out_format format; /* default text */
    int quiet;
    int shared;            /* monitors sharing the store's work; default 0 */
    char *worker_id;       /* NULL: hostname:pid */
    int64_t lease_seconds; /* default 60 */
    char *metrics_listen;  /* ADDR:PORT of /metrics; NULL: not served */
    int64_t policy_interval; /* seconds between CP/CPS fetches; default 0: none */
    int log_format;        /* cg_logger_format (obs/logger.h); default text */
    /* The rule selection of what is printed and counted (--include ...):
     * include, exclude repeatable; min_severity default notice, fail_on
     * default error. */
    cg_config_strv include, exclude;
    cg_severity min_severity, fail_on;

    cg_config_log *logs;
    size_t n_logs;
    cg_config_issuer *issuers;
    size_t n_issuers;

    /* [loglist] */
    struct {
        int present;  /* the file has a [loglist] section */
        char *source; /* path or http(s) URL */
        int source_is_url;
        char *sig; /* path or http(s) URL; NULL when absent */
        int sig_is_url;
        char *key;               /* path; NULL when absent (set exactly when sig is) */
        int64_t reload_interval; /* seconds; default 3600 */
        int follow;              /* default 0 */
        int line;
    } loglist;

    /* [crl] */
    struct {
        int64_t interval;          /* seconds; default 600 */
        int64_t timeout;           /* seconds; default 30 */
        int64_t max_size;          /* bytes; default 256 MiB */
        int64_t max_redirects;     /* default 3 */
        int64_t unreachable_after; /* seconds of failures before crl.unreachable; 3600 */
    } crl;

    /* [alerts] */
    struct {
        cg_config_strv hooks;     /* executables, repeatable */
        char *hooks_dir;          /* NULL when absent */
        char *jsonl;              /* NULL when absent */
        char *mail_to;            /* NULL when absent */
        char *sendmail;           /* NULL: CG_CONFIG_DEFAULT_SENDMAIL */
        int64_t hook_timeout;     /* seconds; default 30 */
        cg_severity min_severity; /* default CG_SEV_NOTICE (everything) */
    } alerts;

    /* [incidents] */
    struct {
        int auto_draft; /* auto; default 0 */
        int64_t bugzilla_sync; /* seconds between Bugzilla syncs; default 0: none */
        char *bugzilla_api_key_file; /* the syncs' Bugzilla API key; NULL: none */
    } incidents;

    /* [ccadb]: who the CA is to the CCADB and on Bugzilla */
    struct {
        char *owner_id;             /* the CA Owner CCADB unique ID, NULL when absent */
        cg_config_strv ca_accounts; /* the CA's Bugzilla accounts (mail addresses) */
    } ccadb;
} cg_monitor_config;

/* The defaults (what an empty file gives). */
void cg_monitor_config_init(cg_monitor_config *c);
void cg_monitor_config_clear(cg_monitor_config *c);

/* Reads and parses the file at path into c (initialised, holding nothing
 * else). Returns 1, or 0 with "path:LINE: what" (or "path: what" when
 * the file cannot be read) in err. */
int cg_monitor_config_load(cg_monitor_config *c, const char *path, char *err, size_t errcap);

/* The same over bytes in memory: name is the file name for messages and
 * the base of relative paths (its directory). */
int cg_monitor_config_parse(cg_monitor_config *c, const char *name, const uint8_t *data,
                            size_t len, char *err, size_t errcap);

/* "rfc6962", "static"; "start", "end". */
const char *cg_config_log_type_name(int type);
const char *cg_config_start_name(int start);

#endif
