#!/usr/bin/env bash
# caguard monitor --metrics-listen: a monitor following a caguard-testlog log
# (its URL with credentials) and watching CRLs (one served, stale; one on a
# dead port), with alerts to a JSON Lines file and a hook that fails, is
# scraped while it runs. The exposition passes Prometheus' own linter
# (promtool check metrics), Python's prometheus_client parser reads it, and
# it holds the series docs/monitor.md lists, with
# the values the log, the store, the alert file and the CRL say: tree size,
# position, lag, entries read, bytes, requests by status, last contact; a
# failing log's failing-since and transport errors once its server is gone;
# per CRL source its fetch, nextUpdate, staleness and failures; findings by
# rule and severity (against `caguard findings`); alerts delivered and
# failed; process memory. /metrics only, GET and HEAD only; no password in
# it. Its log lines carry an RFC 3339 time (standard error is a file), or
# are JSON with --log-format json.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
if ! command -v promtool >/dev/null; then
  echo "SKIPPED: no promtool (Debian's prometheus; scripts/install-deps --test)"
  exit 77
fi
mpid=
fpid=
stop_all() {
  [ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
  [ -n "${ppid:-}" ] && kill "$ppid" 2>/dev/null && wait "$ppid" 2>/dev/null
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
  stop_servers
}
trap 'stop_all; rm -rf "$tmp"' EXIT

build_seed_log "$tmp/log"
start_server "$tmp/log"
logurl=${url/http:\/\//http://ctuser:S3cret-m@}
tree_size=$(curl -sS "$url/ct/v1/get-sth" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
[ -n "$tree_size" ] && [ "$tree_size" -gt 0 ] && pass_ || fail_ "no tree size from the log"
# The CRL endpoint: a second caguard-testlog serving files.
mkdir "$tmp/www"
cp "$d/crl2/c1_good.pem" "$tmp/www/ca1.crl"
"$TL" serve --files "$tmp/www" --listen 127.0.0.1:0 >"$tmp/files.out" 2>"$tmp/files.err" &
fpid=$!
for _ in $(seq 200); do grep -q '^listening on ' "$tmp/files.out" && break; sleep 0.05; done
furl=http://$(sed -n '1s/^listening on //p' "$tmp/files.out")
crl=$furl/files/ca1.crl
dead=http://crl:S3cret-c@127.0.0.1:1/dead.crl
printf '#!/bin/sh\ncat >/dev/null\nexit 3\n' >"$tmp/hook"
chmod +x "$tmp/hook"

"$CAGUARD" --store "$tmp/s.db" monitor --log "$logurl" --log-key "$tmp/log.pub" \
  --issuer "$d/sct/ca.pem" --issuer "$d/crl2/ca1.pem" --crl-url "$crl" --crl-url "$dead" \
  --all-issuers --poll-interval 1 --crl-interval 1 --metrics-listen 127.0.0.1:0 \
  --alert-jsonl "$tmp/alerts.jsonl" --hook "$tmp/hook" --format json \
  >"$tmp/mon.out" 2>"$tmp/mon.err" &
mpid=$!
for _ in $(seq 200); do grep -q 'metrics at http' "$tmp/mon.err" && break; sleep 0.05; done
murl=$(sed -n 's/.*metrics at \(http:[^ ]*\).*/\1/p' "$tmp/mon.err" | head -1)
[ -n "$murl" ] && pass_ || { fail_ "no metrics address: $(cat "$tmp/mon.err")"; finish; exit 1; }
scrape() { curl -sS --max-time 10 "$murl" >"$tmp/m" 2>"$tmp/curl.err"; }
# val NAME LABELS-REGEX: the value of the series
val() { sed -n "s#^$1{$2} \\(.*\\)\$#\\1#p" "$tmp/m" | head -1; }
sum() { awk -v n="$1" 'index($0, n "{") == 1 { s += $NF } END { print s + 0 }' "$tmp/m"; }
# Wait until the log is read, both CRL sources fetched, and every finding
# printed so far counted and alerted: the scrape runs beside the monitor's
# thread, so it may land between a commit and the findings it hands on.
for _ in $(seq 300); do
  scrape
  printed=$(wc -l <"$tmp/mon.out")
  alerted=$(wc -l <"$tmp/alerts.jsonl" 2>/dev/null || echo 0)
  [ "$(val caguard_log_position 'log="[^"]*"')" = "$tree_size" ] &&
    grep -q '^caguard_crl_last_fetch_seconds{url="http://crl:\*\*\*@' "$tmp/m" &&
    grep -q "^caguard_crl_stale{url=\"$crl\"" "$tmp/m" && [ "$printed" -gt 0 ] &&
    [ "$(sum caguard_findings_total)" = "$printed" ] &&
    [ "$(sum caguard_alerts_total)" = "$alerted" ] &&
    [ "$(sum caguard_alert_failures_total)" = "$alerted" ] && break
  sleep 0.1
done
cp "$tmp/m" "$tmp/m1"

# ---- Prometheus' linter reads it ----
promtool check metrics <"$tmp/m1" >"$tmp/promtool.out" 2>&1 && pass_ ||
  fail_ "promtool check metrics: $(head -5 "$tmp/promtool.out")"
expect_no_grep 'S3cret' "$tmp/m1"
# ... and so does the Python client's parser (python3-prometheus-client),
# which must find each family docs/monitor.md lists with its type, and the
# same values as the text.
/usr/bin/python3 - "$tmp/m1" "$tree_size" <<'PY' && pass_ || fail_ "prometheus_client's parser"
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
want = {
    "caguard_log_tree_size": "gauge", "caguard_log_position": "gauge",
    "caguard_log_lag_entries": "gauge", "caguard_log_lag_seconds": "gauge",
    "caguard_log_entries_read": "counter", "caguard_log_bytes": "counter",
    "caguard_log_requests": "counter", "caguard_log_request_errors": "counter",
    "caguard_log_last_contact_seconds": "gauge", "caguard_log_failing_since_seconds": "gauge",
    "caguard_crl_last_fetch_seconds": "gauge", "caguard_crl_last_change_seconds": "gauge",
    "caguard_crl_next_update_seconds": "gauge", "caguard_crl_stale": "gauge",
    "caguard_crl_consecutive_failures": "gauge", "caguard_findings": "counter",
    "caguard_alerts": "counter", "caguard_alert_failures": "counter",
    "process_resident_memory_bytes": "gauge",
}
bad = [f"{n}: {fams[n].type if n in fams else 'missing'}" for n, t in want.items()
       if n not in fams or fams[n].type != t]
size = [s.value for s in fams["caguard_log_tree_size"].samples]
pos = [s.value for s in fams["caguard_log_position"].samples]
if bad or size != [float(sys.argv[2])] or pos != size:
    print("families:", bad, "tree size", size, "position", pos, file=sys.stderr)
    sys.exit(1)
PY

# ---- the log ----
L='log="http:\/\/ctuser:\*\*\*@127\.0\.0\.1:[0-9]*"'
expect_eq "tree size" "$(val caguard_log_tree_size "$L")" "$tree_size"
expect_eq "position" "$(val caguard_log_position "$L")" "$tree_size"
expect_eq "lag entries" "$(val caguard_log_lag_entries "$L")" 0
lag=$(val caguard_log_lag_seconds "$L")
awk -v v="$lag" 'BEGIN { exit !(v >= 0 && v < 120) }' && pass_ || fail_ "lag seconds '$lag'"
now=$(date +%s)
contact=$(val caguard_log_last_contact_seconds "$L")
[ -n "$contact" ] && [ $((now - ${contact%.*})) -lt 120 ] && pass_ || fail_ "last contact '$contact'"
expect_eq "failing since" "$(val caguard_log_failing_since_seconds "$L")" 0
expect_eq "entries read" "$(val caguard_log_entries_read_total "$L")" "$tree_size"
bytes=$(val caguard_log_bytes_total "$L")
[ -n "$bytes" ] && [ "${bytes%.*}" -gt 1000 ] && pass_ || fail_ "bytes '$bytes'"
req=$(val caguard_log_requests_total "$L,status=\"200\"")
[ -n "$req" ] && [ "${req%.*}" -ge 2 ] && pass_ || fail_ "requests with 200: '$req'"
# The store says the same.
pos=$(sqlite3 "$tmp/s.db" "SELECT position FROM log_state")
expect_eq "store position" "$pos" "$tree_size"

# ---- the CRL sources ----
C="url=\"$(printf '%s' "$crl" | sed 's/[.]/\\./g')\",issuer=\"[^\"]*\""
nu=$(sqlite3 "$tmp/s.db" "SELECT next_update FROM crl_sources WHERE url = '$crl'")
expect_eq "CRL nextUpdate" "$(val caguard_crl_next_update_seconds "$C")" "$nu"
expect_eq "CRL stale" "$(val caguard_crl_stale "$C")" 1
expect_eq "CRL failures" "$(val caguard_crl_consecutive_failures "$C")" 0
fetch=$(val caguard_crl_last_fetch_seconds "$C")
[ -n "$fetch" ] && [ $((now - ${fetch%.*})) -lt 120 ] && pass_ || fail_ "CRL last fetch '$fetch'"
change=$(val caguard_crl_last_change_seconds "$C")
[ -n "$change" ] && [ "${change%.*}" -gt 0 ] && pass_ || fail_ "CRL last change '$change'"
D='url="http:\/\/crl:\*\*\*@127\.0\.0\.1:1\/dead\.crl",issuer="[^"]*"'
f=$(val caguard_crl_consecutive_failures "$D")
[ -n "$f" ] && [ "${f%.*}" -ge 1 ] && pass_ || fail_ "dead CRL failures '$f'"
expect_eq "dead CRL nextUpdate" "$(val caguard_crl_next_update_seconds "$D")" 0

# ---- findings: as many, by rule and severity, as the store holds ----
"$CAGUARD" --store "$tmp/s.db" findings --format json >"$tmp/findings.json"
/usr/bin/python3 - "$tmp/findings.json" "$tmp/m1" <<'PY' && pass_ || fail_ "findings_total against caguard findings"
import collections, json, re, sys
stored = collections.Counter()
for line in open(sys.argv[1]):
    f = json.loads(line)
    stored[(f["rule"], f["severity"])] += 1
scraped = collections.Counter()
for line in open(sys.argv[2]):
    m = re.match(r'caguard_findings_total\{rule="([^"]+)",severity="([^"]+)"\} (\S+)$', line)
    if m:
        scraped[(m.group(1), m.group(2))] += int(float(m.group(3)))
if not stored or stored != scraped:
    print("stored", dict(stored), "scraped", dict(scraped), file=sys.stderr)
    sys.exit(1)
PY

# ---- alerts: every line of the file delivered, every hook run failed ----
lines=$(wc -l <"$tmp/alerts.jsonl")
expect_eq "jsonl alerts" "$(val caguard_alerts_total 'channel="jsonl"')" "$lines"
expect_eq "hook failures" "$(val caguard_alert_failures_total 'channel="hook"')" "$lines"
[ "$lines" -gt 0 ] && pass_ || fail_ "no alert"

# ---- the process ----
rss=$(sed -n 's/^process_resident_memory_bytes \(.*\)$/\1/p' "$tmp/m1")
awk -v v="$rss" 'BEGIN { exit !(v > 1000000) }' && pass_ || fail_ "resident memory '$rss'"

# ---- Prometheus scrapes it; the Grafana dashboard's queries run on it ----
# A real Prometheus server (Debian's) with the monitor as its one target:
# every expression of examples/grafana-caguard-monitor.json is a query it
# accepts, and those over the series this monitor has return them.
ppid=
if command -v prometheus >/dev/null; then
  pport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target=${murl#http://}
  target=${target%/metrics}
  printf 'global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: caguard-monitor\n    static_configs: [{targets: ["%s"]}]\n' \
    "$target" >"$tmp/prometheus.yml"
  prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
    --web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
  ppid=$!
  up=
  for _ in $(seq 300); do
    up=$(curl -s "http://127.0.0.1:$pport/api/v1/query?query=up" |
      sed -n 's/.*"value":\[[0-9.]*,"\([01]\)"\].*/\1/p')
    [ "$up" = 1 ] && break
    sleep 0.1
  done
  expect_eq "Prometheus scrapes the monitor (up)" "$up" 1
  /usr/bin/python3 - "$CG_SOURCE_DIR/examples/grafana-caguard-monitor.json" "$pport" \
    <<'PY' && pass_ || fail_ "the dashboard's queries"
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
base = "http://127.0.0.1:%s/api/v1/query?query=" % sys.argv[2]
must = ("caguard_log_position", "caguard_log_lag_seconds", "caguard_crl_stale",
        "caguard_findings_total", "process_resident_memory_bytes", "caguard_log_requests_total")
bad, n = [], 0
for p in dash["panels"]:
    for t in p.get("targets", []):
        expr = t["expr"].replace("$instance", ".*")
        r = json.load(urllib.request.urlopen(base + urllib.parse.quote(expr)))
        n += 1
        if r.get("status") != "success":
            bad.append((expr, r))
        elif any(m in expr for m in must) and "increase(" not in expr and "rate(" not in expr \
                and not r["data"]["result"]:
            bad.append((expr, "no result"))
if bad or n < 20:
    print(n, bad, file=sys.stderr)
    sys.exit(1)
PY
  kill "$ppid" && wait "$ppid" 2>/dev/null
  ppid=
else
  fail_ "no prometheus (scripts/install-deps --test installs it)"
fi

# ---- the listener: /metrics only, GET and HEAD only ----
base=${murl%/metrics}
expect_eq "GET /" "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" 404
expect_eq "POST /metrics" "$(curl -s -o /dev/null -w '%{http_code}' -d x "$murl")" 405
expect_eq "HEAD /metrics" "$(curl -s -o /dev/null -w '%{http_code}' -I "$murl")" 200
expect_grep '^Content-Type: text/plain; version=0\.0\.4' <(curl -sS -D - -o /dev/null "$murl" | tr -d '\r')

# ---- the log goes away: transport errors, failing since ----
stop_server
for _ in $(seq 100); do
  scrape
  fs=$(val caguard_log_failing_since_seconds "$L")
  [ -n "$fs" ] && [ "${fs%.*}" -gt 0 ] && break
  sleep 0.2
done
[ "${fs%.*}" -gt 0 ] && pass_ || fail_ "failing since '$fs' after the log stopped"
t=$(val caguard_log_requests_total "$L,status=\"transport\"")
[ -n "$t" ] && [ "${t%.*}" -ge 1 ] && pass_ || fail_ "transport errors '$t'"
e=$(val caguard_log_request_errors_total "$L,status=\"transport\"")
expect_eq "errors = transport requests" "$e" "$t"
expect_no_grep 'S3cret' "$tmp/m"

# ---- log lines: an RFC 3339 time and a level first (standard error is a file) ----
kill "$mpid" && wait "$mpid"
expect_eq "exit on SIGTERM" "$?" 0
mpid=
[ -s "$tmp/mon.err" ] && pass_ || fail_ "no log line"
bad=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z (info|warning|error) caguard monitor: ' "$tmp/mon.err")
expect_eq "lines without a time" "$bad" 0
expect_no_grep 'S3cret' "$tmp/mon.err"
# JSON lines, each an object a JSON parser reads, same secrets hidden.
expect_status 2 "$CAGUARD" --store "$tmp/s.db" monitor --issuer "$d/crl2/ca1.pem" \
  --crl-url "$dead" --once --log-format json
/usr/bin/python3 - "$tmp/err" <<'PY' && pass_ || fail_ "--log-format json: $(head -3 "$tmp/err")"
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert set(o) == {"time", "level", "source", "msg"}, o
    assert o["level"] in ("info", "warning", "error") and o["time"].endswith("Z")
    assert "S3cret" not in line
    n += 1
assert n > 0
PY
expect_status 2 "$CAGUARD" monitor --metrics-listen 127.0.0.1:x --issuer "$d/sct/ca.pem" \
  --crl-url "$crl" --once
expect_grep 'metrics-listen' "$tmp/err"
finish
