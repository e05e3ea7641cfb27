#!/usr/bin/env bash
# A store this process may not write is still read (docs/store.md,
# "Read-only stores"): a copy on a read-only mount, a copy whose file and
# directory the user may not write, a copy whose write-ahead log holds the
# last commits (read through its -shm); one whose log cannot be read
# without write access is refused with what to do, never read stale. The
# commands that write say at once that the store is read-only. Each read
# is compared with the same command on the writable original.
. "$(dirname "$0")/lib.sh"
d=$CG_TEST_DATA
if [ "$(id -u)" -ne 0 ] && ! unshare -rm true 2>/dev/null; then
  echo "SKIPPED: needs root or user namespaces (unshare -rm) for a read-only mount"
  exit 77
fi

orig=$tmp/orig/s.db
mkdir -p "$tmp/orig"
"$CAGUARD" ingest --store "$orig" "$d"/ct/*.pem >/dev/null 2>&1
want() { "$CAGUARD" findings --store "$1" --format json | sort; }
want "$orig" >"$tmp/want"
[ -s "$tmp/want" ] && pass_ || fail_ "the original store has no findings"

# as_reader CMD...: CMD as a user who may not write the copies (root
# ignores file modes: nobody then).
as_reader() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
chmod 755 "$tmp"

# 1. A read-only mount (even root may not write there).
mkdir -p "$tmp/ro" "$tmp/mnt"
cp "$orig" "$tmp/ro/s.db"
if [ "$(id -u)" -eq 0 ]; then ns=(unshare -m); else ns=(unshare -rm); fi
"${ns[@]}" bash -c '
  mount --bind -o ro "$1/ro" "$1/mnt" || exit 9
  "$2" findings --store "$1/mnt/s.db" --format json >"$1/ro.out" 2>"$1/ro.err"
  echo $? >"$1/ro.rc"
  "$2" status --store "$1/mnt/s.db" >"$1/ro.status" 2>&1
  echo $? >"$1/ro.status.rc"
  "$2" ingest --store "$1/mnt/s.db" "$3" >"$1/ro.ingest" 2>&1
  echo $? >"$1/ro.ingest.rc"
  touch "$1/mnt/x" 2>/dev/null && echo writable >"$1/ro.rc"
' _ "$tmp" "$CAGUARD" "$d/ct/ca.pem"
expect_eq "findings on a read-only mount: exit" "$(cat "$tmp/ro.rc" 2>/dev/null)" 1
sort "$tmp/ro.out" >"$tmp/ro.sorted"
cmp -s "$tmp/want" "$tmp/ro.sorted" && pass_ || fail_ "findings differ on a read-only mount:
$(diff "$tmp/want" "$tmp/ro.sorted" | head -5; cat "$tmp/ro.err")"
expect_eq "status on a read-only mount: exit" "$(cat "$tmp/ro.status.rc")" 0
expect_eq "ingest into a read-only mount: exit" "$(cat "$tmp/ro.ingest.rc")" 2
expect_grep 'is read-only: this command writes to the store' "$tmp/ro.ingest"
[ ! -e "$tmp/ro/s.db-wal" ] && [ ! -e "$tmp/ro/s.db-shm" ] && pass_ ||
  fail_ "the read-only copy gained a -wal or -shm"

# 2. A chmod'ed copy in a directory the reader may not write.
mkdir -p "$tmp/mode"
cp "$orig" "$tmp/mode/s.db"
chmod 444 "$tmp/mode/s.db"
chmod 555 "$tmp/mode"
as_reader "$CAGUARD" findings --store "$tmp/mode/s.db" --format json >"$tmp/mode.out" \
  2>"$tmp/mode.err"
sort "$tmp/mode.out" >"$tmp/mode.sorted"
cmp -s "$tmp/want" "$tmp/mode.sorted" && pass_ || fail_ "findings differ on a chmod'ed copy:
$(diff "$tmp/want" "$tmp/mode.sorted" | head -5; cat "$tmp/mode.err")"
expect_status 2 as_reader "$CAGUARD" ingest --store "$tmp/mode/s.db" "$d/ct/ca.pem"
expect_grep 'is read-only: this command writes to the store' "$tmp/err"

# 3. The last commit still in the write-ahead log (a process stopped before
# SQLite checkpointed it): read from the log through its -shm; without the
# -shm the store is refused, not read as it was before that commit.
mkdir -p "$tmp/wal"
cp "$orig" "$tmp/wal/s.db"
/usr/bin/python3 - "$tmp/wal/s.db" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("UPDATE findings SET resolved_at = 1 WHERE id = (SELECT min(id) FROM findings)")
os._exit(0)  # no close: the commit stays in s.db-wal
EOF
[ -s "$tmp/wal/s.db-wal" ] && [ -e "$tmp/wal/s.db-shm" ] && pass_ ||
  fail_ "the test did not leave a write-ahead log"
"$CAGUARD" findings --store "$tmp/wal/s.db" --open --format json | sort >"$tmp/wal.want"
[ "$(wc -l <"$tmp/wal.want")" -eq $(($(wc -l <"$tmp/want") - 1)) ] && pass_ ||
  fail_ "the logged commit did not resolve one finding"
# The read above ran with write access: the log is checkpointed now, so the
# copies below get it again.
cp "$orig" "$tmp/wal/s.db"
rm -f "$tmp/wal/s.db-wal" "$tmp/wal/s.db-shm"
/usr/bin/python3 - "$tmp/wal/s.db" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("UPDATE findings SET resolved_at = 1 WHERE id = (SELECT min(id) FROM findings)")
os._exit(0)
EOF
chmod 444 "$tmp/wal"/s.db*
chmod 555 "$tmp/wal"
as_reader "$CAGUARD" findings --store "$tmp/wal/s.db" --open --format json >"$tmp/wal.out" \
  2>"$tmp/wal.err"
sort "$tmp/wal.out" >"$tmp/wal.sorted"
cmp -s "$tmp/wal.want" "$tmp/wal.sorted" && pass_ || fail_ "the logged commit was not read:
$(diff "$tmp/wal.want" "$tmp/wal.sorted" | head -5; cat "$tmp/wal.err")"
chmod 755 "$tmp/wal"
rm -f "$tmp/wal/s.db-shm"
chmod 555 "$tmp/wal"
expect_status 2 as_reader "$CAGUARD" findings --store "$tmp/wal/s.db"
expect_grep "its write-ahead log .*s.db-wal holds commits not yet in the file" "$tmp/err"
[ ! -s "$tmp/out" ] && pass_ || fail_ "findings printed from a store missing its last commit"

# 4. PostgreSQL, in a session that may not write (a hot standby, a role
# with SELECT alone): opening a store of the current schema only reads.
if [ -n "${CAGUARD_TEST_PG_URI:-}" ]; then
  pg_schema ro
  "$CAGUARD" ingest --store "$U" "$d"/ct/*.pem >/dev/null 2>&1
  want "$U" >"$tmp/pg.want"
  expect_eq "findings in PostgreSQL" "$(wc -l <"$tmp/pg.want")" "$(wc -l <"$tmp/want")"
  "$CAGUARD" findings --store "$RO" --format json >"$tmp/pg.out" 2>"$tmp/pg.err"
  sort "$tmp/pg.out" >"$tmp/pg.sorted"
  cmp -s "$tmp/pg.want" "$tmp/pg.sorted" && pass_ || fail_ "findings differ in a read-only session:
$(diff "$tmp/pg.want" "$tmp/pg.sorted" | head -5; cat "$tmp/pg.err")"
  expect_status 0 "$CAGUARD" status --store "$RO"
  expect_status 2 "$CAGUARD" ingest --store "$RO" "$d/ct/ca.pem"
  expect_grep 'read-only transaction' "$tmp/err"
else
  echo "PostgreSQL part not run: CAGUARD_TEST_PG_URI is not set"
fi

chmod -R u+w "$tmp"
finish
