#!/usr/bin/env bash
# How much a stalled CT log delays an honest one: caguard monitor --once
# reading an honest log (caguard-testlog, the ct3 seed entries) alone, then
# beside a stalled log listed before it, and after it. Two kinds of stall:
# a log that accepts connections and never answers
# (tests/hostile/hostile_log.py --mode stall; cases stalled_*), and a log
# that answers its tree head and then never answers get-entries (another
# caguard-testlog log, its own key and two entries, behind --mode stall
# --on entries; cases entries_*). The figure is the time from the start
# until the honest log's round is over (its summary line on standard
# error), and the whole run's, which the stalled log's round bounds
# (--round-timeout, default 120 s).
#
# Usage: bench/stalled_log.sh [BUILD_DIR]   (default build; needs caguard,
# caguard-testlog, /usr/bin/python3 with python3-cryptography)
# A third kind (case entries_mid, not in the default CASES): the second
# log answers its tree head and its first get-entries request, then never
# answers get-entries again, so that it stalls inside an open range (read
# with --batch 1 --parallel 1, a proxy of its own started for each run);
# its counterpart is case alone_mid, the honest log alone with the same
# --batch 1 --parallel 1 (each of its 8 entries then a request of its own).
# Case proofs_mid: as entries_mid, the proxy stalling at the consistency
# proofs too (--on entries,proofs), so that the range cut at the stall
# cannot be verified.
#
# Environment: RETRIES (--retries, default 1), RUNS (default 1), ROUND
# (--round-timeout S; default: not given), WORKERS (--round-workers N;
# default: not given; 1 reads the logs' entries one log at a time, as
# before they were read at once), CASES (default: all but entries_mid),
# SEED_LOG_DELAY_MS (the honest log answers that much later: its tree head
# comes after the stalled log's, which is then read first - the worst
# case for the honest log), SHARED=1 (monitor --shared on a PostgreSQL
# store, a fresh schema each run: PG_URI, or a throwaway cluster of
# scripts/pg-test-cluster started here).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
build=${1:-$root/build}
CAGUARD=$build/caguard
TL=$build/caguard-testlog
retries=${RETRIES:-1}
runs=${RUNS:-1}
tmp=$(mktemp -d)
pids=()
own_pg=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$own_pg" ]; then "$root/scripts/pg-test-cluster" stop "$tmp/pg" >/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
d=$root/tests/data
base=
if [ "${SHARED:-0}" = 1 ]; then
  base=${PG_URI:-}
  if [ -z "$base" ]; then
    chmod 755 "$tmp" # (the server runs as nobody when this runs as root)
    base=$("$root/scripts/pg-test-cluster" start "$tmp/pg")
    own_pg=1
  fi
fi
sep='?'
case $base in *\?*) sep='&' ;; esac
# store NAME: the store of a run (a fresh schema under SHARED=1).
nstore=0
store() {
  if [ -z "$base" ]; then
    rm -f "$tmp/$1.db"
    echo "$tmp/$1.db"
    return
  fi
  nstore=$((nstore + 1))
  local s=bench_stalled_$nstore
  psql "$base" -qX -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $s CASCADE" \
    -c "CREATE SCHEMA $s" >/dev/null
  echo "$base${sep}options=-csearch_path%3D$s"
}

seed_log_serve
/usr/bin/python3 "$root/tests/hostile/hostile_log.py" --upstream "$url" --key "$tmp/log.key" \
  --mode stall --listen 127.0.0.1:0 >"$tmp/stall.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1200); do grep -q '^listening on ' "$tmp/stall.out" && break; sleep 0.05; done
surl=http://$(sed -n '1s/^listening on //p' "$tmp/stall.out")
# The second log, behind a proxy that answers its tree head and stalls on
# its entries.
"$TL" build --dir "$tmp/log2" --key "$d/sct/log_ec.key.pem" "$d/sct/ca.pem" \
  "$d/ct3/clean_pre.pem" "$d/ct3/clean_final.pem" >/dev/null
"$TL" serve --dir "$tmp/log2" --listen 127.0.0.1:0 >"$tmp/serve2.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 600); do grep -q '^listening on ' "$tmp/serve2.out" && break; sleep 0.05; done
url2=http://$(sed -n '1s/^listening on //p' "$tmp/serve2.out")
/usr/bin/python3 "$root/tests/hostile/hostile_log.py" --upstream "$url2" \
  --mode stall --on entries --listen 127.0.0.1:0 >"$tmp/stall2.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1200); do grep -q '^listening on ' "$tmp/stall2.out" && break; sleep 0.05; done
eurl=http://$(sed -n '1s/^listening on //p' "$tmp/stall2.out")
# mid_proxy [ON]: a proxy over the second log that answers one get-entries
# request, then stalls on ON (default entries; its count is used up by a
# run: one each run).
mid_proxy() {
  /usr/bin/python3 "$root/tests/hostile/hostile_log.py" --upstream "$url2" \
    --mode stall --on "${1:-entries}" --after 1 --listen 127.0.0.1:0 >"$tmp/mid.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 1200); do grep -q '^listening on ' "$tmp/mid.out" && break; sleep 0.05; done
  murl=http://$(sed -n '1s/^listening on //p' "$tmp/mid.out")
}

# run NAME LOG...: seconds to the honest log's summary line, and in all.
run() {
  local name=$1
  shift
  /usr/bin/python3 - "$url" "$@" <<'EOF'
import subprocess, sys, time
honest, argv = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
honest_at = None
for line in p.stderr:
    if honest_at is None and (honest + ": at ") in line:
        honest_at = time.monotonic() - t0
p.wait()
total = time.monotonic() - t0
print("%.2f %.2f %d" % (honest_at if honest_at is not None else -1, total, p.returncode))
EOF
}

M=("$CAGUARD" monitor --no-br-profile --all-issuers --once --retries "$retries")
if [ -n "${ROUND:-}" ]; then M+=(--round-timeout "$ROUND"); fi
if [ -n "${WORKERS:-}" ]; then M+=(--round-workers "$WORKERS"); fi
if [ -n "$base" ]; then M+=(--shared --worker-id bench); fi
H=(--log "$url" --log-key "$tmp/log.pub")
# (another key: the stalled log is another log, not the honest one again)
S=(--log "$surl" --log-key "$d/sct/log_ec.pub.pem")
E=(--log "$eurl" --log-key "$d/sct/log_ec.pub.pem")
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "caguard: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), --retries $retries," \
  "--round-timeout ${ROUND:-not given}, --round-workers ${WORKERS:-not given}," \
  "store: $([ -n "$base" ] && echo 'PostgreSQL, --shared' || echo SQLite)"
printf '%-22s %12s %10s %5s\n' case honest_s total_s exit
for i in $(seq "$runs"); do
  for c in ${CASES:-alone stalled_first stalled_after entries_first entries_after}; do
    db=$(store "$c")
    case $c in
      alone) r=$(run "$c" "${M[@]}" --store "$db" "${H[@]}") ;;
      stalled_first) r=$(run "$c" "${M[@]}" --store "$db" "${S[@]}" "${H[@]}") ;;
      stalled_after) r=$(run "$c" "${M[@]}" --store "$db" "${H[@]}" "${S[@]}") ;;
      entries_first) r=$(run "$c" "${M[@]}" --store "$db" "${E[@]}" "${H[@]}") ;;
      entries_after) r=$(run "$c" "${M[@]}" --store "$db" "${H[@]}" "${E[@]}") ;;
      alone_mid) r=$(run "$c" "${M[@]}" --batch 1 --parallel 1 --store "$db" "${H[@]}") ;;
      entries_mid | proofs_mid)
        if [ "$c" = proofs_mid ]; then mid_proxy entries,proofs; else mid_proxy; fi
        r=$(run "$c" "${M[@]}" --batch 1 --parallel 1 --store "$db" --log "$murl" \
          --log-key "$d/sct/log_ec.pub.pem" "${H[@]}")
        ;;
    esac
    # shellcheck disable=SC2086
    printf '%-22s %12s %10s %5s\n' "$c#$i" $r
  done
done
