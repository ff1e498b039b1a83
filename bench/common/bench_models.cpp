// Builds the AD and KWS benchmark blobs (see bench_models.h): deterministic weights, scales chosen
// so activations stay spread over the int8 range, requant written exactly as Prepare derives it.
#include "bench/common/bench_models.h"

#include <algorithm>
#include <cmath>

#include "kernels/reference/activations.h"
#include "kernels/reference/quantization_math.h"
#include "tinyforge/format/tfm.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::bench {
namespace {

using format::DType;
using format::OpCode;
using toolchain::ModelBuilder;
using toolchain::Quantization;

// Numerical Recipes LCG: the same bytes on every host and every run.
class Lcg {
 public:
  explicit Lcg(uint32_t seed) : state_(seed) {}
  uint32_t Next() { return state_ = state_ * 1664525u + 1013904223u; }
  int8_t Int8() { return static_cast<int8_t>(static_cast<int32_t>(Next() >> 24) - 128); }
  int32_t Range(int32_t low, int32_t high) {
    return low + static_cast<int32_t>((Next() >> 8) % static_cast<uint32_t>(high - low + 1));
  }

 private:
  uint32_t state_;
};

// Every activation shares this scale; a layer's effective multiplier is then its weight scale.
constexpr float kActivationScale = 0.05f;

struct Builder {
  ModelBuilder model;
  std::vector<uint16_t> opcodes;
  uint32_t constant_bytes = 0;

  uint32_t Activation(std::vector<uint32_t> shape, int32_t zero_point, float scale) {
    const uint32_t t = model.AddTensor(DType::kInt8, std::move(shape));
    model.SetQuantization(t, Quantization{{scale}, {zero_point}, 0});
    return t;
  }
  template <typename T>
  uint32_t Constant(DType dtype, std::vector<uint32_t> shape, const std::vector<T>& values,
                    std::optional<Quantization> quantization = {}) {
    constant_bytes += static_cast<uint32_t>(values.size() * sizeof(T));
    if (quantization) constant_bytes += static_cast<uint32_t>(8 * quantization->scales.size());
    return model.AddConstant(dtype, std::move(shape), values, std::move(quantization));
  }
  void Op(OpCode opcode, std::vector<uint32_t> inputs, uint32_t output,
          toolchain::OpParams params) {
    const auto code = static_cast<uint16_t>(opcode);
    if (std::find(opcodes.begin(), opcodes.end(), code) == opcodes.end()) opcodes.push_back(code);
    model.AddOp(opcode, std::move(inputs), output, params);
  }

  // Weights (given layout and per-channel axis), bias, and requant of one weighted op. The weight
  // scale of channel c is the effective multiplier: output std ~45 codes for `depth` products of
  // int8 weights (std ~74) with inputs of RMS `input_rms` codes.
  std::vector<uint32_t> WeightedInputs(Lcg& rng, uint32_t input, std::vector<uint32_t> w_shape,
                                       uint32_t axis, uint32_t channels, uint32_t depth,
                                       float input_rms, bool per_channel) {
    std::vector<int8_t> weights(toolchain::ElementCount(w_shape));
    for (int8_t& w : weights) w = rng.Int8();
    std::vector<int32_t> bias(channels);
    for (int32_t& b : bias) b = rng.Range(-3000, 3000);
    const float base = 45.0f / (std::sqrt(static_cast<float>(depth)) * input_rms * 74.0f);
    Quantization wq{{}, std::vector<int32_t>(per_channel ? channels : 1, 0), axis};
    std::vector<int32_t> requant;
    for (uint32_t c = 0; c < (per_channel ? channels : 1u); ++c) {
      const float jitter = per_channel ? 0.6f + 0.8f * static_cast<float>(rng.Range(0, 1000)) / 1000.0f
                                       : 1.0f;
      wq.scales.push_back(base * jitter);
    }
    for (uint32_t c = 0; c < channels; ++c) {
      int32_t multiplier = 0;
      int32_t shift = 0;
      const float w_scale = wq.scales[per_channel ? c : 0];
      (void)kernels::QuantizeMultiplier(
          kernels::EffectiveScale(kActivationScale, w_scale, kActivationScale), &multiplier,
          &shift);
      requant.push_back(multiplier);
      requant.push_back(shift);
    }
    const uint32_t w = Constant(DType::kInt8, std::move(w_shape), weights, wq);
    const uint32_t b = Constant(DType::kInt32, {channels}, bias);
    const uint32_t r = Constant(DType::kInt32, {channels, 2}, requant);
    return {input, w, b, r};
  }

  toolchain::Result<BenchModel> Finish(std::string name, uint32_t input, uint32_t output,
                                       std::vector<int8_t> input_values) {
    model.SetInputs({input});
    model.SetOutputs({output});
    auto blob = model.Build();
    if (!blob.ok()) return toolchain::MakeError(name + " model: " + blob.error().message);
    BenchModel result;
    result.name = std::move(name);
    result.blob = std::move(*blob);
    result.input = std::move(input_values);
    result.planner_arena_bytes = model.last_plan().arena_bytes;
    result.constant_bytes = constant_bytes;
    result.opcodes = opcodes;
    return result;
  }
};

format::Conv2DParams ConvParams(uint16_t stride, uint16_t pad_top, uint16_t pad_left) {
  format::Conv2DParams p{};
  p.activation = static_cast<uint8_t>(format::FusedActivation::kRelu);
  p.stride_height = stride;
  p.stride_width = stride;
  p.dilation_height = 1;
  p.dilation_width = 1;
  p.pad_top = pad_top;
  p.pad_left = pad_left;
  p.depth_multiplier = 1;
  return p;
}

}  // namespace

toolchain::Result<BenchModel> BuildAdModel() {
  Lcg rng(0xAD0001u);
  Builder b;
  const uint32_t dims[] = {640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640};
  const int32_t input_zero_point = rng.Range(-20, 20);
  std::vector<int8_t> input(640);
  for (int8_t& v : input) v = rng.Int8();
  const uint32_t graph_input = b.Activation({1, 640}, input_zero_point, kActivationScale);
  uint32_t current = graph_input;
  for (uint32_t i = 0; i < 10; ++i) {
    const bool last = i == 9;
    const uint32_t out =
        b.Activation({1, dims[i + 1]}, last ? 0 : -128, kActivationScale);
    std::vector<uint32_t> inputs = b.WeightedInputs(rng, current, {dims[i + 1], dims[i]}, 0,
                                                    dims[i + 1], dims[i], i ? 150.0f : 74.0f,
                                                    false);
    format::FullyConnectedParams params{};
    params.activation = static_cast<uint8_t>(last ? format::FusedActivation::kNone
                                                  : format::FusedActivation::kRelu);
    b.Op(OpCode::kFullyConnected, std::move(inputs), out, params);
    current = out;
  }
  return b.Finish("ad", graph_input, current, std::move(input));
}

toolchain::Result<BenchModel> BuildKwsModel() {
  Lcg rng(0x5C0002u);
  Builder b;
  std::vector<int8_t> input(49 * 10);
  for (int8_t& v : input) v = rng.Int8();
  const int32_t input_zero_point = rng.Range(-20, 20);
  const uint32_t graph_input = b.Activation({1, 49, 10, 1}, input_zero_point, kActivationScale);
  // Conv 64@10x4, stride 2, SAME -> 25x5.
  uint32_t current = b.Activation({1, 25, 5, 64}, -128, kActivationScale);
  b.Op(OpCode::kConv2D, b.WeightedInputs(rng, graph_input, {64, 10, 4, 1}, 0, 64, 40, 74.0f, true),
       current, ConvParams(2, 4, 1));
  for (int i = 0; i < 4; ++i) {
    const uint32_t dw = b.Activation({1, 25, 5, 64}, -128, kActivationScale);
    b.Op(OpCode::kDepthwiseConv2D,
         b.WeightedInputs(rng, current, {1, 3, 3, 64}, 3, 64, 9, 150.0f, true), dw,
         ConvParams(1, 1, 1));
    const uint32_t pw = b.Activation({1, 25, 5, 64}, -128, kActivationScale);
    b.Op(OpCode::kConv2D, b.WeightedInputs(rng, dw, {64, 1, 1, 64}, 0, 64, 64, 150.0f, true), pw,
         ConvParams(1, 0, 0));
    current = pw;
  }
  const uint32_t pooled = b.Activation({1, 64}, -128, kActivationScale);
  b.Op(OpCode::kGlobalAveragePool, {current}, pooled, std::monostate{});
  const uint32_t logits = b.Activation({1, 12}, 0, kActivationScale);
  format::FullyConnectedParams fc{};
  b.Op(OpCode::kFullyConnected, b.WeightedInputs(rng, pooled, {12, 64}, 0, 12, 64, 60.0f, false),
       logits, fc);
  const uint32_t probabilities =
      b.Activation({1, 12}, kernels::kSoftmaxS8OutputZeroPoint, kernels::kSoftmaxS8OutputScale);
  b.Op(OpCode::kSoftmax, {logits}, probabilities, format::SoftmaxParams{1.0f});
  return b.Finish("kws", graph_input, probabilities, std::move(input));
}

}  // namespace tinyforge::bench
