// Host latency per inference of the AD and KWS benchmark blobs through tinyforge::Interpreter
// (Google Benchmark). The host runs the reference kernels: the Cortex-M kernels only emulate the
// DSP instructions there, so their host speed means nothing. Counters: arena bytes (the
// planner's figure, checked against the Interpreter's) and the output checksum, which every
// Cortex-M4 image must reproduce.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "bench/common/bench_models.h"
#include "tinyforge/interpreter.h"

namespace tinyforge::bench {
namespace {

uint8_t* Align16(uint8_t* p) { return p + ((16 - reinterpret_cast<uintptr_t>(p) % 16) % 16); }

void RunModel(benchmark::State& state, toolchain::Result<BenchModel> (*build)()) {
  auto model = build();
  if (!model.ok()) {
    state.SkipWithError(model.error().message.c_str());
    return;
  }
  std::vector<uint8_t> blob_storage(model->blob.size() + 16);
  uint8_t* blob = Align16(blob_storage.data());
  std::memcpy(blob, model->blob.data(), model->blob.size());
  Interpreter interpreter(ReferenceOpsResolver());
  if (interpreter.Load(blob, model->blob.size()) != Status::kOk ||
      interpreter.ArenaBytesRequired() != model->planner_arena_bytes) {
    state.SkipWithError("load failed or arena differs from the planner's");
    return;
  }
  std::vector<uint8_t> arena_storage(model->planner_arena_bytes + 16);
  Tensor input;
  Tensor output;
  if (interpreter.Prepare(Align16(arena_storage.data()), model->planner_arena_bytes) !=
          Status::kOk ||
      interpreter.Input(0, &input) != Status::kOk || interpreter.Output(0, &output) != Status::kOk) {
    state.SkipWithError("prepare failed");
    return;
  }
  std::memcpy(input.data, model->input.data(), model->input.size());
  for (auto _ : state) {
    if (interpreter.Invoke() != Status::kOk) {
      state.SkipWithError("invoke failed");
      return;
    }
    benchmark::DoNotOptimize(output.data);
  }
  state.counters["output_checksum"] =
      static_cast<double>(Checksum(static_cast<const int8_t*>(output.data), output.Bytes()));
  state.counters["arena_bytes"] = model->planner_arena_bytes;
  state.counters["model_bytes"] = static_cast<double>(model->blob.size());
}

void BM_AdReference(benchmark::State& state) { RunModel(state, &BuildAdModel); }
void BM_KwsReference(benchmark::State& state) { RunModel(state, &BuildKwsModel); }

BENCHMARK(BM_AdReference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_KwsReference)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tinyforge::bench

BENCHMARK_MAIN();
