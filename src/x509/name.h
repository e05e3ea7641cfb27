/* X.509 Name comparison (RFC 5280 §7.1), RFC 4514 rendering and
 * explanations of how two Names differ. A Name is always the raw DER
 * element (SEQUENCE OF RelativeDistinguishedName, tag and length included)
 * as a view into the caller's bytes; nothing here allocates or keeps a
 * pointer past the call.
 *
 * Parsing is strict DER through der/cbs.h, with fixed caps: a Name with
 * more than CG_NAME_MAX_AVAS attributes, a value longer than
 * CG_NAME_MAX_VALUE content bytes or an attribute type longer than
 * CG_NAME_MAX_OID content bytes (or a subidentifier over 63 bits) is
 * reported as not parseable. An empty SEQUENCE is a valid, empty Name; an
 * empty RDN SET is not. The order of AVAs inside a multi-valued RDN is not
 * checked here (cg_der_validate reports unsorted SET OF). */
#ifndef CAGUARD_X509_NAME_H
#define CAGUARD_X509_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"

#define CG_NAME_MAX_AVAS 64
#define CG_NAME_MAX_VALUE 1024
#define CG_NAME_MAX_OID 64

/* 1 when the two encodings are byte-identical (no parsing). */
int cg_name_bytes_equal(const cg_cbs *a, const cg_cbs *b);

/* RFC 5280 §7.1 equality: same RDN sequence, each RDN the same set of AVAs
 * in any order, values of PrintableString, UTF8String, TeletexString
 * (read as Latin-1), BMPString, UniversalString and IA5String compared
 * across string types after RFC 4518 preparation (caseIgnoreMatch: the §2.2
 * mapping, Unicode case folding with no locale's rules, NFKC, the §2.4
 * prohibited code points, insignificant spaces), by libunistring for values
 * that are not plain ASCII. Other values, string values that do not decode
 * and values holding a prohibited code point compare byte for byte.
 * *ok (may be NULL) is 0 when either input does not parse; 0 is returned. */
int cg_name_equal(const cg_cbs *a, const cg_cbs *b, int *ok);

/* Explains how a ("here", e.g. a CRL issuer) differs from b ("the other",
 * e.g. a CA subject), several findings joined by "; ". "attribute N" is the
 * 1-based position of the AVA in a's encoding, "RDN N" that of the RDN.
 * Output longer than cap is cut on a character boundary and ends in "...";
 * buf is NUL-terminated whenever cap > 0. Returns 1 when the names differ
 * in any way, 0 (buf empty) when they are byte-identical or do not parse. */
int cg_name_explain(const cg_cbs *a, const cg_cbs *b, char *buf, size_t cap);

/* RFC 4514 string, most specific RDN first ("CN=x,O=y,C=z"), multi-valued
 * RDNs joined by '+' in encoded order. Registered short names are used,
 * anything else is a dotted OID with a #hex value; values that are not
 * strings, or do not decode, are #hex of their DER element. Returns 1 on
 * success, 0 (buf empty when cap > 0) if the name does not parse or the
 * string does not fit. */
int cg_name_to_string(const cg_cbs *name, char *buf, size_t cap);

/* The same string for people: a name too long for buf (cap >= 48) is cut
 * after a whole character or escape and ends in "...[cut, N-byte name]", so
 * it is shown, never dropped, and never passes for a whole name. Returns 0
 * (buf empty) only when the name does not parse. */
int cg_name_to_display(const cg_cbs *name, char *buf, size_t cap);

/* FNV-1a 64 over the raw encoding: an index key for byte-identical names.
 * Semantically equal names with different encodings hash differently, so
 * a lookup that must find those has to fall back to cg_name_equal. */
uint64_t cg_name_hash_bytes(const cg_cbs *name);

/* A 64-bit key that names equal under cg_name_equal share, whatever their
 * encodings (string types, case, Unicode normalisation, insignificant
 * spaces, AVA order within an RDN): the hash of the RFC 4518 prepared
 * values, an index key for finding a CA by the Name a certificate or CRL
 * gives as its issuer. Different names may collide; confirm with
 * cg_name_equal. A Name that does not parse gets cg_name_hash_bytes. The
 * key depends on the Unicode version of libunistring: keep it in memory,
 * never in a store. */
uint64_t cg_name_hash_equal(const cg_cbs *name);

#endif
