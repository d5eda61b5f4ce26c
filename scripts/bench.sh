#!/bin/sh
# Runs the benchmarks against a build (default ./build). Each prints its figure
# next to a baseline measured in the same run, and the ratio.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== P5: plugin discovery + load"
"$build/bin/plugin_load_bench" "$build/lib/onshi/plugins" "$build/samples/plugin-template/plugins"
