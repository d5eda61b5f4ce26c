#!/bin/sh
# Every plugin library under the given folders exports exactly one symbol,
# onshi_get_plugin_entry (no Boost or libstdc++ symbols leak out to clash with
# another vendor's plugin, and glibc can unload it).
set -eu
failed=0 checked=0
for dir in "$@"; do
  for lib in $(find "$dir" -name 'lib*.so' -type f); do
    file "$lib" 2>/dev/null | grep -q ELF || continue
    exports=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')
    checked=$((checked + 1))
    if [ "$exports" != "onshi_get_plugin_entry " ]; then
      echo "FAIL: $lib exports: $exports"
      failed=$((failed + 1))
    fi
  done
done
echo "checked $checked plugin libraries"
[ "$checked" -gt 0 ] || { echo "FAIL: no plugin library found in $*"; exit 1; }
echo "$((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
