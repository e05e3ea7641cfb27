#!/usr/bin/env bash
# caguard monitor against hostile logs (tests/hostile/hostile_log.py in front
# of an honest caguard-testlog), over both APIs: answers that never end,
# claim a terabyte, inflate to a gigabyte, nest a million levels or are not
# base64; a tree head that shrinks; a log that never answers, or stalls
# after its tree head, next to an honest one. Each time the monitor must stay bounded (peak RSS under
# 128 MiB with the default settings, measured when not sanitized), say what
# happened, move nothing in the store, and lose nothing of the honest log:
# the same store then reads all of it.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
start_server "$tmp/log"
M=("$CAGUARD" monitor --all-issuers --once --retries 1)
# log URL TYPE: the seed log at URL, of API TYPE.
# A static-ct-api log behind the hostile proxy keeps its origin, the
# upstream's address (--log-origin: the proxy is the same log at another URL).
log() {
  L=(--log "$1" --log-key "$tmp/log.pub" --log-type "$2")
  if [ "$2" = static ]; then L+=(--log-origin "${url#http://}"); fi
}
limit_kb=$((128 * 1024))

# expect_rss WHAT: the last measure_rss stayed under the limit (not under
# the sanitizers, whose shadow memory is no measure of caguard's).
expect_rss() {
  if [ "${CG_SANITIZED:-0}" = 1 ]; then return; fi
  echo "$1: peak RSS $rss_kb KiB"
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
  measure_rss "${M[@]}" --store "$db" "${L[@]}"
  expect_eq "$type shrink-sth: exit status" "$rc" 1
  expect_rss "$type shrink-sth"
  expect_grep 'error +ct\.log\.merkle_mismatch: the tree head of size 5 is smaller than the verified one of size 8: the log shrank' "$tmp/out"
  stop_hostile
  log "$url" "$type"
  expect_status 0 "${M[@]}" --store "$db" "${L[@]}"
  expect_grep 'at 8 of 8, 0 entries read' "$tmp/err"
done

# Chains the Merkle tree does not authenticate: extra_data cut in half
# (RFC 6962), issuers that do not hash to their names (static-ct-api), the
# chain's first certificate swapped for a CA with the test CA's Name and
# another key (both). Every entry is still kept and checked on its leaf
# (the store ends with the findings of the honest log, watching the test
# CA), each gets ct.log.chain_invalid, and the swapped-in CA is not stored.
twin_sha=$(openssl x509 -in "$d/sct/ca_twin.pem" -outform DER | sha256sum | cut -c1-64)
W=("$CAGUARD" monitor --issuer "$d/sct/ca.pem" --once --retries 1)
# findings_of DB: rule, serial and kind of each finding but chain_invalid's.
findings_of() {
  "$CAGUARD" --store "$1" findings --format json |
    jq -r 'select(.rule != "ct.log.chain_invalid") | [.rule, .serial, .kind] | @tsv' | sort
}
# objects_of DB: the SHA-256 of every stored object, in hex.
objects_of() {
  /usr/bin/python3 -c 'import sqlite3, sys
for (h,) in sqlite3.connect(sys.argv[1]).execute("select hex(sha256) from objects order by 1"):
    print(h.lower())' "$1"
}
for type in rfc6962 static; do
  log "$url" "$type"
  expect_status 1 "${W[@]}" --store "$tmp/chain-honest-$type.db" "${L[@]}"
  findings_of "$tmp/chain-honest-$type.db" >"$tmp/chain-honest.txt"
  expect_grep 'ct\.pair\.validity_mismatch' "$tmp/chain-honest.txt"
  objects_of "$tmp/chain-honest-$type.db" >"$tmp/chain-honest.obj"
  case $type in rfc6962) modes="broken-extra swapped-chain" ;; *) modes="broken-issuer swapped-chain" ;; esac
  for mode in $modes; do
    what="$type $mode"
    db=$tmp/chain-$type-$mode.db
    start_hostile "$mode"
    log "$hurl" "$type"
    measure_rss "${W[@]}" --store "$db" "${L[@]}"
    expect_eq "$what: exit status" "$rc" 1
    expect_rss "$what"
    expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/err"
    expect_eq "$what: chain_invalid findings" "$(grep -cE 'error +ct\.log\.chain_invalid: entry [0-7]: ' "$tmp/out")" 8
    expect_no_grep 'entry_malformed' "$tmp/out"
    case $mode in
      swapped-chain) expect_grep 'entry [0-9]: the first certificate of its chain did not sign the entry.s certificate; checked as its Merkle leaf stands, nothing of its chain stored' "$tmp/out"
        expect_grep 'entry [0-9]: the first certificate of its chain is not the issuer its leaf names' "$tmp/out" ;;
      *) expect_grep 'entry [0-9]: its chain is unusable: ' "$tmp/out" ;;
    esac
    findings_of "$db" >"$tmp/chain.txt"
    if diff "$tmp/chain-honest.txt" "$tmp/chain.txt" >"$tmp/chain.diff"; then pass_; else
      fail_ "$what: other findings than the honest log's:"; head -20 "$tmp/chain.diff" >&2
    fi
    objects_of "$db" >"$tmp/chain.obj"
    expect_eq "$what: objects stored" "$(wc -l <"$tmp/chain.obj")" "$(wc -l <"$tmp/chain-honest.obj")"
    expect_no_grep "$twin_sha" "$tmp/chain.obj"
    stop_hostile
  done
done

# leaf_input and extra_data that are not base64: nothing is read, the
# message says so.
start_hostile bad-base64
log "$hurl" rfc6962
measure_rss "${M[@]}" --store "$tmp/b64.db" "${L[@]}"
expect_eq "bad-base64: exit status" "$rc" 2
expect_rss "rfc6962 bad-base64"
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
# own log, another key), then one that answers its tree head and never
# answers get-entries: the honest log is read whole, the stalled one is
# reported stalled at the end of its round (--round-timeout 10; the
# default, 120 s, is the same bound, longer), the run says it could not
# read a log, and memory stays bounded.
start_second_log
for on in all entries; do
  start_hostile stall --on "$on"
  measure_rss "$CAGUARD" monitor --all-issuers --once --retries 1 \
    --round-timeout 10 --store "$tmp/stall-$on.db" \
    --log "$hurl" --log-key "$tmp/log.pub" --log "$log2_url" --log-key "$d/sct/log_ec.pub.pem"
  expect_eq "stall on $on: exit status" "$rc" 2
  case $on in
    all) expect_grep "$hurl: stalled: $hurl/ct/v1/get-sth: .*the end of its round" "$tmp/err" ;;
    *) expect_grep "$hurl: stalled: no answer with entry 0 before the deadline, the end of its round" \
      "$tmp/err" ;;
  esac
  expect_grep "$log2_url: at 2 of 2, 2 entries read, 2 kept, 0 malformed" "$tmp/err"
  expect_rss "stall on $on"
  stop_hostile
done
kill "$log1_pid" 2>/dev/null
wait "$log1_pid" 2>/dev/null

finish
