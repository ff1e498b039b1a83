// Add, Mul, Relu, Relu6, Softmax, Sigmoid and Tanh op adapters against double computations.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/reference/elementwise.h"
#include "op_test_support.h"

namespace tinyforge {
namespace {

using testing::OpHarness;
using testing::QuantizeExpected;
using testing::RandomValues;

format::ElementwiseParams Int8Params(bool add, float s1, float s2, float so, uint8_t act = 0) {
  format::ElementwiseParams p{};
  p.activation = act;
  EXPECT_TRUE(add ? kernels::DeriveAddParams(s1, s2, so, &p)
                  : kernels::DeriveMulParams(s1, s2, so, &p));
  return p;
}

TEST(ElementwiseOpTest, FloatAddAndMulWithRelu6) {
  OpHarness h;
  h.Input<float>({2, 2}, {1, -2, 3, 4});
  h.Input<float>({2, 2}, {0.5f, 1, 4, -1});
  h.Output<float>({2, 2});
  format::ElementwiseParams p{};
  p.activation = 2;
  h.SetParams(p);
  ASSERT_EQ(h.Run(ops::kAdd), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{1.5f, 0, 6, 3}));
  ASSERT_EQ(h.Run(ops::kMul), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{0.5f, 0, 6, 0}));
}

TEST(ElementwiseOpTest, Int8RandomWithinOneLsb) {
  testing::Rng rng(71);
  for (int trial = 0; trial < 40; ++trial) {
    const bool add = trial % 2 == 0;
    const float s1 = std::uniform_real_distribution<float>(0.01f, 0.1f)(rng);
    const float s2 = std::uniform_real_distribution<float>(0.01f, 0.1f)(rng);
    const float so = add ? std::uniform_real_distribution<float>(0.03f, 0.2f)(rng)
                         : std::uniform_real_distribution<float>(0.05f, 0.5f)(rng);
    const int32_t z1 = int32_t(rng() % 60) - 30, z2 = int32_t(rng() % 60) - 30,
                  zo = int32_t(rng() % 60) - 30;
    const uint32_t count = 1 + rng() % 64;
    const auto a = RandomValues<int8_t>(rng, count, -128, 127);
    const auto b = RandomValues<int8_t>(rng, count, -128, 127);
    OpHarness h;
    h.Quantize(h.Input<int8_t>({count}, a), s1, z1);
    h.Quantize(h.Input<int8_t>({count}, b), s2, z2);
    h.Quantize(h.Output<int8_t>({count}), so, zo);
    h.SetParams(Int8Params(add, s1, s2, so));
    ASSERT_EQ(h.Run(add ? ops::kAdd : ops::kMul), Status::kOk);
    const auto got = h.OutputValues<int8_t>();
    for (uint32_t i = 0; i < count; ++i) {
      const double x = double(s1) * (a[i] - z1), y = double(s2) * (b[i] - z2);
      const int32_t expected = QuantizeExpected(add ? x + y : x * y, so, zo);
      EXPECT_LE(std::abs(got[i] - expected), 1) << (add ? "add " : "mul ") << i;
    }
  }
}

TEST(ElementwiseOpTest, PrepareRejections) {
  auto make = [](OpHarness& h) {
    h.Quantize(h.Input<int8_t>({2, 3}, std::vector<int8_t>(6, 1)), 0.05f, 0);
    h.Quantize(h.Input<int8_t>({2, 3}, std::vector<int8_t>(6, 2)), 0.02f, 1);
    h.Quantize(h.Output<int8_t>({2, 3}), 0.1f, -1);
    h.SetParams(Int8Params(true, 0.05f, 0.02f, 0.1f));
  };
  OpHarness ok;
  make(ok);
  EXPECT_EQ(ok.Prepare(ops::kAdd), Status::kOk);
  EXPECT_EQ(ok.Prepare(ops::kMul), Status::kQuantizationMismatch);  // Add multipliers on a Mul
  {
    OpHarness h;
    make(h);
    format::ElementwiseParams p = Int8Params(true, 0.05f, 0.02f, 0.1f);
    p.output_multiplier += 1;
    h.SetParams(p);
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kQuantizationMismatch);
  }
  {
    OpHarness h;
    make(h);
    format::ElementwiseParams p = Int8Params(true, 0.05f, 0.02f, 0.1f);
    p.left_shift = 19;
    h.SetParams(p);
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kQuantizationMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.inputs[1].dims[1] = 2;
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kShapeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.inputs[1].dtype = DType::kFloat32;
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kDTypeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.input_count = 1;
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kBadOpArity);
  }
  {
    OpHarness h;
    make(h);
    format::ElementwiseParams p = Int8Params(true, 0.05f, 0.02f, 0.1f);
    p.activation = 9;
    h.SetParams(p);
    EXPECT_EQ(h.Prepare(ops::kAdd), Status::kBadParams);
  }
  {
    OpHarness h;  // float ops carry no multipliers
    h.Input<float>({2}, {1, 2});
    h.Input<float>({2}, {1, 2});
    h.Output<float>({2});
    format::ElementwiseParams p{};
    p.output_multiplier = 5;
    h.SetParams(p);
    EXPECT_EQ(h.Prepare(ops::kMul), Status::kBadParams);
  }
}

TEST(ActivationOpTest, FloatReluRelu6SigmoidTanh) {
  const std::vector<float> x = {-3, -0.5f, 0, 0.5f, 3, 7};
  OpHarness h;
  h.Input<float>({2, 3}, x);
  h.Output<float>({2, 3});
  ASSERT_EQ(h.Run(ops::kRelu), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{0, 0, 0, 0.5f, 3, 7}));
  ASSERT_EQ(h.Run(ops::kRelu6), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{0, 0, 0, 0.5f, 3, 6}));
  ASSERT_EQ(h.Run(ops::kSigmoid), Status::kOk);
  auto got = h.OutputValues<float>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(got[i], 1 / (1 + std::exp(-double(x[i]))), 1e-7);
  ASSERT_EQ(h.Run(ops::kTanh), Status::kOk);
  got = h.OutputValues<float>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(got[i], std::tanh(double(x[i])), 1e-7);
}

TEST(ActivationOpTest, Int8ReluRelu6ClampInQuantizedDomain) {
  OpHarness h;
  h.Quantize(h.Input<int8_t>({5}, {-128, -20, -10, 40, 127}), 0.1f, -10);
  h.Quantize(h.Output<int8_t>({5}), 0.1f, -10);
  ASSERT_EQ(h.Run(ops::kRelu), Status::kOk);
  EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{-10, -10, -10, 40, 127}));
  ASSERT_EQ(h.Run(ops::kRelu6), Status::kOk);  // 6.0 = zp + 60 = 50
  EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{-10, -10, -10, 40, 50}));
  h.Quantize(h.context.output, 0.2f, -10);
  EXPECT_EQ(h.Prepare(ops::kRelu), Status::kQuantizationMismatch);
}

TEST(ActivationOpTest, Int8SigmoidTanhEveryInputWithinOneLsb) {
  std::vector<int8_t> all;
  for (int q = -128; q <= 127; ++q) all.push_back(int8_t(q));
  for (const bool sigmoid : {true, false}) {
    const float in_scale = 0.06f, out_scale = sigmoid ? 1.0f / 256 : 1.0f / 128;
    const int32_t in_zp = 5, out_zp = sigmoid ? -128 : 0;
    OpHarness h;
    h.Quantize(h.Input<int8_t>({256}, all), in_scale, in_zp);
    h.Quantize(h.Output<int8_t>({256}), out_scale, out_zp);
    ASSERT_EQ(h.Run(sigmoid ? ops::kSigmoid : ops::kTanh), Status::kOk);
    const auto got = h.OutputValues<int8_t>();
    int exact = 0;
    for (int i = 0; i < 256; ++i) {
      const double x = double(in_scale) * (all[i] - in_zp);
      const double y = sigmoid ? 1 / (1 + std::exp(-x)) : std::tanh(x);
      const int32_t expected = QuantizeExpected(y, out_scale, out_zp);
      EXPECT_LE(std::abs(got[i] - expected), 1) << i;
      exact += got[i] == expected;
    }
    EXPECT_GE(exact, 250);  // off-by-one only at rounding ties
  }
}

TEST(SoftmaxOpTest, FloatMatchesDoubleAndSumsToOne) {
  testing::Rng rng(81);
  const auto x = RandomValues<float>(rng, 3 * 10, -5, 5);
  OpHarness h;
  h.Input<float>({3, 10}, x);
  h.Output<float>({3, 10});
  h.SetParams(format::SoftmaxParams{0.7f});
  ASSERT_EQ(h.Run(ops::kSoftmax), Status::kOk);
  const auto got = h.OutputValues<float>();
  for (int r = 0; r < 3; ++r) {
    double max = -1e9, sum = 0;
    for (int i = 0; i < 10; ++i) max = std::max(max, double(x[r * 10 + i]));
    for (int i = 0; i < 10; ++i) sum += std::exp(0.7 * (x[r * 10 + i] - max));
    for (int i = 0; i < 10; ++i)
      EXPECT_NEAR(got[r * 10 + i], std::exp(0.7 * (x[r * 10 + i] - max)) / sum, 1e-6);
  }
}

TEST(SoftmaxOpTest, Int8WithinOneLsbAndOutputQuantizationChecked) {
  testing::Rng rng(82);
  const auto q = RandomValues<int8_t>(rng, 4 * 12, -128, 127);
  const float scale = 0.05f;
  const int32_t zp = -3;
  OpHarness h;
  h.Quantize(h.Input<int8_t>({4, 12}, q), scale, zp);
  h.Quantize(h.Output<int8_t>({4, 12}), 1.0f / 256, -128);
  h.SetParams(format::SoftmaxParams{1.0f});
  ASSERT_EQ(h.Run(ops::kSoftmax), Status::kOk);
  const auto got = h.OutputValues<int8_t>();
  for (int r = 0; r < 4; ++r) {
    double max = -1e9, sum = 0;
    for (int i = 0; i < 12; ++i) max = std::max(max, scale * double(q[r * 12 + i] - zp));
    for (int i = 0; i < 12; ++i) sum += std::exp(scale * double(q[r * 12 + i] - zp) - max);
    for (int i = 0; i < 12; ++i) {
      const double p = std::exp(scale * double(q[r * 12 + i] - zp) - max) / sum;
      EXPECT_LE(std::abs(got[r * 12 + i] - QuantizeExpected(p, 1.0 / 256, -128)), 1);
    }
  }
  h.Quantize(h.context.output, 1.0f / 128, -128);
  EXPECT_EQ(h.Prepare(ops::kSoftmax), Status::kQuantizationMismatch);
  h.Quantize(h.context.output, 1.0f / 256, 0);
  EXPECT_EQ(h.Prepare(ops::kSoftmax), Status::kQuantizationMismatch);
  h.Quantize(h.context.output, 1.0f / 256, -128);
  h.SetParams(format::SoftmaxParams{0.0f});
  EXPECT_EQ(h.Prepare(ops::kSoftmax), Status::kBadParams);
  h.SetParams(format::SoftmaxParams{std::nanf("")});
  EXPECT_EQ(h.Prepare(ops::kSoftmax), Status::kBadParams);
  h.context.params_bytes = 0;
  EXPECT_EQ(h.Prepare(ops::kSoftmax), Status::kBadParams);
}

TEST(ActivationOpTest, PrepareRejectsShapeDtypeAndParams) {
  OpHarness h;
  h.Input<float>({2, 3}, std::vector<float>(6, 0));
  h.Output<float>({3, 2});
  EXPECT_EQ(h.Prepare(ops::kRelu), Status::kShapeMismatch);
  h.context.output.dims[0] = 2;
  h.context.output.dims[1] = 3;
  EXPECT_EQ(h.Prepare(ops::kTanh), Status::kOk);
  h.context.output.dtype = DType::kInt8;
  EXPECT_EQ(h.Prepare(ops::kSigmoid), Status::kDTypeMismatch);
  h.context.output.dtype = DType::kFloat32;
  h.SetParams(format::SoftmaxParams{1.0f});
  EXPECT_EQ(h.Prepare(ops::kSigmoid), Status::kBadParams);
  OpHarness q;  // int8 without quantization
  q.Input<int8_t>({4}, std::vector<int8_t>(4, 0));
  q.Output<int8_t>({4});
  EXPECT_EQ(q.Prepare(ops::kTanh), Status::kQuantizationMismatch);
}

}  // namespace
}  // namespace tinyforge
