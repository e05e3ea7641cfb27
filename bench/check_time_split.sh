#!/usr/bin/env bash
# Where the CPU time of check_bench's pass with the certificate profile goes,
# against its pass without (docs/performance.md, "With the certificate
# profile rules", session 10): perf samples CPU time (cpu-clock, a software
# event: this VM has no hardware counters) with frame-pointer call chains
# over check_bench; the samples of the two cg_check_file passes are split at
# the first one under cg_check_cert_profile, and each pass's samples are
# counted by what they are in: the profile (cg_check_cert_profile and what
# it calls), libcrypto (the SHA-256 of every object), the kernel, and the
# rest (the pipeline both passes run). Then the leaf functions whose samples
# differ most between the passes.
#
# usage: bench/check_time_split.sh [BUILD_DIR [PAIRS [CRLS]]]
#   (default build-fp 20000 4000; CG_FREQ samples a second, default 20000)
# BUILD_DIR must be built with frame pointers:
#   cmake -S . -B build-fp -G Ninja -DCMAKE_C_FLAGS=-fno-omit-frame-pointer
#   cmake --build build-fp --target check_bench
# Needs perf and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fp}
pairs=${2:-20000}
crls=${3:-4000}
command -v perf >/dev/null || { echo "needs perf" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== load: $(uptime)"
perf record -q -F "${CG_FREQ:-20000}" -g -o "$tmp/perf.data" \
  "$build/bench/check_bench" "$root/tests/data" "$pairs" "$crls" | grep -E 'with/without'
perf script -i "$tmp/perf.data" -F time,ip,sym,dso 2>/dev/null | python3 -c '
import collections, re, sys
samples, cur = [], None
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        if cur is not None:
            samples.append(cur)
        cur = None
    elif re.match(r"\s*\d+\.\d+:\s*$", line):
        cur = []  # the time line that starts a sample (perf may indent it)
    elif cur is not None:
        m = re.match(r"\s*\S+ (.*) \((.*)\)$", line)
        if m:
            cur.append((m.group(1), m.group(2)))
if cur is not None:
    samples.append(cur)
def under(s, name):
    return any(f[0] == name for f in s)
inside = [i for i, s in enumerate(samples) if under(s, "cg_check_file")]
first = next((i for i, s in enumerate(samples) if under(s, "cg_check_cert_profile")), None)
if not inside or first is None:
    sys.exit("check_time_split: no sample under cg_check_file or cg_check_cert_profile")
passes = (("without", samples[inside[0]:first]), ("with", samples[first:inside[-1] + 1]))
def what(s):
    if under(s, "cg_check_cert_profile"):
        return "profile"
    dso = s[0][1]
    return "libcrypto" if "libcrypto" in dso else "kernel" if "kernel" in dso else "rest"
for name, p in passes:
    c = collections.Counter(what(s) for s in p)
    print("%-7s %6d samples: " % (name, len(p)) + ", ".join(
        "%s %d (%.1f%%)" % (k, c[k], 100.0 * c[k] / len(p))
        for k in ("profile", "rest", "libcrypto", "kernel")))
n0, n1 = len(passes[0][1]), len(passes[1][1])
c0 = collections.Counter(what(s) for s in passes[0][1])
c1 = collections.Counter(what(s) for s in passes[1][1])
print("with/without by samples %.3f; the profile %.1f%% of the pass without; "
      "the rest %+.1f%%, libcrypto %+.1f%% in the pass with" % (
          n0 / n1, 100.0 * c1["profile"] / n0,
          100.0 * (c1["rest"] - c0["rest"]) / max(c0["rest"], 1),
          100.0 * (c1["libcrypto"] - c0["libcrypto"]) / max(c0["libcrypto"], 1)))
leaf = [collections.Counter(s[0][0] for s in p) for _, p in passes]
print("leaf functions whose samples differ most (without, with, difference):")
for k in sorted(set(leaf[0]) | set(leaf[1]), key=lambda k: -abs(leaf[1][k] - leaf[0][k]))[:16]:
    print("  %-40s %6d %6d %+6d" % (k[:40], leaf[0][k], leaf[1][k], leaf[1][k] - leaf[0][k]))
'
echo "== load: $(uptime)"
