#!/bin/bash
# TreeEnsemble on the Cortex-M4 (QEMU mps2-an386, ../shared/tools/qemu-m4): instructions per
# inference, flash bytes of the linked image and model bytes, for the TinyForge runtime and an
# emlearn-style plain C forest (node arrays, and nested if/else) of the same trees, all built in
# this run with the same compiler and flags (qemu-m4 README), at -O2 and -Os.
#   bench/trees/run_tree_bench.sh [trees] [max_depth]   -> bench/results/trees.json
# Needs the host tool make_tree_bench (built here through the shared host-debug tree).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=$(cd "$root/../shared" && pwd)
qemu_m4=$shared/tools/qemu-m4
trees=${1:-50}
depth=${2:-10}
work=${TREE_BENCH_WORK:-$(mktemp -d /tmp/tree-bench.XXXXXX)}
mkdir -p "$work"
cmake --build "$root/build/host-debug" --target make_tree_bench >/dev/null
"$root/build/host-debug/bench/trees/make_tree_bench" "$work/data" \
  "$root/examples/predictive_maintenance/cwru_pipeline.toml" "$shared" "$trees" "$depth" >/dev/null
if [ -z "${M4COUNT_PLUGIN:-}" ]; then
  "$qemu_m4/plugin/build.sh" "$work" >/dev/null
  export M4COUNT_PLUGIN=$work/libm4count.so
fi
arch=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
link=(-T "$qemu_m4/bsp/mps2_an386.ld" -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections)
runtime_sources=("$root"/runtime/core/{model,model_graph,interpreter,crc32,math,status}.cpp
                 "$root"/runtime/kernels/ops/{tree_ensemble_op,op_common}.cpp
                 "$root"/runtime/kernels/reference/tree_ensemble.cpp
                 "$root"/runtime/platform/debug_log.cpp "$root"/runtime/ports/cortex_m/debug_log.cpp)
for opt in O2 Os; do
  for variant in 0 1 2 3; do
    dir=$work/$opt-$variant
    mkdir -p "$dir"
    objects=()
    common=("${arch[@]}" "-$opt" -g -ffunction-sections -fdata-sections -ffp-contract=off -fno-math-errno
            -I"$qemu_m4/bsp" -I"$work/data")
    arm-none-eabi-gcc "${common[@]}" -c "$qemu_m4/bsp/m4bench.c" -o "$dir/m4bench.o"
    arm-none-eabi-gcc "${arch[@]}" -c "$qemu_m4/bsp/m4bench_markers.S" -o "$dir/markers.o"
    objects+=("$dir/m4bench.o" "$dir/markers.o")
    cxx=(arm-none-eabi-g++ "${common[@]}" -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics
         -I"$root" -I"$root/runtime" -I"$root/runtime/include" -I"$root/format/include"
         -DBENCH_VARIANT=$variant)
    "${cxx[@]}" -c "$root/bench/trees/tree_bench_m4.cpp" -o "$dir/main.o"
    objects+=("$dir/main.o")
    if [ "$variant" = 0 ]; then
      for src in "${runtime_sources[@]}"; do
        object="$dir/$(basename "$(dirname "$src")")_$(basename "$src" .cpp).o"  # two debug_log.cpp
        "${cxx[@]}" -c "$src" -o "$object"
        objects+=("$object")
      done
    elif [ "$variant" != 3 ]; then
      arm-none-eabi-gcc "${common[@]}" -std=c11 -c "$work/data/forest_baseline.c" -o "$dir/baseline.o"
      objects+=("$dir/baseline.o")
    fi
    arm-none-eabi-g++ "${arch[@]}" "-$opt" "${objects[@]}" "${link[@]}" -o "$dir/image.elf"
    arm-none-eabi-size -A "$dir/image.elf" > "$dir/size.txt"
    "$qemu_m4/m4run.py" "$dir/image.elf" --json "$dir/run.json" > "$dir/run.txt"
  done
done
/usr/bin/python3 "$root/bench/trees/write_trees_json.py" "$work" "$root/bench/results/trees.json" "$trees" "$depth"
echo "work dir: $work"
