#!/usr/bin/env bash
# The test helpers' own promise (lib.sh): a test that starts several logs,
# keeps their pids in its own variables and dies before it stops them
# (a failed step, `exit 1`) leaves no server running: the EXIT trap stops
# every one start_server started. Before, it stopped only the last ($pid),
# and a failed cli.monitor_bounds left a caguard-testlog serving.
. "$(dirname "$0")/lib.sh"

build_seed_log "$tmp/log"
# A child test: three servers, the first two kept aside as tests do
# (start_second_log, log1_pid), the second stopped by stop_server, then a
# failure; its pids written down for this test to check.
CG_LIB="$CG_SOURCE_DIR/tests/cli/lib.sh" LOGDIR=$tmp/log PIDS=$tmp/pids \
  bash -c '
. "$CG_LIB"
start_server "$LOGDIR"; a=$pid
start_server "$LOGDIR"; b=$pid
stop_server
start_server "$LOGDIR"; c=$pid
echo "$a $b $c" >"$PIDS"
for p in $a $c; do kill -0 "$p" || { echo "server $p not running" >&2; exit 3; }; done
exit 1' >"$tmp/child.out" 2>"$tmp/child.err"
rc=$?
expect_eq "the child test's exit status" "$rc" 1
read -r a b c <"$tmp/pids" || fail_ "no pids written: $(cat "$tmp/child.err")"
for p in $a $b $c; do
  # a server takes a moment to exit after its SIGTERM
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$p" 2>/dev/null; then
    fail_ "server $p still running after its test exited"
    kill "$p" 2>/dev/null
  else
    pass_
  fi
done
finish
