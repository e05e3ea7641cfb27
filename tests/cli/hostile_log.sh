#!/usr/bin/env bash
# caguard monitor against hostile logs (tests/hostile/hostile_log.py in front
# of an honest caguard-testlog), over both APIs: answers that never end,
# claim a terabyte, inflate to a gigabyte, nest a million levels or are not
# base64; a tree head that shrinks; a log that never answers next to an
# honest one. Each time the monitor must stay bounded (peak RSS under
# 128 MiB with the default settings, measured when not sanitized), say what
# happened, move nothing in the store, and lose nothing of the honest log:
# the same store then reads all of it.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
start_server "$tmp/log"
M=("$CAGUARD" monitor --all-issuers --once --retries 1)
# log URL TYPE: the seed log at URL, of API TYPE.
log() { L=(--log "$1" --log-key "$tmp/log.pub" --log-type "$2"); }
limit_kb=$((128 * 1024))

# expect_rss WHAT: the last measure_rss stayed under the limit (not under
# the sanitizers, whose shadow memory is no measure of caguard's).
expect_rss() {
  if [ "${CG_SANITIZED:-0}" = 1 ]; then return; fi
  if [ "$rss_kb" -lt "$limit_kb" ]; then pass_; else
    fail_ "$1: peak RSS $rss_kb KiB, limit $limit_kb KiB"
  fi
}

# honest_after DB TYPE: the honest log read into DB from where it stands:
# all 8 entries kept.
honest_after() {
  log "$url" "$2"
  expect_status 1 "${M[@]}" --store "$1" "${L[@]}"
  expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
}

for type in rfc6962 static; do
  for mode in huge endless gzip-bomb deep-json; do
    for on in sth entries; do
      what="$type $mode on $on"
      db=$tmp/$type-$mode-$on.db
      start_hostile "$mode" --on "$on"
      log "$hurl" "$type"
      measure_rss "${M[@]}" --store "$db" "${L[@]}"
      expect_eq "$what: exit status" "$rc" 2
      expect_grep "$hurl: bad answer: $hurl/" "$tmp/err"
      case $mode in
        huge | endless | gzip-bomb) expect_grep 'answer longer than [0-9]+ bytes' "$tmp/err" ;;
      esac
      expect_no_grep 'entries read, [1-9]' "$tmp/err"
      expect_rss "$what"
      stop_hostile
      honest_after "$db" "$type"
    done
  done

  # A tree head smaller than the one verified before: a finding, and the
  # store keeps the larger tree.
  db=$tmp/$type-shrink.db
  honest_after "$db" "$type"
  start_hostile shrink-sth --shrink 3
  log "$hurl" "$type"
  expect_status 1 "${M[@]}" --store "$db" "${L[@]}"
  expect_grep 'error +ct\.log\.merkle_mismatch: the tree head of size 5 is smaller than the verified one of size 8: the log shrank' "$tmp/out"
  stop_hostile
  log "$url" "$type"
  expect_status 0 "${M[@]}" --store "$db" "${L[@]}"
  expect_grep 'at 8 of 8, 0 entries read' "$tmp/err"
done

# leaf_input and extra_data that are not base64: nothing is read, the
# message says so.
start_hostile bad-base64
log "$hurl" rfc6962
expect_status 2 "${M[@]}" --store "$tmp/b64.db" "${L[@]}"
expect_grep 'not a get-entries answer: entry 0: leaf_input or extra_data is not base64' "$tmp/err"
stop_hostile
honest_after "$tmp/b64.db" rfc6962

# The hostile server itself: its modes switch at run time, and a bad mode
# is refused.
start_hostile honest
curl -sS -X POST "$hurl/admin/mode?mode=deep-json&on=sth" >"$tmp/mode.json"
expect_grep '"mode": "deep-json", "on": \["sth"\]' "$tmp/mode.json"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$hurl/admin/mode?mode=nonsense")
expect_eq "bad mode" "$code" 400
stop_hostile

# A log that accepts and never answers, listed before an honest one (its
# own log, another key): the honest log is read whole, the stalled one is
# reported unreachable, and the run says it could not read a log.
log1_url=$url
log1_pid=$pid
"$TL" build --dir "$tmp/log2" --key "$d/sct/log_ec.key.pem" "$d/sct/ca.pem" \
  "$d/ct3/clean_pre.pem" "$d/ct3/clean_final.pem" >"$tmp/build2.out" 2>&1 ||
  fail_ "build log2: $(cat "$tmp/build2.out")"
start_server "$tmp/log2"
log2_url=$url
url=$log1_url
start_hostile stall
expect_status 2 "$CAGUARD" monitor --all-issuers --once --retries 1 --store "$tmp/stall.db" \
  --log "$hurl" --log-key "$tmp/log.pub" --log "$log2_url" --log-key "$d/sct/log_ec.pub.pem"
expect_grep "$hurl: unreachable: $hurl/ct/v1/get-sth: Timeout was reached" "$tmp/err"
expect_grep "$log2_url: at 2 of 2, 2 entries read, 2 kept, 0 malformed" "$tmp/err"
stop_hostile
kill "$log1_pid" 2>/dev/null
wait "$log1_pid" 2>/dev/null

finish
