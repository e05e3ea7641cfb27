/* Browser CT policies (Chrome, Apple, Mozilla) over a certificate's embedded
 * SCTs, and two per-SCT observations about the logs that issued them.
 *
 * Pure: no I/O, no globals, nothing allocated that outlives a call; results
 * borrow nothing. Certificate and evaluation times are seconds, SCT and log
 * list times milliseconds, all since the Unix epoch (UTC). policy.c opens
 * with the exact requirements implemented and where each comes from. */
#ifndef CAGUARD_CT_POLICY_H
#define CAGUARD_CT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "ct/loglist.h"

typedef struct cg_policy_sct {
    uint8_t log_id[32];
    uint64_t timestamp_ms;
    int valid; /* signature verified; only these count */
} cg_policy_sct;

typedef struct cg_policy_input {
    int64_t not_before, not_after; /* seconds */
    int64_t at;                    /* evaluation time, seconds */
    const cg_policy_sct *scts;     /* the embedded SCTs */
    size_t n_scts;
    const cg_loglist *ll; /* NULL: not evaluated */
    int issuer_unknown;   /* signatures could not be checked: not evaluated */
    unsigned quiet;       /* CG_POLICY_QUIET_*: outcomes whose reason is left empty */
} cg_policy_input;

/* Outcomes a caller reports without their reason (a checker reports a met
 * policy not at all, and one reason for the policies not evaluated): their
 * reason is left empty, nothing is formatted. */
enum { CG_POLICY_QUIET_MET = 1, CG_POLICY_QUIET_NOT_EVALUATED = 2 };

typedef enum { CG_POLICY_OK, CG_POLICY_UNSATISFIED, CG_POLICY_NOT_EVALUATED } cg_policy_status;

typedef struct cg_policy_result {
    cg_policy_status status;
    /* What is missing and which logs and operators were seen, e.g. "needs 3
     * SCTs from distinct logs (...), has 2; needs 2 operators, has 1
     * (Google)"; why it was not evaluated; or what met the policy. */
    char reason[512];
} cg_policy_result;

/* Not evaluated when the issuer is unknown, there is no log list, the
 * certificate expired before the evaluation time (notAfter < at), or the
 * outcome hangs on log states the list does not give (crt.sh's list has
 * none). No SCTs, or none valid, is UNSATISFIED. */
void cg_policy_chrome(const cg_policy_input *in, cg_policy_result *out);
void cg_policy_apple(const cg_policy_input *in, cg_policy_result *out);
void cg_policy_mozilla(const cg_policy_input *in, cg_policy_result *out);

/* Rule ct.sct.log_not_yet_usable. Returns 1 when the list shows the log was
 * pending or only Qualified at sct_ts_ms. A list is one snapshot: it gives a
 * log's current state and when it entered it, nothing earlier, so an SCT
 * predating a ReadOnly, Retired or Rejected state (or any SCT from a log
 * without a state) cannot be judged; that returns 0 and why says so. why is
 * always written (cap 0 allowed); with why NULL or cap 0 nothing is
 * formatted, the verdict costs a comparison or two. */
int cg_policy_log_not_yet_usable(const cg_log *log, uint64_t sct_ts_ms, char *why, size_t cap);

/* Rule ct.sct.outside_temporal_interval. Returns 1 when the log is a
 * temporal shard whose [start_inclusive, end_exclusive) does not contain
 * not_after (seconds); 0 otherwise. why is always written; NULL (cap 0)
 * asks for the verdict alone, formatted nothing. */
int cg_policy_outside_interval(const cg_log *log, int64_t not_after, char *why, size_t cap);

#endif
