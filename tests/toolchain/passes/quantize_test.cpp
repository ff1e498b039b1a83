// Tests of the int8 quantization pass: requant tables equal an independent QuantizeMultiplier
// computation, weights round-trip within half a step, activation params cover the range, and the
// float interface is kept with Quantize/Dequantize nodes.
#include "toolchain/passes/quantize.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/reference/quantization_math.h"
#include "toolchain/passes/fuse_activations.h"
#include "toolchain/passes/prune.h"
#include "toolchain/train/mlp_classifier.h"
#include "toolchain/train/synthetic.h"

namespace tinyforge::toolchain {
namespace {

Graph TrainedMlp(const Dataset& data) {
  MlpConfig config;
  config.hidden = {12, 8};
  config.fit.epochs = 20;
  auto trained = TrainMlpClassifier(data, config);
  EXPECT_TRUE(trained.ok());
  return trained->graph;
}

TEST(QuantizeTest, RequantValuesEqualQuantizeMultiplierOfEffectiveScales) {
  const Dataset data = MakeGaussianBlobs(100, 3, 5, 3.0f, 1);
  auto quantized = QuantizeGraph(TrainedMlp(data), data.features, data.rows);
  ASSERT_TRUE(quantized.ok()) << quantized.error().message;
  int weighted = 0;
  for (const IrNode& node : quantized->nodes) {
    if (node.op != OpCode::kFullyConnected) continue;
    ++weighted;
    const IrTensor& input = quantized->tensors[static_cast<size_t>(node.inputs[0])];
    const IrTensor& weights = quantized->tensors[static_cast<size_t>(node.inputs[1])];
    const IrTensor& requant = quantized->tensors[static_cast<size_t>(node.inputs[3])];
    const IrTensor& output = quantized->tensors[static_cast<size_t>(node.output)];
    ASSERT_EQ(requant.dtype, DType::kInt32);
    ASSERT_EQ(requant.shape, (std::vector<uint32_t>{weights.shape[0], 2}));
    for (uint32_t c = 0; c < weights.shape[0]; ++c) {
      int32_t multiplier = 0, shift = 0;
      const float scale = (input.quant.scales[0] * weights.quant.scales[c]) / output.quant.scales[0];
      ASSERT_TRUE(kernels::QuantizeMultiplier(scale, &multiplier, &shift));
      EXPECT_EQ(requant.int_data[2 * c], multiplier);
      EXPECT_EQ(requant.int_data[2 * c + 1], shift);
    }
  }
  EXPECT_EQ(weighted, 3);
}

TEST(QuantizeTest, WeightsArePerChannelSymmetricWithinHalfAStep) {
  const Dataset data = MakeGaussianBlobs(100, 3, 5, 3.0f, 2);
  const Graph float_graph = TrainedMlp(data);
  auto quantized = QuantizeGraph(float_graph, data.features, data.rows);
  ASSERT_TRUE(quantized.ok());
  for (const IrTensor& tensor : quantized->tensors) {
    if (tensor.dtype != DType::kInt8 || !tensor.is_constant) continue;
    const std::string float_name = tensor.name.substr(0, tensor.name.size() - 2);  // drop ":q"
    const IrTensor* original = nullptr;
    for (const IrTensor& t : float_graph.tensors)
      if (t.name == float_name) original = &t;
    ASSERT_NE(original, nullptr) << tensor.name;
    ASSERT_EQ(tensor.quant.scales.size(), tensor.shape[0]);
    const size_t per_channel = tensor.int_data.size() / tensor.shape[0];
    for (size_t i = 0; i < tensor.int_data.size(); ++i) {
      const float scale = tensor.quant.scales[i / per_channel];
      EXPECT_EQ(tensor.quant.zero_points[i / per_channel], 0);
      EXPECT_LE(std::abs(tensor.int_data[i]), 127);
      EXPECT_LE(std::fabs(scale * static_cast<float>(tensor.int_data[i]) - original->float_data[i]),
                scale * 0.5f + 1e-6f);
    }
  }
}

TEST(QuantizeTest, FloatInterfaceWrapsGraphInQuantizeAndDequantize) {
  const Dataset data = MakeGaussianBlobs(50, 2, 3, 3.0f, 3);
  auto quantized = QuantizeGraph(TrainedMlp(data), data.features, data.rows);
  ASSERT_TRUE(quantized.ok());
  EXPECT_EQ(quantized->nodes.front().op, OpCode::kQuantize);
  EXPECT_EQ(quantized->nodes.back().op, OpCode::kDequantize);
  EXPECT_EQ(quantized->tensors[static_cast<size_t>(quantized->inputs[0])].dtype, DType::kFloat32);
  EXPECT_EQ(quantized->tensors[static_cast<size_t>(quantized->outputs[0])].dtype, DType::kFloat32);
  QuantizeOptions options;
  options.float_interface = false;
  auto raw = QuantizeGraph(TrainedMlp(data), data.features, data.rows, options);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->tensors[static_cast<size_t>(raw->inputs[0])].dtype, DType::kInt8);
}

TEST(QuantizeTest, ActivationParamsMapRangeEndsToInt8Ends) {
  const ActivationQuant q = ChooseActivationQuant(-2.0f, 6.0f);
  EXPECT_NEAR(-2.0f / q.scale + static_cast<float>(q.zero_point), -128.0f, 0.5f);
  EXPECT_NEAR(6.0f / q.scale + static_cast<float>(q.zero_point), 127.0f, 0.5f);
  const ActivationQuant positive = ChooseActivationQuant(1.0f, 3.0f);  // widened to contain 0
  EXPECT_EQ(positive.zero_point, -128);
  EXPECT_FLOAT_EQ(positive.scale, 3.0f / 255.0f);
}

TEST(QuantizeTest, PercentileRangeIgnoresOutliers) {
  Dataset data = MakeGaussianBlobs(500, 2, 3, 2.0f, 4);
  data.features[0] = 1000.0f;  // one extreme calibration value
  const Graph graph = TrainedMlp(MakeGaussianBlobs(500, 2, 3, 2.0f, 4));
  auto minmax = QuantizeGraph(graph, data.features, data.rows);
  QuantizeOptions options;
  options.range_method = RangeMethod::kPercentile;
  options.percentile = 99.0;
  auto percentile = QuantizeGraph(graph, data.features, data.rows, options);
  ASSERT_TRUE(minmax.ok() && percentile.ok());
  const float minmax_scale = minmax->tensors[static_cast<size_t>(minmax->nodes[0].output)].quant.scales[0];
  const float percentile_scale =
      percentile->tensors[static_cast<size_t>(percentile->nodes[0].output)].quant.scales[0];
  EXPECT_LT(percentile_scale * 10.0f, minmax_scale);
}

TEST(FuseActivationsTest, FoldsReluIntoFullyConnected) {
  Graph graph;
  const int input = graph.AddActivation("x", {1, 2});
  const int weights = graph.AddConstant("w", {2, 2}, {1, -1, -1, 1});
  const int fc = graph.AddActivation("fc", {1, 2});
  const int relu = graph.AddActivation("relu", {1, 2});
  graph.AddNode(OpCode::kFullyConnected, {input, weights}, fc);
  graph.AddNode(OpCode::kRelu, {fc}, relu);
  graph.inputs = {input};
  graph.outputs = {relu};
  int fused = 0;
  auto result = FuseActivations(graph, &fused);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(fused, 1);
  ASSERT_EQ(result->nodes.size(), 1u);
  EXPECT_EQ(result->nodes[0].params.activation, FusedActivation::kRelu);
  EXPECT_EQ(result->nodes[0].output, relu);
}

TEST(PruneTest, MaskPrunesExactlyTheSmallestMagnitudes) {
  const std::vector<float> weights = {0.5f, -0.1f, 2.0f, 0.05f, -3.0f, 0.2f};
  const auto mask = MagnitudePruneMask(weights.data(), weights.size(), 0.5f);
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 0, 1, 0, 1, 0}));
}

}  // namespace
}  // namespace tinyforge::toolchain
