#!/usr/bin/env bash
# The monitor's cost an entry on realistic entries (docs/performance.md,
# "The monitor's CPU an entry"): instructions (valgrind's callgrind, the
# figure the machine's load does not move) and CPU time (user + system,
# which it does) of `caguard monitor --once` catching up on N entries of
# bench/monitor_vs_peers.sh's log (bench/gen_ctcerts' entries: final
# certificates with 2 SCTs, PERCENT% watched, precertificates among them,
# chains), served over RFC 6962 JSON by bench/ctbenchlog with no delay.
#
# usage: bench/monitor_instructions.sh [CAGUARD...] (default build/caguard)
#
# Every run is against a fresh server and store: RUNS plain runs of each
# binary, alternating (CPU and minor page faults an entry, each run's
# figure printed), then one run of each under callgrind (instructions an
# entry, every thread counted). The findings each binary prints are
# compared with the first binary's (the log's port taken out): a binary
# that prints other findings is said to differ.
#
# Environment:
#   N         entries (default 20000)
#   RUNS      plain runs a binary (default 3)
#   BUILD     build tree with bench/gen_ctcerts (default ./build)
#   WORK      cache and scratch (default /tmp/caguard-peerbench, shared
#             with bench/monitor_vs_peers.sh: the same log)
#   PERCENT   watched share of the entries (default 10)
#   CG_ANNOTATE=FILE  callgrind_annotate's inclusive profile of the last
#             binary to FILE, callgrind's own output to FILE.out
#   CALLGRIND=0  no callgrind run: one plain run instead, for the findings
#             (instructions then print as 0)
#   PERF=FILE  then one run of each binary under `perf record` (CPU-time
#             samples, every thread, user and kernel): FILE.N.data for the
#             Nth binary and FILE.N.txt, its samples by symbol (self); the
#             real CPU runs OpenSSL's SHA-256 with its SHA instructions,
#             which callgrind's count does not (PERF_FREQ, default 2000 Hz;
#             PERF_OPTS, more words for perf record: "--call-graph dwarf")
#   SYSCALLS=1  then one run of each binary under `strace -c -f` (every
#             thread): the system calls a kept object, the store's pwrite64,
#             pread64 and fdatasync and all of them (counts, not times;
#             docs/performance.md, "The monitor's store a kept object")
#
# Needs valgrind, golang-go, time (Debian packages), strace for SYSCALLS,
# perf (linux-perf) for PERF.
# Not run by CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-peerbench}
percent=${PERCENT:-10}
n=${N:-20000}
runs=${RUNS:-3}
[ $# -gt 0 ] || set -- "$build/caguard"
[ -x "$build/bench/gen_ctcerts" ] || { echo "no $build/bench/gen_ctcerts: build first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
command -v go >/dev/null || { echo "no go: apt-get install golang-go" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "no /usr/bin/time: apt-get install time" >&2; exit 2; }
mkdir -p "$work"
export GOCACHE=${GOCACHE:-$work/gocache}
(cd "$root/bench/ctbenchlog" && GO111MODULE=off go build -o "$work/ctbenchlog" .)

. "$root/bench/lib.sh"
run=$(mktemp -d)
trap 'bench_cleanup; rm -rf "$run"' EXIT
bench_log_data

start_server() {
  rm -f "$run/serve.out"
  "$work/ctbenchlog" serve -dir "$d/log" -max-batch 1000 >"$run/serve.out" 2>"$run/serve.err" &
  server=$!
  for _ in $(seq 1200); do grep -q '^listening on ' "$run/serve.out" && break; sleep 0.05; done
  url=http://$(sed -n '1s/^listening on //p' "$run/serve.out")
}

stop_server() {
  kill "$server" && wait "$server" 2>/dev/null || true
  server=
}

# monitor BIN [WRAPPER...]: one catch-up from entry 0 into a fresh store;
# its findings in $run/out, its /usr/bin/time report in $run/time
monitor() {
  local bin=$1 rc=0
  shift
  start_server
  rm -rf "$run/cg" && mkdir -p "$run/cg"
  /usr/bin/time -v -o "$run/time" "$@" "$bin" monitor --once \
    --issuer "$d/certs/watched_ca.pem" --log "$url" --log-key "$d/log/log.pub" \
    --store "$run/cg/fresh.db" --at 2025-02-01T00:00:00Z --format json \
    >"$run/out" 2>"$run/err" || rc=$?
  stop_server
  # exit status 1: new error findings, a run that went through
  if [ "$rc" -gt 1 ]; then
    echo "$bin monitor failed (exit $rc):" >&2; tail -5 "$run/err" >&2; exit 1
  fi
  sed 's#http://127\.0\.0\.1:[0-9]*#LOG#g' "$run/out" | sort >"$run/findings"
}

machine_line
echo "caguard monitor --once, $n entries of $d ($percent% watched), RFC 6962, no delay"
echo "load at start: $(uptime)"
# the plain runs alternate between the binaries (the load drifts)
declare -A cpus faults
for _ in $(seq "$runs"); do
  for bin in "$@"; do
    monitor "$bin"
    cpus[$bin]="${cpus[$bin]:-} $(cpu_of "$run/time")"
    faults[$bin]="${faults[$bin]:-} $(awk -F': ' '/Minor .*page faults/ { print $2 }' "$run/time")"
  done
done
first=
for bin in "$@"; do
  rm -f "$run"/cg.out*
  if [ "${CALLGRIND:-1}" = 0 ]; then
    monitor "$bin"
    ir=0
  else
    monitor "$bin" valgrind --tool=callgrind --callgrind-out-file="$run/cg.out"
    ir=$(awk '/^summary:/ { s += $2 } END { print s }' "$run"/cg.out*)
  fi
  same=same
  if [ -z "$first" ]; then
    first=$run/findings.first
    cp "$run/findings" "$first"
  elif ! cmp -s "$run/findings" "$first"; then
    same="DIFFERENT"
  fi
  awk -v b="$bin" -v n="$n" -v ir="$ir" -v cpus="${cpus[$bin]:-}" -v faults="${faults[$bin]:-}" \
    -v f="$(wc -l <"$run/findings")" -v same="$same" -v kept="$(kept_of "$run/err")" 'BEGIN {
    k = split(cpus, c, " "); line = ""
    for (i = 1; i <= k; i++) line = line sprintf(" %.1f", c[i] * 1e6 / n)
    k = split(faults, p, " "); pf = ""
    for (i = 1; i <= k; i++) pf = pf sprintf(" %.2f", p[i] / n)
    printf "%s: %.0f instructions an entry; CPU an entry (µs):%s; page faults an entry:%s;" \
      " kept %d, %d findings (%s)\n", b, ir / n, line, pf, kept, f, same }'
  if [ -n "${CG_ANNOTATE:-}" ]; then
    callgrind_annotate --inclusive=yes "$run"/cg.out* >"$CG_ANNOTATE" 2>/dev/null || true
    cat "$run"/cg.out* >"$CG_ANNOTATE.out"
  fi
done
if [ -n "${PERF:-}" ]; then
  command -v perf >/dev/null || { echo "PERF needs perf (linux-perf)" >&2; exit 2; }
  i=0
  for bin in "$@"; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # PERF_OPTS: words for perf record
    monitor "$bin" perf record -q -F "${PERF_FREQ:-2000}" ${PERF_OPTS:-} -o "$PERF.$i.data"
    perf report -i "$PERF.$i.data" --no-children --sort dso,symbol --percent-limit 0.3 \
      --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' >"$PERF.$i.txt"
    echo "$bin: perf samples by symbol in $PERF.$i.txt ($(cpu_of "$run/time") s CPU)"
  done
fi
if [ -n "${SYSCALLS:-}" ]; then
  command -v strace >/dev/null || { echo "SYSCALLS needs strace" >&2; exit 2; }
  for bin in "$@"; do
    monitor "$bin" strace -c -f -o "$run/strace"
    same=same
    cmp -s "$run/findings" "$first" || same=DIFFERENT
    # strace -c: the calls in the fourth column, the name last
    awk -v b="$bin" -v kept="$(kept_of "$run/err")" -v same="$same" '
      $NF ~ /^(pwrite64|pread64|fdatasync|total)$/ { c[$NF] = $4 }
      END {
        printf "%s: system calls a kept object: pwrite64 %.2f, pread64 %.2f, fdatasync %.3f," \
          " all %.2f (kept %d, findings %s)\n", b, c["pwrite64"] / kept, c["pread64"] / kept,
          c["fdatasync"] / kept, c["total"] / kept, kept, same }' "$run/strace"
  done
fi
echo "load at end: $(uptime)"
