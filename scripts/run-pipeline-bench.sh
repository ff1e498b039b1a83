#!/usr/bin/env bash
# Pipeline benchmark → bench/results/pipeline.json: time per stage of the CWRU demo pipeline
# (`tinyforge pipeline run --json`, report.stages) and training throughput of our MLP vs PyTorch
# CPU on the same standardized feature matrix (bench/pipeline/pipeline_bench + torch_mlp.py).
# Usage: scripts/run-pipeline-bench.sh [BUILD_DIR]   (default build/host-release; Release build)
# Environment: TINYFORGE_SHARED_DIR (default ../shared), BENCH_THREADS (1), BENCH_EPOCHS (80),
# BENCH_REPEATS (3), BENCH_MORE_THREADS (nproc; 0 = skip). The comparison runs twice in the same
# invocation: PyTorch on BENCH_THREADS thread(s) (training_throughput) and on BENCH_MORE_THREADS
# (training_throughput_more_threads); PyTorch's own default thread count on this machine is
# recorded as pytorch_default_threads. Our trainer is single-threaded in both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/host-release}"
shared="${TINYFORGE_SHARED_DIR:-$root/../shared}"
threads="${BENCH_THREADS:-1}"
work="$build/pipeline-bench"
cd "$root"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target tinyforge pipeline_bench -j "${BENCH_JOBS:-2}"
/usr/bin/python3 -c "import torch" 2>/dev/null || {
  echo "run-pipeline-bench: PyTorch is missing (apt-get install python3-torch)" >&2; exit 1; }

mkdir -p "$work"
echo "== tinyforge pipeline run (CWRU demo) =="
OMP_NUM_THREADS="$threads" "$build/toolchain/tinyforge" pipeline run \
  examples/predictive_maintenance/cwru_pipeline.toml --shared-dir "$shared" \
  --output "$work/demo" --json > "$work/pipeline-report.json"

echo "== MLP training throughput: TinyForge vs PyTorch CPU ($threads thread(s)) =="
OMP_NUM_THREADS="$threads" "$build/bench/pipeline/pipeline_bench" \
  --spec examples/predictive_maintenance/cwru_pipeline.toml --shared-dir "$shared" \
  --pipeline-report "$work/pipeline-report.json" --work-dir "$work" \
  --threads "$threads" --epochs "${BENCH_EPOCHS:-80}" --repeats "${BENCH_REPEATS:-3}" \
  --out bench/results/pipeline.json

more="${BENCH_MORE_THREADS:-$(nproc)}"
# A result left in $work by an earlier run with other settings must not be merged into this one.
rm -f "$work/throughput-$more-threads.json"
if [ "$more" != "0" ] && [ "$more" != "$threads" ]; then
  echo "== MLP training throughput: TinyForge vs PyTorch CPU ($more threads) =="
  OMP_NUM_THREADS="$more" "$build/bench/pipeline/pipeline_bench" \
    --spec examples/predictive_maintenance/cwru_pipeline.toml --shared-dir "$shared" \
    --work-dir "$work" --threads "$more" --epochs "${BENCH_EPOCHS:-80}" \
    --repeats "${BENCH_REPEATS:-3}" --out "$work/throughput-$more-threads.json"
fi
# PyTorch's default (no set_num_threads, no OMP_NUM_THREADS) and the merge of the second run.
env -u OMP_NUM_THREADS -u MKL_NUM_THREADS /usr/bin/python3 - "$work/throughput-$more-threads.json" <<'PY'
import json, os, sys
import torch
path = "bench/results/pipeline.json"
with open(path) as f:
    results = json.load(f)
results["pytorch_default_threads"] = {
    "threads": torch.get_num_threads(),
    "cpus": os.cpu_count(),
    "how": "torch.get_num_threads() with OMP_NUM_THREADS and MKL_NUM_THREADS unset"}
more = sys.argv[1]
if os.path.exists(more):
    with open(more) as f:
        results["training_throughput_more_threads"] = json.load(f)["training_throughput"]
with open(path + ".tmp", "w") as f:
    json.dump(results, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
PY
