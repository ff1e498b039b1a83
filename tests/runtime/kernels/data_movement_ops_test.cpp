// Reshape, Concat, Quantize and Dequantize op adapters, and the resolvers / registrations.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "op_test_support.h"

namespace tinyforge {
namespace {

using testing::OpHarness;
using testing::RandomValues;

TEST(ReshapeOpTest, CopiesAndAliases) {
  OpHarness h;
  h.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  h.Output<float>({3, 1, 2});
  ASSERT_EQ(h.Run(ops::kReshape), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  h.context.output.data = h.context.inputs[0].data;  // aliasing, as the planner does
  EXPECT_EQ(h.Run(ops::kReshape), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  h.context.output.dims[0] = 2;
  EXPECT_EQ(h.Prepare(ops::kReshape), Status::kShapeMismatch);
  h.context.output.dims[0] = 3;
  h.context.output.dtype = DType::kInt32;
  EXPECT_EQ(h.Prepare(ops::kReshape), Status::kDTypeMismatch);
}

TEST(ReshapeOpTest, Int8KeepsQuantization) {
  OpHarness h;
  h.Quantize(h.Input<int8_t>({4}, {1, 2, 3, 4}), 0.5f, 1);
  h.Quantize(h.Output<int8_t>({2, 2}), 0.5f, 1);
  EXPECT_EQ(h.Run(ops::kReshape), Status::kOk);
  EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{1, 2, 3, 4}));
  h.Quantize(h.context.output, 0.5f, 2);
  EXPECT_EQ(h.Prepare(ops::kReshape), Status::kQuantizationMismatch);
}

TEST(ConcatOpTest, EveryAxisMatchesIndexArithmetic) {
  testing::Rng rng(91);
  for (int32_t axis = 0; axis < 3; ++axis) {
    const uint32_t base[3] = {2, 3, 4};
    const uint32_t extents[3] = {1, 3, 2};
    OpHarness h;
    std::vector<std::vector<float>> inputs;
    uint32_t out_dims[3] = {base[0], base[1], base[2]};
    out_dims[axis] = 0;
    for (uint32_t k = 0; k < 3; ++k) {
      std::vector<uint32_t> dims(base, base + 3);
      dims[axis] = extents[k];
      out_dims[axis] += extents[k];
      inputs.push_back(RandomValues<float>(rng, dims[0] * dims[1] * dims[2], -1, 1));
      h.Input<float>(dims, inputs.back());
    }
    h.Output<float>({out_dims[0], out_dims[1], out_dims[2]});
    h.SetParams(format::ConcatParams{axis});
    ASSERT_EQ(h.Run(ops::kConcat), Status::kOk);
    const auto got = h.OutputValues<float>();
    for (uint32_t i = 0; i < out_dims[0]; ++i)
      for (uint32_t j = 0; j < out_dims[1]; ++j)
        for (uint32_t l = 0; l < out_dims[2]; ++l) {
          uint32_t idx[3] = {i, j, l};
          uint32_t k = 0;
          while (idx[axis] >= extents[k]) idx[axis] -= extents[k++];
          std::vector<uint32_t> dims(base, base + 3);
          dims[axis] = extents[k];
          const float expected = inputs[k][(idx[0] * dims[1] + idx[1]) * dims[2] + idx[2]];
          EXPECT_EQ(got[(i * out_dims[1] + j) * out_dims[2] + l], expected);
        }
  }
}

TEST(ConcatOpTest, PrepareRejections) {
  auto make = [](OpHarness& h) {
    h.Quantize(h.Input<int8_t>({1, 2}, {1, 2}), 0.1f, 0);
    h.Quantize(h.Input<int8_t>({1, 3}, {3, 4, 5}), 0.1f, 0);
    h.Quantize(h.Output<int8_t>({1, 5}), 0.1f, 0);
    h.SetParams(format::ConcatParams{1});
  };
  {
    OpHarness h;
    make(h);
    ASSERT_EQ(h.Run(ops::kConcat), Status::kOk);
    EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{1, 2, 3, 4, 5}));
  }
  {
    OpHarness h;
    make(h);
    h.SetParams(format::ConcatParams{2});
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kBadParams);
    h.SetParams(format::ConcatParams{-1});
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kBadParams);
  }
  {
    OpHarness h;
    make(h);
    h.context.output.dims[1] = 6;
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kShapeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.SetParams(format::ConcatParams{0});  // then dims[1] must agree: 2 vs 5
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kShapeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.Quantize(h.context.inputs[1], 0.2f, 0);
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kQuantizationMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.inputs[1].data = nullptr;
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kBadOpArity);
  }
  {
    OpHarness h;
    make(h);
    h.context.input_count = 0;
    EXPECT_EQ(h.Prepare(ops::kConcat), Status::kBadOpArity);
  }
}

TEST(QuantizeOpTest, RoundsHalfAwayFromZeroAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.25f, -0.25f, 0.75f, 1.0f, 100.0f, -100.0f, nan, -0.2f};
  OpHarness h;
  h.Input<float>({8}, x);
  h.Quantize(h.Output<int8_t>({8}), 0.5f, 3);
  ASSERT_EQ(h.Run(ops::kQuantize), Status::kOk);
  // 0.5 -> 1 (+3), -0.5 -> -1, 1.5 -> 2, 2, saturate, saturate, NaN -> zero point, -0.4 -> 0
  EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{4, 2, 5, 5, 127, -128, 3, 3}));
}

TEST(QuantizeOpTest, RandomRoundTripWithDequantize) {
  testing::Rng rng(92);
  const auto x = RandomValues<float>(rng, 200, -3, 3);
  const float scale = 0.03f;
  const int32_t zp = -20;
  OpHarness q;
  q.Input<float>({200}, x);
  q.Quantize(q.Output<int8_t>({200}), scale, zp);
  ASSERT_EQ(q.Run(ops::kQuantize), Status::kOk);
  const auto quantized = q.OutputValues<int8_t>();
  OpHarness d;
  d.Quantize(d.Input<int8_t>({200}, quantized), scale, zp);
  d.Output<float>({200});
  ASSERT_EQ(d.Run(ops::kDequantize), Status::kOk);
  const auto back = d.OutputValues<float>();
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(quantized[i], testing::QuantizeExpected(x[i], scale, zp));
    EXPECT_FLOAT_EQ(back[i], scale * float(quantized[i] - zp));
    if (quantized[i] > -128 && quantized[i] < 127) {
      EXPECT_LE(std::fabs(back[i] - x[i]), scale / 2 + 1e-6);
    }
  }
}

TEST(QuantizeOpTest, PrepareRejections) {
  OpHarness h;
  h.Input<float>({4}, std::vector<float>(4, 0));
  h.Output<int8_t>({4});
  EXPECT_EQ(h.Prepare(ops::kQuantize), Status::kQuantizationMismatch);
  h.Quantize(h.context.output, 0.1f, 0);
  EXPECT_EQ(h.Prepare(ops::kQuantize), Status::kOk);
  EXPECT_EQ(h.Prepare(ops::kDequantize), Status::kDTypeMismatch);
  h.context.output.dims[0] = 5;
  EXPECT_EQ(h.Prepare(ops::kQuantize), Status::kShapeMismatch);
}

TEST(ResolverTest, EveryOpcodeResolvesInBothResolvers) {
  for (const OpResolver* resolver : {&AllOpsResolver(), &ReferenceOpsResolver()}) {
    EXPECT_EQ(resolver->count(), format::kOpCodeCount);
    for (uint16_t code = 1; code <= format::kOpCodeCount; ++code) {
      const OpRegistration* registration = resolver->Find(code);
      ASSERT_NE(registration, nullptr) << format::OpName(code);
      EXPECT_EQ(registration->opcode, code);
      EXPECT_NE(registration->prepare, nullptr);
      EXPECT_NE(registration->eval, nullptr);
    }
    EXPECT_EQ(resolver->Find(0), nullptr);
    EXPECT_EQ(resolver->Find(format::kOpCodeCount + 1), nullptr);
  }
  EXPECT_EQ(ReferenceOpsResolver().Find(1)->eval, ops::kFullyConnectedReference.eval);
  static constexpr OpRegistration kPerModel[] = {ops::RegisterSoftmax(), ops::kConv2D};
  constexpr OpResolver per_model(kPerModel, 2);
  EXPECT_EQ(per_model.Find(uint16_t(format::OpCode::kConv2D))->prepare, &ops::PrepareConv2D);
  EXPECT_EQ(per_model.Find(uint16_t(format::OpCode::kAdd)), nullptr);
}

}  // namespace
}  // namespace tinyforge
