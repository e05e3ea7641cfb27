/* Alerts: alert.h says what; docs/monitor.md ("Alerts") is the contract
 * with the hooks (every variable, the JSON, the timeout, the mail). */
#include "monitor/alert.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/errf.h"
#include "util/sbuf.h"
#include "monitor/proc.h"
#include "monitor/series.h"
#include "report/output.h"
#include "util/time.h"
#include "util/redact.h"
#include "x509/time.h"

/* The fields a finding carries to its alerts (revocation.status has the
 * most, a handful). */
#define CG_ALERT_MAX_FIELDS 32

extern char **environ;

struct cg_alert {
    char **hooks;
    size_t n_hooks;
    char *hooks_dir;
    char *jsonl;
    char *mail_to;
    char *mail_from;
    char *sendmail;
    int64_t timeout_ms;
    cg_severity min_severity;
    cg_alert_report_fn report;
    void *report_arg;
    cg_alert_stats stats;
    cg_monitor_series *series; /* NULL: no metrics */
};

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void default_report(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "caguard: alert: %s\n", line);
}

static void say(cg_alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(cg_alert *a, const char *fmt, ...)
{
    char line[1024];
    CG_FORMAT_ARGS(line, sizeof(line), fmt);
    a->report(a->report_arg, line);
}

/* ---- checking the configuration ---- */

static int is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* 1 when prog names an executable: a path, or a name found in PATH as
 * posix_spawnp will look for it. */
static int find_executable(const char *prog)
{
    if (strchr(prog, '/') != NULL)
        return is_executable_file(prog);
    const char *path = getenv("PATH");
    if (path == NULL || path[0] == '\0')
        path = "/bin:/usr/bin";
    while (*path != '\0') {
        const char *end = strchr(path, ':');
        size_t n = end != NULL ? (size_t)(end - path) : strlen(path);
        char full[4096];
        if (n == 0)
            snprintf(full, sizeof(full), "./%s", prog);
        else
            snprintf(full, sizeof(full), "%.*s/%s", (int)n, path, prog);
        if (is_executable_file(full))
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

static int has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            return 1;
    }
    return 0;
}

static int open_jsonl(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

cg_alert *cg_alert_new(const cg_alert_config *cfg, cg_alert_report_fn report, void *report_arg,
                       char *err, size_t errcap)
{
    struct stat st;
    cg_alert *a = NULL;

    if (cfg->hook_timeout < 0 || cfg->hook_timeout > 86400) {
        snprintf(err, errcap, "hook timeout %lld s is not between 1 s and one day",
                 (long long)cfg->hook_timeout);
        return NULL;
    }
    if (cfg->min_severity < CG_SEV_ERROR || cfg->min_severity > CG_SEV_NOTICE) {
        snprintf(err, errcap, "unknown minimum severity");
        return NULL;
    }
    if (cfg->n_hooks > CG_ALERT_MAX_HOOKS) {
        snprintf(err, errcap, "%zu hooks: at most %d", cfg->n_hooks, CG_ALERT_MAX_HOOKS);
        return NULL;
    }
    for (size_t i = 0; i < cfg->n_hooks; i++) {
        if (cfg->hooks[i][0] == '\0' || !find_executable(cfg->hooks[i])) {
            snprintf(err, errcap, "hook '%s' is not an executable file%s", cfg->hooks[i],
                     strchr(cfg->hooks[i], '/') == NULL ? " in PATH" : "");
            return NULL;
        }
    }
    if (cfg->hooks_dir != NULL) {
        DIR *d;
        if (stat(cfg->hooks_dir, &st) != 0) {
            snprintf(err, errcap, "hooks directory %s: %s", cfg->hooks_dir, strerror(errno));
            return NULL;
        }
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errcap, "hooks directory %s is not a directory", cfg->hooks_dir);
            return NULL;
        }
        d = opendir(cfg->hooks_dir);
        if (d == NULL) {
            snprintf(err, errcap, "hooks directory %s: %s", cfg->hooks_dir, strerror(errno));
            return NULL;
        }
        closedir(d);
    }
    const char *sendmail = cfg->sendmail != NULL ? cfg->sendmail : CG_ALERT_DEFAULT_SENDMAIL;
    if (cfg->mail_to != NULL) {
        if (cfg->mail_to[0] == '\0' || has_control(cfg->mail_to) ||
            strchr(cfg->mail_to, '@') == NULL) {
            snprintf(err, errcap, "mail address '%s' is not an address", cfg->mail_to);
            return NULL;
        }
        if (cfg->mail_from != NULL &&
            (has_control(cfg->mail_from) || strchr(cfg->mail_from, '@') == NULL)) {
            snprintf(err, errcap, "mail sender '%s' is not an address", cfg->mail_from);
            return NULL;
        }
        if (!find_executable(sendmail)) {
            snprintf(err, errcap, "sendmail '%s' is not an executable file (mail to %s)",
                     sendmail, cfg->mail_to);
            return NULL;
        }
    }
    if (cfg->jsonl != NULL) {
        int fd = open_jsonl(cfg->jsonl);
        if (fd < 0) {
            snprintf(err, errcap, "JSON Lines file %s: %s", cfg->jsonl, strerror(errno));
            return NULL;
        }
        close(fd);
    }

    a = calloc(1, sizeof(*a));
    if (a == NULL)
        goto oom;
    if (cfg->n_hooks > 0) {
        a->hooks = calloc(cfg->n_hooks, sizeof(char *));
        if (a->hooks == NULL)
            goto oom;
    }
    for (size_t i = 0; i < cfg->n_hooks; i++) {
        a->hooks[i] = strdup(cfg->hooks[i]);
        if (a->hooks[i] == NULL)
            goto oom;
        a->n_hooks++;
    }
    a->hooks_dir = dup_or_null(cfg->hooks_dir);
    a->jsonl = dup_or_null(cfg->jsonl);
    a->mail_to = dup_or_null(cfg->mail_to);
    a->sendmail = strdup(sendmail);
    if (cfg->mail_from != NULL) {
        a->mail_from = strdup(cfg->mail_from);
    } else {
        char host[256];
        if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0' || has_control(host))
            snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        size_t n = strlen(host) + sizeof("caguard@");
        a->mail_from = malloc(n);
        if (a->mail_from != NULL)
            snprintf(a->mail_from, n, "caguard@%s", host);
    }
    if ((cfg->hooks_dir != NULL && a->hooks_dir == NULL) ||
        (cfg->jsonl != NULL && a->jsonl == NULL) || (cfg->mail_to != NULL && a->mail_to == NULL) ||
        a->sendmail == NULL || a->mail_from == NULL)
        goto oom;
    a->timeout_ms = 1000 * (cfg->hook_timeout > 0 ? cfg->hook_timeout : CG_ALERT_DEFAULT_TIMEOUT);
    a->min_severity = cfg->min_severity;
    a->report = report != NULL ? report : default_report;
    a->report_arg = report != NULL ? report_arg : NULL;
    return a;
oom:
    cg_alert_free(a);
    snprintf(err, errcap, "out of memory");
    return NULL;
}

void cg_alert_free(cg_alert *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n_hooks; i++)
        free(a->hooks[i]);
    free(a->hooks);
    free(a->hooks_dir);
    free(a->jsonl);
    free(a->mail_to);
    free(a->mail_from);
    free(a->sendmail);
    free(a);
}

void cg_alert_set_series(cg_alert *a, cg_monitor_series *series)
{
    a->series = series;
}

const cg_alert_stats *cg_alert_get0_stats(const cg_alert *a)
{
    return &a->stats;
}

/* ---- what a finding says ---- */

/* Printable ASCII only: the summary goes into a mail header. */
static void ascii_into(char *dst, size_t cap, const char *src)
{
    size_t o = strlen(dst);
    for (; *src != '\0' && o + 1 < cap; src++) {
        unsigned char c = (unsigned char)*src;
        dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (cap > 0)
        dst[o < cap ? o : cap - 1] = '\0';
}

void cg_alert_summary(const cg_finding *f, char *buf, size_t cap)
{
    const cg_rule *r = cg_rule_get(f->rule);
    const cg_objref *o = f->obj;
    char what[200], serial[80], sha[65];
    cg_serial_hex(&o->serial, serial, sizeof(serial));
    if (serial[0] != '\0') {
        snprintf(what, sizeof(what), "%s serial %s", cg_kind_name(o->kind), serial);
    } else if (o->has_hash) {
        cg_hex(o->sha256, 32, sha);
        snprintf(what, sizeof(what), "%s %.16s", cg_kind_name(o->kind), sha);
    } else if (f->incident != 0) {
        snprintf(what, sizeof(what), "incident %lld", (long long)f->incident);
    } else {
        snprintf(what, sizeof(what), "%s ", cg_kind_name(o->kind));
        ascii_into(what, sizeof(what), o->file != NULL ? o->file : "-");
    }
    if (cap == 0)
        return;
    buf[0] = '\0';
    ascii_into(buf, cap, cg_severity_name(cg_finding_severity(f)));
    ascii_into(buf, cap, " ");
    ascii_into(buf, cap, r->id);
    ascii_into(buf, cap, ": ");
    ascii_into(buf, cap, what);
}

/* The finding as the hooks and the JSON Lines file get it: check's JSON
 * object, with first_seen, the incident and incident_opened when known. */
static char *finding_json(const cg_finding *f, const cg_alert_info *info)
{
    cg_field stack[16];
    cg_field *fields = stack;
    size_t n = f->n_fields;
    char first[32];
    cg_finding copy = *f;
    char *line;

    if (n + 3 > sizeof(stack) / sizeof(stack[0])) {
        fields = calloc(n + 3, sizeof(cg_field));
        if (fields == NULL)
            return NULL;
    }
    if (n > 0)
        memcpy(fields, f->fields, n * sizeof(cg_field));
    if (info != NULL && info->alert_id != NULL)
        fields[n++] = (cg_field){"alert_id", CG_FIELD_STRING, info->alert_id, 0};
    if (info != NULL && info->first_seen != 0) {
        cg_time_format(info->first_seen, first, sizeof(first));
        fields[n++] = (cg_field){"first_seen", CG_FIELD_STRING, first, 0};
    }
    if (info != NULL && info->incident_opened)
        fields[n++] = (cg_field){"incident_opened", CG_FIELD_BOOL, NULL, 1};
    copy.fields = fields;
    copy.n_fields = n;
    if (info != NULL && info->incident != 0)
        copy.incident = info->incident;
    line = cg_out_finding_json(&copy);
    if (fields != stack)
        free(fields);
    return line;
}

/* ---- the environment of a hook ---- */

static const char *const env_names[] = {
    "EVENT",  "SUMMARY",  "RULE",          "SEVERITY", "MESSAGE",
    "REFERENCE", "FILE",  "INDEX",         "KIND",     "OBJECT",
    "OBJECT_SHA256", "ISSUER", "SERIAL",   "INCIDENT", "INCIDENT_OPENED",
    "FIRST_SEEN", "FIRST_SEEN_UNIXTIME", "ALERT_ID",
};
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

static int is_ours(const char *entry)
{
    for (size_t i = 0; i < N_ENV; i++) {
        size_t n = strlen(env_names[i]);
        if (strncmp(entry, env_names[i], n) == 0 && entry[n] == '=')
            return 1;
    }
    return 0;
}

typedef struct env {
    char **v;     /* environ's entries (borrowed) and ours (owned), NULL-terminated */
    char *own[N_ENV];
    size_t n_own;
} env;

static void env_free(env *e)
{
    for (size_t i = 0; i < e->n_own; i++)
        free(e->own[i]);
    free(e->v);
}

static int env_set(env *e, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *s = malloc(len);
    if (s == NULL)
        return 0;
    snprintf(s, len, "%s=%s", name, value);
    e->own[e->n_own++] = s;
    e->v[(*n)++] = s;
    return 1;
}

/* The caller's environment without the names we set, then ours: a
 * variable is set when its value is known and left out otherwise, so a
 * stale one of the caller's never passes for the finding's. */
static int env_build(env *e, const cg_finding *f, const cg_alert_info *info)
{
    const cg_rule *r = cg_rule_get(f->rule);
    const cg_objref *o = f->obj;
    size_t n_environ = 0, n = 0;
    char summary[300], issuer[1024], serial[80], sha[65], num[32], first[32];
    int64_t incident = info != NULL && info->incident != 0 ? info->incident : f->incident;
    int ok = 1;

    memset(e, 0, sizeof(*e));
    while (environ != NULL && environ[n_environ] != NULL)
        n_environ++;
    e->v = calloc(n_environ + N_ENV + 1, sizeof(char *));
    if (e->v == NULL)
        return 0;
    for (size_t i = 0; i < n_environ; i++) {
        if (!is_ours(environ[i]))
            e->v[n++] = environ[i];
    }
    cg_alert_summary(f, summary, sizeof(summary));
    cg_out_issuer_string(&o->issuer, issuer, sizeof(issuer));
    cg_serial_hex(&o->serial, serial, sizeof(serial));
    ok &= env_set(e, &n, "EVENT", "finding");
    if (info != NULL && info->alert_id != NULL)
        ok &= env_set(e, &n, "ALERT_ID", info->alert_id);
    ok &= env_set(e, &n, "SUMMARY", summary);
    ok &= env_set(e, &n, "RULE", r->id);
    ok &= env_set(e, &n, "SEVERITY", cg_severity_name(cg_finding_severity(f)));
    ok &= env_set(e, &n, "MESSAGE", f->message);
    if (r->reference[0] != '\0')
        ok &= env_set(e, &n, "REFERENCE", r->reference);
    if (o->file != NULL) {
        ok &= env_set(e, &n, "FILE", o->file);
        snprintf(num, sizeof(num), "%zu", o->index);
        ok &= env_set(e, &n, "INDEX", num);
    }
    ok &= env_set(e, &n, "KIND", cg_kind_name(o->kind));
    if (o->has_hash) {
        cg_hex(o->sha256, 32, sha);
        ok &= env_set(e, &n, "OBJECT", sha);
        ok &= env_set(e, &n, "OBJECT_SHA256", sha);
    }
    if (issuer[0] != '\0')
        ok &= env_set(e, &n, "ISSUER", issuer);
    if (serial[0] != '\0')
        ok &= env_set(e, &n, "SERIAL", serial);
    if (incident != 0) {
        snprintf(num, sizeof(num), "%lld", (long long)incident);
        ok &= env_set(e, &n, "INCIDENT", num);
        if (info != NULL && info->incident_opened)
            ok &= env_set(e, &n, "INCIDENT_OPENED", "1");
    }
    if (info != NULL && info->first_seen != 0) {
        cg_time_format(info->first_seen, first, sizeof(first));
        ok &= env_set(e, &n, "FIRST_SEEN", first);
        snprintf(num, sizeof(num), "%lld", (long long)info->first_seen);
        ok &= env_set(e, &n, "FIRST_SEEN_UNIXTIME", num);
    }
    e->v[n] = NULL;
    return ok;
}

/* ---- the hooks of one finding ---- */

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The executables to run: the configured hooks, then the executable
 * regular files of the hooks directory (not dotfiles) in byte order of
 * their names, read again for every finding so a hook added while the
 * monitor runs is used from the next finding on. *owned says which paths
 * were allocated here. */
static size_t collect_hooks(cg_alert *a, char **paths, int *owned, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_hooks && n < cap; i++) {
        paths[n] = a->hooks[i];
        owned[n++] = 0;
    }
    if (a->hooks_dir == NULL)
        return n;
    DIR *d = opendir(a->hooks_dir);
    if (d == NULL) {
        say(a, "hooks directory %s cannot be read: %s", a->hooks_dir, strerror(errno));
        a->stats.hook_failures++;
        return n;
    }
    char *names[CG_ALERT_MAX_HOOKS + 1];
    size_t n_names = 0, skipped = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        size_t len = strlen(a->hooks_dir) + strlen(de->d_name) + 2;
        char *p = malloc(len);
        if (p == NULL)
            break;
        snprintf(p, len, "%s/%s", a->hooks_dir, de->d_name);
        if (!is_executable_file(p)) {
            free(p);
            continue;
        }
        if (n_names == CG_ALERT_MAX_HOOKS) {
            free(p);
            skipped++;
            continue;
        }
        names[n_names++] = p;
    }
    closedir(d);
    qsort(names, n_names, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n_names; i++) {
        if (n < cap) {
            paths[n] = names[i];
            owned[n++] = 1;
        } else {
            free(names[i]);
            skipped++;
        }
    }
    if (skipped > 0) {
        say(a, "hooks directory %s: %zu hook%s skipped (at most %d hooks run per finding)",
            a->hooks_dir, skipped, skipped == 1 ? "" : "s", CG_ALERT_MAX_HOOKS);
        a->stats.hook_failures += skipped;
    }
    return n;
}

/* ---- the JSON Lines file ---- */

/* Appends line (newline included) to the file: 1, or 0 with what went
 * wrong in msg. */
static int write_jsonl(const cg_alert *a, const char *line, char *msg, size_t cap)
{
    size_t len = strlen(line);
    int fd, ok = 0;
    fd = open_jsonl(a->jsonl);
    if (fd < 0) {
        snprintf(msg, cap, "JSON Lines file %s: %s", a->jsonl, strerror(errno));
        return 0;
    }
    /* One write under O_APPEND: the line lands whole after whatever another
     * writer appended, or the failure is reported. */
    ssize_t w;
    do
        w = write(fd, line, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        snprintf(msg, cap, "JSON Lines file %s: write failed: %s", a->jsonl, strerror(errno));
    else if ((size_t)w != len)
        snprintf(msg, cap, "JSON Lines file %s: only %zd of %zu bytes written (disk full?)",
                 a->jsonl, w, len);
    else if (fsync(fd) != 0)
        snprintf(msg, cap, "JSON Lines file %s: fsync failed: %s", a->jsonl, strerror(errno));
    else
        ok = 1;
    if (close(fd) != 0 && ok) {
        snprintf(msg, cap, "JSON Lines file %s: close failed: %s", a->jsonl, strerror(errno));
        ok = 0;
    }
    return ok;
}

/* ---- one finding ---- */

/* A finding as alerts show it: its message, file and string fields with
 * every secret of a URL or store URI hidden (util/redact.h), so a hook, the
 * JSON Lines file and a mail say what standard output says. */
typedef struct shown_finding {
    cg_finding f;
    cg_objref obj;
    cg_field fields[CG_ALERT_MAX_FIELDS];
    char *strings[CG_ALERT_MAX_FIELDS + 2];
    size_t n_strings;
} shown_finding;

static const char *shown_str(shown_finding *s, const char *v)
{
    char *r;
    if (v == NULL || !cg_redact_has_secret(v))
        return v;
    r = cg_redact_dup(v);
    if (r == NULL)
        return CG_REDACTED;
    s->strings[s->n_strings++] = r;
    return r;
}

static void shown_init(shown_finding *s, const cg_finding *f)
{
    memset(s, 0, sizeof(*s));
    s->f = *f;
    s->obj = *f->obj;
    s->f.obj = &s->obj;
    s->obj.file = shown_str(s, f->obj->file);
    s->f.message = shown_str(s, f->message);
    s->f.n_fields = f->n_fields < CG_ALERT_MAX_FIELDS ? f->n_fields : CG_ALERT_MAX_FIELDS;
    for (size_t i = 0; i < s->f.n_fields; i++) {
        s->fields[i] = f->fields[i];
        if (f->fields[i].type == CG_FIELD_STRING)
            s->fields[i].str = shown_str(s, f->fields[i].str);
    }
    s->f.fields = s->fields;
}

static void shown_clear(shown_finding *s)
{
    for (size_t i = 0; i < s->n_strings; i++)
        free(s->strings[i]);
}

/* Everything the channels of one delivery need, copied from the finding:
 * a job runs without it, in any thread (cg_alert_job_run). */
struct cg_alert_job {
    char *label;      /* the channel, for messages */
    const char *rule; /* the rule ID (static) */
    char *jsonl_line; /* the JSON Lines file's line, newline included; NULL: not this job's */
    char *paths[CG_ALERT_MAX_HOOKS];
    size_t n_hooks;
    char **envv; /* the hooks' environment, owned, NULL-terminated */
    uint8_t *input;
    size_t input_len;
    uint8_t *mail; /* NULL: no mail in this job */
    size_t mail_len;
};

void cg_alert_job_free(cg_alert_job *j)
{
    if (j == NULL)
        return;
    free(j->label);
    free(j->jsonl_line);
    for (size_t i = 0; i < j->n_hooks; i++)
        free(j->paths[i]);
    for (size_t i = 0; j->envv != NULL && j->envv[i] != NULL; i++)
        free(j->envv[i]);
    free(j->envv);
    free(j->input);
    free(j->mail);
    free(j);
}

static int is_channel(const char *channel, const char *name)
{
    return channel == NULL || strcmp(channel, name) == 0;
}

/* The hooks a channel names: "hook:PATH" one configured hook, "hooks_dir"
 * the directory's, NULL all of them. */
static size_t job_hooks(cg_alert *a, const char *channel, char **paths, size_t cap)
{
    char *all[CG_ALERT_MAX_HOOKS];
    int owned[CG_ALERT_MAX_HOOKS];
    size_t n_all = 0, n = 0;
    if (channel != NULL && strncmp(channel, "hook:", 5) == 0) {
        if (cap > 0 && cg_alert_has_channel(a, channel) && (paths[n] = strdup(channel + 5)))
            n++;
        return n;
    }
    if (channel != NULL && strcmp(channel, "hooks_dir") != 0)
        return 0;
    n_all = collect_hooks(a, all, owned, CG_ALERT_MAX_HOOKS);
    for (size_t i = 0; i < n_all; i++) {
        if (channel != NULL && !owned[i])
            continue; /* "hooks_dir": not the configured ones */
        if (n < cap && (paths[n] = strdup(all[i])) != NULL)
            n++;
    }
    for (size_t i = 0; i < n_all; i++) {
        if (owned[i])
            free(all[i]);
    }
    return n;
}

/* The environment as an owned array (env_build borrows environ). */
static char **env_copy(const cg_finding *f, const cg_alert_info *info)
{
    env e;
    size_t n = 0;
    char **v = NULL;
    if (!env_build(&e, f, info))
        goto out;
    while (e.v[n] != NULL)
        n++;
    v = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; v != NULL && i < n; i++) {
        v[i] = strdup(e.v[i]);
        if (v[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            v = NULL;
        }
    }
out:
    env_free(&e);
    return v;
}

/* A path of the hooks directory: DIR/NAME, NAME without '/' and not a
 * dotfile, an executable regular file. */
static int in_hooks_dir(const cg_alert *a, const char *path)
{
    size_t n = a->hooks_dir != NULL ? strlen(a->hooks_dir) : 0;
    return n > 0 && strncmp(path, a->hooks_dir, n) == 0 && path[n] == '/' &&
           path[n + 1] != '\0' && path[n + 1] != '.' && strchr(path + n + 1, '/') == NULL &&
           is_executable_file(path);
}

int cg_alert_has_channel(const cg_alert *a, const char *channel)
{
    if (strncmp(channel, "hook:", 5) == 0) {
        for (size_t i = 0; i < a->n_hooks; i++) {
            if (strcmp(a->hooks[i], channel + 5) == 0)
                return 1;
        }
        return in_hooks_dir(a, channel + 5);
    }
    if (strcmp(channel, "hooks_dir") == 0)
        return a->hooks_dir != NULL;
    if (strcmp(channel, "jsonl") == 0)
        return a->jsonl != NULL;
    if (strcmp(channel, "mail") == 0)
        return a->mail_to != NULL;
    return 0;
}

size_t cg_alert_channels(const cg_alert *a, char **names, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_hooks && n < cap; i++) {
        size_t len = strlen(a->hooks[i]) + 6;
        if ((names[n] = malloc(len)) != NULL)
            snprintf(names[n++], len, "hook:%s", a->hooks[i]);
    }
    if (a->hooks_dir != NULL && n < cap && (names[n] = strdup("hooks_dir")) != NULL)
        n++;
    if (a->jsonl != NULL && n < cap && (names[n] = strdup("jsonl")) != NULL)
        n++;
    if (a->mail_to != NULL && n < cap && (names[n] = strdup("mail")) != NULL)
        n++;
    return n;
}

size_t cg_alert_dir_hooks(cg_alert *a, char **paths, size_t cap)
{
    return job_hooks(a, "hooks_dir", paths, cap);
}

cg_severity cg_alert_min_severity(const cg_alert *a)
{
    return a->min_severity;
}

cg_alert_job *cg_alert_job_new(cg_alert *a, const char *channel, const cg_finding *raw,
                               const cg_alert_info *info)
{
    const cg_rule *r = cg_rule_get(raw->rule);
    cg_alert_job *j = calloc(1, sizeof(*j));
    char *json = NULL;
    shown_finding sf;
    const cg_finding *f = &sf.f;
    if (j == NULL)
        return NULL;
    shown_init(&sf, raw);
    j->rule = r->id;
    j->label = strdup(channel != NULL ? channel : "alerts");
    json = finding_json(f, info);
    if (j->label == NULL || json == NULL)
        goto oom;
    if (a->jsonl != NULL && is_channel(channel, "jsonl")) {
        size_t len = strlen(json);
        j->jsonl_line = malloc(len + 2);
        if (j->jsonl_line == NULL)
            goto oom;
        memcpy(j->jsonl_line, json, len);
        memcpy(j->jsonl_line + len, "\n", 2);
    }
    j->n_hooks = job_hooks(a, channel, j->paths, CG_ALERT_MAX_HOOKS);
    if (j->n_hooks > 0) {
        j->input_len = strlen(json) + 1;
        j->input = malloc(j->input_len);
        j->envv = env_copy(f, info);
        if (j->input == NULL || j->envv == NULL)
            goto oom;
        memcpy(j->input, json, j->input_len - 1);
        j->input[j->input_len - 1] = '\n';
    }
    if (a->mail_to != NULL && is_channel(channel, "mail")) {
        j->mail = (uint8_t *)cg_alert_mail_message(f, info, a->mail_from, a->mail_to,
                                                   (int64_t)time(NULL), &j->mail_len);
        if (j->mail == NULL)
            goto oom;
    }
    free(json);
    shown_clear(&sf);
    return j;
oom:
    free(json);
    shown_clear(&sf);
    cg_alert_job_free(j);
    return NULL;
}

static void first_why(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void first_why(char *why, size_t cap, const char *fmt, ...)
{
    if (why == NULL || cap == 0 || why[0] != '\0')
        return;
    CG_FORMAT_ARGS(why, cap, fmt);
}

int cg_alert_job_run(const cg_alert *a, const cg_alert_job *j, cg_alert_stats *st, char *why,
                     size_t cap)
{
    cg_proc procs[CG_ALERT_MAX_HOOKS + 1];
    char *hook_argv[CG_ALERT_MAX_HOOKS][2];
    char *mail_argv[4];
    size_t n_procs = 0;
    int ok = 1;
    char line[1024];

    if (why != NULL && cap > 0)
        why[0] = '\0';
    if (j->jsonl_line != NULL) {
        st->jsonl_lines++;
        int written = write_jsonl(a, j->jsonl_line, line, sizeof(line));
        cg_monitor_series_alert(a->series, "jsonl", written);
        if (!written) {
            st->jsonl_failures++;
            a->report(a->report_arg, line);
            first_why(why, cap, "%s", line);
            ok = 0;
        }
    }
    memset(procs, 0, sizeof(procs));
    for (size_t i = 0; i < j->n_hooks; i++) {
        cg_proc *p = &procs[n_procs++];
        hook_argv[i][0] = j->paths[i];
        hook_argv[i][1] = NULL;
        p->path = j->paths[i];
        p->argv = hook_argv[i];
        p->envp = j->envv;
        p->input = j->input;
        p->input_len = j->input_len;
    }
    if (j->mail != NULL) {
        cg_proc *p = &procs[n_procs++];
        mail_argv[0] = a->sendmail;
        mail_argv[1] = "-t";
        mail_argv[2] = "-oi";
        mail_argv[3] = NULL;
        p->path = a->sendmail;
        p->argv = mail_argv;
        p->envp = NULL;
        p->input = j->mail;
        p->input_len = j->mail_len;
    }
    if (n_procs > 0)
        cg_proc_run(procs, n_procs, a->timeout_ms);
    for (size_t i = 0; i < n_procs; i++) {
        const cg_proc *p = &procs[i];
        int is_mail = i == j->n_hooks;
        char desc[512];
        if (is_mail)
            st->mails++;
        else
            st->hook_runs++;
        cg_monitor_series_alert(a->series, is_mail ? "mail" : "hook", cg_proc_ok(p));
        if (cg_proc_ok(p))
            continue;
        ok = 0;
        cg_proc_describe(p, a->timeout_ms, desc, sizeof(desc));
        if (is_mail) {
            st->mail_failures++;
            snprintf(line, sizeof(line), "mail to %s: %s %s (finding %s)", a->mail_to,
                     a->sendmail, desc, j->rule);
        } else {
            st->hook_failures++;
            snprintf(line, sizeof(line), "hook %s %s (finding %s)", p->path, desc, j->rule);
        }
        a->report(a->report_arg, line);
        first_why(why, cap, "%s", line);
    }
    return ok;
}

static void stats_add(cg_alert_stats *to, const cg_alert_stats *d)
{
    to->hook_runs += d->hook_runs;
    to->hook_failures += d->hook_failures;
    to->jsonl_lines += d->jsonl_lines;
    to->jsonl_failures += d->jsonl_failures;
    to->mails += d->mails;
    to->mail_failures += d->mail_failures;
}

int cg_alert_finding(cg_alert *a, const cg_finding *f, const cg_alert_info *info)
{
    const cg_rule *r = cg_rule_get(f->rule);
    cg_alert_stats d;
    cg_alert_job *j;
    int ok;

    a->stats.findings++;
    if (cg_finding_severity(f) > a->min_severity)
        return 1;
    a->stats.alerted++;
    j = cg_alert_job_new(a, NULL, f, info);
    if (j == NULL) {
        say(a, "%s: out of memory", r->id);
        return 0;
    }
    memset(&d, 0, sizeof(d));
    ok = cg_alert_job_run(a, j, &d, NULL, 0);
    stats_add(&a->stats, &d);
    cg_alert_job_free(j);
    return ok;
}
