#!/bin/bash
# `cpack -G DEB` makes a .deb that holds the SDK and nothing of the tests, whose
# Depends names the Debian package of every library its binaries link, and whose
# programs run from wherever the package is unpacked (no dpkg -i: no root needed).
# Settings come from tests/package/CMakeLists.txt: ONSHI_BUILD_DIR ONSHI_CPACK ONSHI_LIBDIR ONSHI_VERSION
set -euo pipefail
: "${ONSHI_BUILD_DIR:?}" "${ONSHI_CPACK:=cpack}" "${ONSHI_LIBDIR:=lib}" "${ONSHI_VERSION:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/onshi-deb-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset ONSHI_PLUGIN_PATH
failures=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failures=$((failures + 1)); }
under() { # under <path> <folder>: the path, resolved, lies inside the folder
  case "$(readlink -f "$1")" in "$(readlink -f "$2")"/*) return 0 ;; esac
  return 1
}
expect() { # expect <description> <command...>
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

echo "== cpack -G DEB"
if ! (cd "$ONSHI_BUILD_DIR" && "$ONSHI_CPACK" -G DEB -B "$work/out") > "$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1
fi
deb=$(find "$work/out" -maxdepth 1 -name '*.deb' -print -quit)
[ -n "$deb" ] || { cat "$work/cpack.log"; echo "FAIL: no .deb made"; exit 1; }
echo "$(basename "$deb"), $(du -h "$deb" | cut -f1)"
dpkg-deb -f "$deb"

echo "== control fields"
expect "Package: onshi" test "$(dpkg-deb -f "$deb" Package)" = onshi
expect "Version: $ONSHI_VERSION" test "$(dpkg-deb -f "$deb" Version)" = "$ONSHI_VERSION"
expect "a Maintainer" test -n "$(dpkg-deb -f "$deb" Maintainer)"
expect "a Description" test -n "$(dpkg-deb -f "$deb" Description)"

echo "== contents (dpkg-deb -c)"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$work/contents.txt"
lib=/usr/$ONSHI_LIBDIR
for f in /usr/include/onshi/onshi_sdk.h /usr/include/onshi/host.hpp /usr/include/onshi/plugin.hpp \
  /usr/include/onshi/abi/onshi_plugin.h "$lib/libonshi_host.so.$ONSHI_VERSION" "$lib/libonshi_host.so.1" \
  "$lib/libonshi_host.so" /usr/bin/onshi /usr/bin/onshi-sim /usr/bin/onshi-vcard /usr/share/onshi/sim/personas.json \
  "$lib/cmake/onshi/onshiConfig.cmake" "$lib/cmake/onshi/onshiConfigVersion.cmake" "$lib/cmake/onshi/onshiTargets.cmake" \
  "$lib/cmake/onshi/OnshiAddPlugin.cmake" "$lib/cmake/onshi/onshi_plugin.map" "$lib/pkgconfig/onshi.pc"; do
  expect "$f" grep -qxF "$f" "$work/contents.txt"
done
# Every plugin the build made, with its manifest.
for manifest in "$ONSHI_BUILD_DIR/$ONSHI_LIBDIR"/onshi/plugins/*/*.onshi-plugin.json; do
  [ -f "$manifest" ] || continue
  name=$(basename "$(dirname "$manifest")")
  library=$(sed -n 's/.*"library": *"\([^"]*\)".*/\1/p' "$manifest")
  expect "$lib/onshi/plugins/$name/$(basename "$manifest")" grep -qxF "$lib/onshi/plugins/$name/$(basename "$manifest")" "$work/contents.txt"
  expect "$lib/onshi/plugins/$name/$library" grep -qxF "$lib/onshi/plugins/$name/$library" "$work/contents.txt"
done
leaks=$(grep -E 'test|fuzz|bench|example' "$work/contents.txt" || true)
expect "nothing of the tests, benchmarks, fuzzers or the template${leaks:+: $leaks}" test -z "$leaks"

echo "== Depends covers every library the binaries link"
dpkg-deb -x "$deb" "$work/root"
depends=$(dpkg-deb -f "$deb" Depends)
needed=$(find "$work/root" -type f -exec sh -c 'readelf -d "$1" 2>/dev/null' _ {} \; |
  sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u | grep -v '^libonshi_host\.so')
for so in $needed; do
  # The package that holds it here (merged /usr: dpkg may know it under /usr/lib or /lib).
  # (No early-exiting reader in these pipes: with pipefail a SIGPIPE would end the script.)
  path=$(ldconfig -p | awk -v so="$so" '$1 == so && !found {print $NF; found = 1}')
  pkg=""
  for candidate in "$path" "/usr${path#/usr}" "${path#/usr}" "$(readlink -f "$path")"; do
    [ -n "$candidate" ] || continue
    pkg=$( (dpkg -S "$candidate" 2>/dev/null || true) | sed -n '1s/:.*//p')
    [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then bad "$so: no Debian package found for it here"; continue; fi
  expect "$so -> $pkg" sh -c "echo '$depends' | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qxF '$pkg'"
done

echo "== the unpacked programs run where they are"
if "$work/root/usr/bin/onshi" plugins > "$work/plugins.txt" 2>&1; then
  cat "$work/plugins.txt"
  libraries=$(sed -n 's/^ *library: *//p' "$work/plugins.txt")
  expect "onshi plugins lists plugins" test -n "$libraries"
  for l in $libraries; do
    expect "$(basename "$l") is loaded from the unpacked plugin folder" under "$l" "$work/root$lib/onshi/plugins"
  done
else
  cat "$work/plugins.txt"; bad "the unpacked onshi plugins"
fi

echo
if [ "$failures" -ne 0 ]; then echo "deb_test: $failures check(s) failed"; exit 1; fi
echo "deb_test: all checks passed"
