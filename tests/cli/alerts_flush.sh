#!/usr/bin/env bash
# caguard alerts flush: what a killed monitor still owed, delivered without
# a monitor.
#   1. A monitor (--incidents auto, a slow --hook, a hooks directory, a
#      JSON Lines file) is killed with SIGKILL while its hooks deliver.
#      Without --take-over the flush leaves the rows the dead monitor had
#      claimed (exit 1); with it, it delivers every one of them (exit 0):
#      every alert ID of the store at every receiver, nothing pending,
#      every finding printed and every draft opened.
#   2. A failing hook: the monitor's alerts fail; 'alerts flush --config'
#      (the monitor's file, [alerts] and [incidents]) keeps them pending
#      (exit 1, said on stderr); once the hook works, the flush delivers
#      them (exit 0) with the alert IDs of the failed attempts.
#   3. Usage: no subcommand, unknown option, a hook that is not
#      executable, --mail-from without --mail-to, a bad --hook-timeout or
#      --incidents, an operand, a missing store: exit 2; --help: exit 0.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
mpid=
trap '[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null; stop_servers; rm -rf "$tmp"' EXIT

build_seed_log "$tmp/log"
start_server "$tmp/log"

h=$tmp/hooks.d
mkdir -p "$h"
slow_hook "$tmp/solo" solo
slow_hook "$h/10-a" a
: >"$tmp/receiver.log"

# The alert IDs of a store and how many rows are pending.
ids() { /usr/bin/python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1])
for (a,) in db.execute("SELECT DISTINCT alert_id FROM outbox WHERE channel LIKE \"hook%\""):
    print(a)' "$1"; }
pending() { /usr/bin/python3 -c 'import sqlite3,sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()[0])' "$1"; }

A=(--hook "$tmp/solo" --hooks-dir "$h" --hook-timeout 20 --alert-jsonl "$tmp/alerts.jsonl"
   --incidents auto)
M=("$CAGUARD" monitor --store "$tmp/s.db" --issuer "$d/sct/ca.pem"
   --loglist "$d/ct3/loglist.json" --at 2025-04-01T00:00:00Z --once --format json --quiet
   "${A[@]}" --log "$url" --log-key "$tmp/log.pub")

# 1. killed while its first hook runs
"${M[@]}" >"$tmp/printed.jsonl" 2>"$tmp/run.err" &
mpid=$!
for _ in $(seq 600); do
  ls "$tmp"/running.* >/dev/null 2>&1 && break
  kill -0 "$mpid" 2>/dev/null || break
  sleep 0.05
done
kill -9 "$mpid" 2>/dev/null && pass_ || fail_ "the monitor ended before a hook ran"
{ wait "$mpid"; } 2>/dev/null
mpid=
for _ in $(seq 100); do ls "$tmp"/running.* >/dev/null 2>&1 || break; sleep 0.1; done
left=$(pending "$tmp/s.db")
[ "$left" -gt 0 ] && pass_ || fail_ "nothing left pending by the kill"

F=("$CAGUARD" --store "$tmp/s.db" alerts flush "${A[@]}" --format json)
# The dead monitor's claims are its own for 5 minutes: left, exit 1.
expect_status 1 "${F[@]}"
expect_grep 'left pending' "$tmp/err"
cat "$tmp/out" >>"$tmp/printed.jsonl"
expect_status 0 "${F[@]}" --take-over
cat "$tmp/out" >>"$tmp/printed.jsonl"
expect_grep 'pending at the start' "$tmp/err"
expect_eq "pending after the flush" "$(pending "$tmp/s.db")" 0
expect_status 0 "$CAGUARD" --store "$tmp/s.db" status
expect_grep 'pending +0 \(0 failing' "$tmp/out"
expect_status 1 "$CAGUARD" --store "$tmp/s.db" findings --format json
cp "$tmp/out" "$tmp/findings.jsonl"
ids "$tmp/s.db" >"$tmp/ids"
/usr/bin/python3 - "$tmp" <<'EOF' && pass_ || fail_ "flush delivery check"
import collections, json, sqlite3, sys
tmp = sys.argv[1]
ids = set(open(tmp + "/ids").read().split())
assert ids, "no alert IDs"
got = collections.Counter()
for line in open(tmp + "/receiver.log"):
    aid, hook, rule = line.split()
    assert aid in ids, aid
    got[(aid, hook)] += 1
jsonl = {json.loads(l)["alert_id"] for l in open(tmp + "/alerts.jsonl")}
lost = [(a, h) for a in ids for h in ("solo", "a") if got[(a, h)] == 0]
lost += [(a, "jsonl") for a in ids if a not in jsonl]
assert not lost, ("lost", lost)
key = lambda f: (f["rule"], f["object"])
findings = [json.loads(l) for l in open(tmp + "/findings.jsonl")]
printed = {key(json.loads(l)) for l in open(tmp + "/printed.jsonl")}
assert {key(f) for f in findings} <= printed, "a finding never printed"
db = sqlite3.connect(tmp + "/s.db")
drafts = {r[0] for r in db.execute(
    "SELECT incident_id FROM outbox WHERE channel = 'incident' AND incident_id IS NOT NULL")}
assert len(drafts) == 3, drafts
print("flush: %d alert IDs, %d hook deliveries, %d drafts, 0 lost" % (
    len(ids), sum(got.values()), len(drafts)))
EOF

# 2. a failing hook, then the monitor's configuration file
: >"$tmp/receiver.log"
slow_hook "$tmp/flaky" flaky 3
cat >"$tmp/conf.ini" <<EOF
[monitor]
store = $tmp/s2.db

[alerts]
hook = $tmp/flaky
hook_timeout = 20

[incidents]
auto = true
EOF
expect_status 2 "$CAGUARD" monitor --config "$tmp/conf.ini" --issuer "$d/sct/ca.pem" \
  --loglist "$d/ct3/loglist.json" --at 2025-04-01T00:00:00Z --once --quiet \
  --log "$url" --log-key "$tmp/log.pub"
expect_grep 'flaky' "$tmp/err"
n2=$(pending "$tmp/s2.db")
[ "$n2" -gt 0 ] && pass_ || fail_ "the failing hook left nothing pending"
expect_status 1 "$CAGUARD" alerts flush --config "$tmp/conf.ini" --take-over
expect_grep 'left pending, [0-9]+ of them failing' "$tmp/err"
expect_grep 'exited with status 3' "$tmp/err"
expect_eq "still pending" "$(pending "$tmp/s2.db")" "$n2"
sort -u "$tmp/receiver.log" | awk '{print $1}' | sort -u >"$tmp/failed.ids"
slow_hook "$tmp/flaky" flaky 0
: >"$tmp/receiver.log"
expect_status 0 "$CAGUARD" alerts flush --config "$tmp/conf.ini" --take-over --quiet
expect_no_grep . "$tmp/err"
expect_eq "pending after the fix" "$(pending "$tmp/s2.db")" 0
ids "$tmp/s2.db" >"$tmp/ids2"
awk '{print $1}' "$tmp/receiver.log" | sort -u >"$tmp/got2.ids"
expect_eq "every alert ID delivered" "$(sort -u "$tmp/ids2" | tr '\n' ' ')" \
  "$(tr '\n' ' ' <"$tmp/got2.ids")"
expect_eq "the failed attempts' IDs" "$(tr '\n' ' ' <"$tmp/failed.ids")" \
  "$(tr '\n' ' ' <"$tmp/got2.ids")"
# nothing pending: 0 at once
expect_status 0 "$CAGUARD" alerts flush --config "$tmp/conf.ini"
expect_grep '^caguard alerts flush: 0 deliveries pending at the start' "$tmp/err"

# 3. usage
expect_status 2 "$CAGUARD" alerts
expect_status 2 "$CAGUARD" alerts frobnicate
expect_status 0 "$CAGUARD" alerts flush --help
expect_grep '^usage: caguard .*alerts flush' "$tmp/out"
expect_grep 'hook-timeout S' "$tmp/out"
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush --hok
expect_grep 'did you mean' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush --hook "$tmp/nonexistent"
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush --mail-from a@b.example
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush --hook-timeout 0
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush --incidents maybe
expect_status 2 "$CAGUARD" --store "$tmp/s.db" alerts flush extra
expect_status 2 "$CAGUARD" --store "$tmp/nostore.db" alerts flush
[ ! -e "$tmp/nostore.db" ] && pass_ || fail_ "a store was created"
finish
