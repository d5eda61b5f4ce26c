#!/bin/sh
# Which programs the build, the test suite, the demo and fuzzing really run, and the Debian package
# each comes from: the command runs under strace (program starts only), every program started is
# looked up with dpkg -S, and the list goes to tests/setup/programs.txt, which the test
# setup.packages checks against scripts/setup-debian.sh on every run. Rerun it when a build step,
# a test or a script starts using a new program (the test names what it cannot find). Needs strace.
#   scripts/check-packages.sh [build dir]   (default: build, already built by scripts/build.sh)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
command -v strace >/dev/null || { echo "check-packages.sh: needs strace (apt-get install strace)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace() {
  echo "tracing $1 …"
  strace -f -qq --seccomp-bpf -e trace=execve -e signal=none -o "$work/trace.$1" sh -c "$2" > "$work/log.$1" 2>&1 || true
}
# A fresh configure and the host library built from nothing (compilers, the linker, abidiff), the
# whole test suite (cpack, dpkg-shlibdeps, file, openssl, pcscd, pkcs15-tool, python3 …), the
# demo, and a fuzz target built and run by clang as .ci/run and scripts/fuzz.sh do.
trace build "cmake -S . -B '$work/build' -G Ninja > /dev/null && cmake --build '$work/build' --target onshi_host"
trace tests "ctest --test-dir '$build' -j\"\$(nproc)\""
trace demo "'$build/bin/onshi' demo"
trace fuzz "CC=clang CXX=clang++ cmake -S . -B '$work/fuzz' -G Ninja -DONSHI_SANITIZE=ON > /dev/null &&
  cmake --build '$work/fuzz' --target host_manifest_fuzz && mkdir '$work/corpus' &&
  '$work/fuzz/bin/host_manifest_fuzz' -runs=1000 '$work/corpus' tests/host/manifest-corpus"
# Every program started (successful execve), resolved, with its package; ours and the temporary
# build's are left out.
sed -n 's/^[0-9]* *execve("\([^"]*\)".* = 0$/\1/p' "$work"/trace.* | sort -u | while read -r program; do
  real=$(readlink -f "$program") || continue  # gone since (a test's temporary program)
  case "$real" in "$PWD"/* | "$work"/* | /tmp/*) continue ;; esac
  # A developer's own tools (pyenv's python3): a fresh machine runs the system's program of that name.
  case "$real" in /usr/local/* | /opt/* | "$HOME"/*)
    program=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$(basename "$program")") || continue
    real=$(readlink -f "$program") ;;
  esac
  package=$(dpkg -S "$real" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  [ -n "$package" ] || package=$(dpkg -S "$program" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  echo "$program ${package:-?}"
done > "$work/programs"
{
  echo "# Programs the build, the tests, the demo and fuzzing ran (scripts/check-packages.sh), with their"
  echo "# Debian package. tests/setup/packages_test.py checks each against scripts/setup-debian.sh."
  cat "$work/programs"
} > tests/setup/programs.txt
echo "$(grep -vc '^#' tests/setup/programs.txt) programs, $(grep -v '^#' tests/setup/programs.txt | cut -d' ' -f2 | sort -u | wc -l) packages: tests/setup/programs.txt"
python3 tests/setup/packages_test.py
