#!/bin/sh
# Runs the benchmarks against a build (default ./build). Each prints its figure
# next to a baseline measured in the same run, and the ratio.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== P5: plugin discovery + load"
"$build/bin/plugin_load_bench" "$build/lib/onshi/plugins" "$build/samples/plugin-template/plugins"
echo "== P1/P2: eligibility answer latency (FolderTransport vs 1 s polling) and typed parse (vs pugixml)"
"$build/bin/eligibility_bench"
echo "== P3: 10,000-patient 一括照会 over TLS on loopback (vs the same as single queries)"
"$build/bin/bulk_bench" --sim "$build/bin/onshi-sim" --plugin-dir "$build/lib/onshi/plugins" \
  --certs-script tests/eligibility/make-tls-certs.sh --transport tls
echo "== onshi serve: overhead vs in-process, 20 desks x 499 at once vs 1 desk and 20 threads in-process, face routing"
# 20 x 499: one PC has 9999 request names a day (yyyyMMdd + 4 digits), and every desk asks through one
"$build/bin/serve_bench" --desks 20 --per-desk 499 --faces 200 --face-desks 10
