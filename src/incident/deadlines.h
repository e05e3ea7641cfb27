/* The deadlines of an incident and the rules that hold it to them:
 * revocation.deadline_missed, revocation.deadline_approaching,
 * revocation.reason_incorrect (per certificate) and
 * incident.preliminary_report_overdue, incident.full_report_overdue,
 * incident.update_overdue, incident.update_missed and
 * incident.question_unanswered (per incident). Pure: findings go to a cg_ctx.
 *
 * Everything is evaluated at one instant `at`: an event, a revocation or a
 * publication timestamped after `at` has not happened yet. Every deadline is
 * an instant D computed to the second, and D itself is on time: a revocation
 * published at D, or a report posted at D, meets it; one second later misses
 * it, and a deadline with nothing done is missed once at > D (BR §4.9.5 "MUST
 * NOT exceed", CCADB "within"). docs/incidents.md explains each rule. */
#ifndef CAGUARD_INCIDENT_DEADLINES_H
#define CAGUARD_INCIDENT_DEADLINES_H

#include <stdint.h>

#include "incident/incident.h"
#include "rules/rules.h"

#define CG_PRELIMINARY_REPORT_WINDOW (72 * 3600)
#define CG_FULL_REPORT_WINDOW (14 * 86400)
#define CG_UPDATE_WINDOW (7 * 86400)
#define CG_UPDATE_WINDOW_REVOCATION_DELAY (3 * 86400)

typedef enum {
    CG_REVOCATION_PENDING = 0, /* not revoked yet, deadline not passed */
    CG_REVOCATION_ON_TIME,     /* revoked and published by the deadline */
    CG_REVOCATION_LATE,        /* revoked, but dated or first published after the deadline */
    CG_REVOCATION_OVERDUE,     /* not revoked at `at`, or expired unrevoked, past the deadline */
    CG_REVOCATION_EXPIRED      /* not revoked, but expired by the deadline: none needed */
} cg_revocation_state;

typedef struct cg_revocation_eval {
    cg_revocation_state state;
    int64_t deadline;   /* reported_at + the kind's window */
    int64_t revoked_at; /* ON_TIME, LATE: the later of revocationDate and first publication */
    int64_t late_by;    /* LATE, OVERDUE: seconds past the deadline (OVERDUE and expired:
                         * until notAfter) */
    int64_t left;       /* PENDING: seconds until the deadline */
} cg_revocation_eval;

/* 1 when cert's revocation (as observed on CRLs) counts at `at`: it is
 * marked revoked and was first seen on a CRL by then (its revocationDate
 * when the publication time is unknown, 0). */
int cg_incident_cert_revoked_at(const cg_incident_cert *cert, int64_t at);

/* Evaluates one certificate of inc at `at`. Returns 0 (and *out untouched)
 * when inc->kind is not a known kind. */
int cg_incident_revocation_eval(const cg_incident *inc, const cg_incident_cert *cert, int64_t at,
                                cg_revocation_eval *out);

/* 1 when inc is a revocation-delay incident at `at`: some certificate's
 * revocation is LATE or OVERDUE (it has a revocation.deadline_missed). */
int cg_incident_revocation_delayed(const cg_incident *inc, int64_t at);

/* The next report or update due: 1 and *due when one is (a report was
 * posted and the incident is not closed, or a question followed the
 * closure); 0 otherwise. *since is the report, update or reopening question
 * the clock runs from; *why (static) says which rule set *due: "7 days",
 * "3 days (revocation-delay incident)", "the next-update date". */
int cg_incident_update_due(const cg_incident *inc, int64_t at, int64_t *since, int64_t *due,
                           const char **why);

/* The MUST behind the update rules: updates by the "Next update" date when
 * one is set after the last update, else within 7 days of it (a
 * revocation-delay incident too: its 3 days are a SHOULD). 1 and *due when
 * an update is owed (as cg_incident_update_due); 0 otherwise. */
int cg_incident_update_must(const cg_incident *inc, int64_t at, int64_t *due);

/* A question (event i, CG_EVENT_QUESTION: a Bugzilla comment by anyone but
 * the CA, or one recorded by hand) is answered at `at` when the CA posted
 * anything after it by then: a response, update, report or closure. */
int cg_incident_question_answered(const cg_incident *inc, size_t i, int64_t at);

#define CG_QUESTION_WINDOW (7 * 86400)

/* Runs every incident rule on inc at ctx->at. Findings carry inc->id; those
 * about a certificate name it by kind, index in inc->certs, SHA-256 and
 * serial (file NULL), the others are of kind CG_KIND_INCIDENT. Returns 0 when
 * inc->kind is unknown (the revocation rules are then skipped), else 1. */
int cg_incident_check(cg_ctx *ctx, const cg_incident *inc);

/* Lengths for messages, in hours to the second: "1224 hours" when whole, or
 * hours, minutes and seconds ("27 hours 0 min 1 s"). buf of 48 bytes. */
void cg_incident_format_duration(int64_t seconds, char *buf, size_t cap);

#endif
