// TreeEnsemble in the loader and the interpreter: the hand-written forest round-trips through the
// format and runs; each malformed forest is refused before it runs (at Prepare) with its own status.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "tests/runtime/core/test_models.h"
#include "tests/runtime/core/tree_test_models.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/model.h"
#include "tinyforge/ops.h"

namespace tinyforge {
namespace {

using testing::AlignedBuffer;
using testing::BuildTreeModel;
using testing::TreeModelSpec;

// The forest is proven by the op's Prepare (the loader checks only the generic op record, so
// images without TreeEnsemble link none of the forest code): Load, then Prepare.
Status LoadStatus(const TreeModelSpec& spec) {
  const auto blob = BuildTreeModel(spec);
  AlignedBuffer buffer(blob);
  Interpreter interpreter(AllOpsResolver());
  TINYFORGE_RETURN_IF_ERROR(interpreter.Load(buffer.data(), buffer.size()));
  std::vector<uint8_t> arena(interpreter.ArenaBytesRequired() + 16);
  uint8_t* aligned = arena.data() + ((16 - reinterpret_cast<uintptr_t>(arena.data()) % 16) % 16);
  return interpreter.Prepare(aligned, interpreter.ArenaBytesRequired());
}

TEST(TreeEnsembleLoaderTest, RoundTripKeepsTheForestArrays) {
  const TreeModelSpec spec;
  const auto blob = BuildTreeModel(spec);
  AlignedBuffer buffer(blob);
  Model model;
  ASSERT_EQ(model.Load(buffer.data(), buffer.size()), Status::kOk);
  ASSERT_EQ(model.op_count(), 1u);
  EXPECT_EQ(model.op(0).opcode, static_cast<uint16_t>(format::OpCode::kTreeEnsemble));
  const auto* params = static_cast<const format::TreeEnsembleParams*>(model.op_params(0));
  ASSERT_NE(params, nullptr);
  EXPECT_EQ(params->tree_count, 2);
  const uint16_t* list = model.op_tensor_list(0);
  const auto* children = reinterpret_cast<const int16_t*>(model.constant_data(list[4]));
  for (size_t i = 0; i < spec.children.size(); ++i) EXPECT_EQ(children[i], spec.children[i]) << i;
  const auto* leaves = reinterpret_cast<const float*>(model.constant_data(list[5]));
  for (size_t i = 0; i < spec.leaves.size(); ++i) EXPECT_EQ(leaves[i], spec.leaves[i]) << i;
  // Read in place: every constant stays 16-aligned in memory.
  for (uint32_t k = 1; k < 6; ++k) EXPECT_EQ(reinterpret_cast<uintptr_t>(model.constant_data(list[k])) % 16, 0u);
}

TEST(TreeEnsembleLoaderTest, InterpreterMatchesTheHandWorkedForest) {
  TreeModelSpec spec;
  spec.batch = 4;
  const auto blob = BuildTreeModel(spec);
  AlignedBuffer buffer(blob);
  Interpreter interpreter(AllOpsResolver());
  ASSERT_EQ(interpreter.Load(buffer.data(), buffer.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  Tensor input, output;
  ASSERT_EQ(interpreter.Input(0, &input), Status::kOk);
  const float rows[4][2] = {{0.0f, 0.0f}, {0.5f, -1.0f}, {0.7f, 0.0f}, {2.0f, 1.0f}};
  for (int r = 0; r < 4; ++r) {
    input.As<float>()[2 * r] = rows[r][0];
    input.As<float>()[2 * r + 1] = rows[r][1];
  }
  ASSERT_EQ(interpreter.Invoke(), Status::kOk);
  ASSERT_EQ(interpreter.Output(0, &output), Status::kOk);
  for (int r = 0; r < 4; ++r) {
    const auto expected = testing::ExpectedTreeOutput(rows[r][0], rows[r][1]);
    EXPECT_EQ(output.As<float>()[2 * r], expected[0]) << r;
    EXPECT_EQ(output.As<float>()[2 * r + 1], expected[1]) << r;
  }
}

TEST(TreeEnsembleLoaderTest, Int8InputComparesInTheQuantizedDomain) {
  TreeModelSpec spec;
  spec.int8_input = true;
  spec.input_scale = 0.25f;
  // thresholds 0.5, 0.0, 1.0 at scale 0.25 -> 2, 0, 4
  spec.thresholds_s16 = {2, 0, 0, 0, 0, 4, 0, 0};
  const auto blob = BuildTreeModel(spec);
  AlignedBuffer buffer(blob);
  Interpreter interpreter(AllOpsResolver());
  ASSERT_EQ(interpreter.Load(buffer.data(), buffer.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  for (int q0 = -128; q0 <= 127; q0 += 3) {
    for (int q1 = -8; q1 <= 8; ++q1) {
      Tensor input, output;
      ASSERT_EQ(interpreter.Input(0, &input), Status::kOk);
      input.As<int8_t>()[0] = static_cast<int8_t>(q0);
      input.As<int8_t>()[1] = static_cast<int8_t>(q1);
      ASSERT_EQ(interpreter.Invoke(), Status::kOk);
      ASSERT_EQ(interpreter.Output(0, &output), Status::kOk);
      const auto expected = testing::ExpectedTreeOutput(0.25f * static_cast<float>(q0), 0.25f * static_cast<float>(q1));
      EXPECT_EQ(output.As<float>()[0], expected[0]) << q0 << "," << q1;
      EXPECT_EQ(output.As<float>()[1], expected[1]) << q0 << "," << q1;
    }
  }
}

TEST(TreeEnsembleLoaderTest, FloatOnlyRegistrationRefusesAnInt8Forest) {
  static const OpRegistration kFloatForest[] = {ops::kTreeEnsembleF32};
  const OpResolver resolver(kFloatForest, 1);
  for (const bool int8_input : {false, true}) {
    TreeModelSpec spec;
    spec.int8_input = int8_input;
    spec.thresholds_s16 = {2, 0, 0, 0, 0, 4, 0, 0};
    const auto blob = BuildTreeModel(spec);
    AlignedBuffer buffer(blob);
    Interpreter interpreter(resolver);
    ASSERT_EQ(interpreter.Load(buffer.data(), buffer.size()), Status::kOk);
    AlignedBuffer arena(interpreter.ArenaBytesRequired());
    EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()),
              int8_input ? Status::kDTypeMismatch : Status::kOk);
  }
}

struct Malformed {
  const char* name;
  std::function<void(TreeModelSpec&)> mutate;
  Status expected;
};

TEST(TreeEnsembleLoaderTest, RejectsEachMalformedForestWithItsStatus) {
  const std::vector<Malformed> cases = {
      {"child points at itself", [](TreeModelSpec& s) { s.children[4] = 2; }, Status::kTreeChildOutOfRange},
      {"child points back (cycle)", [](TreeModelSpec& s) { s.children[5] = 0; }, Status::kTreeChildOutOfRange},
      {"child past its tree", [](TreeModelSpec& s) { s.children[5] = 5; }, Status::kTreeChildOutOfRange},
      {"negative child", [](TreeModelSpec& s) { s.children[0] = -1; }, Status::kTreeChildOutOfRange},
      {"feature == features", [](TreeModelSpec& s) { s.node_features[0] = 2; }, Status::kTreeFeatureOutOfRange},
      {"feature -2", [](TreeModelSpec& s) { s.node_features[2] = -2; }, Status::kTreeFeatureOutOfRange},
      {"leaf row past its tree", [](TreeModelSpec& s) { s.children[8] = 3; }, Status::kTreeLeafOutOfRange},
      {"negative leaf row", [](TreeModelSpec& s) { s.children[2] = -1; }, Status::kTreeLeafOutOfRange},
      {"leaf second column", [](TreeModelSpec& s) { s.children[3] = 1; }, Status::kTreeLeafOutOfRange},
      {"second root past the nodes", [](TreeModelSpec& s) { s.trees[2] = 8; }, Status::kTreeRootOutOfRange},
      {"first root not 0", [](TreeModelSpec& s) { s.trees[0] = 1; }, Status::kTreeRootOutOfRange},
      {"roots not increasing", [](TreeModelSpec& s) { s.trees[3] = 0; }, Status::kTreeRootOutOfRange},
      {"leaf base past the leaves", [](TreeModelSpec& s) { s.trees[3] = 5; }, Status::kTreeRootOutOfRange},
      {"thresholds shorter", [](TreeModelSpec& s) { s.thresholds.pop_back(); }, Status::kTreeShapeMismatch},
      {"int16 thresholds for float input",
       [](TreeModelSpec& s) {
         s.int16_thresholds_anyway = true;
         s.thresholds_s16 = std::vector<int16_t>(8, 0);
       },
       Status::kTreeShapeMismatch},
      {"output width != leaf width", [](TreeModelSpec& s) { s.output_width = 3; }, Status::kTreeShapeMismatch},
      {"isolation mode with 2 outputs",
       [](TreeModelSpec& s) {
         s.params.mode = static_cast<uint8_t>(format::TreeEnsembleMode::kIsolationScore);
         s.params.score_normalizer = 8.0f;
       },
       Status::kTreeShapeMismatch},
      {"unknown mode", [](TreeModelSpec& s) { s.params.mode = 3; }, Status::kBadParams},
      {"tree count != table", [](TreeModelSpec& s) { s.params.tree_count = 3; }, Status::kBadParams},
      {"normalizer in mean mode", [](TreeModelSpec& s) { s.params.score_normalizer = 1.0f; }, Status::kBadParams},
      {"reserved byte", [](TreeModelSpec& s) { s.params.reserved = 1; }, Status::kBadParams},
      {"five inputs", [](TreeModelSpec& s) { s.drop_last_input = true; }, Status::kBadOpArity},
  };
  ASSERT_EQ(LoadStatus(TreeModelSpec{}), Status::kOk);
  for (const Malformed& c : cases) {
    TreeModelSpec spec;
    c.mutate(spec);
    EXPECT_EQ(LoadStatus(spec), c.expected) << c.name << ": got " << StatusName(LoadStatus(spec));
  }
}

TEST(TreeEnsembleLoaderTest, IsolationScoreIsTwoToTheMinusMeanOverNormalizer) {
  TreeModelSpec spec;
  spec.outputs = spec.output_width = 1;
  spec.leaves = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};  // path lengths
  spec.params.mode = static_cast<uint8_t>(format::TreeEnsembleMode::kIsolationScore);
  spec.params.score_normalizer = 4.0f;
  const auto blob = BuildTreeModel(spec);
  AlignedBuffer buffer(blob);
  Interpreter interpreter(AllOpsResolver());
  ASSERT_EQ(interpreter.Load(buffer.data(), buffer.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  Tensor input, output;
  ASSERT_EQ(interpreter.Input(0, &input), Status::kOk);
  input.As<float>()[0] = 0.0f;  // tree 0 -> leaf 0 (1.0), tree 1 -> leaf 3 (4.0): mean 2.5
  input.As<float>()[1] = 0.0f;
  ASSERT_EQ(interpreter.Invoke(), Status::kOk);
  ASSERT_EQ(interpreter.Output(0, &output), Status::kOk);
  EXPECT_NEAR(output.As<float>()[0], std::pow(2.0, -2.5 / 4.0), 2e-7);
}

}  // namespace
}  // namespace tinyforge
