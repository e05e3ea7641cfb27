#!/usr/bin/env bash
# --loglist-sig / --loglist-key: Chrome's real signed list verifies; a
# one-byte change gives ct.loglist.signature_invalid and the list is not used.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA/loglists
cert=$CG_TEST_DATA/le2023/good/final.pem
expect_status 0 "$CAGUARD" check --format json --at 2023-06-20T00:00:00Z \
  --loglist "$d/gstatic_v3_all_logs_list.json" --loglist-sig "$d/gstatic_v3_all_logs_list.sig" \
  --loglist-key "$d/gstatic_log_list_pubkey.pem" "$cert"
expect_no_grep 'signature_invalid' "$tmp/out"
# The 2023 logs are no longer in Chrome's list: the list was used.
expect_grep '"rule":"ct.sct.unknown_log"' "$tmp/out"

sed 's/"Google"/"G00gle"/' "$d/gstatic_v3_all_logs_list.json" >"$tmp/tampered.json"
expect_status 1 "$CAGUARD" check --format json --at 2023-06-20T00:00:00Z \
  --loglist "$tmp/tampered.json" --loglist-sig "$d/gstatic_v3_all_logs_list.sig" \
  --loglist-key "$d/gstatic_log_list_pubkey.pem" "$cert"
expect_grep '"rule":"ct.loglist.signature_invalid".*"file":"[^"]*tampered.json".*not used' \
  "$tmp/out"
expect_no_grep 'ct.sct.unknown_log' "$tmp/out"

# Usage errors.
expect_status 2 "$CAGUARD" check --loglist-sig "$d/gstatic_v3_all_logs_list.sig" "$cert"
expect_grep 'must follow the --loglist' "$tmp/err"
expect_status 2 "$CAGUARD" check --loglist "$d/gstatic_v3_all_logs_list.json" \
  --loglist-sig "$d/gstatic_v3_all_logs_list.sig" "$cert"
expect_grep 'needs --loglist-key' "$tmp/err"
printf '{"operators": [' >"$tmp/bad.json"
expect_status 2 "$CAGUARD" check --loglist "$tmp/bad.json" "$cert"
expect_grep 'bad.json' "$tmp/err"
finish
