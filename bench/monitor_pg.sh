#!/usr/bin/env bash
# What PostgreSQL spends per object caguard monitor keeps: a monitor reads a
# log of realistic entries (bench/gen_ctcerts, PERCENT% watched) served by
# bench/ctbenchlog into a fresh PostgreSQL store, and pg_stat_statements
# says how long the server spent in each statement (planning and
# execution), with the server backend's CPU from /proc beside it
# (docs/performance.md, "PostgreSQL per kept object").
#
# usage: bench/monitor_pg.sh [N]          (default N: 100000 entries)
#
# The server is a throwaway cluster (scripts/pg-test-cluster, unix socket,
# fsync off) started with pg_stat_statements loaded; the log and entries are
# the cache of bench/monitor_vs_peers.sh (WORK/v4-N). Reported: the kept
# objects, the monitor's wall and CPU, the calls of the statements caguard
# sent (and apart, of those run inside them), PostgreSQL's time in them
# and its backend CPU, each per kept object, and the 15
# statements that took the most time, with their calls and time per call.
#
# Environment: BUILD (default ./build), WORK (default /tmp/caguard-peerbench),
# PERCENT (default 10), CAGUARD_FLAGS (extra monitor flags).
# Needs (Debian): postgresql (server with pg_stat_statements), golang-go,
# time. Not run by CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-peerbench}
percent=${PERCENT:-10}
n=${1:-100000}
. "$root/bench/lib.sh"

for tool in "$build/caguard" "$build/bench/gen_ctcerts"; do
  [ -x "$tool" ] || { echo "no $tool: build first (cmake --build build)" >&2; exit 2; }
done
command -v psql >/dev/null || { echo "no psql: apt-get install postgresql" >&2; exit 2; }
mkdir -p "$work"
(cd "$root/bench/ctbenchlog" && GO111MODULE=off GOCACHE=${GOCACHE:-$work/gocache} \
  go build -o "$work/ctbenchlog" .)
bench_log_data

pg=$work/pg-probe
own_pg=
stop_all() {
  bench_cleanup
  [ -n "$own_pg" ] && "$root/scripts/pg-test-cluster" stop "$pg" || true
}
trap stop_all EXIT
"$root/scripts/pg-test-cluster" stop "$pg"
base=$(CAGUARD_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \
  "$root/scripts/pg-test-cluster" start "$pg")
own_pg=1
psql "$base" -qX -c "CREATE SCHEMA pgss" -c "CREATE EXTENSION pg_stat_statements SCHEMA pgss"
pgpid=$(head -n 1 "$pg/data/postmaster.pid")
cpu_now() { # CPU seconds of a process and its reaped children
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' \
    "/proc/$1/stat"
}

"$work/ctbenchlog" serve -dir "$d/log" -max-batch 1000 >"$work/probe-serve.out" 2>&1 &
server=$!
for _ in $(seq 300); do grep -q '^listening on ' "$work/probe-serve.out" && break; sleep 0.05; done
url=http://$(sed -n '1s/^listening on //p' "$work/probe-serve.out")

# The store made (migrations) and the CA in before the counting starts.
"$build/caguard" --store "$base" ingest "$d/certs/watched_ca.pem" >/dev/null ||
  [ $? -le 1 ] # 1: its own finding (a short serial), not a failure
psql "$base" -qX -c "SELECT pgss.pg_stat_statements_reset()" >/dev/null
machine_line "; $(psql "$base" -AtXc 'SHOW server_version') (fsync $(psql "$base" -AtXc 'SHOW fsync'))"
echo "caguard: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); load $(cut -d' ' -f1-3 /proc/loadavg)"
pg0=$(cpu_now "$pgpid")
rc=0 # 1: new error findings, a run that went through; 2 or more: it did not
# shellcheck disable=SC2086
/usr/bin/time -v -o "$work/probe.time" "$build/caguard" monitor --once --store "$base" \
  --issuer "$d/certs/watched_ca.pem" --log "$url" --log-key "$d/log/log.pub" \
  --at 2025-02-01T00:00:00Z --format json ${CAGUARD_FLAGS:-} >"$work/probe.out" 2>"$work/probe.err" ||
  rc=$?
[ "$rc" -le 1 ] || { echo "caguard monitor failed (exit $rc):" >&2; tail -5 "$work/probe.err" >&2; exit 1; }
pg1=$(cpu_now "$pgpid")
kept=$(kept_of "$work/probe.err")
# The client's statements (toplevel): with track = all the statements run
# inside them (the foreign keys' checks) are counted too, and their time is
# inside their caller's already; they are reported apart.
stmt_ms=$(psql "$base" -AtXc "SELECT round(sum(total_exec_time + total_plan_time)::numeric, 1)
  FROM pgss.pg_stat_statements WHERE toplevel AND query NOT LIKE '%pg_stat_statements%'")
calls=$(psql "$base" -AtXc "SELECT sum(calls) FROM pgss.pg_stat_statements
  WHERE toplevel AND query NOT LIKE '%pg_stat_statements%'")
nested=$(psql "$base" -AtXc "SELECT COALESCE(sum(calls), 0) || ' ' ||
  COALESCE(round(sum(total_exec_time + total_plan_time)::numeric, 1), 0)
  FROM pgss.pg_stat_statements WHERE NOT toplevel")
awk -v n="$n" -v k="$kept" -v w="$(wall_of "$work/probe.time")" -v c="$(cpu_of "$work/probe.time")" \
  -v s="$stmt_ms" -v p0="$pg0" -v p1="$pg1" -v q="$calls" -v nested="$nested" 'BEGIN {
  split(nested, x, " ");
  printf "entries %d, kept %d; monitor wall %.2f s, CPU %.2f s\n", n, k, w, c;
  printf "statements: %d calls = %.2f per kept object (and inside them %d calls, %.1f ms)\n",
    q, q / k, x[1], x[2];
  printf "PostgreSQL: %.1f ms in statements = %.0f us per kept object; backend CPU %.2f s = %.0f us per kept object\n",
    s, s * 1000 / k, p1 - p0, (p1 - p0) * 1e6 / k }'
echo
echo "| calls | ms | us/call | us per kept object | statement |"
echo "|---:|---:|---:|---:|---|"
psql "$base" -AtX -F '|' -c "SELECT calls, round((total_exec_time + total_plan_time)::numeric, 1),
    round(((total_exec_time + total_plan_time) * 1000 / calls)::numeric, 1),
    round(((total_exec_time + total_plan_time) * 1000 / $kept)::numeric, 1),
    left(regexp_replace(query, '\s+', ' ', 'g'), 110)
  FROM pgss.pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
  ORDER BY total_exec_time + total_plan_time DESC LIMIT 15" |
  awk -F'|' '{ printf "| %s | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5 }'
