#!/usr/bin/env bash
# Rule selection on caguard monitor (--include, --exclude, --min-severity,
# --fail-on: the options and the code of check, ingest and findings,
# cli/opts.h): it chooses what is printed and what the exit status counts;
# the store, the alerts and the incident drafts take every finding, so a
# selection never leaves a hole in the record nor silences a page. The
# monitor's --quiet keeps its meaning (no progress lines; findings still
# printed). The same from [monitor] of --config. Input: the seed's CT
# failures in a local log (caguard-testlog).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
trap 'stop_servers; rm -rf "$tmp"' EXIT
build_seed_log "$tmp/log"
start_server "$tmp/log"

rules() { grep -o '"rule":"[^"]*"' "$1" | cut -d'"' -f4 | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' '; }
mon() {
  local db=$1
  shift
  "$CAGUARD" monitor --store "$db" --issuer "$d/sct/ca.pem" \
    --loglist "$d/ct3/loglist.json" --at 2025-04-01T00:00:00Z --once --format json \
    --log "$url" --log-key "$tmp/log.pub" "$@"
}
stored() {
  "$CAGUARD" --store "$1" findings --format json >"$tmp/stored" 2>"$tmp/stored.err"
  rules "$tmp/stored"
}

# No selection: what is printed is what is stored.
expect_status 1 mon "$tmp/a.db"
all=$(rules "$tmp/out")
expect_grep '"rule":"ct\.precert\.duplicate_serial"' "$tmp/out"
expect_grep '"rule":"ct\.pair\.validity_mismatch"' "$tmp/out"
expect_eq "stored, no selection" "$(stored "$tmp/a.db")" "$all"

# --include a prefix: only its findings printed; all stored; all alerted.
expect_status 1 mon "$tmp/b.db" --include ct.precert --alert-jsonl "$tmp/b.jsonl" \
  --alert-min-severity notice --incidents auto
expect_grep '"rule":"ct\.precert\.' "$tmp/out"
expect_no_grep '"rule":"ct\.(pair|sct)\.' "$tmp/out"
expect_eq "stored after --include" "$(stored "$tmp/b.db")" "$all"
expect_eq "alerted after --include" "$(rules "$tmp/b.jsonl")" "$all"
expect_status 0 "$CAGUARD" --store "$tmp/b.db" incident list
expect_grep 'validity|ct\.pair' "$tmp/out"

# --exclude wins over --include; nothing selected is an error: exit 0
# although error findings were stored.
expect_status 0 mon "$tmp/c.db" --include ct --exclude ct
expect_eq "monitor --exclude ct" "$(rules "$tmp/out")" ""
expect_eq "stored after --exclude" "$(stored "$tmp/c.db")" "$all"

# --min-severity error prints errors only; the second run has nothing new.
expect_status 1 mon "$tmp/d.db" --min-severity error
expect_no_grep '"severity":"(warning|notice)"' "$tmp/out"
expect_grep '"severity":"error"' "$tmp/out"
expect_status 0 mon "$tmp/d.db" --min-severity error
expect_eq "second run" "$(rules "$tmp/out")" ""

# --fail-on: only the selected findings count.
expect_status 0 mon "$tmp/e.db" --include ct.pair.validity_mismatch --fail-on error --exclude ct.pair
expect_status 1 mon "$tmp/f.db" --include ct.pair.validity_mismatch --fail-on error
expect_eq "monitor --include one rule" "$(rules "$tmp/out")" "ct.pair.validity_mismatch=1 "

# --quiet: no progress lines; the findings are still printed.
expect_status 1 mon "$tmp/g.db" --quiet --include ct.pair.validity_mismatch
expect_eq "monitor --quiet stdout" "$(rules "$tmp/out")" "ct.pair.validity_mismatch=1 "
expect_no_grep 'entries read' "$tmp/err"

# The same from the configuration file ([monitor] include, exclude,
# min_severity, fail_on): printed and counted as the flags would.
printf '[monitor]\ninclude = ct.pair\ninclude = ct.precert.duplicate_serial\nexclude = ct.pair.validity_mismatch\nmin_severity = warning\nfail_on = warning\n' >"$tmp/sel.ini"
expect_status 1 mon "$tmp/i.db" --config "$tmp/sel.ini"
expect_grep '"rule":"ct\.precert\.duplicate_serial"' "$tmp/out"
expect_no_grep '"rule":"ct\.(pair\.validity_mismatch|sct|precert\.sct_list)' "$tmp/out"
expect_eq "stored after the file's selection" "$(stored "$tmp/i.db")" "$all"
printf '[monitor]\nexclude = ct\nfail_on = notice\n' >"$tmp/none.ini"
expect_status 0 mon "$tmp/j.db" --config "$tmp/none.ini"
printf '[monitor]\ninclude = ct.nothing\n' >"$tmp/bad.ini"
expect_status 2 mon "$tmp/k.db" --config "$tmp/bad.ini"
expect_grep "'ct\.nothing' names no rule" "$tmp/err"
printf '[monitor]\nfail_on = fatal\n' >"$tmp/bad2.ini"
expect_status 2 mon "$tmp/k.db" --config "$tmp/bad2.ini"
expect_grep 'fail_on' "$tmp/err"

# A pattern that names no rule: exit 2 with a suggestion, nothing read.
expect_status 2 mon "$tmp/h.db" --include ct.pair.validity_mismatc
expect_grep "caguard monitor: 'ct\.pair\.validity_mismatc' names no rule; did you mean ct\.pair\.validity_mismatch\?" "$tmp/err"
[ ! -e "$tmp/h.db" ] && pass_ || fail_ "a store was made before the usage error"
expect_status 2 mon "$tmp/h.db" --min-severity fatal
finish
