#!/usr/bin/env python3
"""Tests of zlint_tests.py on the shapes zlint writes its lint tests in.

Each snippet is written for this test (in the style of zlint's tests, not
copied from them) and the cases it must yield are spelled out; so are the
cases that must come back unparsed, with their reason, rather than guessed.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zlint_tests  # noqa: E402

KNOWN = {"e_alpha", "w_beta", "e_gamma", "e_delta backdated"}


def cases(src):
    got, bad = zlint_tests.GoTestFile("x_test.go", src, KNOWN).cases()
    return sorted((c["lint"], c["vector"], c["expected"]) for c in got), \
        sorted(b["reason"] for b in bad)


class Shapes(unittest.TestCase):
    def test_function_per_case_with_variables(self):
        src = '''
package p
func TestOne(t *testing.T) {
	inputPath := "one.pem"
	expected := lint.Error
	out := test.TestLint("e_alpha", inputPath)
	if out.Status != expected {
		t.Errorf("%s: expected %s, got %s", inputPath, expected, out.Status)
	}
}
func TestTwo(t *testing.T) {
	// a comment with "decoy.pem" and lint.Warn in it
	out := test.TestLint("e_alpha", "two.pem")
	if out.Status != lint.Pass { /* lint.Error */
		t.Error("x")
	}
}
'''
        self.assertEqual(cases(src), ([("e_alpha", "one.pem", "Error"),
                                       ("e_alpha", "two.pem", "Pass")], []))

    def test_several_calls_in_one_function(self):
        src = '''
func TestBoth(t *testing.T) {
	inputPath := "a.pem"
	expected := lint.Pass
	out := test.TestLint("w_beta", inputPath)
	if out.Status != expected { t.Fail() }

	inputPath = "b.pem"
	expected = lint.Warn
	out = test.TestLint("w_beta", inputPath)
	if out.Status != expected { t.Fail() }
}
'''
        self.assertEqual(cases(src), ([("w_beta", "a.pem", "Pass"),
                                       ("w_beta", "b.pem", "Warn")], []))

    def test_keyed_table_with_inline_struct(self):
        src = '''
func TestTable(t *testing.T) {
	testCases := []struct {
		Name           string
		InputFilename  string
		ExpectedResult lint.LintStatus
		ExpectedDetails string
	}{
		{
			Name:           "NA - not applicable",
			InputFilename:  "na.pem",
			ExpectedResult: lint.NA,
		},
		{Name: "error", InputFilename: "ko.pem", ExpectedResult: lint.Error,
		 ExpectedDetails: "lint.Pass is not the status"},
	}
	for _, tc := range testCases {
		t.Run(tc.Name, func(t *testing.T) {
			result := test.TestLint("e_gamma", tc.InputFilename)
			if result.Details != tc.ExpectedDetails { t.Fail() }
			if result.Status != tc.ExpectedResult { t.Fail() }
		})
	}
}
'''
        self.assertEqual(cases(src), ([("e_gamma", "ko.pem", "Error"),
                                       ("e_gamma", "na.pem", "NA")], []))

    def test_positional_table_with_named_type_and_alias(self):
        src = '''
type testData struct {
	file string
	want lint.LintStatus
}
var tests = []testData{
	{"big.pem", lint.Error},
	{"ok.pem", lint.Pass},
}
func TestSize(t *testing.T) {
	for _, data := range tests {
		captured := data
		got := test.TestLint("e_alpha", captured.file).Status
		if got != captured.want { t.Fail() }
	}
}
'''
        self.assertEqual(cases(src), ([("e_alpha", "big.pem", "Error"),
                                       ("e_alpha", "ok.pem", "Pass")], []))

    def test_map_table_and_loop_aliases(self):
        src = '''
func TestMap(t *testing.T) {
	var m = map[string]lint.LintStatus{
		"x.pem": lint.Error,
		"y.pem": lint.NE,
	}
	for file, want := range m {
		f := file
		w := want
		got := test.TestLint("e_alpha", f).Status
		if got != w { t.Fail() }
	}
}
'''
        self.assertEqual(cases(src), ([("e_alpha", "x.pem", "Error"),
                                       ("e_alpha", "y.pem", "NE")], []))

    def test_list_of_files_one_status(self):
        src = '''
const lintUnderTest = "e_delta backdated"
func TestBad(t *testing.T) {
	bad := []string{
		"k1.pem",
		"k2.pem", // trailing comment
	}
	expected := lint.Error
	for _, crl := range bad {
		out := test.TestRevocationListLint(t, lintUnderTest, crl)
		if out.Status != expected { t.Fail() }
	}
}
'''
        self.assertEqual(cases(src), ([("e_delta backdated", "k1.pem", "Error"),
                                       ("e_delta backdated", "k2.pem", "Error")], []))

    def test_nested_result_status(self):
        src = '''
func TestNested(t *testing.T) {
	testCases := []struct {
		filename string
		expected lint.LintResult
	}{
		{filename: "g.pem", expected: lint.LintResult{Status: lint.Pass}},
		{filename: "b.pem", expected: lint.LintResult{Status: lint.Error, Details: "d"}},
	}
	for _, tc := range testCases {
		result := test.TestLint("e_gamma", tc.filename)
		if result.Status != tc.expected.Status { t.Fail() }
	}
}
'''
        self.assertEqual(cases(src), ([("e_gamma", "b.pem", "Error"),
                                       ("e_gamma", "g.pem", "Pass")], []))

    def test_configuration_per_entry(self):
        src = '''
func TestConfig(t *testing.T) {
	type Data struct {
		input  string
		config string
		want   lint.LintStatus
	}
	data := []Data{
		{input: "plain.pem", want: lint.Pass},
		{input: "conf.pem", config: `
[e_alpha]
Flag = true`, want: lint.NA},
	}
	for _, d := range data {
		out := test.TestLintWithConfig("e_alpha", d.input, d.config)
		if out.Status != d.want { t.Fail() }
	}
}
'''
        self.assertEqual(cases(src), ([("e_alpha", "plain.pem", "Pass")],
                                      ["runs the lint with a zlint configuration"]))

    def test_what_is_not_guessed(self):
        src = '''
func TestBuilt(t *testing.T) {
	out := test.TestLintCert("e_alpha", cert, lint.NewEmptyConfig())
	if out.Status != lint.Error { t.Fail() }
}
func TestComputed(t *testing.T) {
	for _, tc := range cases {
		out := test.TestLint("e_alpha", "dir/" + tc.file)
		if out.Status != tc.want { t.Fail() }
	}
}
func TestUnknown(t *testing.T) {
	out := test.TestLint("e_not_a_lint", "u.pem")
	if out.Status != lint.Pass { t.Fail() }
}
func TestNoStatus(t *testing.T) {
	out := test.TestLint("e_alpha", "n.pem")
	if out.Details != "" { t.Fail() }
}
'''
        got, bad = cases(src)
        self.assertEqual(got, [])
        self.assertEqual(len(bad), 4)
        self.assertIn("lints an object built in Go code, no vector file", bad)
        self.assertIn("expected status not found", bad)
        self.assertIn("unknown lint name 'e_not_a_lint'", bad)
        self.assertTrue(any(b.startswith("file name is not a literal") for b in bad))


if __name__ == "__main__":
    unittest.main()
