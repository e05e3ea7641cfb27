#!/usr/bin/env bash
# caguard monitor's sliding window against two servers it did not write the
# answers of: bench/ctbenchlog (an independent CT log in Go, with delays,
# jitter, slow answers, a batch limit, aligned answers and 429s) and
# caguard-testlog. A log of realistic entries (bench/gen_ctcerts:
# precertificates and their finals with SCTs, chains to a root) with the
# seed's CT failures in the middle is read with answers reordered by jitter,
# with a slow answer in the middle of the window, with 429s while requests
# are in flight, with short answers aligned to the log's batch, through
# static-ct-api, and stopped by SIGTERM with requests in flight then
# restarted: every run stores the findings of an uninterrupted reference run
# against caguard-testlog, each printed once, and the server counts each
# entry served once (nothing fetched is thrown away). --log-rate keeps under
# a log's request rate.
#
# Needs Go (golang-go, scripts/install-deps --test) to build ctbenchlog;
# skipped, saying so, without it.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
mpid=
bpid=
trap '[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null; [ -n "$bpid" ] && kill "$bpid" 2>/dev/null;
      stop_server; rm -rf "$tmp"' EXIT

if ! command -v go >/dev/null; then
  echo "SKIP: no go (apt-get install golang-go): bench/ctbenchlog cannot be built"
  exit 77
fi
GEN=$CG_BUILD_DIR/bench/gen_ctcerts
[ -x "$GEN" ] || { echo "no $GEN: build the whole tree" >&2; exit 1; }
(cd "$CG_SOURCE_DIR/bench/ctbenchlog" &&
  GO111MODULE=off GOCACHE=$tmp/gocache go build -o "$tmp/ctbenchlog" .) ||
  { echo "cannot build bench/ctbenchlog" >&2; exit 1; }

findings_of() {
  "$CAGUARD" findings --store "$1" --format json |
    sed -E 's/"(first|last)_seen":"[^"]*",?//g; s/"id":"[0-9]+",?//g' |
    sed -E 's#http://127\.0\.0\.1:[0-9]+#LOG#g' | sort
}
position_of() {
  "$CAGUARD" status --store "$1" | sed -nE 's/^  position +([0-9]+) of ([0-9]+)$/\1 \2/p'
}
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# ---- the entries: 1200 realistic ones, the seed's failures, 1200 more ----
mkdir -p "$tmp/gen"
"$GEN" "$tmp/gen" 2400 10 >/dev/null || fail_ "gen_ctcerts"
awk '/BEGIN CERT/ { n++ } n <= 1200' "$tmp/gen/entries.pem" >"$tmp/first.pem"
awk '/BEGIN CERT/ { n++ } n > 1200' "$tmp/gen/entries.pem" >"$tmp/second.pem"
c3=$d/ct3
seed=("$c3/clean_pre.pem" "$c3/clean_final.pem" "$c3/twopre_a.pem" "$c3/twopre_b.pem"
      "$c3/twopre_final.pem" "$c3/validity_pre.pem" "$c3/validity_final.pem"
      "$d/sct/precert_sct_list.pem")
N=2408
"$tmp/ctbenchlog" build -dir "$tmp/blog" -ca "$tmp/gen/cas.pem" -ca "$d/sct/ca.pem" \
  "$tmp/first.pem" "${seed[@]}" "$tmp/second.pem" >"$tmp/build.out" 2>&1 ||
  fail_ "ctbenchlog build: $(cat "$tmp/build.out")"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/tl.key" 2>/dev/null
openssl pkey -in "$tmp/tl.key" -pubout -out "$tmp/tl.pub"
"$TL" build --dir "$tmp/tlog" --key "$tmp/tl.key" "$tmp/gen/cas.pem" "$d/sct/ca.pem" \
  "$tmp/first.pem" "${seed[@]}" "$tmp/second.pem" >"$tmp/build.out" 2>&1 ||
  fail_ "caguard-testlog build: $(cat "$tmp/build.out")"

M=("$CAGUARD" monitor --issuer "$tmp/gen/watched_ca.pem" --issuer "$d/sct/ca.pem"
   --loglist "$c3/loglist.json" --loglist "$tmp/gen/sct_logs.json" --at 2025-04-01T00:00:00Z
   --format json)

# ctbenchlog serve with ARGS; sets $burl and $bpid, stats in $tmp/stats
start_bench() {
  rm -f "$tmp/stats"
  "$tmp/ctbenchlog" serve -dir "$tmp/blog" -stats "$tmp/stats" "$@" >"$tmp/bserve.out" \
    2>"$tmp/bserve.err" &
  bpid=$!
  for _ in $(seq 200); do grep -q '^listening on ' "$tmp/bserve.out" && break; sleep 0.05; done
  burl=http://$(sed -n '1s/^listening on //p' "$tmp/bserve.out")
}
stop_bench() {
  kill "$bpid" && wait "$bpid" 2>/dev/null
  bpid=
  for _ in $(seq 100); do [ -s "$tmp/stats" ] && break; sleep 0.05; done
}

# ---- the reference: caguard-testlog, no delay, batches of 1000 ----
start_server "$tmp/tlog" --gzip never
expect_status 1 "${M[@]}" --store "$tmp/ref.db" --once --log "$url" --log-key "$tmp/tl.pub"
expect_grep "at $N of $N, $N entries read, 248 kept, 0 malformed" "$tmp/err"
findings_of "$tmp/ref.db" >"$tmp/ref.findings"
expect_grep 'ct.precert.duplicate_serial' "$tmp/ref.findings"
expect_grep 'ct.pair.validity_mismatch' "$tmp/ref.findings"
sort "$tmp/out" >"$tmp/ref.printed"
stop_server

# run NAME SERVER-ARGS -- MONITOR-ARGS: one --once run against ctbenchlog,
# which must store and print the reference findings, each once, and be
# served every entry exactly once.
run() {
  local name=$1 sargs=() margs=()
  shift
  while [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  margs=("$@")
  start_bench "${sargs[@]}"
  expect_status 1 "${M[@]}" --store "$tmp/$name.db" --once --log "$burl" \
    --log-key "$tmp/blog/log.pub" "${margs[@]}"
  expect_grep "at $N of $N, $N entries read, 248 kept, 0 malformed" "$tmp/err"
  findings_of "$tmp/$name.db" >"$tmp/$name.findings"
  expect_eq "$name: findings as the reference" \
    "$(cmp -s "$tmp/ref.findings" "$tmp/$name.findings" &&
    echo same)" same
  expect_eq "$name: printed findings" \
    "$(sort "$tmp/out" | sed -E 's#http://127\.0\.0\.1:[0-9]+#LOG#g' |
    cmp -s - <(sed -E 's#http://127\.0\.0\.1:[0-9]+#LOG#g' "$tmp/ref.printed") && echo same)" same
  expect_eq "$name: position" "$(position_of "$tmp/$name.db")" "$N $N"
  stop_bench
  expect_eq "$name: entries served once" "$(stat_of "$tmp/stats" entries_served)" "$N"
}

# Reordered answers: 16 small requests in flight, answers 20 to 60 ms late.
run reorder -delay 20ms -jitter 40ms -max-batch 1000 -- --batch 50 --parallel 16
expect_eq 'reorder: requests in flight at once' \
  "$(( $(stat_of "$tmp/stats" max_in_flight) > 2 ))" 1

# A slow answer (1 s) in the middle of the window, now and then.
run slow -delay 5ms -slow-frac 0.1 -slow 1s -seed 7 -- --batch 50 --parallel 8
expect_eq 'slow: requests in flight at once' "$(( $(stat_of "$tmp/stats" max_in_flight) > 2 ))" 1

# 429s (a quarter of the entry requests, Retry-After: 1) while others are in
# flight: nothing fetched twice, nothing lost.
run throttled -delay 10ms -rate429 0.25 -retry-after 1 -seed 2 -- --batch 100 --parallel 8
expect_eq 'throttled: 429s sent' "$(( $(stat_of "$tmp/stats" refused_429) > 0 ))" 1

# A log that answers at most 100 entries, ending at multiples of 100
# (Trillian's --align_getentries): asked 256 at a time, the monitor learns
# the batch and asks aligned ranges; every short answer is kept.
run aligned -max-batch 100 -align -- --batch 256 --parallel 8
requests=$(stat_of "$tmp/stats" entry_requests)
expect_eq "aligned: requests ($requests) near N/100" "$(( requests <= N / 100 + 12 ))" 1
run unaligned -max-batch 100 -- --batch 256 --parallel 8

# static-ct-api: data tiles, reordered.
run tiles -delay 20ms -jitter 40ms -- --log-type static --parallel 16 \
  --log-origin bench.ctlog.invalid/log

# A log's request rate: with -rps 5 the server refuses a sixth request in a
# second; --log-rate 4 never gets there.
run rate -rps 5 -- --batch 200 --log-rate 4
expect_eq 'rate: no 429' "$(stat_of "$tmp/stats" refused_429)" 0

# ---- SIGTERM with requests in flight, then a restart ----
start_bench -delay 300ms -max-batch 50
"${M[@]}" --store "$tmp/term.db" --log "$burl" --log-key "$tmp/blog/log.pub" --batch 50 \
  --parallel 8 --poll-interval 3600 --commit-every 200 >"$tmp/term1.out" 2>"$tmp/term1.err" &
mpid=$!
for _ in $(seq 600); do
  p=$(position_of "$tmp/term.db" 2>/dev/null | cut -d' ' -f1)
  [ -n "$p" ] && [ "$p" -ge 200 ] && break
  sleep 0.05
done
kill -TERM "$mpid"
wait "$mpid"
expect_eq 'SIGTERM: exit status' "$?" 0
mpid=
p=$(position_of "$tmp/term.db" | cut -d' ' -f1)
expect_eq "SIGTERM: stopped in the middle ($p)" "$(( p > 0 && p < N ))" 1
expect_status 1 "${M[@]}" --store "$tmp/term.db" --once --log "$burl" \
  --log-key "$tmp/blog/log.pub" --batch 50 --parallel 8
cat "$tmp/term1.out" "$tmp/out" >"$tmp/term.printed"
expect_eq 'SIGTERM: printed findings, each once' "$(sort "$tmp/term.printed" |
  sed -E 's#http://127\.0\.0\.1:[0-9]+#LOG#g' |
  cmp -s - <(sed -E 's#http://127\.0\.0\.1:[0-9]+#LOG#g' "$tmp/ref.printed") && echo same)" same
findings_of "$tmp/term.db" >"$tmp/term.findings"
expect_eq 'SIGTERM: stored findings' "$(cmp -s "$tmp/ref.findings" "$tmp/term.findings" &&
  echo same)" same
expect_eq 'SIGTERM: position' "$(position_of "$tmp/term.db")" "$N $N"
stop_bench

# ---- caguard-testlog: slow, small batches, every 5th request a 429 ----
start_server "$tmp/tlog" --gzip never --max-batch 64 --delay 10 --rate-limit 5:1
expect_status 1 "${M[@]}" --store "$tmp/tl.db" --once --log "$url" --log-key "$tmp/tl.pub" \
  --batch 256 --parallel 8
findings_of "$tmp/tl.db" >"$tmp/tl.findings"
expect_eq 'testlog: findings as the reference' "$(cmp -s "$tmp/ref.findings" "$tmp/tl.findings" &&
  echo same)" same
stop_server

finish
