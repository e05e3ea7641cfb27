/* --store, the global option of the store commands, opening the store
 * with a message a person can act on, and storing a run's findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/errf.h"
#include "util/num.h"
#include "util/redact.h"

/* Set once by main before the command runs. */
static const char *global_store;

void cg_cli_set_global_store(const char *uri)
{
    global_store = uri;
}

const char *cg_cli_store_uri(const char *cmd_opt)
{
    const char *env = getenv("CAGUARD_STORE");
    if (cmd_opt != NULL)
        return cmd_opt;
    if (global_store != NULL)
        return global_store;
    if (env != NULL && env[0] != '\0')
        return env;
    return CG_CLI_DEFAULT_STORE;
}

cg_store *cg_cli_store_open(const char *cmd, const char *cmd_opt, int flags)
{
    char err[1024], shown[1024];
    cg_store_status status;
    const char *uri = cg_cli_store_uri(cmd_opt);
    cg_store *s = cg_store_open(uri, flags, &status, err, sizeof(err));
    if (s == NULL) {
        cg_redact_with(err, uri, shown, sizeof(shown));
        fprintf(stderr, "caguard %s: %s\n", cmd, shown);
    }
    return s;
}

const char *cg_cli_store_shown(const char *cmd_opt, char *buf, size_t cap)
{
    cg_redact(cg_cli_store_uri(cmd_opt), buf, cap);
    return buf;
}

void cg_cli_store_error(const char *cmd, const char *cmd_opt, const char *fmt, ...)
{
    char shown[1024], msg[2048], clean[2048];
    CG_FORMAT_ARGS(msg, sizeof(msg), fmt);
    cg_redact_with(msg, cg_cli_store_uri(cmd_opt), clean, sizeof(clean));
    fprintf(stderr, "caguard %s: store %s: %s\n", cmd,
            cg_cli_store_shown(cmd_opt, shown, sizeof(shown)), clean);
}

int cg_cli_parse_id(const char *s, int64_t *id)
{
    uint64_t v;
    if (!cg_parse_u64(s, 1, INT64_MAX, &v))
        return 0;
    *id = (int64_t)v;
    return 1;
}

int cg_cli_put_finding(cg_store *st, const cg_finding *f, int64_t at, int64_t *id)
{
    const cg_rule *r = cg_rule_get(f->rule);
    cg_store_finding sf;
    memset(&sf, 0, sizeof(sf));
    sf.rule = r->id;
    sf.severity = r->severity;
    sf.has_object = f->obj->has_hash;
    memcpy(sf.object, f->obj->sha256, 32);
    sf.incident = f->incident;
    sf.message = f->message;
    return cg_store_put_finding(st, &sf, at, NULL, id);
}
