/* The auto-incident table (auto.def) and what is written from it. */
#include "incident/auto.h"

#include <stdio.h>
#include <string.h>

static const cg_auto_incident table[] = {
#define CG_AUTO_INCIDENT(rule, kind, why) {rule, kind, why},
#include "incident/auto.def"
#undef CG_AUTO_INCIDENT
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

const cg_auto_incident *cg_auto_incident_table(size_t *n)
{
    *n = N_TABLE;
    return table;
}

const cg_auto_incident *cg_auto_incident_for(cg_rule_id rule)
{
    for (size_t i = 0; i < N_TABLE; i++) {
        if (table[i].rule == rule)
            return &table[i];
    }
    return NULL;
}

const cg_incident_kind *cg_auto_incident_kind(const cg_finding *f)
{
    const cg_auto_incident *e = cg_auto_incident_for(f->rule);
    if (e == NULL || cg_finding_severity(f) != CG_SEV_ERROR || f->incident != 0)
        return NULL;
    if (!f->obj->has_hash || (f->obj->kind != CG_KIND_CERT && f->obj->kind != CG_KIND_PRECERT))
        return NULL;
    return cg_incident_kind_get(e->kind);
}

void cg_auto_incidents_write(cg_sbuf *out, cg_kinds_format format)
{
    if (format == CG_KINDS_MARKDOWN) {
        cg_sbuf_puts(out,
                     "\n## Incidents opened automatically\n\n"
                     "`caguard monitor --incidents auto` opens a self-reported incident draft "
                     "for\neach new error finding of these rules on a certificate or "
                     "precertificate\n(src/incident/auto.def; docs/incidents.md, \"Automatic "
                     "incidents\"). No other\nrule opens one.\n\n"
                     "| rule | kind | why |\n"
                     "|---|---|---|\n");
    } else {
        cg_sbuf_puts(out, "\nOpened by caguard monitor --incidents auto for an error finding of "
                          "these rules\n(on a certificate or precertificate):\n");
    }
    for (size_t i = 0; i < N_TABLE; i++) {
        const char *rule = cg_rule_get(table[i].rule)->id;
        const char *kind = cg_incident_kind_get(table[i].kind)->name;
        if (format == CG_KINDS_MARKDOWN)
            cg_sbuf_printf(out, "| `%s` | `%s` | %s |\n", rule, kind, table[i].why);
        else
            cg_sbuf_printf(out, "  %-35s %s\n      %s\n", rule, kind, table[i].why);
    }
}

void cg_auto_incident_title(const cg_finding *f, char *buf, size_t cap)
{
    char serial[80], sha[17] = "";
    cg_serial_hex(&f->obj->serial, serial, sizeof(serial));
    if (f->obj->has_hash)
        cg_hex(f->obj->sha256, 8, sha);
    snprintf(buf, cap, "auto: %s on %s%s%s (sha256 %s...)", cg_rule_get(f->rule)->id,
             cg_kind_name(f->obj->kind), serial[0] != '\0' ? " serial " : "", serial, sha);
}
