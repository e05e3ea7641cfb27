#!/usr/bin/env bash
# A log that stops delivering INSIDE an open range (it sent the range's
# first entry, then nothing for a while) beside an honest log. The open
# range holds the store (its transaction) and the monitor's lock; it used
# to hold them until the range's time (5 s) and the transport's grace were
# up, and the honest log waited that long. Now, when another round waits
# for the lock and the log has handed over nothing for 1 s, the range is
# cut there: what arrived is verified and committed, the lock given back,
# and the rest read in a range of its own. So the order of the summary
# lines tells (no timing assertion): the honest log is committed while the
# slow log's second entry is still on its way, and its summary line comes
# first.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
log_pids=()
stop_all() {
  stop_hostile
  kill "${log_pids[@]}" 2>/dev/null
  wait "${log_pids[@]}" 2>/dev/null
  rm -rf "$tmp"
}
trap stop_all EXIT

# The honest log: the seed log (8 entries), each answer 0.3 s late, so that
# the other log's tree head and first entry come first and its range is the
# open one when the honest log wants the store.
build_seed_log "$tmp/log"
start_server "$tmp/log" --delay 300
honest_url=$url
log_pids+=("$pid")
# The other log (its own key, two entries the seed does not hold), one
# entry per get-entries answer, behind the hostile proxy: its first
# get-entries request answered at once, the next ones 4 s late (less than
# the range's 5 s, so that an uncut range would wait for it).
"$TL" build --dir "$tmp/log2" --key "$d/sct/log_ec.key.pem" "$d/sct/ca.pem" \
  "$d/ct3/moved_pre.pem" "$d/ct3/moved_final.pem" >"$tmp/build2.out" 2>&1 ||
  fail_ "build log2: $(cat "$tmp/build2.out")"
start_server "$tmp/log2" --max-batch 1
log_pids+=("$pid")
M=("$CAGUARD" monitor --all-issuers --once --retries 1 --round-timeout 30)
L=(--log "$honest_url" --log-key "$tmp/log.pub")

# ---- slow inside the range: cut, committed, read on ----
HOSTILE_KEY=$d/sct/log_ec.key.pem start_hostile slow --on entries --after 1 --slow-ms 4000
expect_status 1 "${M[@]}" --store "$tmp/slow.db" --log "$hurl" \
  --log-key "$d/sct/log_ec.pub.pem" "${L[@]}"
cp "$tmp/err" "$tmp/slow.err"
expect_grep "$honest_url: at 8 of 8, 8 entries read" "$tmp/slow.err"
expect_grep "$hurl: at 2 of 2, 2 entries read" "$tmp/slow.err"
expect_no_grep 'stalled' "$tmp/slow.err"
honest_line=$(grep -n "$honest_url: at 8 of 8" "$tmp/slow.err" | cut -d: -f1)
slow_line=$(grep -n "$hurl: at 2 of 2" "$tmp/slow.err" | cut -d: -f1)
if [ -n "$honest_line" ] && [ -n "$slow_line" ] && [ "$honest_line" -lt "$slow_line" ]; then
  pass_
else
  fail_ "the honest log's summary (line ${honest_line:-none}) not before the slow log's" \
    "(line ${slow_line:-none}): the slow log's open range held the store"
  cat "$tmp/slow.err" >&2
fi
# Nothing left behind: another run finds both logs at their tree heads.
expect_status 0 "${M[@]}" --store "$tmp/slow.db" --log "$hurl" \
  --log-key "$d/sct/log_ec.pub.pem" "${L[@]}"
expect_no_grep 'entries read, [1-9]' "$tmp/err"
stop_hostile

# ---- stalled inside the range, and at the proof: rolled back whole ----
# The range is cut as above; its consistency proof (from its end to the
# tree head) never comes either, and waits the range's grace at most while
# the honest log waits: the range is rolled back (nothing of it stored),
# the log reported stalled, the next round goes on from entry 0; the
# honest log is read whole all the same.
HOSTILE_KEY=$d/sct/log_ec.key.pem start_hostile stall --on entries,proofs --after 1
expect_status 2 "${M[@]}" --store "$tmp/stall.db" --log "$hurl" \
  --log-key "$d/sct/log_ec.pub.pem" "${L[@]}"
expect_grep "$honest_url: at 8 of 8, 8 entries read" "$tmp/err"
expect_grep "$hurl: stalled: .*the next round goes on from entry 0" "$tmp/err"
expect_status 0 "$CAGUARD" --store "$tmp/stall.db" status
expect_grep "position +0 of 2" "$tmp/out"
stop_hostile

finish
