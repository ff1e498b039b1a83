// The few Cortex-M4 DSP (SIMD32) instructions the optimized int8 kernels use, as inline
// functions: the real instruction on an Armv7E-M target, a portable C emulation elsewhere that
// gives the same 32-bit result bit for bit, so one kernel source runs (and is tested) on both.
//
// Lane notation: a word holds two 16-bit halves, "bottom" = bits 15..0, "top" = bits 31..16.
#ifndef TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_DSP_INTRINSICS_H_
#define TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_DSP_INTRINSICS_H_

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TINYFORGE_HAS_ARM_DSP 1
#include <arm_acle.h>
#else
#define TINYFORGE_HAS_ARM_DSP 0
#endif

namespace tinyforge::kernels::cortex_m::dsp {

#if TINYFORGE_HAS_ARM_DSP

// SXTB16: sign-extend bytes 0 and 2 into the bottom and top halves.
inline uint32_t Sxtb16(uint32_t x) { return static_cast<uint32_t>(__sxtb16(static_cast<int32_t>(x))); }
// SXTB16 x, ROR #8: sign-extend bytes 1 and 3.
inline uint32_t Sxtb16Ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
// SXTAB16: halves of a plus sign-extended bytes 0 and 2 of x (each half wraps mod 2^16).
inline uint32_t Sxtab16(uint32_t a, uint32_t x) {
  return static_cast<uint32_t>(__sxtab16(static_cast<int32_t>(a), static_cast<int32_t>(x)));
}
// SXTAB16 a, x, ROR #8: halves of a plus sign-extended bytes 1 and 3 of x.
inline uint32_t Sxtab16Ror8(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
// SMLAD: acc + bottom(a)*bottom(b) + top(a)*top(b), 32-bit wrap-around.
inline int32_t Smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// SMLAxy: acc + x-half(a) * y-half(b), B = bottom, T = top.
inline int32_t Smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabb(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
inline int32_t Smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatt(static_cast<int32_t>(a), static_cast<int32_t>(b), acc);
}
// PKHBT: bottom half of a, top half of (b << 16) — i.e. (bottom(a), bottom(b)).
inline uint32_t PackBottoms(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
// PKHTB: (top(b), top(a)) packed as bottom = top(b), top = top(a) — i.e. (top(b), top(a)).
inline uint32_t PackTops(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

// QADD: a + b saturated to int32.
inline int32_t Qadd(int32_t a, int32_t b) { return __qadd(a, b); }
// SMMULR: (a * b + 2^31) >> 32, the rounded high word of the 64-bit product.
inline int32_t Smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
// SSAT #8: clamp to [-128, 127].
inline int32_t Ssat8(int32_t x) { return __ssat(x, 8); }

#else  // Portable emulation: same bits as the instructions above.

inline uint32_t Half(int32_t value) { return static_cast<uint32_t>(value) & 0xFFFFu; }
inline int32_t Bottom(uint32_t x) { return static_cast<int16_t>(static_cast<uint16_t>(x & 0xFFFFu)); }
inline int32_t Top(uint32_t x) { return static_cast<int16_t>(static_cast<uint16_t>(x >> 16)); }
inline int32_t Byte(uint32_t x, int index) {
  return static_cast<int8_t>(static_cast<uint8_t>((x >> (8 * index)) & 0xFFu));
}

inline uint32_t Sxtb16(uint32_t x) { return Half(Byte(x, 0)) | (Half(Byte(x, 2)) << 16); }
inline uint32_t Sxtb16Ror8(uint32_t x) { return Half(Byte(x, 1)) | (Half(Byte(x, 3)) << 16); }
inline uint32_t Sxtab16(uint32_t a, uint32_t x) {
  return Half(Bottom(a) + Byte(x, 0)) | (Half(Top(a) + Byte(x, 2)) << 16);
}
inline uint32_t Sxtab16Ror8(uint32_t a, uint32_t x) {
  return Half(Bottom(a) + Byte(x, 1)) | (Half(Top(a) + Byte(x, 3)) << 16);
}
inline int32_t Wrap(int64_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value)));
}
inline int32_t Smlad(uint32_t a, uint32_t b, int32_t acc) {
  return Wrap(static_cast<int64_t>(acc) + Bottom(a) * Bottom(b) + Top(a) * Top(b));
}
inline int32_t Smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return Wrap(static_cast<int64_t>(acc) + Bottom(a) * Bottom(b));
}
inline int32_t Smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return Wrap(static_cast<int64_t>(acc) + Top(a) * Top(b));
}
inline uint32_t PackBottoms(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
inline uint32_t PackTops(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }

inline int32_t Qadd(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : static_cast<int32_t>(sum);
}
inline int32_t Smmulr(int32_t a, int32_t b) {
  return static_cast<int32_t>((static_cast<int64_t>(a) * b + (int64_t{1} << 31)) >> 32);
}
inline int32_t Ssat8(int32_t x) { return x < -128 ? -128 : x > 127 ? 127 : x; }

#endif

// Two copies of a 16-bit value, one per half (the operand SXTAB16 adds the input offset with).
inline uint32_t Dup16(int32_t value) {
  const uint32_t half = static_cast<uint32_t>(value) & 0xFFFFu;
  return half | (half << 16);
}

}  // namespace tinyforge::kernels::cortex_m::dsp

#endif  // TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_DSP_INTRINSICS_H_
