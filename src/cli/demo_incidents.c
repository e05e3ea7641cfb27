/* The demo's incidents (demo.h): three misissuance incidents opened in
 * the store with their certificates, their deadlines evaluated and the
 * findings stored as `caguard incident status` does, and their CCADB
 * report drafts and appendix CSVs written into reports/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "incident/certs.h"
#include "incident/deadlines.h"
#include "incident/report.h"
#include "store/store.h"

typedef struct incident_spec {
    const char *title;
    const char *kind;
    int64_t reported_at;
    int item;
    int64_t prelim_at; /* 0: none */
} incident_spec;

typedef struct store_sink {
    cg_store *st;
    int64_t at;
    int failed;
} store_sink;

static void store_finding(void *arg, const cg_finding *f)
{
    store_sink *s = arg;
    if (!s->failed && !cg_cli_put_finding(s->st, f, s->at, NULL))
        s->failed = 1;
}

static int add_item_certs(demo *d, cg_incident *inc, const demo_item *it)
{
    char p[96];
    const char *suffix[] = {".precert.pem", ".precert-2.pem", ".pem"};
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        snprintf(p, sizeof(p), "certs/%s%s", it->name, suffix[k]);
        if (access(p, F_OK) != 0)
            continue;
        uint8_t *data = cg_cli_read_file(p, &len, d->err, sizeof(d->err));
        if (data == NULL)
            return 0;
        int ok = cg_incident_add_certs(inc, p, data, len, d->err, sizeof(d->err));
        free(data);
        if (!ok)
            return 0;
    }
    cg_incident_pair_certs(inc);
    return 1;
}

/* The Preliminary and the Full report drafts and the appendix CSV. */
static int write_report(demo *d, const cg_incident *inc)
{
    cg_sbuf pre = CG_SBUF_INIT, md = CG_SBUF_INIT, csv = CG_SBUF_INIT;
    cg_report_opts o;
    char p[64];
    int ok;
    memset(&o, 0, sizeof(o));
    o.kind = CG_REPORT_PRELIMINARY;
    ok = cg_incident_report_draft(inc, d->at, &o, &pre, d->err, sizeof(d->err));
    o.kind = CG_REPORT_FULL;
    ok = ok && cg_incident_report_draft(inc, d->at, &o, &md, d->err, sizeof(d->err));
    cg_incident_appendix_csv(inc, d->at, &csv);
    snprintf(p, sizeof(p), "reports/incident-%lld-preliminary.md", (long long)inc->id);
    ok = ok && demo_write_text(d, p, cg_sbuf_str(&pre));
    snprintf(p, sizeof(p), "reports/incident-%lld.md", (long long)inc->id);
    ok = ok && demo_write_text(d, p, cg_sbuf_str(&md));
    snprintf(p, sizeof(p), "reports/incident-%lld.csv", (long long)inc->id);
    ok = ok && !csv.failed && demo_write_text(d, p, cg_sbuf_str(&csv));
    cg_sbuf_free(&pre);
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
    return ok;
}

int demo_open_incidents(demo *d, size_t *n_open)
{
    /* Reported on day 2 and day 18, counted back from the revocations'
     * publication (the CRL fetch), so the delays are whole days; and 4
     * days ago. */
    const incident_spec specs[] = {
        {"Precertificate carrying an SCT list (shop01 renewal)", "misissuance",
         d->published - 56 * DEMO_DAY, DEMO_IT_SCTPRE, d->published - 43 * DEMO_DAY},
        {"Precertificate and certificate with different validity (pay)", "misissuance",
         d->published - 40 * DEMO_DAY, DEMO_IT_VALIDITY, 0},
        {"Two precertificates for one serial (checkout)", "misissuance", d->at - 4 * DEMO_DAY,
         DEMO_IT_DUP, d->at - 2 * DEMO_DAY},
    };
    cg_store *st = demo_open_store(d);
    int ok = 0;
    if (st == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        const incident_spec *s = &specs[i];
        cg_incident inc, got;
        int found = 0;
        memset(&inc, 0, sizeof(inc));
        memset(&got, 0, sizeof(got));
        inc.kind = strdup(s->kind);
        inc.title = strdup(s->title);
        inc.source = CG_SOURCE_SELF;
        inc.reported_at = s->reported_at;
        if (s->prelim_at != 0) {
            inc.events = calloc(1, sizeof(*inc.events));
            if (inc.events != NULL) {
                inc.n_events = 1;
                inc.events[0].type = CG_EVENT_PRELIMINARY_REPORT;
                inc.events[0].at = s->prelim_at;
                inc.events[0].note = strdup("preliminary report posted on Bugzilla");
            }
        }
        if (inc.kind == NULL || inc.title == NULL || (s->prelim_at != 0 && inc.events == NULL)) {
            snprintf(d->err, sizeof(d->err), "out of memory");
            cg_incident_clear(&inc);
            goto out;
        }
        if (!add_item_certs(d, &inc, &d->it[s->item])) {
            cg_incident_clear(&inc);
            goto out;
        }
        int created = cg_store_incident_create(st, &inc);
        int64_t id = inc.id;
        cg_incident_clear(&inc);
        if (!created || !cg_store_incident_get(st, id, &got, &found) || !found ||
            !cg_store_incident_observe_revocations(st, &got)) {
            snprintf(d->err, sizeof(d->err), "store: %s", cg_store_errmsg(st));
            cg_incident_clear(&got);
            goto out;
        }
        /* The deadlines, evaluated now; the findings are stored, as
         * `caguard incident status` does. */
        store_sink sink = {st, d->at, 0};
        cg_ctx ctx;
        cg_ctx_init(&ctx, d->at, store_finding, &sink);
        int r = cg_store_begin(st);
        if (r) {
            cg_incident_check(&ctx, &got);
            r = !sink.failed && cg_store_commit(st);
            if (!r)
                cg_store_rollback(st);
        }
        if (!r) {
            snprintf(d->err, sizeof(d->err), "store: %s", cg_store_errmsg(st));
            cg_incident_clear(&got);
            goto out;
        }
        r = write_report(d, &got);
        cg_incident_clear(&got);
        if (!r)
            goto out;
        (*n_open)++;
    }
    ok = 1;
out:
    cg_store_close(st);
    return ok;
}
