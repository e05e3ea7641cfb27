#!/usr/bin/env bash
# caguard monitor --loglist-reload: a reloaded CT log list compared with the
# last copy in the store (ct.loglist.changed per log changed, added or
# removed; nothing when unchanged; ct.loglist.signature_invalid and the old
# copy kept when the signature fails), and a followed log whose URL moved in
# the list followed at its new URL from its stored position.
. "$(dirname "$0")/lib.sh"
TL=$CG_BUILD_DIR/caguard-testlog
d=$CG_TEST_DATA/loglist_diff
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

expect_status 0 "$CAGUARD" monitor --help
expect_grep 'loglist-reload S reload' "$tmp/out"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --store "$tmp/x.db" --loglist-reload 60
expect_grep 'needs a --loglist' "$tmp/err"
expect_status 2 "$CAGUARD" monitor --once --all-issuers --store "$tmp/x.db" --loglist "$d/list_a.json" \
  --loglist-reload 0
expect_grep 'takes 1 to 2592000 seconds' "$tmp/err"

# ---- the comparison ----
db=$tmp/s.db
# --no-follow-loglist: these lists name logs at addresses nobody serves;
# only their changes are wanted.
R=("$CAGUARD" monitor --once --all-issuers --store "$db" --loglist "$tmp/list.json" --loglist-reload 60
   --no-follow-loglist)
cp "$d/list_a.json" "$tmp/list.json"
expect_status 0 "${R[@]}" --format json
[ ! -s "$tmp/out" ] && pass_ || fail_ "first load reported: $(cat "$tmp/out")"
expect_grep 'kept as the reference' "$tmp/err"
cp "$d/list_b.json" "$tmp/list.json"
expect_status 0 "${R[@]}" --format json
[ "$(grep -c '"rule":"ct.loglist.changed"' "$tmp/out")" = 5 ] && pass_ ||
  fail_ "want 5 ct.loglist.changed: $(cat "$tmp/out")"
expect_grep "'Alpha'.*URL changed from https://alpha.ct.example.invalid/ to https://alpha2.ct.example.invalid/" "$tmp/out"
expect_grep "'Beta'.*state changed from usable .* to retired" "$tmp/out"
expect_grep "'Delta'.*key changed" "$tmp/out"
expect_grep "'Theta'.* added" "$tmp/out"
expect_grep "'Gamma'.* removed" "$tmp/out"
# Stored, about the log (its ID), once.
expect_status 0 "$CAGUARD" --store "$db" findings --rule ct.loglist.changed --format json
[ "$(grep -c . "$tmp/out")" = 5 ] && pass_ || fail_ "want 5 stored findings"
expect_grep '"log":"E8mCU5LevB1D3woItr4itYQqfuL1YpNV3VXH7PBgt/Q="' "$tmp/out"
# The same list again: nothing new.
expect_status 0 "${R[@]}" --format json
[ ! -s "$tmp/out" ] && pass_ || fail_ "unchanged list reported: $(cat "$tmp/out")"

# ---- signatures ----
sdb=$tmp/sig.db
key=$CG_TEST_DATA/ct3/loglist_signer.pub.pem
[ -f "$key" ] || key=$(ls "$CG_TEST_DATA"/ct3/loglist_signer*pub* 2>/dev/null | head -1)
S=("$CAGUARD" monitor --once --all-issuers --store "$sdb" --loglist "$tmp/list.json" --loglist-sig "$tmp/list.sig"
   --loglist-key "$key" --loglist-reload 60 --format json --no-follow-loglist)
cp "$d/list_b.json" "$tmp/list.json"
cp "$d/list_b.json.sig" "$tmp/list.sig"
expect_status 0 "${S[@]}"
expect_grep 'kept as the reference' "$tmp/err"
# list_a with list_b's signature: refused at the start (exit 1, the
# signature finding); list_b stays the reference.
cp "$d/list_a.json" "$tmp/list.json"
expect_status 1 "${S[@]}"
expect_grep '"rule":"ct.loglist.signature_invalid"' "$tmp/out"
expect_no_grep 'ct.loglist.changed' "$tmp/out"
cp "$d/list_b.json" "$tmp/list.json"
expect_status 0 "${S[@]}"
[ ! -s "$tmp/out" ] && pass_ || fail_ "list_b again reported: $(cat "$tmp/out")"

# ---- a list served over HTTP (caguard-testlog serve --files) ----
if [ -x "$TL" ]; then
  mkdir -p "$tmp/files"
  cp "$d/list_a.json" "$tmp/files/list.json"
  "$TL" serve --files "$tmp/files" --listen 127.0.0.1:0 \
    >"$tmp/files.out" 2>"$tmp/files.err" &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^listening on ' "$tmp/files.out" && break; sleep 0.05; done
  lurl=http://$(sed -n '1s/^listening on //p' "$tmp/files.out")/files/list.json
  U=("$CAGUARD" monitor --once --all-issuers --store "$tmp/url.db" --loglist "$lurl"
     --loglist-reload 60 --format json --no-follow-loglist)
  expect_status 0 "${U[@]}"
  expect_grep 'kept as the reference' "$tmp/err"
  cp "$d/list_b.json" "$tmp/files/list.json"
  expect_status 0 "${U[@]}"
  [ "$(grep -c '"rule":"ct.loglist.changed"' "$tmp/out")" = 5 ] && pass_ ||
    fail_ "URL list: want 5 ct.loglist.changed: $(cat "$tmp/out") $(cat "$tmp/err")"
  expect_status 2 "$CAGUARD" monitor --once --all-issuers --store "$tmp/url.db" \
    --loglist "${lurl%list.json}missing.json" --loglist-reload 60
  expect_grep 'missing\.json' "$tmp/err"
fi

# ---- following a moved log ----
if [ ! -x "$TL" ]; then
  echo "no caguard-testlog; the follow part skipped"
  finish
fi
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/log.key" 2>/dev/null
openssl pkey -in "$tmp/log.key" -pubout -out "$tmp/log.pub"
openssl pkey -in "$tmp/log.key" -pubout -outform DER -out "$tmp/log.der"
c3=$CG_TEST_DATA/ct3
"$TL" build --dir "$tmp/log" --key "$tmp/log.key" "$CG_TEST_DATA/sct/ca.pem" \
  "$c3/clean_pre.pem" "$c3/clean_final.pem" >"$tmp/build.out" 2>&1 || fail_ "build failed"
serve() { # serve OUTFILE: starts a server, prints its URL
  "$TL" serve --dir "$tmp/log" --listen 127.0.0.1:0 >"$1" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 200); do grep -q '^listening on ' "$1" && break; sleep 0.05; done
}
serve "$tmp/s1.out"
p1=${pids[-1]}
url1=http://$(sed -n '1s/^listening on //p' "$tmp/s1.out")/
k64=$(base64 -w0 <"$tmp/log.der")
id64=$(openssl dgst -sha256 -binary <"$tmp/log.der" | base64 -w0)
mklist() { # mklist URL FILE
  printf '{"version":"1","log_list_timestamp":"2025-01-01T00:00:00Z","operators":[{"name":"Test","email":[],"logs":[{"description":"moving log","log_id":"%s","key":"%s","url":"%s","mmd":86400,"state":{"usable":{"timestamp":"2024-01-01T00:00:00Z"}}}]}]}\n' \
    "$id64" "$k64" "$1" >"$2"
}
mklist "$url1" "$tmp/move.json"
fdb=$tmp/follow.db
F=("$CAGUARD" monitor --once --store "$fdb" --issuer "$CG_TEST_DATA/sct/ca.pem" --log "$url1"
   --log-key "$tmp/log.pub" --loglist "$tmp/move.json" --loglist-reload 60 --at 2025-04-01T00:00:00Z)
expect_status 0 "${F[@]}"
expect_status 0 "$CAGUARD" --store "$fdb" status --format json
expect_grep '"position": *2,' "$tmp/out"
# The log moves: the old address goes away, the list names the new one.
kill "$p1"; wait "$p1" 2>/dev/null
serve "$tmp/s2.out"
url2=http://$(sed -n '1s/^listening on //p' "$tmp/s2.out")/
mklist "$url2" "$tmp/move.json"
expect_status 0 "${F[@]}" --format json
expect_grep '"rule":"ct.loglist.changed".*URL changed' "$tmp/out"
expect_grep 'moved: followed at' "$tmp/err"
expect_status 0 "$CAGUARD" --store "$fdb" status --format json
expect_grep "\"url\": *\"${url2%/}/?\"" "$tmp/out"
expect_grep '"position": *2,' "$tmp/out"
finish
