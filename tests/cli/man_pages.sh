#!/usr/bin/env bash
# Man pages (man/*.scd, one per command and one for the config file): every
# command that `caguard --help` lists has its page, the page names every
# --option of the command's --help, every page renders with scdoc and man
# reads it without a warning. man/README.md says how to add a page.
. "$(dirname "$0")/lib.sh"
man_dir=$CG_SOURCE_DIR/man
if ! command -v scdoc >/dev/null; then
  echo "SKIPPED: no scdoc (scripts/install-deps installs it)"
  exit 77
fi
cmds=$("$CAGUARD" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] && pass_ || fail_ "no command in caguard --help"
for c in $cmds; do
  page=$man_dir/caguard-$c.1.scd
  if [ ! -f "$page" ]; then
    fail_ "caguard $c has no man page: write $page (man/README.md)"
    continue
  fi
  pass_
  # Every long option of the command's --help: on its indented lines (the
  # option list, the subcommands' usage), not in its prose.
  "$CAGUARD" "$c" --help >"$tmp/help" 2>&1
  for opt in $(grep -E '^[[:space:]]' "$tmp/help" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    [ "$opt" = --help ] && continue
    if grep -qF -- "*$opt*" "$page"; then pass_; else
      fail_ "man/caguard-$c.1.scd does not describe $opt (caguard $c --help shows it)"
    fi
  done
  grep -qF "*caguard-$c*(1)" "$man_dir/caguard.1.scd" && pass_ ||
    fail_ "caguard(1) does not name caguard-$c(1)"
done
for page in "$man_dir"/*.scd; do
  name=$(basename "$page" .scd)
  if scdoc <"$page" >"$tmp/$name" 2>"$tmp/scdoc.err"; then pass_; else
    fail_ "scdoc $name: $(cat "$tmp/scdoc.err")"
    continue
  fi
  # man renders it: no troff warnings, and the NAME line is there.
  MANWIDTH=80 man --warnings -l "$tmp/$name" >"$tmp/$name.txt" 2>"$tmp/man.err"
  [ -s "$tmp/man.err" ] && fail_ "man -l $name: $(head -3 "$tmp/man.err")" || pass_
  expect_grep "^NAME" "$tmp/$name.txt"
done
finish
