#!/usr/bin/env bash
# Nothing lost across SIGKILLs: caguard monitor --incidents auto with slow
# alert hooks (a --hook and five in a hooks directory, each sleeping
# before it records the delivery), a JSON Lines file and every severity
# alerted, killed with SIGKILL again and again (at random delays: while it
# reads and commits ranges, while its hooks run) and started again each
# time, until it has been killed at least 20 times; then one run to the
# end. Then, from the store and the receivers (the hooks' log, the JSON
# Lines file, the runs' standard output):
#   - every finding was printed at least once;
#   - every finding that calls for an incident is in its incident draft,
#     one draft per problem, and the outbox has nothing pending;
#   - every alert ID reached every hook and the JSON Lines file at least
#     once (the count per alert ID at the receiver), and the repeats carry
#     the same alert ID, so a receiver can drop them.
# The numbers (kills, findings, alerts, repeats) are printed at the end.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
mpid=
trap '[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null; stop_servers; rm -rf "$tmp"' EXIT

build_seed_log "$tmp/log"
start_server "$tmp/log"

# The receivers: each hook records ALERT_ID after a slow delivery; the
# marker files say a hook was running when the monitor was killed.
h=$tmp/hooks.d
mkdir -p "$h"
slow_hook "$tmp/solo" solo
for n in a b c d e; do slow_hook "$h/10-$n" "$n"; done

M=("$CAGUARD" monitor --store "$tmp/s.db" --issuer "$d/sct/ca.pem"
   --loglist "$d/ct3/loglist.json" --at 2025-04-01T00:00:00Z --once --format json --quiet
   --commit-every 2 --hook "$tmp/solo" --hooks-dir "$h" --hook-timeout 20
   --alert-jsonl "$tmp/alerts.jsonl" --alert-min-severity notice --incidents auto
   --log "$url" --log-key "$tmp/log.pub")

kills=0 in_hook=0 runs=0
: >"$tmp/printed.jsonl"
while [ "$kills" -lt 22 ] && [ "$runs" -lt 200 ]; do
  runs=$((runs + 1))
  "${M[@]}" >"$tmp/run.out" 2>"$tmp/run.err" &
  mpid=$!
  # A random delay, 0 to 2 s: in the first runs it falls in the reading
  # and the commits, later mostly inside the hooks; every third run is
  # killed just after a hook has started.
  delay=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", (r % 201) / 100 }')
  if [ $((runs % 3)) = 0 ]; then
    for _ in $(seq 100); do
      ls "$tmp"/running.* >/dev/null 2>&1 || ! kill -0 "$mpid" 2>/dev/null && break
      sleep 0.05
    done
    delay=$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", (r % 31) / 100 }')
  fi
  sleep "$delay"
  if kill -9 "$mpid" 2>/dev/null; then
    kills=$((kills + 1))
    ls "$tmp"/running.* >/dev/null 2>&1 && in_hook=$((in_hook + 1))
  fi
  { wait "$mpid"; } 2>/dev/null
  mpid=
  cat "$tmp/run.out" >>"$tmp/printed.jsonl"
done
# Hooks the last kill left running finish (they deliver, unrecorded).
for _ in $(seq 50); do ls "$tmp"/running.* >/dev/null 2>&1 || break; sleep 0.1; done
[ "$kills" -ge 20 ] && pass_ || fail_ "only $kills kills in $runs runs"
[ "$in_hook" -ge 5 ] && pass_ || fail_ "only $in_hook kills inside a hook"

# One run to the end: it delivers what the kills left.
"${M[@]}" >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
cat "$tmp/run.out" >>"$tmp/printed.jsonl"
# 0, or 1 when it still found an error finding of its own
[ "$rc" = 0 ] || [ "$rc" = 1 ] && pass_ || { fail_ "last run: exit $rc"; cat "$tmp/run.err" >&2; }
expect_no_grep 'hook' "$tmp/run.err"
expect_status 0 "$CAGUARD" --store "$tmp/s.db" status
expect_grep 'pending +0 \(0 failing' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$tmp/s.db" incident list
cp "$tmp/out" "$tmp/incidents.out"
[ "$(grep -cE 'misissuance .* open +auto: ' "$tmp/incidents.out")" = 3 ] && pass_ ||
  fail_ "want 3 drafts, one per problem"
expect_status 1 "$CAGUARD" --store "$tmp/s.db" findings --format json
cp "$tmp/out" "$tmp/findings.jsonl"

/usr/bin/python3 - "$tmp" "$kills" "$in_hook" "$runs" <<'EOF' && pass_ || fail_ "delivery check"
import collections, json, sqlite3, sys
tmp, kills, in_hook, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
findings = [json.loads(l) for l in open(tmp + "/findings.jsonl")]
printed = []
for line in open(tmp + "/printed.jsonl"):
    printed.append(json.loads(line))  # every printed line is whole JSON
key = lambda f: (f["rule"], f["object"])
assert findings, "no findings"
missing = {key(f) for f in findings} - {key(p) for p in printed}
assert not missing, ("never printed", missing)
db = sqlite3.connect(tmp + "/s.db")
pending = db.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()[0]
assert pending == 0, pending
# every finding has its alert, every auto-incident rule its draft
ids = {r[0]: r[1] for r in db.execute(
    "SELECT DISTINCT o.alert_id, f.rule FROM outbox o JOIN findings f ON f.id = o.finding_id")}
assert len(ids) == len(findings), (len(ids), len(findings))
inc = db.execute("SELECT count(*), sum(incident_id IS NOT NULL) FROM outbox "
                 "WHERE channel = 'incident'").fetchone()
errors = sum(1 for f in findings if f["severity"] == "error")
assert inc[0] == errors, (inc, errors)
drafts = set()
for rule, incident in db.execute(
        "SELECT f.rule, o.incident_id FROM outbox o JOIN findings f "
        "ON f.id = o.finding_id WHERE o.channel = 'incident'"):
    if rule in ("ct.pair.validity_mismatch", "ct.precert.duplicate_serial",
                "ct.precert.sct_list_present"):
        assert incident, (rule, incident)
        drafts.add(incident)
assert len(drafts) == 3, drafts
# every alert ID at every receiver, at least once
got = collections.Counter()
for line in open(tmp + "/receiver.log"):
    aid, hook, rule = line.split()
    assert ids.get(aid) == rule, (aid, rule)
    got[(aid, hook)] += 1
jsonl = collections.Counter(json.loads(l)["alert_id"] for l in open(tmp + "/alerts.jsonl"))
lost = [(a, h) for a in ids for h in ("solo", "a", "b", "c", "d", "e") if got[(a, h)] == 0]
lost += [(a, "jsonl") for a in ids if jsonl[a] == 0]
assert not lost, ("lost", lost)
hooks = sum(got.values())
repeats = hooks - len(got) + sum(jsonl.values()) - len(jsonl)
print("crash test: %d runs, %d SIGKILLs (%d inside a hook); %d findings (%d errors), "
      "%d printed lines (%d repeats), %d alerts (alert IDs) x 7 channels: %d deliveries, "
      "%d of them repeats, 0 lost; %d incident drafts" % (
          runs, kills, in_hook, len(findings), errors, len(printed),
          len(printed) - len(findings), len(ids), hooks + sum(jsonl.values()), repeats,
          len(drafts)))
EOF
finish
