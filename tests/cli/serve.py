#!/usr/bin/python3
"""caguard serve against pkimetal's contract and its own.

Run by tests/cli/serve.sh with Debian's python3 (python3-jsonschema,
python3-yaml, python3-prometheus-client). Every JSON answer is validated
against pkimetal's doc/openapi.yaml (tests/data/pkimetal) for pkimetal's
endpoints and against docs/serve.openapi.yaml for all of them; findings are
compared with `caguard check --format json` on the same objects.
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml
from prometheus_client.parser import text_string_to_metric_families

CAGUARD = os.environ["CAGUARD"]
DATA = os.environ["CG_TEST_DATA"]
SRC = os.environ["CG_SOURCE_DIR"]
TMP = tempfile.mkdtemp(prefix="caguard-serve-")
AT = "2023-06-20T00:00:00Z"
CA = f"{DATA}/le2023/r3.pem"
LIST = f"{DATA}/loglists/crtsh_v3_all_all_logs_list.json"
GOOD_PRE, GOOD = f"{DATA}/le2023/good/precert.pem", f"{DATA}/le2023/good/final.pem"
BAD_PRE, BAD = f"{DATA}/le2023/bad/precert.pem", f"{DATA}/le2023/bad/final.pem"

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


PKIMETAL = yaml.safe_load(open(f"{DATA}/pkimetal/openapi.yaml"))
OURS = yaml.safe_load(open(f"{SRC}/docs/serve.openapi.yaml"))


def nullable(schema):
    """OpenAPI 3.0's nullable, as JSON Schema says it."""
    if isinstance(schema, dict):
        out = {k: nullable(v) for k, v in schema.items() if k != "nullable"}
        if schema.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(schema, list):
        return [nullable(x) for x in schema]
    return schema


def valid(doc, name, instance, what):
    schema = {"$ref": f"#/components/schemas/{name}", "components": nullable(doc["components"])}
    try:
        jsonschema.validate(instance, schema)
        check(True, what)
    except jsonschema.ValidationError as e:
        check(False, f"{what}: not a valid {name}: {e.message}")


def der_of(path):
    text = open(path).read()
    b64 = "".join(l for l in text.splitlines() if not l.startswith("-----"))
    return base64.b64decode(b64)


def tbs_of(der):
    """The TBSCertificate (or TBSCertList) element of a signed object."""
    def elem(b, i):
        n = b[i + 1]
        h = 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i + 2:i + 2 + k], "big")
            h = 2 + k
        return h, n
    h, _ = elem(der, 0)
    h2, n2 = elem(der, h)
    return der[h:h + h2 + n2]


class Server:
    def __init__(self, *args, env=None):
        self.err = open(f"{TMP}/serve-{time.monotonic_ns()}.err", "w+")
        self.p = subprocess.Popen([CAGUARD, "serve", "--listen", "127.0.0.1:0", *args],
                                  stdout=subprocess.DEVNULL, stderr=self.err, env=env)
        self.url = None
        for _ in range(400):
            self.err.seek(0)
            m = re.search(r"listening on (\S+)", self.err.read())
            if m:
                self.url = "http://" + m.group(1)
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        check(self.url is not None, f"serve {args} started")

    def log(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=60)
        check(rc == 0, f"serve exits 0 on SIGTERM (got {rc})")
        check("caguard serve: stopped" in self.log(), "serve says it stopped")


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def form(url, fields, headers=None):
    body = urllib.parse.urlencode(fields).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return request(url, body, h)


def caguard_check(*files, at=AT):
    out = subprocess.run([CAGUARD, "check", "--format", "json", "--at", at, "--loglist", LIST,
                          *files], capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def lint_valid(status, headers, body, what):
    check(headers.get("Content-Type", "").startswith("application/json"), f"{what}: JSON")
    ans = json.loads(body)
    valid(PKIMETAL, "LintResponse", ans, f"{what} (pkimetal's schema)")
    valid(OURS, "LintResponse", ans, f"{what} (caguard's schema)")
    return ans


def test_pkimetal(s):
    u = s.url
    good = base64.b64encode(der_of(GOOD)).decode()
    # The answer to /lintcert: pkimetal's shape, caguard's findings.
    st, h, b = form(u + "/lintcert", {"b64cert": good})
    check(st == 200, f"/lintcert 200 (got {st} {b[:200]})")
    ans = lint_valid(st, h, b, "/lintcert")
    check(ans[0]["Severity"] == "meta" and ans[0]["Finding"].startswith("Profile: autodetect"),
          "a meta finding first, as pkimetal")
    check(h.get("Access-Control-Allow-Origin") == "*", "CORS header, as pkimetal")
    rules = sorted(f["Code"] for f in ans[1:])
    # The same findings as caguard check with the CA (evaluated now).
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    want = sorted(f["rule"] for f in caguard_check(CA, GOOD, at=now) if f["file"] == GOOD)
    check(rules == want, f"/lintcert gives check's findings: {rules} vs {want}")
    check("ct.sct.issuer_unknown" not in rules, "the server's CA was used")
    # Base64 broken into lines, with a '+' sent unescaped (a space): the
    # same object, the same answer.
    lines = "\r\n".join(good[i:i + 64] for i in range(0, len(good), 64))
    body = ("b64cert=" + urllib.parse.quote(lines, safe="+")).encode()
    st2, h2, b2 = request(u + "/lintcert", body,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    check(st2 == 200 and sorted(f.get("Code", "") for f in json.loads(b2)[1:]) == rules,
          f"/lintcert with line breaks and raw '+': the same findings ({st2})")
    sev = {"error": 5, "warning": 4, "notice": 3}
    levels = [sev[f["Severity"]] for f in ans[1:]]
    check(levels == sorted(levels, reverse=True), "most severe first")
    # The bad final of the 2023 incident: its SCTs were issued for another
    # precertificate.
    st, h, b = form(u + "/lintcert", {"b64input": base64.b64encode(der_of(BAD)).decode()})
    ans = lint_valid(st, h, b, "/lintcert bad")
    codes = [f["Code"] for f in ans if "Code" in f]
    check("ct.sct.signature_invalid" in codes, f"bad final: SCT signature invalid ({codes})")
    errs = [f for f in ans if f["Severity"] == "error"]
    check(all(f["Field"] == "tbsCertificate.extensions.ctSCTList" for f in errs
              if f["Code"] == "ct.sct.signature_invalid"), "Field names the SCT list")
    # Field is the finding's own field where its rule names one below the
    # family's (the extension whose criticality is wrong), as check's JSON
    # "field" says: the same pairs of rule and field.
    ku = f"{DATA}/profile/cert.extension_criticality__ku_not_critical.pem"
    st, h, b = form(u + "/lintcert", {"b64input": base64.b64encode(der_of(ku)).decode()})
    ans = lint_valid(st, h, b, "/lintcert keyUsage not critical")
    got = sorted((f["Code"], f.get("Field")) for f in ans if "Code" in f)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    want = sorted((f["rule"], f["field"]) for f in caguard_check(CA, ku, at=now)
                  if f["file"] == ku)
    check(got == want, f"pkimetal Field is check's field: {got} vs {want}")
    check(("cert.extension_criticality", "tbsCertificate.extensions.keyUsage") in got,
          f"Field names keyUsage ({got})")
    # Minimum severity: no meta, nothing below.
    st, h, b = form(u + "/lintcert", {"b64input": base64.b64encode(der_of(BAD)).decode(),
                                      "severity": "error"})
    ans = lint_valid(st, h, b, "/lintcert severity=error")
    check(ans and all(f["Severity"] == "error" for f in ans), "severity=error filters")
    # PEM input, a profile pkimetal knows, text and html formats.
    st, h, b = form(u + "/lintcert", {"b64input": open(GOOD).read(),
                                      "profile": "tbr_leaf_tlsserver_dv", "format": "text"})
    check(st == 200 and h["Content-Type"].startswith("text/plain"), "format=text")
    first = b.decode().splitlines()[0]
    check(first == f"caguard\tMETA\tProfile: tbr_leaf_tlsserver_dv; Version: caguard 0.1.0",
          f"text lines as pkimetal's: {first!r}")
    st, h, b = form(u + "/lintcert?format=html", {"b64input": base64.b64encode(der_of(BAD)).decode()})
    check(st == 200 and h["Content-Type"].startswith("text/html") and
          b"ct.sct.signature_invalid" in b and b"<table>" in b, "format=html (query)")
    st, h, b = request(u + "/lintcert", der_of(GOOD), {"Content-Type": "application/pkix-cert",
                                                      "Accept": "text/plain"})
    check(st == 200 and b.startswith(b"caguard\tMETA"), "raw DER body, Accept: text/plain")
    # multipart/form-data, as a browser's form sends it.
    bnd = "----caguardtest"
    mp = (f"--{bnd}\r\nContent-Disposition: form-data; name=\"b64input\"\r\n\r\n"
          f"{open(BAD).read()}\r\n--{bnd}\r\nContent-Disposition: form-data; "
          f"name=\"severity\"\r\n\r\nerror\r\n--{bnd}--\r\n").encode()
    st, h, b = request(u + "/lintcert", mp, {"Content-Type": f"multipart/form-data; boundary={bnd}"})
    ans = lint_valid(st, h, b, "/lintcert multipart")
    check(st == 200 and all(f["Severity"] == "error" for f in ans) and ans, "multipart form")
    # A '+' sent unescaped arrives as a space and is read back as '+'.
    raw = "b64input=" + good.replace("/", "%2F").replace("=", "%3D")
    st, h, b = request(u + "/lintcert", raw.encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200, "unescaped '+' in base64 is read as '+'")
    # The TBS endpoints: the final certificate's TBS checked as it.
    tbs = base64.b64encode(tbs_of(der_of(GOOD))).decode()
    st, h, b = form(u + "/linttbscert", {"b64tbscert": tbs})
    ans = lint_valid(st, h, b, "/linttbscert")
    codes = sorted(f["Code"] for f in ans[1:])
    check("ct.sct.issuer_unknown" not in codes and "ct.sct.signature_invalid" not in codes,
          f"TBS: issuer found by Name and AKI, SCTs verified ({codes})")
    st, h, b = request(u + "/linttbscert", tbs_of(der_of(GOOD)),
                       {"Content-Type": "application/octet-stream"})
    check(st == 200, "/linttbscert raw body")
    crl = f"{DATA}/boulder-crl/crl_aia.pem"
    st, h, b = form(u + "/lintcrl", {"b64crl": open(crl).read()})
    ans = lint_valid(st, h, b, "/lintcrl")
    want = sorted(f["rule"] for f in caguard_check(crl, at=now))
    check(sorted(f["Code"] for f in ans[1:]) == want, f"/lintcrl gives check's findings ({want})")
    st, h, b = form(u + "/linttbscrl", {"b64tbscrl": base64.b64encode(tbs_of(der_of(crl))).decode()})
    ans = lint_valid(st, h, b, "/linttbscrl")
    check("crl.extension_discouraged" in [f.get("Code") for f in ans], "TBS CRL linted")
    # GET /linters, /profiles.
    st, h, b = request(u + "/linters")
    ans = json.loads(b)
    valid(PKIMETAL, "Linter", ans[0], "/linters (pkimetal's schema)")
    check(st == 200 and ans[0]["Name"] == "caguard" and ans[0]["Instances"] >= 1, "/linters")
    st, h, b = request(u + "/profiles")
    ans = json.loads(b)
    for p in ans:
        valid(PKIMETAL, "LintProfile", p, f"/profiles {p['Name']} (pkimetal's schema)")
    names = [p["Name"] for p in ans]
    check("autodetect" in names and "tbr_leaf_tlsserver_ov" in names, "/profiles")
    # Bad requests: 400, one fatal finding naming the problem, never 500.
    bad = [
        ({"b64input": "@@@@"}, "not base64"),
        # the offset is the input's, whitespace counted
        ({"b64input": "MIIB\r\nA@AA"}, "b64input is not base64: byte 7: a base64 character"),
        ({"b64input": "QUJD\nRA"}, "b64input is not base64: byte 6: base64 length"),
        ({"b64input": "AAAA"}, "input.malformed"),
        ({"format": "json"}, "no form field b64cert or b64input"),
        ({"b64input": good, "profile": "nonesuch"}, "Unrecognised profile"),
        ({"b64input": good, "severity": "loud"}, "Unrecognised severity"),
        ({"b64input": open(crl).read()}, "X509 CRL"),
        ({"b64input": base64.b64encode(der_of(crl)).decode()}, "holds a CRL"),
    ]
    for fields, want in bad:
        st, h, b = form(u + "/lintcert", fields)
        check(st == 400, f"bad {fields.keys()}: 400 (got {st})")
        ans = lint_valid(st, h, b, f"bad request {want}")
        check(len(ans) == 1 and ans[0]["Severity"] == "fatal" and want in json.dumps(ans),
              f"bad request names the problem: {want}: {ans}")
    st, h, b = request(u + "/lintcert", b"b64input=%zz",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 400 and b"bad percent escape at byte 9" in b, "bad percent escape")
    st, h, b = request(u + "/lintcert", b"", {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 400 and b"Empty request body" in b, "empty body")
    st, h, b = request(u + "/lintcert", b"x", {"Content-Type": "text/csv"})
    check(st == 400 and b"text/csv" in b, "unsupported content type")
    st, h, b = form(u + "/lintcert?format=xml", {"b64input": good})
    check(st == 400 and b"Unrecognised response format" in b, "bad format")
    st, h, b = request(u + "/lintcert")
    check(st == 405 and h.get("Allow") == "POST", "GET /lintcert: 405")
    valid(OURS, "Error", json.loads(b), "405 is an Error")
    st, h, b = request(u + "/nothing")
    check(st == 404, "unknown path: 404")
    valid(OURS, "Error", json.loads(b), "404 is an Error")
    # Larger than the limit: 413 before the body is read.
    # (curl: it reads the early answer where urllib stops at the closed pipe)
    big = f"{TMP}/big"
    open(big, "w").write("b64input=" + "A" * (2 * 1024 * 1024))
    for expect in ([], ["-H", "Expect:"]):
        out = subprocess.run(["curl", "-s", "-o", f"{TMP}/big.out", "-w", "%{http_code}",
                              "--data-binary", f"@{big}", *expect, u + "/lintcert"],
                             capture_output=True, text=True)
        body = open(f"{TMP}/big.out").read()
        check(out.stdout == "413" and "over the limit of 1048576 bytes" in body,
              f"body over 1 MiB {expect}: 413 ({out.stdout} {body})")
    # Request headers: the connection's pool (obs/httpd.c, 16 KiB) takes
    # 10 KB of them; 20 KB are answered 431, and the server goes on.
    st, h, b = request(u + "/healthz", headers={"X-Padding": "a" * 10000})
    check(st == 200, f"a 10 KB request header is read ({st})")
    st, h, b = request(u + "/healthz", headers={"X-Padding": "a" * 20000})
    check(st == 431, f"a 20 KB request header: 431 ({st})")
    st, h, b = request(u + "/healthz")
    check(st == 200, f"the server answers after a 431 ({st})")


def test_pkimetal_client(s):
    """pkimetal's own test client, as written, pointed at caguard."""
    script = open(f"{DATA}/pkimetal/check_profile_autodetection.sh").read()
    script = script.replace('PKIMETAL_URL="http://127.0.0.1:8080"', f'PKIMETAL_URL="{s.url}"')
    d = tempfile.mkdtemp(dir=TMP)
    for name in ("tls_ov_certificate.crt", "tls_ov_precertificate.crt"):
        open(f"{d}/{name}", "w").write(open(f"{DATA}/pkimetal/{name}").read())
    open(f"{d}/client.sh", "w").write(script)
    out = subprocess.run(["bash", "client.sh"], cwd=d, capture_output=True, text=True)
    lines = out.stdout.splitlines()
    check(lines.count('    "Finding": "Profile: autodetect; Version: caguard 0.1.0",') == 2,
          f"pkimetal's client gets a profile line per certificate: {out.stdout} {out.stderr}")
    # The same request through its body, with the findings checked.
    body = "b64input=" + base64.b64encode(der_of(f"{d}/tls_ov_precertificate.crt")).decode() \
        .replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    st, h, b = request(s.url + "/lintcert", body.encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    ans = lint_valid(st, h, b, "pkimetal testcase precertificate")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    want = sorted(f["rule"] for f in caguard_check(f"{d}/tls_ov_precertificate.crt", at=now))
    check(sorted(f["Code"] for f in ans[1:]) == want, f"testcase findings are check's ({want})")


def native(u, objs, at=AT, path="/v1/check"):
    body = {"objects": objs} if path == "/v1/check" else {"object": objs}
    if at is not None:
        body["at"] = at
    st, h, b = request(u + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return st, h, json.loads(b) if b else None


def test_native(s):
    u = s.url
    b64 = lambda p: base64.b64encode(der_of(p)).decode()
    st, h, ans = native(u, [open(GOOD_PRE).read(), b64(GOOD)])
    check(st == 200, f"/v1/check 200 ({st})")
    valid(OURS, "Decision", ans, "/v1/check good")
    check(ans["allow"] is True, "good pair allowed")
    # Fields as check --format json gives them (the file is objects[N]).
    want = caguard_check(CA, GOOD_PRE, GOOD)
    names = {GOOD_PRE: "objects[0]", GOOD: "objects[1]"}
    want = [dict(f, file=names[f["file"]]) for f in want if f["file"] != CA]
    check(sorted(map(json.dumps, ans["findings"])) == sorted(map(json.dumps, want)),
          f"/v1/check findings are check's: {ans['findings']} vs {want}")
    st, h, ans = native(u, [b64(BAD_PRE), open(BAD).read()])
    valid(OURS, "Decision", ans, "/v1/check bad")
    rules = [f["rule"] for f in ans["findings"]]
    check(ans["allow"] is False and "ct.pair.tbs_mismatch" in rules and
          "ct.sct.signature_invalid" in rules, f"bad pair denied ({rules})")
    for body, want in [(b"{", "not JSON"), (b"[]", "not a JSON object"),
                       (b'{"objects": []}', "1 to 64"), (b'{"objects": [1]}', "objects[0]"),
                       (b'{"objects": ["@@"]}', "objects[0] is not base64"),
                       (b'{"objects": ["AAAA"]}', "objects[0]"),
                       (b'{"objects": ["MA=="], "at": "yesterday"}', "RFC 3339"),
                       (b'{"objects": ["MA=="], "x": 1}', "unknown field"),
                       (b'{"objects": ["MA=="], "objects": ["MA=="]}', "duplicate")]:
        st, h, b = request(u + "/v1/check", body, {"Content-Type": "application/json"})
        ans = json.loads(b)
        check(st == 400 and want in ans.get("error", ""), f"{body!r}: 400 naming {want}: {ans}")
        valid(OURS, "Error", ans, f"{body!r} error")


def test_metrics(s):
    st, h, b = request(s.url + "/metrics")
    check(st == 200 and h["Content-Type"].startswith("text/plain; version=0.0.4"), "/metrics")
    fams = {f.name: f for f in text_string_to_metric_families(b.decode())}
    req = {(x.labels["endpoint"], x.labels["code"]): x.value
           for x in fams["caguard_serve_requests"].samples if x.name.endswith("_total")}
    check(req.get(("/lintcert", "200"), 0) >= 10 and req.get(("/lintcert", "400"), 0) >= 7,
          f"requests by endpoint and status: {req}")
    check(req.get(("/lintcert", "413"), 0) == 2, "the 413s are counted")
    lat = fams["caguard_serve_request_duration_seconds"]
    cnt = [x.value for x in lat.samples if x.name.endswith("_count") and
           x.labels["endpoint"] == "/lintcert"]
    check(cnt and cnt[0] >= 18, f"latency histogram ({cnt})")
    fnd = {(x.labels["rule"], x.labels["severity"]): x.value
           for x in fams["caguard_serve_findings"].samples if x.name.endswith("_total")}
    check(fnd.get(("ct.sct.signature_invalid", "error"), 0) >= 3, f"findings by rule ({fnd})")
    age = fams["caguard_serve_loglist_age_seconds"].samples[0].value
    # crt.sh's list has no log_list_timestamp: the age counts from when it
    # was read, so 0 in the first second
    check(age >= 0, f"log list age ({age})")
    check(fams["caguard_serve_loglist_logs"].samples[0].value > 100, "logs in the lists")
    check(fams["process_resident_memory_bytes"].samples[0].value > 0, "process RSS")


def test_token():
    tok = f"{TMP}/token"
    secret = "s3cret-token-not-in-logs"
    open(tok, "w").write(secret + "\n")
    s = Server("--ca", CA, "--loglist", LIST, "--token-file", tok)
    st, h, b = request(s.url + "/linters")
    check(st == 401 and h.get("WWW-Authenticate", "").startswith("Bearer"), "no token: 401")
    valid(OURS, "Error", json.loads(b), "401 is an Error")
    st, h, b = request(s.url + "/linters", headers={"Authorization": "Bearer wrong"})
    check(st == 401, "wrong token: 401")
    st, h, b = request(s.url + "/linters", headers={"Authorization": f"Bearer {secret}"})
    check(st == 200, "token: 200")
    st, h, b = request(s.url + "/healthz")
    check(st == 200, "healthz needs no token")
    valid(OURS, "Health", json.loads(b), "/healthz")
    s.stop()
    check(secret not in s.log(), "the token is never logged")
    check(re.search(r"GET /linters 401 \d+ [0-9.]+ms id=\S+", s.log()) is not None,
          "access line with the request ID")


def test_reload():
    lst = f"{TMP}/list.json"
    small = open(f"{DATA}/loglists/test_log_list.json").read()
    open(lst, "w").write(small)
    s = Server("--loglist", lst, "--ca", CA)
    n0 = json.loads(request(s.url + "/healthz")[2])["logs"]
    open(lst, "w").write(open(LIST).read())
    s.p.send_signal(signal.SIGHUP)
    n1 = n0
    for _ in range(200):
        n1 = json.loads(request(s.url + "/healthz")[2])["logs"]
        if n1 != n0:
            break
        time.sleep(0.05)
    check(n1 > n0 > 0, f"SIGHUP reloads the lists ({n0} -> {n1})")
    open(lst, "w").write("{ not json")
    s.p.send_signal(signal.SIGHUP)
    for _ in range(200):
        if "reload failed" in s.log():
            break
        time.sleep(0.05)
    check("reload failed, keeping the previous" in s.log(), "a bad list keeps the old ones")
    check(json.loads(request(s.url + "/healthz")[2])["logs"] == n1, "still the old lists")
    s.stop()


def test_usage():
    for args, want in [(["--listen", "nowhere:1"], "bad listen address"),
                       (["--ca", GOOD], "not a CA certificate"),
                       (["--loglist", f"{DATA}/le2023/r3.pem"], "log list"),
                       (["--threads", "0"], "--threads"),
                       (["--token-file", "/nonexistent"], "--token-file"),
                       # one line, with the option meant (cli/opts.h, as every command)
                       (["--listn", "127.0.0.1:0"],
                        "caguard serve: unknown option '--listn'; did you mean --listen? "
                        "(see 'caguard serve --help')\n"),
                       (["--threads"], "caguard serve: --threads needs a value"),
                       (["127.0.0.1:0"], "caguard serve: unexpected argument '127.0.0.1:0'")]:
        out = subprocess.run([CAGUARD, "serve", *args], capture_output=True, text=True)
        check(out.returncode == 2 and want in out.stderr, f"serve {args}: 2, '{want}': {out.stderr}")
    cfg = f"{TMP}/bad.ini"
    open(cfg, "w").write("[serve]\nlisten = 127.0.0.1:0\nthreads = many\n")
    out = subprocess.run([CAGUARD, "serve", "--config", cfg], capture_output=True, text=True)
    check(out.returncode == 2 and "bad.ini:3: [serve] threads" in out.stderr, out.stderr)


def test_config():
    d = tempfile.mkdtemp(dir=TMP)
    os.symlink(CA, f"{d}/ca.pem")
    os.symlink(LIST, f"{d}/list.json")
    open(f"{d}/caguard.conf", "w").write(
        "[monitor]\nstore = x.db\n\n[serve]\nlisten = 127.0.0.1:0\nthreads = 3\n"
        "access_log = no\n\n[issuer r3]\ncert = ca.pem\ncrl_url = http://x.invalid/\n\n"
        "[loglist]\nsource = list.json\nfollow = true\n")
    s = Server("--config", f"{d}/caguard.conf")
    h = json.loads(request(s.url + "/healthz")[2])
    check(h["cas"] == 1 and h["logs"] > 100, f"config: [issuer] cert and [loglist] ({h})")
    check(json.loads(request(s.url + "/linters")[2])[0]["Instances"] == 3, "config: threads")
    s.stop()
    check("POST" not in s.log() and "GET /" not in s.log(), "access_log = no")


def main():
    s = Server("--ca", CA, "--loglist", LIST)
    if s.url is None:
        print(s.log(), file=sys.stderr)
        sys.exit(1)
    test_pkimetal(s)
    test_pkimetal_client(s)
    test_native(s)
    test_metrics(s)
    s.stop()
    test_token()
    test_reload()
    test_usage()
    test_config()
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    if failures:
        print(f"the servers' logs and stores are kept in {TMP}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
