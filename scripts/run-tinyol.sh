#!/usr/bin/env bash
# TinyOL experiments, one command each (results in bench/results/tinyol_*.json, plots in
# docs/img/tinyol_*.svg, described in docs/tinyol.md):
#   scripts/run-tinyol.sh [cwru-new-class|cwru-new-bearing|elec2|anomaly|footprint|all]
# Each experiment: the host driver (bench/tinyol/tinyol_experiments) builds the stream and runs our
# learner; sklearn_baselines.py (/usr/bin/python3, numpy + sklearn) replays the same stream file;
# merge_results.py scores everything the same way. footprint: the Cortex-M4 replay image of the
# CWRU new-class stream (bench/m4/tinyol) on QEMU: its accuracy must equal the host's; flash/RAM
# and instructions per update/inference -> bench/results/tinyol.json.
# Build dirs: TINYOL_HOST_BUILD (the shared build/host-release), TINYOL_M4_BUILD (prefix of the
# four Cortex-M4 replay builds, build/h-tinyol-m4-*); work files in TINYOL_WORK
# (build/h-tinyol-work). Every build step takes /tmp/tf-build.lock (TINYOL_LOCK): the machine's
# other builds share its two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${TINYFORGE_SHARED_DIR:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
JOBS=${JOBS:-2}
HOST=${TINYOL_HOST_BUILD:-$ROOT/build/host-release}
# Cortex-M4 build dirs: $M4-<float|int8>-<MinSizeRel|Release> (docs/tinyol.md, "Flash").
M4=${TINYOL_M4_BUILD:-$ROOT/build/h-tinyol-m4}
LOCK=${TINYOL_LOCK:-/tmp/tf-build.lock}
WORK=${TINYOL_WORK:-$ROOT/build/h-tinyol-work}
RESULTS=$ROOT/bench/results
PLOTS=$ROOT/docs/img
PYTHON=/usr/bin/python3
# One BLAS thread: the baselines fit one sample at a time, threads only add overhead.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK" "$RESULTS" "$PLOTS"

# Runs a build step quietly; on failure shows the end of its output (ninja prints compiler errors
# on stdout, which a plain >/dev/null would swallow, leaving only a bare exit code).
quiet() {
  local log="$WORK/build-step.log"
  if ! "$@" >"$log" 2>&1; then
    echo "run-tinyol.sh: failed: $*" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

build_host() {
  if [ ! -f "$HOST/build.ninja" ]; then
    quiet flock "$LOCK" cmake -S "$ROOT" -B "$HOST" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  quiet flock "$LOCK" cmake --build "$HOST" --target tinyol_experiments -j "$JOBS"
}

streams_of() {
  case "$1" in
    cwru-new-class) echo cwru_new_class_hidden cwru_new_class_features ;;
    cwru-new-bearing) echo cwru_new_bearing_hidden cwru_new_bearing_features ;;
    elec2) echo elec2_8 elec2_6 ;;
    anomaly) echo cwru_anomaly cwru_anomaly_normal ;;
  esac
}

run_experiment() {
  local experiment=$1
  echo "== $experiment"
  "$HOST/bench/tinyol/tinyol_experiments" "$experiment" "$SHARED" "$WORK"
  for stream in $(streams_of "$experiment"); do
    "$PYTHON" bench/tinyol/sklearn_baselines.py "$WORK" "$stream"
  done
  (cd bench/tinyol && "$PYTHON" merge_results.py "$experiment" "$WORK" "$RESULTS" "$PLOTS")
}

# One replay image: $1 = float|int8 (frozen model), $2 = CMake build type. Writes
# $WORK/m4_replay-<model>-<type>.{json,size,build}.
footprint_variant() {
  local model=$1 build_type=$2
  local dir=$M4-$model-$build_type tag=$model-$build_type data=$WORK/device int8=OFF
  if [ "$model" = int8 ]; then data=$WORK/device-int8; int8=ON; fi
  quiet flock "$LOCK" cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE="$build_type" -DTINYFORGE_SHARED_DIR="$SHARED" \
    -DTINYFORGE_TINYOL_DEVICE_DIR="$data" -DTINYFORGE_TINYOL_FROZEN_INT8=$int8
  quiet flock "$LOCK" cmake --build "$dir" --target tinyol_replay m4count_plugin -j "$JOBS"
  local elf=$dir/bench/m4/tinyol/tinyol_replay.elf
  echo "-- $tag"
  "$PYTHON" "$SHARED/tools/qemu-m4/m4run.py" --plugin "$dir/qemu-m4-plugin/libm4count.so" \
    --mode tb --json "$WORK/m4_replay-$tag.json" "$elf" | tail -n 30
  arm-none-eabi-size -A "$elf" > "$WORK/m4_replay-$tag.size"
  local upper
  upper=$(echo "$build_type" | tr a-z A-Z)
  {
    echo "frozen_model $model"
    echo "build_type $build_type"
    echo "compiler $(arm-none-eabi-gcc --version | head -n 1)"
    echo "flags $(grep -E "^CMAKE_CXX_FLAGS(_$upper)?:" "$dir/CMakeCache.txt" | cut -d= -f2- | tr '\n' ' ')"
  } > "$WORK/m4_replay-$tag.build"
}

# The reported image is float + MinSizeRel (-Os); the int8 model and -O3 are measured beside it.
footprint() {
  echo "== footprint"
  if [ ! -f "$WORK/device-int8/stream_shape.bin" ] || [ ! -f "$WORK/cwru_new_class_hidden.sklearn.json" ]; then
    run_experiment cwru-new-class
  fi
  for model in float int8; do
    for build_type in MinSizeRel Release; do footprint_variant "$model" "$build_type"; done
  done
  "$PYTHON" bench/tinyol/write_footprint.py "$WORK" "$RESULTS/tinyol.json" float-MinSizeRel
}

target=${1:-all}
build_host
case "$target" in
  cwru-new-class|cwru-new-bearing|elec2|anomaly) run_experiment "$target" ;;
  footprint) footprint ;;
  all)
    for experiment in cwru-new-class cwru-new-bearing anomaly elec2; do run_experiment "$experiment"; done
    footprint
    ;;
  *) echo "usage: $0 [cwru-new-class|cwru-new-bearing|elec2|anomaly|footprint|all]" >&2; exit 2 ;;
esac
