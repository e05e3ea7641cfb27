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
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/opts.h"
#include "report/html.h"
#include "x509/time.h"

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
            "Needs caguard-testlog, next to caguard (the build tree), in " CAGUARD_LIBEXECDIR "\n"
            "(installed) or on PATH.\n"
            "In DIR: caguard.db (caguard --store DIR/caguard.db findings), dashboard/\n"
            "(open index.html), reports/ (CCADB incident report drafts and appendix\n"
            "CSVs), summary.txt, the PKI, the logs, the CRLs and run.log (what every\n"
            "step ran).\n\n"
            "exit status: 0 the demo ran and caguard caught every seed mistake it\n"
            "checks; 1 it ran but one was not caught; 2 usage error, or a step failed\n"
            "(caguard-testlog missing, a server that did not start, a store error).\n",
            DEMO_N_CLEAN);
}

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

/* ---- the command ---- */

static void free_demo(demo *d)
{
    for (int i = 0; i < DEMO_N_ITEMS; i++) {
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
    demo_summary *s = calloc(1, sizeof(*s));
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
    d->day0 = d->now - 58 * DEMO_DAY;
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), ".");
    if (!demo_find_program("caguard-testlog", d->testlog, sizeof(d->testlog))) {
        fprintf(stderr,
                "caguard demo: caguard-testlog not found, neither next to this caguard, nor in "
                "%s, nor on PATH.\nIt is built with caguard (cmake --build build makes "
                "build/caguard-testlog; the caguard package installs it): run the caguard of "
                "that build tree, or put caguard-testlog on PATH.\n",
                CAGUARD_LIBEXECDIR);
        goto done;
    }
    demo_children_init();
    if (!demo_prepare_dirs(d, out_opt))
        goto fail;

    printf("caguard demo: a CA makes the seed's mistakes among clean issuance; caguard "
           "watches.\nworking in %s\n\n",
           d->work);
    char day0s[32], nows[32];
    cg_time_format(d->day0, day0s, sizeof(day0s));
    cg_time_format(d->now, nows, sizeof(nows));

    if (!demo_make_pki(d))
        goto fail;
    say(d, "CA hierarchy: root and issuing CA (PrintableString Names), two CT log keys; "
           "fresh EC P-256 keys");
    if (!demo_make_precerts(d) || !demo_build_logs(d))
        goto fail;
    say(d,
        "day 0 (%s): %d precertificates logged to demo logs A and B, "
        "one of them made twice for log B (same serial)",
        day0s, DEMO_IT_SCTPRE + 1);
    if (!demo_make_finals(d))
        goto fail;
    if (!demo_serve_log(d, 0) || !demo_serve_log(d, 1) || !demo_serve_crls(d) ||
        !demo_submit_all(d))
        goto fail;
    snprintf(d->old_addr_b, sizeof(d->old_addr_b), "%s", d->addr[1]);
    say(d, "final certificates with the logs' SCTs logged to log A (one with the notAfter of "
           "the next day); a renewal precertificate carrying an SCT list logged to both");
    if (!demo_write_loglist(d, "loglist-1.json", 1, d->old_addr_b) ||
        !demo_write_loglist(d, "loglist.json", 1, d->old_addr_b))
        goto fail;
    {
        const char *pki[] = {"pki/root.pem", "pki/ca.pem"};
        if (!demo_ingest_files(d, pki, 2) || !demo_monitor_open(d, &dm, "loglist-1.json"))
            goto fail;
    }
    if (!demo_monitor_pass(d, &dm))
        goto fail;
    say(d, "caguard monitor follows logs A (http://%s) and B (http://%s)", d->addr[0], d->addr[1]);
    /* Day 58. The CA publishes its CRLs; log B moves: its operator serves
     * it at a new URL, and a new log list says so. */
    if (!demo_make_crls(d))
        goto fail;
    demo_stop(d->srv[1]);
    d->srv[1] = -1;
    if (!demo_serve_log(d, 1) || !demo_monitor_move_b(d, &dm) ||
        !demo_monitor_watch_crls(d, &dm) || !demo_monitor_pass(d, &dm) ||
        !demo_crl_published(d, &dm))
        goto fail;
    demo_monitor_close(&dm);
    d->at = (int64_t)time(NULL);
    cg_time_format(d->published, nows, sizeof(nows));
    say(d,
        "today, day 58 (%s): the CA revokes 2 misissued certificates as keyCompromise and "
        "publishes its CRLs (http://%s/files/); the root's CRL has a UTF8String issuer. "
        "Log B moves to http://%s; the monitor follows it and fetches the CRLs",
        nows, d->addr[2], d->addr[1]);
    if (!demo_open_incidents(d, &n_incidents))
        goto fail;
    say(d,
        "%zu incidents opened (reported on day 2, day 18 and 4 days ago); deadlines "
        "evaluated, CCADB report drafts written",
        n_incidents);
    cg_html_stats hs;
    memset(&hs, 0, sizeof(hs));
    if (!demo_write_dashboard(d, &hs))
        goto fail;
    say(d, "dashboard written: %zu files, %zu incident pages, %lld findings", hs.files,
        hs.incidents, (long long)hs.findings);
    FILE *sf = fopen("summary.txt", "w");
    if (!demo_summarize(d, s, stdout) || (sf != NULL && !demo_summarize(d, s, sf))) {
        if (sf != NULL)
            fclose(sf);
        goto fail;
    }
    if (sf != NULL)
        fclose(sf);

    int missed = 0;
    printf("\nthe seed's mistakes:\n");
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        int got = demo_has_rule(s, seeds[i].rule);
        missed += !got;
        printf("  %-46s %-36s %s\n", seeds[i].seed, seeds[i].rule, got ? "caught" : "NOT CAUGHT");
    }
    if (s->clean_errors > 0)
        printf("\nunexpected: %zu error findings on the %d clean certificates (first: %s)\n",
               s->clean_errors, DEMO_N_CLEAN, s->clean_error_example);
    else
        printf("\nthe %d clean certificates (precertificate and certificate each): no error "
               "finding\n",
               DEMO_N_CLEAN);

    if (!d->keep_serving) {
        for (int k = 0; k < 3; k++) {
            demo_stop(d->srv[k]);
            d->srv[k] = -1;
        }
    }
    if (!demo_publish_dir(d))
        goto fail;
    published = 1;
    printf("\nwhere to look (%s):\n"
           "  caguard --store %s/%s findings        every finding, with its message\n"
           "  %s/dashboard/index.html               the dashboard (open it in a browser)\n"
           "  %s/reports/incident-N.md              CCADB Full report drafts (+ -preliminary.md, .csv)\n"
           "  %s/summary.txt, run.log                this table; every command the demo ran\n"
           "  docs/demo.md                           the story, step by step\n",
           d->out, d->out, DEMO_STORE_FILE, d->out, d->out, d->out);
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
    demo_monitor_close(&dm);
    demo_children_stop_all();
    if (d->work[0] != '\0' && chdir(cwd) != 0)
        rc = rc == CG_EXIT_OK ? CG_EXIT_USAGE : rc;
    free_demo(d);
    free(d);
    free(s);
    return rc;
}
