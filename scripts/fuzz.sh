#!/bin/sh
# Fuzzes every fuzz target of a clang sanitizer build (see .ci/run) for a few
# seconds each, starting from its committed seeds; new inputs go to a temporary
# folder, never into the source tree. Fails on the first crash.
#   scripts/fuzz.sh <build dir> [seconds per target]
set -eu
build=$1
seconds=${2:-10}
cmake --build "$build" --target fuzz-targets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
while read -r exe corpus; do
  [ -n "$exe" ] || continue
  name=$(basename "$exe")
  mkdir -p "$work/$name"
  echo "fuzzing $name for ${seconds}s (seeds: $corpus)"
  if ! "$exe" -max_total_time="$seconds" -print_final_stats=1 "$work/$name" "$corpus" > "$work/$name.log" 2>&1; then
    cat "$work/$name.log"
    echo "FAIL: $name crashed; the input is in the log above"
    exit 1
  fi
  grep -E "stat::(number_of_executed_units|new_units_added)" "$work/$name.log" || true
done < "$build/fuzz-targets.txt"
echo "fuzz: no crash"
