#!/bin/bash
# SHACL validator cost per item: release build (shares build/kg-bench-release with the kg
# benchmark, under the shared build lock), then bench/shacl/shacl_bench -> bench/results/shacl.json.
#   scripts/run-shacl-bench.sh [--devices N] [--models N]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/kg-bench-release
# -Wno-restrict: GCC 12 at -O3 reports a false -Wrestrict in std::string's operator+ (GCC bug 105329).
flock /tmp/tf-build.lock cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTINYFORGE_BUILD_BENCH=ON \
  -DCMAKE_CXX_FLAGS=-Wno-restrict >/dev/null
flock /tmp/tf-build.lock cmake --build "$BUILD" -j2 --target shacl_bench
exec "$BUILD/bench/shacl/shacl_bench" --out bench/results/shacl.json "$@"
