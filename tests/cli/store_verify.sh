#!/usr/bin/env bash
# caguard store verify (docs/store.md, "Verifying the stored bytes"): a
# store as ingest left it verifies clean; after stored bytes are damaged
# behind caguard's back, exactly the damaged rows are named, with the hash
# their bytes have now as Python's hashlib (SQLite) and PostgreSQL's own
# sha256() (PostgreSQL) compute it, exit status 1; a PostgreSQL
# object_keys row whose key is not its object's is named too; the command
# only reads (a read-only session verifies the same).
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA

expect_status 0 "$CAGUARD" store --help
expect_grep '^usage: caguard \[--store PATH_OR_URI\] store verify' "$tmp/out"
expect_status 2 "$CAGUARD" store verify --bogus
expect_status 2 "$CAGUARD" store verify extra
expect_status 2 "$CAGUARD" store nothing
expect_grep "unknown subcommand 'nothing'" "$tmp/err"
expect_status 2 "$CAGUARD" store verify --store "$tmp/missing.db"
[ ! -e "$tmp/missing.db" ] && pass_ || fail_ "verify made a store"

# SQLite.
db=$tmp/s.db
"$CAGUARD" ingest --store "$db" "$d"/ct/*.pem >/dev/null 2>&1
n=$(/usr/bin/python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM objects").fetchone()[0])' "$db")
expect_status 0 "$CAGUARD" store verify --store "$db"
expect_grep "^$n stored rows re-hashed: $n match, 0 do not$" "$tmp/out"
# Two objects damaged: one byte flipped, one cut short.
/usr/bin/python3 - "$db" >"$tmp/damaged" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM objects ORDER BY id")]
a, b = ids[1], ids[-1]
der = bytearray(db.execute("SELECT der FROM objects WHERE id = ?", (a,)).fetchone()[0])
der[len(der) // 2] ^= 0x01
db.execute("UPDATE objects SET der = ? WHERE id = ?", (bytes(der), a))
db.execute("UPDATE objects SET der = substr(der, 1, 100) WHERE id = ?", (b,))
db.commit()
for i in (a, b):
    sha, der = db.execute("SELECT sha256, der FROM objects WHERE id = ?", (i,)).fetchone()
    print(i, sha.hex(), hashlib.sha256(der).hexdigest())
EOF
expect_status 1 "$CAGUARD" store verify --store "$db" --format json
expect_eq "mismatches named" "$(grep -c '"table":"objects"' "$tmp/out")" 2
while read -r id stored actual; do
  expect_grep "^\{\"table\":\"objects\",\"id\":$id,\"stored_sha256\":\"$stored\",\"actual_sha256\":\"$actual\",\"kind\":\"[a-z]+\",\"file\":\"[^\"]+\",\"index\":0\}$" "$tmp/out"
done <"$tmp/damaged"
expect_grep "^\{\"checked\":$n,\"mismatched\":2\}$" "$tmp/out"
expect_status 1 "$CAGUARD" store verify --store "$db"
expect_grep "^objects $(head -1 "$tmp/damaged" | cut -d' ' -f1): [a-z]+ file \".*\" #0: kept under SHA-256 [0-9a-f]{64}, its bytes hash to [0-9a-f]{64}$" "$tmp/out"
expect_grep "^$n stored rows re-hashed: $((n - 2)) match, 2 do not$" "$tmp/out"
# --quiet: nothing printed, the exit status says it.
expect_status 1 "$CAGUARD" store verify --store "$db" --quiet
expect_eq "store verify --quiet output" "$(wc -c <"$tmp/out")" 0
# A hostile file name is shown escaped (util/escape.h: ESC, BEL, U+202E
# as \XX), never raw.
evil=$tmp/$'le\e]52;c;cHduZWQ=\aaf\xe2\x80\xaemep.pem'
cp "$(ls "$d"/ct/*.pem | head -1)" "$evil"
"$CAGUARD" ingest --store "$tmp/e.db" "$evil" >/dev/null 2>&1
/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE objects SET der = substr(der, 1, 100)")
db.commit()' "$tmp/e.db"
expect_status 1 "$CAGUARD" store verify --store "$tmp/e.db"
expect_grep 'file ".*/le\\1B\]52;c;cHduZWQ=\\07af\\E2\\80\\AEmep\.pem" #0: kept under' "$tmp/out"
expect_no_grep $'[\e\a]' "$tmp/out"
expect_status 1 "$CAGUARD" store verify --store "$tmp/e.db" --format json
expect_grep '"file":".*/le\\u001B\]52;c;cHduZWQ=\\u0007af' "$tmp/out"

# PostgreSQL.
if [ -z "${CAGUARD_TEST_PG_URI:-}" ]; then
  echo "PostgreSQL part not run: CAGUARD_TEST_PG_URI is not set"
  finish
  exit
fi
pg_schema verify
sql() { psql "$U" -AtXqc "$1"; }
"$CAGUARD" ingest --store "$U" "$d"/ct/*.pem >/dev/null 2>&1
expect_eq "objects in PostgreSQL" "$(sql 'SELECT count(*) FROM objects')" "$n"
expect_status 0 "$CAGUARD" store verify --store "$U"
expect_grep "^$((2 * n)) stored rows re-hashed: $((2 * n)) match, 0 do not$" "$tmp/out"
a=$(sql 'SELECT min(id) FROM objects')
b=$(sql 'SELECT max(id) FROM objects')
sql "UPDATE objects SET der = overlay(der PLACING '\\x00'::bytea FROM 60 FOR 1) WHERE id = $a"
# (Foreign keys off for this session: damage done behind the store's back.)
sql "SET session_replication_role = replica;
  UPDATE object_keys SET sha256 = sha256('not this object'::bytea) WHERE id = $b"
want_a="$a $(sql "SELECT encode(sha256, 'hex') || ' ' || encode(sha256(der), 'hex') FROM objects WHERE id = $a")"
want_b="$b $(sql "SELECT encode(k.sha256, 'hex') || ' ' || encode(o.sha256, 'hex') FROM object_keys k JOIN objects o USING (id) WHERE k.id = $b")"
for store in "$U" "$RO"; do
  expect_status 1 "$CAGUARD" store verify --store "$store" --format json
  expect_eq "PostgreSQL mismatches" "$(grep -c '"table"' "$tmp/out")" 2
  set -- $want_a
  expect_grep "^\{\"table\":\"objects\",\"id\":$1,\"stored_sha256\":\"$2\",\"actual_sha256\":\"$3\"," "$tmp/out"
  set -- $want_b
  expect_grep "^\{\"table\":\"object_keys\",\"id\":$1,\"stored_sha256\":\"$2\",\"actual_sha256\":\"$3\"," "$tmp/out"
  expect_grep "^\{\"checked\":$((2 * n)),\"mismatched\":2\}$" "$tmp/out"
done
finish
