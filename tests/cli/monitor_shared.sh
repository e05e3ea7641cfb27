#!/usr/bin/env bash
# Monitors sharing one PostgreSQL store (caguard monitor --shared) against
# caguard-testlog on loopback: two workers split the log's ranges; one is
# killed with SIGKILL while it holds a range, its lease expires and the other
# finishes that range. The store then holds the objects and findings of an
# uninterrupted single-worker run, every range done once, the verified prefix
# at the tree size, and each finding printed and alerted once overall. A
# range read for longer than the lease stays its reader's (renewals); two
# workers following the log share its tail; pairs split over two ranges
# read at the same time are found.
# Needs CAGUARD_TEST_PG_URI (scripts/test starts a throwaway server); skipped
# (77) without it. Every run works in schemas of its own, dropped when it
# passes.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
base=${CAGUARD_TEST_PG_URI:-}
if [ -z "$base" ]; then
  echo "SKIPPED: CAGUARD_TEST_PG_URI is not set, so monitors sharing a PostgreSQL store are" \
    "not tested (scripts/test starts a throwaway server and sets it)"
  exit 77
fi
if [ ! -x "$TL" ]; then
  echo "no $TL: build the whole tree" >&2
  exit 1
fi
mpids=()
stop_all() {
  for p in "${mpids[@]}"; do kill -9 "$p" 2>/dev/null; done
  stop_server
  pg_drop_schemas
  rm -rf "$tmp"
}
trap stop_all EXIT

# A fresh schema; its store's URI in $U.
schema() { pg_fresh_schema "cgshared_$$_$1"; }
sql() { psql "$1" -AtXqc "$2"; }
# The store's findings without their times and IDs, sorted.
findings_of() {
  "$CAGUARD" findings --store "$1" --format json |
    sed -E 's/"(first|last)_seen":"[^"]*",?//g; s/"id":"[0-9]+",?//g' | sort
}
objects_of() { sql "$1" "SELECT encode(sha256, 'hex'), kind, file, idx FROM objects ORDER BY 1"; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
openssl pkey -in "$tmp/log.key" -pubout -out "$tmp/log.pub"
c3=$d/ct3
# Entries that are checked against each other (a precertificate and its
# final certificate, two precertificates of one serial) lie in one range of
# 4: workers read ranges in whatever order they get them, and such pairs
# split over two ranges would be checked in that order (docs/monitor.md).
"$TL" build --dir "$tmp/log" --key "$tmp/log.key" "$d/sct/ca.pem" \
  "$c3/clean_pre.pem" "$c3/clean_final.pem" "$c3/validity_pre.pem" "$c3/validity_final.pem" \
  "$c3/twopre_a.pem" "$c3/twopre_b.pem" "$c3/twopre_final.pem" \
  "$d/sct/precert_sct_list.pem" >"$tmp/build.out" 2>&1 || fail_ "build: $(cat "$tmp/build.out")"
start_server "$tmp/log"
admin() { curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X POST "$url/admin/fault?$1"; }

F=("$CAGUARD" monitor --issuer "$d/sct/ca.pem" --loglist "$c3/loglist.json"
   --at 2025-04-01T00:00:00Z --log "$url" --log-key "$tmp/log.pub" --shared)
M=("${F[@]}" --once)

# ---- the reference: one worker, uninterrupted ----
schema ref
ref=$U
expect_status 1 "${M[@]}" --store "$ref" --commit-every 4 --worker-id ref \
  --alert-jsonl "$tmp/ref.alerts"
cp "$tmp/out" "$tmp/ref.out"
expect_grep 'at 8 of 8 \(shared\), 8 entries read in 2 ranges, 8 kept, 0 malformed; ranges 2 done, 0 leased, 0 pending' "$tmp/err"
findings_of "$ref" >"$tmp/ref.findings"
objects_of "$ref" >"$tmp/ref.objects"
expect_grep 'ct.precert.duplicate_serial' "$tmp/ref.findings"
nref=$(wc -l <"$tmp/ref.alerts")
if [ "$nref" -gt 0 ] && [ "$nref" -eq "$(wc -l <"$tmp/ref.findings")" ]; then pass_; else
  fail_ "reference: $nref alerts for $(wc -l <"$tmp/ref.findings") findings"
fi
expect_eq 'reference prefix' "$(sql "$ref" 'SELECT position, sth_size FROM log_state')" '8|8'
# Once more: nothing left, nothing read, nothing new.
expect_status 0 "${M[@]}" --store "$ref" --worker-id ref
expect_grep 'at 8 of 8 \(shared\), 0 entries read in 0 ranges' "$tmp/err"
expect_no_grep '(error|warning|notice) ' "$tmp/out"
# caguard status, text and JSON.
expect_status 0 "$CAGUARD" status --store "$ref"
expect_grep '^  ranges +2 done, 0 leased, 0 pending \(shared; 8 of 8 entries done\)$' "$tmp/out"
expect_grep '^  position +8 of 8$' "$tmp/out"
expect_status 0 "$CAGUARD" status --store "$ref" --format json
expect_grep '"done": 2' "$tmp/out"
expect_grep '"planned_to": 8' "$tmp/out"

# ---- two workers, one killed with SIGKILL while it holds a range ----
# Slow answers and one entry per request: a range of 4 takes at least
# 0.6 s. A starts and claims the first range; B starts then and takes the
# second; 0.2 s later A is killed mid-range. B finishes its range, waits
# for A's lease (5 s) to expire and does A's range over.
schema two
two=$U
expect_eq 'slow on' "$(admin 'name=slow&on=1&ms=150')" 200
W=("${M[@]}" --store "$two" --batch 1 --parallel 1 --commit-every 4 --lease-seconds 5)
"${W[@]}" --worker-id A --alert-jsonl "$tmp/a.alerts" >"$tmp/a.out" 2>"$tmp/a.err" &
apid=$!
mpids=("$apid")
held=0
for _ in $(seq 400); do
  held=$(sql "$two" "SELECT count(*) FROM log_ranges WHERE owner = 'A' AND done = 0" 2>/dev/null)
  [ "${held:-0}" -gt 0 ] && break
  sleep 0.05
done
"${W[@]}" --worker-id B --alert-jsonl "$tmp/b.alerts" >"$tmp/b.out" 2>"$tmp/b.err" &
bpid=$!
mpids+=("$bpid")
sleep 0.2
kill -9 "$apid" 2>/dev/null
wait "$apid" 2>/dev/null
held=$(sql "$two" "SELECT count(*) FROM log_ranges WHERE owner = 'A' AND done = 0")
expect_eq 'A killed holding a range' "$held" 1
expect_eq 'A completed nothing' "$(sql "$two" "SELECT count(*) FROM log_ranges WHERE owner = 'A' AND done = 1")" 0
bst=0
wait "$bpid" || bst=$?
mpids=()
expect_eq 'slow off' "$(admin 'name=slow&on=0')" 200
expect_eq 'survivor exit status' "$bst" 1
# The survivor took the dead worker's range over after its lease expired.
# Two ranges of 4; on a loaded machine (the CI's ASan run) a range that
# runs past the range's time of 5 s is cut and its rest read as a range of
# its own (docs/monitor.md): then there are more, still each entry in
# exactly one done range, every one of them B's.
nr=$(sql "$two" 'SELECT count(*) FROM log_ranges')
expect_eq 'ranges all done' "$(sql "$two" 'SELECT count(*) FROM log_ranges WHERE done = 1')" "$nr"
expect_eq 'entries done' "$(sql "$two" 'SELECT sum(stop - start) FROM log_ranges WHERE done = 1')" 8
expect_eq 'ranges cover 0-7 once' "$(sql "$two" 'SELECT count(*) FROM log_ranges a JOIN
  log_ranges b ON a.stop = b.start')" "$((nr - 1))"
expect_eq 'prefix' "$(sql "$two" 'SELECT position, sth_size FROM log_state')" '8|8'
expect_grep "at 8 of 8 \(shared\).*ranges $nr done, 0 leased, 0 pending" "$tmp/b.err"
# A range claimed again after a lease expired has a second token.
expect_eq "B's ranges" "$(sql "$two" "SELECT count(*) FILTER (WHERE owner = 'B'),
  count(*) FILTER (WHERE start = 0 AND token = 2), count(*) FILTER (WHERE start = 4 AND
  token = 1) FROM log_ranges")" "$nr|1|1"
expect_grep "at 8 of 8 \(shared\), 8 entries read in $nr ranges" "$tmp/b.err"
findings_of "$two" >"$tmp/two.findings"
objects_of "$two" >"$tmp/two.objects"
expect_same 'two workers, one killed: findings' "$tmp/ref.findings" "$tmp/two.findings"
expect_same 'two workers, one killed: objects' "$tmp/ref.objects" "$tmp/two.objects"
# Each finding printed once and alerted once over both workers, the killed
# one included (each goes out after its range's commit).
cat "$tmp/a.out" "$tmp/b.out" | grep -E '^ +(error|warning|notice) ' | sort | uniq -d >"$tmp/dups"
expect_no_grep '.' "$tmp/dups"
expect_eq 'findings printed' \
  "$(cat "$tmp/a.out" "$tmp/b.out" | grep -cE '^ +(error|warning|notice) ')" \
  "$(grep -cE '^ +(error|warning|notice) ' "$tmp/ref.out")"
cat "$tmp/a.alerts" "$tmp/b.alerts" 2>/dev/null | sed -E 's/"(first|last)_seen":"[^"]*",?//g' |
  sort >"$tmp/two.alerts"
expect_eq 'alerts' "$(wc -l <"$tmp/two.alerts")" "$nref"
expect_eq 'alerts twice' "$(uniq -d "$tmp/two.alerts" | wc -l)" 0

# ---- renewals: a range read for longer than the lease stays its reader's ----
# 1.5 s an entry, 6 s a range from its claim (4.5 s from its first entry,
# when its transaction opens: within the range's time of 5 s, but on a
# loaded machine it may be cut, and its rest read as a range of its own),
# leases of 5 s renewed every 5/3 s while the entries come in. C starts
# once A's and B's first leases would have expired unrenewed: it finds
# nothing to claim, waits, and reads nothing. No range is claimed twice.
schema renew
rn=$U
expect_eq 'slower on' "$(admin 'name=slow&on=1&ms=1500')" 200
R=("${M[@]}" --store "$rn" --batch 1 --parallel 1 --commit-every 4 --lease-seconds 5)
"${R[@]}" --worker-id A >"$tmp/ra.out" 2>"$tmp/ra.err" &
apid=$!
"${R[@]}" --worker-id B >"$tmp/rb.out" 2>"$tmp/rb.err" &
bpid=$!
mpids=("$apid" "$bpid")
for _ in $(seq 400); do
  [ "$(sql "$rn" "SELECT count(*) FROM log_ranges WHERE owner IS NOT NULL" 2>/dev/null)" = 2 ] && break
  sleep 0.05
done
sleep 5.5
expect_status 0 "${R[@]}" --worker-id C
expect_grep 'at 8 of 8 \(shared\), 0 entries read in 0 ranges' "$tmp/err"
wait "$apid"
wait "$bpid"
mpids=()
expect_eq 'slow off again' "$(admin 'name=slow&on=0')" 200
expect_eq 'renewed leases' "$(sql "$rn" "SELECT count(*) FILTER (WHERE token <> 1 OR done <> 1),
  sum(stop - start), string_agg(DISTINCT owner, ',' ORDER BY owner) FROM log_ranges")" '0|8|A,B'
expect_no_grep 'lost|another worker' "$tmp/ra.err"
expect_no_grep 'lost|another worker' "$tmp/rb.err"

# ---- following: the tail shared ----
# Two workers following the store of the kill test (at 8 of 8); an entry
# added to the log is a new tree head: planned once ([8, 9), its root),
# read by one of them, folded into the prefix; SIGTERM ends both, exit 0.
"${F[@]}" --store "$two" --poll-interval 1 --worker-id FA >"$tmp/fa.out" 2>"$tmp/fa.err" &
apid=$!
"${F[@]}" --store "$two" --poll-interval 1 --worker-id FB >"$tmp/fb.out" 2>"$tmp/fb.err" &
bpid=$!
mpids=("$apid" "$bpid")
sleep 1
add_pre_chain "$d/sct/precert.pem" "$d/sct/ca.pem"
for _ in $(seq 200); do
  [ "$(sql "$two" 'SELECT position FROM log_state')" = 9 ] && break
  sleep 0.1
done
kill -TERM "$apid" "$bpid"
fa=0
wait "$apid" || fa=$?
fb=0
wait "$bpid" || fb=$?
mpids=()
expect_eq 'following: exit on SIGTERM' "$fa $fb" '0 0'
expect_eq 'following: prefix' "$(sql "$two" 'SELECT position, sth_size FROM log_state')" '9|9'
expect_eq 'following: the new range' \
  "$(sql "$two" "SELECT start, stop, done, owner IN ('FA', 'FB'), root IS NOT NULL FROM log_ranges WHERE start = 8")" \
  '8|9|1|t|t'
expect_eq 'following: ranges' "$(sql "$two" 'SELECT count(*) FROM log_ranges')" "$((nr + 1))"
cat "$tmp/fa.err" "$tmp/fb.err" | grep -c '1 entries read in 1 ranges' >"$tmp/n1"
expect_eq 'following: read once' "$(cat "$tmp/n1")" 1
expect_no_grep 'mismatch' "$tmp/fa.err"
expect_no_grep 'mismatch' "$tmp/fb.err"

# ---- pairs split over two ranges read at the same time ----
# A log of four entries in two ranges of 2, a slow log keeping both ranges
# open at once, two workers: the findings must be a single worker's. A
# worker storing a new certificate locks its issuer and serial until its
# range commits, so the one storing the other half of a pair waits and
# then finds it. split_case NAME MS FILE... (MS: the log's delay an answer)
#
# What was found, on what, without the messages (which say where the other
# object of a pair was read: in this range or from the store).
found_of() {
  "$CAGUARD" findings --store "$1" --format json | python3 -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    print(f["rule"], f["severity"], f["object"], f["status"])' | sort
}
split_case() {
  local name=$1 ms=$2
  shift 2
  stop_server
  "$TL" build --dir "$tmp/$name" --key "$tmp/log.key" "$d/sct/ca.pem" "$@" \
    >"$tmp/build-$name.out" 2>&1 || fail_ "build: $(cat "$tmp/build-$name.out")"
  start_server "$tmp/$name"
  S=("$CAGUARD" monitor --issuer "$d/sct/ca.pem" --loglist "$c3/loglist.json"
     --at 2025-04-01T00:00:00Z --log "$url" --log-key "$tmp/log.pub" --shared --once
     --commit-every 2 --batch 1 --parallel 1)
  schema "${name}ref"
  local one=$U
  expect_status 1 "${S[@]}" --store "$one" --worker-id one
  found_of "$one" >"$tmp/$name.ref"
  expect_grep 'ct.pair.validity_mismatch' "$tmp/$name.ref"
  schema "$name"
  split=$U
  expect_eq "$name: slow on" "$(admin "name=slow&on=1&ms=$ms")" 200
  "${S[@]}" --store "$split" --worker-id SA >"$tmp/$name-a.out" 2>"$tmp/$name-a.err" &
  local sapid=$!
  "${S[@]}" --store "$split" --worker-id SB >"$tmp/$name-b.out" 2>"$tmp/$name-b.err" &
  local sbpid=$!
  mpids=("$sapid" "$sbpid")
  wait "$sapid"
  wait "$sbpid"
  mpids=()
  expect_eq "$name: both workers read a range" \
    "$(sql "$split" "SELECT count(DISTINCT owner) FROM log_ranges WHERE done = 1")" 2
  found_of "$split" >"$tmp/$name.two"
  expect_same "$name: findings" "$tmp/$name.ref" "$tmp/$name.two"
  expect_eq "$name: slow off" "$(admin 'name=slow&on=0')" 200
}
# Each precertificate in the first range, its certificate in the second.
split_case split 800 "$c3/validity_pre.pem" "$c3/clean_pre.pem" "$c3/validity_final.pem" \
  "$c3/clean_final.pem"
# Pairs crossing in opposite orders: each worker holds the lock the other
# needs next. PostgreSQL breaks the deadlock; the range rolled back is read
# again, and nothing is missed. Slower, so that the two ranges overlap
# even on a loaded machine.
split_case cross 1500 "$c3/validity_pre.pem" "$c3/clean_final.pem" "$c3/clean_pre.pem" \
  "$c3/validity_final.pem"
cat "$tmp/cross-a.err" "$tmp/cross-b.err" >"$tmp/cross.err"
expect_grep 'lost a race with another worker .*deadlock.*; rolled back, to be read again' \
  "$tmp/cross.err"

# ---- refusals ----
expect_status 2 "$CAGUARD" monitor --once --all-issuers --shared --store "$tmp/x.db" \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'shared needs a PostgreSQL store' "$tmp/err"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --worker-id w --store "$ref" \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'worker-id and --lease-seconds need --shared' "$tmp/err"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --shared --lease-seconds 2 \
  --store "$ref" --log "$url" --log-key "$tmp/log.pub"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --shared --worker-id '' \
  --store "$ref" --log "$url" --log-key "$tmp/log.pub"
cat >"$tmp/c.ini" <<EOF
[monitor]
shared = maybe
EOF
expect_status 2 "$CAGUARD" monitor --config "$tmp/c.ini" --once --all-issuers --store "$ref"

finish
