// Overflow-checked uint32 arithmetic for the loader: every size computed from untrusted blob
// fields goes through these, so a crafted blob cannot wrap an offset back into bounds.
#ifndef TINYFORGE_RUNTIME_CORE_CHECKED_MATH_H_
#define TINYFORGE_RUNTIME_CORE_CHECKED_MATH_H_

#include <stdint.h>

namespace tinyforge::core {

// Each returns false (and leaves *out unspecified) when the exact result does not fit in uint32.
inline bool CheckedAdd(uint32_t a, uint32_t b, uint32_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool CheckedMul(uint32_t a, uint32_t b, uint32_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
// true when [offset, offset + length) lies inside [0, limit), without overflow.
inline bool RangeInside(uint32_t offset, uint32_t length, uint32_t limit) {
  return offset <= limit && length <= limit - offset;
}
// true when [a, a + a_len) and [b, b + b_len) share at least one byte (both already in bounds).
inline bool RangesOverlap(uint32_t a, uint32_t a_len, uint32_t b, uint32_t b_len) {
  if (a_len == 0 || b_len == 0) return false;
  return a < b + b_len && b < a + a_len;
}
inline bool IsPowerOfTwo(uint32_t value) { return value != 0 && (value & (value - 1)) == 0; }

}  // namespace tinyforge::core

#endif  // TINYFORGE_RUNTIME_CORE_CHECKED_MATH_H_
