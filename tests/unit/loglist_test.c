/* Log list loading (Chrome v3, crt.sh, Apple), merging, the detached
 * signature on Chrome's list, RFC 3339 times, and malformed input. */
#include "ct/loglist.h"
#include "x509/time.h"
#include "testutil.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GSTATIC "loglists/gstatic_v3_all_logs_list.json"
#define GSTATIC_SIG "loglists/gstatic_v3_all_logs_list.sig"
#define GSTATIC_KEY "loglists/gstatic_log_list_pubkey.pem"
#define CRTSH "loglists/crtsh_v3_all_all_logs_list.json"
#define APPLE "loglists/apple_current_log_list.json"
#define CTGO "loglists/test_log_list.json"

/* Counts read from the files with python: logs[] + tiled_logs[] over all operators. */
#define N_GSTATIC 117 /* 42 + 75 */
#define N_CRTSH 309   /* 197 + 112 */
#define N_APPLE 166   /* 135 + 31 */
#define N_CTGO 1
/* Union of the three real lists plus ctgo's test log. */
#define N_MERGED 317

/* The logs behind the le2023 SCTs (from the certificates' SCT lists). */
#define OAK2023_ID "b73efb24df9c4dba75f239c5ba58f46c5dfc42cf7a9f35c49e1d098125edb499"
#define ARGON2023_ID "e83ed0da3ef5063532e75728bc896bc903d3cbd1116beceb69e1777d6d06bd6e"
#define NIMBUS2023_ID "7a328c54d8b72db620ea38e0521ee98416703213854d3bd22bc13a57a352eb52"
#define MAMMOTH2026H2_ID "94b1c18ab0d057c47be0ac040e1f2cbc8dc375727bc951f20a526126863ba73c"
#define SYCAMORE2026H2_ID "6cfe501943a85ea916bc52d133e4dcc91ef1411c7d258420d173809e1818eb3a"
#define CTGO_ID "df1c2ec11500945247a96168325ddc5c7959e8f7c6d388fc002e0bbd3f74d764"

/* ctgo's test log key and ID, for hand-made lists. */
#define KEY_A                                                                                     \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmXg8sUUzwBYaWrRb+V0IopzQ6o3UyEJ04r5ZrRXGdpYM8K+hB0pXrG"  \
    "RLI0eeWz+3skXrS0IO83AhA3GpRL6s6w=="
#define ID_A "3xwuwRUAlFJHqWFoMl3cXHlZ6PfG04j8AC4LvT9012Q="
/* Let's Encrypt Oak 2023's key and ID. */
#define KEY_B                                                                                     \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsz0OeL7jrVxEXJu+o4QWQYLKyokXHiPOOKVUL3/TNFFquVzDSer7kZ"  \
    "3gijxzBp98ZTgRgMSaWgCmZ8OD74mFUQ=="
#define ID_B "tz77JN+cTbp18jnFulj0bF38Qs96nzXEnh0JgSXttJk="

#define LOG_A_FIELDS "\"key\":\"" KEY_A "\",\"log_id\":\"" ID_A "\",\"url\":\"https://a/\""
#define LOG_B_FIELDS "\"key\":\"" KEY_B "\",\"log_id\":\"" ID_B "\",\"url\":\"https://b/\""

static int64_t T(const char *s)
{
    int64_t ms = 0;
    if (!cg_time_parse_rfc3339_ms(s, &ms)) {
        fprintf(stderr, "bad test time %s\n", s);
        return INT64_MIN;
    }
    return ms;
}

static void id_from_hex(const char *hex, uint8_t id[32])
{
    memset(id, 0, 32);
    cg_test_unhex(hex, id, 32);
}

static int load_str(cg_loglist *ll, const char *json, char *err, size_t errcap)
{
    return cg_loglist_load(ll, (const uint8_t *)json, strlen(json), "test.json", err, errcap);
}

static int load_file(cg_loglist *ll, const char *path)
{
    char err[256];
    size_t len = 0;
    uint8_t *buf = cg_test_read(path, &len);
    int ok;

    if (buf == NULL)
        return 0;
    ok = cg_loglist_load(ll, buf, len, path, err, sizeof(err));
    if (!ok)
        fprintf(stderr, "load %s: %s\n", path, err);
    free(buf);
    return ok;
}

static void test_rfc3339(void)
{
    int64_t t = 0;

    CHECK(cg_time_parse_rfc3339_ms("1970-01-01T00:00:00Z", &t) && t == 0);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:54:00Z", &t) && t == 1667328840000);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01t18:54:00z", &t) && t == 1667328840000);
    /* offsets move the instant to UTC */
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T20:54:00+02:00", &t) && t == 1667328840000);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:24:00-00:30", &t) && t == 1667328840000);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:54:00-00:00", &t) && t == 1667328840000);
    /* fractions: milliseconds kept, the rest truncated */
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:54:00.1Z", &t) && t == 1667328840100);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:54:00.12Z", &t) && t == 1667328840120);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T20:54:00.123456+02:00", &t) && t == 1667328840123);
    CHECK(cg_time_parse_rfc3339_ms("2022-11-01T18:54:00.999999999Z", &t) && t == 1667328840999);
    CHECK(cg_time_parse_rfc3339_ms("1969-12-31T23:59:59.5Z", &t) && t == -500);
    /* leap days */
    CHECK(cg_time_parse_rfc3339_ms("2024-02-29T12:00:00Z", &t) && t == 1709208000000);
    CHECK(cg_time_parse_rfc3339_ms("2000-02-29T00:00:00Z", &t) && t == 951782400000);
    CHECK(!cg_time_parse_rfc3339_ms("2023-02-29T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("1900-02-29T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2100-02-29T00:00:00Z", &t));
    /* range ends */
    CHECK(cg_time_parse_rfc3339_ms("0000-01-01T00:00:00Z", &t) && t == -62167219200000);
    CHECK(cg_time_parse_rfc3339_ms("9999-12-31T23:59:59.999Z", &t) && t == 253402300799999);
    CHECK(cg_time_parse_rfc3339_ms("2023-12-31T23:59:59Z", &t) && t == 1704067199000);

    /* invalid dates and times */
    CHECK(!cg_time_parse_rfc3339_ms("2023-04-31T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-13-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-00-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-00T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-32T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T24:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:60:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2016-12-31T23:59:60Z", &t)); /* leap second: refused */
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00+24:00", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00+02:60", &t));
    /* syntax */
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00", &t));  /* no offset */
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01 00:00:00Z", &t)); /* space */
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-1-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("23-01-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00.Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00,5Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00+0200", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00+02", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00ZZ", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00Z ", &t));
    CHECK(!cg_time_parse_rfc3339_ms(" 2023-01-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("+2023-01-01T00:00:00Z", &t));
    CHECK(!cg_time_parse_rfc3339_ms("2023-01-01T00:00:00UTC", &t));
    CHECK(!cg_time_parse_rfc3339_ms("", &t));
    CHECK(!cg_time_parse_rfc3339_ms(NULL, &t));
    /* every prefix of a valid time is invalid, and none reads past the end */
    {
        const char *full = "2022-11-01T20:54:00.123+02:00";
        char buf[64];
        for (size_t n = 0; n < strlen(full); n++) {
            memcpy(buf, full, n);
            buf[n] = '\0';
            CHECK(!cg_time_parse_rfc3339_ms(buf, &t));
        }
    }
}

/* The list's log_id must be the SHA-256 of the key it gives. */
static int ids_match_keys(const cg_loglist *ll)
{
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *log = cg_loglist_get0(ll, i);
        uint8_t md[32];
        if (EVP_Digest(log->key_der, log->key_len, md, NULL, EVP_sha256(), NULL) != 1)
            return 0;
        if (memcmp(md, log->log_id, 32) != 0) {
            fprintf(stderr, "log_id mismatch: %s\n", log->description);
            return 0;
        }
    }
    return 1;
}

static void test_real_lists(void)
{
    cg_loglist *ll;
    const cg_log *log;
    uint8_t id[32];
    size_t tiled = 0, unknown = 0;

    ll = cg_loglist_new();
    CHECK(ll != NULL && load_file(ll, GSTATIC));
    CHECK(cg_loglist_count(ll) == N_GSTATIC);
    CHECK(ids_match_keys(ll));
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        tiled += cg_loglist_get0(ll, i)->tiled;
        unknown += cg_loglist_get0(ll, i)->state == CG_LOG_STATE_UNKNOWN;
    }
    CHECK(tiled == 75);
    /* Chrome's test and monitoring-only logs have no state */
    CHECK(unknown == 39);
    CHECK(cg_loglist_get0(ll, N_GSTATIC) == NULL);
    /* the 2023 logs are gone from Chrome's current list */
    id_from_hex(OAK2023_ID, id);
    CHECK(cg_loglist_find(ll, id) == NULL);

    id_from_hex(MAMMOTH2026H2_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL);
    if (log != NULL) {
        uint8_t root[32];
        id_from_hex("bc91de7190b5f251b7aa9f655768d9a22fbb9e43c7431d9298ce155a094db089", root);
        CHECK(strcmp(log->description, "Sectigo 'Mammoth2026h2'") == 0);
        CHECK(strcmp(log->operator_name, "Sectigo") == 0);
        CHECK(log->state == CG_LOG_READONLY);
        CHECK(log->state_ts == T("2025-09-18T17:20:00Z"));
        CHECK(log->has_final_tree_head && log->final_tree_size == 57634084);
        CHECK(memcmp(log->final_root_hash, root, 32) == 0);
        CHECK(log->has_interval && log->interval_start == T("2026-07-01T00:00:00Z") &&
              log->interval_end == T("2027-01-01T00:00:00Z"));
        CHECK(!log->tiled && log->monitoring_url == NULL && log->log_type == NULL);
        CHECK(log->format == CG_LOGLIST_CHROME_V3);
        CHECK(strcmp(log->source, GSTATIC) == 0);
    }
    id_from_hex(SYCAMORE2026H2_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL);
    if (log != NULL) {
        CHECK(log->tiled && log->state == CG_LOG_USABLE && log->mmd == 60);
        CHECK(strcmp(log->url, "https://log.sycamore.ct.letsencrypt.org/2026h2/") == 0);
        CHECK(strcmp(log->monitoring_url, "https://mon.sycamore.ct.letsencrypt.org/2026h2/") == 0);
        CHECK(log->n_prev_ops == 0 && !log->has_final_tree_head);
        CHECK(strcmp(cg_log_operator_at(log, 0), "Let's Encrypt") == 0);
    }
    cg_loglist_free(ll);

    /* crt.sh: every log ever known, no states, no emails */
    ll = cg_loglist_new();
    CHECK(load_file(ll, CRTSH));
    CHECK(cg_loglist_count(ll) == N_CRTSH);
    CHECK(ids_match_keys(ll));
    unknown = 0;
    for (size_t i = 0; i < cg_loglist_count(ll); i++)
        unknown += cg_loglist_get0(ll, i)->state == CG_LOG_STATE_UNKNOWN;
    CHECK(unknown == N_CRTSH);
    id_from_hex(OAK2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL);
    if (log != NULL) {
        CHECK(strcmp(log->description, "Oak 2023") == 0);
        CHECK(strcmp(log->operator_name, "Let's Encrypt") == 0);
        CHECK(strcmp(log->url, "https://oak.ct.letsencrypt.org/2023") == 0);
        CHECK(log->state == CG_LOG_STATE_UNKNOWN && log->state_ts == -1);
        CHECK(log->has_interval && log->interval_start == 1672531200000 &&
              log->interval_end == 1704585600000);
        CHECK(log->mmd == 86400 && !log->tiled);
        CHECK(log->key_len == 91);
    }
    id_from_hex(ARGON2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && strcmp(log->description, "Argon 2023") == 0);
    CHECK(log != NULL && log->interval_end == T("2024-01-01T00:00:00Z"));
    id_from_hex(NIMBUS2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && strcmp(log->operator_name, "Cloudflare") == 0);
    cg_loglist_free(ll);

    /* Apple: same shape, states carry a list version; 2023 shards are "rejected" */
    ll = cg_loglist_new();
    CHECK(load_file(ll, APPLE));
    CHECK(cg_loglist_count(ll) == N_APPLE);
    CHECK(ids_match_keys(ll));
    id_from_hex(OAK2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL);
    if (log != NULL) {
        CHECK(log->format == CG_LOGLIST_APPLE);
        CHECK(strcmp(log->description, "Let's Encrypt 'Oak2023' log") == 0);
        CHECK(log->state == CG_LOG_REJECTED && log->state_ts == 1705716900000);
        CHECK(log->interval_end == 1704585600000);
    }
    cg_loglist_free(ll);

    ll = cg_loglist_new();
    CHECK(load_file(ll, CTGO));
    CHECK(cg_loglist_count(ll) == N_CTGO);
    id_from_hex(CTGO_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && log->state == CG_LOG_USABLE && !log->has_interval);
    CHECK(log != NULL && log->state_ts == T("2013-01-01T00:00:00Z"));
    cg_loglist_free(ll);
}

static void test_merge(void)
{
    cg_loglist *ll = cg_loglist_new();
    const cg_log *log;
    uint8_t id[32];

    CHECK(load_file(ll, GSTATIC));
    CHECK(load_file(ll, CRTSH));
    CHECK(load_file(ll, APPLE));
    CHECK(load_file(ll, CTGO));
    CHECK(cg_loglist_count(ll) == N_MERGED);
    /* first definition wins: Chrome's for current logs ... */
    id_from_hex(MAMMOTH2026H2_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && log->state == CG_LOG_READONLY && strcmp(log->source, GSTATIC) == 0);
    /* ... crt.sh's for the 2023 logs Chrome no longer lists (Apple's comes later) */
    id_from_hex(OAK2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && log->state == CG_LOG_STATE_UNKNOWN && strcmp(log->source, CRTSH) == 0);
    /* load order is kept */
    CHECK(strcmp(cg_loglist_get0(ll, 0)->source, GSTATIC) == 0);
    CHECK(strcmp(cg_loglist_get0(ll, N_MERGED - 1)->source, CTGO) == 0);
    /* loading a list again adds nothing */
    CHECK(load_file(ll, CRTSH));
    CHECK(cg_loglist_count(ll) == N_MERGED);
    /* every log can be found by its own ID */
    for (size_t i = 0; i < cg_loglist_count(ll); i++)
        CHECK(cg_loglist_find(ll, cg_loglist_get0(ll, i)->log_id) == cg_loglist_get0(ll, i));
    cg_loglist_free(ll);

    /* Apple first: now Oak 2023 is Apple's, "rejected" */
    ll = cg_loglist_new();
    CHECK(load_file(ll, APPLE));
    CHECK(load_file(ll, CRTSH));
    id_from_hex(OAK2023_ID, id);
    log = cg_loglist_find(ll, id);
    CHECK(log != NULL && log->state == CG_LOG_REJECTED && log->format == CG_LOGLIST_APPLE);
    cg_loglist_free(ll);
}

static void test_previous_operators(void)
{
    char err[256];
    cg_loglist *ll = cg_loglist_new();
    const cg_log *log;
    /* deliberately out of order: Carol ran it after Alice */
    const char *json =
        "{\"operators\":[{\"name\":\"Dave\",\"email\":[\"d@example\"],\"logs\":[{" LOG_A_FIELDS
        ",\"mmd\":86400,\"state\":{\"retired\":{\"timestamp\":"
        "\"2016-04-15T00:00:00Z\"}},\"previous_operators\":["
        "{\"name\":\"Carol\",\"end_time\":\"2015-01-01T00:00:00Z\"},"
        "{\"name\":\"Alice\",\"end_time\":\"2014-11-06T12:00:00Z\"}]}]}]}";

    CHECK(load_str(ll, json, err, sizeof(err)));
    log = cg_loglist_get0(ll, 0);
    CHECK(log != NULL && log->n_prev_ops == 2);
    if (log != NULL && log->n_prev_ops == 2) {
        CHECK(strcmp(log->prev_ops[0].name, "Alice") == 0);
        CHECK(log->prev_ops[0].end_time == T("2014-11-06T12:00:00Z"));
        CHECK(strcmp(cg_log_operator_at(log, T("2014-01-01T00:00:00Z")), "Alice") == 0);
        CHECK(strcmp(cg_log_operator_at(log, T("2014-11-06T11:59:59.999Z")), "Alice") == 0);
        /* end_time is exclusive */
        CHECK(strcmp(cg_log_operator_at(log, T("2014-11-06T12:00:00Z")), "Carol") == 0);
        CHECK(strcmp(cg_log_operator_at(log, T("2014-12-31T23:59:59Z")), "Carol") == 0);
        CHECK(strcmp(cg_log_operator_at(log, T("2015-01-01T00:00:00Z")), "Dave") == 0);
        CHECK(strcmp(cg_log_operator_at(log, T("2030-01-01T00:00:00Z")), "Dave") == 0);
        CHECK(log->state == CG_LOG_RETIRED);
        CHECK(strcmp(log->description, "") == 0);
    }
    CHECK(cg_log_operator_at(NULL, 0) == NULL);
    cg_loglist_free(ll);
}

static void test_signature(void)
{
    char err[256];
    size_t jlen = 0, slen = 0, klen = 0;
    uint8_t *json = cg_test_read(GSTATIC, &jlen);
    uint8_t *sig = cg_test_read(GSTATIC_SIG, &slen);
    uint8_t *pem = cg_test_read(GSTATIC_KEY, &klen);
    uint8_t *der = NULL;
    int der_len = 0;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;

    CHECK(json != NULL && sig != NULL && pem != NULL);
    if (json == NULL || sig == NULL || pem == NULL)
        goto out;
    CHECK(slen == 512);
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, pem, klen, err, sizeof(err)) == 1);
    CHECK(err[0] == '\0');

    /* the same key as DER */
    bio = BIO_new_mem_buf(pem, (int)klen);
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    der_len = i2d_PUBKEY(pkey, &der);
    CHECK(der_len > 0);
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, der, (size_t)der_len, err,
                                      sizeof(err)) == 1);

    /* one byte of the list changed */
    json[jlen / 2] ^= 0x01;
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, pem, klen, err, sizeof(err)) == 0);
    CHECK(strstr(err, "signature") != NULL);
    json[jlen / 2] ^= 0x01;
    /* one byte of the signature changed */
    sig[10] ^= 0x80;
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, pem, klen, err, sizeof(err)) == 0);
    sig[10] ^= 0x80;
    /* truncated list, truncated signature */
    CHECK(cg_loglist_verify_signature(json, jlen - 1, sig, slen, pem, klen, err, sizeof(err)) ==
          0);
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen - 1, pem, klen, err, sizeof(err)) ==
          0);
    CHECK(cg_loglist_verify_signature(json, jlen, sig, 0, pem, klen, err, sizeof(err)) == 0);
    /* wrong key: a CT log's EC key */
    {
        const char *other = "-----BEGIN PUBLIC KEY-----\n" KEY_A "\n-----END PUBLIC KEY-----\n";
        CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, (const uint8_t *)other,
                                          strlen(other), err, sizeof(err)) == 0);
    }
    /* not a key at all */
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, (const uint8_t *)"junk", 4, err,
                                      sizeof(err)) == 0);
    CHECK(strstr(err, "public key") != NULL);
    /* still fine afterwards, and without an error buffer */
    CHECK(cg_loglist_verify_signature(json, jlen, sig, slen, pem, klen, NULL, 0) == 1);
out:
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    free(json);
    free(sig);
    free(pem);
}

struct bad_case {
    const char *json;
    const char *want; /* substring of the error */
};

#define OPS(logs)                                                                                 \
    "{\"operators\":[{\"name\":\"Op\",\"email\":[\"x@example\"],\"logs\":[" logs "]}]}"
#define TILED(logs) "{\"operators\":[{\"name\":\"Op\",\"tiled_logs\":[" logs "]}]}"
#define GOOD_A "{" LOG_A_FIELDS ",\"mmd\":86400}"

static const struct bad_case bad_cases[] = {
    {"", "invalid JSON"},
    {"{", "invalid JSON"},
    {"{\"operators\":[]", "invalid JSON"},
    {"[]", "top level is not an object"},
    {"{}", "operators: missing"},
    {"{\"operators\":{}}", "operators: not an array"},
    {"{\"operators\":[1]}", "operators[0]: not an object"},
    {"{\"operators\":[{\"logs\":[]}]}", "operators[0].name: missing"},
    {"{\"operators\":[{\"name\":7}]}", "operators[0].name: not a string"},
    {"{\"operators\":[{\"name\":\"x\",\"email\":\"x@example\"}]}", "operators[0].email: not an"},
    {"{\"operators\":[{\"name\":\"x\",\"email\":[1]}]}", "operators[0].email: not an array of"},
    {"{\"operators\":[{\"name\":\"x\",\"logs\":{}}]}", "operators[0].logs: not an array"},
    {"{\"operators\":[{\"name\":\"x\",\"name\":\"y\"}]}", "duplicate object key"},
    {OPS("\"log\""), "operators[0].logs[0]: not an object"},
    {OPS("{\"log_id\":\"" ID_A "\",\"url\":\"https://a/\",\"mmd\":1}"),
     "operators[0].logs[0].key: missing"},
    {OPS("{\"key\":\"not base64!\",\"url\":\"https://a/\",\"mmd\":1}"),
     "operators[0].logs[0].key: not base64"},
    {OPS("{\"key\":\"" KEY_A "\\n\",\"url\":\"https://a/\",\"mmd\":1}"), "key: not base64"},
    {OPS("{\"key\":\"AAAA\",\"url\":\"https://a/\",\"mmd\":1}"),
     "key: not a DER SubjectPublicKeyInfo"},
    {OPS("{\"key\":\"" KEY_A "\",\"log_id\":\"AAAA\",\"url\":\"https://a/\",\"mmd\":1}"),
     "operators[0].logs[0].log_id: not 32 bytes"},
    {OPS("{\"key\":\"" KEY_A "\",\"log_id\":5,\"url\":\"https://a/\",\"mmd\":1}"),
     "log_id: not a string"},
    {OPS("{\"key\":\"" KEY_A "\",\"mmd\":1}"), "operators[0].logs[0].url: missing"},
    {OPS("{" LOG_A_FIELDS "}"), "operators[0].logs[0].mmd: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":\"86400\"}"), "mmd: not an integer"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":86400.0}"), "mmd: not an integer"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":-1}"), "mmd: negative"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"description\":[]}"), "description: not a string"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"log_type\":1}"), "log_type: not a string"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":\"usable\"}"), "logs[0].state: not an object"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{}}"), "state: must hold exactly one state"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"usable\":{\"timestamp\":"
         "\"2020-01-01T00:00:00Z\"},\"retired\":{\"timestamp\":\"2021-01-01T00:00:00Z\"}}}"),
     "state: must hold exactly one state"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"usable\":{}}}"),
     "logs[0].state.usable.timestamp: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"usable\":1}}"),
     "logs[0].state.usable: not an object"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"usable\":{\"timestamp\":"
         "\"2020-02-30T00:00:00Z\"}}}"),
     "state.usable.timestamp: not an RFC 3339 date-time"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"readonly\":{\"timestamp\":"
         "\"2020-01-01T00:00:00Z\"}}}"),
     "state.readonly.final_tree_head: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"readonly\":{\"timestamp\":"
         "\"2020-01-01T00:00:00Z\",\"final_tree_head\":{\"tree_size\":1}}}}"),
     "final_tree_head.sha256_root_hash: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"state\":{\"readonly\":{\"timestamp\":"
         "\"2020-01-01T00:00:00Z\",\"final_tree_head\":{\"sha256_root_hash\":\"" ID_A "\"}}}}"),
     "final_tree_head.tree_size: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"temporal_interval\":{\"start_inclusive\":"
         "\"2020-01-01T00:00:00Z\"}}"),
     "temporal_interval.end_exclusive: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"temporal_interval\":{\"start_inclusive\":"
         "\"2021-01-01T00:00:00Z\",\"end_exclusive\":\"2020-01-01T00:00:00Z\"}}"),
     "start_inclusive is not before end_exclusive"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"temporal_interval\":[]}"),
     "temporal_interval: not an object"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"previous_operators\":{}}"),
     "previous_operators: not an array"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"previous_operators\":[{\"name\":\"x\"}]}"),
     "previous_operators[0].end_time: missing"},
    {OPS("{" LOG_A_FIELDS ",\"mmd\":1,\"previous_operators\":[{\"end_time\":"
         "\"2020-01-01T00:00:00Z\"}]}"),
     "previous_operators[0].name: missing"},
    {TILED("{\"key\":\"" KEY_A "\",\"submission_url\":\"https://a/\",\"mmd\":60}"),
     "operators[0].tiled_logs[0].monitoring_url: missing"},
    {TILED("{\"key\":\"" KEY_A "\",\"url\":\"https://a/\",\"mmd\":60}"),
     "tiled_logs[0].submission_url: missing"},
    /* the same log twice in one file */
    {OPS(GOOD_A "," GOOD_A), "operators[0].logs[1].log_id: duplicates the log_id of "
                             "operators[0].logs[0]"},
    /* an error after good logs still fails the whole file */
    {OPS(GOOD_A ",{" LOG_B_FIELDS ",\"mmd\":\"x\"}"), "operators[0].logs[1].mmd"},
};

static void test_malformed(void)
{
    char err[256];
    cg_loglist *ll = cg_loglist_new();
    uint8_t id_b[32];

    id_from_hex(OAK2023_ID, id_b);
    CHECK(load_file(ll, CTGO));
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        err[0] = '\0';
        int ok = load_str(ll, bad_cases[i].json, err, sizeof(err));
        CHECK(!ok);
        CHECK(strncmp(err, "test.json: ", 11) == 0);
        int named = strstr(err, bad_cases[i].want) != NULL;
        if (!named)
            fprintf(stderr, "case %zu: want \"%s\", got \"%s\"\n", i, bad_cases[i].want, err);
        CHECK(named);
        /* nothing from a failed load is kept */
        CHECK(cg_loglist_count(ll) == N_CTGO);
        CHECK(cg_loglist_find(ll, id_b) == NULL);
    }

    /* the well-formed variants do load */
    CHECK(load_str(ll,
                   OPS("{" LOG_B_FIELDS ",\"mmd\":1,\"x-unknown\":true,\"state\":{"
                       "\"frozen\":{\"timestamp\":\"2020-01-01T00:00:00Z\"}}}"),
                   err, sizeof(err)));
    CHECK(cg_loglist_count(ll) == N_CTGO + 1);
    CHECK(cg_loglist_find(ll, id_b) != NULL &&
          cg_loglist_find(ll, id_b)->state == CG_LOG_STATE_UNKNOWN);
    /* log_id missing: taken from the key */
    {
        cg_loglist *l2 = cg_loglist_new();
        uint8_t id_a[32];
        id_from_hex(CTGO_ID, id_a);
        CHECK(load_str(l2,
                       TILED("{\"key\":\"" KEY_A "\",\"submission_url\":\"https://s/\","
                             "\"monitoring_url\":\"https://m/\",\"mmd\":60}"),
                       err, sizeof(err)));
        CHECK(cg_loglist_find(l2, id_a) != NULL && cg_loglist_find(l2, id_a)->tiled);
        /* an empty list is a list */
        CHECK(load_str(l2, "{\"operators\":[]}", err, sizeof(err)));
        CHECK(load_str(l2, "{\"operators\":[{\"name\":\"x\"}]}", err, sizeof(err)));
        CHECK(cg_loglist_count(l2) == 1);
        cg_loglist_free(l2);
    }

    /* NULL and empty input */
    CHECK(!cg_loglist_load(ll, NULL, 5, "x", err, sizeof(err)));
    CHECK(!cg_loglist_load(ll, NULL, 0, "x", err, sizeof(err)));
    CHECK(!cg_loglist_load(NULL, (const uint8_t *)"{}", 2, "x", err, sizeof(err)));
    CHECK(!cg_loglist_load(ll, (const uint8_t *)"{}", 2, NULL, NULL, 0));
    /* embedded NUL */
    CHECK(
        !cg_loglist_load(ll, (const uint8_t *)"{\"operators\":[]}\0", 17, "x", err, sizeof(err)));
    CHECK(cg_loglist_count(ll) == N_CTGO + 1);
    cg_loglist_free(ll);

    /* Every truncation and every single-byte flip of a real list: no crash,
     * and a failed load leaves the list empty. */
    {
        size_t len = 0;
        uint8_t *buf = cg_test_read(CTGO, &len);
        CHECK(buf != NULL);
        for (size_t n = 0; buf != NULL && n < len; n++) {
            cg_loglist *l3 = cg_loglist_new();
            int ok = cg_loglist_load(l3, buf, n, "trunc", err, sizeof(err));
            /* the file ends in '}', so no proper prefix is JSON */
            CHECK(!ok && cg_loglist_count(l3) == 0);
            cg_loglist_free(l3);
        }
        for (size_t n = 0; buf != NULL && n < len; n++) {
            cg_loglist *l3 = cg_loglist_new();
            buf[n] ^= 0x20;
            int ok = cg_loglist_load(l3, buf, len, "flip", err, sizeof(err));
            /* a flip can survive (say "logs" -> "LOGS", leaving no logs) */
            CHECK(ok ? cg_loglist_count(l3) <= 1 : cg_loglist_count(l3) == 0);
            buf[n] ^= 0x20;
            cg_loglist_free(l3);
        }
        free(buf);
    }
}

/* A hand-made log entry: KEY_A under its own log ID (c repeated), in state
 * st (NULL: no state). */
static void follow_entry(char *buf, size_t cap, char c, const char *st, const char *extra)
{
    char id[45], state[256] = "";
    memset(id, c, 42);
    memcpy(id + 42, "A=", 3);
    if (st != NULL && strcmp(st, "readonly") == 0)
        snprintf(state, sizeof(state),
                 ",\"state\":{\"readonly\":{\"timestamp\":\"2024-01-01T00:00:00Z\","
                 "\"final_tree_head\":{\"sha256_root_hash\":\"%s\",\"tree_size\":7}}}",
                 id);
    else if (st != NULL)
        snprintf(state, sizeof(state),
                 ",\"state\":{\"%s\":{\"timestamp\":\"2024-01-01T00:00:00Z\"}}", st);
    snprintf(buf, cap,
             "{\"description\":\"%s\",\"key\":\"" KEY_A "\",\"log_id\":\"%s\",\"mmd\":60%s%s}",
             st != NULL ? st : "none", id, state, extra);
}

static size_t count_followed(const char *path)
{
    cg_loglist *ll = cg_loglist_new();
    size_t n = 0;
    CHECK(load_file(ll, path));
    for (size_t i = 0; i < cg_loglist_count(ll); i++)
        n += (size_t)cg_log_followed(cg_loglist_get0(ll, i));
    cg_loglist_free(ll);
    return n;
}

/* Which logs a monitor following the list reads (cg_log_followed), and at
 * which URL (cg_log_monitor_url). */
static void test_follow(void)
{
    static const struct {
        char c;
        const char *state;
        int tiled, followed;
    } want[] = {
        {'B', "pending", 0, 0},  {'C', "qualified", 0, 1}, {'D', "usable", 0, 1},
        {'E', "readonly", 0, 1}, {'F', "retired", 0, 0},   {'G', "rejected", 0, 0},
        {'H', NULL, 0, 0},       {'I', "frozen", 0, 0},    {'J', "usable", 1, 1},
        {'K', "readonly", 1, 1}, {'L', "pending", 1, 0},   {'M', "retired", 1, 0},
    };
    char json[16384], one[1024], err[256] = "";
    size_t n_logs = 0, n_tiled = 0, followed = 0, tiled_followed = 0;
    cg_loglist *ll;

    /* Chrome's list: usable 37, qualified 6, readonly 2 (22 of them tiled);
     * not pending 16, retired 3, rejected 14, nor the 39 without state. */
    ll = cg_loglist_new();
    CHECK(load_file(ll, GSTATIC));
    for (size_t i = 0; i < cg_loglist_count(ll); i++) {
        const cg_log *log = cg_loglist_get0(ll, i);
        followed += (size_t)cg_log_followed(log);
        tiled_followed += (size_t)(cg_log_followed(log) && log->tiled);
        CHECK(strcmp(cg_log_monitor_url(log), log->tiled ? log->monitoring_url : log->url) == 0);
    }
    CHECK(followed == 45 && tiled_followed == 22);
    cg_loglist_free(ll);
    /* Apple's: usable 51 and readonly 6; its 108 rejected and 1 pending not.
     * crt.sh's list has no states: nothing to follow. */
    CHECK(count_followed(APPLE) == 57);
    CHECK(count_followed(CRTSH) == 0);

    /* Every state, RFC 6962 and tiled. */
    snprintf(json, sizeof(json), "%s", "{\"operators\":[{\"name\":\"Op\",\"logs\":[");
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (want[i].tiled)
            continue;
        follow_entry(one, sizeof(one), want[i].c, want[i].state, ",\"url\":\"https://r/\"");
        snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s%s", n_logs++ ? "," : "",
                 one);
    }
    snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s", "],\"tiled_logs\":[");
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!want[i].tiled)
            continue;
        follow_entry(one, sizeof(one), want[i].c, want[i].state,
                     ",\"submission_url\":\"https://s/\",\"monitoring_url\":\"https://m/\"");
        snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s%s", n_tiled++ ? "," : "",
                 one);
    }
    snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s", "]}]}");
    ll = cg_loglist_new();
    CHECK(load_str(ll, json, err, sizeof(err)));
    if (err[0] != '\0')
        fprintf(stderr, "follow list: %s\n", err);
    CHECK(cg_loglist_count(ll) == n_logs + n_tiled);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char id64[45];
        uint8_t id[33];
        const cg_log *log;
        memset(id64, want[i].c, 42);
        memcpy(id64 + 42, "A=", 3);
        CHECK(EVP_DecodeBlock(id, (const unsigned char *)id64, 44) == 33);
        log = cg_loglist_find(ll, id);
        CHECK(log != NULL);
        if (log == NULL)
            continue;
        CHECK(log->tiled == want[i].tiled && log->mmd == 60);
        CHECK(cg_log_followed(log) == want[i].followed);
        if (cg_log_followed(log) != want[i].followed)
            fprintf(stderr, "state %s: followed %d\n", want[i].state ? want[i].state : "none",
                    cg_log_followed(log));
        CHECK(strcmp(cg_log_monitor_url(log), want[i].tiled ? "https://m/" : "https://r/") == 0);
    }
    CHECK(cg_log_followed(NULL) == 0 && cg_log_monitor_url(NULL) == NULL);
    cg_loglist_free(ll);
}

static void test_misc(void)
{
    cg_loglist *ll = cg_loglist_new();
    uint8_t id[32] = {0};

    cg_loglist_free(NULL);
    CHECK(cg_loglist_count(NULL) == 0);
    CHECK(cg_loglist_get0(NULL, 0) == NULL);
    CHECK(cg_loglist_find(NULL, id) == NULL);
    CHECK(cg_loglist_find(ll, id) == NULL);
    CHECK(cg_loglist_get0(ll, 0) == NULL);
    CHECK(strcmp(cg_log_state_name(CG_LOG_PENDING), "pending") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_QUALIFIED), "qualified") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_USABLE), "usable") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_READONLY), "readonly") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_RETIRED), "retired") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_REJECTED), "rejected") == 0);
    CHECK(strcmp(cg_log_state_name(CG_LOG_STATE_UNKNOWN), "unknown") == 0);
    CHECK(strcmp(cg_log_state_name((cg_log_state)99), "unknown") == 0);
    cg_loglist_free(ll);
}

int main(void)
{
    test_rfc3339();
    test_real_lists();
    test_merge();
    test_previous_operators();
    test_signature();
    test_malformed();
    test_follow();
    test_misc();
    return cg_test_done();
}
