#!/usr/bin/env bash
# caguard findings resolve and --incident: resolving by hand, a resolved
# finding that comes back (open again, with the latest message), and bad IDs
# (exit 2, nothing changed).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
list=$d/loglists/crtsh_v3_all_all_logs_list.json
db=$tmp/f.db

expect_status 0 "$CAGUARD" findings resolve --help
expect_grep 'findings resolve \[--at TIME\] ID' "$tmp/out"

expect_status 1 "$CAGUARD" --store "$db" ingest --at 2023-06-20T00:00:00Z --loglist "$list" \
  --format json "$d/le2023/r3.pem" "$d/le2023/bad/precert.pem" "$d/le2023/bad/final.pem"
expect_status 1 "$CAGUARD" --store "$db" findings --rule ct.pair.tbs_mismatch --format json
expect_grep '"id":"[0-9]+"' "$tmp/out"
id=$(sed -n 's/.*"id":"\([0-9]*\)".*/\1/p' "$tmp/out" | head -1)
[ -n "$id" ] && pass_ || fail_ "no finding ID in the JSON"

# Resolving: exit 0, the finding resolved at the given time, not in --open.
expect_status 0 "$CAGUARD" --store "$db" findings resolve --at 2023-06-21T00:00:00Z "$id"
expect_grep '^1 finding resolved$' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --rule ct.pair.tbs_mismatch --format json
expect_grep '"status":"resolved","resolved_at":"2023-06-21T00:00:00Z"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --open --rule ct.pair.tbs_mismatch
expect_grep '^0 findings' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings resolve "$id"
expect_grep '^0 findings resolved \(1 resolved already\)$' "$tmp/out"

# Bad IDs: a clear message, exit 2, nothing resolved (the good ID given
# with an unknown one stays open).
good=$(sed -n 's/.*"rule":"ct.sct.signature_invalid".*"id":"\([0-9]*\)".*/\1/p' \
  <("$CAGUARD" --store "$db" findings --format json) | head -1)
[ -n "$good" ] && pass_ || fail_ "no ct.sct.signature_invalid finding"
before=$(md5sum <"$db")
expect_status 2 "$CAGUARD" --store "$db" findings resolve "$good" 999999
expect_grep 'no finding 999999 in the store; nothing resolved' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" findings resolve abc
expect_grep "'abc' is not a finding ID" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" findings resolve
expect_grep 'no finding ID given' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" findings --incident 0
expect_grep "not an incident ID" "$tmp/err"
[ "$(md5sum <"$db")" = "$before" ] && pass_ || fail_ "a refused resolve changed the store"

# Seen again before the resolution: stays resolved. Seen again after it:
# open again, and printed as new by the ingest.
expect_status 0 "$CAGUARD" --store "$db" ingest --at 2023-06-20T12:00:00Z --loglist "$list" \
  --format json "$d/le2023/bad/final.pem"
expect_no_grep 'ct.pair.tbs_mismatch' "$tmp/out"
expect_status 1 "$CAGUARD" --store "$db" ingest --at 2023-06-22T00:00:00Z --loglist "$list" \
  --format json "$d/le2023/bad/final.pem"
expect_grep '"rule":"ct.pair.tbs_mismatch"' "$tmp/out"
expect_status 1 "$CAGUARD" --store "$db" findings --rule ct.pair.tbs_mismatch --format json
expect_grep "\"id\":\"$id\".*\"status\":\"open\",\"resolved_at\":null" "$tmp/out"
expect_grep '"first_seen":"2023-06-20T00:00:00Z","last_seen":"2023-06-22T00:00:00Z"' "$tmp/out"

# --incident: only that incident's findings.
expect_status 0 "$CAGUARD" --store "$db" incident open --kind misissuance \
  --reported-at 2023-06-19T00:00:00Z "$d/le2023/bad/final.pem"
inc=$(head -1 "$tmp/out")
# Evaluated now (no --at): the incident findings are stored.
expect_status 1 "$CAGUARD" --store "$db" incident status "$inc" \
  --format json
expect_status 1 "$CAGUARD" --store "$db" findings --incident "$inc" --format json
expect_grep "\"incident\":$inc" "$tmp/out"
expect_no_grep '"incident":null' "$tmp/out"
expect_status 1 "$CAGUARD" --store "$db" findings --format json
expect_grep '"incident":null' "$tmp/out"
finish
