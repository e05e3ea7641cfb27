#include "incident/incident.h"

#include <stdlib.h>
#include <string.h>

void cg_incident_clear(cg_incident *inc)
{
    if (inc == NULL)
        return;
    free(inc->kind);
    free(inc->title);
    for (size_t i = 0; i < inc->n_events; i++)
        free(inc->events[i].note);
    free(inc->events);
    for (size_t i = 0; i < inc->n_certs; i++) {
        free(inc->certs[i].serial_hex);
        free(inc->certs[i].issuer);
        free(inc->certs[i].subject);
        free(inc->certs[i].dns_names);
    }
    free(inc->certs);
    memset(inc, 0, sizeof(*inc));
}
