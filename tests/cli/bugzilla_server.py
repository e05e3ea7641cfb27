#!/usr/bin/env python3
"""A local stand-in for Bugzilla's REST API, for tests/cli/incident_bugzilla.sh.

bugzilla_server.py DIR serves, on 127.0.0.1 (a free port, printed as
"listening on HOST:PORT"):
  GET /rest/bug/N          DIR/N/bug.json
  GET /rest/bug/N/comment  DIR/N/comment.json
with Content-Type application/json, or text/html when DIR/N/html exists
(an error page in front of the API). A bug without a directory gets
Bugzilla's error answer for an unknown bug (HTTP 404, error 101, the
shape of bugzilla.readthedocs.io "General": error, code, message,
documentation). Bug 1999999 answers 17 MiB (more than caguard reads).
A private bug: DIR/N/api_key holds the API key that may see it; a request
without that key in the X-BUGZILLA-API-KEY header (Bugzilla's REST
"Authentication": the header, or an api_key parameter this stand-in does
not take, so that a key in the URL fails the test) gets Bugzilla's answer
for a bug you may not see (HTTP 401, error 102, "bug_access_denied" in
Bugzilla/WebService/Constants.pm). Each request is logged on stdout as
"GET PATH", plus " key" when it carried the header.
"""
import http.server
import json
import os
import re
import sys

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="application/json; charset=utf-8"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        sent = self.headers.get("X-BUGZILLA-API-KEY")
        print("GET " + self.path + (" key" if sent is not None else ""), flush=True)
        m = re.fullmatch(r"/rest/bug/(\d+)(/comment)?", self.path)
        if not m:
            return self.send(404, b'{"error":true,"code":32614,"message":"not a REST path"}')
        bug, what = m.group(1), "comment.json" if m.group(2) else "bug.json"
        if bug == "1999999":
            return self.send(200, b" " * (17 * 1024 * 1024) + b"{}")
        d = os.path.join(ROOT, bug)
        if not os.path.isdir(d):
            body = json.dumps({"error": True, "code": 101,
                               "message": f"Bug #{bug} does not exist.",
                               "documentation": "https://bugzilla.readthedocs.org/en/latest/api/"})
            return self.send(404, body.encode())
        keyfile = os.path.join(d, "api_key")
        if os.path.exists(keyfile):
            with open(keyfile) as f:
                if sent != f.read().strip():
                    body = json.dumps({"error": True, "code": 102,
                                       "message": f"You are not authorized to access bug #{bug}.",
                                       "documentation": "https://bugzilla.readthedocs.org/en/latest/api/"})
                    return self.send(401, body.encode())
        with open(os.path.join(d, what), "rb") as f:
            body = f.read()
        html = os.path.exists(os.path.join(d, "html"))
        self.send(200, body, "text/html" if html else "application/json; charset=utf-8")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
