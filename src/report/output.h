/* Findings to a stream: JSON Lines (one finding per line, nothing else) or
 * text grouped by object. An output is a cg_ctx sink. */
#ifndef CAGUARD_REPORT_OUTPUT_H
#define CAGUARD_REPORT_OUTPUT_H

#include <stdio.h>

#include "rules/rules.h"

typedef enum { CG_OUT_TEXT, CG_OUT_JSON } cg_out_format;

/* The version of caguard's JSON output contract (docs/schemas/): every JSON
 * document, and every line of JSON Lines, carries it as "schema"; caguard
 * --version prints it. It goes up when a field is removed or changes
 * meaning, not when one is added. */
#define CG_JSON_SCHEMA_VERSION 1

typedef struct cg_out cg_out;

/* color: 1 to use ANSI colour in text output. */
cg_out *cg_out_new(FILE *stream, cg_out_format format, int color);
void cg_out_free(cg_out *out);
/* The sink to put in cg_ctx. */
void cg_out_sink(void *out, const cg_finding *finding);
/* Text only: the closing summary line (objects, findings by severity). */
void cg_out_summary(cg_out *out, const cg_ctx *ctx, size_t objects, size_t files);

/* One finding as the JSON object `check --format json` prints (one line,
 * no newline; ASCII, with \u escapes): the rule, severity, file, index,
 * kind, object, issuer, serial, message, reference and field
 * (cg_finding_field) members, the finding's other extra fields in order,
 * "incident" when f->incident is set, and "schema" (CG_JSON_SCHEMA_VERSION)
 * last. malloc'd, NULL when out of memory. */
char *cg_out_finding_json(const cg_finding *f);

/* Issuer Name as RFC 4514 (a name too long for buf cut with a marker,
 * x509/name.h cg_name_to_display), or "" when empty/undecodable. */
void cg_out_issuer_string(const cg_cbs *issuer, char *buf, size_t cap);

#endif
