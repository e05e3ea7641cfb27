#!/usr/bin/env bash
# caguard demo, twice into the same directory of the build tree: each run
# exits 0, its store holds a finding of every seed mistake's rule, the
# clean certificates have no error finding, the directory is replaced as a
# whole (fresh keys) with nothing left beside it, and no server outlives
# the demo. Then: a directory that is not the demo's is refused untouched,
# and --keep-serving serves until SIGINT and leaves nothing running.
# The run time is printed by the demo; it is not asserted here
# (docs/performance.md is the place for speed).
. "$(dirname "$0")/lib.sh"
out=$(cd "$CG_BUILD_DIR" && pwd)/demo-test
suffix=
[ "${CG_SANITIZED:-0}" = 1 ] && suffix=-asan
out=$out$suffix

if [ ! -x "$CG_BUILD_DIR/caguard-testlog" ]; then
  echo "no caguard-testlog in $CG_BUILD_DIR; skipped"
  exit 0
fi

# Processes whose current directory is $1 (the demo's servers run there).
procs_in() {
  find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$1" -o -lname "$1/*" -o -lname "$1.new-*" \) \
    2>/dev/null | cut -d/ -f3
}

seed_rules=(ct.precert.sct_list_present ct.precert.duplicate_serial ct.pair.validity_mismatch
            crl.issuer_name_not_byte_identical revocation.deadline_missed
            revocation.reason_incorrect ct.loglist.changed)

check_run() {
  local n=$1
  expect_status 0 "$CAGUARD" demo --out "$out"
  cp "$tmp/out" "$tmp/demo$n.out"
  expect_grep '^demo run time: [0-9.]+ s$' "$tmp/demo$n.out"
  grep '^demo run time' "$tmp/demo$n.out"
  expect_no_grep 'NOT CAUGHT|unexpected' "$tmp/demo$n.out"
  expect_status 1 "$CAGUARD" --store "$out/caguard.db" findings --format json
  cp "$tmp/out" "$tmp/f$n.json"
  for r in "${seed_rules[@]}"; do
    expect_grep "\"rule\": *\"${r//./\\.}\"" "$tmp/f$n.json"
  done
  # Every finding of the store is a seed mistake's, or follows from one
  # (an SCT issued for the other precertificate, the CT policies it then
  # fails, the incidents' reports and deadlines), or a notice.
  python3 - "$tmp/f$n.json" <<'EOF' || fail_ "findings outside the story in run $n"
import json, sys
allowed = {"ct.precert.sct_list_present", "ct.precert.duplicate_serial",
           "ct.pair.validity_mismatch", "crl.issuer_name_not_byte_identical",
           "revocation.deadline_missed", "revocation.reason_incorrect",
           "revocation.deadline_approaching", "ct.sct.signature_invalid",
           "ct.policy.chrome_unsatisfied", "ct.policy.apple_unsatisfied",
           "ct.policy.mozilla_unsatisfied", "incident.preliminary_report_overdue",
           "incident.full_report_overdue", "incident.update_overdue",
           "incident.update_missed",
           "ct.loglist.changed"}
bad = [f for f in map(json.loads, open(sys.argv[1]))
       if f["severity"] != "notice" and f["rule"] not in allowed]
for f in bad:
    print("unexpected:", f["rule"], f.get("file"), f["message"][:200], file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  # The clean certificates and precertificates: no error finding on any.
  python3 - "$tmp/f$n.json" "$out"/certs/clean-*.pem <<'EOF' || fail_ "error findings on clean certificates in run $n"
import base64, hashlib, json, re, sys
clean = set()
for path in sys.argv[2:]:
    for b64 in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END", open(path).read(), re.S):
        clean.add(hashlib.sha256(base64.b64decode(b64)).hexdigest())
if len(clean) < 24:
    print("want 24 clean objects, have", len(clean), file=sys.stderr)
    sys.exit(1)
bad = [f for f in map(json.loads, open(sys.argv[1]))
       if f["severity"] == "error" and f.get("object") in clean]
for f in bad:
    print("clean object with an error:", f["rule"], f["message"][:200], file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  # Three incidents with their CCADB drafts (preliminary, full, appendix):
  # the fields only the CA can answer carry the fill-in marker.
  for i in 1 2 3; do
    [ -s "$out/reports/incident-$i.md" ] && [ -s "$out/reports/incident-$i.csv" ] &&
      [ -s "$out/reports/incident-$i-preliminary.md" ] && pass_ ||
      fail_ "no report draft for incident $i"
    [ -s "$out/dashboard/incident-$i.html" ] && pass_ || fail_ "no dashboard page for incident $i"
  done
  expect_grep 'revocation\.deadline_missed' "$out/dashboard/index.html"
  # The CRLs came through the monitor's CRL watcher, fetched over HTTP.
  expect_grep 'CRL http://127\.0\.0\.1:[0-9]+/files/ca\.crl: new CRL' "$out/run.log"
  expect_status 0 "$CAGUARD" --store "$out/caguard.db" incident list
  [ "$(wc -l <"$tmp/out")" = 3 ] && pass_ || fail_ "want 3 incidents: $(cat "$tmp/out")"
  # Nothing beside the directory, no process left in it.
  ls -d "$out".new-* "$out".old-* >/dev/null 2>&1 && fail_ "leftover beside $out" || pass_
  [ -z "$(procs_in "$out")" ] && pass_ || fail_ "processes left in $out: $(procs_in "$out")"
}

rm -rf "$out"
check_run 1
cp "$out/pki/root.pem" "$tmp/root1.pem"
check_run 2
cmp -s "$tmp/root1.pem" "$out/pki/root.pem" && fail_ "second run kept the first run's root" ||
  pass_

# Not a demo directory: refused, left as it was.
mkdir -p "$tmp/mine"
echo keep >"$tmp/mine/file"
expect_status 2 "$CAGUARD" demo --out "$tmp/mine"
expect_grep 'not a caguard demo directory' "$tmp/err"
[ "$(cat "$tmp/mine/file")" = keep ] && [ "$(ls "$tmp/mine")" = file ] && pass_ ||
  fail_ "--out of another directory touched it"
expect_status 2 "$CAGUARD" demo --bogus
expect_status 0 "$CAGUARD" demo --help
expect_grep '^usage: caguard demo' "$tmp/out"

# --keep-serving: the logs answer until SIGINT, then everything stops.
"$CAGUARD" demo --out "$out" --keep-serving >"$tmp/keep.out" 2>"$tmp/keep.err" &
dpid=$!
for _ in $(seq 1200); do
  grep -q '^serving until Ctrl-C' "$tmp/keep.out" && break
  kill -0 "$dpid" 2>/dev/null || break
  sleep 0.1
done
expect_grep '^serving until Ctrl-C' "$tmp/keep.out"
url=$(sed -n 's/^serving until Ctrl-C: log A \(http:[^ ]*\) .*/\1/p' "$tmp/keep.out")
crls=$(sed -n 's/^serving until Ctrl-C: .* CRLs \(http:[^ ]*\) .*/\1/p' "$tmp/keep.out")
if curl -sf "${url}ct/v1/get-sth" >"$tmp/sth.json"; then pass_; else fail_ "log A not served at $url"; fi
expect_grep '"tree_size"' "$tmp/sth.json"
if curl -sf "${crls}ca.crl" -o "$tmp/ca.crl"; then pass_; else fail_ "no CRL at ${crls}ca.crl"; fi
openssl crl -inform DER -in "$tmp/ca.crl" -noout 2>/dev/null && pass_ || fail_ "ca.crl is not a CRL"
kill -INT "$dpid"
wait "$dpid"
sleep 0.2
[ -z "$(procs_in "$out")" ] && pass_ || fail_ "processes left after SIGINT: $(procs_in "$out")"
curl -sf "${url}ct/v1/get-sth" >/dev/null 2>&1 && fail_ "log A still served after SIGINT" || pass_
finish
