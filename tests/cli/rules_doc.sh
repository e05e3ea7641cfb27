#!/usr/bin/env bash
# docs/rules.md is generated from the rule table and must match it; the
# rule table holds every ID of the public catalogue (shared/RULES.md copy).
. "$(dirname "$0")/lib.sh"
expect_status 0 "$CAGUARD" rules --format markdown
if diff -u "$CG_SOURCE_DIR/docs/rules.md" "$tmp/out" >"$tmp/diff"; then pass_; else
  fail_ "docs/rules.md differs from 'caguard rules --format markdown' (regenerate it):"
  head -40 "$tmp/diff" >&2
fi
expect_status 0 "$CAGUARD" rules --format json
cp "$tmp/out" "$tmp/rules.json"
expect_status 0 /usr/bin/python3 - "$tmp/rules.json" "$CG_SOURCE_DIR/tests/data/rules-catalogue.txt" <<'PY'
import json, sys
ids = {json.loads(l)["id"]: json.loads(l)["severity"] for l in open(sys.argv[1])}
want = [l.split() for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")]
missing = [i for i, s in want if ids.get(i) != s]
if missing:
    sys.exit("rule IDs missing or with another severity: " + ", ".join(missing))
PY
expect_status 0 "$CAGUARD" rules
expect_grep '^ct.precert.sct_list_present +error +RFC 6962' "$tmp/out"
expect_status 2 "$CAGUARD" rules --format yaml
expect_grep 'must be text, markdown or json' "$tmp/err"
finish
