/* Auto incidents, then alerts, for each new finding: notify.h. */
#include "monitor/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/autoinc.h"

struct cg_notify {
    cg_store *st;
    cg_alert *alert;
    int auto_incidents;
    cg_alert_report_fn report;
    void *report_arg;
    cg_notify_stats stats;
};

static void default_report(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "caguard: %s\n", line);
}

cg_notify *cg_notify_new(cg_store *st, cg_alert *alert, int auto_incidents,
                         cg_alert_report_fn report, void *report_arg)
{
    cg_notify *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->st = st;
    n->alert = alert;
    n->auto_incidents = auto_incidents;
    n->report = report != NULL ? report : default_report;
    n->report_arg = report != NULL ? report_arg : NULL;
    return n;
}

void cg_notify_free(cg_notify *n)
{
    free(n);
}

const cg_notify_stats *cg_notify_get0_stats(const cg_notify *n)
{
    return &n->stats;
}

typedef struct first_seen {
    const cg_finding *f;
    const char *rule;
    int64_t at;
} first_seen;

static int first_fn(void *arg, const cg_store_finding *sf)
{
    first_seen *fs = arg;
    if (strcmp(sf->rule, fs->rule) != 0 || sf->incident != fs->f->incident)
        return 1;
    fs->at = sf->first_seen;
    return 0;
}

/* When the store first recorded the finding (its rule, object and
 * incident); 0 for a finding the store does not keep (no object). */
static int64_t lookup_first_seen(cg_notify *n, const cg_finding *f)
{
    cg_store_finding_filter flt;
    first_seen fs = {f, cg_rule_get(f->rule)->id, 0};
    if (!f->obj->has_hash)
        return 0;
    memset(&flt, 0, sizeof(flt));
    flt.rule = fs.rule;
    flt.has_object = 1;
    memcpy(flt.object, f->obj->sha256, 32);
    if (f->incident > 0)
        flt.incident = f->incident;
    if (!cg_store_findings(n->st, &flt, first_fn, &fs))
        return 0;
    return fs.at;
}

void cg_notify_sink(void *arg, const cg_finding *f)
{
    cg_notify *n = arg;
    cg_alert_info info;
    char err[512], line[1024];

    n->stats.findings++;
    memset(&info, 0, sizeof(info));
    info.first_seen = lookup_first_seen(n, f);
    if (n->auto_incidents) {
        int64_t detected = info.first_seen != 0 ? info.first_seen : (int64_t)time(NULL);
        int64_t id = 0;
        cg_autoinc_action act = CG_AUTOINC_NONE;
        if (!cg_autoinc_finding(n->st, f, detected, &id, &act, err, sizeof(err))) {
            n->stats.incident_failures++;
            snprintf(line, sizeof(line), "no incident opened for %s: %s",
                     cg_rule_get(f->rule)->id, err);
            n->report(n->report_arg, line);
        } else if (id != 0) {
            info.incident = id;
            info.incident_opened = act == CG_AUTOINC_OPENED;
            if (act == CG_AUTOINC_OPENED)
                n->stats.incidents_opened++;
            else if (act == CG_AUTOINC_ADDED)
                n->stats.incidents_added++;
            else
                n->stats.incidents_already++;
        }
    }
    if (n->alert != NULL && !cg_alert_finding(n->alert, f, &info))
        n->stats.alert_failures++;
}
