// One Cortex-M4 benchmark image: a model (TINYFORGE_BENCH_MODEL = Ad or Kws) run with one kernel
// set (TINYFORGE_BENCH_OPTIMIZED 0/1) on mps2-an386 under QEMU. Counted with qemu-m4's m4run.py:
// one warm-up and three "inference" regions; prints arena/model/stack figures and the output
// checksum that scripts/run-bench.sh compares with the host's.
#include <stdint.h>

#include "bench/common/bench_layers.h"
#include "bench_model_data.h"
#include "m4bench.h"

#define TINYFORGE_BENCH_CAT2(a, b) a##b
#define TINYFORGE_BENCH_CAT(a, b) TINYFORGE_BENCH_CAT2(a, b)
#define TINYFORGE_BENCH_DATA(suffix) \
  tinyforge::bench::data::TINYFORGE_BENCH_CAT(TINYFORGE_BENCH_CAT(k, TINYFORGE_BENCH_MODEL), suffix)

namespace {

using tinyforge::bench::Kernels;

#if TINYFORGE_BENCH_OPTIMIZED
constexpr Kernels kKernels = Kernels::kOptimized;
constexpr uint32_t kArenaBytes = TINYFORGE_BENCH_DATA(ArenaBytesOptimized);
#else
constexpr Kernels kKernels = Kernels::kReference;
constexpr uint32_t kArenaBytes = TINYFORGE_BENCH_DATA(ArenaBytesReference);
#endif

alignas(16) uint8_t g_arena[kArenaBytes];

}  // namespace

int main() {
  const auto& layers = TINYFORGE_BENCH_DATA(Layers);
  const uint32_t layer_count = sizeof(layers) / sizeof(layers[0]);
  if (tinyforge::bench::ChainArenaBytes(layers, layer_count, kKernels) != kArenaBytes) {
    m4_puts("arena plan of the generator and the runtime disagree\n");
    return 2;
  }
  const int8_t* output = nullptr;
  for (int run = 0; run < 4; ++run) {
    tinyforge::bench::LoadChainInput(layers, TINYFORGE_BENCH_DATA(Input), g_arena);
    m4bench_begin();
    output = tinyforge::bench::RunChain(layers, layer_count, kKernels, g_arena, kArenaBytes);
    m4bench_end_label(run == 0 ? "warmup" : "inference");
  }
  const uint32_t output_bytes = tinyforge::bench::OutputBytes(layers[layer_count - 1]);
  m4_kv_u32("output_checksum", tinyforge::bench::Checksum(output, output_bytes));
  m4_kv_u32("arena_bytes", kArenaBytes);
  m4_kv_u32("model_bytes", TINYFORGE_BENCH_DATA(ModelBytes));
  m4_kv_u32("stack_bytes", m4_stack_used_bytes());
  return 0;
}
