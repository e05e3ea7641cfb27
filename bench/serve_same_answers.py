#!/usr/bin/python3
"""Two caguard builds give the same answers (docs/performance.md, "caguard serve").

usage: bench/serve_same_answers.py OLD_CAGUARD NEW_CAGUARD

Starts `caguard serve` from each build with the same context (the bench's
log lists, Chrome's and crt.sh's, tests/data/ct3's, and the CA
certificates of tests/data/le2023 and tests/data/ct3), sends every
certificate and CRL file of tests/data (PEM or DER) to POST /lintcert and
POST /lintcrl, each as JSON and as text (a form, b64cert= or b64crl=, the
first PEM block or the whole DER in base64), and compares the two answers
byte for byte with their status. An answer that names the evaluation time
can differ when the second changed between the two requests: such a pair
is asked again once. Prints the number of answers compared; exits 1 when
any pair differs (the first few are printed), 2 when a server does not
start. Used before landing a change to the serve path: the answers are
the interface.
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
LISTS = ["loglists/gstatic_v3_all_logs_list.json",
         "loglists/crtsh_v3_all_all_logs_list.json", "ct3/loglist.json"]
CAS = ["le2023/r3.pem", "ct3/ca_enc.pem"]
PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", re.S)


def start(binary, tmp, tag):
    err = open(os.path.join(tmp, tag + ".err"), "w+")
    args = [binary, "serve", "--listen", "127.0.0.1:0", "--no-access-log", "--threads", "2",
            "--no-default-loglists"]
    for f in LISTS:
        args += ["--loglist", os.path.join(DATA, f)]
    for f in CAS:
        args += ["--ca", os.path.join(DATA, f)]
    proc = subprocess.Popen(args, stderr=err)
    for _ in range(600):
        err.seek(0)
        m = re.search(r"listening on (\S+)", err.read())
        if m:
            return proc, "http://" + m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    err.seek(0)
    sys.stderr.write(f"{binary} did not start:\n{err.read()}")
    proc.kill()
    sys.exit(2)


def post(url, body):
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def objects():
    for d, _, files in sorted(os.walk(DATA)):
        for f in sorted(files):
            if f.rsplit(".", 1)[-1] not in ("pem", "der", "crt", "cer", "crl"):
                continue
            raw = open(os.path.join(d, f), "rb").read()
            m = PEM.search(raw)
            b64 = b"".join(m.group(1).split()) if m else base64.b64encode(raw)
            yield os.path.relpath(os.path.join(d, f), DATA), b64.decode("ascii", "replace")


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    tmp = tempfile.mkdtemp(prefix="caguard-same-")
    old, old_url = start(sys.argv[1], tmp, "old")
    new, new_url = start(sys.argv[2], tmp, "new")
    n = 0
    diffs = []
    try:
        for name, b64 in objects():
            for path, field in (("/lintcert", "b64cert"), ("/lintcrl", "b64crl")):
                for fmt in ("json", "text"):
                    body = urllib.parse.urlencode({field: b64, "format": fmt}).encode()
                    a = post(old_url + path, body)
                    b = post(new_url + path, body)
                    if a != b:
                        a = post(old_url + path, body)
                        b = post(new_url + path, body)
                    n += 1
                    if a != b:
                        diffs.append((name, path, fmt, a, b))
    finally:
        for p in (old, new):
            p.terminate()
            p.wait()
    print(f"{n} answers compared, {len(diffs)} different")
    for name, path, fmt, a, b in diffs[:5]:
        print(f"DIFF {name} {path} {fmt}:\n  old {a[0]} {a[1][:400]!r}\n  new {b[0]} {b[1][:400]!r}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
