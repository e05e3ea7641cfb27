/* Throughput of the get-entries reader (src/ct/entries_json.c: the JSON
 * grammar checked, then every entry's base64 decoded) on one core, against
 * what a client would otherwise do: jansson's parse of the same body and
 * OpenSSL's EVP_DecodeBlock on each string.
 *
 * The body is generated: ENTRIES entries (default 1,000, what a log answers
 * to one get-entries) whose leaf_input and extra_data are random bytes of a
 * certificate entry's and a chain's typical sizes (1,400 and 2,800 bytes).
 *
 * usage: entries_json_bench [ENTRIES] [ROUNDS]
 * prints MB/s of JSON and entries/s for both (best round, CPU time), and
 * the ratio. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct/entries_json.h"

#define LEAF_LEN 1400
#define EXTRA_LEN 2800

/* CPU time of this thread: on a machine other work loads, wall time
 * measures the scheduler as much as the code. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t put_b64(char *out, size_t len)
{
    unsigned char raw[EXTRA_LEN];
    if (RAND_bytes(raw, (int)len) != 1)
        exit(1);
    return (size_t)EVP_EncodeBlock((unsigned char *)out, raw, (int)len);
}

typedef struct sums {
    size_t bytes;
    unsigned x;
} sums;

static int on_entry(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                    const uint8_t *extra, size_t extra_len)
{
    sums *s = arg;
    (void)i;
    s->bytes += leaf_len + extra_len;
    s->x ^= leaf[leaf_len - 1] ^ extra[0];
    return 1;
}

/* The counterpart: a jansson tree, then each string through OpenSSL. */
static int counterpart(const char *body, size_t len, sums *s, uint8_t *buf)
{
    json_error_t err;
    json_t *j = json_loadb(body, len, 0, &err), *arr = json_object_get(j, "entries");
    size_t i;
    json_t *e;
    if (!json_is_array(arr))
        return 0;
    json_array_foreach(arr, i, e)
    {
        const char *keys[] = {"leaf_input", "extra_data"};
        for (int k = 0; k < 2; k++) {
            json_t *v = json_object_get(e, keys[k]);
            size_t n = json_string_length(v);
            int d = EVP_DecodeBlock(buf, (const unsigned char *)json_string_value(v), (int)n);
            if (d < 0)
                return 0;
            /* EVP_DecodeBlock counts the padding's zero bytes. */
            s->bytes += (size_t)d - (n > 0 && json_string_value(v)[n - 1] == '=') -
                        (n > 1 && json_string_value(v)[n - 2] == '=');
            s->x ^= buf[0];
        }
    }
    json_decref(j);
    return 1;
}

int main(int argc, char **argv)
{
    size_t entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    int rounds = argc > 2 ? atoi(argv[2]) : 50;
    size_t cap = entries * (EXTRA_LEN + LEAF_LEN + 100) * 4 / 3 + 64, len = 0;
    char *body = malloc(cap);
    uint8_t *work = malloc(cap); /* the reader decodes in place: a fresh copy each round */
    uint8_t *buf = malloc(EXTRA_LEN + 4);
    cg_entries_reader *r = cg_entries_reader_new();
    if (body == NULL || work == NULL || buf == NULL || r == NULL || entries == 0 || rounds <= 0)
        return 1;
    len += (size_t)sprintf(body, "{\"entries\":[");
    for (size_t i = 0; i < entries; i++) {
        len += (size_t)sprintf(body + len, "%s{\"leaf_input\":\"", i ? "," : "");
        len += put_b64(body + len, LEAF_LEN);
        len += (size_t)sprintf(body + len, "\",\"extra_data\":\"");
        len += put_b64(body + len, EXTRA_LEN);
        len += (size_t)sprintf(body + len, "\"}");
    }
    len += (size_t)sprintf(body + len, "]}");

    sums ours = {0, 0}, theirs = {0, 0};
    double best_ours = 1e9, best_theirs = 1e9;
    for (int k = 0; k < rounds; k++) {
        char why[200];
        size_t n;
        memcpy(work, body, len);
        double t0 = now();
        if (cg_entries_read(r, work, len, entries, on_entry, &ours, &n, why, sizeof(why)) !=
                CG_ENTRIES_OK ||
            n != entries) {
            fprintf(stderr, "entries_json_bench: %s\n", why);
            return 1;
        }
        double t1 = now();
        if (!counterpart(body, len, &theirs, buf))
            return 1;
        double t2 = now();
        best_ours = t1 - t0 < best_ours ? t1 - t0 : best_ours;
        best_theirs = t2 - t1 < best_theirs ? t2 - t1 : best_theirs;
    }
    if (ours.bytes != theirs.bytes ||
        ours.bytes != (size_t)rounds * entries * (LEAF_LEN + EXTRA_LEN)) {
        fprintf(stderr, "entries_json_bench: decoded %zu bytes, counterpart %zu\n", ours.bytes,
                theirs.bytes);
        return 1;
    }
    printf("body: %zu entries, %.2f MB of JSON; best of %d rounds\n", entries, len / 1e6, rounds);
    printf("caguard entries_json:    %8.1f MB/s %10.0f entries/s\n", len / best_ours / 1e6,
           entries / best_ours);
    printf("jansson + EVP_DecodeBlock: %6.1f MB/s %10.0f entries/s\n", len / best_theirs / 1e6,
           entries / best_theirs);
    printf("ratio: %.2f\n", best_theirs / best_ours);
    cg_entries_reader_free(r);
    free(body);
    free(work);
    free(buf);
    return 0;
}
