/* What the demo shows at the end (demo.h): the dashboard, as caguard
 * report --html writes it, and the summary of the store's findings rule by
 * rule, each with the first object it is about by its name in certs/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "ct/loglist.h"
#include "report/html.h"
#include "store/store.h"

/* DIR/dashboard, as caguard report --html writes it, with the log list
 * that names the demo logs' operators. */
int demo_write_dashboard(demo *d, cg_html_stats *hs)
{
    cg_store *st = demo_open_store(d);
    cg_loglist *ll = cg_loglist_new();
    uint8_t *json = NULL;
    size_t len = 0;
    int ok = 0;
    if (st == NULL)
        goto out;
    json = cg_cli_read_file("loglist-2.json", &len, d->err, sizeof(d->err));
    if (ll == NULL || json == NULL ||
        !cg_loglist_load(ll, json, len, "loglist-2.json", d->err, sizeof(d->err)))
        goto out;
    cg_html_opts o;
    memset(&o, 0, sizeof(o));
    o.at = d->at;
    o.loglist = ll;
    o.store_name = "caguard demo (" DEMO_STORE_FILE ")";
    ok = cg_html_report_write(st, "dashboard", &o, hs, d->err, sizeof(d->err));
out:
    free(json);
    cg_loglist_free(ll);
    cg_store_close(st);
    return ok;
}

static void name_objects(demo_summary *s)
{
    static const char *const suffix[3] = {".precert.pem", ".precert-2.pem", ".pem"};
    for (int i = 0; i < DEMO_N_ITEMS; i++) {
        X509 *x[3] = {s->d->it[i].pre, s->d->it[i].pre_b, s->d->it[i].final};
        for (int k = 0; k < 3; k++) {
            unsigned char *der = NULL;
            int n = x[k] != NULL ? i2d_X509(x[k], &der) : 0;
            demo_named_object *o = &s->objs[s->n_objs];
            if (n > 0 && EVP_Digest(der, (size_t)n, o->sha256, NULL, EVP_sha256(), NULL)) {
                snprintf(o->name, sizeof(o->name), "certs/%s%s", s->d->it[i].name, suffix[k]);
                o->clean = s->d->it[i].clean;
                s->n_objs++;
            }
            OPENSSL_free(der);
        }
    }
}

static const demo_named_object *find_object(const demo_summary *s, const uint8_t sha[32])
{
    for (size_t i = 0; i < s->n_objs; i++) {
        if (memcmp(s->objs[i].sha256, sha, 32) == 0)
            return &s->objs[i];
    }
    return NULL;
}

static int collect(void *arg, const cg_store_finding *f)
{
    demo_summary *s = arg;
    size_t i;
    if (f->severity <= CG_SEV_NOTICE)
        s->by_sev[f->severity]++;
    const demo_named_object *named = f->has_object ? find_object(s, f->object) : NULL;
    if (f->severity == CG_SEV_ERROR && named != NULL && named->clean) {
        if (s->clean_errors++ == 0)
            snprintf(s->clean_error_example, sizeof(s->clean_error_example), "%s on %s", f->rule,
                     f->file != NULL ? f->file : "?");
    }
    for (i = 0; i < s->n; i++) {
        if (strcmp(s->rows[i].rule, f->rule) == 0)
            break;
    }
    if (i == s->n) {
        if (s->n == sizeof(s->rows) / sizeof(s->rows[0]))
            return 1;
        demo_rule_row *r = &s->rows[s->n++];
        memset(r, 0, sizeof(*r));
        snprintf(r->rule, sizeof(r->rule), "%s", f->rule);
        r->sev = f->severity;
        if (f->kind == CG_KIND_INCIDENT || (f->file == NULL && f->incident != 0)) {
            snprintf(r->first, sizeof(r->first), "incident %lld", (long long)f->incident);
        } else if (named != NULL) {
            snprintf(r->first, sizeof(r->first), "%s", named->name);
        } else if (f->file != NULL) {
            if (f->index > 0)
                snprintf(r->first, sizeof(r->first), "%s #%lld", f->file, (long long)f->index);
            else
                snprintf(r->first, sizeof(r->first), "%s", f->file);
        } else if (f->has_object) {
            char h[65];
            cg_hex(f->object, 32, h);
            snprintf(r->first, sizeof(r->first), "sha256 %.16s…", h);
        } else if (f->has_log) {
            snprintf(r->first, sizeof(r->first), "log %s",
                     f->log_url != NULL ? f->log_url : "(not followed)");
        }
        if (f->incident != 0 && f->kind != CG_KIND_INCIDENT) {
            size_t l = strlen(r->first);
            snprintf(r->first + l, sizeof(r->first) - l, " (incident %lld)",
                     (long long)f->incident);
        }
    }
    s->rows[i].count++;
    return 1;
}

static int row_cmp(const void *a, const void *b)
{
    const demo_rule_row *x = a, *y = b;
    if (x->sev != y->sev)
        return (int)x->sev - (int)y->sev;
    return strcmp(x->rule, y->rule);
}

int demo_summarize(demo *d, demo_summary *s, FILE *out)
{
    cg_store *st = demo_open_store(d);
    if (st == NULL)
        return 0;
    memset(s, 0, sizeof(*s));
    s->d = d;
    name_objects(s);
    if (!cg_store_findings(st, NULL, collect, s)) {
        snprintf(d->err, sizeof(d->err), "store: %s", cg_store_errmsg(st));
        cg_store_close(st);
        return 0;
    }
    cg_store_close(st);
    qsort(s->rows, s->n, sizeof(s->rows[0]), row_cmp);
    fprintf(out, "\n%-40s %-8s %5s  %s\n", "rule", "severity", "count", "first object");
    for (size_t i = 0; i < s->n; i++) {
        const demo_rule_row *r = &s->rows[i];
        fprintf(out, "%-40s %-8s %5zu  %s\n", r->rule, cg_severity_name(r->sev), r->count,
                r->first);
    }
    fprintf(out, "\n%zu errors, %zu warnings, %zu notices in the store\n", s->by_sev[0],
            s->by_sev[1], s->by_sev[2]);
    return 1;
}

int demo_has_rule(const demo_summary *s, const char *rule)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->rows[i].rule, rule) == 0)
            return 1;
    }
    return 0;
}
