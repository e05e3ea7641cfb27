# Helpers for the command-level tests. Each test script sources this, calls
# `ok`/`fail` through the assertions, and ends with `finish`.
set -u
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass_() { passed=$((passed + 1)); }
fail_() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_status WANT CMD...: runs CMD, stdout to $tmp/out, stderr to $tmp/err.
expect_status() {
  local want=$1; shift
  local got=0
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [ "$got" = "$want" ]; then pass_; else
    fail_ "exit $got, want $want: $*"; sed 's/^/  out: /' "$tmp/out" | head -20 >&2
    sed 's/^/  err: /' "$tmp/err" | head -10 >&2
  fi
}
# expect_grep PATTERN FILE
expect_grep() {
  if grep -qE -- "$1" "$2"; then pass_; else fail_ "no /$1/ in $2:"; head -20 "$2" >&2; fi
}
expect_no_grep() {
  if grep -qE -- "$1" "$2"; then fail_ "/$1/ found in $2"; else pass_; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
