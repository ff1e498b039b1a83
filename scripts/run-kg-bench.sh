#!/bin/bash
# Knowledge-graph benchmark: release build in build/kg-bench-release (configured and built under
# the shared build lock), then bench/kg/kg_bench, which starts its own server + Virtuoso per size,
# and writes/merges bench/results/kg.json.
#   scripts/run-kg-bench.sh [--sizes 1000,10000,100000] [--models 1000] [--samples 30] [--batch 5000]
#   scripts/run-kg-bench.sh --profile-registration [--devices 20000] [--batch 5000] [--models 100]
#     (bench/kg/kg_register_profile: per-stage CPU and wall cost of a registered device)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/kg-bench-release
# -Wno-restrict / -Wno-stringop-overflow / -Wno-array-bounds: GCC 12 at -O3 reports false -Wrestrict, -Wstringop-overflow and -Warray-bounds inside std::string operator+ (GCC bug
# 105329), which -Werror turns into a failed build of server/kg.
flock /tmp/tf-build.lock cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTINYFORGE_BUILD_BENCH=ON \
  "-DCMAKE_CXX_FLAGS=-Wno-restrict -Wno-stringop-overflow -Wno-array-bounds" >/dev/null
if [[ "${1:-}" == --profile-registration ]]; then
  shift
  flock /tmp/tf-build.lock cmake --build "$BUILD" -j2 --target kg_register_profile
  exec "$BUILD/bench/kg/kg_register_profile" --out bench/results/kg_register_profile.json \
    --data-dir "$BUILD/kg-register-profile-data" "$@"
fi
flock /tmp/tf-build.lock cmake --build "$BUILD" -j2 --target kg_bench
exec "$BUILD/bench/kg/kg_bench" --out bench/results/kg.json --data-dir "$BUILD/kg-bench-data" "$@"
