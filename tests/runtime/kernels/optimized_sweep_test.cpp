// Sweep: kernels::cortex_m (the optimized Cortex-M4 source, here through its C emulation of the
// DSP instructions) against kernels::reference, byte for byte, over many shapes, strides,
// dilations, paddings, depths 1..257, per-channel requantization, every clamp and several seeds.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/reference/int8_kernels.h"
#include "tests/runtime/kernels/int8_test_util.h"

namespace tinyforge::kernels {
namespace {

using testing::Clamp;
using testing::Int8Data;

struct ConvCase {
  uint32_t batch, height, width, in_channels, out_channels;  // out_channels: depthwise multiplier
  uint32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w;
  bool same_padding;
  bool per_channel;
  Clamp clamp;
  uint32_t seed;
};

std::string CaseName(const ConvCase& c) {
  return std::string("b") + std::to_string(c.batch) + "_" + std::to_string(c.height) + "x" +
         std::to_string(c.width) + "x" + std::to_string(c.in_channels) + "_o" +
         std::to_string(c.out_channels) + "_k" + std::to_string(c.filter_h) + "x" +
         std::to_string(c.filter_w) + "_s" + std::to_string(c.stride_h) +
         std::to_string(c.stride_w) + "_d" + std::to_string(c.dilation_h) +
         std::to_string(c.dilation_w) + (c.same_padding ? "_same" : "_valid") +
         (c.per_channel ? "_pc" : "_pt") + "_c" + std::to_string(static_cast<int>(c.clamp)) +
         "_seed" + std::to_string(c.seed);
}

// Output size and leading pad of one spatial axis (SAME or VALID, as the host resolves them).
void Axis(uint32_t in, uint32_t filter, uint32_t stride, uint32_t dilation, bool same,
          uint32_t* out, uint32_t* pad) {
  const uint32_t effective = (filter - 1) * dilation + 1;
  if (same) {
    *out = (in + stride - 1) / stride;
    const int64_t needed = static_cast<int64_t>(*out - 1) * stride + effective - in;
    *pad = needed > 0 ? static_cast<uint32_t>(needed / 2) : 0;
  } else {
    *out = in >= effective ? (in - effective) / stride + 1 : 0;
    *pad = 0;
  }
}

std::vector<ConvCase> ConvCases() {
  std::vector<ConvCase> cases;
  const Clamp clamps[] = {Clamp::kNone, Clamp::kRelu, Clamp::kRelu6, Clamp::kNarrow};
  uint32_t seed = 1;
  // Depth sweep with 1x1 (the pointwise fast path) and 3x3 SAME.
  for (uint32_t depth : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 15u, 16u, 17u, 31u, 64u, 65u, 127u, 257u}) {
    cases.push_back({1, 5, 4, depth, 7, 1, 1, 1, 1, 1, 1, false, true, clamps[seed % 4], seed});
    ++seed;
    cases.push_back({1, 4, 5, depth, 5, 3, 3, 1, 1, 1, 1, true, seed % 2 == 0, clamps[seed % 4], seed});
    ++seed;
  }
  // Output-channel sweep 1..257.
  for (uint32_t out : {1u, 2u, 3u, 4u, 5u, 9u, 64u, 129u, 257u}) {
    cases.push_back({1, 3, 3, 6, out, 2, 2, 1, 1, 1, 1, true, true, clamps[seed % 4], seed});
    ++seed;
  }
  // Strides, dilations, paddings, odd filters, batches, pixel counts not a multiple of 4.
  for (uint32_t stride : {1u, 2u, 3u}) {
    for (uint32_t dilation : {1u, 2u}) {
      for (bool same : {false, true}) {
        cases.push_back({2, 9, 7, 3, 6, 3, 2, stride, stride == 3 ? 1 : stride, dilation, 1, same,
                         true, clamps[seed % 4], seed});
        ++seed;
        cases.push_back({1, 7, 10, 1, 8, 5, 4, stride, 2, 1, dilation, same, seed % 2 == 1,
                         clamps[seed % 4], seed});
        ++seed;
      }
    }
  }
  // The KWS DS-CNN first layer shape: 49x10x1, 64@10x4, stride 2, SAME.
  cases.push_back({1, 49, 10, 1, 64, 10, 4, 2, 2, 1, 1, true, true, Clamp::kRelu, 1000});
  // Random seeds over one mid-size shape.
  for (uint32_t s = 2000; s < 2008; ++s) {
    cases.push_back({1, 6, 5, 12, 10, 3, 3, 1 + s % 2, 1, 1, 1, s % 2 == 0, true, clamps[s % 4], s});
  }
  return cases;
}

class Conv2DSweepTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2DSweepTest, OptimizedMatchesReferenceBitExactly) {
  const ConvCase& c = GetParam();
  std::mt19937 rng(c.seed);
  Conv2DS8Args args{};
  args.batch = c.batch;
  args.input_height = c.height;
  args.input_width = c.width;
  args.input_channels = c.in_channels;
  args.filter_height = c.filter_h;
  args.filter_width = c.filter_w;
  args.output_channels = c.out_channels;
  args.stride_height = c.stride_h;
  args.stride_width = c.stride_w;
  args.dilation_height = c.dilation_h;
  args.dilation_width = c.dilation_w;
  Axis(c.height, c.filter_h, c.stride_h, c.dilation_h, c.same_padding, &args.output_height,
       &args.pad_top);
  Axis(c.width, c.filter_w, c.stride_w, c.dilation_w, c.same_padding, &args.output_width,
       &args.pad_left);
  ASSERT_GT(args.output_height * args.output_width, 0u);
  Int8Data data;
  data.input = testing::RandomInt8(rng, size_t{c.batch} * c.height * c.width * c.in_channels);
  data.weights =
      testing::RandomInt8(rng, size_t{c.out_channels} * c.filter_h * c.filter_w * c.in_channels);
  testing::FillQuantization(rng, c.out_channels, c.per_channel, c.clamp, &data);
  const size_t out_count =
      size_t{c.batch} * args.output_height * args.output_width * c.out_channels;
  data.expected.assign(out_count, 0);
  data.actual.assign(out_count, 0x55);
  args.input = data.input.data();
  args.weights = data.weights.data();
  args.bias = c.seed % 5 == 0 ? nullptr : data.bias.data();
  args.input_offset = data.input_offset;
  args.requant = data.requant_args;
  args.output = data.expected.data();
  reference::Conv2DS8(args);

  const uint32_t scratch_bytes = cortex_m::Conv2DS8ScratchBytes(args);
  data.scratch.assign(scratch_bytes / 4 + 1, 0xDEADBEEFu);
  args.scratch = data.scratch.data();
  args.scratch_bytes = scratch_bytes;
  args.output = data.actual.data();
  cortex_m::Conv2DS8(args);
  EXPECT_EQ(data.scratch.back(), 0xDEADBEEFu) << "scratch overrun";
  ASSERT_EQ(data.expected, data.actual);
  // Not a degenerate comparison: unclamped outputs are not all one value.
  if (out_count >= 16 && c.clamp == Clamp::kNone) {
    EXPECT_NE(std::count(data.expected.begin(), data.expected.end(), data.expected[0]),
              static_cast<std::ptrdiff_t>(out_count));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2DSweepTest, ::testing::ValuesIn(ConvCases()),
                         [](const auto& test_info) { return CaseName(test_info.param); });

class DepthwiseSweepTest : public ::testing::TestWithParam<ConvCase> {};

std::vector<ConvCase> DepthwiseCases() {
  std::vector<ConvCase> cases;
  const Clamp clamps[] = {Clamp::kNone, Clamp::kRelu, Clamp::kRelu6, Clamp::kNarrow};
  uint32_t seed = 300;
  for (uint32_t channels : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 16u, 33u, 64u, 129u, 257u}) {
    cases.push_back({1, 5, 4, channels, 1, 3, 3, 1, 1, 1, 1, true, true, clamps[seed % 4], seed});
    ++seed;
  }
  for (uint32_t multiplier : {1u, 2u, 3u}) {
    for (uint32_t stride : {1u, 2u}) {
      for (uint32_t dilation : {1u, 2u}) {
        for (bool same : {false, true}) {
          cases.push_back({2, 8, 7, 6, multiplier, 3, 2, stride, 3 - stride, dilation, 1, same,
                           seed % 2 == 0, clamps[seed % 4], seed});
          ++seed;
        }
      }
    }
  }
  cases.push_back({1, 25, 5, 64, 1, 3, 3, 1, 1, 1, 1, true, true, Clamp::kRelu, 3000});
  // The 3x3 dilation-1 assembly path: every clamp, strides 1 and 2, SAME and VALID, 4k and
  // 4k + leftover channels, batch 2.
  for (uint32_t s = 3100; s < 3116; ++s) {
    cases.push_back({1 + s % 2, 7, 6, 4 * (1 + s % 3) + (s % 4 == 3 ? 3 : 0), 1, 3, 3,
                     1 + (s / 2) % 2, 1 + (s / 4) % 2, 1, 1, s % 3 != 0, s % 5 != 0,
                     clamps[s % 4], s});
  }
  cases.push_back({1, 9, 9, 12, 1, 5, 5, 2, 2, 1, 1, true, true, Clamp::kRelu6, 3001});
  for (uint32_t s = 4000; s < 4008; ++s) {
    cases.push_back({1, 6, 6, 4 + s % 5, 1 + s % 2, 3, 3, 1 + s % 2, 1, 1, 1, true, true,
                     clamps[s % 4], s});
  }
  return cases;
}

TEST_P(DepthwiseSweepTest, OptimizedMatchesReferenceBitExactly) {
  const ConvCase& c = GetParam();
  std::mt19937 rng(c.seed);
  DepthwiseConv2DS8Args args{};
  const uint32_t out_channels = c.in_channels * c.out_channels;
  args.batch = c.batch;
  args.input_height = c.height;
  args.input_width = c.width;
  args.input_channels = c.in_channels;
  args.filter_height = c.filter_h;
  args.filter_width = c.filter_w;
  args.output_channels = out_channels;
  args.depth_multiplier = c.out_channels;
  args.stride_height = c.stride_h;
  args.stride_width = c.stride_w;
  args.dilation_height = c.dilation_h;
  args.dilation_width = c.dilation_w;
  Axis(c.height, c.filter_h, c.stride_h, c.dilation_h, c.same_padding, &args.output_height,
       &args.pad_top);
  Axis(c.width, c.filter_w, c.stride_w, c.dilation_w, c.same_padding, &args.output_width,
       &args.pad_left);
  ASSERT_GT(args.output_height * args.output_width, 0u);
  Int8Data data;
  data.input = testing::RandomInt8(rng, size_t{c.batch} * c.height * c.width * c.in_channels);
  data.weights = testing::RandomInt8(rng, size_t{out_channels} * c.filter_h * c.filter_w);
  testing::FillQuantization(rng, out_channels, c.per_channel, c.clamp, &data);
  const size_t out_count = size_t{c.batch} * args.output_height * args.output_width * out_channels;
  data.expected.assign(out_count, 0);
  data.actual.assign(out_count, 0x55);
  args.input = data.input.data();
  args.weights = data.weights.data();
  args.bias = c.seed % 5 == 0 ? nullptr : data.bias.data();
  args.input_offset = data.input_offset;
  args.requant = data.requant_args;
  args.output = data.expected.data();
  reference::DepthwiseConv2DS8(args);
  // The optimized kernel's padded plane + widened weights (depth multiplier 1, >= 4 channels),
  // followed by a canary word.
  const uint32_t scratch_bytes = cortex_m::DepthwiseConv2DS8ScratchBytes(args);
  if (c.out_channels == 1 && c.in_channels >= 4) {
    EXPECT_GT(scratch_bytes, 0u);
  }
  data.scratch.assign(scratch_bytes / 4 + 1, 0xDEADBEEFu);
  args.scratch = data.scratch.data();
  args.scratch_bytes = scratch_bytes;
  args.output = data.actual.data();
  cortex_m::DepthwiseConv2DS8(args);
  ASSERT_EQ(data.expected, data.actual);
  EXPECT_EQ(data.scratch.back(), 0xDEADBEEFu) << "scratch overrun";
}

// Without its scratch (or with too little) the kernel must still be exact (reference fallback).
TEST(DepthwiseScratchTest, TooSmallScratchFallsBackBitExactly) {
  std::mt19937 rng(77);
  DepthwiseConv2DS8Args args{};
  args.batch = 1;
  args.input_height = 6;
  args.input_width = 5;
  args.input_channels = args.output_channels = 8;
  args.depth_multiplier = 1;
  args.filter_height = args.filter_width = 3;
  args.stride_height = args.stride_width = 1;
  args.dilation_height = args.dilation_width = 1;
  args.pad_top = args.pad_left = 1;
  args.output_height = 6;
  args.output_width = 5;
  Int8Data data;
  data.input = testing::RandomInt8(rng, 6 * 5 * 8);
  data.weights = testing::RandomInt8(rng, 9 * 8);
  testing::FillQuantization(rng, 8, true, Clamp::kRelu, &data);
  data.expected.assign(6 * 5 * 8, 0);
  data.actual.assign(6 * 5 * 8, 0x55);
  args.input = data.input.data();
  args.weights = data.weights.data();
  args.bias = data.bias.data();
  args.input_offset = data.input_offset;
  args.requant = data.requant_args;
  args.output = data.expected.data();
  reference::DepthwiseConv2DS8(args);
  const uint32_t needed = cortex_m::DepthwiseConv2DS8ScratchBytes(args);
  ASSERT_GT(needed, 4u);
  data.scratch.assign(needed / 4, 0u);
  args.scratch = data.scratch.data();
  args.scratch_bytes = needed - 4;
  args.output = data.actual.data();
  cortex_m::DepthwiseConv2DS8(args);
  EXPECT_EQ(data.expected, data.actual);
}

INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseSweepTest, ::testing::ValuesIn(DepthwiseCases()),
                         [](const auto& test_info) { return CaseName(test_info.param); });

struct FcCase {
  uint32_t batch, input_depth, output_depth;
  bool per_channel;
  Clamp clamp;
  uint32_t seed;
};

class FullyConnectedSweepTest : public ::testing::TestWithParam<FcCase> {};

std::vector<FcCase> FcCases() {
  std::vector<FcCase> cases;
  const Clamp clamps[] = {Clamp::kNone, Clamp::kRelu, Clamp::kRelu6, Clamp::kNarrow};
  uint32_t seed = 500;
  for (uint32_t in : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 12u, 63u, 64u, 65u, 128u, 257u, 640u,
                      1023u, 1024u, 1025u, 1500u}) {
    for (uint32_t out : {1u, 2u, 3u, 4u, 8u, 13u, 128u, 257u}) {
      cases.push_back({1 + seed % 3 / 2, in, out, seed % 3 != 0, clamps[seed % 4], seed});
      ++seed;
    }
  }
  return cases;
}

TEST_P(FullyConnectedSweepTest, OptimizedMatchesReferenceBitExactly) {
  const FcCase& c = GetParam();
  std::mt19937 rng(c.seed);
  Int8Data data;
  data.input = testing::RandomInt8(rng, size_t{c.batch} * c.input_depth);
  data.weights = testing::RandomInt8(rng, size_t{c.output_depth} * c.input_depth);
  testing::FillQuantization(rng, c.output_depth, c.per_channel, c.clamp, &data);
  data.expected.assign(size_t{c.batch} * c.output_depth, 0);
  data.actual.assign(data.expected.size(), 0x55);
  FullyConnectedS8Args args{};
  args.input = data.input.data();
  args.weights = data.weights.data();
  args.bias = c.seed % 5 == 0 ? nullptr : data.bias.data();
  args.batch = c.batch;
  args.input_depth = c.input_depth;
  args.output_depth = c.output_depth;
  args.input_offset = data.input_offset;
  args.requant = data.requant_args;
  args.output = data.expected.data();
  reference::FullyConnectedS8(args);
  args.output = data.actual.data();
  cortex_m::FullyConnectedS8(args);
  ASSERT_EQ(data.expected, data.actual);
}

INSTANTIATE_TEST_SUITE_P(Shapes, FullyConnectedSweepTest, ::testing::ValuesIn(FcCases()),
                         [](const auto& test_info) {
                           const FcCase& c = test_info.param;
                           return std::string("b") + std::to_string(c.batch) + "_in" +
                                  std::to_string(c.input_depth) + "_out" +
                                  std::to_string(c.output_depth) + "_seed" +
                                  std::to_string(c.seed);
                         });

// The per-channel choice between the fast and the general requantizer at its edges (multiplier
// 2^30 - 1 / 2^30 / 2^31 - 1, shift 0 / -1 / -20 / -21 / +1), with saturated accumulators (all
// weights and inputs at the int8 extremes, large biases) and extreme output zero points.
TEST(FullyConnectedRequantTest, FastAndGeneralChannelChoiceMatchesReferenceAtTheEdges) {
  const int32_t multipliers[] = {(1 << 30) - 1, 1 << 30, INT32_MAX};
  const int32_t shifts[] = {1, 0, -1, -20, -21};
  const uint32_t channels = 15;  // every (multiplier, shift) pair once
  std::vector<int32_t> requant;
  for (int32_t m : multipliers) {
    for (int32_t shift : shifts) {
      requant.push_back(m);
      requant.push_back(shift);
    }
  }
  for (uint32_t depth : {8u, 64u, 640u}) {
    for (int8_t value : {int8_t{-128}, int8_t{127}}) {
      for (int32_t zero_point : {-128, 0, 127}) {
        std::vector<int8_t> input(depth, value);
        std::vector<int8_t> weights(size_t{channels} * depth);
        for (size_t i = 0; i < weights.size(); ++i) {
          weights[i] = (i / depth) % 2 == 0 ? int8_t{-128} : int8_t{127};
        }
        std::vector<int32_t> bias(channels);
        for (uint32_t c = 0; c < channels; ++c) bias[c] = (c % 3 == 0 ? -1 : 1) * (1 << 29);
        std::vector<int8_t> expected(channels, 0);
        std::vector<int8_t> actual(channels, 0x55);
        FullyConnectedS8Args args{};
        args.input = input.data();
        args.weights = weights.data();
        args.bias = bias.data();
        args.batch = 1;
        args.input_depth = depth;
        args.output_depth = channels;
        args.input_offset = value < 0 ? -127 : 128;
        args.requant = RequantArgs{requant.data(), zero_point, -128, 127};
        args.output = expected.data();
        reference::FullyConnectedS8(args);
        args.output = actual.data();
        cortex_m::FullyConnectedS8(args);
        ASSERT_EQ(expected, actual) << "depth " << depth << " value " << int{value} << " zp "
                                    << zero_point;
      }
    }
  }
}

}  // namespace
}  // namespace tinyforge::kernels
