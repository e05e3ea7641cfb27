/* The dashboard writer (report/html.c) over a store built through the
 * store API with known content: the numbers of the overview, the findings
 * table, the charts and an incident's deadlines; hostile text from
 * certificates, findings, titles and notes escaped in text and attribute
 * contexts; and a directory written whole or not at all. */
#include "ct/loglist.h"
#include "report/html.h"
#include "store/store.h"
#include "testutil.h"
#include "x509/x509.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

/* ---- reading what was written ---- */

static char *slurp(const char *dir, const char *name)
{
    char path[512];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t *p = cg_test_read(path, &len);
    if (p == NULL)
        return NULL;
    char *s = realloc(p, len + 1);
    if (s == NULL) {
        free(p);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; hay != NULL && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static int has(const char *hay, const char *needle)
{
    int ok = hay != NULL && strstr(hay, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  missing: %s\n", needle);
    return ok;
}

/* The element that starts with `start` up to the first `end` after it, as
 * a new string ("" when there is none). */
static char *cut(const char *hay, const char *start, const char *end)
{
    const char *a = hay != NULL ? strstr(hay, start) : NULL;
    const char *b = a != NULL ? strstr(a, end) : NULL;
    size_t n = b != NULL ? (size_t)(b - a) + strlen(end) : 0;
    char *s = malloc(n + 1);
    if (s == NULL)
        return NULL;
    if (n > 0)
        memcpy(s, a, n);
    s[n] = '\0';
    if (n == 0)
        fprintf(stderr, "  no element starting %s\n", start);
    return s;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Entries of tmpdir other than the given ones (leftover temporary
 * directories). */
static int put_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static int leftovers(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp-") != NULL || strstr(e->d_name, ".old-") != NULL) {
            fprintf(stderr, "  leftover %s\n", e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* ---- the store ---- */

/* A Name with one CN (UTF8String) of fewer than 100 bytes. */
static size_t make_name(const char *cn, uint8_t *out)
{
    size_t n = strlen(cn), atv = 5 + 2 + n;
    const uint8_t head[] = {0x30,      (uint8_t)(4 + atv),
                            0x31,      (uint8_t)(2 + atv),
                            0x30,      (uint8_t)atv,
                            0x06,      0x03,
                            0x55,      0x04,
                            0x03,      0x0c,
                            (uint8_t)n};
    memcpy(out, head, sizeof(head));
    memcpy(out + sizeof(head), cn, n);
    return sizeof(head) + n;
}

#define HOSTILE_CN "<script>alert(\"x\")</script> & 'q'"
/* cg_name_to_string escapes ", < and > (RFC 4514); then HTML escaping. */
#define HOSTILE_CN_HTML                                                                           \
    "CN=\\&lt;script\\&gt;alert(\\&quot;x\\&quot;)\\&lt;/script\\&gt; &amp; &#39;q&#39;"
#define HOSTILE_MSG "<script>alert(1)</script> \"quoted\" & 'single'"
#define HOSTILE_MSG_HTML                                                                          \
    "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39;"

static const int64_t T0 = INT64_C(1710000000); /* 2024-03-09T16:00:00Z */
static const int64_t DAY = 86400;

static uint8_t hostile_name[128];
static size_t hostile_len;

static void put_obj(cg_store *s, uint8_t tag, cg_kind kind, const uint8_t *issuer,
                    size_t issuer_len, uint8_t sha[32])
{
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    cg_store_object o;
    memset(&o, 0, sizeof(o));
    memset(o.sha256, tag, 32);
    o.kind = kind;
    o.der = der;
    o.der_len = sizeof(der);
    o.issuer = issuer;
    o.issuer_len = issuer_len;
    if (kind == CG_KIND_CRL) {
        o.scope = (const uint8_t *)"";
    } else {
        o.serial = &tag;
        o.serial_len = 1;
        o.subject = issuer;
        o.subject_len = issuer_len;
        o.crldp = (const uint8_t *)"";
    }
    o.file = "hostile <file> & 'name'.pem";
    o.first_seen = T0;
    CHECK(cg_store_put_object(s, &o, NULL, NULL));
    memcpy(sha, o.sha256, 32);
}

static int64_t put_finding(cg_store *s, const char *rule, cg_severity sev, const uint8_t *obj,
                           const char *msg, int64_t seen)
{
    cg_store_finding f;
    int64_t id = 0;
    memset(&f, 0, sizeof(f));
    f.rule = rule;
    f.severity = sev;
    f.has_object = 1;
    memcpy(f.object, obj, 32);
    f.message = msg;
    CHECK(cg_store_put_finding(s, &f, seen, NULL, &id));
    return id;
}

static cg_store *build_store(const char *path, int64_t *incident_id)
{
    char err[512];
    cg_store_status status;
    cg_store *s = cg_store_open(path, CG_STORE_CREATE, &status, err, sizeof(err));
    uint8_t h1[32], h2[32], h3[32], real[32];
    cg_cert cert;
    cg_der_error derr;
    size_t der_len = 0;
    uint8_t *der;
    CHECK(s != NULL);
    if (s == NULL)
        return NULL;
    hostile_len = make_name(HOSTILE_CN, hostile_name);
    put_obj(s, 0xa1, CG_KIND_CERT, hostile_name, hostile_len, h1);
    put_obj(s, 0xa2, CG_KIND_PRECERT, hostile_name, hostile_len, h2);
    put_obj(s, 0xa3, CG_KIND_CRL, hostile_name, hostile_len, h3);
    /* A real certificate with three SCTs (logs of operators A, B and C). */
    der = cg_test_read_der("ct3/clean_final.pem", &der_len);
    CHECK(der != NULL && cg_cert_parse(&cert, der, der_len, &derr));
    if (der != NULL) {
        cg_store_object o;
        memset(&o, 0, sizeof(o));
        memset(o.sha256, 0xb1, 32);
        o.kind = CG_KIND_CERT;
        o.der = der;
        o.der_len = der_len;
        o.issuer = cert.issuer.data;
        o.issuer_len = cert.issuer.len;
        o.serial = cert.serial.data;
        o.serial_len = cert.serial.len;
        o.subject = cert.subject.data;
        o.subject_len = cert.subject.len;
        o.crldp = (const uint8_t *)"";
        o.file = "clean_final.pem";
        o.first_seen = T0;
        CHECK(cg_store_put_object(s, &o, NULL, NULL));
        memcpy(real, o.sha256, 32);
        free(der);
    }
    put_finding(s, "ct.pair.tbs_mismatch", CG_SEV_ERROR, h1, HOSTILE_MSG, T0);
    int64_t r = put_finding(s, "ct.sct.signature_invalid", CG_SEV_ERROR, h2, "resolved", T0 + DAY);
    CHECK(cg_store_resolve_finding(s, r, T0 + 2 * DAY));
    put_finding(s, "ct.policy.chrome_unsatisfied", CG_SEV_WARNING, real, "w", T0 + DAY);
    put_finding(s, "ct.sct.issuer_unknown", CG_SEV_NOTICE, real, "bad \xff\x01 bytes",
                T0 + 2 * DAY);
    put_finding(s, "ct.cert.duplicate_serial", CG_SEV_ERROR, h1, "dup", T0 + 2 * DAY);

    /* An incident reported at T0 + 3 days, looked at 10 days later: one
     * certificate not revoked (5-day deadline missed by 5 days), the
     * preliminary report 8 hours late, the full report due in 4 days. */
    cg_incident inc;
    cg_incident_cert c;
    cg_incident_event ev;
    memset(&inc, 0, sizeof(inc));
    memset(&c, 0, sizeof(c));
    memset(&ev, 0, sizeof(ev));
    inc.kind = "misissuance";
    inc.title = "<b>\"Title\"</b> & 'x'";
    inc.reported_at = T0 + 3 * DAY;
    memset(c.sha256, 0xc1, 32);
    c.serial_hex = "0a";
    c.issuer = "CN=CA";
    c.subject = "CN=<i>sub</i> & \"co\"";
    c.dns_names = "a.example";
    c.not_before = T0;
    c.not_after = T0 + 400 * DAY;
    c.reason = -1;
    inc.certs = &c;
    inc.n_certs = 1;
    ev.type = CG_EVENT_PRELIMINARY_REPORT;
    ev.at = inc.reported_at + 80 * 3600;
    ev.note = "<script>note()</script>";
    inc.events = &ev;
    inc.n_events = 1;
    CHECK(cg_store_incident_create(s, &inc));
    *incident_id = inc.id;
    return s;
}

/* ---- the checks ---- */

static void check_index(const char *dir, int with_loglist)
{
    char *idx = slurp(dir, "index.html");
    CHECK(idx != NULL);
    if (idx == NULL)
        return;
    /* one script, ours; the hostile strings only escaped */
    CHECK(count(idx, "<script") == 1);
    CHECK(strstr(idx, "<script>alert") == NULL);
    CHECK(strstr(idx, "<b>\"Title") == NULL);
    CHECK(has(idx, HOSTILE_MSG_HTML));
    CHECK(has(idx, "&lt;b&gt;&quot;Title&quot;&lt;/b&gt; &amp; &#39;x&#39;"));
    CHECK(has(idx, "hostile &lt;file&gt; &amp; &#39;name&#39;.pem #0"));
    /* invalid UTF-8 and a control character replaced */
    CHECK(has(idx, "bad \xef\xbf\xbd\xef\xbf\xbd bytes"));
    /* attribute context: the issuer filter value and the row's attribute */
    CHECK(has(idx, "data-issuer=\"" HOSTILE_CN_HTML "\""));
    CHECK(has(idx, "<option value=\"" HOSTILE_CN_HTML "\">"));
    /* the fragment link of the overview: percent-encoded */
    CHECK(has(idx, "href=\"#issuer=CN%3D%5C%3Cscript%5C%3Ealert(%5C%22x%5C%22)%5C%3C%2Fscript"));

    /* cards and the overview */
    CHECK(has(idx, "id=\"card-objects\">Objects<b>4</b>"));
    CHECK(has(idx, "id=\"card-errors\">Open errors<b class=\"sev-error\">2</b>"));
    CHECK(has(idx, "id=\"card-warnings\">Open warnings<b class=\"sev-warning\">1</b>"));
    CHECK(has(idx, "id=\"card-notices\">Open notices<b class=\"sev-notice\">1</b>"));
    CHECK(has(idx, "id=\"card-incidents\">Incidents<b>1</b>"));
    char *row = cut(idx, "<tr data-issuer=\"" HOSTILE_CN_HTML "\">", "</tr>");
    CHECK(has(row, "data-kind=\"certificate\">1</td>"));
    CHECK(has(row, "data-kind=\"precertificate\">1</td>"));
    CHECK(has(row, "data-kind=\"crl\">1</td>"));
    CHECK(has(row, "data-severity=\"error\"><a href=\"#issuer="));
    CHECK(has(row, "&amp;severity=error&amp;status=open\">2</a></td>"));
    CHECK(has(row, "data-severity=\"warning\">0</td>"));
    free(row);
    row = cut(idx, "<tr data-issuer=\"CN=caguard SCT test CA,O=caguard test,C=XX\">", "</tr>");
    CHECK(has(row, "data-kind=\"certificate\">1</td>"));
    CHECK(has(row, "data-kind=\"crl\">0</td>"));
    CHECK(has(row, "status=open\">1</a></td><td class=\"num\" data-severity=\"notice\">"));
    free(row);
    row = cut(idx, "<tfoot>", "</tfoot>");
    CHECK(has(row, "<td class=\"num\" data-severity=\"error\">2</td>"));
    free(row);

    /* the findings table: every finding, resolved ones included */
    row = cut(idx, "<table id=\"findings-table\">", "</table>");
    CHECK(count(row, "<tr data-rule=") == 5);
    CHECK(count(row, "data-status=\"resolved\"") == 1);
    CHECK(count(row, "data-severity=\"error\"") == 3);
    CHECK(has(row, "<tr data-rule=\"ct.pair.tbs_mismatch\" data-severity=\"error\" "
                   "data-issuer=\"" HOSTILE_CN_HTML "\" data-status=\"open\">"));
    free(row);
    CHECK(has(idx, "<span id=\"shown\">5</span> of <span id=\"listed\">5</span>"));
    CHECK(has(idx, "<option value=\"ct.pair.tbs_mismatch\">ct.pair.tbs_mismatch (1)</option>"));

    /* findings per rule: 6-hour buckets over the two days */
    row = cut(idx, "<figure class=\"chart\" id=\"chart-rules\">", "</figure>");
    CHECK(has(row, "one bar per 6 hours"));
    CHECK(count(row, "<div class=\"crow\"") == 5);
    CHECK(has(row, "data-rule=\"ct.sct.signature_invalid\" data-total=\"1\""));
    CHECK(count(row, "<rect class=\"bar\"") == 5);
    CHECK(has(row, "data-bucket=\"2024-03-09 12:00\" data-count=\"1\""));
    CHECK(has(row, "data-bucket=\"2024-03-11 12:00\" data-count=\"1\""));
    free(row);

    /* the delay: not revoked 10 days after the report, deadline 5 days */
    row = cut(idx, "<figure class=\"chart\" id=\"chart-delays\">", "</figure>");
    CHECK(has(row, "data-state=\"overdue\" data-delay-hours=\"240\" data-deadline-hours=\"120\""));
    CHECK(has(row, "not revoked, 5 days 0 hours late (deadline 5 days)"));
    free(row);

    /* the SCTs of the one real certificate */
    row = cut(idx, "<figure class=\"chart\" id=\"chart-operators\">", "</figure>");
    if (with_loglist) {
        CHECK(has(row, "data-operator=\"ct3 Operator A\" data-count=\"1\""));
        CHECK(has(row, "data-operator=\"ct3 Operator B\" data-count=\"1\""));
        CHECK(has(row, "data-operator=\"ct3 Operator C\" data-count=\"1\""));
        CHECK(has(row, "1 SCT · 33.3%"));
        CHECK(strstr(row, "unknown log\" data-count") == NULL);
    } else {
        CHECK(has(row, "data-operator=\"unknown log\" data-count=\"3\""));
        CHECK(has(row, "3 SCTs · 100.0%"));
    }
    free(row);

    /* the incidents table */
    row = cut(idx, "<table id=\"incidents-table\" class=\"stack\">", "</table>");
    CHECK(has(row, "0 revoked (0 late), 1 outstanding"));
    CHECK(has(row, "overdue by 5 days"));
    free(row);

    /* what is due leads the page: before the overview, soonest first */
    const char *due = strstr(idx, "<section id=\"due-next\"");
    const char *ov = strstr(idx, "<section id=\"overview\"");
    CHECK(due != NULL && ov != NULL && due < ov && due < strstr(idx, "<div class=\"cards\">"));
    row = cut(idx, "<section id=\"due-next\"", "</section>");
    CHECK(has(row, "<li class=\"due-item urg-over\" data-what=\"revocation\""));
    CHECK(has(row, "Revoke 1 certificate (TLS BRs"));
    CHECK(has(row, "overdue by 5 days"));
    free(row);
    /* no monitor ran on this store: the sources say so */
    row = cut(idx, "<section id=\"sources\">", "</section>");
    CHECK(has(row, "id=\"sources-logs-none\""));
    CHECK(has(row, "id=\"sources-crls-none\""));
    free(row);
    free(idx);
}

static void check_incident(const char *dir, int64_t id)
{
    char name[64];
    snprintf(name, sizeof(name), "incident-%lld.html", (long long)id);
    char *p = slurp(dir, name);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK(count(p, "<script") == 1);
    CHECK(strstr(p, "<script>note") == NULL && strstr(p, "<i>sub") == NULL);
    CHECK(has(p, "&lt;script&gt;note()&lt;/script&gt;"));
    CHECK(has(p, "CN=&lt;i&gt;sub&lt;/i&gt; &amp; &quot;co&quot;"));
    char *row = cut(p, "<tr id=\"dl-revocation\">", "</tr>");
    CHECK(has(row, "overdue by 5 days"));
    free(row);
    row = cut(p, "<tr id=\"dl-preliminary\">", "</tr>");
    CHECK(has(row, "missed") && has(row, "(8 h after the deadline)"));
    free(row);
    row = cut(p, "<tr id=\"dl-full\">", "</tr>");
    CHECK(has(row, "due in 4 days"));
    free(row);
    /* a revocation-delay incident owes an update 3 days after the report */
    row = cut(p, "<tr id=\"dl-update\">", "</tr>");
    CHECK(has(row, "overdue by 3 days 16 h"));
    free(row);
    row = cut(p, "<table id=\"incident-findings\">", "</table>");
    CHECK(has(row, "data-rule=\"revocation.deadline_missed\""));
    CHECK(has(row, "data-rule=\"incident.preliminary_report_overdue\""));
    CHECK(has(row, "data-rule=\"incident.update_overdue\""));
    CHECK(strstr(row, "full_report_overdue") == NULL);
    free(row);
    /* the report draft, escaped in the page and as written in the .md */
    CHECK(has(p, "<pre id=\"report-md\">## Full Incident Report"));
    CHECK(has(p, "[[FILL IN: "));
    free(p);
    snprintf(name, sizeof(name), "incident-%lld.md", (long long)id);
    p = slurp(dir, name);
    CHECK(has(p, "## Full Incident Report"));
    /* Markdown-escaped in the draft (util/escape.h) */
    CHECK(has(p, "\\<b\\>\"Title\"\\</b\\> \\& 'x'"));
    free(p);
    snprintf(name, sizeof(name), "incident-%lld-appendix.csv", (long long)id);
    p = slurp(dir, name);
    CHECK(has(p, "Precertificate SHA-256 hash,"));
    free(p);
}

static int write_report(cg_store *s, const char *dir, const cg_loglist *ll, size_t max,
                        cg_html_stats *stats, char *err, size_t errcap)
{
    cg_html_opts o;
    memset(&o, 0, sizeof(o));
    o.at = T0 + 13 * DAY; /* the incident's report + 10 days */
    o.loglist = ll;
    o.store_name = "test <store>";
    o.max_findings = max;
    return cg_html_report_write(s, dir, &o, stats, err, errcap);
}

int main(void)
{
    char path[512], dir[512], err[512];
    int64_t id = 0;
    cg_html_stats stats;
    size_t len = 0;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/cg_html_test.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/store.db", tmpdir);
    cg_store *s = build_store(path, &id);
    if (s == NULL)
        return cg_test_done();

    uint8_t *json = cg_test_read("ct3/loglist.json", &len);
    cg_loglist *ll = cg_loglist_new();
    CHECK(json != NULL && ll != NULL &&
          cg_loglist_load(ll, json, len, "loglist.json", err, sizeof(err)));
    free(json);

    /* A new directory. */
    snprintf(dir, sizeof(dir), "%s/site", tmpdir);
    memset(&stats, 0, sizeof(stats));
    CHECK(write_report(s, dir, ll, 0, &stats, err, sizeof(err)));
    CHECK(stats.files == 4 && stats.incidents == 1);
    CHECK(stats.objects == 4 && stats.findings == 5 && stats.findings_listed == 5);
    CHECK(stats.open[0] == 2 && stats.open[1] == 1 && stats.open[2] == 1);
    CHECK(stats.scts == 3 && stats.scts_unknown == 0);
    check_index(dir, 1);
    check_incident(dir, id);
    char marker[600];
    snprintf(marker, sizeof(marker), "%s/.caguard-report", dir);
    CHECK(exists(marker));
    CHECK(leftovers() == 0);

    /* Again over it (an earlier report): replaced whole; no log list this
     * time, so every SCT's log is unknown. */
    CHECK(write_report(s, dir, NULL, 0, &stats, err, sizeof(err)));
    CHECK(stats.scts == 3 && stats.scts_unknown == 3);
    check_index(dir, 0);
    CHECK(leftovers() == 0);

    /* Named with a trailing slash: the same directory. */
    char slashed[520];
    snprintf(slashed, sizeof(slashed), "%s/", dir);
    CHECK(write_report(s, slashed, ll, 0, NULL, err, sizeof(err)));
    CHECK(leftovers() == 0);
    snprintf(marker, sizeof(marker), "%s/index.html", dir);
    CHECK(exists(marker));

    /* The table cut at 2 rows; the counts still cover all five. */
    CHECK(write_report(s, dir, ll, 2, &stats, err, sizeof(err)));
    char *idx = slurp(dir, "index.html");
    char *tbl = cut(idx, "<table id=\"findings-table\">", "</table>");
    CHECK(count(tbl, "<tr data-rule=") == 2);
    CHECK(has(idx, "the table lists the first 2 of the store's 5"));
    CHECK(has(idx, "id=\"card-errors\">Open errors<b class=\"sev-error\">2</b>"));
    free(tbl);
    free(idx);

    /* An empty directory is taken. */
    snprintf(dir, sizeof(dir), "%s/empty", tmpdir);
    CHECK(mkdir(dir, 0755) == 0);
    CHECK(write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    snprintf(marker, sizeof(marker), "%s/index.html", dir);
    CHECK(exists(marker));

    /* Refused, and left as they were: a directory that is not a report, a
     * file, a directory whose parent does not exist. */
    snprintf(dir, sizeof(dir), "%s/mine", tmpdir);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(marker, sizeof(marker), "%s/notes.txt", dir);
    FILE *f = fopen(marker, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("mine\n", f);
        fclose(f);
    }
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(strstr(err, "is not a caguard report") != NULL);
    CHECK(exists(marker));
    snprintf(marker, sizeof(marker), "%s/index.html", dir);
    CHECK(!exists(marker));
    CHECK(!write_report(s, path, ll, 0, NULL, err, sizeof(err)));
    CHECK(strstr(err, "is not a directory") != NULL);
    snprintf(dir, sizeof(dir), "%s/no/such/site", tmpdir);
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(strstr(err, "cannot create a directory next to") != NULL);
    CHECK(leftovers() == 0);

    /* An earlier report with someone's file put beside it: refused, and
     * nothing of it removed (the marker lists what the report wrote). */
    snprintf(dir, sizeof(dir), "%s/site", tmpdir);
    snprintf(marker, sizeof(marker), "%s/.caguard-report", dir);
    char *listed = slurp(dir, ".caguard-report");
    CHECK(listed != NULL && has(listed, "index.html\n") &&
          has(listed, "incident-1-appendix.csv\n") && !has(listed, ".caguard-report"));
    free(listed);
    char foreign[600];
    snprintf(foreign, sizeof(foreign), "%s/budget.xlsx", dir);
    CHECK(put_text(foreign, "not the report's\n"));
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(strstr(err, "budget.xlsx, which the earlier report there did not write") != NULL);
    CHECK(exists(foreign) && exists(marker));
    CHECK(leftovers() == 0);
    /* ... also a file named as report files are, when the marker does not
     * list it, and a subdirectory. */
    CHECK(unlink(foreign) == 0);
    snprintf(foreign, sizeof(foreign), "%s/incident-77.md", dir);
    CHECK(put_text(foreign, "my notes\n"));
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(exists(foreign));
    CHECK(unlink(foreign) == 0);
    snprintf(foreign, sizeof(foreign), "%s/index.html.d", dir);
    CHECK(mkdir(foreign, 0755) == 0);
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(rmdir(foreign) == 0);
    /* Only its own files: replaced. */
    CHECK(write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(leftovers() == 0);
    /* A report from before markers listed files (an empty marker): its
     * files are known by name; anything else there is refused. */
    CHECK(put_text(marker, ""));
    CHECK(write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(put_text(marker, ""));
    snprintf(foreign, sizeof(foreign), "%s/notes.txt", dir);
    CHECK(put_text(foreign, "mine\n"));
    CHECK(!write_report(s, dir, ll, 0, NULL, err, sizeof(err)));
    CHECK(exists(foreign));
    CHECK(leftovers() == 0);

    /* An empty store: a site that says so. */
    cg_store_close(s);
    snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
    s = cg_store_open(path, CG_STORE_CREATE, NULL, err, sizeof(err));
    CHECK(s != NULL);
    snprintf(dir, sizeof(dir), "%s/blank", tmpdir);
    CHECK(write_report(s, dir, NULL, 0, &stats, err, sizeof(err)));
    idx = slurp(dir, "index.html");
    CHECK(has(idx, "The store holds no object and no finding."));
    CHECK(has(idx, "No finding yet."));
    CHECK(has(idx, "No incident recorded"));
    free(idx);
    cg_store_close(s);
    cg_loglist_free(ll);

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return cg_test_done();
}
