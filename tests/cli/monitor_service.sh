#!/usr/bin/env bash
# caguard monitor as a Type=notify service: a socket of the test stands in
# for systemd's NOTIFY_SOCKET (what libsystemd's sd_notify writes to), with
# a watchdog of 0.4 s. READY=1 once it runs; WATCHDOG=1 over and over while
# it works and sleeps; SIGHUP with a changed config: RELOADING=1, the same
# process starting again with the new config (its CRL now watched), READY=1
# again; SIGHUP with a broken config: refused with the reason, the monitor
# going on (no READY, the watchdog still fed); SIGTERM: STOPPING=1, exit 0.
# Without libsystemd in the build (CAGUARD_WITH_SYSTEMD) nothing is sent,
# and the test says so.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
if ! "$CAGUARD" --version | grep -q systemd; then
  echo "SKIPPED: this build has no sd_notify (configured without CAGUARD_WITH_SYSTEMD)"
  exit 77
fi
mpid=
npid=
fpid=
stop_all() {
  [ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
  [ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
  [ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
  stop_servers
}
trap 'stop_all; rm -rf "$tmp"' EXIT

# What the service manager would receive, one message a line.
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
[ -S "$sock" ] && pass_ || fail_ "no notify socket"

build_seed_log "$tmp/log"
start_server "$tmp/log"
mkdir "$tmp/www"
cp "$d/crl2/c1_good.pem" "$tmp/www/ca1.crl"
"$TL" serve --files "$tmp/www" --listen 127.0.0.1:0 >"$tmp/files.out" 2>"$tmp/files.err" &
fpid=$!
for _ in $(seq 200); do grep -q '^listening on ' "$tmp/files.out" && break; sleep 0.05; done
crl=http://$(sed -n '1s/^listening on //p' "$tmp/files.out")/files/ca1.crl
cat >"$tmp/mon.ini" <<EOF
[monitor]
store = $tmp/s.db
all_issuers = true
poll_interval = 1
format = json
[log seed]
url = $url
key = $tmp/log.pub
EOF
count() { grep -c "$1" "$tmp/notify.log" 2>/dev/null || true; }
wait_for() { # wait_for PATTERN N: until N lines match
  for _ in $(seq 300); do [ "$(count "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  return 1
}

NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 "$CAGUARD" monitor --config "$tmp/mon.ini" \
  >"$tmp/mon.out" 2>"$tmp/mon.err" &
mpid=$!
wait_for '^READY=1 STATUS=following 1 log' 1 && pass_ || fail_ "no READY=1: $(cat "$tmp/notify.log")"
n0=$(count '^WATCHDOG=1$')
sleep 1.5
n1=$(count '^WATCHDOG=1$')
[ $((n1 - n0)) -ge 3 ] && pass_ || fail_ "WATCHDOG=1 $((n1 - n0)) times in 1.5 s (every 0.2 s wanted)"
expect_eq "monitor reading" "$(sqlite3 "$tmp/s.db" 'SELECT position = sth_size FROM log_state')" 1

# ---- reload with a new config: the same process starts again with it ----
cat >>"$tmp/mon.ini" <<EOF
[issuer ca1]
cert = $d/crl2/ca1.pem
crl_url = $crl
EOF
kill -HUP "$mpid"
wait_for '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' 1 && pass_ || fail_ "no RELOADING=1"
wait_for '^READY=1' 2 && pass_ || fail_ "no READY=1 after the reload: $(cat "$tmp/notify.log")"
kill -0 "$mpid" && pass_ || fail_ "the monitor is gone after the reload"
expect_grep "monitor --config $tmp/mon.ini" <(tr '\0' ' ' <"/proc/$mpid/cmdline")
for _ in $(seq 100); do
  [ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM crl_sources WHERE url = '$crl'")" = 1 ] && break
  sleep 0.1
done
expect_eq "the new config's CRL fetched" \
  "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM crl_sources WHERE url = '$crl'")" 1
expect_grep 'reloading: the current range is committed' "$tmp/mon.err"
# Nothing reported twice: the new process went on from the stored position.
[ -s "$tmp/mon.out" ] && pass_ || fail_ "no finding printed"
expect_eq "findings printed twice" "$(sort "$tmp/mon.out" | uniq -d | wc -l)" 0

# ---- reload with a broken config: refused, the monitor goes on ----
cp "$tmp/mon.ini" "$tmp/mon.ini.good"
echo "bogus_key = 1" >>"$tmp/mon.ini"
r=$(count '^READY=1')
kill -HUP "$mpid"
for _ in $(seq 100); do grep -q 'reload refused' "$tmp/mon.err" && break; sleep 0.05; done
expect_grep 'reload refused, going on with the configuration in use: .*mon\.ini:[0-9]+: .*bogus_key' "$tmp/mon.err"
sleep 0.6
kill -0 "$mpid" && pass_ || fail_ "the monitor stopped on a broken config"
expect_eq "no READY for a refused reload" "$(count '^READY=1')" "$r"
n0=$(count '^WATCHDOG=1$')
sleep 1
[ "$(count '^WATCHDOG=1$')" -gt "$n0" ] && pass_ || fail_ "the watchdog starved after a refused reload"

# ---- stop ----
kill "$mpid"
wait "$mpid"
expect_eq "exit on SIGTERM" "$?" 0
mpid=
wait_for '^STOPPING=1$' 1 && pass_ || fail_ "no STOPPING=1"

# Outside systemd (no NOTIFY_SOCKET) nothing of this changes the monitor.
expect_status 0 "$CAGUARD" monitor --config "$tmp/mon.ini.good" --once --quiet
finish
