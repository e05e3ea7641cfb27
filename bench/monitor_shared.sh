#!/usr/bin/env bash
# One and two caguard monitor --shared workers on one PostgreSQL store over
# the same local RFC 6962 log (docs/performance.md, "One and two workers on
# PostgreSQL").
#
# usage: bench/monitor_shared.sh [N [WORKERS...]]   (default: 1000000 1 2)
#
# bench/gen_ctcerts makes N entries (precertificates and their finals with
# 2 SCTs, PERCENT% from the watched intermediate) and caguard-testlog
# builds a log of them, cached in WORK/v4-N (neither step is timed;
# 1,000,000 takes a while).
# The log is the one bench/monitor_vs_certspotter.sh uses (same WORK,
# same cache). The run's files go to WORK/N/shared. It is served on
# loopback (--gzip never). For each worker count W, a
# fresh schema of the database, then W workers started together, each
#   caguard monitor --once --shared --worker-id wK --issuer watched_ca.pem
#           --log URL --log-key log.pub --store <schema> --commit-every RANGE
# under /usr/bin/time -v; the run ends when all have exited (--once: every
# range done). Reported per run: wall time and entries/s (N / wall); per
# worker: the entries of the ranges it completed (log_ranges.owner), its CPU
# seconds (user + system) and CPU per entry it completed, peak RSS; and the
# CPU of the test log server and of PostgreSQL (the postmaster and its
# exited backends) over the run, when the server is this script's own.
#
# Environment: BUILD (build tree, default ./build), WORK (default
# /tmp/caguard-monbench), PERCENT (default 10), RANGE (default 4096),
# PG_URI (a PostgreSQL database to use; default: a throwaway cluster of
# scripts/pg-test-cluster in WORK/pg, fsync off, removed at the end).
# Needs: time (apt-get install time), postgresql (server and psql).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-monbench}
percent=${PERCENT:-10}
range=${RANGE:-4096}
n=${1:-1000000}
shift || true
if [ "$#" -eq 0 ]; then set -- 1 2; fi

for tool in "$build/caguard" "$build/caguard-testlog" "$build/bench/gen_ctcerts"; do
  [ -x "$tool" ] || { echo "no $tool: build first (ninja -C build)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "no /usr/bin/time: apt-get install time" >&2; exit 2; }
command -v psql >/dev/null || { echo "no psql: apt-get install postgresql" >&2; exit 2; }

server=
own_pg=
wpids=()
cleanup() {
  for p in "${wpids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$own_pg" ] && "$root/scripts/pg-test-cluster" stop "$work/shared-pg" || true
}
trap cleanup EXIT

base=${PG_URI:-}
if [ -z "$base" ]; then
  "$root/scripts/pg-test-cluster" stop "$work/shared-pg"
  base=$("$root/scripts/pg-test-cluster" start "$work/shared-pg")
  own_pg=1
fi
sep='?'
case $base in *\?*) sep='&' ;; esac

# CPU seconds (user + system, own and reaped children) of a process so far.
cpu_now() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}
field() { awk -F': ' -v k="$2" 'index($0, k) { print $2 }' "$1"; }
cpu_of() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$1"; }

d=$work/v4-$n
mkdir -p "$d"
if [ ! -f "$d/log/sth.json" ]; then
  echo "--- N=$n: generating certificates and the log (not timed)"
  rm -rf "$d/log"
  "$build/bench/gen_ctcerts" "$d" "$n" "$percent"
  "$build/caguard-testlog" keygen --out "$d/log.key" --pub "$d/log.pub" --force >/dev/null
  "$build/caguard-testlog" build --dir "$d/log" --key "$d/log.key" \
    "$d/cas.pem" "$d/entries.pem"
fi
o=$d/shared
mkdir -p "$o"
"$build/caguard-testlog" serve --dir "$d/log" --listen 127.0.0.1:0 --gzip never \
  >"$o/serve.out" 2>"$o/serve.err" &
server=$!
for _ in $(seq 600); do grep -q '^listening on ' "$o/serve.out" && break; sleep 0.1; done
url=http://$(sed -n '1s/^listening on //p' "$o/serve.out")
pgpid=
[ -n "$own_pg" ] && pgpid=$(head -n 1 "$work/shared-pg/data/postmaster.pid")

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
  "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo);"\
  "$(psql "$base" -AtXc 'SHOW server_version') (fsync $(psql "$base" -AtXc 'SHOW fsync'))"
rows=()
for w in "$@"; do
  schema=bench_shared_$w
  psql "$base" -qX -c "SET client_min_messages = warning" \
    -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema"
  store="$base${sep}options=-csearch_path%3D$schema"
  # The store made (migrations) before the clock starts.
  "$build/caguard" --store "$store" ingest "$d/watched_ca.pem" >/dev/null
  echo "--- N=$n, $w worker(s) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  tl0=$(cpu_now "$server")
  pg0=0
  [ -n "$pgpid" ] && pg0=$(cpu_now "$pgpid")
  t0=$(date +%s.%N)
  wpids=()
  for k in $(seq "$w"); do
    /usr/bin/time -v -o "$o/w$w.$k.time" "$build/caguard" monitor --once --shared \
      --worker-id "w$k" --issuer "$d/watched_ca.pem" --log "$url" --log-key "$d/log.pub" \
      --store "$store" --at 2025-02-01T00:00:00Z --commit-every "$range" --format json \
      >"$o/w$w.$k.out" 2>"$o/w$w.$k.err" &
    wpids+=($!)
  done
  st=0
  for p in "${wpids[@]}"; do wait "$p" || st=1; done
  wpids=()
  t1=$(date +%s.%N)
  if [ "$st" -ne 0 ]; then
    for k in $(seq "$w"); do tail -3 "$o/w$w.$k.err" >&2; done
    echo "a worker failed" >&2
    exit 1
  fi
  sleep 0.5 # the backends' exit, into the postmaster's children time
  tl=$(awk -v a="$tl0" -v b="$(cpu_now "$server")" 'BEGIN { printf "%.1f", b - a }')
  pg=-
  [ -n "$pgpid" ] && pg=$(awk -v a="$pg0" -v b="$(cpu_now "$pgpid")" 'BEGIN { printf "%.1f", b - a }')
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  prefix=$(psql "$store" -AtXc 'SELECT position FROM log_state')
  [ "$prefix" = "$n" ] || { echo "verified prefix $prefix, not $n" >&2; exit 1; }
  for k in $(seq "$w"); do
    grep -h 'entries read' "$o/w$w.$k.err" | sed "s/^/w$k: /"
    done_k=$(psql "$store" -AtXc "SELECT COALESCE(sum(stop - start), 0) FROM log_ranges WHERE done = 1 AND owner = 'w$k'")
    ranges_k=$(psql "$store" -AtXc "SELECT count(*) FROM log_ranges WHERE done = 1 AND owner = 'w$k'")
    cpu=$(cpu_of "$o/w$w.$k.time")
    rss=$(field "$o/w$w.$k.time" 'Maximum resident set size')
    rows+=("$(awk -v n="$n" -v w="$w" -v k="$k" -v wall="$wall" -v dk="$done_k" -v rk="$ranges_k" \
      -v cpu="$cpu" -v rss="$rss" -v tl="$tl" -v pg="$pg" 'BEGIN {
        printf "| %d | %d | %.2f s | %.0f | w%d | %d (%.1f%%, %d ranges) | %.2f s | %.1f µs | %.0f MB | %s s | %s s |",
          n, w, wall, n / wall, k, dk, 100 * dk / n, rk, cpu, (dk > 0 ? 1e6 * cpu / dk : 0),
          rss / 1024, tl, pg }')")
  done
done

echo
echo "| entries | workers | wall | entries/s | worker | entries completed (share) | worker CPU | CPU per entry | peak RSS | test log CPU | PostgreSQL CPU |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
