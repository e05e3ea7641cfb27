#!/usr/bin/env python3
"""Tests of the per-defect comparison: the map's rule entries
(zlint_data.parse_spec), how a finding's structured members match them, and
zlint_conformance.evaluate's two measures (per defect, per rule) on cases
written for this test."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zlint_conformance  # noqa: E402
import zlint_data  # noqa: E402

EXT = "tbsCertificate.extensions."


def finding(rule, **members):
    """A finding as check_vector returns it."""
    return (rule, "error", "a message that must not matter",
            tuple(sorted(dict(members, rule=rule).items())))


class Specs(unittest.TestCase):
    def test_plain_and_qualified(self):
        self.assertEqual(zlint_data.parse_spec("cert.san_invalid"), ("cert.san_invalid", ()))
        self.assertEqual(
            zlint_data.parse_spec("cert.validity_too_long[milestone=2026-03-15]"),
            ("cert.validity_too_long", (("milestone", "2026-03-15"),)))
        self.assertEqual(
            zlint_data.parse_spec("r.x[field=a.b][milestone=2020-09-01]"),
            ("r.x", (("field", "a.b"), ("milestone", "2020-09-01"))))

    def test_bad_entries_are_refused(self):
        for bad in ("r.x[field]", "r.x[field=]", "r.x[colour=red]", "r.x[field=a", "[field=a]",
                    "r.x[field=a]junk"):
            with self.assertRaises(ValueError, msg=bad):
                zlint_data.parse_spec(bad)

    def test_split_keeps_brackets_whole(self):
        self.assertEqual(zlint_data.split_specs("a,b[field=x.y],c"), ["a", "b[field=x.y]", "c"])
        self.assertEqual(zlint_data.split_specs("-"), ["-"])

    def test_field_matches_the_element_and_below(self):
        spec = zlint_data.parse_spec("cert.san_invalid[field=%ssubjectAltName.dNSName]" % EXT)
        m = zlint_data.spec_matches
        self.assertTrue(m(spec, "cert.san_invalid", {"field": EXT + "subjectAltName.dNSName"}))
        self.assertTrue(m(spec, "cert.san_invalid",
                          {"field": EXT + "subjectAltName.dNSName.label"}))
        # a sibling whose name starts alike, the parent, another type: no
        self.assertFalse(m(spec, "cert.san_invalid",
                           {"field": EXT + "subjectAltName.dNSNameX"}))
        self.assertFalse(m(spec, "cert.san_invalid", {"field": EXT + "subjectAltName"}))
        self.assertFalse(m(spec, "cert.san_invalid",
                           {"field": EXT + "subjectAltName.uniformResourceIdentifier"}))
        self.assertFalse(m(spec, "cert.san_invalid", {}))
        self.assertFalse(m(spec, "cert.san_missing", {"field": EXT + "subjectAltName.dNSName"}))

    def test_other_members_match_exactly(self):
        spec = zlint_data.parse_spec("cert.validity_too_long[milestone=2026-03-15]")
        m = zlint_data.spec_matches
        self.assertTrue(m(spec, "cert.validity_too_long", {"milestone": "2026-03-15"}))
        self.assertFalse(m(spec, "cert.validity_too_long", {"milestone": "2027-03-15"}))
        self.assertFalse(m(spec, "cert.validity_too_long", {"milestone": "2026-03-15x"}))
        self.assertFalse(m(spec, "cert.validity_too_long", {}))

    def test_requirement_matches_exactly(self):
        # a keyUsage with no bit set is not a missing keyUsage: the finding's
        # "requirement" (which of its rule's requirements it breaks) tells
        spec = zlint_data.parse_spec("cert.key_usage_invalid[requirement=no_bits]")
        self.assertEqual(spec, ("cert.key_usage_invalid", (("requirement", "no_bits"),)))
        m = zlint_data.spec_matches
        self.assertTrue(m(spec, "cert.key_usage_invalid", {"requirement": "no_bits"}))
        self.assertFalse(m(spec, "cert.key_usage_invalid", {"requirement": "missing"}))
        self.assertFalse(m(spec, "cert.key_usage_invalid", {"requirement": "no_bits_x"}))
        self.assertFalse(m(spec, "cert.key_usage_invalid", {}))
        both = zlint_data.parse_spec(
            "cert.aia_invalid[field=%sauthorityInfoAccess.ocsp][requirement=location_not_http]"
            % EXT)
        self.assertTrue(m(both, "cert.aia_invalid",
                          {"field": EXT + "authorityInfoAccess.ocsp",
                           "requirement": "location_not_http"}))
        self.assertFalse(m(both, "cert.aia_invalid",
                           {"field": EXT + "authorityInfoAccess.ocsp",
                            "requirement": "ocsp_http_missing"}))
        self.assertFalse(m(both, "cert.aia_invalid",
                           {"field": EXT + "authorityInfoAccess.caIssuers",
                            "requirement": "location_not_http"}))

    def test_the_map_parses(self):
        lmap = zlint_data.load_map(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                zlint_data.MAP_FILE))
        specs = [s for rules, _ in lmap.values() for s in rules]
        self.assertTrue(any(q for _, q in specs), "the map names defects")
        for rule, quals in specs:
            for key, value in quals:
                if key == "field":
                    self.assertTrue(value.startswith("tbsCertificate."), value)


class Evaluate(unittest.TestCase):
    def run_cases(self, specs, expected, found):
        lint = "e_test_lint"
        exp = {"cases": [{"lint": lint, "vector": "v.pem", "expected": expected,
                          "test": "x_test.go:1", "name": "t"}]}
        lmap = {lint: (tuple(zlint_data.parse_spec(s) for s in specs), "")}
        rows, stale = zlint_conformance.evaluate(
            exp, lmap, {}, {"cert.extension_criticality", "cert.validity_too_long"},
            {"v.pem": sorted(found)})
        self.assertEqual(stale, [])
        return rows[0]

    def test_another_defect_of_the_rule_agrees_with_pass_per_defect_only(self):
        # keyUsage not critical on a vector zlint wrote for basicConstraints
        row = self.run_cases(
            ["cert.extension_criticality[field=%sbasicConstraints]" % EXT], "Pass",
            [finding("cert.extension_criticality", field=EXT + "keyUsage")])
        self.assertEqual(row["outcome"], "agree")
        self.assertEqual(row["outcome_rule"], "disagree")
        self.assertEqual(row["reported"], [])
        self.assertEqual(row["reported_rule"], ["cert.extension_criticality"])

    def test_another_defect_does_not_agree_with_an_error(self):
        row = self.run_cases(
            ["cert.extension_criticality[field=%sbasicConstraints]" % EXT], "Error",
            [finding("cert.extension_criticality", field=EXT + "keyUsage")])
        self.assertEqual(row["outcome"], "disagree")
        self.assertEqual(row["outcome_rule"], "agree")
        self.assertEqual(row["reason"], "unexplained")

    def test_the_same_defect_agrees_with_an_error(self):
        row = self.run_cases(
            ["cert.extension_criticality[field=%sbasicConstraints]" % EXT], "Error",
            [finding("cert.extension_criticality", field=EXT + "keyUsage"),
             finding("cert.extension_criticality", field=EXT + "basicConstraints")])
        self.assertEqual((row["outcome"], row["outcome_rule"]), ("agree", "agree"))

    def test_milestones(self):
        specs = ["cert.validity_too_long[milestone=2027-03-15]"]
        other = [finding("cert.validity_too_long", milestone="2026-03-15")]
        self.assertEqual(self.run_cases(specs, "NE", other)["outcome"], "agree")
        self.assertEqual(self.run_cases(specs, "Error", other)["outcome"], "disagree")
        same = [finding("cert.validity_too_long", milestone="2027-03-15")]
        self.assertEqual(self.run_cases(specs, "Error", same)["outcome"], "agree")

    def test_an_unqualified_entry_is_per_rule(self):
        row = self.run_cases(["cert.extension_criticality"], "Pass",
                             [finding("cert.extension_criticality", field=EXT + "keyUsage")])
        self.assertEqual((row["outcome"], row["outcome_rule"]), ("disagree", "disagree"))

    def test_notice_is_not_compared(self):
        row = self.run_cases(["cert.extension_criticality"], "Notice", [])
        self.assertEqual((row["outcome"], row["outcome_rule"]),
                         ("not compared", "not compared"))


if __name__ == "__main__":
    unittest.main()
