/* Input framing: a file holds one raw DER object or any number of PEM
 * blocks (text between them is ignored, as OpenSSL does). The format is
 * detected from the bytes. Decoded DER goes to one buffer reused for every
 * block, so memory follows the largest object, not the file's object count. */
#ifndef CAGUARD_DER_PEM_H
#define CAGUARD_DER_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "der/cbs.h"

typedef enum {
    CG_PEM_LABEL_CERT,    /* CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE */
    CG_PEM_LABEL_CRL,     /* X509 CRL, CRL */
    CG_PEM_LABEL_NONE,    /* raw DER */
    CG_PEM_LABEL_OTHER    /* a block caguard does not check (keys, requests) */
} cg_pem_label;

typedef struct cg_input {
    const uint8_t *data;
    size_t len;
    size_t pos;
    int is_pem;
    int done;
    size_t index;        /* next object index */
    size_t line, line_pos; /* line number at line_pos, for messages */
    uint8_t *buf;        /* decoded DER of the current block */
    size_t cap;
} cg_input;

typedef struct cg_input_obj {
    size_t index;        /* object number within the file, from 0 */
    const uint8_t *der;  /* borrowed: valid until the next cg_input_next */
    size_t der_len;
    cg_pem_label label;
    char label_text[64]; /* the PEM label as written, "" for DER */
    size_t file_offset;  /* where the block starts in the file */
    size_t line;         /* 1-based line of the BEGIN line, 0 for DER */
} cg_input_obj;

typedef enum {
    CG_INPUT_OBJECT = 0, /* *obj holds an object */
    CG_INPUT_END = 1,    /* no more objects */
    CG_INPUT_ERROR = 2   /* framing error: obj->index and err say which and where;
                            err->offset is a file offset. Further calls may
                            yield more objects when the error was local. */
} cg_input_status;

void cg_input_init(cg_input *in, const uint8_t *data, size_t len);
void cg_input_cleanup(cg_input *in);
cg_input_status cg_input_next(cg_input *in, cg_input_obj *obj, cg_der_error *err);

#endif
