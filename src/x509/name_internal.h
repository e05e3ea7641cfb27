/* What the two halves of the Name code share (x509/name.c: parsing,
 * string preparation, comparison; x509/name_text.c: RFC 4514 strings and
 * explanations of differences). Private to them. */
#ifndef CAGUARD_X509_NAME_INTERNAL_H
#define CAGUARD_X509_NAME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "x509/name.h"

#define NO_PAIR SIZE_MAX
#define PREP_FOLD 1u  /* RFC 4518 §2.2 case folding (RFC 3454 B.2) */
#define PREP_NFKC 2u  /* RFC 4518 §2.3 normalisation to NFKC */
#define PREP_SPACE 4u /* RFC 4518 §2.6.1 insignificant space handling */
#define PREP_ALL (PREP_FOLD | PREP_NFKC | PREP_SPACE)

typedef struct {
    cg_cbs type;    /* OID contents */
    cg_cbs element; /* the value's whole element, for #hex output */
    cg_cbs value;   /* the value's contents */
    uint8_t tag;
} name_ava;

typedef struct {
    name_ava ava[CG_NAME_MAX_AVAS];
    size_t n_ava;
    /* AVAs of RDN r are ava[rdn_first[r]] .. ava[rdn_first[r + 1] - 1]. */
    size_t rdn_first[CG_NAME_MAX_AVAS + 1];
    size_t n_rdn;
} name_view;

/* A decoded string; decoding never yields more code points than bytes. */
typedef struct {
    uint32_t cp[CG_NAME_MAX_VALUE];
    size_t n;
} cp_str;

typedef struct {
    const name_view *x, *y;
    size_t x0, y0; /* first AVA of the two RDNs, for AVA-level matching */
} pair_ctx;

typedef int (*match_fn)(const pair_ctx *ctx, size_t i, size_t j);

/* Each is described where name.c defines it. */
int cg_nm_all_paired(const size_t *map, size_t n);
int cg_nm_ava_identical(const name_ava *x, const name_ava *y);
int cg_nm_cp_equal(const cp_str *x, const cp_str *y);
int cg_nm_decode_value(const name_ava *ava, cp_str *out);
int cg_nm_match_ava_equal(const pair_ctx *ctx, size_t i, size_t j);
int cg_nm_match_ava_type(const pair_ctx *ctx, size_t i, size_t j);
int cg_nm_match_position(const pair_ctx *ctx, size_t i, size_t j);
int cg_nm_match_rdn_equal(const pair_ctx *ctx, size_t i, size_t j);
int cg_nm_match_rdn_types(const pair_ctx *ctx, size_t i, size_t j);
int cg_nm_name_parse(const cg_cbs *der, name_view *nv);
int cg_nm_name_parse_ex(const cg_cbs *der, name_view *nv, int lenient, int *cut);
int cg_nm_oid_ok(const cg_cbs *oid);
void cg_nm_pair_init(size_t *map, uint8_t *used);
void cg_nm_pair_pass(const pair_ctx *ctx, size_t nx, size_t ny, match_fn fn, size_t *map,
                     uint8_t *used);
int cg_nm_prep_compare(const cp_str *x, const cp_str *y, unsigned flags);
int cg_nm_rdn_pair(const name_view *x, size_t r, const name_view *y, size_t s, match_fn fn);
size_t cg_nm_rdn_size(const name_view *nv, size_t r);

#endif
