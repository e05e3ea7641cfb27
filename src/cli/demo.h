/* caguard demo, internal. demo.c tells the story (the command, its steps
 * in order, what it prints); the run's steps are in
 *   demo_dir.c        the directory: made next to DIR, renamed into place
 *   demo_ca.c         what the demo CA does: PKI, precertificates, logs,
 *                     final certificates, the logs served, log lists, CRLs
 *   demo_watch.c      caguard at work: the store, the monitor, the CRL watcher
 *   demo_incidents.c  the incidents and their CCADB report drafts
 *   demo_results.c    the dashboard and the summary of the findings
 * over two helpers: the demo PKI (demo_pki.c: keys, certificates,
 * precertificates, CRLs and SCT lists, made with OpenSSL) and the child
 * processes (demo_proc.c: caguard-testlog builds and servers, all killed
 * when the demo exits, whatever the way). Functions return 1 on success
 * and 0 on error with a message in err (d->err for the steps). */
#ifndef CAGUARD_CLI_DEMO_H
#define CAGUARD_CLI_DEMO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ct/loglist.h"
#include "monitor/crlwatch.h"
#include "monitor/loglistwatch.h"
#include "monitor/monitor.h"
#include "report/html.h"
#include "report/output.h"
#include "store/store.h"

/* ---- the run ---- */

#define DEMO_DAY 86400
#define DEMO_N_CLEAN 12
#define DEMO_STORE_FILE "caguard.db"

/* One issued certificate: its precertificate(s) and final certificate. */
typedef struct demo_item {
    char name[32];
    char dns[64];
    ASN1_INTEGER *serial;
    EVP_PKEY *key;
    X509 *pre;   /* logged to both logs, or to log A only (dup) */
    X509 *pre_b; /* dup: the second precertificate, logged to log B only */
    X509 *final; /* NULL when the CA never issued one */
    int64_t not_before, not_after;
    int clean;
} demo_item;

enum { DEMO_IT_DUP = DEMO_N_CLEAN, DEMO_IT_VALIDITY, DEMO_IT_SCTPRE, DEMO_N_ITEMS };

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
    demo_item it[DEMO_N_ITEMS];
    pid_t srv[3];        /* log A, log B, the CRL endpoint */
    char addr[3][64];    /* where each is served now */
    int64_t published;   /* when the monitor fetched the CA's CRL: the revocations' publication */
    int64_t at;          /* evaluation time of the incidents and the dashboard */
    char old_addr_b[64]; /* where log B was before it moved */
    int step;
    char err[2048];
} demo;

/* demo_dir.c: DIR (out) made ready and DIR.new-PID made and entered;
 * the finished DIR.new-PID put in DIR's place; a text file written. */
int demo_prepare_dirs(demo *d, const char *out);
int demo_publish_dir(demo *d);
int demo_write_text(demo *d, const char *path, const char *text);

/* demo_ca.c, in the story's order. */
int demo_make_pki(demo *d);
int demo_make_precerts(demo *d);
int demo_build_logs(demo *d);
int demo_make_finals(demo *d);
int demo_serve_log(demo *d, int l);
int demo_serve_crls(demo *d);
int demo_submit_all(demo *d);
/* A log list naming logs A and B (B at b_addr), version 1 or 2. */
int demo_write_loglist(demo *d, const char *path, int version, const char *b_addr);
int demo_make_crls(demo *d);

/* demo_watch.c */
/* The monitor (src/monitor/monitor.h), in-process, with the demo's store:
 * it watches the issuing CA and follows both logs; it stays open across the
 * two passes, so the second one reads only what is new, and follows log B
 * to its new URL under the same log ID. */
typedef struct demo_mon {
    cg_store *st;
    cg_loglist *ll;
    cg_monitor *m;
    cg_crlwatch *cw;      /* the CRL watcher, a task of m from the second pass on */
    cg_loglist_watch *lw; /* reloads loglist.json at each pass: log B's move */
    FILE *findings;       /* monitor.jsonl: every new finding, as caguard monitor --format json */
    FILE *log;            /* run.log: the monitor's log lines */
    cg_out *out;
} demo_mon;

cg_store *demo_open_store(demo *d);
/* Ingests files in-process, seen at the time of the run. */
int demo_ingest_files(demo *d, const char *const *paths, size_t n);
int demo_monitor_open(demo *d, demo_mon *dm, const char *loglist);
/* One pass: every log to its current tree head. */
int demo_monitor_pass(demo *d, demo_mon *dm);
void demo_monitor_close(demo_mon *dm);
/* The CRL watcher joins the monitor from the next pass on. */
int demo_monitor_watch_crls(demo *d, demo_mon *dm);
/* d->published: when the watcher first fetched the CA's CRL. */
int demo_crl_published(demo *d, demo_mon *dm);
/* Log B answers at d->addr[1] now, and the reloaded log list says so. */
int demo_monitor_move_b(demo *d, demo_mon *dm);

/* demo_incidents.c: *n_open incidents opened, evaluated, reported. */
int demo_open_incidents(demo *d, size_t *n_open);

/* demo_results.c */
int demo_write_dashboard(demo *d, cg_html_stats *hs);
typedef struct demo_rule_row {
    char rule[64];
    cg_severity sev;
    size_t count;
    char first[96];
} demo_rule_row;

typedef struct demo_named_object {
    uint8_t sha256[32];
    char name[64];
    int clean;
} demo_named_object;

typedef struct demo_summary {
    demo_named_object objs[3 * DEMO_N_ITEMS];
    size_t n_objs;
    demo_rule_row rows[128];
    size_t n;
    size_t by_sev[3];
    const demo *d;
    size_t clean_errors;
    char clean_error_example[160];
} demo_summary;

/* The findings of the store, rule by rule, into s and printed on out. */
int demo_summarize(demo *d, demo_summary *s, FILE *out);
int demo_has_rule(const demo_summary *s, const char *rule);

/* ---- demo_pki.c ---- */

/* A fresh EC P-256 key. */
EVP_PKEY *demo_key_new(void);
/* A Name of O and CN; string_type V_ASN1_PRINTABLESTRING or V_ASN1_UTF8STRING. */
X509_NAME *demo_name(const char *o, const char *cn, int string_type);

/* A CA certificate: self-signed when issuer is NULL (key signs), else
 * issued by issuer/issuer_key. */
X509 *demo_ca_cert(const X509_NAME *subject, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                   int64_t not_before, int64_t not_after, char *err, size_t errcap);

/* A TLS server precertificate (poison extension) for dns, issued by ca.
 * sct_list (TLS-encoded SignedCertificateTimestampList, may be NULL) puts
 * an SCT list extension into it as well: the mistake a precertificate must
 * never carry. */
X509 *demo_precert(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *leaf_key, const ASN1_INTEGER *serial,
                   const char *dns, int64_t not_before, int64_t not_after, const uint8_t *sct_list,
                   size_t sct_list_len, char *err, size_t errcap);
/* The final certificate of pre: the same TBSCertificate with the poison
 * replaced, in its place, by the SCT list extension; notAfter moved by
 * shift_not_after seconds (0 for a corresponding certificate). */
X509 *demo_final(const X509 *pre, EVP_PKEY *ca_key, const uint8_t *sct_list, size_t sct_list_len,
                 int64_t shift_not_after, char *err, size_t errcap);

typedef struct demo_revoked {
    const ASN1_INTEGER *serial;
    int64_t date;
    int reason; /* CRLReason, -1 for none */
} demo_revoked;

/* A CRL signed by ca_key with AKI of ca, cRLNumber number, issuer Name
 * issuer (normally ca's subject, byte for byte). */
X509_CRL *demo_crl(X509 *ca, EVP_PKEY *ca_key, const X509_NAME *issuer, long number,
                   int64_t this_update, int64_t next_update, const demo_revoked *revoked,
                   size_t n_revoked, char *err, size_t errcap);

/* A random positive 16-byte serial. */
ASN1_INTEGER *demo_serial(void);

/* PEM writers (mode 0644; keys 0600); CRLs are written as DER, as they
 * are served. */
int demo_write_cert(const char *path, X509 *const *certs, size_t n, char *err, size_t errcap);
int demo_write_crl(const char *path, X509_CRL *crl, char *err, size_t errcap);
int demo_write_key(const char *path, EVP_PKEY *key, int public_only, char *err, size_t errcap);

/* An SCT as caguard-testlog's --sct-dir or add-chain answer gives it (JSON)
 * in TLS form (RFC 6962 §3.2) into out (at most CG_DEMO_SCT_MAX bytes). */
#define CG_DEMO_SCT_MAX 1024
int demo_sct_from_json(const char *path, uint8_t *out, size_t *out_len, char *err, size_t errcap);
/* A SignedCertificateTimestampList of n SCTs (RFC 6962 §3.3), malloc'd. */
uint8_t *demo_sct_list(const uint8_t *const *scts, const size_t *lens, size_t n, size_t *len);

/* SHA-256 of the SubjectPublicKeyInfo (the CT log ID); base64 of the SPKI
 * and of the ID into the buffers (at least 256 and 64 bytes). */
int demo_log_id(EVP_PKEY *key, char *spki_b64, size_t spki_cap, char *id_b64, size_t id_cap);

/* ---- demo_proc.c ---- */

/* Kills (SIGTERM, then SIGKILL after a grace) every child still running and
 * reaps it; also installed for exit and for SIGINT, SIGTERM and SIGHUP. */
void demo_children_init(void);
void demo_children_stop_all(void);

/* The directory of this executable, from /proc/self/exe. */
int demo_self_dir(char *out, size_t cap);
/* A helper program: next to this executable, else on PATH. 0 if absent. */
int demo_find_program(const char *name, char *out, size_t cap);

/* Runs argv (argv[0] a path) to completion, stdout to out_path (NULL: with
 * stderr), stderr appended to log_path; *status its exit status (-1
 * killed). */
int demo_run(char *const argv[], const char *out_path, const char *log_path, int *status,
             char *err, size_t errcap);

/* Starts a caguard-testlog server (argv ends in "--listen 127.0.0.1:PORT")
 * and waits for its "listening on ADDR:PORT" line; *pid and "ADDR:PORT"
 * into addr. stdout goes to out_path, stderr to log_path. */
int demo_serve(char *const argv[], const char *out_path, const char *log_path, pid_t *pid,
               char *addr, size_t addr_cap, char *err, size_t errcap);
/* Stops one child started by demo_serve (SIGTERM, waits). */
void demo_stop(pid_t pid);

/* POSTs {"chain": [...]} to URL/ct/v1/add-chain (precert 0) or
 * add-pre-chain (precert 1) with libcurl; the chain as DER. The SCT answer
 * (JSON) goes to sct_path when not NULL. */
int demo_submit(const char *base_url, int precert, X509 *const *chain, size_t n,
                const char *sct_path, char *err, size_t errcap);

#endif
