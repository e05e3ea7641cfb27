#!/usr/bin/env bash
# Where the p99 of /lintcert comes from (docs/performance.md, "caguard
# serve", session 10): bench/serve_bench.sh's request and load (wrk, 64
# keep-alive connections, --threads 2 of wrk, the bench's log lists and
# R3) against one or more server configurations, alternated round by
# round, each run against a new server after a 1 s warm-up. A row a run:
#
#   - wrk's latency distribution (p1 to p99.9, mean, and p99 over the
#     mean: at 64 connections the mean is 64 / rate, so the ratio is the
#     shape of the tail, whatever the machine's speed);
#   - the server's CPU a request, and wrk's;
#   - per request, how often the server's threads gave up the CPU of
#     their own accord (vol: waiting for work, a lock, I/O) or were
#     taken off it (invol), and how long they waited for a CPU
#     (runq_ms, /proc/PID/task/*/schedstat);
#   - the share of requests the server itself had answered within
#     0.25 ms of reading their headers (its latency histogram, /metrics).
#
# Configurations (CG_TAIL_CONFIGS, default "threads=2 threads=1 threads=3
# threads=4"), each words joined by commas:
#   threads=N    caguard serve --threads N
#   wrk=N        wrk's threads (the benchmark's is 2: another is a
#                diagnostic, not the benchmark)
#   pin          the server's workers pinned one to a CPU (taskset), and,
#                with wrkpin, wrk's threads too (diagnostic)
#   bin=PATH     another caguard build
# e.g. CG_TAIL_CONFIGS="threads=2 threads=2,pin,wrkpin threads=2,wrk=1".
#
# usage: bench/serve_tail.sh [BUILD_DIR] [SECONDS] [ROUNDS] (defaults:
# build, 10, 2). Prints `uptime` first and last: report the load with the
# figures. Needs wrk and /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
build=${1:-$root/build}
secs=${2:-10}
rounds=${3:-2}
configs=${CG_TAIL_CONFIGS:-threads=2 threads=1 threads=3 threads=4}
d=$root/tests/data
tmp=$(mktemp -d)
pid=
wp=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$wp" ] && kill "$wp" 2>/dev/null; rm -rf "$tmp"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (Debian package wrk)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

b64=$(sed '/-----/d' "$d/le2023/good/final.pem" | tr -d '\n')
printf 'b64cert=%s' "$(printf '%s' "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" >"$tmp/form"
# bench/serve_lintcert.lua, and the distribution at its end.
cat "$root/bench/serve_lintcert.lua" - >"$tmp/tail.lua" <<'EOF'
local count_done = done
done = function(summary, latency, requests)
  count_done(summary, latency, requests)
  local s = "dist:"
  for _, p in ipairs({1, 10, 25, 50, 75, 90, 95, 99, 99.9}) do
    s = s .. string.format(" %.3f", latency:percentile(p) / 1000)
  end
  io.write(s .. string.format(" %.3f %.3f\n", latency.mean / 1000, latency.max / 1000))
end
EOF

echo "== load: $(uptime)"
echo "== machine: $(nproc) processors, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "== $rounds rounds of: $configs; ${secs}s a run, 64 connections"

cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$pid/stat"; }
# voluntary and involuntary switches, nanoseconds waited for a CPU: the
# server's threads together
sched() {
  local v=0 i=0 q=0 t
  for t in /proc/"$pid"/task/*; do
    v=$((v + $(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")))
    i=$((i + $(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status")))
    q=$((q + $(awk '{print $2}' "$t/schedstat")))
  done
  echo "$v $i $q"
}
pin_workers() {
  local n=0 t
  for t in /proc/"$pid"/task/*; do
    grep -q MHD "$t/comm" || continue
    taskset -p -c $((n % $(nproc))) "$(basename "$t")" >/dev/null 2>&1 || true
    n=$((n + 1))
  done
}

printf '%-28s %5s %6s | %s | %5s %6s %6s | %5s %5s %7s %6s\n' config load 'req/s' \
  'p1 p10 p25 p50 p75 p90 p95 p99 p99.9 mean max (ms)' p99/mn srv_ms wrk_ms vol invol runq_ms '<.25ms'
for round in $(seq "$rounds"); do
  for c in $configs; do
    threads=2 wrk_t=2 pin= wrkpin= bin=$build/caguard
    for w in ${c//,/ }; do
      case $w in
      threads=*) threads=${w#threads=} ;;
      wrk=*) wrk_t=${w#wrk=} ;;
      pin) pin=1 ;;
      wrkpin) wrkpin=1 ;;
      bin=*) bin=${w#bin=} ;;
      *) echo "unknown configuration word: $w" >&2; exit 2 ;;
      esac
    done
    "$bin" serve --listen 127.0.0.1:0 --no-access-log --threads "$threads" \
      --loglist "$d/loglists/gstatic_v3_all_logs_list.json" \
      --loglist "$d/loglists/crtsh_v3_all_all_logs_list.json" --ca "$d/le2023/r3.pem" \
      2>"$tmp/serve.err" &
    pid=$!
    serve_wait "$tmp/serve.err" || { echo "$bin did not start:" >&2; cat "$tmp/serve.err" >&2; exit 2; }
    [ -n "$pin" ] && pin_workers
    CG_FORM=$tmp/form wrk -t"$wrk_t" -c64 -d1s -s "$root/bench/serve_lintcert.lua" \
      "$url/lintcert" >/dev/null
    h0=$(curl -s "$url/metrics" | awk -F'[ "]' '/duration_seconds_bucket\{endpoint="\/lintcert",le="0.00025"\}/ {print $NF}')
    h0=${h0:-0}
    load=$(cut -d' ' -f1 /proc/loadavg)
    c0=$(cpu)
    s0=$(sched)
    CG_FORM=$tmp/form /usr/bin/time -f '%U %S' -o "$tmp/wrk.cpu" wrk -t"$wrk_t" -c64 \
      -d"${secs}s" --timeout 30s --latency -s "$tmp/tail.lua" "$url/lintcert" >"$tmp/wrk" &
    wp=$!
    if [ -n "$wrkpin" ]; then
      sleep 0.3
      n=0
      for t in /proc/"$(pgrep -P "$wp" wrk)"/task/*; do
        [ "$(basename "$t")" = "$(pgrep -P "$wp" wrk)" ] && continue
        taskset -p -c $((n % $(nproc))) "$(basename "$t")" >/dev/null 2>&1 || true
        n=$((n + 1))
      done
    fi
    wait "$wp"
    wp=
    c1=$(cpu)
    s1=$(sched)
    h1=$(curl -s "$url/metrics" | awk -F'[ "]' '/duration_seconds_bucket\{endpoint="\/lintcert",le="0.00025"\}/ {print $NF}')
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    awk -v cfg="$c" -v load="$load" -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" \
      -v h0="$h0" -v h1="${h1:-0}" -v w="$(awk '{print $1 + $2}' "$tmp/wrk.cpu")" '
      /requests in/ { n = $1 } /Requests\/sec/ { rps = $2 } /^answers not 200/ { bad = $4 }
      /^dist:/ { dist = $0; sub(/^dist: /, "", dist); split(dist, x, " ") }
      END {
        split(s0, a, " "); split(s1, b, " ")
        printf "%-28s %5s %6.0f | %s | %5.2f %6.3f %6.3f | %5.2f %5.2f %7.3f %5.1f%%%s\n", cfg, load,
          rps, dist, x[8] / x[10], (c1 - c0) * 1000 / n, w * 1000 / n, (b[1] - a[1]) / n,
          (b[2] - a[2]) / n, (b[3] - a[3]) / 1e6 / n, 100 * (h1 - h0) / n,
          (bad > 0 ? " (" bad " answers not 200)" : "") }' "$tmp/wrk"
  done
done
echo "== load: $(uptime)"
