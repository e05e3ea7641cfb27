/* Alerts: hooks (environment, JSON on stdin, a failing one, a hanging one
 * killed at the timeout with what it started, while the others run), the
 * hooks directory (order, dotfiles, non-executables), the JSON Lines file,
 * mail through a fake sendmail, min_severity, bad configurations; and the
 * process runner under them (EPIPE, bounded capture, a signal, what a hook
 * leaves running). Hooks are small shell scripts in a temporary directory. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor/alert.h"
#include "monitor/proc.h"
#include "testutil.h"

static char dir[256];

/* C=US, O=Let's Encrypt, CN=R3 */
static const uint8_t name[] = {0x30, 0x32, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
                               0x06, 0x13, 0x02, 0x55, 0x53, 0x31, 0x16, 0x30, 0x14, 0x06,
                               0x03, 0x55, 0x04, 0x0a, 0x13, 0x0d, 0x4c, 0x65, 0x74, 0x27,
                               0x73, 0x20, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x31,
                               0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x02,
                               0x52, 0x33};
static const uint8_t serial[] = {0x00, 0xab, 0x01};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void path_of(char *buf, size_t cap, const char *rel)
{
    snprintf(buf, cap, "%s/%s", dir, rel);
}

/* Writes a script (#!/bin/sh + body, "@D" replaced by the directory). */
static void script(const char *rel, const char *body, mode_t mode)
{
    char p[512];
    path_of(p, sizeof(p), rel);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("#!/bin/sh\n", f);
    for (const char *s = body; *s != '\0'; s++) {
        if (s[0] == '@' && s[1] == 'D') {
            fputs(dir, f);
            s++;
        } else {
            fputc(*s, f);
        }
    }
    fclose(f);
    CHECK(chmod(p, mode) == 0);
}

static char *slurp(const char *rel)
{
    char p[512];
    path_of(p, sizeof(p), rel);
    size_t len;
    uint8_t *d = cg_test_read(p, &len);
    if (d == NULL)
        return NULL;
    char *s = malloc(len + 1);
    memcpy(s, d, len);
    s[len] = '\0';
    free(d);
    return s;
}

static int exists(const char *rel)
{
    char p[512];
    struct stat st;
    path_of(p, sizeof(p), rel);
    return stat(p, &st) == 0;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

/* The value of NAME in an `env` dump, or NULL. */
static char *env_value(const char *dump, const char *var, char *buf, size_t cap)
{
    size_t n = strlen(var);
    const char *s = dump;
    while (s != NULL && *s != '\0') {
        if (strncmp(s, var, n) == 0 && s[n] == '=') {
            const char *v = s + n + 1, *e = strchr(v, '\n');
            size_t l = e != NULL ? (size_t)(e - v) : strlen(v);
            snprintf(buf, cap, "%.*s", (int)l, v);
            return buf;
        }
        s = strchr(s, '\n');
        if (s != NULL)
            s++;
    }
    return NULL;
}

typedef struct {
    char lines[16][600];
    size_t n;
} reports;

static void on_report(void *arg, const char *line)
{
    reports *r = arg;
    if (r->n < 16)
        snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", line);
}

static int reported(const reports *r, const char *a, const char *b)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strstr(r->lines[i], a) != NULL && (b == NULL || strstr(r->lines[i], b) != NULL))
            return 1;
    }
    return 0;
}

static void objref(cg_objref *o)
{
    memset(o, 0, sizeof(*o));
    o->file = "https://log.example/#41";
    o->index = 0;
    o->kind = CG_KIND_PRECERT;
    o->has_hash = 1;
    memset(o->sha256, 0xab, 32);
    cg_cbs_init(&o->issuer, name, sizeof(name));
    cg_cbs_init(&o->serial, serial, sizeof(serial));
}

static const char sha_hex[] = "abababababababababababababababababababababababababababababababab";

static void test_hooks(void)
{
    char p[512], v[1200];
    reports rep;
    memset(&rep, 0, sizeof(rep));
    CHECK(mkdir(strcat(strcpy(p, dir), "/hooks.d"), 0755) == 0);
    /* a: records its environment and input (one line per finding). */
    script("hooks.d/a_record", "env >@D/a.env\ncat >>@D/a.stdin\necho a >>@D/order\n", 0755);
    /* b: fails with a message. */
    script("hooks.d/b_fail", "cat >/dev/null\necho b >>@D/order\n"
                             "echo 'boom: no route to pager' >&2\necho second line >&2\nexit 3\n",
           0755);
    /* c: hangs, with a child of its own (killed with it: same group). */
    script("hooks.d/c_hang", "sleep 60 &\necho $! >@D/c.child\necho c >>@D/order\nsleep 60\n",
           0755);
    script("hooks.d/d_noexec", "touch @D/d.ran\n", 0644);
    script("hooks.d/.hidden", "touch @D/hidden.ran\n", 0755);
    /* a configured hook, outside the directory */
    script("solo", "cat >@D/solo.stdin\n", 0755);

    char hooks_dir[512], solo[512], jsonl[512];
    path_of(hooks_dir, sizeof(hooks_dir), "hooks.d");
    path_of(solo, sizeof(solo), "solo");
    path_of(jsonl, sizeof(jsonl), "alerts.jsonl");
    const char *hooks[] = {solo};
    cg_alert_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.hooks = hooks;
    cfg.n_hooks = 1;
    cfg.hooks_dir = hooks_dir;
    cfg.jsonl = jsonl;
    cfg.hook_timeout = 1;
    cfg.min_severity = CG_SEV_NOTICE;
    char err[512];
    cg_alert *a = cg_alert_new(&cfg, on_report, &rep, err, sizeof(err));
    CHECK(a != NULL);
    if (a == NULL)
        return;

    /* A stale variable of ours in the caller's environment must not reach
     * a hook for a finding without an incident. */
    setenv("INCIDENT", "999", 1);
    setenv("CAGUARD_TEST_KEPT", "yes", 1);

    cg_objref o;
    objref(&o);
    cg_finding f;
    memset(&f, 0, sizeof(f));
    f.rule = CG_R_CT_PAIR_VALIDITY_MISMATCH;
    f.obj = &o;
    f.message = "notBefore differs: \"2025-01-01\" vs 2025-01-02";
    cg_alert_info info = {1743465600 /* 2025-04-01T00:00:00Z */, 7, 1, NULL};
    double t0 = now_s();
    CHECK(cg_alert_finding(a, &f, &info) == 0); /* b failed, c timed out */
    double took = now_s() - t0;
    CHECK(took >= 0.9 && took < 15); /* killed at the 1 s timeout, not after 60 s */

    char *envd = slurp("a.env");
    CHECK(envd != NULL);
    CHECK(env_value(envd, "RULE", v, sizeof(v)) && strcmp(v, "ct.pair.validity_mismatch") == 0);
    CHECK(env_value(envd, "SEVERITY", v, sizeof(v)) && strcmp(v, "error") == 0);
    CHECK(env_value(envd, "SERIAL", v, sizeof(v)) && strcmp(v, "ab01") == 0);
    CHECK(env_value(envd, "ISSUER", v, sizeof(v)) &&
          strcmp(v, "CN=R3,O=Let's Encrypt,C=US") == 0);
    CHECK(env_value(envd, "OBJECT_SHA256", v, sizeof(v)) && strcmp(v, sha_hex) == 0);
    CHECK(env_value(envd, "OBJECT", v, sizeof(v)) && strcmp(v, sha_hex) == 0);
    CHECK(env_value(envd, "INCIDENT", v, sizeof(v)) && strcmp(v, "7") == 0);
    CHECK(env_value(envd, "INCIDENT_OPENED", v, sizeof(v)) && strcmp(v, "1") == 0);
    CHECK(env_value(envd, "MESSAGE", v, sizeof(v)) && strcmp(v, f.message) == 0);
    CHECK(env_value(envd, "FILE", v, sizeof(v)) && strcmp(v, "https://log.example/#41") == 0);
    CHECK(env_value(envd, "INDEX", v, sizeof(v)) && strcmp(v, "0") == 0);
    CHECK(env_value(envd, "KIND", v, sizeof(v)) && strcmp(v, "precertificate") == 0);
    CHECK(env_value(envd, "EVENT", v, sizeof(v)) && strcmp(v, "finding") == 0);
    CHECK(env_value(envd, "REFERENCE", v, sizeof(v)) && strcmp(v, "RFC 6962 §3.1") == 0);
    CHECK(env_value(envd, "FIRST_SEEN", v, sizeof(v)) &&
          strcmp(v, "2025-04-01T00:00:00Z") == 0);
    CHECK(env_value(envd, "FIRST_SEEN_UNIXTIME", v, sizeof(v)) &&
          strcmp(v, "1743465600") == 0);
    CHECK(env_value(envd, "SUMMARY", v, sizeof(v)) &&
          strcmp(v, "error ct.pair.validity_mismatch: precertificate serial ab01") == 0);
    CHECK(env_value(envd, "CAGUARD_TEST_KEPT", v, sizeof(v)) && strcmp(v, "yes") == 0);
    free(envd);

    /* stdin: one JSON object, check's fields plus first_seen and incident */
    char *in = slurp("a.stdin");
    CHECK(in != NULL && count_lines(in) == 1);
    json_t *j = in != NULL ? json_loads(in, 0, NULL) : NULL;
    CHECK(j != NULL);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "rule")),
                      "ct.pair.validity_mismatch") == 0);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "object")), sha_hex) == 0);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "serial")), "ab01") == 0);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "kind")), "precertificate") == 0);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "message")), f.message) == 0);
    CHECK(j && strcmp(json_string_value(json_object_get(j, "first_seen")),
                      "2025-04-01T00:00:00Z") == 0);
    CHECK(j && json_integer_value(json_object_get(j, "incident")) == 7);
    CHECK(j && json_is_true(json_object_get(j, "incident_opened")));
    json_decref(j);
    free(in);
    char *solo_in = slurp("solo.stdin");
    CHECK(solo_in != NULL && count_lines(solo_in) == 1 &&
          strstr(solo_in, "\"rule\":\"ct.pair.validity_mismatch\"") != NULL);
    free(solo_in);

    /* the directory: name order, all started; no dotfile, no non-executable */
    char *order = slurp("order");
    CHECK(order != NULL && strstr(order, "a") && strstr(order, "b") && strstr(order, "c"));
    free(order);
    CHECK(!exists("d.ran"));
    CHECK(!exists("hidden.ran"));

    /* the failure and the timeout, reported by name */
    CHECK(reported(&rep, "b_fail exited with status 3: boom: no route to pager",
                   "ct.pair.validity_mismatch"));
    CHECK(reported(&rep, "c_hang ran past the 1 s timeout and was killed", NULL));
    CHECK(rep.n == 2);
    /* the hanging hook's own child died with it */
    char *child = slurp("c.child");
    CHECK(child != NULL);
    if (child != NULL) {
        pid_t pid = (pid_t)atoi(child);
        int gone = 0;
        for (int i = 0; i < 100 && !gone; i++) {
            if (kill(pid, 0) != 0 && errno == ESRCH)
                gone = 1;
            else
                usleep(20000);
        }
        CHECK(gone);
        free(child);
    }
    const cg_alert_stats *st = cg_alert_get0_stats(a);
    CHECK(st->hook_runs == 4 && st->hook_failures == 2);
    CHECK(st->jsonl_lines == 1 && st->jsonl_failures == 0);

    /* A second finding, no incident, no first_seen: each hook runs again,
     * INCIDENT is unset (not the caller's 999). */
    char rm[600];
    snprintf(rm, sizeof(rm), "%s/hooks.d/b_fail", dir);
    CHECK(unlink(rm) == 0);
    snprintf(rm, sizeof(rm), "%s/hooks.d/c_hang", dir);
    CHECK(unlink(rm) == 0);
    cg_objref o2 = o;
    o2.kind = CG_KIND_CRL;
    cg_cbs_init(&o2.serial, NULL, 0);
    f.obj = &o2;
    f.rule = CG_R_CRL_STALE;
    f.message = "nextUpdate passed";
    rep.n = 0;
    CHECK(cg_alert_finding(a, &f, NULL) == 1);
    CHECK(rep.n == 0);
    envd = slurp("a.env");
    CHECK(envd != NULL && env_value(envd, "INCIDENT", v, sizeof(v)) == NULL);
    CHECK(envd != NULL && env_value(envd, "SERIAL", v, sizeof(v)) == NULL);
    CHECK(envd != NULL && env_value(envd, "FIRST_SEEN", v, sizeof(v)) == NULL);
    CHECK(envd != NULL && env_value(envd, "SUMMARY", v, sizeof(v)) &&
          strcmp(v, "error crl.stale: crl abababababababab") == 0);
    free(envd);
    in = slurp("a.stdin");
    CHECK(in != NULL && count_lines(in) == 2);
    free(in);

    /* The JSON Lines file: one line per finding, each whole JSON. */
    char *jl = slurp("alerts.jsonl");
    CHECK(jl != NULL && count_lines(jl) == 2);
    if (jl != NULL) {
        char *save = NULL;
        int n = 0;
        for (char *line = strtok_r(jl, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            json_t *x = json_loads(line, 0, NULL);
            CHECK(x != NULL);
            CHECK(x && json_string_value(json_object_get(x, "rule")) != NULL);
            if (n == 0)
                CHECK(x && json_integer_value(json_object_get(x, "incident")) == 7);
            else
                CHECK(x && json_object_get(x, "incident") == NULL);
            json_decref(x);
            n++;
        }
        CHECK(n == 2);
        free(jl);
    }
    unsetenv("INCIDENT");
    unsetenv("CAGUARD_TEST_KEPT");
    cg_alert_free(a);
}

static void test_min_severity_and_jsonl_append(void)
{
    char jsonl[512];
    path_of(jsonl, sizeof(jsonl), "sev.jsonl");
    FILE *fp = fopen(jsonl, "w");
    fputs("{\"earlier\":true}\n", fp);
    fclose(fp);
    script("count", "cat >/dev/null\necho x >>@D/count.out\n", 0755);
    char count[512];
    path_of(count, sizeof(count), "count");
    const char *hooks[] = {count};
    cg_alert_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.hooks = hooks;
    cfg.n_hooks = 1;
    cfg.jsonl = jsonl;
    cfg.min_severity = CG_SEV_WARNING;
    char err[512];
    reports rep;
    memset(&rep, 0, sizeof(rep));
    cg_alert *a = cg_alert_new(&cfg, on_report, &rep, err, sizeof(err));
    CHECK(a != NULL);
    if (a == NULL)
        return;
    cg_objref o;
    objref(&o);
    cg_finding f;
    memset(&f, 0, sizeof(f));
    f.obj = &o;
    f.message = "m";
    f.rule = CG_R_CRL_IDP_MISSING; /* notice: below warning */
    CHECK(cg_alert_finding(a, &f, NULL) == 1);
    f.rule = CG_R_CT_SCT_UNKNOWN_LOG; /* warning */
    CHECK(cg_alert_finding(a, &f, NULL) == 1);
    f.rule = CG_R_CT_PAIR_TBS_MISMATCH; /* error */
    CHECK(cg_alert_finding(a, &f, NULL) == 1);
    char *c = slurp("count.out");
    CHECK(c != NULL && count_lines(c) == 2);
    free(c);
    char *jl = slurp("sev.jsonl");
    CHECK(jl != NULL && count_lines(jl) == 3 && strncmp(jl, "{\"earlier\":true}\n", 17) == 0);
    CHECK(jl != NULL && strstr(jl, "crl.idp_missing") == NULL);
    CHECK(jl != NULL && strstr(jl, "ct.sct.unknown_log") != NULL);
    free(jl);
    const cg_alert_stats *st = cg_alert_get0_stats(a);
    CHECK(st->findings == 3 && st->alerted == 2 && st->hook_runs == 2);
    cg_alert_free(a);
}

static void test_mail(void)
{
    script("sendmail", "printf '%s\\n' \"$@\" >@D/sendmail.args\ncat >@D/sendmail.in\n", 0755);
    script("badmail", "cat >/dev/null\necho 'sendmail: cannot connect to queue' >&2\nexit 75\n",
           0755);
    char sm[512], bad[512];
    path_of(sm, sizeof(sm), "sendmail");
    path_of(bad, sizeof(bad), "badmail");
    cg_alert_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mail_to = "pki-team@ca.example, oncall@ca.example";
    cfg.mail_from = "monitor@ca.example";
    cfg.sendmail = sm;
    cfg.min_severity = CG_SEV_NOTICE;
    char err[512];
    reports rep;
    memset(&rep, 0, sizeof(rep));
    cg_alert *a = cg_alert_new(&cfg, on_report, &rep, err, sizeof(err));
    CHECK(a != NULL);
    if (a == NULL)
        return;
    cg_objref o;
    objref(&o);
    cg_finding f;
    memset(&f, 0, sizeof(f));
    f.obj = &o;
    f.rule = CG_R_CT_PRECERT_DUPLICATE_SERIAL;
    /* a long message: wrapped, never a line near 998 bytes */
    char msg[1100];
    memset(msg, 'x', 600);
    msg[600] = '\0';
    strcat(msg, " and then some words that go on for a while so that the wrapping shows");
    f.message = msg;
    cg_alert_info info = {1743465600, 3, 0, NULL};
    CHECK(cg_alert_finding(a, &f, &info) == 1);
    CHECK(rep.n == 0);
    char *args = slurp("sendmail.args");
    CHECK(args != NULL && strcmp(args, "-t\n-oi\n") == 0);
    free(args);
    char *m = slurp("sendmail.in");
    CHECK(m != NULL);
    if (m != NULL) {
        CHECK(strncmp(m, "From: monitor@ca.example\n", 25) == 0);
        CHECK(strstr(m, "\nTo: pki-team@ca.example, oncall@ca.example\n") != NULL);
        /* folded at a space: the line would be 80 characters */
        CHECK(strstr(m, "\nSubject: [caguard] error ct.precert.duplicate_serial: precertificate "
                        "serial\n ab01\n") != NULL);
        CHECK(strstr(m, "\nDate: ") != NULL && strstr(m, " +0000\n") != NULL);
        CHECK(strstr(m, "\nMessage-ID: <caguard.") != NULL);
        CHECK(strstr(m, "\nMIME-Version: 1.0\n") != NULL);
        CHECK(strstr(m, "\nContent-Type: text/plain; charset=utf-8\n") != NULL);
        /* headers, one empty line, the body */
        char *body = strstr(m, "\n\n");
        CHECK(body != NULL && strstr(body, "Rule:        ct.precert.duplicate_serial (error)") !=
                                  NULL);
        CHECK(body != NULL && strstr(body, "Serial:      ab01\n") != NULL);
        CHECK(body != NULL && strstr(body, "Issuer:      CN=R3,O=Let's Encrypt,C=US\n") != NULL);
        CHECK(body != NULL && strstr(body, "Incident:    3\n") != NULL);
        CHECK(body != NULL && strstr(body, "First seen:  2025-04-01T00:00:00Z\n") != NULL);
        CHECK(body != NULL && strstr(body, sha_hex) != NULL);
        size_t longest = 0, cur = 0;
        for (const char *s = m; *s; s++) {
            cur = *s == '\n' ? 0 : cur + 1;
            if (cur > longest)
                longest = cur;
        }
        CHECK(longest <= 78);
        CHECK(strchr(m, '\r') == NULL); /* sendmail takes local line ends */
        free(m);
    }
    const cg_alert_stats *st = cg_alert_get0_stats(a);
    CHECK(st->mails == 1 && st->mail_failures == 0);
    cg_alert_free(a);

    /* sendmail failing: reported, with its stderr */
    cfg.sendmail = bad;
    rep.n = 0;
    a = cg_alert_new(&cfg, on_report, &rep, err, sizeof(err));
    CHECK(a != NULL);
    if (a == NULL)
        return;
    CHECK(cg_alert_finding(a, &f, &info) == 0);
    CHECK(reported(&rep, "mail to pki-team@ca.example, oncall@ca.example",
                   "exited with status 75: sendmail: cannot connect to queue"));
    CHECK(cg_alert_get0_stats(a)->mail_failures == 1);
    cg_alert_free(a);
}

static void test_bad_config(void)
{
    char err[512], p[512], notdir[512];
    cg_alert_config cfg;
    script("plain", "exit 0\n", 0644);
    path_of(p, sizeof(p), "plain");
    const char *hooks[] = {p};
    memset(&cfg, 0, sizeof(cfg));
    cfg.min_severity = CG_SEV_NOTICE;
    cfg.hooks = hooks;
    cfg.n_hooks = 1;
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "not an executable") != NULL);
    const char *missing[] = {"caguard-no-such-hook-anywhere"};
    cfg.hooks = missing;
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "in PATH") != NULL);
    const char *sh[] = {"sh"}; /* found in PATH */
    cfg.hooks = sh;
    cg_alert *a = cg_alert_new(&cfg, NULL, NULL, err, sizeof(err));
    CHECK(a != NULL);
    cg_alert_free(a);
    cfg.n_hooks = 0;
    cfg.hooks_dir = p; /* a file */
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "not a directory") != NULL);
    cfg.hooks_dir = NULL;
    snprintf(notdir, sizeof(notdir), "%s/no/such/dir/x.jsonl", dir);
    cfg.jsonl = notdir;
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "JSON Lines file") != NULL);
    cfg.jsonl = NULL;
    cfg.mail_to = "a@b.example\nBcc: victim@example";
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    cfg.mail_to = "a@b.example";
    cfg.sendmail = "/nonexistent/sendmail";
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "sendmail") != NULL);
    cfg.mail_to = NULL;
    cfg.hook_timeout = -1;
    CHECK(cg_alert_new(&cfg, NULL, NULL, err, sizeof(err)) == NULL);
}

static void test_proc(void)
{
    /* 1 MiB to a child that reads nothing: EPIPE, no SIGPIPE death. */
    size_t big = 1 << 20;
    uint8_t *data = malloc(big);
    memset(data, 'z', big);
    char *argv_true[] = {"sh", "-c", "exit 0", NULL};
    char *argv_loud[] = {"sh", "-c", "head -c 300000 /dev/zero; echo done >&2", NULL};
    char *argv_sig[] = {"sh", "-c", "kill -TERM $$", NULL};
    char *argv_left[] = {"sh", "-c", "sleep 3 & exit 0", NULL};
    char *argv_missing[] = {"/nonexistent/hook", NULL};
    cg_proc *p = calloc(5, sizeof(cg_proc));
    p[0].path = "sh";
    p[0].argv = argv_true;
    p[0].input = data;
    p[0].input_len = big;
    p[1].path = "sh";
    p[1].argv = argv_loud;
    p[2].path = "sh";
    p[2].argv = argv_sig;
    p[3].path = "sh";
    p[3].argv = argv_left;
    p[4].path = "/nonexistent/hook";
    p[4].argv = argv_missing;
    double t0 = now_s();
    CHECK(cg_proc_run(p, 5, 10000) == 0);
    double took = now_s() - t0;
    CHECK(cg_proc_ok(&p[0]) && p[0].input_short);
    CHECK(cg_proc_ok(&p[1]) && p[1].out_len == CG_PROC_CAPTURE && p[1].out_truncated);
    CHECK(p[1].err_len == 5 && memcmp(p[1].err, "done\n", 5) == 0);
    CHECK(!cg_proc_ok(&p[2]) && p[2].signaled && p[2].signo == SIGTERM);
    char why[512];
    cg_proc_describe(&p[2], 10000, why, sizeof(why));
    CHECK(strncmp(why, "was killed by signal 15", 23) == 0);
    /* what a hook leaves running does not hold the caller for its 3 s */
    CHECK(cg_proc_ok(&p[3]));
    CHECK(took < 2.5);
    CHECK(!p[4].started);
    cg_proc_describe(&p[4], 10000, why, sizeof(why));
    CHECK(strcmp(why, "could not be started: No such file or directory") == 0);
    /* SIGPIPE is neither left pending nor left blocked */
    sigset_t set;
    sigemptyset(&set);
    CHECK(sigpending(&set) == 0 && !sigismember(&set, SIGPIPE));
    sigemptyset(&set);
    CHECK(pthread_sigmask(SIG_BLOCK, NULL, &set) == 0 && !sigismember(&set, SIGPIPE));
    free(p);
    free(data);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/cg_alert_XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_proc();
    test_hooks();
    test_min_severity_and_jsonl_append();
    test_mail();
    test_bad_config();
    if (cg_test_failures == 0) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "files kept in %s\n", dir);
    }
    return cg_test_done();
}
