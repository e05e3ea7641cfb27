#!/usr/bin/env bash
# caguard serve under load (docs/performance.md, "caguard serve"):
#
# 1. POST /lintcert with a real certificate with SCTs (tests/data/le2023,
#    the good final of Let's Encrypt R3) as a pkimetal client sends it,
#    against Chrome's full log list (gstatic all_logs_list) and crt.sh's
#    (which still lists the 2023 logs, so both SCTs are verified), the R3
#    certificate loaded once: wrk, 64 keep-alive connections, --threads 2
#    (CG_SERVE_THREADS: another worker count, for /lintcert and drift).
# 2. RSS over 1,000,000 such requests (sampled between wrk runs).
# 3. The counterpart measured in the same run: the same check without a
#    server, one `caguard check` process per certificate (what a pipeline
#    does without caguard serve), and `openssl x509 -noout` per process (the
#    floor of any process-per-certificate tool).
# 4. The gate's pair flow on SQLite: POST /v1/gate/precert then
#    /v1/gate/cert for distinct serials (bench/gen_gate_pairs.py), each pair
#    allowed, wrk threads with one connection each (CG_GATE_CONNS, default
#    64; the server gets as many workers: each waits for the commit of its
#    decision, and concurrent decisions share one commit).
#
# 5. (not by default) drift: CG_DRIFT_RUNS (default 6) /lintcert runs of
#    SECONDS back to back, each against a new server (as the idle reruns
#    are made) or, with CG_DRIFT_SAME=1, all against one server; a row a
#    run: server and wrk CPU a request, RSS, the kernel's TIME_WAIT
#    sockets, and a reference measured in the same CPU clock just before
#    the run: `openssl speed` ECDSA P-256 verifications per CPU second
#    (OpenSSL's own code, no caguard, no syscalls). When the server's CPU a
#    request grows and the reference's CPU an operation grows with it, the
#    machine is slower, not the server.
#
# usage: bench/serve_bench.sh [BUILD_DIR] [SECONDS] [TOTAL_REQUESTS] [PAIRS]
# (defaults: build, 30, 1000000, 20000). CG_BENCH_PARTS picks parts (default
# "lint rss peer gate"; "drift" on demand); CG_BASELINE_CAGUARD=PATH runs
# /lintcert and the gate flow against another build first, in the same
# run. Prints `uptime` first and last: the machine is shared, report the
# load with the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
build=${1:-$root/build}
secs=${2:-30}
total=${3:-1000000}
npairs=${4:-20000}
parts=" ${CG_BENCH_PARTS:-lint rss peer gate} "
gate_conns=${CG_GATE_CONNS:-64}
serve_threads=${CG_SERVE_THREADS:-2}
want() { case "$parts" in *" $1 "*) return 0 ;; esac; return 1; }
caguard=$build/caguard
d=$root/tests/data
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (Debian package wrk)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

echo "== load: $(uptime)"
echo "== machine: $(nproc) processors, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"

start() {
  "$caguard" serve --listen 127.0.0.1:0 --no-access-log "$@" 2>"$tmp/serve.err" &
  pid=$!
  serve_wait "$tmp/serve.err" || true
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
# The server's CPU seconds so far (user + system): with the request count,
# CPU per request, which the machine's other load does not inflate much.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$pid/stat"; }

# 1. /lintcert
if want lint || want rss; then
b64=$(sed '/-----/d' "$d/le2023/good/final.pem" | tr -d '\n')
printf 'b64cert=%s' "$(printf '%s' "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" >"$tmp/form"
# lint_run LABEL: /lintcert for SECONDS against a new server ($caguard).
# CG_BASELINE_CAGUARD, when set, is run the same way first: another build,
# measured in the same run.
lint_run() {
start --threads "$serve_threads" --loglist "$d/loglists/gstatic_v3_all_logs_list.json" \
  --loglist "$d/loglists/crtsh_v3_all_all_logs_list.json" --ca "$d/le2023/r3.pem"
curl -s -X POST --data-binary @"$tmp/form" -H 'Content-Type: application/x-www-form-urlencoded' \
  "$url/lintcert" >"$tmp/answer.json"
echo "== the answer to one request ($1):"
cat "$tmp/answer.json"
echo "== /lintcert ($1), 64 connections, ${secs}s (RSS before: $(rss) kB)"
c0=$(cpu)
CG_FORM=$tmp/form /usr/bin/time -f '%U %S' -o "$tmp/wrk1.cpu" wrk -t2 -c64 -d"${secs}s" \
  --timeout 30s --latency -s "$root/bench/serve_lintcert.lua" "$url/lintcert" | tee "$tmp/wrk1"
c1=$(cpu)
done_req=$(awk '/requests in/ {print $1}' "$tmp/wrk1")
# The load generator runs on the same 2 cores: what server and client
# together cost a request says the rate at full CPU with nothing else.
awk -v a="$c0" -v b="$c1" -v n="$done_req" -v w="$(awk '{print $1 + $2}' "$tmp/wrk1.cpu")" \
  -v cores="$(nproc)" 'BEGIN {
  printf "== server CPU: %.3f ms per /lintcert request (%.0f requests/s per core at 100%% CPU)\n", (b - a) * 1000 / n, n / (b - a)
  printf "== wrk CPU: %.3f ms per request; server + wrk on %d cores at full CPU: %.0f requests/s\n", w * 1000 / n, cores, cores * n / (b - a + w) }'
}
if [ -n "${CG_BASELINE_CAGUARD:-}" ]; then
  this=$caguard
  caguard=$CG_BASELINE_CAGUARD
  lint_run "baseline: $CG_BASELINE_CAGUARD"
  stop
  caguard=$this
fi
lint_run "$caguard"

if want rss; then
echo "== RSS over $total requests (kB, after each run of ${secs}s):"
printf '%12s %10s\n' requests rss_kB
printf '%12s %10s\n' "$done_req" "$(rss)"
while [ "$done_req" -lt "$total" ]; do
  n=$(CG_FORM=$tmp/form wrk -t2 -c64 -d"${secs}s" --timeout 30s -s "$root/bench/serve_lintcert.lua" \
    "$url/lintcert" | awk '/requests in/ {print $1}')
  done_req=$((done_req + n))
  printf '%12s %10s\n' "$done_req" "$(rss)"
done
fi
curl -s "$url/metrics" | grep -E '^caguard_serve_requests_total\{endpoint="/lintcert"' || true
stop
fi

# 5. drift across consecutive runs
if want drift; then
drift_runs=${CG_DRIFT_RUNS:-6}
b64=$(sed '/-----/d' "$d/le2023/good/final.pem" | tr -d '\n')
printf 'b64cert=%s' "$(printf '%s' "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" >"$tmp/form"
drift_start() {
  start --threads "$serve_threads" --loglist "$d/loglists/gstatic_v3_all_logs_list.json" \
    --loglist "$d/loglists/crtsh_v3_all_all_logs_list.json" --ca "$d/le2023/r3.pem"
}
echo "== drift: $drift_runs runs of ${secs}s, $([ -n "${CG_DRIFT_SAME:-}" ] && echo one server || echo a new server each), $serve_threads workers"
printf '%-9s %6s %9s %8s %8s %9s %9s %8s %9s %8s\n' time load1 'req/s' p99_ms srv_ms wrk_ms \
  ref_vfy/s ref_us srv/ref rss_kB
[ -n "${CG_DRIFT_SAME:-}" ] && drift_start
for i in $(seq "$drift_runs"); do
  ref=$(openssl speed -seconds 2 ecdsap256 2>/dev/null | awk '/nistp256/ {print $NF}')
  [ -n "${CG_DRIFT_SAME:-}" ] || drift_start
  # The first requests build the log keys' tables: warm up outside the count.
  CG_FORM=$tmp/form wrk -t2 -c64 -d1s -s "$root/bench/serve_lintcert.lua" "$url/lintcert" >/dev/null
  load1=$(cut -d' ' -f1 /proc/loadavg)
  t=$(date -u +%T)
  c0=$(cpu)
  CG_FORM=$tmp/form /usr/bin/time -f '%U %S' -o "$tmp/wrk.cpu" wrk -t2 -c64 -d"${secs}s" \
    --timeout 30s --latency -s "$root/bench/serve_lintcert.lua" "$url/lintcert" >"$tmp/wrk"
  c1=$(cpu)
  tw=$(ss -Htan state time-wait | wc -l)
  awk -v a="$c0" -v b="$c1" -v w="$(awk '{print $1 + $2}' "$tmp/wrk.cpu")" -v ref="$ref" \
    -v t="$t" -v l="$load1" -v rss="$(rss)" -v tw="$tw" '
    /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p = $2; if (p ~ /ms$/) p += 0; else if (p ~ /us$/) p /= 1000; else p *= 1000 }
    END {
      srv = (b - a) * 1000 / n; refus = 1e6 / ref
      printf "%-9s %6s %9.0f %8.2f %8.3f %9.3f %9.0f %8.1f %9.2f %8s tw=%s\n", t, l, rps, p, srv,
        w * 1000 / n, ref, refus, srv * 1000 / refus, rss, tw }' "$tmp/wrk"
  [ -n "${CG_DRIFT_SAME:-}" ] || stop
done
[ -n "${CG_DRIFT_SAME:-}" ] && stop
fi

# 3. the counterpart: one process per certificate
# CPU (user + system of the children) as well as wall time.
if want peer; then
n=50
child_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($14 + $15) / hz }' /proc/$$/stat; }
k0=$(child_cpu)
t0=$(date +%s.%N)
for _ in $(seq $n); do
  "$caguard" check --format json --loglist "$d/loglists/gstatic_v3_all_logs_list.json" \
    --loglist "$d/loglists/crtsh_v3_all_all_logs_list.json" "$d/le2023/r3.pem" \
    "$d/le2023/good/final.pem" >/dev/null || true
done
t1=$(date +%s.%N)
k1=$(child_cpu)
for _ in $(seq $n); do openssl x509 -noout -in "$d/le2023/good/final.pem"; done
t2=$(date +%s.%N)
k2=$(child_cpu)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v ka="$k0" -v kb="$k1" -v kc="$k2" -v n=$n 'BEGIN {
  printf "== counterpart: caguard check, one process per certificate: %.1f/s wall (%.2f ms each), %.2f ms CPU each\n", n / (b - a), (b - a) * 1000 / n, (kb - ka) * 1000 / n
  printf "== counterpart: openssl x509 -noout, one process per certificate: %.1f/s wall (%.2f ms each), %.2f ms CPU each\n", n / (c - b), (c - b) * 1000 / n, (kc - kb) * 1000 / n }'
fi

# 4. the gate's pair flow on SQLite
if want gate; then
# Making the pairs takes minutes (two SCT signatures each): kept in the
# build directory for the next run (each run's store is new).
pairs=$build/bench/gate_pairs_$npairs.txt
if [ ! -s "$pairs" ]; then
  /usr/bin/python3 "$root/bench/gen_gate_pairs.py" "$npairs" "$tmp"
  mkdir -p "$build/bench"
  mv "$tmp/pairs.txt" "$pairs"
fi
# gate_run LABEL: the flow against a new store (CG_BASELINE_CAGUARD, when
# set, is run the same way first: another build, e.g. one without group
# commit, measured in the same run).
gate_run() {
  rm -f "$tmp/gate.db" "$tmp/gate.db-wal" "$tmp/gate.db-shm"
  start --threads "$gate_conns" --store "$tmp/gate.db" --loglist "$d/ct3/loglist.json" \
    --ca "$d/sct/ca.pem"
  echo "== gate pairs on SQLite ($1), $gate_conns connections (one per wrk thread), ${secs}s"
  c0=$(cpu)
  CG_PAIRS=$pairs CG_THREADS=$gate_conns wrk -t"$gate_conns" -c"$gate_conns" -d"${secs}s" \
    --timeout 30s --latency -s "$root/bench/serve_gate.lua" "$url" | tee "$tmp/wrk2"
  c1=$(cpu)
  awk -v a="$c0" -v b="$c1" -v n="$(awk '/requests in/ {print $1}' "$tmp/wrk2")" 'BEGIN {
    printf "== server CPU: %.3f ms per gate request, %.3f ms per pair\n", (b - a) * 1000 / n, (b - a) * 2000 / n }'
  curl -s "$url/metrics" | grep -E '^caguard_serve_gate_(commits|writes)_total' || true
  stop
}
if [ -n "${CG_BASELINE_CAGUARD:-}" ]; then
  this=$caguard
  caguard=$CG_BASELINE_CAGUARD
  gate_run "baseline: $CG_BASELINE_CAGUARD"
  caguard=$this
fi
gate_run "$caguard"
fi
echo "== load: $(uptime)"
