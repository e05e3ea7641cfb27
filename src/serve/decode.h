/* Request decoding for caguard serve: form bodies (pkimetal's endpoints
 * take application/x-www-form-urlencoded, and multipart/form-data as a
 * browser's form sends it), the objects they carry (PEM or base64, as
 * pkimetal reads them) and the native API's JSON bodies.
 *
 * Pure functions over bytes: no I/O, no global state, bounded memory (a
 * copy of the body at most, plus the decoded objects). What fails comes
 * back as a message naming the field and the problem, which the service
 * answers with 400. fuzz/serve_request_fuzz.c drives every function here.
 *
 * Ownership: a cg_form and a cg_serve_objects own their strings and
 * buffers; _clear frees them (and accepts a zeroed struct). */
#ifndef CAGUARD_SERVE_DECODE_H
#define CAGUARD_SERVE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define CG_FORM_MAX_FIELDS 32
#define CG_SERVE_MAX_OBJECTS 64

typedef struct cg_form_field {
    char *name;
    uint8_t *value; /* decoded; NUL-terminated beyond len */
    size_t len;
} cg_form_field;

typedef struct cg_form {
    cg_form_field f[CG_FORM_MAX_FIELDS];
    size_t n;
} cg_form;

/* Parses a form body by its Content-Type (its media type and, for
 * multipart, the boundary parameter). Returns 1, or 0 with the problem in
 * err (the form is then empty). */
int cg_form_parse(cg_form *form, const char *content_type, const uint8_t *body, size_t len,
                  char *err, size_t errcap);
void cg_form_clear(cg_form *form);
/* The first field of that name, or NULL. */
const cg_form_field *cg_form_get(const cg_form *form, const char *name);

/* What an object is expected to be: which PEM labels are accepted. */
typedef enum { CG_OBJ_CERT, CG_OBJ_CRL, CG_OBJ_ANY } cg_obj_want;

/* pkimetal's input: the first PEM block when there is one (its label must
 * fit want: CERTIFICATE for a certificate, X509 CRL for a CRL), else the
 * whole input as base64; whitespace is skipped, and a space inside the
 * base64 is read as the '+' a form sent unescaped. field names it in err.
 * Returns the DER (free()) and its length, or NULL with the problem. */
uint8_t *cg_serve_decode_b64(const uint8_t *in, size_t len, cg_obj_want want, const char *field,
                             size_t *out_len, char *err, size_t errcap);

/* A native API body: {"objects": [...], "at": "..."} (check) or
 * {"object": "...", "at": "..."} (gate). Each object is a string: PEM
 * text (any number of blocks, kept as text for the checker's framing) or
 * base64 DER (decoded). "at" is optional, RFC 3339. Unknown fields and
 * duplicate keys are refused. */
typedef struct cg_serve_objects {
    uint8_t *data[CG_SERVE_MAX_OBJECTS];
    size_t len[CG_SERVE_MAX_OBJECTS];
    size_t n;
    int has_at;
    int64_t at;
} cg_serve_objects;

int cg_serve_parse_check(const uint8_t *body, size_t len, cg_serve_objects *out, char *err,
                         size_t errcap);
int cg_serve_parse_gate(const uint8_t *body, size_t len, cg_serve_objects *out, char *err,
                        size_t errcap);
void cg_serve_objects_clear(cg_serve_objects *o);

/* The media type of a Content-Type value, lower-cased, into buf ("" when
 * none). */
void cg_serve_media_type(const char *content_type, char *buf, size_t cap);

#endif
