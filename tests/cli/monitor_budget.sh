#!/usr/bin/env bash
# The monitor's byte budget for answers (--response-memory, [monitor]
# response_memory; issue 14: memory bounded per monitor, not per request
# times --parallel). tests/hostile/hostile_log.py's gzip bomb answers every
# get-entries request with 60 MiB of zeros (each under the 64 MiB answer
# limit); asked in 4 requests at once (--batch 2 over 8 entries), the
# answers once all sat in memory together (261 MB peak RSS, docs/
# performance.md). Now:
#   - with the defaults (64 MiB), peak RSS stays under 128 MiB, also with
#     --parallel 256, and the log is said to give a bad answer;
#   - with --response-memory 8 (flag or config key), every answer stops at
#     8 MiB ("answer longer than 8388608 bytes") and peak RSS stays under
#     48 MiB;
#   - an endless get-sth of a hostile log next to an honest one (one
#     monitor, 8 MiB): the honest log is read whole;
#   - out-of-range values are usage errors.
# RSS is measured when not sanitized (the sanitizers' shadow memory is no
# measure of caguard's).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
start_server "$tmp/log"
M=("$CAGUARD" monitor --all-issuers --once --retries 1)
L=(--log-key "$tmp/log.pub" --log-type rfc6962)
# expect_rss WHAT LIMIT_MIB: the last measure_rss stayed under the limit.
expect_rss() {
  if [ "${CG_SANITIZED:-0}" = 1 ]; then return; fi
  if [ "$rss_kb" -lt $(($2 * 1024)) ]; then pass_; else
    fail_ "$1: peak RSS $rss_kb KiB, limit $2 MiB"
  fi
}

start_hostile gzip-bomb --on entries --bomb-mib 60
n=0
for extra in "" "--parallel 256"; do
  n=$((n + 1))
  measure_rss "${M[@]}" --store "$tmp/b$n.db" --batch 2 $extra --log "$hurl" "${L[@]}"
  expect_eq "bombs [$extra]: exit status" "$rc" 2
  expect_grep "$hurl: bad answer: $hurl/ct/v1/get-entries" "$tmp/err"
  expect_rss "bombs [$extra]" 128
  echo "4 bombs of 60 MiB at once [$extra]: peak RSS $rss_kb KiB"
done
measure_rss "${M[@]}" --store "$tmp/b8.db" --batch 2 --response-memory 8 --log "$hurl" "${L[@]}"
expect_eq "bombs, 8 MiB: exit status" "$rc" 2
expect_grep 'answer longer than 8388608 bytes' "$tmp/err"
expect_rss "bombs, 8 MiB" 48
echo "4 bombs of 60 MiB at once, --response-memory 8: peak RSS $rss_kb KiB"
cat >"$tmp/conf.ini" <<EOF
[monitor]
response_memory = 8
EOF
measure_rss "${M[@]}" --config "$tmp/conf.ini" --store "$tmp/b9.db" --batch 2 --log "$hurl" "${L[@]}"
expect_eq "bombs, [monitor] response_memory = 8: exit status" "$rc" 2
expect_grep 'answer longer than 8388608 bytes' "$tmp/err"
expect_rss "bombs, [monitor] response_memory = 8" 48
stop_hostile

# One budget for two logs: the hostile one's endless tree head does not
# starve an honest one (its own log, another key).
start_second_log
start_hostile endless --on sth
measure_rss "${M[@]}" --store "$tmp/two.db" --response-memory 8 \
  --log "$hurl" "${L[@]}" --log "$log2_url" --log-key "$d/sct/log_ec.pub.pem"
expect_eq "endless head beside an honest log: exit status" "$rc" 2
expect_grep "$hurl: bad answer: .*answer longer than 8388608 bytes" "$tmp/err"
expect_grep "$log2_url: at 2 of 2, 2 entries read, 2 kept, 0 malformed" "$tmp/err"
expect_rss "endless head beside an honest log" 48
stop_hostile
kill "$log1_pid" 2>/dev/null
wait "$log1_pid" 2>/dev/null

expect_status 2 "${M[@]}" --store "$tmp/u.db" --response-memory 3 --log "$url" "${L[@]}"
expect_grep 'response-memory takes 4 to 65536 MiB' "$tmp/err"
expect_status 2 "${M[@]}" --store "$tmp/u.db" --response-memory 65537 --log "$url" "${L[@]}"
printf '[monitor]\nresponse_memory = 2\n' >"$tmp/bad.ini"
expect_status 2 "${M[@]}" --config "$tmp/bad.ini" --store "$tmp/u.db" --log "$url" "${L[@]}"
expect_grep 'response_memory: 2 is out of range \(4 to 65536\)' "$tmp/err"
finish
