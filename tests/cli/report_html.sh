#!/usr/bin/env bash
# caguard report --html: the dashboard of a store with known content
# (fixtures/report_store.sh). The numbers on the pages are checked against
# oracles that do not share its code: `caguard findings --format json` for
# the findings, Python's cryptography for the SCTs of the ingested
# certificates, the incident definitions for the deadlines. Hostile text
# from a certificate subject, an incident title and a note must come out
# escaped; the directory is written whole or left alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/report_store.sh"
db=$tmp/r.db
ct3=$CG_TEST_DATA/ct3
build_report_store "$db" "$tmp/work" && pass_ || fail_ "building the store"

expect_status 1 "$CAGUARD" --store "$db" report --html "$tmp/site" --at "$REPORT_AT" \
  --loglist "$ct3/loglist.json"
cp "$tmp/out" "$tmp/summary"
site=$tmp/site
idx=$site/index.html
for f in index.html incident-1.html incident-1.md incident-1-appendix.csv incident-2.html \
         incident-2.md incident-2-appendix.csv .caguard-report; do
  [ -f "$site/$f" ] && pass_ || fail_ "no $f in the site"
done
[ "$(ls -A "$site" | wc -l)" = 8 ] && pass_ || fail_ "files besides the report: $(ls -A "$site")"

# ---- findings: against caguard findings --format json ----
"$CAGUARD" --store "$db" findings --format json >"$tmp/findings.json"
python3 - "$tmp/findings.json" >"$tmp/oracle" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("total", len(rows))
for sev in ("error", "warning", "notice"):
    print("open", sev, sum(1 for r in rows if r["severity"] == sev and r["status"] == "open"))
for rule, n in collections.Counter(r["rule"] for r in rows).items():
    print("rule", rule, n)
by = collections.Counter((r["issuer"] or "(none)", r["severity"]) for r in rows
                         if r["status"] == "open")
for (issuer, sev), n in by.items():
    print("issuer", sev, n, issuer)
PY
total=$(awk '$1 == "total" {print $2}' "$tmp/oracle")
[ "$total" -ge 10 ] && pass_ || fail_ "the fixture should hold findings, has '$total'"
read -r e w n < <(awk '$1 == "open" {printf "%s ", $3}' "$tmp/oracle")
expect_grep "15 objects, $total findings \\($total listed\\); open: $e errors, $w warnings, $n notice" \
  "$tmp/summary"
expect_grep "id=\"card-errors\">Open errors<b class=\"sev-error\">$e</b>" "$idx"
expect_grep "id=\"card-warnings\">Open warnings<b class=\"sev-warning\">$w</b>" "$idx"
expect_grep "id=\"card-notices\">Open notices<b class=\"sev-notice\">$n</b>" "$idx"
expect_grep "id=\"card-objects\">Objects<b>15</b>" "$idx"
expect_grep "id=\"card-incidents\">Incidents<b>2</b>" "$idx"
# the table: one row per finding
sed -n '/<table id="findings-table">/,/<\/table>/p' "$idx" >"$tmp/table"
[ "$(html_count "$tmp/table" '<tr data-rule=')" = "$total" ] && pass_ ||
  fail_ "findings table: $(html_count "$tmp/table" '<tr data-rule=') rows, want $total"
expect_grep "<span id=\"shown\">$total</span> of <span id=\"listed\">$total</span>" "$idx"
# the rules chart: each rule's total; the select: each rule's count
sed -n '/id="chart-rules"/,/<\/figure>/p' "$idx" >"$tmp/chart-rules"
while read -r kind rule count; do
  [ "$kind" = rule ] || continue
  expect_grep "<div class=\"crow\" data-rule=\"$rule\" data-total=\"$count\">" "$tmp/chart-rules"
  expect_grep "<option value=\"$rule\">$rule \\($count\\)</option>" "$idx"
done <"$tmp/oracle"
[ "$(html_count "$tmp/chart-rules" '<div class="crow"')" = \
  "$(grep -c '^rule ' "$tmp/oracle")" ] && pass_ || fail_ "rules chart: wrong number of rows"
# the bars of one rule add up to its total
sum=$(sed -n '/data-rule="ct.policy.chrome_unsatisfied"/,/<\/svg>/p' "$tmp/chart-rules" |
      grep -oE 'data-count="[0-9]+"' | grep -oE '[0-9]+' | awk '{s += $1} END {print s}')
[ "$sum" = "$(awk '$2 == "ct.policy.chrome_unsatisfied" {print $3}' "$tmp/oracle")" ] && pass_ ||
  fail_ "chrome_unsatisfied bars add up to '$sum'"
# the overview: open findings per issuer and severity
ca_sct='CN=caguard SCT test CA,O=caguard test,C=XX'
sed -n "/<tr data-issuer=\"$ca_sct\">/,/<\\/tr>/p" "$idx" | tr -d '\n' >"$tmp/row-sct"
while read -r kind sev count issuer; do
  [ "$kind" = issuer ] && [ "$issuer" = "$ca_sct" ] || continue
  expect_grep "data-severity=\"$sev\"><a href=\"#issuer=[^\"]*&amp;severity=$sev&amp;status=open\">$count</a>" \
    "$tmp/row-sct"
done <"$tmp/oracle"
# objects: the CA (self-signed) and 4 final certificates, 4 precertificates
expect_grep 'data-kind="certificate">5</td><td class="num" data-kind="precertificate">4</td><td class="num" data-kind="crl">0</td>' \
  "$tmp/row-sct"

# ---- SCT operators: against the certificates themselves ----
python3 - "$ct3/loglist.json" "$ct3"/clean_final.pem "$ct3"/clean_final_resigned.pem \
  "$ct3"/twopre_final.pem "$ct3"/validity_final.pem "$CG_TEST_DATA"/incident/store/cert_100*.pem \
  >"$tmp/sct-oracle" <<'PY'
import base64, collections, json, sys
from cryptography import x509
ll = json.load(open(sys.argv[1]))
ops = {}
for op in ll["operators"]:
    for log in op.get("logs", []) + op.get("tiled_logs", []):
        prev = sorted(log.get("previous_operators", []), key=lambda p: p["end_time"])
        ops[base64.b64decode(log["log_id"])] = (op["name"], prev)
counts = collections.Counter()
for path in sys.argv[2:]:
    cert = x509.load_pem_x509_certificate(open(path, "rb").read())
    try:
        scts = cert.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps).value
    except x509.ExtensionNotFound:
        continue
    for sct in scts:
        name, prev = ops.get(sct.log_id, ("unknown log", []))
        t = sct.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        for p in prev:
            if t < p["end_time"]:
                name = p["name"]
                break
        counts[name] += 1
for name, n in counts.items():
    print(n, name)
PY
scts=$(awk '{s += $1} END {print s}' "$tmp/sct-oracle")
[ "$scts" -ge 5 ] && pass_ || fail_ "the fixture's certificates should embed SCTs, have '$scts'"
sed -n '/id="chart-operators"/,/<\/figure>/p' "$idx" >"$tmp/chart-ops"
expect_grep "The $scts SCTs embedded" "$tmp/chart-ops"
while read -r count name; do
  expect_grep "data-operator=\"$name\" data-count=\"$count\"" "$tmp/chart-ops"
done <"$tmp/sct-oracle"
[ "$(html_count "$tmp/chart-ops" '<div class="crow"')" = "$(wc -l <"$tmp/sct-oracle")" ] &&
  pass_ || fail_ "operators chart: wrong number of rows"

# ---- incidents: the deadlines at REPORT_AT ----
# delay: report to REPORT_AT (nothing revoked in time); deadline: the kind's window
expect_grep 'data-incident="1" data-state="overdue" data-delay-hours="1440" data-deadline-hours="120"' "$idx"
expect_grep 'data-incident="2" data-state="overdue" data-delay-hours="48" data-deadline-hours="24"' "$idx"
# serial 1001 (precertificate and certificate: one, as the CCADB counts) revoked,
# 1002 not
expect_grep '#1 misissuance</a> · 1 of 2 revoked' "$idx"
i1=$site/incident-1.html
expect_grep '<span id="cert-count">2</span> \(by issuer and serial, in 3 objects' "$i1"
expect_grep '<h2>Certificates \(2; 3 objects\)</h2>' "$i1"
tr -d '\n' <"$i1" | sed 's/<\/tr>/&\n/g' >"$tmp/dl1"
expect_grep '<tr id="dl-revocation">.*2024-01-06T00:00:00Z.*overdue by 55 days' "$tmp/dl1"
expect_grep '<tr id="dl-preliminary">.*missed.*2024-01-05T12:00:00Z.*\(36 h after the deadline\)' "$tmp/dl1"
expect_grep '<tr id="dl-full">.*missed.*2024-01-20T08:00:00Z.*\(5 days 8 h after the deadline\)' "$tmp/dl1"
expect_grep '<tr id="dl-update">.*2024-01-23T08:00:00Z.*overdue by 37 days 16 h.*3 days \(revocation-delay incident\)' "$tmp/dl1"
expect_grep '46 days 10 hours late</span>: <time datetime="2024-02-21T10:00:00Z">' "$i1"
expect_grep '<td>cessationOfOperation \(5\)</td>' "$i1"
# the report draft: the generator's own text, escaped, and its .md copy
"$CAGUARD" --store "$db" incident report 1 --at "$REPORT_AT" >"$tmp/report1.md"
cmp -s "$tmp/report1.md" "$site/incident-1.md" && pass_ || fail_ "incident-1.md differs from incident report"
# a draft: complete in form, the CA's fields marked for it to fill in
expect_status 1 "$CAGUARD" incident lint "$site/incident-1.md"
grep -v 'fill-in marker\|incident-1.md\|^$\|not complete: \|has no title' "$tmp/out" >"$tmp/lint-other" || true
[ -s "$tmp/lint-other" ] && fail_ "lint of the draft: $(cat "$tmp/lint-other")" || pass_
expect_grep '<a href="incident-1.md" download>' "$i1"
i2=$site/incident-2.html
tr -d '\n' <"$i2" | sed 's/<\/tr>/&\n/g' >"$tmp/dl2"
expect_grep '<tr id="dl-revocation">.*overdue by 24 h' "$tmp/dl2"
expect_grep '<tr id="dl-preliminary">.*met.*\(2 days before the deadline\)' "$tmp/dl2"
expect_grep '<tr id="dl-full">.*due in 12 days' "$tmp/dl2"
expect_grep '<tr id="dl-update">.*due in 2 days' "$tmp/dl2"

# ---- hostile text: escaped in text and attributes, never markup ----
for page in "$idx" "$i1" "$i2"; do
  [ "$(html_count "$page" '<script')" = 1 ] && pass_ || fail_ "$page: more than our one script"
  expect_no_grep '<img|<script>alert|onerror=alert\(1\)>' "$page"
done
t_html='&lt;img src=x onerror=alert\(1\)&gt; &quot;t&quot; &amp; &#39;s&#39;'
expect_grep "$t_html" "$idx"
expect_grep "<h1>Incident 2</h1>" "$i2"
expect_grep "<p class=\"meta\">$t_html</p>" "$i2"
s_html='CN=\\&lt;script\\&gt;alert\(\\&quot;subject\\&quot;\)\\&lt;/script\\&gt; &amp; &#39;q&#39;'
expect_grep "<td class=\"issuer\">$s_html</td>" "$i2"
expect_grep "<tr data-issuer=\"$s_html\"><th scope=\"row\" class=\"issuer\">$s_html</th>" "$idx"
expect_grep '&lt;script&gt;alert\(&quot;note&quot;\)&lt;/script&gt;' "$i2"
# the .md is Markdown, not HTML: the title Markdown-escaped, so that it
# renders as the text typed and never as an element (util/escape.h)
grep -qF -- '\<img src\=x onerror\=alert\(1\)\>' "$site/incident-2.md" && pass_ ||
  fail_ "title not in the .md, escaped"
expect_no_grep '(^|[^\\])<img src' "$site/incident-2.md"

# ---- the directory: replaced when it is a report, else left alone ----
# a file someone put beside an earlier report: refused, nothing removed
echo mine >"$site/notes.txt"
cp "$idx" "$tmp/index.before"
expect_status 2 "$CAGUARD" report --store "$db" --html "$site" --at "$REPORT_AT"
expect_grep "notes.txt, which the earlier report there did not write; not replaced" "$tmp/err"
[ "$(cat "$site/notes.txt")" = mine ] && cmp -s "$idx" "$tmp/index.before" && pass_ ||
  fail_ "a directory holding a foreign file was touched"
rm "$site/notes.txt"
echo '<!-- the earlier report -->' >>"$idx"
expect_status 1 "$CAGUARD" report --store "$db" --html "$site" --at "$REPORT_AT"
expect_no_grep 'the earlier report -->' "$idx"
expect_grep 'charted as "unknown log": give --loglist' "$tmp/err"
sed -n '/id="chart-operators"/,/<\/figure>/p' "$idx" >"$tmp/chart-ops"
expect_grep "data-operator=\"unknown log\" data-count=\"$scts\"" "$tmp/chart-ops"
[ -z "$(ls -A "$tmp" | grep -E '\.(tmp|old)-')" ] && pass_ || fail_ "temporary directories left"
mkdir "$tmp/mine" && echo mine >"$tmp/mine/notes.txt"
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/mine" --at "$REPORT_AT"
expect_grep 'is not a caguard report' "$tmp/err"
[ "$(ls -A "$tmp/mine")" = notes.txt ] && pass_ || fail_ "a foreign directory was touched"
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/no/such/site"
expect_grep 'cannot create a directory next to' "$tmp/err"
[ -z "$(ls -A "$tmp" | grep -E '\.(tmp|old)-')" ] && pass_ || fail_ "temporary directories left"

# A store with nothing wrong: exit 0; an empty store: a page that says so.
expect_status 0 "$CAGUARD" --store "$tmp/clean.db" ingest --at 2025-04-01T00:00:00Z "$CG_TEST_DATA/sct/ca.pem"
expect_status 0 "$CAGUARD" --store "$tmp/clean.db" report --html "$tmp/clean"
expect_grep 'open: 0 errors' "$tmp/out"
# --quiet: the site written again, nothing printed; exit 1 on the store with
# open errors.
expect_status 1 "$CAGUARD" --store "$db" report --html "$tmp/site" --at "$REPORT_AT" --quiet
expect_eq "report --quiet output" "$(cat "$tmp/out" "$tmp/err" | wc -c)" 0
[ -f "$tmp/site/index.html" ] && pass_ || fail_ "report --quiet wrote no index.html"
expect_grep 'No incident recorded' "$tmp/clean/index.html"
expect_grep 'data-live="1"' "$tmp/clean/index.html"

# ---- usage ----
expect_status 0 "$CAGUARD" report --help
expect_grep 'html DIR' "$tmp/out"
expect_status 0 "$CAGUARD" --help
expect_grep '^  report ' "$tmp/out"
expect_status 2 "$CAGUARD" --store "$db" report
expect_grep 'html DIR is required' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/x" --at tomorrow
expect_grep "--at 'tomorrow' is not a date or time" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/x" --max-findings 0
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/x" extra
expect_status 2 "$CAGUARD" --store "$db" report --html "$tmp/x" --loglist "$tmp/none.json"
expect_status 2 "$CAGUARD" --store "$tmp/missing.db" report --html "$tmp/x"
[ -e "$tmp/missing.db" ] && fail_ "report created a store" || pass_
[ -e "$tmp/x" ] && fail_ "a failed report left a directory" || pass_
finish
