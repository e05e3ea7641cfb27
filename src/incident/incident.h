/* Incidents as data: what a CA's compliance team records about a problem
 * (kind, when it was reported, the certificates involved, the events of its
 * handling) and what caguard learns by itself (when each certificate was
 * first seen revoked on a CRL, and with which reason). Pure data here: the
 * store persists it, src/incident/ evaluates deadlines and writes reports. */
#ifndef CAGUARD_INCIDENT_INCIDENT_H
#define CAGUARD_INCIDENT_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CG_EVENT_PRELIMINARY_REPORT = 0,
    CG_EVENT_FULL_REPORT = 1,
    CG_EVENT_UPDATE = 2,
    CG_EVENT_QUESTION = 3,
    CG_EVENT_RESPONSE = 4,
    CG_EVENT_CLOSURE = 5,
    CG_EVENT_TYPE_COUNT
} cg_event_type;

typedef enum { CG_SOURCE_SELF = 0, CG_SOURCE_THIRD_PARTY = 1, CG_SOURCE_AUDIT = 2 } cg_source;

typedef struct cg_incident_event {
    int64_t id;
    cg_event_type type;
    int64_t at;          /* seconds since the epoch */
    char *note;          /* owned, may be NULL */
} cg_incident_event;

/* A certificate (or precertificate) affected by an incident. */
typedef struct cg_incident_cert {
    uint8_t sha256[32];       /* of the object as stored */
    int is_precert;
    int has_precert_sha;      /* the precertificate of a final certificate, if known */
    uint8_t precert_sha256[32];
    int has_cert_sha;         /* the final certificate of a precertificate, if known */
    uint8_t cert_sha256[32];
    char *serial_hex;         /* owned, lowercase */
    char *issuer;             /* owned, RFC 4514 */
    char *subject;            /* owned, RFC 4514 */
    char *dns_names;          /* owned, comma-separated, may be "" */
    int64_t not_before, not_after;
    /* Revocation as caguard observed it on CRLs: */
    int revoked;              /* seen on a CRL of its issuer */
    int64_t revocation_date;  /* the CRL entry's revocationDate */
    int64_t published_at;     /* when caguard first saw that entry on a CRL */
    int reason;               /* CRL reasonCode, -1 when the entry has none */
    /* What it is, from its policy OIDs and extensions (CG_CERT_TYPE_*): read
     * from the certificate, never stored; 0 when it was not read. */
    unsigned types;
} cg_incident_cert;

/* Affected certificate types (the CCADB's "Affected certificate types"):
 * the CA/Browser Forum reserved policy OIDs a certificate carries. */
enum {
    CG_CERT_TYPE_DV = 1,    /* 2.23.140.1.2.1 */
    CG_CERT_TYPE_OV = 2,    /* 2.23.140.1.2.2 */
    CG_CERT_TYPE_IV = 4,    /* 2.23.140.1.2.3 */
    CG_CERT_TYPE_EV = 8,    /* 2.23.140.1.1 */
    CG_CERT_TYPE_SMIME = 16, /* 2.23.140.1.5.* */
    CG_CERT_TYPE_SERVER_AUTH = 32, /* extKeyUsage id-kp-serverAuth */
    CG_CERT_TYPE_READ = 64  /* the certificate was read (set with any of the above, or alone) */
};

typedef struct cg_incident {
    int64_t id;
    char *kind;               /* owned: one of the cg_incident_kind names */
    char *title;              /* owned, may be NULL */
    cg_source source;
    int64_t reported_at;      /* the certificate problem report's receipt */
    int64_t next_update_at;   /* a next-update date set by the CA, 0 when none */
    cg_incident_event *events; /* owned, in time order */
    size_t n_events;
    cg_incident_cert *certs;  /* owned */
    size_t n_certs;
    char **rules;             /* owned: the defect (public rule IDs), its scope */
    size_t n_rules;
} cg_incident;

/* Frees what an incident owns (not the struct itself); accepts NULL. */
void cg_incident_clear(cg_incident *inc);

/* One certificate as the CCADB counts it: an issuer and a serial number.
 * A precertificate and its final certificate are one; so are two objects
 * for one serial (the serial is what a CRL revokes). Objects without an
 * issuer or serial are paired by their SHA-256 links, else alone. */
typedef struct cg_incident_unit {
    const cg_incident_cert *cert;    /* the (first) final certificate, or NULL */
    const cg_incident_cert *precert; /* the (first) precertificate, or NULL */
    size_t n_objects;                /* of inc->certs in this unit (1 or more) */
} cg_incident_unit;

/* The certificates of inc by issuer and serial, in the order their first
 * object appears in inc->certs: *units (the caller frees it; NULL when
 * there are none) gets *n entries. 0 when out of memory. */
int cg_incident_units(const cg_incident *inc, cg_incident_unit **units, size_t *n);

/* The unit's certificate when listed, else its precertificate. */
const cg_incident_cert *cg_incident_unit_main(const cg_incident_unit *u);

#endif
