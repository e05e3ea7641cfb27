/* The TLS BR certificate profile (TLS BRs §6.1.5-6.1.7, §6.3.2, §7.1; RFC 5280
 * §4.1-4.2), shared by its rule files: cert_profile.c (the fields, the
 * profile a certificate falls under, extension presence and criticality),
 * cert_exts.c (basicConstraints, keyUsage, extKeyUsage, certificatePolicies,
 * AIA, CRL distribution points, AKI, SKI), cert_names.c (subjectAltName and
 * the subject commonName) and cert_keys.c (AlgorithmIdentifiers and keys;
 * its RSA small-factor test in rsa_factor.c).
 *
 * A certificate is decoded once into a cg_profile (views into its DER, no
 * allocation); each family reads what it needs. Parts of a rule that took
 * effect later than the rule itself (its date in rules.def) are judged here
 * against the object's issuance time. */
#ifndef CAGUARD_RULES_CERT_PROFILE_H
#define CAGUARD_RULES_CERT_PROFILE_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "rules/rules.h"
#include "x509/oid.h"

typedef enum {
    CG_PROF_SUBSCRIBER = 0, /* not a CA: TLS BRs §7.1.2.7 (precertificates: §7.1.2.9) */
    CG_PROF_ROOT,           /* cA, subject and issuer byte-identical: §7.1.2.1 */
    CG_PROF_SUBCA,          /* any other cA: §7.1.2.2-7.1.2.6 */
    CG_PROF_OCSP            /* not a CA, extKeyUsage id-kp-OCSPSigning alone: §7.1.2.8 */
} cg_prof_kind;

enum { CG_KEY_OTHER = 0, CG_KEY_RSA, CG_KEY_EC };

/* The extensions the profile names, by position in cert->ext (-1: absent). */
typedef struct cg_prof_exts {
    int bc, ku, eku, san, cp, aia, crldp, aki, ski, nc;
} cg_prof_exts;

typedef struct cg_profile {
    const cg_cert *cert;
    const cg_objref *obj;
    cg_prof_kind kind;
    int64_t issued;    /* issuance time (cg_objref_set_issued_cert) */
    uint32_t issued_ymd; /* its UTC date as YYYYMMDD, for cg_prof_since */
    /* From ce_set up to key_alg: cleared before a certificate is decoded
     * (decode); key_alg and key_bits set by decode_key; x and ce, which
     * ext_indexes writes whole (ce up to cert->n_ext), last, not cleared. */
    /* the id-ce extensions below 64 present, a bit each (bit x for 55 1d x);
     * ce_repeated: one of them, AIA, the SCT list or the poison twice;
     * n_other: the extensions outside that set other than AIA, the SCT
     * list and the poison (most certificates:
     * none), so a table walk over the extensions can tell at once that no
     * entry of its table is there (cg_prof_table_skip) */
    uint64_t ce_set;
    int ce_repeated;
    size_t n_other;
    /* basicConstraints, decoded when x.bc >= 0 and bc_ok */
    int bc_ok, bc_ca, bc_has_pathlen, bc_pathlen_negative;
    /* keyUsage bits (bit 0 = digitalSignature), decoded when ku_ok: one
     * BIT STRING, its contents ku_octets long (the unused-bits octet
     * included), ku_trailing_zero when it ends with a zero bit */
    int ku_ok, ku_trailing_zero;
    unsigned ku_bits;
    size_t ku_octets;
    /* extKeyUsage purposes seen (eku_forbidden: codeSigning, emailProtection or
     * timeStamping; eku_unknown: purposes none of these flags names;
     * eku_beyond: purposes other than serverAuth, clientAuth, emailProtection) */
    int eku_ok, eku_server, eku_client, eku_any, eku_ocsp, eku_precert, eku_forbidden, eku_email;
    size_t eku_count, eku_unknown, eku_beyond;
    /* subject Name is an empty SEQUENCE */
    int subject_empty;
    /* the key */
    int key_type;       /* CG_KEY_* */
    cg_cbs key_alg;     /* SubjectPublicKeyInfo AlgorithmIdentifier element */
    cg_cbs key_bits;    /* subjectPublicKey BIT STRING contents without the unused-bits octet */
    cg_prof_exts x;
    /* per extension, the third octet of its OID when it is id-ce (2.5.29.x,
     * contents 55 1d x), else -1: one octet tells most extensions apart */
    int16_t ce[CG_MAX_EXTENSIONS];
} cg_profile;

/* Every profile rule on one certificate or precertificate (or a bare
 * TBSCertificate the API wrapped as one). */
void cg_check_cert_profile(cg_ctx *ctx, const cg_objref *obj, const cg_cert *cert);

/* The families (cert_exts.c, cert_names.c, cert_keys.c). */
void cg_prof_check_exts(cg_ctx *ctx, const cg_profile *p);
void cg_prof_check_names(cg_ctx *ctx, const cg_profile *p);
void cg_prof_check_keys(cg_ctx *ctx, const cg_profile *p);

/* Reports the defects of a signature AlgorithmIdentifier element (TLS BRs
 * §7.1.3.2) under rule, each "<what> is ..." with its requirement
 * (cg_report_req: "sha1", "hash_not_allowed", "rsa_params_not_null",
 * "ecdsa_params_present", ...), for an object issued at issued; returns 1
 * when there was one. sha1_ok: SHA-1 stays allowed (a root's self-signature,
 * a CRL). The CRL rules use it too (crl.algorithm_invalid). */
int cg_sig_alg_report(cg_ctx *ctx, cg_rule_id rule, const cg_objref *obj, const char *what,
                      const cg_cbs *elem, int64_t issued, int sha1_ok);

/* The smallest odd prime below 752 that divides the big-endian unsigned
 * integer m of n bytes (at most 512 once its leading zero octets are
 * skipped, as a DER INTEGER's content has one before a top bit set), or 0
 * (TLS BRs §6.1.6: an RSA modulus has no such factor). rsa_factor.c. */
unsigned cg_rsa_small_factor(const uint8_t *m, size_t n);
/* The ways it can take: 64-bit multiplications (any processor), AVX2, or
 * AVX-512 IFMA; cg_rsa_small_factor takes the last that runs here. */
typedef enum { CG_RSA_FACTOR_64, CG_RSA_FACTOR_AVX2, CG_RSA_FACTOR_IFMA } cg_rsa_factor_way;
/* The same by that way when it runs here, else by the 64-bit way: for the
 * tests, which hold every way to OpenSSL's answer. */
unsigned cg_rsa_small_factor_how(const uint8_t *m, size_t n, cg_rsa_factor_way way);
/* Whether the way runs here: built for x86-64 and the processor has its
 * extensions (asked at run time: AVX2; AVX-512 F, DQ and IFMA). */
int cg_rsa_small_factor_runs(cg_rsa_factor_way way);

/* Helpers the families share (cert_profile.c). */
/* Whether the object was issued on or after the YYYYMMDD date (00:00:00
 * UTC): its issuance date, computed once, compared as a number. */
static inline int cg_prof_since(const cg_profile *p, uint32_t yyyymmdd)
{
    return p->issued_ymd >= yyyymmdd;
}
/* cg_oid_equal inline: with len a constant the comparison is a load or
 * two, not three calls (cg_oid_equal, cg_cbs_mem_equal, memcmp). */
static inline int cg_prof_oid_is(const cg_cbs *oid, const uint8_t *der, size_t len)
{
    return oid->len == len && memcmp(oid->data, der, len) == 0;
}
/* Whether extension i's OID is the contents oid[0..len): an id-ce OID (55 1d
 * x) by p->ce alone, any other by its bytes. */
static inline int cg_prof_ext_is(const cg_profile *p, size_t i, const uint8_t *oid, size_t len)
{
    if (len == 3 && oid[0] == 0x55 && oid[1] == 0x1d)
        return p->ce[i] == oid[2];
    return p->ce[i] < 0 && cg_prof_oid_is(&p->cert->ext[i].oid, oid, len);
}
/* A table's id-ce OIDs as a set of bits (bit x for 55 1d x, x < 64; 0 for
 * any other OID), and whether extension i is an id-ce extension below 64
 * outside such a set, which no entry of the table can match: a table walk
 * over the extensions skips most of them by one test. */
static inline uint64_t cg_prof_ce_bit(const uint8_t *oid, size_t len)
{
    return len == 3 && oid[0] == 0x55 && oid[1] == 0x1d && oid[2] < 64 ? UINT64_C(1) << oid[2] : 0;
}
static inline int cg_prof_ce_skip(const cg_profile *p, size_t i, uint64_t set)
{
    return p->ce[i] >= 0 && p->ce[i] < 64 && ((set >> p->ce[i]) & 1) == 0;
}
/* An OID of a table the families walk over the extensions with (its
 * contents, at most 8 octets): the first member of each entry. */
typedef struct cg_prof_oid {
    uint8_t oid[8];
    size_t len;
} cg_prof_oid;
/* The id-ce OIDs (cg_prof_ce_bit) of a table of n entries, stride octets
 * apart, each beginning with a cg_prof_oid: computed once into *memo (0:
 * not yet; a table with none is walked each time), not a walk over the
 * table every certificate. cert_profile.c. */
uint64_t cg_prof_table_set(_Atomic uint64_t *memo, const void *table, size_t n, size_t stride);
/* Whether a table whose id-ce OIDs are the set (cg_prof_ce_bit) and whose
 * other OIDs are none of AIA, the SCT list and the poison can match no
 * extension of the certificate: the common case, told by two tests before
 * any walk. */
static inline int cg_prof_table_skip(const cg_profile *p, uint64_t set)
{
    return (p->ce_set & set) == 0 && p->n_other == 0;
}
/* Whether the n octets at s are the lower-case ASCII text lit (n octets)
 * in any case: strncasecmp's verdict where neither holds a NUL, without the
 * library call (most names differ in their first octet). */
static inline int cg_prof_ieq(const uint8_t *s, const char *lit, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t c = s[k] >= 'A' && s[k] <= 'Z' ? (uint8_t)(s[k] + 32) : s[k];
        if (c != (uint8_t)lit[k])
            return 0;
    }
    return 1;
}
/* The profile's name in messages (inline: most checks name it before they
 * know whether there is a finding). */
static inline const char *cg_prof_kind_name(const cg_profile *p)
{
    switch (p->kind) {
    case CG_PROF_ROOT:
        return "root CA certificate";
    case CG_PROF_SUBCA:
        return "subordinate CA certificate";
    case CG_PROF_OCSP:
        return "OCSP responder certificate";
    default:
        return p->cert->is_precert ? "precertificate" : "subscriber certificate";
    }
}
/* The rows of cg_ctx.prof_memo (cert_memo.c), one an extension whose
 * clean verdict is kept for a byte-identical value. */
enum { CG_MEMO_CP, CG_MEMO_AIA, CG_MEMO_CRLDP, CG_MEMO_AKI, CG_MEMO_SAN };
/* Whether the run found the value of extension e (p's) clean before in
 * row, with what else the row's checks read of p the same (memcmp of the
 * value decides, never a hash). */
int cg_prof_memo_seen(cg_ctx *ctx, const cg_profile *p, int row, const cg_ext *e);
/* Keeps e's value (e may be NULL: nothing) as clean in row when no report
 * was asked for since ctx->reports_asked was asked, and it fits. */
void cg_prof_memo_keep(cg_ctx *ctx, const cg_profile *p, int row, const cg_ext *e, size_t asked);
/* Why the host name s (n octets, perhaps with the root's trailing dot) is
 * an Internal Name on the day p was issued (TLS BRs §1.6.1), as a phrase
 * ("is an Internal Name ...", in buf when it needs dates), or NULL: one
 * label, an all-digit TLD, a TLD set aside for private use, or a TLD not in
 * the DNS root zone that day (cert_names.c). */
const char *cg_prof_host_internal(const cg_profile *p, const uint8_t *s, size_t n, char *buf,
                                  size_t cap);
/* The host of a URI with an authority ("scheme://[userinfo@]host[:port]
 * [/?#...]", RFC 3986 §3.2): after the last '@' of the authority, up to the
 * port's ':'. 1 and *host (a view into uri) when it is a name; 0 when there
 * is no authority or no host, or the host is an IP literal (IPv4 digits and
 * dots, or a bracketed IPv6 or future literal). cert_exts.c. */
int cg_prof_uri_host(const cg_cbs *uri, cg_cbs *host);

#endif
