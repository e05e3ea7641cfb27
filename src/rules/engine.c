#include "rules/engine.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "der/pem.h"
#include "rules/cert_profile.h"

static void report_malformed(cg_ctx *ctx, const cg_objref *ref, const char *where,
                             size_t offset, const char *what)
{
    cg_report(ctx, CG_R_INPUT_MALFORMED, ref, "%s, object %zu, %s %zu: expected %s",
              ref->file, ref->index, where, offset, what);
}

/* The offset of a basicConstraints cA written out as FALSE, its DEFAULT
 * (X.690 §11.5: DER omits it), or 0 when there is none. */
static size_t bc_ca_false_offset(const cg_cert *cert, const uint8_t *der)
{
    for (size_t i = 0; i < cert->n_ext; i++) {
        cg_cbs v = cert->ext[i].value, seq, ca;
        int present = 0;
        if (!cg_oid_equal(&cert->ext[i].oid, CG_OID_BASIC_CONSTRAINTS,
                          sizeof(CG_OID_BASIC_CONSTRAINTS)) ||
            !cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) ||
            !cg_cbs_get_optional_asn1(&seq, &ca, &present, CG_ASN1_BOOLEAN))
            continue;
        if (present && ca.len == 1 && ca.data[0] == 0)
            return (size_t)(ca.data - der);
    }
    return 0;
}

static int check_der_at(cg_ctx *ctx, const char *name, size_t index, size_t offset,
                        const uint8_t *der, size_t len)
{
    cg_objref ref = {.file = name, .index = index, .offset = offset, .kind = CG_KIND_INPUT};
    cg_der_error err;
    size_t consumed = 0;
    cg_der_status st;
    const cg_obj_known *known = ctx->known != NULL ? ctx->known(ctx->known_arg, der, len) : NULL;

    if (known != NULL) {
        st = known->st;
        consumed = known->consumed;
        err = known->err;
        memcpy(ref.sha256, known->sha256, 32);
    } else {
        st = cg_der_validate(der, len, &consumed, &err);
    }
    /* (a verdict told by the caller is judged as one worked out here) */
    if (st == CG_DER_MALFORMED) {
        report_malformed(ctx, &ref, "DER byte offset", err.offset, err.what);
        return 0;
    }
    if (known == NULL)
        cg_ctx_sha256(ctx, der, consumed, ref.sha256);
    ref.has_hash = 1;
    ref.kind = cg_guess_kind(der, consumed);

    /* The views below are needed to name the object in findings, so parse
     * first and report DER problems with whatever the parse could tell. */
    cg_cert cert;
    cg_crl crl;
    cg_der_error perr = {0, ""};
    int parsed = 0;
    if (ref.kind == CG_KIND_CERT) {
        parsed = cg_cert_parse(&cert, der, consumed, &perr);
        if (parsed) {
            ref.kind = cert.is_precert ? CG_KIND_PRECERT : CG_KIND_CERT;
            ref.issuer = cert.issuer;
            ref.serial = cert.serial;
            cg_objref_set_issued_cert(&ref, &cert);
        }
    } else if (ref.kind == CG_KIND_CRL) {
        parsed = cg_crl_parse(&crl, der, consumed, &perr);
        if (parsed) {
            ref.issuer = crl.issuer;
            cg_objref_set_issued_crl(&ref, &crl);
        }
    } else {
        snprintf(perr.what, sizeof(perr.what),
                 "a Certificate or a CertificateList (the TBS does not have the shape of "
                 "either)");
    }

    if (ctx->index_only) {
        /* Checked before: only what the cross-object pass needs of it. */
        if (parsed && ctx->on_object != NULL)
            ctx->on_object(ctx->on_object_arg, &ref, ref.kind == CG_KIND_CRL ? NULL : &cert,
                           ref.kind == CG_KIND_CRL ? &crl : NULL);
        return parsed;
    }
    if (st == CG_DER_NONCANONICAL)
        cg_report(ctx, CG_R_DER_NONCANONICAL, &ref, "%s, object %zu, DER byte offset %zu: %s",
                  name, index, err.offset, err.what);
    if (consumed < len)
        cg_report(ctx, CG_R_INPUT_TRAILING_DATA, &ref,
                  "%zu bytes after the end of the DER object (which ends at byte %zu)",
                  len - consumed, consumed);
    if (!parsed) {
        if (st == CG_DER_NONCANONICAL)
            return 1; /* already reported: the strict views cannot read BER */
        report_malformed(ctx, &ref, "DER byte offset", perr.offset, perr.what);
        return 0;
    }
    /* X.690 §11.5: a value equal to its DEFAULT is omitted. The tree
     * walk cannot know the schema; the views can. */
    const cg_ext *exts = ref.kind == CG_KIND_CRL ? crl.ext : cert.ext;
    size_t n_ext = ref.kind == CG_KIND_CRL ? crl.n_ext : cert.n_ext;
    for (size_t i = 0; i < n_ext; i++) {
        if (exts[i].critical_false_encoded && st != CG_DER_NONCANONICAL) {
            char oid[96];
            cg_oid_to_string(&exts[i].oid, oid, sizeof(oid));
            cg_report(ctx, CG_R_DER_NONCANONICAL, &ref,
                      "%s, object %zu, DER byte offset %zu: extension %s writes out "
                      "critical FALSE, its DEFAULT (DER omits it)",
                      name, index, (size_t)(exts[i].raw.data - der), oid);
            break;
        }
    }
    size_t bc_false = ref.kind != CG_KIND_CRL && st != CG_DER_NONCANONICAL
                          ? bc_ca_false_offset(&cert, der)
                          : 0;
    if (bc_false != 0)
        cg_report(ctx, CG_R_DER_NONCANONICAL, &ref,
                  "%s, object %zu, DER byte offset %zu: basicConstraints writes out cA FALSE, "
                  "its DEFAULT (DER omits it)",
                  name, index, bc_false);
    if (ref.kind != CG_KIND_CRL && cert.extensions_empty)
        cg_report(ctx, CG_R_CERT_EXTENSIONS_EMPTY, &ref,
                  "%s, object %zu: the [3] extensions field holds an empty SEQUENCE; RFC 5280 "
                  "requires at least one Extension (SIZE (1..MAX)): omit the field instead",
                  name, index);
    if (ref.kind == CG_KIND_CRL)
        cg_check_crl_single(ctx, &ref, &crl);
    else {
        cg_check_cert_single(ctx, &ref, &cert);
        if (ctx->br_profile)
            cg_check_cert_profile(ctx, &ref, &cert);
    }
    if (ctx->on_object != NULL)
        ctx->on_object(ctx->on_object_arg, &ref, ref.kind == CG_KIND_CRL ? NULL : &cert,
                       ref.kind == CG_KIND_CRL ? &crl : NULL);
    return 1;
}

int cg_check_der(cg_ctx *ctx, const char *name, size_t index, const uint8_t *der, size_t len)
{
    return check_der_at(ctx, name, index, 0, der, len);
}

void cg_check_file(cg_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                   cg_file_result *res)
{
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    memset(res, 0, sizeof(*res));
    cg_input_init(&in, data, len);
    for (;;) {
        cg_input_status st = cg_input_next(&in, &obj, &err);
        if (st == CG_INPUT_END)
            break;
        res->objects++;
        if (st == CG_INPUT_ERROR) {
            cg_objref ref;
            memset(&ref, 0, sizeof(ref));
            ref.file = name;
            ref.index = obj.index;
            ref.kind = CG_KIND_INPUT;
            report_malformed(ctx, &ref, "file byte offset", err.offset, err.what);
            res->malformed++;
            continue;
        }
        if (obj.label == CG_PEM_LABEL_OTHER) {
            cg_objref ref;
            memset(&ref, 0, sizeof(ref));
            ref.file = name;
            ref.index = obj.index;
            ref.kind = CG_KIND_INPUT;
            cg_report(ctx, CG_R_INPUT_SKIPPED, &ref,
                      "PEM block \"%s\" at line %zu is not a certificate or CRL; skipped",
                      obj.label_text, obj.line);
            continue;
        }
        if (!check_der_at(ctx, name, obj.index, obj.file_offset, obj.der, obj.der_len))
            res->malformed++;
    }
    cg_input_cleanup(&in);
}
