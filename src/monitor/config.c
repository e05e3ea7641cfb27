/* The monitor's INI configuration (config.h). libinih splits lines into
 * sections and key = value pairs; caguard gives them meaning through one
 * table of keys per section, in the x509lint manner: a key's type, range,
 * whether it repeats or is required, and where its value goes. This file
 * holds the line reader, libinih's callbacks, the defaults and the entry
 * points; config_sections.c the tables and the sections, config_values.c
 * the values by type (config_internal.h is what they share).
 *
 * libinih reads through our line reader, which is how we know line numbers
 * (the handler is called for the line the reader returned last), and which
 * also does what libinih cannot be told at build time: it takes the leading
 * blanks off every line (so indentation is allowed and never read as a
 * continuation line), refuses lines longer than libinih's buffer instead of
 * letting it split them, and opens each section itself, so an empty section
 * is still checked for its required keys and a section header is checked
 * whole (libinih ignores what follows the ']' and cuts long names). */
#include "monitor/config_internal.h"
#include "util/errf.h"

#include <ini.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cg_cfg_err(parser *ps, int line, const char *fmt, ...)
{
    char msg[768];
    if (ps->err_line != 0 && ps->err_line <= line)
        return;
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    ps->err_line = line;
    if (ps->err != NULL && ps->errcap > 0)
        snprintf(ps->err, ps->errcap, "%s:%d: %s", ps->file, line, msg);
}

char *cg_cfg_dup(const char *s, size_t n)
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
    sv->cap = 0;
}

void cg_monitor_config_init(cg_monitor_config *c)
{
    memset(c, 0, sizeof(*c));
    c->poll_interval = 60;
    c->lease_seconds = 60;
    c->br_profile = 1;
    c->parallel = 32;
    c->response_memory = 64;
    c->round_timeout = 120; /* CG_MONITOR_ROUND_TIMEOUT */
    c->round_workers = 8;   /* CG_MONITOR_ROUND_WORKERS */
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
    c->min_severity = CG_SEV_NOTICE;
    c->fail_on = CG_SEV_ERROR;
}

void cg_monitor_config_clear(cg_monitor_config *c)
{
    if (c == NULL)
        return;
    free(c->file);
    free(c->store);
    free(c->worker_id);
    free(c->metrics_listen);
    strv_clear(&c->include);
    strv_clear(&c->exclude);
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
        cg_cfg_err(ps, ps->lineno, "a NUL byte (this is not a text file)");
        return NULL;
    }
    if (n > CG_CONFIG_MAX_LINE || n + 2 > (size_t)num) {
        cg_cfg_err(ps, ps->lineno, "line longer than %d bytes", CG_CONFIG_MAX_LINE);
        return NULL;
    }
    memcpy(buf, start, n);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    if (n > 0 && start[0] == '[') {
        const char *end = memchr(start, ']', n);
        if (end == NULL) {
            cg_cfg_err(ps, ps->lineno, "a section header without its ']'");
            return NULL;
        }
        /* Only blanks or a comment after the ']'. */
        for (const char *p = end + 1; p < start + n; p++) {
            if (*p == ';' || *p == '#')
                break;
            if (*p != ' ' && *p != '\t' && *p != '\r') {
                cg_cfg_err(ps, ps->lineno, "text after the ']' of a section header");
                return NULL;
            }
        }
        cg_cfg_open_section(ps, start + 1, (size_t)(end - start - 1));
    }
    return buf;
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
        cg_cfg_err(ps, ps->lineno, "%s = ... before any [section]", name);
        return 0;
    }
    if (ps->sec->kind == S_SERVE)
        return 1;
    k = cg_cfg_find_key(ps->sec, name, &idx);
    if (k == NULL) {
        char keys[256] = "";
        for (size_t i = 0; i < ps->sec->n_keys; i++) {
            size_t used = strlen(keys);
            snprintf(keys + used, sizeof(keys) - used, "%s%s", i > 0 ? ", " : "",
                     ps->sec->keys[i].name);
        }
        cg_cfg_err(ps, ps->lineno, "[%s] unknown key '%s' (keys: %s)", ps->label, name, keys);
        return 0;
    }
    if (!k->repeat && (ps->seen & (1u << idx))) {
        cg_cfg_err(ps, ps->lineno, "[%s] %s given twice", ps->label, name);
        return 0;
    }
    ps->seen |= 1u << idx;
    if (value == NULL || value[0] == '\0') {
        cg_cfg_err(ps, ps->lineno, "[%s] %s: no value", ps->label, name);
        return 0;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: a control character in the value", ps->label,
                       name);
            return 0;
        }
        if (*p == 0x7f) {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: a control character in the value", ps->label,
                       name);
            return 0;
        }
    }
    return cg_cfg_set_value(ps, k, value);
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
        cg_cfg_err(ps, line, "a section header without its ']' before a comment");
    else
        cg_cfg_err(ps, line, "not a [section], a key = value or a comment");
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
        ps.dir = cg_cfg_dup(name, slash == name ? 1 : (size_t)(slash - name));
        if (ps.dir == NULL)
            goto out;
    }
    tmp.file = cg_cfg_dup(name, strlen(name));
    if (tmp.file == NULL) {
        cg_cfg_err(&ps, 1, "out of memory");
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
        cg_cfg_close_section(&ps);
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
