#!/usr/bin/env bash
# Monitors sharing one PostgreSQL store (caguard monitor --shared): a log
# that answers its tree head and its first get-entries request, then never
# answers get-entries again (tests/hostile/hostile_log.py, stall on entries
# after 1), beside an honest log. A shared range's transaction, and the
# monitor's lock, open at the range's first entry, and a range that stalls
# is cut (after 1 s without an entry while the honest log waits for the
# store; else at the range's time, 5 s): what arrived is committed as a done
# range, the rest becomes a range of its own, pending. So the honest log
# is committed and its findings printed within seconds, not at the end of
# the stalled log's round; another worker then reads the rest, and the
# store holds the objects and findings of an uninterrupted run, every entry
# in exactly one done range, each finding printed once.
# Needs CAGUARD_TEST_PG_URI (scripts/test starts a throwaway server); skipped
# (77) without it. Every run works in schemas of its own, dropped when it
# passes.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
base=${CAGUARD_TEST_PG_URI:-}
if [ -z "$base" ]; then
  echo "SKIPPED: CAGUARD_TEST_PG_URI is not set, so a stalled log among monitors sharing a" \
    "PostgreSQL store is not tested (scripts/test starts a throwaway server and sets it)"
  exit 77
fi
log1_pid=
slow_pid=
stop_all() {
  pg_drop_schemas
  kill $log1_pid $slow_pid 2>/dev/null
  stop_hostile
  stop_server
  rm -rf "$tmp"
}
trap stop_all EXIT
# A fresh schema; its store's URI in $U.
schema() { pg_fresh_schema "cgstall_$$_$1"; }
sql() { psql "$1" -AtXqc "$2"; }
# What the store found, on what (no times, IDs or messages), sorted.
found_of() {
  "$CAGUARD" findings --store "$1" --format json | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    print(f["rule"], f["severity"], f["object"], f["status"])' | sort
}
objects_of() { sql "$1" "SELECT encode(sha256, 'hex'), kind FROM objects ORDER BY 1, 2"; }
# The findings printed (JSON Lines), as found_of has them.
printed_of() {
  cat "$@" | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        f = json.loads(line)
        print(f["rule"], f["severity"], f.get("file", ""), f.get("message", ""))' | sort
}

build_seed_log "$tmp/log"
start_server "$tmp/log"
log1_url=$url log1_pid=$pid
# The stalled log: the seed log (8 entries) behind the hostile proxy,
# honest for now (--after 1 counts only once it is hostile).
start_hostile honest --after 1
# The honest log: another log (its own key) of two certificates the seed
# log does not hold (their findings are the honest log's), each answer
# 0.5 s late, so that the stalled log's tree head comes first and its
# range opens first.
"$TL" build --dir "$tmp/log2" --key "$d/sct/log_ec.key.pem" "$d/sct/ca.pem" \
  "$d/ct3/moved_pre.pem" "$d/ct3/moved_final.pem" >"$tmp/build2.out" 2>&1 ||
  fail_ "build log2: $(cat "$tmp/build2.out")"
start_server "$tmp/log2" --delay 500
slow_url=$url slow_pid=$pid
url=$log1_url pid=
M=("$CAGUARD" monitor --all-issuers --once --shared --format json --batch 2 --parallel 1
   --commit-every 8 --lease-seconds 60
   --log "$hurl" --log-key "$tmp/log.pub" --log "$slow_url" --log-key "$d/sct/log_ec.pub.pem")

# ---- the reference: both logs honest, one worker ----
schema ref
ref=$U
expect_status 1 "${M[@]}" --store "$ref" --worker-id ref
expect_grep "$hurl: at 8 of 8 \(shared\), 8 entries read in [0-9]+ ranges" "$tmp/err"
expect_grep "$slow_url: at 2 of 2 \(shared\), 2 entries read in 1 ranges" "$tmp/err"
cp "$tmp/out" "$tmp/ref.out"
found_of "$ref" >"$tmp/ref.found"
objects_of "$ref" >"$tmp/ref.objects"
[ -s "$tmp/ref.found" ] && pass_ || fail_ "the reference found nothing to compare with"

# ---- the stall: one worker, the stalled log's head first ----
# With --round-timeout 30 the stalled log's range used to hold the monitor
# (its lock and its one transaction) for the round's whole bound, 27 s,
# and the honest log waited that long. Now the range opens at its first
# entry (0-1), is cut once it has delivered nothing for 1 s while the
# honest log waits for the store (before session 8: 5 s later and 1-2 s
# more, the range's time, then the transport's grace; about 3 s from the
# start now, 9.6 s then), entries 0-1 committed; the honest log is then read,
# committed (the store, read while the monitor still waits for the stalled
# log, has it at 2 of 2) and its findings printed within 15 s, while the
# rest of the stalled log (a range 2-7 of its own) is waited for without
# the lock until the end of its bound, then given back, and reported.
expect_eq 'proxy stalls' \
  "$(curl -sS -X POST -o /dev/null -w '%{http_code}' "$hurl/admin/mode?mode=stall&on=entries")" 200
schema stall
st=$U
/usr/bin/python3 "$CG_SOURCE_DIR/tests/cli/honest_beside.py" "$slow_url" \
  "$slow_url: at 2 of 2 (shared), 2 entries read" '2 of 2' 15 20 "$tmp/w1.out" "$tmp/w1.err" \
  "$CAGUARD" "${M[@]}" --store "$st" --worker-id W1 --round-timeout 30 &&
  pass_ || fail_ "an honest log beside a shared log stalled in get-entries"
expect_grep "$hurl: stalled: no answer with entry 2 before the deadline, the end of its round \(--round-timeout 30 s\)" \
  "$tmp/w1.err"
expect_grep "$hurl: at 2 of 8 \(shared\), 2 entries read in 1 ranges" "$tmp/w1.err"
# The stalled log's ranges: 0-1 done by W1, 2-7 of its own, pending,
# unleased, carrying the tree head's root.
stalled_ranges() {
  sql "$st" "SELECT start, stop, done, COALESCE(owner, '-'), lease_until IS NULL, root IS NOT NULL
    FROM log_ranges WHERE log_id = (SELECT log_id FROM log_state WHERE sth_size = 8)
    ORDER BY start" | tr '\n' ' '
}
expect_eq 'ranges after the stall' "$(stalled_ranges)" '0|2|1|W1|t|f 2|8|0|-|t|t '
expect_eq 'verified prefix of the stalled log' \
  "$(sql "$st" "SELECT position, sth_size FROM log_state WHERE sth_size = 8")" '2|8'

# ---- the rest: another worker, the log answering again ----
expect_eq 'proxy honest' \
  "$(curl -sS -X POST -o /dev/null -w '%{http_code}' "$hurl/admin/mode?mode=honest")" 200
expect_status 1 "${M[@]}" --store "$st" --worker-id W2
cp "$tmp/out" "$tmp/w2.out"
expect_grep "$hurl: at 8 of 8 \(shared\), 6 entries read in 1 ranges" "$tmp/err"
expect_grep "$slow_url: at 2 of 2 \(shared\), 0 entries read in 0 ranges" "$tmp/err"
# Every entry in exactly one done range; the prefix at the tree size.
expect_eq 'done ranges' "$(stalled_ranges)" '0|2|1|W1|t|f 2|8|1|W2|t|t '
expect_eq 'prefix' "$(sql "$st" "SELECT position FROM log_state WHERE sth_size = 8")" 8
# The objects and findings of the uninterrupted run.
found_of "$st" >"$tmp/st.found"
objects_of "$st" >"$tmp/st.objects"
expect_same 'stalled, then read on: findings' "$tmp/ref.found" "$tmp/st.found"
expect_same 'stalled, then read on: objects' "$tmp/ref.objects" "$tmp/st.objects"
# Each finding printed once over both workers, as many as the reference.
printed_of "$tmp/w1.out" "$tmp/w2.out" >"$tmp/st.printed"
printed_of "$tmp/ref.out" >"$tmp/ref.printed"
expect_eq 'findings printed twice' "$(uniq -d "$tmp/st.printed" | wc -l)" 0
expect_eq 'findings printed' "$(wc -l <"$tmp/st.printed")" "$(wc -l <"$tmp/ref.printed")"
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null
stop_hostile

finish
