/* The certificates of an incident, read from the files a person names
 * (`caguard incident open --kind KIND FILE...`): each certificate or
 * precertificate becomes a cg_incident_cert (SHA-256, serial, issuer and
 * subject as RFC 4514, dNSNames, validity). Pure: the caller reads files. */
#ifndef CAGUARD_INCIDENT_CERTS_H
#define CAGUARD_INCIDENT_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "incident/incident.h"

/* Appends to inc->certs every object of one file (PEM with any number of
 * blocks, or DER) that is a certificate or precertificate; a certificate
 * already in inc (same SHA-256) is not added twice. Returns 1, or 0 with a
 * message in err (and inc as it was) when the file does not frame, an
 * object does not parse, or an object is not a certificate (a CRL). */
int cg_incident_add_certs(cg_incident *inc, const char *name, const uint8_t *data, size_t len,
                          char *err, size_t errcap);

/* The CG_CERT_TYPE_* bits of a parsed certificate (CG_CERT_TYPE_READ
 * always set). */
struct cg_cert;
unsigned cg_incident_cert_types(const struct cg_cert *cert);

/* Pairs precertificates with their final certificates among inc->certs
 * (same issuer and serial): sets has_cert_sha/cert_sha256 on the
 * precertificate and has_precert_sha/precert_sha256 on the certificate.
 * With two or more candidates for one serial nothing is paired: the
 * store's pairing rules say which one belongs. */
void cg_incident_pair_certs(cg_incident *inc);

#endif
