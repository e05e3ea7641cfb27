#!/usr/bin/env bash
# A 1,000,000-entry CRL (bench/crl_bench's) ingested into a new store on
# each backend: SQLite (one upsert a row) and PostgreSQL (binary COPY into a
# session table and one merge), then ingested again (every entry known).
# Prints the client's wall and CPU time and, for PostgreSQL, the server
# backend's CPU time (from /proc, so the server must run on this machine).
#
# Usage: bench/store_crl.sh [ENTRIES] [BUILD_DIR]
# PostgreSQL: $CAGUARD_BENCH_PG_URI, else a throwaway server
# (scripts/pg-test-cluster) started and removed here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000000}
build=${2:-$root/build}
work=$(mktemp -d)
pgdir=
cleanup() {
  if [ -n "$pgdir" ]; then "$root/scripts/pg-test-cluster" stop "$pgdir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
pg=${CAGUARD_BENCH_PG_URI:-}
if [ -z "$pg" ]; then
  pgdir=$(mktemp -d /tmp/caguard-bench-pg.XXXXXX)
  pg=$("$root/scripts/pg-test-cluster" start "$pgdir")
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build/bench/crl_bench" "$n" "$work" >/dev/null
echo "CRL: $n entries, $(stat -c %s "$work/crl.der") bytes of DER"

run() {
  local label=$1 store=$2
  shift 2
  /usr/bin/time -f "$label: wall %e s, client user %U s, sys %S s, peak RSS %M KB" \
    "$build/caguard" --store "$store" ingest --seen-at 2025-01-01T01:00:00Z \
    --at 2025-01-01T01:00:00Z "$@" >/dev/null || true
}

for pass in first again; do
  run "sqlite, $pass" "$work/bench.db" "$work/ca.pem" "$work/leaves.pem" "$work/crl.der"
done
# a schema of its own, so that the first pass meets an empty store
schema=bench_$$
psql -q -d "${pg}" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" \
  >/dev/null 2>&1 || { echo "cannot create schema $schema in $pg" >&2; exit 1; }
sep='?'
case "$pg" in *\?*) sep='&' ;; esac
pgs="$pg${sep}options=-csearch_path%3D$schema&application_name=caguard_bench"
for pass in first again; do
  # the server process lives as long as the connection: its CPU is read
  # while caguard runs, by a watcher sampling every 0.2 s
  ( pid=; last=0
    while sleep 0.2; do
      if [ -z "$pid" ]; then
        pid=$(psql -At -d "$pg" -c "SELECT pid FROM pg_stat_activity
                 WHERE application_name = 'caguard_bench'" 2>/dev/null | head -n 1)
      fi
      if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
        v=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$last")
        if [ "$v" -gt "$last" ]; then last=$v; echo "$last" >"$work/server_ticks"; fi
      fi
    done ) &
  watcher=$!
  echo 0 >"$work/server_ticks"
  run "postgresql, $pass" "$pgs" "$work/ca.pem" "$work/leaves.pem" "$work/crl.der"
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  echo "  server backend CPU: $(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", $1 / t}' \
    "$work/server_ticks") s"
done
psql -q -d "$pg" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
