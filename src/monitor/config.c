/* The monitor's INI configuration (config.h). libinih splits lines into
 * sections and key = value pairs; this file gives them meaning through one
 * table of keys per section, in the x509lint manner: a key's type, range,
 * whether it repeats or is required, and where its value goes.
 *
 * libinih reads through our line reader, which is how we know line numbers
 * (the handler is called for the line the reader returned last), and which
 * also does what libinih cannot be told at build time: it takes the leading
 * blanks off every line (so indentation is allowed and never read as a
 * continuation line), refuses lines longer than libinih's buffer instead of
 * letting it split them, and opens each section itself, so an empty section
 * is still checked for its required keys and a section header is checked
 * whole (libinih ignores what follows the ']' and cuts long names). */
#include "monitor/config.h"

#include <ini.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs/logger.h"

typedef enum {
    T_STRING,      /* kept as written */
    T_PATH_IN,     /* a file caguard reads: resolved, must be readable */
    T_PATH_OUT,    /* a file or directory caguard writes or lists: resolved */
    T_EXEC,        /* an executable: resolved, must be an executable file */
    T_URL,         /* http:// or https:// */
    T_PATH_OR_URL, /* a T_URL, or else a T_PATH_IN */
    T_STORE,       /* a store path or URI */
    T_ADDR,        /* a mail address */
    T_ADDR_LIST,   /* mail addresses, separated by commas or spaces (repeatable) */
    T_CCADB_ID,    /* a CCADB unique ID: "A" and six digits */
    T_INT,
    T_REAL, /* a decimal number, min..max */
    T_BOOL,
    T_ENUM,
} vtype;

typedef struct enum_def {
    const char *names[4];
    int values[4];
    size_t n;
} enum_def;

typedef struct key_def {
    const char *name;
    vtype type;
    size_t off;     /* the field in the section's struct */
    size_t url_off; /* T_PATH_OR_URL: the int set when the value is a URL */
    int repeat;     /* the field is a cg_config_strv */
    int required;
    int64_t min, max; /* T_INT */
    const enum_def *e;
} key_def;

#define NO_OFF ((size_t)-1)

static const enum_def e_log_type = {
    {"rfc6962", "static"}, {CG_CONFIG_LOG_RFC6962, CG_CONFIG_LOG_STATIC}, 2};
static const enum_def e_start = {{"start", "end"}, {CG_CONFIG_FROM_START, CG_CONFIG_FROM_END}, 2};
static const enum_def e_format = {{"text", "json"}, {CG_OUT_TEXT, CG_OUT_JSON}, 2};
static const enum_def e_log_format = {{"text", "json"}, {CG_LOGGER_TEXT, CG_LOGGER_JSON}, 2};
static const enum_def e_severity = {
    {"notice", "warning", "error"}, {CG_SEV_NOTICE, CG_SEV_WARNING, CG_SEV_ERROR}, 3};

#define DAY 86400
#define M(f) offsetof(cg_monitor_config, f)
#define L(f) offsetof(cg_config_log, f)
#define I(f) offsetof(cg_config_issuer, f)

static const key_def k_monitor[] = {
    {"store", T_STORE, M(store), NO_OFF, 0, 0, 0, 0, NULL},
    {"poll_interval", T_INT, M(poll_interval), NO_OFF, 0, 0, 1, DAY, NULL},
    {"policy_interval", T_INT, M(policy_interval), NO_OFF, 0, 0, 0, 30 * DAY, NULL},
    {"parallel", T_INT, M(parallel), NO_OFF, 0, 0, 1, 256, NULL},
    {"response_memory", T_INT, M(response_memory), NO_OFF, 0, 0, 4, 65536, NULL},
    {"batch", T_INT, M(batch), NO_OFF, 0, 0, 1, 100000, NULL},
    {"start", T_ENUM, M(start), NO_OFF, 0, 0, 0, 0, &e_start},
    {"all_issuers", T_BOOL, M(all_issuers), NO_OFF, 0, 0, 0, 0, NULL},
    {"br_profile", T_BOOL, M(br_profile), NO_OFF, 0, 0, 0, 0, NULL},
    {"format", T_ENUM, M(format), NO_OFF, 0, 0, 0, 0, &e_format},
    {"quiet", T_BOOL, M(quiet), NO_OFF, 0, 0, 0, 0, NULL},
    {"shared", T_BOOL, M(shared), NO_OFF, 0, 0, 0, 0, NULL},
    {"worker_id", T_STRING, M(worker_id), NO_OFF, 0, 0, 0, 0, NULL},
    {"lease_seconds", T_INT, M(lease_seconds), NO_OFF, 0, 0, 5, DAY, NULL},
    {"metrics_listen", T_STRING, M(metrics_listen), NO_OFF, 0, 0, 0, 0, NULL},
    {"log_format", T_ENUM, M(log_format), NO_OFF, 0, 0, 0, 0, &e_log_format},
};
static const key_def k_log[] = {
    {"url", T_URL, L(url), NO_OFF, 0, 1, 0, 0, NULL},
    {"key", T_PATH_IN, L(key), NO_OFF, 0, 1, 0, 0, NULL},
    {"type", T_ENUM, L(type), NO_OFF, 0, 0, 0, 0, &e_log_type},
    {"mmd", T_INT, L(mmd), NO_OFF, 0, 0, 1, 365 * DAY, NULL},
    {"origin", T_STRING, L(origin), NO_OFF, 0, 0, 0, 0, NULL},
    {"rate_limit", T_REAL, L(rate_limit), NO_OFF, 0, 0, 0, 10000, NULL},
};
static const key_def k_issuer[] = {
    {"cert", T_PATH_IN, I(cert), NO_OFF, 0, 1, 0, 0, NULL},
    {"crl_url", T_URL, I(crl_urls), NO_OFF, 1, 0, 0, 0, NULL},
    {"crl_list_url", T_URL, I(crl_list_urls), NO_OFF, 1, 0, 0, 0, NULL},
    {"use_crldp", T_BOOL, I(use_crldp), NO_OFF, 0, 0, 0, 0, NULL},
};
static const key_def k_loglist[] = {
    {"source", T_PATH_OR_URL, M(loglist.source), M(loglist.source_is_url), 0, 1, 0, 0, NULL},
    {"sig", T_PATH_OR_URL, M(loglist.sig), M(loglist.sig_is_url), 0, 0, 0, 0, NULL},
    {"key", T_PATH_IN, M(loglist.key), NO_OFF, 0, 0, 0, 0, NULL},
    {"reload_interval", T_INT, M(loglist.reload_interval), NO_OFF, 0, 0, 1, 30 * DAY, NULL},
    {"follow", T_BOOL, M(loglist.follow), NO_OFF, 0, 0, 0, 0, NULL},
};
static const key_def k_crl[] = {
    {"interval", T_INT, M(crl.interval), NO_OFF, 0, 0, 1, 7 * DAY, NULL},
    {"timeout", T_INT, M(crl.timeout), NO_OFF, 0, 0, 1, 3600, NULL},
    {"max_size", T_INT, M(crl.max_size), NO_OFF, 0, 0, 1, (int64_t)1 << 40, NULL},
    {"max_redirects", T_INT, M(crl.max_redirects), NO_OFF, 0, 0, 0, 20, NULL},
    {"unreachable_after", T_INT, M(crl.unreachable_after), NO_OFF, 0, 0, 60, 30 * DAY, NULL},
};
static const key_def k_alerts[] = {
    {"hook", T_EXEC, M(alerts.hooks), NO_OFF, 1, 0, 0, 0, NULL},
    {"hooks_dir", T_PATH_OUT, M(alerts.hooks_dir), NO_OFF, 0, 0, 0, 0, NULL},
    {"jsonl", T_PATH_OUT, M(alerts.jsonl), NO_OFF, 0, 0, 0, 0, NULL},
    {"mail_to", T_ADDR, M(alerts.mail_to), NO_OFF, 0, 0, 0, 0, NULL},
    {"sendmail", T_EXEC, M(alerts.sendmail), NO_OFF, 0, 0, 0, 0, NULL},
    {"hook_timeout", T_INT, M(alerts.hook_timeout), NO_OFF, 0, 0, 1, 3600, NULL},
    {"min_severity", T_ENUM, M(alerts.min_severity), NO_OFF, 0, 0, 0, 0, &e_severity},
};
static const key_def k_incidents[] = {
    {"auto", T_BOOL, M(incidents.auto_draft), NO_OFF, 0, 0, 0, 0, NULL},
    {"bugzilla_sync", T_INT, M(incidents.bugzilla_sync), NO_OFF, 0, 0, 0, 7 * DAY, NULL},
    {"bugzilla_api_key_file", T_PATH_IN, M(incidents.bugzilla_api_key_file), NO_OFF, 0, 0, 0, 0,
     NULL},
};
static const key_def k_ccadb[] = {
    {"owner_id", T_CCADB_ID, M(ccadb.owner_id), NO_OFF, 0, 0, 0, 0, NULL},
    {"ca_accounts", T_ADDR_LIST, M(ccadb.ca_accounts), NO_OFF, 1, 0, 0, 0, NULL},
};

typedef enum {
    S_MONITOR,
    S_LOG,
    S_ISSUER,
    S_LOGLIST,
    S_CRL,
    S_ALERTS,
    S_INCIDENTS,
    S_CCADB,
    S_SERVE /* caguard serve's (serve/config.c reads and checks it): skipped here */
} sec_kind;

typedef struct section_def {
    const char *name;
    sec_kind kind;
    int named; /* [log NAME] */
    const key_def *keys;
    size_t n_keys;
} section_def;

#define KEYS(k) k, sizeof(k) / sizeof(k[0])
static const section_def sections[] = {
    {"monitor", S_MONITOR, 0, KEYS(k_monitor)},
    {"log", S_LOG, 1, KEYS(k_log)},
    {"issuer", S_ISSUER, 1, KEYS(k_issuer)},
    {"loglist", S_LOGLIST, 0, KEYS(k_loglist)},
    {"crl", S_CRL, 0, KEYS(k_crl)},
    {"alerts", S_ALERTS, 0, KEYS(k_alerts)},
    {"incidents", S_INCIDENTS, 0, KEYS(k_incidents)},
    {"ccadb", S_CCADB, 0, KEYS(k_ccadb)},
    {"serve", S_SERVE, 0, NULL, 0},
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

typedef struct parser {
    cg_monitor_config *cfg;
    const char *file;
    char *dir; /* of the file, NULL for the current directory */
    const char *data;
    size_t len, pos;
    int lineno;
    /* the open section: NULL before the first or after a bad header */
    const section_def *sec;
    size_t idx; /* S_LOG, S_ISSUER: its index */
    int sec_line;
    char label[CG_CONFIG_MAX_NAME + 16]; /* "log argon", for messages */
    uint32_t seen;                       /* keys given in the open section */
    uint32_t singletons;                 /* unnamed sections seen, by kind */
    int singleton_line[N_SECTIONS];
    /* the error on the smallest line so far */
    int err_line;
    char *err;
    size_t errcap;
} parser;

static void cfg_err(parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_err(parser *ps, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    if (ps->err_line != 0 && ps->err_line <= line)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ps->err_line = line;
    if (ps->err != NULL && ps->errcap > 0)
        snprintf(ps->err, ps->errcap, "%s:%d: %s", ps->file, line, msg);
}

static char *dup_str(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c == NULL)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

static void strv_clear(cg_config_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

void cg_monitor_config_init(cg_monitor_config *c)
{
    memset(c, 0, sizeof(*c));
    c->poll_interval = 60;
    c->lease_seconds = 60;
    c->br_profile = 1;
    c->parallel = 32;
    c->response_memory = 64;
    c->batch = 1024;
    c->start = CG_CONFIG_FROM_START;
    c->format = CG_OUT_TEXT;
    c->loglist.reload_interval = 3600;
    c->crl.interval = 600;
    c->crl.timeout = 30;
    c->crl.max_size = 268435456;
    c->crl.max_redirects = 3;
    c->crl.unreachable_after = 3600;
    c->alerts.hook_timeout = 30;
    c->alerts.min_severity = CG_SEV_NOTICE;
}

void cg_monitor_config_clear(cg_monitor_config *c)
{
    if (c == NULL)
        return;
    free(c->file);
    free(c->store);
    free(c->worker_id);
    free(c->metrics_listen);
    for (size_t i = 0; i < c->n_logs; i++) {
        free(c->logs[i].name);
        free(c->logs[i].url);
        free(c->logs[i].key);
        free(c->logs[i].origin);
    }
    free(c->logs);
    for (size_t i = 0; i < c->n_issuers; i++) {
        free(c->issuers[i].name);
        free(c->issuers[i].cert);
        strv_clear(&c->issuers[i].crl_urls);
        strv_clear(&c->issuers[i].crl_list_urls);
    }
    free(c->issuers);
    free(c->loglist.source);
    free(c->loglist.sig);
    free(c->loglist.key);
    strv_clear(&c->alerts.hooks);
    free(c->alerts.hooks_dir);
    free(c->alerts.jsonl);
    free(c->alerts.mail_to);
    free(c->alerts.sendmail);
    free(c->incidents.bugzilla_api_key_file);
    free(c->ccadb.owner_id);
    strv_clear(&c->ccadb.ca_accounts);
    cg_monitor_config_init(c);
}

const char *cg_config_log_type_name(int type)
{
    return type == CG_CONFIG_LOG_STATIC ? "static" : "rfc6962";
}

const char *cg_config_start_name(int start)
{
    return start == CG_CONFIG_FROM_END ? "end" : "start";
}

/* ---- values ---- */

/* The struct a key of the open section writes into. */
static char *section_base(parser *ps)
{
    switch (ps->sec->kind) {
    case S_LOG:
        return (char *)&ps->cfg->logs[ps->idx];
    case S_ISSUER:
        return (char *)&ps->cfg->issuers[ps->idx];
    default:
        return (char *)ps->cfg;
    }
}

static char *resolve(const parser *ps, const char *value)
{
    size_t dl, vl = strlen(value);
    char *r;
    if (value[0] == '/' || ps->dir == NULL)
        return dup_str(value, vl);
    dl = strlen(ps->dir);
    r = malloc(dl + vl + 2);
    if (r == NULL)
        return NULL;
    memcpy(r, ps->dir, dl);
    if (ps->dir[dl - 1] != '/')
        r[dl++] = '/';
    memcpy(r + dl, value, vl + 1);
    return r;
}

static int is_url(const char *v)
{
    return strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0;
}

/* An http(s) URL with a host; what libcurl makes of the rest is its
 * business, but blanks and control characters are never part of one. */
static const char *url_problem(const char *v)
{
    const char *host;
    if (!is_url(v)) {
        if (strstr(v, "://") != NULL)
            return "a URL scheme caguard does not fetch (http:// or https:// only)";
        return "not an http:// or https:// URL";
    }
    host = strstr(v, "://") + 3;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
        return "a URL without a host";
    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ')
            return "a URL with a blank in it";
    }
    return NULL;
}

/* local@domain, conservatively: it ends up on sendmail's command line or
 * in a header, where anything else could be read as something else. */
static int is_addr(const char *v)
{
    const char *at = strchr(v, '@');
    if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return 0;
    if (v[0] == '-')
        return 0;
    for (const char *p = v; p < at; p++) {
        if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr(".!#$%&'*+/=?^_`{|}~-", *p) != NULL))
            return 0;
    }
    for (const char *p = at + 1; *p != '\0'; p++) {
        if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-'))
            return 0;
    }
    return 1;
}

/* Checks the file a path names; NULL when it will do. */
static const char *file_problem(const char *path, int exec, char *buf, size_t cap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(buf, cap, "cannot read '%s': %s", path, strerror(errno));
        return buf;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(buf, cap, "'%s' is a directory", path);
        return buf;
    }
    if (exec && !S_ISREG(st.st_mode)) {
        snprintf(buf, cap, "'%s' is not a regular file", path);
        return buf;
    }
    if (access(path, exec ? X_OK : R_OK) != 0) {
        snprintf(buf, cap, "cannot %s '%s': %s", exec ? "execute" : "read", path, strerror(errno));
        return buf;
    }
    return NULL;
}

/* Decimal digits only: no sign, no blanks, no 0x, no suffix. */
static int parse_int(const char *v, int64_t *out)
{
    int64_t n = 0;
    if (*v == '\0')
        return 0;
    for (const char *p = v; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        if (n > (INT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    *out = n;
    return 1;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = 1;
            return 1;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

/* Where the value goes: a string field is replaced, a repeatable one
 * appended to. Takes s. */
static int store_string(parser *ps, const key_def *k, char *base, char *s)
{
    if (k->repeat) {
        cg_config_strv *sv = (cg_config_strv *)(base + k->off);
        char **nv;
        if (sv->n == CG_CONFIG_MAX_REPEAT) {
            cfg_err(ps, ps->lineno, "[%s] %s: given more than %d times", ps->label, k->name,
                    CG_CONFIG_MAX_REPEAT);
            free(s);
            return 0;
        }
        nv = realloc(sv->v, (sv->n + 1) * sizeof(*nv));
        if (nv == NULL) {
            free(s);
            return 0;
        }
        sv->v = nv;
        sv->v[sv->n++] = s;
        return 1;
    }
    char **field = (char **)(base + k->off);
    free(*field);
    *field = s;
    return 1;
}

static int set_value(parser *ps, const key_def *k, const char *v)
{
    char *base = section_base(ps), *s = NULL, buf[600];
    const char *why = NULL;
    int64_t n;
    int b, r;

    switch (k->type) {
    case T_INT:
        r = parse_int(v, &n);
        if (r == 0) {
            cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a whole number", ps->label, k->name, v);
            return 0;
        }
        if (r < 0 || n < k->min || n > k->max) {
            cfg_err(ps, ps->lineno, "[%s] %s: %s is out of range (%lld to %lld)", ps->label,
                    k->name, v, (long long)k->min, (long long)k->max);
            return 0;
        }
        *(int64_t *)(base + k->off) = n;
        return 1;
    case T_REAL: {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || !(d > k->min && d <= k->max)) {
            cfg_err(ps, ps->lineno,
                    "[%s] %s: '%s' is not a number more than %lld and at most %lld", ps->label,
                    k->name, v, (long long)k->min, (long long)k->max);
            return 0;
        }
        *(double *)(base + k->off) = d;
        return 1;
    }
    case T_BOOL:
        if (!parse_bool(v, &b)) {
            cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a boolean (true or false)", ps->label,
                    k->name, v);
            return 0;
        }
        *(int *)(base + k->off) = b;
        return 1;
    case T_ENUM:
        for (size_t i = 0; i < k->e->n; i++) {
            if (strcmp(v, k->e->names[i]) == 0) {
                *(int *)(base + k->off) = k->e->values[i];
                return 1;
            }
        }
        snprintf(buf, sizeof(buf), "%s", k->e->names[0]);
        for (size_t i = 1; i < k->e->n; i++) {
            size_t used = strlen(buf);
            snprintf(buf + used, sizeof(buf) - used, "%s%s", i + 1 == k->e->n ? " or " : ", ",
                     k->e->names[i]);
        }
        cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not one of %s", ps->label, k->name, v, buf);
        return 0;
    case T_STRING:
        s = dup_str(v, strlen(v));
        break;
    case T_URL:
        why = url_problem(v);
        if (why == NULL)
            s = dup_str(v, strlen(v));
        break;
    case T_ADDR:
        if (!is_addr(v))
            why = "not a mail address (local@domain)";
        else
            s = dup_str(v, strlen(v));
        break;
    case T_ADDR_LIST:
        /* each address of the list is appended as if given alone */
        for (const char *p = v;;) {
            while (*p == ',' || *p == ' ' || *p == '\t')
                p++;
            if (*p == '\0')
                return 1;
            size_t len = strcspn(p, ", \t");
            char one[320];
            if (len >= sizeof(one)) {
                cfg_err(ps, ps->lineno, "[%s] %s: an address longer than %zu bytes", ps->label,
                        k->name, sizeof(one) - 1);
                return 0;
            }
            memcpy(one, p, len);
            one[len] = '\0';
            if (!is_addr(one)) {
                cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a mail address (local@domain)",
                        ps->label, k->name, one);
                return 0;
            }
            s = dup_str(one, len);
            if (s == NULL || !store_string(ps, k, base, s)) {
                if (s == NULL)
                    cfg_err(ps, ps->lineno, "out of memory");
                return 0;
            }
            p += len;
        }
    case T_CCADB_ID: {
        int ok = strlen(v) == 7 && v[0] == 'A';
        for (size_t i = 1; ok && i < 7; i++)
            ok = v[i] >= '0' && v[i] <= '9';
        if (!ok)
            why = "not a CCADB unique ID (\"A\" followed by six digits, e.g. A000123)";
        else
            s = dup_str(v, strlen(v));
        break;
    }
    case T_PATH_OR_URL:
    case T_PATH_IN:
    case T_EXEC:
        if (k->type == T_PATH_OR_URL) {
            *(int *)(base + k->url_off) = 0;
            if (strstr(v, "://") != NULL) {
                why = url_problem(v);
                if (why == NULL) {
                    *(int *)(base + k->url_off) = 1;
                    s = dup_str(v, strlen(v));
                }
                break;
            }
        }
        s = resolve(ps, v);
        if (s != NULL)
            why = file_problem(s, k->type == T_EXEC, buf, sizeof(buf));
        break;
    case T_PATH_OUT:
        s = resolve(ps, v);
        break;
    case T_STORE: {
        /* The same reading as cg_store_open: "scheme:" before any '/' (and
         * longer than a drive letter) is a URI; "sqlite:PATH" is a path. */
        const char *colon = strchr(v, ':'), *slash = strchr(v, '/');
        if (strncmp(v, "sqlite:", 7) == 0) {
            if (v[7] == '\0') {
                why = "sqlite: without a path";
                break;
            }
            char *p = resolve(ps, v + 7);
            if (p != NULL) {
                s = malloc(strlen(p) + 8);
                if (s != NULL) {
                    memcpy(s, "sqlite:", 7);
                    memcpy(s + 7, p, strlen(p) + 1);
                }
                free(p);
            }
        } else if (colon != NULL && colon - v > 1 && (slash == NULL || colon < slash)) {
            s = dup_str(v, strlen(v));
        } else {
            s = resolve(ps, v);
        }
        break;
    }
    }
    if (why != NULL) {
        cfg_err(ps, ps->lineno, "[%s] %s: %s", ps->label, k->name, why);
        free(s);
        return 0;
    }
    if (s == NULL) {
        cfg_err(ps, ps->lineno, "out of memory");
        return 0;
    }
    return store_string(ps, k, base, s);
}

/* ---- sections ---- */

/* What a section must hold, checked when the next one opens and at the end
 * of the file; errors point at its header. */
static void close_section(parser *ps)
{
    const section_def *sec = ps->sec;
    if (sec == NULL)
        return;
    for (size_t i = 0; i < sec->n_keys; i++) {
        if (sec->keys[i].required && !(ps->seen & (1u << i)))
            cfg_err(ps, ps->sec_line, "[%s]: no %s (required)", ps->label, sec->keys[i].name);
    }
    if (sec->kind == S_LOGLIST) {
        const cg_monitor_config *c = ps->cfg;
        if (c->loglist.sig != NULL && c->loglist.key == NULL)
            cfg_err(ps, ps->sec_line, "[%s]: sig without key (the key verifies the signature)",
                    ps->label);
        if (c->loglist.key != NULL && c->loglist.sig == NULL)
            cfg_err(ps, ps->sec_line, "[%s]: key without sig (a detached signature of the list)",
                    ps->label);
    }
    ps->sec = NULL;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > CG_CONFIG_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!(((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

static int grow(void **v, size_t n, size_t size)
{
    void *nv = realloc(*v, (n + 1) * size);
    if (nv == NULL)
        return 0;
    *v = nv;
    return 1;
}

/* h: what is between '[' and ']' (n bytes). */
static void open_section(parser *ps, const char *h, size_t n)
{
    const char *type, *name = NULL;
    size_t tn, nn = 0;
    const section_def *sec = NULL;
    cg_monitor_config *c = ps->cfg;

    close_section(ps);
    while (n > 0 && (*h == ' ' || *h == '\t')) {
        h++;
        n--;
    }
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    type = h;
    for (tn = 0; tn < n && h[tn] != ' ' && h[tn] != '\t';)
        tn++;
    if (tn < n) {
        name = h + tn;
        nn = n - tn;
        while (nn > 0 && (*name == ' ' || *name == '\t')) {
            name++;
            nn--;
        }
    }
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (strlen(sections[i].name) == tn && strncmp(sections[i].name, type, tn) == 0)
            sec = &sections[i];
    }
    if (sec == NULL) {
        cfg_err(ps, ps->lineno,
                "unknown section [%.*s] (sections: monitor, log NAME, issuer NAME, loglist, crl, "
                "alerts, incidents, ccadb, serve)",
                (int)(n > 60 ? 60 : n), h);
        return;
    }
    if (!sec->named) {
        if (name != NULL) {
            cfg_err(ps, ps->lineno, "[%s] takes no name", sec->name);
            return;
        }
        if (ps->singletons & (1u << sec->kind)) {
            cfg_err(ps, ps->lineno, "a second [%s] section (the first is on line %d)", sec->name,
                    ps->singleton_line[sec->kind]);
            return;
        }
        ps->singletons |= 1u << sec->kind;
        ps->singleton_line[sec->kind] = ps->lineno;
        snprintf(ps->label, sizeof(ps->label), "%s", sec->name);
        if (sec->kind == S_LOGLIST) {
            c->loglist.present = 1;
            c->loglist.line = ps->lineno;
        }
    } else {
        int count_ok;
        if (name == NULL) {
            cfg_err(ps, ps->lineno, "[%s] needs a name: [%s NAME]", sec->name, sec->name);
            return;
        }
        if (!valid_name(name, nn)) {
            cfg_err(ps, ps->lineno,
                    "[%s %.*s]: a NAME is 1 to %d letters, digits, '.', '_' or '-'", sec->name,
                    (int)(nn > 60 ? 60 : nn), name, CG_CONFIG_MAX_NAME);
            return;
        }
        if (sec->kind == S_LOG) {
            for (size_t i = 0; i < c->n_logs; i++) {
                if (strlen(c->logs[i].name) == nn && strncmp(c->logs[i].name, name, nn) == 0) {
                    cfg_err(ps, ps->lineno, "a second [log %s] (the first is on line %d)",
                            c->logs[i].name, c->logs[i].line);
                    return;
                }
            }
            count_ok = c->n_logs < CG_CONFIG_MAX_LOGS;
        } else {
            for (size_t i = 0; i < c->n_issuers; i++) {
                if (strlen(c->issuers[i].name) == nn &&
                    strncmp(c->issuers[i].name, name, nn) == 0) {
                    cfg_err(ps, ps->lineno, "a second [issuer %s] (the first is on line %d)",
                            c->issuers[i].name, c->issuers[i].line);
                    return;
                }
            }
            count_ok = c->n_issuers < CG_CONFIG_MAX_ISSUERS;
        }
        if (!count_ok) {
            cfg_err(ps, ps->lineno, "more than %d [%s] sections",
                    sec->kind == S_LOG ? CG_CONFIG_MAX_LOGS : CG_CONFIG_MAX_ISSUERS, sec->name);
            return;
        }
        char *nm = dup_str(name, nn);
        if (nm == NULL) {
            cfg_err(ps, ps->lineno, "out of memory");
            return;
        }
        if (sec->kind == S_LOG) {
            if (!grow((void **)&c->logs, c->n_logs, sizeof(*c->logs))) {
                free(nm);
                cfg_err(ps, ps->lineno, "out of memory");
                return;
            }
            cg_config_log *lg = &c->logs[c->n_logs];
            memset(lg, 0, sizeof(*lg));
            lg->name = nm;
            lg->type = CG_CONFIG_LOG_RFC6962;
            lg->mmd = DAY;
            lg->line = ps->lineno;
            ps->idx = c->n_logs++;
        } else {
            if (!grow((void **)&c->issuers, c->n_issuers, sizeof(*c->issuers))) {
                free(nm);
                cfg_err(ps, ps->lineno, "out of memory");
                return;
            }
            cg_config_issuer *is = &c->issuers[c->n_issuers];
            memset(is, 0, sizeof(*is));
            is->name = nm;
            is->line = ps->lineno;
            ps->idx = c->n_issuers++;
        }
        snprintf(ps->label, sizeof(ps->label), "%s %s", sec->name, nm);
    }
    ps->sec = sec;
    ps->sec_line = ps->lineno;
    ps->seen = 0;
}

/* ---- the two libinih callbacks ---- */

/* libinih's fgets: one line per call, leading blanks taken off. */
static char *read_line(char *buf, int num, void *stream)
{
    parser *ps = stream;
    const char *start, *nl;
    size_t n;

    if (ps->err_line != 0 || ps->pos >= ps->len || num < 3)
        return NULL;
    start = ps->data + ps->pos;
    nl = memchr(start, '\n', ps->len - ps->pos);
    n = nl != NULL ? (size_t)(nl - start) : ps->len - ps->pos;
    ps->pos += n + (nl != NULL);
    ps->lineno++;
    if (ps->lineno == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3;
        n -= 3;
    }
    while (n > 0 && (*start == ' ' || *start == '\t')) {
        start++;
        n--;
    }
    if (memchr(start, '\0', n) != NULL) {
        cfg_err(ps, ps->lineno, "a NUL byte (this is not a text file)");
        return NULL;
    }
    if (n > CG_CONFIG_MAX_LINE || n + 2 > (size_t)num) {
        cfg_err(ps, ps->lineno, "line longer than %d bytes", CG_CONFIG_MAX_LINE);
        return NULL;
    }
    memcpy(buf, start, n);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    if (n > 0 && start[0] == '[') {
        const char *end = memchr(start, ']', n);
        if (end == NULL) {
            cfg_err(ps, ps->lineno, "a section header without its ']'");
            return NULL;
        }
        /* Only blanks or a comment after the ']'. */
        for (const char *p = end + 1; p < start + n; p++) {
            if (*p == ';' || *p == '#')
                break;
            if (*p != ' ' && *p != '\t' && *p != '\r') {
                cfg_err(ps, ps->lineno, "text after the ']' of a section header");
                return NULL;
            }
        }
        open_section(ps, start + 1, (size_t)(end - start - 1));
    }
    return buf;
}

static const key_def *find_key(const section_def *sec, const char *name, size_t *idx)
{
    for (size_t i = 0; i < sec->n_keys; i++) {
        if (strcmp(sec->keys[i].name, name) == 0) {
            *idx = i;
            return &sec->keys[i];
        }
    }
    return NULL;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    parser *ps = user;
    const key_def *k;
    size_t idx = 0;
    (void)section; /* the reader opened it, whole */

    if (ps->err_line != 0)
        return 1;
    if (ps->sec == NULL) {
        cfg_err(ps, ps->lineno, "%s = ... before any [section]", name);
        return 0;
    }
    if (ps->sec->kind == S_SERVE)
        return 1;
    k = find_key(ps->sec, name, &idx);
    if (k == NULL) {
        char keys[256] = "";
        for (size_t i = 0; i < ps->sec->n_keys; i++) {
            size_t used = strlen(keys);
            snprintf(keys + used, sizeof(keys) - used, "%s%s", i > 0 ? ", " : "",
                     ps->sec->keys[i].name);
        }
        cfg_err(ps, ps->lineno, "[%s] unknown key '%s' (keys: %s)", ps->label, name, keys);
        return 0;
    }
    if (!k->repeat && (ps->seen & (1u << idx))) {
        cfg_err(ps, ps->lineno, "[%s] %s given twice", ps->label, name);
        return 0;
    }
    ps->seen |= 1u << idx;
    if (value == NULL || value[0] == '\0') {
        cfg_err(ps, ps->lineno, "[%s] %s: no value", ps->label, name);
        return 0;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            cfg_err(ps, ps->lineno, "[%s] %s: a control character in the value", ps->label, name);
            return 0;
        }
        if (*p == 0x7f) {
            cfg_err(ps, ps->lineno, "[%s] %s: a control character in the value", ps->label, name);
            return 0;
        }
    }
    return set_value(ps, k, value);
}

/* ---- entry points ---- */

/* The text of line `line` of the data, for a syntax error libinih found. */
static void syntax_error(parser *ps, int line)
{
    const char *p = ps->data, *end = ps->data + ps->len;
    for (int i = 1; i < line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '[')
        cfg_err(ps, line, "a section header without its ']' before a comment");
    else
        cfg_err(ps, line, "not a [section], a key = value or a comment");
}

int cg_monitor_config_parse(cg_monitor_config *c, const char *name, const uint8_t *data,
                            size_t len, char *err, size_t errcap)
{
    parser ps;
    cg_monitor_config tmp;
    const char *slash;
    int rc, ok = 0;

    if (err != NULL && errcap > 0)
        err[0] = '\0';
    memset(&ps, 0, sizeof(ps));
    cg_monitor_config_init(&tmp);
    ps.cfg = &tmp;
    ps.file = name;
    ps.data = (const char *)data;
    ps.len = data != NULL ? len : 0;
    ps.err = err;
    ps.errcap = errcap;
    slash = strrchr(name, '/');
    if (slash != NULL) {
        ps.dir = dup_str(name, slash == name ? 1 : (size_t)(slash - name));
        if (ps.dir == NULL)
            goto out;
    }
    tmp.file = dup_str(name, strlen(name));
    if (tmp.file == NULL) {
        cfg_err(&ps, 1, "out of memory");
        goto out;
    }
    if (len > CG_CONFIG_MAX_BYTES) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s: larger than %d bytes", name, CG_CONFIG_MAX_BYTES);
        goto out;
    }
    rc = ini_parse_stream(read_line, &ps, on_pair, &ps);
    if (rc < 0) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s: out of memory", name);
        goto out;
    }
    if (rc > 0 && (ps.err_line == 0 || rc < ps.err_line))
        syntax_error(&ps, rc);
    if (ps.err_line == 0)
        close_section(&ps);
    ok = ps.err_line == 0;
out:
    free(ps.dir);
    if (ok) {
        cg_monitor_config_clear(c);
        *c = tmp;
    } else {
        cg_monitor_config_clear(&tmp);
    }
    return ok;
}

int cg_monitor_config_load(cg_monitor_config *c, const char *path, char *err, size_t errcap)
{
    FILE *f;
    uint8_t *buf;
    size_t n;
    struct stat st;
    int ok;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        return 0;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errcap, "%s: is a directory", path);
        fclose(f);
        return 0;
    }
    /* One byte over the limit is enough to know it is too large. */
    buf = malloc(CG_CONFIG_MAX_BYTES + 1);
    if (buf == NULL) {
        snprintf(err, errcap, "%s: out of memory", path);
        fclose(f);
        return 0;
    }
    n = fread(buf, 1, CG_CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        snprintf(err, errcap, "%s: cannot read: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return 0;
    }
    fclose(f);
    ok = cg_monitor_config_parse(c, path, buf, n, err, errcap);
    free(buf);
    return ok;
}
