#!/usr/bin/env bash
# CRLs held against their CA, the certificates they cover and the CRL before
# them (src/rules/crl_cross.c), on the vectors of tests/data/crl2
# (make_crl_vectors.py): each rule fires on its vector, and not on the clean
# control; revocation.status for every certificate; bad input.
. "$(dirname "$0")/lib.sh"

d="$CG_TEST_DATA/crl2"
at="--at 2024-01-03T00:00:00Z"
pki="$d/root.pem $d/ca1.pem $d/ca2.pem $d/leaves.pem"
CROSS_RULES='crl\.(issuer_name_not_byte_identical|issuer_name_mismatch|issuer_unknown|signature_invalid|aki_mismatch|idp_uri_mismatch|number_not_increasing|validity_too_long)|revocation\.(backdated|removed_before_expiry)'

# check EXIT_STATUS FILES...: caguard check --format json; output in $tmp/out.
check() {
  local want=$1; shift
  # shellcheck disable=SC2086
  expect_status "$want" "$CAGUARD" check --format json $at "$@"
}
# only RULE: RULE is the only cross-object CRL rule in $tmp/out.
only() {
  expect_grep "\"rule\":\"$1\"" "$tmp/out"
  if grep -E "\"rule\":\"($CROSS_RULES)\"" "$tmp/out" | grep -qv "\"rule\":\"$1\""; then
    fail_ "other cross-CRL findings than $1:"; grep -E "\"rule\":\"($CROSS_RULES)\"" "$tmp/out" >&2
  else pass_; fi
}

# --- the clean control: no error, and no cross-CRL finding at all
# shellcheck disable=SC2086
check 0 $pki "$d/c1_good.pem"
expect_no_grep "\"rule\":\"($CROSS_RULES)\"" "$tmp/out"
expect_no_grep '"severity":"error"' "$tmp/out"
# ... also with the next CRL of its scope (either order on the command line)
# shellcheck disable=SC2086
check 0 $pki "$d/c1_next.pem" "$d/c1_good.pem"
expect_no_grep "\"rule\":\"($CROSS_RULES)\"" "$tmp/out"

# --- revocation.status: one notice per certificate, with its fields
# shellcheck disable=SC2086
check 0 $pki "$d/c1_good.pem"
[ "$(grep -c '"rule":"revocation.status"' "$tmp/out")" = 8 ] && pass_ || fail_ "want 8 statuses"
expect_grep '"serial":"5ca90a2de7b14c3f00001002".*"status":"revoked","revoked":true,"revocation_date":"2023-12-31T00:00:00Z","reason":"keyCompromise","crl":"[0-9a-f]{64}"' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001001".*"status":"good","revoked":false,"revocation_date":null,"reason":null' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00002001".*no CRL of its issuer.*"status":"not_covered","revoked":null,' "$tmp/out"
# the newest CRL of the scope decides, whatever the order given
# shellcheck disable=SC2086
check 0 $pki "$d/c1_next.pem" "$d/c1_good.pem"
expect_grep '"serial":"5ca90a2de7b14c3f00001004".*"status":"revoked".*"reason":"superseded"' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001004".*c1_next.pem' "$tmp/out"
# text output lists each certificate's status too
# shellcheck disable=SC2086
expect_status 0 "$CAGUARD" check --color never $at $pki "$d/c1_good.pem"
expect_grep 'revocation.status: revoked: revocationDate 2023-12-31T00:00:00Z, reason keyCompromise' "$tmp/out"
expect_grep 'revocation.status: good: not listed on CRL' "$tmp/out"
expect_grep 'revocation.status: not covered by any CRL given' "$tmp/out"
# no CRL given: no status findings
# shellcheck disable=SC2086
check 0 $pki
expect_no_grep 'revocation.status' "$tmp/out"

# --- issuer Name: equal under RFC 5280 §7.1, not byte-identical
# shellcheck disable=SC2086
check 1 $pki "$d/c1_issuer_utf8.pem"
only crl.issuer_name_not_byte_identical
expect_grep 'attribute 3 \(CN\): UTF8String here, PrintableString in the CA.s subject' "$tmp/out"
expect_grep '4 covered certificate\(s\) among the inputs carry the CA.s encoding' "$tmp/out"
# shellcheck disable=SC2086
check 1 $pki "$d/c1_issuer_case.pem"
only crl.issuer_name_not_byte_identical
expect_grep 'case differs' "$tmp/out"
# ... beyond ASCII (RFC 4518: Unicode case folding, ß as ss, NFKC): CA C3's
# CN is "caguard Prüfstelle Straße C3"
# shellcheck disable=SC2086
check 0 $d/root.pem $d/ca3.pem "$d/c3_good.pem"
expect_no_grep "\"rule\":\"($CROSS_RULES)\"" "$tmp/out"
# shellcheck disable=SC2086
check 1 $d/root.pem $d/ca3.pem "$d/c3_issuer_fold.pem"
only crl.issuer_name_not_byte_identical
expect_grep 'attribute 3 \(CN\): case differs \(\\"CAGUARD PR\\u00DCFSTELLE STRASSE C3\\" vs \\"caguard Pr\\u00FCfstelle Stra\\u00DFe C3\\"\)' "$tmp/out"
# shellcheck disable=SC2086
check 1 $d/root.pem $d/ca3.pem "$d/c3_issuer_nfd.pem"
only crl.issuer_name_not_byte_identical
expect_grep 'attribute 3 \(CN\): Unicode forms differ \(equal after NFKC normalisation\)' "$tmp/out"
expect_no_grep 'case differs' "$tmp/out"
# ... against a covered certificate's issuer field
# shellcheck disable=SC2086
check 1 $pki "$d/leaf_utf8_issuer.pem" "$d/c1_good.pem"
only crl.issuer_name_not_byte_identical
expect_grep 'issuer field of 1 covered certificate.*leaf_utf8_issuer.pem #0.*UTF8String' "$tmp/out"
# another attribute order is another Name: signed by C1, not C1's Name
# shellcheck disable=SC2086
check 1 $pki "$d/c1_issuer_order.pem"
only crl.issuer_name_mismatch
expect_grep 'attribute order differs' "$tmp/out"

# --- signature, AKI
# shellcheck disable=SC2086
check 1 $pki "$d/c1_other_key.pem"
only crl.signature_invalid
expect_grep 'does not verify under the key of CA .*ca1.pem #0' "$tmp/out"
# shellcheck disable=SC2086
check 1 $pki "$d/c1_aki_c2.pem"
only crl.aki_mismatch
expect_grep 'it is the key identifier of CA .*caguard Test CA C2' "$tmp/out"
# no CA given: a notice, nothing else from the CA checks
check 0 "$d/leaves.pem" "$d/c1_good.pem"
only crl.issuer_unknown
expect_grep '"rule":"crl.issuer_unknown","severity":"notice"' "$tmp/out"

# --- IDP URI against the certificates' CRL distribution point
# shellcheck disable=SC2086
check 1 $pki "$d/c1_idp_slash.pem"
only crl.idp_uri_mismatch
expect_grep '4 covered certificate\(s\).*differs only in a trailing slash' "$tmp/out"
# a CRL scoped to another distribution point does not cover them
check 0 "$d/ca2.pem" "$d/leaves.pem" "$d/c1_good.pem" "$d/root.pem"
expect_grep '"serial":"5ca90a2de7b14c3f00002001".*"status":"not_covered"' "$tmp/out"

# --- CRLs of one scope given together
# shellcheck disable=SC2086
check 1 $pki "$d/c1_good.pem" "$d/c1_number_down.pem"
only crl.number_not_increasing
expect_grep 'cRLNumber 99 .* not greater than the cRLNumber 100' "$tmp/out"
# shellcheck disable=SC2086
check 1 $pki "$d/c1_removed.pem" "$d/c1_good.pem"
only revocation.removed_before_expiry
expect_grep '"file":"[^"]*c1_removed.pem".*serial 5ca90a2de7b14c3f00001002' "$tmp/out"
# without the certificate among the inputs, nothing is said of the serial
check 0 "$d/ca1.pem" "$d/c1_good.pem" "$d/c1_removed.pem"
expect_no_grep 'removed_before_expiry' "$tmp/out"
# shellcheck disable=SC2086
check 1 $pki "$d/c1_good.pem" "$d/c1_backdated.pem"
only revocation.backdated
expect_grep 'serial 5ca90a2de7b14c3f00001003\): revocationDate 2023-12-30T00:00:00Z is before the thisUpdate 2024-01-01T00:00:00Z' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001003".*"status":"revoked"' "$tmp/out"
# many: the first 10 one by one, then one summary
check 1 "$d/ca1.pem" "$d/c1_good.pem" "$d/c1_backdated_x30.pem"
[ "$(grep -c '"rule":"revocation.backdated"' "$tmp/out")" = 11 ] && pass_ || fail_ "want 11"
expect_grep '"rule":"revocation.backdated".*and 20 more entries with this problem \(30 in all' "$tmp/out"

# a delta CRL lists changes only: nothing it lacks is "removed", what it
# lists is revoked
# shellcheck disable=SC2086
check 0 $pki "$d/c1_good.pem" "$d/c1_delta.pem"
expect_no_grep 'removed_before_expiry|revocation.backdated|number_not_increasing' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001002".*"status":"revoked"' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001004".*c1_delta.pem.*"status":"revoked"' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00001001".*c1_good.pem.*"status":"good"' "$tmp/out"

# --- nextUpdate: 300 days is fine for a root's CRL, not a subordinate CA's
# shellcheck disable=SC2086
check 0 $pki "$d/root_300d.pem"
expect_no_grep 'validity_too_long' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00000202".*"status":"revoked".*cessationOfOperation' "$tmp/out"
expect_grep '"serial":"5ca90a2de7b14c3f00000100".*self-issued.*"status":"not_covered"' "$tmp/out"
# shellcheck disable=SC2086
check 1 $pki "$d/c1_300d.pem"
only crl.validity_too_long
expect_grep 'is not a self-signed root' "$tmp/out"
# the root not given: held to the subscriber limit, and said why
check 1 "$d/ca1.pem" "$d/root_300d.pem"
expect_grep '"rule":"crl.validity_too_long".*give the root certificate' "$tmp/out"

# --- RSA signatures: PKCS#1 v1.5 and RSASSA-PSS (made here by openssl ca; PSS
# signatures are randomized, so they are not committed vectors)
r="$tmp/rsa"
mkdir -p "$r"
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$r/ca.key" -out "$r/ca.pem" \
     -subj "/C=XX/O=caguard tests/CN=caguard RSA CA" -days 30 \
     -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
     -addext "subjectKeyIdentifier=hash" 2>"$r/err"; then
  printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\ncrlnumber = %s/number\n' "$r" "$r" \
    >"$r/ca.cnf"
  printf 'default_md = sha256\ndefault_crl_days = 7\ncrl_extensions = ext\n' >>"$r/ca.cnf"
  printf '[ext]\nauthorityKeyIdentifier = keyid:always\n' >>"$r/ca.cnf"
  : >"$r/index.txt"
  echo 01 >"$r/number"
  openssl ca -batch -config "$r/ca.cnf" -gencrl -keyfile "$r/ca.key" -cert "$r/ca.pem" \
    -out "$r/pkcs1.pem" 2>>"$r/err"
  openssl ca -batch -config "$r/ca.cnf" -gencrl -keyfile "$r/ca.key" -cert "$r/ca.pem" \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out "$r/pss.pem" 2>>"$r/err"
  for f in pkcs1 pss; do
    expect_status 0 "$CAGUARD" check --format json "$r/ca.pem" "$r/$f.pem"
    expect_no_grep 'crl.signature_invalid|crl.issuer_unknown' "$tmp/out"
    # the last octet of the signature flipped
    openssl crl -in "$r/$f.pem" -outform DER -out "$r/$f.der"
    /usr/bin/python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1
open(sys.argv[1], "wb").write(b)' "$r/$f.der"
    expect_status 1 "$CAGUARD" check --format json "$r/ca.pem" "$r/$f.der"
    expect_grep '"rule":"crl.signature_invalid".*(sha256WithRSAEncryption|RSASSA-PSS) signature does not verify' "$tmp/out"
  done
else
  fail_ "openssl could not make an RSA CA: $(cat "$r/err")"
fi

# --- bad input: input.malformed, no crash; the rest is still checked
for f in bad_entry_past_end.der bad_absurd_count.der; do
  check 2 "$d/ca1.pem" "$d/$f" "$d/c1_good.pem"
  expect_grep "\"rule\":\"input.malformed\",.*\"file\":\"$d/$f\"" "$tmp/out"
  expect_grep '"serial":"5ca90a2de7b14c3f00000201".*revocation.status|revocation.status.*"serial":"5ca90a2de7b14c3f00000201"' "$tmp/out"
done
check 1 "$d/ca1.pem" "$d/bad_dup_ext.der"
expect_grep '"rule":"crl.duplicate_extension"' "$tmp/out"
expect_grep '"rule":"crl.entry.duplicate_extension"' "$tmp/out"
expect_no_grep 'crl.signature_invalid|crl.issuer_unknown' "$tmp/out"
# A CRL of 200,000 entries, every one cut short: malformed, bounded time.
/usr/bin/python3 - "$tmp/many.der" <<'PY'
import sys
entry = bytes.fromhex("3010020201") + b"\x00" + bytes.fromhex("170d3234303130313030303030305a")
body = entry * 200000
def tlv(tag, b):
    n = len(b)
    ln = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x80 | len(ln)]) + ln) + b
tbs = tlv(0x30, b"\x02\x01\x01" + tlv(0x30, bytes.fromhex("06032b6570")) + tlv(0x30, b"") +
          tlv(0x17, b"240101000000Z") + tlv(0x17, b"240102000000Z") + tlv(0x30, body))
open(sys.argv[1], "wb").write(tlv(0x30, tbs + tlv(0x30, bytes.fromhex("06032b6570")) +
                                  tlv(0x03, b"\x00" + b"\x01" * 64)))
PY
check 2 "$d/ca1.pem" "$tmp/many.der"
expect_grep '"rule":"input.malformed"' "$tmp/out"
finish
