/* The rule table and the per-run context that checks append findings to.
 * Rules never print and never do I/O: a finding goes to ctx->sink, which
 * the caller (the CLI, the store, a test) provides. */
#ifndef CAGUARD_RULES_RULES_H
#define CAGUARD_RULES_RULES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"
/* cg_hex, for the messages of every rule file: util/hex.h. */
#include "util/hex.h"
#include "x509/x509.h"

typedef enum { CG_SEV_ERROR = 0, CG_SEV_WARNING = 1, CG_SEV_NOTICE = 2 } cg_severity;

typedef enum {
#define CG_RULE(sym, id, sev, ref, eff, ends, desc, seed) sym,
#include "rules/rules.def"
#undef CG_RULE
    CG_RULE_COUNT
} cg_rule_id;

typedef struct cg_rule {
    const char *id;
    cg_severity severity;
    const char *reference;   /* "" when none */
    const char *description;
    const char *seed;        /* the seed failure it would have caught, or "" */
    uint32_t effective;      /* YYYYMMDD from which it is in force, 0 when always */
    uint32_t ends;           /* YYYYMMDD from which it is no longer in force, 0 when never */
} cg_rule;

const cg_rule *cg_rule_get(cg_rule_id rule);
/* 1 and *out when id names a rule. */
int cg_rule_lookup(const char *id, cg_rule_id *out);
const char *cg_severity_name(cg_severity sev);
/* A YYYYMMDD date of the rule table as seconds since the epoch (00:00:00Z),
 * and as "YYYY-MM-DD" (buf of at least 11 bytes). */
int64_t cg_rule_date_time(uint32_t yyyymmdd);
void cg_rule_date_format(uint32_t yyyymmdd, char *buf, size_t cap);
/* Which rules a run reports (check --include/--exclude/--min-severity):
 * skip gets CG_RULE_COUNT entries, 1 for a rule not reported. A pattern is
 * a rule ID or a prefix of whole parts ("ct.sct" or "ct.sct." for every
 * ct.sct.* rule); with any include, only the rules included are reported;
 * an exclude wins over an include; a rule less severe than min_sev is not
 * reported. Returns 1, or 0 with the pattern that names no rule in bad. */
int cg_rule_select(uint8_t *skip, const char *const *include, size_t n_include,
                   const char *const *exclude, size_t n_exclude, cg_severity min_sev,
                   const char **bad);
/* 1 when pattern (as cg_rule_select takes it) names the rule ID. */
int cg_rule_matches(const char *pattern, const char *id);
/* "error", "warning", "notice" to *sev; 0 for anything else. */
int cg_severity_parse(const char *name, cg_severity *sev);
/* Whether the rule applies to an object issued at time issued. */
int cg_rule_in_force(cg_rule_id rule, int64_t issued);

/* The object a finding is about. All pointers are borrowed. */
typedef struct cg_objref {
    const char *file;   /* as given on the command line */
    size_t index;       /* object number within the file, from 0 */
    size_t offset;      /* where its PEM block (or the DER file) starts */
    cg_kind kind;
    int has_hash;       /* 0 when the object could not be decoded */
    uint8_t sha256[32];
    cg_cbs issuer;      /* issuer Name element, empty when unknown */
    cg_cbs serial;      /* serialNumber INTEGER contents, empty when none */
    /* When the object was issued (cg_objref_set_issued): a finding of a rule
     * not in force at that time is not reported. has_issued 0: every rule
     * applies (objects without a date, incidents). */
    int has_issued;
    int64_t issued;
} cg_objref;

/* Extra typed fields of a finding (revocation.status has some). The key
 * "field" is the element of the object the finding is about, where the rule
 * knows it more precisely than its family does (cg_finding_field). */
typedef enum { CG_FIELD_STRING, CG_FIELD_BOOL, CG_FIELD_NULL } cg_field_type;
typedef struct cg_field {
    const char *key;
    cg_field_type type;
    const char *str;
    int boolean;
} cg_field;

typedef struct cg_finding {
    cg_rule_id rule;
    const cg_objref *obj;
    const char *message;
    const cg_field *fields;
    size_t n_fields;
    int64_t incident;   /* the incident the finding belongs to, 0 when none */
    /* A rule whose severity depends on the case (crl.unreachable: a warning,
     * an error once the CRL has expired) sets it here; 0: the rule's. */
    int has_severity;
    cg_severity severity;
} cg_finding;

/* The finding's severity: its own when it has one, else its rule's. Every
 * place that prints, counts or stores a finding's severity asks this. */
cg_severity cg_finding_severity(const cg_finding *f);
/* The element of the object a finding is about, as a dotted ASN.1 path
 * ("tbsCertificate.extensions.keyUsage", "...subjectAltName.dNSName"): the
 * finding's own "field" when the rule set one, else the path its rule family
 * speaks of (cg_rule_field), else NULL (a rule about the whole object). Every
 * place that shows a finding's field asks this: check's JSON "field",
 * serve's pkimetal "Field", caguard_finding_field. */
const char *cg_finding_field(const cg_finding *f);
/* The path a rule's family speaks of, by ID prefix; NULL when none. */
const char *cg_rule_field(cg_rule_id rule);
/* The string value of the finding's extra field key, or NULL. */
const char *cg_finding_value(const cg_finding *f, const char *key);

typedef void (*cg_sink_fn)(void *arg, const cg_finding *finding);

struct cg_loglist;
struct cg_keycache;
struct cg_sct_verifier;
struct evp_md_st;

/* The verdict on the last public key the profile rules judged (the small-
 * factor test costs microseconds; a precertificate and its certificate share
 * a key). */
typedef struct cg_key_memo {
    uint8_t key[600];
    size_t len; /* 0: empty */
    int64_t issued;
    int defect;
    char why[200];
} cg_key_memo;

/* Extension values the certificate profile found nothing to report on,
 * kept for the run (cert_memo.c): a CA's authorityInformationAccess,
 * certificatePolicies, cRLDistributionPoints and authorityKeyIdentifier are
 * byte-identical across the certificates it issues, and a precertificate
 * and its certificate carry the same subjectAltName, so their checks run
 * once a value (and a key of what else they read: the profile, the
 * issuance day). Only a verdict without a finding is kept; a value with one
 * is checked again each time. Bounded: CG_PROF_MEMO_SLOTS values a row, of
 * at most CG_PROF_MEMO_BYTES octets (subjectAltName's row:
 * CG_PROF_SAN_BYTES), the oldest replaced; a longer value is checked each
 * time. */
enum {
    CG_PROF_MEMO_ROWS = 5, /* cert_profile.h's CG_MEMO_*, subjectAltName last */
    CG_PROF_MEMO_SLOTS = 4,
    CG_PROF_MEMO_BYTES = 246,
    CG_PROF_SAN_BYTES = 1024
};
typedef struct cg_prof_memo {
    uint64_t key[CG_PROF_MEMO_ROWS][CG_PROF_MEMO_SLOTS];
    uint16_t len[CG_PROF_MEMO_ROWS][CG_PROF_MEMO_SLOTS]; /* 0: empty */
    uint8_t next[CG_PROF_MEMO_ROWS];                     /* the slot to replace */
    uint8_t ext[CG_PROF_MEMO_ROWS - 1][CG_PROF_MEMO_SLOTS][CG_PROF_MEMO_BYTES];
    uint8_t san[CG_PROF_MEMO_SLOTS][CG_PROF_SAN_BYTES];
} cg_prof_memo;

/* What a caller knows already of an object it hands to the engine,
 * because it walked and hashed the same bytes a moment before (the store's
 * ingest stores each object before checking it): cg_der_validate's verdict
 * on it (never CG_DER_MALFORMED), what it consumed, its error for
 * CG_DER_NONCANONICAL, and the SHA-256 of the consumed bytes. */
typedef struct cg_obj_known {
    cg_der_status st;
    size_t consumed;
    cg_der_error err;
    uint8_t sha256[32];
} cg_obj_known;

typedef struct cg_ctx {
    int64_t at;                        /* evaluation time, seconds since the epoch */
    cg_sink_fn sink;
    void *sink_arg;
    size_t count[3];                   /* findings by severity */
    const struct cg_loglist *loglist;  /* NULL when none was given */
    /* Called for every object that decoded, after its single-object rules
     * (the checker indexes objects here). cert or crl is set, by kind. */
    void (*on_object)(void *arg, const cg_objref *obj, const cg_cert *cert,
                      const cg_crl *crl);
    void *on_object_arg;
    /* Set when CRLs will also be held against the CAs among the inputs
     * (rules/crl_cross.h): single-CRL rules leave to that pass what depends
     * on the issuer (whether a CRL without IDP scope is a root's). */
    int crl_cross;
    /* Optional, borrowed, for a caller that checks many files against the
     * same CAs and logs (the store's ingest): decoded CA keys and log keys
     * kept from one checker to the next. NULL: each checker decodes its
     * own. The verifier must have been made for this ctx's loglist. */
    struct cg_keycache *keys;
    struct cg_sct_verifier *verifier;
    /* Optional, borrowed: SHA-256 fetched from OpenSSL's provider once
     * (EVP_MD_fetch), for a caller that checks again and again (a prepared
     * context's run); OpenSSL 3's SHA256() looks the algorithm up, under a
     * lock every thread takes, on each call. NULL: SHA256(). */
    const struct evp_md_st *sha256;
    /* Whether the TLS BR certificate profile applies (the cert.* rules of
     * rules/cert_profile.h, and crl.algorithm_invalid): 1 from cg_ctx_init,
     * 0 for a caller that opts out (--no-br-profile, a config's
     * br_profile = false, caguard_context_set_br_profile). */
    int br_profile;
    cg_key_memo key_memo;
    cg_prof_memo prof_memo;
    /* Reports asked for (cg_report and its kin), counted before the rule
     * selection (skip) and the rules' dates drop any: a check that asked
     * for none found nothing, whatever the run reports (prof_memo). */
    size_t reports_asked;
    /* Optional, borrowed: the rules not reported (skip[rule] != 0), from
     * --include/--exclude/--min-severity (cg_rule_select). NULL: all. */
    const uint8_t *skip;
    /* Set while objects checked before are given again for the cross-object
     * rules' sake (the store's objects related to an ingested file): each
     * is framed, hashed, parsed and handed to on_object, and none of its
     * single-object rules runs (their findings were recorded then). */
    int index_only;
    /* Optional: what the caller knows of the object at der (len bytes as
     * handed over), or NULL; the engine then neither validates nor hashes
     * it again. Only for bytes the caller holds unchanged since it learnt
     * it (der and len name them). */
    const cg_obj_known *(*known)(void *arg, const uint8_t *der, size_t len);
    void *known_arg;
} cg_ctx;

void cg_ctx_init(cg_ctx *ctx, int64_t at, cg_sink_fn sink, void *sink_arg);
/* SHA-256 of data with ctx's fetched digest (or SHA256()). Returns 1, or 0
 * when OpenSSL failed. */
int cg_ctx_sha256(const cg_ctx *ctx, const uint8_t *data, size_t len, uint8_t out[32]);

/* Appends a finding; the message is printf-formatted. */
void cg_report(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cg_report_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj,
                      const cg_field *fields, size_t n_fields, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A finding about one element of the object (cg_finding_field): field is
 * its dotted ASN.1 path, borrowed for the call. */
void cg_report_at(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A finding that breaks one named requirement of its rule: requirement is a
 * short code, stable per rule ("ocsp_missing", "no_bits"; JSON and
 * caguard_finding_value "requirement"), for a rule that checks more than
 * one thing about the same element; field as cg_report_at's, or NULL for
 * the rule family's path. Both borrowed for the call. */
void cg_report_req(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *field,
                   const char *requirement, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A finding about an incident (or one of its certificates): the incident's ID
 * goes with it (JSON field `incident`). */
void cg_report_incident(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, int64_t incident,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The issuance time of a certificate or precertificate: its notBefore, or
 * its earliest embedded SCT when that is earlier; of a CRL, its
 * thisUpdate. */
void cg_objref_set_issued_cert(cg_objref *obj, const cg_cert *cert);
void cg_objref_set_issued_crl(cg_objref *obj, const cg_crl *crl);

/* Single-object rule families (one file each under src/rules). */
void cg_check_cert_single(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert);
void cg_check_crl_single(cg_ctx *ctx, const cg_objref *obj, const cg_crl *crl);

/* Lowercase hex of an INTEGER's contents without redundant leading zero
 * octets (the serial as people write it). buf needs 2 * len + 1 bytes. */
void cg_serial_hex(const cg_cbs *serial, char *buf, size_t cap);

#endif
