#!/usr/bin/env python3
"""caguard against zlint's own test vectors: the agreement table.

usage: tools/conformance/zlint_conformance.py [--caguard PATH] (--write | --check)
                                              [--disagreements FILE]

Runs `caguard check --br-profile --format json` on every vector of
tests/data/zlint-conformance/ (each at its own issuance time: notBefore for a
certificate, thisUpdate for a CRL, the moment a CA's gate judges it) and
compares, for each zlint test case whose lint tools/conformance/zlint-map.tsv
maps to caguard rules, zlint's expected result with what caguard reports:

  zlint Error or Warn      agrees when caguard reports the lint's defect
  zlint Pass, NA or NE     agrees when caguard does not

Agreement is judged per defect: a map entry names a rule and, where the rule
covers more than the lint tests, what the finding must be about
(rule[field=PATH], rule[milestone=DATE], rule[requirement=CODE]:
zlint_data.parse_spec), matched against the finding's structured members
(its "field", the element of the certificate it is about; "milestone" on the
validity rules; "requirement", which of its rule's requirements the finding
breaks, where the rule names it), never against its message. The coarser per-rule figure (any finding of a mapped rule,
whatever it is about) is computed and published beside it. Any severity
caguard gives counts; a vector caguard cannot decode agrees with nothing.
Every disagreement carries a reason from zlint-explanations.tsv, or "not yet
covered" when caguard has none of the mapped rules yet.

--write regenerates docs/conformance.md; --check regenerates it in memory and
fails (exit 1) when the file differs, when the agreement falls below the
figure in zlint-threshold, or when more disagreements are unexplained than
that file allows. --disagreements writes every disagreement with caguard's
findings (rules and messages) to FILE. Exit status 2 on bad input.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zlint_data  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(REPO, "tests", "data", "zlint-conformance")
DOC = os.path.join(REPO, "docs", "conformance.md")

REASONS = {
    "zlint-wrong": "zlint wrong",
    "zlint-other-lint": "zlint flags it under another lint",
    "caguard-stricter": "caguard stricter on purpose",
    "out-of-scope": "out of scope",
    "not-yet-covered": "not yet covered",
    "unexplained": "unexplained",
}


def fail(msg):
    print("zlint_conformance: %s" % msg, file=sys.stderr)
    sys.exit(2)


def load_explanations(path):
    """{(lint, vector): (reason, text)}; lint or vector may be '*'."""
    out = {}
    for lint, vector, reason, text in zlint_data.read_tsv(path, 4):
        if reason not in REASONS or reason == "unexplained":
            raise ValueError("%s: unknown reason %r for %s %s" % (path, reason, lint, vector))
        out[(lint, vector)] = (reason, text)
    return out


def load_threshold(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                key, _, value = line.partition("=")
                values[key.strip()] = float(value)
    if "min_agreement_percent" not in values or "max_unexplained" not in values:
        raise ValueError("%s: needs min_agreement_percent and max_unexplained" % path)
    return values


def caguard_rules(caguard):
    p = subprocess.run([caguard, "rules", "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s rules failed: %s" % (caguard, p.stderr.strip()))
    return {json.loads(line)["id"] for line in p.stdout.splitlines() if line.strip()}


def check_vector(caguard, vector, issued):
    """Findings [(rule, severity, message, members)] of one vector, sorted;
    members: the finding's string members as sorted (key, value) pairs."""
    cmd = [caguard, "check", "--br-profile", "--format", "json"]
    if issued:
        cmd += ["--at", issued]
    cmd.append(os.path.join(DATA, "vectors", vector))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1, 2):
        fail("caguard check %s: exit status %d: %s" % (vector, p.returncode, p.stderr.strip()))
    found = []
    for line in p.stdout.splitlines():
        if line.strip():
            f = json.loads(line)
            members = tuple(sorted((k, v) for k, v in f.items() if isinstance(v, str)))
            found.append((f["rule"], f["severity"], f.get("message", ""), members))
    if p.returncode == 2 and not any(x[0] == "input.malformed" for x in found):
        fail("caguard check %s: %s" % (vector, p.stderr.strip()))
    return vector, sorted(set(found))


def evaluate(exp, lmap, expl, known, findings):
    """Judges every case, per defect ("outcome") and per rule ("outcome_rule");
    returns (rows, stale explanation keys)."""
    rows = []
    used = set()
    for c in exp["cases"]:
        specs = lmap[c["lint"]][0]
        rules = tuple(dict.fromkeys(rule for rule, _ in specs))
        found = findings[c["vector"]]
        reported = sorted({f[0] for f in found
                           if any(zlint_data.spec_matches(s, f[0], dict(f[3])) for s in specs)})
        reported_rule = sorted({f[0] for f in found if f[0] in rules})
        decoded = not any(f[0] == "input.malformed" for f in found) or \
            "input.malformed" in rules
        row = dict(c, specs=specs, rules=rules, reported=reported, reported_rule=reported_rule,
                   decoded=decoded)
        if c["expected"] not in zlint_data.FLAGGED + zlint_data.NOT_FLAGGED:
            row["outcome"] = row["outcome_rule"] = "not compared"
            rows.append(row)
            continue
        zflag = c["expected"] in zlint_data.FLAGGED
        row["outcome"] = "agree" if decoded and zflag == bool(reported) else "disagree"
        row["outcome_rule"] = "agree" if decoded and zflag == bool(reported_rule) else "disagree"
        if row["outcome"] == "disagree":
            key = next((k for k in ((c["lint"], c["vector"]), (c["lint"], "*"),
                                    ("*", c["vector"])) if k in expl), None)
            if key:
                used.add(key)
                row["reason"], row["why"] = expl[key]
            elif zflag and not reported and any(r not in known for r in rules):
                row["reason"] = "not-yet-covered"
                row["why"] = "caguard has no %s rule yet" % " or ".join(
                    r for r in rules if r not in known)
            elif not decoded:
                row["reason"] = "not-yet-covered"
                row["why"] = "caguard cannot decode the vector (input.malformed)"
            else:
                row["reason"] = "unexplained"
                row["why"] = ""
        rows.append(row)
    return rows, sorted(set(expl) - used)


def md_escape(s):
    return s.replace("|", "\\|").replace("\n", " ")


def pct(n, d):
    return 100.0 * n / d if d else 0.0


def render(exp, lmap, known, rows, stale, threshold):
    compared = [r for r in rows if r["outcome"] != "not compared"]
    agree = sum(1 for r in compared if r["outcome"] == "agree")
    agree_rule = sum(1 for r in compared if r["outcome_rule"] == "agree")
    dis = [r for r in compared if r["outcome"] == "disagree"]
    by_reason = {k: sum(1 for r in dis if r["reason"] == k) for k in REASONS}
    src = exp["source"]
    counts = exp["counts"]
    mapped = {n for n, (rules, _) in lmap.items() if rules}
    out = []
    w = out.append
    w("# caguard and zlint: agreement on zlint's own test vectors")
    w("")
    w("<!-- Generated by tools/conformance/zlint_conformance.py --write; do not edit. -->")
    w("")
    w("zlint's test vectors (`v3/testdata`) and the result each lint's `_test.go` "
      "expects are the oracle; caguard is run on the same files. Source: %s, commit "
      "`%s` (%s), Apache-2.0; the vectors and the extracted expectations are in "
      "`tests/data/zlint-conformance/`." % (src["repository"], src["commit"], src["date"]))
    w("")
    w("**Agreement, judged per defect: %d of %d test cases (%.1f%%)** over %d zlint lints "
      "mapped to caguard rules (%d of them with test cases), %d vectors. Judged per rule, "
      "the coarser measure this page used before (any finding of a mapped rule counts, "
      "whatever it is about): %d of %d (%.1f%%). Both are explained under \"How it is "
      "measured\"." % (
          agree, len(compared), pct(agree, len(compared)), len(mapped),
          len({r["lint"] for r in rows}), len({r["vector"] for r in rows}),
          agree_rule, len(compared), pct(agree_rule, len(compared))))
    w("The check in CI (`ctest -R conformance.zlint`) fails below %.1f%% or with more than "
      "%d unexplained disagreements (`tools/conformance/zlint-threshold`)." % (
          threshold["min_agreement_percent"], threshold["max_unexplained"]))
    w("")
    flagged = [r for r in compared if r["expected"] in zlint_data.FLAGGED]
    passed = [r for r in compared if r["expected"] not in zlint_data.FLAGGED]
    w("Of the %d cases zlint flags (Error or Warn), caguard reports the lint's defect on %d; "
      "of the %d it passes (Pass, NA or NE), caguard does not report it on %d."
      % (len(flagged), sum(1 for r in flagged if r["outcome"] == "agree"), len(passed),
         sum(1 for r in passed if r["outcome"] == "agree")))
    w("")
    w("| disagreements by reason | cases |")
    w("|---|---|")
    for k, label in REASONS.items():
        w("| %s | %d |" % (label, by_reason[k]))
    w("| **total** | **%d** |" % len(dis))
    w("")
    w("## How it is measured")
    w("")
    w("- **Which lints.** Every zlint lint whose subject issue 17 covers (the TLS BR "
      "certificate profile, CT precertificates and SCT lists, and the CRL rules caguard "
      "has) is mapped to the caguard rule(s) for the same requirement in "
      "`tools/conformance/zlint-map.tsv`; %d of zlint's %d lints are, the others are listed "
      "below with the reason they are out of scope." % (len(mapped), counts["lints"]))
    w("- **Which cases.** %d test cases were read from %d `_test.go` files; %d of them "
      "belong to mapped lints. %d test cases could not be read (listed at the end); "
      "%d of them belong to mapped lints." % (
          counts["cases"], counts["test_files"], len(rows), counts["unparsed"],
          sum(1 for u in exp["unparsed"] if u["in_scope"])))
    w("- **Agreement is judged per defect.** zlint Error or Warn agrees with caguard "
      "reporting the defect the lint tests (at any severity); zlint Pass, NA or NE agrees "
      "with caguard not reporting it. A map entry names the caguard rule and, where the "
      "rule covers more than the lint tests, what the finding must be about: "
      "`rule[field=PATH]` (the finding's `field`, the element of the certificate it is "
      "about, is PATH or an element below it: `cert.extension_criticality[field="
      "tbsCertificate.extensions.basicConstraints]`), `rule[milestone=DATE]` (the TLS "
      "BRs §6.3.2 milestone a validity finding is judged by) or `rule[requirement=CODE]` "
      "(the finding's `requirement`: which of its rule's requirements it breaks, where the "
      "rule checks more than one about the same element, e.g. `cert.key_usage_invalid"
      "[requirement=no_bits]` for a keyUsage with no bit set against `missing` for no "
      "keyUsage at all). The match is on those "
      "structured members of the finding (`check --format json`, docs/schemas/"
      "finding.schema.json), never on its message. So a finding caguard makes on a "
      "vector for another defect (a CA certificate's non-critical keyUsage on a vector "
      "written for basicConstraints' criticality, the 200-day maximum on a vector "
      "written for the 100-day one) neither agrees with zlint's Error nor disagrees with "
      "its Pass; it is still reported, and counted where its own lint is mapped. A vector "
      "caguard cannot decode agrees with nothing. zlint's Notice is neither and is not "
      "compared (%d cases)." % (len(rows) - len(compared)))
    w("- **Per rule, the old measure.** Earlier versions of this page judged agreement "
      "per rule: any finding of a mapped rule counted, whatever it was about. That figure, "
      "computed from the same map with the qualifiers ignored, is %d of %d (%.1f%%), "
      "published above beside the new one so the two can be compared; it is lower because "
      "a rule that fires on a vector for a defect the lint does not test counts against "
      "caguard there. (The last per-rule figure published, 668 of 771, came from the map "
      "before the SHOULD lints of TLS BRs §6.3.2 also named cert.validity_too_long.) The "
      "threshold in CI applies to the per-defect figure." % (
          agree_rule, len(compared), pct(agree_rule, len(compared))))
    w("- **The profile.** Each vector is checked with `caguard check --br-profile`, which "
      "adds the TLS BR certificate profile (the cert.* rules and crl.algorithm_invalid) "
      "to the rules that always run.")
    w("- **Evaluation time.** Each vector is checked with `--at` its own issuance time "
      "(notBefore, or a CRL's thisUpdate): what a CA's gate sees before signing. zlint "
      "decides whether a lint is in effect from notBefore too, so rules with effective "
      "dates compare like for like, and rules about the present (stale CRLs, expired "
      "certificates, SCTs from the future) add no noise.")
    w("- **Rules not yet in caguard** count as disagreements with the reason \"not yet "
      "covered\"; the map names them by the IDs the rule catalogue plans, or, where it "
      "has none, by a proposed ID in the same scheme (the map's note says so).")
    w("")
    w("## Per zlint lint")
    w("")
    w("| zlint lint | caguard rule(s) | cases | agree | disagree |")
    w("|---|---|---|---|---|")
    per = {}
    for r in rows:
        per.setdefault(r["lint"], []).append(r)
    for lint in sorted(per, key=lambda n: (lmap[n][0], n)):
        rs = per[lint]
        rules = ", ".join("`%s`%s" % (zlint_data.spec_text(x),
                                      "" if x[0] in known else " (not yet in caguard)")
                          for x in lmap[lint][0])
        w("| `%s` | %s | %d | %d | %d |" % (
            lint, rules, len(rs), sum(1 for r in rs if r["outcome"] == "agree"),
            sum(1 for r in rs if r["outcome"] == "disagree")))
    no_cases = sorted(mapped - set(per))
    if no_cases:
        w("")
        w("Mapped lints without a test case zlint's tests run: %s." %
          ", ".join("`%s`" % n for n in no_cases))
    w("")
    w("## Disagreements")
    w("")
    for k, label in REASONS.items():
        rs = [r for r in dis if r["reason"] == k]
        if not rs:
            continue
        w("### %s (%d)" % (label, len(rs)))
        w("")
        w("| zlint lint | vector | zlint | caguard | why |")
        w("|---|---|---|---|---|")
        for r in sorted(rs, key=lambda r: (r["lint"], r["vector"])):
            if r["reported"]:
                cg = ", ".join("`%s`" % x for x in r["reported"])
            elif not r["decoded"]:
                cg = "not decoded"
            elif r["reported_rule"]:
                cg = ", ".join("`%s`" % x for x in r["reported_rule"]) + " on another defect"
            else:
                cg = "none of the rules"
            w("| `%s` | `%s` | %s | %s | %s |" % (r["lint"], r["vector"], r["expected"], cg,
                                                 md_escape(r["why"])))
        w("")
    if stale:
        w("Explanations that no longer match a disagreement (to remove from "
          "`tools/conformance/zlint-explanations.tsv`): %s." %
          ", ".join("`%s %s`" % k for k in stale))
        w("")
    w("## zlint lints out of scope")
    w("")
    groups = {}
    for n, (rules, note) in lmap.items():
        if not rules:
            groups.setdefault(note, []).append(n)
    for note in sorted(groups, key=lambda k: (-len(groups[k]), k)):
        names = sorted(groups[note])
        w("- %s (%d): %s" % (note, len(names), ", ".join("`%s`" % n for n in names)))
    w("")
    w("## zlint test cases not read")
    w("")
    w("Cases the extraction could not turn into (lint, vector, expected result); none is "
      "guessed.")
    w("")
    w("| test | lint | reason | mapped |")
    w("|---|---|---|---|")
    for u in exp["unparsed"]:
        w("| `%s` | %s | %s | %s |" % (u["test"], "`%s`" % u["lint"] if u["lint"] else "",
                                       md_escape(u["reason"]), "yes" if u["in_scope"] else "no"))
    w("")
    return "\n".join(out), agree, agree_rule, len(compared), by_reason


def write_disagreements(path, rows, findings, figure, lints, issued, known):
    lines = ["# zlint disagreements (generated by tools/conformance/zlint_conformance.py)", "",
             figure, "",
             "Each: vector, zlint lint and expected result, the caguard rules mapped, "
             "the reason, and every finding caguard gave on the vector.", ""]
    dis = [r for r in rows if r["outcome"] == "disagree"]
    # the work list: per caguard rule, what it misses and what it flags wrongly
    per_rule = {}
    for r in rows:
        for rule in r["rules"]:
            e = per_rule.setdefault(rule, {"cases": 0, "missed": 0, "extra": 0, "lints": set()})
            e["cases"] += 1
            e["lints"].add(r["lint"])
            if r["outcome"] == "disagree":
                e["missed" if r["expected"] in zlint_data.FLAGGED else "extra"] += 1
    lines += ["| caguard rule | in caguard | cases | zlint flags, caguard silent | "
              "zlint passes, caguard flags (or cannot decode) | zlint lints |", "|---|---|---|---|---|---|"]
    for rule in sorted(per_rule):
        e = per_rule[rule]
        lines.append("| %s | %s | %d | %d | %d | %s |" % (
            rule, "yes" if rule in known else "no", e["cases"], e["missed"], e["extra"],
            ", ".join(sorted(e["lints"]))))
    lines.append("")
    for r in sorted(dis, key=lambda r: (r["reason"], r["lint"], r["vector"])):
        lines.append("## %s — %s" % (r["vector"], r["lint"]))
        lines.append("")
        lines.append("- zlint: %s (%s, \"%s\")" % (r["expected"], r["test"], r["name"]))
        meta = lints.get(r["lint"], {})
        lines.append("- zlint lint: %s [%s; effective %s%s]" % (
            meta.get("description", ""), meta.get("citation", ""),
            meta.get("effective", "") or "always",
            ", until " + meta["ineffective"] if meta.get("ineffective") else ""))
        lines.append("- vector issued (caguard --at): %s" % issued.get(r["vector"], ""))
        lines.append("- mapped caguard rules: %s" % ", ".join(
            zlint_data.spec_text(x) for x in r["specs"]))
        lines.append("- reason: %s%s" % (REASONS[r["reason"]],
                                         ": " + r["why"] if r["why"] else ""))
        found = findings[r["vector"]]
        if not found:
            lines.append("- caguard: no findings")
        for rule, sev, msg, members in found:
            m = dict(members)
            about = "; ".join("%s %s" % (k, m[k]) for k in zlint_data.QUALIFIERS if k in m)
            lines.append("- caguard: %s (%s)%s: %s" % (rule, sev, " [%s]" % about if about
                                                        else "", msg))
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--caguard", default=os.path.join(REPO, "build", "caguard"))
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate docs/conformance.md")
    mode.add_argument("--check", action="store_true", help="fail on drift or below threshold")
    ap.add_argument("--disagreements", help="write the disagreements with caguard's findings")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    try:
        with open(os.path.join(DATA, "expectations.json"), encoding="utf-8") as f:
            exp = json.load(f)
        lmap = zlint_data.load_map(os.path.join(HERE, zlint_data.MAP_FILE))
        expl = load_explanations(os.path.join(HERE, zlint_data.EXPLANATIONS_FILE))
        threshold = load_threshold(os.path.join(HERE, zlint_data.THRESHOLD_FILE))
    except (OSError, ValueError) as e:
        fail(str(e))
    for c in exp["cases"]:
        if not lmap.get(c["lint"], ((), ""))[0]:
            fail("expectations.json has a case of %s, which zlint-map.tsv does not map "
                 "(run zlint_import.py again)" % c["lint"])

    known = caguard_rules(args.caguard)
    findings = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        jobs = [pool.submit(check_vector, args.caguard, v, meta["issued"])
                for v, meta in exp["vectors"].items()]
        for j in jobs:
            v, found = j.result()
            findings[v] = found
    rows, stale = evaluate(exp, lmap, expl, known, findings)
    text, agree, agree_rule, total, by_reason = render(exp, lmap, known, rows, stale,
                                                       threshold)
    figure = "Agreement per defect: %d of %d (%.1f%%), per rule: %d (%.1f%%); " \
        "disagreements: %s" % (
        agree, total, pct(agree, total), agree_rule, pct(agree_rule, total),
        ", ".join("%s %d" % (REASONS[k], n) for k, n in by_reason.items()))
    if args.disagreements:
        write_disagreements(args.disagreements, rows, findings, figure, exp["lints"],
                            {v: m["issued"] for v, m in exp["vectors"].items()}, known)
    print(figure)

    if args.write:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    status = 0
    try:
        with open(DOC, encoding="utf-8") as f:
            current = f.read()
    except OSError:
        current = ""
    if current != text:
        diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                         "docs/conformance.md", "regenerated", lineterm=""))
        print("\n".join(diff[:60]))
        print("zlint_conformance: docs/conformance.md is out of date: run "
              "tools/conformance/zlint_conformance.py --write", file=sys.stderr)
        status = 1
    # the figure as the doc prints it, so the threshold compares what readers see
    shown = round(pct(agree, total), 1)
    if shown < threshold["min_agreement_percent"]:
        print("zlint_conformance: agreement %.1f%% is below the threshold %.1f%%"
              % (shown, threshold["min_agreement_percent"]), file=sys.stderr)
        status = 1
    if by_reason["unexplained"] > threshold["max_unexplained"]:
        print("zlint_conformance: %d unexplained disagreements (at most %d allowed): explain "
              "them in tools/conformance/zlint-explanations.tsv"
              % (by_reason["unexplained"], threshold["max_unexplained"]), file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
