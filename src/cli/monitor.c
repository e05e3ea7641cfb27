/* caguard monitor: follows RFC 6962 logs (monitor/logclient.h), keeps the
 * entries of the watched issuers and ingests them into the store
 * (store/ingest.h), so every rule runs on them against what the store
 * holds: pairing and duplicate serials across entries and logs included.
 *
 * This slice reads each log from the start on every run (--from-start);
 * the store's deduplication keeps a second run from reporting anything
 * twice. Keeping the position (tree size, right edge, last STH) in the
 * store, committed with the findings of a range, is the next step
 * (docs/monitor.md). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "ct/loglist.h"
#include "der/pem.h"
#include "monitor/logclient.h"
#include "report/output.h"
#include "store/ingest.h"
#include "store/store.h"
#include "x509/time.h"
#include "x509/x509.h"

#define MAX_LOGS 16
#define MAX_ISSUERS 64

typedef struct watched {
    uint8_t *der;
    size_t der_len;
    uint8_t spki_hash[32];
    cg_cbs subject; /* into der */
} watched;

typedef struct mon {
    const char *url;
    cg_ingest *ing;
    cg_ctx *lctx; /* log findings: malformed entries, Merkle, STH */
    watched *iss;
    size_t n_iss;
    int all;
    size_t kept, malformed;
    int store_failed;
    char err[1024];
} mon;

static void monitor_help(FILE *f)
{
    fprintf(f, "usage: caguard [--store PATH_OR_URI] monitor [OPTIONS] --log URL --log-key FILE\n"
               "                      (--issuer FILE... | --all-issuers) --once\n\n"
               "Follows RFC 6962 CT logs: verifies each log's signed tree head and that its\n"
               "entries hash to it, keeps the entries of the watched issuers and ingests them\n"
               "into the store, where every caguard rule runs on them (a final certificate\n"
               "against its precertificate, duplicate serials across entries and logs).\n"
               "Findings new to the store are printed.\n\n"
               "options:\n"
               "  --log URL          a log's base URL (…/ct/v1/ is appended); repeatable\n"
               "  --log-key FILE     the public key (PEM or DER) of the --log before it\n"
               "  --issuer FILE      a CA certificate to watch (PEM or DER); repeatable\n"
               "  --all-issuers      keep every entry\n"
               "  --once             read each log up to its current tree head, then exit\n"
               "  --from-start       read a log from entry 0 (the default, and the only mode\n"
               "                     of this version)\n"
               "  --store PATH_OR_URI  the store (default $CAGUARD_STORE, else caguard.db)\n"
               "  --quiet            no progress lines on standard error\n"
               "  --at TIME          evaluation time of the rules, RFC 3339 (default: now)\n"
               "  --loglist FILE     a CT log list (Chrome v3 or Apple JSON), for the SCT\n"
               "                     checks of the entries; repeatable\n"
               "  --loglist-sig FILE detached signature of the --loglist before it\n"
               "  --loglist-key FILE public key (PEM or DER) for --loglist-sig\n"
               "  --format text|json findings as text (default) or JSON Lines\n"
               "  -h, --help         this help\n\n"
               "exit status: 0 no new error finding, 1 new error findings (log findings\n"
               "included), 2 usage error, a log that could not be read or a store that cannot\n"
               "be used.\n");
}

static EVP_PKEY *load_key(const char *path, char *err, size_t errcap)
{
    size_t len;
    uint8_t *data = cg_cli_read_file(path, &len, err, errcap);
    if (!data)
        return NULL;
    EVP_PKEY *k = NULL;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (b)
        k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) {
        const unsigned char *p = data;
        k = d2i_PUBKEY(NULL, &p, (long)len);
    }
    free(data);
    if (!k)
        snprintf(err, errcap, "%s: not a public key (PEM or DER SubjectPublicKeyInfo)", path);
    return k;
}

static int load_issuer(const char *path, watched *w, char *err, size_t errcap)
{
    size_t len;
    uint8_t *data = cg_cli_read_file(path, &len, err, errcap);
    if (!data)
        return 0;
    cg_input in;
    cg_input_obj obj;
    cg_der_error derr;
    cg_cert cert;
    int ok = 0;
    cg_input_init(&in, data, len);
    if (cg_input_next(&in, &obj, &derr) != CG_INPUT_OBJECT) {
        snprintf(err, errcap, "%s: no certificate", path);
        goto out;
    }
    w->der = malloc(obj.der_len);
    if (!w->der)
        goto out;
    memcpy(w->der, obj.der, obj.der_len);
    w->der_len = obj.der_len;
    if (!cg_cert_parse(&cert, w->der, w->der_len, &derr)) {
        snprintf(err, errcap, "%s: not a certificate: %s", path, derr.what);
        goto out;
    }
    w->subject = cert.subject;
    ok = EVP_Digest(cert.spki.data, cert.spki.len, w->spki_hash, NULL, EVP_sha256(), NULL);
out:
    cg_input_cleanup(&in);
    free(data);
    return ok;
}

static const watched *match(const mon *m, const cg_log_entry *e, const uint8_t *obj,
                            size_t obj_len)
{
    for (size_t i = 0; i < m->n_iss; i++) {
        const watched *w = &m->iss[i];
        if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
            if (memcmp(e->entry.issuer_key_hash.data, w->spki_hash, 32) == 0)
                return w;
            continue;
        }
        cg_cbs chain = e->chain.chain, first;
        if (cg_ct_chain_next(&chain, &first) && first.len == w->der_len &&
            memcmp(first.data, w->der, w->der_len) == 0)
            return w;
        cg_cert cert;
        cg_der_error derr;
        if (cg_cert_parse(&cert, obj, obj_len, &derr) && cert.issuer.len == w->subject.len &&
            memcmp(cert.issuer.data, w->subject.data, w->subject.len) == 0)
            return w;
    }
    return NULL;
}

static int ingest(mon *m, const char *name, const uint8_t *der, size_t len)
{
    if (!cg_ingest_file(m->ing, name, der, len, m->err, sizeof(m->err))) {
        m->store_failed = 1;
        return 0;
    }
    return 1;
}

static int on_entry(void *arg, const cg_log_entry *e)
{
    mon *m = arg;
    char name[2200];
    snprintf(name, sizeof(name), "%s#%llu", m->url, (unsigned long long)e->index);
    if (!e->ok) {
        cg_objref ref;
        memset(&ref, 0, sizeof(ref));
        ref.file = name;
        ref.index = 0;
        ref.kind = CG_KIND_INPUT;
        cg_report(m->lctx, CG_R_CT_LOG_ENTRY_MALFORMED, &ref, "entry %llu does not parse: %s",
                  (unsigned long long)e->index, e->err.what);
        m->malformed++;
        return 1;
    }
    const uint8_t *obj = e->entry.cert.data;
    size_t obj_len = e->entry.cert.len;
    if (e->entry.entry_type == CG_CT_PRECERT_ENTRY) {
        obj = e->chain.pre_certificate.data;
        obj_len = e->chain.pre_certificate.len;
    }
    if (!m->all && !match(m, e, obj, obj_len))
        return 1;
    /* The issuer first (the store keeps each object once), so the rules
     * that need the CA (SCT signatures, issuer key hash) have it. */
    cg_cbs chain = e->chain.chain, first;
    if (cg_ct_chain_next(&chain, &first)) {
        char iname[2300];
        snprintf(iname, sizeof(iname), "%s#%llu/issuer", m->url, (unsigned long long)e->index);
        if (!ingest(m, iname, first.data, first.len))
            return 0;
    }
    m->kept++;
    return ingest(m, name, obj, obj_len);
}

int cg_cmd_monitor(int argc, char **argv)
{
    static const struct option opts[] = {
        {"log", required_argument, NULL, 'l'},
        {"log-key", required_argument, NULL, 'k'},
        {"issuer", required_argument, NULL, 'i'},
        {"all-issuers", no_argument, NULL, 'A'},
        {"once", no_argument, NULL, 'o'},
        {"from-start", no_argument, NULL, 's'},
        {"from-end", no_argument, NULL, 'e'},
        {"store", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'},
        {"at", required_argument, NULL, 'a'},
        {"loglist", required_argument, NULL, 'L'},
        {"loglist-sig", required_argument, NULL, 'G'},
        {"loglist-key", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *urls[MAX_LOGS], *keys[MAX_LOGS], *issuers[MAX_ISSUERS];
    size_t n_logs = 0, n_iss = 0;
    int all = 0, once = 0, quiet = 0, rc = CG_EXIT_USAGE, log_failed = 0;
    const char *store_opt = NULL;
    cg_out_format format = CG_OUT_TEXT;
    EVP_PKEY *pk[MAX_LOGS] = {0};
    watched iss[MAX_ISSUERS];
    cg_out *out = NULL;
    cg_store *store = NULL;
    cg_ingest *ing = NULL;
    cg_merkle_hasher *h = NULL;
    int64_t at = INT64_MIN;
    cg_cli_loglists lists;
    cg_loglist *loglist = NULL;
    char err[1024];

    memset(&lists, 0, sizeof(lists));
    memset(iss, 0, sizeof(iss));
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, "h", opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'l':
            if (n_logs == MAX_LOGS) {
                rc = cg_cli_usage_error("monitor", "at most %d --log", MAX_LOGS);
                goto out;
            }
            urls[n_logs] = optarg;
            keys[n_logs++] = NULL;
            break;
        case 'k':
            if (n_logs == 0 || keys[n_logs - 1] != NULL) {
                rc = cg_cli_usage_error("monitor", "--log-key must follow the --log it is for");
                goto out;
            }
            keys[n_logs - 1] = optarg;
            break;
        case 'i':
            if (n_iss == MAX_ISSUERS) {
                rc = cg_cli_usage_error("monitor", "at most %d --issuer", MAX_ISSUERS);
                goto out;
            }
            issuers[n_iss++] = optarg;
            break;
        case 'A':
            all = 1;
            break;
        case 'o':
            once = 1;
            break;
        case 's':
            break;
        case 'e':
            rc = cg_cli_usage_error("monitor", "--from-end needs a stored log position, which "
                                               "this version does not keep yet");
            goto out;
        case 'S':
            store_opt = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                format = CG_OUT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                format = CG_OUT_JSON;
            } else {
                rc = cg_cli_usage_error("monitor", "--format must be text or json");
                goto out;
            }
            break;
        case 'a':
            if (!cg_time_parse_rfc3339(optarg, &at)) {
                rc = cg_cli_usage_error("monitor", "--at '%s' is not an RFC 3339 time", optarg);
                goto out;
            }
            break;
        case 'L':
            if (!cg_cli_loglists_add(&lists, optarg)) {
                rc = cg_cli_usage_error("monitor", "at most 16 --loglist");
                goto out;
            }
            break;
        case 'G':
            if (!cg_cli_loglists_add_sig(&lists, optarg)) {
                rc = cg_cli_usage_error("monitor", "--loglist-sig must follow the --loglist "
                                                   "it signs (one signature per list)");
                goto out;
            }
            break;
        case 'K':
            lists.key = optarg;
            break;
        case 'h':
            monitor_help(stdout);
            rc = CG_EXIT_OK;
            goto out;
        default:
            rc = cg_cli_usage_error("monitor", "unknown option");
            goto out;
        }
    }
    if (optind < argc) {
        rc = cg_cli_usage_error("monitor", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (n_logs == 0) {
        rc = cg_cli_usage_error("monitor", "no --log");
        goto out;
    }
    if (!all && n_iss == 0) {
        rc = cg_cli_usage_error("monitor", "no --issuer and no --all-issuers");
        goto out;
    }
    if (!once) {
        rc = cg_cli_usage_error("monitor", "this version runs with --once only");
        goto out;
    }
    for (size_t i = 0; i < n_logs; i++) {
        if (keys[i] == NULL) {
            rc = cg_cli_usage_error("monitor", "--log %s has no --log-key", urls[i]);
            goto out;
        }
        pk[i] = load_key(keys[i], err, sizeof(err));
        if (!pk[i]) {
            rc = cg_cli_usage_error("monitor", "--log-key: %s", err);
            goto out;
        }
    }
    for (size_t i = 0; i < n_iss; i++) {
        if (!load_issuer(issuers[i], &iss[i], err, sizeof(err))) {
            rc = cg_cli_usage_error("monitor", "--issuer: %s", err);
            goto out;
        }
    }
    out = cg_out_new(stdout, format, 0);
    h = cg_merkle_hasher_new();
    if (!out || !h)
        goto out;
    int64_t now = (int64_t)time(NULL);
    if (at == INT64_MIN)
        at = now;
    cg_ctx lctx;
    cg_ctx_init(&lctx, at, cg_out_sink, out);
    if (cg_cli_loglists_load(&lists, "monitor", &lctx, &loglist) != CG_EXIT_OK)
        goto out;
    store = cg_cli_store_open("monitor", store_opt, CG_STORE_CREATE);
    if (!store)
        goto out;
    cg_ingest_opts io = {at, now, loglist};
    ing = cg_ingest_new(store, &io, cg_out_sink, out);
    if (!ing)
        goto out;
    for (size_t i = 0; i < n_iss; i++) {
        if (!cg_ingest_file(ing, issuers[i], iss[i].der, iss[i].der_len, err, sizeof(err))) {
            fprintf(stderr, "caguard monitor: store %s: %s\n", cg_cli_store_uri(store_opt), err);
            goto out;
        }
    }
    for (size_t i = 0; i < n_logs; i++) {
        cg_objref ref;
        memset(&ref, 0, sizeof(ref));
        ref.file = urls[i];
        ref.kind = CG_KIND_INPUT;
        cg_logclient *lc = cg_logclient_new(urls[i], pk[i], NULL);
        if (!lc)
            goto out;
        cg_sth sth;
        cg_log_status st = cg_logclient_get_sth(lc, &sth, err, sizeof(err));
        if (st == CG_LOG_STH_SIG) {
            cg_report(&lctx, CG_R_CT_LOG_STH_SIGNATURE_INVALID, &ref,
                      "the tree head of size %llu does not verify with the log's key: %s",
                      (unsigned long long)sth.tree_size, err);
            cg_logclient_free(lc);
            continue;
        }
        if (st != CG_LOG_OK) {
            fprintf(stderr, "caguard monitor: %s: %s: %s\n", urls[i], cg_log_status_str(st), err);
            log_failed = 1;
            cg_logclient_free(lc);
            continue;
        }
        mon m;
        memset(&m, 0, sizeof(m));
        m.url = urls[i];
        m.ing = ing;
        m.lctx = &lctx;
        m.iss = iss;
        m.n_iss = n_iss;
        m.all = all;
        cg_merkle_frontier f;
        cg_merkle_frontier_init(&f);
        st = cg_logclient_scan(lc, h, &f, sth.tree_size, &sth, on_entry, &m, err, sizeof(err));
        cg_logclient_free(lc);
        if (m.store_failed) {
            fprintf(stderr, "caguard monitor: store %s: %s\n", cg_cli_store_uri(store_opt), m.err);
            goto out;
        }
        if (st == CG_LOG_MERKLE) {
            cg_report(&lctx, CG_R_CT_LOG_MERKLE_MISMATCH, &ref, "%s", err);
        } else if (st != CG_LOG_OK) {
            fprintf(stderr, "caguard monitor: %s: %s: %s\n", urls[i], cg_log_status_str(st), err);
            log_failed = 1;
        }
        if (!quiet)
            fprintf(stderr,
                    "caguard monitor: %s: %llu of %llu entries read, %zu kept, %zu "
                    "malformed\n",
                    urls[i], (unsigned long long)f.size, (unsigned long long)sth.tree_size, m.kept,
                    m.malformed);
    }
    const cg_ingest_stats *stats = cg_ingest_get0_stats(ing);
    fflush(stdout);
    if (log_failed)
        rc = CG_EXIT_USAGE;
    else if (stats->new_findings[CG_SEV_ERROR] > 0 || lctx.count[CG_SEV_ERROR] > 0)
        rc = CG_EXIT_FINDINGS;
    else
        rc = CG_EXIT_OK;
out:
    cg_ingest_free(ing);
    cg_store_close(store);
    cg_out_free(out);
    cg_merkle_hasher_free(h);
    cg_loglist_free(loglist);
    for (size_t i = 0; i < MAX_LOGS; i++)
        EVP_PKEY_free(pk[i]);
    for (size_t i = 0; i < MAX_ISSUERS; i++)
        free(iss[i].der);
    return rc;
}
