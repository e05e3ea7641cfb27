#!/usr/bin/env bash
# caguard incident: the kinds table (docs/incident-kinds.md is its markdown
# output) and the lint of CCADB incident reports.
. "$(dirname "$0")/lib.sh"
report="$CG_TEST_DATA/incident/report-filled.md"

expect_status 0 "$CAGUARD" incident kinds --format markdown
if diff -u "$CG_SOURCE_DIR/docs/incident-kinds.md" "$tmp/out" >"$tmp/diff"; then pass_; else
  fail_ "docs/incident-kinds.md differs from 'caguard incident kinds --format markdown'" \
        "(regenerate it):"
  head -40 "$tmp/diff" >&2
fi
expect_status 0 "$CAGUARD" incident kinds
expect_grep '^misissuance +5 days +superseded +TLS BRs §4.9.1.1 \(12\)' "$tmp/out"
expect_grep '^subscriber-request +24 hours +omitted' "$tmp/out"
[ "$(grep -c '^[a-z]' "$tmp/out")" = 16 ] && pass_ || fail_ "want 16 kinds"
expect_status 2 "$CAGUARD" incident kinds --format yaml
expect_grep 'must be text or markdown' "$tmp/err"
expect_status 2 "$CAGUARD" incident kinds extra

# A filled report, written as a CA would (the golden incident's), is complete.
expect_status 0 "$CAGUARD" incident lint "$report"
expect_grep 'complete' "$tmp/out"
expect_status 0 "$CAGUARD" incident lint --format json "$report"
[ -s "$tmp/out" ] && fail_ "json lint of a complete report printed something" || pass_

# Each section taken out in turn: exit 1 and a finding naming it.
for section in "Impact" "Timeline" "Related Incidents" "Root Cause Analysis" \
               "Lessons Learned" "Action Items" "Appendix"; do
  awk -v s="### $section" '
    $0 == s { skip = 1; next }
    skip && /^#/ { skip = 0 }
    !skip' "$report" >"$tmp/cut.md"
  expect_status 1 "$CAGUARD" incident lint "$tmp/cut.md"
  expect_grep "incident.report_incomplete: Full Incident Report: section '$section' is missing" \
    "$tmp/out"
done
# A field left empty, in JSON.
sed 's/^- \*\*Incident heuristic:\*\* .*$/- **Incident heuristic:**/' "$report" >"$tmp/empty.md"
expect_status 1 "$CAGUARD" incident lint --format json "$tmp/empty.md"
expect_grep '"rule":"incident.report_incomplete"' "$tmp/out"
expect_grep '"kind":"incident"' "$tmp/out"
expect_grep "field 'Incident heuristic' is empty" "$tmp/out"
[ "$(wc -l <"$tmp/out")" = 1 ] && pass_ || fail_ "want exactly one finding"
# The draft caguard writes, untouched, is not: every field left to the CA.
expect_status 1 "$CAGUARD" incident lint "$CG_TEST_DATA/incident/report.md"
expect_grep 'not complete: 17 things to write or fix' "$tmp/out"

# Unreadable or missing input, bad usage.
expect_status 2 "$CAGUARD" incident lint "$tmp/missing.md"
expect_grep 'cannot open' "$tmp/err"
expect_status 2 "$CAGUARD" incident lint "$tmp"
expect_status 2 "$CAGUARD" incident lint
expect_status 2 "$CAGUARD" incident lint --format yaml "$report"
expect_status 2 "$CAGUARD" incident
expect_status 2 "$CAGUARD" incident frobnicate
expect_grep "unknown subcommand 'frobnicate'" "$tmp/err"
expect_status 0 "$CAGUARD" incident --help
expect_grep 'lint' "$tmp/out"
finish
