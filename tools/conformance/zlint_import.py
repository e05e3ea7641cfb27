#!/usr/bin/env python3
"""Imports zlint's test vectors and expected results for the conformance table.

usage: tools/conformance/zlint_import.py --zlint DIR --commit HASH [--date DATE]

DIR is a zlint checkout (or an export of its v3/lints, v3/testdata and
LICENSE). Every test case of every lint's _test.go is extracted (lint, vector,
expected status); the cases of the lints that tools/conformance/zlint-map.tsv
maps to caguard rules are kept, their vectors copied unchanged into
tests/data/zlint-conformance/vectors/, and the expectations written to
tests/data/zlint-conformance/expectations.json with zlint's LICENSE beside
them, so that the conformance check needs no network. Test cases that could
not be read are listed there with the reason.

Every zlint lint must appear in the map (mapped, or "-" with the reason it is
out of scope); a lint missing from it stops the import.
"""

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zlint_data  # noqa: E402
import zlint_tests  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(REPO, "tests", "data", "zlint-conformance")


def lint_metadata(lints_dir):
    """{lint: {file, description, citation, source, effective, ineffective}}."""
    meta = {}
    for path in sorted(glob.glob(os.path.join(lints_dir, "*", "*.go"))):
        if path.endswith("_test.go"):
            continue
        src = open(path, encoding="utf-8").read()
        for block in re.findall(r"LintMetadata\{(.*?)\n\t*\}", src, re.S):
            name = re.search(r'\bName:\s*"([^"]+)"', block)
            if not name:
                continue

            def field(key, block=block):
                m = re.search(r"\b%s:\s*(.*?),?\s*(?://.*)?$" % key, block, re.M)
                if not m:
                    return ""
                value = m.group(1).strip()
                # "a" + "b" continued on the next lines
                if value.endswith("+"):
                    rest = block[m.end():]
                    value += " " + re.match(r"(?:\s*\"[^\"]*\"\s*\+?)*", rest).group(0)
                parts = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
                return "".join(parts) if parts else value.rstrip(",")

            meta[name.group(1)] = {
                "file": os.path.relpath(path, os.path.dirname(os.path.dirname(lints_dir))),
                "description": field("Description"),
                "citation": field("Citation"),
                "source": field("Source"),
                "effective": field("EffectiveDate"),
                "ineffective": field("IneffectiveDate"),
            }
        for name in zlint_tests.lint_names(src):
            meta.setdefault(name, {"file": os.path.relpath(
                path, os.path.dirname(os.path.dirname(lints_dir))), "description": "",
                "citation": "", "source": "", "effective": "", "ineffective": ""})
    return meta


def util_dates(util_dir):
    """{"util.Name": "YYYY-MM-DD"} of zlint's time.Date constants."""
    months = {m: i for i, m in enumerate(
        ["January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"], 1)}
    out = {}
    for path in glob.glob(os.path.join(util_dir, "*.go")):
        for name, y, mon, d in re.findall(
                r"\b(\w+)\s*=\s*time\.Date\((\d+),\s*time\.(\w+),\s*(\d+)",
                open(path, encoding="utf-8").read()):
            out["util." + name] = "%04d-%02d-%02d" % (int(y), months[mon], int(d))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zlint", required=True, help="zlint checkout (holds v3/)")
    ap.add_argument("--commit", required=True, help="the zlint commit the checkout is")
    ap.add_argument("--date", default="", help="the commit's date, for the README")
    args = ap.parse_args()

    lints_dir = os.path.join(args.zlint, "v3", "lints")
    testdata = os.path.join(args.zlint, "v3", "testdata")
    meta = lint_metadata(lints_dir)
    dates = util_dates(os.path.join(args.zlint, "v3", "util"))
    for m in meta.values():
        for k in ("effective", "ineffective"):
            m[k] = dates.get(m[k], m[k])
    lmap = zlint_data.load_map(os.path.join(HERE, zlint_data.MAP_FILE))
    missing = sorted(set(meta) - set(lmap))
    if missing:
        sys.exit("zlint_import: lints not in %s (map or mark them out of scope): %s"
                 % (zlint_data.MAP_FILE, ", ".join(missing)))
    gone = sorted(set(lmap) - set(meta))
    if gone:
        print("zlint_import: note: mapped lints no longer in zlint: %s" % ", ".join(gone),
              file=sys.stderr)

    cases = []
    unparsed = []
    test_files = sorted(glob.glob(os.path.join(lints_dir, "*", "*_test.go")))
    for path in test_files:
        rel = os.path.relpath(path, args.zlint)
        src = open(path, encoding="utf-8").read()
        sibling = path[:-len("_test.go")] + ".go"
        own = zlint_tests.lint_names(open(sibling, encoding="utf-8").read()) \
            if os.path.exists(sibling) else []
        try:
            got, bad = zlint_tests.GoTestFile(rel, src, set(meta)).cases()
        except ValueError as e:
            got, bad = [], [{"file": rel, "line": 0, "reason": "cannot read the file: %s" % e}]
        for c in got:
            cases.append({"lint": c["lint"], "vector": c["vector"], "expected": c["expected"],
                          "test": "%s:%d" % (rel, c["line"]), "name": c["name"]})
        for u in bad:
            lints = own if len(own) == 1 else []
            unparsed.append({"test": "%s:%d" % (rel, u["line"]),
                             "lint": lints[0] if lints else "",
                             "reason": u["reason"]})

    in_scope = [c for c in cases if lmap.get(c["lint"], ((), ""))[0]]
    for u in unparsed:
        u["in_scope"] = bool(u["lint"] and lmap.get(u["lint"], ((), ""))[0])

    # the vectors, copied unchanged
    vec_dir = os.path.join(DATA, "vectors")
    if os.path.isdir(vec_dir):
        shutil.rmtree(vec_dir)
    os.makedirs(vec_dir)
    vectors = {}
    for c in in_scope:
        v = c["vector"]
        if v in vectors:
            continue
        src = os.path.join(testdata, v)
        if not os.path.exists(src):
            sys.exit("zlint_import: %s names %s, which is not in v3/testdata" % (c["test"], v))
        data = open(src, "rb").read()
        dst = os.path.join(vec_dir, v)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        objs = zlint_data.pem_objects(data)
        t = zlint_data.issuance_time(objs[0]) if objs else None
        vectors[v] = {"sha256": hashlib.sha256(data).hexdigest(),
                      "issued": zlint_data.rfc3339(t) if t else ""}
    shutil.copyfile(os.path.join(args.zlint, "LICENSE"), os.path.join(DATA, "LICENSE"))

    mapped = sorted({c["lint"] for c in in_scope})
    doc = {
        "source": {"repository": "https://github.com/zmap/zlint", "commit": args.commit,
                   "date": args.date},
        "counts": {
            "lints": len(meta),
            "lints_mapped": sum(1 for n in meta if lmap[n][0]),
            "test_files": len(test_files),
            "cases": len(cases),
            "unparsed": len(unparsed),
        },
        "lints": {n: meta[n] for n in sorted(meta) if lmap[n][0]},
        "cases": sorted(in_scope, key=lambda c: (c["lint"], c["vector"], c["test"])),
        "vectors": dict(sorted(vectors.items())),
        "unparsed": unparsed,
    }
    with open(os.path.join(DATA, "expectations.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=False)
        f.write("\n")
    print("zlint_import: %d lints (%d mapped, %d with test cases), %d test cases read "
          "(%d of mapped lints), %d vectors copied, %d test cases unparsed (%d of mapped lints)"
          % (len(meta), doc["counts"]["lints_mapped"], len(mapped), len(cases), len(in_scope),
             len(vectors), len(unparsed), sum(1 for u in unparsed if u["in_scope"])))


if __name__ == "__main__":
    main()
