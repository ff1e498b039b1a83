// Kernel cases on the Cortex-M4 under QEMU: op adapters (AllOpsResolver registrations, so int8
// convs run the optimized kernels here) checked against expectations computed in the test with
// plain loops and double arithmetic (exp via a Taylor series, no libm).
#include <stdint.h>

#include "core/math.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/quantization_math.h"
#include "micro_test.h"
#include "tinyforge/ops.h"

namespace {

using tinyforge::DType;
using tinyforge::OpContext;
using tinyforge::Status;
using tinyforge::Tensor;

void SetTensor(Tensor* t, void* data, DType dtype, uint8_t rank, const uint32_t* dims) {
  *t = Tensor{};
  t->data = data;
  t->dtype = dtype;
  t->rank = rank;
  for (uint8_t i = 0; i < rank; ++i) t->dims[i] = dims[i];
}

void SetQuant(Tensor* t, const float* scale, const int32_t* zero_point) {
  t->quant.scales = scale;
  t->quant.zero_points = zero_point;
  t->quant.channel_count = 1;
}

// Deterministic pseudo-random bytes (xorshift32).
uint32_t g_seed = 12345;
int32_t NextInt(int32_t low, int32_t high) {
  g_seed ^= g_seed << 13;
  g_seed ^= g_seed >> 17;
  g_seed ^= g_seed << 5;
  return low + static_cast<int32_t>(g_seed % static_cast<uint32_t>(high - low + 1));
}

// e^x in double for x in [-40, 40]: (Taylor(x / 64))^64, independent of core/math.
double ExpDouble(double x) {
  const double r = x / 64.0;
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 20; ++n) {
    term *= r / n;
    sum += term;
  }
  for (int i = 0; i < 6; ++i) sum *= sum;
  return sum;
}

int32_t RoundDouble(double x) { return static_cast<int32_t>(x >= 0 ? x + 0.5 : x - 0.5); }
int32_t Clamp(int32_t v, int32_t low, int32_t high) { return v < low ? low : (v > high ? high : v); }
int32_t Abs(int32_t v) { return v < 0 ? -v : v; }

TF_TEST(KernelsDevice, FloatFullyConnectedMatchesLoop) {
  static float input[2 * 5], weights[3 * 5], bias[3], output[2 * 3];
  for (float& v : input) v = static_cast<float>(NextInt(-100, 100)) / 50.0f;
  for (float& v : weights) v = static_cast<float>(NextInt(-100, 100)) / 100.0f;
  for (float& v : bias) v = static_cast<float>(NextInt(-100, 100)) / 100.0f;
  OpContext context;
  const uint32_t in_dims[] = {2, 5}, w_dims[] = {3, 5}, b_dims[] = {3}, out_dims[] = {2, 3};
  SetTensor(&context.inputs[0], input, DType::kFloat32, 2, in_dims);
  SetTensor(&context.inputs[1], weights, DType::kFloat32, 2, w_dims);
  SetTensor(&context.inputs[2], bias, DType::kFloat32, 1, b_dims);
  context.input_count = 3;
  SetTensor(&context.output, output, DType::kFloat32, 2, out_dims);
  static const tinyforge::format::FullyConnectedParams params{0, {}};
  context.params = &params;
  context.params_bytes = sizeof(params);
  TF_ASSERT_TRUE(tinyforge::ops::kFullyConnected.prepare(context) == Status::kOk);
  TF_ASSERT_TRUE(tinyforge::ops::kFullyConnected.eval(context) == Status::kOk);
  for (int b = 0; b < 2; ++b)
    for (int o = 0; o < 3; ++o) {
      double sum = bias[o];
      for (int i = 0; i < 5; ++i) sum += double(input[b * 5 + i]) * weights[o * 5 + i];
      TF_EXPECT_NEAR(double(output[b * 3 + o]), sum, 1e-5);
    }
}

// int8 Conv2D 6x6x3 -> 3x3x4 (3x3 filter, stride 2, pad 1), per-channel weights. The expectation
// is the integer accumulation + MultiplyByQuantizedMultiplier, so the output must match exactly;
// the optimized (kConv2D) and reference (kConv2DReference) registrations must agree bit for bit.
TF_TEST(KernelsDevice, Int8Conv2DOptimizedAndReferenceMatchIntegerMath) {
  constexpr uint32_t kIn = 6, kCin = 3, kOut = 3, kCout = 4, kK = 3;
  static int8_t input[kIn * kIn * kCin], weights[kCout * kK * kK * kCin];
  static int8_t output[kOut * kOut * kCout], output_ref[kOut * kOut * kCout];
  static int32_t bias[kCout], requant[kCout * 2];
  static float w_scales[kCout];
  static int32_t w_zero_points[kCout];
  static const float in_scale = 0.02f, out_scale = 0.05f;
  static const int32_t in_zp = -5, out_zp = 7;
  static uint32_t scratch[512];
  for (int8_t& v : input) v = static_cast<int8_t>(NextInt(-128, 127));
  for (int8_t& v : weights) v = static_cast<int8_t>(NextInt(-127, 127));
  for (uint32_t c = 0; c < kCout; ++c) {
    bias[c] = NextInt(-2000, 2000);
    w_scales[c] = 0.004f + 0.001f * static_cast<float>(c);
    tinyforge::kernels::QuantizeMultiplier(
        tinyforge::kernels::EffectiveScale(in_scale, w_scales[c], out_scale), &requant[2 * c],
        &requant[2 * c + 1]);
  }
  OpContext context;
  const uint32_t in_dims[] = {1, kIn, kIn, kCin}, w_dims[] = {kCout, kK, kK, kCin};
  const uint32_t b_dims[] = {kCout}, r_dims[] = {kCout, 2}, out_dims[] = {1, kOut, kOut, kCout};
  SetTensor(&context.inputs[0], input, DType::kInt8, 4, in_dims);
  SetQuant(&context.inputs[0], &in_scale, &in_zp);
  SetTensor(&context.inputs[1], weights, DType::kInt8, 4, w_dims);
  context.inputs[1].quant = {w_scales, w_zero_points, kCout, 0};
  context.inputs[1].is_constant = true;
  SetTensor(&context.inputs[2], bias, DType::kInt32, 1, b_dims);
  context.inputs[2].is_constant = true;
  SetTensor(&context.inputs[3], requant, DType::kInt32, 2, r_dims);
  context.inputs[3].is_constant = true;
  context.input_count = 4;
  SetTensor(&context.output, output, DType::kInt8, 4, out_dims);
  SetQuant(&context.output, &out_scale, &out_zp);
  context.scratch = scratch;
  context.scratch_bytes = sizeof(scratch);
  tinyforge::format::Conv2DParams params{};
  params.stride_height = params.stride_width = 2;
  params.dilation_height = params.dilation_width = 1;
  params.pad_top = params.pad_left = 1;
  params.depth_multiplier = 1;
  context.params = &params;
  context.params_bytes = sizeof(params);
  TF_ASSERT_TRUE(tinyforge::ops::kConv2D.prepare(context) == Status::kOk);
  TF_ASSERT_TRUE(tinyforge::ops::kConv2D.eval(context) == Status::kOk);
  context.output.data = output_ref;
  TF_ASSERT_TRUE(tinyforge::ops::kConv2DReference.eval(context) == Status::kOk);
  int mismatches = 0;
  for (uint32_t oy = 0; oy < kOut; ++oy)
    for (uint32_t ox = 0; ox < kOut; ++ox)
      for (uint32_t oc = 0; oc < kCout; ++oc) {
        int32_t acc = bias[oc];
        for (uint32_t ky = 0; ky < kK; ++ky)
          for (uint32_t kx = 0; kx < kK; ++kx) {
            const int32_t iy = int32_t(oy * 2 + ky) - 1, ix = int32_t(ox * 2 + kx) - 1;
            if (iy < 0 || ix < 0 || iy >= int32_t(kIn) || ix >= int32_t(kIn)) continue;
            for (uint32_t ic = 0; ic < kCin; ++ic)
              acc += (input[(iy * kIn + ix) * kCin + ic] - in_zp) *
                     weights[((oc * kK + ky) * kK + kx) * kCin + ic];
          }
        const int32_t expected = Clamp(
            tinyforge::kernels::MultiplyByQuantizedMultiplier(acc, requant[2 * oc],
                                                              requant[2 * oc + 1]) + out_zp,
            -128, 127);
        const uint32_t index = (oy * kOut + ox) * kCout + oc;
        mismatches += (output[index] != expected) + (output_ref[index] != expected);
      }
  TF_EXPECT_EQ(mismatches, 0);
}

TF_TEST(KernelsDevice, FloatSoftmaxMatchesTaylorExp) {
  static float input[8], output[8];
  for (float& v : input) v = static_cast<float>(NextInt(-400, 400)) / 100.0f;
  OpContext context;
  const uint32_t dims[] = {1, 8};
  SetTensor(&context.inputs[0], input, DType::kFloat32, 2, dims);
  context.input_count = 1;
  SetTensor(&context.output, output, DType::kFloat32, 2, dims);
  static const tinyforge::format::SoftmaxParams params{1.0f};
  context.params = &params;
  context.params_bytes = sizeof(params);
  TF_ASSERT_TRUE(tinyforge::ops::kSoftmax.prepare(context) == Status::kOk);
  TF_ASSERT_TRUE(tinyforge::ops::kSoftmax.eval(context) == Status::kOk);
  double sum = 0.0;
  for (float v : input) sum += ExpDouble(v);
  for (int i = 0; i < 8; ++i) TF_EXPECT_NEAR(double(output[i]), ExpDouble(input[i]) / sum, 1e-6);
}

TF_TEST(KernelsDevice, Int8TanhAndSigmoidWithinOneLsbForEveryInput) {
  static int8_t input[256], output[256];
  for (int i = 0; i < 256; ++i) input[i] = static_cast<int8_t>(i - 128);
  static const float in_scale = 0.05f, sigmoid_scale = 1.0f / 256, tanh_scale = 1.0f / 128;
  static const int32_t in_zp = 3, sigmoid_zp = -128, tanh_zp = 0;
  const uint32_t dims[] = {256};
  for (int op = 0; op < 2; ++op) {
    OpContext context;
    SetTensor(&context.inputs[0], input, DType::kInt8, 1, dims);
    SetQuant(&context.inputs[0], &in_scale, &in_zp);
    context.input_count = 1;
    SetTensor(&context.output, output, DType::kInt8, 1, dims);
    SetQuant(&context.output, op == 0 ? &sigmoid_scale : &tanh_scale,
             op == 0 ? &sigmoid_zp : &tanh_zp);
    const tinyforge::OpRegistration& registration =
        op == 0 ? tinyforge::ops::kSigmoid : tinyforge::ops::kTanh;
    TF_ASSERT_TRUE(registration.prepare(context) == Status::kOk);
    TF_ASSERT_TRUE(registration.eval(context) == Status::kOk);
    int worst = 0;
    for (int i = 0; i < 256; ++i) {
      const double x = double(in_scale) * (input[i] - in_zp);
      const double y = op == 0 ? 1.0 / (1.0 + ExpDouble(-x))
                               : (ExpDouble(2 * x) - 1.0) / (ExpDouble(2 * x) + 1.0);
      const int32_t expected =
          Clamp(RoundDouble(y / (op == 0 ? sigmoid_scale : tanh_scale)) +
                    (op == 0 ? sigmoid_zp : tanh_zp), -128, 127);
      const int32_t error = Abs(output[i] - expected);
      worst = error > worst ? error : worst;
    }
    TF_EXPECT_TRUE(worst <= 1);
  }
}

TF_TEST(KernelsDevice, Int8AddWithinOneLsb) {
  static int8_t a[64], b[64], output[64];
  for (int i = 0; i < 64; ++i) {
    a[i] = static_cast<int8_t>(NextInt(-128, 127));
    b[i] = static_cast<int8_t>(NextInt(-128, 127));
  }
  static const float s1 = 0.03f, s2 = 0.07f, so = 0.1f;
  static const int32_t z1 = 4, z2 = -9, zo = 2;
  static tinyforge::format::ElementwiseParams params{};
  TF_ASSERT_TRUE(tinyforge::kernels::DeriveAddParams(s1, s2, so, &params));
  OpContext context;
  const uint32_t dims[] = {64};
  SetTensor(&context.inputs[0], a, DType::kInt8, 1, dims);
  SetQuant(&context.inputs[0], &s1, &z1);
  SetTensor(&context.inputs[1], b, DType::kInt8, 1, dims);
  SetQuant(&context.inputs[1], &s2, &z2);
  context.input_count = 2;
  SetTensor(&context.output, output, DType::kInt8, 1, dims);
  SetQuant(&context.output, &so, &zo);
  context.params = &params;
  context.params_bytes = sizeof(params);
  TF_ASSERT_TRUE(tinyforge::ops::kAdd.prepare(context) == Status::kOk);
  TF_ASSERT_TRUE(tinyforge::ops::kAdd.eval(context) == Status::kOk);
  int worst = 0;
  for (int i = 0; i < 64; ++i) {
    const double real = double(s1) * (a[i] - z1) + double(s2) * (b[i] - z2);
    const int32_t expected = Clamp(RoundDouble(real / so) + zo, -128, 127);
    const int32_t error = Abs(output[i] - expected);
    worst = error > worst ? error : worst;
  }
  TF_EXPECT_TRUE(worst <= 1);
}

// Prints a checksum of the deterministic math over a grid; the host test
// MathTest.ChecksumMatchesDevice prints the same figure, and they must be equal.
TF_TEST(KernelsDevice, MathChecksum) {
  uint32_t checksum = 0;
  for (int i = -2000; i <= 2000; ++i) {
    const float x = static_cast<float>(i) * 0.01f;
    const float values[] = {tinyforge::math::Exp(x), tinyforge::math::Tanh(x),
                            tinyforge::math::Sigmoid(x)};
    for (float v : values) {
      uint32_t bits;
      __builtin_memcpy(&bits, &v, sizeof(bits));
      checksum = checksum * 31u + bits;
    }
  }
  m4_kv_u32("math_checksum", checksum);
  TF_EXPECT_TRUE(checksum != 0);
}

}  // namespace

int main() { return tinyforge::micro_test::RunAll(); }
