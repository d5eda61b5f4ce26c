#!/bin/bash
# The README's two commands are the ones CI and the demo use (issue 8):
#  - .ci/run takes its test command from the README's <!-- test-command --> block, with its own
#    readme_command(), and runs exactly that;
#  - the <!-- demo-command --> block ends by running `build/bin/onshi demo`, and .ci/run runs the demo;
#  - both build the same way, so the demo a user runs is the one CI tested.
# Run from the source tree's root (ctest does).
set -uo pipefail
cd "${1:-.}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

[ -f README.md ] || { echo "run from the source tree's root (no README.md here)"; exit 2; }
[ -f .ci/run ] || { echo "no .ci/run"; exit 2; }

# Our own reading of the README: the single line of the ```sh block right after the marker line.
block() {
  awk -v marker="<!-- $1 -->" '
    $0 == marker { found++; getline; if ($0 !~ /^```/) exit 3; inblock = 1; next }
    inblock && /^```/ { exit }
    inblock { print }' README.md
}
for marker in demo-command test-command; do
  count=$(grep -cxF "<!-- $marker -->" README.md)
  [ "$count" = 1 ] || fail "README.md has $count <!-- $marker --> lines (want exactly 1)"
  lines=$(block "$marker" | wc -l)
  [ "$lines" = 1 ] || fail "the <!-- $marker --> block must be one line of shell, it has $lines"
done
demo=$(block demo-command)
tests=$(block test-command)
echo "demo command: $demo"
echo "test command: $tests"

# .ci/run's own extraction (its function, evaluated here) must read the same line.
eval "$(sed -n '/^readme_command() {/,/^}/p' .ci/run)"
declare -F readme_command >/dev/null || fail ".ci/run no longer defines readme_command()"
if declare -F readme_command >/dev/null; then
  [ "$(readme_command test-command)" = "$tests" ] || fail ".ci/run reads '$(readme_command test-command)' as the test command"
  [ "$(readme_command demo-command)" = "$demo" ] || fail ".ci/run reads '$(readme_command demo-command)' as the demo command"
fi
grep -q 'test_command=$(readme_command test-command)' .ci/run || fail ".ci/run does not take its test command from the README"
grep -q 'bash -c "$test_command"' .ci/run || fail ".ci/run does not run the README's test command"

# The test command runs the whole suite of the build the README makes.
case "$tests" in
  *"ctest --test-dir build"*) ;;
  *) fail "the test command does not run ctest on build/: $tests" ;;
esac

# The demo command: the same setup and build as the test command, then the demo.
last=$(printf '%s' "$demo" | awk -F'&&' '{ gsub(/^ +| +$/, "", $NF); print $NF }')
[ "$last" = "build/bin/onshi demo" ] || fail "the demo command must end with 'build/bin/onshi demo', it ends with '$last'"
prefix_demo=${demo%&&*}
prefix_tests=${tests%&&*}
[ "$prefix_demo" = "$prefix_tests" ] || fail "the demo and test commands prepare differently: '$prefix_demo' vs '$prefix_tests'"
for script in $(printf '%s\n' "$demo" "$tests" | grep -o 'scripts/[A-Za-z0-9._-]*' | sort -u); do
  [ -x "$script" ] || fail "$script (in a README command) is missing or not executable"
done

# CI runs the demo (and checks its JSON): either through the README's block or the same program.
grep -Eq 'readme_command demo-command|onshi demo' .ci/run || fail ".ci/run does not run the demo"

[ "$failures" = 0 ] && echo "README commands: OK"
exit $((failures > 0))
