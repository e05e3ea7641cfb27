/* The library context (caguard_context): the cost of checking one
 * certificate with a full log list when the list is parsed for every check
 * (a caguard_checker alone) against once (a checker made from a context).
 *
 * usage: context_bench LOGLIST ISSUER PRECERT FINAL [N] [AT_UNIX]
 * Prints the mean milliseconds per check each way and their ratio; both
 * ways must give the same findings (else exit 1). */
#include <caguard/caguard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct tally {
    unsigned long sum; /* a digest of rule names, to compare the two ways */
    size_t n;
} tally;

static void count(void *arg, const caguard_finding *f)
{
    tally *t = arg;
    for (const char *s = caguard_finding_rule(f); *s != '\0'; s++)
        t->sum = t->sum * 31 + (unsigned char)*s;
    t->n++;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: context_bench LOGLIST ISSUER PRECERT FINAL [N] [AT_UNIX]\n");
        return 2;
    }
    int n = argc > 5 ? atoi(argv[5]) : 200;
    int64_t at = argc > 6 ? strtoll(argv[6], NULL, 10) : 1687219200;
    size_t ll, il, pl, fl;
    uint8_t *list = slurp(argv[1], &ll), *issuer = slurp(argv[2], &il);
    uint8_t *pre = slurp(argv[3], &pl), *fin = slurp(argv[4], &fl);
    char err[256];
    if (list == NULL || issuer == NULL || pre == NULL || fin == NULL || n < 1) {
        fprintf(stderr, "context_bench: cannot read the inputs\n");
        return 2;
    }
    tally a = {0, 0}, b = {0, 0};
    double t0 = now();
    for (int i = 0; i < n; i++) {
        caguard_checker *c = caguard_checker_new();
        caguard_checker_set_time(c, at);
        if (!caguard_checker_add_loglist(c, list, ll, err, sizeof(err)) ||
            !caguard_checker_add(c, "issuer", issuer, il, err, sizeof(err)) ||
            !caguard_checker_add(c, "precert", pre, pl, err, sizeof(err)) ||
            !caguard_checker_add(c, "final", fin, fl, err, sizeof(err))) {
            fprintf(stderr, "context_bench: %s\n", err);
            return 2;
        }
        tally t = {0, 0};
        caguard_checker_run(c, count, &t);
        a = t;
        caguard_checker_free(c);
    }
    double alone = (now() - t0) / n;

    caguard_context *ctx = caguard_context_new();
    if (!caguard_context_add_loglist(ctx, list, ll, err, sizeof(err)) ||
        !caguard_context_add_ca(ctx, issuer, il, err, sizeof(err))) {
        fprintf(stderr, "context_bench: %s\n", err);
        return 2;
    }
    t0 = now();
    for (int i = 0; i < n; i++) {
        caguard_checker *c = caguard_checker_new_with_context(ctx);
        caguard_checker_set_time(c, at);
        if (!caguard_checker_add(c, "precert", pre, pl, err, sizeof(err)) ||
            !caguard_checker_add(c, "final", fin, fl, err, sizeof(err))) {
            fprintf(stderr, "context_bench: %s\n", err);
            return 2;
        }
        tally t = {0, 0};
        caguard_checker_run(c, count, &t);
        b = t;
        caguard_checker_free(c);
    }
    double with = (now() - t0) / n;
    caguard_context_free(ctx);
    /* The issuer's own findings are not a context's: compare what is about
     * the precertificate and the final only when the issuer has none. */
    printf("checks: %d each way, %zu findings alone, %zu with the context\n", n, a.n, b.n);
    printf("alone (log list parsed per check): %.3f ms/check\n", alone * 1e3);
    printf("with a context (parsed once):      %.3f ms/check\n", with * 1e3);
    printf("ratio: %.1fx\n", alone / with);
    free(list);
    free(issuer);
    free(pre);
    free(fin);
    return a.n == b.n && a.sum == b.sum ? 0 : 1;
}
