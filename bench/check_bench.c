/* Throughput of the single-object pipeline (framing, DER validation, views,
 * every single-object rule) on generated objects, on one core.
 *
 * Objects are made from real templates by rewriting the serial number in
 * place (same length, so the DER stays valid): precertificate/certificate
 * pairs from tests/data/le2023/good and CRLs from tests/data/boulder-crl.
 *
 * usage: check_bench DATA_DIR [PAIRS] [CRLS] [OUT_DIR FILES]
 * prints objects/s and peak RSS; with OUT_DIR, writes the objects into
 * FILES PEM files there instead (for timing the caguard command).
 *
 * The same input is checked twice in one run, without and with the
 * certificate profile rules (cert.*; ctx.br_profile, check --br-profile), and
 * OpenSSL's own d2i_X509 + X509_free is timed on the same certificates:
 * the ratios are what docs/performance.md quotes. CAGUARD_BENCH_KEYS=N
 * (default 64) gives the pairs N real RSA-2048 keys in turn, so the profile's
 * key checks run once a pair, as for a CA's distinct subscribers (0: every
 * object keeps the template's key). CAGUARD_BENCH_ROUNDS=R (default 1) checks
 * the input R times each way, the order turned every round (without, with;
 * with, without; ...), so neither pass always runs first, and prints the
 * ratio of the summed times and of the fastest pass each way: on a shared
 * machine the fastest pass is the one other work disturbed least.
 * CAGUARD_BENCH_DISTINCT=1 gives every certificate its own
 * authorityInformationAccess and authorityKeyIdentifier values (by default
 * all share the template's, as the certificates of one CA do, and the
 * profile keeps its verdict on a value it has seen: cg_ctx.prof_memo): the
 * letters of "lencr" in both AIA URLs and the first four octets of the AKI
 * key identifier, rewritten in place. It also gives every pair its own
 * name (by default all 40,000 certificates of 20,000 pairs carry the
 * template's one subjectAltName value): the letters of "house" in the
 * dNSName and the subject commonName, the same in a precertificate and its
 * certificate, as in every real pair. certificatePolicies stays shared: the
 * template's holds one policy OID and nothing that can vary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "der/pem.h"
#include "rules/engine.h"
#include "x509/oid.h"

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* The first object of a PEM file, decoded. */
static uint8_t *template_der(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    size_t n;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t *pem = read_all(path, &n), *der = NULL;
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    if (pem == NULL)
        return NULL;
    cg_input_init(&in, pem, n);
    if (cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT) {
        der = malloc(obj.der_len);
        memcpy(der, obj.der, obj.der_len);
        *len = obj.der_len;
    }
    cg_input_cleanup(&in);
    free(pem);
    return der;
}

static void put_serial(uint8_t *der, const cg_cbs *serial, uint64_t v)
{
    uint8_t *p = (uint8_t *)serial->data;
    for (size_t i = serial->len; i > 1 && v > 0; i--, v >>= 8)
        p[i - 1] = (uint8_t)v;
    (void)der;
}

static size_t emit(uint8_t *out, const uint8_t *der, size_t len)
{
    /* Raw DER objects back to back are not a format caguard reads, so the
     * buffer is PEM, as CAs and tests hand it over. */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0, col = 0;
    n += (size_t)sprintf((char *)out + n, "-----BEGIN CERTIFICATE-----\n");
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)der[i + 1] << 8;
        if (i + 2 < len)
            v |= der[i + 2];
        out[n++] = (uint8_t)b64[v >> 18];
        out[n++] = (uint8_t)b64[(v >> 12) & 63];
        out[n++] = i + 1 < len ? (uint8_t)b64[(v >> 6) & 63] : '=';
        out[n++] = i + 2 < len ? (uint8_t)b64[v & 63] : '=';
        col += 4;
        if (col == 64) {
            out[n++] = '\n';
            col = 0;
        }
    }
    if (col != 0)
        out[n++] = '\n';
    n += (size_t)sprintf((char *)out + n, "-----END CERTIFICATE-----\n");
    return n;
}

/* Puts the modulus of a fresh RSA-2048 key over the template's, when both
 * encode to the same length (a top bit set: 257-byte INTEGERs). */
static int new_modulus(uint8_t *mod, size_t len)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    BIGNUM *n = NULL;
    int ok = 0;
    if (k != NULL && EVP_PKEY_get_bn_param(k, "n", &n) && BN_num_bytes(n) == (int)len - 1 &&
        BN_num_bits(n) % 8 == 0)
        ok = BN_bn2bin(n, mod + 1) == (int)len - 1;
    BN_free(n);
    EVP_PKEY_free(k);
    return ok;
}

/* The modulus INTEGER contents of a certificate's RSA key, or NULL. */
static uint8_t *modulus_of(const cg_cert *c, size_t *len)
{
    cg_cbs in = c->spki, spki, alg, bits, key, n;
    if (!cg_cbs_get_asn1(&in, &spki, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&spki, &alg, CG_ASN1_SEQUENCE) ||
        !cg_cbs_get_asn1(&spki, &bits, CG_ASN1_BITSTRING) || bits.len < 2)
        return NULL;
    cg_cbs_init(&in, bits.data + 1, bits.len - 1);
    if (!cg_cbs_get_asn1(&in, &key, CG_ASN1_SEQUENCE) || !cg_cbs_get_asn1(&key, &n, CG_ASN1_INTEGER))
        return NULL;
    *len = n.len;
    return (uint8_t *)n.data;
}

/* Where a certificate's AIA, AKI and names can be told apart in place: the
 * "lencr" of each AIA URL's host (up to 4), the AKI key identifier, the
 * template's name in subjectAltName and in the subject. */
typedef struct spots {
    uint8_t *aia[4];
    size_t n_aia;
    uint8_t *aki;
    uint8_t *name[2];
    size_t n_name;
} spots;

#define NAME "housetrainingpuppy"

/* Where NAME starts in v (n octets), or NULL. */
static uint8_t *name_in(const uint8_t *v, size_t n)
{
    for (size_t k = 0; k + sizeof(NAME) - 1 <= n; k++) {
        if (memcmp(v + k, NAME, sizeof(NAME) - 1) == 0)
            return (uint8_t *)v + k;
    }
    return NULL;
}

static void find_spots(const cg_cert *c, spots *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < c->n_ext; i++) {
        const cg_cbs *v = &c->ext[i].value;
        uint8_t *d = (uint8_t *)v->data;
        if (cg_oid_equal(&c->ext[i].oid, CG_OID_AIA, sizeof(CG_OID_AIA))) {
            for (size_t k = 0; k + 6 <= v->len && s->n_aia < 4; k++) {
                if (memcmp(d + k, "lencr.", 6) == 0)
                    s->aia[s->n_aia++] = d + k;
            }
        } else if (cg_oid_equal(&c->ext[i].oid, CG_OID_AKI, sizeof(CG_OID_AKI)) && v->len == 24 &&
                   d[2] == 0x80 && d[3] == 20) {
            s->aki = d + 4;
        } else if (s->n_name == 0 &&
                   cg_oid_equal(&c->ext[i].oid, CG_OID_SAN, sizeof(CG_OID_SAN))) {
            s->name[s->n_name] = name_in(d, v->len);
            s->n_name += s->name[s->n_name] != NULL;
        }
    }
    s->name[s->n_name] = name_in(c->subject.data, c->subject.len);
    s->n_name += s->name[s->n_name] != NULL;
}

/* Values of their own for certificate number v (v < 26^5). */
static void put_distinct(const spots *s, uint64_t v)
{
    for (size_t i = 0; i < s->n_aia; i++) {
        uint64_t x = v;
        for (size_t k = 0; k < 5; k++, x /= 26)
            s->aia[i][k] = (uint8_t)('a' + x % 26);
    }
    if (s->aki != NULL) {
        for (size_t k = 0; k < 4; k++)
            s->aki[k] = (uint8_t)(v >> (8 * k));
    }
}

/* A name of its own for pair v (v < 26^5): the letters of "house". */
static void put_name(const spots *s, uint64_t v)
{
    for (size_t i = 0; i < s->n_name; i++) {
        uint64_t x = v;
        for (size_t k = 0; k < 5; k++, x /= 26)
            s->name[i][k] = (uint8_t)('a' + x % 26);
    }
}

static void count_sink(void *arg, const cg_finding *f)
{
    (void)f;
    (*(size_t *)arg)++;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: check_bench DATA_DIR [PAIRS] [CRLS]\n");
        return 2;
    }
    size_t pairs = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 50000;
    size_t crls = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 10000;
    size_t plen, flen, clen;
    uint8_t *pre = template_der(argv[1], "le2023/good/precert.pem", &plen);
    uint8_t *fin = template_der(argv[1], "le2023/good/final.pem", &flen);
    uint8_t *crl = template_der(argv[1], "boulder-crl/crl_good.pem", &clen);
    if (pre == NULL || fin == NULL || crl == NULL) {
        fprintf(stderr, "check_bench: cannot read the templates under %s\n", argv[1]);
        return 2;
    }
    cg_cert pc, fc;
    cg_crl cc;
    cg_der_error err;
    if (!cg_cert_parse(&pc, pre, plen, &err) || !cg_cert_parse(&fc, fin, flen, &err) ||
        !cg_crl_parse(&cc, crl, clen, &err))
        return 2;
    cg_crl_entry ent;
    cg_cbs it = cc.revoked;
    if (!cg_crl_next_entry(&it, &ent, crl, &err))
        return 2;
    const char *kenv = getenv("CAGUARD_BENCH_KEYS");
    size_t nkeys = kenv != NULL ? (size_t)strtoull(kenv, NULL, 10) : 64, mlen = 0, mlen2 = 0;
    uint8_t *pmod = modulus_of(&pc, &mlen), *fmod = modulus_of(&fc, &mlen2), *keys = NULL;
    if (nkeys > 0 && (pmod == NULL || fmod == NULL || mlen != mlen2 ||
                      (keys = malloc(nkeys * mlen)) == NULL))
        nkeys = 0;
    for (size_t k = 0; k < nkeys; k++) {
        memcpy(keys + k * mlen, pmod, mlen);
        while (!new_modulus(keys + k * mlen, mlen))
            ;
    }
    const char *denv = getenv("CAGUARD_BENCH_DISTINCT");
    int distinct = denv != NULL && strcmp(denv, "1") == 0;
    spots pspots, fspots;
    find_spots(&pc, &pspots);
    find_spots(&fc, &fspots);
    if (distinct && (pspots.n_aia != 2 || fspots.n_aia != 2 || pspots.aki == NULL ||
                     fspots.aki == NULL || pspots.n_name != 2 || fspots.n_name != 2)) {
        fprintf(stderr, "check_bench: the templates' AIA, AKI and names are not where expected\n");
        return 2;
    }
    size_t max = (plen > flen ? plen : flen) > clen ? (plen > flen ? plen : flen) : clen;
    size_t cap = (pairs * 2 + crls) * (max * 4 / 3 + max / 48 + 80);
    uint8_t *buf = malloc(cap);
    size_t used = 0, objects = 0;
    for (size_t i = 0; i < pairs; i++) {
        put_serial(pre, &pc.serial, i + 1);
        put_serial(fin, &fc.serial, i + 1);
        if (nkeys > 0) {
            memcpy(pmod, keys + (i % nkeys) * mlen, mlen);
            memcpy(fmod, keys + (i % nkeys) * mlen, mlen);
        }
        if (distinct) {
            put_distinct(&pspots, 2 * i);
            put_distinct(&fspots, 2 * i + 1);
            put_name(&pspots, i);
            put_name(&fspots, i);
        }
        used += emit(buf + used, pre, plen);
        used += emit(buf + used, fin, flen);
        objects += 2;
    }
    for (size_t i = 0; i < crls; i++) {
        put_serial(crl, &ent.serial, i + 1);
        used += emit(buf + used, crl, clen);
        objects++;
    }
    if (argc > 5) {
        /* Split at object boundaries into FILES files. */
        size_t nfiles = (size_t)strtoull(argv[5], NULL, 10), start = 0;
        if (nfiles == 0)
            nfiles = 1;
        for (size_t f = 0; f < nfiles; f++) {
            size_t end = f + 1 == nfiles ? used : used * (f + 1) / nfiles;
            while (end < used && memcmp(buf + end, "-----BEGIN", 10) != 0)
                end++;
            char path[4096];
            snprintf(path, sizeof(path), "%s/objects-%05zu.pem", argv[4], f);
            FILE *out = fopen(path, "wb");
            if (out == NULL || fwrite(buf + start, 1, end - start, out) != end - start) {
                fprintf(stderr, "check_bench: cannot write %s\n", path);
                return 2;
            }
            fclose(out);
            start = end;
        }
        printf("wrote %zu objects into %zu files under %s\n", objects, nfiles, argv[4]);
        free(keys);
        free(buf);
        free(pre);
        free(fin);
        free(crl);
        return 0;
    }
    cg_ctx ctx;
    cg_file_result res;
    size_t findings = 0;
    double secs[2] = {0, 0}, best[2] = {0, 0}, rate[2];
    size_t found[2] = {0, 0}, malformed[2] = {0, 0};
    struct timespec t0, t1;
    const char *renv = getenv("CAGUARD_BENCH_ROUNDS");
    size_t rounds = renv != NULL ? (size_t)strtoull(renv, NULL, 10) : 1;
    if (rounds == 0)
        rounds = 1;
    printf("objects %zu (pairs %zu, crls %zu), input %.1f MB PEM, %zu RSA keys in turn, %s\n",
           objects, pairs, crls, (double)used / 1e6, nkeys,
           distinct ? "AIA and AKI values distinct, a name a pair"
                    : "AIA, AKI and name values shared");
    for (size_t pass = 0; pass < 2 * rounds; pass++) {
        /* without, with; then with, without; ... */
        int with = (int)((pass & 1) ^ ((pass >> 1) & 1));
        /* 2023-06-20: the templates' SCTs are in the past, the CRLs stale. */
        findings = 0;
        cg_ctx_init(&ctx, 1687219200, count_sink, &findings);
        ctx.br_profile = with;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        cg_check_file(&ctx, "bench", buf, used, &res);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        secs[with] += s;
        found[with] = findings;
        malformed[with] = res.malformed;
        if (best[with] == 0 || s < best[with])
            best[with] = s;
        if (rounds > 1)
            printf("round %zu %s profile rules: cpu %.3f s\n", pass / 2 + 1,
                   with ? "with   " : "without", s);
    }
    for (int with = 0; with < 2; with++) {
        rate[with] = (double)res.objects * (double)rounds / secs[with];
        printf("%s profile rules: cpu %.3f s, %.0f objects/s on one core, %zu findings, "
               "%zu malformed\n",
               with ? "with   " : "without", secs[with], rate[with], found[with], malformed[with]);
    }
    if (rounds > 1)
        printf("fastest pass each way: without %.3f s, with %.3f s: with/without %.3f\n", best[0],
               best[1], best[0] / best[1]);
    /* OpenSSL's own parse of the same certificates (DER, no PEM, no rules). */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    size_t parsed = 0;
    for (size_t i = 0; i < pairs; i++) {
        put_serial(pre, &pc.serial, i + 1);
        put_serial(fin, &fc.serial, i + 1);
        if (nkeys > 0) {
            memcpy(pmod, keys + (i % nkeys) * mlen, mlen);
            memcpy(fmod, keys + (i % nkeys) * mlen, mlen);
        }
        const uint8_t *p = pre;
        X509 *x = d2i_X509(NULL, &p, (long)plen);
        parsed += x != NULL;
        X509_free(x);
        p = fin;
        x = d2i_X509(NULL, &p, (long)flen);
        parsed += x != NULL;
        X509_free(x);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double osecs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double orate = (double)parsed / osecs;
    printf("OpenSSL d2i_X509 + X509_free on the %zu certificates: cpu %.3f s, %.0f /s\n",
           parsed, osecs, orate);
    printf("with/without profile rules: %.3f; with profile rules / OpenSSL d2i_X509: %.2f\n",
           rate[1] / rate[0], rate[1] / orate);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %ld KB (the generated input alone is %zu KB)\n", ru.ru_maxrss,
           used / 1024);
    free(keys);
    free(buf);
    free(pre);
    free(fin);
    free(crl);
    return res.objects == objects && res.malformed == 0 ? 0 : 1;
}
