#!/usr/bin/env bash
# The cross-object CT rules of issue 3 through `caguard check --format json`,
# on the vectors of tests/data/ct3 (see its README.md): each rule fires
# where it should, with a message that says what and which object, and
# nowhere else; exit status 1 exactly when an error is found.
. "$(dirname "$0")/lib.sh"
D=$CG_TEST_DATA/ct3
S=$CG_TEST_DATA/sct
LL=$D/loglist.json
AT=2025-04-01T00:00:00Z
CA=$S/ca.pem

# check WANT_STATUS [--at T] FILES...: with the ct3 log list.
check() {
  local want=$1 at=$AT; shift
  if [ "${1:-}" = --at ]; then at=$2; shift 2; fi
  expect_status "$want" "$CAGUARD" check --format json --at "$at" --loglist "$LL" "$@"
}
# finding RULE FILE MESSAGE_ERE...: a finding of RULE on FILE (base name)
# whose message matches the pieces of the ERE, joined.
finding() {
  local rule=$1 file=$2 msg
  shift 2
  msg=$(printf '%s' "$@")
  expect_grep "\"rule\":\"$rule\",[^{]*\"file\":\"[^\"]*/$file\",.*\"message\":\"[^\"]*$msg" \
    "$tmp/out"
}
# count RULE N: exactly N findings of RULE.
count() {
  local got
  got=$(grep -c "\"rule\":\"$1\"" "$tmp/out")
  if [ "$got" = "$2" ]; then pass_; else
    fail_ "$got findings of $1, want $2"; cat "$tmp/out" >&2
  fi
}
none() { for r in "$@"; do count "$r" 0; done; }
# Nothing worse than a notice.
clean() { expect_no_grep '"severity":"(error|warning)"' "$tmp/out"; }
sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
all_ct='ct.sct.signature_invalid ct.sct.issuer_unknown ct.sct.unknown_log ct.sct.timestamp_future
  ct.cert.notbefore_backdated ct.sct.log_not_yet_usable ct.sct.outside_temporal_interval
  ct.precert.signing_ca_after_sunset ct.policy.chrome_unsatisfied ct.policy.apple_unsatisfied
  ct.policy.mozilla_unsatisfied ct.policy.not_evaluated ct.pair.validity_mismatch
  ct.pair.tbs_mismatch ct.precert.duplicate_serial ct.cert.duplicate_serial'

# ---- clean controls: no CT finding at all ----
# A pair with SCTs from three logs and operators (P-256, RSA, P-384).
check 0 "$CA" "$D/clean_pre.pem" "$D/clean_final.pem"
none $all_ct
clean
# Poison first in the precertificate, SCT list last in the certificate.
check 0 "$CA" "$D/moved_pre.pem" "$D/moved_final.pem"
none $all_ct
# The SCT generator's pair: four SCTs, one with CtExtensions; the CA with
# the same subject and another key comes first and must not be taken.
check 0 "$S/ca_twin.pem" "$CA" "$S/precert.pem" "$S/final.pem"
none $all_ct
# Everything clean in one run, each object in its own group.
check 0 "$CA" "$S/ps.pem" "$D/clean_pre.pem" "$D/clean_final.pem" "$D/moved_pre.pem" \
  "$D/moved_final.pem" "$S/precert_ps.pem" "$S/final_ps.pem" "$D/policy_ok.pem" \
  "$D/policy_previous_operator.pem" "$D/sct_shard_in.pem" "$D/sct_backdated_48h.pem" \
  "$D/ps_before_sunset_pre.pem"
none $all_ct

# ---- seed: two precertificates for one serial ----
check 1 "$CA" "$D/twopre_a.pem" "$D/twopre_b.pem" "$D/twopre_final.pem"
a=$(sha "$D/twopre_a.pem")
b=$(sha "$D/twopre_b.pem")
count ct.precert.duplicate_serial 1
finding ct.precert.duplicate_serial twopre_a.pem \
  "2 different precertificates share this issuer and serial: " \
  "$a \\([^)]*twopre_a.pem #0\\), $b \\([^)]*twopre_b.pem #0\\)"
expect_grep '"rule":"ct.precert.duplicate_serial".*"serial":"5ca90a2de7b14c3f00c73002"' "$tmp/out"
# The certificate's SCTs were issued for precertificate B: both say so.
count ct.sct.signature_invalid 2
finding ct.sct.signature_invalid twopre_final.pem \
  "SCT 1 from ct3 A1 P-256 does not verify over this certificate; " \
  "it was issued for a different precertificate, $b \\([^)]*twopre_b.pem #0\\)"
finding ct.sct.signature_invalid twopre_final.pem \
  "SCT 2 from ct3 B RSA .*issued for a different precertificate, $b"
# It corresponds to A: no pair finding; no valid SCT, so the policies fail.
none ct.pair.tbs_mismatch ct.pair.validity_mismatch ct.cert.duplicate_serial
finding ct.policy.chrome_unsatisfied twopre_final.pem 'has 0'
# The same three objects in one PEM file: indexes name them.
cat "$D/twopre_a.pem" "$D/twopre_b.pem" "$D/twopre_final.pem" >"$tmp/bundle.pem"
check 1 "$CA" "$tmp/bundle.pem"
finding ct.precert.duplicate_serial bundle.pem \
  "$a \\([^)]*bundle.pem #0\\), $b \\([^)]*bundle.pem #1\\)"
finding ct.sct.signature_invalid bundle.pem "precertificate, $b \\([^)]*bundle.pem #1\\)"
expect_grep '"rule":"ct.sct.signature_invalid",[^{]*"file":"[^"]*bundle.pem","index":2,' "$tmp/out"
# Without precertificate B among the inputs nothing can say whose SCTs they are.
check 1 "$CA" "$D/twopre_a.pem" "$D/twopre_final.pem"
none ct.precert.duplicate_serial
finding ct.sct.signature_invalid twopre_final.pem 'rebuilt from this certificate: ECDSA signature'

# ---- seed: precertificate validity does not match the certificate ----
check 1 "$CA" "$D/validity_pre.pem" "$D/validity_final.pem"
p=$(sha "$D/validity_pre.pem")
count ct.pair.validity_mismatch 1
finding ct.pair.validity_mismatch validity_final.pem \
  "precertificate valid 2025-03-01T00:00:00Z - 2025-05-30T23:59:59Z, " \
  "certificate valid 2025-03-01T00:00:00Z - 2025-05-31T23:59:59Z \\(precertificate $p"
none ct.pair.tbs_mismatch ct.precert.duplicate_serial
count ct.sct.signature_invalid 2
finding ct.sct.signature_invalid validity_final.pem "issued for a different precertificate, $p"

# Byte-identical copies are one object, loaded once: each copy of the final
# gets the pair and SCT findings, and copies are no duplicate serial; two
# precertificates given twice each are still "2 different" (the first
# copies named).
cat "$D/validity_pre.pem" "$D/validity_final.pem" "$D/validity_pre.pem" "$D/validity_final.pem" \
  "$D/validity_final.pem" >"$tmp/copies.pem"
check 1 "$CA" "$tmp/copies.pem"
count ct.pair.validity_mismatch 3
count ct.sct.signature_invalid 6
none ct.precert.duplicate_serial ct.cert.duplicate_serial
for i in 1 3 4; do
  expect_grep "\"rule\":\"ct.pair.validity_mismatch\",[^{]*\"file\":\"[^\"]*copies.pem\",\"index\":$i," \
    "$tmp/out"
done
cat "$D/twopre_a.pem" "$D/twopre_b.pem" "$D/twopre_a.pem" "$D/twopre_b.pem" \
  "$D/twopre_final.pem" >"$tmp/copies.pem"
check 1 "$CA" "$tmp/copies.pem"
count ct.precert.duplicate_serial 1
finding ct.precert.duplicate_serial copies.pem \
  "2 different precertificates share this issuer and serial: " \
  "$a \\([^)]*copies.pem #0\\), $b \\([^)]*copies.pem #1\\)\""
count ct.sct.signature_invalid 2

# ---- ct.pair.tbs_mismatch names the first differing field ----
while read -r name msg; do
  check 1 "$CA" "$D/tbs_${name}_pre.pem" "$D/tbs_${name}_final.pem"
  p=$(sha "$D/tbs_${name}_pre.pem")
  count ct.pair.tbs_mismatch 1
  finding ct.pair.tbs_mismatch "tbs_${name}_final.pem" \
    "differs from precertificate $p \\([^)]*\\): $msg"
  none ct.pair.validity_mismatch ct.precert.duplicate_serial ct.cert.duplicate_serial
  # The log saw the precertificate: the SCTs say whose they are.
  count ct.sct.signature_invalid 2
  finding ct.sct.signature_invalid "tbs_${name}_final.pem" "different precertificate, $p"
done <<'EOF'
ext_added extension cRLDistributionPoints \(2\.5\.29\.31\) added in the certificate \(position 8\)
ext_removed extension certificatePolicies \(2\.5\.29\.32\) removed from the certificate \(pos
ext_reordered extension keyUsage \(2\.5\.29\.15\) reordered \(position 1 in the precert.*, 2 in
ext_changed extension subjectAltName \(2\.5\.29\.17\) changed \(position 6\): value differs
ext_critical extension extKeyUsage \(2\.5\.29\.37\) changed \(position 2\): criticality differs
ext_encoding extension extKeyUsage \(2\.5\.29\.37\) changed \(position 2\): encoding differs
ext_private extension 1\.3\.6\.1\.4\.1\.55555\.1 changed \(position 8\): value differs
subject subject differs
spki subjectPublicKeyInfo differs
sigalg signature algorithm differs
EOF

# ---- duplicate serials ----
check 1 "$CA" "$D/dupcert_a.pem" "$D/dupcert_b.pem"
count ct.cert.duplicate_serial 1
finding ct.cert.duplicate_serial dupcert_a.pem \
  "2 different certificates share this issuer and serial: " \
  "$(sha "$D/dupcert_a.pem") .*, $(sha "$D/dupcert_b.pem")"
none ct.precert.duplicate_serial ct.pair.tbs_mismatch
# Two final certificates from one precertificate, with different SCT lists.
check 1 "$CA" "$D/clean_pre.pem" "$D/clean_final.pem" "$D/clean_final_resigned.pem"
count ct.cert.duplicate_serial 1
finding ct.cert.duplicate_serial clean_final.pem "$(sha "$D/clean_final_resigned.pem")"
none ct.precert.duplicate_serial ct.pair.tbs_mismatch ct.sct.signature_invalid
# The same objects given twice, as files and as blocks of one file, are no
# duplicates.
cat "$D/clean_pre.pem" "$D/clean_pre.pem" "$D/clean_final.pem" >"$tmp/twice.pem"
check 0 "$CA" "$D/clean_pre.pem" "$D/clean_pre.pem" "$D/clean_final.pem" "$D/clean_final.pem" \
  "$tmp/twice.pem"
none $all_ct

# ---- issuer matched only through AKI/SKI ----
# ca_enc.pem's subject is PrintableString, the certificates' issuer field
# UTF8String; ca_enc_twin.pem has the issuer field's exact bytes and
# ca_enc.pem's SKI but another key, and comes first.
check 0 "$D/ca_enc_twin.pem" "$D/ca_enc.pem" "$D/aki_pre.pem" "$D/aki_final.pem"
none $all_ct
check 0 "$D/ca_enc_twin.pem" "$D/aki_pre.pem" "$D/aki_final.pem"
count ct.sct.issuer_unknown 1
finding ct.sct.issuer_unknown aki_final.pem 'not among the inputs'
finding ct.policy.not_evaluated aki_final.pem 'issuer unknown'
none ct.sct.signature_invalid ct.pair.tbs_mismatch
# An AKI that names no SKI: the Name bytes and the signature still find the
# CA (and the same-name twin, tried first, is refused by its signature).
check 0 "$S/ca_twin.pem" "$CA" "$D/aki_wrong_pre.pem" "$D/aki_wrong_final.pem"
none $all_ct
check 0 "$S/ca_twin.pem" "$D/aki_wrong_pre.pem" "$D/aki_wrong_final.pem"
count ct.sct.issuer_unknown 1
# The SCT generator's twin (same subject, other key) alone is no issuer either.
check 0 "$S/ca_twin.pem" "$D/policy_ok.pem"
count ct.sct.issuer_unknown 1
none ct.sct.signature_invalid

# ---- Precertificate Signing Certificate ----
check 0 "$CA" "$S/ps.pem" "$S/precert_ps.pem" "$S/final_ps.pem"
none $all_ct
# A pair that differs: the issuer and AKI differ legitimately and are not
# named, the SAN is; the SCTs are attributed through the rebuilt entry, also
# with a same-subject CA ahead of the real one.
check 1 "$S/ca_twin.pem" "$CA" "$S/ps.pem" "$D/ps_mismatch_pre.pem" "$D/ps_mismatch_final.pem"
p=$(sha "$D/ps_mismatch_pre.pem")
count ct.pair.tbs_mismatch 1
finding ct.pair.tbs_mismatch ps_mismatch_final.pem \
  "extension subjectAltName \\(2\\.5\\.29\\.17\\) changed"
count ct.sct.signature_invalid 2
finding ct.sct.signature_invalid ps_mismatch_final.pem "issued for a different precertificate, $p"
none ct.precert.signing_ca_after_sunset
# After the sunset, and exactly at it; one second before is fine.
check 1 "$CA" "$S/ps.pem" "$D/ps_sunset_pre.pem" "$D/ps_at_sunset_pre.pem" \
  "$D/ps_before_sunset_pre.pem"
count ct.precert.signing_ca_after_sunset 2
finding ct.precert.signing_ca_after_sunset ps_sunset_pre.pem \
  'issued 2026-04-01T00:00:00Z by a Precertificate Signing Certificate.*2026-03-15'
finding ct.precert.signing_ca_after_sunset ps_at_sunset_pre.pem 'issued 2026-03-15T00:00:00Z'

# ---- per-SCT rules ----
check 0 "$CA" "$D/sct_unknown_log.pem"
count ct.sct.unknown_log 1
finding ct.sct.unknown_log sct_unknown_log.pem \
  'SCT 3: log 36d3ef9349076b4eeecbef2ca24fca72537eb2d4a9b083949f1b83524277441a ' \
  'is not in the log list'
none ct.sct.signature_invalid ct.policy.chrome_unsatisfied

check 1 "$CA" "$D/sct_future.pem"
count ct.sct.timestamp_future 1
finding ct.sct.timestamp_future sct_future.pem \
  'SCT 2 of 2 .*timestamp 2025-04-02T00:00:00.000Z is later than the evaluation time ' \
  '2025-04-01T00:00:00Z'
none ct.cert.notbefore_backdated ct.sct.signature_invalid
finding ct.policy.chrome_unsatisfied sct_future.pem \
  'ct3 B RSA \(ct3 Operator B, SCT dated after the evaluation time\)'
# The same certificate a day later: nothing in the future.
check 0 --at 2025-04-03T00:00:00Z "$CA" "$D/sct_future.pem"
none $all_ct

check 1 "$CA" "$D/sct_backdated.pem"
count ct.cert.notbefore_backdated 1
finding ct.cert.notbefore_backdated sct_backdated.pem \
  'notBefore 2025-03-01T00:00:00Z is 48.0 hours \(172801.000 s\) before the timestamp ' \
  '2025-03-03T00:00:01Z of SCT 1 \(ct3 A1 P-256\)'
check 1 "$CA" "$D/sct_backdated_48h_1ms.pem"
count ct.cert.notbefore_backdated 1
finding ct.cert.notbefore_backdated sct_backdated_48h_1ms.pem '172800.001 s'
check 0 "$CA" "$D/sct_backdated_48h.pem"
none ct.cert.notbefore_backdated

check 0 "$CA" "$D/sct_log_pending.pem"
count ct.sct.log_not_yet_usable 2
finding ct.sct.log_not_yet_usable sct_log_pending.pem \
  'SCT 3 \(ct3 D pending\): ct3 D pending is pending .*not yet Usable'
finding ct.sct.log_not_yet_usable sct_log_pending.pem \
  'SCT 4 \(ct3 F qualified 2025-03-15\): .*became Qualified at 2025-03-15T00:00:00Z, ' \
  'after its SCT.*pending then'
none ct.sct.signature_invalid ct.policy.chrome_unsatisfied

check 1 "$CA" "$D/sct_shard_out.pem"
count ct.sct.outside_temporal_interval 1
finding ct.sct.outside_temporal_interval sct_shard_out.pem \
  'SCT 3 \(ct3 E shard 2026\): notAfter 2025-05-30T23:59:59Z is before ' \
  '.*\[2026-01-01T00:00:00Z, 2027-01-01T00:00:00Z\)'
check 0 "$CA" "$D/sct_shard_in.pem"
none ct.sct.outside_temporal_interval

# RSA SCTs are verified: one with a flipped signature byte fails, and the
# policies then lack a log.
check 1 "$CA" "$D/sct_bad_rsa_sig.pem"
count ct.sct.signature_invalid 1
finding ct.sct.signature_invalid sct_bad_rsa_sig.pem \
  'SCT 2 from ct3 B RSA does not verify over the precertificate entry rebuilt from this ' \
  'certificate: RSA signature does not verify'
finding ct.policy.chrome_unsatisfied sct_bad_rsa_sig.pem \
  'has 1.*ct3 B RSA \(ct3 Operator B, signature not verified\)'

# ---- policies ----
check 0 "$CA" "$D/policy_one_operator.pem"
finding ct.policy.chrome_unsatisfied policy_one_operator.pem \
  'needs 2 operators, has 1 \(ct3 Operator A\)'
finding ct.policy.mozilla_unsatisfied policy_one_operator.pem 'needs 2 operators, has 1'
finding ct.policy.apple_unsatisfied policy_one_operator.pem 'at most 1 per operator.*has 1'
expect_no_grep 'chrome_unsatisfied.*needs 2 SCTs from distinct logs' "$tmp/out"
# Operator at the SCT's time: A3 belonged to Operator C then.
check 0 "$CA" "$D/policy_previous_operator.pem"
none ct.policy.chrome_unsatisfied ct.policy.apple_unsatisfied ct.policy.mozilla_unsatisfied
check 0 "$CA" "$D/policy_200d.pem"
finding ct.policy.chrome_unsatisfied policy_200d.pem \
  'needs 3 SCTs from distinct logs \(lifetime 200 days > 180 days\), has 2'
expect_no_grep 'chrome_unsatisfied.*needs 2 operators' "$tmp/out"
check 0 "$CA" "$D/policy_180d.pem"
none ct.policy.chrome_unsatisfied ct.policy.mozilla_unsatisfied
check 0 "$CA" "$D/policy_ok.pem"
none $all_ct
expect_status 0 test ! -s "$tmp/out"
# Expired at --at: not evaluated, and said so once.
check 0 --at 2025-07-01T00:00:00Z "$CA" "$D/policy_ok.pem"
count ct.policy.not_evaluated 1
finding ct.policy.not_evaluated policy_ok.pem \
  'certificate expired at 2025-05-30T23:59:59Z, before the evaluation time 2025-07-01T00:00:00Z'
none ct.policy.chrome_unsatisfied ct.sct.issuer_unknown
# No issuer among the inputs.
check 0 "$D/policy_ok.pem"
count ct.sct.issuer_unknown 1
count ct.policy.not_evaluated 1
finding ct.policy.not_evaluated policy_ok.pem 'issuer unknown'
none ct.sct.signature_invalid ct.policy.chrome_unsatisfied
# No log list.
expect_status 0 "$CAGUARD" check --format json --at "$AT" --no-default-loglists "$CA" \
  "$D/policy_ok.pem"
finding ct.policy.not_evaluated policy_ok.pem 'no log list'
none ct.sct.unknown_log ct.sct.signature_invalid
# Text output says what is missing.
expect_status 0 "$CAGUARD" check --color never --at "$AT" --loglist "$LL" "$CA" \
  "$D/policy_200d.pem"
expect_grep 'warning ct.policy.chrome_unsatisfied: .*needs 3 SCTs from distinct logs .*has 2' \
  "$tmp/out"

# ---- --loglist-sig / --loglist-key on the ct3 list ----
if "$CAGUARD" check --help | grep -q -- --loglist-sig; then
  expect_status 0 "$CAGUARD" check --format json --at "$AT" --loglist "$LL" \
    --loglist-sig "$D/loglist.json.sig" --loglist-key "$D/loglist_signer.pub.pem" \
    "$CA" "$D/policy_ok.pem"
  none ct.loglist.signature_invalid ct.policy.not_evaluated
  # A changed operator name: refused, so no list (the policies say so).
  sed 's/ct3 Operator B/ct3 Operator A/' "$LL" >"$tmp/changed.json"
  expect_status 1 "$CAGUARD" check --format json --at "$AT" --loglist "$tmp/changed.json" \
    --loglist-sig "$D/loglist.json.sig" --loglist-key "$D/loglist_signer.pub.pem" \
    "$CA" "$D/policy_ok.pem"
  finding ct.loglist.signature_invalid changed.json 'not used'
  finding ct.policy.not_evaluated policy_ok.pem 'no log list'
  none ct.policy.chrome_unsatisfied
  # Unsigned, the same changed list is used: one operator.
  check 0 "$CA" "$D/policy_ok.pem"
  expect_status 0 "$CAGUARD" check --format json --at "$AT" --loglist "$tmp/changed.json" \
    "$CA" "$D/policy_ok.pem"
  finding ct.policy.chrome_unsatisfied policy_ok.pem 'needs 2 operators, has 1'
else
  echo "SKIP: caguard check has no --loglist-sig"
fi
finish
