#!/usr/bin/env bash
# The dashboard in a real browser: Debian's chromium, headless, offline
# (every host name unresolvable). Skipped (exit 77) when chromium is not
# installed (scripts/install-deps --test installs it).
#
# For each page: no console message at all (chromium's console log on
# stderr, and a recorder injected into a copy of the page that catches
# console.error/warn, uncaught errors, rejected promises and CSP
# violations and writes them into the DOM); the script ran; the tables and
# charts of the rendered DOM hold the numbers of `caguard findings`; filters
# given in the URL (fragment and query) leave the right rows; no element
# outside a scrolling table sticks out of a 1280 px or a 390 px wide
# viewport; at both widths index.html leads with the "due next" band (the
# first section, its top in the first screen) and has the sources panel,
# and at 390 px the deadline tables are cards (no table head shown).
# Screenshots (desktop 1400x900, phone 390x844) are saved under the build
# tree: $CG_BUILD_DIR/dashboard-screenshots; with CG_UPDATE_SCREENSHOTS=1
# also into docs/img/ (the ones docs/report.md shows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/report_store.sh"
browser=$(command -v chromium || true)
if [ -z "$browser" ]; then
  echo "SKIP: Debian's chromium is not installed (apt-get install chromium, or" \
       "scripts/install-deps --test); the dashboard was not tried in a browser"
  exit 77
fi
shots=${CG_BUILD_DIR:-$tmp}/dashboard-screenshots
mkdir -p "$shots"
db=$tmp/b.db
site=$tmp/site
build_report_store "$db" "$tmp/work" && pass_ || fail_ "building the store"
# The sources as a monitor would have left them at REPORT_AT (2024-03-01):
# a log 10 entries behind whose fetches fail since 40 min, a stale CRL;
# their URLs carry passwords, which the page must not show.
sqlite3 "$db" "INSERT INTO log_state (log_id, url, position, frontier, sth_size, sth_timestamp,
      sth_root, sth_signature, last_contact, failing_since, updated_at)
    VALUES (zeroblob(32), 'https://mon:Secr3t-log@ct.example/2024/', 90, x'', 100,
      1709247600000, zeroblob(32), x'0403000100', 1709247600, 1709248800, 1709248800);
  INSERT INTO crl_sources (url, is_list, issuer_label, origin, last_fetch, last_change,
      http_code, status, this_update, next_update, entries, failures, failing_since, crl_sha256)
    VALUES ('http://crl:Secr3t-crl@crl.example/ca.crl', 0, 'ca', 'config', 1709247000,
      1709100000, 503, '503 Service Unavailable', 1709000000, 1709200000, 2, 3, 1709240000,
      zeroblob(32))" && pass_ || fail_ "adding the sources"
expect_status 1 "$CAGUARD" --store "$db" report --html "$site" --at "$REPORT_AT" \
  --loglist "$CG_TEST_DATA/ct3/loglist.json"
"$CAGUARD" --store "$db" findings --format json >"$tmp/findings.json"
# count KEY=VALUE...: findings whose JSON fields all match
count() {
  python3 - "$tmp/findings.json" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = dict(a.split("=", 1) for a in sys.argv[2:])
print(sum(1 for r in rows if all(str(r.get(k)) == v for k, v in want.items())))
PY
}
total=$(count)
open_errors=$(count severity=error status=open)

# The recorder, allowed by its hash in the copy's Content-Security-Policy.
rec=$(cat <<'JS'
(function(){var log=[];function put(k,m){log.push(k+': '+m);}
var ce=console.error,cw=console.warn;
console.error=function(){put('console.error',[].join.call(arguments,' '));return ce.apply(console,arguments);};
console.warn=function(){put('console.warn',[].join.call(arguments,' '));return cw.apply(console,arguments);};
window.addEventListener('error',function(e){put('error',e.message||(e.target&&e.target.outerHTML)||'?');},true);
window.addEventListener('unhandledrejection',function(e){put('unhandledrejection',String(e.reason));});
document.addEventListener('securitypolicyviolation',function(e){put('csp',e.violatedDirective+' '+e.blockedURI);});
window.addEventListener('load',function(){var w=document.documentElement.clientWidth,over=[];
document.querySelectorAll('body *').forEach(function(el){if(el.closest('.scroll'))return;
var r=el.getBoundingClientRect();if(r.width>0&&r.right>w+1)over.push(el.tagName.toLowerCase()+
(el.id?'#'+el.id:'')+(el.getAttribute('class')?'.'+el.getAttribute('class'):''));});
var p=document.createElement('pre');p.id='cg-console';p.setAttribute('data-recorder','on');
p.setAttribute('data-count',String(log.length));p.setAttribute('data-width',String(w));
p.setAttribute('data-scroll-width',String(document.documentElement.scrollWidth));
p.setAttribute('data-overflow',String(over.length));
var m=document.querySelector('main'),fs=m&&m.querySelector('section'),dn=document.getElementById('due-next');
p.setAttribute('data-first-section',fs?fs.id:'');
p.setAttribute('data-due-top',dn?String(Math.round(dn.getBoundingClientRect().top)):'-1');
p.setAttribute('data-view-height',String(window.innerHeight));
p.setAttribute('data-sources',document.getElementById('sources')?'1':'0');
var dt=document.getElementById('deadlines-table')||document.getElementById('incidents-table');
p.setAttribute('data-thead',dt&&dt.tHead?getComputedStyle(dt.tHead).display:'none-found');
p.textContent=log.concat(over.map(function(o){return 'overflow: '+o;})).join('\n');
document.body.appendChild(p);if(window.parent!==window)window.parent.postMessage(p.outerHTML,'*');});})();
JS
)
hash=$(printf '%s' "$rec" | openssl dgst -sha256 -binary | openssl base64 -A)
for page in index incident-1; do
  # through the environment: awk -v would read the backslashes in it
  REC=$rec HASH=$hash awk '
    /http-equiv="Content-Security-Policy"/ {
      sub(/script-src /, "script-src '\''sha256-" ENVIRON["HASH"] "'\'' ")
      print; print "<script>" ENVIRON["REC"] "</script>"; next }
    { print }' "$site/$page.html" >"$site/check-$page.html"
  grep -q "sha256-$hash" "$site/check-$page.html" && pass_ || fail_ "recorder not injected in $page"
done
frame() { # FILE PAGE: a 390x844 frame around PAGE that collects its layout report
  cat >"$site/$1" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;overflow:hidden}
iframe{border:0;width:390px;height:844px;display:block}</style></head><body>
<iframe src="$2"></iframe><div id="layout"></div><script>window.addEventListener('message',
function(e){document.getElementById('layout').innerHTML=e.data;});</script></body></html>
HTML
}
frame phone-check.html check-index.html
frame phone-check-incident.html check-incident-1.html
frame phone.html index.html

runs=0
# chrome NAME URL ARGS...: one headless run, stdout to $tmp/NAME.dom; fails
# on a time-out, an exit status or any console message.
chrome() {
  local name=$1 url=$2 rc=0
  shift 2
  runs=$((runs + 1))
  timeout -k 10 150 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --no-default-browser-check --disable-extensions --disable-sync \
    --disable-background-networking --disable-component-update --no-pings \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$tmp/profile-$name" \
    --enable-logging=stderr --v=0 "$@" "$url" >"$tmp/$name.dom" 2>"$tmp/$name.err" || rc=$?
  if [ "$rc" != 0 ]; then
    fail_ "chromium $name: exit $rc (124: timed out)"; tail -5 "$tmp/$name.err" >&2
    return
  fi
  if grep -q ':CONSOLE' "$tmp/$name.err"; then
    fail_ "chromium $name: console messages:"; grep ':CONSOLE' "$tmp/$name.err" | head -5 >&2
  else
    pass_
  fi
}
# page_ok NAME: the recorder ran and caught nothing; the page's script ran
page_ok() {
  expect_grep '<html lang="en" data-js="ready">' "$tmp/$1.dom"
  expect_grep '<pre id="cg-console" data-recorder="on" data-count="0"' "$tmp/$1.dom"
  expect_grep 'data-overflow="0"' "$tmp/$1.dom"
  sed -n '/<pre id="cg-console"/,/<\/pre>/p' "$tmp/$1.dom" | grep -E 'overflow:|csp:|error' >&2
}
visible() { grep -oE '<tr data-rule="[^>]*>' "$tmp/$1.dom" | grep -vc ' hidden=' || true; }
dump=(--dump-dom --window-size=1280,900 --virtual-time-budget=3000)

# Desktop, no filter: every row, the numbers as written.
chrome index "file://$site/check-index.html" "${dump[@]}"
page_ok index
expect_grep '<div class="filters" id="filters">' "$tmp/index.dom"
[ "$(visible index)" = "$total" ] && pass_ || fail_ "$(visible index) rows shown, want $total"
expect_grep "<span id=\"shown\">$total</span> of <span id=\"listed\">$total</span>" "$tmp/index.dom"
expect_grep "id=\"card-errors\">Open errors<b class=\"sev-error\">$open_errors</b>" "$tmp/index.dom"
expect_grep '<div class="crow" data-operator="ct3 Operator A" data-count="[1-9]' "$tmp/index.dom"
expect_grep 'data-incident="1" data-state="overdue" data-delay-hours="1440" data-deadline-hours="120"' \
  "$tmp/index.dom"
n=$(count rule=ct.policy.chrome_unsatisfied)
expect_grep "<div class=\"crow\" data-rule=\"ct.policy.chrome_unsatisfied\" data-total=\"$n\">" \
  "$tmp/index.dom"

# What is due comes first, in the first screen; the sources are there.
# layout NAME: the band is main's first section, its top in the upper half
# of the viewport; the sources panel is present.
layout() {
  local dom=$tmp/$1.dom first top h
  first=$(grep -oE 'data-first-section="[^"]*"' "$dom" | head -1)
  expect_eq "$1: main's first section" "$first" 'data-first-section="due-next"'
  top=$(grep -oE 'data-due-top="-?[0-9]+"' "$dom" | head -1 | grep -oE -- '-?[0-9]+')
  h=$(grep -oE 'data-view-height="[0-9]+"' "$dom" | head -1 | grep -oE '[0-9]+')
  if [ -n "$top" ] && [ -n "$h" ] && [ "$top" -ge 0 ] && [ "$top" -lt "$((h / 2))" ]; then
    pass_
  else
    fail_ "$1: the due-next band's top at ${top:-?} px of a ${h:-?} px screen"
  fi
  expect_grep 'data-sources="1"' "$dom"
}
layout index
expect_grep '<li class="due-item urg-over" data-what="revocation" data-incident="1">' \
  "$tmp/index.dom"
expect_grep '<tr class="src-log src-bad" data-state="failing">' "$tmp/index.dom"
expect_grep '<tr class="src-crl src-bad" data-state="stale">' "$tmp/index.dom"
expect_grep '<td class="num" data-label="Behind">10</td>' "$tmp/index.dom"
expect_no_grep 'Secr3t' "$tmp/index.dom"
expect_grep 'data-thead="table-header-group"' "$tmp/index.dom"

# A page older than its interval says so (its written time moved back a
# day; the banner is computed in the page from that time and the clock).
sed 's/data-written="[0-9]*"/data-written="'"$(($(date +%s) - 86400))"'"/' "$site/check-index.html" \
  >"$site/check-stale.html"
chrome stale "file://$site/check-stale.html" "${dump[@]}"
page_ok stale
expect_grep '<p id="stale" class="stale" role="alert" data-written="[0-9]+" data-interval="3600">Out of date: this page was written (24 h|1 days?) ' \
  "$tmp/stale.dom"
expect_grep '<p id="stale" class="stale" role="alert" hidden="" data-written' "$tmp/index.dom"

# Filters from the address: the fragment, the query, an issuer, nothing.
chrome errors "file://$site/check-index.html#severity=error&status=open" "${dump[@]}"
page_ok errors
[ "$(visible errors)" = "$open_errors" ] && pass_ ||
  fail_ "#severity=error&status=open: $(visible errors) rows shown, want $open_errors"
expect_grep "<span id=\"shown\">$open_errors</span> of <span id=\"listed\">$total</span>" \
  "$tmp/errors.dom"
n=$(count rule=ct.sct.signature_invalid)
chrome query "file://$site/check-index.html?rule=ct.sct.signature_invalid" "${dump[@]}"
page_ok query
[ "$(visible query)" = "$n" ] && pass_ || fail_ "?rule=...: $(visible query) rows shown, want $n"
ca='CN=caguard SCT test CA,O=caguard test,C=XX'
n=$(count "issuer=$ca" severity=warning)
chrome issuer "file://$site/check-index.html#issuer=CN%3Dcaguard%20SCT%20test%20CA%2CO%3Dcaguard%20test%2CC%3DXX&severity=warning" "${dump[@]}"
page_ok issuer
[ "$n" -gt 0 ] && [ "$(visible issuer)" = "$n" ] && pass_ ||
  fail_ "#issuer=...&severity=warning: $(visible issuer) rows shown, want $n"
chrome none "file://$site/check-index.html#rule=no.such.rule" "${dump[@]}"
page_ok none
[ "$(visible none)" = 0 ] && pass_ || fail_ "#rule=no.such.rule: $(visible none) rows shown"
expect_grep '<p id="no-match" class="note">No finding matches' "$tmp/none.dom"

# The incident pages.
chrome incident1 "file://$site/check-incident-1.html" "${dump[@]}"
page_ok incident1
expect_grep '<tr id="dl-revocation">.*overdue by 55 days' "$tmp/incident1.dom"

# Phone: the pages in a 390 px frame report no element sticking out.
chrome phone-check "file://$site/phone-check.html" --dump-dom --window-size=390,844 \
  --virtual-time-budget=5000
expect_grep '<pre id="cg-console" data-recorder="on" data-count="0" data-width="3[0-9][0-9]"' \
  "$tmp/phone-check.dom"
expect_grep 'data-overflow="0"' "$tmp/phone-check.dom"
sed -n '/<pre id="cg-console"/,/<\/pre>/p' "$tmp/phone-check.dom" | grep overflow: >&2
layout phone-check
expect_grep 'data-thead="none"' "$tmp/phone-check.dom"
chrome phone-incident "file://$site/phone-check-incident.html" --dump-dom --window-size=390,844 \
  --virtual-time-budget=5000
expect_grep 'data-count="0" data-width="3[0-9][0-9]" data-scroll-width="3[0-9][0-9]" data-overflow="0"' \
  "$tmp/phone-incident.dom"
# the deadlines as cards: no table head, each cell labelled
expect_grep 'data-thead="none"' "$tmp/phone-incident.dom"
expect_grep '<td class="nowrap" data-label="Due">' "$tmp/incident1.dom"
expect_grep '<figure class="chart" id="chart-timeline">' "$tmp/incident1.dom"
expect_grep '<li class="tl-rev-late" data-revocations="1">' "$tmp/incident1.dom"

# Screenshots of the pages as written (no recorder).
shot() { # NAME URL WxH
  rm -f "$shots/$1.png"
  chrome "shot-$1" "$2" --screenshot="$shots/$1.png" --window-size="$3" --hide-scrollbars
  if [ -s "$shots/$1.png" ] && [ "$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$shots/$1.png")" = "${3/,/x}" ]; then
    pass_
  else
    fail_ "no $3 screenshot $shots/$1.png"
  fi
}
shot desktop "file://$site/index.html" 1400,900
shot incident-desktop "file://$site/incident-1.html" 1400,900
shot phone "file://$site/phone.html" 390,844
frame phone-incident.html incident-1.html
shot phone-incident "file://$site/phone-incident.html" 390,844
if [ "${CG_UPDATE_SCREENSHOTS:-}" = 1 ]; then
  for f in desktop incident-desktop phone phone-incident; do
    cp "$shots/$f.png" "$CG_SOURCE_DIR/docs/img/dashboard-$f.png"
  done
  echo "screenshots copied into $CG_SOURCE_DIR/docs/img"
fi
echo "screenshots in $shots; $runs chromium runs"
finish
