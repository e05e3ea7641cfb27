#!/usr/bin/env bash
# caguard serve: pkimetal's endpoints (validated against pkimetal's own
# doc/openapi.yaml, and driven by pkimetal's own test client), the native
# /v1/check (against docs/serve.openapi.yaml and caguard check's JSON), bad
# requests, the bearer token, SIGHUP reloads, SIGTERM, the config file and
# /metrics (parsed by Debian's prometheus_client). The assertions are in
# serve.py, run with Debian's python3.
set -u
exec /usr/bin/python3 "$(dirname "$0")/serve.py"
