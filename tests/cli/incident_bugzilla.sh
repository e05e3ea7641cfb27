#!/usr/bin/env bash
# caguard incident link / sync against a local server answering as
# Bugzilla's REST API does (tests/cli/bugzilla_server.py, serving the
# answers recorded in tests/data/bugzilla from Bugzilla's REST API
# documentation): a question unanswered for 8 days gives
# incident.question_unanswered, an answered one does not, a passed "Next
# update" date gives incident.update_missed; a second sync takes nothing in
# twice; --from-json reads the same answers offline; a 404, an answer that
# is not JSON, an HTML error page and a huge answer are refused (exit 2)
# with nothing stored. On SQLite, and on PostgreSQL when
# CAGUARD_TEST_PG_URI is set (scripts/test sets it).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA/bugzilla
bzpid=
pg_schema=
cleanup() {
  [ -n "$bzpid" ] && kill "$bzpid" 2>/dev/null && wait "$bzpid" 2>/dev/null
  if [ -n "$pg_schema" ] && [ "$failed" -eq 0 ]; then
    psql "$CAGUARD_TEST_PG_URI" -qc "DROP SCHEMA IF EXISTS $pg_schema CASCADE" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The served bugs: the recorded ones, and broken answers.
srv=$tmp/srv
mkdir -p "$srv/1900001" "$srv/1900002" "$srv/1900003" "$srv/1900004" "$srv/1900010" "$srv/1900011"
cp "$d/unanswered/"*.json "$srv/1900001/"
cp "$d/answered/"*.json "$srv/1900002/"
cp "$d/next_update_passed/"*.json "$srv/1900003/"
# A security bug: the unanswered thread as bug 1900004, seen only with its
# API key.
for f in bug comment; do sed 's/1900001/1900004/g' "$d/unanswered/$f.json" >"$srv/1900004/$f.json"; done
key=Qm9HGd3kTz7WcXb2LsV8nRf4pYa1Ej6uKo0iZtN5
printf '%s\n' "$key" >"$srv/1900004/api_key"
printf '{"bugs": [{"id": 1900010, "whiteboard": ""' >"$srv/1900010/bug.json" # cut short
cp "$srv/1900010/bug.json" "$srv/1900010/comment.json"
printf '<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head></html>\n' \
  >"$srv/1900011/bug.json"
cp "$srv/1900011/bug.json" "$srv/1900011/comment.json"
touch "$srv/1900011/html"
/usr/bin/python3 "$CG_SOURCE_DIR/tests/cli/bugzilla_server.py" "$srv" >"$tmp/bz.out" 2>"$tmp/bz.err" &
bzpid=$!
for _ in $(seq 600); do
  grep -q '^listening on ' "$tmp/bz.out" && break
  sleep 0.05
done
bz=http://$(sed -n '1s/^listening on //p' "$tmp/bz.out")
[ "$bz" != http:// ] || { echo "the Bugzilla stand-in did not start" >&2; cat "$tmp/bz.err" >&2; exit 1; }

run_suite() {
  local db=$1
  inc() { "$CAGUARD" --store "$db" incident "$@"; }
  # what the store holds of the incidents' handling: events and bugs
  events() { inc show "$1" | grep -c 'Bugzilla comment' || true; }

  for n in 1 2 3 4 5 6 7; do
    expect_status 0 inc open --kind misissuance --reported-at 2026-10-31T12:00:00Z \
      --title "Bugzilla thread $n"
  done

  # link: the URL forms, the CA's accounts; bad input refused, nothing stored
  expect_status 0 inc link 1 --bug "$bz/show_bug.cgi?id=1900001" --ca-account compliance@ca.example
  expect_grep '^incident 1: followed on bug 1900001 ' "$tmp/out"
  expect_status 2 inc link 1 --bug "ftp://example/1"
  expect_grep 'is not a Bugzilla bug URL' "$tmp/err"
  expect_status 2 inc link 1 --bug "$bz/1900001" --ca-account not-an-address
  expect_grep "ca-account 'not-an-address' is not a Bugzilla login" "$tmp/err"
  expect_status 2 inc link 99 --bug "$bz/1900001"
  expect_grep 'no incident 99' "$tmp/err"
  expect_status 2 inc link 1
  expect_grep 'bug URL is required' "$tmp/err"

  # A question unanswered for 8 days.
  expect_status 1 inc sync 1 --at 2026-11-18T09:00:00Z
  expect_grep '^incident 1: bug 1900001: 3 comments, 3 new \(1 by others than the CA\)$' "$tmp/out"
  expect_grep 'incident\.question_unanswered' "$tmp/out"
  expect_grep 'the question of 2026-11-10T09:00:00Z \(Bugzilla comment #2 by root-program@example.org\) has had no CA comment after it for 8 days' "$tmp/out"
  expect_grep 'incident\.update_missed' "$tmp/out"
  expect_eq "events after the first sync" "$(events 1)" 3
  # Again: nothing taken in twice; a day earlier the question is in time.
  expect_status 1 inc sync 1 --at 2026-11-17T08:00:00Z
  expect_grep '3 comments, 0 new' "$tmp/out"
  expect_no_grep 'question_unanswered' "$tmp/out"
  expect_eq "events after the second sync" "$(events 1)" 3
  # incident status judges the stored thread too.
  expect_status 1 inc status 1 --at 2026-11-18T09:00:00Z
  expect_grep 'incident\.question_unanswered' "$tmp/out"

  # The monitor judges it itself as it syncs (its now: the question of
  # 2026-11-10 has waited far more than 7 days): stored with incident 1,
  # printed and alerted once; a second pass says nothing new; the CA's
  # answer, taken in by a later sync, resolves it.
  mon() {
    "$CAGUARD" --store "$db" monitor --issuer "$CG_TEST_DATA/incident/store/ca.pem" \
      --crl-url "$bz/ca.crl" --once --bugzilla-sync 60 --ca-account compliance@ca.example \
      --alert-jsonl "$tmp/alerts.jsonl" "$@"
  }
  rm -f "$tmp/alerts.jsonl"
  mon >"$tmp/mon1.out" 2>"$tmp/mon1.err"
  expect_grep 'incident\.question_unanswered.*the question of 2026-11-10T09:00:00Z \(Bugzilla comment #2 by root-program@example.org\) has had no CA comment after it' "$tmp/mon1.out"
  expect_grep '"rule":"incident\.question_unanswered".*"incident":1' "$tmp/alerts.jsonl"
  expect_eq "alerts after the first pass" "$(grep -c question_unanswered "$tmp/alerts.jsonl")" 1
  expect_status 1 "$CAGUARD" --store "$db" findings --open --incident 1 --rule incident.question_unanswered --format json
  expect_grep '"status":"open"' "$tmp/out"
  mon >"$tmp/mon2.out" 2>"$tmp/mon2.err"
  expect_no_grep 'question_unanswered' "$tmp/mon2.out"
  expect_eq "alerts after the second pass" "$(grep -c question_unanswered "$tmp/alerts.jsonl")" 1
  cp "$srv/1900001/comment.json" "$tmp/comment-1900001.json"
  /usr/bin/python3 - "$srv/1900001/comment.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
c = d["bugs"]["1900001"]["comments"]
c.append(dict(c[-1], id=17000004, count=3, creator="compliance@ca.example",
              time="2026-11-19T10:00:00Z", creation_time="2026-11-19T10:00:00Z",
              text="The precertificates of 2026-10-28 are now in scope."))
json.dump(d, open(p, "w"), indent=2)
PY
  mon >"$tmp/mon3.out" 2>"$tmp/mon3.err"
  expect_no_grep 'question_unanswered' "$tmp/mon3.out"
  expect_status 0 "$CAGUARD" --store "$db" findings --incident 1 --rule incident.question_unanswered --format json
  expect_grep '"status":"resolved"' "$tmp/out"
  expect_no_grep '"status":"open"' "$tmp/out"
  cp "$tmp/comment-1900001.json" "$srv/1900001/comment.json"

  # The answered thread, its Whiteboard's Next update date; the CA's account
  # from the configuration's [ccadb] ca_accounts.
  printf '[ccadb]\nca_accounts = compliance@ca.example\n' >"$tmp/caguard.conf"
  expect_status 0 inc link 2 --bug "$bz/1900002"
  expect_status 0 inc sync 2 --config "$tmp/caguard.conf" --at 2026-11-20T09:00:00Z
  expect_grep '4 comments, 4 new \(1 by others than the CA\); Whiteboard: next update by 2026-12-10T23:59:59Z' "$tmp/out"
  expect_no_grep 'question_unanswered|update_missed|update_overdue' "$tmp/out"
  expect_status 0 inc show 2
  expect_grep 'next update +2026-12-10T23:59:59Z' "$tmp/out"

  # The Next update date passed with no update.
  expect_status 0 inc link 3 --bug "$bz/1900003" --ca-account COMPLIANCE@ca.example
  expect_status 1 inc sync 3 --at 2026-12-12T00:00:00Z --format json
  expect_grep '"rule": ?"incident\.update_missed"' "$tmp/out"
  expect_no_grep 'question_unanswered' "$tmp/out"

  # Offline: the same answers from a directory.
  expect_status 0 inc link 4 --bug "https://bugzilla.example/show_bug.cgi?id=1900001" \
    --ca-account compliance@ca.example
  expect_status 1 inc sync 4 --from-json "$d/unanswered" --at 2026-11-18T09:00:00Z
  expect_grep '3 comments, 3 new' "$tmp/out"
  expect_grep 'question_unanswered' "$tmp/out"
  expect_status 2 inc sync 4 --from-json "$d/answered"
  expect_grep 'does not hold bug 1900001' "$tmp/err"
  expect_status 2 inc sync --from-json "$d/answered"
  expect_grep 'give the incident ID' "$tmp/err"

  # Bad answers: exit 2, a clear message, nothing stored.
  expect_status 0 inc link 5 --bug "$bz/show_bug.cgi?id=1900404"
  expect_status 2 inc sync 5
  expect_grep 'HTTP 404|404' "$tmp/err"
  expect_grep 'nothing stored' "$tmp/err"
  expect_eq "events after a 404" "$(events 5)" 0
  expect_status 0 inc link 6 --bug "$bz/show_bug.cgi?id=1900010"
  expect_status 2 inc sync 6
  expect_grep 'bug\.json: not JSON' "$tmp/err"
  expect_eq "events after invalid JSON" "$(events 6)" 0
  expect_status 0 inc link 7 --bug "$bz/show_bug.cgi?id=1900011"
  expect_status 2 inc sync 7
  expect_grep 'an HTML page, not Bugzilla.s JSON answer' "$tmp/err"
  expect_eq "events after an HTML page" "$(events 7)" 0
  expect_status 0 inc link 7 --bug "$bz/show_bug.cgi?id=1999999"
  expect_status 2 inc sync 7
  expect_grep 'nothing stored' "$tmp/err"
  expect_eq "events after a huge answer" "$(events 7)" 0

  # sync with no ID: every linked bug; the broken ones are said, the others
  # synced (exit 2: not everything could be read).
  expect_status 2 inc sync --at 2026-11-18T09:00:00Z
  expect_grep '^incident 1: bug 1900001: 3 comments, 0 new' "$tmp/out"
  expect_grep '^incident 2: bug 1900002' "$tmp/out"
  expect_grep 'incident 5: .*404' "$tmp/err"

  # A private bug: without its API key Bugzilla answers 401 (nothing
  # stored, exit 2); with --api-key-file the key goes in the
  # X-BUGZILLA-API-KEY header, never in the URL, never printed.
  expect_status 0 inc open --kind misissuance --reported-at 2026-10-31T12:00:00Z --title private
  p8=$(head -1 "$tmp/out")
  expect_status 0 inc link "$p8" --bug "$bz/show_bug.cgi?id=1900004" --ca-account compliance@ca.example
  expect_status 2 inc sync "$p8"
  expect_grep 'HTTP 401' "$tmp/err"
  expect_eq "events of the private bug without its key" "$(events "$p8")" 0
  printf 'WrongKey0000000000000000000000000000000\n' >"$tmp/wrong.key"
  expect_status 2 inc sync "$p8" --api-key-file "$tmp/wrong.key"
  expect_grep 'HTTP 401' "$tmp/err"
  printf '  %s\n\n' "$key" >"$tmp/bz.key"
  expect_status 1 inc sync "$p8" --api-key-file "$tmp/bz.key" --at 2026-11-18T09:00:00Z
  expect_grep "^incident $p8: bug 1900004: 3 comments, 3 new" "$tmp/out"
  expect_grep 'incident\.question_unanswered' "$tmp/out"
  expect_grep '^GET /rest/bug/1900004 key$' "$tmp/bz.out"
  expect_grep '^GET /rest/bug/1900004/comment key$' "$tmp/bz.out"
  expect_no_grep "$key" "$tmp/bz.out"
  cat "$tmp/out" "$tmp/err" >"$tmp/said"
  expect_no_grep "$key" "$tmp/said"
  # A key file that holds no key: refused before anything is read.
  : >"$tmp/empty.key"
  expect_status 2 inc sync "$p8" --api-key-file "$tmp/empty.key"
  expect_grep 'API key file .*empty.key: empty' "$tmp/err"
  printf 'secret with-space\n' >"$tmp/bad.key"
  expect_status 2 inc sync "$p8" --api-key-file "$tmp/bad.key"
  expect_grep 'not a Bugzilla API key' "$tmp/err"
  expect_no_grep 'secret' "$tmp/err"
  expect_status 2 inc sync "$p8" --api-key-file "$tmp/none.key"
  expect_grep 'API key file .*none.key: No such file' "$tmp/err"
}

run_suite "$tmp/bz.db"

# The monitor's syncs with the key (--bugzilla-api-key-file, or [incidents]
# bugzilla_api_key_file of --config): the private bug read, its unanswered
# question judged, the key never shown; a bad key file refused at start.
k=$tmp/key.db
expect_status 0 "$CAGUARD" --store "$k" incident open --kind misissuance --reported-at 2026-10-31T12:00:00Z
expect_status 0 "$CAGUARD" --store "$k" incident link 1 --bug "$bz/1900004" --ca-account compliance@ca.example
kmon() {
  "$CAGUARD" --store "$k" monitor --issuer "$CG_TEST_DATA/incident/store/ca.pem" \
    --crl-url "$bz/ca.crl" --once --bugzilla-sync 60 "$@"
}
before=$(grep -c '^GET /rest/bug/1900004/comment key$' "$tmp/bz.out")
printf '[incidents]\nbugzilla_api_key_file = %s\n' "$tmp/bz.key" >"$tmp/key.conf"
kmon --config "$tmp/key.conf" >"$tmp/kmon.out" 2>"$tmp/kmon.err"
expect_grep 'incident\.question_unanswered.*Bugzilla comment #2 by root-program@example.org' "$tmp/kmon.out"
expect_eq "keyed comment requests by the monitor" \
  "$(grep -c '^GET /rest/bug/1900004/comment key$' "$tmp/bz.out")" $((before + 1))
cat "$tmp/kmon.out" "$tmp/kmon.err" >"$tmp/ksaid"
expect_no_grep "$key" "$tmp/ksaid"
expect_status 2 kmon --bugzilla-api-key-file "$tmp/bad.key"
expect_grep 'not a Bugzilla API key' "$tmp/err"
expect_no_grep 'secret' "$tmp/err"
if [ -n "${CAGUARD_TEST_PG_URI:-}" ]; then
  pg_schema=cgbz_$$
  sep='?'
  case $CAGUARD_TEST_PG_URI in *\?*) sep='&' ;; esac
  psql "$CAGUARD_TEST_PG_URI" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $pg_schema CASCADE; CREATE SCHEMA $pg_schema" ||
    fail_ "cannot make schema $pg_schema"
  run_suite "$CAGUARD_TEST_PG_URI${sep}options=-csearch_path%3D$pg_schema"
else
  echo "note: CAGUARD_TEST_PG_URI is not set: the PostgreSQL run is left out (scripts/test sets it)"
fi
finish
