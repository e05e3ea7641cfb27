#!/usr/bin/env bash
# examples/monitor.ini runs as shipped: copied byte for byte into a
# directory with the two files it names beside it (ca.pem: the CA of the
# seed's test PKI; loglist.json: the list caguard-testlog writes for the
# log it serves), 'caguard monitor --config monitor.ini --once' follows the
# list's log from its end (start = end) into caguard.db beside the file.
# Entries the CA's CT component then submits (the seed's CT failures,
# through add-pre-chain and add-chain) are read by the next run: printed
# as JSON, stored, alerted to findings.jsonl, incident drafts opened.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
c3=$d/ct3
trap 'stop_servers; rm -rf "$tmp"' EXIT
if [ ! -x "$TL" ]; then # part of every build
  fail_ "no $TL: build the whole tree"
  finish
fi
ex=$tmp/ex
mkdir "$ex"
cp "$CG_SOURCE_DIR/examples/monitor.ini" "$ex/monitor.ini"
cp "$d/sct/ca.pem" "$ex/ca.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
"$TL" build --dir "$tmp/log" --key "$tmp/log.key" "$d/sct/ca.pem" \
  "$c3/clean_pre.pem" "$c3/clean_final.pem" >"$tmp/build.out" 2>&1 ||
  fail_ "build: $(cat "$tmp/build.out")"
start_server "$tmp/log" --loglist-out "$ex/loglist.json"
run() { "$CAGUARD" monitor --config "$ex/monitor.ini" --once; }

# The first run: the log is read from its end, so nothing about its
# entries; the watched CA itself is judged (the TLS BR profile is on) and
# the test CA is a conformant root: no finding, exit 0.
run >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && pass_ || fail_ "first run: exit $rc: $(cat "$tmp/err")"
expect_no_grep '"rule":"ct\.' "$tmp/out"
[ -s "$ex/caguard.db" ] && pass_ || fail_ "no caguard.db beside the file"
expect_grep 'at 2 of 2' "$tmp/err"

# The CA logs more: two precertificates for one serial and their final
# certificate, a pair with different validity, a precertificate carrying
# an SCT list.
b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
submit() {
  local api=$1 pem=$2
  curl -sS -o "$tmp/submit.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"chain\":[\"$(b64 "$pem")\",\"$(b64 "$d/sct/ca.pem")\"]}" "$url/ct/v1/$api"
}
for p in twopre_a twopre_b validity_pre; do
  expect_eq "add-pre-chain $p" "$(submit add-pre-chain "$c3/$p.pem")" 200
done
expect_eq "add-pre-chain sct list" "$(submit add-pre-chain "$d/sct/precert_sct_list.pem")" 200
for c in twopre_final validity_final; do
  expect_eq "add-chain $c" "$(submit add-chain "$c3/$c.pem")" 200
done

# The next run reads the 6 new entries and reports the seed's failures.
expect_status 1 run
cp "$tmp/out" "$tmp/second.out"
expect_grep 'at 8 of 8, 6 entries read' "$tmp/err"
for r in ct.precert.duplicate_serial ct.pair.validity_mismatch ct.precert.sct_list_present; do
  expect_grep "\"rule\":\"${r//./\\.}\"" "$tmp/second.out"
  expect_grep "\"rule\":\"${r//./\\.}\"" "$ex/findings.jsonl"
done
expect_status 1 "$CAGUARD" --store "$ex/caguard.db" findings --format json
expect_grep '"rule":"ct\.precert\.duplicate_serial"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$ex/caguard.db" incident list
expect_grep '[0-9]' "$tmp/out"

# Once more: nothing new.
expect_status 0 run
expect_eq "third run's findings" "$(cat "$tmp/out")" ""
finish
