/* SCT verification throughput (src/ct/sct_verify.c), to hold against the
 * raw ECDSA P-256 verify rate of `openssl speed ecdsap256`
 * (bench/sct_verify_vs_openssl.sh does both and prints the ratio).
 *
 *   sct_verify_bench [--seconds N] [--data DIR]
 *
 * DIR is tests/data. Each figure is single-threaded verifies per second:
 *   p256_verify_per_s  the two real P-256 SCTs of le2023/good/final.pem
 *                      (Let's Encrypt R3 issuer, keys from the crt.sh list),
 *                      TBS rebuilt once: the per-SCT cost the target is about
 *   p256_full_per_s    the same, but every pass also parses the certificate,
 *                      rebuilds its TBS and walks its SCT list
 *   rsa2048_verify_per_s, p384_verify_per_s
 *                      the generated vectors of sct/final.pem, for reference
 * Every SCT is checked to verify before timing starts. */
#include "ct/loglist.h"
#include "ct/sct.h"
#include "ct/sct_verify.h"
#include "der/pem.h"
#include "x509/oid.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SCTS 8
#define TBS_CAP 16384

typedef struct bench_cert {
    uint8_t *der;
    size_t len;
    cg_cert view;
    cg_sct scts[MAX_SCTS];
    size_t n_scts;
    uint8_t tbs[TBS_CAP];
    size_t tbs_len;
    uint8_t issuer_hash[32];
} bench_cert;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    uint8_t *buf = NULL;
    long size = -1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        goto err;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto err;
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto err;
    fclose(f);
    *len = (size_t)size;
    return buf;
err:
    fprintf(stderr, "sct_verify_bench: cannot read %s\n", path);
    if (f != NULL)
        fclose(f);
    free(buf);
    return NULL;
}

/* The first PEM block of a file, decoded. */
static uint8_t *read_der(const char *dir, const char *name, size_t *len)
{
    size_t file_len = 0;
    uint8_t *file = read_file(dir, name, &file_len), *out = NULL;
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;

    if (file == NULL)
        return NULL;
    cg_input_init(&in, file, file_len);
    if (cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT && (out = malloc(obj.der_len)) != NULL) {
        memcpy(out, obj.der, obj.der_len);
        *len = obj.der_len;
    }
    cg_input_cleanup(&in);
    free(file);
    return out;
}

/* Reads the SCTs out of a parsed certificate; 1 if there is at least one. */
static int read_scts(const cg_cert *c, cg_sct *scts, size_t *n)
{
    const cg_ext *e = cg_cert_find_ext(c, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
    cg_sct_list list;
    cg_der_error err;

    *n = 0;
    if (e == NULL || !cg_sct_list_open(&list, &e->value, &err))
        return 0;
    while (*n < MAX_SCTS && cg_sct_list_next(&list, &scts[*n], &err))
        (*n)++;
    return *n > 0;
}

/* Loads a certificate and its issuer, rebuilds the TBS and checks that
 * every SCT verifies. */
static bench_cert *load(cg_sct_verifier *v, const char *dir, const char *cert, const char *issuer)
{
    bench_cert *b = calloc(1, sizeof(*b));
    cg_cert *iss = calloc(1, sizeof(*iss));
    uint8_t *iss_der = NULL;
    size_t iss_len = 0;
    cg_der_error err;
    char why[256];

    if (b == NULL || iss == NULL)
        goto err;
    b->der = read_der(dir, cert, &b->len);
    iss_der = read_der(dir, issuer, &iss_len);
    if (b->der == NULL || iss_der == NULL || !cg_cert_parse(&b->view, b->der, b->len, &err) ||
        !cg_cert_parse(iss, iss_der, iss_len, &err) || !read_scts(&b->view, b->scts, &b->n_scts) ||
        !cg_ct_entry_tbs(&b->view, NULL, NULL, b->tbs, sizeof(b->tbs), &b->tbs_len) ||
        !cg_ct_issuer_key_hash(iss, b->issuer_hash)) {
        fprintf(stderr, "sct_verify_bench: cannot use %s with %s\n", cert, issuer);
        goto err;
    }
    for (size_t i = 0; i < b->n_scts; i++) {
        if (cg_sct_verify_precert(v, &b->scts[i], b->issuer_hash, b->tbs, b->tbs_len, why,
                                  sizeof(why)) != CG_SCT_VALID) {
            fprintf(stderr, "sct_verify_bench: SCT %zu of %s does not verify: %s\n", i + 1, cert,
                    why);
            goto err;
        }
    }
    free(iss_der);
    free(iss);
    return b;
err:
    free(iss_der);
    free(iss);
    if (b != NULL)
        free(b->der);
    free(b);
    return NULL;
}

static void bench_cert_free(bench_cert *b)
{
    if (b == NULL)
        return;
    free(b->der);
    free(b);
}

/* Verifies the SCTs whose sig_alg and key size match (all when which is
 * NULL) round-robin for `seconds`; returns verifies per second, or -1 if
 * one did not verify. */
static double run_verify(cg_sct_verifier *v, const bench_cert *b, const size_t *which,
                         size_t n_which, double seconds)
{
    uint64_t count = 0;
    double start = now(), elapsed = 0;
    while (elapsed < seconds) {
        for (int batch = 0; batch < 32; batch++) {
            for (size_t k = 0; k < n_which; k++) {
                const cg_sct *s = &b->scts[which[k]];
                if (cg_sct_verify_precert(v, s, b->issuer_hash, b->tbs, b->tbs_len, NULL, 0) !=
                    CG_SCT_VALID)
                    return -1;
                count++;
            }
        }
        elapsed = now() - start;
    }
    return (double)count / elapsed;
}

/* The whole path for an embedded SCT list: parse, rebuild, walk, verify. */
static double run_full(cg_sct_verifier *v, const bench_cert *b, double seconds)
{
    cg_cert *view = malloc(sizeof(*view)); /* about 4 KiB */
    uint8_t tbs[TBS_CAP];
    size_t tbs_len;
    uint64_t count = 0;
    double start = now(), elapsed = 0, rate = -1;
    cg_der_error err;

    if (view == NULL)
        return -1;
    while (elapsed < seconds) {
        for (int batch = 0; batch < 32; batch++) {
            const cg_ext *e;
            cg_sct_list list;
            cg_sct s;
            if (!cg_cert_parse(view, b->der, b->len, &err) ||
                !cg_ct_entry_tbs(view, NULL, NULL, tbs, sizeof(tbs), &tbs_len))
                goto out;
            e = cg_cert_find_ext(view, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), NULL);
            if (e == NULL || !cg_sct_list_open(&list, &e->value, &err))
                goto out;
            while (cg_sct_list_next(&list, &s, &err)) {
                if (cg_sct_verify_precert(v, &s, b->issuer_hash, tbs, tbs_len, NULL, 0) !=
                    CG_SCT_VALID)
                    goto out;
                count++;
            }
        }
        elapsed = now() - start;
    }
    rate = (double)count / elapsed;
out:
    free(view);
    return rate;
}

/* Prints one figure; 0 if the run failed. */
static int report(const char *name, double rate)
{
    if (rate < 0) {
        fprintf(stderr, "sct_verify_bench: %s: an SCT stopped verifying\n", name);
        return 0;
    }
    printf("%s=%.0f\n", name, rate);
    return 1;
}

int main(int argc, char **argv)
{
#ifdef CG_SOURCE_DIR
    const char *dir = CG_SOURCE_DIR "/tests/data";
#else
    const char *dir = "tests/data";
#endif
    double seconds = 3;
    size_t json_len = 0, key_len = 0, sel[MAX_SCTS], n_sel;
    uint8_t *json = NULL, *key = NULL;
    cg_loglist *ll = NULL;
    cg_sct_verifier *v = NULL;
    bench_cert *le = NULL, *gen = NULL;
    char err[256];
    int rc = 1;
    static const char *const gen_keys[] = {"sct/log_ec.pub.pem", "sct/log_rsa.pub.pem",
                                           "sct/log_p384.pub.pem"};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--seconds N] [--data TESTS_DATA_DIR]\n", argv[0]);
            return 2;
        }
    }
    if (seconds <= 0)
        seconds = 3;

    json = read_file(dir, "loglists/crtsh_v3_all_all_logs_list.json", &json_len);
    ll = cg_loglist_new();
    if (json == NULL || ll == NULL)
        goto out;
    if (!cg_loglist_load(ll, json, json_len, "crt.sh", err, sizeof(err))) {
        fprintf(stderr, "sct_verify_bench: %s\n", err);
        goto out;
    }
    v = cg_sct_verifier_new(ll);
    if (v == NULL)
        goto out;
    for (size_t i = 0; i < sizeof(gen_keys) / sizeof(gen_keys[0]); i++) {
        key = read_der(dir, gen_keys[i], &key_len);
        if (key == NULL || !cg_sct_verifier_add_key(v, key, key_len))
            goto out;
        free(key);
        key = NULL;
    }
    le = load(v, dir, "le2023/good/final.pem", "le2023/r3.pem");
    gen = load(v, dir, "sct/final.pem", "sct/ca.pem");
    if (le == NULL || gen == NULL)
        goto out;

    printf("seconds_per_figure=%g\n", seconds);
    for (size_t i = 0; i < le->n_scts; i++)
        sel[i] = i;
    if (!report("p256_verify_per_s", run_verify(v, le, sel, le->n_scts, seconds)) ||
        !report("p256_full_per_s", run_full(v, le, seconds)))
        goto out;
    /* sct/final.pem holds P-256, RSA-2048, P-256 with CtExtensions and
     * P-384 SCTs; a P-384 ECDSA signature is the one longer than 80 bytes. */
    n_sel = 0;
    for (size_t i = 0; i < gen->n_scts; i++) {
        if (gen->scts[i].sig_alg == 1)
            sel[n_sel++] = i;
    }
    if (n_sel == 0 || !report("rsa2048_verify_per_s", run_verify(v, gen, sel, n_sel, seconds)))
        goto out;
    n_sel = 0;
    for (size_t i = 0; i < gen->n_scts; i++) {
        if (gen->scts[i].sig_alg == 3 && gen->scts[i].signature.len > 80)
            sel[n_sel++] = i;
    }
    if (n_sel == 0 || !report("p384_verify_per_s", run_verify(v, gen, sel, n_sel, seconds)))
        goto out;
    rc = 0;
out:
    free(key);
    bench_cert_free(le);
    bench_cert_free(gen);
    cg_sct_verifier_free(v);
    cg_loglist_free(ll);
    free(json);
    return rc;
}
