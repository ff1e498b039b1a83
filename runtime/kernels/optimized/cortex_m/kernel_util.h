// Helpers shared by the optimized int8 kernels: unaligned word loads, a branch-light requantizer
// that is bit-identical to kernels::MultiplyByQuantizedMultiplier, and input widening.
#ifndef TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_KERNEL_UTIL_H_
#define TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_KERNEL_UTIL_H_

#include <stdint.h>

#include "kernels/optimized/cortex_m/dsp_intrinsics.h"
#include "kernels/reference/int8_kernels.h"

namespace tinyforge::kernels::cortex_m {

// Four int8 as one word (LDR; Cortex-M4 allows unaligned LDR).
inline uint32_t Load32(const int8_t* bytes) {
  uint32_t word;
  __builtin_memcpy(&word, bytes, sizeof(word));
  return word;
}

inline bool InputOffsetSupported(int32_t input_offset) {
  return input_offset >= -127 && input_offset <= 128;
}

// The reference requantization rewritten for fewer instructions, same bits:
//  - round(x*m / 2^31) with the reference's nudge-then-truncate equals floor((x*m + 2^30) / 2^31)
//    for either sign of x*m (for negative products: truncation toward zero of p + 1 - 2^30 is the
//    floor of p + 1 - 2^30 + 2^31 - 1), so one multiply-accumulate and a shift do it;
//  - the rounding right shift keeps the reference's mask/threshold form (no overflow near
//    INT32_MAX, unlike adding half first).
inline int32_t Requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset,
                          int32_t activation_min, int32_t activation_max) {
  int32_t x = acc;
  int32_t right_shift = -shift;
  if (shift > 0) {
    const int64_t shifted = static_cast<int64_t>(acc) * (int64_t{1} << shift);
    x = shifted > INT32_MAX   ? INT32_MAX
        : shifted < INT32_MIN ? INT32_MIN
                              : static_cast<int32_t>(shifted);
    right_shift = 0;
  }
  int32_t high;
  if (x == INT32_MIN && multiplier == INT32_MIN) {
    high = INT32_MAX;
  } else {
    high = static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t{1} << 30)) >> 31);
  }
  const int32_t mask = static_cast<int32_t>((uint32_t{1} << right_shift) - 1u);
  const int32_t threshold = (mask >> 1) + static_cast<int32_t>(static_cast<uint32_t>(high) >> 31);
  int32_t value = (high >> right_shift) + ((high & mask) > threshold ? 1 : 0);
  value += output_offset;
  value = value < activation_min ? activation_min : value;
  value = value > activation_max ? activation_max : value;
  return value;
}

// A channel's requantizer, decided once per channel. The fast form (8 instructions on the M4)
// is used when multiplier >= 2^30 (QuantizeMultiplier's range) and the shift is a right shift
// of 1..20; it is bit-identical to Requantize:
//  - high = SMMULR(QADD(acc, acc), m) = floor((acc*m + 2^30) / 2^31) whenever 2*acc fits; when
//    it saturates (|acc| >= 2^30), both forms give |high| >= 2^29, so after >> 20 and the zero
//    point the value is beyond int8 and both clamp to the same bound;
//  - the reference's rounding shift (round half away from zero) equals
//    (high + 2^(e-1) - (high < 0)) >> e, with no overflow since |high| <= 2^30 + 1;
//  - clamping: SSAT to int8, then the activation bounds (inside int8).
struct ChannelRequant {
  int32_t multiplier;
  int32_t shift;  // the reference's shift (left if > 0)
  int32_t right_shift;
  int32_t half;   // 2^(right_shift - 1)
  bool fast;
};

inline ChannelRequant MakeChannelRequant(const RequantArgs& requant, uint32_t channel) {
  ChannelRequant r{};
  r.multiplier = requant.requant[2 * channel];
  r.shift = requant.requant[2 * channel + 1];
  r.fast = r.multiplier >= (int32_t{1} << 30) && r.shift <= -1 && r.shift >= -20;
  r.right_shift = r.fast ? -r.shift : 0;
  r.half = r.fast ? int32_t{1} << (r.right_shift - 1) : 0;
  return r;
}

inline int8_t ApplyRequant(int32_t acc, const ChannelRequant& r, int32_t output_offset,
                           int32_t activation_min, int32_t activation_max) {
  if (!r.fast) {
    return static_cast<int8_t>(Requantize(acc, r.multiplier, r.shift, output_offset,
                                          activation_min, activation_max));
  }
  const int32_t high = dsp::Smmulr(dsp::Qadd(acc, acc), r.multiplier);
  int32_t value = dsp::Ssat8(((high + r.half + (high >> 31)) >> r.right_shift) + output_offset);
  value = value < activation_min ? activation_min : value;
  value = value > activation_max ? activation_max : value;
  return static_cast<int8_t>(value);
}

// The fast requantizer with the output zero point folded into the rounding term, for kernels
// that decide per call (not per output) that every channel takes the fast form:
//   ((high + half - (high < 0)) >> e) + zp == (high + half + zp * 2^e - (high < 0)) >> e
// exactly (adding a multiple of 2^e commutes with the flooring shift; |sum| < 2^31 since
// |high| <= 2^30 + 1, half <= 2^19 and |zp * 2^e| <= 2^27). Then SSAT to int8; the activation
// clamp (ClampActivation) is needed only when the bounds are narrower than int8.
// Field order is fixed: assembly loads (multiplier, add, right_shift) with one LDM.
struct FastRequant {
  int32_t multiplier;
  int32_t add;  // 2^(e-1) + output_offset * 2^e
  int32_t right_shift;
};

inline bool MakeFastRequant(const RequantArgs& requant, uint32_t channel, FastRequant* out) {
  const ChannelRequant r = MakeChannelRequant(requant, channel);
  out->multiplier = r.multiplier;
  out->right_shift = r.right_shift;
  out->add = r.half + requant.output_offset * (int32_t{1} << r.right_shift);
  return r.fast;
}

inline int32_t ApplyFastRequant(int32_t acc, const FastRequant& r) {
  const int32_t high = dsp::Smmulr(dsp::Qadd(acc, acc), r.multiplier);
  return dsp::Ssat8((high + r.add + (high >> 31)) >> r.right_shift);
}

inline int32_t ClampActivation(int32_t value, const RequantArgs& requant) {
  value = value < requant.activation_min ? requant.activation_min : value;
  return value > requant.activation_max ? requant.activation_max : value;
}

inline int8_t RequantizeChannel(int32_t acc, const RequantArgs& requant, uint32_t channel) {
  return static_cast<int8_t>(Requantize(acc, requant.requant[2 * channel],
                                        requant.requant[2 * channel + 1], requant.output_offset,
                                        requant.activation_min, requant.activation_max));
}

// Widens `depth` int8 values to 16 bits with the offset added, in the layout the SMLAD loops
// read (per group of four inputs x0..x3: word (x0,x2) then word (x1,x3), matching SXTB16 and
// SXTB16 ROR #8 of the weights), the groups of one column `stride_words` apart:
//
//   dst: [g0: (x0,x2) (x1,x3)] ...stride... [g1: (x4,x6) (x5,x7)] ...   tail: int16 x[4*groups..]
//
// The depth % 4 leftover values go to `tail` as plain int16.
inline void WidenColumn(const int8_t* src, uint32_t depth, uint32_t offset_pair, uint32_t* dst,
                        uint32_t stride_words, int16_t* tail, int32_t input_offset) {
  const uint32_t groups = depth / 4;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t word = Load32(src);
    src += 4;
    dst[0] = dsp::Sxtab16(offset_pair, word);
    dst[1] = dsp::Sxtab16Ror8(offset_pair, word);
    dst += stride_words;
  }
  for (uint32_t t = 0; t < depth % 4; ++t) {
    tail[t] = static_cast<int16_t>(src[t] + input_offset);
  }
}

}  // namespace tinyforge::kernels::cortex_m

#endif  // TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_KERNEL_UTIL_H_
