#!/usr/bin/env bash
# Instructions a certificate of the single-object pipeline, without and
# with the certificate profile rules (docs/performance.md, "With the
# certificate profile rules"): the figures the machine's load does not
# move. check_bench runs under valgrind's callgrind, collecting only inside
# cg_check_file and dumping after each of its two calls (the pass without
# the profile, then the pass with it); the profile's own share is
# callgrind_annotate's inclusive count of cg_check_cert_profile in the
# second dump. PAIRS precertificate/certificate pairs, no CRLs,
# CAGUARD_BENCH_KEYS (default 2) RSA keys in turn (a new key every pair).
#
# usage: bench/check_instructions.sh [BUILD_DIR...] (default build);
# several builds are measured one after the other, in the same run.
# CG_PAIRS (1000) sets the pairs; CG_ANNOTATE=FILE writes
# callgrind_annotate's inclusive profile of the last build's pass with
# the profile to FILE. CG_SIM=1 adds callgrind's cache and branch
# simulation (about twice as slow) and prints, a certificate and for each
# pass, the simulated L1 instruction and data misses and the mispredicted
# branches: what the instructions leave out (this VM has no hardware
# counters). Needs valgrind.
#
# valgrind's CPU has no SHA extensions, so OpenSSL hashes in software under
# it: about 38,000 of the instructions a certificate without the profile
# are SHA-256, which the CPU's SHA instructions do in a small part of the
# time (bench/check_time_split.sh measures the time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pairs=${CG_PAIRS:-1000}
[ $# -gt 0 ] || set -- "$root/build"
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== load: $(uptime)"
for b in "$@"; do
  rm -f "$tmp"/cg.out*
  sim=()
  [ "${CG_SIM:-0}" = 0 ] || sim=(--cache-sim=yes --branch-sim=yes)
  CAGUARD_BENCH_KEYS=${CAGUARD_BENCH_KEYS:-2} valgrind --tool=callgrind "${sim[@]}" \
    --callgrind-out-file="$tmp/cg.out" --toggle-collect=cg_check_file \
    --dump-after=cg_check_file "$b/bench/check_bench" "$root/tests/data" "$pairs" 0 \
    >"$tmp/bench.out" 2>"$tmp/valgrind.err" || {
    echo "$b: check_bench failed:" >&2
    cat "$tmp/bench.out" "$tmp/valgrind.err" >&2
    exit 2
  }
  # the dumps are numbered in the order of the calls: without, then with
  mapfile -t dumps < <(ls "$tmp"/cg.out.* | sort -t. -k3 -n)
  [ "${#dumps[@]}" -ge 2 ] || { echo "$b: expected two dumps, got ${#dumps[@]}" >&2; exit 2; }
  without=$(awk '/^summary:/ {print $2}' "${dumps[0]}")
  with=$(awk '/^summary:/ {print $2}' "${dumps[1]}")
  callgrind_annotate --inclusive=yes "${dumps[1]}" >"$tmp/annotate" 2>/dev/null
  prof=$(awk '/cg_check_cert_profile / {gsub(",", "", $1); print $1; exit}' "$tmp/annotate")
  [ -n "$prof" ] || { echo "$b: no cg_check_cert_profile in the profile" >&2; exit 2; }
  awk -v w="$without" -v p="$with" -v pr="$prof" -v n="$((pairs * 2))" -v b="$b" 'BEGIN {
    printf "%s: instructions a certificate: without profile %.0f, with %.0f, ", b, w / n, p / n
    printf "the profile (cg_check_cert_profile) %.0f; profile / without %.3f; ", pr / n, pr / w
    printf "without / with %.3f\n", w / p }'
  if [ "${CG_SIM:-0}" != 0 ]; then
    # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
    for d in "${dumps[0]}" "${dumps[1]}"; do awk '/^summary:/ {print}' "$d"; done | awk -v n="$((pairs * 2))" '
      { i1[NR] = $5; d1[NR] = $6 + $7; bm[NR] = $12 + $14 }
      END { printf "  simulated a certificate, without / with the profile: L1 instruction misses %.0f / %.0f, ", i1[1] / n, i1[2] / n
            printf "L1 data misses %.0f / %.0f, mispredicted branches %.0f / %.0f\n", d1[1] / n, d1[2] / n, bm[1] / n, bm[2] / n }'
  fi
  [ -z "${CG_ANNOTATE:-}" ] || cp "$tmp/annotate" "$CG_ANNOTATE"
done
echo "== load: $(uptime)"
