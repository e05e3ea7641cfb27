/* CT log entries as logs serve them: the RFC 6962 §3.4 MerkleTreeLeaf and
 * its TimestampedEntry, the extra_data of get-entries (§4.6), and the
 * TileLeaf of static-ct-api data tiles (c2sp.org/static-ct-api), with the
 * leaf_index SCT extension static-ct-api logs add.
 *
 * Readers fill views (cg_cbs into the caller's bytes, nothing allocated)
 * and say in a cg_der_error where they stopped; offsets count from the
 * start of the structure given. Writers use a fixed cg_cbb.
 *
 * The signed data of an SCT (§3.2) and a MerkleTreeLeaf have the same
 * bytes: version 0 | type 0 (certificate_timestamp / timestamped_entry) |
 * TimestampedEntry. So an SCT is a signature over the leaf, and the leaf
 * hash of an entry is SHA-256(0x00 || 0x00 0x00 || TimestampedEntry). */
#ifndef CAGUARD_CT_LEAF_H
#define CAGUARD_CT_LEAF_H

#include <stddef.h>
#include <stdint.h>

#include "ct/merkle.h"
#include "der/cbs.h"

#define CG_CT_X509_ENTRY 0
#define CG_CT_PRECERT_ENTRY 1

/* static-ct-api: ExtensionType leaf_index(0), a 40-bit big-endian index;
 * a CtExtensions holding only it is 8 bytes. */
#define CG_CT_EXT_LEAF_INDEX 0
#define CG_CT_LEAF_INDEX_EXT_LEN 8
#define CG_CT_MAX_LEAF_INDEX ((uint64_t)0xffffffffff)

/* One TimestampedEntry. */
typedef struct cg_ct_entry {
    cg_cbs raw;             /* the whole TimestampedEntry */
    uint64_t timestamp;     /* milliseconds since the epoch */
    uint16_t entry_type;    /* CG_CT_X509_ENTRY or CG_CT_PRECERT_ENTRY */
    cg_cbs cert;            /* x509_entry: the certificate's DER */
    cg_cbs issuer_key_hash; /* precert_entry: 32 bytes */
    cg_cbs tbs;             /* precert_entry: the TBSCertificate's DER */
    cg_cbs extensions;      /* CtExtensions contents (may be empty) */
} cg_ct_entry;

/* Reads one TimestampedEntry from the front of *in and advances it. An
 * entry type other than x509 or precert cannot be read past (its body has
 * no known length): 0 with err saying so. base is where offsets count from. */
int cg_ct_entry_read(cg_cbs *in, cg_ct_entry *out, const uint8_t *base, cg_der_error *err);

/* A MerkleTreeLeaf: version v1 (0), leaf_type timestamped_entry (0), one
 * TimestampedEntry and nothing after it (get-entries leaf_input). */
int cg_ct_leaf_parse(const uint8_t *leaf, size_t len, cg_ct_entry *out, cg_der_error *err);

/* Leaf hash of a TimestampedEntry: SHA-256(0x00 || 0x00 || 0x00 || te). */
int cg_ct_entry_leaf_hash(cg_merkle_hasher *h, const cg_cbs *timestamped_entry,
                          uint8_t out[CG_MERKLE_HASH_LEN]);

/* extra_data of get-entries: for an x509 entry, certificate_chain (ASN.1Cert
 * certificate_chain<0..2^24-1>); for a precert entry, PrecertChainEntry
 * (ASN.1Cert pre_certificate; ASN.1Cert precertificate_chain<0..2^24-1>).
 * chain holds the list's contents; step through it with
 * cg_ct_chain_next. Nothing may follow. */
typedef struct cg_ct_extra {
    cg_cbs pre_certificate; /* precert entries only */
    cg_cbs chain;
} cg_ct_extra;

int cg_ct_extra_parse(uint16_t entry_type, const uint8_t *data, size_t len, cg_ct_extra *out,
                      cg_der_error *err);
/* Next ASN.1Cert<1..2^24-1> of a chain: 1 with its DER, 0 at the end
 * (chain->len == 0) or when the rest does not parse (chain->len != 0). */
int cg_ct_chain_next(cg_cbs *chain, cg_cbs *cert);

/* One TileLeaf of a static-ct-api data tile. */
typedef struct cg_ct_tile_leaf {
    cg_ct_entry entry;
    cg_cbs pre_certificate; /* precert entries: the submitted precertificate */
    cg_cbs fingerprints;    /* SHA-256 of each chain certificate, 32 bytes each */
} cg_ct_tile_leaf;

/* Reads the next TileLeaf of a data tile from *tile and advances it. base:
 * the start of the tile, for offsets. */
int cg_ct_tile_leaf_next(cg_cbs *tile, cg_ct_tile_leaf *out, const uint8_t *base,
                         cg_der_error *err);

/* Reads the leaf_index extension out of CtExtensions contents: 1 with
 * *index when there is exactly one, 0 when it is absent, duplicated or
 * malformed (a static-ct-api SCT or entry must carry exactly one). */
int cg_ct_extensions_leaf_index(const cg_cbs *extensions, uint64_t *index);

/* ---- writers ---- */

/* CtExtensions contents holding only leaf_index (8 bytes). */
int cg_ct_leaf_index_ext_write(uint64_t index, uint8_t out[CG_CT_LEAF_INDEX_EXT_LEN]);

/* A TimestampedEntry. body is the certificate (x509) or the TBSCertificate
 * (precert); issuer_key_hash is 32 bytes for a precert, NULL for x509. */
int cg_ct_entry_write(cg_cbb *cbb, uint64_t timestamp, uint16_t entry_type,
                      const uint8_t *issuer_key_hash, const uint8_t *body, size_t body_len,
                      const uint8_t *ext, size_t ext_len);
/* MerkleTreeLeaf around an already encoded TimestampedEntry. */
int cg_ct_leaf_write(cg_cbb *cbb, const uint8_t *te, size_t te_len);
/* extra_data: pre_certificate (NULL for an x509 entry) and the chain. */
int cg_ct_extra_write(cg_cbb *cbb, const uint8_t *pre_certificate, size_t pre_len,
                      const cg_cbs *chain, size_t n_chain);
/* TileLeaf: the TimestampedEntry, the precertificate (NULL for x509) and
 * n_fp fingerprints (32 bytes each). */
int cg_ct_tile_leaf_write(cg_cbb *cbb, const uint8_t *te, size_t te_len,
                          const uint8_t *pre_certificate, size_t pre_len,
                          const uint8_t *fingerprints, size_t n_fp);

#endif
