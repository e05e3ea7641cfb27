/* The monitor's INI configuration (src/monitor/config.h): every key read
 * into its field, the defaults, relative paths, and each class of error
 * with the line it names. */
#include "testutil.h"

#include "monitor/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char cfgname[512];
static char err[1024];

static void write_file(const char *name, const char *text, int mode)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

static int parse(cg_monitor_config *c, const char *text)
{
    return cg_monitor_config_parse(c, cfgname, (const uint8_t *)text, strlen(text), err,
                                   sizeof(err));
}

/* caguard serve's [serve] lives in the same file: the monitor skips it
 * (serve/config.c checks its keys), and its keys never reach the monitor. */
static void test_serve_section(void)
{
    cg_monitor_config c;
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "[serve]\nlisten = 127.0.0.1:8080\nthreads = 4\nanything = x\n"
                    "[monitor]\nstore = a.db\n"));
    CHECK(c.store != NULL && strstr(c.store, "a.db") != NULL);
    cg_monitor_config_clear(&c);
    cg_monitor_config_init(&c);
    CHECK(!parse(&c, "[serve]\n[serve]\n") && strstr(err, "a second [serve]") != NULL);
    cg_monitor_config_clear(&c);
}

static char *path_in(const char *name)
{
    static char buf[4][600];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

/* The text must fail with "cfg.ini:LINE: ..." containing what. */
static void expect_error(const char *text, int line, const char *what)
{
    cg_monitor_config c;
    char want[700];
    cg_monitor_config_init(&c);
    int ok = parse(&c, text);
    CHECK(!ok);
    snprintf(want, sizeof(want), "%s:%d: ", cfgname, line);
    if (ok || strncmp(err, want, strlen(want)) != 0 || strstr(err, what) == NULL) {
        fprintf(stderr, "  config:\n%s\n  want %s...%s\n  got  %s\n", text, want, what, err);
        CHECK(0);
    }
    /* nothing of a bad file is kept */
    CHECK(c.n_logs == 0 && c.n_issuers == 0 && c.file == NULL && c.store == NULL);
    CHECK(c.poll_interval == 60 && !c.loglist.present);
    cg_monitor_config_clear(&c);
}

static void test_defaults(void)
{
    cg_monitor_config c;
    cg_monitor_config_init(&c);
    CHECK(parse(&c, ""));
    CHECK(c.file != NULL && strcmp(c.file, cfgname) == 0);
    CHECK(c.store == NULL);
    CHECK(c.poll_interval == 60 && c.parallel == 32 && c.batch == 1024);
    CHECK(c.start == CG_CONFIG_FROM_START && c.all_issuers == 0);
    CHECK(c.format == CG_OUT_TEXT && c.quiet == 0);
    CHECK(c.shared == 0 && c.worker_id == NULL && c.lease_seconds == 60);
    CHECK(c.n_logs == 0 && c.n_issuers == 0);
    CHECK(!c.loglist.present && c.loglist.source == NULL && c.loglist.reload_interval == 3600 &&
          c.loglist.follow == 0);
    CHECK(c.crl.interval == 600 && c.crl.timeout == 30 && c.crl.max_size == 268435456 &&
          c.crl.max_redirects == 3);
    CHECK(c.alerts.hooks.n == 0 && c.alerts.hooks_dir == NULL && c.alerts.jsonl == NULL &&
          c.alerts.mail_to == NULL && c.alerts.sendmail == NULL);
    CHECK(c.alerts.hook_timeout == 30 && c.alerts.min_severity == CG_SEV_NOTICE);
    CHECK(c.incidents.auto_draft == 0);
    cg_monitor_config_clear(&c);

    /* comments, blank lines and empty optional sections give the defaults too */
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "; comment\n# another\n\n[monitor]\n[crl]\n[alerts]\n[incidents]\n"));
    CHECK(c.poll_interval == 60 && c.crl.interval == 600 && c.alerts.hook_timeout == 30);
    CHECK(!c.loglist.present);
    cg_monitor_config_clear(&c);
}

static void test_every_key(void)
{
    cg_monitor_config c;
    const char *text = "; a monitor watching two logs and one CA\n"
                       "[monitor]\n"
                       "store = state/ca.db\n"
                       "poll_interval = 30\n"
                       "parallel = 8\n"
                       "batch = 1000\n"
                       "start = end\n"
                       "all_issuers = true\n"
                       "format = json\n"
                       "quiet = yes\n"
                       "\n"
                       "[log argon]\n"
                       "url = https://ct.example/argon2025h1/\n"
                       "key = keys/argon.pub\n"
                       "type = rfc6962\n"
                       "mmd = 3600\n"
                       "rate_limit = 2.5\n"
                       "\n"
                       "[log sunlight-1]\n"
                       "url = http://127.0.0.1:8080/tiles\n"
                       "key = keys/sun.pub\n"
                       "type = static\n"
                       "\n"
                       "[issuer r3]\n"
                       "cert = ca.pem\n"
                       "crl_url = http://crl.example/1.crl\n"
                       "crl_url = http://crl.example/2.crl\n"
                       "crl_list_url = https://ccadb.example/crls.json\n"
                       "crl_list_url = https://ccadb.example/more.json\n"
                       "use_crldp = on\n"
                       "\n"
                       "[loglist]\n"
                       "source = https://www.gstatic.com/ct/log_list/v3/log_list.json\n"
                       "sig = list.sig\n"
                       "key = keys/list.pub\n"
                       "reload_interval = 600\n"
                       "follow = 1\n"
                       "\n"
                       "[crl]\n"
                       "interval = 300\n"
                       "timeout = 10\n"
                       "max_size = 1048576\n"
                       "max_redirects = 0\n"
                       "\n"
                       "[alerts]\n"
                       "hook = hook.sh\n"
                       "hook = /bin/true\n"
                       "hooks_dir = hooks.d\n"
                       "jsonl = out/alerts.jsonl\n"
                       "mail_to = pki-team@ca.example\n"
                       "sendmail = hook.sh\n"
                       "hook_timeout = 5\n"
                       "min_severity = warning\n"
                       "\n"
                       "[incidents]\n"
                       "auto = true\n";
    cg_monitor_config_init(&c);
    int ok = parse(&c, text);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK(strcmp(c.store, path_in("state/ca.db")) == 0);
    CHECK(c.poll_interval == 30 && c.parallel == 8 && c.batch == 1000);
    CHECK(c.start == CG_CONFIG_FROM_END && c.all_issuers == 1);
    CHECK(c.format == CG_OUT_JSON && c.quiet == 1);

    CHECK(c.n_logs == 2);
    CHECK(strcmp(c.logs[0].name, "argon") == 0);
    CHECK(strcmp(c.logs[0].url, "https://ct.example/argon2025h1/") == 0);
    CHECK(strcmp(c.logs[0].key, path_in("keys/argon.pub")) == 0);
    CHECK(c.logs[0].type == CG_CONFIG_LOG_RFC6962 && c.logs[0].mmd == 3600);
    CHECK(c.logs[0].rate_limit == 2.5 && c.logs[1].rate_limit == 0);
    CHECK(c.logs[0].line == 12);
    CHECK(strcmp(c.logs[1].name, "sunlight-1") == 0);
    CHECK(strcmp(c.logs[1].url, "http://127.0.0.1:8080/tiles") == 0);
    CHECK(c.logs[1].type == CG_CONFIG_LOG_STATIC && c.logs[1].mmd == 86400);
    CHECK(c.logs[1].line == 19);

    CHECK(c.n_issuers == 1);
    CHECK(strcmp(c.issuers[0].name, "r3") == 0);
    CHECK(strcmp(c.issuers[0].cert, path_in("ca.pem")) == 0);
    CHECK(c.issuers[0].crl_urls.n == 2);
    CHECK(c.issuers[0].crl_urls.n == 2 &&
          strcmp(c.issuers[0].crl_urls.v[0], "http://crl.example/1.crl") == 0 &&
          strcmp(c.issuers[0].crl_urls.v[1], "http://crl.example/2.crl") == 0);
    CHECK(c.issuers[0].crl_list_urls.n == 2 &&
          strcmp(c.issuers[0].crl_list_urls.v[0], "https://ccadb.example/crls.json") == 0 &&
          strcmp(c.issuers[0].crl_list_urls.v[1], "https://ccadb.example/more.json") == 0);
    CHECK(c.issuers[0].use_crldp == 1);

    CHECK(c.loglist.present && c.loglist.line == 32);
    CHECK(strcmp(c.loglist.source, "https://www.gstatic.com/ct/log_list/v3/log_list.json") == 0);
    CHECK(c.loglist.source_is_url == 1);
    CHECK(strcmp(c.loglist.sig, path_in("list.sig")) == 0 && c.loglist.sig_is_url == 0);
    CHECK(strcmp(c.loglist.key, path_in("keys/list.pub")) == 0);
    CHECK(c.loglist.reload_interval == 600 && c.loglist.follow == 1);

    CHECK(c.crl.interval == 300 && c.crl.timeout == 10 && c.crl.max_size == 1048576 &&
          c.crl.max_redirects == 0);

    CHECK(c.alerts.hooks.n == 2);
    CHECK(c.alerts.hooks.n == 2 && strcmp(c.alerts.hooks.v[0], path_in("hook.sh")) == 0 &&
          strcmp(c.alerts.hooks.v[1], "/bin/true") == 0);
    CHECK(strcmp(c.alerts.hooks_dir, path_in("hooks.d")) == 0);
    CHECK(strcmp(c.alerts.jsonl, path_in("out/alerts.jsonl")) == 0);
    CHECK(strcmp(c.alerts.mail_to, "pki-team@ca.example") == 0);
    CHECK(strcmp(c.alerts.sendmail, path_in("hook.sh")) == 0);
    CHECK(c.alerts.hook_timeout == 5 && c.alerts.min_severity == CG_SEV_WARNING);
    CHECK(c.incidents.auto_draft == 1);

    /* a second load into the same struct replaces what it held */
    CHECK(parse(&c, "[monitor]\nbatch = 7\n"));
    CHECK(c.batch == 7 && c.n_logs == 0 && c.store == NULL && c.alerts.hooks.n == 0);
    cg_monitor_config_clear(&c);
}

static void test_values(void)
{
    cg_monitor_config c;

    /* booleans and enums in each spelling */
    const char *bools[][2] = {{"true", "1"},  {"yes", "1"}, {"on", "1"},  {"1", "1"},
                              {"false", "0"}, {"no", "0"},  {"off", "0"}, {"0", "0"}};
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "[monitor]\nquiet = %s\n", bools[i][0]);
        cg_monitor_config_init(&c);
        CHECK(parse(&c, text));
        CHECK(c.quiet == (bools[i][1][0] == '1'));
        cg_monitor_config_clear(&c);
    }
    const char *sev[][2] = {{"notice", "2"}, {"warning", "1"}, {"error", "0"}};
    for (size_t i = 0; i < 3; i++) {
        char text[128];
        snprintf(text, sizeof(text), "[alerts]\nmin_severity = %s\n", sev[i][0]);
        cg_monitor_config_init(&c);
        CHECK(parse(&c, text));
        CHECK((int)c.alerts.min_severity == sev[i][1][0] - '0');
        cg_monitor_config_clear(&c);
    }
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "[monitor]\nstart = start\nformat = text\n"));
    CHECK(c.start == CG_CONFIG_FROM_START && c.format == CG_OUT_TEXT);
    cg_monitor_config_clear(&c);

    /* monitors sharing the store's work */
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "[monitor]\nshared = true\nworker_id = host-a:1\nlease_seconds = 90\n"));
    CHECK(c.shared == 1 && c.worker_id != NULL && strcmp(c.worker_id, "host-a:1") == 0 &&
          c.lease_seconds == 90);
    cg_monitor_config_clear(&c);

    /* the ends of each range are accepted */
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "[monitor]\npoll_interval = 1\nparallel = 256\nbatch = 100000\n"
                    "[crl]\nmax_redirects = 20\nmax_size = 1099511627776\ntimeout = 3600\n"
                    "interval = 604800\n"
                    "[alerts]\nhook_timeout = 1\n[loglist]\nsource = list.json\n"
                    "reload_interval = 2592000\n"));
    CHECK(c.poll_interval == 1 && c.parallel == 256 && c.batch == 100000);
    CHECK(c.crl.max_redirects == 20 && c.crl.max_size == 1099511627776LL &&
          c.crl.timeout == 3600 && c.crl.interval == 604800);
    CHECK(c.alerts.hook_timeout == 1 && c.loglist.reload_interval == 2592000);
    CHECK(c.loglist.present && c.loglist.source_is_url == 0 &&
          strcmp(c.loglist.source, path_in("list.json")) == 0);
    CHECK(c.loglist.sig == NULL && c.loglist.key == NULL && c.loglist.follow == 0);
    cg_monitor_config_clear(&c);

    /* store: a path, sqlite:PATH (resolved), another scheme (as written) */
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "[monitor]\nstore = sqlite:db/x.db\n"));
    char want[700];
    snprintf(want, sizeof(want), "sqlite:%s", path_in("db/x.db"));
    CHECK(c.store != NULL && strcmp(c.store, want) == 0);
    CHECK(parse(&c, "[monitor]\nstore = postgresql://caguard@localhost/ca\n"));
    CHECK(c.store != NULL && strcmp(c.store, "postgresql://caguard@localhost/ca") == 0);
    CHECK(parse(&c, "[monitor]\nstore = /var/lib/caguard/ca.db\n"));
    CHECK(c.store != NULL && strcmp(c.store, "/var/lib/caguard/ca.db") == 0);
    cg_monitor_config_clear(&c);

    /* layout: BOM, CRLF, indentation, inline comments, 'key: value',
     * blanks in a section header */
    cg_monitor_config_init(&c);
    CHECK(parse(&c, "\xEF\xBB\xBF[monitor]\r\n"
                    "  batch = 12   ; inline comment\r\n"
                    "\tparallel: 2\r\n"
                    "[ log   a.b_c-d ]  ; the log\n"
                    "    url = http://127.0.0.1:1/\n"
                    "    key = keys/argon.pub\n"));
    CHECK(c.batch == 12 && c.parallel == 2);
    CHECK(c.n_logs == 1 && strcmp(c.logs[0].name, "a.b_c-d") == 0 &&
          strcmp(c.logs[0].url, "http://127.0.0.1:1/") == 0);
    cg_monitor_config_clear(&c);

    /* an absolute path stays as it is */
    cg_monitor_config_init(&c);
    char text[900];
    snprintf(text, sizeof(text), "[issuer a]\ncert = %s\n", path_in("ca.pem"));
    CHECK(parse(&c, text));
    CHECK(c.n_issuers == 1 && strcmp(c.issuers[0].cert, path_in("ca.pem")) == 0 &&
          c.issuers[0].use_crldp == 0 && c.issuers[0].crl_urls.n == 0 &&
          c.issuers[0].crl_list_urls.n == 0);
    cg_monitor_config_clear(&c);

    /* a config named without a directory resolves against the current one */
    cg_monitor_config_init(&c);
    CHECK(cg_monitor_config_parse(&c, "x.ini", (const uint8_t *)"[monitor]\nstore = a.db\n", 22,
                                  err, sizeof(err)));
    CHECK(c.store != NULL && strcmp(c.store, "a.db") == 0);
    cg_monitor_config_clear(&c);
    cg_monitor_config_init(&c);
    CHECK(cg_monitor_config_parse(&c, "/x.ini", (const uint8_t *)"[monitor]\nstore = a.db\n", 22,
                                  err, sizeof(err)));
    CHECK(c.store != NULL && strcmp(c.store, "/a.db") == 0);
    cg_monitor_config_clear(&c);
}

static void test_errors(void)
{
    char text[4096];

    /* structure */
    expect_error("[monitor]\n[sections]\n", 2, "unknown section [sections]");
    expect_error("[Monitor]\n", 1, "unknown section [Monitor]");
    expect_error("batch = 1\n", 1, "batch = ... before any [section]");
    expect_error("[monitor]\nbatch = 1\n[monitor]\n", 3, "a second [monitor] section");
    expect_error("[log a]\nurl = http://x/\nkey = keys/argon.pub\n[log a]\n", 4,
                 "a second [log a]");
    expect_error("[issuer a]\ncert = ca.pem\n[issuer a]\ncert = ca.pem\n", 3,
                 "a second [issuer a]");
    expect_error("[log]\n", 1, "[log] needs a name");
    expect_error("[issuer]\n", 1, "[issuer] needs a name");
    expect_error("[monitor main]\n", 1, "[monitor] takes no name");
    expect_error("[log a/b]\n", 1, "a NAME is 1 to 40");
    expect_error("[log a b]\n", 1, "a NAME is 1 to 40");
    expect_error("[log aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 1, "a NAME is 1 to 40");
    expect_error("[monitor\nbatch = 1\n", 1, "without its ']'");
    expect_error("[monitor ;x]\n", 1, "takes no name");
    expect_error("[monitor] batch = 1\n", 1, "text after the ']'");
    expect_error("[monitor]\njunk\n", 2, "not a [section], a key = value or a comment");
    expect_error("[monitor]\n=1\n", 2, "unknown key ''");

    /* keys */
    expect_error("[monitor]\nbatch = 1\npoll = 5\n", 3, "[monitor] unknown key 'poll'");
    expect_error("[log a]\nurl = http://x/\nkey = keys/argon.pub\nbatch = 3\n", 4,
                 "[log a] unknown key 'batch' (keys: url, key, type, mmd, origin, rate_limit)");
    expect_error("[monitor]\nBatch = 1\n", 2, "unknown key 'Batch'");
    expect_error("[monitor]\nbatch = 1\nbatch = 2\n", 3, "[monitor] batch given twice");
    expect_error("[log a]\nurl = http://x/\nurl = http://y/\n", 3, "[log a] url given twice");
    expect_error("[monitor]\nbatch =\n", 2, "[monitor] batch: no value");
    expect_error("[monitor]\nstore = a\x01"
                 "b\n",
                 2, "a control character");
    expect_error("[monitor]\nstore = a\x7f"
                 "b\n",
                 2, "a control character");

    /* required keys: the error is on the section's line */
    expect_error("[monitor]\n\n[log a]\nkey = keys/argon.pub\n[crl]\n", 3, "[log a]: no url");
    expect_error("[log a]\nurl = http://x/\n", 1, "[log a]: no key (required)");
    expect_error("[log a]\n", 1, "[log a]: no url");
    expect_error("[issuer ca]\ncrl_url = http://x/\n", 1, "[issuer ca]: no cert");
    expect_error("[loglist]\nfollow = true\n", 1, "[loglist]: no source");
    expect_error("[loglist]\nsource = list.json\nsig = list.sig\n", 1, "sig without key");
    expect_error("[loglist]\nsource = list.json\nkey = keys/list.pub\n", 1, "key without sig");

    /* numbers */
    expect_error("[monitor]\nbatch = many\n", 2, "batch: 'many' is not a whole number");
    expect_error("[monitor]\nbatch = -1\n", 2, "'-1' is not a whole number");
    expect_error("[monitor]\nbatch = +1\n", 2, "'+1' is not a whole number");
    expect_error("[monitor]\nbatch = 0x10\n", 2, "is not a whole number");
    expect_error("[monitor]\nbatch = 1 2\n", 2, "is not a whole number");
    expect_error("[monitor]\npoll_interval = 60s\n", 2, "is not a whole number");
    expect_error("[monitor]\nbatch = 0\n", 2, "batch: 0 is out of range (1 to 100000)");
    expect_error("[monitor]\nbatch = 100001\n", 2, "out of range (1 to 100000)");
    expect_error("[monitor]\nparallel = 257\n", 2, "parallel: 257 is out of range (1 to 256)");
    /* a log's request rate: a decimal, more than 0 */
    static const struct {
        const char *value, *what;
    } rates[] = {
        {"0", "rate_limit: '0' is not a number more than 0 and at most 10000"},
        {"2/s", "rate_limit: '2/s' is not a number"},
        {"10001", "at most 10000"},
    };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        snprintf(text, sizeof(text),
                 "[log a]\nurl = http://x/\nkey = keys/argon.pub\nrate_limit = %s\n",
                 rates[i].value);
        expect_error(text, 4, rates[i].what);
    }
    expect_error("[monitor]\nlease_seconds = 4\n", 2,
                 "lease_seconds: 4 is out of range (5 to 86400)");
    expect_error("[monitor]\nshared = sometimes\n", 2, "shared");
    expect_error("[monitor]\npoll_interval = 0\n", 2, "out of range");
    expect_error("[monitor]\npoll_interval = 99999999999999999999999\n", 2, "out of range");
    expect_error("[log a]\nurl = http://x/\nkey = keys/argon.pub\nmmd = 0\n", 4,
                 "[log a] mmd: 0 is out of range");
    expect_error("[crl]\nmax_redirects = 21\n", 2, "out of range (0 to 20)");
    expect_error("[crl]\nmax_size = 0\n", 2, "out of range");
    expect_error("[crl]\ntimeout = 3601\n", 2, "out of range");
    expect_error("[crl]\ninterval = 0\n", 2, "out of range");
    expect_error("[crl]\ninterval = 604801\n", 2, "out of range (1 to 604800)");
    expect_error("[crl]\nmax_size = 1099511627777\n", 2, "out of range");
    expect_error("[alerts]\nhook_timeout = 0\n", 2, "out of range");
    expect_error("[loglist]\nsource = list.json\nreload_interval = 0\n", 3, "out of range");

    /* booleans and enums */
    expect_error("[monitor]\nquiet = maybe\n", 2, "quiet: 'maybe' is not a boolean");
    expect_error("[monitor]\nall_issuers = TRUE\n", 2, "is not a boolean");
    expect_error("[issuer a]\ncert = ca.pem\nuse_crldp = 2\n", 3, "is not a boolean");
    expect_error("[loglist]\nsource = list.json\nfollow = y\n", 3, "is not a boolean");
    expect_error("[incidents]\nauto = draft\n", 2, "[incidents] auto: 'draft' is not a boolean");
    expect_error("[monitor]\nformat = xml\n", 2, "format: 'xml' is not one of text or json");
    expect_error("[monitor]\nstart = middle\n", 2, "'middle' is not one of start or end");
    expect_error("[log a]\nurl = http://x/\nkey = keys/argon.pub\ntype = tiles\n", 4,
                 "type: 'tiles' is not one of rfc6962 or static");
    expect_error("[alerts]\nmin_severity = info\n", 2,
                 "'info' is not one of notice, warning or error");

    /* URLs, addresses, files */
    expect_error("[log a]\nurl = ftp://x/\n", 2, "url: a URL scheme caguard does not fetch");
    expect_error("[log a]\nurl = ct.example/log\n", 2, "not an http:// or https:// URL");
    expect_error("[log a]\nurl = https:///log\n", 2, "a URL without a host");
    expect_error("[log a]\nurl = https://\n", 2, "a URL without a host");
    expect_error("[log a]\nurl = http://a b/\n", 2, "a URL with a blank");
    expect_error("[issuer a]\ncert = ca.pem\ncrl_url = file:///etc/passwd\n", 3,
                 "crl_url: a URL scheme");
    expect_error("[issuer a]\ncert = ca.pem\ncrl_list_url = crls.json\n", 3,
                 "crl_list_url: not an http");
    expect_error("[loglist]\nsource = ftp://x/list.json\n", 2, "source: a URL scheme");
    expect_error("[log a]\nurl = http://x/\nkey = missing.pub\n", 3, "key: cannot read '");
    expect_error("[log a]\nurl = http://x/\nkey = keys\n", 3, "is a directory");
    expect_error("[issuer a]\ncert = nothere.pem\n", 2, "No such file");
    expect_error("[loglist]\nsource = nothere.json\n", 2, "source: cannot read");
    expect_error("[alerts]\nhook = ca.pem\n", 2, "hook: cannot execute '");
    expect_error("[alerts]\nhook = keys\n", 2, "is a directory");
    expect_error("[alerts]\nhook = nothere.sh\n", 2, "hook: cannot read");
    expect_error("[alerts]\nsendmail = ca.pem\n", 2, "sendmail: cannot execute");
    expect_error("[alerts]\nmail_to = nobody\n", 2, "mail_to: not a mail address");
    expect_error("[alerts]\nmail_to = a@b@c\n", 2, "not a mail address");
    expect_error("[alerts]\nmail_to = a b@c\n", 2, "not a mail address");
    expect_error("[alerts]\nmail_to = -oQ@c\n", 2, "not a mail address");
    expect_error("[alerts]\nmail_to = a@b,c@d\n", 2, "not a mail address");
    expect_error("[alerts]\nmail_to = @b\n", 2, "not a mail address");
    expect_error("[monitor]\nstore = sqlite:\n", 2, "sqlite: without a path");

    /* repeatable keys have a limit */
    size_t n = (size_t)snprintf(text, sizeof(text), "[alerts]\n");
    for (int i = 0; i <= CG_CONFIG_MAX_REPEAT; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "hook = /bin/true\n");
    expect_error(text, CG_CONFIG_MAX_REPEAT + 2, "hook: given more than 64 times");

    /* lines: too long, a NUL byte */
    memset(text, 'x', sizeof(text));
    memcpy(text, "[monitor]\nstore = ", 18);
    text[10 + CG_CONFIG_MAX_LINE + 1] = '\n';
    text[10 + CG_CONFIG_MAX_LINE + 2] = '\0';
    expect_error(text, 2, "line longer than 198 bytes");
    text[10 + CG_CONFIG_MAX_LINE] = '\n';
    text[10 + CG_CONFIG_MAX_LINE + 1] = '\0';
    {
        cg_monitor_config c;
        cg_monitor_config_init(&c);
        CHECK(parse(&c, text)); /* exactly 198 bytes */
        CHECK(c.store != NULL && strlen(c.store) == strlen(dir) + 1 + 198 - 8);
        cg_monitor_config_clear(&c);
    }
    {
        cg_monitor_config c;
        static const char nul[] = "[monitor]\nbatch = 1\0\n";
        cg_monitor_config_init(&c);
        CHECK(!cg_monitor_config_parse(&c, cfgname, (const uint8_t *)nul, sizeof(nul) - 1, err,
                                       sizeof(err)));
        CHECK(strstr(err, ":2: a NUL byte") != NULL);
        cg_monitor_config_clear(&c);
    }

    /* the first error in the file is the one reported */
    expect_error("[monitor]\nbatch = x\n[bogus]\n", 2, "not a whole number");
    expect_error("[log a]\nurl = http://x/\n[monitor]\nbatch = x\n", 1, "[log a]: no key");
    expect_error("[monitor]\njunk\n[log a]\n", 2, "not a [section]");
}

static void test_load(void)
{
    cg_monitor_config c;
    char path[600];

    /* a file on disk; a missing one; a directory; one too large */
    snprintf(path, sizeof(path), "%s/sub/m.ini", dir);
    write_file("sub/m.ini", "[log a]\nurl = http://127.0.0.1:9/\nkey = ../keys/argon.pub\n", 0644);
    cg_monitor_config_init(&c);
    CHECK(cg_monitor_config_load(&c, path, err, sizeof(err)));
    CHECK(c.n_logs == 1 && strcmp(c.logs[0].key, path_in("sub/../keys/argon.pub")) == 0);
    cg_monitor_config_clear(&c);

    write_file("sub/bad.ini", "[log a]\nurl = http://127.0.0.1:9/\nkey = keys/argon.pub\n", 0644);
    snprintf(path, sizeof(path), "%s/sub/bad.ini", dir);
    CHECK(!cg_monitor_config_load(&c, path, err, sizeof(err)));
    CHECK(strncmp(err, path, strlen(path)) == 0 && strstr(err, ":3: [log a] key: cannot read"));

    snprintf(path, sizeof(path), "%s/none.ini", dir);
    CHECK(!cg_monitor_config_load(&c, path, err, sizeof(err)));
    CHECK(strstr(err, "none.ini: cannot open: No such file") != NULL);
    CHECK(!cg_monitor_config_load(&c, dir, err, sizeof(err)));
    CHECK(strstr(err, ": is a directory") != NULL);

    char *big = malloc(CG_CONFIG_MAX_BYTES + 2);
    CHECK(big != NULL);
    if (big != NULL) {
        for (size_t i = 0; i < CG_CONFIG_MAX_BYTES + 1; i++)
            big[i] = (i % 64 == 63) ? '\n' : ';';
        big[CG_CONFIG_MAX_BYTES + 1] = '\0';
        write_file("big.ini", big, 0644);
        free(big);
        snprintf(path, sizeof(path), "%s/big.ini", dir);
        CHECK(!cg_monitor_config_load(&c, path, err, sizeof(err)));
        CHECK(strstr(err, "big.ini: larger than 1048576 bytes") != NULL);
    }
    CHECK(c.n_logs == 0 && c.file == NULL);
    cg_monitor_config_clear(&c);
}

/* examples/monitor.ini parses, once the files it names exist beside it. */
static void test_example(void)
{
    cg_monitor_config c;
    char path[600];
    size_t len;
    uint8_t *text = cg_test_read(CG_SOURCE_DIR "/examples/monitor.ini", &len);
    CHECK(text != NULL);
    if (text == NULL)
        return;
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/ex", dir);
    mkdir(sub, 0755);
    write_file("ex/ca.pem", "c\n", 0644);
    write_file("ex/loglist.json", "{}\n", 0644);
    snprintf(path, sizeof(path), "%s/ex/monitor.ini", dir);
    cg_monitor_config_init(&c);
    int ok = cg_monitor_config_parse(&c, path, text, len, err, sizeof(err));
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s\n", err);
    CHECK(c.n_logs == 0 && c.n_issuers == 1 && c.loglist.present && !c.loglist.source_is_url &&
          c.loglist.follow == 1 && c.start == CG_CONFIG_FROM_END && c.format == CG_OUT_JSON);
    CHECK(c.alerts.min_severity == CG_SEV_WARNING && c.incidents.auto_draft == 1);
    cg_monitor_config_clear(&c);
    free(text);
}

/* [monitor] include/exclude (repeatable), min_severity, fail_on: the
 * rule selection of what is printed and counted. */
static void test_selection_keys(void)
{
    cg_monitor_config c;
    cg_monitor_config_init(&c);
    CHECK(c.include.n == 0 && c.min_severity == CG_SEV_NOTICE && c.fail_on == CG_SEV_ERROR);
    CHECK(parse(&c, "[monitor]\ninclude = ct.sct\ninclude = ct.pair\n"
                    "exclude = ct.sct.unknown_log\nmin_severity = warning\nfail_on = notice\n"));
    CHECK(c.include.n == 2 && strcmp(c.include.v[1], "ct.pair") == 0 && c.exclude.n == 1 &&
          c.min_severity == CG_SEV_WARNING && c.fail_on == CG_SEV_NOTICE);
    cg_monitor_config_clear(&c);
    expect_error("[monitor]\nfail_on = fatal\n", 2, "fail_on");
}

/* [ccadb]: the CA Owner CCADB unique ID and the CA's Bugzilla accounts. */
static void test_ccadb_section(void)
{
    cg_monitor_config c;
    cg_monitor_config_init(&c);
    CHECK(c.ccadb.owner_id == NULL && c.ccadb.ca_accounts.n == 0);
    CHECK(parse(&c, "[ccadb]\nowner_id = A004512\nca_accounts = pki@example.com, "
                    "compliance@example.com\nca_accounts = ops@example.com\n"));
    CHECK(c.ccadb.owner_id != NULL && strcmp(c.ccadb.owner_id, "A004512") == 0);
    CHECK(c.ccadb.ca_accounts.n == 3);
    if (c.ccadb.ca_accounts.n == 3) {
        CHECK(strcmp(c.ccadb.ca_accounts.v[0], "pki@example.com") == 0);
        CHECK(strcmp(c.ccadb.ca_accounts.v[1], "compliance@example.com") == 0);
        CHECK(strcmp(c.ccadb.ca_accounts.v[2], "ops@example.com") == 0);
    }
    cg_monitor_config_clear(&c);
    expect_error("[ccadb]\nowner_id = 004512\n", 2,
                 "[ccadb] owner_id: not a CCADB unique ID (\"A\" followed by six digits");
    expect_error("[ccadb]\nowner_id = A0045123\n", 2, "not a CCADB unique ID");
    expect_error("[ccadb]\nca_accounts = pki@example.com, nobody\n", 2,
                 "[ccadb] ca_accounts: 'nobody' is not a mail address");
    expect_error("[ccadb]\nfax = 1\n", 2, "fax");
}

int main(void)
{
    char tmpl[] = "/tmp/cg_config_test.XXXXXX";
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s", tmpl);
    snprintf(cfgname, sizeof(cfgname), "%s/cfg.ini", dir);
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/keys", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    mkdir(sub, 0755);
    write_file("keys/argon.pub", "key\n", 0644);
    write_file("keys/sun.pub", "key\n", 0644);
    write_file("keys/list.pub", "key\n", 0644);
    write_file("ca.pem", "cert\n", 0644);
    write_file("list.sig", "sig\n", 0644);
    write_file("list.json", "{}\n", 0644);
    write_file("hook.sh", "#!/bin/sh\nexit 0\n", 0755);

    test_defaults();
    test_every_key();
    test_values();
    test_errors();
    test_load();
    test_example();
    test_serve_section();
    test_selection_keys();
    test_ccadb_section();

    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return cg_test_done();
}
