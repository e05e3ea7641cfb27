#!/usr/bin/env bash
# SCT verification throughput against the raw ECDSA P-256 verify rate of
# `openssl speed ecdsap256` on the same machine, in the same run. The target
# is a ratio of at least 0.80 (exit status 1 below it).
#
#   bench/sct_verify_vs_openssl.sh [path/to/sct_verify_bench]
#
# Defaults to $CG_BUILD_DIR/bench/sct_verify_bench (CG_BUILD_DIR=build).
# SECONDS_PER_RUN (3) is the length of each measurement; RUNS (1) repeats
# the pair, alternating, and keeps the best of each, which steadies the
# figures on a busy machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bench=${1:-${CG_BUILD_DIR:-$repo/build}/bench/sct_verify_bench}
secs=${SECONDS_PER_RUN:-3}
runs=${RUNS:-1}

if [[ ! -x $bench ]]; then
    echo "sct_verify_vs_openssl: no benchmark at $bench (build the sct_verify_bench target)" >&2
    exit 2
fi

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }

speed=0
ours=0
full=0
for ((i = 0; i < runs; i++)); do
    # "256 bits ecdsa (nistp256)   0.0000s   0.0001s  46261.0  14100.0": the
    # last field is verifies per second.
    s=$(openssl speed -seconds "$secs" ecdsap256 2>/dev/null | awk '/nistp256/ { print $NF }')
    out=$("$bench" --data "$repo/tests/data" --seconds "$secs")
    o=$(awk -F= '$1 == "p256_verify_per_s" { print $2 }' <<<"$out")
    f=$(awk -F= '$1 == "p256_full_per_s" { print $2 }' <<<"$out")
    if [[ -z $s || -z $o || -z $f ]]; then
        echo "sct_verify_vs_openssl: could not read the figures" >&2
        exit 2
    fi
    speed=$(best "$speed" "$s")
    ours=$(best "$ours" "$o")
    full=$(best "$full" "$f")
done
rest=$(grep -v -e '^p256_' -e '^seconds_per_figure=' <<<"$out" || true)

ratio=$(awk -v a="$ours" -v b="$speed" 'BEGIN { printf "%.3f", a / b }')
ratio_full=$(awk -v a="$full" -v b="$speed" 'BEGIN { printf "%.3f", a / b }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)

echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(openssl version)"
echo "runs: $runs x ${secs}s each, best kept"
echo "openssl speed ecdsap256 verify/s: $speed"
echo "caguard SCT verify/s (P-256, TBS prebuilt): $ours"
echo "caguard SCT verify/s (P-256, parse + rebuild + verify): $full"
echo "${rest}"
echo "ratio (target >= 0.80): $ratio (full path: $ratio_full)"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.80) }'
