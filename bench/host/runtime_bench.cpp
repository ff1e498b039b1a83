// Host latency per inference of the AD and KWS workloads with the reference and the optimized
// kernels (Google Benchmark). Each benchmark reports its output checksum as a counter so that
// scripts/run-bench.sh can check the Cortex-M4 images computed the same bytes.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "bench/common/bench_layers.h"
#include "bench_model_data.h"

namespace tinyforge::bench {
namespace {

template <uint32_t kLayerCount>
void RunModel(benchmark::State& state, const BenchLayer (&layers)[kLayerCount],
              const int8_t* input, Kernels kernels) {
  const uint32_t arena_bytes = ChainArenaBytes(layers, kLayerCount, kernels);
  alignas(16) static uint8_t arena[64 * 1024];
  if (arena_bytes > sizeof(arena)) {
    state.SkipWithError("arena too small");
    return;
  }
  const int8_t* output = nullptr;
  for (auto _ : state) {
    LoadChainInput(layers, input, arena);
    output = RunChain(layers, kLayerCount, kernels, arena, arena_bytes);
    benchmark::DoNotOptimize(output);
  }
  state.counters["output_checksum"] =
      static_cast<double>(Checksum(output, OutputBytes(layers[kLayerCount - 1])));
  state.counters["arena_bytes"] = arena_bytes;
}

void BM_AdReference(benchmark::State& s) { RunModel(s, data::kAdLayers, data::kAdInput, Kernels::kReference); }
void BM_AdOptimized(benchmark::State& s) { RunModel(s, data::kAdLayers, data::kAdInput, Kernels::kOptimized); }
void BM_KwsReference(benchmark::State& s) { RunModel(s, data::kKwsLayers, data::kKwsInput, Kernels::kReference); }
void BM_KwsOptimized(benchmark::State& s) { RunModel(s, data::kKwsLayers, data::kKwsInput, Kernels::kOptimized); }

BENCHMARK(BM_AdReference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AdOptimized)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_KwsReference)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_KwsOptimized)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tinyforge::bench

BENCHMARK_MAIN();
