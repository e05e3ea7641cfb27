#!/usr/bin/env bash
# Objects that share one issuer and serial (issue 14): `caguard check` and
# `caguard ingest` over N objects of one serial (N/2 distinct
# precertificates, N/2 distinct certificates, each paired), and `caguard
# check` over COPIES copies of one certificate; OpenSSL reading the same
# files (openssl storeutl) is the counterpart, the floor of any tool that
# parses every object. With a second binary (an earlier caguard), the same
# runs with it, each stopped after TIMEOUT seconds.
# Usage: bench/duplicate_serial.sh [BUILD_DIR] [BASELINE_CAGUARD]
# Environment: N (8000), COPIES (200000), TIMEOUT (600).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
build=${1:-$root/build}
baseline=${2:-}
n=${N:-8000}
copies=${COPIES:-200000}
limit=${TIMEOUT:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
machine_line ", load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$root/bench/gen_dup_serial.py" "$work" "$n" "$copies"

# run LABEL CMD...: wall, CPU and peak RSS of one command (or that it did
# not finish in TIMEOUT s)
run() {
  local label=$1 rc=0
  shift
  timeout "$limit" /usr/bin/time -v "$@" >"$work/out" 2>"$work/time" || rc=$?
  if [ "$rc" = 124 ]; then
    printf '%-58s did not finish in %s s\n' "$label" "$limit"
  else
    printf '%-58s wall %6.2f s, cpu %6.2f s, peak RSS %7d KB (exit %s)\n' "$label" \
      "$(wall_of "$work/time")" "$(cpu_of "$work/time")" "$(rss_of "$work/time")" "$rc"
  fi
}

at=2025-02-01T00:00:00Z
for bin in "$build/caguard" $baseline; do
  echo "--- $bin"
  run "check: $n objects of one serial" "$bin" check --at "$at" "$work/ca.pem" "$work/shared.pem"
  grep -o 'ct\.[a-z_.]*duplicate_serial\|ct\.pair\.[a-z_]*' "$work/out" | sort | uniq -c |
    sed 's/^/    /' || true
  rm -f "$work/store.db"
  run "ingest: $n objects of one serial (SQLite)" \
    "$bin" --store "$work/store.db" ingest --at "$at" "$work/ca.pem" "$work/shared.pem"
  run "check: $copies copies of one certificate" "$bin" check --at "$at" "$work/copies.pem"
done
echo "--- counterpart: OpenSSL reading the same files"
run "openssl storeutl: $n objects of one serial" openssl storeutl -noout -certs "$work/shared.pem"
run "openssl storeutl: $copies copies of one certificate" \
  openssl storeutl -noout -certs "$work/copies.pem"
