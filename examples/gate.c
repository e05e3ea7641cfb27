/* The issuance gate, as a CA's signer would call it before signing a final
 * certificate: "here is the precertificate I logged and the certificate (or
 * the TBSCertificate) I am about to sign; do they correspond, and do these
 * SCTs verify?"
 *
 * usage: gate [--at UNIX_SECONDS] [--tbs] ISSUER.pem PRECERT.pem FINAL [LOGLIST.json]
 *   FINAL is a certificate (PEM or DER), or with --tbs a DER TBSCertificate.
 *   Without LOGLIST (or with a libcaguard built without log lists) the SCTs
 *   are not verified: the notices say so.
 * exit status: 0 sign, 1 do not sign (error findings), 2 bad input.
 *
 * Built against the installed library:
 *   cc -o gate gate.c $(pkg-config --cflags --libs caguard)
 *
 * The log list and the issuer go into a caguard_context, read once: a
 * signer keeps it for its whole life and makes one checker per certificate
 * from it, so Google's full log list is parsed once, not per certificate. */
#include <caguard/caguard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n = -1;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void print_finding(void *arg, const caguard_finding *f)
{
    static const char *sev[] = {"ERROR", "warning", "notice"};
    (void)arg;
    printf("%-7s %s: %s (%s #%zu)\n", sev[caguard_finding_severity(f)], caguard_finding_rule(f),
           caguard_finding_message(f), caguard_finding_name(f), caguard_finding_index(f));
}

int main(int argc, char **argv)
{
    int argi = 1, tbs = 0, rc = 2;
    long long at = -1;
    char err[256];
    while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
        if (strcmp(argv[argi], "--tbs") == 0) {
            tbs = 1;
            argi++;
        } else if (strcmp(argv[argi], "--at") == 0 && argi + 1 < argc) {
            at = strtoll(argv[argi + 1], NULL, 10);
            argi += 2;
        } else {
            break;
        }
    }
    int n = argc - argi;
    if (n != 3 && n != 4) {
        fprintf(stderr,
                "usage: gate [--at UNIX_SECONDS] [--tbs] ISSUER PRECERT FINAL [LOGLIST]\n");
        return 2;
    }
    uint8_t *data[4] = {NULL, NULL, NULL, NULL};
    size_t len[4];
    caguard_context *ctx = NULL;
    caguard_checker *c = NULL;
    for (int i = 0; i < n; i++) {
        data[i] = slurp(argv[argi + i], &len[i]);
        if (data[i] == NULL) {
            fprintf(stderr, "gate: cannot read %s\n", argv[argi + i]);
            goto out;
        }
    }
    const char *issuer = argv[argi], *precert = argv[argi + 1], *final = argv[argi + 2];
    const char *loglist = n == 4 ? argv[argi + 3] : NULL, *bad = NULL;
    ctx = caguard_context_new();
    if (ctx == NULL)
        goto out;
    if (!caguard_context_add_ca(ctx, data[0], len[0], err, sizeof(err)))
        bad = issuer;
    else if (loglist != NULL &&
             !caguard_context_add_loglist(ctx, data[3], len[3], err, sizeof(err)))
        bad = loglist;
    if (bad == NULL && (c = caguard_checker_new_with_context(ctx)) == NULL)
        goto out;
    if (bad == NULL && at >= 0)
        caguard_checker_set_time(c, at);
    if (bad == NULL && !caguard_checker_add(c, precert, data[1], len[1], err, sizeof(err)))
        bad = precert;
    else if (bad == NULL &&
             !(tbs ? caguard_checker_add_tbs(c, final, data[2], len[2], err, sizeof(err))
                   : caguard_checker_add(c, final, data[2], len[2], err, sizeof(err))))
        bad = final;
    if (bad != NULL) {
        fprintf(stderr, "gate: %s: %s\n", bad, err);
        goto out;
    }
    long errors = caguard_checker_run(c, print_finding, NULL);
    if (errors < 0)
        goto out;
    printf("%s\n", errors == 0 ? "OK to sign" : "DO NOT SIGN");
    rc = errors == 0 ? 0 : 1;
out:
    caguard_checker_free(c);
    caguard_context_free(ctx);
    for (int i = 0; i < 4; i++)
        free(data[i]);
    return rc;
}
