/* caguard demo: a demo CA makes each mistake of the seed (shared/seed/:
 * Mozilla's list of the e-commerce monitoring CA's issues) among clean
 * issuance, and caguard catches every one, on loopback, in one command.
 * docs/demo.md tells the story step by step.
 *
 * The demo's clock: the story starts 58 days before the run ("day 0", when
 * the CA issued everything; its SCTs carry that time) and the run itself is
 * day 58, when caguard looks. So the revocation the CA publishes now, for a
 * problem reported on day 2, is 51 days past its 5-day deadline, as in the
 * seed. Every rule is evaluated at the time of the run.
 *
 * Each run makes fresh keys (EC P-256) and works in DIR.new-PID next to
 * DIR; at the end the new directory takes DIR's place in one rename
 * (RENAME_EXCHANGE) and the old one is removed. A DIR that is not a demo
 * directory is never touched. */
#define _GNU_SOURCE
/* Messages and paths are built with snprintf into fixed buffers; a --out
 * path too long for them is refused up front (prepare_dirs), so what GCC
 * warns of here cannot cut a path. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/opts.h"
#include "incident/certs.h"
#include "incident/deadlines.h"
#include "incident/kinds.h"
#include "incident/report.h"
#include "ct/loglist.h"
#include "monitor/crlwatch.h"
#include "monitor/loglistwatch.h"
#include "monitor/monitor.h"
#include "report/html.h"
#include "report/output.h"
#include "store/ingest.h"
#include "store/store.h"
#include "x509/time.h"

#define DAY 86400
#define N_CLEAN 12
#define MARKER ".caguard-demo"
#define STORE_FILE "caguard.db"

static void demo_help(FILE *f)
{
    fprintf(f,
            "usage: caguard demo [--out DIR] [--keep-serving]\n\n"
            "Shows caguard at work, on this machine only (loopback), in under a minute:\n"
            "a demo CA (root, issuing CA, fresh EC keys) issues %d clean certificates\n"
            "through two demo CT logs (caguard-testlog) and makes, among them, each\n"
            "mistake of the seed incidents: an SCT list inside a precertificate, two\n"
            "precertificates for one serial, a certificate whose validity differs from\n"
            "its precertificate's, a CRL whose issuer Name is not byte-identical to its\n"
            "CA's subject, a misissuance revoked 51 days late with the wrong reason, and\n"
            "a CT log whose URL changes. caguard monitors the logs into a store in DIR,\n"
            "fetches the CRLs, opens the incidents, writes the dashboard and the CCADB\n"
            "report drafts, then prints what it found, rule by rule (docs/demo.md).\n\n"
            "options:\n"
            "  --out DIR         where everything goes (default ./caguard-demo). A DIR\n"
            "                    from an earlier run is replaced as a whole at the end;\n"
            "                    any other existing non-empty DIR is refused\n"
            "  --keep-serving    leave the demo logs and the CRL endpoint running after\n"
            "                    the run, until Ctrl-C, to point caguard monitor or curl\n"
            "                    at them\n"
            "  -h, --help        this help\n\n"
            "Needs caguard-testlog, next to caguard (the build tree) or on PATH.\n"
            "In DIR: caguard.db (caguard --store DIR/caguard.db findings), dashboard/\n"
            "(open index.html), reports/ (CCADB incident report drafts and appendix\n"
            "CSVs), summary.txt, the PKI, the logs, the CRLs and run.log (what every\n"
            "step ran).\n\n"
            "exit status: 0 the demo ran and caguard caught every seed mistake it\n"
            "checks; 1 it ran but one was not caught; 2 usage error, or a step failed\n"
            "(caguard-testlog missing, a server that did not start, a store error).\n",
            N_CLEAN);
}

/* One issued certificate: its precertificate(s) and final certificate. */
typedef struct item {
    char name[32];
    char dns[64];
    ASN1_INTEGER *serial;
    EVP_PKEY *key;
    X509 *pre;     /* logged to both logs, or to log A only (dup) */
    X509 *pre_b;   /* dup: the second precertificate, logged to log B only */
    X509 *final;   /* NULL when the CA never issued one */
    int64_t not_before, not_after;
    int clean;
} item;

enum { IT_DUP = N_CLEAN, IT_VALIDITY, IT_SCTPRE, N_ITEMS };

typedef struct demo {
    char out[PATH_MAX];  /* DIR, absolute */
    char work[PATH_MAX]; /* DIR.new-PID, absolute; the current directory during the run */
    char testlog[PATH_MAX];
    int keep_serving;
    int64_t now, day0;
    struct timespec t0;
    EVP_PKEY *root_key, *ca_key, *log_key[2];
    X509 *root, *ca;
    X509_NAME *root_name, *ca_name;
    item it[N_ITEMS];
    pid_t srv[3];         /* log A, log B, the CRL endpoint */
    char addr[3][64];     /* where each is served now */
    int64_t published;    /* when the monitor fetched the CA's CRL: the revocations' publication */
    int64_t at;           /* evaluation time of the incidents and the dashboard */
    char old_addr_b[64];  /* where log B was before it moved */
    int step;
    char err[2048];
} demo;

#define N_STEPS 7

static void say(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(demo *d, const char *fmt, ...)
{
    struct timespec t;
    va_list ap;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double s = (double)(t.tv_sec - d->t0.tv_sec) + (double)(t.tv_nsec - d->t0.tv_nsec) / 1e9;
    printf("[%d/%d %5.1fs] ", ++d->step, N_STEPS, s);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static double elapsed(const demo *d)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - d->t0.tv_sec) + (double)(t.tv_nsec - d->t0.tv_nsec) / 1e9;
}

/* ---- the directory ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int rm_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT;
}

static int is_demo_dir(const char *path, int *empty)
{
    char m[PATH_MAX + 32];
    DIR *dir = opendir(path);
    struct dirent *e;
    *empty = 1;
    if (dir == NULL)
        return 0;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            *empty = 0;
    }
    closedir(dir);
    snprintf(m, sizeof(m), "%s/%s", path, MARKER);
    return access(m, F_OK) == 0;
}

/* Leftovers of runs that were killed: DIR.new-PID of a process that is
 * gone, and DIR.old-PID, when they hold the demo marker. */
static void remove_leftovers(const demo *d)
{
    char parent[PATH_MAX], base[NAME_MAX + 1];
    snprintf(parent, sizeof(parent), "%s", d->out);
    char *slash = strrchr(parent, '/');
    snprintf(base, sizeof(base), "%s", slash + 1);
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    DIR *dir = opendir(parent);
    struct dirent *e;
    size_t bl = strlen(base);
    if (dir == NULL)
        return;
    while ((e = readdir(dir)) != NULL) {
        const char *rest = e->d_name + bl;
        long pid;
        char *end;
        int empty;
        if (strncmp(e->d_name, base, bl) != 0 ||
            (strncmp(rest, ".new-", 5) != 0 && strncmp(rest, ".old-", 5) != 0))
            continue;
        pid = strtol(rest + 5, &end, 10);
        if (*end != '\0' || pid <= 0 || (pid != getpid() && kill((pid_t)pid, 0) == 0))
            continue;
        char p[PATH_MAX + NAME_MAX + 2];
        snprintf(p, sizeof(p), "%s/%s", parent, e->d_name);
        if (is_demo_dir(p, &empty))
            rm_tree(p);
    }
    closedir(dir);
}

static int prepare_dirs(demo *d, const char *out)
{
    char parent[PATH_MAX], rp[PATH_MAX];
    int empty;
    struct stat st;
    snprintf(parent, sizeof(parent), "%s", out);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    const char *base = slash != NULL ? slash + 1 : parent;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0') {
        snprintf(d->err, sizeof(d->err), "--out %s: name a directory of its own", out);
        return 0;
    }
    char b[NAME_MAX + 1];
    snprintf(b, sizeof(b), "%s", base);
    if (slash == NULL)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        snprintf(parent, sizeof(parent), "/");
    else
        *slash = '\0';
    if (realpath(parent, rp) == NULL) {
        snprintf(d->err, sizeof(d->err), "--out %s: %s: %s", out, parent, strerror(errno));
        return 0;
    }
    if (strlen(rp) + strlen(b) + 64 > PATH_MAX) {
        snprintf(d->err, sizeof(d->err), "--out %s: path too long", out);
        return 0;
    }
    snprintf(d->out, sizeof(d->out), "%s%s%s", rp, strcmp(rp, "/") == 0 ? "" : "/", b);
    if (lstat(d->out, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(d->err, sizeof(d->err), "--out %s exists and is not a directory", out);
            return 0;
        }
        if (!is_demo_dir(d->out, &empty) && !empty) {
            snprintf(d->err, sizeof(d->err),
                     "--out %s exists and is not a caguard demo directory (no %s in it); "
                     "it is left alone: name another",
                     out, MARKER);
            return 0;
        }
    }
    remove_leftovers(d);
    snprintf(d->work, sizeof(d->work), "%s.new-%ld", d->out, (long)getpid());
    rm_tree(d->work);
    if (mkdir(d->work, 0755) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot make %s: %s", d->work, strerror(errno));
        return 0;
    }
    if (chdir(d->work) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot enter %s: %s", d->work, strerror(errno));
        return 0;
    }
    const char *dirs[] = {"pki", "certs", "logs", "crl", "reports"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (mkdir(dirs[i], 0755) != 0) {
            snprintf(d->err, sizeof(d->err), "cannot make %s/%s: %s", d->work, dirs[i],
                     strerror(errno));
            return 0;
        }
    }
    FILE *f = fopen(MARKER, "w");
    if (f == NULL || fprintf(f, "made by caguard demo; replaced by the next run\n") < 0 ||
        fclose(f) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot write %s/%s", d->work, MARKER);
        return 0;
    }
    return 1;
}

/* The new directory takes DIR's place in one step; the old one goes. */
static int publish_dir(demo *d)
{
    struct stat st;
    if (lstat(d->out, &st) == 0) {
        if (renameat2(AT_FDCWD, d->work, AT_FDCWD, d->out, RENAME_EXCHANGE) != 0) {
            snprintf(d->err, sizeof(d->err), "cannot put %s in place of %s: %s", d->work,
                     d->out, strerror(errno));
            return 0;
        }
        char old[PATH_MAX + 32];
        snprintf(old, sizeof(old), "%s.old-%ld", d->out, (long)getpid());
        if (rename(d->work, old) == 0)
            rm_tree(old);
        return 1;
    }
    if (rename(d->work, d->out) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot rename %s to %s: %s", d->work, d->out,
                 strerror(errno));
        return 0;
    }
    return 1;
}

/* ---- step 1: the CA hierarchy and the logs' keys ---- */

static int write_file(demo *d, const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot write %s", path);
        return 0;
    }
    return 1;
}

static int make_pki(demo *d)
{
    d->root_key = demo_key_new();
    d->ca_key = demo_key_new();
    d->log_key[0] = demo_key_new();
    d->log_key[1] = demo_key_new();
    /* An older CA: its Names are PrintableString, which is what the CRL
     * issuer mistake below gets wrong. */
    d->root_name = demo_name("caguard Demo Trust", "caguard Demo Root R1", V_ASN1_PRINTABLESTRING);
    d->ca_name = demo_name("caguard Demo Trust", "caguard Demo TLS Issuing CA 1",
                           V_ASN1_PRINTABLESTRING);
    if (d->root_key == NULL || d->ca_key == NULL || d->log_key[0] == NULL ||
        d->log_key[1] == NULL || d->root_name == NULL || d->ca_name == NULL) {
        snprintf(d->err, sizeof(d->err), "cannot make keys");
        return 0;
    }
    d->root = demo_ca_cert(d->root_name, d->root_key, NULL, NULL, d->day0 - 400 * DAY,
                           d->day0 + 3650 * DAY, d->err, sizeof(d->err));
    if (d->root == NULL)
        return 0;
    d->ca = demo_ca_cert(d->ca_name, d->ca_key, d->root, d->root_key, d->day0 - 365 * DAY,
                         d->day0 + 1825 * DAY, d->err, sizeof(d->err));
    return d->ca != NULL && demo_write_cert("pki/root.pem", &d->root, 1, d->err, sizeof(d->err)) &&
           demo_write_cert("pki/ca.pem", &d->ca, 1, d->err, sizeof(d->err)) &&
           demo_write_key("pki/root.key.pem", d->root_key, 0, d->err, sizeof(d->err)) &&
           demo_write_key("pki/ca.key.pem", d->ca_key, 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/a.key.pem", d->log_key[0], 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/a.pub.pem", d->log_key[0], 1, d->err, sizeof(d->err)) &&
           demo_write_key("logs/b.key.pem", d->log_key[1], 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/b.pub.pem", d->log_key[1], 1, d->err, sizeof(d->err));
}

/* ---- step 2: precertificates, logged on day 0 ---- */

static int make_precerts(demo *d)
{
    /* Issued a minute before the SCTs, valid 90 days. */
    int64_t nb = d->day0 - 60, na = nb + 90 * DAY - 1;
    for (int i = 0; i < N_ITEMS; i++) {
        item *it = &d->it[i];
        it->serial = demo_serial();
        it->key = demo_key_new();
        it->not_before = nb;
        it->not_after = na;
        it->clean = i < N_CLEAN;
        if (i < N_CLEAN) {
            snprintf(it->name, sizeof(it->name), "clean-%02d", i + 1);
            snprintf(it->dns, sizeof(it->dns), "shop%02d.demo.example", i + 1);
        } else if (i == IT_DUP) {
            snprintf(it->name, sizeof(it->name), "two-precerts");
            snprintf(it->dns, sizeof(it->dns), "checkout.demo.example");
        } else if (i == IT_VALIDITY) {
            snprintf(it->name, sizeof(it->name), "validity");
            snprintf(it->dns, sizeof(it->dns), "pay.demo.example");
        } else {
            snprintf(it->name, sizeof(it->name), "sct-in-precert");
            snprintf(it->dns, sizeof(it->dns), "shop01.demo.example");
        }
        if (it->serial == NULL || it->key == NULL) {
            snprintf(d->err, sizeof(d->err), "cannot make keys");
            return 0;
        }
        if (i == IT_SCTPRE)
            continue; /* made once the first certificate has its SCTs */
        it->pre = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns, nb, na, NULL, 0,
                               d->err, sizeof(d->err));
        if (it->pre == NULL)
            return 0;
        if (i == IT_DUP) {
            /* Log A answered, log B did not: the CT component made the
             * precertificate again (a second later) for log B, same serial. */
            it->pre_b = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns, nb + 1, na,
                                     NULL, 0, d->err, sizeof(d->err));
            if (it->pre_b == NULL)
                return 0;
        }
    }
    /* What each log gets on day 0, in this order (entry index = item). */
    X509 *a[N_ITEMS], *b[N_ITEMS];
    size_t n = 0;
    for (int i = 0; i < IT_SCTPRE; i++, n++) {
        a[n] = d->it[i].pre;
        b[n] = i == IT_DUP ? d->it[i].pre_b : d->it[i].pre;
    }
    for (int i = 0; i < IT_SCTPRE; i++) {
        char p[96];
        snprintf(p, sizeof(p), "certs/%s.precert.pem", d->it[i].name);
        if (!demo_write_cert(p, &d->it[i].pre, 1, d->err, sizeof(d->err)))
            return 0;
        if (d->it[i].pre_b != NULL) {
            snprintf(p, sizeof(p), "certs/%s.precert-2.pem", d->it[i].name);
            if (!demo_write_cert(p, &d->it[i].pre_b, 1, d->err, sizeof(d->err)))
                return 0;
        }
    }
    return demo_write_cert("logs/a-day0.pem", a, n, d->err, sizeof(d->err)) &&
           demo_write_cert("logs/b-day0.pem", b, n, d->err, sizeof(d->err));
}

static int build_logs(demo *d)
{
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)d->day0 * 1000 + 123);
    for (int l = 0; l < 2; l++) {
        const char *c = l == 0 ? "a" : "b";
        char dir[16], key[32], scts[32], in[32];
        int status;
        snprintf(dir, sizeof(dir), "logs/%s", c);
        snprintf(key, sizeof(key), "logs/%s.key.pem", c);
        snprintf(scts, sizeof(scts), "logs/%s-scts", c);
        snprintf(in, sizeof(in), "logs/%s-day0.pem", c);
        char *argv[] = {d->testlog,  "build",      "--dir",       dir,           "--key",
                        key,         "--timestamp", ts,           "--sct-dir",   scts,
                        "pki/root.pem", "pki/ca.pem", in,         NULL};
        if (!demo_run(argv, NULL, "run.log", &status, d->err, sizeof(d->err)))
            return 0;
        if (status != 0) {
            snprintf(d->err, sizeof(d->err), "caguard-testlog build of log %s failed (exit %d); "
                     "see %s/run.log", c, status, d->work);
            return 0;
        }
    }
    return 1;
}

/* ---- step 3: final certificates with the logs' SCTs ---- */

static int read_sct(demo *d, int log, int index, uint8_t *sct, size_t *len)
{
    char p[64];
    snprintf(p, sizeof(p), "logs/%s-scts/%d.json", log == 0 ? "a" : "b", index);
    return demo_sct_from_json(p, sct, len, d->err, sizeof(d->err));
}

static int make_finals(demo *d)
{
    for (int i = 0; i < N_ITEMS; i++) {
        item *it = &d->it[i];
        uint8_t s[2][CG_DEMO_SCT_MAX];
        size_t sl[2];
        const uint8_t *sp[2] = {s[0], s[1]};
        size_t list_len = 0;
        uint8_t *list = NULL;
        char p[96];
        if (i == IT_SCTPRE) {
            /* The renewal of shop01 was made from the old certificate as a
             * template, SCT list extension included, and the CT component
             * signed it as a precertificate, poison and all. */
            X509 *tmpl = d->it[0].final;
            int loc = X509_get_ext_by_NID(tmpl, NID_ct_precert_scts, -1);
            ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(tmpl, loc));
            const unsigned char *q = ASN1_STRING_get0_data(v);
            ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &q, ASN1_STRING_length(v));
            if (inner == NULL) {
                snprintf(d->err, sizeof(d->err), "cannot read back an SCT list");
                return 0;
            }
            it->pre = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns,
                                   it->not_before + 2 * DAY, it->not_after + 2 * DAY,
                                   ASN1_STRING_get0_data(inner), (size_t)ASN1_STRING_length(inner),
                                   d->err, sizeof(d->err));
            ASN1_OCTET_STRING_free(inner);
            snprintf(p, sizeof(p), "certs/%s.precert.pem", it->name);
            if (it->pre == NULL || !demo_write_cert(p, &it->pre, 1, d->err, sizeof(d->err)))
                return 0;
            continue;
        }
        if (!read_sct(d, 0, i, s[0], &sl[0]) || !read_sct(d, 1, i, s[1], &sl[1]))
            return 0;
        list = demo_sct_list(sp, sl, 2, &list_len);
        if (list == NULL) {
            snprintf(d->err, sizeof(d->err), "out of memory");
            return 0;
        }
        /* validity: the certificate was signed the next day, and the code
         * computed its notAfter from that day. */
        it->final = demo_final(it->pre, d->ca_key, list, list_len, i == IT_VALIDITY ? DAY : 0,
                               d->err, sizeof(d->err));
        free(list);
        snprintf(p, sizeof(p), "certs/%s.pem", it->name);
        if (it->final == NULL || !demo_write_cert(p, &it->final, 1, d->err, sizeof(d->err)))
            return 0;
    }
    return 1;
}

/* ---- step 4: the logs served; the finals and the bad precertificate
 * submitted; log B moves ---- */

static int serve_log(demo *d, int l)
{
    const char *c = l == 0 ? "a" : "b";
    char dir[16], out[48];
    snprintf(dir, sizeof(dir), "logs/%s", c);
    snprintf(out, sizeof(out), "logs/%s-serve.out", c);
    char *argv[] = {d->testlog, "serve",      "--dir", dir, "--listen", "127.0.0.1:0",
                    "--no-admin", NULL};
    return demo_serve(argv, out, "run.log", &d->srv[l], d->addr[l], sizeof(d->addr[l]), d->err,
                      sizeof(d->err));
}

/* The CRL endpoint: caguard-testlog serving the files of crl/ (read at
 * each request) at /files/NAME, with ETag and Last-Modified. */
static int serve_crls(demo *d)
{
    char *argv[] = {d->testlog,  "serve",       "--files", "crl", "--listen", "127.0.0.1:0",
                    "--no-admin", NULL};
    return demo_serve(argv, "crl/serve.out", "run.log", &d->srv[2], d->addr[2],
                      sizeof(d->addr[2]), d->err, sizeof(d->err));
}

static int submit_all(demo *d)
{
    char url[2][96];
    for (int l = 0; l < 2; l++)
        snprintf(url[l], sizeof(url[l]), "http://%s", d->addr[l]);
    for (int i = 0; i < N_ITEMS; i++) {
        item *it = &d->it[i];
        X509 *chain[2];
        if (it->final != NULL) {
            chain[0] = it->final;
            chain[1] = d->ca;
            if (!demo_submit(url[0], 0, chain, 2, NULL, d->err, sizeof(d->err)))
                return 0;
        }
        if (i == IT_SCTPRE) {
            chain[0] = it->pre;
            chain[1] = d->ca;
            for (int l = 0; l < 2; l++) {
                if (!demo_submit(url[l], 1, chain, 2, NULL, d->err, sizeof(d->err)))
                    return 0;
            }
        }
    }
    return 1;
}

static int write_loglist(demo *d, const char *path, int version, const char *b_addr)
{
    char ts[32], usable[32];
    json_t *ops = json_array();
    cg_time_format(d->now - (version == 1 ? 3 * DAY : 0), ts, sizeof(ts));
    cg_time_format(d->day0 - 365 * DAY, usable, sizeof(usable));
    for (int l = 0; l < 2 && ops != NULL; l++) {
        char spki[512], id[64], url[96], desc[64], op[64], mail[64];
        if (!demo_log_id(d->log_key[l], spki, sizeof(spki), id, sizeof(id)))
            break;
        snprintf(url, sizeof(url), "http://%s/", l == 0 ? d->addr[0] : b_addr);
        snprintf(desc, sizeof(desc), "caguard demo log %c", l == 0 ? 'A' : 'B');
        snprintf(op, sizeof(op), "Demo Log Operator %c", l == 0 ? 'A' : 'B');
        snprintf(mail, sizeof(mail), "ct@%c.demo.invalid", l == 0 ? 'a' : 'b');
        json_t *log = json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:{s:s}}}", "description", desc,
                                "log_id", id, "key", spki, "url", url, "mmd", 86400, "state",
                                "usable", "timestamp", usable);
        json_t *o = json_pack("{s:s, s:[s], s:[o]}", "name", op, "email", mail, "logs", log);
        if (o == NULL || json_array_append_new(ops, o) != 0) {
            json_decref(ops);
            ops = NULL;
        }
    }
    char ver[16];
    snprintf(ver, sizeof(ver), "demo.%d", version);
    json_t *list = ops != NULL ? json_pack("{s:s, s:s, s:o}", "version", ver, "log_list_timestamp",
                                           ts, "operators", ops)
                               : NULL;
    int ok = list != NULL && json_dump_file(list, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    json_decref(list);
    if (!ok)
        snprintf(d->err, sizeof(d->err), "cannot write %s", path);
    return ok;
}

/* ---- the store, the monitor, the CRLs ---- */

static void ignore_finding(void *arg, const cg_finding *f)
{
    (void)arg;
    (void)f;
}

static cg_store *open_store(demo *d)
{
    cg_store *st = cg_store_open(STORE_FILE, CG_STORE_CREATE, NULL, d->err, sizeof(d->err));
    return st;
}

/* Ingests files in-process, seen at the time of the run. */
static int ingest_files(demo *d, const char *const *paths, size_t n)
{
    cg_store *st = open_store(d);
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

/* The monitor (src/monitor/monitor.h), in-process, with the demo's store:
 * it watches the issuing CA and follows both logs; it stays open across the
 * two passes, so the second one reads only what is new, and follows log B
 * to its new URL under the same log ID. */
typedef struct demo_mon {
    cg_store *st;
    cg_loglist *ll;
    cg_monitor *m;
    cg_crlwatch *cw; /* the CRL watcher, a task of m from the second pass on */
    cg_loglist_watch *lw; /* reloads loglist.json at each pass: log B's move */
    FILE *findings; /* monitor.jsonl: every new finding, as caguard monitor --format json */
    FILE *log;      /* run.log: the monitor's log lines */
    cg_out *out;
} demo_mon;

static void monitor_close(demo_mon *dm)
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

static int monitor_open(demo *d, demo_mon *dm, const char *loglist)
{
    size_t len = 0;
    uint8_t *json = NULL;
    memset(dm, 0, sizeof(*dm));
    dm->st = open_store(d);
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
    monitor_close(dm);
    return 0;
}

/* One pass: every log to its current tree head. */
static int monitor_pass(demo *d, demo_mon *dm)
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
    int idx = n > 0 ? cg_crlwatch_add_issuer(dm->cw, der, (size_t)n, label, 0, d->err,
                                             sizeof(d->err))
                    : -1;
    OPENSSL_free(der);
    snprintf(url, sizeof(url), "http://%s/files/%s", d->addr[2], file);
    return idx >= 0 && cg_crlwatch_add_url(dm->cw, idx, url, 0, d->err, sizeof(d->err));
}

/* The CRL watcher joins the monitor: from the next pass on, each pass
 * fetches the root's and the issuing CA's CRLs from the CRL endpoint, as a
 * relying party would, and ingests what is new at the fetch time. */
static int monitor_watch_crls(demo *d, demo_mon *dm)
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
static int crl_published(demo *d, demo_mon *dm)
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
static int monitor_move_b(demo *d, demo_mon *dm)
{
    (void)dm;
    return write_loglist(d, "loglist-2.json", 2, d->addr[1]) &&
           write_loglist(d, "loglist.json", 2, d->addr[1]);
}

static int make_crls(demo *d)
{
    /* The CA revokes the two misissued certificates today, day 58: 51 and
     * 35 days after their deadlines, and as keyCompromise where the BRs
     * ask for superseded (§4.9.1.1 (12), Mozilla RSP §6.1.1). */
    demo_revoked r[2] = {
        {d->it[IT_SCTPRE].serial, d->now - 3600, 1},
        {d->it[IT_VALIDITY].serial, d->now - 3600, 1},
    };
    X509_CRL *ca_crl = demo_crl(d->ca, d->ca_key, d->ca_name, 58, d->now - 1800,
                                d->now - 1800 + 7 * DAY, r, 2, d->err, sizeof(d->err));
    X509_CRL *root_crl = NULL;
    X509_NAME *utf8 = NULL;
    int ok = 0;
    if (ca_crl == NULL || !demo_write_crl("crl/ca.crl", ca_crl, d->err, sizeof(d->err)))
        goto out;
    /* The root's CRL, made by the new CRL tool: the same Name, but as
     * UTF8String where the root's subject has PrintableString. */
    utf8 = demo_name("caguard Demo Trust", "caguard Demo Root R1", V_ASN1_UTF8STRING);
    if (utf8 == NULL)
        goto out;
    root_crl = demo_crl(d->root, d->root_key, utf8, 3, d->now - DAY, d->now - DAY + 180 * DAY,
                        NULL, 0, d->err, sizeof(d->err));
    ok = root_crl != NULL && demo_write_crl("crl/root.crl", root_crl, d->err, sizeof(d->err));
out:
    X509_NAME_free(utf8);
    X509_CRL_free(ca_crl);
    X509_CRL_free(root_crl);
    return ok;
}

/* ---- incidents ---- */

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
    const cg_rule *r = cg_rule_get(f->rule);
    cg_store_finding sf;
    memset(&sf, 0, sizeof(sf));
    sf.rule = r->id;
    sf.severity = r->severity;
    sf.has_object = f->obj->has_hash;
    memcpy(sf.object, f->obj->sha256, 32);
    sf.incident = f->incident;
    sf.message = f->message;
    if (!s->failed && !cg_store_put_finding(s->st, &sf, s->at, NULL, NULL))
        s->failed = 1;
}

static int add_item_certs(demo *d, cg_incident *inc, const item *it)
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

static int write_report(demo *d, const cg_incident *inc)
{
    cg_sbuf md = CG_SBUF_INIT, csv = CG_SBUF_INIT;
    char p[64];
    int ok;
    cg_incident_report_markdown(inc, d->at, &md);
    cg_incident_appendix_csv(inc, d->at, &csv);
    snprintf(p, sizeof(p), "reports/incident-%lld.md", (long long)inc->id);
    ok = !md.failed && write_file(d, p, cg_sbuf_str(&md));
    snprintf(p, sizeof(p), "reports/incident-%lld.csv", (long long)inc->id);
    ok = ok && !csv.failed && write_file(d, p, cg_sbuf_str(&csv));
    cg_sbuf_free(&md);
    cg_sbuf_free(&csv);
    return ok;
}

static int open_incidents(demo *d, size_t *n_open)
{
    /* Reported on day 2 and day 18, counted back from the revocations'
     * publication (the CRL fetch), so the delays are whole days; and 4
     * days ago. */
    const incident_spec specs[] = {
        {"Precertificate carrying an SCT list (shop01 renewal)", "misissuance",
         d->published - 56 * DAY, IT_SCTPRE, d->published - 43 * DAY},
        {"Precertificate and certificate with different validity (pay)", "misissuance",
         d->published - 40 * DAY, IT_VALIDITY, 0},
        {"Two precertificates for one serial (checkout)", "misissuance", d->at - 4 * DAY,
         IT_DUP, d->at - 2 * DAY},
    };
    cg_store *st = open_store(d);
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

/* ---- the dashboard ---- */

/* DIR/dashboard, as caguard report --html writes it, with the log list
 * that names the demo logs' operators. */
static int write_dashboard(demo *d, cg_html_stats *hs)
{
    cg_store *st = open_store(d);
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
    o.store_name = "caguard demo (" STORE_FILE ")";
    ok = cg_html_report_write(st, "dashboard", &o, hs, d->err, sizeof(d->err));
out:
    free(json);
    cg_loglist_free(ll);
    cg_store_close(st);
    return ok;
}

/* ---- the summary ---- */

typedef struct rule_row {
    char rule[64];
    cg_severity sev;
    size_t count;
    char first[96];
} rule_row;

typedef struct named_object {
    uint8_t sha256[32];
    char name[64];
    int clean;
} named_object;

typedef struct summary {
    named_object objs[3 * N_ITEMS];
    size_t n_objs;
    rule_row rows[128];
    size_t n;
    size_t by_sev[3];
    const demo *d;
    size_t clean_errors;
    char clean_error_example[160];
} summary;

static void name_objects(summary *s)
{
    static const char *const suffix[3] = {".precert.pem", ".precert-2.pem", ".pem"};
    for (int i = 0; i < N_ITEMS; i++) {
        X509 *x[3] = {s->d->it[i].pre, s->d->it[i].pre_b, s->d->it[i].final};
        for (int k = 0; k < 3; k++) {
            unsigned char *der = NULL;
            int n = x[k] != NULL ? i2d_X509(x[k], &der) : 0;
            named_object *o = &s->objs[s->n_objs];
            if (n > 0 && EVP_Digest(der, (size_t)n, o->sha256, NULL, EVP_sha256(), NULL)) {
                snprintf(o->name, sizeof(o->name), "certs/%s%s", s->d->it[i].name, suffix[k]);
                o->clean = s->d->it[i].clean;
                s->n_objs++;
            }
            OPENSSL_free(der);
        }
    }
}

static const named_object *find_object(const summary *s, const uint8_t sha[32])
{
    for (size_t i = 0; i < s->n_objs; i++) {
        if (memcmp(s->objs[i].sha256, sha, 32) == 0)
            return &s->objs[i];
    }
    return NULL;
}

static int collect(void *arg, const cg_store_finding *f)
{
    summary *s = arg;
    size_t i;
    if (f->severity <= CG_SEV_NOTICE)
        s->by_sev[f->severity]++;
    const named_object *named = f->has_object ? find_object(s, f->object) : NULL;
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
        rule_row *r = &s->rows[s->n++];
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
    const rule_row *x = a, *y = b;
    if (x->sev != y->sev)
        return (int)x->sev - (int)y->sev;
    return strcmp(x->rule, y->rule);
}

static const struct {
    const char *seed;
    const char *rule;
} seeds[] = {
    {"SCT list inside a precertificate", "ct.precert.sct_list_present"},
    {"two precertificates for one serial", "ct.precert.duplicate_serial"},
    {"precertificate/certificate validity mismatch", "ct.pair.validity_mismatch"},
    {"CRL issuer Name not byte-identical", "crl.issuer_name_not_byte_identical"},
    {"misissuance revoked 51 days late", "revocation.deadline_missed"},
    {"revoked with the wrong reason", "revocation.reason_incorrect"},
    {"a log whose URL changes", "ct.loglist.changed"},
};

static int summarize(demo *d, summary *s, FILE *out)
{
    cg_store *st = open_store(d);
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
        const rule_row *r = &s->rows[i];
        fprintf(out, "%-40s %-8s %5zu  %s\n", r->rule, cg_severity_name(r->sev), r->count,
                r->first);
    }
    fprintf(out, "\n%zu errors, %zu warnings, %zu notices in the store\n", s->by_sev[0],
            s->by_sev[1], s->by_sev[2]);
    return 1;
}

static int has_rule(const summary *s, const char *rule)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->rows[i].rule, rule) == 0)
            return 1;
    }
    return 0;
}

/* ---- the command ---- */

static void free_demo(demo *d)
{
    for (int i = 0; i < N_ITEMS; i++) {
        ASN1_INTEGER_free(d->it[i].serial);
        EVP_PKEY_free(d->it[i].key);
        X509_free(d->it[i].pre);
        X509_free(d->it[i].pre_b);
        X509_free(d->it[i].final);
    }
    EVP_PKEY_free(d->root_key);
    EVP_PKEY_free(d->ca_key);
    EVP_PKEY_free(d->log_key[0]);
    EVP_PKEY_free(d->log_key[1]);
    X509_free(d->root);
    X509_free(d->ca);
    X509_NAME_free(d->root_name);
    X509_NAME_free(d->ca_name);
}

static void wait_for_interrupt(void)
{
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigwait(&set, &sig);
}

int cg_cmd_demo(int argc, char **argv)
{
    const char *out_opt = "caguard-demo";
    char cwd[PATH_MAX];
    int rc = CG_EXIT_USAGE, published = 0;
    size_t n_incidents = 0;
    demo_mon dm;
    demo *d = calloc(1, sizeof(*d));
    summary *s = calloc(1, sizeof(*s));
    if (d == NULL || s == NULL) {
        free(d);
        free(s);
        fprintf(stderr, "caguard demo: out of memory\n");
        return CG_EXIT_USAGE;
    }
    memset(&dm, 0, sizeof(dm));
    const cg_cli_opt opt[] = {
        {"out", CG_CLI_OPT_STRING, &out_opt, 0, NULL},
        {"keep-serving", CG_CLI_OPT_FLAG, &d->keep_serving, 0, NULL},
    };
    if (!cg_cli_opts_parse("demo", demo_help, opt, CG_CLI_NOPT(opt), argc, argv, &rc))
        goto done;
    if (!cg_cli_opts_no_operands("demo", argc, argv))
        goto done;
    clock_gettime(CLOCK_MONOTONIC, &d->t0);
    d->srv[0] = d->srv[1] = d->srv[2] = -1;
    d->now = (int64_t)time(NULL);
    d->day0 = d->now - 58 * DAY;
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), ".");
    if (!demo_find_program("caguard-testlog", d->testlog, sizeof(d->testlog))) {
        fprintf(stderr,
                "caguard demo: caguard-testlog not found, neither next to this caguard nor on "
                "PATH.\nIt is built with caguard (cmake --build build makes build/caguard-testlog); "
                "run the caguard of that build tree, or put caguard-testlog on PATH.\n");
        goto done;
    }
    demo_children_init();
    if (!prepare_dirs(d, out_opt))
        goto fail;

    printf("caguard demo: a CA makes the seed's mistakes among clean issuance; caguard "
           "watches.\nworking in %s\n\n",
           d->work);
    char day0s[32], nows[32];
    cg_time_format(d->day0, day0s, sizeof(day0s));
    cg_time_format(d->now, nows, sizeof(nows));

    if (!make_pki(d))
        goto fail;
    say(d, "CA hierarchy: root and issuing CA (PrintableString Names), two CT log keys; "
           "fresh EC P-256 keys");
    if (!make_precerts(d) || !build_logs(d))
        goto fail;
    say(d, "day 0 (%s): %d precertificates logged to demo logs A and B, "
           "one of them made twice for log B (same serial)",
        day0s, IT_SCTPRE + 1);
    if (!make_finals(d))
        goto fail;
    if (!serve_log(d, 0) || !serve_log(d, 1) || !serve_crls(d) || !submit_all(d))
        goto fail;
    snprintf(d->old_addr_b, sizeof(d->old_addr_b), "%s", d->addr[1]);
    say(d, "final certificates with the logs' SCTs logged to log A (one with the notAfter of "
           "the next day); a renewal precertificate carrying an SCT list logged to both");
    if (!write_loglist(d, "loglist-1.json", 1, d->old_addr_b) ||
        !write_loglist(d, "loglist.json", 1, d->old_addr_b))
        goto fail;
    {
        const char *pki[] = {"pki/root.pem", "pki/ca.pem"};
        if (!ingest_files(d, pki, 2) || !monitor_open(d, &dm, "loglist-1.json"))
            goto fail;
    }
    if (!monitor_pass(d, &dm))
        goto fail;
    say(d, "caguard monitor follows logs A (http://%s) and B (http://%s)", d->addr[0],
        d->addr[1]);
    /* Day 58. The CA publishes its CRLs; log B moves: its operator serves
     * it at a new URL, and a new log list says so. */
    if (!make_crls(d))
        goto fail;
    demo_stop(d->srv[1]);
    d->srv[1] = -1;
    if (!serve_log(d, 1) || !monitor_move_b(d, &dm) || !monitor_watch_crls(d, &dm) || !monitor_pass(d, &dm) ||
        !crl_published(d, &dm))
        goto fail;
    monitor_close(&dm);
    d->at = (int64_t)time(NULL);
    cg_time_format(d->published, nows, sizeof(nows));
    say(d, "today, day 58 (%s): the CA revokes 2 misissued certificates as keyCompromise and "
           "publishes its CRLs (http://%s/files/); the root's CRL has a UTF8String issuer. "
           "Log B moves to http://%s; the monitor follows it and fetches the CRLs",
        nows, d->addr[2], d->addr[1]);
    if (!open_incidents(d, &n_incidents))
        goto fail;
    say(d, "%zu incidents opened (reported on day 2, day 18 and 4 days ago); deadlines "
           "evaluated, CCADB report drafts written",
        n_incidents);
    cg_html_stats hs;
    memset(&hs, 0, sizeof(hs));
    if (!write_dashboard(d, &hs))
        goto fail;
    say(d, "dashboard written: %zu files, %zu incident pages, %lld findings", hs.files,
        hs.incidents, (long long)hs.findings);
    FILE *sf = fopen("summary.txt", "w");
    if (!summarize(d, s, stdout) || (sf != NULL && !summarize(d, s, sf))) {
        if (sf != NULL)
            fclose(sf);
        goto fail;
    }
    if (sf != NULL)
        fclose(sf);

    int missed = 0;
    printf("\nthe seed's mistakes:\n");
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        int got = has_rule(s, seeds[i].rule);
        missed += !got;
        printf("  %-46s %-36s %s\n", seeds[i].seed, seeds[i].rule, got ? "caught" : "NOT CAUGHT");
    }
    if (s->clean_errors > 0)
        printf("\nunexpected: %zu error findings on the %d clean certificates (first: %s)\n",
               s->clean_errors, N_CLEAN, s->clean_error_example);
    else
        printf("\nthe %d clean certificates (precertificate and certificate each): no error "
               "finding\n",
               N_CLEAN);

    if (!d->keep_serving) {
        for (int k = 0; k < 3; k++) {
            demo_stop(d->srv[k]);
            d->srv[k] = -1;
        }
    }
    if (!publish_dir(d))
        goto fail;
    published = 1;
    printf("\nwhere to look (%s):\n"
           "  caguard --store %s/%s findings        every finding, with its message\n"
           "  %s/dashboard/index.html               the dashboard (open it in a browser)\n"
           "  %s/reports/incident-N.md              CCADB incident report drafts (+ .csv)\n"
           "  %s/summary.txt, run.log                this table; every command the demo ran\n"
           "  docs/demo.md                           the story, step by step\n",
           d->out, d->out, STORE_FILE, d->out, d->out, d->out);
    printf("\ndemo run time: %.1f s\n", elapsed(d));
    fflush(stdout);
    rc = missed > 0 || s->clean_errors > 0 ? CG_EXIT_FINDINGS : CG_EXIT_OK;
    if (d->keep_serving) {
        printf("\nserving until Ctrl-C: log A http://%s/ (key %s/logs/a.pub.pem), log B "
               "http://%s/ (key %s/logs/b.pub.pem), CRLs http://%s/files/ (ca.crl, root.crl)\n",
               d->addr[0], d->out, d->addr[1], d->out, d->addr[2]);
        fflush(stdout);
        wait_for_interrupt();
        printf("stopping\n");
    }
    goto done;
fail:
    fprintf(stderr, "caguard demo: %s\n", d->err);
    if (d->work[0] != '\0' && !published)
        fprintf(stderr, "caguard demo: what was made is left in %s (the next run removes it)\n",
                d->work);
    rc = CG_EXIT_USAGE;
done:
    monitor_close(&dm);
    demo_children_stop_all();
    if (d->work[0] != '\0' && chdir(cwd) != 0)
        rc = rc == CG_EXIT_OK ? CG_EXIT_USAGE : rc;
    free_demo(d);
    free(d);
    free(s);
    return rc;
}
