#!/usr/bin/env bash
# caguard serve's stateful gate: precertificates recorded once, final
# certificates checked against them across requests, restarts and two gate
# processes on the real PostgreSQL that scripts/test starts (skipped, with
# its reason, without CAGUARD_TEST_PG_URI). Assertions in serve_gate.py.
set -u
exec /usr/bin/python3 "$(dirname "$0")/serve_gate.py"
