// Fixed-point requantization shared, byte for byte, by the reference and optimized int8 kernels.
// The scheme is TFLite's (gemmlowp): a Q31 multiplier in [2^30, 2^31) and a power-of-two shift.
// Everything here is integer-only except QuantizeMultiplier, which the host writer and Prepare
// both use, in single precision, so host and device derive the same bits.
#ifndef TINYFORGE_KERNELS_REFERENCE_QUANTIZATION_MATH_H_
#define TINYFORGE_KERNELS_REFERENCE_QUANTIZATION_MATH_H_

#include <stdint.h>

namespace tinyforge::kernels {

// round(a * b / 2^31) with saturation of the single overflow case (INT32_MIN * INT32_MIN).
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t product = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = product >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));
}

// Arithmetic right shift by `exponent` (0..31) rounding half away from zero.
inline int32_t RoundingDivideByPowerOfTwo(int32_t x, int32_t exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
  return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

// x * multiplier * 2^shift, shift in [-31, 31] (positive = left).
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left_shift);
  const int32_t saturated = shifted > INT32_MAX   ? INT32_MAX
                            : shifted < INT32_MIN ? INT32_MIN
                                                  : static_cast<int32_t>(shifted);
  return RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(saturated, multiplier),
                                    right_shift);
}

// Splits a positive real multiplier into (Q31 multiplier, shift) with
// real ≈ multiplier * 2^(shift - 31). Deterministic: bit operations on the float, no libm.
// Returns false when real is not finite and > 0, or the shift falls outside [-31, 30].
inline bool QuantizeMultiplier(float real, int32_t* multiplier, int32_t* shift) {
  if (!(real > 0.0f) || real > 3.0e38f) return false;
  uint32_t bits;
  __builtin_memcpy(&bits, &real, sizeof(bits));
  const int32_t biased_exponent = static_cast<int32_t>((bits >> 23) & 0xFFu);
  if (biased_exponent == 0) return false;  // denormal: far too small to matter, refuse
  // real = 1.mantissa * 2^(e-127) = (0.5 .. 1) * 2^(e-126)
  const uint32_t significand = (bits & 0x7FFFFFu) | 0x800000u;  // 24 bits, value in [2^23, 2^24)
  const int32_t exponent = biased_exponent - 126;
  if (exponent < -31 || exponent > 30) return false;
  *multiplier = static_cast<int32_t>(significand << 7);  // [2^30, 2^31), exact
  *shift = exponent;
  return true;
}

// The effective output multiplier of a conv/FC output channel: in_scale * w_scale / out_scale,
// computed in float32 in exactly this order by the writer and by Prepare.
inline float EffectiveScale(float input_scale, float weight_scale, float output_scale) {
  return (input_scale * weight_scale) / output_scale;
}

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_QUANTIZATION_MATH_H_
