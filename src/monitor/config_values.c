/* A value of the monitor configuration read by its key's type (whole
 * numbers and decimals in their range, booleans, one of an enum's names,
 * URLs, mail addresses, CCADB IDs, paths resolved against the config's
 * directory and checked, store URIs) and put where the key says: a field
 * replaced or a repeatable key's list appended to. Part of
 * monitor/config.c's parser (config_internal.h). */
#include "monitor/config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/grow.h"

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
        return cg_cfg_dup(value, vl);
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
        if (sv->n == CG_CONFIG_MAX_REPEAT) {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: given more than %d times", ps->label, k->name,
                       CG_CONFIG_MAX_REPEAT);
            free(s);
            return 0;
        }
        if (!cg_grow((void **)&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v))) {
            free(s);
            return 0;
        }
        sv->v[sv->n++] = s;
        return 1;
    }
    char **field = (char **)(base + k->off);
    free(*field);
    *field = s;
    return 1;
}

int cg_cfg_set_value(parser *ps, const key_def *k, const char *v)
{
    char *base = section_base(ps), *s = NULL, buf[600];
    const char *why = NULL;
    int64_t n;
    int b, r;

    switch (k->type) {
    case T_INT:
        r = parse_int(v, &n);
        if (r == 0) {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a whole number", ps->label, k->name,
                       v);
            return 0;
        }
        if (r < 0 || n < k->min || n > k->max) {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: %s is out of range (%lld to %lld)", ps->label,
                       k->name, v, (long long)k->min, (long long)k->max);
            return 0;
        }
        *(int64_t *)(base + k->off) = n;
        return 1;
    case T_REAL: {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || !(d > k->min && d <= k->max)) {
            cg_cfg_err(ps, ps->lineno,
                       "[%s] %s: '%s' is not a number more than %lld and at most %lld", ps->label,
                       k->name, v, (long long)k->min, (long long)k->max);
            return 0;
        }
        *(double *)(base + k->off) = d;
        return 1;
    }
    case T_BOOL:
        if (!parse_bool(v, &b)) {
            cg_cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a boolean (true or false)", ps->label,
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
        cg_cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not one of %s", ps->label, k->name, v, buf);
        return 0;
    case T_STRING:
        s = cg_cfg_dup(v, strlen(v));
        break;
    case T_URL:
        why = url_problem(v);
        if (why == NULL)
            s = cg_cfg_dup(v, strlen(v));
        break;
    case T_ADDR:
        if (!is_addr(v))
            why = "not a mail address (local@domain)";
        else
            s = cg_cfg_dup(v, strlen(v));
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
                cg_cfg_err(ps, ps->lineno, "[%s] %s: an address longer than %zu bytes", ps->label,
                           k->name, sizeof(one) - 1);
                return 0;
            }
            memcpy(one, p, len);
            one[len] = '\0';
            if (!is_addr(one)) {
                cg_cfg_err(ps, ps->lineno, "[%s] %s: '%s' is not a mail address (local@domain)",
                           ps->label, k->name, one);
                return 0;
            }
            s = cg_cfg_dup(one, len);
            if (s == NULL || !store_string(ps, k, base, s)) {
                if (s == NULL)
                    cg_cfg_err(ps, ps->lineno, "out of memory");
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
            s = cg_cfg_dup(v, strlen(v));
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
                    s = cg_cfg_dup(v, strlen(v));
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
            s = cg_cfg_dup(v, strlen(v));
        } else {
            s = resolve(ps, v);
        }
        break;
    }
    }
    if (why != NULL) {
        cg_cfg_err(ps, ps->lineno, "[%s] %s: %s", ps->label, k->name, why);
        free(s);
        return 0;
    }
    if (s == NULL) {
        cg_cfg_err(ps, ps->lineno, "out of memory");
        return 0;
    }
    return store_string(ps, k, base, s);
}
