#!/usr/bin/env bash
# Bad input gets input.malformed naming file, object, offset and what was
# expected; exit status 2; bounded time and memory; other inputs still checked.
. "$(dirname "$0")/lib.sh"

printf '' >"$tmp/empty.pem"
head -c 3000 /dev/urandom | tr -d '\060' >"$tmp/garbage.bin"   # no 0x30: read as text
printf '\x30\x84\x7f\xff\xff\xff' >"$tmp/hugelen.der"
printf '\x30\x80\x02\x01\x05' >"$tmp/indef-noeoc.der"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(b"\x30\x80"*10000 + b"\x00\x00"*10000)' \
  >"$tmp/deep.der"
/usr/bin/python3 - "$tmp/deep-definite.der" <<'PY'
import sys
body = b""
for _ in range(10000):
    n = len(body)
    if n < 128: hdr = bytes([0x30, n])
    else:
        l = n.to_bytes((n.bit_length() + 7) // 8, "big"); hdr = bytes([0x30, 0x80 | len(l)]) + l
    body = hdr + body
open(sys.argv[1], "wb").write(body)
PY
good="$CG_TEST_DATA/le2023/good/final.pem"
head -c 1000 "$good" >"$tmp/nonend.pem"                      # PEM with no END line
sed '5s/./*/' "$good" >"$tmp/badb64.pem"                      # bad base64 on line 5
/usr/bin/python3 - "$good" "$tmp/truncated.der" <<'PY'
import base64, sys
t = open(sys.argv[1]).read()
b = base64.b64decode("".join(l for l in t.splitlines() if not l.startswith("-----")))
open(sys.argv[2], "wb").write(b[:len(b) // 2])
PY

# Bounded memory: 1 GB of address space, except under ASan, whose shadow
# memory needs far more address space than it uses.
limit="ulimit -v 1000000;"
[ "${CG_SANITIZED:-0}" = 1 ] && limit=""
for f in empty.pem garbage.bin hugelen.der indef-noeoc.der deep.der deep-definite.der \
         nonend.pem badb64.pem truncated.der; do
  expect_status 2 timeout 10 bash -c "$limit exec \"\$0\" check --format json \"\$1\"" \
    "$CAGUARD" "$tmp/$f"
  expect_grep '"rule":"input.malformed"' "$tmp/out"
  expect_grep "\"file\":\"$tmp/$f\"" "$tmp/out"
  expect_grep '"object":null' "$tmp/out"
  expect_grep 'offset [0-9]+: expected ' "$tmp/out"
  expect_grep "object 0" "$tmp/out"
  # JSON Lines only: every stdout line parses.
  expect_status 0 /usr/bin/python3 -c \
    'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/out"
done
# What each names.
"$CAGUARD" check --format json "$tmp/hugelen.der" >"$tmp/o" || true
expect_grep 'DER byte offset 0: expected a tag and length within the input' "$tmp/o"
"$CAGUARD" check --format json "$tmp/deep.der" >"$tmp/o" || true
expect_grep 'nesting' "$tmp/o"
"$CAGUARD" check --format json "$tmp/nonend.pem" >"$tmp/o" || true
expect_grep 'END CERTIFICATE' "$tmp/o"
"$CAGUARD" check --format json "$tmp/badb64.pem" >"$tmp/o" || true
expect_grep 'base64 character.*line 5' "$tmp/o"
"$CAGUARD" check --format json "$tmp/empty.pem" >"$tmp/o" || true
expect_grep 'empty file' "$tmp/o"

# A missing file is a usage error on stderr (one line, no finding), and the
# other inputs are still checked.
expect_status 2 "$CAGUARD" check --format json "$tmp/nonexistent.pem" "$tmp/badb64.pem" \
  "$CG_TEST_DATA/zlint/precert_with_sct_list_ko.pem"
expect_grep "^caguard check: cannot open .*nonexistent.pem: No such file or directory \(see 'caguard check --help'\)$" "$tmp/err"
expect_eq "lines about it on stderr" "$(grep -c nonexistent "$tmp/err")" 1
expect_no_grep 'nonexistent' "$tmp/out"
expect_grep '"rule":"input.malformed".*badb64.pem' "$tmp/out"
expect_grep '"rule":"ct.precert.sct_list_present"' "$tmp/out"
expect_status 2 "$CAGUARD" check "$tmp/nonexistent.pem"
expect_eq "stdout of a check of no readable file" "$(grep -c nonexistent "$tmp/out")" 0

# A mistyped option or command: one line, with what was meant.
expect_status 2 "$CAGUARD" check --fromat json "$tmp/badb64.pem"
expect_eq "usage error" "$(cat "$tmp/err")" \
  "caguard check: unknown option '--fromat'; did you mean --format? (see 'caguard check --help')"
expect_status 2 "$CAGUARD" check --no-defaults-loglist "$tmp/badb64.pem"
expect_grep "did you mean --no-default-loglists\?" "$tmp/err"
expect_status 2 "$CAGUARD" check --at
expect_eq "usage error" "$(cat "$tmp/err")" \
  "caguard check: --at needs a value (see 'caguard check --help')"
expect_status 2 "$CAGUARD" check --zzzzzz "$tmp/badb64.pem"
expect_eq "usage error" "$(cat "$tmp/err")" \
  "caguard check: unknown option '--zzzzzz' (see 'caguard check --help')"
expect_status 2 "$CAGUARD" chek "$tmp/badb64.pem"
expect_eq "usage error" "$(cat "$tmp/err")" \
  "caguard: unknown command 'chek'; did you mean 'check'? (see 'caguard --help')"
expect_status 0 "$CAGUARD" check --at 2023-06-20 --format json "$CG_TEST_DATA/le2023/r3.pem"
expect_status 0 "$CAGUARD" check --at now --format json "$CG_TEST_DATA/le2023/r3.pem"
expect_status 2 "$CAGUARD" check --at 2023-06-31 "$CG_TEST_DATA/le2023/r3.pem"
expect_grep "'2023-06-31' is not a date or time" "$tmp/err"

# Text output names the problem too, and says the object could not be decoded.
expect_status 2 "$CAGUARD" check --color never "$tmp/truncated.der"
expect_grep 'input.malformed' "$tmp/out"

# Trailing bytes after a DER object.
/usr/bin/python3 - "$good" "$tmp/trailing.der" <<'PY'
import base64, sys
t = open(sys.argv[1]).read()
b = base64.b64decode("".join(l for l in t.splitlines() if not l.startswith("-----")))
open(sys.argv[2], "wb").write(b + b"\x00\x00junk")
PY
expect_status 1 "$CAGUARD" check --format json "$tmp/trailing.der"
expect_grep '"rule":"input.trailing_data".*6 bytes after' "$tmp/out"

# BER that is not DER: a non-minimal length in the outer SEQUENCE.
/usr/bin/python3 - "$good" "$tmp/ber.der" <<'PY'
import base64, sys
t = open(sys.argv[1]).read()
b = base64.b64decode("".join(l for l in t.splitlines() if not l.startswith("-----")))
assert b[1] == 0x82
open(sys.argv[2], "wb").write(bytes([0x30, 0x83, 0]) + b[2:])
PY
expect_status 1 "$CAGUARD" check --format json "$tmp/ber.der"
expect_grep '"rule":"der.noncanonical".*offset 0: minimal length' "$tmp/out"

# A DEFAULT written out (critical FALSE): parses, but is not DER.
expect_status 1 "$CAGUARD" check --format json "$CG_TEST_DATA/ct3/tbs_ext_encoding_final.pem"
expect_grep '"rule":"der.noncanonical".*extension 2.5.29.37 writes out critical FALSE' "$tmp/out"

# Input without end: check, ingest and incident lint stop at the input limit
# (256 MiB) with a message and exit 2, instead of reading /dev/zero until
# memory runs out; a regular file past the limit is refused unread.
expect_status 2 "$CAGUARD" check /dev/zero
expect_grep "^caguard check: /dev/zero is larger than 256 MiB, the input limit \(see 'caguard check --help'\)$" "$tmp/err"
expect_status 2 "$CAGUARD" --store "$tmp/zero.db" ingest /dev/zero
expect_grep 'input\.malformed: /dev/zero is larger than 256 MiB, the input limit' "$tmp/out"
expect_status 2 "$CAGUARD" incident lint /dev/zero
expect_grep '^caguard incident lint: /dev/zero is larger than 256 MiB, the input limit$' "$tmp/err"
truncate -s 300M "$tmp/sparse.pem"
expect_status 2 "$CAGUARD" check "$tmp/sparse.pem"
expect_grep 'sparse\.pem is larger than 256 MiB, the input limit' "$tmp/err"

# Output that cannot be written (a full disk) is exit 2 with a message, never
# 0 or 1: also for ingest, whose stdout is line-buffered (each line's write
# fails as it goes, and the flush at the end has nothing left to fail on).
for cmd in check "--store $tmp/full.db ingest"; do
  got=0
  # shellcheck disable=SC2086
  "$CAGUARD" $cmd "$CG_TEST_DATA/ct3/clean_final.pem" >/dev/full 2>"$tmp/err" || got=$?
  expect_eq "$cmd to a full disk: exit status" "$got" 2
  expect_grep "^caguard ${cmd##* }: cannot write output\$" "$tmp/err"
done
finish
