#!/usr/bin/env bash
# The monitor's own bounds against what a log (or its operator's typo) can
# hand it: a log URL that is not http(s) is refused when the command line
# is read (exit 2, no store made), not retried as a log that does not
# answer; a tree head timestamped far in the future, however well signed
# (tests/hostile/hostile_log.py, future-sth, signing with the log's own
# key), is a finding and refused: not stored, the log not read to it, over
# both APIs; the honest log is then read whole by the same store. Logs are
# independent: a stalled log delays no honest one, and a log's round is
# bounded (--round-timeout) whether it stalls or is slow.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

for u in file:///etc/passwd ftp://127.0.0.1/log 'http://' '127.0.0.1:1/'; do
  expect_status 2 "$CAGUARD" monitor --store "$tmp/url.db" --all-issuers --once --log "$u" \
    --log-key "$d/sct/log_ec.pub.pem"
  expect_grep "^caguard monitor: --log '.*' is not an http:// or https:// URL" "$tmp/err"
  expect_no_grep 'unreachable|retry' "$tmp/err"
done
[ ! -e "$tmp/url.db" ] && pass_ || fail_ "a refused --log made the store"

build_seed_log "$tmp/log"
start_server "$tmp/log"
M=("$CAGUARD" monitor --all-issuers --once --retries 1)
for type in rfc6962 static; do
  db=$tmp/future-$type.db
  start_hostile future-sth
  # the proxy is the same log at another URL: for static-ct-api, the
  # upstream's origin
  O=()
  if [ "$type" = static ]; then O=(--log-origin "${url#http://}"); fi
  expect_status 1 "${M[@]}" --store "$db" --log "$hurl" --log-key "$tmp/log.pub" \
    --log-type "$type" "${O[@]}" --format json
  expect_grep '"rule":"ct.log.sth_timestamp_future","severity":"error"' "$tmp/out"
  expect_grep 'is timestamped 9223372036854775807 ms since the epoch, more than 3600 s after' \
    "$tmp/out"
  expect_grep 'in the future, refused' "$tmp/err"
  expect_no_grep 'entries read, [1-9]' "$tmp/err"
  expect_status 0 "$CAGUARD" --store "$db" status
  expect_grep 'no verified tree head yet' "$tmp/out"
  # Once: the same tree head again is the same finding, not a new one.
  expect_status 0 "${M[@]}" --store "$db" --log "$hurl" --log-key "$tmp/log.pub" \
    --log-type "$type" "${O[@]}" --format json
  expect_no_grep 'sth_timestamp_future' "$tmp/out"
  stop_hostile
  expect_status 1 "${M[@]}" --store "$db" --log "$url" --log-key "$tmp/log.pub" \
    --log-type "$type"
  expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
done


# honest_beside LINE ERR MAX_LINE MAX_RUN CMD...: runs CMD (a monitor beside
# a stalled log: exit 2), its standard error into ERR; holds when LINE (the
# honest log's summary) came within MAX_LINE s and the run took less than
# MAX_RUN s. Prints both times.
honest_beside() {
  /usr/bin/python3 - "$@" <<'EOF' && pass_ || fail_ "an honest log beside a stalled one: $*"
import subprocess, sys, time
honest, err, max_at, max_total, argv = sys.argv[1], sys.argv[2], float(sys.argv[3]), \
    float(sys.argv[4]), sys.argv[5:]
t0 = time.monotonic()
p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
at = None
with open(err, "w") as f:
    for line in p.stderr:
        f.write(line)
        if at is None and honest in line:
            at = time.monotonic() - t0
p.wait()
total = time.monotonic() - t0
print("honest log read in %s s, the run took %.1f s, exit %d" %
      ("%.1f" % at if at is not None else "never", total, p.returncode))
sys.exit(0 if at is not None and at < max_at and total < max_total and p.returncode == 2 else 1)
EOF
}

# Logs are independent: a log that accepts and never answers, listed
# before an honest one (another log: another key), costs the honest one
# nothing. Its tree head is asked for beside the honest log's, which is read
# while the stalled request waits for its timeout (60 s, twice with
# --retries 1), cut at the round's bound (--round-timeout 10): the honest
# log's summary line comes within 30 s (about 1 s alone; 120 s when the
# logs were read one after the other), the stalled one is reported at the
# end of its bound, and the run is over then (120 s without the bound).
start_hostile stall
honest_beside "$url: at 8 of 8, 8 entries read" "$tmp/stall.err" 30 60 \
  "${M[@]}" --store "$tmp/stall.db" --round-timeout 10 \
  --log "$hurl" --log-key "$d/sct/log_ec.pub.pem" --log "$url" --log-key "$tmp/log.pub"
expect_grep "$hurl: stalled: $hurl/ct/v1/get-sth: .*the end of its round \(--round-timeout 10 s\)" \
  "$tmp/stall.err"
stop_hostile

# Each round is bounded (--round-timeout): a log that answers its tree head
# and its first get-entries request, then never answers get-entries again
# (the hostile proxy, stall on entries after 1), listed before an honest
# log (the second log, another key). Without the bound the stalled request
# would hold the monitor's thread, and the honest log after it, for two
# 60 s timeouts (--retries 1). With --round-timeout 4: the honest log is
# read whole, the stalled one is reported within the bound as stalled, its
# first range (entries 0-1, committed before the stall) stays, and the run
# is over in well under the 120 s.
start_second_log
start_hostile stall --on entries --after 1
R=(--round-timeout 4 --batch 2 --parallel 1 --commit-every 2)
honest_beside "$log2_url: at 2 of 2, 2 entries read" "$tmp/round.err" 60 60 \
  "${M[@]}" --store "$tmp/round.db" "${R[@]}" \
  --log "$hurl" --log-key "$tmp/log.pub" --log "$log2_url" --log-key "$d/sct/log_ec.pub.pem"
expect_grep "$hurl: stalled: no answer with entry 2 before the deadline, the end of its round \(--round-timeout 4 s\); what was committed stays, the next round goes on from entry 2" \
  "$tmp/round.err"
expect_grep "$hurl: at 2 of 8, 2 entries read" "$tmp/round.err"
# The next round goes on from entry 2: the log now answers.
curl -sS -X POST "$hurl/admin/mode?mode=honest" >/dev/null || fail_ "switch the proxy to honest"
expect_status 1 "${M[@]}" --store "$tmp/round.db" "${R[@]}" --log "$hurl" --log-key "$tmp/log.pub"
expect_grep "$hurl: at 8 of 8, 6 entries read" "$tmp/err"
expect_no_grep 'stalled' "$tmp/err"
stop_hostile

# Logs read their entries at once, each in its round's thread, taking
# turns at the store: a log that answers its tree head at once and then
# never answers get-entries (the proxy over the first log, stall on
# entries from the first request), its tree head arriving FIRST (the honest
# log, the second log served again answering each request 0.5 s late).
# When the logs' entries were read one after the other, the stalled log's
# round came first and the honest log waited for its bound. Now, with
# --round-timeout 30: the honest log's entries are committed (the store,
# read while the monitor still waits for the stalled log, has it at 2 of
# 2) and its findings printed within 10 s (about 1.5 s alone), while the
# stalled log is reported at the end of its bound, later than 20 s.
start_hostile stall --on entries
log2_pid=$pid
start_server "$tmp/log2" --delay 500
slow_url=$url slow_pid=$pid
url=$log1_url pid=$log2_pid
/usr/bin/python3 "$CG_SOURCE_DIR/tests/cli/honest_beside.py" "$slow_url" \
  "$slow_url: at 2 of 2, 2 entries read" '2 of 2' 10 20 "$tmp/first.out" "$tmp/first.err" \
  "$CAGUARD" \
  "${M[@]}" --store "$tmp/first.db" --round-timeout 30 --format json \
  --log "$hurl" --log-key "$tmp/log.pub" --log "$slow_url" --log-key "$d/sct/log_ec.pub.pem" &&
  pass_ || fail_ "an honest log beside one stalled in get-entries, whose head came first"
expect_grep "$hurl: stalled: no answer with entry 0 before the deadline, the end of its round \(--round-timeout 30 s\)" \
  "$tmp/first.err"
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null
stop_hostile

# A round out of time while its entries still come is no stall: what it
# read is committed and the log is read on at once, in a round of its own
# (also under --once), up to the same tree head. The seed log at one entry
# request a second, one entry each, with --round-timeout 5: the first
# round ends short of the tree head, the next ones read the rest.
expect_status 1 "${M[@]}" --store "$tmp/cut.db" --round-timeout 5 --batch 1 --parallel 1 \
  --log "$url" --log-key "$tmp/log.pub" --log-rate 1
expect_grep "$url: at [1-7] of 8, [1-7] entries read, .*; the round's time is up, the next one goes on" \
  "$tmp/err"
expect_grep "$url: at 8 of 8, [1-7] entries read" "$tmp/err"
expect_no_grep 'stalled' "$tmp/err"
# (the EXIT trap stops the second log; the first is ours to stop)
kill "$log1_pid" 2>/dev/null
wait "$log1_pid" 2>/dev/null

finish
