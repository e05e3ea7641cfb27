/* From bytes to findings: frames a file into objects (PEM or DER), checks
 * that each is DER, builds the certificate or CRL view and runs every
 * single-object rule family on it. */
#ifndef CAGUARD_RULES_ENGINE_H
#define CAGUARD_RULES_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

typedef struct cg_file_result {
    size_t objects;    /* objects found (including undecodable ones) */
    size_t malformed;  /* input.malformed findings */
} cg_file_result;

/* Gives a second pass (the checker's, the CRL cross-checks') a file's bytes
 * again. Returns 1 and the bytes (valid until the matching release); 0 when
 * the file cannot be read any more. */
typedef int (*cg_reload_fn)(void *arg, size_t file_no, const uint8_t **data, size_t *len);
typedef void (*cg_release_fn)(void *arg, size_t file_no, const uint8_t *data);

/* Checks every object in one file's bytes. name is how the file is named
 * in findings. */
void cg_check_file(cg_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                   cg_file_result *res);

/* Checks one DER object; returns 0 when it could not be decoded. */
int cg_check_der(cg_ctx *ctx, const char *name, size_t index, const uint8_t *der, size_t len);

#endif
