// A small model that uses every op 1..18 of the format, for tests that must cover all kernels
// (the kernel mutation fuzz test, the planner's predicted == used check): a float graph, and via
// SeedsOfEveryOpModel() its .tfm blobs — float (16 ops) and int8 (all 18, with Quantize and
// Dequantize at the float interface). Weights from a fixed seed.
#ifndef TINYFORGE_TESTS_TOOLCHAIN_EVERY_OP_MODEL_H_
#define TINYFORGE_TESTS_TOOLCHAIN_EVERY_OP_MODEL_H_

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/ir/graph.h"
#include "toolchain/passes/quantize.h"

namespace tinyforge::testing {

using toolchain::AddInferredNode;
using toolchain::AddReshape;
using toolchain::Graph;
using toolchain::NodeParams;

inline std::vector<float> EveryOpRandomValues(std::mt19937& random, size_t count, float range) {
  std::uniform_real_distribution<float> value(-range, range);
  std::vector<float> values(count);
  for (float& v : values) v = value(random);
  return values;
}

// input [1,6,6,2] -> Conv2D 3x3 (Relu) -> DepthwiseConv2D 3x3 (Relu6) -> MaxPool2D, AveragePool2D
// -> Add, Mul -> Concat -> Reshape [1,9,8] -> Conv1D -> Sigmoid, Tanh -> Add -> Reshape [1,3,3,4]
// -> Relu -> Relu6 -> GlobalAveragePool -> Reshape [1,4] -> FullyConnected 3 -> Softmax.
inline Graph EveryOpFloatGraph() {
  std::mt19937 random(20261126);
  Graph graph;
  const auto value = [](toolchain::Result<int> result) {
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : 0;
  };
  const int input = graph.AddActivation("input", {1, 6, 6, 2});
  graph.inputs = {input};
  NodeParams same;
  same.pad_top = 1;
  same.pad_left = 1;
  same.activation = format::FusedActivation::kRelu;
  const int conv = value(AddInferredNode(
      graph, format::OpCode::kConv2D,
      {input, graph.AddConstant("conv.w", {4, 3, 3, 2}, EveryOpRandomValues(random, 72, 0.5f)),
       graph.AddConstant("conv.b", {4}, EveryOpRandomValues(random, 4, 0.1f))},
      same, "conv"));
  same.activation = format::FusedActivation::kRelu6;
  const int depthwise = value(AddInferredNode(
      graph, format::OpCode::kDepthwiseConv2D,
      {conv, graph.AddConstant("dw.w", {1, 3, 3, 4}, EveryOpRandomValues(random, 36, 0.5f)),
       graph.AddConstant("dw.b", {4}, EveryOpRandomValues(random, 4, 0.1f))},
      same, "dw"));
  NodeParams pool;
  pool.filter_height = pool.filter_width = 2;
  pool.stride_height = pool.stride_width = 2;
  const int max_pool =
      value(AddInferredNode(graph, format::OpCode::kMaxPool2D, {depthwise}, pool, "max"));
  const int average_pool =
      value(AddInferredNode(graph, format::OpCode::kAveragePool2D, {depthwise}, pool, "avg"));
  const int sum =
      value(AddInferredNode(graph, format::OpCode::kAdd, {max_pool, average_pool}, {}, "add"));
  const int product =
      value(AddInferredNode(graph, format::OpCode::kMul, {sum, max_pool}, {}, "mul"));
  NodeParams concat;
  concat.concat_axis = 3;
  const int joined =
      value(AddInferredNode(graph, format::OpCode::kConcat, {sum, product}, concat, "concat"));
  const int signal = value(AddReshape(graph, joined, {1, 9, 8}, "to_1d"));
  NodeParams conv1d;
  conv1d.pad_left = 1;
  const int conv1 = value(AddInferredNode(
      graph, format::OpCode::kConv1D,
      {signal, graph.AddConstant("c1.w", {4, 3, 8}, EveryOpRandomValues(random, 96, 0.5f)),
       graph.AddConstant("c1.b", {4}, EveryOpRandomValues(random, 4, 0.1f))},
      conv1d, "conv1d"));
  const int sigmoid =
      value(AddInferredNode(graph, format::OpCode::kSigmoid, {conv1}, {}, "sigmoid"));
  const int tanh = value(AddInferredNode(graph, format::OpCode::kTanh, {conv1}, {}, "tanh"));
  const int mixed = value(AddInferredNode(graph, format::OpCode::kAdd, {sigmoid, tanh}, {}, "mix"));
  // After a Reshape, so the quantizer cannot fuse the Relu into the op before it.
  const int image = value(AddReshape(graph, mixed, {1, 3, 3, 4}, "to_2d"));
  const int relu = value(AddInferredNode(graph, format::OpCode::kRelu, {image}, {}, "relu"));
  const int relu6 = value(AddInferredNode(graph, format::OpCode::kRelu6, {relu}, {}, "relu6"));
  const int pooled =
      value(AddInferredNode(graph, format::OpCode::kGlobalAveragePool, {relu6}, {}, "gap"));
  const int flat = value(AddReshape(graph, pooled, {1, 4}, "flat"));
  const int logits = value(AddInferredNode(
      graph, format::OpCode::kFullyConnected,
      {flat, graph.AddConstant("fc.w", {3, 4}, EveryOpRandomValues(random, 12, 1.0f)),
       graph.AddConstant("fc.b", {3}, EveryOpRandomValues(random, 3, 0.1f))},
      {}, "fc"));
  const int probabilities =
      value(AddInferredNode(graph, format::OpCode::kSoftmax, {logits}, {}, "softmax"));
  graph.outputs = {probabilities};
  return graph;
}

struct EveryOpBlobs {
  std::vector<uint8_t> float_blob;
  std::vector<uint8_t> int8_blob;
};

// Emits the float graph and its int8 quantization (calibrated on 32 random inputs).
inline EveryOpBlobs BuildEveryOpBlobs() {
  EveryOpBlobs built;
  const Graph graph = EveryOpFloatGraph();
  const auto validated = graph.Validate();
  EXPECT_TRUE(validated.ok()) << validated.error().message;
  auto float_blob = toolchain::EmitTfm(graph);
  EXPECT_TRUE(float_blob.ok()) << float_blob.error().message;
  if (float_blob.ok()) built.float_blob = *float_blob;
  std::mt19937 random(7);
  const size_t rows = 32;
  auto quantized =
      toolchain::QuantizeGraph(graph, EveryOpRandomValues(random, rows * 72, 1.0f), rows);
  EXPECT_TRUE(quantized.ok()) << quantized.error().message;
  if (quantized.ok()) {
    auto int8_blob = toolchain::EmitTfm(*quantized);
    EXPECT_TRUE(int8_blob.ok()) << int8_blob.error().message;
    if (int8_blob.ok()) built.int8_blob = *int8_blob;
  }
  return built;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_TOOLCHAIN_EVERY_OP_MODEL_H_
