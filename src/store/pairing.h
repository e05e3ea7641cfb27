/* Pairing an incident's certificates with their partners in the store: a
 * final certificate listed without its precertificate (or the other way
 * round) gets the partner's SHA-256 when exactly one stored object of the
 * other kind has the same issuer Name bytes and serial. With two or more
 * candidates nothing is paired: the pairing rules say which belongs. */
#ifndef CAGUARD_STORE_PAIRING_H
#define CAGUARD_STORE_PAIRING_H

#include "incident/incident.h"
#include "store/store.h"

/* Returns 0 on a store error (cg_store_errmsg). Certificates not stored as
 * objects are left as they are. */
int cg_store_incident_pair_certs(cg_store *st, cg_incident *inc);

#endif
