#!/usr/bin/env bash
# Rule selection (--include, --exclude, --min-severity, --fail-on, --quiet)
# on the commands that store findings: ingest, findings, incident status.
# They print and count what is selected and store every finding, so a
# selection never leaves a hole in the record. Inputs: the real Let's
# Encrypt pair of the 2023 duplicate-serial incident (Boulder's test data)
# and the delayed-revocation story of incident_store.sh.
. "$(dirname "$0")/lib.sh"
le=$CG_TEST_DATA/le2023
bad=("$le/r3.pem" "$le/bad/precert.pem" "$le/bad/final.pem")
rules() { grep -o '"rule":"[^"]*"' "$tmp/out" | cut -d'"' -f4 | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' '; }
# Stored: the store keeps one finding per rule and object (the second SCT's
# failure is a repeat of the first).
all="ct.pair.tbs_mismatch=1 ct.policy.apple_unsatisfied=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 ct.sct.signature_invalid=1 "
ing() { db=$1; shift; "$CAGUARD" --store "$db" ingest --at 2023-06-20 "$@"; }

# ingest: what is printed is selected; what is stored is everything.
expect_status 1 ing "$tmp/a.db" --format json --include ct.sct "${bad[@]}"
expect_eq "ingest --include ct.sct" "$(rules)" "ct.sct.signature_invalid=1 "
expect_status 1 "$CAGUARD" --store "$tmp/a.db" findings --format json
expect_eq "stored after ingest --include" "$(rules)" "$all"
# Only warnings selected: exit 0, unless --fail-on warning.
expect_status 0 ing "$tmp/b.db" --format json --exclude ct.sct --exclude ct.pair "${bad[@]}"
expect_eq "ingest, warnings only" "$(rules)" \
  "ct.policy.apple_unsatisfied=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 "
expect_status 1 ing "$tmp/c.db" --format json --exclude ct.sct --exclude ct.pair \
  --fail-on warning "${bad[@]}"
expect_status 1 ing "$tmp/d.db" --min-severity error "${bad[@]}"
expect_no_grep 'ct\.policy' "$tmp/out"
expect_grep 'ct\.pair\.tbs_mismatch' "$tmp/out"
# The summary line is about the store: every new finding.
expect_grep '5 new findings: 2 errors, 3 warnings, 0 notices; 1 repeated' "$tmp/out"
# --quiet: nothing on stdout nor stderr (not even the log lists' age), the
# exit status says it.
expect_status 1 ing "$tmp/e.db" --quiet "${bad[@]}"
expect_eq "ingest --quiet stdout" "$(cat "$tmp/out")" ""
expect_eq "ingest --quiet stderr" "$(cat "$tmp/err")" ""
expect_status 1 "$CAGUARD" --store "$tmp/e.db" findings --format json
expect_eq "stored after ingest --quiet" "$(rules)" "$all"
# A pattern that names no rule: exit 2 before the store is touched.
expect_status 2 ing "$tmp/f.db" --include ct.sct.signature_invalidd "${bad[@]}"
expect_grep "^caguard ingest: 'ct.sct.signature_invalidd' names no rule; did you mean ct.sct.signature_invalid\?" "$tmp/err"
[ ! -e "$tmp/f.db" ] && pass_ || fail_ "a refused ingest created the store"

# findings: the stored view, selected.
fnd() { "$CAGUARD" --store "$tmp/a.db" findings "$@"; }
expect_status 0 fnd --format json --include ct.policy
expect_eq "findings --include ct.policy" "$(rules)" \
  "ct.policy.apple_unsatisfied=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 "
expect_status 1 fnd --format json --include ct.policy --fail-on warning
expect_status 1 fnd --format json --min-severity error
expect_eq "findings --min-severity error" "$(rules)" "ct.pair.tbs_mismatch=1 ct.sct.signature_invalid=1 "
expect_status 1 fnd --exclude ct.policy --exclude ct.pair
expect_grep '^1 finding: 1 error, 0 warnings, 0 notices$' "$tmp/out"
expect_status 1 fnd --quiet
expect_eq "findings --quiet" "$(cat "$tmp/out")" ""
expect_status 2 fnd --exclude nothing.such
expect_grep "^caguard findings: 'nothing.such' names no rule" "$tmp/err"
# Resolved findings do not fail the run, selected or not.
ids=$(fnd --format json --include ct.sct | grep -o '"id":"[0-9]*"' | cut -d'"' -f4 | tr '\n' ' ')
expect_status 0 fnd resolve $ids
expect_status 0 fnd --include ct.sct
expect_status 1 fnd

# incident status: the delayed revocation judged on 2024-03-01.
d=$CG_TEST_DATA/incident/store
idb=$tmp/inc.db
inc() { "$CAGUARD" --store "$idb" incident "$@"; }
expect_status 0 "$CAGUARD" --store "$idb" ingest --seen-at 2023-12-21T00:00:00Z "$d/ca.pem"
expect_status 0 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z \
  "$d/precert_1001.pem" "$d/cert_1001.pem" "$d/cert_1002.pem"
expect_status 0 "$CAGUARD" --store "$idb" ingest --seen-at 2024-02-21T10:00:00Z \
  --at 2024-02-21T10:00:00Z "$d/crl_day51.pem"
expect_status 1 inc status 1 --at 2024-03-01T00:00:00Z --format json --include incident
expect_eq "incident status --include incident" "$(rules)" \
  "incident.full_report_overdue=1 incident.preliminary_report_overdue=1 "
expect_status 1 inc status 1 --at 2024-03-01T00:00:00Z --format json \
  --include revocation.reason_incorrect
expect_eq "incident status --include one rule" "$(rules)" "revocation.reason_incorrect=2 "
expect_status 0 inc status 1 --at 2024-03-01T00:00:00Z --exclude incident --exclude revocation
expect_grep '^no incident finding of the rules selected at 2024-03-01T00:00:00Z$' "$tmp/out"
expect_status 1 inc status 1 --at 2024-03-01T00:00:00Z --quiet
expect_eq "incident status --quiet" "$(cat "$tmp/out")" ""
expect_status 2 inc status 1 --include incident.preliminary
expect_grep "^caguard incident status: 'incident.preliminary' names no rule; did you mean incident.preliminary_report_overdue\?" "$tmp/err"
# Without --at the findings are stored: all of them, whatever is printed.
expect_status 1 inc status 1 --quiet --include incident.full_report_overdue
expect_status 1 "$CAGUARD" --store "$idb" findings --incident 1 --format json --include incident
expect_eq "stored by incident status --include one rule" "$(rules)" \
  "incident.full_report_overdue=1 incident.preliminary_report_overdue=1 "
finish
