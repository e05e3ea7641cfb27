#!/usr/bin/env bash
# Rules that know their dates (the rule table's effective and end dates, judged
# against the object's issuance), and CRL signature and extension gaps, on
# vectors from tests/data/rulegaps (make_vectors.py) and NIST PKITS as Debian
# ships it (python3-cryptography-vectors).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA/rulegaps

# The table shows the dates: text, JSON, markdown.
expect_status 0 "$CAGUARD" rules
expect_grep 'in force for objects issued from 2023-09-15' "$tmp/out"
expect_status 0 "$CAGUARD" rules --format json
expect_grep '"id":"ct.cert.notbefore_backdated".*"effective":"2023-09-15","ends":null' "$tmp/out"
expect_grep '"id":"ct.precert.signing_ca_after_sunset".*"effective":"2026-03-15"' "$tmp/out"
expect_grep '"id":"input.malformed".*"effective":null' "$tmp/out"
expect_status 0 "$CAGUARD" rules --format markdown
expect_grep '| `ct.cert.notbefore_backdated` | error | .* | issued from 2023-09-15 |' "$tmp/out"

# Backdated notBefore (48 hours, ballot SC-062 from 2023-09-15): not in force
# for a certificate issued in June 2023, in force a year later.
expect_status 0 "$CAGUARD" check --format json --at 2025-01-01T00:00:00Z "$d/backdated_2023_06.pem"
expect_no_grep 'notbefore_backdated' "$tmp/out"
expect_status 1 "$CAGUARD" check --format json --at 2025-01-01T00:00:00Z "$d/backdated_2024_06.pem"
expect_grep '"rule":"ct.cert.notbefore_backdated".*is 216.0 hours' "$tmp/out"

# A CRL's critical AKI.
expect_status 1 "$CAGUARD" check --format json --at 2025-06-02T00:00:00Z "$d/ca.pem" \
  "$d/crl_aki_critical.pem"
expect_grep '"rule":"crl.aki_critical".*authorityKeyIdentifier is marked critical' "$tmp/out"
expect_status 0 "$CAGUARD" check --format json --at 2025-06-02T00:00:00Z "$d/ca.pem" \
  "$d/crl_good.pem"
expect_no_grep 'crl.aki_critical' "$tmp/out"

# NIST PKITS 4.4.1 "Invalid Bad CRL Signature Test4": the CRL's signature is
# damaged (its BIT STRING claims unused bits). The CA its Name and AKI point
# to is among the inputs, so the signature is invalid, not the issuer unknown.
# PKITS 4.4.1's CA with its good CRL (GoodCACRL) is the counterpart.
pk=/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data
if [ ! -d "$pk" ]; then
  fail_ "NIST PKITS not found at $pk (Debian: python3-cryptography-vectors)"
else
  expect_status 1 "$CAGUARD" check --format json --at 2011-01-01T00:00:00Z \
    "$pk/certs/TrustAnchorRootCertificate.crt" "$pk/certs/BadCRLSignatureCACert.crt" \
    "$pk/crls/BadCRLSignatureCACRL.crl"
  expect_grep '"rule":"crl.signature_invalid".*Bad CRL Signature CA.*unused bits' "$tmp/out"
  expect_no_grep 'crl.issuer_unknown' "$tmp/out"
  expect_status 1 "$CAGUARD" check --format json --at 2011-01-01T00:00:00Z \
    "$pk/certs/TrustAnchorRootCertificate.crt" "$pk/certs/GoodCACert.crt" \
    "$pk/crls/GoodCACRL.crl"
  expect_no_grep 'crl.signature_invalid' "$tmp/out"
  expect_no_grep 'crl.issuer_unknown' "$tmp/out"
fi
# An empty extensions SEQUENCE: decoded and reported, not undecodable.
expect_status 1 "$CAGUARD" check --format json --at 2025-01-01T00:00:00Z "$d/extensions_empty.pem"
expect_grep '"rule":"cert.extensions_empty".*empty SEQUENCE' "$tmp/out"
expect_no_grep 'input.malformed' "$tmp/out"

# A bare TBSCertificate, before signing, is checked as the certificate it
# will become: the same backdating finding as the signed certificate.
expect_status 1 "$CAGUARD" check --format json --at 2025-01-01T00:00:00Z \
  "$d/backdated_2024_06.tbs.der"
expect_grep '"rule":"ct.cert.notbefore_backdated".*is 216.0 hours' "$tmp/out"
expect_no_grep 'input.malformed' "$tmp/out"
finish
