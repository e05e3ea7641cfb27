# Helpers for the command-level tests. Each test script sources this, calls
# `ok`/`fail` through the assertions, and ends with `finish`.
set -u
passed=0
failed=0
tmp=$(mktemp -d)
TL=${CG_BUILD_DIR:-}/caguard-testlog

# A caguard-testlog server on 127.0.0.1, a free port; the EXIT trap stops it
# and every other one started (a test that keeps several in its own
# variables and fails before it stops them leaves none running).
# start_server DIR ARGS... serves the log DIR (ARGS: fault switches and other
# serve options); start_server --files DIR ARGS... serves files. Sets $url
# and $pid; its output goes to $tmp/serve.out and $tmp/serve.err.
pid=
url=
spids=()
start_server() {
  local src=(--dir "$1")
  if [ "$1" = --files ]; then src=(--files "$2"); shift; fi
  shift
  : >"$tmp/serve.out"
  "$TL" serve "${src[@]}" --listen 127.0.0.1:0 "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
  pid=$!
  spids+=("$pid")
  for _ in $(seq 1200); do
    grep -q '^listening on ' "$tmp/serve.out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  url=http://$(sed -n '1s/^listening on //p' "$tmp/serve.out")
}
stop_server() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    local p rest=()
    for p in "${spids[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
    spids=("${rest[@]}")
    pid=
  fi
}

# start_hostile MODE [ARGS...]: tests/hostile/hostile_log.py in MODE in
# front of the caguard-testlog that start_server started ($url), signing
# with its key ($HOSTILE_KEY, default the served log's key.pem under
# $tmp/log) and swapping in tests/data/sct/ca_twin.pem (same Name as the
# test CA, another key). ARGS: --on WHAT, --shrink N, ... (docs/testlog.md,
# "The hostile log"). Sets $hurl and $hpid; output in $tmp/hostile.out and
# $tmp/hostile.err. Several at once: save $hurl/$hpid before the next call.
hpid=
hurl=
hpids=()
start_hostile() {
  local mode=$1
  shift
  /usr/bin/python3 "$CG_SOURCE_DIR/tests/hostile/hostile_log.py" --upstream "$url" \
    --key "${HOSTILE_KEY:-$tmp/log/key.pem}" --foreign-ca "$CG_TEST_DATA/sct/ca_twin.pem" \
    --mode "$mode" "$@" >"$tmp/hostile.out" 2>"$tmp/hostile.err" &
  hpid=$!
  hpids+=("$hpid")
  # Python and its cryptography import can take seconds on a loaded machine.
  for _ in $(seq 1200); do
    grep -q '^listening on ' "$tmp/hostile.out" && break
    kill -0 "$hpid" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q '^listening on ' "$tmp/hostile.out"; then
    echo "hostile log ($mode) did not start:" >&2
    cat "$tmp/hostile.err" >&2
    exit 1
  fi
  hurl=http://$(sed -n '1s/^listening on //p' "$tmp/hostile.out")
}
# measure_rss CMD...: runs CMD (stdout to $tmp/out, stderr to $tmp/err) and
# sets $rc to its exit status and $rss_kb to its peak resident set (the
# kernel's ru_maxrss of the child, KiB).
measure_rss() {
  /usr/bin/python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    rc = subprocess.run(sys.argv[4:], stdout=o, stderr=e).returncode
with open(sys.argv[3], "w") as f:
    f.write("%d %d\n" % (rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
' "$tmp/out" "$tmp/err" "$tmp/rss" "$@"
  read -r rc rss_kb <"$tmp/rss"
}
# stop_pids PID...: each stopped and waited for
stop_pids() {
  local p
  for p in "$@"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}
stop_hostile() {
  stop_pids "${hpids[@]}"
  hpids=()
  hpid=
}
# every server start_server started and stop_server did not stop
stop_servers() {
  stop_pids "${spids[@]}"
  spids=()
  pid=
}
trap 'stop_hostile; stop_servers; rm -rf "$tmp"' EXIT

# pg_fresh_schema NAME: a schema NAME, made afresh, in $CAGUARD_TEST_PG_URI's
# database, for a test that needs several stores; the URI of a store in it
# in $U. pg_drop_schemas drops every one made (a test's EXIT trap calls it
# when the test passed: a failed test's stores stay to be looked at).
pg_schemas=()
pg_fresh_schema() {
  local base=$CAGUARD_TEST_PG_URI sep='?'
  case $base in *\?*) sep='&' ;; esac
  pg_schemas+=("$1")
  psql "$base" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1" ||
    fail_ "cannot make schema $1"
  U="$base${sep}options=-csearch_path%3D$1"
}
pg_drop_schemas() {
  local s
  [ "$failed" -eq 0 ] || return 0
  for s in "${pg_schemas[@]}"; do
    psql "$CAGUARD_TEST_PG_URI" -qc "DROP SCHEMA IF EXISTS $s CASCADE" 2>/dev/null
  done
}

# pg_schema NAME: a schema of the test's own in $CAGUARD_TEST_PG_URI's
# database, dropped on exit; the URI of a store in it in $U, and of the same
# store in a session that may not write (default_transaction_read_only) in
# $RO.
pg_schema() {
  local base=$CAGUARD_TEST_PG_URI sep='?'
  pg_schema_name=cg$1_$$
  trap 'psql "$CAGUARD_TEST_PG_URI" -qc "DROP SCHEMA IF EXISTS $pg_schema_name CASCADE" \
    2>/dev/null; chmod -R u+w "$tmp"; stop_hostile; stop_server; rm -rf "$tmp"' EXIT
  psql "$base" -qc "SET client_min_messages = warning; CREATE SCHEMA $pg_schema_name"
  case $base in *\?*) sep='&' ;; esac
  U="$base${sep}options=-csearch_path%3D$pg_schema_name"
  RO="$U%20-cdefault_transaction_read_only%3Don"
}

# build_seed_log DIR [FILE...]: a test log in DIR, signed with a new P-256
# key ($tmp/log.key, public half $tmp/log.pub), holding the CT failures of
# the seed (tests/data/ct3: two precertificates for one serial, a final
# whose validity differs; tests/data/sct: a precertificate with an SCT
# list), a clean pair, and then FILE... . caguard-testlog is part of every
# build: its absence fails the test.
build_seed_log() {
  local dir=$1 c3=$CG_TEST_DATA/ct3
  shift
  if [ ! -x "$TL" ]; then
    echo "no $TL: build the whole tree" >&2
    exit 1
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
  openssl pkey -in "$tmp/log.key" -pubout -out "$tmp/log.pub"
  "$TL" build --dir "$dir" --key "$tmp/log.key" "$CG_TEST_DATA/sct/ca.pem" \
    "$c3/clean_pre.pem" "$c3/clean_final.pem" \
    "$c3/twopre_a.pem" "$c3/twopre_b.pem" "$c3/twopre_final.pem" \
    "$c3/validity_pre.pem" "$c3/validity_final.pem" \
    "$CG_TEST_DATA/sct/precert_sct_list.pem" "$@" >"$tmp/build.out" 2>&1 ||
    fail_ "build: $(cat "$tmp/build.out")"
}

# add_pre_chain PRECERT CA: submits the chain to the served log's
# add-pre-chain (RFC 6962 §4.2); passes when the log answers 200.
add_pre_chain() {
  local chain code
  chain='{"chain":["'$(openssl x509 -in "$1" -outform DER | base64 -w0)'","'$(openssl x509 -in "$2" -outform DER | base64 -w0)'"]}'
  code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$chain" "$url/ct/v1/add-pre-chain")
  expect_eq add-pre-chain "$code" 200
}

# slow_hook FILE NAME [STATUS]: an alert hook that marks itself running
# ($tmp/running.PID), records "ALERT_ID NAME RULE" in $tmp/receiver.log
# after a second, and exits with STATUS (default 0).
slow_hook() {
  cat >"$1" <<EOF
#!/bin/sh
echo "\$\$" >"$tmp/running.\$\$"
sleep 1
echo "\$ALERT_ID $2 \$RULE" >>"$tmp/receiver.log"
rm -f "$tmp/running.\$\$"
exit ${3:-0}
EOF
  chmod +x "$1"
}

# start_second_log: another log beside the one start_server serves (its own
# key, tests/data/sct/log_ec.*, and two entries of the seed), served too;
# its URL in $log2_url, the first's kept in $url, $log1_url and $log1_pid
# (stop it yourself: the EXIT trap stops the second).
start_second_log() {
  log1_url=$url
  log1_pid=$pid
  "$TL" build --dir "$tmp/log2" --key "$CG_TEST_DATA/sct/log_ec.key.pem" \
    "$CG_TEST_DATA/sct/ca.pem" "$CG_TEST_DATA/ct3/clean_pre.pem" \
    "$CG_TEST_DATA/ct3/clean_final.pem" >"$tmp/build2.out" 2>&1 ||
    fail_ "build log2: $(cat "$tmp/build2.out")"
  start_server "$tmp/log2"
  log2_url=$url
  url=$log1_url
}

pass_() { passed=$((passed + 1)); }
fail_() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_status WANT CMD...: runs CMD, stdout to $tmp/out, stderr to $tmp/err.
expect_status() {
  local want=$1; shift
  local got=0
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [ "$got" = "$want" ]; then pass_; else
    fail_ "exit $got, want $want: $*"; sed 's/^/  out: /' "$tmp/out" | head -20 >&2
    sed 's/^/  err: /' "$tmp/err" | head -10 >&2
  fi
}
# expect_eq WHAT GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then pass_; else fail_ "$1: got '$2', want '$3'"; fi
}
# expect_same WHAT WANT GOT: the two files are the same (their diff shown when
# not).
expect_same() {
  if cmp -s "$2" "$3"; then pass_; else fail_ "$1: $3 differs from $2"; diff "$2" "$3" >&2; fi
}
# expect_grep PATTERN FILE
expect_grep() {
  if grep -qE -- "$1" "$2"; then pass_; else fail_ "no /$1/ in $2:"; head -20 "$2" >&2; fi
}
expect_no_grep() {
  if grep -qE -- "$1" "$2"; then fail_ "/$1/ found in $2"; else pass_; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
