#!/bin/bash
# The installed SDK as its users meet it: `cmake --install` into a fresh prefix,
# then, against that prefix only,
#   - the layout (headers, libonshi_host + SONAME links, every plugin the build made
#     with its manifest, programs, simulator data, CMake package, onshi.pc) and
#     nothing of the tests;
#   - the installed `onshi plugins` and `onshi-sim` (its data found beside it);
#   - an EMR's CMake project (tests/package/consumer, find_package(onshi));
#   - a C program built with `pkg-config --cflags --libs onshi`;
#   - a reader vendor's plugin: samples/plugin-template copied out of the tree,
#     built with find_package(onshi), installed, and loaded by the installed host.
# Needs no network and no sudo. Settings come from tests/package/CMakeLists.txt:
# ONSHI_BUILD_DIR ONSHI_SOURCE_DIR ONSHI_CMAKE ONSHI_CC ONSHI_CXX ONSHI_GENERATOR
# ONSHI_BINDIR ONSHI_LIBDIR ONSHI_INCLUDEDIR ONSHI_DATADIR ONSHI_VERSION
set -euo pipefail
: "${ONSHI_BUILD_DIR:?}" "${ONSHI_SOURCE_DIR:?}" "${ONSHI_CMAKE:=cmake}" "${ONSHI_CC:=cc}" "${ONSHI_CXX:=c++}"
: "${ONSHI_GENERATOR:=Ninja}" "${ONSHI_BINDIR:=bin}" "${ONSHI_LIBDIR:=lib}" "${ONSHI_INCLUDEDIR:=include}"
: "${ONSHI_DATADIR:=share}" "${ONSHI_VERSION:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/onshi-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
bin=$prefix/$ONSHI_BINDIR lib=$prefix/$ONSHI_LIBDIR
plugins=$lib/onshi/plugins
unset ONSHI_PLUGIN_PATH  # only the installed plugin folder may be searched
failures=0
step() { printf '\n== %s\n' "$*"; }
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failures=$((failures + 1)); }
expect() { # expect <description> <command...>
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
under() { # under <path> <folder>: the path, resolved, lies inside the folder
  case "$(readlink -f "$1")" in "$(readlink -f "$2")"/*) return 0 ;; esac
  return 1
}
run() { # run <log> <command...>: quiet unless it fails
  local log=$1; shift
  if ! "$@" > "$log" 2>&1; then cat "$log"; echo "FAIL: $*"; exit 1; fi
}

step "cmake --install $ONSHI_BUILD_DIR --prefix $prefix"
run "$work/install.log" "$ONSHI_CMAKE" --install "$ONSHI_BUILD_DIR" --prefix "$prefix"

step "layout"
for f in onshi_sdk.h host.hpp plugin.hpp result.hpp abi/onshi_plugin.h abi/onshi_ext_claims.h abi/onshi_ext_card_reader.h; do
  expect "header include/onshi/$f" test -f "$prefix/$ONSHI_INCLUDEDIR/onshi/$f"
done
expect "libonshi_host.so.$ONSHI_VERSION" test -f "$lib/libonshi_host.so.$ONSHI_VERSION"
expect "libonshi_host.so.1 -> libonshi_host.so.$ONSHI_VERSION" \
  test "$(readlink "$lib/libonshi_host.so.1")" = "libonshi_host.so.$ONSHI_VERSION"
expect "libonshi_host.so -> libonshi_host.so.1" test "$(readlink "$lib/libonshi_host.so")" = libonshi_host.so.1
expect "SONAME libonshi_host.so.1" sh -c "readelf -d '$lib/libonshi_host.so' | grep -q 'SONAME.*\[libonshi_host.so.1\]'"
# Every plugin the build made (tests make theirs elsewhere), generically: new ones are covered too.
built=0
for manifest in "$ONSHI_BUILD_DIR/$ONSHI_LIBDIR"/onshi/plugins/*/*.onshi-plugin.json; do
  [ -f "$manifest" ] || continue
  built=$((built + 1))
  name=$(basename "$(dirname "$manifest")")
  library=$(sed -n 's/.*"library": *"\([^"]*\)".*/\1/p' "$manifest")
  expect "plugin $name: manifest" cmp -s "$manifest" "$plugins/$name/$(basename "$manifest")"
  expect "plugin $name: $library" test -f "$plugins/$name/$library"
done
expect "the build made plugins ($built)" test "$built" -gt 0
for p in onshi onshi-sim onshi-vcard; do expect "program bin/$p" test -x "$bin/$p"; done
expect "onshi finds libonshi_host beside itself (RUNPATH \$ORIGIN/...)" \
  sh -c "readelf -d '$bin/onshi' | grep -E 'R(UN)?PATH' | grep -qF '[\$ORIGIN/'"
expect "simulator data" test -f "$prefix/$ONSHI_DATADIR/onshi/sim/personas.json"
for f in onshiConfig.cmake onshiConfigVersion.cmake onshiTargets.cmake OnshiAddPlugin.cmake onshi_plugin.map; do
  expect "CMake package: $ONSHI_LIBDIR/cmake/onshi/$f" test -f "$lib/cmake/onshi/$f"
done
expect "pkg-config: $ONSHI_LIBDIR/pkgconfig/onshi.pc" test -f "$lib/pkgconfig/onshi.pc"
leaks=$(find "$prefix" \( -name '*test*' -o -name '*fuzz*' -o -name '*bench*' -o -name '*example*' \) -print)
expect "nothing of the tests, benchmarks, fuzzers or the template is installed${leaks:+: $leaks}" test -z "$leaks"
refs=$(grep -rlF -e "$ONSHI_BUILD_DIR" "$lib/cmake" "$lib/pkgconfig" || true)
expect "the CMake package and onshi.pc name no build folder${refs:+: $refs}" test -z "$refs"
refs=$(find "$prefix" -type f -exec sh -c 'readelf -d "$1" 2>/dev/null | grep -E "R(UN)?PATH" | grep -qF "$2"' _ {} "$ONSHI_BUILD_DIR" \; -print)
expect "no installed binary has a RUNPATH into the build folder${refs:+: $refs}" test -z "$refs"
[ "$failures" -eq 0 ] || { echo "install_test: $failures layout check(s) failed"; exit 1; }

step "the installed onshi CLI"
run "$work/plugins.txt" "$bin/onshi" plugins
cat "$work/plugins.txt"
libraries=$(sed -n 's/^ *library: *//p' "$work/plugins.txt")
expect "onshi plugins lists plugins" test -n "$libraries"
for l in $libraries; do
  expect "$(basename "$l") is loaded from the installed plugin folder" under "$l" "$plugins"
done

step "the installed onshi-sim finds its data beside it"
# Rename a persona in the installed copy only: found means the installed file was read.
python3 - "$prefix/$ONSHI_DATADIR/onshi/sim/personas.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
data["personas"][0]["name"] = "package-test-persona"
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False, indent=1)
PY
mkdir -p "$work/oqs"
expect "onshi-sim face --persona package-test-persona (from share/onshi/sim)" \
  sh -c "cd / && '$bin/onshi-sim' face --root '$work/oqs' --persona package-test-persona >/dev/null"
expect "the face result was written" sh -c "ls '$work/oqs/face' | grep -q ."

step "an EMR's CMake project: find_package(onshi) (tests/package/consumer)"
ids=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$plugins"/*/*.onshi-plugin.json)
run "$work/consumer-configure.log" "$ONSHI_CMAKE" -S "$ONSHI_SOURCE_DIR/tests/package/consumer" -B "$work/consumer" \
  -G "$ONSHI_GENERATOR" -DCMAKE_CXX_COMPILER="$ONSHI_CXX" -DCMAKE_PREFIX_PATH="$prefix"
run "$work/consumer-build.log" "$ONSHI_CMAKE" --build "$work/consumer"
# shellcheck disable=SC2086
expect "onshi_consumer ${ids//$'\n'/ }" "$work/consumer/onshi_consumer" $ids

step "a C program built with pkg-config --cflags --libs onshi"
export PKG_CONFIG_PATH=$lib/pkgconfig
expect "pkg-config --modversion onshi = $ONSHI_VERSION" test "$(pkg-config --modversion onshi)" = "$ONSHI_VERSION"
flags=$(pkg-config --cflags --libs onshi)
echo "pkg-config --cflags --libs onshi: $flags"
# shellcheck disable=SC2086
run "$work/c-consumer-build.log" "$ONSHI_CC" -std=c99 -Wall -Wextra "$ONSHI_SOURCE_DIR/tests/package/c_consumer.c" \
  -o "$work/onshi_c_consumer" $flags -Wl,-rpath,"$(pkg-config --variable=libdir onshi)"
expect "onshi_c_consumer" "$work/onshi_c_consumer" "$ONSHI_VERSION"

step "a reader vendor's plugin: samples/plugin-template, out of the tree"
cp -r "$ONSHI_SOURCE_DIR/samples/plugin-template" "$work/acme-reader"
run "$work/template-configure.log" "$ONSHI_CMAKE" -S "$work/acme-reader" -B "$work/acme-reader-build" \
  -G "$ONSHI_GENERATOR" -DCMAKE_CXX_COMPILER="$ONSHI_CXX" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_INSTALL_LIBDIR="$ONSHI_LIBDIR"
run "$work/template-build.log" "$ONSHI_CMAKE" --build "$work/acme-reader-build"
so=$(find "$work/acme-reader-build" -name 'libonshi_example_reader.so' -print -quit)
expect "the plugin was built" test -n "$so"
exports=$(nm -D --defined-only "$so" | awk '{print $3}')
expect "it exports only onshi_get_plugin_entry (got: ${exports//$'\n'/ })" test "$exports" = onshi_get_plugin_entry
run "$work/template-install.log" "$ONSHI_CMAKE" --install "$work/acme-reader-build" --prefix "$prefix"
expect "installed into $ONSHI_LIBDIR/onshi/plugins/onshi_example_reader/" \
  test -f "$plugins/onshi_example_reader/com.example.reader.onshi-plugin.json"
# shellcheck disable=SC2086
expect "the installed host loads com.example.reader (and still the others)" \
  "$work/consumer/onshi_consumer" com.example.reader $ids
expect "onshi plugins lists it loaded" sh -c "'$bin/onshi' plugins | grep -F com.example.reader"

echo
if [ "$failures" -ne 0 ]; then echo "install_test: $failures check(s) failed"; exit 1; fi
echo "install_test: all checks passed"
