#!/usr/bin/env bash
# The JSON output contract: every JSON output validates against its JSON
# Schema (draft 2020-12) in docs/schemas/, with Debian's python3-jsonschema
# (a validator caguard did not write): check and ingest findings (JSON
# Lines), findings, rules, status, incident list/show/status/lint/sync;
# each line or document carries the "schema" version caguard --version
# prints. The schemas themselves are checked against the 2020-12
# meta-schema.
. "$(dirname "$0")/lib.sh"
s=$CG_SOURCE_DIR/docs/schemas
le=$CG_TEST_DATA/le2023
db=$tmp/st.db

# validate SCHEMA FILE lines|doc: each line (JSON Lines) or the whole file.
validate() {
  if /usr/bin/python3 - "$s/$1" "$2" "$3" >"$tmp/v.out" 2>&1 <<'PY'
import json, sys
from jsonschema import Draft202012Validator, FormatChecker
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema, format_checker=FormatChecker())
text = open(sys.argv[2]).read()
docs = [json.loads(l) for l in text.splitlines() if l.strip()] if sys.argv[3] == "lines" \
    else [json.loads(text)]
if not docs:
    sys.exit("no JSON to validate in " + sys.argv[2])
bad = 0
for i, d in enumerate(docs):
    for e in v.iter_errors(d):
        bad += 1
        print("document %d: %s at %s" % (i, e.message, "/".join(map(str, e.absolute_path))))
print("%d documents" % len(docs))
sys.exit(1 if bad else 0)
PY
  then pass_; else fail_ "$2 against $1: $(head -5 "$tmp/v.out")"; fi
}

expect_status 0 "$CAGUARD" --version
expect_grep '^json schema 1$' "$tmp/out"

# check: findings of every kind of object the inputs give (certificates,
# precertificates, CRLs, undecodable input, revocation.status fields).
printf 'not a certificate' >"$tmp/junk.pem"
expect_status 2 "$CAGUARD" check --format json --at 2023-06-20 "$le/r3.pem" "$le/bad/precert.pem" \
  "$le/bad/final.pem" "$tmp/junk.pem" "$CG_TEST_DATA"/boulder-crl/*.pem
cp "$tmp/out" "$tmp/check.jsonl"
expect_grep '"kind":"crl"' "$tmp/check.jsonl"
expect_grep '"kind":"input"' "$tmp/check.jsonl"
validate finding.schema.json "$tmp/check.jsonl" lines
expect_eq "lines without schema 1" "$(grep -vc '"schema":1}$' "$tmp/check.jsonl")" 0

# ingest and findings (the stored view: first seen, incident).
expect_status 1 "$CAGUARD" --store "$db" ingest --format json --at 2023-06-20 "$le/r3.pem" \
  "$le/bad/precert.pem" "$le/bad/final.pem"
cp "$tmp/out" "$tmp/ingest.jsonl"
validate finding.schema.json "$tmp/ingest.jsonl" lines
# (exit 1: error findings are open)
expect_status 1 "$CAGUARD" --store "$db" findings --format json
cp "$tmp/out" "$tmp/findings.jsonl"
validate finding.schema.json "$tmp/findings.jsonl" lines

# rules: no internal field, null for no reference or date.
expect_status 0 "$CAGUARD" rules --format json
cp "$tmp/out" "$tmp/rules.jsonl"
validate rule.schema.json "$tmp/rules.jsonl" lines
expect_grep '"id":"input.malformed","severity":"error","reference":null,"effective":null' \
  "$tmp/rules.jsonl"
expect_no_grep '"seed"' "$tmp/rules.jsonl"

# status: the store above, and the demo's store (logs, CRLs, deliveries).
expect_status 0 "$CAGUARD" --store "$db" status --format json
cp "$tmp/out" "$tmp/status.json"
validate status.schema.json "$tmp/status.json" doc

# incident: the seed's delayed revocation (tests/cli/incident_store.sh's
# story): one incident of three objects, its CRL, events, a Bugzilla thread.
d=$CG_TEST_DATA/incident/store
idb=$tmp/inc.db
inc() { "$CAGUARD" --store "$idb" incident "$@"; }
expect_status 0 "$CAGUARD" --store "$idb" ingest --seen-at 2023-12-21T00:00:00Z "$d/ca.pem"
expect_status 0 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z \
  --title "Precertificate with an SCT list" "$d/precert_1001.pem" "$d/cert_1001.pem" \
  "$d/cert_1002.pem"
# A title that is not UTF-8 (an operator's bytes): U+FFFD, never a lost field.
expect_status 0 inc open --kind key-compromise --reported-at 2024-02-01T00:00:00Z \
  --title $'key \xff'
expect_status 0 "$CAGUARD" --store "$idb" ingest --seen-at 2024-02-21T10:00:00Z \
  --at 2024-02-21T10:00:00Z "$d/crl_day51.pem"
expect_status 0 inc event 1 --type preliminary-report --at 2024-01-05T12:00:00Z \
  --note "posted to Bugzilla"
expect_status 0 inc event 1 --type update --at 2024-02-22T08:00:00Z --next-update 2024-03-10T00:00:00Z
expect_status 0 inc event 2 --type closure --at 2024-02-10T00:00:00Z

# list: one line per incident, "schema" last.
expect_status 0 inc list --format json
cp "$tmp/out" "$tmp/list.jsonl"
validate incident_summary.schema.json "$tmp/list.jsonl" lines
expect_eq "incident list lines" "$(wc -l <"$tmp/list.jsonl")" 2
expect_grep '^\{"id":1,"title":"Precertificate with an SCT list","kind":"misissuance","kind_known":true,"required_reason":"superseded",.*"revoke_by":"2024-01-06T00:00:00Z","next_update":"2024-03-10T00:00:00Z","state":"open","certificate_count":2,"schema":1\}$' \
  "$tmp/list.jsonl"
expect_grep '^\{"id":2,"title":"key \\uFFFD","kind":"key-compromise",.*"required_reason":"keyCompromise",.*"state":"closed","certificate_count":0,' \
  "$tmp/list.jsonl"

# show: one document; 1001 revoked on the day-51 CRL (wrong reason), 1002 not.
expect_status 0 inc show 1 --format json
cp "$tmp/out" "$tmp/show.json"
validate incident.schema.json "$tmp/show.json" doc
if /usr/bin/python3 - "$tmp/show.json" >"$tmp/v.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["id"] == 1 and d["certificate_count"] == 2, d
c = {(x["type"], x["serial"]): x for x in d["certificates"]}
s = "5ca90a2de7b14c3f0000"  # the fixture's serials: a fixed high part above 1001, 1002
assert set(c) == {("precertificate", s + "1001"), ("certificate", s + "1001"),
                  ("certificate", s + "1002")}, c
r = c[("certificate", s + "1001")]
assert r["revoked"] is True and r["reason"] == "cessationOfOperation", r
assert r["revocation_date"] == "2024-02-21T09:00:00Z", r
assert r["first_seen_on_crl"] == "2024-02-21T10:00:00Z", r
n = c[("certificate", s + "1002")]
assert n["revoked"] is False and n["revocation_date"] is None and n["reason"] is None, n
assert [e["type"] for e in d["events"]] == ["preliminary-report", "update"], d["events"]
assert d["events"][0]["note"] == "posted to Bugzilla" and d["events"][1]["note"] is None
PY
then pass_; else fail_ "incident show --format json: $(tail -3 "$tmp/v.out")"; fi
expect_status 0 inc show 2 --format json
cp "$tmp/out" "$tmp/show2.json"
validate incident.schema.json "$tmp/show2.json" doc
expect_status 2 inc show 3 --format json
expect_eq "stdout of a missing incident" "$(wc -c <"$tmp/out")" 0

# status, lint, sync: findings (kind incident, certificate, precertificate).
expect_status 1 inc status --at 2024-03-01T00:00:00Z --format json
cp "$tmp/out" "$tmp/istatus.jsonl"
expect_grep '"kind":"incident"' "$tmp/istatus.jsonl"
expect_grep '"kind":"precertificate"' "$tmp/istatus.jsonl"
validate finding.schema.json "$tmp/istatus.jsonl" lines
expect_status 1 "$CAGUARD" incident lint --format json "$CG_TEST_DATA/incident/report-empty.md"
cp "$tmp/out" "$tmp/lint.jsonl"
validate finding.schema.json "$tmp/lint.jsonl" lines
expect_status 1 inc lint --format json --incident 1 --at 2024-03-01T00:00:00Z \
  "$CG_TEST_DATA/incident/report-filled.md"
cp "$tmp/out" "$tmp/lint2.jsonl"
expect_grep '"rule":"incident.report_inconsistent"' "$tmp/lint2.jsonl"
validate finding.schema.json "$tmp/lint2.jsonl" lines
if "$CAGUARD" --version | grep -q 'monitor'; then
  expect_status 0 inc link 1 --bug "https://bugzilla.example/show_bug.cgi?id=1900001" \
    --ca-account compliance@ca.example
  expect_status 1 inc sync 1 --from-json "$CG_TEST_DATA/bugzilla/unanswered" \
    --at 2026-11-18T09:00:00Z --format json
  cp "$tmp/out" "$tmp/sync.jsonl"
  # What was read is said on stderr: stdout is JSON Lines and nothing else.
  expect_grep 'bug 1900001: 3 comments, 3 new' "$tmp/err"
  expect_grep '"rule":"incident.question_unanswered"' "$tmp/sync.jsonl"
  validate finding.schema.json "$tmp/sync.jsonl" lines
fi
finish
