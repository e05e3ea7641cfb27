#!/usr/bin/env bash
# caguard status --check, the Nagios plugin: a store with a log followed by
# caguard monitor (caguard-testlog on loopback) and a CRL source. OK while
# the thresholds hold; WARNING (1) and CRITICAL (2) as the tree head ages
# past --lag-warning and --lag-critical, as the store's position falls
# behind (--lag-entries-*), as the CRL passes its nextUpdate
# (--crl-stale-*); UNKNOWN (3) for a usage error, a missing store, a store
# that follows nothing. The output is one summary line with performance data
# after '|', then a line per problem, URLs without their passwords.
. "$(dirname "$0")/lib.sh"
db=$tmp/s.db
sq() { sqlite3 "$db" "$1"; }
build_seed_log "$tmp/log"
start_server "$tmp/log"
logurl=${url/http:\/\//http://ops:Secr3t-x@}
expect_status 1 "$CAGUARD" --store "$db" monitor --log "$logurl" --log-key "$tmp/log.pub" \
  --all-issuers --once --quiet
# A CRL source as the monitor records it (the CRL watcher's own tests fetch
# real ones): its latest CRL's nextUpdate an hour ahead.
now=$(date +%s)
sq "INSERT INTO crl_sources (url, is_list, issuer_label, origin, last_fetch, last_change,
      http_code, status, this_update, next_update, entries, failures, crl_sha256)
    VALUES ('http://crl:pw-Secr3t@127.0.0.1:1/ca.crl', 0, 'ca', 'config', $now, $now, 200,
      '200 new CRL', $((now - 60)), $((now + 3600)), 0, 0, zeroblob(32))"

check() { expect_status "$1" "$CAGUARD" --store "$db" status --check "${@:2}"; }
check 0
expect_grep '^CAGUARD OK - 1 log, 1 CRL source \| logs=1;; crls=1;; log_lag_seconds=[0-9]+s;3600;86400 log_lag_entries=0;; crl_stale_seconds=0s;0;3600$' "$tmp/out"
[ "$(wc -l <"$tmp/out")" = 1 ] && pass_ || fail_ "lines besides the summary: $(cat "$tmp/out")"

# The tree head ages: past the warning, past the critical threshold.
sleep 2
check 1 --lag-warning 1
expect_grep '^CAGUARD WARNING - 1 log \(0 critical, 1 warning\), 1 CRL source \|' "$tmp/out"
expect_grep "^WARNING: log http://ops:\*\*\*@127\.0\.0\.1:[0-9]+/?: tree head [0-9]+ s old \(warning over 1 s\)$" "$tmp/out"
check 2 --lag-warning 0 --lag-critical 1
expect_grep '^CAGUARD CRITICAL - 1 log \(1 critical, 0 warning\)' "$tmp/out"
expect_grep 'log_lag_seconds=[0-9]+s;0;1 ' "$tmp/out"

# The store's position behind its tree head.
sq "UPDATE log_state SET position = position - 5"
check 0
check 1 --lag-entries-warning 4
expect_grep '^WARNING: log .*: 5 entries behind \(warning over 4\)$' "$tmp/out"
expect_grep 'log_lag_entries=5;4;' "$tmp/out"
check 2 --lag-entries-warning 1 --lag-entries-critical 4
sq "UPDATE log_state SET position = position + 5"

# The CRL goes stale: a warning at once, critical past --crl-stale-critical.
sq "UPDATE crl_sources SET next_update = $(($(date +%s) - 100))"
check 1
expect_grep '^WARNING: CRL http://crl:\*\*\*@127\.0\.0\.1:1/ca\.crl: stale: nextUpdate passed [0-9]+ s ago$' "$tmp/out"
check 2 --crl-stale-critical 50
expect_grep 'crl_stale_seconds=[0-9]+s;0;50$' "$tmp/out"
check 1 --crl-stale-warning 10000 --crl-stale-critical 20000
sq "UPDATE crl_sources SET failures = 3"
check 1
expect_grep 'its fetches are failing' "$tmp/out"
# Both at once: the worst wins, every problem listed.
check 2 --lag-critical 0
[ "$(grep -c '^\(WARNING\|CRITICAL\): ' "$tmp/out")" = 2 ] && pass_ || fail_ "two problem lines: $(cat "$tmp/out")"
expect_no_grep 'Secr3t' "$tmp/out"

# UNKNOWN: nothing monitored, no store, usage errors (before or after --check).
expect_status 0 "$CAGUARD" --store "$tmp/empty.db" ingest "$CG_TEST_DATA/sct/ca.pem"
expect_status 3 "$CAGUARD" --store "$tmp/empty.db" status --check
expect_grep '^CAGUARD UNKNOWN - nothing monitored' "$tmp/out"
expect_status 3 "$CAGUARD" --store "$tmp/none.db" status --check
expect_grep '^CAGUARD UNKNOWN - ' "$tmp/out"
expect_status 3 "$CAGUARD" --store "$db" status --lag-warning -1 --check
expect_status 3 "$CAGUARD" --store "$db" status --check --format json
expect_status 2 "$CAGUARD" --store "$db" status --lag-warning 5
expect_grep 'need --check' "$tmp/err"
finish
