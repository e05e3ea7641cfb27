#!/usr/bin/env bash
# caguard incident open/event/list/show/status/report over an SQLite store:
# the seed's delayed revocation (51 days, wrong reason, late reports), the
# findings with their incident, the CCADB report, and bad input (exit 2,
# the store untouched).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA/incident/store
db=$tmp/inc.db
state() { stat -c '%y %s' "$1"; md5sum <"$1"; }
inc() { "$CAGUARD" --store "$db" incident "$@"; }

expect_status 0 "$CAGUARD" --store "$db" ingest --seen-at 2023-12-21T00:00:00Z "$d/ca.pem"

# Open: the ID alone on the first line; the certificates are ingested too.
expect_status 0 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z \
  --title "Precertificate with an SCT list" --source third-party \
  "$d/precert_1001.pem" "$d/cert_1001.pem" "$d/cert_1002.pem"
id=$(head -1 "$tmp/out")
[ "$id" = 1 ] && pass_ || fail_ "first line '$id', want the ID 1"
[ "$(wc -l <"$tmp/out")" = 1 ] && pass_ || fail_ "open printed more than the ID on stdout"
# Counted as the CCADB counts, by issuer and serial: precertificate 1001 and
# certificate 1001 are one certificate.
expect_grep 'incident 1 with 2 certificates \(by issuer and serial; 3 objects\)' "$tmp/err"

# The CRL that revokes 1001 is first seen on day 51.
expect_status 0 "$CAGUARD" --store "$db" ingest --seen-at 2024-02-21T10:00:00Z \
  --at 2024-02-21T10:00:00Z "$d/crl_day51.pem"
expect_status 0 inc event 1 --type preliminary-report --at 2024-01-05T12:00:00Z \
  --note "posted to Bugzilla"
expect_status 0 inc event 1 --type full-report --at 2024-01-20T08:00:00Z
expect_status 0 inc event 1 --type update --at 2024-02-22T08:00:00Z --next-update 2024-03-10T00:00:00Z

expect_status 0 inc list
expect_grep '^1 +misissuance +2024-01-01T00:00:00Z +2 certs +open +Precertificate' "$tmp/out"
expect_status 0 inc show 1
expect_grep 'kind +misissuance: revoke within 5 days, superseded \(4\)' "$tmp/out"
expect_grep 'revoked 2024-02-21T09:00:00Z, cessationOfOperation \(5\); first seen on a CRL 2024-02-21T10:00:00Z' "$tmp/out"
expect_grep 'next update +2024-03-10T00:00:00Z' "$tmp/out"

# Status on 2024-03-01: the revocation 51 days late with the wrong reason,
# 1002 never revoked, both reports late, and the update overdue: a
# revocation-delay incident owes one every 3 days, next-update date or not.
expect_status 1 inc status 1 --at 2024-03-01T00:00:00Z --format json
cp "$tmp/out" "$tmp/status.json"
expect_grep '"rule":"revocation.deadline_missed".*"serial":"5ca90a2de7b14c3f00001001".*revoked 46 days 10 hours late.*"incident":1' "$tmp/status.json"
expect_grep '"rule":"revocation.reason_incorrect".*"kind":"certificate".*cessationOfOperation.*"incident":1' "$tmp/status.json"
expect_grep '"rule":"revocation.reason_incorrect".*"kind":"precertificate"' "$tmp/status.json"
expect_grep '"rule":"revocation.deadline_missed".*"serial":"5ca90a2de7b14c3f00001002".*not revoked' "$tmp/status.json"
expect_grep '"rule":"incident.preliminary_report_overdue".*"kind":"incident".*"object":null' "$tmp/status.json"
expect_grep '"rule":"incident.full_report_overdue"' "$tmp/status.json"
expect_grep '"rule":"incident.update_overdue".*due 2024-02-25T08:00:00Z \(3 days \(revocation-delay' \
  "$tmp/status.json"
# ... and the MUST behind it missed: 7 days after the update of 2024-02-22,
# whatever next-update date a revocation-delay incident set.
expect_grep '"rule":"incident.update_missed".*requires by 2024-02-29T08:00:00Z \(7 days after the last update\)' \
  "$tmp/status.json"
[ "$(wc -l <"$tmp/status.json")" = 9 ] && pass_ || fail_ "want 9 findings"
expect_status 1 inc status --at 2024-03-01T00:00:00Z
expect_grep '^incident 1 #0: incident' "$tmp/out"
# --at only prints; without it the findings are stored too.
expect_status 0 "$CAGUARD" --store "$db" findings --format json --rule revocation.reason_incorrect
expect_no_grep 'reason_incorrect' "$tmp/out"
expect_status 1 inc status 1
expect_status 1 "$CAGUARD" --store "$db" findings --format json --rule revocation.deadline_missed
expect_grep '"incident":1' "$tmp/out"

# The report: complete by the lint, with the revocations in its timeline,
# and the appendix CSV.
expect_status 0 inc report 1 --at 2024-03-01T00:00:00Z --appendix-csv "$tmp/appendix.csv"
cp "$tmp/out" "$tmp/report.md"
expect_grep 'Source of incident disclosure:\*\* Third Party Reported' "$tmp/report.md"
expect_grep '^- \*\*Total number of certificates:\*\* 2$' "$tmp/report.md"
expect_grep 'certificate 5ca90a2de7b14c3f00001001 revoked .*cessationOfOperation \(5\).*first seen on a CRL: 46 days 10 hours after the revocation deadline' "$tmp/report.md"
expect_grep 'Preliminary incident report posted: posted to Bugzilla' "$tmp/report.md"
# One report a draft: the Full report by default.
expect_grep '^## Full Incident Report$' "$tmp/report.md"
grep -q '^## Preliminary Incident Report$' "$tmp/report.md" && fail_ "preliminary in full" || pass_
# Untouched, it is not a report: the lint lists every field left to the CA.
expect_status 1 "$CAGUARD" incident lint "$tmp/report.md"
expect_grep "Impact: field 'Was issuance stopped in response to this incident, and why or why not\?' still has caguard's fill-in marker" "$tmp/out"
expect_grep "Root Cause Analysis: field 'Detection' still has caguard's fill-in marker" "$tmp/out"
expect_grep "Action Items: row 1 still has caguard's fill-in marker" "$tmp/out"
# Against the store (--incident): the draft agrees with it; a report that
# miscounts, names a serial of no certificate of the incident, leaves one
# out or says a certificate is revoked when no CRL caguard saw says so is
# incident.report_inconsistent.
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$tmp/report.md"
expect_no_grep 'report_inconsistent' "$tmp/out"
sed -e 's/^\(- \*\*Total number of certificates:\*\*\) 2$/\1 3/' \
    -e 's/serial 5ca90a2de7b14c3f00001002, revoked: [A-Za-z]*/serial 5ca90a2de7b14c3f00001003, revoked: Yes/' "$tmp/report.md" >"$tmp/wrong.md"
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z --format json "$tmp/wrong.md"
expect_grep '"rule":"incident.report_inconsistent".*Total number of certificates is 3; incident 1 has 2' "$tmp/out"
expect_grep '"rule":"incident.report_inconsistent".*the appendix names serial 5ca90a2de7b14c3f00001003, which is none of incident 1' "$tmp/out"
expect_grep '"rule":"incident.report_inconsistent".*serial 5ca90a2de7b14c3f00001002 of incident 1 is not in the appendix' "$tmp/out"
[ "$(grep -c report_inconsistent "$tmp/out")" = 3 ] && pass_ || fail_ "want 3 report_inconsistent"
sed -e 's/serial 5ca90a2de7b14c3f00001001, revoked: Yes/serial 5ca90a2de7b14c3f00001001, revoked: Planned/' "$tmp/report.md" >"$tmp/wrong2.md"
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$tmp/wrong2.md"
expect_grep 'the appendix says serial 5ca90a2de7b14c3f00001001 is revoked: Planned; at 2024-03-01T00:00:00Z the CRLs caguard saw say Yes' "$tmp/out"
# Revocation dates and reasons written in the report: serial 1001's CRL
# entry says 2024-02-21T09:00:00Z, cessationOfOperation (first seen on a
# CRL an hour later). A row claiming revocation on 2024-01-05 for Key
# Compromise (as the seed's CA might have written to hide the 51 days) is
# two findings; the day as written in another time zone and the reason
# spelled out are none.
sed -e 's/serial 5ca90a2de7b14c3f00001001, revoked: Yes)/serial 5ca90a2de7b14c3f00001001, revoked: Yes; revocation date 2024-01-05 10:00 UTC, reason Key Compromise)/' \
  "$tmp/report.md" >"$tmp/wrong3.md"
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$tmp/wrong3.md"
expect_grep 'the appendix says serial 5ca90a2de7b14c3f00001001 was revoked 2024-01-05 10:00 UTC; its CRL entry.s revocationDate is 2024-02-21T09:00:00Z \(first seen on a CRL 2024-02-21T10:00:00Z\)' "$tmp/out"
expect_grep 'the appendix says serial 5ca90a2de7b14c3f00001001 was revoked for keyCompromise; its CRL entry has cessationOfOperation \(5\)' "$tmp/out"
[ "$(grep -c report_inconsistent "$tmp/out")" = 2 ] && pass_ || fail_ "want 2 report_inconsistent"
sed -e 's/serial 5ca90a2de7b14c3f00001001, revoked: Yes)/serial 5ca90a2de7b14c3f00001001, revoked: Yes, revoked on 2024-02-22 (cessation of operation))/' \
  "$tmp/report.md" >"$tmp/right3.md"
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$tmp/right3.md"
expect_no_grep 'report_inconsistent' "$tmp/out"
# The Appendix CSV: the one caguard wrote agrees with the store; one laid
# out as the CCADB template defines it (its header, "Serial #" in hex with
# colons, a date-only "Revocation date", a custom column appended to the
# right) is held to the same CRL entries. Alone, it needs --incident.
expect_status 0 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$tmp/appendix.csv"
expect_grep 'appendix.csv: an Appendix CSV consistent with the store$' "$tmp/out"
expect_no_grep 'report_in' "$tmp/out"
expect_status 1 "$CAGUARD" --store "$db" incident lint --incident 1 --at 2024-03-01T00:00:00Z "$CG_TEST_DATA/incident/ccadb-appendix.csv"
expect_grep 'the Appendix CSV says serial 5ca90a2de7b14c3f00001001 was revoked 2024-01-05; its CRL entry.s revocationDate is 2024-02-21T09:00:00Z' "$tmp/out"
expect_grep 'the Appendix CSV says serial 5ca90a2de7b14c3f00001001 was revoked for superseded; its CRL entry has cessationOfOperation \(5\)' "$tmp/out"
expect_grep 'the Appendix CSV says serial 5ca90a2de7b14c3f00001002 is revoked: Yes; at 2024-03-01T00:00:00Z the CRLs caguard saw say Delayed' "$tmp/out"
[ "$(grep -c report_inconsistent "$tmp/out")" = 3 ] && pass_ || fail_ "want 3 report_inconsistent"
expect_status 2 "$CAGUARD" incident lint "$CG_TEST_DATA/incident/ccadb-appendix.csv"
expect_grep 'is an Appendix CSV: .*give --incident ID' "$tmp/err"
expect_status 2 "$CAGUARD" --store "$db" incident lint --incident 99 "$tmp/report.md"
expect_status 2 "$CAGUARD" --store "$db" incident lint --incident x "$tmp/report.md"
# The types come from the certificates' policy OIDs as stored.
expect_grep '^- \*\*Affected certificate types:\*\* ' "$tmp/report.md"
# The preliminary report: everything in it is caguard's to fill.
expect_status 0 inc report 1 --kind preliminary --at 2024-03-01T00:00:00Z
cp "$tmp/out" "$tmp/pre.md"
expect_grep '^## Preliminary Incident Report$' "$tmp/pre.md"
expect_status 0 "$CAGUARD" incident lint "$tmp/pre.md"
# The CA Owner CCADB unique ID from [ccadb] in the configuration.
printf '[ccadb]\nowner_id = A004512\nca_accounts = pki@example.test, compliance@example.test\n' \
  >"$tmp/ccadb.ini"
expect_status 0 inc report 1 --config "$tmp/ccadb.ini" --at 2024-03-01T00:00:00Z
expect_grep '^- \*\*CA Owner CCADB unique ID:\*\* A004512$' "$tmp/out"
printf '[ccadb]\nowner_id = 4512\n' >"$tmp/bad.ini"
expect_status 2 inc report 1 --config "$tmp/bad.ini"
expect_grep 'owner_id: not a CCADB unique ID' "$tmp/err"
printf '[ccadb]\nca_accounts = pki@example.test, nobody\n' >"$tmp/bad.ini"
expect_status 2 inc report 1 --config "$tmp/bad.ini"
expect_grep "ca_accounts: 'nobody' is not a mail address" "$tmp/err"
# Closure: needs the Full report as posted; refused while an Action Item is open.
expect_status 2 inc report 1 --kind closure
expect_grep 'needs --full-report FILE' "$tmp/err"
expect_status 1 inc report 1 --kind closure --full-report "$CG_TEST_DATA/incident/report-filled.md"
expect_grep "refused: 1 Action Item of the Full Incident Report is not Complete or Canceled: 'Monitor CT logs" "$tmp/err"
[ -s "$tmp/out" ] && fail_ "a refused closure printed a report" || pass_
sed 's/| 2024-04-30 | Ongoing |/| 2024-04-30 | Complete |/' "$CG_TEST_DATA/incident/report-filled.md" >"$tmp/done.md"
expect_status 0 inc report 1 --kind closure --full-report "$tmp/done.md"
expect_grep '^### Report Closure Summary$' "$tmp/out"
expect_grep '^All Action Items disclosed in this report have been completed as described, and we request its closure\.$' "$tmp/out"
expect_status 2 inc report 1 --kind final
expect_grep '^Precertificate SHA-256 hash,Certificate SHA-256 hash,Subject,Issuer,Not before,Not after,Serial #,dNSNames,Is revoked\?,Revocation date,Revocation reason' "$tmp/appendix.csv"
expect_grep '^[0-9a-f]{64},[0-9a-f]{64},CN=shop.example.com,.*,5ca90a2de7b14c3f00001001,shop.example.com,Yes,2024-02-21T09:00:00Z,cessationOfOperation' "$tmp/appendix.csv"
expect_grep '^N/A,[0-9a-f]{64},CN=mail.example.com,.*,5ca90a2de7b14c3f00001002,mail.example.com,Delayed,N/A,N/A' "$tmp/appendix.csv"
[ "$(wc -l <"$tmp/appendix.csv")" = 3 ] && pass_ || fail_ "want a header and two rows"

# Bad input: a clear message, exit 2, the store untouched.
before=$(state "$db")
expect_status 2 inc open --kind revoked-late --reported-at 2024-01-01T00:00:00Z "$d/cert_1002.pem"
expect_grep "unknown kind 'revoked-late'; the kinds are: subscriber-request, unauthorized" "$tmp/err"
expect_status 2 inc open --kind misissuance --reported-at yesterday "$d/cert_1002.pem"
expect_grep "--reported-at 'yesterday' is not a date or time" "$tmp/err"
expect_status 2 inc open --kind misissuance "$d/cert_1002.pem"
expect_grep 'reported-at TIME is required' "$tmp/err"
expect_status 2 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z --source press
expect_status 2 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z "$d/crl_day51.pem"
expect_grep 'not a certificate or precertificate' "$tmp/err"
expect_status 2 inc open --kind misissuance --reported-at 2024-01-01T00:00:00Z "$tmp/none.pem"
expect_status 2 inc event 99 --type update --at 2024-03-01T00:00:00Z
expect_grep 'no incident 99' "$tmp/err"
expect_status 2 inc event 1 --type comment --at 2024-03-01T00:00:00Z
expect_grep '--type must be preliminary-report' "$tmp/err"
expect_status 2 inc event 1 --type update --at 2024-13-01T00:00:00Z
expect_status 2 inc event one --type update --at 2024-03-01T00:00:00Z
expect_status 2 inc show 99
expect_grep 'no incident 99' "$tmp/err"
expect_status 2 inc status 99
expect_status 2 inc report 99
expect_status 2 inc status 1 --at soon
expect_status 2 inc report 1 --appendix-csv "$tmp/no/such/dir.csv"
[ "$(state "$db")" = "$before" ] && pass_ || fail_ "bad input changed the store"
# A store that does not exist is not created by the read commands, and a
# file that is not a caguard store is refused and left alone.
expect_status 2 "$CAGUARD" --store "$tmp/missing.db" incident list
[ -e "$tmp/missing.db" ] && fail_ "incident list created a store" || pass_
echo "not a database" >"$tmp/notours.db"
before=$(state "$tmp/notours.db")
expect_status 2 "$CAGUARD" --store "$tmp/notours.db" incident open --kind misissuance \
  --reported-at 2024-01-01T00:00:00Z "$d/cert_1002.pem"
[ "$(state "$tmp/notours.db")" = "$before" ] && pass_ || fail_ "a foreign file was modified"
finish
