#!/usr/bin/env bash
# caguard monitor --follow-loglist (and [loglist] follow = true): with no
# --log, the monitor follows every log of the list that is usable, qualified
# or readonly, at its URL and with its type (a tiled log through
# static-ct-api at its monitoring_url); pending, retired, rejected and
# stateless logs are never contacted (their URLs would refuse). Both logs
# are read to their tree size and their seed findings reported. A --log of
# the same log ID wins over the list's entry. A reload that adds a usable
# log starts it; a log the list retires is finished and dropped. The servers
# are always stopped.
. "$(dirname "$0")/lib.sh"
TL=$CG_BUILD_DIR/caguard-testlog
d=$CG_TEST_DATA
c3=$d/ct3
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

expect_status 0 "$CAGUARD" monitor --help
expect_grep '--follow-loglist +follow every log' "$tmp/out"
expect_grep 'default when --loglist is all there is to monitor' "$tmp/out"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --store "$tmp/x.db" --follow-loglist
expect_grep 'needs a --loglist' "$tmp/err"

if [ ! -x "$TL" ]; then # part of every build
  fail_ "no $TL: build the whole tree"
  finish
fi

# mklog NAME FILE...: a log of its own key; NAME.pub is its public key.
mklog() {
  local n=$1
  shift
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$n.key" 2>/dev/null
  openssl pkey -in "$tmp/$n.key" -pubout -out "$tmp/$n.pub"
  "$TL" build --dir "$tmp/$n" --key "$tmp/$n.key" "$d/sct/ca.pem" "$@" \
    >"$tmp/$n.build" 2>&1 || fail_ "build $n: $(cat "$tmp/$n.build")"
}
# serve NAME ARGS...: serves log NAME, writing NAME.json, a list naming it;
# sets $url.
serve() {
  local n=$1
  shift
  start_server "$tmp/$n" --loglist-out "$tmp/$n.json" "$@"
  pids+=("$pid")
  url=$url/
}

mklog usable "$c3/clean_pre.pem" "$c3/clean_final.pem" "$c3/twopre_a.pem" "$c3/twopre_b.pem" \
  "$c3/twopre_final.pem"
mklog readonly "$c3/validity_pre.pem" "$c3/validity_final.pem" "$d/sct/precert_sct_list.pem"
mklog later "$c3/dupcert_a.pem" "$c3/dupcert_b.pem"
serve usable
url_u=$url
serve readonly --loglist-static
url_r=$url
serve later
url_l=$url

# combine OUT NAME:STATE...: one list of the served logs NAME (as their
# --loglist-out wrote them) in STATE, plus, under the ct3 logs' keys, a
# retired, a rejected, a pending and a stateless log at a port that refuses.
combine() {
  local out=$1
  shift
  python3 - "$out" "$tmp" "$c3/loglist.json" "$@" <<'EOF'
import base64, json, sys, urllib.request
out, tmp, ct3 = sys.argv[1:4]
logs, tiled = [], []
for spec in sys.argv[4:]:
    name, state = spec.split(":")
    op = json.load(open(f"{tmp}/{name}.json"))["operators"][0]
    for kind, dest in (("logs", logs), ("tiled_logs", tiled)):
        for log in op.get(kind, []):
            st = {"timestamp": "2024-01-01T00:00:00Z"}
            if state.startswith("readonly"):
                # the final tree head is the log's current one (readonly-wrong:
                # two entries more than the log serves)
                base = log.get("url") or log["monitoring_url"]
                sth = json.load(urllib.request.urlopen(base + "ct/v1/get-sth"))
                st["final_tree_head"] = {"sha256_root_hash": sth["sha256_root_hash"],
                                         "tree_size": sth["tree_size"]}
                if state == "readonly-wrong":
                    st["final_tree_head"]["tree_size"] += 2
            log["state"] = {state.split("-")[0]: st}
            dest.append(log)
dead = "http://127.0.0.1:1/"
states = ["retired", "rejected", "pending", None]
for log, state in zip(json.load(open(ct3))["operators"][0]["logs"], states):
    log["url"] = dead
    if state is None:
        log.pop("state", None)
    else:
        log["state"] = {state: {"timestamp": "2024-01-01T00:00:00Z"}}
    logs.append(log)
json.dump({"version": "1", "log_list_timestamp": "2025-01-01T00:00:00Z",
           "operators": [{"name": "test", "email": ["t@example.invalid"], "logs": logs,
                          "tiled_logs": tiled}]}, open(out, "w"))
EOF
}
combine "$tmp/list.json" usable:usable readonly:readonly

st() { # st DB: the logs of status as "URL POSITION TREE_SIZE" lines, sorted
  "$CAGUARD" --store "$1" status --format json |
    python3 -c 'import json,sys
for l in json.load(sys.stdin)["logs"]: print(l["url"].rstrip("/"), l["position"], l["tree_size"])' |
    sort
}

# ---- --follow-loglist, no --log ----
db=$tmp/s.db
M=("$CAGUARD" monitor --once --store "$db" --issuer "$d/sct/ca.pem" --at 2025-04-01T00:00:00Z
   --loglist "$tmp/list.json" --follow-loglist)
expect_status 1 "${M[@]}"
cp "$tmp/out" "$tmp/first.out"
expect_grep 'error +ct\.precert\.duplicate_serial' "$tmp/first.out"
expect_grep 'error +ct\.pair\.validity_mismatch' "$tmp/first.out"
expect_grep 'error +ct\.precert\.sct_list_present' "$tmp/first.out"
expect_no_grep 'ct\.log\.' "$tmp/first.out"
expect_grep 'is usable in log list .*: followed at .*\(RFC 6962\)' "$tmp/err"
expect_grep 'is readonly in log list .*: followed at .*\(static-ct-api\)' "$tmp/err"
expect_grep '2 logs of the log list followed' "$tmp/err"
expect_no_grep '127\.0\.0\.1:1/' "$tmp/err"
printf '%s 5 5\n%s 3 3\n' "${url_u%/}" "${url_r%/}" | sort >"$tmp/want"
expect_eq status "$(st "$db")" "$(cat "$tmp/want")"
# Again: nothing new, nothing read.
expect_status 0 "${M[@]}"
expect_no_grep '(error|warning|notice) ' "$tmp/out"

# ---- a readonly log that does not serve the final tree head its list
# states (ct.log.final_tree_head_mismatch); above, where they agree, no
# ct.log.* finding ----
combine "$tmp/wrongfinal.json" usable:usable readonly:readonly-wrong
expect_status 1 "$CAGUARD" monitor --once --store "$tmp/f.db" --issuer "$d/sct/ca.pem" \
  --at 2025-04-01T00:00:00Z --loglist "$tmp/wrongfinal.json" --format json
expect_grep '"rule":"ct.log.final_tree_head_mismatch".*states the final tree head of size 5 and root [0-9a-f]{64}; the log serves size 3 and root [0-9a-f]{64}' \
  "$tmp/out"
expect_eq "final tree head findings" "$(grep -c 'final_tree_head_mismatch' "$tmp/out")" 1
expect_grep 'serves a tree head of size 3, not the final one of its log list' "$tmp/err"
# Once per head served: not again on the next run.
expect_status 0 "$CAGUARD" monitor --once --store "$tmp/f.db" --issuer "$d/sct/ca.pem" \
  --at 2025-04-01T00:00:00Z --loglist "$tmp/wrongfinal.json" --format json
expect_no_grep 'final_tree_head_mismatch' "$tmp/out"

# ---- the same without --follow-loglist: a log list and nothing else to
# monitor is followed ----
expect_status 1 "$CAGUARD" monitor --once --store "$tmp/i.db" --issuer "$d/sct/ca.pem" \
  --at 2025-04-01T00:00:00Z --loglist "$tmp/list.json"
expect_grep '2 logs of the log list followed' "$tmp/err"
expect_eq 'implied follow: status' "$(st "$tmp/i.db")" "$(cat "$tmp/want")"
# --no-follow-loglist: then there is nothing to monitor.
expect_status 2 "$CAGUARD" monitor --once --store "$tmp/n.db" --issuer "$d/sct/ca.pem" \
  --loglist "$tmp/list.json" --no-follow-loglist
expect_grep 'no --log, no --loglist to follow' "$tmp/err"
expect_status 2 "$CAGUARD" monitor --once --store "$tmp/n.db" --issuer "$d/sct/ca.pem" \
  --loglist "$tmp/list.json" --follow-loglist --no-follow-loglist
expect_grep 'together' "$tmp/err"

# ---- a --log of the same log ID wins (its URL is another path) ----
expect_status 1 "$CAGUARD" monitor --once --store "$tmp/w.db" --issuer "$d/sct/ca.pem" \
  --at 2025-04-01T00:00:00Z --loglist "$tmp/list.json" --follow-loglist \
  --log "${url_u/127.0.0.1/localhost}" --log-key "$tmp/usable.pub"
expect_grep '1 log of the log list followed' "$tmp/err"
expect_no_grep 'is usable in log list' "$tmp/err"
[ "$(st "$tmp/w.db" | grep -c .)" = 2 ] && pass_ || fail_ "want 2 logs: $(st "$tmp/w.db")"
expect_grep "${url_u%/}" <(st "$tmp/w.db" | sed 's/localhost/127.0.0.1/')
expect_grep 'localhost' <(st "$tmp/w.db")

# ---- the config: [loglist] follow = true, with the reloads ----
cdb=$tmp/c.db
cat >"$tmp/monitor.ini" <<EOF
[monitor]
store = $cdb
quiet = false
[issuer ca]
cert = $d/sct/ca.pem
[loglist]
source = $tmp/list.json
follow = true
reload_interval = 60
EOF
C0=("$CAGUARD" monitor --config "$tmp/monitor.ini" --at 2025-04-01T00:00:00Z)
C=("${C0[@]}" --once)
expect_status 1 "${C[@]}"
expect_grep 'error +ct\.precert\.duplicate_serial' "$tmp/out"
expect_grep 'kept as the reference' "$tmp/err"
expect_grep '2 logs of the log list followed' "$tmp/err"
expect_eq 'config status' "$(st "$cdb")" "$(cat "$tmp/want")"

# Following (no --once), the list reloaded every second: a log that becomes
# usable is started, then, retired, finished and dropped.
# wait_for PATTERN FILE: up to 30 s, while the monitor runs.
wait_for() {
  for _ in $(seq 300); do
    grep -qE -- "$1" "$2" && return 0
    kill -0 "$fpid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
"${C0[@]}" --loglist-reload 1 --poll-interval 1 --format json >"$tmp/f.out" 2>"$tmp/f.err" &
fpid=$!
pids+=($fpid)
# (both caught up by the run before: a round that reads nothing says nothing)
wait_for '2 logs of the log list followed' "$tmp/f.err" && pass_ || fail_ "not started"
combine "$tmp/list.new" usable:usable readonly:readonly later:usable
mv "$tmp/list.new" "$tmp/list.json"
wait_for "followed at ${url_l}" "$tmp/f.err" && pass_ || fail_ "not started: $(cat "$tmp/f.err")"
hp_l=${url_l#http://}
wait_for "${hp_l%/}: at 2 of 2, 2 entries read, 2 kept" "$tmp/f.err" && pass_ ||
  fail_ "not read: $(cat "$tmp/f.err")"
combine "$tmp/list.new" usable:usable readonly:readonly later:retired
mv "$tmp/list.new" "$tmp/list.json"
wait_for 'is no longer usable: finished to its last tree head, then dropped' "$tmp/f.err" &&
  pass_ || fail_ "not dropped: $(cat "$tmp/f.err")"
kill -TERM "$fpid"
got=0
wait "$fpid" || got=$?
[ "$got" = 0 ] && pass_ || fail_ "following monitor: exit $got"
expect_grep '"rule":"ct.loglist.changed".*added' "$tmp/f.out"
expect_grep '"rule":"ct.loglist.changed".*state changed from usable .* to retired' "$tmp/f.out"
expect_grep '"rule":"ct.cert.duplicate_serial"' "$tmp/f.out"
printf '%s 2 2\n' "${url_l%/}" >>"$tmp/want"
sort -o "$tmp/want" "$tmp/want"
expect_eq 'status after the reloads' "$(st "$cdb")" "$(cat "$tmp/want")"
# Retired in the list: a new run does not contact it (its server is gone).
kill "${pids[2]}"
wait "${pids[2]}" 2>/dev/null
expect_status 0 "${C[@]}"
expect_grep '2 logs of the log list followed' "$tmp/err"
expect_no_grep "${hp_l%/}" "$tmp/err"

# ---- the list from a URL ----
mkdir -p "$tmp/files"
cp "$tmp/list.json" "$tmp/files/list.json"
start_server --files "$tmp/files"
pids+=("$pid")
lurl=$url/files/list.json
expect_status 1 "$CAGUARD" monitor --once --store "$tmp/u.db" --issuer "$d/sct/ca.pem" \
  --at 2025-04-01T00:00:00Z --loglist "$lurl" --follow-loglist
expect_grep '2 logs of the log list followed' "$tmp/err"
printf '%s 5 5\n%s 3 3\n' "${url_u%/}" "${url_r%/}" | sort >"$tmp/want"
expect_eq 'URL list status' "$(st "$tmp/u.db")" "$(cat "$tmp/want")"
finish
