#!/bin/bash
# Knowledge-graph benchmark: release build in build/kg-bench-release (configured and built under
# the shared build lock), then bench/kg/kg_bench, which starts its own server + Virtuoso per size,
# and writes/merges bench/results/kg.json.
#   scripts/run-kg-bench.sh [--sizes 1000,10000,100000] [--models 1000] [--samples 30] [--batch 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/kg-bench-release
# -Wno-restrict: GCC 12 at -O3 reports a false -Wrestrict inside std::string's operator+ (GCC bug
# 105329), which -Werror turns into a failed build of server/kg.
flock /tmp/tf-build.lock cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTINYFORGE_BUILD_BENCH=ON \
  -DCMAKE_CXX_FLAGS=-Wno-restrict >/dev/null
flock /tmp/tf-build.lock cmake --build "$BUILD" -j2 --target kg_bench
exec "$BUILD/bench/kg/kg_bench" --out bench/results/kg.json --data-dir "$BUILD/kg-bench-data" "$@"
