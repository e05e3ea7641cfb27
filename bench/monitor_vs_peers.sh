#!/usr/bin/env bash
# caguard monitor against Cert Spotter and Go scanlog, catching up on the same
# log served by an independent CT log written for this benchmark
# (bench/ctbenchlog, Go, not caguard code) with the latency, jitter, batch
# limit and alignment of a distant production log (docs/performance.md,
# "Monitor against its peers").
#
# usage: bench/monitor_vs_peers.sh [N]          (default N: 100000 entries)
#
# bench/gen_ctcerts makes N realistic entries (precertificates and their
# final certificates carrying 2 SCTs, chains [intermediate, root], PERCENT%
# from the watched intermediate) and ctbenchlog builds a log of them, cached
# in WORK/v4-N (neither step is timed). Then for each API (RFC 6962,
# static-ct-api), answer shape (unaligned, aligned) and delay, the log is
# served by `ctbenchlog serve -delay D -jitter D*JITTER_PCT% -max-batch
# MAX_BATCH [-align]` and each monitor reads it from entry 0, one after the
# other, each against a fresh server (so its request counts are its own):
#
#   caguard monitor --once --issuer watched_ca.pem --log URL --log-key log.pub
#           [--log-type static --log-origin bench.ctlog.invalid/log]
#           --store <fresh> --at 2025-02-01T00:00:00Z --format json $CAGUARD_FLAGS
#   certspotter -logs loglist.json -state_dir <fresh> -watchlist <.watched.example.com>
#           -no_save -stdout -verbose       (RFC 6962 only)
#   scanlog -log_uri URL -match_issuer_regex 'caguard bench watched CA'
#           $SCANLOG_FLAGS                  (RFC 6962 only)
#
# each under /usr/bin/time -v: one run per row gives its wall time,
# entries/s (N / wall), CPU (user + system), CPU per entry, peak RSS and
# page faults (minor: fresh pages the monitor touched),
# and the server's count of requests, entries served (over N: what was
# fetched twice or thrown away), most requests in flight at once, proof
# requests (RFC 6962: get-sth-consistency and the other proofs; tiles: hash
# tile requests, and in brackets how many distinct tiles they asked), and
# its own CPU. Cert Spotter is a daemon with no "once" mode: its time is from
# its start to its "finished downloading entries" line (-verbose), then it
# is stopped. caguard keeps what it matches in its store after running
# every rule on it and verifies the tree; Cert Spotter verifies the tree
# and prints matches (-no_save: not written to disk); scanlog neither
# verifies nor stores (it prints matches). The load average (/proc/loadavg)
# at the start of each row is in the table.
#
# Environment:
#   BUILD        build tree (default ./build): caguard, bench/gen_ctcerts
#   WORK         cache and scratch (default /tmp/caguard-peerbench)
#   PERCENT      watched share of the entries (default 10)
#   DELAYS       per-answer delays in ms (default "0 20 50 100")
#   JITTER_PCT   jitter, percent of the delay (default 20)
#   MAX_BATCH    most entries a get-entries answer holds (default 1000, the
#                default of Trillian's CTFE)
#   ALIGNS       "unaligned aligned" (default both)
#   APIS         "rfc6962 static" (default both)
#   MONITORS     "caguard certspotter scanlog" (default all three)
#   CAGUARD_FLAGS  extra flags for caguard monitor
#   SCANLOG_FLAGS  default "-batch_size 1000 -parallel_fetch 8 -num_workers 2"
#   SERVER_FLAGS   extra flags for ctbenchlog serve (e.g. "-rate429 0.02")
#   KEEP=1       keep each run's store, state, output and the server's
#                requests.log (a line a request: start and end ms, path)
#
# Needs (Debian): golang-go (ctbenchlog and scanlog are built with
# GO111MODULE=off, standard library and Debian's Go sources only),
# golang-github-google-certificate-transparency-dev (scanlog), certspotter,
# time. Not run by CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-peerbench}
percent=${PERCENT:-10}
delays=${DELAYS:-0 20 50 100}
jitter_pct=${JITTER_PCT:-20}
max_batch=${MAX_BATCH:-1000}
aligns=${ALIGNS:-unaligned aligned}
apis=${APIS:-rfc6962 static}
monitors=${MONITORS:-caguard certspotter scanlog}
scanlog_flags=${SCANLOG_FLAGS:--batch_size 1000 -parallel_fetch 8 -num_workers 2}
n=${1:-100000}

for tool in "$build/caguard" "$build/bench/gen_ctcerts"; do
  [ -x "$tool" ] || { echo "no $tool: build first (cmake --build build)" >&2; exit 2; }
done
command -v go >/dev/null || { echo "no go: apt-get install golang-go" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "no /usr/bin/time: apt-get install time" >&2; exit 2; }
case " $monitors " in *" certspotter "*)
  command -v certspotter >/dev/null ||
    { echo "no certspotter: apt-get install certspotter" >&2; exit 2; } ;;
esac
mkdir -p "$work"
export GOCACHE=${GOCACHE:-$work/gocache}
(cd "$root/bench/ctbenchlog" && GO111MODULE=off go build -o "$work/ctbenchlog" .)
case " $monitors " in *" scanlog "*)
  [ -d /usr/share/gocode/src/github.com/google/certificate-transparency/go/scanner ] ||
    { echo "no scanlog source: apt-get install golang-github-google-certificate-transparency-dev" >&2
      exit 2; }
  GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/scanlog" \
    github.com/google/certificate-transparency/go/scanner/main ;;
esac

. "$root/bench/lib.sh"
trap bench_cleanup EXIT

bench_log_data
echo ".watched.example.com" >"$d/watchlist"

stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# CPU seconds of a running process
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

start_server() { # delay_ms align api
  local jit flags=()
  jit=$(awk -v d="$1" -v p="$jitter_pct" 'BEGIN { printf "%d", d * p * 10 }') # microseconds
  [ "$2" = aligned ] && flags+=(-align)
  [ "$3" = static ] && flags+=(-loglist-static)
  rm -f "$run/stats" "$run/serve.out"
  # shellcheck disable=SC2086
  "$work/ctbenchlog" serve -dir "$d/log" -delay "${1}ms" -jitter "${jit}us" \
    -max-batch "$max_batch" "${flags[@]}" -stats "$run/stats" -log "$run/requests.log" \
    -loglist-out "$run/loglist.json" \
    ${SERVER_FLAGS:-} >"$run/serve.out" 2>"$run/serve.err" &
  server=$!
  for _ in $(seq 300); do grep -q '^listening on ' "$run/serve.out" && break; sleep 0.05; done
  url=http://$(sed -n '1s/^listening on //p' "$run/serve.out")
}

stop_server() {
  srv_cpu=$(proc_cpu "$server")
  kill "$server" && wait "$server" 2>/dev/null || true
  server=
  for _ in $(seq 100); do [ -f "$run/stats" ] && break; sleep 0.05; done
}

run_caguard() { # api
  local type=()
  [ "$1" = static ] && type=(--log-type static --log-origin bench.ctlog.invalid/log)
  rm -rf "$run/cg" && mkdir -p "$run/cg"
  # exit status 1: new error findings (the watched CA's own short serial is
  # one), which is a run that went through; 2 or more: it did not
  local rc=0
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$run/time" "$build/caguard" monitor --once \
    --issuer "$d/certs/watched_ca.pem" --log "$url" --log-key "$d/log/log.pub" "${type[@]}" \
    --store "$run/cg/fresh.db" --at 2025-02-01T00:00:00Z --format json ${CAGUARD_FLAGS:-} \
    >"$run/out" 2>"$run/err" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "caguard monitor failed (exit $rc):" >&2; tail -5 "$run/err" >&2; return 1
  fi
  wall=$(wall_of "$run/time")
  kept=$(kept_of "$run/err")
}

run_certspotter() {
  rm -rf "$run/cs" && mkdir -p "$run/cs"
  local t0 t1 child
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$run/time" certspotter -logs "$run/loglist.json" -state_dir "$run/cs" \
    -watchlist "$d/watchlist" -no_save -stdout -verbose >"$run/out" 2>"$run/err" &
  cspid=$!
  for _ in $(seq 120000); do
    grep -q 'finished downloading entries' "$run/err" && break
    if grep -qi 'error' "$run/err"; then tail -5 "$run/err" >&2; break; fi
    kill -0 "$cspid" 2>/dev/null || break
    sleep 0.02
  done
  t1=$(date +%s.%N)
  child=$(pgrep -P "$cspid" certspotter || true)
  [ -n "$child" ] && kill -TERM "$child"
  wait "$cspid" 2>/dev/null || true
  cspid=
  grep -q 'finished downloading entries' "$run/err" || { echo "certspotter failed" >&2; return 1; }
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  kept=$(grep -c 'Log Entry = ' "$run/out" || true)
}

run_scanlog() {
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$run/time" "$work/scanlog" -log_uri "$url" \
    -match_issuer_regex 'caguard bench watched CA' $scanlog_flags >"$run/out" 2>"$run/err" ||
    { echo "scanlog failed" >&2; tail -5 "$run/err" >&2; return 1; }
  wall=$(wall_of "$run/time")
  kept=$(grep -c 'Interesting' "$run/err" || true)
}

machine_line
echo "caguard: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(
  git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)'); $(certspotter -version 2>&1 | head -1)"
echo "log: $n entries, $percent% watched, get-entries at most $max_batch, jitter $jitter_pct% of the delay"
rows=()
run=$work/run
mkdir -p "$run"
for api in $apis; do
  for align in $aligns; do
    [ "$api" = static ] && [ "$align" = aligned ] && continue # tiles are aligned by nature
    for delay in $delays; do
      for mon in $monitors; do
        [ "$api" = static ] && [ "$mon" != caguard ] && continue # no static-ct-api in the peers
        load=$(cut -d' ' -f1 /proc/loadavg)
        start_server "$delay" "$align" "$api"
        ok=1
        "run_$mon" "$api" || ok=0
        stop_server
        shape=$align
        [ "$api" = static ] && shape=tiles
        if [ "$ok" = 0 ]; then
          rows+=("| $api | $shape | $delay | $mon | failed | | | | | | | | | | | | $load |")
          continue
        fi
        row=$(awk -v n="$n" -v w="$wall" -v c="$(cpu_of "$run/time")" -v r="$(rss_of "$run/time")" \
          -v pf="$(faults_of "$run/time")" \
          -v k="$kept" -v rq="$(stat_of "$run/stats" entry_requests)" \
          -v sv="$(stat_of "$run/stats" entries_served)" -v mf="$(stat_of "$run/stats" max_in_flight)" \
          -v q="$(stat_of "$run/stats" refused_429)" -v sc="$srv_cpu" \
          -v pr="$(stat_of "$run/stats" proofs)" -v ht="$(stat_of "$run/stats" hash_tile_requests)" \
          -v hd="$(stat_of "$run/stats" hash_tiles_distinct)" \
          -v api="$api" -v sh="$shape" -v dl="$delay" -v m="$mon" -v ld="$load" 'BEGIN {
            proofs = api == "static" ? sprintf("%d (%d)", ht, hd) : sprintf("%d", pr)
            printf "| %s | %s | %d | %s | %d | %.2f s | %.0f | %.2f s | %.1f µs | %.0f MB | %d | %d | %.3f | %d | %d | %s | %.2f s | %s |",
              api, sh, dl, m, k, w, n / w, c, c / n * 1e6, r / 1024, pf, rq, sv / n, mf, q, proofs, sc, ld }')
        echo "$row"
        rows+=("$row")
        if [ "${KEEP:-0}" = 1 ]; then
          mv "$run" "$work/run-$api-$shape-$delay-$mon"
          mkdir -p "$run"
        fi
      done
    done
  done
done

echo
echo "| API | answers | delay ms | monitor | kept | wall | entries/s | CPU | CPU/entry | peak RSS | page faults | requests | served/N | most in flight | 429s | proof requests | server CPU | load |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
