#!/usr/bin/env bash
# Real roots: every root of Debian's ca-certificates (Mozilla's store) is
# checked alone, judged by the root profile and the rules in force when it was
# issued. Any error names the root. Six roots carry defects zlint reports as
# errors too (its lint in brackets); they are listed here and must still give
# exactly that finding, so the list cannot go stale unnoticed while the roots
# are installed.
. "$(dirname "$0")/lib.sh"
dir=/usr/share/ca-certificates/mozilla
declare -A known=(
  [Hellenic_Academic_and_Research_Institutions_ECC_RootCA_2015.crt]="cert.serial_not_positive" # e_serial_number_not_positive: serial 0
  [Hellenic_Academic_and_Research_Institutions_RootCA_2015.crt]="cert.serial_not_positive"     # e_serial_number_not_positive: serial 0
  [Trustwave_Global_ECC_P256_Certification_Authority.crt]="cert.key_usage_encoding"            # e_superfluous_ku_encoding: trailing zero bits
  [Trustwave_Global_ECC_P384_Certification_Authority.crt]="cert.key_usage_encoding"            # e_superfluous_ku_encoding: trailing zero bits
  [OISTE_WISeKey_Global_Root_GB_CA.crt]="cert.extension_criticality"                           # e_root_ca_key_usage_must_be_critical
  [Certum_Trusted_Network_CA_2.crt]="cert.time_encoding"                                       # e_wrong_time_format_pre2050: GeneralizedTime for 2011 and 2046
)
n=0
for f in "$dir"/*.crt; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  name=$(basename "$f")
  "$CAGUARD" check --br-profile --format json "$f" >"$tmp/out" 2>"$tmp/err"
  errs=$(python3 -c '
import json, sys
print(" ".join(sorted({j["rule"] for j in map(json.loads, open(sys.argv[1]))
                       if j["severity"] == "error"})))' "$tmp/out")
  if [ "$errs" = "${known[$name]:-}" ]; then pass_; else
    fail_ "$name: errors [$errs], expected [${known[$name]:-}]: $(grep '"error"' "$tmp/out" | head -3)"
  fi
done
# ca-certificates is in scripts/install-deps --test.
[ "$n" -ge 100 ] && pass_ || fail_ "only $n roots in $dir (is ca-certificates installed?)"
finish
