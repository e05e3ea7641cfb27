#!/usr/bin/env bash
# End-to-end `caguard check` on generated objects: the same 110,000 objects
# (50,000 precertificate/certificate pairs, 10,000 CRLs) in 1 file and in
# 1,000 files, wall time and peak RSS of each; and the single-object
# pipeline on one core (check_bench). Usage: bench/check_cli.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "--- single-object pipeline, in process, one core"
"$build/bench/check_bench" "$root/tests/data" 50000 10000
for n in 1 1000; do
  mkdir -p "$work/$n"
  "$build/bench/check_bench" "$root/tests/data" 50000 10000 "$work/$n" "$n" >/dev/null
  echo "--- caguard check --format json over $n file(s)"
  /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    "$build/caguard" check --format json --at 2023-06-20T00:00:00Z "$work/$n"/*.pem \
    >"$work/out.jsonl" || true
  echo "findings: $(wc -l <"$work/out.jsonl")"
done
