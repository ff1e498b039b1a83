// A small hand-written TreeEnsemble model for loader, kernel, fuzz and device tests, built from
// plain arrays so a test can break one field and rebuild (the CRC stays valid, so the loader
// reaches the broken rule).
//
// Two features, two trees, two outputs (float32):
//   tree 0: x0 < 0.5 ? leaf [1, 0] : (x1 < 0 ? leaf [0.25, 0.75] : leaf [0, 1])
//   tree 1: x1 < 1.0 ? leaf [0.5, 0.5] : leaf [0, 1]
#ifndef TINYFORGE_TESTS_RUNTIME_CORE_TREE_TEST_MODELS_H_
#define TINYFORGE_TESTS_RUNTIME_CORE_TREE_TEST_MODELS_H_

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tinyforge/format/tfm.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::testing {

struct TreeModelSpec {
  uint32_t batch = 1;
  uint32_t features = 2;
  std::vector<int32_t> trees = {0, 0, 5, 3};
  std::vector<int16_t> node_features = {0, -1, 1, -1, -1, 1, -1, -1};
  std::vector<float> thresholds = {0.5f, 0, 0.0f, 0, 0, 1.0f, 0, 0};
  std::vector<int16_t> thresholds_s16;  // used instead when int8_input
  std::vector<int16_t> children = {1, 2, 0, 0, 3, 4, 1, 0, 2, 0, 1, 2, 0, 0, 1, 0};
  std::vector<float> leaves = {1, 0, 0.25f, 0.75f, 0, 1, 0.5f, 0.5f, 0, 1};
  uint32_t outputs = 2;
  uint32_t output_width = 2;  // the output tensor's dims[1] (== outputs unless a test breaks it)
  bool int8_input = false;
  float input_scale = 0.05f;
  int32_t input_zero_point = 0;
  format::TreeEnsembleParams params{2, static_cast<uint8_t>(format::TreeEnsembleMode::kMeanLeafValues),
                                    0, 0.0f};
  bool drop_last_input = false;         // builds the op with 5 inputs
  bool int16_thresholds_anyway = false;  // int16 thresholds on a float32 input
};

inline std::vector<uint8_t> BuildTreeModel(const TreeModelSpec& spec) {
  using format::DType;
  toolchain::ModelBuilder builder;
  const uint32_t input = builder.AddTensor(spec.int8_input ? DType::kInt8 : DType::kFloat32,
                                           {spec.batch, spec.features}, "features");
  if (spec.int8_input)
    builder.SetQuantization(input, toolchain::Quantization{{spec.input_scale}, {spec.input_zero_point}, 0});
  const auto nodes = static_cast<uint32_t>(spec.node_features.size());
  const uint32_t trees = builder.AddConstant(DType::kInt32, {static_cast<uint32_t>(spec.trees.size() / 2), 2},
                                             spec.trees, {}, "trees");
  const uint32_t features = builder.AddConstant(DType::kInt16, {nodes}, spec.node_features, {}, "node_features");
  const uint32_t thresholds =
      spec.int8_input || spec.int16_thresholds_anyway
          ? builder.AddConstant(DType::kInt16, {static_cast<uint32_t>(spec.thresholds_s16.size())},
                                spec.thresholds_s16, {}, "node_thresholds")
          : builder.AddConstant(DType::kFloat32, {static_cast<uint32_t>(spec.thresholds.size())},
                                spec.thresholds, {}, "node_thresholds");
  const uint32_t children = builder.AddConstant(
      DType::kInt16, {static_cast<uint32_t>(spec.children.size() / 2), 2}, spec.children, {}, "node_children");
  const uint32_t leaves = builder.AddConstant(
      DType::kFloat32, {static_cast<uint32_t>(spec.leaves.size() / spec.outputs), spec.outputs}, spec.leaves, {},
      "leaf_values");
  const uint32_t output = builder.AddTensor(DType::kFloat32, {spec.batch, spec.output_width}, "probabilities");
  std::vector<uint32_t> inputs = {input, trees, features, thresholds, children, leaves};
  if (spec.drop_last_input) inputs.pop_back();
  builder.AddOp(format::OpCode::kTreeEnsemble, inputs, output, spec.params);
  builder.SetInputs({input});
  builder.SetOutputs({output});
  builder.AddMetadata(format::kKeyModelId, "tree-test-model");
  auto blob = builder.Build();  // TreeEnsemble needs no scratch
  if (!blob.ok()) throw std::runtime_error(blob.error().message);
  return std::move(blob).value();
}

// The test forest's expected output for one row, worked out by hand from the comment above.
inline std::vector<float> ExpectedTreeOutput(float x0, float x1) {
  std::vector<float> tree0 = x0 < 0.5f ? std::vector<float>{1, 0}
                                       : (x1 < 0.0f ? std::vector<float>{0.25f, 0.75f} : std::vector<float>{0, 1});
  std::vector<float> tree1 = x1 < 1.0f ? std::vector<float>{0.5f, 0.5f} : std::vector<float>{0, 1};
  return {(tree0[0] + tree1[0]) / 2.0f, (tree0[1] + tree1[1]) / 2.0f};
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_RUNTIME_CORE_TREE_TEST_MODELS_H_
