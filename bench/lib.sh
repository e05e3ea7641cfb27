# Helpers the monitor benchmarks share (sourced, not run).

# seconds, peak RSS (KB) and CPU seconds (user + system) out of a
# /usr/bin/time -v report
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
  for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
cpu_of() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$1"; }
faults_of() { awk -F': ' '/Minor \(reclaiming a frame\) page faults/ { print $2 }' "$1"; }
# The objects caguard monitor kept, from its stderr: one line per round (a
# round cut by its time bound says so and the next goes on), summed.
kept_of() { sed -n 's/.* entries read, \([0-9]*\) kept.*/\1/p' "$1" | awk '{ k += $1 } END { print k + 0 }'; }

# The processes a benchmark started in the background, stopped on exit:
# set server and cspid to their PIDs (empty when none).
server=
cspid=
bench_cleanup() {
  [ -n "$cspid" ] && kill "$cspid" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
}

# One line about the machine.
machine_line() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
    "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)$*"
}

# The benchmark's log, made once and kept under WORK: N realistic entries
# (bench/gen_ctcerts, PERCENT% from the watched CA) and bench/ctbenchlog's
# log of them. Uses build, work, n and percent; sets d to WORK/v4-N.
bench_log_data() {
  d=$work/v4-$n
  [ -f "$d/log/meta.json" ] && return 0
  echo "--- generating $n entries and the log (not timed)"
  rm -rf "$d" && mkdir -p "$d/certs"
  "$build/bench/gen_ctcerts" "$d/certs" "$n" "$percent"
  "$work/ctbenchlog" build -dir "$d/log" -ca "$d/certs/cas.pem" "$d/certs/entries.pem"
  rm -f "$d/certs/entries.pem"
}

# The seed log (tests/data: the ct3 entries and the precertificate with an
# SCT list, 8 entries) built under $tmp/log with a new key ($tmp/log.key,
# public half $tmp/log.pub) and served by caguard-testlog ($TL) on
# loopback: its URL in url, its PID appended to pids. Uses TL, tmp, d;
# SEED_LOG_DELAY_MS, when set, makes every answer of it wait that long.
seed_log_serve() {
  local c3=$d/ct3
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
  openssl pkey -in "$tmp/log.key" -pubout -out "$tmp/log.pub"
  "$TL" build --dir "$tmp/log" --key "$tmp/log.key" "$d/sct/ca.pem" "$c3/clean_pre.pem" \
    "$c3/clean_final.pem" "$c3/twopre_a.pem" "$c3/twopre_b.pem" "$c3/twopre_final.pem" \
    "$c3/validity_pre.pem" "$c3/validity_final.pem" "$d/sct/precert_sct_list.pem" >/dev/null
  "$TL" serve --dir "$tmp/log" --listen 127.0.0.1:0 ${SEED_LOG_DELAY_MS:+--delay "$SEED_LOG_DELAY_MS"} \
    >"$tmp/serve.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 600); do grep -q '^listening on ' "$tmp/serve.out" && break; sleep 0.05; done
  url=http://$(sed -n '1s/^listening on //p' "$tmp/serve.out")
}

# Waits for a caguard serve started in the background to say where it
# listens: ERRFILE (its stderr), TRIES (default 400) times STEP seconds
# (default 0.05). Sets url (http://ADDR:PORT); returns 1 when it never did.
serve_wait() {
  local tries=${2:-400} step=${3:-0.05}
  for _ in $(seq "$tries"); do
    grep -q 'listening on' "$1" && break
    sleep "$step"
  done
  grep -q 'listening on' "$1" || return 1
  url=http://$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$1")
}
