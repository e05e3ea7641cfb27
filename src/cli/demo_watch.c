/* caguard at work in the demo (demo.h): the store, the PKI ingested
 * in-process, and the monitor (monitor/monitor.h) with the demo's store:
 * it follows both logs, follows log B to its new URL when the reloaded log
 * list says so, and from its second pass on fetches the CRLs as a relying
 * party would. */
/* Paths and messages are built with snprintf into fixed buffers; a --out
 * path too long for them is refused up front (demo_prepare_dirs), so what
 * GCC warns of here cannot cut a path. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "ct/loglist.h"
#include "monitor/crlwatch.h"
#include "monitor/loglistwatch.h"
#include "monitor/monitor.h"
#include "report/output.h"
#include "store/ingest.h"
#include "store/store.h"

static void ignore_finding(void *arg, const cg_finding *f)
{
    (void)arg;
    (void)f;
}

cg_store *demo_open_store(demo *d)
{
    cg_store *st = cg_store_open(DEMO_STORE_FILE, CG_STORE_CREATE, NULL, d->err, sizeof(d->err));
    return st;
}

/* Ingests files in-process, seen at the time of the run. */
int demo_ingest_files(demo *d, const char *const *paths, size_t n)
{
    cg_store *st = demo_open_store(d);
    cg_ingest *ing = NULL;
    int ok = 0;
    if (st == NULL)
        return 0;
    cg_ingest_opts io = {d->now, d->now, NULL};
    ing = cg_ingest_new(st, &io, ignore_finding, NULL);
    if (ing == NULL) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *data = cg_cli_read_file(paths[i], &len, d->err, sizeof(d->err));
        if (data == NULL)
            goto out;
        int r = cg_ingest_file(ing, paths[i], data, len, d->err, sizeof(d->err));
        free(data);
        if (!r)
            goto out;
    }
    ok = 1;
out:
    cg_ingest_free(ing);
    cg_store_close(st);
    return ok;
}

void demo_monitor_close(demo_mon *dm)
{
    cg_monitor_free(dm->m);
    cg_crlwatch_free(dm->cw);
    cg_loglist_watch_free(dm->lw);
    cg_store_close(dm->st);
    cg_loglist_free(dm->ll);
    cg_out_free(dm->out);
    if (dm->findings != NULL)
        fclose(dm->findings);
    if (dm->log != NULL)
        fclose(dm->log);
    memset(dm, 0, sizeof(*dm));
}

static void loglist_log(void *arg, int is_error, const char *msg)
{
    fprintf(arg, "caguard monitor: %s%s\n", is_error ? "error: " : "", msg);
}

int demo_monitor_open(demo *d, demo_mon *dm, const char *loglist)
{
    size_t len = 0;
    uint8_t *json = NULL;
    memset(dm, 0, sizeof(*dm));
    dm->st = demo_open_store(d);
    dm->ll = cg_loglist_new();
    dm->findings = fopen("monitor.jsonl", "w");
    dm->log = fopen("run.log", "a");
    dm->out = dm->findings != NULL ? cg_out_new(dm->findings, CG_OUT_JSON, 0) : NULL;
    if (dm->st == NULL)
        goto err;
    if (dm->ll == NULL || dm->out == NULL || dm->log == NULL) {
        snprintf(d->err, sizeof(d->err), "out of memory, or cannot write in %s", d->work);
        goto err;
    }
    json = cg_cli_read_file(loglist, &len, d->err, sizeof(d->err));
    if (json == NULL || !cg_loglist_load(dm->ll, json, len, loglist, d->err, sizeof(d->err)))
        goto err;
    cg_monitor_opts mo;
    memset(&mo, 0, sizeof(mo));
    mo.at = d->now;
    mo.loglist = dm->ll;
    mo.log = dm->log;
    dm->m = cg_monitor_new(dm->st, &mo, d->err, sizeof(d->err));
    if (dm->m == NULL || !cg_monitor_on_finding(dm->m, cg_out_sink, dm->out))
        goto err;
    /* The log list the CA's monitor follows, reloaded at every pass and
     * compared with the stored copy: the move of log B is a change
     * (ct.loglist.changed) and the monitor follows it. */
    dm->lw = cg_loglist_watch_new(NULL, loglist_log, dm->log);
    if (dm->lw == NULL || !cg_loglist_watch_add(dm->lw, "loglist.json", NULL) ||
        !cg_loglist_watch_attach(dm->lw, dm->m, 3600)) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        goto err;
    }
    unsigned char *der = NULL;
    int der_len = i2d_X509(d->ca, &der);
    int added = der_len > 0 && cg_monitor_add_issuer(dm->m, "pki/ca.pem", der, (size_t)der_len,
                                                     d->err, sizeof(d->err));
    OPENSSL_free(der);
    if (!added)
        goto err;
    for (int l = 0; l < 2; l++) {
        char url[96], name[16];
        cg_monitor_log ml;
        snprintf(url, sizeof(url), "http://%s", d->addr[l]);
        snprintf(name, sizeof(name), "demo log %c", l == 0 ? 'A' : 'B');
        memset(&ml, 0, sizeof(ml));
        ml.url = url;
        ml.key = d->log_key[l];
        ml.type = CG_MONITOR_LOG_RFC6962;
        ml.name = name;
        if (!cg_monitor_add_log(dm->m, &ml)) {
            snprintf(d->err, sizeof(d->err), "monitor: %s", cg_monitor_errmsg(dm->m));
            goto err;
        }
    }
    free(json);
    return 1;
err:
    free(json);
    demo_monitor_close(dm);
    return 0;
}

/* One pass: every log to its current tree head. */
int demo_monitor_pass(demo *d, demo_mon *dm)
{
    if (!cg_monitor_run(dm->m, 1)) {
        snprintf(d->err, sizeof(d->err), "monitor: %s", cg_monitor_errmsg(dm->m));
        return 0;
    }
    const cg_monitor_stats *st = cg_monitor_get0_stats(dm->m);
    if (st->log_failures > 0) {
        snprintf(d->err, sizeof(d->err), "monitor: %zu log round(s) failed; see %s/run.log",
                 st->log_failures, d->work);
        return 0;
    }
    fflush(dm->findings);
    return 1;
}

static void crl_log(void *arg, int is_error, const char *url, const char *msg)
{
    FILE *f = arg;
    fprintf(f, "caguard monitor: CRL %s: %s%s\n", url, is_error ? "error: " : "", msg);
}

static int add_crl_issuer(demo *d, demo_mon *dm, X509 *ca, const char *label, const char *file)
{
    unsigned char *der = NULL;
    char url[128];
    int n = i2d_X509(ca, &der);
    int idx =
        n > 0 ? cg_crlwatch_add_issuer(dm->cw, der, (size_t)n, label, 0, d->err, sizeof(d->err))
              : -1;
    OPENSSL_free(der);
    snprintf(url, sizeof(url), "http://%s/files/%s", d->addr[2], file);
    return idx >= 0 && cg_crlwatch_add_url(dm->cw, idx, url, 0, d->err, sizeof(d->err));
}

/* The CRL watcher joins the monitor: from the next pass on, each pass
 * fetches the root's and the issuing CA's CRLs from the CRL endpoint, as a
 * relying party would, and ingests what is new at the fetch time. */
int demo_monitor_watch_crls(demo *d, demo_mon *dm)
{
    dm->cw = cg_crlwatch_new(dm->st, NULL, NULL, NULL);
    if (dm->cw == NULL) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        return 0;
    }
    cg_crlwatch_set_log(dm->cw, crl_log, dm->log);
    return add_crl_issuer(d, dm, d->root, "demo root", "root.crl") &&
           add_crl_issuer(d, dm, d->ca, "demo issuing CA", "ca.crl") &&
           cg_crlwatch_add_to_monitor(dm->cw, dm->m, 600);
}

/* When the watcher first fetched the CA's CRL. */
int demo_crl_published(demo *d, demo_mon *dm)
{
    cg_store_crl_source src;
    char url[128];
    int found = 0;
    snprintf(url, sizeof(url), "http://%s/files/ca.crl", d->addr[2]);
    if (!cg_store_crl_source_get(dm->st, url, &src, &found) || !found || !src.has_crl) {
        snprintf(d->err, sizeof(d->err), "the monitor did not fetch %s: %s", url,
                 found ? src.status : "never fetched");
        return 0;
    }
    d->published = src.last_change != 0 ? src.last_change : src.last_fetch;
    return 1;
}

/* Log B now answers at d->addr[1], and the log list the monitor reloads
 * (loglist.json) says so: the monitor's log-list watcher reports the change
 * and follows log B there at the next pass. */
int demo_monitor_move_b(demo *d, demo_mon *dm)
{
    (void)dm;
    return demo_write_loglist(d, "loglist-2.json", 2, d->addr[1]) &&
           demo_write_loglist(d, "loglist.json", 2, d->addr[1]);
}
