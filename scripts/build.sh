#!/bin/sh
# Configures and builds everything (host SDK, plugins, samples, tests) into
# ./build, or into the folder given as $1. Extra arguments go to CMake.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
mkdir -p "$dir"
cmake -S . -B "$dir" -G Ninja "$@" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir"
