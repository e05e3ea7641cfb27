#!/usr/bin/env bash
# caguard status --check under a real Nagios (Debian's nagios4-core), not
# under our own reading of the plugin convention: Nagios runs the plugin as a
# service check, and its status file says what it understood: the state from
# the exit status (OK, WARNING, CRITICAL, UNKNOWN), the first line before
# '|' as the plugin output, what follows '|' as performance data, and the
# further lines as long output. A store followed by caguard monitor
# (caguard-testlog on loopback) and a CRL source, as in status_check.sh.
. "$(dirname "$0")/lib.sh"
NAGIOS=${NAGIOS:-/usr/sbin/nagios4}
if [ ! -x "$NAGIOS" ]; then
  echo "FAIL: $NAGIOS not found (scripts/install-deps --test installs nagios4-core)" >&2
  exit 1
fi
db=$tmp/s.db
build_seed_log "$tmp/log"
start_server "$tmp/log"
expect_status 1 "$CAGUARD" --store "$db" monitor --log "$url" --log-key "$tmp/log.pub" \
  --all-issuers --once --quiet
now=$(date +%s)
sqlite3 "$db" "INSERT INTO crl_sources (url, is_list, issuer_label, origin, last_fetch,
      last_change, http_code, status, this_update, next_update, entries, failures, crl_sha256)
    VALUES ('http://127.0.0.1:1/ca.crl', 0, 'ca', 'config', $now, $now, 200,
      '200 new CRL', $((now - 60)), $((now + 3600)), 0, 0, zeroblob(32))"
sleep 2 # the tree head is now at least 2 s old: --lag-warning 1 holds

# One Nagios service per outcome; each runs the plugin through a small
# script (Nagios's object files treat ';' as a comment, so no arguments
# inline).
ng=$tmp/nagios
mkdir -p "$ng/results" "$ng/spool"
services="ok warning critical unknown"
plugin() { # NAME ARGS...: the plugin command of service NAME
  local name=$1; shift
  printf '#!/bin/sh\nexec "%s" %s\n' "$CAGUARD" "$*" >"$ng/$name.sh"
  chmod +x "$ng/$name.sh"
}
plugin ok --store "$db" status --check
plugin warning --store "$db" status --check --lag-warning 1
plugin critical --store "$db" status --check --lag-warning 0 --lag-critical 1
plugin unknown --store "$tmp/none.db" status --check
user=$(id -un)
group=$(id -gn)
{
  cat <<EOF
define timeperiod {
  timeperiod_name always
  alias always
  sunday 00:00-24:00
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
}
define command {
  command_name nothing
  command_line /bin/true
}
define contact {
  contact_name nobody
  host_notifications_enabled 0
  service_notifications_enabled 0
  host_notification_period always
  service_notification_period always
  host_notification_options n
  service_notification_options n
  host_notification_commands nothing
  service_notification_commands nothing
}
define host {
  host_name ca
  address 127.0.0.1
  max_check_attempts 1
  check_period always
  contacts nobody
  notification_period always
  active_checks_enabled 0
}
EOF
  for s in $services; do
    cat <<EOF
define command {
  command_name caguard_$s
  command_line $ng/$s.sh
}
define service {
  host_name ca
  service_description caguard_$s
  check_command caguard_$s
  max_check_attempts 1
  check_interval 2
  retry_interval 2
  check_period always
  contacts nobody
  notification_period always
}
EOF
  done
} >"$ng/objects.cfg"
cat >"$ng/nagios.cfg" <<EOF
cfg_file=$ng/objects.cfg
log_file=$ng/nagios.log
status_file=$ng/status.dat
status_update_interval=1
state_retention_file=$ng/retention.dat
retain_state_information=0
command_file=$ng/spool/nagios.cmd
check_result_path=$ng/results
lock_file=$ng/nagios.lock
temp_file=$ng/nagios.tmp
temp_path=$ng
object_cache_file=$ng/objects.cache
precached_object_file=$ng/objects.precache
nagios_user=$user
nagios_group=$group
interval_length=1
max_service_check_spread=1
service_inter_check_delay_method=n
check_result_reaper_frequency=1
enable_notifications=0
use_syslog=0
illegal_macro_output_chars=\`~\$&|'"<>
EOF
expect_status 0 "$NAGIOS" -v "$ng/nagios.cfg"

"$NAGIOS" "$ng/nagios.cfg" >"$ng/run.out" 2>&1 &
ngpid=$!
# Wait until Nagios has checked all four services (at most 60 s).
for _ in $(seq 1 120); do
  checked=$(grep -c 'has_been_checked=1' "$ng/status.dat" 2>/dev/null || true)
  [ "${checked:-0}" -ge 4 ] && break
  sleep 0.5
done
# Nagios rewrites the status file every second: read one copy.
cp "$ng/status.dat" "$ng/status.copy" 2>/dev/null || true
kill "$ngpid" 2>/dev/null; wait "$ngpid" 2>/dev/null || true

# field SERVICE KEY: a service's KEY as Nagios wrote it in its status file.
field() {
  awk -v svc="caguard_$1" -v key="$2" '
    /^servicestatus \{/ { inblock = 1; name = ""; val = ""; next }
    inblock && /^\t}/ { if (name == svc) { print val; exit } inblock = 0; next }
    inblock {
      line = $0; sub(/^\t/, "", line)
      k = substr(line, 1, index(line, "=") - 1); v = substr(line, index(line, "=") + 1)
      if (k == "service_description") name = v
      if (k == key) val = v
    }' "$ng/status.copy"
}
for s in $services; do
  expect_eq "$s: checked by Nagios" "$(field "$s" has_been_checked)" 1
done
expect_eq "ok: state" "$(field ok current_state)" 0
expect_eq "warning: state" "$(field warning current_state)" 1
expect_eq "critical: state" "$(field critical current_state)" 2
expect_eq "unknown: state" "$(field unknown current_state)" 3

# The plugin output is the summary line without its performance data; the
# performance data is what Nagios split off at '|', in the plugin
# guidelines' label=value[UOM];warn;crit form, one entry per measurement.
expect_eq "ok: output" "$(field ok plugin_output)" "CAGUARD OK - 1 log, 1 CRL source"
perf_re='^([a-z_]+=[0-9.]+(s|%|B|KB|MB|TB|c)?;[0-9.]*;[0-9.]*( |$))+$'
for s in ok warning critical; do
  perf=$(field "$s" performance_data)
  if [[ "$perf" =~ $perf_re ]]; then pass_; else fail_ "$s: performance data '$perf'"; fi
  expect_eq "$s: measurements" "$(echo "$perf" | tr ' ' '\n' | cut -d= -f1 | tr '\n' ,)" \
    "logs,crls,log_lag_seconds,log_lag_entries,crl_stale_seconds,"
done
expect_eq "warning: thresholds as given" \
  "$(field warning performance_data | tr ' ' '\n' | grep '^log_lag_seconds=' | cut -d';' -f2-)" \
  "1;86400"
# The problem lines are Nagios's long output (newlines written as \n).
expect_eq "ok: no long output" "$(field ok long_plugin_output)" ""
long=$(field warning long_plugin_output)
if [[ "$long" =~ ^WARNING:\ log\ http://127\.0\.0\.1:[0-9]+/?:\ tree\ head\ [0-9]+\ s\ old ]]; then
  pass_
else
  fail_ "warning: long output '$long'"
fi
case "$(field critical plugin_output)" in
"CAGUARD CRITICAL - 1 log (1 critical, 0 warning), 1 CRL source") pass_ ;;
*) fail_ "critical: output '$(field critical plugin_output)'" ;;
esac
case "$(field unknown plugin_output)" in
"CAGUARD UNKNOWN - "*) pass_ ;;
*) fail_ "unknown: output '$(field unknown plugin_output)'" ;;
esac
# Nagios logged the three non-OK states as service alerts.
for st in WARNING CRITICAL UNKNOWN; do
  expect_grep "SERVICE ALERT: ca;caguard_[a-z]+;$st;HARD;" "$ng/nagios.log"
done
finish
