#!/usr/bin/env bash
# No command prints a password. A PostgreSQL server of the test's own with
# password (SCRAM) authentication; a known password; every command run with
# it in the store URI (well formed, wrong, malformed in each way libpq
# quotes), and the monitor with it also in a CT log URL and a CRL URL
# (userinfo), with alerts to a JSON Lines file and a hook. Every output and
# every file written (the dashboard, the reports, the alerts, the hook's
# environment) is grepped for the password, as written and percent-
# decoded. The commands must also do their work: the outcomes are checked.
# The password reaches libpq by its own means too: a password file, a
# service file, PGPASSWORD (docs/store.md, "The PostgreSQL password").
# caguard demo takes no store (its own SQLite store in --out), so it is not
# run here.
. "$(dirname "$0")/lib.sh"
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "SKIPPED: no PostgreSQL server binaries (Debian's postgresql; scripts/install-deps --test)"
  exit 77
fi
PW='Cg19-s3cret-Pw'
# A second secret for the URL userinfo of logs and CRLs, with characters
# that must be percent-encoded; its decoded form must not show either.
PW2_ENC='Ur1%40pass%2Fw0rd'
PW2_DEC='Ur1@pass/w0rd'
# Its own directory in /tmp: the server runs as nobody when the test is root,
# and cannot enter $tmp (mode 0700).
pg=$(mktemp -d /tmp/caguard-secrets-pg.XXXXXX)
"$CG_SOURCE_DIR/scripts/pg-test-cluster" start "$pg" "$PW" >"$tmp/pg.uri" 2>"$tmp/pg.err" ||
  { fail_ "cannot start PostgreSQL: $(cat "$tmp/pg.err")"; finish; exit 1; }
trap 'stop_servers; "$CG_SOURCE_DIR/scripts/pg-test-cluster" stop "$pg"; rm -rf "$tmp"' EXIT
good="postgresql://caguard:$PW@/caguard?host=$pg"
bare="postgresql:///caguard?host=$pg&user=caguard"
out=$tmp/outputs
mkdir -p "$out"
d=$CG_TEST_DATA
n=0
# run WANT CMD...: CMD's standard output and error kept in $out, its exit
# status checked (WANT "any": not checked, for the failures that are the
# point).
run() {
  local want=$1 got=0
  shift
  n=$((n + 1))
  "$@" >"$out/$n.out" 2>"$out/$n.err" || got=$?
  cp "$out/$n.out" "$tmp/out"
  cp "$out/$n.err" "$tmp/err"
  if [ "$want" = any ] || [ "$got" = "$want" ]; then pass_; else
    fail_ "exit $got, want $want: ${*//$PW/<PW>}"
    sed "s/^/  err: /" "$out/$n.err" | head -5 >&2
  fi
}
C=("$CAGUARD" --store "$good")

# ---- every store command, with the password in the URI ----
run 1 "${C[@]}" ingest "$d/sct/ca.pem" "$d/ct3/twopre_a.pem" "$d/ct3/twopre_b.pem"
expect_grep 'ct\.precert\.duplicate|duplicate' "$tmp/out"
run 1 "${C[@]}" ingest --format json "$d/ct3/validity_pre.pem" "$d/ct3/validity_final.pem"
run 1 "${C[@]}" findings
run 1 "${C[@]}" findings --format json
expect_grep '"rule"' "$tmp/out"
id=$(sed -n 's/.*"id":"\{0,1\}\([0-9][0-9]*\).*/\1/p' "$tmp/out" | head -1)
run 0 "${C[@]}" findings resolve "$id"
run 0 "${C[@]}" incident open --kind misissuance --reported-at 2025-01-01T00:00:00Z \
  --title "secrets test" "$d/ct3/validity_final.pem"
inc=$(head -1 "$tmp/out")
run 0 "${C[@]}" incident event "$inc" --type preliminary-report --at 2025-01-02T00:00:00Z
run 0 "${C[@]}" incident list
run 0 "${C[@]}" incident show "$inc"
run any "${C[@]}" incident status --format json
run 0 "${C[@]}" incident report "$inc" --at 2025-01-03T00:00:00Z --appendix-csv "$tmp/appendix.csv"
run 1 "${C[@]}" report --html "$tmp/site"
[ -f "$tmp/site/index.html" ] && pass_ || fail_ "no dashboard written"
expect_grep 'postgresql://caguard:\*\*\*@/caguard' "$tmp/site/index.html"
# The store named by the environment and by --store after the command.
run 1 env CAGUARD_STORE="$good" "$CAGUARD" findings
run 1 "$CAGUARD" findings --store "$good"

# ---- the monitor: a CT log and a CRL URL with credentials, alerts ----
logdir=$tmp/log
build_seed_log "$logdir"
start_server "$logdir"
logurl=${url/http:\/\//http://ctuser:$PW2_ENC@}
crlurl="http://crluser:$PW2_ENC@127.0.0.1:1/ca.crl"
cat >"$tmp/hook" <<EOF
#!/bin/sh
env >"$tmp/hook-env.\$\$"
cat >"$tmp/hook-stdin.\$\$"
EOF
chmod +x "$tmp/hook"
run 2 "${C[@]}" monitor --log "$logurl" --log-key "$tmp/log.pub" --issuer "$d/sct/ca.pem" \
  --crl-url "$crlurl" --once --alert-jsonl "$tmp/alerts.jsonl" --hook "$tmp/hook" \
  --format json
expect_grep 'ct\.' "$tmp/out"
expect_grep 'ctuser:\*\*\*@127\.0\.0\.1' "$tmp/err"
[ -s "$tmp/alerts.jsonl" ] && pass_ || fail_ "no alert written"
ls "$tmp"/hook-env.* >/dev/null 2>&1 && pass_ || fail_ "the hook did not run"
run 0 "${C[@]}" status
expect_grep 'crluser:\*\*\*@127\.0\.0\.1:1/ca\.crl' "$tmp/out"
expect_grep 'ctuser:\*\*\*@127\.0\.0\.1' "$tmp/out"
run 0 "${C[@]}" status --format json
run any "${C[@]}" status --check
# What the store now holds names the log's URL (the file of its entries'
# findings): the listings and the dashboard show it without the password.
run 1 "${C[@]}" findings
expect_grep 'ctuser:\*\*\*@127\.0\.0\.1' "$tmp/out"
run 1 "${C[@]}" findings --format json
run 1 "${C[@]}" report --html "$tmp/site2"
expect_grep 'ctuser:\*\*\*@127\.0\.0\.1' "$tmp/site2/index.html"
# The same monitor from a config file naming the store.
cat >"$tmp/mon.ini" <<EOF
[monitor]
store = $good
[issuer ca]
cert = $d/sct/ca.pem
crl_url = $crlurl
EOF
run 2 "$CAGUARD" monitor --config "$tmp/mon.ini" --once
expect_grep 'crluser:\*\*\*@' "$tmp/err"
# Usage errors that echo a URL.
run 2 "${C[@]}" monitor --log "$logurl" --issuer "$d/sct/ca.pem" --once
run 2 "${C[@]}" monitor --issuer "$d/sct/ca.pem" --crl-url "ftp://u:$PW2_ENC@h/x.crl" --once
stop_server

# ---- a wrong password, and malformed URIs: libpq's messages ----
for uri in \
  "postgresql://caguard:wrong-$PW@/caguard?host=$pg" \
  "postgresql://caguard:$PW@[::1/caguard" \
  "postgresql://caguard:$PW@/caguard?host=$pg&port=x$PW" \
  "postgresql://caguard:${PW}%zz@/caguard?host=$pg" \
  "postgresql://caguard:$PW%00@/caguard?host=$pg" \
  "postgresql://caguard:$PW@127.0.0.1:1/caguard" \
  "postgresql://caguard:$PW@/caguard?host=$pg&$PW=1" \
  "postgresql:///caguard?host=$pg&user=caguard&password=$PW&sslmode=x" \
  "postgresql:caguard:$PW@localhost/caguard" \
  "postgres://caguard:$PW@/nodb?host=$pg" \
  "postgresq://caguard:$PW@/caguard"; do
  for cmd in findings status report ingest monitor; do
    case $cmd in
    report) args=(report --html "$tmp/badsite") ;;
    ingest) args=(ingest "$d/sct/ca.pem") ;;
    monitor) args=(monitor --issuer "$d/sct/ca.pem" --crl-url "http://127.0.0.1:1/x.crl" --once) ;;
    *) args=("$cmd") ;;
    esac
    run 2 "$CAGUARD" --store "$uri" "${args[@]}"
    [ -s "$tmp/err" ] && pass_ || fail_ "no message for a bad store ($cmd)"
  done
  run 2 "$CAGUARD" --store "$uri" incident list
  run 3 "$CAGUARD" --store "$uri" status --check
done

# ---- libpq's own means: the password reaches the server without the URI ----
printf '%s:5432:caguard:caguard:%s\n' "$pg" "$PW" >"$tmp/pgpass"
chmod 600 "$tmp/pgpass"
run 1 env PGPASSFILE="$tmp/pgpass" "$CAGUARD" --store "$bare" findings
printf '[cgtest]\nhost=%s\ndbname=caguard\nuser=caguard\npassword=%s\n' "$pg" "$PW" \
  >"$tmp/pg_service.conf"
run 1 env PGSERVICEFILE="$tmp/pg_service.conf" "$CAGUARD" --store "postgresql:///?service=cgtest" \
  findings
run 1 env PGPASSWORD="$PW" "$CAGUARD" --store "$bare" findings
# and without any, refused with libpq's reason
run 2 env -u PGPASSWORD "$CAGUARD" --store "$bare" findings
expect_grep 'no password supplied|password authentication failed' "$tmp/err"

# ---- nothing printed or written holds a password ----
grep -rlF -e "$PW" -e "$PW2_ENC" -e "$PW2_DEC" "$out" "$tmp"/site "$tmp"/site2 "$tmp"/*.jsonl \
  "$tmp"/hook-* "$tmp"/appendix.csv >"$tmp/leaks" 2>/dev/null
if [ -s "$tmp/leaks" ]; then
  fail_ "a password is in: $(tr '\n' ' ' <"$tmp/leaks")"
  grep -rhF -e "$PW" -e "$PW2_ENC" -e "$PW2_DEC" $(cat "$tmp/leaks") | head -5 |
    sed "s/^/  leak: /" >&2
else
  pass_
fi
echo "$n commands run"
finish
