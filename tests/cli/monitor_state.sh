#!/usr/bin/env bash
# caguard monitor's state in the store, against caguard-testlog on loopback:
# SIGKILL mid-run and restart gives the findings and position of an
# uninterrupted run; a second --once reads nothing; dropped connections and
# 429s lose nothing; --from-end starts at the tree head; following picks up
# an entry added while it runs and stops on SIGTERM; log findings are stored
# once, with the log's ID; a log failing longer than its MMD is
# ct.log.unreachable; caguard status shows it all.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
mpid=
trap '[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null; stop_servers; rm -rf "$tmp"' EXIT

admin() { curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X POST "$url/admin/fault?$1"; }
# The store's findings without their times, sorted, the log's URL (a new
# port for every server) as LOG: what two runs must share.
findings_of() {
  "$CAGUARD" findings --store "$1" --format json |
    sed -E 's/"(first|last)_seen":"[^"]*",?//g; s/"id":"[0-9]+",?//g; s#http://127\.0\.0\.1:[0-9]+#LOG#g' | sort
}
# position and tree size of the one log in a store
position_of() {
  "$CAGUARD" status --store "$1" | sed -nE 's/^  position +([0-9]+) of ([0-9]+)$/\1 \2/p'
}

build_seed_log "$tmp/log"
c3=$d/ct3

M=("$CAGUARD" monitor --issuer "$d/sct/ca.pem" --loglist "$c3/loglist.json"
   --at 2025-04-01T00:00:00Z)

# ---- the reference: one uninterrupted run ----
start_server "$tmp/log"
expect_status 1 "${M[@]}" --store "$tmp/ref.db" --once --log "$url" --log-key "$tmp/log.pub"
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
findings_of "$tmp/ref.db" >"$tmp/ref.findings"
expect_grep 'ct.precert.duplicate_serial' "$tmp/ref.findings"
expect_eq 'reference position' "$(position_of "$tmp/ref.db")" '8 8'

# A second --once run: nothing new, nothing read.
expect_status 0 "${M[@]}" --store "$tmp/ref.db" --once --log "$url" --log-key "$tmp/log.pub"
expect_grep 'at 8 of 8, 0 entries read' "$tmp/err"
expect_no_grep '(error|warning|notice) ' "$tmp/out"

# caguard status, text and JSON.
expect_status 0 "$CAGUARD" status --store "$tmp/ref.db"
expect_grep "^$url\$" "$tmp/out"
expect_grep '^  position +8 of 8$' "$tmp/out"
expect_grep '^  lag +0 entries' "$tmp/out"
expect_grep '^  failing since +-$' "$tmp/out"
expect_status 0 "$CAGUARD" status --store "$tmp/ref.db" --format json
expect_grep '"lag_entries": 0' "$tmp/out"
expect_grep '"failing_since": null' "$tmp/out"
expect_grep '"log_id": "[A-Za-z0-9+/]{43}="' "$tmp/out"
expect_status 0 "$CAGUARD" status --help
expect_status 2 "$CAGUARD" status --format xml
expect_status 2 "$CAGUARD" status --store "$tmp/none.db"
stop_server

# ---- SIGKILL mid-run, restart ----
# Slow answers, one entry per request and two per commit: the kills land
# while ranges are open.
start_server "$tmp/log" --delay 100
K=("${M[@]}" --store "$tmp/k.db" --once --quiet --batch 1 --parallel 1 --commit-every 2
   --log "$url" --log-key "$tmp/log.pub")
# Killed until a kill leaves it part-way (some ranges committed, not all),
# waiting a little longer each time (a loaded machine is slower), so the
# restart below resumes from a committed range.
positions=
last=0
for wait_ms in 700 1000 1300 1600 1900 2200 2500 2800; do
  "${K[@]}" >>"$tmp/k.out" 2>>"$tmp/k.err" &
  mpid=$!
  sleep "$((wait_ms / 1000)).$(printf %03d $((wait_ms % 1000)))"
  kill -9 "$mpid" 2>/dev/null
  wait "$mpid" 2>/dev/null
  mpid=
  last=$(position_of "$tmp/k.db" 2>/dev/null | cut -d' ' -f1)
  last=${last:-0}
  positions="$positions $last"
  [ "$last" -gt 0 ] && break
done
echo "positions after each SIGKILL:$positions"
if [ "$last" -gt 0 ] && [ "$last" -lt 8 ]; then pass_; else
  fail_ "the kills did not land mid-run (positions:$positions)"
fi
expect_eq 'slow off' "$(admin 'name=slow&on=0')" 200
expect_status 1 "${K[@]}"
expect_eq 'position after restart' "$(position_of "$tmp/k.db")" '8 8'
findings_of "$tmp/k.db" >"$tmp/k.findings"
if cmp -s "$tmp/ref.findings" "$tmp/k.findings"; then pass_; else
  fail_ "killed and restarted: findings differ from the uninterrupted run"
  diff "$tmp/ref.findings" "$tmp/k.findings" >&2
fi
# Every finding printed once over all the runs (killed ones included: the
# monitor prints each after its commit).
cat "$tmp/k.out" "$tmp/out" | grep -E '^ +(error|warning|notice) ' | sort | uniq -d >"$tmp/dups"
expect_no_grep '.' "$tmp/dups"
stop_server

# ---- dropped connections and 429s: slower, nothing lost ----
start_server "$tmp/log" --drop-every 3 --rate-limit 4:1
expect_status 1 "${M[@]}" --store "$tmp/d.db" --once --batch 2 --commit-every 3 \
  --log "$url" --log-key "$tmp/log.pub"
findings_of "$tmp/d.db" >"$tmp/d.findings"
if cmp -s "$tmp/ref.findings" "$tmp/d.findings"; then pass_; else
  fail_ "drops and 429s: findings differ"
  diff "$tmp/ref.findings" "$tmp/d.findings" >&2
fi
expect_eq 'position with drops' "$(position_of "$tmp/d.db")" '8 8'
stop_server

# ---- --from-end, then following ----
start_server "$tmp/log"
expect_status 0 "${M[@]}" --store "$tmp/e.db" --once --from-end --log "$url" --log-key "$tmp/log.pub"
expect_grep 'starting at its end, entry 8' "$tmp/err"
expect_grep 'at 8 of 8, 0 entries read' "$tmp/err"
expect_no_grep '(error|warning|notice) ' "$tmp/out"
expect_eq 'from-end position' "$(position_of "$tmp/e.db")" '8 8'

# Following: an entry added while it runs is read; SIGTERM ends it, exit 0.
"${M[@]}" --store "$tmp/e.db" --poll-interval 1 --log "$url" --log-key "$tmp/log.pub" \
  >"$tmp/f.out" 2>"$tmp/f.err" &
mpid=$!
sleep 1
add_pre_chain "$d/sct/precert.pem" "$d/sct/ca.pem"
for _ in $(seq 100); do
  grep -q 'at 9 of 9, 1 entries read, 1 kept' "$tmp/f.err" && break
  sleep 0.1
done
kill -TERM "$mpid"
got=0
wait "$mpid" || got=$?
mpid=
expect_eq 'following: exit on SIGTERM' "$got" 0
expect_grep 'at 9 of 9, 1 entries read, 1 kept' "$tmp/f.err"
expect_eq 'following position' "$(position_of "$tmp/e.db")" '9 9'
stop_server

# A stop while waiting to retry: every answer is a 429 asking for 30 s; a
# SIGTERM ends the wait (within 100 ms, so well within 10 s), exit 0, and
# the log is not counted as failing.
start_server "$tmp/log" --rate-limit 1:30
"${M[@]}" --store "$tmp/e.db" --poll-interval 1 --log "$url" --log-key "$tmp/log.pub" \
  >"$tmp/r.out" 2>"$tmp/r.err" &
mpid=$!
sleep 1.5
kill -TERM "$mpid"
for _ in $(seq 100); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mpid" 2>/dev/null; then
  fail_ "SIGTERM during a 30 s retry wait: still running 10 s later"
  kill -9 "$mpid"
fi
got=0
wait "$mpid" || got=$?
mpid=
expect_eq 'stopped in a retry wait: exit status' "$got" 0
expect_no_grep 'unreachable|failed' "$tmp/r.err"
stop_server

# ---- log findings: stored once, with the log ID ----
start_server "$tmp/log" --tamper-entry 3
expect_status 1 "$CAGUARD" monitor --store "$tmp/t.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'error +ct\.log\.merkle_mismatch' "$tmp/out"
expect_status 0 "$CAGUARD" monitor --store "$tmp/t.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_no_grep 'ct\.log\.' "$tmp/out"
# Nothing of the range that did not verify was committed.
expect_eq 'tampered position' "$(position_of "$tmp/t.db")" '0 9'
expect_status 1 "$CAGUARD" findings --store "$tmp/t.db" --format json
expect_grep '"rule":"ct\.log\.merkle_mismatch"' "$tmp/out"
expect_grep "\"file\":\"$url\"" "$tmp/out"
expect_grep '"log":"[A-Za-z0-9+/]{43}="' "$tmp/out"
stop_server

start_server "$tmp/log" --wrong-key
expect_status 1 "$CAGUARD" monitor --store "$tmp/w.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'error +ct\.log\.sth_signature_invalid' "$tmp/out"
expect_status 0 "$CAGUARD" monitor --store "$tmp/w.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_no_grep 'ct\.log\.' "$tmp/out"
expect_status 1 "$CAGUARD" findings --store "$tmp/w.db" --rule ct.log.sth_signature_invalid
expect_grep '1 finding: 1 error' "$tmp/out"
stop_server

# ---- unreachable for longer than the MMD ----
dead=http://127.0.0.1:1
U=("$CAGUARD" monitor --store "$tmp/u.db" --all-issuers --once --retries 1 --log "$dead"
   --log-key "$tmp/log.pub" --log-mmd 1)
expect_status 2 "${U[@]}"
expect_no_grep 'unreachable' "$tmp/out"
expect_status 0 "$CAGUARD" status --store "$tmp/u.db"
expect_grep '^  failing since +[0-9]{4}-' "$tmp/out"
expect_grep '^  last contact +never' "$tmp/out"
sleep 2.2
expect_status 2 "${U[@]}"
expect_grep 'warning +ct\.log\.unreachable: the log has failed since' "$tmp/out"
expect_status 2 "${U[@]}"
expect_no_grep 'unreachable' "$tmp/out"

# Usage errors.
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log "$url" --log-key "$tmp/log.pub" \
  --log-mmd 0
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log-mmd 5
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log "$url" --log-key "$tmp/log.pub" \
  --batch x

finish
