#!/usr/bin/env bash
# Peak memory of caguard monitor against answers that each stay under the
# 64 MiB answer limit and come several at once: tests/hostile/hostile_log.py
# --mode gzip-bomb --bomb-mib MIB on get-entries (each answer inflates to
# MIB MiB of zeros) in front of caguard-testlog (the ct3 seed log, 8
# entries), read with --batch 2 (four requests at once), with the default
# settings, --parallel 256, and --response-memory 8. Each run is one
# caguard monitor --all-issuers --once --retries 1; the figure is its peak
# RSS (ru_maxrss of the child, KiB). With a second build (BEFORE) the same
# runs are made with it, in the same loop: the counterpart.
#
# Usage: bench/response_budget.sh [BUILD_DIR [BEFORE_BUILD_DIR]]
# (default build; needs caguard, caguard-testlog, /usr/bin/python3 with
# python3-cryptography). Environment: MIBS (default "30 60").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
build=${1:-$root/build}
before=${2:-}
TL=$build/caguard-testlog
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
d=$root/tests/data

seed_log_serve

# rss CAGUARD ARGS...: "peak_rss_kib exit" of one run.
rss() {
  /usr/bin/python3 -c '
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)' "$@"
}

echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "caguard: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
printf '%-8s %-6s %-24s %12s %5s\n' build mib options peak_rss_kib exit
for mib in ${MIBS:-30 60}; do
  /usr/bin/python3 "$root/tests/hostile/hostile_log.py" --upstream "$url" --key "$tmp/log.key" \
    --mode gzip-bomb --on entries --bomb-mib "$mib" --listen 127.0.0.1:0 >"$tmp/h.out" \
    2>/dev/null &
  hp=$!
  pids+=("$hp")
  for _ in $(seq 1200); do grep -q '^listening on ' "$tmp/h.out" && break; sleep 0.05; done
  hurl=http://$(sed -n '1s/^listening on //p' "$tmp/h.out")
  for b in ${before:+before} after; do
    dir=$build
    [ "$b" = before ] && dir=$before
    for o in "" "--parallel 256" "--response-memory 8"; do
      [ "$b" = before ] && [ "$o" = "--response-memory 8" ] && continue
      rm -f "$tmp/s.db"
      # shellcheck disable=SC2086
      r=$(rss "$dir/caguard" monitor --all-issuers --once --retries 1 --batch 2 $o \
        --store "$tmp/s.db" --log "$hurl" --log-key "$tmp/log.pub")
      # shellcheck disable=SC2086
      printf '%-8s %-6s %-24s %12s %5s\n' "$b" "$mib" "${o:-defaults}" $r
    done
  done
  kill "$hp" 2>/dev/null || true
  wait "$hp" 2>/dev/null || true
done
