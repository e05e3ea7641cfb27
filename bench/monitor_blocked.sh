#!/usr/bin/env bash
# How long caguard monitor waits for a distant log, apart from
# the machine's load: the rate at a delay over the rate with none, as a
# quiet machine would give it, measured on a busy one (docs/performance.md,
# "Tiles at 50 ms").
#
# usage: bench/monitor_blocked.sh [N]          (default N: 100000 entries)
#
# The log of bench/monitor_vs_peers.sh (bench/gen_ctcerts, bench/ctbenchlog,
# cached in WORK/v4-N) is served by `ctbenchlog serve -delay D -jitter
# D*20%` and read from entry 0 by
#
#   caguard monitor --once --issuer watched_ca.pem --log URL --log-key log.pub
#           [--log-type static --log-origin bench.ctlog.invalid/log]
#           --store <fresh> --at 2025-02-01T00:00:00Z --format json
#
# RUNS times for each delay of DELAYS, the delays alternating. While it
# runs, the /proc schedstat (CPU time, time waiting for a CPU) of its
# threads is read every 2 ms; the rest of the wall time of the busiest one
# (the log's round: fetching, checking, storing) is the time it was
# blocked (on the log's answers, the store's writes, the other threads,
# the process's start and end). On a busy
# machine the wall time grows with the wait for a CPU, the blocked time
# does not: CPU + blocked is the wall time the run would take on a quiet
# machine (an estimate: a CPU's speed under load differs a little). Each
# row: delay, wall, the round thread's CPU, wait for a CPU and blocked time,
# their estimate CPU + blocked, the server's hash tile requests (distinct)
# and most requests in flight, and the load. Then, per delay, the median
# estimate, and each delay's rate as a share of the first delay's.
#
# Environment: BUILD (default ./build), WORK (default /tmp/caguard-peerbench),
# PERCENT (default 10), DELAYS (default "0 50"), RUNS (default 3), API
# (static or rfc6962, default static), MAX_BATCH (default 1000),
# CAGUARD_FLAGS. Needs golang-go, python3. Not run by CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-peerbench}
percent=${PERCENT:-10}
delays=${DELAYS:-0 50}
runs=${RUNS:-3}
api=${API:-static}
max_batch=${MAX_BATCH:-1000}
n=${1:-100000}

for tool in "$build/caguard" "$build/bench/gen_ctcerts"; do
  [ -x "$tool" ] || { echo "no $tool: build first (cmake --build build)" >&2; exit 2; }
done
case "$api" in static | rfc6962) ;; *) echo "API: static or rfc6962" >&2; exit 2 ;; esac
command -v go >/dev/null || { echo "no go: apt-get install golang-go" >&2; exit 2; }
command -v python3 >/dev/null || { echo "no python3" >&2; exit 2; }
mkdir -p "$work"
export GOCACHE=${GOCACHE:-$work/gocache}
(cd "$root/bench/ctbenchlog" && GO111MODULE=off go build -o "$work/ctbenchlog" .)
. "$root/bench/lib.sh"
trap bench_cleanup EXIT
bench_log_data
run=$work/blocked
mkdir -p "$run"

# Runs the command, printing "wall cpu runqueue status" (seconds) at its
# exit: the wall time of the process, the CPU time and wait for a CPU of
# its busiest thread (the log's round), as last read, at most 2 ms before.
sampler='
import glob, os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=open(os.environ["OUT"], "w"),
                     stderr=open(os.environ["ERR"], "w"))
last = {}
while p.poll() is None:
    for path in glob.glob("/proc/%d/task/*/schedstat" % p.pid):
        try:
            with open(path) as f:
                v = f.read().split()
            last[path] = (int(v[0]), int(v[1]))
        except (OSError, ValueError, IndexError):
            pass
    time.sleep(0.002)
wall = time.monotonic() - t0
cpu, rq = max(last.values()) if last else (0, 0)
print("%.3f %.3f %.3f %d" % (wall, cpu / 1e9, rq / 1e9, p.returncode))
'

machine_line
echo "caguard: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(
  git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)'); build $build"
echo "log: $n entries ($api), $percent% watched, jitter 20% of the delay"
echo
echo "| delay ms | wall | round's CPU | waiting for a CPU | blocked | CPU + blocked | hash tiles (distinct) | proofs | most in flight | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
declare -A est
for r in $(seq "$runs"); do
  for delay in $delays; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    jit=$(awk -v d="$delay" 'BEGIN { printf "%d", d * 200 }') # microseconds
    flags=()
    type=()
    if [ "$api" = static ]; then
      flags=(-loglist-static)
      type=(--log-type static --log-origin bench.ctlog.invalid/log)
    fi
    rm -f "$run/stats" "$run/serve.out"
    "$work/ctbenchlog" serve -dir "$d/log" -delay "${delay}ms" -jitter "${jit}us" \
      -max-batch "$max_batch" "${flags[@]}" -stats "$run/stats" >"$run/serve.out" 2>"$run/serve.err" &
    server=$!
    for _ in $(seq 300); do grep -q '^listening on ' "$run/serve.out" && break; sleep 0.05; done
    url=http://$(sed -n '1s/^listening on //p' "$run/serve.out")
    rm -rf "$run/cg" && mkdir -p "$run/cg"
    # shellcheck disable=SC2086
    read -r wall cpu rq rc < <(OUT=$run/out ERR=$run/err python3 -c "$sampler" \
      "$build/caguard" monitor --once --issuer "$d/certs/watched_ca.pem" --log "$url" \
      --log-key "$d/log/log.pub" "${type[@]}" --store "$run/cg/fresh.db" \
      --at 2025-02-01T00:00:00Z --format json ${CAGUARD_FLAGS:-})
    kill "$server" && wait "$server" 2>/dev/null || true
    server=
    for _ in $(seq 100); do [ -f "$run/stats" ] && break; sleep 0.05; done
    # exit status 1: new error findings (a run that went through)
    if [ "$rc" -gt 1 ]; then
      echo "caguard monitor failed (exit $rc):" >&2; tail -5 "$run/err" >&2; exit 1
    fi
    st() { awk -v k="$1" '$1 == k { print $2 }' "$run/stats"; }
    row=$(awk -v w="$wall" -v c="$cpu" -v q="$rq" 'BEGIN { b = w - c - q; if (b < 0) b = 0;
      printf "%.2f s | %.2f s | %.2f s | %.2f s | %.2f s", w, c, q, b, c + b }')
    e=$(awk -v w="$wall" -v q="$rq" 'BEGIN { printf "%.3f", w - q }')
    est[$delay]="${est[$delay]:-} $e"
    echo "| $delay | $row | $(st hash_tile_requests) ($(st hash_tiles_distinct)) | $(st proofs) | $(st max_in_flight) | $load |"
  done
done
echo
first=
for delay in $delays; do
  med=$(printf '%s\n' ${est[$delay]} | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  [ -z "$first" ] && first=$med
  awk -v d="$delay" -v m="$med" -v f="$first" -v n="$n" 'BEGIN {
    printf "delay %s ms: median CPU + blocked %.2f s, %.0f entries/s, %.0f%% of the first delay'"'"'s rate\n",
      d, m, n / m, 100 * f / m }'
done
