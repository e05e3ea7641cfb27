#!/usr/bin/env bash
# caguard monitor --log-type static against caguard-testlog on loopback:
# the ct3 seed log of monitor.sh read through static-ct-api (checkpoint,
# data tiles with issuer fingerprints, issuers; gzip) must give exactly the
# findings it gives through RFC 6962; a tampered entry gives a Merkle
# mismatch, a checkpoint signed with the wrong key (or a monitor holding
# another key) an STH finding; 429s lose nothing. The server is always
# stopped.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
  openssl pkey -pubout -out "$tmp/other.pub"
c3=$d/ct3

M=("$CAGUARD" monitor --issuer "$d/sct/ca.pem" --loglist "$c3/loglist.json"
   --at 2025-04-01T00:00:00Z --once --format json)

# The same log through both APIs (gzip without negotiation, as static-ct-api
# allows): the same findings, line for line.
start_server "$tmp/log" --gzip always
rfc_url=$url
expect_status 1 "${M[@]}" --store "$tmp/rfc.db" --log "$url" --log-key "$tmp/log.pub"
sort "$tmp/out" >"$tmp/rfc.jsonl"
expect_status 1 "${M[@]}" --store "$tmp/static.db" --log "$url" --log-key "$tmp/log.pub" \
  --log-type static
sort "$tmp/out" >"$tmp/static.jsonl"
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
for rule in ct.precert.duplicate_serial ct.pair.validity_mismatch ct.sct.signature_invalid \
  ct.precert.sct_list_present; do
  expect_grep "\"rule\": *\"${rule//./\\.}\"" "$tmp/static.jsonl"
done
expect_no_grep '"ct\.log\.' "$tmp/static.jsonl"
if [ -s "$tmp/rfc.jsonl" ] && cmp -s "$tmp/rfc.jsonl" "$tmp/static.jsonl"; then pass_; else
  fail_ "static-ct-api findings differ from RFC 6962's"
  diff "$tmp/rfc.jsonl" "$tmp/static.jsonl" | head -20 >&2
fi
# The store read through RFC 6962 has it all: nothing new through tiles.
expect_status 0 "${M[@]}" --store "$tmp/rfc.db" --log "$url" --log-key "$tmp/log.pub" \
  --log-type static
expect_no_grep '.' "$tmp/out"
# A monitor holding another key: the checkpoint has no signature of it.
expect_status 1 "$CAGUARD" monitor --store "$tmp/k.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/other.pub" --log-type static
expect_grep '"?ct\.log\.sth_signature_invalid' "$tmp/out"
stop_server

# A tampered entry (in its data tile): the entries no longer hash to the
# checkpoint's root.
start_server "$tmp/log" --tamper-entry 3
expect_status 1 "$CAGUARD" monitor --store "$tmp/t.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub" --log-type static
expect_grep 'error +ct\.log\.merkle_mismatch' "$tmp/out"
stop_server

# A checkpoint signed with the wrong key.
start_server "$tmp/log" --wrong-key
expect_status 1 "$CAGUARD" monitor --store "$tmp/w.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub" --log-type static
expect_grep 'error +ct\.log\.sth_signature_invalid' "$tmp/out"
stop_server

# A checkpoint signed by the log's key for another origin than the log's
# (by default its URL without the scheme): ct.log.checkpoint_origin_mismatch,
# and the log is not read to it; given as the log's [log] origin, it is the
# log's own and the log is read.
"$TL" build --dir "$tmp/olog" --key "$tmp/log.key" --origin example.test/elsewhere \
  "$d/sct/ca.pem" "$c3/clean_pre.pem" "$c3/clean_final.pem" >"$tmp/build.out" 2>&1 ||
  fail_ "build: $(cat "$tmp/build.out")"
start_server "$tmp/olog"
expect_status 1 "$CAGUARD" monitor --store "$tmp/o.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub" --log-type static
expect_grep 'error +ct\.log\.checkpoint_origin_mismatch' "$tmp/out"
expect_grep 'origin "example\.test/elsewhere", not for this log.s "127\.0\.0\.1:[0-9]+"' "$tmp/out"
expect_eq 'entries stored' "$(sqlite3 "$tmp/o.db" 'select count(*) from objects')" 0
cat >"$tmp/o.ini" <<EOF
[monitor]
store = $tmp/o.db
all_issuers = true

[log elsewhere]
url = $url
key = $tmp/log.pub
type = static
origin = example.test/elsewhere
EOF
expect_status 0 "$CAGUARD" monitor --config "$tmp/o.ini" --once --quiet
expect_no_grep 'checkpoint_origin_mismatch' "$tmp/out"
expect_eq 'entries stored' "$(sqlite3 "$tmp/o.db" 'select count(*) > 0 from objects')" 1
# the same with --log-origin on the command line
expect_status 0 "$CAGUARD" monitor --store "$tmp/o3.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub" --log-type static --log-origin example.test/elsewhere
expect_no_grep 'checkpoint_origin_mismatch' "$tmp/out"
expect_eq 'entries stored' "$(sqlite3 "$tmp/o3.db" 'select count(*) > 0 from objects')" 1
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log-origin example.test/elsewhere \
  --log "$url" --log-key "$tmp/log.pub" --log-type static
expect_grep 'log-origin takes a name and follows the --log it is for' "$tmp/err"
stop_server

# A 429 with Retry-After 1 every 3 requests: the same result (the server
# listens on another port now).
start_server "$tmp/log" --rate-limit 3:1
expect_status 1 "${M[@]}" --store "$tmp/r.db" --log "$url" --log-key "$tmp/log.pub" \
  --log-type static
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
sed "s|$url|$rfc_url|g" "$tmp/out" | sort >"$tmp/r.jsonl"
if cmp -s "$tmp/rfc.jsonl" "$tmp/r.jsonl"; then pass_; else
  fail_ "findings under 429s differ"
  diff "$tmp/rfc.jsonl" "$tmp/r.jsonl" | head -20 >&2
fi
stop_server

# Usage errors.
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log-type static
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log "$url" --log-key "$tmp/log.pub" \
  --log-type tiles
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log "$url" --log-key "$tmp/log.pub" \
  --log-type static --log-type static
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log http://127.0.0.1:1 \
  --log-key "$tmp/log.pub" --log-type static

finish
