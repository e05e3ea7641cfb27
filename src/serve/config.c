/* caguard serve's keys of the shared INI file (config.h), read with
 * libinih: the handler returns 0 on the first key it refuses, and
 * ini_parse then gives that key's line. */
#include "serve/config.h"

#include <ini.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse {
    cg_serve_config *c;
    const char *dir; /* the file's directory, "" for the current one */
    char msg[400];
    unsigned seen; /* [serve] keys given, by bit */
} parse;

static char *path_of(const parse *p, const char *v)
{
    if (v[0] == '/' || p->dir[0] == '\0')
        return strdup(v);
    size_t n = strlen(p->dir) + strlen(v) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s/%s", p->dir, v);
    return s;
}

static int whole(const char *v, int64_t min, int64_t max, int64_t *out)
{
    int64_t n = 0;
    if (v[0] == '\0')
        return 0;
    for (const char *s = v; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || n > (INT64_MAX - 9) / 10)
            return 0;
        n = n * 10 + (*s - '0');
    }
    if (n < min || n > max)
        return 0;
    *out = n;
    return 1;
}

static int boolean(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
            *out = strcmp(v, yes[i]) == 0;
            return 1;
        }
    }
    return 0;
}

/* One string field, set once. */
static int set_str(parse *p, char **field, const char *sec, const char *key, const char *v,
                   int is_path)
{
    if (*field != NULL) {
        snprintf(p->msg, sizeof(p->msg), "[%s] %s given twice", sec, key);
        return 0;
    }
    *field = is_path ? path_of(p, v) : strdup(v);
    if (*field == NULL) {
        snprintf(p->msg, sizeof(p->msg), "out of memory");
        return 0;
    }
    return 1;
}

static int add_ca(parse *p, const char *where, const char *v)
{
    if (p->c->n_cas == CG_SERVE_MAX_CAS) {
        snprintf(p->msg, sizeof(p->msg), "%s: more than %d CA certificates", where,
                 CG_SERVE_MAX_CAS);
        return 0;
    }
    p->c->cas[p->c->n_cas] = path_of(p, v);
    if (p->c->cas[p->c->n_cas] == NULL) {
        snprintf(p->msg, sizeof(p->msg), "out of memory");
        return 0;
    }
    p->c->n_cas++;
    return 1;
}

static int serve_key(parse *p, const char *key, const char *v)
{
    cg_serve_config *c = p->c;
    static const char *const keys[] = {"listen", "threads",    "max_body", "timeout",
                                       "token_file", "store", "access_log", "br_profile"};
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i]) != 0)
            continue;
        if (p->seen & (1u << i)) {
            snprintf(p->msg, sizeof(p->msg), "[serve] %s given twice", key);
            return 0;
        }
        p->seen |= 1u << i;
    }
    if (strcmp(key, "listen") == 0)
        return set_str(p, &c->listen, "serve", key, v, 0);
    if (strcmp(key, "token_file") == 0)
        return set_str(p, &c->token_file, "serve", key, v, 1);
    if (strcmp(key, "store") == 0) {
        /* a URI is taken as written; a path is resolved */
        int uri = strstr(v, "://") != NULL || strncmp(v, "sqlite:", 7) == 0;
        return set_str(p, &c->store, "serve", key, v, !uri);
    }
    if (strcmp(key, "ca") == 0)
        return add_ca(p, "[serve] ca", v);
    if (strcmp(key, "threads") == 0 && whole(v, 1, 256, &c->threads))
        return 1;
    if (strcmp(key, "max_body") == 0 && whole(v, 1024, (int64_t)1 << 30, &c->max_body))
        return 1;
    if (strcmp(key, "timeout") == 0 && whole(v, 1, 3600, &c->timeout))
        return 1;
    if (strcmp(key, "access_log") == 0 && boolean(v, &c->access_log))
        return 1;
    if (strcmp(key, "br_profile") == 0 && boolean(v, &c->br_profile))
        return 1;
    if (strcmp(key, "threads") == 0 || strcmp(key, "max_body") == 0 || strcmp(key, "timeout") == 0)
        snprintf(p->msg, sizeof(p->msg), "[serve] %s: \"%s\" is not a whole number in %s", key, v,
                 key[0] == 't' && key[1] == 'h' ? "1 to 256"
                 : key[0] == 'm'                ? "1024 to 1073741824"
                                                : "1 to 3600");
    else if (strcmp(key, "access_log") == 0 || strcmp(key, "br_profile") == 0)
        snprintf(p->msg, sizeof(p->msg), "[serve] %s: \"%s\" is not a boolean", key, v);
    else
        snprintf(p->msg, sizeof(p->msg),
                 "unknown key \"%s\" in [serve] (listen, threads, max_body, timeout, "
                 "token_file, store, ca, access_log, br_profile)",
                 key);
    return 0;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse *p = user;
    if (key == NULL)
        return 1; /* a section header */
    if (value[0] == '\0' && (strcmp(section, "serve") == 0 || strcmp(section, "loglist") == 0)) {
        snprintf(p->msg, sizeof(p->msg), "[%s] %s is empty", section, key);
        return 0;
    }
    if (strcmp(section, "serve") == 0)
        return serve_key(p, key, value);
    if (strcmp(section, "loglist") == 0) {
        if (strcmp(key, "source") == 0) {
            if (strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0)
                return set_str(p, &p->c->loglist, "loglist", key, value, 0);
            return set_str(p, &p->c->loglist, "loglist", key, value, 1);
        }
        if (strcmp(key, "sig") == 0) {
            int url = strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0;
            return set_str(p, &p->c->loglist_sig, "loglist", key, value, !url);
        }
        if (strcmp(key, "key") == 0)
            return set_str(p, &p->c->loglist_key, "loglist", key, value, 1);
        if (strcmp(key, "reload_interval") == 0) {
            if (whole(value, 1, 30 * 86400, &p->c->reload_interval))
                return 1;
            snprintf(p->msg, sizeof(p->msg),
                     "[loglist] reload_interval: \"%s\" is not a whole number in 1 to 2592000",
                     value);
            return 0;
        }
        return 1; /* follow: the monitor's */
    }
    if (strncmp(section, "issuer ", 7) == 0 && strcmp(key, "cert") == 0) {
        char where[80];
        snprintf(where, sizeof(where), "[%.60s] cert", section);
        return add_ca(p, where, value);
    }
    return 1; /* the monitor's */
}

void cg_serve_config_init(cg_serve_config *c)
{
    memset(c, 0, sizeof(*c));
    c->access_log = -1;
    c->br_profile = -1;
}

void cg_serve_config_clear(cg_serve_config *c)
{
    free(c->listen);
    free(c->token_file);
    free(c->store);
    free(c->loglist);
    free(c->loglist_sig);
    free(c->loglist_key);
    for (size_t i = 0; i < c->n_cas; i++)
        free(c->cas[i]);
    cg_serve_config_init(c);
}

int cg_serve_config_load(cg_serve_config *c, const char *path, char *err, size_t errcap)
{
    parse p;
    char dir[4096];
    memset(&p, 0, sizeof(p));
    p.c = c;
    const char *slash = strrchr(path, '/');
    size_t dl = slash != NULL ? (size_t)(slash - path) : 0;
    if (dl >= sizeof(dir)) {
        snprintf(err, errcap, "%s: path too long", path);
        return 0;
    }
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    p.dir = dir;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return 0;
    }
    int line = ini_parse_file(f, handler, &p);
    fclose(f);
    if (line != 0) {
        if (p.msg[0] != '\0')
            snprintf(err, errcap, "%s:%d: %s", path, line, p.msg);
        else
            snprintf(err, errcap, "%s:%d: not a section header or a key = value line", path, line);
        cg_serve_config_clear(c);
        return 0;
    }
    if (c->loglist_sig != NULL && c->loglist_key == NULL) {
        snprintf(err, errcap, "%s: [loglist] sig needs key", path);
        cg_serve_config_clear(c);
        return 0;
    }
    return 1;
}
