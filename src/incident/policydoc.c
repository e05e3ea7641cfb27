#include "incident/policydoc.h"

#include <stdlib.h>
#include <string.h>

#include "incident/deadlines.h"
#include "util/time.h"

static const char *const names[CG_PDOC_KINDS] = {"cp", "cps", "cp-cps"};
static const char *const titles[CG_PDOC_KINDS] = {"CP", "CPS", "CP/CPS"};

int cg_pdoc_kind_lookup(const char *name, cg_pdoc_kind *kind)
{
    for (int i = 0; name != NULL && i < CG_PDOC_KINDS; i++) {
        if (strcmp(name, names[i]) == 0) {
            *kind = (cg_pdoc_kind)i;
            return 1;
        }
    }
    return 0;
}

const char *cg_pdoc_kind_name(cg_pdoc_kind kind)
{
    return kind >= 0 && kind < CG_PDOC_KINDS ? names[kind] : "?";
}

const char *cg_pdoc_kind_title(cg_pdoc_kind kind)
{
    return kind >= 0 && kind < CG_PDOC_KINDS ? titles[kind] : "?";
}

const cg_pdoc *cg_pdoc_current(const cg_pdoc *docs, size_t n, cg_pdoc_kind kind, int64_t at)
{
    const cg_pdoc *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        const cg_pdoc *d = &docs[i];
        if (d->kind != kind || d->effective > at)
            continue;
        if (cur == NULL || d->effective > cur->effective ||
            (d->effective == cur->effective && d->added_at >= cur->added_at))
            cur = d;
    }
    return cur;
}

int cg_pdoc_check(cg_ctx *ctx, const cg_pdoc *docs, size_t n)
{
    int found = 0;
    for (int k = 0; k < CG_PDOC_KINDS; k++) {
        const cg_pdoc *cur = cg_pdoc_current(docs, n, (cg_pdoc_kind)k, ctx->at);
        char eff[32], due[32], dur[48];
        cg_objref ref;
        if (cur == NULL)
            continue;
        int64_t deadline = cur->effective + CG_PDOC_REVIEW_WINDOW;
        memset(&ref, 0, sizeof(ref));
        ref.kind = CG_KIND_INPUT;
        ref.file = cur->url;
        cg_time_format(cur->effective, eff, sizeof(eff));
        cg_time_format(deadline, due, sizeof(due));
        if (ctx->at > deadline) {
            cg_incident_format_duration(ctx->at - deadline, dur, sizeof(dur));
            cg_report(ctx, CG_R_POLICY_REVIEW_OVERDUE, &ref,
                      "the %s in effect, version %.100s, took effect %s; no newer version took "
                      "effect within 365 days (due %s, %lld days ago: %s)",
                      titles[k], cur->version, eff, due,
                      (long long)((ctx->at - deadline) / 86400), dur);
            found++;
        } else if (deadline - ctx->at < CG_PDOC_REVIEW_WARNING) {
            cg_report(ctx, CG_R_POLICY_REVIEW_DUE, &ref,
                      "the %s in effect, version %.100s, took effect %s: a newer version must "
                      "take effect by %s (%lld days left)",
                      titles[k], cur->version, eff, due,
                      (long long)((deadline - ctx->at) / 86400));
            found++;
        }
    }
    return found;
}

void cg_pdoc_clear(cg_pdoc *d)
{
    if (d == NULL)
        return;
    free(d->url);
    free(d->version);
    memset(d, 0, sizeof(d[0]));
}
