// FullyConnected, Conv1D, Conv2D and DepthwiseConv2D op adapters: hand-checked cases, randomized
// float and int8 comparisons against a straightforward double implementation, and every Prepare
// rejection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "op_test_support.h"

namespace tinyforge {
namespace {

using testing::OpHarness;
using testing::QuantizeExpected;
using testing::RandomValues;
using testing::RequantTable;

// ---- Independent double reference --------------------------------------------------------------
struct WeightedConvCase {
  uint32_t batch = 1, in_h = 1, in_w = 1, in_c = 1, k_h = 1, k_w = 1, out_c = 1;
  uint32_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
  uint32_t multiplier = 1;  // depthwise only
  bool depthwise = false;
  uint32_t OutH(uint32_t pad_bottom) const {
    return (in_h + pad_top + pad_bottom - ((k_h - 1) * dil_h + 1)) / stride_h + 1;
  }
  uint32_t OutW(uint32_t pad_right) const {
    return (in_w + pad_left + pad_right - ((k_w - 1) * dil_w + 1)) / stride_w + 1;
  }
};

// input NHWC; weights [out_c][k_h][k_w][in_c] or depthwise [1][k_h][k_w][out_c].
std::vector<double> ConvReference(const WeightedConvCase& c, uint32_t out_h, uint32_t out_w,
                                  const std::vector<double>& input,
                                  const std::vector<double>& weights,
                                  const std::vector<double>& bias) {
  std::vector<double> out;
  for (uint32_t b = 0; b < c.batch; ++b)
    for (uint32_t oy = 0; oy < out_h; ++oy)
      for (uint32_t ox = 0; ox < out_w; ++ox)
        for (uint32_t oc = 0; oc < c.out_c; ++oc) {
          double sum = bias.empty() ? 0.0 : bias[oc];
          for (uint32_t ky = 0; ky < c.k_h; ++ky)
            for (uint32_t kx = 0; kx < c.k_w; ++kx) {
              const int64_t iy = int64_t(oy) * c.stride_h + int64_t(ky) * c.dil_h - c.pad_top;
              const int64_t ix = int64_t(ox) * c.stride_w + int64_t(kx) * c.dil_w - c.pad_left;
              if (iy < 0 || ix < 0 || iy >= c.in_h || ix >= c.in_w) continue;
              const size_t base = ((size_t(b) * c.in_h + iy) * c.in_w + ix) * c.in_c;
              if (c.depthwise) {
                sum += input[base + oc / c.multiplier] * weights[(ky * c.k_w + kx) * c.out_c + oc];
              } else {
                for (uint32_t ic = 0; ic < c.in_c; ++ic)
                  sum += input[base + ic] * weights[((oc * c.k_h + ky) * c.k_w + kx) * c.in_c + ic];
              }
            }
          out.push_back(sum);
        }
  return out;
}

template <typename T>
std::vector<double> ToDouble(const std::vector<T>& values, double scale = 1.0, int32_t zp = 0) {
  std::vector<double> out;
  for (T v : values) out.push_back(scale * (static_cast<double>(v) - zp));
  return out;
}

// ---- FullyConnected ----------------------------------------------------------------------------
TEST(FullyConnectedOpTest, FloatHandCheckedWithBiasAndRelu) {
  OpHarness h;
  h.Input<float>({2, 3}, {1, 2, 3, -1, -2, -3});
  h.Input<float>({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f}, true);
  h.Input<float>({2}, {0.5f, -10.0f}, true);
  h.Output<float>({2, 2});
  h.SetParams(format::FullyConnectedParams{1, {}});
  ASSERT_EQ(h.Run(ops::kFullyConnected), Status::kOk);
  // row 0: 1-3+0.5 = -1.5 -> 0; 3-10 = -7 -> 0. row 1: -1+3+0.5 = 2.5; -3-10 -> 0
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{0.0f, 0.0f, 2.5f, 0.0f}));
}

TEST(FullyConnectedOpTest, FloatRandomMatchesDoubleReference) {
  testing::Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const uint32_t batch = 1 + rng() % 3, in = 1 + rng() % 40, out = 1 + rng() % 20;
    OpHarness h;
    const auto x = RandomValues<float>(rng, batch * in, -2, 2);
    const auto w = RandomValues<float>(rng, out * in, -1, 1);
    const auto b = RandomValues<float>(rng, out, -1, 1);
    h.Input<float>({batch, in}, x);
    h.Input<float>({out, in}, w, true);
    h.Input<float>({out}, b, true);
    h.Output<float>({batch, out});
    h.SetParams(format::FullyConnectedParams{0, {}});
    ASSERT_EQ(h.Run(ops::kFullyConnected), Status::kOk);
    WeightedConvCase c;
    c.batch = batch;
    c.in_c = in;
    c.out_c = out;
    const auto expected = ConvReference(c, 1, 1, ToDouble(x), ToDouble(w), ToDouble(b));
    const auto got = h.OutputValues<float>();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);
  }
}

// Builds an int8 weighted op with random data; returns the double expectation (unclamped real).
struct Int8Problem {
  float in_scale, out_scale;
  int32_t in_zp, out_zp;
  std::vector<float> w_scales;
  std::vector<int8_t> input, weights;
  std::vector<int32_t> bias;
};

Int8Problem RandomInt8Problem(testing::Rng& rng, size_t input_count, size_t weight_count,
                              uint32_t channels, bool per_channel) {
  Int8Problem p;
  p.in_scale = std::uniform_real_distribution<float>(0.005f, 0.05f)(rng);
  p.out_scale = std::uniform_real_distribution<float>(0.02f, 0.2f)(rng);
  p.in_zp = std::uniform_int_distribution<int32_t>(-100, 100)(rng);
  p.out_zp = std::uniform_int_distribution<int32_t>(-50, 50)(rng);
  for (uint32_t c = 0; c < (per_channel ? channels : 1); ++c)
    p.w_scales.push_back(std::uniform_real_distribution<float>(0.002f, 0.02f)(rng));
  p.input = RandomValues<int8_t>(rng, input_count, -128, 127);
  p.weights = RandomValues<int8_t>(rng, weight_count, -127, 127);
  p.bias = RandomValues<int32_t>(rng, channels, -3000, 3000);
  return p;
}

// Adds input, weights, bias, requant (and optionally folded_bias) to h; output is left to caller.
void AddInt8Weighted(OpHarness& h, const Int8Problem& p, std::vector<uint32_t> input_dims,
                     std::vector<uint32_t> weight_dims, uint32_t channels, uint32_t weight_axis,
                     const std::vector<int32_t>* folded_bias = nullptr) {
  h.Quantize(h.Input<int8_t>(input_dims, p.input), p.in_scale, p.in_zp);
  Tensor& w = h.Input<int8_t>(weight_dims, p.weights, true);
  h.PerChannel(w, p.w_scales, std::vector<int32_t>(p.w_scales.size(), 0), weight_axis);
  h.Input<int32_t>({channels}, p.bias, true);
  h.Input<int32_t>({channels, 2}, RequantTable(p.in_scale, p.w_scales, p.out_scale, channels),
                   true);
  if (folded_bias != nullptr) h.Input<int32_t>({channels}, *folded_bias, true);
}

// Real bias of channel c is bias * in_scale * w_scale[c]; real weights = w * w_scale[c].
void ExpectInt8WithinOneLsb(const OpHarness& h, const Int8Problem& p, const WeightedConvCase& c,
                            uint32_t out_h, uint32_t out_w, int32_t low = -128,
                            int32_t high = 127) {
  std::vector<double> w_real(p.weights.size());
  for (size_t i = 0; i < p.weights.size(); ++i) {
    const uint32_t channel = p.w_scales.size() == 1 ? 0
                             : c.depthwise          ? uint32_t(i % c.out_c)
                                                    : uint32_t(i / (p.weights.size() / c.out_c));
    w_real[i] = double(p.weights[i]) * p.w_scales[channel];
  }
  std::vector<double> b_real(c.out_c);
  for (uint32_t o = 0; o < c.out_c; ++o)
    b_real[o] = double(p.bias[o]) * p.in_scale * p.w_scales[p.w_scales.size() == 1 ? 0 : o];
  const auto real =
      ConvReference(c, out_h, out_w, ToDouble(p.input, p.in_scale, p.in_zp), w_real, b_real);
  const auto got = h.OutputValues<int8_t>();
  ASSERT_EQ(got.size(), real.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const int32_t expected = QuantizeExpected(real[i], p.out_scale, p.out_zp, low, high);
    EXPECT_LE(std::abs(got[i] - expected), 1) << "element " << i;
  }
}

TEST(FullyConnectedOpTest, Int8RandomWithinOneLsbOfFloatReference) {
  testing::Rng rng(12);
  for (int trial = 0; trial < 30; ++trial) {
    const uint32_t batch = 1 + rng() % 3, in = 1 + rng() % 50, out = 1 + rng() % 16;
    const Int8Problem p = RandomInt8Problem(rng, batch * in, out * in, out, trial % 2 == 0);
    OpHarness h;
    AddInt8Weighted(h, p, {batch, in}, {out, in}, out, 0);
    h.Quantize(h.Output<int8_t>({batch, out}), p.out_scale, p.out_zp);
    h.SetParams(format::FullyConnectedParams{0, {}});
    ASSERT_EQ(h.Run(ops::kFullyConnected), Status::kOk);
    WeightedConvCase c;
    c.batch = batch;
    c.in_c = in;
    c.out_c = out;
    ExpectInt8WithinOneLsb(h, p, c, 1, 1);
  }
}

TEST(FullyConnectedOpTest, Int8ReferenceAndDefaultRegistrationsAgreeAndAcceptFoldedBias) {
  testing::Rng rng(13);
  const uint32_t in = 24, out = 8;
  const Int8Problem p = RandomInt8Problem(rng, in, out * in, out, true);
  std::vector<int32_t> folded(out);
  for (uint32_t o = 0; o < out; ++o) {
    int32_t sum = 0;
    for (uint32_t i = 0; i < in; ++i) sum += p.weights[o * in + i];
    folded[o] = p.bias[o] - p.in_zp * sum;
  }
  OpHarness a, b;
  for (OpHarness* h : {&a, &b}) {
    AddInt8Weighted(*h, p, {1, in}, {out, in}, out, 0, &folded);
    h->Quantize(h->Output<int8_t>({1, out}), p.out_scale, p.out_zp);
    h->SetParams(format::FullyConnectedParams{2, {}});
  }
  ASSERT_EQ(a.Run(ops::kFullyConnected), Status::kOk);
  ASSERT_EQ(b.Run(ops::kFullyConnectedReference), Status::kOk);
  EXPECT_EQ(a.OutputValues<int8_t>(), b.OutputValues<int8_t>());
  // ReLU6 clamp: [zp, zp + round(6 / scale)]
  const int32_t high = std::min<int32_t>(127, p.out_zp + int32_t(std::lround(6.0 / p.out_scale)));
  WeightedConvCase c;
  c.in_c = in;
  c.out_c = out;
  ExpectInt8WithinOneLsb(a, p, c, 1, 1, p.out_zp, high);
}

// A valid int8 FC that each rejection test then breaks in one way.
struct FcFixture {
  testing::Rng rng{14};
  Int8Problem p = RandomInt8Problem(rng, 2 * 4, 3 * 4, 3, true);
  OpHarness h;
  FcFixture() {
    AddInt8Weighted(h, p, {2, 4}, {3, 4}, 3, 0);
    h.Quantize(h.Output<int8_t>({2, 3}), p.out_scale, p.out_zp);
    h.SetParams(format::FullyConnectedParams{0, {}});
  }
};

// kFullyConnectedF32 (float-only firmware): same float results as kFullyConnected; int8 refused
// at Prepare and at Eval, so the int8 kernels are never reached.
TEST(FullyConnectedOpTest, FloatOnlyRegistrationMatchesAndRefusesInt8) {
  testing::Rng rng(15);
  const uint32_t batch = 2, in = 17, out = 5;
  const auto x = RandomValues<float>(rng, batch * in, -2, 2);
  const auto w = RandomValues<float>(rng, out * in, -1, 1);
  const auto b = RandomValues<float>(rng, out, -1, 1);
  OpHarness general, float_only;
  for (OpHarness* h : {&general, &float_only}) {
    h->Input<float>({batch, in}, x);
    h->Input<float>({out, in}, w, true);
    h->Input<float>({out}, b, true);
    h->Output<float>({batch, out});
    h->SetParams(format::FullyConnectedParams{1, {}});
  }
  ASSERT_EQ(general.Run(ops::kFullyConnected), Status::kOk);
  ASSERT_EQ(float_only.Run(ops::kFullyConnectedF32), Status::kOk);
  EXPECT_EQ(general.OutputValues<float>(), float_only.OutputValues<float>());

  FcFixture f;
  EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kOk);
  EXPECT_EQ(f.h.Prepare(ops::kFullyConnectedF32), Status::kDTypeMismatch);
  EXPECT_EQ(ops::kFullyConnectedF32.eval(f.h.context), Status::kDTypeMismatch);
  f.h.context.input_count = 0;
  EXPECT_EQ(f.h.Prepare(ops::kFullyConnectedF32), Status::kBadOpArity);
}

TEST(FullyConnectedOpTest, PrepareAcceptsValidInt8) {
  FcFixture f;
  EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kOk);
}

TEST(FullyConnectedOpTest, PrepareRejectsEachBrokenPart) {
  {
    FcFixture f;
    f.h.context.input_count = 1;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadOpArity);
  }
  {
    FcFixture f;
    f.h.context.input_count = 6;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadOpArity);
  }
  {
    FcFixture f;  // requant absent in int8
    f.h.context.inputs[3].data = nullptr;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadOpArity);
  }
  {
    FcFixture f;
    f.h.context.params = nullptr;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadParams);
  }
  {
    FcFixture f;
    f.h.context.params_bytes = 8;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadParams);
  }
  {
    FcFixture f;
    f.h.SetParams(format::FullyConnectedParams{3, {}});
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kBadParams);
  }
  {
    FcFixture f;
    f.h.context.inputs[1].dims[1] = 5;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kShapeMismatch);
  }
  {
    FcFixture f;
    f.h.context.output.dims[1] = 4;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kShapeMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[0].rank = 3;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kShapeMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[1].dtype = DType::kFloat32;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kDTypeMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[0].dtype = DType::kInt16;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kDTypeMismatch);
  }
  {
    FcFixture f;  // bias of the wrong dtype
    f.h.context.inputs[2].dtype = DType::kFloat32;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kDTypeMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[2].dims[0] = 2;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kShapeMismatch);
  }
  {
    FcFixture f;  // one requant multiplier off by one
    f.h.context.inputs[3].As<int32_t>()[2] += 1;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;  // requant shift off by one
    f.h.context.inputs[3].As<int32_t>()[5] += 1;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[3].is_constant = false;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;
    f.h.context.inputs[3].dims[0] = 2;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kShapeMismatch);
  }
  {
    FcFixture f;  // input not quantized
    f.h.context.inputs[0].quant = QuantParams{};
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;  // asymmetric weights
    f.h.PerChannel(f.h.context.inputs[1], f.p.w_scales, {0, 1, 0}, 0);
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;  // per-channel along the wrong axis
    f.h.PerChannel(f.h.context.inputs[1], f.p.w_scales, {0, 0, 0}, 1);
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;  // output zero point outside int8
    f.h.Quantize(f.h.context.output, f.p.out_scale, 200);
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;
    f.h.Quantize(f.h.context.output, -1.0f, 0);
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;  // folded_bias that does not match bias + offset * sum(weights)
    const std::vector<int32_t> wrong = {1, 2, 3};
    f.h.Input<int32_t>({3}, wrong, true);
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kQuantizationMismatch);
  }
  {
    FcFixture f;
    f.h.context.output.data = nullptr;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kNullArgument);
  }
  {
    FcFixture f;
    f.h.context.output.is_constant = true;
    EXPECT_EQ(f.h.Prepare(ops::kFullyConnected), Status::kWriteToConstant);
  }
}

TEST(FullyConnectedOpTest, FloatRejectsRequantInput) {
  OpHarness h;
  h.Input<float>({1, 2}, {1, 2});
  h.Input<float>({1, 2}, {1, 2}, true);
  h.AbsentInput();
  h.Input<int32_t>({1, 2}, {1 << 30, 0}, true);
  h.Output<float>({1, 1});
  h.SetParams(format::FullyConnectedParams{0, {}});
  EXPECT_EQ(h.Prepare(ops::kFullyConnected), Status::kBadOpArity);
  h.context.input_count = 3;  // bias absent is fine
  EXPECT_EQ(h.Run(ops::kFullyConnected), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), std::vector<float>{5.0f});
}

// ---- Conv2D / Conv1D / DepthwiseConv2D ---------------------------------------------------------
format::Conv2DParams ConvParams(const WeightedConvCase& c, uint8_t activation = 0) {
  format::Conv2DParams p{};
  p.activation = activation;
  p.stride_height = uint16_t(c.stride_h);
  p.stride_width = uint16_t(c.stride_w);
  p.dilation_height = uint16_t(c.dil_h);
  p.dilation_width = uint16_t(c.dil_w);
  p.pad_top = uint16_t(c.pad_top);
  p.pad_left = uint16_t(c.pad_left);
  p.depth_multiplier = uint16_t(c.depthwise ? c.multiplier : 1);
  return p;
}

WeightedConvCase RandomConvCase(testing::Rng& rng, bool depthwise) {
  WeightedConvCase c;
  c.depthwise = depthwise;
  c.batch = 1 + rng() % 2;
  c.in_h = 1 + rng() % 7;
  c.in_w = 1 + rng() % 7;
  c.in_c = 1 + rng() % 4;
  c.k_h = 1 + rng() % 3;
  c.k_w = 1 + rng() % 3;
  c.stride_h = 1 + rng() % 2;
  c.stride_w = 1 + rng() % 2;
  c.dil_h = 1 + rng() % 2;
  c.dil_w = 1 + rng() % 2;
  c.multiplier = depthwise ? 1 + rng() % 2 : 1;
  c.out_c = depthwise ? c.in_c * c.multiplier : 1 + rng() % 5;
  // SAME-style padding: leading half of the total.
  c.pad_top = ((c.k_h - 1) * c.dil_h) / 2;
  c.pad_left = ((c.k_w - 1) * c.dil_w) / 2;
  return c;
}

std::vector<uint32_t> WeightDims(const WeightedConvCase& c) {
  return c.depthwise ? std::vector<uint32_t>{1, c.k_h, c.k_w, c.out_c}
                     : std::vector<uint32_t>{c.out_c, c.k_h, c.k_w, c.in_c};
}

TEST(Conv2DOpTest, FloatHandChecked3x3SamePadding) {
  // 3x3 input 1..9, 3x3 all-ones filter, pad 1: each output is the sum of its neighbourhood.
  OpHarness h;
  h.Input<float>({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  h.Input<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f), true);
  h.Output<float>({1, 3, 3, 1});
  WeightedConvCase c;
  c.k_h = c.k_w = 3;
  c.pad_top = c.pad_left = 1;
  h.SetParams(ConvParams(c));
  ASSERT_EQ(h.Run(ops::kConv2D), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(),
            (std::vector<float>{12, 21, 16, 27, 45, 33, 24, 39, 28}));
}

TEST(Conv2DOpTest, FloatAndInt8RandomMatchDoubleReference) {
  testing::Rng rng(21);
  for (int trial = 0; trial < 60; ++trial) {
    const bool depthwise = trial % 2 == 1;
    const WeightedConvCase c = RandomConvCase(rng, depthwise);
    const uint32_t pad_bottom = (c.k_h - 1) * c.dil_h - c.pad_top;
    const uint32_t pad_right = (c.k_w - 1) * c.dil_w - c.pad_left;
    const uint32_t out_h = c.OutH(pad_bottom), out_w = c.OutW(pad_right);
    const size_t in_count = size_t(c.batch) * c.in_h * c.in_w * c.in_c;
    const size_t w_count = size_t(c.k_h) * c.k_w * (depthwise ? c.out_c : c.out_c * c.in_c);
    const OpRegistration& op = depthwise ? ops::kDepthwiseConv2D : ops::kConv2D;
    {  // float
      OpHarness h;
      const auto x = RandomValues<float>(rng, in_count, -1, 1);
      const auto w = RandomValues<float>(rng, w_count, -1, 1);
      const auto b = RandomValues<float>(rng, c.out_c, -1, 1);
      h.Input<float>({c.batch, c.in_h, c.in_w, c.in_c}, x);
      h.Input<float>(WeightDims(c), w, true);
      h.Input<float>({c.out_c}, b, true);
      h.Output<float>({c.batch, out_h, out_w, c.out_c});
      h.SetParams(ConvParams(c));
      ASSERT_EQ(h.Run(op), Status::kOk) << "trial " << trial;
      const auto expected = ConvReference(c, out_h, out_w, ToDouble(x), ToDouble(w), ToDouble(b));
      const auto got = h.OutputValues<float>();
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);
    }
    {  // int8
      const Int8Problem p = RandomInt8Problem(rng, in_count, w_count, c.out_c, trial % 4 < 2);
      OpHarness h;
      AddInt8Weighted(h, p, {c.batch, c.in_h, c.in_w, c.in_c}, WeightDims(c), c.out_c,
                      depthwise ? 3 : 0);
      h.Quantize(h.Output<int8_t>({c.batch, out_h, out_w, c.out_c}), p.out_scale, p.out_zp);
      h.SetParams(ConvParams(c, 1));
      ASSERT_EQ(h.Run(op), Status::kOk) << "trial " << trial;
      ExpectInt8WithinOneLsb(h, p, c, out_h, out_w, p.out_zp, 127);
    }
  }
}

TEST(Conv1DOpTest, FloatAndInt8MatchDoubleReference) {
  testing::Rng rng(31);
  for (int trial = 0; trial < 20; ++trial) {
    WeightedConvCase c;
    c.batch = 1 + rng() % 2;
    c.in_w = 8 + rng() % 8;
    c.in_c = 1 + rng() % 3;
    c.k_w = 1 + rng() % 4;
    c.out_c = 1 + rng() % 4;
    c.stride_w = 1 + rng() % 2;
    c.dil_w = 1 + rng() % 2;
    c.pad_left = trial % 2 == 0 ? 0 : ((c.k_w - 1) * c.dil_w) / 2;
    const uint32_t pad_right = trial % 2 == 0 ? 0 : (c.k_w - 1) * c.dil_w - c.pad_left;
    const uint32_t out_w = c.OutW(pad_right);
    format::Conv1DParams params{0, 0, uint16_t(c.stride_w), uint16_t(c.dil_w),
                                uint16_t(c.pad_left)};
    const auto x = RandomValues<float>(rng, size_t(c.batch) * c.in_w * c.in_c, -1, 1);
    const auto w = RandomValues<float>(rng, size_t(c.out_c) * c.k_w * c.in_c, -1, 1);
    OpHarness h;
    h.Input<float>({c.batch, c.in_w, c.in_c}, x);
    h.Input<float>({c.out_c, c.k_w, c.in_c}, w, true);
    h.Output<float>({c.batch, out_w, c.out_c});
    h.SetParams(params);
    ASSERT_EQ(h.Run(ops::kConv1D), Status::kOk);
    const auto expected = ConvReference(c, 1, out_w, ToDouble(x), ToDouble(w), {});
    const auto got = h.OutputValues<float>();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4);

    const Int8Problem p = RandomInt8Problem(rng, x.size(), w.size(), c.out_c, true);
    OpHarness q;
    AddInt8Weighted(q, p, {c.batch, c.in_w, c.in_c}, {c.out_c, c.k_w, c.in_c}, c.out_c, 0);
    q.Quantize(q.Output<int8_t>({c.batch, out_w, c.out_c}), p.out_scale, p.out_zp);
    q.SetParams(params);
    ASSERT_EQ(q.Run(ops::kConv1D), Status::kOk);
    ExpectInt8WithinOneLsb(q, p, c, 1, out_w);
    if (trial == 0) {  // Conv1D has no folded_bias slot
      q.Input<int32_t>({c.out_c}, std::vector<int32_t>(c.out_c, 0), true);
      EXPECT_EQ(q.Prepare(ops::kConv1D), Status::kBadOpArity);
    }
  }
}

// A valid float Conv2D (5x5 input, 3x3 filter, stride 2, pad 1 -> 3x3) broken one way per case.
struct ConvFixture {
  OpHarness h;
  WeightedConvCase c;
  explicit ConvFixture(bool depthwise = false) {
    c.in_h = c.in_w = 5;
    c.in_c = 2;
    c.k_h = c.k_w = 3;
    c.stride_h = c.stride_w = 2;
    c.pad_top = c.pad_left = 1;
    c.depthwise = depthwise;
    c.multiplier = depthwise ? 2 : 1;
    c.out_c = depthwise ? 4 : 3;
    h.Input<float>({1, 5, 5, 2}, std::vector<float>(50, 1.0f));
    h.Input<float>(WeightDims(c), std::vector<float>(depthwise ? 36 : 54, 0.5f), true);
    h.Output<float>({1, 3, 3, c.out_c});
    h.SetParams(ConvParams(c));
  }
  void Params(void (*edit)(format::Conv2DParams*)) {
    format::Conv2DParams p = ConvParams(c);
    edit(&p);
    h.SetParams(p);
  }
};

TEST(Conv2DOpTest, PrepareRejectsInconsistentGeometry) {
  EXPECT_EQ(ConvFixture().h.Prepare(ops::kConv2D), Status::kOk);
  EXPECT_EQ(ConvFixture(true).h.Prepare(ops::kDepthwiseConv2D), Status::kOk);
  {
    ConvFixture f;  // VALID would give 2x2; 4x4 cannot come out of 5 with stride 2
    f.h.context.output.dims[1] = 4;
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;  // one output too few: a second column fits even without trailing padding
    f.h.context.output.dims[2] = 1;
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;
    f.Params([](format::Conv2DParams* p) { p->stride_height = 0; });
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kBadParams);
  }
  {
    ConvFixture f;
    f.Params([](format::Conv2DParams* p) { p->dilation_width = 0; });
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kBadParams);
  }
  {
    ConvFixture f;  // padding as wide as the window: the first window sees only padding
    f.Params([](format::Conv2DParams* p) { p->pad_top = 3; });
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;
    f.Params([](format::Conv2DParams* p) { p->depth_multiplier = 2; });
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kBadParams);
  }
  {
    ConvFixture f;
    f.Params([](format::Conv2DParams* p) { p->activation = 7; });
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kBadParams);
  }
  {
    ConvFixture f;  // weights' input channels differ from the input's
    f.h.context.inputs[1].dims[3] = 3;
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;
    f.h.context.output.dims[3] = 4;
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;
    f.h.context.inputs[0].rank = 3;
    EXPECT_EQ(f.h.Prepare(ops::kConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f(true);  // output channels != in * multiplier
    f.Params([](format::Conv2DParams* p) { p->depth_multiplier = 3; });
    EXPECT_EQ(f.h.Prepare(ops::kDepthwiseConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f(true);
    f.Params([](format::Conv2DParams* p) { p->depth_multiplier = 0; });
    EXPECT_EQ(f.h.Prepare(ops::kDepthwiseConv2D), Status::kBadParams);
  }
  {
    ConvFixture f(true);  // depthwise weights must be [1, kh, kw, cout]
    f.h.context.inputs[1].dims[0] = 2;
    EXPECT_EQ(f.h.Prepare(ops::kDepthwiseConv2D), Status::kShapeMismatch);
  }
  {
    ConvFixture f;  // Conv2D params (16 bytes) are not Conv1D params (8 bytes)
    EXPECT_EQ(f.h.Prepare(ops::kConv1D), Status::kBadParams);
  }
}

TEST(Conv2DOpTest, Int8FoldedBiasCheckedAgainstWeights) {
  testing::Rng rng(41);
  WeightedConvCase c;
  c.in_h = c.in_w = 4;
  c.in_c = 3;
  c.k_h = c.k_w = 2;
  c.out_c = 2;
  const Int8Problem p = RandomInt8Problem(rng, 48, 24, 2, true);
  std::vector<int32_t> folded(2);
  for (uint32_t o = 0; o < 2; ++o) {
    int32_t sum = 0;
    for (uint32_t i = 0; i < 12; ++i) sum += p.weights[o * 12 + i];
    folded[o] = p.bias[o] - p.in_zp * sum;
  }
  OpHarness h;
  AddInt8Weighted(h, p, {1, 4, 4, 3}, WeightDims(c), 2, 0, &folded);
  h.Quantize(h.Output<int8_t>({1, 3, 3, 2}), p.out_scale, p.out_zp);
  h.SetParams(ConvParams(c));
  ASSERT_EQ(h.Run(ops::kConv2D), Status::kOk);
  ExpectInt8WithinOneLsb(h, p, c, 3, 3);
  h.context.inputs[4].As<int32_t>()[1] += 1;
  EXPECT_EQ(h.Prepare(ops::kConv2D), Status::kQuantizationMismatch);
}

}  // namespace
}  // namespace tinyforge

namespace tinyforge {
namespace {

// The scratch hook reports what the Cortex-M Conv2DS8 needs (so a host-planned arena fits the
// device), while the host's reference Eval runs without any scratch.
TEST(Conv2DOpTest, ScratchHookReportsCortexMNeedWithoutRequiringItOnHost) {
  testing::Rng rng(101);
  WeightedConvCase c;
  c.in_h = c.in_w = 8;
  c.in_c = 8;
  c.k_h = c.k_w = 3;
  c.out_c = 8;
  c.pad_top = c.pad_left = 1;
  const Int8Problem p = RandomInt8Problem(rng, 8 * 8 * 8, 8 * 9 * 8, 8, true);
  OpHarness h;
  AddInt8Weighted(h, p, {1, 8, 8, 8}, WeightDims(c), 8, 0);
  h.Quantize(h.Output<int8_t>({1, 8, 8, 8}), p.out_scale, p.out_zp);
  h.SetParams(ConvParams(c));
  EXPECT_GT(ops::kConv2D.scratch_bytes(h.context), 0u);
  EXPECT_EQ(ops::kDepthwiseConv2D.scratch_bytes(h.context), 0u);
  EXPECT_EQ(h.Run(ops::kConv2D), Status::kOk);  // scratch_bytes == 0 in the context
  ExpectInt8WithinOneLsb(h, p, c, 8, 8);
}

}  // namespace
}  // namespace tinyforge
