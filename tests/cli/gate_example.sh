#!/usr/bin/env bash
# examples/gate: the issuance gate through the public API, on the real Let's
# Encrypt pairs: the good pair may be signed, the 2023 incident's may not;
# the same holds when the final is handed over as a bare TBSCertificate.
. "$(dirname "$0")/lib.sh"
gate=$CG_BUILD_DIR/examples/gate
d=$CG_TEST_DATA
at=1687219200 # 2023-06-20T00:00:00Z
list=$d/loglists/crtsh_v3_all_all_logs_list.json
expect_status 0 "$gate" --at $at "$d/le2023/r3.pem" "$d/le2023/good/precert.pem" \
  "$d/le2023/good/final.pem" "$list"
expect_grep '^OK to sign' "$tmp/out"
expect_no_grep 'issuer_unknown|signature_invalid' "$tmp/out"
expect_status 1 "$gate" --at $at "$d/le2023/r3.pem" "$d/le2023/bad/precert.pem" \
  "$d/le2023/bad/final.pem" "$list"
expect_grep '^ERROR +ct.pair.tbs_mismatch: .*certificatePolicies' "$tmp/out"
expect_grep '^ERROR +ct.sct.signature_invalid: .*issued for a different precertificate' "$tmp/out"
expect_grep '^DO NOT SIGN' "$tmp/out"
# The TBSCertificates of the two finals, cut out of their DER.
for which in good bad; do
  /usr/bin/python3 - "$d/le2023/$which/final.pem" "$tmp/$which.tbs" <<'PY'
import base64, sys
t = open(sys.argv[1]).read()
der = base64.b64decode("".join(l for l in t.splitlines() if not l.startswith("-----")))
def elem(b, i):
    n = b[i + 1]; h = 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i + 2:i + 2 + k], "big"); h = 2 + k
    return i, h + n
_, hl = elem(der, 0)
hdr = 2 + (der[1] & 0x7f if der[1] & 0x80 else 0)
s, n = elem(der, hdr)
open(sys.argv[2], "wb").write(der[s:s + n])
PY
done
expect_status 0 "$gate" --at $at --tbs "$d/le2023/r3.pem" "$d/le2023/good/precert.pem" \
  "$tmp/good.tbs" "$list"
expect_grep '^OK to sign' "$tmp/out"
# The issuer was found (by Name and AKI/SKI) and the SCTs checked.
expect_no_grep 'issuer_unknown|signature_invalid' "$tmp/out"
expect_status 1 "$gate" --at $at --tbs "$d/le2023/r3.pem" "$d/le2023/bad/precert.pem" \
  "$tmp/bad.tbs" "$list"
expect_grep 'ct.sct.signature_invalid' "$tmp/out"
expect_grep '^DO NOT SIGN' "$tmp/out"
# Bad input: not a TBS.
printf 'garbage' >"$tmp/junk.tbs"
expect_status 2 "$gate" --tbs "$d/le2023/r3.pem" "$d/le2023/good/precert.pem" "$tmp/junk.tbs" \
  "$list"
expect_grep 'not one DER TBSCertificate' "$tmp/err"
finish
