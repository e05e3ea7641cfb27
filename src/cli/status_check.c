/* caguard status --check (status_check.h). */
#include "cli/status_check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"

#define MAX_PROBLEM_LINES 50

typedef struct check_ctx {
    const cg_cli_check_opts *o;
    int64_t now;
    FILE *out;
    int level;          /* the worst so far */
    size_t logs, crls;  /* seen */
    size_t logs_bad[3]; /* by level (index 1 warning, 2 critical) */
    size_t crls_bad[3];
    int64_t max_lag, max_stale;
    uint64_t max_entries;
    /* the problem lines, printed after the summary line */
    char lines[MAX_PROBLEM_LINES][CG_STORE_URL_MAX + 512];
    size_t n_lines, more;
} check_ctx;

static const char *const level_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* The level of value against a warning and a critical threshold (-1: not
 * checked). */
static int against(int64_t v, int64_t warn, int64_t crit)
{
    if (crit >= 0 && v > crit)
        return CG_CHECK_CRITICAL;
    if (warn >= 0 && v > warn)
        return CG_CHECK_WARNING;
    return CG_CHECK_OK;
}

static void problem(check_ctx *c, int level, const char *what, const char *url, const char *why)
{
    char shown[CG_STORE_URL_MAX];
    if (level > c->level)
        c->level = level;
    if (c->n_lines == MAX_PROBLEM_LINES) {
        c->more++;
        return;
    }
    cg_redact(url, shown, sizeof(shown));
    snprintf(c->lines[c->n_lines++], sizeof(c->lines[0]), "%s: %s %s: %s", level_names[level],
             what, shown, why);
}

static int log_row(void *arg, const cg_store_log_state *ls)
{
    check_ctx *c = arg;
    char why[256];
    int level, lv_age, lv_entries;
    c->logs++;
    if (!ls->has_sth) {
        problem(c, CG_CHECK_WARNING, "log", ls->url, "no verified tree head yet");
        c->logs_bad[CG_CHECK_WARNING]++;
        return 1;
    }
    int64_t sth_s = (int64_t)(ls->sth_timestamp / 1000);
    int64_t age = c->now > sth_s ? c->now - sth_s : 0;
    uint64_t behind = ls->sth_size > ls->position ? ls->sth_size - ls->position : 0;
    if (age > c->max_lag)
        c->max_lag = age;
    if (behind > c->max_entries)
        c->max_entries = behind;
    lv_age = against(age, c->o->lag_warning, c->o->lag_critical);
    lv_entries = behind > INT64_MAX ? CG_CHECK_CRITICAL
                                    : against((int64_t)behind, c->o->lag_entries_warning,
                                              c->o->lag_entries_critical);
    level = lv_age > lv_entries ? lv_age : lv_entries;
    if (level == CG_CHECK_OK)
        return 1;
    if (lv_age >= lv_entries)
        snprintf(why, sizeof(why), "tree head %" PRId64 " s old (%s over %" PRId64 " s)%s", age,
                 level == CG_CHECK_CRITICAL ? "critical" : "warning",
                 level == CG_CHECK_CRITICAL ? c->o->lag_critical : c->o->lag_warning,
                 ls->failing_since != 0 ? "; failing" : "");
    else
        snprintf(why, sizeof(why), "%" PRIu64 " entries behind (%s over %" PRId64 ")", behind,
                 level == CG_CHECK_CRITICAL ? "critical" : "warning",
                 level == CG_CHECK_CRITICAL ? c->o->lag_entries_critical
                                            : c->o->lag_entries_warning);
    c->logs_bad[level]++;
    problem(c, level, "log", ls->url, why);
    return 1;
}

static int crl_row(void *arg, const cg_store_crl_source *src)
{
    check_ctx *c = arg;
    char why[256];
    c->crls++;
    if (src->is_list || !src->has_crl || src->next_update == 0 || c->now <= src->next_update)
        return 1;
    int64_t stale = c->now - src->next_update;
    int level = against(stale, c->o->stale_warning, c->o->stale_critical);
    if (stale > c->max_stale)
        c->max_stale = stale;
    /* A stale CRL is a warning at least, whatever the thresholds. */
    if (level == CG_CHECK_OK)
        level = CG_CHECK_WARNING;
    snprintf(why, sizeof(why), "stale: nextUpdate passed %" PRId64 " s ago%s", stale,
             src->failures > 0 ? "; its fetches are failing" : "");
    c->crls_bad[level]++;
    problem(c, level, "CRL", src->url, why);
    return 1;
}

/* Nagios performance data: 'label'=value[unit];warn;crit (empty when not
 * checked). */
static void perf(FILE *out, const char *label, int64_t v, const char *unit, int64_t warn,
                 int64_t crit)
{
    fprintf(out, " %s=%" PRId64 "%s;", label, v, unit);
    if (warn >= 0)
        fprintf(out, "%" PRId64, warn);
    fputc(';', out);
    if (crit >= 0)
        fprintf(out, "%" PRId64, crit);
}

int cg_cli_status_check(cg_store *s, const cg_cli_check_opts *o, int64_t now, FILE *out)
{
    check_ctx *c = calloc(1, sizeof(*c));
    int rc;
    if (c == NULL) {
        fprintf(out, "CAGUARD UNKNOWN - out of memory\n");
        return CG_CHECK_UNKNOWN;
    }
    c->o = o;
    c->now = now;
    c->out = out;
    if (!cg_store_log_states(s, log_row, c) || !cg_store_crl_sources(s, crl_row, c)) {
        fprintf(out, "CAGUARD UNKNOWN - the store cannot be read: %s\n", cg_store_errmsg(s));
        free(c);
        return CG_CHECK_UNKNOWN;
    }
    if (c->logs == 0 && c->crls == 0) {
        fprintf(out, "CAGUARD UNKNOWN - nothing monitored: no CT log and no CRL in this store "
                     "(is caguard monitor running on it?)\n");
        free(c);
        return CG_CHECK_UNKNOWN;
    }
    fprintf(out, "CAGUARD %s - %zu log%s", level_names[c->level], c->logs,
            c->logs == 1 ? "" : "s");
    if (c->logs_bad[2] + c->logs_bad[1] > 0)
        fprintf(out, " (%zu critical, %zu warning)", c->logs_bad[2], c->logs_bad[1]);
    fprintf(out, ", %zu CRL source%s", c->crls, c->crls == 1 ? "" : "s");
    if (c->crls_bad[2] + c->crls_bad[1] > 0)
        fprintf(out, " (%zu critical, %zu warning)", c->crls_bad[2], c->crls_bad[1]);
    fputs(" |", out);
    perf(out, "logs", (int64_t)c->logs, "", -1, -1);
    perf(out, "crls", (int64_t)c->crls, "", -1, -1);
    perf(out, "log_lag_seconds", c->max_lag, "s", o->lag_warning, o->lag_critical);
    perf(out, "log_lag_entries", c->max_entries > INT64_MAX ? INT64_MAX : (int64_t)c->max_entries,
         "", o->lag_entries_warning, o->lag_entries_critical);
    perf(out, "crl_stale_seconds", c->max_stale, "s", o->stale_warning, o->stale_critical);
    fputc('\n', out);
    for (size_t i = 0; i < c->n_lines; i++)
        fprintf(out, "%s\n", c->lines[i]);
    if (c->more > 0)
        fprintf(out, "(%zu more)\n", c->more);
    rc = c->level;
    free(c);
    return rc;
}
