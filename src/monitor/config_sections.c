/* The monitor configuration's key tables, in the x509lint manner (one
 * table of keys per section: a key's type, range, whether it repeats or is
 * required, and where its value goes), and its sections: a header opened
 * (its kind, its NAME, the [log NAME] or [issuer NAME] entry it makes) and
 * a section closed (its required keys, what its keys must hold together).
 * Part of monitor/config.c's parser (config_internal.h). */
#include "monitor/config_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/logger.h"
#include "util/grow.h"

#define NO_OFF ((size_t)-1)

static const enum_def e_log_type = {
    {"rfc6962", "static"}, {CG_CONFIG_LOG_RFC6962, CG_CONFIG_LOG_STATIC}, 2};
static const enum_def e_start = {{"start", "end"}, {CG_CONFIG_FROM_START, CG_CONFIG_FROM_END}, 2};
static const enum_def e_format = {{"text", "json"}, {CG_OUT_TEXT, CG_OUT_JSON}, 2};
static const enum_def e_log_format = {{"text", "json"}, {CG_LOGGER_TEXT, CG_LOGGER_JSON}, 2};
static const enum_def e_severity = {
    {"notice", "warning", "error"}, {CG_SEV_NOTICE, CG_SEV_WARNING, CG_SEV_ERROR}, 3};

#define DAY 86400
#define M(f) offsetof(cg_monitor_config, f)
#define L(f) offsetof(cg_config_log, f)
#define I(f) offsetof(cg_config_issuer, f)

static const key_def k_monitor[] = {
    {"store", T_STORE, M(store), NO_OFF, 0, 0, 0, 0, NULL},
    {"poll_interval", T_INT, M(poll_interval), NO_OFF, 0, 0, 1, DAY, NULL},
    {"policy_interval", T_INT, M(policy_interval), NO_OFF, 0, 0, 0, 30 * DAY, NULL},
    {"parallel", T_INT, M(parallel), NO_OFF, 0, 0, 1, 256, NULL},
    {"response_memory", T_INT, M(response_memory), NO_OFF, 0, 0, 4, 65536, NULL},
    {"round_timeout", T_INT, M(round_timeout), NO_OFF, 0, 0, 1, DAY, NULL},
    {"round_workers", T_INT, M(round_workers), NO_OFF, 0, 0, 1, 256, NULL},
    {"batch", T_INT, M(batch), NO_OFF, 0, 0, 1, 100000, NULL},
    {"start", T_ENUM, M(start), NO_OFF, 0, 0, 0, 0, &e_start},
    {"all_issuers", T_BOOL, M(all_issuers), NO_OFF, 0, 0, 0, 0, NULL},
    {"br_profile", T_BOOL, M(br_profile), NO_OFF, 0, 0, 0, 0, NULL},
    {"format", T_ENUM, M(format), NO_OFF, 0, 0, 0, 0, &e_format},
    {"quiet", T_BOOL, M(quiet), NO_OFF, 0, 0, 0, 0, NULL},
    {"shared", T_BOOL, M(shared), NO_OFF, 0, 0, 0, 0, NULL},
    {"worker_id", T_STRING, M(worker_id), NO_OFF, 0, 0, 0, 0, NULL},
    {"lease_seconds", T_INT, M(lease_seconds), NO_OFF, 0, 0, 5, DAY, NULL},
    {"metrics_listen", T_STRING, M(metrics_listen), NO_OFF, 0, 0, 0, 0, NULL},
    {"log_format", T_ENUM, M(log_format), NO_OFF, 0, 0, 0, 0, &e_log_format},
    {"include", T_STRING, M(include), NO_OFF, 1, 0, 0, 0, NULL},
    {"exclude", T_STRING, M(exclude), NO_OFF, 1, 0, 0, 0, NULL},
    {"min_severity", T_ENUM, M(min_severity), NO_OFF, 0, 0, 0, 0, &e_severity},
    {"fail_on", T_ENUM, M(fail_on), NO_OFF, 0, 0, 0, 0, &e_severity},
};
static const key_def k_log[] = {
    {"url", T_URL, L(url), NO_OFF, 0, 1, 0, 0, NULL},
    {"key", T_PATH_IN, L(key), NO_OFF, 0, 1, 0, 0, NULL},
    {"type", T_ENUM, L(type), NO_OFF, 0, 0, 0, 0, &e_log_type},
    {"mmd", T_INT, L(mmd), NO_OFF, 0, 0, 1, 365 * DAY, NULL},
    {"origin", T_STRING, L(origin), NO_OFF, 0, 0, 0, 0, NULL},
    {"rate_limit", T_REAL, L(rate_limit), NO_OFF, 0, 0, 0, 10000, NULL},
};
static const key_def k_issuer[] = {
    {"cert", T_PATH_IN, I(cert), NO_OFF, 0, 1, 0, 0, NULL},
    {"crl_url", T_URL, I(crl_urls), NO_OFF, 1, 0, 0, 0, NULL},
    {"crl_list_url", T_URL, I(crl_list_urls), NO_OFF, 1, 0, 0, 0, NULL},
    {"use_crldp", T_BOOL, I(use_crldp), NO_OFF, 0, 0, 0, 0, NULL},
};
static const key_def k_loglist[] = {
    {"source", T_PATH_OR_URL, M(loglist.source), M(loglist.source_is_url), 0, 1, 0, 0, NULL},
    {"sig", T_PATH_OR_URL, M(loglist.sig), M(loglist.sig_is_url), 0, 0, 0, 0, NULL},
    {"key", T_PATH_IN, M(loglist.key), NO_OFF, 0, 0, 0, 0, NULL},
    {"reload_interval", T_INT, M(loglist.reload_interval), NO_OFF, 0, 0, 1, 30 * DAY, NULL},
    {"follow", T_BOOL, M(loglist.follow), NO_OFF, 0, 0, 0, 0, NULL},
};
static const key_def k_crl[] = {
    {"interval", T_INT, M(crl.interval), NO_OFF, 0, 0, 1, 7 * DAY, NULL},
    {"timeout", T_INT, M(crl.timeout), NO_OFF, 0, 0, 1, 3600, NULL},
    {"max_size", T_INT, M(crl.max_size), NO_OFF, 0, 0, 1, (int64_t)1 << 40, NULL},
    {"max_redirects", T_INT, M(crl.max_redirects), NO_OFF, 0, 0, 0, 20, NULL},
    {"unreachable_after", T_INT, M(crl.unreachable_after), NO_OFF, 0, 0, 60, 30 * DAY, NULL},
};
static const key_def k_alerts[] = {
    {"hook", T_EXEC, M(alerts.hooks), NO_OFF, 1, 0, 0, 0, NULL},
    {"hooks_dir", T_PATH_OUT, M(alerts.hooks_dir), NO_OFF, 0, 0, 0, 0, NULL},
    {"jsonl", T_PATH_OUT, M(alerts.jsonl), NO_OFF, 0, 0, 0, 0, NULL},
    {"mail_to", T_ADDR, M(alerts.mail_to), NO_OFF, 0, 0, 0, 0, NULL},
    {"sendmail", T_EXEC, M(alerts.sendmail), NO_OFF, 0, 0, 0, 0, NULL},
    {"hook_timeout", T_INT, M(alerts.hook_timeout), NO_OFF, 0, 0, 1, 3600, NULL},
    {"min_severity", T_ENUM, M(alerts.min_severity), NO_OFF, 0, 0, 0, 0, &e_severity},
};
static const key_def k_incidents[] = {
    {"auto", T_BOOL, M(incidents.auto_draft), NO_OFF, 0, 0, 0, 0, NULL},
    {"bugzilla_sync", T_INT, M(incidents.bugzilla_sync), NO_OFF, 0, 0, 0, 7 * DAY, NULL},
    {"bugzilla_api_key_file", T_PATH_IN, M(incidents.bugzilla_api_key_file), NO_OFF, 0, 0, 0, 0,
     NULL},
};
static const key_def k_ccadb[] = {
    {"owner_id", T_CCADB_ID, M(ccadb.owner_id), NO_OFF, 0, 0, 0, 0, NULL},
    {"ca_accounts", T_ADDR_LIST, M(ccadb.ca_accounts), NO_OFF, 1, 0, 0, 0, NULL},
};

#define KEYS(k) k, sizeof(k) / sizeof(k[0])
static const section_def sections[] = {
    {"monitor", S_MONITOR, 0, KEYS(k_monitor)},
    {"log", S_LOG, 1, KEYS(k_log)},
    {"issuer", S_ISSUER, 1, KEYS(k_issuer)},
    {"loglist", S_LOGLIST, 0, KEYS(k_loglist)},
    {"crl", S_CRL, 0, KEYS(k_crl)},
    {"alerts", S_ALERTS, 0, KEYS(k_alerts)},
    {"incidents", S_INCIDENTS, 0, KEYS(k_incidents)},
    {"ccadb", S_CCADB, 0, KEYS(k_ccadb)},
    {"serve", S_SERVE, 0, NULL, 0},
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* ---- sections ---- */

/* What a section must hold, checked when the next one opens and at the end
 * of the file; errors point at its header. */
void cg_cfg_close_section(parser *ps)
{
    const section_def *sec = ps->sec;
    if (sec == NULL)
        return;
    for (size_t i = 0; i < sec->n_keys; i++) {
        if (sec->keys[i].required && !(ps->seen & (1u << i)))
            cg_cfg_err(ps, ps->sec_line, "[%s]: no %s (required)", ps->label, sec->keys[i].name);
    }
    if (sec->kind == S_LOGLIST) {
        const cg_monitor_config *c = ps->cfg;
        if (c->loglist.sig != NULL && c->loglist.key == NULL)
            cg_cfg_err(ps, ps->sec_line, "[%s]: sig without key (the key verifies the signature)",
                       ps->label);
        if (c->loglist.key != NULL && c->loglist.sig == NULL)
            cg_cfg_err(ps, ps->sec_line,
                       "[%s]: key without sig (a detached signature of the list)", ps->label);
    }
    ps->sec = NULL;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > CG_CONFIG_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!(((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* h: what is between '[' and ']' (n bytes). */
void cg_cfg_open_section(parser *ps, const char *h, size_t n)
{
    const char *type, *name = NULL;
    size_t tn, nn = 0;
    const section_def *sec = NULL;
    cg_monitor_config *c = ps->cfg;

    cg_cfg_close_section(ps);
    while (n > 0 && (*h == ' ' || *h == '\t')) {
        h++;
        n--;
    }
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    type = h;
    for (tn = 0; tn < n && h[tn] != ' ' && h[tn] != '\t';)
        tn++;
    if (tn < n) {
        name = h + tn;
        nn = n - tn;
        while (nn > 0 && (*name == ' ' || *name == '\t')) {
            name++;
            nn--;
        }
    }
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (strlen(sections[i].name) == tn && strncmp(sections[i].name, type, tn) == 0)
            sec = &sections[i];
    }
    if (sec == NULL) {
        cg_cfg_err(
            ps, ps->lineno,
            "unknown section [%.*s] (sections: monitor, log NAME, issuer NAME, loglist, crl, "
            "alerts, incidents, ccadb, serve)",
            (int)(n > 60 ? 60 : n), h);
        return;
    }
    if (!sec->named) {
        if (name != NULL) {
            cg_cfg_err(ps, ps->lineno, "[%s] takes no name", sec->name);
            return;
        }
        if (ps->singletons & (1u << sec->kind)) {
            cg_cfg_err(ps, ps->lineno, "a second [%s] section (the first is on line %d)",
                       sec->name, ps->singleton_line[sec->kind]);
            return;
        }
        ps->singletons |= 1u << sec->kind;
        ps->singleton_line[sec->kind] = ps->lineno;
        snprintf(ps->label, sizeof(ps->label), "%s", sec->name);
        if (sec->kind == S_LOGLIST) {
            c->loglist.present = 1;
            c->loglist.line = ps->lineno;
        }
    } else {
        int count_ok;
        if (name == NULL) {
            cg_cfg_err(ps, ps->lineno, "[%s] needs a name: [%s NAME]", sec->name, sec->name);
            return;
        }
        if (!valid_name(name, nn)) {
            cg_cfg_err(ps, ps->lineno,
                       "[%s %.*s]: a NAME is 1 to %d letters, digits, '.', '_' or '-'", sec->name,
                       (int)(nn > 60 ? 60 : nn), name, CG_CONFIG_MAX_NAME);
            return;
        }
        if (sec->kind == S_LOG) {
            for (size_t i = 0; i < c->n_logs; i++) {
                if (strlen(c->logs[i].name) == nn && strncmp(c->logs[i].name, name, nn) == 0) {
                    cg_cfg_err(ps, ps->lineno, "a second [log %s] (the first is on line %d)",
                               c->logs[i].name, c->logs[i].line);
                    return;
                }
            }
            count_ok = c->n_logs < CG_CONFIG_MAX_LOGS;
        } else {
            for (size_t i = 0; i < c->n_issuers; i++) {
                if (strlen(c->issuers[i].name) == nn &&
                    strncmp(c->issuers[i].name, name, nn) == 0) {
                    cg_cfg_err(ps, ps->lineno, "a second [issuer %s] (the first is on line %d)",
                               c->issuers[i].name, c->issuers[i].line);
                    return;
                }
            }
            count_ok = c->n_issuers < CG_CONFIG_MAX_ISSUERS;
        }
        if (!count_ok) {
            cg_cfg_err(ps, ps->lineno, "more than %d [%s] sections",
                       sec->kind == S_LOG ? CG_CONFIG_MAX_LOGS : CG_CONFIG_MAX_ISSUERS, sec->name);
            return;
        }
        char *nm = cg_cfg_dup(name, nn);
        if (nm == NULL) {
            cg_cfg_err(ps, ps->lineno, "out of memory");
            return;
        }
        if (sec->kind == S_LOG) {
            if (!cg_grow((void **)&c->logs, &ps->logs_cap, c->n_logs + 1, sizeof(*c->logs))) {
                free(nm);
                cg_cfg_err(ps, ps->lineno, "out of memory");
                return;
            }
            cg_config_log *lg = &c->logs[c->n_logs];
            memset(lg, 0, sizeof(*lg));
            lg->name = nm;
            lg->type = CG_CONFIG_LOG_RFC6962;
            lg->mmd = DAY;
            lg->line = ps->lineno;
            ps->idx = c->n_logs++;
        } else {
            if (!cg_grow((void **)&c->issuers, &ps->issuers_cap, c->n_issuers + 1,
                         sizeof(*c->issuers))) {
                free(nm);
                cg_cfg_err(ps, ps->lineno, "out of memory");
                return;
            }
            cg_config_issuer *is = &c->issuers[c->n_issuers];
            memset(is, 0, sizeof(*is));
            is->name = nm;
            is->line = ps->lineno;
            ps->idx = c->n_issuers++;
        }
        snprintf(ps->label, sizeof(ps->label), "%s %s", sec->name, nm);
    }
    ps->sec = sec;
    ps->sec_line = ps->lineno;
    ps->seen = 0;
}

const key_def *cg_cfg_find_key(const section_def *sec, const char *name, size_t *idx)
{
    for (size_t i = 0; i < sec->n_keys; i++) {
        if (strcmp(sec->keys[i].name, name) == 0) {
            *idx = i;
            return &sec->keys[i];
        }
    }
    return NULL;
}
