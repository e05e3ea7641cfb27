#!/usr/bin/env bash
# caguard-testlog end to end, on loopback only: a log built from the SCT
# test vectors and Let's Encrypt's 2023 pair, served on 127.0.0.1 port 0 and
# read with curl. Tree heads are checked with testlog_check (caguard's
# modules) and independently with the openssl CLI; entries, proofs and tiles
# must hash to the signed roots; SCTs from build and add-pre-chain must
# verify; every fault switch must show. Each curl is bounded in time and
# the server is always stopped.
. "$(dirname "$0")/lib.sh"
if ! command -v curl >/dev/null; then
  echo "testlog.sh needs the curl command (scripts/install-deps --test)" >&2
  exit 1
fi
CHK=$CG_BUILD_DIR/testlog_check
d=$CG_TEST_DATA

# fetch PATH OUT: GET, body to OUT, prints the HTTP status.
fetch() { curl -sS --max-time 20 -o "$2" -w '%{http_code}' "$url$1"; }
admin() { curl -sS --max-time 20 -o "$tmp/admin.json" -w '%{http_code}' -X POST "$url/admin/fault?$1"; }
expect_ne() {
  if [ "$2" != "$3" ]; then pass_; else fail_ "$1: both are '$2'"; fi
}
root_of() { sed -n 's/^root //p' "$1"; }
# flip_b64 B64: another valid base64 string of the same length.
flip_b64() { echo "$1" | perl -pe 's/^(.)/$1 eq "A" ? "B" : "A"/e'; }
expect_fixed() {
  if grep -qF -- "$1" "$2"; then pass_; else fail_ "no '$1' in $2"; fi
}
b64_of_hex() { perl -e 'print pack("H*", $ARGV[0])' "$1" | base64 -w0; }

# ---- usage and bad input: exit 2 with a message ----
expect_status 2 "$TL"
expect_status 0 "$TL" --help
expect_grep 'build' "$tmp/out"
for c in build serve keygen; do
  expect_status 0 "$TL" "$c" --help
  expect_grep "usage: caguard-testlog $c" "$tmp/out"
done
expect_status 2 "$TL" frobnicate
expect_grep 'unknown command' "$tmp/err"
expect_status 2 "$TL" build --dir "$tmp/x" "$d/sct/ca.pem"
expect_grep 'key is required' "$tmp/err"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$tmp/nokey.pem" "$d/sct/ca.pem"
expect_grep 'nokey.pem: cannot read' "$tmp/err"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$d/sct/ca.pem" "$d/sct/ca.pem"
expect_grep 'not a PEM \(or DER\) private key' "$tmp/err"
echo 'not a certificate' >"$tmp/junk.pem"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$d/sct/log_ec.key.pem" "$tmp/junk.pem"
expect_grep 'junk.pem: object 0: a PEM' "$tmp/err"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB!!\n-----END CERTIFICATE-----\n' >"$tmp/bad64.pem"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$d/sct/log_ec.key.pem" "$tmp/bad64.pem"
expect_grep 'bad64.pem: object 0' "$tmp/err"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$d/sct/log_ec.key.pem" "$d/boulder-crl/crl_good.pem"
expect_grep 'CRL' "$tmp/err"
expect_status 2 "$TL" build --dir "$tmp/x" --key "$d/sct/log_ec.key.pem" "$d/sct/precert.pem"
expect_grep 'no CA among the inputs issued it' "$tmp/err"
if [ -e "$tmp/x" ]; then fail_ "a failed build left $tmp/x"; else pass_; fi
expect_status 2 "$TL" serve --dir "$tmp/nolog" --listen 127.0.0.1:0
expect_grep 'not a caguard-testlog directory' "$tmp/err"
for bad in localhost:80 127.0.0.1 127.0.0.1:99999 '[::1]' 1.2.3:4 ''; do
  expect_status 2 "$TL" serve --dir "$tmp/nolog" --listen "$bad"
  expect_grep 'bad --listen' "$tmp/err"
done
expect_status 0 "$TL" keygen --out "$tmp/k.pem" --pub "$tmp/k.pub"
expect_status 2 "$TL" keygen --out "$tmp/k.pem"
expect_grep 'must not exist' "$tmp/err"
expect_status 2 "$TL" keygen --out "$tmp/k2.pem" --type dsa
expect_status 0 "$TL" keygen --out "$tmp/rsa.pem" --type rsa2048

# ---- build ----
log=$tmp/log
expect_status 0 "$TL" build --dir "$log" --key "$d/sct/log_ec.key.pem" --sct-dir "$tmp/scts" \
  "$d/sct/ca.pem" "$d/sct/ca_twin.pem" "$d/sct/ps.pem" "$d/sct/precert.pem" "$d/sct/final.pem" \
  "$d/sct/precert_ps.pem" "$d/sct/final_ps.pem" "$d/sct/tls_cert.pem" \
  "$d/le2023/r3.pem" "$d/le2023/good/precert.pem" "$d/le2023/good/final.pem"
expect_grep '7 entries \(4 x509, 3 precert\)' "$tmp/out"
for f in log.json key.pem wrong-key.pem pubkey.pem entries.bin tree.bin sth.json; do
  if [ -f "$log/$f" ]; then pass_; else fail_ "build wrote no $f"; fi
done
# No --origin: the checkpoint waits for the address serve listens on.
if [ -e "$log/checkpoint" ]; then fail_ "a checkpoint before the origin is known"; else pass_; fi
expect_eq 'tree.bin size' "$(stat -c %s "$log/tree.bin")" 224
expect_eq 'issuers' "$(ls "$log/issuer" | wc -l)" 3
expect_eq 'key.pem mode' "$(stat -c %a "$log/key.pem")" 600
expect_status 2 "$TL" build --dir "$log" --key "$d/sct/log_ec.key.pem" "$d/sct/tls_cert.pem"
expect_grep 'already holds a log' "$tmp/err"
# The SCTs build returned verify with caguard's verifier (precert entries
# over the rebuilt TBS, with a Precertificate Signing Certificate too).
pub=$log/pubkey.pem
expect_status 0 "$CHK" sct "$tmp/scts/0.json" "$d/sct/precert.pem" "$d/sct/ca.pem" "$pub"
expect_status 0 "$CHK" sct "$tmp/scts/1.json" "$d/sct/final.pem" "$d/sct/ca.pem" "$pub"
expect_status 0 "$CHK" sct "$tmp/scts/2.json" "$d/sct/precert_ps.pem" "$d/sct/ps.pem" "$pub" \
  "$d/sct/ca.pem"
expect_status 0 "$CHK" sct "$tmp/scts/4.json" "$d/sct/tls_cert.pem" "$d/sct/ca.pem" "$pub"
expect_status 0 "$CHK" sct "$tmp/scts/5.json" "$d/le2023/good/precert.pem" "$d/le2023/r3.pem" "$pub"
# ... and not over another certificate or with another key.
expect_status 1 "$CHK" sct "$tmp/scts/0.json" "$d/le2023/good/precert.pem" "$d/sct/ca.pem" "$pub"
expect_status 1 "$CHK" sct "$tmp/scts/0.json" "$d/sct/precert.pem" "$d/sct/ca.pem" "$d/sct/log_rsa.pub.pem"

# ---- serve: RFC 6962 ----
start_server "$log" --loglist-out "$tmp/loglist.json"
expect_grep '^listening on 127\.0\.0\.1:[1-9][0-9]*$' "$tmp/serve.out"
expect_eq get-sth "$(fetch /ct/v1/get-sth "$tmp/sth7.json")" 200
expect_status 0 "$CHK" sth "$tmp/sth7.json" "$pub"
read -r size7 root7 <"$tmp/out"
expect_eq 'tree size' "$size7" 7
# The same signature checked by the openssl CLI over a TreeHeadSignature
# written out with perl: v1, tree_hash, timestamp, tree_size, root.
sth_tbs() {
  local ts size root
  ts=$(sed 's/.*"timestamp":\([0-9]*\).*/\1/' "$1")
  size=$(sed 's/.*"tree_size":\([0-9]*\).*/\1/' "$1")
  root=$(sed 's/.*"sha256_root_hash":"\([^"]*\)".*/\1/' "$1")
  { printf '\000\001'; perl -e 'print pack("Q>Q>", @ARGV)' "$ts" "$size"; echo "$root" | base64 -d; } >"$2"
  sed 's/.*"tree_head_signature":"\([^"]*\)".*/\1/' "$1" | base64 -d | tail -c +5 >"$2.sig"
}
sth_tbs "$tmp/sth7.json" "$tmp/tbs7"
expect_status 0 openssl dgst -sha256 -verify "$pub" -signature "$tmp/tbs7.sig" "$tmp/tbs7"
expect_grep 'Verified OK' "$tmp/out"
expect_status 1 openssl dgst -sha256 -verify "$d/sct/log_p384.pub.pem" -signature "$tmp/tbs7.sig" "$tmp/tbs7"

# get-entries: the leaves hash to the signed root.
expect_eq get-entries "$(fetch '/ct/v1/get-entries?start=0&end=6' "$tmp/e.json")" 200
expect_status 0 "$CHK" entries "$tmp/e.json"
cp "$tmp/out" "$tmp/leaves"
expect_eq 'root of the entries' "$(root_of "$tmp/leaves")" "$root7"
expect_eq 'leaf hashes' "$(grep -vc '^root' "$tmp/leaves")" 7
expect_eq 'end past the tree' "$(fetch '/ct/v1/get-entries?start=5&end=100' "$tmp/e2.json")" 200
expect_eq 'entries 5..6' "$(grep -o leaf_input "$tmp/e2.json" | wc -l)" 2
expect_eq 'start past the tree' "$(fetch '/ct/v1/get-entries?start=7&end=8' "$tmp/x.json")" 400
expect_eq 'start > end' "$(fetch '/ct/v1/get-entries?start=3&end=2' "$tmp/x.json")" 400
expect_eq 'no end' "$(fetch '/ct/v1/get-entries?start=3' "$tmp/x.json")" 400
expect_grep 'missing parameter end' "$tmp/x.json"

# Consistency proofs from every earlier size, against the roots of the
# entries' prefixes.
for first in 1 2 3 4 5 6 7; do
  expect_eq consistency "$(fetch "/ct/v1/get-sth-consistency?first=$first&second=7" "$tmp/c.json")" 200
  fetch "/ct/v1/get-entries?start=0&end=$((first - 1))" "$tmp/pe.json" >/dev/null
  "$CHK" entries "$tmp/pe.json" >"$tmp/pre"
  expect_status 0 "$CHK" consistency "$tmp/c.json" "$first:$(root_of "$tmp/pre")" "$tmp/sth7.json"
  # A changed proof hash fails.
  if grep -q '"consistency":\["' "$tmp/c.json"; then
    perl -pe 's/"consistency":\["(.)/"consistency":["@{[$1 eq "A" ? "B" : "A"]}/' "$tmp/c.json" >"$tmp/cbad.json"
    expect_status 1 "$CHK" consistency "$tmp/cbad.json" "$first:$(root_of "$tmp/pre")" "$tmp/sth7.json"
  fi
done
expect_eq 'first > second' "$(fetch '/ct/v1/get-sth-consistency?first=5&second=3' "$tmp/x.json")" 400
expect_eq 'second > size' "$(fetch '/ct/v1/get-sth-consistency?first=5&second=8' "$tmp/x.json")" 400

# Audit paths for every leaf, found by its hash.
i=0
while read -r h; do
  code=$(curl -sS --max-time 20 -o "$tmp/p.json" -w '%{http_code}' -G \
    --data-urlencode "hash=$(b64_of_hex "$h")" --data-urlencode tree_size=7 \
    "$url/ct/v1/get-proof-by-hash")
  expect_eq "get-proof-by-hash $i" "$code" 200
  expect_grep "\"leaf_index\":$i," "$tmp/p.json"
  expect_status 0 "$CHK" inclusion "$tmp/p.json" "$h" "$tmp/sth7.json"
  expect_status 1 "$CHK" inclusion "$tmp/p.json" "$h" "7:$(flip_b64 "$root7")"
  i=$((i + 1))
done < <(grep -v '^root' "$tmp/leaves")
# get-entry-and-proof
expect_eq get-entry-and-proof "$(fetch '/ct/v1/get-entry-and-proof?leaf_index=3&tree_size=7' "$tmp/ep.json")" 200
expect_grep '"leaf_input":".*"audit_path":\[' "$tmp/ep.json"
# An unknown hash.
code=$(curl -sS --max-time 20 -o "$tmp/x.json" -w '%{http_code}' -G \
  --data-urlencode "hash=$(b64_of_hex "$(printf '%064d' 0)")" --data-urlencode tree_size=7 \
  "$url/ct/v1/get-proof-by-hash")
expect_eq 'unknown hash' "$code" 404

# get-roots: the ends of the chains (the test CA and Let's Encrypt R3).
expect_eq get-roots "$(fetch /ct/v1/get-roots "$tmp/roots.json")" 200
expect_eq roots "$(grep -o '"MII' "$tmp/roots.json" | wc -l)" 2
expect_eq 'GET add-chain' "$(fetch /ct/v1/add-chain "$tmp/x.json")" 405
expect_eq 'no such endpoint' "$(fetch /ct/v1/nothing "$tmp/x.json")" 404

# ---- serve: static-ct-api ----
expect_eq checkpoint "$(fetch /checkpoint "$tmp/checkpoint")" 200
expect_status 0 "$CHK" checkpoint "$tmp/checkpoint" "$pub"
expect_eq 'checkpoint = get-sth' "$(cat "$tmp/out")" "7 $root7"
# The origin is the schema-less URL (static-ct-api), and D has the same note.
expect_eq 'checkpoint origin' "$(head -1 "$tmp/checkpoint")" "${url#http://}"
expect_eq 'D/checkpoint' "$(cmp "$tmp/checkpoint" "$log/checkpoint" && echo same)" same
expect_eq 'level 0 tile' "$(fetch /tile/0/000.p/7 "$tmp/t0")" 200
expect_status 0 "$CHK" tile-root hashes "$tmp/t0"
expect_eq 'tile root' "$(root_of "$tmp/out")" "$root7"
expect_eq 'tile hashes = leaf hashes' "$(grep -v '^root' "$tmp/out")" "$(grep -v '^root' "$tmp/leaves")"
expect_eq 'data tile' "$(fetch /tile/data/000.p/7 "$tmp/data")" 200
expect_status 0 "$CHK" tile-root data "$tmp/data"
expect_eq 'data tile root' "$(root_of "$tmp/out")" "$root7"
expect_eq 'data tile prefix' "$(fetch /tile/data/000.p/3 "$tmp/data3")" 200
expect_status 0 "$CHK" tile-root data "$tmp/data3"
expect_eq 'data tile 3' "$(grep -c -v '^root' "$tmp/out")" 3
for bad in /tile/0/000 /tile/data/000 /tile/0/000.p/8 /tile/0/000.p/0 /tile/0/000.p/07 \
  /tile/6/000 /tile/0/0 /tile/0/x000 /tile/1/000.p/1 /tile/data/001.p/1 /issuer/00 /issuer/$(printf '%064d' 0); do
  expect_eq "$bad" "$(fetch "$bad" "$tmp/x")" 404
done
for fp in $(ls "$log/issuer"); do
  expect_eq "issuer $fp" "$(fetch "/issuer/$fp" "$tmp/iss")" 200
  expect_eq "issuer $fp hash" "$(sha256sum <"$tmp/iss" | cut -c1-64)" "$fp"
done
# gzip when asked for; the same bytes after decompression.
curl -sS --max-time 20 --compressed -D "$tmp/h" -o "$tmp/dataz" "$url/tile/data/000.p/7"
expect_grep '^Content-Encoding: gzip' "$tmp/h"
expect_eq 'gzip body' "$(cmp "$tmp/data" "$tmp/dataz" && echo same)" same
curl -sS --max-time 20 -D "$tmp/h" -o /dev/null "$url/tile/data/000.p/7"
expect_no_grep '^Content-Encoding' "$tmp/h"
curl -sS --max-time 20 -H 'Accept-Encoding: gzip;q=0' -D "$tmp/h" -o /dev/null "$url/checkpoint"
expect_no_grep '^Content-Encoding' "$tmp/h"

# The log list serve wrote names the log at its URL.
expect_fixed "\"url\": \"$url/\"" "$tmp/loglist.json"
expect_fixed "\"key\": \"$(sed -n 's/.*"key": "\([^"]*\)".*/\1/p' "$log/log.json")\"" "$tmp/loglist.json"

# ---- add-pre-chain and add-chain ----
chain_json() {
  printf '{"chain":['
  local sep=
  for f in "$@"; do
    printf '%s"%s"' "$sep" "$(openssl x509 -in "$f" -outform DER | base64 -w0)"
    sep=,
  done
  printf ']}'
}
post() { curl -sS --max-time 20 -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$2" "$url$1"; }
chain_json "$d/sct/precert.pem" "$d/sct/ca.pem" >"$tmp/pre.json"
expect_eq add-pre-chain "$(post /ct/v1/add-pre-chain "$tmp/pre.json" "$tmp/sct.json")" 200
expect_grep '"sct_version":0,"id":"[^"]{44}","timestamp":[0-9]+,"extensions":"AAAFAAAAAAc=","signature":"' "$tmp/sct.json"
expect_status 0 "$CHK" sct "$tmp/sct.json" "$d/sct/precert.pem" "$d/sct/ca.pem" "$pub"
expect_grep '^valid$' "$tmp/out"
expect_eq get-sth "$(fetch /ct/v1/get-sth "$tmp/sth8.json")" 200
expect_status 0 "$CHK" sth "$tmp/sth8.json" "$pub"
read -r size8 root8 <"$tmp/out"
expect_eq 'size after add' "$size8" 8
# Consistency between the two real tree heads.
expect_eq consistency "$(fetch '/ct/v1/get-sth-consistency?first=7&second=8' "$tmp/c78.json")" 200
expect_status 0 "$CHK" consistency "$tmp/c78.json" "$tmp/sth7.json" "$tmp/sth8.json"
expect_status 1 "$CHK" consistency "$tmp/c78.json" "$tmp/sth8.json" "$tmp/sth7.json"
# add-chain with an x509 chain of PS-issued precertificate...
chain_json "$d/sct/precert_ps.pem" "$d/sct/ps.pem" "$d/sct/ca.pem" >"$tmp/preps.json"
expect_eq 'add-pre-chain PS' "$(post /ct/v1/add-pre-chain "$tmp/preps.json" "$tmp/sctps.json")" 200
expect_status 0 "$CHK" sct "$tmp/sctps.json" "$d/sct/precert_ps.pem" "$d/sct/ps.pem" "$pub" "$d/sct/ca.pem"
chain_json "$d/sct/tls_cert.pem" "$d/sct/ca.pem" >"$tmp/x509.json"
expect_eq add-chain "$(post /ct/v1/add-chain "$tmp/x509.json" "$tmp/sctx.json")" 200
expect_status 0 "$CHK" sct "$tmp/sctx.json" "$d/sct/tls_cert.pem" "$d/sct/ca.pem" "$pub"
# A final certificate carrying an SCT from add-pre-chain: caguard check,
# given the log list serve wrote, verifies and counts it (policy findings
# only: one SCT is not enough for any policy). Needs python3-cryptography
# to issue the pair (scripts/install-deps --test).
if /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
  cat >"$tmp/e2e.py" <<'PY'
"""caguard-testlog test helper: `pre CA CAKEY LEAFKEY OUT` writes a fresh
precertificate; `final CA CAKEY LEAFKEY PRE SCT.json OUT` writes its final
certificate carrying the SCT, fields and extension order unchanged."""
import base64, datetime, json, struct, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import (AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID,
                                   ObjectIdentifier)

SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")

def load(ca, cakey, leafkey):
    ca = x509.load_pem_x509_certificate(open(ca, "rb").read())
    cakey = serialization.load_pem_private_key(open(cakey, "rb").read(), None)
    leafkey = serialization.load_pem_private_key(open(leafkey, "rb").read(), None)
    return ca, cakey, leafkey

def builder(ca, leafkey, serial, nb):
    """A TLS BR subscriber certificate (§7.1.2.7): public name, KU, EKU,
    the DV policy, AIA with OCSP and caIssuers, AKI."""
    host = "testlog-e2e.example.com"
    aia = x509.AuthorityInformationAccess([
        x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                               x509.UniformResourceIdentifier("http://ocsp.example.com/")),
        x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                               x509.UniformResourceIdentifier("http://ca.example.com/ca.der"))])
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca.subject).public_key(leafkey.public_key()).serial_number(serial)
            .not_valid_before(nb).not_valid_after(nb + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), False)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                ObjectIdentifier("2.23.140.1.2.1"), None)]), False)
            .add_extension(aia, False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),
                           False))

def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def main():
    ca, cakey, leafkey = load(*sys.argv[2:5])
    if sys.argv[1] == "pre":
        nb = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(hours=1)
        serial = x509.random_serial_number()
        cert = (builder(ca, leafkey, serial, nb).add_extension(x509.PrecertPoison(), True)
                .add_extension(x509.BasicConstraints(False, None), True).sign(cakey, hashes.SHA256()))
        open(sys.argv[5], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
        return
    pre = x509.load_pem_x509_certificate(open(sys.argv[5], "rb").read())
    sct = json.load(open(sys.argv[6]))
    one = (bytes([sct["sct_version"]]) + base64.b64decode(sct["id"]) + struct.pack(">Q", sct["timestamp"])
           + struct.pack(">H", len(base64.b64decode(sct["extensions"]))) + base64.b64decode(sct["extensions"])
           + base64.b64decode(sct["signature"]))
    lst = struct.pack(">H", len(one)) + one
    tls = struct.pack(">H", len(lst)) + lst
    value = b"\x04" + der_len(len(tls)) + tls
    cert = (builder(ca, leafkey, pre.serial_number, pre.not_valid_before)
            .add_extension(x509.UnrecognizedExtension(SCT_LIST, value), False)
            .add_extension(x509.BasicConstraints(False, None), True).sign(cakey, hashes.SHA256()))
    open(sys.argv[7], "wb").write(cert.public_bytes(serialization.Encoding.PEM))

main()
PY
  /usr/bin/python3 "$tmp/e2e.py" pre "$d/sct/ca.pem" "$d/sct/ca.key.pem" "$d/sct/leaf.key.pem" "$tmp/e2e_pre.pem"
  chain_json "$tmp/e2e_pre.pem" "$d/sct/ca.pem" >"$tmp/e2e_chain.json"
  expect_eq 'add-pre-chain e2e' "$(post /ct/v1/add-pre-chain "$tmp/e2e_chain.json" "$tmp/e2e_sct.json")" 200
  /usr/bin/python3 "$tmp/e2e.py" final "$d/sct/ca.pem" "$d/sct/ca.key.pem" "$d/sct/leaf.key.pem" \
    "$tmp/e2e_pre.pem" "$tmp/e2e_sct.json" "$tmp/e2e_final.pem"
  # Evaluated a second after the SCT (caguard's clock has whole seconds).
  sct_ms=$(sed 's/.*"timestamp":\([0-9]*\).*/\1/' "$tmp/e2e_sct.json")
  at=$(date -u -d "@$((sct_ms / 1000 + 2))" +%Y-%m-%dT%H:%M:%SZ)
  expect_status 0 "$CAGUARD" check --format json --at "$at" --loglist "$tmp/loglist.json" \
    "$tmp/e2e_final.pem" "$tmp/e2e_pre.pem" "$d/sct/ca.pem"
  expect_grep '"rule":"ct.policy.chrome_unsatisfied".*counted: caguard-testlog' "$tmp/out"
  expect_no_grep 'ct\.sct\.|ct\.pair\.' "$tmp/out"
  # Without the log list the SCT's log is unknown: the SCT was looked at.
  expect_status 0 "$CAGUARD" check --format json --at "$at" --no-default-loglists \
    "$tmp/e2e_final.pem" "$tmp/e2e_pre.pem" "$d/sct/ca.pem"
  expect_grep 'ct.policy.not_evaluated' "$tmp/out"
  # With the published lists the test log is unknown.
  expect_status 0 "$CAGUARD" check --format json --at "$at" "$tmp/e2e_final.pem" \
    "$tmp/e2e_pre.pem" "$d/sct/ca.pem"
  expect_grep '"rule":"ct.sct.unknown_log"' "$tmp/out"
  n_added=4
else
  echo "testlog.sh: no python3-cryptography; skipping the final-certificate check" >&2
  n_added=3
fi
# Refusals.
expect_eq 'precert to add-chain' "$(post /ct/v1/add-chain "$tmp/pre.json" "$tmp/x.json")" 400
expect_grep 'use add-pre-chain' "$tmp/x.json"
expect_eq 'cert to add-pre-chain' "$(post /ct/v1/add-pre-chain "$tmp/x509.json" "$tmp/x.json")" 400
chain_json "$d/sct/precert.pem" >"$tmp/alone.json"
expect_eq 'precert alone' "$(post /ct/v1/add-pre-chain "$tmp/alone.json" "$tmp/x.json")" 400
chain_json "$d/sct/precert.pem" "$d/le2023/r3.pem" >"$tmp/wrongca.json"
expect_eq 'wrong issuer' "$(post /ct/v1/add-pre-chain "$tmp/wrongca.json" "$tmp/x.json")" 400
expect_grep 'names differ' "$tmp/x.json"
echo '{"chain":["not base64!"]}' >"$tmp/garbage.json"
expect_eq 'bad base64' "$(post /ct/v1/add-chain "$tmp/garbage.json" "$tmp/x.json")" 400
echo 'nonsense' >"$tmp/garbage.json"
expect_eq 'not JSON' "$(post /ct/v1/add-chain "$tmp/garbage.json" "$tmp/x.json")" 400
echo '{"chain":["MAA="]}' >"$tmp/garbage.json"
expect_eq 'not a certificate' "$(post /ct/v1/add-chain "$tmp/garbage.json" "$tmp/x.json")" 400
expect_grep 'does not parse' "$tmp/x.json"
fetch /ct/v1/get-sth "$tmp/sth10.json" >/dev/null
read -r size10 rootnow < <("$CHK" sth "$tmp/sth10.json" "$pub")
expect_eq 'size after refusals' "$size10" $((7 + n_added))

# ---- faults ----
# tamper: entry 2 served one millisecond later; the tree does not change.
expect_eq 'tamper on' "$(admin 'name=tamper&on=1&index=2')" 200
expect_grep '"tamper":2' "$tmp/admin.json"
fetch '/ct/v1/get-entries?start=0&end=99' "$tmp/et.json" >/dev/null
expect_status 0 "$CHK" entries "$tmp/et.json"
cp "$tmp/out" "$tmp/tleaves"
expect_ne 'tampered root' "$(root_of "$tmp/tleaves")" "$rootnow"
expect_ne 'tampered leaf 2' "$(sed -n 3p "$tmp/tleaves")" "$(sed -n 3p "$tmp/leaves")"
expect_eq 'untampered leaf 1' "$(sed -n 2p "$tmp/tleaves")" "$(sed -n 2p "$tmp/leaves")"
fetch "/tile/0/000.p/$size10" "$tmp/t10" >/dev/null
"$CHK" tile-root hashes "$tmp/t10" >"$tmp/t10.out"
expect_eq 'tile keeps leaf 2' "$(sed -n 3p "$tmp/t10.out")" "$(sed -n 3p "$tmp/leaves")"
code=$(curl -sS --max-time 20 -o "$tmp/x.json" -w '%{http_code}' -G \
  --data-urlencode "hash=$(b64_of_hex "$(sed -n 3p "$tmp/tleaves")")" --data-urlencode "tree_size=$size10" \
  "$url/ct/v1/get-proof-by-hash")
expect_eq 'tampered leaf has no proof' "$code" 404
fetch "/tile/data/000.p/$size10" "$tmp/dt" >/dev/null
expect_status 0 "$CHK" tile-root data "$tmp/dt"
expect_ne 'tampered data tile root' "$(root_of "$tmp/out")" "$rootnow"
expect_eq 'tamper off' "$(admin 'name=tamper&on=0')" 200
fetch "/tile/data/000.p/$size10" "$tmp/dt" >/dev/null
expect_status 0 "$CHK" tile-root data "$tmp/dt"
expect_eq 'data tile root again' "$(root_of "$tmp/out")" "$rootnow"

# wrong-key: get-sth and the checkpoint no longer verify.
expect_eq 'wrong-key on' "$(admin 'name=wrong-key&on=1')" 200
fetch /ct/v1/get-sth "$tmp/wsth.json" >/dev/null
expect_status 1 "$CHK" sth "$tmp/wsth.json" "$pub"
expect_grep 'does not verify' "$tmp/err"
sth_tbs "$tmp/wsth.json" "$tmp/wtbs"
expect_status 1 openssl dgst -sha256 -verify "$pub" -signature "$tmp/wtbs.sig" "$tmp/wtbs"
fetch /checkpoint "$tmp/wcp" >/dev/null
expect_status 1 "$CHK" checkpoint "$tmp/wcp" "$pub"
expect_eq 'wrong-key off' "$(admin 'name=wrong-key&on=0')" 200
fetch /ct/v1/get-sth "$tmp/wsth.json" >/dev/null
expect_status 0 "$CHK" sth "$tmp/wsth.json" "$pub"

# rate-limit: every 2nd request is 429 with Retry-After.
expect_eq 'rate-limit on' "$(admin 'name=rate-limit&on=1&every=2&retry_after=7')" 200
codes=
for _ in 1 2 3 4; do
  codes="$codes $(curl -sS --max-time 20 -D "$tmp/h" -o /dev/null -w '%{http_code}' "$url/ct/v1/get-sth")"
done
expect_eq '429 pattern' "$codes" ' 200 429 200 429'
expect_grep '^Retry-After: 7' "$tmp/h"
expect_eq 'rate-limit off' "$(admin 'name=rate-limit&on=0')" 200

# drop: the connection closes without an answer (curl: empty reply, 52).
expect_eq 'drop on' "$(admin 'name=drop&on=1&every=1')" 200
expect_status 52 curl -sS --max-time 20 -o /dev/null "$url/ct/v1/get-sth"
expect_eq 'drop off' "$(admin 'name=drop&on=0')" 200
expect_eq 'after drop' "$(fetch /ct/v1/get-sth "$tmp/x.json")" 200

# slow: every answer waits.
expect_eq 'slow on' "$(admin 'name=slow&on=1&ms=800')" 200
t=$(curl -sS --max-time 20 -o /dev/null -w '%{time_total}' "$url/ct/v1/get-sth")
expect_eq 'slow answer' "$(perl -e 'print $ARGV[0] >= 0.8 ? "slow" : "fast $ARGV[0]"' "$t")" slow
expect_eq 'slow off' "$(admin 'name=slow&on=0')" 200
curl -sS --max-time 20 -o "$tmp/faults.json" "$url/admin/faults"
expect_grep '"tamper":-1,"wrong_key":false,"rate_limit":\{"every":0' "$tmp/faults.json"
expect_eq 'unknown fault' "$(admin 'name=meteor&on=1')" 400
expect_eq 'bad on' "$(admin 'name=drop&on=yes')" 400

# SIGTERM: a clean stop, exit 0.
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
pid=
expect_eq 'exit on SIGTERM' "$st" 0
expect_grep 'stopped by signal 15' "$tmp/serve.err"
expect_status 7 curl -sS --max-time 5 -o /dev/null "$url/ct/v1/get-sth"

# ---- restart: add-chain persisted; flags set faults from the start ----
start_server "$log" --max-batch 4 --wrong-key --tamper-entry 0 --rate-limit 3:2 --no-admin
fetch /ct/v1/get-sth "$tmp/r.json" >/dev/null
expect_status 1 "$CHK" sth "$tmp/r.json" "$pub"
fetch '/ct/v1/get-entries?start=0&end=9' "$tmp/e4.json" >/dev/null
expect_eq 'max-batch' "$(grep -o leaf_input "$tmp/e4.json" | wc -l)" 4
expect_status 0 "$CHK" entries "$tmp/e4.json"
expect_ne 'tampered from the start' "$(head -1 "$tmp/out")" "$(head -1 "$tmp/leaves")"
expect_eq 'third request' "$(fetch /ct/v1/get-sth "$tmp/x.json")" 429
expect_eq 'no admin' "$(fetch /admin/faults "$tmp/x.json")" 404
stop_server
start_server "$log" --drop-every 1
expect_status 52 curl -sS --max-time 20 -o /dev/null "$url/ct/v1/get-sth"
stop_server
start_server "$log" --delay 600
t=$(curl -sS --max-time 20 -o "$tmp/r.json" -w '%{time_total}' "$url/ct/v1/get-sth")
expect_eq 'delay flag' "$(perl -e 'print $ARGV[0] >= 0.6 ? "slow" : "fast $ARGV[0]"' "$t")" slow
expect_status 0 "$CHK" sth "$tmp/r.json" "$pub"
expect_eq 'persisted size' "$(cut -d' ' -f1 "$tmp/out")" "$size10"
stop_server

# A log that is not one: entries.bin cut short.
cp -r "$log" "$tmp/cut"
truncate -s -10 "$tmp/cut/entries.bin"
expect_status 2 "$TL" serve --dir "$tmp/cut" --listen 127.0.0.1:0
expect_grep "entries.bin: entry $((size10 - 1))" "$tmp/err"
cp "$log/entries.bin" "$tmp/cut/entries.bin"
printf 'x' | dd of="$tmp/cut/tree.bin" bs=1 seek=40 conv=notrunc 2>/dev/null
expect_status 2 "$TL" serve --dir "$tmp/cut" --listen 127.0.0.1:0
expect_grep 'tree.bin does not hold the leaf hash of entry 1' "$tmp/err"

# An RSA log and a P-384 log sign what their keys can.
for k in "$d/sct/log_rsa.key.pem" "$d/sct/log_p384.key.pem"; do
  rm -rf "$tmp/klog"
  expect_status 0 "$TL" build --dir "$tmp/klog" --key "$k" --origin example.com/k "$d/sct/ca.pem" "$d/sct/tls_cert.pem"
  expect_status 0 "$CHK" sth "$tmp/klog/sth.json" "$tmp/klog/pubkey.pem"
  expect_status 0 "$CHK" checkpoint "$tmp/klog/checkpoint" "$tmp/klog/pubkey.pem"
  expect_grep '^example\.com/k$' "$tmp/klog/checkpoint"
done
finish
