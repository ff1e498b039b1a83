// Reference Add/Mul (float32 and int8, TFLite fixed-point scheme) and the derivation of their
// int8 multipliers, shared by the host writer and Prepare so both get the same bits.
#ifndef TINYFORGE_KERNELS_REFERENCE_ELEMENTWISE_H_
#define TINYFORGE_KERNELS_REFERENCE_ELEMENTWISE_H_

#include <stdint.h>

#include "tinyforge/format/tfm.h"

namespace tinyforge::kernels {

// The integer parameters of an int8 Add or Mul (see format::ElementwiseParams).
struct ElementwiseS8Args {
  int32_t input1_offset;  // = -zero point
  int32_t input2_offset;
  int32_t output_offset;  // = +zero point
  int32_t left_shift;     // Add only
  int32_t input1_multiplier, input1_shift;  // Add only
  int32_t input2_multiplier, input2_shift;  // Add only
  int32_t output_multiplier, output_shift;
  int32_t activation_min, activation_max;  // int8 domain
};

inline constexpr int32_t kAddLeftShift = 20;

// Fills left_shift and the multiplier/shift fields of *params (activation is left untouched) for an
// int8 Add, in float32, in this order:
//   twice_max = 2 * max(s1, s2); m1 = s1 / twice_max; m2 = s2 / twice_max;
//   m_out = twice_max / (2^20 * s_out); each through QuantizeMultiplier.
// Returns false when a multiplier cannot be represented (a scale is not finite and > 0).
bool DeriveAddParams(float input1_scale, float input2_scale, float output_scale,
                     format::ElementwiseParams* params);
// Mul: m_out = (s1 * s2) / s_out; left_shift and the input multipliers/shifts are 0.
bool DeriveMulParams(float input1_scale, float input2_scale, float output_scale,
                     format::ElementwiseParams* params);

namespace reference {
void AddF32(const float* input1, const float* input2, float* output, uint32_t count,
            float activation_min, float activation_max);
void MulF32(const float* input1, const float* input2, float* output, uint32_t count,
            float activation_min, float activation_max);
// out = clamp(MBQM((MBQM((q1+o1) << 20, m1, s1) + MBQM((q2+o2) << 20, m2, s2)), mo, so) + oo)
void AddS8(const int8_t* input1, const int8_t* input2, int8_t* output, uint32_t count,
           const ElementwiseS8Args& args);
// out = clamp(MBQM((q1+o1) * (q2+o2), mo, so) + oo)
void MulS8(const int8_t* input1, const int8_t* input2, int8_t* output, uint32_t count,
           const ElementwiseS8Args& args);
}  // namespace reference

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_ELEMENTWISE_H_
