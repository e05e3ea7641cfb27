#!/usr/bin/env bash
# The monitor's own bounds against what a log (or its operator's typo) can
# hand it: a log URL that is not http(s) is refused when the command line
# is read (exit 2, no store made), not retried as a log that does not
# answer; a tree head timestamped far in the future, however well signed
# (tests/hostile/hostile_log.py, future-sth, signing with the log's own
# key), is a finding and refused: not stored, the log not read to it, over
# both APIs; the honest log is then read whole by the same store.
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

finish
