#!/usr/bin/env bash
# caguard monitor against Cert Spotter (Debian's certspotter) catching up on
# the same RFC 6962 log, served by caguard-testlog on loopback, in the same
# run (docs/performance.md, "Monitor against Cert Spotter").
#
# usage: bench/monitor_vs_certspotter.sh [N...]     (default: 10000 100000)
#
# For each N: bench/gen_ctcerts makes N entries (precertificates and their
# finals with 2 SCTs, PERCENT% from the watched intermediate, chains to a
# root), caguard-testlog builds a log of them (cached in WORK/v4-N; neither
# step is timed), then the log is served (--gzip never, get-entries batches of up
# to 1000) and read from entry 0 by
#   caguard monitor --once --issuer watched_ca.pem --store <fresh> ...
#   certspotter -watchlist <.watched.example.com> -state_dir <fresh> -no_save -stdout ...
# one after the other, each under /usr/bin/time -v. Cert Spotter is a
# daemon with no "once" mode: its time is from its start to its
# "finished downloading entries" line (-verbose), then it is stopped.
# caguard keeps what it matches in its store; Cert Spotter prints it
# (-no_save: nothing written to disk). Both verify the Merkle tree against
# the tree head. bench/monitor_vs_peers.sh is the same comparison against
# an independent log server with latency, and with Go scanlog.
#
# Environment: BUILD (build tree, default ./build), WORK (default
# /tmp/caguard-monbench), PERCENT (default 10), KEEP_STORE=1 keeps the
# stores and state directories.
# Needs: certspotter and time (apt-get install certspotter time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/caguard-monbench}
percent=${PERCENT:-10}
if [ "$#" -eq 0 ]; then set -- 10000 100000; fi

for tool in "$build/caguard" "$build/caguard-testlog" "$build/bench/gen_ctcerts"; do
  [ -x "$tool" ] || { echo "no $tool: build first (ninja -C build)" >&2; exit 2; }
done
command -v certspotter >/dev/null || { echo "no certspotter: apt-get install certspotter" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "no /usr/bin/time: apt-get install time" >&2; exit 2; }

. "$root/bench/lib.sh"
trap bench_cleanup EXIT


machine_line "; $(certspotter -version 2>&1 | head -1)"
rows=()
for n in "$@"; do
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
  echo ".watched.example.com" >"$d/watchlist"

  "$build/caguard-testlog" serve --dir "$d/log" --listen 127.0.0.1:0 --gzip never \
    --loglist-out "$d/loglist.json" >"$d/serve.out" 2>"$d/serve.err" &
  server=$!
  for _ in $(seq 600); do grep -q '^listening on ' "$d/serve.out" && break; sleep 0.1; done
  url=http://$(sed -n '1s/^listening on //p' "$d/serve.out")

  echo "--- N=$n: caguard monitor (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -rf "$d/cg" && mkdir -p "$d/cg"
  rc=0 # 1: new error findings, a run that went through; 2 or more: it did not
  /usr/bin/time -v -o "$d/cg.time" "$build/caguard" monitor --once \
    --issuer "$d/watched_ca.pem" --log "$url" --log-key "$d/log.pub" \
    --store "$d/cg/fresh.db" --at 2025-02-01T00:00:00Z --format json \
    >"$d/cg.out" 2>"$d/cg.err" || rc=$?
  [ "$rc" -le 1 ] || { echo "caguard monitor failed (exit $rc):" >&2; cat "$d/cg.err" >&2; exit 1; }
  grep 'entries read' "$d/cg.err"
  cg_kept=$(kept_of "$d/cg.err")

  echo "--- N=$n: certspotter (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -rf "$d/cs" && mkdir -p "$d/cs"
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$d/cs.time" certspotter -logs "$d/loglist.json" -state_dir "$d/cs" \
    -watchlist "$d/watchlist" -no_save -stdout -verbose >"$d/cs.out" 2>"$d/cs.err" &
  cspid=$!
  for _ in $(seq 72000); do
    grep -q 'finished downloading entries' "$d/cs.err" && break
    if grep -q 'error' "$d/cs.err"; then cat "$d/cs.err" >&2; exit 1; fi
    sleep 0.05
  done
  t1=$(date +%s.%N)
  child=$(pgrep -P "$cspid" certspotter || true)
  [ -n "$child" ] && kill -TERM "$child"
  wait "$cspid" 2>/dev/null || true
  cspid=
  cs_kept=$(grep -c 'Log Entry = ' "$d/cs.out" || true)
  cs_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  echo "certspotter: $cs_kept certificates matched"

  kill "$server" && wait "$server" 2>/dev/null || true
  server=

  cg_wall=$(wall_of "$d/cg.time")
  rows+=("$(awk -v n="$n" -v cw="$cg_wall" -v cr="$(rss_of "$d/cg.time")" -v cc="$(cpu_of "$d/cg.time")" \
    -v ck="$cg_kept" -v sw="$cs_wall" -v sr="$(rss_of "$d/cs.time")" -v sc="$(cpu_of "$d/cs.time")" \
    -v sk="$cs_kept" 'BEGIN {
      printf "| %d | caguard | %d | %.2f s | %.0f | %.2f s | %.0f MB |\n", n, ck, cw, n / cw, cc, cr / 1024;
      printf "| %d | certspotter | %d | %.2f s | %.0f | %.2f s | %.0f MB |\n", n, sk, sw, n / sw, sc, sr / 1024;
      printf "| %d | ratio caguard/certspotter | | | %.2f | | %.2f |\n", n, (n / cw) / (n / sw), cr / sr }')")
  if [ "${KEEP_STORE:-0}" != 1 ]; then rm -rf "$d/cg" "$d/cs"; fi
done

echo
echo "| entries | monitor | kept | wall | entries/s | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
