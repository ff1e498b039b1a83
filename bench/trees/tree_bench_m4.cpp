// Cortex-M4 image of the TreeEnsemble benchmark (bench/trees/run_tree_bench.sh). One variant per
// image, so each image's flash is that variant's alone:
//   BENCH_VARIANT 0  TinyForge runtime: Model::Load + Prepare once, then per row copy the input
//                    and Invoke (resolver with the float-only TreeEnsemble, as `package` makes)
//   BENCH_VARIANT 1  emlearn-style node arrays walked in a loop (forest_baseline.c)
//   BENCH_VARIANT 2  emlearn-style nested if/else per tree (forest_baseline.c)
//   BENCH_VARIANT 3  no inference: the same rows and checks, to subtract the BSP and data
// Every row is one "inference" region; the outputs are compared with the host trainer's bit for
// bit (@kv mismatches, exit code 1 on any).
#include <stdint.h>
#include <string.h>

#include "tree_bench_data.h"

extern "C" {
#include "m4bench.h"
void baseline_arrays(const float* x, float* out);
void baseline_inline(const float* x, float* out);
}

#if BENCH_VARIANT == 0
#include "tinyforge/interpreter.h"
#include "tinyforge/ops.h"
namespace {
const tinyforge::OpRegistration kOps[] = {tinyforge::ops::kTreeEnsembleF32};  // as `package` generates for a float forest
const tinyforge::OpResolver kResolver(kOps, 1);
alignas(16) uint8_t g_arena[256];
tinyforge::Interpreter g_interpreter(kResolver);
}  // namespace
#endif

int main() {
  float output[BENCH_CLASSES];
  uint32_t mismatches = 0;
#if BENCH_VARIANT == 0
  m4bench_begin();
  if (g_interpreter.Load(kForestModel, sizeof(kForestModel)) != tinyforge::Status::kOk) return 2;
  if (g_interpreter.Prepare(g_arena, sizeof(g_arena)) != tinyforge::Status::kOk) return 3;
  m4bench_end_label("load_prepare");
  tinyforge::Tensor input, result;
  if (g_interpreter.Input(0, &input) != tinyforge::Status::kOk) return 4;
  if (g_interpreter.Output(0, &result) != tinyforge::Status::kOk) return 5;
#endif
  for (uint32_t r = 0; r < BENCH_ROWS; ++r) {
    const float* row = kBenchRows + r * BENCH_FEATURES;
    m4bench_begin();
#if BENCH_VARIANT == 0
    memcpy(input.data, row, BENCH_FEATURES * sizeof(float));
    if (g_interpreter.Invoke() != tinyforge::Status::kOk) return 6;
    memcpy(output, result.data, sizeof(output));
#elif BENCH_VARIANT == 1
    baseline_arrays(row, output);
#elif BENCH_VARIANT == 2
    baseline_inline(row, output);
#else
    memcpy(output, kBenchExpected + r * BENCH_CLASSES, sizeof(output));
#endif
    m4bench_end_label("inference");
    if (memcmp(output, kBenchExpected + r * BENCH_CLASSES, sizeof(output)) != 0) ++mismatches;
  }
  m4_kv_u32("mismatches", mismatches);
  m4_kv_u32("stack_used_bytes", m4_stack_used_bytes());
  return mismatches == 0 ? 0 : 1;
}
