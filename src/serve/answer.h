/* What caguard serve answers: the findings of one request collected, then
 * written as pkimetal writes its answers (a JSON array of {Linter,
 * Finding, Severity, Code, Field}, tab-separated text, or an HTML table),
 * as the native API's {"allow", "findings"} (the findings in the fields of
 * `caguard check --format json`), or as an error; and pkimetal's GET
 * /linters and /profiles.
 *
 * Every answer is a new NUL-terminated string (free()) and its length, or
 * NULL when memory ran out. */
#ifndef CAGUARD_SERVE_ANSWER_H
#define CAGUARD_SERVE_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#ifndef CAGUARD_VERSION
#define CAGUARD_VERSION "0.1.0"
#endif

/* One finding, copied out of the run. */
typedef struct cg_serve_finding {
    cg_rule_id rule;
    char *message;
    /* the finding's own "field" (cg_finding_field), NULL when it has none and
     * its rule's is meant */
    char *field;
    char *json; /* `check --format json` object; NULL unless the collector keeps it */
} cg_serve_finding;

typedef struct cg_serve_findings {
    cg_serve_finding *f;
    size_t n, cap;
    size_t count[3]; /* by severity */
    int keep_json;
    int failed; /* memory ran out: the collection is incomplete */
} cg_serve_findings;

/* A cg_ctx sink that appends to a cg_serve_findings. */
void cg_serve_findings_sink(void *arg, const cg_finding *f);
void cg_serve_findings_clear(cg_serve_findings *fs);
/* The findings of a rule, for tests. */
size_t cg_serve_findings_count_rule(const cg_serve_findings *fs, cg_rule_id rule);

/* pkimetal's formats and severities. */
typedef enum { CG_PKI_JSON, CG_PKI_TEXT, CG_PKI_HTML } cg_pki_format;
/* pkimetal's scale: meta 0, debug, info, notice 3, warning 4, error 5,
 * bug, fatal 7. */
int cg_pki_severity_parse(const char *s, int *level);
int cg_pki_format_parse(const char *s, cg_pki_format *fmt);
const char *cg_pki_content_type(cg_pki_format fmt);

/* The profiles caguard accepts (pkimetal's names for what caguard's rules
 * cover); 1 when name is one. */
int cg_pki_profile_known(const char *name);

/* The lint answer: a meta finding naming the profile and caguard's
 * version, then the findings at or above min_level, most severe first (as
 * pkimetal sorts them). */
char *cg_pki_answer(const cg_serve_findings *fs, cg_pki_format fmt, int min_level,
                    const char *profile, size_t *len);
/* A request pkimetal would refuse: one fatal finding whose Finding names
 * the problem (Code, when not NULL, a rule ID such as input.malformed). */
char *cg_pki_error(cg_pki_format fmt, const char *code, const char *message, size_t *len);
/* GET /linters (instances: the worker threads) and GET /profiles. */
char *cg_pki_linters(unsigned instances, size_t *len);
char *cg_pki_profiles(size_t *len);

/* The native answer {"allow": ..., "findings": [...]} (the collector must
 * keep JSON); allow is 1 when no error finding. extra, when not NULL, is a
 * JSON object text whose members are added (the gate's "decision"). */
char *cg_serve_native_answer(const cg_serve_findings *fs, int allow, const char *extra,
                             size_t *len);
/* {"error": message, "request_id": id} */
char *cg_serve_error_json(const char *message, const char *request_id, size_t *len);

#endif
