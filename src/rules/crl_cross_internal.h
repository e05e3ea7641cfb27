/* What the files of the CRL cross-checks share (crl_cross.h is their
 * face): the pass 1 records, a scope, a CRL read again, and the functions
 * one file calls in another. Private to src/rules/crl_cross*.c.
 *
 *   crl_cross.c          pass 1 records (certificates, CRLs, interned
 *                        Names and distribution points); pass 2: CRLs by
 *                        scope in thisUpdate order, each read again
 *   crl_cross_ca.c       a CRL against its CA: the signature, the issuing
 *                        CA found and confirmed, issuer Name and AKI
 *   crl_cross_covered.c  a CRL against the certificates it covers: scopes,
 *                        distribution points, revocation.status
 *   crl_cross_time.c     CRLs over time: the entries streamed once, the
 *                        cRLNumber sequence, serials dropped, backdating
 *   crl_cross_text.c     how certificates, CAs, Names and URIs are named in
 *                        findings
 *
 * Words used. A CRL's scope is its issuer Name bytes, its
 * issuingDistributionPoint extnValue bytes (or no IDP) and whether it is a
 * delta CRL: CRLs of one scope replace each other, so their numbers and
 * entries are compared, in thisUpdate order (for delta CRLs, which list
 * only changes, the numbers alone). A certificate is covered by a CRL when
 * its issuer Name equals the CRL's issuer under RFC 5280 §7.1, the IDP's
 * onlyContainsUserCerts / onlyContainsCACerts admit it, and, when the IDP
 * names URIs (a partitioned CRL), one of the certificate's CRL distribution
 * point URIs is one of them byte for byte or is the same URL written
 * differently (then crl.idp_uri_mismatch says so: RFC 5280 §6.3.3 relying
 * parties compare the names exactly and will not take this CRL for the
 * certificate).
 *
 * Memory: pass 1 keeps about 160 bytes a certificate and 110 a CRL; pass 2
 * holds two CRLs of one scope at a time (held_crl), never the run's. */
#ifndef CAGUARD_RULES_CRL_CROSS_INTERNAL_H
#define CAGUARD_RULES_CRL_CROSS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "der/pem.h"
#include "rules/crl_cross.h"
#include "rules/crl_util.h"

#define NONE UINT32_MAX
/* Serials longer than this (already an error on the certificate) are not
 * looked up; cRLNumbers longer than NUMBER_MAX (ditto) are not compared. */
#define SERIAL_MAX 24
#define NUMBER_MAX 21
/* Per CRL and rule, findings reported one by one before a summary. */
#define REPORT_MAX 10
/* URIs longer than this are compared byte for byte only. */
#define URI_NORM_MAX 1024
/* Longest message, below what cg_report keeps. */
#define MESSAGE_MAX 1000

/* ---- pass 1 records ---- */

/* One certificate's outcome on one CRL, one scope, or all CRLs given. */
typedef struct verdict {
    int64_t at;     /* revocationDate when listed */
    uint32_t crl;   /* index into crls; NONE: no complete CRL decided */
    int16_t reason; /* reasonCode, -1 when absent */
    uint8_t listed;
} verdict;

/* Why a certificate whose issuer has a CRL among the inputs is not covered. */
enum {
    EXCL_NONE,
    EXCL_SELF_ISSUED,
    EXCL_ONLY_USER,
    EXCL_ONLY_CA,
    EXCL_OTHER_DP,
    EXCL_NO_DP,
    EXCL_LONG_SERIAL,
};

typedef struct xcert {
    const char *file;
    uint64_t offset;
    uint32_t file_no, index;
    uint32_t issuer; /* id in names */
    uint32_t crldp;  /* id in dps, NONE without the extension */
    int64_t not_after;
    uint8_t sha256[32];
    uint8_t serial[SERIAL_MAX];
    uint8_t serial_len; /* 0 when longer than SERIAL_MAX */
    uint8_t kind, is_ca, self_issued;
    /* pass 2 */
    uint8_t listed_prev;    /* on the last complete CRL of the current scope */
    uint8_t excluded;       /* EXCL_*, the last reason a CRL of its issuer left it out */
    uint32_t issuer_scopes; /* scopes whose issuer is its issuer */
    verdict cur, scope, final;
} xcert;

typedef struct xcrl {
    const char *file;
    uint64_t offset;
    uint32_t file_no, index;
    uint8_t sha256[32];
    uint64_t issuer_hash, idp_hash;
    int64_t this_update;
    uint8_t has_idp;
    uint8_t is_delta;   /* deltaCRLIndicator: lists changes, so its silence says nothing */
    uint8_t span;       /* cg_crl_span */
    uint8_t number_len; /* 0: no cRLNumber that can be compared */
    uint8_t number[NUMBER_MAX];
    uint8_t verified; /* pass 2: the signature verified under a CA among the inputs */
} xcrl;

/* Distinct byte strings (certificates' issuer Names and CRL distribution
 * points: a run of a million certificates has a handful of each). */
typedef struct istr {
    size_t off, len;
    uint64_t hash;
} istr;

typedef struct intern {
    uint8_t *bytes;
    size_t used, room;
    istr *items;
    size_t n, room_items;
    uint32_t *slots; /* id + 1, 0 when empty; a power of two long */
    size_t n_slots;
} intern;

/* What pass 2 knows of a CA certificate. */
typedef struct ca_info {
    cg_cbs ski;
    int has_ski;
    const xcert *rec; /* its record, for naming it */
    int root;         /* self-signed: 1, 0, or -1 not asked yet */
} ca_info;

struct cg_crl_cross {
    cg_ctx *ctx;
    cg_reload_fn reload;
    cg_release_fn release;
    void *arg;
    xcert *certs;
    size_t n_certs, room_certs;
    xcrl *crls;
    size_t n_crls, room_crls;
    intern names, dps;
    /* pass 2 */
    const cg_crl_ca *cas;
    size_t n_cas;
    ca_info *info;
};

/* ---- a scope and a CRL read again ---- */

enum { NAME_UNSET, NAME_OTHER, NAME_BYTES, NAME_EQUAL };
enum { DP_UNSET, DP_NONE, DP_EXACT, DP_NEAR };

typedef struct scope {
    uint8_t *issuer; /* copies, so the scope outlives its first CRL */
    size_t issuer_len;
    uint8_t *idp;
    size_t idp_len;
    int has_idp;
    int only_user, only_ca;
    cg_cbs uris;     /* IDP fullName GeneralNames (in idp), empty when none */
    int partitioned; /* the IDP names at least one URI */
    xcert **covered; /* sorted by serial */
    size_t n_covered;
    uint8_t *name_rel;             /* NAME_* by issuer Name id */
    uint8_t *dp_rel;               /* DP_* by CRLDP id */
    uint32_t *name_n, *name_first; /* covered certificates by issuer Name id */
    uint32_t *dp_n, *dp_first;     /* covered certificates by CRLDP id */
} scope;

typedef struct held_crl {
    xcrl *rec;
    size_t rec_no;
    const uint8_t *file; /* from reload, until release */
    cg_input in;
    int have_file, have_in;
    uint8_t *copy; /* own copy of the DER when it must outlive the file */
    cg_crl crl;
    cg_objref ref;
    cg_crl_serial_set set;
    int have_set;
    int complete; /* every entry parsed */
} held_crl;

/* ---- crl_cross.c ---- */

/* The bytes of an interned string. */
cg_cbs cg_xc_intern_get(const intern *t, uint32_t id);
/* Serials (INTEGER contents) in numeric order: shorter first. */
int cg_xc_cmp_serial(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* A malloc'd copy of v's bytes (one byte for an empty v); NULL without memory. */
uint8_t *cg_xc_dup_bytes(const cg_cbs *v);

/* ---- crl_cross_text.c: names in findings, cut on a character boundary ---- */

/* snprintf that cuts on a character boundary. */
void cg_xc_put_text(char *buf, size_t cap, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
void cg_xc_hex_text(const cg_cbs *v, char *buf, size_t cap);
void cg_xc_name_text(const cg_cbs *name, char *buf, size_t cap);
void cg_xc_uri_text(const cg_cbs *uri, char *buf, size_t cap);
void cg_xc_cert_text(const xcert *c, char *buf, size_t cap);
void cg_xc_ca_text(const cg_crl_cross *xc, size_t ca, char *buf, size_t cap);
/* A finding whose message stays within what cg_report keeps (and so stays
 * valid UTF-8 in JSON), with its extra fields. */
void cg_xc_say_fields(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const cg_field *fields,
                      size_t n_fields, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define cg_xc_say(ctx, rule, obj, ...) cg_xc_say_fields(ctx, rule, obj, NULL, 0, __VA_ARGS__)
/* cg_name_explain with "the other name" spelled out as other. */
void cg_xc_explain(const cg_cbs *here, const cg_cbs *there, const char *other, char *buf,
                   size_t cap);

/* ---- crl_cross_ca.c ---- */

/* What pass 2 knows of the CAs among the inputs (their SKI, their record). */
void cg_xc_ca_prepare(cg_crl_cross *xc, const cg_crl_ca *cas, size_t n_cas);
/* The CRL against its CA: signature, issuer Name, AKI, nextUpdate limit.
 * Returns the subject of the CA when a finding on the issuer Name's
 * encoding already speaks for the certificates that carry it, else NULL. */
const cg_cbs *cg_xc_check_issuer(cg_crl_cross *xc, const scope *sc, held_crl *h);

/* ---- crl_cross_covered.c ---- */

/* Opens the scope of crl: which certificates among the inputs it covers.
 * 0 when memory runs out. */
int cg_xc_scope_open(cg_crl_cross *xc, scope *sc, const cg_crl *crl);
void cg_xc_scope_close(scope *sc);
/* Whether crl is of the open scope (its key may collide with another's). */
int cg_xc_scope_same(const scope *sc, const cg_crl *crl);
/* Marks the covered certificates with the entry's serial as listed. */
void cg_xc_mark_listed(const scope *sc, const cg_crl_entry *e);
/* The CRL against the certificates it covers: issuer Name encodings and
 * distribution point URIs; folded as cg_xc_check_issuer returned it. */
void cg_xc_check_covered(cg_crl_cross *xc, const scope *sc, held_crl *h, const cg_cbs *folded);
/* One revocation.status finding per certificate. */
void cg_xc_status_findings(cg_crl_cross *xc);

/* ---- crl_cross_time.c ---- */

/* cRLNumbers in numeric order. */
int cg_xc_cmp_number(const xcrl *a, const xcrl *b);
/* Streams the entries once: listed covered certificates, revocations dated
 * before the previous CRL of the scope that did not list them, and (with
 * build_set) the serial set the next CRL of the scope will need. */
void cg_xc_stream_entries(cg_crl_cross *xc, const scope *sc, held_crl *h, held_crl *prev,
                          int build_set);
/* The CRL against the one before it in its scope: cRLNumber order and
 * serials of certificates among the inputs dropped before they expire. */
void cg_xc_check_sequence(cg_crl_cross *xc, const scope *sc, held_crl *h, const held_crl *prev);
/* What this CRL says of each covered certificate becomes the scope's word. */
void cg_xc_commit(const scope *sc, const held_crl *h);
/* The scope's word joins the certificates' final verdict. */
void cg_xc_merge_scope(cg_crl_cross *xc, const scope *sc);

#endif
