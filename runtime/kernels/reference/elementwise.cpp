// Reference Add/Mul kernels and their int8 multiplier derivation.
#include "kernels/reference/elementwise.h"

#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels {

bool DeriveAddParams(float input1_scale, float input2_scale, float output_scale,
                     format::ElementwiseParams* params) {
  if (!(input1_scale > 0.0f) || !(input2_scale > 0.0f) || !(output_scale > 0.0f)) return false;
  const float twice_max = 2.0f * (input1_scale > input2_scale ? input1_scale : input2_scale);
  const float real1 = input1_scale / twice_max;
  const float real2 = input2_scale / twice_max;
  const float real_out = twice_max / (static_cast<float>(1 << kAddLeftShift) * output_scale);
  params->left_shift = kAddLeftShift;
  return QuantizeMultiplier(real1, &params->input1_multiplier, &params->input1_shift) &&
         QuantizeMultiplier(real2, &params->input2_multiplier, &params->input2_shift) &&
         QuantizeMultiplier(real_out, &params->output_multiplier, &params->output_shift);
}

bool DeriveMulParams(float input1_scale, float input2_scale, float output_scale,
                     format::ElementwiseParams* params) {
  if (!(input1_scale > 0.0f) || !(input2_scale > 0.0f) || !(output_scale > 0.0f)) return false;
  params->left_shift = 0;
  params->input1_multiplier = 0;
  params->input1_shift = 0;
  params->input2_multiplier = 0;
  params->input2_shift = 0;
  return QuantizeMultiplier((input1_scale * input2_scale) / output_scale,
                            &params->output_multiplier, &params->output_shift);
}

namespace reference {
namespace {

template <typename T>
T ClampTo(T value, T low, T high) {
  return value < low ? low : (value > high ? high : value);
}

}  // namespace

void AddF32(const float* input1, const float* input2, float* output, uint32_t count,
            float activation_min, float activation_max) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = ClampTo(input1[i] + input2[i], activation_min, activation_max);
}

void MulF32(const float* input1, const float* input2, float* output, uint32_t count,
            float activation_min, float activation_max) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = ClampTo(input1[i] * input2[i], activation_min, activation_max);
}

void AddS8(const int8_t* input1, const int8_t* input2, int8_t* output, uint32_t count,
           const ElementwiseS8Args& args) {
  for (uint32_t i = 0; i < count; ++i) {
    // |q + offset| <= 255, so the shift by 20 stays below 2^28.
    const int32_t shifted1 = (input1[i] + args.input1_offset) * (1 << args.left_shift);
    const int32_t shifted2 = (input2[i] + args.input2_offset) * (1 << args.left_shift);
    const int32_t scaled1 =
        MultiplyByQuantizedMultiplier(shifted1, args.input1_multiplier, args.input1_shift);
    const int32_t scaled2 =
        MultiplyByQuantizedMultiplier(shifted2, args.input2_multiplier, args.input2_shift);
    const int32_t raw =
        MultiplyByQuantizedMultiplier(scaled1 + scaled2, args.output_multiplier, args.output_shift) +
        args.output_offset;
    output[i] = static_cast<int8_t>(ClampTo(raw, args.activation_min, args.activation_max));
  }
}

void MulS8(const int8_t* input1, const int8_t* input2, int8_t* output, uint32_t count,
           const ElementwiseS8Args& args) {
  for (uint32_t i = 0; i < count; ++i) {
    const int32_t product = (input1[i] + args.input1_offset) * (input2[i] + args.input2_offset);
    const int32_t raw =
        MultiplyByQuantizedMultiplier(product, args.output_multiplier, args.output_shift) +
        args.output_offset;
    output[i] = static_cast<int8_t>(ClampTo(raw, args.activation_min, args.activation_max));
  }
}

}  // namespace reference
}  // namespace tinyforge::kernels
