#!/usr/bin/env bash
# caguard serve as a Type=notify service (caguard-serve.service): a socket of
# the test stands in for systemd's NOTIFY_SOCKET, with a watchdog of 0.4 s.
# READY=1 once it listens, WATCHDOG=1 while it waits for signals,
# RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM (exit 0).
. "$(dirname "$0")/lib.sh"
if ! "$CAGUARD" --version | grep -q systemd; then
  echo "SKIPPED: this build has no sd_notify (configured without CAGUARD_WITH_SYSTEMD)"
  exit 77
fi
spid=
npid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; [ -n "$npid" ] && kill "$npid" 2>/dev/null; rm -rf "$tmp"' EXIT
sock=$tmp/notify.sock
/usr/bin/python3 -u - "$sock" "$tmp/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PY
npid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
count() { grep -c "$1" "$tmp/notify.log" 2>/dev/null || true; }
wait_for() {
  for _ in $(seq 200); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  return 1
}
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 "$CAGUARD" serve --listen 127.0.0.1:0 \
  --ca "$CG_TEST_DATA/sct/ca.pem" --no-access-log 2>"$tmp/serve.err" &
spid=$!
wait_for '^READY=1 STATUS=listening on 127\.0\.0\.1:[0-9]*$' 1 && pass_ ||
  fail_ "no READY=1: $(cat "$tmp/notify.log" "$tmp/serve.err")"
n0=$(count '^WATCHDOG=1$')
sleep 1.2
[ $(($(count '^WATCHDOG=1$') - n0)) -ge 3 ] && pass_ || fail_ "WATCHDOG=1 too rare: $(cat "$tmp/notify.log")"
kill -HUP "$spid"
wait_for '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' 1 && pass_ || fail_ "no RELOADING=1"
wait_for '^READY=1 STATUS=reloaded$' 1 && pass_ || fail_ "no READY=1 after the reload"
kill "$spid"
wait "$spid"
expect_eq "exit on SIGTERM" "$?" 0
spid=
wait_for '^STOPPING=1$' 1 && pass_ || fail_ "no STOPPING=1"
finish
