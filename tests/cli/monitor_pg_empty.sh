#!/usr/bin/env bash
# caguard monitor on an empty PostgreSQL database (a schema with no table)
# makes the store itself, as ingest does: no ingest first. Then the store is
# the one every other command reads: status, findings, a second monitor run
# (nothing new), an ingest into it. Real PostgreSQL (scripts/test starts a
# throwaway server); skipped (77) without CAGUARD_TEST_PG_URI.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
if [ -z "${CAGUARD_TEST_PG_URI:-}" ]; then
  echo "SKIPPED: CAGUARD_TEST_PG_URI is not set (scripts/test starts a PostgreSQL server)"
  exit 77
fi
pg_schema empty
sql() { psql "$U" -AtXqc "$1"; }
expect_eq "tables before" "$(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$pg_schema_name'")" 0

build_seed_log "$tmp/log"
start_server "$tmp/log"
M=("$CAGUARD" monitor --once --store "$U" --issuer "$d/sct/ca.pem" --log "$url" \
   --log-key "$tmp/log.pub" --loglist "$d/ct3/loglist.json" --at 2025-04-01T00:00:00Z
   --format json)
expect_status 1 "${M[@]}"
expect_grep '"rule":"ct.precert.duplicate_serial"' "$tmp/out"
expect_grep '"rule":"ct.pair.validity_mismatch"' "$tmp/out"
[ "$(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$pg_schema_name'")" -gt 0 ] &&
  pass_ || fail_ "monitor made no table"
expect_eq "log state" "$(sql 'SELECT position, sth_size FROM log_state')" '8|8'
expect_status 0 "$CAGUARD" status --store "$U" --format json
expect_grep '"position": 8' "$tmp/out"
expect_status 1 "$CAGUARD" findings --store "$U" --format json --include ct.precert.duplicate_serial
expect_grep '"rule":"ct.precert.duplicate_serial"' "$tmp/out"
# Again: nothing new. An ingest into the monitor's store sees its objects.
expect_status 0 "${M[@]}"
expect_no_grep '"rule"' "$tmp/out"
expect_status 0 "$CAGUARD" ingest --store "$U" --at 2025-04-01T00:00:00Z "$d/ct3/clean_pre.pem"
expect_grep '1 object in 1 file ingested \(0 new\)' "$tmp/out"
finish
