#!/usr/bin/env bash
# The log lists shipped with caguard (data/loglists: Chrome's signed list of
# every log and Apple's list) are used with no flag: the real Let's Encrypt
# pair of June 2023 (Boulder's test data, its expected results: good/
# corresponds, bad/'s SCTs were issued for another precertificate) has its
# SCTs verified and the three CT policies evaluated; --no-default-loglists
# opts out. `caguard loglist update --from DIR` verifies Chrome's signature
# and replaces the state directory's snapshot at once; a tampered list is
# refused and the snapshot in use kept.
. "$(dirname "$0")/lib.sh"
le=$CG_TEST_DATA/le2023
state=$tmp/state
export CAGUARD_STATE_DIR=$state
good=("$le/r3.pem" "$le/good/precert.pem" "$le/good/final.pem")
bad=("$le/r3.pem" "$le/bad/precert.pem" "$le/bad/final.pem")

# ---- no flag: SCTs verified, policies evaluated ----
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 "${good[@]}"
expect_eq "findings on the good pair" "$(grep -c '"rule"' "$tmp/out")" 0
# The counterpart: the SCTs of bad/final.pem were issued for its
# precertificate, so with the logs' keys known they fail to verify over the
# certificate; no policy counts them.
expect_status 1 "$CAGUARD" check --format json --at 2023-06-20 "${bad[@]}"
expect_eq "SCTs that do not verify" "$(grep -c '"rule":"ct.sct.signature_invalid"' "$tmp/out")" 2
expect_grep '"rule":"ct.policy.chrome_unsatisfied".*signature not verified' "$tmp/out"
expect_no_grep 'ct.sct.unknown_log|ct.policy.not_evaluated' "$tmp/out"
# Today the certificate has expired: the policies say so, not "no log list".
expect_status 0 "$CAGUARD" check --format json "${good[@]}"
expect_grep '"rule":"ct.policy.not_evaluated".*certificate expired' "$tmp/out"
# The notice when the snapshot is older than 30 days (Chrome's list of the
# shipped snapshot was published on 2026-08-20).
published=$(date -u -d 2026-08-20T13:34:57Z +%s)
if [ $(($(date -u +%s) - published)) -gt $((30 * 86400)) ]; then
  expect_grep 'notice: the CT log lists in use \(.*data/loglists\) were published on 2026-08-20' \
    "$tmp/err"
else
  expect_no_grep 'published on' "$tmp/err"
fi

# ---- --no-default-loglists: as before there were lists ----
expect_status 0 "$CAGUARD" check --format json --no-default-loglists --at 2023-06-20 "${good[@]}"
expect_grep '"rule":"ct.policy.not_evaluated".*no log list' "$tmp/out"
expect_status 1 "$CAGUARD" check --format json --no-default-loglists --at 2023-06-20 "${bad[@]}"
expect_grep '"rule":"ct.pair.tbs_mismatch"' "$tmp/out"
expect_no_grep 'ct.sct.signature_invalid' "$tmp/out"
# A --loglist replaces the default lists (Chrome's current list no longer
# names the 2023 logs).
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 \
  --loglist "$CG_TEST_DATA/loglists/gstatic_v3_all_logs_list.json" "${good[@]}"
expect_grep '"rule":"ct.sct.unknown_log"' "$tmp/out"
# ingest reads the same defaults.
expect_status 1 "$CAGUARD" ingest --store "$tmp/st.db" --at 2023-06-20 "${bad[@]}"
expect_grep 'ct.sct.signature_invalid' "$tmp/out"

# ---- no snapshot anywhere: a notice, and the check still runs ----
expect_status 0 env CAGUARD_DATA_DIR="$tmp/none" "$CAGUARD" check --at 2023-06-20 "${good[@]}"
expect_grep 'notice: no CT log list snapshot in .*/none/loglists' "$tmp/err"
expect_grep 'not evaluated: no log list' "$tmp/out"

# ---- loglist show / update ----
expect_status 0 "$CAGUARD" loglist show
expect_grep '^snapshot: .*data/loglists \(shipped with caguard\)' "$tmp/out"
expect_grep '^published: 2026-08-20T13:34:57Z' "$tmp/out"
expect_grep '^logs: [0-9]+ \(Chrome.s list 117, Apple.s list' "$tmp/out"

mkdir -p "$tmp/new"
cp "$CAGUARD_DATA_DIR/loglists/all_logs_list.json" "$CAGUARD_DATA_DIR/loglists/all_logs_list.sig" \
  "$tmp/new/"
# A list changed by one byte: refused, nothing written.
sed 's/"Google"/"G00gle"/' "$tmp/new/all_logs_list.json" >"$tmp/new/x" &&
  mv "$tmp/new/x" "$tmp/new/all_logs_list.json"
expect_status 1 "$CAGUARD" loglist update --from "$tmp/new"
expect_grep 'refused: .*signature all_logs_list.sig does not verify' "$tmp/err"
[ -e "$state/loglists" ] && fail_ "a refused update wrote $state/loglists" || pass_
# The real list (Chrome's alone in DIR): the state directory's snapshot
# now comes first.
cp "$CAGUARD_DATA_DIR/loglists/all_logs_list.json" "$tmp/new/"
expect_status 0 "$CAGUARD" loglist update --from "$tmp/new"
expect_grep "$state/loglists now holds the lists published 2026-08-20T13:34:57Z \(117 logs\)" \
  "$tmp/out"
[ -L "$state/loglists" ] && pass_ || fail_ "$state/loglists is not the swapped link"
expect_status 0 "$CAGUARD" loglist show
expect_grep "^snapshot: $state/loglists \(updated\)" "$tmp/out"
first=$(readlink "$state/loglists")
# With Chrome's list alone the 2023 logs are unknown: the update is in use.
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 "${good[@]}"
expect_grep '"rule":"ct.sct.unknown_log"' "$tmp/out"
# A second update with Apple's list too swaps the link and removes the old set.
cp "$CAGUARD_DATA_DIR/loglists/current_log_list.json" "$tmp/new/"
expect_status 0 "$CAGUARD" loglist update --quiet --from "$tmp/new"
expect_eq "update --quiet prints" "$(cat "$tmp/out")" ""
[ "$(readlink "$state/loglists")" != "$first" ] && [ ! -e "$state/$first" ] && pass_ ||
  fail_ "the second update did not replace $first"
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 "${good[@]}"
expect_eq "findings on the good pair (updated lists)" "$(grep -c '"rule"' "$tmp/out")" 0
# A snapshot whose files were changed after the update is not used.
printf ' ' >>"$state/$(readlink "$state/loglists")/all_logs_list.json"
expect_status 0 "$CAGUARD" check --at 2023-06-20 "${good[@]}"
expect_grep 'notice: .*all_logs_list.json: its signature all_logs_list.sig does not verify' \
  "$tmp/err"

# Usage errors.
expect_status 2 "$CAGUARD" loglist update --from "$tmp/missing"
expect_grep 'cannot open .*missing/all_logs_list.json' "$tmp/err"
expect_status 2 "$CAGUARD" loglist frobnicate
expect_status 0 "$CAGUARD" loglist --help
expect_grep 'usage: caguard loglist show' "$tmp/out"
finish
