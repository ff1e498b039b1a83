// TreeEnsemble on the Cortex-M4 under QEMU: a random forest and an Isolation Forest trained on
// the host (tests/device/host_tools/make_tree_models.cpp) run through the Interpreter with a
// TreeEnsemble-only resolver; every output byte must equal the host runtime's for the same rows.
// A forest whose first child points back at its parent is refused at Prepare.
#include <stdint.h>
#include <string.h>

#include "embedded_files.h"
#include "micro_test.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/ops.h"

namespace {

using tinyforge::Interpreter;
using tinyforge::Status;
using tinyforge::Tensor;

constexpr uint32_t kRows = 32;
constexpr uint32_t kFeatures = 6;
const tinyforge::OpRegistration kTreeOps[] = {tinyforge::ops::kTreeEnsemble};
const tinyforge::OpResolver kTreeResolver(kTreeOps, 1);
alignas(16) uint8_t g_arena[1024];

// Runs `blob` on every row and compares each output with `host_outputs` (row-major bytes).
// Returns the number of rows whose bytes differ, or kRows + 1 when the model does not run.
uint32_t RowsDifferingFromHost(const uint8_t* blob, uint32_t blob_bytes, const uint8_t* host_outputs,
                               uint32_t host_bytes) {
  Interpreter interpreter(kTreeResolver);
  if (interpreter.Load(blob, blob_bytes) != Status::kOk) return kRows + 1;
  if (interpreter.Prepare(g_arena, sizeof(g_arena)) != Status::kOk) return kRows + 1;
  Tensor input, output;
  if (interpreter.Input(0, &input) != Status::kOk || interpreter.Output(0, &output) != Status::kOk) {
    return kRows + 1;
  }
  const uint32_t output_bytes = output.Bytes();
  if (input.Bytes() != kFeatures * sizeof(float) || output_bytes * kRows != host_bytes) return kRows + 1;
  uint32_t differing = 0;
  for (uint32_t r = 0; r < kRows; ++r) {
    memcpy(input.data, tf_embed_tree_rows_bin + r * kFeatures * sizeof(float), kFeatures * sizeof(float));
    if (interpreter.Invoke() != Status::kOk) return kRows + 1;
    if (memcmp(output.data, host_outputs + r * output_bytes, output_bytes) != 0) ++differing;
  }
  return differing;
}

TF_TEST(TreeEnsembleDevice, ForestProbabilitiesEqualTheHostRuntimeBytes) {
  TF_EXPECT_EQ(tf_embed_tree_rows_bin_size, kRows * kFeatures * 4u);
  TF_EXPECT_EQ(RowsDifferingFromHost(tf_embed_tree_forest_tfm, tf_embed_tree_forest_tfm_size,
                                     tf_embed_tree_forest_host_bin, tf_embed_tree_forest_host_bin_size),
               0u);
}

TF_TEST(TreeEnsembleDevice, IsolationScoresEqualTheHostRuntimeBytes) {
  TF_EXPECT_EQ(RowsDifferingFromHost(tf_embed_tree_isolation_tfm, tf_embed_tree_isolation_tfm_size,
                                     tf_embed_tree_isolation_host_bin,
                                     tf_embed_tree_isolation_host_bin_size),
               0u);
}

TF_TEST(TreeEnsembleDevice, ChildPointingBackIsRefusedAtPrepare) {
  Interpreter interpreter(kTreeResolver);
  TF_EXPECT_EQ(static_cast<int>(interpreter.Load(tf_embed_tree_forest_bad_child_tfm,
                                                 tf_embed_tree_forest_bad_child_tfm_size)),
               static_cast<int>(Status::kOk));
  TF_EXPECT_EQ(static_cast<int>(interpreter.Prepare(g_arena, sizeof(g_arena))),
               static_cast<int>(Status::kTreeChildOutOfRange));
  TF_EXPECT_EQ(static_cast<int>(interpreter.Invoke()), static_cast<int>(Status::kNotPrepared));
}

}  // namespace

int main() { return tinyforge::micro_test::RunAll(); }
