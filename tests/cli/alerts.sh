#!/usr/bin/env bash
# Alerts and automatic incidents through caguard monitor, against
# caguard-testlog serving the ct3 seed failures on loopback: every new
# error finding reaches the hooks (a --hook and a hooks directory: right
# variables, the JSON on stdin), the JSON Lines file and a fake sendmail
# exactly once; a failing hook and a hanging one (killed at the timeout with
# what it started) are reported and stop nothing, and stay pending: a second
# run delivers only those, with their alert IDs; a third sends nothing;
# --incidents auto opens the drafts `caguard incident list` shows.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

build_seed_log "$tmp/log"
c3=$d/ct3

# The hooks. rec records its variables and input, one line per finding.
h=$tmp/hooks.d
mkdir -p "$h" "$tmp/mail"
cat >"$h/10-rec" <<EOF
#!/bin/sh
printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "\$RULE" "\$SEVERITY" "\$SERIAL" "\$ISSUER" \
  "\$OBJECT_SHA256" "\${INCIDENT-none}" "\$KIND" "\$FILE" >>"$tmp/rec.log"
cat >>"$tmp/rec.stdin"
EOF
cat >"$h/20-fail" <<'EOF'
#!/bin/sh
echo "pager: no route to host" >&2
exit 4
EOF
cat >"$h/30-hang" <<EOF
#!/bin/sh
sleep 60 &
echo \$! >>"$tmp/hang.children"
sleep 60
EOF
printf '#!/bin/sh\ntouch %s/dotfile.ran\n' "$tmp" >"$h/.hidden"
printf '#!/bin/sh\ntouch %s/noexec.ran\n' "$tmp" >"$h/40-noexec"
chmod +x "$h/10-rec" "$h/20-fail" "$h/30-hang" "$h/.hidden"
cat >"$tmp/solo" <<EOF
#!/bin/sh
echo "\$SUMMARY" >>"$tmp/solo.log"
EOF
chmod +x "$tmp/solo"
# A fake sendmail: each message to a file of its own, its arguments too
# (named by its process: alerts are delivered by several threads at once).
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$tmp/mail/args.\$\$"
cat >"$tmp/mail/msg.\$\$"
EOF
chmod +x "$tmp/sendmail"

M=("$CAGUARD" monitor --store "$tmp/s.db" --issuer "$d/sct/ca.pem"
   --loglist "$c3/loglist.json" --at 2025-04-01T00:00:00Z --once --format json
   --hook "$tmp/solo" --hooks-dir "$h" --hook-timeout 1 --alert-jsonl "$tmp/alerts.jsonl"
   --mail-to ca-team@ca.example --sendmail "$tmp/sendmail" --alert-min-severity error
   --incidents auto)

start_server "$tmp/log"
# A failing and a hanging hook: the run completes, every finding printed,
# every failure reported; exit 2 says an alert failed.
expect_status 2 "${M[@]}" --log "$url" --log-key "$tmp/log.pub"
cp "$tmp/out" "$tmp/first.out"
cp "$tmp/err" "$tmp/first.err"
expect_grep 'at 8 of 8, 8 entries read, 8 kept, 0 malformed' "$tmp/first.err"
errors=$(grep -c '"severity":"error"' "$tmp/first.out")
[ "$errors" -ge 5 ] && pass_ || fail_ "want 5 or more error findings, got $errors"
grep -q '"severity":"warning"' "$tmp/first.out" && pass_ || fail_ "want warnings printed"
# each error finding reached each channel once, and nothing below error did
[ "$(wc -l <"$tmp/rec.log")" = "$errors" ] && pass_ || fail_ "rec.log: want $errors lines"
[ "$(wc -l <"$tmp/rec.stdin")" = "$errors" ] && pass_ || fail_ "rec.stdin: want $errors lines"
[ "$(wc -l <"$tmp/solo.log")" = "$errors" ] && pass_ || fail_ "solo.log: want $errors lines"
[ "$(wc -l <"$tmp/alerts.jsonl")" = "$errors" ] && pass_ || fail_ "alerts.jsonl: want $errors"
[ "$(ls "$tmp/mail" | grep -c '^msg\.')" = "$errors" ] && pass_ || fail_ "want $errors mails"
expect_no_grep 'warning' "$tmp/rec.log"
# the variables: the precertificates of serial 5ca90a2de7b14c3f00c73002, the validity pair
expect_grep '^ct\.precert\.duplicate_serial\|error\|5ca90a2de7b14c3f00c73002\|CN=caguard SCT test CA,O=caguard test,C=XX\|655c09b569fa6d77c3e9682047ddb0aa17c7afeaddfddd9dfd87429fa28517bc\|1\|precertificate\|http://127\.0\.0\.1:[0-9]+#3$' "$tmp/rec.log"
expect_grep '^ct\.pair\.validity_mismatch\|error\|5ca90a2de7b14c3f00c73003\|.*\|73c8a0c815f538507a4c8e3b825f3d2c2eef4a720193dc72da2fa8a0fef42b71\|2\|certificate\|' "$tmp/rec.log"
expect_grep '^ct\.precert\.sct_list_present\|error\|5ca90a2de7b14c3f005c7003\|.*\|3\|precertificate\|' "$tmp/rec.log"
expect_grep '^error ct\.pair\.validity_mismatch: certificate serial 5ca90a2de7b14c3f00c73003$' "$tmp/solo.log"
# stdin and the JSON Lines file: the printed JSON plus first_seen and the incident
python3 - "$tmp/rec.stdin" "$tmp/alerts.jsonl" "$tmp/first.out" <<'EOF' && pass_ || fail_ "JSON"
import json, sys
printed = [json.loads(l) for l in open(sys.argv[3])]
printed = [p for p in printed if p["severity"] == "error"]
for path in sys.argv[1:3]:
    got = [json.loads(l) for l in open(path)]
    assert len(got) == len(printed), path
    # delivery threads keep no order between findings: each alert matches
    # one printed finding, every printed finding is matched once
    left = list(printed)
    for g in got:
        same = [p for p in left if all(g.get(k) == v for k, v in p.items())]
        assert same, (path, g)
        left.remove(same[0])
        assert g["first_seen"] == "2025-04-01T00:00:00Z", g
        assert isinstance(g["incident"], int) and g["incident"] > 0, g
EOF
# the failing hook and the hanging one, named, once per finding
[ "$(grep -c "hook $h/20-fail exited with status 4: pager: no route to host" "$tmp/first.err")" = "$errors" ] &&
  pass_ || fail_ "want $errors reports of 20-fail"
[ "$(grep -c "hook $h/30-hang ran past the 1 s timeout and was killed" "$tmp/first.err")" = "$errors" ] &&
  pass_ || fail_ "want $errors reports of 30-hang"
expect_no_grep '10-rec|/solo|/sendmail' "$tmp/first.err"
# what the hanging hook started died with it
# (a killed orphan is reaped by init in its own time: a zombie is dead)
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  case $st in Z*) return 1 ;; esac
  return 0
}
for c in $(cat "$tmp/hang.children"); do
  for _ in $(seq 20); do alive "$c" || break; sleep 0.1; done
  if alive "$c"; then fail_ "hang's child $c still running"; kill "$c"; else pass_; fi
done
[ ! -e "$tmp/dotfile.ran" ] && [ ! -e "$tmp/noexec.ran" ] && pass_ || fail_ "dotfile or non-executable ran"
# the mail
m=$(ls "$tmp"/mail/msg.* | head -1)
expect_grep '^-t$' "${m/msg./args.}"
expect_grep '^-oi$' "${m/msg./args.}"
expect_grep '^From: caguard@' "$m"
expect_grep '^To: ca-team@ca\.example$' "$m"
expect_grep '^Subject: \[caguard\] error ct\.' "$m"
expect_grep '^Date: [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$' "$m"
expect_grep '^Rule: +ct\.[a-z_.]+ \(error\)$' "$m"
# every mail names its incident; the mail of the finding that opened a
# draft says so, one per draft (delivery threads keep no order, so which
# file that is varies)
[ "$(grep -lE '^Incident: +[0-9]+' "$tmp"/mail/msg.* | wc -l)" = "$errors" ] &&
  pass_ || fail_ "want an Incident: line in each of the $errors mails"
[ "$(grep -lE '^Incident: +[0-9]+ \(a draft opened' "$tmp"/mail/msg.* | wc -l)" = 3 ] &&
  pass_ || fail_ "want 3 mails saying their draft was opened"

# The drafts: one per problem.
expect_status 0 "$CAGUARD" --store "$tmp/s.db" incident list
cp "$tmp/out" "$tmp/list.out"
[ "$(grep -cE 'misissuance .* open +auto: ' "$tmp/list.out")" = 3 ] && pass_ || fail_ "want 3 drafts"
# two precertificates for one serial: one certificate, as the CCADB counts
expect_grep '^1 .* 1 cert +open +auto: ct\.precert\.duplicate_serial on precertificate serial 5ca90a2de7b14c3f00c73002' "$tmp/list.out"
expect_grep 'auto: ct\.pair\.validity_mismatch on certificate serial 5ca90a2de7b14c3f00c73003' "$tmp/list.out"
expect_grep 'auto: ct\.precert\.sct_list_present on precertificate serial 5ca90a2de7b14c3f005c7003' "$tmp/list.out"
expect_status 0 "$CAGUARD" --store "$tmp/s.db" incident show 2
expect_grep 'source +self' "$tmp/out"
expect_grep 'reported +2025-04-01T00:00:00Z' "$tmp/out"
expect_grep '73c8a0c815f538507a4c8e3b825f3d2c2eef4a720193dc72da2fa8a0fef42b71' "$tmp/out"

# The failed deliveries stayed pending (at least once): a monitor started
# again tries them first, each failed hook on its own (the hooks that
# worked do not run again), with the alert ID of the first attempt. Fixed
# now, they record it.
for n in 20-fail 30-hang; do
  printf '#!/bin/sh\necho "%s $ALERT_ID $RULE" >>%s/fixed.log\n' "$n" "$tmp" >"$h/$n"
done
expect_status 0 "$CAGUARD" --store "$tmp/s.db" status
expect_grep "pending +$((2 * errors)) \\($((2 * errors)) failing" "$tmp/out"
expect_grep "last error +hook:$h/(20-fail|30-hang): hook" "$tmp/out"
expect_status 0 "${M[@]}" --log "$url" --log-key "$tmp/log.pub"
expect_no_grep '.' "$tmp/out"
expect_no_grep 'hook' "$tmp/err"
[ "$(grep -c '^20-fail ' "$tmp/fixed.log")" = "$errors" ] && pass_ || fail_ "20-fail: want $errors"
[ "$(grep -c '^30-hang ' "$tmp/fixed.log")" = "$errors" ] && pass_ || fail_ "30-hang: want $errors"
python3 - "$tmp/fixed.log" "$tmp/alerts.jsonl" <<'EOF2' && pass_ || fail_ "alert IDs"
import json, sys
ids = sorted(json.loads(l)["alert_id"] for l in open(sys.argv[2]))
assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids), ids
for hook in ("20-fail", "30-hang"):
    got = sorted(l.split()[1] for l in open(sys.argv[1]) if l.startswith(hook + " "))
    assert got == ids, (hook, got, ids)
EOF2
[ "$(wc -l <"$tmp/rec.log")" = "$errors" ] && pass_ || fail_ "second run: 10-rec ran again"
[ "$(wc -l <"$tmp/solo.log")" = "$errors" ] && pass_ || fail_ "second run: solo ran again"
[ "$(wc -l <"$tmp/alerts.jsonl")" = "$errors" ] && pass_ || fail_ "second run: JSONL grew"
[ "$(ls "$tmp/mail" | grep -c '^msg\.')" = "$errors" ] && pass_ || fail_ "second run: mail sent"
expect_status 0 "$CAGUARD" --store "$tmp/s.db" status
expect_grep "pending +0 \\(0 failing" "$tmp/out"

# Again: nothing is new, nothing is sent, no second draft.
expect_status 0 "${M[@]}" --log "$url" --log-key "$tmp/log.pub"
expect_no_grep '.' "$tmp/out"
expect_no_grep 'hook' "$tmp/err"
[ "$(wc -l <"$tmp/fixed.log")" = "$((2 * errors))" ] && pass_ || fail_ "third run: hooks ran"
[ "$(wc -l <"$tmp/rec.log")" = "$errors" ] && pass_ || fail_ "third run: hooks ran"
[ "$(wc -l <"$tmp/alerts.jsonl")" = "$errors" ] && pass_ || fail_ "third run: JSONL grew"
[ "$(ls "$tmp/mail" | grep -c '^msg\.')" = "$errors" ] && pass_ || fail_ "third run: mail sent"
expect_status 0 "$CAGUARD" --store "$tmp/s.db" incident list
[ "$(grep -c 'auto: ' "$tmp/out")" = 3 ] && pass_ || fail_ "third run: drafts changed"

# Hooks that work leave the exit status to the findings; no --incidents,
# no drafts; notices alerted with the default severity.
rm -f "$tmp/rec.log"
expect_status 1 "$CAGUARD" monitor --store "$tmp/t.db" --issuer "$d/sct/ca.pem" --once \
  --at 2025-04-01T00:00:00Z --log "$url" --log-key "$tmp/log.pub" --hook "$h/10-rec" --quiet
expect_grep '\|notice\|' "$tmp/rec.log"
expect_no_grep '.' "$tmp/err"
expect_status 0 "$CAGUARD" --store "$tmp/t.db" incident list
expect_no_grep 'auto:' "$tmp/out"
stop_server

# Bad alert options: exit 2 before anything is read.
B=("$CAGUARD" monitor --store "$tmp/u.db" --all-issuers --once --log http://127.0.0.1:1
   --log-key "$tmp/log.pub")
expect_status 2 "${B[@]}" --hook "$tmp/no-such-hook"
expect_grep 'hook .*no-such-hook.* is not an executable' "$tmp/err"
expect_status 2 "${B[@]}" --hook "$h/40-noexec"
expect_status 2 "${B[@]}" --hooks-dir "$tmp/solo"
expect_grep 'not a directory' "$tmp/err"
expect_status 2 "${B[@]}" --alert-jsonl "$tmp/no/such/dir/a.jsonl"
expect_status 2 "${B[@]}" --mail-to ca-team@ca.example --sendmail "$tmp/no-sendmail"
expect_status 2 "${B[@]}" --sendmail "$tmp/sendmail"
expect_status 2 "${B[@]}" --incidents maybe
expect_status 2 "${B[@]}" --hook-timeout 0
expect_status 2 "${B[@]}" --alert-min-severity fatal
[ ! -e "$tmp/u.db" ] && pass_ || fail_ "a bad alert option created the store"

finish
