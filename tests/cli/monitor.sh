#!/usr/bin/env bash
# caguard monitor against caguard-testlog on loopback only: a log of the
# ct3 seed failures (two precertificates for one serial, a final whose
# validity differs, finals whose SCTs were issued for another
# precertificate, a precertificate with an SCT list) and a clean pair. The
# monitor must report each failure, nothing but an expiry notice on the
# clean pair, nothing new on a second run; a tampered entry gives a Merkle
# mismatch and a wrongly signed tree head an STH finding. The server is
# always stopped.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
c3=$d/ct3

M=("$CAGUARD" monitor --store "$tmp/s.db" --issuer "$d/sct/ca.pem"
   --loglist "$c3/loglist.json" --at 2025-04-01T00:00:00Z --once)

start_server "$tmp/log"
expect_status 1 "${M[@]}" --log "$url" --log-key "$tmp/log.pub"
cp "$tmp/out" "$tmp/first.out"
expect_grep 'error +ct\.precert\.duplicate_serial' "$tmp/first.out"
expect_grep 'error +ct\.pair\.validity_mismatch' "$tmp/first.out"
expect_grep 'error +ct\.sct\.signature_invalid' "$tmp/first.out"
expect_grep 'error +ct\.precert\.sct_list_present' "$tmp/first.out"
expect_no_grep 'ct\.log\.' "$tmp/first.out"
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
# Entries 0 and 1, the clean pair: no finding at all.
expect_no_grep '#[01] ' "$tmp/first.out"

# Again: the store has all of it, nothing is new.
expect_status 0 "${M[@]}" --log "$url" --log-key "$tmp/log.pub"
expect_no_grep '(error|warning|notice) ' "$tmp/out"
expect_grep 'at 8 of 8, 0 entries read' "$tmp/err"

# --all-issuers keeps the same entries here (one CA).
expect_status 1 "$CAGUARD" monitor --store "$tmp/a.db" --all-issuers --once --quiet \
  --loglist "$c3/loglist.json" --at 2025-04-01T00:00:00Z --log "$url" --log-key "$tmp/log.pub"
expect_no_grep '.' "$tmp/err"
grep -E '^ +(error|warning|notice) ' "$tmp/first.out" | sort >"$tmp/f1"
grep -E '^ +(error|warning|notice) ' "$tmp/out" | sort >"$tmp/f2"
if cmp -s "$tmp/f1" "$tmp/f2"; then pass_; else fail_ "--all-issuers found other findings"; fi

# Watching the CA's twin (same Name, another key): the precertificates
# (matched by issuer key hash) are not kept, the 3 certificates (matched by
# issuer Name, as their chains start with the real CA) are.
expect_status 0 "$CAGUARD" monitor --store "$tmp/other.db" --issuer "$d/sct/ca_twin.pem" \
  --once --log "$url" --log-key "$tmp/log.pub"
expect_grep 'at 8 of 8, 8 entries read, 3 kept' "$tmp/err"
stop_server

# A tampered entry: the entries no longer hash to the signed root.
start_server "$tmp/log" --tamper-entry 3
expect_status 1 "$CAGUARD" monitor --store "$tmp/t.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'error +ct\.log\.merkle_mismatch' "$tmp/out"
stop_server

# A tree head signed with the wrong key.
start_server "$tmp/log" --wrong-key
expect_status 1 "$CAGUARD" monitor --store "$tmp/w.db" --all-issuers --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'error +ct\.log\.sth_signature_invalid' "$tmp/out"
stop_server

# Small batches and a 429 with Retry-After 1 every 5 requests: the same result.
start_server "$tmp/log" --max-batch 3 --rate-limit 5:1
expect_status 1 "${M[@]}" --store "$tmp/r.db" --log "$url" --log-key "$tmp/log.pub"
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
expect_grep 'error +ct\.precert\.duplicate_serial' "$tmp/out"
stop_server

# Usage errors.
expect_status 2 "$CAGUARD" monitor --once --all-issuers
expect_status 2 "$CAGUARD" monitor --once --log "$url"
expect_status 2 "$CAGUARD" monitor --log-key "$tmp/log.pub"
expect_status 2 "$CAGUARD" monitor --once --log http://127.0.0.1:1 --log-key "$tmp/log.pub"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --log http://127.0.0.1:1 \
  --log-key "$d/sct/ca.pem"

finish
