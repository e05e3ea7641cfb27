#!/usr/bin/env bash
# The TLS BR certificate profile (cert.* rules) on tests/data/profile
# (make_profile_vectors.py): the good root, subordinate CA and subscriber
# certificates give no error; each RULE__what.pem gives RULE, and no other
# profile rule unless it says so below.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA/profile
at=--at=2030-01-01T00:00:00Z
# Variants whose defect takes away what other rules look for: the profile
# rules they also give, rightly.
declare -A also=(
  [cert.extensions_empty__empty_sequence]="cert.aia_invalid cert.aki_invalid cert.cn_not_in_san cert.crldp_missing cert.eku_invalid cert.policies_invalid cert.san_missing"
  [cert.version_invalid__v1]="cert.aia_invalid cert.aki_invalid cert.cn_not_in_san cert.crldp_missing cert.eku_invalid cert.policies_invalid cert.san_missing"
  # a commonName with no subjectAltName to come from
  [cert.san_missing__no_san]="cert.cn_not_in_san"
  # its caIssuers URL is https too: the http one TLS BRs §7.1.2.7.7 wants
  [cert.aia_invalid__https]="cert.aia_not_recommended"
)
profile_rules() {
  python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["rule"] for l in open(sys.argv[1])
                       if json.loads(l)["rule"].startswith("cert.")})))' "$1"
}
for f in "$d"/good_*.pem "$d/root.pem" "$d/sub.pem"; do
  "$CAGUARD" check --br-profile --format json "$at" "$f" >"$tmp/out" 2>"$tmp/err"
  if grep -q '"severity":"error"' "$tmp/out"; then
    fail_ "$(basename "$f"): errors: $(profile_rules "$tmp/out")"
  else pass_; fi
done
n=0
for f in "$d"/cert.*__*.pem; do
  n=$((n + 1))
  base=$(basename "$f" .pem)
  rule=${base%%__*}
  "$CAGUARD" check --br-profile --format json "$at" "$f" >"$tmp/out" 2>"$tmp/err"
  got=$(profile_rules "$tmp/out")
  want=$(echo "$rule ${also[$base]:-}" | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$want" ]; then pass_; else
    fail_ "$base: want [$want], got [$got]"
  fi
done
[ "$n" -ge 50 ] && pass_ || fail_ "only $n profile vectors in $d"
# The profile is on by default (check, ingest; monitor and serve use the same
# context default); --no-br-profile turns it off; --br-profile is accepted.
v=$d/cert.validity_too_long__399_days.pem
expect_status 1 "$CAGUARD" check --no-default-loglists --format json "$at" "$v"
expect_grep '"rule":"cert.validity_too_long"' "$tmp/out"
expect_status 0 "$CAGUARD" check --no-default-loglists --no-br-profile --format json "$at" "$v"
grep -q '"rule":"cert\.' "$tmp/out" && fail_ "a cert.* finding with --no-br-profile" || pass_
expect_status 2 "$CAGUARD" check --br-profile --no-br-profile "$v"
expect_grep 'contradict' "$tmp/err"
expect_status 1 "$CAGUARD" --store "$tmp/p.db" ingest --no-default-loglists "$at" "$v"
expect_grep 'cert.validity_too_long' "$tmp/out"
expect_status 0 "$CAGUARD" --store "$tmp/q.db" ingest --no-default-loglists --no-br-profile "$at" "$v"
grep -q 'cert\.' "$tmp/out" && fail_ "a cert.* finding from ingest --no-br-profile" || pass_
# The same checks on a bare TBSCertificate before signing (the C API's
# caguard_checker_add_tbs and check): the 399-day variant's TBS.
# zlint's own vectors (tests/data/zlint-conformance), each at its issuance
# time as docs/conformance.md judges it: the cases a rule was fixed for.
zv=$CG_TEST_DATA/zlint-conformance/vectors
zcase() { # VECTOR RULE yes|no [MESSAGE-PATTERN the findings must not hold]
  local issued
  issued=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["vectors"][sys.argv[2]]["issued"])' \
    "$CG_TEST_DATA/zlint-conformance/expectations.json" "$1")
  "$CAGUARD" check --br-profile --no-default-loglists --format json --at "$issued" "$zv/$1" \
    >"$tmp/out" 2>"$tmp/err"
  if grep -q "\"rule\":\"$2\"" "$tmp/out"; then got=yes; else got=no; fi
  if [ "$got" = "$3" ]; then pass_; else fail_ "$1: $2 reported: $got, want $3"; fi
  if [ -n "${4:-}" ] && grep -q "$4" "$tmp/out"; then fail_ "$1: '$4' in the findings"; fi
}
# subjectAltName syntax (RFC 5280 §4.2.1.6) in a CA certificate too; the
# subscriber-only name types are not held against a CA
zcase SANDNSPeriod.pem cert.san_invalid yes
zcase SANNoEntries.pem cert.san_invalid yes
zcase SANBareWildcard.pem cert.san_invalid yes
zcase dnsNameWildcardNotOnlyInLeftLabel.pem cert.san_invalid yes
zcase SANDirectoryNameBeginning.pem cert.san_invalid no
# underscores: never before ballot SC12 (2018-12-10), then only under 30 days
zcase dnsNameUnderscoreInSLD.pem cert.san_invalid yes
zcase dnsNameUnderscoreInTRD.pem cert.san_invalid yes
zcase dNSUnderscoresShortValidity.pem cert.san_invalid yes "contains an underscore"
zcase dNSNameUnderscoreValidWhenReplaced.pem cert.san_invalid yes
# the subject commonName: character for character from ballot SC48
# (2021-08-25), none without subjectAltName, one at most
zcase CNWithoutSANSeptember2021.pem cert.cn_not_in_san yes
zcase SANCaseNotMatchingCNSeptember2021.pem cert.cn_not_in_san yes
zcase SANCaseNotMatchingCN.pem cert.cn_not_in_san no
# two commonNames are cert.cn_multiple, not cert.cn_not_in_san when both are
# in subjectAltName; a Reserved IP Address in the commonName is
# cert.cn_reserved_ip
zcase extraCommonNames.pem cert.cn_multiple yes
zcase MultipleCNsAllInSAN.pem cert.cn_multiple yes
zcase MultipleCNsAllInSAN.pem cert.cn_not_in_san no
zcase commonNamesURL.pem cert.cn_multiple no
zcase subjectReservedIP.pem cert.cn_reserved_ip yes
zcase subjectReservedIP6.pem cert.cn_reserved_ip yes
zcase subjectGoodIP.pem cert.cn_reserved_ip no
# RFC 5280's requirements at every date RFC 2459 already made them: the
# subjectAltName syntax, the time encodings, the two signature
# AlgorithmIdentifiers alike; unique identifiers from RFC 5280 (2008); the
# TLS BRs' additions from 2012-07-01 (a subscriber's subjectAltName of 2016
# holds no URI)
zcase SANEmptyName.pem cert.san_invalid yes
zcase SANWithSpaceDNS.pem cert.san_invalid yes
zcase SANDNSNotIA5String.pem cert.san_invalid yes
zcase dNSNameWithUnderscores.pem cert.san_invalid yes
zcase SANURIBeginning.pem cert.san_invalid yes
zcase utcNoSeconds.pem cert.time_encoding yes
zcase mismatchingSigAlgsBadOID.pem cert.signature_algorithm_mismatch yes
zcase mismatchingSigAlgsBadParams.pem cert.signature_algorithm_mismatch yes
zcase subjectUID.pem cert.unique_id_present yes
# an ECDSA signature's hash follows the signing key's curve (the curve read
# from the signature's integers)
zcase eccSignedWithP384ButSHA256Signature.pem cert.signature_algorithm_invalid yes
zcase eccSignedWithSHA512Signature.pem cert.signature_algorithm_invalid yes
zcase eccP256.pem cert.signature_algorithm_invalid no
zcase eccP384.pem cert.signature_algorithm_invalid no
zcase eccP521Mp30.pem cert.signature_algorithm_invalid no
# basicConstraints' cA written out as FALSE is not DER (X.690 §11.5)
zcase basic_constr_invalid_der_ko.pem der.noncanonical yes
zcase basic_constr_invalid_der_ok.pem der.noncanonical no
# Chrome: no clientAuth beside serverAuth from 2027-03-15
zcase cana_sub1_srv1_cli1_eff1.pem cert.eku_invalid yes
zcase cana_sub1_srv1_cli1_eff0.pem cert.eku_invalid no
zcase cana_sub1_srv1_cli0_effx.pem cert.eku_invalid no
# an empty SEQUENCE where the extension's ASN.1 wants one element at least
zcase empty_seq_of_sia.pem cert.extension_value_empty yes
zcase empty_seq_of_pms.pem cert.extension_value_empty yes
zcase empty_seq_of_xxx.pem cert.extension_value_empty no
# IP reverse zones before SC-86: the Reverse Zone Domain Name of a Reserved
# IP Address is refused like the address (cert.san_invalid); a name in a
# reverse zone that names no one address is a warning
zcase subjectRDNSIPv4ReservedIP.pem cert.san_invalid yes
zcase subjectRDNSIPv6ReservedIP.pem cert.san_invalid yes
zcase subjectRDNSIPv4GoodIP.pem cert.san_invalid no
zcase subjectRDNSIPv6GoodIP.pem cert.san_invalid no
zcase subjectRDNSIPv4BadIP.pem cert.san_invalid no
zcase subjectRDNSIPv4BadIP.pem cert.san_reverse_name_malformed yes
zcase subjectRDNSIPv4TooFewLabels.pem cert.san_reverse_name_malformed yes
zcase subjectRDNSIPv6BadIP.pem cert.san_reverse_name_malformed yes
zcase subjectRDNSIPv6TooFewLabels.pem cert.san_reverse_name_malformed yes
zcase subjectRDNSIPv6TooFewLabels.pem cert.san_invalid no
zcase subjectRDNSIPv4ReservedIP.pem cert.san_reverse_name_malformed no
zcase subjectRDNSIPv6GoodIP.pem cert.san_reverse_name_malformed no
# from SC-86 (2026-03-15) every name in a reverse zone is refused (the
# warning's rule ends that day)
zcase arpa_sub1_rev41_rev60_eff1.pem cert.san_invalid yes "Reverse Zone Domain Name of"
zcase arpa_sub1_rev41_rev60_eff1.pem cert.san_reverse_name_malformed no
# a TLD by the root zone of the day of issuance (data/tld/tlds.tsv): never
# delegated, not yet (.mcdonalds from 2016-08-08), no longer (removed
# 2017-08-31); .onion by ballot 144's date
zcase dnsNameNotValidTLD.pem cert.san_tld_not_delegated yes
zcase dnsNameNotYetValidTLD.pem cert.san_tld_not_delegated yes
zcase dnsNameNoLongerValidTLD.pem cert.san_tld_not_delegated yes
zcase dnsNameWasValidTLD.pem cert.san_tld_not_delegated no
zcase dnsNameValidTLD.pem cert.san_tld_not_delegated no
zcase dnsNameOnionTLD.pem cert.san_tld_not_delegated no
# a private-use TLD stays cert.san_invalid's, not reported twice
zcase dNSNoUnderscoresLongValidity.pem cert.san_tld_not_delegated no
# AIA URLs whose host is an Internal Name (an IP address is not judged)
zcase aiaWithInternalNames.pem cert.aia_internal_name yes
zcase aiaWithValidNames.pem cert.aia_internal_name no
zcase aiaWithIP.pem cert.aia_internal_name no
# CRL distribution point URLs' hosts judged the same way
zcase subCertNoBcWithCertSign.pem cert.crldp_internal_name yes
zcase subCaNoCertSign.pem cert.crldp_internal_name yes
zcase aiaWithValidNames.pem cert.crldp_internal_name no
# internationalised names: an xn-- label must be Punycode (RFC 3492) of a
# U-label in NFC (RFC 5890 §2.3.2.1, RFC 8399); libidn2 decodes it
zcase dnsNamesNotNFC.pem cert.san_invalid yes
zcase dnsNamesNFC.pem cert.san_invalid no
zcase idnMalformedUnicode.pem cert.san_invalid yes
zcase idnCorrectUnicode.pem cert.san_invalid no
# validity: notAfter minus notBefore before 2020-09-01 (TLS BRs 1.7.1
# §1.6.1), inclusive from then; a day less than the maximum is the SHOULD
zcase subCert825DaysOK.pem cert.validity_too_long no
zcase 39months.pem cert.validity_too_long no
zcase eeServerCertValidEqual397.pem cert.validity_near_limit no
zcase eeServerCertValidEqual398.pem cert.validity_near_limit yes
zcase eeServerCertValidEqual398.pem cert.validity_too_long no
zcase eeServerCertValidOver398.pem cert.validity_near_limit no
zcase eeServerCertValidOver398.pem cert.validity_too_long yes
zcase exactlyOnFirstMilestoneExactly199days.pem cert.validity_near_limit no
zcase exactlyOnFirstMilestoneExactly200days.pem cert.validity_near_limit yes
zcase exactlyOnThirdMilestoneExactly47days.pem cert.validity_near_limit yes
zcase exactlyOnThirdMilestoneExactly46days.pem cert.validity_near_limit no
# criticality: RFC 5280's MUSTs (errors) and SHOULDs (warnings)
zcase policyConstNotCritical.pem cert.extension_criticality yes
zcase policyConstGoodBoth.pem cert.extension_criticality no
zcase subDirAttCritical.pem cert.extension_criticality yes
zcase subCrlDistCrit.pem cert.extension_criticality yes
zcase subCrlDistNoCrit.pem cert.extension_criticality no
zcase IANCritical.pem cert.extension_criticality_not_recommended yes
zcase IANNotCritical.pem cert.extension_criticality_not_recommended no
zcase policyMapNotCritical.pem cert.extension_criticality_not_recommended yes
zcase policyMapGood.pem cert.extension_criticality_not_recommended no
zcase SANCriticalSubjectUncommonOnly.pem cert.extension_criticality_not_recommended yes
zcase subCertPolicyCrit.pem cert.extension_criticality_not_recommended yes
# (their keyUsage is not critical: RFC 5280 §4.2.1.3 SHOULD, the same warning)
zcase subCertPolicyNoCrit.pem cert.extension_criticality_not_recommended yes "certificatePolicies at position"
zcase ekuAnyCrit.pem cert.extension_criticality_not_recommended yes
zcase ekuNoAnyCrit.pem cert.extension_criticality_not_recommended yes "extKeyUsage with anyExtendedKeyUsage at"
# authorityInformationAccess: a subordinate CA's MUST until TLS BRs 1.7.1,
# SHOULD since; the caIssuers URL a SHOULD
zcase subCAAIAMissing.pem cert.aia_invalid yes
zcase subCAAIAMissingPostCABFBR171.pem cert.aia_invalid no
# (subject and issuer are one empty Name, but its signature fails under its
# own key: a subordinate CA, not a root, so the SHOULD binds it)
zcase subCAAIAMissingPostCABFBR171.pem cert.aia_not_recommended yes "root CA certificate"
zcase subCAAIAValidPostCABFBR171.pem cert.aia_not_recommended no
zcase subCAWOcspURL.pem cert.aia_not_recommended yes
zcase subCAWBothURL.pem cert.aia_not_recommended no
zcase subCertWOcspURL.pem cert.aia_not_recommended yes
zcase subCertWIssuerURL.pem cert.aia_not_recommended no
zcase caIssuerNoHTTPLDAP.pem cert.aia_not_recommended yes
# an ldap caIssuers URL satisfies RFC 5280 but not the BRs' http one
zcase caIssuerLDAP.pem cert.aia_not_recommended yes "HTTP or LDAP URI"
# extKeyUsage purposes a subscriber certificate should not hold
zcase subExtKeyUsageServerAuthAndUnknown.pem cert.eku_not_recommended yes
zcase subExtKeyUsageServerAuth.pem cert.eku_not_recommended no
zcase subExtKeyUsageServClientEmailCodeSign.pem cert.eku_not_recommended yes
zcase subExtKeyUsageServClientEmail.pem cert.eku_not_recommended no
# a root's pathLenConstraint
zcase rootCaMaxPathLenPresent.pem cert.basic_constraints_not_recommended yes
zcase rootCaMaxPathLenMissing.pem cert.basic_constraints_not_recommended no
# keyUsage by key type: RFC 3279 §2.3.1 for RSA before the SC-062 tables;
# the NOT RECOMMENDED bits (EC keyAgreement, a CA's RSA encipherment) warn;
# trailing zero bits are cert.key_usage_encoding
zcase eeWithRSADisallowedKeyUsage.pem cert.key_usage_invalid yes
zcase ecc_key_dv_with_key_agreement.pem cert.key_usage_not_recommended yes
zcase ecc_key_dv_with_prohibited_key_usage.pem cert.key_usage_not_recommended no
zcase caWithRSAAndEnciphermentKeyUsage.pem cert.key_usage_not_recommended yes
zcase subCertIsNotCA.pem cert.key_usage_encoding yes
# an EC key's encipherment bits: a MUST NOT from RFC 8813 (2020-08-01), not
# before (RFC 5480 §3 listed what MAY be set)
zcase ecdsaP256KUIsDataEnciphermentInvalidKU.pem cert.key_usage_invalid yes
zcase ecdsaP256KUIsKeyEnciphermentInvalidKU.pem cert.key_usage_invalid yes
zcase subKeyUsageValid.pem cert.key_usage_invalid no
# a self-issued CA certificate whose signature verifies under its own key is
# a root: SHA-1 stays allowed for its self-signature
zcase rsawithsha1after2016.pem cert.signature_algorithm_invalid no
zcase subCertIsNotCA.pem cert.key_usage_invalid no
# pathLenConstraint (RFC 5280 §4.2.1.9) apart from basicConstraints' cA
zcase subCaNoCertSign.pem cert.path_len_constraint_invalid yes
zcase subCaNoCertSign.pem cert.basic_constraints_invalid no
# the SHOULDs: a subscriber's SKI before SC-062, a root's policies
zcase subCertNoSKI.pem cert.ski_missing yes
zcase rootCAWithCertPolicy.pem cert.policies_not_recommended yes
# AKI with key ID and issuer/serial (Mozilla RSP §5.2 from 2013-07-26)
zcase mpAuthorityKeyIdentifierIncorrect.pem cert.aki_invalid yes
# policy qualifiers: anyPolicy's (RFC 5280 §4.2.1.4); a CPS that is no URL
zcase withAnyPolicyWithoutCPSOrUserNoticeQualifier.pem cert.policy_qualifiers_invalid yes
zcase policyQualifiersOtherThanCpsNotPermittedValid.pem cert.policy_qualifiers_invalid no
zcase policyQualifiersOtherThanCpsNotPermittedValid.pem cert.policy_cps_uri_invalid yes
# nameConstraints: critical SHOULD (TLS BRs 1.x §7.1.2.2 f, §7.1.2.10.8); a
# subordinate CA's extKeyUsage not critical SHOULD from BRs 1.1.6 (§7.1.2.2 g)
zcase subCAWNameConstNoCrit.pem cert.extension_criticality_not_recommended yes
zcase subCAWNameConstCrit.pem cert.extension_criticality_not_recommended no
zcase subCAWEkuCrit.pem cert.extension_criticality_not_recommended yes
zcase subCAWEkuNoCrit.pem cert.extension_criticality_not_recommended no
# What a finding is about, as structured members of check's JSON (the per-
# defect comparison of docs/conformance.md matches on them): "field", the
# element of the certificate (the rule family's path unless the finding
# names one below it), and "milestone" on the validity rules. zmember VECTOR
# RULE KEY VALUE: some finding of RULE has KEY equal to VALUE (null: None).
zmember() {
  zcase "$1" "$2" yes
  if python3 -c '
import json, sys
want = None if sys.argv[4] == "None" else sys.argv[4]
sys.exit(0 if any(f["rule"] == sys.argv[2] and sys.argv[3] in f and f[sys.argv[3]] == want
                  for f in map(json.loads, open(sys.argv[1]))) else 1)' "$tmp/out" "$2" "$3" "$4"
  then pass_; else fail_ "$1: no $2 finding with $3 $4: $(cat "$tmp/out")"; fi
}
zmember subCAWNameConstNoCrit.pem cert.extension_criticality_not_recommended field \
  tbsCertificate.extensions.nameConstraints
zmember subCAWNameConstNoCrit.pem cert.extension_criticality field \
  tbsCertificate.extensions.keyUsage
zmember subCAWEkuCrit.pem cert.extension_criticality_not_recommended field \
  tbsCertificate.extensions.extKeyUsage
zmember ekuAnyCrit.pem cert.extension_criticality_not_recommended field \
  tbsCertificate.extensions.extKeyUsage
zmember SANURIValid.pem cert.san_invalid field \
  tbsCertificate.extensions.subjectAltName.uniformResourceIdentifier
zmember SANBareWildcard.pem cert.san_invalid field tbsCertificate.extensions.subjectAltName.dNSName
zmember SANOtherName.pem cert.san_invalid field tbsCertificate.extensions.subjectAltName.otherName
zmember SANNoEntries.pem cert.san_invalid field tbsCertificate.extensions.subjectAltName
zmember aiaWrongGeneralName.pem cert.aia_invalid field \
  tbsCertificate.extensions.authorityInfoAccess.caIssuers.accessLocation
zmember aiaOCSPWithHTTPSURL.pem cert.aia_invalid field \
  tbsCertificate.extensions.authorityInfoAccess.ocsp
zmember aiaWithInternalNames.pem cert.aia_internal_name field \
  tbsCertificate.extensions.authorityInfoAccess.caIssuers
zmember exactlyOnFirstMilestoneLongerThan200days.pem cert.validity_too_long milestone 2026-03-15
zmember exactlyOnFirstMilestoneLongerThan200days.pem cert.validity_too_long field \
  tbsCertificate.validity
zmember exactlyOnSecondMilestoneExactly100days.pem cert.validity_near_limit milestone 2027-03-15
zmember eeServerCertValidOver398.pem cert.validity_too_long milestone 2020-09-01
zmember subjectUID.pem cert.unique_id_present field None
# "requirement": which of its rule's requirements a finding breaks, where the
# rule checks more than one about the same element (docs/check.md)
zmember caKeyUsageMissing.pem cert.key_usage_invalid requirement missing
zmember keyUsageNoBits.pem cert.key_usage_invalid requirement no_bits
zmember aiaCaIssuersHTTPOnly.pem cert.aia_invalid requirement ocsp_http_missing
zmember aiaOCSPWithHTTPSURL.pem cert.aia_invalid requirement location_not_http
zmember aiaDuplicateOCSPUrl.pem cert.aia_invalid requirement location_duplicate
zmember subCertPathLenPositive.pem cert.path_len_constraint_invalid requirement \
  improperly_included
zmember crl_ecc_sha384_nulx_effx.pem crl.algorithm_invalid requirement ecdsa_params_present
# SHA-224 with RSA and no NULL parameters: two defects, two findings
zmember crl_rsa_sha224_nul0_eff1.pem crl.algorithm_invalid requirement hash_not_allowed
zmember crl_rsa_sha224_nul0_eff1.pem crl.algorithm_invalid requirement rsa_params_not_null
zmember crl_rsa_sha224_nul1_effx.pem crl.algorithm_invalid requirement hash_not_allowed
zcase crl_rsa_sha224_nul1_effx.pem crl.algorithm_invalid yes "NULL parameters"
finish
