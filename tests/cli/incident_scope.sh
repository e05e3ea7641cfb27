#!/usr/bin/env bash
# An incident knows its defect (the rules of the findings it was opened
# for); a second certificate of the same issuing CA with that defect, in no
# incident, is named on the incident (incident.scope_incomplete) by
# incident scope and incident status, and in the report's Impact, until
# incident add takes it in. The certificates are made here with pyca
# cryptography: precertificates whose poison extension is not critical
# (ct.precert.poison_not_critical), DV policy OID, serverAuth.
. "$(dirname "$0")/lib.sh"
db=$tmp/scope.db
inc() { "$CAGUARD" --store "$db" incident "$@"; }

/usr/bin/python3 - "$tmp" <<'PY' || fail_ "could not make the certificates"
import datetime, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
out = sys.argv[1]
t0 = datetime.datetime(2024, 3, 1)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Scope Test Issuing CA")])
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(t0 - datetime.timedelta(days=30))
      .not_valid_after(t0 + datetime.timedelta(days=3650))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                     critical=True)
      .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
      .sign(ca_key, hashes.SHA256()))
open(f"{out}/ca.pem", "wb").write(ca.public_bytes(serialization.Encoding.PEM))
# the CA's CRL, for the monitor run below (nothing revoked)
os.makedirs(f"{out}/www", exist_ok=True)
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_name)
       .last_update(t0).next_update(t0 + datetime.timedelta(days=7))
       .add_extension(x509.CRLNumber(1), critical=False)
       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                      critical=False)
       .sign(ca_key, hashes.SHA256()))
open(f"{out}/www/ca.crl", "wb").write(crl.public_bytes(serialization.Encoding.DER))
# BR-conformant but for the defect: 80-bit serials (the last 16 bits name the
# files), public names, AIA with OCSP (the profile runs when the incident is opened)
for serial, host, day in ((0x7A3F9E21C4B8D6055C01, "shop.example.com", 0),
                          (0x7A3F9E21C4B8D6055C02, "mail.example.com", 2)):
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
         .issuer_name(ca_name).public_key(key.public_key()).serial_number(serial)
         .not_valid_before(t0 + datetime.timedelta(days=day))
         .not_valid_after(t0 + datetime.timedelta(days=day + 90))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
         .add_extension(x509.AuthorityInformationAccess([
             x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                    x509.UniformResourceIdentifier("http://ocsp.example.com")),
             x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                                    x509.UniformResourceIdentifier(
                                        "http://pki.example.com/scope-ca.cer"))]),
             critical=False)
         .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
             x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False)
         # the CT poison, not critical: the defect
         .add_extension(x509.UnrecognizedExtension(
             x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3"), b"\x05\x00"), critical=False))
    cert = b.sign(ca_key, hashes.SHA256())
    open(f"{out}/p{serial & 0xFFFF:x}.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
PY

expect_status 0 "$CAGUARD" --store "$db" ingest --seen-at 2024-02-01T00:00:00Z "$tmp/ca.pem"
# The first occurrence: its finding, then the incident opened on it.
expect_status 1 "$CAGUARD" --store "$db" ingest --at 2024-03-02T00:00:00Z "$tmp/p5c01.pem"
expect_grep 'ct\.precert\.poison_not_critical' "$tmp/out"
expect_status 0 inc open --kind misissuance --reported-at 2024-03-02T00:00:00Z \
  --title "Precertificate poison not critical" "$tmp/p5c01.pem"
# Its defect: the rule of the findings it was opened for.
expect_status 0 inc scope 1
expect_grep '^incident 1: defect rules: ct\.precert\.poison_not_critical$' "$tmp/out"
[ "$(grep -c 'serial ' "$tmp/out")" = 0 ] && pass_ || fail_ "a gap before the second occurrence"
expect_status 0 inc status 1 --at 2024-03-02T12:00:00Z
grep -q scope_incomplete "$tmp/out" && fail_ "scope_incomplete with nothing missing" || pass_

# The second occurrence arrives: named on the incident.
expect_status 1 "$CAGUARD" --store "$db" ingest --at 2024-03-04T00:00:00Z "$tmp/p5c02.pem"
sha2=$(openssl x509 -in "$tmp/p5c02.pem" -outform DER | sha256sum | cut -c1-64)
expect_status 0 inc scope 1
expect_grep "^  precertificate +serial 7a3f9e21c4b8d6055c02, sha256 $sha2 \\(ct\\.precert\\.poison_not_critical\\)$" "$tmp/out"
expect_status 1 inc status 1 --at 2024-03-04T12:00:00Z
expect_grep "incident\\.scope_incomplete: precertificate 7a3f9e21c4b8d6055c02 \\(sha256 $sha2\\) has an open ct\\.precert\\.poison_not_critical finding, the defect of incident 1, and is in no incident \\(caguard incident add 1 $sha2\\)" "$tmp/out"
expect_status 1 inc status 1 --format json --at 2024-03-04T12:00:00Z
expect_grep '"rule":"incident.scope_incomplete".*"incident":1' "$tmp/out"
# The monitor judges it too, as objects arrive (one judgement with incident
# status): stored with its incident and printed once; a second run finds it
# stored already.
start_server --files "$tmp/www"
mon() { "$CAGUARD" --store "$db" monitor --once --issuer "$tmp/ca.pem" --crl-url "$url/files/ca.crl" "$@"; }
mon >"$tmp/mon1.out" 2>"$tmp/mon1.err"
expect_grep "incident\\.scope_incomplete: precertificate 7a3f9e21c4b8d6055c02 \\(sha256 $sha2\\) has an open ct\\.precert\\.poison_not_critical finding, the defect of incident 1" "$tmp/mon1.out"
mon >"$tmp/mon2.out" 2>"$tmp/mon2.err"
expect_no_grep 'scope_incomplete' "$tmp/mon2.out"
expect_status 1 "$CAGUARD" --store "$db" findings --rule incident.scope_incomplete --format json
expect_grep '"rule":"incident.scope_incomplete".*"status":"open".*"incident":1' "$tmp/out"
[ "$(wc -l <"$tmp/out")" = 1 ] && pass_ || fail_ "want one stored scope finding"

# ... and in the report's Impact, with the types from the policy OID.
expect_status 0 inc report 1 --at 2024-03-04T12:00:00Z
expect_grep '^- \*\*Total number of certificates:\*\* 1 \(1 known only by its precertificate\)\. 1 more certificate with the same defect found by caguard, not in this report: serial 7a3f9e21c4b8d6055c02 \(precertificate, sha256 ' "$tmp/out"
expect_grep '^- \*\*Affected certificate types:\*\* This incident affects DV certificates' "$tmp/out"
expect_grep '^- \*\*Incident heuristic:\*\* Any certificate issued by `CN=Scope Test Issuing CA` with a notBefore from .*\(`ct\.precert\.poison_not_critical`\)' "$tmp/out"

# ... and on the dashboard's incident page, whose draft is the same report.
"$CAGUARD" --store "$db" report --html "$tmp/site" --at 2024-03-04T12:00:00Z >/dev/null 2>&1
expect_grep '<p class="missed" id="scope-gaps">' "$tmp/site/incident-1.html"
expect_grep "<td>precertificate</td><td class=\"mono\">7a3f9e21c4b8d6055c02</td><td class=\"mono\">$sha2</td>" "$tmp/site/incident-1.html"
cmp -s "$tmp/site/incident-1.md" <("$CAGUARD" --store "$db" incident report 1 --at 2024-03-04T12:00:00Z) &&
  pass_ || fail_ "the dashboard's draft differs from incident report"

# incident add takes it in by its SHA-256: the gap closes.
expect_status 0 inc add 1 "$sha2"
expect_grep '1 object added to incident 1' "$tmp/err"
# The monitor resolves its finding (before incident status does): the gap
# is closed.
mon >"$tmp/mon3.out" 2>"$tmp/mon3.err"
"$CAGUARD" --store "$db" findings --rule incident.scope_incomplete --format json >"$tmp/out" 2>&1
expect_grep '"rule":"incident.scope_incomplete".*"status":"resolved"' "$tmp/out"
expect_no_grep '"status":"open"' "$tmp/out"
stop_server
expect_status 0 inc scope 1
[ "$(grep -c 'serial ' "$tmp/out")" = 0 ] && pass_ || fail_ "still a gap after incident add"
expect_status 0 inc status 1 --at 2024-03-04T13:00:00Z
grep -q scope_incomplete "$tmp/out" && fail_ "scope_incomplete after incident add" || pass_
expect_status 0 inc report 1 --at 2024-03-04T13:00:00Z
expect_grep '^- \*\*Total number of certificates:\*\* 2 \(2 known only by their precertificates\)$' "$tmp/out"

# The scope can be set; bad input changes nothing.
expect_status 0 inc scope 1 --rule ct.precert.poison_not_critical --rule ct.precert.sct_list_present
expect_grep '^incident 1: defect rules: ct\.precert\.poison_not_critical ct\.precert\.sct_list_present$' "$tmp/out"
expect_status 2 inc scope 1 --rule ct.no_such_rule
expect_grep "unknown rule 'ct.no_such_rule'" "$tmp/err"
expect_status 2 inc scope 99
expect_status 2 inc add 1 0000000000000000000000000000000000000000000000000000000000000000
expect_grep 'no object with that SHA-256' "$tmp/err"
expect_status 2 inc add 1
finish
