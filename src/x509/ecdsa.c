/* ECDSA P-256 verification with the key's multiples precomputed (ecdsa.h).
 *
 * The verification is SEC 1 §4.1.4 as OpenSSL writes it
 * (ossl_ecdsa_simple_verify_sig): r and s in [1, n-1]; e the digest as an
 * integer (256 bits, so nothing is cut for P-256); w = s^-1 mod n; u1 = e w,
 * u2 = r w; R = u1 G + u2 Q, not the point at infinity; valid when the x of
 * R mod n is r. The one difference is where u2 Q comes from: Q is the
 * generator of a second copy of the curve's group whose multiples were
 * precomputed (EC_GROUP_precompute_mult), so OpenSSL's P-256 code
 * multiplies it with a table, as it does G.
 *
 * The signature must be what OpenSSL's ECDSA_verify accepts: one DER
 * SEQUENCE of two INTEGERs and nothing after it, each INTEGER minimally
 * encoded (OpenSSL re-encodes what it read and compares). A negative or
 * zero INTEGER is well-formed DER but out of range.
 *
 * Invariants: g and gq are the same curve, gq's generator is Q and gq
 * holds its table; the BIGNUMs and points are scratch, so a key is used
 * by one thread at a time. */

/* EC_GROUP_precompute_mult is deprecated in OpenSSL 3.0 (with the rest of
 * the low-level EC interface) but kept and working: no other interface
 * precomputes the multiples of a point that is not the curve's generator. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "x509/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <stdlib.h>
#include <string.h>

#include "der/cbs.h"

struct cg_ecdsa_key {
    EC_GROUP *g;  /* P-256 */
    EC_GROUP *gq; /* P-256 with Q as its generator, Q's multiples precomputed */
    BN_CTX *bn;
    BIGNUM *r, *s, *e, *w, *u1, *u2, *x;
    EC_POINT *p, *pq; /* u1 G in g, u2 Q in gq */
};

void cg_ecdsa_key_free(cg_ecdsa_key *k)
{
    if (k == NULL)
        return;
    EC_POINT_free(k->p);
    EC_POINT_free(k->pq);
    BN_free(k->r);
    BN_free(k->s);
    BN_free(k->e);
    BN_free(k->w);
    BN_free(k->u1);
    BN_free(k->u2);
    BN_free(k->x);
    BN_CTX_free(k->bn);
    EC_GROUP_free(k->gq);
    EC_GROUP_free(k->g);
    free(k);
}

cg_ecdsa_key *cg_ecdsa_key_new(const EVP_PKEY *pkey)
{
    char group[64] = "";
    uint8_t pub[133];
    size_t pub_len = 0;
    EC_POINT *q = NULL;
    cg_ecdsa_key *k = NULL;

    if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        NULL) ||
        strcmp(group, SN_X9_62_prime256v1) != 0 ||
        !EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub),
                                         &pub_len))
        goto err;
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        goto err;
    k->g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    k->gq = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    k->bn = BN_CTX_new();
    k->r = BN_new();
    k->s = BN_new();
    k->e = BN_new();
    k->w = BN_new();
    k->u1 = BN_new();
    k->u2 = BN_new();
    k->x = BN_new();
    if (k->g == NULL || k->gq == NULL || k->bn == NULL || k->r == NULL || k->s == NULL ||
        k->e == NULL || k->w == NULL || k->u1 == NULL || k->u2 == NULL || k->x == NULL)
        goto err;
    k->p = EC_POINT_new(k->g);
    k->pq = EC_POINT_new(k->gq);
    q = EC_POINT_new(k->gq);
    if (k->p == NULL || k->pq == NULL || q == NULL ||
        EC_POINT_oct2point(k->gq, q, pub, pub_len, k->bn) != 1 ||
        EC_POINT_is_at_infinity(k->gq, q) || EC_POINT_is_on_curve(k->gq, q, k->bn) != 1 ||
        EC_GROUP_set_generator(k->gq, q, EC_GROUP_get0_order(k->g), BN_value_one()) != 1 ||
        EC_GROUP_precompute_mult(k->gq, k->bn) != 1)
        goto err;
    EC_POINT_free(q);
    return k;
err:
    ERR_clear_error();
    EC_POINT_free(q);
    cg_ecdsa_key_free(k);
    return NULL;
}

/* A DER INTEGER's contents read as a positive number: 0 when the encoding
 * is not minimal (OpenSSL's re-encoding would differ) or the number is
 * negative or zero (out of range for r and s). */
static int positive_integer(cg_cbs *in, BIGNUM *out)
{
    cg_cbs v;
    if (!cg_cbs_get_asn1(in, &v, CG_ASN1_INTEGER) || v.len == 0 || (v.data[0] & 0x80) != 0)
        return 0;
    if (v.len > 1 && v.data[0] == 0 && (v.data[1] & 0x80) == 0)
        return 0; /* a leading zero not needed for the sign */
    return BN_bin2bn(v.data, (int)v.len, out) != NULL && !BN_is_zero(out);
}

int cg_ecdsa_verify(cg_ecdsa_key *k, const uint8_t *sig, size_t sig_len,
                    const uint8_t digest[32])
{
    const BIGNUM *n = EC_GROUP_get0_order(k->g);
    cg_cbs in, seq;
    int ok;

    cg_cbs_init(&in, sig, sig_len);
    if (sig_len > 256 || !cg_cbs_get_asn1(&in, &seq, CG_ASN1_SEQUENCE) || in.len != 0 ||
        !positive_integer(&seq, k->r) || !positive_integer(&seq, k->s) || seq.len != 0)
        return CG_ECDSA_INVALID;
    if (BN_cmp(k->r, n) >= 0 || BN_cmp(k->s, n) >= 0)
        return CG_ECDSA_INVALID;
    ok = BN_bin2bn(digest, 32, k->e) != NULL && BN_mod_inverse(k->w, k->s, n, k->bn) != NULL &&
         BN_mod_mul(k->u1, k->e, k->w, n, k->bn) == 1 &&
         BN_mod_mul(k->u2, k->r, k->w, n, k->bn) == 1 &&
         EC_POINT_mul(k->g, k->p, k->u1, NULL, NULL, k->bn) == 1 &&
         EC_POINT_mul(k->gq, k->pq, k->u2, NULL, NULL, k->bn) == 1 &&
         EC_POINT_add(k->g, k->p, k->p, k->pq, k->bn) == 1;
    if (!ok) {
        ERR_clear_error();
        return CG_ECDSA_ERROR;
    }
    if (EC_POINT_is_at_infinity(k->g, k->p))
        return CG_ECDSA_INVALID;
    if (EC_POINT_get_affine_coordinates(k->g, k->p, k->x, NULL, k->bn) != 1 ||
        BN_nnmod(k->x, k->x, n, k->bn) != 1) {
        ERR_clear_error();
        return CG_ECDSA_ERROR;
    }
    return BN_cmp(k->x, k->r) == 0 ? CG_ECDSA_VALID : CG_ECDSA_INVALID;
}
