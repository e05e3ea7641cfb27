#!/usr/bin/env bash
# caguard ingest and caguard findings over an SQLite store: checks across
# ingests, deduplicated findings, CRL entries' first sighting, a process
# killed mid-ingest, and stores that are not ours (refused, untouched).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
list=$d/loglists/crtsh_v3_all_all_logs_list.json
at=2023-06-20T00:00:00Z
py=/usr/bin/python3

# sql DB QUERY: rows of a read-only query, one per line, columns by '|'.
sql() {
  "$py" - "$1" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
}
# sql_write DB SQL...: statements, each committed
sql_write() {
  "$py" - "$@" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for q in sys.argv[2:]:
    c.execute(q)
    c.commit()
PY
}
# holds CMD...: a condition on files, which must not go through expect_status
# (that one writes $tmp/out)
holds() {
  if "$@" >/dev/null 2>&1; then pass_; else fail_ "does not hold (line ${BASH_LINENO[0]}): $*"; fi
}
# state FILE: mtime (ns) and checksum, to tell a file was not touched
state() { stat -c '%y %s' "$1"; md5sum <"$1"; }

for c in ingest findings; do
  expect_status 0 "$CAGUARD" "$c" --help
  expect_grep "^usage: caguard \[--store PATH_OR_URI\] $c" "$tmp/out"
done
expect_status 0 "$CAGUARD" --help
expect_grep 'ingest' "$tmp/out"
expect_grep 'CAGUARD_STORE' "$tmp/out"

# ---- the 2023 incident pair, in two ingests ----
db=$tmp/pair.db
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at --loglist "$list" --format json \
  "$d/le2023/r3.pem" "$d/le2023/bad/precert.pem"
expect_no_grep 'ct\.pair|signature_invalid' "$tmp/out"
# The final certificate alone: checked against the stored precertificate and CA.
expect_status 1 "$CAGUARD" --store "$db" ingest --at $at --loglist "$list" --format json \
  "$d/le2023/bad/final.pem"
expect_grep '"rule":"ct.pair.tbs_mismatch".*"file":"[^"]*le2023/bad/final.pem".*certificate' \
  "$tmp/out"
expect_grep '"rule":"ct.pair.tbs_mismatch".*certificatePolicies' "$tmp/out"
expect_grep '"rule":"ct.sct.signature_invalid".*issued for a different precertificate' "$tmp/out"
expect_no_grep 'ct.sct.issuer_unknown' "$tmp/out"
cp "$tmp/out" "$tmp/second.json"
# The same rules as caguard check on all three files together.
"$CAGUARD" check --at $at --loglist "$list" --format json "$d/le2023/r3.pem" \
  "$d/le2023/bad/precert.pem" "$d/le2023/bad/final.pem" >"$tmp/check.json" || true
expect_status 0 "$py" -c '
import json, sys
rules = lambda f: {json.loads(l)["rule"] for l in open(f)}
a, b = rules(sys.argv[1]), rules(sys.argv[2])
sys.exit(0 if a == b else "check %s, ingest %s" % (sorted(a), sorted(b)))' \
  "$tmp/check.json" "$tmp/second.json"
# Again, a day later: nothing new, exit 0; last_seen moves.
expect_status 0 "$CAGUARD" --store "$db" ingest --at 2023-06-21T00:00:00Z --loglist "$list" \
  --format json "$d/le2023/bad/final.pem"
holds test ! -s "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" ingest --at 2023-06-21T00:00:00Z --loglist "$list" \
  --color never "$d/le2023/bad/final.pem" "$d/le2023/bad/precert.pem"
expect_grep '^2 objects in 2 files ingested \(0 new\), 0 new findings: .*, 0 resolved$' \
  "$tmp/out"

# ---- caguard findings ----
expect_status 1 "$CAGUARD" --store "$db" findings --format json
cp "$tmp/out" "$tmp/all.json"
expect_status 0 "$py" - "$tmp/all.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "no findings"
want = ["rule", "severity", "file", "index", "kind", "object", "issuer", "serial", "message",
        "reference", "incident", "first_seen", "last_seen", "status", "resolved_at"]
for j in lines:
    for k in want:
        assert k in j, (k, j)
    assert j["incident"] is None and j["status"] == "open" and j["resolved_at"] is None, j
    assert j["first_seen"] == "2023-06-20T00:00:00Z", j
    assert j["last_seen"] == "2023-06-21T00:00:00Z", j
    assert j["kind"] == "certificate" and j["file"].endswith("le2023/bad/final.pem"), j
    assert j["index"] == 0 and j["issuer"] == "CN=R3,O=Let's Encrypt,C=US", j
    assert len(j["object"]) == 64, j
rules = [j["rule"] for j in lines]
assert len(rules) == len(set(rules)), "one finding per rule and object"
PY
expect_status 1 "$CAGUARD" --store "$db" findings --format json --rule ct.pair.tbs_mismatch
holds test "$(wc -l <"$tmp/out")" -eq 1
expect_grep '"rule":"ct.pair.tbs_mismatch"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --format json --rule crl.stale
holds test ! -s "$tmp/out"
expect_status 1 "$CAGUARD" --store "$db" findings --format json --since 2023-06-20T00:00:00Z
holds cmp "$tmp/out" "$tmp/all.json"
expect_status 0 "$CAGUARD" --store "$db" findings --format json --since 2023-06-20T00:00:01Z
holds test ! -s "$tmp/out"
# --open leaves out what is resolved (resolved here by hand).
expect_status 1 "$CAGUARD" --store "$db" findings --format json --open
holds cmp "$tmp/out" "$tmp/all.json"
sql_write "$db" "UPDATE findings SET resolved_at = 1687305600 WHERE severity = 'error'"
expect_status 0 "$CAGUARD" --store "$db" findings --format json --open
expect_no_grep '"severity":"error"' "$tmp/out"
expect_grep '"severity":"warning"' "$tmp/out"
# Exit status 1 is for open error findings.
expect_status 0 "$CAGUARD" --store "$db" findings --format json --rule ct.pair.tbs_mismatch
expect_grep '"status":"resolved","resolved_at":"2023-06-21T00:00:00Z"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --format json
cp "$tmp/out" "$tmp/all2.json"
expect_status 0 "$CAGUARD" --store "$db" findings --color never
expect_grep 'le2023/bad/final.pem #0: certificate' "$tmp/out"
expect_grep 'first seen 2023-06-20T00:00:00Z, last seen 2023-06-21T00:00:00Z, resolved' "$tmp/out"
expect_grep '^[0-9]+ findings: ' "$tmp/out"
# The store named by CAGUARD_STORE, by the command's --store, or caguard.db here.
CAGUARD_STORE=$db expect_status 0 "$CAGUARD" findings --format json
holds cmp "$tmp/out" "$tmp/all2.json"
CAGUARD_STORE=/nonexistent/x.db expect_status 0 "$CAGUARD" findings --store "$db" --format json
holds cmp "$tmp/out" "$tmp/all2.json"
CAGUARD_STORE=/nonexistent/x.db expect_status 0 "$CAGUARD" --store="$db" findings --format json
holds cmp "$tmp/out" "$tmp/all2.json"
mkdir "$tmp/here"
(cd "$tmp/here" && "$CAGUARD" ingest --at $at "$d/le2023/good/precert.pem" >/dev/null)
holds test -f "$tmp/here/caguard.db"

# ---- ingest twice: only new findings count ----
db=$tmp/twice.db
crl=$d/boulder-crl/crl_good.pem
expect_status 1 "$CAGUARD" --store "$db" ingest --at $at --format json "$crl"
expect_grep '"rule":"crl.stale"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at --format json "$crl"
holds test ! -s "$tmp/out"

# ---- a CRL's entries: first seen when the CRL was first seen ----
db=$tmp/crl.db
expect_status 1 "$CAGUARD" --store "$db" ingest --at $at --seen-at 2023-01-02T00:00:00Z "$crl"
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at --seen-at 2023-03-04T00:00:00Z "$crl"
sql "$db" "SELECT count(*), min(first_seen), max(first_seen) FROM crl_entries" >"$tmp/e"
expect_grep '^1\|1672617600\|1672617600$' "$tmp/e"
# Observed earlier than first recorded (an ingest of an older fetch): that wins.
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at --seen-at 2022-12-01T00:00:00Z "$crl"
sql "$db" "SELECT first_seen, revocation_date FROM crl_entries" >"$tmp/e"
expect_grep '^1669852800\|1665429127$' "$tmp/e"
sql "$db" "SELECT first_seen FROM objects" >"$tmp/e"
expect_grep '^1669852800$' "$tmp/e"

# ---- CRLs against what the store holds ----
# Ingested one file at a time, a CRL and the PKI around it (CA, the
# certificates it covers, the CRL before it) give the rules caguard check
# gives for all of them together: the CRL after the rest, or the
# certificates after the CRLs.
c2=$d/crl2
at2=2024-01-03T00:00:00Z
rules_of() { "$py" -c '
import json, sys
print(" ".join(sorted({json.loads(l)["rule"] for l in sys.stdin} - {"revocation.status"})))'; }
for f in c1_removed c1_backdated c1_number_down c1_issuer_utf8 c1_issuer_case c1_next \
         c1_idp_slash c1_other_key c1_aki_c2 c1_300d; do
  for order in crl-last certs-last; do
    db=$tmp/crl2-$f-$order.db
    if [ $order = crl-last ]; then
      set -- "$c2/root.pem" "$c2/ca1.pem" "$c2/leaves.pem" "$c2/leaf_utf8_issuer.pem" \
        "$c2/c1_good.pem" "$c2/$f.pem"
    else
      set -- "$c2/root.pem" "$c2/ca1.pem" "$c2/c1_good.pem" "$c2/$f.pem" "$c2/leaves.pem" \
        "$c2/leaf_utf8_issuer.pem"
    fi
    want=$("$CAGUARD" check --at $at2 --format json "$@" | rules_of)
    got=$(for x in "$@"; do "$CAGUARD" --store "$db" ingest --at $at2 --format json "$x"; done |
      rules_of)
    if [ "$got" = "$want" ]; then pass_; else fail_ "$f $order: ingest [$got], check [$want]"; fi
  done
done
# A CRL ingested before its CA: crl.issuer_unknown, resolved when the CA comes.
db=$tmp/ca-later.db
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at2 --format json "$c2/c1_good.pem"
expect_grep '"rule":"crl.issuer_unknown"' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" ingest --at $at2 --color never "$c2/root.pem" "$c2/ca1.pem"
expect_grep ' 1 resolved$' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --format json --open
expect_no_grep 'crl.issuer_unknown' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" findings --format json --rule crl.issuer_unknown
expect_grep '"status":"resolved","resolved_at":"2024-01-03T00:00:00Z"' "$tmp/out"
# The 2023 pair, the final certificate before its precertificate: the pair
# findings go to the stored final certificate, named as first ingested.
db=$tmp/final-first.db
for x in "$d/le2023/r3.pem" "$d/le2023/bad/final.pem"; do
  "$CAGUARD" --store "$db" ingest --at $at --loglist "$list" "$x" >/dev/null
done
expect_status 1 "$CAGUARD" --store "$db" ingest --at $at --loglist "$list" --format json \
  "$d/le2023/bad/precert.pem"
expect_grep '"rule":"ct.pair.tbs_mismatch","severity":"error","file":"[^"]*bad/final.pem"' \
  "$tmp/out"
expect_grep 'differs from precertificate [0-9a-f]{64} \([^)]*bad/precert.pem #0\)' "$tmp/out"

# ---- killed mid-ingest ----
# The transaction unit is one file: after SIGKILL the store holds exactly
# the files before the one being ingested, each with all its findings, as
# if only they had been ingested; a re-run completes it. What it printed
# is whole JSON lines, each finding printed after its file's commit, all
# of them but those of the last file committed (killed between its commit
# and its printing).
gen=$CG_BUILD_DIR/bench/check_bench
mkdir "$tmp/batch"
"$gen" "$d" 4000 200 "$tmp/batch" 80 >/dev/null
files=("$tmp"/batch/objects-*.pem)
db=$tmp/killed.db
"$CAGUARD" --store "$db" ingest --at $at --seen-at $at --format json "${files[@]}" \
  >"$tmp/killed.json" 2>/dev/null &
pid=$!
# Kill it once the first files are committed.
"$py" - "$db" "$pid" <<'PY'
import os, signal, sqlite3, sys, time
db, pid = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 120
while time.time() < deadline:
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
        n = c.execute("SELECT count(*) FROM objects").fetchone()[0]
        c.close()
        if n > 0:
            break
    except sqlite3.Error:
        pass
    time.sleep(0.01)
os.kill(pid, signal.SIGKILL)
PY
got=0
wait "$pid" || got=$?
holds test "$got" -eq 137
holds test ! -e "$db-journal"
sql "$db" "PRAGMA integrity_check" >"$tmp/e"
expect_grep '^ok$' "$tmp/e"
sql "$db" "PRAGMA foreign_key_check" >"$tmp/e"
holds test ! -s "$tmp/e"
# The files stored are a prefix of the command line, each complete.
k=$(sql "$db" "SELECT count(DISTINCT file) FROM objects")
n=$(sql "$db" "SELECT count(*) FROM objects")
holds test "$k" -gt 0 -a "$k" -lt "${#files[@]}"
sql "$db" "SELECT DISTINCT file FROM objects ORDER BY file" >"$tmp/stored-files"
printf '%s\n' "${files[@]:0:$k}" >"$tmp/prefix-files"
holds cmp "$tmp/stored-files" "$tmp/prefix-files"
want=$(cat "${files[@]:0:$k}" | grep -c -- '-----BEGIN')
holds test "$n" -eq "$want"
"$CAGUARD" --store "$db" findings --format json >"$tmp/killed-stored.json" 2>/dev/null
last=${files[$((k - 1))]}
"$py" - "$tmp/killed.json" "$tmp/killed-stored.json" "$last" <<'PY' && pass_ || fail_ "killed ingest"
import json, sys
printed = [json.loads(l) for l in open(sys.argv[1])]  # every line whole JSON
stored = [json.loads(l) for l in open(sys.argv[2])]
key = lambda f: (f["rule"], f["object"], f["message"])
ids = {key(f): int(f["id"]) for f in stored}
p = {key(f) for f in printed}
assert p <= set(ids), ("printed, never committed", sorted(p - set(ids))[:3])
missing = [f for f in stored if key(f) not in p]
# only the last commit's: its file's, after every finding printed
assert all(f["file"] == sys.argv[3] for f in missing), ("never printed", missing[:3])
assert not p or not missing or max(ids[k] for k in p) < min(int(f["id"]) for f in missing)
print("killed ingest: %d lines printed, %d findings stored, %d of the last file not printed"
      % (len(printed), len(stored), len(missing)))
PY
# Exactly what ingesting those k files alone gives: objects, CRL entries,
# findings (messages and times included).
"$CAGUARD" --store "$tmp/prefix.db" ingest --at $at --seen-at $at --format json \
  "${files[@]:0:$k}" >/dev/null 2>&1
dump() {
  "$py" - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for q in ["SELECT hex(sha256), kind, file, idx, first_seen FROM objects",
          "SELECT hex(c.issuer), hex(c.scope), hex(e.serial), e.revocation_date, e.reason, "
          "e.first_seen, hex(o.sha256) FROM crl_entries e JOIN crl_scopes c "
          "ON c.id = e.scope_id JOIN objects o ON o.id = e.crl_id",
          "SELECT rule, severity, hex(object_sha256), message, first_seen, last_seen, "
          "resolved_at FROM findings"]:
    for row in sorted(c.execute(q)):
        print("|".join(str(v) for v in row))
PY
}
dump "$db" >"$tmp/killed.dump"
dump "$tmp/prefix.db" >"$tmp/prefix.dump"
holds cmp "$tmp/killed.dump" "$tmp/prefix.dump"
holds test "$(wc -l <"$tmp/killed.dump")" -gt "$n"
# The re-run completes: every object stored, every object with at least the
# findings an uninterrupted ingest gives it.
got=0
"$CAGUARD" --store "$db" ingest --at $at --seen-at $at --format json "${files[@]}" \
  >"$tmp/rerun.json" 2>"$tmp/err" || got=$?
holds test "$got" -le 1
holds test "$(sql "$db" "SELECT count(*) FROM objects")" -eq \
  "$(cat "${files[@]}" | grep -c -- '-----BEGIN')"
"$CAGUARD" --store "$tmp/full.db" ingest --at $at --seen-at $at --format json "${files[@]}" \
  >/dev/null 2>&1
pairs="SELECT DISTINCT hex(object_sha256) || ' ' || rule FROM findings ORDER BY 1"
sql "$db" "$pairs" >"$tmp/rerun.pairs"
sql "$tmp/full.db" "$pairs" >"$tmp/full.pairs"
holds test -z "$(comm -13 "$tmp/rerun.pairs" "$tmp/full.pairs")"
holds test "$(sql "$db" "SELECT count(*) FROM crl_entries")" -eq \
  "$(sql "$tmp/full.db" "SELECT count(*) FROM crl_entries")"

# ---- bad input: a clear message, exit 2, the store untouched ----
db=$tmp/pair.db
before=$(state "$db")
expect_status 2 "$CAGUARD" --store "$db" findings --rule no.such_rule
expect_grep "unknown rule 'no.such_rule'" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" findings --since yesterday
expect_grep "'yesterday' is not a date or time" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" findings --format xml
expect_status 2 "$CAGUARD" --store "$db" findings extra-arg
expect_status 2 "$CAGUARD" --store "$db" ingest --seen-at 2023-13-01T00:00:00Z "$crl"
expect_grep "seen-at '2023-13-01T00:00:00Z' is not a date or time" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" ingest --at tomorrow "$crl"
expect_status 2 "$CAGUARD" --store "$db" ingest
expect_grep 'no input files' "$tmp/err"
holds test "$(state "$db")" = "$before"
expect_status 2 "$CAGUARD" --store
# A directory, another program's SQLite database, a file that is not a
# database, a store of a newer caguard: refused by both commands, untouched.
mkdir "$tmp/dir.db"
expect_status 2 "$CAGUARD" --store "$tmp/dir.db" ingest "$crl"
expect_grep 'dir.db is a directory' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$tmp/dir.db" findings
sql_write "$tmp/foreign.db" "CREATE TABLE notes (x TEXT)" "INSERT INTO notes VALUES ('mine')"
head -c 5000 /dev/urandom >"$tmp/random.db"
cp "$d/le2023/r3.pem" "$tmp/text.db"
cp "$tmp/twice.db" "$tmp/newer.db"
sql_write "$tmp/newer.db" "UPDATE caguard_meta SET value = '99' WHERE key = 'schema_version'" \
  "PRAGMA journal_mode = DELETE"
for f in foreign random text newer; do
  s=$tmp/$f.db
  before=$(state "$s")
  expect_status 2 "$CAGUARD" --store "$s" ingest --at $at "$crl"
  if [ $f = newer ]; then
    expect_grep "newer.db has store schema version 99, newer than" "$tmp/err"
  else
    expect_grep "$f.db is not a caguard store" "$tmp/err"
  fi
  holds test ! -s "$tmp/out"
  expect_status 2 "$CAGUARD" --store "sqlite:$s" findings
  expect_status 2 env CAGUARD_STORE="$s" "$CAGUARD" findings
  holds test "$(state "$s")" = "$before"
  holds test ! -e "$s-wal"
done
expect_status 2 "$CAGUARD" --store "$tmp/none.db" findings
expect_grep 'no store at .*none.db' "$tmp/err"
holds test ! -e "$tmp/none.db"
expect_status 2 "$CAGUARD" --store "mysql://localhost/caguard" findings
expect_grep 'unknown store scheme' "$tmp/err"
# A PostgreSQL store whose server is not there (a socket directory with no
# server): a store error naming the connection.
expect_status 2 "$CAGUARD" --store "postgresql:///caguard?host=$tmp/no-server" findings
expect_grep 'cannot connect to the PostgreSQL store' "$tmp/err"
# An input that does not decode: reported, not stored, exit 2; the good
# file beside it is stored.
db=$tmp/mixed.db
printf 'not a certificate\n' >"$tmp/junk.pem"
expect_status 2 "$CAGUARD" --store "$db" ingest --at $at --format json "$tmp/junk.pem" \
  "$d/le2023/good/final.pem" "$tmp/missing.pem"
expect_grep '"rule":"input.malformed".*junk.pem' "$tmp/out"
expect_grep '"rule":"input.malformed".*missing.pem' "$tmp/out"
holds test "$(sql "$db" "SELECT count(*) FROM objects")" -eq 1
finish
