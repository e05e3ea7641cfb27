/* caguard demo, internal: the demo PKI (demo_pki.c: keys, certificates,
 * precertificates, CRLs and SCT lists, made with OpenSSL) and the child
 * processes (demo_proc.c: caguard-testlog builds and servers, the monitor,
 * all killed when the demo exits, whatever the way). demo.c tells the
 * story. Functions return 1 on success and 0 on error with a message in
 * err. */
#ifndef CAGUARD_CLI_DEMO_H
#define CAGUARD_CLI_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

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
                   const char *dns, int64_t not_before, int64_t not_after,
                   const uint8_t *sct_list, size_t sct_list_len, char *err, size_t errcap);
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
int demo_sct_from_json(const char *path, uint8_t *out, size_t *out_len, char *err,
                       size_t errcap);
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
