#!/bin/sh
# Fuzzes every libFuzzer target (ASan + UBSan, leaks checked) for a given time each, starting from
# its committed seeds; new inputs go to a temporary folder, never into the source tree. Prints, per
# target, the executions, their rate, the coverage (edges and features) and the peak memory, and
# fails on the first crash, leak, slow input (-timeout) or memory overrun (-rss_limit_mb).
#   scripts/fuzz.sh [build dir] [seconds per target] [name filter]
# The build dir (default build-fuzz) must be a clang build with -DONSHI_SANITIZE=ON; one without a
# CMakeCache.txt is configured here (optimised: ~10x the executions of CI's -O0 build-asan).
#   FUZZ_RUNS=N    stop each target after N executions (the seconds still bound it)
#   FUZZ_REPORT=F  also write the table to F
# The long run of docs/reliability.md: scripts/fuzz.sh build-fuzz 3600 (and FUZZ_RUNS=10000000).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-10}
filter=${3:-}
if [ ! -f "$build/CMakeCache.txt" ]; then
  mkdir -p "$build"
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DONSHI_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
fi
grep -q '^CMAKE_CXX_COMPILER_ID:.*Clang\|^CMAKE_CXX_COMPILER:.*clang' "$build/CMakeCache.txt" ||
  { echo "fuzz.sh: $build is not a clang build (libFuzzer needs clang; scripts/setup-debian.sh installs it)"; exit 1; }
cmake --build "$build" --target fuzz-targets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=${FUZZ_RUNS:--1}
table="$work/table"
printf '%-24s %12s %9s %7s %8s %7s %8s\n' target executions exec/s edges features inputs peak_MB > "$table"
while read -r exe corpus; do
  [ -n "$exe" ] || continue
  name=$(basename "$exe")
  case "$name" in *"$filter"*) ;; *) continue ;; esac
  mkdir -p "$work/$name"
  echo "fuzzing $name for ${seconds}s (seeds: $corpus)"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$exe" -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/$name-" "$work/$name" "$corpus" < /dev/null > "$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log"
    for input in "$work/$name-"*; do
      [ -f "$input" ] && { mkdir -p fuzz-findings && cp "$input" fuzz-findings/ && echo "input kept in fuzz-findings/$(basename "$input")"; }
    done
    echo "FAIL: $name (crash, leak, timeout or out of memory: the log above says which)"
    exit 1
  fi
  final_stat() { sed -n "s/^stat::$1: *//p" "$work/$name.log" | tail -n 1; }
  last=$(grep -E '^#[0-9]+.*cov: ' "$work/$name.log" | tail -n 1)
  edges=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  features=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  inputs=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  printf '%-24s %12s %9s %7s %8s %7s %8s\n' "$name" "$(final_stat number_of_executed_units)" \
    "$(final_stat average_exec_per_sec)" "${edges:-?}" "${features:-?}" "${inputs:-?}" "$(final_stat peak_rss_mb)" >> "$table"
done < "$build/fuzz-targets.txt"
cat "$table"
[ -z "${FUZZ_REPORT:-}" ] || cp "$table" "$FUZZ_REPORT"
echo "fuzz: no crash, no leak, no timeout, within 1024 MB"
