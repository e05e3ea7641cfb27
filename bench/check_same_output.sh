#!/usr/bin/env bash
# Whether two caguard binaries say the same thing: `caguard check` over every
# directory of tests/data and tests/corpus and Debian's Mozilla roots (all
# regular files of a directory in one run), in text and JSON, at two
# evaluation times (--at 2025-06-01 and 2023-06-20), with and without the
# certificate profile (--no-br-profile), with the shipped log lists and with
# none (--no-default-loglists): 16 runs a directory. Standard output,
# standard error and the exit status of each run must be byte-identical
# (but for the path of the shipped log lists, which names each binary's
# source tree).
# For a change that must not move any finding (docs/performance.md, the
# profile-speed sections: a speed change is checked against the binary
# before it).
#
# usage: bench/check_same_output.sh OLD_CAGUARD NEW_CAGUARD
#   (each a caguard executable, e.g. a build of main and build/caguard)
# prints the runs, the lines compared and each difference; exits 1 when
# there is one, 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] && [ -x "$1" ] && [ -x "$2" ] || {
  echo "usage: bench/check_same_output.sh OLD_CAGUARD NEW_CAGUARD" >&2
  exit 2
}
old=$(realpath "$1") new=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dirs=()
while IFS= read -r d; do dirs+=("$d"); done < <(find "$root/tests/data" "$root/tests/corpus" -type d | sort)
[ -d /usr/share/ca-certificates/mozilla ] && dirs+=(/usr/share/ca-certificates/mozilla)
runs=0 lines=0 diffs=0
for d in "${dirs[@]}"; do
  files=()
  while IFS= read -r f; do files+=("$f"); done < <(find "$d" -maxdepth 1 -type f | sort)
  [ ${#files[@]} -gt 0 ] || continue
  for fmt in text json; do
    for at in 2025-06-01 2023-06-20; do
      for prof in --br-profile --no-br-profile; do
        for lists in default --no-default-loglists; do
          args=(check --format "$fmt" --color never --at "$at" "$prof")
          [ "$lists" = default ] || args+=("$lists")
          for which in old new; do
            bin=$old
            [ "$which" = old ] || bin=$new
            rc=0
            (cd "$d" && "$bin" "${args[@]}" "${files[@]}") >"$tmp/$which.out" 2>"$tmp/$which.err" || rc=$?
            echo "exit $rc" >>"$tmp/$which.err"
            # the shipped log lists are named by the path each build was made from
            sed -i 's#([^()]*/data/loglists)#(DATA/loglists)#g' "$tmp/$which.out" "$tmp/$which.err"
          done
          runs=$((runs + 1))
          lines=$((lines + $(cat "$tmp/old.out" "$tmp/old.err" | wc -l)))
          if ! cmp -s "$tmp/old.out" "$tmp/new.out" || ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
            diffs=$((diffs + 1))
            echo "DIFFERENT: ${d#"$root"/}: ${args[*]}"
            diff "$tmp/old.out" "$tmp/new.out" | head -20 || true
            diff "$tmp/old.err" "$tmp/new.err" | head -20 || true
          fi
        done
      done
    done
  done
done
echo "check_same_output: $runs runs over ${#dirs[@]} directories, $lines lines (stdout and stderr of" \
  "$old), $diffs different"
[ "$diffs" -eq 0 ]
