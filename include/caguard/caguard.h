/* caguard: checks what a certificate authority issues and publishes.
 *
 * A caguard_checker collects objects (certificates, CT precertificates,
 * CRLs, in DER or PEM, several per buffer) and log lists, then runs every
 * rule over all of them together and hands each finding to a callback.
 * The issuance gate: add the precertificate you logged, the certificate
 * (or the bare TBSCertificate) you are about to sign, the issuing CA and a
 * log list; an error finding means do not sign.
 *
 * A caguard_context holds what every check of a process shares: the log
 * lists and the CA certificates, read and parsed once, and the decoded keys
 * of the logs and CAs. A checker made from a context checks its objects
 * against them, so a signer that checks one certificate at a time pays for
 * Google's full log list once, not per certificate.
 *
 * Ownership: caguard_checker_new/_free and caguard_context_new/_free pairs;
 * added buffers are copied; a caguard_finding and its strings are borrowed
 * for the callback's duration; a checker borrows its context, which must
 * outlive it. Functions that can fail return 1 on success and 0 with a
 * message in err.
 *
 * Threads: a checker is used by one thread at a time. A context is filled
 * first (log lists, CA certificates), then shared: any number of threads
 * may make and run checkers from it at once; it is not changed once the
 * first checker made from it has run (an add then fails). */
#ifndef CAGUARD_CAGUARD_H
#define CAGUARD_CAGUARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What libcaguard.so exports: the declarations below and nothing else (the
 * library is built with hidden visibility). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

typedef struct caguard_checker caguard_checker;
typedef struct caguard_finding caguard_finding;
typedef struct caguard_context caguard_context;

typedef enum { CAGUARD_ERROR = 0, CAGUARD_WARNING = 1, CAGUARD_NOTICE = 2 } caguard_severity;

typedef void (*caguard_finding_cb)(void *arg, const caguard_finding *finding);

caguard_checker *caguard_checker_new(void);
void caguard_checker_free(caguard_checker *checker);
/* Evaluation time for time-dependent rules (default: now). */
void caguard_checker_set_time(caguard_checker *checker, int64_t unix_seconds);
/* Whether the TLS BR certificate profile applies (the cert.* rules, and
 * crl.algorithm_invalid): on (1) by default; 0 turns it off for this
 * checker's later runs. */
void caguard_checker_set_br_profile(caguard_checker *checker, int on);
/* A Chrome v3 or Apple JSON log list; may be called more than once. */
int caguard_checker_add_loglist(caguard_checker *checker, const uint8_t *json, size_t len,
                                char *err, size_t errcap);
/* Objects: DER, or PEM with any number of blocks. name is how findings
 * refer to them (copied). */
int caguard_checker_add(caguard_checker *checker, const char *name, const uint8_t *data,
                        size_t len, char *err, size_t errcap);
/* A TBSCertificate not yet signed (DER): checked as the certificate it will
 * become. Its issuer is matched by Name and AKI/SKI only, there being no
 * signature to confirm it. */
int caguard_checker_add_tbs(caguard_checker *checker, const char *name, const uint8_t *tbs,
                            size_t len, char *err, size_t errcap);
/* Runs every rule over everything added; cb gets each finding. Returns the
 * number of error findings, or -1 when the run could not be made. Objects
 * stay added: a later run checks them again. */
long caguard_checker_run(caguard_checker *checker, caguard_finding_cb cb, void *arg);

caguard_context *caguard_context_new(void);
void caguard_context_free(caguard_context *ctx);
/* A Chrome v3 or Apple JSON log list; may be called more than once (the
 * first list that names a log wins). */
int caguard_context_add_loglist(caguard_context *ctx, const uint8_t *json, size_t len, char *err,
                                size_t errcap);
/* The CT log lists installed with caguard (Chrome's list of every log,
 * its signature verified under Google's key, and Apple's), or the newer
 * snapshot `caguard loglist update` wrote to the state directory, which
 * comes first. The snapshot is found as the caguard command finds it:
 * $CAGUARD_STATE_DIR, $STATE_DIRECTORY, /var/lib/caguard or the XDG state
 * directory, then $CAGUARD_DATA_DIR or the install's data directory
 * (docs/check.md, "Log lists"). Call it where caguard_context_add_loglist
 * would be called with the published lists; 0 with a message when no
 * snapshot can be read or its signature does not verify. */
int caguard_context_add_default_loglists(caguard_context *ctx, char *err, size_t errcap);
/* CA certificates (DER, or PEM with any number of blocks), each a CA
 * certificate (basicConstraints cA, or a Precertificate Signing
 * Certificate): the issuers SCT signatures, CT policies and CRLs are
 * checked against. Findings about them are not reported. */
int caguard_context_add_ca(caguard_context *ctx, const uint8_t *data, size_t len, char *err,
                           size_t errcap);
/* A checker whose runs use ctx's log lists and CA certificates (borrowed);
 * caguard_checker_add_loglist then fails: the lists are the context's. */
caguard_checker *caguard_checker_new_with_context(caguard_context *ctx);

const char *caguard_finding_rule(const caguard_finding *finding);      /* "ct.pair.tbs_mismatch" */
caguard_severity caguard_finding_severity(const caguard_finding *finding);
const char *caguard_finding_message(const caguard_finding *finding);
const char *caguard_finding_reference(const caguard_finding *finding); /* "" when none */
const char *caguard_finding_name(const caguard_finding *finding);      /* the object's name */
size_t caguard_finding_index(const caguard_finding *finding);          /* object in that buffer */
const char *caguard_finding_kind(const caguard_finding *finding);      /* "certificate", ... */
/* Lowercase hex SHA-256 of the object's DER, or NULL when undecodable. */
const char *caguard_finding_object(const caguard_finding *finding);
/* The element of the object the finding is about, as a dotted ASN.1 path
 * ("tbsCertificate.extensions.keyUsage"; what `check --format json` prints
 * as "field" and `caguard serve` as pkimetal's "Field"), or NULL when the
 * finding is about the whole object. */
const char *caguard_finding_field(const caguard_finding *finding);
/* A string member some rules add to their findings (docs/check.md,
 * --format; e.g. "milestone" on cert.validity_too_long, "requirement" on a
 * rule that checks more than one requirement about the same element), or
 * NULL. */
const char *caguard_finding_value(const caguard_finding *finding, const char *key);

const char *caguard_version(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
