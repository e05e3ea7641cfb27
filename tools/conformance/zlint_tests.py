"""Reads zlint's lint tests (v3/lints/*/*_test.go) and extracts the test cases.

Each case is (lint, vector file, expected status). zlint writes its tests in
several shapes: one function per case with literal or variable arguments
(`inputPath := "x.pem"; expected := lint.Pass; out := test.TestLint("e_..",
inputPath); if out.Status != expected`), tables of structs (keyed or
positional fields, package-level or inline) walked by a `for _, tc := range`
loop, and maps from file to status. This module lexes Go just enough
(strings, comments, brackets) and follows those shapes; whatever it cannot
resolve to a literal lint name, a literal file name and a literal status is
returned as an unparsed case with the reason, never guessed.
"""

import re

STATUSES = {"Pass", "Error", "Warn", "NA", "NE", "Notice", "Fatal", "Reserved"}

# The zlint test helpers that run one lint over one vector file:
# name -> (index of the lint argument, index of the file argument,
#          index of the configuration argument or None).
FILE_HELPERS = {
    "TestLint": (0, 1, None),
    "TestLintWithConfig": (0, 1, 2),
    "TestRevocationListLint": (1, 2, None),
    "TestRevocationListLintWithConfig": (1, 2, 3),
    "TestOCSPResponseLint": (1, 2, None),
    "TestOCSPResponseLintWithConfig": (1, 2, 3),
}
# Helpers that lint an object built in Go code (no vector file).
OBJECT_HELPERS = {"TestLintCert", "TestLintRevocationList", "TestLintOCSPResponse"}

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<rune>'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>[0-9][0-9A-Za-z_.]*)
  | (?P<op>:=|==|!=|<=|>=|&&|\|\||<-|\+\+|--|\.\.\.|[-+*/%&|^<>=!:;,.(){}\[\]~?])
    """,
    re.S | re.X,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class Tok:
    __slots__ = ("kind", "text", "line", "value")

    def __init__(self, kind, text, line):
        self.kind = kind
        self.text = text
        self.line = line
        self.value = None
        if kind == "str":
            self.value = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)),
                                text[1:-1])
        elif kind == "raw":
            self.kind = "str"
            self.value = text[1:-1]

    def __repr__(self):
        return "%s:%r" % (self.kind, self.text)


def lex(src):
    toks = []
    pos = 0
    line = 1
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise ValueError("cannot lex at line %d: %r" % (line, src[pos:pos + 20]))
        kind = m.lastgroup
        text = m.group()
        if kind not in ("ws", "lcomment", "bcomment"):
            toks.append(Tok(kind, text, line))
        line += text.count("\n")
        pos = m.end()
    return toks


def match_brackets(toks):
    """Index of the closing bracket for every opening one."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    close = {}
    for i, t in enumerate(toks):
        if t.kind != "op":
            continue
        if t.text in pairs:
            stack.append(i)
        elif t.text in (")", "]", "}"):
            if not stack:
                raise ValueError("unbalanced %s at line %d" % (t.text, t.line))
            close[stack.pop()] = i
    if stack:
        raise ValueError("unclosed bracket at line %d" % toks[stack[-1]].line)
    return close


def split_top(toks, lo, hi, close, sep=","):
    """Splits toks[lo:hi] at top-level separators into (start, end) ranges."""
    parts = []
    start = lo
    i = lo
    while i < hi:
        t = toks[i]
        if t.kind == "op" and t.text in "([{":
            i = close[i] + 1
            continue
        if t.kind == "op" and t.text == sep:
            parts.append((start, i))
            start = i + 1
        i += 1
    if start < hi:
        parts.append((start, hi))
    return parts


class Unresolved(Exception):
    pass


class GoTestFile:
    def __init__(self, path, src, known_lints):
        self.path = path
        self.toks = lex(src)
        self.close = match_brackets(self.toks)
        self.known = known_lints
        self.funcs = self._functions()
        self.types = self._struct_types()

    # --- structure -------------------------------------------------------
    def _functions(self):
        """(name, body_open, body_close) of every top-level func."""
        out = []
        t = self.toks
        i = 0
        depth_close = -1
        while i < len(t):
            if t[i].kind == "ident" and t[i].text == "func" and i > depth_close:
                j = i + 1
                if j < len(t) and t[j].text == "(":  # method receiver
                    j = self.close[j] + 1
                name = t[j].text if t[j].kind == "ident" else "?"
                k = j
                while k < len(t) and t[k].text != "{":
                    if t[k].text in "([":
                        k = self.close[k]
                    k += 1
                if k < len(t):
                    out.append((name, k, self.close[k]))
                    depth_close = self.close[k]
                    i = depth_close
            i += 1
        return out

    def _struct_types(self):
        """Field order of named struct types: type X struct { a, b T; c U }."""
        types = {}
        t = self.toks
        for i in range(len(t) - 3):
            if t[i].text == "type" and t[i + 1].kind == "ident" and t[i + 2].text == "struct" \
                    and t[i + 3].text == "{":
                types[t[i + 1].text] = self._fields(i + 3)
        return types

    def _fields(self, open_i):
        """Field names of a struct type body starting at '{'."""
        t = self.toks
        names = []
        i = open_i + 1
        end = self.close[open_i]
        line_start = True
        pending = []
        while i < end:
            tok = t[i]
            if tok.text in "([{":
                i = self.close[i] + 1
                continue
            if line_start and tok.kind == "ident":
                pending = [tok.text]
                # a, b, c Type
                j = i + 1
                while j + 1 < end and t[j].text == "," and t[j + 1].kind == "ident":
                    pending.append(t[j + 1].text)
                    j += 2
                names.extend(pending)
                line_start = False
                cur_line = tok.line
                # skip to the next line
                while i < end and (t[i].line == cur_line or t[i].text in "([{"):
                    if t[i].text in "([{":
                        i = self.close[i] + 1
                        continue
                    i += 1
                line_start = True
                continue
            i += 1
        return names

    def enclosing_func(self, i):
        for f in self.funcs:
            if f[1] < i < f[2]:
                return f
        return None

    # --- values ----------------------------------------------------------
    def literal(self, lo, hi):
        """A string or status literal spanning toks[lo:hi], or None."""
        t = self.toks
        if hi - lo == 1 and t[lo].kind == "str":
            return ("str", t[lo].value)
        if hi - lo == 3 and t[lo].text == "lint" and t[lo + 1].text == "." \
                and t[lo + 2].text in STATUSES:
            return ("status", t[lo + 2].text)
        # lint.LintResult{Status: lint.X, ...}: its status
        if hi - lo >= 4 and t[lo].text == "lint" and t[lo + 2].text == "LintResult" \
                and t[lo + 3].text == "{" and self.close[lo + 3] == hi - 1:
            for a, b in split_top(t, lo + 4, hi - 1, self.close):
                if t[a].text == "Status" and t[a + 1].text == ":":
                    return self.literal(a + 2, b)
            return None
        # "a" + "b" concatenations of literals only
        if hi - lo >= 3 and all(
                (k - lo) % 2 == 0 and t[k].kind == "str" or (k - lo) % 2 == 1 and t[k].text == "+"
                for k in range(lo, hi)):
            return ("str", "".join(t[k].value for k in range(lo, hi, 2)))
        return None

    def _line_value(self, j, end):
        """The literal from toks[j] to the end of its line (or end), or None."""
        t = self.toks
        k = j
        line = t[j].line if j < end else -1
        while k < end and t[k].line == line and t[k].text != ";":
            if t[k].text in "([{":
                k = self.close[k]
            k += 1
        return self.literal(j, k), k

    def _declaration(self, i, end):
        """(name, literal) of `x := lit`, `x = lit`, `const x = lit`, `var x T = lit`
        starting at toks[i]; None otherwise."""
        t = self.toks
        if t[i].text in ("const", "var") and i + 2 < end and t[i + 1].kind == "ident":
            i += 1
            if t[i + 1].text != "=" and i + 2 < end and t[i + 2].text == "=":
                j = i + 3  # var x T = literal
            elif t[i + 1].text == "=":
                j = i + 2
            else:
                return None
        elif t[i].kind == "ident" and i + 1 < end and t[i + 1].text in (":=", "=") and \
                (i == 0 or t[i - 1].text not in (",", ".")):
            j = i + 2
        else:
            return None
        lit, _ = self._line_value(j, end)
        return (t[i].text, lit) if lit is not None else None

    def bindings_before(self, scope_lo, pos):
        """Variables assigned a literal in toks[scope_lo:pos], latest wins."""
        b = {}
        for i in range(scope_lo, pos):
            d = self._declaration(i, pos)
            if d:
                b[d[0]] = d[1]
        return b

    def package_bindings(self):
        """Package-level const/var literals (outside every function), grouped
        declarations `const ( a = "x" ... )` included."""
        t = self.toks
        inside = set()
        for _, lo, hi in self.funcs:
            inside.update(range(lo, hi + 1))
        b = {}
        for i in range(len(t)):
            if i in inside:
                continue
            d = self._declaration(i, len(t))
            if d:
                b[d[0]] = d[1]
        return b

    def resolve(self, lo, hi, scope):
        """Resolves an expression to a literal using scope bindings."""
        lit = self.literal(lo, hi)
        if lit is not None:
            return lit
        t = self.toks
        if hi - lo == 1 and t[lo].kind == "ident" and t[lo].text in scope:
            return scope[t[lo].text]
        return None

    # --- tables ----------------------------------------------------------
    def find_range_loops(self, pos):
        """for k, v := range EXPR { ... } loops whose body contains pos."""
        t = self.toks
        loops = []
        for i, tok in enumerate(t):
            if tok.text != "for" or i >= pos:
                continue
            j = i + 1
            names = []
            while j < len(t) and t[j].text not in (":=", "=", "{", ";"):
                if t[j].kind == "ident":
                    names.append(t[j].text)
                j += 1
            if j >= len(t) or t[j].text not in (":=", "=") or t[j + 1].text != "range":
                continue
            k = j + 2
            expr_lo = k
            while t[k].text != "{" or (k > expr_lo and t[k - 1].text in ("}", "]")
                                          and False):
                if t[k].text in "([":
                    k = self.close[k] + 1
                    continue
                if t[k].text == "{" and k > expr_lo and t[k - 1].kind in ("ident",) \
                        and t[k - 1].text not in ("range",) and self._is_type_end(expr_lo, k):
                    # composite literal inside the range expression
                    k = self.close[k] + 1
                    continue
                k += 1
            body = k
            if body < pos < self.close[body]:
                loops.append((names, expr_lo, body))
        return loops

    def _is_type_end(self, expr_lo, k):
        """Whether toks[expr_lo:k] ends in a composite literal's type."""
        t = self.toks
        return t[expr_lo].text in ("[", "map") or (k - expr_lo >= 2 and t[k - 2].text == "]")

    def table_literal(self, expr_lo, body, scope_lo):
        """The composite literal a range expression walks: (open, close, elem)."""
        t = self.toks
        if t[expr_lo].text in ("[", "map"):
            return self._composite(expr_lo)
        if body - expr_lo == 1 and t[expr_lo].kind == "ident":
            name = t[expr_lo].text
            # local or package-level: NAME := []T{...} / var NAME = ...
            for i in range(len(t) - 2):
                if t[i].text == name and t[i + 1].text in (":=", "=") and \
                        t[i + 2].text in ("[", "map"):
                    if i > 0 and t[i - 1].text == ".":
                        continue
                    return self._composite(i + 2)
                if t[i].text == name and t[i + 1].text in ("[", "map") and i > 0 and \
                        t[i - 1].text == "var":
                    # var NAME []T = ... is rare; var NAME = ... handled above
                    pass
        return None

    def _composite(self, lo):
        """Parses a slice/map composite literal type and returns its body info."""
        t = self.toks
        i = lo
        kind = "slice"
        key_type = None
        if t[i].text == "map":
            kind = "map"
            i = self.close[i + 1] + 1  # skip [K]
        else:
            i = self.close[i] + 1  # skip []
        # element type
        fields = None
        if t[i].text == "struct":
            fields = self._fields(i + 1)
            i = self.close[i + 1] + 1
        elif t[i].text == "*":
            i += 1
        if t[i].kind == "ident" and t[i].text in self.types:
            fields = self.types[t[i].text]
            i += 1
        else:
            while t[i].text != "{":
                if t[i].text in "([":
                    i = self.close[i] + 1
                    continue
                i += 1
        if t[i].text == "{" and fields is None and t[i - 1].text == "}":
            pass
        # t[i] is the literal's '{'
        if t[i].text != "{":
            return None
        return (kind, i, self.close[i], fields, key_type)

    def table_entries(self, table):
        """Yields (line, {field: literal or None}) for each entry."""
        kind, lo, hi, fields, _ = table
        t = self.toks
        for a, b in split_top(t, lo + 1, hi, self.close):
            if kind == "map":
                # key: value
                colon = [k for k, _ in split_top(t, a, b, self.close, ":")]
                parts = split_top(t, a, b, self.close, ":")
                if len(parts) != 2:
                    yield t[a].line, None
                    continue
                key = self.literal(*parts[0])
                val = parts[1]
                if t[val[0]].text == "{":
                    vals = self._entry_fields(val[0], fields)
                    yield t[a].line, {"__key__": key, **(vals or {})}
                else:
                    yield t[a].line, {"__key__": key, "__value__": self.literal(*val)}
                continue
            if t[a].text == "&":
                a += 1
            if t[a].kind == "ident" and t[a].text in self.types and t[a + 1].text == "{":
                a += 1
            if t[a].text != "{":
                lit = self.literal(a, b)
                yield t[a].line, None if lit is None else {"__value__": lit}
                continue
            yield t[a].line, self._entry_fields(a, fields)

    def _entry_fields(self, open_i, fields):
        t = self.toks
        out = {}
        parts = split_top(t, open_i + 1, self.close[open_i], self.close)
        for n, (a, b) in enumerate(parts):
            if b - a >= 3 and t[a].kind == "ident" and t[a + 1].text == ":":
                out[t[a].text] = self.literal(a + 2, b)
            elif fields is not None and n < len(fields):
                out[fields[n]] = self.literal(a, b)
            else:
                return None
        return out

    # --- the cases -------------------------------------------------------
    def cases(self):
        """Returns (cases, unparsed): lists of dicts."""
        cases = []
        unparsed = []
        t = self.toks
        pkg = self.package_bindings()
        for i in range(len(t) - 3):
            if not (t[i].text == "test" and t[i + 1].text == "." and t[i + 3].text == "("):
                continue
            helper = t[i + 2].text
            if helper in OBJECT_HELPERS:
                unparsed.append({"file": self.path, "line": t[i].line, "helper": helper,
                                 "reason": "lints an object built in Go code, no vector file"})
                continue
            if helper not in FILE_HELPERS:
                continue
            li, fi, ci = FILE_HELPERS[helper]
            open_p = i + 3
            args = split_top(t, open_p + 1, self.close[open_p], self.close)
            func = self.enclosing_func(i)
            scope = dict(pkg)
            if func is not None:
                scope.update(self.bindings_before(func[1], i))
            site = {"file": self.path, "line": t[i].line, "helper": helper,
                    "func": func[0] if func else "?"}
            try:
                got, bad = self._site_cases(i, args, li, fi, ci, scope, func, site)
                cases.extend(got)
                unparsed.extend(bad)
            except Unresolved as e:
                u = dict(site)
                u["reason"] = str(e)
                unparsed.append(u)
        return cases, unparsed

    def _arg_value(self, arg, scope, loopvars):
        """('lit', literal) | ('field', name) | ('loopkey'|'loopval', None)."""
        lo, hi = arg
        t = self.toks
        v = self.resolve(lo, hi, scope)
        if v is not None:
            return ("lit", v)
        if hi - lo == 3 and t[lo].kind == "ident" and t[lo + 1].text == "." and \
                t[lo].text in loopvars.get("val", ()):
            return ("field", t[lo + 2].text)
        if hi - lo == 1 and t[lo].text in loopvars.get("key", ()):
            return ("loopkey", None)
        if hi - lo == 1 and t[lo].text in loopvars.get("val", ()):
            return ("loopval", None)
        if hi - lo == 1 and t[lo].kind == "ident" and t[lo].text in loopvars.get("alias", {}):
            return loopvars["alias"][t[lo].text]
        return None

    def _expected_after(self, call_i, scope, loopvars, func):
        """The status the call's result is compared with."""
        t = self.toks
        end = func[2] if func else len(t)
        # the comparison follows the call, before the next lint call
        close_call = self.close[call_i + 3]
        j = close_call + 1
        found = []
        while j < end:
            if t[j].text == "test" and t[j + 1].text == "." and \
                    t[j + 2].text in FILE_HELPERS and j > close_call:
                break
            # a new assignment statement starts the next case
            if t[j].kind == "ident" and t[j + 1].text in ("=", ":=") and \
                    t[j - 1].line != t[j].line:
                break
            if t[j].text == "lint" and t[j + 1].text == "." and t[j + 2].text in STATUSES:
                found.append(("lit", ("status", t[j + 2].text)))
                j += 3
                continue
            if t[j].kind == "ident" and t[j].text in scope and scope[t[j].text][0] == "status" \
                    and t[j - 1].text != ".":
                found.append(("lit", scope[t[j].text]))
            if t[j].kind == "ident" and t[j].text in loopvars.get("val", ()) and \
                    t[j + 1].text == "." and t[j + 2].kind == "ident":
                found.append(("field", t[j + 2].text))
            if t[j].kind == "ident" and t[j].text in loopvars.get("key", ()) and \
                    t[j + 1].text != ".":
                found.append(("loopkey", None))
            if t[j].kind == "ident" and t[j].text in loopvars.get("val", ()) and \
                    t[j + 1].text != ".":
                found.append(("loopval", None))
            if t[j].kind == "ident" and t[j].text in loopvars.get("alias", {}) and \
                    t[j - 1].text != ".":
                found.append(loopvars["alias"][t[j].text])
            j += 1
        return found

    def _site_cases(self, i, args, li, fi, ci, scope, func, site):
        t = self.toks
        if len(args) <= max(li, fi):
            raise Unresolved("call with too few arguments")
        loops = self.find_range_loops(i)
        loopvars = {}
        table = None
        if loops:
            names, expr_lo, body = loops[-1]
            table = self.table_literal(expr_lo, body, func[1] if func else 0)
            loopvars["key"] = names[:1] if len(names) >= 2 else []
            loopvars["val"] = names[-1:] if len(names) >= 1 else []
            if len(names) >= 2 and names[0] == "_":
                loopvars["key"] = []
            # tc := tc and path := tc.path aliases inside the body
            alias = {}
            for k in range(body, i):
                # tc := testCase: another name for the loop value
                if t[k].kind == "ident" and t[k + 1].text == ":=" and \
                        t[k + 3].line != t[k + 2].line:
                    for role in ("key", "val"):
                        if t[k + 2].text in loopvars[role]:
                            loopvars[role] = loopvars[role] + [t[k].text]
                if t[k].kind == "ident" and t[k + 1].text == ":=" and \
                        t[k + 2].text in loopvars["val"] and t[k + 3].text == "." and \
                        t[k + 4].kind == "ident" and t[k + 5].line != t[k + 4].line:
                    alias[t[k].text] = ("field", t[k + 4].text)
            loopvars["alias"] = alias
        cfg_v = None
        if ci is not None and len(args) > ci:
            cfg_v = self._arg_value(args[ci], scope, loopvars)
            if cfg_v is None or cfg_v[0] == "lit" and (
                    cfg_v[1][0] != "str" or cfg_v[1][1].strip() != ""):
                raise Unresolved("runs the lint with a zlint configuration")
        lint_v = self._arg_value(args[li], scope, loopvars)
        file_v = self._arg_value(args[fi], scope, loopvars)
        if lint_v is None:
            raise Unresolved("lint name is not a literal: %s" % self._text(args[li]))
        if file_v is None:
            raise Unresolved("file name is not a literal: %s" % self._text(args[fi]))
        expected = self._expected_after(i, scope, loopvars, func)
        if lint_v[0] == "lit" and file_v[0] == "lit":
            statuses = {e[1][1] for e in expected if e[0] == "lit"}
            if len(statuses) != 1:
                raise Unresolved("expected status not found or ambiguous (%s)" %
                                 ",".join(sorted(statuses)) if statuses else
                                 "expected status not found")
            self._check_lint(lint_v[1][1])
            return [dict(site, lint=lint_v[1][1], vector=file_v[1][1],
                         expected=statuses.pop(), name=site["func"])], []
        # table-driven
        if table is None:
            raise Unresolved("table of cases not found")
        exp_ref = [e for e in expected if e[0] in ("field", "loopval", "loopkey")]
        exp_lit = {e[1][1] for e in expected if e[0] == "lit"}
        out = []
        bad = []
        for line, entry in self.table_entries(table):
            name = None
            if entry is None:
                bad.append(dict(site, line=line, reason="table entry is not a literal struct"))
                continue
            for k in ("Name", "name", "desc", "description", "Description", "testName"):
                if isinstance(entry.get(k), tuple):
                    name = entry[k][1]
            if cfg_v is not None and cfg_v[0] != "lit":
                cfg = self._pick(cfg_v, entry)
                if cfg_v[0] == "field" and cfg_v[1] not in entry:
                    cfg = ("str", "")  # a field left out is the zero value
                if cfg is None or cfg[0] != "str" or cfg[1].strip() != "":
                    bad.append(dict(site, line=line,
                                    reason="runs the lint with a zlint configuration"))
                    continue
            lint = self._pick(lint_v, entry)
            vec = self._pick(file_v, entry)
            exp = None
            if exp_ref:
                for ref in exp_ref:
                    exp = self._pick(ref, entry)
                    if exp is not None and exp[0] == "status":
                        break
            elif len(exp_lit) == 1:
                exp = ("status", next(iter(exp_lit)))
            else:
                bad.append(dict(site, line=line, reason="the test does not check the status"))
                continue
            if lint is None or vec is None or exp is None or exp[0] != "status" \
                    or vec[0] != "str" or lint[0] != "str":
                bad.append(dict(site, line=line, reason="table entry without a literal "
                                + ("lint" if lint is None or lint[0] != "str" else
                                   "file" if vec is None or vec[0] != "str" else "status")))
                continue
            if self.known and lint[1] not in self.known:
                bad.append(dict(site, line=line, reason="unknown lint name %r" % lint[1]))
                continue
            out.append(dict(site, line=line, lint=lint[1], vector=vec[1], expected=exp[1],
                            name=name or site["func"]))
        if not out and not bad:
            raise Unresolved("empty table")
        return out, bad

    def _pick(self, ref, entry):
        kind, v = ref
        if kind == "lit":
            return v
        if kind == "field":
            return entry.get(v)
        if kind == "loopkey":
            return entry.get("__key__")
        if kind == "loopval":
            return entry.get("__value__")
        return None

    def _check_lint(self, name):
        if self.known and name not in self.known:
            raise Unresolved("unknown lint name %r" % name)

    def _text(self, arg):
        return " ".join(tok.text for tok in self.toks[arg[0]:arg[1]])


def lint_names(go_src):
    """Lint names a lint source file registers (Name: "...")."""
    return re.findall(r'\bName:\s*"([^"]+)"', go_src)
