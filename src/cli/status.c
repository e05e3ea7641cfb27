/* caguard status: what the monitor follows, from the store. One section per
 * kind of source (CT logs today); each is a function that adds its rows to
 * the text and to the JSON object, so another kind (CRLs) is one more
 * function in sections[]. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/status_check.h"
#include "cli/status_crl.h"
#include "store/store.h"
#include "util/base64.h"
#include "util/num.h"
#include "util/redact.h"
#include "x509/time.h"

static void status_help(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] status [--format text|json]\n"
               "       caguard [--store PATH_OR_URI] status --check [THRESHOLDS]\n\n"
               "Shows what caguard monitor follows, as the store has it. For each CT log: its\n"
               "URL and log ID, the position (entries read and committed), the size and time\n"
               "of the last verified tree head, the lag (entries behind that tree head, and\n"
               "the age of the tree head), the last successful contact and, when the log is\n"
               "failing, since when; for monitors sharing the work (monitor --shared), how\n"
               "many of the log's ranges are done, leased and pending.\n" CG_CLI_STATUS_CRL_HELP "\n"
               "options:\n"
               "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
               "  --format text|json   text (default) or one JSON object:\n"
               "                       {\"logs\": [{\"url\", \"log_id\", \"position\",\n"
               "                       \"tree_size\", \"sth_time\", \"lag_entries\",\n"
               "                       \"lag_seconds\", \"last_contact\", \"failing_since\",\n"
               "                       \"ranges\"}], ranges null or {\"done\", \"leased\",\n"
               "                       \"pending\", \"entries_done\", \"planned_to\"}\n"
               "                       \"crls\": [{\"url\", \"kind\", \"issuer\", \"origin\",\n"
               "                       \"last_fetch\", \"last_change\", \"http_status\",\n"
               "                       \"status\", \"failures\", \"this_update\",\n"
               "                       \"next_update\", \"entries\", \"stale\"}]}\n"
               "                       (times RFC 3339, null when unknown)\n"
               CG_CLI_STATUS_CHECK_HELP
               "  -h, --help           this help\n\n"
               "URLs are shown with any password hidden.\n\n"
               "exit status: 0, or 2 on a usage error or a store that cannot be read. With\n"
               "--check, as a Nagios plugin: 0 OK, 1 WARNING, 2 CRITICAL (not a usage error\n"
               "here), 3 UNKNOWN (a usage error, a store that cannot be read, nothing\n"
               "monitored).\n");
}

typedef struct status_ctx {
    cg_store *s;
    int json;
    int64_t now;
    json_t *root;
    FILE *out;
    size_t rows;
    int failed; /* a query of a row failed */
} status_ctx;

static int log_row(void *arg, const cg_store_log_state *ls)
{
    status_ctx *c = arg;
    char id[48], sth_time[32] = "-", contact[32] = "never", failing[32] = "-";
    char url[CG_STORE_URL_MAX];
    int64_t sth_s = ls->has_sth ? (int64_t)(ls->sth_timestamp / 1000) : 0;
    uint64_t lag = ls->has_sth && ls->sth_size > ls->position ? ls->sth_size - ls->position : 0;
    int64_t age = ls->has_sth && c->now > sth_s ? c->now - sth_s : 0;
    cg_store_log_range_counts rc;
    cg_base64_encode(ls->log_id, 32, id);
    cg_redact(ls->url, url, sizeof(url));
    /* monitors sharing the work: how the log's ranges stand */
    if (!cg_store_log_range_counts_get(c->s, ls->log_id, c->now, &rc)) {
        c->failed = 1;
        return 0;
    }
    c->rows++;
    if (c->json) {
        json_t *r = json_null();
        if (rc.ranges > 0) {
            r = json_object();
            json_object_set_new(r, "done", json_integer((json_int_t)rc.done));
            json_object_set_new(r, "leased", json_integer((json_int_t)rc.leased));
            json_object_set_new(r, "pending", json_integer((json_int_t)rc.pending));
            json_object_set_new(r, "entries_done", json_integer((json_int_t)rc.entries_done));
            json_object_set_new(r, "planned_to", json_integer((json_int_t)rc.planned_to));
        }
        json_t *o = json_object();
        json_object_set_new(o, "url", json_string(url));
        json_object_set_new(o, "log_id", json_string(id));
        json_object_set_new(o, "position", json_integer((json_int_t)ls->position));
        json_object_set_new(o, "tree_size",
                            ls->has_sth ? json_integer((json_int_t)ls->sth_size) : json_null());
        json_object_set_new(o, "sth_time", cg_cli_status_time(sth_s));
        json_object_set_new(o, "lag_entries",
                            ls->has_sth ? json_integer((json_int_t)lag) : json_null());
        json_object_set_new(o, "lag_seconds",
                            ls->has_sth ? json_integer((json_int_t)age) : json_null());
        json_object_set_new(o, "last_contact", cg_cli_status_time(ls->last_contact));
        json_object_set_new(o, "failing_since", cg_cli_status_time(ls->failing_since));
        json_object_set_new(o, "ranges", r);
        json_array_append_new(json_object_get(c->root, "logs"), o);
        return 1;
    }
    if (ls->has_sth)
        cg_time_format(sth_s, sth_time, sizeof(sth_time));
    if (ls->last_contact)
        cg_time_format(ls->last_contact, contact, sizeof(contact));
    if (ls->failing_since)
        cg_time_format(ls->failing_since, failing, sizeof(failing));
    fprintf(c->out, "%s\n  log ID         %s\n", url, id);
    if (ls->has_sth)
        fprintf(c->out,
                "  position       %" PRIu64 " of %" PRIu64 "\n"
                "  tree head      %s\n"
                "  lag            %" PRIu64 " entries, tree head %lld s old\n",
                ls->position, ls->sth_size, sth_time, lag, (long long)age);
    else
        fprintf(c->out, "  position       %" PRIu64 " (no verified tree head yet)\n",
                ls->position);
    fprintf(c->out, "  last contact   %s\n  failing since  %s\n", contact, failing);
    if (rc.ranges > 0)
        fprintf(c->out,
                "  ranges         %" PRIu64 " done, %" PRIu64 " leased, %" PRIu64
                " pending (shared; %" PRIu64 " of %" PRIu64 " entries done)\n",
                rc.done, rc.leased, rc.pending, rc.entries_done, rc.entries);
    return 1;
}

static int logs_section(cg_store *s, status_ctx *c)
{
    if (c->json)
        json_object_set_new(c->root, "logs", json_array());
    else
        fprintf(c->out, "CT logs\n\n");
    size_t before = c->rows;
    if (!cg_store_log_states(s, log_row, c) || c->failed)
        return 0;
    if (!c->json && c->rows == before)
        fprintf(c->out, "(none: caguard monitor has not followed a log with this store)\n");
    return 1;
}

static int crls_section(cg_store *s, status_ctx *c)
{
    return cg_cli_status_crls(s, c->json, c->now, c->out, c->root);
}

/* The monitor's outbox: what it still owes new findings (printing, incident
 * drafts, alerts), and the last delivery error. */
static int deliveries_section(cg_store *s, status_ctx *c)
{
    cg_store_outbox_counts oc;
    char oldest[32] = "-", next[32] = "-";
    if (!cg_store_outbox_counts_get(s, &oc))
        return 0;
    if (oc.oldest_pending != 0)
        cg_time_format(oc.oldest_pending, oldest, sizeof(oldest));
    if (oc.next_attempt != 0)
        cg_time_format(oc.next_attempt, next, sizeof(next));
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "pending", json_integer(oc.pending));
        json_object_set_new(o, "failing", json_integer(oc.failing));
        json_object_set_new(o, "delivered", json_integer(oc.delivered));
        json_object_set_new(o, "oldest_pending",
                            oc.oldest_pending != 0 ? json_string(oldest) : json_null());
        json_object_set_new(o, "next_attempt",
                            oc.next_attempt != 0 ? json_string(next) : json_null());
        json_object_set_new(o, "last_error",
                            oc.last_error[0] != '\0' ? json_string(oc.last_error) : json_null());
        json_object_set_new(c->root, "deliveries", o);
        return 1;
    }
    fprintf(c->out, "Deliveries (findings printed, incident drafts, alerts)\n\n");
    fprintf(c->out, "  pending        %lld (%lld failing; next attempt %s)\n",
            (long long)oc.pending, (long long)oc.failing, next);
    fprintf(c->out, "  delivered      %lld\n  oldest pending %s\n", (long long)oc.delivered,
            oldest);
    if (oc.last_error[0] != '\0')
        fprintf(c->out, "  last error     %s\n", oc.last_error);
    return 1;
}

/* The sections, in output order. */
static int (*const sections[])(cg_store *, status_ctx *) = {logs_section, crls_section,
                                                            deliveries_section};

int cg_cmd_status(int argc, char **argv)
{
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    status_ctx c;
    cg_store *store = NULL;
    int rc = CG_EXIT_USAGE, check = 0, checked = 0, thresholds = 0;
    cg_cli_check_opts co = CG_CLI_CHECK_DEFAULTS;
    static const char *const threshold_names[] = {
        NULL, "lag-warning", "lag-critical", "lag-entries-warning", "lag-entries-critical",
        "crl-stale-warning", "crl-stale-critical"};
    int64_t *threshold[] = {NULL,
                            &co.lag_warning,
                            &co.lag_critical,
                            &co.lag_entries_warning,
                            &co.lag_entries_critical,
                            &co.stale_warning,
                            &co.stale_critical};
    const cg_cli_opt opt[] = {
        {"store", CG_CLI_OPT_STRING, &store_opt, 0, NULL},
        {"format", CG_CLI_OPT_FORMAT, &format, 0, NULL},
        {"check", CG_CLI_OPT_FLAG, &check, 0, NULL},
        {"lag-warning", CG_CLI_OPT_KEY_VALUE, NULL, 1, NULL},
        {"lag-critical", CG_CLI_OPT_KEY_VALUE, NULL, 2, NULL},
        {"lag-entries-warning", CG_CLI_OPT_KEY_VALUE, NULL, 3, NULL},
        {"lag-entries-critical", CG_CLI_OPT_KEY_VALUE, NULL, 4, NULL},
        {"crl-stale-warning", CG_CLI_OPT_KEY_VALUE, NULL, 5, NULL},
        {"crl-stale-critical", CG_CLI_OPT_KEY_VALUE, NULL, 6, NULL},
    };
    cg_cli_opts p;
    memset(&c, 0, sizeof(c));
    c.out = stdout;
    /* Known first, so a usage error of a check is UNKNOWN too. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--check") == 0)
            check = 1;
    cg_cli_opts_init(&p, "status", status_help, opt, CG_CLI_NOPT(opt), argc, argv);
    for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
        uint64_t v;
        if (key < 0) {
            rc = p.status;
            goto out;
        }
        if (!cg_parse_u64(p.value, 0, 100ULL * 365 * 86400, &v)) {
            rc = cg_cli_usage_error("status", "--%s takes a whole number from 0 to %lld, "
                                              "not '%s'",
                                    threshold_names[key], 100LL * 365 * 86400, p.value);
            goto out;
        }
        *threshold[key] = (int64_t)v;
        thresholds = 1;
    }
    if (!cg_cli_opts_no_operands("status", argc, argv))
        goto out;
    c.json = format == CG_OUT_JSON;
    if (thresholds && !check) {
        rc = cg_cli_usage_error("status", "the thresholds need --check");
        goto out;
    }
    if (check && c.json) {
        rc = cg_cli_usage_error("status", "--check prints a Nagios plugin's answer, not JSON");
        goto out;
    }
    store = cg_cli_store_open("status", store_opt, 0);
    if (store == NULL)
        goto out;
    c.s = store;
    c.now = (int64_t)time(NULL);
    if (check) {
        rc = cg_cli_status_check(store, &co, c.now, stdout);
        checked = 1;
        goto out;
    }
    if (c.json && (c.root = json_object()) == NULL)
        goto out;
    if (c.json)
        json_object_set_new(c.root, "schema", json_integer(CG_JSON_SCHEMA_VERSION));
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (!c.json && i > 0)
            fputc('\n', c.out);
        if (!sections[i](store, &c)) {
            fflush(stdout);
            cg_cli_store_error("status", store_opt, "%s", cg_store_errmsg(store));
            goto out;
        }
    }
    if (c.json) {
        char *text = json_dumps(c.root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text == NULL)
            goto out;
        fprintf(c.out, "%s\n", text);
        free(text);
    }
    if (!cg_cli_flush("status"))
        goto out;
    rc = CG_EXIT_OK;
out:
    json_decref(c.root);
    cg_store_close(store);
    /* A plugin that could not answer is UNKNOWN (3), never CRITICAL (2). */
    if (check && !checked && rc != CG_EXIT_OK) {
        printf("CAGUARD UNKNOWN - the check could not be made (the reason is on standard "
               "error)\n");
        rc = CG_CHECK_UNKNOWN;
    }
    return rc;
}
