#!/usr/bin/env bash
# Instructions a /lintcert request (docs/performance.md, "caguard serve"):
# the figure the machine's load and drift do not move. The server runs
# under valgrind's callgrind; ab sends WARM requests (the log keys'
# tables are built in them), the counts are set to zero, ab sends N more
# (one connection, keep-alive), the counts are dumped, and the
# instructions counted are divided by N. The request is
# bench/serve_bench.sh's: the good final certificate of tests/data/le2023
# as a pkimetal client's form, Chrome's and crt.sh's log lists, R3.
#
# usage: bench/serve_instructions.sh [CAGUARD...] (default build/caguard);
# several binaries are measured one after the other, in the same run.
# CG_WARM (800) and CG_N (1000) set the counts; CG_ANNOTATE=FILE writes
# callgrind_annotate's inclusive profile of the last binary to FILE, and
# CG_CALLGRIND_OUT=FILE keeps its callgrind output (for callgrind_annotate's
# exclusive view, or kcachegrind).
# Needs valgrind and ab (Debian packages valgrind, apache2-utils).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
d=$root/tests/data
warm=${CG_WARM:-800}
n=${CG_N:-1000}
[ $# -gt 0 ] || set -- "$root/build/caguard"
command -v ab >/dev/null || { echo "needs ab (Debian package apache2-utils)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
b64=$(sed '/-----/d' "$d/le2023/good/final.pem" | tr -d '\n')
printf 'b64cert=%s' "$(printf '%s' "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')" >"$tmp/form"
echo "== load: $(uptime)"
for bin in "$@"; do
  rm -f "$tmp"/cg.out*
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    "$bin" serve --listen 127.0.0.1:0 --no-access-log --threads 2 \
    --loglist "$d/loglists/gstatic_v3_all_logs_list.json" \
    --loglist "$d/loglists/crtsh_v3_all_all_logs_list.json" --ca "$d/le2023/r3.pem" \
    2>"$tmp/serve.err" &
  pid=$!
  # valgrind's start takes a minute or more on a loaded machine
  serve_wait "$tmp/serve.err" 3000 0.1 ||
    { echo "$bin did not start:" >&2; cat "$tmp/serve.err" >&2; exit 2; }
  ab -q -k -c 1 -n "$warm" -p "$tmp/form" -T application/x-www-form-urlencoded \
    "$url/lintcert" >/dev/null
  callgrind_control -z "$pid" >/dev/null
  ab -k -c 1 -n "$n" -p "$tmp/form" -T application/x-www-form-urlencoded \
    "$url/lintcert" >"$tmp/ab"
  callgrind_control -d "$pid" >/dev/null
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  failed=$(awk '/^Failed requests/ {print $3} /^Non-2xx/ {print "non-2xx:" $3}' "$tmp/ab" | tr '\n' ' ')
  ir=$(cat "$tmp"/cg.out.1 | awk '/^summary:/ {s += $2} END {print s}')
  awk -v ir="$ir" -v n="$n" -v b="$bin" -v f="$failed" 'BEGIN {
    printf "%s: %.0f instructions a /lintcert request (%d requests; failed: %s)\n", b, ir / n, n, f }'
  if [ -n "${CG_ANNOTATE:-}" ]; then
    callgrind_annotate --inclusive=yes "$tmp"/cg.out.1 >"$CG_ANNOTATE" 2>/dev/null || true
  fi
  if [ -n "${CG_CALLGRIND_OUT:-}" ]; then
    cp "$tmp"/cg.out.1 "$CG_CALLGRIND_OUT"
  fi
done
echo "== load: $(uptime)"
