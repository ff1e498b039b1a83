// One Cortex-M4 benchmark image: a .tfm blob (AD or KWS, from make_bench_models) loaded and run
// by tinyforge::Interpreter with a resolver holding only the ops the model uses, optimized
// (TINYFORGE_BENCH_OPTIMIZED=1) or reference kernels, on mps2-an386 under QEMU. Counted with
// qemu-m4's m4run.py: one warm-up and three "inference" regions around Invoke(). Prints the
// arena (the planner's figure, checked against the Interpreter's), the arena bytes the run
// touched (painted canary; must equal the planner's figure, exit 4 otherwise), model and stack
// bytes and the output checksum that must equal the host's (exit 3 otherwise).
#include <stdint.h>
#include <string.h>

#include "m4bench.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/ops.h"

#if defined(TINYFORGE_BENCH_MODEL_AD)
#include "bench_model_ad.h"
#elif defined(TINYFORGE_BENCH_MODEL_KWS)
#include "bench_model_kws.h"
#else
#error "define TINYFORGE_BENCH_MODEL_AD or TINYFORGE_BENCH_MODEL_KWS"
#endif

namespace {

namespace model = tinyforge::bench::model;
namespace ops = tinyforge::ops;

#if TINYFORGE_BENCH_OPTIMIZED
#define TINYFORGE_BENCH_KERNEL(name) ops::k##name
#else
#define TINYFORGE_BENCH_KERNEL(name) ops::k##name##Reference
#endif

// Exactly the ops of the model (what the toolchain's generated resolver would hold).
#if defined(TINYFORGE_BENCH_MODEL_AD)
const tinyforge::OpRegistration kModelOps[] = {TINYFORGE_BENCH_KERNEL(FullyConnected)};
#else
const tinyforge::OpRegistration kModelOps[] = {
    TINYFORGE_BENCH_KERNEL(Conv2D), TINYFORGE_BENCH_KERNEL(DepthwiseConv2D),
    ops::kGlobalAveragePool, TINYFORGE_BENCH_KERNEL(FullyConnected), ops::kSoftmax};
#endif
const tinyforge::OpResolver kResolver(kModelOps, sizeof(kModelOps) / sizeof(kModelOps[0]));

alignas(16) uint8_t g_arena[model::kPlannerArenaBytes];

uint32_t Checksum(const int8_t* bytes, uint32_t count) {
  uint32_t hash = 2166136261u;
  for (uint32_t i = 0; i < count; ++i) hash = (hash ^ static_cast<uint8_t>(bytes[i])) * 16777619u;
  return hash;
}

int Fail(const char* what, tinyforge::Status status) {
  m4_puts(what);
  m4_puts(tinyforge::StatusName(status));
  m4_puts("\n");
  return 2;
}

}  // namespace

constexpr uint8_t kCanary = 0xA5;

// Highest arena byte that differs from `canary`, + 1: the arena the run really used.
uint32_t ArenaBytesTouched(uint8_t canary) {
  uint32_t touched = 0;
  for (uint32_t i = 0; i < sizeof(g_arena); ++i) {
    if (g_arena[i] != canary) touched = i + 1;
  }
  return touched;
}

int main() {
  tinyforge::Interpreter interpreter(kResolver);
  tinyforge::Status status = interpreter.Load(model::kBlob, sizeof(model::kBlob));
  if (status != tinyforge::Status::kOk) return Fail("load: ", status);
  if (interpreter.ArenaBytesRequired() != model::kPlannerArenaBytes) {
    m4_puts("the Interpreter's arena differs from the planner's\n");
    return 2;
  }
  memset(g_arena, kCanary, sizeof(g_arena));
  status = interpreter.Prepare(g_arena, sizeof(g_arena));
  if (status != tinyforge::Status::kOk) return Fail("prepare: ", status);
  tinyforge::Tensor input;
  tinyforge::Tensor output;
  if (interpreter.Input(0, &input) != tinyforge::Status::kOk ||
      interpreter.Output(0, &output) != tinyforge::Status::kOk) {
    return 2;
  }
  int8_t* in = static_cast<int8_t*>(input.data);
  for (int run = 0; run < 4; ++run) {
    // The planner lets later activations reuse the input's bytes: refill it every run.
    for (uint32_t i = 0; i < sizeof(model::kInput); ++i) in[i] = model::kInput[i];
    m4bench_begin();
    status = interpreter.Invoke();
    m4bench_end_label(run == 0 ? "warmup" : "inference");
    if (status != tinyforge::Status::kOk) return Fail("invoke: ", status);
  }
  const uint32_t checksum = Checksum(static_cast<const int8_t*>(output.data), output.Bytes());
  // Predicted == used, measured on the device (where the Cortex-M kernels' scratch is used). One
  // canary keeps the harness small (its code counts in code_bytes); a last byte that happened to
  // be written as the canary would under-report, and so fail the check below, never pass it.
  const uint32_t touched = ArenaBytesTouched(kCanary);
  m4_kv_u32("output_checksum", checksum);
  m4_kv_u32("host_checksum", model::kHostChecksum);
  m4_kv_u32("arena_bytes", interpreter.ArenaBytesRequired());
  m4_kv_u32("model_bytes", sizeof(model::kBlob));
  m4_kv_u32("arena_bytes_touched", touched);
  m4_kv_u32("stack_bytes", m4_stack_used_bytes());
  if (checksum != model::kHostChecksum) return 3;
  // The planner sizes scratch for the Cortex-M kernels; the reference kernels use none of it.
  const bool arena_as_planned = TINYFORGE_BENCH_OPTIMIZED ? touched == model::kPlannerArenaBytes
                                                          : touched <= model::kPlannerArenaBytes;
  if (!arena_as_planned) {
    m4_puts("the arena used differs from the planner's figure\n");
    return 4;
  }
  return 0;
}
