#!/usr/bin/env bash
# Builds and runs the runtime benchmarks and writes bench/results/runtime.json:
#  - Cortex-M4 (mps2-an386 under QEMU, counted with ../shared/tools/qemu-m4) at -O2 and -Os,
#    AD and KWS, reference and optimized kernels: instructions per inference, arena, flash/RAM
#    (arm-none-eabi-size), model bytes, stack high-water mark, output checksum;
#  - host latency (Google Benchmark), whose output checksums every M4 image must match;
#  - the quoted TFLM figures (same harness) and ratio_vs_tflm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${TINYFORGE_SHARED_DIR:-$ROOT/../shared}
JOBS=${JOBS:-2}
OUT=$ROOT/bench/results/runtime.json
WORK=$ROOT/build/h-opt-bench-results
mkdir -p "$WORK" "$(dirname "$OUT")"

images=(bench_ad_reference bench_ad_optimized bench_kws_reference bench_kws_optimized)
for level in O2 Os; do
  dir=$ROOT/build/h-opt-m4; [ "$level" = Os ] && dir=$ROOT/build/h-opt-m4-os
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-$level -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-$level -DNDEBUG" -DTINYFORGE_SHARED_DIR="$SHARED" >/dev/null
  cmake --build "$dir" --target "${images[@]}" m4count_plugin -j "$JOBS"
  for image in "${images[@]}"; do
    elf=$dir/bench/m4/$image.elf
    python3 "$SHARED/tools/qemu-m4/m4run.py" --plugin "$dir/qemu-m4-plugin/libm4count.so" \
      --mode tb --quiet --json "$WORK/$image-$level.json" "$elf"
    arm-none-eabi-size -A "$elf" > "$WORK/$image-$level.size"
  done
done

cmake -S "$ROOT" -B "$ROOT/build/h-opt-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$ROOT/build/h-opt-bench" --target runtime_bench -j "$JOBS"
"$ROOT/build/h-opt-bench/bench/host/runtime_bench" --benchmark_min_time=0.5 \
  --benchmark_format=json > "$WORK/host.json"

python3 "$ROOT/bench/common/write_runtime_json.py" "$WORK" "$OUT"
