#!/usr/bin/env python3
"""Runs one case of cases.json through `caguard check --format json` and
checks what must and must not be reported. Also checks that every output
line is a JSON object with the fields the JSON Lines format promises and
that the exit status agrees with the findings."""
import argparse
import json
import os
import subprocess
import sys

FIELDS = ["rule", "severity", "file", "index", "kind", "object", "issuer", "serial",
          "message", "reference"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases")
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("--case")
    ap.add_argument("--caguard")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    a = ap.parse_args()
    cases = json.load(open(a.cases))["cases"]
    if a.list:
        print("\n".join(cases))
        return 0
    case = cases[a.case]
    data = os.path.abspath(a.data)
    cmd = [a.caguard, "check", "--format", "json"]
    if "loglist" in case:
        cmd += ["--loglist", os.path.join(data, case["loglist"])]
    if "at" in case:
        cmd += ["--at", case["at"]]
    cmd += [os.path.join(data, f) for f in case["files"]]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    failures = []
    findings = []
    for n, line in enumerate(p.stdout.splitlines(), 1):
        try:
            f = json.loads(line)
        except ValueError as e:
            failures.append(f"stdout line {n} is not JSON: {e}: {line[:200]}")
            continue
        missing = [k for k in FIELDS if k not in f]
        if missing:
            failures.append(f"stdout line {n} lacks {missing}")
        if f.get("severity") not in ("error", "warning", "notice"):
            failures.append(f"stdout line {n}: bad severity {f.get('severity')}")
        findings.append(f)
    rules = {f.get("rule") for f in findings}
    errors = [f for f in findings if f.get("severity") == "error"]
    for r in case.get("expect", []):
        if r not in rules:
            failures.append(f"expected {r}, not reported")
    for r in case.get("forbid", []):
        if r in rules:
            failures.append(f"{r} reported but forbidden: " +
                            "; ".join(f["message"] for f in findings if f["rule"] == r))
    if case.get("expect_error") and not errors:
        failures.append("expected at least one error finding")
    if case.get("forbid_errors") and errors:
        failures.append("errors reported but forbidden: " +
                        "; ".join(f"{f['rule']}: {f['message']}" for f in errors))
    malformed = "input.malformed" in rules
    want_rc = 2 if malformed else (1 if errors else 0)
    if p.returncode != want_rc:
        failures.append(f"exit status {p.returncode}, expected {want_rc}; stderr: {p.stderr}")
    print("$ " + " ".join(cmd))
    for f in findings:
        print(f"  {f.get('severity')}: {f.get('rule')}: {f.get('message')}")
    for msg in failures:
        print("FAIL: " + msg)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
