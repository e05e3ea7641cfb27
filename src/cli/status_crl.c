/* caguard status: the CRL section (status_crl.h). */
#include "cli/status_crl.h"

#include <string.h>
#include <time.h>

#include "util/redact.h"
#include "x509/time.h"

typedef struct crl_ctx {
    int json;
    int64_t now;
    FILE *out;
    json_t *arr;
    size_t rows;
    int nomem;
} crl_ctx;

json_t *cg_cli_status_time(int64_t t)
{
    char buf[32];
    if (t == 0)
        return json_null();
    cg_time_format(t, buf, sizeof(buf));
    return json_string(buf);
}

static int crl_row(void *arg, const cg_store_crl_source *src)
{
    crl_ctx *c = arg;
    char fetch[32] = "never", tu[32], nu[32] = "none", url[CG_STORE_URL_MAX];
    int stale = src->has_crl && src->next_update != 0 && c->now > src->next_update;
    c->rows++;
    cg_redact(src->url, url, sizeof(url));
    if (c->json) {
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(c->arr, o) != 0) {
            c->nomem = 1;
            return 0;
        }
        json_object_set_new(o, "url", json_string(url));
        json_object_set_new(o, "kind", json_string(src->is_list ? "list" : "crl"));
        json_object_set_new(o, "issuer", json_string(src->issuer_label));
        json_object_set_new(o, "origin", json_string(src->origin));
        json_object_set_new(o, "last_fetch", cg_cli_status_time(src->last_fetch));
        json_object_set_new(o, "last_change", cg_cli_status_time(src->last_change));
        json_object_set_new(o, "http_status",
                            src->http_code != 0 ? json_integer(src->http_code) : json_null());
        json_object_set_new(o, "status", json_string(src->status));
        json_object_set_new(o, "failures", json_integer((json_int_t)src->failures));
        json_object_set_new(o, "this_update",
                            src->has_crl ? cg_cli_status_time(src->this_update) : json_null());
        json_object_set_new(o, "next_update",
                            src->has_crl ? cg_cli_status_time(src->next_update) : json_null());
        json_object_set_new(o, "entries",
                            src->has_crl ? json_integer((json_int_t)src->entries) : json_null());
        json_object_set_new(o, "stale", json_boolean(stale));
        return 1;
    }
    if (src->last_fetch != 0)
        cg_time_format(src->last_fetch, fetch, sizeof(fetch));
    fprintf(c->out, "%s%s\n  issuer         %s (%s)\n  last fetch     %s\n  status         %s\n",
            url, src->is_list ? " (partitioned-CRL list)" : "", src->issuer_label, src->origin,
            fetch, src->status);
    if (src->failures > 0)
        fprintf(c->out, "  failures       %lld in a row\n", (long long)src->failures);
    if (src->has_crl) {
        cg_time_format(src->this_update, tu, sizeof(tu));
        if (src->next_update != 0)
            cg_time_format(src->next_update, nu, sizeof(nu));
        fprintf(c->out, "  thisUpdate     %s\n  nextUpdate     %s%s\n  entries        %lld\n", tu,
                nu, stale ? " (stale)" : "", (long long)src->entries);
    }
    return 1;
}

int cg_cli_status_crls(cg_store *s, int json, int64_t now, FILE *out, json_t *root)
{
    crl_ctx c;
    memset(&c, 0, sizeof(c));
    c.json = json;
    c.now = now;
    c.out = out;
    if (json) {
        c.arr = json_array();
        if (c.arr == NULL || json_object_set_new(root, "crls", c.arr) != 0)
            return 0;
    } else {
        fprintf(out, "CRLs\n\n");
    }
    if (!cg_store_crl_sources(s, crl_row, &c) || c.nomem)
        return 0;
    if (!json && c.rows == 0)
        fprintf(out, "(none: caguard monitor has not fetched a CRL with this store)\n");
    return 1;
}
