/* The incident report lint and the reading of a posted Full report (the
 * closure draft's input) on arbitrary Markdown: never a crash, a read past
 * the input or a leak; the count the lint returns is the number of
 * findings it reported. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incident/report.h"
#include "incident/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, const cg_finding *f)
{
    (void)f;
    (*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan sees any read past the end */
    char *md = malloc(size > 0 ? size : 1);
    cg_ctx ctx;
    cg_objref obj;
    cg_report_facts facts;
    int seen = 0;
    if (md == NULL)
        return 0;
    memcpy(md, data, size);
    memset(&obj, 0, sizeof(obj));
    obj.kind = CG_KIND_INCIDENT;
    cg_ctx_init(&ctx, 0, count, &seen);
    if (cg_incident_lint(md, size, &ctx, &obj) != seen)
        __builtin_trap();
    if (cg_report_read_facts(md, size, &facts))
        cg_report_facts_clear(&facts);
    /* the closure draft over it, for an incident with no certificates */
    cg_incident inc;
    cg_report_opts o;
    cg_sbuf out = CG_SBUF_INIT;
    char err[512];
    memset(&inc, 0, sizeof(inc));
    inc.kind = (char *)"misissuance";
    memset(&o, 0, sizeof(o));
    o.kind = CG_REPORT_CLOSURE;
    o.full_md = md;
    o.full_len = size;
    cg_incident_report_draft(&inc, 0, &o, &out, err, sizeof(err));
    cg_sbuf_free(&out);
    free(md);
    return 0;
}
