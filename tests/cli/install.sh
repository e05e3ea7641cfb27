#!/usr/bin/env bash
# What `cmake --install` gives, installed into a scratch root (DESTDIR):
# the command, libcaguard.so with its soname and nothing exported but the
# public caguard_* functions (every one the header declares), libcaguard.a,
# the header and caguard.pc, against which examples/gate.c compiles (with
# pkg-config, shared and static) and decides the Let's Encrypt pairs as the
# build tree's gate does; the man pages, which man reads; the systemd unit,
# which systemd-analyze verifies; the sysusers.d entry and the config.
. "$(dirname "$0")/lib.sh"
b=$CG_BUILD_DIR
if [ "${CG_SANITIZED:-0}" = 1 ] || [ "${CG_SANITIZED:-}" = true ]; then
  echo "SKIPPED: a sanitizer build's libraries need the sanitizer runtime; the release build tests the install"
  exit 77
fi
root=$tmp/root
DESTDIR=$root cmake --install "$b" >"$tmp/install.log" 2>&1 && pass_ ||
  fail_ "cmake --install: $(tail -5 "$tmp/install.log")"
prefix=$(sed -n 's/^prefix=//p' "$b/caguard.pc")
[ -n "$prefix" ] && pass_ || fail_ "no prefix in caguard.pc"
p=$root$prefix
bin=$p/bin/caguard
[ -x "$bin" ] && pass_ || fail_ "no $bin"
lib=$(find "$p" -name 'libcaguard.so.0.*' -type f | head -1)
libdir=$(dirname "$lib")
[ -f "$lib" ] && pass_ || fail_ "no libcaguard.so.0.*"
[ -f "$libdir/libcaguard.a" ] && pass_ || fail_ "no libcaguard.a"
[ "$(readlink "$libdir/libcaguard.so")" = libcaguard.so.0 ] && pass_ || fail_ "libcaguard.so -> $(readlink "$libdir/libcaguard.so")"
[ -f "$p/include/caguard/caguard.h" ] && pass_ || fail_ "no caguard/caguard.h"
pc=$(find "$p" -name caguard.pc | head -1)
[ -f "$pc" ] && pass_ || fail_ "no caguard.pc"

# ---- the shared library: soname, exports ----
expect_grep 'SONAME.*\[libcaguard\.so\.0\]' <(readelf -d "$lib")
nm -D --defined-only "$lib" | awk '{print $3}' | sort >"$tmp/exported"
grep -v '^caguard_' "$tmp/exported" >"$tmp/extra"
[ -s "$tmp/extra" ] && fail_ "exported beyond caguard_*: $(tr '\n' ' ' <"$tmp/extra")" || pass_
# Every function the header declares is exported, and nothing it does not.
grep -oE '\bcaguard_[a-z_]+\(' "$p/include/caguard/caguard.h" | tr -d '(' | sort -u \
  >"$tmp/declared"
expect_eq "exported = declared" "$(diff "$tmp/declared" "$tmp/exported" | tr '\n' ' ')" ""
# What it links: OpenSSL's libcrypto (and jansson for log lists), no more.
readelf -d "$lib" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | sort >"$tmp/needed"
expect_no_grep 'libsqlite|libcurl|libpq|libmicrohttpd|libinih|libsystemd|libz\.' "$tmp/needed"
expect_grep '^libcrypto\.so' "$tmp/needed"

# ---- an issuance gate built against the installed library ----
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --define-prefix --cflags --libs caguard) && pass_ || fail_ "pkg-config caguard"
cc -std=c17 -Wall -Werror -o "$tmp/gate" "$CG_SOURCE_DIR/examples/gate.c" $flags && pass_ ||
  fail_ "gate.c does not build against the installed library"
d=$CG_TEST_DATA
at=1687219200
list=$d/loglists/crtsh_v3_all_all_logs_list.json
expect_grep "libcaguard\.so\.0 => $libdir/libcaguard\.so\.0" \
  <(LD_LIBRARY_PATH=$libdir ldd "$tmp/gate")
LD_LIBRARY_PATH=$libdir expect_status 0 "$tmp/gate" --at $at "$d/le2023/r3.pem" \
  "$d/le2023/good/precert.pem" "$d/le2023/good/final.pem" "$list"
expect_grep '^OK to sign' "$tmp/out"
LD_LIBRARY_PATH=$libdir expect_status 1 "$tmp/gate" --at $at "$d/le2023/r3.pem" \
  "$d/le2023/bad/precert.pem" "$d/le2023/bad/final.pem" "$list"
expect_grep '^ERROR +ct.pair.tbs_mismatch' "$tmp/out"
# Static: libcaguard.a and the libraries caguard.pc lists for it.
static_libs=$(pkg-config --define-prefix --static --libs-only-l caguard | sed 's/-lcaguard//')
cc -std=c17 -o "$tmp/gate-static" "$CG_SOURCE_DIR/examples/gate.c" \
  $(pkg-config --define-prefix --cflags caguard) "$libdir/libcaguard.a" $static_libs && pass_ ||
  fail_ "gate.c does not link statically"
expect_no_grep 'libcaguard' <(ldd "$tmp/gate-static")
expect_status 1 "$tmp/gate-static" --at $at "$d/le2023/r3.pem" "$d/le2023/bad/precert.pem" \
  "$d/le2023/bad/final.pem" "$list"
expect_grep '^DO NOT SIGN' "$tmp/out"

# ---- man pages ----
for page in $(cd "$CG_SOURCE_DIR/man" && ls *.scd | sed 's/\.scd$//'); do
  sec=${page##*.}
  f=$p/share/man/man$sec/$page
  case $page in
  caguard-monitor.1 | caguard.conf.5 | caguard-demo.1)
    "$bin" --version | grep -q monitor || continue ;;
  esac
  if [ -f "$f" ]; then pass_; else fail_ "no $f"; continue; fi
  MANWIDTH=80 man -l "$f" >"$tmp/page" 2>/dev/null
  expect_grep "^NAME" "$tmp/page"
done

# ---- the services ----
if "$bin" --version | grep -q monitor; then
  unit=$(find "$root" -name caguard-monitor.service | head -1)
  [ -f "$unit" ] && pass_ || fail_ "no caguard-monitor.service"
  expect_grep "^ExecStart=$prefix/bin/caguard monitor --config " "$unit"
  expect_grep '^u caguard ' "$(find "$root" -path '*sysusers.d/caguard.conf' | head -1)"
  conf=$(find "$root" -path '*/caguard/caguard.conf' -not -path '*sysusers.d*' | head -1)
  [ -f "$conf" ] && pass_ || fail_ "no caguard/caguard.conf"
  # The config as shipped is read by the monitor (it names no log yet, so
  # the monitor says there is nothing to monitor: a usage error, not a
  # config error).
  expect_status 2 "$bin" monitor --config "$conf" --once
  expect_grep 'no --log, no --loglist' "$tmp/err"
  if command -v systemd-analyze >/dev/null; then
    # Verified where they will run: the executable and the man pages they
    # name must exist, so the scratch root's are used.
    mkdir -p "$tmp/units"
    for u in $(dirname "$unit")/caguard-*.service; do
      sed "s|$prefix/bin/caguard|$bin|" "$u" >"$tmp/units/$(basename "$u")"
      MANPATH=$p/share/man expect_status 0 systemd-analyze verify "$tmp/units/$(basename "$u")"
      expect_grep '^Type=notify$' "$u"
    done
    "$bin" --version | grep -q http-server && { [ -f "$(dirname "$unit")/caguard-serve.service" ] && pass_ || fail_ "no caguard-serve.service"; }
  else
    fail_ "no systemd-analyze (scripts/install-deps --test installs systemd)"
  fi
fi
finish
