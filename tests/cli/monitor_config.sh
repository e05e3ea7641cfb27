#!/usr/bin/env bash
# caguard monitor --config FILE against caguard-testlog on loopback: a
# config naming the store, the log, the issuer and the log list gives the
# same findings as the flags; flags override the file; a bad file is
# refused with FILE:LINE and exit status 2, before anything is written.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

if [ ! -x "$TL" ]; then
  echo "no $TL: build the whole tree" >&2
  exit 1
fi

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
openssl pkey -in "$tmp/log.key" -pubout -out "$tmp/log.pub"
c3=$d/ct3
"$TL" build --dir "$tmp/log" --key "$tmp/log.key" "$d/sct/ca.pem" \
  "$c3/clean_pre.pem" "$c3/clean_final.pem" \
  "$c3/twopre_a.pem" "$c3/twopre_b.pem" "$c3/twopre_final.pem" \
  "$c3/validity_pre.pem" "$c3/validity_final.pem" >"$tmp/build.out" 2>&1 ||
  fail_ "build: $(cat "$tmp/build.out")"
start_server "$tmp/log"

# The config lives in its own directory; its paths are relative to it.
mkdir -p "$tmp/etc/keys" "$tmp/etc/ca"
cp "$tmp/log.pub" "$tmp/etc/keys/test.pub"
cp "$d/sct/ca.pem" "$tmp/etc/ca/ca.pem"
cp "$c3/loglist.json" "$tmp/etc/loglist.json"
cat >"$tmp/etc/monitor.ini" <<INI
; the test log and the seed CA
[monitor]
store = state.db
format = json
batch = 3
parallel = 2

[log testlog]
url = $url
key = keys/test.pub
mmd = 60

[issuer seed-ca]
cert = ca/ca.pem

[loglist]
source = loglist.json
INI

cd "$tmp"
expect_status 1 "$CAGUARD" monitor --config etc/monitor.ini --at 2025-04-01T00:00:00Z --once
cp "$tmp/out" "$tmp/cfg.out"
# JSON Lines from format = json, into etc/state.db (relative to the file)
expect_grep '"rule":"ct.precert.duplicate_serial"' "$tmp/cfg.out"
expect_grep '"rule":"ct.pair.validity_mismatch"' "$tmp/cfg.out"
expect_no_grep '^[^{]' "$tmp/cfg.out"
expect_grep 'testlog: .*7 of 7.* 7 kept, 0 malformed' "$tmp/err"
[ -s "$tmp/etc/state.db" ] && pass_ || fail_ "no store etc/state.db"
[ -e "$tmp/state.db" ] && fail_ "a store in the current directory" || pass_

# The same with flags, into another store: the same findings.
expect_status 1 "$CAGUARD" monitor --store "$tmp/flags.db" --format json --issuer "$d/sct/ca.pem" \
  --loglist "$c3/loglist.json" --log "$url" --log-key "$tmp/log.pub" \
  --at 2025-04-01T00:00:00Z --once
sed 's/"file":"[^"]*"//' "$tmp/out" | sort >"$tmp/flags.sorted"
sed 's/"file":"[^"]*"//' "$tmp/cfg.out" | sort >"$tmp/cfg.sorted"
if cmp -s "$tmp/flags.sorted" "$tmp/cfg.sorted"; then pass_; else
  fail_ "config and flags differ"; diff "$tmp/flags.sorted" "$tmp/cfg.sorted" | head >&2
fi

# Flags override the file: --store, --format, --quiet.
expect_status 1 "$CAGUARD" monitor --config etc/monitor.ini --store "$tmp/other.db" \
  --format text --quiet --at 2025-04-01T00:00:00Z --once
expect_grep 'error +ct\.precert\.duplicate_serial' "$tmp/out"
expect_no_grep '.' "$tmp/err"
[ -s "$tmp/other.db" ] && pass_ || fail_ "--store did not override the file's store"
# ... and so does caguard --store before the command; the file's store is untouched.
cp "$tmp/etc/state.db" "$tmp/state.before"
expect_status 1 "$CAGUARD" --store "$tmp/global.db" monitor --config=etc/monitor.ini --quiet \
  --at 2025-04-01T00:00:00Z --once
[ -s "$tmp/global.db" ] && pass_ || fail_ "global --store did not override the file's store"
# Again into the file's store: nothing new.
expect_status 0 "$CAGUARD" monitor --config etc/monitor.ini --at 2025-04-01T00:00:00Z --once
expect_no_grep '.' "$tmp/out"

# Bad files: FILE:LINE, exit 2, no store created.
bad() { # bad LINE MESSAGE: the config in $tmp/bad.ini must fail so
  rm -f "$tmp/bad.db"
  expect_status 2 "$CAGUARD" monitor --config "$tmp/bad.ini" --store "$tmp/bad.db" \
    --all-issuers --once
  expect_grep "bad\.ini:$1: $2" "$tmp/err"
  [ -e "$tmp/bad.db" ] && fail_ "a store was created for a bad config" || pass_
}
printf '[monitor]\nbatch = lots\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] batch: 'lots' is not a whole number"
printf '[monitor]\nparallel = 0\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] parallel: 0 is out of range \(1 to 256\)"
printf '[monitor]\nround_workers = 257\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] round_workers: 257 is out of range \(1 to 256\)"
expect_status 2 "$CAGUARD" monitor --store "$tmp/bad.db" --all-issuers --once --round-workers 0
expect_grep "^caguard monitor: --round-workers takes 1 to 256 logs" "$tmp/err"
printf '[monitor]\nquiet = sometimes\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] quiet: 'sometimes' is not a boolean"
printf '[monitor]\nformat = xml\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] format: 'xml' is not one of text or json"
printf '[monitors]\n' >"$tmp/bad.ini"
bad 1 "unknown section \[monitors\]"
printf '[monitor]\npoll = 1\n' >"$tmp/bad.ini"
bad 2 "\[monitor\] unknown key 'poll'"
printf '\n[log a]\nkey = %s\n' "$tmp/log.pub" >"$tmp/bad.ini"
bad 2 "\[log a\]: no url \(required\)"
printf '[log a]\nurl = %s\nkey = %s\n' "$url" "$d/sct/ca.pem" >"$tmp/bad.ini"
bad 1 "\[log a\] key: .*not a public key"
# A log list from a URL that does not answer: exit 2 naming it, no store.
printf '[loglist]\nsource = http://127.0.0.1:1/list.json\n' >"$tmp/bad.ini"
rm -f "$tmp/bad.db"
expect_status 2 "$CAGUARD" monitor --config "$tmp/bad.ini" --store "$tmp/bad.db" --all-issuers \
  --once
expect_grep "--loglist: .*http://127\.0\.0\.1:1/list\.json" "$tmp/err"
[ -e "$tmp/bad.db" ] && fail_ "a store was created for a bad log list" || pass_
expect_status 2 "$CAGUARD" monitor --config "$tmp/none.ini" --once
expect_grep "none\.ini: cannot open" "$tmp/err"
expect_status 2 "$CAGUARD" monitor --config "$tmp/bad.ini" --config "$tmp/bad.ini" --once
expect_grep "config given twice" "$tmp/err"
expect_status 2 "$CAGUARD" monitor --once --config
expect_grep "config needs a FILE" "$tmp/err"
# [monitor] shared, worker_id, lease_seconds are --shared, --worker-id,
# --lease-seconds: refused on an SQLite store, before anything is created.
printf '[monitor]\nshared = true\nworker_id = w1\nlease_seconds = 30\nall_issuers = true\n' \
  >"$tmp/shared.ini"
rm -f "$tmp/bad.db"
expect_status 2 "$CAGUARD" monitor --config "$tmp/shared.ini" --store "$tmp/bad.db" --once \
  --log http://127.0.0.1:1/ --log-key "$tmp/log.pub"
expect_grep "shared needs a PostgreSQL store" "$tmp/err"
[ -e "$tmp/bad.db" ] && fail_ "a store was created for --shared on SQLite" || pass_
expect_status 0 "$CAGUARD" monitor --help
expect_grep '[-]-config FILE' "$tmp/out"
expect_grep '[-]-shared' "$tmp/out"
expect_grep '[-]-lease-seconds S' "$tmp/out"
finish
