// On the Cortex-M4 (QEMU): the optimized int8 kernels, with the real DSP instructions, against
// kernels::reference byte for byte over a small shape sweep (the host sweep is the large one).
#include <stdint.h>

#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"
#include "micro_test.h"

namespace {

using namespace tinyforge::kernels;

uint32_t g_state = 12345;
int8_t NextInt8() {
  g_state = g_state * 1664525u + 1013904223u;
  return static_cast<int8_t>(static_cast<uint8_t>(g_state >> 24));
}

constexpr uint32_t kMaxBytes = 4096;
int8_t g_input[kMaxBytes], g_weights[kMaxBytes], g_expected[kMaxBytes], g_actual[kMaxBytes];
int32_t g_bias[256], g_requant[512];
uint32_t g_scratch[1024];

RequantArgs Fill(uint32_t inputs, uint32_t weights, uint32_t channels, int32_t clamp_min) {
  for (uint32_t i = 0; i < inputs; ++i) g_input[i] = NextInt8();
  for (uint32_t i = 0; i < weights; ++i) g_weights[i] = NextInt8();
  for (uint32_t c = 0; c < channels; ++c) {
    g_bias[c] = NextInt8() * 37;
    g_requant[2 * c] = (1 << 30) + (static_cast<int32_t>(static_cast<uint8_t>(NextInt8())) << 20);
    g_requant[2 * c + 1] = -7 - (c % 4);
  }
  return RequantArgs{g_requant, NextInt8() / 4, clamp_min, 127};
}

bool Same(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    if (g_expected[i] != g_actual[i]) return false;
  }
  return true;
}

// Input depths cover the SMLAD loops' splits: octets % 8 (1-octet loop), octets / 8 (8-octet
// loop), a leftover group of four and a depth % 4 tail; 640 and 128 are the AD autoencoder's.
constexpr uint32_t kFcShapes[][2] = {{1, 1},  {3, 5},   {17, 7},  {64, 12}, {130, 9}, {8, 4},
                                     {72, 5}, {100, 6}, {124, 3}, {128, 8}, {640, 5}, {203, 4}};

FullyConnectedS8Args FcArgs(const uint32_t* shape, const RequantArgs& requant, const int32_t* bias) {
  FullyConnectedS8Args args{};
  args.requant = requant;
  args.input = g_input;
  args.weights = g_weights;
  args.bias = bias;
  args.batch = 1;
  args.input_depth = shape[0];
  args.output_depth = shape[1];
  args.input_offset = 5;
  return args;
}

bool FcSame(FullyConnectedS8Args args) {
  args.output = g_expected;
  reference::FullyConnectedS8(args);
  args.output = g_actual;
  cortex_m::FullyConnectedS8(args);
  return Same(args.output_depth);
}

TF_TEST(OptimizedKernelsDevice, FullyConnectedMatchesReference) {
  for (const auto& shape : kFcShapes) {
    const RequantArgs requant = Fill(shape[0], shape[0] * shape[1], shape[1], -128);
    TF_EXPECT_TRUE(FcSame(FcArgs(shape, requant, g_bias)));
  }
}

// Channels outside the fast requantizer's range (left shift, small multiplier, shift -21) next
// to fast ones, narrow activation bounds (the per-call clamp pass), no bias, unaligned weights.
TF_TEST(OptimizedKernelsDevice, FullyConnectedMixedRequantClampAndLayoutsMatchReference) {
  for (const auto& shape : kFcShapes) {
    RequantArgs requant = Fill(shape[0], shape[0] * shape[1] + 1, shape[1], -40);
    requant.activation_max = 90;
    for (uint32_t c = 0; c < shape[1]; c += 3) {
      g_requant[2 * c] = c % 2 == 0 ? (1 << 29) + 12345 : (1 << 30) + 777;
      g_requant[2 * c + 1] = c % 2 == 0 ? -3 : (c % 4 == 1 ? 1 : -21);
    }
    TF_EXPECT_TRUE(FcSame(FcArgs(shape, requant, g_bias)));
    TF_EXPECT_TRUE(FcSame(FcArgs(shape, requant, nullptr)));
    FullyConnectedS8Args unaligned = FcArgs(shape, requant, g_bias);
    unaligned.weights = g_weights + 1;
    TF_EXPECT_TRUE(FcSame(unaligned));
  }
}

TF_TEST(OptimizedKernelsDevice, Conv2DMatchesReference) {
  // {height, width, in_channels, out_channels, filter, stride, pad}
  const uint32_t shapes[][7] = {{5, 4, 3, 5, 3, 1, 1}, {6, 5, 8, 7, 1, 1, 0}, {9, 6, 1, 8, 4, 2, 1},
                                {4, 4, 5, 3, 2, 2, 0}};
  for (const auto& s : shapes) {
    Conv2DS8Args args{};
    args.batch = 1;
    args.input_height = s[0];
    args.input_width = s[1];
    args.input_channels = s[2];
    args.output_channels = s[3];
    args.filter_height = args.filter_width = s[4];
    args.stride_height = args.stride_width = s[5];
    args.dilation_height = args.dilation_width = 1;
    args.pad_top = args.pad_left = s[6];
    args.output_height = (s[0] + 2 * s[6] - s[4]) / s[5] + 1;
    args.output_width = (s[1] + 2 * s[6] - s[4]) / s[5] + 1;
    args.requant = Fill(s[0] * s[1] * s[2], s[3] * s[4] * s[4] * s[2], s[3], 0);
    args.input = g_input;
    args.weights = g_weights;
    args.bias = g_bias;
    args.input_offset = -3;
    args.output = g_expected;
    reference::Conv2DS8(args);
    args.scratch = g_scratch;
    args.scratch_bytes = cortex_m::Conv2DS8ScratchBytes(args);
    TF_ASSERT_TRUE(args.scratch_bytes <= sizeof(g_scratch));
    args.output = g_actual;
    cortex_m::Conv2DS8(args);
    TF_EXPECT_TRUE(Same(args.output_height * args.output_width * s[3]));
  }
}

TF_TEST(OptimizedKernelsDevice, DepthwiseMatchesReference) {
  // {height, width, channels, stride, clamp_min, input_offset, slow requant on channel 1}: the
  // 3x3 assembly path (LDM rows, requant in assembly when no clamp is needed), the clamped C
  // requant, a channel that is not on the fast requant (left shift), leftover channels.
  const int32_t cases[][7] = {{5, 4, 1, -128, 128, 0, 0},  {5, 4, 4, -128, 128, 0, 0},
                              {5, 4, 7, -20, -3, 0, 0},    {5, 4, 16, -128, 17, 1, 0},
                              {5, 4, 33, -128, -127, 0, 0}, {10, 5, 64, -128, 7, 0, 0},
                              {9, 6, 12, 5, 0, 2, 1},      {7, 7, 8, -128, 40, 2, 0}};
  for (const auto& k : cases) {
    const uint32_t height = static_cast<uint32_t>(k[0]);
    const uint32_t width = static_cast<uint32_t>(k[1]);
    const uint32_t channels = static_cast<uint32_t>(k[2]);
    const uint32_t stride = static_cast<uint32_t>(k[5] == 2 ? 2 : 1);
    DepthwiseConv2DS8Args args{};
    args.batch = 1;
    args.input_height = height;
    args.input_width = width;
    args.input_channels = args.output_channels = channels;
    args.depth_multiplier = 1;
    args.filter_height = args.filter_width = 3;
    args.stride_height = args.stride_width = stride;
    args.dilation_height = args.dilation_width = 1;
    args.pad_top = args.pad_left = 1;
    args.output_height = (height + stride - 1) / stride;
    args.output_width = (width + stride - 1) / stride;
    const uint32_t outputs = args.output_height * args.output_width * channels;
    args.requant = Fill(height * width * channels, 9 * channels, channels, k[3]);
    if (k[6] != 0 && channels > 1) g_requant[3] = 1;  // channel 1: left shift, not fast
    args.input = g_input;
    args.weights = g_weights;
    args.bias = g_bias;
    args.input_offset = k[4];
    args.output = g_expected;
    reference::DepthwiseConv2DS8(args);
    args.scratch = g_scratch;
    args.scratch_bytes = cortex_m::DepthwiseConv2DS8ScratchBytes(args);
    TF_ASSERT_TRUE(args.scratch_bytes <= sizeof(g_scratch) - 4);
    g_scratch[args.scratch_bytes / 4] = 0xDEADBEEFu;
    args.output = g_actual;
    cortex_m::DepthwiseConv2DS8(args);
    TF_EXPECT_TRUE(Same(outputs));
    TF_EXPECT_TRUE(g_scratch[args.scratch_bytes / 4] == 0xDEADBEEFu);
  }
}

}  // namespace

int main() { return tinyforge::micro_test::RunAll(); }
