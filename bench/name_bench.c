/* Cost of Name comparison (RFC 5280 §7.1 with RFC 4518 preparation) and of
 * the Name index key, beside OpenSSL's own Name comparison on the same
 * names.
 *
 * Pairs of Names as a CA meets them: byte-identical; ASCII values in other
 * string types and case (a CRL issuer written as UTF8String against a
 * PrintableString CA subject); German, Cyrillic and Greek values that differ
 * in case only. For each pair, on one core, in CPU time:
 *   cg_name_equal(a, b), cg_name_hash_equal(a) and
 *   OpenSSL: d2i_X509_NAME of both + X509_NAME_cmp (OpenSSL canonicalises a
 *   Name while decoding it, folding ASCII case and spaces only).
 * Each line also says whether each side found the two Names equal.
 *
 * usage: name_bench [SECONDS]   (per measurement, default 0.3) */
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "x509/name.h"

typedef struct {
    const char *field;
    const char *value;
    int type; /* V_ASN1_PRINTABLESTRING or V_ASN1_UTF8STRING */
} entry;

#define P V_ASN1_PRINTABLESTRING
#define U V_ASN1_UTF8STRING

static const entry le_print[] = {
    {"C", "US", P}, {"O", "Let's Encrypt", P}, {"CN", "R3", P}, {NULL, NULL, 0}};
static const entry le_utf8_case[] = {
    {"C", "us", U}, {"O", "LET'S ENCRYPT", U}, {"CN", "r3", U}, {NULL, NULL, 0}};
static const entry de_lower[] = {{"C", "DE", P},
                                 {"O", "Bundesdruckerei GmbH", U},
                                 {"L", "Straße des 17. Juni", U},
                                 {"CN", "D-TRUST Server CA", U},
                                 {NULL, NULL, 0}};
static const entry de_upper[] = {{"C", "DE", P},
                                 {"O", "BUNDESDRUCKEREI GMBH", U},
                                 {"L", "STRASSE DES 17. JUNI", U},
                                 {"CN", "D-TRUST SERVER CA", U},
                                 {NULL, NULL, 0}};
static const entry ru_lower[] = {
    {"C", "RU", P}, {"O", "Удостоверяющий центр", U}, {"CN", "Тестовый УЦ", U}, {NULL, NULL, 0}};
static const entry ru_upper[] = {
    {"C", "RU", P}, {"O", "УДОСТОВЕРЯЮЩИЙ ЦЕНТР", U}, {"CN", "ТЕСТОВЫЙ УЦ", U}, {NULL, NULL, 0}};
static const entry el_lower[] = {
    {"C", "GR", P}, {"O", "Οδος Ερμου", U}, {"CN", "Ελληνικη Αρχη", U}, {NULL, NULL, 0}};
static const entry el_upper[] = {
    {"C", "GR", P}, {"O", "ΟΔΟΣ ΕΡΜΟΥ", U}, {"CN", "ΕΛΛΗΝΙΚΗ ΑΡΧΗ", U}, {NULL, NULL, 0}};

static uint8_t *name_der(const entry *e, size_t *len)
{
    X509_NAME *n = X509_NAME_new();
    uint8_t *der = NULL;
    int l;

    if (n == NULL)
        return NULL;
    for (; e->field != NULL; e++) {
        if (!X509_NAME_add_entry_by_txt(n, e->field, e->type, (const unsigned char *)e->value, -1,
                                        -1, 0))
            goto err;
    }
    l = i2d_X509_NAME(n, &der);
    if (l <= 0)
        goto err;
    *len = (size_t)l;
    X509_NAME_free(n);
    return der;
err:
    X509_NAME_free(n);
    return NULL;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { OP_EQUAL, OP_HASH, OP_OPENSSL };

/* Runs op until `seconds` of CPU have passed; returns operations per second
 * and the last result in *equal. */
static double rate(int op, const cg_cbs *a, const cg_cbs *b, double seconds, int *equal)
{
    double t0 = cpu_now(), t;
    unsigned long n = 0;
    volatile uint64_t sink = 0;

    do {
        for (int i = 0; i < 256; i++) {
            if (op == OP_EQUAL) {
                *equal = cg_name_equal(a, b, NULL);
            } else if (op == OP_HASH) {
                sink += cg_name_hash_equal(a);
            } else {
                const unsigned char *pa = a->data, *pb = b->data;
                X509_NAME *na = d2i_X509_NAME(NULL, &pa, (long)a->len);
                X509_NAME *nb = d2i_X509_NAME(NULL, &pb, (long)b->len);
                *equal = na != NULL && nb != NULL && X509_NAME_cmp(na, nb) == 0;
                X509_NAME_free(na);
                X509_NAME_free(nb);
            }
        }
        n += 256;
        t = cpu_now() - t0;
    } while (t < seconds);
    (void)sink;
    return (double)n / t;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *label;
        const entry *a, *b;
    } pairs[] = {
        {"ASCII, byte-identical", le_print, le_print},
        {"ASCII, UTF8String and case vs PrintableString", le_utf8_case, le_print},
        {"German, case (ß and SS)", de_lower, de_upper},
        {"Cyrillic, case", ru_lower, ru_upper},
        {"Greek, case (final sigma)", el_lower, el_upper},
    };
    double seconds = argc > 1 ? atof(argv[1]) : 0.3;

    printf("%-48s %14s %14s %14s  equal (caguard/OpenSSL)\n", "pair", "cg_name_equal/s",
           "hash_equal/s", "OpenSSL/s");
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        size_t la, lb;
        uint8_t *da = name_der(pairs[i].a, &la), *db = name_der(pairs[i].b, &lb);
        cg_cbs a, b;
        int eq_cg = 0, eq_ossl = 0, unused = 0;

        if (da == NULL || db == NULL) {
            fprintf(stderr, "name_bench: cannot build the names of \"%s\"\n", pairs[i].label);
            return 1;
        }
        cg_cbs_init(&a, da, la);
        cg_cbs_init(&b, db, lb);
        double r_eq = rate(OP_EQUAL, &a, &b, seconds, &eq_cg);
        double r_hash = rate(OP_HASH, &a, &b, seconds, &unused);
        double r_ossl = rate(OP_OPENSSL, &a, &b, seconds, &eq_ossl);
        printf("%-48s %14.0f %14.0f %14.0f  %s/%s\n", pairs[i].label, r_eq, r_hash, r_ossl,
               eq_cg ? "yes" : "no", eq_ossl ? "yes" : "no");
        OPENSSL_free(da);
        OPENSSL_free(db);
    }
    return 0;
}
