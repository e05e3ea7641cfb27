#include "der/pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

#define BEGIN "-----BEGIN "
#define END "-----END "
#define DASHES "-----"

void cg_input_init(cg_input *in, const uint8_t *data, size_t len)
{
    memset(in, 0, sizeof(*in));
    in->line = 1;
    in->data = data;
    in->len = len;
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    /* A DER object starts with a SEQUENCE tag; anything else is read as text. */
    in->is_pem = !(len > 0 && data[0] == CG_ASN1_SEQUENCE);
}

void cg_input_cleanup(cg_input *in)
{
    free(in->buf);
    in->buf = NULL;
    in->cap = 0;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m > n)
        return NULL;
    for (size_t i = 0; i + m <= n; i++) {
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    }
    return NULL;
}

/* Line number of a file offset. Offsets only grow within a file, so the
 * count resumes where the last call stopped: linear in the file, not in
 * the file times its blocks. */
static size_t line_of(cg_input *in, size_t off)
{
    if (off < in->line_pos) {
        in->line_pos = 0;
        in->line = 1;
    }
    for (size_t i = in->line_pos; i < off; i++)
        in->line += in->data[i] == '\n';
    in->line_pos = off;
    return in->line;
}

static cg_pem_label classify(const char *label)
{
    static const char *const certs[] = {"CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE",
                                        "TRUSTED CERTIFICATE"};
    static const char *const crls[] = {"X509 CRL", "CRL", "CERTIFICATE REVOCATION LIST"};
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
        if (strcmp(label, certs[i]) == 0)
            return CG_PEM_LABEL_CERT;
    }
    for (size_t i = 0; i < sizeof(crls) / sizeof(crls[0]); i++) {
        if (strcmp(label, crls[i]) == 0)
            return CG_PEM_LABEL_CRL;
    }
    return CG_PEM_LABEL_OTHER;
}

static cg_input_status fail(cg_der_error *err, size_t off, const char *what,
                            const char *detail)
{
    size_t cap = sizeof(err->what), n = 0;
    err->offset = off;
    /* Concatenate by hand: the message is cut at cap, never overrun. */
    for (const char *parts[2] = {what, detail != NULL ? detail : ""}, **p = parts;
         p < parts + 2; p++) {
        for (const char *c = *p; *c != '\0' && n + 1 < cap; c++)
            err->what[n++] = *c;
    }
    err->what[n] = '\0';
    return CG_INPUT_ERROR;
}

cg_input_status cg_input_next(cg_input *in, cg_input_obj *obj, cg_der_error *err)
{
    memset(obj, 0, sizeof(*obj));
    err->offset = 0;
    err->what[0] = '\0';
    if (in->done)
        return CG_INPUT_END;
    obj->index = in->index;
    if (!in->is_pem) {
        in->done = 1;
        in->index++;
        obj->der = in->data;
        obj->der_len = in->len;
        obj->label = CG_PEM_LABEL_NONE;
        return CG_INPUT_OBJECT;
    }
    const uint8_t *rest = in->data + in->pos;
    size_t rest_len = in->len - in->pos;
    const uint8_t *b = find(rest, rest_len, BEGIN);
    if (b == NULL) {
        in->done = 1;
        if (in->index > 0)
            return CG_INPUT_END;
        in->index++;
        if (in->len == 0)
            return fail(err, 0, "a PEM block or a DER object, found an empty file", NULL);
        char detail[64];
        snprintf(detail, sizeof(detail), " (first byte 0x%02x)", in->data[0]);
        return fail(err, 0,
                    "a PEM \"-----BEGIN\" line or a DER SEQUENCE (0x30), found neither", detail);
    }
    size_t begin_off = (size_t)(b - in->data);
    obj->file_offset = begin_off;
    obj->line = line_of(in, begin_off);
    in->index++;
    /* Label: up to the closing dashes on the same line. */
    const uint8_t *lab = b + strlen(BEGIN);
    size_t avail = in->len - (size_t)(lab - in->data), ll = 0;
    while (ll < avail && ll < sizeof(obj->label_text) - 1 && lab[ll] != '-' && lab[ll] != '\n')
        ll++;
    if (ll >= avail || ll == sizeof(obj->label_text) - 1 || avail - ll < 5 ||
        memcmp(lab + ll, DASHES, 5) != 0) {
        in->done = 1;
        return fail(err, begin_off, "a PEM BEGIN line of the form -----BEGIN LABEL-----",
                    NULL);
    }
    memcpy(obj->label_text, lab, ll);
    obj->label_text[ll] = '\0';
    obj->label = classify(obj->label_text);
    const uint8_t *body = lab + ll + 5;
    size_t body_avail = in->len - (size_t)(body - in->data);
    /* The END line must carry the same label. */
    char end_line[96];
    snprintf(end_line, sizeof(end_line), END "%s" DASHES, obj->label_text);
    const uint8_t *e = find(body, body_avail, end_line);
    const uint8_t *next_begin = find(body, body_avail, BEGIN);
    if (e == NULL || (next_begin != NULL && next_begin < e)) {
        in->done = next_begin == NULL;
        in->pos = next_begin != NULL ? (size_t)(next_begin - in->data) : in->len;
        char detail[160];
        snprintf(detail, sizeof(detail), " \"%s\" for the block at line %zu", end_line,
                 obj->line);
        return fail(err, begin_off, "an END line", detail);
    }
    in->pos = (size_t)(e - in->data) + strlen(end_line);
    size_t body_len = (size_t)(e - body);
    /* RFC 7468 allows no headers in these blocks; "Proc-Type:" etc. fail
     * as bad base64 below, which is what they are here. */
    size_t need = CG_BASE64_DECODED_MAX(body_len);
    if (need > in->cap) {
        uint8_t *nb = realloc(in->buf, need);
        if (nb == NULL)
            return fail(err, begin_off, "memory for the decoded block", NULL);
        in->buf = nb;
        in->cap = need;
    }
    size_t bad = 0, n = 0;
    const char *why = NULL;
    if (!cg_base64_decode(body, body_len, CG_BASE64_SPACE, in->buf, &n, &bad, &why)) {
        size_t off = (size_t)(body - in->data) + bad;
        char detail[64];
        snprintf(detail, sizeof(detail), " (line %zu)", line_of(in, off));
        return fail(err, off, why, detail);
    }
    if (n == 0)
        return fail(err, begin_off, "base64 data between the BEGIN and END lines", NULL);
    obj->der = in->buf;
    obj->der_len = n;
    return CG_INPUT_OBJECT;
}
