#!/usr/bin/env bash
# Rule selection and the exit contract of caguard check: --include and
# --exclude (an ID or a prefix, repeatable), --min-severity, --fail-on,
# --quiet, on the real Let's Encrypt pair of the 2023 duplicate-serial
# incident (Boulder's test data: the final certificate differs from its
# precertificate, so its SCTs do not verify over it).
. "$(dirname "$0")/lib.sh"
le=$CG_TEST_DATA/le2023
bad=("$le/r3.pem" "$le/bad/precert.pem" "$le/bad/final.pem")
rules() { grep -o '"rule":"[^"]*"' "$tmp/out" | cut -d'"' -f4 | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' '; }

expect_status 1 "$CAGUARD" check --format json --at 2023-06-20 "${bad[@]}"
expect_eq "every rule" "$(rules)" \
  "ct.pair.tbs_mismatch=1 ct.policy.apple_unsatisfied=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 ct.sct.signature_invalid=2 "
expect_status 1 "$CAGUARD" check --format json --at 2023-06-20 --include ct.sct "${bad[@]}"
expect_eq "--include ct.sct" "$(rules)" "ct.sct.signature_invalid=2 "
expect_status 1 "$CAGUARD" check --format json --at 2023-06-20 --include ct.policy. \
  --include ct.pair.tbs_mismatch --exclude ct.policy.apple_unsatisfied "${bad[@]}"
expect_eq "--include twice, --exclude" "$(rules)" \
  "ct.pair.tbs_mismatch=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 "
# A prefix is of whole parts: ct.po is no prefix of ct.policy.*.
expect_status 2 "$CAGUARD" check --at 2023-06-20 --include ct.po "${bad[@]}"
expect_grep "^caguard check: 'ct.po' names no rule; did you mean ct.policy.[a-z_]+\? \(see 'caguard check --help'\)$" "$tmp/err"
expect_status 2 "$CAGUARD" check --at 2023-06-20 --include zzz.zzz "${bad[@]}"
expect_grep "^caguard check: 'zzz.zzz' names no rule nor prefix of one \('caguard rules' lists them\)" "$tmp/err"
expect_status 2 "$CAGUARD" check --at 2023-06-20 --exclude ct.pair.tbs_mismatc "${bad[@]}"
expect_grep "did you mean ct.pair.tbs_mismatch\?" "$tmp/err"
# Only warnings are left: exit 0, unless --fail-on warning.
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 --exclude ct.sct \
  --exclude ct.pair "${bad[@]}"
expect_eq "warnings only" "$(rules)" \
  "ct.policy.apple_unsatisfied=1 ct.policy.chrome_unsatisfied=1 ct.policy.mozilla_unsatisfied=1 "
expect_status 1 "$CAGUARD" check --format json --at 2023-06-20 --exclude ct.sct \
  --exclude ct.pair --fail-on warning "${bad[@]}"
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20 --min-severity error \
  --exclude ct.sct --exclude ct.pair --fail-on warning "${bad[@]}"
expect_eq "--min-severity error" "$(rules)" ""
expect_status 1 "$CAGUARD" check --at 2023-06-20 --min-severity error "${bad[@]}"
expect_grep '^3 objects in 3 files checked, 1 with findings: 3 errors, 0 warnings, 0 notices$' \
  "$tmp/out"
expect_status 2 "$CAGUARD" check --min-severity fatal "${bad[@]}"
expect_grep "min-severity must be error, warning or notice, not 'fatal'" "$tmp/err"
# --quiet: nothing on stdout nor stderr, the exit status says it.
expect_status 1 "$CAGUARD" check --quiet --at 2023-06-20 "${bad[@]}"
expect_eq "--quiet stdout" "$(cat "$tmp/out")" ""
expect_eq "--quiet stderr" "$(cat "$tmp/err")" ""
expect_status 0 "$CAGUARD" check --quiet --at 2023-06-20 "$le/r3.pem" "$le/good/precert.pem" \
  "$le/good/final.pem"
expect_eq "--quiet stdout" "$(cat "$tmp/out")" ""
finish
