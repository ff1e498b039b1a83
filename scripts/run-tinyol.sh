#!/usr/bin/env bash
# TinyOL experiments, one command each (results in bench/results/tinyol_*.json, plots in
# docs/img/tinyol_*.svg, described in docs/tinyol.md):
#   scripts/run-tinyol.sh [cwru-new-class|cwru-new-bearing|elec2|anomaly|footprint|all]
# Each experiment: the host driver (bench/tinyol/tinyol_experiments) builds the stream and runs our
# learner; sklearn_baselines.py (/usr/bin/python3, numpy + sklearn) replays the same stream file;
# merge_results.py scores everything the same way. footprint: the Cortex-M4 replay image of the
# CWRU new-class stream (bench/m4/tinyol) on QEMU: its accuracy must equal the host's; flash/RAM
# and instructions per update/inference -> bench/results/tinyol.json.
# Build dirs: TINYOL_HOST_BUILD (build/h-tinyol), TINYOL_M4_BUILD (build/h-tinyol-m4).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${TINYFORGE_SHARED_DIR:-$ROOT/../shared}
SHARED=$(cd "$SHARED" && pwd)
JOBS=${JOBS:-2}
HOST=${TINYOL_HOST_BUILD:-$ROOT/build/h-tinyol}
M4=${TINYOL_M4_BUILD:-$ROOT/build/h-tinyol-m4}
WORK=$HOST/tinyol-work
RESULTS=$ROOT/bench/results
PLOTS=$ROOT/docs/img
PYTHON=/usr/bin/python3
# One BLAS thread: the baselines fit one sample at a time, threads only add overhead.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK" "$RESULTS" "$PLOTS"

build_host() {
  if [ ! -f "$HOST/build.ninja" ]; then
    cmake -S "$ROOT" -B "$HOST" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$HOST" --target tinyol_experiments -j "$JOBS" >/dev/null
}

streams_of() {
  case "$1" in
    cwru-new-class) echo cwru_new_class_hidden cwru_new_class_features ;;
    cwru-new-bearing) echo cwru_new_bearing_hidden cwru_new_bearing_features ;;
    elec2) echo elec2_8 elec2_6 ;;
    anomaly) echo cwru_anomaly ;;
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

footprint() {
  echo "== footprint"
  if [ ! -f "$WORK/device/stream_shape.bin" ] || [ ! -f "$WORK/cwru_new_class_hidden.sklearn.json" ]; then
    run_experiment cwru-new-class
  fi
  cmake -S "$ROOT" -B "$M4" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DTINYFORGE_SHARED_DIR="$SHARED" \
    -DTINYFORGE_TINYOL_DEVICE_DIR="$WORK/device" >/dev/null
  cmake --build "$M4" --target tinyol_replay m4count_plugin -j "$JOBS" >/dev/null
  local elf=$M4/bench/m4/tinyol/tinyol_replay.elf
  "$PYTHON" "$SHARED/tools/qemu-m4/m4run.py" --plugin "$M4/qemu-m4-plugin/libm4count.so" \
    --mode tb --json "$WORK/m4_replay.json" "$elf" | tail -n 30
  arm-none-eabi-size -A "$elf" > "$WORK/m4_replay.size"
  "$PYTHON" bench/tinyol/write_footprint.py "$WORK" "$RESULTS/tinyol.json"
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
