#!/bin/sh
# Checks the C ABI headers against the committed baseline with abidiff (new types
# and functions are additions, so allowed), and
# checks that the check itself works: appending a field must pass, inserting one
# must fail.
#   check-abi.sh <cc> <work dir>            run the check (ctest does)
#   check-abi.sh <cc> <work dir> --update   rewrite the baseline (only when publishing a new ABI)
set -eu
cc=$1 work=$2 mode=${3:-check}
here=$(cd "$(dirname "$0")" && pwd)
include=$here/../include
baseline=$here/onshi_abi_v1.xml
rm -rf "$work" && mkdir -p "$work"

build_probe() { # <include dir> <output>
  "$cc" -std=c99 -g -O0 -shared -fPIC -I"$1" "$here/probe.c" -o "$2"
}
diff_against_baseline() { # <include dir> <library>; prints abidiff's exit status
  set +e
  abidiff --no-added-syms --suppressions "$here/append-only.abignore" --headers-dir1 "$include" --headers-dir2 "$1" \
    "$baseline" "$2" > "$2.abidiff.txt" 2>&1
  echo $?
  set -e
}

build_probe "$include" "$work/libonshi_abi_probe.so"
if [ "$mode" = --update ]; then
  abidw --headers-dir "$include" --out-file "$baseline" "$work/libonshi_abi_probe.so"
  echo "baseline written: $baseline"
  exit 0
fi

failed=0
status=$(diff_against_baseline "$include" "$work/libonshi_abi_probe.so")
if [ "$status" -ne 0 ]; then
  echo "FAIL: the C ABI changed incompatibly against $baseline (abidiff exit $status):"
  cat "$work/libonshi_abi_probe.so.abidiff.txt"
  echo "Only append fields at the end of a struct; to publish a new ABI major, run $0 <cc> <dir> --update."
  failed=1
fi

# The check must catch what it is there to catch.
mutate() { # <name> <sed expression on onshi_status.h's onshi_error>
  mkdir -p "$work/$1"
  cp -r "$include/onshi" "$work/$1/"
  sed -i "$2" "$work/$1/onshi/abi/onshi_status.h"
  build_probe "$work/$1" "$work/$1/libonshi_abi_probe.so"
  diff_against_baseline "$work/$1" "$work/$1/libonshi_abi_probe.so"
}
appended=$(mutate appended 's/^  char     hint\[ONSHI_ERROR_HINT_SIZE\];.*/&\n  uint32_t appended_for_test;/')
inserted=$(mutate inserted 's/^  int32_t  code; .*/&\n  uint32_t inserted_for_test;/')
grep -q appended_for_test "$work/appended/onshi/abi/onshi_status.h" || { echo "FAIL: could not mutate the header"; exit 1; }
grep -q inserted_for_test "$work/inserted/onshi/abi/onshi_status.h" || { echo "FAIL: could not mutate the header"; exit 1; }
if [ "$appended" -ne 0 ]; then echo "FAIL: appending a field was reported (exit $appended)"; failed=1; fi
if [ "$inserted" -eq 0 ]; then echo "FAIL: inserting a field was not caught"; failed=1; fi
echo "abi: baseline $status, appended field $appended (must be 0), inserted field $inserted (must not be 0)"
[ "$failed" -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit "$failed"
