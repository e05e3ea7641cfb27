/* The incident kinds (kinds.def) and the names of CRL reasons, event types
 * and sources. Only the tables and their lookups: the document written
 * from them (with the auto-incident table) is kinds_doc.c. */
#include "incident/kinds.h"

#include <stdio.h>
#include <string.h>

#include "rules/crl_util.h"

static const cg_incident_kind kind_table[CG_IK_COUNT] = {
#define CG_INCIDENT_KIND(sym, name, hours, reason, ref, desc)                                     \
    [sym] = {name, (int64_t)(hours)*3600, reason, ref, desc},
#include "incident/kinds.def"
#undef CG_INCIDENT_KIND
};

static const char kind_names[] = ""
#define CG_INCIDENT_KIND(sym, name, hours, reason, ref, desc) ", " name
#include "incident/kinds.def"
#undef CG_INCIDENT_KIND
    ;

const cg_incident_kind *cg_incident_kind_get(cg_incident_kind_id id)
{
    if ((unsigned)id >= CG_IK_COUNT)
        return NULL;
    return &kind_table[id];
}

const cg_incident_kind *cg_incident_kind_lookup(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < CG_IK_COUNT; i++) {
        if (strcmp(kind_table[i].name, name) == 0)
            return &kind_table[i];
    }
    return NULL;
}

const char *cg_incident_kind_names(void)
{
    return kind_names + 2; /* past the first ", " */
}

const char *cg_incident_reason_name(int reason)
{
    const char *name;
    if (reason == CG_REASON_OMITTED)
        return "omitted";
    name = reason >= 0 ? cg_crl_reason_name((unsigned)reason) : NULL;
    return name != NULL ? name : "unknown";
}

void cg_incident_reason_describe(int reason, char *buf, size_t cap)
{
    if (reason == CG_REASON_OMITTED)
        snprintf(buf, cap, "no reasonCode (unspecified)");
    else
        snprintf(buf, cap, "%s (%d)", cg_incident_reason_name(reason), reason);
}

static const char *const event_names[CG_EVENT_TYPE_COUNT] = {
    [CG_EVENT_PRELIMINARY_REPORT] = "preliminary-report",
    [CG_EVENT_FULL_REPORT] = "full-report",
    [CG_EVENT_UPDATE] = "update",
    [CG_EVENT_QUESTION] = "question",
    [CG_EVENT_RESPONSE] = "response",
    [CG_EVENT_CLOSURE] = "closure",
};

const char *cg_event_type_name(cg_event_type type)
{
    if ((unsigned)type >= CG_EVENT_TYPE_COUNT)
        return "unknown";
    return event_names[type];
}

int cg_event_type_lookup(const char *name, cg_event_type *out)
{
    for (size_t i = 0; i < CG_EVENT_TYPE_COUNT; i++) {
        if (strcmp(event_names[i], name) == 0) {
            *out = (cg_event_type)i;
            return 1;
        }
    }
    return 0;
}

static const char *const source_names[] = {
    [CG_SOURCE_SELF] = "self",
    [CG_SOURCE_THIRD_PARTY] = "third-party",
    [CG_SOURCE_AUDIT] = "audit",
};

const char *cg_source_name(cg_source source)
{
    if ((unsigned)source >= sizeof(source_names) / sizeof(source_names[0]))
        return "unknown";
    return source_names[source];
}

int cg_source_lookup(const char *name, cg_source *out)
{
    for (size_t i = 0; i < sizeof(source_names) / sizeof(source_names[0]); i++) {
        if (strcmp(source_names[i], name) == 0) {
            *out = (cg_source)i;
            return 1;
        }
    }
    return 0;
}

void cg_incident_window_name(int64_t window, char *buf, size_t cap)
{
    if (window % 86400 == 0 && window >= 2 * 86400)
        snprintf(buf, cap, "%lld days", (long long)(window / 86400));
    else
        snprintf(buf, cap, "%lld hours", (long long)(window / 3600));
}
