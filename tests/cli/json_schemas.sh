#!/usr/bin/env bash
# The JSON output contract: every JSON output validates against its JSON
# Schema (draft 2020-12) in docs/schemas/, with Debian's python3-jsonschema
# (a validator caguard did not write): check and ingest findings (JSON
# Lines), findings, rules, status; each line or document carries the
# "schema" version caguard --version prints. The schemas themselves are
# checked against the 2020-12 meta-schema.
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
finish
