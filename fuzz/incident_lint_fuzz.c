/* The incident report lint and the reading of a posted Full report (the
 * closure draft's input) and its consistency check against an incident
 * (Appendix rows and the CCADB Appendix CSV, dates and reasons) on
 * arbitrary Markdown: never a crash, a read past the input or a leak; the
 * counts they return are the numbers of findings they reported. */
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
    /* against the store's view of an incident with two certificates */
    cg_incident_cert certs[2];
    memset(certs, 0, sizeof(certs));
    certs[0].serial_hex = (char *)"04d2a1";
    certs[0].not_after = 2000000000;
    /* revoked: the rows' dates and reasons are held against its entry */
    certs[0].revoked = 1;
    certs[0].revocation_date = 1690000000;
    certs[0].published_at = 1690003600;
    certs[0].reason = 4;
    certs[1].serial_hex = (char *)"00:04:d2:b7";
    certs[1].is_precert = 1;
    certs[1].not_after = 2000000000;
    certs[1].sha256[0] = 1;
    inc.certs = certs;
    inc.n_certs = 2;
    seen = 0;
    if (cg_incident_report_consistency(md, size, &inc, 1700000000, &ctx, &obj) != seen)
        __builtin_trap();
    free(md);
    return 0;
}
