#!/usr/bin/env bash
# Builds and runs the runtime benchmarks and writes bench/results/runtime.json:
#  - host (release): the make_bench_models tool (AD and KWS as .tfm blobs from ModelBuilder, run
#    through tinyforge::Interpreter to get the expected output checksum; fails if the
#    Interpreter's arena differs from the planner's) and the Google Benchmark latency;
#  - Cortex-M4 (mps2-an386 under QEMU, counted with ../shared/tools/qemu-m4) at -O2 and -Os, AD and
#    KWS, optimized and reference kernels, each image = blob + loader + interpreter + only the
#    model's ops: instructions per inference, arena, flash/RAM (arm-none-eabi-size), model bytes,
#    stack high-water mark, output checksum (must equal the host's);
#  - the quoted TFLM figures (same harness) side by side and ratio_vs_tflm.
# Build dirs: BENCH_BUILD_PREFIX (default build/bench) + -host, -m4-O2, -m4-Os.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${TINYFORGE_SHARED_DIR:-$ROOT/../shared}
JOBS=${JOBS:-2}
PREFIX=${BENCH_BUILD_PREFIX:-$ROOT/build/bench}
OUT=$ROOT/bench/results/runtime.json
WORK=$PREFIX-results
mkdir -p "$WORK" "$(dirname "$OUT")"

HOST=$PREFIX-host
cmake -S "$ROOT" -B "$HOST" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$HOST" --target make_bench_models runtime_bench -j "$JOBS"
"$HOST/bench/host/runtime_bench" --benchmark_min_time=0.5 --benchmark_format=json > "$WORK/host.json"

images=(bench_ad_reference bench_ad_optimized bench_kws_reference bench_kws_optimized)
for level in O2 Os; do
  dir=$PREFIX-m4-$level
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-$level -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-$level -DNDEBUG" -DTINYFORGE_SHARED_DIR="$SHARED" \
    -DTINYFORGE_HOST_TOOLS_DIR="$HOST" >/dev/null
  cmake --build "$dir" --target "${images[@]}" m4count_plugin -j "$JOBS"
  for image in "${images[@]}"; do
    elf=$dir/bench/m4/$image.elf
    python3 "$SHARED/tools/qemu-m4/m4run.py" --plugin "$dir/qemu-m4-plugin/libm4count.so" \
      --mode tb --quiet --json "$WORK/$image-$level.json" "$elf" || true
    arm-none-eabi-size -A "$elf" > "$WORK/$image-$level.size"
  done
done

python3 "$ROOT/bench/common/write_runtime_json.py" "$WORK" "$OUT"
