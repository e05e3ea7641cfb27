#!/usr/bin/env bash
# caguard monitor's CRL watcher against caguard-testlog serve --files on
# loopback, with CRLs made now (tests/cli/crlwatch_gen.py): a CRL that
# rotates (new entries first seen at the fetch time; an open incident picks
# the revocation up), answers 304 (nothing ingested, last fetch moved),
# shrinks (revocation.removed_before_expiry), goes stale (crl.stale), grows
# over --crl-max-size (an error, nothing stored), is truncated
# (input.malformed, the next URL still fetched); a partitioned list; CRL
# distribution points of stored certificates; redirects within and over the
# limit; usage errors. The server is always stopped.
. "$(dirname "$0")/lib.sh"
if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
  echo "no python3-cryptography; skipped"
  exit 0
fi

www=$tmp/www
mkdir "$www"
start_server --files "$www"
/usr/bin/python3 "$(dirname "$0")/crlwatch_gen.py" "$tmp" "$url"
db=$tmp/s.db
sq() { sqlite3 "$db" "$1"; }
# publish SRC NAME: replaces www/NAME at once, as a CA's publisher would
publish() { cp "$1" "$www/.$2.tmp" && mv "$www/.$2.tmp" "$www/$2"; }
mon() { "$CAGUARD" --store "$db" monitor --issuer "$tmp/ca1.pem" --crl-url "$url/files/main.crl" "$@" --once; }

expect_status 0 "$CAGUARD" --store "$db" ingest "$tmp/ca1.pem" "$tmp/leaves1.pem" "$tmp/ca2.pem" \
  "$tmp/leaf2.pem"
# an incident about the three leaves, reported an hour ago
expect_status 0 "$CAGUARD" --store "$db" incident open --kind key-compromise \
  --reported-at "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$tmp/leaves1.pem"
inc=$(head -1 "$tmp/out")

# --- a new CRL: its entry first seen at the fetch time ---
publish "$tmp/main1.crl" main.crl
t0=$(date +%s)
expect_status 0 mon
t1=$(date +%s)
expect_grep "crl $url/files/main.crl: new CRL: thisUpdate .*, 1 entry" "$tmp/err"
seen=$(sq "SELECT e.first_seen FROM crl_entries e WHERE e.serial = x'5CA90A2DE7B14C3F00000101'")
if [ -n "$seen" ] && [ "$seen" -ge "$t0" ] && [ "$seen" -le "$t1" ]; then pass_; else
  fail_ "0x101 first seen at '$seen', not in [$t0, $t1]"; fi
expect_grep '^1\|200\|200 new CRL\|1\|0$' <(sq "SELECT is_list = 0, http_code, status, entries, failures FROM crl_sources")
objects=$(sq "SELECT count(*) FROM objects")

# --- unchanged: 304, nothing ingested, the fetch recorded ---
sleep 1
expect_status 0 mon
expect_grep '^304\|304 not modified$' <(sq "SELECT http_code, status FROM crl_sources")
[ "$(sq "SELECT count(*) FROM objects")" = "$objects" ] && pass_ || fail_ "a 304 stored objects"
last=$(sq "SELECT last_fetch FROM crl_sources")
[ "$last" -gt "$t1" ] || [ "$last" -ge "$(( t1 ))" ] && pass_ || fail_ "last_fetch $last not moved"
expect_no_grep 'new CRL' "$tmp/err"

# --- rotation: 0x102 first seen now; the incident's certificate row says so ---
publish "$tmp/main2.crl" main.crl
t0=$(date +%s)
expect_status 0 mon
t1=$(date +%s)
seen=$(sq "SELECT first_seen FROM crl_entries WHERE serial = x'5CA90A2DE7B14C3F00000102'")
if [ -n "$seen" ] && [ "$seen" -ge "$t0" ] && [ "$seen" -le "$t1" ]; then pass_; else
  fail_ "0x102 first seen at '$seen', not in [$t0, $t1]"; fi
pub=$(sq "SELECT published_at FROM incident_certs WHERE incident_id = $inc AND serial_hex = '5ca90a2de7b14c3f00000102' AND revoked = 1")
[ "$pub" = "$seen" ] && pass_ || fail_ "incident certificate 0102 published_at '$pub', want '$seen'"
expect_grep "crl: incident $inc: certificate serial 5ca90a2de7b14c3f00000102 first seen revoked on a CRL" "$tmp/err"
expect_status 0 "$CAGUARD" --store "$db" incident show "$inc"

# --- shrink: 0x101 dropped while its certificate is valid ---
publish "$tmp/main3.crl" main.crl
expect_status 1 mon
expect_grep 'revocation\.removed_before_expiry' "$tmp/out"

# --- stale: nextUpdate passes with no newer CRL ---
/usr/bin/python3 "$(dirname "$0")/crlwatch_gen.py" "$tmp" "$url" main4
publish "$tmp/main4.crl" main.crl
expect_status 0 mon
expect_no_grep 'crl\.stale' "$tmp/out"
sleep 4
expect_status 1 mon --format json
expect_grep '"rule":"crl\.stale"' "$tmp/out"
expect_grep "serves none" "$tmp/out"
expect_grep '^304$' <(sq "SELECT http_code FROM crl_sources WHERE url = '$url/files/main.crl'")
# once only
expect_status 0 mon
expect_no_grep 'crl\.stale' "$tmp/out"

# --- too large: an error, nothing stored; the other URL still fetched ---
publish "$tmp/big.crl" big.crl
objects=$(sq "SELECT count(*) FROM objects")
expect_status 2 mon --crl-url "$url/files/big.crl" --crl-max-size 4000
expect_grep "crl $url/files/big.crl: too large: the answer is larger than the limit of 4000 bytes" "$tmp/err"
[ "$(sq "SELECT count(*) FROM objects")" = "$objects" ] && pass_ || fail_ "a too-large CRL stored objects"
expect_grep '^1$' <(sq "SELECT failures FROM crl_sources WHERE url = '$url/files/big.crl'")
expect_grep '^304$' <(sq "SELECT http_code FROM crl_sources WHERE url = '$url/files/main.crl'")
expect_status 0 mon --crl-url "$url/files/big.crl"
expect_grep "new CRL: .*400 entries" "$tmp/err"

# --- truncated: input.malformed; the partitioned list after it is fetched ---
head -c 150 "$tmp/main1.crl" >"$tmp/trunc.crl"
publish "$tmp/trunc.crl" trunc.crl
publish "$tmp/list.json" list.json
publish "$tmp/p1.crl" p1.crl
publish "$tmp/p2.crl" p2.crl
expect_status 2 mon --crl-url "$url/files/trunc.crl" --crl-list-url "$url/files/list.json"
expect_grep 'input\.malformed' "$tmp/out"
expect_grep "crl $url/files/trunc.crl: malformed: 200, but 150 bytes" "$tmp/err"
expect_grep '^list\|1$' <(sq "SELECT origin, entries FROM crl_sources WHERE url = '$url/files/p2.crl'")
expect_grep '^1\|200 list of 2 CRL URLs$' <(sq "SELECT is_list, status FROM crl_sources WHERE url = '$url/files/list.json'")
# a list that is not JSON: an error; the watcher goes on
printf '["%s/files/p1.crl",' "$url" >"$tmp/bad.json"
publish "$tmp/bad.json" list.json
expect_status 2 mon --crl-list-url "$url/files/list.json"
expect_grep "list.json: malformed: not a JSON array of CRL URLs: not JSON" "$tmp/err"

# --- redirects ---
expect_status 0 mon --crl-url "$url/redirect/3/main.crl"
expect_status 2 mon --crl-url "$url/redirect/4/main.crl"
expect_grep "redirect/4/main.crl: too many redirects: more than 3 redirects" "$tmp/err"
expect_status 2 mon --crl-url "$url/redirect/1/main.crl" --crl-max-redirects 0

# --- CRL distribution points of CA 2's stored certificates ---
publish "$tmp/dp2.crl" dp2.crl
expect_status 0 "$CAGUARD" --store "$db" monitor --issuer "$tmp/ca2.pem" --crl-dp --once
expect_grep '^crldp\|200 new CRL\|1$' <(sq "SELECT origin, status, entries FROM crl_sources WHERE url = '$url/files/dp2.crl'")

# --- caguard status: a row per CRL URL ---
expect_status 0 "$CAGUARD" --store "$db" status
expect_grep '^CRLs$' "$tmp/out"
grep -A8 "^$url/files/main.crl\$" "$tmp/out" >"$tmp/row"
expect_grep '^  issuer +.*ca1\.pem \(config\)$' "$tmp/row"
expect_grep '^  last fetch +[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$tmp/row"
expect_grep '^  status +304 not modified$' "$tmp/row"
expect_grep '^  nextUpdate +.*\(stale\)$' "$tmp/row"
expect_grep '^  entries +1$' "$tmp/row"
expect_grep "^$url/files/list.json \(partitioned-CRL list\)$" "$tmp/out"
expect_grep '^  failures +1 in a row$' <(grep -A5 "^$url/files/trunc.crl\$" "$tmp/out")
expect_status 0 "$CAGUARD" --store "$db" status --format json
/usr/bin/python3 - "$tmp/out" "$url" <<'PY' && pass_ || fail_ "status JSON crls"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["url"]: r for r in d["crls"]}
m = rows[sys.argv[2] + "/files/main.crl"]
assert m["kind"] == "crl" and m["origin"] == "config" and m["http_status"] == 304, m
assert m["entries"] == 1 and m["stale"] is True and m["failures"] == 0, m
assert m["this_update"].endswith("Z") and m["last_fetch"].endswith("Z"), m
dp = rows[sys.argv[2] + "/files/dp2.crl"]
assert dp["origin"] == "crldp" and dp["entries"] == 1 and dp["stale"] is False, dp
assert rows[sys.argv[2] + "/files/list.json"]["kind"] == "list"
PY

# --- a dead endpoint: an error, exit 2 ---
expect_status 2 mon --crl-url "http://127.0.0.1:1/x.crl"
expect_grep "x.crl: unreachable" "$tmp/err"

# --- usage ---
expect_status 2 "$CAGUARD" --store "$db" monitor --crl-url "$url/files/main.crl" --issuer "$tmp/ca1.pem" --once
expect_grep 'must follow the --issuer' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" monitor --issuer "$tmp/ca1.pem" --crl-url ftp://x/y.crl --once
expect_grep "is not an http:// or https:// URL" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" monitor --issuer "$tmp/ca1.pem" --crl-dp --crl-max-size 0 --once
expect_status 0 "$CAGUARD" monitor --help
expect_grep 'crl-url URL' "$tmp/out"

# --- the server: 304 by ETag and by date, files replaced are served fresh ---
h=$tmp/h
curl -s -D "$h" -o /dev/null "$url/files/main.crl"
etag=$(sed -n 's/^ETag: //p' "$h" | tr -d '\r')
lm=$(sed -n 's/^Last-Modified: //p' "$h" | tr -d '\r')
expect_grep '^"[0-9a-f]{32}"$' <(echo "$etag")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/files/main.crl")" = 304 ] && pass_ || fail_ "no 304 by ETag"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$url/files/main.crl")" = 304 ] && pass_ || fail_ "no 304 by date"
publish "$tmp/main1.crl" main.crl
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/files/main.crl")" = 200 ] && pass_ || fail_ "a replaced file answered 304"
cmp -s <(curl -s "$url/files/main.crl") "$tmp/main1.crl" && pass_ || fail_ "stale bytes served"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/files/..%2fs.db")" = 404 ] && pass_ || fail_ "a path outside --files"
stop_server
finish
